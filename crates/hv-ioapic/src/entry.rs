//! One redirection table entry (IOREDTBL\[n\], 82093AA datasheet section
//! 3.2.4): how the interrupt on pin `n` becomes an APIC message.

use crate::regs::{
    ENTRY_ACTIVE_LOW, ENTRY_DELIVERY_MODE, ENTRY_DELIVERY_MODE_SHIFT, ENTRY_DELIVERY_STATUS, ENTRY_DESTINATION_SHIFT,
    ENTRY_LEVEL_TRIGGERED, ENTRY_LOGICAL, ENTRY_MASKED, ENTRY_REMOTE_IRR, ENTRY_RESET, ENTRY_VECTOR, ENTRY_WRITABLE,
    FIRST_LEGAL_VECTOR,
};

/// The Delivery Mode field, bits 10:8 (82093AA section 3.2.4, the table
/// under "Delivery Mode"). Encodings 011b and 110b are reserved and have no
/// variant: [`RedirectionEntry::delivery_mode`] returns `None` for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryMode {
    /// 000b: to the INTR input of every processor in the destination, with
    /// the entry's vector; edge or level triggered.
    Fixed,
    /// 001b: to the processor of lowest priority among the destination, with
    /// the entry's vector; edge or level triggered.
    LowestPriority,
    /// 010b: System Management Interrupt; vector ignored, always edge.
    Smi,
    /// 100b: NMI; vector ignored, edge triggered whatever the trigger mode
    /// says.
    Nmi,
    /// 101b: INIT; vector ignored, edge triggered whatever the trigger mode
    /// says.
    Init,
    /// 111b: an interrupt from an external 8259A-compatible controller, which
    /// supplies the vector in the INTA cycle; always edge.
    ExtInt,
}

impl DeliveryMode {
    /// The mode encoded by the 3-bit field value `bits` (bits above 2
    /// ignored); `None` for the reserved 011b and 110b.
    #[must_use]
    pub const fn from_bits(bits: u8) -> Option<Self> {
        match bits & 0x7 {
            0b000 => Some(Self::Fixed),
            0b001 => Some(Self::LowestPriority),
            0b010 => Some(Self::Smi),
            0b100 => Some(Self::Nmi),
            0b101 => Some(Self::Init),
            0b111 => Some(Self::ExtInt),
            _ => None,
        }
    }

    /// The 3-bit encoding of the mode.
    #[must_use]
    pub const fn bits(self) -> u8 {
        match self {
            Self::Fixed => 0b000,
            Self::LowestPriority => 0b001,
            Self::Smi => 0b010,
            Self::Nmi => 0b100,
            Self::Init => 0b101,
            Self::ExtInt => 0b111,
        }
    }

    /// Whether the message carries the entry's vector (Fixed and Lowest
    /// Priority). Only these can be level triggered, and only for these are
    /// vectors 0-15 illegal.
    #[must_use]
    pub const fn uses_vector(self) -> bool {
        matches!(self, Self::Fixed | Self::LowestPriority)
    }
}

/// A redirection table entry: the 64-bit register as the guest reads it.
///
/// Reserved bits 55:17 are always 0. Delivery Status (bit 12) and Remote IRR
/// (bit 14) are kept by the I/O APIC; a guest's write never changes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RedirectionEntry(u64);

impl RedirectionEntry {
    /// The entry after reset: masked, all other bits 0.
    pub const RESET: Self = Self(ENTRY_RESET);

    /// The raw 64-bit value.
    #[must_use]
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// Bits 31:0, what IOWIN reads at `0x10 + 2n`.
    #[must_use]
    pub const fn low(self) -> u32 {
        (self.0 & 0xFFFF_FFFF) as u32
    }

    /// Bits 63:32, what IOWIN reads at `0x10 + 2n + 1`.
    #[must_use]
    pub const fn high(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// Interrupt Vector, bits 7:0.
    #[must_use]
    pub const fn vector(self) -> u8 {
        (self.0 & ENTRY_VECTOR) as u8
    }

    /// Delivery Mode, bits 10:8; `None` for a reserved encoding.
    #[must_use]
    pub const fn delivery_mode(self) -> Option<DeliveryMode> {
        DeliveryMode::from_bits(((self.0 & ENTRY_DELIVERY_MODE) >> ENTRY_DELIVERY_MODE_SHIFT) as u8)
    }

    /// Destination Mode, bit 11: `true` for logical, `false` for physical.
    #[must_use]
    pub const fn logical(self) -> bool {
        self.0 & ENTRY_LOGICAL != 0
    }

    /// Delivery Status, bit 12: a message for this pin waits to be taken.
    #[must_use]
    pub const fn delivery_pending(self) -> bool {
        self.0 & ENTRY_DELIVERY_STATUS != 0
    }

    /// Interrupt Input Pin Polarity, bit 13: `true` for active low.
    #[must_use]
    pub const fn active_low(self) -> bool {
        self.0 & ENTRY_ACTIVE_LOW != 0
    }

    /// Remote IRR, bit 14: a level-triggered interrupt was accepted and its
    /// EOI has not come yet.
    #[must_use]
    pub const fn remote_irr(self) -> bool {
        self.0 & ENTRY_REMOTE_IRR != 0
    }

    /// Trigger Mode, bit 15, as programmed: `true` for level.
    #[must_use]
    pub const fn trigger_level(self) -> bool {
        self.0 & ENTRY_LEVEL_TRIGGERED != 0
    }

    /// Interrupt Mask, bit 16.
    #[must_use]
    pub const fn masked(self) -> bool {
        self.0 & ENTRY_MASKED != 0
    }

    /// Destination Field, bits 63:56.
    #[must_use]
    pub const fn destination(self) -> u8 {
        (self.0 >> ENTRY_DESTINATION_SHIFT) as u8
    }

    /// Whether the pin works level-triggered: Trigger Mode says level and the
    /// delivery mode allows it. SMI, NMI, INIT and ExtINT are edge triggered
    /// whatever bit 15 says (section 3.2.4, Delivery Mode table; Remote IRR
    /// "is never set for SMI, NMI, INIT, or ExtINT delivery modes" in the
    /// ICH-family I/O APIC datasheets). A reserved delivery mode follows bit
    /// 15, so such an entry is refused on every level evaluation.
    #[must_use]
    pub const fn effective_level(self) -> bool {
        self.trigger_level()
            && match self.delivery_mode() {
                Some(mode) => mode.uses_vector(),
                None => true,
            }
    }

    /// Whether the vector is one the local APIC refuses for this delivery
    /// mode: 0-15 with Fixed or Lowest Priority.
    #[must_use]
    pub const fn illegal_vector(self) -> bool {
        match self.delivery_mode() {
            Some(mode) => mode.uses_vector() && self.vector() < FIRST_LEGAL_VECTOR,
            None => false,
        }
    }

    /// This entry with bits 31:0 replaced by a guest's write: the writable
    /// bits of `value` taken, Remote IRR kept, Delivery Status and reserved
    /// bits 0.
    pub(crate) const fn with_guest_low(self, value: u32) -> Self {
        let keep = self.0 & (ENTRY_REMOTE_IRR | !0xFFFF_FFFF);
        Self(keep | (value as u64 & ENTRY_WRITABLE))
    }

    /// This entry with bits 63:32 replaced by a guest's write: only the
    /// destination (bits 63:56) is writable.
    pub(crate) const fn with_guest_high(self, value: u32) -> Self {
        let keep = self.0 & 0xFFFF_FFFF;
        Self(keep | (((value as u64) << 32) & ENTRY_WRITABLE))
    }

    /// This entry with Remote IRR set or cleared.
    pub(crate) const fn with_remote_irr(self, set: bool) -> Self {
        if set {
            Self(self.0 | ENTRY_REMOTE_IRR)
        } else {
            Self(self.0 & !ENTRY_REMOTE_IRR)
        }
    }

    /// This entry with Delivery Status set or cleared (only for what a read
    /// returns; the I/O APIC keeps the pending state in its queue).
    pub(crate) const fn with_delivery_pending(self, set: bool) -> Self {
        if set {
            Self(self.0 | ENTRY_DELIVERY_STATUS)
        } else {
            Self(self.0 & !ENTRY_DELIVERY_STATUS)
        }
    }
}

impl Default for RedirectionEntry {
    fn default() -> Self {
        Self::RESET
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_mode_encodings_round_trip_and_reserved_ones_are_none() {
        for bits in 0..8u8 {
            match DeliveryMode::from_bits(bits) {
                Some(mode) => assert_eq!(mode.bits(), bits),
                None => assert!(bits == 0b011 || bits == 0b110, "{bits:03b}"),
            }
        }
    }

    #[test]
    fn guest_writes_cannot_set_reserved_or_read_only_bits() {
        let entry = RedirectionEntry::RESET.with_guest_low(0xFFFF_FFFF).with_guest_high(0xFFFF_FFFF);
        assert_eq!(entry.low(), 0x0001_AFFF, "bits 12, 14 and 31:17 stay 0");
        assert_eq!(entry.high(), 0xFF00_0000, "bits 55:32 stay 0");
        assert!(!entry.remote_irr() && !entry.delivery_pending());
    }

    #[test]
    fn low_write_keeps_remote_irr_and_destination() {
        let entry =
            RedirectionEntry::RESET.with_guest_high(0x0300_0000).with_remote_irr(true).with_guest_low(0x0000_8031);
        assert!(entry.remote_irr());
        assert_eq!(entry.destination(), 3);
        assert_eq!(entry.vector(), 0x31);
        assert!(entry.trigger_level() && !entry.masked());
    }

    #[test]
    fn nmi_init_smi_extint_are_edge_whatever_bit_15_says() {
        for (mode, level) in
            [(0b000, true), (0b001, true), (0b010, false), (0b100, false), (0b101, false), (0b111, false)]
        {
            let entry = RedirectionEntry::RESET.with_guest_low((mode << 8) | 0x8000 | 0x40);
            assert_eq!(entry.effective_level(), level, "mode {mode:03b}");
        }
    }

    #[test]
    fn vectors_below_16_are_illegal_only_where_the_vector_is_used() {
        let fixed = RedirectionEntry::RESET.with_guest_low(0x0F);
        let lowest = RedirectionEntry::RESET.with_guest_low(0x10F);
        let nmi = RedirectionEntry::RESET.with_guest_low(0x400);
        assert!(fixed.illegal_vector() && lowest.illegal_vector());
        assert!(!nmi.illegal_vector());
        assert!(!RedirectionEntry::RESET.with_guest_low(0x10).illegal_vector());
    }
}
