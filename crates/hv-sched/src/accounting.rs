//! CPU accounting: how much CPU each partition really got, and how its frames
//! ended.
//!
//! Why: the schedule says what each partition should get; this says what it
//! got, which is what the run report shows and what tells a timer that fires
//! late (an *overrun*: a partition still running past its frame's end by
//! more than a tolerance) from one that works. The kernel feeds it the TSC
//! deltas it measures around each entry; nothing here reads a clock.
//!
//! Shares are of all the time accounted, idle included
//! ([`CpuAccounting::charge_idle`]), so in cyclic mode a partition's share
//! can be compared directly with the fraction of the major frame it owns.

use crate::{PartitionId, MAX_PARTITIONS};

/// What one partition got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PartitionStats {
    /// CPU ticks charged (entry to exit, exit handling included).
    pub ticks: u64,
    /// Frames (or weighted turns) that ended, however they ended.
    pub frames_run: u64,
    /// Of those, frames the partition gave up early (HLT, `Yield`).
    pub frames_yielded: u64,
    /// Frames whose end the partition overran by more than the tolerance.
    pub overruns: u64,
    /// Largest lateness seen: ticks between a frame's end and the exit that
    /// ended it.
    pub max_lateness: u64,
}

/// Per-partition CPU accounting over fixed tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuAccounting {
    /// Statistics by partition index.
    stats: [PartitionStats; MAX_PARTITIONS],
    /// Whether anything was ever recorded for the partition.
    seen: [bool; MAX_PARTITIONS],
    /// Ticks during which no partition ran.
    idle: u64,
    /// Lateness at or below which a frame end is not an overrun.
    overrun_tolerance: u64,
}

impl CpuAccounting {
    /// Empty accounting. A frame that ends more than `overrun_tolerance_ticks`
    /// after its deadline counts as an overrun; a sensible tolerance is the
    /// timer's granularity plus the expected exit latency.
    #[must_use]
    pub const fn new(overrun_tolerance_ticks: u64) -> Self {
        Self {
            stats: [PartitionStats { ticks: 0, frames_run: 0, frames_yielded: 0, overruns: 0, max_lateness: 0 };
                MAX_PARTITIONS],
            seen: [false; MAX_PARTITIONS],
            idle: 0,
            overrun_tolerance: overrun_tolerance_ticks,
        }
    }

    /// The overrun tolerance in ticks.
    #[must_use]
    pub const fn overrun_tolerance(&self) -> u64 {
        self.overrun_tolerance
    }

    /// Adds `ticks` of CPU to `partition` (saturating). Ids outside the
    /// tables are ignored.
    pub fn charge(&mut self, partition: PartitionId, ticks: u64) {
        if let Some(stats) = self.entry(partition) {
            stats.ticks = stats.ticks.saturating_add(ticks);
        }
    }

    /// Adds `ticks` during which no partition ran.
    pub fn charge_idle(&mut self, ticks: u64) {
        self.idle = self.idle.saturating_add(ticks);
    }

    /// Records that `partition`'s frame ended because its deadline
    /// `frame_end` passed, the exit that ended it coming at `exit_tsc`.
    /// Returns whether that was an overrun (late by more than the tolerance).
    pub fn frame_preempted(&mut self, partition: PartitionId, exit_tsc: u64, frame_end: u64) -> bool {
        let tolerance = self.overrun_tolerance;
        let Some(stats) = self.entry(partition) else { return false };
        let lateness = exit_tsc.saturating_sub(frame_end);
        stats.frames_run += 1;
        stats.max_lateness = stats.max_lateness.max(lateness);
        let overrun = lateness > tolerance;
        stats.overruns += u64::from(overrun);
        overrun
    }

    /// Records that `partition` gave up the rest of its frame (HLT, `Yield`).
    pub fn frame_yielded(&mut self, partition: PartitionId) {
        if let Some(stats) = self.entry(partition) {
            stats.frames_run += 1;
            stats.frames_yielded += 1;
        }
    }

    /// Everything recorded for `partition` (all zero if nothing was).
    #[must_use]
    pub fn stats(&self, partition: PartitionId) -> PartitionStats {
        self.stats.get(partition.index()).copied().unwrap_or_default()
    }

    /// Ticks charged to all partitions together.
    #[must_use]
    pub fn busy_ticks(&self) -> u64 {
        self.stats.iter().fold(0, |sum, s| sum.saturating_add(s.ticks))
    }

    /// Ticks charged as idle.
    #[must_use]
    pub const fn idle_ticks(&self) -> u64 {
        self.idle
    }

    /// All the time accounted: busy plus idle.
    #[must_use]
    pub fn total_ticks(&self) -> u64 {
        self.busy_ticks().saturating_add(self.idle)
    }

    /// `partition`'s ticks and their share of [`total_ticks`](Self::total_ticks)
    /// in permille (rounded down; 0 when nothing was accounted).
    #[must_use]
    pub fn share(&self, partition: PartitionId) -> (u64, u32) {
        let ticks = self.stats(partition).ticks;
        (ticks, permille(ticks, self.total_ticks()))
    }

    /// `(partition, ticks, permille of the total)` for every partition
    /// anything was recorded for, by increasing id.
    pub fn report(&self) -> impl Iterator<Item = (PartitionId, u64, u32)> + '_ {
        let total = self.total_ticks();
        PartitionId::all()
            .zip(self.stats.iter().zip(self.seen.iter()))
            .filter(|(_, (_, seen))| **seen)
            .map(move |(id, (stats, _))| (id, stats.ticks, permille(stats.ticks, total)))
    }

    /// The statistics of `partition`, marked as seen; `None` for ids outside
    /// the tables.
    fn entry(&mut self, partition: PartitionId) -> Option<&mut PartitionStats> {
        let index = partition.index();
        *self.seen.get_mut(index)? = true;
        self.stats.get_mut(index)
    }
}

/// `part` as thousandths of `whole`, rounded down, at most 1000; 0 when
/// `whole` is 0.
#[must_use]
pub fn permille(part: u64, whole: u64) -> u32 {
    if whole == 0 {
        return 0;
    }
    let thousandths = (u128::from(part) * 1_000 / u128::from(whole)).min(1_000);
    u32::try_from(thousandths).unwrap_or(1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: PartitionId = PartitionId(0);
    const B: PartitionId = PartitionId(3);

    #[test]
    fn charges_add_up_per_partition_and_in_total() {
        let mut acct = CpuAccounting::new(0);
        acct.charge(A, 100);
        acct.charge(B, 250);
        acct.charge(A, 50);
        acct.charge_idle(600);
        assert_eq!(acct.stats(A).ticks, 150);
        assert_eq!(acct.stats(B).ticks, 250);
        assert_eq!((acct.busy_ticks(), acct.idle_ticks(), acct.total_ticks()), (400, 600, 1_000));
        assert_eq!(acct.share(A), (150, 150));
        assert_eq!(acct.share(B), (250, 250));
        assert_eq!(acct.share(PartitionId(9)), (0, 0));
    }

    #[test]
    fn permille_rounds_down_and_handles_the_edges() {
        assert_eq!(permille(1, 3), 333);
        assert_eq!(permille(2, 3), 666);
        assert_eq!(permille(999, 1_000), 999);
        assert_eq!(permille(7, 7), 1_000);
        assert_eq!(permille(5, 0), 0);
        assert_eq!(permille(u64::MAX, u64::MAX), 1_000, "no overflow in the product");
        assert_eq!(permille(u64::MAX / 2, u64::MAX), 499);
        assert_eq!(permille(10, 5), 1_000, "clamped");
    }

    #[test]
    fn nothing_accounted_means_zero_shares() {
        let acct = CpuAccounting::new(0);
        assert_eq!(acct.total_ticks(), 0);
        assert_eq!(acct.share(A), (0, 0));
        assert_eq!(acct.report().count(), 0);
    }

    #[test]
    fn report_lists_partitions_seen_in_id_order() {
        let mut acct = CpuAccounting::new(0);
        acct.charge(B, 300);
        acct.charge(A, 100);
        acct.frame_yielded(PartitionId(7)); // seen, but charged nothing
        acct.charge_idle(600);
        let report: Vec<_> = acct.report().collect();
        assert_eq!(report, [(A, 100, 100), (B, 300, 300), (PartitionId(7), 0, 0)]);
        assert!(report.iter().map(|&(_, _, pm)| pm).sum::<u32>() <= 1_000);
    }

    #[test]
    fn overruns_are_lateness_beyond_the_tolerance() {
        let mut acct = CpuAccounting::new(40);
        assert!(!acct.frame_preempted(A, 1_000, 1_000), "on time");
        assert!(!acct.frame_preempted(A, 1_040, 1_000), "exactly the tolerance");
        assert!(acct.frame_preempted(A, 1_041, 1_000), "one tick more");
        assert!(!acct.frame_preempted(A, 990, 1_000), "an exit before the end is not late");
        let stats = acct.stats(A);
        assert_eq!((stats.frames_run, stats.frames_yielded, stats.overruns, stats.max_lateness), (4, 0, 1, 41));
        assert_eq!(acct.overrun_tolerance(), 40);
    }

    #[test]
    fn yields_count_as_frames_run_early() {
        let mut acct = CpuAccounting::new(0);
        acct.frame_yielded(B);
        acct.frame_yielded(B);
        acct.frame_preempted(B, 5, 5);
        let stats = acct.stats(B);
        assert_eq!((stats.frames_run, stats.frames_yielded, stats.overruns), (3, 2, 0));
        assert_eq!(acct.stats(A), PartitionStats::default());
    }

    #[test]
    fn ids_outside_the_tables_are_ignored() {
        let mut acct = CpuAccounting::new(0);
        let out = PartitionId(16);
        acct.charge(out, 100);
        acct.frame_yielded(out);
        assert!(!acct.frame_preempted(out, 10_000, 0));
        assert_eq!(acct.total_ticks(), 0);
        assert_eq!(acct.stats(out), PartitionStats::default());
        assert_eq!(acct.report().count(), 0);
    }

    #[test]
    fn counters_saturate() {
        let mut acct = CpuAccounting::new(0);
        acct.charge(A, u64::MAX);
        acct.charge(A, 1);
        acct.charge(B, 5);
        acct.charge_idle(u64::MAX);
        acct.charge_idle(1);
        assert_eq!(acct.stats(A).ticks, u64::MAX);
        assert_eq!((acct.busy_ticks(), acct.idle_ticks(), acct.total_ticks()), (u64::MAX, u64::MAX, u64::MAX));
    }
}
