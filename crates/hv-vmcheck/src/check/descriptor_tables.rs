//! Checks on the guest GDTR and IDTR.
//!
//! What: both bases must be canonical and bits 31:16 of both 32-bit limit
//! fields must be 0.
//!
//! Why: the limit fields are 32 bits wide in the VMCS although the registers
//! hold 16-bit limits, so a sign-extended or uninitialised limit is an easy
//! mistake.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C
//! 27.3.1.3 ("Checks on Guest Descriptor-Table Registers").

use crate::canonical::canonical;
use crate::context::EntryContext;
use crate::guest_state::GuestState;
use crate::violation::{ensure, Violation};

/// The section these checks come from.
const SECTION: &str = "27.3.1.3";

/// Runs the 27.3.1.3 checks in SDM order.
pub(crate) fn check(s: &GuestState, ctx: &EntryContext) -> Result<(), Violation> {
    let width = ctx.linear_address_width;
    ensure(canonical(s.gdtr_base, width), SECTION, "guest GDTR base", s.gdtr_base, "GDTR base must be canonical")?;
    ensure(canonical(s.idtr_base, width), SECTION, "guest IDTR base", s.idtr_base, "IDTR base must be canonical")?;
    ensure(
        s.gdtr_limit >> 16 == 0,
        SECTION,
        "guest GDTR limit",
        s.gdtr_limit.into(),
        "GDTR limit bits 31:16 must be 0",
    )?;
    ensure(s.idtr_limit >> 16 == 0, SECTION, "guest IDTR limit", s.idtr_limit.into(), "IDTR limit bits 31:16 must be 0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{long_mode, long_mode_ctx, real_mode, real_mode_ctx};

    #[test]
    fn presets_pass() {
        assert_eq!(check(&real_mode(), &real_mode_ctx()), Ok(()));
        assert_eq!(check(&long_mode(), &long_mode_ctx()), Ok(()));
    }

    #[test]
    fn bases_must_be_canonical() {
        let mut s = long_mode();
        s.gdtr_base = 0xFFFF_8000_0000_1000;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
        s.idtr_base = 0x0001_0000_0000_0000;
        assert_eq!(check(&s, &long_mode_ctx()).unwrap_err().field, "guest IDTR base");
        s.gdtr_base = 0x8000_0000_0000_0000;
        let v = check(&s, &long_mode_ctx()).unwrap_err();
        assert_eq!((v.section, v.field, v.value), ("27.3.1.3", "guest GDTR base", 0x8000_0000_0000_0000));
    }

    #[test]
    fn limits_are_16_bits() {
        let mut s = long_mode();
        s.gdtr_limit = 0xFFFF;
        s.idtr_limit = 0xFFFF;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
        s.idtr_limit = 0x1_0000;
        assert_eq!(check(&s, &long_mode_ctx()).unwrap_err().field, "guest IDTR limit");
        s.gdtr_limit = 0xFFFF_FFFF;
        assert_eq!(check(&s, &long_mode_ctx()).unwrap_err().field, "guest GDTR limit");
    }
}
