//! The shape of a framebuffer: its size, row pitch, pixel size and format,
//! checked once.
//!
//! The bootloader reports these values from the firmware; a [`Geometry`]
//! exists only if they are consistent (see [`Geometry::new`]), so the
//! renderer can compute any visible pixel's offset without overflow. It does
//! not trust the buffer to be as long as claimed: every write is still
//! clipped to the slice it is given.

use crate::error::FbError;
use crate::format::PixelFormat;

/// A validated framebuffer description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    width: usize,
    height: usize,
    stride: usize,
    bytes_per_pixel: usize,
    format: PixelFormat,
}

impl Geometry {
    /// Checks a framebuffer description; the arguments are the fields of
    /// `bootloader_api`'s `FrameBufferInfo` in its order: `byte_len` (bytes
    /// of the buffer), `width` and `height` (visible pixels), `format`,
    /// `bytes_per_pixel`, and `stride` (pixels from the start of one row to
    /// the next).
    ///
    /// Refused: `bytes_per_pixel` outside `1..=4`, a zero width or height, a
    /// stride below the width, a colour channel that does not fit in the
    /// pixel (RGB and BGR need 3 bytes; an `Unknown` channel at bit `p` needs
    /// `p + 8 <= 8 * bytes_per_pixel`), and a `byte_len` below
    /// `stride * height * bytes_per_pixel`.
    pub fn new(
        byte_len: usize,
        width: usize,
        height: usize,
        format: PixelFormat,
        bytes_per_pixel: usize,
        stride: usize,
    ) -> Result<Self, FbError> {
        if !(1..=4).contains(&bytes_per_pixel) {
            return Err(FbError::BytesPerPixel(bytes_per_pixel));
        }
        if width == 0 || height == 0 {
            return Err(FbError::Empty { width, height });
        }
        if stride < width {
            return Err(FbError::StrideBelowWidth { stride, width });
        }
        if let Some(positions) = format.channel_positions() {
            for position in positions {
                if usize::from(position) + 8 > 8 * bytes_per_pixel {
                    return Err(FbError::ChannelOutsidePixel { position, bytes_per_pixel });
                }
            }
        }
        let needed = stride
            .checked_mul(height)
            .and_then(|pixels| pixels.checked_mul(bytes_per_pixel))
            .ok_or(FbError::SizeOverflow)?;
        if byte_len < needed {
            return Err(FbError::BufferTooSmall { byte_len, needed });
        }
        Ok(Self { width, height, stride, bytes_per_pixel, format })
    }

    /// Visible pixels per row.
    pub const fn width(&self) -> usize {
        self.width
    }

    /// Visible rows.
    pub const fn height(&self) -> usize {
        self.height
    }

    /// Pixels from the start of one row to the start of the next (at least
    /// [`width`](Self::width)).
    pub const fn stride(&self) -> usize {
        self.stride
    }

    /// Bytes per pixel, `1..=4`.
    pub const fn bytes_per_pixel(&self) -> usize {
        self.bytes_per_pixel
    }

    /// The colour layout of a pixel.
    pub const fn format(&self) -> PixelFormat {
        self.format
    }

    /// Bytes the rows span: `stride * height * bytes_per_pixel`, at most the
    /// `byte_len` the geometry was made with.
    pub const fn byte_len(&self) -> usize {
        self.stride * self.height * self.bytes_per_pixel
    }

    /// Byte offset of pixel (`x`, `y`); meaningful for `x <= width`,
    /// `y < height`, where it cannot overflow.
    pub(crate) const fn offset(&self, x: usize, y: usize) -> usize {
        (y * self.stride + x) * self.bytes_per_pixel
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BGR: PixelFormat = PixelFormat::Bgr;

    #[test]
    fn accepts_what_uefi_reports() {
        let g = Geometry::new(1280 * 800 * 4, 1280, 800, BGR, 4, 1280).unwrap();
        assert_eq!((g.width(), g.height(), g.stride(), g.bytes_per_pixel()), (1280, 800, 1280, 4));
        assert_eq!(g.format(), BGR);
        assert_eq!(g.byte_len(), 1280 * 800 * 4);
        assert_eq!(g.offset(3, 2), (2 * 1280 + 3) * 4);
        // A padded stride and a larger buffer than needed.
        let g = Geometry::new(1 << 20, 1366, 10, BGR, 4, 1376).unwrap();
        assert_eq!(g.byte_len(), 1376 * 10 * 4);
        assert_eq!(g.offset(0, 1), 1376 * 4);
        // The smallest framebuffer there is.
        assert!(Geometry::new(1, 1, 1, PixelFormat::U8, 1, 1).is_ok());
    }

    #[test]
    fn refuses_inconsistent_descriptions() {
        assert_eq!(Geometry::new(1000, 10, 10, BGR, 0, 10), Err(FbError::BytesPerPixel(0)));
        assert_eq!(Geometry::new(1000, 10, 10, BGR, 5, 10), Err(FbError::BytesPerPixel(5)));
        assert_eq!(Geometry::new(1000, 0, 10, BGR, 4, 10), Err(FbError::Empty { width: 0, height: 10 }));
        assert_eq!(Geometry::new(1000, 10, 0, BGR, 4, 10), Err(FbError::Empty { width: 10, height: 0 }));
        assert_eq!(Geometry::new(1000, 10, 10, BGR, 4, 9), Err(FbError::StrideBelowWidth { stride: 9, width: 10 }));
        assert_eq!(Geometry::new(399, 10, 10, BGR, 4, 10), Err(FbError::BufferTooSmall { byte_len: 399, needed: 400 }));
        assert_eq!(Geometry::new(usize::MAX, usize::MAX / 2, 3, BGR, 4, usize::MAX / 2), Err(FbError::SizeOverflow));
    }

    #[test]
    fn channels_must_fit_in_the_pixel() {
        assert_eq!(
            Geometry::new(1000, 10, 10, PixelFormat::Rgb, 2, 10),
            Err(FbError::ChannelOutsidePixel { position: 16, bytes_per_pixel: 2 })
        );
        assert_eq!(
            Geometry::new(1000, 10, 10, BGR, 2, 10),
            Err(FbError::ChannelOutsidePixel { position: 16, bytes_per_pixel: 2 })
        );
        let top = PixelFormat::Unknown { red_position: 24, green_position: 16, blue_position: 8 };
        assert!(Geometry::new(400, 10, 10, top, 4, 10).is_ok());
        assert_eq!(
            Geometry::new(300, 10, 10, top, 3, 10),
            Err(FbError::ChannelOutsidePixel { position: 24, bytes_per_pixel: 3 })
        );
        let past = PixelFormat::Unknown { red_position: 0, green_position: 8, blue_position: 25 };
        assert_eq!(
            Geometry::new(400, 10, 10, past, 4, 10),
            Err(FbError::ChannelOutsidePixel { position: 25, bytes_per_pixel: 4 })
        );
        // Grayscale fits in one byte.
        assert!(Geometry::new(100, 10, 10, PixelFormat::U8, 1, 10).is_ok());
    }
}
