//! Output through COM1, the 16550 every partition has, polled like a
//! firmware's driver: wait for THR empty (LSR bit 5), write the byte.

use core::fmt;

use crate::arch::{inb, outb};

const COM1: u16 = 0x3F8;
const LSR: u16 = COM1 + 5;
const LSR_THR_EMPTY: u8 = 1 << 5;

/// A writer to COM1.
pub struct Uart;

impl fmt::Write for Uart {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for byte in text.bytes() {
            if byte == b'\n' {
                put(b'\r');
            }
            put(byte);
        }
        Ok(())
    }
}

fn put(byte: u8) {
    while inb(LSR) & LSR_THR_EMPTY == 0 {
        core::hint::spin_loop();
    }
    outb(COM1, byte);
}

/// Prints a line, prefixed `platform: `.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::console::Uart, format_args!("platform: {}\n", format_args!($($arg)*)));
    }};
}
