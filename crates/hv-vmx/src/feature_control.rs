//! Decoding of IA32_FEATURE_CONTROL (MSR 0x3A) and the plan for making VMXON
//! legal.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024: Vol. 3C
//! Section 24.7 ("Enabling and Entering VMX Operation") and Vol. 4 Table 2-2
//! (IA32_FEATURE_CONTROL, address 3AH).
//!
//! Why: VMXON raises #GP unless this MSR is locked (bit 0) with VMX enabled
//! outside SMX (bit 2). Firmware usually locks it; if it did not, the kernel
//! must set and lock the bits itself, and if it locked VMX off, VMX cannot be
//! used until reset. [`FeatureControl::plan`] decides which case applies; the
//! kernel performs the `WRMSR`.

use core::fmt;

use crate::bits::bit;

/// The raw value of IA32_FEATURE_CONTROL (SDM Vol. 4 Table 2-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FeatureControl(pub u64);

/// What to do with IA32_FEATURE_CONTROL before `VMXON` (SDM Vol. 3C 24.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FeatureControlPlan {
    /// Locked with VMX outside SMX enabled: nothing to do.
    AlreadyEnabled,
    /// Unlocked: write `value_to_write` (the current value with bits 2 and 0
    /// set) to enable VMX outside SMX and lock the MSR until reset.
    Enable {
        /// The value to write to IA32_FEATURE_CONTROL.
        value_to_write: u64,
    },
    /// Locked with VMX outside SMX disabled: firmware has turned VMX off and
    /// it cannot be turned on before the next reset.
    DisabledByFirmware,
}

impl FeatureControl {
    /// Bit 0, lock bit (SDM Vol. 4 Table 2-2). Once set, `WRMSR` to this MSR
    /// raises #GP until the next reset.
    pub const LOCK: u64 = 1 << 0;
    /// Bit 1, enable VMX inside SMX operation (SDM Vol. 4 Table 2-2).
    pub const VMX_INSIDE_SMX: u64 = 1 << 1;
    /// Bit 2, enable VMX outside SMX operation (SDM Vol. 4 Table 2-2).
    pub const VMX_OUTSIDE_SMX: u64 = 1 << 2;

    /// Bit 0 (SDM Vol. 4 Table 2-2, Vol. 3C 24.7): the MSR is locked.
    pub const fn locked(self) -> bool {
        bit(self.0, 0)
    }

    /// Bit 1 (SDM Vol. 4 Table 2-2, Vol. 3C 24.7): VMXON is allowed inside
    /// SMX operation (after GETSEC[SENTER]).
    pub const fn vmx_inside_smx(self) -> bool {
        bit(self.0, 1)
    }

    /// Bit 2 (SDM Vol. 4 Table 2-2, Vol. 3C 24.7): VMXON is allowed outside
    /// SMX operation, the normal case for this hypervisor.
    pub const fn vmx_outside_smx(self) -> bool {
        bit(self.0, 2)
    }

    /// Decides what must happen before `VMXON` outside SMX (SDM Vol. 3C 24.7).
    ///
    /// When unlocked, the existing bits are kept (firmware may have set other
    /// enables, e.g. SGX or LMCE, that locking would otherwise clear for good)
    /// and bits 2 and 0 are added. Bit 1 is not set: doing so on a processor
    /// without SMX makes the `WRMSR` raise #GP.
    pub const fn plan(self) -> FeatureControlPlan {
        match (self.locked(), self.vmx_outside_smx()) {
            (true, true) => FeatureControlPlan::AlreadyEnabled,
            (true, false) => FeatureControlPlan::DisabledByFirmware,
            (false, _) => FeatureControlPlan::Enable { value_to_write: self.0 | Self::VMX_OUTSIDE_SMX | Self::LOCK },
        }
    }
}

impl fmt::Display for FeatureControl {
    /// For example `locked, VMX outside SMX enabled, inside SMX disabled`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on_off = |enabled: bool| if enabled { "enabled" } else { "disabled" };
        write!(
            f,
            "{}, VMX outside SMX {}, inside SMX {}",
            if self.locked() { "locked" } else { "unlocked" },
            on_off(self.vmx_outside_smx()),
            on_off(self.vmx_inside_smx()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_bits() {
        let fc = FeatureControl(0b101);
        assert!(fc.locked());
        assert!(!fc.vmx_inside_smx());
        assert!(fc.vmx_outside_smx());
        let fc = FeatureControl(0b010);
        assert!(!fc.locked());
        assert!(fc.vmx_inside_smx());
        assert!(!fc.vmx_outside_smx());
    }

    #[test]
    fn locked_and_enabled_needs_nothing() {
        assert_eq!(FeatureControl(0b101).plan(), FeatureControlPlan::AlreadyEnabled);
        // Other bits (e.g. SGX enable, bit 18) do not matter.
        assert_eq!(FeatureControl((1 << 18) | 0b111).plan(), FeatureControlPlan::AlreadyEnabled);
    }

    #[test]
    fn locked_and_disabled_is_firmware_off() {
        assert_eq!(FeatureControl(0b001).plan(), FeatureControlPlan::DisabledByFirmware);
        // Inside-SMX alone does not allow VMXON outside SMX.
        assert_eq!(FeatureControl(0b011).plan(), FeatureControlPlan::DisabledByFirmware);
    }

    #[test]
    fn unlocked_is_enabled_and_locked_keeping_other_bits() {
        assert_eq!(FeatureControl(0).plan(), FeatureControlPlan::Enable { value_to_write: 0b101 });
        // Bit 2 already set but unlocked: VMXON would still #GP, so lock it.
        assert_eq!(FeatureControl(0b100).plan(), FeatureControlPlan::Enable { value_to_write: 0b101 });
        // SGX (18) and LMCE (20) and inside-SMX (1) survive; bit 1 not added.
        let other = (1 << 18) | (1 << 20) | 0b010;
        assert_eq!(FeatureControl(other).plan(), FeatureControlPlan::Enable { value_to_write: other | 0b101 });
        assert_eq!(FeatureControl(1 << 20).plan(), FeatureControlPlan::Enable { value_to_write: (1 << 20) | 0b101 });
    }

    #[test]
    fn the_planned_value_is_accepted_by_plan() {
        let FeatureControlPlan::Enable { value_to_write } = FeatureControl(1 << 17).plan() else {
            panic!("unlocked MSR must be planned for enabling");
        };
        assert_eq!(FeatureControl(value_to_write).plan(), FeatureControlPlan::AlreadyEnabled);
    }

    #[test]
    fn display() {
        assert_eq!(FeatureControl(0b101).to_string(), "locked, VMX outside SMX enabled, inside SMX disabled");
        assert_eq!(FeatureControl(0b010).to_string(), "unlocked, VMX outside SMX disabled, inside SMX enabled");
    }
}
