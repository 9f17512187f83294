//! The Multiboot header (3.1): finding it in a kernel file and decoding its
//! fields.
//!
//! Layout (3.1.1), all little-endian `u32`: magic, flags, checksum at 0, 4,
//! 8; the address fields at 12-28 (valid when flag 16 is set); the graphics
//! fields at 32-44 (valid when flag 2 is set). The header lies 32-bit
//! aligned within the first [`HEADER_SEARCH_LEN`] bytes of the file, and
//! magic + flags + checksum is 0 modulo 2^32 (3.1.2).

/// The header's magic value (3.1.2).
pub const HEADER_MAGIC: u32 = 0x1BAD_B002;
/// The header must lie entirely within this many bytes of the file's start (3.1).
pub const HEADER_SEARCH_LEN: usize = 8192;
/// The Multiboot 2 header magic: a kernel for the other protocol, named in
/// the error so the user knows why no header was found.
const MULTIBOOT2_MAGIC: u32 = 0xE852_50D6;
/// How far into the file a misplaced header is still looked for, to explain
/// a missing one.
const HINT_SEARCH_LEN: usize = 64 * 1024;

/// The header's flag bits (3.1.2).
pub mod flags {
    /// Bit 0: modules must be page (4 KiB) aligned.
    pub const PAGE_ALIGN: u32 = 1 << 0;
    /// Bit 1: `mem_*` (at least) must be in the information structure.
    pub const MEMORY_INFO: u32 = 1 << 1;
    /// Bit 2: video mode information must be available.
    pub const VIDEO_MODE: u32 = 1 << 2;
    /// Bit 16: the address fields are valid and say where to load.
    pub const ADDRESS_FIELDS: u32 = 1 << 16;
    /// Bits 0-15: requirements; a boot loader that cannot fulfil one must
    /// refuse the kernel.
    pub const REQUIREMENTS: u32 = 0xFFFF;
    /// The requirements this hypervisor fulfils: bits 0, 1 and 2.
    pub const FULFILLED: u32 = PAGE_ALIGN | MEMORY_INFO | VIDEO_MODE;
}

/// The address fields (3.1.3), all physical addresses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddressFields {
    /// Where the header's first byte (the magic) is loaded.
    pub header_addr: u32,
    /// Where the text segment, the first byte loaded, goes.
    pub load_addr: u32,
    /// End of the data segment; 0: the file's end.
    pub load_end_addr: u32,
    /// End of the BSS, zeroed by the boot loader; 0: no BSS.
    pub bss_end_addr: u32,
    /// The first instruction.
    pub entry_addr: u32,
}

/// The graphics fields (3.1.4): the kernel's preferred mode, which the boot
/// loader may override.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VideoPreference {
    /// 0 linear graphics, 1 EGA text.
    pub mode_type: u32,
    /// Columns (pixels or characters); 0: no preference.
    pub width: u32,
    /// Lines; 0: no preference.
    pub height: u32,
    /// Bits per pixel; 0: text mode or no preference.
    pub depth: u32,
}

/// A decoded Multiboot header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Offset of the magic in the file.
    pub offset: usize,
    /// The flags word.
    pub flags: u32,
    /// The address fields, when flag 16 is set.
    pub addresses: Option<AddressFields>,
    /// The graphics fields, when flag 2 is set.
    pub video: Option<VideoPreference>,
}

/// Where something that looks like a header was found instead, to explain
/// why there is no valid one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderHint {
    /// The magic is in the first 8192 bytes but not 32-bit aligned.
    Unaligned {
        /// Its offset.
        offset: usize,
    },
    /// The magic is aligned but beyond the first 8192 bytes.
    TooFar {
        /// Its offset.
        offset: usize,
    },
    /// A Multiboot 2 header (magic 0xE85250D6).
    Multiboot2 {
        /// Its offset.
        offset: usize,
    },
}

/// Why [`Header::find`] found no usable header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindError {
    /// No magic at an aligned offset in the first 8192 bytes.
    Missing(Option<HeaderHint>),
    /// The magic is there, but magic + flags + checksum is not 0.
    BadChecksum {
        /// The magic's offset.
        offset: usize,
        /// The flags word.
        flags: u32,
        /// The checksum word.
        checksum: u32,
    },
    /// The fields the flags announce run past the first 8192 bytes or the
    /// file's end.
    Truncated {
        /// The magic's offset.
        offset: usize,
        /// The header's length for these flags.
        len: usize,
        /// The bytes available from the offset.
        available: usize,
    },
}

impl Header {
    /// Finds the first valid header: a 32-bit aligned magic in the first
    /// 8192 bytes with a checksum that adds up (3.1, 3.1.2), and decodes
    /// the fields its flags make valid.
    pub fn find(image: &[u8]) -> Result<Self, FindError> {
        let window = &image[..image.len().min(HEADER_SEARCH_LEN)];
        let mut bad_checksum = None;
        let mut offset = 0;
        while let (Some(magic), Some(flags), Some(checksum)) =
            (word(window, offset), word(window, offset + 4), word(window, offset + 8))
        {
            if magic == HEADER_MAGIC {
                if magic.wrapping_add(flags).wrapping_add(checksum) == 0 {
                    return Self::decode(window, offset, flags);
                }
                bad_checksum.get_or_insert(FindError::BadChecksum { offset, flags, checksum });
            }
            offset += 4;
        }
        Err(bad_checksum.unwrap_or(FindError::Missing(hint(image))))
    }

    fn decode(window: &[u8], offset: usize, flags: u32) -> Result<Self, FindError> {
        // The graphics fields follow the address fields whether or not
        // those are valid (3.1.1).
        let len = if flags & flags::VIDEO_MODE != 0 {
            48
        } else if flags & flags::ADDRESS_FIELDS != 0 {
            32
        } else {
            12
        };
        let available = window.len() - offset;
        if available < len {
            return Err(FindError::Truncated { offset, len, available });
        }
        // Every field read below lies in `window` (checked just above).
        let field = |at: usize| word(window, offset + at).unwrap_or(0);
        let addresses = (flags & flags::ADDRESS_FIELDS != 0).then(|| AddressFields {
            header_addr: field(12),
            load_addr: field(16),
            load_end_addr: field(20),
            bss_end_addr: field(24),
            entry_addr: field(28),
        });
        let video = (flags & flags::VIDEO_MODE != 0).then(|| VideoPreference {
            mode_type: field(32),
            width: field(36),
            height: field(40),
            depth: field(44),
        });
        Ok(Self { offset, flags, addresses, video })
    }

    /// The requirement bits (0-15) this hypervisor does not fulfil.
    #[must_use]
    pub fn unfulfilled_requirements(&self) -> u32 {
        self.flags & flags::REQUIREMENTS & !flags::FULFILLED
    }

    /// Whether the kernel requires video mode information (flag 2).
    #[must_use]
    pub fn wants_video(&self) -> bool {
        self.flags & flags::VIDEO_MODE != 0
    }
}

/// The little-endian `u32` at `at`, if it lies inside `bytes`.
pub(crate) fn word(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    bytes.get(at..end)?.try_into().ok().map(u32::from_le_bytes)
}

/// Looks for a misplaced header to explain why none was found.
fn hint(image: &[u8]) -> Option<HeaderHint> {
    let limit = image.len().min(HINT_SEARCH_LEN);
    let at = |offset: usize| word(image, offset);
    let unaligned = (0..limit.min(HEADER_SEARCH_LEN)).filter(|o| o % 4 != 0);
    if let Some(offset) = { unaligned }.find(|&o| at(o) == Some(HEADER_MAGIC)) {
        return Some(HeaderHint::Unaligned { offset });
    }
    // Aligned, but not entirely within the first 8192 bytes.
    let beyond = HEADER_SEARCH_LEN - 8..limit;
    if let Some(offset) = beyond.step_by(4).find(|&o| at(o) == Some(HEADER_MAGIC)) {
        return Some(HeaderHint::TooFar { offset });
    }
    (0..limit).step_by(8).find(|&o| at(o) == Some(MULTIBOOT2_MAGIC)).map(|offset| HeaderHint::Multiboot2 { offset })
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation, reason = "random test bytes are cut on purpose")]
mod tests {
    use super::*;
    use crate::test_image::header_bytes;

    fn at(offset: usize, header: &[u8], len: usize) -> Vec<u8> {
        let mut image = vec![0u8; len];
        image[offset..offset + header.len()].copy_from_slice(header);
        image
    }

    #[test]
    fn finds_an_aligned_header_with_a_valid_checksum() {
        let image = at(0x40, &header_bytes(flags::PAGE_ALIGN | flags::MEMORY_INFO, None, None), 0x1000);
        let header = Header::find(&image).expect("found");
        assert_eq!(header, Header { offset: 0x40, flags: 3, addresses: None, video: None });
        assert_eq!(header.unfulfilled_requirements(), 0);
    }

    #[test]
    fn decodes_address_and_graphics_fields() {
        let addresses = AddressFields {
            header_addr: 0x10_0004,
            load_addr: 0x10_0000,
            load_end_addr: 0x10_2000,
            bss_end_addr: 0x10_4000,
            entry_addr: 0x10_0040,
        };
        let video = VideoPreference { mode_type: 0, width: 1024, height: 768, depth: 32 };
        let flags = flags::ADDRESS_FIELDS | flags::VIDEO_MODE;
        let image = at(4, &header_bytes(flags, Some(addresses), Some(video)), 0x100);
        let header = Header::find(&image).expect("found");
        assert_eq!((header.addresses, header.video), (Some(addresses), Some(video)));
        assert!(header.wants_video());
        // Graphics fields without address fields: offsets 32-44 all the same.
        let image = at(8, &header_bytes(flags::VIDEO_MODE, None, Some(video)), 0x100);
        let header = Header::find(&image).expect("found");
        assert_eq!((header.addresses, header.video), (None, Some(video)));
    }

    #[test]
    fn the_first_valid_header_wins_over_a_bad_one() {
        let mut bad = header_bytes(0, None, None);
        bad[8] ^= 1;
        let mut image = at(0, &bad, 0x100);
        image[0x20..0x2c].copy_from_slice(&header_bytes(flags::MEMORY_INFO, None, None));
        assert_eq!(Header::find(&image).map(|h| h.offset), Ok(0x20));
    }

    #[test]
    fn a_bad_checksum_is_reported_with_its_offset() {
        let mut bad = header_bytes(flags::MEMORY_INFO, None, None);
        bad[8..12].copy_from_slice(&0x1234u32.to_le_bytes());
        let image = at(0x100, &bad, 0x200);
        assert_eq!(Header::find(&image), Err(FindError::BadChecksum { offset: 0x100, flags: 2, checksum: 0x1234 }));
    }

    #[test]
    fn the_header_must_lie_in_the_first_8192_bytes() {
        let header = header_bytes(0, None, None);
        // Ending exactly at 8192 is fine; starting at 8192 is too late.
        assert!(Header::find(&at(8192 - 12, &header, 0x3000)).is_ok());
        assert_eq!(
            Header::find(&at(8192, &header, 0x3000)),
            Err(FindError::Missing(Some(HeaderHint::TooFar { offset: 8192 })))
        );
        // Straddling the limit: the magic is there but not the checksum.
        assert_eq!(
            Header::find(&at(8192 - 8, &header, 0x3000)),
            Err(FindError::Missing(Some(HeaderHint::TooFar { offset: 8184 })))
        );
        // The address fields must fit too.
        let long = header_bytes(flags::ADDRESS_FIELDS, Some(AddressFields::default()), None);
        assert_eq!(
            Header::find(&at(8192 - 16, &long, 0x3000)),
            Err(FindError::Truncated { offset: 8192 - 16, len: 32, available: 16 })
        );
    }

    #[test]
    fn missing_headers_come_with_a_hint() {
        let header = header_bytes(0, None, None);
        assert_eq!(
            Header::find(&at(0x22, &header, 0x100)),
            Err(FindError::Missing(Some(HeaderHint::Unaligned { offset: 0x22 })))
        );
        let mut image = vec![0u8; 0x100];
        image[0x18..0x1c].copy_from_slice(&MULTIBOOT2_MAGIC.to_le_bytes());
        assert_eq!(Header::find(&image), Err(FindError::Missing(Some(HeaderHint::Multiboot2 { offset: 0x18 }))));
        assert_eq!(Header::find(&[]), Err(FindError::Missing(None)));
        assert_eq!(Header::find(&[0x02, 0xb0, 0xad]), Err(FindError::Missing(None)));
    }

    #[test]
    fn unknown_requirements_are_named_and_optional_bits_are_not() {
        let image = at(0, &header_bytes(0x0000_8009 | (1 << 20), None, None), 0x100);
        let header = Header::find(&image).expect("found");
        assert_eq!(header.unfulfilled_requirements(), 0x8008);
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut state = 0x1234_5678_9abc_def0u64;
        for round in 0..2000 {
            let len = (round * 37) % 9000;
            let mut image: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            // Plant a header (valid or not) at a random place now and then.
            if len > 64 && round % 3 == 0 {
                let offset = (state as usize % (len - 48)) & !3;
                let header = header_bytes(state as u32, None, None);
                image[offset..offset + 12].copy_from_slice(&header[..12]);
            }
            if let Ok(header) = Header::find(&image) {
                assert!(header.offset % 4 == 0 && header.offset + 12 <= HEADER_SEARCH_LEN.min(len));
                assert_eq!(header.addresses.is_some(), header.flags & flags::ADDRESS_FIELDS != 0);
            }
        }
    }
}
