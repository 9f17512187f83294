//! The numeric limits of a manifest, in one place.
//!
//! Validation, the TOML reader, the binary codec and their error messages all
//! quote these, so a limit changes in one line and every message follows.

/// Most partitions a manifest may declare (the decoder refuses more, too).
pub const MAX_PARTITIONS: usize = 16;
/// Longest partition name, in bytes (`[a-z0-9-]`, so also in characters).
pub const MAX_NAME_LEN: usize = 31;
/// Smallest partition memory, in MiB.
pub const MIN_MEMORY_MIB: u32 = 2;
/// Largest partition memory, in MiB.
pub const MAX_MEMORY_MIB: u32 = 1024;
/// Partition memory comes in units of this many MiB: it is backed by 2 MiB
/// pages in the partition's EPT.
pub const MEMORY_GRANULE_MIB: u32 = 2;
/// Alignment of a partition's guest-physical base (2 MiB, one large EPT page).
pub const BASE_ALIGN: u64 = 2 << 20;
/// End of the guest-physical address space a partition may use: 512 GiB, what
/// one top-level EPT entry (PML4E) maps.
pub const GUEST_PHYSICAL_LIMIT: u64 = 512 << 30;
/// Size of the hypervisor's boot structures (page tables, GDT) at the start of
/// the memory of long64 and protected32 partitions; flat images must not load
/// there (`guest-images/README-CONTRACT.md`).
pub const BOOT_AREA_BYTES: u64 = 64 << 10;
/// Real mode reaches the first MiB only.
pub const REAL_MODE_LIMIT: u64 = 1 << 20;
/// Most minor frames in a cyclic schedule.
pub const MAX_FRAMES: usize = 64;
/// Shortest minor frame, in microseconds: switching partitions costs time, and
/// a shorter frame would be mostly switching.
pub const MIN_FRAME_US: u32 = 100;
/// Shortest weighted-round-robin time slice, in microseconds.
pub const MIN_SLICE_US: u32 = 100;
/// Longest weighted-round-robin time slice, in microseconds (one second).
pub const MAX_SLICE_US: u32 = 1_000_000;
/// The time slice of a weighted schedule that does not give `slice_us`.
pub const DEFAULT_SLICE_US: u32 = 1000;
/// Largest weight (`share`) of a partition in a weighted schedule.
pub const MAX_SHARE: u32 = 1000;
/// Most restarts a `restart = "on-fault"` partition may be given.
pub const MAX_RESTART_LIMIT: u32 = 100;
/// Most `io_ports` entries one partition may list.
pub const MAX_PORT_RANGES: usize = 32;
/// The only CPU partitions can be placed on for now.
pub const ONLY_CPU: u32 = 0;
/// Most boot modules a multiboot partition may have.
pub const MAX_MODULES: usize = 16;
/// Longest multiboot command line, in bytes.
pub const MAX_CMDLINE_LEN: usize = 4096;
/// Longest multiboot module string, in bytes.
pub const MAX_MODULE_STRING_LEN: usize = 1024;
/// A multiboot partition's memory must end here: the kernel starts in 32-bit
/// mode and the Multiboot information holds 32-bit addresses.
pub const MULTIBOOT_MEMORY_LIMIT: u64 = 1 << 32;
