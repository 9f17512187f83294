//! Where a chip is in its initialization sequence.
//!
//! 8259A datasheet, "Initialization Command Words", figure "Initialization
//! Sequence": ICW1 (A0 = 0), then ICW2 (A0 = 1), then ICW3 only in cascade
//! mode (SNGL = 0), then ICW4 only if ICW1 asked for it (IC4 = 1). Writes
//! with A0 = 1 are ICWs while the sequence runs and OCW1 afterwards.

/// The next write with A0 = 1 the chip expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitStep {
    /// No sequence running: A0 = 1 writes are OCW1.
    Ready,
    /// ICW1 was written; ICW2 comes next.
    Icw2,
    /// ICW3 comes next (cascade mode).
    Icw3,
    /// ICW4 comes next (IC4 was set).
    Icw4,
}

impl InitStep {
    /// The step after ICW2.
    pub(crate) const fn after_icw2(single: bool, icw4_needed: bool) -> Self {
        if !single {
            Self::Icw3
        } else {
            Self::after_icw3(icw4_needed)
        }
    }

    /// The step after ICW3.
    pub(crate) const fn after_icw3(icw4_needed: bool) -> Self {
        if icw4_needed {
            Self::Icw4
        } else {
            Self::Ready
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InitStep;

    #[test]
    fn sequence_skips_icw3_when_single_and_icw4_when_not_needed() {
        assert_eq!(InitStep::after_icw2(false, true), InitStep::Icw3);
        assert_eq!(InitStep::after_icw2(true, true), InitStep::Icw4);
        assert_eq!(InitStep::after_icw2(true, false), InitStep::Ready);
        assert_eq!(InitStep::after_icw3(false), InitStep::Ready);
    }
}
