//! A half-open run of frame numbers, iterable as [`Frame`]s.
//!
//! [`PhysRange::frames_inside`](crate::PhysRange::frames_inside) and
//! [`PhysRange::frames_touching`](crate::PhysRange::frames_touching) produce
//! one; the allocator works on frame numbers (bitmap indices), so this type
//! carries numbers rather than addresses and never overflows even for ranges
//! that reach the top of the physical address space.

use crate::Frame;

/// Frames numbered `start_number..end_number` (half-open). Empty when
/// `end_number <= start_number`.
/// Not `Copy`, because it is an iterator (an accidental copy would iterate
/// from the start again).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FrameRange {
    start: u64,
    end: u64,
}

impl FrameRange {
    /// The range holding no frame.
    pub const EMPTY: Self = Self { start: 0, end: 0 };

    /// Frames numbered `start_number..end_number`.
    #[must_use]
    pub const fn new(start_number: u64, end_number: u64) -> Self {
        Self { start: start_number, end: end_number }
    }

    /// Number of the first frame.
    #[must_use]
    pub const fn start_number(&self) -> u64 {
        self.start
    }

    /// Number of the first frame past the range.
    #[must_use]
    pub const fn end_number(&self) -> u64 {
        self.end
    }

    /// How many frames the range holds.
    #[must_use]
    pub const fn frame_count(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the range holds no frame.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// Whether `frame` is in the range.
    #[must_use]
    pub const fn contains(&self, frame: Frame) -> bool {
        self.start <= frame.number() && frame.number() < self.end
    }

    /// Whether the two ranges share a frame.
    #[must_use]
    pub const fn overlaps(&self, other: &Self) -> bool {
        !self.is_empty() && !other.is_empty() && self.start < other.end && other.start < self.end
    }
}

impl Iterator for FrameRange {
    type Item = Frame;

    fn next(&mut self) -> Option<Frame> {
        if self.is_empty() {
            return None;
        }
        let frame = Frame::from_number(self.start)?;
        self.start += 1;
        Some(frame)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match usize::try_from(self.frame_count()) {
            Ok(n) => (n, Some(n)),
            Err(_) => (usize::MAX, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PhysAddr;

    #[test]
    fn iterates_frames_in_order() {
        let starts: Vec<u64> = FrameRange::new(3, 6).map(|f| f.start().as_u64()).collect();
        assert_eq!(starts, [0x3000, 0x4000, 0x5000]);
        assert_eq!(FrameRange::new(6, 3).count(), 0);
        assert_eq!(FrameRange::new(6, 3).frame_count(), 0);
    }

    #[test]
    fn membership_and_overlap() {
        let r = FrameRange::new(3, 6);
        assert!(r.contains(Frame::containing(PhysAddr::new(0x3000))));
        assert!(!r.contains(Frame::containing(PhysAddr::new(0x6000))));
        assert!(r.overlaps(&FrameRange::new(5, 9)));
        assert!(!r.overlaps(&FrameRange::new(6, 9)));
        assert!(!r.overlaps(&FrameRange::EMPTY));
    }
}
