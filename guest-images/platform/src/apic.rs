//! The local APIC, in either of its two interfaces: x2APIC MSRs or the
//! xAPIC page (SDM Vol. 3A 11.4, 11.12).

use crate::arch::{mmio_read, mmio_write, rdmsr, wrmsr};

/// IA32_APIC_BASE.
pub const APIC_BASE_MSR: u32 = 0x1B;
/// IA32_TSC_DEADLINE.
pub const TSC_DEADLINE_MSR: u32 = 0x6E0;

/// Register offsets (Table 11-1).
pub mod reg {
    /// ID.
    pub const ID: u32 = 0x20;
    /// Version.
    pub const VERSION: u32 = 0x30;
    /// TPR.
    pub const TPR: u32 = 0x80;
    /// EOI.
    pub const EOI: u32 = 0xB0;
    /// SVR.
    pub const SVR: u32 = 0xF0;
    /// ESR.
    pub const ESR: u32 = 0x280;
    /// ICR low.
    pub const ICR: u32 = 0x300;
    /// ICR high (xAPIC).
    pub const ICR_HIGH: u32 = 0x310;
    /// LVT timer.
    pub const LVT_TIMER: u32 = 0x320;
    /// LVT LINT0.
    pub const LVT_LINT0: u32 = 0x350;
    /// LVT error.
    pub const LVT_ERROR: u32 = 0x370;
    /// Timer initial count.
    pub const TIMER_INITIAL: u32 = 0x380;
    /// Timer current count.
    pub const TIMER_CURRENT: u32 = 0x390;
    /// Timer divide configuration.
    pub const TIMER_DIVIDE: u32 = 0x3E0;
}

/// How the APIC is reached.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Apic {
    /// x2APIC: MSR 0x800 + offset / 16.
    X2,
    /// xAPIC: the page at this address.
    X(u64),
}

impl Apic {
    /// Reads the register at `offset`.
    pub fn read(self, offset: u32) -> u32 {
        match self {
            Self::X2 => (rdmsr(0x800 + (offset >> 4)) & 0xFFFF_FFFF) as u32,
            Self::X(base) => mmio_read(base + u64::from(offset)),
        }
    }

    /// Writes the register at `offset`.
    pub fn write(self, offset: u32, value: u32) {
        match self {
            Self::X2 => wrmsr(0x800 + (offset >> 4), u64::from(value)),
            Self::X(base) => mmio_write(base + u64::from(offset), value),
        }
    }

    /// Sends an IPI: `low` is ICR bits 31:0, `destination` the APIC ID.
    pub fn send_ipi(self, low: u32, destination: u32) {
        match self {
            Self::X2 => wrmsr(0x830, (u64::from(destination) << 32) | u64::from(low)),
            Self::X(base) => {
                mmio_write(base + u64::from(reg::ICR_HIGH), destination << 24);
                mmio_write(base + u64::from(reg::ICR), low);
            }
        }
    }

    /// Signals the end of the interrupt in service.
    pub fn eoi(self) {
        self.write(reg::EOI, 0);
    }

    /// Reads the ESR after latching it (write, then read: SDM 11.5.3).
    pub fn esr(self) -> u32 {
        self.write(reg::ESR, 0);
        self.read(reg::ESR)
    }
}

/// Switches the APIC at its current base to x2APIC mode.
pub fn enable_x2apic() {
    let base = rdmsr(APIC_BASE_MSR);
    wrmsr(APIC_BASE_MSR, base | (1 << 11) | (1 << 10));
}
