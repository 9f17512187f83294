//! What a decoded instruction does with its memory operand: the result of
//! [`decode`](crate::decode) for the hypervisor to carry out.

use crate::alu::AluOp;
use crate::register::Register;
use crate::size::OperandSize;

/// A decoded instruction: its length (to advance RIP) and its memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decoded {
    /// Bytes of the instruction, prefixes included: 1-15.
    pub length: u8,
    /// What it does with memory.
    pub access: Access,
}

/// The memory access of an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Access {
    /// Size of the memory operand: how many bytes are read and/or written
    /// at the faulting guest-physical address.
    pub size: OperandSize,
    /// What is read, written and computed.
    pub kind: AccessKind,
}

/// How an instruction uses its memory operand. "Memory" below is the
/// `size`-byte operand at the faulting address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessKind {
    /// Load: read memory, extend it from `size` to `dest_size` by `extend`,
    /// write `dest` at `dest_size` ([`gpr_write`](crate::gpr_write)). MOV r,
    /// r/m (8A, 8B); MOV AL/AX/EAX/RAX, moffs (A0, A1); MOVZX (0F B6, 0F B7);
    /// MOVSX (0F BE, 0F BF); MOVSXD (63, 64-bit mode).
    Read {
        /// The register loaded.
        dest: Register,
        /// How the value grows from the memory size to `dest_size`.
        extend: Extend,
        /// Size of the register write (at least the memory size).
        dest_size: OperandSize,
    },
    /// Store: write `source` (a register at the access size, or an
    /// immediate already cut or sign-extended to it) to memory. MOV r/m, r
    /// (88, 89); MOV moffs, AL/AX/EAX/RAX (A2, A3); MOV r/m, imm (C6 /0, C7 /0).
    Write {
        /// What is stored.
        source: Operand,
    },
    /// XCHG r/m, r (86, 87): read memory, write `register`'s old value to
    /// memory, then write the value read to `register` (atomically on the
    /// processor; LOCK is implied).
    Exchange {
        /// The register exchanged with memory.
        register: Register,
    },
    /// Read-modify-write with memory as the destination: read memory, compute
    /// [`alu`](crate::alu)`(op, size, memory, source, CF)`, write the result
    /// to memory and the flags to RFLAGS. `op` is never CMP or TEST. ADD, OR,
    /// ADC, SBB, AND, SUB, XOR r/m, r (00, 01, 08, 09, ... 30, 31) and r/m, imm
    /// (80-83 /0-/6).
    ReadModifyWrite {
        /// The operation (one that writes its result).
        op: AluOp,
        /// The right-hand operand.
        source: Operand,
    },
    /// Compare memory with `source`: read memory, compute
    /// [`alu`](crate::alu)`(op, size, memory, source, CF)` and write only the
    /// flags. `op` is CMP or TEST. CMP r/m, r (38, 39); CMP r/m, imm (80-83
    /// /7); TEST r/m, r (84, 85); TEST r/m, imm (F6 /0, F7 /0).
    ReadCompare {
        /// CMP or TEST.
        op: AluOp,
        /// The right-hand operand.
        source: Operand,
    },
    /// Register as the destination, memory as the source: read memory,
    /// compute [`alu`](crate::alu)`(op, size, register, memory, CF)`, write
    /// the flags, and, unless `op` is CMP, the result to `register`. ADD, OR,
    /// ADC, SBB, AND, SUB, XOR, CMP r, r/m (02, 03, 0A, 0B, ... 3A, 3B).
    ReadOperate {
        /// The operation.
        op: AluOp,
        /// The left-hand operand and destination.
        register: Register,
    },
}

impl AccessKind {
    /// Whether the instruction reads its memory operand (all but a plain
    /// store).
    #[must_use]
    pub const fn reads_memory(&self) -> bool {
        !matches!(self, Self::Write { .. })
    }

    /// Whether the instruction writes its memory operand: stores, exchanges
    /// and read-modify-writes. The hypervisor can check this against the
    /// EPT violation's exit qualification.
    #[must_use]
    pub const fn writes_memory(&self) -> bool {
        matches!(self, Self::Write { .. } | Self::Exchange { .. } | Self::ReadModifyWrite { .. })
    }
}

/// The non-memory operand of a store or ALU instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// A register, read at the access size ([`gpr_read`](crate::gpr_read)).
    Register(Register),
    /// An immediate, already cut to the access size (imm8 of 83 and imm32 of
    /// 64-bit forms sign-extended first, SDM Vol. 2A 2.2.1.5).
    Immediate(u64),
}

/// How a load grows from the memory size to the register size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Extend {
    /// Same size (MOV).
    None,
    /// Zero-extended (MOVZX).
    Zero,
    /// Sign-extended (MOVSX, MOVSXD).
    Sign,
}

impl Extend {
    /// `value` (a `from`-sized memory value) extended to `to`, cut to `to`.
    #[must_use]
    pub const fn apply(self, value: u64, from: OperandSize, to: OperandSize) -> u64 {
        let value = value & from.mask();
        let extended = match self {
            Self::None | Self::Zero => value,
            Self::Sign => from.sign_extend(value),
        };
        extended & to.mask()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OperandSize::{Byte, Dword, Qword, Word};

    #[test]
    fn extension() {
        assert_eq!(Extend::Zero.apply(0x80, Byte, Dword), 0x80);
        assert_eq!(Extend::Sign.apply(0x80, Byte, Dword), 0xFFFF_FF80);
        assert_eq!(Extend::Sign.apply(0x8000, Word, Qword), 0xFFFF_FFFF_FFFF_8000);
        assert_eq!(Extend::Sign.apply(0x7FFF, Word, Qword), 0x7FFF);
        assert_eq!(Extend::Sign.apply(0x1_8000_0000, Dword, Qword), 0xFFFF_FFFF_8000_0000);
        assert_eq!(Extend::None.apply(0x1234_5678, Dword, Dword), 0x1234_5678);
        assert_eq!(Extend::Sign.apply(0xFF80, Byte, Word), 0xFF80, "source bits above the size are ignored");
    }

    #[test]
    fn memory_direction() {
        let reg = Register::Gpr(crate::Gpr::Rax);
        let read = AccessKind::Read { dest: reg, extend: Extend::None, dest_size: Dword };
        let write = AccessKind::Write { source: Operand::Immediate(0) };
        let xchg = AccessKind::Exchange { register: reg };
        let cmp = AccessKind::ReadCompare { op: AluOp::Cmp, source: Operand::Immediate(0) };
        let rmw = AccessKind::ReadModifyWrite { op: AluOp::Or, source: Operand::Immediate(0) };
        let operate = AccessKind::ReadOperate { op: AluOp::Add, register: reg };
        assert_eq!(
            [read, write, xchg, cmp, rmw, operate].map(|k| (k.reads_memory(), k.writes_memory())),
            [(true, false), (false, true), (true, true), (true, false), (true, true), (true, false)]
        );
    }
}
