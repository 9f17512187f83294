//! Family, model and stepping from CPUID leaf 1 EAX.
//!
//! The raw fields are split into base and extended parts; the "display"
//! family and model (what Intel's and AMD's documentation and microcode
//! tables use) combine them by the rules of the Intel SDM, Vol. 2A, `CPUID`:
//! the extended family is added only when the base family is 0xF, and the
//! extended model is prepended only when the base family is 0x6 or 0xF.

use core::fmt;

use crate::bits::field_u8;
use crate::CpuidResult;

/// The processor signature (leaf 1 EAX), decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    /// Display family: `base_family + extended_family` if `base_family == 0xF`,
    /// else `base_family`.
    pub family: u16,
    /// Display model: `(extended_model << 4) + base_model` if `base_family` is
    /// 0x6 or 0xF, else `base_model`.
    pub model: u8,
    /// Stepping ID (bits 3:0).
    pub stepping: u8,
    /// Base model (bits 7:4).
    pub base_model: u8,
    /// Base family (bits 11:8).
    pub base_family: u8,
    /// Processor type (bits 13:12; 0 = original OEM processor).
    pub processor_type: u8,
    /// Extended model (bits 19:16).
    pub extended_model: u8,
    /// Extended family (bits 27:20).
    pub extended_family: u8,
}

impl Signature {
    /// Decodes leaf 1 EAX.
    #[must_use]
    pub const fn new(eax: u32) -> Self {
        let stepping = field_u8(eax, 0, 4);
        let base_model = field_u8(eax, 4, 4);
        let base_family = field_u8(eax, 8, 4);
        let processor_type = field_u8(eax, 12, 2);
        let extended_model = field_u8(eax, 16, 4);
        let extended_family = field_u8(eax, 20, 8);
        let family = if base_family == 0xF { base_family as u16 + extended_family as u16 } else { base_family as u16 };
        let model =
            if base_family == 0x6 || base_family == 0xF { (extended_model << 4) | base_model } else { base_model };
        Self { family, model, stepping, base_model, base_family, processor_type, extended_model, extended_family }
    }

    /// Decodes the signature from a leaf 1 result.
    #[must_use]
    pub const fn from_leaf1(leaf1: CpuidResult) -> Self {
        Self::new(leaf1.eax)
    }
}

/// Formats as `family 0x6 model 0x55 stepping 4`.
impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "family {:#x} model {:#x} stepping {}", self.family, self.model, self.stepping)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skylake_x() {
        let s = Signature::new(0x0005_0654);
        assert_eq!((s.family, s.model, s.stepping), (6, 0x55, 4));
        assert_eq!((s.base_model, s.extended_model, s.extended_family), (5, 5, 0));
        assert_eq!(s.to_string(), "family 0x6 model 0x55 stepping 4");
    }

    #[test]
    fn amd_zen3() {
        let s = Signature::new(0x00A2_0F12);
        assert_eq!((s.family, s.model, s.stepping), (0x19, 0x21, 2));
        assert_eq!((s.base_family, s.extended_family), (0xF, 0xA));
    }

    #[test]
    fn extended_fields_ignored_outside_families_6_and_f() {
        // Base family 5 (Pentium-era) with junk in the extended fields.
        let s = Signature::new(0x0FF3_0543);
        assert_eq!((s.family, s.model, s.stepping), (5, 4, 3));
        assert_eq!(s.extended_model, 3, "raw field still reported");
        // Family 6 does not add the extended family.
        let s = Signature::new(0x0100_0654);
        assert_eq!(s.family, 6);
    }

    #[test]
    fn other_real_signatures() {
        // Pentium 4 (Prescott): family 0xF model 3 stepping 4.
        let s = Signature::from_leaf1(CpuidResult::new(0x0000_0F34, 0, 0, 0));
        assert_eq!((s.family, s.model, s.stepping), (0xF, 3, 4));
        // Alder Lake-S P-core: family 6 model 0x97 stepping 2.
        let s = Signature::new(0x0009_0672);
        assert_eq!((s.family, s.model, s.stepping), (6, 0x97, 2));
        // AMD Zen 2 (Rome): family 0x17 model 0x31 stepping 0.
        let s = Signature::new(0x0083_0F10);
        assert_eq!((s.family, s.model, s.stepping), (0x17, 0x31, 0));
        // Processor type: OverDrive (1).
        assert_eq!(Signature::new(0x0000_1633).processor_type, 1);
    }
}
