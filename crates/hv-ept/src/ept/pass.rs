//! The machinery shared by the walks of `map`, `unmap` and `protect`: which
//! entries of a table a range touches, and the dry-run/commit passes.
//!
//! A changing operation walks its range twice with the same code (see the
//! [`Ept`](super::Ept) design notes). In the dry run nothing is written; a
//! table that would be created is stood in for by a virtual [`Node`] whose
//! entries are computed (all not present for a new table, the 512 smaller
//! leaves for a split large page), and each is counted. In the commit pass the
//! counted tables come from a pool allocated in between, and every write goes
//! to memory. Since both passes see the same entries, they take the same
//! decisions, and the count is exact.

use crate::entry;
use crate::frame_list::FrameList;
use crate::page_size::{index, level_size, ENTRIES};
use crate::TableMemory;

/// A table as seen by a walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Node {
    /// A table in memory, at this host-physical address.
    Real(u64),
    /// A table the dry run would create: every entry not present.
    Empty,
    /// The table the dry run would split `leaf` (an entry one level up) into.
    Split {
        /// The large leaf being split.
        leaf: u64,
    },
}

/// The part of a walk's range that falls in one entry of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Chunk {
    /// Index of the entry.
    pub(super) index: usize,
    /// First guest-physical address the entry covers.
    pub(super) base: u64,
    /// First address of the range inside the entry.
    pub(super) start: u64,
    /// End of the range inside the entry.
    pub(super) end: u64,
    /// Whether the range covers the entire entry.
    pub(super) whole: bool,
}

/// The chunks of `start .. end` in the entries of a table at `level`, in
/// address order. The range must lie within one table at that level.
pub(super) fn chunks(start: u64, end: u64, level: u8) -> impl Iterator<Item = Chunk> {
    let size = level_size(level);
    let mut addr = start;
    core::iter::from_fn(move || {
        if addr >= end {
            return None;
        }
        let base = addr & !(size - 1);
        let chunk_end = end.min(base + size);
        let chunk = Chunk {
            index: index(addr, level),
            base,
            start: addr,
            end: chunk_end,
            whole: addr == base && chunk_end == base + size,
        };
        addr = chunk_end;
        Some(chunk)
    })
}

/// One pass of a walk: the dry run or the commit.
#[derive(Debug)]
pub(super) struct Pass {
    /// Whether writes go to memory.
    commit: bool,
    /// Dry run: tables the commit will need.
    needed: usize,
    /// Commit: pre-allocated tables still unused.
    pool: FrameList,
}

impl Pass {
    /// A pass that writes nothing and counts the tables it would create.
    pub(super) const fn dry_run() -> Self {
        Self { commit: false, needed: 0, pool: FrameList::new() }
    }

    /// A pass that writes, taking new tables from `pool`.
    pub(super) const fn commit(pool: FrameList) -> Self {
        Self { commit: true, needed: 0, pool }
    }

    /// Whether this is the commit pass.
    pub(super) const fn is_commit(&self) -> bool {
        self.commit
    }

    /// Tables the dry run counted.
    pub(super) const fn needed(&self) -> usize {
        self.needed
    }

    /// What is left of the pool after the commit.
    pub(super) fn into_pool(self) -> FrameList {
        self.pool
    }

    /// Entry `index` of `node`, a table at `level`.
    pub(super) fn read<M: TableMemory + ?Sized>(&self, mem: &M, node: Node, level: u8, index: usize) -> u64 {
        match node {
            Node::Real(table) => mem.read_entry(table, index),
            Node::Empty => 0,
            Node::Split { leaf } => entry::split_child(leaf, level + 1, index),
        }
    }

    /// A new empty table.
    pub(super) fn new_table<M: TableMemory + ?Sized>(&mut self, mem: &mut M) -> Node {
        if self.commit {
            Node::Real(self.take(mem))
        } else {
            self.needed += 1;
            Node::Empty
        }
    }

    /// A new table holding `leaf` (at `level`, 2 or 3) split into 512 leaves
    /// one level down; not yet linked.
    pub(super) fn split<M: TableMemory + ?Sized>(&mut self, mem: &mut M, leaf: u64, level: u8) -> Node {
        if !self.commit {
            self.needed += 1;
            return Node::Split { leaf };
        }
        let table = self.take(mem);
        for i in 0..ENTRIES {
            mem.write_entry(table, i, entry::split_child(leaf, level, i));
        }
        Node::Real(table)
    }

    /// Stores `value` as entry `index` of `node` (commit pass only).
    pub(super) fn write<M: TableMemory + ?Sized>(&self, mem: &mut M, node: Node, index: usize, value: u64) {
        if !self.commit {
            return;
        }
        match node {
            Node::Real(table) => mem.write_entry(table, index, value),
            Node::Empty | Node::Split { .. } => unreachable!("the commit pass only sees real tables"),
        }
    }

    /// Makes entry `index` of `node` reference `child` (commit pass only).
    pub(super) fn link<M: TableMemory + ?Sized>(&self, mem: &mut M, node: Node, index: usize, child: Node) {
        if let Node::Real(child) = child {
            self.write(mem, node, index, entry::table(child));
        }
    }

    /// A table from the pool.
    fn take<M: TableMemory + ?Sized>(&mut self, mem: &mut M) -> u64 {
        self.pool.pop(mem).expect("the dry run counted every table the commit needs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::leaf;
    use crate::testing::FakeRam;
    use crate::{Access, MemoryType};

    #[test]
    fn chunks_split_at_entry_boundaries() {
        let two_m = 0x20_0000;
        let all: Vec<Chunk> = chunks(0x1f_f000, 2 * two_m + 0x1000, 2).collect();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0], Chunk { index: 0, base: 0, start: 0x1f_f000, end: two_m, whole: false });
        assert_eq!(all[1], Chunk { index: 1, base: two_m, start: two_m, end: 2 * two_m, whole: true });
        assert_eq!(
            all[2],
            Chunk { index: 2, base: 2 * two_m, start: 2 * two_m, end: 2 * two_m + 0x1000, whole: false }
        );
    }

    #[test]
    fn dry_run_counts_and_writes_nothing() {
        let mut ram = FakeRam::new();
        let root = ram.allocate_table().unwrap();
        let mut pass = Pass::dry_run();
        assert_eq!(pass.new_table(&mut ram), Node::Empty);
        let big = leaf(0x20_0000, 2, Access::READ, MemoryType::WriteBack);
        let node = pass.split(&mut ram, big, 2);
        assert_eq!(pass.read(&ram, node, 1, 3), entry::split_child(big, 2, 3));
        assert_eq!(pass.read(&ram, Node::Empty, 1, 3), 0);
        pass.write(&mut ram, Node::Real(root), 0, 0x1234_5007);
        assert_eq!(ram.read_entry(root, 0), 0);
        assert_eq!(pass.needed(), 2);
        assert_eq!(ram.allocated, 1, "no table allocated by the dry run");
    }

    #[test]
    fn commit_takes_from_the_pool_and_writes() {
        let mut ram = FakeRam::new();
        let root = ram.allocate_table().unwrap();
        let spare = ram.allocate_table().unwrap();
        let mut pool = FrameList::new();
        pool.push(&mut ram, spare);
        let mut pass = Pass::commit(pool);
        let big = leaf(0x20_0000, 2, Access::READ, MemoryType::WriteBack);
        let node = pass.split(&mut ram, big, 2);
        assert_eq!(node, Node::Real(spare));
        assert_eq!(ram.read_entry(spare, 511), entry::split_child(big, 2, 511));
        pass.link(&mut ram, Node::Real(root), 7, node);
        assert_eq!(ram.read_entry(root, 7), entry::table(spare));
        assert_eq!(pass.into_pool().len(), 0);
    }
}
