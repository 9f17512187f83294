//! Decoding of IA32_VMX_MISC (MSR 0x485): preemption-timer rate, supported
//! activity states, CR3-target count, MSR-list limits and other details.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3D
//! Appendix A.6 ("Miscellaneous Data").
//!
//! Why: the VMX core converts time budgets to VMX-preemption-timer ticks with
//! the rate reported here, must not put more entries in the VM-exit/VM-entry
//! MSR lists than recommended, and may only use activity states that exist.

use crate::bits::{bit, field_u32, high_u32};

/// The raw value of IA32_VMX_MISC (SDM Vol. 3D A.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VmxMisc(pub u64);

impl VmxMisc {
    /// Bits 4:0 (SDM Vol. 3D A.6): the VMX-preemption timer counts down by 1
    /// each time bit N of the TSC changes, i.e. once every 2^N TSC cycles.
    pub const fn preemption_timer_shift(self) -> u8 {
        // A 5-bit field always fits in a u8.
        field_u32(self.0, 4, 0).to_le_bytes()[0]
    }

    /// Bit 5 (SDM Vol. 3D A.6): VM exits store IA32_EFER.LMA into the
    /// "IA-32e mode guest" VM-entry control.
    pub const fn stores_efer_lma_on_exit(self) -> bool {
        bit(self.0, 5)
    }

    /// Bit 6 (SDM Vol. 3D A.6): the HLT activity state is supported.
    pub const fn activity_hlt(self) -> bool {
        bit(self.0, 6)
    }

    /// Bit 7 (SDM Vol. 3D A.6): the shutdown activity state is supported.
    pub const fn activity_shutdown(self) -> bool {
        bit(self.0, 7)
    }

    /// Bit 8 (SDM Vol. 3D A.6): the wait-for-SIPI activity state is
    /// supported.
    pub const fn activity_wait_for_sipi(self) -> bool {
        bit(self.0, 8)
    }

    /// Bits 24:16 (SDM Vol. 3D A.6): number of CR3-target values supported
    /// (0 to 256).
    pub const fn cr3_target_count(self) -> u32 {
        field_u32(self.0, 24, 16)
    }

    /// Bits 27:25 (SDM Vol. 3D A.6): the recommended maximum number of MSRs
    /// in each of the VM-exit MSR-store, VM-exit MSR-load and VM-entry
    /// MSR-load lists, `512 * (N + 1)` (512 to 4096).
    pub const fn max_msr_list_entries(self) -> u32 {
        512 * (field_u32(self.0, 27, 25) + 1)
    }

    /// Bit 29 (SDM Vol. 3D A.6): VMWRITE may write any supported VMCS field,
    /// including the VM-exit information fields.
    pub const fn vmwrite_any_field(self) -> bool {
        bit(self.0, 29)
    }

    /// Bit 30 (SDM Vol. 3D A.6): VM entry may inject a software interrupt,
    /// software exception or privileged software exception with an
    /// instruction length of 0.
    pub const fn zero_length_injection(self) -> bool {
        bit(self.0, 30)
    }

    /// Bits 63:32 (SDM Vol. 3D A.6): MSEG revision identifier used by the
    /// processor (dual-monitor treatment of SMM).
    pub const fn mseg_revision(self) -> u32 {
        high_u32(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An invented but realistic value: timer shift 5, EFER.LMA stored, all
    /// three activity states, 4 CR3 targets, N = 0 (512 MSRs), VMWRITE to
    /// any field, zero-length injection.
    const TYPICAL: u64 = 5 | (1 << 5) | (0b111 << 6) | (4 << 16) | (1 << 29) | (1 << 30);

    #[test]
    fn decodes_typical_value() {
        let misc = VmxMisc(TYPICAL);
        assert_eq!(misc.preemption_timer_shift(), 5);
        assert!(misc.stores_efer_lma_on_exit());
        assert!(misc.activity_hlt());
        assert!(misc.activity_shutdown());
        assert!(misc.activity_wait_for_sipi());
        assert_eq!(misc.cr3_target_count(), 4);
        assert_eq!(misc.max_msr_list_entries(), 512);
        assert!(misc.vmwrite_any_field());
        assert!(misc.zero_length_injection());
        assert_eq!(misc.mseg_revision(), 0);
    }

    #[test]
    fn zero_decodes_to_nothing_supported() {
        let misc = VmxMisc(0);
        assert_eq!(misc.preemption_timer_shift(), 0);
        assert!(!misc.stores_efer_lma_on_exit());
        assert!(!misc.activity_hlt());
        assert!(!misc.activity_shutdown());
        assert!(!misc.activity_wait_for_sipi());
        assert_eq!(misc.cr3_target_count(), 0);
        assert_eq!(misc.max_msr_list_entries(), 512);
        assert!(!misc.vmwrite_any_field());
        assert!(!misc.zero_length_injection());
    }

    #[test]
    fn field_boundaries() {
        // Timer shift is 5 bits; bit 5 belongs to the EFER.LMA flag.
        assert_eq!(VmxMisc(0x3F).preemption_timer_shift(), 0x1F);
        // CR3 target count is 9 bits (max 256 in practice, 511 encodable),
        // and bit 25 belongs to the MSR-list field.
        assert_eq!(VmxMisc(0x1FF << 16).cr3_target_count(), 0x1FF);
        assert_eq!(VmxMisc(1 << 25).cr3_target_count(), 0);
        assert_eq!(VmxMisc(1 << 25).max_msr_list_entries(), 1024);
        assert_eq!(VmxMisc(0b111 << 25).max_msr_list_entries(), 4096);
        // Bit 28 (SMM_MONITOR_CTL bit 2) does not leak into the MSR-list field.
        assert_eq!(VmxMisc(1 << 28).max_msr_list_entries(), 512);
        assert_eq!(VmxMisc(0xDEAD_BEEF << 32).mseg_revision(), 0xDEAD_BEEF);
    }

    #[test]
    fn single_bits() {
        assert!(VmxMisc(1 << 6).activity_hlt());
        assert!(!VmxMisc(1 << 6).activity_shutdown());
        assert!(VmxMisc(1 << 7).activity_shutdown());
        assert!(!VmxMisc(1 << 7).activity_wait_for_sipi());
        assert!(VmxMisc(1 << 8).activity_wait_for_sipi());
        assert!(VmxMisc(1 << 29).vmwrite_any_field());
        assert!(!VmxMisc(1 << 29).zero_length_injection());
        assert!(VmxMisc(1 << 30).zero_length_injection());
    }
}
