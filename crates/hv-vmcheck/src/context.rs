//! What the guest state is checked against: the VM-execution and VM-entry
//! controls that will be in the VMCS and the processor's VMX capabilities.
//!
//! Why: many guest-state rules depend on controls ("unrestricted guest",
//! "IA-32e mode guest", "load IA32_EFER", ...) and on the processor (CR0/CR4
//! fixed bits, physical- and linear-address widths, supported activity
//! states). Collecting them in [`EntryContext`] keeps the checker pure.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C 25.6
//! (VM-execution controls), 25.8.1 (VM-entry controls), 27.3.1 (the checks
//! that use them) and Vol. 3D Appendix A.6 to A.8 (IA32_VMX_MISC and the
//! CR0/CR4 fixed-bit MSRs).

use hv_vmx::{EntryControls, FixedBits, PinBased, PrimaryProcBased, SecondaryProcBased, VmxCapabilities, VmxMisc};

/// The linear-address width of processors with 4-level paging only. A
/// processor that supports 5-level paging (CPUID.(EAX=7,ECX=0):ECX[16])
/// checks canonical addresses with 57 bits instead.
pub const DEFAULT_LINEAR_ADDRESS_WIDTH: u8 = 48;

/// The controls and processor properties the guest-state checks consult.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntryContext {
    /// The VM-entry controls.
    pub entry_controls: EntryControls,
    /// The pin-based VM-execution controls.
    pub pin_based: PinBased,
    /// The primary processor-based VM-execution controls.
    pub primary: PrimaryProcBased,
    /// The secondary processor-based VM-execution controls. They take effect
    /// only if `primary` has "activate secondary controls"; otherwise they are
    /// treated as empty (SDM Vol. 3C 25.6.2).
    pub secondary: SecondaryProcBased,
    /// CR0 fixed bits (IA32_VMX_CR0_FIXED0/1), unrelaxed: the checker applies
    /// the "unrestricted guest" relaxation itself.
    pub cr0_fixed: FixedBits,
    /// CR4 fixed bits (IA32_VMX_CR4_FIXED0/1).
    pub cr4_fixed: FixedBits,
    /// IA32_VMX_MISC, for the supported activity states (bits 8:6).
    pub misc: VmxMisc,
    /// The physical-address width, CPUID.80000008H:EAX[7:0] (e.g. 39 or 46).
    pub physical_address_width: u8,
    /// The linear-address width used for canonical-address checks: 48, or 57
    /// on processors that support 5-level paging.
    pub linear_address_width: u8,
}

impl EntryContext {
    /// A context from the processor's capabilities and the control values
    /// that will be written to the VMCS. The linear-address width is
    /// [`DEFAULT_LINEAR_ADDRESS_WIDTH`]; change it with
    /// [`with_linear_address_width`](Self::with_linear_address_width).
    pub fn new(
        caps: &VmxCapabilities,
        pin_based: PinBased,
        primary: PrimaryProcBased,
        secondary: SecondaryProcBased,
        entry_controls: EntryControls,
        physical_address_width: u8,
    ) -> Self {
        Self {
            entry_controls,
            pin_based,
            primary,
            secondary,
            cr0_fixed: caps.cr0,
            cr4_fixed: caps.cr4,
            misc: caps.misc,
            physical_address_width,
            linear_address_width: DEFAULT_LINEAR_ADDRESS_WIDTH,
        }
    }

    /// The same context with another linear-address width (57 on processors
    /// with 5-level paging support).
    pub const fn with_linear_address_width(mut self, width: u8) -> Self {
        self.linear_address_width = width;
        self
    }

    /// The secondary controls in effect: empty unless "activate secondary
    /// controls" is 1 (SDM Vol. 3C 25.6.2).
    pub fn effective_secondary(&self) -> SecondaryProcBased {
        if self.primary.contains(PrimaryProcBased::ACTIVATE_SECONDARY) {
            self.secondary
        } else {
            SecondaryProcBased::empty()
        }
    }

    /// "Unrestricted guest" is in effect.
    pub fn unrestricted_guest(&self) -> bool {
        self.effective_secondary().contains(SecondaryProcBased::UNRESTRICTED_GUEST)
    }

    /// "VMCS shadowing" is in effect.
    pub fn vmcs_shadowing(&self) -> bool {
        self.effective_secondary().contains(SecondaryProcBased::VMCS_SHADOWING)
    }

    /// The "IA-32e mode guest" VM-entry control is 1.
    pub fn ia32e_mode_guest(&self) -> bool {
        self.entry_controls.contains(EntryControls::IA32E_MODE_GUEST)
    }

    /// The CR0 rules VM entry applies to the guest CR0 field: the fixed bits,
    /// with PE and PG no longer required under "unrestricted guest" (SDM Vol.
    /// 3C 27.3.1.1).
    pub fn guest_cr0_rules(&self) -> FixedBits {
        if self.unrestricted_guest() {
            self.cr0_fixed.with_unrestricted_guest_relaxation()
        } else {
            self.cr0_fixed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{skylake_caps, UG_SECONDARY};

    #[test]
    fn new_takes_fixed_bits_and_misc_from_caps() {
        let caps = skylake_caps();
        let ctx = EntryContext::new(
            &caps,
            PinBased::empty(),
            PrimaryProcBased::ACTIVATE_SECONDARY,
            UG_SECONDARY,
            EntryControls::empty(),
            39,
        );
        assert_eq!(ctx.cr0_fixed, FixedBits::new(0x8000_0021, 0xFFFF_FFFF));
        assert_eq!(ctx.cr4_fixed, FixedBits::new(0x2000, 0x0037_27FF));
        assert!(ctx.misc.activity_hlt());
        assert_eq!(ctx.physical_address_width, 39);
        assert_eq!(ctx.linear_address_width, 48);
        assert_eq!(ctx.with_linear_address_width(57).linear_address_width, 57);
        assert!(ctx.unrestricted_guest());
        assert_eq!(ctx.guest_cr0_rules().fixed0, 0x20);
    }

    #[test]
    fn secondary_controls_need_activation() {
        let caps = skylake_caps();
        let ctx = EntryContext::new(
            &caps,
            PinBased::empty(),
            PrimaryProcBased::empty(),
            UG_SECONDARY,
            EntryControls::empty(),
            39,
        );
        assert_eq!(ctx.effective_secondary(), SecondaryProcBased::empty());
        assert!(!ctx.unrestricted_guest());
        assert_eq!(ctx.guest_cr0_rules(), ctx.cr0_fixed);
        let shadowing = EntryContext {
            primary: PrimaryProcBased::ACTIVATE_SECONDARY,
            secondary: SecondaryProcBased::VMCS_SHADOWING,
            ..ctx
        };
        assert!(shadowing.vmcs_shadowing());
        assert!(!ctx.vmcs_shadowing());
    }

    #[test]
    fn ia32e_mode_guest_reads_the_entry_control() {
        let caps = skylake_caps();
        let on = EntryContext::new(
            &caps,
            PinBased::empty(),
            PrimaryProcBased::empty(),
            SecondaryProcBased::empty(),
            EntryControls::IA32E_MODE_GUEST,
            46,
        );
        assert!(on.ia32e_mode_guest());
        assert!(!EntryContext { entry_controls: EntryControls::LOAD_EFER, ..on }.ia32e_mode_guest());
    }
}
