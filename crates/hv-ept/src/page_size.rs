//! Page sizes and the geometry of the 4-level EPT walk.
//!
//! An EPT paging structure is a 4 KiB table of 512 eight-byte entries; each
//! level of the walk consumes 9 bits of the guest-physical address (SDM Vol. 3C
//! 29.3.2, "EPT Translation Mechanism"): bits 47:39 select the PML4 entry
//! (level 4), 38:30 the PDPTE (level 3), 29:21 the PDE (level 2) and 20:12 the
//! PTE (level 1). An entry at level `n` therefore covers `4 KiB << 9 * (n - 1)`
//! bytes, and a leaf there maps a page of that size: 4 KiB (PTE), 2 MiB (PDE
//! with bit 7 set) or 1 GiB (PDPTE with bit 7 set). Keeping these numbers in one
//! place is what lets the walkers treat every level alike.

/// Entries in one EPT paging structure (SDM Vol. 3C 29.3.2).
pub(crate) const ENTRIES: usize = 512;

/// Size of one EPT paging structure, and of the smallest page, in bytes.
pub(crate) const TABLE_SIZE: u64 = 4096;

/// Number of levels of the walk this crate builds (EPTP page-walk length 4).
pub(crate) const WALK_LEVELS: u8 = 4;

/// First guest-physical address a 4-level walk cannot translate (`2^48`).
pub(crate) const GPA_LIMIT: u64 = 1 << 48;

/// Address bits consumed below level `level`: 12 for level 1, 21, 30, 39.
pub(crate) const fn level_shift(level: u8) -> u32 {
    12 + 9 * (level as u32 - 1)
}

/// Bytes covered by one entry at `level` (1 ..= 4).
pub(crate) const fn level_size(level: u8) -> u64 {
    1 << level_shift(level)
}

/// Index of the entry at `level` that translates `gpa`.
pub(crate) fn index(gpa: u64, level: u8) -> usize {
    #[expect(clippy::cast_possible_truncation, reason = "masked to 9 bits")]
    let index = ((gpa >> level_shift(level)) & (ENTRIES as u64 - 1)) as usize;
    index
}

/// The size of a page mapped by an EPT leaf entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PageSize {
    /// 4 KiB, mapped by a PTE (level 1).
    Size4KiB,
    /// 2 MiB, mapped by a PDE with bit 7 set (level 2).
    Size2MiB,
    /// 1 GiB, mapped by a PDPTE with bit 7 set (level 3).
    Size1GiB,
}

impl PageSize {
    /// The page size in bytes.
    #[must_use]
    pub const fn bytes(self) -> u64 {
        level_size(self.level())
    }

    /// The walk level whose leaf entries map pages of this size (1, 2 or 3).
    #[must_use]
    pub const fn level(self) -> u8 {
        match self {
            Self::Size4KiB => 1,
            Self::Size2MiB => 2,
            Self::Size1GiB => 3,
        }
    }

    /// The page size a leaf at `level` maps; `None` for levels without leaves.
    #[must_use]
    pub const fn from_level(level: u8) -> Option<Self> {
        match level {
            1 => Some(Self::Size4KiB),
            2 => Some(Self::Size2MiB),
            3 => Some(Self::Size1GiB),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_sizes() {
        assert_eq!(level_size(1), 0x1000);
        assert_eq!(level_size(2), 0x20_0000);
        assert_eq!(level_size(3), 0x4000_0000);
        assert_eq!(level_size(4), 0x80_0000_0000);
        assert_eq!(level_size(WALK_LEVELS) * ENTRIES as u64, GPA_LIMIT);
        assert_eq!(level_size(1), TABLE_SIZE);
    }

    #[test]
    fn indices_take_nine_bits_per_level() {
        // Bits 47:39 = 0x1ff, 38:30 = 0x0ab, 29:21 = 0x155, 20:12 = 0x003.
        let gpa = (0x1ff << 39) | (0xab << 30) | (0x155 << 21) | (0x3 << 12) | 0x123;
        assert_eq!(index(gpa, 4), 0x1ff);
        assert_eq!(index(gpa, 3), 0xab);
        assert_eq!(index(gpa, 2), 0x155);
        assert_eq!(index(gpa, 1), 0x3);
        assert_eq!(index(u64::MAX, 4), 511, "bits above 47 do not leak into the PML4 index");
    }

    #[test]
    fn page_sizes() {
        assert_eq!(PageSize::Size4KiB.bytes(), 4096);
        assert_eq!(PageSize::Size2MiB.bytes(), 2 << 20);
        assert_eq!(PageSize::Size1GiB.bytes(), 1 << 30);
        for size in [PageSize::Size4KiB, PageSize::Size2MiB, PageSize::Size1GiB] {
            assert_eq!(PageSize::from_level(size.level()), Some(size));
        }
        assert_eq!(PageSize::from_level(0), None);
        assert_eq!(PageSize::from_level(4), None, "a PML4 entry never maps a page");
    }
}
