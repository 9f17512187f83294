//! Bit and bit-field extraction from 32-bit CPUID registers.
//!
//! Kept in one place so the decoders read as "bit 5 of ECX" and the one
//! narrowing cast the crate needs is justified once.

/// Whether bit `n` of `value` is set.
pub(crate) const fn bit(value: u32, n: u32) -> bool {
    value & (1 << n) != 0
}

/// The `width`-bit field starting at bit `shift` (`width <= 8`).
#[expect(clippy::cast_possible_truncation, reason = "the field is masked to at most 8 bits")]
pub(crate) const fn field_u8(value: u32, shift: u32, width: u32) -> u8 {
    debug_assert!(width <= 8);
    ((value >> shift) & ((1 << width) - 1)) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_bits_and_fields() {
        assert!(bit(0x20, 5));
        assert!(!bit(0x20, 4));
        assert!(bit(0x8000_0000, 31));
        assert_eq!(field_u8(0x00A2_0F12, 20, 8), 0x0A);
        assert_eq!(field_u8(0x00A2_0F12, 8, 4), 0xF);
        assert_eq!(field_u8(0xFF00_0000, 24, 8), 0xFF);
    }
}
