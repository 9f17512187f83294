//! The MADT's interrupt controller structures (ACPI 6.5 §5.2.12), each a type
//! byte, a length byte and the type's fields. The ones decoded here:
//!
//! | type | structure | length | fields: name (offset, size) |
//! |---|---|---|---|
//! | 0 | Processor Local APIC (§5.2.12.2) | 8 | ACPI processor UID (2, u8), APIC ID (3, u8), flags (4, u32) |
//! | 1 | I/O APIC (§5.2.12.3) | 12 | I/O APIC ID (2, u8), address (4, u32), GSI base (8, u32) |
//! | 2 | Interrupt Source Override (§5.2.12.5) | 10 | bus (2, u8; 0 = ISA), IRQ (3, u8), GSI (4, u32), flags (8, u16) |
//! | 4 | Local APIC NMI (§5.2.12.7) | 6 | ACPI processor UID (2, u8; 0xFF = all), flags (3, u16), LINT# (5, u8) |
//! | 5 | Local APIC Address Override (§5.2.12.8) | 12 | 64-bit local APIC address (4, u64) |
//! | 9 | Processor Local x2APIC (§5.2.12.12) | 16 | x2APIC ID (4, u32), flags (8, u32), ACPI processor UID (12, u32) |
//!
//! GSI is a global system interrupt number; the flags of types 2 and 4 are
//! [`MpsIntiFlags`].
//!
//! Local APIC flags (§5.2.12.2, shared by types 0 and 9): bit 0 *Enabled*;
//! bit 1 *Online Capable*, which only means something when Enabled is clear
//! (it is reserved, must be zero, when Enabled is set): the processor is not
//! running but can be enabled at OS runtime.
//!
//! A structure may be longer than its type's layout (later revisions append
//! fields), never shorter. Other types are kept as their type and length.

use crate::fields::{u16_at, u32_at, u64_at, u8_at};
use crate::inti::MpsIntiFlags;

/// Type of the Processor Local APIC structure.
pub(crate) const LOCAL_APIC: u8 = 0;
/// Type of the I/O APIC structure.
pub(crate) const IO_APIC: u8 = 1;
/// Type of the Interrupt Source Override structure.
pub(crate) const INTERRUPT_SOURCE_OVERRIDE: u8 = 2;
/// Type of the Local APIC NMI structure.
pub(crate) const LOCAL_APIC_NMI: u8 = 4;
/// Type of the Local APIC Address Override structure.
pub(crate) const LOCAL_APIC_ADDRESS_OVERRIDE: u8 = 5;
/// Type of the Processor Local x2APIC structure.
pub(crate) const LOCAL_X2APIC: u8 = 9;
/// Length of the longest layout decoded here, the x2APIC structure's.
pub(crate) const MAX_DECODED_LEN: usize = 16;
/// Local APIC flags bit 0: the processor is usable.
const ENABLED: u32 = 1 << 0;
/// Local APIC flags bit 1: the disabled processor can be enabled at runtime.
const ONLINE_CAPABLE: u32 = 1 << 1;

/// The least length a structure of `entry_type` may have: its layout's for
/// the types decoded here, the two-byte type-and-length header for others.
pub(crate) fn min_length(entry_type: u8) -> u8 {
    match entry_type {
        LOCAL_APIC => 8,
        IO_APIC => 12,
        INTERRUPT_SOURCE_OVERRIDE => 10,
        LOCAL_APIC_NMI => 6,
        LOCAL_APIC_ADDRESS_OVERRIDE => 12,
        LOCAL_X2APIC => 16,
        _ => 2,
    }
}

/// A logical processor, from a Processor Local APIC (type 0) or Processor
/// Local x2APIC (type 9) structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Processor {
    /// The processor's local APIC ID (8 bits in type 0, 32 in type 9).
    pub apic_id: u32,
    /// The ACPI processor UID that ties it to its processor object in the
    /// namespace (8 bits in type 0, 32 in type 9).
    pub acpi_uid: u32,
    /// Flags bit 0: the processor is present and usable.
    pub enabled: bool,
    /// Flags bit 1 with bit 0 clear: the processor is not enabled but the
    /// hardware can enable it at OS runtime. Always `false` when `enabled`
    /// (the bit is reserved then).
    pub online_capable: bool,
}

impl Processor {
    fn new(apic_id: u32, acpi_uid: u32, flags: u32) -> Self {
        let enabled = flags & ENABLED != 0;
        Self { apic_id, acpi_uid, enabled, online_capable: !enabled && flags & ONLINE_CAPABLE != 0 }
    }
}

/// An I/O APIC (type 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoApic {
    /// The I/O APIC's ID.
    pub id: u8,
    /// The physical address of its registers.
    pub address: u32,
    /// The first global system interrupt number its inputs map to.
    pub gsi_base: u32,
}

/// An Interrupt Source Override (type 2): a bus interrupt that does not map
/// identically onto a global system interrupt, or has a polarity or trigger
/// mode other than the bus's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InterruptSourceOverride {
    /// The bus: 0 for ISA, the only one defined.
    pub bus: u8,
    /// The bus-relative interrupt source (the ISA IRQ).
    pub source: u8,
    /// The global system interrupt it signals.
    pub gsi: u32,
    /// Its polarity and trigger mode.
    pub flags: MpsIntiFlags,
}

/// A Local APIC NMI (type 4): which local APIC input (LINT0 or LINT1) the
/// non-maskable interrupt is wired to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalApicNmi {
    /// The ACPI processor UID it applies to; 0xFF means all processors.
    pub acpi_uid: u8,
    /// Its polarity and trigger mode.
    pub flags: MpsIntiFlags,
    /// The local APIC interrupt input, LINT0 (0) or LINT1 (1).
    pub lint: u8,
}

impl LocalApicNmi {
    /// Whether it applies to every processor (UID 0xFF).
    #[must_use]
    pub fn applies_to_all(&self) -> bool {
        self.acpi_uid == 0xFF
    }
}

/// One interrupt controller structure of the MADT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MadtEntry {
    /// Type 0, Processor Local APIC.
    LocalApic(Processor),
    /// Type 1, I/O APIC.
    IoApic(IoApic),
    /// Type 2, Interrupt Source Override.
    InterruptSourceOverride(InterruptSourceOverride),
    /// Type 4, Local APIC NMI.
    LocalApicNmi(LocalApicNmi),
    /// Type 5, Local APIC Address Override: the local APIC's 64-bit physical
    /// address, which supersedes the MADT's 32-bit field.
    LocalApicAddressOverride(u64),
    /// Type 9, Processor Local x2APIC.
    LocalX2Apic(Processor),
    /// A structure of another type, not decoded.
    Other {
        /// Its type.
        entry_type: u8,
        /// Its length.
        length: u8,
    },
}

impl MadtEntry {
    /// Decodes a structure of `entry_type` and `length` from `bytes`, which
    /// start at its type byte and hold at least [`min_length`] bytes.
    pub(crate) fn decode(entry_type: u8, length: u8, bytes: &[u8]) -> Self {
        match entry_type {
            LOCAL_APIC => Self::LocalApic(Processor::new(
                u32::from(u8_at(bytes, 3)),
                u32::from(u8_at(bytes, 2)),
                u32_at(bytes, 4),
            )),
            IO_APIC => {
                Self::IoApic(IoApic { id: u8_at(bytes, 2), address: u32_at(bytes, 4), gsi_base: u32_at(bytes, 8) })
            }
            INTERRUPT_SOURCE_OVERRIDE => Self::InterruptSourceOverride(InterruptSourceOverride {
                bus: u8_at(bytes, 2),
                source: u8_at(bytes, 3),
                gsi: u32_at(bytes, 4),
                flags: MpsIntiFlags(u16_at(bytes, 8)),
            }),
            LOCAL_APIC_NMI => Self::LocalApicNmi(LocalApicNmi {
                acpi_uid: u8_at(bytes, 2),
                flags: MpsIntiFlags(u16_at(bytes, 3)),
                lint: u8_at(bytes, 5),
            }),
            LOCAL_APIC_ADDRESS_OVERRIDE => Self::LocalApicAddressOverride(u64_at(bytes, 4)),
            LOCAL_X2APIC => Self::LocalX2Apic(Processor::new(u32_at(bytes, 4), u32_at(bytes, 12), u32_at(bytes, 8))),
            _ => Self::Other { entry_type, length },
        }
    }

    /// The processor this structure describes, if it describes one.
    #[must_use]
    pub fn processor(&self) -> Option<Processor> {
        match *self {
            Self::LocalApic(processor) | Self::LocalX2Apic(processor) => Some(processor),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_tables::{io_apic, local_apic, local_apic_nmi, override_entry, source_override, x2apic};

    fn decode(bytes: &[u8]) -> MadtEntry {
        assert!(bytes.len() >= usize::from(min_length(bytes[0])), "{bytes:?}");
        MadtEntry::decode(bytes[0], bytes[1], bytes)
    }

    #[test]
    fn local_apic_fields_and_flags() {
        let entry = decode(&local_apic(3, 7, 1));
        assert_eq!(
            entry,
            MadtEntry::LocalApic(Processor { apic_id: 7, acpi_uid: 3, enabled: true, online_capable: false })
        );
        assert_eq!(entry.processor().map(|p| p.apic_id), Some(7));
        let disabled = decode(&local_apic(4, 8, 0)).processor().unwrap();
        assert!(!disabled.enabled && !disabled.online_capable);
        let hotplug = decode(&local_apic(5, 9, 2)).processor().unwrap();
        assert!(!hotplug.enabled && hotplug.online_capable);
        // Online Capable is reserved when Enabled is set: not reported.
        let both = decode(&local_apic(6, 10, 3)).processor().unwrap();
        assert!(both.enabled && !both.online_capable);
    }

    #[test]
    fn x2apic_fields_are_32_bit() {
        let entry = decode(&x2apic(0x1_0203, 2, 0xA0B0_C0D0));
        assert_eq!(
            entry,
            MadtEntry::LocalX2Apic(Processor {
                apic_id: 0x1_0203,
                acpi_uid: 0xA0B0_C0D0,
                enabled: false,
                online_capable: true
            })
        );
    }

    #[test]
    fn io_apic_override_and_nmi_fields() {
        assert_eq!(
            decode(&io_apic(2, 0xfec0_1000, 24)),
            MadtEntry::IoApic(IoApic { id: 2, address: 0xfec0_1000, gsi_base: 24 })
        );
        assert_eq!(
            decode(&source_override(0, 9, 20, 0xf)),
            MadtEntry::InterruptSourceOverride(InterruptSourceOverride {
                bus: 0,
                source: 9,
                gsi: 20,
                flags: MpsIntiFlags(0xf)
            })
        );
        let nmi = decode(&local_apic_nmi(0xFF, 0x0105, 1));
        assert_eq!(nmi, MadtEntry::LocalApicNmi(LocalApicNmi { acpi_uid: 0xFF, flags: MpsIntiFlags(0x0105), lint: 1 }));
        let MadtEntry::LocalApicNmi(nmi) = nmi else { unreachable!() };
        assert!(nmi.applies_to_all());
        assert!(!LocalApicNmi { acpi_uid: 0, flags: MpsIntiFlags(0), lint: 0 }.applies_to_all());
        assert_eq!(decode(&override_entry(0x1_fee0_0000)), MadtEntry::LocalApicAddressOverride(0x1_fee0_0000));
        assert_eq!(decode(&io_apic(0, 0, 0)).processor(), None);
    }

    #[test]
    fn other_types_keep_their_type_and_length() {
        assert_eq!(decode(&[0x7f, 5, 1, 2, 3]), MadtEntry::Other { entry_type: 0x7f, length: 5 });
        assert_eq!(min_length(0x7f), 2);
        assert_eq!(min_length(3), 2);
    }

    #[test]
    fn the_buffer_fits_every_decoded_layout() {
        for entry_type in 0..=u8::MAX {
            assert!(usize::from(min_length(entry_type)) <= MAX_DECODED_LEN);
            assert!(min_length(entry_type) >= 2);
        }
    }
}
