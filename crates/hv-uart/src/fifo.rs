//! The receiver FIFO: a fixed 16-character ring buffer.
//!
//! A 16550A buffers received characters in a 16-byte FIFO while FCR bit 0 is
//! set (PC16550D datasheet, section 8.5 "FIFO Control Register" and section
//! 8.11 "FIFO Interrupt Mode Operation"); in 16450 mode the same storage acts
//! as the single Receiver Buffer Register. The overrun rules of each mode live
//! in the UART, which decides whether to push; this type only stores bytes,
//! without allocation, so it works in the kernel as it does in host tests.
//!
//! There is no transmitter FIFO: the model's transmitter is infinitely fast
//! (see the crate documentation), so one would always be empty.

use crate::regs::FIFO_SIZE;

/// A first-in first-out queue of at most [`FIFO_SIZE`] bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fifo {
    buf: [u8; FIFO_SIZE],
    /// Index of the oldest byte.
    head: usize,
    /// Number of bytes stored.
    len: usize,
}

impl Fifo {
    /// An empty FIFO.
    pub(crate) const fn new() -> Self {
        Self { buf: [0; FIFO_SIZE], head: 0, len: 0 }
    }

    /// Number of bytes stored.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// Whether no byte is stored.
    pub(crate) const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether all [`FIFO_SIZE`] slots are taken.
    pub(crate) const fn is_full(&self) -> bool {
        self.len == FIFO_SIZE
    }

    /// Appends `byte`; `false` (and no change) if the FIFO is full.
    pub(crate) fn push(&mut self, byte: u8) -> bool {
        if self.is_full() {
            return false;
        }
        self.buf[(self.head + self.len) % FIFO_SIZE] = byte;
        self.len += 1;
        true
    }

    /// Removes and returns the oldest byte.
    pub(crate) fn pop(&mut self) -> Option<u8> {
        if self.is_empty() {
            return None;
        }
        let byte = self.buf[self.head];
        self.head = (self.head + 1) % FIFO_SIZE;
        self.len -= 1;
        Some(byte)
    }

    /// Discards every byte.
    pub(crate) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_refuses_the_seventeenth_byte() {
        let mut fifo = Fifo::new();
        assert!(fifo.is_empty());
        for byte in 0..16u8 {
            assert!(fifo.push(byte), "byte {byte} fits");
        }
        assert!(fifo.is_full());
        assert!(!fifo.push(99), "a full FIFO refuses");
        assert_eq!(fifo.len(), 16);
        for byte in 0..16u8 {
            assert_eq!(fifo.pop(), Some(byte));
        }
        assert_eq!(fifo.pop(), None);
    }

    #[test]
    fn wraps_around_the_end_of_the_buffer() {
        let mut fifo = Fifo::new();
        for round in 0..40u8 {
            assert!(fifo.push(round));
            assert!(fifo.push(round.wrapping_add(100)));
            assert_eq!(fifo.pop(), Some(round));
            assert_eq!(fifo.pop(), Some(round.wrapping_add(100)));
        }
        assert!(fifo.is_empty());
        fifo.push(1);
        fifo.push(2);
        fifo.clear();
        assert_eq!(fifo.len(), 0);
        assert_eq!(fifo.pop(), None);
    }
}
