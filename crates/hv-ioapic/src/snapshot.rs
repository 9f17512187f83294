//! A side-effect-free copy of the I/O APIC's state, for a monitor.

use crate::entry::RedirectionEntry;
use crate::regs::PIN_COUNT;

/// The registers and inputs of an [`IoApic`](crate::IoApic) at one moment,
/// as [`IoApic::registers`](crate::IoApic::registers) returns them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IoApicSnapshot {
    /// IOAPICID bits 27:24 (also the arbitration ID).
    pub id: u8,
    /// IOREGSEL bits 7:0: the register IOWIN shows.
    pub select: u8,
    /// IOAPICVER, as the guest reads it.
    pub version: u32,
    /// The redirection table as the guest would read it, Delivery Status
    /// included.
    pub entries: [RedirectionEntry; PIN_COUNT],
    /// Electrical level of each input pin, bit `n` for pin `n` (1 = high).
    pub line_levels: u32,
    /// Which pins are asserted once their entry's polarity is applied.
    pub asserted: u32,
    /// Which pins have a message waiting for
    /// [`take_delivery`](crate::IoApic::take_delivery).
    pub pending: u32,
    /// [`IoApic::illegal_vector_count`](crate::IoApic::illegal_vector_count).
    pub illegal_vector_count: u64,
    /// [`IoApic::reserved_delivery_mode_count`](crate::IoApic::reserved_delivery_mode_count).
    pub reserved_delivery_mode_count: u64,
}

impl IoApicSnapshot {
    /// The pins whose entry is unmasked, bit `n` for pin `n`.
    #[must_use]
    pub fn unmasked(&self) -> u32 {
        self.entries.iter().enumerate().filter(|(_, entry)| !entry.masked()).fold(0, |bits, (pin, _)| bits | 1 << pin)
    }

    /// The pins with Remote IRR set: level-triggered interrupts accepted
    /// whose EOI has not come.
    #[must_use]
    pub fn remote_irr(&self) -> u32 {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.remote_irr())
            .fold(0, |bits, (pin, _)| bits | 1 << pin)
    }
}
