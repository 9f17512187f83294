//! Explaining EPT misconfigurations.
//!
//! An EPT misconfiguration VM exit (basic exit reason 49) reports only the
//! guest-physical address whose translation hit an entry with an unsupported
//! value (SDM Vol. 3C 29.3.3.1, "EPT Misconfigurations"). The builder never
//! writes such entries, so one appearing means memory corruption or a bug; the
//! kernel's exit report walks the EPT for that address
//! ([`Ept::walk_entries`](crate::Ept::walk_entries)) and asks
//! [`misconfigured`] which entry is at fault and why.
//!
//! The rules (SDM Vol. 3C 29.3.3.1, with the reserved bits of 29.3.2 Tables
//! 29-1 to 29-6), checked only for present entries since a not-present entry's
//! other bits are ignored:
//!
//! * bits 2:0 = 010b or 110b (write without read);
//! * bits 2:0 = 100b (execute-only) without processor support;
//! * a reserved bit set: address bits 51:MAXPHYADDR in any entry; bits 7:3 of a
//!   PML4E; bits 6:3 of a PDPTE or PDE referencing a table; bits 29:12 of a
//!   1 GiB leaf and 20:12 of a 2 MiB leaf (below the page address); bit 7 of a
//!   PDPTE or PDE when that page size is not supported;
//! * a leaf's memory type (bits 5:3) is 2, 3 or 7.
//!
//! Mode-based execute control (which makes bit 10 a presence bit) is not used
//! by this hypervisor and is not modelled.

use crate::entry::{self, MAX_PHYS_ADDR_BITS, PAGE_SIZE};
use crate::page_size::level_size;
use crate::{Access, EptCapabilities};

/// Bits 7:3 of a PML4E (reserved).
const PML4E_RESERVED: u64 = 0b1_1111 << 3;
/// Bits 6:3 of a PDPTE or PDE that references a table (reserved).
const NON_LEAF_RESERVED: u64 = 0b1111 << 3;

/// Why `entry`, found at walk `level` (4 = PML4E, 3 = PDPTE, 2 = PDE, 1 = PTE),
/// would cause an EPT misconfiguration on a processor with `caps`; `None` if
/// it would not (including when it is not present).
///
/// Address bits above the processor's physical-address width are not checked,
/// since `caps` does not carry it; [`misconfigured_for_width`] does that too.
/// A level outside 1 ..= 4 is itself reported, since no 4-level walk has it.
#[must_use]
pub fn misconfigured(entry: u64, level: u8, caps: EptCapabilities) -> Option<&'static str> {
    misconfigured_for_width(entry, level, caps, MAX_PHYS_ADDR_BITS)
}

/// As [`misconfigured`], also reporting address bits 51:`phys_addr_bits` set
/// (`phys_addr_bits` = MAXPHYADDR, CPUID 8000_0008H:EAX\[7:0\]; values above 52
/// are treated as 52).
#[must_use]
pub fn misconfigured_for_width(
    entry: u64,
    level: u8,
    caps: EptCapabilities,
    phys_addr_bits: u8,
) -> Option<&'static str> {
    let rights = entry & entry::RWX;
    if rights == 0 {
        return None;
    }
    if rights & Access::WRITE.bits() != 0 && rights & Access::READ.bits() == 0 {
        return Some("write permission without read permission (bits 2:0 = 010b or 110b)");
    }
    if rights == Access::EXECUTE.bits() && !caps.execute_only {
        return Some("execute-only entry (bits 2:0 = 100b) but the processor does not support execute-only");
    }
    if !(1..=4).contains(&level) {
        return Some("no such level in a 4-level EPT walk");
    }
    let width = phys_addr_bits.min(MAX_PHYS_ADDR_BITS);
    let beyond_width = entry::ADDRESS & !((1u64 << width) - 1);
    if entry & beyond_width != 0 {
        return Some("reserved address bits beyond the physical-address width (51:MAXPHYADDR) are set");
    }
    let leaf = level == 1 || (level != 4 && entry & PAGE_SIZE != 0);
    if level == 4 && entry & PML4E_RESERVED != 0 {
        return Some("reserved bits 7:3 of a PML4 entry are set");
    }
    if (level == 2 || level == 3) && !leaf && entry & NON_LEAF_RESERVED != 0 {
        return Some("reserved bits 6:3 of an entry referencing a table are set");
    }
    if level == 3 && leaf && !caps.pages_1g {
        return Some("PDPTE bit 7 maps a 1 GiB page, but the processor does not support 1 GiB pages");
    }
    if level == 2 && leaf && !caps.pages_2m {
        return Some("PDE bit 7 maps a 2 MiB page, but the processor does not support 2 MiB pages");
    }
    if (level == 2 || level == 3) && leaf && entry & entry::ADDRESS & (level_size(level) - 1) != 0 {
        return Some("reserved bits below the large page's address (20:12 or 29:12) are set");
    }
    if leaf && entry::memory_type(entry).is_none() {
        return Some("reserved memory type (bits 5:3 = 2, 3 or 7)");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{leaf, table, MEMORY_TYPE};
    use crate::testing::caps_all;
    use crate::MemoryType;

    fn caps() -> EptCapabilities {
        caps_all()
    }

    #[test]
    fn well_formed_entries_pass() {
        let caps = caps();
        assert_eq!(misconfigured(table(0x5000), 4, caps), None);
        assert_eq!(misconfigured(table(0x5000), 3, caps), None);
        assert_eq!(misconfigured(table(0x5000), 2, caps), None);
        assert_eq!(misconfigured(leaf(0x4000_0000, 3, Access::all(), MemoryType::WriteBack), 3, caps), None);
        assert_eq!(misconfigured(leaf(0x20_0000, 2, Access::READ, MemoryType::Uncacheable), 2, caps), None);
        assert_eq!(misconfigured(leaf(0x7000, 1, Access::EXECUTE, MemoryType::WriteThrough), 1, caps), None);
        let accessed_dirty = leaf(0x7000, 1, Access::READ, MemoryType::WriteBack) | 1 << 8 | 1 << 9;
        assert_eq!(misconfigured(accessed_dirty, 1, caps), None);
    }

    #[test]
    fn not_present_entries_are_never_misconfigured() {
        assert_eq!(misconfigured(0xffff_ffff_ffff_fff8, 1, caps()), None);
        assert_eq!(misconfigured(0, 4, caps()), None);
    }

    #[test]
    fn write_without_read() {
        let pte = leaf(0x7000, 1, Access::READ, MemoryType::WriteBack);
        for rights in [0b010, 0b110] {
            let e = (pte & !entry::RWX) | rights;
            assert!(misconfigured(e, 1, caps()).is_some_and(|why| why.contains("write permission without read")));
            assert!(misconfigured(table(0x5000) & !7 | rights, 4, caps()).is_some(), "non-leaf too");
        }
    }

    #[test]
    fn execute_only_depends_on_support() {
        let pte = leaf(0x7000, 1, Access::EXECUTE, MemoryType::WriteBack);
        let no_xo = EptCapabilities { execute_only: false, ..caps() };
        assert!(misconfigured(pte, 1, no_xo).is_some_and(|why| why.contains("execute-only")));
        assert_eq!(misconfigured(pte, 1, caps()), None);
    }

    #[test]
    fn reserved_memory_types() {
        for ty in [2u64, 3, 7] {
            let pte = (leaf(0x7000, 1, Access::READ, MemoryType::Uncacheable) & !MEMORY_TYPE) | ty << 3;
            assert!(misconfigured(pte, 1, caps()).is_some_and(|why| why.contains("memory type")), "{ty}");
            let pde = pte | PAGE_SIZE;
            let pde = (pde & !0x1f_f000) | 0x20_0000;
            assert!(misconfigured(pde, 2, caps()).is_some_and(|why| why.contains("memory type")), "{ty}");
        }
        // Bits 5:3 of a table-referencing PDE are reserved, not a memory type.
        let pde = table(0x5000) | 2 << 3;
        assert!(misconfigured(pde, 2, caps()).is_some_and(|why| why.contains("6:3")));
    }

    #[test]
    fn reserved_bits() {
        let caps = caps();
        let beyond = table(0x5000) | 1 << 39;
        assert!(misconfigured_for_width(beyond, 3, caps, 39).is_some_and(|why| why.contains("MAXPHYADDR")));
        assert_eq!(misconfigured_for_width(beyond, 3, caps, 46), None, "bit 39 is address below a 46-bit width");
        assert_eq!(misconfigured(beyond, 3, caps), None, "width unknown: bits up to 51 are address");
        assert_eq!(misconfigured_for_width(table(0x5000) | 1 << 51, 3, caps, 60), None, "capped at 52");
        assert!(misconfigured(table(0x5000) | PAGE_SIZE, 4, caps).is_some_and(|why| why.contains("7:3")));
        assert!(misconfigured(table(0x5000) | 1 << 6, 4, caps).is_some_and(|why| why.contains("7:3")));
        let gig = leaf(0x4000_0000, 3, Access::READ, MemoryType::WriteBack);
        assert!(misconfigured(gig | 0x1000, 3, caps).is_some_and(|why| why.contains("29:12")));
        let two_m = leaf(0x20_0000, 2, Access::READ, MemoryType::WriteBack);
        assert!(misconfigured(two_m | 0x10_0000, 2, caps).is_some_and(|why| why.contains("20:12")));
        assert_eq!(misconfigured(two_m | 1 << 11 | 1 << 63, 2, caps), None, "ignored bits are not reserved");
    }

    #[test]
    fn large_pages_need_support() {
        let gig = leaf(0x4000_0000, 3, Access::READ, MemoryType::WriteBack);
        let no_1g = EptCapabilities { pages_1g: false, ..caps() };
        assert!(misconfigured(gig, 3, no_1g).is_some_and(|why| why.contains("1 GiB")));
        let two_m = leaf(0x20_0000, 2, Access::READ, MemoryType::WriteBack);
        let no_2m = EptCapabilities { pages_2m: false, ..caps() };
        assert!(misconfigured(two_m, 2, no_2m).is_some_and(|why| why.contains("2 MiB")));
        assert_eq!(misconfigured(two_m, 2, no_1g), None);
    }

    #[test]
    fn bad_level() {
        assert!(misconfigured(table(0x5000), 5, caps()).is_some_and(|why| why.contains("level")));
        assert!(misconfigured(table(0x5000), 0, caps()).is_some());
    }
}
