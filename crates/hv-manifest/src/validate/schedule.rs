//! The rules about the schedule: every frame belongs to a partition that
//! exists, frames fill the major frame exactly, every partition gets CPU time,
//! and time slices have sensible lengths.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{label, Problems};
use crate::limits::{MAX_FRAMES, MAX_SLICE_US, MIN_FRAME_US, MIN_SLICE_US};
use crate::model::{Manifest, Schedule};

/// Applies the schedule rules.
pub(super) fn check(manifest: &Manifest, problems: &mut Problems) {
    match &manifest.schedule {
        Schedule::Cyclic { major_frame_us, frames } => cyclic(manifest, *major_frame_us, frames, problems),
        Schedule::Weighted { slice_us } => {
            if !(MIN_SLICE_US..=MAX_SLICE_US).contains(slice_us) {
                problems.report(
                    None,
                    "schedule.slice_us",
                    format!("a time slice of {slice_us} us is outside {MIN_SLICE_US}..={MAX_SLICE_US}"),
                    format!(
                        "use {MIN_SLICE_US} us (switching partitions costs time) to {MAX_SLICE_US} us (one second); \
                         1000 is a good start"
                    ),
                );
            }
        }
    }
}

fn cyclic(manifest: &Manifest, major_frame_us: u32, frames: &[crate::Frame], problems: &mut Problems) {
    if frames.is_empty() {
        problems.report(
            None,
            "schedule.frame",
            "the cyclic schedule has no frames, so no partition would ever run".into(),
            "add a [[schedule.frame]] table (partition = \"...\", duration_us = ...) for each time window".into(),
        );
        return;
    }
    if frames.len() > MAX_FRAMES {
        problems.report(
            None,
            "schedule.frame",
            format!("the cyclic schedule has {} frames, at most {MAX_FRAMES} are supported", frames.len()),
            "merge consecutive frames of the same partition, or lengthen the frames and use fewer".into(),
        );
    }
    let names: Vec<String> = manifest.partitions.iter().map(|p| format!("\"{}\"", p.name)).collect();
    for (index, frame) in frames.iter().enumerate() {
        if manifest.partition(&frame.partition).is_none() {
            problems.report(
                None,
                &format!("schedule.frame[{index}].partition"),
                format!("no partition is named \"{}\"", frame.partition),
                format!("use one of the declared partitions: {}", names.join(", ")),
            );
        }
        if frame.duration_us < MIN_FRAME_US {
            problems.report(
                None,
                &format!("schedule.frame[{index}].duration_us"),
                format!("{} us is shorter than the {MIN_FRAME_US} us minimum", frame.duration_us),
                format!(
                    "make the frame at least {MIN_FRAME_US} us long: switching partitions costs time, and a shorter \
                     frame would be mostly switching"
                ),
            );
        }
    }
    let sum: u64 = frames.iter().map(|f| u64::from(f.duration_us)).sum();
    if sum != u64::from(major_frame_us) {
        problems.report(
            None,
            "schedule.major_frame_us",
            format!("the frames add up to {sum} us, but major_frame_us is {major_frame_us}"),
            format!("set major_frame_us = {sum}, or change the frames' duration_us so they add up to {major_frame_us}"),
        );
    }
    for (index, partition) in manifest.partitions.iter().enumerate() {
        if !partition.name.is_empty() && !frames.iter().any(|f| f.partition == partition.name) {
            problems.report(
                Some(&label(index, partition)),
                "schedule.frame",
                "the partition appears in no frame of the cyclic schedule, so it would never run".into(),
                format!("add a [[schedule.frame]] with partition = \"{}\", or remove the partition", partition.name),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use crate::test_support::{default_manifest, errors_of, single};
    use crate::{Frame, Manifest, Schedule};

    fn with_schedule(schedule: Schedule) -> Manifest {
        Manifest { schedule, ..default_manifest() }
    }

    fn frames(list: &[(&str, u32)]) -> Vec<Frame> {
        list.iter().map(|&(partition, duration_us)| Frame { partition: partition.into(), duration_us }).collect()
    }

    #[test]
    fn a_cyclic_schedule_needs_frames() {
        let error = single(errors_of(&with_schedule(Schedule::Cyclic { major_frame_us: 30_000, frames: Vec::new() })));
        assert_eq!((error.partition.as_deref(), error.field.as_str()), (None, "schedule.frame"));
        assert!(error.fix.contains("[[schedule.frame]]"));
    }

    #[test]
    fn frames_name_existing_partitions() {
        let schedule = Schedule::Cyclic {
            major_frame_us: 30_000,
            frames: frames(&[("hello64", 10_000), ("realmode", 10_000), ("hostile", 5_000), ("hostle", 5_000)]),
        };
        let error = single(errors_of(&with_schedule(schedule)));
        assert_eq!((error.partition.as_deref(), error.field.as_str()), (None, "schedule.frame[3].partition"));
        assert!(error.problem.contains("\"hostle\""));
        assert!(error.fix.contains("\"hello64\", \"realmode\", \"hostile\""), "{error}");
    }

    #[test]
    fn frames_last_at_least_100_us() {
        let schedule = Schedule::Cyclic {
            major_frame_us: 20_099,
            frames: frames(&[("hello64", 10_000), ("realmode", 99), ("hostile", 10_000)]),
        };
        let error = single(errors_of(&with_schedule(schedule)));
        assert_eq!(error.field, "schedule.frame[1].duration_us");
        assert!(error.problem.contains("99 us") && error.problem.contains("100 us"), "{error}");
    }

    #[test]
    fn frames_fill_the_major_frame_exactly() {
        let schedule = Schedule::Cyclic {
            major_frame_us: 30_000,
            frames: frames(&[("hello64", 10_000), ("realmode", 10_000), ("hostile", 9_000)]),
        };
        let error = single(errors_of(&with_schedule(schedule)));
        assert_eq!((error.partition.as_deref(), error.field.as_str()), (None, "schedule.major_frame_us"));
        assert!(error.problem.contains("29000 us") && error.fix.contains("major_frame_us = 29000"), "{error}");
        // The sum cannot wrap around: in u32 these frames would add up to 998.
        let long = frames(&[("hello64", u32::MAX), ("realmode", u32::MAX), ("hostile", 1000)]);
        let schedule = Schedule::Cyclic { major_frame_us: 998, frames: long };
        assert!(errors_of(&with_schedule(schedule)).iter().any(|e| e.field == "schedule.major_frame_us"));
    }

    #[test]
    fn every_partition_gets_a_frame() {
        let schedule =
            Schedule::Cyclic { major_frame_us: 20_000, frames: frames(&[("hello64", 10_000), ("hostile", 10_000)]) };
        let error = single(errors_of(&with_schedule(schedule)));
        assert_eq!((error.partition.as_deref(), error.field.as_str()), (Some("realmode"), "schedule.frame"));
        assert!(error.problem.contains("never run"));
    }

    #[test]
    fn partitions_may_have_several_frames() {
        let schedule = Schedule::Cyclic {
            major_frame_us: 4_000,
            frames: frames(&[("hello64", 1_000), ("realmode", 1_000), ("hello64", 1_000), ("hostile", 1_000)]),
        };
        assert!(errors_of(&with_schedule(schedule)).is_empty());
    }

    #[test]
    fn too_many_frames() {
        let mut list = frames(&[("realmode", 100), ("hostile", 100)]);
        list.extend(frames(&[("hello64", 100); 63]));
        let schedule = Schedule::Cyclic { major_frame_us: 6_500, frames: list };
        let error = single(errors_of(&with_schedule(schedule)));
        assert_eq!(error.field, "schedule.frame");
        assert!(error.problem.contains("65 frames"), "{error}");
    }

    #[test]
    fn weighted_slices_have_bounds() {
        for slice_us in [100, 1000, 1_000_000] {
            assert!(errors_of(&with_schedule(Schedule::Weighted { slice_us })).is_empty());
        }
        for slice_us in [0, 99, 1_000_001] {
            let error = single(errors_of(&with_schedule(Schedule::Weighted { slice_us })));
            assert_eq!((error.partition.as_deref(), error.field.as_str()), (None, "schedule.slice_us"));
            assert!(error.problem.contains("100..=1000000"), "{error}");
        }
    }
}
