//! Test doubles: [`FakeRam`], table memory in a hash map, and a capability set
//! with everything supported.
//!
//! Host tests cannot touch real frames, so the builder is exercised against
//! this [`TableMemory`] instead. It is deliberately strict: table addresses are
//! never reused and any access to a table that is not currently allocated
//! panics, so a use-after-free or double free in the builder fails the test
//! instead of passing silently. It counts allocations and frees so tests can
//! check that every table is given back, and it can be told to run out of
//! memory after a number of allocations.

use std::collections::{BTreeMap, HashMap};
use std::vec::Vec;

use crate::page_size::{ENTRIES, TABLE_SIZE};
use crate::{EptCapabilities, TableMemory};

/// Every capability.
pub(crate) const fn caps_all() -> EptCapabilities {
    EptCapabilities { pages_2m: true, pages_1g: true, execute_only: true, wb: true, uc: true, accessed_dirty: true }
}

/// Fake host-physical memory holding EPT tables.
#[derive(Debug)]
pub(crate) struct FakeRam {
    /// Live tables by address.
    tables: HashMap<u64, Box<[u64; ENTRIES]>>,
    /// Address of the next table handed out (never reused).
    next: u64,
    /// Allocations that may still succeed; `None` = unlimited.
    budget: Option<usize>,
    /// Successful allocations so far.
    pub(crate) allocated: usize,
    /// Frees so far.
    pub(crate) freed: usize,
}

impl FakeRam {
    /// Where the first table is placed.
    pub(crate) const BASE: u64 = 0x10_0000;

    /// Unlimited memory.
    pub(crate) fn new() -> Self {
        Self { tables: HashMap::new(), next: Self::BASE, budget: None, allocated: 0, freed: 0 }
    }

    /// Lets only `allocations` more allocations succeed (`None`: unlimited).
    pub(crate) fn set_budget(&mut self, allocations: Option<usize>) {
        self.budget = allocations;
    }

    /// Number of tables currently allocated.
    pub(crate) fn live(&self) -> usize {
        self.tables.len()
    }

    /// Whether `hpa` is a currently allocated table.
    pub(crate) fn is_live(&self, hpa: u64) -> bool {
        self.tables.contains_key(&hpa)
    }

    /// Every live table's entries, ordered by address, for before/after
    /// comparisons.
    pub(crate) fn snapshot(&self) -> BTreeMap<u64, Vec<u64>> {
        self.tables.iter().map(|(&hpa, table)| (hpa, table.to_vec())).collect()
    }

    /// The table at `hpa`, or a panic naming the bug.
    fn table(&self, hpa: u64) -> &[u64; ENTRIES] {
        self.tables.get(&hpa).unwrap_or_else(|| panic!("access to {hpa:#x}, which is not an allocated table"))
    }
}

impl TableMemory for FakeRam {
    fn allocate_table(&mut self) -> Option<u64> {
        if let Some(budget) = &mut self.budget {
            *budget = budget.checked_sub(1)?;
        }
        let hpa = self.next;
        self.next += TABLE_SIZE;
        self.tables.insert(hpa, Box::new([0; ENTRIES]));
        self.allocated += 1;
        Some(hpa)
    }

    fn free_table(&mut self, hpa: u64) {
        assert!(self.tables.remove(&hpa).is_some(), "free of {hpa:#x}, which is not an allocated table");
        self.freed += 1;
    }

    fn read_entry(&self, table_hpa: u64, index: usize) -> u64 {
        self.table(table_hpa)[index]
    }

    fn write_entry(&mut self, table_hpa: u64, index: usize, value: u64) {
        let table = self
            .tables
            .get_mut(&table_hpa)
            .unwrap_or_else(|| panic!("write to {table_hpa:#x}, which is not an allocated table"));
        table[index] = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_tables_are_zero_and_distinct() {
        let mut ram = FakeRam::new();
        let a = ram.allocate_table().unwrap();
        let b = ram.allocate_table().unwrap();
        assert_ne!(a, b);
        assert_eq!(a % TABLE_SIZE, 0);
        assert!((0..ENTRIES).all(|i| ram.read_entry(b, i) == 0));
        ram.free_table(a);
        let c = ram.allocate_table().unwrap();
        assert_ne!(c, a, "addresses are never reused");
    }

    #[test]
    fn budget_runs_out() {
        let mut ram = FakeRam::new();
        ram.set_budget(Some(1));
        assert!(ram.allocate_table().is_some());
        assert!(ram.allocate_table().is_none());
        assert_eq!(ram.allocated, 1);
    }

    #[test]
    #[should_panic(expected = "not an allocated table")]
    fn use_after_free_panics() {
        let mut ram = FakeRam::new();
        let a = ram.allocate_table().unwrap();
        ram.free_table(a);
        let _ = ram.read_entry(a, 0);
    }

    #[test]
    #[should_panic(expected = "not an allocated table")]
    fn double_free_panics() {
        let mut ram = FakeRam::new();
        let a = ram.allocate_table().unwrap();
        ram.free_table(a);
        ram.free_table(a);
    }
}
