//! Parsing an ELF executable: validate the header and every loadable segment
//! once in [`ElfImage::parse`], then hand out segments known to be sound.
//!
//! Validation here concerns the file alone (is it an x86 executable, does
//! everything it points at lie inside it, are its sizes and addresses
//! consistent). Whether it fits a particular partition is [`plan`](crate::plan)'s
//! job.

use crate::error::ImageError;
use crate::format::{
    u16_at, u32_at, ElfClass, DATA_LITTLE_ENDIAN, EI_CLASS, EI_DATA, EI_VERSION, EM_386, EM_X86_64, ET_DYN, ET_EXEC,
    EV_CURRENT, E_ENTRY, E_MACHINE, E_TYPE, E_VERSION, IDENT_LEN, MAGIC, MAX_PROGRAM_HEADERS, PT_LOAD,
};
use crate::segment::{ProgramHeader, Segment};

/// A validated ELF executable borrowed from its bytes.
#[derive(Clone, Copy, Debug)]
pub struct ElfImage<'a> {
    bytes: &'a [u8],
    class: ElfClass,
    entry: u64,
    /// Offset of the program header table; in bounds.
    table: usize,
    /// Number of program headers; at most [`MAX_PROGRAM_HEADERS`].
    count: usize,
}

impl<'a> ElfImage<'a> {
    /// Validates `bytes` as a statically linked little-endian x86-64 (ELF64)
    /// or i386 (ELF32) executable.
    ///
    /// Checks the identification bytes, `e_type` (`ET_EXEC` only;
    /// position-independent `ET_DYN` images are refused), `e_machine`
    /// against the class, `e_version`, the header and program-header sizes,
    /// that the program header table lies inside `bytes` and has at most
    /// [`MAX_PROGRAM_HEADERS`] entries, and for every `PT_LOAD` header that
    /// its file bytes lie inside `bytes`, `p_filesz <= p_memsz`, and
    /// `p_paddr + p_memsz` stays inside the address space. At least one
    /// `PT_LOAD` header is required; other program headers are ignored.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ImageError> {
        let len = bytes.len() as u64;
        if bytes.iter().zip(MAGIC).any(|(&byte, magic)| byte != magic) {
            return Err(ImageError::BadMagic);
        }
        let truncated = |what, needed: usize| ImageError::Truncated { what, needed: needed as u64, len };
        let ident = bytes.get(..IDENT_LEN).ok_or_else(|| truncated("ELF identification", IDENT_LEN))?;
        let class = ElfClass::from_ident(ident[EI_CLASS]).ok_or(ImageError::BadClass(ident[EI_CLASS]))?;
        if ident[EI_DATA] != DATA_LITTLE_ENDIAN {
            return Err(ImageError::NotLittleEndian(ident[EI_DATA]));
        }
        if u32::from(ident[EI_VERSION]) != EV_CURRENT {
            return Err(ImageError::BadVersion(ident[EI_VERSION].into()));
        }
        let header = bytes.get(..class.header_len()).ok_or_else(|| truncated("ELF header", class.header_len()))?;
        // `header` has the full length of the class's header, so every field
        // read below is present; the fallbacks are unreachable.
        let half = |at| u16_at(header, at).unwrap_or(0);
        let word = |at| class.word_at(header, at).unwrap_or(0);

        match half(E_TYPE) {
            ET_EXEC => {}
            ET_DYN => return Err(ImageError::PositionIndependent),
            other => return Err(ImageError::NotExecutable(other)),
        }
        let machine = half(E_MACHINE);
        if machine != class.machine() {
            return Err(if machine == EM_386 || machine == EM_X86_64 {
                ImageError::ClassMachineMismatch { class, machine }
            } else {
                ImageError::WrongMachine(machine)
            });
        }
        let version = u32_at(header, E_VERSION).unwrap_or(0);
        if version != EV_CURRENT {
            return Err(ImageError::BadVersion(version));
        }
        let ehsize = half(class.e_ehsize());
        if usize::from(ehsize) != class.header_len() {
            return Err(ImageError::BadHeaderSize { class, found: ehsize });
        }
        let phnum = half(class.e_phnum());
        if phnum > MAX_PROGRAM_HEADERS {
            return Err(ImageError::TooManyProgramHeaders(phnum));
        }
        if phnum == 0 {
            return Err(ImageError::NoLoadableSegments);
        }
        let phentsize = half(class.e_phentsize());
        if usize::from(phentsize) != class.program_header_len() {
            return Err(ImageError::BadProgramHeaderSize { class, found: phentsize });
        }
        let phoff = word(class.e_phoff());
        let table_len = u64::from(phnum) * u64::from(phentsize);
        let table = usize::try_from(phoff)
            .ok()
            .filter(|_| phoff.checked_add(table_len).is_some_and(|end| end <= len))
            .ok_or(ImageError::ProgramHeadersOutOfFile { offset: phoff, count: phnum, len })?;

        let image = Self { bytes, class, entry: word(E_ENTRY), table, count: usize::from(phnum) };
        let mut loads = 0;
        for index in 0..image.count {
            let header = image.program_header(index);
            if header.p_type == PT_LOAD {
                check_segment(&header.segment, class, len)?;
                loads += 1;
            }
        }
        if loads == 0 {
            return Err(ImageError::NoLoadableSegments);
        }
        Ok(image)
    }

    /// Whether the image is ELF32 (i386) or ELF64 (x86-64).
    #[must_use]
    pub fn class(&self) -> ElfClass {
        self.class
    }

    /// `e_entry`: the address execution starts at.
    #[must_use]
    pub fn entry(&self) -> u64 {
        self.entry
    }

    /// The loadable (`PT_LOAD`) segments, in program-header order.
    pub fn segments(&self) -> impl Iterator<Item = Segment> + '_ {
        (0..self.count).map(|index| self.program_header(index)).filter(|h| h.p_type == PT_LOAD).map(|h| h.segment)
    }

    /// The file bytes of `segment`, which must come from this image's
    /// [`segments`](Self::segments) (for any other segment the result is
    /// empty if its range lies outside the file).
    pub(crate) fn file_bytes(&self, segment: &Segment) -> &'a [u8] {
        let bytes: &'a [u8] = self.bytes;
        let range = usize::try_from(segment.file_offset)
            .ok()
            .and_then(|start| Some(start..start.checked_add(usize::try_from(segment.file_size).ok()?)?));
        range.and_then(|range| bytes.get(range)).unwrap_or(&[])
    }

    /// Decodes program header `index`. `parse` checked that the whole table
    /// lies inside the bytes, so decoding cannot fail; the fallback (a
    /// non-`PT_LOAD` header) is unreachable.
    fn program_header(&self, index: usize) -> ProgramHeader {
        ProgramHeader::decode(self.bytes, self.class, self.table, index).unwrap_or(ProgramHeader {
            p_type: 0,
            segment: Segment {
                index,
                paddr: 0,
                vaddr: 0,
                file_offset: 0,
                file_size: 0,
                mem_size: 0,
                flags: crate::SegmentFlags::default(),
            },
        })
    }
}

/// Checks one `PT_LOAD` segment against a file of `len` bytes.
fn check_segment(segment: &Segment, class: ElfClass, len: u64) -> Result<(), ImageError> {
    let &Segment { index, paddr, file_offset, file_size, mem_size, .. } = segment;
    if file_offset.checked_add(file_size).is_none_or(|end| end > len) {
        return Err(ImageError::SegmentOutOfFile { index, offset: file_offset, size: file_size, len });
    }
    if file_size > mem_size {
        return Err(ImageError::FileSizeExceedsMemSize { index, file_size, mem_size });
    }
    let end = paddr.checked_add(mem_size);
    if end.is_none_or(|end| class.address_limit().is_some_and(|limit| end > limit)) {
        return Err(ImageError::AddressOverflow { index, paddr, mem_size });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_elf::{field_offsets, put, put_word, TestElf, R, W, X};
    use crate::SegmentFlags;

    const TEXT: &[u8] = &[0x90, 0x90, 0xf4, 0xeb, 0xfd];

    fn elf64() -> TestElf {
        TestElf::new(ElfClass::Elf64, 0x20_0000).load(0x20_0000, R | X, TEXT, 0x1000).load(
            0x20_1000,
            R | W,
            &[1, 2, 3, 4],
            0x2000,
        )
    }

    fn elf32() -> TestElf {
        TestElf::new(ElfClass::Elf32, 0x7c00).load(0x7c00, R | W | X, &[0xfa, 0xf4, 0xeb, 0xfd], 0x200)
    }

    #[test]
    fn parses_an_elf64_executable() {
        let bytes = elf64().build();
        let image = ElfImage::parse(&bytes).expect("valid");
        assert_eq!(image.class(), ElfClass::Elf64);
        assert_eq!(image.entry(), 0x20_0000);
        let segments: Vec<Segment> = image.segments().collect();
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[0].paddr, 0x20_0000);
        assert_eq!(segments[0].vaddr, 0x20_0000);
        assert_eq!(segments[0].file_size, TEXT.len() as u64);
        assert_eq!(segments[0].mem_size, 0x1000);
        assert_eq!(segments[0].flags, SegmentFlags { read: true, write: false, execute: true });
        assert_eq!(image.file_bytes(&segments[0]), TEXT);
        assert_eq!(segments[1].index, 1);
        assert_eq!(segments[1].flags, SegmentFlags { read: true, write: true, execute: false });
        assert_eq!(image.file_bytes(&segments[1]), &[1, 2, 3, 4]);
    }

    #[test]
    fn parses_an_elf32_executable() {
        let bytes = elf32().build();
        let image = ElfImage::parse(&bytes).expect("valid");
        assert_eq!(image.class(), ElfClass::Elf32);
        assert_eq!(image.entry(), 0x7c00);
        let segment = image.segments().next().expect("one segment");
        assert_eq!((segment.paddr, segment.file_size, segment.mem_size), (0x7c00, 4, 0x200));
        assert_eq!(image.file_bytes(&segment), &[0xfa, 0xf4, 0xeb, 0xfd]);
    }

    #[test]
    fn only_load_segments_are_yielded_and_keep_their_header_index() {
        const PT_NOTE: u32 = 4;
        const PT_GNU_STACK: u32 = 0x6474_e551;
        let bytes = TestElf::new(ElfClass::Elf64, 0x20_0000)
            .other(PT_NOTE)
            .load(0x20_0000, R | X, TEXT, 0x1000)
            .other(PT_GNU_STACK)
            .build();
        let image = ElfImage::parse(&bytes).expect("valid");
        let indices: Vec<usize> = image.segments().map(|s| s.index).collect();
        assert_eq!(indices, [1]);
    }

    #[test]
    fn every_truncation_is_rejected_without_panicking() {
        for elf in [elf64(), elf32()] {
            let bytes = elf.build();
            for cut in 0..bytes.len() {
                assert!(ElfImage::parse(&bytes[..cut]).is_err(), "accepted an image cut at {cut}");
            }
        }
        assert!(matches!(
            ElfImage::parse(&elf64().build()[..40]),
            Err(ImageError::Truncated { what: "ELF header", needed: 64, len: 40 })
        ));
        assert_eq!(
            ElfImage::parse(&[0x7f, b'E']).unwrap_err(),
            ImageError::Truncated { what: "ELF identification", needed: 16, len: 2 }
        );
    }

    #[test]
    fn identification_errors_are_named() {
        let mut bytes = elf64().build();
        bytes[1] = b'e';
        assert_eq!(ElfImage::parse(&bytes).unwrap_err(), ImageError::BadMagic);
        assert_eq!(ElfImage::parse(b"MZ").unwrap_err(), ImageError::BadMagic);
        let mut bytes = elf64().build();
        bytes[EI_CLASS] = 3;
        assert_eq!(ElfImage::parse(&bytes).unwrap_err(), ImageError::BadClass(3));
        let mut bytes = elf64().build();
        bytes[EI_DATA] = 2;
        assert_eq!(ElfImage::parse(&bytes).unwrap_err(), ImageError::NotLittleEndian(2));
        let mut bytes = elf64().build();
        bytes[EI_VERSION] = 0;
        assert_eq!(ElfImage::parse(&bytes).unwrap_err(), ImageError::BadVersion(0));
        let mut bytes = elf64().build();
        put(&mut bytes, E_VERSION, &7u32.to_le_bytes());
        assert_eq!(ElfImage::parse(&bytes).unwrap_err(), ImageError::BadVersion(7));
    }

    #[test]
    fn wrong_class_for_the_machine_is_rejected() {
        // An ELF32 file for x86-64 (the x32 ABI) and an ELF64 file for i386.
        let mut elf = elf32();
        elf.machine = EM_X86_64;
        assert_eq!(
            ElfImage::parse(&elf.build()).unwrap_err(),
            ImageError::ClassMachineMismatch { class: ElfClass::Elf32, machine: EM_X86_64 }
        );
        let mut elf = elf64();
        elf.machine = EM_386;
        assert_eq!(
            ElfImage::parse(&elf.build()).unwrap_err(),
            ImageError::ClassMachineMismatch { class: ElfClass::Elf64, machine: EM_386 }
        );
        // Flipping only the class byte of a valid file is caught too.
        let mut bytes = elf64().build();
        bytes[EI_CLASS] = 1;
        assert!(ElfImage::parse(&bytes).is_err());
    }

    #[test]
    fn wrong_machine_and_type_are_rejected() {
        let mut elf = elf64();
        elf.machine = 40;
        assert_eq!(ElfImage::parse(&elf.build()).unwrap_err(), ImageError::WrongMachine(40));
        let mut elf = elf64();
        elf.e_type = ET_DYN;
        assert_eq!(ElfImage::parse(&elf.build()).unwrap_err(), ImageError::PositionIndependent);
        let mut elf = elf32();
        elf.e_type = 1;
        assert_eq!(ElfImage::parse(&elf.build()).unwrap_err(), ImageError::NotExecutable(1));
    }

    #[test]
    fn header_sizes_are_checked() {
        let class = ElfClass::Elf64;
        let mut bytes = elf64().build();
        put(&mut bytes, class.e_ehsize(), &52u16.to_le_bytes());
        assert_eq!(ElfImage::parse(&bytes).unwrap_err(), ImageError::BadHeaderSize { class, found: 52 });
        let mut bytes = elf64().build();
        put(&mut bytes, class.e_phentsize(), &32u16.to_le_bytes());
        assert_eq!(ElfImage::parse(&bytes).unwrap_err(), ImageError::BadProgramHeaderSize { class, found: 32 });
    }

    #[test]
    fn program_header_count_is_bounded() {
        for class in [ElfClass::Elf32, ElfClass::Elf64] {
            let elf = if class == ElfClass::Elf32 { elf32() } else { elf64() };
            let mut bytes = elf.build();
            put(&mut bytes, class.e_phnum(), &65u16.to_le_bytes());
            assert_eq!(ElfImage::parse(&bytes).unwrap_err(), ImageError::TooManyProgramHeaders(65));
            put(&mut bytes, class.e_phnum(), &0xffffu16.to_le_bytes()); // PN_XNUM
            assert_eq!(ElfImage::parse(&bytes).unwrap_err(), ImageError::TooManyProgramHeaders(0xffff));
            put(&mut bytes, class.e_phnum(), &0u16.to_le_bytes());
            assert_eq!(ElfImage::parse(&bytes).unwrap_err(), ImageError::NoLoadableSegments);
        }
        // 64 headers is the limit, and accepted.
        let mut elf = TestElf::new(ElfClass::Elf64, 0x20_0000).load(0x20_0000, R | X, TEXT, 0x1000);
        for _ in 1..MAX_PROGRAM_HEADERS {
            elf = elf.other(4);
        }
        assert!(ElfImage::parse(&elf.build()).is_ok());
    }

    #[test]
    fn a_file_without_load_segments_is_rejected() {
        let bytes = TestElf::new(ElfClass::Elf64, 0).other(4).build();
        assert_eq!(ElfImage::parse(&bytes).unwrap_err(), ImageError::NoLoadableSegments);
    }

    #[test]
    fn program_header_table_must_lie_in_the_file() {
        let class = ElfClass::Elf64;
        let bytes = elf64().build();
        let len = bytes.len() as u64;
        for phoff in [len - 56, len, u64::MAX - 8, u64::MAX] {
            let mut bytes = bytes.clone();
            put_word(&mut bytes, class, class.e_phoff(), phoff);
            assert_eq!(
                ElfImage::parse(&bytes).unwrap_err(),
                ImageError::ProgramHeadersOutOfFile { offset: phoff, count: 2, len },
                "e_phoff {phoff:#x}"
            );
        }
        let class = ElfClass::Elf32;
        let mut bytes = elf32().build();
        put_word(&mut bytes, class, class.e_phoff(), u64::from(u32::MAX));
        assert!(matches!(ElfImage::parse(&bytes), Err(ImageError::ProgramHeadersOutOfFile { .. })));
    }

    #[test]
    fn segment_file_range_must_lie_in_the_file() {
        for elf in [elf64(), elf32()] {
            let class = elf.class;
            let at = elf.program_header_at(0);
            let (offset_at, _, filesz_at, _) = field_offsets(class);
            let bytes = elf.build();
            let len = bytes.len() as u64;
            let max = if class == ElfClass::Elf32 { u64::from(u32::MAX) } else { u64::MAX };

            let mut past_end = bytes.clone();
            put_word(&mut past_end, class, at + offset_at, len - 2);
            assert!(matches!(
                ElfImage::parse(&past_end),
                Err(ImageError::SegmentOutOfFile { index: 0, size: 5 | 4, .. })
            ));
            // p_offset + p_filesz wrapping around must not pass as small.
            let mut wrapping = bytes.clone();
            put_word(&mut wrapping, class, at + offset_at, max);
            put_word(&mut wrapping, class, at + filesz_at, 2);
            assert!(matches!(ElfImage::parse(&wrapping), Err(ImageError::SegmentOutOfFile { index: 0, .. })));
        }
    }

    #[test]
    fn file_size_may_not_exceed_mem_size() {
        let elf = elf64();
        let (_, _, _, memsz_at) = field_offsets(elf.class);
        let mut bytes = elf.build();
        put_word(&mut bytes, elf.class, elf.program_header_at(1) + memsz_at, 3);
        assert_eq!(
            ElfImage::parse(&bytes).unwrap_err(),
            ImageError::FileSizeExceedsMemSize { index: 1, file_size: 4, mem_size: 3 }
        );
    }

    #[test]
    fn segment_end_may_not_overflow_the_address_space() {
        let elf = elf64();
        let (_, paddr_at, _, _) = field_offsets(elf.class);
        let mut bytes = elf.build();
        put_word(&mut bytes, elf.class, elf.program_header_at(0) + paddr_at, u64::MAX - 0x10);
        assert_eq!(
            ElfImage::parse(&bytes).unwrap_err(),
            ImageError::AddressOverflow { index: 0, paddr: u64::MAX - 0x10, mem_size: 0x1000 }
        );
        // Ending exactly at 2^64 - 1 is fine as far as the file goes.
        let mut bytes = elf.build();
        put_word(&mut bytes, elf.class, elf.program_header_at(0) + paddr_at, u64::MAX - 0x1000);
        assert!(ElfImage::parse(&bytes).is_ok());
        // ELF32 segments must end at or below 4 GiB.
        let elf = elf32();
        let (_, paddr_at, _, _) = field_offsets(elf.class);
        let mut bytes = elf.build();
        put_word(&mut bytes, elf.class, elf.program_header_at(0) + paddr_at, 0xffff_ff00);
        assert!(matches!(ElfImage::parse(&bytes), Err(ImageError::AddressOverflow { index: 0, .. })));
        put_word(&mut bytes, elf.class, elf.program_header_at(0) + paddr_at, 0xffff_fe00);
        assert!(ElfImage::parse(&bytes).is_ok());
    }

    #[test]
    fn malformed_non_load_headers_are_ignored() {
        // A PT_NOTE whose fields point nowhere is not loaded, so not checked.
        let elf = TestElf::new(ElfClass::Elf64, 0x20_0000).other(4).load(0x20_0000, R | X, TEXT, 0x1000);
        let (offset_at, _, filesz_at, _) = field_offsets(elf.class);
        let mut bytes = elf.build();
        put_word(&mut bytes, elf.class, elf.program_header_at(0) + offset_at, u64::MAX);
        put_word(&mut bytes, elf.class, elf.program_header_at(0) + filesz_at, u64::MAX);
        assert!(ElfImage::parse(&bytes).is_ok());
    }
}
