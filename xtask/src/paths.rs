//! Where things are: the workspace root and the build output directories.

use std::path::{Path, PathBuf};

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The target directory of everything built with the kernel toolchain (the
/// kernel, the guests, `boot`). Separate from `target/` so that the stable
/// host builds and the kernel-toolchain builds never invalidate each other.
pub fn kernel_target_dir() -> PathBuf {
    root().join("target").join("hv")
}

/// Where disk images are written.
pub fn images_dir() -> PathBuf {
    root().join("target").join("images")
}

/// Where one emulator run keeps its logs and generated configuration.
pub fn run_dir(name: &str) -> PathBuf {
    root().join("target").join("runs").join(name)
}
