//! Allowed settings of the 32-bit VMX control fields, decoded from their
//! capability MSRs, and the adjustment of a wanted setting to a legal one.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3D
//! Appendix A.2 ("Reserved Controls and Default Settings"), A.3 ("VM-Execution
//! Controls"), A.4 ("VM-Exit Controls") and A.5 ("VM-Entry Controls").
//!
//! Why: every pin-based, processor-based, VM-exit and VM-entry control field
//! has bits that the processor forces to 0 or to 1. VM entry fails if a field
//! breaks those rules, so the VMX core computes each field with
//! [`AllowedSettings::adjust`] instead of writing constants.

use core::fmt;

use bitflags::Flags;

use crate::bits::{high_u32, low_u32};
use crate::msr::Msr;

/// Which control field a capability MSR describes (SDM Vol. 3D A.3-A.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ControlKind {
    /// Pin-based VM-execution controls (SDM Vol. 3D A.3.1).
    PinBased,
    /// Primary processor-based VM-execution controls (SDM Vol. 3D A.3.2).
    PrimaryProcBased,
    /// Secondary processor-based VM-execution controls (SDM Vol. 3D A.3.3).
    SecondaryProcBased,
    /// VM-exit controls (SDM Vol. 3D A.4).
    Exit,
    /// VM-entry controls (SDM Vol. 3D A.5).
    Entry,
}

impl ControlKind {
    /// The MSR that reports the allowed settings of this control field.
    ///
    /// `true_controls_available` is IA32_VMX_BASIC bit 55
    /// ([`VmxBasic::true_controls`](crate::VmxBasic::true_controls)). When it
    /// is set the IA32_VMX_TRUE_* MSR is chosen, because only it reports which
    /// "default1" controls may be 0 (SDM Vol. 3D A.2). The secondary
    /// processor-based controls have no TRUE variant: all of them are
    /// "default0" (SDM Vol. 3D A.3.3).
    pub const fn capability_msr(self, true_controls_available: bool) -> Msr {
        match (self, true_controls_available) {
            (Self::PinBased, false) => Msr::IA32_VMX_PINBASED_CTLS,
            (Self::PinBased, true) => Msr::IA32_VMX_TRUE_PINBASED_CTLS,
            (Self::PrimaryProcBased, false) => Msr::IA32_VMX_PROCBASED_CTLS,
            (Self::PrimaryProcBased, true) => Msr::IA32_VMX_TRUE_PROCBASED_CTLS,
            (Self::SecondaryProcBased, _) => Msr::IA32_VMX_PROCBASED_CTLS2,
            (Self::Exit, false) => Msr::IA32_VMX_EXIT_CTLS,
            (Self::Exit, true) => Msr::IA32_VMX_TRUE_EXIT_CTLS,
            (Self::Entry, false) => Msr::IA32_VMX_ENTRY_CTLS,
            (Self::Entry, true) => Msr::IA32_VMX_TRUE_ENTRY_CTLS,
        }
    }
}

/// Free-function form of [`ControlKind::capability_msr`].
pub const fn capability_msr(kind: ControlKind, true_controls_available: bool) -> Msr {
    kind.capability_msr(true_controls_available)
}

/// The settings a 32-bit control field may take, from its capability MSR
/// (SDM Vol. 3D A.3.1: "bits 31:0 indicate the allowed 0-settings ... bits
/// 63:32 indicate the allowed 1-settings").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AllowedSettings {
    /// Bits that must be 1: set in the MSR's low half (their 0-setting is not
    /// allowed).
    pub must_be_one: u32,
    /// Bits that may be 1: set in the MSR's high half. A bit clear here must
    /// be 0.
    pub may_be_one: u32,
}

/// Required control bits that the processor does not allow to be 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MissingControls {
    /// The offending bits, in the bit positions of the control field.
    pub missing: u32,
}

impl fmt::Display for MissingControls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VMX controls not supported: {:#010x}", self.missing)
    }
}

impl AllowedSettings {
    /// Decodes a capability MSR value (SDM Vol. 3D A.3-A.5): low 32 bits are
    /// the allowed 0-settings (a set bit must be 1), high 32 bits the allowed
    /// 1-settings (a clear bit must be 0).
    pub const fn from_msr(raw: u64) -> Self {
        Self { must_be_one: low_u32(raw), may_be_one: high_u32(raw) }
    }

    /// The MSR value this was decoded from.
    pub const fn to_msr(self) -> u64 {
        ((self.may_be_one as u64) << 32) | self.must_be_one as u64
    }

    /// Whether every bit in `bits` may be 1.
    pub const fn allows(&self, bits: u32) -> bool {
        bits & !self.may_be_one == 0
    }

    /// Whether every bit in `bits` may be 0.
    pub const fn allows_zero(&self, bits: u32) -> bool {
        bits & self.must_be_one == 0
    }

    /// A legal value containing every `required` bit and as many `optional`
    /// bits as the processor allows: `must_be_one | required | (optional &
    /// may_be_one)` (SDM Vol. 3D A.2 and A.3.1).
    ///
    /// Fails with the offending bits when a required bit may not be 1. A
    /// must-be-one bit that is not allowed to be 1 (a contradictory MSR, which
    /// no real processor reports) is reported the same way, since no legal
    /// value exists then.
    pub const fn adjust(&self, required: u32, optional: u32) -> Result<u32, MissingControls> {
        let missing = (required | self.must_be_one) & !self.may_be_one;
        if missing != 0 {
            return Err(MissingControls { missing });
        }
        Ok(self.must_be_one | required | (optional & self.may_be_one))
    }

    /// [`adjust`](Self::adjust) for the bitflags types of
    /// [`control_bits`](crate::control_bits). Forced bits without a name in
    /// `F` are kept (the result is built with `from_bits_retain`).
    pub fn adjust_flags<F: Flags<Bits = u32>>(&self, required: F, optional: F) -> Result<F, MissingControls> {
        self.adjust(required.bits(), optional.bits()).map(F::from_bits_retain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control_bits::{PrimaryProcBased, SecondaryProcBased};

    /// Bochs 2.7 corei7_skylake_x IA32_VMX_PROCBASED_CTLS2: nothing forced to
    /// 1, allowed-1 = 0x02177fff.
    const SKYLAKE_X_CTLS2: u64 = 0x0217_7fff << 32;

    #[test]
    fn decodes_halves() {
        let s = AllowedSettings::from_msr(0x0000_00ff_0000_0016);
        assert_eq!(s.must_be_one, 0x16);
        assert_eq!(s.may_be_one, 0xff);
        assert_eq!(s.to_msr(), 0x0000_00ff_0000_0016);
    }

    #[test]
    fn allows_checks_the_high_half() {
        let s = AllowedSettings::from_msr(SKYLAKE_X_CTLS2);
        assert!(s.allows(SecondaryProcBased::ENABLE_EPT.bits()));
        assert!(s.allows(SecondaryProcBased::UNRESTRICTED_GUEST.bits()));
        assert!(s.allows(SecondaryProcBased::TSC_SCALING.bits()));
        // Bit 15 (ENCLS exiting) and bit 23 (sub-page write) are absent on
        // skylake_x in Bochs.
        assert!(!s.allows(SecondaryProcBased::ENCLS.bits()));
        assert!(!s.allows(SecondaryProcBased::SUB_PAGE_WRITE.bits()));
        // A mask is allowed only if every bit in it is.
        assert!(!s.allows((SecondaryProcBased::ENABLE_EPT | SecondaryProcBased::ENCLS).bits()));
        assert!(s.allows(0));
    }

    #[test]
    fn allows_zero_checks_the_low_half() {
        let s = AllowedSettings::from_msr(0x0000_00ff_0000_0016);
        assert!(!s.allows_zero(0x02));
        assert!(s.allows_zero(0x01));
        assert!(!s.allows_zero(0x03));
    }

    #[test]
    fn adjust_forces_must_be_one_and_drops_unavailable_optionals() {
        // must be 1: bits 1, 2, 4; may be 1: bits 0-7.
        let s = AllowedSettings::from_msr(0x0000_00ff_0000_0016);
        assert_eq!(s.adjust(0, 0), Ok(0x16));
        assert_eq!(s.adjust(1 << 0, 0), Ok(0x17));
        // Optional bit 8 is not allowed: silently dropped; bit 7 kept.
        assert_eq!(s.adjust(0, (1 << 8) | (1 << 7)), Ok(0x96));
        // A bit both required and optional is simply set.
        assert_eq!(s.adjust(0x10, 0x10), Ok(0x16));
    }

    #[test]
    fn adjust_reports_missing_required_bits() {
        let s = AllowedSettings::from_msr(0x0000_00ff_0000_0016);
        assert_eq!(s.adjust((1 << 8) | (1 << 31) | 1, 0), Err(MissingControls { missing: (1 << 8) | (1 << 31) }));
        let err = s.adjust(1 << 9, 0).unwrap_err();
        assert_eq!(err.missing, 1 << 9);
        assert_eq!(err.to_string(), "VMX controls not supported: 0x00000200");
    }

    #[test]
    fn adjust_rejects_contradictory_msr() {
        // Bit 3 must be 1 but may not be 1.
        let s = AllowedSettings { must_be_one: 1 << 3, may_be_one: 0xF0 };
        assert_eq!(s.adjust(0, 0xFF), Err(MissingControls { missing: 1 << 3 }));
    }

    #[test]
    fn adjust_with_real_secondary_value() {
        let s = AllowedSettings::from_msr(SKYLAKE_X_CTLS2);
        let want =
            SecondaryProcBased::ENABLE_EPT | SecondaryProcBased::ENABLE_VPID | SecondaryProcBased::UNRESTRICTED_GUEST;
        let optional = SecondaryProcBased::ENABLE_RDTSCP | SecondaryProcBased::SUB_PAGE_WRITE;
        let got = s.adjust_flags(want, optional).unwrap();
        assert_eq!(got, want | SecondaryProcBased::ENABLE_RDTSCP);
        assert_eq!(
            s.adjust_flags(SecondaryProcBased::ENCLS, SecondaryProcBased::empty()),
            Err(MissingControls { missing: 1 << 15 })
        );
    }

    #[test]
    fn adjust_flags_keeps_unnamed_forced_bits() {
        // Primary proc-based default1 bits 1, 4-6, 8, 13-16, 26 (SDM A.3.2):
        // 0x0401e172 is the classic must-be-one value.
        let s = AllowedSettings::from_msr(0xfff9_fffe_0401_e172);
        let got = s.adjust_flags(PrimaryProcBased::HLT, PrimaryProcBased::empty()).unwrap();
        assert_eq!(got.bits(), 0x0401_e172 | (1 << 7));
        // Bit 1 has no name but is retained.
        assert_eq!(got.bits() & 0b10, 0b10);
    }

    #[test]
    fn true_msr_selection() {
        use ControlKind::*;
        let cases = [
            (PinBased, Msr::IA32_VMX_PINBASED_CTLS, Msr::IA32_VMX_TRUE_PINBASED_CTLS),
            (PrimaryProcBased, Msr::IA32_VMX_PROCBASED_CTLS, Msr::IA32_VMX_TRUE_PROCBASED_CTLS),
            (SecondaryProcBased, Msr::IA32_VMX_PROCBASED_CTLS2, Msr::IA32_VMX_PROCBASED_CTLS2),
            (Exit, Msr::IA32_VMX_EXIT_CTLS, Msr::IA32_VMX_TRUE_EXIT_CTLS),
            (Entry, Msr::IA32_VMX_ENTRY_CTLS, Msr::IA32_VMX_TRUE_ENTRY_CTLS),
        ];
        for (kind, plain, true_msr) in cases {
            assert_eq!(capability_msr(kind, false), plain, "{kind:?} without true controls");
            assert_eq!(capability_msr(kind, true), true_msr, "{kind:?} with true controls");
            assert_eq!(kind.capability_msr(true), true_msr);
        }
        assert_eq!(capability_msr(Entry, true).address(), 0x490);
    }
}
