//! Port 0x61, the NMI status and control register, as the PIIX/ICH
//! datasheets define it ("NMI_SC - NMI Status and Control Register"):
//!
//! | bit | name                           | here                                   |
//! |-----|--------------------------------|----------------------------------------|
//! | 7   | SERR# NMI source status (RO)   | 0: no such NMI source                  |
//! | 6   | IOCHK# NMI source status (RO)  | 0                                      |
//! | 5   | Timer counter 2 OUT status (RO)| OUT2                                   |
//! | 4   | Refresh cycle toggle (RO)      | flips every 18 input clocks (15.09 us) |
//! | 3   | IOCHK# NMI enable (R/W)        | stored                                 |
//! | 2   | PCI SERR# enable (R/W)         | stored                                 |
//! | 1   | Speaker data enable (R/W)      | stored (no speaker)                    |
//! | 0   | Timer counter 2 enable (R/W)   | GATE of counter 2                      |
//!
//! The refresh toggle followed counter 1's OUT on the PC/AT, which the BIOS
//! programs in mode 2 with count 18; the ICH keeps that rate. Here it is
//! tied to the input clock at that rate, whatever counter 1 is programmed
//! to, so delay loops that count toggles wait the time they expect.

/// Input clocks per flip of the refresh toggle.
pub const REFRESH_TOGGLE_CLOCKS: u64 = 18;

/// Bits 3:0, the writable ones.
const WRITABLE: u8 = 0x0F;
/// Bit 0: counter 2 gate.
const GATE_2: u8 = 0x01;
/// Bit 4: refresh toggle.
const REFRESH_TOGGLE: u8 = 0x10;
/// Bit 5: OUT2.
const OUT_2: u8 = 0x20;

/// The writable part of port 0x61.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NmiStatusControl {
    writable: u8,
}

impl NmiStatusControl {
    /// Reset value: 0 (gate 2 low, speaker off, NMI sources enabled).
    pub(crate) const fn new() -> Self {
        Self { writable: 0 }
    }

    /// Counter 2's gate.
    pub(crate) const fn gate_2(self) -> bool {
        self.writable & GATE_2 != 0
    }

    /// A write; bits 7:4 are read-only.
    pub(crate) fn write(&mut self, value: u8) {
        self.writable = value & WRITABLE;
    }

    /// A read at input clock `k` with counter 2's OUT at `out_2`.
    pub(crate) fn read(self, k: u64, out_2: bool) -> u8 {
        let toggle = if (k / REFRESH_TOGGLE_CLOCKS) % 2 == 1 { REFRESH_TOGGLE } else { 0 };
        let out = if out_2 { OUT_2 } else { 0 };
        self.writable | toggle | out
    }
}

#[cfg(test)]
mod tests {
    use super::{NmiStatusControl, REFRESH_TOGGLE_CLOCKS};

    #[test]
    fn read_only_bits_ignore_writes() {
        let mut port = NmiStatusControl::new();
        port.write(0xFF);
        assert_eq!(port.read(0, false), 0x0F);
        assert!(port.gate_2());
        assert_eq!(port.read(0, true), 0x2F);
    }

    #[test]
    fn refresh_toggle_flips_every_18_clocks() {
        let port = NmiStatusControl::new();
        let bits: Vec<u8> = (0..4).map(|n| port.read(n * REFRESH_TOGGLE_CLOCKS, false) & 0x10).collect();
        assert_eq!(bits, [0, 0x10, 0, 0x10]);
        assert_eq!(port.read(REFRESH_TOGGLE_CLOCKS - 1, false), 0);
    }
}
