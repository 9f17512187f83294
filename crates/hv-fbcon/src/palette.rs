//! The 16 colours ANSI SGR sequences name.
//!
//! SGR 30-37 and 40-47 select colours 0-7, 90-97 and 100-107 their bright
//! variants 8-15 (ECMA-48 section 8.3.117 names the first eight; the bright
//! ones are the aixterm extension every terminal has). The values are those
//! of the IBM VGA text-mode palette, which is what a PC console looks like.

use crate::color::Rgb;

/// RGB values of ANSI colours 0-15: black, red, green, yellow (VGA brown),
/// blue, magenta, cyan, white, then the bright variants in the same order.
pub const ANSI_PALETTE: [Rgb; 16] = [
    (0x00, 0x00, 0x00),
    (0xAA, 0x00, 0x00),
    (0x00, 0xAA, 0x00),
    (0xAA, 0x55, 0x00),
    (0x00, 0x00, 0xAA),
    (0xAA, 0x00, 0xAA),
    (0x00, 0xAA, 0xAA),
    (0xAA, 0xAA, 0xAA),
    (0x55, 0x55, 0x55),
    (0xFF, 0x55, 0x55),
    (0x55, 0xFF, 0x55),
    (0xFF, 0xFF, 0x55),
    (0x55, 0x55, 0xFF),
    (0xFF, 0x55, 0xFF),
    (0x55, 0xFF, 0xFF),
    (0xFF, 0xFF, 0xFF),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bright_variants_are_brighter_in_every_lit_channel() {
        for i in 0..8 {
            let (dim, bright) = (ANSI_PALETTE[i], ANSI_PALETTE[i + 8]);
            assert!(bright.0 >= dim.0 && bright.1 >= dim.1 && bright.2 >= dim.2, "colour {i}");
            assert_ne!(dim, bright, "colour {i}");
        }
        assert_eq!(ANSI_PALETTE[1], (0xAA, 0, 0), "red");
        assert_eq!(ANSI_PALETTE[15], (0xFF, 0xFF, 0xFF), "bright white");
    }
}
