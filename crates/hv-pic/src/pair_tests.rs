//! Datasheet features one at a time (8259A datasheet section names in each
//! test's comment).

use crate::{InitStep, PicPair, ReadRegister, FLOATING_BUS_VECTOR, PORTS};

const M_CMD: u16 = 0x20;
const M_IMR: u16 = 0x21;
const S_CMD: u16 = 0xA0;
const S_IMR: u16 = 0xA1;

/// Standard PC initialization with the given vector bases and ICW4.
fn init(pic: &mut PicPair, master_base: u8, slave_base: u8, icw4: u8) {
    for (cmd, data, base, icw3) in [(M_CMD, M_IMR, master_base, 0x04), (S_CMD, S_IMR, slave_base, 0x02)] {
        pic.write(cmd, 0x11);
        pic.write(data, base);
        pic.write(data, icw3);
        pic.write(data, icw4);
    }
}

#[test]
fn power_on_state_is_masked_and_uninitialized() {
    let mut pic = PicPair::new();
    let state = pic.state();
    assert_eq!(state.imr(), 0xFFFF);
    assert_eq!((state.irr(), state.isr()), (0, 0));
    assert_eq!((state.master.vector_base, state.slave.vector_base), (0, 0));
    assert!(!state.master.initialized);
    for irq in 0..16 {
        pic.set_irq(irq, true);
    }
    assert!(!pic.has_interrupt(), "masked until the guest programs the PIC");
    assert_eq!(pic.state().irr() & !0x0004, 0xFFFB, "requests latch regardless of the mask");
}

#[test]
fn power_on_wiring_cascades_if_the_guest_only_unmasks() {
    let mut pic = PicPair::new();
    pic.write(M_IMR, 0xFB);
    pic.write(S_IMR, 0xFE);
    pic.set_irq(8, true);
    assert_eq!(pic.acknowledge(), 0x00, "slave vector base 0 + IR0");
    assert_eq!(pic.state().master.isr, 0x04);
}

#[test]
fn ports_outside_read_all_ones_and_ignore_writes() {
    let mut pic = PicPair::new();
    let before = pic.state();
    for port in [0x00, 0x1F, 0x22, 0x9F, 0xA2, 0x4CF, 0x4D2, 0xFFFF] {
        assert!(!PORTS.contains(&port));
        assert_eq!(pic.read(port), 0xFF);
        pic.write(port, 0x11);
    }
    assert_eq!(pic.state(), before);
}

#[test]
fn icw2_low_bits_are_ignored() {
    // "Initialization Command Words": in 8086 mode T2-T0 come from the IR.
    let mut pic = PicPair::new();
    init(&mut pic, 0x27, 0x7F, 0x01);
    assert_eq!((pic.state().master.vector_base, pic.state().slave.vector_base), (0x20, 0x78));
    pic.write(M_IMR, 0x00);
    pic.pulse_irq(5);
    assert_eq!(pic.acknowledge(), 0x25);
}

#[test]
fn icw1_without_icw4_in_single_mode_ends_after_icw2() {
    // ICW1 SNGL = 1, IC4 = 0: ICW2 only; ICW4 functions become zero.
    let mut pic = PicPair::new();
    pic.write(M_CMD, 0x13);
    pic.write(M_CMD, 0x12);
    assert_eq!(pic.state().master.init_step, InitStep::Icw2);
    pic.write(M_IMR, 0x50);
    let state = pic.state().master;
    assert_eq!(state.init_step, InitStep::Ready);
    assert!(state.single && !state.icw4.mode_8086);
    pic.write(M_IMR, 0xFB);
    assert_eq!(pic.read(M_IMR), 0xFB, "next data write is OCW1");
    // Single mode: IR2 is an ordinary input, the slave is not asked.
    pic.write(M_IMR, 0x00);
    pic.write(S_IMR, 0x00);
    pic.set_irq(9, true);
    assert_eq!(pic.acknowledge(), 0x52);
    assert_eq!(pic.state().slave.isr, 0);
}

#[test]
fn icw1_resets_edge_sense_mask_priority_and_read_select() {
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x01);
    pic.write(M_IMR, 0x00);
    pic.set_irq(3, true);
    pic.set_irq(4, true);
    assert_eq!(pic.acknowledge(), 0x23);
    pic.write(M_CMD, 0xC0); // set priority: IR0 lowest
    pic.write(M_CMD, 0x0B); // read ISR
    pic.write(M_CMD, 0x68); // special mask mode
    pic.write(M_IMR, 0x42);

    pic.write(M_CMD, 0x11);
    let state = pic.state().master;
    assert_eq!((state.irr, state.isr, state.imr), (0, 0, 0));
    assert_eq!(state.lowest_priority, 7);
    assert_eq!(state.read_register, ReadRegister::Irr);
    assert!(!state.special_mask);
    assert_eq!(state.vector_base, 0x20, "ICW2 not yet written");
    pic.write(M_IMR, 0x60);
    pic.write(M_IMR, 0x04);
    pic.write(M_IMR, 0x01);
    assert!(!pic.has_interrupt(), "IR4 is still high, but needs a new rising edge");
    pic.set_irq(4, false);
    pic.set_irq(4, true);
    assert_eq!(pic.acknowledge(), 0x64);
}

#[test]
fn slave_icw1_sets_id_7_so_the_master_reads_a_floating_bus() {
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x01);
    pic.write(S_CMD, 0x11);
    pic.write(S_IMR, 0x28);
    pic.write(S_IMR, 0x07); // wrong ID
    pic.write(S_IMR, 0x01);
    pic.write(M_IMR, 0x00);
    pic.write(S_IMR, 0x00);
    pic.set_irq(10, true);
    assert!(pic.has_interrupt());
    assert_eq!(pic.acknowledge(), FLOATING_BUS_VECTOR);
    assert_eq!(pic.state().slave.isr, 0, "the slave was not addressed");
    assert_eq!(pic.state().master.isr, 0x04);
}

#[test]
fn master_icw3_without_ir2_handles_ir2_itself() {
    let mut pic = PicPair::new();
    pic.write(M_CMD, 0x11);
    pic.write(M_IMR, 0x20);
    pic.write(M_IMR, 0x00);
    pic.write(M_IMR, 0x01);
    pic.write(M_IMR, 0x00);
    pic.write(S_IMR, 0x00);
    pic.set_irq(14, true);
    assert_eq!(pic.acknowledge(), 0x22);
}

#[test]
fn mask_0xff_on_both_blocks_everything_until_unmasked() {
    // OCW1: guests mask everything at start-up.
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x01);
    pic.write(M_IMR, 0xFF);
    pic.write(S_IMR, 0xFF);
    for irq in 0..16 {
        pic.pulse_irq(irq);
    }
    assert!(!pic.has_interrupt());
    assert_eq!(pic.acknowledge(), 0x27, "spurious IR7 with nothing deliverable");
    assert_eq!(pic.state().isr(), 0);
    pic.write(M_IMR, 0xEF);
    assert_eq!(pic.acknowledge(), 0x24, "the latched request comes once unmasked");
}

#[test]
fn rotate_on_non_specific_eoi_gives_equal_priority() {
    // "Automatic Rotation": the level just serviced becomes the lowest.
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x01);
    pic.write(M_IMR, 0x00);
    for irq in [1, 3, 5] {
        pic.pulse_irq(irq);
    }
    assert_eq!(pic.acknowledge(), 0x21);
    pic.write(M_CMD, 0xA0);
    assert_eq!(pic.state().master.lowest_priority, 1);
    pic.pulse_irq(1);
    assert_eq!(pic.acknowledge(), 0x23, "IR1 is now lowest");
    pic.write(M_CMD, 0xA0);
    assert_eq!(pic.acknowledge(), 0x25);
    pic.write(M_CMD, 0xA0);
    assert_eq!(pic.acknowledge(), 0x21);
    pic.write(M_CMD, 0xA0);
    assert_eq!(pic.state().isr(), 0);
}

#[test]
fn set_priority_and_rotate_on_specific_eoi() {
    // "Specific Rotation".
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x01);
    pic.write(M_IMR, 0x00);
    pic.write(M_CMD, 0xC4); // IR4 lowest, IR5 highest
    pic.pulse_irq(0);
    pic.pulse_irq(6);
    assert_eq!(pic.acknowledge(), 0x26);
    pic.write(M_CMD, 0xE6); // specific EOI of IR6, IR6 lowest
    assert_eq!(pic.state().master.isr, 0);
    assert_eq!(pic.state().master.lowest_priority, 6);
    pic.pulse_irq(6);
    assert_eq!(pic.acknowledge(), 0x20, "IR7 highest now, then IR0");
}

#[test]
fn rotate_in_auto_eoi_mode() {
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x03);
    pic.write(M_IMR, 0x00);
    pic.write(M_CMD, 0x80); // set rotate in AEOI
    assert!(pic.state().master.rotate_on_auto_eoi);
    pic.pulse_irq(3);
    pic.pulse_irq(6);
    assert_eq!(pic.acknowledge(), 0x23);
    assert_eq!(pic.state().master.lowest_priority, 3);
    pic.pulse_irq(0);
    assert_eq!(pic.acknowledge(), 0x26, "IR4 is highest after rotating, so IR6 before IR0");
    pic.write(M_CMD, 0x00); // clear rotate in AEOI
    assert!(!pic.state().master.rotate_on_auto_eoi);
    assert_eq!(pic.acknowledge(), 0x20);
    assert_eq!(pic.state().master.lowest_priority, 6, "no rotation any more");
}

#[test]
fn specific_eoi_clears_only_its_level() {
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x01);
    pic.write(M_IMR, 0x00);
    pic.pulse_irq(5);
    assert_eq!(pic.acknowledge(), 0x25);
    pic.pulse_irq(3);
    assert_eq!(pic.acknowledge(), 0x23);
    pic.write(M_CMD, 0x65);
    assert_eq!(pic.state().master.isr, 0x08);
    pic.write(M_CMD, 0x40); // no operation
    assert_eq!(pic.state().master.isr, 0x08);
}

#[test]
fn special_mask_mode_lets_lower_levels_in() {
    // "Special Mask Mode": a routine masks its own level and enables lower ones.
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x01);
    pic.write(M_IMR, 0x00);
    pic.pulse_irq(3);
    assert_eq!(pic.acknowledge(), 0x23);
    pic.pulse_irq(6);
    assert!(!pic.has_interrupt(), "fully nested: IR6 blocked by IR3");
    pic.write(M_IMR, 0x08);
    pic.write(M_CMD, 0x68);
    assert!(pic.state().master.special_mask);
    assert_eq!(pic.acknowledge(), 0x26);
    // A non-specific EOI now skips the masked IR3.
    pic.write(M_CMD, 0x20);
    assert_eq!(pic.state().master.isr, 0x08);
    pic.write(M_CMD, 0x48); // reset special mask
    pic.write(M_CMD, 0x63);
    assert_eq!(pic.state().master.isr, 0);
}

#[test]
fn poll_command_acknowledges_on_read() {
    // "Poll Command": I bit and level of the highest request, acts as INTA.
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x01);
    pic.write(M_IMR, 0x00);
    pic.write(M_CMD, 0x0C);
    assert!(pic.state().master.poll_pending);
    assert_eq!(pic.read(M_CMD), 0x00, "nothing requested");
    pic.pulse_irq(6);
    pic.pulse_irq(4);
    pic.write(M_CMD, 0x0C);
    assert_eq!(pic.read(M_IMR), 0x84, "the poll byte can be read at A0 = 1 too");
    assert_eq!(pic.state().master.isr, 0x10);
    assert_eq!(pic.read(M_IMR), 0x00, "one read only; this is the IMR again");
    pic.write(M_CMD, 0x20);
    pic.write(M_CMD, 0x0C);
    assert_eq!(pic.read(M_CMD), 0x86);
}

#[test]
fn polling_the_master_for_the_cascade_leaves_the_slave_alone() {
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x01);
    pic.write(M_IMR, 0x00);
    pic.write(S_IMR, 0x00);
    pic.pulse_irq(13);
    pic.write(M_CMD, 0x0C);
    assert_eq!(pic.read(M_CMD), 0x82);
    assert_eq!(pic.state().slave.isr, 0);
    pic.write(S_CMD, 0x0C);
    assert_eq!(pic.read(S_CMD), 0x85);
    assert_eq!(pic.state().slave.isr, 0x20);
}

#[test]
fn read_register_select_persists() {
    // "Reading the 8259A Status": RR = 0 leaves the selection alone.
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x01);
    pic.write(M_IMR, 0x00);
    pic.pulse_irq(1);
    pic.pulse_irq(5);
    assert_eq!(pic.read(M_CMD), 0x22);
    assert_eq!(pic.acknowledge(), 0x21);
    pic.write(M_CMD, 0x0B);
    assert_eq!(pic.read(M_CMD), 0x02);
    pic.write(M_CMD, 0x08);
    assert_eq!(pic.read(M_CMD), 0x02, "still ISR");
    pic.write(M_CMD, 0x0A);
    assert_eq!(pic.read(M_CMD), 0x20);
}

#[test]
fn elcr_reserved_bits_stay_edge() {
    let mut pic = PicPair::new();
    pic.write(0x4D0, 0xFF);
    pic.write(0x4D1, 0xFF);
    assert_eq!((pic.read(0x4D0), pic.read(0x4D1)), (0xF8, 0xDE));
    assert_eq!(pic.state().master.level_triggered, 0xF8);
}

#[test]
fn edge_request_latches_through_a_short_pulse_and_level_does_not() {
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x01);
    pic.write(M_IMR, 0x00);
    pic.write(0x4D0, 0x20);
    pic.pulse_irq(4);
    pic.pulse_irq(5);
    assert_eq!(pic.state().master.irr, 0x10);
    pic.set_irq(5, true);
    assert_eq!(pic.state().master.irr, 0x30);
    // Switching IRQ 5 back to edge keeps its request; a high edge line
    // switched to level becomes a request at once.
    pic.set_irq(6, true);
    assert_eq!(pic.acknowledge(), 0x24);
    pic.write(M_CMD, 0x20);
    assert_eq!(pic.acknowledge(), 0x25);
    pic.set_irq(5, false);
    pic.write(M_CMD, 0x20);
    assert_eq!(pic.acknowledge(), 0x26);
    pic.write(M_CMD, 0x20);
    pic.write(0x4D0, 0x40);
    assert!(pic.has_interrupt(), "IRQ 6 is high and now level-triggered");
    assert_eq!(pic.acknowledge(), 0x26);
}

#[test]
fn irq2_and_out_of_range_irqs_are_ignored() {
    let mut pic = PicPair::new();
    init(&mut pic, 0x20, 0x28, 0x01);
    pic.write(M_IMR, 0x00);
    pic.write(S_IMR, 0x00);
    for irq in [2, 16, 100, 255] {
        pic.set_irq(irq, true);
    }
    assert!(!pic.has_interrupt());
    assert_eq!(pic.state().irr(), 0);
}

#[test]
fn special_fully_nested_mode_lets_a_higher_slave_irq_through() {
    // "Special Fully Nested Mode": master ICW4 SFNM.
    let mut pic = PicPair::new();
    pic.write(M_CMD, 0x11);
    pic.write(M_IMR, 0x20);
    pic.write(M_IMR, 0x04);
    pic.write(M_IMR, 0x11);
    pic.write(S_CMD, 0x11);
    pic.write(S_IMR, 0x28);
    pic.write(S_IMR, 0x02);
    pic.write(S_IMR, 0x01);
    pic.pulse_irq(12);
    assert_eq!(pic.acknowledge(), 0x2C);
    pic.pulse_irq(9);
    assert_eq!(pic.acknowledge(), 0x29, "IRQ9 beats IRQ12 in service on the same master level");
    assert_eq!(pic.state().slave.isr, 0x12);
    pic.pulse_irq(0);
    assert_eq!(pic.acknowledge(), 0x20, "IR0 still has priority over IR2");

    // Without SFNM the same IRQ9 waits.
    let mut plain = PicPair::new();
    init(&mut plain, 0x20, 0x28, 0x01);
    plain.write(M_IMR, 0x00);
    plain.write(S_IMR, 0x00);
    plain.pulse_irq(12);
    assert_eq!(plain.acknowledge(), 0x2C);
    plain.pulse_irq(9);
    assert!(!plain.has_interrupt());
}

#[test]
fn mid_sequence_ocw_writes_are_decoded_and_the_sequence_continues() {
    let mut pic = PicPair::new();
    pic.write(M_CMD, 0x11);
    pic.write(M_CMD, 0x0B); // OCW3 between ICW1 and ICW2
    pic.write(M_IMR, 0x20);
    assert_eq!(pic.state().master.init_step, InitStep::Icw3);
    assert_eq!(pic.state().master.read_register, ReadRegister::Isr);
}
