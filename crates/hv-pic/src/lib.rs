//! `hv-pic`: the virtual 8259A interrupt controller pair each partition
//! sees at ports 0x20/0x21 (master) and 0xA0/0xA1 (slave), with the ELCR
//! edge/level registers at 0x4D0/0x4D1.
//!
//! The hypervisor traps those [`PORTS`] and forwards each access as
//! [`PicPair::read`] or [`PicPair::write`]. Devices (the PIT's OUT0, the
//! UART's interrupt line, ...) drive IRQ lines with [`PicPair::set_irq`] or
//! [`PicPair::pulse_irq`]. When [`PicPair::has_interrupt`] is true and the
//! guest can take an external interrupt, the hypervisor runs the INTA cycle
//! with [`PicPair::acknowledge`] and injects the vector it returns.
//! [`PicPair::state`] shows all registers for a monitor.
//!
//! Behaviour follows the Intel 8259A datasheet ("8259A Programmable
//! Interrupt Controller (8259A/8259A-2)", order number 231468-003); code
//! comments name its sections: "Interrupt Sequence", "Initialization
//! Command Words" (ICW1-ICW4), "Operation Command Words" (OCW1-OCW3),
//! "Fully Nested Mode", "End of Interrupt", "Automatic Rotation", "Specific
//! Rotation", "Special Mask Mode", "Poll Command", "Reading the 8259A
//! Status", "Edge and Level Triggered Modes", "Special Fully Nested Mode",
//! "Cascade Mode". The ELCR follows the PIIX/ICH datasheets.
//!
//! It is pure state: no `unsafe`, no `alloc`, no time. Every byte a guest
//! writes decodes to something; nothing panics or loops on guest input.
//!
//! # Model choices
//!
//! - **Power-on state.** The datasheet leaves it undefined. [`PicPair::new`]
//!   is a chip that has not been initialized: IMR = 0xFF on both chips (all
//!   IRQs masked, as Bochs powers up, so nothing reaches the guest before it
//!   programs the PIC), IRR = ISR = 0, vector bases 0 (as QEMU resets; no
//!   BIOS ran to leave 0x08/0x70), IR7 lowest priority, IRR selected for
//!   reading, ELCR = 0 (all edge), and the PC wiring already in the
//!   cascade registers (master ICW3 = 0x04, slave ID 2, 8086 mode, no AEOI)
//!   so that a guest that only unmasks still gets a working pair.
//!   [`ChipState::initialized`] tells whether a full ICW sequence came.
//! - **Edge-triggered requests latch.** A rising edge sets IRR and IRR
//!   stays set until the INTA, even if the line drops first (QEMU and KVM
//!   do the same). The real chip would instead answer a too-short request
//!   with a default IR7; here that spurious IR7 happens only when nothing
//!   is pending at INTA time (a request masked or, in level mode, dropped
//!   after INT was raised). IRR bits latch whatever the mask says.
//! - **Edge or level comes from the ELCR alone**, as in the PIIX/ICH where
//!   the ELCR replaces ICW1 LTIM; LTIM is recorded ([`ChipState::ltim`]) but
//!   does not make inputs level-triggered.
//! - **IRQ 2** is the cascade input: only the slave's INT drives it, so
//!   `set_irq(2, _)` is ignored. The slave's INT feeds master IR2 as an edge
//!   input (ELCR bit 2 cannot be set).
//! - **8086 mode only.** ICW1 A7-A5/ADI are ignored, ICW2 bits 2:0 too, and
//!   an INTA always returns one 8086-style vector. ICW4 uPM = 0 (MCS-80/85,
//!   also what ICW1 without IC4 selects) is recorded but answered the same
//!   way, as QEMU does: an x86 CPU cannot run the three-byte CALL sequence.
//! - **Buffered mode** (ICW4 BUF, M/S) only concerns the SP/EN pin; it is
//!   recorded and changes nothing. The chips' roles are fixed by wiring.
//! - **Cascade decoding is honoured.** Master IR*n* goes to a slave when the
//!   master is in cascade mode and ICW3 bit *n* is set; only IR2 has a
//!   slave, and it answers only with ID 2 (its ICW3). A cascade that names
//!   no answering slave reads [`FLOATING_BUS_VECTOR`] from the idle bus. In
//!   single mode master IR2 is an ordinary input with vector base + 2.
//! - **Special mask mode** (as Bochs): only IMR limits requests; levels in
//!   service block nothing except themselves. A non-specific EOI then skips
//!   masked ISR bits, as the datasheet's "End of Interrupt" notes.
//! - **ICW1** does what the datasheet lists (edge requests cleared, IMR
//!   cleared, IR7 lowest, slave ID 7, special mask off, IRR selected, ICW4
//!   functions zero without IC4) and also clears ISR, a pending poll and
//!   rotate-in-AEOI, like QEMU and Bochs. A0 = 0 writes are decoded as
//!   ICW1/OCW2/OCW3 even in the middle of a sequence.
//! - **Poll**: the poll byte is `0x80 | level` or 0 when nothing is
//!   requested; it can be read at either port of the chip, acknowledges
//!   that chip only (polling the master for IR2 does not touch the slave).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod chip;
mod command;
mod elcr;
mod init;
mod pair;
pub mod ports;
mod priority;
mod state;

#[cfg(test)]
mod driver_tests;
#[cfg(test)]
mod hammer_tests;
#[cfg(test)]
mod pair_tests;

pub use command::{Icw4, ReadRegister};
pub use init::InitStep;
pub use pair::{PicPair, CASCADE_IRQ, FLOATING_BUS_VECTOR};
pub use ports::PORTS;
pub use state::{ChipState, PicState};
