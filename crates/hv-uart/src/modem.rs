//! The four MODEM status inputs (CTS, DSR, RI, DCD) and their change
//! indicators.
//!
//! MSR bits 7:4 show the current state of the inputs and bits 3:0 record
//! changes since MSR was last read (PC16550D datasheet, section 8.9 "MODEM
//! Status Register"): DCTS, DDSR and DDCD on any change, TERI only when RI
//! goes from active to inactive. In loopback mode (section 8.8 "MODEM Control
//! Register", bit 4) the input pins are disconnected and the inputs follow
//! the MODEM Control Register instead: DTR → DSR, RTS → CTS, OUT 1 → RI and
//! OUT 2 → DCD; changes produced that way are reported like any other.
//!
//! Outside loopback the inputs are whatever the hypervisor says is connected
//! to the port ([`ModemInputs`]); a virtual console is usually
//! [`ModemInputs::CONNECTED`].

use crate::regs::{
    MCR_DTR, MCR_OUT1, MCR_OUT2, MCR_RTS, MSR_CTS, MSR_DCD, MSR_DELTA_CTS, MSR_DELTA_DCD, MSR_DELTA_DSR, MSR_DSR,
    MSR_RI, MSR_TRAILING_RI,
};

/// The state of the MODEM status input lines, `true` meaning asserted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ModemInputs {
    /// Clear To Send (MSR bit 4).
    pub cts: bool,
    /// Data Set Ready (MSR bit 5).
    pub dsr: bool,
    /// Ring Indicator (MSR bit 6).
    pub ri: bool,
    /// Data Carrier Detect (MSR bit 7).
    pub dcd: bool,
}

impl ModemInputs {
    /// Nothing connected: every input inactive (MSR bits 7:4 = 0000).
    pub const NONE: Self = Self { cts: false, dsr: false, ri: false, dcd: false };

    /// A ready peer, as a null-modem cable to a running terminal shows it:
    /// CTS, DSR and DCD asserted, no ring (MSR bits 7:4 = 1011).
    pub const CONNECTED: Self = Self { cts: true, dsr: true, ri: false, dcd: true };

    /// The inputs as MSR bits 7:4 show them (bits 3:0 are 0).
    #[must_use]
    pub const fn msr_bits(self) -> u8 {
        (if self.cts { MSR_CTS } else { 0 })
            | (if self.dsr { MSR_DSR } else { 0 })
            | (if self.ri { MSR_RI } else { 0 })
            | (if self.dcd { MSR_DCD } else { 0 })
    }

    /// The inputs loopback mode derives from the MCR value `mcr`:
    /// DTR → DSR, RTS → CTS, OUT 1 → RI, OUT 2 → DCD.
    #[must_use]
    pub const fn looped_back(mcr: u8) -> Self {
        Self { cts: mcr & MCR_RTS != 0, dsr: mcr & MCR_DTR != 0, ri: mcr & MCR_OUT1 != 0, dcd: mcr & MCR_OUT2 != 0 }
    }

    /// The MSR change indicators (bits 3:0) that a transition from `self` to
    /// `new` sets. RI only counts on its trailing edge (active → inactive).
    #[must_use]
    pub const fn deltas_to(self, new: Self) -> u8 {
        (if self.cts != new.cts { MSR_DELTA_CTS } else { 0 })
            | (if self.dsr != new.dsr { MSR_DELTA_DSR } else { 0 })
            | (if self.ri && !new.ri { MSR_TRAILING_RI } else { 0 })
            | (if self.dcd != new.dcd { MSR_DELTA_DCD } else { 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_wiring_matches_the_datasheet() {
        // OUT2 | OUT1 | RTS | DTR -> DCD | RI | CTS | DSR.
        assert_eq!(ModemInputs::looped_back(0x0F).msr_bits(), 0xF0);
        assert_eq!(ModemInputs::looped_back(MCR_DTR).msr_bits(), MSR_DSR);
        assert_eq!(ModemInputs::looped_back(MCR_RTS).msr_bits(), MSR_CTS);
        assert_eq!(ModemInputs::looped_back(MCR_OUT1).msr_bits(), MSR_RI);
        assert_eq!(ModemInputs::looped_back(MCR_OUT2).msr_bits(), MSR_DCD);
        // Linux's 8250 probe: MCR = LOOP | OUT2 | RTS must read MSR & 0xF0 = 0x90.
        assert_eq!(ModemInputs::looped_back(0x1A).msr_bits(), 0x90);
        assert_eq!(ModemInputs::CONNECTED.msr_bits(), 0xB0);
        assert_eq!(ModemInputs::NONE.msr_bits(), 0);
    }

    #[test]
    fn ring_indicator_reports_only_its_trailing_edge() {
        let ringing = ModemInputs { ri: true, ..ModemInputs::NONE };
        assert_eq!(ModemInputs::NONE.deltas_to(ringing), 0, "leading edge of RI is not reported");
        assert_eq!(ringing.deltas_to(ModemInputs::NONE), MSR_TRAILING_RI);
        assert_eq!(ModemInputs::NONE.deltas_to(ModemInputs::CONNECTED), MSR_DELTA_CTS | MSR_DELTA_DSR | MSR_DELTA_DCD);
        assert_eq!(ModemInputs::CONNECTED.deltas_to(ModemInputs::NONE), MSR_DELTA_CTS | MSR_DELTA_DSR | MSR_DELTA_DCD);
        assert_eq!(ModemInputs::CONNECTED.deltas_to(ModemInputs::CONNECTED), 0);
    }
}
