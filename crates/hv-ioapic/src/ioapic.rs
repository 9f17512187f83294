//! The I/O APIC itself: what each MMIO access, input change and EOI does.
//!
//! Registers behave as the 82093AA datasheet (order number 290566-001)
//! describes them, section 3 "Register Description", with the EOI register
//! and the version of the ICH-family I/O APICs (see the crate documentation
//! for the model choices):
//!
//! - **IOREGSEL** (offset 0x00, section 3.1.1): bits 7:0 select a register,
//!   read back; bits 31:8 read 0.
//! - **IOWIN** (offset 0x10, section 3.1.2): the selected register; 32-bit
//!   writes only, as the datasheet requires.
//! - **EOI** (offset 0x40, ICH2/ICH4 datasheets 9.5.5): write-only, bits 7:0
//!   a vector; reads 0.
//! - **IOAPICID** (0x00, section 3.2.1): ID in bits 27:24; writing it loads
//!   **IOAPICARB** (0x02, section 3.2.3) too.
//! - **IOAPICVER** (0x01, section 3.2.2): [`VERSION_VALUE`], read-only.
//! - **IOREDTBL\[23:0\]** (0x10-0x3F, section 3.2.4): see
//!   [`RedirectionEntry`].

use crate::delivery::{Delivery, DeliveryQueue};
use crate::entry::RedirectionEntry;
use crate::regs::{
    ARBITRATION, EOI, ID, ID_MASK, ID_SHIFT, IOREGSEL, IOWIN, PIN_COUNT, REDIRECTION_TABLE, VERSION, VERSION_VALUE,
};
use crate::snapshot::IoApicSnapshot;

/// A virtual I/O APIC with 24 input pins.
///
/// The hypervisor forwards every guest access to the I/O APIC's page as
/// [`read`](Self::read) or [`write`](Self::write) with the offset from
/// [`MMIO_BASE`](crate::regs::MMIO_BASE), drives the input pins from its
/// device models with [`set_irq`](Self::set_irq), forwards the local APIC's
/// EOI broadcasts with [`eoi`](Self::eoi), and injects what
/// [`take_delivery`](Self::take_delivery) returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IoApic {
    /// IOAPICID bits 27:24, also the arbitration ID.
    id: u8,
    /// The ID [`reset`](Self::reset) restores.
    reset_id: u8,
    /// IOREGSEL bits 7:0.
    select: u8,
    /// The redirection table, without Delivery Status (that comes from
    /// `queue` when read).
    entries: [RedirectionEntry; PIN_COUNT],
    /// Electrical level of each input pin, bit `n` for pin `n` (1 = high).
    lines: u32,
    /// Messages sent and not yet taken.
    queue: DeliveryQueue,
    /// Interrupts refused for a vector of 0-15 with Fixed or Lowest Priority.
    illegal_vectors: u64,
    /// Interrupts refused for a reserved delivery mode.
    reserved_modes: u64,
}

impl IoApic {
    /// An I/O APIC after reset, with APIC ID `id` (the one the partition's
    /// ACPI MADT announces; only bits 3:0 are kept, the register is 4 bits
    /// wide). Every entry is masked, every input pin low, nothing pending.
    #[must_use]
    pub const fn new(id: u8) -> Self {
        let id = id & 0x0F;
        Self {
            id,
            reset_id: id,
            select: 0,
            entries: [RedirectionEntry::RESET; PIN_COUNT],
            lines: 0,
            queue: DeliveryQueue::new(),
            illegal_vectors: 0,
            reserved_modes: 0,
        }
    }

    /// Resets the registers: the ID given to [`new`](Self::new), IOREGSEL 0,
    /// every entry masked with its other bits 0, waiting deliveries dropped.
    /// The input pins keep their levels (they are driven from outside) and
    /// the counters keep counting.
    pub fn reset(&mut self) {
        self.id = self.reset_id;
        self.select = 0;
        self.entries = [RedirectionEntry::RESET; PIN_COUNT];
        self.queue = DeliveryQueue::new();
    }

    /// The I/O APIC's current APIC ID (IOAPICID bits 27:24).
    #[must_use]
    pub const fn id(&self) -> u8 {
        self.id
    }

    /// A guest read of `size` bytes (1, 2 or 4) at `offset` from the base.
    ///
    /// The access must lie inside one of the 32-bit registers IOREGSEL,
    /// IOWIN or EOI; a narrower one returns those bytes of the register,
    /// shifted down. Anything else (another offset, size 0, 3 or more than
    /// 4, an access crossing a register boundary) reads 0. Reads have no
    /// side effects.
    #[must_use]
    pub fn read(&self, offset: u64, size: u8) -> u32 {
        let Some(access) = DwordAccess::new(offset, size) else { return 0 };
        let register = match access.register {
            IOREGSEL => u32::from(self.select),
            IOWIN => self.read_register(self.select),
            _ => 0, // EOI is write-only
        };
        access.extract(register)
    }

    /// A guest write of the low `size` bytes (1, 2 or 4) of `value` at
    /// `offset` from the base.
    ///
    /// - IOREGSEL: any write that includes byte 0 selects the register in
    ///   bits 7:0; writes to bytes 1-3 only (reserved) are ignored.
    /// - IOWIN: a 32-bit write at offset 0x10 writes the selected register;
    ///   narrower writes are ignored (the datasheet allows dwords only, and
    ///   merging a partial write into a redirection entry would be a guess).
    /// - EOI: any write that includes byte 0 is an EOI for vector bits 7:0.
    ///
    /// Anything else is ignored.
    pub fn write(&mut self, offset: u64, size: u8, value: u32) {
        let Some(access) = DwordAccess::new(offset, size) else { return };
        let value = access.truncate(value);
        match access.register {
            IOREGSEL if access.shift == 0 => self.select = value.to_le_bytes()[0],
            IOWIN if access.is_whole() => self.write_register(self.select, value),
            EOI if access.shift == 0 => self.eoi(value.to_le_bytes()[0]),
            _ => {}
        }
    }

    /// Sets the electrical level of input pin `pin` (0-23): `true` is high.
    /// Whether that is "asserted" depends on the entry's polarity (bit 13):
    /// an active-high pin is asserted when high, an active-low one when low.
    /// Pins past 23 are ignored.
    ///
    /// - Edge-triggered pins send one interrupt when they become asserted
    ///   while unmasked. An edge on a masked pin is lost, as on the chip.
    /// - Level-triggered pins send an interrupt when they become asserted
    ///   while unmasked with Remote IRR clear; Remote IRR then stays set until
    ///   an EOI for the entry's vector, after which a pin still asserted
    ///   sends again.
    ///
    /// Device models of active-low lines (PCI INTx) should drive them high
    /// while idle, so that programming the polarity sees no interrupt.
    pub fn set_irq(&mut self, pin: u8, level: bool) {
        let pin = usize::from(pin);
        if pin >= PIN_COUNT {
            return;
        }
        let was_asserted = self.asserted(pin);
        if level {
            self.lines |= 1 << pin;
        } else {
            self.lines &= !(1 << pin);
        }
        if self.asserted(pin) == was_asserted {
            return;
        }
        let entry = self.entries[pin];
        if entry.effective_level() {
            self.evaluate_level(pin);
        } else if !was_asserted && !entry.masked() {
            self.send(pin);
        }
    }

    /// An EOI for `vector`, as the local APIC broadcasts it after the guest
    /// ends a level-triggered interrupt (and as a write to the EOI register
    /// does): Remote IRR is cleared in every entry programmed with `vector`,
    /// and each such pin that is still asserted and unmasked sends again.
    pub fn eoi(&mut self, vector: u8) {
        for pin in 0..PIN_COUNT {
            let entry = self.entries[pin];
            if entry.vector() == vector && entry.remote_irr() {
                self.entries[pin] = entry.with_remote_irr(false);
                self.evaluate_level(pin);
            }
        }
    }

    /// Takes the oldest interrupt message not yet taken; `None` if there is
    /// none. At most [`PIN_COUNT`] can be waiting (one per pin).
    pub fn take_delivery(&mut self) -> Option<Delivery> {
        self.queue.pop()
    }

    /// The redirection entry of `pin` as the guest would read it (with
    /// Delivery Status); `None` for a pin past 23.
    #[must_use]
    pub fn entry(&self, pin: u8) -> Option<RedirectionEntry> {
        let pin = usize::from(pin);
        let entry = *self.entries.get(pin)?;
        Some(entry.with_delivery_pending(self.queue.contains(pin)))
    }

    /// How many interrupts were refused because a Fixed or Lowest Priority
    /// entry carried a vector of 0-15, which the local APIC would reject as
    /// an illegal vector (SDM Vol. 3A 11.5.2). Nothing is delivered for them
    /// and Remote IRR stays clear.
    #[must_use]
    pub const fn illegal_vector_count(&self) -> u64 {
        self.illegal_vectors
    }

    /// How many interrupts were refused because the entry's delivery mode
    /// was one of the reserved encodings 011b and 110b.
    #[must_use]
    pub const fn reserved_delivery_mode_count(&self) -> u64 {
        self.reserved_modes
    }

    /// Every register and input, without disturbing anything: for a monitor.
    #[must_use]
    pub fn registers(&self) -> IoApicSnapshot {
        let mut entries = [RedirectionEntry::RESET; PIN_COUNT];
        for (pin, slot) in entries.iter_mut().enumerate() {
            *slot = self.entries[pin].with_delivery_pending(self.queue.contains(pin));
        }
        IoApicSnapshot {
            id: self.id,
            select: self.select,
            version: VERSION_VALUE,
            entries,
            line_levels: self.lines,
            asserted: (0..PIN_COUNT).filter(|&pin| self.asserted(pin)).fold(0, |bits, pin| bits | 1 << pin),
            pending: self.queue.pending_pins(),
            illegal_vector_count: self.illegal_vectors,
            reserved_delivery_mode_count: self.reserved_modes,
        }
    }

    /// The indirect register `index` as IOWIN reads it; unimplemented ones
    /// (0x03-0x0F, 0x40-0xFF) read 0.
    fn read_register(&self, index: u8) -> u32 {
        match index {
            ID | ARBITRATION => u32::from(self.id) << ID_SHIFT,
            VERSION => VERSION_VALUE,
            _ => match redirection_register(index) {
                Some((pin, high)) => {
                    let entry = self.entries[pin].with_delivery_pending(self.queue.contains(pin));
                    if high {
                        entry.high()
                    } else {
                        entry.low()
                    }
                }
                None => 0,
            },
        }
    }

    /// A 32-bit IOWIN write of the indirect register `index`. Read-only and
    /// unimplemented registers ignore it.
    fn write_register(&mut self, index: u8, value: u32) {
        if index == ID {
            self.id = ((value & ID_MASK) >> ID_SHIFT) as u8;
            return;
        }
        let Some((pin, high)) = redirection_register(index) else { return };
        let old = self.entries[pin];
        if high {
            self.entries[pin] = old.with_guest_high(value);
            return;
        }
        let mut new = old.with_guest_low(value);
        if !new.effective_level() {
            // Programming edge mode clears Remote IRR. Linux's EOI for I/O
            // APICs older than version 0x20 (mask, set edge, restore the
            // level entry) relies on it; QEMU and KVM model it so too. A
            // switch to SMI, NMI, INIT or ExtINT (edge whatever bit 15 says)
            // clears it as well: it is never set for those modes.
            new = new.with_remote_irr(false);
        }
        self.entries[pin] = new;
        // Unmasking, or switching to level or to the other polarity, can
        // find a level-triggered pin asserted: it sends now.
        self.evaluate_level(pin);
    }

    /// Whether `pin` (< 24) is asserted: its level after the entry's polarity.
    fn asserted(&self, pin: usize) -> bool {
        let high = self.lines & (1 << pin) != 0;
        high != self.entries[pin].active_low()
    }

    /// Sends the interrupt of a level-triggered `pin` if the level semantics
    /// call for it: asserted, unmasked, Remote IRR clear.
    fn evaluate_level(&mut self, pin: usize) {
        let entry = self.entries[pin];
        if entry.effective_level() && !entry.masked() && !entry.remote_irr() && self.asserted(pin) {
            self.send(pin);
        }
    }

    /// Sends the interrupt of `pin` (< 24) as its entry says, or refuses and
    /// counts it if the entry is not deliverable. A level-triggered message
    /// sets Remote IRR.
    #[expect(clippy::cast_possible_truncation, reason = "pin < PIN_COUNT = 24")]
    fn send(&mut self, pin: usize) {
        let entry = self.entries[pin];
        let Some(delivery_mode) = entry.delivery_mode() else {
            self.reserved_modes = self.reserved_modes.saturating_add(1);
            return;
        };
        if entry.illegal_vector() {
            self.illegal_vectors = self.illegal_vectors.saturating_add(1);
            return;
        }
        let level_triggered = entry.effective_level();
        self.queue.push(Delivery {
            vector: entry.vector(),
            delivery_mode,
            destination: entry.destination(),
            logical: entry.logical(),
            level_triggered,
            pin: pin as u8,
        });
        if level_triggered {
            self.entries[pin] = entry.with_remote_irr(true);
        }
    }
}

/// The pin and half (`true` for bits 63:32) of the redirection table
/// register `index`, if it is one (0x10-0x3F).
fn redirection_register(index: u8) -> Option<(usize, bool)> {
    let offset = usize::from(index.checked_sub(REDIRECTION_TABLE)?);
    let pin = offset / 2;
    (pin < PIN_COUNT).then_some((pin, offset % 2 == 1))
}

/// A guest access that lies inside one 32-bit register of the MMIO page.
struct DwordAccess {
    /// Offset of the register (a multiple of 4).
    register: u64,
    /// Bit position of the first byte accessed within the register.
    shift: u32,
    /// Bytes accessed: 1, 2 or 4.
    size: u8,
}

impl DwordAccess {
    /// The access of `size` bytes at `offset`, if the size is 1, 2 or 4 and
    /// the bytes stay within one aligned dword.
    fn new(offset: u64, size: u8) -> Option<Self> {
        let within = (offset & 3) as u8;
        if !matches!(size, 1 | 2 | 4) || within + size > 4 {
            return None;
        }
        Some(Self { register: offset & !3, shift: u32::from(within) * 8, size })
    }

    /// Whether the access covers the whole register.
    fn is_whole(&self) -> bool {
        self.size == 4
    }

    /// The bytes of `register` this access reads.
    fn extract(&self, register: u32) -> u32 {
        self.truncate(register >> self.shift)
    }

    /// `value` cut to the access size.
    fn truncate(&self, value: u32) -> u32 {
        match self.size {
            1 => value & 0xFF,
            2 => value & 0xFFFF,
            _ => value,
        }
    }
}

#[cfg(test)]
mod tests;
