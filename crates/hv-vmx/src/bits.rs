//! Bit-field extraction helpers shared by the MSR and VMCS-field decoders.
//!
//! Every capability MSR and VMCS field in this crate is a value whose fields
//! are described in the Intel SDM (Order Number 325462-083US, March 2024) as
//! "bit N" or "bits H:L". These helpers turn those descriptions into code
//! that reads like the manual, and keep the narrowing casts of the crate in a
//! single audited place.

/// Returns whether bit `n` of `value` is set.
pub(crate) const fn bit(value: u64, n: u32) -> bool {
    (value >> n) & 1 == 1
}

/// Returns bits `high:low` (inclusive, as the SDM writes them) of `value`,
/// shifted down to bit 0.
pub(crate) const fn field(value: u64, high: u32, low: u32) -> u64 {
    let width = high - low + 1;
    let mask = if width >= 64 { u64::MAX } else { (1 << width) - 1 };
    (value >> low) & mask
}

/// Like [`field`], narrowed to `u32`; the field must be at most 32 bits wide.
#[expect(
    clippy::cast_possible_truncation,
    reason = "the field is masked to at most 32 bits (checked by the assert), so nothing is lost"
)]
pub(crate) const fn field_u32(value: u64, high: u32, low: u32) -> u32 {
    assert!(high - low < 32, "field wider than 32 bits");
    field(value, high, low) as u32
}

/// Like [`field`], narrowed to `u16`; the field must be at most 16 bits wide.
#[expect(
    clippy::cast_possible_truncation,
    reason = "the field is masked to at most 16 bits (checked by the assert), so nothing is lost"
)]
pub(crate) const fn field_u16(value: u64, high: u32, low: u32) -> u16 {
    assert!(high - low < 16, "field wider than 16 bits");
    field(value, high, low) as u16
}

/// Like [`field`], narrowed to `u8`; the field must be at most 8 bits wide.
#[expect(
    clippy::cast_possible_truncation,
    reason = "the field is masked to at most 8 bits (checked by the assert), so nothing is lost"
)]
pub(crate) const fn field_u8(value: u64, high: u32, low: u32) -> u8 {
    assert!(high - low < 8, "field wider than 8 bits");
    field(value, high, low) as u8
}

/// The low half of a 64-bit MSR value.
pub(crate) const fn low_u32(value: u64) -> u32 {
    field_u32(value, 31, 0)
}

/// The high half of a 64-bit MSR value.
pub(crate) const fn high_u32(value: u64) -> u32 {
    field_u32(value, 63, 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_reads_single_bits() {
        assert!(bit(0b100, 2));
        assert!(!bit(0b100, 1));
        assert!(bit(1 << 63, 63));
        assert!(!bit(u64::MAX >> 1, 63));
    }

    #[test]
    fn field_extracts_inclusive_ranges() {
        assert_eq!(field(0xABCD_0000, 31, 16), 0xABCD);
        assert_eq!(field(0xABCD_0000, 23, 16), 0xCD);
        assert_eq!(field(u64::MAX, 63, 0), u64::MAX);
        assert_eq!(field(0b1110, 3, 1), 0b111);
        assert_eq!(field(0b1110, 0, 0), 0);
    }

    #[test]
    fn narrow_fields() {
        let v = 0x1234_5678_9ABC_DEF0;
        assert_eq!(field_u16(v, 15, 0), 0xDEF0);
        assert_eq!(field_u16(v, 47, 32), 0x5678);
        assert_eq!(field_u8(v, 7, 0), 0xF0);
        assert_eq!(field_u8(v, 11, 8), 0xE);
        assert_eq!(field_u8(v, 63, 56), 0x12);
    }

    #[test]
    fn halves_split_a_u64() {
        let v = 0x1234_5678_9ABC_DEF0;
        assert_eq!(low_u32(v), 0x9ABC_DEF0);
        assert_eq!(high_u32(v), 0x1234_5678);
        assert_eq!(field_u32(v, 47, 32), 0x5678);
    }
}
