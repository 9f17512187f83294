//! A partition's memory: one contiguous run of host frames, zeroed, that is
//! the guest-physical window `base .. base + len` (base 0 unless the manifest
//! says otherwise) and the only host memory its EPT maps.
//!
//! Guest-physical address `g` is byte `g - base` of the run; every access
//! goes through a validated `hv_abi::GuestRange` inside the window.

use hv_abi::{GuestRange, GuestWindow};

use crate::mm::{OutOfMemory, OwnedFrames};

/// 2 MiB: the alignment of the run, so EPT can use 2 MiB pages.
pub const LARGE_PAGE: u64 = 2 * 1024 * 1024;

/// A partition's guest-physical memory.
pub struct GuestMemory {
    frames: OwnedFrames,
    window: GuestWindow,
}

impl GuestMemory {
    /// Allocates `bytes` (a multiple of 2 MiB) of zeroed, 2 MiB-aligned
    /// memory, seen by the guest at guest-physical `base` (2 MiB aligned).
    pub fn allocate(base: u64, bytes: u64) -> Result<Self, OutOfMemory> {
        let frames = usize::try_from(bytes / 4096).unwrap_or(usize::MAX);
        let frames = OwnedFrames::allocate_zeroed(frames, (LARGE_PAGE / 4096) as usize)?;
        // The manifest bounds base + size (512 GiB), so the window cannot wrap.
        let window = GuestWindow::new(base, frames.len_bytes()).unwrap_or(GuestWindow::from_zero(0));
        Ok(Self { frames, window })
    }

    /// Size in bytes.
    pub fn len(&self) -> u64 {
        self.window.len()
    }

    /// The guest-physical address of the first byte.
    pub fn base(&self) -> u64 {
        self.window.base()
    }

    /// Where the memory lies in the guest-physical address space.
    pub fn window(&self) -> GuestWindow {
        self.window
    }

    /// Host-physical address of the first byte.
    pub fn host_base(&self) -> u64 {
        self.frames.phys().as_u64()
    }

    /// The bytes of a validated guest range.
    pub fn slice(&self, range: GuestRange) -> &[u8] {
        let (start, end) = self.bounds(range);
        &self.frames.as_slice()[start..end]
    }

    /// The bytes of a validated guest range, writable.
    pub fn slice_mut(&mut self, range: GuestRange) -> &mut [u8] {
        let (start, end) = self.bounds(range);
        &mut self.frames.as_mut_slice()[start..end]
    }

    /// Writes `bytes` at guest-physical `gpa`; false if it does not fit.
    pub fn write(&mut self, gpa: u64, bytes: &[u8]) -> bool {
        match GuestRange::new(gpa, bytes.len() as u64, self.window, u64::MAX) {
            Ok(range) => {
                self.slice_mut(range).copy_from_slice(bytes);
                true
            }
            Err(_) => false,
        }
    }

    /// The `len` bytes at guest-physical `gpa`, if they lie inside.
    pub fn bytes(&self, gpa: u64, len: u64) -> Option<&[u8]> {
        GuestRange::new(gpa, len, self.window, u64::MAX).ok().map(|range| self.slice(range))
    }

    /// Reads `N` bytes at guest-physical `gpa`, if they lie inside.
    pub fn read_array<const N: usize>(&self, gpa: u64) -> Option<[u8; N]> {
        let mut bytes = [0; N];
        bytes.copy_from_slice(self.bytes(gpa, N as u64)?);
        Some(bytes)
    }

    /// Offsets into the run of a range validated against this window.
    fn bounds(&self, range: GuestRange) -> (usize, usize) {
        let start = usize::try_from(range.gpa() - self.window.base()).unwrap_or(usize::MAX);
        (start, start.saturating_add(usize::try_from(range.len()).unwrap_or(usize::MAX)))
    }
}
