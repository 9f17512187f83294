//! Showing the byte strings of ACPI tables (signatures, OEM IDs, OEM table
//! IDs, creator IDs: ACPI 6.5 §5.2.5.3 and §5.2.6) in messages.
//!
//! They are meant to be printable ASCII, but they are firmware bytes like any
//! other, so anything else is shown escaped rather than written to the
//! console as is.

use core::fmt;

/// Displays bytes as text: printable ASCII (and space) as itself, every other
/// byte as `\xNN`. Trailing spaces, common in OEM IDs, are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ascii<'a>(pub &'a [u8]);

impl fmt::Display for Ascii<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &byte in self.0 {
            if byte == b' ' || byte.is_ascii_graphic() && byte != b'\\' {
                fmt::Write::write_char(f, char::from(byte))?;
            } else {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_bytes_pass_and_others_are_escaped() {
        assert_eq!(Ascii(b"BOCHS ").to_string(), "BOCHS ");
        assert_eq!(Ascii(b"AP\0\xff").to_string(), "AP\\x00\\xff");
        assert_eq!(Ascii(b"a\\b\n").to_string(), "a\\x5cb\\x0a");
        assert_eq!(Ascii(b"").to_string(), "");
    }
}
