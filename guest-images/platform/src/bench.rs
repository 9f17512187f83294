//! Interrupt-path measurements for `cargo xtask bench`, printed as
//! `bench: <name> median <n> min <n> max <n> samples <n>`: from a
//! TSC-deadline timer's deadline to the first instruction of the guest's
//! handler, and the cost of an EOI through x2APIC (WRMSR) and xAPIC (an
//! MMIO write the hypervisor decodes). In Bochs one TSC tick is one
//! instruction, so these count the hypervisor's instructions on the path.

use crate::apic::{self, reg, Apic, TSC_DEADLINE_MSR};
use crate::arch::{self, rdtsc};
use crate::interrupts;
use crate::say;
use crate::timers::Clocks;

const SAMPLES: usize = 31;

fn report(name: &str, samples: &mut [u64; SAMPLES]) {
    samples.sort_unstable();
    say!(
        "bench: {name} median {} min {} max {} samples {SAMPLES}",
        samples[SAMPLES / 2],
        samples[0],
        samples[SAMPLES - 1]
    );
}

/// TSC-deadline interrupts 0.5 ms apart: deadline to handler entry.
pub fn interrupt_latency(apic: Apic, clocks: &Clocks) {
    apic.write(reg::LVT_TIMER, u32::from(interrupts::TIMER) | 0b10 << 17);
    let mut samples = [0u64; SAMPLES];
    for sample in &mut samples {
        interrupts::reset(interrupts::TIMER);
        let deadline = rdtsc() + clocks.tsc_hz / 2000;
        arch::wrmsr(TSC_DEADLINE_MSR, deadline);
        let start = rdtsc();
        while interrupts::count(interrupts::TIMER) == 0 && rdtsc().wrapping_sub(start) < clocks.tsc_hz {
            arch::wait_for_interrupt();
        }
        *sample = interrupts::last_tsc(interrupts::TIMER).saturating_sub(deadline);
    }
    report("irq-latency", &mut samples);
}

/// The round trip of an EOI write (nothing in service: the same path).
pub fn eoi_cost(apic: Apic, name: &str) {
    let mut samples = [0u64; SAMPLES];
    for sample in &mut samples {
        let start = rdtsc();
        apic.eoi();
        *sample = rdtsc().wrapping_sub(start);
    }
    report(name, &mut samples);
}

/// All of them, in x2APIC mode then back in xAPIC mode (the APIC is left
/// as it was found: xAPIC at the default base, software-enabled).
pub fn run(clocks: &Clocks) {
    apic::enable_x2apic();
    interrupts::use_apic(Apic::X2);
    interrupt_latency(Apic::X2, clocks);
    eoi_cost(Apic::X2, "eoi-x2apic");
    let base = arch::rdmsr(apic::APIC_BASE_MSR);
    arch::wrmsr(apic::APIC_BASE_MSR, base & !((1 << 11) | (1 << 10)));
    arch::wrmsr(apic::APIC_BASE_MSR, 0xFEE0_0000 | (1 << 11));
    let xapic = Apic::X(0xFEE0_0000);
    xapic.write(reg::SVR, 0x100 | u32::from(interrupts::SPURIOUS));
    interrupts::use_apic(xapic);
    eoi_cost(xapic, "eoi-xapic");
}
