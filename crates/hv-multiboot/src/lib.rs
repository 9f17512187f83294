//! `hv-multiboot`: booting a Multiboot (version 1) kernel in a partition, as
//! the Multiboot Specification 0.6.96 describes it (section numbers below
//! are that document's).
//!
//! A multiboot kernel is a file nobody here wrote: an ELF32 or ELF64
//! executable, or any binary whose header gives its load addresses (the
//! "a.out kludge", header flag 16). It carries a *Multiboot header* (3.1) in
//! its first 8192 bytes saying what it needs from its boot loader; the boot
//! loader loads it, loads its *modules* (files that travel with it: an
//! initial ramdisk, servers, data), builds a *Multiboot information
//! structure* (3.3) and jumps to it in 32-bit protected mode with EAX =
//! [`BOOTLOADER_MAGIC`] and EBX pointing at the structure (3.2). The
//! hypervisor is that boot loader for its partitions.
//!
//! Everything a kernel file or a manifest says is input, so the steps are
//! split the usual way: [`plan`] checks the header, the image, the modules
//! and the partition's memory and either refuses with a
//! [`MultibootError`] that names the manifest field concerned and the fix,
//! or returns a [`BootPlan`] whose every write lies inside the partition's
//! memory, clear of the hypervisor's boot area and of each other;
//! [`BootPlan::load`] then carries it out through a write callback, and
//! [`BootPlan::entry`] and [`BootPlan::info_address`] are EIP and EBX. The
//! host runs [`plan`] before anything boots (`cargo xtask` reports its errors
//! like manifest errors), the hypervisor runs it again before it writes a
//! byte.
//!
//! # What a partition gets
//!
//! - The kernel's segments at their physical addresses (ELF `p_paddr`, the
//!   entry point translated through the segment that holds it, as GRUB
//!   does), or the header's address fields when flag 16 is set; BSS zeroed.
//! - Each module page-aligned (header flag 0 is always honoured), in order,
//!   above the kernel and above 1 MiB.
//! - In the boot area's information area ([`Layout`]): the information
//!   structure with `mem_lower`/`mem_upper` (flag 1 is always honoured), a
//!   memory map of the partition, the command line, the module list with each
//!   module's string, the boot loader's name, and, when the kernel requires
//!   video information (flag 2), the partition's 80x25 EGA text screen at
//!   0xB8000 as its framebuffer (the spec lets the boot loader choose a text
//!   mode whatever the kernel prefers, 3.1.4).
//! - ESP at the top of a 4 KiB stack at the boot area's end
//!   ([`BootPlan::stack_pointer`]; the spec leaves it undefined), and the
//!   BIOS data area's base memory size at 0x413 (see [`Layout`]).
//!
//! Requirement bits 3-15 are unknown to this version of the specification:
//! a kernel setting one is refused, as 3.1.2 demands. There is no
//! `boot_device` (partitions have no BIOS disk), no symbol table (flags 4
//! and 5), no drive list, configuration table, APM or VBE table.
//!
//! No `unsafe`, no allocation, no panics on any input.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod error;
mod header;
mod info;
mod kernel;
mod layout;
mod plan;
#[cfg(test)]
mod test_image;
#[cfg(test)]
mod tests;

pub use error::{Field, MultibootError};
pub use header::{flags, AddressFields, Header, HeaderHint, VideoPreference, HEADER_MAGIC, HEADER_SEARCH_LEN};
pub use info::info_flags;
pub use layout::{Layout, MemoryKind, MemoryRegion, BOOT_AREA_LEN, INFO_OFFSET, STACK_LEN, TEXT_SCREEN};
pub use plan::{plan, BootPlan, Module, PlacedModule};

/// What EAX holds when a multiboot kernel starts (3.2).
pub const BOOTLOADER_MAGIC: u32 = 0x2BAD_B002;

/// The boot loader name given to kernels (information field
/// `boot_loader_name`, 3.3): the hypervisor's own name and version.
pub const BOOT_LOADER_NAME: &str = concat!("hypervisor ", env!("CARGO_PKG_VERSION"));

/// A page: module alignment (header flag 0).
pub const PAGE_SIZE: u64 = 4096;
