//! The ModRM byte and the SIB byte and displacement of a memory operand
//! (SDM Vol. 2A 2.1.3 "ModR/M and SIB Bytes", 2.1.5 "Addressing-Mode
//! Encoding of ModR/M and SIB Bytes", Tables 2-1, 2-2, 2-3; 2.2.1.3
//! "Displacement", 2.2.1.6 "RIP-Relative Addressing").
//!
//! Only the length matters here: the EPT violation already tells the
//! guest-physical address, so registers and displacements are skipped, not
//! evaluated.

use crate::cursor::Cursor;
use crate::error::{DecodeError, Opcode};
use crate::mode::AddressSize;

/// What the reg field (bits 5:3) of a ModRM byte means for an opcode.
#[derive(Clone, Copy)]
pub(crate) enum RegField {
    /// A register operand.
    Register,
    /// An opcode extension (`/digit`, a group opcode): the extensions the
    /// decoder supports for this opcode.
    Extension(fn(u8) -> bool),
}

/// A ModRM byte whose r/m operand is in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ModRm {
    /// Bits 5:3: a register number (without REX.R) or an opcode extension.
    pub(crate) reg: u8,
    /// The opcode, with the extension if the reg field is one: for errors.
    pub(crate) opcode: Opcode,
}

impl ModRm {
    /// Reads the ModRM byte at the cursor and, for a memory operand, its SIB
    /// byte and displacement. For a group opcode an unsupported extension is
    /// reported first, as such (not as a register operand). A register
    /// operand (mod = 11b) is refused.
    pub(crate) fn read(
        cursor: &mut Cursor<'_>,
        address_size: AddressSize,
        opcode: Opcode,
        reg_field: RegField,
    ) -> Result<Self, DecodeError> {
        let byte = cursor.byte()?;
        let mode = byte >> 6;
        let reg = (byte >> 3) & 7;
        let rm = byte & 7;
        let opcode = match reg_field {
            RegField::Register => opcode,
            RegField::Extension(supported) => {
                let opcode = Opcode { extension: Some(reg), ..opcode };
                if !supported(reg) {
                    return Err(DecodeError::UnsupportedOpcode { opcode });
                }
                opcode
            }
        };
        if mode == 0b11 {
            return Err(DecodeError::RegisterOperand { opcode });
        }
        let displacement = match address_size {
            AddressSize::Bits16 => displacement_16(mode, rm),
            AddressSize::Bits32 | AddressSize::Bits64 => displacement_32(cursor, mode, rm)?,
        };
        cursor.skip(displacement)?;
        Ok(Self { reg, opcode })
    }
}

/// Displacement bytes with 16-bit addressing (Table 2-1): mod 00 has none
/// except r/m 110 (disp16, no base); mod 01 disp8; mod 10 disp16. No SIB.
fn displacement_16(mode: u8, rm: u8) -> usize {
    match (mode, rm) {
        (0b00, 0b110) | (0b10, _) => 2,
        (0b01, _) => 1,
        _ => 0,
    }
}

/// Displacement bytes with 32- or 64-bit addressing, after reading the SIB
/// byte if there is one (Tables 2-2 and 2-3):
///
/// - r/m 100 brings a SIB byte; with mod 00, SIB base 101 means disp32 and
///   no base.
/// - mod 00, r/m 101: disp32 and no base; in 64-bit mode RIP-relative
///   (2.2.1.6), the same bytes.
/// - mod 01: disp8; mod 10: disp32 (2.2.1.3: still 32 bits in 64-bit mode).
///
/// REX.B does not change any of these special cases (SDM Vol. 2A Table 2-5
/// "Special Cases of REX Encodings"), so REX plays no part here.
fn displacement_32(cursor: &mut Cursor<'_>, mode: u8, rm: u8) -> Result<usize, DecodeError> {
    let mut displacement = match mode {
        0b01 => 1,
        0b10 => 4,
        _ => 0,
    };
    if rm == 0b100 {
        let sib = cursor.byte()?;
        if mode == 0b00 && sib & 7 == 0b101 {
            displacement = 4;
        }
    } else if mode == 0b00 && rm == 0b101 {
        displacement = 4;
    }
    Ok(displacement)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPCODE: Opcode = Opcode { escaped: false, byte: 0x8B, extension: None };

    fn length(bytes: &[u8], address_size: AddressSize) -> Result<u8, DecodeError> {
        let mut cursor = Cursor::new(bytes);
        ModRm::read(&mut cursor, address_size, OPCODE, RegField::Register)?;
        Ok(cursor.length())
    }

    #[test]
    fn sixteen_bit_forms() {
        use AddressSize::Bits16;
        assert_eq!(length(&[0x07], Bits16), Ok(1), "[bx]");
        assert_eq!(length(&[0x06, 0x34, 0x12], Bits16), Ok(3), "[disp16]");
        assert_eq!(length(&[0x47, 0x20], Bits16), Ok(2), "[bx+disp8]");
        assert_eq!(length(&[0x87, 0x34, 0x12], Bits16), Ok(3), "[bx+disp16]");
        assert_eq!(length(&[0x04], Bits16), Ok(1), "r/m 100 is [si], no SIB in 16-bit addressing");
    }

    #[test]
    fn thirty_two_bit_forms() {
        use AddressSize::{Bits32, Bits64};
        assert_eq!(length(&[0x00], Bits32), Ok(1), "[eax]");
        assert_eq!(length(&[0x05, 1, 2, 3, 4], Bits32), Ok(5), "[disp32]");
        assert_eq!(length(&[0x05, 1, 2, 3, 4], Bits64), Ok(5), "[rip+disp32]");
        assert_eq!(length(&[0x04, 0x24], Bits64), Ok(2), "[rsp] needs a SIB");
        assert_eq!(length(&[0x04, 0x25, 1, 2, 3, 4], Bits64), Ok(6), "SIB, no base, no index: [disp32]");
        assert_eq!(length(&[0x04, 0x8D, 1, 2, 3, 4], Bits32), Ok(6), "SIB, no base: [ecx*4+disp32]");
        assert_eq!(length(&[0x44, 0x24, 0x08], Bits64), Ok(3), "[rsp+disp8]");
        assert_eq!(length(&[0x45, 0x00], Bits64), Ok(2), "[rbp+0] takes a disp8");
        assert_eq!(length(&[0x84, 0x25, 1, 2, 3, 4], Bits64), Ok(6), "mod 10 SIB base 101 is [rbp+disp32]");
        assert_eq!(length(&[0x90, 0x30, 0x03, 0, 0], Bits64), Ok(5), "[rax+disp32]");
    }

    #[test]
    fn group_extension_checked_before_the_register_form() {
        let mut cursor = Cursor::new(&[0xF0]); // mod 11, reg 6
        let only_zero = RegField::Extension(|reg| reg == 0);
        let opcode = Opcode { extension: Some(6), ..OPCODE };
        assert_eq!(
            ModRm::read(&mut cursor, AddressSize::Bits32, OPCODE, only_zero),
            Err(DecodeError::UnsupportedOpcode { opcode })
        );
        let mut cursor = Cursor::new(&[0xC0]);
        let opcode = Opcode { extension: Some(0), ..OPCODE };
        assert_eq!(
            ModRm::read(&mut cursor, AddressSize::Bits32, OPCODE, only_zero),
            Err(DecodeError::RegisterOperand { opcode })
        );
    }

    #[test]
    fn register_form_and_truncation() {
        assert_eq!(length(&[0xC0], AddressSize::Bits32), Err(DecodeError::RegisterOperand { opcode: OPCODE }));
        assert_eq!(length(&[0x05, 1, 2], AddressSize::Bits32), Err(DecodeError::Truncated { fetched: 3 }));
        assert_eq!(length(&[0x04], AddressSize::Bits32), Err(DecodeError::Truncated { fetched: 1 }));
    }
}
