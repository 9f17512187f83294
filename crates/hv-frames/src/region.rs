//! One entry of the memory map, as the allocator consumes it.
//!
//! The kernel converts the bootloader's regions into these (`Usable` becomes
//! `usable: true`, every other kind `false`), so this crate stays independent
//! of the bootloader's types and can be tested with hand-written maps.

use crate::{FrameRange, PhysAddr, PhysRange};

/// A physical range and whether the allocator may hand out its frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoryRegion {
    /// The bytes the region covers (half-open).
    pub range: PhysRange,
    /// `true` for free RAM the allocator may use; `false` for anything else
    /// (firmware, ACPI, MMIO, bootloader-owned, …).
    pub usable: bool,
}

impl MemoryRegion {
    /// A usable region `start..end`.
    #[must_use]
    pub const fn usable(start: u64, end: u64) -> Self {
        Self { range: PhysRange::new(PhysAddr::new(start), PhysAddr::new(end)), usable: true }
    }

    /// A non-usable (reserved) region `start..end`.
    #[must_use]
    pub const fn reserved(start: u64, end: u64) -> Self {
        Self { range: PhysRange::new(PhysAddr::new(start), PhysAddr::new(end)), usable: false }
    }

    /// The frames this region offers to the allocator: the whole frames inside
    /// a usable region, minus frame 0 (never handed out, so a physical null
    /// pointer can never be a valid allocation). Empty for non-usable regions.
    #[must_use]
    pub const fn allocatable_frames(&self) -> FrameRange {
        if !self.usable {
            return FrameRange::EMPTY;
        }
        let inside = self.range.frames_inside();
        let start = if inside.start_number() == 0 { 1 } else { inside.start_number() };
        FrameRange::new(start, inside.end_number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocatable_frames_skip_frame_zero_and_partial_frames() {
        let r = MemoryRegion::usable(0, 0x4800).allocatable_frames();
        assert_eq!((r.start_number(), r.end_number()), (1, 4));
        assert!(MemoryRegion::usable(0, 0x1000).allocatable_frames().is_empty());
        assert!(MemoryRegion::reserved(0x1000, 0x9000).allocatable_frames().is_empty());
    }
}
