//! [`Translation`]: what the EPT makes of one guest-physical address.
//!
//! The result of walking the EPT in software the way the processor does (SDM
//! Vol. 3C 29.3.2), for tests and for the kernel's diagnostics (EPT-violation
//! reports, "where does this guest page live").

use crate::{Access, MemoryType, PageSize};

/// How a guest-physical address translates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Translation {
    /// The host-physical address the guest-physical address maps to (page
    /// offset included).
    pub hpa: u64,
    /// Rights granted by the leaf (non-leaf entries built by this crate allow
    /// everything).
    pub access: Access,
    /// Memory type of the page; "ignore PAT" is always set, so it is the
    /// effective type.
    pub mem_type: MemoryType,
    /// Size of the page the leaf maps.
    pub page_size: PageSize,
}
