//! [`Ept`]: one partition's extended page tables.
//!
//! The hypervisor gives each partition its own EPT, mapping guest-physical
//! ranges to host frames with read/write/execute rights and a memory type (SDM
//! Vol. 3C 29.3, "The Extended Page Table Mechanism"). This type keeps track of
//! the tables of one 4-level EPT and offers map / unmap / protect / translate
//! over them. It reaches memory only through the [`TableMemory`] passed to
//! each call, so the owner keeps the memory next to the `Ept` (and can drop
//! both from a `Drop` impl via [`Ept::free_all`]); every call must be given
//! the same memory.
//!
//! # Design
//!
//! * **Two passes.** Every changing operation first walks its range without
//!   writing anything (a dry run): it validates the whole request (no overlap
//!   for `map`, nothing unmapped for `unmap`/`protect`) and counts the new
//!   tables it will need, for intermediate levels or for splitting large
//!   pages. Those tables are then allocated up front; if any allocation fails
//!   they are freed and the EPT is untouched. Only then does the commit pass
//!   write entries, and it cannot fail. So an error always means "nothing
//!   changed", out-of-memory included, and no partial mapping is ever visible.
//!   The dry run models not-yet-existing tables as virtual nodes (an empty
//!   table, or the 512 leaves a large page would split into) so both passes
//!   take exactly the same decisions.
//! * **Page sizes.** A 1 GiB or 2 MiB leaf is used where the guest range
//!   covers the whole entry, the host address is aligned to the page size and
//!   [`EptCapabilities`] allows it; 4 KiB leaves otherwise. A partly covered
//!   large leaf is split into a table of 512 next-smaller leaves with the same
//!   attributes before `unmap`/`protect` change part of it.
//! * **Freeing.** Tables that `unmap` empties are unlinked at once but not
//!   freed: a processor may still hold cached paging-structure entries that
//!   point at them (SDM Vol. 3C 29.4), and a freed frame could be reused and
//!   filled with anything. They wait on an intrusive list until the caller
//!   shows, by handing back the [`InveptRequired`] token, that INVEPT has run
//!   ([`Ept::free_detached_tables`]); [`Ept::free_all`] frees them too.
//! * Non-leaf entries allow read, write and execute; the leaf alone decides.
//!   Leaves always set "ignore PAT" so their memory type is the effective one.

mod map;
mod pass;
mod protect;
mod unmap;

#[cfg(test)]
mod tests;

use crate::entry::{self, is_leaf, is_present, PHYS_LIMIT};
use crate::eptp;
use crate::frame_list::FrameList;
use crate::page_size::{index, level_size, ENTRIES, GPA_LIMIT, TABLE_SIZE, WALK_LEVELS};
use crate::{EptCapabilities, EptConfig, EptError, InveptRequired, MemoryType, PageSize, TableMemory, Translation};
use pass::Pass;

/// A 4-level extended page table, its tables in a [`TableMemory`] passed to
/// each call.
///
/// Dropping an `Ept` leaks its tables; call [`free_all`](Self::free_all) or
/// [`destroy`](Self::destroy). Changes take `&mut self`, so they must be
/// serialised by the owner; processors may walk the tables at any time.
#[derive(Debug)]
pub struct Ept {
    /// What the processor supports.
    caps: EptCapabilities,
    /// What was asked for.
    config: EptConfig,
    /// Host-physical address of the PML4 table.
    pml4: u64,
    /// Whether [`free_all`](Self::free_all) has given the tables back.
    freed: bool,
    /// Table frames held: the tree plus the detached ones.
    tables: usize,
    /// Tables unlinked by `unmap`, waiting for INVEPT before being freed.
    detached: FrameList,
}

impl Ept {
    /// An empty EPT (a zeroed PML4 table from `mem`) with the default
    /// configuration: 4-level walk, no accessed/dirty flags.
    ///
    /// # Errors
    ///
    /// As [`with_config`](Self::with_config).
    pub fn new<M: TableMemory + ?Sized>(mem: &mut M, caps: EptCapabilities) -> Result<Self, EptError> {
        Self::with_config(mem, caps, EptConfig::default())
    }

    /// An empty EPT built as `config` asks.
    ///
    /// # Errors
    ///
    /// * [`EptError::UnsupportedPageWalk`] unless `config.page_walk_levels`
    ///   is 4;
    /// * [`EptError::Unsupported`] if accessed/dirty flags are asked for but
    ///   not supported, or if the processor allows neither WB nor UC for the
    ///   paging structures (as with `EptCapabilities::default()`);
    /// * [`EptError::OutOfMemory`] if the PML4 table cannot be allocated.
    ///
    /// # Panics
    ///
    /// If `mem` hands out a table address that is not 4 KiB aligned or not
    /// below 2^52 (a broken [`TableMemory`]).
    pub fn with_config<M: TableMemory + ?Sized>(
        mem: &mut M,
        caps: EptCapabilities,
        config: EptConfig,
    ) -> Result<Self, EptError> {
        if config.page_walk_levels != WALK_LEVELS {
            return Err(EptError::UnsupportedPageWalk { levels: config.page_walk_levels });
        }
        if config.accessed_dirty && !caps.accessed_dirty {
            return Err(EptError::Unsupported("EPT accessed and dirty flags (IA32_VMX_EPT_VPID_CAP bit 21)"));
        }
        if !caps.wb && !caps.uc {
            return Err(EptError::Unsupported(
                "a WB or UC memory type for the EPT paging structures (IA32_VMX_EPT_VPID_CAP bits 14, 8)",
            ));
        }
        let pml4 = mem.allocate_table().ok_or(EptError::OutOfMemory { tables: 1 })?;
        check_table_address(pml4);
        Ok(Self { caps, config, pml4, freed: false, tables: 1, detached: FrameList::new() })
    }

    /// The EPT pointer for the VMCS (SDM Vol. 3C 25.6.11): the PML4 address,
    /// [`structure_memory_type`](Self::structure_memory_type) in bits 2:0,
    /// page-walk length minus one (3) in bits 5:3, and bit 6 if
    /// accessed/dirty flags were configured. Meaningless after
    /// [`free_all`](Self::free_all).
    #[must_use]
    pub fn eptp(&self) -> u64 {
        eptp::encode(self.pml4, self.structure_memory_type(), WALK_LEVELS, self.config.accessed_dirty)
    }

    /// The memory type the processor uses to read these tables: WB when
    /// supported, else UC (SDM Vol. 3C 29.3.7.1).
    #[must_use]
    pub fn structure_memory_type(&self) -> MemoryType {
        if self.caps.wb {
            MemoryType::WriteBack
        } else {
            MemoryType::Uncacheable
        }
    }

    /// Host-physical address of the PML4 table.
    #[must_use]
    pub fn pml4_address(&self) -> u64 {
        self.pml4
    }

    /// The capabilities the EPT was built for.
    #[must_use]
    pub fn capabilities(&self) -> EptCapabilities {
        self.caps
    }

    /// The configuration the EPT was built with.
    #[must_use]
    pub fn config(&self) -> EptConfig {
        self.config
    }

    /// Table frames currently held, detached ones included (0 after
    /// [`free_all`](Self::free_all)).
    #[must_use]
    pub fn table_count(&self) -> usize {
        self.tables
    }

    /// Tables unlinked by [`unmap`](Self::unmap) that wait for
    /// [`free_detached_tables`](Self::free_detached_tables).
    #[must_use]
    pub fn detached_table_count(&self) -> usize {
        self.detached.len()
    }

    /// How `gpa` translates, walking the tables in `mem` as the processor
    /// would; `None` if it is not mapped, is beyond the 48-bit guest-physical
    /// space, or the tables were freed.
    #[must_use]
    pub fn translate<M: TableMemory + ?Sized>(&self, mem: &M, gpa: u64) -> Option<Translation> {
        let entries = self.walk_entries(mem, gpa);
        for (&e, level) in entries.iter().zip((1..=WALK_LEVELS).rev()) {
            let e = e?;
            if !is_present(e) {
                return None;
            }
            if is_leaf(e, level) {
                return Some(Translation {
                    hpa: entry::leaf_address(e, level) + (gpa & (level_size(level) - 1)),
                    access: entry::access(e),
                    mem_type: entry::memory_type(e)?,
                    page_size: PageSize::from_level(level)?,
                });
            }
        }
        None
    }

    /// The raw entries the processor would read to translate `gpa`, PML4E
    /// first (`[0]` = level 4, `[3]` = level 1); `None` past the entry that
    /// ends the walk (a not-present entry or a leaf). For the EPT
    /// misconfiguration report: feed `[i]` to
    /// [`misconfigured`](crate::misconfigured) with level `4 - i`. All `None`
    /// if `gpa` is beyond the 48-bit guest-physical space or the tables were
    /// freed.
    #[must_use]
    pub fn walk_entries<M: TableMemory + ?Sized>(&self, mem: &M, gpa: u64) -> [Option<u64>; 4] {
        let mut entries = [None; 4];
        if gpa >= GPA_LIMIT || self.freed {
            return entries;
        }
        let mut table = self.pml4;
        for (slot, level) in entries.iter_mut().zip((1..=WALK_LEVELS).rev()) {
            let e = mem.read_entry(table, index(gpa, level));
            *slot = Some(e);
            if !is_present(e) || is_leaf(e, level) {
                break;
            }
            table = entry::table_address(e);
        }
        entries
    }

    /// Frees the tables [`unmap`](Self::unmap) unlinked, now that the caller
    /// has executed the INVEPT `flushed` asked for (single-context with this
    /// EPTP, on every processor that may have used it). A token covers every
    /// table detached before it. Returns how many were freed.
    ///
    /// # Panics
    ///
    /// If `flushed` belongs to another EPT.
    pub fn free_detached_tables<M: TableMemory + ?Sized>(&mut self, mem: &mut M, flushed: InveptRequired) -> usize {
        assert_eq!(flushed.eptp(), self.eptp(), "INVEPT token of another EPT");
        let freed = self.detached.free_all(mem);
        self.tables -= freed;
        freed
    }

    /// Gives every table back to `mem` (the PML4, every table reachable from
    /// it, and the detached ones); how many. Afterwards the EPT maps nothing,
    /// changes fail with [`EptError::Freed`], and a second call frees nothing,
    /// so this is safe to call from the owner's `Drop`.
    ///
    /// The caller must first make sure no VMCS in use still holds
    /// [`eptp`](Self::eptp) and that INVEPT (single-context with it, or
    /// all-context) has run on every processor that used it: otherwise cached
    /// entries could point into frames that are about to be reused.
    pub fn free_all<M: TableMemory + ?Sized>(&mut self, mem: &mut M) -> usize {
        if self.freed {
            return 0;
        }
        let freed = free_subtree(mem, self.pml4, WALK_LEVELS) + self.detached.free_all(mem);
        debug_assert_eq!(freed, self.tables, "table accounting");
        self.freed = true;
        self.tables = 0;
        freed
    }

    /// [`free_all`](Self::free_all), consuming the EPT.
    pub fn destroy<M: TableMemory + ?Sized>(mut self, mem: &mut M) -> usize {
        self.free_all(mem)
    }

    /// The PML4 address, unless the tables were freed.
    fn root(&self) -> Result<u64, EptError> {
        if self.freed {
            Err(EptError::Freed)
        } else {
            Ok(self.pml4)
        }
    }

    /// The token for a change to this EPT.
    fn invept_required(&self) -> InveptRequired {
        InveptRequired::new(self.eptp())
    }

    /// Runs `walk` as a dry run, allocates the tables it counted, then runs it
    /// again for real. Nothing is written unless everything succeeds.
    fn two_pass<M: TableMemory + ?Sized>(
        &mut self,
        mem: &mut M,
        walk: impl Fn(&mut Self, &mut M, &mut Pass) -> Result<(), EptError>,
    ) -> Result<(), EptError> {
        let mut dry = Pass::dry_run();
        walk(self, mem, &mut dry)?;
        let needed = dry.needed();
        let mut pool = FrameList::new();
        for _ in 0..needed {
            let Some(hpa) = mem.allocate_table() else {
                // Never linked, so never visible to a processor: free at once.
                pool.free_all(mem);
                return Err(EptError::OutOfMemory { tables: needed });
            };
            check_table_address(hpa);
            pool.push(mem, hpa);
        }
        let mut commit = Pass::commit(pool);
        let outcome = walk(self, mem, &mut commit);
        assert!(outcome.is_ok(), "EPT commit pass failed after a successful dry run: {outcome:?}");
        let mut left = commit.into_pool();
        debug_assert_eq!(left.len(), 0, "dry run over-counted tables");
        let unused = left.free_all(mem);
        self.tables += needed - unused;
        Ok(())
    }
}

/// Frees the table at `table` (at `level`) and every table below it; how many.
fn free_subtree<M: TableMemory + ?Sized>(mem: &mut M, table: u64, level: u8) -> usize {
    let mut freed = 1;
    if level > 1 {
        for i in 0..ENTRIES {
            let e = mem.read_entry(table, i);
            if is_present(e) && !is_leaf(e, level) {
                freed += free_subtree(mem, entry::table_address(e), level - 1);
            }
        }
    }
    mem.free_table(table);
    freed
}

/// Whether no entry of `table` is present.
fn table_is_empty<M: TableMemory + ?Sized>(mem: &M, table: u64) -> bool {
    (0..ENTRIES).all(|i| !is_present(mem.read_entry(table, i)))
}

/// Panics unless `hpa`, from [`TableMemory::allocate_table`], is a usable
/// table address.
fn check_table_address(hpa: u64) {
    assert!(
        hpa.is_multiple_of(TABLE_SIZE) && hpa < PHYS_LIMIT,
        "TableMemory::allocate_table returned {hpa:#x}: not a 4 KiB-aligned address below 2^52"
    );
}

/// `Ok` if `value` is 4 KiB aligned.
fn check_aligned(what: &'static str, value: u64) -> Result<(), EptError> {
    if value.is_multiple_of(TABLE_SIZE) {
        Ok(())
    } else {
        Err(EptError::Misaligned { what, value })
    }
}

/// The end of `addr .. addr + len`, if that is non-empty and within `limit`.
fn range_end(addr: u64, len: u64, limit: u64) -> Result<u64, EptError> {
    if len == 0 {
        return Err(EptError::ZeroLength);
    }
    match addr.checked_add(len) {
        Some(end) if end <= limit => Ok(end),
        _ => Err(EptError::OutOfRange { addr, len, limit }),
    }
}

/// Checks a guest-physical range for `unmap` and `protect`; its end.
fn check_gpa_range(gpa: u64, len: u64) -> Result<u64, EptError> {
    check_aligned("gpa", gpa)?;
    check_aligned("len", len)?;
    range_end(gpa, len, GPA_LIMIT)
}
