//! XSETBV exits (always unconditional, SDM 26.1.2).
//!
//! The request is validated against the architectural rules (SDM Vol. 1
//! 13.3; Vol. 2C XSETBV "#GP conditions"): only XCR0 (ECX = 0); x87 (bit 0)
//! must stay set; AVX (bit 2) requires SSE (bit 1); the AVX-512 bits 7:5 go
//! together and require AVX; and no bit beyond what CPUID.(EAX=0DH,ECX=0)
//! reports. A violation injects #GP, as the CPU would. A valid value becomes
//! the vCPU's XCR0, which the hypervisor loads before every entry of this
//! vCPU (VM entry does not switch XCR0) and replaces by its own afterwards.

use super::{Action, ExitContext, HandlerFault};
use crate::arch::x86_64::cpu::cpuid;
use crate::vmm::low32;

/// Whether XCR0 = `value` is architecturally valid given the `supported` mask.
pub fn valid_xcr0(value: u64, supported: u64) -> bool {
    let x87 = value & 1 != 0;
    let sse = value & (1 << 1) != 0;
    let avx = value & (1 << 2) != 0;
    let avx512 = (value >> 5) & 0b111;
    x87 && (!avx || sse) && (avx512 == 0 || (avx512 == 0b111 && avx)) && value & !supported == 0
}

/// The XCR0 bits this CPU supports (CPUID.(EAX=0DH,ECX=0):EDX:EAX).
pub fn supported_xcr0() -> u64 {
    let leaf = cpuid(0xD, 0);
    (u64::from(leaf.edx) << 32) | u64::from(leaf.eax)
}

/// Handles XSETBV.
pub fn handle(ctx: &mut ExitContext<'_>) -> Result<Action, HandlerFault> {
    let value = (ctx.regs.rdx << 32) | (ctx.regs.rax & 0xFFFF_FFFF);
    if ctx.xcr0_usable && low32(ctx.regs.rcx) == 0 && valid_xcr0(value, supported_xcr0()) {
        *ctx.xcr0 = value;
        return Ok(Action::Advance);
    }
    super::exception(hv_vmx::vector::GP)
}
