//! The UART itself: what each read and write of offsets 0-7 does.
//!
//! Register behaviour follows the PC16550D datasheet ("PC16550D Universal
//! Asynchronous Receiver/Transmitter with FIFOs"), section 8 "Registers":
//!
//! - **RBR/THR/DLL** (offset 0), **IER/DLM** (offset 1): the divisor latches
//!   replace RBR/THR and IER while LCR bit 7 (DLAB) is set (section 8.3
//!   "Programmable Baud Generator", Table II). Reading RBR takes the oldest
//!   received character; LSR.DR clears when none is left. IER bits 7:4 read 0
//!   (section 8.7 "Interrupt Enable Register").
//! - **IIR** (offset 2, read): highest-priority pending interrupt, bits 7:6
//!   set in FIFO mode, bits 5:4 always 0 (section 8.6, Table IV). Reading it
//!   acknowledges a THRE interrupt, and only when THRE is what it reports.
//! - **FCR** (offset 2, write): bit 0 enables the FIFOs, and the other bits
//!   are only programmed when it is written as 1; changing bit 0 flushes the
//!   FIFOs; bits 1 and 2 clear the receiver and transmitter FIFO and clear
//!   themselves; bits 7:6 set the receiver trigger level (section 8.5 "FIFO
//!   Control Register"). DLAB does not affect offset 2.
//! - **LCR** (offset 3): all eight bits read back (section 8.1 "Line Control
//!   Register").
//! - **MCR** (offset 4): bits 4:0 read back, 7:5 read 0. Bit 4 is loopback:
//!   THR feeds the receiver instead of the line, the receiver input is
//!   disconnected, and MSR bits 7:4 follow MCR bits 3:0 (section 8.8 "MODEM
//!   Control Register").
//! - **LSR** (offset 5): reading clears the error bits OE, PE, FE, BI
//!   (section 8.4 "Line Status Register").
//! - **MSR** (offset 6): reading clears the change indicators, bits 3:0
//!   (section 8.9 "MODEM Status Register").
//! - **SCR** (offset 7): a plain byte of storage (section 8.10 "Scratchpad
//!   Register").
//!
//! The datasheet's own reset values (Table III "UART Reset Configuration")
//! are those of [`Uart16550::new`]. The choices the datasheet leaves open or
//! that a timeless model has to make are listed in the crate documentation.

use crate::fifo::Fifo;
use crate::interrupt::{iir_low_bits, Conditions, InterruptSource};
use crate::modem::ModemInputs;
use crate::regs::{
    DATA, DLL, DLM, FCR, FCR_CLEAR_RX, FCR_DMA_MODE, FCR_ENABLE, FCR_TRIGGER_MASK, IER, IER_MASK, IER_THR_EMPTY, IIR,
    IIR_FIFOS_ENABLED, LCR, LCR_DLAB, LSR, LSR_DATA_READY, LSR_ERROR_BITS, LSR_OVERRUN, LSR_THR_EMPTY, LSR_TX_EMPTY,
    MCR, MCR_LOOPBACK, MCR_MASK, MCR_OUT2, MSR, PORT_COUNT,
};
use crate::snapshot::RegisterSnapshot;
use crate::trigger::RxTrigger;

/// The divisor latch value after [`Uart16550::new`]: 12, i.e. 9600 baud with
/// the PC's 1.8432 MHz clock. (A master reset does not touch the divisor
/// latches, so the datasheet gives no value; 12 is what QEMU and Bochs power
/// up with and what a PC BIOS programs.)
pub const RESET_DIVISOR: u16 = 12;

/// A virtual 16550A UART: the eight registers at base + 0..=7.
///
/// The hypervisor forwards every trapped port access as [`read`](Self::read)
/// or [`write`](Self::write) with the offset from the base port, sends the
/// bytes [`write`](Self::write) returns to the partition's console, and
/// feeds input from the host with [`receive`](Self::receive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uart16550 {
    /// IER bits 3:0.
    ier: u8,
    /// LCR, all bits.
    lcr: u8,
    /// MCR bits 4:0.
    mcr: u8,
    /// SCR.
    scr: u8,
    /// Divisor latch, low byte.
    dll: u8,
    /// Divisor latch, high byte.
    dlm: u8,
    /// FCR bits 0, 3 and 7:6 as last programmed.
    fcr: u8,
    /// Received characters: up to 16 in FIFO mode, at most 1 (the RBR) in
    /// 16450 mode.
    rx: Fifo,
    /// What a read of an empty RBR returns: the last character read from it.
    last_rx: u8,
    /// LSR error bits waiting to be read (only OE ever gets set).
    lsr_errors: u8,
    /// The THRE interrupt latch; only ever set while IER.ETBEI is set.
    thre_pending: bool,
    /// MSR bits 3:0.
    msr_deltas: u8,
    /// The MODEM status inputs from outside (ignored in loopback).
    inputs: ModemInputs,
}

impl Default for Uart16550 {
    fn default() -> Self {
        Self::new()
    }
}

impl Uart16550 {
    /// A UART in its reset state, with nothing connected to its MODEM inputs:
    /// IER = 0, IIR = 0x01, FCR = 0 (16450 mode), LCR = 0, MCR = 0,
    /// LSR = 0x60 (THRE | TEMT), MSR = 0, SCR = 0, divisor [`RESET_DIVISOR`].
    #[must_use]
    pub const fn new() -> Self {
        Self::with_modem_inputs(ModemInputs::NONE)
    }

    /// A UART in its reset state whose MODEM inputs are `inputs` from the
    /// start (no change indicators set), for example
    /// [`ModemInputs::CONNECTED`] so that drivers that check CTS or DSR see
    /// a peer. MSR reads `inputs.msr_bits()` until loopback is entered.
    #[must_use]
    pub const fn with_modem_inputs(inputs: ModemInputs) -> Self {
        let [dll, dlm] = RESET_DIVISOR.to_le_bytes();
        Self {
            ier: 0,
            lcr: 0,
            mcr: 0,
            scr: 0,
            dll,
            dlm,
            fcr: 0,
            rx: Fifo::new(),
            last_rx: 0,
            lsr_errors: 0,
            thre_pending: false,
            msr_deltas: 0,
            inputs,
        }
    }

    /// The guest reads the register at `offset` from the base port.
    ///
    /// Only the low three bits of `offset` are decoded, like the chip's
    /// A0-A2 pins. Reads have the side effects of the hardware: RBR pops the
    /// receiver, IIR acknowledges a reported THRE interrupt, LSR clears the
    /// error bits, MSR clears the change indicators.
    pub fn read(&mut self, offset: u8) -> u8 {
        match offset % PORT_COUNT {
            DLL if self.dlab() => self.dll,
            DATA => self.read_rbr(),
            DLM if self.dlab() => self.dlm,
            IER => self.ier,
            IIR => self.read_iir(),
            LCR => self.lcr,
            MCR => self.mcr,
            LSR => {
                let lsr = self.lsr();
                self.lsr_errors = 0;
                lsr
            }
            MSR => {
                let msr = self.msr();
                self.msr_deltas = 0;
                msr
            }
            // SCR, the only offset left.
            _ => self.scr,
        }
    }

    /// The guest writes `value` to the register at `offset` from the base
    /// port; returns the byte that leaves the UART on its serial output, if
    /// any.
    ///
    /// Only a write to THR (offset 0, DLAB clear) outside loopback mode
    /// transmits. In loopback mode the byte goes to the receiver instead and
    /// this returns `None`. Writes to LSR and MSR (a factory test feature of
    /// the chip) are ignored. Only the low three bits of `offset` are decoded.
    pub fn write(&mut self, offset: u8, value: u8) -> Option<u8> {
        match offset % PORT_COUNT {
            DLL if self.dlab() => self.dll = value,
            DATA => return self.write_thr(value),
            DLM if self.dlab() => self.dlm = value,
            IER => self.write_ier(value),
            FCR => self.write_fcr(value),
            LCR => self.lcr = value,
            MCR => self.write_mcr(value),
            LSR | MSR => {}
            // SCR, the only offset left.
            _ => self.scr = value,
        }
        None
    }

    /// A byte arrives on the serial input from the host.
    ///
    /// Returns `true` if it was stored and nothing was lost. `false` means:
    ///
    /// - FIFO mode, FIFO full: the new byte is lost and LSR.OE set (the
    ///   FIFO keeps its contents);
    /// - 16450 mode, RBR still holds an unread byte: the new byte replaces
    ///   it and LSR.OE is set;
    /// - loopback mode: the serial input is disconnected, the byte is dropped
    ///   and nothing changes.
    ///
    /// Check [`can_receive`](Self::can_receive) first to never lose input.
    pub fn receive(&mut self, byte: u8) -> bool {
        if self.loopback() {
            return false;
        }
        self.accept(byte)
    }

    /// Whether [`receive`](Self::receive) would store a byte without loss.
    #[must_use]
    pub const fn can_receive(&self) -> bool {
        !self.loopback() && if self.fifos_enabled() { !self.rx.is_full() } else { self.rx.is_empty() }
    }

    /// Sets the MODEM status inputs (CTS, DSR, RI, DCD) from outside.
    ///
    /// Changes set the MSR change indicators (and so can raise the MODEM
    /// status interrupt). In loopback mode the inputs are disconnected: the
    /// new state only shows once loopback is left.
    pub fn set_modem_inputs(&mut self, inputs: ModemInputs) {
        let before = self.effective_inputs();
        self.inputs = inputs;
        self.msr_deltas |= before.deltas_to(self.effective_inputs());
    }

    /// Whether the UART's interrupt output is active: some source is both
    /// present and enabled in IER, and IIR bit 0 reads 0.
    #[must_use]
    pub const fn interrupt_pending(&self) -> bool {
        self.interrupt_source().is_some()
    }

    /// The source IIR currently reports, if any (without acknowledging it).
    #[must_use]
    pub const fn interrupt_source(&self) -> Option<InterruptSource> {
        self.conditions().highest(self.ier)
    }

    /// Whether a PC's IRQ line from this UART is asserted: the interrupt
    /// output is active and gated through by MCR OUT 2. In loopback mode the
    /// OUT 2 pin is forced inactive, so the IRQ line is not asserted.
    #[must_use]
    pub const fn irq_asserted(&self) -> bool {
        self.interrupt_pending() && self.mcr & MCR_OUT2 != 0 && !self.loopback()
    }

    /// Every register as the guest would read it next, without side effects.
    #[must_use]
    pub const fn registers(&self) -> RegisterSnapshot {
        RegisterSnapshot {
            ier: self.ier,
            iir: self.iir_value(self.interrupt_source()),
            fcr: self.fcr,
            lcr: self.lcr,
            mcr: self.mcr,
            lsr: self.lsr(),
            msr: self.msr(),
            scr: self.scr,
            dll: self.dll,
            dlm: self.dlm,
            rx_level: self.rx.len(),
        }
    }

    // ----- State derived from the registers ---------------------------------

    /// LCR bit 7: offsets 0 and 1 are the divisor latches.
    const fn dlab(&self) -> bool {
        self.lcr & LCR_DLAB != 0
    }

    /// MCR bit 4.
    const fn loopback(&self) -> bool {
        self.mcr & MCR_LOOPBACK != 0
    }

    /// FCR bit 0.
    const fn fifos_enabled(&self) -> bool {
        self.fcr & FCR_ENABLE != 0
    }

    /// The MODEM inputs MSR shows: the MCR outputs in loopback, else the
    /// lines from outside.
    const fn effective_inputs(&self) -> ModemInputs {
        if self.loopback() {
            ModemInputs::looped_back(self.mcr)
        } else {
            self.inputs
        }
    }

    /// LSR as a read returns it. The transmitter is always empty (THRE and
    /// TEMT): a written byte leaves at once.
    const fn lsr(&self) -> u8 {
        let data_ready = if self.rx.is_empty() { 0 } else { LSR_DATA_READY };
        LSR_THR_EMPTY | LSR_TX_EMPTY | self.lsr_errors | data_ready
    }

    /// MSR as a read returns it.
    const fn msr(&self) -> u8 {
        self.effective_inputs().msr_bits() | self.msr_deltas
    }

    /// IIR for the pending `source`, with the FIFO-enabled bits.
    const fn iir_value(&self, source: Option<InterruptSource>) -> u8 {
        let fifo_bits = if self.fifos_enabled() { IIR_FIFOS_ENABLED } else { 0 };
        iir_low_bits(source) | fifo_bits
    }

    /// The interrupt conditions present, before IER gating.
    ///
    /// The model has no clock, so the character timeout's "four character
    /// times without FIFO activity" has always elapsed by the time the guest
    /// looks: in FIFO mode, data below the trigger level is reported as a
    /// timeout at once.
    const fn conditions(&self) -> Conditions {
        let level = self.rx.len();
        let fifo = self.fifos_enabled();
        let trigger = RxTrigger::from_fcr(self.fcr).level();
        Conditions {
            line_status: self.lsr_errors & LSR_ERROR_BITS != 0,
            data_available: if fifo { level >= trigger } else { level > 0 },
            timeout: fifo && level > 0 && level < trigger,
            thr_empty: self.thre_pending,
            modem_status: self.msr_deltas != 0,
        }
    }

    // ----- Register accesses with effects -----------------------------------

    /// Reads RBR: the oldest received character. An empty receiver returns
    /// the last character read again.
    fn read_rbr(&mut self) -> u8 {
        if let Some(byte) = self.rx.pop() {
            self.last_rx = byte;
        }
        self.last_rx
    }

    /// Reads IIR; acknowledges the THRE interrupt if that is what it reports.
    fn read_iir(&mut self) -> u8 {
        let source = self.interrupt_source();
        if source == Some(InterruptSource::TransmitterHoldingEmpty) {
            self.thre_pending = false;
        }
        self.iir_value(source)
    }

    /// Writes THR. Writing clears the THRE interrupt, and since the byte
    /// moves on at once THR is empty again and the interrupt re-arms.
    fn write_thr(&mut self, byte: u8) -> Option<u8> {
        self.thre_pending = self.ier & IER_THR_EMPTY != 0;
        if self.loopback() {
            // Loopback: the transmitter output feeds the receiver directly;
            // an overrun here is reported like one from the line.
            self.accept(byte);
            None
        } else {
            Some(byte)
        }
    }

    /// Writes IER. Setting ETBEI while THR is empty (always, here) raises a
    /// THRE interrupt, clearing it drops a pending one. The datasheet only
    /// says THRE interrupts are enabled by ETBEI; that enabling one with THR
    /// empty fires it is how the chips behave, and Linux (its THRE test)
    /// and SeaBIOS (port detection) depend on it.
    fn write_ier(&mut self, value: u8) {
        let value = value & IER_MASK;
        if (self.ier ^ value) & IER_THR_EMPTY != 0 {
            self.thre_pending = value & IER_THR_EMPTY != 0;
        }
        self.ier = value;
    }

    /// Writes FCR.
    fn write_fcr(&mut self, value: u8) {
        let enable = value & FCR_ENABLE != 0;
        if enable != self.fifos_enabled() {
            // Switching between 16450 and FIFO mode empties the FIFOs.
            self.rx.clear();
        }
        if !enable {
            // "This bit must be a 1 when other FCR bits are written to or
            // they will not be programmed."
            self.fcr &= !FCR_ENABLE;
            return;
        }
        if value & FCR_CLEAR_RX != 0 {
            self.rx.clear();
        }
        // FCR_CLEAR_TX: the transmitter FIFO is always empty already.
        self.fcr = value & (FCR_ENABLE | FCR_DMA_MODE | FCR_TRIGGER_MASK);
    }

    /// Writes MCR; in loopback, changed outputs show as MSR changes.
    fn write_mcr(&mut self, value: u8) {
        let before = self.effective_inputs();
        self.mcr = value & MCR_MASK;
        self.msr_deltas |= before.deltas_to(self.effective_inputs());
    }

    /// A character completes in the receiver (from the line or from the
    /// loopback); `false` if a character was lost to an overrun.
    fn accept(&mut self, byte: u8) -> bool {
        if self.fifos_enabled() {
            if self.rx.push(byte) {
                return true;
            }
            // The character in the shift register is overwritten, the FIFO
            // keeps its contents.
            self.lsr_errors |= LSR_OVERRUN;
            false
        } else {
            // 16450 mode: the new character replaces an unread one in RBR.
            let lost = !self.rx.is_empty();
            self.rx.clear();
            let stored = self.rx.push(byte);
            debug_assert!(stored, "an empty receiver takes a byte");
            if lost {
                self.lsr_errors |= LSR_OVERRUN;
            }
            !lost
        }
    }
}

#[cfg(test)]
mod tests;
