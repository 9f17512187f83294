//! The kernel heap: a linked-list allocator over a contiguous physical run,
//! reached through the physical-memory mapping.

#![allow(unsafe_code, reason = "mechanism layer: hands raw memory to the global allocator")]

use linked_list_allocator::LockedHeap;

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

/// Gives the heap `bytes` bytes starting at virtual address `start`.
pub fn init(start: u64, bytes: u64) {
    let size = usize::try_from(bytes).unwrap_or(usize::MAX);
    // SAFETY: `start..start+bytes` maps physical frames that `mm::init` just
    // took from the frame allocator for the heap alone; they stay allocated
    // for the kernel's lifetime and are mapped writable. `init` runs once.
    unsafe { HEAP.lock().init(start as *mut u8, size) }
}
