//! Partition identifiers as the scheduler sees them.
//!
//! The scheduler knows nothing of a partition's name, memory or state: only a
//! small number that indexes its fixed-size tables. The kernel maps its own
//! partitions to these ids (typically their position in the manifest), which
//! keeps this crate free of the kernel's types and its tables free of `alloc`.

use core::fmt;

/// Most partitions a schedule or an accounting table can track; valid ids are
/// `0..MAX_PARTITIONS`.
pub const MAX_PARTITIONS: usize = 16;

/// A partition, by its index in the kernel's partition table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartitionId(pub u8);

impl PartitionId {
    /// The id as a table index.
    #[must_use]
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// Whether the id fits the scheduler's tables (`< MAX_PARTITIONS`).
    #[must_use]
    pub const fn is_valid(self) -> bool {
        self.index() < MAX_PARTITIONS
    }

    /// Every valid id, in increasing order.
    pub(crate) fn all() -> impl Iterator<Item = Self> {
        (0..=u8::MAX).take(MAX_PARTITIONS).map(Self)
    }
}

impl fmt::Display for PartitionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "partition {}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_ends_at_max_partitions() {
        assert!(PartitionId(0).is_valid());
        assert!(PartitionId(15).is_valid());
        assert!(!PartitionId(16).is_valid());
        assert!(!PartitionId(255).is_valid());
        assert_eq!(PartitionId(7).index(), 7);
    }

    #[test]
    fn all_lists_exactly_the_valid_ids_in_order() {
        let ids: Vec<_> = PartitionId::all().collect();
        assert_eq!(ids.len(), MAX_PARTITIONS);
        assert!(ids.iter().enumerate().all(|(i, id)| id.index() == i && id.is_valid()));
    }

    #[test]
    fn display_names_the_number() {
        assert_eq!(PartitionId(3).to_string(), "partition 3");
    }
}
