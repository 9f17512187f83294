//! The manifest as data: which partitions exist and how CPU time is shared
//! between them.
//!
//! This is what the TOML reader produces, what the binary codec carries into
//! the hypervisor, and what validation checks, so host and kernel apply the
//! same rules to the same structure.

use alloc::string::String;
use alloc::vec::Vec;

use crate::partition::PartitionConfig;

/// A partition manifest: the schedule and the partitions, in declaration
/// order (which is also the order partitions are created in).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// How CPU time is divided between the partitions.
    pub schedule: Schedule,
    /// The partitions.
    pub partitions: Vec<PartitionConfig>,
}

impl Manifest {
    /// The first partition named `name`.
    #[must_use]
    pub fn partition(&self, name: &str) -> Option<&PartitionConfig> {
        self.partitions.iter().find(|p| p.name == name)
    }

    /// The memory of all partitions together, in MiB.
    #[must_use]
    pub fn total_memory_mib(&self) -> u64 {
        self.partitions.iter().map(|p| u64::from(p.memory_mib)).sum()
    }
}

/// How the scheduler divides CPU time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// ARINC-653-style time partitioning: a major frame of fixed length,
    /// repeated forever, split into minor frames that each belong to one
    /// partition. A partition runs only in its own frames, so its timing does
    /// not depend on what the others do.
    Cyclic {
        /// Length of the major frame in microseconds; the frames' durations
        /// add up to it.
        major_frame_us: u32,
        /// The minor frames, in the order they run.
        frames: Vec<Frame>,
    },
    /// Weighted round-robin: runnable partitions take turns, each turn of
    /// `slice_us` microseconds, a partition getting turns in proportion to its
    /// [`share`](PartitionConfig::share).
    Weighted {
        /// Length of one time slice in microseconds.
        slice_us: u32,
    },
}

/// One minor frame of a cyclic schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The partition that runs in this frame.
    pub partition: String,
    /// How long the frame lasts, in microseconds.
    pub duration_us: u32,
}

#[cfg(test)]
mod tests {
    use crate::test_support::default_manifest;

    #[test]
    fn partitions_are_found_by_name_and_memory_adds_up() {
        let manifest = default_manifest();
        assert_eq!(manifest.partition("realmode").map(|p| p.memory_mib), Some(2));
        assert!(manifest.partition("missing").is_none());
        assert_eq!(manifest.total_memory_mib(), 16 + 2 + 16);
    }
}
