//! Test-only builder of ELF images, so tests construct exactly the file they
//! need (and corrupt it field by field) instead of depending on a toolchain.
//!
//! The layout is: file header, program header table right after it, then
//! each segment's file bytes in order with no padding. The file ends at the
//! last byte of segment data, so every proper prefix of it is truncated.

use crate::format::{ElfClass, ET_EXEC, EV_CURRENT, MAGIC, PT_LOAD};

pub(crate) use crate::format::{PF_R as R, PF_W as W, PF_X as X};

/// One program header and its file bytes.
pub(crate) struct TestSegment {
    /// `p_type`.
    pub(crate) p_type: u32,
    /// `p_paddr`.
    pub(crate) paddr: u64,
    /// `p_vaddr`.
    pub(crate) vaddr: u64,
    /// `p_flags`.
    pub(crate) flags: u32,
    /// The file bytes (`p_filesz` is their length).
    pub(crate) data: Vec<u8>,
    /// `p_memsz`.
    pub(crate) mem_size: u64,
}

/// An ELF file to be built.
pub(crate) struct TestElf {
    /// The class.
    pub(crate) class: ElfClass,
    /// `e_machine`.
    pub(crate) machine: u16,
    /// `e_type`.
    pub(crate) e_type: u16,
    /// `e_entry`.
    pub(crate) entry: u64,
    /// The program headers, in table order.
    pub(crate) segments: Vec<TestSegment>,
}

impl TestElf {
    /// An executable of `class` for its machine, entering at `entry`, with no
    /// segments yet.
    pub(crate) fn new(class: ElfClass, entry: u64) -> Self {
        Self { class, machine: class.machine(), e_type: ET_EXEC, entry, segments: Vec::new() }
    }

    /// Adds a `PT_LOAD` segment identity-mapped at `paddr`.
    pub(crate) fn load(mut self, paddr: u64, flags: u32, data: &[u8], mem_size: u64) -> Self {
        self.segments.push(TestSegment { p_type: PT_LOAD, paddr, vaddr: paddr, flags, data: data.to_vec(), mem_size });
        self
    }

    /// Adds a program header of another type, with no file bytes.
    pub(crate) fn other(mut self, p_type: u32) -> Self {
        self.segments.push(TestSegment { p_type, paddr: 0, vaddr: 0, flags: R, data: Vec::new(), mem_size: 0 });
        self
    }

    /// Offset of program header `index` in the built file.
    pub(crate) fn program_header_at(&self, index: usize) -> usize {
        self.class.header_len() + index * self.class.program_header_len()
    }

    /// Writes the file.
    pub(crate) fn build(&self) -> Vec<u8> {
        let class = self.class;
        let table = class.header_len();
        let data_start = table + self.segments.len() * class.program_header_len();
        let data_len: usize = self.segments.iter().map(|s| s.data.len()).sum();
        let mut out = vec![0u8; data_start + data_len];

        out[..4].copy_from_slice(&MAGIC);
        out[4] = class.ident();
        out[5] = 1; // little-endian
        out[6] = 1; // EV_CURRENT
        put(&mut out, 16, &self.e_type.to_le_bytes());
        put(&mut out, 18, &self.machine.to_le_bytes());
        put(&mut out, 20, &EV_CURRENT.to_le_bytes());
        put_word(&mut out, class, 24, self.entry);
        put_word(&mut out, class, class.e_phoff(), u64::try_from(table).expect("fits"));
        put(&mut out, class.e_ehsize(), &u16::try_from(class.header_len()).expect("fits").to_le_bytes());
        put(&mut out, class.e_phentsize(), &u16::try_from(class.program_header_len()).expect("fits").to_le_bytes());
        put(&mut out, class.e_phnum(), &u16::try_from(self.segments.len()).expect("fits").to_le_bytes());

        let mut offset = data_start;
        for (index, segment) in self.segments.iter().enumerate() {
            let at = self.program_header_at(index);
            let file_size = u64::try_from(segment.data.len()).expect("fits");
            let offset_word = u64::try_from(offset).expect("fits");
            put(&mut out, at, &segment.p_type.to_le_bytes());
            match class {
                ElfClass::Elf32 => {
                    put_word(&mut out, class, at + 4, offset_word);
                    put_word(&mut out, class, at + 8, segment.vaddr);
                    put_word(&mut out, class, at + 12, segment.paddr);
                    put_word(&mut out, class, at + 16, file_size);
                    put_word(&mut out, class, at + 20, segment.mem_size);
                    put(&mut out, at + 24, &segment.flags.to_le_bytes());
                    put_word(&mut out, class, at + 28, 0x1000);
                }
                ElfClass::Elf64 => {
                    put(&mut out, at + 4, &segment.flags.to_le_bytes());
                    put_word(&mut out, class, at + 8, offset_word);
                    put_word(&mut out, class, at + 16, segment.vaddr);
                    put_word(&mut out, class, at + 24, segment.paddr);
                    put_word(&mut out, class, at + 32, file_size);
                    put_word(&mut out, class, at + 40, segment.mem_size);
                    put_word(&mut out, class, at + 48, 0x1000);
                }
            }
            put(&mut out, offset, &segment.data);
            offset += segment.data.len();
        }
        out
    }
}

/// Overwrites `bytes[at..]` with `value`.
pub(crate) fn put(bytes: &mut [u8], at: usize, value: &[u8]) {
    bytes[at..at + value.len()].copy_from_slice(value);
}

/// Overwrites the address-sized field at `at`; panics if `value` does not fit
/// an ELF32 field.
pub(crate) fn put_word(bytes: &mut [u8], class: ElfClass, at: usize, value: u64) {
    match class {
        ElfClass::Elf32 => put(bytes, at, &u32::try_from(value).expect("fits ELF32").to_le_bytes()),
        ElfClass::Elf64 => put(bytes, at, &value.to_le_bytes()),
    }
}

/// Offsets of the `p_offset`, `p_paddr`, `p_filesz` and `p_memsz` fields
/// within a program header of `class`.
pub(crate) fn field_offsets(class: ElfClass) -> (usize, usize, usize, usize) {
    match class {
        ElfClass::Elf32 => (4, 12, 16, 20),
        ElfClass::Elf64 => (8, 24, 32, 40),
    }
}
