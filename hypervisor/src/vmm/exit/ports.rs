//! The partition's port-I/O devices, shared by IN/OUT and INS/OUTS.
//!
//! Today the only device is a minimal 16550 at COM1 (0x3F8-0x3FF): a byte
//! written to the transmit register goes to the partition's console, the
//! line-status register always reports "transmitter empty", the other
//! registers read as 0. (The full register model of a 16550 arrives with the
//! partition issue.) Any other port behaves like an absent ISA device: reads
//! return all ones, writes are dropped.

use crate::vmm::console::PartitionConsole;

const COM1: u16 = 0x3F8;
const COM1_LAST: u16 = COM1 + 7;
const UART_THR: u16 = COM1;
const UART_LSR: u16 = COM1 + 5;
/// LSR: transmitter holding register empty (bit 5) and transmitter empty (bit 6).
const LSR_IDLE: u32 = 0x60;

/// The mask of an access of `size` bytes (1, 2 or 4).
pub fn size_mask(size: u8) -> u32 {
    match size {
        1 => 0xFF,
        2 => 0xFFFF,
        _ => 0xFFFF_FFFF,
    }
}

/// The value an IN of `size` bytes from `port` reads.
pub fn read(port: u16, size: u8) -> u32 {
    let value = match port {
        UART_LSR => LSR_IDLE,
        COM1..=COM1_LAST => 0,
        _ => u32::MAX,
    };
    value & size_mask(size)
}

/// Carries out an OUT of `value` to `port`. (A 16550 transmits the low
/// byte; the bytes of a wider write reach the next registers, which ignore
/// writes in this model.)
pub fn write(console: &mut PartitionConsole, port: u16, value: u32) {
    if port == UART_THR {
        console.write(&value.to_le_bytes()[..1]);
    }
}
