//! The boot bundle: a small archive that travels to the hypervisor in the
//! bootloader's ramdisk, so that what the hypervisor runs (boot parameters
//! today; the partition manifest and guest images later) changes without a
//! kernel rebuild.
//!
//! `xtask` writes it ([`write`], feature `std`); the kernel reads it
//! ([`Bundle::parse`]). The reader treats the bytes as untrusted input: a
//! structure built by a host tool is still input, so every offset, length and
//! name is checked before use and a bad bundle is an error, never a panic.
//!
//! The boot parameters themselves (entry [`PARAMS_ENTRY`]) are parsed by
//! [`params`].

#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![forbid(unsafe_code)]

mod format;
pub mod params;
mod reader;
#[cfg(any(test, feature = "std"))]
mod writer;

pub use format::{BundleError, MAX_ENTRIES, MAX_NAME_LEN, PARAMS_ENTRY};
pub use reader::{Bundle, Entry};
#[cfg(any(test, feature = "std"))]
pub use writer::write;
