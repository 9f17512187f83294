//! A manifest problem, as the user sees it.
//!
//! Users of other partitioning hypervisors complain of opaque configuration
//! errors, so every problem here says three things: *where* (the partition
//! and the field, and for TOML input the line and column), *what* is wrong,
//! and *how to fix it*. Validation reports every problem it finds, not just
//! the first, so one edit-and-retry round fixes them all.

use alloc::string::String;
use core::fmt;

/// A position in the manifest's TOML text, both 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub column: u32,
}

/// One problem in a manifest.
///
/// Displays as, for example,
/// `partition "realmode", field memory_mib: 3 is not a multiple of 2 — use an
/// even number of MiB (2, 4, 6, ...)`, preceded by `line L, column C: ` when
/// the problem was found in TOML text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestError {
    /// The partition concerned: its name, or `#N` (its 1-based position among
    /// the `[[partition]]` tables) when it has no usable name; `None` for
    /// problems of the schedule or of the manifest as a whole.
    pub partition: Option<String>,
    /// The field, as written in the manifest: `memory_mib`, `console.color`,
    /// `schedule.slice_us`, `schedule.frame[2].partition` (frames counted from
    /// 0); empty for TOML syntax errors.
    pub field: String,
    /// What is wrong.
    pub problem: String,
    /// How to fix it.
    pub fix: String,
    /// Where in the TOML text, when known.
    pub location: Option<Location>,
}

impl ManifestError {
    /// A problem with no location.
    #[must_use]
    pub fn new(
        partition: Option<&str>,
        field: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            partition: partition.map(String::from),
            field: field.into(),
            problem: problem.into(),
            fix: fix.into(),
            location: None,
        }
    }

    /// The same problem, located at `location`.
    #[must_use]
    pub fn at(self, location: Location) -> Self {
        Self { location: Some(location), ..self }
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(Location { line, column }) = self.location {
            write!(f, "line {line}, column {column}: ")?;
        }
        match self.partition.as_deref() {
            Some(label) if label.starts_with('#') => write!(f, "partition {label}, ")?,
            Some(name) => write!(f, "partition \"{name}\", ")?,
            None => {}
        }
        if !self.field.is_empty() {
            write!(f, "field {}: ", self.field)?;
        }
        write!(f, "{} — {}", self.problem, self.fix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_partition_field_problem_and_fix() {
        let error = ManifestError::new(
            Some("realmode"),
            "memory_mib",
            "3 is not a multiple of 2",
            "use an even number of MiB (2, 4, 6, ...)",
        );
        assert_eq!(
            error.to_string(),
            "partition \"realmode\", field memory_mib: 3 is not a multiple of 2 — use an even number of MiB (2, 4, 6, ...)"
        );
        let located = error.at(Location { line: 12, column: 1 });
        assert!(located.to_string().starts_with("line 12, column 1: partition \"realmode\", field memory_mib: 3 "));
    }

    #[test]
    fn unnamed_partitions_schedule_fields_and_syntax_errors() {
        let error = ManifestError::new(Some("#2"), "name", "the name is missing", "add name = \"...\"");
        assert_eq!(error.to_string(), "partition #2, field name: the name is missing — add name = \"...\"");
        let error = ManifestError::new(None, "schedule.slice_us", "10 us is too short", "use at least 100");
        assert_eq!(error.to_string(), "field schedule.slice_us: 10 us is too short — use at least 100");
        let error =
            ManifestError::new(None, "", "invalid string", "close the quotes").at(Location { line: 2, column: 10 });
        assert_eq!(error.to_string(), "line 2, column 10: invalid string — close the quotes");
    }
}
