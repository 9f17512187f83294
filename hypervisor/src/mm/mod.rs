//! Memory management: the physical frame allocator over the bootloader's
//! memory map, and the kernel heap.
//!
//! The allocator (crate `hv-frames`) hands out 4 KiB frames from the regions
//! the firmware reports usable, and never a frame holding the kernel image,
//! the bootloader's page tables and boot information (not "usable" in the
//! map), the ramdisk, the allocator's own bitmap, or frame 0 — the ones we
//! know of are reserved explicitly too, as defence in depth.

mod ept_tables;
mod heap;
mod owned;
mod phys;

pub use ept_tables::EptTables;
pub use owned::{OutOfMemory, OwnedFrames};
pub use phys::{ramdisk, read_physical, write_mmio_u32};

use core::fmt;

use bootloader_api::info::{MemoryRegionKind, MemoryRegions};
use bootloader_api::BootInfo;
use hv_frames::{FrameAllocator, FrameError, MemoryRegion, PhysAddr, PhysRange, FRAME_SIZE};
use spin::Mutex;

/// The kernel heap size.
const HEAP_BYTES: u64 = 4 * 1024 * 1024;

/// The machine's physical frames. `None` until [`init`] ran.
pub static FRAMES: Mutex<Option<FrameAllocator<'static>>> = Mutex::new(None);

/// What went wrong setting up memory.
#[derive(Debug)]
pub enum MmError {
    /// The bootloader did not map physical memory (a configuration error).
    NoPhysicalMemoryMapping,
    /// No usable region can hold the allocator's bitmap.
    NoBitmapStorage {
        /// Bytes the bitmap needs.
        bytes: u64,
    },
    /// The allocator rejected the memory map.
    Frames(FrameError),
    /// No contiguous physical run for the heap.
    NoHeapMemory,
}

impl fmt::Display for MmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPhysicalMemoryMapping => {
                f.write_str("the bootloader did not map physical memory (BootloaderConfig.mappings.physical_memory)")
            }
            Self::NoBitmapStorage { bytes } => {
                write!(f, "no usable memory region can hold the {bytes}-byte frame bitmap")
            }
            Self::Frames(error) => write!(f, "frame allocator: {error}"),
            Self::NoHeapMemory => write!(f, "no {HEAP_BYTES}-byte contiguous physical run for the kernel heap"),
        }
    }
}

/// A summary of the memory set-up, for the boot log.
#[derive(Clone, Copy, Debug)]
pub struct MemorySummary {
    regions: usize,
    usable_bytes: u64,
    free_frames: usize,
    heap_bytes: u64,
}

impl fmt::Display for MemorySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "memory: {} map regions, {} MiB usable, {} frames free ({} MiB), heap {} KiB",
            self.regions,
            self.usable_bytes >> 20,
            self.free_frames,
            (self.free_frames as u64 * FRAME_SIZE) >> 20,
            self.heap_bytes >> 10
        )
    }
}

fn regions(map: &MemoryRegions) -> impl Iterator<Item = MemoryRegion> + Clone + '_ {
    map.iter().map(|region| MemoryRegion {
        range: PhysRange::new(PhysAddr::new(region.start), PhysAddr::new(region.end)),
        usable: region.kind == MemoryRegionKind::Usable,
    })
}

/// Bytes of physical memory still free for partitions and their structures.
pub fn free_bytes() -> u64 {
    FRAMES.lock().as_ref().map_or(0, |frames| frames.free_frames() as u64 * FRAME_SIZE)
}

/// Builds the frame allocator and the heap from the boot information.
pub fn init(boot_info: &BootInfo) -> Result<MemorySummary, MmError> {
    let offset = boot_info.physical_memory_offset.into_option().ok_or(MmError::NoPhysicalMemoryMapping)?;
    phys::init(offset);
    let map = regions(&boot_info.memory_regions);

    let words = hv_frames::bitmap_words_for(map.clone());
    let bytes = (words * 8) as u64;
    let storage_range = hv_frames::find_storage(map.clone(), bytes).ok_or(MmError::NoBitmapStorage { bytes })?;
    let storage = phys::bitmap_storage(storage_range, words);
    let mut frames = FrameAllocator::new(storage, map.clone()).map_err(MmError::Frames)?;

    frames.reserve(storage_range);
    let kernel = PhysAddr::new(boot_info.kernel_addr);
    frames.reserve(PhysRange::new(kernel, PhysAddr::new(boot_info.kernel_addr + boot_info.kernel_len)));
    if let Some(ramdisk) = boot_info.ramdisk_addr.into_option() {
        if let Some(start) = phys::virt_to_phys(ramdisk) {
            frames.reserve(PhysRange::new(PhysAddr::new(start), PhysAddr::new(start + boot_info.ramdisk_len)));
        }
    }

    let heap_frames = usize::try_from(HEAP_BYTES / FRAME_SIZE).unwrap_or(usize::MAX);
    let heap_start = frames.allocate_contiguous(heap_frames, 1).ok_or(MmError::NoHeapMemory)?;
    heap::init(phys::to_virt(heap_start.start()), HEAP_BYTES);

    let summary = MemorySummary {
        regions: boot_info.memory_regions.len(),
        usable_bytes: map.filter(|r| r.usable).map(|r| r.range.len()).sum(),
        free_frames: frames.free_frames(),
        heap_bytes: HEAP_BYTES,
    };
    *FRAMES.lock() = Some(frames);
    Ok(summary)
}
