//! One partition's configuration: its memory, its image and how it starts,
//! its share of the machine, and what happens when it fails.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use crate::ports::PortRange;

/// Everything the manifest says about one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionConfig {
    /// Name: 1 to [`MAX_NAME_LEN`](crate::MAX_NAME_LEN) characters of
    /// `[a-z0-9-]`, unique in the manifest. Prefixes the partition's console
    /// lines and names it in the schedule and in every message.
    pub name: String,
    /// Guest memory in MiB, an even number from 2 to 1024.
    pub memory_mib: u32,
    /// Guest-physical address where the memory starts, 2 MiB aligned.
    pub base: u64,
    /// Where the image comes from.
    pub image: ImageSource,
    /// How the image is laid out, and for flat binaries where it goes.
    pub format: ImageFormat,
    /// The processor mode the partition starts in.
    pub mode: CpuMode,
    /// Passed to the guest in RDI at start.
    pub boot_argument: u64,
    /// Relative weight in a weighted schedule, 1 to 1000 (1 if not given).
    pub share: u32,
    /// The CPU the partition runs on (only CPU 0 exists for now).
    pub cpu: u32,
    /// I/O ports passed through to the real hardware; every other port is
    /// intercepted by the hypervisor.
    pub io_ports: Vec<PortRange>,
    /// What happens when the partition stops on a fault.
    pub restart: RestartPolicy,
    /// Colour of the partition's console lines, if any.
    pub color: Option<Color>,
    /// Multiboot: the kernel's command line (empty when not given).
    pub cmdline: String,
    /// Multiboot: the boot modules, loaded page-aligned above the kernel.
    pub modules: Vec<BootModule>,
}

/// A multiboot boot module: a file loaded with the kernel, and the string
/// the kernel gets with it (Multiboot 0.6.96 section 3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootModule {
    /// Where the file comes from (TOML `path`, like `image`).
    pub image: ImageSource,
    /// The module's string: a command line or a name (TOML `string`,
    /// default: the path as written).
    pub string: String,
}

/// The boot-bundle entry that carries module `index` of partition
/// `partition`: `module/<partition>/<index>`.
#[must_use]
pub fn module_entry_name(partition: &str, index: usize) -> String {
    alloc::format!("module/{partition}/{index}")
}

impl PartitionConfig {
    /// A partition with the given required fields and every optional field at
    /// its default: base 0, boot argument 0, share 1, CPU 0, no I/O ports,
    /// never restarted, no colour, no command line and no modules.
    #[must_use]
    pub fn new(name: &str, memory_mib: u32, image: ImageSource, format: ImageFormat, mode: CpuMode) -> Self {
        Self {
            name: name.into(),
            memory_mib,
            base: 0,
            image,
            format,
            mode,
            boot_argument: 0,
            share: 1,
            cpu: 0,
            io_ports: Vec::new(),
            restart: RestartPolicy::Never,
            color: None,
            cmdline: String::new(),
            modules: Vec::new(),
        }
    }

    /// Guest memory in bytes.
    #[must_use]
    pub fn memory_bytes(&self) -> u64 {
        u64::from(self.memory_mib) << 20
    }

    /// The guest-physical range of the partition's memory, `base..base +
    /// memory_bytes` (saturating, which a validated partition never needs).
    #[must_use]
    pub fn memory_range(&self) -> Range<u64> {
        self.base..self.base.saturating_add(self.memory_bytes())
    }
}

/// Where a partition's image comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageSource {
    /// A guest built from this repository's `guest-images/` (TOML
    /// `image = "guest:<name>"`).
    Guest(String),
    /// A file on the host, relative to the manifest's directory (TOML
    /// `image = "<path>"`).
    File(String),
    /// An entry of the boot bundle: what [`Guest`](Self::Guest) and
    /// [`File`](Self::File) become once the host tool has put the image in the
    /// bundle. Every decoded manifest has only this kind.
    Bundle(String),
}

impl ImageSource {
    /// The guest name, path or bundle entry name.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Guest(name) | Self::File(name) | Self::Bundle(name) => name,
        }
    }
}

impl fmt::Display for ImageSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Guest(name) => write!(f, "guest:{name}"),
            Self::File(path) => f.write_str(path),
            Self::Bundle(entry) => write!(f, "bundle entry {entry}"),
        }
    }
}

/// How an image is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// An ELF executable: it says itself where its segments load and where it
    /// starts (checked by `hv-image` when it is loaded).
    Elf,
    /// A raw binary, copied as a whole to `load_address`.
    Flat {
        /// Guest-physical address of the image's first byte.
        load_address: u64,
        /// Guest-physical address of the first instruction.
        entry: u64,
    },
    /// A Multiboot (version 1) kernel: an ELF file or a binary with load
    /// addresses in its Multiboot header, started in 32-bit protected mode
    /// with the Multiboot information (checked and loaded by `hv-multiboot`).
    Multiboot,
}

impl ImageFormat {
    /// The TOML name: `"elf"`, `"flat"` or `"multiboot"`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Elf => "elf",
            Self::Flat { .. } => "flat",
            Self::Multiboot => "multiboot",
        }
    }
}

/// The processor mode a partition starts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuMode {
    /// 16-bit real mode, like a BIOS handing over to a boot sector.
    Real16,
    /// 32-bit protected mode with flat segments, paging off.
    Protected32,
    /// 64-bit long mode with identity paging built by the hypervisor.
    Long64,
}

impl CpuMode {
    /// Every mode, in TOML-name order of the documentation.
    pub const ALL: [Self; 3] = [Self::Real16, Self::Protected32, Self::Long64];

    /// The TOML name: `"real16"`, `"protected32"` or `"long64"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Real16 => "real16",
            Self::Protected32 => "protected32",
            Self::Long64 => "long64",
        }
    }
}

/// Splits a real-mode entry point into the `(CS, IP)` the partition starts
/// with: CS a multiple of 0x1000 and IP the low 16 bits, so an entry below
/// 64 KiB starts at `0000:entry` as after a BIOS (`0000:7C00`). `None` when
/// real mode cannot reach `entry` (1 MiB and above).
#[must_use]
pub fn real_mode_start(entry: u64) -> Option<(u16, u16)> {
    if entry >= crate::REAL_MODE_LIMIT {
        return None;
    }
    let segment = u16::try_from((entry >> 16) << 12).ok()?;
    let offset = u16::try_from(entry & 0xffff).ok()?;
    Some((segment, offset))
}

/// What happens when a partition stops on a fault (an EPT violation, a triple
/// fault, an unexpected exit). A partition that shuts itself down is never
/// restarted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartPolicy {
    /// The partition stays stopped; the others carry on.
    Never,
    /// The partition is rebuilt from its image and started again, at most
    /// `limit` times (1 to 100).
    OnFault {
        /// How many restarts at most.
        limit: u32,
    },
}

/// Colour of a partition's console lines (the ANSI foreground colours).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// ANSI 31.
    Red,
    /// ANSI 32.
    Green,
    /// ANSI 33.
    Yellow,
    /// ANSI 34.
    Blue,
    /// ANSI 35.
    Magenta,
    /// ANSI 36.
    Cyan,
    /// ANSI 37.
    White,
}

impl Color {
    /// Every colour, in ANSI order.
    pub const ALL: [Self; 7] =
        [Self::Red, Self::Green, Self::Yellow, Self::Blue, Self::Magenta, Self::Cyan, Self::White];

    /// The TOML name, e.g. `"cyan"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Green => "green",
            Self::Yellow => "yellow",
            Self::Blue => "blue",
            Self::Magenta => "magenta",
            Self::Cyan => "cyan",
            Self::White => "white",
        }
    }

    /// The ANSI SGR foreground code (`ESC [ <code> m`), 31 to 37.
    #[must_use]
    pub fn ansi_code(self) -> u8 {
        match self {
            Self::Red => 31,
            Self::Green => 32,
            Self::Yellow => 33,
            Self::Blue => 34,
            Self::Magenta => 35,
            Self::Cyan => 36,
            Self::White => 37,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_memory_range() {
        let mut p =
            PartitionConfig::new("p", 16, ImageSource::Guest("hello64".into()), ImageFormat::Elf, CpuMode::Long64);
        assert_eq!((p.share, p.cpu, p.boot_argument, p.restart, p.color), (1, 0, 0, RestartPolicy::Never, None));
        assert_eq!(p.memory_range(), 0..16 << 20);
        p.base = 4 << 20;
        assert_eq!(p.memory_range(), 4 << 20..20 << 20);
        p.base = u64::MAX;
        assert_eq!(p.memory_range().end, u64::MAX);
    }

    #[test]
    fn real_mode_entries_split_into_segment_and_offset() {
        assert_eq!(real_mode_start(0x7c00), Some((0, 0x7c00)));
        assert_eq!(real_mode_start(0x1_2345), Some((0x1000, 0x2345)));
        assert_eq!(real_mode_start(0xf_ffff), Some((0xf000, 0xffff)));
        assert_eq!(real_mode_start(0x10_0000), None);
        for entry in [0u64, 0x7c00, 0x1_0000, 0x9_fff0, 0xf_ffff] {
            let (cs, ip) = real_mode_start(entry).expect("below 1 MiB");
            assert_eq!(u64::from(cs) * 16 + u64::from(ip), entry);
        }
    }

    #[test]
    fn names_and_codes_are_distinct() {
        let names: Vec<&str> = Color::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names, ["red", "green", "yellow", "blue", "magenta", "cyan", "white"]);
        let codes: Vec<u8> = Color::ALL.iter().map(|c| c.ansi_code()).collect();
        assert_eq!(codes, [31, 32, 33, 34, 35, 36, 37]);
        assert_eq!(CpuMode::ALL.map(CpuMode::name), ["real16", "protected32", "long64"]);
        assert_eq!(ImageSource::Guest("hello64".into()).to_string(), "guest:hello64");
        assert_eq!(ImageSource::File("a/b.bin".into()).to_string(), "a/b.bin");
        assert_eq!(ImageFormat::Flat { load_address: 0, entry: 0 }.name(), "flat");
        assert_eq!(ImageFormat::Multiboot.name(), "multiboot");
        assert_eq!(module_entry_name("mb", 3), "module/mb/3");
    }
}
