//! VM-instruction error numbers: why a VMX instruction failed with
//! VMfailValid.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C
//! Section 31.4 ("VM Instruction Error Numbers", Table 31-1). The number is
//! read from the VM-instruction error field of the current VMCS
//! ([`ExitInfo32::VM_INSTRUCTION_ERROR`](crate::ExitInfo32::VM_INSTRUCTION_ERROR),
//! SDM Vol. 3C 25.9.5) after an instruction sets ZF (VMfailValid). VMfailInvalid
//! (CF set) has no current VMCS and therefore no number.
//!
//! Why: a failed VMLAUNCH reports only "error 7" or "error 8"; the kernel
//! logs [`describe`]'s text so the cause is readable without the
//! manual at hand. Numbers 14, 21 and 27 are not used by the SDM and decode to
//! `None`.

use core::fmt;

/// A VM-instruction error number defined by SDM Vol. 3C 31.4, Table 31-1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum VmInstructionError {
    /// 1: VMCALL executed in VMX root operation.
    VmcallInVmxRoot = 1,
    /// 2: VMCLEAR with invalid physical address.
    VmclearInvalidAddress = 2,
    /// 3: VMCLEAR with VMXON pointer.
    VmclearVmxonPointer = 3,
    /// 4: VMLAUNCH with non-clear VMCS.
    VmlaunchNonClearVmcs = 4,
    /// 5: VMRESUME with non-launched VMCS.
    VmresumeNonLaunchedVmcs = 5,
    /// 6: VMRESUME after VMXOFF.
    VmresumeAfterVmxoff = 6,
    /// 7: VM entry with invalid control field(s).
    EntryInvalidControlFields = 7,
    /// 8: VM entry with invalid host-state field(s).
    EntryInvalidHostStateFields = 8,
    /// 9: VMPTRLD with invalid physical address.
    VmptrldInvalidAddress = 9,
    /// 10: VMPTRLD with VMXON pointer.
    VmptrldVmxonPointer = 10,
    /// 11: VMPTRLD with incorrect VMCS revision identifier.
    VmptrldIncorrectRevision = 11,
    /// 12: VMREAD/VMWRITE from/to unsupported VMCS component.
    UnsupportedVmcsComponent = 12,
    /// 13: VMWRITE to read-only VMCS component.
    VmwriteReadOnlyComponent = 13,
    /// 15: VMXON executed in VMX root operation.
    VmxonInVmxRoot = 15,
    /// 16: VM entry with invalid executive-VMCS pointer.
    EntryInvalidExecutiveVmcsPointer = 16,
    /// 17: VM entry with non-launched executive VMCS.
    EntryNonLaunchedExecutiveVmcs = 17,
    /// 18: VM entry with executive-VMCS pointer not VMXON pointer.
    EntryExecutiveVmcsPointerNotVmxonPointer = 18,
    /// 19: VMCALL with non-clear VMCS.
    VmcallNonClearVmcs = 19,
    /// 20: VMCALL with invalid VM-exit control fields.
    VmcallInvalidExitControls = 20,
    /// 22: VMCALL with incorrect MSEG revision identifier.
    VmcallIncorrectMsegRevision = 22,
    /// 23: VMXOFF under dual-monitor treatment of SMIs and SMM.
    VmxoffUnderDualMonitor = 23,
    /// 24: VMCALL with invalid SMM-monitor features.
    VmcallInvalidSmmMonitorFeatures = 24,
    /// 25: VM entry with invalid VM-execution control fields in executive
    /// VMCS.
    EntryInvalidExecutiveVmcsControls = 25,
    /// 26: VM entry with events blocked by MOV SS.
    EntryEventsBlockedByMovSs = 26,
    /// 28: Invalid operand to INVEPT/INVVPID.
    InvalidInveptInvvpidOperand = 28,
}

impl VmInstructionError {
    /// Every defined error, in number order.
    pub const ALL: [VmInstructionError; 25] = [
        Self::VmcallInVmxRoot,
        Self::VmclearInvalidAddress,
        Self::VmclearVmxonPointer,
        Self::VmlaunchNonClearVmcs,
        Self::VmresumeNonLaunchedVmcs,
        Self::VmresumeAfterVmxoff,
        Self::EntryInvalidControlFields,
        Self::EntryInvalidHostStateFields,
        Self::VmptrldInvalidAddress,
        Self::VmptrldVmxonPointer,
        Self::VmptrldIncorrectRevision,
        Self::UnsupportedVmcsComponent,
        Self::VmwriteReadOnlyComponent,
        Self::VmxonInVmxRoot,
        Self::EntryInvalidExecutiveVmcsPointer,
        Self::EntryNonLaunchedExecutiveVmcs,
        Self::EntryExecutiveVmcsPointerNotVmxonPointer,
        Self::VmcallNonClearVmcs,
        Self::VmcallInvalidExitControls,
        Self::VmcallIncorrectMsegRevision,
        Self::VmxoffUnderDualMonitor,
        Self::VmcallInvalidSmmMonitorFeatures,
        Self::EntryInvalidExecutiveVmcsControls,
        Self::EntryEventsBlockedByMovSs,
        Self::InvalidInveptInvvpidOperand,
    ];

    /// The error with this number, or `None` for numbers the SDM does not
    /// define (0, 14, 21, 27 and above 28).
    pub const fn from_number(number: u32) -> Option<Self> {
        Some(match number {
            1 => Self::VmcallInVmxRoot,
            2 => Self::VmclearInvalidAddress,
            3 => Self::VmclearVmxonPointer,
            4 => Self::VmlaunchNonClearVmcs,
            5 => Self::VmresumeNonLaunchedVmcs,
            6 => Self::VmresumeAfterVmxoff,
            7 => Self::EntryInvalidControlFields,
            8 => Self::EntryInvalidHostStateFields,
            9 => Self::VmptrldInvalidAddress,
            10 => Self::VmptrldVmxonPointer,
            11 => Self::VmptrldIncorrectRevision,
            12 => Self::UnsupportedVmcsComponent,
            13 => Self::VmwriteReadOnlyComponent,
            15 => Self::VmxonInVmxRoot,
            16 => Self::EntryInvalidExecutiveVmcsPointer,
            17 => Self::EntryNonLaunchedExecutiveVmcs,
            18 => Self::EntryExecutiveVmcsPointerNotVmxonPointer,
            19 => Self::VmcallNonClearVmcs,
            20 => Self::VmcallInvalidExitControls,
            22 => Self::VmcallIncorrectMsegRevision,
            23 => Self::VmxoffUnderDualMonitor,
            24 => Self::VmcallInvalidSmmMonitorFeatures,
            25 => Self::EntryInvalidExecutiveVmcsControls,
            26 => Self::EntryEventsBlockedByMovSs,
            28 => Self::InvalidInveptInvvpidOperand,
            _ => return None,
        })
    }

    /// The error number, as stored in the VM-instruction error field.
    pub const fn number(self) -> u32 {
        self as u32
    }

    /// The SDM's description of the error (Table 31-1), with the
    /// parenthesised conditions of the dual-monitor errors kept.
    pub const fn description(self) -> &'static str {
        match self {
            Self::VmcallInVmxRoot => "VMCALL executed in VMX root operation",
            Self::VmclearInvalidAddress => "VMCLEAR with invalid physical address",
            Self::VmclearVmxonPointer => "VMCLEAR with VMXON pointer",
            Self::VmlaunchNonClearVmcs => "VMLAUNCH with non-clear VMCS",
            Self::VmresumeNonLaunchedVmcs => "VMRESUME with non-launched VMCS",
            Self::VmresumeAfterVmxoff => "VMRESUME after VMXOFF (VMXOFF and VMXON between VMLAUNCH and VMRESUME)",
            Self::EntryInvalidControlFields => "VM entry with invalid control field(s)",
            Self::EntryInvalidHostStateFields => "VM entry with invalid host-state field(s)",
            Self::VmptrldInvalidAddress => "VMPTRLD with invalid physical address",
            Self::VmptrldVmxonPointer => "VMPTRLD with VMXON pointer",
            Self::VmptrldIncorrectRevision => "VMPTRLD with incorrect VMCS revision identifier",
            Self::UnsupportedVmcsComponent => "VMREAD/VMWRITE from/to unsupported VMCS component",
            Self::VmwriteReadOnlyComponent => "VMWRITE to read-only VMCS component",
            Self::VmxonInVmxRoot => "VMXON executed in VMX root operation",
            Self::EntryInvalidExecutiveVmcsPointer => "VM entry with invalid executive-VMCS pointer",
            Self::EntryNonLaunchedExecutiveVmcs => "VM entry with non-launched executive VMCS",
            Self::EntryExecutiveVmcsPointerNotVmxonPointer => {
                "VM entry with executive-VMCS pointer not VMXON pointer \
                 (when attempting to deactivate the dual-monitor treatment of SMIs and SMM)"
            }
            Self::VmcallNonClearVmcs => {
                "VMCALL with non-clear VMCS \
                 (when attempting to activate the dual-monitor treatment of SMIs and SMM)"
            }
            Self::VmcallInvalidExitControls => "VMCALL with invalid VM-exit control fields",
            Self::VmcallIncorrectMsegRevision => {
                "VMCALL with incorrect MSEG revision identifier \
                 (when attempting to activate the dual-monitor treatment of SMIs and SMM)"
            }
            Self::VmxoffUnderDualMonitor => "VMXOFF under dual-monitor treatment of SMIs and SMM",
            Self::VmcallInvalidSmmMonitorFeatures => {
                "VMCALL with invalid SMM-monitor features \
                 (when attempting to activate the dual-monitor treatment of SMIs and SMM)"
            }
            Self::EntryInvalidExecutiveVmcsControls => {
                "VM entry with invalid VM-execution control fields in executive VMCS \
                 (when attempting to return from SMM)"
            }
            Self::EntryEventsBlockedByMovSs => "VM entry with events blocked by MOV SS",
            Self::InvalidInveptInvvpidOperand => "invalid operand to INVEPT/INVVPID",
        }
    }
}

impl fmt::Display for VmInstructionError {
    /// `VM-instruction error 7: VM entry with invalid control field(s)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VM-instruction error {}: {}", self.number(), self.description())
    }
}

/// A displayable description of any number read from the VM-instruction
/// error field, including numbers the SDM does not define: `VM-instruction
/// error 7: VM entry with invalid control field(s)`, `VM-instruction error 14:
/// not defined by the SDM`. Re-exported as `describe_instruction_error`.
pub const fn describe(number: u32) -> impl fmt::Display {
    Described(number)
}

/// The value returned by [`describe`].
struct Described(u32);

impl fmt::Display for Described {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match VmInstructionError::from_number(self.0) {
            Some(error) => fmt::Display::fmt(&error, f),
            None => write!(f, "VM-instruction error {}: not defined by the SDM", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for error in VmInstructionError::ALL {
            assert_eq!(VmInstructionError::from_number(error.number()), Some(error));
        }
        for pair in VmInstructionError::ALL.windows(2) {
            assert!(pair[0].number() < pair[1].number());
        }
    }

    #[test]
    fn gaps_and_out_of_range_are_none() {
        for number in [0, 14, 21, 27, 29, 100, u32::MAX] {
            assert_eq!(VmInstructionError::from_number(number), None, "{number}");
        }
        // 1..=28 minus the three gaps is exactly ALL.
        let defined = (0..=64).filter(|&n| VmInstructionError::from_number(n).is_some()).count();
        assert_eq!(defined, VmInstructionError::ALL.len());
        assert_eq!(defined, 28 - 3);
    }

    #[test]
    fn numbers_match_table_31_1() {
        use VmInstructionError::*;
        assert_eq!(VmclearInvalidAddress.number(), 2);
        assert_eq!(VmlaunchNonClearVmcs.number(), 4);
        assert_eq!(VmresumeNonLaunchedVmcs.number(), 5);
        assert_eq!(EntryInvalidControlFields.number(), 7);
        assert_eq!(EntryInvalidHostStateFields.number(), 8);
        assert_eq!(VmptrldIncorrectRevision.number(), 11);
        assert_eq!(UnsupportedVmcsComponent.number(), 12);
        assert_eq!(VmwriteReadOnlyComponent.number(), 13);
        assert_eq!(VmxonInVmxRoot.number(), 15);
        assert_eq!(EntryEventsBlockedByMovSs.number(), 26);
        assert_eq!(InvalidInveptInvvpidOperand.number(), 28);
    }

    #[test]
    fn display_and_describe() {
        assert_eq!(
            VmInstructionError::EntryInvalidControlFields.to_string(),
            "VM-instruction error 7: VM entry with invalid control field(s)"
        );
        assert_eq!(describe(8).to_string(), "VM-instruction error 8: VM entry with invalid host-state field(s)");
        assert_eq!(describe(13).to_string(), "VM-instruction error 13: VMWRITE to read-only VMCS component");
        assert_eq!(describe(14).to_string(), "VM-instruction error 14: not defined by the SDM");
        assert_eq!(describe(0).to_string(), "VM-instruction error 0: not defined by the SDM");
    }

    #[test]
    fn descriptions_are_distinct() {
        let all = VmInstructionError::ALL;
        for (i, a) in all.iter().enumerate() {
            assert!(!a.description().is_empty());
            for b in &all[i + 1..] {
                assert_ne!(a.description(), b.description(), "{a:?} and {b:?}");
            }
        }
    }
}
