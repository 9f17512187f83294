//! Why an image was rejected.
//!
//! A rejected guest image is usually a build or configuration mistake, found
//! at boot with only a log line to go on. So each message names the problem
//! (with addresses and offsets in hex, segments by program-header index as
//! `readelf -l` numbers them) and, where there is one, the fix.

use core::fmt;
use core::ops::Range;

use crate::format::{machine_name, ElfClass, EM_386, EM_X86_64, EV_CURRENT, MAX_PROGRAM_HEADERS};

/// Why [`ElfImage::parse`](crate::ElfImage::parse) or [`plan`](crate::plan)
/// rejected an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// The file is shorter than its identification bytes or its header.
    Truncated {
        /// What did not fit: `"ELF identification"` or `"ELF header"`.
        what: &'static str,
        /// Bytes needed.
        needed: u64,
        /// Bytes present.
        len: u64,
    },
    /// The file does not start with `\x7fELF`.
    BadMagic,
    /// `EI_CLASS` is neither ELF32 (1) nor ELF64 (2).
    BadClass(u8),
    /// `EI_DATA` is not little-endian (1).
    NotLittleEndian(u8),
    /// `EI_VERSION` or `e_version` is not `EV_CURRENT` (1).
    BadVersion(u32),
    /// `e_type` is `ET_DYN`: a position-independent executable or shared
    /// object, which would need relocating.
    PositionIndependent,
    /// `e_type` is neither `ET_EXEC` nor `ET_DYN`.
    NotExecutable(u16),
    /// `e_machine` is neither x86-64 nor i386.
    WrongMachine(u16),
    /// `e_machine` is x86-64 or i386 but does not match the class (ELF64
    /// must be x86-64, ELF32 must be i386; this rejects x32-ABI files).
    ClassMachineMismatch {
        /// The file's class.
        class: ElfClass,
        /// The file's `e_machine`.
        machine: u16,
    },
    /// `e_ehsize` is not the size of the class's file header.
    BadHeaderSize {
        /// The file's class.
        class: ElfClass,
        /// `e_ehsize`.
        found: u16,
    },
    /// `e_phentsize` is not the size of the class's program header.
    BadProgramHeaderSize {
        /// The file's class.
        class: ElfClass,
        /// `e_phentsize`.
        found: u16,
    },
    /// `e_phnum` is above [`MAX_PROGRAM_HEADERS`].
    TooManyProgramHeaders(u16),
    /// The program header table (`e_phoff`, `e_phnum` entries) does not lie
    /// inside the file.
    ProgramHeadersOutOfFile {
        /// `e_phoff`.
        offset: u64,
        /// `e_phnum`.
        count: u16,
        /// The file's length.
        len: u64,
    },
    /// No program header is `PT_LOAD`: there is nothing to load.
    NoLoadableSegments,
    /// A segment's file bytes (`p_offset`, `p_filesz`) do not lie inside the
    /// file.
    SegmentOutOfFile {
        /// The program header's index.
        index: usize,
        /// `p_offset`.
        offset: u64,
        /// `p_filesz`.
        size: u64,
        /// The file's length.
        len: u64,
    },
    /// A segment has more file bytes than memory bytes (`p_filesz > p_memsz`).
    FileSizeExceedsMemSize {
        /// The program header's index.
        index: usize,
        /// `p_filesz`.
        file_size: u64,
        /// `p_memsz`.
        mem_size: u64,
    },
    /// `p_paddr + p_memsz` runs past the end of the image's address space
    /// (2^64, or 4 GiB for ELF32).
    AddressOverflow {
        /// The program header's index.
        index: usize,
        /// `p_paddr`.
        paddr: u64,
        /// `p_memsz`.
        mem_size: u64,
    },
    /// A segment ends beyond the partition's memory.
    OutsideMemory {
        /// The program header's index.
        index: usize,
        /// The segment's end address (exclusive).
        end: u64,
        /// The partition's memory size in bytes.
        memory_bytes: u64,
    },
    /// A segment overlaps the hypervisor's reserved boot-structure area.
    OverlapsReserved {
        /// The program header's index.
        index: usize,
        /// The segment's guest-physical range.
        segment: Range<u64>,
        /// The reserved area.
        reserved: Range<u64>,
    },
    /// Two segments overlap in guest-physical memory.
    SegmentsOverlap {
        /// The earlier program header's index.
        first: usize,
        /// Its guest-physical range.
        first_range: Range<u64>,
        /// The later program header's index.
        second: usize,
        /// Its guest-physical range.
        second_range: Range<u64>,
    },
    /// The entry point is not inside any executable segment.
    EntryNotExecutable(u64),
}

/// A byte count in the largest binary unit that divides it exactly.
struct Size(u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
        let bytes = self.0;
        match UNITS.iter().find(|(unit, _)| bytes != 0 && bytes.is_multiple_of(*unit)) {
            Some((unit, name)) => write!(f, "{} {name}", bytes / unit),
            None => write!(f, "{bytes:#x} bytes"),
        }
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { what, needed, len } => {
                write!(f, "image truncated: its {what} needs {needed} bytes, the file has {len}")
            }
            Self::BadMagic => f.write_str("not an ELF file (bad magic)"),
            Self::BadClass(class) => {
                write!(f, "ELF class {class} is neither ELF32 (1) nor ELF64 (2): the file is corrupt")
            }
            Self::NotLittleEndian(data) => {
                write!(f, "ELF data encoding {data} is not little-endian (1): build the image for x86")
            }
            Self::BadVersion(version) => write!(f, "ELF version {version}, expected {EV_CURRENT}: the file is corrupt"),
            Self::PositionIndependent => {
                f.write_str("position-independent image: link it statically (-C relocation-model=static)")
            }
            Self::NotExecutable(e_type) => {
                let kind = match e_type {
                    0 => "no file type",
                    1 => "a relocatable object",
                    4 => "a core dump",
                    _ => "an unknown file type",
                };
                write!(f, "ELF type {e_type} is {kind}, not an executable (2): link the guest into an executable")
            }
            Self::WrongMachine(machine) => write!(
                f,
                "ELF for machine {machine} ({}), expected x86-64 ({EM_X86_64}) or i386 ({EM_386})",
                machine_name(*machine)
            ),
            Self::ClassMachineMismatch { class, machine } => write!(
                f,
                "{class} file for machine {machine} ({}): ELF64 images must be x86-64 ({EM_X86_64}) \
                 and ELF32 images i386 ({EM_386})",
                machine_name(*machine)
            ),
            Self::BadHeaderSize { class, found } => write!(
                f,
                "ELF header size {found} is not {} as {class} requires: the file is corrupt",
                class.header_len()
            ),
            Self::BadProgramHeaderSize { class, found } => write!(
                f,
                "program header size {found} is not {} as {class} requires: the file is corrupt",
                class.program_header_len()
            ),
            Self::TooManyProgramHeaders(count) => write!(
                f,
                "image has {count} program headers, at most {MAX_PROGRAM_HEADERS} are supported: \
                 merge segments in the linker script"
            ),
            Self::ProgramHeadersOutOfFile { offset, count, len } => write!(
                f,
                "program header table at {offset:#x} ({count} entries) extends past the end of the \
                 {len:#x}-byte file: the image is truncated or corrupt"
            ),
            Self::NoLoadableSegments => {
                f.write_str("image has no loadable (PT_LOAD) segments: check the guest's linker script")
            }
            Self::SegmentOutOfFile { index, offset, size, len } => write!(
                f,
                "segment {index}'s file data {offset:#x}+{size:#x} extends past the end of the {len:#x}-byte \
                 file: the image is truncated or corrupt"
            ),
            Self::FileSizeExceedsMemSize { index, file_size, mem_size } => write!(
                f,
                "segment {index} has more file bytes ({file_size:#x}) than memory bytes ({mem_size:#x}): \
                 the image is corrupt"
            ),
            Self::AddressOverflow { index, paddr, mem_size } => write!(
                f,
                "segment {index} at {paddr:#x} of size {mem_size:#x} runs past the end of the address space: \
                 the image is corrupt"
            ),
            Self::OutsideMemory { index, end, memory_bytes } => write!(
                f,
                "segment {index} ends at {end:#x}, beyond the partition's {} of memory: give the partition \
                 more memory or link the image lower",
                Size(*memory_bytes)
            ),
            Self::OverlapsReserved { index, segment, reserved } => {
                write!(
                    f,
                    "segment {index} at {:#x}..{:#x} overlaps the hypervisor's reserved area {:#x}..{:#x}: ",
                    segment.start, segment.end, reserved.start, reserved.end
                )?;
                if reserved.start == 0 {
                    write!(f, "link the image above {:#x}", reserved.end)
                } else {
                    f.write_str("link the image outside it")
                }
            }
            Self::SegmentsOverlap { first, first_range, second, second_range } => write!(
                f,
                "segments {first} ({:#x}..{:#x}) and {second} ({:#x}..{:#x}) overlap: give them disjoint \
                 load addresses in the linker script",
                first_range.start, first_range.end, second_range.start, second_range.end
            ),
            Self::EntryNotExecutable(entry) => write!(
                f,
                "entry point {entry:#x} is not inside an executable segment: guests run identity-mapped, so \
                 link the entry point at its load (physical) address in code that is executable"
            ),
        }
    }
}

impl core::error::Error for ImageError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_the_largest_exact_unit() {
        assert_eq!(Size(16 << 20).to_string(), "16 MiB");
        assert_eq!(Size(2 << 30).to_string(), "2 GiB");
        assert_eq!(Size(640 << 10).to_string(), "640 KiB");
        assert_eq!(Size(0x1234).to_string(), "0x1234 bytes");
        assert_eq!(Size(0).to_string(), "0x0 bytes");
    }

    #[test]
    fn messages_name_the_problem_and_the_fix() {
        let reserved = ImageError::OverlapsReserved { index: 2, segment: 0x1f_f000..0x20_1000, reserved: 0..0x10000 };
        assert_eq!(
            reserved.to_string(),
            "segment 2 at 0x1ff000..0x201000 overlaps the hypervisor's reserved area 0x0..0x10000: \
             link the image above 0x10000"
        );
        let high = ImageError::OverlapsReserved { index: 0, segment: 0x1000..0x3000, reserved: 0x2000..0x4000 };
        assert!(high.to_string().ends_with("0x2000..0x4000: link the image outside it"), "{high}");
        let outside = ImageError::OutsideMemory { index: 1, end: 0x120_0000, memory_bytes: 16 << 20 };
        assert_eq!(
            outside.to_string(),
            "segment 1 ends at 0x1200000, beyond the partition's 16 MiB of memory: give the partition more \
             memory or link the image lower"
        );
        assert_eq!(ImageError::BadMagic.to_string(), "not an ELF file (bad magic)");
        assert_eq!(
            ImageError::WrongMachine(40).to_string(),
            "ELF for machine 40 (ARM), expected x86-64 (62) or i386 (3)"
        );
        assert!(ImageError::EntryNotExecutable(0x10_0000)
            .to_string()
            .starts_with("entry point 0x100000 is not inside an executable segment"));
        assert_eq!(
            ImageError::PositionIndependent.to_string(),
            "position-independent image: link it statically (-C relocation-model=static)"
        );
        let mismatch = ImageError::ClassMachineMismatch { class: ElfClass::Elf32, machine: 62 };
        assert!(mismatch.to_string().starts_with("ELF32 file for machine 62 (x86-64)"), "{mismatch}");
        let header = ImageError::BadHeaderSize { class: ElfClass::Elf64, found: 52 };
        assert!(header.to_string().starts_with("ELF header size 52 is not 64 as ELF64 requires"), "{header}");
        assert!(ImageError::NotExecutable(1).to_string().contains("a relocatable object"));
    }
}
