//! Register-level behaviour of [`IoApic`]: reset values, reserved bits,
//! access sizes, edge and level semantics, EOI, refusals.

use super::*;
use crate::DeliveryMode;

/// Writes `value` to indirect register `index` the way drivers do.
fn write_reg(apic: &mut IoApic, index: u8, value: u32) {
    apic.write(IOREGSEL, 4, u32::from(index));
    apic.write(IOWIN, 4, value);
}

/// Reads indirect register `index`.
fn read_reg(apic: &mut IoApic, index: u8) -> u32 {
    apic.write(IOREGSEL, 4, u32::from(index));
    apic.read(IOWIN, 4)
}

/// Programs entry `pin`: high dword first, then low, as Linux does.
fn program(apic: &mut IoApic, pin: u8, low: u32, destination: u8) {
    write_reg(apic, REDIRECTION_TABLE + 2 * pin + 1, u32::from(destination) << 24);
    write_reg(apic, REDIRECTION_TABLE + 2 * pin, low);
}

fn drain(apic: &mut IoApic) -> Vec<Delivery> {
    core::iter::from_fn(|| apic.take_delivery()).collect()
}

const EDGE: u32 = 0;
const LEVEL: u32 = 1 << 15;
const ACTIVE_LOW: u32 = 1 << 13;
const MASKED: u32 = 1 << 16;

#[test]
fn reset_values() {
    let mut apic = IoApic::new(2);
    assert_eq!(apic.read(IOREGSEL, 4), 0);
    assert_eq!(read_reg(&mut apic, ID), 0x0200_0000);
    assert_eq!(read_reg(&mut apic, VERSION), 0x0017_0020, "version 0x20, max redirection entry 23");
    assert_eq!(read_reg(&mut apic, ARBITRATION), 0x0200_0000);
    for pin in 0..24 {
        assert_eq!(read_reg(&mut apic, REDIRECTION_TABLE + 2 * pin), 0x0001_0000, "pin {pin} masked");
        assert_eq!(read_reg(&mut apic, REDIRECTION_TABLE + 2 * pin + 1), 0);
    }
    assert_eq!(IoApic::new(0x12).id(), 2, "the ID is 4 bits");
}

#[test]
fn ioregsel_reads_back_its_low_byte_only() {
    let mut apic = IoApic::new(0);
    apic.write(IOREGSEL, 4, 0xDEAD_BE3F);
    assert_eq!(apic.read(IOREGSEL, 4), 0x3F);
    apic.write(IOREGSEL, 1, 0x01);
    assert_eq!(apic.read(IOWIN, 4), VERSION_VALUE, "a byte write selects too");
    apic.write(IOREGSEL + 1, 1, 0x10);
    assert_eq!(apic.read(IOREGSEL, 4), 0x01, "bytes 1-3 are reserved");
}

#[test]
fn id_is_writable_in_bits_27_24_and_loads_arbitration_version_is_read_only() {
    let mut apic = IoApic::new(0);
    write_reg(&mut apic, ID, 0xFFFF_FFFF);
    assert_eq!(read_reg(&mut apic, ID), 0x0F00_0000);
    assert_eq!(read_reg(&mut apic, ARBITRATION), 0x0F00_0000);
    assert_eq!(apic.id(), 0xF);
    write_reg(&mut apic, VERSION, 0);
    write_reg(&mut apic, ARBITRATION, 0);
    assert_eq!(read_reg(&mut apic, VERSION), VERSION_VALUE);
    assert_eq!(read_reg(&mut apic, ARBITRATION), 0x0F00_0000);
}

#[test]
fn reserved_and_read_only_entry_bits_cannot_be_set() {
    let mut apic = IoApic::new(0);
    write_reg(&mut apic, 0x10, 0xFFFF_FFFF);
    write_reg(&mut apic, 0x11, 0xFFFF_FFFF);
    assert_eq!(read_reg(&mut apic, 0x10), 0x0001_AFFF);
    assert_eq!(read_reg(&mut apic, 0x11), 0xFF00_0000);
}

#[test]
fn unimplemented_registers_and_offsets_read_zero_and_ignore_writes() {
    let mut apic = IoApic::new(3);
    let before = apic.registers();
    for index in (0x03..0x10).chain(0x40..=0xFF) {
        write_reg(&mut apic, index, 0xFFFF_FFFF);
        assert_eq!(read_reg(&mut apic, index), 0, "register {index:#x}");
    }
    for offset in [0x04, 0x08, 0x0C, 0x14, 0x20, 0x30, 0x44, 0x80, 0xFFC, 0x1000, u64::MAX - 3] {
        apic.write(offset, 4, 0xFFFF_FFFF);
        assert_eq!(apic.read(offset, 4), 0, "offset {offset:#x}");
    }
    assert_eq!(apic.read(EOI, 4), 0, "EOI is write-only");
    let after = apic.registers();
    assert_eq!(after.entries, before.entries);
    assert_eq!(after.id, before.id);
}

#[test]
fn narrow_reads_return_bytes_of_the_register_and_bad_sizes_read_zero() {
    let mut apic = IoApic::new(0);
    apic.write(IOREGSEL, 4, u32::from(VERSION));
    assert_eq!(apic.read(IOWIN, 1), 0x20);
    assert_eq!(apic.read(IOWIN + 2, 1), 0x17);
    assert_eq!(apic.read(IOWIN, 2), 0x0020);
    assert_eq!(apic.read(IOWIN + 2, 2), 0x0017);
    assert_eq!(apic.read(IOWIN + 1, 4), 0, "crosses the dword");
    assert_eq!(apic.read(IOWIN + 3, 2), 0, "crosses the dword");
    for size in [0, 3, 5, 8, 255] {
        assert_eq!(apic.read(IOWIN, size), 0, "size {size}");
    }
}

#[test]
fn narrow_iowin_writes_are_ignored() {
    let mut apic = IoApic::new(0);
    apic.write(IOREGSEL, 4, 0x10);
    apic.write(IOWIN, 1, 0x31);
    apic.write(IOWIN, 2, 0x0031);
    assert_eq!(apic.read(IOWIN, 4), 0x0001_0000);
    apic.write(IOWIN, 4, 0x31);
    assert_eq!(apic.read(IOWIN, 4), 0x31);
}

#[test]
fn edge_delivers_once_on_the_rising_edge() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 4, EDGE | 0x34, 1);
    apic.set_irq(4, true);
    apic.set_irq(4, true);
    let expected = Delivery {
        vector: 0x34,
        delivery_mode: DeliveryMode::Fixed,
        destination: 1,
        logical: false,
        level_triggered: false,
        pin: 4,
    };
    assert_eq!(drain(&mut apic), [expected]);
    apic.set_irq(4, false);
    assert!(drain(&mut apic).is_empty(), "the falling edge does nothing");
    apic.set_irq(4, true);
    assert_eq!(drain(&mut apic), [expected], "the next rising edge delivers again");
}

#[test]
fn active_low_edge_delivers_when_the_line_goes_low() {
    let mut apic = IoApic::new(0);
    apic.set_irq(9, true); // idle high
    program(&mut apic, 9, EDGE | ACTIVE_LOW | 0x39, 0);
    assert!(drain(&mut apic).is_empty(), "programming makes no edge");
    apic.set_irq(9, false);
    assert_eq!(drain(&mut apic).len(), 1);
    apic.set_irq(9, true);
    assert!(drain(&mut apic).is_empty());
}

#[test]
fn an_edge_on_a_masked_pin_is_lost() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 1, EDGE | MASKED | 0x31, 0);
    apic.set_irq(1, true);
    program(&mut apic, 1, EDGE | 0x31, 0);
    assert!(drain(&mut apic).is_empty(), "not held pending across the unmask");
    apic.set_irq(1, false);
    apic.set_irq(1, true);
    assert_eq!(drain(&mut apic).len(), 1);
}

#[test]
fn delivery_status_reads_one_while_the_message_waits() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 0, EDGE | 0x30, 0);
    apic.set_irq(0, true);
    assert_eq!(read_reg(&mut apic, 0x10), 0x1030);
    assert!(apic.entry(0).is_some_and(RedirectionEntry::delivery_pending));
    apic.set_irq(0, false);
    apic.set_irq(0, true);
    assert_eq!(drain(&mut apic).len(), 1, "the second edge merged into the waiting message");
    assert_eq!(read_reg(&mut apic, 0x10), 0x0030);
}

#[test]
fn level_delivers_sets_remote_irr_and_waits_for_eoi() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 16, LEVEL | ACTIVE_LOW | 0x41, 0);
    apic.set_irq(16, true); // idle
    apic.set_irq(16, false); // asserted
    let first = drain(&mut apic);
    assert_eq!(first.len(), 1);
    assert!(first[0].level_triggered);
    assert_eq!(read_reg(&mut apic, 0x30) & (1 << 14), 1 << 14, "Remote IRR set");

    // Still asserted: nothing more until the EOI.
    apic.set_irq(16, false);
    assert!(drain(&mut apic).is_empty());
    apic.eoi(0x42);
    assert!(drain(&mut apic).is_empty(), "another vector's EOI does not count");
    apic.eoi(0x41);
    assert_eq!(drain(&mut apic).len(), 1, "still asserted after EOI: delivered again");

    // Deasserted before the EOI: the EOI ends it.
    apic.set_irq(16, true);
    apic.eoi(0x41);
    assert!(drain(&mut apic).is_empty());
    assert_eq!(read_reg(&mut apic, 0x30) & (1 << 14), 0, "Remote IRR clear");
}

#[test]
fn eoi_register_works_like_the_broadcast() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 3, LEVEL | 0x50, 0);
    apic.set_irq(3, true);
    assert_eq!(drain(&mut apic).len(), 1);
    apic.write(EOI + 1, 1, 0x50);
    assert!(drain(&mut apic).is_empty(), "byte 1 of EOI is reserved");
    apic.write(EOI, 4, 0xFFFF_FF50);
    assert_eq!(drain(&mut apic).len(), 1, "bits 31:8 ignored");
    apic.write(EOI, 1, 0x50);
    assert_eq!(drain(&mut apic).len(), 1, "a byte write works too");
}

#[test]
fn eoi_clears_every_entry_with_the_vector() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 5, LEVEL | 0x60, 0);
    program(&mut apic, 6, LEVEL | 0x60, 0);
    apic.set_irq(5, true);
    apic.set_irq(6, true);
    assert_eq!(drain(&mut apic).len(), 2);
    apic.set_irq(5, false);
    apic.eoi(0x60);
    let again = drain(&mut apic);
    assert_eq!(again.iter().map(|d| d.pin).collect::<Vec<_>>(), [6], "only the pin still asserted sends again");
    assert_eq!(apic.registers().remote_irr(), 1 << 6);
}

#[test]
fn an_asserted_level_pin_delivers_when_unmasked() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 10, LEVEL | MASKED | 0x70, 0);
    apic.set_irq(10, true);
    assert!(drain(&mut apic).is_empty());
    assert_eq!(apic.registers().remote_irr(), 0, "masked: not sent, Remote IRR clear");
    program(&mut apic, 10, LEVEL | 0x70, 0);
    assert_eq!(drain(&mut apic).len(), 1);
}

#[test]
fn level_pin_deasserted_while_masked_does_not_deliver_on_unmask() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 10, LEVEL | MASKED | 0x70, 0);
    apic.set_irq(10, true);
    apic.set_irq(10, false);
    program(&mut apic, 10, LEVEL | 0x70, 0);
    assert!(drain(&mut apic).is_empty());
}

#[test]
fn switching_to_edge_clears_remote_irr() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 2, LEVEL | 0x33, 0);
    apic.set_irq(2, true);
    assert_eq!(drain(&mut apic).len(), 1);
    // Linux's EOI for a version < 0x20 I/O APIC: mask + edge, then restore.
    write_reg(&mut apic, 0x14, MASKED | EDGE | 0x33);
    write_reg(&mut apic, 0x14, LEVEL | 0x33);
    assert_eq!(drain(&mut apic).len(), 1, "Remote IRR was cleared and the pin is still asserted");
}

#[test]
fn nmi_programmed_level_acts_as_edge() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 7, LEVEL | (0b100 << 8), 0xFF);
    apic.set_irq(7, true);
    let sent = drain(&mut apic);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].delivery_mode, DeliveryMode::Nmi);
    assert!(!sent[0].level_triggered);
    assert_eq!(apic.registers().remote_irr(), 0, "never set for NMI");
    apic.set_irq(7, false);
    apic.set_irq(7, true);
    assert_eq!(drain(&mut apic).len(), 1, "no EOI needed");
}

#[test]
fn illegal_vectors_are_counted_not_delivered() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 0, EDGE | 0x0F, 0);
    program(&mut apic, 1, LEVEL | (0b001 << 8) | 0x02, 0);
    program(&mut apic, 2, EDGE | (0b100 << 8), 0); // NMI, vector 0 ignored
    apic.set_irq(0, true);
    apic.set_irq(1, true);
    apic.set_irq(2, true);
    let sent = drain(&mut apic);
    assert_eq!(sent.iter().map(|d| d.pin).collect::<Vec<_>>(), [2]);
    assert_eq!(apic.illegal_vector_count(), 2);
    assert_eq!(apic.registers().remote_irr(), 0, "a refused level interrupt does not set Remote IRR");
}

#[test]
fn reserved_delivery_modes_are_counted_not_delivered() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 0, EDGE | (0b011 << 8) | 0x30, 0);
    program(&mut apic, 1, EDGE | (0b110 << 8) | 0x30, 0);
    apic.set_irq(0, true);
    apic.set_irq(1, true);
    assert!(drain(&mut apic).is_empty());
    assert_eq!(apic.reserved_delivery_mode_count(), 2);
    assert_eq!(read_reg(&mut apic, 0x10), 0x0330, "the field reads back as written");
}

#[test]
fn deliveries_come_oldest_first_with_their_routing() {
    let mut apic = IoApic::new(0);
    program(&mut apic, 20, EDGE | (1 << 11) | (0b001 << 8) | 0x90, 0x0F);
    program(&mut apic, 3, EDGE | (0b111 << 8), 0);
    apic.set_irq(20, true);
    apic.set_irq(3, true);
    let sent = drain(&mut apic);
    assert_eq!(
        sent,
        [
            Delivery {
                vector: 0x90,
                delivery_mode: DeliveryMode::LowestPriority,
                destination: 0x0F,
                logical: true,
                level_triggered: false,
                pin: 20
            },
            Delivery {
                vector: 0,
                delivery_mode: DeliveryMode::ExtInt,
                destination: 0,
                logical: false,
                level_triggered: false,
                pin: 3
            },
        ]
    );
}

#[test]
fn pins_past_23_are_ignored() {
    let mut apic = IoApic::new(0);
    let before = apic.registers();
    for pin in 24..=255 {
        apic.set_irq(pin, true);
    }
    assert_eq!(apic.registers(), before);
    assert_eq!(apic.entry(24), None);
}

#[test]
fn reset_masks_everything_and_drops_waiting_messages() {
    let mut apic = IoApic::new(4);
    write_reg(&mut apic, ID, 0x0900_0000);
    program(&mut apic, 0, LEVEL | 0x30, 0);
    apic.set_irq(0, true);
    apic.reset();
    assert_eq!(apic.take_delivery(), None);
    assert_eq!(apic.id(), 4);
    let regs = apic.registers();
    assert!(regs.entries.iter().all(|e| *e == RedirectionEntry::RESET));
    assert_eq!(regs.line_levels, 1, "inputs keep their level");
    // The pin is still high: unmasking a level entry delivers.
    program(&mut apic, 0, LEVEL | 0x30, 0);
    assert_eq!(drain(&mut apic).len(), 1);
}

#[test]
fn snapshot_reports_lines_assertion_and_pending() {
    let mut apic = IoApic::new(1);
    program(&mut apic, 0, EDGE | 0x30, 0);
    program(&mut apic, 1, EDGE | ACTIVE_LOW | MASKED | 0x31, 0);
    apic.set_irq(0, true);
    let regs = apic.registers();
    assert_eq!(regs.line_levels, 0b01);
    assert_eq!(regs.asserted, 0b11, "pin 1 is active low and low");
    assert_eq!(regs.pending, 0b01);
    assert_eq!(regs.unmasked() & 0b11, 0b01);
    assert_eq!(regs.version, VERSION_VALUE);
    assert!(regs.entries[0].delivery_pending());
}
