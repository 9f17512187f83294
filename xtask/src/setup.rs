//! Provisioning: finds, and installs when missing, everything the build and
//! the emulator runs need.
//!
//! Debian packages are installed with `apt-get` when we run as root on
//! Debian; otherwise the error names the exact command to run. Nothing is
//! downloaded from anywhere but the package archive (and rustup's servers,
//! for the kernel toolchain on machines that reach them).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::process::{is_root, on_path, run_checked};
use crate::toolchain::{self, KernelToolchain};
use crate::{Error, Result};

/// The OVMF build for QEMU: code (read-only pflash) and a variable store template.
pub const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE.fd";
/// OVMF's variable store template (each QEMU run writes a copy).
pub const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS.fd";
/// The combined 2 MiB OVMF image, loaded by Bochs as a ROM at 0xFFE00000.
pub const OVMF_COMBINED: &str = "/usr/share/ovmf/OVMF.fd";
/// The Bochs legacy BIOS.
pub const BOCHS_BIOS: &str = "/usr/share/bochs/BIOS-bochs-latest";
/// The VGA BIOS Bochs loads.
pub const BOCHS_VGABIOS: &str = "/usr/share/bochs/VGABIOS-lgpl-latest";

/// What a command needs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Needs {
    /// The kernel toolchain.
    pub toolchain: bool,
    /// QEMU.
    pub qemu: bool,
    /// Bochs.
    pub bochs: bool,
    /// OVMF (UEFI firmware).
    pub ovmf: bool,
    /// GNU as and ld (the flat test binaries).
    pub binutils: bool,
}

impl Needs {
    /// Everything (`cargo xtask setup`, `cargo xtask test`).
    pub fn everything() -> Self {
        Self { toolchain: true, qemu: true, bochs: true, ovmf: true, binutils: true }
    }
}

/// A system requirement: a file that must exist and the package providing it.
struct Requirement {
    what: &'static str,
    file: &'static str,
    package: &'static str,
}

const QEMU: &[Requirement] =
    &[Requirement { what: "QEMU", file: "/usr/bin/qemu-system-x86_64", package: "qemu-system-x86" }];
const BOCHS: &[Requirement] = &[
    Requirement { what: "Bochs", file: "/usr/bin/bochs", package: "bochs" },
    Requirement { what: "Bochs BIOS", file: BOCHS_BIOS, package: "bochsbios" },
    Requirement { what: "VGA BIOS", file: BOCHS_VGABIOS, package: "vgabios" },
];
const BINUTILS: &[Requirement] = &[
    Requirement { what: "GNU as", file: "/usr/bin/as", package: "binutils" },
    Requirement { what: "GNU ld", file: "/usr/bin/ld", package: "binutils" },
];
const OVMF: &[Requirement] = &[
    Requirement { what: "OVMF code", file: OVMF_CODE, package: "ovmf" },
    Requirement { what: "OVMF variables", file: OVMF_VARS, package: "ovmf" },
    Requirement { what: "OVMF combined image", file: OVMF_COMBINED, package: "ovmf" },
];

/// What was provisioned.
pub struct Provisioned {
    /// The kernel toolchain, when asked for.
    pub toolchain: Option<KernelToolchain>,
}

/// Makes sure everything in `needs` is present, installing what is missing.
pub fn ensure_all(needs: Needs) -> Result<Provisioned> {
    let mut missing: Vec<&Requirement> = Vec::new();
    for (wanted, requirements) in
        [(needs.qemu, QEMU), (needs.bochs, BOCHS), (needs.ovmf, OVMF), (needs.binutils, BINUTILS)]
    {
        if wanted {
            missing.extend(requirements.iter().filter(|r| !Path::new(r.file).is_file()));
        }
    }
    if !missing.is_empty() {
        let mut packages: Vec<&str> = missing.iter().map(|r| r.package).collect();
        packages.dedup();
        let names: Vec<String> = missing.iter().map(|r| format!("{} ({})", r.what, r.file)).collect();
        println!("xtask: missing {}; installing {}", names.join(", "), packages.join(" "));
        apt_install(&packages)?;
        if let Some(still) = missing.iter().find(|r| !Path::new(r.file).is_file()) {
            return Err(Error::new(format!(
                "installed {} but {} is still missing at {}",
                still.package, still.what, still.file
            )));
        }
    }
    let toolchain = if needs.toolchain { Some(toolchain::ensure()?) } else { None };
    Ok(Provisioned { toolchain })
}

/// Whether each requirement of a group is present (for `doctor`).
pub fn report_files(mut line: impl FnMut(&str, &str, bool)) {
    for requirement in QEMU.iter().chain(BOCHS).chain(OVMF).chain(BINUTILS) {
        line(requirement.what, requirement.file, Path::new(requirement.file).is_file());
    }
}

static APT_UPDATED: AtomicBool = AtomicBool::new(false);

/// Installs Debian packages (as root), or explains how to.
pub fn apt_install(packages: &[&str]) -> Result {
    let line = format!("apt-get install -y {}", packages.join(" "));
    if !on_path("apt-get") {
        return Err(Error::new(format!(
            "missing packages {} and this system has no apt-get; install their equivalents",
            packages.join(" ")
        )));
    }
    if !is_root() {
        return Err(Error::new(format!("missing packages; run as root: apt-get update && {line}")));
    }
    apt_update_once()?;
    println!("xtask: {line}");
    run_checked(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(packages),
        "installing Debian packages",
    )
}

/// Runs `apt-get update` (as root), once per xtask run.
pub fn apt_update_once() -> Result {
    if !APT_UPDATED.swap(true, Ordering::SeqCst) {
        println!("xtask: apt-get update");
        run_checked(Command::new("apt-get").args(["update", "-q"]), "apt-get update")?;
    }
    Ok(())
}

/// A per-run writable copy of OVMF's variable store (QEMU writes to it).
pub fn ovmf_vars_copy(run_dir: &Path) -> Result<PathBuf> {
    let copy = run_dir.join("OVMF_VARS.fd");
    std::fs::copy(OVMF_VARS, &copy).map_err(|e| Error::new(format!("cannot copy {OVMF_VARS}: {e}")))?;
    Ok(copy)
}
