//! Checks on the guest RIP and RFLAGS.
//!
//! What: RIP bits 63:32 must be 0 unless the guest runs 64-bit code (IA-32e
//! mode guest with CS.L = 1), in which case RIP must be canonical; RFLAGS
//! reserved bits must have their fixed values; RFLAGS.VM is only allowed in
//! protected mode outside IA-32e mode; RFLAGS.IF must be 1 when an external
//! interrupt is injected.
//!
//! Why: a 64-bit entry point given to a 32-bit guest, or an RFLAGS value of 0
//! (bit 1 clear), fail VM entry without any further hint.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C
//! 27.3.1.4 ("Checks on Guest RIP, RFLAGS, and SSP"). The SSP check (CET) is
//! not modelled.

use crate::arch::{CR0_PE, RFLAGS_FIXED, RFLAGS_IF, RFLAGS_RESERVED, RFLAGS_VM};
use crate::canonical::canonical;
use crate::context::EntryContext;
use crate::entry_interruption::{EntryInterruption, InterruptionType};
use crate::guest_state::GuestState;
use crate::violation::{ensure, Violation};

/// The section these checks come from.
const SECTION: &str = "27.3.1.4";

/// [`ensure`] for this section.
const fn rule(ok: bool, field: &'static str, value: u64, rule: &'static str) -> Result<(), Violation> {
    ensure(ok, SECTION, field, value, rule)
}

/// Runs the 27.3.1.4 checks in SDM order.
pub(crate) fn check(s: &GuestState, ctx: &EntryContext) -> Result<(), Violation> {
    let ia32e = ctx.ia32e_mode_guest();
    if ia32e && s.cs.long_mode() {
        rule(
            canonical(s.rip, ctx.linear_address_width),
            "guest RIP",
            s.rip,
            "RIP must be canonical for 64-bit code (IA-32e mode guest, CS.L = 1)",
        )?;
    } else {
        rule(s.rip >> 32 == 0, "guest RIP", s.rip, "RIP bits 63:32 must be 0 unless IA-32e mode guest with CS.L = 1")?;
    }

    let rflags = s.rflags;
    rule(
        rflags & RFLAGS_RESERVED == 0 && rflags & RFLAGS_FIXED != 0,
        "guest RFLAGS",
        rflags,
        "RFLAGS bits 63:22, 15, 5 and 3 must be 0 and bit 1 must be 1",
    )?;
    if ia32e || s.cr0 & CR0_PE == 0 {
        rule(
            rflags & RFLAGS_VM == 0,
            "guest RFLAGS",
            rflags,
            "RFLAGS.VM must be 0 in an IA-32e mode guest or when CR0.PE = 0",
        )?;
    }
    if EntryInterruption(s.entry_interruption_info).injected() == Some(InterruptionType::ExternalInterrupt) {
        rule(
            rflags & RFLAGS_IF != 0,
            "guest RFLAGS",
            rflags,
            "RFLAGS.IF must be 1 when an external interrupt is injected",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{long_mode, long_mode_ctx, real_mode, real_mode_ctx};

    /// Runs the checks and returns the broken rule's field and rule text.
    fn broken(s: &GuestState, ctx: &EntryContext) -> (&'static str, &'static str) {
        let v = check(s, ctx).expect_err("state should be rejected");
        assert_eq!(v.section, SECTION);
        (v.field, v.rule)
    }

    #[test]
    fn presets_pass() {
        assert_eq!(check(&real_mode(), &real_mode_ctx()), Ok(()));
        assert_eq!(check(&long_mode(), &long_mode_ctx()), Ok(()));
    }

    #[test]
    fn rip_width_depends_on_cs_l() {
        let mut s = long_mode();
        s.rip = 0x0000_8000_0000_0000;
        assert_eq!(
            broken(&s, &long_mode_ctx()).1,
            "RIP must be canonical for 64-bit code (IA-32e mode guest, CS.L = 1)"
        );
        assert_eq!(check(&s, &long_mode_ctx().with_linear_address_width(57)), Ok(()));
        // Compatibility mode (CS.L = 0): upper half must be 0, even if canonical.
        s.cs.access_rights = 0xC09B;
        s.rip = 0xFFFF_FFFF_8000_0000;
        assert_eq!(broken(&s, &long_mode_ctx()).1, "RIP bits 63:32 must be 0 unless IA-32e mode guest with CS.L = 1");
        s.rip = 0xFFFF_FFFF;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
        let mut r = real_mode();
        r.rip = 1 << 32;
        assert_eq!(broken(&r, &real_mode_ctx()).0, "guest RIP");
    }

    #[test]
    fn rflags_reserved_bits() {
        for bad in [0, 0x2 | 1 << 3, 0x2 | 1 << 5, 0x2 | 1 << 15, 0x2 | 1 << 22, 0x2 | 1 << 63] {
            let mut s = long_mode();
            s.rflags = bad;
            assert_eq!(broken(&s, &long_mode_ctx()).0, "guest RFLAGS", "{bad:#x}");
        }
        let mut s = long_mode();
        // Every defined flag except VM: bits 21:16 but 17, 14:0 but 5 and 3.
        s.rflags = 0x3D_7FD7;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
    }

    #[test]
    fn vm_flag() {
        let mut s = long_mode();
        s.rflags |= RFLAGS_VM;
        assert_eq!(broken(&s, &long_mode_ctx()).1, "RFLAGS.VM must be 0 in an IA-32e mode guest or when CR0.PE = 0");
        let mut r = real_mode();
        r.rflags |= RFLAGS_VM;
        assert_eq!(broken(&r, &real_mode_ctx()).0, "guest RFLAGS");
        r.cr0 |= CR0_PE;
        assert_eq!(check(&r, &real_mode_ctx()), Ok(()));
    }

    #[test]
    fn external_interrupt_needs_if() {
        let mut s = long_mode();
        s.entry_interruption_info = 0x8000_0020;
        assert_eq!(broken(&s, &long_mode_ctx()).1, "RFLAGS.IF must be 1 when an external interrupt is injected");
        s.rflags |= RFLAGS_IF;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
        // An NMI does not need IF, nor does an invalid field.
        s.rflags &= !RFLAGS_IF;
        s.entry_interruption_info = 0x8000_0202;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
        s.entry_interruption_info = 0x20;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
    }
}
