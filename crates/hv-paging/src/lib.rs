//! `hv-paging`: translation of guest-linear to guest-physical addresses by
//! walking the guest's own page tables.
//!
//! When a guest executes a string I/O instruction (`REP OUTSB` and friends) or
//! otherwise makes the hypervisor touch its memory by *linear* address, the
//! hypervisor must do what the guest's MMU would have done: walk the page
//! tables the guest built in its own memory, check the access rights, and
//! either obtain the guest-physical address or the page fault to inject.
//!
//! This crate is that walk, as pure logic: no `unsafe`, no `alloc`, no hardware
//! access. Guest memory is reached only through a reader callback
//! (`read(gpa) -> Option<u64>`), which the kernel implements over the
//! partition's memory and the tests over a fake memory, so every rule is
//! checked on the host.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3A
//! chapter 5 "Paging": 5.3 32-bit paging, 5.4 PAE paging, 5.5 4-level and
//! 5-level paging, 5.6 access rights, 5.7 page-fault exceptions.
//!
//! Typical kernel use:
//!
//! 1. `let paging = GuestPaging::from_registers(cr0, cr3, cr4, efer, maxphyaddr)`
//!    from the VMCS guest-state fields (and `.with_pdptes(..)` from the VMCS
//!    guest PDPTE fields when the guest uses PAE paging under EPT);
//! 2. `paging.translate(linear, access, |gpa| read_guest_u64(gpa))`;
//! 3. on `Err(e)`: inject #PF with CR2 = [`PagingError::fault_address`] and
//!    error code [`GuestPaging::page_fault_error_code`]; inject #GP(0) for
//!    [`PagingError::NonCanonical`]; stop the partition for
//!    [`PagingError::TableOutsideMemory`].
//!
//! What is *not* modelled (documented where it matters): accessed/dirty flag
//! updates (the walk only reads), SMEP, SMAP, protection keys, shadow stacks,
//! linear-address masking (LAM), HLAT paging, and the TLB (the walk always uses
//! the tables as they are in memory now).

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod error;
mod mode;
mod walk;

pub use error::PagingError;
pub use mode::PagingMode;
pub use walk::{translate, Access, GuestPaging, Translation, DEFAULT_MAX_PHYSICAL_BITS};

#[cfg(test)]
mod tests;
