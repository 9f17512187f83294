//! [`TableMemory`]: the only way the EPT builder touches memory.
//!
//! EPT paging structures live in host-physical 4 KiB frames that the processor
//! reads on every guest-physical translation (SDM Vol. 3C 29.3.2). Keeping
//! allocation and entry access behind a trait is what makes the builder pure:
//! in the kernel the trait is implemented over the frame allocator and the
//! physical-memory mapping; in host tests over a hash map of fake tables.

/// Allocation of, and entry access to, EPT paging structures in host-physical
/// memory.
///
/// Contract for implementations (the kernel's, in particular):
///
/// * [`allocate_table`](Self::allocate_table) returns a 4 KiB-aligned frame
///   below MAXPHYADDR whose 512 entries are all zero, or `None` when memory
///   is exhausted. The builder checks alignment and width and panics on a
///   violation.
/// * [`free_table`](Self::free_table) is called once for each frame obtained,
///   when the builder no longer references it.
/// * [`write_entry`](Self::write_entry) must store the value with one aligned
///   64-bit write (e.g. `write_volatile` or an atomic store) so a processor
///   walking the table concurrently never sees a torn entry; reads likewise.
/// * `index` is always below 512.
pub trait TableMemory {
    /// A fresh, zeroed, 4 KiB-aligned frame for a table; its host-physical
    /// address. `None` when out of memory.
    fn allocate_table(&mut self) -> Option<u64>;

    /// Gives back a frame obtained from [`allocate_table`](Self::allocate_table).
    fn free_table(&mut self, hpa: u64);

    /// Entry `index` (0 ..= 511) of the table at `table_hpa`.
    fn read_entry(&self, table_hpa: u64, index: usize) -> u64;

    /// Stores `value` as entry `index` (0 ..= 511) of the table at `table_hpa`.
    fn write_entry(&mut self, table_hpa: u64, index: usize, value: u64);
}

/// A mutable reference to table memory is table memory, so an
/// [`Ept`](crate::Ept) can borrow its memory instead of owning it.
impl<T: TableMemory + ?Sized> TableMemory for &mut T {
    fn allocate_table(&mut self) -> Option<u64> {
        (**self).allocate_table()
    }

    fn free_table(&mut self, hpa: u64) {
        (**self).free_table(hpa);
    }

    fn read_entry(&self, table_hpa: u64, index: usize) -> u64 {
        (**self).read_entry(table_hpa, index)
    }

    fn write_entry(&mut self, table_hpa: u64, index: usize, value: u64) {
        (**self).write_entry(table_hpa, index, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::FakeRam;

    /// Exercises the blanket impl through a generic function.
    fn round_trip<M: TableMemory>(mut mem: M) -> (u64, u64) {
        let table = mem.allocate_table().unwrap();
        mem.write_entry(table, 511, 0xdead_b007);
        let value = mem.read_entry(table, 511);
        mem.free_table(table);
        (table, value)
    }

    #[test]
    fn references_forward_to_the_memory() {
        let mut ram = FakeRam::new();
        let (table, value) = round_trip(&mut ram);
        assert_eq!(value, 0xdead_b007);
        assert_eq!((ram.allocated, ram.freed), (1, 1));
        assert!(!ram.is_live(table));
    }
}
