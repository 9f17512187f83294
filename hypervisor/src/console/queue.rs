//! The console's transmit queue: a fixed ring of bytes waiting for COM1,
//! fed to the UART's 16-byte FIFO whenever it reports room, never waiting
//! unless asked to ([`TransmitQueue::drain`]).

use crate::arch::x86_64::port;

/// Queue capacity (in `.bss`: usable before the heap exists).
const CAPACITY: usize = 256 * 1024;
/// The 16550's transmit FIFO holds 16 bytes once "THR empty" is reported.
const FIFO_DEPTH: usize = 16;

/// Bytes waiting for the UART.
pub struct TransmitQueue {
    bytes: [u8; CAPACITY],
    head: usize,
    len: usize,
    dropped: u64,
}

impl TransmitQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        Self { bytes: [0; CAPACITY], head: 0, len: 0, dropped: 0 }
    }

    /// Queues a byte, or counts it dropped if the queue is full.
    pub fn push(&mut self, byte: u8) {
        if self.len == CAPACITY {
            self.dropped += 1;
            return;
        }
        self.bytes[(self.head + self.len) % CAPACITY] = byte;
        self.len += 1;
    }

    /// Moves up to one FIFO's worth of bytes to the UART if it has room.
    pub fn pump(&mut self) {
        if self.len == 0 || !port::com1_transmitter_ready() {
            return;
        }
        for _ in 0..FIFO_DEPTH.min(self.len) {
            port::com1_write(self.bytes[self.head]);
            self.head = (self.head + 1) % CAPACITY;
            self.len -= 1;
        }
    }

    /// Sends everything, waiting for the UART (bounded per byte, so an
    /// absent or stuck UART cannot hang the caller forever).
    pub fn drain(&mut self) {
        while self.len > 0 {
            if !port::com1_wait_transmitter_ready() {
                // Nobody is listening: keep the bytes out of the way.
                self.dropped += self.len as u64;
                self.len = 0;
                return;
            }
            self.pump();
        }
    }

    /// Bytes dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}
