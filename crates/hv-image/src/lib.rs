//! `hv-image`: turns a guest's ELF executable into a validated load plan.
//!
//! Guest images reach the hypervisor as bytes in the boot bundle. Those bytes
//! are untrusted input (a structure built by a host tool is still input), so
//! before the hypervisor copies anything into a partition it
//!
//! 1. parses the ELF file with [`ElfImage::parse`], which checks the header and
//!    every loadable (`PT_LOAD`) program header against the bytes it has: only
//!    statically linked little-endian x86-64 (ELF64) and i386 (ELF32)
//!    executables are accepted;
//! 2. checks the image against the partition with [`plan`]: every segment must
//!    fit the partition's memory, stay clear of the hypervisor's reserved
//!    boot-structure area and of the other segments, and the entry point must
//!    lie in an executable segment;
//! 3. carries out the resulting [`LoadPlan`]: copy each [`GuestCopy`], zero each
//!    zero-fill range (the `.bss` tails), start the guest at
//!    [`LoadPlan::entry`].
//!
//! Guests run identity-mapped: a segment is loaded at its physical address
//! (`p_paddr`), and the entry point is looked up among physical ranges.
//!
//! Every rejection is an [`ImageError`] whose message names the problem, with
//! addresses in hex, and the fix. Nothing here panics on bad input, allocates,
//! or uses `unsafe`.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod error;
mod format;
mod image;
mod plan;
mod segment;
#[cfg(test)]
mod test_elf;

pub use error::ImageError;
pub use format::{ElfClass, MAX_PROGRAM_HEADERS};
pub use image::ElfImage;
pub use plan::{plan, GuestCopy, LoadPlan};
pub use segment::{Segment, SegmentFlags};
