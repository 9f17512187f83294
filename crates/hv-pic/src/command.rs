//! Decoding the bytes a guest writes into 8259A command words.
//!
//! Formats from the 8259A datasheet, "Initialization Command Words" (ICW
//! format figure) and "Operation Command Words (OCWs)" (OCW format figure):
//!
//! - A0 = 0, D4 = 1: **ICW1** (`A7 A6 A5 1 LTIM ADI SNGL IC4`).
//! - A0 = 0, D4 = 0, D3 = 0: **OCW2** (`R SL EOI 0 0 L2 L1 L0`).
//! - A0 = 0, D4 = 0, D3 = 1: **OCW3** (`0 ESMM SMM 0 1 P RR RIS`).
//! - A0 = 1: ICW2 (`T7-T3` of the vector, low 3 bits ignored in 8086 mode),
//!   ICW3 and **ICW4** (`0 0 0 SFNM BUF M/S AEOI uPM`) while an
//!   initialization sequence is running, otherwise OCW1 (the mask).
//!
//! Every byte decodes to something: bits the formats leave at 0 or X are
//! ignored, never rejected.

/// A write with A0 = 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CommandWrite {
    /// D4 = 1: start of the initialization sequence.
    Icw1(Icw1),
    /// D4 = 0, D3 = 0.
    Ocw2(Ocw2),
    /// D4 = 0, D3 = 1.
    Ocw3(Ocw3),
}

impl CommandWrite {
    /// Decodes a byte written with A0 = 0.
    pub(crate) const fn decode(value: u8) -> Self {
        if value & 0x10 != 0 {
            Self::Icw1(Icw1::decode(value))
        } else if value & 0x08 != 0 {
            Self::Ocw3(Ocw3::decode(value))
        } else {
            Self::Ocw2(Ocw2::decode(value))
        }
    }
}

/// ICW1. A7-A5 and ADI only matter in MCS-80/85 mode and are not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Icw1 {
    /// IC4 (D0): an ICW4 follows.
    pub(crate) icw4_needed: bool,
    /// SNGL (D1): the only 8259A in the system, no ICW3.
    pub(crate) single: bool,
    /// LTIM (D3): level-triggered inputs (recorded, see the crate docs).
    pub(crate) level_triggered: bool,
}

impl Icw1 {
    const fn decode(value: u8) -> Self {
        Self { icw4_needed: value & 0x01 != 0, single: value & 0x02 != 0, level_triggered: value & 0x08 != 0 }
    }
}

/// ICW4.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Icw4 {
    /// uPM (D0): 8086/8088 mode (`false`: MCS-80/85 mode).
    pub mode_8086: bool,
    /// AEOI (D1): automatic end of interrupt.
    pub auto_eoi: bool,
    /// M/S (D2): in buffered mode, this chip is the master.
    pub buffered_master: bool,
    /// BUF (D3): buffered mode.
    pub buffered: bool,
    /// SFNM (D4): special fully nested mode.
    pub special_fully_nested: bool,
}

impl Icw4 {
    /// Decodes an ICW4 byte; D7-D5 are ignored.
    pub(crate) const fn decode(value: u8) -> Self {
        Self {
            mode_8086: value & 0x01 != 0,
            auto_eoi: value & 0x02 != 0,
            buffered_master: value & 0x04 != 0,
            buffered: value & 0x08 != 0,
            special_fully_nested: value & 0x10 != 0,
        }
    }
}

/// OCW2, by its R, SL and EOI bits (D7-D5); `u8` payloads are L2-L0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ocw2 {
    /// 001: non-specific EOI.
    NonSpecificEoi,
    /// 011: specific EOI of level L.
    SpecificEoi(u8),
    /// 101: rotate on non-specific EOI.
    RotateOnNonSpecificEoi,
    /// 100 (set) and 000 (clear): rotate in automatic EOI mode.
    RotateInAutoEoi(bool),
    /// 111: rotate on specific EOI of level L.
    RotateOnSpecificEoi(u8),
    /// 110: set priority, L becomes the lowest.
    SetPriority(u8),
    /// 010: no operation.
    NoOperation,
}

impl Ocw2 {
    const fn decode(value: u8) -> Self {
        let level = value & 0x07;
        match value >> 5 {
            0b001 => Self::NonSpecificEoi,
            0b011 => Self::SpecificEoi(level),
            0b101 => Self::RotateOnNonSpecificEoi,
            0b100 => Self::RotateInAutoEoi(true),
            0b000 => Self::RotateInAutoEoi(false),
            0b111 => Self::RotateOnSpecificEoi(level),
            0b110 => Self::SetPriority(level),
            _ => Self::NoOperation,
        }
    }
}

/// Which register a read with A0 = 0 returns (OCW3 RR/RIS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadRegister {
    /// Interrupt Request Register (the state after ICW1).
    Irr,
    /// In-Service Register.
    Isr,
}

/// OCW3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ocw3 {
    /// ESMM = 1: special mask mode becomes SMM; ESMM = 0: no change.
    pub(crate) special_mask: Option<bool>,
    /// P: the next read is a poll.
    pub(crate) poll: bool,
    /// RR = 1: select the register by RIS; RR = 0: no change.
    pub(crate) read: Option<ReadRegister>,
}

impl Ocw3 {
    const fn decode(value: u8) -> Self {
        let special_mask = if value & 0x40 != 0 { Some(value & 0x20 != 0) } else { None };
        let read = match value & 0x03 {
            0b10 => Some(ReadRegister::Irr),
            0b11 => Some(ReadRegister::Isr),
            _ => None,
        };
        Self { special_mask, poll: value & 0x04 != 0, read }
    }
}

#[cfg(test)]
mod tests {
    use super::{CommandWrite, Icw1, Icw4, Ocw2, Ocw3, ReadRegister};

    #[test]
    fn linux_and_mach_icw1_is_edge_cascade_with_icw4() {
        let expected = Icw1 { icw4_needed: true, single: false, level_triggered: false };
        assert_eq!(CommandWrite::decode(0x11), CommandWrite::Icw1(expected));
    }

    #[test]
    fn ocw2_commands() {
        assert_eq!(CommandWrite::decode(0x20), CommandWrite::Ocw2(Ocw2::NonSpecificEoi));
        assert_eq!(CommandWrite::decode(0x62), CommandWrite::Ocw2(Ocw2::SpecificEoi(2)));
        assert_eq!(CommandWrite::decode(0xA0), CommandWrite::Ocw2(Ocw2::RotateOnNonSpecificEoi));
        assert_eq!(CommandWrite::decode(0x80), CommandWrite::Ocw2(Ocw2::RotateInAutoEoi(true)));
        assert_eq!(CommandWrite::decode(0x00), CommandWrite::Ocw2(Ocw2::RotateInAutoEoi(false)));
        assert_eq!(CommandWrite::decode(0xE5), CommandWrite::Ocw2(Ocw2::RotateOnSpecificEoi(5)));
        assert_eq!(CommandWrite::decode(0xC7), CommandWrite::Ocw2(Ocw2::SetPriority(7)));
        assert_eq!(CommandWrite::decode(0x40), CommandWrite::Ocw2(Ocw2::NoOperation));
    }

    #[test]
    fn ocw3_commands() {
        let read_isr = Ocw3 { special_mask: None, poll: false, read: Some(ReadRegister::Isr) };
        assert_eq!(CommandWrite::decode(0x0B), CommandWrite::Ocw3(read_isr));
        let read_irr = Ocw3 { special_mask: None, poll: false, read: Some(ReadRegister::Irr) };
        assert_eq!(CommandWrite::decode(0x0A), CommandWrite::Ocw3(read_irr));
        let poll = Ocw3 { special_mask: None, poll: true, read: None };
        assert_eq!(CommandWrite::decode(0x0C), CommandWrite::Ocw3(poll));
        let set_smm = Ocw3 { special_mask: Some(true), poll: false, read: None };
        assert_eq!(CommandWrite::decode(0x68), CommandWrite::Ocw3(set_smm));
        let clear_smm = Ocw3 { special_mask: Some(false), poll: false, read: None };
        assert_eq!(CommandWrite::decode(0x48), CommandWrite::Ocw3(clear_smm));
    }

    #[test]
    fn icw4_bits() {
        let icw4 = Icw4::decode(0x1F);
        assert!(icw4.mode_8086 && icw4.auto_eoi && icw4.buffered_master && icw4.buffered);
        assert!(icw4.special_fully_nested);
        assert_eq!(Icw4::decode(0xE0), Icw4::default(), "D7-D5 are ignored");
    }
}
