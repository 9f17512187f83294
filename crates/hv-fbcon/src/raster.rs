//! Pixel operations on the framebuffer bytes, clipped.
//!
//! The console draws with three operations: fill a rectangle, draw a scaled
//! glyph, and move a rectangle up (scrolling). Each works row by row on a
//! slice of the buffer that is clipped twice: to the visible `width x height`
//! pixels of the [`Geometry`] (so the padding between `width` and `stride`
//! is never written) and to the slice actually passed in (which may be
//! shorter than the geometry claims). Nothing here can index out of bounds
//! or overflow, whatever the coordinates.
//!
//! Pixels are whole: only complete `bytes_per_pixel` groups are written.

use crate::font::{lit, GLYPH_HEIGHT, GLYPH_WIDTH};
use crate::geometry::Geometry;

/// The bytes of row `y` from pixel `x` for `w` pixels, clipped to the
/// visible area and to `fb`; `None` if nothing of it remains.
fn row_span<'a>(fb: &'a mut [u8], g: &Geometry, x: usize, y: usize, w: usize) -> Option<&'a mut [u8]> {
    if y >= g.height() || x >= g.width() {
        return None;
    }
    let end_x = x.saturating_add(w).min(g.width());
    let start = g.offset(x, y);
    let end = g.offset(end_x, y).min(fb.len());
    fb.get_mut(start..end)
}

/// Paints the rectangle at (`x`, `y`) of `w x h` pixels with `pixel` (the
/// first `bytes_per_pixel` bytes of it).
pub(crate) fn fill_rect(fb: &mut [u8], g: &Geometry, x: usize, y: usize, w: usize, h: usize, pixel: &[u8; 4]) {
    let pixel = &pixel[..g.bytes_per_pixel()];
    for row in y..y.saturating_add(h).min(g.height()) {
        if let Some(span) = row_span(fb, g, x, row, w) {
            span.chunks_exact_mut(pixel.len()).for_each(|p| p.copy_from_slice(pixel));
        }
    }
}

/// Draws `glyph` with its top left corner at (`x`, `y`), each font pixel a
/// `scale x scale` square: `fg` where the font has a bit, `bg` elsewhere.
pub(crate) fn draw_glyph(
    fb: &mut [u8],
    g: &Geometry,
    (x, y): (usize, usize),
    scale: usize,
    glyph: &[u8; GLYPH_HEIGHT],
    fg: &[u8; 4],
    bg: &[u8; 4],
) {
    let scale = scale.max(1);
    let bpp = g.bytes_per_pixel();
    let (fg, bg) = (&fg[..bpp], &bg[..bpp]);
    for (font_row, bits) in glyph.iter().enumerate() {
        for sub_row in 0..scale {
            let Some(row) = y.checked_add(font_row * scale + sub_row) else { return };
            let Some(span) = row_span(fb, g, x, row, GLYPH_WIDTH * scale) else { continue };
            for (px, pixel) in span.chunks_exact_mut(bpp).enumerate() {
                pixel.copy_from_slice(if lit(*bits, px / scale) { fg } else { bg });
            }
        }
    }
}

/// Moves the rectangle at (`x`, `y`) of `w x h` pixels up by `by` rows and
/// paints the `by` rows this frees at its bottom with `bg`.
pub(crate) fn scroll_up(
    fb: &mut [u8],
    g: &Geometry,
    (x, y): (usize, usize),
    (w, h): (usize, usize),
    by: usize,
    bg: &[u8; 4],
) {
    let bottom = y.saturating_add(h).min(g.height());
    let kept = bottom.saturating_sub(y).saturating_sub(by);
    for dst_row in y..y + kept {
        let src_row = dst_row + by;
        let (Some(dst), Some(src)) = (row_start(g, x, dst_row), row_start(g, x, src_row)) else { continue };
        let len = g.offset(x.saturating_add(w).min(g.width()), src_row) - src;
        let len = len.min(fb.len().saturating_sub(src));
        if len > 0 {
            fb.copy_within(src..src + len, dst);
        }
    }
    fill_rect(fb, g, x, y + kept, w, bottom.saturating_sub(y + kept), bg);
}

/// Byte offset of (`x`, `y`) if that pixel is visible.
fn row_start(g: &Geometry, x: usize, y: usize) -> Option<usize> {
    (x < g.width() && y < g.height()).then(|| g.offset(x, y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::PixelFormat;

    const SENTINEL: u8 = 0x5A;

    fn setup(width: usize, height: usize, stride: usize) -> (Geometry, Vec<u8>) {
        let g = Geometry::new(stride * height, width, height, PixelFormat::U8, 1, stride).unwrap();
        (g, vec![SENTINEL; stride * height])
    }

    #[test]
    fn fill_is_clipped_to_the_visible_area() {
        let (g, mut fb) = setup(4, 3, 6);
        fill_rect(&mut fb, &g, 2, 1, 100, 100, &[7, 0, 0, 0]);
        #[rustfmt::skip]
        assert_eq!(fb, [
            SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL,
            SENTINEL, SENTINEL, 7, 7, SENTINEL, SENTINEL,
            SENTINEL, SENTINEL, 7, 7, SENTINEL, SENTINEL,
        ]);
        fill_rect(&mut fb, &g, usize::MAX, usize::MAX, usize::MAX, usize::MAX, &[9, 0, 0, 0]);
        assert!(!fb.contains(&9));
    }

    #[test]
    fn a_short_slice_is_written_only_as_far_as_it_goes() {
        let (g, mut fb) = setup(4, 3, 4);
        fill_rect(&mut fb[..6], &g, 0, 0, 4, 3, &[7, 0, 0, 0]);
        assert_eq!(&fb[..6], [7; 6]);
        assert_eq!(&fb[6..], [SENTINEL; 6]);
        scroll_up(&mut fb[..6], &g, (0, 0), (4, 3), 1, &[1, 0, 0, 0]);
        scroll_up(&mut fb[..5], &g, (0, 0), (4, 3), 2, &[1, 0, 0, 0]);
        assert_eq!(&fb[6..], [SENTINEL; 6]);
    }

    #[test]
    fn scroll_moves_rows_up_and_clears_the_bottom() {
        let (g, mut fb) = setup(3, 4, 4);
        for (row, value) in [(0, 10), (1, 11), (2, 12), (3, 13)] {
            fill_rect(&mut fb, &g, 0, row, 3, 1, &[value, 0, 0, 0]);
        }
        scroll_up(&mut fb, &g, (0, 0), (3, 4), 1, &[0, 0, 0, 0]);
        #[rustfmt::skip]
        assert_eq!(fb, [
            11, 11, 11, SENTINEL,
            12, 12, 12, SENTINEL,
            13, 13, 13, SENTINEL,
            0, 0, 0, SENTINEL,
        ]);
        // Scrolling by the whole height (or more) only clears.
        scroll_up(&mut fb, &g, (0, 0), (3, 4), 9, &[1, 0, 0, 0]);
        assert_eq!(fb.iter().filter(|&&b| b == 1).count(), 12);
    }

    #[test]
    fn glyph_pixels_are_scaled_squares() {
        let (g, mut fb) = setup(20, 20, 20);
        let glyph = [0b0000_0001, 0, 0, 0, 0, 0, 0, 0b1000_0000];
        draw_glyph(&mut fb, &g, (1, 2), 2, &glyph, &[200, 0, 0, 0], &[100, 0, 0, 0]);
        let at = |x: usize, y: usize| fb[y * 20 + x];
        for (x, y) in [(1, 2), (2, 2), (1, 3), (2, 3), (15, 16), (16, 17)] {
            assert_eq!(at(x, y), 200, "({x}, {y}) is lit");
        }
        for (x, y) in [(3, 2), (1, 4), (14, 16), (15, 15)] {
            assert_eq!(at(x, y), 100, "({x}, {y}) is background");
        }
        for (x, y) in [(0, 2), (17, 2), (1, 1), (1, 18)] {
            assert_eq!(at(x, y), SENTINEL, "({x}, {y}) is outside the cell");
        }
        // Partly off-screen: clipped, no panic.
        draw_glyph(&mut fb, &g, (15, 15), 3, &[0xFF; 8], &[200, 0, 0, 0], &[100, 0, 0, 0]);
        assert_eq!(fb[19 * 20 + 19], 200);
        // Entirely off-screen, or at coordinates that would overflow.
        let before = fb.clone();
        draw_glyph(&mut fb, &g, (20, 0), 1, &[0xFF; 8], &[1, 0, 0, 0], &[1, 0, 0, 0]);
        draw_glyph(&mut fb, &g, (0, usize::MAX - 3), 4, &[0xFF; 8], &[1, 0, 0, 0], &[1, 0, 0, 0]);
        scroll_up(&mut fb, &g, (0, 25), (20, 5), 1, &[1, 0, 0, 0]);
        scroll_up(&mut fb, &g, (25, 0), (5, 20), 1, &[1, 0, 0, 0]);
        assert_eq!(fb, before);
    }
}
