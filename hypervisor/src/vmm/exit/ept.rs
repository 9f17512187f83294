//! EPT violations and misconfigurations (SDM 29.3.3).
//!
//! A partition's EPT maps exactly its own memory, so a violation means the
//! guest touched memory it does not own (or used memory against its
//! rights): the partition is stopped and the access is reported. Nothing is
//! emulated behind an unmapped address yet (no MMIO devices). A
//! misconfiguration is a hypervisor bug in the EPT it built; it also stops
//! only the partition, with the address for diagnosis.

use hv_vmx::{EptViolation, ExitInfo64, GuestNatural};

use super::{Action, HandlerFault};
use crate::arch::x86_64::vmx::instructions::vmread;
use crate::vmm::stop::StopReason;

/// Handles an EPT violation.
pub fn violation(qualification: u64) -> Result<Action, HandlerFault> {
    Ok(Action::Stop(StopReason::EptViolation {
        gpa: vmread(ExitInfo64::GUEST_PHYSICAL_ADDRESS)?,
        rip: vmread(GuestNatural::RIP)?,
        access: EptViolation::from_raw(qualification),
    }))
}

/// Handles an EPT misconfiguration.
pub fn misconfiguration() -> Result<Action, HandlerFault> {
    Ok(Action::Stop(StopReason::EptMisconfiguration { gpa: vmread(ExitInfo64::GUEST_PHYSICAL_ADDRESS)? }))
}
