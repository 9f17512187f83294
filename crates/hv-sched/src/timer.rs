//! VMX-preemption timer values: how to turn "ticks until the deadline" into
//! the 32-bit count the VMCS takes.
//!
//! Why: the timer is what takes the CPU back from a partition that never
//! exits on its own, so its value decides how far past its deadline a
//! partition can run. The rules it follows are subtle enough to be written
//! down once, here, and tested.
//!
//! # How the timer counts (SDM Vol. 3C 26.5.1, Vol. 3D A.6)
//!
//! In VMX non-root operation the timer counts down by 1 each time bit X of
//! the TSC changes, X = IA32_VMX_MISC\[4:0\] (the `shift` below), and the VM
//! exits when it reaches 0. The first decrement comes at the next change of
//! bit X, anywhere from 1 to 2^X ticks after entry, so a value `v > 0`
//! expires between `(v - 1) * 2^X + 1` and `v * 2^X` ticks after entry
//! ([`expiry_window`]), plus the exit's own latency. A value of 0 makes the
//! VM exit before the guest executes a single instruction (SDM Vol. 3C,
//! "VM Entries", VMX-preemption timer), which is only useful to mean "the
//! deadline has passed".
//!
//! # Rounding: the deadline is a floor, give or take one period
//!
//! [`timer_value`] rounds up: `ceil(remaining / 2^X)`. Because of the phase
//! of bit X, the exit can still come up to `2^X - 1` ticks before the
//! deadline; the kernel then sees `rdtsc() < deadline` and re-arms with what
//! remains (value 1), and that exit lands at most `2^X - 1` ticks after the
//! deadline. So a partition overruns its deadline by less than one timer
//! period ([`timer_granularity`]) plus exit latency, never more.
//!
//! # The cap: erratum EMR158
//!
//! Intel erratum EMR158 ("VMX-Preemption Timer May Expire Earlier With
//! Certain Large Timer Values"; documented for Emerald Rapids and observed by
//! KVM's developers on Skylake-SP, Cascade Lake and Ice Lake servers): with
//! certain large values the timer fires early, even near-immediately. The
//! published mitigation is to program values below
//! `2^25 * CPUID.15H:EBX / CPUID.15H:EAX` (the TSC-to-crystal ratio, which is
//! far above 1 on every affected part). [`TIMER_CAP`] is `2^25 - 1`, below
//! that bound whatever the ratio, and still long enough for any slice: with
//! the usual X = 5 it covers 2^30 ticks, about 0.36 s at 3 GHz (and 11 ms at
//! X = 0, the worst case). A longer slice simply exits once per cap and the
//! kernel re-arms with what remains. Since every schedule is anchored to the
//! TSC, an early exit — from the cap, from the erratum at any value, or from
//! the phase of bit X — costs one extra exit and never moves a deadline.

/// Largest value [`timer_value`] programs: `2^25 - 1`, under the bound of
/// Intel erratum EMR158's mitigation (see the module documentation).
pub const TIMER_CAP: u32 = (1 << 25) - 1;

/// Largest meaningful shift: IA32_VMX_MISC\[4:0\] is a 5-bit field.
pub const MAX_TIMER_SHIFT: u8 = 31;

/// The VMX-preemption timer value for a deadline `remaining_ticks` away,
/// with the timer counting once every `2^shift` ticks
/// (`shift` = IA32_VMX_MISC\[4:0\]; larger values are treated as
/// [`MAX_TIMER_SHIFT`]).
///
/// * 0 ticks remaining: 0, the VM exits before any guest instruction (the
///   kernel should not enter at all: the deadline has passed);
/// * otherwise `ceil(remaining_ticks / 2^shift)`, hence at least 1,
///   capped at [`TIMER_CAP`] (erratum EMR158). After a capped or early exit
///   the kernel re-arms with the ticks that remain.
#[must_use]
pub fn timer_value(remaining_ticks: u64, shift: u8) -> u32 {
    let shift = shift.min(MAX_TIMER_SHIFT);
    let mask = (1u64 << shift) - 1;
    let periods = (remaining_ticks >> shift) + u64::from(remaining_ticks & mask != 0);
    u32::try_from(periods).map_or(TIMER_CAP, |v| v.min(TIMER_CAP))
}

/// Ticks per timer decrement, `2^shift`: the timer's granularity, and the
/// bound on how far past a deadline a partition can run (plus exit latency).
#[must_use]
pub const fn timer_granularity(shift: u8) -> u64 {
    let shift = if shift > MAX_TIMER_SHIFT { MAX_TIMER_SHIFT } else { shift };
    1 << shift
}

/// `(earliest, latest)`: how many ticks after entry a timer programmed with
/// `value` expires, depending on the phase of TSC bit `shift` at entry;
/// `(0, 0)` for a value of 0. Exit latency comes on top.
#[must_use]
pub const fn expiry_window(value: u32, shift: u8) -> (u64, u64) {
    if value == 0 {
        return (0, 0);
    }
    let period = timer_granularity(shift);
    let v = value as u64;
    ((v - 1) * period + 1, v * period)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;

    #[test]
    fn zero_remaining_is_zero() {
        for shift in [0, 5, 31] {
            assert_eq!(timer_value(0, shift), 0);
        }
    }

    #[test]
    fn rounds_up_to_whole_periods() {
        assert_eq!(timer_value(1, 5), 1, "any time left is at least one period");
        assert_eq!(timer_value(31, 5), 1);
        assert_eq!(timer_value(32, 5), 1);
        assert_eq!(timer_value(33, 5), 2);
        assert_eq!(timer_value(64, 5), 2);
        assert_eq!(timer_value(1_000_000, 5), 31_250);
        assert_eq!(timer_value(1_000_001, 5), 31_251);
        assert_eq!(timer_value(12_345, 0), 12_345);
        assert_eq!(timer_value(1, 31), 1);
    }

    #[test]
    fn large_values_are_capped() {
        let cap_span = u64::from(TIMER_CAP) << 5;
        assert_eq!(timer_value(cap_span, 5), TIMER_CAP);
        assert_eq!(timer_value(cap_span - 32, 5), TIMER_CAP - 1);
        assert_eq!(timer_value(cap_span + 1, 5), TIMER_CAP);
        assert_eq!(timer_value(u64::MAX, 0), TIMER_CAP);
        assert_eq!(timer_value(u64::MAX, 31), TIMER_CAP);
        assert_eq!(TIMER_CAP, 0x1FF_FFFF);
    }

    #[test]
    fn shifts_beyond_the_field_are_treated_as_31() {
        assert_eq!(timer_value(1 << 32, 200), timer_value(1 << 32, 31));
        assert_eq!(timer_value(1 << 32, 31), 2);
        assert_eq!(timer_granularity(64), 1 << 31);
    }

    #[test]
    fn expiry_window_follows_the_phase_of_the_tsc_bit() {
        assert_eq!(expiry_window(0, 5), (0, 0));
        assert_eq!(expiry_window(1, 5), (1, 32));
        assert_eq!(expiry_window(3, 5), (65, 96));
        assert_eq!(expiry_window(7, 0), (7, 7));
        assert_eq!(expiry_window(TIMER_CAP, 31).1, u64::from(TIMER_CAP) << 31);
    }

    #[test]
    fn never_expires_later_than_one_period_past_the_deadline() {
        for shift in [0, 1, 5, 7, 31] {
            for remaining in [1, 2, 31, 32, 33, 1_000, 999_999, 1 << 35] {
                let (_, latest) = expiry_window(timer_value(remaining, shift), shift);
                if remaining <= u64::from(TIMER_CAP) << shift {
                    assert!(latest >= remaining, "uncapped values reach the deadline");
                }
                assert!(latest < remaining + timer_granularity(shift), "{remaining} at shift {shift}");
            }
        }
    }

    /// The TSC value at which a timer armed with `value` at `entry` expires:
    /// the `value`-th change of TSC bit `shift` after `entry` (the hardware's
    /// rule, SDM 26.5.1).
    fn expiry_tsc(entry: u64, value: u32, shift: u8) -> u64 {
        let period = timer_granularity(shift);
        let expiry = (entry / period + u64::from(value)) * period;
        let (earliest, latest) = expiry_window(value, shift);
        assert!((earliest..=latest).contains(&(expiry - entry)), "the window describes the rule");
        expiry
    }

    /// Arms at `start` for `deadline`, lets the timer expire (or, with
    /// probability `erratic_permille`, fire at any earlier moment, as erratum
    /// EMR158 allows), re-arms with what remains; returns
    /// `(rounds, ticks past the deadline)`.
    fn run_to_deadline(start: u64, deadline: u64, shift: u8, erratic_permille: u64, rng: &mut Rng) -> (u64, u64) {
        let (mut now, mut rounds) = (start, 0u64);
        loop {
            let value = timer_value(deadline.saturating_sub(now), shift);
            if value == 0 {
                return (rounds, now - deadline);
            }
            let expiry = expiry_tsc(now, value, shift);
            now = if rng.chance(erratic_permille) { rng.range(now + 1, expiry) } else { expiry };
            rounds += 1;
            assert!(rounds < 1_000_000, "re-arming does not converge");
        }
    }

    #[test]
    fn re_arming_converges_on_the_deadline() {
        let mut rng = Rng::new(158);
        for shift in [0, 5, 10] {
            let period = timer_granularity(shift);
            let step = (u64::from(TIMER_CAP) - 1) * period + 1; // least progress of a capped round
            for _ in 0..2_000 {
                let start = rng.range(0, 1 << 40);
                let span = rng.range(1, 20 * step);
                let (rounds, late) = run_to_deadline(start, start + span, shift, 0, &mut rng);
                assert!(late < period, "late by {late} at shift {shift}");
                assert!(rounds <= span.div_ceil(step) + 1, "{rounds} rounds for {span} ticks");
            }
        }
    }

    #[test]
    fn re_arming_converges_despite_erratic_early_exits() {
        let mut rng = Rng::new(0xE3_158);
        for _ in 0..2_000 {
            let start = rng.range(0, 1 << 40);
            let (rounds, late) = run_to_deadline(start, start + rng.range(1, 1 << 36), 5, 200, &mut rng);
            assert!(late < 32, "late by {late}");
            assert!(rounds >= 1);
        }
    }

    #[test]
    fn worst_phase_costs_exactly_one_extra_round() {
        // Exactly one period left and bit X about to flip: the first exit
        // comes after 1 tick, the re-armed one lands on or before a period later.
        let mut now = 0;
        let deadline = 32;
        let (earliest, _) = expiry_window(timer_value(deadline - now, 5), 5);
        now += earliest;
        assert!(now < deadline);
        let (_, latest) = expiry_window(timer_value(deadline - now, 5), 5);
        assert!(now + latest >= deadline && now + latest < deadline + 32);
    }
}
