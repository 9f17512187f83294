//! CPU instructions the rest of the kernel needs: CPUID, RDTSC, control
//! registers, and halting.

#![allow(unsafe_code, reason = "mechanism layer: executes privileged CPU instructions")]

use hv_cpu::CpuidResult;

/// Executes CPUID for `leaf` / `subleaf`.
pub fn cpuid(leaf: u32, subleaf: u32) -> CpuidResult {
    let r = core::arch::x86_64::__cpuid_count(leaf, subleaf);
    CpuidResult { eax: r.eax, ebx: r.ebx, ecx: r.ecx, edx: r.edx }
}

/// Reads the time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC only reads the TSC; CR4.TSD is clear in ring 0 regardless.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Reads CR2, the faulting linear address of the last page fault.
pub fn cr2() -> u64 {
    x86_64::registers::control::Cr2::read_raw()
}

/// Writes CR2. Used only to hand a guest the faulting address of a page
/// fault the hypervisor injects: VM entry does not load CR2, so the guest
/// reads the register as the hypervisor leaves it.
pub fn write_cr2(value: u64) {
    // SAFETY: CR2 is a plain status register; writing it changes nothing
    // but what the next reader (the guest's #PF handler) sees.
    unsafe { core::arch::asm!("mov cr2, {}", in(reg) value, options(nomem, nostack, preserves_flags)) };
}

/// Reads CR0.
pub fn cr0() -> u64 {
    x86_64::registers::control::Cr0::read_raw()
}

/// Reads CR4.
pub fn cr4() -> u64 {
    x86_64::registers::control::Cr4::read_raw()
}

/// Stops this CPU for good: interrupts off, then HLT forever (an NMI or SMI
/// can wake HLT, so it loops).
pub fn halt_forever() -> ! {
    x86_64::instructions::interrupts::disable();
    loop {
        x86_64::instructions::hlt();
    }
}

/// Writes `value` to the virtual address `address`, whatever is (or is not)
/// mapped there. Exists for the page-fault self-test: the write is expected
/// to fault, and the fault handler never returns.
pub fn write_u64_to(address: u64, value: u64) {
    // SAFETY: this is deliberately a write the kernel does not own; it is
    // only called with an address no Rust object lives at (the self-test's
    // unmapped address), so no Rust reference is invalidated. If the address
    // is unmapped, the resulting #PF ends the run.
    unsafe { core::ptr::write_volatile(address as *mut u64, value) }
}
