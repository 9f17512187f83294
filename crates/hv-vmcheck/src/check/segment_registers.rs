//! Checks on the guest segment registers: selectors, bases, limits and
//! access rights of CS, SS, DS, ES, FS, GS, TR and LDTR.
//!
//! What: the rules in the SDM's order: selector fields (TR and LDTR TI flag,
//! SS.RPL = CS.RPL), base addresses (virtual-8086 bases, canonical TR, FS,
//! GS, LDTR, upper halves of CS, SS, DS, ES), virtual-8086 limits, then
//! access rights sub-field by sub-field (Type, S, DPL, P, reserved 11:8, D/B,
//! G, reserved 31:17) for CS, SS, DS, ES, FS, GS, then TR, then LDTR.
//!
//! Why: segment access rights are the usual cause of "invalid guest state":
//! a missing accessed bit, a TR that is not busy, a G bit that does not
//! match the limit, or an unusable register that is not marked as such.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C
//! 27.3.1.2 ("Checks on Guest Segment Registers") and 25.4.1 (access-rights
//! format, "unusable" bit).

use crate::arch::{CR0_PE, RFLAGS_VM};
use crate::canonical::canonical;
use crate::context::EntryContext;
use crate::guest_state::GuestState;
use crate::segment::SegmentRegister;
use crate::violation::{ensure, Violation};

/// The section these checks come from.
const SECTION: &str = "27.3.1.2";

/// [`ensure`] for this section.
const fn rule(ok: bool, field: &'static str, value: u64, rule: &'static str) -> Result<(), Violation> {
    ensure(ok, SECTION, field, value, rule)
}

/// The names of one register's four VMCS fields.
struct Names {
    /// e.g. "guest CS selector".
    selector: &'static str,
    /// e.g. "guest CS base".
    base: &'static str,
    /// e.g. "guest CS limit".
    limit: &'static str,
    /// e.g. "guest CS access rights".
    access_rights: &'static str,
}

/// Builds the [`Names`] of register `$r`.
macro_rules! names {
    ($r:literal) => {
        Names {
            selector: concat!("guest ", $r, " selector"),
            base: concat!("guest ", $r, " base"),
            limit: concat!("guest ", $r, " limit"),
            access_rights: concat!("guest ", $r, " access rights"),
        }
    };
}

const CS: Names = names!("CS");
const SS: Names = names!("SS");
const DS: Names = names!("DS");
const ES: Names = names!("ES");
const FS: Names = names!("FS");
const GS: Names = names!("GS");
const TR: Names = names!("TR");
const LDTR: Names = names!("LDTR");

/// A register with its field names.
type Named<'a> = (&'a SegmentRegister, &'static Names);

/// The access rights as a violation value.
const fn ar(r: &SegmentRegister) -> u64 {
    r.access_rights as u64
}

/// Runs the 27.3.1.2 checks in SDM order.
pub(crate) fn check(s: &GuestState, ctx: &EntryContext) -> Result<(), Violation> {
    let v86 = s.rflags & RFLAGS_VM != 0;
    let ug = ctx.unrestricted_guest();
    let width = ctx.linear_address_width;
    // The six code and data registers in the order the SDM names them.
    let six: [Named<'_>; 6] = [(&s.cs, &CS), (&s.ss, &SS), (&s.ds, &DS), (&s.es, &ES), (&s.fs, &FS), (&s.gs, &GS)];

    // Selector fields.
    rule(!s.tr.table_indicator(), TR.selector, s.tr.selector.into(), "TR selector TI flag (bit 2) must be 0")?;
    rule(
        s.ldtr.is_unusable() || !s.ldtr.table_indicator(),
        LDTR.selector,
        s.ldtr.selector.into(),
        "usable LDTR: selector TI flag (bit 2) must be 0",
    )?;
    if !v86 && !ug {
        rule(
            s.ss.rpl() == s.cs.rpl(),
            SS.selector,
            s.ss.selector.into(),
            "SS RPL must equal CS RPL (unless virtual-8086 or \"unrestricted guest\")",
        )?;
    }

    // Base-address fields.
    if v86 {
        for (r, n) in six {
            rule(
                r.base == u64::from(r.selector) << 4,
                n.base,
                r.base,
                "virtual-8086 mode: base must be selector << 4",
            )?;
        }
    }
    for (r, n) in [(&s.tr, &TR), (&s.fs, &FS), (&s.gs, &GS)] {
        rule(canonical(r.base, width), n.base, r.base, "TR, FS and GS bases must be canonical")?;
    }
    rule(
        s.ldtr.is_unusable() || canonical(s.ldtr.base, width),
        LDTR.base,
        s.ldtr.base,
        "usable LDTR: base must be canonical",
    )?;
    rule(s.cs.base >> 32 == 0, CS.base, s.cs.base, "CS base bits 63:32 must be 0")?;
    for (r, n) in [(&s.ss, &SS), (&s.ds, &DS), (&s.es, &ES)] {
        rule(r.is_unusable() || r.base >> 32 == 0, n.base, r.base, "usable SS, DS, ES: base bits 63:32 must be 0")?;
    }

    // Limit fields.
    if v86 {
        for (r, n) in six {
            rule(r.limit == 0xFFFF, n.limit, r.limit.into(), "virtual-8086 mode: limit must be 0xFFFF")?;
        }
    }

    // Access-rights fields.
    if v86 {
        for (r, n) in six {
            rule(r.access_rights == 0xF3, n.access_rights, ar(r), "virtual-8086 mode: access rights must be 0xF3")?;
        }
    } else {
        code_and_data_access_rights(s, ctx, &six)?;
    }
    tr_access_rights(s, ctx)?;
    ldtr_access_rights(s)
}

/// Access-rights checks on CS, SS, DS, ES, FS, GS outside virtual-8086 mode,
/// one sub-field at a time as the SDM lists them.
fn code_and_data_access_rights(s: &GuestState, ctx: &EntryContext, six: &[Named<'_>; 6]) -> Result<(), Violation> {
    let ug = ctx.unrestricted_guest();
    let (cs, ss) = (&s.cs, &s.ss);
    let data = &six[2..];
    // CS, and any usable register, gets the generic checks.
    let checked = |r: &SegmentRegister, is_cs: bool| is_cs || r.is_usable();

    // Bits 3:0, Type.
    let cs_type = cs.segment_type();
    if ug {
        rule(
            matches!(cs_type, 3 | 9 | 11 | 13 | 15),
            CS.access_rights,
            ar(cs),
            "CS type must be 3 (accessed read/write data) or 9, 11, 13, 15 (accessed code)",
        )?;
    } else {
        rule(
            matches!(cs_type, 9 | 11 | 13 | 15),
            CS.access_rights,
            ar(cs),
            "CS type must be 9, 11, 13 or 15 (accessed code); 3 only with \"unrestricted guest\"",
        )?;
    }
    rule(
        ss.is_unusable() || matches!(ss.segment_type(), 3 | 7),
        SS.access_rights,
        ar(ss),
        "usable SS: type must be 3 or 7 (accessed read/write data)",
    )?;
    for &(r, n) in data {
        if r.is_usable() {
            let t = r.segment_type();
            rule(t & 1 != 0, n.access_rights, ar(r), "usable DS, ES, FS, GS: type bit 0 (accessed) must be 1")?;
            rule(
                t & 0b1000 == 0 || t & 0b10 != 0,
                n.access_rights,
                ar(r),
                "usable DS, ES, FS, GS: a code segment type must be readable (bit 1)",
            )?;
        }
    }

    // Bit 4, S.
    for (i, &(r, n)) in six.iter().enumerate() {
        rule(
            !checked(r, i == 0) || r.code_or_data(),
            n.access_rights,
            ar(r),
            "CS and usable SS, DS, ES, FS, GS: S (bit 4) must be 1",
        )?;
    }

    // Bits 6:5, DPL.
    match cs_type {
        3 => rule(cs.dpl() == 0, CS.access_rights, ar(cs), "CS of type 3 (unrestricted guest): DPL must be 0")?,
        9 | 11 => rule(
            cs.dpl() == ss.dpl(),
            CS.access_rights,
            ar(cs),
            "non-conforming CS (type 9 or 11): DPL must equal SS DPL",
        )?,
        _ => rule(
            cs.dpl() <= ss.dpl(),
            CS.access_rights,
            ar(cs),
            "conforming CS (type 13 or 15): DPL must not exceed SS DPL",
        )?,
    }
    if !ug {
        rule(
            ss.dpl() == ss.rpl(),
            SS.access_rights,
            ar(ss),
            "SS DPL must equal SS selector RPL (unless \"unrestricted guest\")",
        )?;
    }
    if cs_type == 3 || s.cr0 & CR0_PE == 0 {
        rule(ss.dpl() == 0, SS.access_rights, ar(ss), "SS DPL must be 0 when CS type is 3 or CR0.PE = 0")?;
    }
    if !ug {
        for &(r, n) in data {
            if r.is_usable() && r.segment_type() <= 11 {
                rule(
                    r.dpl() >= r.rpl(),
                    n.access_rights,
                    ar(r),
                    "usable DS, ES, FS, GS data or non-conforming code: DPL must not be below selector RPL",
                )?;
            }
        }
    }

    // Bit 7, P.
    for (i, &(r, n)) in six.iter().enumerate() {
        rule(
            !checked(r, i == 0) || r.present(),
            n.access_rights,
            ar(r),
            "CS and usable SS, DS, ES, FS, GS: P must be 1",
        )?;
    }
    // Bits 11:8, reserved.
    for (i, &(r, n)) in six.iter().enumerate() {
        rule(
            !checked(r, i == 0) || r.access_rights & SegmentRegister::AR_RESERVED_11_8 == 0,
            n.access_rights,
            ar(r),
            "CS and usable SS, DS, ES, FS, GS: reserved access-rights bits 11:8 must be 0",
        )?;
    }
    // Bit 14, D/B.
    rule(
        !(ctx.ia32e_mode_guest() && cs.long_mode() && cs.default_big()),
        CS.access_rights,
        ar(cs),
        "CS D/B must be 0 when L = 1 in an IA-32e mode guest",
    )?;
    // Bit 15, G.
    for (i, &(r, n)) in six.iter().enumerate() {
        rule(
            !checked(r, i == 0) || r.granularity_consistent(),
            n.access_rights,
            ar(r),
            "G must be 0 if limit bits 11:0 are not all 1, and 1 if limit bits 31:20 are not all 0",
        )?;
    }
    // Bits 31:17, reserved.
    for (i, &(r, n)) in six.iter().enumerate() {
        rule(
            !checked(r, i == 0) || r.access_rights & SegmentRegister::AR_RESERVED_31_17 == 0,
            n.access_rights,
            ar(r),
            "CS and usable SS, DS, ES, FS, GS: reserved access-rights bits 31:17 must be 0",
        )?;
    }
    Ok(())
}

/// Access-rights checks on TR, which must always be usable.
fn tr_access_rights(s: &GuestState, ctx: &EntryContext) -> Result<(), Violation> {
    let (tr, field, value) = (&s.tr, TR.access_rights, ar(&s.tr));
    if ctx.ia32e_mode_guest() {
        rule(tr.segment_type() == 11, field, value, "IA-32e mode guest: TR type must be 11 (busy 64-bit TSS)")?;
    } else {
        rule(
            matches!(tr.segment_type(), 3 | 11),
            field,
            value,
            "TR type must be 3 (busy 16-bit TSS) or 11 (busy 32-bit TSS)",
        )?;
    }
    rule(!tr.code_or_data(), field, value, "TR S (bit 4) must be 0")?;
    rule(tr.present(), field, value, "TR P must be 1")?;
    rule(
        tr.access_rights & SegmentRegister::AR_RESERVED_11_8 == 0,
        field,
        value,
        "TR reserved access-rights bits 11:8 must be 0",
    )?;
    rule(
        tr.granularity_consistent(),
        field,
        value,
        "TR G must be 0 if limit bits 11:0 are not all 1, and 1 if limit bits 31:20 are not all 0",
    )?;
    rule(tr.is_usable(), field, value, "TR must be usable (access-rights bit 16 = 0)")?;
    rule(
        tr.access_rights & SegmentRegister::AR_RESERVED_31_17 == 0,
        field,
        value,
        "TR reserved access-rights bits 31:17 must be 0",
    )
}

/// Access-rights checks on LDTR, which apply only if it is usable.
fn ldtr_access_rights(s: &GuestState) -> Result<(), Violation> {
    let (ldtr, field, value) = (&s.ldtr, LDTR.access_rights, ar(&s.ldtr));
    if ldtr.is_unusable() {
        return Ok(());
    }
    rule(ldtr.segment_type() == 2, field, value, "usable LDTR: type must be 2 (LDT)")?;
    rule(!ldtr.code_or_data(), field, value, "usable LDTR: S (bit 4) must be 0")?;
    rule(ldtr.present(), field, value, "usable LDTR: P must be 1")?;
    rule(
        ldtr.access_rights & SegmentRegister::AR_RESERVED_11_8 == 0,
        field,
        value,
        "usable LDTR: reserved access-rights bits 11:8 must be 0",
    )?;
    rule(
        ldtr.granularity_consistent(),
        field,
        value,
        "usable LDTR: G must be 0 if limit bits 11:0 are not all 1, and 1 if limit bits 31:20 are not all 0",
    )?;
    rule(
        ldtr.access_rights & SegmentRegister::AR_RESERVED_31_17 == 0,
        field,
        value,
        "usable LDTR: reserved access-rights bits 31:17 must be 0",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{long_mode, long_mode_ctx, long_mode_ug_ctx, real_mode, real_mode_ctx};

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
        assert_eq!(check(&long_mode(), &long_mode_ug_ctx()), Ok(()));
    }

    #[test]
    fn selector_rules() {
        let mut s = long_mode();
        s.tr.selector = 0x1C;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest TR selector");

        let mut s = long_mode();
        s.ldtr = SegmentRegister::new(0x24, 0, 0xFFFF, 0x82);
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest LDTR selector");
        // An unusable LDTR's selector is not checked.
        s.ldtr.access_rights = SegmentRegister::AR_UNUSABLE;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));

        let mut s = long_mode();
        s.ss.selector = 0x13;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest SS selector");
    }

    #[test]
    fn base_rules() {
        let mut s = long_mode();
        s.fs.base = 0x0000_8000_0000_0000;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest FS base");
        // 64-bit FS/GS bases may use the full canonical range.
        s.fs.base = 0xFFFF_8000_0000_0000;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));

        let mut s = long_mode();
        s.cs.base = 1 << 32;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest CS base");

        let mut s = long_mode();
        s.ds.base = 1 << 32;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest DS base");
        // Unusable DS is not checked.
        s.ds.access_rights = SegmentRegister::AR_UNUSABLE;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
    }

    #[test]
    fn virtual_8086_rules() {
        // A v8086 guest: protected mode without paging, all six registers v86-style.
        let mut s = real_mode();
        s.cr0 |= CR0_PE;
        s.rflags |= RFLAGS_VM;
        for r in [&mut s.cs, &mut s.ss, &mut s.ds, &mut s.es, &mut s.fs, &mut s.gs] {
            r.access_rights = 0xF3;
        }
        assert_eq!(check(&s, &real_mode_ctx()), Ok(()));
        let mut bad = s;
        bad.es.base = 0x10;
        assert_eq!(broken(&bad, &real_mode_ctx()).0, "guest ES base");
        let mut bad = s;
        bad.gs.limit = 0xFFFFF;
        assert_eq!(broken(&bad, &real_mode_ctx()).0, "guest GS limit");
        let mut bad = s;
        bad.cs.access_rights = 0x9B;
        assert_eq!(broken(&bad, &real_mode_ctx()), (CS.access_rights, "virtual-8086 mode: access rights must be 0xF3"));
    }

    #[test]
    fn cs_type_3_only_with_unrestricted_guest() {
        let mut s = real_mode();
        s.cs.access_rights = 0x93;
        assert_eq!(check(&s, &real_mode_ctx()), Ok(()));
        let mut ctx = long_mode_ctx();
        ctx.entry_controls.remove(hv_vmx::EntryControls::IA32E_MODE_GUEST);
        let mut s = long_mode();
        s.cs.access_rights = 0xC093;
        s.ia32_efer = 0;
        let (field, text) = broken(&s, &ctx);
        assert_eq!(field, "guest CS access rights");
        assert!(text.starts_with("CS type must be 9, 11, 13 or 15"), "{text}");
        // Type 3 with DPL 3 is rejected even under unrestricted guest.
        let mut s = real_mode();
        s.cs.access_rights = 0xF3;
        assert_eq!(broken(&s, &real_mode_ctx()).1, "CS of type 3 (unrestricted guest): DPL must be 0");
    }

    #[test]
    fn data_segment_types() {
        let mut s = long_mode();
        s.ds.access_rights = 0xC092; // not accessed
        assert_eq!(
            broken(&s, &long_mode_ctx()),
            (DS.access_rights, "usable DS, ES, FS, GS: type bit 0 (accessed) must be 1")
        );
        let mut s = long_mode();
        s.es.access_rights = 0xC099; // execute-only code
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest ES access rights");
        let mut s = long_mode();
        s.ss.access_rights = 0xC09B; // code in SS
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest SS access rights");
        // Readable code in FS is fine.
        let mut s = long_mode();
        s.fs.access_rights = 0xC09B;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
    }

    #[test]
    fn s_and_p_bits() {
        let mut s = long_mode();
        s.gs.access_rights = 0xC083;
        assert_eq!(broken(&s, &long_mode_ctx()).1, "CS and usable SS, DS, ES, FS, GS: S (bit 4) must be 1");
        let mut s = long_mode();
        s.cs.access_rights = 0xA01B;
        assert_eq!(broken(&s, &long_mode_ctx()), (CS.access_rights, "CS and usable SS, DS, ES, FS, GS: P must be 1"));
    }

    #[test]
    fn dpl_rules() {
        // Non-conforming CS DPL 3 with SS DPL 0.
        let mut s = long_mode();
        s.cs.access_rights = 0xA0FB;
        s.cs.selector = 0x0B;
        s.ss.selector = 0x13;
        assert_eq!(broken(&s, &long_mode_ctx()).1, "non-conforming CS (type 9 or 11): DPL must equal SS DPL");
        // A consistent ring-3 state passes.
        s.ss.access_rights = 0xC0F3;
        for r in [&mut s.ds, &mut s.es, &mut s.fs, &mut s.gs] {
            r.selector = 0x13;
            r.access_rights = 0xC0F3;
        }
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
        // SS DPL != RPL without unrestricted guest.
        let mut bad = s;
        bad.ss.selector = 0x10;
        bad.cs.selector = 0x08;
        assert_eq!(
            broken(&bad, &long_mode_ctx()).1,
            "SS DPL must equal SS selector RPL (unless \"unrestricted guest\")"
        );
        // DS DPL below RPL.
        let mut bad = long_mode();
        bad.ds.selector = 0x13;
        assert_eq!(broken(&bad, &long_mode_ctx()).0, "guest DS access rights");
        assert_eq!(check(&bad, &long_mode_ug_ctx()), Ok(()));
        // Real mode needs SS DPL 0.
        let mut bad = real_mode();
        bad.ss.access_rights = 0xF3;
        bad.cs.access_rights = 0xFB;
        assert_eq!(broken(&bad, &real_mode_ctx()).1, "SS DPL must be 0 when CS type is 3 or CR0.PE = 0");
        // Conforming CS may have a lower DPL than SS, not a higher one.
        let mut conf = long_mode();
        conf.cs.access_rights = 0xA09F;
        assert_eq!(check(&conf, &long_mode_ctx()), Ok(()));
        conf.cs.access_rights = 0xA0DF;
        assert_eq!(broken(&conf, &long_mode_ctx()).1, "conforming CS (type 13 or 15): DPL must not exceed SS DPL");
    }

    #[test]
    fn reserved_bits() {
        let mut s = long_mode();
        s.ds.access_rights |= 0x100;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest DS access rights");
        let mut s = long_mode();
        s.cs.access_rights |= 1 << 20;
        assert_eq!(
            broken(&s, &long_mode_ctx()),
            (CS.access_rights, "CS and usable SS, DS, ES, FS, GS: reserved access-rights bits 31:17 must be 0")
        );
        // Reserved bits of an unusable register are not checked.
        let mut s = long_mode();
        s.fs.access_rights = SegmentRegister::AR_UNUSABLE | 0x100;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
    }

    #[test]
    fn cs_db_with_l() {
        let mut s = long_mode();
        s.cs.access_rights = 0xE09B;
        assert_eq!(broken(&s, &long_mode_ctx()).1, "CS D/B must be 0 when L = 1 in an IA-32e mode guest");
    }

    #[test]
    fn granularity_and_limit() {
        let mut s = long_mode();
        s.ss.access_rights = 0x4093; // limit 4 GiB, byte granular
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest SS access rights");
        let mut s = long_mode();
        s.tr.access_rights = 0x808B; // limit 0x67 with G = 1
        assert!(broken(&s, &long_mode_ctx()).1.starts_with("TR G must be 0"));
    }

    #[test]
    fn tr_rules() {
        let mut s = long_mode();
        s.tr.access_rights = 0x83; // busy 16-bit TSS
        assert_eq!(broken(&s, &long_mode_ctx()).1, "IA-32e mode guest: TR type must be 11 (busy 64-bit TSS)");
        let mut s = real_mode();
        s.tr.access_rights = 0x83;
        assert_eq!(check(&s, &real_mode_ctx()), Ok(()));
        s.tr.access_rights = 0x89; // available, not busy
        assert_eq!(broken(&s, &real_mode_ctx()).0, "guest TR access rights");
        let mut s = long_mode();
        s.tr.access_rights = 0x9B;
        assert_eq!(broken(&s, &long_mode_ctx()).1, "TR S (bit 4) must be 0");
        let mut s = long_mode();
        s.tr.access_rights = 0x1_008B;
        assert_eq!(broken(&s, &long_mode_ctx()).1, "TR must be usable (access-rights bit 16 = 0)");
    }

    #[test]
    fn ldtr_rules() {
        let mut s = long_mode();
        s.ldtr = SegmentRegister::new(0x20, 0, 0xFFFF, 0x82);
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
        s.ldtr.access_rights = 0x8B;
        assert_eq!(broken(&s, &long_mode_ctx()).1, "usable LDTR: type must be 2 (LDT)");
        s.ldtr.access_rights = 0x02;
        assert_eq!(broken(&s, &long_mode_ctx()).1, "usable LDTR: P must be 1");
        s.ldtr.access_rights = 0x82;
        s.ldtr.base = 0x0000_8000_0000_0000;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest LDTR base");
    }
}
