//! The bit layout of EPT paging-structure entries, and the few ways this crate
//! builds, reads and rewrites them.
//!
//! SDM Vol. 3C 29.3.2, Tables 29-1 to 29-6. Every entry has read/write/execute
//! in bits 2:0 (all clear = not present) and a host-physical address in bits
//! (MAXPHYADDR-1):12. A PDPTE or PDE with bit 7 set is a leaf mapping a 1 GiB
//! or 2 MiB page; a PTE is always a leaf. Leaves carry the memory type in bits
//! 5:3 and "ignore PAT" in bit 6. Non-leaf entries here always allow all three
//! accesses, so rights are decided by the leaf alone (an access must be allowed
//! by every entry on the walk, SDM Vol. 3C 29.3.3.2).
//!
//! Bits 8 and 9 (accessed, dirty) are written by the processor when EPTP bit 6
//! is set; they are preserved by every rewrite here.

use crate::page_size::level_size;
use crate::{Access, MemoryType};

/// Bits 2:0: read, write, execute. All clear means "not present".
pub(crate) const RWX: u64 = 0b111;
/// Position of the memory type, bits 5:3 (leaves only).
pub(crate) const MEMORY_TYPE_SHIFT: u32 = 3;
/// Bits 5:3: memory type (leaves only).
pub(crate) const MEMORY_TYPE: u64 = 0b111 << MEMORY_TYPE_SHIFT;
/// Bit 6: ignore PAT memory type (leaves only).
pub(crate) const IGNORE_PAT: u64 = 1 << 6;
/// Bit 7 of a PDPTE or PDE: the entry maps a page instead of a table.
pub(crate) const PAGE_SIZE: u64 = 1 << 7;
/// Bits 51:12: the architectural maximum of the address field.
pub(crate) const ADDRESS: u64 = 0x000f_ffff_ffff_f000;
/// The architectural maximum physical-address width (MAXPHYADDR <= 52).
pub(crate) const MAX_PHYS_ADDR_BITS: u8 = 52;
/// First host-physical address no entry can hold (`2^52`).
pub(crate) const PHYS_LIMIT: u64 = 1 << MAX_PHYS_ADDR_BITS;

/// Whether any of bits 2:0 is set (SDM Vol. 3C 29.3.2: otherwise the entry is
/// not present and its other bits are ignored).
pub(crate) const fn is_present(entry: u64) -> bool {
    entry & RWX != 0
}

/// Whether a present `entry` at `level` maps a page (rather than a table).
pub(crate) const fn is_leaf(entry: u64, level: u8) -> bool {
    level == 1 || (matches!(level, 2 | 3) && entry & PAGE_SIZE != 0)
}

/// A non-leaf entry referencing the table at `table_hpa`, allowing all accesses.
pub(crate) const fn table(table_hpa: u64) -> u64 {
    (table_hpa & ADDRESS) | RWX
}

/// The table a present non-leaf entry references.
pub(crate) const fn table_address(entry: u64) -> u64 {
    entry & ADDRESS
}

/// A leaf at `level` mapping the page at `hpa` with `access` and `mem_type`,
/// with "ignore PAT" set so the EPT type is the effective type.
pub(crate) const fn leaf(hpa: u64, level: u8, access: Access, mem_type: MemoryType) -> u64 {
    let size_bit = if level > 1 { PAGE_SIZE } else { 0 };
    (hpa & ADDRESS) | (access.bits() & RWX) | ((mem_type.bits() as u64) << MEMORY_TYPE_SHIFT) | IGNORE_PAT | size_bit
}

/// The page a leaf at `level` maps.
pub(crate) const fn leaf_address(entry: u64, level: u8) -> u64 {
    entry & ADDRESS & !(level_size(level) - 1)
}

/// The rights bits 2:0 of `entry`.
pub(crate) const fn access(entry: u64) -> Access {
    Access::from_bits_truncate(entry & RWX)
}

/// The memory type of a leaf; `None` if bits 5:3 hold a reserved value.
pub(crate) const fn memory_type(entry: u64) -> Option<MemoryType> {
    let bits = ((entry & MEMORY_TYPE) >> MEMORY_TYPE_SHIFT) as u8;
    MemoryType::from_bits(bits)
}

/// `entry` with its rights replaced by `access`; everything else kept.
pub(crate) const fn with_access(entry: u64, access: Access) -> u64 {
    (entry & !RWX) | (access.bits() & RWX)
}

/// Entry `index` of the table a leaf at `level` (2 or 3) is split into: a leaf
/// one level down mapping the corresponding part of the same page with the
/// same rights, memory type, "ignore PAT" and accessed/dirty bits, so the split
/// table translates every address exactly as the leaf did.
pub(crate) const fn split_child(leaf_entry: u64, level: u8, index: usize) -> u64 {
    let child_level = level - 1;
    let attributes = leaf_entry & !ADDRESS & !PAGE_SIZE;
    let size_bit = if child_level > 1 { PAGE_SIZE } else { 0 };
    let hpa = leaf_address(leaf_entry, level) + index as u64 * level_size(child_level);
    hpa | attributes | size_bit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_is_bits_2_to_0() {
        assert!(!is_present(0));
        assert!(!is_present(0xffff_f000 | PAGE_SIZE | MEMORY_TYPE), "other bits are ignored");
        assert!(is_present(1));
        assert!(is_present(4));
    }

    #[test]
    fn leaves() {
        assert!(is_leaf(0x1000 | 1, 1), "a PTE is always a leaf");
        assert!(is_leaf(PAGE_SIZE | 1, 2));
        assert!(is_leaf(PAGE_SIZE | 1, 3));
        assert!(!is_leaf(1, 2));
        assert!(!is_leaf(1, 3));
        assert!(!is_leaf(PAGE_SIZE | 1, 4), "bit 7 of a PML4 entry is reserved, not a page size");
    }

    #[test]
    fn leaf_encoding() {
        let e = leaf(0x4020_0000, 2, Access::READ | Access::WRITE, MemoryType::WriteBack);
        assert_eq!(e, 0x4020_0000 | 0b011 | 6 << 3 | IGNORE_PAT | PAGE_SIZE);
        let pte = leaf(0xfee0_0000, 1, Access::READ, MemoryType::Uncacheable);
        assert_eq!(pte, 0xfee0_0000 | 0b001 | IGNORE_PAT, "no bit 7 in a PTE, UC = 0");
        assert_eq!(leaf_address(e, 2), 0x4020_0000);
        assert_eq!(access(e), Access::READ | Access::WRITE);
        assert_eq!(memory_type(e), Some(MemoryType::WriteBack));
        assert_eq!(memory_type(2 << 3), None);
        assert_eq!(table(0x5000), 0x5007);
        assert_eq!(table_address(0x5007 | 1 << 8), 0x5000, "accessed bit is not address");
    }

    #[test]
    fn rewriting_rights_keeps_the_rest() {
        let e = leaf(0x20_0000, 2, Access::all(), MemoryType::WriteBack) | 1 << 8 | 1 << 9;
        let ro = with_access(e, Access::READ);
        assert_eq!(ro & RWX, 1);
        assert_eq!(ro & !RWX, e & !RWX);
    }

    #[test]
    fn splitting_keeps_attributes_and_steps_the_address() {
        let big = leaf(0x4000_0000, 3, Access::READ | Access::EXECUTE, MemoryType::WriteThrough) | 1 << 8;
        let child = split_child(big, 3, 5);
        assert_eq!(leaf_address(child, 2), 0x4000_0000 + 5 * 0x20_0000);
        assert!(is_leaf(child, 2), "children of a 1 GiB leaf are 2 MiB leaves");
        assert_eq!(child & !ADDRESS, big & !ADDRESS, "rights, type, IPAT, accessed bit, bit 7 all kept");

        let two_m = leaf(0x20_0000, 2, Access::READ, MemoryType::Uncacheable);
        let pte = split_child(two_m, 2, 511);
        assert_eq!(leaf_address(pte, 1), 0x20_0000 + 511 * 0x1000);
        assert_eq!(pte & PAGE_SIZE, 0, "bit 7 dropped in a PTE");
        assert_eq!(pte & !ADDRESS, (two_m & !ADDRESS) & !PAGE_SIZE);
    }
}
