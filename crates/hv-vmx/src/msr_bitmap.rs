//! The MSR bitmaps: a 4-KiB page that decides which RDMSR and WRMSR
//! executions in the guest cause VM exits.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C
//! Section 25.6.9 ("MSR-Bitmap Address") for the layout, and 26.1.3
//! ("Instructions That Cause VM Exits Conditionally", RDMSR and WRMSR) for
//! the rule that an MSR outside both covered ranges always exits.
//!
//! Layout: four 1-KiB bitmaps, one bit per MSR, bit set = VM exit.
//!
//! | bytes     | bitmap     | MSRs                      |
//! |-----------|------------|---------------------------|
//! | 0-1023    | read low   | 0x0000_0000-0x0000_1FFF   |
//! | 1024-2047 | read high  | 0xC000_0000-0xC000_1FFF   |
//! | 2048-3071 | write low  | 0x0000_0000-0x0000_1FFF   |
//! | 3072-4095 | write high | 0xC000_0000-0xC000_1FFF   |
//!
//! Why: with the "use MSR bitmaps" control the VMX core lets the guest access
//! harmless MSRs directly and intercepts the rest. Starting from
//! [`MsrBitmap::new_intercept_all`] and allowing MSRs one by one keeps the
//! default safe. The structure is page-aligned so that it can be placed in a
//! page whose physical address goes into
//! [`Control64::MSR_BITMAPS`](crate::Control64::MSR_BITMAPS).

use core::fmt;

/// Size of the MSR-bitmap page in bytes.
pub const MSR_BITMAP_SIZE: usize = 4096;

/// The MSR is in neither range the bitmaps cover (0x0000_0000-0x0000_1FFF,
/// 0xC000_0000-0xC000_1FFF); accesses to it always cause VM exits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MsrOutOfRange {
    /// The MSR index that was given.
    pub msr: u32,
}

impl fmt::Display for MsrOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MSR {:#x} is outside the MSR-bitmap ranges 0x0-0x1fff and 0xc0000000-0xc0001fff", self.msr)
    }
}

/// The four MSR bitmaps in one page (SDM Vol. 3C 25.6.9). A set bit makes
/// the access exit.
#[derive(Clone, PartialEq, Eq)]
#[repr(C, align(4096))]
pub struct MsrBitmap {
    bytes: [u8; MSR_BITMAP_SIZE],
}

/// Byte offsets of the four bitmaps.
const READ_LOW: usize = 0;
const READ_HIGH: usize = 1024;
const WRITE_OFFSET: usize = 2048;

/// First MSR of the high range.
const HIGH_BASE: u32 = 0xC000_0000;
/// Number of MSRs each range covers.
const RANGE_LEN: u32 = 0x2000;

/// Byte index and bit mask of `msr` in the read (`write == false`) or write
/// bitmaps, or `None` outside both ranges.
const fn locate(msr: u32, write: bool) -> Option<(usize, u8)> {
    let (base, index) = if msr < RANGE_LEN {
        (READ_LOW, msr)
    } else if msr >= HIGH_BASE && msr - HIGH_BASE < RANGE_LEN {
        (READ_HIGH, msr - HIGH_BASE)
    } else {
        return None;
    };
    let base = if write { base + WRITE_OFFSET } else { base };
    Some((base + (index / 8) as usize, 1 << (index % 8)))
}

impl MsrBitmap {
    /// Bitmaps with every bit set: every RDMSR and WRMSR exits.
    pub const fn new_intercept_all() -> Self {
        Self { bytes: [0xFF; MSR_BITMAP_SIZE] }
    }

    fn set(&mut self, msr: u32, write: bool, intercept: bool) -> Result<(), MsrOutOfRange> {
        let (byte, mask) = locate(msr, write).ok_or(MsrOutOfRange { msr })?;
        if intercept {
            self.bytes[byte] |= mask;
        } else {
            self.bytes[byte] &= !mask;
        }
        Ok(())
    }

    fn get(&self, msr: u32, write: bool) -> bool {
        match locate(msr, write) {
            Some((byte, mask)) => self.bytes[byte] & mask != 0,
            None => true,
        }
    }

    /// Lets the guest RDMSR `msr` without a VM exit.
    pub fn allow_read(&mut self, msr: u32) -> Result<(), MsrOutOfRange> {
        self.set(msr, false, false)
    }

    /// Lets the guest WRMSR `msr` without a VM exit.
    pub fn allow_write(&mut self, msr: u32) -> Result<(), MsrOutOfRange> {
        self.set(msr, true, false)
    }

    /// Makes RDMSR of `msr` exit. Fails for MSRs outside the covered ranges,
    /// which always exit anyway, so that a mistyped MSR number is noticed.
    pub fn intercept_read(&mut self, msr: u32) -> Result<(), MsrOutOfRange> {
        self.set(msr, false, true)
    }

    /// Makes WRMSR of `msr` exit. Fails like
    /// [`intercept_read`](Self::intercept_read).
    pub fn intercept_write(&mut self, msr: u32) -> Result<(), MsrOutOfRange> {
        self.set(msr, true, true)
    }

    /// Whether RDMSR of `msr` exits; always true outside the covered ranges
    /// (SDM Vol. 3C 26.1.3).
    pub fn intercepts_read(&self, msr: u32) -> bool {
        self.get(msr, false)
    }

    /// Whether WRMSR of `msr` exits; always true outside the covered ranges
    /// (SDM Vol. 3C 26.1.3).
    pub fn intercepts_write(&self, msr: u32) -> bool {
        self.get(msr, true)
    }

    /// The page as the processor reads it.
    pub const fn as_bytes(&self) -> &[u8; MSR_BITMAP_SIZE] {
        &self.bytes
    }
}

impl Default for MsrBitmap {
    /// [`MsrBitmap::new_intercept_all`].
    fn default() -> Self {
        Self::new_intercept_all()
    }
}

impl fmt::Debug for MsrBitmap {
    /// Summarises the page instead of printing 4096 bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let intercepted: u32 = self.bytes.iter().map(|b| b.count_ones()).sum();
        f.debug_struct("MsrBitmap").field("intercepted_bits", &intercepted).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EFER: u32 = 0xC000_0080;

    fn cleared_bits(bitmap: &MsrBitmap) -> Vec<(usize, u32)> {
        let mut out = Vec::new();
        for (i, byte) in bitmap.as_bytes().iter().enumerate() {
            for bit in 0..8 {
                if byte & (1 << bit) == 0 {
                    out.push((i, bit));
                }
            }
        }
        out
    }

    #[test]
    fn starts_fully_intercepted_and_aligned() {
        let bitmap = MsrBitmap::new_intercept_all();
        assert!(bitmap.as_bytes().iter().all(|&b| b == 0xFF));
        assert_eq!(size_of::<MsrBitmap>(), 4096);
        assert_eq!(align_of::<MsrBitmap>(), 4096);
        assert!(bitmap.intercepts_read(0));
        assert!(bitmap.intercepts_write(EFER));
        assert_eq!(MsrBitmap::default(), bitmap);
    }

    #[test]
    fn each_bitmap_is_at_its_offset() {
        // (msr, write, byte, bit)
        let cases = [
            (0x0, false, 0, 0),
            (0x1FFF, false, 1023, 7),
            (0x174, false, 0x174 / 8, 4),
            (0xC000_0000, false, 1024, 0),
            (EFER, false, 1024 + 0x80 / 8, 0),
            (0xC000_1FFF, false, 2047, 7),
            (0x0, true, 2048, 0),
            (0x1FFF, true, 3071, 7),
            (0xC000_0000, true, 3072, 0),
            (EFER, true, 3072 + 0x80 / 8, 0),
            (0xC000_0103, true, 3072 + 0x103 / 8, 3),
            (0xC000_1FFF, true, 4095, 7),
        ];
        for (msr, write, byte, bit) in cases {
            let mut bitmap = MsrBitmap::new_intercept_all();
            if write {
                bitmap.allow_write(msr).unwrap();
            } else {
                bitmap.allow_read(msr).unwrap();
            }
            assert_eq!(cleared_bits(&bitmap), vec![(byte, bit)], "{msr:#x} write={write}");
            assert_eq!(bitmap.intercepts_read(msr), write);
            assert_eq!(bitmap.intercepts_write(msr), !write);
        }
    }

    #[test]
    fn intercept_undoes_allow() {
        let mut bitmap = MsrBitmap::new_intercept_all();
        bitmap.allow_read(EFER).unwrap();
        bitmap.allow_write(EFER).unwrap();
        assert!(!bitmap.intercepts_read(EFER));
        assert!(!bitmap.intercepts_write(EFER));
        bitmap.intercept_write(EFER).unwrap();
        assert!(!bitmap.intercepts_read(EFER));
        assert!(bitmap.intercepts_write(EFER));
        bitmap.intercept_read(EFER).unwrap();
        assert_eq!(bitmap, MsrBitmap::new_intercept_all());
        // Neighbours are untouched.
        bitmap.allow_read(0xC000_0081).unwrap();
        assert!(bitmap.intercepts_read(EFER));
        assert!(bitmap.intercepts_read(0xC000_0082));
    }

    #[test]
    fn out_of_range_msrs_always_exit() {
        let mut bitmap = MsrBitmap::new_intercept_all();
        for msr in [0x2000, 0x4000_0000, 0xBFFF_FFFF, 0xC000_2000, u32::MAX] {
            assert_eq!(bitmap.allow_read(msr), Err(MsrOutOfRange { msr }));
            assert_eq!(bitmap.allow_write(msr), Err(MsrOutOfRange { msr }));
            assert_eq!(bitmap.intercept_read(msr), Err(MsrOutOfRange { msr }));
            assert_eq!(bitmap.intercept_write(msr), Err(MsrOutOfRange { msr }));
            assert!(bitmap.intercepts_read(msr));
            assert!(bitmap.intercepts_write(msr));
        }
        assert_eq!(bitmap, MsrBitmap::new_intercept_all());
        // Even with every in-range bit clear, out-of-range MSRs exit.
        let open = MsrBitmap { bytes: [0; MSR_BITMAP_SIZE] };
        assert!(!open.intercepts_read(0x1FFF));
        assert!(open.intercepts_read(0x2000));
        assert!(open.intercepts_write(0xC000_2000));
    }

    #[test]
    fn display_and_debug() {
        let err = MsrOutOfRange { msr: 0x4000_0000 };
        assert_eq!(
            err.to_string(),
            "MSR 0x40000000 is outside the MSR-bitmap ranges 0x0-0x1fff and 0xc0000000-0xc0001fff"
        );
        let mut bitmap = MsrBitmap::new_intercept_all();
        bitmap.allow_read(EFER).unwrap();
        assert_eq!(format!("{bitmap:?}"), "MsrBitmap { intercepted_bits: 32767 }");
    }
}
