//! The partition manifest on the host: read the TOML file, resolve each
//! partition's image (and a multiboot kernel's modules), validate everything
//! (with the image sizes known, and multiboot kernels planned by
//! `hv-multiboot` exactly as the hypervisor will), and turn it into
//! boot-bundle entries — the encoded manifest plus one entry per image and
//! module. Nothing boots unless all of this succeeds, and every problem is
//! reported at once, naming the partition, the field and the fix.

use std::path::{Path, PathBuf};

use hv_manifest::{ImageFormat, ImageSource, Manifest, ManifestError, PartitionConfig, ValidationContext};

use crate::{paths, Error, Result};

/// The manifest `cargo xtask run` uses unless told otherwise.
pub fn default_path() -> PathBuf {
    paths::root().join("manifests").join("default.toml")
}

/// Bundle entries: (name, bytes).
pub type Entries = Vec<(String, Vec<u8>)>;

/// The bundle entry name of a partition's image.
fn entry_name(config: &PartitionConfig) -> String {
    match &config.image {
        ImageSource::Guest(name) => format!("guest/{name}"),
        _ => format!("file/{}", config.name),
    }
}

/// Reads, checks and encodes the manifest at `path`. `guests` are the
/// workspace guests built for this run (name, ELF path); `host_memory_mib` is
/// the machine's RAM (all partitions together must fit in it).
pub fn prepare(path: &Path, guests: &[(String, PathBuf)], host_memory_mib: u32) -> Result<Entries> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::new(format!("cannot read the manifest {}: {e} (pass another with --manifest FILE)", path.display()))
    })?;
    let problems = |mut list: Vec<ManifestError>| {
        hv_manifest::locate_errors(&text, &mut list);
        let lines: Vec<String> = list.iter().map(|e| format!("  - {e}")).collect();
        Error::new(format!("manifest {} is not valid; nothing was booted:\n{}", path.display(), lines.join("\n")))
    };
    let manifest: Manifest = hv_manifest::parse_toml(&text).map_err(problems)?;
    let directory = path.parent().unwrap_or(Path::new("."));
    let mut entries: Entries = Vec::new();
    let mut sizes = std::collections::BTreeMap::new();
    let mut missing = Vec::new();
    let mut multiboot = Vec::new();
    for config in &manifest.partitions {
        let Some(bytes) = read_image(&config.name, "image", &config.image, directory, guests, &mut missing)? else {
            continue;
        };
        sizes.insert(config.name.clone(), bytes.len() as u64);
        let mut modules = Vec::new();
        for (index, module) in config.modules.iter().enumerate() {
            let field = format!("modules[{index}].path");
            if let Some(bytes) = read_image(&config.name, &field, &module.image, directory, guests, &mut missing)? {
                modules.push(bytes);
            }
        }
        if config.format == ImageFormat::Multiboot && modules.len() == config.modules.len() {
            multiboot.push((config, bytes.clone(), modules.clone()));
        }
        for (index, module) in modules.into_iter().enumerate() {
            entries.push((hv_manifest::module_entry_name(&config.name, index), module));
        }
        let name = entry_name(config);
        if !entries.iter().any(|(existing, _)| *existing == name) {
            entries.push((name, bytes));
        }
    }
    if !missing.is_empty() {
        return Err(Error::new(format!(
            "manifest {} names images that cannot be used; nothing was booted:\n{}",
            path.display(),
            missing.join("\n")
        )));
    }
    let context = ValidationContext { host_memory_mib: Some(u64::from(host_memory_mib)), image_sizes: sizes };
    hv_manifest::validate(&manifest, &context).map_err(problems)?;
    let kernel_problems: Vec<ManifestError> = multiboot
        .iter()
        .filter_map(|(config, kernel, modules)| check_multiboot(config, kernel, modules).err())
        .collect();
    if !kernel_problems.is_empty() {
        return Err(problems(kernel_problems));
    }
    let encoded = hv_manifest::encode(&manifest, entry_name)
        .map_err(|e| Error::new(format!("encoding the manifest {}: {e}", path.display())))?;
    entries.insert(0, ("manifest".into(), encoded));
    Ok(entries)
}

/// Reads the file `source` names for `field` of partition `partition`;
/// `None` (with the problem added to `missing`) when it cannot be read.
fn read_image(
    partition: &str,
    field: &str,
    source: &ImageSource,
    directory: &Path,
    guests: &[(String, PathBuf)],
    missing: &mut Vec<String>,
) -> Result<Option<Vec<u8>>> {
    let file = match source {
        ImageSource::Guest(name) => match guests.iter().find(|(guest, _)| guest == name) {
            Some((_, file)) => file.clone(),
            None => {
                let known: Vec<&str> = guests.iter().map(|(n, _)| n.as_str()).collect();
                missing.push(format!(
                    "  - partition \"{partition}\", field {field}: no guest `{name}` in guest-images/ — use one of: {}",
                    known.join(", ")
                ));
                return Ok(None);
            }
        },
        ImageSource::File(relative) => directory.join(relative),
        ImageSource::Bundle(_) => {
            return Err(Error::new(format!(
                "partition \"{partition}\": a bundle image source cannot appear in a TOML manifest"
            )))
        }
    };
    match std::fs::read(&file) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) => {
            missing.push(format!(
                "  - partition \"{partition}\", field {field}: cannot read {}: {e} — check the path (relative to {})",
                file.display(),
                directory.display()
            ));
            Ok(None)
        }
    }
}

/// Plans a multiboot kernel's boot as the hypervisor will (`hv-multiboot`):
/// its header, segments or address fields, modules and information against
/// the partition's memory.
fn check_multiboot(
    config: &PartitionConfig,
    kernel: &[u8],
    modules: &[Vec<u8>],
) -> std::result::Result<(), ManifestError> {
    let report = |error: hv_multiboot::MultibootError| {
        ManifestError::new(Some(&config.name), error.field().to_string(), error.to_string(), error.fix().to_string())
    };
    let layout = hv_multiboot::Layout::new(config.base, config.memory_bytes()).map_err(report)?;
    let modules: Vec<hv_multiboot::Module<'_>> = modules
        .iter()
        .zip(&config.modules)
        .map(|(bytes, module)| hv_multiboot::Module { bytes, string: &module.string })
        .collect();
    hv_multiboot::plan(kernel, &config.cmdline, &modules, &layout).map(|_| ()).map_err(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guests() -> Vec<(String, PathBuf)> {
        // Any readable file stands in for a built guest here.
        let file = paths::root().join("Cargo.toml");
        ["hello64", "realmode", "hostile"].iter().map(|name| ((*name).to_owned(), file.clone())).collect()
    }

    fn write_manifest(name: &str, text: &str) -> PathBuf {
        let dir = paths::root().join("target").join("manifest-tests");
        std::fs::create_dir_all(&dir).expect("create test dir");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write test manifest");
        path
    }

    #[test]
    fn the_shipped_manifests_are_valid() {
        for name in ["default.toml", "bench.toml", "tests/hello64-only.toml", "tests/shares-cyclic.toml"] {
            let path = paths::root().join("manifests").join(name);
            let entries = prepare(&path, &guests(), 512).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(entries[0].0, "manifest", "{name}");
        }
    }

    #[test]
    fn a_bad_manifest_names_every_problem_with_partition_field_and_line() {
        let path = write_manifest(
            "bad.toml",
            "[schedule]\nmode = \"weighted\"\n\n[[partition]]\nname = \"a\"\nmemory_mb = 16\nimage = \"guest:hello64\"\n\
             format = \"elf\"\nmode = \"long64\"\n\n[[partition]]\nname = \"b\"\nmemory_mib = 3\nimage = \"guest:hello64\"\n\
             format = \"elf\"\nmode = \"long64\"\n",
        );
        let error = prepare(&path, &guests(), 512).expect_err("must be refused").to_string();
        assert!(error.contains("nothing was booted"), "{error}");
        assert!(error.contains("memory_mb"), "{error}");
        assert!(error.contains("partition \"b\", field memory_mib"), "{error}");
        assert!(error.contains("line "), "{error}");
    }

    #[test]
    fn a_missing_image_file_is_named() {
        let path = write_manifest(
            "missing.toml",
            "[schedule]\nmode = \"weighted\"\n\n[[partition]]\nname = \"mine\"\nmemory_mib = 2\n\
             image = \"no-such-file.bin\"\nformat = \"flat\"\nmode = \"real16\"\nload_address = 0x7c00\n",
        );
        let error = prepare(&path, &guests(), 512).expect_err("must be refused").to_string();
        assert!(error.contains("partition \"mine\", field image: cannot read"), "{error}");
        assert!(error.contains("no-such-file.bin"), "{error}");
    }

    #[test]
    fn an_unknown_guest_lists_the_known_ones() {
        let path = write_manifest(
            "unknown-guest.toml",
            "[schedule]\nmode = \"weighted\"\n\n[[partition]]\nname = \"x\"\nmemory_mib = 16\n\
             image = \"guest:nosuch\"\nformat = \"elf\"\nmode = \"long64\"\n",
        );
        let error = prepare(&path, &guests(), 512).expect_err("must be refused").to_string();
        assert!(error.contains("no guest `nosuch`"), "{error}");
        assert!(error.contains("hello64, realmode, hostile"), "{error}");
    }

    /// A flat multiboot kernel (address fields): loaded at 1 MiB, 0x100
    /// bytes, entry at its start.
    fn flat_multiboot_kernel(name: &str) -> PathBuf {
        let words = [
            0x1BAD_B002u32,
            0x1_0003,
            0u32.wrapping_sub(0x1BAD_B002 + 0x1_0003),
            0x10_0000,
            0x10_0000,
            0,
            0,
            0x10_0000,
        ];
        let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        bytes.resize(0x100, 0xf4);
        let path = paths::root().join("target").join("manifest-tests").join(name);
        std::fs::create_dir_all(path.parent().expect("dir")).expect("create test dir");
        std::fs::write(&path, bytes).expect("write kernel");
        path
    }

    fn multiboot_manifest(name: &str, kernel: &str, memory_mib: u32, extra: &str) -> PathBuf {
        write_manifest(
            name,
            &format!(
                "[schedule]\nmode = \"weighted\"\n\n[[partition]]\nname = \"mb\"\nmemory_mib = {memory_mib}\n\
                 image = \"{kernel}\"\nformat = \"multiboot\"\ncmdline = \"console=com0\"\n{extra}"
            ),
        )
    }

    #[test]
    fn a_multiboot_kernel_travels_with_its_modules() {
        flat_multiboot_kernel("mb-ok.bin");
        let path = multiboot_manifest(
            "mb-ok.toml",
            "mb-ok.bin",
            2,
            "modules = [{ path = \"../../Cargo.toml\", string = \"m\" }]\n",
        );
        let entries = prepare(&path, &guests(), 512).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["manifest", "module/mb/0", "file/mb"]);
    }

    #[test]
    fn a_file_without_a_multiboot_header_is_refused_with_its_line() {
        let path = multiboot_manifest("mb-noheader.toml", "../../Cargo.toml", 16, "");
        let error = prepare(&path, &guests(), 512).expect_err("must be refused").to_string();
        assert!(error.contains("line 7, column 1: partition \"mb\", field image: no Multiboot header"), "{error}");
        assert!(error.contains("section 3.1"), "{error}");
    }

    #[test]
    fn missing_and_oversized_modules_are_named_by_their_field() {
        flat_multiboot_kernel("mb-mod.bin");
        let path =
            multiboot_manifest("mb-missing.toml", "mb-mod.bin", 2, "modules = [{ path = \"no-such-module\" }]\n");
        let error = prepare(&path, &guests(), 512).expect_err("must be refused").to_string();
        assert!(error.contains("partition \"mb\", field modules[0].path: cannot read"), "{error}");
        // 2 MiB of memory: a 1.5 MiB module cannot go above the kernel at 1 MiB.
        let big = paths::root().join("target").join("manifest-tests").join("big-module.bin");
        std::fs::write(&big, vec![0u8; 3 << 19]).expect("write module");
        let path = multiboot_manifest(
            "mb-big.toml",
            "mb-mod.bin",
            2,
            "modules = [\n  { path = \"../../Cargo.toml\" },\n  { path = \"big-module.bin\" },\n]\n",
        );
        let error = prepare(&path, &guests(), 512).expect_err("must be refused").to_string();
        assert!(error.contains("line 12, column 5: partition \"mb\", field modules[1].path: module 1"), "{error}");
        assert!(error.contains("raise memory_mib by at least 2 MiB"), "{error}");
    }
}
