//! Binary or BCD counting (control word bit 0, "BCD").
//!
//! 8254 datasheet, "Control Word Register" and "Operation Common to All
//! Modes" ("Counter"): a binary counter runs through 16 bits and an initial
//! count of 0 means 2^16; a BCD counter has four decades and 0 means 10^4.
//! After terminal count the one-shot modes wrap to FFFF (binary) or 9999
//! (BCD) and go on counting.
//!
//! Counts are kept as plain numbers: the number of clocks a count stands
//! for (its *distance*, 1 ..= 65536 or 1 ..= 10000) and counting element
//! values in `0 .. modulus`; only the bytes the guest reads and writes are
//! BCD. A BCD count with a digit above 9 (which the datasheet does not
//! define) is taken digit by digit, `d3*1000 + d2*100 + d1*10 + d0`, which
//! is how many decrements a digit-by-digit BCD counter needs to reach 0
//! from it; such a count can stand for up to 16665 clocks and reads back as
//! the valid BCD value of its number modulo 10000.

/// How a counter counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountFormat {
    /// 16-bit binary.
    Binary,
    /// Four BCD decades.
    Bcd,
}

impl CountFormat {
    /// From control word bit 0.
    pub(crate) const fn from_bcd_bit(bcd: bool) -> Self {
        if bcd {
            Self::Bcd
        } else {
            Self::Binary
        }
    }

    /// The counting element wraps modulo this.
    pub(crate) const fn modulus(self) -> u32 {
        match self {
            Self::Binary => 0x1_0000,
            Self::Bcd => 10_000,
        }
    }

    /// The number of clocks the written count `raw` stands for (never 0).
    pub(crate) const fn distance(self, raw: u16) -> u32 {
        let value = match self {
            Self::Binary => raw as u32,
            Self::Bcd => {
                let raw = raw as u32;
                (raw >> 12 & 0xF) * 1000 + (raw >> 8 & 0xF) * 100 + (raw >> 4 & 0xF) * 10 + (raw & 0xF)
            }
        };
        if value == 0 {
            self.modulus()
        } else {
            value
        }
    }

    /// The 16 bits a read returns for counting element value `value`.
    pub(crate) fn encode(self, value: u32) -> u16 {
        let value = value % self.modulus();
        let bits = match self {
            Self::Binary => value,
            Self::Bcd => (value / 1000) << 12 | (value / 100 % 10) << 8 | (value / 10 % 10) << 4 | (value % 10),
        };
        // Below 0x1_0000 in both cases.
        u16::try_from(bits).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::CountFormat::{Bcd, Binary};

    #[test]
    fn zero_is_the_full_range() {
        assert_eq!(Binary.distance(0), 65_536);
        assert_eq!(Bcd.distance(0), 10_000);
        assert_eq!(Binary.encode(65_536), 0);
        assert_eq!(Bcd.encode(10_000), 0);
    }

    #[test]
    fn bcd_round_trip() {
        assert_eq!(Bcd.distance(0x1234), 1234);
        assert_eq!(Bcd.encode(1234), 0x1234);
        assert_eq!(Bcd.encode(9999), 0x9999);
        assert_eq!(Bcd.distance(0x9999), 9999);
        for value in 1..10_000 {
            assert_eq!(Bcd.distance(Bcd.encode(value)), value);
        }
    }

    #[test]
    fn invalid_bcd_digits_count_digit_by_digit() {
        assert_eq!(Bcd.distance(0x000F), 15);
        assert_eq!(Bcd.distance(0x001F), 25);
        assert_eq!(Bcd.distance(0xFFFF), 16_665);
        assert_eq!(Bcd.encode(16_665), 0x6665);
    }

    #[test]
    fn binary_is_identity() {
        assert_eq!(Binary.distance(0x1234), 0x1234);
        assert_eq!(Binary.encode(0xFFFF), 0xFFFF);
    }
}
