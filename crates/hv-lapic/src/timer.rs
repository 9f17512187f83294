//! The APIC timer (SDM Vol. 3A 11.5.4): a 32-bit down-counter clocked by
//! the timer clock divided by the divide configuration, in one-shot or
//! periodic mode, or, in TSC-deadline mode (11.5.4.1), a comparator on the
//! TSC set through IA32_TSC_DEADLINE.
//!
//! Nothing ticks: the counter's value and its expiries are computed from
//! the TSC time of arming and the `now` each call passes in.

use crate::lvt::TimerMode;

/// The clocks the timer runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerClock {
    /// TSC ticks per second.
    pub tsc_hz: u64,
    /// Timer-clock ticks per second before the divider (the "bus" or
    /// crystal clock; the hypervisor reports it in CPUID leaf 0x15 and
    /// 0x40000010).
    pub timer_hz: u64,
}

impl TimerClock {
    /// Timer ticks (after dividing by `divisor`) in `tsc` TSC ticks.
    fn ticks_in(self, tsc: u64, divisor: u32) -> u64 {
        let denominator = u128::from(self.tsc_hz.max(1)) * u128::from(divisor);
        let ticks = u128::from(tsc) * u128::from(self.timer_hz) / denominator;
        u64::try_from(ticks).unwrap_or(u64::MAX)
    }

    /// The TSC ticks that `ticks` divided timer ticks take, rounded up so
    /// that [`ticks_in`](Self::ticks_in) of the result is at least `ticks`.
    fn tsc_for(self, ticks: u64, divisor: u32) -> u64 {
        let numerator = u128::from(ticks) * u128::from(divisor) * u128::from(self.tsc_hz);
        let hz = u128::from(self.timer_hz.max(1));
        u64::try_from(numerator.div_ceil(hz)).unwrap_or(u64::MAX)
    }
}

/// The divisor selected by the divide configuration register (bits 0, 1
/// and 3; SDM Figure 11-10): 000 = 2, 001 = 4, ..., 110 = 128, 111 = 1.
pub const fn divisor(config: u32) -> u32 {
    let code = (config & 0b11) | ((config >> 1) & 0b100);
    if code == 0b111 {
        1
    } else {
        2 << code
    }
}

/// The timer's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timer {
    /// Initial-count register.
    pub initial: u32,
    /// Divide configuration register (bits 0, 1, 3).
    pub divide: u32,
    /// TSC time the count started (one-shot/periodic), when armed.
    start: Option<u64>,
    /// Periods already reported as expired (periodic), or 1 once a
    /// one-shot count has expired.
    expired: u64,
    /// IA32_TSC_DEADLINE, 0 when disarmed.
    pub deadline: u64,
}

impl Timer {
    /// Starts counting from `initial` at `now` (a write of the
    /// initial-count register; 0 stops the timer).
    pub fn start(&mut self, initial: u32, now: u64) {
        self.initial = initial;
        self.start = (initial != 0).then_some(now);
        self.expired = 0;
    }

    /// Stops the count and disarms the deadline (a change of timer mode,
    /// SDM 11.5.4.1, or an APIC reset).
    pub fn disarm(&mut self) {
        self.start = None;
        self.expired = 0;
        self.deadline = 0;
    }

    /// The current-count register at `now` in `mode`.
    pub fn current(&self, mode: TimerMode, clock: TimerClock, now: u64) -> u32 {
        let Some(start) = self.start else { return 0 };
        if mode == TimerMode::TscDeadline || self.initial == 0 {
            return 0;
        }
        let elapsed = clock.ticks_in(now.saturating_sub(start), divisor(self.divide));
        let initial = u64::from(self.initial);
        let left = match mode {
            TimerMode::Periodic => initial - elapsed % initial,
            _ => initial.saturating_sub(elapsed),
        };
        u32::try_from(left).unwrap_or(u32::MAX)
    }

    /// How many times the timer expired since the last call, at `now`:
    /// 0 or 1 for one-shot and TSC-deadline (which disarm), the number of
    /// whole periods for periodic mode.
    pub fn poll(&mut self, mode: TimerMode, clock: TimerClock, now: u64) -> u64 {
        match mode {
            TimerMode::TscDeadline => {
                if self.deadline != 0 && now >= self.deadline {
                    self.deadline = 0;
                    1
                } else {
                    0
                }
            }
            TimerMode::OneShot | TimerMode::Periodic => {
                let Some(start) = self.start else { return 0 };
                if self.initial == 0 {
                    return 0;
                }
                let elapsed = clock.ticks_in(now.saturating_sub(start), divisor(self.divide));
                let periods = elapsed / u64::from(self.initial);
                if mode == TimerMode::OneShot {
                    if periods >= 1 && self.expired == 0 {
                        self.expired = 1;
                        self.start = None;
                        return 1;
                    }
                    return 0;
                }
                let new = periods.saturating_sub(self.expired);
                self.expired = periods;
                new
            }
        }
    }

    /// The TSC time of the next expiry after the ones already polled, if
    /// the timer is armed.
    pub fn next_expiry(&self, mode: TimerMode, clock: TimerClock) -> Option<u64> {
        match mode {
            TimerMode::TscDeadline => (self.deadline != 0).then_some(self.deadline),
            TimerMode::OneShot | TimerMode::Periodic => {
                let start = self.start?;
                if self.initial == 0 {
                    return None;
                }
                let periods = if mode == TimerMode::OneShot { 1 } else { self.expired.saturating_add(1) };
                let ticks = periods.saturating_mul(u64::from(self.initial));
                Some(start.saturating_add(clock.tsc_for(ticks, divisor(self.divide))))
            }
        }
    }
}
