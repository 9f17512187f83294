//! What a counting element does between two events, as closed formulas of
//! the clock index.
//!
//! Clock `k` means "after the k-th falling edge of the input clock"; the
//! 8254 changes its counting element and OUT on falling edges (datasheet,
//! "Operation Common to All Modes", "Counter"). A [`Run`] describes the
//! counting element and OUT from some clock on, until the next event (a
//! write, a gate change, or a scheduled load) replaces it. Nothing here
//! loops or steps through clocks: values, OUT levels, the number of rising
//! edges of OUT in a range and the next rising edge are all computed
//! directly, so any amount of elapsed time costs the same.

use crate::mode::Mode;

/// When a one-shot count reaches terminal count (the counting element
/// becomes 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Terminal {
    /// After this many more clocks (at least 1).
    In(u32),
    /// Already happened (OUT stays as terminal count left it).
    Passed,
}

/// The counting element from one event to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Run {
    /// Not counting: no count loaded yet, gate low, or waiting for a
    /// trigger. `resume` is the pending terminal count of a mode 0/4
    /// count that the gate paused.
    Held { value: u32, out: bool, resume: Option<Terminal> },
    /// Modes 0, 1, 4, 5: the element holds `value` at clock `start` and
    /// decrements (wrapping) on every clock after it.
    Countdown { start: u64, value: u32, terminal: Terminal },
    /// Modes 2 and 3: the element runs through a cycle of `period` clocks
    /// (1 ..= 65536); clock `start` is `phase` clocks into a cycle.
    Periodic { start: u64, period: u32, phase: u32 },
}

impl Run {
    /// Counting element value at clock `k`, in `0 .. modulus`.
    pub(crate) fn value(&self, mode: Mode, modulus: u32, k: u64) -> u32 {
        let modulus_64 = u64::from(modulus.max(1));
        let value = match *self {
            Self::Held { value, .. } => u64::from(value),
            Self::Countdown { start, value, .. } => {
                let elapsed = k.saturating_sub(start) % modulus_64;
                (u64::from(value) + modulus_64 - elapsed) % modulus_64
            }
            Self::Periodic { period, .. } => {
                let period = u64::from(period.max(1));
                let j = u64::from(self.phase_at(k));
                if mode == Mode::SquareWave {
                    square_wave_value(period, j)
                } else {
                    period - j
                }
            }
        };
        u32::try_from(value % modulus_64).unwrap_or(0)
    }

    /// OUT at clock `k`.
    pub(crate) fn out(&self, mode: Mode, k: u64) -> bool {
        match *self {
            Self::Held { out, .. } => out,
            Self::Countdown { terminal: Terminal::Passed, .. } => true,
            Self::Countdown { start, terminal: Terminal::In(clocks), .. } => {
                let terminal = start.saturating_add(u64::from(clocks));
                if mode.strobes() {
                    // Modes 4/5: low for the one clock at terminal count.
                    k != terminal
                } else {
                    // Modes 0/1: low until terminal count, then high.
                    k >= terminal
                }
            }
            Self::Periodic { period, .. } => {
                let j = self.phase_at(k);
                if mode == Mode::SquareWave {
                    // High for ceil(N/2) clocks, low for floor(N/2).
                    j < period.div_ceil(2)
                } else {
                    // Low for the one clock in which the count is 1.
                    j != period.saturating_sub(1)
                }
            }
        }
    }

    /// Number of rising edges of OUT at clocks in `(after, until]`, for
    /// clocks after the run's start (an edge at the start itself belongs
    /// to the event that began the run).
    pub(crate) fn rising_edges(&self, mode: Mode, after: u64, until: u64) -> u64 {
        match *self {
            Self::Held { .. } | Self::Countdown { terminal: Terminal::Passed, .. } => 0,
            Self::Countdown { .. } => match self.countdown_edge(mode) {
                Some(edge) if after < edge && edge <= until => 1,
                _ => 0,
            },
            Self::Periodic { start, period, .. } => {
                if period < 2 {
                    return 0; // OUT never changes
                }
                let from = after.max(start);
                if until <= from {
                    return 0;
                }
                let cycles = |k: u64| self.cycle_position(k) / u128::from(period);
                u64::try_from(cycles(until) - cycles(from)).unwrap_or(u64::MAX)
            }
        }
    }

    /// The first rising edge of OUT at a clock after `k` (and after the
    /// run's start), if this run has one.
    pub(crate) fn next_rising_edge(&self, mode: Mode, k: u64) -> Option<u64> {
        match *self {
            Self::Held { .. } | Self::Countdown { terminal: Terminal::Passed, .. } => None,
            Self::Countdown { .. } => self.countdown_edge(mode).filter(|&edge| edge > k),
            Self::Periodic { start, period, .. } => {
                if period < 2 {
                    return None;
                }
                let from = k.max(start);
                let into_cycle = self.cycle_position(from) % u128::from(period);
                let ahead = u64::try_from(u128::from(period) - into_cycle).ok()?;
                from.checked_add(ahead)
            }
        }
    }

    /// Position in the current cycle of a periodic run at clock `k`.
    pub(crate) fn phase_at(&self, k: u64) -> u32 {
        match *self {
            Self::Periodic { period, .. } => {
                let position = self.cycle_position(k) % u128::from(period.max(1));
                u32::try_from(position).unwrap_or(0)
            }
            _ => 0,
        }
    }

    /// Clocks since the beginning of the cycle that `start` lies in.
    fn cycle_position(&self, k: u64) -> u128 {
        match *self {
            Self::Periodic { start, phase, .. } => u128::from(k.saturating_sub(start)) + u128::from(phase),
            _ => 0,
        }
    }

    /// The clock of the one rising edge of a countdown: terminal count in
    /// modes 0/1, one clock after it in modes 4/5.
    fn countdown_edge(&self, mode: Mode) -> Option<u64> {
        let Self::Countdown { start, terminal: Terminal::In(clocks), .. } = *self else { return None };
        let terminal = start.checked_add(u64::from(clocks))?;
        if mode.strobes() {
            terminal.checked_add(1)
        } else {
            Some(terminal)
        }
    }
}

/// Mode 3 counting element `j` clocks into a cycle of `period` ("Mode 3:
/// Square Wave Mode"): even counts load N and decrement by two, both halves
/// N/2 clocks long; odd counts load N - 1 and decrement by two, the high
/// half lasting one clock longer ((N + 1)/2) than the low one ((N - 1)/2).
fn square_wave_value(period: u64, j: u64) -> u64 {
    if period.is_multiple_of(2) {
        period - 2 * (j % (period / 2))
    } else {
        let high_half = period.div_ceil(2);
        let into_half = if j < high_half { j } else { j - high_half };
        (period - 1).saturating_sub(2 * into_half)
    }
}

#[cfg(test)]
mod tests {
    use super::{Run, Terminal};
    use crate::mode::Mode;

    const BINARY: u32 = 0x1_0000;

    /// Counts edges by stepping clock by clock, from OUT alone.
    fn stepped_edges(run: &Run, mode: Mode, after: u64, until: u64) -> u64 {
        ((after + 1)..=until).filter(|&k| !run.out(mode, k - 1) && run.out(mode, k)).count() as u64
    }

    #[test]
    fn rate_generator_is_low_for_one_clock_per_period() {
        let run = Run::Periodic { start: 100, period: 5, phase: 0 };
        let outs: Vec<bool> = (100..111).map(|k| run.out(Mode::RateGenerator, k)).collect();
        assert_eq!(outs, [true, true, true, true, false, true, true, true, true, false, true]);
        let values: Vec<u32> = (100..106).map(|k| run.value(Mode::RateGenerator, BINARY, k)).collect();
        assert_eq!(values, [5, 4, 3, 2, 1, 5]);
    }

    #[test]
    fn square_wave_halves_even_and_odd() {
        let even = Run::Periodic { start: 0, period: 6, phase: 0 };
        let outs: Vec<bool> = (0..7).map(|k| even.out(Mode::SquareWave, k)).collect();
        assert_eq!(outs, [true, true, true, false, false, false, true]);
        let values: Vec<u32> = (0..6).map(|k| even.value(Mode::SquareWave, BINARY, k)).collect();
        assert_eq!(values, [6, 4, 2, 6, 4, 2]);

        let odd = Run::Periodic { start: 0, period: 5, phase: 0 };
        let outs: Vec<bool> = (0..6).map(|k| odd.out(Mode::SquareWave, k)).collect();
        assert_eq!(outs, [true, true, true, false, false, true]);
        let values: Vec<u32> = (0..5).map(|k| odd.value(Mode::SquareWave, BINARY, k)).collect();
        assert_eq!(values, [4, 2, 0, 4, 2]);
    }

    #[test]
    fn countdown_wraps_after_terminal_count() {
        let run = Run::Countdown { start: 10, value: 2, terminal: Terminal::In(2) };
        let values: Vec<u32> = (10..14).map(|k| run.value(Mode::InterruptOnTerminalCount, BINARY, k)).collect();
        assert_eq!(values, [2, 1, 0, 0xFFFF]);
        let bcd: Vec<u32> = (10..14).map(|k| run.value(Mode::InterruptOnTerminalCount, 10_000, k)).collect();
        assert_eq!(bcd, [2, 1, 0, 9999]);
    }

    #[test]
    fn edge_formulas_match_stepping() {
        let runs = [
            (Run::Periodic { start: 3, period: 7, phase: 0 }, Mode::RateGenerator),
            (Run::Periodic { start: 3, period: 7, phase: 4 }, Mode::SquareWave),
            (Run::Periodic { start: 0, period: 2, phase: 1 }, Mode::SquareWave),
            (Run::Periodic { start: 5, period: 1, phase: 0 }, Mode::RateGenerator),
            (Run::Periodic { start: 5, period: 1, phase: 0 }, Mode::SquareWave),
            (Run::Countdown { start: 4, value: 9, terminal: Terminal::In(9) }, Mode::InterruptOnTerminalCount),
            (Run::Countdown { start: 4, value: 9, terminal: Terminal::In(9) }, Mode::SoftwareStrobe),
            (Run::Countdown { start: 4, value: 9, terminal: Terminal::Passed }, Mode::HardwareStrobe),
        ];
        for (run, mode) in runs {
            for after in 5..30 {
                for until in after..40 {
                    assert_eq!(run.rising_edges(mode, after, until), stepped_edges(&run, mode, after, until));
                }
                let stepped_next = (after + 1..200).find(|&k| !run.out(mode, k - 1) && run.out(mode, k));
                assert_eq!(run.next_rising_edge(mode, after), stepped_next, "{run:?} {mode:?} {after}");
            }
        }
    }

    #[test]
    fn huge_spans_are_arithmetic() {
        let run = Run::Periodic { start: 0, period: 2, phase: 0 };
        assert_eq!(run.rising_edges(Mode::RateGenerator, 0, u64::MAX), u64::MAX / 2);
        assert_eq!(run.next_rising_edge(Mode::RateGenerator, u64::MAX - 1), None);
    }
}
