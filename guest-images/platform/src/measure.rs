//! What every measurement here shares: the tolerance, the error of a
//! measured value against the expected one, and waiting for interrupts.

use crate::arch::{self, rdtsc};
use crate::interrupts;
use crate::timers::Clocks;

/// The tolerance of every rate check, in tenths of a percent (the 2 %).
pub const TOLERANCE_PERMILLE: u64 = 20;

/// The error of `measured` against `expected`, in tenths of a percent.
pub fn error_permille(measured: u64, expected: u64) -> u64 {
    measured.abs_diff(expected) * 1000 / expected.max(1)
}

/// Tenths of a percent, shown as `1.2%`.
pub fn percent(permille: u64) -> impl core::fmt::Display {
    struct Percent(u64);
    impl core::fmt::Display for Percent {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            write!(f, "{}.{}%", self.0 / 10, self.0 % 10)
        }
    }
    Percent(permille)
}

/// Sleeps in HLT until `vector` has been taken `times` times, or about a
/// second of TSC time passed (the caller's check then fails on the count).
pub fn wait_for(vector: u8, times: u64, clocks: &Clocks) {
    let start = rdtsc();
    while interrupts::count(vector) < times && rdtsc().wrapping_sub(start) < clocks.tsc_hz {
        arch::wait_for_interrupt();
    }
}

/// Spins about `ticks` TSC ticks with interrupts enabled.
pub fn idle(ticks: u64) {
    let start = rdtsc();
    arch::enable_interrupts();
    while rdtsc().wrapping_sub(start) < ticks {
        core::hint::spin_loop();
    }
    arch::disable_interrupts();
}
