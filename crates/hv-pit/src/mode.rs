//! The six counter modes (control word bits M2-M0).
//!
//! 8254 datasheet, "Control Word Register" and "Mode Definitions". Mode
//! values 6 and 7 are "don't care" in M2 and select modes 2 and 3; the
//! control word keeps the bits as written for the status byte.

/// A counter mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Mode 0: interrupt on terminal count.
    InterruptOnTerminalCount,
    /// Mode 1: hardware retriggerable one-shot.
    HardwareOneShot,
    /// Mode 2 (and 6): rate generator.
    RateGenerator,
    /// Mode 3 (and 7): square wave.
    SquareWave,
    /// Mode 4: software triggered strobe.
    SoftwareStrobe,
    /// Mode 5: hardware triggered (retriggerable) strobe.
    HardwareStrobe,
}

impl Mode {
    /// From M2-M0 (only bits 2:0 of `bits` are looked at).
    pub(crate) const fn from_bits(bits: u8) -> Self {
        match bits & 7 {
            0 => Self::InterruptOnTerminalCount,
            1 => Self::HardwareOneShot,
            2 | 6 => Self::RateGenerator,
            3 | 7 => Self::SquareWave,
            4 => Self::SoftwareStrobe,
            _ => Self::HardwareStrobe,
        }
    }

    /// The mode number 0-5.
    #[must_use]
    pub const fn number(self) -> u8 {
        match self {
            Self::InterruptOnTerminalCount => 0,
            Self::HardwareOneShot => 1,
            Self::RateGenerator => 2,
            Self::SquareWave => 3,
            Self::SoftwareStrobe => 4,
            Self::HardwareStrobe => 5,
        }
    }

    /// OUT right after the control word: low in mode 0, high otherwise
    /// ("Mode Definitions": "OUT goes to a known initial state").
    pub(crate) const fn initial_out(self) -> bool {
        !matches!(self, Self::InterruptOnTerminalCount)
    }

    /// The GATE pin triggers (modes 1 and 5) instead of enabling counting
    /// (figure "Gate Pin Operations Summary").
    pub(crate) const fn gate_triggers(self) -> bool {
        matches!(self, Self::HardwareOneShot | Self::HardwareStrobe)
    }

    /// Modes 2 and 3 reload themselves and run forever.
    pub(crate) const fn is_periodic(self) -> bool {
        matches!(self, Self::RateGenerator | Self::SquareWave)
    }

    /// Modes 4 and 5 pulse OUT low for one clock at terminal count; modes 0
    /// and 1 hold it low until terminal count.
    pub(crate) const fn strobes(self) -> bool {
        matches!(self, Self::SoftwareStrobe | Self::HardwareStrobe)
    }
}

#[cfg(test)]
mod tests {
    use super::Mode;

    #[test]
    fn modes_6_and_7_are_2_and_3() {
        assert_eq!(Mode::from_bits(6), Mode::RateGenerator);
        assert_eq!(Mode::from_bits(7), Mode::SquareWave);
        for bits in 0..8 {
            assert_eq!(Mode::from_bits(bits).number(), if bits >= 6 { bits - 4 } else { bits });
        }
    }

    #[test]
    fn only_mode_0_starts_low() {
        assert!(!Mode::InterruptOnTerminalCount.initial_out());
        assert!(Mode::SquareWave.initial_out());
        assert!(Mode::HardwareOneShot.initial_out());
    }
}
