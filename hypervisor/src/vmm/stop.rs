//! Why a partition stopped. Every way a partition can end is a variant
//! here, so the report at the end of a run names it precisely.

use core::fmt;

use hv_vmx::EptViolation;

/// Why a partition stopped.
#[derive(Debug)]
pub enum StopReason {
    /// The guest asked to shut down (hypercall) with this code.
    Shutdown {
        /// The guest's exit code.
        code: u64,
    },
    /// The guest executed HLT with nothing left to wake it.
    Halted,
    /// The guest accessed guest-physical memory it does not own.
    EptViolation {
        /// The guest-physical address.
        gpa: u64,
        /// The guest RIP.
        rip: u64,
        /// What kind of access it was.
        access: EptViolation,
    },
    /// A string I/O instruction addressed memory outside the partition.
    StringIoOutsideMemory {
        /// The element's linear address.
        linear: u64,
        /// Where it translated to.
        gpa: u64,
    },
    /// The hypervisor's EPT for this partition is malformed (a hypervisor bug).
    EptMisconfiguration {
        /// The guest-physical address whose translation hit it.
        gpa: u64,
    },
    /// The guest triple-faulted (an exception while delivering a double fault).
    TripleFault {
        /// The guest RIP.
        rip: u64,
    },
    /// An INIT signal arrived (single-vCPU partitions treat it as reset: stop).
    InitSignal,
    /// VM entry failed; `reason` is the basic exit reason (33 invalid guest
    /// state, 34 MSR loading, 41 machine check).
    EntryFailed {
        /// Basic exit reason.
        reason: u16,
        /// Exit qualification.
        qualification: u64,
    },
    /// VMLAUNCH/VMRESUME itself failed (VMfailValid/VMfailInvalid).
    EntryInstructionFailed(crate::arch::x86_64::vmx::VmFail),
    /// An exit reason the hypervisor does not handle.
    UnexpectedExit {
        /// Basic exit reason.
        basic: u16,
        /// Exit qualification.
        qualification: u64,
    },
    /// The guest used something the hypervisor does not emulate yet.
    Unsupported {
        /// What.
        what: &'static str,
        /// The exit qualification or value involved.
        detail: u64,
    },
    /// The run's time limit (boot parameter `run_ms`) was reached.
    RunTimeOver,
    /// The hypervisor failed while handling an exit (a VMREAD/VMWRITE error).
    HypervisorFault(crate::vmm::exit::HandlerFault),
}

impl StopReason {
    /// Whether this is a normal end (the guest finished), not a fault.
    pub fn is_clean(&self) -> bool {
        matches!(self, Self::Shutdown { code: 0 } | Self::Halted | Self::RunTimeOver)
    }

    /// Whether the partition faulted (anything but ending by its own
    /// choice or by the run's end): what an `on-fault` restart policy reacts to.
    pub fn is_fault(&self) -> bool {
        !matches!(self, Self::Shutdown { .. } | Self::Halted | Self::RunTimeOver)
    }

    /// Whether the hypervisor, not the guest, is at fault: the VMCS or EPT
    /// it built was refused, or an exit could not be handled.
    pub fn is_hypervisor_failure(&self) -> bool {
        matches!(
            self,
            Self::EntryFailed { .. }
                | Self::EntryInstructionFailed(_)
                | Self::EptMisconfiguration { .. }
                | Self::HypervisorFault(_)
        )
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shutdown { code } => write!(f, "shut down by hypercall with code {code}"),
            Self::Halted => f.write_str("halted (HLT with no way to wake)"),
            Self::EptViolation { gpa, rip, access } => {
                write!(f, "EPT violation: {access} at guest-physical {gpa:#x} (RIP {rip:#x}): outside its memory")
            }
            Self::StringIoOutsideMemory { linear, gpa } => {
                write!(f, "string I/O at linear {linear:#x} reaches guest-physical {gpa:#x}, outside its memory")
            }
            Self::EptMisconfiguration { gpa } => {
                write!(f, "EPT misconfiguration at guest-physical {gpa:#x} (hypervisor bug)")
            }
            Self::TripleFault { rip } => write!(f, "triple fault (RIP {rip:#x})"),
            Self::InitSignal => f.write_str("INIT signal"),
            Self::EntryFailed { reason, qualification } => {
                let what = match reason {
                    33 => "invalid guest state",
                    34 => "MSR loading",
                    41 => "machine-check event",
                    _ => "unknown",
                };
                write!(f, "VM entry failed: {what} (exit reason {reason}, qualification {qualification:#x})")
            }
            Self::EntryInstructionFailed(fail) => write!(f, "VM entry instruction failed: {fail}"),
            Self::UnexpectedExit { basic, qualification } => {
                write!(f, "unexpected VM exit {basic} (qualification {qualification:#x})")
            }
            Self::Unsupported { what, detail } => write!(f, "unsupported: {what} ({detail:#x})"),
            Self::RunTimeOver => f.write_str("still running when the run's time limit was reached"),
            Self::HypervisorFault(fault) => write!(f, "{fault}"),
        }
    }
}
