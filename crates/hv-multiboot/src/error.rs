//! Why a multiboot kernel cannot be booted in a partition.
//!
//! Each problem names the manifest field it concerns ([`Field`]), says what
//! is wrong (`Display`) and how to fix it ([`MultibootError::fix`]), so the
//! host can report it like any other manifest error and the hypervisor can
//! log it in one line.

use core::fmt;
use core::ops::Range;

use hv_image::ImageError;

use crate::header::{FindError, HeaderHint, HEADER_MAGIC};
use crate::layout::BOOT_AREA_LEN;

/// The manifest field a problem concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `image`: the kernel file.
    Image,
    /// `modules[N].path`: a module.
    Module(usize),
    /// `cmdline` (and the module strings, which share the information area).
    Cmdline,
    /// `base`: where the memory is.
    Base,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Image => f.write_str("image"),
            Self::Module(index) => write!(f, "modules[{index}].path"),
            Self::Cmdline => f.write_str("cmdline"),
            Self::Base => f.write_str("base"),
        }
    }
}

/// A part of the kernel placed in memory, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    /// ELF program header `index` (as `readelf -l` numbers them).
    Segment(usize),
    /// The range the header's address fields load (and zero).
    AddressFields,
}

impl fmt::Display for Piece {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Segment(index) => write!(f, "segment {index}"),
            Self::AddressFields => f.write_str("the range its header's address fields load"),
        }
    }
}

/// Why [`plan`](crate::plan) refused a kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MultibootError {
    /// No Multiboot header in the first 8192 bytes (3.1).
    NoHeader(Option<HeaderHint>),
    /// The magic is there, but magic + flags + checksum is not 0 (3.1.2).
    BadChecksum {
        /// The magic's offset.
        offset: usize,
        /// The flags.
        flags: u32,
        /// The checksum found.
        checksum: u32,
    },
    /// The header's fields run past the first 8192 bytes or the file.
    HeaderTruncated {
        /// The magic's offset.
        offset: usize,
        /// The header's length for its flags.
        len: usize,
    },
    /// The header requires features (bits 0-15) this hypervisor lacks.
    UnsupportedRequirements {
        /// The flags word.
        flags: u32,
        /// The requirement bits not fulfilled.
        unfulfilled: u32,
    },
    /// The kernel requires video information (flag 2) but the partition
    /// has no text screen (its memory does not cover 0xB8000).
    NoVideo {
        /// The memory's base.
        base: u64,
    },
    /// Not ELF, and the header has no address fields (flag 16).
    NotElf,
    /// The ELF file is malformed.
    Elf(ImageError),
    /// Part of the kernel lies outside the partition's memory.
    OutsideMemory {
        /// Which part.
        piece: Piece,
        /// Its physical range.
        range: Range<u64>,
        /// The memory.
        memory: Range<u64>,
    },
    /// Part of the kernel overlaps the boot area.
    OverlapsBootArea {
        /// Which part.
        piece: Piece,
        /// Its physical range.
        range: Range<u64>,
        /// The boot area.
        boot_area: Range<u64>,
    },
    /// Two ELF segments overlap.
    SegmentsOverlap {
        /// The earlier program header's index.
        first: usize,
        /// The later one's.
        second: usize,
    },
    /// The ELF entry point lies in no loaded segment.
    EntryOutsideSegments {
        /// `e_entry`.
        entry: u64,
    },
    /// Address fields: `load_addr` above `header_addr` (3.1.3).
    LoadAddrAboveHeader {
        /// `load_addr`.
        load_addr: u32,
        /// `header_addr`.
        header_addr: u32,
    },
    /// Address fields: loading would start before the file's first byte
    /// (`header_addr - load_addr` exceeds the header's offset).
    LoadBeforeFileStart {
        /// The header's offset in the file.
        offset: usize,
        /// `header_addr - load_addr`.
        distance: u32,
    },
    /// Address fields: `load_end_addr` is not above `load_addr`, or beyond
    /// the file's end.
    BadLoadEnd {
        /// `load_addr`.
        load_addr: u32,
        /// `load_end_addr`.
        load_end_addr: u32,
        /// The bytes the file has from the load offset on.
        available: u64,
    },
    /// Address fields: `bss_end_addr` below the end of the loaded bytes.
    BssEndBeforeLoadEnd {
        /// The end of the loaded bytes.
        load_end: u64,
        /// `bss_end_addr`.
        bss_end_addr: u32,
    },
    /// Address fields: `entry_addr` outside the loaded bytes.
    EntryOutsideLoad {
        /// `entry_addr`.
        entry: u32,
        /// The loaded range.
        range: Range<u64>,
    },
    /// A module does not fit the memory above the kernel.
    ModuleOutsideMemory {
        /// The module's index.
        index: usize,
        /// Where it would start.
        start: u64,
        /// Its size.
        len: u64,
        /// The memory's end.
        memory_end: u64,
    },
    /// The information (command line, strings, lists) does not fit the
    /// information area.
    InfoTooLarge {
        /// Bytes needed.
        needed: u64,
        /// Bytes available.
        available: u64,
    },
    /// The memory is not below 4 GiB, where a 32-bit kernel's addresses end
    /// (or is smaller than the boot area).
    MemoryNotBelow4GiB {
        /// The memory's base.
        base: u64,
        /// Its length.
        len: u64,
    },
}

impl From<FindError> for MultibootError {
    fn from(error: FindError) -> Self {
        match error {
            FindError::Missing(hint) => Self::NoHeader(hint),
            FindError::BadChecksum { offset, flags, checksum } => Self::BadChecksum { offset, flags, checksum },
            FindError::Truncated { offset, len, .. } => Self::HeaderTruncated { offset, len },
        }
    }
}

impl MultibootError {
    /// The manifest field the problem concerns.
    #[must_use]
    pub fn field(&self) -> Field {
        match self {
            Self::ModuleOutsideMemory { index, .. } => Field::Module(*index),
            Self::InfoTooLarge { .. } => Field::Cmdline,
            Self::NoVideo { .. } | Self::MemoryNotBelow4GiB { .. } => Field::Base,
            _ => Field::Image,
        }
    }

    /// How to fix it.
    #[must_use]
    pub fn fix(&self) -> Fix<'_> {
        Fix(self)
    }
}

/// The fix for a [`MultibootError`], displayed.
pub struct Fix<'a>(&'a MultibootError);

/// The bits set in `bits`, as `3, 9` for messages.
struct Bits(u32);

impl fmt::Display for Bits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for bit in (0..32).filter(|bit| self.0 & (1 << bit) != 0) {
            if !first {
                f.write_str(", ")?;
            }
            write!(f, "{bit}")?;
            first = false;
        }
        Ok(())
    }
}

/// MiB of memory needed to reach `end` from `base`, rounded up to the
/// manifest's 2 MiB granule.
fn mib_to_reach(base: u64, end: u64) -> u64 {
    let mib = end.saturating_sub(base).div_ceil(1 << 20);
    mib + (mib & 1)
}

impl fmt::Display for MultibootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoHeader(hint) => {
                write!(f, "no Multiboot header (magic {HEADER_MAGIC:#x}, 32-bit aligned) in the first 8192 bytes")?;
                match hint {
                    Some(HeaderHint::Unaligned { offset }) => write!(f, "; the magic is at {offset:#x}, not aligned"),
                    Some(HeaderHint::TooFar { offset }) => write!(f, "; the magic is at {offset:#x}, too far in"),
                    Some(HeaderHint::Multiboot2 { offset }) => {
                        write!(f, "; there is a Multiboot 2 header at {offset:#x}")
                    }
                    None => Ok(()),
                }
            }
            Self::BadChecksum { offset, flags, checksum } => write!(
                f,
                "the Multiboot header at {offset:#x} has checksum {checksum:#x}, but magic + flags + checksum must be \
                 0 (for flags {flags:#x} the checksum is {:#x})",
                0u32.wrapping_sub(HEADER_MAGIC.wrapping_add(*flags))
            ),
            Self::HeaderTruncated { offset, len } => write!(
                f,
                "the Multiboot header at {offset:#x} is {len} bytes for its flags, which runs past the first 8192 \
                 bytes or the file's end"
            ),
            Self::UnsupportedRequirements { flags, unfulfilled } => write!(
                f,
                "the Multiboot header's flags {flags:#x} require bit(s) {} that this hypervisor does not know \
                 (Multiboot 0.6.96 defines requirement bits 0, 1 and 2 only)",
                Bits(*unfulfilled)
            ),
            Self::NoVideo { base } => write!(
                f,
                "the kernel requires video mode information (Multiboot header flag 2), and the only display a \
                 partition has is the 80x25 text screen at 0xb8000, which lies outside this partition's memory \
                 (base {base:#x})"
            ),
            Self::NotElf => f.write_str(
                "the image is not ELF and its Multiboot header has no address fields (flag 16), so nothing says \
                 where it loads",
            ),
            Self::Elf(error) => write!(f, "the kernel's ELF headers: {error}"),
            Self::OutsideMemory { piece, range, memory } => write!(
                f,
                "{piece} of the kernel ({:#x}..{:#x}) lies outside the partition's memory {:#x}..{:#x}",
                range.start, range.end, memory.start, memory.end
            ),
            Self::OverlapsBootArea { piece, range, boot_area } => write!(
                f,
                "{piece} of the kernel ({:#x}..{:#x}) overlaps the first 64 KiB of the memory ({:#x}..{:#x}), where \
                 the hypervisor puts the GDT and the multiboot information",
                range.start, range.end, boot_area.start, boot_area.end
            ),
            Self::SegmentsOverlap { first, second } => {
                write!(f, "the kernel's segments {first} and {second} overlap in physical memory")
            }
            Self::EntryOutsideSegments { entry } => {
                write!(f, "the kernel's entry point {entry:#x} lies in none of its loadable segments")
            }
            Self::LoadAddrAboveHeader { load_addr, header_addr } => write!(
                f,
                "the header's load_addr {load_addr:#x} is above its header_addr {header_addr:#x} (Multiboot 3.1.3: \
                 load_addr <= header_addr)"
            ),
            Self::LoadBeforeFileStart { offset, distance } => write!(
                f,
                "the header at file offset {offset:#x} says the load starts {distance:#x} bytes before it \
                 (header_addr - load_addr), before the file's first byte"
            ),
            Self::BadLoadEnd { load_addr, load_end_addr, available } => write!(
                f,
                "the header's load_end_addr {load_end_addr:#x} must be above load_addr {load_addr:#x} and at most \
                 {available:#x} bytes beyond it (the file's end)"
            ),
            Self::BssEndBeforeLoadEnd { load_end, bss_end_addr } => write!(
                f,
                "the header's bss_end_addr {bss_end_addr:#x} is below the end of the loaded bytes {load_end:#x}"
            ),
            Self::EntryOutsideLoad { entry, range } => write!(
                f,
                "the header's entry_addr {entry:#x} is outside the loaded bytes {:#x}..{:#x}",
                range.start, range.end
            ),
            Self::ModuleOutsideMemory { index, start, len, memory_end } => write!(
                f,
                "module {index} ({len} bytes) would be loaded at {start:#x} (page-aligned, above the kernel and \
                 the modules before it) and end beyond the memory's end {memory_end:#x}"
            ),
            Self::InfoTooLarge { needed, available } => write!(
                f,
                "the multiboot information (command line, module strings and lists) needs {needed} bytes, the \
                 boot area has {available}"
            ),
            Self::MemoryNotBelow4GiB { base, len } => write!(
                f,
                "the memory {base:#x}..{:#x} does not end below 4 GiB, where a multiboot kernel's 32-bit addresses \
                 end",
                base.saturating_add(*len)
            ),
        }
    }
}

impl fmt::Display for Fix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            MultibootError::NoHeader(Some(HeaderHint::Multiboot2 { .. })) => f.write_str(
                "only Multiboot version 1 kernels can be booted: build the kernel with a Multiboot 1 header",
            ),
            MultibootError::NoHeader(_) => f.write_str(
                "check that the image is a Multiboot kernel (its header must be 4-byte aligned in the first 8192 \
                 bytes, Multiboot 0.6.96 section 3.1), or use format = \"elf\" or \"flat\"",
            ),
            MultibootError::BadChecksum { .. } | MultibootError::HeaderTruncated { .. } => {
                f.write_str("the kernel file is damaged or its header was built wrongly: rebuild it")
            }
            MultibootError::UnsupportedRequirements { .. } => f.write_str(
                "a boot loader must refuse requirements it does not know (section 3.1.2): use a kernel built for \
                 Multiboot 0.6.96",
            ),
            MultibootError::NoVideo { .. } => f.write_str(
                "set base = 0 (the text screen is at guest-physical 0xb8000), or build the kernel without flag 2",
            ),
            MultibootError::NotElf => {
                f.write_str("use an ELF kernel, or give its Multiboot header the address fields and flag 16")
            }
            MultibootError::Elf(_) | MultibootError::SegmentsOverlap { .. } => {
                f.write_str("rebuild the kernel as a statically linked i386 or x86-64 ELF executable")
            }
            MultibootError::OutsideMemory { range, memory, .. } if range.start >= memory.start => write!(
                f,
                "raise memory_mib to at least {}, or link the kernel lower",
                mib_to_reach(memory.start, range.end)
            ),
            MultibootError::OutsideMemory { memory, .. } => write!(
                f,
                "lower base (now {:#x}) to below the kernel, or link the kernel at {:#x} or above",
                memory.start,
                memory.start + BOOT_AREA_LEN
            ),
            MultibootError::OverlapsBootArea { boot_area, .. } => {
                write!(f, "link the kernel at {:#x} or above (1 MiB is usual)", boot_area.end)
            }
            MultibootError::EntryOutsideSegments { .. } => {
                f.write_str("link the kernel so that e_entry lies in a loadable segment")
            }
            MultibootError::LoadAddrAboveHeader { .. }
            | MultibootError::LoadBeforeFileStart { .. }
            | MultibootError::BadLoadEnd { .. }
            | MultibootError::BssEndBeforeLoadEnd { .. }
            | MultibootError::EntryOutsideLoad { .. } => f.write_str(
                "correct the kernel's Multiboot address fields (section 3.1.3), or clear flag 16 for an ELF kernel",
            ),
            MultibootError::ModuleOutsideMemory { start, len, memory_end, .. } => write!(
                f,
                "raise memory_mib by at least {} MiB, or use a smaller module",
                mib_to_reach(*memory_end, start.saturating_add(*len))
            ),
            MultibootError::InfoTooLarge { .. } => f.write_str("shorten the command line or the module strings"),
            MultibootError::MemoryNotBelow4GiB { .. } => {
                f.write_str("lower base so that base + memory_mib ends at or below 4 GiB (0x100000000)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_name_the_manifest_field() {
        assert_eq!(MultibootError::NotElf.field().to_string(), "image");
        let module = MultibootError::ModuleOutsideMemory { index: 2, start: 0, len: 0, memory_end: 0 };
        assert_eq!(module.field().to_string(), "modules[2].path");
        assert_eq!(MultibootError::InfoTooLarge { needed: 1, available: 0 }.field(), Field::Cmdline);
        assert_eq!(MultibootError::NoVideo { base: 0 }.field().to_string(), "base");
    }

    #[test]
    fn messages_give_the_numbers_and_the_fix() {
        let error = MultibootError::BadChecksum { offset: 4, flags: 3, checksum: 0 };
        assert!(error.to_string().contains("checksum is 0xe4524ffb"), "{error}");
        let error = MultibootError::UnsupportedRequirements { flags: 0x10009, unfulfilled: 0x8008 };
        assert!(error.to_string().contains("bit(s) 3, 15"), "{error}");
        let error = MultibootError::OutsideMemory {
            piece: Piece::Segment(1),
            range: 0x100_0000..0x110_0000,
            memory: 0..0x80_0000,
        };
        assert!(error.to_string().starts_with("segment 1 of the kernel (0x1000000..0x1100000)"), "{error}");
        assert_eq!(error.fix().to_string(), "raise memory_mib to at least 18, or link the kernel lower");
        let error =
            MultibootError::ModuleOutsideMemory { index: 0, start: 0x7f_f000, len: 0x20_0000, memory_end: 0x80_0000 };
        assert!(error.fix().to_string().contains("by at least 2 MiB"), "{}", error.fix());
        assert!(MultibootError::NoHeader(Some(HeaderHint::Multiboot2 { offset: 0 }))
            .fix()
            .to_string()
            .contains("version 1"));
    }
}
