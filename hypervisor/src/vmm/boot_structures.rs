//! What a protected-mode or 64-bit guest needs before its first
//! instruction, built by the hypervisor in the reserved first 64 KiB of the
//! guest's own memory (`guest-images/README-CONTRACT.md`): a GDT (both
//! modes) and identity-mapping page tables (64-bit mode).
//!
//! Layout (offsets from the start of the partition's memory, guest-physical
//! `base`): GDT at 0x800 (null, code 0x08, data 0x10, TSS 0x18), TSS at
//! 0x900, PML4 at 0x1000, PDPT at 0x2000, one page directory per GiB the
//! memory touches from 0x3000, all with 2 MiB pages (SDM Vol. 3A 5.5).

use super::memory::{GuestMemory, LARGE_PAGE};

/// Size of the area reserved for these structures, from the memory's start.
pub const RESERVED_END: u64 = 0x1_0000;
/// Offset of the GDT.
const GDT_BASE: u64 = 0x800;
/// Offset of the (zeroed) TSS.
const TSS_BASE: u64 = 0x900;
/// The TSS limit (a 64-bit TSS is 0x68 bytes).
pub const TSS_LIMIT: u32 = 0x67;
/// The end of the GDT and TSS, the structures the protected-mode start
/// writes; the multiboot information may follow.
pub const TSS_END: u64 = TSS_BASE + TSS_LIMIT as u64 + 1;
const PML4: u64 = 0x1000;
const PDPT: u64 = 0x2000;
const FIRST_PD: u64 = 0x3000;
const GIB: u64 = 1 << 30;

/// Present | writable.
const TABLE_FLAGS: u64 = 0x3;
/// Present | writable | page size (2 MiB leaf).
const LARGE_LEAF_FLAGS: u64 = 0x83;

/// 64-bit GDT: null; code (L=1, P, S, type 0xA); data (P, S, type 2, D/B, G).
const GDT_64: [u64; 3] = [0, 0x00AF_9A00_0000_FFFF, 0x00CF_9200_0000_FFFF];
/// 32-bit flat GDT: null; code (D=1, G, P, S, type 0xA); data (P, S, type 2, D/B, G).
const GDT_32: [u64; 3] = [0, 0x00CF_9A00_0000_FFFF, 0x00CF_9200_0000_FFFF];

/// What the vCPU's initial state must point at (guest-physical addresses).
pub struct Boot {
    /// CR3: the PML4 (64-bit mode; 0 in protected mode, which has no paging).
    pub cr3: u64,
    /// GDTR base and limit.
    pub gdtr: (u64, u32),
    /// The TSS base and limit TR names.
    pub tss: (u64, u32),
}

/// Writes the flat 32-bit GDT into `memory`.
pub fn build_protected_mode(memory: &mut GuestMemory) -> Result<Boot, TooLarge> {
    let base = memory.base();
    if !write_gdt(memory, &GDT_32) {
        return Err(TooLarge { bytes: memory.len() });
    }
    Ok(Boot { cr3: 0, gdtr: (base + GDT_BASE, 0x27), tss: (base + TSS_BASE, TSS_LIMIT) })
}

/// Writes `descriptors` and a TSS descriptor (at 0x18: the TSS, limit 0x67,
/// type 0xB busy TSS, present; 16 bytes, the upper half only read in 64-bit
/// mode) at the GDT's place.
fn write_gdt(memory: &mut GuestMemory, descriptors: &[u64; 3]) -> bool {
    let gdt = memory.base() + GDT_BASE;
    let tss = memory.base() + TSS_BASE;
    let mut ok = true;
    for (index, descriptor) in descriptors.iter().enumerate() {
        ok &= memory.write(gdt + index as u64 * 8, &descriptor.to_le_bytes());
    }
    let low = u64::from(TSS_LIMIT) | ((tss & 0xFF_FFFF) << 16) | (0x8B << 40) | ((tss >> 24) & 0xFF) << 56;
    ok &= memory.write(gdt + 0x18, &low.to_le_bytes());
    ok & memory.write(gdt + 0x20, &(tss >> 32).to_le_bytes())
}

/// Why the structures could not be built.
#[derive(Debug)]
pub struct TooLarge {
    /// The memory size.
    pub bytes: u64,
}

/// Writes the page tables (identity-mapping the partition's memory) and the
/// 64-bit GDT into `memory`.
pub fn build_long_mode(memory: &mut GuestMemory) -> Result<Boot, TooLarge> {
    let base = memory.base();
    let end = base + memory.len();
    let first_gib = base / GIB;
    let directories = end.div_ceil(GIB) - first_gib;
    // One PML4 entry covers 512 GiB: the manifest keeps memory below that.
    if FIRST_PD + directories * 0x1000 > RESERVED_END || end > 512 * GIB {
        return Err(TooLarge { bytes: memory.len() });
    }
    let mut ok = memory.write(base + PML4, &((base + PDPT) | TABLE_FLAGS).to_le_bytes());
    for directory in 0..directories {
        let gib = first_gib + directory;
        let pd = base + FIRST_PD + directory * 0x1000;
        ok &= memory.write(base + PDPT + gib * 8, &(pd | TABLE_FLAGS).to_le_bytes());
        for entry in 0..512 {
            let address = gib * GIB + entry * LARGE_PAGE;
            if (base..end).contains(&address) {
                ok &= memory.write(pd + entry * 8, &(address | LARGE_LEAF_FLAGS).to_le_bytes());
            }
        }
    }
    ok &= write_gdt(memory, &GDT_64);
    if !ok {
        return Err(TooLarge { bytes: memory.len() });
    }
    Ok(Boot { cr3: base + PML4, gdtr: (base + GDT_BASE, 0x27), tss: (base + TSS_BASE, TSS_LIMIT) })
}
