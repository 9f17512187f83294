//! The multiboot information structure the loader left at EBX (Multiboot
//! 0.6.96 section 3.3): checked field by field, and the command line read
//! for this kernel's options.

use crate::{check, say};

/// Reads a u32 at physical address `address` (identity-mapped).
fn read_u32(address: u64) -> u32 {
    #[allow(unsafe_code, reason = "reading the loader's structure in guest memory")]
    // SAFETY: the loader put the structure in this partition's memory,
    // which the boot page tables identity-map; reads have no side effect.
    unsafe {
        core::ptr::read_unaligned(address as *const u32)
    }
}

/// A NUL-terminated string at `address`, up to `max` bytes.
fn read_str(address: u64, max: usize) -> &'static str {
    #[allow(unsafe_code, reason = "reading the loader's strings in guest memory")]
    // SAFETY: as for `read_u32`; the slice is only read, and is bounded by
    // the first NUL or `max` bytes.
    let bytes = unsafe {
        let start = address as *const u8;
        let mut len = 0;
        while len < max && *start.add(len) != 0 {
            len += 1;
        }
        core::slice::from_raw_parts(start, len)
    };
    core::str::from_utf8(bytes).unwrap_or("(not UTF-8)")
}

/// What the kernel takes from its command line.
pub struct Options {
    /// `bench`: only the interrupt-path measurements.
    pub bench_only: bool,
    /// `storm`: only the interrupt storm.
    pub storm: bool,
}

/// Checks the structure at `info`; returns the options from the command line.
pub fn check_info(info: u32) -> Options {
    let base = u64::from(info);
    let flags = read_u32(base);
    check(flags & 1 != 0, format_args!("multiboot flags {flags:#x}: memory information present"));
    let (lower, upper) = (read_u32(base + 4), read_u32(base + 8));
    check(lower > 0 && lower <= 640, format_args!("mem_lower = {lower} KiB"));
    check(upper >= 1024, format_args!("mem_upper = {upper} KiB"));
    if flags & (1 << 6) != 0 {
        let (length, address) = (read_u32(base + 44), u64::from(read_u32(base + 48)));
        let mut offset = 0u64;
        let mut usable = 0u64;
        let mut entries = 0;
        while offset < u64::from(length) && entries < 64 {
            let entry = address + offset;
            let size = u64::from(read_u32(entry));
            let start = u64::from(read_u32(entry + 4)) | u64::from(read_u32(entry + 8)) << 32;
            let len = u64::from(read_u32(entry + 12)) | u64::from(read_u32(entry + 16)) << 32;
            let kind = read_u32(entry + 20);
            say!("memory map: {start:#x}-{:#x} type {kind}", start + len);
            if kind == 1 {
                usable += len;
            }
            offset += size + 4;
            entries += 1;
        }
        // The upper memory the map describes agrees with mem_upper.
        check(
            usable / 1024 >= u64::from(upper),
            format_args!("memory map: {entries} entries, {} KiB usable", usable / 1024),
        );
    } else {
        check(false, format_args!("multiboot flags: no memory map"));
    }
    let cmdline = if flags & (1 << 2) != 0 { read_str(u64::from(read_u32(base + 16)), 256) } else { "" };
    check(flags & (1 << 2) != 0, format_args!("command line: \"{cmdline}\""));
    if flags & (1 << 3) != 0 {
        let (count, address) = (read_u32(base + 20), u64::from(read_u32(base + 24)));
        for index in 0..u64::from(count.min(8)) {
            let module = address + 16 * index;
            let (start, end) = (u64::from(read_u32(module)), u64::from(read_u32(module + 4)));
            let string = read_str(u64::from(read_u32(module + 8)), 128);
            let text = read_str(start, usize::try_from(end.saturating_sub(start)).unwrap_or(0).min(64));
            check(
                start % 4096 == 0 && end > start,
                format_args!(
                    "module {index} \"{string}\": {start:#x}-{end:#x}, page-aligned, begins \"{}\"",
                    text.trim_end()
                ),
            );
        }
        check(count >= 1, format_args!("{count} module(s)"));
    }
    if flags & (1 << 9) != 0 {
        let name = read_str(u64::from(read_u32(base + 64)), 64);
        check(!name.is_empty(), format_args!("boot loader name \"{name}\""));
    }
    let has = |option: &str| cmdline.split_whitespace().any(|word| word == option);
    Options { bench_only: has("bench"), storm: has("storm") }
}
