//! The rules about I/O ports passed through to hardware: ranges run forwards,
//! the hypervisor's own devices stay its own, and no port is given to two
//! partitions (a device driven by two guests at once is driven by neither).

use alloc::format;
use alloc::string::String;

use super::{label, Problems};
use crate::limits::MAX_PORT_RANGES;
use crate::model::Manifest;
use crate::partition::PartitionConfig;
use crate::ports::{PortRange, RESERVED_PORTS};

/// Applies the I/O port rules to every partition, and across partitions.
pub(super) fn check(manifest: &Manifest, problems: &mut Problems) {
    for (index, partition) in manifest.partitions.iter().enumerate() {
        let label = label(index, partition);
        let mut report = |problem, fix| problems.report(Some(&label), "io_ports", problem, fix);
        let ranges = &partition.io_ports;
        if ranges.len() > MAX_PORT_RANGES {
            report(
                format!("{} port ranges are listed, at most {MAX_PORT_RANGES} are supported", ranges.len()),
                "merge adjacent ports into ranges such as \"0x2f8-0x2ff\"".into(),
            );
        }
        for (position, range) in ranges.iter().enumerate() {
            if !range.is_valid() {
                report(
                    format!("the range {:#x}-{:#x} runs backwards", range.first, range.last),
                    format!("write the lower port first: \"{}\"", PortRange::new(range.last, range.first)),
                );
                continue;
            }
            for reserved in RESERVED_PORTS {
                if let Some(common) = range.intersection(&reserved.range) {
                    report(
                        format!("{common} belongs to the hypervisor: {}", reserved.reason),
                        format!("remove {common} from io_ports: no partition may have it"),
                    );
                }
            }
            let earlier = ranges[..position].iter().filter(|r| r.is_valid());
            if let Some(common) = earlier.filter_map(|r| r.intersection(range)).next() {
                report(format!("{common} is listed twice"), format!("list {common} once"));
            }
        }
        for (other_index, other) in manifest.partitions.iter().enumerate().take(index) {
            let other_label = label_quoted(other_index, other);
            for range in ranges.iter().filter(|r| r.is_valid()) {
                for theirs in other.io_ports.iter().filter(|r| r.is_valid()) {
                    if let Some(common) = range.intersection(theirs) {
                        report(
                            format!("{common} is also passed through to partition {other_label}"),
                            format!(
                                "pass {common} through to one partition only: remove it from \"{label}\" or from \
                                 {other_label}"
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// `"name"`, or `#N` for a partition without a usable name.
fn label_quoted(index: usize, partition: &PartitionConfig) -> String {
    let label = label(index, partition);
    if label.starts_with('#') {
        label
    } else {
        format!("\"{label}\"")
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use crate::test_support::{default_manifest, errors_of, single};
    use crate::PortRange;

    #[test]
    fn passthrough_ports_are_accepted() {
        let mut manifest = default_manifest();
        manifest.partitions[0].io_ports = vec![PortRange::single(0x80), PortRange::new(0x2f8, 0x2ff)];
        manifest.partitions[1].io_ports = vec![PortRange::new(0x3e8, 0x3ef)];
        assert!(errors_of(&manifest).is_empty());
    }

    #[test]
    fn backwards_ranges_are_errors() {
        let mut manifest = default_manifest();
        manifest.partitions[0].io_ports = vec![PortRange::new(0x2ff, 0x2f8)];
        let error = single(errors_of(&manifest));
        assert_eq!((error.partition.as_deref(), error.field.as_str()), (Some("hello64"), "io_ports"));
        assert!(error.problem.contains("backwards") && error.fix.contains("\"0x2f8-0x2ff\""), "{error}");
    }

    #[test]
    fn the_hypervisors_ports_are_never_passed_through() {
        for (range, why) in [
            (PortRange::new(0x3f0, 0x3f8), "COM1"),
            (PortRange::single(0xe9), "debug console"),
            (PortRange::single(0xf4), "isa-debug-exit"),
            (PortRange::single(0x8900), "Bochs"),
            (PortRange::single(0x21), "PIC"),
            (PortRange::single(0xa0), "PIC"),
            (PortRange::new(0x43, 0x44), "PIT"),
            (PortRange::single(0xcfc), "PCI configuration"),
        ] {
            let mut manifest = default_manifest();
            manifest.partitions[1].io_ports = vec![range];
            let error = single(errors_of(&manifest));
            assert_eq!((error.partition.as_deref(), error.field.as_str()), (Some("realmode"), "io_ports"));
            assert!(error.problem.contains("belongs to the hypervisor") && error.problem.contains(why), "{error}");
        }
        // Only the overlapping part is named.
        let mut manifest = default_manifest();
        manifest.partitions[1].io_ports = vec![PortRange::new(0x3f0, 0x3f8)];
        assert!(single(errors_of(&manifest)).problem.starts_with("0x3f8 belongs"));
    }

    #[test]
    fn a_port_belongs_to_one_partition_only() {
        let mut manifest = default_manifest();
        manifest.partitions[0].io_ports = vec![PortRange::new(0x2f8, 0x2ff)];
        manifest.partitions[2].io_ports = vec![PortRange::new(0x2fc, 0x300)];
        let error = single(errors_of(&manifest));
        assert_eq!((error.partition.as_deref(), error.field.as_str()), (Some("hostile"), "io_ports"));
        assert!(error.problem.contains("0x2fc-0x2ff") && error.problem.contains("\"hello64\""), "{error}");
        assert!(error.fix.contains("\"hostile\"") && error.fix.contains("\"hello64\""), "{error}");
    }

    #[test]
    fn duplicates_and_too_many_ranges() {
        let mut manifest = default_manifest();
        manifest.partitions[0].io_ports = vec![PortRange::new(0x2f8, 0x2ff), PortRange::single(0x2f9)];
        let error = single(errors_of(&manifest));
        assert!(error.problem.contains("0x2f9 is listed twice"), "{error}");
        manifest.partitions[0].io_ports = (0..33).map(|i| PortRange::single(0x1000 + i * 2)).collect();
        let error = single(errors_of(&manifest));
        assert!(error.problem.contains("33 port ranges"), "{error}");
    }
}
