//! Whole-console scenarios rendered into a `Vec<u8>` framebuffer: the exact
//! pixels of a glyph in every pixel format, wrapping, scrolling, colour
//! sequences, and framebuffers of awkward sizes.
//!
//! Buffers start filled with a sentinel byte, so "untouched" is checkable:
//! any byte the console wrote differs from it (no colour used here encodes to
//! the sentinel).

use font8x8::legacy::BASIC_LEGACY;

use crate::{encode_color, FbError, Geometry, PixelFormat, Rgb, TextConsole, ANSI_PALETTE, DEFAULT_FOREGROUND};

const SENTINEL: u8 = 0x5A;
const FG: Rgb = (0xF0, 0xE0, 0xD0);
const BG: Rgb = (0x10, 0x20, 0x30);

/// A framebuffer in a `Vec`, with pixel accessors.
struct Screen {
    geometry: Geometry,
    buf: Vec<u8>,
}

impl Screen {
    fn new(width: usize, height: usize, stride: usize, bpp: usize, format: PixelFormat) -> Self {
        let len = stride * height * bpp;
        let geometry = Geometry::new(len, width, height, format, bpp, stride).unwrap();
        Self { geometry, buf: vec![SENTINEL; len] }
    }

    fn bgrx(width: usize, height: usize) -> Self {
        Self::new(width, height, width, 4, PixelFormat::Bgr)
    }

    fn pixel(&self, x: usize, y: usize) -> &[u8] {
        let bpp = self.geometry.bytes_per_pixel();
        let at = (y * self.geometry.stride() + x) * bpp;
        &self.buf[at..at + bpp]
    }

    fn encoded(&self, rgb: Rgb) -> Vec<u8> {
        encode_color(rgb, &self.geometry)[..self.geometry.bytes_per_pixel()].to_vec()
    }

    /// A console with the test colours.
    fn console(&self, scale: u8) -> TextConsole {
        let mut console = TextConsole::new(self.geometry, scale);
        console.set_colors(FG, BG);
        console
    }

    /// Asserts that the cell at text (`col`, `row`) shows `c` in `fg` on `bg`.
    fn assert_cell(&self, console: &TextConsole, (col, row): (usize, usize), c: u8, fg: Rgb, bg: Rgb) {
        let (cell_w, cell_h) = console.cell_size();
        let scale = cell_w / 8;
        let (fg, bg) = (self.encoded(fg), self.encoded(bg));
        for y in 0..cell_h {
            for x in 0..cell_w {
                let on = (BASIC_LEGACY[usize::from(c)][y / scale] >> (x / scale)) & 1 != 0;
                let want = if on { &fg } else { &bg };
                let got = self.pixel(col * cell_w + x, row * cell_h + y);
                assert_eq!(got, want.as_slice(), "{:?} at cell ({col}, {row}) pixel ({x}, {y})", c as char);
            }
        }
    }

    /// Whether every byte of pixel rows `y0..y1`, columns `x0..x1` is the sentinel.
    fn untouched(&self, (x0, x1): (usize, usize), (y0, y1): (usize, usize)) -> bool {
        (y0..y1).all(|y| (x0..x1).all(|x| self.pixel(x, y).iter().all(|&b| b == SENTINEL)))
    }

    /// Pixel bytes of the text row `row` (the full grid width).
    fn text_row(&self, console: &TextConsole, row: usize) -> Vec<u8> {
        let (cell_w, cell_h) = console.cell_size();
        let cols = console.size().0;
        (row * cell_h..(row + 1) * cell_h)
            .flat_map(|y| (0..cols * cell_w).flat_map(move |x| self.pixel(x, y).to_vec()))
            .collect()
    }
}

#[test]
fn a_glyph_at_the_origin_is_the_font_bitmap() {
    let mut s = Screen::bgrx(40, 20);
    let mut c = s.console(1);
    c.write_str(&mut s.buf, "A");
    assert_eq!(c.cursor(), (0, 1));
    // Spelled out for 'A' (0x0C, 0x1E, 0x33, 0x33, 0x3F, 0x33, 0x33, 0x00;
    // bit 0 is the left pixel), BGR order.
    let fg = [0xD0, 0xE0, 0xF0, 0];
    let bg = [0x30, 0x20, 0x10, 0];
    for (x, y) in [(2, 0), (3, 0), (1, 1), (4, 1), (0, 2), (1, 2), (4, 3), (5, 3), (0, 4), (5, 4), (5, 6)] {
        assert_eq!(s.pixel(x, y), fg, "({x}, {y}) is part of the A");
    }
    for (x, y) in [(0, 0), (1, 0), (4, 0), (0, 1), (2, 2), (3, 3), (6, 4), (7, 4), (2, 6), (0, 7), (7, 7)] {
        assert_eq!(s.pixel(x, y), bg, "({x}, {y}) is background");
    }
    s.assert_cell(&c, (0, 0), b'A', FG, BG);
    assert!(s.untouched((8, 40), (0, 20)), "right of the cell");
    assert!(s.untouched((0, 8), (8, 20)), "below the cell");
}

#[test]
fn scale_two_doubles_every_font_pixel() {
    let mut s = Screen::bgrx(40, 40);
    let mut c = s.console(2);
    c.write_str(&mut s.buf, "A");
    assert_eq!(c.cell_size(), (16, 16));
    let fg = s.encoded(FG);
    let bg = s.encoded(BG);
    // Font pixels (2, 0) and (3, 0) cover (4..8, 0..2); (1, 0) covers (2..4, 0..2)
    // and (4, 0) covers (8..10, 0..2).
    for (x, y) in [(4, 0), (5, 0), (4, 1), (5, 1), (0, 8), (11, 9)] {
        assert_eq!(s.pixel(x, y), fg, "({x}, {y})");
    }
    for (x, y) in [(3, 0), (3, 1), (8, 0), (9, 1), (6, 4), (7, 5), (12, 8), (15, 15)] {
        assert_eq!(s.pixel(x, y), bg, "({x}, {y})");
    }
    s.assert_cell(&c, (0, 0), b'A', FG, BG);
    assert!(s.untouched((16, 40), (0, 40)));
    assert!(s.untouched((0, 16), (16, 40)));
}

#[test]
fn every_pixel_format_gets_the_right_bytes() {
    let cases: [(PixelFormat, usize, [u8; 4], [u8; 4]); 6] = [
        (PixelFormat::Rgb, 3, [0xF0, 0xE0, 0xD0, 0], [0x10, 0x20, 0x30, 0]),
        (PixelFormat::Rgb, 4, [0xF0, 0xE0, 0xD0, 0], [0x10, 0x20, 0x30, 0]),
        (PixelFormat::Bgr, 3, [0xD0, 0xE0, 0xF0, 0], [0x30, 0x20, 0x10, 0]),
        // Luma: (77 * 0xF0 + 150 * 0xE0 + 29 * 0xD0) >> 8 = 0xE3; of BG, 0x1D.
        (PixelFormat::U8, 1, [0xE3, 0, 0, 0], [0x1D, 0, 0, 0]),
        (
            PixelFormat::Unknown { red_position: 24, green_position: 16, blue_position: 8 },
            4,
            [0, 0xD0, 0xE0, 0xF0],
            [0, 0x30, 0x20, 0x10],
        ),
        (
            PixelFormat::Unknown { red_position: 8, green_position: 0, blue_position: 16 },
            3,
            [0xE0, 0xF0, 0xD0, 0],
            [0x20, 0x10, 0x30, 0],
        ),
    ];
    for (format, bpp, fg, bg) in cases {
        // A padded stride too: 20 visible pixels in rows of 24.
        let mut s = Screen::new(20, 10, 24, bpp, format);
        let mut c = s.console(1);
        c.write_str(&mut s.buf, "AA");
        assert_eq!(s.pixel(2, 0), &fg[..bpp], "{format:?} {bpp}: foreground");
        assert_eq!(s.pixel(0, 0), &bg[..bpp], "{format:?} {bpp}: background");
        assert_eq!(s.pixel(10, 0), &fg[..bpp], "{format:?} {bpp}: second cell");
        s.assert_cell(&c, (1, 0), b'A', FG, BG);
        assert!(s.untouched((16, 24), (0, 10)), "{format:?} {bpp}: beyond the grid and the padding");
        assert!(s.untouched((0, 24), (8, 10)), "{format:?} {bpp}: below the grid");
    }
}

#[test]
fn the_padding_of_a_stride_survives_clear_and_scrolling() {
    let mut s = Screen::new(20, 17, 32, 3, PixelFormat::Rgb);
    let mut c = s.console(1);
    c.clear(&mut s.buf);
    assert_eq!(s.pixel(19, 16), s.encoded(BG), "clear paints the whole visible area");
    c.write_str(&mut s.buf, "abcdefgh\nij\nkl\nmn\n\tx");
    assert!(s.untouched((20, 32), (0, 17)), "bytes between width and stride");
}

#[test]
fn lines_wrap_at_the_right_edge() {
    let mut s = Screen::bgrx(24, 24); // 3 x 3 cells
    let mut c = s.console(1);
    c.write_str(&mut s.buf, "abc");
    assert_eq!(c.cursor(), (0, 3), "wrap deferred after the last column");
    c.write_str(&mut s.buf, "d");
    assert_eq!(c.cursor(), (1, 1));
    s.assert_cell(&c, (2, 0), b'c', FG, BG);
    s.assert_cell(&c, (0, 1), b'd', FG, BG);
    // A full line then a newline takes one row, not two.
    c.write_str(&mut s.buf, "ef\ng");
    assert_eq!(c.cursor(), (2, 1));
    s.assert_cell(&c, (0, 2), b'g', FG, BG);
}

#[test]
fn tabs_stop_at_multiples_of_eight_and_odd_characters_show_as_question_marks() {
    let mut s = Screen::bgrx(160, 16); // 20 x 2 cells
    let mut c = s.console(1);
    c.write_str(&mut s.buf, "ab\tc");
    assert_eq!(c.cursor(), (0, 9));
    s.assert_cell(&c, (5, 0), b' ', FG, BG);
    s.assert_cell(&c, (8, 0), b'c', FG, BG);
    c.write_str(&mut s.buf, "\t\t");
    assert_eq!(c.cursor(), (0, 20), "the last tab stops at the edge");
    c.write_str(&mut s.buf, "\n\r\x07\x08\x7fé\r");
    assert_eq!(c.cursor(), (1, 1), "controls ignored, é is one cell");
    s.assert_cell(&c, (0, 1), b'?', FG, BG);
}

#[test]
fn bytes_that_are_not_utf8_are_shown_not_rejected() {
    let mut s = Screen::bgrx(80, 8);
    let mut c = s.console(1);
    c.write_bytes(&mut s.buf, "é€x".as_bytes());
    assert_eq!(c.cursor(), (0, 3), "one cell per character");
    s.assert_cell(&c, (0, 0), b'?', FG, BG);
    s.assert_cell(&c, (2, 0), b'x', FG, BG);
    c.write_bytes(&mut s.buf, &[0xFF, 0x80, b'y', 0x1B, b'[', b'3', b'1', b'm', b'z']);
    assert_eq!(c.cursor(), (0, 6));
    s.assert_cell(&c, (3, 0), b'?', FG, BG);
    s.assert_cell(&c, (5, 0), b'z', ANSI_PALETTE[1], BG);
}

#[test]
fn scrolling_moves_rows_up_and_clears_the_last() {
    let mut s = Screen::bgrx(24, 28); // 3 x 3 cells, 4 spare pixel rows
    let mut c = s.console(1);
    assert_eq!(c.size(), (3, 3));
    c.write_str(&mut s.buf, "one\ntwo\nsix");
    let row1 = s.text_row(&c, 1);
    let row2 = s.text_row(&c, 2);
    c.write_str(&mut s.buf, "\n");
    assert_eq!(c.cursor(), (2, 0));
    assert_eq!(s.text_row(&c, 0), row1, "row 1 moved to row 0");
    assert_eq!(s.text_row(&c, 1), row2, "row 2 moved to row 1");
    assert!(s.text_row(&c, 2).chunks(4).all(|p| p == s.encoded(BG)), "the last row is cleared");
    assert!(s.untouched((0, 24), (24, 28)), "spare rows below the grid");
    c.write_str(&mut s.buf, "ten\n");
    s.assert_cell(&c, (0, 0), b's', FG, BG);
    s.assert_cell(&c, (2, 0), b'x', FG, BG);
    s.assert_cell(&c, (0, 1), b't', FG, BG);
    s.assert_cell(&c, (2, 1), b'n', FG, BG);
    // Wrapping at the bottom scrolls as well.
    c.write_str(&mut s.buf, "abcdefg");
    assert_eq!(c.cursor(), (2, 1));
    s.assert_cell(&c, (0, 0), b'a', FG, BG);
    s.assert_cell(&c, (0, 1), b'd', FG, BG);
    s.assert_cell(&c, (0, 2), b'g', FG, BG);
}

#[test]
fn scrolling_a_single_row_clears_it() {
    let mut s = Screen::bgrx(16, 8);
    let mut c = s.console(1);
    c.write_str(&mut s.buf, "hi\nyo");
    assert_eq!(c.cursor(), (0, 2));
    s.assert_cell(&c, (0, 0), b'y', FG, BG);
    s.assert_cell(&c, (1, 0), b'o', FG, BG);
    c.write_str(&mut s.buf, "\n");
    assert!(s.text_row(&c, 0).chunks(4).all(|p| p == s.encoded(BG)));
}

#[test]
fn colour_sequences_change_the_foreground() {
    let mut s = Screen::bgrx(80, 8);
    let mut c = TextConsole::new(s.geometry, 1);
    c.write_str(&mut s.buf, "\x1b[31m[p]\x1b[0m ok \x1b[1;32mB\x1b[");
    c.write_str(&mut s.buf, "0;44mC\x1b[2J\x1b[mD");
    let black = ANSI_PALETTE[0];
    s.assert_cell(&c, (0, 0), b'[', ANSI_PALETTE[1], black);
    s.assert_cell(&c, (1, 0), b'p', ANSI_PALETTE[1], black);
    s.assert_cell(&c, (4, 0), b'o', DEFAULT_FOREGROUND, black);
    s.assert_cell(&c, (7, 0), b'B', ANSI_PALETTE[10], black);
    s.assert_cell(&c, (8, 0), b'C', DEFAULT_FOREGROUND, ANSI_PALETTE[4]);
    s.assert_cell(&c, (9, 0), b'D', DEFAULT_FOREGROUND, black);
    assert_eq!(c.cursor(), (0, 10), "no sequence left a character behind");
}

#[test]
fn formatting_writes_through_fmt_write() {
    use core::fmt::Write;
    let mut s = Screen::bgrx(80, 16);
    let mut c = s.console(1);
    let (name, answer) = ("vm", 42);
    writeln!(c.writer(&mut s.buf), "[{name}] {answer}").unwrap();
    assert_eq!(c.cursor(), (1, 0));
    s.assert_cell(&c, (1, 0), b'v', FG, BG);
    s.assert_cell(&c, (6, 0), b'2', FG, BG);
}

#[test]
fn clear_paints_the_background_and_homes_the_cursor() {
    let mut s = Screen::bgrx(20, 10);
    let mut c = s.console(1);
    c.write_str(&mut s.buf, "xy\nz");
    c.clear(&mut s.buf);
    assert_eq!(c.cursor(), (0, 0));
    let bg = s.encoded(BG);
    assert!(s.buf.chunks(4).all(|p| p == bg));
}

#[test]
fn odd_sizes_do_not_panic() {
    // Width not a multiple of the cell: 2 columns of 8 and 5 spare pixels.
    let mut s = Screen::bgrx(21, 8);
    let mut c = s.console(1);
    c.write_str(&mut s.buf, "abcdefg\n\thij");
    assert_eq!(c.size(), (2, 1));
    assert_eq!(c.cursor(), (0, 1));
    s.assert_cell(&c, (0, 0), b'j', FG, BG);
    assert!(s.untouched((16, 21), (0, 8)));

    // 1x1 and smaller than one cell: no grid; only clear draws.
    for (w, h) in [(1, 1), (7, 7), (7, 100), (100, 7)] {
        let mut s = Screen::new(w, h, w, 1, PixelFormat::U8);
        let mut c = s.console(1);
        assert!(c.size().0 == 0 || c.size().1 == 0);
        c.write_str(&mut s.buf, "text\n\n\t\x1b[31mmore\n");
        c.write_bytes(&mut s.buf, b"\xff\n");
        assert_eq!(c.cursor(), (0, 0));
        assert!(s.buf.iter().all(|&b| b == SENTINEL), "{w}x{h}: nothing drawn");
        c.clear(&mut s.buf);
        assert!(s.buf.iter().all(|&b| b == s.encoded(BG)[0]), "{w}x{h}: cleared");
    }

    // The largest scale: cells bigger than the screen.
    let mut s = Screen::bgrx(64, 64);
    let mut c = s.console(u8::MAX);
    c.write_str(&mut s.buf, "big\n");
    assert_eq!(c.size(), (0, 0));
    assert!(s.untouched((0, 64), (0, 64)));
}

#[test]
fn a_slice_shorter_than_the_geometry_is_never_overrun() {
    // The geometry says 32x32 RGBX; the slice handed over is cut short at
    // various points, inside the grid and mid-pixel. Nothing may panic and
    // the bytes after the cut (kept in the same Vec) must stay untouched.
    let geometry = Geometry::new(32 * 32 * 4, 32, 32, PixelFormat::Rgb, 4, 32).unwrap();
    for cut in [0, 1, 3, 5, 127, 128, 1000, 2049, 4095, 4096] {
        for scale in [1, 2, 3] {
            let mut buf = vec![SENTINEL; 32 * 32 * 4 + 16];
            let mut c = TextConsole::new(geometry, scale);
            let (fb, rest) = buf.split_at_mut(cut);
            c.clear(fb);
            for _ in 0..10 {
                c.write_str(fb, "\x1b[35mlong line that wraps\tand wraps\n");
            }
            assert!(rest.iter().all(|&b| b == SENTINEL), "cut {cut} scale {scale}");
        }
    }
}

#[test]
fn many_geometries_and_inputs_stay_inside_the_visible_area() {
    // A deterministic pseudo-random sweep: sizes, strides, formats, scales
    // and byte soup. Padding bytes and bytes beyond the geometry must stay
    // untouched, and nothing may panic.
    let mut seed: u32 = 0x1234_5678;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let formats = [
        PixelFormat::Rgb,
        PixelFormat::Bgr,
        PixelFormat::U8,
        PixelFormat::Unknown { red_position: 0, green_position: 8, blue_position: 16 },
    ];
    for _ in 0..200 {
        let width = 1 + (next() % 70) as usize;
        let height = 1 + (next() % 50) as usize;
        let stride = width + (next() % 5) as usize;
        let format = formats[(next() % 4) as usize];
        let bpp = if format == PixelFormat::U8 { 1 + (next() % 4) as usize } else { 3 + (next() % 2) as usize };
        let scale = next().to_le_bytes()[0] % 4;
        let mut s = Screen::new(width, height, stride, bpp, format);
        s.buf.extend_from_slice(&[SENTINEL; 8]);
        let mut c = TextConsole::new(s.geometry, scale);
        let soup: Vec<u8> = (0..300).map(|_| next().to_le_bytes()[0]).collect();
        c.write_bytes(&mut s.buf, &soup);
        c.write_str(&mut s.buf, &String::from_utf8_lossy(&soup));
        let (cols, rows) = c.size();
        let (row, col) = c.cursor();
        assert!(cols == 0 || rows == 0 || (row < rows && col <= cols), "cursor ({row}, {col}) in {cols}x{rows}");
        assert!(s.untouched((width, stride), (0, height)), "padding of {width}/{stride}");
        assert!(s.buf[stride * height * bpp..].iter().all(|&b| b == SENTINEL), "past the end");
    }
}

#[test]
fn invalid_geometry_is_refused() {
    assert_eq!(
        Geometry::new(100, 10, 10, PixelFormat::Rgb, 4, 10),
        Err(FbError::BufferTooSmall { byte_len: 100, needed: 400 })
    );
    assert_eq!(
        Geometry::new(400, 10, 10, PixelFormat::Rgb, 4, 8),
        Err(FbError::StrideBelowWidth { stride: 8, width: 10 })
    );
    assert_eq!(Geometry::new(400, 10, 10, PixelFormat::Rgb, 8, 10), Err(FbError::BytesPerPixel(8)));
    assert_eq!(
        Geometry::new(400, 10, 10, PixelFormat::Bgr, 2, 10),
        Err(FbError::ChannelOutsidePixel { position: 16, bytes_per_pixel: 2 })
    );
    assert_eq!(Geometry::new(0, 0, 0, PixelFormat::U8, 1, 0), Err(FbError::Empty { width: 0, height: 0 }));
}
