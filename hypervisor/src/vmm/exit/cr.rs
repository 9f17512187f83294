//! Control-register exits (SDM 26.1.3; qualification 28.2.1 Table 28-3).
//!
//! The hypervisor owns the CR0/CR4 bits that VMX operation fixes (SDM A.7,
//! A.8: e.g. CR0.NE and CR4.VMXE) through the guest/host masks: a guest
//! write that changes an owned bit exits here. The guest's view is kept in
//! the read shadow (what it reads back); the real register keeps the fixed
//! bits. Setting CR4.VMXE is refused with #GP, as on a CPU without VMX —
//! which is what CPUID tells the guest it has.

use hv_vmx::{ControlNatural, CrAccess, CrAccessType, GuestNatural};

use super::{Action, ExitContext, HandlerFault};
use crate::arch::x86_64::vmx::entry::GuestRegisters;
use crate::arch::x86_64::vmx::instructions::{vmread, vmwrite};
use crate::arch::x86_64::vmx::VmFail;
use crate::vmm::stop::StopReason;
use crate::vmm::vcpu::fixed_bits;

const CR0_PE: u64 = 1 << 0;
const CR0_PG: u64 = 1 << 31;
const CR4_VMXE: u64 = 1 << 13;

fn general_protection() -> Result<Action, HandlerFault> {
    super::exception(hv_vmx::vector::GP)
}

fn source_value(regs: &mut GuestRegisters, gpr: u8) -> Result<u64, VmFail> {
    match regs.by_index(gpr) {
        Some(value) => Ok(*value),
        None => vmread(GuestNatural::RSP),
    }
}

/// CR8 is the task priority (TPR\[7:4\]) of the vCPU's local APIC (SDM
/// Vol. 3A 11.8.6.1); "CR8-load exiting" and "CR8-store exiting" bring
/// every access here, so the physical TPR is never touched.
fn cr8(
    regs: &mut GuestRegisters,
    platform: &mut crate::vmm::platform::VirtualPlatform,
    access: CrAccess,
) -> Result<Action, HandlerFault> {
    match access.access {
        CrAccessType::MovToCr => {
            let value = source_value(regs, access.gpr)?;
            // Bits 63:4 are reserved (#GP if set).
            if value >> 4 != 0 {
                return general_protection();
            }
            platform.lapic_mut().set_tpr(u8::try_from(value << 4).unwrap_or(0));
        }
        CrAccessType::MovFromCr => {
            let value = u64::from(platform.lapic().tpr() >> 4);
            match regs.by_index(access.gpr) {
                Some(register) => *register = value,
                None => vmwrite(GuestNatural::RSP, value)?,
            }
        }
        _ => {}
    }
    Ok(Action::Advance)
}

/// Handles MOV to CR0/CR4, LMSW, and MOV to and from CR8.
pub fn handle(ctx: &mut ExitContext<'_>, qualification: u64) -> Result<Action, HandlerFault> {
    let access = CrAccess::from_raw(qualification);
    let regs = &mut *ctx.regs;
    if access.cr == 8 {
        return cr8(regs, ctx.platform, access);
    }
    let (cr, value) = match access.access {
        CrAccessType::MovToCr => (access.cr, source_value(regs, access.gpr)?),
        CrAccessType::Lmsw => {
            // LMSW loads CR0 bits 3:0 but cannot clear PE (SDM Vol. 2A LMSW).
            let current = vmread(ControlNatural::CR0_READ_SHADOW)?;
            let source = u64::from(access.lmsw_source_data) & 0xF;
            (0, (current & !0xF) | source | (current & CR0_PE))
        }
        _ => {
            return Ok(Action::Stop(StopReason::Unsupported { what: "control-register access", detail: qualification }))
        }
    };
    let (cr0_fixed, cr4_fixed) = fixed_bits();
    match cr {
        0 => {
            if value >> 32 != 0 || (value & CR0_PG != 0 && value & CR0_PE == 0) {
                return general_protection();
            }
            vmwrite(ControlNatural::CR0_READ_SHADOW, value)?;
            vmwrite(GuestNatural::CR0, cr0_fixed.apply(value))?;
        }
        4 => {
            if value & CR4_VMXE != 0 || cr4_fixed.apply(value) & !cr4_fixed.fixed1 != 0 {
                return general_protection();
            }
            vmwrite(ControlNatural::CR4_READ_SHADOW, value)?;
            vmwrite(GuestNatural::CR4, cr4_fixed.apply(value))?;
        }
        _ => {
            return Ok(Action::Stop(StopReason::Unsupported { what: "control-register access", detail: qualification }))
        }
    }
    Ok(Action::Advance)
}
