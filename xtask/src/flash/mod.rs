//! Real hardware: `cargo xtask image` builds the UEFI disk image for a USB
//! stick, `cargo xtask flash` writes it to one with guard rails.
//!
//! `flash` refuses anything that is not a removable, unused whole disk
//! large enough for the image ([`device`]), asks for a typed `yes`, writes in
//! 4 MiB chunks and reads everything back to compare ([`copy`]). It never
//! builds: it usually runs as root, and a build as root would leave
//! root-owned files in `target/`.

pub mod copy;
pub mod device;
pub mod disk_image;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::args::{FlashOptions, ImageOptions};
use crate::setup::{self, Needs};
use crate::{build, paths, process, Error, Result};

use self::copy::Target;
use self::device::{Disk, SystemView};
use self::disk_image::ImageSummary;

/// The memory the manifest's partitions are checked against when building
/// for real machines: the target's RAM is not known here, so no limit. The
/// kernel allocates each partition's memory from the machine's own memory
/// map at boot and reports a partition that does not fit.
const ANY_MACHINE_MEMORY_MIB: u32 = u32::MAX;

/// Where `image` writes and `flash` reads by default.
pub fn default_image_path() -> PathBuf {
    paths::images_dir().join("hypervisor-usb.img")
}

/// `cargo xtask image`: build everything, write the USB disk image, check it.
pub fn image(options: &ImageOptions) -> Result {
    let provisioned = setup::ensure_all(Needs { toolchain: true, ..Needs::default() })?;
    let toolchain = provisioned.toolchain.ok_or_else(|| Error::new("no kernel toolchain"))?;
    let built = build::build_with(&toolchain, &options.build)?;
    // `Built::image` names its output after the firmware; build in a
    // directory of our own, then move the image to where it is wanted.
    let staging = paths::images_dir().join("usb");
    let made = built.image(&options.build.manifest, "", ANY_MACHINE_MEMORY_MIB, &staging)?;
    let bundle_bytes = std::fs::metadata(staging.join("bundle.bin")).map(|m| m.len()).ok();
    let summary = check_file(&made)?;
    if summary.kernel_bytes.is_none() || summary.ramdisk_bytes.is_none() || summary.ramdisk_bytes != bundle_bytes {
        return Err(Error::new(format!(
            "{} lacks the kernel or the boot bundle (kernel-x86_64: {:?} bytes, ramdisk: {:?} bytes, bundle: {:?} \
             bytes): the image builder (boot/) did not do its job; rerun `cargo xtask image`",
            made.display(),
            summary.kernel_bytes,
            summary.ramdisk_bytes,
            bundle_bytes
        )));
    }
    let out = absolute(&options.out);
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::new(format!("cannot create {}: {e}", parent.display())))?;
    }
    if std::fs::rename(&made, &out).is_err() {
        std::fs::copy(&made, &out).map_err(|e| {
            Error::new(format!("cannot write {}: {e} — pass another path with --out PATH", out.display()))
        })?;
    }
    print_image_report(&out, &options.build.manifest, &summary)
}

fn print_image_report(out: &Path, manifest: &Path, summary: &ImageSummary) -> Result {
    let size = std::fs::metadata(out).map_err(|e| Error::new(format!("cannot stat {}: {e}", out.display())))?.len();
    let manifest = manifest.strip_prefix(paths::root()).unwrap_or(manifest);
    println!("xtask: USB disk image: {} ({})", out.display(), human(size));
    println!("  GPT disk; EFI system partition: FAT{}, {}, holding", summary.fat_bits, human(summary.esp_bytes));
    for (file, bytes, what) in [
        ("EFI/BOOT/BOOTX64.EFI", Some(summary.loader_bytes), "the bootloader's UEFI stage".to_string()),
        (disk_image::KERNEL_FILE, summary.kernel_bytes, "the hypervisor".to_string()),
        (
            disk_image::RAMDISK_FILE,
            summary.ramdisk_bytes,
            format!("boot bundle: {} and its images", manifest.display()),
        ),
    ] {
        println!("    {file:<22} {:>9}  {what}", human(bytes.unwrap_or(0)));
    }
    let default = out == default_image_path();
    let image_flag = if default { String::new() } else { format!(" --image {}", out.display()) };
    println!("\nWrite it to a USB stick (everything on the stick is lost):");
    println!(
        "  cargo xtask flash --device /dev/sdX{image_flag}\n      recommended: refuses anything but a removable, \
         unmounted whole disk that is not the system disk, asks before writing, verifies afterwards"
    );
    if !process::is_root() {
        let exe = std::env::current_exe().map_or_else(|_| "target/debug/xtask".into(), |p| p.display().to_string());
        println!("      (as root; from this account: sudo {exe} flash --device /dev/sdX{image_flag})");
    }
    println!("  or by hand, with no checks:");
    println!("  sudo dd if={} of=/dev/sdX bs=4M conv=fsync status=progress", out.display());
    println!(
        "  Double-check /dev/sdX first (`lsblk -o NAME,SIZE,MODEL,TRAN,RM`; `cargo xtask flash` alone lists \
         removable disks): dd overwrites whatever disk it is given, your system disk included."
    );
    println!(
        "\nThen boot the machine from the stick with VT-x enabled and Secure Boot disabled in the firmware set-up."
    );
    Ok(())
}

/// `cargo xtask flash`: check the image and the device, confirm, write, verify.
pub fn flash(options: &FlashOptions) -> Result {
    let image = absolute(&options.image);
    if !image.is_file() {
        return Err(Error::new(format!(
            "no disk image at {}: build it first with `cargo xtask image`{}",
            image.display(),
            if options.image == default_image_path() { "" } else { " --out PATH, or pass --image PATH" }
        )));
    }
    let summary = check_file(&image)?;
    let image_bytes = std::fs::metadata(&image).map_err(|e| Error::new(format!("{}: {e}", image.display())))?.len();
    let view = SystemView::live()?;
    let Some(device) = &options.device else {
        return Err(Error::new(no_device_message(&view.removable_disks())));
    };
    let name = device::block_device_name(device)?;
    let disk = device::assess(&view, &name, &image, image_bytes)?;
    if view.root_disks().is_empty() {
        println!(
            "xtask: note: cannot tell which disk holds the root file system here (a container?); relying on \
             the other checks"
        );
    }
    println!("xtask: target {} — removable, nothing on it in use", disk.line());
    println!(
        "xtask: image  {} ({}; FAT{} EFI system partition with EFI/BOOT/BOOTX64.EFI)",
        image.display(),
        human(image_bytes),
        summary.fat_bits
    );
    if !options.yes && !confirmed(&disk)? {
        return Err(Error::new(format!("not confirmed: nothing was written to /dev/{}", disk.name)));
    }
    // The state may have changed while we waited (a desktop auto-mounting
    // the stick, a different stick plugged in under the same name): again.
    let view = SystemView::live()?;
    let again = device::assess(&view, &device::block_device_name(device)?, &image, image_bytes)?;
    if again != disk {
        return Err(Error::new(format!(
            "/dev/{} changed while waiting for confirmation (now {}): nothing was written; rerun",
            disk.name,
            again.line()
        )));
    }
    let target = PathBuf::from("/dev").join(&disk.name);
    let started = Instant::now();
    let written = copy::write(&image, &target, Target::BlockDevice, &mut progress_printer("writing  ", started))?;
    let verifying = Instant::now();
    copy::verify(&image, &target, Target::BlockDevice, &mut progress_printer("verifying", verifying))?;
    println!(
        "xtask: wrote and verified {:.1} MiB on /dev/{} in {:.1} s. Remove the stick (or `eject /dev/{}`) and boot \
         the machine from it with VT-x enabled and Secure Boot disabled in the firmware set-up.",
        written as f64 / f64::from(1u32 << 20),
        disk.name,
        started.elapsed().as_secs_f64(),
        disk.name
    );
    Ok(())
}

/// Reads and checks a disk image file.
fn check_file(image: &Path) -> Result<ImageSummary> {
    let bytes = std::fs::read(image).map_err(|e| Error::new(format!("cannot read {}: {e}", image.display())))?;
    disk_image::check(&bytes).map_err(|why| {
        Error::new(format!(
            "{} is not a bootable UEFI disk image: {why} — rebuild it with `cargo xtask image`",
            image.display()
        ))
    })
}

/// The error when `--device` is missing, listing the removable disks present.
fn no_device_message(candidates: &[Disk]) -> String {
    let list = if candidates.is_empty() {
        "no removable disk with a medium is present: plug the stick in (`lsblk -o NAME,SIZE,MODEL,TRAN,RM` lists \
         every disk)"
            .to_string()
    } else {
        let lines: Vec<String> = candidates.iter().map(|disk| format!("  {}", disk.line())).collect();
        format!("removable disks here:\n{}", lines.join("\n"))
    };
    format!("flash needs --device /dev/sdX, the USB stick's whole disk; {list}")
}

/// Asks on stdin; only `yes` confirms.
fn confirmed(disk: &Disk) -> Result<bool> {
    print!("Everything on /dev/{} is lost. Type yes to overwrite /dev/{}: ", disk.name, disk.name);
    std::io::stdout().flush().map_err(|e| Error::new(format!("writing to the terminal: {e}")))?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(|e| Error::new(format!("reading the answer: {e}")))?;
    if !std::io::stdin().is_terminal() {
        println!(); // the answer came from a pipe: end the prompt's line
    }
    Ok(is_yes(&answer))
}

/// Whether a typed answer confirms: exactly `yes`, surrounding blanks aside.
fn is_yes(answer: &str) -> bool {
    answer.trim() == "yes"
}

/// A size in KiB below 1 MiB, in MiB above.
fn human(bytes: u64) -> String {
    if bytes < 1 << 20 {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
    }
}

/// `path` relative to the current directory made absolute (for messages and commands to copy).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Prints progress: in place on a terminal, every quarter otherwise.
fn progress_printer(what: &'static str, started: Instant) -> impl FnMut(u64, u64) {
    let terminal = std::io::stdout().is_terminal();
    let mut last_quarter = 0;
    move |done, total| {
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        let mib = |bytes: u64| bytes as f64 / f64::from(1u32 << 20);
        let rate = mib(done) / started.elapsed().as_secs_f64().max(0.001);
        let line = format!("xtask: {what} {:.0} / {:.0} MiB ({percent}%), {rate:.1} MiB/s", mib(done), mib(total));
        if terminal {
            print!("\r{line}   ");
            if done == total {
                println!();
            }
            let _ = std::io::stdout().flush();
        } else if percent / 25 > last_quarter || done == total {
            last_quarter = percent / 25;
            println!("{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_shown_in_kib_or_mib() {
        assert_eq!(human(84_000), "82 KiB");
        assert_eq!(human(10_551_296), "10.1 MiB");
    }

    #[test]
    fn only_yes_confirms() {
        assert!(is_yes("yes\n"));
        assert!(is_yes("  yes  \r\n"));
        for answer in ["", "\n", "y\n", "YES\n", "yes please\n", "no\n"] {
            assert!(!is_yes(answer), "{answer:?}");
        }
    }

    #[test]
    fn a_missing_device_lists_the_candidates() {
        let stick = Disk { name: "sdb".into(), model: "SanDisk Cruzer Blade".into(), size_bytes: 16_008_609_792 };
        let message = no_device_message(&[stick]);
        assert!(message.contains("flash needs --device /dev/sdX"), "{message}");
        assert!(message.contains("  /dev/sdb: SanDisk Cruzer Blade, 16.0 GB"), "{message}");
        assert!(no_device_message(&[]).contains("plug the stick in"));
    }

    #[test]
    fn the_image_checker_accepts_the_synthetic_image_from_a_file() {
        let path = std::env::temp_dir().join(format!("xtask-flash-check-{}.img", std::process::id()));
        std::fs::write(&path, disk_image::tests::synthetic_image()).expect("write image");
        let checked = check_file(&path);
        std::fs::write(&path, b"not an image").expect("overwrite");
        let refused = check_file(&path).expect_err("refused").to_string();
        let _ = std::fs::remove_file(&path);
        assert_eq!(checked.expect("valid").loader_bytes, 700);
        assert!(refused.contains("is not a bootable UEFI disk image"), "{refused}");
        assert!(refused.contains("rebuild it with `cargo xtask image`"), "{refused}");
    }
}
