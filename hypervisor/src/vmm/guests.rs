//! The guests this build knows how to run, and which of them to run
//! (boot parameter `guests=a,b,...`; by default the demonstration set).
//!
//! Each entry names its image in the boot bundle, so changing a guest needs
//! no kernel rebuild. A declarative partition manifest replaces this table
//! with the partition-manager work.

use super::partition::ImageMode;

/// One runnable guest.
#[derive(Clone, Copy, Debug)]
pub struct Guest {
    /// Partition name.
    pub name: &'static str,
    /// Boot-bundle entry holding the image.
    pub image: &'static str,
    /// Start mode.
    pub mode: ImageMode,
    /// Memory in MiB (a multiple of 2).
    pub memory_mib: u64,
    /// RDI at start.
    pub boot_argument: u64,
}

/// Boot argument that makes `hello64` run its exit-latency benchmark.
pub const BENCH_ARGUMENT: u64 = 0xBE7C;

/// Every known guest.
pub const KNOWN: &[Guest] = &[
    Guest { name: "hello64", image: "guest/hello64", mode: ImageMode::Long64, memory_mib: 16, boot_argument: 0 },
    Guest { name: "realmode", image: "guest/realmode", mode: ImageMode::Real16, memory_mib: 2, boot_argument: 0 },
    Guest { name: "hostile-ept", image: "guest/hostile", mode: ImageMode::Long64, memory_mib: 16, boot_argument: 1 },
    Guest { name: "hostile-triple", image: "guest/hostile", mode: ImageMode::Long64, memory_mib: 16, boot_argument: 2 },
    Guest {
        name: "bench",
        image: "guest/hello64",
        mode: ImageMode::Long64,
        memory_mib: 16,
        boot_argument: BENCH_ARGUMENT,
    },
];

/// The default selection: every guest but the benchmark.
const DEFAULT: &[&str] = &["hello64", "realmode", "hostile-ept", "hostile-triple"];

/// Which guests to run, in order.
pub struct GuestSelection {
    names: alloc::vec::Vec<&'static Guest>,
}

impl Default for GuestSelection {
    fn default() -> Self {
        Self { names: DEFAULT.iter().filter_map(|name| find(name)).collect() }
    }
}

fn find(name: &str) -> Option<&'static Guest> {
    KNOWN.iter().find(|guest| guest.name == name)
}

impl GuestSelection {
    /// Parses a comma-separated list of guest names.
    pub fn parse(list: &str) -> Result<Self, alloc::string::String> {
        let mut names = alloc::vec::Vec::new();
        for name in list.split(',').filter(|n| !n.is_empty()) {
            let guest = find(name).ok_or_else(|| {
                let known: alloc::vec::Vec<&str> = KNOWN.iter().map(|g| g.name).collect();
                alloc::format!("guests={list}: unknown guest `{name}` (known: {})", known.join(", "))
            })?;
            names.push(guest);
        }
        Ok(Self { names })
    }

    /// The selected guests.
    pub fn guests(&self) -> impl Iterator<Item = &'static Guest> + '_ {
        self.names.iter().copied()
    }
}
