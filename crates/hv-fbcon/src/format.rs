//! How a pixel's bytes hold a colour.
//!
//! Mirrors `bootloader_api::info::PixelFormat` (bootloader 0.11), which
//! reports what the UEFI Graphics Output Protocol said: RGB or BGR (one byte
//! per channel in memory order), a single grayscale byte, or, for a bit-mask
//! mode, the bit offset of each 8-bit channel. The kernel maps the
//! bootloader's value (a `#[non_exhaustive]` enum) onto this one, so this
//! crate does not depend on the bootloader.

/// The colour layout of one pixel, as the bootloader reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelFormat {
    /// One byte red, then one byte green, then one byte blue (then padding if
    /// the pixel is larger).
    Rgb,
    /// One byte blue, then one byte green, then one byte red (then padding).
    Bgr,
    /// One byte of grayscale (then padding).
    U8,
    /// 8-bit channels at the given bit offsets within the pixel, read as a
    /// little-endian integer of `bytes_per_pixel` bytes.
    Unknown {
        /// Bit offset of the red channel.
        red_position: u8,
        /// Bit offset of the green channel.
        green_position: u8,
        /// Bit offset of the blue channel.
        blue_position: u8,
    },
}

impl PixelFormat {
    /// The bit offsets of the red, green and blue channels within the pixel
    /// (as a little-endian integer), or `None` for grayscale ([`U8`](Self::U8),
    /// whose single channel is at bit 0).
    pub const fn channel_positions(self) -> Option<[u8; 3]> {
        match self {
            Self::Rgb => Some([0, 8, 16]),
            Self::Bgr => Some([16, 8, 0]),
            Self::U8 => None,
            Self::Unknown { red_position, green_position, blue_position } => {
                Some([red_position, green_position, blue_position])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_orders_are_bit_offsets_of_a_little_endian_pixel() {
        assert_eq!(PixelFormat::Rgb.channel_positions(), Some([0, 8, 16]));
        assert_eq!(PixelFormat::Bgr.channel_positions(), Some([16, 8, 0]));
        assert_eq!(PixelFormat::U8.channel_positions(), None);
        let custom = PixelFormat::Unknown { red_position: 24, green_position: 4, blue_position: 12 };
        assert_eq!(custom.channel_positions(), Some([24, 4, 12]));
    }
}
