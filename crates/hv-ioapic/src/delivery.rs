//! What the I/O APIC sends: one interrupt message for the local APIC side
//! of the hypervisor, and the queue of messages not yet taken.

use crate::entry::DeliveryMode;
use crate::regs::PIN_COUNT;

/// One interrupt message, as the I/O APIC would put it on the APIC bus (or,
/// for an ICH-style I/O APIC, the system bus) from the entry at the time the
/// interrupt was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Delivery {
    /// The entry's vector. Meaningful for Fixed and Lowest Priority (never
    /// 0-15 then); SMI, NMI and INIT ignore it, and for ExtINT the 8259A
    /// supplies the vector.
    pub vector: u8,
    /// How the local APIC is to deliver it.
    pub delivery_mode: DeliveryMode,
    /// The Destination Field: an APIC ID if `logical` is false, a logical
    /// destination (matched against LDR/DFR) if it is true.
    pub destination: u8,
    /// Destination Mode: logical (`true`) or physical (`false`).
    pub logical: bool,
    /// Level triggered: the local APIC sets the TMR bit for the vector and
    /// must broadcast its EOI back ([`IoApic::eoi`](crate::IoApic::eoi)).
    /// Never true for SMI, NMI, INIT or ExtINT.
    pub level_triggered: bool,
    /// The input pin (0-23) it came from.
    pub pin: u8,
}

/// Messages sent and not yet taken by the hypervisor, oldest first. At most
/// one per pin: the pin's Delivery Status bit reads 1 while its message
/// waits, and a second interrupt on the pin in that time is merged into the
/// waiting one (the local APIC's IRR would merge them just the same).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DeliveryQueue {
    /// The waiting message of each pin.
    slots: [Option<Delivery>; PIN_COUNT],
    /// Pins with a waiting message, in the order they were sent: `len`
    /// entries from `head`, wrapping around.
    order: [u8; PIN_COUNT],
    /// Index into `order` of the oldest waiting pin.
    head: usize,
    /// Number of waiting pins; always the number of `Some` in `slots`.
    len: usize,
}

impl DeliveryQueue {
    /// An empty queue.
    pub(crate) const fn new() -> Self {
        Self { slots: [None; PIN_COUNT], order: [0; PIN_COUNT], head: 0, len: 0 }
    }

    /// Queues `delivery` for its pin, unless the pin already has a message
    /// waiting (then the new one is merged into it). Pins past the table are
    /// ignored.
    pub(crate) fn push(&mut self, delivery: Delivery) {
        let pin = usize::from(delivery.pin);
        let Some(slot) = self.slots.get_mut(pin) else { return };
        if slot.is_some() {
            return;
        }
        *slot = Some(delivery);
        // `len < PIN_COUNT` here: `slot` was free, so fewer than all pins wait.
        self.order[(self.head + self.len) % PIN_COUNT] = delivery.pin;
        self.len += 1;
    }

    /// Takes the oldest waiting message.
    pub(crate) fn pop(&mut self) -> Option<Delivery> {
        if self.len == 0 {
            return None;
        }
        let pin = usize::from(self.order[self.head]);
        self.head = (self.head + 1) % PIN_COUNT;
        self.len -= 1;
        self.slots.get_mut(pin).and_then(Option::take)
    }

    /// Whether `pin` has a message waiting.
    pub(crate) fn contains(&self, pin: usize) -> bool {
        matches!(self.slots.get(pin), Some(Some(_)))
    }

    /// The pins with a waiting message, bit `n` for pin `n`.
    pub(crate) fn pending_pins(&self) -> u32 {
        (0..PIN_COUNT).filter(|&pin| self.contains(pin)).fold(0, |bits, pin| bits | 1 << pin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINS: u8 = 24;

    fn message(pin: u8, vector: u8) -> Delivery {
        Delivery {
            vector,
            delivery_mode: DeliveryMode::Fixed,
            destination: 0,
            logical: false,
            level_triggered: false,
            pin,
        }
    }

    #[test]
    fn oldest_first_and_one_per_pin() {
        let mut queue = DeliveryQueue::new();
        queue.push(message(5, 0x30));
        queue.push(message(1, 0x31));
        queue.push(message(5, 0x99));
        assert_eq!(queue.pending_pins(), 1 << 5 | 1 << 1);
        assert_eq!(queue.pop(), Some(message(5, 0x30)), "the merged second one did not replace the first");
        assert_eq!(queue.pop(), Some(message(1, 0x31)));
        assert_eq!(queue.pop(), None);
    }

    #[test]
    fn every_pin_at_once_and_around_the_ring() {
        let mut queue = DeliveryQueue::new();
        for round in 0..3u8 {
            for pin in 0..PINS {
                queue.push(message((pin + round * 7) % PINS, 0x40 + pin));
            }
            assert_eq!(queue.pending_pins(), 0x00FF_FFFF);
            for pin in 0..PINS {
                assert_eq!(queue.pop().map(|d| d.vector), Some(0x40 + pin));
            }
            assert_eq!(queue.pop(), None);
            queue.push(message(round, 0x20));
            assert_eq!(queue.pop().map(|d| d.pin), Some(round));
        }
    }

    #[test]
    fn pins_past_the_table_are_ignored() {
        let mut queue = DeliveryQueue::new();
        queue.push(message(24, 0x30));
        queue.push(message(255, 0x30));
        assert_eq!(queue.pop(), None);
    }
}
