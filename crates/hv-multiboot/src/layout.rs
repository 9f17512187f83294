//! The partition as a multiboot kernel sees it: where its memory is, which
//! part the hypervisor keeps for itself, and the memory map and memory sizes
//! the information structure reports (3.3).
//!
//! The memory is one contiguous run `base..base + len` of RAM. Its first
//! [`BOOT_AREA_LEN`] bytes are the hypervisor's boot area: the GDT and TSS
//! of the protected-mode start below [`INFO_OFFSET`], the multiboot
//! information from there on, and in its last [`STACK_LEN`] bytes a stack
//! for the kernel's first instructions (the spec leaves ESP undefined, 3.2;
//! GRUB leaves it in its own memory, so a kernel that pushes before it sets
//! up a stack works there and should here). At 0x413, where a PC BIOS keeps
//! the base memory size (the BIOS data area), the boot area holds
//! `mem_lower`: kernels written for PCs place their real-mode trampolines
//! by it (Xen does, and wraps below 0 without it). The memory map marks the
//! boot area reserved,
//! so a kernel that builds its allocator from the map leaves the
//! information alone, and marks 0xA0000-0xFFFFF reserved as on a PC (the
//! legacy video and ROM hole, where the text screen [`TEXT_SCREEN`] lies;
//! in a partition it is RAM like the rest).

use core::ops::Range;

use crate::error::MultibootError;

/// Length of the boot area at the memory's start (the kernel's
/// `boot_structures::RESERVED_END`, the manifest's `BOOT_AREA_BYTES`).
pub const BOOT_AREA_LEN: u64 = 0x1_0000;
/// Offset in the boot area where the multiboot information starts; below it
/// are the hypervisor's GDT (0x800) and TSS (0x900).
pub const INFO_OFFSET: u64 = 0x1000;
/// The stack at the end of the boot area, ESP at its top.
pub const STACK_LEN: u64 = 0x1000;
/// The 80x25 EGA/VGA text screen: 2 bytes (character, attribute) per cell.
pub const TEXT_SCREEN: Range<u64> = 0xB_8000..0xB_8000 + 80 * 25 * 2;
/// Lower memory ends at 640 KiB (3.3, "the maximum possible value").
const LOWER_MEMORY_END: u64 = 0xA_0000;
/// Upper memory starts at 1 MiB (3.3).
const UPPER_MEMORY_START: u64 = 0x10_0000;
/// Everything a 32-bit kernel is told about lies below 4 GiB.
const FOUR_GIB: u64 = 1 << 32;
/// At most this many memory-map entries describe a partition.
const MAX_REGIONS: usize = 4;

/// The partition's memory and the boot area in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    memory: Range<u64>,
}

/// What a memory-map entry says a range is (3.3, `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryKind {
    /// Type 1: RAM for the kernel's use.
    Available,
    /// Type 2: reserved (the boot area, the legacy hole).
    Reserved,
}

impl MemoryKind {
    /// The `type` value in the memory map.
    #[must_use]
    pub fn code(self) -> u32 {
        match self {
            Self::Available => 1,
            Self::Reserved => 2,
        }
    }
}

/// One memory-map entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryRegion {
    /// First address.
    pub base: u64,
    /// Length in bytes (never 0).
    pub len: u64,
    /// What it is.
    pub kind: MemoryKind,
}

impl Layout {
    /// The memory `base..base + len`; it must hold the boot area and end at
    /// or below 4 GiB, where a 32-bit kernel's addresses end.
    pub fn new(base: u64, len: u64) -> Result<Self, MultibootError> {
        match base.checked_add(len) {
            Some(end) if end <= FOUR_GIB && len >= BOOT_AREA_LEN => Ok(Self { memory: base..end }),
            _ => Err(MultibootError::MemoryNotBelow4GiB { base, len }),
        }
    }

    /// The partition's memory.
    #[must_use]
    pub fn memory(&self) -> Range<u64> {
        self.memory.clone()
    }

    /// The hypervisor's boot area: `base..base + BOOT_AREA_LEN`.
    #[must_use]
    pub fn boot_area(&self) -> Range<u64> {
        self.memory.start..self.memory.start + BOOT_AREA_LEN
    }

    /// Where the multiboot information goes: the boot area above its first
    /// [`INFO_OFFSET`] bytes, below the stack.
    #[must_use]
    pub fn info_area(&self) -> Range<u64> {
        self.memory.start + INFO_OFFSET..self.memory.start + BOOT_AREA_LEN - STACK_LEN
    }

    /// The initial ESP: the top of the boot area's stack.
    #[must_use]
    pub fn stack_top(&self) -> u64 {
        self.memory.start + BOOT_AREA_LEN
    }

    /// Whether the text screen at 0xB8000 is part of the memory.
    #[must_use]
    pub fn has_text_screen(&self) -> bool {
        self.memory.start <= TEXT_SCREEN.start && TEXT_SCREEN.end <= self.memory.end
    }

    /// `mem_lower` in KiB: the memory from address 0 up to 640 KiB (0 when
    /// the memory does not start at 0).
    #[must_use]
    pub fn mem_lower_kib(&self) -> u32 {
        if self.memory.start != 0 {
            return 0;
        }
        kib(self.memory.end.min(LOWER_MEMORY_END))
    }

    /// `mem_upper` in KiB: the contiguous memory from 1 MiB on (0 when 1 MiB
    /// is not inside the memory).
    #[must_use]
    pub fn mem_upper_kib(&self) -> u32 {
        if !self.memory.contains(&UPPER_MEMORY_START) {
            return 0;
        }
        kib(self.memory.end - UPPER_MEMORY_START)
    }

    /// The memory map, in address order, covering the whole memory exactly:
    /// the boot area reserved, the legacy hole 0xA0000-0xFFFFF reserved
    /// where the memory covers it, the rest available.
    pub fn memory_map(&self) -> impl Iterator<Item = MemoryRegion> {
        let mut regions = [None; MAX_REGIONS];
        let mut count = 0;
        let mut push = |range: Range<u64>, kind: MemoryKind| {
            if range.start < range.end && count < MAX_REGIONS {
                regions[count] = Some(MemoryRegion { base: range.start, len: range.end - range.start, kind });
                count += 1;
            }
        };
        let boot_end = self.boot_area().end;
        let hole = LOWER_MEMORY_END.max(boot_end)..UPPER_MEMORY_START.max(boot_end);
        let end = self.memory.end;
        push(self.boot_area(), MemoryKind::Reserved);
        push(boot_end..hole.start.min(end), MemoryKind::Available);
        push(hole.start.min(end)..hole.end.min(end), MemoryKind::Reserved);
        push(hole.end.min(end)..end, MemoryKind::Available);
        regions.into_iter().flatten()
    }
}

/// Bytes as whole KiB, saturating (the memory is below 4 GiB: never needed).
fn kib(bytes: u64) -> u32 {
    u32::try_from(bytes / 1024).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn map(base: u64, len: u64) -> Vec<(u64, u64, u32)> {
        Layout::new(base, len).expect("valid").memory_map().map(|r| (r.base, r.len, r.kind.code())).collect()
    }

    #[test]
    fn a_partition_at_zero_looks_like_a_pc() {
        let layout = Layout::new(0, 16 * MIB).expect("valid");
        assert_eq!((layout.mem_lower_kib(), layout.mem_upper_kib()), (640, 15 * 1024));
        assert_eq!(
            map(0, 16 * MIB),
            [(0, 0x1_0000, 2), (0x1_0000, 0x9_0000, 1), (0xA_0000, 0x6_0000, 2), (0x10_0000, 15 * MIB, 1)]
        );
        assert_eq!(layout.boot_area(), 0..0x1_0000);
        assert_eq!(layout.info_area(), 0x1000..0xF000);
        assert_eq!(layout.stack_top(), 0x1_0000);
        assert!(layout.has_text_screen());
    }

    #[test]
    fn a_partition_elsewhere_has_no_lower_memory_and_no_hole() {
        let layout = Layout::new(64 * MIB, 8 * MIB).expect("valid");
        assert_eq!((layout.mem_lower_kib(), layout.mem_upper_kib()), (0, 0));
        assert_eq!(map(64 * MIB, 8 * MIB), [(64 * MIB, 0x1_0000, 2), (64 * MIB + 0x1_0000, 8 * MIB - 0x1_0000, 1)]);
        assert!(!layout.has_text_screen());
        assert_eq!(layout.info_area(), 64 * MIB + 0x1000..64 * MIB + 0xF000);
        assert_eq!(layout.stack_top(), 64 * MIB + 0x1_0000);
    }

    #[test]
    fn small_memories_are_cut_where_they_end() {
        assert_eq!(map(0, 0x8_0000), [(0, 0x1_0000, 2), (0x1_0000, 0x7_0000, 1)]);
        assert_eq!(map(0, 0xC_0000), [(0, 0x1_0000, 2), (0x1_0000, 0x9_0000, 1), (0xA_0000, 0x2_0000, 2)]);
        let layout = Layout::new(0, 0xC_0000).expect("valid");
        assert_eq!((layout.mem_lower_kib(), layout.mem_upper_kib()), (640, 0));
        assert!(layout.has_text_screen());
        assert!(!Layout::new(0, 0xB_8000).expect("valid").has_text_screen());
    }

    #[test]
    fn memory_must_end_below_4_gib_and_hold_the_boot_area() {
        assert!(Layout::new(0, 4096 * MIB).is_ok());
        assert_eq!(
            Layout::new(4094 * MIB, 4 * MIB),
            Err(MultibootError::MemoryNotBelow4GiB { base: 4094 * MIB, len: 4 * MIB })
        );
        assert!(Layout::new(u64::MAX, 2).is_err());
        assert!(Layout::new(0, BOOT_AREA_LEN - 1).is_err());
    }

    #[test]
    fn every_memory_map_tiles_the_memory() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..5000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let base = (state % (8 * MIB)) & !0xfff;
            let len = BOOT_AREA_LEN + (state >> 20) % (32 * MIB);
            let layout = Layout::new(base, len).expect("valid");
            let mut next = base;
            for region in layout.memory_map() {
                assert_eq!(region.base, next, "gap or overlap at {next:#x} in {base:#x}+{len:#x}");
                assert!(region.len > 0);
                next = region.base + region.len;
            }
            assert_eq!(next, base + len);
            assert!(u64::from(layout.mem_lower_kib()) * 1024 <= LOWER_MEMORY_END);
        }
    }
}
