//! `hv-ioapic`: the virtual I/O APIC each partition sees at guest-physical
//! 0xFEC00000.
//!
//! The hypervisor traps every access to the I/O APIC's page (EPT) and hands
//! it to an [`IoApic`] as [`read`](IoApic::read) or [`write`](IoApic::write)
//! of an offset and a size. The registers behave as the Intel 82093AA I/O
//! APIC datasheet (order number 290566-001, section 3 "Register
//! Description") describes them, so unmodified guests program it: Linux's
//! `io_apic.c`, other kernels, firmware. [`regs`] names the offsets and bits.
//!
//! Device models drive the 24 input pins with [`set_irq`](IoApic::set_irq);
//! the local APIC side of the hypervisor forwards EOI broadcasts for
//! level-triggered vectors with [`eoi`](IoApic::eoi) and drains the
//! interrupt messages with [`take_delivery`](IoApic::take_delivery).
//! [`registers`](IoApic::registers) shows the state without disturbing it.
//!
//! It is pure state: no `unsafe`, no `alloc`, no hardware access, no time.
//!
//! # Model choices
//!
//! - **Version 0x20, with the EOI register at offset 0x40** (as the I/O APICs
//!   of Intel's ICH chipsets, ICH2/ICH4 datasheets 9.5.5 "EOIR"), not the
//!   82093AA's 0x11. Linux (`__eoi_ioapic_pin` in
//!   `arch/x86/kernel/apic/io_apic.c`) ends a level-triggered interrupt at
//!   the I/O APIC itself when it has to (directed EOI, interrupt remapping,
//!   its 82093AA TMR-erratum path, `clear_IO_APIC_pin`): with version 0x20
//!   or more it writes the vector to the EOI register, below 0x20 it masks
//!   the entry, flips it to edge and back. 0x20 gives it the direct path;
//!   QEMU's emulated I/O APIC defaults to 0x20 as well (`IOAPIC_VER_DEF`).
//!   The edge flip works here too (programming
//!   edge mode clears Remote IRR, as QEMU and KVM do), so a guest that
//!   assumes an older I/O APIC is served as well.
//! - **The arbitration register** (0x02, 82093AA section 3.2.3) is kept
//!   although ICH I/O APICs dropped it: it reads the ID, which is what the
//!   82093AA loads into it; Linux only prints it.
//! - **Access sizes.** The datasheet demands 32-bit accesses. A narrower read
//!   inside IOREGSEL or IOWIN returns those bytes of the register; a write
//!   of IOREGSEL or EOI that includes byte 0 takes bits 7:0; a narrower IOWIN
//!   write is ignored. Unaligned accesses crossing a dword, sizes other than
//!   1, 2 and 4, and every other offset of the page read 0 and ignore
//!   writes; so do unimplemented indirect registers (0x03-0x0F, 0x40-0xFF).
//! - **Destination** is the 8-bit field 63:56 in both destination modes (the
//!   82093AA decodes only bits 59:56 in physical mode; later I/O APICs and
//!   guests with APIC IDs above 15 use all eight). The ICH's Extended
//!   Destination ID (bits 55:48) is not offered: bits 55:17 are reserved,
//!   read 0 and cannot be set.
//! - **Polarity** applies to the input: [`IoApic::set_irq`] takes the
//!   electrical level, and an active-low pin is asserted while low. Only
//!   input changes make edges; reprogramming an entry never does.
//! - **Level semantics.** A level-triggered pin sends while it is asserted,
//!   unmasked and Remote IRR is clear; sending sets Remote IRR; an EOI for
//!   the entry's vector clears it, and a pin still asserted sends again. The
//!   same check runs when an entry is written, so unmasking a pin that is
//!   asserted delivers it. SMI, NMI, INIT and ExtINT entries are edge
//!   triggered whatever Trigger Mode says (section 3.2.4, Delivery Mode
//!   table) and never set Remote IRR.
//! - **Masked pins** lose edges, as on the chip ("not delivered or held
//!   pending", section 3.2.4).
//! - **Delivery Status** reads 1 while the pin's message waits in the queue
//!   for [`IoApic::take_delivery`]. A message is built from the entry when
//!   it is sent; a second interrupt on the same pin before it is taken is
//!   merged into it, so at most 24 wait. Masking a pin does not withdraw a
//!   message already sent, as on the chip.
//! - **Illegal vectors.** A hostile guest can program anything. Vectors 0-15
//!   are illegal for Fixed and Lowest Priority delivery (the local APIC sets
//!   "Receive Illegal Vector" in its ESR and does not deliver them; Intel SDM
//!   325462-083US Vol. 3A 11.5.2 "Valid Interrupt Vectors", 11.5.3 "Error
//!   Handling"; the 82093AA allows 10h-FEh). Such an interrupt is not
//!   delivered, does not set Remote IRR, and is counted in
//!   [`IoApic::illegal_vector_count`]. The vector of SMI, NMI and INIT is
//!   ignored, so it is never illegal. Entries with a reserved delivery mode
//!   (011b, 110b) deliver nothing either and are counted in
//!   [`IoApic::reserved_delivery_mode_count`].
//! - **Reset** ([`IoApic::new`], [`IoApic::reset`]): every entry masked with
//!   its other bits 0 (the datasheet defines only the mask bit), IOREGSEL 0,
//!   the ID the hypervisor chose (on a PC the firmware programs it to match
//!   the MADT; here the hypervisor is the firmware).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod delivery;
mod entry;
mod ioapic;
pub mod regs;
mod snapshot;

#[cfg(test)]
mod guest_tests;
#[cfg(test)]
mod hostile_tests;

pub use delivery::Delivery;
pub use entry::{DeliveryMode, RedirectionEntry};
pub use ioapic::IoApic;
pub use regs::PIN_COUNT;
pub use snapshot::IoApicSnapshot;
