//! Writing the image to the device in 4 MiB chunks, flushed as it goes, and
//! reading it back to compare byte for byte.
//!
//! On a block device the write opens it with `O_EXCL` (the kernel then
//! refuses a device that is mounted or otherwise held, whatever the checks
//! before concluded) and the read-back uses `O_DIRECT`, so what is compared
//! is what the medium returns, not the page cache just written. Plain files
//! (the tests) are written and read the ordinary way.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::{Error, Result};

/// The size of each write and each read-back.
pub const CHUNK: usize = 4 << 20;

/// `O_DIRECT` buffers, offsets and lengths must be multiples of the logical
/// block size; 4096 covers every block size in use.
const ALIGN: usize = 4096;

/// What is being written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A block device: exclusive open, flush after every chunk, direct read-back.
    BlockDevice,
    /// A regular file (tests, or an image copy).
    File,
}

/// Called with (bytes done, bytes in all) after every chunk.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Writes all of `image` to the start of `target`, then flushes it to the
/// medium; returns the number of bytes written.
pub fn write(image: &Path, target: &Path, kind: Target, progress: Progress<'_>) -> Result<u64> {
    let (mut source, total) = open_image(image)?;
    let mut options = OpenOptions::new();
    options.write(true);
    if kind == Target::BlockDevice {
        options.custom_flags(libc::O_EXCL);
    }
    let mut out = options.open(target).map_err(|e| open_error(target, &e))?;
    let mut buffer = vec![0u8; CHUNK];
    let mut done = 0u64;
    loop {
        let read = fill(&mut source, &mut buffer)
            .map_err(|e| Error::new(format!("reading {} at byte {done}: {e}", image.display())))?;
        if read == 0 {
            break;
        }
        let written = out.write_all(&buffer[..read]).and_then(|()| match kind {
            // Flushing each chunk keeps the progress honest (otherwise it
            // shows the page cache filling, then a long silent sync).
            Target::BlockDevice => out.sync_data(),
            Target::File => Ok(()),
        });
        written.map_err(|e| {
            Error::new(format!(
                "writing {} at byte {done}: {e} — the stick may have been removed or be failing; nothing on it \
                 is usable now: plug it in again and rerun, or use another stick",
                target.display()
            ))
        })?;
        done += read as u64;
        progress(done, total);
    }
    out.sync_all().map_err(|e| {
        Error::new(format!("flushing {}: {e} — the data may not all be on the medium; rerun", target.display()))
    })?;
    if done != total {
        return Err(Error::new(format!(
            "{} changed while it was written ({done} of {total} bytes): rebuild it and rerun",
            image.display()
        )));
    }
    Ok(done)
}

/// Reads `target` back and compares it with `image` byte for byte; the error
/// names the first offset that differs.
pub fn verify(image: &Path, target: &Path, kind: Target, progress: Progress<'_>) -> Result {
    let (mut source, total) = open_image(image)?;
    let mut back = open_for_reading(target, kind)?;
    let mut expected = vec![0u8; CHUNK];
    let mut storage = vec![0u8; CHUNK + ALIGN];
    let start = storage.as_ptr().align_offset(ALIGN);
    if start >= ALIGN {
        return Err(Error::new("cannot align the read-back buffer"));
    }
    let actual = &mut storage[start..start + CHUNK];
    let mut offset = 0u64;
    loop {
        let want = fill(&mut source, &mut expected)
            .map_err(|e| Error::new(format!("reading {} at byte {offset}: {e}", image.display())))?;
        if want == 0 {
            break;
        }
        // Direct reads must be whole blocks: read up to the next multiple of ALIGN.
        let request = want.div_ceil(ALIGN) * ALIGN;
        let got = fill(&mut back, &mut actual[..request.min(CHUNK)]).map_err(|e| {
            Error::new(format!(
                "reading {} back at byte {offset}: {e} — the stick may have been removed or be failing",
                target.display()
            ))
        })?;
        if got < want {
            return Err(Error::new(format!(
                "verification failed: {} returned only {} of the image's {total} bytes — the device is smaller \
                 than it claims (a counterfeit stick?) or was removed; use another stick",
                target.display(),
                offset + got as u64
            )));
        }
        if let Some(at) = expected[..want].iter().zip(&actual[..want]).position(|(a, b)| a != b) {
            let byte = offset + at as u64;
            return Err(Error::new(format!(
                "verification failed: {} differs from the image at byte {byte} ({byte:#x}): wrote {:#04x}, read \
                 back {:#04x} — the stick is failing or fake (it does not keep what is written); use another stick",
                target.display(),
                expected[at],
                actual[at]
            )));
        }
        offset += want as u64;
        progress(offset, total);
    }
    Ok(())
}

fn open_image(image: &Path) -> Result<(File, u64)> {
    let file = File::open(image).map_err(|e| Error::new(format!("cannot open {}: {e}", image.display())))?;
    let len = file.metadata().map_err(|e| Error::new(format!("cannot stat {}: {e}", image.display())))?.len();
    Ok((file, len))
}

/// Opens `target` to read it back: with `O_DIRECT` on a block device,
/// falling back to a plain open where direct I/O is not supported.
fn open_for_reading(target: &Path, kind: Target) -> Result<File> {
    let plain = || File::open(target).map_err(|e| open_error(target, &e));
    if kind == Target::File {
        return plain();
    }
    match OpenOptions::new().read(true).custom_flags(libc::O_DIRECT).open(target) {
        Ok(file) => Ok(file),
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => plain(),
        Err(e) => Err(open_error(target, &e)),
    }
}

/// The error for a device that cannot be opened, with the usual causes' fixes.
fn open_error(target: &Path, error: &std::io::Error) -> Error {
    let fix = if error.kind() == ErrorKind::PermissionDenied {
        let exe = std::env::current_exe().map_or_else(|_| "target/debug/xtask".into(), |p| p.display().to_string());
        format!(
            " — writing a disk needs root: sudo {exe} flash --device {} (the xtask binary cargo built; running \
             cargo itself under sudo would leave root-owned files in target/)",
            target.display()
        )
    } else if error.raw_os_error() == Some(libc::EBUSY) {
        " — the kernel reports it busy: something has it or a partition of it open (mounted, swap, LVM, LUKS); \
         unmount or close that and rerun (`lsblk` and `findmnt` show what)"
            .to_string()
    } else {
        String::new()
    };
    Error::new(format!("cannot open {}: {error}{fix}", target.display()))
}

/// Reads until `buffer` is full or the input ends; returns the bytes read.
fn fill(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh directory for one test, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(test: &str) -> Self {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "xtask-copy-{}-{}-{test}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::SeqCst)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create scratch dir");
            Self(dir)
        }

        /// An image of two and a bit chunks (the last one partial and unaligned) and an empty target.
        fn image_and_target(&self) -> (PathBuf, PathBuf, Vec<u8>) {
            let bytes: Vec<u8> = (0..2 * CHUNK + 12_345).map(|i| (i * 7 + i / 4096).to_le_bytes()[0]).collect();
            let (image, target) = (self.0.join("image.img"), self.0.join("target.img"));
            std::fs::write(&image, &bytes).expect("write image");
            std::fs::write(&target, b"").expect("create target");
            (image, target, bytes)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn ignore(_: u64, _: u64) {}

    #[test]
    fn written_files_verify_and_progress_reaches_the_total() {
        let scratch = Scratch::new("roundtrip");
        let (image, target, bytes) = scratch.image_and_target();
        let mut seen = Vec::new();
        let written = write(&image, &target, Target::File, &mut |done, total| seen.push((done, total))).expect("write");
        assert_eq!(written, bytes.len() as u64);
        assert_eq!(seen.len(), 3);
        assert_eq!(seen.last(), Some(&(written, written)));
        assert_eq!(std::fs::read(&target).expect("read target"), bytes);
        verify(&image, &target, Target::File, &mut ignore).expect("verify");
    }

    #[test]
    fn a_corrupted_byte_is_reported_with_its_offset() {
        let scratch = Scratch::new("corrupt");
        let (image, target, mut bytes) = scratch.image_and_target();
        write(&image, &target, Target::File, &mut ignore).expect("write");
        let at = CHUNK + 4_321;
        bytes[at] ^= 0xff;
        std::fs::write(&target, &bytes).expect("corrupt target");
        let error = verify(&image, &target, Target::File, &mut ignore).expect_err("corruption").to_string();
        assert!(error.contains(&format!("differs from the image at byte {at} ({at:#x})")), "{error}");
    }

    #[test]
    fn a_short_target_is_reported() {
        let scratch = Scratch::new("short");
        let (image, target, bytes) = scratch.image_and_target();
        std::fs::write(&target, &bytes[..CHUNK + 10]).expect("short target");
        let error = verify(&image, &target, Target::File, &mut ignore).expect_err("short").to_string();
        assert!(error.contains(&format!("returned only {} of", CHUNK + 10)), "{error}");
    }

    #[test]
    fn the_block_device_path_works_on_files_too() {
        // O_EXCL without O_CREAT is ignored for regular files; O_DIRECT is used
        // where the file system supports it, otherwise the plain read.
        let scratch = Scratch::new("direct");
        let (image, target, _) = scratch.image_and_target();
        write(&image, &target, Target::BlockDevice, &mut ignore).expect("write");
        verify(&image, &target, Target::BlockDevice, &mut ignore).expect("verify");
    }

    /// A real block device: a loop device over a file (needs root and losetup;
    /// run with `cargo test -p xtask -- --ignored loop_device`).
    #[test]
    #[ignore = "needs root and losetup"]
    fn loop_device_write_and_verify() {
        use std::process::Command;
        let scratch = Scratch::new("loop");
        let (image, _, bytes) = scratch.image_and_target();
        let backing = scratch.0.join("backing.img");
        std::fs::write(&backing, vec![0u8; 16 << 20]).expect("backing file");
        let output = Command::new("losetup").arg("--find").arg("--show").arg(&backing).output().expect("losetup");
        assert!(output.status.success(), "losetup: {}", String::from_utf8_lossy(&output.stderr));
        let device = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        let result = std::panic::catch_unwind(|| {
            let name = super::super::device::block_device_name(&device).expect("a block device");
            let view = super::super::device::SystemView::live().expect("live view");
            let refusal =
                super::super::device::assess(&view, &name, &image, bytes.len() as u64).expect_err("loop is fixed");
            assert!(refusal.to_string().contains("not a removable disk"), "{refusal}");
            write(&image, &device, Target::BlockDevice, &mut ignore).expect("write");
            verify(&image, &device, Target::BlockDevice, &mut ignore).expect("verify");
        });
        let detached = Command::new("losetup").arg("--detach").arg(&device).status();
        assert!(detached.is_ok_and(|status| status.success()), "losetup --detach {}", device.display());
        if let Err(panic) = result {
            std::panic::resume_unwind(panic);
        }
        let written = std::fs::read(&backing).expect("read backing");
        assert_eq!(&written[..bytes.len()], &bytes[..]);
    }
}
