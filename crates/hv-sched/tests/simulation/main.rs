//! Whole-run simulation: the kernel's loops for both scheduling modes, run
//! against a fake machine for thousands of frames, using only the crate's
//! public API.
//!
//! Why: the unit tests check each piece; this checks that the pieces, used
//! the way the crate documentation tells the kernel to use them, deliver what
//! the user declared — CPU shares, bounded overruns, frames that never move —
//! on a machine with exit latency, stray I/O exits, early timer expiries and
//! partitions that spin, yield early, halt for good or do not exist.

mod cyclic_kernel;
mod machine;
mod rng;
mod weighted_kernel;

use hv_sched::{ticks_from_us, timer_granularity, CyclicSchedule, PartitionId, WeightedSchedule};

use machine::{Behaviour, Config, Machine};

/// A 2 GHz TSC.
const TSC_HZ: u64 = 2_000_000_000;
/// Where the machine's TSC starts (deliberately not a round number).
const BOOT_TSC: u64 = 1_000_003;

fn us(n: u64) -> u64 {
    ticks_from_us(n, TSC_HZ)
}

/// `actual` within `tolerance` (relative) of `expected`.
fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!((actual - expected).abs() <= tolerance * expected, "{what}: {actual:.5} vs expected {expected:.5}");
}

const SPIN: PartitionId = PartitionId(0);
const YIELDER: PartitionId = PartitionId(1);
const HALTER: PartitionId = PartitionId(2);
const SPIN2: PartitionId = PartitionId(3);
const ABSENT: PartitionId = PartitionId(7);

const MAJOR_FRAMES: u64 = 1_000;

/// Runs the cyclic kernel for 1,000 major frames under `config` and checks
/// everything the schedule promises.
fn simulate_cyclic(config: Config, seed: u64) -> Machine {
    // SPIN's first frame (40 ms = 8e7 ticks) exceeds the timer cap at shift 0
    // (2^25 ticks), so that configuration also exercises capped re-arming.
    let frames = [
        (SPIN, us(40_000)),
        (YIELDER, us(3_000)),
        (SPIN, us(1_000)),
        (HALTER, us(2_000)),
        (SPIN2, us(2_000)),
        (ABSENT, us(1_000)),
    ];
    let major: u64 = frames.iter().map(|f| f.1).sum();
    let offsets: Vec<u64> = frames.iter().scan(0, |at, f| Some(std::mem::replace(at, *at + f.1))).collect();
    // The schedule starts half a millisecond after the kernel first asks.
    let start = BOOT_TSC + us(500);
    let schedule = CyclicSchedule::new(&frames, start).unwrap();
    let guests = [
        (SPIN, Behaviour::Spin),
        (YIELDER, Behaviour::YieldEvery(us(1_000))),
        (HALTER, Behaviour::HaltAfter(us(50_000))),
        (SPIN2, Behaviour::Spin),
    ];
    let mut machine = Machine::new(config, BOOT_TSC, &guests, seed);
    let max_lateness = timer_granularity(config.timer_shift) - 1 + config.max_latency;
    let until = start + MAJOR_FRAMES * major;
    let outcome = cyclic_kernel::run(&schedule, &mut machine, until, max_lateness);
    let acct = &outcome.accounting;

    // Every frame of every major frame went by, in order, on its anchored boundary.
    assert_eq!(outcome.slots.len() as u64, MAJOR_FRAMES * frames.len() as u64);
    for (i, slot) in outcome.slots.iter().enumerate() {
        let (n, k) = (i as u64 / frames.len() as u64, i % frames.len());
        assert_eq!((slot.major_frame, slot.frame_index), (n, k));
        assert_eq!(slot.start, start + n * major + offsets[k], "frame {k} of major frame {n} moved");
        assert_eq!(slot.end, slot.start + frames[k].1);
        if i > 0 {
            assert_eq!(schedule.next_slot_after(&outcome.slots[i - 1]), *slot);
        }
    }

    // Spinners get exactly their frames, give or take 1 %, and never run
    // past a frame end by more than the timer's granularity plus exit latency.
    let elapsed = (MAJOR_FRAMES * major) as f64;
    for (p, frames_per_major) in [(SPIN, 2), (SPIN2, 1)] {
        let stats = acct.stats(p);
        let promised = schedule.ticks_per_major_frame(p) as f64 / major as f64;
        assert_close(stats.ticks as f64 / elapsed, promised, 0.01, "spinner's share");
        let (_, permille) = acct.share(p);
        assert!((f64::from(permille) - promised * 1_000.0).abs() <= 10.0, "{p}: {permille} ‰");
        assert_eq!(stats.overruns, 0, "{p} overran: {stats:?}");
        assert!(stats.max_lateness <= max_lateness, "{p} ran {} ticks late", stats.max_lateness);
        assert_eq!((stats.frames_run, stats.frames_yielded), (frames_per_major * MAJOR_FRAMES, 0));
    }

    // The early yielder gets the work it wants (1 ms per 49 ms) and the rest
    // of its frame idles.
    let yielder = acct.stats(YIELDER);
    assert_close(yielder.ticks as f64 / elapsed, us(1_000) as f64 / major as f64, 0.01, "yielder's share");
    assert_eq!((yielder.frames_run, yielder.frames_yielded), (MAJOR_FRAMES, MAJOR_FRAMES));

    // The halter ran its 50 ms, halted once, and its frames idled from then on.
    let halter = acct.stats(HALTER);
    assert_eq!(machine.executed(HALTER), us(50_000));
    assert_close(halter.ticks as f64, us(50_000) as f64, 0.01, "halter's CPU");
    assert_eq!(halter.frames_yielded, 1);
    assert!((25..=26).contains(&halter.frames_run), "{halter:?}");

    // A frame owned by no partition is pure idle time; everything adds up.
    assert_eq!(acct.stats(ABSENT), Default::default());
    assert!(acct.report().all(|(p, _, _)| p != ABSENT));
    let spent = machine.rdtsc() - BOOT_TSC;
    assert_eq!(acct.total_ticks(), spent);
    assert!(spent - (until - BOOT_TSC) <= max_lateness);
    // Idle: the wait for the start, then per major frame the yielder's unused
    // 2 ms, the halter's 2 ms (less the 50 ms it ran) and the absent 1 ms.
    let unused = us(500) + MAJOR_FRAMES * (us(2_000) + us(2_000) + us(1_000)) - us(50_000);
    assert_close(acct.idle_ticks() as f64, unused as f64, 0.01, "idle time");
    machine
}

#[test]
fn cyclic_mode_typical_timer() {
    let config = Config { timer_shift: 5, max_latency: 400, io_exit_permille: 50, erratic_timer_permille: 10 };
    simulate_cyclic(config, 0xC1C1);
}

#[test]
fn cyclic_mode_capped_timer() {
    let config = Config { timer_shift: 0, max_latency: 400, io_exit_permille: 50, erratic_timer_permille: 10 };
    let machine = simulate_cyclic(config, 0xCA99);
    // Each 40 ms frame needs three timer exits (2^25 ticks at most each), the
    // two short spinning frames one each: uncapped, it would be three in all.
    assert!(machine.timer_exits() >= 5 * MAJOR_FRAMES, "{} timer exits", machine.timer_exits());
}

#[test]
fn cyclic_mode_coarse_timer_without_latency() {
    // No latency: a spinner's lateness comes from the timer alone, < 2^7 ticks.
    let config = Config { timer_shift: 7, max_latency: 0, io_exit_permille: 20, erratic_timer_permille: 20 };
    simulate_cyclic(config, 0x7777);
}

const A: PartitionId = PartitionId(0);
const B: PartitionId = PartitionId(1);
const C: PartitionId = PartitionId(2);
const D: PartitionId = PartitionId(3);
const TYPICAL: Config = Config { timer_shift: 5, max_latency: 400, io_exit_permille: 50, erratic_timer_permille: 10 };

/// `p`'s ticks as a fraction of `of`'s together.
fn share_among(acct: &hv_sched::CpuAccounting, p: PartitionId, of: &[PartitionId]) -> f64 {
    acct.stats(p).ticks as f64 / of.iter().map(|&q| acct.stats(q).ticks).sum::<u64>() as f64
}

#[test]
fn weighted_mode_shares_follow_weights() {
    // A and B spin; C yields after a tenth of each slice; D halts after 20 ms.
    let slice = us(1_000);
    let mut schedule = WeightedSchedule::new(&[(A, 1), (B, 2), (C, 3), (D, 2)], slice).unwrap();
    let guests = [
        (A, Behaviour::Spin),
        (B, Behaviour::Spin),
        (C, Behaviour::YieldEvery(slice / 10)),
        (D, Behaviour::HaltAfter(us(20_000))),
    ];
    let mut machine = Machine::new(TYPICAL, BOOT_TSC, &guests, 0x3E16);
    let tolerance = timer_granularity(TYPICAL.timer_shift) - 1 + TYPICAL.max_latency;
    let acct = weighted_kernel::run(&mut schedule, &mut machine, BOOT_TSC + 10_000 * slice, tolerance);

    for (p, weight) in [(A, 1.0), (B, 2.0), (C, 3.0)] {
        assert_close(share_among(&acct, p, &[A, B, C]), weight / 6.0, 0.02, "weighted share");
    }
    assert_eq!(machine.executed(D), us(20_000));
    assert_close(acct.stats(D).ticks as f64, us(20_000) as f64, 0.02, "halter's CPU");
    assert_eq!(acct.idle_ticks(), 0, "someone was always runnable");
    let c = acct.stats(C);
    assert_eq!(c.frames_run, c.frames_yielded, "C always yields before its slice ends");
    assert!(c.frames_run > 5 * acct.stats(B).frames_run, "the early yielder gets more, shorter turns");
    for p in [A, B] {
        assert_eq!(acct.stats(p).overruns, 0);
        assert!(acct.stats(p).max_lateness <= tolerance);
    }
}

#[test]
fn weighted_mode_redistributes_a_removed_partitions_time() {
    let slice = us(1_000);
    let mut schedule = WeightedSchedule::new(&[(A, 1), (B, 2), (C, 3)], slice).unwrap();
    let guests = [(A, Behaviour::Spin), (B, Behaviour::Spin), (C, Behaviour::YieldEvery(slice / 10))];
    let mut machine = Machine::new(TYPICAL, BOOT_TSC, &guests, 0xBEEF);
    let half = BOOT_TSC + 5_000 * slice;
    let first = weighted_kernel::run(&mut schedule, &mut machine, half, u64::MAX);
    assert_close(share_among(&first, B, &[A, B, C]), 2.0 / 6.0, 0.02, "B before");

    // The kernel stops B for good.
    schedule.remove(B).unwrap();
    let second = weighted_kernel::run(&mut schedule, &mut machine, half + 5_000 * slice, u64::MAX);
    assert_eq!(second.stats(B), Default::default());
    assert_close(share_among(&second, A, &[A, C]), 1.0 / 4.0, 0.02, "A after");
    assert_close(share_among(&second, C, &[A, C]), 3.0 / 4.0, 0.02, "C after");
}
