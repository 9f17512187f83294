//! Console input: bytes typed on the hypervisor's serial console go to the
//! virtual UART of the partition with the input focus, and to no other;
//! Ctrl-] and a command byte move the focus (`hv-input` has the key table).
//!
//! The serial port is polled between time slices (the hypervisor takes no
//! interrupts). A byte the focused partition's receiver cannot take yet
//! (its FIFO is full) waits here, up to [`WAITING_LIMIT`] bytes; beyond
//! that, typed bytes are dropped and counted, so a partition that never
//! reads cannot make the hypervisor hold unbounded input.

use alloc::collections::VecDeque;
use alloc::string::String;

use hv_input::{InputRouter, Routed};

use crate::console;

/// Bytes kept for a receiver that is full.
const WAITING_LIMIT: usize = 4096;

/// The input focus and the bytes waiting for it.
pub struct ConsoleInput {
    router: InputRouter,
    waiting: VecDeque<(usize, u8)>,
    dropped: u64,
}

impl ConsoleInput {
    /// Input for `names.len()` partitions, the focus on the first; says so.
    pub fn new(names: &[String]) -> Self {
        let input = Self { router: InputRouter::new(names.len()), waiting: VecDeque::new(), dropped: 0 };
        if let Some(first) = names.first() {
            log::info!(
                "console: typed input goes to partition {first} (Ctrl-] 1-9: partition N, Ctrl-] n: the next one)"
            );
        }
        input
    }

    /// Bytes dropped because a receiver stayed full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Takes what was typed and hands it out: `deliver(partition, byte)`
    /// returns false when that partition's receiver is full (the byte then
    /// waits, and so does everything typed after it).
    pub fn poll(&mut self, names: &[String], mut deliver: impl FnMut(usize, u8) -> bool) {
        while let Some(&(partition, byte)) = self.waiting.front() {
            if !deliver(partition, byte) {
                break;
            }
            self.waiting.pop_front();
        }
        while let Some(typed) = console::receive() {
            match self.router.feed(typed) {
                Routed::Deliver { partition, byte } => {
                    if self.waiting.is_empty() && deliver(partition, byte) {
                        continue;
                    }
                    if self.waiting.len() < WAITING_LIMIT {
                        self.waiting.push_back((partition, byte));
                    } else {
                        self.dropped += 1;
                    }
                }
                Routed::Focus(index) => {
                    let name = names.get(index).map_or("?", String::as_str);
                    log::info!("console: typed input now goes to partition {name}");
                }
                Routed::Nothing => {}
            }
        }
    }
}
