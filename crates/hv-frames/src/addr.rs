//! Physical addresses, 4 KiB frames and half-open physical ranges.
//!
//! These newtypes keep physical addresses apart from plain integers (and from
//! virtual addresses in the kernel) and put the rounding rules the allocator
//! depends on in one place: a [`PhysRange`] can be narrowed to the whole frames
//! inside it (usable memory) or widened to every frame it touches (reserved
//! memory).

use core::fmt;

use crate::frame_range::FrameRange;

/// Size of one physical frame in bytes (4 KiB).
pub const FRAME_SIZE: u64 = 4096;

/// `log2(FRAME_SIZE)`.
const FRAME_SHIFT: u32 = FRAME_SIZE.trailing_zeros();

/// A physical memory address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PhysAddr(u64);

impl PhysAddr {
    /// Wraps a raw physical address.
    #[must_use]
    pub const fn new(addr: u64) -> Self {
        Self(addr)
    }

    /// The raw address.
    #[must_use]
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// Whether the address is a multiple of `align`.
    ///
    /// Returns `false` if `align` is not a power of two.
    #[must_use]
    pub const fn is_aligned(self, align: u64) -> bool {
        align.is_power_of_two() && self.0 & (align - 1) == 0
    }

    /// Rounds down to a multiple of `align`.
    ///
    /// # Panics
    ///
    /// If `align` is not a power of two.
    #[must_use]
    pub const fn align_down(self, align: u64) -> Self {
        assert!(align.is_power_of_two(), "alignment must be a power of two");
        Self(self.0 & !(align - 1))
    }

    /// Rounds up to a multiple of `align`; `None` if that overflows `u64`.
    ///
    /// # Panics
    ///
    /// If `align` is not a power of two.
    #[must_use]
    pub const fn align_up(self, align: u64) -> Option<Self> {
        assert!(align.is_power_of_two(), "alignment must be a power of two");
        match self.0.checked_add(align - 1) {
            Some(sum) => Some(Self(sum & !(align - 1))),
            None => None,
        }
    }

    /// `self + bytes`, or `None` on overflow.
    #[must_use]
    pub const fn checked_add(self, bytes: u64) -> Option<Self> {
        match self.0.checked_add(bytes) {
            Some(sum) => Some(Self(sum)),
            None => None,
        }
    }

    /// `self - bytes`, or `None` on underflow.
    #[must_use]
    pub const fn checked_sub(self, bytes: u64) -> Option<Self> {
        match self.0.checked_sub(bytes) {
            Some(diff) => Some(Self(diff)),
            None => None,
        }
    }
}

impl fmt::Debug for PhysAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhysAddr({:#x})", self.0)
    }
}

/// Formats as `0x…` hexadecimal.
impl fmt::Display for PhysAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl fmt::LowerHex for PhysAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}

/// One 4 KiB physical frame, identified by its (aligned) start address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Frame(PhysAddr);

impl Frame {
    /// The frame that contains `addr`.
    #[must_use]
    pub const fn containing(addr: PhysAddr) -> Self {
        Self(addr.align_down(FRAME_SIZE))
    }

    /// The frame starting at `addr`; `None` unless `addr` is 4 KiB-aligned.
    #[must_use]
    pub const fn from_start(addr: PhysAddr) -> Option<Self> {
        if addr.is_aligned(FRAME_SIZE) {
            Some(Self(addr))
        } else {
            None
        }
    }

    /// Frame number `number` (start address `number * 4096`); `None` if that
    /// address does not fit in a `u64`.
    #[must_use]
    pub const fn from_number(number: u64) -> Option<Self> {
        if number >> (u64::BITS - FRAME_SHIFT) != 0 {
            return None;
        }
        Some(Self(PhysAddr(number << FRAME_SHIFT)))
    }

    /// The first byte of the frame.
    #[must_use]
    pub const fn start(self) -> PhysAddr {
        self.0
    }

    /// The frame number: `start / 4096`.
    #[must_use]
    pub const fn number(self) -> u64 {
        self.0 .0 >> FRAME_SHIFT
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Frame({:#x})", self.0 .0)
    }
}

/// Formats as the frame's start address, `0x…`.
impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A half-open physical range `start..end`. Empty when `end <= start`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PhysRange {
    /// First byte in the range.
    pub start: PhysAddr,
    /// First byte past the range.
    pub end: PhysAddr,
}

impl PhysRange {
    /// The range `start..end`.
    #[must_use]
    pub const fn new(start: PhysAddr, end: PhysAddr) -> Self {
        Self { start, end }
    }

    /// The range of `len` bytes starting at `start`; `None` if its end
    /// overflows `u64`.
    #[must_use]
    pub const fn from_start_len(start: PhysAddr, len: u64) -> Option<Self> {
        match start.checked_add(len) {
            Some(end) => Some(Self { start, end }),
            None => None,
        }
    }

    /// Length in bytes (0 if empty).
    #[must_use]
    pub const fn len(&self) -> u64 {
        self.end.0.saturating_sub(self.start.0)
    }

    /// Whether the range holds no byte.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.end.0 <= self.start.0
    }

    /// Whether `addr` lies in the range.
    #[must_use]
    pub const fn contains(&self, addr: PhysAddr) -> bool {
        self.start.0 <= addr.0 && addr.0 < self.end.0
    }

    /// Whether the two ranges share at least one byte.
    #[must_use]
    pub const fn overlaps(&self, other: &Self) -> bool {
        !self.is_empty() && !other.is_empty() && self.start.0 < other.end.0 && other.start.0 < self.end.0
    }

    /// The whole frames inside the range: start rounded up, end rounded down.
    /// Partial frames at either edge are left out.
    #[must_use]
    pub const fn frames_inside(&self) -> FrameRange {
        let first = self.start.0.div_ceil(FRAME_SIZE);
        let end = self.end.0 >> FRAME_SHIFT;
        FrameRange::new(first, end)
    }

    /// Every frame the range touches: start rounded down, end rounded up.
    #[must_use]
    pub const fn frames_touching(&self) -> FrameRange {
        if self.is_empty() {
            return FrameRange::EMPTY;
        }
        let first = self.start.0 >> FRAME_SHIFT;
        let end = self.end.0.div_ceil(FRAME_SIZE);
        FrameRange::new(first, end)
    }
}

impl fmt::Debug for PhysRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhysRange({:#x}..{:#x})", self.start.0, self.end.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: u64, end: u64) -> PhysRange {
        PhysRange::new(PhysAddr::new(start), PhysAddr::new(end))
    }

    #[test]
    fn alignment() {
        let a = PhysAddr::new(0x1234);
        assert!(!a.is_aligned(FRAME_SIZE));
        assert!(a.is_aligned(4));
        assert!(!a.is_aligned(3), "non-power-of-two alignment is never satisfied");
        assert_eq!(a.align_down(FRAME_SIZE), PhysAddr::new(0x1000));
        assert_eq!(a.align_up(FRAME_SIZE), Some(PhysAddr::new(0x2000)));
        assert_eq!(PhysAddr::new(0x2000).align_up(FRAME_SIZE), Some(PhysAddr::new(0x2000)));
        assert_eq!(PhysAddr::new(u64::MAX).align_up(FRAME_SIZE), None);
        assert_eq!(PhysAddr::new(u64::MAX - 1).checked_add(2), None);
        assert_eq!(a.checked_add(0x10), Some(PhysAddr::new(0x1244)));
        assert_eq!(a.checked_sub(0x1235), None);
    }

    #[test]
    #[should_panic(expected = "power of two")]
    fn align_down_rejects_bad_alignment() {
        let _ = PhysAddr::new(0x1000).align_down(3);
    }

    #[test]
    fn frames() {
        let f = Frame::containing(PhysAddr::new(0x5fff));
        assert_eq!(f.start(), PhysAddr::new(0x5000));
        assert_eq!(f.number(), 5);
        assert_eq!(Frame::from_start(PhysAddr::new(0x5001)), None);
        assert_eq!(Frame::from_start(PhysAddr::new(0x5000)), Some(f));
        assert_eq!(Frame::from_number(5), Some(f));
        let last = u64::MAX >> FRAME_SHIFT;
        assert_eq!(Frame::from_number(last).map(Frame::start), Some(PhysAddr::new(u64::MAX - 0xfff)));
        assert_eq!(Frame::from_number(last + 1), None);
    }

    #[test]
    fn formatting_is_hex() {
        assert_eq!(format!("{}", PhysAddr::new(0xdead_b000)), "0xdeadb000");
        assert_eq!(format!("{:?}", Frame::containing(PhysAddr::new(0x2345))), "Frame(0x2000)");
        assert_eq!(format!("{:?}", range(0x1000, 0x2000)), "PhysRange(0x1000..0x2000)");
    }

    #[test]
    fn range_basics() {
        let r = range(0x1000, 0x3000);
        assert_eq!(r.len(), 0x2000);
        assert!(r.contains(PhysAddr::new(0x1000)));
        assert!(r.contains(PhysAddr::new(0x2fff)));
        assert!(!r.contains(PhysAddr::new(0x3000)));
        assert!(!r.contains(PhysAddr::new(0xfff)));
        assert!(range(0x3000, 0x1000).is_empty());
        assert_eq!(range(0x3000, 0x1000).len(), 0);
        assert_eq!(PhysRange::from_start_len(PhysAddr::new(u64::MAX), 1), None);
        assert_eq!(PhysRange::from_start_len(PhysAddr::new(0x1000), 0x10), Some(range(0x1000, 0x1010)));
    }

    #[test]
    fn overlap() {
        let r = range(0x1000, 0x3000);
        assert!(r.overlaps(&range(0x2fff, 0x4000)));
        assert!(!r.overlaps(&range(0x3000, 0x4000)), "half-open: touching is not overlapping");
        assert!(!r.overlaps(&range(0, 0x1000)));
        assert!(r.overlaps(&range(0, 0x1001)));
        assert!(r.overlaps(&range(0x1800, 0x1900)), "containment overlaps");
        assert!(!r.overlaps(&range(0x2000, 0x2000)), "empty ranges overlap nothing");
    }

    #[test]
    fn frames_inside_excludes_partial_frames() {
        let r = range(0x1001, 0x5fff);
        let inside = r.frames_inside();
        assert_eq!((inside.start_number(), inside.end_number()), (2, 5));
        assert_eq!(range(0x1000, 0x5000).frames_inside().frame_count(), 4);
        assert!(range(0x1001, 0x1fff).frames_inside().is_empty());
        assert!(range(0x1800, 0x2800).frames_inside().is_empty());
    }

    #[test]
    fn frames_touching_rounds_outward() {
        let t = range(0x1001, 0x5001).frames_touching();
        assert_eq!((t.start_number(), t.end_number()), (1, 6));
        assert_eq!(range(0x1000, 0x1001).frames_touching().frame_count(), 1);
        assert!(range(0x1800, 0x1800).frames_touching().is_empty());
        let top = range(u64::MAX - 10, u64::MAX).frames_touching();
        assert_eq!(top.end_number(), 1 << 52, "no overflow at the top of the address space");
    }
}
