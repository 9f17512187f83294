//! Tests of the weighted schedule: validation, shares proportional to the
//! weights, early yielders keeping their share, and redistribution when
//! partitions leave or sleep.

use super::*;

const A: PartitionId = PartitionId(0);
const B: PartitionId = PartitionId(1);
const C: PartitionId = PartitionId(2);
const SLICE: u64 = 1_000_000;

/// CPU ticks and turns per partition.
#[derive(Default, Debug)]
struct Tally {
    ticks: [u64; MAX_PARTITIONS],
    turns: [u64; MAX_PARTITIONS],
}

impl Tally {
    fn share(&self, p: PartitionId) -> f64 {
        self.ticks[p.index()] as f64 / self.ticks.iter().sum::<u64>() as f64
    }
}

/// Runs `turns` turns; `used(p)` is how much of the slice `p` uses per turn.
fn run(s: &mut WeightedSchedule, turns: u64, used: impl Fn(PartitionId) -> u64) -> Tally {
    let mut tally = Tally::default();
    for _ in 0..turns {
        let p = s.pick(|_| true).expect("someone is runnable");
        let t = used(p);
        s.charge(p, t);
        tally.ticks[p.index()] += t;
        tally.turns[p.index()] += 1;
    }
    tally
}

fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!((actual - expected).abs() <= tolerance * expected, "{what}: {actual} vs {expected}");
}

#[test]
fn refuses_malformed_schedules() {
    assert_eq!(WeightedSchedule::new(&[(A, 1)], 0), Err(ScheduleError::ZeroSlice));
    assert_eq!(WeightedSchedule::new(&[], SLICE), Err(ScheduleError::Empty));
    assert_eq!(WeightedSchedule::new(&[(A, 1), (B, 0)], SLICE), Err(ScheduleError::ZeroWeight { partition: B }));
    assert_eq!(
        WeightedSchedule::new(&[(A, 1), (B, 2), (A, 3)], SLICE),
        Err(ScheduleError::DuplicatePartition { partition: A })
    );
    let out = PartitionId(16);
    assert_eq!(WeightedSchedule::new(&[(out, 1)], SLICE), Err(ScheduleError::PartitionOutOfRange { partition: out }));
}

#[test]
fn reports_members_weights_and_slice() {
    let mut s = WeightedSchedule::new(&[(C, 3), (A, 1)], SLICE).unwrap();
    assert_eq!(s.slice_ticks(), SLICE);
    assert!(s.members().eq([(A, 1), (C, 3)]));
    assert_eq!((s.weight(C), s.weight(B)), (Some(3), None));
    assert!(s.is_runnable(A) && !s.is_runnable(B));
    assert_eq!(s.set_weight(B, 2), Err(ScheduleError::NotScheduled { partition: B }));
    assert_eq!(s.set_weight(A, 0), Err(ScheduleError::ZeroWeight { partition: A }));
    assert_eq!(s.set_runnable(B, true), Err(ScheduleError::NotScheduled { partition: B }));
    assert_eq!(s.remove(B), Err(ScheduleError::NotScheduled { partition: B }));
    s.set_weight(A, 5).unwrap();
    assert_eq!(s.weight(A), Some(5));
}

#[test]
fn weights_one_two_three_over_six_thousand_slices() {
    let mut s = WeightedSchedule::new(&[(A, 1), (B, 2), (C, 3)], SLICE).unwrap();
    let tally = run(&mut s, 6_000, |_| SLICE);
    for (p, expected) in [(A, 1.0 / 6.0), (B, 2.0 / 6.0), (C, 3.0 / 6.0)] {
        assert_close(tally.share(p), expected, 0.01, "share");
    }
    assert_eq!(tally.turns[..3].iter().sum::<u64>(), 6_000);
}

#[test]
fn shares_converge_within_one_slice_at_every_prefix() {
    let mut s = WeightedSchedule::new(&[(A, 1), (B, 2), (C, 3)], SLICE).unwrap();
    let mut ticks = [0u64; 3];
    for turn in 1..=600u64 {
        let p = s.pick(|_| true).unwrap();
        s.charge(p, SLICE);
        ticks[p.index()] += SLICE;
        for (i, weight) in [1u64, 2, 3].into_iter().enumerate() {
            let ideal = turn * SLICE * weight / 6;
            assert!(ticks[i].abs_diff(ideal) <= SLICE, "turn {turn}: partition {i} has {} vs {ideal}", ticks[i]);
        }
    }
}

#[test]
fn an_early_yielder_keeps_its_share() {
    // A yields after 10 % of each slice, B spins; equal weights, so equal CPU:
    // A is charged less per turn and gets about ten turns per turn of B.
    let mut s = WeightedSchedule::new(&[(A, 1), (B, 1)], SLICE).unwrap();
    let tally = run(&mut s, 11_000, |p| if p == A { SLICE / 10 } else { SLICE });
    assert_close(tally.share(A), 0.5, 0.01, "A's CPU share");
    assert_close(tally.turns[A.index()] as f64 / tally.turns[B.index()] as f64, 10.0, 0.01, "turn ratio");

    // The same with A three times heavier: 3:1 CPU time, although A uses a tenth of each turn.
    let mut s = WeightedSchedule::new(&[(A, 3), (B, 1)], SLICE).unwrap();
    let tally = run(&mut s, 31_000, |p| if p == A { SLICE / 10 } else { SLICE });
    assert_close(tally.share(A), 0.75, 0.01, "heavy yielder's CPU share");
}

#[test]
fn removing_a_partition_redistributes_its_time() {
    let mut s = WeightedSchedule::new(&[(A, 1), (B, 1), (C, 2)], SLICE).unwrap();
    let before = run(&mut s, 4_000, |_| SLICE);
    assert_close(before.share(C), 0.5, 0.01, "C before");
    s.remove(C).unwrap();
    assert!(s.members().eq([(A, 1), (B, 1)]));
    let after = run(&mut s, 4_000, |_| SLICE);
    assert_eq!(after.turns[C.index()], 0);
    assert_close(after.share(A), 0.5, 0.01, "A after");
    assert_close(after.share(B), 0.5, 0.01, "B after");
    s.charge(C, SLICE); // a charge for the removed partition is ignored
    assert_eq!(s.weight(C), None);
}

#[test]
fn a_returning_sleeper_gets_its_share_but_no_catch_up_burst() {
    let mut s = WeightedSchedule::new(&[(A, 1), (B, 1), (C, 1)], SLICE).unwrap();
    for _ in 0..1_000 {
        let p = s.pick(|p| p != C).unwrap();
        assert_ne!(p, C, "filtered out");
        s.charge(p, SLICE);
    }
    let mut c_turns = 0;
    let mut c_in_a_row = 0;
    for _ in 0..300 {
        let p = s.pick(|_| true).unwrap();
        s.charge(p, SLICE);
        c_in_a_row = if p == C { c_in_a_row + 1 } else { 0 };
        assert!(c_in_a_row <= 1, "C monopolises the CPU after sleeping");
        c_turns += u64::from(p == C);
    }
    assert!((99..=101).contains(&c_turns), "C got {c_turns} of 300 turns");
}

#[test]
fn set_runnable_false_excludes_and_true_readmits_without_credit() {
    let mut s = WeightedSchedule::new(&[(A, 1), (B, 1)], SLICE).unwrap();
    s.set_runnable(B, false).unwrap();
    assert!(!s.is_runnable(B));
    let alone = run(&mut s, 500, |_| SLICE);
    assert_eq!(alone.turns[B.index()], 0);
    s.set_runnable(B, true).unwrap();
    let together = run(&mut s, 500, |_| SLICE);
    assert!(together.turns[B.index()].abs_diff(250) <= 1, "B got {} of 500 turns", together.turns[B.index()]);
}

#[test]
fn nobody_runnable_means_none() {
    let mut s = WeightedSchedule::new(&[(A, 1), (B, 1)], SLICE).unwrap();
    assert_eq!(s.pick(|_| false), None);
    s.set_runnable(A, false).unwrap();
    assert_eq!(s.pick(|p| p != B), None);
    s.remove(A).unwrap();
    s.remove(B).unwrap();
    assert_eq!(s.pick(|_| true), None);
}

#[test]
fn ties_go_to_the_lowest_id_so_equal_weights_alternate() {
    let mut s = WeightedSchedule::new(&[(C, 1), (B, 1), (A, 1)], SLICE).unwrap();
    let order: Vec<_> = (0..6)
        .map(|_| {
            let p = s.pick(|_| true).unwrap();
            s.charge(p, SLICE);
            p
        })
        .collect();
    assert_eq!(order, [A, B, C, A, B, C]);
}

#[test]
fn a_zero_charge_still_moves_the_partition_back() {
    let mut s = WeightedSchedule::new(&[(A, u32::MAX), (B, u32::MAX)], SLICE).unwrap();
    let first = s.pick(|_| true).unwrap();
    s.charge(first, 0);
    let second = s.pick(|_| true).unwrap();
    assert_ne!(first, second, "a turn costing nothing must not be repeated forever");
}

#[test]
fn a_partition_added_later_joins_at_the_current_virtual_time() {
    let mut s = WeightedSchedule::new(&[(A, 1)], SLICE).unwrap();
    run(&mut s, 1_000, |_| SLICE);
    s.add(B, 1).unwrap();
    assert_eq!(s.add(B, 1), Err(ScheduleError::DuplicatePartition { partition: B }));
    let after = run(&mut s, 200, |_| SLICE);
    assert!(after.turns[B.index()].abs_diff(100) <= 1, "B got {} of 200 turns", after.turns[B.index()]);
}
