//! The hypervisor's console: the log, written to COM1 and mirrored to the
//! emulators' debug console (port 0xE9) when one is present.
//!
//! The mirror exists because port 0xE9 output reaches the emulator's stdout
//! synchronously: when the machine dies suddenly (triple fault), the last line
//! is still there even if COM1's FIFO was not drained.
//!
//! Normal output takes a lock ([`write_fmt`]); the panic and exception paths
//! use [`emergency`], which takes no lock, because the fault may have happened
//! while the lock was held.

mod logger;

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

use spin::Mutex;
use uart_16550::SerialPort;

use crate::arch::x86_64::port;

/// Whether port 0xE9 answers (we run under an emulator).
static DEBUGCON: AtomicBool = AtomicBool::new(false);

static SERIAL: Mutex<Option<SerialPort>> = Mutex::new(None);

/// Initialises COM1, detects the debug console and installs the logger.
pub fn init() {
    DEBUGCON.store(port::debugcon_present(), Ordering::Relaxed);
    let mut serial = port::com1();
    serial.init();
    *SERIAL.lock() = Some(serial);
    logger::install();
}

/// Whether the debug console at port 0xE9 is present, i.e. whether we run
/// under an emulator (Bochs or QEMU) rather than on real hardware.
pub fn under_emulator() -> bool {
    DEBUGCON.load(Ordering::Relaxed)
}

/// Writes formatted text to the console, holding the console lock.
pub fn write_fmt(args: fmt::Arguments<'_>) {
    let mut serial = SERIAL.lock();
    let mut sink = Sink { serial: serial.as_mut(), debugcon: under_emulator() };
    // Writing to the sinks cannot fail.
    let _ = sink.write_fmt(args);
}

/// A writer that bypasses the console lock, for the panic and exception paths.
pub fn emergency() -> impl Write {
    EmergencySink { serial: port::com1(), debugcon: under_emulator() }
}

/// Waits until the UART has sent everything written so far.
pub fn drain() {
    port::com1_drain();
}

struct Sink<'a> {
    serial: Option<&'a mut SerialPort>,
    debugcon: bool,
}

impl Write for Sink<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            if let Some(serial) = self.serial.as_deref_mut() {
                serial.send(byte);
            }
            if self.debugcon {
                port::debugcon_write(byte);
            }
        }
        Ok(())
    }
}

struct EmergencySink {
    serial: SerialPort,
    debugcon: bool,
}

impl Write for EmergencySink {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        Sink { serial: Some(&mut self.serial), debugcon: self.debugcon }.write_str(s)
    }
}
