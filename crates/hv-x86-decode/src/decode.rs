//! The opcodes MMIO emulation needs, and what each does with memory.
//!
//! One-byte opcodes from SDM Vol. 2D Appendix A, Table A-2 "One-byte Opcode
//! Map", two-byte ones from Table A-3, group members from Table A-6
//! "Opcode Extensions for One- and Two-byte Opcodes by Group Number":
//!
//! | opcode                  | instruction                    | access              |
//! |-------------------------|--------------------------------|---------------------|
//! | 00-3B, low bits 000/001 | ADD..XOR r/m, r                | read-modify-write   |
//! | 38, 39                  | CMP r/m, r                     | compare             |
//! | 00-3B, low bits 010/011 | ADD..CMP r, r/m                | read and operate    |
//! | 63 (64-bit mode)        | MOVSXD r, r/m                  | read, sign-extend   |
//! | 80, 81, 83 (82 outside 64-bit mode) /0-/6 | ADD..XOR r/m, imm | read-modify-write |
//! | 80-83 /7                | CMP r/m, imm                   | compare             |
//! | 84, 85                  | TEST r/m, r                    | compare             |
//! | 86, 87                  | XCHG r/m, r                    | exchange            |
//! | 88, 89                  | MOV r/m, r                     | write               |
//! | 8A, 8B                  | MOV r, r/m                     | read                |
//! | A0, A1 / A2, A3         | MOV AL/rAX, moffs / moffs, AL/rAX | read / write     |
//! | C6 /0, C7 /0            | MOV r/m, imm                   | write               |
//! | F6 /0, F7 /0            | TEST r/m, imm                  | compare             |
//! | 0F B6, 0F B7            | MOVZX r, r/m8 / r/m16          | read, zero-extend   |
//! | 0F BE, 0F BF            | MOVSX r, r/m8 / r/m16          | read, sign-extend   |
//!
//! Opcode bit 0 selects byte (0) or full operand size (1) throughout (the
//! `w` bit of SDM Vol. 2D Appendix B.1.4). String instructions (6C-6F,
//! A4-A7, AA-AF) are refused as such, with or without REP.

use crate::access::{Access, AccessKind, Decoded, Extend, Operand};
use crate::alu::AluOp;
use crate::cursor::Cursor;
use crate::error::{DecodeError, Opcode};
use crate::mode::{AddressSize, Mode};
use crate::modrm::{ModRm, RegField};
use crate::prefixes::Prefixes;
use crate::register::{Gpr, Register};
use crate::size::OperandSize;

/// Decodes the instruction at the start of `bytes` (fetched at the guest's
/// RIP; bytes past the 15th are ignored) in `mode`, for emulating the memory
/// access that caused an EPT violation.
///
/// # Errors
///
/// [`DecodeError`] names what is wrong: the bytes end early, the instruction
/// is longer than 15 bytes, the opcode or form is not emulated (or has no
/// memory operand), it is a string instruction, or it carries a LOCK it does
/// not allow.
pub fn decode(bytes: &[u8], mode: Mode) -> Result<Decoded, DecodeError> {
    let mut cursor = Cursor::new(bytes);
    let prefixes = Prefixes::read(&mut cursor, mode)?;
    let first = cursor.byte()?;
    let opcode = if first == 0x0F {
        Opcode { escaped: true, byte: cursor.byte()?, extension: None }
    } else {
        Opcode { escaped: false, byte: first, extension: None }
    };
    let decoder = Decoder {
        mode,
        prefixes,
        operand_size: mode.operand_size(prefixes.operand_size, prefixes.rex_w()),
        address_size: mode.address_size(prefixes.address_size),
    };
    let form =
        if opcode.escaped { decoder.two_byte(&mut cursor, opcode)? } else { decoder.one_byte(&mut cursor, opcode)? };
    if prefixes.lock && !form.lockable {
        return Err(DecodeError::LockNotAllowed { opcode: form.opcode });
    }
    Ok(Decoded { length: cursor.length(), access: form.access })
}

/// A decoded instruction form before the LOCK check.
struct Form {
    /// The memory access.
    access: Access,
    /// Whether LOCK is allowed: a read-modify-write of memory, or XCHG.
    lockable: bool,
    /// The opcode (with its extension), for the LOCK error.
    opcode: Opcode,
}

/// What the prefixes and mode make of an instruction's operands.
struct Decoder {
    /// The CPU mode.
    mode: Mode,
    /// The instruction's prefixes.
    prefixes: Prefixes,
    /// The operand size of the full-size (bit 0 = 1) forms.
    operand_size: OperandSize,
    /// The address size (ModRM table and moffs width).
    address_size: AddressSize,
}

impl Decoder {
    /// The one-byte opcode map.
    fn one_byte(&self, cursor: &mut Cursor<'_>, opcode: Opcode) -> Result<Form, DecodeError> {
        let byte = opcode.byte;
        let size = self.size_by_w_bit(byte);
        match byte {
            0x00..=0x3F if byte & 0x7 < 4 => self.alu_with_register(cursor, opcode, size),
            0x63 if self.mode == Mode::Long64 => self.movsxd(cursor, opcode),
            0x6C..=0x6F | 0xA4..=0xA7 | 0xAA..=0xAF => Err(DecodeError::StringInstruction { opcode }),
            0x80..=0x83 if byte != 0x82 || self.mode != Mode::Long64 => self.alu_with_immediate(cursor, opcode),
            0x84..=0x8B => {
                let modrm = self.modrm(cursor, opcode, RegField::Register)?;
                let register = self.register(modrm.reg, size);
                let (kind, lockable) = match byte {
                    0x84 | 0x85 => {
                        (AccessKind::ReadCompare { op: AluOp::Test, source: Operand::Register(register) }, false)
                    }
                    0x86 | 0x87 => (AccessKind::Exchange { register }, true),
                    0x88 | 0x89 => (AccessKind::Write { source: Operand::Register(register) }, false),
                    _ => (AccessKind::Read { dest: register, extend: Extend::None, dest_size: size }, false),
                };
                Ok(form(size, kind, lockable, opcode))
            }
            0xA0..=0xA3 => {
                cursor.skip(self.address_size.offset_bytes())?;
                let accumulator = Register::Gpr(Gpr::Rax);
                let kind = if byte < 0xA2 {
                    AccessKind::Read { dest: accumulator, extend: Extend::None, dest_size: size }
                } else {
                    AccessKind::Write { source: Operand::Register(accumulator) }
                };
                Ok(form(size, kind, false, opcode))
            }
            0xC6 | 0xC7 => {
                let modrm = self.modrm(cursor, opcode, RegField::Extension(|reg| reg == 0))?;
                let value = immediate(cursor, size)?;
                Ok(form(size, AccessKind::Write { source: Operand::Immediate(value) }, false, modrm.opcode))
            }
            0xF6 | 0xF7 => {
                let modrm = self.modrm(cursor, opcode, RegField::Extension(|reg| reg == 0))?;
                let source = Operand::Immediate(immediate(cursor, size)?);
                Ok(form(size, AccessKind::ReadCompare { op: AluOp::Test, source }, false, modrm.opcode))
            }
            _ => Err(DecodeError::UnsupportedOpcode { opcode }),
        }
    }

    /// The two-byte opcode map (after 0F): MOVZX and MOVSX.
    fn two_byte(&self, cursor: &mut Cursor<'_>, opcode: Opcode) -> Result<Form, DecodeError> {
        let extend = match opcode.byte {
            0xB6 | 0xB7 => Extend::Zero,
            0xBE | 0xBF => Extend::Sign,
            _ => return Err(DecodeError::UnsupportedOpcode { opcode }),
        };
        let source = if opcode.byte & 1 == 0 { OperandSize::Byte } else { OperandSize::Word };
        let modrm = self.modrm(cursor, opcode, RegField::Register)?;
        let dest_size = self.operand_size;
        // MOVZX/MOVSX r16, r/m16 (0x66 0F B7/BF) is a plain 16-bit load.
        let extend = if source == dest_size { Extend::None } else { extend };
        let dest = self.register(modrm.reg, dest_size);
        Ok(form(source, AccessKind::Read { dest, extend, dest_size }, false, opcode))
    }

    /// 00-3B with low bits 000-011: ADD, OR, ADC, SBB, AND, SUB, XOR, CMP
    /// between memory and a register, in either direction (bit 1: register
    /// is the destination).
    fn alu_with_register(
        &self,
        cursor: &mut Cursor<'_>,
        opcode: Opcode,
        size: OperandSize,
    ) -> Result<Form, DecodeError> {
        let op = AluOp::from_group1(opcode.byte >> 3);
        let modrm = self.modrm(cursor, opcode, RegField::Register)?;
        let register = self.register(modrm.reg, size);
        let register_is_destination = opcode.byte & 0x2 != 0;
        let (kind, lockable) = if register_is_destination {
            (AccessKind::ReadOperate { op, register }, false)
        } else if op == AluOp::Cmp {
            (AccessKind::ReadCompare { op, source: Operand::Register(register) }, false)
        } else {
            (AccessKind::ReadModifyWrite { op, source: Operand::Register(register) }, true)
        };
        Ok(form(size, kind, lockable, opcode))
    }

    /// 80-83: Immediate Group 1. 80 and 82 take an imm8 with byte operands,
    /// 81 an imm16/imm32 with full-size ones, 83 an imm8 sign-extended to
    /// the full operand size.
    fn alu_with_immediate(&self, cursor: &mut Cursor<'_>, opcode: Opcode) -> Result<Form, DecodeError> {
        let size = if matches!(opcode.byte, 0x81 | 0x83) { self.operand_size } else { OperandSize::Byte };
        let modrm = self.modrm(cursor, opcode, RegField::Extension(|_| true))?;
        let value = if opcode.byte == 0x81 {
            immediate(cursor, size)?
        } else {
            OperandSize::Byte.sign_extend(cursor.little_endian(1)?) & size.mask()
        };
        let op = AluOp::from_group1(modrm.reg);
        let source = Operand::Immediate(value);
        let (kind, lockable) = if op == AluOp::Cmp {
            (AccessKind::ReadCompare { op, source }, false)
        } else {
            (AccessKind::ReadModifyWrite { op, source }, true)
        };
        Ok(form(size, kind, lockable, modrm.opcode))
    }

    /// 63 in 64-bit mode: MOVSXD. With REX.W it sign-extends a dword into a
    /// 64-bit register; without, it is a plain 16- or 32-bit load (SDM Vol.
    /// 2A "MOVSX/MOVSXD").
    fn movsxd(&self, cursor: &mut Cursor<'_>, opcode: Opcode) -> Result<Form, DecodeError> {
        let modrm = self.modrm(cursor, opcode, RegField::Register)?;
        let dest_size = self.operand_size;
        let dest = self.register(modrm.reg, dest_size);
        let (source, extend) =
            if self.prefixes.rex_w() { (OperandSize::Dword, Extend::Sign) } else { (dest_size, Extend::None) };
        Ok(form(source, AccessKind::Read { dest, extend, dest_size }, false, opcode))
    }

    /// Byte operands when opcode bit 0 is clear, the full operand size when
    /// it is set.
    fn size_by_w_bit(&self, byte: u8) -> OperandSize {
        if byte & 1 == 0 {
            OperandSize::Byte
        } else {
            self.operand_size
        }
    }

    /// The ModRM byte and memory operand.
    fn modrm(&self, cursor: &mut Cursor<'_>, opcode: Opcode, reg_field: RegField) -> Result<ModRm, DecodeError> {
        ModRm::read(cursor, self.address_size, opcode, reg_field)
    }

    /// The register ModRM.reg names (REX.R added) at `size`.
    fn register(&self, reg: u8, size: OperandSize) -> Register {
        Register::encoded(reg | self.prefixes.rex_r(), size, self.prefixes.rex.is_some())
    }
}

/// Builds a [`Form`].
const fn form(size: OperandSize, kind: AccessKind, lockable: bool, opcode: Opcode) -> Form {
    Form { access: Access { size, kind }, lockable, opcode }
}

/// An immediate for an operand of `size`: imm8, imm16 or imm32; with 64-bit
/// operands an imm32 sign-extended to 64 bits (SDM Vol. 2A 2.2.1.5).
fn immediate(cursor: &mut Cursor<'_>, size: OperandSize) -> Result<u64, DecodeError> {
    Ok(match size {
        OperandSize::Qword => OperandSize::Dword.sign_extend(cursor.little_endian(4)?),
        _ => cursor.little_endian(usize::from(size.bytes()))?,
    })
}
