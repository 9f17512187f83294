//! The processor brand string from CPUID leaves 0x8000_0002..=0x8000_0004.
//!
//! Printed in the boot log so a report names the exact CPU. The 48 bytes are
//! NUL-terminated and often padded with leading spaces (older Intel parts
//! right-align the text); they are stored trimmed in a fixed array, since no
//! heap exists when the kernel reads them.

use core::fmt;

use crate::text::{lossy, trim};
use crate::CpuidResult;

/// Bytes the three brand leaves hold.
const BRAND_LEN: usize = 48;

/// A trimmed brand string, stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BrandString {
    bytes: [u8; BRAND_LEN],
    len: usize,
}

impl BrandString {
    /// Decodes the results of leaves 0x8000_0002, 0x8000_0003 and
    /// 0x8000_0004 (in that order; each EAX, EBX, ECX, EDX little-endian).
    /// Leading and trailing spaces and NULs are dropped, as is anything after
    /// the terminating NUL.
    #[must_use]
    pub fn new(leaves: [CpuidResult; 3]) -> Self {
        let mut raw = [0u8; BRAND_LEN];
        let regs = leaves.iter().flat_map(|l| [l.eax, l.ebx, l.ecx, l.edx]);
        for (chunk, reg) in raw.chunks_exact_mut(4).zip(regs) {
            chunk.copy_from_slice(&reg.to_le_bytes());
        }
        let text = trim(&raw);
        let mut bytes = [0u8; BRAND_LEN];
        bytes[..text.len()].copy_from_slice(text);
        Self { bytes, len: text.len() }
    }

    /// The trimmed bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The trimmed text, or `"?"` if it is not UTF-8.
    #[must_use]
    pub fn as_str(&self) -> &str {
        lossy(self.as_bytes())
    }

    /// Whether the brand string is empty (CPUs without one report all NULs).
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for BrandString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BrandString").field(&self.as_str()).finish()
    }
}

impl fmt::Display for BrandString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs up to 48 bytes into the three leaves' registers, NUL-padded.
    fn leaves_from(text: &[u8]) -> [CpuidResult; 3] {
        let mut raw = [0u8; BRAND_LEN];
        raw[..text.len()].copy_from_slice(text);
        let reg = |i: usize| u32::from_le_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
        let leaf = |base: usize| CpuidResult::new(reg(base), reg(base + 4), reg(base + 8), reg(base + 12));
        [leaf(0), leaf(16), leaf(32)]
    }

    #[test]
    fn core_i7_8700k_register_dump() {
        let leaves = [
            CpuidResult::new(0x6574_6e49, 0x2952_286c, 0x726f_4320, 0x4d54_2865),
            CpuidResult::new(0x3769_2029, 0x3037_382d, 0x4320_4b30, 0x4020_5550),
            CpuidResult::new(0x372e_3320, 0x7a48_4730, 0, 0),
        ];
        let b = BrandString::new(leaves);
        assert_eq!(b.as_str(), "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz");
        assert_eq!(b.to_string(), b.as_str());
    }

    #[test]
    fn leading_spaces_are_trimmed() {
        let text = b"       Intel(R) Core(TM)2 Duo CPU     T7500  @ 2.20GHz";
        assert_eq!(text.len(), BRAND_LEN + 6, "the test string is longer than the brand area");
        let b = BrandString::new(leaves_from(&text[6..]));
        assert_eq!(b.as_str(), "Intel(R) Core(TM)2 Duo CPU     T7500  @ 2.20GHz");
        assert_eq!(b.as_bytes().len(), 47);
    }

    #[test]
    fn full_48_bytes_without_nul() {
        let text = [b'x'; BRAND_LEN];
        let b = BrandString::new(leaves_from(&text));
        assert_eq!(b.as_bytes(), &text[..]);
    }

    #[test]
    fn trailing_spaces_and_garbage_after_nul() {
        let b = BrandString::new(leaves_from(b"  AMD Ryzen 9 5950X 16-Core Processor  \0junk"));
        assert_eq!(b.as_str(), "AMD Ryzen 9 5950X 16-Core Processor");
    }

    #[test]
    fn empty_and_invalid() {
        let b = BrandString::new([CpuidResult::default(); 3]);
        assert!(b.is_empty());
        assert_eq!(b.as_str(), "");
        let b = BrandString::new(leaves_from(&[b'A', 0xff, b'B']));
        assert!(!b.is_empty());
        assert_eq!(b.as_str(), "?");
        assert_eq!(b.as_bytes(), &[b'A', 0xff, b'B']);
    }
}
