//! Colours and their encoding as pixel bytes.
//!
//! The console thinks in 24-bit RGB; the framebuffer wants whatever its
//! [`PixelFormat`](crate::PixelFormat) says. [`encode_color`] does the
//! conversion once per colour change, so drawing only copies bytes.
//! Grayscale framebuffers get the luma of ITU-R BT.601 (the weights
//! 0.299/0.587/0.114, here as 77/150/29 out of 256, so white stays 255).

use crate::geometry::Geometry;

/// A colour as (red, green, blue), 8 bits each.
pub type Rgb = (u8, u8, u8);

/// The BT.601 luma of `rgb`: 0 for black, 255 for white.
pub fn luminance(rgb: Rgb) -> u8 {
    let (r, g, b) = rgb;
    let luma = (77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b)) >> 8;
    // At most (256 * 255) >> 8 = 255.
    u8::try_from(luma).unwrap_or(u8::MAX)
}

/// The bytes of one pixel of colour `rgb`, in memory order; the first
/// [`bytes_per_pixel`](Geometry::bytes_per_pixel) of them are the pixel, and
/// bytes no channel covers are 0.
pub fn encode_color(rgb: Rgb, geometry: &Geometry) -> [u8; 4] {
    let Some([red, green, blue]) = geometry.format().channel_positions() else {
        return [luminance(rgb), 0, 0, 0];
    };
    let (r, g, b) = rgb;
    // A valid geometry keeps every channel inside the 32 bits.
    let channel = |value: u8, position: u8| u32::from(value).checked_shl(u32::from(position)).unwrap_or(0);
    (channel(r, red) | channel(g, green) | channel(b, blue)).to_le_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::PixelFormat;

    fn geometry(format: PixelFormat, bytes_per_pixel: usize) -> Geometry {
        Geometry::new(64, 4, 4, format, bytes_per_pixel, 4).unwrap()
    }

    #[test]
    fn byte_order_follows_the_format() {
        let c = (0x11, 0x22, 0x33);
        assert_eq!(encode_color(c, &geometry(PixelFormat::Rgb, 4)), [0x11, 0x22, 0x33, 0]);
        assert_eq!(encode_color(c, &geometry(PixelFormat::Rgb, 3)), [0x11, 0x22, 0x33, 0]);
        assert_eq!(encode_color(c, &geometry(PixelFormat::Bgr, 4)), [0x33, 0x22, 0x11, 0]);
        let xrgb_be = PixelFormat::Unknown { red_position: 24, green_position: 16, blue_position: 8 };
        assert_eq!(encode_color(c, &geometry(xrgb_be, 4)), [0, 0x33, 0x22, 0x11]);
        // Channels need not be byte-aligned.
        let odd = PixelFormat::Unknown { red_position: 4, green_position: 12, blue_position: 20 };
        assert_eq!(encode_color((0xAB, 0xCD, 0xEF), &geometry(odd, 4)), [0xB0, 0xDA, 0xFC, 0x0E]);
    }

    #[test]
    fn grayscale_is_the_luma() {
        let gray = geometry(PixelFormat::U8, 1);
        assert_eq!(encode_color((255, 255, 255), &gray), [255, 0, 0, 0]);
        assert_eq!(encode_color((0, 0, 0), &gray), [0, 0, 0, 0]);
        assert_eq!(luminance((255, 0, 0)), 76);
        assert_eq!(luminance((0, 255, 0)), 149);
        assert_eq!(luminance((0, 0, 255)), 28);
        assert!(luminance((0, 255, 0)) > luminance((255, 0, 0)), "green looks brighter than red");
    }
}
