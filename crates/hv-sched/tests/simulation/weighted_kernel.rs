//! The kernel's weighted-mode loop, written against the fake machine exactly
//! as the crate documentation tells the real kernel to write it.
//!
//! Why here: it is the reference for "when to call what" in weighted mode,
//! and the simulation checks the shares it produces.

use hv_sched::{timer_value, CpuAccounting, WeightedSchedule};

use crate::machine::{Exit, Machine};

/// Runs `schedule` on `machine` until the TSC reaches `until`; returns the
/// kernel's accounting.
pub fn run(
    schedule: &mut WeightedSchedule,
    machine: &mut Machine,
    until: u64,
    overrun_tolerance: u64,
) -> CpuAccounting {
    let mut accounting = CpuAccounting::new(overrun_tolerance);
    while machine.rdtsc() < until {
        let turn_start = machine.rdtsc();
        let deadline = turn_start + schedule.slice_ticks();
        let Some(p) = schedule.pick(|p| machine.runnable(p)) else {
            machine.idle_until(deadline);
            accounting.charge_idle(machine.rdtsc() - turn_start);
            continue;
        };
        loop {
            let now = machine.rdtsc();
            let exit = machine.enter(p, timer_value(deadline - now, machine.timer_shift()));
            let exit_tsc = machine.rdtsc();
            if matches!(exit, Exit::Yield | Exit::Halt) {
                accounting.frame_yielded(p);
                break;
            }
            if exit_tsc >= deadline {
                accounting.frame_preempted(p, exit_tsc, deadline);
                break;
            }
        }
        let used = machine.rdtsc() - turn_start;
        schedule.charge(p, used);
        accounting.charge(p, used);
    }
    accounting
}
