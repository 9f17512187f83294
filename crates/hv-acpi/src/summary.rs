//! How many processors the MADT lists (ACPI 6.5 §5.2.12.2 and §5.2.12.12):
//! the number the boot report shows against what the manifest needs.
//!
//! Every Processor Local APIC and Processor Local x2APIC structure counts as
//! an entry; firmware lists the sockets' possible processors, marking the
//! absent ones disabled, so only the enabled ones are running, and the
//! online-capable ones could be brought up later.

use core::fmt;

use crate::madt_entry::Processor;

/// Processor counts from the MADT.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuSummary {
    /// Processors marked enabled: present and usable now.
    pub enabled: u32,
    /// Processors not enabled but marked online capable: the hardware can
    /// enable them at runtime.
    pub online_capable: u32,
    /// All processor structures (types 0 and 9), including disabled ones.
    pub total_entries: u32,
}

impl CpuSummary {
    /// Counts `processor`.
    pub(crate) fn add(&mut self, processor: &Processor) {
        self.total_entries = self.total_entries.saturating_add(1);
        if processor.enabled {
            self.enabled = self.enabled.saturating_add(1);
        } else if processor.online_capable {
            self.online_capable = self.online_capable.saturating_add(1);
        }
    }
}

/// For the boot report: `4 enabled, 1 online-capable (6 entries)`.
impl fmt::Display for CpuSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} enabled", self.enabled)?;
        if self.online_capable != 0 {
            write!(f, ", {} online-capable", self.online_capable)?;
        }
        let noun = if self.total_entries == 1 { "entry" } else { "entries" };
        write!(f, " ({} {noun})", self.total_entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn processor(enabled: bool, online_capable: bool) -> Processor {
        Processor { apic_id: 0, acpi_uid: 0, enabled, online_capable }
    }

    #[test]
    fn each_processor_counts_once_by_its_state() {
        let mut summary = CpuSummary::default();
        summary.add(&processor(true, false));
        summary.add(&processor(true, false));
        summary.add(&processor(false, true));
        summary.add(&processor(false, false));
        assert_eq!(summary, CpuSummary { enabled: 2, online_capable: 1, total_entries: 4 });
        assert_eq!(summary.to_string(), "2 enabled, 1 online-capable (4 entries)");
        let single = CpuSummary { enabled: 1, online_capable: 0, total_entries: 1 };
        assert_eq!(single.to_string(), "1 enabled (1 entry)");
    }

    #[test]
    fn counts_saturate() {
        let mut summary = CpuSummary { enabled: u32::MAX, online_capable: 0, total_entries: u32::MAX };
        summary.add(&processor(true, false));
        assert_eq!(summary.enabled, u32::MAX);
        assert_eq!(summary.total_entries, u32::MAX);
    }
}
