//! The text console: a grid of character cells over the framebuffer, with a
//! cursor, colours, wrapping and scrolling.
//!
//! A cell is the 8x8 font scaled by an integer factor; the grid is as many
//! whole cells as fit (`width / cell width` columns, `height / cell height`
//! rows), anchored at the top left; the remaining pixels at the right and the
//! bottom are only touched by [`TextConsole::clear`]. The console keeps no
//! copy of the text: scrolling moves the pixels themselves.
//!
//! # Text handling
//!
//! - Printable ASCII is drawn at the cursor, which then advances.
//! - `\n` moves to the start of the next line, scrolling at the bottom.
//!   `\r` is ignored (log lines end in `\n` or `\r\n`).
//! - `\t` paints blanks up to the next column that is a multiple of 8.
//! - Other control characters (BEL, BS, DEL, ...) are ignored; any other
//!   character (outside ASCII) is drawn as `?`.
//! - ANSI SGR sequences set the colours (see the crate's `sgr` module and
//!   [`ANSI_PALETTE`](crate::ANSI_PALETTE)); other escape sequences are
//!   skipped. A sequence may be split across writes.
//!
//! **Wrapping is deferred**, as in VT100-style terminals: after a character
//! in the last column the cursor stays past it (`col == cols`) and the line
//! only wraps when another character comes. A line of exactly `cols`
//! characters followed by `\n` therefore takes one row, not two.
//!
//! **Scrolling** moves every text row but the first up by one row of cells
//! (a `copy_within` per pixel row, limited to the grid's width so the row
//! padding is never touched) and paints the last text row with the current
//! background.

use crate::color::{encode_color, Rgb};
use crate::escape::{Action, Parser};
use crate::font::{glyph, GLYPH_HEIGHT, GLYPH_WIDTH};
use crate::geometry::Geometry;
use crate::palette::ANSI_PALETTE;
use crate::raster;
use crate::sgr::Attributes;
use crate::writer::Writer;

/// Foreground of a new console: VGA light gray, ANSI colour 7.
pub const DEFAULT_FOREGROUND: Rgb = ANSI_PALETTE[7];

/// Background of a new console: black.
pub const DEFAULT_BACKGROUND: Rgb = ANSI_PALETTE[0];

/// Columns between tab stops.
const TAB_WIDTH: usize = 8;

/// The glyph scale for a framebuffer `width` pixels wide: 2 from 1024 pixels
/// up (16x16 cells, 64 or more columns), else 1 (8x8 cells).
pub const fn default_scale(width: usize) -> u8 {
    if width >= 1024 {
        2
    } else {
        1
    }
}

/// A scrolling text console drawn on a framebuffer of a given [`Geometry`].
///
/// The framebuffer bytes are passed to each drawing call; they should be the
/// same buffer every time, since scrolling reads back what was drawn.
#[derive(Clone, Debug)]
pub struct TextConsole {
    geometry: Geometry,
    scale: usize,
    cols: usize,
    rows: usize,
    row: usize,
    col: usize,
    default_fg: Rgb,
    default_bg: Rgb,
    attributes: Attributes,
    fg_pixel: [u8; 4],
    bg_pixel: [u8; 4],
    parser: Parser,
}

impl TextConsole {
    /// A console with cells of the 8x8 font scaled by `scale` (0 counts as
    /// 1), the cursor at the top left, and the default colours. A framebuffer
    /// smaller than one cell gives a console of no cells, on which writing
    /// does nothing. Nothing is drawn: call [`clear`](Self::clear) first to
    /// wipe what the firmware left on the screen.
    pub fn new(geometry: Geometry, scale: u8) -> Self {
        let scale = usize::from(scale.max(1));
        let mut console = Self {
            geometry,
            scale,
            cols: geometry.width() / (GLYPH_WIDTH * scale),
            rows: geometry.height() / (GLYPH_HEIGHT * scale),
            row: 0,
            col: 0,
            default_fg: DEFAULT_FOREGROUND,
            default_bg: DEFAULT_BACKGROUND,
            attributes: Attributes::default(),
            fg_pixel: [0; 4],
            bg_pixel: [0; 4],
            parser: Parser::new(),
        };
        console.update_pixels();
        console
    }

    /// The framebuffer description the console draws for.
    pub const fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// The grid size as (columns, rows).
    pub const fn size(&self) -> (usize, usize) {
        (self.cols, self.rows)
    }

    /// The size of one cell in pixels, as (width, height).
    pub const fn cell_size(&self) -> (usize, usize) {
        (GLYPH_WIDTH * self.scale, GLYPH_HEIGHT * self.scale)
    }

    /// The cursor as (row, column). The column equals the number of columns
    /// after a character was written in the last one (deferred wrap).
    pub const fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }

    /// The colours the next character is drawn in, as (foreground,
    /// background), after any SGR sequences so far.
    pub fn colors(&self) -> (Rgb, Rgb) {
        (self.attributes.foreground(self.default_fg), self.attributes.background(self.default_bg))
    }

    /// Sets the default colours, the ones `ESC[0m` returns to, and resets
    /// the SGR attributes so they apply at once. Drawn text keeps its colours.
    pub fn set_colors(&mut self, foreground: Rgb, background: Rgb) {
        self.default_fg = foreground;
        self.default_bg = background;
        self.attributes = Attributes::default();
        self.update_pixels();
    }

    /// Paints the whole visible framebuffer (every pixel of `width x height`,
    /// not the row padding) with the current background and puts the cursor
    /// at the top left.
    pub fn clear(&mut self, fb: &mut [u8]) {
        let g = self.geometry;
        raster::fill_rect(fb, &g, 0, 0, g.width(), g.height(), &self.bg_pixel);
        self.row = 0;
        self.col = 0;
    }

    /// Renders `text` at the cursor (see the module documentation for what
    /// each character does).
    pub fn write_str(&mut self, fb: &mut [u8], text: &str) {
        for c in text.chars() {
            self.feed(fb, c);
        }
    }

    /// Renders bytes that should be UTF-8 but need not be, such as a guest's
    /// console output: ASCII as in [`write_str`](Self::write_str), one `?`
    /// for each byte that can start a multi-byte character (`0xC0..=0xFF`),
    /// nothing for continuation bytes (`0x80..=0xBF`). Valid UTF-8 thus shows
    /// one `?` per non-ASCII character, as with `write_str`.
    pub fn write_bytes(&mut self, fb: &mut [u8], bytes: &[u8]) {
        for &byte in bytes {
            match byte {
                0x00..=0x7F => self.feed(fb, char::from(byte)),
                0x80..=0xBF => {}
                0xC0..=0xFF => self.feed(fb, char::REPLACEMENT_CHARACTER),
            }
        }
    }

    /// A `core::fmt::Write` that renders onto `fb`, for `write!`.
    pub fn writer<'a>(&'a mut self, fb: &'a mut [u8]) -> Writer<'a> {
        Writer::new(self, fb)
    }

    fn feed(&mut self, fb: &mut [u8], c: char) {
        match self.parser.feed(c) {
            Action::Print(c) => self.put(fb, c),
            Action::Sgr(params) => {
                self.attributes.apply(params.as_slice());
                self.update_pixels();
            }
            Action::Skip => {}
        }
    }

    fn put(&mut self, fb: &mut [u8], c: char) {
        if self.cols == 0 || self.rows == 0 {
            return;
        }
        match c {
            '\n' => self.new_line(fb),
            '\t' => {
                if self.col >= self.cols {
                    self.new_line(fb);
                }
                let stop = ((self.col / TAB_WIDTH + 1) * TAB_WIDTH).min(self.cols);
                while self.col < stop {
                    self.draw(fb, ' ');
                }
            }
            c if c.is_ascii_control() => {}
            c => {
                if self.col >= self.cols {
                    self.new_line(fb);
                }
                self.draw(fb, c);
            }
        }
    }

    /// Draws `c` in the cell at the cursor, which must be inside the grid,
    /// and advances the cursor.
    fn draw(&mut self, fb: &mut [u8], c: char) {
        let (cell_w, cell_h) = self.cell_size();
        let origin = (self.col * cell_w, self.row * cell_h);
        raster::draw_glyph(fb, &self.geometry, origin, self.scale, glyph(c), &self.fg_pixel, &self.bg_pixel);
        self.col += 1;
    }

    fn new_line(&mut self, fb: &mut [u8]) {
        self.col = 0;
        if self.row + 1 < self.rows {
            self.row += 1;
        } else {
            let (cell_w, cell_h) = self.cell_size();
            let area = (self.cols * cell_w, self.rows * cell_h);
            raster::scroll_up(fb, &self.geometry, (0, 0), area, cell_h, &self.bg_pixel);
        }
    }

    fn update_pixels(&mut self) {
        let (fg, bg) = self.colors();
        self.fg_pixel = encode_color(fg, &self.geometry);
        self.bg_pixel = encode_color(bg, &self.geometry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::PixelFormat;

    fn console(width: usize, height: usize, scale: u8) -> TextConsole {
        let g = Geometry::new(width * height * 4, width, height, PixelFormat::Bgr, 4, width).unwrap();
        TextConsole::new(g, scale)
    }

    #[test]
    fn the_kernel_scale_doubles_from_1024_pixels() {
        assert_eq!(default_scale(640), 1);
        assert_eq!(default_scale(1023), 1);
        assert_eq!(default_scale(1024), 2);
        assert_eq!(default_scale(3840), 2);
    }

    #[test]
    fn the_grid_is_the_whole_cells_that_fit() {
        assert_eq!(console(640, 480, 1).size(), (80, 60));
        assert_eq!(console(1280, 800, 2).size(), (80, 50));
        assert_eq!(console(1366, 768, 2).size(), (85, 48));
        assert_eq!(console(1366, 768, 2).cell_size(), (16, 16));
        assert_eq!(console(100, 50, 3).size(), (4, 2));
        assert_eq!(console(7, 7, 1).size(), (0, 0));
        assert_eq!(console(64, 64, 0).cell_size(), (8, 8), "scale 0 counts as 1");
    }

    #[test]
    fn colours_follow_sgr_and_set_colors() {
        let mut c = console(64, 16, 1);
        let mut fb = vec![0; 64 * 16 * 4];
        assert_eq!(c.colors(), (DEFAULT_FOREGROUND, DEFAULT_BACKGROUND));
        c.write_str(&mut fb, "\x1b[33;44m");
        assert_eq!(c.colors(), (ANSI_PALETTE[3], ANSI_PALETTE[4]));
        c.set_colors((1, 2, 3), (4, 5, 6));
        assert_eq!(c.colors(), ((1, 2, 3), (4, 5, 6)), "set_colors resets the attributes");
        c.write_str(&mut fb, "\x1b[31m");
        assert_eq!(c.colors(), (ANSI_PALETTE[1], (4, 5, 6)));
        c.write_str(&mut fb, "\x1b[0m");
        assert_eq!(c.colors(), ((1, 2, 3), (4, 5, 6)), "reset goes back to the set defaults");
        assert_eq!(c.cursor(), (0, 0), "sequences print nothing");
    }
}
