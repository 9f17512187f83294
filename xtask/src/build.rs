//! Building: the kernel (with the kernel toolchain and `-Zbuild-std`), then
//! the `boot` tool, then the disk image.

use std::path::PathBuf;
use std::time::Instant;

use crate::args::{BuildOptions, Firmware};
use crate::paths;
use crate::process::run_checked;
use crate::setup::{self, Needs};
use crate::toolchain::KernelToolchain;
use crate::{Error, Result};

/// The kernel's target: bare metal, no OS, no red zone, soft-float.
const KERNEL_TARGET: &str = "x86_64-unknown-none";
/// `-Zbuild-std` arguments: `core` and `alloc` built from the toolchain's
/// sources, with `compiler_builtins` providing `memcpy` and friends.
const BUILD_STD: [&str; 2] = ["-Zbuild-std=core,alloc,compiler_builtins", "-Zbuild-std-features=compiler-builtins-mem"];

/// What a build produced.
pub struct Artifacts {
    /// The kernel ELF.
    pub kernel: PathBuf,
    /// The bootable disk image for the requested firmware.
    pub image: PathBuf,
}

/// Provisions the toolchain, then builds the kernel and its disk image.
pub fn build_all(options: &BuildOptions) -> Result<Artifacts> {
    let provisioned = setup::ensure_all(Needs { toolchain: true, ..Needs::default() })?;
    let toolchain = provisioned.toolchain.ok_or_else(|| Error::new("no kernel toolchain"))?;
    build_with(&toolchain, options)
}

/// Builds the kernel and its disk image with `toolchain`.
pub fn build_with(toolchain: &KernelToolchain, options: &BuildOptions) -> Result<Artifacts> {
    let kernel = build_kernel(toolchain, options)?;
    let image = build_image(toolchain, &kernel, options.firmware)?;
    Ok(Artifacts { kernel, image })
}

fn build_kernel(toolchain: &KernelToolchain, options: &BuildOptions) -> Result<PathBuf> {
    let started = Instant::now();
    println!("xtask: building the hypervisor kernel ({KERNEL_TARGET}, log level {})", options.log_level);
    run_checked(
        toolchain
            .cargo()
            .args(["build", "--release", "--package", "hypervisor", "--target", KERNEL_TARGET])
            .args(BUILD_STD)
            .arg("--target-dir")
            .arg(paths::kernel_target_dir())
            .env("HV_LOG", &options.log_level),
        "building the kernel",
    )?;
    println!("xtask: kernel built in {:.1} s", started.elapsed().as_secs_f64());
    Ok(paths::kernel_target_dir().join(KERNEL_TARGET).join("release").join("hypervisor"))
}

fn build_image(toolchain: &KernelToolchain, kernel: &std::path::Path, firmware: Firmware) -> Result<PathBuf> {
    let boot_binary = paths::kernel_target_dir().join("release").join("boot");
    let mut cargo = toolchain.cargo();
    cargo.args(["build", "--release", "--package", "boot", "--target-dir"]).arg(paths::kernel_target_dir());
    if firmware == Firmware::Bios {
        if !toolchain.llvm_tools_dir().join("llvm-objcopy").exists() {
            return Err(Error::new(format!(
                "the BIOS image needs llvm-objcopy in {} (rustup component add llvm-tools, or apt-get install llvm-22 \
                 and rerun `cargo xtask setup`)",
                toolchain.llvm_tools_dir().display()
            )));
        }
        cargo.args(["--features", "bios"]);
    }
    if !boot_binary.is_file() {
        println!(
            "xtask: building the bootloader stages and the image builder \
             (the first time this compiles the UEFI{} loader: a minute or more)",
            if firmware == Firmware::Bios { " and BIOS" } else { "" }
        );
    }
    let started = Instant::now();
    run_checked(&mut cargo, "building the disk-image builder (boot/)")?;
    if started.elapsed().as_secs() > 5 {
        println!("xtask: image builder built in {:.0} s", started.elapsed().as_secs_f64());
    }

    let images = paths::images_dir();
    std::fs::create_dir_all(&images).map_err(|e| Error::new(format!("cannot create {}: {e}", images.display())))?;
    let (flag, image) = match firmware {
        Firmware::Uefi => ("--uefi", images.join("hypervisor-uefi.img")),
        Firmware::Bios => ("--bios", images.join("hypervisor-bios.img")),
    };
    run_checked(
        std::process::Command::new(&boot_binary).arg("--kernel").arg(kernel).arg(flag).arg(&image),
        "creating the disk image",
    )?;
    Ok(image)
}
