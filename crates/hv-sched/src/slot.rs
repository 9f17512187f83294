//! A slot: one minor frame of one particular major frame, in absolute TSC
//! values.
//!
//! The kernel holds on to the slot it is running so that it knows the
//! deadline to program and can tell "the same frame again" (after an early
//! timer exit, or a partition that already gave its frame up) from "the next
//! frame" by plain equality.

use crate::PartitionId;

/// One occurrence of a minor frame: the half-open TSC interval
/// `start..end` belongs to `partition`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Slot {
    /// Who owns the interval.
    pub partition: PartitionId,
    /// Index of the minor frame in the declared schedule.
    pub frame_index: usize,
    /// Number of the major frame (0 for the first), counted from the
    /// schedule's start.
    pub major_frame: u64,
    /// First TSC value of the interval.
    pub start: u64,
    /// First TSC value after the interval (the deadline).
    pub end: u64,
}

impl Slot {
    /// Whether `now` lies inside the slot.
    #[must_use]
    pub const fn contains(&self, now: u64) -> bool {
        self.start <= now && now < self.end
    }

    /// Ticks left until the slot ends, as seen at `now` (0 once it has
    /// ended). This is what the preemption timer is programmed with.
    #[must_use]
    pub const fn remaining(&self, now: u64) -> u64 {
        self.end.saturating_sub(now)
    }

    /// Length of the slot in ticks.
    #[must_use]
    pub const fn duration(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLOT: Slot = Slot { partition: PartitionId(1), frame_index: 0, major_frame: 0, start: 100, end: 150 };

    #[test]
    fn interval_is_half_open() {
        assert!(!SLOT.contains(99));
        assert!(SLOT.contains(100));
        assert!(SLOT.contains(149));
        assert!(!SLOT.contains(150));
    }

    #[test]
    fn remaining_counts_down_to_zero() {
        assert_eq!(SLOT.remaining(100), 50);
        assert_eq!(SLOT.remaining(149), 1);
        assert_eq!(SLOT.remaining(150), 0);
        assert_eq!(SLOT.remaining(10_000), 0);
        assert_eq!(SLOT.duration(), 50);
    }
}
