//! The bitmap frame allocator.
//!
//! One bit per 4 KiB frame in caller-supplied storage, so it works before any
//! heap exists and its memory cost is fixed and known up front
//! ([`bitmap_words_for`](crate::bitmap_words_for)). It supports free because
//! guest memory, EPT tables and VMCS regions are handed back when partitions
//! restart.
//!
//! # Design
//!
//! The storage is split in two equal halves, each a bitmap over the same
//! frames:
//!
//! * **used** — 1 = the frame may not be handed out (allocated, reserved, or
//!   not RAM at all);
//! * **managed** — 1 = the frame is usable RAM this allocator owns.
//!
//! The second bitmap is what lets [`FrameAllocator::free`] refuse a frame that
//! was never usable (firmware, MMIO, frame 0, …) instead of silently turning
//! it into allocatable memory. It doubles the storage (2 bits per frame, e.g.
//! 256 KiB for 4 GiB of RAM), which is the price of keeping no region list.
//!
//! Invariants: an unmanaged frame is always used; a frame is free exactly when
//! it is managed and not used; `free_frames()` counts those.
//!
//! Allocation is next-fit: a word hint remembers where the last allocation
//! happened, and the scan skips words whose 64 frames are all used.

use crate::bitmap::{Bitmap, WORD_BITS};
use crate::sizing::words_for_frame_count;
use crate::{Frame, FrameError, MemoryRegion, PhysRange};

/// A physical frame allocator over a bitmap in caller-supplied storage.
pub struct FrameAllocator<'a> {
    /// 1 = not available (allocated, reserved or not RAM).
    used: Bitmap<'a>,
    /// 1 = usable RAM owned by this allocator.
    managed: Bitmap<'a>,
    /// Frames covered by each bitmap.
    capacity: usize,
    /// Frames currently free.
    free: usize,
    /// Frames currently managed.
    managed_count: usize,
    /// Word of `used` where the next allocation scan starts.
    next_word: usize,
}

impl core::fmt::Debug for FrameAllocator<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FrameAllocator")
            .field("capacity_frames", &self.capacity)
            .field("free_frames", &self.free)
            .field("total_usable_frames", &self.managed_count)
            .finish_non_exhaustive()
    }
}

impl<'a> FrameAllocator<'a> {
    /// Builds the allocator for `regions` in `storage`.
    ///
    /// Every frame starts used; the whole frames inside usable regions are
    /// then made free. Partial frames at region edges stay used, frame 0 is
    /// never free, and where a non-usable region overlaps a usable one the
    /// non-usable one wins for every frame it touches, whatever the order of
    /// the regions. The iterator is walked once, so any number of regions
    /// works (OVMF hands over about 1,200).
    ///
    /// `storage` is overwritten; its first half becomes the "used" bitmap and
    /// its second half the "managed" bitmap (see the module docs). Size it with
    /// [`bitmap_words_for`](crate::bitmap_words_for). If it lives in usable
    /// RAM, the caller must [`reserve`](Self::reserve) its range afterwards.
    ///
    /// # Errors
    ///
    /// [`FrameError::StorageTooSmall`] if some usable frame lies beyond what
    /// `storage` can track.
    pub fn new(storage: &'a mut [u64], regions: impl Iterator<Item = MemoryRegion>) -> Result<Self, FrameError> {
        let provided_words = storage.len();
        let half = provided_words / 2;
        let (used_words, rest) = storage.split_at_mut(half);
        let mut used = Bitmap::new(used_words);
        let mut managed = Bitmap::new(&mut rest[..half]);
        let capacity = used.bit_len();
        let clamp = |n: u64| usize::try_from(n).map_or(capacity, |n| n.min(capacity));

        // One pass, order-independent: `managed` collects usable frames and
        // `used` temporarily collects frames vetoed by non-usable regions.
        used.fill(false);
        managed.fill(false);
        let mut usable_end = 0u64;
        for region in regions {
            if region.usable {
                let frames = region.allocatable_frames();
                if frames.is_empty() {
                    continue;
                }
                usable_end = usable_end.max(frames.end_number());
                managed.set_range(clamp(frames.start_number()), clamp(frames.end_number()));
            } else {
                let frames = region.range.frames_touching();
                used.set_range(clamp(frames.start_number()), clamp(frames.end_number()));
            }
        }
        if usize::try_from(usable_end).ok().is_none_or(|end| end > capacity) {
            return Err(FrameError::StorageTooSmall {
                needed_words: words_for_frame_count(usable_end),
                provided_words,
            });
        }

        // Reserved wins: managed &= !veto; then used = !managed.
        let mut managed_count = 0usize;
        for (u, m) in used.words_mut().iter_mut().zip(managed.words_mut().iter_mut()) {
            *m &= !*u;
            *u = !*m;
            managed_count += m.count_ones() as usize;
        }
        Ok(Self { used, managed, capacity, free: managed_count, managed_count, next_word: 0 })
    }

    /// Bitmap index of `frame`, if the bitmap covers it.
    fn index(&self, frame: Frame) -> Option<usize> {
        usize::try_from(frame.number()).ok().filter(|&i| i < self.capacity)
    }

    /// The frame with bitmap index `index`.
    fn frame_at(index: usize) -> Option<Frame> {
        Frame::from_number(u64::try_from(index).ok()?)
    }

    /// Takes every frame that `range` touches (rounding outward), for good:
    /// the frames become used *and* unmanaged, so a later [`free`](Self::free)
    /// of them is refused with [`FrameError::NotManaged`] and they no longer
    /// count in [`total_usable_frames`](Self::total_usable_frames).
    ///
    /// Meant for memory the kernel must never hand out or get back: its own
    /// image, the bitmap storage, the ramdisk, the boot information, even when
    /// the memory map already says so. Frames outside the bitmap are ignored
    /// (they are never handed out anyway). Reserving a frame that is currently
    /// allocated takes it for good too; its owner can then no longer free it.
    ///
    /// Returns how many frames were free before and are taken now.
    pub fn reserve(&mut self, range: PhysRange) -> usize {
        let frames = range.frames_touching();
        let clamp = |n: u64| usize::try_from(n).map_or(self.capacity, |n| n.min(self.capacity));
        let (start, end) = (clamp(frames.start_number()), clamp(frames.end_number()));
        if start >= end {
            return 0;
        }
        // Free frames are exactly the clear bits of `used`.
        let newly_taken = (end - start) - self.used.count_ones_in(start, end);
        let unmanaged_now = self.managed.count_ones_in(start, end);
        self.used.set_range(start, end);
        self.managed.clear_range(start, end);
        self.free -= newly_taken;
        self.managed_count -= unmanaged_now;
        newly_taken
    }

    /// Hands out one free frame, or `None` when none is left.
    ///
    /// Next-fit: the scan starts at the word of the previous allocation and
    /// wraps around, skipping words whose frames are all used.
    pub fn allocate(&mut self) -> Option<Frame> {
        if self.free == 0 {
            return None;
        }
        let words = self.used.words();
        let hint = self.next_word.min(words.len());
        let word = (hint..words.len()).chain(0..hint).find(|&w| words[w] != u64::MAX)?;
        let index = word * WORD_BITS + (!words[word]).trailing_zeros() as usize;
        self.used.set(index);
        self.free -= 1;
        self.next_word = word;
        Self::frame_at(index)
    }

    /// Hands out `count` physically contiguous free frames whose first frame
    /// number is a multiple of `align_frames` (512 for a 2 MiB-aligned run),
    /// returning the first frame. The lowest such run is chosen.
    ///
    /// `None` if `count` is 0, `align_frames` is not a power of two, or no
    /// such run is free.
    pub fn allocate_contiguous(&mut self, count: usize, align_frames: usize) -> Option<Frame> {
        if count == 0 || !align_frames.is_power_of_two() || count > self.free {
            return None;
        }
        let mut from = 0;
        loop {
            let first_free = self.used.find_zero(from, self.capacity)?;
            let start = first_free.checked_next_multiple_of(align_frames)?;
            let end = start.checked_add(count)?;
            if end > self.capacity {
                return None;
            }
            match self.used.find_one(start, end) {
                Some(taken) => from = taken + 1,
                None => {
                    let frame = Self::frame_at(start)?;
                    self.used.set_range(start, end);
                    self.free -= count;
                    return Some(frame);
                }
            }
        }
    }

    /// Gives `frame` back.
    ///
    /// # Errors
    ///
    /// [`FrameError::OutOfRange`] if the bitmap does not cover it,
    /// [`FrameError::NotManaged`] if it was never usable RAM (or was
    /// [`reserve`](Self::reserve)d), [`FrameError::DoubleFree`] if it is
    /// already free. Nothing changes on error.
    pub fn free(&mut self, frame: Frame) -> Result<(), FrameError> {
        let index = self.index(frame).ok_or(FrameError::OutOfRange(frame))?;
        if !self.managed.get(index) {
            return Err(FrameError::NotManaged(frame));
        }
        if !self.used.get(index) {
            return Err(FrameError::DoubleFree(frame));
        }
        self.used.clear(index);
        self.free += 1;
        Ok(())
    }

    /// Gives back the `count` frames starting at `start` (as returned by
    /// [`allocate_contiguous`](Self::allocate_contiguous)). All or nothing:
    /// every frame is checked before any is freed.
    ///
    /// # Errors
    ///
    /// As [`free`](Self::free); the error names the first offending frame
    /// (an out-of-range frame first, then an unmanaged one, then a free one).
    pub fn free_contiguous(&mut self, start: Frame, count: usize) -> Result<(), FrameError> {
        if count == 0 {
            return Ok(());
        }
        let first = self.index(start).ok_or(FrameError::OutOfRange(start))?;
        let end = match first.checked_add(count) {
            Some(end) if end <= self.capacity => end,
            _ => return Err(FrameError::OutOfRange(Self::frame_at(self.capacity).unwrap_or(start))),
        };
        let frame_or_start = |i: usize| Self::frame_at(i).unwrap_or(start);
        if let Some(i) = self.managed.find_zero(first, end) {
            return Err(FrameError::NotManaged(frame_or_start(i)));
        }
        if let Some(i) = self.used.find_zero(first, end) {
            return Err(FrameError::DoubleFree(frame_or_start(i)));
        }
        self.used.clear_range(first, end);
        self.free += count;
        Ok(())
    }

    /// Frames free right now.
    #[must_use]
    pub fn free_frames(&self) -> usize {
        self.free
    }

    /// Frames this allocator manages (free or allocated): the whole usable
    /// frames of the map, minus frame 0, non-usable overlaps and reserved
    /// frames.
    #[must_use]
    pub fn total_usable_frames(&self) -> usize {
        self.managed_count
    }

    /// Frames handed out and not yet freed.
    #[must_use]
    pub fn allocated_frames(&self) -> usize {
        self.managed_count - self.free
    }

    /// Frames the bitmap covers (frame numbers `0..capacity_frames()`).
    #[must_use]
    pub fn capacity_frames(&self) -> usize {
        self.capacity
    }

    /// Whether `frame` is free (managed and not handed out).
    #[must_use]
    pub fn is_free(&self, frame: Frame) -> bool {
        self.index(frame).is_some_and(|i| self.managed.get(i) && !self.used.get(i))
    }
}

#[cfg(test)]
mod tests;
