//! The "canonical address" test used by many VM-entry checks.
//!
//! What: an address is canonical for a processor with N linear-address bits
//! when bits 63:N-1 are all equal (bits 63:N are a sign extension of bit
//! N-1).
//!
//! Why: VM entry requires canonical values in the guest FS, GS, TR and LDTR
//! bases, the GDTR and IDTR bases, the SYSENTER MSRs and (for 64-bit code)
//! RIP. N is 48 on processors with 4-level paging and 57 on processors that
//! support 5-level paging.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 1
//! Section 3.3.7.1 ("Canonical Addressing"); Vol. 3C 27.3.1.1 to 27.3.1.4,
//! where the checks use it.

/// Whether `addr` is canonical for a processor with `width` linear-address
/// bits: bits 63:`width`-1 are all equal.
///
/// A `width` of 64 or more accepts every address (the SDM: "no check applies
/// if the processor supports 64 linear-address bits"); a `width` of 0 is
/// treated as 1, so only 0 and all-ones are canonical then.
pub const fn canonical(addr: u64, width: u8) -> bool {
    if width >= 64 {
        return true;
    }
    let width = if width == 0 { 1 } else { width };
    let shift = 64 - width as u32;
    // Sign-extend from bit `width - 1` and compare with the original.
    ((addr << shift).cast_signed() >> shift).cast_unsigned() == addr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_48() {
        assert!(canonical(0, 48));
        assert!(canonical(0x0000_7FFF_FFFF_FFFF, 48));
        assert!(canonical(0xFFFF_8000_0000_0000, 48));
        assert!(canonical(u64::MAX, 48));
        assert!(!canonical(0x0000_8000_0000_0000, 48));
        assert!(!canonical(0xFFFF_7FFF_FFFF_FFFF, 48));
        assert!(!canonical(0x0001_0000_0000_0000, 48));
        assert!(!canonical(0x8000_0000_0000_0000, 48));
    }

    #[test]
    fn width_57() {
        assert!(canonical(0x0000_8000_0000_0000, 57));
        assert!(canonical(0x00FF_FFFF_FFFF_FFFF, 57));
        assert!(!canonical(0x0100_0000_0000_0000, 57));
        assert!(canonical(0xFF00_0000_0000_0000, 57));
        assert!(!canonical(0xFE00_0000_0000_0000, 57));
    }

    #[test]
    fn extreme_widths() {
        assert!(canonical(0x8000_0000_0000_0000, 64));
        assert!(canonical(0x1234_5678_9ABC_DEF0, 100));
        assert!(canonical(0, 0));
        assert!(canonical(u64::MAX, 0));
        assert!(!canonical(1, 0));
        assert!(!canonical(1, 1));
        // Width 63: bits 63 and 62 must agree.
        assert!(canonical(0x3FFF_FFFF_FFFF_FFFF, 63));
        assert!(canonical(0xC000_0000_0000_0000, 63));
        assert!(!canonical(0x4000_0000_0000_0000, 63));
        assert!(!canonical(0x7FFF_FFFF_FFFF_FFFF, 63));
    }
}
