//! The machine-level pieces of the guest: the entry point (which sets up the
//! stack the boot contract does not provide) and the virtual UART's ports.

#![allow(unsafe_code, reason = "guest mechanism layer: entry point and port I/O")]

use core::arch::asm;

/// Base port of COM1, the 16550 UART the hypervisor emulates.
const COM1: u16 = 0x3F8;
/// Transmitter holding register (write): the byte to send.
const THR: u16 = COM1;
/// Line status register (read).
const LSR: u16 = COM1 + 5;
/// LSR bit 5: the transmitter holding register is empty (a byte may be written).
const LSR_THR_EMPTY: u8 = 1 << 5;

// The entry point. The hypervisor starts the guest here with RSP = 0, RDI =
// the boot argument and RSI = the memory size (see README-CONTRACT.md), so
// before any Rust code runs: clear DF (the Rust ABI expects it clear), point
// RSP at the top of a 64 KiB stack in .bss (zeroed by the loader), and call
// `guest_main(rdi, rsi)` with RDI/RSI untouched. RSP is 16-byte aligned
// before the CALL, as the SysV ABI requires. `guest_main` never returns; the
// UD2 makes a return fault rather than run into whatever follows.
//
// SAFETY: `_start` runs once, as the ELF entry point, before any Rust code;
// the stack it installs is reserved for it (.bss, 16-byte aligned) and
// `guest_main` has the `extern "C"` signature the call assumes.
core::arch::global_asm!(
    ".pushsection .bss.hello64_stack, \"aw\", @nobits",
    ".balign 16",
    "hello64_stack_bottom:",
    ".skip 65536",
    "hello64_stack_top:",
    ".popsection",
    "",
    ".pushsection .text._start, \"ax\", @progbits",
    ".global _start",
    ".type _start, @function",
    "_start:",
    "    cld",
    "    lea rsp, [rip + hello64_stack_top]",
    "    xor ebp, ebp",
    "    call {main}",
    "    ud2",
    ".size _start, . - _start",
    ".popsection",
    main = sym crate::guest_main,
);

/// Reads a byte from an I/O port of the virtual UART.
fn uart_in(port: u16) -> u8 {
    let value: u8;
    // SAFETY: only called with COM1's line status register, whose read has no
    // side effect the guest relies on; IN touches no memory.
    unsafe { asm!("in al, dx", out("al") value, in("dx") port, options(nomem, nostack, preserves_flags)) };
    value
}

/// Writes a byte to an I/O port of the virtual UART.
fn uart_out(port: u16, value: u8) {
    // SAFETY: only called with COM1's transmitter holding register, where a
    // write sends one byte; OUT touches no memory.
    unsafe { asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack, preserves_flags)) };
}

/// Sends `text` through COM1 the way a driver for a real 16550 does: before
/// each byte, wait until LSR reports the transmitter holding register empty,
/// then write the byte to THR. Every access is an I/O exit the hypervisor
/// emulates; the wait is unbounded, as with real hardware.
pub fn uart_write(text: &str) {
    for &byte in text.as_bytes() {
        while uart_in(LSR) & LSR_THR_EMPTY == 0 {
            core::hint::spin_loop();
        }
        uart_out(THR, byte);
    }
}

/// Reads the time-stamp counter. Under Bochs one tick is one executed
/// instruction and VM exit/entry themselves cost none, so a delta around an
/// exiting instruction counts the hypervisor's instructions on that path.
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC only reads the TSC (CR4.TSD is clear in our partition).
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// The POST-code port: intercepted and emulated (the write is dropped) by
/// the hypervisor, with no device behind it — a pure I/O exit round trip.
const POST_PORT: u16 = 0x80;

/// Writes a byte to the POST-code port.
pub fn post_code(value: u8) {
    // SAFETY: port 0x80 is the POST diagnostic port; a write has no effect
    // on guest memory or state.
    unsafe { asm!("out dx, al", in("dx") POST_PORT, in("al") value, options(nomem, nostack, preserves_flags)) };
}

/// CR4.OSXSAVE (bit 18).
const CR4_OSXSAVE: u64 = 1 << 18;

/// Turns on CR4.OSXSAVE and writes `xcr0` with XSETBV (an exit the
/// hypervisor validates), then reads it back with XGETBV (no exit: it sees
/// the value the hypervisor loaded for this vCPU).
pub fn set_and_read_xcr0(xcr0: u64) -> u64 {
    let (low, high): (u32, u32);
    // SAFETY: the caller checked CPUID.1:ECX.XSAVE, so CR4.OSXSAVE may be
    // set; XSETBV with a valid value (x87|SSE) only changes which extended
    // states XSAVE manages, and this guest uses none. No memory is touched.
    unsafe {
        asm!(
            "mov {tmp}, cr4",
            "or {tmp}, {osxsave}",
            "mov cr4, {tmp}",
            "xsetbv",
            "xgetbv",
            tmp = out(reg) _,
            osxsave = in(reg) CR4_OSXSAVE,
            inout("ecx") 0u32 => _,
            inout("eax") (xcr0 & 0xFFFF_FFFF) as u32 => low,
            inout("edx") (xcr0 >> 32) as u32 => high,
            options(nomem, nostack)
        );
    }
    (u64::from(high) << 32) | u64::from(low)
}

/// Sends `text` to the UART's transmit register with one `REP OUTSB` (a
/// string I/O exit the hypervisor emulates by reading guest memory through
/// the guest's page tables). Returns RSI and RCX afterwards.
pub fn uart_rep_outsb(text: &str) -> (u64, u64) {
    let (rsi, rcx): (u64, u64);
    // SAFETY: OUTSB reads `text.len()` bytes starting at `text.as_ptr()`
    // (DF is clear per the ABI) and writes them to the UART; no memory is
    // written.
    unsafe {
        asm!(
            "rep outsb",
            in("dx") THR,
            inout("rsi") text.as_ptr() as u64 => rsi,
            inout("rcx") text.len() as u64 => rcx,
            options(nostack, preserves_flags, readonly)
        );
    }
    (rsi, rcx)
}

/// Reads `buffer.len()` bytes from the UART's line-status register with one
/// `REP INSB` (the hypervisor writes them into guest memory).
pub fn uart_rep_insb_lsr(buffer: &mut [u8]) {
    // SAFETY: INSB writes `buffer.len()` bytes starting at `buffer`, which
    // we borrow mutably; DF is clear per the ABI.
    unsafe {
        asm!(
            "rep insb",
            in("dx") LSR,
            inout("rdi") buffer.as_mut_ptr() => _,
            inout("rcx") buffer.len() => _,
            options(nostack, preserves_flags)
        );
    }
}
