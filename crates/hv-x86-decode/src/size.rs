//! Operand sizes.

/// The size of an operand: 1, 2, 4 or 8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum OperandSize {
    /// 8 bits.
    Byte = 1,
    /// 16 bits.
    Word = 2,
    /// 32 bits.
    Dword = 4,
    /// 64 bits.
    Qword = 8,
}

impl OperandSize {
    /// The size for `bytes` (1, 2, 4 or 8), `None` otherwise.
    #[must_use]
    pub const fn from_bytes(bytes: u8) -> Option<Self> {
        match bytes {
            1 => Some(Self::Byte),
            2 => Some(Self::Word),
            4 => Some(Self::Dword),
            8 => Some(Self::Qword),
            _ => None,
        }
    }

    /// The size in bytes: 1, 2, 4 or 8.
    #[must_use]
    pub const fn bytes(self) -> u8 {
        self as u8
    }

    /// The size in bits: 8, 16, 32 or 64.
    #[must_use]
    pub const fn bits(self) -> u32 {
        self.bytes() as u32 * 8
    }

    /// All bits of the operand set: `0xFF`, `0xFFFF`, `0xFFFF_FFFF` or
    /// `u64::MAX`.
    #[must_use]
    pub const fn mask(self) -> u64 {
        u64::MAX >> (64 - self.bits())
    }

    /// The operand's sign bit (its most significant bit).
    #[must_use]
    pub const fn sign_bit(self) -> u64 {
        1 << (self.bits() - 1)
    }

    /// `value` cut to this size and sign-extended to 64 bits.
    #[must_use]
    pub const fn sign_extend(self, value: u64) -> u64 {
        let shift = 64 - self.bits();
        (((value << shift) as i64) >> shift) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_and_sign_extension() {
        assert_eq!(OperandSize::Byte.mask(), 0xFF);
        assert_eq!(OperandSize::Qword.mask(), u64::MAX);
        assert_eq!(OperandSize::Word.sign_bit(), 0x8000);
        assert_eq!(OperandSize::Byte.sign_extend(0x80), 0xFFFF_FFFF_FFFF_FF80);
        assert_eq!(OperandSize::Byte.sign_extend(0x17F), 0x7F);
        assert_eq!(OperandSize::Dword.sign_extend(0xFFFF_FFFF), u64::MAX);
        assert_eq!(OperandSize::Qword.sign_extend(0x8000_0000_0000_0000), 0x8000_0000_0000_0000);
        for bytes in 0..=16 {
            assert_eq!(OperandSize::from_bytes(bytes).map(OperandSize::bytes).unwrap_or(bytes), bytes);
        }
        assert_eq!(OperandSize::from_bytes(3), None);
    }
}
