//! Screenshots of the emulated display (QEMU's `screendump` monitor
//! command), and the check that the framebuffer console drew text.
//!
//! The run directory's monitor socket takes the command once the kernel's
//! status line is on the serial log (the kernel lingers before it exits, see
//! the boot parameter `linger_ms`). Two files are written: a PNG to keep as
//! the test's artifact and a PPM, which is trivial to read here.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A screenshot waiting for its moment.
pub struct Pending {
    socket: PathBuf,
    base: PathBuf,
    taken: bool,
}

impl Pending {
    /// A screenshot of the QEMU whose monitor socket is in `run_dir`,
    /// written to `base`.png and `base`.ppm.
    pub fn new(run_dir: &Path, base: &Path) -> Self {
        Self { socket: run_dir.join("monitor.sock"), base: base.to_path_buf(), taken: false }
    }

    /// Takes the screenshot once `serial` shows the kernel's status line.
    pub fn poll(&mut self, serial: &Path) {
        if self.taken {
            return;
        }
        let done = std::fs::read_to_string(serial).is_ok_and(|text| text.contains(hv_status::STATUS_PREFIX));
        if done {
            self.taken = true;
            if let Err(error) = self.take() {
                eprintln!("xtask: screenshot failed: {error}");
            }
        }
    }

    fn take(&self) -> std::io::Result<()> {
        let mut monitor = UnixStream::connect(&self.socket)?;
        let png = self.base.with_extension("png");
        let ppm = self.base.with_extension("ppm");
        writeln!(monitor, "screendump {} -f png", png.display())?;
        writeln!(monitor, "screendump {} -f ppm", ppm.display())?;
        let started = Instant::now();
        while !(png.is_file() && ppm.is_file()) && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

/// A decoded PPM (P6, 8-bit) image.
pub struct Image {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// RGB triples, row by row.
    pub pixels: Vec<[u8; 3]>,
}

/// Decodes a binary PPM (P6) with a maximum value of 255.
pub fn read_ppm(bytes: &[u8]) -> Option<Image> {
    let mut fields = Vec::new();
    let mut position = 0;
    while fields.len() < 4 {
        while bytes.get(position)?.is_ascii_whitespace() {
            position += 1;
        }
        if bytes[position] == b'#' {
            while *bytes.get(position)? != b'\n' {
                position += 1;
            }
            continue;
        }
        let start = position;
        while !bytes.get(position)?.is_ascii_whitespace() {
            position += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..position]).ok()?);
    }
    position += 1;
    let (width, height): (usize, usize) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
    if fields[0] != "P6" || fields[3] != "255" {
        return None;
    }
    let data = bytes.get(position..position + width * height * 3)?;
    let pixels = data.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
    Some(Image { width, height, pixels })
}

/// The fraction of pixels in the top `rows` rows that differ from the most
/// common colour there (the background): how much text the console drew.
pub fn ink_fraction(image: &Image, rows: usize) -> f64 {
    let rows = rows.min(image.height);
    let area = &image.pixels[..rows * image.width];
    if area.is_empty() {
        return 0.0;
    }
    let mut counts = std::collections::HashMap::new();
    for pixel in area {
        *counts.entry(*pixel).or_insert(0usize) += 1;
    }
    let background = counts.into_iter().max_by_key(|(_, count)| *count).map(|(pixel, _)| pixel);
    let ink = area.iter().filter(|pixel| Some(**pixel) != background).count();
    ink as f64 / area.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ppm(width: usize, height: usize, ink: &[(usize, usize)]) -> Vec<u8> {
        let mut bytes = format!("P6\n# test\n{width} {height}\n255\n").into_bytes();
        for y in 0..height {
            for x in 0..width {
                let lit = ink.contains(&(x, y));
                bytes.extend_from_slice(if lit { &[200, 200, 200] } else { &[0, 0, 0] });
            }
        }
        bytes
    }

    #[test]
    fn ppm_images_are_decoded() {
        let image = read_ppm(&ppm(4, 3, &[(1, 2)])).expect("valid PPM");
        assert_eq!((image.width, image.height), (4, 3));
        assert_eq!(image.pixels[2 * 4 + 1], [200, 200, 200]);
        assert!(read_ppm(b"P3\n1 1\n255\n000").is_none());
        assert!(read_ppm(b"P6\n4 4\n255\nxx").is_none());
    }

    #[test]
    fn ink_is_measured_against_the_background() {
        let blank = read_ppm(&ppm(10, 10, &[])).expect("valid");
        assert!(ink_fraction(&blank, 10) < f64::EPSILON);
        let text = read_ppm(&ppm(10, 10, &[(0, 0), (1, 0), (2, 1), (9, 9)])).expect("valid");
        assert!((ink_fraction(&text, 2) - 0.15).abs() < 1e-9);
        assert!((ink_fraction(&text, 10) - 0.04).abs() < 1e-9);
    }
}
