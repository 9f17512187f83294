//! [`InveptRequired`]: proof that a change to an EPT still has to be flushed.
//!
//! Processors cache guest-physical translations and EPT paging-structure
//! entries, tagged by the EPT pointer (SDM Vol. 3C 29.4, "Caching Translation
//! Information"). After an entry that was present is changed or removed, cached
//! copies may go on being used until INVEPT invalidates them (SDM Vol. 3C
//! 29.4.3). Operations that can leave such stale copies —
//! [`unmap`](crate::Ept::unmap) and [`protect`](crate::Ept::protect) — return
//! this `#[must_use]` token so the caller cannot silently forget the flush, in
//! the manner of `x86_64`'s `MapperFlush`.
//!
//! [`map`](crate::Ept::map) returns no token: it only turns not-present entries
//! into present ones, and no guest-physical or combined mapping is ever created
//! from a not-present entry (SDM Vol. 3C 29.4.2, "Creating and Using Cached
//! Translation Information"), so the new mapping is used on the next access
//! without any INVEPT. That holds only if the INVEPT owed by an earlier
//! `unmap` of the same range has been done: until then, stale translations of
//! the old mapping may still be cached.

/// A change to the EPT with pointer [`eptp`](Self::eptp) is not guaranteed to be
/// seen by a logical processor until it executes INVEPT (single-context with
/// this EPTP, or all-context).
#[must_use = "the EPT change is not visible until INVEPT (single-context, this EPTP) has run on every \
              processor that used the EPT"]
#[derive(Debug, PartialEq, Eq)]
pub struct InveptRequired {
    /// The EPT pointer to invalidate.
    eptp: u64,
}

impl InveptRequired {
    /// A token for a change to the EPT whose pointer is `eptp`.
    pub(crate) const fn new(eptp: u64) -> Self {
        Self { eptp }
    }

    /// The EPTP to pass to single-context INVEPT (descriptor bits 63:0).
    #[must_use]
    pub const fn eptp(&self) -> u64 {
        self.eptp
    }

    /// Drops the token, stating that the flush was done or is not needed
    /// (tests; an EPT no processor has used yet). Tables detached by the change
    /// stay owned by the [`Ept`](crate::Ept) until
    /// [`free_detached_tables`](crate::Ept::free_detached_tables) or
    /// [`free_all`](crate::Ept::free_all).
    pub fn acknowledge(self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_the_eptp() {
        let token = InveptRequired::new(0x1234_501e);
        assert_eq!(token.eptp(), 0x1234_501e);
        token.acknowledge();
    }
}
