//! Frames owned by one object: [`OwnedFrames`] takes a contiguous run from
//! the frame allocator, zeroes it, gives safe byte access through the
//! physical-memory mapping, and returns it to the allocator when dropped.
//!
//! VMXON and VMCS regions, EPT tables, MSR/I-O bitmaps and guest memory are
//! all `OwnedFrames`: whoever owns the value owns the memory, so no two
//! objects can alias a frame, and a partition torn down gives its memory back.

#![allow(unsafe_code, reason = "mechanism layer: turns owned physical frames into byte slices")]

use core::fmt;

use hv_frames::{Frame, PhysAddr, FRAME_SIZE};

/// [`FRAME_SIZE`] as a `usize`.
const FRAME_BYTES: usize = 4096;
const _: () = assert!(FRAME_BYTES as u64 == FRAME_SIZE);

use super::{phys, FRAMES};

/// A run of physical frames owned by the holder of this value.
pub struct OwnedFrames {
    start: Frame,
    count: usize,
}

/// The frame allocator could not satisfy a request.
#[derive(Clone, Copy, Debug)]
pub struct OutOfMemory {
    /// Frames asked for.
    pub frames: usize,
    /// Alignment asked for, in frames.
    pub align_frames: usize,
}

impl fmt::Display for OutOfMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "out of physical memory: no free run of {} frames ({} KiB) aligned to {} KiB",
            self.frames,
            self.frames as u64 * FRAME_SIZE / 1024,
            self.align_frames as u64 * FRAME_SIZE / 1024
        )
    }
}

impl OwnedFrames {
    /// Takes `count` contiguous frames aligned to `align_frames` frames, zeroed.
    pub fn allocate_zeroed(count: usize, align_frames: usize) -> Result<Self, OutOfMemory> {
        let error = OutOfMemory { frames: count, align_frames };
        let start = FRAMES.lock().as_mut().and_then(|frames| frames.allocate_contiguous(count, align_frames));
        let mut owned = Self { start: start.ok_or(error)?, count };
        owned.as_mut_slice().fill(0);
        Ok(owned)
    }

    /// Takes one zeroed frame.
    pub fn frame() -> Result<Self, OutOfMemory> {
        Self::allocate_zeroed(1, 1)
    }

    /// The physical address of the first byte.
    pub fn phys(&self) -> PhysAddr {
        self.start.start()
    }

    /// The size in bytes.
    pub fn len_bytes(&self) -> u64 {
        self.count as u64 * FRAME_SIZE
    }

    fn len_usize(&self) -> usize {
        self.count * FRAME_BYTES
    }

    /// Reads the aligned u64 at byte `offset` (`None` if out of range or
    /// misaligned) with one 64-bit load.
    pub fn read_u64(&self, offset: usize) -> Option<u64> {
        let ptr = self.u64_ptr(offset)?;
        // SAFETY: `u64_ptr` checked that the aligned 8 bytes lie inside
        // frames this value owns, mapped by the physical-memory mapping.
        Some(unsafe { core::ptr::read_volatile(ptr) })
    }

    /// Writes the aligned u64 at byte `offset` with one 64-bit store, so a
    /// concurrent reader (the CPU walking an EPT table) never sees half of
    /// it. Returns false if out of range or misaligned.
    pub fn write_u64(&mut self, offset: usize, value: u64) -> bool {
        let Some(ptr) = self.u64_ptr(offset) else { return false };
        // SAFETY: as in `read_u64`; `&mut self` makes this the only writer.
        unsafe { core::ptr::write_volatile(ptr, value) };
        true
    }

    fn u64_ptr(&self, offset: usize) -> Option<*mut u64> {
        (offset.is_multiple_of(8) && offset.checked_add(8)? <= self.len_usize())
            .then(|| (phys::to_virt(self.phys()) + offset as u64) as *mut u64)
    }

    /// The memory, read-only.
    pub fn as_slice(&self) -> &[u8] {
        let ptr = phys::to_virt(self.phys()) as *const u8;
        // SAFETY: the frames were handed to this value alone by the frame
        // allocator (usable RAM, never the kernel's own memory), they are
        // mapped at `ptr` by the physical-memory mapping, and they stay
        // allocated until `self` is dropped, which the borrow outlives not.
        unsafe { core::slice::from_raw_parts(ptr, self.len_usize()) }
    }

    /// The memory, writable.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        let ptr = phys::to_virt(self.phys()) as *mut u8;
        // SAFETY: as in `as_slice`; `&mut self` makes this the only live
        // reference to the frames.
        unsafe { core::slice::from_raw_parts_mut(ptr, self.len_usize()) }
    }
}

impl Drop for OwnedFrames {
    fn drop(&mut self) {
        if let Some(frames) = FRAMES.lock().as_mut() {
            if let Err(error) = frames.free_contiguous(self.start, self.count) {
                log::error!("returning {} frames at {}: {error}", self.count, self.start.start());
            }
        }
    }
}
