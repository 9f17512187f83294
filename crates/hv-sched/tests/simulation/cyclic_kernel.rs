//! The kernel's cyclic-mode loop, written against the fake machine exactly as
//! the crate documentation tells the real kernel to write it.
//!
//! Why here and not in the kernel: this is the reference for "when to call
//! what", and running it against a misbehaving machine is how the whole-run
//! properties (shares, bounded overrun, anchored frames) are checked.

use hv_sched::{timer_value, CpuAccounting, CyclicSchedule, Slot};

use crate::machine::{Exit, Machine};

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The accounting the kernel kept.
    pub accounting: CpuAccounting,
    /// Every slot the kernel went through (run or idled), in order.
    pub slots: Vec<Slot>,
}

/// Runs `schedule` on `machine` until the TSC reaches `until`.
pub fn run(schedule: &CyclicSchedule, machine: &mut Machine, until: u64, overrun_tolerance: u64) -> Outcome {
    let mut accounting = CpuAccounting::new(overrun_tolerance);
    let mut slots: Vec<Slot> = Vec::new();
    // The slot whose partition gave the rest of it up (HLT, Yield).
    let mut gave_up: Option<Slot> = None;
    while machine.rdtsc() < until {
        let now = machine.rdtsc();
        let slot = schedule.slot_at(now);
        if slots.last() != Some(&slot) {
            slots.push(slot);
        }
        let p = slot.partition;
        if now < slot.start || gave_up == Some(slot) || !machine.runnable(p) {
            // Before the start, given up, stopped or absent: the frame idles.
            machine.idle_until(schedule.idle_until(now));
            accounting.charge_idle(machine.rdtsc() - now);
            continue;
        }
        let exit = machine.enter(p, timer_value(slot.remaining(now), machine.timer_shift()));
        let exit_tsc = machine.rdtsc();
        accounting.charge(p, exit_tsc - now);
        match exit {
            Exit::Yield | Exit::Halt => {
                accounting.frame_yielded(p);
                gave_up = Some(slot);
            }
            Exit::Timer | Exit::Io => {
                if exit_tsc >= slot.end {
                    accounting.frame_preempted(p, exit_tsc, slot.end);
                }
                // Otherwise an early exit: the loop re-arms for what remains.
            }
        }
    }
    Outcome { accounting, slots }
}
