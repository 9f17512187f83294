//! Whole sequences as guests do them, MMIO access by MMIO access (Linux
//! `arch/x86/kernel/apic/io_apic.c`: `io_apic_read`/`io_apic_write` are a
//! 32-bit IOREGSEL write followed by a 32-bit IOWIN access;
//! `ioapic_write_entry` writes the high dword first; masking is a
//! read-modify-write of the low dword followed by a read, `io_apic_sync`).

use crate::regs::{EOI, IOREGSEL, IOWIN};
use crate::{DeliveryMode, IoApic};

struct Guest {
    apic: IoApic,
}

impl Guest {
    fn read(&mut self, reg: u32) -> u32 {
        self.apic.write(IOREGSEL, 4, reg);
        self.apic.read(IOWIN, 4)
    }

    fn write(&mut self, reg: u32, value: u32) {
        self.apic.write(IOREGSEL, 4, reg);
        self.apic.write(IOWIN, 4, value);
    }

    fn write_entry(&mut self, pin: u32, low: u32, high: u32) {
        self.write(0x11 + 2 * pin, high);
        self.write(0x10 + 2 * pin, low);
    }

    fn modify_low(&mut self, pin: u32, clear: u32, set: u32) {
        let low = self.read(0x10 + 2 * pin);
        self.write(0x10 + 2 * pin, (low & !clear) | set);
        let _sync = self.read(0x10 + 2 * pin);
    }
}

/// Linux at boot: read the version for the entry count, mask every entry
/// (`clear_IO_APIC`), then route the ISA IRQs edge/active-high and a PCI
/// interrupt level/active-low, and take interrupts.
#[test]
fn linux_boot_routing_and_interrupts() {
    let mut g = Guest { apic: IoApic::new(0) };
    let version = g.read(1);
    assert_eq!(version & 0xFF, 0x20);
    let entries = ((version >> 16) & 0xFF) + 1;
    assert_eq!(entries, 24);

    for pin in 0..entries {
        g.modify_low(pin, 0, 1 << 16);
    }

    // IRQ 4 (COM1): edge, active high, vector 0x24, physical CPU 0.
    g.write_entry(4, 0x0001_0024, 0);
    g.modify_low(4, 1 << 16, 0);
    // GSI 16 (PCI INTA#): level, active low, vector 0x41, logical 0x01.
    g.apic.set_irq(16, true); // the line idles high
    g.write_entry(16, 0x0001_A841, 0x0100_0000);
    g.modify_low(16, 1 << 16, 0);
    assert_eq!(g.apic.take_delivery(), None, "nothing asserted yet");

    g.apic.set_irq(4, true);
    g.apic.set_irq(4, false);
    let com1 = g.apic.take_delivery().expect("COM1 interrupt");
    assert_eq!(
        (com1.vector, com1.pin, com1.level_triggered, com1.delivery_mode),
        (0x24, 4, false, DeliveryMode::Fixed)
    );

    g.apic.set_irq(16, false);
    let pci = g.apic.take_delivery().expect("PCI interrupt");
    assert_eq!((pci.vector, pci.destination, pci.logical, pci.level_triggered), (0x41, 1, true, true));
    assert_eq!(g.apic.take_delivery(), None);
    // The handler clears the device's interrupt, then the local APIC EOI is
    // broadcast (the hypervisor's local APIC forwards it).
    g.apic.set_irq(16, true);
    g.apic.eoi(0x41);
    assert_eq!(g.apic.take_delivery(), None);
    assert_eq!(g.read(0x30) & (1 << 14), 0);
}

/// Linux's `clear_IO_APIC_pin` on a pin left with Remote IRR set (after a
/// kexec, say): mask it, and since it is level, EOI it through the EOI
/// register (version >= 0x20), then find Remote IRR clear.
#[test]
fn linux_clear_io_apic_pin_with_remote_irr_set() {
    let mut g = Guest { apic: IoApic::new(0) };
    g.write_entry(9, 0x0000_A059, 0);
    g.apic.set_irq(9, false); // active low, asserted
    assert!(g.apic.take_delivery().is_some());
    let low = g.read(0x22);
    assert_ne!(low & (1 << 14), 0, "Remote IRR set, EOI never came");

    g.modify_low(9, 0, 1 << 16);
    g.apic.write(EOI, 4, low & 0xFF);
    assert_eq!(g.read(0x22) & (1 << 14), 0);
    assert_eq!(g.apic.take_delivery(), None, "masked: the still-asserted line waits");
}

/// A guest that ignores the EOI register and treats the I/O APIC as an
/// 82093AA: its EOI is mask + edge, then the level entry restored.
#[test]
fn old_style_eoi_by_edge_flip() {
    let mut g = Guest { apic: IoApic::new(0) };
    g.write_entry(11, 0x0000_805B, 0);
    g.apic.set_irq(11, true);
    assert!(g.apic.take_delivery().is_some());
    g.apic.set_irq(11, false);
    let entry = g.read(0x26);
    g.write(0x26, (entry | (1 << 16)) & !(1 << 15));
    g.write(0x26, entry & !(1 << 14));
    assert_eq!(g.read(0x26) & (1 << 14), 0);
    g.apic.set_irq(11, true);
    assert!(g.apic.take_delivery().is_some(), "the next interrupt gets through");
}
