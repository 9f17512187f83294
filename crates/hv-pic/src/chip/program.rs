//! What the guest's writes do to one 8259A: the initialization sequence
//! (ICW1-ICW4) and the operation command words OCW1-OCW3 (8259A datasheet,
//! "Initialization Command Words", "Operation Command Words").

use super::{Chip, Role};
use crate::command::{CommandWrite, Icw1, Icw4, Ocw2, Ocw3, ReadRegister};
use crate::init::InitStep;
use crate::priority::highest;

impl Chip {
    /// A write with A0 = 0: ICW1, OCW2 or OCW3, whatever the sequence step.
    pub(crate) fn write_command(&mut self, value: u8) {
        match CommandWrite::decode(value) {
            CommandWrite::Icw1(icw1) => self.start_initialization(icw1),
            CommandWrite::Ocw2(ocw2) => self.operate(ocw2),
            CommandWrite::Ocw3(ocw3) => self.select(ocw3),
        }
    }

    /// A write with A0 = 1: the next ICW, or OCW1.
    pub(crate) fn write_data(&mut self, value: u8) {
        self.step = match self.step {
            InitStep::Ready => {
                self.imr = value;
                InitStep::Ready
            }
            InitStep::Icw2 => {
                // 8086 mode: T7-T3; the chip supplies bits 2:0 itself.
                self.vector_base = value & 0xF8;
                InitStep::after_icw2(self.icw1.single, self.icw1.icw4_needed)
            }
            InitStep::Icw3 => {
                self.icw3 = match self.role {
                    Role::Master => value,
                    Role::Slave => value & 7,
                };
                InitStep::after_icw3(self.icw1.icw4_needed)
            }
            InitStep::Icw4 => {
                self.icw4 = Icw4::decode(value);
                InitStep::Ready
            }
        };
        if self.step == InitStep::Ready {
            self.initialized = true;
        }
    }

    /// ICW1: "the following automatically occur": the edge sense circuit is
    /// reset (edge requests cleared; a line already high must go low and
    /// high again), IMR cleared, IR7 lowest priority, slave address 7,
    /// special mask mode cleared, IRR selected for reading, and without IC4
    /// all ICW4 functions zero. Like QEMU and Bochs, the ISR, a pending poll
    /// and rotate-in-AEOI are cleared as well.
    fn start_initialization(&mut self, icw1: Icw1) {
        self.icw1 = icw1;
        self.step = InitStep::Icw2;
        self.irr &= self.level;
        self.isr = 0;
        self.imr = 0;
        self.lowest = 7;
        if self.role == Role::Slave {
            self.icw3 = 7;
        }
        self.special_mask = false;
        self.read_register = ReadRegister::Irr;
        self.poll = false;
        self.rotate_on_auto_eoi = false;
        if !icw1.icw4_needed {
            self.icw4 = Icw4::default();
        }
    }

    /// OCW2 ("End of Interrupt", "Automatic Rotation", "Specific Rotation").
    fn operate(&mut self, ocw2: Ocw2) {
        match ocw2 {
            Ocw2::NonSpecificEoi => {
                self.non_specific_eoi();
            }
            Ocw2::RotateOnNonSpecificEoi => {
                if let Some(ir) = self.non_specific_eoi() {
                    self.lowest = ir;
                }
            }
            Ocw2::SpecificEoi(ir) => self.isr &= !(1 << ir),
            Ocw2::RotateOnSpecificEoi(ir) => {
                self.isr &= !(1 << ir);
                self.lowest = ir;
            }
            Ocw2::SetPriority(ir) => self.lowest = ir,
            Ocw2::RotateInAutoEoi(on) => self.rotate_on_auto_eoi = on,
            Ocw2::NoOperation => {}
        }
    }

    /// Resets the highest-priority ISR bit and returns its level. In
    /// special mask mode, ISR bits masked by IMR are not reset ("End of
    /// Interrupt").
    fn non_specific_eoi(&mut self) -> Option<u8> {
        let eligible = if self.special_mask { self.isr & !self.imr } else { self.isr };
        let ir = highest(eligible, self.lowest)?;
        self.isr &= !(1 << ir);
        Some(ir)
    }

    /// OCW3: special mask mode, poll, and the register read with A0 = 0.
    fn select(&mut self, ocw3: Ocw3) {
        if let Some(on) = ocw3.special_mask {
            self.special_mask = on;
        }
        if let Some(register) = ocw3.read {
            self.read_register = register;
        }
        self.poll = ocw3.poll;
    }
}
