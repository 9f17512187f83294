//! An interrupt storm, on purpose (`storm` on the command line): the APIC
//! timer in periodic mode at its shortest period (an initial count of 1 at
//! divide-by-1: 25 million interrupts a second asked for) and self-IPIs in
//! a loop, forever. The hypervisor must keep it to this partition's own
//! time: the other partitions' shares stay as scheduled (the scenario
//! checks them), and the timer's interrupts are coalesced rather than
//! taking the CPU.

use crate::apic::{self, reg, Apic};
use crate::arch::{self, rdtsc};
use crate::interrupts;
use crate::say;
use crate::timers::Clocks;

/// Never returns.
pub fn run(clocks: &Clocks) -> ! {
    apic::enable_x2apic();
    let apic = Apic::X2;
    interrupts::use_apic(apic);
    apic.write(reg::SVR, 0x100 | u32::from(interrupts::SPURIOUS));
    apic.write(reg::TIMER_DIVIDE, 0b1011);
    apic.write(reg::LVT_TIMER, u32::from(interrupts::TIMER) | 1 << 17);
    apic.write(reg::TIMER_INITIAL, 1);
    say!("storm: periodic APIC timer with an initial count of 1, and self-IPIs in a loop");
    let mut next_report = rdtsc() + clocks.tsc_hz / 10;
    loop {
        arch::enable_interrupts();
        for _ in 0..64 {
            Apic::X2.write(0x3F0, u32::from(interrupts::SELF_IPI_MSR));
        }
        arch::disable_interrupts();
        if rdtsc() >= next_report {
            say!(
                "storm: {} timer interrupts, {} self-IPIs taken so far",
                interrupts::count(interrupts::TIMER),
                interrupts::count(interrupts::SELF_IPI_MSR)
            );
            next_report = rdtsc() + clocks.tsc_hz / 10;
        }
    }
}
