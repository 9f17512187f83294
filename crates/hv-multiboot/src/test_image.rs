//! Test kernels: Multiboot headers, and ELF32/ELF64 executables carrying
//! them, built byte by byte.

use crate::header::{flags, AddressFields, VideoPreference, HEADER_MAGIC};

/// A Multiboot header with the fields `flags` makes valid (and a correct
/// checksum).
pub(crate) fn header_bytes(flags: u32, addresses: Option<AddressFields>, video: Option<VideoPreference>) -> Vec<u8> {
    let mut words = vec![HEADER_MAGIC, flags, 0u32.wrapping_sub(HEADER_MAGIC.wrapping_add(flags))];
    if flags & (flags::ADDRESS_FIELDS | flags::VIDEO_MODE) != 0 {
        let a = addresses.unwrap_or_default();
        words.extend([a.header_addr, a.load_addr, a.load_end_addr, a.bss_end_addr, a.entry_addr]);
    }
    if flags & flags::VIDEO_MODE != 0 {
        let v = video.unwrap_or(VideoPreference { mode_type: 1, width: 80, height: 25, depth: 0 });
        words.extend([v.mode_type, v.width, v.height, v.depth]);
    }
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// One loadable segment of a test ELF.
#[derive(Clone)]
pub(crate) struct TestSegment {
    pub(crate) paddr: u64,
    pub(crate) vaddr: u64,
    pub(crate) flags: u32,
    pub(crate) bytes: Vec<u8>,
    pub(crate) mem_size: u64,
}

/// `PF_R | PF_X` and `PF_R | PF_W`.
pub(crate) const RX: u32 = 5;
pub(crate) const RW: u32 = 6;

impl TestSegment {
    /// Identity-linked (`vaddr == paddr`).
    pub(crate) fn at(paddr: u64, flags: u32, bytes: &[u8], mem_size: u64) -> Self {
        Self { paddr, vaddr: paddr, flags, bytes: bytes.to_vec(), mem_size }
    }
}

/// An ELF executable (`elf64`: ELF64 x86-64, else ELF32 i386) with `entry`
/// and `segments`, whose data follow the headers in order from offset 0x100.
pub(crate) fn elf(elf64: bool, entry: u64, segments: &[TestSegment]) -> Vec<u8> {
    let (header_len, ph_len) = if elf64 { (64, 56) } else { (52, 32) };
    let mut out = vec![0u8; 0x100];
    out[..4].copy_from_slice(b"\x7fELF");
    out[4] = if elf64 { 2 } else { 1 };
    out[5] = 1;
    out[6] = 1;
    let put = |out: &mut Vec<u8>, at: usize, value: u64, width: usize| {
        out[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
    };
    let word = if elf64 { 8 } else { 4 };
    put(&mut out, 16, 2, 2); // ET_EXEC
    put(&mut out, 18, if elf64 { 62 } else { 3 }, 2);
    put(&mut out, 20, 1, 4);
    put(&mut out, 24, entry, word);
    put(&mut out, 24 + word, header_len as u64, word); // e_phoff
    let ehsize_at = if elf64 { 52 } else { 40 };
    put(&mut out, ehsize_at, header_len as u64, 2);
    put(&mut out, ehsize_at + 2, ph_len as u64, 2);
    put(&mut out, ehsize_at + 4, segments.len() as u64, 2);
    let mut data_at = 0x100;
    for (index, segment) in segments.iter().enumerate() {
        let at = header_len + index * ph_len;
        put(&mut out, at, 1, 4); // PT_LOAD
        let (flags_at, fields_at) = if elf64 { (at + 4, at + 8) } else { (at + 24, at + 4) };
        put(&mut out, flags_at, u64::from(segment.flags), 4);
        let fields = [data_at as u64, segment.vaddr, segment.paddr, segment.bytes.len() as u64, segment.mem_size];
        for (i, value) in fields.iter().enumerate() {
            put(&mut out, fields_at + i * word, *value, word);
        }
        data_at += segment.bytes.len();
    }
    for segment in segments {
        out.extend_from_slice(&segment.bytes);
    }
    out
}

/// Text bytes starting with `header` at offset 4 (after a 4-byte jump),
/// padded to `len`.
pub(crate) fn text_with_header(header: &[u8], len: usize) -> Vec<u8> {
    let mut text = vec![0x90u8; len.max(header.len() + 4)];
    text[..4].copy_from_slice(&[0xeb, 0xfe, 0x90, 0x90]);
    text[4..4 + header.len()].copy_from_slice(header);
    text
}
