//! The on-screen console: the log mirrored to the UEFI framebuffer the
//! bootloader hands over, as scrolling text (rendering in crate `hv-fbcon`),
//! for the many PCs without a serial port.
//!
//! Text is drawn into a shadow copy of the screen in ordinary RAM and then
//! copied to the framebuffer: framebuffer memory is uncached or
//! write-combining on real hardware, where the reads that scrolling needs
//! would be very slow, so the framebuffer itself is only ever written.
//! Like serial output, text waits in a buffer and is drawn at the console's
//! pump points (between time slices, idle time), never in a partition's time.

use bootloader_api::info::{FrameBuffer, PixelFormat as BootPixelFormat};
use hv_fbcon::{default_scale, Geometry, PixelFormat, TextConsole};

use crate::mm::OwnedFrames;

/// Text waiting to be drawn (bytes beyond this are dropped until the next pump).
const PENDING_CAPACITY: usize = 64 * 1024;

/// The framebuffer console.
pub struct ScreenConsole {
    screen: &'static mut [u8],
    shadow: OwnedFrames,
    console: TextConsole,
    visible_bytes: usize,
}

/// Text waiting for the screen; usable before the screen console exists.
pub struct Pending {
    bytes: [u8; PENDING_CAPACITY],
    len: usize,
}

impl Pending {
    /// An empty buffer.
    pub const fn new() -> Self {
        Self { bytes: [0; PENDING_CAPACITY], len: 0 }
    }

    /// Adds text (what does not fit is dropped).
    pub fn push(&mut self, byte: u8) {
        if self.len < PENDING_CAPACITY {
            self.bytes[self.len] = byte;
            self.len += 1;
        }
    }
}

/// Why the framebuffer cannot be used.
#[derive(Debug)]
pub enum ScreenError {
    /// Its geometry is unusable.
    Geometry(hv_fbcon::FbError),
    /// A pixel format this console does not know.
    UnknownFormat,
    /// No memory for the shadow copy.
    NoMemory(crate::mm::OutOfMemory),
}

impl core::fmt::Display for ScreenError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Geometry(error) => write!(f, "unusable framebuffer: {error}"),
            Self::UnknownFormat => f.write_str("the framebuffer's pixel format is not one this console knows"),
            Self::NoMemory(error) => write!(f, "framebuffer shadow copy: {error}"),
        }
    }
}

impl ScreenConsole {
    /// Takes over the bootloader's framebuffer.
    pub fn new(framebuffer: FrameBuffer) -> Result<Self, ScreenError> {
        let info = framebuffer.info();
        let format = match info.pixel_format {
            BootPixelFormat::Rgb => PixelFormat::Rgb,
            BootPixelFormat::Bgr => PixelFormat::Bgr,
            BootPixelFormat::U8 => PixelFormat::U8,
            BootPixelFormat::Unknown { red_position, green_position, blue_position } => {
                PixelFormat::Unknown { red_position, green_position, blue_position }
            }
            _ => return Err(ScreenError::UnknownFormat),
        };
        let geometry = Geometry::new(info.byte_len, info.width, info.height, format, info.bytes_per_pixel, info.stride)
            .map_err(ScreenError::Geometry)?;
        let visible_bytes = geometry.byte_len();
        let frames = visible_bytes.div_ceil(4096);
        let mut shadow = OwnedFrames::allocate_zeroed(frames, 1).map_err(ScreenError::NoMemory)?;
        let mut console = TextConsole::new(geometry, default_scale(info.width));
        console.clear(&mut shadow.as_mut_slice()[..visible_bytes]);
        let screen = framebuffer.into_buffer();
        let mut this = Self { screen, shadow, console, visible_bytes };
        this.present();
        Ok(this)
    }

    /// A one-line description for the boot log.
    pub fn describe(&self) -> alloc::string::String {
        let geometry = self.console.geometry();
        let (cols, rows) = self.console.size();
        alloc::format!(
            "{}x{} {:?}, {} bytes/pixel: {cols}x{rows} text",
            geometry.width(),
            geometry.height(),
            geometry.format(),
            geometry.bytes_per_pixel()
        )
    }

    /// Draws the pending text and shows it.
    pub fn draw(&mut self, pending: &mut Pending) {
        if pending.len == 0 {
            return;
        }
        let shadow = &mut self.shadow.as_mut_slice()[..self.visible_bytes];
        self.console.write_bytes(shadow, &pending.bytes[..pending.len]);
        pending.len = 0;
        self.present();
    }

    /// Copies the shadow to the framebuffer (writes only).
    fn present(&mut self) {
        let length = self.visible_bytes.min(self.screen.len());
        self.screen[..length].copy_from_slice(&self.shadow.as_slice()[..length]);
    }
}
