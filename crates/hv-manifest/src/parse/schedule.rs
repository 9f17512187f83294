//! Reading `[schedule]` and its `[[schedule.frame]]` tables into a
//! [`Schedule`].
//!
//! Fields that belong to the other kind of schedule (frames in a weighted
//! schedule, a time slice in a cyclic one) are errors rather than ignored: a
//! setting that silently does nothing is a mistake found late.

use toml::de::DeValue;
use toml::Spanned;

use super::fields::{FRAME, SCHEDULE};
use super::reader::{describe, Got, TableReader};
use super::source::Source;
use super::ScheduleKind;
use crate::limits::DEFAULT_SLICE_US;
use crate::model::{Frame, Schedule};

/// Reads the `schedule` value; `None` when it is missing or unusable (the
/// problems are reported).
pub(super) fn schedule(source: &mut Source<'_>, value: Option<&Spanned<DeValue<'_>>>) -> Option<Schedule> {
    let Some(value) = value else {
        source.errors.push(crate::ManifestError::new(
            None,
            "schedule",
            "the manifest has no [schedule]",
            "add a [schedule] table: mode = \"cyclic\" with major_frame_us and [[schedule.frame]] tables, or mode = \
             \"weighted\"",
        ));
        return None;
    };
    let header = value.span();
    source.remember("schedule".into(), &header);
    let Some(table) = value.get_ref().as_table() else {
        source.report(
            &header,
            None,
            "schedule",
            format!("schedule is {}, not a table", describe(value.get_ref())),
            "write it as a [schedule] table with mode = \"cyclic\" or \"weighted\"".into(),
        );
        return None;
    };
    let fields = TableReader::new(source, table, header, None, ("schedule.", "schedule."), SCHEDULE);
    let kinds = [("cyclic", ScheduleKind::Cyclic), ("weighted", ScheduleKind::Weighted)];
    let kind = fields.choice(source, "mode", &kinds);
    let kind = fields.required(source, "mode", kind);
    let major_frame_us = fields.number(source, "major_frame_us", u32::MAX);
    let slice_us = fields.number(source, "slice_us", u32::MAX);
    let frames = frames(source, &fields);
    match kind? {
        ScheduleKind::Cyclic => {
            if slice_us.is_written() {
                fields.report(
                    source,
                    "slice_us",
                    "slice_us only applies to the weighted schedule; a cyclic schedule runs frames".into(),
                    "remove slice_us, or set mode = \"weighted\"".into(),
                );
            }
            let frames = frames?;
            let major_frame_us = match major_frame_us {
                Got::Absent => {
                    let sum: u64 = frames.iter().map(|f| u64::from(f.duration_us)).sum();
                    fields.report(
                        source,
                        "major_frame_us",
                        "`major_frame_us` is missing: a cyclic schedule needs its period".into(),
                        format!("add major_frame_us = {sum} (the sum of the frames' duration_us)"),
                    );
                    None
                }
                other => other.value(),
            };
            Some(Schedule::Cyclic { major_frame_us: major_frame_us?, frames })
        }
        ScheduleKind::Weighted => {
            let frames_written = fields.entry("frame").is_some();
            for (key, written) in [("major_frame_us", major_frame_us.is_written()), ("frame", frames_written)] {
                if written {
                    fields.report(
                        source,
                        key,
                        format!("{key} only applies to the cyclic schedule; a weighted schedule shares time by share"),
                        format!(
                            "remove {}, or set mode = \"cyclic\"",
                            if key == "frame" { "the [[schedule.frame]] tables" } else { key }
                        ),
                    );
                }
            }
            Some(Schedule::Weighted { slice_us: slice_us.or(DEFAULT_SLICE_US)? })
        }
    }
}

/// The `[[schedule.frame]]` tables (none when absent).
fn frames(source: &mut Source<'_>, fields: &TableReader<'_, '_>) -> Option<Vec<Frame>> {
    let array = match fields.array(source, "frame") {
        Got::Absent => return Some(Vec::new()),
        Got::Invalid => return None,
        Got::Present(array) => array,
    };
    let mut frames = Some(Vec::with_capacity(array.len()));
    for (index, value) in array.iter().enumerate() {
        let frame = frame(source, index, value);
        frames = frames.zip(frame).map(|(mut list, frame)| {
            list.push(frame);
            list
        });
    }
    frames
}

fn frame(source: &mut Source<'_>, index: usize, value: &Spanned<DeValue<'_>>) -> Option<Frame> {
    let path = format!("schedule.frame[{index}]");
    source.remember(path.clone(), &value.span());
    let Some(table) = value.get_ref().as_table() else {
        source.report(
            &value.span(),
            None,
            &path,
            format!("frame {index} is {}, not a table", describe(value.get_ref())),
            "write each frame as a [[schedule.frame]] table with partition and duration_us".into(),
        );
        return None;
    };
    let prefix = format!("{path}.");
    let fields = TableReader::new(source, table, value.span(), None, (&prefix, &prefix), FRAME);
    let partition = fields.string(source, "partition");
    let partition = fields.required(source, "partition", partition);
    let duration_us = fields.number(source, "duration_us", u32::MAX);
    let duration_us = fields.required(source, "duration_us", duration_us);
    Some(Frame { partition: partition?.into(), duration_us: duration_us? })
}
