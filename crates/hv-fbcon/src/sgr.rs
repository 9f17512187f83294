//! The colour attributes SGR sequences set.
//!
//! ECMA-48 section 8.3.117 (Select Graphic Rendition), as terminals implement
//! it: 0 resets, 1 is bold, 22 normal intensity, 30-37 / 90-97 select the
//! foreground, 39 the default one, 40-47 / 100-107 the background, 49 the
//! default one. As on a VGA console, bold shows as the bright variant of
//! colours 0-7. The extended colours (38 and 48 with `5;n` or `2;r;g;b`)
//! are not drawn, but their parameters are consumed so they are not misread
//! as other attributes; anything else (underline, blink, ...) is ignored.

use crate::color::Rgb;
use crate::palette::ANSI_PALETTE;

/// Current foreground, background and intensity, as SGR leaves them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Attributes {
    /// Palette index `0..16` of the foreground; `None` for the default.
    foreground: Option<usize>,
    /// Palette index `0..16` of the background; `None` for the default.
    background: Option<usize>,
    bold: bool,
}

impl Attributes {
    /// Applies one SGR sequence's parameters (none means reset).
    pub(crate) fn apply(&mut self, params: &[u16]) {
        if params.is_empty() {
            *self = Self::default();
        }
        let mut rest = params.iter().copied();
        while let Some(param) = rest.next() {
            let p = usize::from(param);
            match p {
                0 => *self = Self::default(),
                1 => self.bold = true,
                22 => self.bold = false,
                30..=37 => self.foreground = Some(p - 30),
                39 => self.foreground = None,
                40..=47 => self.background = Some(p - 40),
                49 => self.background = None,
                90..=97 => self.foreground = Some(p - 90 + 8),
                100..=107 => self.background = Some(p - 100 + 8),
                38 | 48 => {
                    let skip = match rest.next() {
                        Some(5) => 1,
                        Some(2) => 3,
                        _ => return,
                    };
                    rest.by_ref().take(skip).for_each(drop);
                }
                _ => {}
            }
        }
    }

    /// The foreground to draw with, given the console's default.
    pub(crate) fn foreground(&self, default: Rgb) -> Rgb {
        match self.foreground {
            Some(index @ 0..=7) if self.bold => ANSI_PALETTE[index + 8],
            Some(index) => ANSI_PALETTE[index % ANSI_PALETTE.len()],
            None => default,
        }
    }

    /// The background to draw with, given the console's default.
    pub(crate) fn background(&self, default: Rgb) -> Rgb {
        self.background.map_or(default, |index| ANSI_PALETTE[index % ANSI_PALETTE.len()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FG: Rgb = (1, 2, 3);
    const BG: Rgb = (4, 5, 6);

    fn after(sequences: &[&[u16]]) -> Attributes {
        let mut a = Attributes::default();
        for params in sequences {
            a.apply(params);
        }
        a
    }

    #[test]
    fn colours_select_the_palette_and_reset_restores_defaults() {
        let a = after(&[&[31]]);
        assert_eq!((a.foreground(FG), a.background(BG)), (ANSI_PALETTE[1], BG));
        let a = after(&[&[31, 44]]);
        assert_eq!((a.foreground(FG), a.background(BG)), (ANSI_PALETTE[1], ANSI_PALETTE[4]));
        let a = after(&[&[92, 103]]);
        assert_eq!((a.foreground(FG), a.background(BG)), (ANSI_PALETTE[10], ANSI_PALETTE[11]));
        for reset in [&[0][..], &[]] {
            let a = after(&[&[31, 44], reset]);
            assert_eq!((a.foreground(FG), a.background(BG)), (FG, BG), "{reset:?}");
        }
        let a = after(&[&[31, 44], &[39]]);
        assert_eq!((a.foreground(FG), a.background(BG)), (FG, ANSI_PALETTE[4]));
        let a = after(&[&[31, 44], &[49]]);
        assert_eq!((a.foreground(FG), a.background(BG)), (ANSI_PALETTE[1], BG));
    }

    #[test]
    fn bold_brightens_the_eight_basic_colours() {
        assert_eq!(after(&[&[1, 31]]).foreground(FG), ANSI_PALETTE[9]);
        assert_eq!(after(&[&[31, 1]]).foreground(FG), ANSI_PALETTE[9], "order does not matter");
        assert_eq!(after(&[&[1, 31], &[22]]).foreground(FG), ANSI_PALETTE[1]);
        assert_eq!(after(&[&[1]]).foreground(FG), FG, "the default colour stays");
        assert_eq!(after(&[&[1, 95]]).foreground(FG), ANSI_PALETTE[13]);
    }

    #[test]
    fn extended_colours_are_consumed_not_misread() {
        // 38;2;0;0;0 must not reset, 38;5;1 must not turn bold; 32 after them applies.
        let a = after(&[&[31], &[38, 2, 0, 0, 0, 32]]);
        assert_eq!(a.foreground(FG), ANSI_PALETTE[2]);
        let a = after(&[&[38, 5, 1, 33]]);
        assert_eq!(a.foreground(FG), ANSI_PALETTE[3], "no bold from the 1");
        // Malformed: the rest is dropped.
        let a = after(&[&[38, 7, 0, 31]]);
        assert_eq!(a.foreground(FG), FG);
        // Unsupported attributes change nothing.
        assert_eq!(after(&[&[4, 5, 7, 9]]), Attributes::default());
    }
}
