//! The local APIC timer in its three modes, measured against the TSC
//! (SDM Vol. 3A 11.5.4). Each measurement must agree with the frequency
//! CPUID leaf 0x15 announces to within 2 %.

use crate::apic::{reg, Apic, TSC_DEADLINE_MSR};
use crate::arch::{self, rdtsc};
use crate::measure::{error_permille, percent, wait_for, TOLERANCE_PERMILLE};
use crate::{check, interrupts, say};

/// The clocks CPUID announces.
pub struct Clocks {
    /// TSC frequency.
    pub tsc_hz: u64,
    /// The APIC timer's input clock (the core crystal).
    pub crystal_hz: u64,
}

impl Clocks {
    /// From CPUID leaf 0x15: TSC = crystal * EBX / EAX.
    pub fn from_cpuid() -> Self {
        let (denominator, numerator, crystal, _) = arch::cpuid(0x15, 0);
        let crystal_hz = u64::from(crystal);
        let tsc_hz = if denominator == 0 { 0 } else { crystal_hz * u64::from(numerator) / u64::from(denominator) };
        Self { tsc_hz, crystal_hz }
    }

    /// TSC ticks for `counts` timer counts at divide-by-1.
    fn tsc_for_counts(&self, counts: u64) -> u64 {
        u64::try_from(u128::from(counts) * u128::from(self.tsc_hz) / u128::from(self.crystal_hz.max(1)))
            .unwrap_or(u64::MAX)
    }
}

/// One-shot: 10 ms of counts at divide-by-1. The current-count register
/// read twice gives the counting rate; the interrupt's arrival the
/// expiry time.
pub fn lapic_one_shot(apic: Apic, clocks: &Clocks) {
    let counts = clocks.crystal_hz / 100;
    interrupts::reset(interrupts::TIMER);
    apic.write(reg::TIMER_DIVIDE, 0b1011);
    apic.write(reg::LVT_TIMER, u32::from(interrupts::TIMER));
    let start = rdtsc();
    apic.write(reg::TIMER_INITIAL, u32::try_from(counts).unwrap_or(u32::MAX));
    // Two samples of the current count 2 ms apart: the cost of reaching
    // the register is the same for both and cancels out.
    let first_at = rdtsc();
    let first = apic.read(reg::TIMER_CURRENT);
    while rdtsc().wrapping_sub(first_at) < clocks.tsc_hz / 500 {
        core::hint::spin_loop();
    }
    let second_at = rdtsc();
    let second = apic.read(reg::TIMER_CURRENT);
    let counted = u64::from(first.saturating_sub(second));
    let sampled = second_at.wrapping_sub(first_at);
    let rate_hz =
        u64::try_from(u128::from(counted) * u128::from(clocks.tsc_hz) / u128::from(sampled.max(1))).unwrap_or(0);
    let error = error_permille(rate_hz, clocks.crystal_hz);
    check(
        error <= TOLERANCE_PERMILLE,
        format_args!("LAPIC one-shot counts at {rate_hz} Hz (error {})", percent(error)),
    );
    wait_for(interrupts::TIMER, 1, clocks);
    let elapsed = interrupts::last_tsc(interrupts::TIMER).wrapping_sub(start);
    let expected = clocks.tsc_for_counts(counts);
    let error = error_permille(elapsed, expected);
    check(
        interrupts::count(interrupts::TIMER) == 1 && error <= TOLERANCE_PERMILLE,
        format_args!("LAPIC one-shot fired after {elapsed} TSC ticks, expected {expected} (error {})", percent(error)),
    );
    check(apic.read(reg::TIMER_CURRENT) == 0, format_args!("LAPIC one-shot count is 0 after expiry"));
}

/// Periodic: 1 ms periods at divide-by-16; 20 interrupts must take 20 ms.
pub fn lapic_periodic(apic: Apic, clocks: &Clocks) {
    const PERIODS: u64 = 20;
    let counts = clocks.crystal_hz / 1000 / 16;
    interrupts::reset(interrupts::TIMER);
    apic.write(reg::TIMER_DIVIDE, 0b0011);
    apic.write(reg::LVT_TIMER, u32::from(interrupts::TIMER) | 1 << 17);
    let start = rdtsc();
    apic.write(reg::TIMER_INITIAL, u32::try_from(counts).unwrap_or(u32::MAX));
    wait_for(interrupts::TIMER, PERIODS, clocks);
    let elapsed = interrupts::last_tsc(interrupts::TIMER).wrapping_sub(start);
    apic.write(reg::TIMER_INITIAL, 0);
    let expected = clocks.tsc_for_counts(counts * 16 * PERIODS);
    let error = error_permille(elapsed, expected);
    let seen = interrupts::count(interrupts::TIMER);
    check(
        seen >= PERIODS && error <= TOLERANCE_PERMILLE,
        format_args!(
            "LAPIC periodic: {seen} interrupts in {elapsed} TSC ticks, expected {expected} (error {})",
            percent(error)
        ),
    );
}

/// TSC-deadline: a deadline 5 ms ahead fires at it, not before.
pub fn lapic_tsc_deadline(apic: Apic, clocks: &Clocks) {
    interrupts::reset(interrupts::TIMER);
    apic.write(reg::LVT_TIMER, u32::from(interrupts::TIMER) | 0b10 << 17);
    let start = rdtsc();
    let interval = clocks.tsc_hz / 200;
    let deadline = start + interval;
    arch::wrmsr(TSC_DEADLINE_MSR, deadline);
    check(arch::rdmsr(TSC_DEADLINE_MSR) == deadline, format_args!("IA32_TSC_DEADLINE reads back the deadline"));
    wait_for(interrupts::TIMER, 1, clocks);
    let fired = interrupts::last_tsc(interrupts::TIMER);
    let elapsed = fired.wrapping_sub(start);
    let error = error_permille(elapsed, interval);
    check(
        interrupts::count(interrupts::TIMER) == 1 && fired >= deadline && error <= TOLERANCE_PERMILLE,
        format_args!(
            "TSC-deadline fired {} TSC ticks after the deadline (error {})",
            fired.wrapping_sub(deadline),
            percent(error)
        ),
    );
    check(arch::rdmsr(TSC_DEADLINE_MSR) == 0, format_args!("IA32_TSC_DEADLINE is 0 after firing"));
    say!("TSC-deadline interrupt latency: {} TSC ticks", fired.wrapping_sub(deadline));
}
