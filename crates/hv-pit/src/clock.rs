//! The PIT's input clock, derived from the TSC.
//!
//! A PC feeds all three counters with one 1.193182 MHz clock (14.31818 MHz
//! / 12). The model never runs on its own: the caller passes the TSC value
//! `now`, and the number of input clock pulses since TSC 0 is
//! `floor(now * INPUT_HZ / tsc_hz)`. Deriving every clock index from the
//! same absolute formula keeps the PIT exactly on the TSC with no rounding
//! drift, however often it is asked. Products are computed in `u128`.

/// Input clock of the PC's 8254, in Hz.
pub const INPUT_HZ: u64 = 1_193_182;

/// Conversion between TSC ticks and PIT input clock pulses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PitClock {
    tsc_hz: u64,
}

impl PitClock {
    /// A clock for a TSC running at `tsc_hz` (0 is taken as 1).
    pub(crate) const fn new(tsc_hz: u64) -> Self {
        Self { tsc_hz: if tsc_hz == 0 { 1 } else { tsc_hz } }
    }

    /// The TSC frequency used.
    pub(crate) const fn tsc_hz(self) -> u64 {
        self.tsc_hz
    }

    /// Input clock pulses from TSC 0 up to and including TSC `now`
    /// (saturating at `u64::MAX`).
    pub(crate) fn pulses_at(self, now: u64) -> u64 {
        let pulses = u128::from(now) * u128::from(INPUT_HZ) / u128::from(self.tsc_hz);
        u64::try_from(pulses).unwrap_or(u64::MAX)
    }

    /// The first TSC value at which pulse `pulse` has happened, i.e. the
    /// smallest `t` with `pulses_at(t) >= pulse`; `None` beyond `u64::MAX`.
    pub(crate) fn tsc_of_pulse(self, pulse: u64) -> Option<u64> {
        let tsc = (u128::from(pulse) * u128::from(self.tsc_hz)).div_ceil(u128::from(INPUT_HZ));
        u64::try_from(tsc).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::{PitClock, INPUT_HZ};

    #[test]
    fn one_second_of_tsc_is_one_second_of_pulses() {
        let clock = PitClock::new(3_000_000_000);
        assert_eq!(clock.pulses_at(3_000_000_000), INPUT_HZ);
        assert_eq!(clock.pulses_at(0), 0);
    }

    #[test]
    fn tsc_of_pulse_is_the_first_tsc_that_reaches_it() {
        for tsc_hz in [1, 1_193_181, 1_193_182, 2_893_456_789, 4_000_000_000] {
            let clock = PitClock::new(tsc_hz);
            for pulse in [0u64, 1, 2, 17, 65_536, 1_193_183, 10_000_000_007] {
                let Some(t) = clock.tsc_of_pulse(pulse) else { continue };
                assert!(clock.pulses_at(t) >= pulse, "{tsc_hz} {pulse}");
                if t > 0 {
                    assert!(clock.pulses_at(t - 1) < pulse, "{tsc_hz} {pulse}");
                }
            }
        }
    }

    #[test]
    fn extremes_saturate_instead_of_overflowing() {
        let slow = PitClock::new(0);
        assert_eq!(slow.tsc_hz(), 1);
        assert_eq!(slow.pulses_at(u64::MAX), u64::MAX);
        let fast = PitClock::new(u64::MAX);
        assert_eq!(fast.tsc_of_pulse(u64::MAX), None);
        assert_eq!(fast.pulses_at(u64::MAX), INPUT_HZ);
    }
}
