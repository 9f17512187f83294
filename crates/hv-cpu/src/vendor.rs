//! The CPU vendor, from CPUID leaf 0.
//!
//! The hypervisor needs VT-x, so the vendor decides both which feature to
//! look for and how to explain its absence (an AMD host has SVM instead).
//! Leaf 0's other output, the highest basic leaf, is decoded by
//! [`max_basic_leaf`](crate::max_basic_leaf).

use core::fmt;

use crate::text::{lossy, pack12, trim};
use crate::CpuidResult;

/// Who made the CPU, from the 12-byte vendor string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Vendor {
    /// `"GenuineIntel"`.
    Intel,
    /// `"AuthenticAMD"`.
    Amd,
    /// Any other vendor string (Hygon, Zhaoxin, VIA, an emulator…), as read.
    Other([u8; 12]),
}

impl Vendor {
    /// Decodes leaf 0: the string is EBX, EDX, ECX in that order.
    #[must_use]
    pub fn new(leaf0: CpuidResult) -> Self {
        Self::from_bytes(pack12(leaf0.ebx, leaf0.edx, leaf0.ecx))
    }

    /// Classifies a 12-byte vendor string.
    #[must_use]
    pub fn from_bytes(bytes: [u8; 12]) -> Self {
        match &bytes {
            b"GenuineIntel" => Self::Intel,
            b"AuthenticAMD" => Self::Amd,
            _ => Self::Other(bytes),
        }
    }

    /// The 12-byte vendor string.
    #[must_use]
    pub const fn bytes(&self) -> [u8; 12] {
        match self {
            Self::Intel => *b"GenuineIntel",
            Self::Amd => *b"AuthenticAMD",
            Self::Other(bytes) => *bytes,
        }
    }

    /// The vendor string as text. An unknown vendor's string is shown without
    /// surrounding spaces or NUL padding (Zhaoxin's is `"  Shanghai  "`), and
    /// as `"?"` if it is not UTF-8; [`bytes`](Self::bytes) has it verbatim.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Intel => "GenuineIntel",
            Self::Amd => "AuthenticAMD",
            Self::Other(bytes) => lossy(trim(bytes)),
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::max_basic_leaf;

    #[test]
    fn genuine_intel() {
        // Leaf 0 of a Skylake-X Xeon.
        let leaf0 = CpuidResult::new(0x16, 0x756e_6547, 0x6c65_746e, 0x4965_6e69);
        assert_eq!(Vendor::new(leaf0), Vendor::Intel);
        assert_eq!(Vendor::new(leaf0).as_str(), "GenuineIntel");
        assert_eq!(max_basic_leaf(leaf0), 0x16);
    }

    #[test]
    fn authentic_amd() {
        let leaf0 = CpuidResult::new(0x10, 0x6874_7541, 0x444d_4163, 0x6974_6e65);
        assert_eq!(Vendor::new(leaf0), Vendor::Amd);
        assert_eq!(Vendor::new(leaf0).to_string(), "AuthenticAMD");
        assert_eq!(max_basic_leaf(leaf0), 0x10);
    }

    #[test]
    fn other_vendor_kept_verbatim() {
        // Hygon Dhyana: "HygonGenuine".
        let v = Vendor::new(CpuidResult::new(0xd, 0x6f67_7948, 0x656e_6975, 0x6e65_476e));
        assert_eq!(v, Vendor::Other(*b"HygonGenuine"));
        assert_eq!(v.as_str(), "HygonGenuine");
        assert_eq!(v.bytes(), *b"HygonGenuine");
        assert_eq!(Vendor::Intel.bytes(), *b"GenuineIntel");
        // Register order matters: EBX, EDX, ECX — not EBX, ECX, EDX.
        let swapped = Vendor::new(CpuidResult::new(0, 0x756e_6547, 0x4965_6e69, 0x6c65_746e));
        assert_ne!(swapped, Vendor::Intel);
        assert_eq!(Vendor::Other([0xff; 12]).as_str(), "?");
        assert_eq!(Vendor::from_bytes(*b"  Shanghai  ").as_str(), "Shanghai");
        assert_eq!(Vendor::new(CpuidResult::default()).as_str(), "");
    }
}
