//! Tests of the cyclic schedule: validation, slot lookup at and around every
//! boundary, and the no-drift property under a randomly late caller.

use super::*;
use crate::testing::Rng;
use crate::MAX_PARTITIONS;

const P0: PartitionId = PartitionId(0);
const P1: PartitionId = PartitionId(1);
const P2: PartitionId = PartitionId(2);

/// Durations chosen so no boundary falls on a round number.
const FRAMES: [(PartitionId, u64); 4] = [(P0, 1_000), (P1, 2_500), (P0, 700), (P2, 4_321)];
const OFFSETS: [u64; 4] = [0, 1_000, 3_500, 4_200];
const MAJOR: u64 = 8_521;
const START: u64 = 123_456;

fn schedule() -> CyclicSchedule {
    CyclicSchedule::new(&FRAMES, START).unwrap()
}

/// The anchored start of frame `k` of major frame `n`, computed independently.
fn anchored(n: u64, k: usize) -> u64 {
    START + n * MAJOR + OFFSETS[k]
}

#[test]
fn refuses_malformed_schedules() {
    assert_eq!(CyclicSchedule::new(&[], 0), Err(ScheduleError::Empty));
    let many = [(P0, 1); MAX_FRAMES + 1];
    assert_eq!(CyclicSchedule::new(&many, 0), Err(ScheduleError::TooManyFrames { count: MAX_FRAMES + 1 }));
    assert!(CyclicSchedule::new(&many[..MAX_FRAMES], 0).is_ok());
    assert_eq!(CyclicSchedule::new(&[(P0, 5), (P1, 0)], 0), Err(ScheduleError::ZeroDuration { frame: 1 }));
    let out = PartitionId(16);
    assert_eq!(CyclicSchedule::new(&[(out, 5)], 0), Err(ScheduleError::PartitionOutOfRange { partition: out }));
    assert!(CyclicSchedule::new(&[(PartitionId(15), 5)], 0).is_ok());
    assert_eq!(CyclicSchedule::new(&[(P0, u64::MAX), (P1, 1)], 0), Err(ScheduleError::MajorFrameOverflow));
    assert!(CyclicSchedule::new(&[(P0, u64::MAX)], 0).is_ok());
}

#[test]
fn reports_its_declaration() {
    let s = schedule();
    assert_eq!(s.major_frame(), MAJOR);
    assert_eq!(s.start_tsc(), START);
    assert_eq!(s.frame_count(), 4);
    assert!(s.frames().eq(FRAMES.iter().copied()));
    assert_eq!(s.ticks_per_major_frame(P0), 1_700);
    assert_eq!(s.ticks_per_major_frame(P2), 4_321);
    assert_eq!(s.ticks_per_major_frame(PartitionId(9)), 0);
    let total: u64 = (0..=u8::MAX).take(MAX_PARTITIONS).map(|p| s.ticks_per_major_frame(PartitionId(p))).sum();
    assert_eq!(total, MAJOR);
}

#[test]
fn slot_at_finds_the_frame_at_and_around_each_boundary() {
    let s = schedule();
    for n in [0, 1, 2, 977] {
        for (k, &(partition, duration)) in FRAMES.iter().enumerate() {
            let start = anchored(n, k);
            let expected = Slot { partition, frame_index: k, major_frame: n, start, end: start + duration };
            assert_eq!(s.slot_at(start), expected, "first tick of frame {k} in major frame {n}");
            assert_eq!(s.slot_at(start + duration / 2), expected);
            assert_eq!(s.slot_at(start + duration - 1), expected, "last tick of frame {k}");
            assert_ne!(s.slot_at(start + duration), expected, "end belongs to the next frame");
        }
    }
}

#[test]
fn before_the_start_it_is_frame_zero_starting_at_start() {
    let s = schedule();
    for now in [0, 1, START - 1] {
        let slot = s.slot_at(now);
        assert_eq!((slot.frame_index, slot.major_frame, slot.start, slot.end), (0, 0, START, START + 1_000));
        assert!(!slot.contains(now), "the kernel must see it has to wait");
        assert_eq!(s.idle_until(now), START, "idle until the schedule starts, not until frame 0 ends");
    }
}

#[test]
fn next_slot_after_wraps_and_agrees_with_slot_at() {
    let s = schedule();
    let mut slot = s.slot_at(START);
    for _ in 0..4 * 50 {
        let next = s.next_slot_after(&slot);
        assert_eq!(next.start, slot.end, "frames are contiguous");
        assert_eq!(next, s.slot_at(slot.end));
        slot = next;
    }
    assert_eq!((slot.major_frame, slot.frame_index), (50, 0));
    let last = s.slot_at(anchored(3, 3));
    let wrapped = s.next_slot_after(&last);
    assert_eq!((wrapped.major_frame, wrapped.frame_index, wrapped.start), (4, 0, anchored(4, 0)));
}

#[test]
fn idle_until_is_the_end_of_the_current_frame() {
    let s = schedule();
    assert_eq!(s.idle_until(anchored(5, 1)), anchored(5, 2));
    assert_eq!(s.idle_until(anchored(5, 2) - 1), anchored(5, 2));
    assert_eq!(s.idle_until(anchored(5, 3) + 17), anchored(6, 0));
}

#[test]
fn a_stopped_partitions_frames_stay_where_they_are() {
    // The schedule has no notion of partition state: the frame of a stopped
    // partition is still returned (the kernel idles through it) and nobody
    // else's frame moves.
    let s = schedule();
    let slot = s.slot_at(anchored(8, 1) + 5);
    assert_eq!(slot.partition, P1);
    assert_eq!(s.idle_until(slot.start + 5), slot.end);
    assert_eq!(s.next_slot_after(&slot).start, anchored(8, 2));
}

#[test]
fn no_drift_over_ten_thousand_major_frames_with_a_late_caller() {
    let s = schedule();
    let mut rng = Rng::new(0x5EED);
    let end = anchored(10_000, 0);
    let mut now = START;
    let mut previous: Option<Slot> = None;
    let (mut boundaries, mut skipped, mut early) = (0u64, 0u64, 0u64);
    while now < end {
        let slot = s.slot_at(now);
        assert!(slot.contains(now));
        assert_eq!(slot.start, anchored(slot.major_frame, slot.frame_index), "frame start drifted");
        assert_eq!(slot.end, slot.start + FRAMES[slot.frame_index].1, "frame end drifted");
        if let Some(prev) = previous.filter(|prev| *prev != slot) {
            boundaries += 1;
            let next = s.next_slot_after(&prev);
            if next != slot {
                // Only a caller late by more than a whole frame may skip one.
                assert!(now >= next.end, "skipped a frame whose time had not passed");
                skipped += 1;
            }
        }
        previous = Some(slot);
        // The caller comes back at the frame end plus its lateness: usually a
        // few ticks, sometimes nearly a frame, rarely several frames; or early,
        // as after a capped or erratic timer.
        now = match rng.range(0, 999) {
            0..=899 => slot.end + rng.range(0, 50),
            900..=979 => slot.end + rng.range(51, 650),
            980..=989 => slot.end + rng.range(651, 20_000),
            _ => {
                early += 1;
                slot.end - rng.range(1, slot.duration() - (now - slot.start))
            }
        };
    }
    assert!(boundaries >= 4 * 9_000, "{boundaries} boundaries");
    assert!(skipped > 0 && early > 0, "the random lateness exercised every case");
    let last = previous.unwrap();
    assert_eq!(s.next_slot_after(&last).start, last.end);
}

#[test]
fn accumulating_from_now_would_have_drifted() {
    // What the anchored schedule prevents: Xen's ARINC 653 scheduler computed
    // the next boundary as "now + duration", so every tick of lateness moved
    // all later frames. Same lateness as above, other bookkeeping.
    let s = schedule();
    let mut rng = Rng::new(0x5EED);
    let (mut now, mut naive_now) = (START, START);
    for n in 0..21 {
        for (k, &(_, duration)) in FRAMES.iter().enumerate() {
            let late = rng.range(1, 50);
            let slot = s.slot_at(now);
            assert_eq!(slot.start, anchored(n, k));
            now = slot.end + late;
            naive_now += duration + late;
        }
    }
    assert_eq!(s.slot_at(now).start, anchored(21, 0));
    assert!(naive_now >= anchored(21, 0) + 84, "the naive boundary is late by the summed lateness");
}

#[test]
fn far_future_times_saturate_instead_of_overflowing() {
    let s = CyclicSchedule::new(&[(P0, 1_000), (P1, 3_000)], u64::MAX - 2_500).unwrap();
    let slot = s.slot_at(u64::MAX);
    assert_eq!((slot.partition, slot.start, slot.end), (P1, u64::MAX - 1_500, u64::MAX));
    let next = s.next_slot_after(&slot);
    assert_eq!((next.partition, next.start, next.end), (P0, u64::MAX, u64::MAX));
    assert_eq!(s.idle_until(u64::MAX), u64::MAX);
}
