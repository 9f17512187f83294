//! `core::fmt::Write` onto the framebuffer.
//!
//! The console needs the framebuffer bytes for every write, which the kernel
//! keeps; a [`Writer`] pairs the two for the length of a `write!` so log
//! records can be formatted straight onto the screen without a buffer.

use core::fmt;

use crate::console::TextConsole;

/// A [`TextConsole`] borrowed together with its framebuffer; made by
/// [`TextConsole::writer`].
pub struct Writer<'a> {
    console: &'a mut TextConsole,
    fb: &'a mut [u8],
}

impl<'a> Writer<'a> {
    pub(crate) fn new(console: &'a mut TextConsole, fb: &'a mut [u8]) -> Self {
        Self { console, fb }
    }
}

impl fmt::Write for Writer<'_> {
    /// Renders `s`; never fails.
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.console.write_str(self.fb, s);
        Ok(())
    }
}
