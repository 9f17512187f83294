//! Builds the flat test binaries (`manifests/tests/flat/*.S`) with GNU as
//! and ld: code that is not part of the Rust workspace, as a user's own
//! binary would be. Each `flatNN.S` is assembled for its mode and linked at
//! the load address its manifest (`manifests/tests/flat.toml`) gives.

use std::process::Command;

use crate::process::run_checked;
use crate::{paths, Error, Result};

/// (source stem, `as` mode flag, `ld` emulation, link address).
const BINARIES: &[(&str, &str, &str, &str)] = &[
    ("flat16", "--32", "elf_i386", "0x7c00"),
    ("flat32", "--32", "elf_i386", "0x100000"),
    ("flat64", "--64", "elf_x86_64", "0x200000"),
    ("ports16", "--32", "elf_i386", "0x7c00"),
];

/// Assembles and links every flat binary into `target/flat/`.
pub fn build() -> Result {
    let source_dir = paths::root().join("manifests").join("tests").join("flat");
    let out = paths::root().join("target").join("flat");
    std::fs::create_dir_all(&out).map_err(|e| Error::new(format!("cannot create {}: {e}", out.display())))?;
    for (stem, mode, emulation, address) in BINARIES {
        let object = out.join(format!("{stem}.o"));
        run_checked(
            Command::new("as").arg(mode).arg("-o").arg(&object).arg(source_dir.join(format!("{stem}.S"))),
            "assembling a flat test binary",
        )?;
        run_checked(
            Command::new("ld")
                .args(["-m", emulation, "-Ttext", address, "--oformat", "binary", "-o"])
                .arg(out.join(format!("{stem}.bin")))
                .arg(&object),
            "linking a flat test binary",
        )?;
    }
    Ok(())
}
