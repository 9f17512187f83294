//! `cargo xtask doctor`: what was found, and which run mode `run` will use.
//! It installs nothing (`cargo xtask setup` does).

use crate::emulator::DEFAULT_BOCHS_CPU;
use crate::kvm::{self, NestedVtx};
use crate::{setup, toolchain, Result};

/// Prints the report.
pub fn run() -> Result {
    let host = crate::process::output_of(std::process::Command::new("rustc").arg("--version")).unwrap_or_default();
    println!("host toolchain (xtask, pure crates): {}", host.trim());
    match toolchain::find() {
        Some(found) => {
            println!("kernel toolchain: ok: {} ({})", found.version, found.origin);
            println!("  sources: {}/lib/rustlib/src/rust", found.sysroot.display());
            let objcopy = found.llvm_tools_dir().join("llvm-objcopy");
            println!(
                "  llvm-objcopy (BIOS image only): {}",
                if objcopy.exists() { "ok" } else { "missing (cargo xtask setup, or rustup component add llvm-tools)" }
            );
        }
        None => println!(
            "kernel toolchain: MISSING: Rust {} with rust-src and rust-lld (cargo xtask setup installs it)",
            toolchain::RELEASE
        ),
    }
    let mut missing = 0;
    setup::report_files(|what, file, present| {
        if !present {
            missing += 1;
        }
        println!("{what}: {} {file}", if present { "ok:" } else { "MISSING:" });
    });
    match kvm::probe() {
        NestedVtx::Available => {
            println!("KVM nested VT-x: available");
            println!("run mode: QEMU + KVM, -cpu host,+vmx, OVMF");
        }
        NestedVtx::Unavailable(why) => {
            println!("KVM nested VT-x: unavailable: {why}");
            println!("run mode: Bochs (CPU model {DEFAULT_BOCHS_CPU}), OVMF; QEMU TCG only for boot-path checks");
        }
    }
    if missing > 0 {
        println!("{missing} item(s) missing: `cargo xtask setup` installs them");
    }
    Ok(())
}
