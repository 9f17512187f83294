//! Building: the kernel (with the kernel toolchain and `-Zbuild-std`), then
//! the `boot` tool, then the disk image.

use std::path::{Path, PathBuf};
use std::process::Command;
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
/// Guests have no heap: `core` only.
const GUEST_BUILD_STD: [&str; 2] = ["-Zbuild-std=core,compiler_builtins", "-Zbuild-std-features=compiler-builtins-mem"];

/// What a build produced: the kernel, the guest images, and the tool that
/// wraps them into disk images (one image per boot bundle).
pub struct Built {
    /// The kernel ELF.
    pub kernel: PathBuf,
    /// Guest images: (name, ELF path).
    guests: Vec<(String, PathBuf)>,
    boot_tool: PathBuf,
    firmware: Firmware,
}

/// Provisions the toolchain, builds, and writes the default disk image
/// (`target/images/`, no boot parameters); returns the kernel and image paths.
pub fn build_all(options: &BuildOptions) -> Result<(PathBuf, PathBuf)> {
    let provisioned = setup::ensure_all(Needs { toolchain: true, ..Needs::default() })?;
    let toolchain = provisioned.toolchain.ok_or_else(|| Error::new("no kernel toolchain"))?;
    let built = build_with(&toolchain, options)?;
    let image = built.image(&options.manifest, "", 512, &paths::images_dir())?;
    Ok((built.kernel, image))
}

/// Builds the kernel and the image builder with `toolchain`.
pub fn build_with(toolchain: &KernelToolchain, options: &BuildOptions) -> Result<Built> {
    let kernel = build_kernel(toolchain, options)?;
    let guests = build_guests(toolchain)?;
    let boot_tool = build_boot_tool(toolchain, options.firmware)?;
    Ok(Built { kernel, guests, boot_tool, firmware: options.firmware })
}

impl Built {
    /// Writes the boot bundle — boot parameters `params`, the manifest at
    /// `manifest` (checked against `memory_mib` of RAM) and its images —
    /// and the disk image into `dir`; returns the image path.
    pub fn image(&self, manifest: &Path, params: &str, memory_mib: u32, dir: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(dir).map_err(|e| Error::new(format!("cannot create {}: {e}", dir.display())))?;
        crate::external::prepare_for(manifest)?;
        let manifest_entries = crate::manifest::prepare(manifest, &self.guests, memory_mib)?;
        let mut entries: Vec<(&str, &[u8])> = vec![(hv_bundle::PARAMS_ENTRY, params.as_bytes())];
        entries.extend(manifest_entries.iter().map(|(name, bytes)| (name.as_str(), bytes.as_slice())));
        let bundle = hv_bundle::write(&entries).map_err(|e| Error::new(format!("writing the boot bundle: {e}")))?;
        let bundle_path = dir.join("bundle.bin");
        std::fs::write(&bundle_path, bundle)
            .map_err(|e| Error::new(format!("cannot write {}: {e}", bundle_path.display())))?;
        let (flag, image) = match self.firmware {
            Firmware::Uefi => ("--uefi", dir.join("hypervisor-uefi.img")),
            Firmware::Bios => ("--bios", dir.join("hypervisor-bios.img")),
        };
        run_checked(
            Command::new(&self.boot_tool)
                .arg("--kernel")
                .arg(&self.kernel)
                .arg("--ramdisk")
                .arg(&bundle_path)
                .arg(flag)
                .arg(&image),
            "creating the disk image",
        )?;
        Ok(image)
    }
}

/// Runs clippy over the kernel with warnings as errors (the workspace lint
/// policy: every `unsafe` block documented, no undocumented casts, ...).
pub fn lint_kernel(toolchain: &KernelToolchain) -> Result {
    toolchain.ensure_clippy()?;
    run_checked(kernel_cargo(toolchain, "clippy").args(["--", "-D", "warnings"]), "clippy on the kernel")
}

/// Runs clippy over every guest with warnings as errors.
pub fn lint_guests(toolchain: &KernelToolchain) -> Result {
    toolchain.ensure_clippy()?;
    let mut cargo = guest_cargo(toolchain, "clippy")?;
    run_checked(cargo.args(["--", "-D", "warnings"]), "clippy on the guests")
}

/// `cargo <subcommand>` of every guest package, for bare metal, static.
fn guest_cargo(toolchain: &KernelToolchain, subcommand: &str) -> Result<Command> {
    let mut cargo = toolchain.cargo();
    cargo.args([subcommand, "--release", "--target", KERNEL_TARGET]);
    for name in guest_names()? {
        cargo.args(["--package", &name]);
    }
    cargo
        .args(GUEST_BUILD_STD)
        .arg("--target-dir")
        .arg(paths::root().join("target").join("hv-guests"))
        // Guests are linked at fixed addresses (their own linker scripts);
        // debug info would only inflate the boot bundle.
        .env("RUSTFLAGS", "-C relocation-model=static -C strip=debuginfo");
    Ok(cargo)
}

/// `cargo <subcommand>` of the kernel package for its target, with `core`
/// and `alloc` built from source.
fn kernel_cargo(toolchain: &KernelToolchain, subcommand: &str) -> Command {
    let mut cargo = toolchain.cargo();
    cargo
        .args([subcommand, "--release", "--package", "hypervisor", "--target", KERNEL_TARGET])
        .args(BUILD_STD)
        .arg("--target-dir")
        .arg(paths::kernel_target_dir());
    cargo
}

/// The guest crates: every directory under `guest-images/` with a `Cargo.toml`
/// (the package is named like the directory).
pub fn guest_names() -> Result<Vec<String>> {
    let dir = paths::root().join("guest-images");
    let entries = std::fs::read_dir(&dir).map_err(|e| Error::new(format!("cannot list {}: {e}", dir.display())))?;
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    names.sort();
    Ok(names)
}

/// Builds every guest for bare metal as a static (non-PIE) executable: the
/// hypervisor loads guest images at their link addresses.
fn build_guests(toolchain: &KernelToolchain) -> Result<Vec<(String, PathBuf)>> {
    let names = guest_names()?;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    println!("xtask: building guest images: {}", names.join(", "));
    let target_dir = paths::root().join("target").join("hv-guests");
    run_checked(&mut guest_cargo(toolchain, "build")?, "building the guest images")?;
    Ok(names
        .into_iter()
        .map(|name| {
            let path = target_dir.join(KERNEL_TARGET).join("release").join(&name);
            (name, path)
        })
        .collect())
}

fn build_kernel(toolchain: &KernelToolchain, options: &BuildOptions) -> Result<PathBuf> {
    let started = Instant::now();
    println!("xtask: building the hypervisor kernel ({KERNEL_TARGET}, log level {})", options.log_level);
    run_checked(kernel_cargo(toolchain, "build").env("HV_LOG", &options.log_level), "building the kernel")?;
    println!("xtask: kernel built in {:.1} s", started.elapsed().as_secs_f64());
    Ok(paths::kernel_target_dir().join(KERNEL_TARGET).join("release").join("hypervisor"))
}

fn build_boot_tool(toolchain: &KernelToolchain, firmware: Firmware) -> Result<PathBuf> {
    let boot_tool = paths::kernel_target_dir().join("release").join("boot");
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
    if !boot_tool.is_file() {
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
    Ok(boot_tool)
}
