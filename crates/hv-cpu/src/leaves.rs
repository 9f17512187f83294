//! CPUID leaf numbers and the check that an extended leaf exists.
//!
//! Reading a leaf above the CPU's maximum returns unrelated data (on Intel, the
//! highest basic leaf's), so the kernel must compare against the maximum from
//! leaf 0 ([`max_basic_leaf`]) or leaf 0x8000_0000 ([`max_extended_leaf`])
//! before trusting a decoder.

use crate::CpuidResult;

/// Leaf 0: vendor string and highest basic leaf.
pub const LEAF_VENDOR: u32 = 0;
/// Leaf 1: signature, basic feature flags, APIC ID.
pub const LEAF_FEATURES: u32 = 1;
/// Leaf 0x4000_0000: hypervisor signature and highest hypervisor leaf (only
/// meaningful when [`Features::hypervisor_present`](crate::Features::hypervisor_present)).
pub const LEAF_HYPERVISOR: u32 = 0x4000_0000;
/// Leaf 0x8000_0000: highest extended leaf.
pub const LEAF_EXTENDED_MAX: u32 = 0x8000_0000;
/// Leaf 0x8000_0001: extended feature flags (long mode, NX, 1 GiB pages, SVM).
pub const LEAF_EXTENDED_FEATURES: u32 = 0x8000_0001;
/// Leaves 0x8000_0002..=0x8000_0004: the processor brand string.
pub const LEAF_BRAND: [u32; 3] = [0x8000_0002, 0x8000_0003, 0x8000_0004];

/// The highest basic leaf, from leaf 0's EAX.
#[must_use]
pub const fn max_basic_leaf(leaf0: CpuidResult) -> u32 {
    leaf0.eax
}

/// The highest extended leaf, from leaf 0x8000_0000's EAX, or `None` if EAX
/// does not look like an extended leaf number (no extended leaves).
#[must_use]
pub const fn max_extended_leaf(leaf_8000_0000: CpuidResult) -> Option<u32> {
    if leaf_8000_0000.eax & 0xFFFF_0000 == LEAF_EXTENDED_MAX {
        Some(leaf_8000_0000.eax)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_maximum() {
        assert_eq!(max_extended_leaf(CpuidResult::new(0x8000_0008, 0, 0, 0)), Some(0x8000_0008));
        assert_eq!(max_extended_leaf(CpuidResult::new(0x8000_0023, 0, 0, 0)), Some(0x8000_0023));
        // An Intel CPU echoing its highest basic leaf (here leaf 0x16) back.
        assert_eq!(max_extended_leaf(CpuidResult::new(0x0000_0bb8, 0, 0, 0)), None);
    }
}
