//! [`Ept::map`]: adding a guest-physical → host-physical mapping.
//!
//! Only not-present entries are filled in, so a successful `map` needs no
//! INVEPT (SDM Vol. 3C 29.4.2: nothing is cached from not-present entries) and
//! returns no [`InveptRequired`](crate::InveptRequired). Each entry the range
//! covers entirely becomes a leaf if the page size is supported at that level
//! and the host address is aligned to it (1 GiB PDPTE, 2 MiB PDE, SDM Vol. 3C
//! 29.3.2); otherwise the walk descends into an existing table or a new one.
//! An existing table is reused even when a large leaf would fit.

use super::pass::{chunks, Node, Pass};
use super::{check_aligned, range_end, Ept};
use crate::entry::{self, is_leaf, is_present, PHYS_LIMIT};
use crate::page_size::{level_size, GPA_LIMIT, WALK_LEVELS};
use crate::{Access, EptError, MemoryType, TableMemory};

/// What `map` was asked to do.
#[derive(Clone, Copy, Debug)]
struct Request {
    /// First guest-physical address.
    gpa: u64,
    /// Host-physical address `gpa` maps to.
    hpa: u64,
    /// Rights of the leaves.
    access: Access,
    /// Memory type of the leaves.
    mem_type: MemoryType,
}

impl Ept {
    /// Maps `gpa .. gpa + len` to `hpa .. hpa + len`, in the tables in `mem`, with `access` and
    /// `mem_type` (WB for RAM, UC for MMIO), using the largest pages alignment
    /// and [`EptCapabilities`](crate::EptCapabilities) allow.
    ///
    /// No INVEPT is needed afterwards, provided the INVEPT owed by any earlier
    /// [`unmap`](Self::unmap) of the range was done.
    ///
    /// # Errors
    ///
    /// Nothing is changed on error.
    ///
    /// * [`EptError::Misaligned`] if `gpa`, `hpa` or `len` is not 4 KiB aligned;
    /// * [`EptError::ZeroLength`];
    /// * [`EptError::OutOfRange`] if the guest range overflows or passes 2^48,
    ///   or the host range overflows or passes 2^52;
    /// * [`EptError::InvalidAccess`] for rights that would misconfigure the
    ///   entry (write without read; execute-only without support) or none;
    /// * [`EptError::Overlap`] if any part is already mapped (remapping is an
    ///   explicit `unmap` first);
    /// * [`EptError::OutOfMemory`] if the tables needed cannot all be
    ///   allocated. They are allocated before any entry is written, so no
    ///   partial mapping is ever visible;
    /// * [`EptError::Freed`] after [`free_all`](Self::free_all).
    pub fn map<M: TableMemory + ?Sized>(
        &mut self,
        mem: &mut M,
        gpa: u64,
        hpa: u64,
        len: u64,
        access: Access,
        mem_type: MemoryType,
    ) -> Result<(), EptError> {
        let root = Node::Real(self.root()?);
        check_aligned("gpa", gpa)?;
        check_aligned("hpa", hpa)?;
        check_aligned("len", len)?;
        let end = range_end(gpa, len, GPA_LIMIT)?;
        range_end(hpa, len, PHYS_LIMIT)?;
        if let Some(reason) = access.refusal(&self.caps) {
            return Err(EptError::InvalidAccess { access, reason });
        }
        let request = Request { gpa, hpa, access, mem_type };
        self.two_pass(mem, |ept, mem, pass| ept.map_in(mem, root, WALK_LEVELS, gpa, end, &request, pass))
    }

    /// Maps `start .. end`, which lies within `node`, a table at `level`.
    #[expect(clippy::too_many_arguments, reason = "one recursive walk; bundling would only rename them")]
    fn map_in<M: TableMemory + ?Sized>(
        &mut self,
        mem: &mut M,
        node: Node,
        level: u8,
        start: u64,
        end: u64,
        request: &Request,
        pass: &mut Pass,
    ) -> Result<(), EptError> {
        for chunk in chunks(start, end, level) {
            let e = pass.read(mem, node, level, chunk.index);
            if is_present(e) {
                if is_leaf(e, level) {
                    return Err(EptError::Overlap { gpa: chunk.start });
                }
                let child = Node::Real(entry::table_address(e));
                self.map_in(mem, child, level - 1, chunk.start, chunk.end, request, pass)?;
                continue;
            }
            // Meaningful only when `whole`, i.e. `chunk.base >= request.gpa`.
            let hpa = request.hpa.wrapping_add(chunk.base.wrapping_sub(request.gpa));
            if chunk.whole && self.caps.leaf_allowed(level) && hpa.is_multiple_of(level_size(level)) {
                let leaf = entry::leaf(hpa, level, request.access, request.mem_type);
                pass.write(mem, node, chunk.index, leaf);
            } else {
                let child = pass.new_table(mem);
                self.map_in(mem, child, level - 1, chunk.start, chunk.end, request, pass)?;
                pass.link(mem, node, chunk.index, child);
            }
        }
        Ok(())
    }
}
