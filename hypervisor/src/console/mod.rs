//! The hypervisor's console: the log and the partitions' consoles, written
//! to COM1 and mirrored to the emulators' debug console (port 0xE9) when one
//! is present.
//!
//! COM1 is slow (11.5 KB/s at 115200 baud) and shared, so output is queued
//! ([`queue`]) and the UART is fed without waiting ([`pump`]) at points that
//! cost no partition its time: slice boundaries, idle time, and hypervisor
//! log calls. A partition's output therefore never stretches its time frame
//! or steals another's; if the queue is full, the excess is dropped and
//! counted (reported at the end of the run) rather than stalling the
//! schedule. [`drain`] empties the queue, waiting, when the run ends.
//!
//! The 0xE9 mirror is written at once: it reaches the emulator's stdout
//! synchronously, so when the machine dies suddenly the last line is still
//! there. The panic and exception paths use [`emergency`], which takes no
//! lock (the fault may have happened while it was held) and writes directly.

mod framebuffer;
mod logger;
mod queue;

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

use spin::Mutex;

use crate::arch::x86_64::port;
use framebuffer::{Pending, ScreenConsole};
use queue::TransmitQueue;

/// Whether port 0xE9 answers (we run under an emulator).
static DEBUGCON: AtomicBool = AtomicBool::new(false);
/// Whether a UART answers at COM1 (many PCs have none).
static SERIAL: AtomicBool = AtomicBool::new(false);

static QUEUE: Mutex<TransmitQueue> = Mutex::new(TransmitQueue::new());
/// The screen: its pending text, and the console once the framebuffer is set up.
static SCREEN: Mutex<(Pending, Option<ScreenConsole>)> = Mutex::new((Pending::new(), None));

/// Takes over the framebuffer (after the heap and frame allocator exist):
/// from now on the log is drawn on screen too. Returns a description.
pub fn attach_framebuffer(
    framebuffer: bootloader_api::info::FrameBuffer,
) -> Result<alloc::string::String, framebuffer::ScreenError> {
    let console = ScreenConsole::new(framebuffer)?;
    let description = console.describe();
    SCREEN.lock().1 = Some(console);
    Ok(description)
}

/// Initialises COM1 (115200 baud, 8N1, FIFOs on), detects the debug console
/// and installs the logger.
pub fn init() {
    DEBUGCON.store(port::debugcon_present(), Ordering::Relaxed);
    if port::com1_present() {
        port::com1_init();
        SERIAL.store(true, Ordering::Relaxed);
    }
    logger::install();
}

/// Whether the log goes to a serial port (COM1 was detected).
pub fn serial_present() -> bool {
    SERIAL.load(Ordering::Relaxed)
}

/// Whether the debug console at port 0xE9 is present, i.e. whether we run
/// under an emulator (Bochs or QEMU) rather than on real hardware.
pub fn under_emulator() -> bool {
    DEBUGCON.load(Ordering::Relaxed)
}

/// Queues formatted text for the console (and mirrors it to 0xE9 at once).
pub fn write_fmt(args: fmt::Arguments<'_>) {
    let mut queue = QUEUE.lock();
    let mut screen = SCREEN.lock();
    let _ = Sink { queue: &mut queue, screen: &mut screen.0, serial: serial_present(), debugcon: under_emulator() }
        .write_fmt(args);
    queue.pump();
}

/// Feeds COM1 from the queue as far as its FIFO takes bytes, without waiting.
pub fn pump() {
    if let Some(mut queue) = QUEUE.try_lock() {
        queue.pump();
    }
    draw_screen();
}

/// Draws the text waiting for the screen, if the screen is set up.
fn draw_screen() {
    if let Some(mut screen) = SCREEN.try_lock() {
        let (pending, console) = &mut *screen;
        if let Some(console) = console {
            console.draw(pending);
        }
    }
}

/// A byte typed on the serial console, if one is waiting (never blocks).
pub fn receive() -> Option<u8> {
    if serial_present() {
        port::com1_receive()
    } else {
        None
    }
}

/// Sends everything queued, waiting for the UART.
pub fn drain() {
    draw_screen();
    if !serial_present() {
        return;
    }
    if let Some(mut queue) = QUEUE.try_lock() {
        queue.drain();
    }
    port::com1_drain();
}

/// Bytes dropped because the queue was full.
pub fn dropped_bytes() -> u64 {
    QUEUE.lock().dropped()
}

/// A writer that bypasses the queue and its lock, for the panic and
/// exception paths. What is queued is sent first if the lock is free; the
/// text also goes to the screen if its lock is free (drawn by [`drain`]).
pub fn emergency() -> impl Write {
    drain();
    EmergencySink { debugcon: under_emulator() }
}

struct Sink<'a> {
    queue: &'a mut TransmitQueue,
    screen: &'a mut Pending,
    serial: bool,
    debugcon: bool,
}

impl Write for Sink<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            self.screen.push(byte);
            if self.serial {
                self.queue.push(byte);
            }
            if self.debugcon {
                port::debugcon_write(byte);
            }
        }
        Ok(())
    }
}

struct EmergencySink {
    debugcon: bool,
}

impl Write for EmergencySink {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(mut screen) = SCREEN.try_lock() {
            for byte in s.bytes() {
                screen.0.push(byte);
            }
        }
        for byte in s.bytes() {
            if serial_present() {
                port::com1_send_blocking(byte);
            }
            if self.debugcon {
                port::debugcon_write(byte);
            }
        }
        Ok(())
    }
}
