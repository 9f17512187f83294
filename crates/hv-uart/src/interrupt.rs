//! Interrupt sources, their priority and their IIR encoding.
//!
//! The 16550A has one interrupt output; IIR names the highest-priority
//! condition that is both present and enabled in IER (PC16550D datasheet,
//! section 8.6 "Interrupt Identification Register", Table IV "Interrupt
//! Control Functions"):
//!
//! | priority | IIR 3:0 | source                       | enabled by | cleared by                          |
//! |----------|---------|------------------------------|------------|-------------------------------------|
//! | 1        | 0110    | receiver line status (OE, PE, FE, BI) | ELSI | reading LSR                     |
//! | 2        | 0100    | received data available      | ERBFI      | FIFO below trigger / reading RBR    |
//! | 2        | 1100    | character timeout (FIFO mode) | ERBFI     | reading RBR                         |
//! | 3        | 0010    | transmitter holding register empty | ETBEI | reading IIR (if reported) / writing THR |
//! | 4        | 0000    | MODEM status                 | EDSSI      | reading MSR                         |
//!
//! IIR bit 0 is 1 when nothing is pending (IIR 3:0 = 0001).

use crate::regs::{IER_LINE_STATUS, IER_MODEM_STATUS, IER_RX_DATA, IER_THR_EMPTY, IIR_NO_INTERRUPT};

/// One cause of the UART's interrupt, as IIR reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InterruptSource {
    /// Overrun, parity or framing error, or break (priority 1).
    ReceiverLineStatus,
    /// The receiver holds data (FIFO mode: at least the trigger level) (priority 2).
    ReceivedDataAvailable,
    /// FIFO mode: the receiver FIFO holds fewer characters than the trigger
    /// level and none moved for four character times (priority 2).
    CharacterTimeout,
    /// The transmitter holding register (FIFO) is empty (priority 3).
    TransmitterHoldingEmpty,
    /// A MODEM status input changed (priority 4).
    ModemStatus,
}

impl InterruptSource {
    /// The value of IIR bits 3:0 that reports this source (bit 0 clear:
    /// an interrupt is pending).
    #[must_use]
    pub const fn iir_id(self) -> u8 {
        match self {
            Self::ReceiverLineStatus => 0b0110,
            Self::ReceivedDataAvailable => 0b0100,
            Self::CharacterTimeout => 0b1100,
            Self::TransmitterHoldingEmpty => 0b0010,
            Self::ModemStatus => 0b0000,
        }
    }
}

/// The interrupt conditions present in the UART, before IER gating.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Conditions {
    /// An error bit (OE, PE, FE, BI) is set in LSR.
    pub(crate) line_status: bool,
    /// Received data at or above the trigger level (16450 mode: any data).
    pub(crate) data_available: bool,
    /// FIFO mode: some received data, below the trigger level.
    pub(crate) timeout: bool,
    /// The THRE interrupt latch is set.
    pub(crate) thr_empty: bool,
    /// A MODEM status change indicator is set.
    pub(crate) modem_status: bool,
}

impl Conditions {
    /// The highest-priority condition that `ier` enables, if any.
    pub(crate) const fn highest(self, ier: u8) -> Option<InterruptSource> {
        if self.line_status && ier & IER_LINE_STATUS != 0 {
            Some(InterruptSource::ReceiverLineStatus)
        } else if self.data_available && ier & IER_RX_DATA != 0 {
            Some(InterruptSource::ReceivedDataAvailable)
        } else if self.timeout && ier & IER_RX_DATA != 0 {
            Some(InterruptSource::CharacterTimeout)
        } else if self.thr_empty && ier & IER_THR_EMPTY != 0 {
            Some(InterruptSource::TransmitterHoldingEmpty)
        } else if self.modem_status && ier & IER_MODEM_STATUS != 0 {
            Some(InterruptSource::ModemStatus)
        } else {
            None
        }
    }
}

/// IIR bits 3:0 for `source`: its identification, or "no interrupt pending".
pub(crate) const fn iir_low_bits(source: Option<InterruptSource>) -> u8 {
    match source {
        Some(source) => source.iir_id(),
        None => IIR_NO_INTERRUPT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regs::IER_MASK;

    const ALL: Conditions =
        Conditions { line_status: true, data_available: true, timeout: false, thr_empty: true, modem_status: true };

    #[test]
    fn priority_order_follows_table_iv() {
        assert_eq!(ALL.highest(IER_MASK), Some(InterruptSource::ReceiverLineStatus));
        assert_eq!(ALL.highest(IER_MASK & !IER_LINE_STATUS), Some(InterruptSource::ReceivedDataAvailable));
        assert_eq!(ALL.highest(IER_THR_EMPTY | IER_MODEM_STATUS), Some(InterruptSource::TransmitterHoldingEmpty));
        assert_eq!(ALL.highest(IER_MODEM_STATUS), Some(InterruptSource::ModemStatus));
        let timeout = Conditions { timeout: true, thr_empty: true, ..Conditions::default() };
        assert_eq!(timeout.highest(IER_MASK), Some(InterruptSource::CharacterTimeout));
    }

    #[test]
    fn nothing_is_reported_unless_enabled() {
        assert_eq!(ALL.highest(0), None);
        assert_eq!(Conditions::default().highest(IER_MASK), None);
        assert_eq!(iir_low_bits(None), 0x01);
        assert_eq!(iir_low_bits(ALL.highest(IER_MASK)), 0x06);
        assert_eq!(iir_low_bits(Some(InterruptSource::CharacterTimeout)), 0x0C);
        assert_eq!(iir_low_bits(Some(InterruptSource::ModemStatus)), 0x00);
    }
}
