//! End-to-end tests: kernels planned against a partition and loaded into a
//! fake guest memory, then the memory read back as a kernel would.

#![allow(clippy::cast_possible_truncation, reason = "test sizes and random bytes are cut on purpose")]

use crate::header::{flags, AddressFields, VideoPreference};
use crate::test_image::{elf, header_bytes, text_with_header, TestSegment, RW, RX};
use crate::{
    info_flags, plan, Field, Layout, Module, MultibootError, PlacedModule, BOOTLOADER_MAGIC, BOOT_LOADER_NAME,
};

const MIB: u64 = 1 << 20;

/// Guest memory filled with 0xAA, so that zeroing is visible, recording
/// every write.
struct Memory {
    base: u64,
    bytes: Vec<u8>,
    writes: Vec<(u64, u64)>,
}

impl Memory {
    fn new(base: u64, len: u64) -> Self {
        Self { base, bytes: vec![0xAA; len as usize], writes: Vec::new() }
    }

    fn write(&mut self, gpa: u64, data: &[u8]) -> bool {
        let Some(start) = gpa.checked_sub(self.base) else { return false };
        let end = start + data.len() as u64;
        if end > self.bytes.len() as u64 {
            return false;
        }
        self.bytes[start as usize..end as usize].copy_from_slice(data);
        self.writes.push((gpa, gpa + data.len() as u64));
        true
    }

    fn at(&self, gpa: u64, len: usize) -> &[u8] {
        let start = (gpa - self.base) as usize;
        &self.bytes[start..start + len]
    }

    fn u32(&self, gpa: u64) -> u32 {
        u32::from_le_bytes(self.at(gpa, 4).try_into().unwrap())
    }

    fn u64(&self, gpa: u64) -> u64 {
        u64::from_le_bytes(self.at(gpa, 8).try_into().unwrap())
    }

    fn c_string(&self, gpa: u64) -> String {
        let start = (gpa - self.base) as usize;
        let len = self.bytes[start..].iter().position(|&b| b == 0).unwrap();
        String::from_utf8(self.bytes[start..start + len].to_vec()).unwrap()
    }
}

/// An ELF32 kernel: text at 1 MiB (header inside), data with BSS above it.
fn elf32_kernel(header_flags: u32) -> Vec<u8> {
    let text = text_with_header(&header_bytes(header_flags, None, None), 0x300);
    elf(
        false,
        0x10_0000,
        &[TestSegment::at(0x10_0000, RX, &text, 0x300), TestSegment::at(0x10_1000, RW, &[1, 2, 3, 4], 0x2000)],
    )
}

fn load(image: &[u8], cmdline: &str, modules: &[Module<'_>], base: u64, len: u64) -> (Memory, u32, u32) {
    let layout = Layout::new(base, len).expect("layout");
    let boot = plan(image, cmdline, modules, &layout).expect("plans");
    let mut memory = Memory::new(base, len);
    assert!(boot.load(|gpa, bytes| memory.write(gpa, bytes)));
    (memory, boot.entry(), boot.info_address())
}

#[test]
fn an_elf32_kernel_gets_its_segments_modules_and_information() {
    let image = elf32_kernel(flags::PAGE_ALIGN | flags::MEMORY_INFO);
    let initrd = vec![0x5a; 5000];
    let modules =
        [Module { bytes: &initrd, string: "initrd.img root=ram" }, Module { bytes: b"second", string: "second" }];
    let (memory, entry, info) = load(&image, "console=com0 -v", &modules, 0, 16 * MIB);
    assert_eq!((entry, info), (0x10_0000, 0x1000));
    let layout = Layout::new(0, 16 * MIB).unwrap();
    assert_eq!(plan(&image, "", &[], &layout).unwrap().stack_pointer(), 0x1_0000, "ESP at the boot area's top");
    assert_eq!(BOOTLOADER_MAGIC, 0x2BAD_B002);
    // Segments at p_paddr, BSS zeroed.
    assert_eq!(memory.at(0x10_0000, 2), [0xeb, 0xfe]);
    assert_eq!(memory.at(0x10_1000, 4), [1, 2, 3, 4]);
    assert!(memory.at(0x10_1004, 0x2000 - 4).iter().all(|&b| b == 0));
    assert!(memory.at(0x10_0300, 0xd00).iter().all(|&b| b == 0xAA), "gap between segments untouched");
    // The structure (3.3).
    let flags = memory.u32(0x1000);
    assert_eq!(
        flags,
        info_flags::MEMORY
            | info_flags::CMDLINE
            | info_flags::MODULES
            | info_flags::MEMORY_MAP
            | info_flags::LOADER_NAME
    );
    assert_eq!((memory.u32(0x1004), memory.u32(0x1008)), (640, 15 * 1024));
    assert_eq!(memory.at(0x413, 2), 640u16.to_le_bytes(), "the BIOS data area's base memory size");
    assert_eq!(memory.c_string(u64::from(memory.u32(0x1000 + 16))), "console=com0 -v");
    assert_eq!(memory.c_string(u64::from(memory.u32(0x1000 + 64))), BOOT_LOADER_NAME);
    // Modules: page-aligned, above the kernel's end (0x103000), in order.
    assert_eq!(memory.u32(0x1000 + 20), 2);
    let list = u64::from(memory.u32(0x1000 + 24));
    let module = |i: u64| {
        let entry = list + 16 * i;
        (
            memory.u32(entry),
            memory.u32(entry + 4),
            memory.c_string(u64::from(memory.u32(entry + 8))),
            memory.u32(entry + 12),
        )
    };
    assert_eq!(module(0), (0x10_3000, 0x10_3000 + 5000, "initrd.img root=ram".into(), 0));
    assert_eq!(module(1), (0x10_5000, 0x10_5006, "second".into(), 0));
    assert_eq!(memory.at(0x10_3000, 5000), &initrd[..]);
    assert_eq!(memory.at(0x10_5000, 6), b"second");
    // The memory map: entries of size 20, tiling the memory.
    let (length, address) = (memory.u32(0x1000 + 44), u64::from(memory.u32(0x1000 + 48)));
    assert_eq!(length, 4 * 24);
    let entries: Vec<(u32, u64, u64, u32)> = (0..4)
        .map(|i| {
            let e = address + 24 * i;
            (memory.u32(e), memory.u64(e + 4), memory.u64(e + 12), memory.u32(e + 20))
        })
        .collect();
    assert_eq!(
        entries,
        [(20, 0, 0x1_0000, 2), (20, 0x1_0000, 0x9_0000, 1), (20, 0xA_0000, 0x6_0000, 2), (20, 0x10_0000, 15 * MIB, 1)]
    );
    // Only the information lies in the boot area, and only above 0x1000.
    for &(start, end) in &memory.writes {
        let bda = start == 0x413 && end == 0x415;
        assert!(start >= 0x1_0000 || bda || (start >= 0x1000 && end <= 0xF000), "{start:#x}..{end:#x}");
    }
}

#[test]
fn an_elf64_kernel_linked_high_is_loaded_at_its_physical_addresses() {
    // Like GNU Mach: a boot segment identity-linked at 16 MiB, the rest
    // linked at 0x41000000+ but loaded physically at 16 MiB + 0x1000.
    let boot = text_with_header(&header_bytes(flags::PAGE_ALIGN | flags::MEMORY_INFO, None, None), 0x1000);
    let segments = [
        TestSegment::at(0x100_0000, RX, &boot, 0x1000),
        TestSegment { paddr: 0x100_1000, vaddr: 0x4100_1000, flags: RX, bytes: vec![0xc3; 0x10], mem_size: 0x10 },
    ];
    let image = elf(true, 0x4100_1008, &segments);
    let (memory, entry, _) = load(&image, "", &[], 0, 32 * MIB);
    assert_eq!(entry, 0x100_1008, "virtual entry translated through its segment");
    assert_eq!(memory.at(0x100_1000, 2), [0xc3, 0xc3]);
    // An identity-linked entry stays as it is.
    let image = elf(true, 0x100_0000, &segments);
    assert_eq!(load(&image, "", &[], 0, 32 * MIB).1, 0x100_0000);
}

#[test]
fn address_fields_load_a_flat_binary_with_its_bss() {
    // A flat file: header at offset 8; loaded at 1 MiB; 0x400 bytes of
    // file, BSS to 1 MiB + 0x2000, entry at +0x40.
    let fields = AddressFields {
        header_addr: 0x10_0008,
        load_addr: 0x10_0000,
        load_end_addr: 0x10_0400,
        bss_end_addr: 0x10_2000,
        entry_addr: 0x10_0040,
    };
    let mut image = vec![0x90u8; 0x500];
    image[8..40].copy_from_slice(&header_bytes(flags::ADDRESS_FIELDS | flags::PAGE_ALIGN, Some(fields), None));
    let (memory, entry, _) = load(&image, "x", &[Module { bytes: b"m", string: "" }], 0, 4 * MIB);
    assert_eq!(entry, 0x10_0040);
    assert_eq!(memory.at(0x10_0000, 0x400), &image[..0x400], "only load_end_addr - load_addr bytes");
    assert!(memory.at(0x10_0400, 0x1c00).iter().all(|&b| b == 0), "BSS zeroed");
    assert_eq!(memory.at(0x10_2000, 1), b"m", "the module follows the BSS");
    // load_end_addr 0: the whole file; bss_end_addr 0: no BSS; a header
    // further in shifts the load offset (3.1.3).
    let fields = AddressFields {
        header_addr: 0x20_0010,
        load_addr: 0x20_0000,
        load_end_addr: 0,
        bss_end_addr: 0,
        entry_addr: 0x20_0000,
    };
    let mut image = vec![0x11u8; 0x30];
    image.extend(vec![0x22; 0x10]);
    image.extend(header_bytes(flags::ADDRESS_FIELDS, Some(fields), None));
    image.extend(vec![0x33; 0x100]);
    let (memory, _, _) = load(&image, "", &[], 0, 4 * MIB);
    assert_eq!(memory.at(0x20_0000, 0x10), [0x22; 0x10], "the load starts 0x10 before the header");
    assert_eq!(memory.at(0x20_0010 + 32, 0x100), [0x33; 0x100]);
    assert_eq!(memory.at(0x20_0010 + 32 + 0x100, 1), [0xAA]);
}

#[test]
fn address_fields_are_checked() {
    let with = |fields: AddressFields, offset: usize| {
        let mut image = vec![0u8; 0x1000];
        image[offset..offset + 32].copy_from_slice(&header_bytes(flags::ADDRESS_FIELDS, Some(fields), None));
        let layout = Layout::new(0, 4 * MIB).unwrap();
        plan(&image, "", &[], &layout).map(|p| p.entry())
    };
    let good = AddressFields {
        header_addr: 0x10_0000,
        load_addr: 0x10_0000,
        load_end_addr: 0x10_0800,
        bss_end_addr: 0x10_1000,
        entry_addr: 0x10_0020,
    };
    assert_eq!(with(good, 0), Ok(0x10_0020));
    let error = with(AddressFields { load_addr: 0x10_0004, ..good }, 0).unwrap_err();
    assert!(matches!(error, MultibootError::LoadAddrAboveHeader { .. }), "{error}");
    let error = with(AddressFields { load_addr: 0xF_FF00, ..good }, 0x40).unwrap_err();
    assert_eq!(error, MultibootError::LoadBeforeFileStart { offset: 0x40, distance: 0x100 });
    for load_end_addr in [0x10_0000, 0x10_1001, 0xF_0000] {
        let error = with(AddressFields { load_end_addr, ..good }, 0).unwrap_err();
        assert!(matches!(error, MultibootError::BadLoadEnd { .. }), "{load_end_addr:#x}: {error}");
    }
    let error = with(AddressFields { bss_end_addr: 0x10_0400, ..good }, 0).unwrap_err();
    assert!(matches!(error, MultibootError::BssEndBeforeLoadEnd { load_end: 0x10_0800, .. }), "{error}");
    for entry_addr in [0x10_0800, 0xF_FFFF, 0x10_0C00] {
        let error = with(AddressFields { entry_addr, ..good }, 0).unwrap_err();
        assert!(matches!(error, MultibootError::EntryOutsideLoad { .. }), "{entry_addr:#x}: {error}");
    }
    // Into the boot area, or beyond the memory.
    let low = AddressFields {
        header_addr: 0x8000,
        load_addr: 0x8000,
        load_end_addr: 0x8800,
        bss_end_addr: 0,
        entry_addr: 0x8000,
    };
    let error = with(low, 0).unwrap_err();
    assert!(matches!(error, MultibootError::OverlapsBootArea { .. }), "{error}");
    assert!(error.fix().to_string().contains("0x10000 or above"), "{}", error.fix());
    let error = with(AddressFields { bss_end_addr: 0x50_0000, ..good }, 0).unwrap_err();
    assert!(matches!(error, MultibootError::OutsideMemory { .. }), "{error}");
    assert_eq!(error.fix().to_string(), "raise memory_mib to at least 6, or link the kernel lower");
}

#[test]
fn elf_kernels_are_checked_against_the_partition() {
    let layout = Layout::new(0, 4 * MIB).unwrap();
    let header = header_bytes(0, None, None);
    let text = text_with_header(&header, 0x100);
    let check =
        |entry: u64, segments: &[TestSegment]| plan(&elf(false, entry, segments), "", &[], &layout).map(|p| p.entry());
    let error = check(0x40_0000, &[TestSegment::at(0x40_0000, RX, &text, 0x100)]).unwrap_err();
    assert!(matches!(error, MultibootError::OutsideMemory { .. }) && error.field() == Field::Image, "{error}");
    let error = check(0xF000, &[TestSegment::at(0xF000, RX, &text, 0x2000)]).unwrap_err();
    assert!(matches!(error, MultibootError::OverlapsBootArea { .. }), "{error}");
    let error =
        check(0x10_0000, &[TestSegment::at(0x10_0000, RX, &text, 0x1000), TestSegment::at(0x10_0800, RW, &[], 0x100)])
            .unwrap_err();
    assert_eq!(error, MultibootError::SegmentsOverlap { first: 0, second: 1 });
    let error = check(0x20_0000, &[TestSegment::at(0x10_0000, RX, &text, 0x1000)]).unwrap_err();
    assert_eq!(error, MultibootError::EntryOutsideSegments { entry: 0x20_0000 });
    // A file that is neither ELF nor has address fields; a broken ELF.
    let error = plan(&text, "", &[], &layout).unwrap_err();
    assert_eq!(error, MultibootError::NotElf);
    let mut broken = elf(false, 0x10_0000, &[TestSegment::at(0x10_0000, RX, &text, 0x100)]);
    broken[18] = 40; // e_machine ARM
    assert!(matches!(plan(&broken, "", &[], &layout), Err(MultibootError::Elf(_))));
}

#[test]
fn requirement_flags_are_honoured_or_refused() {
    let layout = Layout::new(0, 4 * MIB).unwrap();
    let error = plan(&elf32_kernel(flags::MEMORY_INFO | 1 << 3), "", &[], &layout).unwrap_err();
    assert_eq!(error, MultibootError::UnsupportedRequirements { flags: 0xA, unfulfilled: 0x8 });
    // Optional bits (16-31) other than 16 are ignored.
    assert!(plan(&elf32_kernel(flags::MEMORY_INFO | 1 << 20), "", &[], &layout).is_ok());
    assert!(plan(&elf32_kernel(0), "", &[], &layout).is_ok(), "no requirement at all");
}

#[test]
fn video_is_the_text_screen_or_refused() {
    let video = VideoPreference { mode_type: 0, width: 1024, height: 768, depth: 32 };
    let text = text_with_header(&header_bytes(flags::VIDEO_MODE | flags::MEMORY_INFO, None, Some(video)), 0x100);
    let image = elf(false, 0x10_0000, &[TestSegment::at(0x10_0000, RX, &text, 0x100)]);
    let (memory, _, info) = load(&image, "", &[], 0, 4 * MIB);
    let info = u64::from(info);
    assert_ne!(memory.u32(info) & info_flags::FRAMEBUFFER, 0);
    assert_eq!(memory.u64(info + 88), 0xB_8000);
    assert_eq!((memory.u32(info + 96), memory.u32(info + 100), memory.u32(info + 104)), (160, 80, 25));
    assert_eq!(memory.at(info + 108, 2), [16, 2], "16 bits per cell, EGA text");
    // Without a text screen in the memory, say so.
    let segments = [TestSegment::at(0x410_0000, RX, &text, 0x100)];
    let high = elf(false, 0x410_0000, &segments);
    let layout = Layout::new(64 * MIB, 4 * MIB).unwrap();
    let error = plan(&high, "", &[], &layout).unwrap_err();
    assert_eq!(error, MultibootError::NoVideo { base: 64 * MIB });
    assert_eq!(error.field(), Field::Base);
    assert!(error.to_string().contains("flag 2") && error.fix().to_string().contains("base = 0"));
    // No framebuffer information unless asked for.
    let (memory, _, info) = load(&elf32_kernel(0), "", &[], 0, 4 * MIB);
    assert_eq!(memory.u32(u64::from(info)) & info_flags::FRAMEBUFFER, 0);
}

#[test]
fn modules_must_fit_the_memory() {
    let layout = Layout::new(0, 4 * MIB).unwrap();
    let image = elf32_kernel(flags::PAGE_ALIGN);
    let big = vec![0u8; (3 * MIB) as usize];
    let small = [0u8; 10];
    let fits = [Module { bytes: &small, string: "a" }, Module { bytes: &big[..(2 * MIB) as usize], string: "b" }];
    let boot = plan(&image, "", &fits, &layout).expect("fits");
    let placed: Vec<PlacedModule> = boot.modules().collect();
    assert_eq!(
        placed,
        [PlacedModule { start: 0x10_3000, end: 0x10_300a }, PlacedModule { start: 0x10_4000, end: 0x30_4000 }]
    );
    let too_much = [Module { bytes: &small, string: "a" }, Module { bytes: &big, string: "b" }];
    let error = plan(&image, "", &too_much, &layout).unwrap_err();
    assert!(matches!(error, MultibootError::ModuleOutsideMemory { index: 1, .. }), "{error}");
    assert_eq!(error.field().to_string(), "modules[1].path");
    assert!(error.fix().to_string().contains("by at least 2 MiB"), "{}", error.fix());
    // Empty modules are fine.
    assert!(plan(&image, "", &[Module { bytes: &[], string: "" }], &layout).is_ok());
}

#[test]
fn the_information_must_fit_the_boot_area() {
    let layout = Layout::new(0, 4 * MIB).unwrap();
    let image = elf32_kernel(0);
    let long = "x".repeat(61 * 1024);
    let error = plan(&image, &long, &[], &layout).unwrap_err();
    assert!(matches!(error, MultibootError::InfoTooLarge { available: 0xE000, .. }), "{error}");
    assert_eq!(error.field(), Field::Cmdline);
    assert!(plan(&image, &"x".repeat(4096), &[], &layout).is_ok());
}

#[test]
fn a_partition_away_from_zero_is_described_as_it_is() {
    let text = text_with_header(&header_bytes(flags::MEMORY_INFO, None, None), 0x100);
    let image = elf(false, 0x410_0000, &[TestSegment::at(0x410_0000, RX, &text, 0x100)]);
    let (memory, entry, info) = load(&image, "hi", &[Module { bytes: b"mod", string: "m" }], 64 * MIB, 4 * MIB);
    assert_eq!((entry, info), (0x410_0000, 0x400_1000));
    let info = u64::from(info);
    assert_eq!((memory.u32(info + 4), memory.u32(info + 8)), (0, 0));
    assert!(memory.writes.iter().all(|&(start, _)| start >= 64 * MIB), "no BIOS data area away from 0");
    assert_eq!(memory.u32(info + 44), 2 * 24);
    let module = u64::from(memory.u32(info + 24));
    assert_eq!(memory.u32(module), 0x410_1000);
    // Below the base is not the partition's.
    let layout = Layout::new(64 * MIB, 4 * MIB).unwrap();
    let low = elf(false, 0x10_0000, &[TestSegment::at(0x10_0000, RX, &text, 0x100)]);
    let error = plan(&low, "", &[], &layout).unwrap_err();
    assert!(matches!(error, MultibootError::OutsideMemory { .. }) && error.fix().to_string().contains("lower base"));
}

/// A small xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn hostile_images_never_escape_the_partition() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let fields = AddressFields {
        header_addr: 0x10_0008,
        load_addr: 0x10_0000,
        load_end_addr: 0x10_0400,
        bss_end_addr: 0x10_2000,
        entry_addr: 0x10_0040,
    };
    let mut flat = vec![0x90u8; 0x500];
    flat[8..40].copy_from_slice(&header_bytes(flags::ADDRESS_FIELDS, Some(fields), None));
    let seeds = [elf32_kernel(flags::PAGE_ALIGN | flags::MEMORY_INFO), flat];
    let module_bytes = vec![7u8; 0x3000];
    let mut planned = 0;
    for round in 0..4000 {
        let mut image = seeds[round % 2].clone();
        // Flip a few bytes: headers, program headers, address fields.
        for _ in 0..1 + rng.next() % 4 {
            let at = (rng.next() % 0x140) as usize % image.len();
            image[at] = rng.next() as u8;
        }
        // Now and then a valid checksum for whatever flags resulted.
        if round % 3 == 0 {
            let at = if round.is_multiple_of(2) { 0x104 } else { 8 };
            let flags = u32::from_le_bytes(image[at + 4..at + 8].try_into().unwrap());
            let sum = 0u32.wrapping_sub(crate::HEADER_MAGIC.wrapping_add(flags));
            image[at..at + 4].copy_from_slice(&crate::HEADER_MAGIC.to_le_bytes());
            image[at + 8..at + 12].copy_from_slice(&sum.to_le_bytes());
        }
        let base = if rng.next().is_multiple_of(4) { 0x20_0000 } else { 0 };
        let len = (2 + rng.next() % 4) * MIB;
        let module_len = (rng.next() % 0x3000) as usize;
        let modules = [Module { bytes: &module_bytes[..module_len], string: "m" }];
        let layout = Layout::new(base, len).unwrap();
        let Ok(boot) = plan(&image, "cmd", &modules, &layout) else { continue };
        planned += 1;
        let mut memory = Memory::new(base, len);
        assert!(boot.load(|gpa, bytes| memory.write(gpa, bytes)), "round {round}: a planned write failed");
        let boot_area = layout.boot_area();
        let info = layout.info_area();
        let mut outside: Vec<(u64, u64)> = Vec::new();
        for &(start, end) in &memory.writes {
            if start < boot_area.end && boot_area.start < end {
                let bda = base == 0 && start == 0x413 && end == 0x415;
                assert!(
                    bda || (start >= info.start && end <= info.end),
                    "round {round}: {start:#x}..{end:#x} in the boot area"
                );
            } else if start < end {
                outside.push((start, end));
            }
        }
        // Kernel pieces and modules never overwrite each other.
        outside.sort_unstable();
        for pair in outside.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "round {round}: writes {pair:x?} overlap");
        }
        let entry = u64::from(boot.entry());
        assert!(entry >= boot_area.end && entry < boot.kernel_end(), "round {round}: entry {entry:#x}");
    }
    assert!(planned > 100, "only {planned} images planned: the test exercises too little");
}
