//! A partition's console: bytes from the guest (hypercall or UART) are
//! collected into lines, and each complete line goes to the hypervisor's
//! console prefixed with the partition's name, so two partitions never
//! interleave within a line. A colour from the manifest wraps the prefix in
//! an ANSI colour sequence.

use alloc::string::String;
use alloc::vec::Vec;

use hv_manifest::Color;

use crate::console;

/// Longest line kept before it is emitted anyway.
const MAX_LINE: usize = 160;

/// One partition's console.
pub struct PartitionConsole {
    prefix: String,
    line: Vec<u8>,
    bytes: u64,
}

impl PartitionConsole {
    /// A console for the partition called `name`.
    pub fn new(name: &str, color: Option<Color>) -> Self {
        let prefix = match color {
            Some(color) => alloc::format!("\x1b[{}m[{name}]\x1b[0m", color.ansi_code()),
            None => alloc::format!("[{name}]"),
        };
        Self { prefix, line: Vec::new(), bytes: 0 }
    }

    /// Takes bytes from the guest.
    pub fn write(&mut self, bytes: &[u8]) {
        self.bytes += bytes.len() as u64;
        for &byte in bytes {
            match byte {
                b'\n' => self.flush(),
                b'\r' => {}
                _ => {
                    self.line.push(byte);
                    if self.line.len() >= MAX_LINE {
                        self.flush();
                    }
                }
            }
        }
    }

    /// Emits the partial line, if any.
    pub fn flush(&mut self) {
        if self.line.is_empty() {
            return;
        }
        // Control characters become '?': a guest must not drive the terminal.
        let text: String =
            String::from_utf8_lossy(&self.line).chars().map(|c| if c.is_control() { '?' } else { c }).collect();
        console::write_fmt(format_args!("{} {text}\n", self.prefix));
        self.line.clear();
    }

    /// Bytes received so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}
