//! The cyclic schedule (ARINC 653 style): a major frame made of minor frames,
//! each owned by one partition, repeated forever from an absolute start.
//!
//! Why: time partitioning promises each partition its declared windows
//! whatever the other partitions do, so the windows must not move.
//!
//! # Anchoring: no drift, ever
//!
//! Minor frame `k` of major frame `n` starts at
//! `start_tsc + n * major + offset_k`, where `offset_k` is the sum of the
//! durations before frame `k`. Every [`Slot`] is computed from that formula
//! and the current TSC, never as "now + duration": the kernel is always a
//! little late (exit latency, handling, the timer's granularity) and a
//! schedule that accumulates from "now" accumulates that lateness too. Xen's
//! ARINC 653 scheduler did exactly that and drifted by 3.5 ms after 21 major
//! frames; here a late kernel merely starts the frame late, and the frame
//! still ends on its anchored boundary. If the kernel is late by more than a
//! whole frame, [`CyclicSchedule::slot_at`] skips the frames whose time has
//! passed rather than running them late.
//!
//! # Unused time belongs to nobody
//!
//! As in ARINC 653, a frame is its owner's and no one else's: a partition
//! that halts or yields gives up the rest of its frame, and the CPU idles
//! until the next boundary ([`CyclicSchedule::idle_until`]). The same holds
//! for a partition that is stopped for good (no restart): the schedule does
//! not change and `slot_at` keeps returning its frames, which the kernel
//! idles through. A frame may even name an id the kernel never created; it is
//! then a pure idle window (spare time, deliberately left free). Giving unused
//! time to others would make every partition's timing depend on the others'
//! behaviour, which is what time partitioning exists to prevent.

#[cfg(test)]
mod tests;

use crate::{PartitionId, ScheduleError, Slot};

/// Most minor frames a [`CyclicSchedule`] holds.
pub const MAX_FRAMES: usize = 64;

/// One declared minor frame: who owns it and where it lies in the major frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct MinorFrame {
    /// The owner.
    partition: PartitionId,
    /// Ticks from the start of the major frame to the start of this frame.
    offset: u64,
    /// Length in ticks (never 0 once declared).
    duration: u64,
}

impl MinorFrame {
    /// Filler for the unused part of the table.
    const UNUSED: Self = Self { partition: PartitionId(0), offset: 0, duration: 0 };
}

/// A validated cyclic schedule anchored at an absolute TSC value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CyclicSchedule {
    /// The declared frames in `..len`, `UNUSED` after.
    frames: [MinorFrame; MAX_FRAMES],
    /// Frames declared (1..=MAX_FRAMES).
    len: usize,
    /// Sum of the durations (the major frame), never 0.
    major: u64,
    /// TSC value at which major frame 0 begins.
    start: u64,
}

impl CyclicSchedule {
    /// Builds the schedule: `frames` in order, each a partition and a
    /// duration in ticks, repeated from `start_tsc` on. A partition may own
    /// several frames.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::Empty`] without frames,
    /// [`ScheduleError::TooManyFrames`] beyond [`MAX_FRAMES`],
    /// [`ScheduleError::PartitionOutOfRange`] for an id not below
    /// [`MAX_PARTITIONS`](crate::MAX_PARTITIONS),
    /// [`ScheduleError::ZeroDuration`] for an empty frame, and
    /// [`ScheduleError::MajorFrameOverflow`] if the durations add up beyond
    /// `u64`.
    pub fn new(frames: &[(PartitionId, u64)], start_tsc: u64) -> Result<Self, ScheduleError> {
        if frames.is_empty() {
            return Err(ScheduleError::Empty);
        }
        if frames.len() > MAX_FRAMES {
            return Err(ScheduleError::TooManyFrames { count: frames.len() });
        }
        let mut table = [MinorFrame::UNUSED; MAX_FRAMES];
        let mut offset = 0u64;
        for (index, (&(partition, duration), entry)) in frames.iter().zip(table.iter_mut()).enumerate() {
            if !partition.is_valid() {
                return Err(ScheduleError::PartitionOutOfRange { partition });
            }
            if duration == 0 {
                return Err(ScheduleError::ZeroDuration { frame: index });
            }
            *entry = MinorFrame { partition, offset, duration };
            offset = offset.checked_add(duration).ok_or(ScheduleError::MajorFrameOverflow)?;
        }
        Ok(Self { frames: table, len: frames.len(), major: offset, start: start_tsc })
    }

    /// Length of the major frame in ticks (the sum of the minor frames).
    #[must_use]
    pub const fn major_frame(&self) -> u64 {
        self.major
    }

    /// TSC value at which the first major frame begins.
    #[must_use]
    pub const fn start_tsc(&self) -> u64 {
        self.start
    }

    /// Number of minor frames.
    #[must_use]
    pub const fn frame_count(&self) -> usize {
        self.len
    }

    /// The declared frames, in order, as `(partition, duration)`.
    pub fn frames(&self) -> impl Iterator<Item = (PartitionId, u64)> + '_ {
        self.declared().iter().map(|f| (f.partition, f.duration))
    }

    /// Ticks per major frame that belong to `partition` (0 if it owns no
    /// frame). Divided by [`major_frame`](Self::major_frame), this is the
    /// CPU share the schedule promises it.
    #[must_use]
    pub fn ticks_per_major_frame(&self, partition: PartitionId) -> u64 {
        self.declared().iter().filter(|f| f.partition == partition).map(|f| f.duration).sum()
    }

    /// The slot containing `now`.
    ///
    /// Before `start_tsc` this is frame 0 of major frame 0, which starts at
    /// `start_tsc`, so `now < slot.start`: the kernel must idle until
    /// `slot.start` rather than run the partition early. Times beyond
    /// `u64::MAX` (some 195 years of a 3 GHz TSC) saturate.
    #[must_use]
    pub fn slot_at(&self, now: u64) -> Slot {
        let Some(elapsed) = now.checked_sub(self.start) else {
            return self.slot(0, 0);
        };
        let major_frame = elapsed / self.major;
        let within = elapsed % self.major;
        // Offsets increase strictly (no frame is empty) and frame 0's is 0,
        // so at least one frame starts at or before `within`.
        let index = self.declared().partition_point(|f| f.offset <= within).saturating_sub(1);
        self.slot(major_frame, index)
    }

    /// The slot that follows `slot` (which must come from this schedule),
    /// wrapping into the next major frame. It starts exactly at `slot.end`.
    ///
    /// For looking ahead; after a frame ends the kernel asks
    /// [`slot_at`](Self::slot_at) with the current TSC instead, so that
    /// frames whose time has already passed are skipped, not run late.
    #[must_use]
    pub fn next_slot_after(&self, slot: &Slot) -> Slot {
        let next = slot.frame_index.saturating_add(1);
        if next < self.len {
            self.slot(slot.major_frame, next)
        } else {
            self.slot(slot.major_frame.saturating_add(1), 0)
        }
    }

    /// Until when the CPU stays idle if the partition owning the current
    /// frame does not run (it halted, yielded, is stopped or does not exist):
    /// the end of the slot containing `now`, or `start_tsc` before the
    /// schedule has started. The time in between is given to no one.
    #[must_use]
    pub fn idle_until(&self, now: u64) -> u64 {
        let slot = self.slot_at(now);
        if now < slot.start {
            slot.start
        } else {
            slot.end
        }
    }

    /// The declared frames.
    fn declared(&self) -> &[MinorFrame] {
        &self.frames[..self.len]
    }

    /// Minor frame `index` of major frame `major_frame`, from the anchored
    /// formula (`index < len`).
    fn slot(&self, major_frame: u64, index: usize) -> Slot {
        let frame = self.frames[index];
        let start =
            u128::from(self.start) + u128::from(major_frame) * u128::from(self.major) + u128::from(frame.offset);
        let end = start + u128::from(frame.duration);
        Slot { partition: frame.partition, frame_index: index, major_frame, start: saturate(start), end: saturate(end) }
    }
}

/// `t` as a TSC value, `u64::MAX` if beyond.
fn saturate(t: u128) -> u64 {
    u64::try_from(t).unwrap_or(u64::MAX)
}
