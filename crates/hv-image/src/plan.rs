//! The load plan: an image checked against the partition it is loaded into,
//! as the list of copies and zero-fills that loading consists of.
//!
//! [`plan`] is the last check before the hypervisor writes guest memory: if it
//! succeeds, every copy and zero-fill lies inside the partition's memory,
//! outside the hypervisor's reserved area and outside every other segment, so
//! carrying out the plan in any order cannot clobber anything.
//!
//! Guests run identity-mapped (guest-virtual = guest-physical), so segments
//! are placed at `p_paddr` and the entry point, an address the code was
//! linked to run at, is looked up among the segments' physical ranges. This
//! holds for ELF32 real-mode guests too, whose entry is their load address
//! (e.g. 0x7c00). An image linked with `p_vaddr != p_paddr` is loaded at
//! `p_paddr` all the same; its entry point will then usually fail the check.
//!
//! The plan does not copy the segments into a table: it keeps the (already
//! validated) image and re-reads its program headers on each iteration, so it
//! needs no allocation and only a few words of storage.

use core::ops::Range;

use crate::error::ImageError;
use crate::image::ElfImage;
use crate::segment::Segment;

/// One step of loading: copy `bytes` to guest-physical `guest_addr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestCopy<'a> {
    /// Guest-physical address of the first byte.
    pub guest_addr: u64,
    /// The bytes, borrowed from the image.
    pub bytes: &'a [u8],
}

/// An image validated against a partition: what to copy, what to zero, and
/// where to start. Built by [`plan`].
#[derive(Clone, Copy, Debug)]
pub struct LoadPlan<'a> {
    image: ElfImage<'a>,
    highest: u64,
}

/// Checks `image` against a partition of `memory_bytes` bytes of
/// guest-physical memory (addresses `0..memory_bytes`) whose `reserved`
/// range holds the hypervisor's boot structures, and returns the load plan.
///
/// Requires, for every loadable segment's range `paddr..paddr + mem_size`,
/// that it ends at or below `memory_bytes`, does not overlap `reserved`, and
/// does not overlap any other segment; and that the entry point lies inside
/// an executable segment (see the module documentation for why by physical
/// address). An empty `reserved` range reserves nothing. Errors name the
/// first offending segment in program-header order.
pub fn plan<'a>(image: &ElfImage<'a>, memory_bytes: u64, reserved: Range<u64>) -> Result<LoadPlan<'a>, ImageError> {
    let mut highest = 0;
    for segment in image.segments() {
        let range = segment.memory_range();
        if range.end > memory_bytes {
            return Err(ImageError::OutsideMemory { index: segment.index, end: range.end, memory_bytes });
        }
        if overlaps(&range, &reserved) {
            return Err(ImageError::OverlapsReserved { index: segment.index, segment: range, reserved });
        }
        if let Some(earlier) = image.segments().take_while(|s| s.index < segment.index).find(|s| {
            let earlier_range = s.memory_range();
            overlaps(&earlier_range, &range)
        }) {
            return Err(ImageError::SegmentsOverlap {
                first: earlier.index,
                first_range: earlier.memory_range(),
                second: segment.index,
                second_range: range,
            });
        }
        highest = highest.max(range.end);
    }
    let entry = image.entry();
    if !image.segments().any(|s| s.flags.execute && s.memory_range().contains(&entry)) {
        return Err(ImageError::EntryNotExecutable(entry));
    }
    Ok(LoadPlan { image: *image, highest })
}

/// Whether two half-open ranges share an address; empty ranges share none.
fn overlaps(a: &Range<u64>, b: &Range<u64>) -> bool {
    !a.is_empty() && !b.is_empty() && a.start < b.end && b.start < a.end
}

impl<'a> LoadPlan<'a> {
    /// The guest-physical address execution starts at (`e_entry`), inside an
    /// executable segment.
    #[must_use]
    pub fn entry(&self) -> u64 {
        self.image.entry()
    }

    /// The image's class: an ELF32 guest starts in 32-bit (or real) mode, an
    /// ELF64 guest in long mode.
    #[must_use]
    pub fn class(&self) -> crate::ElfClass {
        self.image.class()
    }

    /// The end (exclusive) of the highest segment: the first guest-physical
    /// address above everything the image occupies, `.bss` included.
    #[must_use]
    pub fn highest_address(&self) -> u64 {
        self.highest
    }

    /// The segments, in program-header order.
    pub fn segments(&self) -> impl Iterator<Item = Segment> + '_ {
        self.image.segments()
    }

    /// The copies: each segment's file bytes to its physical address.
    /// Segments without file bytes (pure `.bss`) have none.
    pub fn copies(&self) -> impl Iterator<Item = GuestCopy<'a>> + '_ {
        self.image
            .segments()
            .filter(|s| s.file_size > 0)
            .map(|s| GuestCopy { guest_addr: s.paddr, bytes: self.image.file_bytes(&s) })
    }

    /// The zero-fills, as `(guest-physical address, length)`: each segment's
    /// tail beyond its file bytes (`mem_size - file_size`, the `.bss`).
    /// Memory outside the segments is not included: zeroing (or not) the rest
    /// of the partition is the caller's policy.
    pub fn zero_fills(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.image.segments().filter(|s| s.zero_fill_len() > 0).map(|s| (s.paddr + s.file_size, s.zero_fill_len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_elf::{field_offsets, put_word, TestElf, R, W, X};
    use crate::ElfClass;

    const MIB: u64 = 1 << 20;
    const RESERVED: Range<u64> = 0..0x10000;
    const TEXT: &[u8] = &[0x48, 0x31, 0xc0, 0xf4, 0xeb, 0xfd];
    const DATA: &[u8] = &[0xaa, 0xbb, 0xcc];

    /// Text at 2 MiB (0x1000 bytes, of which 6 from the file), then data
    /// at 0x201000 (0x3000 bytes, of which 3 from the file).
    fn two_segments(entry: u64) -> TestElf {
        TestElf::new(ElfClass::Elf64, entry).load(0x20_0000, R | X, TEXT, 0x1000).load(0x20_1000, R | W, DATA, 0x3000)
    }

    fn plan_of(elf: &TestElf, memory: u64, reserved: Range<u64>) -> Result<(Vec<u8>, u64), ImageError> {
        // Returns the built bytes too, so callers can look at borrowed copies.
        let bytes = elf.build();
        let image = ElfImage::parse(&bytes)?;
        let highest = plan(&image, memory, reserved)?.highest_address();
        Ok((bytes, highest))
    }

    #[test]
    fn plans_text_and_data_with_bss() {
        let bytes = two_segments(0x20_0000).build();
        let image = ElfImage::parse(&bytes).expect("valid");
        let plan = plan(&image, 16 * MIB, RESERVED).expect("fits");
        assert_eq!(plan.entry(), 0x20_0000);
        assert_eq!(plan.class(), ElfClass::Elf64);
        let copies: Vec<GuestCopy<'_>> = plan.copies().collect();
        assert_eq!(
            copies,
            [GuestCopy { guest_addr: 0x20_0000, bytes: TEXT }, GuestCopy { guest_addr: 0x20_1000, bytes: DATA }]
        );
        let fills: Vec<(u64, u64)> = plan.zero_fills().collect();
        assert_eq!(fills, [(0x20_0000 + 6, 0x1000 - 6), (0x20_1003, 0x3000 - 3)]);
        assert_eq!(plan.highest_address(), 0x20_4000);
        assert_eq!(plan.segments().count(), 2);
    }

    #[test]
    fn copies_and_fills_cover_each_segment_exactly() {
        let bytes = two_segments(0x20_0000).build();
        let image = ElfImage::parse(&bytes).expect("valid");
        let plan = plan(&image, 16 * MIB, RESERVED).expect("fits");
        for segment in plan.segments() {
            let copied: u64 =
                plan.copies().filter(|c| c.guest_addr == segment.paddr).map(|c| c.bytes.len() as u64).sum();
            let filled: u64 = plan.zero_fills().filter(|f| segment.memory_range().contains(&f.0)).map(|f| f.1).sum();
            assert_eq!(copied + filled, segment.mem_size, "segment {}", segment.index);
        }
    }

    #[test]
    fn pure_bss_segments_have_no_copy() {
        let elf = TestElf::new(ElfClass::Elf64, 0x20_0000).load(0x20_0000, R | X, TEXT, TEXT.len() as u64).load(
            0x30_0000,
            R | W,
            &[],
            0x8000,
        );
        let bytes = elf.build();
        let image = ElfImage::parse(&bytes).expect("valid");
        let plan = plan(&image, 16 * MIB, RESERVED).expect("fits");
        assert_eq!(plan.copies().map(|c| c.guest_addr).collect::<Vec<_>>(), [0x20_0000]);
        // The text segment has no tail; the .bss segment is all tail.
        assert_eq!(plan.zero_fills().collect::<Vec<_>>(), [(0x30_0000, 0x8000)]);
        assert_eq!(plan.highest_address(), 0x30_8000);
    }

    #[test]
    fn plans_a_real_mode_elf32_image_at_0x7c00() {
        let code = [0xfa, 0x31, 0xc0, 0xf4, 0xeb, 0xfd];
        let bytes = TestElf::new(ElfClass::Elf32, 0x7c00).load(0x7c00, R | W | X, &code, 0x200).build();
        let image = ElfImage::parse(&bytes).expect("valid");
        // Real-mode guests keep only the IVT and BDA out of reach.
        let plan = plan(&image, MIB, 0..0x500).expect("fits");
        assert_eq!(plan.class(), ElfClass::Elf32);
        assert_eq!(plan.entry(), 0x7c00);
        assert_eq!(plan.copies().collect::<Vec<_>>(), [GuestCopy { guest_addr: 0x7c00, bytes: &code }]);
        assert_eq!(plan.zero_fills().collect::<Vec<_>>(), [(0x7c06, 0x200 - 6)]);
        assert_eq!(plan.highest_address(), 0x7e00);
        // The usual 64 KiB reservation would not leave room for it.
        assert!(matches!(
            super::plan(&image, MIB, RESERVED),
            Err(ImageError::OverlapsReserved { index: 0, segment: Range { start: 0x7c00, end: 0x7e00 }, .. })
        ));
    }

    #[test]
    fn segments_must_fit_the_partition() {
        let elf = two_segments(0x20_0000);
        // Exactly enough memory.
        assert_eq!(plan_of(&elf, 0x20_4000, RESERVED).map(|p| p.1), Ok(0x20_4000));
        // One byte short: the data segment (index 1) sticks out.
        assert_eq!(
            plan_of(&elf, 0x20_3fff, RESERVED).unwrap_err(),
            ImageError::OutsideMemory { index: 1, end: 0x20_4000, memory_bytes: 0x20_3fff }
        );
        // Far too little: the text segment is named first.
        assert!(matches!(plan_of(&elf, MIB, RESERVED), Err(ImageError::OutsideMemory { index: 0, .. })));
        // A segment near the top of the address space cannot wrap past the check.
        let (_, paddr_at, _, _) = field_offsets(elf.class);
        let mut bytes = elf.build();
        put_word(&mut bytes, elf.class, elf.program_header_at(1) + paddr_at, u64::MAX - 0x3000);
        let image = ElfImage::parse(&bytes).expect("valid as a file");
        assert_eq!(
            plan(&image, 16 * MIB, RESERVED).unwrap_err(),
            ImageError::OutsideMemory { index: 1, end: u64::MAX, memory_bytes: 16 * MIB }
        );
    }

    #[test]
    fn segments_must_avoid_the_reserved_area() {
        let elf = TestElf::new(ElfClass::Elf64, 0x20_0000).load(0x20_0000, R | X, TEXT, 0x1000).load(
            0xf000,
            R | W,
            DATA,
            0x1000,
        );
        assert_eq!(
            plan_of(&elf, 16 * MIB, RESERVED).unwrap_err(),
            ImageError::OverlapsReserved { index: 1, segment: 0xf000..0x10000, reserved: RESERVED }
        );
        // Touching the reserved area's end is not overlapping it.
        let elf = TestElf::new(ElfClass::Elf64, 0x10000).load(0x10000, R | X, TEXT, 0x1000);
        assert!(plan_of(&elf, 16 * MIB, RESERVED).is_ok());
        // A reserved area in the middle of the segment is caught as well.
        let elf = TestElf::new(ElfClass::Elf64, 0x20_0000).load(0x20_0000, R | X, TEXT, 0x10_0000);
        assert!(matches!(
            plan_of(&elf, 16 * MIB, 0x28_0000..0x28_1000),
            Err(ImageError::OverlapsReserved { index: 0, .. })
        ));
        // An empty reservation reserves nothing.
        let elf = TestElf::new(ElfClass::Elf64, 0x1000).load(0, R | X, TEXT, 0x2000);
        assert!(plan_of(&elf, 16 * MIB, 0..0).is_ok());
    }

    #[test]
    fn segments_must_not_overlap_each_other() {
        let elf = TestElf::new(ElfClass::Elf64, 0x20_0000)
            .load(0x20_0000, R | X, TEXT, 0x1000)
            .load(0x30_0000, R, DATA, 0x1000)
            .load(0x20_0800, R | W, DATA, 0x1000);
        assert_eq!(
            plan_of(&elf, 16 * MIB, RESERVED).unwrap_err(),
            ImageError::SegmentsOverlap {
                first: 0,
                first_range: 0x20_0000..0x20_1000,
                second: 2,
                second_range: 0x20_0800..0x20_1800,
            }
        );
        // A segment entirely inside another.
        let elf = TestElf::new(ElfClass::Elf64, 0x20_0000).load(0x20_0000, R | X, TEXT, 0x10_0000).load(
            0x25_0000,
            R | W,
            DATA,
            0x10,
        );
        assert!(matches!(
            plan_of(&elf, 16 * MIB, RESERVED),
            Err(ImageError::SegmentsOverlap { first: 0, second: 1, .. })
        ));
        // Adjacent segments are fine.
        assert!(plan_of(&two_segments(0x20_0000), 16 * MIB, RESERVED).is_ok());
    }

    #[test]
    fn entry_must_be_in_an_executable_segment() {
        // Inside the data segment (not executable), which starts where the
        // text segment ends.
        assert_eq!(
            plan_of(&two_segments(0x20_1000), 16 * MIB, RESERVED).unwrap_err(),
            ImageError::EntryNotExecutable(0x20_1000)
        );
        // Outside every segment: just above, just below, and at 0.
        for entry in [0x20_4000, 0x20_0000 - 1, 0] {
            assert_eq!(
                plan_of(&two_segments(entry), 16 * MIB, RESERVED).unwrap_err(),
                ImageError::EntryNotExecutable(entry)
            );
        }
        // The last byte of the text segment is inside it.
        assert!(plan_of(&two_segments(0x20_0fff), 16 * MIB, RESERVED).is_ok());
        // Entry is compared with physical addresses: a segment whose virtual
        // address holds the entry but whose physical address does not fails.
        let mut elf = TestElf::new(ElfClass::Elf64, 0xffff_8000_0020_0000).load(0x20_0000, R | X, TEXT, 0x1000);
        elf.segments[0].vaddr = 0xffff_8000_0020_0000;
        assert_eq!(
            plan_of(&elf, 16 * MIB, RESERVED).unwrap_err(),
            ImageError::EntryNotExecutable(0xffff_8000_0020_0000)
        );
    }

    #[test]
    fn overlap_is_half_open() {
        assert!(overlaps(&(0..10), &(9..20)));
        assert!(!overlaps(&(0..10), &(10..20)));
        assert!(!overlaps(&(5..5), &(0..10)));
        assert!(overlaps(&(3..4), &(0..10)));
    }
}
