//! A partition's memory: one contiguous run of host frames, zeroed, that is
//! guest-physical `0..len` and the only host memory its EPT maps.
//!
//! Guest-physical address `g` is byte `g` of the run, so validated guest
//! ranges (`hv_abi::GuestRange`) index it directly.

use hv_abi::GuestRange;

use crate::mm::{OutOfMemory, OwnedFrames};

/// 2 MiB: the alignment of the run, so EPT can use 2 MiB pages.
pub const LARGE_PAGE: u64 = 2 * 1024 * 1024;

/// A partition's guest-physical memory.
pub struct GuestMemory {
    frames: OwnedFrames,
}

impl GuestMemory {
    /// Allocates `bytes` (a multiple of 2 MiB) of zeroed, 2 MiB-aligned memory.
    pub fn allocate(bytes: u64) -> Result<Self, OutOfMemory> {
        let frames = usize::try_from(bytes / 4096).unwrap_or(usize::MAX);
        Ok(Self { frames: OwnedFrames::allocate_zeroed(frames, (LARGE_PAGE / 4096) as usize)? })
    }

    /// Size in bytes.
    pub fn len(&self) -> u64 {
        self.frames.len_bytes()
    }

    /// Host-physical address of guest-physical 0.
    pub fn host_base(&self) -> u64 {
        self.frames.phys().as_u64()
    }

    /// The bytes of a validated guest range.
    pub fn slice(&self, range: GuestRange) -> &[u8] {
        let (start, end) = bounds(range);
        &self.frames.as_slice()[start..end]
    }

    /// The bytes of a validated guest range, writable.
    pub fn slice_mut(&mut self, range: GuestRange) -> &mut [u8] {
        let (start, end) = bounds(range);
        &mut self.frames.as_mut_slice()[start..end]
    }

    /// Writes `bytes` at guest-physical `gpa`; false if it does not fit.
    pub fn write(&mut self, gpa: u64, bytes: &[u8]) -> bool {
        match GuestRange::new(gpa, bytes.len() as u64, self.len(), u64::MAX) {
            Ok(range) => {
                self.slice_mut(range).copy_from_slice(bytes);
                true
            }
            Err(_) => false,
        }
    }
}

fn bounds(range: GuestRange) -> (usize, usize) {
    let start = usize::try_from(range.gpa()).unwrap_or(usize::MAX);
    (start, start.saturating_add(usize::try_from(range.len()).unwrap_or(usize::MAX)))
}

impl GuestMemory {
    /// The `len` bytes at guest-physical `gpa`, if they lie inside.
    pub fn bytes(&self, gpa: u64, len: u64) -> Option<&[u8]> {
        GuestRange::new(gpa, len, self.len(), u64::MAX).ok().map(|range| self.slice(range))
    }

    /// Reads `N` bytes at guest-physical `gpa`, if they lie inside.
    pub fn read_array<const N: usize>(&self, gpa: u64) -> Option<[u8; N]> {
        let mut bytes = [0; N];
        bytes.copy_from_slice(self.bytes(gpa, N as u64)?);
        Some(bytes)
    }
}
