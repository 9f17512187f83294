//! The glyphs: an 8x8 bitmap for every printable ASCII character.
//!
//! The bitmaps are `font8x8::legacy::BASIC_LEGACY`, the public-domain 8x8
//! font of Marcel Sondaar's `font8_8.asm` (after IBM's VGA fonts) as Daniel
//! Hepper's `font8x8.h` publishes it. Each glyph is 8 bytes, one per row from
//! the top; in each byte bit 0 is the leftmost pixel. Characters the font is
//! not asked for (anything but `' '..='~'`) are drawn as `?`.

use font8x8::legacy::BASIC_LEGACY;

/// Width of a glyph in font pixels (before scaling).
pub const GLYPH_WIDTH: usize = 8;

/// Height of a glyph in font pixels (before scaling).
pub const GLYPH_HEIGHT: usize = 8;

/// The bitmap of `c`, or of `?` if `c` is not printable ASCII.
pub(crate) fn glyph(c: char) -> &'static [u8; GLYPH_HEIGHT] {
    let index = u8::try_from(c).ok().filter(|byte| (b' '..=b'~').contains(byte)).unwrap_or(b'?');
    &BASIC_LEGACY[usize::from(index)]
}

/// Whether the pixel at column `x` (0 = left) of a glyph row is set.
pub(crate) const fn lit(row: u8, x: usize) -> bool {
    x < GLYPH_WIDTH && (row >> x) & 1 != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_is_the_expected_bitmap() {
        // The font's 'A': a peak at columns 2-3, legs at 0-1 and 4-5, a bar.
        assert_eq!(glyph('A'), &[0x0C, 0x1E, 0x33, 0x33, 0x3F, 0x33, 0x33, 0x00]);
        let top: Vec<bool> = (0..8).map(|x| lit(glyph('A')[0], x)).collect();
        assert_eq!(top, [false, false, true, true, false, false, false, false]);
        assert!(!lit(0xFF, 8), "there is no ninth column");
    }

    #[test]
    fn anything_unprintable_is_a_question_mark() {
        let question = glyph('?');
        assert_ne!(question, &[0; 8]);
        for c in ['é', '\u{7f}', '\n', '\0', '\u{1F600}'] {
            assert_eq!(glyph(c), question, "{c:?}");
        }
        assert_eq!(glyph(' '), &[0; 8], "space is blank");
        assert_ne!(glyph('~'), question);
    }
}
