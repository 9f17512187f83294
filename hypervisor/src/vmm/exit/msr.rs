//! RDMSR/WRMSR exits for MSRs the MSR bitmap intercepts (SDM 26.1.3).
//!
//! Pass-through MSRs (FS/GS bases, SYSCALL/SYSENTER set-up, TSC_AUX) never
//! exit. What does exit is emulated here or refused with #GP, exactly as a
//! CPU refuses an MSR it does not implement:
//! - IA32_EFER and IA32_PAT: read from / written to the guest fields of the
//!   VMCS, which VM entry loads (the host's values are never affected);
//! - IA32_FEATURE_CONTROL: reads as locked with VMX disabled (the guest may
//!   not use VT-x), writes #GP (as on a locked register);
//! - IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC registers
//!   (0x800-0x8FF): the partition's virtual local APIC (`hv-lapic`), which
//!   answers #GP where a real APIC would;
//! - everything else, including all IA32_VMX_* capability MSRs: #GP.

use hv_vmx::Guest64;

use super::{Action, ExitContext, HandlerFault};
use crate::arch::x86_64::vmx::instructions::{vmread, vmwrite};
use crate::vmm::low32;

const IA32_FEATURE_CONTROL: u32 = 0x3A;
const IA32_PAT: u32 = 0x277;
const IA32_EFER: u32 = 0xC000_0080;
/// EFER bits a guest may set: SCE (0), LME (8), NXE (11).
const EFER_WRITABLE: u64 = (1 << 0) | (1 << 8) | (1 << 11);
/// EFER.LMA (10): read-only for software, a write of it is ignored.
const EFER_LMA: u64 = 1 << 10;
/// FEATURE_CONTROL as the guest sees it: locked, VMX off.
const FEATURE_CONTROL_LOCKED_OFF: u64 = 1;

fn general_protection() -> Result<Action, HandlerFault> {
    super::exception(hv_vmx::vector::GP)
}

/// Valid PAT: each of the 8 bytes is a memory type 0, 1, 4, 5, 6 or 7 (SDM Vol. 3A 13.12.2).
fn valid_pat(value: u64) -> bool {
    value.to_le_bytes().iter().all(|t| matches!(t, 0 | 1 | 4 | 5 | 6 | 7))
}

/// Emulates RDMSR of the MSR in ECX into EDX:EAX.
pub fn read(ctx: &mut ExitContext<'_>) -> Result<Action, HandlerFault> {
    let msr = low32(ctx.regs.rcx);
    let value = if let Some(result) = ctx.platform.lapic_mut().read_msr(msr, ctx.now) {
        let Ok(value) = result else {
            ctx.platform.counters.apic_faults += 1;
            return general_protection();
        };
        value
    } else {
        match msr {
            IA32_EFER => vmread(Guest64::EFER)?,
            IA32_PAT => vmread(Guest64::PAT)?,
            IA32_FEATURE_CONTROL => FEATURE_CONTROL_LOCKED_OFF,
            _ => return general_protection(),
        }
    };
    ctx.regs.rax = value & 0xFFFF_FFFF;
    ctx.regs.rdx = value >> 32;
    Ok(Action::Advance)
}

/// Whether IA32_APIC_BASE may put the xAPIC page where `value` says: not
/// over the partition's own memory (whose EPT mapping would hide the page
/// from emulation) nor over the I/O APIC. A real CPU would let RAM be
/// shadowed; a partition gets #GP instead, and the attempt is counted. No
/// other address can reach anything but this partition's devices: guest-
/// physical space holds nothing else.
fn apic_page_allowed(ctx: &ExitContext<'_>, value: u64) -> bool {
    let page = value & !0xFFF & ((1u64 << ctx.physical_address_width.min(63)) - 1);
    let memory = ctx.memory.base()..ctx.memory.base() + ctx.memory.len();
    !memory.contains(&page) && page != hv_ioapic::regs::MMIO_BASE
}

/// Emulates WRMSR of EDX:EAX to the MSR in ECX.
pub fn write(ctx: &mut ExitContext<'_>) -> Result<Action, HandlerFault> {
    let regs = &*ctx.regs;
    let value = (regs.rdx << 32) | (regs.rax & 0xFFFF_FFFF);
    let msr = low32(regs.rcx);
    if msr == hv_lapic::regs::MSR_APIC_BASE && !apic_page_allowed(ctx, value) {
        ctx.platform.counters.apic_base_refused += 1;
        return general_protection();
    }
    if let Some(result) = ctx.platform.lapic_mut().write_msr(msr, value, ctx.now, ctx.physical_address_width) {
        match result {
            Ok(effect) => ctx.platform.apply(effect),
            Err(_) => {
                ctx.platform.counters.apic_faults += 1;
                return general_protection();
            }
        }
        return Ok(Action::Advance);
    }
    match msr {
        IA32_EFER if value & !(EFER_WRITABLE | EFER_LMA) == 0 => {
            let lma = vmread(Guest64::EFER)? & EFER_LMA;
            vmwrite(Guest64::EFER, (value & EFER_WRITABLE) | lma)?;
        }
        IA32_PAT if valid_pat(value) => vmwrite(Guest64::PAT, value)?,
        _ => return general_protection(),
    }
    Ok(Action::Advance)
}
