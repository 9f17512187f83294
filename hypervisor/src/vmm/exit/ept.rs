//! EPT violations and misconfigurations (SDM 29.3.3).
//!
//! A partition's EPT maps exactly its own memory, so a violation means the
//! guest touched memory it does not own (or used memory against its
//! rights), or one of its platform's device pages, which are never mapped:
//! those accesses are emulated (`mmio.rs`); any other stops the partition
//! and the access is reported. A
//! misconfiguration is a hypervisor bug in the EPT it built; it also stops
//! only the partition, with the address for diagnosis.

use hv_vmx::{EptViolation, ExitInfo64, GuestNatural};

use super::{Action, ExitContext, HandlerFault};
use crate::arch::x86_64::vmx::instructions::vmread;
use crate::vmm::stop::StopReason;

/// Handles an EPT violation.
pub fn violation(ctx: &mut ExitContext<'_>, qualification: u64) -> Result<Action, HandlerFault> {
    let gpa = vmread(ExitInfo64::GUEST_PHYSICAL_ADDRESS)?;
    if ctx.platform.is_device(gpa) {
        return super::mmio::emulate(ctx, gpa);
    }
    Ok(Action::Stop(StopReason::EptViolation {
        gpa,
        rip: vmread(GuestNatural::RIP)?,
        access: EptViolation::from_raw(qualification),
    }))
}

/// Handles an EPT misconfiguration.
pub fn misconfiguration() -> Result<Action, HandlerFault> {
    Ok(Action::Stop(StopReason::EptMisconfiguration { gpa: vmread(ExitInfo64::GUEST_PHYSICAL_ADDRESS)? }))
}
