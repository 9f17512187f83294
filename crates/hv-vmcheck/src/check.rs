//! The entry point of the checker: all guest-state checks in SDM order.
//!
//! What: [`check_guest_state`] runs the checks of SDM 27.3.1.1 to 27.3.1.5
//! one section after the other, each section in the order its rules are
//! listed, and stops at the first broken rule.
//!
//! Why: reporting the first violation in the manual's order makes the
//! message deterministic and lets the reader find the rule by walking the
//! SDM text, and fixing violations one at a time converges.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C 27.3.1
//! ("Checks on the Guest State Area"). The processor itself does not promise
//! to check in this order; it only reports that some check failed.

mod control_registers;
mod descriptor_tables;
mod non_register_state;
mod rip_rflags;
mod segment_registers;

use crate::context::EntryContext;
use crate::guest_state::GuestState;
use crate::violation::Violation;

/// Checks `state` against the guest-state rules VM entry applies (SDM Vol. 3C
/// 27.3.1) under the controls and processor properties in `ctx`, and returns
/// the first broken rule in SDM order.
///
/// Sections covered: 27.3.1.1 (CR0, CR4, CR3, DR7, IA32_DEBUGCTL, SYSENTER
/// MSRs, IA32_PAT, IA32_EFER), 27.3.1.2 (segment registers), 27.3.1.3 (GDTR,
/// IDTR), 27.3.1.4 (RIP, RFLAGS) and 27.3.1.5 (activity and
/// interruptibility state, pending debug exceptions, VMCS link pointer).
///
/// Not covered, or approximated:
/// - the checks on the VMX controls (27.2.1) and the host state (27.2.2),
///   which fail VM entry with a VM-instruction error rather than exit
///   reason 33;
/// - the PDPTE checks for PAE paging (27.3.1.6);
/// - the state loaded only by controls this crate does not model (CET, PERF_GLOBAL_CTRL,
///   BNDCFGS, RTIT_CTL, LBR_CTL, PKRS, UINV) and the SSP check;
/// - model-specific reserved bits: IA32_DEBUGCTL is checked only for bits
///   5:3 and 63:16, IA32_EFER for the bits outside SCE, LME, LMA and NXE
///   (NXE is reserved when execute-disable is off, which is not known here);
/// - CR3 bits 62:61 (linear-address masking) are treated as reserved;
/// - CPUID-dependent parts (SGX for the enclave-interruption bit, RTM for
///   pending-debug bit 16);
/// - the hypervisor is assumed not to run in SMM;
/// - a VMCS link pointer other than all ones is rejected unless "VMCS
///   shadowing" is 1, since the checker cannot read the VMCS it references.
pub fn check_guest_state(state: &GuestState, ctx: &EntryContext) -> Result<(), Violation> {
    control_registers::check(state, ctx)?;
    segment_registers::check(state, ctx)?;
    descriptor_tables::check(state, ctx)?;
    rip_rflags::check(state, ctx)?;
    non_register_state::check(state, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::{BLOCKING_BY_MOV_SS, BLOCKING_BY_STI, CR0_PE, CR0_PG, CR4_PAE, EFER_LMA, RFLAGS_IF};
    use crate::segment::SegmentRegister;
    use crate::test_support::{
        long_mode, long_mode_ctx, long_mode_ug_ctx, real_mode, real_mode_ctx, restricted_legacy_ctx, skylake_caps,
    };
    use hv_vmx::{EntryControls, PinBased, PrimaryProcBased, SecondaryProcBased};

    /// Asserts that `state` fails in `section` on `field`, and returns the
    /// violation for further checks.
    #[track_caller]
    fn fails(state: &GuestState, ctx: &EntryContext, section: &str, field: &str) -> Violation {
        let v = check_guest_state(state, ctx).expect_err("state should be rejected");
        assert_eq!((v.section, v.field), (section, field), "{v}");
        v
    }

    #[test]
    fn real_mode_preset_passes_with_unrestricted_guest() {
        assert_eq!(check_guest_state(&real_mode(), &real_mode_ctx()), Ok(()));
        // Also at the reset-vector-like segment F000 and any IP.
        let s = GuestState::real_mode_at(0xF000, 0xFFF0).with_fixed_bits(&real_mode_ctx());
        assert_eq!(check_guest_state(&s, &real_mode_ctx()), Ok(()));
        // A selector with RPL bits set is fine in real mode under UG.
        let s = GuestState::real_mode_at(0x07C3, 0).with_fixed_bits(&real_mode_ctx());
        assert_eq!(check_guest_state(&s, &real_mode_ctx()), Ok(()));
    }

    #[test]
    fn long_mode_preset_passes() {
        assert_eq!(check_guest_state(&long_mode(), &long_mode_ctx()), Ok(()));
        assert_eq!(check_guest_state(&long_mode(), &long_mode_ug_ctx()), Ok(()));
        // Built through EntryContext::new with the minimal controls too
        // (without "load IA32_EFER" the processor derives LME/LMA itself).
        let ctx = EntryContext::new(
            &skylake_caps(),
            PinBased::empty(),
            PrimaryProcBased::empty(),
            SecondaryProcBased::empty(),
            EntryControls::IA32E_MODE_GUEST,
            46,
        );
        let s = GuestState::long_mode_flat(0x40_0000, 0x3F_FFFF_F000).with_fixed_bits(&ctx);
        assert_eq!(check_guest_state(&s, &ctx), Ok(()));
    }

    #[test]
    fn unfixed_presets_fail_on_cr4_vmxe() {
        let v = fails(&GuestState::long_mode_flat(0, 0), &long_mode_ctx(), "27.3.1.1", "guest CR4");
        assert!(v.rule.starts_with("CR4.VMXE must be 1"));
    }

    #[test]
    fn real_mode_without_unrestricted_guest_fails_on_pe() {
        let s = GuestState::real_mode_at(0x1000, 0).with_fixed_bits(&real_mode_ctx());
        let v = fails(&s, &restricted_legacy_ctx(), "27.3.1.1", "guest CR0");
        assert!(v.rule.starts_with("CR0.PE must be 1"), "{v}");
        assert_eq!(v.value, 0x30);
    }

    #[test]
    fn pg_without_pe() {
        let mut s = real_mode();
        s.cr0 |= CR0_PG;
        let v = fails(&s, &real_mode_ctx(), "27.3.1.1", "guest CR0");
        assert_eq!(v.rule, "CR0.PG = 1 requires CR0.PE = 1");
    }

    #[test]
    fn ia32e_entry_without_pae() {
        let mut s = long_mode();
        s.cr4 &= !CR4_PAE;
        let v = fails(&s, &long_mode_ctx(), "27.3.1.1", "guest CR4");
        assert_eq!(v.rule, "\"IA-32e mode guest\" requires CR4.PAE = 1");
    }

    #[test]
    fn efer_lma_mismatch() {
        let mut s = long_mode();
        s.ia32_efer &= !EFER_LMA;
        let v = fails(&s, &long_mode_ctx(), "27.3.1.1", "guest IA32_EFER");
        assert_eq!(v.value, 0x100);
    }

    #[test]
    fn cs_type_3_without_unrestricted_guest() {
        // A paged 32-bit protected-mode guest whose CS is a data segment.
        let ctx = restricted_legacy_ctx();
        let mut s = GuestState::real_mode_at(0, 0).with_fixed_bits(&ctx);
        assert_eq!(s.cr0 & (CR0_PE | CR0_PG), CR0_PE | CR0_PG);
        s.cs = SegmentRegister::new(0x08, 0, 0xFFFF, 0x93);
        let v = fails(&s, &ctx, "27.3.1.2", "guest CS access rights");
        assert!(v.rule.starts_with("CS type must be 9, 11, 13 or 15"), "{v}");
        assert_eq!(v.value, 0x93);
        // The same state with a code segment passes.
        s.cs.access_rights = 0x9B;
        assert_eq!(check_guest_state(&s, &ctx), Ok(()));
    }

    #[test]
    fn ss_rpl_differs_from_cs_rpl() {
        let mut s = long_mode();
        s.ss.selector = 0x13;
        let v = fails(&s, &long_mode_ctx(), "27.3.1.2", "guest SS selector");
        assert_eq!(v.value, 0x13);
        // Under unrestricted guest neither SS.RPL = CS.RPL nor SS.DPL = SS.RPL
        // is checked.
        assert_eq!(check_guest_state(&s, &long_mode_ug_ctx()), Ok(()));
    }

    #[test]
    fn tr_unusable() {
        let mut s = long_mode();
        s.tr.access_rights |= SegmentRegister::AR_UNUSABLE;
        let v = fails(&s, &long_mode_ctx(), "27.3.1.2", "guest TR access rights");
        assert_eq!(v.rule, "TR must be usable (access-rights bit 16 = 0)");
    }

    #[test]
    fn granularity_inconsistent_with_limit() {
        let mut s = long_mode();
        s.ds.limit = 0xF_FFFF; // G = 1 with limit bits 11:0 all ones: fine
        assert_eq!(check_guest_state(&s, &long_mode_ctx()), Ok(()));
        s.ds.limit = 0xF_F000; // low 12 bits not all ones with G = 1
        let v = fails(&s, &long_mode_ctx(), "27.3.1.2", "guest DS access rights");
        assert!(v.rule.starts_with("G must be 0 if limit bits 11:0"), "{v}");
    }

    #[test]
    fn reserved_access_rights_bits() {
        let mut s = long_mode();
        s.cs.access_rights |= 0x100;
        let v = fails(&s, &long_mode_ctx(), "27.3.1.2", "guest CS access rights");
        assert_eq!(v.rule, "CS and usable SS, DS, ES, FS, GS: reserved access-rights bits 11:8 must be 0");
        assert_eq!(v.to_string(), format!("SDM 27.3.1.2: guest CS access rights 0xa19b: {}", v.rule));
    }

    #[test]
    fn non_canonical_gdtr_base() {
        let mut s = long_mode();
        s.gdtr_base = 0x0000_8000_0000_0000;
        fails(&s, &long_mode_ctx(), "27.3.1.3", "guest GDTR base");
    }

    #[test]
    fn rflags_bit_1_clear() {
        let mut s = long_mode();
        s.rflags = 0;
        let v = fails(&s, &long_mode_ctx(), "27.3.1.4", "guest RFLAGS");
        assert_eq!(v.value, 0);
    }

    #[test]
    fn rip_upper_bits_with_cs_l_clear() {
        let mut s = long_mode();
        s.cs.access_rights = 0xC09B; // compatibility mode: 32-bit code
        s.rip = 0xFFFF_8000_0000_1000;
        fails(&s, &long_mode_ctx(), "27.3.1.4", "guest RIP");
        // Same RIP in 64-bit mode is canonical and fine.
        s.cs.access_rights = 0xA09B;
        assert_eq!(check_guest_state(&s, &long_mode_ctx()), Ok(()));
    }

    #[test]
    fn bad_activity_state() {
        let mut s = long_mode();
        s.activity_state = 5;
        fails(&s, &long_mode_ctx(), "27.3.1.5", "guest activity state");
    }

    #[test]
    fn sti_and_mov_ss_blocking_together() {
        let mut s = long_mode();
        s.rflags |= RFLAGS_IF;
        s.interruptibility_state = BLOCKING_BY_STI | BLOCKING_BY_MOV_SS;
        let v = fails(&s, &long_mode_ctx(), "27.3.1.5", "guest interruptibility state");
        assert_eq!(v.rule, "blocking by STI and blocking by MOV SS must not both be 1");
    }

    #[test]
    fn link_pointer_not_all_ones() {
        let mut s = long_mode();
        s.vmcs_link_pointer = 0;
        let v = fails(&s, &long_mode_ctx(), "27.3.1.5", "VMCS link pointer");
        assert_eq!(v.value, 0);
    }

    #[test]
    fn first_violation_in_sdm_order_wins() {
        // Broken in 27.3.1.5 (link pointer), 27.3.1.4 (RFLAGS) and 27.3.1.2 (TR).
        let mut s = long_mode();
        s.vmcs_link_pointer = 0;
        fails(&s, &long_mode_ctx(), "27.3.1.5", "VMCS link pointer");
        s.rflags = 0;
        fails(&s, &long_mode_ctx(), "27.3.1.4", "guest RFLAGS");
        s.tr.access_rights = 0x89;
        fails(&s, &long_mode_ctx(), "27.3.1.2", "guest TR access rights");
        // Within 27.3.1.2, selectors come before access rights.
        s.ss.selector = 0x13;
        fails(&s, &long_mode_ctx(), "27.3.1.2", "guest SS selector");
        // And 27.3.1.1 comes before all of them.
        s.cr4 &= !CR4_PAE;
        fails(&s, &long_mode_ctx(), "27.3.1.1", "guest CR4");
        // Within 27.3.1.1, CR0 comes before CR4.
        s.cr0 |= 1 << 40;
        fails(&s, &long_mode_ctx(), "27.3.1.1", "guest CR0");
    }

    #[test]
    fn within_access_rights_type_precedes_granularity() {
        // CS has a G/limit mismatch, GS a bad type. The SDM lists the Type
        // checks of all registers before the G checks, so GS is reported
        // although CS comes first in register order.
        let mut s = long_mode();
        s.cs.limit = 0xF_F000; // G/limit mismatch on CS
        s.gs.access_rights = 0xC092; // GS not accessed (type check)
        fails(&s, &long_mode_ctx(), "27.3.1.2", "guest GS access rights");
    }
}
