//! The report of a broken VM-entry rule.
//!
//! What: a [`Violation`] names the SDM section, the VMCS field, the value
//! that field holds and a short statement of the rule, and prints as
//! `SDM <section>: <field> <value>: <rule>`.
//!
//! Why: the processor reports a failed guest-state check only as exit reason
//! 33; this is the precise message the hypervisor logs instead.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C
//! 27.3.1 ("Checks on the Guest State Area") for the rules, and 27.8 ("VM-Entry
//! Failures During or After Loading Guest State") for the opaque report.

use core::fmt;

/// The first VM-entry rule a guest state breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Violation {
    /// The SDM section that states the rule, e.g. `"27.3.1.2"`.
    pub section: &'static str,
    /// A short statement of the rule.
    pub rule: &'static str,
    /// The guest-state field (or VM-entry field) that breaks it, e.g.
    /// `"guest CS access rights"`.
    pub field: &'static str,
    /// The value of that field.
    pub value: u64,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SDM {}: {} {:#x}: {}", self.section, self.field, self.value, self.rule)
    }
}

impl core::error::Error for Violation {}

/// `Ok(())` if `ok`, otherwise the violation of `rule` by `field`.
pub(crate) const fn ensure(
    ok: bool,
    section: &'static str,
    field: &'static str,
    value: u64,
    rule: &'static str,
) -> Result<(), Violation> {
    if ok {
        Ok(())
    } else {
        Err(Violation { section, rule, field, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_format() {
        let v = Violation {
            section: "27.3.1.2",
            rule: "CS type must be 9, 11, 13 or 15",
            field: "guest CS access rights",
            value: 0x93,
        };
        assert_eq!(v.to_string(), "SDM 27.3.1.2: guest CS access rights 0x93: CS type must be 9, 11, 13 or 15");
    }

    #[test]
    fn ensure_passes_or_reports() {
        assert_eq!(ensure(true, "1", "f", 5, "r"), Ok(()));
        assert_eq!(
            ensure(false, "27.3.1.4", "guest RFLAGS", 0, "bit 1 must be 1"),
            Err(Violation { section: "27.3.1.4", rule: "bit 1 must be 1", field: "guest RFLAGS", value: 0 })
        );
    }
}
