//! An intrusive list of table frames the builder holds but has not linked into
//! the EPT: tables allocated ahead of a change, and tables detached by one and
//! waiting for INVEPT before they may be freed.
//!
//! Without `alloc` there is nowhere else to keep an unbounded list, so each
//! frame stores the address of the next in its entry 0. The stored value is a
//! 4 KiB-aligned address, so its bits 2:0 are clear and a processor that still
//! reaches a detached table through a stale cached entry reads "not present"
//! (SDM Vol. 3C 29.3.2), never a mapping. Entry 0 is zeroed again when a frame
//! leaves the list, so a frame popped for use is all zero as a new table must
//! be.

use crate::TableMemory;

/// A LIFO list of table frames linked through their entry 0.
#[derive(Debug, Default)]
pub(crate) struct FrameList {
    /// The most recently pushed frame (meaningless when `len == 0`; address 0
    /// is a valid frame, so emptiness is `len`, not a null head).
    head: u64,
    /// Number of frames in the list.
    len: usize,
}

impl FrameList {
    /// An empty list.
    pub(crate) const fn new() -> Self {
        Self { head: 0, len: 0 }
    }

    /// Number of frames held.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// Adds `hpa`, an unlinked table whose entries are all not present.
    pub(crate) fn push<M: TableMemory + ?Sized>(&mut self, mem: &mut M, hpa: u64) {
        let link = if self.len == 0 { 0 } else { self.head };
        mem.write_entry(hpa, 0, link);
        self.head = hpa;
        self.len += 1;
    }

    /// Removes the most recently pushed frame, with its entry 0 zeroed again.
    pub(crate) fn pop<M: TableMemory + ?Sized>(&mut self, mem: &mut M) -> Option<u64> {
        if self.len == 0 {
            return None;
        }
        let hpa = self.head;
        self.head = mem.read_entry(hpa, 0);
        mem.write_entry(hpa, 0, 0);
        self.len -= 1;
        Some(hpa)
    }

    /// Gives every frame back to `mem`; how many there were.
    pub(crate) fn free_all<M: TableMemory + ?Sized>(&mut self, mem: &mut M) -> usize {
        let mut freed = 0;
        while let Some(hpa) = self.pop(mem) {
            mem.free_table(hpa);
            freed += 1;
        }
        freed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::is_present;
    use crate::testing::FakeRam;

    #[test]
    fn lifo_and_links_are_not_present() {
        let mut ram = FakeRam::new();
        let frames: Vec<u64> = (0..3).map(|_| ram.allocate_table().unwrap()).collect();
        let mut list = FrameList::new();
        for &f in &frames {
            list.push(&mut ram, f);
        }
        assert_eq!(list.len(), 3);
        assert_eq!(ram.read_entry(frames[2], 0), frames[1], "linked through entry 0");
        assert!(!is_present(ram.read_entry(frames[2], 0)), "a link reads as a not-present entry");
        assert_eq!(list.pop(&mut ram), Some(frames[2]));
        assert_eq!(ram.read_entry(frames[2], 0), 0, "popped frames are zero again");
        assert_eq!(list.pop(&mut ram), Some(frames[1]));
        assert_eq!(list.pop(&mut ram), Some(frames[0]));
        assert_eq!(list.pop(&mut ram), None);
    }

    #[test]
    fn free_all_returns_every_frame() {
        let mut ram = FakeRam::new();
        let mut list = FrameList::new();
        for _ in 0..5 {
            let f = ram.allocate_table().unwrap();
            list.push(&mut ram, f);
        }
        assert_eq!(list.free_all(&mut ram), 5);
        assert_eq!(list.len(), 0);
        assert_eq!((ram.allocated, ram.freed, ram.live()), (5, 5, 0));
    }
}
