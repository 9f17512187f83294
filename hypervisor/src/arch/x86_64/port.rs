//! Port I/O to the few fixed devices the kernel itself uses: the COM1 UART,
//! the emulators' debug console (0xE9) and their exit devices.

#![allow(unsafe_code, reason = "mechanism layer: port I/O")]

use hv_status::{BOCHS_CONTROL_PORT, DEBUGCON_PORT, QEMU_DEBUG_EXIT_PORT};
use x86_64::instructions::port::Port;

/// Base port of the first legacy serial port.
pub const COM1: u16 = 0x3F8;

/// Whether an emulator debug console answers at port 0xE9.
///
/// Bochs (`port_e9_hack`) and QEMU (`-debugcon`) return 0xE9 when the port is
/// read; on real hardware nothing decodes the port and the read returns 0xFF.
pub fn debugcon_present() -> bool {
    let mut port = Port::<u8>::new(DEBUGCON_PORT);
    // SAFETY: reading port 0xE9 has no side effect on any device we know of;
    // on real hardware the read is not decoded and floats to 0xFF.
    unsafe { port.read() == 0xE9 }
}

/// Writes one byte to the debug console. Only call after
/// [`debugcon_present`] returned true.
pub fn debugcon_write(byte: u8) {
    let mut port = Port::<u8>::new(DEBUGCON_PORT);
    // SAFETY: the caller established that port 0xE9 is an emulator debug
    // console, for which a write only prints the byte.
    unsafe { port.write(byte) }
}

/// Asks QEMU's `isa-debug-exit` device to end the emulator with `code`.
/// Only call under an emulator (a write to an absent device is ignored there).
pub fn qemu_debug_exit(code: u8) {
    let mut port = Port::<u32>::new(QEMU_DEBUG_EXIT_PORT);
    // SAFETY: the caller established that we run under an emulator; there,
    // port 0xF4 is either QEMU's exit device or undecoded.
    unsafe { port.write(u32::from(code)) }
}

/// Writes `bytes` to Bochs' control port (0x8900). Only call under an emulator.
pub fn bochs_control(bytes: &[u8]) {
    let mut port = Port::<u8>::new(BOCHS_CONTROL_PORT);
    for &byte in bytes {
        // SAFETY: the caller established that we run under an emulator; there,
        // port 0x8900 is either Bochs' control port or undecoded.
        unsafe { port.write(byte) }
    }
}

/// A handle on the COM1 UART (not yet initialised).
pub fn com1() -> uart_16550::SerialPort {
    // SAFETY: 0x3F8 is the architectural base of COM1 on PC-compatible
    // machines. Whether a UART actually answers there is detected by the
    // console before it relies on it; writes to an absent UART are ignored.
    unsafe { uart_16550::SerialPort::new(COM1) }
}

/// Waits until COM1 has shifted out every byte (LSR bit 6, "transmitter
/// empty"), so that a message written just before the machine stops is not
/// lost in the UART's FIFO. Gives up after a bounded number of polls, so an
/// absent UART (reads 0xFF, i.e. "empty") or a stuck one cannot hang the caller.
pub fn com1_drain() {
    let mut line_status = Port::<u8>::new(COM1 + 5);
    for _ in 0..1_000_000 {
        // SAFETY: reading the line status register has no side effect besides
        // clearing latched error bits, which nothing here relies on.
        if unsafe { line_status.read() } & 0x40 != 0 {
            return;
        }
        core::hint::spin_loop();
    }
}
