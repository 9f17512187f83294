//! The clocks a partition's devices run on, and how the guest learns them.
//!
//! Guests read the host's TSC directly (RDTSC does not exit), so the TSC
//! frequency is the hypervisor's calibrated one. The local APIC timer runs
//! on a 25 MHz "crystal", the value Intel client and server parts of the
//! Skylake generation and later report (SDM Vol. 3A 19.7.3, Table 19-84
//! footnote): CPUID leaf 0x15 tells both, so a guest needs no calibration.

use hv_lapic::TimerClock;

/// The core crystal clock the APIC timer counts (before its divider).
pub const CRYSTAL_HZ: u64 = 25_000_000;

/// The APIC timer's clocks for a TSC of `tsc_hz`.
pub fn timer_clock(tsc_hz: u64) -> TimerClock {
    TimerClock { tsc_hz, timer_hz: CRYSTAL_HZ }
}

/// CPUID leaf 0x15 (SDM Vol. 2A CPUID, "Time Stamp Counter and Nominal Core
/// Crystal Clock Information Leaf"): EAX = denominator, EBX = numerator of
/// TSC/crystal, ECX = crystal Hz. TSC = ECX * EBX / EAX, exact to 1 kHz.
pub fn leaf_15(tsc_hz: u64) -> (u32, u32, u32) {
    let crystal_khz = CRYSTAL_HZ / 1000;
    let tsc_khz = u32::try_from(tsc_hz / 1000).unwrap_or(u32::MAX);
    (u32::try_from(crystal_khz).unwrap_or(0), tsc_khz, u32::try_from(CRYSTAL_HZ).unwrap_or(0))
}

/// CPUID leaf 0x16 ("Processor Frequency Information Leaf"): base and
/// maximum frequency in MHz (the TSC's), bus (reference) frequency in MHz.
pub fn leaf_16(tsc_hz: u64) -> (u32, u32, u32) {
    let mhz = u32::try_from(tsc_hz / 1_000_000).unwrap_or(u32::MAX);
    (mhz, mhz, u32::try_from(CRYSTAL_HZ / 1_000_000).unwrap_or(0))
}

/// The hypervisor timing leaf 0x4000_0010 that VMware defined and KVM and
/// Linux read (Linux `arch/x86/kernel/cpu/vmware.c`): EAX = TSC kHz,
/// EBX = APIC bus (timer) kHz.
pub fn leaf_4000_0010(tsc_hz: u64) -> (u32, u32) {
    (u32::try_from(tsc_hz / 1000).unwrap_or(u32::MAX), u32::try_from(CRYSTAL_HZ / 1000).unwrap_or(0))
}
