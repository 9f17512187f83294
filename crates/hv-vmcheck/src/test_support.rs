//! Shared test fixtures: a Skylake-like processor and the contexts in which
//! the initial guest states are launched.
//!
//! Why: every check module tests against the same realistic processor, so a
//! rule's test breaks only for the rule's own reasons.
//!
//! Reference: the capability values are those of Bochs 2.7 `corei7_skylake_x`
//! used in the hv-vmx tests (Intel SDM, Order Number 325462-083US, March
//! 2024, Vol. 3D Appendix A); CR0 fixed0 0x80000021 / fixed1 0xffffffff and
//! CR4 fixed0 0x2000 / fixed1 0x3727ff as on real Skylake parts.

use hv_vmx::{EntryControls, Msr, PinBased, PrimaryProcBased, SecondaryProcBased, VmxCapabilities};

use crate::context::EntryContext;
use crate::guest_state::GuestState;

/// Secondary controls for an unrestricted guest: EPT, VPID, unrestricted
/// guest.
pub(crate) const UG_SECONDARY: SecondaryProcBased =
    SecondaryProcBased::ENABLE_EPT.union(SecondaryProcBased::ENABLE_VPID).union(SecondaryProcBased::UNRESTRICTED_GUEST);

/// Physical-address width of the test processor.
pub(crate) const PA_WIDTH: u8 = 39;

/// The capability MSRs of a Skylake-like processor; MSRs not listed read as
/// 0.
pub(crate) fn skylake_caps() -> VmxCapabilities {
    VmxCapabilities::read(&mut |msr: Msr| match msr {
        Msr::IA32_VMX_BASIC => 43 | (0x1000 << 32) | (6 << 50) | (1 << 54) | (1 << 55),
        Msr::IA32_VMX_TRUE_PINBASED_CTLS => 0x0000_007F_0000_0016,
        Msr::IA32_VMX_TRUE_PROCBASED_CTLS => 0xFFF9_FFFE_0400_6172,
        Msr::IA32_VMX_TRUE_EXIT_CTLS => 0x007F_FFFF_0003_6DFB,
        Msr::IA32_VMX_TRUE_ENTRY_CTLS => 0x0000_FFFF_0000_11FB,
        Msr::IA32_VMX_PROCBASED_CTLS2 => 0x0217_7FFF << 32,
        Msr::IA32_VMX_EPT_VPID_CAP => 0x0000_0F01_0633_4141,
        // Preemption-timer shift 5; HLT, shutdown and wait-for-SIPI supported.
        Msr::IA32_VMX_MISC => 0x2004_01E5,
        Msr::IA32_VMX_CR0_FIXED0 => 0x8000_0021,
        Msr::IA32_VMX_CR0_FIXED1 => 0xFFFF_FFFF,
        Msr::IA32_VMX_CR4_FIXED0 => 0x2000,
        Msr::IA32_VMX_CR4_FIXED1 => 0x0037_27FF,
        _ => 0,
    })
}

/// A context with the controls the hypervisor uses, adjusted to what the
/// Skylake-like processor allows (so forced "default1" bits are present).
fn context(secondary: SecondaryProcBased, entry: EntryControls) -> EntryContext {
    let caps = skylake_caps();
    let pin = caps
        .pin_based
        .adjust_flags(
            PinBased::EXTERNAL_INTERRUPT_EXITING | PinBased::NMI_EXITING | PinBased::VIRTUAL_NMIS,
            PinBased::empty(),
        )
        .unwrap();
    let primary = caps
        .primary
        .adjust_flags(PrimaryProcBased::ACTIVATE_SECONDARY | PrimaryProcBased::HLT, PrimaryProcBased::empty())
        .unwrap();
    let secondary = caps.secondary.unwrap().adjust_flags(secondary, SecondaryProcBased::empty()).unwrap();
    let entry = caps.entry.adjust_flags(entry, EntryControls::empty()).unwrap();
    EntryContext::new(&caps, pin, primary, secondary, entry, PA_WIDTH)
}

/// Entry controls that load every guest MSR the checker knows about.
const LOAD_ALL: EntryControls =
    EntryControls::LOAD_DEBUG.union(EntryControls::LOAD_PAT).union(EntryControls::LOAD_EFER);

/// An unrestricted guest entered in legacy (non-IA-32e) mode.
pub(crate) fn real_mode_ctx() -> EntryContext {
    context(UG_SECONDARY, LOAD_ALL)
}

/// The same controls without "unrestricted guest".
pub(crate) fn restricted_legacy_ctx() -> EntryContext {
    context(SecondaryProcBased::ENABLE_EPT | SecondaryProcBased::ENABLE_VPID, LOAD_ALL)
}

/// A 64-bit guest with EPT and VPID but without "unrestricted guest".
pub(crate) fn long_mode_ctx() -> EntryContext {
    context(
        SecondaryProcBased::ENABLE_EPT | SecondaryProcBased::ENABLE_VPID,
        LOAD_ALL | EntryControls::IA32E_MODE_GUEST,
    )
}

/// The same 64-bit guest with "unrestricted guest" as well.
pub(crate) fn long_mode_ug_ctx() -> EntryContext {
    context(UG_SECONDARY, LOAD_ALL | EntryControls::IA32E_MODE_GUEST)
}

/// The real-mode initial state at 1000:0000 (linear 0x10000), with fixed bits
/// applied for [`real_mode_ctx`].
pub(crate) fn real_mode() -> GuestState {
    GuestState::real_mode_at(0x1000, 0).with_fixed_bits(&real_mode_ctx())
}

/// The 64-bit initial state, with fixed bits applied for [`long_mode_ctx`].
pub(crate) fn long_mode() -> GuestState {
    GuestState::long_mode_flat(0xFFFF_8000_0010_0000, 0x20_0000).with_fixed_bits(&long_mode_ctx())
}
