//! The partition manifest on the host: read the TOML file, resolve each
//! partition's image, validate everything (with the image sizes known), and
//! turn it into boot-bundle entries — the encoded manifest plus one entry
//! per image. Nothing boots unless all of this succeeds, and every problem
//! is reported at once, naming the partition, the field and the fix.

use std::path::{Path, PathBuf};

use hv_manifest::{ImageSource, Manifest, PartitionConfig, ValidationContext};

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
    let problems = |mut list: Vec<hv_manifest::ManifestError>| {
        hv_manifest::locate_errors(&text, &mut list);
        let lines: Vec<String> = list.iter().map(|e| format!("  - {e}")).collect();
        Error::new(format!("manifest {} is not valid; nothing was booted:\n{}", path.display(), lines.join("\n")))
    };
    let manifest: Manifest = hv_manifest::parse_toml(&text).map_err(problems)?;
    let directory = path.parent().unwrap_or(Path::new("."));
    let mut entries: Entries = Vec::new();
    let mut sizes = std::collections::BTreeMap::new();
    let mut missing = Vec::new();
    for config in &manifest.partitions {
        let file = match &config.image {
            ImageSource::Guest(name) => match guests.iter().find(|(guest, _)| guest == name) {
                Some((_, file)) => file.clone(),
                None => {
                    let known: Vec<&str> = guests.iter().map(|(n, _)| n.as_str()).collect();
                    missing.push(format!(
                        "  - partition \"{}\", field image: no guest `{name}` in guest-images/ — use one of: {}",
                        config.name,
                        known.join(", ")
                    ));
                    continue;
                }
            },
            ImageSource::File(relative) => directory.join(relative),
            ImageSource::Bundle(_) => unreachable_source(config)?,
        };
        let bytes = match std::fs::read(&file) {
            Ok(bytes) => bytes,
            Err(e) => {
                missing.push(format!(
                    "  - partition \"{}\", field image: cannot read {}: {e} — check the path (relative to {})",
                    config.name,
                    file.display(),
                    directory.display()
                ));
                continue;
            }
        };
        sizes.insert(config.name.clone(), bytes.len() as u64);
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
    let encoded = hv_manifest::encode(&manifest, entry_name)
        .map_err(|e| Error::new(format!("encoding the manifest {}: {e}", path.display())))?;
    entries.insert(0, ("manifest".into(), encoded));
    Ok(entries)
}

fn unreachable_source(config: &PartitionConfig) -> Result<PathBuf> {
    Err(Error::new(format!("partition \"{}\": a bundle image source cannot appear in a TOML manifest", config.name)))
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
}
