//! The machine-level pieces: port I/O, MSRs, CR8, the TSC, interrupt
//! enable and halt, and the IDT.

#![allow(unsafe_code, reason = "guest mechanism layer: privileged instructions and the IDT")]

use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering};

/// Reads a byte from `port`.
pub fn inb(port: u16) -> u8 {
    let value: u8;
    // SAFETY: port reads of the partition's own (virtual) devices touch no memory.
    unsafe { asm!("in al, dx", out("al") value, in("dx") port, options(nomem, nostack, preserves_flags)) };
    value
}

/// Writes a byte to `port`.
pub fn outb(port: u16, value: u8) {
    // SAFETY: port writes of the partition's own (virtual) devices touch no memory.
    unsafe { asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack, preserves_flags)) };
}

/// RDMSR.
pub fn rdmsr(msr: u32) -> u64 {
    let (low, high): (u32, u32);
    // SAFETY: only MSRs the platform implements are read (the APIC's).
    unsafe { asm!("rdmsr", in("ecx") msr, out("eax") low, out("edx") high, options(nomem, nostack, preserves_flags)) };
    (u64::from(high) << 32) | u64::from(low)
}

/// WRMSR.
pub fn wrmsr(msr: u32, value: u64) {
    let (low, high) = ((value & 0xFFFF_FFFF) as u32, (value >> 32) as u32);
    // SAFETY: only APIC MSRs are written, with values the APIC accepts.
    unsafe { asm!("wrmsr", in("ecx") msr, in("eax") low, in("edx") high, options(nomem, nostack, preserves_flags)) };
}

/// Writes CR8 (the task priority class).
pub fn write_cr8(value: u64) {
    // SAFETY: CR8 only sets which interrupt classes are held back.
    unsafe { asm!("mov cr8, {}", in(reg) value, options(nomem, nostack, preserves_flags)) };
}

/// Reads CR8.
pub fn read_cr8() -> u64 {
    let value: u64;
    // SAFETY: reading CR8 has no side effect.
    unsafe { asm!("mov {}, cr8", out(reg) value, options(nomem, nostack, preserves_flags)) };
    value
}

/// The TSC.
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC only reads the TSC.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// CPUID.
pub fn cpuid(leaf: u32, subleaf: u32) -> (u32, u32, u32, u32) {
    let r = core::arch::x86_64::__cpuid_count(leaf, subleaf);
    (r.eax, r.ebx, r.ecx, r.edx)
}

/// Enables interrupts and halts until one arrives (STI's one-instruction
/// shadow covers HLT, so an interrupt pending already wakes it), then
/// disables them again.
pub fn wait_for_interrupt() {
    // SAFETY: the IDT has a handler for every vector the platform may raise.
    unsafe { asm!("sti", "hlt", "cli", options(nomem, nostack)) };
}

/// CLI; HLT: with interrupts disabled the hypervisor stops the partition.
pub fn halt_with_interrupts_disabled() {
    // SAFETY: CLI and HLT only stop this vCPU.
    unsafe { asm!("cli", "hlt", options(nomem, nostack)) };
}

/// Enables interrupts.
pub fn enable_interrupts() {
    // SAFETY: as for `wait_for_interrupt`.
    unsafe { asm!("sti", options(nomem, nostack)) };
}

/// Disables interrupts.
pub fn disable_interrupts() {
    // SAFETY: CLI only masks interrupts.
    unsafe { asm!("cli", options(nomem, nostack)) };
}

/// Reads a 32-bit MMIO register.
pub fn mmio_read(address: u64) -> u32 {
    // SAFETY: only the APIC and I/O APIC pages are accessed, which the
    // boot page tables map uncached.
    unsafe { core::ptr::read_volatile(address as *const u32) }
}

/// Writes a 32-bit MMIO register.
pub fn mmio_write(address: u64, value: u32) {
    // SAFETY: as for `mmio_read`.
    unsafe { core::ptr::write_volatile(address as *mut u32, value) }
}

/// The CPU-pushed part of an interrupt frame.
#[repr(C)]
pub struct InterruptFrame {
    /// Interrupted RIP.
    pub rip: u64,
    /// CS.
    pub cs: u64,
    /// RFLAGS.
    pub rflags: u64,
    /// RSP.
    pub rsp: u64,
    /// SS.
    pub ss: u64,
}

/// A handler of the x86-interrupt ABI.
pub type Handler = extern "x86-interrupt" fn(InterruptFrame);

/// 256 gates of 16 bytes.
struct Idt([AtomicU64; 512]);
static IDT: Idt = Idt([const { AtomicU64::new(0) }; 512]);

/// Installs `handler` for `vector` (a 64-bit interrupt gate, DPL 0).
pub fn set_handler(vector: u8, handler: Handler) {
    let address = handler as usize as u64;
    let low = (address & 0xFFFF) | (0x08 << 16) | (0x8E00 << 32) | ((address >> 16 & 0xFFFF) << 48);
    let index = usize::from(vector) * 2;
    IDT.0[index].store(low, Ordering::Relaxed);
    IDT.0[index + 1].store(address >> 32, Ordering::Relaxed);
}

/// Loads the IDT.
pub fn load_idt() {
    #[repr(C, packed)]
    struct Pointer {
        limit: u16,
        base: u64,
    }
    let pointer = Pointer { limit: 256 * 16 - 1, base: core::ptr::from_ref(&IDT).addr() as u64 };
    // SAFETY: the IDT is static; gates not set are not present, so a stray
    // vector faults (and, without a #NP handler, triple-faults: reported).
    unsafe { asm!("lidt [{}]", in(reg) &pointer, options(readonly, nostack, preserves_flags)) };
}
