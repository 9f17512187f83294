//! The TOML text being read: turning byte spans into lines and columns,
//! collecting problems as they are found, and remembering where each field
//! was written so that problems found later, by validation, can point at it
//! too.

use std::ops::Range;

use crate::error::{Location, ManifestError};

/// Reading state over one TOML text.
pub(super) struct Source<'s> {
    text: &'s str,
    /// Problems found so far.
    pub(super) errors: Vec<ManifestError>,
    /// Where each field was written, by path: `schedule`,
    /// `schedule.frame[1].duration_us`, `partition[0]` (the table header),
    /// `partition[0].console.color`.
    places: Vec<(String, Location)>,
    /// How problems name each `[[partition]]`, in order.
    pub(super) labels: Vec<String>,
}

impl<'s> Source<'s> {
    pub(super) fn new(text: &'s str) -> Self {
        Self { text, errors: Vec::new(), places: Vec::new(), labels: Vec::new() }
    }

    /// The line and column where `span` starts.
    pub(super) fn location(&self, span: &Range<usize>) -> Location {
        let before = self.text.get(..span.start).unwrap_or(self.text);
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let line = before.matches('\n').count() + 1;
        let column = before[line_start..].chars().count() + 1;
        Location { line: u32::try_from(line).unwrap_or(u32::MAX), column: u32::try_from(column).unwrap_or(u32::MAX) }
    }

    /// Records a problem found at `span`.
    pub(super) fn report(
        &mut self,
        span: &Range<usize>,
        partition: Option<&str>,
        field: &str,
        problem: String,
        fix: String,
    ) {
        let location = self.location(span);
        self.errors.push(ManifestError::new(partition, field, problem, fix).at(location));
    }

    /// Remembers that `path` was written at `span`.
    pub(super) fn remember(&mut self, path: String, span: &Range<usize>) {
        let location = self.location(span);
        self.places.push((path, location));
    }

    /// Where the field `error` is about was written, if it was: the field
    /// itself, else the nearest enclosing table (a partition's header for a
    /// problem with the partition as a whole).
    pub(super) fn place_of(&self, error: &ManifestError) -> Option<Location> {
        let mut path = match error.partition.as_deref() {
            Some(label) => {
                let mut matching = self.labels.iter().enumerate().filter(|(_, l)| *l == label).map(|(i, _)| i);
                // A repeated name is reported on the repetition, other problems on the first.
                let index = if error.field == "name" { matching.next_back()? } else { matching.next()? };
                if error.field.starts_with("schedule") {
                    format!("partition[{index}]")
                } else {
                    format!("partition[{index}].{}", error.field)
                }
            }
            None => error.field.clone(),
        };
        loop {
            if let Some((_, location)) = self.places.iter().find(|(p, _)| *p == path) {
                return Some(*location);
            }
            let cut = path.rfind(['.', '['])?;
            path.truncate(cut);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_become_lines_and_columns() {
        let source = Source::new("a = 1\nbé = 2\n\nc");
        assert_eq!(source.location(&(0..1)), Location { line: 1, column: 1 });
        assert_eq!(source.location(&(4..5)), Location { line: 1, column: 5 });
        assert_eq!(source.location(&(6..7)), Location { line: 2, column: 1 });
        // Columns count characters, not bytes: "bé " is 3 characters, 4 bytes.
        assert_eq!(source.location(&(10..11)), Location { line: 2, column: 4 });
        assert_eq!(source.location(&(14..15)), Location { line: 3, column: 1 });
        assert_eq!(source.location(&(15..16)), Location { line: 4, column: 1 });
        assert_eq!(source.location(&(99..99)), Location { line: 4, column: 2 });
    }

    #[test]
    fn problems_are_placed_at_the_field_or_its_table() {
        let mut source = Source::new("0123456789\n0123456789\n0123456789\n");
        source.labels = vec!["hello64".into(), "#2".into()];
        source.remember("partition[0]".into(), &(11..12));
        source.remember("partition[0].memory_mib".into(), &(14..15));
        source.remember("partition[1]".into(), &(22..23));
        source.remember("schedule.frame[0]".into(), &(3..4));
        let at = |partition: Option<&str>, field: &str| {
            source.place_of(&ManifestError::new(partition, field, "", "")).map(|l| (l.line, l.column))
        };
        assert_eq!(at(Some("hello64"), "memory_mib"), Some((2, 4)));
        assert_eq!(at(Some("hello64"), "base"), Some((2, 1)));
        assert_eq!(at(Some("hello64"), "schedule.frame"), Some((2, 1)));
        assert_eq!(at(Some("#2"), "name"), Some((3, 1)));
        assert_eq!(at(None, "schedule.frame[0].duration_us"), Some((1, 4)));
        assert_eq!(at(None, "memory_mib"), None);
        assert_eq!(at(Some("missing"), "memory_mib"), None);
    }
}
