//! Ending a run: the status line, the emulator exit signal, and the halt.
//!
//! See the `hv-status` crate for the protocol. Every way the kernel can stop
//! — normal completion, a failed check, a panic, a CPU exception — goes
//! through here, exactly once (a fault while already stopping just halts).

use core::fmt::{Display, Write};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use hv_status::{status_line, RunStatus};

use crate::arch::x86_64::{cpu, port};
use crate::console;

static STOPPING: AtomicBool = AtomicBool::new(false);
/// Milliseconds to wait, under an emulator, between the status line and the
/// exit signal (boot parameter `linger_ms`): time for a test to take a
/// screenshot of what the run left on the screen.
static LINGER_MS: AtomicU64 = AtomicU64::new(0);

/// Sets the linger time (see [`LINGER_MS`]).
pub fn set_linger_ms(ms: u64) {
    LINGER_MS.store(ms, Ordering::Relaxed);
}

/// Ends the run normally with `status`.
pub fn finish(status: RunStatus) -> ! {
    if STOPPING.swap(true, Ordering::SeqCst) {
        cpu::halt_forever();
    }
    log::info!("{}", status_line(status));
    signal_and_halt(status)
}

/// Ends the run from a panic or CPU exception: prints `what` without taking
/// the console lock, then the status line.
pub fn fail_from_fault(status: RunStatus, what: &dyn Display) -> ! {
    if STOPPING.swap(true, Ordering::SeqCst) {
        cpu::halt_forever();
    }
    let mut out = console::emergency();
    let _ = writeln!(out, "\n!!! {what}");
    let _ = writeln!(out, "{}", status_line(status));
    signal_and_halt(status)
}

fn linger() {
    let ms = LINGER_MS.load(Ordering::Relaxed);
    if ms == 0 {
        return;
    }
    let deadline = cpu::rdtsc().saturating_add(ms.saturating_mul(crate::time::tsc_hz()) / 1000);
    while cpu::rdtsc() < deadline {
        core::hint::spin_loop();
    }
}

fn signal_and_halt(status: RunStatus) -> ! {
    console::drain();
    if console::under_emulator() {
        linger();
        port::qemu_debug_exit(status.code());
        port::bochs_control(match status {
            RunStatus::Success => b"D",
            _ => b"Shutdown",
        });
    } else {
        let _ = writeln!(console::emergency(), "halted: the machine can be powered off");
    }
    cpu::halt_forever()
}
