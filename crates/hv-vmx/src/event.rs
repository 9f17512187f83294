//! Events (interrupts and exceptions) as they appear in the VM-entry and
//! VM-exit interruption-information fields: what the VMX core injects into a
//! guest, and what the processor reports an exit was caused by.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C:
//! Section 25.8.3 ("VM-Entry Controls for Event Injection", table "Format of
//! the VM-Entry Interruption-Information Field"), 25.9.2 ("Information for VM
//! Exits Due to Vectored Events", table "Format of the VM-Exit
//! Interruption-Information Field"), 25.9.3 (IDT-vectoring information, same
//! layout) and 27.2.1.3 (the VM-entry checks on event injection, which decide
//! when an error code must be delivered). Exception vectors are from Vol. 3A
//! Chapter 6 (table "Protected-Mode Exceptions and Interrupts").
//!
//! Why: injecting an exception with a missing or extra error code makes VM
//! entry fail with "invalid control field(s)". [`Event::hardware_exception`]
//! refuses such events before they reach the VMCS, and
//! [`Event::to_entry_info`] builds the field bit by bit in one tested place.

use core::fmt;

use crate::bits::{bit, field_u8};

/// Exception vector numbers (SDM Vol. 3A Chapter 6, table "Protected-Mode
/// Exceptions and Interrupts").
pub mod vector {
    /// Divide error.
    pub const DE: u8 = 0;
    /// Debug exception.
    pub const DB: u8 = 1;
    /// Non-maskable interrupt (injected with [`EventType::Nmi`](super::EventType::Nmi)).
    pub const NMI: u8 = 2;
    /// Breakpoint (INT3).
    pub const BP: u8 = 3;
    /// Overflow (INTO).
    pub const OF: u8 = 4;
    /// BOUND range exceeded.
    pub const BR: u8 = 5;
    /// Invalid opcode.
    pub const UD: u8 = 6;
    /// Device not available.
    pub const NM: u8 = 7;
    /// Double fault (error code, always 0).
    pub const DF: u8 = 8;
    /// Invalid TSS (error code).
    pub const TS: u8 = 10;
    /// Segment not present (error code).
    pub const NP: u8 = 11;
    /// Stack-segment fault (error code).
    pub const SS: u8 = 12;
    /// General protection (error code).
    pub const GP: u8 = 13;
    /// Page fault (error code; the address goes in the guest's CR2).
    pub const PF: u8 = 14;
    /// x87 floating-point error.
    pub const MF: u8 = 16;
    /// Alignment check (error code, always 0).
    pub const AC: u8 = 17;
    /// Machine check.
    pub const MC: u8 = 18;
    /// SIMD floating-point exception.
    pub const XM: u8 = 19;
    /// Virtualization exception.
    pub const VE: u8 = 20;
    /// Control-protection exception (error code).
    pub const CP: u8 = 21;
}

/// Whether an exception with this vector pushes an error code, i.e. whether
/// VM entry requires "deliver error code" for a hardware exception with this
/// vector in a protected-mode guest (SDM Vol. 3C 27.2.1.3): #DF, #TS, #NP,
/// #SS, #GP, #PF, #AC and #CP.
pub const fn delivers_error_code(vector: u8) -> bool {
    matches!(
        vector,
        vector::DF | vector::TS | vector::NP | vector::SS | vector::GP | vector::PF | vector::AC | vector::CP
    )
}

/// Interruption type, bits 10:8 of the interruption-information fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EventType {
    /// 0: external interrupt.
    ExternalInterrupt = 0,
    /// 2: non-maskable interrupt.
    Nmi = 2,
    /// 3: hardware exception (every exception except #BP and #OF raised by
    /// INT3/INTO).
    HardwareException = 3,
    /// 4: software interrupt (INT n). Injection needs the VM-entry
    /// instruction length.
    SoftwareInterrupt = 4,
    /// 5: privileged software exception (INT1). Injection needs the VM-entry
    /// instruction length.
    PrivilegedSoftwareException = 5,
    /// 6: software exception (INT3 or INTO). Injection needs the VM-entry
    /// instruction length.
    SoftwareException = 6,
    /// 7: other event; vector 0 is a pending MTF VM exit (entry only).
    OtherEvent = 7,
}

impl EventType {
    /// Decodes a 3-bit type; `None` for the reserved value 1 and values
    /// above 7.
    pub const fn from_raw(raw: u8) -> Option<Self> {
        Some(match raw {
            0 => Self::ExternalInterrupt,
            2 => Self::Nmi,
            3 => Self::HardwareException,
            4 => Self::SoftwareInterrupt,
            5 => Self::PrivilegedSoftwareException,
            6 => Self::SoftwareException,
            7 => Self::OtherEvent,
            _ => return None,
        })
    }

    /// The 3-bit encoding.
    pub const fn raw(self) -> u8 {
        self as u8
    }
}

/// Why [`Event::hardware_exception`] refused an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventError {
    /// The vector is above 31, so it is not an exception (SDM Vol. 3C
    /// 27.2.1.3 requires hardware exceptions to have vectors 0-31).
    NotAnException(u8),
    /// Vector 2 is the NMI; inject it with [`Event::nmi`].
    NmiIsNotAnException,
    /// The exception delivers an error code but none was given.
    MissingErrorCode(u8),
    /// The exception delivers no error code but one was given.
    UnexpectedErrorCode(u8),
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAnException(v) => write!(f, "vector {v} is not an exception vector (0-31)"),
            Self::NmiIsNotAnException => f.write_str("vector 2 is the NMI, not a hardware exception"),
            Self::MissingErrorCode(v) => write!(f, "exception {v} needs an error code"),
            Self::UnexpectedErrorCode(v) => write!(f, "exception {v} has no error code"),
        }
    }
}

/// An event to inject on VM entry or reported by a VM exit.
///
/// The error code itself is not part of the interruption-information field:
/// on entry it goes in
/// [`Control32::ENTRY_EXCEPTION_ERROR_CODE`](crate::Control32::ENTRY_EXCEPTION_ERROR_CODE),
/// on exit it is read from
/// [`ExitInfo32::EXIT_INTERRUPTION_ERROR_CODE`](crate::ExitInfo32::EXIT_INTERRUPTION_ERROR_CODE)
/// (or the IDT-vectoring error code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Event {
    /// Bits 7:0: the vector.
    pub vector: u8,
    /// Bits 10:8: the interruption type.
    pub kind: EventType,
    /// The error code; `Some` sets bit 11 ("deliver error code" on entry,
    /// "error code valid" on exit).
    pub error_code: Option<u32>,
}

impl Event {
    /// A hardware exception, checked against SDM Vol. 3C 27.2.1.3: the vector
    /// must be 0-31 and not 2, and `error_code` must be `Some` exactly for
    /// the vectors of [`delivers_error_code`].
    ///
    /// The check assumes a protected-mode guest. For a real-mode guest under
    /// "unrestricted guest" (CR0.PE = 0) no error code may be delivered, and
    /// processors with IA32_VMX_BASIC bit 56 relax the rule; build the
    /// [`Event`] directly in those cases.
    pub const fn hardware_exception(vector: u8, error_code: Option<u32>) -> Result<Event, EventError> {
        if vector > 31 {
            return Err(EventError::NotAnException(vector));
        }
        if vector == vector::NMI {
            return Err(EventError::NmiIsNotAnException);
        }
        match (delivers_error_code(vector), error_code.is_some()) {
            (true, false) => Err(EventError::MissingErrorCode(vector)),
            (false, true) => Err(EventError::UnexpectedErrorCode(vector)),
            _ => Ok(Event { vector, kind: EventType::HardwareException, error_code }),
        }
    }

    /// A hardware exception with the error code the vector needs set to 0
    /// (as for #GP(0) or #DF), or with none: `exception(vector::UD)`,
    /// `exception(vector::GP)`. Same checks as
    /// [`hardware_exception`](Self::hardware_exception).
    pub const fn exception(vector: u8) -> Result<Event, EventError> {
        let error_code = if delivers_error_code(vector) { Some(0) } else { None };
        Self::hardware_exception(vector, error_code)
    }

    /// A non-maskable interrupt (vector 2, type NMI, no error code).
    pub const fn nmi() -> Event {
        Event { vector: vector::NMI, kind: EventType::Nmi, error_code: None }
    }

    /// An external interrupt with this vector (no error code).
    pub const fn external_interrupt(vector: u8) -> Event {
        Event { vector, kind: EventType::ExternalInterrupt, error_code: None }
    }

    /// The VM-entry interruption-information field for injecting this event
    /// (SDM Vol. 3C 25.8.3): vector in bits 7:0, type in 10:8, "deliver error
    /// code" in bit 11, valid in bit 31.
    pub const fn to_entry_info(self) -> u32 {
        let deliver = if self.error_code.is_some() { 1 << 11 } else { 0 };
        self.vector as u32 | ((self.kind.raw() as u32) << 8) | deliver | (1 << 31)
    }

    /// Decodes a VM-exit interruption-information field (SDM Vol. 3C
    /// 25.9.2) or IDT-vectoring information field (25.9.3). `error_code` is
    /// the value of the matching error-code field; it is used only if bit 11
    /// ("error code valid") is set, so any value may be passed otherwise.
    ///
    /// Returns `None` if the field is not valid (bit 31 clear) or has the
    /// reserved type 1.
    pub const fn from_exit_info(info: u32, error_code: u32) -> Option<Event> {
        let decoded = ExitInterruptionInfo(info);
        if !decoded.valid() {
            return None;
        }
        let Some(kind) = decoded.kind() else {
            return None;
        };
        let error_code = if decoded.error_code_valid() { Some(error_code) } else { None };
        Some(Event { vector: decoded.vector(), kind, error_code })
    }
}

impl fmt::Display for Event {
    /// `vector 14 (hardware exception), error code 0x2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            EventType::ExternalInterrupt => "external interrupt",
            EventType::Nmi => "NMI",
            EventType::HardwareException => "hardware exception",
            EventType::SoftwareInterrupt => "software interrupt",
            EventType::PrivilegedSoftwareException => "privileged software exception",
            EventType::SoftwareException => "software exception",
            EventType::OtherEvent => "other event",
        };
        write!(f, "vector {} ({kind})", self.vector)?;
        if let Some(code) = self.error_code {
            write!(f, ", error code {code:#x}")?;
        }
        Ok(())
    }
}

/// A raw VM-exit interruption-information or IDT-vectoring information field
/// (SDM Vol. 3C 25.9.2 and 25.9.3), for the bits [`Event`] does not carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExitInterruptionInfo(pub u32);

impl ExitInterruptionInfo {
    /// Bits 7:0: the vector.
    pub const fn vector(self) -> u8 {
        field_u8(self.0 as u64, 7, 0)
    }

    /// Bits 10:8: the interruption type, `None` for the reserved value 1.
    pub const fn kind(self) -> Option<EventType> {
        EventType::from_raw(field_u8(self.0 as u64, 10, 8))
    }

    /// Bit 11: an error code was recorded in the matching error-code field.
    pub const fn error_code_valid(self) -> bool {
        bit(self.0 as u64, 11)
    }

    /// Bit 12 of the VM-exit interruption information: NMI unblocking due to
    /// IRET (SDM Vol. 3C 28.2.3). Undefined in the IDT-vectoring information.
    pub const fn nmi_unblocking(self) -> bool {
        bit(self.0 as u64, 12)
    }

    /// Bit 31: the field is valid.
    pub const fn valid(self) -> bool {
        bit(self.0 as u64, 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_code_vectors() {
        let with_code = [8, 10, 11, 12, 13, 14, 17, 21];
        for v in 0..=255u8 {
            assert_eq!(delivers_error_code(v), with_code.contains(&v), "vector {v}");
        }
    }

    #[test]
    fn hardware_exception_checks_error_codes() {
        let gp = Event::hardware_exception(vector::GP, Some(0x18)).unwrap();
        assert_eq!(gp, Event { vector: 13, kind: EventType::HardwareException, error_code: Some(0x18) });
        assert_eq!(Event::hardware_exception(vector::GP, None), Err(EventError::MissingErrorCode(13)));
        assert_eq!(Event::hardware_exception(vector::UD, Some(0)), Err(EventError::UnexpectedErrorCode(6)));
        assert_eq!(Event::hardware_exception(vector::UD, None).unwrap().error_code, None);
        assert_eq!(Event::hardware_exception(32, None), Err(EventError::NotAnException(32)));
        assert_eq!(Event::hardware_exception(vector::NMI, None), Err(EventError::NmiIsNotAnException));
        assert!(Event::hardware_exception(31, None).is_ok());
    }

    #[test]
    fn exception_fills_in_a_zero_error_code() {
        assert_eq!(Event::exception(vector::GP).unwrap().error_code, Some(0));
        assert_eq!(Event::exception(vector::DF).unwrap().error_code, Some(0));
        assert_eq!(Event::exception(vector::UD).unwrap().error_code, None);
        assert_eq!(Event::exception(vector::DB).unwrap().error_code, None);
        assert_eq!(Event::exception(200), Err(EventError::NotAnException(200)));
    }

    #[test]
    fn entry_info_layout() {
        // #UD: vector 6, type 3, no error code, valid.
        assert_eq!(Event::exception(vector::UD).unwrap().to_entry_info(), 0x8000_0306);
        // #PF with error code: bit 11 set.
        assert_eq!(Event::hardware_exception(vector::PF, Some(2)).unwrap().to_entry_info(), 0x8000_0B0E);
        // NMI: vector 2, type 2.
        assert_eq!(Event::nmi().to_entry_info(), 0x8000_0202);
        // External interrupt 0x20: type 0.
        assert_eq!(Event::external_interrupt(0x20).to_entry_info(), 0x8000_0020);
        // Software exception (INT3): type 6.
        let int3 = Event { vector: vector::BP, kind: EventType::SoftwareException, error_code: None };
        assert_eq!(int3.to_entry_info(), 0x8000_0603);
    }

    #[test]
    fn exit_info_decoding() {
        assert_eq!(Event::from_exit_info(0x0000_0B0E, 2), None, "bit 31 clear");
        let pf = Event::from_exit_info(0x8000_0B0E, 0x6).unwrap();
        assert_eq!(pf, Event { vector: 14, kind: EventType::HardwareException, error_code: Some(6) });
        // No error code: the error-code argument is ignored.
        let ud = Event::from_exit_info(0x8000_0306, 0xDEAD).unwrap();
        assert_eq!(ud.error_code, None);
        // Reserved type 1.
        assert_eq!(Event::from_exit_info(0x8000_0100, 0), None);
        // NMI unblocking (bit 12) is not part of the event.
        let nmi = Event::from_exit_info(0x8000_1202, 0).unwrap();
        assert_eq!(nmi, Event::nmi());
        assert!(ExitInterruptionInfo(0x8000_1202).nmi_unblocking());
        assert!(!ExitInterruptionInfo(0x8000_0202).nmi_unblocking());
    }

    #[test]
    fn round_trip_through_the_field_layout() {
        let events = [
            Event::exception(vector::GP).unwrap(),
            Event::hardware_exception(vector::PF, Some(0x7)).unwrap(),
            Event::exception(vector::MC).unwrap(),
            Event::nmi(),
            Event::external_interrupt(0xFF),
            Event { vector: 0x80, kind: EventType::SoftwareInterrupt, error_code: None },
            Event { vector: 1, kind: EventType::PrivilegedSoftwareException, error_code: None },
            Event { vector: 0, kind: EventType::OtherEvent, error_code: None },
        ];
        for event in events {
            let code = event.error_code.unwrap_or(0);
            assert_eq!(Event::from_exit_info(event.to_entry_info(), code), Some(event), "{event}");
        }
    }

    #[test]
    fn event_types() {
        for raw in 0..=255u8 {
            match EventType::from_raw(raw) {
                Some(kind) => assert_eq!(kind.raw(), raw),
                None => assert!(raw == 1 || raw > 7, "{raw}"),
            }
        }
    }

    #[test]
    fn display() {
        let pf = Event::hardware_exception(vector::PF, Some(2)).unwrap();
        assert_eq!(pf.to_string(), "vector 14 (hardware exception), error code 0x2");
        assert_eq!(Event::nmi().to_string(), "vector 2 (NMI)");
        assert_eq!(EventError::MissingErrorCode(13).to_string(), "exception 13 needs an error code");
    }
}
