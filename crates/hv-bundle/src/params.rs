//! Boot parameters: `key=value` words separated by whitespace, carried in the
//! bundle's [`PARAMS_ENTRY`](crate::PARAMS_ENTRY) entry.
//!
//! Known keys are declared by the kernel; an unknown key or a malformed word
//! is an error that names it, so a typo never silently does nothing.

/// A parameter problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamError<'a> {
    /// A word without `=`.
    NotKeyValue(&'a str),
    /// A key the kernel does not know.
    UnknownKey(&'a str),
    /// A key given twice.
    Repeated(&'a str),
}

impl core::fmt::Display for ParamError<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NotKeyValue(word) => write!(f, "boot parameter `{word}` is not key=value"),
            Self::UnknownKey(key) => write!(f, "unknown boot parameter `{key}`"),
            Self::Repeated(key) => write!(f, "boot parameter `{key}` is given twice"),
        }
    }
}

/// Parses `text`, accepting only keys in `known`; returns the pairs in order.
pub fn parse<'a>(
    text: &'a str,
    known: &[&str],
) -> Result<impl Iterator<Item = (&'a str, &'a str)> + 'a, ParamError<'a>> {
    let pairs = || text.split_whitespace().map(|word| word.split_once('=').ok_or(ParamError::NotKeyValue(word)));
    for (index, pair) in pairs().enumerate() {
        let (key, _) = pair?;
        if !known.contains(&key) {
            return Err(ParamError::UnknownKey(key));
        }
        if pairs().take(index).any(|earlier| earlier.is_ok_and(|(k, _)| k == key)) {
            return Err(ParamError::Repeated(key));
        }
    }
    Ok(pairs().filter_map(Result::ok))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_come_back_in_order() {
        let pairs: Vec<_> = parse(" selftest=panic  log=debug\n", &["selftest", "log"]).expect("valid").collect();
        assert_eq!(pairs, [("selftest", "panic"), ("log", "debug")]);
        assert_eq!(parse("", &[]).map(Iterator::count), Ok(0));
    }

    #[test]
    fn problems_are_named() {
        assert_eq!(parse("selftest", &["selftest"]).err(), Some(ParamError::NotKeyValue("selftest")));
        assert_eq!(parse("slftest=panic", &["selftest"]).err(), Some(ParamError::UnknownKey("slftest")));
        assert_eq!(parse("selftest=a selftest=b", &["selftest"]).err(), Some(ParamError::Repeated("selftest")));
    }
}
