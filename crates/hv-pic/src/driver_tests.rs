//! Whole guest sequences against the pair: what Linux
//! (`arch/x86/kernel/i8259.c`) and GNU Mach (`i386/i386/pic.c`) do to the
//! 8259As, access by access, and what they expect back.

use crate::PicPair;

const M_CMD: u16 = 0x20;
const M_IMR: u16 = 0x21;
const S_CMD: u16 = 0xA0;
const S_IMR: u16 = 0xA1;

/// Linux `init_8259A`: mask all, ICW1-4 on both chips (vectors 0x30/0x38,
/// slave on IR2), restore the cached masks.
fn linux_init(pic: &mut PicPair, auto_eoi: bool, master_mask: u8, slave_mask: u8) {
    pic.write(M_IMR, 0xFF);
    pic.write(S_IMR, 0xFF);
    pic.write(M_CMD, 0x11);
    pic.write(M_IMR, 0x30);
    pic.write(M_IMR, 1 << 2);
    pic.write(M_IMR, if auto_eoi { 0x03 } else { 0x01 });
    pic.write(S_CMD, 0x11);
    pic.write(S_IMR, 0x38);
    pic.write(S_IMR, 2);
    pic.write(S_IMR, 0x01);
    pic.write(M_IMR, master_mask);
    pic.write(S_IMR, slave_mask);
}

/// Linux `i8259A_irq_real`: is `irq` in service? (OCW3 read ISR, read,
/// OCW3 back to IRR.)
fn linux_irq_real(pic: &mut PicPair, irq: u8) -> bool {
    let (cmd, bit) = if irq < 8 { (M_CMD, 1 << irq) } else { (S_CMD, 1 << (irq - 8)) };
    pic.write(cmd, 0x0B);
    let value = pic.read(cmd) & bit;
    pic.write(cmd, 0x0A);
    value != 0
}

/// Linux `mask_and_ack_8259A` for a real (non-spurious) IRQ, with the
/// mask as Linux caches it: mask the IRQ, specific EOI (to the slave and to
/// master IR2 for slave IRQs).
fn linux_mask_and_ack(pic: &mut PicPair, irq: u8, cached_mask: &mut u16) {
    *cached_mask |= 1 << irq;
    let [master_mask, slave_mask] = cached_mask.to_le_bytes();
    if irq & 8 != 0 {
        pic.read(S_IMR);
        pic.write(S_IMR, slave_mask);
        pic.write(S_CMD, 0x60 + (irq & 7));
        pic.write(M_CMD, 0x60 + 2);
    } else {
        pic.read(M_IMR);
        pic.write(M_IMR, master_mask);
        pic.write(M_CMD, 0x60 + irq);
    }
}

/// Linux `unmask_8259A_irq`.
fn linux_unmask(pic: &mut PicPair, irq: u8, cached_mask: &mut u16) {
    *cached_mask &= !(1 << irq);
    let [master_mask, slave_mask] = cached_mask.to_le_bytes();
    if irq & 8 != 0 {
        pic.write(S_IMR, slave_mask);
    } else {
        pic.write(M_IMR, master_mask);
    }
}

#[test]
fn linux_probe_reads_back_the_mask() {
    // probe_8259A: mask the slave, write 0xFB to the master, read it back.
    let mut pic = PicPair::new();
    pic.write(S_IMR, 0xFF);
    pic.write(M_IMR, 0xFB);
    assert_eq!(pic.read(M_IMR), 0xFB, "a PIC is present");
    assert_eq!(pic.read(S_IMR), 0xFF);
}

#[test]
fn linux_init_programs_vectors_and_masks() {
    let mut pic = PicPair::new();
    linux_init(&mut pic, false, 0xFB, 0xFF);
    let state = pic.state();
    assert_eq!((state.master.vector_base, state.slave.vector_base), (0x30, 0x38));
    assert_eq!((state.master.icw3, state.slave.icw3), (0x04, 0x02));
    assert!(state.master.initialized && state.slave.initialized);
    assert!(state.master.icw4.mode_8086 && !state.master.icw4.auto_eoi);
    assert_eq!(state.imr(), 0xFFFB);
    assert!(!pic.has_interrupt());
}

#[test]
fn linux_timer_and_rtc_interrupts_with_specific_eoi() {
    let mut pic = PicPair::new();
    let mut cached = 0xFFFFu16;
    linux_init(&mut pic, false, 0xFF, 0xFF);
    linux_unmask(&mut pic, 2, &mut cached);
    linux_unmask(&mut pic, 0, &mut cached);
    linux_unmask(&mut pic, 8, &mut cached);

    // The PIT's OUT0 pulses: IRQ0.
    pic.pulse_irq(0);
    assert!(pic.has_interrupt());
    assert_eq!(pic.acknowledge(), 0x30);
    assert!(!pic.has_interrupt(), "IRQ0 is in service");
    assert!(linux_irq_real(&mut pic, 0));
    linux_mask_and_ack(&mut pic, 0, &mut cached);
    assert_eq!(pic.state().isr(), 0);
    linux_unmask(&mut pic, 0, &mut cached);

    // The RTC raises IRQ8 (edge) while the timer fires again.
    pic.set_irq(8, true);
    pic.pulse_irq(0);
    assert_eq!(pic.acknowledge(), 0x30, "IRQ0 has priority over the cascade");
    linux_mask_and_ack(&mut pic, 0, &mut cached);
    linux_unmask(&mut pic, 0, &mut cached);
    assert!(pic.has_interrupt(), "IRQ8 still pending through IR2");
    assert_eq!(pic.acknowledge(), 0x38);
    let state = pic.state();
    assert_eq!((state.master.isr, state.slave.isr), (0x04, 0x01));
    assert!(linux_irq_real(&mut pic, 8));
    linux_mask_and_ack(&mut pic, 8, &mut cached);
    pic.set_irq(8, false);
    linux_unmask(&mut pic, 8, &mut cached);
    assert_eq!(pic.state().isr(), 0);
    assert!(!pic.has_interrupt());
}

#[test]
fn linux_recognises_spurious_irq7_by_its_clear_isr_bit() {
    let mut pic = PicPair::new();
    let mut cached = 0xFFFFu16;
    linux_init(&mut pic, false, 0xFF, 0xFF);
    linux_unmask(&mut pic, 3, &mut cached);
    // Level-triggered IRQ 3 (ELCR) drops before the CPU acknowledges.
    pic.write(0x4D0, 0x08);
    pic.set_irq(3, true);
    assert!(pic.has_interrupt());
    pic.set_irq(3, false);
    assert_eq!(pic.acknowledge(), 0x37, "default IR7");
    assert!(!linux_irq_real(&mut pic, 7), "no ISR bit: Linux calls it spurious");
    assert_eq!(pic.state().isr(), 0);
}

#[test]
fn spurious_irq15_sets_master_isr2_only() {
    let mut pic = PicPair::new();
    linux_init(&mut pic, false, 0xFB, 0xFE);
    pic.set_irq(8, true);
    assert!(pic.has_interrupt());
    // The driver masks IRQ8 before the CPU takes the interrupt.
    pic.write(S_IMR, 0xFF);
    assert_eq!(pic.acknowledge(), 0x3F, "slave answers IR7");
    let state = pic.state();
    assert_eq!((state.master.isr, state.slave.isr), (0x04, 0x00));
    assert!(!linux_irq_real(&mut pic, 15));
    // Linux then EOIs the master only.
    pic.write(M_CMD, 0x62);
    assert_eq!(pic.state().isr(), 0);
}

#[test]
fn linux_auto_eoi_master() {
    let mut pic = PicPair::new();
    linux_init(&mut pic, true, 0xFA, 0xFF);
    pic.pulse_irq(0);
    assert_eq!(pic.acknowledge(), 0x30);
    assert_eq!(pic.state().master.isr, 0, "AEOI: nothing stays in service");
    pic.pulse_irq(0);
    assert!(pic.has_interrupt(), "the next tick can come before any EOI");
}

#[test]
fn linux_reads_irr_for_pending_check() {
    // i8259A_irq_pending reads IRR through the command port (OCW3 0x0A).
    let mut pic = PicPair::new();
    linux_init(&mut pic, false, 0xFF, 0xFF);
    pic.set_irq(1, true);
    pic.set_irq(12, true);
    assert_eq!(pic.read(M_CMD) & 0x02, 0x02, "masked requests show in IRR");
    assert_eq!(pic.read(S_CMD) & 0x10, 0x10);
    assert!(!pic.has_interrupt());
}

#[test]
fn linux_elcr_level_irq_refires_until_the_device_drops_it() {
    let mut pic = PicPair::new();
    let mut cached = 0xFFFFu16;
    linux_init(&mut pic, false, 0xFF, 0xFF);
    // elcr_set_level_irq(11): read-modify-write of ELCR2.
    let elcr2 = pic.read(0x4D1);
    pic.write(0x4D1, elcr2 | 0x08);
    assert_eq!(pic.read(0x4D1), 0x08);
    linux_unmask(&mut pic, 2, &mut cached);
    linux_unmask(&mut pic, 11, &mut cached);
    pic.set_irq(11, true);
    assert_eq!(pic.acknowledge(), 0x3B);
    pic.write(S_CMD, 0x20);
    pic.write(M_CMD, 0x20);
    assert!(pic.has_interrupt(), "line still high: requests again after EOI");
    assert_eq!(pic.acknowledge(), 0x3B);
    pic.set_irq(11, false);
    pic.write(S_CMD, 0x20);
    pic.write(M_CMD, 0x20);
    assert!(!pic.has_interrupt());
}

/// GNU Mach `picinit`: ICW1-4 per chip followed by the mask and OCW3
/// "read IRR", then a non-specific EOI to each; its interrupt path sends
/// non-specific EOIs (0x20), to both chips for slave IRQs.
#[test]
fn gnu_mach_init_and_non_specific_eoi() {
    let mut pic = PicPair::new();
    let base = 0x40;
    for (cmd, data, vector, icw3, mask) in [(M_CMD, M_IMR, base, 0x04, 0xFA), (S_CMD, S_IMR, base + 8, 0x02, 0xEF)] {
        pic.write(cmd, 0x11);
        pic.write(data, vector);
        pic.write(data, icw3);
        pic.write(data, 0x01);
        pic.write(data, mask);
        pic.write(cmd, 0x0A);
    }
    pic.write(M_CMD, 0x20);
    pic.write(S_CMD, 0x20);

    pic.pulse_irq(0);
    pic.pulse_irq(12);
    assert_eq!(pic.acknowledge(), base);
    pic.write(M_CMD, 0x20);
    assert_eq!(pic.acknowledge(), base + 12);
    pic.write(S_CMD, 0x20);
    pic.write(M_CMD, 0x20);
    assert_eq!(pic.state().isr(), 0);
    assert!(!pic.has_interrupt());
}

/// A kvm-unit-tests style check of nesting: a higher-priority IRQ
/// interrupts a lower one in service, a lower one waits for the EOI.
#[test]
fn nested_interrupts_by_priority() {
    let mut pic = PicPair::new();
    linux_init(&mut pic, false, 0x00, 0x00);
    pic.pulse_irq(4);
    assert_eq!(pic.acknowledge(), 0x34);
    pic.pulse_irq(6);
    assert!(!pic.has_interrupt(), "IR6 waits behind IR4 in service");
    pic.pulse_irq(1);
    assert_eq!(pic.acknowledge(), 0x31, "IR1 nests into IR4");
    assert_eq!(pic.state().master.isr, 0x12);
    pic.write(M_CMD, 0x20);
    assert_eq!(pic.state().master.isr, 0x10, "non-specific EOI takes the highest, IR1");
    assert!(!pic.has_interrupt());
    pic.write(M_CMD, 0x20);
    assert_eq!(pic.acknowledge(), 0x36);
}
