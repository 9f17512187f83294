//! Validation: the rules every manifest must satisfy before a partition is
//! built from it.
//!
//! The same [`validate`] runs twice: on the host, on the manifest read from
//! TOML (with the image files' sizes and the emulator's memory known), and in
//! the hypervisor, on the manifest decoded from the boot bundle (with the
//! memory actually free). The second run is not redundant: a structure built
//! by a host tool is still input, and the bundle may come from another tree's
//! tool, or be corrupted on the way.
//!
//! Every rule reports into one list, so a manifest with five problems gets
//! five messages at once. The rules are grouped by what they look at: one
//! partition ([`partition`]), the schedule ([`schedule`]), the I/O ports
//! across partitions ([`io_ports`]); this file holds the manifest-wide rules
//! (how many partitions, unique names, total memory).
//!
//! Partitions' guest-physical ranges may overlap each other: each partition
//! has its own EPT, so its guest-physical address 0x20_0000 and another's are
//! backed by different host frames and can never alias. What partitions do
//! share is host memory, hence the limit on their total.

mod io_ports;
mod partition;
mod schedule;

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::ManifestError;
use crate::limits::MAX_PARTITIONS;
use crate::model::Manifest;
use crate::partition::PartitionConfig;

/// What validation may know beyond the manifest itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationContext {
    /// Host memory available for partitions, in MiB; their total memory must
    /// fit. `None` skips the check.
    pub host_memory_mib: Option<u64>,
    /// Image sizes in bytes, by partition name. A partition listed here gets
    /// its image checked against its memory (and, for flat images, its load
    /// address and entry point); one not listed gets only the checks that need
    /// no size. On the host these are the files' sizes; in the hypervisor, the
    /// bundle entries'.
    pub image_sizes: BTreeMap<String, u64>,
}

impl ValidationContext {
    /// The size of `partition`'s image, if known.
    #[must_use]
    pub fn image_size(&self, partition: &str) -> Option<u64> {
        self.image_sizes.get(partition).copied()
    }
}

/// Checks `manifest` against every rule; returns all problems found, in
/// manifest order (manifest-wide problems, then each partition's, then the
/// schedule's, then I/O port conflicts).
pub fn validate(manifest: &Manifest, context: &ValidationContext) -> Result<(), Vec<ManifestError>> {
    let mut problems = Problems::default();
    partition_count(manifest, &mut problems);
    total_memory(manifest, context, &mut problems);
    for (index, config) in manifest.partitions.iter().enumerate() {
        let label = label(index, config);
        unique_name(manifest, index, &label, &mut problems);
        partition::check(&label, config, context, &mut problems);
    }
    schedule::check(manifest, &mut problems);
    io_ports::check(manifest, &mut problems);
    problems.finish()
}

#[cfg(feature = "toml")]
/// Checks one partition on its own, without the rules that need the others
/// (used for partitions that parsed when others in the same text did not).
pub(crate) fn validate_partition(
    index: usize,
    config: &PartitionConfig,
    context: &ValidationContext,
) -> Vec<ManifestError> {
    let mut problems = Problems::default();
    partition::check(&label(index, config), config, context, &mut problems);
    problems.errors
}

/// How messages name the partition at `index`: its name, or `#N` when the
/// name is empty or could be mistaken for such a label.
pub(crate) fn label(index: usize, config: &PartitionConfig) -> String {
    if config.name.is_empty() || config.name.starts_with('#') {
        format!("#{}", index + 1)
    } else {
        config.name.clone()
    }
}

/// The problems found so far.
#[derive(Default)]
pub(crate) struct Problems {
    errors: Vec<ManifestError>,
}

impl Problems {
    /// Records a problem.
    pub(crate) fn report(&mut self, partition: Option<&str>, field: &str, problem: String, fix: String) {
        self.errors.push(ManifestError::new(partition, field, problem, fix));
    }

    fn finish(self) -> Result<(), Vec<ManifestError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

fn partition_count(manifest: &Manifest, problems: &mut Problems) {
    let count = manifest.partitions.len();
    if count == 0 {
        problems.report(
            None,
            "partition",
            "the manifest declares no partition, so there is nothing to run".into(),
            "add a [[partition]] table with name, memory_mib, image, format and mode".into(),
        );
    } else if count > MAX_PARTITIONS {
        problems.report(
            None,
            "partition",
            format!("{count} partitions are declared, at most {MAX_PARTITIONS} are supported"),
            format!("remove {} of them", count - MAX_PARTITIONS),
        );
    }
}

fn unique_name(manifest: &Manifest, index: usize, label: &str, problems: &mut Problems) {
    let name = &manifest.partitions[index].name;
    if name.is_empty() {
        return; // reported by the name rule
    }
    if let Some(earlier) = manifest.partitions[..index].iter().position(|p| &p.name == name) {
        problems.report(
            Some(label),
            "name",
            format!("partition #{} is also named \"{name}\"", earlier + 1),
            "give every partition a name of its own: the schedule and the console tell partitions apart by name".into(),
        );
    }
}

fn total_memory(manifest: &Manifest, context: &ValidationContext, problems: &mut Problems) {
    let Some(available) = context.host_memory_mib else { return };
    let total = manifest.total_memory_mib();
    if total > available {
        let each: Vec<String> =
            manifest.partitions.iter().map(|p| format!("{} {} MiB", p.name, p.memory_mib)).collect();
        problems.report(
            None,
            "memory_mib",
            format!("the partitions need {total} MiB together, but only {available} MiB of host memory is available"),
            format!(
                "lower memory_mib of some partitions by {} MiB in all (now: {}), or give the machine more memory",
                total - available,
                each.join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{default_manifest, errors_of, single};

    #[test]
    fn the_default_manifest_is_valid() {
        let context = ValidationContext { host_memory_mib: Some(64), ..ValidationContext::default() };
        assert_eq!(validate(&default_manifest(), &context), Ok(()));
    }

    #[test]
    fn no_partition_is_an_error() {
        let mut manifest = default_manifest();
        manifest.partitions.clear();
        manifest.schedule = crate::Schedule::Weighted { slice_us: 1000 };
        let error = single(errors_of(&manifest));
        assert_eq!((error.partition.as_deref(), error.field.as_str()), (None, "partition"));
        assert!(error.fix.contains("[[partition]]"));
    }

    #[test]
    fn more_than_sixteen_partitions_is_an_error() {
        let mut manifest = default_manifest();
        let template = manifest.partitions[0].clone();
        manifest.partitions = (0..17).map(|i| PartitionConfig { name: format!("p{i}"), ..template.clone() }).collect();
        manifest.schedule = crate::Schedule::Weighted { slice_us: 1000 };
        let error = single(errors_of(&manifest));
        assert_eq!(error.field, "partition");
        assert!(error.problem.contains("17 partitions") && error.problem.contains("at most 16"), "{error}");
    }

    #[test]
    fn duplicate_names_name_both() {
        let mut manifest = default_manifest();
        manifest.partitions[2].name = "hello64".into();
        let errors = errors_of(&manifest);
        let duplicate = errors.iter().find(|e| e.field == "name").expect("duplicate reported");
        assert_eq!(duplicate.partition.as_deref(), Some("hello64"));
        assert!(duplicate.problem.contains("#1"), "{duplicate}");
    }

    #[test]
    fn total_memory_must_fit_the_host() {
        let manifest = default_manifest();
        let context = ValidationContext { host_memory_mib: Some(32), ..ValidationContext::default() };
        let error = single(validate(&manifest, &context).expect_err("34 MiB > 32 MiB"));
        assert_eq!((error.partition.as_deref(), error.field.as_str()), (None, "memory_mib"));
        assert!(error.problem.contains("34 MiB") && error.problem.contains("32 MiB"), "{error}");
        assert!(error.fix.contains("by 2 MiB") && error.fix.contains("realmode 2 MiB"), "{error}");
        let roomy = ValidationContext { host_memory_mib: Some(34), ..ValidationContext::default() };
        assert_eq!(validate(&manifest, &roomy), Ok(()));
    }

    #[test]
    fn overlapping_guest_physical_ranges_are_fine() {
        // Every default partition starts at guest-physical 0: separate EPTs.
        let manifest = default_manifest();
        assert!(manifest.partitions.iter().all(|p| p.base == 0));
        assert_eq!(validate(&manifest, &ValidationContext::default()), Ok(()));
    }

    #[test]
    fn several_problems_are_reported_together() {
        let mut manifest = default_manifest();
        manifest.partitions[0].memory_mib = 3;
        manifest.partitions[1].cpu = 1;
        manifest.partitions[2].share = 0;
        let errors = errors_of(&manifest);
        let found: Vec<(Option<&str>, &str)> =
            errors.iter().map(|e| (e.partition.as_deref(), e.field.as_str())).collect();
        assert_eq!(found, [(Some("hello64"), "memory_mib"), (Some("realmode"), "cpu"), (Some("hostile"), "share")]);
    }

    #[test]
    fn unnamed_partitions_are_labelled_by_position() {
        let mut manifest = default_manifest();
        manifest.partitions[1].name = String::new();
        let errors = errors_of(&manifest);
        assert!(errors.iter().any(|e| e.partition.as_deref() == Some("#2") && e.field == "name"), "{errors:?}");
    }
}
