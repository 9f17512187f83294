//! The two 8259As of a PC wired together: master on ports 0x20/0x21, slave
//! on 0xA0/0xA1 with its INT output on master IR2, plus the ELCR pair.
//!
//! Cascading follows the 8259A datasheet, "Cascade Mode" and "Interrupt
//! Sequence": on an INTA the master resolves its own priority; if the
//! winning IR has a slave (ICW3), the master sets its own ISR bit, puts the
//! IR number on the cascade lines, and the slave with that ID runs the rest
//! of the cycle and supplies the vector.

use crate::chip::{Chip, Role};
use crate::elcr::{MASTER_WRITABLE, SLAVE_WRITABLE};
use crate::ports::{ELCR_MASTER, ELCR_SLAVE, MASTER_COMMAND, MASTER_DATA, SLAVE_COMMAND, SLAVE_DATA};
use crate::state::PicState;

/// The master IR input the slave's INT output drives.
pub const CASCADE_IRQ: u8 = 2;

/// What the data bus reads when no chip drives it during INTA (the
/// master's ICW3 names a slave that does not answer).
pub const FLOATING_BUS_VECTOR: u8 = 0xFF;

/// The PC's master/slave 8259A pair with its ELCR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PicPair {
    master: Chip,
    slave: Chip,
}

impl Default for PicPair {
    fn default() -> Self {
        Self::new()
    }
}

impl PicPair {
    /// Both chips in their power-on state (see the crate documentation):
    /// all IRQs masked, no requests, vector bases 0, edge-triggered, wired
    /// for cascade on IR2, waiting for the guest's initialization sequence.
    #[must_use]
    pub const fn new() -> Self {
        Self { master: Chip::new(Role::Master), slave: Chip::new(Role::Slave) }
    }

    /// The guest reads `port`. [`PORTS`](crate::PORTS) are decoded; any
    /// other port reads 0xFF (nothing drives the bus).
    ///
    /// A read after a poll command acts as an interrupt acknowledge of that
    /// chip and can change its state.
    pub fn read(&mut self, port: u16) -> u8 {
        let value = match port {
            MASTER_COMMAND => self.master.read_command(),
            MASTER_DATA => self.master.read_data(),
            SLAVE_COMMAND => self.slave.read_command(),
            SLAVE_DATA => self.slave.read_data(),
            ELCR_MASTER => self.master.level_triggered(),
            ELCR_SLAVE => self.slave.level_triggered(),
            _ => return 0xFF,
        };
        self.update_cascade();
        value
    }

    /// The guest writes `value` to `port`. Ports outside
    /// [`PORTS`](crate::PORTS) are ignored.
    pub fn write(&mut self, port: u16, value: u8) {
        match port {
            MASTER_COMMAND => self.master.write_command(value),
            MASTER_DATA => self.master.write_data(value),
            SLAVE_COMMAND => self.slave.write_command(value),
            SLAVE_DATA => self.slave.write_data(value),
            ELCR_MASTER => self.master.set_level_triggered(value & MASTER_WRITABLE),
            ELCR_SLAVE => self.slave.set_level_triggered(value & SLAVE_WRITABLE),
            _ => return,
        }
        self.update_cascade();
    }

    /// A device drives interrupt line `irq` (0-15) to `high`.
    ///
    /// Edge-triggered lines latch a request on a rising edge; level-
    /// triggered ones (ELCR) request while high. IRQ 2 is the cascade input,
    /// driven by the slave only (on a PC bus the IRQ2 pin goes to IRQ 9),
    /// so `set_irq(2, _)` is ignored, like any `irq` above 15.
    pub fn set_irq(&mut self, irq: u8, high: bool) {
        match irq {
            CASCADE_IRQ | 16.. => return,
            0..=7 => self.master.set_input(irq, high),
            8..=15 => self.slave.set_input(irq - 8, high),
        }
        self.update_cascade();
    }

    /// A rising and a falling edge on `irq`: one request from an edge-
    /// triggered source such as the PIT's OUT0 (see [`set_irq`](Self::set_irq)).
    pub fn pulse_irq(&mut self, irq: u8) {
        self.set_irq(irq, true);
        self.set_irq(irq, false);
    }

    /// The master's INT output: an interrupt is waiting for the CPU.
    #[must_use]
    pub fn has_interrupt(&self) -> bool {
        self.master.int_output()
    }

    /// The CPU's interrupt acknowledge cycle: returns the vector, moves the
    /// request from IRR to ISR (or, in AEOI mode, clears it again).
    ///
    /// - A request on an IR with a slave is passed to the slave, which
    ///   supplies the vector; the master's ISR bit is set as well.
    /// - Nothing pending ([`has_interrupt`](Self::has_interrupt) false, e.g.
    ///   the request went away or was masked): the master answers IR7 and
    ///   sets no ISR bit, the *spurious IRQ 7* ("Interrupt Sequence").
    /// - Master IR2 pending but nothing left on the slave: the master sets
    ///   its ISR bit 2, the slave answers its IR7 without an ISR bit, the
    ///   *spurious IRQ 15*.
    /// - The master's ICW3 names a slave that does not answer (any IR but 2,
    ///   or a slave ID other than 2): [`FLOATING_BUS_VECTOR`].
    pub fn acknowledge(&mut self) -> u8 {
        let vector = match self.master.requested() {
            None => self.master.vector(7),
            Some(ir) if self.master.has_slave_on(ir) => {
                self.master.acknowledge(ir);
                if ir == CASCADE_IRQ && self.slave.slave_id() == CASCADE_IRQ {
                    match self.slave.requested() {
                        Some(slave_ir) => {
                            self.slave.acknowledge(slave_ir);
                            self.slave.vector(slave_ir)
                        }
                        None => self.slave.vector(7),
                    }
                } else {
                    FLOATING_BUS_VECTOR
                }
            }
            Some(ir) => {
                self.master.acknowledge(ir);
                self.master.vector(ir)
            }
        };
        self.update_cascade();
        vector
    }

    /// Both chips' registers, without side effects.
    #[must_use]
    pub const fn state(&self) -> PicState {
        PicState { master: self.master.snapshot(), slave: self.slave.snapshot() }
    }

    /// The slave's INT output is the master's IR2 input.
    fn update_cascade(&mut self) {
        let slave_int = self.slave.int_output();
        self.master.set_input(CASCADE_IRQ, slave_int);
    }
}
