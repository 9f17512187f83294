//! The weighted schedule: over time, each runnable partition gets the CPU in
//! proportion to its weight.
//!
//! Why: not every system wants fixed windows; a proportional share uses the
//! whole CPU (time a partition does not want goes to the others) while still
//! bounding what each partition gets relative to the rest.
//!
//! # Stride scheduling
//!
//! The scheme is stride scheduling (Waldspurger and Weihl, 1995) charged with
//! the time really used. Each partition has a virtual time, its *pass*;
//! running `t` ticks advances it by `t * 2^32 / weight`, so a heavier
//! partition's pass grows more slowly. [`WeightedSchedule::pick`] chooses the
//! eligible partition with the smallest pass (ties: the lowest id), which
//! makes the outcome deterministic and the shares converge within a slice or
//! so of any window: at any moment the CPU time two always-runnable
//! partitions received differs from their weight ratio by at most about one
//! slice.
//!
//! Charging the real time ([`WeightedSchedule::charge`]) rather than a whole
//! slice per turn is what keeps a partition that yields early from losing
//! out: it is charged less, so its pass stays low and it is picked again
//! sooner, until its CPU time catches up with its weight.
//!
//! # No banking while asleep
//!
//! A partition that was not eligible (not runnable, or filtered out by the
//! kernel) must not come back with a pass far behind the others and then
//! monopolise the CPU to "catch up". When it becomes eligible again its pass
//! is raised to the schedule's virtual time (the pass of the last partition
//! picked), so it rejoins at the front of the queue but with no credit for
//! the time it did not want. Partitions added later join the same way.

#[cfg(test)]
mod tests;

use crate::{PartitionId, ScheduleError, MAX_PARTITIONS};

/// Virtual-time units per tick at weight 1. With `u32` weights every charge
/// of at least one tick advances the pass by at least one unit, and a `u128`
/// pass cannot overflow at any realistic TSC rate.
const VTIME_PER_TICK: u128 = 1 << 32;

/// One partition in the schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Member {
    /// Its weight (never 0).
    weight: u32,
    /// Its virtual time.
    pass: u128,
    /// Whether the kernel declared it runnable ([`WeightedSchedule::set_runnable`]).
    runnable: bool,
    /// Whether it was eligible at the last pick (to detect its return).
    was_eligible: bool,
}

impl Member {
    /// A member joining at virtual time `vtime`.
    const fn joining(weight: u32, vtime: u128) -> Self {
        Self { weight, pass: vtime, runnable: true, was_eligible: false }
    }
}

/// A proportional-share schedule of at most [`MAX_PARTITIONS`] partitions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightedSchedule {
    /// Members by partition index.
    members: [Option<Member>; MAX_PARTITIONS],
    /// The turn length the kernel programs.
    slice: u64,
    /// Pass of the last partition picked: where (re)joining partitions start.
    vtime: u128,
}

impl WeightedSchedule {
    /// Builds the schedule: each partition with its weight, all runnable;
    /// one turn lasts at most `slice_ticks`.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::ZeroSlice`], [`ScheduleError::Empty`] without
    /// partitions, [`ScheduleError::PartitionOutOfRange`],
    /// [`ScheduleError::ZeroWeight`] and
    /// [`ScheduleError::DuplicatePartition`].
    pub fn new(weights: &[(PartitionId, u32)], slice_ticks: u64) -> Result<Self, ScheduleError> {
        if slice_ticks == 0 {
            return Err(ScheduleError::ZeroSlice);
        }
        if weights.is_empty() {
            return Err(ScheduleError::Empty);
        }
        let mut schedule = Self { members: [None; MAX_PARTITIONS], slice: slice_ticks, vtime: 0 };
        for &(partition, weight) in weights {
            schedule.add(partition, weight)?;
        }
        Ok(schedule)
    }

    /// The longest turn, in ticks: what the kernel programs the timer for
    /// after each [`pick`](Self::pick).
    #[must_use]
    pub const fn slice_ticks(&self) -> u64 {
        self.slice
    }

    /// Adds `partition` with `weight`, runnable. It joins at the current
    /// virtual time: no credit for the time before it existed.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::PartitionOutOfRange`], [`ScheduleError::ZeroWeight`],
    /// [`ScheduleError::DuplicatePartition`] if it is already a member.
    pub fn add(&mut self, partition: PartitionId, weight: u32) -> Result<(), ScheduleError> {
        let slot = self.members.get_mut(partition.index()).ok_or(ScheduleError::PartitionOutOfRange { partition })?;
        if weight == 0 {
            return Err(ScheduleError::ZeroWeight { partition });
        }
        if slot.is_some() {
            return Err(ScheduleError::DuplicatePartition { partition });
        }
        *slot = Some(Member::joining(weight, self.vtime));
        Ok(())
    }

    /// Removes `partition` (stopped for good); the others share its time
    /// from the next pick on.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::NotScheduled`] if it is not a member.
    pub fn remove(&mut self, partition: PartitionId) -> Result<(), ScheduleError> {
        self.member_mut(partition)?;
        self.members[partition.index()] = None;
        Ok(())
    }

    /// Changes `partition`'s weight; its past charges stand, its future ones
    /// use the new weight.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::ZeroWeight`], [`ScheduleError::NotScheduled`].
    pub fn set_weight(&mut self, partition: PartitionId, weight: u32) -> Result<(), ScheduleError> {
        if weight == 0 {
            return Err(ScheduleError::ZeroWeight { partition });
        }
        self.member_mut(partition)?.weight = weight;
        Ok(())
    }

    /// Declares whether `partition` may be picked (for state the scheduler
    /// should remember, such as "stopped, may be restarted"; transient state
    /// can go through [`pick`](Self::pick)'s filter instead). Coming back
    /// does not bring credit for the time away.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::NotScheduled`].
    pub fn set_runnable(&mut self, partition: PartitionId, runnable: bool) -> Result<(), ScheduleError> {
        self.member_mut(partition)?.runnable = runnable;
        Ok(())
    }

    /// `partition`'s weight, `None` if it is not a member.
    #[must_use]
    pub fn weight(&self, partition: PartitionId) -> Option<u32> {
        self.member(partition).map(|m| m.weight)
    }

    /// Whether `partition` is a member declared runnable.
    #[must_use]
    pub fn is_runnable(&self, partition: PartitionId) -> bool {
        self.member(partition).is_some_and(|m| m.runnable)
    }

    /// The members and their weights, by increasing id.
    pub fn members(&self) -> impl Iterator<Item = (PartitionId, u32)> + '_ {
        PartitionId::all().zip(self.members.iter()).filter_map(|(id, m)| m.map(|m| (id, m.weight)))
    }

    /// The partition to run next: among members declared runnable for which
    /// `runnable` also returns true, the one with the smallest pass (ties:
    /// the lowest id). `None` if there is none. The kernel runs it for up to
    /// [`slice_ticks`](Self::slice_ticks), then [`charge`](Self::charge)s
    /// what it used.
    pub fn pick(&mut self, runnable: impl Fn(PartitionId) -> bool) -> Option<PartitionId> {
        let vtime = self.vtime;
        let mut best: Option<(PartitionId, u128)> = None;
        for (id, slot) in PartitionId::all().zip(self.members.iter_mut()) {
            let Some(member) = slot else { continue };
            let eligible = member.runnable && runnable(id);
            if eligible && !member.was_eligible {
                member.pass = member.pass.max(vtime);
            }
            member.was_eligible = eligible;
            if eligible && best.is_none_or(|(_, pass)| member.pass < pass) {
                best = Some((id, member.pass));
            }
        }
        let (id, pass) = best?;
        self.vtime = self.vtime.max(pass);
        Some(id)
    }

    /// Charges `partition` for `used_ticks` of CPU (the real length of its
    /// turn, so a partition that yields early pays less). A charge of 0
    /// counts as one tick, so even a partition that yields at once cannot be
    /// picked forever. Charges to non-members are ignored (the partition may
    /// have been removed during its turn).
    pub fn charge(&mut self, partition: PartitionId, used_ticks: u64) {
        if let Ok(member) = self.member_mut(partition) {
            let advance = u128::from(used_ticks.max(1)) * VTIME_PER_TICK / u128::from(member.weight);
            member.pass = member.pass.saturating_add(advance);
        }
    }

    /// The member `partition`, if it is one.
    fn member(&self, partition: PartitionId) -> Option<&Member> {
        self.members.get(partition.index()).and_then(Option::as_ref)
    }

    /// The member `partition`, or why not.
    fn member_mut(&mut self, partition: PartitionId) -> Result<&mut Member, ScheduleError> {
        self.members
            .get_mut(partition.index())
            .and_then(Option::as_mut)
            .ok_or(ScheduleError::NotScheduled { partition })
    }
}
