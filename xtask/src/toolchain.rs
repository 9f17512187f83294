//! The kernel toolchain: Rust 1.96.0 with its exact `rust-src`.
//!
//! The kernel, the guests and the bootloader stages are built with
//! `-Zbuild-std`, which needs the standard library sources of exactly the
//! compiler in use, and `RUSTC_BOOTSTRAP=1` to allow `-Z` flags on a release
//! compiler. Two ways to get such a toolchain, tried in this order:
//!
//! 1. **rustup** (a user's machine with internet): the official `1.96.0`
//!    toolchain with the `rust-src`, `llvm-tools` and `clippy` components.
//! 2. **Debian packages** (our machines, which reach Debian's archive but may
//!    not reach rustup's servers): `rustc-web`, `cargo-web`, `rust-web-src` and
//!    `rust-web-clippy` 1.96.0, `rust-web-llvm` (ships `/usr/bin/rust-lld`; only
//!    a Recommends of `rustc-web`), `lld-22` (what that `rust-lld` symlink
//!    points to) and `llvm-22`,
//!    linked into rustup as the custom toolchain `hv-debian-1.96`.
//!
//! `HV_TOOLCHAIN_SOURCE=rustup|debian` restricts the choice to one route;
//! `HV_KERNEL_TOOLCHAIN=<rustup toolchain name>` names a toolchain outright.
//! The host tools (xtask, pure crates) keep using the repository's stable
//! toolchain; only the builds started by [`KernelToolchain::cargo`] use this one.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{is_root, on_path, output_of, run_checked};
use crate::{Error, Result};

/// The Rust release the kernel is built with.
pub const RELEASE: &str = "1.96.0";
/// The name under which Debian's 1.96 toolchain is linked into rustup.
const DEBIAN_LINK: &str = "hv-debian-1.96";
/// Debian packages of the Debian route. `rust-web-llvm` provides
/// `/usr/bin/rust-lld` (-> `lld-22`), the linker of `x86_64-unknown-none`;
/// apt-get runs with `--no-install-recommends`, so it must be named.
const DEBIAN_PACKAGES: &[&str] =
    &["rustc-web", "cargo-web", "rust-web-src", "rust-web-clippy", "rust-web-llvm", "lld-22", "llvm-22"];

/// A toolchain able to build the kernel.
#[derive(Clone, Debug)]
pub struct KernelToolchain {
    /// The rustup toolchain name, or `None` for Debian's `/usr/bin/cargo` used
    /// directly (a machine without rustup).
    rustup_name: Option<String>,
    /// Where it came from, for `doctor`.
    pub origin: &'static str,
    /// `rustc --version`.
    pub version: String,
    /// The sysroot (holds `lib/rustlib/src/rust`).
    pub sysroot: PathBuf,
}

impl KernelToolchain {
    /// A `cargo` command that builds with this toolchain and allows `-Z` flags.
    pub fn cargo(&self) -> Command {
        let mut command = match &self.rustup_name {
            Some(name) => {
                let mut command = Command::new("cargo");
                command.env("RUSTUP_TOOLCHAIN", name);
                command
            }
            None => Command::new("/usr/bin/cargo"),
        };
        // `-Zbuild-std` on a release compiler; inherited by the bootloader's
        // nested `cargo install` of its UEFI stage.
        command.env("RUSTC_BOOTSTRAP", "1");
        // Flags meant for the host build must not leak into the kernel build.
        command.env_remove("RUSTFLAGS").env_remove("CARGO_ENCODED_RUSTFLAGS");
        command.current_dir(crate::paths::root());
        command
    }

    /// Makes sure `cargo clippy` works with this toolchain, installing the
    /// component (rustup) or package (Debian) when it is missing: a toolchain
    /// installed before clippy was part of the set gets it here.
    pub fn ensure_clippy(&self) -> Result {
        let works = |toolchain: &Self| output_of(toolchain.cargo().args(["clippy", "--version"])).is_some();
        if works(self) {
            return Ok(());
        }
        println!("xtask: clippy is missing from the kernel toolchain; installing it");
        match &self.rustup_name {
            Some(name) if name != DEBIAN_LINK => run_checked(
                Command::new("rustup").args(["component", "add", "clippy", "--toolchain", name]),
                "installing clippy",
            )?,
            _ => crate::setup::apt_install(&["rust-web-clippy"])?,
        }
        if works(self) {
            Ok(())
        } else {
            Err(Error::new("clippy was installed but `cargo clippy` still does not run with the kernel toolchain"))
        }
    }

    /// The directory holding `llvm-objcopy` for this toolchain's host target,
    /// where the bootloader's BIOS build looks for it.
    pub fn llvm_tools_dir(&self) -> PathBuf {
        self.sysroot.join("lib/rustlib/x86_64-unknown-linux-gnu/bin")
    }
}

fn has_sources(sysroot: &Path) -> bool {
    sysroot.join("lib/rustlib/src/rust/library/core/src/lib.rs").is_file()
}

/// Whether rustc will find `rust-lld`, the linker of `x86_64-unknown-none`:
/// rustup ships it in the sysroot's host `bin/`; Debian's `rust-web-llvm`
/// puts a symlink to `lld-22` in `/usr/bin` (dangling until `lld-22` is
/// installed, hence `exists`, which follows symlinks).
fn has_linker(sysroot: &Path) -> bool {
    sysroot.join("lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld").exists() || sysroot.join("bin/rust-lld").exists()
}

/// Probes a rustup toolchain by name: usable if it has sources and `rust-lld`
/// (a half-installed toolchain is then repaired by [`ensure`]).
fn probe_rustup(name: &str, origin: &'static str) -> Option<KernelToolchain> {
    let version = output_of(Command::new("rustc").env("RUSTUP_TOOLCHAIN", name).arg("--version"))?;
    let sysroot = output_of(Command::new("rustc").env("RUSTUP_TOOLCHAIN", name).args(["--print", "sysroot"]))?;
    let sysroot = PathBuf::from(sysroot.trim());
    (has_sources(&sysroot) && has_linker(&sysroot)).then(|| KernelToolchain {
        rustup_name: Some(name.to_owned()),
        origin,
        version: version.trim().to_owned(),
        sysroot,
    })
}

fn probe_debian_direct() -> Option<KernelToolchain> {
    let version = output_of(Command::new("/usr/bin/rustc").arg("--version"))?;
    let sysroot = PathBuf::from("/usr");
    (version.starts_with("rustc 1.96")
        && has_sources(&sysroot)
        && has_linker(&sysroot)
        && Path::new("/usr/bin/cargo").is_file())
    .then(|| KernelToolchain {
        rustup_name: None,
        origin: "Debian packages (no rustup)",
        version: version.trim().into(),
        sysroot,
    })
}

/// Which installation routes may be used (`HV_TOOLCHAIN_SOURCE`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Any,
    Rustup,
    Debian,
}

fn source() -> Result<Source> {
    match std::env::var("HV_TOOLCHAIN_SOURCE").as_deref() {
        Err(_) | Ok("" | "auto") => Ok(Source::Any),
        Ok("rustup") => Ok(Source::Rustup),
        Ok("debian") => Ok(Source::Debian),
        Ok(other) => Err(Error::new(format!("HV_TOOLCHAIN_SOURCE={other}: expected rustup, debian or auto"))),
    }
}

/// Finds an installed kernel toolchain without installing anything.
pub fn find() -> Option<KernelToolchain> {
    if let Ok(name) = std::env::var("HV_KERNEL_TOOLCHAIN") {
        return probe_rustup(&name, "HV_KERNEL_TOOLCHAIN");
    }
    let source = source().ok()?;
    if !on_path("rustup") {
        return if source == Source::Rustup { None } else { probe_debian_direct() };
    }
    let from_rustup = || probe_rustup(RELEASE, "rustup");
    let from_debian = || probe_rustup(DEBIAN_LINK, "Debian packages linked into rustup");
    match source {
        Source::Any => from_rustup().or_else(from_debian),
        Source::Rustup => from_rustup(),
        Source::Debian => from_debian(),
    }
}

/// Finds the kernel toolchain, installing it if needed.
pub fn ensure() -> Result<KernelToolchain> {
    if let Ok(name) = std::env::var("HV_KERNEL_TOOLCHAIN") {
        return probe_rustup(&name, "HV_KERNEL_TOOLCHAIN").ok_or_else(|| {
            Error::new(format!(
                "HV_KERNEL_TOOLCHAIN={name} is not a usable toolchain: it must exist in rustup and have \
                 `rust-src` (rustup component add rust-src --toolchain {name}) and `rust-lld`"
            ))
        });
    }
    if let Some(found) = find() {
        return Ok(found);
    }
    let source = source()?;
    if on_path("rustup") && source != Source::Debian {
        println!("xtask: installing Rust {RELEASE} with rust-src and llvm-tools through rustup ...");
        let installed = Command::new("rustup")
            .args(["toolchain", "install", RELEASE, "--profile", "minimal"])
            .args(["--component", "rust-src", "--component", "llvm-tools", "--component", "clippy"])
            .status()
            .is_ok_and(|status| status.success());
        if installed {
            if let Some(found) = probe_rustup(RELEASE, "rustup") {
                return Ok(found);
            }
        }
        if source == Source::Rustup {
            return Err(Error::new(format!(
                "rustup could not install Rust {RELEASE} (HV_TOOLCHAIN_SOURCE=rustup forbids the Debian route)"
            )));
        }
        println!("xtask: rustup could not install Rust {RELEASE}; trying Debian's packages instead");
    }
    install_from_debian()?;
    find().ok_or_else(|| {
        Error::new(format!("installed Debian's Rust {RELEASE} packages, but still found no usable toolchain"))
    })
}

fn install_from_debian() -> Result {
    let apt_line = format!("apt-get install -y {}", DEBIAN_PACKAGES.join(" "));
    let link_line = format!("rustup toolchain link {DEBIAN_LINK} /usr");
    if !Path::new("/etc/debian_version").is_file() || !is_root() {
        return Err(Error::new(format!(
            "no Rust {RELEASE} toolchain with rust-src is installed, and I cannot install one here.\n\
             Either (internet): rustup toolchain install {RELEASE} --component rust-src --component llvm-tools\n\
             or (Debian 12, as root): apt-get update && {apt_line} && {link_line}"
        )));
    }
    crate::setup::apt_install(DEBIAN_PACKAGES)?;
    if on_path("rustup") {
        run_checked(
            Command::new("rustup").args(["toolchain", "link", DEBIAN_LINK, "/usr"]),
            "linking Debian's Rust into rustup",
        )?;
    }
    link_llvm_tools(Path::new("/usr"))
}

/// Debian's `llvm-22` installs `llvm-objcopy-22`; the bootloader's BIOS
/// stages look for `llvm-objcopy` in the sysroot's host `bin/` directory.
fn link_llvm_tools(sysroot: &Path) -> Result {
    let dir = sysroot.join("lib/rustlib/x86_64-unknown-linux-gnu/bin");
    std::fs::create_dir_all(&dir).map_err(|e| Error::new(format!("cannot create {}: {e}", dir.display())))?;
    for tool in ["llvm-objcopy", "llvm-objdump"] {
        let link = dir.join(tool);
        let target = PathBuf::from(format!("/usr/bin/{tool}-22"));
        if !link.exists() && target.is_file() {
            std::os::unix::fs::symlink(&target, &link)
                .map_err(|e| Error::new(format!("cannot link {} to {}: {e}", link.display(), target.display())))?;
        }
    }
    Ok(())
}
