//! [`Ept::unmap`]: removing mappings.
//!
//! Leaves the range covers entirely are cleared. A large leaf the range covers
//! only in part is first split into a table of 512 leaves one size down with
//! the same rights and memory type (1 GiB into 2 MiB, 2 MiB into 4 KiB), and
//! the walk continues inside it. Tables left without a present entry are
//! unlinked and kept on the detached list until INVEPT
//! ([`Ept::free_detached_tables`]): a processor may still use cached
//! paging-structure entries pointing at them (SDM Vol. 3C 29.4). The
//! entries that were present may be cached too, so the change needs INVEPT
//! before it is guaranteed to take effect, and `unmap` returns
//! [`InveptRequired`].

use super::pass::{chunks, Node, Pass};
use super::{check_gpa_range, table_is_empty, Ept};
use crate::entry::{self, is_leaf, is_present};
use crate::page_size::WALK_LEVELS;
use crate::{EptError, InveptRequired, TableMemory};

impl Ept {
    /// Removes the mappings of `gpa .. gpa + len` from the tables in `mem`;
    /// every page of the range must be mapped.
    ///
    /// # Errors
    ///
    /// Nothing is changed on error.
    ///
    /// * [`EptError::Misaligned`], [`EptError::ZeroLength`],
    ///   [`EptError::OutOfRange`] for a bad range;
    /// * [`EptError::NotMapped`] naming the lowest unmapped address if any
    ///   part of the range is not mapped;
    /// * [`EptError::OutOfMemory`] if a large page that must be split cannot
    ///   get its new table (at most two per end of the range);
    /// * [`EptError::Freed`] after [`free_all`](Self::free_all).
    pub fn unmap<M: TableMemory + ?Sized>(
        &mut self,
        mem: &mut M,
        gpa: u64,
        len: u64,
    ) -> Result<InveptRequired, EptError> {
        let root = Node::Real(self.root()?);
        let end = check_gpa_range(gpa, len)?;
        self.two_pass(mem, |ept, mem, pass| ept.unmap_in(mem, root, WALK_LEVELS, gpa, end, pass))?;
        Ok(self.invept_required())
    }

    /// Unmaps `start .. end`, which lies within `node`, a table at `level`.
    fn unmap_in<M: TableMemory + ?Sized>(
        &mut self,
        mem: &mut M,
        node: Node,
        level: u8,
        start: u64,
        end: u64,
        pass: &mut Pass,
    ) -> Result<(), EptError> {
        for chunk in chunks(start, end, level) {
            let e = pass.read(mem, node, level, chunk.index);
            if !is_present(e) {
                return Err(EptError::NotMapped { gpa: chunk.start });
            }
            if !is_leaf(e, level) {
                let table = entry::table_address(e);
                self.unmap_in(mem, Node::Real(table), level - 1, chunk.start, chunk.end, pass)?;
                if pass.is_commit() && table_is_empty(mem, table) {
                    pass.write(mem, node, chunk.index, 0);
                    self.detached.push(mem, table);
                }
            } else if chunk.whole {
                pass.write(mem, node, chunk.index, 0);
            } else {
                let child = pass.split(mem, e, level);
                self.unmap_in(mem, child, level - 1, chunk.start, chunk.end, pass)?;
                pass.link(mem, node, chunk.index, child);
            }
        }
        Ok(())
    }
}
