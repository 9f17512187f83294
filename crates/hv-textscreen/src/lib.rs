//! `hv-textscreen`: a partition's text-mode screen, read back as text.
//!
//! PC kernels that print before they have a driver write straight into the
//! VGA text buffer: 80 columns by 25 rows of two-byte cells (character code,
//! attribute) at physical 0xB8000 (IBM VGA Technical Reference, "Alphanumeric
//! Modes"; the Multiboot 0.6.96 example kernel does exactly this). A
//! partition has no display, but when that address lies inside its memory
//! the bytes are there, and [`TextScreen`] turns them into lines: each row's
//! characters decoded from code page 437 (the VGA's built-in font) to
//! Unicode, trailing blanks trimmed, blank rows at the top and bottom
//! dropped. Attributes (colours, blinking) are ignored.
//!
//! No `unsafe`, no allocation; any bytes are a valid screen.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use core::fmt;
use core::ops::Range;

/// Columns of the screen.
pub const COLUMNS: usize = 80;
/// Rows of the screen.
pub const ROWS: usize = 25;
/// Bytes of one cell: the character code, then the attribute.
pub const CELL_BYTES: usize = 2;
/// Bytes of the whole screen.
pub const SCREEN_BYTES: usize = COLUMNS * ROWS * CELL_BYTES;
/// Where the screen is in physical (guest-physical) memory.
pub const SCREEN: Range<u64> = 0xB_8000..0xB_8000 + SCREEN_BYTES as u64;

/// The screen's bytes.
#[derive(Clone, Copy, Debug)]
pub struct TextScreen<'a> {
    bytes: &'a [u8],
}

/// One row of the screen, trailing blanks trimmed.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    /// The row's cells up to its last non-blank one.
    cells: &'a [u8],
}

impl<'a> TextScreen<'a> {
    /// The screen held by `bytes`, which must be exactly [`SCREEN_BYTES`] long.
    #[must_use]
    pub fn new(bytes: &'a [u8]) -> Option<Self> {
        (bytes.len() == SCREEN_BYTES).then_some(Self { bytes })
    }

    /// Whether any cell shows something other than a blank.
    #[must_use]
    pub fn has_text(&self) -> bool {
        self.bytes.chunks_exact(CELL_BYTES).any(|cell| !is_blank(cell[0]))
    }

    /// Every row, top to bottom, trailing blanks trimmed.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = Row<'a>> + DoubleEndedIterator + Clone + 'a {
        self.bytes.chunks_exact(COLUMNS * CELL_BYTES).map(|row| {
            let used = row.chunks_exact(CELL_BYTES).rposition(|cell| !is_blank(cell[0])).map_or(0, |last| last + 1);
            Row { cells: &row[..used * CELL_BYTES] }
        })
    }

    /// The rows from the first to the last that has text (none if the
    /// screen is blank).
    pub fn text_rows(&self) -> impl Iterator<Item = Row<'a>> + 'a {
        let rows = self.rows();
        let first = rows.clone().position(|row| !row.is_blank()).unwrap_or(ROWS);
        let last = rows.clone().rposition(|row| !row.is_blank()).map_or(0, |last| last + 1);
        rows.skip(first).take(last.saturating_sub(first))
    }
}

impl Row<'_> {
    /// Whether the row shows nothing.
    #[must_use]
    pub fn is_blank(&self) -> bool {
        self.cells.is_empty()
    }

    /// The row's characters.
    pub fn chars(&self) -> impl Iterator<Item = char> + '_ {
        self.cells.chunks_exact(CELL_BYTES).map(|cell| char_of(cell[0]))
    }
}

impl fmt::Display for Row<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.chars().try_for_each(|c| fmt::Write::write_char(f, c))
    }
}

/// Whether a character code shows as a blank cell: NUL, space, and 0xFF
/// (a non-breaking space in code page 437).
fn is_blank(code: u8) -> bool {
    matches!(code, 0x00 | b' ' | 0xFF)
}

/// The character code page 437 shows for `code`.
#[must_use]
pub fn char_of(code: u8) -> char {
    match code {
        0x20..=0x7E => char::from(code),
        0x7F => '⌂',
        0x00..=0x1F => CP437_LOW[usize::from(code)],
        _ => CP437_HIGH[usize::from(code - 0x80)],
    }
}

/// Code page 437, 0x00-0x1F (0x00 blank).
const CP437_LOW: [char; 32] = [
    ' ', '☺', '☻', '♥', '♦', '♣', '♠', '•', '◘', '○', '◙', '♂', '♀', '♪', '♫', '☼', '►', '◄', '↕', '‼', '¶', '§', '▬',
    '↨', '↑', '↓', '→', '←', '∟', '↔', '▲', '▼',
];

/// Code page 437, 0x80-0xFF (0xFF blank).
const CP437_HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', 'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û',
    'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', 'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡',
    '«', '»', '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', '└', '┴', '┬', '├', '─',
    '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█',
    '▄', '▌', '▐', '▀', 'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', '≡', '±', '≥',
    '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', ' ',
];

#[cfg(test)]
mod tests;
