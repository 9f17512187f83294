//! Sizing and placing the allocator's bitmap storage before any allocator exists.
//!
//! The bitmap has to live somewhere, and at boot the only memory is what the
//! memory map calls usable. [`bitmap_words_for`] says how many `u64` words the
//! [`FrameAllocator`](crate::FrameAllocator) needs for a map, and
//! [`find_storage`] picks a frame-aligned spot for them in usable RAM that no
//! non-usable region overlaps. The caller must later
//! [`reserve`](crate::FrameAllocator::reserve) that spot.

use crate::bitmap::WORD_BITS;
use crate::{Frame, FrameRange, MemoryRegion, PhysRange, FRAME_SIZE};

/// Words of storage the allocator needs to track frames `0..frame_count`:
/// two bitmaps (in use, managed) of one bit per frame each. Saturates at
/// `usize::MAX` (which no caller can provide, so it still fails cleanly).
pub(crate) fn words_for_frame_count(frame_count: u64) -> usize {
    let per_bitmap = frame_count.div_ceil(WORD_BITS as u64);
    per_bitmap.checked_mul(2).and_then(|w| usize::try_from(w).ok()).unwrap_or(usize::MAX)
}

/// Number of `u64` words [`FrameAllocator::new`](crate::FrameAllocator::new)
/// needs for this memory map.
///
/// The allocator keeps two bitmaps of one bit per frame (frames in use, and
/// frames that are usable RAM at all), each covering every frame from 0 up to
/// the highest whole usable frame; this returns the size of both together.
/// Non-usable regions above the last usable frame cost nothing. Multiply by 8
/// for bytes.
#[must_use]
pub fn bitmap_words_for(regions: impl Iterator<Item = MemoryRegion>) -> usize {
    let frame_count =
        regions.map(|r| r.allocatable_frames()).filter(|f| !f.is_empty()).map(|f| f.end_number()).max().unwrap_or(0);
    words_for_frame_count(frame_count)
}

/// Finds room for `bytes` of allocator storage: the lowest whole-frame run of
/// `ceil(bytes / 4096)` frames in the first usable region (in iteration order)
/// that has one, 4 KiB-aligned, never starting at frame 0, and overlapping no
/// non-usable region (even if the map lists overlapping regions; a run that
/// would touch a non-usable region is moved past it).
///
/// Returns the range rounded up to whole frames, or `None` if `bytes` is 0 or
/// no usable region has room. The iterator is walked once per usable region
/// to check for conflicts, so it must be cheap to clone (a slice iterator with
/// a `map` is).
#[must_use]
pub fn find_storage(regions: impl Iterator<Item = MemoryRegion> + Clone, bytes: u64) -> Option<PhysRange> {
    if bytes == 0 {
        return None;
    }
    let frames_needed = bytes.div_ceil(FRAME_SIZE);
    for usable in regions.clone().filter(|r| r.usable) {
        let room = usable.allocatable_frames();
        let mut start = room.start_number();
        while let Some(end) = start.checked_add(frames_needed) {
            if end > room.end_number() {
                break;
            }
            let candidate = FrameRange::new(start, end);
            let conflict_end = regions
                .clone()
                .filter(|r| !r.usable)
                .map(|r| r.range.frames_touching())
                .filter(|t| t.overlaps(&candidate))
                .map(|t| t.end_number())
                .max();
            match conflict_end {
                // Every conflict ends past `start`, so this always moves forward.
                Some(past) => start = past,
                None => {
                    let first = Frame::from_number(start)?.start();
                    let end = first.checked_add(frames_needed.checked_mul(FRAME_SIZE)?)?;
                    return Some(PhysRange::new(first, end));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PhysAddr;

    #[test]
    fn words_cover_up_to_highest_usable_frame() {
        assert_eq!(bitmap_words_for([].into_iter()), 0);
        // Highest usable frame is 63 → 64 frames → one word per bitmap.
        let map = [MemoryRegion::usable(0x1000, 0x40000), MemoryRegion::reserved(0x40000, 0x1_0000_0000)];
        assert_eq!(bitmap_words_for(map.into_iter()), 2);
        // Frame 64 needs a second word per bitmap.
        let map = [MemoryRegion::usable(0x1000, 0x41000)];
        assert_eq!(bitmap_words_for(map.into_iter()), 4);
        // A partial frame at the top does not count.
        let map = [MemoryRegion::usable(0x1000, 0x40fff)];
        assert_eq!(bitmap_words_for(map.into_iter()), 2);
        // 4 GiB of RAM → 1 Mi frames → 16 Ki words per bitmap.
        let map = [MemoryRegion::usable(0x10_0000, 0x1_0000_0000)];
        assert_eq!(bitmap_words_for(map.into_iter()), 2 * 16 * 1024);
    }

    #[test]
    fn storage_never_at_frame_zero() {
        let map = [MemoryRegion::usable(0, 0x10000)];
        let r = find_storage(map.into_iter(), 0x1000).unwrap();
        assert_eq!(r, PhysRange::new(PhysAddr::new(0x1000), PhysAddr::new(0x2000)));
    }

    #[test]
    fn storage_rounded_to_whole_frames_and_aligned() {
        let map = [MemoryRegion::usable(0x1800, 0x10000)];
        let r = find_storage(map.into_iter(), 0x1001).unwrap();
        assert_eq!(r, PhysRange::new(PhysAddr::new(0x2000), PhysAddr::new(0x4000)));
        assert!(r.start.is_aligned(FRAME_SIZE));
    }

    #[test]
    fn storage_skips_small_and_non_usable_regions() {
        let map = [
            MemoryRegion::reserved(0, 0x100000),
            MemoryRegion::usable(0x100000, 0x102000), // two frames: too small
            MemoryRegion::reserved(0x102000, 0x200000),
            MemoryRegion::usable(0x200000, 0x300000),
        ];
        let r = find_storage(map.into_iter(), 3 * FRAME_SIZE).unwrap();
        assert_eq!(r.start, PhysAddr::new(0x200000));
        assert_eq!(r.len(), 3 * FRAME_SIZE);
        for region in map.iter().filter(|m| !m.usable) {
            assert!(!region.range.overlaps(&r));
        }
    }

    #[test]
    fn storage_moves_past_reserved_region_overlapping_usable_one() {
        let map = [
            MemoryRegion::usable(0x1000, 0x20000),
            // Listed after the usable one and overlapping its start (edge unaligned).
            MemoryRegion::reserved(0x1000, 0x4800),
            MemoryRegion::reserved(0x8000, 0x9000),
        ];
        let r = find_storage(map.into_iter(), 3 * FRAME_SIZE).unwrap();
        // 0x5000..0x8000 is the first 3-frame gap not touching a reserved region.
        assert_eq!(r, PhysRange::new(PhysAddr::new(0x5000), PhysAddr::new(0x8000)));
        let r = find_storage(map.into_iter(), 4 * FRAME_SIZE).unwrap();
        assert_eq!(r.start, PhysAddr::new(0x9000));
    }

    #[test]
    fn storage_none_when_nothing_fits() {
        let map = [MemoryRegion::usable(0, 0x3000), MemoryRegion::reserved(0x3000, 0x100000)];
        assert_eq!(find_storage(map.into_iter(), 0x3000), None, "frame 0 is not room");
        assert!(find_storage(map.into_iter(), 0x2000).is_some());
        assert_eq!(find_storage(map.into_iter(), 0), None);
        assert_eq!(find_storage(map.into_iter(), u64::MAX), None);
        assert_eq!(find_storage([].into_iter(), 0x1000), None);
    }
}
