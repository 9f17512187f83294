//! [`Ept::protect`]: changing the rights of mapped ranges.
//!
//! Leaves the range covers entirely get the new rights in place (memory type,
//! address and accessed/dirty bits kept). A large leaf covered only in part is
//! split first, as for `unmap`, unless it already has the requested rights. The
//! old rights may be cached, so the change needs INVEPT before it is
//! guaranteed to take effect (SDM Vol. 3C 29.4) and `protect` returns
//! [`InveptRequired`].

use super::pass::{chunks, Node, Pass};
use super::{check_gpa_range, Ept};
use crate::entry::{self, is_leaf, is_present};
use crate::page_size::WALK_LEVELS;
use crate::{Access, EptError, InveptRequired, TableMemory};

impl Ept {
    /// Gives every page of `gpa .. gpa + len` the rights `access`, in the
    /// tables in `mem`; every page of the range must be mapped.
    ///
    /// # Errors
    ///
    /// Nothing is changed on error: the whole range is checked before any
    /// entry is written.
    ///
    /// * [`EptError::Misaligned`], [`EptError::ZeroLength`],
    ///   [`EptError::OutOfRange`] for a bad range;
    /// * [`EptError::InvalidAccess`] as for [`map`](Self::map);
    /// * [`EptError::NotMapped`] naming the lowest unmapped address if any
    ///   part of the range is not mapped;
    /// * [`EptError::OutOfMemory`] if a large page that must be split cannot
    ///   get its new table;
    /// * [`EptError::Freed`] after [`free_all`](Self::free_all).
    pub fn protect<M: TableMemory + ?Sized>(
        &mut self,
        mem: &mut M,
        gpa: u64,
        len: u64,
        access: Access,
    ) -> Result<InveptRequired, EptError> {
        let root = Node::Real(self.root()?);
        let end = check_gpa_range(gpa, len)?;
        if let Some(reason) = access.refusal(&self.caps) {
            return Err(EptError::InvalidAccess { access, reason });
        }
        self.two_pass(mem, |ept, mem, pass| ept.protect_in(mem, root, WALK_LEVELS, gpa, end, access, pass))?;
        Ok(self.invept_required())
    }

    /// Applies `access` to `start .. end`, which lies within `node`, a table
    /// at `level`.
    #[expect(clippy::too_many_arguments, reason = "one recursive walk; bundling would only rename them")]
    fn protect_in<M: TableMemory + ?Sized>(
        &mut self,
        mem: &mut M,
        node: Node,
        level: u8,
        start: u64,
        end: u64,
        access: Access,
        pass: &mut Pass,
    ) -> Result<(), EptError> {
        for chunk in chunks(start, end, level) {
            let e = pass.read(mem, node, level, chunk.index);
            if !is_present(e) {
                return Err(EptError::NotMapped { gpa: chunk.start });
            }
            if !is_leaf(e, level) {
                let child = Node::Real(entry::table_address(e));
                self.protect_in(mem, child, level - 1, chunk.start, chunk.end, access, pass)?;
            } else if entry::access(e) == access {
                // Already as asked: no write, and no split of a large page.
            } else if chunk.whole {
                pass.write(mem, node, chunk.index, entry::with_access(e, access));
            } else {
                let child = pass.split(mem, e, level);
                self.protect_in(mem, child, level - 1, chunk.start, chunk.end, access, pass)?;
                pass.link(mem, node, chunk.index, child);
            }
        }
        Ok(())
    }
}
