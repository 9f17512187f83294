//! The arithmetic and logic operations an emulated instruction may do with
//! its memory operand, and the status flags they produce.
//!
//! Results and flags as the instruction pages of SDM Vol. 2 give them
//! ("Flags Affected" of ADD, ADC, SUB, SBB, CMP, AND, OR, XOR, TEST) with the
//! flag definitions of Vol. 1 3.4.3.1 "Status Flags":
//!
//! - ADD, ADC, SUB, SBB, CMP set CF, PF, AF, ZF, SF, OF by the result.
//! - AND, OR, XOR, TEST clear CF and OF and set PF, ZF, SF by the result; AF
//!   is undefined, and this module clears it, as current Intel and AMD
//!   processors do (the committed vectors were taken from one).
//! - PF is the even parity of the result's low byte only.

use crate::size::OperandSize;

/// An ALU operation: the eight of "Immediate Grp 1" (SDM Vol. 2D Appendix
/// A, Table A-6, opcodes 80-83 /0-/7, and the one-byte rows 00-3B) and TEST.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AluOp {
    /// `left + right`.
    Add,
    /// `left | right`.
    Or,
    /// `left + right + CF`.
    Adc,
    /// `left - right - CF`.
    Sbb,
    /// `left & right`.
    And,
    /// `left - right`.
    Sub,
    /// `left ^ right`.
    Xor,
    /// `left - right`, flags only.
    Cmp,
    /// `left & right`, flags only.
    Test,
}

impl AluOp {
    /// The Group 1 operation selected by ModRM.reg (and by bits 5:3 of the
    /// one-byte opcodes 00-3F): ADD, OR, ADC, SBB, AND, SUB, XOR, CMP.
    #[must_use]
    pub const fn from_group1(reg: u8) -> Self {
        match reg & 7 {
            0 => Self::Add,
            1 => Self::Or,
            2 => Self::Adc,
            3 => Self::Sbb,
            4 => Self::And,
            5 => Self::Sub,
            6 => Self::Xor,
            _ => Self::Cmp,
        }
    }

    /// Whether the result goes to the destination operand: false for CMP
    /// and TEST, which only set flags.
    #[must_use]
    pub const fn writes_result(self) -> bool {
        !matches!(self, Self::Cmp | Self::Test)
    }

    /// Whether the operation reads CF (ADC, SBB).
    #[must_use]
    pub const fn uses_carry(self) -> bool {
        matches!(self, Self::Adc | Self::Sbb)
    }
}

/// The six arithmetic status flags of RFLAGS, in their RFLAGS positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct ArithmeticFlags(u64);

impl ArithmeticFlags {
    /// Carry flag, RFLAGS bit 0.
    pub const CF: u64 = 1 << 0;
    /// Parity flag, bit 2: the low byte of the result has an even number of
    /// 1 bits.
    pub const PF: u64 = 1 << 2;
    /// Auxiliary carry flag, bit 4: carry or borrow out of bit 3.
    pub const AF: u64 = 1 << 4;
    /// Zero flag, bit 6.
    pub const ZF: u64 = 1 << 6;
    /// Sign flag, bit 7: the result's most significant bit.
    pub const SF: u64 = 1 << 7;
    /// Overflow flag, bit 11: the signed result does not fit.
    pub const OF: u64 = 1 << 11;
    /// All six.
    pub const MASK: u64 = Self::CF | Self::PF | Self::AF | Self::ZF | Self::SF | Self::OF;

    /// The flags among `bits` (other bits dropped).
    #[must_use]
    pub const fn from_bits(bits: u64) -> Self {
        Self(bits & Self::MASK)
    }

    /// The flags as RFLAGS bits.
    #[must_use]
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// `rflags` with its six arithmetic flags replaced by these, every other
    /// bit kept.
    #[must_use]
    pub const fn merge_into(self, rflags: u64) -> u64 {
        (rflags & !Self::MASK) | self.0
    }

    /// Whether every flag in `flags` (RFLAGS bits) is set.
    #[must_use]
    pub const fn contains(self, flags: u64) -> bool {
        self.0 & flags == flags
    }
}

/// What an ALU operation produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AluResult {
    /// The result, cut to the operand size. For CMP and TEST it is what the
    /// subtraction or AND gave; nothing is written back.
    pub value: u64,
    /// The arithmetic flags.
    pub flags: ArithmeticFlags,
}

/// Computes `left op right` at `size` (both operands cut to it first) and
/// the flags. `carry_in` is the guest's CF, used by ADC and SBB only.
#[must_use]
pub fn alu(op: AluOp, size: OperandSize, left: u64, right: u64, carry_in: bool) -> AluResult {
    let mask = size.mask();
    let sign = size.sign_bit();
    let (left, right) = (left & mask, right & mask);
    let carry = u64::from(carry_in && op.uses_carry());
    let (value, carry_out, overflow) = match op {
        AluOp::Add | AluOp::Adc => {
            let (partial, wrap1) = left.overflowing_add(right);
            let (sum, wrap2) = partial.overflowing_add(carry);
            let value = sum & mask;
            // Operands are cut to the size, so a carry out of it shows as a
            // sum above the mask, or (64-bit) as a wrap.
            (value, wrap1 || wrap2 || sum > mask, (left ^ value) & (right ^ value) & sign != 0)
        }
        AluOp::Sub | AluOp::Sbb | AluOp::Cmp => {
            let (partial, borrow1) = left.overflowing_sub(right);
            let (difference, borrow2) = partial.overflowing_sub(carry);
            let value = difference & mask;
            (value, borrow1 || borrow2, (left ^ right) & (left ^ value) & sign != 0)
        }
        AluOp::And | AluOp::Test => (left & right, false, false),
        AluOp::Or => (left | right, false, false),
        AluOp::Xor => (left ^ right, false, false),
    };
    let arithmetic = !matches!(op, AluOp::And | AluOp::Test | AluOp::Or | AluOp::Xor);
    let mut flags = 0;
    if carry_out {
        flags |= ArithmeticFlags::CF;
    }
    if (value & 0xFF).count_ones() % 2 == 0 {
        flags |= ArithmeticFlags::PF;
    }
    if arithmetic && (left ^ right ^ value) & 0x10 != 0 {
        flags |= ArithmeticFlags::AF;
    }
    if value == 0 {
        flags |= ArithmeticFlags::ZF;
    }
    if value & sign != 0 {
        flags |= ArithmeticFlags::SF;
    }
    if overflow {
        flags |= ArithmeticFlags::OF;
    }
    AluResult { value, flags: ArithmeticFlags(flags) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ArithmeticFlags as F;
    use OperandSize::{Byte, Dword, Qword, Word};

    fn check(op: AluOp, size: OperandSize, l: u64, r: u64, cf: bool, value: u64, flags: u64) {
        let result = alu(op, size, l, r, cf);
        assert_eq!(result, AluResult { value, flags: F::from_bits(flags) }, "{op:?} {size:?} {l:#x} {r:#x} cf={cf}");
    }

    #[test]
    fn textbook_cases() {
        check(AluOp::Add, Byte, 0x7F, 1, false, 0x80, F::SF | F::OF | F::AF);
        check(AluOp::Add, Byte, 0xFF, 1, false, 0, F::CF | F::ZF | F::PF | F::AF);
        check(AluOp::Adc, Word, 0xFFFF, 0, true, 0, F::CF | F::ZF | F::PF | F::AF);
        check(AluOp::Add, Qword, u64::MAX, 1, false, 0, F::CF | F::ZF | F::PF | F::AF);
        check(AluOp::Adc, Qword, u64::MAX, u64::MAX, true, u64::MAX, F::CF | F::SF | F::PF | F::AF);
        check(AluOp::Sub, Byte, 0, 1, false, 0xFF, F::CF | F::SF | F::PF | F::AF);
        check(AluOp::Sub, Byte, 0x80, 1, false, 0x7F, F::OF | F::AF);
        check(AluOp::Sbb, Dword, 5, 5, true, 0xFFFF_FFFF, F::CF | F::SF | F::PF | F::AF);
        check(AluOp::Sbb, Qword, 0, u64::MAX, true, 0, F::CF | F::ZF | F::PF | F::AF);
        check(AluOp::Cmp, Dword, 0x330, 0x330, false, 0, F::ZF | F::PF);
        check(AluOp::And, Dword, 0xFFFF_0000, 0x0001_0000, false, 0x0001_0000, F::PF);
        check(AluOp::Or, Byte, 0x80, 0x01, false, 0x81, F::SF | F::PF);
        check(AluOp::Xor, Word, 0xAAAA, 0xAAAA, false, 0, F::ZF | F::PF);
        check(AluOp::Test, Dword, 0x1000, 0x1000, false, 0x1000, F::PF);
    }

    #[test]
    fn operands_are_cut_to_the_size_and_carry_is_ignored_where_unused() {
        check(AluOp::Add, Byte, 0x1FF, 0x101, true, 0, F::CF | F::ZF | F::PF | F::AF);
        check(AluOp::Sub, Word, 0x1_0005, 5, true, 0, F::ZF | F::PF);
    }

    #[test]
    fn merge_keeps_other_rflags_bits() {
        let flags = F::from_bits(F::ZF | F::CF | (1 << 9));
        assert_eq!(flags.bits(), F::ZF | F::CF, "IF is not an arithmetic flag");
        assert_eq!(flags.merge_into(0x0000_0202 | F::SF | F::OF), 0x0000_0202 | F::ZF | F::CF);
        assert!(flags.contains(F::ZF) && !flags.contains(F::ZF | F::SF));
    }

    #[test]
    fn group1_order_and_write_back() {
        let ops: [AluOp; 8] = [0, 1, 2, 3, 4, 5, 6, 7].map(AluOp::from_group1);
        assert_eq!(
            ops,
            [AluOp::Add, AluOp::Or, AluOp::Adc, AluOp::Sbb, AluOp::And, AluOp::Sub, AluOp::Xor, AluOp::Cmp]
        );
        assert!(!AluOp::Cmp.writes_result() && !AluOp::Test.writes_result() && AluOp::Sbb.writes_result());
    }
}
