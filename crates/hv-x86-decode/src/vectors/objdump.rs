//! [`decode`] against GNU binutils: instructions assembled by `as` (forms
//! compilers emit for MMIO) and random encodings of the supported opcodes
//! (random prefixes, REX, ModRM, SIB, displacements), each with the length
//! and meaning `objdump` gave them. The table is `objdump_table.rs`,
//! produced by `tools/decode_vectors.py` and committed as literal data.

use crate::{decode, AccessKind, AluOp, Extend, Gpr, HighByte, Mode, Operand, OperandSize, Register};

/// What objdump made of an instruction.
struct Vector {
    mode: Mode,
    bytes: &'static [u8],
    /// objdump's Intel-syntax text, for failure messages.
    text: &'static str,
    class: Class,
    op: Option<AluOp>,
    /// Memory operand size in bytes.
    size: u8,
    /// The register operand, by its name at the size it is used.
    register: Option<&'static str>,
    extend: Extend,
    /// The immediate, cut to the operand size.
    immediate: Option<u64>,
}

/// The access classes, as the generator tells them from the mnemonic and
/// the operand order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Read,
    Write,
    Exchange,
    ReadModifyWrite,
    Compare,
    Operate,
}

include!("objdump_table.rs");

/// The assembler's name of `register` used at `size`.
fn name(register: Register, size: OperandSize) -> &'static str {
    const NAMES: [[&str; 16]; 4] = [
        [
            "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b",
            "r15b",
        ],
        ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"],
        [
            "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d",
            "r14d", "r15d",
        ],
        ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"],
    ];
    match register {
        Register::HighByte(HighByte::Ah) => "ah",
        Register::HighByte(HighByte::Ch) => "ch",
        Register::HighByte(HighByte::Dh) => "dh",
        Register::HighByte(HighByte::Bh) => "bh",
        Register::Gpr(gpr) => {
            let row = match size {
                OperandSize::Byte => 0,
                OperandSize::Word => 1,
                OperandSize::Dword => 2,
                OperandSize::Qword => 3,
            };
            NAMES[row][gpr.index()]
        }
    }
}

/// The decoder's answer in the table's terms: class, op, register name,
/// extension, immediate.
fn describe(kind: AccessKind, size: OperandSize) -> (Class, Option<AluOp>, Option<&'static str>, Extend, Option<u64>) {
    let operand = |source: Operand| match source {
        Operand::Register(register) => (Some(name(register, size)), None),
        Operand::Immediate(value) => (None, Some(value)),
    };
    match kind {
        AccessKind::Read { dest, extend, dest_size } => (Class::Read, None, Some(name(dest, dest_size)), extend, None),
        AccessKind::Write { source } => {
            let (register, immediate) = operand(source);
            (Class::Write, None, register, Extend::None, immediate)
        }
        AccessKind::Exchange { register } => (Class::Exchange, None, Some(name(register, size)), Extend::None, None),
        AccessKind::ReadModifyWrite { op, source } => {
            let (register, immediate) = operand(source);
            (Class::ReadModifyWrite, Some(op), register, Extend::None, immediate)
        }
        AccessKind::ReadCompare { op, source } => {
            let (register, immediate) = operand(source);
            (Class::Compare, Some(op), register, Extend::None, immediate)
        }
        AccessKind::ReadOperate { op, register } => {
            (Class::Operate, Some(op), Some(name(register, size)), Extend::None, None)
        }
    }
}

#[test]
fn decoder_agrees_with_objdump() {
    assert!(VECTORS.len() > 500, "{} vectors", VECTORS.len());
    for vector in VECTORS {
        let context = format!("{:?} {:02x?} `{}`", vector.mode, vector.bytes, vector.text);
        let decoded = decode(vector.bytes, vector.mode).unwrap_or_else(|error| panic!("{context}: {error}"));
        assert_eq!(usize::from(decoded.length), vector.bytes.len(), "{context}: length");
        assert_eq!(decoded.access.size.bytes(), vector.size, "{context}: size");
        let got = describe(decoded.access.kind, decoded.access.size);
        let expected = (vector.class, vector.op, vector.register, vector.extend, vector.immediate);
        assert_eq!(got, expected, "{context}");
    }
}

#[test]
fn every_vector_cut_short_is_truncated_and_trailing_bytes_do_not_matter() {
    for vector in VECTORS {
        let full = decode(vector.bytes, vector.mode);
        for cut in 0..vector.bytes.len() {
            let fetched = u8::try_from(cut).unwrap_or(u8::MAX);
            assert_eq!(
                decode(&vector.bytes[..cut], vector.mode).map(|d| d.length),
                Err(crate::DecodeError::Truncated { fetched }),
                "{:02x?} cut to {cut}",
                vector.bytes
            );
        }
        let mut longer = vector.bytes.to_vec();
        longer.extend_from_slice(&[0xCC; 15]);
        assert_eq!(decode(&longer, vector.mode), full, "{:02x?} with trailing bytes", vector.bytes);
    }
}

#[test]
fn the_table_covers_every_mode_and_class() {
    for mode in [Mode::Real16, Mode::Protected16, Mode::Protected32, Mode::Long64] {
        for class in
            [Class::Read, Class::Write, Class::Exchange, Class::ReadModifyWrite, Class::Compare, Class::Operate]
        {
            assert!(VECTORS.iter().any(|v| v.mode == mode && v.class == class), "{mode:?} {class:?}");
        }
    }
    let high_byte = |v: &&Vector| matches!(v.register, Some("ah" | "ch" | "dh" | "bh"));
    let rex_byte = |v: &&Vector| matches!(v.register, Some("spl" | "bpl" | "sil" | "dil"));
    assert!(VECTORS.iter().any(|v| high_byte(&v)) && VECTORS.iter().any(|v| rex_byte(&v)));
    let _ = Gpr::Rax;
}
