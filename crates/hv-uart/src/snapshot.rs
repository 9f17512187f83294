//! A side-effect-free copy of every register, for diagnostics and tests.
//!
//! A guest's reads change the UART (reading RBR pops the FIFO, reading IIR
//! may acknowledge the THRE interrupt, reading LSR and MSR clears their
//! sticky bits; PC16550D datasheet, section 8). The hypervisor must be able to
//! show the state without disturbing the guest, so
//! [`Uart16550::registers`](crate::Uart16550::registers) returns this copy
//! with the values the guest *would* read next.

use crate::regs::{FCR_ENABLE, LCR_DLAB, MCR_LOOPBACK, UART_CLOCK_HZ};
use crate::trigger::RxTrigger;

/// The registers of a [`Uart16550`](crate::Uart16550) at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegisterSnapshot {
    /// Interrupt Enable Register (bits 3:0).
    pub ier: u8,
    /// Interrupt Identification Register, as a read would return it now.
    pub iir: u8,
    /// FIFO Control Register as last programmed (bits 0, 3, 7:6; the clear
    /// bits 1-2 are self-clearing and never stored).
    pub fcr: u8,
    /// Line Control Register.
    pub lcr: u8,
    /// MODEM Control Register (bits 4:0).
    pub mcr: u8,
    /// Line Status Register, as a read would return it now.
    pub lsr: u8,
    /// MODEM Status Register, as a read would return it now.
    pub msr: u8,
    /// Scratch Register.
    pub scr: u8,
    /// Divisor Latch, least significant byte.
    pub dll: u8,
    /// Divisor Latch, most significant byte.
    pub dlm: u8,
    /// Characters waiting in the receiver (FIFO, or the RBR in 16450 mode).
    pub rx_level: usize,
}

impl RegisterSnapshot {
    /// The 16-bit baud-rate divisor, `DLM:DLL`.
    #[must_use]
    pub const fn divisor(&self) -> u16 {
        u16::from_le_bytes([self.dll, self.dlm])
    }

    /// The baud rate the divisor selects with the PC's 1.8432 MHz clock;
    /// `None` for divisor 0, which the datasheet does not define.
    #[must_use]
    pub const fn baud_rate(&self) -> Option<u32> {
        match self.divisor() {
            0 => None,
            divisor => Some(UART_CLOCK_HZ / (16 * divisor as u32)),
        }
    }

    /// Whether the FIFOs are enabled (FCR bit 0).
    #[must_use]
    pub const fn fifos_enabled(&self) -> bool {
        self.fcr & FCR_ENABLE != 0
    }

    /// The receiver FIFO trigger level programmed in FCR bits 7:6.
    #[must_use]
    pub const fn rx_trigger(&self) -> RxTrigger {
        RxTrigger::from_fcr(self.fcr)
    }

    /// Whether loopback mode is on (MCR bit 4).
    #[must_use]
    pub const fn loopback(&self) -> bool {
        self.mcr & MCR_LOOPBACK != 0
    }

    /// Whether the divisor latches are mapped at offsets 0 and 1 (LCR bit 7).
    #[must_use]
    pub const fn dlab(&self) -> bool {
        self.lcr & LCR_DLAB != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(dll: u8, dlm: u8) -> RegisterSnapshot {
        RegisterSnapshot {
            ier: 0,
            iir: 0x01,
            fcr: 0xC1,
            lcr: 0x83,
            mcr: 0x1F,
            lsr: 0x60,
            msr: 0,
            scr: 0,
            dll,
            dlm,
            rx_level: 0,
        }
    }

    #[test]
    fn divisor_and_baud_rate() {
        assert_eq!(snapshot(12, 0).baud_rate(), Some(9600));
        assert_eq!(snapshot(1, 0).baud_rate(), Some(115_200));
        assert_eq!(snapshot(0x80, 0x01).divisor(), 0x0180);
        assert_eq!(snapshot(0x80, 0x01).baud_rate(), Some(300));
        assert_eq!(snapshot(0, 0).baud_rate(), None);
    }

    #[test]
    fn decoded_flags() {
        let s = snapshot(1, 0);
        assert!(s.fifos_enabled() && s.loopback() && s.dlab());
        assert_eq!(s.rx_trigger(), RxTrigger::Fourteen);
        let plain = RegisterSnapshot { fcr: 0, lcr: 0x03, mcr: 0x0B, ..s };
        assert!(!plain.fifos_enabled() && !plain.loopback() && !plain.dlab());
    }
}
