//! Turning register bytes into text without allocating.
//!
//! Vendor, brand and hypervisor strings are ASCII packed little-endian into
//! registers, padded with NULs or spaces. These helpers unpack and trim them
//! and degrade to `"?"` instead of failing when a (buggy or hostile) CPU or
//! hypervisor returns bytes that are not UTF-8.

/// The 12 bytes of three registers, each little-endian, in the given order.
pub(crate) fn pack12(a: u32, b: u32, c: u32) -> [u8; 12] {
    let mut out = [0u8; 12];
    for (chunk, reg) in out.chunks_exact_mut(4).zip([a, b, c]) {
        chunk.copy_from_slice(&reg.to_le_bytes());
    }
    out
}

/// `bytes` without leading NULs and spaces, cut at the next NUL, and without
/// trailing spaces.
pub(crate) fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0 && b != b' ').unwrap_or(bytes.len());
    let rest = &bytes[start..];
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    rest[..end].trim_ascii_end()
}

/// `bytes` as text, or `"?"` if they are not UTF-8.
pub(crate) fn lossy(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_little_endian_in_order() {
        assert_eq!(&pack12(0x756e_6547, 0x4965_6e69, 0x6c65_746e), b"GenuineIntel");
    }

    #[test]
    fn trims_nuls_and_spaces() {
        assert_eq!(trim(b"  \0 abc  \0garbage"), b"abc");
        assert_eq!(trim(b"KVMKVMKVM\0\0\0"), b"KVMKVMKVM");
        assert_eq!(trim(b"a b"), b"a b");
        assert_eq!(trim(b"\0\0  "), b"");
    }

    #[test]
    fn lossy_degrades_to_question_mark() {
        assert_eq!(lossy(b"ok"), "ok");
        assert_eq!(lossy(&[0xff, 0xfe]), "?");
    }
}
