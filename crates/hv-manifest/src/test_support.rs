//! Manifests and helpers shared by the tests.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{
    validate, Color, CpuMode, Frame, ImageFormat, ImageSource, Manifest, ManifestError, PartitionConfig, RestartPolicy,
    Schedule, ValidationContext,
};

/// The manifest the repository ships (`fixtures/default.toml`), as data.
pub(crate) fn default_manifest() -> Manifest {
    let elf = |name: &str, mib, mode| {
        PartitionConfig::new(name, mib, ImageSource::Guest(name.into()), ImageFormat::Elf, mode)
    };
    let hello64 = PartitionConfig { color: Some(Color::Cyan), ..elf("hello64", 16, CpuMode::Long64) };
    let realmode = PartitionConfig { color: Some(Color::Yellow), ..elf("realmode", 2, CpuMode::Real16) };
    let hostile = PartitionConfig {
        restart: RestartPolicy::OnFault { limit: 5 },
        color: Some(Color::Red),
        ..elf("hostile", 16, CpuMode::Long64)
    };
    let frame = |partition: &str| Frame { partition: partition.into(), duration_us: 10_000 };
    Manifest {
        schedule: Schedule::Cyclic {
            major_frame_us: 30_000,
            frames: Vec::from([frame("hello64"), frame("realmode"), frame("hostile")]),
        },
        partitions: Vec::from([hello64, realmode, hostile]),
    }
}

/// One flat-image partition named `flat` under a weighted schedule.
pub(crate) fn flat_partition(mode: CpuMode, memory_mib: u32, load_address: u64, entry: u64) -> Manifest {
    let format = ImageFormat::Flat { load_address, entry };
    Manifest {
        schedule: Schedule::Weighted { slice_us: 1000 },
        partitions: Vec::from([PartitionConfig::new(
            "flat",
            memory_mib,
            ImageSource::File("flat.bin".into()),
            format,
            mode,
        )]),
    }
}

/// Validation's problems with no context (none when valid).
pub(crate) fn errors_of(manifest: &Manifest) -> Vec<ManifestError> {
    validate(manifest, &ValidationContext::default()).err().unwrap_or_default()
}

/// Validation's problems with the given image sizes known.
pub(crate) fn errors_with_sizes(manifest: &Manifest, sizes: &[(&str, u64)]) -> Vec<ManifestError> {
    let image_sizes = sizes.iter().map(|&(name, size)| (String::from(name), size)).collect();
    validate(manifest, &ValidationContext { host_memory_mib: None, image_sizes }).err().unwrap_or_default()
}

/// The only problem in `errors`.
pub(crate) fn single(errors: Vec<ManifestError>) -> ManifestError {
    assert_eq!(errors.len(), 1, "expected exactly one problem, got {errors:#?}");
    errors.into_iter().next().expect("one problem")
}
