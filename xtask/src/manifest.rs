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
    let problems = |list: Vec<hv_manifest::ManifestError>| {
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
