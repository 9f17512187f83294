//! Reading the TOML manifest (feature `toml`, host side).
//!
//! The text is parsed by the `toml` crate into its document tree, which keeps
//! the position of every key and value; this module walks that tree itself
//! rather than deserialising through serde, so that it can
//!
//! - report every problem in one pass (serde stops at the first one),
//! - give each its line and column, partition, field and a fix quoting an
//!   example of the field ([`fields`]),
//! - suggest the intended word for a misspelt field or value: "unknown field
//!   \`memory_mb\`, expected one of ..." comes with "did you mean
//!   \`memory_mib\`?".
//!
//! TOML syntax errors keep the `toml` crate's message and position.
//! Integers may be written in decimal or hexadecimal (`0x7c00`), with `_`
//! separators, as TOML allows.

mod fields;
mod partition;
mod reader;
mod schedule;
mod source;
mod suggest;

use toml::de::DeTable;

use self::fields::ROOT;
use self::reader::TableReader;
use self::source::Source;
use crate::error::ManifestError;
use crate::model::{Manifest, Schedule};
use crate::validate::{validate, validate_partition, ValidationContext};

/// The kind of schedule, which decides which partition fields apply.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ScheduleKind {
    Cyclic,
    Weighted,
}

/// Reads a manifest from TOML text.
///
/// Checks the structure: TOML syntax, known fields, types, required fields
/// and fields that only apply together. The value rules are
/// [`validate`](crate::validate)'s; use [`parse_and_validate`] for both. When
/// some partitions cannot be read, the others are still checked against the
/// rules that concern one partition alone, so one round reports as much as
/// possible. Problems come in the order they appear in the text.
pub fn parse_toml(text: &str) -> Result<Manifest, Vec<ManifestError>> {
    let (manifest, source) = read(text);
    match manifest {
        Some(manifest) if source.errors.is_empty() => Ok(manifest),
        _ => Err(sorted(source.errors)),
    }
}

/// Reads a manifest from TOML text and validates it with `context`; every
/// problem, structural or not, carries the line and column it concerns where
/// there is one.
pub fn parse_and_validate(text: &str, context: &ValidationContext) -> Result<Manifest, Vec<ManifestError>> {
    let manifest = parse_toml(text)?;
    validate(&manifest, context).map_err(|mut errors| {
        locate_errors(text, &mut errors);
        sorted(errors)
    })?;
    Ok(manifest)
}

/// Gives each problem without a location the line and column of the field it
/// names in `text` (the TOML the manifest was read from), for problems found
/// by [`validate`](crate::validate) after [`parse_toml`].
pub fn locate_errors(text: &str, errors: &mut [ManifestError]) {
    let (_, source) = read(text);
    for error in errors.iter_mut().filter(|e| e.location.is_none()) {
        error.location = source.place_of(error);
    }
}

/// Problems in text order; those without a position (manifest-wide) last.
fn sorted(mut errors: Vec<ManifestError>) -> Vec<ManifestError> {
    errors.sort_by_key(|error| (error.location.is_none(), error.location));
    errors
}

/// Reads `text`: the manifest if everything needed was readable, and the
/// reading state (problems, field positions).
fn read(text: &str) -> (Option<Manifest>, Source<'_>) {
    let mut source = Source::new(text);
    let document = match DeTable::parse(text) {
        Ok(document) => document,
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().trim_end().to_string();
            let fix = if message.contains("duplicate") {
                "each key and table may be written once: remove or rename the repetition"
            } else {
                "correct the TOML syntax at this position (https://toml.io)"
            };
            source.report(&span, None, "", message, fix.into());
            return (None, source);
        }
    };
    let root = document.get_ref();
    // Unknown top-level keys are reported by the reader.
    let top = TableReader::new(&mut source, root, document.span(), None, ("", ""), ROOT);
    let schedule_value = top.entry("schedule").map(|(_, value)| value);
    let schedule = schedule::schedule(&mut source, schedule_value);
    let kind = schedule.as_ref().map(|schedule| match schedule {
        Schedule::Cyclic { .. } => ScheduleKind::Cyclic,
        Schedule::Weighted { .. } => ScheduleKind::Weighted,
    });
    let partitions = match top.entry("partition").map(|(_, value)| value) {
        None => Vec::new(),
        Some(value) => match value.get_ref().as_array() {
            Some(array) => array
                .iter()
                .enumerate()
                .map(|(index, value)| partition::partition(&mut source, index, value, kind))
                .collect(),
            None => {
                source.report(
                    &value.span(),
                    None,
                    "partition",
                    "partition is a single table, not a list of partitions".into(),
                    "write each partition as [[partition]], with double brackets".into(),
                );
                Vec::new()
            }
        },
    };
    if !source.errors.is_empty() {
        // Check what could be read against the single-partition rules.
        let context = ValidationContext::default();
        for (index, partition) in partitions.iter().enumerate() {
            if let Some(partition) = partition {
                let mut errors = validate_partition(index, partition, &context);
                for error in &mut errors {
                    error.location = source.place_of(error);
                }
                source.errors.append(&mut errors);
            }
        }
        return (None, source);
    }
    let partitions = partitions.into_iter().collect::<Option<Vec<_>>>();
    (schedule.zip(partitions).map(|(schedule, partitions)| Manifest { schedule, partitions }), source)
}

#[cfg(test)]
mod tests;
