//! Encoding of the EPT pointer (EPTP), the VMCS field that tells the processor
//! where an EPT is and how to walk it.
//!
//! SDM Vol. 3C 25.6.11, "Extended-Page-Table Pointer (EPTP)": bits 2:0 are the
//! memory type used to access the EPT paging structures (0 = UC, 6 = WB, as
//! permitted by IA32_VMX_EPT_VPID_CAP bits 8 and 14); bits 5:3 are the
//! page-walk length minus one; bit 6 enables accessed/dirty flags; bits 11:7
//! are left 0 (bit 7 is the supervisor shadow-stack control, unused here); bits
//! (MAXPHYADDR-1):12 hold the PML4 table's host-physical address. The value is
//! also the descriptor operand of single-context INVEPT.

use crate::MemoryType;

/// Bit 6: enable accessed and dirty flags for EPT.
const ACCESSED_DIRTY: u64 = 1 << 6;

/// The EPTP for a PML4 table at `pml4_hpa`, walked with `walk_levels` levels,
/// its paging structures read with `structure_type`.
pub(crate) const fn encode(pml4_hpa: u64, structure_type: MemoryType, walk_levels: u8, accessed_dirty: bool) -> u64 {
    let ad = if accessed_dirty { ACCESSED_DIRTY } else { 0 };
    pml4_hpa | structure_type.bits() as u64 | ((walk_levels as u64 - 1) << 3) | ad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_back_four_levels() {
        // 0x1e = WB (6) | (4 - 1) << 3.
        assert_eq!(encode(0x12_3000, MemoryType::WriteBack, 4, false), 0x12_301e);
    }

    #[test]
    fn accessed_dirty_and_uncacheable() {
        assert_eq!(encode(0x7000, MemoryType::Uncacheable, 4, true), 0x7000 | 3 << 3 | 1 << 6);
    }
}
