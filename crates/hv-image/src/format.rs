//! The part of the ELF format this crate reads: the identification bytes, the
//! header and program-header layouts of ELF32 and ELF64, and bounds-checked
//! little-endian field readers.
//!
//! The loader only needs the file header and the program headers (sections
//! are irrelevant to loading), so the layout is spelled out here rather than
//! pulled from a general ELF library. The readers return `None` instead of
//! panicking when a field lies outside the bytes.

use core::fmt;

/// `\x7fELF`, the first four bytes of every ELF file.
pub(crate) const MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];
/// Length of `e_ident`, the identification bytes.
pub(crate) const IDENT_LEN: usize = 16;
/// Index of `EI_CLASS` (1 = ELF32, 2 = ELF64) in `e_ident`.
pub(crate) const EI_CLASS: usize = 4;
/// Index of `EI_DATA` (the byte order) in `e_ident`.
pub(crate) const EI_DATA: usize = 5;
/// Index of `EI_VERSION` in `e_ident`.
pub(crate) const EI_VERSION: usize = 6;
/// `ELFCLASS32`.
pub(crate) const CLASS_32: u8 = 1;
/// `ELFCLASS64`.
pub(crate) const CLASS_64: u8 = 2;
/// `ELFDATA2LSB`: little-endian.
pub(crate) const DATA_LITTLE_ENDIAN: u8 = 1;
/// `EV_CURRENT`, the only ELF version there is.
pub(crate) const EV_CURRENT: u32 = 1;
/// `ET_EXEC`: an executable linked at fixed addresses.
pub(crate) const ET_EXEC: u16 = 2;
/// `ET_DYN`: a shared object or position-independent executable.
pub(crate) const ET_DYN: u16 = 3;
/// `EM_386`: Intel 80386.
pub(crate) const EM_386: u16 = 3;
/// `EM_X86_64`: AMD x86-64.
pub(crate) const EM_X86_64: u16 = 62;
/// `PT_LOAD`: a program header describing a loadable segment.
pub(crate) const PT_LOAD: u32 = 1;
/// `PF_X`: the segment is executable.
pub(crate) const PF_X: u32 = 1;
/// `PF_W`: the segment is writable.
pub(crate) const PF_W: u32 = 2;
/// `PF_R`: the segment is readable.
pub(crate) const PF_R: u32 = 4;

/// Offset of `e_type` (both classes).
pub(crate) const E_TYPE: usize = 16;
/// Offset of `e_machine` (both classes).
pub(crate) const E_MACHINE: usize = 18;
/// Offset of `e_version` (both classes).
pub(crate) const E_VERSION: usize = 20;
/// Offset of `e_entry` (both classes; 4 or 8 bytes wide).
pub(crate) const E_ENTRY: usize = 24;

/// Most program headers an image may have. Real guests have a handful; the
/// bound keeps validation cheap and lets callers size fixed arrays.
pub const MAX_PROGRAM_HEADERS: u16 = 64;

/// The ELF class: whether addresses and offsets in the file are 32 or 64 bits
/// wide. ELF32 images are i386 guests (such as real-mode or protected-mode
/// boot code), ELF64 images x86-64 guests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfClass {
    /// `ELFCLASS32`, machine i386 (3).
    Elf32,
    /// `ELFCLASS64`, machine x86-64 (62).
    Elf64,
}

impl ElfClass {
    /// The class named by `EI_CLASS`, if it is one.
    pub(crate) fn from_ident(byte: u8) -> Option<Self> {
        match byte {
            CLASS_32 => Some(Self::Elf32),
            CLASS_64 => Some(Self::Elf64),
            _ => None,
        }
    }

    /// The `EI_CLASS` byte of this class.
    #[cfg(test)]
    pub(crate) fn ident(self) -> u8 {
        match self {
            Self::Elf32 => CLASS_32,
            Self::Elf64 => CLASS_64,
        }
    }

    /// The only `e_machine` accepted for this class.
    pub(crate) fn machine(self) -> u16 {
        match self {
            Self::Elf32 => EM_386,
            Self::Elf64 => EM_X86_64,
        }
    }

    /// Size of the file header (`e_ehsize`).
    pub(crate) fn header_len(self) -> usize {
        match self {
            Self::Elf32 => 52,
            Self::Elf64 => 64,
        }
    }

    /// Size of one program header (`e_phentsize`).
    pub(crate) fn program_header_len(self) -> usize {
        match self {
            Self::Elf32 => 32,
            Self::Elf64 => 56,
        }
    }

    /// Width of an address or offset field, in bytes.
    pub(crate) fn word_len(self) -> usize {
        match self {
            Self::Elf32 => 4,
            Self::Elf64 => 8,
        }
    }

    /// Offset of `e_phoff`.
    pub(crate) fn e_phoff(self) -> usize {
        match self {
            Self::Elf32 => 28,
            Self::Elf64 => 32,
        }
    }

    /// Offset of `e_ehsize`; `e_phentsize` and `e_phnum` follow it.
    pub(crate) fn e_ehsize(self) -> usize {
        match self {
            Self::Elf32 => 40,
            Self::Elf64 => 52,
        }
    }

    /// Offset of `e_phentsize`.
    pub(crate) fn e_phentsize(self) -> usize {
        self.e_ehsize() + 2
    }

    /// Offset of `e_phnum`.
    pub(crate) fn e_phnum(self) -> usize {
        self.e_ehsize() + 4
    }

    /// The end of the address space, exclusive, if it is below 2^64: a
    /// segment of an ELF32 image must end at or below 4 GiB.
    pub(crate) fn address_limit(self) -> Option<u64> {
        match self {
            Self::Elf32 => Some(1 << 32),
            Self::Elf64 => None,
        }
    }

    /// Reads an address or offset field (`Elf32_Addr`/`Elf64_Addr`) at `at`.
    pub(crate) fn word_at(self, bytes: &[u8], at: usize) -> Option<u64> {
        match self {
            Self::Elf32 => u32_at(bytes, at).map(u64::from),
            Self::Elf64 => u64_at(bytes, at),
        }
    }
}

impl fmt::Display for ElfClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Elf32 => "ELF32",
            Self::Elf64 => "ELF64",
        })
    }
}

/// The common name of ELF machine `machine`, for messages.
pub(crate) fn machine_name(machine: u16) -> &'static str {
    match machine {
        0 => "none",
        2 => "SPARC",
        EM_386 => "i386",
        8 => "MIPS",
        20 => "PowerPC",
        21 => "PowerPC64",
        22 => "S/390",
        40 => "ARM",
        43 => "SPARC V9",
        50 => "IA-64",
        EM_X86_64 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        258 => "LoongArch",
        _ => "unknown",
    }
}

/// `N` bytes at `at`, or `None` if they lie (partly) outside `bytes`.
fn array_at<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    bytes.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// The little-endian `u16` at `at`.
pub(crate) fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    array_at(bytes, at).map(u16::from_le_bytes)
}

/// The little-endian `u32` at `at`.
pub(crate) fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    array_at(bytes, at).map(u32::from_le_bytes)
}

/// The little-endian `u64` at `at`.
pub(crate) fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    array_at(bytes, at).map(u64::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_are_little_endian_and_bounds_checked() {
        let bytes = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(u16_at(&bytes, 0), Some(0x0201));
        assert_eq!(u32_at(&bytes, 1), Some(0x0504_0302));
        assert_eq!(u64_at(&bytes, 1), Some(0x0908_0706_0504_0302));
        assert_eq!(u64_at(&bytes, 2), None);
        assert_eq!(u16_at(&bytes, 8), None);
        assert_eq!(u16_at(&bytes, usize::MAX), None);
    }

    #[test]
    fn word_width_follows_the_class() {
        let bytes = [0xff; 8];
        assert_eq!(ElfClass::Elf32.word_at(&bytes, 0), Some(0xffff_ffff));
        assert_eq!(ElfClass::Elf64.word_at(&bytes, 0), Some(u64::MAX));
        assert_eq!(ElfClass::Elf64.word_at(&bytes, 1), None);
    }

    #[test]
    fn header_field_offsets_match_the_elf_spec() {
        // e_phnum is the third-to-last u16 before the section-header fields.
        assert_eq!(ElfClass::Elf32.e_phnum(), 44);
        assert_eq!(ElfClass::Elf64.e_phnum(), 56);
        assert_eq!(ElfClass::Elf32.e_phentsize() + 8, ElfClass::Elf32.header_len() - 2);
        assert_eq!(ElfClass::Elf64.e_phentsize() + 8, ElfClass::Elf64.header_len() - 2);
        assert_eq!(ElfClass::from_ident(1), Some(ElfClass::Elf32));
        assert_eq!(ElfClass::from_ident(3), None);
        assert_eq!(ElfClass::Elf64.to_string(), "ELF64");
    }
}
