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

/// COM1 register offsets and bits (16550).
const UART_LSR: u16 = COM1 + 5;
/// LSR bit 5: the transmit holding register (and FIFO) is empty.
const LSR_THR_EMPTY: u8 = 1 << 5;
/// LSR bit 6: the transmitter is completely idle.
const LSR_TRANSMITTER_EMPTY: u8 = 1 << 6;

/// Whether a 16550-compatible UART answers at COM1: its scratch register
/// keeps what is written (absent hardware reads back 0xFF), and in loopback
/// mode a byte sent comes back on the receive side. Leaves loopback off.
pub fn com1_present() -> bool {
    let port = |offset: u16| Port::<u8>::new(COM1 + offset);
    // SAFETY: COM1's scratch (7), modem-control (4), data (0) and
    // line-status (5) registers; on absent hardware the accesses go nowhere.
    // Loopback mode keeps the probe byte off the wire.
    unsafe {
        for probe in [0x5Au8, 0xA5] {
            port(7).write(probe);
            if port(7).read() != probe {
                return false;
            }
        }
        port(4).write(0x1E); // loopback, OUT1, OUT2, RTS
        while port(5).read() & 1 != 0 {
            let _ = port(0).read(); // empty the receiver
        }
        port(0).write(0xAE);
        let mut echoed = false;
        for _ in 0..10_000 {
            if port(5).read() & 1 != 0 {
                echoed = port(0).read() == 0xAE;
                break;
            }
        }
        port(4).write(0x0B); // loopback off; DTR, RTS, OUT2
        echoed
    }
}

/// Initialises COM1: 115200 baud (divisor 1), 8 data bits, no parity, one
/// stop bit, FIFOs enabled and cleared, interrupts off.
pub fn com1_init() {
    let mut serial = com1();
    serial.init();
    let write = |offset: u16, value: u8| {
        // SAFETY: COM1's line-control and divisor-latch registers; changing
        // the divisor only changes the baud rate of the UART we own.
        unsafe { Port::<u8>::new(COM1 + offset).write(value) }
    };
    write(3, 0x80); // LCR: DLAB on
    write(0, 1); // DLL: divisor 1 = 115200 baud
    write(1, 0); // DLM
    write(3, 0x03); // LCR: 8N1, DLAB off
    write(2, 0xC7); // FCR: FIFOs on, both cleared, 14-byte receive trigger
}

/// LSR bit 0: a received byte is waiting in RBR.
const LSR_DATA_READY: u8 = 1 << 0;

fn com1_lsr() -> u8 {
    // SAFETY: reading COM1's line status register only clears latched
    // error bits, which nothing here relies on.
    unsafe { Port::<u8>::new(UART_LSR).read() }
}

/// Whether COM1 can take (up to 16) more bytes now.
pub fn com1_transmitter_ready() -> bool {
    com1_lsr() & LSR_THR_EMPTY != 0
}

/// Waits (bounded) until COM1 can take bytes; false if it never could.
pub fn com1_wait_transmitter_ready() -> bool {
    for _ in 0..1_000_000 {
        if com1_transmitter_ready() {
            return true;
        }
        core::hint::spin_loop();
    }
    false
}

/// A byte COM1 has received, if any (LSR bit 0, "data ready", then RBR).
pub fn com1_receive() -> Option<u8> {
    if com1_lsr() & LSR_DATA_READY == 0 {
        return None;
    }
    // SAFETY: reading COM1's receive buffer register takes the byte the
    // UART reported ready; nothing else reads it.
    Some(unsafe { Port::<u8>::new(COM1).read() })
}

/// Writes one byte to COM1's transmit register. Only call when
/// [`com1_transmitter_ready`] said there is room.
pub fn com1_write(byte: u8) {
    // SAFETY: COM1's transmit holding register; a write sends the byte.
    unsafe { Port::<u8>::new(COM1).write(byte) }
}

/// Sends one byte, waiting (bounded) for room: for the panic path.
pub fn com1_send_blocking(byte: u8) {
    com1_wait_transmitter_ready();
    com1_write(byte);
}

/// A handle on the COM1 UART (not yet initialised).
/// A handle on the COM1 UART (not yet initialised).
fn com1() -> uart_16550::SerialPort {
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
    for _ in 0..1_000_000 {
        if com1_lsr() & LSR_TRANSMITTER_EMPTY != 0 {
            return;
        }
        core::hint::spin_loop();
    }
}
