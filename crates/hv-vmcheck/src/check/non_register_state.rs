//! Checks on the guest non-register state: activity state, interruptibility
//! state, pending debug exceptions and the VMCS link pointer.
//!
//! What: the activity state must be one the processor supports and fit the
//! other state (SS DPL for HLT, no STI/MOV-SS blocking outside the active
//! state, no injection of an event the state would block); the
//! interruptibility state must have no reserved bits and no contradictory
//! blocking; the pending debug exceptions must have no reserved bits and a BS
//! bit consistent with RFLAGS.TF; the VMCS link pointer must be all ones
//! unless VMCS shadowing is used.
//!
//! Why: these fields are easy to leave uninitialised (a link pointer of 0
//! instead of all ones is a classic cause of exit reason 33), and their
//! rules refer to state elsewhere in the VMCS.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C
//! 27.3.1.5 ("Checks on Guest Non-Register State"), 25.4.2 (the fields) and
//! Vol. 3D A.6 (supported activity states). Assumptions: the hypervisor is
//! not in SMM (so blocking by SMI must be 0 unless "entry to SMM" is 1); the
//! CPUID checks for SGX (enclave interruption) and RTM (pending debug bit 16)
//! are not made; a link pointer other than all ones is accepted only with
//! "VMCS shadowing", where only its alignment and width are checked (the
//! checker cannot read the VMCS it references).

use hv_vmx::{EntryControls, PinBased};

use crate::arch::{
    ACTIVITY_ACTIVE, ACTIVITY_HLT, ACTIVITY_SHUTDOWN, ACTIVITY_WAIT_FOR_SIPI, BLOCKING_BY_MOV_SS, BLOCKING_BY_NMI,
    BLOCKING_BY_SMI, BLOCKING_BY_STI, DEBUGCTL_BTF, ENCLAVE_INTERRUPTION, INTERRUPTIBILITY_RESERVED, PENDING_DEBUG_BS,
    PENDING_DEBUG_ENABLED_BREAKPOINT, PENDING_DEBUG_RESERVED, PENDING_DEBUG_RTM, RFLAGS_IF, RFLAGS_TF,
    VMCS_LINK_POINTER_NONE,
};
use crate::context::EntryContext;
use crate::entry_interruption::{EntryInterruption, InterruptionType};
use crate::guest_state::GuestState;
use crate::violation::{ensure, Violation};

/// The section these checks come from.
const SECTION: &str = "27.3.1.5";

/// [`ensure`] for this section.
const fn rule(ok: bool, field: &'static str, value: u64, rule: &'static str) -> Result<(), Violation> {
    ensure(ok, SECTION, field, value, rule)
}

const ACTIVITY: &str = "guest activity state";
const INTERRUPTIBILITY: &str = "guest interruptibility state";
const PENDING_DEBUG: &str = "guest pending debug exceptions";
const LINK_POINTER: &str = "VMCS link pointer";
const INTERRUPTION_INFO: &str = "VM-entry interruption information";

/// Whether VM entry may inject an event of `kind` with `vector` into a
/// logical processor in `activity` (SDM 27.3.1.5): anything when active;
/// external interrupts, NMIs, #DB, #MC and a pending MTF VM exit in HLT;
/// NMIs and #MC in shutdown; nothing in wait-for-SIPI.
pub(crate) const fn injection_allowed(activity: u32, kind: InterruptionType, vector: u8) -> bool {
    match activity {
        ACTIVITY_ACTIVE => true,
        ACTIVITY_HLT => matches!(
            (kind, vector),
            (InterruptionType::ExternalInterrupt | InterruptionType::Nmi, _)
                | (InterruptionType::HardwareException, 1 | 18)
                | (InterruptionType::OtherEvent, 0)
        ),
        ACTIVITY_SHUTDOWN => {
            matches!((kind, vector), (InterruptionType::Nmi, _) | (InterruptionType::HardwareException, 18))
        }
        _ => false,
    }
}

/// Runs the 27.3.1.5 checks in SDM order.
pub(crate) fn check(s: &GuestState, ctx: &EntryContext) -> Result<(), Violation> {
    let interruption = EntryInterruption(s.entry_interruption_info);
    let injected = interruption.injected();
    let entry_to_smm = ctx.entry_controls.contains(EntryControls::ENTRY_TO_SMM);
    let intr = s.interruptibility_state;
    let sti_or_mov_ss = intr & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS) != 0;

    // Activity state.
    let act = s.activity_state;
    let act_value = u64::from(act);
    rule(
        act <= ACTIVITY_WAIT_FOR_SIPI,
        ACTIVITY,
        act_value,
        "activity state must be 0 (active), 1 (HLT), 2 (shutdown) or 3 (wait-for-SIPI)",
    )?;
    let misc = ctx.misc;
    let supported = match act {
        ACTIVITY_ACTIVE => true,
        ACTIVITY_HLT => misc.activity_hlt(),
        ACTIVITY_SHUTDOWN => misc.activity_shutdown(),
        _ => misc.activity_wait_for_sipi(),
    };
    rule(supported, ACTIVITY, act_value, "activity state must be supported by the processor (IA32_VMX_MISC bits 8:6)")?;
    if act == ACTIVITY_HLT {
        rule(s.ss.dpl() == 0, ACTIVITY, act_value, "HLT activity state requires SS DPL 0")?;
    }
    if sti_or_mov_ss {
        rule(act == ACTIVITY_ACTIVE, ACTIVITY, act_value, "blocking by STI or MOV SS requires the active state")?;
    }
    if let Some(kind) = injected {
        rule(
            injection_allowed(act, kind, interruption.vector()),
            INTERRUPTION_INFO,
            s.entry_interruption_info.into(),
            "the injected event must be one the activity state allows (HLT: ext. interrupt, NMI, #DB, #MC, MTF; \
             shutdown: NMI, #MC; wait-for-SIPI: none)",
        )?;
    }
    if entry_to_smm {
        rule(
            act != ACTIVITY_WAIT_FOR_SIPI,
            ACTIVITY,
            act_value,
            "wait-for-SIPI activity state is not allowed with \"entry to SMM\"",
        )?;
    }

    // Interruptibility state.
    let intr_value = u64::from(intr);
    rule(intr & INTERRUPTIBILITY_RESERVED == 0, INTERRUPTIBILITY, intr_value, "reserved bits 31:5 must be 0")?;
    rule(
        intr & BLOCKING_BY_STI == 0 || intr & BLOCKING_BY_MOV_SS == 0,
        INTERRUPTIBILITY,
        intr_value,
        "blocking by STI and blocking by MOV SS must not both be 1",
    )?;
    rule(
        intr & BLOCKING_BY_STI == 0 || s.rflags & RFLAGS_IF != 0,
        INTERRUPTIBILITY,
        intr_value,
        "blocking by STI requires RFLAGS.IF = 1",
    )?;
    if injected == Some(InterruptionType::ExternalInterrupt) {
        rule(
            !sti_or_mov_ss,
            INTERRUPTIBILITY,
            intr_value,
            "blocking by STI and MOV SS must be 0 when an external interrupt is injected",
        )?;
    }
    if injected == Some(InterruptionType::Nmi) {
        rule(
            intr & BLOCKING_BY_MOV_SS == 0,
            INTERRUPTIBILITY,
            intr_value,
            "blocking by MOV SS must be 0 when an NMI is injected",
        )?;
    }
    if entry_to_smm {
        rule(
            intr & BLOCKING_BY_SMI != 0,
            INTERRUPTIBILITY,
            intr_value,
            "blocking by SMI must be 1 with \"entry to SMM\"",
        )?;
    } else {
        rule(intr & BLOCKING_BY_SMI == 0, INTERRUPTIBILITY, intr_value, "blocking by SMI must be 0 outside SMM")?;
    }
    if ctx.pin_based.contains(PinBased::VIRTUAL_NMIS) && injected == Some(InterruptionType::Nmi) {
        rule(
            intr & BLOCKING_BY_NMI == 0,
            INTERRUPTIBILITY,
            intr_value,
            "blocking by NMI must be 0 when an NMI is injected with \"virtual NMIs\"",
        )?;
    }
    if intr & ENCLAVE_INTERRUPTION != 0 {
        rule(
            intr & BLOCKING_BY_MOV_SS == 0,
            INTERRUPTIBILITY,
            intr_value,
            "enclave interruption (bit 4) requires blocking by MOV SS = 0",
        )?;
    }

    // Pending debug exceptions.
    let pending = s.pending_debug_exceptions;
    rule(
        pending & PENDING_DEBUG_RESERVED == 0,
        PENDING_DEBUG,
        pending,
        "pending debug exceptions bits 11:4, 13, 15 and 63:17 must be 0",
    )?;
    if sti_or_mov_ss || act == ACTIVITY_HLT {
        let single_step = s.rflags & RFLAGS_TF != 0 && s.ia32_debugctl & DEBUGCTL_BTF == 0;
        if single_step {
            rule(
                pending & PENDING_DEBUG_BS != 0,
                PENDING_DEBUG,
                pending,
                "BS (bit 14) must be 1 when RFLAGS.TF = 1 and IA32_DEBUGCTL.BTF = 0 with STI/MOV SS blocking or HLT",
            )?;
        } else {
            rule(
                pending & PENDING_DEBUG_BS == 0,
                PENDING_DEBUG,
                pending,
                "BS (bit 14) must be 0 when RFLAGS.TF = 0 or IA32_DEBUGCTL.BTF = 1 with STI/MOV SS blocking or HLT",
            )?;
        }
    }
    if pending & PENDING_DEBUG_RTM != 0 {
        rule(
            pending == PENDING_DEBUG_RTM | PENDING_DEBUG_ENABLED_BREAKPOINT,
            PENDING_DEBUG,
            pending,
            "with RTM (bit 16) set, bit 12 must be 1 and bits 11:0, 15:13 and 63:17 must be 0",
        )?;
        rule(
            intr & BLOCKING_BY_MOV_SS == 0,
            INTERRUPTIBILITY,
            intr_value,
            "pending debug exceptions with RTM (bit 16) require blocking by MOV SS = 0",
        )?;
    }

    // VMCS link pointer.
    let link = s.vmcs_link_pointer;
    if link != VMCS_LINK_POINTER_NONE {
        rule(
            ctx.vmcs_shadowing(),
            LINK_POINTER,
            link,
            "VMCS link pointer must be 0xffffffffffffffff unless \"VMCS shadowing\" is used",
        )?;
        rule(link & 0xFFF == 0, LINK_POINTER, link, "VMCS link pointer bits 11:0 must be 0")?;
        rule(
            link.checked_shr(ctx.physical_address_width.into()).unwrap_or(0) == 0,
            LINK_POINTER,
            link,
            "VMCS link pointer bits beyond the physical-address width must be 0",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{long_mode, long_mode_ctx, real_mode, real_mode_ctx};
    use hv_vmx::{PrimaryProcBased, SecondaryProcBased, VmxMisc};

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
    fn activity_state_values_and_support() {
        let mut s = long_mode();
        for act in [ACTIVITY_HLT, ACTIVITY_SHUTDOWN, ACTIVITY_WAIT_FOR_SIPI] {
            s.activity_state = act;
            assert_eq!(check(&s, &long_mode_ctx()), Ok(()), "{act}");
        }
        s.activity_state = 4;
        assert!(broken(&s, &long_mode_ctx()).1.starts_with("activity state must be 0 (active)"));
        // A processor without wait-for-SIPI support.
        let mut ctx = long_mode_ctx();
        ctx.misc = VmxMisc(ctx.misc.0 & !(1 << 8));
        s.activity_state = ACTIVITY_WAIT_FOR_SIPI;
        assert_eq!(
            broken(&s, &ctx),
            (ACTIVITY, "activity state must be supported by the processor (IA32_VMX_MISC bits 8:6)")
        );
        s.activity_state = ACTIVITY_HLT;
        assert_eq!(check(&s, &ctx), Ok(()));
    }

    #[test]
    fn hlt_needs_ring_0() {
        let mut s = long_mode();
        s.activity_state = ACTIVITY_HLT;
        s.ss.access_rights = 0xC0F3;
        assert_eq!(broken(&s, &long_mode_ctx()).1, "HLT activity state requires SS DPL 0");
    }

    #[test]
    fn blocking_requires_active() {
        let mut s = long_mode();
        s.rflags |= RFLAGS_IF;
        s.interruptibility_state = BLOCKING_BY_STI;
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
        s.activity_state = ACTIVITY_HLT;
        assert_eq!(broken(&s, &long_mode_ctx()).1, "blocking by STI or MOV SS requires the active state");
    }

    #[test]
    fn injection_against_activity() {
        assert!(injection_allowed(ACTIVITY_ACTIVE, InterruptionType::SoftwareInterrupt, 0x80));
        assert!(injection_allowed(ACTIVITY_HLT, InterruptionType::ExternalInterrupt, 0x30));
        assert!(injection_allowed(ACTIVITY_HLT, InterruptionType::HardwareException, 18));
        assert!(!injection_allowed(ACTIVITY_HLT, InterruptionType::HardwareException, 14));
        assert!(injection_allowed(ACTIVITY_HLT, InterruptionType::OtherEvent, 0));
        assert!(injection_allowed(ACTIVITY_SHUTDOWN, InterruptionType::Nmi, 2));
        assert!(!injection_allowed(ACTIVITY_SHUTDOWN, InterruptionType::ExternalInterrupt, 0x30));
        assert!(!injection_allowed(ACTIVITY_WAIT_FOR_SIPI, InterruptionType::Nmi, 2));

        let mut s = long_mode();
        s.activity_state = ACTIVITY_SHUTDOWN;
        s.entry_interruption_info = 0x8000_0B0E; // #PF with error code
        assert_eq!(broken(&s, &long_mode_ctx()).0, INTERRUPTION_INFO);
        s.entry_interruption_info = 0x8000_0312; // #MC
        assert_eq!(check(&s, &long_mode_ctx()), Ok(()));
    }

    #[test]
    fn interruptibility_rules() {
        let ctx = long_mode_ctx();
        let mut s = long_mode();
        s.rflags |= RFLAGS_IF;
        s.interruptibility_state = 1 << 5;
        assert_eq!(broken(&s, &ctx).1, "reserved bits 31:5 must be 0");
        s.interruptibility_state = BLOCKING_BY_STI | BLOCKING_BY_MOV_SS;
        assert_eq!(broken(&s, &ctx), (INTERRUPTIBILITY, "blocking by STI and blocking by MOV SS must not both be 1"));
        s.interruptibility_state = BLOCKING_BY_STI;
        s.rflags &= !RFLAGS_IF;
        assert_eq!(broken(&s, &ctx).1, "blocking by STI requires RFLAGS.IF = 1");
        s.interruptibility_state = BLOCKING_BY_MOV_SS;
        s.entry_interruption_info = 0x8000_0202; // NMI
        assert_eq!(broken(&s, &ctx).1, "blocking by MOV SS must be 0 when an NMI is injected");
        s.interruptibility_state = BLOCKING_BY_SMI;
        s.entry_interruption_info = 0;
        assert_eq!(broken(&s, &ctx).1, "blocking by SMI must be 0 outside SMM");
        // Virtual NMIs (set in the test controls): NMI blocking conflicts with an injected NMI.
        s.interruptibility_state = BLOCKING_BY_NMI;
        assert_eq!(check(&s, &ctx), Ok(()));
        s.entry_interruption_info = 0x8000_0202;
        assert_eq!(broken(&s, &ctx).1, "blocking by NMI must be 0 when an NMI is injected with \"virtual NMIs\"");
        s.interruptibility_state = ENCLAVE_INTERRUPTION | BLOCKING_BY_MOV_SS;
        s.entry_interruption_info = 0;
        assert_eq!(broken(&s, &ctx).1, "enclave interruption (bit 4) requires blocking by MOV SS = 0");
    }

    #[test]
    fn external_interrupt_vs_blocking() {
        let mut s = long_mode();
        s.rflags |= RFLAGS_IF;
        s.interruptibility_state = BLOCKING_BY_STI;
        s.entry_interruption_info = 0x8000_0030;
        assert_eq!(
            broken(&s, &long_mode_ctx()).1,
            "blocking by STI and MOV SS must be 0 when an external interrupt is injected"
        );
    }

    #[test]
    fn pending_debug_rules() {
        let ctx = long_mode_ctx();
        let mut s = long_mode();
        s.pending_debug_exceptions = 0xF | PENDING_DEBUG_ENABLED_BREAKPOINT;
        assert_eq!(check(&s, &ctx), Ok(()));
        s.pending_debug_exceptions = 1 << 13;
        assert_eq!(broken(&s, &ctx).0, PENDING_DEBUG);
        // Single-stepping over MOV SS: BS must be set.
        s.pending_debug_exceptions = 0;
        s.rflags |= RFLAGS_TF;
        s.interruptibility_state = BLOCKING_BY_MOV_SS;
        assert!(broken(&s, &ctx).1.starts_with("BS (bit 14) must be 1"));
        s.pending_debug_exceptions = PENDING_DEBUG_BS;
        assert_eq!(check(&s, &ctx), Ok(()));
        s.rflags &= !RFLAGS_TF;
        assert!(broken(&s, &ctx).1.starts_with("BS (bit 14) must be 0"));
        // RTM: only bits 12 and 16.
        let mut s = long_mode();
        s.pending_debug_exceptions = PENDING_DEBUG_RTM | PENDING_DEBUG_ENABLED_BREAKPOINT;
        assert_eq!(check(&s, &ctx), Ok(()));
        s.pending_debug_exceptions |= 1;
        assert!(broken(&s, &ctx).1.starts_with("with RTM (bit 16) set"));
    }

    #[test]
    fn link_pointer() {
        let mut s = long_mode();
        s.vmcs_link_pointer = 0;
        assert_eq!(
            broken(&s, &long_mode_ctx()),
            (LINK_POINTER, "VMCS link pointer must be 0xffffffffffffffff unless \"VMCS shadowing\" is used")
        );
        let mut ctx = long_mode_ctx();
        ctx.primary |= PrimaryProcBased::ACTIVATE_SECONDARY;
        ctx.secondary |= SecondaryProcBased::VMCS_SHADOWING;
        s.vmcs_link_pointer = 0x1234_5000;
        assert_eq!(check(&s, &ctx), Ok(()));
        s.vmcs_link_pointer = 0x1234_5008;
        assert_eq!(broken(&s, &ctx).1, "VMCS link pointer bits 11:0 must be 0");
        s.vmcs_link_pointer = 1 << 39;
        assert_eq!(broken(&s, &ctx).1, "VMCS link pointer bits beyond the physical-address width must be 0");
    }

    #[test]
    fn entry_to_smm_rules() {
        let mut ctx = real_mode_ctx();
        ctx.entry_controls |= EntryControls::ENTRY_TO_SMM;
        let mut s = real_mode();
        s.interruptibility_state = BLOCKING_BY_SMI;
        assert_eq!(check(&s, &ctx), Ok(()));
        s.activity_state = ACTIVITY_WAIT_FOR_SIPI;
        assert_eq!(broken(&s, &ctx).1, "wait-for-SIPI activity state is not allowed with \"entry to SMM\"");
        s.activity_state = ACTIVITY_ACTIVE;
        s.interruptibility_state = 0;
        assert_eq!(broken(&s, &ctx).1, "blocking by SMI must be 1 with \"entry to SMM\"");
    }
}
