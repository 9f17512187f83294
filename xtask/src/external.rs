//! Kernels nobody here wrote, fetched at test time into `target/external/`
//! (never committed): the only network is the package registries, so they
//! come from Debian packages, downloaded with `apt-get download` and
//! unpacked with `dpkg-deb -x` — no root needed, nothing installed on the
//! system. A package already installed is copied from the system instead.
//!
//! Manifests name the unpacked files by path; [`prepare_for`] fetches what a
//! manifest needs before it is read, so `cargo xtask run --manifest` and the
//! scenarios both work from a clean tree, and fails with the fix when the
//! package cannot be had.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{is_root, on_path, run_checked};
use crate::{paths, Error, Result};

/// A file shipped by a Debian package.
struct DebianFile {
    /// The package.
    package: &'static str,
    /// The file's path inside the package (and on a system that has it
    /// installed, after `/`).
    path: &'static str,
    /// What it is, for messages.
    what: &'static str,
    /// The file is gzipped: manifests name it decompressed, without `.gz`.
    gzipped: bool,
}

/// The example kernel of the Multiboot Specification 0.6.96 (section 4.3,
/// `boot.S` and `kernel.c`), as Debian's `multiboot` package ships it built:
/// an ELF32 kernel that prints the Multiboot information to the VGA text
/// screen and halts.
const MULTIBOOT_EXAMPLE: DebianFile = DebianFile {
    package: "multiboot",
    path: "usr/lib/multiboot/examples/kernel",
    what: "the Multiboot specification's example kernel",
    gzipped: false,
};

/// GNU Mach 1.8, the Hurd's microkernel, as Debian builds it for amd64: a
/// gzipped ELF64 multiboot kernel (loaded at 16 MiB, linked at 0x41000000).
const GNU_MACH: DebianFile = DebianFile {
    package: "gnumach-image-1.8-486",
    path: "boot/gnumach-1.8-486.gz",
    what: "the GNU Mach kernel",
    gzipped: true,
};

/// The Xen hypervisor 4.17, as Debian 12 builds it: a gzipped ELF32
/// multiboot kernel.
const XEN: DebianFile = DebianFile {
    package: "xen-hypervisor-4.17-amd64",
    path: "boot/xen-4.17-amd64.gz",
    what: "the Xen hypervisor",
    gzipped: true,
};

/// Manifests (relative to the repository root) that name external files.
const NEEDED_BY: &[(&str, &DebianFile)] = &[
    ("manifests/tests/multiboot-example.toml", &MULTIBOOT_EXAMPLE),
    ("manifests/tests/multiboot-gnumach.toml", &GNU_MACH),
    ("manifests/tests/multiboot-xen.toml", &XEN),
];

/// Fetches the external files the manifest at `manifest` names, if any.
pub fn prepare_for(manifest: &Path) -> Result {
    let manifest = manifest.canonicalize().unwrap_or_else(|_| manifest.to_path_buf());
    for (path, file) in NEEDED_BY {
        let needed = paths::root().join(path);
        if needed.canonicalize().is_ok_and(|needed| needed == manifest) {
            fetch(file)?;
        }
    }
    Ok(())
}

/// Where `file` is unpacked: `target/external/<package>/<path>`.
fn unpacked(file: &DebianFile) -> PathBuf {
    paths::root().join("target").join("external").join(file.package).join(file.path)
}

/// Where manifests find `file`: where it is unpacked, decompressed if it
/// is gzipped.
fn destination(file: &DebianFile) -> PathBuf {
    let unpacked = unpacked(file);
    match (file.gzipped, unpacked.to_str().and_then(|path| path.strip_suffix(".gz"))) {
        (true, Some(plain)) => PathBuf::from(plain),
        _ => unpacked,
    }
}

/// Decompresses a gzipped `file` next to itself.
fn decompress(file: &DebianFile) -> Result {
    if !file.gzipped {
        return Ok(());
    }
    let (from, to) = (unpacked(file), destination(file));
    let output = Command::new("gzip")
        .arg("-dc")
        .arg(&from)
        .output()
        .map_err(|e| Error::new(format!("cannot start gzip to decompress {}: {e}", from.display())))?;
    if !output.status.success() {
        return Err(Error::new(format!("gzip -dc {} failed ({})", from.display(), output.status)));
    }
    std::fs::write(&to, output.stdout).map_err(|e| Error::new(format!("cannot write {}: {e}", to.display())))
}

/// Makes `file` available at its [`destination`].
fn fetch(file: &DebianFile) -> Result<PathBuf> {
    let destination = destination(file);
    if destination.is_file() {
        return Ok(destination);
    }
    let directory = paths::root().join("target").join("external").join(file.package);
    std::fs::create_dir_all(&directory)
        .map_err(|e| Error::new(format!("cannot create {}: {e}", directory.display())))?;
    let installed = Path::new("/").join(file.path);
    if installed.is_file() {
        println!("xtask: copying {} from the installed package {}", file.what, file.package);
        copy(&installed, &unpacked(file))?;
        decompress(file)?;
        return Ok(destination);
    }
    println!("xtask: fetching {} (Debian package {})", file.what, file.package);
    let deb = download(file.package, &directory).map_err(|why| {
        Error::new(format!(
            "cannot fetch {} from the Debian package `{}`: {why} — run `apt-get update` (as root) so apt knows \
             the package, or install it with `apt-get install {}` ({} is then taken from /{})",
            file.what, file.package, file.package, file.what, file.path
        ))
    })?;
    run_checked(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&directory), "unpacking a Debian package")?;
    if unpacked(file).is_file() {
        decompress(file)?;
    }
    if !destination.is_file() {
        return Err(Error::new(format!(
            "the Debian package `{}` ({}) does not contain {}: the package changed; update xtask/src/external.rs",
            file.package,
            deb.display(),
            file.path
        )));
    }
    Ok(destination)
}

fn copy(from: &Path, to: &Path) -> Result {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::new(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| Error::new(format!("cannot copy {} to {}: {e}", from.display(), to.display())))
}

/// Downloads `package`'s .deb into `directory`; returns its path. As root,
/// refreshes apt's package lists once if apt does not know the package.
fn download(package: &str, directory: &Path) -> std::result::Result<PathBuf, String> {
    if !on_path("apt-get") || !on_path("dpkg-deb") {
        return Err("this system has no apt-get and dpkg-deb (Debian's package tools)".into());
    }
    let attempt = || {
        Command::new("apt-get")
            .args(["download", "-q", package])
            .current_dir(directory)
            .status()
            .map_err(|e| format!("cannot start apt-get: {e}"))
    };
    let mut status = attempt()?;
    if !status.success() && is_root() {
        crate::setup::apt_update_once().map_err(|e| e.to_string())?;
        status = attempt()?;
    }
    if !status.success() {
        return Err(format!("`apt-get download {package}` failed ({status})"));
    }
    let prefix = format!("{package}_");
    let listing = std::fs::read_dir(directory).map_err(|e| format!("cannot list {}: {e}", directory.display()))?;
    let mut debs: Vec<PathBuf> = listing
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".deb"))
        })
        .collect();
    debs.sort();
    debs.pop().ok_or_else(|| format!("apt-get download {package} left no .deb in {}", directory.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_manifest_that_needs_an_external_file_names_it() {
        for (manifest, file) in NEEDED_BY {
            let text = std::fs::read_to_string(paths::root().join(manifest)).expect("manifest exists");
            let path = file.path.strip_suffix(".gz").filter(|_| file.gzipped).unwrap_or(file.path);
            let relative = format!("target/external/{}/{path}", file.package);
            assert!(text.contains(&relative), "{manifest} does not name {relative}");
        }
    }
}
