//! Many pseudo-random guest and device operations, checking invariants of
//! the chip after each one.

use crate::{PicPair, PicState, PORTS};

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }
}

/// A port, mostly ones the pair decodes.
fn port(rng: &mut Rng) -> u16 {
    match rng.next() % 8 {
        0 => u16::from_le_bytes([rng.byte(), rng.byte()]),
        n => PORTS[usize::try_from(n % 6).unwrap()],
    }
}

/// A value, biased towards well-formed commands.
fn value(rng: &mut Rng) -> u8 {
    const INTERESTING: [u8; 12] = [0x11, 0x13, 0x19, 0x20, 0x60, 0xA0, 0xC0, 0x0A, 0x0B, 0x0C, 0x68, 0x48];
    match rng.next() % 3 {
        0 => INTERESTING[usize::try_from(rng.next() % 12).unwrap()],
        _ => rng.byte(),
    }
}

fn check_invariants(pic: &PicPair, state: &PicState) {
    assert_eq!(state.master.level_triggered & 0x07, 0);
    assert_eq!(state.slave.level_triggered & 0x21, 0);
    for chip in [&state.master, &state.slave] {
        assert_eq!(chip.irr & chip.level_triggered, chip.lines & chip.level_triggered, "level IRR follows the line");
        assert_eq!(chip.vector_base & 7, 0);
        assert!(chip.lowest_priority < 8);
    }
    assert_eq!(state.master.lines & 0x04 != 0, int_reference(&state.slave, false), "IR2 is the slave's INT");
    assert_eq!(pic.has_interrupt(), int_reference(&state.master, true), "INT: {state:#x?}");
}

/// A chip's INT output by a deliberately different computation: walk the
/// priority order from the top, stop at the first in-service level (no INT;
/// it also blocks its own request) or requesting level (INT).
fn int_reference(chip: &crate::ChipState, is_master: bool) -> bool {
    let pending = chip.irr & !chip.imr;
    let sfnm_cascade = if is_master && chip.icw4.special_fully_nested { chip.icw3 } else { 0 };
    for step in 1..=8u8 {
        let ir = (chip.lowest_priority + step) % 8;
        let bit = 1 << ir;
        if chip.special_mask {
            if pending & bit != 0 && chip.isr & bit == 0 {
                return true;
            }
        } else if chip.isr & bit & !sfnm_cascade != 0 {
            return false;
        } else if pending & bit != 0 {
            return true;
        }
    }
    false
}

#[test]
fn random_operations_keep_the_invariants() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _round in 0..200 {
        let mut pic = PicPair::new();
        for _ in 0..2_000 {
            match rng.next() % 10 {
                0..=2 => pic.write(port(&mut rng), value(&mut rng)),
                3 => {
                    let port = port(&mut rng);
                    let read = pic.read(port);
                    if !PORTS.contains(&port) {
                        assert_eq!(read, 0xFF);
                    }
                }
                4..=6 => {
                    let irq = rng.byte() % 18;
                    pic.set_irq(irq, rng.next() & 1 == 0);
                }
                _ => {
                    let before = pic.state();
                    let had_interrupt = pic.has_interrupt();
                    let vector = pic.acknowledge();
                    let after = pic.state();
                    if !had_interrupt {
                        assert_eq!(vector, before.master.vector_base | 7, "spurious IR7");
                        assert_eq!((after.irr(), after.isr()), (before.irr(), before.isr()));
                    } else {
                        assert_eq!(after.master.isr & before.master.isr, before.master.isr, "ISR only grows");
                        assert_eq!(after.slave.isr & before.slave.isr, before.slave.isr);
                        let master = before.master;
                        if !master.icw4.auto_eoi && !master.icw4.special_fully_nested {
                            let new = after.master.isr & !master.isr;
                            assert_eq!(new.count_ones(), 1, "one new master level in service");
                            assert_ne!(master.irr & !master.imr & new, 0, "from an unmasked request");
                            let cascaded = !master.single && master.icw3 & new != 0;
                            if !cascaded {
                                assert_eq!(vector, master.vector_base | u8::try_from(new.trailing_zeros()).unwrap());
                            }
                        }
                    }
                }
            }
            check_invariants(&pic, &pic.state());
        }
    }
}

#[test]
fn every_command_byte_on_every_port_is_accepted() {
    for port in PORTS {
        for value in 0..=u8::MAX {
            let mut pic = PicPair::new();
            pic.write(port, value);
            pic.write(port, value);
            let _ = pic.read(port);
            let _ = pic.acknowledge();
            check_invariants(&pic, &pic.state());
        }
    }
}
