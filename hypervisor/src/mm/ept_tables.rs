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
        match self.table(table_hpa).and_then(|t| t.read_u64(index * 8)) {
            Some(entry) => entry,
            None => {
                // A builder bug; reading "not present" is the safe answer.
                log::error!("EPT builder read {table_hpa:#x}[{index}], which is not one of its tables");
                0
            }
        }
    }

    fn write_entry(&mut self, table_hpa: u64, index: usize, value: u64) {
        // One 64-bit store: the CPU may walk this table concurrently.
        let written = self.tables.get_mut(&table_hpa).is_some_and(|t| t.write_u64(index * 8, value));
        if !written {
            log::error!("EPT builder wrote to {table_hpa:#x}[{index}], which is not one of its tables");
        }
    }
}
