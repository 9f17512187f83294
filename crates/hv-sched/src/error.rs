//! Why a schedule was refused.
//!
//! Schedules come from the user's manifest, so every mistake is reported with
//! the frame or partition involved, in words that can go straight into the
//! boot log; nothing is silently clamped or dropped.

use core::fmt;

use crate::{PartitionId, MAX_FRAMES, MAX_PARTITIONS};

/// Why a [`CyclicSchedule`](crate::CyclicSchedule) or
/// [`WeightedSchedule`](crate::WeightedSchedule) was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleError {
    /// The schedule declares no frame or no partition.
    Empty,
    /// More minor frames than [`MAX_FRAMES`].
    TooManyFrames {
        /// Frames declared.
        count: usize,
    },
    /// A minor frame lasts zero ticks.
    ZeroDuration {
        /// Index of the frame in the declaration.
        frame: usize,
    },
    /// The minor frames add up to more ticks than a `u64` holds.
    MajorFrameOverflow,
    /// A partition id is not below [`MAX_PARTITIONS`].
    PartitionOutOfRange {
        /// The offending id.
        partition: PartitionId,
    },
    /// A partition was given weight zero.
    ZeroWeight {
        /// The partition.
        partition: PartitionId,
    },
    /// A partition appears twice in a weighted schedule.
    DuplicatePartition {
        /// The partition.
        partition: PartitionId,
    },
    /// The weighted schedule's slice is zero ticks.
    ZeroSlice,
    /// The partition is not part of the weighted schedule.
    NotScheduled {
        /// The partition.
        partition: PartitionId,
    },
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "the schedule declares nothing to run"),
            Self::TooManyFrames { count } => {
                write!(f, "the schedule declares {count} minor frames; at most {MAX_FRAMES} are supported")
            }
            Self::ZeroDuration { frame } => write!(f, "minor frame {frame} lasts zero ticks"),
            Self::MajorFrameOverflow => write!(f, "the minor frames add up to more than 2^64 ticks"),
            Self::PartitionOutOfRange { partition } => {
                write!(f, "{partition} is out of range; ids go up to {}", MAX_PARTITIONS - 1)
            }
            Self::ZeroWeight { partition } => write!(f, "{partition} has weight zero"),
            Self::DuplicatePartition { partition } => write!(f, "{partition} is declared twice"),
            Self::ZeroSlice => write!(f, "the time slice is zero ticks"),
            Self::NotScheduled { partition } => write!(f, "{partition} is not in the schedule"),
        }
    }
}

impl core::error::Error for ScheduleError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_frame_or_partition() {
        assert_eq!(ScheduleError::ZeroDuration { frame: 4 }.to_string(), "minor frame 4 lasts zero ticks");
        let e = ScheduleError::PartitionOutOfRange { partition: PartitionId(20) };
        assert_eq!(e.to_string(), "partition 20 is out of range; ids go up to 15");
        assert!(ScheduleError::TooManyFrames { count: 65 }.to_string().contains("65 minor frames; at most 64"));
        assert!(ScheduleError::DuplicatePartition { partition: PartitionId(2) }.to_string().contains("partition 2"));
    }
}
