//! A hostile guest: many pseudo-random accesses, inputs and EOIs, with the
//! invariants checked after each step.
#![expect(clippy::cast_possible_truncation, reason = "random bits are cut to the width wanted")]

use crate::regs::{EOI, IOREGSEL, IOWIN, VERSION_VALUE};
use crate::{DeliveryMode, IoApic, PIN_COUNT};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_guest_and_inputs_keep_the_invariants() {
    let mut rng = XorShift(0x1234_5678_9ABC_DEF1);
    let mut apic = IoApic::new(5);
    let mut delivered = 0u32;
    for step in 0..200_000 {
        let before = apic.registers();
        let r = rng.next();
        let value = (rng.next() >> 7) as u32;
        match r % 8 {
            0 => apic.write(IOREGSEL, 4, (r >> 8) as u32 & 0x7F),
            1 | 2 => apic.write(IOWIN, 4, value),
            3 => {
                let offsets = [0x00, 0x01, 0x10, 0x12, 0x13, 0x40, 0x41, 0x20, 0xFFF, r >> 3];
                let offset = offsets[(r >> 8) as usize % offsets.len()];
                let size = [1, 2, 4, 8, 0, 3][(r >> 16) as usize % 6];
                if r & (1 << 30) == 0 {
                    apic.write(offset, size, value);
                } else {
                    let _ = apic.read(offset, size);
                }
            }
            4 | 5 => {
                let pin = (r >> 8) as u8 % 26;
                let masked_before = apic.entry(pin).is_none_or(|e| e.masked());
                let pending_before = before.pending;
                apic.set_irq(pin, r & (1 << 40) != 0);
                if masked_before {
                    assert_eq!(apic.registers().pending, pending_before, "step {step}: a masked pin sent");
                }
            }
            6 => apic.eoi(value as u8),
            _ => {
                while let Some(d) = apic.take_delivery() {
                    delivered += 1;
                    assert!(usize::from(d.pin) < PIN_COUNT);
                    if d.delivery_mode.uses_vector() {
                        assert!(d.vector >= 16, "step {step}: illegal vector {:#x} delivered", d.vector);
                    }
                    if d.level_triggered {
                        assert!(matches!(d.delivery_mode, DeliveryMode::Fixed | DeliveryMode::LowestPriority));
                    }
                    assert!(delivered < u32::MAX);
                }
                assert_eq!(apic.registers().pending, 0);
            }
        }
        let regs = apic.registers();
        assert_eq!(regs.version, VERSION_VALUE);
        assert_eq!(regs.id & !0x0F, 0);
        assert_eq!(regs.pending & !0x00FF_FFFF, 0);
        assert_eq!(regs.line_levels & !0x00FF_FFFF, 0);
        for (pin, entry) in regs.entries.iter().enumerate() {
            assert_eq!(entry.raw() & 0x00FF_FFFF_FFFE_0000, 0, "step {step}: reserved bits of pin {pin}");
            assert_eq!(entry.delivery_pending(), regs.pending & (1 << pin) != 0);
            if entry.remote_irr() {
                assert!(entry.effective_level(), "step {step}: Remote IRR on a pin that is not level triggered");
            }
        }
        // Reads of the window never disturb the state.
        let _ = apic.read(IOWIN, 4);
        let _ = apic.read(EOI, 4);
        assert_eq!(apic.registers(), regs);
    }
    assert!(delivered > 1000, "the random guest got interrupts through ({delivered})");
    assert!(apic.illegal_vector_count() > 0 && apic.reserved_delivery_mode_count() > 0);
}
