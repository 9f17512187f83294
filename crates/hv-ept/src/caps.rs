//! What the processor allows ([`EptCapabilities`]) and what the caller asks
//! for ([`EptConfig`]) when building an EPT.
//!
//! The capabilities come from IA32_VMX_EPT_VPID_CAP (SDM Vol. 3D A.10; decoded
//! by `hv_vmx::EptVpidCap`). They are plain booleans here so this crate depends
//! on no other: the kernel copies them over. They decide which page sizes the
//! builder may use, whether execute-only mappings are legal, and which memory
//! type the EPT pointer may declare for the paging structures (SDM Vol. 3C
//! 25.6.11).
//!
//! The configuration is separate because supported is not the same as wanted:
//! EPT accessed/dirty flags, for instance, make every guest paging-structure
//! access count as a write (SDM Vol. 3C 29.3.5, "Accessed and Dirty Flags for
//! EPT"), so they are enabled only on request.

/// EPT features the processor supports (SDM Vol. 3D A.10, IA32_VMX_EPT_VPID_CAP).
/// [`Default`] supports nothing, and [`Ept::new`](crate::Ept::new) refuses it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EptCapabilities {
    /// Bit 16: an EPT PDE may map a 2 MiB page.
    pub pages_2m: bool,
    /// Bit 17: an EPT PDPTE may map a 1 GiB page.
    pub pages_1g: bool,
    /// Bit 0: entries may be execute-only (bits 2:0 = 100b).
    pub execute_only: bool,
    /// Bit 14: the EPT paging structures may be write-back (EPTP type 6).
    pub wb: bool,
    /// Bit 8: the EPT paging structures may be uncacheable (EPTP type 0).
    pub uc: bool,
    /// Bit 21: accessed and dirty flags for EPT are supported (enabling them
    /// is a separate choice, [`EptConfig::accessed_dirty`]).
    pub accessed_dirty: bool,
}

impl EptCapabilities {
    /// Whether a leaf may sit at walk `level` (1 = 4 KiB PTE, 2 = 2 MiB PDE,
    /// 3 = 1 GiB PDPTE).
    pub(crate) const fn leaf_allowed(&self, level: u8) -> bool {
        match level {
            1 => true,
            2 => self.pages_2m,
            3 => self.pages_1g,
            _ => false,
        }
    }
}

/// How an EPT should be built; [`Default`] is a 4-level walk without
/// accessed/dirty flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EptConfig {
    /// Page-walk length (EPTP bits 5:3 hold this minus one, SDM Vol. 3C
    /// 25.6.11). Only 4 is supported; 5-level EPT (57-bit guest-physical
    /// addresses) is refused with
    /// [`UnsupportedPageWalk`](crate::EptError::UnsupportedPageWalk).
    pub page_walk_levels: u8,
    /// Set EPTP bit 6 so the processor maintains accessed/dirty flags in the
    /// entries (SDM Vol. 3C 29.3.5). Requires
    /// [`EptCapabilities::accessed_dirty`]. With it, guest paging-structure
    /// accesses are treated as writes, so guest page tables must live in
    /// writable mappings.
    pub accessed_dirty: bool,
}

impl Default for EptConfig {
    fn default() -> Self {
        Self { page_walk_levels: 4, accessed_dirty: false }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::caps_all;

    #[test]
    fn leaf_levels_follow_the_page_size_bits() {
        let caps = caps_all();
        assert!(caps.leaf_allowed(1) && caps.leaf_allowed(2) && caps.leaf_allowed(3));
        assert!(!caps.leaf_allowed(4), "a PML4 entry never maps a page");
        let small = EptCapabilities { pages_2m: false, pages_1g: false, ..caps };
        assert!(small.leaf_allowed(1));
        assert!(!small.leaf_allowed(2));
        assert!(!small.leaf_allowed(3));
        let only_1g = EptCapabilities { pages_2m: false, ..caps };
        assert!(!only_1g.leaf_allowed(2) && only_1g.leaf_allowed(3));
    }

    #[test]
    fn default_supports_nothing() {
        let none = EptCapabilities::default();
        assert!(!none.leaf_allowed(2) && !none.leaf_allowed(3));
        assert!(!none.wb && !none.uc && !none.execute_only && !none.accessed_dirty);
    }

    #[test]
    fn default_config_is_four_levels_without_ad() {
        assert_eq!(EptConfig::default(), EptConfig { page_walk_levels: 4, accessed_dirty: false });
    }
}
