//! Scenario tests: guest page tables built in a fake guest memory and walked
//! in every paging mode.
//!
//! Why: the walk is only as good as its agreement with the processor, so each
//! test builds the structures a guest would (SDM Vol. 3A 5.3 32-bit paging,
//! 5.4 PAE paging, 5.5 4-level and 5-level paging) and checks the address,
//! page size and rights the walk finds, or the fault it reports and the #PF
//! error code of 5.7.2. The fake memory only answers 8-byte-aligned reads
//! below its size, returning 0 for bytes never written, and records every read.

use std::collections::HashMap;

use crate::{translate, Access, GuestPaging, PagingError, PagingMode, Translation, DEFAULT_MAX_PHYSICAL_BITS};

const KIB4: u64 = 1 << 12;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Present | writable (what our hypervisor uses for tables).
const TABLE: u64 = 0x3;
/// Present | writable | user.
const USER_TABLE: u64 = 0x7;
/// Present | writable | page size (our hypervisor's 2 MiB leaves).
const LARGE: u64 = 0x83;
const XD: u64 = 1 << 63;

const READ: Access = Access { write: false, user: false, execute: false };
const WRITE: Access = Access { write: true, user: false, execute: false };
const FETCH: Access = Access { write: false, user: false, execute: true };
const USER_READ: Access = Access { write: false, user: true, execute: false };
const USER_WRITE: Access = Access { write: true, user: true, execute: false };
const USER_FETCH: Access = Access { write: false, user: true, execute: true };

/// Guest memory of `size` bytes, sparse.
struct Memory {
    size: u64,
    quads: HashMap<u64, u64>,
    reads: Vec<u64>,
}

impl Memory {
    fn new(size: u64) -> Self {
        Self { size, quads: HashMap::new(), reads: Vec::new() }
    }

    fn set(&mut self, gpa: u64, value: u64) {
        assert!(gpa.is_multiple_of(8) && gpa < self.size, "bad test entry address {gpa:#x}");
        self.quads.insert(gpa, value);
    }

    /// Writes a 4-byte entry (32-bit paging).
    fn set32(&mut self, gpa: u64, value: u32) {
        assert!(gpa.is_multiple_of(4) && gpa < self.size, "bad test entry address {gpa:#x}");
        let quad = self.quads.entry(gpa & !7).or_insert(0);
        *quad = if gpa & 4 == 0 {
            (*quad & !0xFFFF_FFFF) | u64::from(value)
        } else {
            (*quad & 0xFFFF_FFFF) | (u64::from(value) << 32)
        };
    }

    fn reader(&mut self) -> impl FnMut(u64) -> Option<u64> + '_ {
        move |gpa| {
            assert_eq!(gpa % 8, 0, "unaligned read at {gpa:#x}");
            self.reads.push(gpa);
            (gpa < self.size).then(|| self.quads.get(&gpa).copied().unwrap_or(0))
        }
    }
}

fn paging(mode: PagingMode, cr3: u64) -> GuestPaging {
    GuestPaging { mode, cr3, cr0_wp: true, efer_nxe: true, max_physical_bits: DEFAULT_MAX_PHYSICAL_BITS, pdptes: None }
}

fn walk(g: &GuestPaging, memory: &mut Memory, linear: u64, access: Access) -> Result<Translation, PagingError> {
    g.translate(linear, access, memory.reader())
}

/// What our hypervisor gives a 64-bit guest with 64 MiB: PML4 at 0x1000,
/// PDPT at 0x2000, PD at 0x3000 identity-mapping the first 16 MiB with 2 MiB
/// pages (the rest of the tests add entries of their own).
fn identity_16mib() -> Memory {
    let mut m = Memory::new(64 * MIB);
    m.set(0x1000, 0x2000 | TABLE);
    m.set(0x2000, 0x3000 | TABLE);
    for i in 0..8 {
        m.set(0x3000 + i * 8, (i * 2 * MIB) | LARGE);
    }
    m
}

// ---- 4-level paging -----------------------------------------------------

#[test]
fn identity_map_with_2mib_pages() {
    let mut m = identity_16mib();
    let g = paging(PagingMode::Level4, 0x1000);
    for linear in [0, 0x1234, 0x1F_FFFF, 0x20_0000, 0x5A_BCDE, 0xA0_0008, 16 * MIB - 1] {
        let t = walk(&g, &mut m, linear, READ).unwrap();
        assert_eq!(t.physical, linear, "{linear:#x}");
        assert_eq!(t.page_size, 2 * MIB);
        assert!(t.writable && !t.user && t.executable);
    }
    // Supervisor writes and fetches are fine too.
    assert_eq!(walk(&g, &mut m, 0x30_0010, WRITE).unwrap().physical, 0x30_0010);
    assert_eq!(walk(&g, &mut m, 0x30_0010, FETCH).unwrap().physical, 0x30_0010);
    // Beyond 16 MiB the page directory is empty.
    assert_eq!(walk(&g, &mut m, 16 * MIB, READ), Err(PagingError::NotPresent { level: 2, linear: 16 * MIB }));
}

#[test]
fn walk_reads_exactly_one_entry_per_level() {
    let mut m = identity_16mib();
    let g = paging(PagingMode::Level4, 0x1000);
    let t = walk(&g, &mut m, 0xA1_2345, READ).unwrap();
    assert_eq!(t.physical, 0xA1_2345);
    assert_eq!(m.reads, [0x1000, 0x2000, 0x3000 + 5 * 8]);
}

#[test]
fn free_function_matches_the_struct() {
    let mut m = identity_16mib();
    let t = translate(0x7_6543, 0x1000, PagingMode::Level4, WRITE, true, true, 52, m.reader()).unwrap();
    assert_eq!((t.physical, t.page_size), (0x7_6543, 2 * MIB));
    let err = translate(0x7_6543, 0x1000, PagingMode::Level4, USER_READ, true, true, 52, m.reader());
    assert_eq!(err, Err(PagingError::Protection { linear: 0x7_6543 }));
}

#[test]
fn cr3_control_bits_are_ignored() {
    let mut m = identity_16mib();
    // PCID in bits 11:0 and bit 63 do not move the PML4.
    let g = paging(PagingMode::Level4, 0x1000 | 0xABC | (1 << 63));
    assert_eq!(walk(&g, &mut m, 0x12_3456, READ).unwrap().physical, 0x12_3456);
}

#[test]
fn four_kib_pages_through_a_page_table() {
    let mut m = identity_16mib();
    // Linear 4 MiB..6 MiB (PD entry 2) through a page table at 0x4000.
    m.set(0x3000 + 2 * 8, 0x4000 | TABLE);
    m.set(0x4000, 0x9000 | TABLE);
    m.set(0x4000 + 5 * 8, 0x7654_3000 | TABLE | (1 << 12)); // bit 12 is an address bit in a PTE
    m.set(0x4000 + 511 * 8, 0x1_2345_6000 | TABLE);
    let g = paging(PagingMode::Level4, 0x1000);

    let t = walk(&g, &mut m, 0x40_0123, READ).unwrap();
    assert_eq!((t.physical, t.page_size), (0x9123, KIB4));
    assert_eq!(walk(&g, &mut m, 0x40_5FFF, READ).unwrap().physical, 0x7654_3FFF);
    let t = walk(&g, &mut m, 0x5F_F800, WRITE).unwrap();
    assert_eq!(t.physical, 0x1_2345_6800);
    assert_eq!(t.bytes_to_page_end(), 0x800);
    assert_eq!(m.reads[m.reads.len() - 4..], [0x1000, 0x2000, 0x3010, 0x4000 + 511 * 8]);
    // Entry 1 of the page table is empty.
    assert_eq!(walk(&g, &mut m, 0x40_1000, READ), Err(PagingError::NotPresent { level: 1, linear: 0x40_1000 }));
}

#[test]
fn one_gib_page() {
    let mut m = identity_16mib();
    // Linear 1 GiB..2 GiB -> physical 3 GiB..4 GiB; PAT (bit 12) set, which is no address bit.
    m.set(0x2000 + 8, (3 * GIB) | LARGE | (1 << 12));
    let g = paging(PagingMode::Level4, 0x1000);
    let t = walk(&g, &mut m, GIB + 0x123_4567, READ).unwrap();
    assert_eq!((t.physical, t.page_size), (3 * GIB + 0x123_4567, GIB));
    assert_eq!(t.page_base(), 3 * GIB);
    assert_eq!(m.reads, [0x1000, 0x2008]);
    // Bits 29:13 of a 1 GiB PDPTE are reserved.
    m.set(0x2000 + 8, (3 * GIB) | LARGE | (1 << 13));
    assert_eq!(walk(&g, &mut m, GIB, READ), Err(PagingError::ReservedBit { level: 3, linear: GIB }));
    m.set(0x2000 + 8, (3 * GIB) | LARGE | (1 << 29));
    assert_eq!(walk(&g, &mut m, GIB, READ), Err(PagingError::ReservedBit { level: 3, linear: GIB }));
}

#[test]
fn higher_half_address_uses_the_upper_pml4_entries() {
    let mut m = identity_16mib();
    let linear = 0xFFFF_8000_0020_0042; // PML4 entry 256, PDPT 0, PD 1
    m.set(0x1000 + 256 * 8, 0x5000 | TABLE);
    m.set(0x5000, 0x6000 | TABLE);
    m.set(0x6000 + 8, 0x80_0000 | LARGE);
    let g = paging(PagingMode::Level4, 0x1000);
    assert_eq!(walk(&g, &mut m, linear, READ).unwrap().physical, 0x80_0042);
    assert_eq!(m.reads, [0x1000 + 256 * 8, 0x5000, 0x6008]);
}

#[test]
fn not_present_at_each_level() {
    let mut m = identity_16mib();
    m.set(0x3000 + 8 * 8, 0x4000 | TABLE); // PD 8 -> empty page table
    let g = paging(PagingMode::Level4, 0x1000);
    for (linear, level) in [(1 << 39, 4), (1 << 30, 3), (9 * 2 * MIB, 2), (8 * 2 * MIB + 0x3000, 1)] {
        let err = walk(&g, &mut m, linear, USER_WRITE).unwrap_err();
        assert_eq!(err, PagingError::NotPresent { level, linear });
        assert_eq!(err.page_fault_error_code(USER_WRITE), Some(0b110));
        assert_eq!(err.fault_address(), Some(linear));
    }
}

#[test]
fn reserved_bits_are_ignored_in_non_present_entries() {
    let mut m = identity_16mib();
    m.set(0x3000 + 9 * 8, 0xFFFF_FFFF_FFFF_FFFE);
    let g = paging(PagingMode::Level4, 0x1000);
    assert_eq!(walk(&g, &mut m, 18 * MIB, READ), Err(PagingError::NotPresent { level: 2, linear: 18 * MIB }));
}

#[test]
fn write_to_read_only_page_depends_on_wp_for_supervisor() {
    let mut m = identity_16mib();
    m.set(0x3000 + 3 * 8, (6 * MIB) | 0x81); // present, PS, read-only
    let mut g = paging(PagingMode::Level4, 0x1000);
    let linear = 6 * MIB + 0x10;

    assert!(!walk(&g, &mut m, linear, READ).unwrap().writable);
    let err = walk(&g, &mut m, linear, WRITE).unwrap_err();
    assert_eq!(err, PagingError::Protection { linear });
    assert_eq!(err.page_fault_error_code(WRITE), Some(0b11));

    g.cr0_wp = false;
    let t = walk(&g, &mut m, linear, WRITE).unwrap();
    assert_eq!(t.physical, linear);
    assert!(!t.writable);
}

#[test]
fn user_write_to_read_only_page_faults_even_without_wp() {
    let mut m = Memory::new(64 * MIB);
    m.set(0x1000, 0x2000 | USER_TABLE);
    m.set(0x2000, 0x3000 | 0x5); // read-only at the PDPT level only
    m.set(0x3000, 0x87); // 2 MiB user, writable leaf
    let mut g = paging(PagingMode::Level4, 0x1000);
    g.cr0_wp = false;
    let t = walk(&g, &mut m, 0x100, USER_READ).unwrap();
    assert!(t.user && !t.writable, "R/W must be 1 at every level");
    let err = walk(&g, &mut m, 0x100, USER_WRITE).unwrap_err();
    assert_eq!(err, PagingError::Protection { linear: 0x100 });
    assert_eq!(err.page_fault_error_code(USER_WRITE), Some(0b111));
    // A supervisor write goes through with WP = 0 ...
    assert!(walk(&g, &mut m, 0x100, WRITE).is_ok());
    // ... and not with WP = 1.
    g.cr0_wp = true;
    assert_eq!(walk(&g, &mut m, 0x100, WRITE), Err(PagingError::Protection { linear: 0x100 }));
}

#[test]
fn user_access_needs_us_at_every_level() {
    let mut m = identity_16mib();
    let g = paging(PagingMode::Level4, 0x1000);
    // Our identity map is supervisor-only.
    let err = walk(&g, &mut m, 0x1000, USER_READ).unwrap_err();
    assert_eq!(err, PagingError::Protection { linear: 0x1000 });
    assert_eq!(err.page_fault_error_code(USER_READ), Some(0b101));

    // U/S on every level but the PML4E is still a supervisor page.
    m.set(0x2000, 0x3000 | USER_TABLE);
    m.set(0x3000, LARGE | 0x4);
    assert!(walk(&g, &mut m, 0x1000, USER_READ).is_err());
    assert!(!walk(&g, &mut m, 0x1000, READ).unwrap().user);
    m.set(0x1000, 0x2000 | USER_TABLE);
    let t = walk(&g, &mut m, 0x1000, USER_READ).unwrap();
    assert!(t.user && t.writable);
    assert!(walk(&g, &mut m, 0x1000, USER_WRITE).is_ok());
    // Other PD entries stay supervisor-only.
    assert!(walk(&g, &mut m, 2 * MIB, USER_READ).is_err());
}

#[test]
fn fetch_from_execute_disabled_page() {
    let mut m = identity_16mib();
    m.set(0x3000 + 8, (2 * MIB) | LARGE | XD);
    let g = paging(PagingMode::Level4, 0x1000);
    let t = walk(&g, &mut m, 2 * MIB, READ).unwrap();
    assert!(!t.executable);
    let err = walk(&g, &mut m, 2 * MIB, FETCH).unwrap_err();
    assert_eq!(err, PagingError::Protection { linear: 2 * MIB });
    assert_eq!(err.page_fault_error_code(FETCH), Some(0b1_0001));
    assert_eq!(g.page_fault_error_code(&err, FETCH), Some(0b1_0001));
    // Page 0 is executable; XD on an upper level disables the whole range.
    assert!(walk(&g, &mut m, 0, FETCH).is_ok());
    m.set(0x1000, 0x2000 | TABLE | XD);
    assert_eq!(walk(&g, &mut m, 0, FETCH), Err(PagingError::Protection { linear: 0 }));
    assert!(!walk(&g, &mut m, 0, READ).unwrap().executable);
}

#[test]
fn xd_is_reserved_without_nxe() {
    let mut m = identity_16mib();
    m.set(0x3000 + 8, (2 * MIB) | LARGE | XD);
    let mut g = paging(PagingMode::Level4, 0x1000);
    g.efer_nxe = false;
    let err = walk(&g, &mut m, 2 * MIB, READ).unwrap_err();
    assert_eq!(err, PagingError::ReservedBit { level: 2, linear: 2 * MIB });
    assert_eq!(err.page_fault_error_code(READ), Some(0b1001));
    // Without NX a fetch does not set I/D (SDM 5.7.2); the plain method cannot know.
    assert_eq!(err.page_fault_error_code(FETCH), Some(0b1_1001));
    assert_eq!(g.page_fault_error_code(&err, FETCH), Some(0b1001));
    // Fetches from other pages are fine.
    assert!(walk(&g, &mut m, 0, FETCH).unwrap().executable);
}

#[test]
fn reserved_bits_in_4_level_entries() {
    let g = paging(PagingMode::Level4, 0x1000);
    // PS in a PML4E.
    let mut m = identity_16mib();
    m.set(0x1000, 0x2000 | TABLE | 0x80);
    let err = walk(&g, &mut m, 0, READ).unwrap_err();
    assert_eq!(err, PagingError::ReservedBit { level: 4, linear: 0 });
    // Bits 20:13 of a 2 MiB PDE.
    let mut m = identity_16mib();
    m.set(0x3000, LARGE | (1 << 20));
    assert_eq!(walk(&g, &mut m, 0, READ), Err(PagingError::ReservedBit { level: 2, linear: 0 }));
    // A reserved bit is reported before a rights violation.
    let err = walk(&g, &mut m, 0, USER_WRITE).unwrap_err();
    assert_eq!(err, PagingError::ReservedBit { level: 2, linear: 0 });
    assert_eq!(err.page_fault_error_code(USER_WRITE), Some(0b1111));
    // Bits 62:52 are ignored (available / protection keys) in 4-level paging.
    let mut m = identity_16mib();
    m.set(0x3000, LARGE | (0x7FF << 52));
    assert_eq!(walk(&g, &mut m, 0x42, READ).unwrap().physical, 0x42);
}

#[test]
fn address_bits_above_maxphyaddr_are_reserved() {
    let mut m = identity_16mib();
    m.set(0x3000 + 2 * 8, 0x4000 | TABLE);
    m.set(0x4000, (1 << 40) | 0x5000 | TABLE);
    let mut g = paging(PagingMode::Level4, 0x1000);
    assert_eq!(walk(&g, &mut m, 4 * MIB + 8, READ).unwrap().physical, (1 << 40) | 0x5008);
    g.max_physical_bits = 41;
    assert_eq!(walk(&g, &mut m, 4 * MIB + 8, READ).unwrap().physical, (1 << 40) | 0x5008);
    g.max_physical_bits = 40;
    assert_eq!(walk(&g, &mut m, 4 * MIB + 8, READ), Err(PagingError::ReservedBit { level: 1, linear: 4 * MIB + 8 }));
    // Nonsense widths are clamped: above 52 behaves as 52.
    g.max_physical_bits = 200;
    assert!(walk(&g, &mut m, 4 * MIB + 8, READ).is_ok());
}

#[test]
fn non_canonical_addresses_in_4_level_paging() {
    let mut m = identity_16mib();
    let g = paging(PagingMode::Level4, 0x1000);
    for linear in [1 << 47, 0xFFFF_7FFF_FFFF_FFFF, 1 << 63, 0x0001_0000_0000_0000] {
        let err = walk(&g, &mut m, linear, READ).unwrap_err();
        assert_eq!(err, PagingError::NonCanonical { linear });
        assert_eq!(err.page_fault_error_code(READ), None);
        assert_eq!(err.fault_address(), None);
    }
    assert!(m.reads.is_empty(), "no walk for a non-canonical address");
    // The top canonical address walks (and finds nothing).
    let top = u64::MAX;
    assert_eq!(walk(&g, &mut m, top, READ), Err(PagingError::NotPresent { level: 4, linear: top }));
}

#[test]
fn table_outside_memory() {
    let mut m = identity_16mib();
    m.set(0x1000 + 8, 0x1_0000_0000 | TABLE); // PDPT at 4 GiB, memory is 64 MiB
    let g = paging(PagingMode::Level4, 0x1000);
    let linear = (1 << 39) | (3 << 30);
    let err = walk(&g, &mut m, linear, READ).unwrap_err();
    assert_eq!(err, PagingError::TableOutsideMemory { gpa: 0x1_0000_0000 + 3 * 8 });
    assert_eq!(err.page_fault_error_code(READ), None);
    assert_eq!(err.fault_address(), None);
    // CR3 itself outside memory.
    let g = paging(PagingMode::Level4, 0x1_0000_0000);
    assert_eq!(walk(&g, &mut m, 0, READ), Err(PagingError::TableOutsideMemory { gpa: 0x1_0000_0000 }));
}

// ---- 5-level paging -----------------------------------------------------

#[test]
fn five_level_walk() {
    let mut m = identity_16mib();
    // PML5 at 0x8000, entry 0 -> our PML4.
    m.set(0x8000, 0x1000 | TABLE);
    let g = paging(PagingMode::Level5, 0x8000);
    assert_eq!(walk(&g, &mut m, 0x3_0000, READ).unwrap().physical, 0x3_0000);
    assert_eq!(m.reads, [0x8000, 0x1000, 0x2000, 0x3000]);
    // 1 << 47 is canonical here (PML4 entry 256, empty), 1 << 56 is not.
    assert_eq!(walk(&g, &mut m, 1 << 47, READ), Err(PagingError::NotPresent { level: 4, linear: 1 << 47 }));
    assert_eq!(walk(&g, &mut m, 1 << 56, READ), Err(PagingError::NonCanonical { linear: 1 << 56 }));
    let high = 0xFF00_0000_0000_0000; // PML5 entry 256
    assert_eq!(walk(&g, &mut m, high, READ), Err(PagingError::NotPresent { level: 5, linear: high }));
    m.set(0x8000 + 8, 0x1000 | TABLE | 0x80); // PS is reserved in a PML5E
    assert_eq!(walk(&g, &mut m, 1 << 48, READ), Err(PagingError::ReservedBit { level: 5, linear: 1 << 48 }));
}

// ---- PAE paging ---------------------------------------------------------

/// PDPT at 0x5020 (CR3 bits 31:5, not page aligned): PDPTE 0 -> PD 0x6000,
/// PDPTE 3 -> PD 0x7000, PDPTE 1, 2 not present.
fn pae_memory() -> Memory {
    let mut m = Memory::new(64 * MIB);
    m.set(0x5020, 0x6000 | 1);
    m.set(0x5020 + 3 * 8, 0x7000 | 1);
    m.set(0x6000 + 8, (10 * MIB) | LARGE); // linear 2 MiB -> 10 MiB, 2 MiB page
    m.set(0x7000 + 511 * 8, 0x8000 | USER_TABLE); // linear 0xFFE0_0000 -> PT 0x8000
    m.set(0x8000 + 511 * 8, 0x1234_5000 | USER_TABLE | XD);
    m
}

#[test]
fn pae_with_pdptes_from_memory() {
    let mut m = pae_memory();
    let g = paging(PagingMode::Pae, 0x5020);
    let t = walk(&g, &mut m, 0x20_1234, READ).unwrap();
    assert_eq!((t.physical, t.page_size), (0xA0_1234, 2 * MIB));
    assert_eq!(m.reads, [0x5020, 0x6008]);
    let t = walk(&g, &mut m, 0xFFFF_FABC, USER_WRITE).unwrap();
    assert_eq!((t.physical, t.page_size), (0x1234_5ABC, KIB4));
    assert!(t.user && t.writable && !t.executable);
    assert_eq!(walk(&g, &mut m, 0xFFFF_FABC, USER_FETCH), Err(PagingError::Protection { linear: 0xFFFF_FABC }));
    // Linear addresses are 32 bits: the upper half is dropped.
    assert_eq!(walk(&g, &mut m, 0x1_0020_1234, READ).unwrap().physical, 0xA0_1234);
    // PDPTE 1 is not present.
    assert_eq!(walk(&g, &mut m, 0x4000_0000, READ), Err(PagingError::NotPresent { level: 3, linear: 0x4000_0000 }));
    // The 2 MiB page at linear 0 is not mapped (PD 0x6000 entry 0).
    assert_eq!(walk(&g, &mut m, 0, READ), Err(PagingError::NotPresent { level: 2, linear: 0 }));
}

#[test]
fn pae_reserved_bits() {
    let g = paging(PagingMode::Pae, 0x5020);
    // A PDPTE has no R/W bit: bit 1 is reserved.
    let mut m = pae_memory();
    m.set(0x5020, 0x6000 | TABLE);
    assert_eq!(walk(&g, &mut m, 0x20_0000, READ), Err(PagingError::ReservedBit { level: 3, linear: 0x20_0000 }));
    // Nor XD: bit 63 is reserved in a PDPTE even with NXE.
    let mut m = pae_memory();
    m.set(0x5020, 0x6000 | 1 | XD);
    assert!(matches!(walk(&g, &mut m, 0x20_0000, READ), Err(PagingError::ReservedBit { level: 3, .. })));
    // Bits 62:M are reserved in PAE PDEs and PTEs (unlike 4-level paging).
    let mut m = pae_memory();
    m.set(0x6000 + 8, (10 * MIB) | LARGE | (1 << 60));
    assert_eq!(walk(&g, &mut m, 0x20_0000, READ), Err(PagingError::ReservedBit { level: 2, linear: 0x20_0000 }));
    // XD without NXE.
    let mut m = pae_memory();
    let mut no_nx = g;
    no_nx.efer_nxe = false;
    let err = walk(&no_nx, &mut m, 0xFFFF_F000, USER_FETCH).unwrap_err();
    assert_eq!(err, PagingError::ReservedBit { level: 1, linear: 0xFFFF_F000 });
    assert_eq!(no_nx.page_fault_error_code(&err, USER_FETCH), Some(0b1101));
}

#[test]
fn pae_uses_pdpte_registers_when_given() {
    let mut m = pae_memory();
    // The guest rewrote PDPTE 0 in memory after loading CR3; the processor
    // (and the walk, given the VMCS PDPTE fields) still use the loaded value.
    m.set(0x5020, 0);
    let g = paging(PagingMode::Pae, 0x5020).with_pdptes([0x6000 | 1, 0, 0, 0x7000 | 1]);
    assert_eq!(walk(&g, &mut m, 0x20_0010, READ).unwrap().physical, 0xA0_0010);
    assert_eq!(walk(&g, &mut m, 0xFFFF_F010, READ).unwrap().physical, 0x1234_5010);
    assert!(!m.reads.iter().any(|&gpa| (0x5020..0x5040).contains(&gpa)), "PDPT read from memory");
    assert_eq!(walk(&g, &mut m, 0x8000_0000, READ), Err(PagingError::NotPresent { level: 3, linear: 0x8000_0000 }));
    // Without them the memory copy counts.
    let g = paging(PagingMode::Pae, 0x5020);
    assert_eq!(walk(&g, &mut m, 0x20_0010, READ), Err(PagingError::NotPresent { level: 3, linear: 0x20_0010 }));
}

// ---- 32-bit paging ------------------------------------------------------

/// Page directory at 0x3000: PDE 3 maps a 4 MiB page at 12 MiB (with PSE),
/// PDE 2 a page table at 0x5000.
fn bits32_memory() -> Memory {
    let mut m = Memory::new(64 * MIB);
    m.set32(0x3000 + 3 * 4, 0x00C0_0000 | 0x83);
    m.set32(0x3000 + 2 * 4, 0x5000 | 0x7);
    m.set32(0x5000 + 3 * 4, 0x0ABC_D000 | 0x7); // odd index: high half of a quad
    m.set32(0x5000 + 4 * 4, 0x0123_4000 | 0x5); // even index, read-only
    m
}

#[test]
fn bits32_4mib_pse_page() {
    let mut m = bits32_memory();
    let g = paging(PagingMode::Bits32 { pse: true }, 0x3000);
    let t = walk(&g, &mut m, 0x00C1_2345, WRITE).unwrap();
    assert_eq!((t.physical, t.page_size), (0x00C1_2345, 4 * MIB));
    assert!(t.writable && !t.user && t.executable);
    assert_eq!(m.reads, [0x3008]); // PDE 3 lives in the high half of the quad at 0x3008
                                   // NX does not exist in 32-bit paging: fetches are always allowed.
    assert!(walk(&g, &mut m, 0x00C0_0000, FETCH).is_ok());
    // Bit 21 of a 4 MiB PDE is reserved.
    m.set32(0x3000 + 3 * 4, 0x00C0_0000 | 0x83 | (1 << 21));
    assert_eq!(walk(&g, &mut m, 0x00C0_0000, READ), Err(PagingError::ReservedBit { level: 2, linear: 0x00C0_0000 }));
}

#[test]
fn bits32_pse36_high_address_bits() {
    let mut m = bits32_memory();
    // Bits 20:13 hold physical bits 39:32.
    m.set32(0x3000 + 3 * 4, 0xC000_0000 | (0x5 << 13) | 0x83);
    let mut g = paging(PagingMode::Bits32 { pse: true }, 0x3000);
    g.max_physical_bits = 40;
    assert_eq!(walk(&g, &mut m, 0x00C0_1234, READ).unwrap().physical, 0x5_C000_1234);
    // MAXPHYADDR 36: bits 16:13 are address bits, 21:17 reserved.
    g.max_physical_bits = 36;
    assert_eq!(walk(&g, &mut m, 0x00C0_1234, READ).unwrap().physical, 0x5_C000_1234);
    m.set32(0x3000 + 3 * 4, 0xC000_0000 | (1 << 17) | 0x83);
    assert!(matches!(walk(&g, &mut m, 0x00C0_1234, READ), Err(PagingError::ReservedBit { level: 2, .. })));
    // With MAXPHYADDR 52, M is capped at 40: bit 20 is bit 39, bit 21 still reserved.
    g.max_physical_bits = 52;
    m.set32(0x3000 + 3 * 4, (1 << 20) | 0x83);
    assert_eq!(walk(&g, &mut m, 0x00C0_0000, READ).unwrap().physical, 1 << 39);
}

#[test]
fn bits32_4kib_page() {
    let mut m = bits32_memory();
    let g = paging(PagingMode::Bits32 { pse: true }, 0x3000);
    let t = walk(&g, &mut m, 0x0080_3123, USER_WRITE).unwrap();
    assert_eq!((t.physical, t.page_size), (0x0ABC_D123, KIB4));
    assert!(t.user && t.writable && t.executable);
    assert_eq!(m.reads, [0x3008, 0x5008]);
    let t = walk(&g, &mut m, 0x0080_4FFF, USER_READ).unwrap();
    assert_eq!(t.physical, 0x0123_4FFF);
    assert!(!t.writable);
    let err = walk(&g, &mut m, 0x0080_4FFF, USER_WRITE).unwrap_err();
    assert_eq!(err, PagingError::Protection { linear: 0x0080_4FFF });
    // 32-bit paging never reports I/D through GuestPaging.
    assert_eq!(g.page_fault_error_code(&err, USER_FETCH), Some(0b101));
    assert_eq!(walk(&g, &mut m, 0x0080_5000, READ), Err(PagingError::NotPresent { level: 1, linear: 0x0080_5000 }));
    assert_eq!(walk(&g, &mut m, 0x0100_0000, READ), Err(PagingError::NotPresent { level: 2, linear: 0x0100_0000 }));
    // Linear addresses are 32 bits.
    assert_eq!(walk(&g, &mut m, 0xF_0080_3123, READ).unwrap().physical, 0x0ABC_D123);
}

#[test]
fn bits32_without_pse_ignores_the_ps_bit() {
    let mut m = bits32_memory();
    // PDE 3 = 0x00C0_0083 now references a page table at 12 MiB.
    m.set32(0x00C0_0000 + 4, 0x0777_7000 | 0x3);
    let g = paging(PagingMode::Bits32 { pse: false }, 0x3000);
    let t = walk(&g, &mut m, 0x00C0_1234, READ).unwrap();
    assert_eq!((t.physical, t.page_size), (0x0777_7234, KIB4));
    assert_eq!(walk(&g, &mut m, 0x00C0_0000, READ), Err(PagingError::NotPresent { level: 1, linear: 0x00C0_0000 }));
    // And bit 21 is just an address bit of that table.
    m.set32(0x3000 + 3 * 4, 0x00E0_0000 | 0x83);
    assert!(matches!(walk(&g, &mut m, 0x00C0_0000, READ), Err(PagingError::NotPresent { level: 1, .. })));
}

#[test]
fn bits32_entry_in_the_last_bytes_of_memory() {
    let mut m = Memory::new(0x4000);
    m.set32(0x3FFC, 0x1000 | 0x3); // PDE 1023 in the last 4 bytes
    m.set32(0x1000 + 1023 * 4, 0x2000 | 0x3);
    let g = paging(PagingMode::Bits32 { pse: false }, 0x3000);
    assert_eq!(walk(&g, &mut m, 0xFFFF_F00F, READ).unwrap().physical, 0x200F);
    assert_eq!(m.reads, [0x3FF8, 0x1FF8]);
    let g = paging(PagingMode::Bits32 { pse: false }, 0x4000);
    assert_eq!(walk(&g, &mut m, 4, READ), Err(PagingError::TableOutsideMemory { gpa: 0x4000 }));
}

// ---- no paging ----------------------------------------------------------

#[test]
fn no_paging_passes_through_in_32_bits() {
    let mut m = Memory::new(64 * MIB);
    let g = paging(PagingMode::None, 0xDEAD_0000);
    for access in [READ, USER_WRITE, USER_FETCH] {
        let t = walk(&g, &mut m, 0x1234_5678, access).unwrap();
        assert_eq!(t.physical, 0x1234_5678);
        assert!(t.writable && t.user && t.executable);
    }
    let t = walk(&g, &mut m, 0x1_0000_1000, READ).unwrap();
    assert_eq!(t.physical, 0x1000);
    assert_eq!(t.page_size, 1 << 32);
    assert_eq!(t.bytes_to_page_end(), (1 << 32) - 0x1000);
    assert!(m.reads.is_empty());
}

#[test]
fn from_registers_drives_the_walk() {
    let mut m = identity_16mib();
    // CR0 = PG | WP | PE, CR4 = PAE, EFER = LMA | LME | NXE: our 64-bit guests.
    let g = GuestPaging::from_registers(0x8001_0001, 0x1000, 1 << 5, 0xD00, 39);
    assert_eq!(g.mode, PagingMode::Level4);
    assert_eq!(walk(&g, &mut m, 0xF0_0000, READ).unwrap().physical, 0xF0_0000);
    m.set(0x3000, LARGE | XD);
    assert!(walk(&g, &mut m, 0, FETCH).is_err());
}
