//! Where the kernel goes: its ELF segments at their physical addresses, or
//! the range the header's address fields describe (3.1.3), checked against
//! the partition's memory and the boot area.

use core::ops::Range;

use hv_image::{ElfImage, Segment};

use crate::error::{MultibootError, Piece};
use crate::header::{AddressFields, Header};
use crate::layout::Layout;

/// One piece of loading: bytes to copy, then zeros up to `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Chunk<'a> {
    /// Guest-physical address of the first byte.
    pub(crate) gpa: u64,
    /// Bytes copied from the file.
    pub(crate) bytes: &'a [u8],
    /// Zeros following them (BSS).
    pub(crate) zeros: u64,
}

/// A kernel checked against a partition.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kernel<'a> {
    /// Loaded by its ELF program headers.
    Elf { image: ElfImage<'a>, bytes: &'a [u8], entry: u64, end: u64 },
    /// Loaded by the header's address fields: `bytes` at `load_addr`, then
    /// zeros to `end`.
    Addresses { load_addr: u64, bytes: &'a [u8], end: u64, entry: u64 },
}

impl<'a> Kernel<'a> {
    /// Places `image` (whose header is `header`) in `layout`'s memory.
    pub(crate) fn place(image: &'a [u8], header: &Header, layout: &Layout) -> Result<Self, MultibootError> {
        match header.addresses {
            Some(fields) => by_address_fields(image, header.offset, &fields, layout),
            None if image.starts_with(b"\x7fELF") => by_elf(image, layout),
            None => Err(MultibootError::NotElf),
        }
    }

    /// The physical address of the first instruction (EIP).
    pub(crate) fn entry(&self) -> u64 {
        match self {
            Self::Elf { entry, .. } | Self::Addresses { entry, .. } => *entry,
        }
    }

    /// The first address above everything the kernel occupies, BSS included.
    pub(crate) fn end(&self) -> u64 {
        match self {
            Self::Elf { end, .. } | Self::Addresses { end, .. } => *end,
        }
    }

    /// What loading the kernel writes.
    pub(crate) fn chunks(&self) -> impl Iterator<Item = Chunk<'a>> + '_ {
        let (elf, single) = match self {
            Self::Elf { image, bytes, .. } => (Some((image, *bytes)), None),
            &Self::Addresses { load_addr, bytes, end, .. } => {
                (None, Some(Chunk { gpa: load_addr, bytes, zeros: end - load_addr - bytes.len() as u64 }))
            }
        };
        let segments = elf.into_iter().flat_map(|(image, bytes)| {
            image.segments().filter(|s| s.mem_size > 0).map(move |s| Chunk {
                gpa: s.paddr,
                bytes: file_bytes(bytes, &s),
                zeros: s.zero_fill_len(),
            })
        });
        segments.chain(single)
    }
}

/// A segment's bytes in the file (validated by `ElfImage::parse`; empty
/// if not, which cannot happen).
fn file_bytes<'a>(image: &'a [u8], segment: &Segment) -> &'a [u8] {
    let start = usize::try_from(segment.file_offset).ok();
    let len = usize::try_from(segment.file_size).ok();
    start.zip(len).and_then(|(start, len)| image.get(start..start.checked_add(len)?)).unwrap_or(&[])
}

/// Checks that `range` lies inside the memory and clear of the boot area.
fn check_placement(piece: Piece, range: &Range<u64>, layout: &Layout) -> Result<(), MultibootError> {
    let memory = layout.memory();
    if range.start < memory.start || range.end > memory.end {
        return Err(MultibootError::OutsideMemory { piece, range: range.clone(), memory });
    }
    let boot_area = layout.boot_area();
    if range.start < boot_area.end && boot_area.start < range.end {
        return Err(MultibootError::OverlapsBootArea { piece, range: range.clone(), boot_area });
    }
    Ok(())
}

fn by_elf<'a>(bytes: &'a [u8], layout: &Layout) -> Result<Kernel<'a>, MultibootError> {
    let image = ElfImage::parse(bytes).map_err(MultibootError::Elf)?;
    let mut end = 0;
    let loaded = || image.segments().filter(|s| s.mem_size > 0);
    for segment in loaded() {
        let range = segment.memory_range();
        check_placement(Piece::Segment(segment.index), &range, layout)?;
        if let Some(earlier) = loaded().take_while(|s| s.index < segment.index).find(|s| {
            let other = s.memory_range();
            other.start < range.end && range.start < other.end
        }) {
            return Err(MultibootError::SegmentsOverlap { first: earlier.index, second: segment.index });
        }
        end = end.max(range.end);
    }
    // The entry point is an address the kernel was linked to run at: found
    // in a segment's virtual range and translated to its physical one, as
    // GRUB does ("entry point isn't in a segment" otherwise).
    let e_entry = image.entry();
    let entry = loaded()
        .find_map(|s| {
            let offset = e_entry.checked_sub(s.vaddr)?;
            (offset < s.mem_size).then(|| s.paddr + offset)
        })
        .ok_or(MultibootError::EntryOutsideSegments { entry: e_entry })?;
    Ok(Kernel::Elf { image, bytes, entry, end })
}

fn by_address_fields<'a>(
    image: &'a [u8],
    offset: usize,
    fields: &AddressFields,
    layout: &Layout,
) -> Result<Kernel<'a>, MultibootError> {
    let &AddressFields { header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr } = fields;
    let distance =
        header_addr.checked_sub(load_addr).ok_or(MultibootError::LoadAddrAboveHeader { load_addr, header_addr })?;
    // The file offset the load starts at (3.1.3).
    let load_offset = usize::try_from(distance)
        .ok()
        .and_then(|distance| offset.checked_sub(distance))
        .ok_or(MultibootError::LoadBeforeFileStart { offset, distance })?;
    let available = (image.len() - load_offset) as u64;
    let load_len = if load_end_addr == 0 {
        available
    } else {
        match load_end_addr.checked_sub(load_addr) {
            Some(len) if len > 0 && u64::from(len) <= available => u64::from(len),
            _ => return Err(MultibootError::BadLoadEnd { load_addr, load_end_addr, available }),
        }
    };
    let start = u64::from(load_addr);
    let load_end = start + load_len;
    let end = match bss_end_addr {
        0 => load_end,
        bss_end if u64::from(bss_end) >= load_end => u64::from(bss_end),
        _ => return Err(MultibootError::BssEndBeforeLoadEnd { load_end, bss_end_addr }),
    };
    check_placement(Piece::AddressFields, &(start..end), layout)?;
    if !(start..load_end).contains(&u64::from(entry_addr)) {
        return Err(MultibootError::EntryOutsideLoad { entry: entry_addr, range: start..load_end });
    }
    // `load_len <= available`, so the range lies in the file.
    let bytes = usize::try_from(load_len)
        .ok()
        .and_then(|len| image.get(load_offset..load_offset.checked_add(len)?))
        .unwrap_or(&[]);
    Ok(Kernel::Addresses { load_addr: start, bytes, end, entry: u64::from(entry_addr) })
}
