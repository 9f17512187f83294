//! One counter as the bus sees it: the count bytes written and read in the
//! programmed access mode, the counter latch, the status latch.
//!
//! 8254 datasheet, "Write Operations" (counts in the format of the control
//! word; in LSB-then-MSB mode a write flip-flop picks the byte), "Read
//! Operations" (simple read; "Counter Latch Command": the count is held
//! until read, further latch commands before that are ignored;
//! "Read-Back Command": a latched status is read before a latched count,
//! and a second status latch before the read is ignored). Reads and writes
//! have separate flip-flops, so they may be interleaved as the datasheet
//! allows.

use crate::control::Access;
use crate::element::CountingElement;
use crate::format::CountFormat;
use crate::mode::Mode;
use crate::state::ChannelState;

/// A latched count and the byte read next from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LatchedCount {
    /// The LSB comes next (then the MSB, in LSB-then-MSB mode).
    Low(u16),
    /// The MSB comes next.
    High(u16),
}

/// One 8254 counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Counter {
    element: CountingElement,
    access: Access,
    /// M2-M0 as written (6 and 7 kept for the status byte).
    mode_bits: u8,
    bcd: bool,
    /// LSB-then-MSB writes: the LSB is in, the MSB comes next.
    written_low: Option<u8>,
    /// LSB-then-MSB simple reads: the MSB comes next.
    read_high_next: bool,
    latched_count: Option<LatchedCount>,
    latched_status: Option<u8>,
}

impl Counter {
    /// The power-on state chosen in the crate documentation: as after
    /// control word `access = LSB then MSB, mode 3, binary` with no count.
    pub(crate) const fn new(gate: bool) -> Self {
        Self {
            element: CountingElement::new(Mode::SquareWave, gate),
            access: Access::LsbThenMsb,
            mode_bits: 3,
            bcd: false,
            written_low: None,
            read_high_next: false,
            latched_count: None,
            latched_status: None,
        }
    }

    /// The counting element.
    pub(crate) const fn element(&self) -> &CountingElement {
        &self.element
    }

    /// The counting element, for edge accounting and gate changes.
    pub(crate) fn element_mut(&mut self) -> &mut CountingElement {
        &mut self.element
    }

    /// A control word addressed to this counter.
    pub(crate) fn program(&mut self, access: Access, mode_bits: u8, bcd: bool, k: u64) {
        self.access = access;
        self.mode_bits = mode_bits & 7;
        self.bcd = bcd;
        self.written_low = None;
        self.read_high_next = false;
        self.latched_count = None;
        self.latched_status = None;
        self.element.program(Mode::from_bits(mode_bits), CountFormat::from_bcd_bit(bcd), k);
    }

    /// Counter latch command (or the COUNT part of a read-back).
    pub(crate) fn latch_count(&mut self, k: u64) {
        if self.latched_count.is_none() {
            let value = self.element.encoded_value(k);
            self.latched_count =
                Some(if self.access == Access::Msb { LatchedCount::High(value) } else { LatchedCount::Low(value) });
        }
    }

    /// The STATUS part of a read-back.
    pub(crate) fn latch_status(&mut self, k: u64) {
        if self.latched_status.is_none() {
            self.latched_status = Some(self.status(k));
        }
    }

    /// The status byte (figure "Status Format"): OUTPUT, NULL COUNT, then
    /// the control word bits RW1 RW0 M2 M1 M0 BCD as programmed.
    pub(crate) fn status(&self, k: u64) -> u8 {
        u8::from(self.element.out(k)) << 7
            | u8::from(self.element.null_count(k)) << 6
            | self.access.bits() << 4
            | self.mode_bits << 1
            | u8::from(self.bcd)
    }

    /// A read of the counter's port.
    pub(crate) fn read(&mut self, k: u64) -> u8 {
        if let Some(status) = self.latched_status.take() {
            return status;
        }
        if let Some(latched) = self.latched_count.take() {
            return match latched {
                LatchedCount::Low(value) => {
                    if self.access == Access::LsbThenMsb {
                        self.latched_count = Some(LatchedCount::High(value));
                    }
                    value.to_le_bytes()[0]
                }
                LatchedCount::High(value) => value.to_le_bytes()[1],
            };
        }
        let [low, high] = self.element.encoded_value(k).to_le_bytes();
        match self.access {
            Access::Lsb => low,
            Access::Msb => high,
            Access::LsbThenMsb => {
                self.read_high_next = !self.read_high_next;
                if self.read_high_next {
                    low
                } else {
                    high
                }
            }
        }
    }

    /// A write to the counter's port: one byte of a count.
    pub(crate) fn write(&mut self, value: u8, k: u64) {
        let raw = match self.access {
            Access::Lsb => u16::from(value),
            Access::Msb => u16::from(value) << 8,
            Access::LsbThenMsb => match self.written_low.take() {
                None => {
                    self.written_low = Some(value);
                    self.element.first_byte_written(k);
                    return;
                }
                Some(low) => u16::from_le_bytes([low, value]),
            },
        };
        self.element.count_written(raw, k);
    }

    /// A view for a monitor.
    pub(crate) fn state(&self, k: u64) -> ChannelState {
        let format = CountFormat::from_bcd_bit(self.bcd);
        ChannelState {
            mode: self.element.mode(),
            mode_bits: self.mode_bits,
            format,
            access: self.access,
            count_register: self.element.count_register().map(|count| format.encode(count)),
            count: self.element.encoded_value(k),
            out: self.element.out(k),
            gate: self.element.gate(),
            null_count: self.element.null_count(k),
        }
    }
}
