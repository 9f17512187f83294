//! `hv-ept`: the builder of the hypervisor's extended page tables (EPT).
//!
//! Each partition gets its own EPT, the second-level translation from
//! guest-physical to host-physical addresses that VT-x applies to every guest
//! memory access (Intel SDM 325462-083US, March 2024, Vol. 3C chapter 29, "VMX
//! Support for Address Translation"; 29.3.2 "EPT Translation Mechanism"). RAM
//! is mapped write-back, device memory uncacheable (29.3.7), each range with
//! its own read/write/execute rights; the VMCS points at the tables through the
//! EPT pointer (25.6.11).
//!
//! This crate is pure logic: no `unsafe`, no `alloc`, no hardware access. It
//! touches table memory only through the [`TableMemory`] trait, which the
//! kernel implements over real frames and the tests over fake RAM, so every
//! rule below is checked on the host:
//!
//! * requests are validated completely before anything is written, and tables
//!   are allocated before the first entry changes, so an error (out of memory
//!   included) leaves the EPT exactly as it was;
//! * rights that would cause an EPT misconfiguration (29.3.3.1) are refused,
//!   and [`misconfigured`] explains an offending entry for the exit report;
//! * 1 GiB and 2 MiB pages are used where alignment and
//!   [`EptCapabilities`] allow, and split when a change covers part of one;
//! * changes that can leave stale cached translations return an
//!   [`InveptRequired`] token; tables they empty are freed only after the
//!   caller confirms the INVEPT.
//!
//! Typical kernel use, `tables` being the kernel's [`TableMemory`] (the same
//! one on every call):
//!
//! 1. `ept = Ept::new(&mut tables, caps)?` with `caps` copied from
//!    IA32_VMX_EPT_VPID_CAP;
//! 2. `ept.map(&mut tables, gpa, hpa, len, Access::all(), MemoryType::WriteBack)?`
//!    for RAM, `MemoryType::Uncacheable` for MMIO; no INVEPT needed;
//! 3. write `ept.eptp()` to the VMCS EPT-pointer field;
//! 4. after `unmap`/`protect`: INVEPT single-context with `token.eptp()` on
//!    every processor that ran the partition, then
//!    `ept.free_detached_tables(&mut tables, token)`;
//! 5. on teardown, once no processor uses the EPT and after INVEPT:
//!    `ept.destroy(&mut tables)` (or `free_all` from a `Drop` impl).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod access;
mod caps;
mod entry;
mod ept;
mod eptp;
mod error;
mod flush;
mod frame_list;
mod memory_type;
mod misconfig;
mod page_size;
mod table_memory;
mod translation;

#[cfg(test)]
mod testing;

pub use access::Access;
pub use caps::{EptCapabilities, EptConfig};
pub use ept::Ept;
pub use error::EptError;
pub use flush::InveptRequired;
pub use memory_type::MemoryType;
pub use misconfig::{misconfigured, misconfigured_for_width};
pub use page_size::PageSize;
pub use table_memory::TableMemory;
pub use translation::Translation;
