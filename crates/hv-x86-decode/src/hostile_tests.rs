//! A hostile guest controls the bytes at RIP (it can even rewrite them
//! between the exit and the fetch): random byte strings, biased towards
//! prefixes and the opcodes the decoder knows, in every mode. The decoder
//! must never panic, and what it returns must be self-consistent.
#![expect(clippy::cast_possible_truncation, reason = "random bits are cut to the width wanted")]

use crate::{decode, AccessKind, AluOp, DecodeError, Extend, Mode, Operand, OperandSize, Register};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const INTERESTING: &[u8] = &[
    0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E, 0x3E, 0x26, 0x36, 0x64, 0x65, 0x40, 0x44, 0x48, 0x4F, 0x0F, 0x00, 0x01, 0x03,
    0x38, 0x3B, 0x63, 0x80, 0x81, 0x82, 0x83, 0x84, 0x87, 0x88, 0x8B, 0xA0, 0xA1, 0xA3, 0xA5, 0xB6, 0xBF, 0xC6, 0xC7,
    0xF6, 0xF7, 0x04, 0x05, 0x24, 0x25, 0x44, 0x84, 0xC0,
];

fn check_operand(source: Operand, size: OperandSize) {
    match source {
        Operand::Immediate(value) => assert_eq!(value & !size.mask(), 0, "immediate wider than the size"),
        Operand::Register(register) => check_register(register, size),
    }
}

fn check_register(register: Register, size: OperandSize) {
    if let Register::HighByte(_) = register {
        assert_eq!(size, OperandSize::Byte, "AH..BH only as byte operands");
    }
}

#[test]
fn random_bytes_never_panic_and_decode_consistently() {
    let mut rng = XorShift(0x0DDB_1A5E_5BAD_5EED);
    let modes = [Mode::Real16, Mode::Protected16, Mode::Protected32, Mode::Long64];
    let mut decoded_count = 0;
    for _ in 0..300_000 {
        let mode = modes[(rng.next() % 4) as usize];
        let length = (rng.next() % 20) as usize;
        let bytes: Vec<u8> = (0..length)
            .map(|_| {
                let r = rng.next();
                if r.is_multiple_of(3) {
                    r as u8 >> 1
                } else {
                    INTERESTING[(r >> 8) as usize % INTERESTING.len()]
                }
            })
            .collect();
        match decode(&bytes, mode) {
            Ok(decoded) => {
                decoded_count += 1;
                let used = usize::from(decoded.length);
                assert!((1..=15).contains(&used) && used <= bytes.len(), "{bytes:02x?}: length {used}");
                assert_eq!(decode(&bytes[..used], mode), Ok(decoded), "{bytes:02x?}: the length is all it needs");
                let size = decoded.access.size;
                if mode != Mode::Long64 {
                    assert_ne!(size, OperandSize::Qword, "{bytes:02x?}: 64-bit operand outside 64-bit mode");
                }
                match decoded.access.kind {
                    AccessKind::Read { dest, extend, dest_size } => {
                        assert!(dest_size >= size);
                        assert_eq!(extend == Extend::None, dest_size == size, "{bytes:02x?}");
                        check_register(dest, dest_size);
                    }
                    AccessKind::Write { source } => check_operand(source, size),
                    AccessKind::Exchange { register } => check_register(register, size),
                    AccessKind::ReadModifyWrite { op, source } => {
                        assert!(op.writes_result() && op != AluOp::Test);
                        check_operand(source, size);
                    }
                    AccessKind::ReadCompare { op, source } => {
                        assert!(matches!(op, AluOp::Cmp | AluOp::Test));
                        check_operand(source, size);
                    }
                    AccessKind::ReadOperate { op, register } => {
                        assert_ne!(op, AluOp::Test);
                        check_register(register, size);
                    }
                }
            }
            Err(DecodeError::Truncated { fetched }) => {
                assert_eq!(usize::from(fetched), bytes.len().min(15));
            }
            Err(error) => {
                // Every refusal has a message; the bytes past the 15th never matter.
                assert!(!error.to_string().is_empty());
                if bytes.len() > 15 {
                    assert_eq!(decode(&bytes[..15], mode), Err(error));
                }
            }
        }
    }
    assert!(decoded_count > 10_000, "the random guest reached the decoded forms ({decoded_count})");
}
