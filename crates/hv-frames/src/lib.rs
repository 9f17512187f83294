//! `hv-frames`: the hypervisor's physical frame allocator.
//!
//! The kernel needs physical memory long before it has a heap: for its own
//! page tables, and later for guest RAM, EPT tables and VMCS regions, which are
//! handed back when a partition restarts. This crate turns the firmware memory
//! map (converted into [`MemoryRegion`]s by the kernel) into a bitmap allocator
//! of 4 KiB [`Frame`]s that supports both allocation and free.
//!
//! It is pure bookkeeping: no `unsafe`, no `alloc`, no hardware access. The
//! bitmap storage is a `&mut [u64]` supplied by the caller, so the same code
//! runs in the kernel (storage carved out of usable RAM, found with
//! [`find_storage`] and sized with [`bitmap_words_for`]) and in host tests
//! (storage in a `Vec`).
//!
//! Typical kernel use:
//!
//! 1. `words = bitmap_words_for(map.clone())`;
//! 2. `range = find_storage(map.clone(), words * 8)`, then map `range` and view
//!    it as `&mut [u64]`;
//! 3. `alloc = FrameAllocator::new(storage, map)?`;
//! 4. `alloc.reserve(range)` for the storage itself, plus the kernel image, the
//!    ramdisk and the boot information.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod addr;
mod allocator;
mod bitmap;
mod error;
mod frame_range;
mod region;
mod sizing;

pub use addr::{Frame, PhysAddr, PhysRange, FRAME_SIZE};
pub use allocator::FrameAllocator;
pub use error::FrameError;
pub use frame_range::FrameRange;
pub use region::MemoryRegion;
pub use sizing::{bitmap_words_for, find_storage};
