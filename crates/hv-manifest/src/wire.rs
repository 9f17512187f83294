//! The binary form of a manifest: the `manifest` entry of the boot bundle.
//!
//! The host writes it ([`encode`](crate::encode)) from a validated manifest;
//! the hypervisor reads it ([`decode`](crate::decode)) and validates the
//! result again. It is compact and has no alignment: every field is read
//! byte by byte, little-endian.
//!
//! | field | encoding |
//! |---|---|
//! | magic | 8 bytes `HVMANIF1` |
//! | version | u32, [`VERSION`] |
//! | schedule | u8 tag: 0 cyclic, 1 weighted |
//! | — cyclic | u32 `major_frame_us`, u8 frame count (≤ [`MAX_FRAMES`](crate::MAX_FRAMES)), then per frame: string partition, u32 `duration_us` |
//! | — weighted | u32 `slice_us` |
//! | partition count | u8 (≤ [`MAX_PARTITIONS`](crate::MAX_PARTITIONS)) |
//! | each partition | string name, u32 `memory_mib`, u64 base, string image (bundle entry name), format, u8 mode, u64 `boot_argument`, u32 share, u32 cpu, io ports, restart, u8 colour |
//! | — format | u8 tag: 0 ELF; 1 flat, then u64 `load_address`, u64 entry; 2 multiboot, then long string `cmdline`, u8 module count (≤ [`MAX_MODULES`](crate::MAX_MODULES)), per module: string bundle entry name, long string `string` |
//! | — mode | 0 real16, 1 protected32, 2 long64 |
//! | — io ports | u8 count (≤ [`MAX_PORT_RANGES`](crate::MAX_PORT_RANGES)), then per range u16 first, u16 last |
//! | — restart | u8 tag: 0 never; 1 on fault, then u32 limit |
//! | — colour | 0 none, 1 red, 2 green, 3 yellow, 4 blue, 5 magenta, 6 cyan, 7 white |
//!
//! A string is a u8 length from 1 to [`MAX_STRING_LEN`] and that many bytes
//! of UTF-8; a long string a u16 length (0 allowed) and that many bytes of
//! UTF-8. Nothing may follow the last partition.

use core::fmt;

use crate::partition::{Color, CpuMode};

/// The first eight bytes of every encoded manifest.
pub const MAGIC: [u8; 8] = *b"HVMANIF1";
/// The only format version this code reads and writes.
pub const VERSION: u32 = 1;
/// Longest string (partition name, bundle entry name), in bytes.
pub const MAX_STRING_LEN: usize = 64;

pub(crate) const SCHEDULE_CYCLIC: u8 = 0;
pub(crate) const SCHEDULE_WEIGHTED: u8 = 1;
pub(crate) const FORMAT_ELF: u8 = 0;
pub(crate) const FORMAT_FLAT: u8 = 1;
pub(crate) const FORMAT_MULTIBOOT: u8 = 2;
pub(crate) const RESTART_NEVER: u8 = 0;
pub(crate) const RESTART_ON_FAULT: u8 = 1;

/// The wire tag of a CPU mode.
pub(crate) fn mode_tag(mode: CpuMode) -> u8 {
    match mode {
        CpuMode::Real16 => 0,
        CpuMode::Protected32 => 1,
        CpuMode::Long64 => 2,
    }
}

/// The CPU mode of a wire tag.
pub(crate) fn mode_of(tag: u8) -> Option<CpuMode> {
    CpuMode::ALL.into_iter().find(|&mode| mode_tag(mode) == tag)
}

/// The wire tag of an optional colour (0 for none).
pub(crate) fn color_tag(color: Option<Color>) -> u8 {
    color.map_or(0, |color| color.ansi_code() - 30)
}

/// The optional colour of a wire tag; `None` for an unknown tag.
pub(crate) fn color_of(tag: u8) -> Option<Option<Color>> {
    if tag == 0 {
        return Some(None);
    }
    Color::ALL.into_iter().find(|&color| color_tag(Some(color)) == tag).map(Some)
}

/// Why [`encode`](crate::encode) refused a manifest. Validation already
/// enforces tighter limits, except on the bundle entry names the caller
/// supplies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// A string is empty or longer than [`MAX_STRING_LEN`] bytes.
    BadString {
        /// What the string is, e.g. `"image entry name"`.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// More items than the format's count field allows.
    TooMany {
        /// What is counted.
        what: &'static str,
        /// How many there are.
        count: usize,
        /// The most allowed.
        max: usize,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadString { what, len } => {
                write!(f, "cannot encode the manifest: a {what} of {len} bytes (1 to {MAX_STRING_LEN} are allowed)")
            }
            Self::TooMany { what, count, max } => {
                write!(f, "cannot encode the manifest: {count} {what} (at most {max}); validate it first")
            }
        }
    }
}

/// Why [`decode`](crate::decode) rejected the bytes. Offsets count from the
/// start of the manifest entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The bytes end inside a field.
    Truncated {
        /// Where the field starts.
        offset: usize,
        /// What the field is.
        what: &'static str,
    },
    /// The entry does not start with `HVMANIF1`.
    BadMagic,
    /// A format version this code does not know.
    UnsupportedVersion(u32),
    /// A tag byte with no meaning.
    BadTag {
        /// Where the tag is.
        offset: usize,
        /// What the tag selects.
        what: &'static str,
        /// The byte found.
        value: u8,
    },
    /// A count above its limit.
    TooMany {
        /// Where the count is.
        offset: usize,
        /// What is counted.
        what: &'static str,
        /// The count found.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// A string of length 0 or above [`MAX_STRING_LEN`] (or a long string
    /// above `u16::MAX`, which only the encoder can meet).
    BadStringLength {
        /// Where the length byte is.
        offset: usize,
        /// What the string is.
        what: &'static str,
        /// The length found.
        len: usize,
    },
    /// A string that is not UTF-8.
    NotUtf8 {
        /// Where the string's bytes start.
        offset: usize,
        /// What the string is.
        what: &'static str,
    },
    /// Bytes after the last partition.
    TrailingBytes {
        /// Where they start.
        offset: usize,
        /// How many there are.
        count: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "boot bundle manifest entry: ")?;
        match self {
            Self::Truncated { offset, what } => write!(f, "ends inside the {what} at offset {offset}")?,
            Self::BadMagic => f.write_str("does not start with HVMANIF1")?,
            Self::UnsupportedVersion(version) => write!(f, "format version {version} is not {VERSION}")?,
            Self::BadTag { offset, what, value } => write!(f, "{what} tag {value} at offset {offset} means nothing")?,
            Self::TooMany { offset, what, count, max } => {
                write!(f, "{count} {what} at offset {offset}, at most {max} are allowed")?;
            }
            Self::BadStringLength { offset, what, len } => {
                write!(f, "the {what} at offset {offset} is {len} bytes long, 1 to {MAX_STRING_LEN} are allowed")?;
            }
            Self::NotUtf8 { offset, what } => write!(f, "the {what} at offset {offset} is not UTF-8")?,
            Self::TrailingBytes { offset, count } => {
                write!(f, "{count} unexpected bytes after the end at offset {offset}")?
            }
        }
        f.write_str(" — rebuild the boot image with this tree's cargo xtask")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        for mode in CpuMode::ALL {
            assert_eq!(mode_of(mode_tag(mode)), Some(mode));
        }
        assert_eq!(mode_of(3), None);
        assert_eq!(color_of(0), Some(None));
        for color in Color::ALL {
            assert_eq!(color_of(color_tag(Some(color))), Some(Some(color)));
        }
        assert_eq!(color_of(8), None);
    }

    #[test]
    fn messages_say_what_and_how_to_fix() {
        let error = DecodeError::BadTag { offset: 12, what: "schedule", value: 7 };
        assert_eq!(
            error.to_string(),
            "boot bundle manifest entry: schedule tag 7 at offset 12 means nothing — rebuild the boot image with this \
             tree's cargo xtask"
        );
        let error = EncodeError::BadString { what: "image entry name", len: 65 };
        assert!(error.to_string().contains("65 bytes") && error.to_string().contains("1 to 64"));
    }
}
