//! Little-endian field decoding (all ACPI integers are little-endian, ACPI 6.5
//! §5.2.1) from the fixed-size buffers this crate reads tables into.
//!
//! The callers pass constant offsets inside their own buffers, so a field out
//! of range is a bug here, not bad input; even then it reads as zero rather
//! than panicking.

/// The `N` bytes at `at`, or zeros if they are not all inside `bytes`.
pub(crate) fn array_at<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let field = bytes.get(at..).and_then(<[u8]>::first_chunk::<N>).copied();
    debug_assert!(field.is_some(), "field {at}+{N} outside a {}-byte buffer", bytes.len());
    field.unwrap_or([0; N])
}

/// The byte at `at`, or 0.
pub(crate) fn u8_at(bytes: &[u8], at: usize) -> u8 {
    u8::from_le_bytes(array_at(bytes, at))
}

/// The little-endian `u16` at `at`, or 0.
pub(crate) fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(array_at(bytes, at))
}

/// The little-endian `u32` at `at`, or 0.
pub(crate) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(array_at(bytes, at))
}

/// The little-endian `u64` at `at`, or 0.
pub(crate) fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(array_at(bytes, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_little_endian() {
        let bytes = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09];
        assert_eq!(u8_at(&bytes, 8), 0x09);
        assert_eq!(u16_at(&bytes, 1), 0x0302);
        assert_eq!(u32_at(&bytes, 0), 0x0403_0201);
        assert_eq!(u64_at(&bytes, 1), 0x0908_0706_0504_0302);
        assert_eq!(array_at::<3>(&bytes, 6), [7, 8, 9]);
    }
}
