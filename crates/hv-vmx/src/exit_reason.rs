//! Exit reasons: why a VM exit (or a failed VM entry) happened.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024. The format of
//! the exit-reason field is Vol. 3C 25.9.1 ("Basic VM-Exit Information",
//! table "Format of Exit Reason"); the basic exit reasons are listed in
//! Vol. 3D Appendix C ("VMX Basic Exit Reasons", Table C-1).
//!
//! Why: the VMX core dispatches on the basic exit reason after every VM exit
//! and logs unexpected ones by name. The raw field is read from
//! [`ExitInfo32::EXIT_REASON`](crate::ExitInfo32::EXIT_REASON) and wrapped in
//! [`ExitReasonField`]; [`ExitReasonField::reason`] returns the numbers this
//! crate does not name as `Err` so that a newer processor's exit is reported
//! rather than misread.

use core::fmt;

use crate::bits::{bit, field_u16};

/// A basic exit reason (SDM Vol. 3D Appendix C, Table C-1), bits 15:0 of the
/// exit-reason field. Numbers 35, 38, 42 and 71 are not used; numbers above
/// 77 are not named here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum ExitReason {
    /// 0: exception or non-maskable interrupt (NMI).
    ExceptionOrNmi = 0,
    /// 1: external interrupt.
    ExternalInterrupt = 1,
    /// 2: triple fault.
    TripleFault = 2,
    /// 3: INIT signal.
    Init = 3,
    /// 4: start-up IPI (SIPI).
    Sipi = 4,
    /// 5: I/O system-management interrupt (SMI).
    IoSmi = 5,
    /// 6: other SMI.
    OtherSmi = 6,
    /// 7: interrupt window.
    InterruptWindow = 7,
    /// 8: NMI window.
    NmiWindow = 8,
    /// 9: task switch.
    TaskSwitch = 9,
    /// 10: CPUID.
    Cpuid = 10,
    /// 11: GETSEC.
    Getsec = 11,
    /// 12: HLT.
    Hlt = 12,
    /// 13: INVD.
    Invd = 13,
    /// 14: INVLPG.
    Invlpg = 14,
    /// 15: RDPMC.
    Rdpmc = 15,
    /// 16: RDTSC.
    Rdtsc = 16,
    /// 17: RSM in SMM.
    Rsm = 17,
    /// 18: VMCALL.
    Vmcall = 18,
    /// 19: VMCLEAR.
    Vmclear = 19,
    /// 20: VMLAUNCH.
    Vmlaunch = 20,
    /// 21: VMPTRLD.
    Vmptrld = 21,
    /// 22: VMPTRST.
    Vmptrst = 22,
    /// 23: VMREAD.
    Vmread = 23,
    /// 24: VMRESUME.
    Vmresume = 24,
    /// 25: VMWRITE.
    Vmwrite = 25,
    /// 26: VMXOFF.
    Vmxoff = 26,
    /// 27: VMXON.
    Vmxon = 27,
    /// 28: control-register access (MOV CR, CLTS, LMSW).
    CrAccess = 28,
    /// 29: MOV DR.
    DrAccess = 29,
    /// 30: I/O instruction.
    IoInstruction = 30,
    /// 31: RDMSR.
    Rdmsr = 31,
    /// 32: WRMSR.
    Wrmsr = 32,
    /// 33: VM-entry failure due to invalid guest state.
    EntryFailInvalidGuestState = 33,
    /// 34: VM-entry failure due to MSR loading.
    EntryFailMsrLoading = 34,
    /// 36: MWAIT.
    Mwait = 36,
    /// 37: monitor trap flag.
    MonitorTrapFlag = 37,
    /// 39: MONITOR.
    Monitor = 39,
    /// 40: PAUSE.
    Pause = 40,
    /// 41: VM-entry failure due to machine-check event.
    EntryFailMachineCheck = 41,
    /// 43: TPR below threshold.
    TprBelowThreshold = 43,
    /// 44: APIC access.
    ApicAccess = 44,
    /// 45: virtualized EOI.
    VirtualizedEoi = 45,
    /// 46: access to GDTR or IDTR.
    GdtrIdtrAccess = 46,
    /// 47: access to LDTR or TR.
    LdtrTrAccess = 47,
    /// 48: EPT violation.
    EptViolation = 48,
    /// 49: EPT misconfiguration.
    EptMisconfig = 49,
    /// 50: INVEPT.
    Invept = 50,
    /// 51: RDTSCP.
    Rdtscp = 51,
    /// 52: VMX-preemption timer expired.
    PreemptionTimer = 52,
    /// 53: INVVPID.
    Invvpid = 53,
    /// 54: WBINVD or WBNOINVD.
    Wbinvd = 54,
    /// 55: XSETBV.
    Xsetbv = 55,
    /// 56: APIC write.
    ApicWrite = 56,
    /// 57: RDRAND.
    Rdrand = 57,
    /// 58: INVPCID.
    Invpcid = 58,
    /// 59: VMFUNC.
    Vmfunc = 59,
    /// 60: ENCLS.
    Encls = 60,
    /// 61: RDSEED.
    Rdseed = 61,
    /// 62: page-modification log full.
    PmlFull = 62,
    /// 63: XSAVES.
    Xsaves = 63,
    /// 64: XRSTORS.
    Xrstors = 64,
    /// 65: PCONFIG.
    Pconfig = 65,
    /// 66: SPP-related event.
    SppEvent = 66,
    /// 67: UMWAIT.
    Umwait = 67,
    /// 68: TPAUSE.
    Tpause = 68,
    /// 69: LOADIWKEY.
    Loadiwkey = 69,
    /// 70: ENCLV.
    Enclv = 70,
    /// 72: ENQCMD PASID translation failure.
    EnqcmdPasidTranslationFailure = 72,
    /// 73: ENQCMDS PASID translation failure.
    EnqcmdsPasidTranslationFailure = 73,
    /// 74: bus lock.
    BusLock = 74,
    /// 75: instruction timeout ("notify VM exit").
    InstructionTimeout = 75,
    /// 76: SEAMCALL.
    Seamcall = 76,
    /// 77: TDCALL.
    Tdcall = 77,
}

/// Every exit reason at the index of its number (built at compile time from
/// [`ExitReason::ALL`]).
const BY_NUMBER: [Option<ExitReason>; 128] = {
    let mut table = [None; 128];
    let mut i = 0;
    while i < ExitReason::ALL.len() {
        table[ExitReason::ALL[i] as usize] = Some(ExitReason::ALL[i]);
        i += 1;
    }
    table
};

impl ExitReason {
    /// Every named exit reason, in number order.
    pub const ALL: [ExitReason; 74] = [
        Self::ExceptionOrNmi,
        Self::ExternalInterrupt,
        Self::TripleFault,
        Self::Init,
        Self::Sipi,
        Self::IoSmi,
        Self::OtherSmi,
        Self::InterruptWindow,
        Self::NmiWindow,
        Self::TaskSwitch,
        Self::Cpuid,
        Self::Getsec,
        Self::Hlt,
        Self::Invd,
        Self::Invlpg,
        Self::Rdpmc,
        Self::Rdtsc,
        Self::Rsm,
        Self::Vmcall,
        Self::Vmclear,
        Self::Vmlaunch,
        Self::Vmptrld,
        Self::Vmptrst,
        Self::Vmread,
        Self::Vmresume,
        Self::Vmwrite,
        Self::Vmxoff,
        Self::Vmxon,
        Self::CrAccess,
        Self::DrAccess,
        Self::IoInstruction,
        Self::Rdmsr,
        Self::Wrmsr,
        Self::EntryFailInvalidGuestState,
        Self::EntryFailMsrLoading,
        Self::Mwait,
        Self::MonitorTrapFlag,
        Self::Monitor,
        Self::Pause,
        Self::EntryFailMachineCheck,
        Self::TprBelowThreshold,
        Self::ApicAccess,
        Self::VirtualizedEoi,
        Self::GdtrIdtrAccess,
        Self::LdtrTrAccess,
        Self::EptViolation,
        Self::EptMisconfig,
        Self::Invept,
        Self::Rdtscp,
        Self::PreemptionTimer,
        Self::Invvpid,
        Self::Wbinvd,
        Self::Xsetbv,
        Self::ApicWrite,
        Self::Rdrand,
        Self::Invpcid,
        Self::Vmfunc,
        Self::Encls,
        Self::Rdseed,
        Self::PmlFull,
        Self::Xsaves,
        Self::Xrstors,
        Self::Pconfig,
        Self::SppEvent,
        Self::Umwait,
        Self::Tpause,
        Self::Loadiwkey,
        Self::Enclv,
        Self::EnqcmdPasidTranslationFailure,
        Self::EnqcmdsPasidTranslationFailure,
        Self::BusLock,
        Self::InstructionTimeout,
        Self::Seamcall,
        Self::Tdcall,
    ];

    /// The exit reason with this basic number, or `None` for a number that
    /// is unused or not named here.
    pub const fn from_basic(basic: u16) -> Option<Self> {
        // A table indexed by the number: this runs on every VM exit.
        let index = basic as usize;
        if index < BY_NUMBER.len() {
            BY_NUMBER[index]
        } else {
            None
        }
    }

    /// The basic exit-reason number.
    pub const fn number(self) -> u16 {
        self as u16
    }

    /// The SDM's short name of the exit reason (Table C-1), e.g.
    /// `"EPT violation"`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ExceptionOrNmi => "exception or NMI",
            Self::ExternalInterrupt => "external interrupt",
            Self::TripleFault => "triple fault",
            Self::Init => "INIT signal",
            Self::Sipi => "start-up IPI",
            Self::IoSmi => "I/O SMI",
            Self::OtherSmi => "other SMI",
            Self::InterruptWindow => "interrupt window",
            Self::NmiWindow => "NMI window",
            Self::TaskSwitch => "task switch",
            Self::Cpuid => "CPUID",
            Self::Getsec => "GETSEC",
            Self::Hlt => "HLT",
            Self::Invd => "INVD",
            Self::Invlpg => "INVLPG",
            Self::Rdpmc => "RDPMC",
            Self::Rdtsc => "RDTSC",
            Self::Rsm => "RSM",
            Self::Vmcall => "VMCALL",
            Self::Vmclear => "VMCLEAR",
            Self::Vmlaunch => "VMLAUNCH",
            Self::Vmptrld => "VMPTRLD",
            Self::Vmptrst => "VMPTRST",
            Self::Vmread => "VMREAD",
            Self::Vmresume => "VMRESUME",
            Self::Vmwrite => "VMWRITE",
            Self::Vmxoff => "VMXOFF",
            Self::Vmxon => "VMXON",
            Self::CrAccess => "control-register access",
            Self::DrAccess => "MOV DR",
            Self::IoInstruction => "I/O instruction",
            Self::Rdmsr => "RDMSR",
            Self::Wrmsr => "WRMSR",
            Self::EntryFailInvalidGuestState => "VM-entry failure due to invalid guest state",
            Self::EntryFailMsrLoading => "VM-entry failure due to MSR loading",
            Self::Mwait => "MWAIT",
            Self::MonitorTrapFlag => "monitor trap flag",
            Self::Monitor => "MONITOR",
            Self::Pause => "PAUSE",
            Self::EntryFailMachineCheck => "VM-entry failure due to machine-check event",
            Self::TprBelowThreshold => "TPR below threshold",
            Self::ApicAccess => "APIC access",
            Self::VirtualizedEoi => "virtualized EOI",
            Self::GdtrIdtrAccess => "access to GDTR or IDTR",
            Self::LdtrTrAccess => "access to LDTR or TR",
            Self::EptViolation => "EPT violation",
            Self::EptMisconfig => "EPT misconfiguration",
            Self::Invept => "INVEPT",
            Self::Rdtscp => "RDTSCP",
            Self::PreemptionTimer => "VMX-preemption timer expired",
            Self::Invvpid => "INVVPID",
            Self::Wbinvd => "WBINVD or WBNOINVD",
            Self::Xsetbv => "XSETBV",
            Self::ApicWrite => "APIC write",
            Self::Rdrand => "RDRAND",
            Self::Invpcid => "INVPCID",
            Self::Vmfunc => "VMFUNC",
            Self::Encls => "ENCLS",
            Self::Rdseed => "RDSEED",
            Self::PmlFull => "page-modification log full",
            Self::Xsaves => "XSAVES",
            Self::Xrstors => "XRSTORS",
            Self::Pconfig => "PCONFIG",
            Self::SppEvent => "SPP-related event",
            Self::Umwait => "UMWAIT",
            Self::Tpause => "TPAUSE",
            Self::Loadiwkey => "LOADIWKEY",
            Self::Enclv => "ENCLV",
            Self::EnqcmdPasidTranslationFailure => "ENQCMD PASID translation failure",
            Self::EnqcmdsPasidTranslationFailure => "ENQCMDS PASID translation failure",
            Self::BusLock => "bus lock",
            Self::InstructionTimeout => "instruction timeout",
            Self::Seamcall => "SEAMCALL",
            Self::Tdcall => "TDCALL",
        }
    }

    /// Whether the exit was caused by a guest executing one of the VMX
    /// instructions that manage VMX operation: VMCLEAR, VMLAUNCH, VMPTRLD,
    /// VMPTRST, VMREAD, VMRESUME, VMWRITE, VMXOFF, VMXON, INVEPT and INVVPID
    /// (these always exit in VMX non-root operation, SDM Vol. 3C 26.1.2,
    /// unless VMCS shadowing handles VMREAD/VMWRITE).
    ///
    /// A hypervisor without nested virtualization answers these with #UD.
    /// VMCALL (the hypercall) and VMFUNC (a guest-usable VM function) are
    /// deliberately excluded.
    pub const fn is_vmx_instruction(self) -> bool {
        matches!(
            self,
            Self::Vmclear
                | Self::Vmlaunch
                | Self::Vmptrld
                | Self::Vmptrst
                | Self::Vmread
                | Self::Vmresume
                | Self::Vmwrite
                | Self::Vmxoff
                | Self::Vmxon
                | Self::Invept
                | Self::Invvpid
        )
    }

    /// Whether this reason is only reported for a failed VM entry (with
    /// [`ExitReasonField::entry_failure`] set; SDM Vol. 3C 27.8): invalid
    /// guest state (33), MSR loading (34) or a machine-check event (41).
    pub const fn is_entry_failure_reason(self) -> bool {
        matches!(self, Self::EntryFailInvalidGuestState | Self::EntryFailMsrLoading | Self::EntryFailMachineCheck)
    }
}

impl fmt::Display for ExitReason {
    /// The name and number, e.g. `EPT violation (48)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.number())
    }
}

/// The raw 32-bit exit-reason field (SDM Vol. 3C 25.9.1, "Format of Exit
/// Reason").
///
/// Bit 16 is always 0. Bits 25:17 and 30 are not decoded: the cited edition
/// leaves them undefined or uses them for features this hypervisor does not
/// enable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExitReasonField(pub u32);

impl ExitReasonField {
    /// Bits 15:0: the basic exit reason number.
    pub const fn basic(self) -> u16 {
        field_u16(self.0 as u64, 15, 0)
    }

    /// The basic exit reason, or its number if this crate does not name it.
    pub const fn reason(self) -> Result<ExitReason, u16> {
        match ExitReason::from_basic(self.basic()) {
            Some(reason) => Ok(reason),
            None => Err(self.basic()),
        }
    }

    /// Bit 26: a bus lock was asserted while executing the instruction that
    /// caused the exit ("VMM bus-lock detection" control).
    pub const fn bus_lock_detected(self) -> bool {
        bit(self.0 as u64, 26)
    }

    /// Bit 27: the VM exit was incident to enclave mode (SGX).
    pub const fn enclave_mode(self) -> bool {
        bit(self.0 as u64, 27)
    }

    /// Bit 28: a pending MTF VM exit (only for SMI exits under the
    /// dual-monitor treatment of SMM).
    pub const fn pending_mtf(self) -> bool {
        bit(self.0 as u64, 28)
    }

    /// Bit 29: the VM exit came from VMX root operation (only for SMI exits
    /// under the dual-monitor treatment of SMM).
    pub const fn from_vmx_root(self) -> bool {
        bit(self.0 as u64, 29)
    }

    /// Bit 31: VM-entry failure. 0 for a true VM exit; 1 when VM entry failed
    /// after loading guest state (SDM Vol. 3C 27.8), in which case the basic
    /// reason is 33, 34 or 41.
    pub const fn entry_failure(self) -> bool {
        bit(self.0 as u64, 31)
    }
}

impl fmt::Display for ExitReasonField {
    /// `EPT violation (48)`, `unknown exit reason 90`, followed by the set
    /// flags, e.g. `VM-entry failure due to invalid guest state (33), VM-entry
    /// failure`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason() {
            Ok(reason) => fmt::Display::fmt(&reason, f)?,
            Err(basic) => write!(f, "unknown exit reason {basic}")?,
        }
        let flags = [
            (self.entry_failure(), "VM-entry failure"),
            (self.bus_lock_detected(), "bus lock detected"),
            (self.enclave_mode(), "enclave mode"),
            (self.pending_mtf(), "pending MTF"),
            (self.from_vmx_root(), "from VMX root operation"),
        ];
        for (set, text) in flags {
            if set {
                write!(f, ", {text}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_sorted_and_round_trips() {
        for pair in ExitReason::ALL.windows(2) {
            assert!(pair[0].number() < pair[1].number(), "{:?} !< {:?}", pair[0], pair[1]);
        }
        for reason in ExitReason::ALL {
            assert_eq!(ExitReason::from_basic(reason.number()), Some(reason));
        }
    }

    #[test]
    fn unused_numbers_are_not_named() {
        for basic in [35, 38, 42, 71, 78, 100, 0xFFFF] {
            assert_eq!(ExitReason::from_basic(basic), None, "{basic}");
        }
        // 0..=77 minus the four unused numbers.
        assert_eq!(ExitReason::ALL.len(), 78 - 4);
    }

    #[test]
    fn numbers_match_appendix_c() {
        use ExitReason::*;
        let cases = [
            (ExceptionOrNmi, 0),
            (TripleFault, 2),
            (Cpuid, 10),
            (Hlt, 12),
            (Vmcall, 18),
            (Vmxon, 27),
            (CrAccess, 28),
            (IoInstruction, 30),
            (Rdmsr, 31),
            (Wrmsr, 32),
            (EntryFailInvalidGuestState, 33),
            (EntryFailMsrLoading, 34),
            (Mwait, 36),
            (MonitorTrapFlag, 37),
            (EntryFailMachineCheck, 41),
            (EptViolation, 48),
            (EptMisconfig, 49),
            (PreemptionTimer, 52),
            (Xsetbv, 55),
            (Loadiwkey, 69),
            (Tdcall, 77),
        ];
        for (reason, number) in cases {
            assert_eq!(reason.number(), number, "{reason:?}");
        }
    }

    #[test]
    fn field_decoding() {
        // A true EPT-violation exit.
        let ept = ExitReasonField(48);
        assert_eq!(ept.basic(), 48);
        assert_eq!(ept.reason(), Ok(ExitReason::EptViolation));
        assert!(!ept.entry_failure());
        // A failed entry due to invalid guest state: 0x8000_0021.
        let fail = ExitReasonField(0x8000_0021);
        assert_eq!(fail.basic(), 33);
        assert_eq!(fail.reason(), Ok(ExitReason::EntryFailInvalidGuestState));
        assert!(fail.entry_failure());
        assert!(!fail.from_vmx_root());
        // Unknown numbers are returned, not dropped; flags do not leak into
        // the basic reason.
        let unknown = ExitReasonField((1 << 29) | 90);
        assert_eq!(unknown.reason(), Err(90));
        assert!(unknown.from_vmx_root());
        assert!(!unknown.pending_mtf());
    }

    #[test]
    fn single_flag_bits() {
        type Flag = fn(ExitReasonField) -> bool;
        let cases: [(u32, Flag); 5] = [
            (26, ExitReasonField::bus_lock_detected),
            (27, ExitReasonField::enclave_mode),
            (28, ExitReasonField::pending_mtf),
            (29, ExitReasonField::from_vmx_root),
            (31, ExitReasonField::entry_failure),
        ];
        for (n, flag) in cases {
            assert!(flag(ExitReasonField(1 << n)), "bit {n}");
            assert_eq!(ExitReasonField(1 << n).basic(), 0);
            for (other, _) in cases {
                if other != n {
                    assert!(!flag(ExitReasonField(1 << other)), "bit {other} read as bit {n}");
                }
            }
        }
        // Bit 16 (always 0) and bit 30 are not flags.
        let field = ExitReasonField((1 << 16) | (1 << 30));
        assert_eq!(field.basic(), 0);
        assert!(cases.iter().all(|(_, flag)| !flag(field)));
    }

    #[test]
    fn vmx_instructions() {
        let vmx: [ExitReason; 11] = [
            ExitReason::Vmclear,
            ExitReason::Vmlaunch,
            ExitReason::Vmptrld,
            ExitReason::Vmptrst,
            ExitReason::Vmread,
            ExitReason::Vmresume,
            ExitReason::Vmwrite,
            ExitReason::Vmxoff,
            ExitReason::Vmxon,
            ExitReason::Invept,
            ExitReason::Invvpid,
        ];
        for reason in ExitReason::ALL {
            assert_eq!(reason.is_vmx_instruction(), vmx.contains(&reason), "{reason:?}");
        }
        assert!(!ExitReason::Vmcall.is_vmx_instruction());
        assert!(!ExitReason::Vmfunc.is_vmx_instruction());
        let failures = ExitReason::ALL.iter().filter(|r| r.is_entry_failure_reason()).count();
        assert_eq!(failures, 3);
        assert!(ExitReason::EntryFailMachineCheck.is_entry_failure_reason());
    }

    #[test]
    fn display() {
        assert_eq!(ExitReason::EptViolation.to_string(), "EPT violation (48)");
        assert_eq!(ExitReasonField(10).to_string(), "CPUID (10)");
        assert_eq!(
            ExitReasonField(0x8000_0021).to_string(),
            "VM-entry failure due to invalid guest state (33), VM-entry failure"
        );
        assert_eq!(ExitReasonField((1 << 28) | 0x200).to_string(), "unknown exit reason 512, pending MTF");
    }
}
