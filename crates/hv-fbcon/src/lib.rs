//! `hv-fbcon`: a scrolling text console drawn on the UEFI framebuffer.
//!
//! Most test PCs have no serial port, so the hypervisor mirrors its log (its
//! own lines and the partitions' consoles, each line prefixed `[name]`) to
//! the framebuffer the bootloader hands over. This crate is the pure part of
//! that: given the framebuffer's [`Geometry`] (what `bootloader_api`'s
//! `FrameBufferInfo` reports, checked by [`Geometry::new`]) and the memory as
//! a `&mut [u8]`, a [`TextConsole`] renders text into it with an 8x8 font
//! scaled by an integer factor ([`default_scale`]), wraps at the right edge
//! and scrolls at the bottom.
//!
//! It works at any resolution and for every pixel format the bootloader
//! reports ([`PixelFormat`]: RGB, BGR, grayscale, or 8-bit channels at given
//! bit positions; 1 to 4 bytes per pixel; rows padded to a stride).
//! [`encode_color`] turns a colour into a pixel's bytes.
//!
//! The console understands what log lines contain: `\n`, `\t`, and the ANSI
//! SGR colour sequences (`ESC[31m`, `ESC[0m`, ...) with which the partitions'
//! prefixes are coloured ([`ANSI_PALETTE`]); other escape sequences are
//! skipped, `\r` and other control characters ignored, and characters outside
//! ASCII shown as `?`.
//!
//! Whatever the text, the geometry and the slice passed in, rendering only
//! writes inside that slice and inside the visible `width x height` pixels
//! (never into the padding of a row). It is pure code: no `unsafe`, no
//! `alloc`, no hardware access; the kernel owns the mapping.
//!
//! ```
//! use hv_fbcon::{default_scale, Geometry, PixelFormat, TextConsole};
//!
//! let mut fb = vec![0u8; 640 * 480 * 4];
//! let geometry = Geometry::new(fb.len(), 640, 480, PixelFormat::Bgr, 4, 640).unwrap();
//! let mut console = TextConsole::new(geometry, default_scale(640));
//! console.clear(&mut fb);
//! console.write_str(&mut fb, "\x1b[36m[hello64]\x1b[0m booted\n");
//! assert_eq!(console.cursor(), (1, 0));
//! assert_eq!(console.size(), (80, 60));
//! ```
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod color;
mod console;
mod error;
mod escape;
mod font;
mod format;
mod geometry;
mod palette;
mod raster;
mod sgr;
mod writer;

#[cfg(test)]
mod console_tests;

pub use color::{encode_color, luminance, Rgb};
pub use console::{default_scale, TextConsole, DEFAULT_BACKGROUND, DEFAULT_FOREGROUND};
pub use error::FbError;
pub use font::{GLYPH_HEIGHT, GLYPH_WIDTH};
pub use format::PixelFormat;
pub use geometry::Geometry;
pub use palette::ANSI_PALETTE;
pub use writer::Writer;
