//! MPS INTI flags (ACPI 6.5 §5.2.12.5, the "MPS INTI Flags" table): the
//! polarity and trigger mode of an interrupt input, used by the Interrupt
//! Source Override (§5.2.12.5) and Local APIC NMI (§5.2.12.7) structures.
//!
//! Bits 1:0 are the polarity and bits 3:2 the trigger mode; in each, 00 means
//! "conforms to the specifications of the bus" (for ISA: active high, edge
//! triggered) and 10 is reserved.

/// The flags of an interrupt input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MpsIntiFlags(pub u16);

/// An interrupt input's polarity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Polarity {
    /// 00: as the bus specifies (active high for ISA).
    BusDefault,
    /// 01: active high.
    ActiveHigh,
    /// 10: reserved.
    Reserved,
    /// 11: active low.
    ActiveLow,
}

/// An interrupt input's trigger mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerMode {
    /// 00: as the bus specifies (edge for ISA).
    BusDefault,
    /// 01: edge triggered.
    Edge,
    /// 10: reserved.
    Reserved,
    /// 11: level triggered.
    Level,
}

impl MpsIntiFlags {
    /// The polarity, bits 1:0.
    #[must_use]
    pub fn polarity(self) -> Polarity {
        match self.0 & 0b11 {
            0b00 => Polarity::BusDefault,
            0b01 => Polarity::ActiveHigh,
            0b10 => Polarity::Reserved,
            _ => Polarity::ActiveLow,
        }
    }

    /// The trigger mode, bits 3:2.
    #[must_use]
    pub fn trigger_mode(self) -> TriggerMode {
        match (self.0 >> 2) & 0b11 {
            0b00 => TriggerMode::BusDefault,
            0b01 => TriggerMode::Edge,
            0b10 => TriggerMode::Reserved,
            _ => TriggerMode::Level,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polarity_and_trigger_are_decoded_from_their_own_bits() {
        assert_eq!(MpsIntiFlags(0).polarity(), Polarity::BusDefault);
        assert_eq!(MpsIntiFlags(0).trigger_mode(), TriggerMode::BusDefault);
        // 0xd: level triggered, active high (what QEMU gives the PCI IRQs).
        assert_eq!(MpsIntiFlags(0xd).polarity(), Polarity::ActiveHigh);
        assert_eq!(MpsIntiFlags(0xd).trigger_mode(), TriggerMode::Level);
        // 0xf: level triggered, active low (the usual SCI override).
        assert_eq!(MpsIntiFlags(0xf).polarity(), Polarity::ActiveLow);
        assert_eq!(MpsIntiFlags(0x6).polarity(), Polarity::Reserved);
        assert_eq!(MpsIntiFlags(0x6).trigger_mode(), TriggerMode::Edge);
        assert_eq!(MpsIntiFlags(0x8).trigger_mode(), TriggerMode::Reserved);
        // Bits above 3 are reserved and ignored.
        assert_eq!(MpsIntiFlags(0xfff5).trigger_mode(), TriggerMode::Edge);
    }
}
