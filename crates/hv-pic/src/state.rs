//! A read-only view of both chips for a monitor. Taking it changes nothing
//! (unlike reading IRR/ISR through the ports, which needs OCW3 writes, or a
//! poll, which acknowledges).

use crate::command::{Icw4, ReadRegister};
use crate::init::InitStep;

/// The registers and modes of one 8259A.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChipState {
    /// Interrupt Request Register.
    pub irr: u8,
    /// In-Service Register.
    pub isr: u8,
    /// Interrupt Mask Register.
    pub imr: u8,
    /// IR input levels as last driven (the master's IR2 is the slave's INT).
    pub lines: u8,
    /// Level-triggered inputs (ELCR).
    pub level_triggered: u8,
    /// Vector of IR0 (ICW2 with bits 2:0 clear).
    pub vector_base: u8,
    /// The IR with the lowest priority (7 unless rotated).
    pub lowest_priority: u8,
    /// What a read with A0 = 0 returns (OCW3).
    pub read_register: ReadRegister,
    /// A poll command waits for its read.
    pub poll_pending: bool,
    /// Special mask mode (OCW3).
    pub special_mask: bool,
    /// Rotate in automatic EOI mode (OCW2).
    pub rotate_on_auto_eoi: bool,
    /// ICW1 SNGL.
    pub single: bool,
    /// ICW1 LTIM as written (not used; the ELCR decides, see the crate docs).
    pub ltim: bool,
    /// ICW3: master, IR inputs with a slave; slave, its ID.
    pub icw3: u8,
    /// ICW4 functions.
    pub icw4: Icw4,
    /// Position in the initialization sequence.
    pub init_step: InitStep,
    /// A complete initialization sequence has been written since power-on.
    pub initialized: bool,
}

/// Both chips.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PicState {
    /// The master (IRQ 0-7, ports 0x20/0x21).
    pub master: ChipState,
    /// The slave (IRQ 8-15, ports 0xA0/0xA1), cascaded on master IR2.
    pub slave: ChipState,
}

impl PicState {
    /// IRR of both chips as one IRQ 0-15 bit mask.
    #[must_use]
    pub const fn irr(&self) -> u16 {
        u16::from_le_bytes([self.master.irr, self.slave.irr])
    }

    /// ISR of both chips as one IRQ 0-15 bit mask.
    #[must_use]
    pub const fn isr(&self) -> u16 {
        u16::from_le_bytes([self.master.isr, self.slave.isr])
    }

    /// IMR of both chips as one IRQ 0-15 bit mask.
    #[must_use]
    pub const fn imr(&self) -> u16 {
        u16::from_le_bytes([self.master.imr, self.slave.imr])
    }
}
