//! Per-partition exit statistics (monitoring): how many exits of each basic
//! reason, reported when the partition stops.

use core::fmt;

/// Basic exit reasons are below 80 on every processor to date (SDM App. C).
const REASONS: usize = 80;

/// Counts of exits by basic reason.
pub struct ExitCounts {
    counts: [u64; REASONS],
    other: u64,
}

impl Default for ExitCounts {
    fn default() -> Self {
        Self { counts: [0; REASONS], other: 0 }
    }
}

impl ExitCounts {
    /// Counts one exit.
    pub fn record(&mut self, basic: u16) {
        match self.counts.get_mut(usize::from(basic)) {
            Some(count) => *count += 1,
            None => self.other += 1,
        }
    }

    /// Total exits.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.other
    }
}

impl fmt::Display for ExitCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} exits", self.total())?;
        let mut separator = ": ";
        for (basic, &count) in self.counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let name = u16::try_from(basic)
                .ok()
                .and_then(|b| hv_vmx::ExitReasonField(u32::from(b)).reason().ok())
                .map_or("?", |reason| reason.name());
            write!(f, "{separator}{name} {count}")?;
            separator = ", ";
        }
        if self.other > 0 {
            write!(f, "{separator}other {}", self.other)?;
        }
        Ok(())
    }
}
