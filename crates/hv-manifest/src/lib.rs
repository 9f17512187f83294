//! `hv-manifest`: the partition manifest, how a user declares the partitions
//! the hypervisor runs.
//!
//! The manifest is a TOML file. Its life:
//!
//! 1. **Host** (`xtask`, feature `toml`): [`parse_toml`] reads it and
//!    [`validate`] checks it, with the image files' sizes and the machine's
//!    memory in a [`ValidationContext`] ([`parse_and_validate`] does both).
//!    Nothing boots until every problem is fixed.
//! 2. **Host**: [`encode`] turns it into the compact binary `manifest` entry of
//!    the boot bundle ([`wire`] describes the format), with each image
//!    replaced by the name of the bundle entry that carries it.
//! 3. **Hypervisor** (`no_std`): [`decode`] reads the entry back, rejecting
//!    anything malformed without panicking, and [`validate`] checks it again
//!    with the same rules: a structure built by a host tool is still input.
//!
//! Every problem is a [`ManifestError`] that says where (partition, field,
//! and line and column for TOML), what is wrong and how to fix it, and all of
//! them are reported at once:
//!
//! ```text
//! line 35, column 1: partition "realmode", field memory_mib: 3 is not a multiple of 2 — use an even number of MiB (2, 4, 6, ...)
//! line 15, column 1: partition "hello64", field memory_mb: unknown field `memory_mb`, expected one of `name`, `memory_mib`, ... — did you mean `memory_mib`? (memory_mib = 16: an even number of MiB from 2 to 1024)
//! ```
//!
//! # The TOML format
//!
//! ```toml
//! [schedule]
//! mode = "cyclic"            # "cyclic" (ARINC-653 style fixed frames) or "weighted" (weighted round-robin)
//! major_frame_us = 30000     # cyclic only (required): length of the major frame in microseconds
//! # cyclic only: the minor frames, in order; their durations must add up to major_frame_us
//! [[schedule.frame]]
//! partition = "hello64"      # an existing partition; a partition may have several frames
//! duration_us = 10000        # at least 100
//! [[schedule.frame]]
//! partition = "realmode"
//! duration_us = 20000
//! # weighted only: the time slice, 100..=1000000 microseconds (default 1000)
//! # slice_us = 1000
//!
//! [[partition]]
//! name = "hello64"           # 1-31 characters of [a-z0-9-], unique
//! memory_mib = 16            # 2..=1024, a multiple of 2
//! base = 0                   # optional: guest-physical base of the memory (default 0), 2 MiB aligned,
//!                            # base + memory within 512 GiB
//! image = "guest:hello64"    # "guest:<name>": a guest built from this repository's guest-images/;
//!                            # otherwise a file path (relative to the manifest's directory)
//! format = "elf"             # "elf", "flat" or "multiboot"
//! mode = "long64"            # "real16", "protected32" or "long64"; ELF images: long64 or real16;
//!                            # multiboot: protected32 (the default)
//! # load_address = 0x7c00    # flat only (required): guest-physical address the binary is loaded at
//! # entry = 0x7c00           # flat only (optional, default load_address): the first instruction
//! boot_argument = 0          # optional, passed in RDI (default 0)
//! # share = 1                # weighted schedule only: relative weight 1..=1000 (default 1)
//! cpu = 0                    # optional, default 0; only CPU 0 exists for now
//! io_ports = ["0x80", "0x2f8-0x2ff"]  # optional: ports passed through to the hardware (default none)
//! restart = "on-fault"       # "never" (default) or "on-fault"
//! restart_limit = 3          # with "on-fault" (required): how many restarts at most, 1..=100
//! # cmdline = "console=com0" # multiboot only: the kernel's command line (at most 4096 bytes)
//! # modules = [{ path = "initrd.img", string = "initrd" }]  # multiboot only: at most 16 boot modules,
//!                            # each a file (like `image`) and its string (default: the path)
//! [partition.console]        # optional
//! color = "cyan"             # none (default), red, green, yellow, blue, magenta, cyan or white
//!
//! [[partition]]
//! name = "realmode"
//! memory_mib = 2
//! image = "guest:realmode"
//! format = "elf"
//! mode = "real16"
//! ```
//!
//! Integers may be decimal or hexadecimal (`0x7c00`), with `_` separators.
//! I/O ports are strings, one port (`"0x80"`, `"128"`) or an inclusive range
//! (`"0x2f8-0x2ff"`), or bare integers. Unknown fields are errors (with a
//! "did you mean"), and so are fields that would be ignored: `share` in a
//! cyclic schedule, `slice_us` in a cyclic one, frames or `major_frame_us` in
//! a weighted one, `load_address`/`entry` for ELF images, `restart_limit`
//! without `restart = "on-fault"`. The repository's default manifest is
//! `fixtures/default.toml`; `fixtures/weighted.toml` shows the weighted
//! schedule, a flat image and I/O ports.
//!
//! # The rules
//!
//! [`validate`] checks: 1 to [`MAX_PARTITIONS`] partitions with valid, unique
//! names; memory sizes and bases; the total memory of all partitions against
//! the host's; image sizes against memory, and flat images' load address and
//! entry against memory, the image and (for real16) the first MiB; ELF images
//! start in long64 or real16; multiboot kernels in protected32, with memory
//! below 4 GiB, a command line and module strings within their limits and
//! without NUL, at most [`MAX_MODULES`] modules (the kernel file itself is
//! checked by `hv-multiboot`, which reads it); only CPU 0; share and restart-limit ranges; the
//! schedule (frames name existing partitions, last at least 100 us, add up to
//! the major frame, and every partition has a frame; weighted slice lengths);
//! I/O ports (ranges run forwards, none of the hypervisor's own devices
//! ([`RESERVED_PORTS`]), no port passed through to two partitions).
//!
//! Partitions' guest-physical ranges may overlap: each partition has its own
//! EPT, so the same guest-physical address in two partitions is backed by
//! different host memory. What partitions share is host memory, hence the
//! limit on their total.
//!
//! # Example
//!
//! ```
//! # #[cfg(feature = "toml")] {
//! use hv_manifest::{decode, encode, parse_and_validate, validate, ImageSource, ValidationContext};
//!
//! let text = include_str!("../fixtures/default.toml");
//! let context = ValidationContext { host_memory_mib: Some(512), ..ValidationContext::default() };
//! let manifest = parse_and_validate(text, &context).expect("the default manifest is valid");
//! let bytes = encode(&manifest, |partition| format!("guest/{}", partition.image.name())).expect("fits");
//!
//! // In the hypervisor:
//! let decoded = decode(&bytes).expect("well-formed");
//! assert_eq!(validate(&decoded, &context), Ok(()));
//! assert_eq!(decoded.partitions[0].image, ImageSource::Bundle("guest/hello64".into()));
//! # }
//! ```

#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod decode;
mod encode;
mod error;
mod limits;
mod model;
#[cfg(feature = "toml")]
mod parse;
mod partition;
mod ports;
#[cfg(test)]
mod test_support;
mod validate;
pub mod wire;

pub use decode::decode;
pub use encode::encode;
pub use error::{Location, ManifestError};
pub use limits::*;
pub use model::{Frame, Manifest, Schedule};
#[cfg(feature = "toml")]
pub use parse::{locate_errors, parse_and_validate, parse_toml};
pub use partition::{
    module_entry_name, real_mode_start, BootModule, Color, CpuMode, ImageFormat, ImageSource, PartitionConfig,
    RestartPolicy,
};
pub use ports::{PortParseError, PortRange, ReservedPorts, RESERVED_PORTS};
pub use validate::{validate, ValidationContext};
pub use wire::{DecodeError, EncodeError};
