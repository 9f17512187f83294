//! Conversions between microseconds (what the user declares) and TSC ticks
//! (what the scheduler computes with).
//!
//! The kernel measures the TSC frequency once; every schedule is then kept in
//! ticks so the hot path never divides by a frequency. The products are formed
//! in `u128`, so no realistic input overflows (a day in microseconds times a
//! 10 GHz TSC is about 2^80), and results beyond `u64` saturate.

/// Microseconds in a second.
pub const US_PER_SECOND: u64 = 1_000_000;

/// `us` microseconds in ticks of a TSC running at `tsc_hz`, rounded down;
/// saturates at `u64::MAX`. A zero frequency gives 0.
#[must_use]
pub fn ticks_from_us(us: u64, tsc_hz: u64) -> u64 {
    let ticks = u128::from(us) * u128::from(tsc_hz) / u128::from(US_PER_SECOND);
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// `ticks` TSC ticks in microseconds at `tsc_hz`, rounded down; saturates at
/// `u64::MAX`. A zero frequency (unknown) gives 0 rather than dividing by
/// zero.
#[must_use]
pub fn us_from_ticks(ticks: u64, tsc_hz: u64) -> u64 {
    if tsc_hz == 0 {
        return 0;
    }
    let us = u128::from(ticks) * u128::from(US_PER_SECOND) / u128::from(tsc_hz);
    u64::try_from(us).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GHZ_2_5: u64 = 2_500_000_000;

    #[test]
    fn exact_conversions() {
        assert_eq!(ticks_from_us(1, GHZ_2_5), 2_500);
        assert_eq!(ticks_from_us(US_PER_SECOND, 3_000_000_000), 3_000_000_000);
        assert_eq!(us_from_ticks(2_500, GHZ_2_5), 1);
        assert_eq!(us_from_ticks(3_000_000_000, 3_000_000_000), US_PER_SECOND);
    }

    #[test]
    fn fractions_round_down() {
        // 1 µs at 1.5 MHz is 1.5 ticks; 3 ticks at 2 MHz are 1.5 µs.
        assert_eq!(ticks_from_us(1, 1_500_000), 1);
        assert_eq!(us_from_ticks(3, 2_000_000), 1);
        assert_eq!(us_from_ticks(2_499, GHZ_2_5), 0);
    }

    #[test]
    fn large_values_do_not_overflow() {
        // A year in µs at 5 GHz: the product (≈ 1.6e23) overflows u64, the result does not.
        let year_us = 365 * 24 * 3600 * US_PER_SECOND;
        assert_eq!(ticks_from_us(year_us, 5_000_000_000), year_us * 5_000);
        // ≈ 58 years of ticks at 10 GHz: ticks * 10^6 overflows u64.
        assert_eq!(us_from_ticks(u64::MAX / 1_000 * 1_000, 10_000_000_000), u64::MAX / 1_000 / 10);
    }

    #[test]
    fn results_beyond_u64_saturate() {
        assert_eq!(ticks_from_us(u64::MAX, 5_000_000_000), u64::MAX);
        assert_eq!(us_from_ticks(u64::MAX, 1), u64::MAX);
    }

    #[test]
    fn zero_frequency_gives_zero() {
        assert_eq!(ticks_from_us(1_000, 0), 0);
        assert_eq!(us_from_ticks(1_000, 0), 0);
    }

    #[test]
    fn round_trip_loses_less_than_a_microsecond() {
        for hz in [1_000_000_007, 2_112_000_000, GHZ_2_5, 3_599_999_999] {
            for us in [1, 7, 999, 1_000_003, 86_400 * US_PER_SECOND] {
                let back = us_from_ticks(ticks_from_us(us, hz), hz);
                assert!(back <= us && us - back <= 1, "{us} µs at {hz} Hz came back as {back}");
            }
        }
    }
}
