//! Why a framebuffer description is refused.
//!
//! [`Geometry::new`](crate::Geometry::new) checks what the bootloader
//! reports before anything is drawn: a stride shorter than the width, a pixel
//! format whose channels do not fit in the pixel, or a buffer shorter than
//! the rows it claims would otherwise make the renderer draw garbage or run
//! past the mapping. Each refusal says which value is wrong.

use core::fmt;

/// A framebuffer description that cannot be drawn on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FbError {
    /// `bytes_per_pixel` is outside `1..=4`.
    BytesPerPixel(usize),
    /// The width or the height is zero: there is nothing to draw on.
    Empty {
        /// The reported width in pixels.
        width: usize,
        /// The reported height in pixels.
        height: usize,
    },
    /// A row (stride) is shorter than the visible width.
    StrideBelowWidth {
        /// The reported stride in pixels.
        stride: usize,
        /// The reported width in pixels.
        width: usize,
    },
    /// An 8-bit colour channel at bit `position` does not fit in a pixel of
    /// `bytes_per_pixel` bytes (RGB and BGR need 3 bytes).
    ChannelOutsidePixel {
        /// The channel's bit offset within the pixel.
        position: u8,
        /// The reported pixel size in bytes.
        bytes_per_pixel: usize,
    },
    /// `stride * height * bytes_per_pixel` does not fit in a `usize`.
    SizeOverflow,
    /// The buffer is shorter than `stride * height * bytes_per_pixel`.
    BufferTooSmall {
        /// The reported buffer length in bytes.
        byte_len: usize,
        /// The bytes the rows span.
        needed: usize,
    },
}

impl fmt::Display for FbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BytesPerPixel(bpp) => write!(f, "{bpp} bytes per pixel (supported: 1 to 4)"),
            Self::Empty { width, height } => write!(f, "empty framebuffer ({width}x{height} pixels)"),
            Self::StrideBelowWidth { stride, width } => {
                write!(f, "stride of {stride} pixels is less than the width of {width}")
            }
            Self::ChannelOutsidePixel { position, bytes_per_pixel } => {
                write!(f, "an 8-bit channel at bit {position} does not fit in {bytes_per_pixel}-byte pixels")
            }
            Self::SizeOverflow => f.write_str("stride * height * bytes per pixel overflows"),
            Self::BufferTooSmall { byte_len, needed } => {
                write!(f, "buffer of {byte_len} bytes is shorter than the {needed} bytes its rows span")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_values() {
        let msg = FbError::StrideBelowWidth { stride: 600, width: 640 }.to_string();
        assert!(msg.contains("600") && msg.contains("640"), "{msg}");
        let msg = FbError::BufferTooSmall { byte_len: 10, needed: 12 }.to_string();
        assert!(msg.contains("10 bytes") && msg.contains("12 bytes"), "{msg}");
        let msg = FbError::ChannelOutsidePixel { position: 24, bytes_per_pixel: 3 }.to_string();
        assert!(msg.contains("bit 24") && msg.contains("3-byte"), "{msg}");
    }
}
