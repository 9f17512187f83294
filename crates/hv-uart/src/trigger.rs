//! The receiver FIFO trigger level, FCR bits 7:6.
//!
//! In FIFO mode the "received data available" interrupt is raised once the
//! receiver FIFO holds at least the trigger level, and cleared when it drops
//! below it; fewer characters are announced by the character timeout
//! interrupt instead (PC16550D datasheet, section 8.5 "FIFO Control Register",
//! bits 6-7, and section 8.11 "FIFO Interrupt Mode Operation").

use crate::regs::FCR_TRIGGER_MASK;

/// The number of characters in the receiver FIFO that raises the received
/// data available interrupt in FIFO mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RxTrigger {
    /// FCR bits 7:6 = 00: one character.
    One,
    /// FCR bits 7:6 = 01: four characters.
    Four,
    /// FCR bits 7:6 = 10: eight characters.
    Eight,
    /// FCR bits 7:6 = 11: fourteen characters.
    Fourteen,
}

impl RxTrigger {
    /// The trigger level encoded in bits 7:6 of the FCR value `fcr`.
    #[must_use]
    pub const fn from_fcr(fcr: u8) -> Self {
        match (fcr & FCR_TRIGGER_MASK) >> 6 {
            0 => Self::One,
            1 => Self::Four,
            2 => Self::Eight,
            _ => Self::Fourteen,
        }
    }

    /// The level in characters.
    #[must_use]
    pub const fn level(self) -> usize {
        match self {
            Self::One => 1,
            Self::Four => 4,
            Self::Eight => 8,
            Self::Fourteen => 14,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_bits_7_and_6_only() {
        assert_eq!(RxTrigger::from_fcr(0x01), RxTrigger::One);
        assert_eq!(RxTrigger::from_fcr(0x41), RxTrigger::Four);
        assert_eq!(RxTrigger::from_fcr(0x81), RxTrigger::Eight);
        // 0xC7, the value of the `uart_16550` crate: enable, clear both, 14.
        assert_eq!(RxTrigger::from_fcr(0xC7), RxTrigger::Fourteen);
        assert_eq!(RxTrigger::from_fcr(0x3F), RxTrigger::One, "low bits are ignored");
        let levels: [usize; 4] = [0x00, 0x40, 0x80, 0xC0].map(|fcr| RxTrigger::from_fcr(fcr).level());
        assert_eq!(levels, [1, 4, 8, 14]);
    }
}
