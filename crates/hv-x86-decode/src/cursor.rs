//! Reading instruction bytes one at a time, within the 15-byte limit.

use crate::error::{DecodeError, MAX_INSTRUCTION_LENGTH};

/// The bytes fetched at the guest's RIP and how far decoding has got.
pub(crate) struct Cursor<'a> {
    /// The bytes, at most [`MAX_INSTRUCTION_LENGTH`] of them.
    bytes: &'a [u8],
    /// Bytes consumed so far.
    position: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the first of `bytes`; bytes past the 15th are never read.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        let bytes = bytes.get(..MAX_INSTRUCTION_LENGTH).unwrap_or(bytes);
        Self { bytes, position: 0 }
    }

    /// The next byte, without consuming it.
    pub(crate) fn peek(&self) -> Result<u8, DecodeError> {
        if self.position >= MAX_INSTRUCTION_LENGTH {
            return Err(DecodeError::TooLong);
        }
        self.bytes.get(self.position).copied().ok_or(DecodeError::Truncated { fetched: self.fetched() })
    }

    /// The next byte, consumed.
    pub(crate) fn byte(&mut self) -> Result<u8, DecodeError> {
        let byte = self.peek()?;
        self.position += 1;
        Ok(byte)
    }

    /// The next `count` (at most 8) bytes as a little-endian number, consumed.
    pub(crate) fn little_endian(&mut self, count: usize) -> Result<u64, DecodeError> {
        let mut value = 0;
        for index in 0..count.min(8) {
            value |= u64::from(self.byte()?) << (8 * index);
        }
        Ok(value)
    }

    /// Skips `count` bytes (a displacement or offset whose value does not
    /// matter: the exit gives the guest-physical address).
    pub(crate) fn skip(&mut self, count: usize) -> Result<(), DecodeError> {
        for _ in 0..count {
            self.byte()?;
        }
        Ok(())
    }

    /// Bytes consumed so far: the instruction length once decoding is done.
    pub(crate) fn length(&self) -> u8 {
        // At most MAX_INSTRUCTION_LENGTH (15): `byte` refuses to go further.
        self.position.to_le_bytes()[0]
    }

    /// How many bytes are available (at most 15).
    fn fetched(&self) -> u8 {
        self.bytes.len().to_le_bytes()[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_before_fifteen_too_long_after() {
        let mut short = Cursor::new(&[1, 2]);
        assert_eq!(short.little_endian(2), Ok(0x0201));
        assert_eq!(short.byte(), Err(DecodeError::Truncated { fetched: 2 }));
        let long = [0x66; 20];
        let mut cursor = Cursor::new(&long);
        assert_eq!(cursor.skip(15), Ok(()));
        assert_eq!(cursor.length(), 15);
        assert_eq!(cursor.byte(), Err(DecodeError::TooLong));
        assert_eq!(Cursor::new(&[]).peek(), Err(DecodeError::Truncated { fetched: 0 }));
    }
}
