//! Tests of [`Ept`] against [`FakeRam`]: page-size choice, refusals, splitting,
//! all-or-nothing behaviour (compared table by table), out-of-memory, table
//! accounting, and a randomised comparison with a simple reference model.
//!
//! Every test checks what the hardware would see (translations, raw entries)
//! and what the memory saw (allocations, frees), not the builder's internals.

use std::vec::Vec;

use super::Ept;
use crate::entry::{self, is_leaf, is_present};
use crate::page_size::{index, level_size, ENTRIES};
use crate::testing::{caps_all, FakeRam};
use crate::{misconfigured, Access, EptCapabilities, EptConfig, EptError, MemoryType, PageSize, TableMemory};

const KIB4: u64 = 0x1000;
const MIB2: u64 = 0x20_0000;
const GIB1: u64 = 0x4000_0000;
const RWX: Access = Access::all();
const RW: Access = Access::READ.union(Access::WRITE);
const WB: MemoryType = MemoryType::WriteBack;

/// 2 MiB pages but no 1 GiB pages.
fn caps_2m() -> EptCapabilities {
    EptCapabilities { pages_1g: false, ..caps_all() }
}

/// 4 KiB pages only.
fn caps_4k() -> EptCapabilities {
    EptCapabilities { pages_2m: false, pages_1g: false, ..caps_all() }
}

/// The page size `gpa` is mapped with, if mapped.
fn size_at(ept: &Ept, ram: &FakeRam, gpa: u64) -> Option<PageSize> {
    ept.translate(ram, gpa).map(|t| t.page_size)
}

/// Tables reachable from the PML4; panics if any table below the root is
/// empty (the builder unlinks those) or if any reachable entry would
/// misconfigure.
fn reachable_tables(ept: &Ept, ram: &FakeRam) -> usize {
    fn walk(ram: &FakeRam, caps: EptCapabilities, table: u64, level: u8, is_root: bool) -> usize {
        let mut count = 1;
        let mut present = 0;
        for i in 0..ENTRIES {
            let e = ram.read_entry(table, i);
            if !is_present(e) {
                assert_eq!(e, 0, "not-present entries are left zero");
                continue;
            }
            present += 1;
            assert_eq!(misconfigured(e, level, caps), None, "entry {e:#x} at level {level}");
            if !is_leaf(e, level) {
                count += walk(ram, caps, entry::table_address(e), level - 1, false);
            }
        }
        assert!(is_root || present > 0, "empty table {table:#x} left linked at level {level}");
        count
    }
    walk(ram, ept.capabilities(), ept.pml4_address(), 4, true)
}

/// The builder's count, the memory's count and the tree agree.
fn check_accounting(ept: &Ept, ram: &FakeRam) {
    assert_eq!(ram.live(), ept.table_count(), "tables held vs. tables allocated");
    assert_eq!(reachable_tables(ept, ram) + ept.detached_table_count(), ept.table_count());
}

/// Present entries of the table at `level` on the walk of `gpa`.
fn present_entries_at(ept: &Ept, ram: &FakeRam, gpa: u64, level: u8) -> usize {
    let mut table = ept.pml4_address();
    for l in ((level + 1)..=4).rev() {
        table = entry::table_address(ram.read_entry(table, index(gpa, l)));
    }
    (0..ENTRIES).filter(|&i| is_present(ram.read_entry(table, i))).count()
}

// ---- construction and EPTP ----

#[test]
fn eptp_encoding() {
    let mut ram = FakeRam::new();
    let ept = Ept::new(&mut ram, caps_all()).unwrap();
    assert_eq!(ept.pml4_address(), FakeRam::BASE);
    // WB (6) in bits 2:0, walk length 4 - 1 = 3 in bits 5:3, no A/D.
    assert_eq!(ept.eptp(), FakeRam::BASE | 6 | 3 << 3);
    assert_eq!(ept.structure_memory_type(), MemoryType::WriteBack);

    let ad = EptConfig { accessed_dirty: true, ..EptConfig::default() };
    let ept = Ept::with_config(&mut ram, caps_all(), ad).unwrap();
    assert_eq!(ept.eptp(), ept.pml4_address() | 6 | 3 << 3 | 1 << 6);

    let uc_only = EptCapabilities { wb: false, ..caps_all() };
    let ept = Ept::new(&mut ram, uc_only).unwrap();
    assert_eq!(ept.eptp(), ept.pml4_address() | 3 << 3, "UC = 0 when WB is not allowed");
}

#[test]
fn construction_refusals() {
    let mut ram = FakeRam::new();
    let five = EptConfig { page_walk_levels: 5, ..EptConfig::default() };
    assert_eq!(Ept::with_config(&mut ram, caps_all(), five).unwrap_err(), EptError::UnsupportedPageWalk { levels: 5 });
    let ad = EptConfig { accessed_dirty: true, ..EptConfig::default() };
    let no_ad = EptCapabilities { accessed_dirty: false, ..caps_all() };
    assert!(
        matches!(Ept::with_config(&mut ram, no_ad, ad), Err(EptError::Unsupported(why)) if why.contains("accessed"))
    );
    assert!(
        matches!(Ept::new(&mut ram, EptCapabilities::default()), Err(EptError::Unsupported(why)) if why.contains("WB or UC"))
    );
    assert_eq!(ram.allocated, 0, "nothing allocated by a refused construction");
    ram.set_budget(Some(0));
    assert_eq!(Ept::new(&mut ram, caps_all()).unwrap_err(), EptError::OutOfMemory { tables: 1 });
}

// ---- page-size choice ----

#[test]
fn sixteen_mib_with_2m_pages_uses_eight_pde_leaves() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_2m()).unwrap();
    ept.map(&mut ram, 0, 0x4000_0000, 16 << 20, RWX, WB).unwrap();
    assert_eq!(ram.allocated, 3, "PML4, PDPT, PD");
    assert_eq!(present_entries_at(&ept, &ram, 0, 2), 8, "eight 2 MiB leaves in the PD");
    for i in 0..8 {
        let t = ept.translate(&ram, i * MIB2 + 0x1234).unwrap();
        assert_eq!(t.page_size, PageSize::Size2MiB);
        assert_eq!(t.hpa, 0x4000_0000 + i * MIB2 + 0x1234);
        assert_eq!((t.access, t.mem_type), (RWX, WB));
    }
    assert_eq!(ept.translate(&ram, 16 << 20), None, "one past the end");
    let walk = ept.walk_entries(&ram, 0x30_0000);
    assert!(walk[2].is_some_and(|e| is_leaf(e, 2)) && walk[3].is_none(), "walk ends at the PDE");
    check_accounting(&ept, &ram);
}

#[test]
fn sixteen_mib_without_2m_pages_uses_4k_leaves() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_4k()).unwrap();
    ept.map(&mut ram, 0, 0x4000_0000, 16 << 20, RWX, WB).unwrap();
    assert_eq!(ram.allocated, 3 + 8, "PML4, PDPT, PD and eight page tables");
    for gpa in [0, 0x1000, 0x1f_f000, 0x20_0000, 0xff_f000] {
        let t = ept.translate(&ram, gpa + 0x10).unwrap();
        assert_eq!(t.page_size, PageSize::Size4KiB);
        assert_eq!(t.hpa, 0x4000_0000 + gpa + 0x10);
    }
    assert_eq!(present_entries_at(&ept, &ram, 0x20_0000, 1), 512);
    check_accounting(&ept, &ram);
}

#[test]
fn one_gib_pages_when_aligned_and_allowed() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, GIB1, 2 * GIB1, 2 * GIB1, RW, WB).unwrap();
    assert_eq!(ram.allocated, 2, "PML4 and PDPT only");
    let t = ept.translate(&ram, GIB1 + 0x1234_5678).unwrap();
    assert_eq!((t.page_size, t.hpa), (PageSize::Size1GiB, 2 * GIB1 + 0x1234_5678));
    assert_eq!(size_at(&ept, &ram, 2 * GIB1), Some(PageSize::Size1GiB));
    assert_eq!(size_at(&ept, &ram, 0), None);

    let mut ram2 = FakeRam::new();
    let mut only_2m = Ept::new(&mut ram2, caps_2m()).unwrap();
    only_2m.map(&mut ram2, GIB1, 2 * GIB1, 2 * GIB1, RW, WB).unwrap();
    assert_eq!(ram2.allocated, 4, "two page directories of 2 MiB leaves instead");
    assert_eq!(size_at(&only_2m, &ram2, GIB1), Some(PageSize::Size2MiB));
}

#[test]
fn host_alignment_limits_the_page_size() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    // gpa is 2 MiB aligned, hpa only 4 KiB aligned: no 2 MiB leaf possible.
    ept.map(&mut ram, MIB2, 0x4000_1000, MIB2, RWX, WB).unwrap();
    let t = ept.translate(&ram, MIB2 + 0x5123).unwrap();
    assert_eq!((t.page_size, t.hpa), (PageSize::Size4KiB, 0x4000_6123));
    assert_eq!(present_entries_at(&ept, &ram, MIB2, 1), 512);
    check_accounting(&ept, &ram);
}

#[test]
fn ragged_range_mixes_page_sizes() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    let (gpa, len) = (MIB2 - KIB4, MIB2 + 2 * KIB4);
    ept.map(&mut ram, gpa, GIB1 + gpa, len, RWX, MemoryType::Uncacheable).unwrap();
    assert_eq!(size_at(&ept, &ram, gpa), Some(PageSize::Size4KiB));
    assert_eq!(size_at(&ept, &ram, MIB2), Some(PageSize::Size2MiB));
    assert_eq!(size_at(&ept, &ram, 2 * MIB2), Some(PageSize::Size4KiB));
    assert_eq!(size_at(&ept, &ram, 2 * MIB2 + KIB4), None);
    assert_eq!(size_at(&ept, &ram, gpa - KIB4), None);
    assert_eq!(ept.translate(&ram, MIB2).unwrap().mem_type, MemoryType::Uncacheable);
    check_accounting(&ept, &ram);
}

#[test]
fn leaves_ignore_pat_and_carry_the_memory_type() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, 0xfee0_0000, 0xfee0_0000, KIB4, RW, MemoryType::Uncacheable).unwrap();
    let pte = ept.walk_entries(&ram, 0xfee0_0000)[3].unwrap();
    assert_eq!(pte, 0xfee0_0000 | 0b011 | entry::IGNORE_PAT);
    let pde = ept.walk_entries(&ram, 0xfee0_0000)[2].unwrap();
    assert_eq!(pde & entry::RWX, 0b111, "non-leaf entries allow everything");
}

// ---- refusals ----

#[test]
fn overlap_is_refused_and_changes_nothing() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, 0, GIB1, MIB2, RWX, WB).unwrap();
    ept.map(&mut ram, 4 * MIB2 + KIB4, GIB1, KIB4, RWX, WB).unwrap();
    let before = ram.snapshot();
    assert_eq!(ept.map(&mut ram, MIB2 - KIB4, 0, 4 * KIB4, RWX, WB), Err(EptError::Overlap { gpa: MIB2 - KIB4 }));
    assert_eq!(ept.map(&mut ram, 0x10_0000, 0, KIB4, RWX, WB), Err(EptError::Overlap { gpa: 0x10_0000 }));
    // The overlap is at the far end, after tables the dry run would create.
    assert_eq!(
        ept.map(&mut ram, 3 * MIB2, 0, MIB2 + 2 * KIB4, RWX, WB),
        Err(EptError::Overlap { gpa: 4 * MIB2 + KIB4 })
    );
    assert_eq!(ram.snapshot(), before, "refused maps write nothing");
    ept.map(&mut ram, MIB2, 0, MIB2, RWX, WB).unwrap();
    ept.map(&mut ram, 4 * MIB2, 0, KIB4, RWX, WB).unwrap();
    check_accounting(&ept, &ram);
}

#[test]
fn bad_ranges_are_refused() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    let map = |ept: &mut Ept, ram: &mut FakeRam, gpa, hpa, len| ept.map(ram, gpa, hpa, len, RWX, WB);
    assert_eq!(map(&mut ept, &mut ram, 0x1001, 0, KIB4), Err(EptError::Misaligned { what: "gpa", value: 0x1001 }));
    assert_eq!(map(&mut ept, &mut ram, 0, 0x800, KIB4), Err(EptError::Misaligned { what: "hpa", value: 0x800 }));
    assert_eq!(map(&mut ept, &mut ram, 0, 0, 0x1200), Err(EptError::Misaligned { what: "len", value: 0x1200 }));
    assert_eq!(map(&mut ept, &mut ram, 0, 0, 0), Err(EptError::ZeroLength));
    let top = !0xfff_u64;
    assert_eq!(
        map(&mut ept, &mut ram, top, 0, 2 * KIB4),
        Err(EptError::OutOfRange { addr: top, len: 2 * KIB4, limit: 1 << 48 }),
        "overflow"
    );
    let last = (1 << 48) - KIB4;
    assert_eq!(
        map(&mut ept, &mut ram, last, 0, 2 * KIB4),
        Err(EptError::OutOfRange { addr: last, len: 2 * KIB4, limit: 1 << 48 })
    );
    assert_eq!(
        map(&mut ept, &mut ram, 0, (1 << 52) - KIB4, 2 * KIB4),
        Err(EptError::OutOfRange { addr: (1 << 52) - KIB4, len: 2 * KIB4, limit: 1 << 52 })
    );
    map(&mut ept, &mut ram, last, (1 << 52) - KIB4, KIB4).unwrap();
    assert_eq!(ept.translate(&ram, last + 0xfff).map(|t| t.hpa), Some((1 << 52) - 1), "the very top works");
    assert_eq!(ept.translate(&ram, 1 << 48), None);
    assert_eq!(ept.unmap(&mut ram, 0x800, KIB4), Err(EptError::Misaligned { what: "gpa", value: 0x800 }));
    assert_eq!(ept.protect(&mut ram, 0, 0, Access::READ), Err(EptError::ZeroLength));
    assert!(matches!(ept.unmap(&mut ram, last, 2 * KIB4), Err(EptError::OutOfRange { .. })));
}

#[test]
fn rights_that_would_misconfigure_are_refused() {
    let mut ram = FakeRam::new();
    let no_xo = EptCapabilities { execute_only: false, ..caps_all() };
    let mut ept = Ept::new(&mut ram, no_xo).unwrap();
    for bad in [Access::WRITE, Access::WRITE | Access::EXECUTE, Access::EXECUTE, Access::empty()] {
        assert!(
            matches!(ept.map(&mut ram, 0, 0, KIB4, bad, WB), Err(EptError::InvalidAccess { access, .. }) if access == bad),
            "{bad:?}"
        );
    }
    assert_eq!(ram.allocated, 1, "refused before any table was allocated");
    ept.map(&mut ram, 0, 0, KIB4, RW, WB).unwrap();
    assert!(matches!(ept.protect(&mut ram, 0, KIB4, Access::WRITE), Err(EptError::InvalidAccess { .. })));
    assert_eq!(ept.translate(&ram, 0).unwrap().access, RW);

    let mut xo = Ept::new(&mut ram, caps_all()).unwrap();
    xo.map(&mut ram, 0, 0, KIB4, Access::EXECUTE, WB).unwrap();
    assert_eq!(xo.translate(&ram, 0).unwrap().access, Access::EXECUTE);
}

// ---- unmap ----

#[test]
fn unmapping_a_page_inside_a_2m_leaf_splits_it() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, 0, 0x4000_0000, 2 * MIB2, RW, WB).unwrap();
    let before: Vec<_> = (0..512).map(|i| ept.translate(&ram, i * KIB4)).collect();
    let token = ept.unmap(&mut ram, 0x10_0000, KIB4).unwrap();
    assert_eq!(token.eptp(), ept.eptp(), "the caller owes INVEPT for this EPT");
    token.acknowledge();
    assert_eq!(ept.translate(&ram, 0x10_0000), None);
    assert_eq!(ept.translate(&ram, 0x10_0fff), None);
    for (i, was) in before.iter().enumerate().filter(|&(i, _)| i != 0x100) {
        let now = ept.translate(&ram, i as u64 * KIB4).unwrap();
        let was = was.unwrap();
        assert_eq!((now.hpa, now.access, now.mem_type), (was.hpa, was.access, was.mem_type), "page {i}");
        assert_eq!(now.page_size, PageSize::Size4KiB);
    }
    assert_eq!(present_entries_at(&ept, &ram, 0, 1), 511);
    assert_eq!(size_at(&ept, &ram, MIB2), Some(PageSize::Size2MiB), "the next 2 MiB leaf is untouched");
    check_accounting(&ept, &ram);
}

#[test]
fn unmapping_a_page_inside_a_1g_leaf_splits_twice() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, 0, 4 * GIB1, GIB1, RWX, WB).unwrap();
    let allocated = ram.allocated;
    ept.unmap(&mut ram, 3 * MIB2 + 5 * KIB4, KIB4).unwrap().acknowledge();
    assert_eq!(ram.allocated, allocated + 2, "one PD of 2 MiB leaves, one PT of 4 KiB leaves");
    assert_eq!(ept.translate(&ram, 3 * MIB2 + 5 * KIB4), None);
    let left = ept.translate(&ram, 3 * MIB2 + 4 * KIB4).unwrap();
    assert_eq!((left.page_size, left.hpa), (PageSize::Size4KiB, 4 * GIB1 + 3 * MIB2 + 4 * KIB4));
    let far = ept.translate(&ram, 100 * MIB2 + 7).unwrap();
    assert_eq!((far.page_size, far.hpa, far.access), (PageSize::Size2MiB, 4 * GIB1 + 100 * MIB2 + 7, RWX));
    check_accounting(&ept, &ram);
}

#[test]
fn emptied_tables_wait_for_invept_before_being_freed() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    let gpa = 0x12_3456_7000;
    ept.map(&mut ram, gpa, 0x9000, KIB4, RWX, WB).unwrap();
    let path = ept.walk_entries(&ram, gpa);
    let inner: Vec<u64> = path[..3].iter().map(|e| entry::table_address(e.unwrap())).collect();
    assert_eq!(ept.table_count(), 4);

    let token = ept.unmap(&mut ram, gpa, KIB4).unwrap();
    assert_eq!(ept.walk_entries(&ram, gpa), [Some(0), None, None, None], "unlinked from the PML4 down");
    assert_eq!(ept.detached_table_count(), 3);
    assert!(inner.iter().all(|&t| ram.is_live(t)), "not freed before INVEPT");
    assert!(inner.iter().all(|&t| (0..ENTRIES).all(|i| !is_present(ram.read_entry(t, i)))), "read as not present");
    check_accounting(&ept, &ram);

    assert_eq!(ept.free_detached_tables(&mut ram, token), 3);
    assert!(inner.iter().all(|&t| !ram.is_live(t)));
    assert_eq!((ept.table_count(), ram.live(), ept.detached_table_count()), (1, 1, 0));
    check_accounting(&ept, &ram);
}

#[test]
fn unmap_keeps_tables_that_still_map_something() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_4k()).unwrap();
    ept.map(&mut ram, 0, 0, 4 * KIB4, RWX, WB).unwrap();
    ept.unmap(&mut ram, KIB4, 2 * KIB4).unwrap().acknowledge();
    assert_eq!(ept.detached_table_count(), 0);
    assert!(ept.translate(&ram, 0).is_some() && ept.translate(&ram, 3 * KIB4).is_some());
    assert_eq!(ept.translate(&ram, 2 * KIB4), None);
}

#[test]
#[should_panic(expected = "another EPT")]
fn a_token_of_another_ept_is_refused() {
    let mut ram = FakeRam::new();
    let mut a = Ept::new(&mut ram, caps_all()).unwrap();
    let mut b = Ept::new(&mut ram, caps_all()).unwrap();
    b.map(&mut ram, 0, 0, KIB4, RWX, WB).unwrap();
    let token = b.unmap(&mut ram, 0, KIB4).unwrap();
    a.free_detached_tables(&mut ram, token);
}

#[test]
fn unmapping_a_hole_changes_nothing() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, 0, 0, MIB2, RWX, WB).unwrap();
    let before = ram.snapshot();
    // Would split the 2 MiB leaf at its start, then finds 2 MiB unmapped.
    assert_eq!(ept.unmap(&mut ram, KIB4, MIB2), Err(EptError::NotMapped { gpa: MIB2 }));
    assert_eq!(ram.snapshot(), before);
    assert_eq!(size_at(&ept, &ram, 0), Some(PageSize::Size2MiB));
    check_accounting(&ept, &ram);
}

// ---- protect ----

#[test]
fn protecting_part_of_a_large_page_splits_it() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, 0, GIB1, MIB2, RWX, WB).unwrap();
    let token = ept.protect(&mut ram, KIB4, 2 * KIB4, Access::READ).unwrap();
    assert_eq!(token.eptp(), ept.eptp());
    token.acknowledge();
    for (gpa, access) in [(0, RWX), (KIB4, Access::READ), (2 * KIB4, Access::READ), (3 * KIB4, RWX), (MIB2 - KIB4, RWX)]
    {
        let t = ept.translate(&ram, gpa).unwrap();
        assert_eq!(
            (t.access, t.hpa, t.mem_type, t.page_size),
            (access, GIB1 + gpa, WB, PageSize::Size4KiB),
            "{gpa:#x}"
        );
    }
    check_accounting(&ept, &ram);
}

#[test]
fn protecting_whole_or_unchanged_pages_does_not_split() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, 0, 0, GIB1, RWX, WB).unwrap();
    let tables = ept.table_count();
    ept.protect(&mut ram, 0, GIB1, RW).unwrap().acknowledge();
    assert_eq!(ept.translate(&ram, 0x1234).map(|t| (t.page_size, t.access)), Some((PageSize::Size1GiB, RW)));
    ept.protect(&mut ram, KIB4, KIB4, RW).unwrap().acknowledge();
    assert_eq!(ept.table_count(), tables, "already RW: no split");
    assert_eq!(size_at(&ept, &ram, KIB4), Some(PageSize::Size1GiB));
}

#[test]
fn protect_over_a_hole_changes_nothing() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, 0, 0, MIB2, RWX, WB).unwrap();
    ept.map(&mut ram, MIB2 + KIB4, 0, KIB4, RWX, WB).unwrap();
    let before = ram.snapshot();
    let allocated = ram.allocated;
    // The first part (inside the 2 MiB leaf) would need a split; the hole at
    // 2 MiB must be found before that happens.
    assert_eq!(ept.protect(&mut ram, KIB4, MIB2 + KIB4, Access::READ), Err(EptError::NotMapped { gpa: MIB2 }));
    assert_eq!(ram.snapshot(), before, "table contents identical");
    assert_eq!(ram.allocated, allocated, "not even a table allocated");
    assert_eq!(ept.translate(&ram, KIB4).unwrap().access, RWX);
    assert_eq!(ept.protect(&mut ram, 2 * MIB2, KIB4, Access::READ), Err(EptError::NotMapped { gpa: 2 * MIB2 }));
}

// ---- out of memory ----

#[test]
fn out_of_memory_mid_map_leaves_no_mapping() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_4k()).unwrap();
    let before = ram.snapshot();
    ram.set_budget(Some(4));
    // Needs a PDPT, a PD and eight PTs: ten tables, only four available.
    assert_eq!(ept.map(&mut ram, 0, GIB1, 16 << 20, RWX, WB), Err(EptError::OutOfMemory { tables: 10 }));
    assert_eq!(ram.snapshot(), before, "no entry written");
    assert_eq!((ram.allocated, ram.freed), (1 + 4, 4), "the four obtained were given back");
    assert!((0..16 << 20).step_by(0x8_0000).all(|gpa| ept.translate(&ram, gpa).is_none()));
    check_accounting(&ept, &ram);

    ram.set_budget(Some(10));
    ept.map(&mut ram, 0, GIB1, 16 << 20, RWX, WB).unwrap();
    assert_eq!(ept.translate(&ram, 0xff_ffff).map(|t| t.hpa), Some(GIB1 + 0xff_ffff));
    check_accounting(&ept, &ram);
}

#[test]
fn out_of_memory_when_splitting_changes_nothing() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, 0, 0, GIB1, RWX, WB).unwrap();
    let before = ram.snapshot();
    ram.set_budget(Some(1));
    assert_eq!(ept.unmap(&mut ram, KIB4, KIB4), Err(EptError::OutOfMemory { tables: 2 }));
    assert_eq!(ept.protect(&mut ram, KIB4, KIB4, Access::READ), Err(EptError::OutOfMemory { tables: 2 }));
    assert_eq!(ram.snapshot(), before);
    assert_eq!(size_at(&ept, &ram, KIB4), Some(PageSize::Size1GiB));
    check_accounting(&ept, &ram);
}

#[test]
fn splits_at_both_ends_of_one_leaf_share_tables() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, 0, 0, GIB1, RWX, WB).unwrap();
    // Both ends inside the same 2 MiB page of the same 1 GiB page: exactly
    // two new tables, so a budget of two is enough.
    ram.set_budget(Some(2));
    ept.unmap(&mut ram, KIB4, 2 * KIB4).unwrap().acknowledge();
    // Ends in different 2 MiB pages of the split 1 GiB page: one PT each.
    ram.set_budget(Some(2));
    ept.protect(&mut ram, 5 * MIB2 + KIB4, 3 * MIB2, Access::READ).unwrap().acknowledge();
    assert_eq!(size_at(&ept, &ram, 6 * MIB2), Some(PageSize::Size2MiB), "fully covered middle stays large");
    assert_eq!(ept.translate(&ram, 6 * MIB2).unwrap().access, Access::READ);
    assert_eq!(ept.translate(&ram, 5 * MIB2).unwrap().access, RWX);
    assert_eq!(ept.translate(&ram, 8 * MIB2).unwrap().access, Access::READ);
    assert_eq!(ept.translate(&ram, 8 * MIB2 + KIB4).unwrap().access, RWX);
    check_accounting(&ept, &ram);
}

// ---- teardown ----

#[test]
fn destroy_frees_every_table() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, 0, GIB1, 3 * GIB1, RWX, WB).unwrap();
    ept.map(&mut ram, 0x80_0000_0000, 0, 16 << 20, RW, WB).unwrap();
    ept.map(&mut ram, 0xfee0_0000 + 4 * GIB1, 0xfee0_0000, KIB4, RW, MemoryType::Uncacheable).unwrap();
    ept.unmap(&mut ram, GIB1 + KIB4, KIB4).unwrap().acknowledge();
    ept.protect(&mut ram, 0x80_0000_0000 + MIB2 + KIB4, KIB4, Access::READ).unwrap().acknowledge();
    ept.unmap(&mut ram, 0xfee0_0000 + 4 * GIB1, KIB4).unwrap().acknowledge(); // detached, still held
    assert!(ept.detached_table_count() > 0);
    check_accounting(&ept, &ram);
    let held = ept.table_count();
    assert_eq!(ept.destroy(&mut ram), held);
    assert_eq!(ram.allocated, ram.freed, "every allocated table was freed");
    assert_eq!(ram.live(), 0);
}

#[test]
fn free_all_is_idempotent_and_final() {
    let mut ram = FakeRam::new();
    let mut ept = Ept::new(&mut ram, caps_all()).unwrap();
    ept.map(&mut ram, 0, 0, MIB2 + KIB4, RWX, WB).unwrap();
    assert_eq!(ept.free_all(&mut ram), 4);
    assert_eq!(ept.free_all(&mut ram), 0, "second call frees nothing (no double free)");
    assert_eq!((ram.allocated, ram.freed, ept.table_count()), (4, 4, 0));
    assert_eq!(ept.translate(&ram, 0), None);
    assert_eq!(ept.map(&mut ram, 0, 0, KIB4, RWX, WB), Err(EptError::Freed));
    assert_eq!(ept.unmap(&mut ram, 0, KIB4), Err(EptError::Freed));
    assert_eq!(ept.protect(&mut ram, 0, KIB4, RWX), Err(EptError::Freed));
}

// ---- randomised comparison with a reference model ----

/// A mapped range in the model: `gpa .. end` maps to `hpa ..` with `access`.
#[derive(Clone, Copy, Debug)]
struct Range {
    gpa: u64,
    end: u64,
    hpa: u64,
    access: Access,
}

/// The obvious implementation: a list of ranges.
#[derive(Default)]
struct Model {
    ranges: Vec<Range>,
}

impl Model {
    fn lookup(&self, gpa: u64) -> Option<(u64, Access)> {
        self.ranges.iter().find(|r| r.gpa <= gpa && gpa < r.end).map(|r| (r.hpa + (gpa - r.gpa), r.access))
    }

    /// Lowest mapped address in `gpa .. end`.
    fn first_mapped(&self, gpa: u64, end: u64) -> Option<u64> {
        self.ranges.iter().filter(|r| r.gpa < end && gpa < r.end).map(|r| r.gpa.max(gpa)).min()
    }

    /// Lowest unmapped address in `gpa .. end`.
    fn first_unmapped(&self, gpa: u64, end: u64) -> Option<u64> {
        let mut at = gpa;
        while at < end {
            match self.ranges.iter().find(|r| r.gpa <= at && at < r.end) {
                Some(r) => at = r.end,
                None => return Some(at),
            }
        }
        None
    }

    /// Removes `gpa .. end`, keeping the parts of ranges outside it.
    fn cut(&mut self, gpa: u64, end: u64) -> Vec<Range> {
        let mut removed = Vec::new();
        let mut kept = Vec::new();
        for r in self.ranges.drain(..) {
            if r.end <= gpa || end <= r.gpa {
                kept.push(r);
                continue;
            }
            if r.gpa < gpa {
                kept.push(Range { end: gpa, ..r });
            }
            if end < r.end {
                kept.push(Range { gpa: end, hpa: r.hpa + (end - r.gpa), ..r });
            }
            let (lo, hi) = (r.gpa.max(gpa), r.end.min(end));
            removed.push(Range { gpa: lo, end: hi, hpa: r.hpa + (lo - r.gpa), ..r });
        }
        self.ranges = kept;
        removed
    }
}

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[usize::try_from(self.below(items.len() as u64)).unwrap()]
    }
}

/// A random page-aligned address in the first 4 GiB, biased towards 2 MiB and
/// 1 GiB boundaries so large pages appear and get split.
fn random_addr(rng: &mut Rng) -> u64 {
    match rng.below(3) {
        0 => rng.below(4) * GIB1,
        1 => rng.below(2048) * MIB2,
        _ => rng.below(1 << 20) * KIB4,
    }
}

fn random_len(rng: &mut Rng) -> u64 {
    match rng.below(4) {
        0 => GIB1 * (1 + rng.below(2)),
        1 => MIB2 * (1 + rng.below(4)),
        2 => KIB4 * (1 + rng.below(8)),
        _ => MIB2 * (1 + rng.below(2)) + KIB4 * (1 + rng.below(4)),
    }
}

fn random_access(rng: &mut Rng) -> Access {
    rng.pick(&[Access::READ, RW, RWX, Access::READ | Access::EXECUTE])
}

/// Addresses worth checking after an operation on `gpa .. end`.
fn probes(rng: &mut Rng, gpa: u64, end: u64) -> Vec<u64> {
    let mut p = vec![gpa, end - KIB4, end, gpa.saturating_sub(KIB4), gpa + KIB4];
    p.extend((0..24).map(|_| random_addr(rng)));
    p.extend((0..8).map(|_| gpa + rng.below(end - gpa)));
    p
}

#[test]
fn random_operations_match_the_model() {
    for (seed, caps) in [(1, caps_all()), (2, caps_2m()), (3, caps_4k()), (4, caps_all())] {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed);
        let mut ram = FakeRam::new();
        let mut ept = Ept::new(&mut ram, caps).unwrap();
        let mut model = Model::default();
        let (mut successes, mut large_seen, mut splits) = (0, 0, 0);
        for step in 0..400 {
            let (gpa, len) = if model.ranges.is_empty() || rng.below(4) == 0 {
                (random_addr(&mut rng), random_len(&mut rng))
            } else {
                // Mostly inside one mapped range, so unmap and protect succeed
                // often and cut large pages at odd places.
                let r = rng.pick(&model.ranges);
                let pages = (r.end - r.gpa) / KIB4;
                let first = rng.below(pages);
                let count = 1 + rng.below(pages - first);
                let spill = if rng.below(8) == 0 { random_len(&mut rng) } else { 0 };
                (r.gpa + first * KIB4, count * KIB4 + spill)
            };
            let end = gpa + len;
            let before = ram.snapshot();
            let allocated = ram.allocated;
            let op = rng.below(3);
            let outcome = match op {
                0 => {
                    // Half the time as aligned as the guest address, so large pages appear.
                    let hpa = if rng.below(2) == 0 { gpa + 8 * GIB1 } else { random_addr(&mut rng) + 8 * GIB1 };
                    let access = random_access(&mut rng);
                    let expected = model.first_mapped(gpa, end).map(|gpa| EptError::Overlap { gpa });
                    let got = ept.map(&mut ram, gpa, hpa, len, access, WB).err();
                    assert_eq!(got, expected, "seed {seed} step {step}: map {gpa:#x}+{len:#x}");
                    if got.is_none() {
                        model.ranges.push(Range { gpa, end, hpa, access });
                    }
                    got
                }
                1 => {
                    let expected = model.first_unmapped(gpa, end).map(|gpa| EptError::NotMapped { gpa });
                    let got = ept.unmap(&mut ram, gpa, len).map(|t| t.acknowledge()).err();
                    assert_eq!(got, expected, "seed {seed} step {step}: unmap {gpa:#x}+{len:#x}");
                    if got.is_none() {
                        model.cut(gpa, end);
                    }
                    got
                }
                _ => {
                    let access = random_access(&mut rng);
                    let expected = model.first_unmapped(gpa, end).map(|gpa| EptError::NotMapped { gpa });
                    let got = ept.protect(&mut ram, gpa, len, access).map(|t| t.acknowledge()).err();
                    assert_eq!(got, expected, "seed {seed} step {step}: protect {gpa:#x}+{len:#x}");
                    if got.is_none() {
                        let mut parts = model.cut(gpa, end);
                        parts.iter_mut().for_each(|r| r.access = access);
                        model.ranges.extend(parts);
                    }
                    got
                }
            };
            if outcome.is_some() {
                assert_eq!(ram.snapshot(), before, "seed {seed} step {step}: a refused operation wrote");
            }
            for probe in probes(&mut rng, gpa, end) {
                let got = ept.translate(&ram, probe).map(|t| (t.hpa, t.access));
                assert_eq!(got, model.lookup(probe), "seed {seed} step {step}: translate {probe:#x}");
                if let Some(t) = ept.translate(&ram, probe) {
                    assert!(caps.leaf_allowed(t.page_size.level()), "page size {:?} not allowed", t.page_size);
                    large_seen += usize::from(t.page_size != PageSize::Size4KiB);
                    assert_eq!(t.mem_type, WB);
                }
            }
            if outcome.is_none() {
                successes += 1;
                splits += usize::from(op != 0 && ram.allocated > allocated);
            }
            if step % 50 == 49 {
                check_accounting(&ept, &ram);
            }
        }
        assert!(successes > 150, "seed {seed}: only {successes} operations succeeded; the test exercises too little");
        if caps.pages_2m {
            assert!(large_seen > 100 && splits > 5, "seed {seed}: {large_seen} large translations, {splits} splits");
        }
        check_accounting(&ept, &ram);
        // Unmap everything the model still holds, then nothing but the PML4 remains.
        let mut last_token = None;
        for r in model.ranges.clone() {
            let token = ept.unmap(&mut ram, r.gpa, r.end - r.gpa).unwrap();
            if let Some(old) = last_token.replace(token) {
                old.acknowledge();
            }
        }
        if let Some(token) = last_token {
            ept.free_detached_tables(&mut ram, token);
        }
        assert_eq!((ept.table_count(), ram.live()), (1, 1), "seed {seed}: only the PML4 left");
        ept.destroy(&mut ram);
        assert_eq!(ram.allocated, ram.freed);
    }
}

#[test]
fn level_sizes_used_by_the_tests_are_right() {
    assert_eq!((level_size(1), level_size(2), level_size(3)), (KIB4, MIB2, GIB1));
}
