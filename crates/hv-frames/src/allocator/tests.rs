//! Tests of [`FrameAllocator`] against hand-written and generated memory maps.
//!
//! Each test checks an observable promise of the allocator (what it hands
//! out, what it refuses, and its counters) rather than its internals.

use std::collections::BTreeSet;
use std::vec::Vec;

use super::FrameAllocator;
use crate::{bitmap_words_for, find_storage, Frame, FrameError, MemoryRegion, PhysAddr, PhysRange, FRAME_SIZE};

/// Storage of `words` words, pre-filled with garbage so tests notice if
/// `new` trusts its contents.
fn storage(words: usize) -> &'static mut [u64] {
    vec![0xA5A5_5A5A_DEAD_BEEF; words].leak()
}

/// An allocator over `map` with exactly the storage `bitmap_words_for` asks for.
fn build(map: &[MemoryRegion]) -> FrameAllocator<'static> {
    let words = bitmap_words_for(map.iter().copied());
    FrameAllocator::new(storage(words), map.iter().copied()).expect("storage sized by bitmap_words_for")
}

/// Allocates until the allocator runs dry.
fn drain(alloc: &mut FrameAllocator<'_>) -> Vec<Frame> {
    core::iter::from_fn(|| alloc.allocate()).collect()
}

fn frame(addr: u64) -> Frame {
    Frame::from_start(PhysAddr::new(addr)).expect("test frame addresses are aligned")
}

fn frame_bytes(f: Frame) -> PhysRange {
    PhysRange::from_start_len(f.start(), FRAME_SIZE).unwrap()
}

/// Reference model: the frames a correct allocator may hand out for `map`.
fn expected_free(map: &[MemoryRegion]) -> BTreeSet<u64> {
    let top = map.iter().map(|r| r.range.end.as_u64().div_ceil(FRAME_SIZE)).max().unwrap_or(0);
    (1..top)
        .filter(|&n| {
            let bytes = frame_bytes(Frame::from_number(n).unwrap());
            let in_usable = map.iter().any(|r| r.usable && r.range.start <= bytes.start && bytes.end <= r.range.end);
            let hits_reserved = map.iter().any(|r| !r.usable && r.range.overlaps(&bytes));
            in_usable && !hits_reserved
        })
        .collect()
}

/// Asserts no duplicates, and returns the frame numbers.
fn unique_numbers(frames: &[Frame]) -> BTreeSet<u64> {
    let set: BTreeSet<u64> = frames.iter().map(|f| f.number()).collect();
    assert_eq!(set.len(), frames.len(), "a frame was handed out twice");
    set
}

#[test]
fn map_with_a_hole() {
    let map = [
        MemoryRegion::usable(0x1000, 0x10000),
        MemoryRegion::reserved(0x10000, 0x20000),
        MemoryRegion::usable(0x20000, 0x30000),
    ];
    let mut alloc = build(&map);
    assert_eq!(alloc.total_usable_frames(), 15 + 16);
    assert_eq!(alloc.free_frames(), 31);
    let got = drain(&mut alloc);
    let numbers = unique_numbers(&got);
    assert_eq!(numbers, expected_free(&map));
    assert!(numbers.iter().all(|&n| !(0x10..0x20).contains(&n)), "nothing from the hole");
    assert!(!alloc.is_free(frame(0x10000)));
}

#[test]
fn partial_frames_at_region_edges_stay_used() {
    let map = [MemoryRegion::usable(0x1800, 0x5800)];
    let mut alloc = build(&map);
    assert_eq!(alloc.total_usable_frames(), 3, "only 0x2000, 0x3000, 0x4000 are whole");
    assert!(!alloc.is_free(frame(0x1000)));
    assert!(alloc.is_free(frame(0x2000)));
    assert!(alloc.is_free(frame(0x4000)));
    assert!(!alloc.is_free(frame(0x5000)));
    let got: BTreeSet<u64> = drain(&mut alloc).iter().map(|f| f.start().as_u64()).collect();
    assert_eq!(got, BTreeSet::from([0x2000, 0x3000, 0x4000]));
    assert_eq!(alloc.free(frame(0x1000)), Err(FrameError::NotManaged(frame(0x1000))));
    assert_eq!(alloc.free(frame(0x5000)), Err(FrameError::NotManaged(frame(0x5000))));
}

#[test]
fn frame_zero_is_never_handed_out() {
    let map = [MemoryRegion::usable(0, 0x4000)];
    let mut alloc = build(&map);
    assert_eq!(alloc.total_usable_frames(), 3);
    assert!(!alloc.is_free(frame(0)));
    let got = drain(&mut alloc);
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|f| f.number() != 0));
    assert_eq!(alloc.free(frame(0)), Err(FrameError::NotManaged(frame(0))));
    assert_eq!(alloc.allocate_contiguous(1, 1), None);
}

#[test]
fn reserved_region_overlapping_usable_one_wins_in_either_order() {
    let usable = MemoryRegion::usable(0x1000, 0x20000);
    // Touches frames 8 and 9 only partially at its start: both must be used.
    let reserved = MemoryRegion::reserved(0x8800, 0xA000);
    for map in [[usable, reserved], [reserved, usable]] {
        let mut alloc = build(&map);
        assert_eq!(alloc.total_usable_frames(), 31 - 2);
        assert!(!alloc.is_free(frame(0x8000)));
        assert!(!alloc.is_free(frame(0x9000)));
        assert!(alloc.is_free(frame(0x7000)));
        assert!(alloc.is_free(frame(0xA000)));
        let got = unique_numbers(&drain(&mut alloc));
        assert!(!got.contains(&8) && !got.contains(&9));
        assert_eq!(got, expected_free(&map));
        assert_eq!(alloc.free(frame(0x8000)), Err(FrameError::NotManaged(frame(0x8000))));
    }
}

#[test]
fn reserve_kernel_image_range() {
    let map = [MemoryRegion::usable(0x1000, 0x100000)];
    let mut alloc = build(&map);
    assert_eq!(alloc.total_usable_frames(), 255);
    // Unaligned on both ends: frames 0x20..=0x25 are touched.
    let kernel = PhysRange::new(PhysAddr::new(0x20123), PhysAddr::new(0x25001));
    assert_eq!(alloc.reserve(kernel), 6);
    assert_eq!(alloc.reserve(kernel), 0, "already taken");
    assert_eq!(alloc.free_frames(), 249);
    assert_eq!(alloc.total_usable_frames(), 249);
    for n in 0x20..=0x25 {
        assert!(!alloc.is_free(Frame::from_number(n).unwrap()));
    }
    assert!(alloc.is_free(frame(0x1f000)));
    assert!(alloc.is_free(frame(0x26000)));
    let got = unique_numbers(&drain(&mut alloc));
    assert_eq!(got.len(), 249);
    assert!(got.iter().all(|n| !(0x20..=0x25).contains(n)));
    // Reserved frames can never be freed, so a stray free cannot hand out the kernel.
    assert_eq!(alloc.free(frame(0x20000)), Err(FrameError::NotManaged(frame(0x20000))));
    assert_eq!(alloc.allocated_frames(), 249);
}

#[test]
fn reserve_counts_only_frames_that_were_free() {
    let map = [MemoryRegion::reserved(0, 0x1000), MemoryRegion::usable(0x1000, 0x10000)];
    let mut alloc = build(&map);
    let first = alloc.allocate().unwrap();
    let before = alloc.free_frames();
    // Covers frame 0 (never free), `first` (allocated) and three free frames,
    // and runs far past the bitmap.
    let span = PhysRange::new(PhysAddr::new(0), first.start().checked_add(4 * FRAME_SIZE).unwrap());
    assert_eq!(alloc.reserve(span), 3);
    assert_eq!(alloc.free_frames(), before - 3);
    assert_eq!(alloc.reserve(PhysRange::new(PhysAddr::new(0x1_0000_0000), PhysAddr::new(0x2_0000_0000))), 0);
    assert_eq!(alloc.reserve(PhysRange::new(PhysAddr::new(0x9000), PhysAddr::new(0x9000))), 0, "empty range");
    assert!(alloc.is_free(frame(0x9000)));
}

#[test]
fn exhausting_the_allocator_yields_exactly_total_frames() {
    let map = [
        MemoryRegion::usable(0x0, 0x9f000),
        MemoryRegion::reserved(0x9f000, 0x100000),
        MemoryRegion::usable(0x100000, 0x800000),
    ];
    let mut alloc = build(&map);
    let total = alloc.total_usable_frames();
    assert_eq!(total, (0x9f - 1) + (0x800 - 0x100));
    assert_eq!(alloc.free_frames(), total);
    let got = drain(&mut alloc);
    assert_eq!(got.len(), total);
    assert_eq!(alloc.free_frames(), 0);
    assert_eq!(alloc.allocated_frames(), total);
    assert_eq!(alloc.allocate(), None);
    assert_eq!(alloc.allocate_contiguous(1, 1), None);
}

#[test]
fn no_frame_twice_and_all_inside_usable_outside_reserved() {
    let map = [
        MemoryRegion::usable(0x0, 0x7_f123),
        MemoryRegion::reserved(0x3_0000, 0x3_0001),
        MemoryRegion::usable(0x8_0fff, 0x10_0001),
        MemoryRegion::reserved(0xc_0000, 0xe_0000),
        MemoryRegion::reserved(0xf_ffff, 0x20_0000),
        MemoryRegion::usable(0x20_0000, 0x40_0000),
        MemoryRegion::reserved(0x3f_f000, 0x40_0000),
    ];
    let mut alloc = build(&map);
    let got = drain(&mut alloc);
    let numbers = unique_numbers(&got);
    assert_eq!(numbers, expected_free(&map));
    assert_eq!(got.len(), alloc.total_usable_frames());
    for f in got {
        let bytes = frame_bytes(f);
        assert!(
            map.iter().any(|r| r.usable && r.range.start <= bytes.start && bytes.end <= r.range.end),
            "{f:?} not wholly inside a usable region"
        );
        assert!(map.iter().all(|r| r.usable || !r.range.overlaps(&bytes)), "{f:?} overlaps a reserved region");
    }
}

#[test]
fn free_then_reallocate() {
    let map = [MemoryRegion::usable(0x1000, 0x81000)];
    let mut alloc = build(&map);
    let got = drain(&mut alloc);
    assert_eq!(got.len(), 128);
    let victim = got[70];
    alloc.free(victim).unwrap();
    assert_eq!(alloc.free_frames(), 1);
    assert!(alloc.is_free(victim));
    assert_eq!(alloc.allocate(), Some(victim));
    assert_eq!(alloc.allocate(), None);

    let returned: BTreeSet<u64> = got.iter().step_by(3).map(|f| f.number()).collect();
    for &n in &returned {
        alloc.free(Frame::from_number(n).unwrap()).unwrap();
    }
    assert_eq!(alloc.free_frames(), returned.len());
    let again = unique_numbers(&drain(&mut alloc));
    assert_eq!(again, returned);
}

#[test]
fn double_free_is_refused_without_side_effects() {
    let map = [MemoryRegion::usable(0x1000, 0x10000)];
    let mut alloc = build(&map);
    let f = alloc.allocate().unwrap();
    alloc.free(f).unwrap();
    let free = alloc.free_frames();
    assert_eq!(alloc.free(f), Err(FrameError::DoubleFree(f)));
    assert_eq!(alloc.free_frames(), free);
    // A frame that was never allocated is free already, too.
    assert_eq!(alloc.free(frame(0xf000)), Err(FrameError::DoubleFree(frame(0xf000))));
    assert_eq!(alloc.free_frames(), free);
    assert_eq!(drain(&mut alloc).len(), free, "counter and bitmap still agree");
}

#[test]
fn freeing_unmanaged_or_out_of_range_frames_is_refused() {
    let map = [
        MemoryRegion::usable(0x1000, 0x10000),
        MemoryRegion::reserved(0x10000, 0x20000),
        MemoryRegion::usable(0x20000, 0x30000),
        MemoryRegion::reserved(0xfee0_0000, 0xfee0_1000), // local APIC, far above RAM
    ];
    let mut alloc = build(&map);
    let free = alloc.free_frames();
    assert_eq!(alloc.free(frame(0x18000)), Err(FrameError::NotManaged(frame(0x18000))));
    let apic = frame(0xfee0_0000);
    assert_eq!(alloc.free(apic), Err(FrameError::OutOfRange(apic)));
    assert!(!alloc.is_free(apic));
    assert_eq!(alloc.free_frames(), free);
    assert!(FrameError::OutOfRange(apic).to_string().contains("0xfee00000"));
}

#[test]
fn contiguous_runs_with_2mib_alignment() {
    let map = [
        MemoryRegion::usable(0x1000, 0x80_0000),
        MemoryRegion::reserved(0x20_1000, 0x20_2000), // spoils the 2 MiB block at 0x200000
    ];
    let mut alloc = build(&map);
    let free = alloc.free_frames();
    // Block at 0 holds frame 0, block at 0x200000 holds the reserved frame.
    let a = alloc.allocate_contiguous(512, 512).unwrap();
    assert_eq!(a.start(), PhysAddr::new(0x40_0000));
    assert!(a.start().is_aligned(0x20_0000));
    let b = alloc.allocate_contiguous(512, 512).unwrap();
    assert_eq!(b.start(), PhysAddr::new(0x60_0000));
    assert_eq!(alloc.allocate_contiguous(512, 512), None);
    assert_eq!(alloc.free_frames(), free - 1024);
    for n in 0x400..0x800 {
        assert!(!alloc.is_free(Frame::from_number(n).unwrap()));
    }
    // Single allocations never land inside the runs.
    let singles = drain(&mut alloc);
    assert!(singles.iter().all(|f| f.number() < 0x400));
    alloc.free_contiguous(a, 512).unwrap();
    assert_eq!(alloc.free_frames(), 512);
    assert_eq!(alloc.allocate_contiguous(512, 512), Some(a));
}

#[test]
fn contiguous_argument_checks_and_first_fit() {
    let map = [MemoryRegion::usable(0x1000, 0x20000)];
    let mut alloc = build(&map);
    assert_eq!(alloc.allocate_contiguous(0, 1), None);
    assert_eq!(alloc.allocate_contiguous(4, 0), None);
    assert_eq!(alloc.allocate_contiguous(4, 3), None, "alignment must be a power of two");
    assert_eq!(alloc.allocate_contiguous(32, 1), None, "more than is free");
    // Fragment: take 1..=6, give back 2 and 4.
    let taken: Vec<Frame> = (0..6).map(|_| alloc.allocate().unwrap()).collect();
    assert_eq!(taken[0].number(), 1);
    alloc.free(taken[1]).unwrap();
    alloc.free(taken[3]).unwrap();
    // The only 2-run is from frame 7 on; single holes at 2 and 4 do not fit.
    assert_eq!(alloc.allocate_contiguous(2, 1).map(|f| f.number()), Some(7));
    assert_eq!(alloc.allocate_contiguous(1, 1).map(|f| f.number()), Some(2));
    assert_eq!(alloc.allocate_contiguous(3, 8).map(|f| f.number()), Some(16));
}

#[test]
fn free_contiguous_is_all_or_nothing() {
    let map = [
        MemoryRegion::usable(0x1000, 0x40000),
        MemoryRegion::reserved(0x40000, 0x41000),
        MemoryRegion::usable(0x41000, 0x80000),
    ];
    let mut alloc = build(&map);
    let run = alloc.allocate_contiguous(8, 8).unwrap();
    assert_eq!(run.number(), 8);
    let free = alloc.free_frames();
    // Nine frames: the last one was never allocated.
    assert_eq!(alloc.free_contiguous(run, 9), Err(FrameError::DoubleFree(frame(0x10000))));
    assert_eq!(alloc.free_frames(), free);
    assert!(!alloc.is_free(run));
    // Spanning the reserved frame.
    let low = alloc.allocate_contiguous(0x40 - 0x10, 1).unwrap();
    assert_eq!(low.number(), 0x10);
    assert_eq!(alloc.free_contiguous(low, 0x31), Err(FrameError::NotManaged(frame(0x40000))));
    // Past the bitmap.
    assert!(matches!(alloc.free_contiguous(low, usize::MAX), Err(FrameError::OutOfRange(_))));
    assert_eq!(alloc.free_contiguous(low, 0), Ok(()));
    alloc.free_contiguous(run, 8).unwrap();
    alloc.free_contiguous(low, 0x30).unwrap();
    assert_eq!(alloc.free_frames(), alloc.total_usable_frames());
}

#[test]
fn storage_too_small_is_reported() {
    let map = [MemoryRegion::usable(0x1000, 0x100000)]; // frames 1..256
    assert_eq!(bitmap_words_for(map.iter().copied()), 8);
    let err = FrameAllocator::new(storage(7), map.iter().copied()).unwrap_err();
    assert_eq!(err, FrameError::StorageTooSmall { needed_words: 8, provided_words: 7 });
    let err = FrameAllocator::new(&mut [], map.iter().copied()).unwrap_err();
    assert_eq!(err, FrameError::StorageTooSmall { needed_words: 8, provided_words: 0 });
    // Larger storage is fine and changes nothing observable.
    let alloc = FrameAllocator::new(storage(13), map.iter().copied()).unwrap();
    assert_eq!(alloc.total_usable_frames(), 255);
    assert_eq!(alloc.capacity_frames(), 6 * 64);
}

#[test]
fn reserved_regions_beyond_storage_are_fine() {
    let map = [MemoryRegion::usable(0x1000, 0x40000), MemoryRegion::reserved(0xfd_0000_0000, 0x100_0000_0000)];
    let alloc = build(&map);
    assert_eq!(alloc.total_usable_frames(), 63);
}

/// Deterministic pseudo-random numbers (a 64-bit LCG) for generated maps.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

/// A map of `count` regions shaped like OVMF's: many small, unaligned,
/// alternating entries, plus a few reserved regions overlapping usable ones.
fn big_map(count: usize) -> Vec<MemoryRegion> {
    let mut rng = Lcg(0x1234_5678);
    let mut map = Vec::with_capacity(count);
    let mut addr = 0u64;
    for i in 0..count {
        let len = 1 + rng.next(24 * FRAME_SIZE);
        let region = if i % 2 == 0 {
            MemoryRegion::usable(addr, addr + len)
        } else if i % 7 == 1 {
            // Overlaps the previous usable region's tail.
            MemoryRegion::reserved(addr.saturating_sub(rng.next(3 * FRAME_SIZE)), addr + len)
        } else {
            MemoryRegion::reserved(addr, addr + len)
        };
        map.push(region);
        addr += len;
    }
    map
}

#[test]
fn twelve_hundred_region_map() {
    let map = big_map(1200);
    assert_eq!(map.len(), 1200);
    let expected = expected_free(&map);
    assert!(expected.len() > 1000, "the generated map offers real memory");

    let words = bitmap_words_for(map.iter().copied());
    let storage_range = find_storage(map.iter().copied(), (words * 8) as u64).expect("room for the bitmap");
    assert_ne!(storage_range.start.as_u64(), 0);
    assert!(map.iter().all(|r| r.usable || !r.range.overlaps(&storage_range)));

    let mut alloc = FrameAllocator::new(storage(words), map.iter().copied()).unwrap();
    assert_eq!(alloc.total_usable_frames(), expected.len());
    let taken = alloc.reserve(storage_range);
    assert_eq!(taken, storage_range.frames_inside().count());

    let got = unique_numbers(&drain(&mut alloc));
    let storage_frames: BTreeSet<u64> = storage_range.frames_inside().map(|f| f.number()).collect();
    assert!(got.is_disjoint(&storage_frames), "the bitmap's own frames are never handed out");
    let mut expected_after = expected;
    expected_after.retain(|n| !storage_frames.contains(n));
    assert_eq!(got, expected_after);
}

#[test]
fn find_storage_never_frame_zero_nor_non_usable_on_big_maps() {
    for seed_len in [50, 400, 1200] {
        let map = big_map(seed_len);
        for bytes in [1, FRAME_SIZE, 3 * FRAME_SIZE + 1, 10 * FRAME_SIZE] {
            if let Some(r) = find_storage(map.iter().copied(), bytes) {
                assert_ne!(r.start.as_u64(), 0);
                assert!(r.start.is_aligned(FRAME_SIZE) && r.end.is_aligned(FRAME_SIZE));
                assert!(r.len() >= bytes);
                assert!(map.iter().any(|m| m.usable && m.range.start <= r.start && r.end <= m.range.end));
                assert!(map.iter().all(|m| m.usable || !m.range.overlaps(&r)));
                // Every frame of it is one the allocator would consider usable.
                let free = expected_free(&map);
                assert!(r.frames_inside().all(|f| free.contains(&f.number())));
            }
        }
    }
}
