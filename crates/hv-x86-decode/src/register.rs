//! General-purpose registers as instructions name them, and reading and
//! writing them with the x86 rules for partial registers.
//!
//! Register numbers follow SDM Vol. 2A 3.1.1.1, Table 3-1 "Register Codes
//! Associated With +rb, +rw, +rd, +ro", extended to 0-15 by REX.R/B (2.2.1.2,
//! Table 2-4 and Table 3-1's REX columns). A byte operand numbered 4-7 is
//! AH, CH, DH, BH when the instruction has no REX prefix, and SPL, BPL, SIL,
//! DIL when it has one (SDM Vol. 1 3.4.1.1 "General-Purpose Registers in
//! 64-Bit Mode", Table 3-2; Vol. 2A 2.2.1.2).

use crate::size::OperandSize;

/// The sixteen 64-bit general-purpose registers, numbered as in ModRM,
/// SIB and REX (and as the hypervisor's `[u64; 16]` register file is
/// indexed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
#[expect(missing_docs, reason = "the variants are the registers' own names")]
pub enum Gpr {
    Rax = 0,
    Rcx = 1,
    Rdx = 2,
    Rbx = 3,
    Rsp = 4,
    Rbp = 5,
    Rsi = 6,
    Rdi = 7,
    R8 = 8,
    R9 = 9,
    R10 = 10,
    R11 = 11,
    R12 = 12,
    R13 = 13,
    R14 = 14,
    R15 = 15,
}

impl Gpr {
    /// The register numbered `number` (only bits 3:0 count).
    #[must_use]
    pub const fn from_number(number: u8) -> Self {
        match number & 0xF {
            0 => Self::Rax,
            1 => Self::Rcx,
            2 => Self::Rdx,
            3 => Self::Rbx,
            4 => Self::Rsp,
            5 => Self::Rbp,
            6 => Self::Rsi,
            7 => Self::Rdi,
            8 => Self::R8,
            9 => Self::R9,
            10 => Self::R10,
            11 => Self::R11,
            12 => Self::R12,
            13 => Self::R13,
            14 => Self::R14,
            _ => Self::R15,
        }
    }

    /// The register's number, 0-15.
    #[must_use]
    pub const fn number(self) -> u8 {
        self as u8
    }

    /// Index of the register in a `[u64; 16]` register file.
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// The legacy high-byte registers: bits 15:8 of RAX, RCX, RDX and RBX.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[expect(missing_docs, reason = "the variants are the registers' own names")]
pub enum HighByte {
    Ah,
    Ch,
    Dh,
    Bh,
}

impl HighByte {
    /// The 64-bit register it is part of.
    #[must_use]
    pub const fn gpr(self) -> Gpr {
        match self {
            Self::Ah => Gpr::Rax,
            Self::Ch => Gpr::Rcx,
            Self::Dh => Gpr::Rdx,
            Self::Bh => Gpr::Rbx,
        }
    }
}

/// A register operand of an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Register {
    /// The low 1, 2, 4 or 8 bytes of a general-purpose register (AL, AX,
    /// EAX, RAX, ..., SPL, R8B, R15W, ...), at the access's size.
    Gpr(Gpr),
    /// AH, CH, DH or BH: always one byte, bits 15:8.
    HighByte(HighByte),
}

impl Register {
    /// The register an instruction encodes as `number` (0-15, REX bit
    /// included) for an operand of `size`: byte registers 4-7 without a REX
    /// prefix are AH, CH, DH, BH.
    #[must_use]
    pub const fn encoded(number: u8, size: OperandSize, rex_present: bool) -> Self {
        let number = number & 0xF;
        if matches!(size, OperandSize::Byte) && !rex_present && number >= 4 && number < 8 {
            Self::HighByte(match number {
                4 => HighByte::Ah,
                5 => HighByte::Ch,
                6 => HighByte::Dh,
                _ => HighByte::Bh,
            })
        } else {
            Self::Gpr(Gpr::from_number(number))
        }
    }

    /// The 64-bit register this register is part of.
    #[must_use]
    pub const fn gpr(self) -> Gpr {
        match self {
            Self::Gpr(gpr) => gpr,
            Self::HighByte(high) => high.gpr(),
        }
    }
}

/// The value of `reg` at `size`, zero-extended to 64 bits. A
/// [`Register::HighByte`] is always one byte (bits 15:8); `size` does not
/// apply to it.
#[must_use]
pub fn gpr_read(regs: &[u64; 16], reg: Register, size: OperandSize) -> u64 {
    match reg {
        Register::Gpr(gpr) => regs[gpr.index()] & size.mask(),
        Register::HighByte(high) => (regs[high.gpr().index()] >> 8) & 0xFF,
    }
}

/// Writes `value` (cut to `size`) to `reg` with the x86 rules (SDM Vol. 1
/// 3.4.1.1): a 64-bit write replaces the register; a 32-bit write
/// zero-extends into bits 63:32; 8- and 16-bit writes leave the other bits
/// alone; a [`Register::HighByte`] write replaces bits 15:8 only (`size`
/// does not apply to it).
///
/// Outside 64-bit mode the upper halves are not visible to the guest and
/// become undefined when it enters 64-bit mode, so zero-extending there too
/// is a correct choice.
pub fn gpr_write(regs: &mut [u64; 16], reg: Register, size: OperandSize, value: u64) {
    match reg {
        Register::Gpr(gpr) => {
            let slot = &mut regs[gpr.index()];
            *slot = match size {
                OperandSize::Qword => value,
                OperandSize::Dword => value & 0xFFFF_FFFF,
                OperandSize::Word | OperandSize::Byte => (*slot & !size.mask()) | (value & size.mask()),
            };
        }
        Register::HighByte(high) => {
            let slot = &mut regs[high.gpr().index()];
            *slot = (*slot & !0xFF00) | ((value & 0xFF) << 8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OperandSize::{Byte, Dword, Qword, Word};

    fn file() -> [u64; 16] {
        core::array::from_fn(|n| 0x0101_0101_0101_0101 * (n as u64 + 1))
    }

    #[test]
    fn byte_registers_4_to_7_depend_on_rex() {
        assert_eq!(Register::encoded(4, Byte, false), Register::HighByte(HighByte::Ah));
        assert_eq!(Register::encoded(7, Byte, false), Register::HighByte(HighByte::Bh));
        assert_eq!(Register::encoded(4, Byte, true), Register::Gpr(Gpr::Rsp), "SPL");
        assert_eq!(Register::encoded(7, Byte, true), Register::Gpr(Gpr::Rdi), "DIL");
        assert_eq!(Register::encoded(3, Byte, false), Register::Gpr(Gpr::Rbx), "BL");
        assert_eq!(Register::encoded(12, Byte, true), Register::Gpr(Gpr::R12), "R12B");
        assert_eq!(Register::encoded(5, Word, false), Register::Gpr(Gpr::Rbp), "BP");
        assert_eq!(Register::HighByte(HighByte::Dh).gpr(), Gpr::Rdx);
    }

    #[test]
    fn reads_cut_to_the_size() {
        let mut regs = file();
        regs[0] = 0x0123_4567_89AB_CDEF;
        assert_eq!(gpr_read(&regs, Register::Gpr(Gpr::Rax), Byte), 0xEF);
        assert_eq!(gpr_read(&regs, Register::Gpr(Gpr::Rax), Word), 0xCDEF);
        assert_eq!(gpr_read(&regs, Register::Gpr(Gpr::Rax), Dword), 0x89AB_CDEF);
        assert_eq!(gpr_read(&regs, Register::Gpr(Gpr::Rax), Qword), 0x0123_4567_89AB_CDEF);
        assert_eq!(gpr_read(&regs, Register::HighByte(HighByte::Ah), Byte), 0xCD);
        assert_eq!(gpr_read(&regs, Register::HighByte(HighByte::Ah), Qword), 0xCD, "always one byte");
    }

    #[test]
    fn writes_follow_the_partial_register_rules() {
        let original = file();
        let rdx = original[2];
        let mut regs = original;
        gpr_write(&mut regs, Register::Gpr(Gpr::Rdx), Dword, 0xFFFF_FFFF_AAAA_BBBB);
        assert_eq!(regs[2], 0xAAAA_BBBB, "32-bit writes zero-extend");
        let mut regs = original;
        gpr_write(&mut regs, Register::Gpr(Gpr::Rdx), Word, 0x1234_5678);
        assert_eq!(regs[2], (rdx & !0xFFFF) | 0x5678);
        let mut regs = original;
        gpr_write(&mut regs, Register::Gpr(Gpr::Rdx), Byte, 0x1FF);
        assert_eq!(regs[2], (rdx & !0xFF) | 0xFF);
        let mut regs = original;
        gpr_write(&mut regs, Register::HighByte(HighByte::Dh), Byte, 0xA5);
        assert_eq!(regs[2], (rdx & !0xFF00) | 0xA500);
        let mut regs = original;
        gpr_write(&mut regs, Register::Gpr(Gpr::R15), Qword, 0xDEAD_BEEF_0000_0001);
        assert_eq!(regs[15], 0xDEAD_BEEF_0000_0001);
        assert_eq!(&regs[..15], &original[..15], "no other register touched");
    }
}
