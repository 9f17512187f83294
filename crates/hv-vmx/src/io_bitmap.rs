//! The I/O bitmaps: two 4-KiB pages that decide which guest I/O port
//! accesses (IN, OUT, INS, OUTS) cause VM exits.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C
//! Section 25.6.4 ("I/O-Bitmap Addresses"): bitmap A covers ports
//! 0x0000-0x7FFF, bitmap B ports 0x8000-0xFFFF, one bit per port, bit set =
//! VM exit. Section 26.1.3 ("Instructions That Cause VM Exits
//! Conditionally"): with "use I/O bitmaps" an access exits if the bit of any
//! port it touches is set, or if it wraps around from port 0xFFFF to 0x0000.
//!
//! Why: the VMX core passes harmless ports (for example a guest's own debug
//! port) straight through and emulates the rest. [`IoBitmaps::intercepts_access`]
//! states the SDM's rule for multi-byte accesses, so the handler and the tests
//! agree on which accesses reach it. The structure is page-aligned and both
//! bitmaps are page-sized, so each starts on its own page; their physical
//! addresses go into [`Control64::IO_BITMAP_A`](crate::Control64::IO_BITMAP_A) and
//! [`Control64::IO_BITMAP_B`](crate::Control64::IO_BITMAP_B).

use core::fmt;

/// Size of each I/O bitmap in bytes.
pub const IO_BITMAP_SIZE: usize = 4096;

/// Number of I/O ports, 0x0000-0xFFFF.
const PORT_COUNT: u32 = 0x1_0000;

/// A port range that runs past port 0xFFFF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortRangeError {
    /// First port of the range.
    pub first: u16,
    /// Number of ports requested.
    pub count: u32,
}

impl fmt::Display for PortRangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ports from {:#x} run past port 0xffff", self.count, self.first)
    }
}

/// I/O bitmaps A and B (SDM Vol. 3C 25.6.4). A set bit makes accesses to
/// that port exit.
#[derive(Clone, PartialEq, Eq)]
#[repr(C, align(4096))]
pub struct IoBitmaps {
    a: [u8; IO_BITMAP_SIZE],
    b: [u8; IO_BITMAP_SIZE],
}

impl IoBitmaps {
    /// Bitmaps with every bit set: every port access exits.
    pub const fn new_intercept_all() -> Self {
        Self { a: [0xFF; IO_BITMAP_SIZE], b: [0xFF; IO_BITMAP_SIZE] }
    }

    /// The byte holding `port`'s bit, and the bit's mask.
    fn slot(&mut self, port: u16) -> (&mut u8, u8) {
        let index = usize::from(port & 0x7FFF);
        let bitmap = if port < 0x8000 { &mut self.a } else { &mut self.b };
        (&mut bitmap[index / 8], 1 << (port % 8))
    }

    /// Lets the guest access `port` without a VM exit.
    pub fn allow(&mut self, port: u16) {
        let (byte, mask) = self.slot(port);
        *byte &= !mask;
    }

    /// Makes accesses to `port` exit.
    pub fn intercept(&mut self, port: u16) {
        let (byte, mask) = self.slot(port);
        *byte |= mask;
    }

    /// Checks that `count` ports from `first` stay below 0x10000 and returns
    /// the ports.
    fn range(first: u16, count: u32) -> Result<impl Iterator<Item = u16>, PortRangeError> {
        let end = u32::from(first).checked_add(count).filter(|&end| end <= PORT_COUNT);
        match end {
            Some(end) => Ok((u32::from(first)..end).filter_map(|p| u16::try_from(p).ok())),
            None => Err(PortRangeError { first, count }),
        }
    }

    /// Allows `count` consecutive ports starting at `first` (`count` may be
    /// 0x10000 to cover every port). Changes nothing if the range runs past
    /// 0xFFFF.
    pub fn allow_range(&mut self, first: u16, count: u32) -> Result<(), PortRangeError> {
        for port in Self::range(first, count)? {
            self.allow(port);
        }
        Ok(())
    }

    /// Intercepts `count` consecutive ports starting at `first`. Changes
    /// nothing if the range runs past 0xFFFF.
    pub fn intercept_range(&mut self, first: u16, count: u32) -> Result<(), PortRangeError> {
        for port in Self::range(first, count)? {
            self.intercept(port);
        }
        Ok(())
    }

    /// Whether `port`'s bit is set.
    pub fn intercepts(&self, port: u16) -> bool {
        let index = usize::from(port & 0x7FFF);
        let bitmap = if port < 0x8000 { &self.a } else { &self.b };
        bitmap[index / 8] & (1 << (port % 8)) != 0
    }

    /// Whether an access of `size` bytes at `port` exits (SDM Vol. 3C
    /// 26.1.3): if any of ports `port`..`port + size - 1` is intercepted, or
    /// if the access wraps past 0xFFFF. `size` is 1, 2 or 4 for real
    /// instructions; 0 is treated as 1.
    pub fn intercepts_access(&self, port: u16, size: u8) -> bool {
        let size = u32::from(size.max(1));
        (0..size).any(|i| match u16::try_from(u32::from(port) + i) {
            Ok(p) => self.intercepts(p),
            Err(_) => true,
        })
    }

    /// Bitmap A (ports 0x0000-0x7FFF), as the processor reads it.
    pub const fn a(&self) -> &[u8; IO_BITMAP_SIZE] {
        &self.a
    }

    /// Bitmap B (ports 0x8000-0xFFFF), as the processor reads it.
    pub const fn b(&self) -> &[u8; IO_BITMAP_SIZE] {
        &self.b
    }
}

impl Default for IoBitmaps {
    /// [`IoBitmaps::new_intercept_all`].
    fn default() -> Self {
        Self::new_intercept_all()
    }
}

impl fmt::Debug for IoBitmaps {
    /// Summarises the pages instead of printing 8192 bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |bitmap: &[u8; IO_BITMAP_SIZE]| -> u32 { bitmap.iter().map(|b| b.count_ones()).sum() };
        f.debug_struct("IoBitmaps")
            .field("intercepted_a", &count(&self.a))
            .field("intercepted_b", &count(&self.b))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (bitmap is B, byte, bit) of every clear bit.
    fn cleared_bits(bitmaps: &IoBitmaps) -> Vec<(bool, usize, u32)> {
        let mut out = Vec::new();
        for (is_b, bitmap) in [(false, bitmaps.a()), (true, bitmaps.b())] {
            for (i, byte) in bitmap.iter().enumerate() {
                for bit in 0..8 {
                    if byte & (1 << bit) == 0 {
                        out.push((is_b, i, bit));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn starts_fully_intercepted_and_aligned() {
        let bitmaps = IoBitmaps::new_intercept_all();
        assert!(bitmaps.a().iter().chain(bitmaps.b().iter()).all(|&b| b == 0xFF));
        assert_eq!(size_of::<IoBitmaps>(), 8192);
        assert_eq!(align_of::<IoBitmaps>(), 4096);
        // B starts exactly one page after A.
        let base = core::ptr::from_ref(&bitmaps).addr();
        assert_eq!(bitmaps.a().as_ptr().addr(), base);
        assert_eq!(bitmaps.b().as_ptr().addr(), base + 4096);
        assert_eq!(IoBitmaps::default(), bitmaps);
    }

    #[test]
    fn ports_map_to_their_bits() {
        let cases = [
            (0x0000, false, 0, 0),
            (0x0060, false, 0x0C, 0),
            (0x03F8, false, 0x7F, 0),
            (0x03FD, false, 0x7F, 5),
            (0x7FFF, false, 4095, 7),
            (0x8000, true, 0, 0),
            (0xCF8, false, 0x19F, 0),
            (0xCFC, false, 0x19F, 4),
            (0xFFFF, true, 4095, 7),
        ];
        for (port, is_b, byte, bit) in cases {
            let mut bitmaps = IoBitmaps::new_intercept_all();
            bitmaps.allow(port);
            assert_eq!(cleared_bits(&bitmaps), vec![(is_b, byte, bit)], "port {port:#x}");
            assert!(!bitmaps.intercepts(port));
            bitmaps.intercept(port);
            assert_eq!(bitmaps, IoBitmaps::new_intercept_all());
        }
    }

    #[test]
    fn ranges() {
        let mut bitmaps = IoBitmaps::new_intercept_all();
        bitmaps.allow_range(0x3F8, 8).unwrap();
        assert!(bitmaps.intercepts(0x3F7));
        assert!((0x3F8..=0x3FF).all(|p| !bitmaps.intercepts(p)));
        assert!(bitmaps.intercepts(0x400));
        assert_eq!(cleared_bits(&bitmaps).len(), 8);
        // A range ending exactly at 0xFFFF is fine; one past it is refused
        // and changes nothing.
        bitmaps.allow_range(0xFFFE, 2).unwrap();
        assert!(!bitmaps.intercepts(0xFFFF));
        let before = bitmaps.clone();
        assert_eq!(bitmaps.allow_range(0xFFFF, 2), Err(PortRangeError { first: 0xFFFF, count: 2 }));
        assert_eq!(bitmaps.allow_range(0, u32::MAX), Err(PortRangeError { first: 0, count: u32::MAX }));
        assert_eq!(bitmaps, before);
        // Every port, then intercept a range across the A/B boundary.
        bitmaps.allow_range(0, 0x1_0000).unwrap();
        assert!(bitmaps.a().iter().chain(bitmaps.b().iter()).all(|&b| b == 0));
        bitmaps.intercept_range(0x7FFE, 4).unwrap();
        let intercepted: Vec<u16> = (0..=0xFFFF).filter(|&p| bitmaps.intercepts(p)).collect();
        assert_eq!(intercepted, vec![0x7FFE, 0x7FFF, 0x8000, 0x8001]);
        // Empty range.
        bitmaps.allow_range(0x1234, 0).unwrap();
        assert!(!bitmaps.intercepts(0x1234));
        assert_eq!(PortRangeError { first: 0xFFFF, count: 2 }.to_string(), "2 ports from 0xffff run past port 0xffff");
    }

    #[test]
    fn multi_byte_accesses() {
        let mut bitmaps = IoBitmaps::new_intercept_all();
        bitmaps.allow_range(0xCF8, 4).unwrap();
        // A dword at 0xCF8 touches 0xCF8-0xCFB only.
        assert!(!bitmaps.intercepts_access(0xCF8, 4));
        assert!(!bitmaps.intercepts_access(0xCFA, 2));
        assert!(!bitmaps.intercepts_access(0xCFB, 1));
        // Reaching one port further exits.
        assert!(bitmaps.intercepts_access(0xCF9, 4));
        assert!(bitmaps.intercepts_access(0xCFB, 2));
        assert!(bitmaps.intercepts_access(0xCF7, 2));
        // Size 0 is treated as 1.
        assert!(!bitmaps.intercepts_access(0xCF8, 0));
        assert!(bitmaps.intercepts_access(0xCF7, 0));
    }

    #[test]
    fn wrapping_accesses_always_exit() {
        let mut bitmaps = IoBitmaps::new_intercept_all();
        bitmaps.allow_range(0, 0x1_0000).unwrap();
        assert!(!bitmaps.intercepts_access(0xFFFF, 1));
        assert!(!bitmaps.intercepts_access(0xFFFC, 4));
        assert!(bitmaps.intercepts_access(0xFFFF, 2));
        assert!(bitmaps.intercepts_access(0xFFFD, 4));
        assert!(!bitmaps.intercepts_access(0x0000, 4));
    }

    #[test]
    fn debug_summarises() {
        let mut bitmaps = IoBitmaps::new_intercept_all();
        bitmaps.allow(0x80);
        bitmaps.allow(0x8080);
        bitmaps.allow(0x8081);
        assert_eq!(format!("{bitmaps:?}"), "IoBitmaps { intercepted_a: 32767, intercepted_b: 32766 }");
    }
}
