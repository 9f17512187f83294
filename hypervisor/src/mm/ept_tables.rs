//! Host frames for EPT paging structures: the kernel's implementation of
//! `hv_ept::TableMemory`, through which the pure EPT builder allocates,
//! reads, writes and frees table frames.
//!
//! Each table is an [`OwnedFrames`] kept in a map from its physical
//! address, so a table frame can only be reached by the EPT that allocated
//! it, and dropping the EPT's storage returns every table to the allocator.

use alloc::collections::BTreeMap;

use super::OwnedFrames;

/// The table frames of one EPT hierarchy.
#[derive(Default)]
pub struct EptTables {
    tables: BTreeMap<u64, OwnedFrames>,
}

impl EptTables {
    /// An empty set of tables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of table frames in use.
    pub fn count(&self) -> usize {
        self.tables.len()
    }

    fn table(&self, hpa: u64) -> Option<&OwnedFrames> {
        self.tables.get(&hpa)
    }
}

fn entry_range(index: usize) -> core::ops::Range<usize> {
    index * 8..index * 8 + 8
}

impl hv_ept::TableMemory for EptTables {
    fn allocate_table(&mut self) -> Option<u64> {
        let frame = OwnedFrames::frame().ok()?;
        let hpa = frame.phys().as_u64();
        self.tables.insert(hpa, frame);
        Some(hpa)
    }

    fn free_table(&mut self, hpa: u64) {
        self.tables.remove(&hpa);
    }

    fn read_entry(&self, table_hpa: u64, index: usize) -> u64 {
        self.table(table_hpa).and_then(|t| t.as_slice().get(entry_range(index))).map_or(0, |bytes| {
            let mut word = [0; 8];
            word.copy_from_slice(bytes);
            u64::from_le_bytes(word)
        })
    }

    fn write_entry(&mut self, table_hpa: u64, index: usize, value: u64) {
        match self.tables.get_mut(&table_hpa).and_then(|t| t.as_mut_slice().get_mut(entry_range(index))) {
            Some(bytes) => bytes.copy_from_slice(&value.to_le_bytes()),
            None => log::error!("EPT builder wrote to {table_hpa:#x}[{index}], which is not one of its tables"),
        }
    }
}
