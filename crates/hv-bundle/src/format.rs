//! The on-disk layout, shared by reader and writer.
//!
//! All integers are little-endian.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `HVBUNDLE` |
//! | 8 | 4 | format version (1) |
//! | 12 | 4 | entry count (at most [`MAX_ENTRIES`]) |
//! | 16 | 64 × count | entry table |
//! | … | | entry data, each start aligned to [`DATA_ALIGN`] |
//!
//! An entry is 48 bytes of name (UTF-8, NUL-padded, not empty), then the
//! data's offset from the bundle start (u64), then its length (u64).

use core::fmt;

/// The first eight bytes of every bundle.
pub const MAGIC: [u8; 8] = *b"HVBUNDLE";
/// The only format version this code reads and writes.
pub const VERSION: u32 = 1;
/// Size of the fixed header.
pub const HEADER_LEN: usize = 16;
/// Size of one entry-table record.
pub const ENTRY_LEN: usize = 64;
/// Longest entry name, in bytes.
pub const MAX_NAME_LEN: usize = 48;
/// Most entries a bundle may have.
pub const MAX_ENTRIES: usize = 256;
/// Alignment of each entry's data.
pub const DATA_ALIGN: usize = 16;
/// The entry holding the boot parameters.
pub const PARAMS_ENTRY: &str = "params";

/// Why a bundle was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundleError {
    /// Shorter than its header or entry table says.
    Truncated {
        /// Bytes needed.
        needed: u64,
        /// Bytes present.
        len: u64,
    },
    /// Does not start with `HVBUNDLE`.
    BadMagic,
    /// A format version this code does not know.
    UnsupportedVersion(u32),
    /// More than [`MAX_ENTRIES`] entries.
    TooManyEntries(u32),
    /// Entry `index` has an empty, over-long, unterminated or non-UTF-8 name.
    BadName {
        /// The entry's index.
        index: usize,
    },
    /// Two entries share a name.
    DuplicateName {
        /// The entry's index.
        index: usize,
    },
    /// Entry `index`'s data does not start on a [`DATA_ALIGN`] boundary.
    Misaligned {
        /// The entry's index.
        index: usize,
        /// The data's claimed offset.
        offset: u64,
    },
    /// Entry `index`'s data lies outside the bundle.
    DataOutOfBounds {
        /// The entry's index.
        index: usize,
        /// The data's claimed offset.
        offset: u64,
        /// The data's claimed length.
        len: u64,
    },
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, len } => write!(f, "bundle truncated: needs {needed} bytes, has {len}"),
            Self::BadMagic => f.write_str("not a boot bundle (no HVBUNDLE magic); rebuild it with cargo xtask"),
            Self::UnsupportedVersion(v) => {
                write!(f, "bundle format version {v} is not {VERSION}; rebuild it with this tree's cargo xtask")
            }
            Self::TooManyEntries(n) => write!(f, "bundle has {n} entries, at most {MAX_ENTRIES} are allowed"),
            Self::BadName { index } => {
                write!(f, "bundle entry {index} has an invalid name (1-{MAX_NAME_LEN} bytes of UTF-8 required)")
            }
            Self::DuplicateName { index } => write!(f, "bundle entry {index} repeats an earlier entry's name"),
            Self::Misaligned { index, offset } => {
                write!(f, "bundle entry {index}: data offset {offset:#x} is not {DATA_ALIGN}-byte aligned")
            }
            Self::DataOutOfBounds { index, offset, len } => {
                write!(f, "bundle entry {index}: data at {offset:#x} + {len:#x} lies outside the bundle")
            }
        }
    }
}
