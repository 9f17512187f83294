//! Reading one TOML table's fields with their types checked, every problem
//! reported with the partition, the field, the position and the fix.
//!
//! A field is read as [`Got`]: absent, present, or present but invalid
//! (already reported). Reading never stops at the first problem, so a table
//! with three mistakes yields three messages. Keys the table does not know are
//! reported as `unknown field` with the known ones listed and the likely
//! intended one suggested.

use std::fmt::Display;
use std::ops::Range;

use toml::de::{DeArray, DeString, DeTable, DeValue};
use toml::Spanned;

use super::fields::FieldSpec;
use super::source::Source;
use super::suggest::closest;

/// A field as read.
pub(super) enum Got<T> {
    /// Not written.
    Absent,
    /// Written, but not usable; the problem is reported.
    Invalid,
    /// Written and usable.
    Present(T),
}

impl<T> Got<T> {
    /// The value if present.
    pub(super) fn value(self) -> Option<T> {
        match self {
            Self::Present(value) => Some(value),
            _ => None,
        }
    }

    /// The value, or `default` when absent; `None` when invalid.
    pub(super) fn or(self, default: T) -> Option<T> {
        match self {
            Self::Absent => Some(default),
            Self::Invalid => None,
            Self::Present(value) => Some(value),
        }
    }

    /// Whether the field was written at all.
    pub(super) fn is_written(&self) -> bool {
        !matches!(self, Self::Absent)
    }
}

/// The fields of one table.
pub(super) struct TableReader<'t, 'i> {
    table: &'t DeTable<'i>,
    header: Range<usize>,
    partition: Option<String>,
    field_prefix: String,
    specs: &'static [FieldSpec],
    /// Known keys that an unknown key was taken for a misspelling of: their
    /// absence is already explained by the "did you mean" of that key.
    meant: Vec<&'static str>,
}

impl<'t, 'i> TableReader<'t, 'i> {
    /// Starts reading `table`, written at `header`: remembers where each key
    /// is (as `path_prefix` + key) and reports the keys `specs` does not know.
    /// Problems name `partition` and fields as `field_prefix` + key.
    pub(super) fn new(
        source: &mut Source<'_>,
        table: &'t DeTable<'i>,
        header: Range<usize>,
        partition: Option<String>,
        prefixes: (&str, &str),
        specs: &'static [FieldSpec],
    ) -> Self {
        let (field_prefix, path_prefix) = prefixes;
        let mut reader = Self { table, header, partition, field_prefix: field_prefix.into(), specs, meant: Vec::new() };
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            source.remember(format!("{path_prefix}{name}"), &key.span());
            if !specs.iter().any(|spec| spec.key == name) {
                reader.unknown(source, key);
            }
        }
        reader
    }

    fn unknown(&mut self, source: &mut Source<'_>, key: &Spanned<DeString<'_>>) {
        let name: &str = key.get_ref();
        let known: Vec<String> = self.specs.iter().map(|spec| format!("`{}`", spec.key)).collect();
        let fix = match closest(name, self.specs.iter().map(|spec| spec.key)) {
            Some(meant) => {
                self.meant.push(meant);
                let spec = self.spec(meant);
                format!("did you mean `{meant}`? ({}: {})", spec.example, spec.takes)
            }
            None => "remove it, or rename it to one of the fields listed".into(),
        };
        let problem = format!("unknown field `{name}`, expected one of {}", known.join(", "));
        source.report(&key.span(), self.partition.as_deref(), &self.field(name), problem, fix);
    }

    /// The field's name in problems.
    pub(super) fn field(&self, key: &str) -> String {
        format!("{}{key}", self.field_prefix)
    }

    fn spec(&self, key: &str) -> &'static FieldSpec {
        // Only keys of `specs` are read; an unknown one falls back to the first.
        self.specs.iter().find(|spec| spec.key == key).unwrap_or(&self.specs[0])
    }

    /// The key and value written for `key`.
    pub(super) fn entry(&self, key: &str) -> Option<(&'t Spanned<DeString<'i>>, &'t Spanned<DeValue<'i>>)> {
        self.table.iter().find(|(k, _)| {
            let name: &str = k.get_ref();
            name == key
        })
    }

    /// Reports a problem with the field `key`, at the key if it is written,
    /// else at the table.
    pub(super) fn report(&self, source: &mut Source<'_>, key: &str, problem: String, fix: String) {
        let span = self.entry(key).map_or(self.header.clone(), |(k, _)| k.span());
        source.report(&span, self.partition.as_deref(), &self.field(key), problem, fix);
    }

    /// Reports a problem with the field `key` at `span` (a value, or a part of one).
    pub(super) fn report_at(
        &self,
        source: &mut Source<'_>,
        span: &Range<usize>,
        key: &str,
        problem: String,
        fix: String,
    ) {
        source.report(span, self.partition.as_deref(), &self.field(key), problem, fix);
    }

    /// Reports a problem with the value written for `key`, at the value.
    fn report_value(
        &self,
        source: &mut Source<'_>,
        value: &Spanned<DeValue<'_>>,
        key: &str,
        problem: String,
        fix: String,
    ) {
        self.report_at(source, &value.span(), key, problem, fix);
    }

    /// Reports `key` as missing, with the field's example as the fix, unless
    /// a misspelling of it was reported already.
    pub(super) fn missing(&self, source: &mut Source<'_>, key: &str) {
        if self.meant.contains(&key) {
            return;
        }
        let spec = self.spec(key);
        let fix = format!("add {} ({})", spec.example, spec.takes);
        self.report(source, key, format!("`{key}` is missing"), fix);
    }

    /// The value, reporting `key` as missing when absent.
    pub(super) fn required<T>(&self, source: &mut Source<'_>, key: &str, got: Got<T>) -> Option<T> {
        if let Got::Absent = got {
            self.missing(source, key);
        }
        got.value()
    }

    fn wrong_type(&self, source: &mut Source<'_>, key: &str, value: &Spanned<DeValue<'_>>, expected: &str) {
        let spec = self.spec(key);
        let found = value.get_ref();
        let mut fix = format!("write it as {} ({})", spec.example, spec.takes);
        if let (DeValue::String(text), "a number") = (found, expected) {
            if text.trim().starts_with(|c: char| c.is_ascii_digit()) {
                fix = format!("remove the quotes: numbers are written bare, as in {}", spec.example);
            }
        }
        let problem = format!("expected {expected}, found {}", describe(found));
        self.report_value(source, value, key, problem, fix);
    }

    /// A string field.
    pub(super) fn string(&self, source: &mut Source<'_>, key: &str) -> Got<&'t str> {
        match self.entry(key) {
            None => Got::Absent,
            Some((_, value)) => match value.get_ref() {
                DeValue::String(text) => Got::Present(text),
                _ => {
                    self.wrong_type(source, key, value, "a string");
                    Got::Invalid
                }
            },
        }
    }

    /// An unsigned integer field (decimal, or hexadecimal with `0x`), at most
    /// `max`.
    pub(super) fn number<T>(&self, source: &mut Source<'_>, key: &str, max: T) -> Got<T>
    where
        T: TryFrom<i128> + Display + Copy,
    {
        let Some((_, value)) = self.entry(key) else { return Got::Absent };
        let DeValue::Integer(integer) = value.get_ref() else {
            let expected = if value.get_ref().is_float() { "a whole number" } else { "a number" };
            self.wrong_type(source, key, value, expected);
            return Got::Invalid;
        };
        let spec = self.spec(key);
        let parsed = i128::from_str_radix(integer.as_str(), integer.radix()).ok();
        match parsed.map(|n| (n, T::try_from(n))) {
            Some((_, Ok(number))) => Got::Present(number),
            Some((n, Err(_))) if n < 0 => {
                self.report_value(source, value, key, format!("{integer} is negative"), format!("use {}", spec.takes));
                Got::Invalid
            }
            _ => {
                let problem = format!("{integer} is too large (at most {max})");
                self.report_value(source, value, key, problem, format!("use {}", spec.takes));
                Got::Invalid
            }
        }
    }

    /// A string field naming one of `options`.
    pub(super) fn choice<T: Copy>(&self, source: &mut Source<'_>, key: &str, options: &[(&'static str, T)]) -> Got<T> {
        let Some((_, value)) = self.entry(key) else { return Got::Absent };
        let Got::Present(text) = self.string(source, key) else { return Got::Invalid };
        if let Some(&(_, choice)) = options.iter().find(|(name, _)| *name == text) {
            return Got::Present(choice);
        }
        let names: Vec<String> = options.iter().map(|(name, _)| format!("\"{name}\"")).collect();
        let fix = match closest(text, options.iter().map(|(name, _)| *name)) {
            Some(meant) => format!("did you mean \"{meant}\"?"),
            None => format!("write one of those, as in {}", self.spec(key).example),
        };
        let problem = format!("unknown value \"{text}\", expected one of {}", names.join(", "));
        self.report_value(source, value, key, problem, fix);
        Got::Invalid
    }

    /// An array field.
    pub(super) fn array(&self, source: &mut Source<'_>, key: &str) -> Got<&'t DeArray<'i>> {
        let Some((_, value)) = self.entry(key) else { return Got::Absent };
        match value.get_ref() {
            DeValue::Array(array) => Got::Present(array),
            _ => {
                self.wrong_type(source, key, value, "an array");
                Got::Invalid
            }
        }
    }

    /// A sub-table field and where it was written.
    pub(super) fn table(&self, source: &mut Source<'_>, key: &str) -> Got<(&'t DeTable<'i>, Range<usize>)> {
        let Some((_, value)) = self.entry(key) else { return Got::Absent };
        match value.get_ref() {
            DeValue::Table(table) => Got::Present((table, value.span())),
            _ => {
                self.wrong_type(source, key, value, "a table");
                Got::Invalid
            }
        }
    }
}

/// A value for messages, with its type: `a string "16"`, `an integer 7`,
/// `a table`.
pub(super) fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(text) => format!("a string \"{text}\""),
        DeValue::Integer(integer) => format!("an integer {integer}"),
        DeValue::Float(float) => format!("a float {float}"),
        DeValue::Boolean(flag) => format!("a boolean {flag}"),
        DeValue::Datetime(datetime) => format!("a date {datetime}"),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}
