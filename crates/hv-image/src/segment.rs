//! Loadable segments: what one `PT_LOAD` program header says to put in memory,
//! and decoding a program header of either class into that form.
//!
//! ELF32 and ELF64 order the program-header fields differently; after
//! decoding, both are the same [`Segment`] with 64-bit fields, so the rest of
//! the crate never looks at the class again.

use core::ops::Range;

use crate::format::{u32_at, ElfClass, PF_R, PF_W, PF_X};

/// A segment's access permissions (`p_flags`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SegmentFlags {
    /// `PF_R`: readable.
    pub read: bool,
    /// `PF_W`: writable.
    pub write: bool,
    /// `PF_X`: executable.
    pub execute: bool,
}

impl SegmentFlags {
    /// Decodes `p_flags`; bits other than `PF_R`, `PF_W` and `PF_X` are ignored.
    #[must_use]
    pub fn from_bits(p_flags: u32) -> Self {
        Self { read: p_flags & PF_R != 0, write: p_flags & PF_W != 0, execute: p_flags & PF_X != 0 }
    }
}

/// One loadable (`PT_LOAD`) segment of a parsed image.
///
/// Segments yielded by [`ElfImage::segments`](crate::ElfImage::segments) are
/// validated: the file range lies inside the image, `file_size <= mem_size`,
/// and `paddr + mem_size` does not overflow the image's address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Index of the program header in the table, counting every header (not
    /// only `PT_LOAD` ones), as `readelf -l` numbers segments.
    pub index: usize,
    /// `p_paddr`: the guest-physical address the segment is loaded at.
    pub paddr: u64,
    /// `p_vaddr`: the address the code was linked to run at. Guests run
    /// identity-mapped, so for a correctly linked guest this equals `paddr`.
    pub vaddr: u64,
    /// `p_offset`: where the segment's bytes start in the file.
    pub file_offset: u64,
    /// `p_filesz`: how many bytes come from the file.
    pub file_size: u64,
    /// `p_memsz`: how many bytes the segment occupies in memory; the part
    /// beyond `file_size` (the `.bss` tail) is zero-filled.
    pub mem_size: u64,
    /// `p_flags`.
    pub flags: SegmentFlags,
}

impl Segment {
    /// The guest-physical range the segment occupies, `paddr..paddr + mem_size`
    /// (saturating at `u64::MAX`, which a validated segment never reaches).
    #[must_use]
    pub fn memory_range(&self) -> Range<u64> {
        self.paddr..self.paddr.saturating_add(self.mem_size)
    }

    /// Length of the zero-filled tail, `mem_size - file_size` (0 if the
    /// segment is malformed and `file_size` is larger).
    #[must_use]
    pub fn zero_fill_len(&self) -> u64 {
        self.mem_size.saturating_sub(self.file_size)
    }
}

/// A decoded program header: its `p_type` and the segment it describes
/// (meaningful only when `p_type` is `PT_LOAD`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProgramHeader {
    /// `p_type`.
    pub(crate) p_type: u32,
    /// The fields as a segment.
    pub(crate) segment: Segment,
}

impl ProgramHeader {
    /// Decodes program header `index` of a table at `table` in `bytes`, or
    /// `None` if it lies (partly) outside `bytes`.
    pub(crate) fn decode(bytes: &[u8], class: ElfClass, table: usize, index: usize) -> Option<Self> {
        let len = class.program_header_len();
        let at = table.checked_add(index.checked_mul(len)?)?;
        // Slice the header out first: every offset below is small and
        // relative to it, so none can overflow.
        let header = bytes.get(at..at.checked_add(len)?)?;
        let word = |field: usize| class.word_at(header, field);
        let p_type = u32_at(header, 0)?;
        // Field offsets within the header, per class (ELF64 moves p_flags up
        // to keep the 8-byte fields aligned).
        let (flags_at, offset_at) = match class {
            ElfClass::Elf32 => (24, 4),
            ElfClass::Elf64 => (4, 8),
        };
        let w = class.word_len();
        let segment = Segment {
            index,
            file_offset: word(offset_at)?,
            vaddr: word(offset_at + w)?,
            paddr: word(offset_at + 2 * w)?,
            file_size: word(offset_at + 3 * w)?,
            mem_size: word(offset_at + 4 * w)?,
            flags: SegmentFlags::from_bits(u32_at(header, flags_at)?),
        };
        Some(Self { p_type, segment })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(bytes: &mut [u8], at: usize, value: &[u8]) {
        bytes[at..at + value.len()].copy_from_slice(value);
    }

    #[test]
    fn decodes_elf64_layout() {
        let mut bytes = [0u8; 8 + 56];
        let at = 8;
        put(&mut bytes, at, &1u32.to_le_bytes());
        put(&mut bytes, at + 4, &(PF_R | PF_X).to_le_bytes());
        put(&mut bytes, at + 8, &0x1000u64.to_le_bytes());
        put(&mut bytes, at + 16, &0xffff_8000_0000_0000u64.to_le_bytes());
        put(&mut bytes, at + 24, &0x20_0000u64.to_le_bytes());
        put(&mut bytes, at + 32, &0x123u64.to_le_bytes());
        put(&mut bytes, at + 40, &0x456u64.to_le_bytes());
        let header = ProgramHeader::decode(&bytes, ElfClass::Elf64, at, 0).expect("in bounds");
        assert_eq!(header.p_type, 1);
        let s = header.segment;
        assert_eq!(
            (s.file_offset, s.vaddr, s.paddr, s.file_size, s.mem_size),
            (0x1000, 0xffff_8000_0000_0000, 0x20_0000, 0x123, 0x456)
        );
        assert_eq!(s.flags, SegmentFlags { read: true, write: false, execute: true });
        assert_eq!(s.memory_range(), 0x20_0000..0x20_0456);
        assert_eq!(s.zero_fill_len(), 0x333);
        // One byte short of the header: refused, not a panic.
        assert!(ProgramHeader::decode(&bytes[..bytes.len() - 1], ElfClass::Elf64, at, 0).is_none());
        assert!(ProgramHeader::decode(&bytes, ElfClass::Elf64, at, 1).is_none());
        assert!(ProgramHeader::decode(&bytes, ElfClass::Elf64, usize::MAX, 0).is_none());
    }

    #[test]
    fn decodes_elf32_layout() {
        let mut bytes = [0u8; 2 * 32];
        let at = 32; // the second header of a table at 0
        put(&mut bytes, at, &1u32.to_le_bytes());
        put(&mut bytes, at + 4, &0x200u32.to_le_bytes());
        put(&mut bytes, at + 8, &0x7c00u32.to_le_bytes());
        put(&mut bytes, at + 12, &0x7e00u32.to_le_bytes());
        put(&mut bytes, at + 16, &0x100u32.to_le_bytes());
        put(&mut bytes, at + 20, &0x300u32.to_le_bytes());
        put(&mut bytes, at + 24, &(PF_R | PF_W).to_le_bytes());
        let header = ProgramHeader::decode(&bytes, ElfClass::Elf32, 0, 1).expect("in bounds");
        let s = header.segment;
        assert_eq!(s.index, 1);
        assert_eq!((s.file_offset, s.vaddr, s.paddr, s.file_size, s.mem_size), (0x200, 0x7c00, 0x7e00, 0x100, 0x300));
        assert_eq!(s.flags, SegmentFlags { read: true, write: true, execute: false });
    }

    #[test]
    fn unknown_flag_bits_are_ignored() {
        assert_eq!(SegmentFlags::from_bits(0xf000_0000), SegmentFlags::default());
        assert!(SegmentFlags::from_bits(0xf000_0000 | PF_X).execute);
    }
}
