//! `boot`: turns the kernel ELF (and an optional ramdisk) into bootable disk
//! images with the `bootloader` crate.
//!
//! It is a separate host program, run by `cargo xtask`, because building the
//! `bootloader` crate compiles its UEFI (and BIOS) stages with `-Zbuild-std`,
//! which needs the kernel toolchain; `xtask` itself builds with any stable Rust.
//!
//! Usage: `boot --kernel ELF --uefi OUT.img [--bios OUT.img] [--ramdisk FILE]
//! [--quiet-framebuffer]`

use std::path::PathBuf;
use std::process::ExitCode;

use bootloader::{BootConfig, UefiBoot};

struct Args {
    kernel: PathBuf,
    uefi: Option<PathBuf>,
    bios: Option<PathBuf>,
    ramdisk: Option<PathBuf>,
    quiet_framebuffer: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args_os().skip(1);
    let mut kernel = None;
    let mut parsed = Args { kernel: PathBuf::new(), uefi: None, bios: None, ramdisk: None, quiet_framebuffer: false };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().map(PathBuf::from).ok_or(format!("{name} needs a path"));
        match arg.to_str() {
            Some("--kernel") => kernel = Some(value("--kernel")?),
            Some("--uefi") => parsed.uefi = Some(value("--uefi")?),
            Some("--bios") => parsed.bios = Some(value("--bios")?),
            Some("--ramdisk") => parsed.ramdisk = Some(value("--ramdisk")?),
            Some("--quiet-framebuffer") => parsed.quiet_framebuffer = true,
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    parsed.kernel = kernel.ok_or("--kernel ELF is required")?;
    if parsed.uefi.is_none() && parsed.bios.is_none() {
        return Err("nothing to do: give --uefi OUT and/or --bios OUT".into());
    }
    Ok(parsed)
}

fn boot_config(quiet_framebuffer: bool) -> BootConfig {
    let mut config = BootConfig::default();
    config.serial_logging = true;
    // The loader's own log: warnings and errors only, so the console shows
    // the hypervisor's output (its trace level lists every ELF segment).
    config.log_level = bootloader_boot_config::LevelFilter::Warn;
    config.frame_buffer_logging = !quiet_framebuffer;
    config
}

fn run(args: &Args) -> Result<(), String> {
    if !args.kernel.is_file() {
        return Err(format!("kernel ELF {} does not exist (build it with `cargo xtask build`)", args.kernel.display()));
    }
    if let Some(ramdisk) = &args.ramdisk {
        if !ramdisk.is_file() {
            return Err(format!("ramdisk {} does not exist", ramdisk.display()));
        }
    }
    let config = boot_config(args.quiet_framebuffer);
    if let Some(out) = &args.uefi {
        let mut uefi = UefiBoot::new(&args.kernel);
        uefi.set_boot_config(&config);
        if let Some(ramdisk) = &args.ramdisk {
            uefi.set_ramdisk(ramdisk);
        }
        uefi.create_disk_image(out).map_err(|e| format!("creating UEFI image {}: {e:#}", out.display()))?;
    }
    if let Some(out) = &args.bios {
        bios_image(args, &config, out)?;
    }
    Ok(())
}

#[cfg(feature = "bios")]
fn bios_image(args: &Args, config: &BootConfig, out: &std::path::Path) -> Result<(), String> {
    let mut bios = bootloader::BiosBoot::new(&args.kernel);
    bios.set_boot_config(config);
    if let Some(ramdisk) = &args.ramdisk {
        bios.set_ramdisk(ramdisk);
    }
    bios.create_disk_image(out).map_err(|e| format!("creating BIOS image {}: {e:#}", out.display()))
}

#[cfg(not(feature = "bios"))]
fn bios_image(_: &Args, _: &BootConfig, out: &std::path::Path) -> Result<(), String> {
    Err(format!("cannot create BIOS image {}: `boot` was built without its `bios` feature", out.display()))
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("boot: error: {message}");
            ExitCode::FAILURE
        }
    }
}
