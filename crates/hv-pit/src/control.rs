//! Decoding a byte written to the control word register (port 0x43).
//!
//! 8254 datasheet, "Control Word Register" (figure "Control Word Format"):
//! `SC1 SC0 RW1 RW0 M2 M1 M0 BCD`. SC = 11 makes it a read-back command
//! ("Read-Back Command", figure "Read-Back Command Format": `1 1 COUNT#
//! STATUS# CNT2 CNT1 CNT0 0`, COUNT# and STATUS# active low); RW = 00 makes
//! it a counter latch command ("Counter Latch Command"). Every byte decodes.

/// One of the three counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Counter 0, port 0x40: OUT drives IRQ0.
    Zero,
    /// Counter 1, port 0x41: the old DRAM refresh counter.
    One,
    /// Counter 2, port 0x42: gate and OUT through port 0x61, the speaker.
    Two,
}

impl Channel {
    /// All three, in order.
    pub const ALL: [Self; 3] = [Self::Zero, Self::One, Self::Two];

    /// 0, 1 or 2.
    #[must_use]
    pub const fn index(self) -> usize {
        match self {
            Self::Zero => 0,
            Self::One => 1,
            Self::Two => 2,
        }
    }
}

/// How the count is read and written (RW1 RW0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// 01: least significant byte only (the MSB of a written count is 0).
    Lsb,
    /// 10: most significant byte only (the LSB of a written count is 0).
    Msb,
    /// 11: least significant byte first, then most significant byte.
    LsbThenMsb,
}

impl Access {
    /// RW1 RW0 as they sit in bits 5:4 of the control and status bytes.
    pub(crate) const fn bits(self) -> u8 {
        match self {
            Self::Lsb => 0b01,
            Self::Msb => 0b10,
            Self::LsbThenMsb => 0b11,
        }
    }
}

/// A decoded control word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// Program a counter: access, mode bits M2-M0 as written, BCD.
    Program { channel: Channel, access: Access, mode_bits: u8, bcd: bool },
    /// Latch a counter's count.
    LatchCount(Channel),
    /// Latch the count and/or status of the counters in `channels` (bit 0
    /// = counter 0).
    ReadBack { count: bool, status: bool, channels: u8 },
}

impl Command {
    /// Decodes a control word byte.
    pub(crate) const fn decode(value: u8) -> Self {
        let channel = match value >> 6 {
            0 => Channel::Zero,
            1 => Channel::One,
            2 => Channel::Two,
            _ => {
                return Self::ReadBack {
                    count: value & 0x20 == 0,
                    status: value & 0x10 == 0,
                    channels: (value >> 1) & 0x07,
                }
            }
        };
        let access = match (value >> 4) & 3 {
            0 => return Self::LatchCount(channel),
            1 => Access::Lsb,
            2 => Access::Msb,
            _ => Access::LsbThenMsb,
        };
        Self::Program { channel, access, mode_bits: (value >> 1) & 7, bcd: value & 1 != 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::{Access, Channel, Command};

    #[test]
    fn linux_control_words() {
        // 0x34: counter 0, LSB then MSB, mode 2, binary (the periodic tick).
        let tick = Command::Program { channel: Channel::Zero, access: Access::LsbThenMsb, mode_bits: 2, bcd: false };
        assert_eq!(Command::decode(0x34), tick);
        // 0xB0: counter 2, LSB then MSB, mode 0 (TSC calibration).
        let calibrate =
            Command::Program { channel: Channel::Two, access: Access::LsbThenMsb, mode_bits: 0, bcd: false };
        assert_eq!(Command::decode(0xB0), calibrate);
    }

    #[test]
    fn latch_and_read_back() {
        assert_eq!(Command::decode(0x00), Command::LatchCount(Channel::Zero));
        assert_eq!(Command::decode(0x80), Command::LatchCount(Channel::Two));
        assert_eq!(Command::decode(0xC2), Command::ReadBack { count: true, status: true, channels: 0b001 });
        assert_eq!(Command::decode(0xE4), Command::ReadBack { count: false, status: true, channels: 0b010 });
        assert_eq!(Command::decode(0xD8), Command::ReadBack { count: true, status: false, channels: 0b100 });
        assert_eq!(Command::decode(0xFF), Command::ReadBack { count: false, status: false, channels: 0b111 });
    }

    #[test]
    fn mode_bits_and_bcd_are_kept_as_written() {
        let word = Command::Program { channel: Channel::One, access: Access::Lsb, mode_bits: 7, bcd: true };
        assert_eq!(Command::decode(0x5F), word);
    }
}
