//! Decoding of IA32_VMX_EPT_VPID_CAP (MSR 0x48C): what the processor's EPT
//! and VPID implementation supports.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3D
//! Appendix A.10 ("VPID and EPT Capabilities").
//!
//! Why: the VMX core must pick an EPT page-walk length and memory type the
//! processor supports when building the EPT pointer, may only map 2-MByte or
//! 1-GByte EPT pages if allowed here, and must choose INVEPT/INVVPID types
//! that exist. The MSR exists only if the secondary controls allow "enable
//! EPT" or "enable VPID" (A.10), so it is read conditionally by
//! [`VmxCapabilities::read`](crate::VmxCapabilities::read).

use crate::bits::bit;

/// The raw value of IA32_VMX_EPT_VPID_CAP (SDM Vol. 3D A.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EptVpidCap(pub u64);

impl EptVpidCap {
    /// Bit 0 (SDM Vol. 3D A.10): EPT entries may be execute-only (bits 2:0 =
    /// 100b).
    pub const fn execute_only(self) -> bool {
        bit(self.0, 0)
    }

    /// Bit 6 (SDM Vol. 3D A.10): a page-walk length of 4 is supported.
    pub const fn page_walk_4(self) -> bool {
        bit(self.0, 6)
    }

    /// Bit 7 (SDM Vol. 3D A.10): a page-walk length of 5 is supported.
    pub const fn page_walk_5(self) -> bool {
        bit(self.0, 7)
    }

    /// Bit 8 (SDM Vol. 3D A.10): the EPT paging structures may be
    /// uncacheable (EPTP memory type 0).
    pub const fn memory_type_uc(self) -> bool {
        bit(self.0, 8)
    }

    /// Bit 14 (SDM Vol. 3D A.10): the EPT paging structures may be
    /// write-back (EPTP memory type 6).
    pub const fn memory_type_wb(self) -> bool {
        bit(self.0, 14)
    }

    /// Bit 16 (SDM Vol. 3D A.10): an EPT PDE may map a 2-MByte page.
    pub const fn pages_2m(self) -> bool {
        bit(self.0, 16)
    }

    /// Bit 17 (SDM Vol. 3D A.10): an EPT PDPTE may map a 1-GByte page.
    pub const fn pages_1g(self) -> bool {
        bit(self.0, 17)
    }

    /// Bit 20 (SDM Vol. 3D A.10): INVEPT is supported.
    pub const fn invept(self) -> bool {
        bit(self.0, 20)
    }

    /// Bit 21 (SDM Vol. 3D A.10): accessed and dirty flags for EPT are
    /// supported.
    pub const fn accessed_dirty(self) -> bool {
        bit(self.0, 21)
    }

    /// Bit 22 (SDM Vol. 3D A.10): advanced VM-exit information for EPT
    /// violations is reported.
    pub const fn advanced_exit_info(self) -> bool {
        bit(self.0, 22)
    }

    /// Bit 23 (SDM Vol. 3D A.10): supervisor shadow-stack control is
    /// supported.
    pub const fn supervisor_shadow_stack(self) -> bool {
        bit(self.0, 23)
    }

    /// Bit 25 (SDM Vol. 3D A.10): single-context INVEPT is supported.
    pub const fn invept_single_context(self) -> bool {
        bit(self.0, 25)
    }

    /// Bit 26 (SDM Vol. 3D A.10): all-context INVEPT is supported.
    pub const fn invept_all_context(self) -> bool {
        bit(self.0, 26)
    }

    /// Bit 32 (SDM Vol. 3D A.10): INVVPID is supported.
    pub const fn invvpid(self) -> bool {
        bit(self.0, 32)
    }

    /// Bit 40 (SDM Vol. 3D A.10): individual-address INVVPID is supported.
    pub const fn invvpid_individual_address(self) -> bool {
        bit(self.0, 40)
    }

    /// Bit 41 (SDM Vol. 3D A.10): single-context INVVPID is supported.
    pub const fn invvpid_single_context(self) -> bool {
        bit(self.0, 41)
    }

    /// Bit 42 (SDM Vol. 3D A.10): all-context INVVPID is supported.
    pub const fn invvpid_all_context(self) -> bool {
        bit(self.0, 42)
    }

    /// Bit 43 (SDM Vol. 3D A.10): single-context-retaining-globals INVVPID
    /// is supported.
    pub const fn invvpid_single_context_retaining_globals(self) -> bool {
        bit(self.0, 43)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bochs 2.7, Haswell and later CPU models.
    const BOCHS: EptVpidCap = EptVpidCap(0x0000_0f01_0633_4141);

    /// A capability accessor.
    type Accessor = fn(EptVpidCap) -> bool;

    /// Every accessor with the bit it must read.
    const ACCESSORS: [(Accessor, u32); 18] = [
        (EptVpidCap::execute_only, 0),
        (EptVpidCap::page_walk_4, 6),
        (EptVpidCap::page_walk_5, 7),
        (EptVpidCap::memory_type_uc, 8),
        (EptVpidCap::memory_type_wb, 14),
        (EptVpidCap::pages_2m, 16),
        (EptVpidCap::pages_1g, 17),
        (EptVpidCap::invept, 20),
        (EptVpidCap::accessed_dirty, 21),
        (EptVpidCap::advanced_exit_info, 22),
        (EptVpidCap::supervisor_shadow_stack, 23),
        (EptVpidCap::invept_single_context, 25),
        (EptVpidCap::invept_all_context, 26),
        (EptVpidCap::invvpid, 32),
        (EptVpidCap::invvpid_individual_address, 40),
        (EptVpidCap::invvpid_single_context, 41),
        (EptVpidCap::invvpid_all_context, 42),
        (EptVpidCap::invvpid_single_context_retaining_globals, 43),
    ];

    #[test]
    fn each_accessor_reads_exactly_its_bit() {
        for (accessor, position) in ACCESSORS {
            assert!(accessor(EptVpidCap(1 << position)), "bit {position} not seen");
            assert!(!accessor(EptVpidCap(!(1 << position))), "bit {position} leaks");
        }
    }

    #[test]
    fn decodes_bochs_value() {
        let cap = BOCHS;
        assert!(cap.execute_only());
        assert!(cap.page_walk_4());
        assert!(!cap.page_walk_5());
        assert!(cap.memory_type_uc());
        assert!(cap.memory_type_wb());
        assert!(cap.pages_2m());
        assert!(cap.pages_1g());
        assert!(cap.invept());
        assert!(cap.accessed_dirty());
        assert!(!cap.advanced_exit_info());
        assert!(!cap.supervisor_shadow_stack());
        assert!(cap.invept_single_context());
        assert!(cap.invept_all_context());
        assert!(cap.invvpid());
        assert!(cap.invvpid_individual_address());
        assert!(cap.invvpid_single_context());
        assert!(cap.invvpid_all_context());
        assert!(cap.invvpid_single_context_retaining_globals());
    }

    #[test]
    fn bochs_value_has_no_bits_outside_the_decoded_set() {
        let decoded: u64 = ACCESSORS.iter().map(|&(_, p)| 1u64 << p).sum();
        assert_eq!(BOCHS.0 & !decoded, 0);
    }
}
