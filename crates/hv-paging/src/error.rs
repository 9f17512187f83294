//! Why a guest-linear address has no usable translation, and the page fault
//! the guest would have taken.
//!
//! The hypervisor emulates an access the guest made, so a failed walk must end
//! the way it would have on hardware: most failures become a page-fault
//! exception (#PF, vector 14) injected into the guest, with CR2 set to the
//! linear address and the error code of SDM Vol. 3A 5.7.2 "Page-Fault Error
//! Code" ([`PagingError::page_fault_error_code`]). A non-canonical address is
//! a #GP(0) (or #SS(0) for stack references) instead, and a paging structure
//! outside the guest's memory is the hypervisor's problem, not the guest's:
//! there is no architectural fault for it, so the partition is stopped.

use core::fmt;

use crate::walk::Access;

/// Error-code bit 0, P: 0 = non-present entry, 1 = protection violation or reserved bit.
const PF_PRESENT: u32 = 1 << 0;
/// Error-code bit 1, W/R: the access was a write.
const PF_WRITE: u32 = 1 << 1;
/// Error-code bit 2, U/S: the access was a user-mode (CPL = 3) access.
const PF_USER: u32 = 1 << 2;
/// Error-code bit 3, RSVD: a reserved bit was set in a paging-structure entry.
const PF_RESERVED: u32 = 1 << 3;
/// Error-code bit 4, I/D: the access was an instruction fetch.
const PF_FETCH: u32 = 1 << 4;

/// Why a walk failed.
///
/// `level` names the paging-structure entry as the SDM does: 5 = PML5E,
/// 4 = PML4E, 3 = PDPTE, 2 = PDE, 1 = PTE (32-bit paging uses levels 2 and 1,
/// PAE paging 3 to 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagingError {
    /// The entry at `level` has P = 0 (SDM 5.7: no valid translation). A #PF
    /// with P = 0 in the error code.
    NotPresent {
        /// Level of the non-present entry.
        level: u8,
        /// The linear address being translated.
        linear: u64,
    },
    /// The translation exists but its rights forbid the access (SDM 5.6): a
    /// write to a read-only page (by user mode, or by supervisor mode with
    /// CR0.WP = 1), a user-mode access to a supervisor page, or an instruction
    /// fetch from an execute-disabled page with IA32_EFER.NXE = 1. A #PF with
    /// P = 1.
    Protection {
        /// The linear address being translated.
        linear: u64,
    },
    /// The present entry at `level` sets a bit the SDM reserves (for this
    /// mode, page size, MAXPHYADDR and IA32_EFER.NXE). A #PF with P = 1 and
    /// RSVD = 1.
    ///
    /// For a PAE PDPTE the processor checks reserved bits when it loads the
    /// PDPTEs (MOV to CR3 and friends, SDM 5.4.1) and raises #GP there, so
    /// level 3 in PAE paging means the guest changed its PDPT in memory after
    /// loading it (or the PDPTEs given to the walk are bad).
    ReservedBit {
        /// Level of the offending entry.
        level: u8,
        /// The linear address being translated.
        linear: u64,
    },
    /// In 4-level (5-level) paging, bits 63:47 (63:56) of the linear address
    /// are not all equal (SDM Vol. 1 3.3.7.1). Not a page fault: the processor
    /// raises #GP(0), or #SS(0) for a stack reference.
    NonCanonical {
        /// The linear address being translated.
        linear: u64,
    },
    /// The reader returned `None` for the paging-structure entry at guest-
    /// physical address `gpa`: the guest's page tables point outside its
    /// memory. No architectural fault matches; the hypervisor stops the
    /// partition.
    TableOutsideMemory {
        /// Guest-physical address of the entry that could not be read.
        gpa: u64,
    },
}

impl PagingError {
    /// The #PF error code to inject for this failure of `access` (SDM 5.7.2),
    /// or `None` if the failure is not a page fault ([`Self::NonCanonical`]:
    /// inject #GP(0); [`Self::TableOutsideMemory`]: stop the partition).
    ///
    /// Bits: P (0) = 1 for protection and reserved-bit faults, 0 for a
    /// non-present entry; W/R (1) = `access.write`; U/S (2) = `access.user`;
    /// RSVD (3) for reserved-bit faults; I/D (4) = `access.execute`.
    ///
    /// The SDM sets I/D for a fetch only if CR4.SMEP = 1 or if NX is in use
    /// (IA32_EFER.NXE = 1 with PAE, 4-level or 5-level paging); this method
    /// cannot know either and sets it for every fetch.
    /// [`GuestPaging::page_fault_error_code`](crate::GuestPaging::page_fault_error_code)
    /// applies the NX condition (SMEP is not modelled).
    #[must_use]
    pub const fn page_fault_error_code(&self, access: Access) -> Option<u32> {
        let cause = match self {
            Self::NotPresent { .. } => 0,
            Self::Protection { .. } => PF_PRESENT,
            Self::ReservedBit { .. } => PF_PRESENT | PF_RESERVED,
            Self::NonCanonical { .. } | Self::TableOutsideMemory { .. } => return None,
        };
        let mut code = cause;
        if access.write {
            code |= PF_WRITE;
        }
        if access.user {
            code |= PF_USER;
        }
        if access.execute {
            code |= PF_FETCH;
        }
        Some(code)
    }

    /// The address to put in the guest's CR2 with the #PF: the linear address,
    /// for exactly the errors that are page faults.
    #[must_use]
    pub const fn fault_address(&self) -> Option<u64> {
        match *self {
            Self::NotPresent { linear, .. } | Self::Protection { linear } | Self::ReservedBit { linear, .. } => {
                Some(linear)
            }
            Self::NonCanonical { .. } | Self::TableOutsideMemory { .. } => None,
        }
    }

    /// Clears I/D from an error code when the fetch rule of SDM 5.7.2 does not
    /// set it (used by `GuestPaging`).
    pub(crate) const fn without_fetch_flag(code: u32) -> u32 {
        code & !PF_FETCH
    }
}

/// The SDM's name for an entry at `level`.
const fn level_name(level: u8) -> &'static str {
    match level {
        5 => "PML5E",
        4 => "PML4E",
        3 => "PDPTE",
        2 => "PDE",
        1 => "PTE",
        _ => "entry",
    }
}

impl fmt::Display for PagingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NotPresent { level, linear } => {
                write!(f, "linear {linear:#x}: {} not present", level_name(level))
            }
            Self::Protection { linear } => write!(f, "linear {linear:#x}: access denied by page rights"),
            Self::ReservedBit { level, linear } => {
                write!(f, "linear {linear:#x}: reserved bit set in {}", level_name(level))
            }
            Self::NonCanonical { linear } => write!(f, "linear {linear:#x}: not canonical"),
            Self::TableOutsideMemory { gpa } => write!(f, "paging-structure entry at {gpa:#x} outside guest memory"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ: Access = Access { write: false, user: false, execute: false };
    const USER_WRITE: Access = Access { write: true, user: true, execute: false };
    const USER_FETCH: Access = Access { write: false, user: true, execute: true };

    #[test]
    fn error_codes_follow_sdm_5_7_2() {
        let np = PagingError::NotPresent { level: 2, linear: 0x1000 };
        assert_eq!(np.page_fault_error_code(READ), Some(0));
        assert_eq!(np.page_fault_error_code(USER_WRITE), Some(0b110));
        assert_eq!(np.page_fault_error_code(USER_FETCH), Some(0b1_0100));

        let prot = PagingError::Protection { linear: 0x1000 };
        assert_eq!(prot.page_fault_error_code(READ), Some(0b1));
        assert_eq!(prot.page_fault_error_code(USER_WRITE), Some(0b111));
        assert_eq!(prot.page_fault_error_code(Access { write: true, user: false, execute: false }), Some(0b11));
        assert_eq!(prot.page_fault_error_code(USER_FETCH), Some(0b1_0101));

        let rsvd = PagingError::ReservedBit { level: 4, linear: 0x1000 };
        assert_eq!(rsvd.page_fault_error_code(READ), Some(0b1001));
        assert_eq!(rsvd.page_fault_error_code(USER_WRITE), Some(0b1111));

        assert_eq!(PagingError::NonCanonical { linear: 1 << 63 }.page_fault_error_code(READ), None);
        assert_eq!(PagingError::TableOutsideMemory { gpa: 0x5000 }.page_fault_error_code(USER_WRITE), None);
    }

    #[test]
    fn fault_address_only_for_page_faults() {
        assert_eq!(PagingError::NotPresent { level: 1, linear: 0xdead_b000 }.fault_address(), Some(0xdead_b000));
        assert_eq!(PagingError::Protection { linear: 0x42 }.fault_address(), Some(0x42));
        assert_eq!(PagingError::ReservedBit { level: 3, linear: 0x43 }.fault_address(), Some(0x43));
        assert_eq!(PagingError::NonCanonical { linear: 0x44 }.fault_address(), None);
        assert_eq!(PagingError::TableOutsideMemory { gpa: 0x45 }.fault_address(), None);
    }

    #[test]
    fn display_names_the_entry() {
        let s = PagingError::NotPresent { level: 4, linear: 0x1000 }.to_string();
        assert_eq!(s, "linear 0x1000: PML4E not present");
        let s = PagingError::ReservedBit { level: 2, linear: 0x2000 }.to_string();
        assert_eq!(s, "linear 0x2000: reserved bit set in PDE");
        let s = PagingError::TableOutsideMemory { gpa: 0x3000 }.to_string();
        assert!(s.contains("0x3000"), "{s}");
    }
}
