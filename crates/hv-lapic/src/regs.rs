//! Register offsets of the xAPIC page (SDM Vol. 3A Table 11-1) and the MSRs
//! of x2APIC mode (Table 11-6), which are the same registers at
//! `0x800 + offset / 16`.

/// Local APIC ID.
pub const ID: u32 = 0x020;
/// Local APIC version.
pub const VERSION: u32 = 0x030;
/// Task priority register.
pub const TPR: u32 = 0x080;
/// Arbitration priority (xAPIC only).
pub const APR: u32 = 0x090;
/// Processor priority register (read-only).
pub const PPR: u32 = 0x0A0;
/// End of interrupt (write-only).
pub const EOI: u32 = 0x0B0;
/// Remote read (xAPIC only, reads 0).
pub const RRD: u32 = 0x0C0;
/// Logical destination register.
pub const LDR: u32 = 0x0D0;
/// Destination format register (xAPIC only).
pub const DFR: u32 = 0x0E0;
/// Spurious-interrupt vector register.
pub const SVR: u32 = 0x0F0;
/// In-service register, eight 32-bit words at 0x100-0x170.
pub const ISR0: u32 = 0x100;
/// Trigger-mode register, 0x180-0x1F0.
pub const TMR0: u32 = 0x180;
/// Interrupt-request register, 0x200-0x270.
pub const IRR0: u32 = 0x200;
/// Error status register.
pub const ESR: u32 = 0x280;
/// LVT corrected machine-check interrupt (not offered: see [`LVT_ENTRIES`]).
pub const LVT_CMCI: u32 = 0x2F0;
/// Interrupt command register, low half.
pub const ICR_LOW: u32 = 0x300;
/// Interrupt command register, high half (xAPIC only).
pub const ICR_HIGH: u32 = 0x310;
/// LVT timer.
pub const LVT_TIMER: u32 = 0x320;
/// LVT thermal sensor.
pub const LVT_THERMAL: u32 = 0x330;
/// LVT performance-monitoring counters.
pub const LVT_PERF: u32 = 0x340;
/// LVT LINT0.
pub const LVT_LINT0: u32 = 0x350;
/// LVT LINT1.
pub const LVT_LINT1: u32 = 0x360;
/// LVT error.
pub const LVT_ERROR: u32 = 0x370;
/// Timer initial count.
pub const TIMER_INITIAL: u32 = 0x380;
/// Timer current count (read-only).
pub const TIMER_CURRENT: u32 = 0x390;
/// Timer divide configuration.
pub const TIMER_DIVIDE: u32 = 0x3E0;
/// SELF IPI (x2APIC only, write-only).
pub const SELF_IPI: u32 = 0x3F0;

/// The LVT entries this APIC implements, in register order: timer,
/// thermal, performance, LINT0, LINT1, error. The version register's "max
/// LVT entry" is therefore 5, as on processors without CMCI; the CMCI
/// register does not exist (SDM 11.5.1).
pub const LVT_ENTRIES: usize = MAX_LVT_ENTRY as usize + 1;

/// The version register's "max LVT entry": the index of the last LVT entry.
pub const MAX_LVT_ENTRY: u32 = 5;

/// The version register: version 0x14 (an integrated APIC), max LVT entry 5,
/// no EOI-broadcast suppression (SDM 11.4.8, Figure 11-7).
pub const VERSION_VALUE: u32 = 0x14 | (MAX_LVT_ENTRY << 16);

/// IA32_APIC_BASE.
pub const MSR_APIC_BASE: u32 = 0x1B;
/// IA32_TSC_DEADLINE (SDM 11.5.4.1).
pub const MSR_TSC_DEADLINE: u32 = 0x6E0;
/// The first x2APIC MSR.
pub const MSR_X2APIC_FIRST: u32 = 0x800;
/// The last x2APIC MSR.
pub const MSR_X2APIC_LAST: u32 = 0x8FF;

/// The xAPIC page offset of x2APIC MSR `msr` (Table 11-6: MSR address =
/// 0x800 + offset >> 4), if it is in the x2APIC range.
pub const fn offset_of_msr(msr: u32) -> Option<u32> {
    if msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST {
        Some((msr - MSR_X2APIC_FIRST) << 4)
    } else {
        None
    }
}
