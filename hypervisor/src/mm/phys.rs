//! Access to physical memory through the bootloader's offset mapping (all of
//! physical memory mapped at one virtual offset).

#![allow(unsafe_code, reason = "mechanism layer: turns physical addresses into references")]

use core::sync::atomic::{AtomicU64, Ordering};

use hv_frames::{PhysAddr, PhysRange};
use x86_64::structures::paging::{OffsetPageTable, PageTable, Translate};
use x86_64::VirtAddr;

static OFFSET: AtomicU64 = AtomicU64::new(0);

/// Records the virtual offset at which the bootloader mapped physical memory.
pub fn init(offset: u64) {
    OFFSET.store(offset, Ordering::Relaxed);
}

/// The virtual address at which physical address `addr` is mapped.
pub fn to_virt(addr: PhysAddr) -> u64 {
    OFFSET.load(Ordering::Relaxed) + addr.as_u64()
}

/// Translates a kernel virtual address through the active page tables.
pub fn virt_to_phys(addr: u64) -> Option<u64> {
    let (level_4, _) = x86_64::registers::control::Cr3::read();
    let table_virt = to_virt(PhysAddr::new(level_4.start_address().as_u64()));
    // SAFETY: CR3 holds the active level-4 table, which the bootloader's
    // physical-memory mapping makes readable at `table_virt`. The mapper is
    // used only to read (translate) and dropped before returning, and no
    // other code mutates the page tables concurrently (single CPU at boot).
    let mapper = unsafe {
        OffsetPageTable::new(&mut *(table_virt as *mut PageTable), VirtAddr::new(OFFSET.load(Ordering::Relaxed)))
    };
    mapper.translate_addr(VirtAddr::new(addr)).map(|phys| phys.as_u64())
}

/// The frame allocator's bitmap storage: `words` u64s at the start of
/// `range`, which `hv_frames::find_storage` chose from usable RAM.
pub fn bitmap_storage(range: PhysRange, words: usize) -> &'static mut [u64] {
    assert!((words as u64) * 8 <= range.len(), "bitmap storage range too small");
    let ptr = to_virt(range.start) as *mut u64;
    // SAFETY: `range` is usable RAM (firmware-reported, not holding the
    // kernel, its page tables or boot info), mapped writable by the offset
    // mapping, 4 KiB aligned, and large enough for `words` u64s. This is the
    // only reference ever created to it: the allocator reserves the range so
    // it is never handed out. Zeroing first makes every u64 initialised.
    unsafe {
        core::ptr::write_bytes(ptr, 0, words);
        core::slice::from_raw_parts_mut(ptr, words)
    }
}

/// The ramdisk the bootloader loaded, as bytes.
pub fn ramdisk(boot_info: &bootloader_api::BootInfo) -> Option<&'static [u8]> {
    let addr = boot_info.ramdisk_addr.into_option()?;
    let len = usize::try_from(boot_info.ramdisk_len).ok()?;
    // SAFETY: the bootloader mapped the ramdisk read-only at `addr` for
    // `len` bytes for the kernel's lifetime, and `mm::init` reserved its
    // frames so the allocator never hands them out: nothing writes them.
    Some(unsafe { core::slice::from_raw_parts(addr as *const u8, len) })
}

/// Writes a 32-bit device register at physical address `addr`, if the
/// physical-memory mapping covers it (the bootloader maps what the memory
/// map lists, which need not include device pages). Returns whether it did.
pub fn write_mmio_u32(addr: u64, value: u32) -> bool {
    let virt = to_virt(PhysAddr::new(addr));
    if virt_to_phys(virt) != Some(addr) {
        return false;
    }
    // SAFETY: the address translates to the device register through the
    // kernel's own mapping (checked just above); a volatile 32-bit store is
    // how device registers are written, and callers pass only registers
    // whose write has no memory side effect (the APIC EOI register).
    unsafe { core::ptr::write_volatile(virt as *mut u32, value) };
    true
}

/// Copies `buf.len()` bytes of physical memory starting at `phys` into
/// `buf`, if every page of the range is mapped by the physical-memory mapping
/// (firmware tables can lie in regions the bootloader did not map). Returns
/// whether it did.
pub fn read_physical(phys: u64, buf: &mut [u8]) -> bool {
    let Some(end) = phys.checked_add(buf.len() as u64) else { return false };
    let mut page = phys & !0xFFF;
    while page < end {
        if virt_to_phys(to_virt(PhysAddr::new(page))) != Some(page) {
            return false;
        }
        page += 0x1000;
    }
    let source = to_virt(PhysAddr::new(phys)) as *const u8;
    for (index, byte) in buf.iter_mut().enumerate() {
        // SAFETY: every page of the range translates to itself through the
        // kernel's physical-memory mapping (checked above), so the read stays
        // in mapped memory; `read_volatile` copies a byte without creating a
        // reference to memory the firmware owns.
        *byte = unsafe { core::ptr::read_volatile(source.add(index)) };
    }
    true
}
