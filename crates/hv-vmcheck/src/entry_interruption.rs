//! Decoding of the VM-entry interruption-information field: whether VM entry
//! injects an event, and which.
//!
//! Why: several guest-state checks depend on the event being injected:
//! RFLAGS.IF must be 1 for an external interrupt (27.3.1.4), and the activity
//! and interruptibility states must allow the event (27.3.1.5).
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C
//! 25.8.3 ("VM-Entry Controls for Event Injection", Table 25-17).

/// The interruption type, bits 10:8 of the VM-entry interruption-information
/// field (SDM Vol. 3C 25.8.3, Table 25-17).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InterruptionType {
    /// 0: external interrupt.
    ExternalInterrupt,
    /// 1: reserved.
    Reserved,
    /// 2: non-maskable interrupt.
    Nmi,
    /// 3: hardware exception (#DB, #MC, #PF, ...).
    HardwareException,
    /// 4: software interrupt (INT n).
    SoftwareInterrupt,
    /// 5: privileged software exception (INT1).
    PrivilegedSoftwareException,
    /// 6: software exception (INT3, INTO).
    SoftwareException,
    /// 7: other event (vector 0: pending MTF VM exit).
    OtherEvent,
}

/// The raw VM-entry interruption-information field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntryInterruption(pub u32);

impl EntryInterruption {
    /// Bit 31: VM entry injects an event.
    pub const fn valid(self) -> bool {
        self.0 & (1 << 31) != 0
    }

    /// Bits 10:8: the interruption type.
    pub const fn interruption_type(self) -> InterruptionType {
        match (self.0 >> 8) & 7 {
            0 => InterruptionType::ExternalInterrupt,
            1 => InterruptionType::Reserved,
            2 => InterruptionType::Nmi,
            3 => InterruptionType::HardwareException,
            4 => InterruptionType::SoftwareInterrupt,
            5 => InterruptionType::PrivilegedSoftwareException,
            6 => InterruptionType::SoftwareException,
            _ => InterruptionType::OtherEvent,
        }
    }

    /// Bits 7:0: the vector.
    pub const fn vector(self) -> u8 {
        self.0.to_le_bytes()[0]
    }

    /// The interruption type if the field is valid, `None` if VM entry
    /// injects nothing.
    pub const fn injected(self) -> Option<InterruptionType> {
        if self.valid() {
            Some(self.interruption_type())
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_fields() {
        // Valid external interrupt, vector 0x20.
        let ext = EntryInterruption(0x8000_0020);
        assert!(ext.valid());
        assert_eq!(ext.interruption_type(), InterruptionType::ExternalInterrupt);
        assert_eq!(ext.vector(), 0x20);
        assert_eq!(ext.injected(), Some(InterruptionType::ExternalInterrupt));
        // Valid NMI (type 2, vector 2).
        let nmi = EntryInterruption(0x8000_0202);
        assert_eq!(nmi.injected(), Some(InterruptionType::Nmi));
        // #MC as hardware exception, with the error-code bit set too.
        let mc = EntryInterruption(0x8000_0B12);
        assert_eq!(mc.injected(), Some(InterruptionType::HardwareException));
        assert_eq!(mc.vector(), 18);
        assert_eq!(EntryInterruption(0x8000_0700).interruption_type(), InterruptionType::OtherEvent);
    }

    #[test]
    fn invalid_field_injects_nothing() {
        assert_eq!(EntryInterruption(0x0000_0020).injected(), None);
        assert_eq!(EntryInterruption(0).injected(), None);
    }
}
