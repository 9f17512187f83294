//! Checks on the guest control registers, debug registers and MSRs.
//!
//! What: CR0 and CR4 against the VMX fixed bits (with the "unrestricted
//! guest" relaxation of PE and PG, and CR0.NW/CD never checked), CR0.PG
//! requiring PE, CR4.CET requiring CR0.WP, IA32_DEBUGCTL and DR7 under "load
//! debug controls", the "IA-32e mode guest" requirements on CR0.PG, CR4.PAE
//! and CR4.PCIDE, CR3 within the physical-address width, canonical SYSENTER
//! MSRs, IA32_PAT under "load IA32_PAT" and IA32_EFER under "load
//! IA32_EFER", in the order the SDM lists them.
//!
//! Why: these are the first guest-state checks VM entry performs, and the
//! fixed-bit rule (especially CR4.VMXE in the guest CR4 field) is the one
//! most often broken.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C
//! 27.3.1.1 ("Checks on Guest Control Registers, Debug Registers, and MSRs").
//! Not modelled: the CET, IA32_PERF_GLOBAL_CTRL, IA32_BNDCFGS, IA32_RTIT_CTL,
//! IA32_LBR_CTL, IA32_PKRS and UINV checks (the hypervisor does not load
//! those), and CR3 bits 62:61 for linear-address masking.

use hv_vmx::EntryControls;

use crate::arch::{
    CR0_CD, CR0_NW, CR0_PE, CR0_PG, CR0_WP, CR4_CET, CR4_PAE, CR4_PCIDE, CR4_VMXE, DEBUGCTL_RESERVED, EFER_LMA,
    EFER_LME, EFER_RESERVED,
};
use crate::canonical::canonical;
use crate::context::EntryContext;
use crate::guest_state::GuestState;
use crate::violation::{ensure, Violation};

/// The section these checks come from.
const SECTION: &str = "27.3.1.1";

/// [`ensure`] for this section.
const fn rule(ok: bool, field: &'static str, value: u64, rule: &'static str) -> Result<(), Violation> {
    ensure(ok, SECTION, field, value, rule)
}

/// CR3 bits that must be 0: 63:52 and those of 51:32 at or above the
/// physical-address width.
pub(crate) const fn cr3_reserved(physical_address_width: u8) -> u64 {
    let width = if physical_address_width < 32 {
        32
    } else if physical_address_width > 52 {
        52
    } else {
        physical_address_width
    };
    !0 << width
}

/// Whether every byte of `pat` is a memory type WRMSR accepts: 0 (UC),
/// 1 (WC), 4 (WT), 5 (WP), 6 (WB) or 7 (UC-).
pub(crate) fn pat_valid(pat: u64) -> bool {
    pat.to_le_bytes().iter().all(|&entry| matches!(entry, 0 | 1 | 4..=7))
}

/// Runs the 27.3.1.1 checks in SDM order.
pub(crate) fn check(s: &GuestState, ctx: &EntryContext) -> Result<(), Violation> {
    let controls = ctx.entry_controls;
    let ia32e = ctx.ia32e_mode_guest();

    // CR0 fixed bits; PE and PG relaxed by "unrestricted guest", NW and CD
    // never checked because VM entry does not change them.
    let cr0_bad = ctx.guest_cr0_rules().violations(s.cr0) & !(CR0_NW | CR0_CD);
    rule(
        cr0_bad & CR0_PE == 0,
        "guest CR0",
        s.cr0,
        "CR0.PE must be 1 (IA32_VMX_CR0_FIXED0) unless \"unrestricted guest\" is 1",
    )?;
    rule(
        cr0_bad & CR0_PG == 0,
        "guest CR0",
        s.cr0,
        "CR0.PG must be 1 (IA32_VMX_CR0_FIXED0) unless \"unrestricted guest\" is 1",
    )?;
    rule(
        cr0_bad == 0,
        "guest CR0",
        s.cr0,
        "CR0 must have every IA32_VMX_CR0_FIXED0 bit set and no bit outside IA32_VMX_CR0_FIXED1 (NW, CD exempt)",
    )?;
    rule(s.cr0 & CR0_PG == 0 || s.cr0 & CR0_PE != 0, "guest CR0", s.cr0, "CR0.PG = 1 requires CR0.PE = 1")?;

    let cr4_bad = ctx.cr4_fixed.violations(s.cr4);
    rule(
        cr4_bad & CR4_VMXE == 0,
        "guest CR4",
        s.cr4,
        "CR4.VMXE must be 1 in the guest CR4 field (IA32_VMX_CR4_FIXED0); hide it with the CR4 read shadow",
    )?;
    rule(
        cr4_bad == 0,
        "guest CR4",
        s.cr4,
        "CR4 must have every IA32_VMX_CR4_FIXED0 bit set and no bit outside IA32_VMX_CR4_FIXED1",
    )?;
    rule(s.cr4 & CR4_CET == 0 || s.cr0 & CR0_WP != 0, "guest CR4", s.cr4, "CR4.CET = 1 requires CR0.WP = 1")?;

    if controls.contains(EntryControls::LOAD_DEBUG) {
        rule(
            s.ia32_debugctl & DEBUGCTL_RESERVED == 0,
            "guest IA32_DEBUGCTL",
            s.ia32_debugctl,
            "reserved IA32_DEBUGCTL bits (5:3, 63:16) must be 0 with \"load debug controls\"",
        )?;
    }

    if ia32e {
        rule(s.cr0 & CR0_PG != 0, "guest CR0", s.cr0, "\"IA-32e mode guest\" requires CR0.PG = 1")?;
        rule(s.cr4 & CR4_PAE != 0, "guest CR4", s.cr4, "\"IA-32e mode guest\" requires CR4.PAE = 1")?;
    } else {
        rule(s.cr4 & CR4_PCIDE == 0, "guest CR4", s.cr4, "CR4.PCIDE must be 0 unless \"IA-32e mode guest\" is 1")?;
    }

    rule(
        s.cr3 & cr3_reserved(ctx.physical_address_width) == 0,
        "guest CR3",
        s.cr3,
        "CR3 bits 63:52 and bits 51:32 beyond the physical-address width must be 0",
    )?;

    if controls.contains(EntryControls::LOAD_DEBUG) {
        rule(s.dr7 >> 32 == 0, "guest DR7", s.dr7, "DR7 bits 63:32 must be 0 with \"load debug controls\"")?;
    }

    let width = ctx.linear_address_width;
    rule(
        canonical(s.sysenter_esp, width),
        "guest IA32_SYSENTER_ESP",
        s.sysenter_esp,
        "IA32_SYSENTER_ESP must be canonical",
    )?;
    rule(
        canonical(s.sysenter_eip, width),
        "guest IA32_SYSENTER_EIP",
        s.sysenter_eip,
        "IA32_SYSENTER_EIP must be canonical",
    )?;

    if controls.contains(EntryControls::LOAD_PAT) {
        rule(
            pat_valid(s.ia32_pat),
            "guest IA32_PAT",
            s.ia32_pat,
            "each IA32_PAT entry must be 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB) or 7 (UC-) with \"load IA32_PAT\"",
        )?;
    }

    if controls.contains(EntryControls::LOAD_EFER) {
        let efer = s.ia32_efer;
        rule(
            efer & EFER_RESERVED == 0,
            "guest IA32_EFER",
            efer,
            "reserved IA32_EFER bits (all but SCE 0, LME 8, LMA 10, NXE 11) must be 0 with \"load IA32_EFER\"",
        )?;
        rule(
            (efer & EFER_LMA != 0) == ia32e,
            "guest IA32_EFER",
            efer,
            "EFER.LMA must equal \"IA-32e mode guest\" with \"load IA32_EFER\"",
        )?;
        if s.cr0 & CR0_PG != 0 {
            rule(
                (efer & EFER_LME != 0) == (efer & EFER_LMA != 0),
                "guest IA32_EFER",
                efer,
                "EFER.LME must equal EFER.LMA when CR0.PG = 1 with \"load IA32_EFER\"",
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::{CR0_NE, EFER_NXE};
    use crate::test_support::{long_mode, long_mode_ctx, real_mode, real_mode_ctx, restricted_legacy_ctx};

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
    fn helpers() {
        assert_eq!(cr3_reserved(39), 0xFFFF_FF80_0000_0000);
        assert_eq!(cr3_reserved(46), 0xFFFF_C000_0000_0000);
        assert_eq!(cr3_reserved(52), 0xFFF0_0000_0000_0000);
        assert_eq!(cr3_reserved(64), 0xFFF0_0000_0000_0000);
        assert_eq!(cr3_reserved(20), 0xFFFF_FFFF_0000_0000);
        assert!(pat_valid(0x0007_0406_0007_0406));
        assert!(pat_valid(0));
        assert!(!pat_valid(0x0007_0406_0007_0402));
        assert!(!pat_valid(0x0800_0000_0000_0000));
    }

    #[test]
    fn cr0_pe_required_without_unrestricted_guest() {
        let (field, text) = broken(&real_mode(), &restricted_legacy_ctx());
        assert_eq!(field, "guest CR0");
        assert!(text.starts_with("CR0.PE must be 1"), "{text}");
    }

    #[test]
    fn cr0_ne_and_reserved_bits() {
        let mut s = long_mode();
        s.cr0 &= !CR0_NE;
        assert!(broken(&s, &long_mode_ctx()).1.starts_with("CR0 must have every"));
        let mut s = long_mode();
        s.cr0 |= 1 << 32;
        assert!(broken(&s, &long_mode_ctx()).1.starts_with("CR0 must have every"));
        // NW and CD are never checked.
        let mut s = long_mode();
        s.cr0 |= CR0_NW | CR0_CD;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
    }

    #[test]
    fn pg_without_pe_under_unrestricted_guest() {
        let mut s = real_mode();
        s.cr0 |= CR0_PG;
        assert_eq!(broken(&s, &real_mode_ctx()), ("guest CR0", "CR0.PG = 1 requires CR0.PE = 1"));
    }

    #[test]
    fn cr4_vmxe_and_fixed1() {
        let mut s = long_mode();
        s.cr4 &= !CR4_VMXE;
        let (field, text) = broken(&s, &long_mode_ctx());
        assert_eq!(field, "guest CR4");
        assert!(text.starts_with("CR4.VMXE must be 1"), "{text}");
        // LA57 (bit 12) is outside the Skylake fixed1 mask.
        let mut s = long_mode();
        s.cr4 |= 1 << 12;
        assert!(broken(&s, &long_mode_ctx()).1.starts_with("CR4 must have every"));
    }

    #[test]
    fn cet_requires_wp() {
        // Use a processor that allows CET so the fixed-bit rule passes.
        let mut ctx = long_mode_ctx();
        ctx.cr4_fixed.fixed1 |= CR4_CET;
        let mut s = long_mode();
        s.cr4 |= CR4_CET;
        assert_eq!(check(&s, &ctx), Ok(()));
        s.cr0 &= !CR0_WP;
        assert_eq!(broken(&s, &ctx), ("guest CR4", "CR4.CET = 1 requires CR0.WP = 1"));
    }

    #[test]
    fn debugctl_only_with_load_debug_controls() {
        let mut s = long_mode();
        s.ia32_debugctl = 1 << 3;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest IA32_DEBUGCTL");
        let mut ctx = long_mode_ctx();
        ctx.entry_controls.remove(EntryControls::LOAD_DEBUG);
        assert_eq!(check(&s, &ctx), Ok(()));
        s.ia32_debugctl = 0b11 | 0xFFC0; // all defined bits
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
    }

    #[test]
    fn ia32e_needs_pg_and_pae() {
        let mut s = long_mode();
        s.cr4 &= !CR4_PAE;
        assert_eq!(broken(&s, &long_mode_ctx()), ("guest CR4", "\"IA-32e mode guest\" requires CR4.PAE = 1"));
        // PG = 0 with PE = 1 is allowed by the relaxed fixed bits, not by IA-32e.
        let mut ctx = long_mode_ctx();
        ctx.secondary |= hv_vmx::SecondaryProcBased::UNRESTRICTED_GUEST;
        let mut s = long_mode();
        s.cr0 &= !CR0_PG;
        assert_eq!(broken(&s, &ctx), ("guest CR0", "\"IA-32e mode guest\" requires CR0.PG = 1"));
    }

    #[test]
    fn pcide_only_in_ia32e_mode() {
        let mut s = real_mode();
        s.cr4 |= CR4_PCIDE;
        assert_eq!(broken(&s, &real_mode_ctx()).1, "CR4.PCIDE must be 0 unless \"IA-32e mode guest\" is 1");
        let mut s = long_mode();
        s.cr4 |= CR4_PCIDE;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
    }

    #[test]
    fn cr3_beyond_physical_width() {
        let mut s = long_mode();
        s.cr3 = 1 << 39;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest CR3");
        let mut wide = long_mode_ctx();
        wide.physical_address_width = 46;
        assert_eq!(check(&s, &wide), Ok(()));
    }

    #[test]
    fn dr7_upper_half() {
        let mut s = long_mode();
        s.dr7 = 1 << 32 | 0x400;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest DR7");
    }

    #[test]
    fn sysenter_msrs_canonical() {
        let mut s = long_mode();
        s.sysenter_eip = 0x0000_8000_0000_0000;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest IA32_SYSENTER_EIP");
        s.sysenter_esp = 0x0000_8000_0000_0000;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest IA32_SYSENTER_ESP");
        // Canonical for a 5-level-paging processor.
        assert_eq!(check(&s, &long_mode_ctx().with_linear_address_width(57)), Ok(()));
    }

    #[test]
    fn pat_entries() {
        let mut s = long_mode();
        s.ia32_pat = 0x0007_0406_0007_0403;
        assert_eq!(broken(&s, &long_mode_ctx()).0, "guest IA32_PAT");
        let mut ctx = long_mode_ctx();
        ctx.entry_controls.remove(EntryControls::LOAD_PAT);
        assert_eq!(check(&s, &ctx), Ok(()));
    }

    #[test]
    fn efer_rules() {
        let ctx = long_mode_ctx();
        let mut s = long_mode();
        s.ia32_efer |= EFER_NXE;
        assert_eq!(check(&s, &ctx), Ok(()));
        s.ia32_efer |= 1 << 12;
        assert!(broken(&s, &ctx).1.starts_with("reserved IA32_EFER bits"));
        let mut s = long_mode();
        s.ia32_efer &= !EFER_LMA;
        assert_eq!(broken(&s, &ctx).1, "EFER.LMA must equal \"IA-32e mode guest\" with \"load IA32_EFER\"");
        // Legacy paged guest with LME set: LME != LMA while paging.
        let mut s = real_mode();
        s.cr0 |= CR0_PE | CR0_PG;
        s.ia32_efer = EFER_LME;
        assert!(broken(&s, &real_mode_ctx()).1.starts_with("EFER.LME must equal EFER.LMA"));
        // Without paging, LME alone is fine (the guest has not activated IA-32e mode yet).
        s.cr0 &= !CR0_PG;
        assert_eq!(check(&s, &real_mode_ctx()), Ok(()));
        // Not checked at all without "load IA32_EFER".
        let mut no_load = long_mode_ctx();
        no_load.entry_controls.remove(EntryControls::LOAD_EFER);
        let mut s = long_mode();
        s.ia32_efer = 0;
        assert_eq!(check(&s, &no_load), Ok(()));
    }
}
