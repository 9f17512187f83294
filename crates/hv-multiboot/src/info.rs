//! The Multiboot information structure (3.3) and what it points at, laid
//! out in the boot area's information area:
//!
//! | offset | what |
//! |---|---|
//! | 0 | the structure, [`INFO_LEN`] bytes (through the framebuffer fields) |
//! | 120 | the memory map: entries of `size` (20), `base_addr`, `length`, `type` |
//! | then | the module list: `mod_start`, `mod_end`, `string`, 0 per module |
//! | then | NUL-terminated strings: the boot loader's name, the command line, each module's string |
//!
//! Every address in it is physical and below 4 GiB ([`Layout::new`]
//! guarantees the memory is).

use crate::error::MultibootError;
use crate::layout::{Layout, TEXT_SCREEN};
use crate::plan::PlacedModule;

/// The structure's length up to and including the framebuffer fields.
pub(crate) const INFO_LEN: usize = 116;
/// Where the memory map starts (8-byte aligned after the structure).
const MMAP_OFFSET: u64 = 120;
/// One memory-map entry, `size` field included.
const MMAP_ENTRY_LEN: u64 = 24;
/// The `size` of a memory-map entry: the 20 bytes after the field itself.
const MMAP_ENTRY_SIZE: u32 = 20;
/// One module-list entry.
const MODULE_ENTRY_LEN: u64 = 16;

/// The information structure's `flags` bits (3.3) this hypervisor sets.
pub mod info_flags {
    /// Bit 0: `mem_lower` and `mem_upper`.
    pub const MEMORY: u32 = 1 << 0;
    /// Bit 2: `cmdline`.
    pub const CMDLINE: u32 = 1 << 2;
    /// Bit 3: `mods_count` and `mods_addr`.
    pub const MODULES: u32 = 1 << 3;
    /// Bit 6: `mmap_length` and `mmap_addr`.
    pub const MEMORY_MAP: u32 = 1 << 6;
    /// Bit 9: `boot_loader_name`.
    pub const LOADER_NAME: u32 = 1 << 9;
    /// Bit 12: the framebuffer fields (here: the EGA text screen).
    pub const FRAMEBUFFER: u32 = 1 << 12;
}

/// The BIOS data area's word holding the base memory size in KiB.
pub(crate) const BDA_BASE_MEMORY: u64 = 0x413;

/// `framebuffer_type` 2: EGA-standard text mode (3.3).
const FRAMEBUFFER_EGA_TEXT: u8 = 2;

/// Where each part of the information goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InfoPlan {
    /// The structure (EBX).
    pub(crate) address: u64,
    flags: u32,
    mmap: u64,
    mmap_len: u64,
    modules: u64,
    loader_name: u64,
    cmdline: u64,
    /// The first module string; the others follow.
    module_strings: u64,
}

impl InfoPlan {
    /// Lays the information out in `layout`'s information area, or says how
    /// much room it would need.
    pub(crate) fn new(
        layout: &Layout,
        video: bool,
        loader_name: &str,
        cmdline: &str,
        module_strings: impl Iterator<Item = usize>,
        module_count: usize,
    ) -> Result<Self, MultibootError> {
        let area = layout.info_area();
        let regions = layout.memory_map().count() as u64;
        let mmap = area.start + MMAP_OFFSET;
        let mmap_len = regions * MMAP_ENTRY_LEN;
        let modules = mmap + mmap_len;
        let loader = modules.saturating_add((module_count as u64).saturating_mul(MODULE_ENTRY_LEN));
        let cmdline_at = loader.saturating_add(loader_name.len() as u64 + 1);
        let strings = cmdline_at.saturating_add(cmdline.len() as u64 + 1);
        let end = module_strings.fold(strings, |at, len| at.saturating_add(len as u64).saturating_add(1));
        if end > area.end {
            let available = area.end - area.start;
            return Err(MultibootError::InfoTooLarge { needed: end.saturating_sub(area.start), available });
        }
        let mut flags = info_flags::MEMORY
            | info_flags::CMDLINE
            | info_flags::MODULES
            | info_flags::MEMORY_MAP
            | info_flags::LOADER_NAME;
        if video {
            flags |= info_flags::FRAMEBUFFER;
        }
        Ok(Self {
            address: area.start,
            flags,
            mmap,
            mmap_len,
            modules,
            loader_name: loader,
            cmdline: cmdline_at,
            module_strings: strings,
        })
    }

    /// Writes the information with `write` (guest-physical address, bytes);
    /// false if a write failed.
    pub(crate) fn write<'m>(
        &self,
        layout: &Layout,
        loader_name: &str,
        cmdline: &str,
        modules: impl Iterator<Item = (PlacedModule, &'m str)> + Clone,
        write: &mut impl FnMut(u64, &[u8]) -> bool,
    ) -> bool {
        let mut ok = string(write, self.loader_name, loader_name);
        ok &= string(write, self.cmdline, cmdline);
        let mut at = self.module_strings;
        let mut count = 0u32;
        for (index, (module, text)) in modules.clone().enumerate() {
            ok &= string(write, at, text);
            let mut entry = [0u8; 16];
            put32(&mut entry, 0, low32(module.start));
            put32(&mut entry, 4, low32(module.end));
            put32(&mut entry, 8, low32(at));
            ok &= write(self.modules + index as u64 * MODULE_ENTRY_LEN, &entry);
            at += text.len() as u64 + 1;
            count += 1;
        }
        for (index, region) in layout.memory_map().enumerate() {
            let mut entry = [0u8; 24];
            put32(&mut entry, 0, MMAP_ENTRY_SIZE);
            entry[4..12].copy_from_slice(&region.base.to_le_bytes());
            entry[12..20].copy_from_slice(&region.len.to_le_bytes());
            put32(&mut entry, 20, region.kind.code());
            ok &= write(self.mmap + index as u64 * MMAP_ENTRY_LEN, &entry);
        }
        let mut info = [0u8; INFO_LEN];
        put32(&mut info, 0, self.flags);
        put32(&mut info, 4, layout.mem_lower_kib());
        put32(&mut info, 8, layout.mem_upper_kib());
        put32(&mut info, 16, low32(self.cmdline));
        put32(&mut info, 20, count);
        put32(&mut info, 24, low32(self.modules));
        put32(&mut info, 44, low32(self.mmap_len));
        put32(&mut info, 48, low32(self.mmap));
        put32(&mut info, 64, low32(self.loader_name));
        if self.flags & info_flags::FRAMEBUFFER != 0 {
            // The 80x25 text screen: 160 bytes a row, 16 bits a cell.
            info[88..96].copy_from_slice(&TEXT_SCREEN.start.to_le_bytes());
            put32(&mut info, 96, 160);
            put32(&mut info, 100, 80);
            put32(&mut info, 104, 25);
            info[108] = 16;
            info[109] = FRAMEBUFFER_EGA_TEXT;
        }
        ok &= write(self.address, &info);
        // The BIOS data area's base memory size (the word INT 12h returns,
        // at 0x413): kernels written for PCs read it to place real-mode
        // trampolines below 640 KiB, as Xen does.
        if layout.memory().start == 0 {
            let kib = u16::try_from(layout.mem_lower_kib()).unwrap_or(u16::MAX);
            ok &= write(BDA_BASE_MEMORY, &kib.to_le_bytes());
        }
        ok
    }
}

/// Writes `text` and its terminating NUL at `at`.
fn string(write: &mut impl FnMut(u64, &[u8]) -> bool, at: u64, text: &str) -> bool {
    write(at, text.as_bytes()) & write(at + text.len() as u64, &[0])
}

/// Stores `value` little-endian at `at` (all callers pass offsets inside `bytes`).
fn put32(bytes: &mut [u8], at: usize, value: u32) {
    if let Some(field) = bytes.get_mut(at..at + 4) {
        field.copy_from_slice(&value.to_le_bytes());
    }
}

/// An address below 4 GiB as a 32-bit field ([`Layout::new`] keeps every
/// address there; saturates otherwise).
fn low32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}
