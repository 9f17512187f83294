//! What each TOML field takes, with an example line: the one description
//! every message about a field quotes (missing, wrong type, misspelt), so the
//! fix always shows what to write.

/// One field of a TOML table.
pub(super) struct FieldSpec {
    /// The key.
    pub(super) key: &'static str,
    /// A line that sets it.
    pub(super) example: &'static str,
    /// What values it takes.
    pub(super) takes: &'static str,
}

const fn spec(key: &'static str, example: &'static str, takes: &'static str) -> FieldSpec {
    FieldSpec { key, example, takes }
}

/// The top level of the manifest.
pub(super) const ROOT: &[FieldSpec] = &[
    spec("schedule", "[schedule]", "how CPU time is shared: a table with mode = \"cyclic\" or \"weighted\""),
    spec("partition", "[[partition]]", "one table per partition"),
];

/// `[schedule]`.
pub(super) const SCHEDULE: &[FieldSpec] = &[
    spec("mode", "mode = \"cyclic\"", "\"cyclic\" (fixed time frames) or \"weighted\" (weighted round-robin)"),
    spec(
        "major_frame_us",
        "major_frame_us = 30000",
        "the cyclic schedule's period in microseconds, the sum of its frames' durations",
    ),
    spec("frame", "[[schedule.frame]]", "the cyclic schedule's frames, each a table with partition and duration_us"),
    spec(
        "slice_us",
        "slice_us = 1000",
        "the weighted schedule's time slice in microseconds, 100 to 1000000 (default 1000)",
    ),
];

/// `[[schedule.frame]]`.
pub(super) const FRAME: &[FieldSpec] = &[
    spec("partition", "partition = \"hello64\"", "the name of the partition that runs in this frame"),
    spec("duration_us", "duration_us = 10000", "the frame's length in microseconds, at least 100"),
];

/// `[[partition]]`.
pub(super) const PARTITION: &[FieldSpec] = &[
    spec("name", "name = \"hello64\"", "1 to 31 characters of a-z, 0-9 and '-', unique"),
    spec("memory_mib", "memory_mib = 16", "an even number of MiB from 2 to 1024"),
    spec("base", "base = 0", "the guest-physical address the memory starts at, 2 MiB aligned (default 0)"),
    spec(
        "image",
        "image = \"guest:hello64\"",
        "\"guest:<name>\" for a guest of guest-images/, or a file path relative to the manifest",
    ),
    spec("format", "format = \"elf\"", "\"elf\", \"flat\" or \"multiboot\""),
    spec(
        "mode",
        "mode = \"long64\"",
        "\"real16\", \"protected32\" or \"long64\" (ELF images: long64 or real16; multiboot: protected32, the default)",
    ),
    spec("load_address", "load_address = 0x7c00", "the guest-physical address a flat image is loaded at"),
    spec(
        "entry",
        "entry = 0x7c00",
        "the guest-physical address of a flat image's first instruction (default: load_address)",
    ),
    spec("boot_argument", "boot_argument = 0", "a number passed to the guest in RDI (default 0)"),
    spec("share", "share = 1", "the partition's weight in a weighted schedule, 1 to 1000 (default 1)"),
    spec("cpu", "cpu = 0", "the CPU to run on; only CPU 0 exists for now (default 0)"),
    spec(
        "io_ports",
        "io_ports = [\"0x80\", \"0x2f8-0x2ff\"]",
        "I/O ports passed through to the hardware: single ports \"0x80\" or ranges \"0x2f8-0x2ff\" (default none)",
    ),
    spec("restart", "restart = \"on-fault\"", "\"never\" (default) or \"on-fault\""),
    spec("restart_limit", "restart_limit = 3", "with restart = \"on-fault\": how many restarts at most, 1 to 100"),
    spec("console", "[partition.console]", "a table with the console's color"),
    spec("cmdline", "cmdline = \"console=com0\"", "multiboot: the kernel's command line (default empty)"),
    spec(
        "modules",
        "modules = [{ path = \"initrd.img\", string = \"initrd\" }]",
        "multiboot: boot modules, each a file path relative to the manifest and the string the kernel gets with it",
    ),
];

/// `modules = [{ ... }]` entries.
pub(super) const MODULE: &[FieldSpec] = &[
    spec("path", "path = \"initrd.img\"", "the module's file, relative to the manifest (or \"guest:<name>\")"),
    spec("string", "string = \"initrd\"", "the string the kernel gets with the module (default: the path)"),
];

/// `[partition.console]`.
pub(super) const CONSOLE: &[FieldSpec] = &[spec(
    "color",
    "color = \"cyan\"",
    "\"none\" (default), \"red\", \"green\", \"yellow\", \"blue\", \"magenta\", \"cyan\" or \"white\"",
)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_sets_its_own_field() {
        for table in [ROOT, SCHEDULE, FRAME, PARTITION, CONSOLE, MODULE] {
            for field in table {
                assert!(field.example.contains(field.key), "{} / {}", field.key, field.example);
                assert!(!field.takes.is_empty());
            }
            for (index, field) in table.iter().enumerate() {
                assert!(table[..index].iter().all(|f| f.key != field.key), "{} twice", field.key);
            }
        }
    }
}
