//! One 8259A: its registers, its initialization sequence, its operation
//! command words, its priority resolver and its side of the INTA cycle.
//!
//! Section names are those of the Intel 8259A datasheet (order number
//! 231468-003). The two chips of a PC differ only in [`Role`], which stands
//! for the SP/EN pin and decides how ICW3 is read and whether special fully
//! nested mode applies.

use crate::command::{Icw1, Icw4, ReadRegister};
use crate::init::InitStep;
use crate::priority::{highest, rank};
use crate::state::ChipState;

mod program;

/// Which chip of the pair this is (the SP/EN pin: high on the master).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// ICW3 is a bit mask of the IR inputs that have a slave.
    Master,
    /// ICW3 bits 2:0 are the slave's ID on the cascade lines.
    Slave,
}

/// One 8259A.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chip {
    role: Role,
    /// IR input levels as last driven.
    lines: u8,
    /// Interrupt Request Register. Edge inputs: latched on a rising edge,
    /// cleared by INTA. Level inputs (`level`): a copy of the line.
    irr: u8,
    /// In-Service Register.
    isr: u8,
    /// Interrupt Mask Register (OCW1).
    imr: u8,
    /// Inputs that are level-triggered (the ELCR bits for this chip).
    level: u8,
    /// ICW2 with bits 2:0 cleared.
    vector_base: u8,
    /// The IR with the lowest priority.
    lowest: u8,
    read_register: ReadRegister,
    /// OCW3 P: the next read is a poll.
    poll: bool,
    special_mask: bool,
    rotate_on_auto_eoi: bool,
    icw1: Icw1,
    /// Master: IR inputs with a slave. Slave: its ID in bits 2:0.
    icw3: u8,
    icw4: Icw4,
    step: InitStep,
    /// A complete initialization sequence has been written.
    initialized: bool,
}

impl Chip {
    /// The power-on state described in the crate documentation: everything
    /// masked, vector base 0, wired as in a PC (cascade on IR2, 8086 mode),
    /// no initialization sequence seen yet.
    pub(crate) const fn new(role: Role) -> Self {
        Self {
            role,
            lines: 0,
            irr: 0,
            isr: 0,
            imr: 0xFF,
            level: 0,
            vector_base: 0,
            lowest: 7,
            read_register: ReadRegister::Irr,
            poll: false,
            special_mask: false,
            rotate_on_auto_eoi: false,
            icw1: Icw1 { icw4_needed: true, single: false, level_triggered: false },
            icw3: match role {
                Role::Master => 1 << 2,
                Role::Slave => 2,
            },
            icw4: Icw4 {
                mode_8086: true,
                auto_eoi: false,
                buffered_master: false,
                buffered: false,
                special_fully_nested: false,
            },
            step: InitStep::Ready,
            initialized: false,
        }
    }

    /// The chip's INT output: a request that the priority resolver lets
    /// through.
    pub(crate) fn int_output(&self) -> bool {
        self.requested().is_some()
    }

    /// The IR the chip would answer an INTA (or a poll) with.
    ///
    /// "Fully Nested Mode": an unmasked request is serviced only if its
    /// priority is above every level in service. "Special Fully Nested
    /// Mode" (master only): a cascade input is not blocked by its own
    /// in-service bit. "Special Mask Mode": in-service levels block nothing,
    /// only the mask does (a level still does not interrupt itself).
    pub(crate) fn requested(&self) -> Option<u8> {
        let pending = self.irr & !self.imr;
        if self.special_mask {
            return highest(pending & !self.isr, self.lowest);
        }
        let candidate = highest(pending, self.lowest)?;
        let mut blocking = self.isr;
        if self.icw4.special_fully_nested && self.role == Role::Master {
            blocking &= !self.icw3;
        }
        match highest(blocking, self.lowest) {
            Some(in_service) if rank(in_service, self.lowest) <= rank(candidate, self.lowest) => None,
            _ => Some(candidate),
        }
    }

    /// The chip's part of an INTA cycle for `ir` ("Interrupt Sequence"): the
    /// ISR bit is set and an edge-triggered IRR bit reset; in AEOI mode the
    /// ISR bit is reset again at the end of the cycle, with rotation if
    /// "rotate in automatic EOI mode" is on.
    pub(crate) fn acknowledge(&mut self, ir: u8) {
        let bit = 1u8 << (ir & 7);
        self.irr &= !(bit & !self.level);
        if self.icw4.auto_eoi {
            if self.rotate_on_auto_eoi {
                self.lowest = ir & 7;
            }
        } else {
            self.isr |= bit;
        }
    }

    /// The vector for `ir` in 8086 mode: T7-T3 from ICW2, IR in bits 2:0.
    pub(crate) const fn vector(&self, ir: u8) -> u8 {
        self.vector_base | (ir & 7)
    }

    /// Master: does IR `ir` have a slave (cascade mode and its ICW3 bit)?
    pub(crate) const fn has_slave_on(&self, ir: u8) -> bool {
        !self.icw1.single && self.icw3 & (1 << (ir & 7)) != 0
    }

    /// Slave: its ID on the cascade lines.
    pub(crate) const fn slave_id(&self) -> u8 {
        self.icw3 & 7
    }

    /// An IR input changes level ("Edge and Level Triggered Modes"). Edge
    /// mode latches a request on a rising edge; the latch stays set when
    /// the line drops again (as in QEMU and KVM, so that a short pulse is
    /// not lost). Level mode follows the line.
    pub(crate) fn set_input(&mut self, ir: u8, high: bool) {
        let bit = 1u8 << (ir & 7);
        let was_high = self.lines & bit != 0;
        if high {
            self.lines |= bit;
        } else {
            self.lines &= !bit;
        }
        if self.level & bit != 0 {
            self.irr = (self.irr & !bit) | (self.lines & bit);
        } else if high && !was_high {
            self.irr |= bit;
        }
    }

    /// Sets which inputs are level-triggered; a level input's request
    /// becomes its line at once.
    pub(crate) fn set_level_triggered(&mut self, level: u8) {
        self.level = level;
        self.irr = (self.irr & !level) | (self.lines & level);
    }

    /// The level-triggered inputs.
    pub(crate) const fn level_triggered(&self) -> u8 {
        self.level
    }

    /// A read with A0 = 0: the poll byte after a poll command, else IRR or
    /// ISR as OCW3 selected ("Reading the 8259A Status").
    pub(crate) fn read_command(&mut self) -> u8 {
        if self.poll {
            return self.poll_read();
        }
        match self.read_register {
            ReadRegister::Irr => self.irr,
            ReadRegister::Isr => self.isr,
        }
    }

    /// A read with A0 = 1: the poll byte after a poll command, else IMR.
    pub(crate) fn read_data(&mut self) -> u8 {
        if self.poll {
            return self.poll_read();
        }
        self.imr
    }

    /// "Poll Command": the read acts as an INTA and returns `I 0 0 0 0 W2 W1
    /// W0`, I = 1 with the level if a request is serviced, else 0.
    fn poll_read(&mut self) -> u8 {
        self.poll = false;
        match self.requested() {
            Some(ir) => {
                self.acknowledge(ir);
                0x80 | ir
            }
            None => 0,
        }
    }

    /// A copy of the registers for inspection.
    pub(crate) const fn snapshot(&self) -> ChipState {
        ChipState {
            irr: self.irr,
            isr: self.isr,
            imr: self.imr,
            lines: self.lines,
            level_triggered: self.level,
            vector_base: self.vector_base,
            lowest_priority: self.lowest,
            read_register: self.read_register,
            poll_pending: self.poll,
            special_mask: self.special_mask,
            rotate_on_auto_eoi: self.rotate_on_auto_eoi,
            single: self.icw1.single,
            ltim: self.icw1.level_triggered,
            icw3: self.icw3,
            icw4: self.icw4,
            init_step: self.step,
            initialized: self.initialized,
        }
    }
}
