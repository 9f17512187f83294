//! The bits of CR0 and CR4 that VMX operation fixes to 0 or 1, from the
//! IA32_VMX_CR{0,4}_FIXED{0,1} MSRs.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024: Vol. 3D
//! Appendix A.7 ("VMX-Fixed Bits in CR0") and A.8 ("VMX-Fixed Bits in CR4");
//! Vol. 3C Section 24.8 ("Restrictions on VMX Operation") and 27.3.1.1
//! ("Checks on Guest Control Registers, Debug Registers, and MSRs").
//! Editions before 2023 number these sections 23.8 and 26.3.1.1.
//!
//! Why: VMXON fails unless the host's CR0 and CR4 obey these rules, and VM
//! entry fails unless the guest CR0/CR4 fields do, except that with
//! "unrestricted guest" the guest may clear CR0.PE and CR0.PG.

/// Fixed-bit masks for one control register (SDM Vol. 3D A.7/A.8): a bit set
/// in `fixed0` must be 1, a bit clear in `fixed1` must be 0, every other bit is
/// free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FixedBits {
    /// IA32_VMX_CR*_FIXED0: bits that must be 1.
    pub fixed0: u64,
    /// IA32_VMX_CR*_FIXED1: bits that may be 1 (a clear bit must be 0).
    pub fixed1: u64,
}

/// CR0.PE, bit 0: protection enable (SDM Vol. 3A 2.5).
pub const CR0_PE: u64 = 1 << 0;
/// CR0.PG, bit 31: paging (SDM Vol. 3A 2.5).
pub const CR0_PG: u64 = 1 << 31;

impl FixedBits {
    /// Builds the masks from the FIXED0 and FIXED1 MSR values.
    pub const fn new(fixed0: u64, fixed1: u64) -> Self {
        Self { fixed0, fixed1 }
    }

    /// Bits that must be 1 (SDM Vol. 3D A.7/A.8).
    pub const fn must_be_one(&self) -> u64 {
        self.fixed0
    }

    /// Bits that must be 0 (SDM Vol. 3D A.7/A.8).
    pub const fn must_be_zero(&self) -> u64 {
        !self.fixed1
    }

    /// `value` with every must-be-one bit set and every must-be-zero bit
    /// cleared: `(value | fixed0) & fixed1`.
    pub const fn apply(&self, value: u64) -> u64 {
        (value | self.fixed0) & self.fixed1
    }

    /// The bits of `value` that break the rules: must-be-one bits that are
    /// 0, and must-be-zero bits that are 1. Zero means `value` is allowed.
    pub const fn violations(&self, value: u64) -> u64 {
        (self.fixed0 & !value) | (value & !self.fixed1)
    }

    /// Whether `value` obeys the rules.
    pub const fn allows(&self, value: u64) -> bool {
        self.violations(value) == 0
    }

    /// The CR0 rules for a guest whose "unrestricted guest" control is 1:
    /// PE (bit 0) and PG (bit 31) are no longer required to be 1 (SDM Vol. 3C
    /// 27.3.1.1). Only meaningful for the CR0 masks. The separate rule that
    /// PG = 1 requires PE = 1 is not expressed here.
    pub const fn with_unrestricted_guest_relaxation(&self) -> Self {
        Self { fixed0: self.fixed0 & !(CR0_PE | CR0_PG), fixed1: self.fixed1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Typical hardware: CR0 must have PE, NE (bit 5), PG; nothing forced to 0
    /// in the low 32 bits.
    const CR0: FixedBits = FixedBits::new(0x8000_0021, 0xFFFF_FFFF);
    /// CR4 must have VMXE (bit 13); bits 23 and above fixed to 0 here.
    const CR4: FixedBits = FixedBits::new(0x2000, 0x007F_FFFF);

    #[test]
    fn apply_sets_and_clears() {
        assert_eq!(CR0.apply(0), 0x8000_0021);
        assert_eq!(CR0.apply(0x8000_0011), 0x8000_0031);
        // Upper half of CR0 is reserved and must be 0.
        assert_eq!(CR0.apply(1 << 40), 0x8000_0021);
        assert_eq!(CR4.apply(0x20), 0x2020);
        assert_eq!(CR4.apply(1 << 23 | 0x20), 0x2020);
    }

    #[test]
    fn applied_values_have_no_violations() {
        for value in [0, u64::MAX, 0x8000_0011, 0x1234_5678_9ABC_DEF0] {
            assert_eq!(CR0.violations(CR0.apply(value)), 0, "{value:#x}");
            assert_eq!(CR4.violations(CR4.apply(value)), 0, "{value:#x}");
        }
    }

    #[test]
    fn violations_name_offending_bits() {
        // Missing NE (bit 5) and PG.
        assert_eq!(CR0.violations(0x1), 0x8000_0020);
        assert!(!CR0.allows(0x1));
        assert!(CR0.allows(0x8000_0031));
        // Missing VMXE, and bit 24 set though fixed to 0.
        assert_eq!(CR4.violations(1 << 24), (1 << 24) | 0x2000);
        assert_eq!(CR4.violations(0x2000), 0);
    }

    #[test]
    fn masks() {
        assert_eq!(CR4.must_be_one(), 0x2000);
        assert_eq!(CR4.must_be_zero(), !0x007F_FFFF);
    }

    #[test]
    fn unrestricted_guest_clears_only_pe_and_pg() {
        let relaxed = CR0.with_unrestricted_guest_relaxation();
        assert_eq!(relaxed.fixed0, 0x20);
        assert_eq!(relaxed.fixed1, CR0.fixed1);
        // Real mode (PE = PG = 0) with NE set is legal only when relaxed.
        assert_eq!(CR0.violations(0x20), CR0_PE | CR0_PG);
        assert!(relaxed.allows(0x20));
        // NE is still required.
        assert_eq!(relaxed.violations(0), 0x20);
    }
}
