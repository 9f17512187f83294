//! `hv-sched`: the arithmetic of sharing one CPU among partitions.
//!
//! The hypervisor runs its partitions on a schedule the user declares, driven
//! by the VMX-preemption timer. Everything that can be computed without
//! touching the hardware lives here, pure and tested on the host: which
//! partition owns the CPU at a given TSC value, what to program into the
//! timer, who runs next in proportional-share mode, and how much CPU each
//! partition actually got. The kernel only reads the TSC, programs the timer,
//! switches VMCS and reports back what happened.
//!
//! No `unsafe`, no `alloc`: every table has a fixed capacity
//! ([`MAX_PARTITIONS`] partitions, [`MAX_FRAMES`] minor frames).
//!
//! # Time base
//!
//! Every time is a TSC value or a number of TSC ticks (`u64`, monotonic).
//! The kernel converts the user's microseconds with [`ticks_from_us`] and
//! back with [`us_from_ticks`], given the TSC frequency it measured.
//!
//! # Kernel contract: cyclic mode ([`CyclicSchedule`])
//!
//! The schedule is anchored to an absolute TSC value: frame boundaries are
//! computed from it, never accumulated, so the kernel's own lateness can never
//! shift them. The kernel keeps one piece of state, the [`Slot`] in which its
//! partition gave up the CPU (if any), and loops:
//!
//! 1. `now = rdtsc()`, `slot = schedule.slot_at(now)`.
//! 2. If `now < slot.start` (before the schedule's start), idle until
//!    `slot.start`. If the slot's partition does not exist, is stopped, or
//!    already gave up this very slot (`slot == gave_up`), idle until
//!    `schedule.idle_until(now)`: unused frame time belongs to nobody.
//!    Either way [`CpuAccounting::charge_idle`] the ticks idled, back to 1.
//! 3. Otherwise switch to the partition's VMCS and enter it with the timer
//!    set to [`timer_value`]`(slot.remaining(now), shift)`.
//! 4. On every exit: [`CpuAccounting::charge`] the ticks since entry. Then
//!    * HLT or the `Yield` hypercall: `gave_up = Some(slot)`,
//!      [`CpuAccounting::frame_yielded`], back to 1;
//!    * otherwise, if `rdtsc() >= slot.end`: the frame is over,
//!      [`CpuAccounting::frame_preempted`]`(p, exit_tsc, slot.end)`, back to
//!      1 (whatever the exit reason — an I/O exit may land past the end too);
//!    * otherwise (an early timer exit, see [`timer_value`], or any other
//!      exit): handle it and re-enter with the timer re-computed from the
//!      remaining time, as in 3. (With the "save VMX-preemption timer
//!      value" exit control the field already holds the remaining count
//!      after non-timer exits; re-arming from the TSC is equally right.)
//!
//! Always ask [`CyclicSchedule::slot_at`] with the current TSC after a frame
//! ends rather than stepping with [`CyclicSchedule::next_slot_after`]: if the
//! kernel was ever late by more than a frame, `slot_at` skips the frames
//! whose time has passed instead of running them late. `next_slot_after` is
//! for looking ahead (the partition to prepare next, a schedule printout).
//!
//! # Kernel contract: weighted mode ([`WeightedSchedule`])
//!
//! 1. `p = schedule.pick(|p| kernel_says_runnable(p))`; `None`: idle (or
//!    wait for an event) for up to one slice, charge it with
//!    [`CpuAccounting::charge_idle`], back to 1.
//! 2. `deadline = rdtsc() + schedule.slice_ticks()`; run `p` with
//!    [`timer_value`]`(deadline - now, shift)`, re-arming after every exit
//!    that is not the end of the turn.
//! 3. The turn ends on HLT/Yield ([`CpuAccounting::frame_yielded`]) or once
//!    `rdtsc() >= deadline` ([`CpuAccounting::frame_preempted`]).
//! 4. [`WeightedSchedule::charge`]`(p, used)` and [`CpuAccounting::charge`]
//!    `(p, used)` with the ticks the turn really took; back to 1.
//!
//! Stopped or removed partitions are taken out with
//! [`WeightedSchedule::remove`] or [`WeightedSchedule::set_runnable`]; the
//! others' shares grow accordingly.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod accounting;
mod cyclic;
mod error;
mod partition;
mod slot;
#[cfg(test)]
mod testing;
mod time;
mod timer;
mod weighted;

pub use accounting::{permille, CpuAccounting, PartitionStats};
pub use cyclic::{CyclicSchedule, MAX_FRAMES};
pub use error::ScheduleError;
pub use partition::{PartitionId, MAX_PARTITIONS};
pub use slot::Slot;
pub use time::{ticks_from_us, us_from_ticks, US_PER_SECOND};
pub use timer::{expiry_window, timer_granularity, timer_value, MAX_TIMER_SHIFT, TIMER_CAP};
pub use weighted::WeightedSchedule;
