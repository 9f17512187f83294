//! XSETBV exits (always unconditional, SDM 26.1.2).
//!
//! The hypervisor validates the requested XCR0 against the architectural
//! rules (SDM Vol. 1 13.3; Vol. 2C XSETBV "#GP conditions"): only XCR0
//! (ECX = 0); x87 (bit 0) must stay set; AVX (bit 2) requires SSE (bit 1);
//! the AVX-512 bits 7:5 go together and require AVX; and no bit beyond what
//! CPUID.(EAX=0DH,ECX=0) reports. Any violation injects #GP. Guest XCR0 is
//! not yet switched per partition, so a valid request is also refused with
//! #GP for now, with a log line — guests then run with the XCR0 they were
//! given (x87 only), which every guest must cope with on a CPU without XSAVE.

use hv_vmx::Event;

use super::Action;
use crate::arch::x86_64::cpu::cpuid;
use crate::arch::x86_64::vmx::entry::GuestRegisters;
use crate::vmm::low32;

/// Whether XCR0 = `value` is architecturally valid given the `supported` mask.
pub fn valid_xcr0(value: u64, supported: u64) -> bool {
    let x87 = value & 1 != 0;
    let sse = value & (1 << 1) != 0;
    let avx = value & (1 << 2) != 0;
    let avx512 = (value >> 5) & 0b111;
    x87 && (!avx || sse) && (avx512 == 0 || (avx512 == 0b111 && avx)) && value & !supported == 0
}

/// Handles XSETBV.
pub fn handle(regs: &mut GuestRegisters) -> Action {
    let value = (regs.rdx << 32) | (regs.rax & 0xFFFF_FFFF);
    let leaf = cpuid(0xD, 0);
    let supported = (u64::from(leaf.edx) << 32) | u64::from(leaf.eax);
    if low32(regs.rcx) == 0 && valid_xcr0(value, supported) {
        log::warn!("guest XSETBV XCR0={value:#x}: per-partition XCR0 is not supported yet; #GP injected");
    }
    match Event::hardware_exception(hv_vmx::vector::GP, Some(0)) {
        Ok(event) => Action::Inject(event),
        Err(_) => Action::Stop(crate::vmm::stop::StopReason::Unsupported { what: "XSETBV", detail: value }),
    }
}
