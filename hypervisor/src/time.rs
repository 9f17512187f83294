//! Time since boot, from the TSC, calibrated once against the PIT.
//!
//! The log stamps every line with it. Under Bochs the TSC advances with
//! executed instructions, so stamps there measure emulated, not wall, time.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::arch::x86_64::{cpu, pit};

static BOOT_TSC: AtomicU64 = AtomicU64::new(0);
static TSC_HZ: AtomicU64 = AtomicU64::new(0);

/// PIT ticks to measure over: 11,932 ticks = 10 ms.
const CALIBRATION_TICKS: u16 = 11_932;

/// Records the boot TSC and measures the TSC frequency (takes about 10 ms).
pub fn init() {
    BOOT_TSC.store(cpu::rdtsc(), Ordering::Relaxed);
    let (start, end) = pit::measure_tsc_over(CALIBRATION_TICKS, cpu::rdtsc);
    let hz = end.saturating_sub(start).saturating_mul(pit::PIT_HZ) / u64::from(CALIBRATION_TICKS);
    TSC_HZ.store(hz, Ordering::Relaxed);
}

/// The measured TSC frequency in Hz (0 before [`init`]).
pub fn tsc_hz() -> u64 {
    TSC_HZ.load(Ordering::Relaxed)
}

/// Time elapsed since [`init`].
pub fn since_boot() -> Stamp {
    let ticks = cpu::rdtsc().saturating_sub(BOOT_TSC.load(Ordering::Relaxed));
    let hz = tsc_hz();
    if hz == 0 {
        return Stamp { micros: 0 };
    }
    let micros = u128::from(ticks) * 1_000_000 / u128::from(hz);
    Stamp { micros: u64::try_from(micros).unwrap_or(u64::MAX) }
}

/// A time since boot, printed as `seconds.microseconds`.
#[derive(Clone, Copy, Debug)]
pub struct Stamp {
    micros: u64,
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>4}.{:06}", self.micros / 1_000_000, self.micros % 1_000_000)
    }
}
