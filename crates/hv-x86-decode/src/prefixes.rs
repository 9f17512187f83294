//! Instruction prefixes (SDM Vol. 2A 2.1.1 "Instruction Prefixes", 2.2.1
//! "REX Prefixes").

use crate::cursor::Cursor;
use crate::error::DecodeError;
use crate::mode::Mode;

/// The prefixes of one instruction, as far as they matter here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Prefixes {
    /// 0x66, operand-size override.
    pub(crate) operand_size: bool,
    /// 0x67, address-size override.
    pub(crate) address_size: bool,
    /// 0xF0, LOCK.
    pub(crate) lock: bool,
    /// 0xF2 or 0xF3 (REPNE/REP; XACQUIRE/XRELEASE on locked instructions
    /// and MOV stores).
    pub(crate) repeat: bool,
    /// The REX prefix immediately before the opcode (64-bit mode only).
    pub(crate) rex: Option<u8>,
}

impl Prefixes {
    /// Reads the prefixes at the cursor, stopping at the first opcode byte.
    ///
    /// Legacy prefixes may come in any order and repeat; segment overrides
    /// (2E, 36, 3E, 26, 64, 65) are consumed and ignored (the exit gives the
    /// guest-physical address). In 64-bit mode 40-4F are REX; a REX that is
    /// followed by another prefix does not count ("other placements are
    /// ignored", SDM Vol. 2A 2.2.1), so only one directly before the opcode
    /// is kept. Outside 64-bit mode 40-4F are INC/DEC opcodes.
    pub(crate) fn read(cursor: &mut Cursor<'_>, mode: Mode) -> Result<Self, DecodeError> {
        let mut prefixes = Self::default();
        loop {
            let byte = cursor.peek()?;
            match byte {
                0x66 => prefixes.operand_size = true,
                0x67 => prefixes.address_size = true,
                0xF0 => prefixes.lock = true,
                0xF2 | 0xF3 => prefixes.repeat = true,
                0x26 | 0x2E | 0x36 | 0x3E | 0x64 | 0x65 => {}
                0x40..=0x4F if mode == Mode::Long64 => {
                    prefixes.rex = Some(byte);
                    cursor.byte()?;
                    continue;
                }
                _ => return Ok(prefixes),
            }
            prefixes.rex = None;
            cursor.byte()?;
        }
    }

    /// REX.W: 64-bit operand size.
    pub(crate) fn rex_w(&self) -> bool {
        self.rex.is_some_and(|rex| rex & 0x8 != 0)
    }

    /// REX.R: bit 3 of ModRM.reg.
    pub(crate) fn rex_r(&self) -> u8 {
        self.rex.map_or(0, |rex| (rex & 0x4) << 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8], mode: Mode) -> (Prefixes, u8) {
        let mut cursor = Cursor::new(bytes);
        let prefixes = Prefixes::read(&mut cursor, mode).expect("prefixes");
        (prefixes, cursor.length())
    }

    #[test]
    fn legacy_prefixes_in_any_order() {
        let (p, length) = read(&[0x2E, 0xF0, 0x67, 0x66, 0x64, 0xF3, 0x89], Mode::Protected32);
        assert!(p.operand_size && p.address_size && p.lock && p.repeat);
        assert_eq!((p.rex, length), (None, 6));
    }

    #[test]
    fn rex_only_in_64_bit_mode_and_only_right_before_the_opcode() {
        let (p, length) = read(&[0x48, 0x89], Mode::Long64);
        assert_eq!((p.rex, p.rex_w(), length), (Some(0x48), true, 1));
        let (p, length) = read(&[0x48, 0x66, 0x89], Mode::Long64);
        assert_eq!((p.rex, p.operand_size, length), (None, true, 2), "REX before 66 is ignored");
        let (p, _) = read(&[0x48, 0x44, 0x89], Mode::Long64);
        assert_eq!((p.rex, p.rex_r()), (Some(0x44), 8), "the last REX counts");
        let (p, length) = read(&[0x48, 0x89], Mode::Protected32);
        assert_eq!((p.rex, length), (None, 0), "48 is DEC EAX outside 64-bit mode");
    }

    #[test]
    fn only_prefixes_is_truncated_or_too_long() {
        assert_eq!(
            Prefixes::read(&mut Cursor::new(&[0x66, 0x67]), Mode::Long64),
            Err(DecodeError::Truncated { fetched: 2 })
        );
        assert_eq!(Prefixes::read(&mut Cursor::new(&[0x3E; 15]), Mode::Long64), Err(DecodeError::TooLong));
    }
}
