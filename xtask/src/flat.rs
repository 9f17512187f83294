//! Builds the test binaries of `manifests/tests/flat/*.S` with GNU as and
//! ld: code that is not part of the Rust workspace, as a user's own binary
//! would be. Each is assembled for its mode and linked at the address its
//! manifest (`manifests/tests/flat.toml`, `multiboot.toml`, `ports.toml`)
//! gives, as a flat binary or an ELF executable.

use std::process::Command;

use crate::process::run_checked;
use crate::{paths, Error, Result};

/// One binary built from one source.
struct Binary {
    /// The source's stem (`<stem>.S`).
    source: &'static str,
    /// The output file in `target/flat/`.
    output: &'static str,
    /// `as` flags: the mode, and `--defsym`s selecting a variant.
    as_flags: &'static [&'static str],
    /// The `ld` emulation.
    emulation: &'static str,
    /// The text's link address.
    address: &'static str,
    /// A raw binary (`--oformat binary`) rather than an ELF executable.
    flat: bool,
}

/// 32-bit code (also 16-bit code, which selects `.code16` itself).
const I386: (&[&str], &str) = (&["--32"], "elf_i386");
/// 64-bit code.
const X86_64: (&[&str], &str) = (&["--64"], "elf_x86_64");

/// A flat binary `<source>.bin` of one mode.
const fn flat(
    source: &'static str,
    output: &'static str,
    mode: (&'static [&'static str], &'static str),
    address: &'static str,
) -> Binary {
    Binary { source, output, as_flags: mode.0, emulation: mode.1, address, flat: true }
}

const BINARIES: &[Binary] = &[
    flat("flat16", "flat16.bin", I386, "0x7c00"),
    flat("flat32", "flat32.bin", I386, "0x100000"),
    flat("flat64", "flat64.bin", X86_64, "0x200000"),
    flat("ports16", "ports16.bin", I386, "0x7c00"),
    // A multiboot kernel as ELF32, and the same as a flat binary loaded by
    // its header's address fields.
    Binary {
        source: "multiboot32",
        output: "multiboot32.elf",
        as_flags: &["--32"],
        emulation: "elf_i386",
        address: "0x100000",
        flat: false,
    },
    Binary {
        source: "multiboot32",
        output: "multiboot32-aout.bin",
        as_flags: &["--32", "--defsym", "AOUT=1"],
        emulation: "elf_i386",
        address: "0x100000",
        flat: true,
    },
];

/// Assembles and links every test binary into `target/flat/`.
pub fn build() -> Result {
    let source_dir = paths::root().join("manifests").join("tests").join("flat");
    let out = paths::root().join("target").join("flat");
    std::fs::create_dir_all(&out).map_err(|e| Error::new(format!("cannot create {}: {e}", out.display())))?;
    for binary in BINARIES {
        let object = out.join(format!("{}.o", binary.output));
        run_checked(
            Command::new("as")
                .args(binary.as_flags)
                .arg("-I")
                .arg(&source_dir)
                .arg("-o")
                .arg(&object)
                .arg(source_dir.join(format!("{}.S", binary.source))),
            "assembling a test binary",
        )?;
        let mut ld = Command::new("ld");
        ld.args(["-m", binary.emulation, "-Ttext", binary.address]);
        if binary.flat {
            ld.args(["--oformat", "binary"]);
        }
        run_checked(ld.arg("-o").arg(out.join(binary.output)).arg(&object), "linking a test binary")?;
    }
    Ok(())
}
