//! Named bits of the 32-bit VMX control fields in the VMCS.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C:
//! Section 25.6.1 (Table 25-5, pin-based VM-execution controls), 25.6.2
//! (Table 25-6 primary and Table 25-7 secondary processor-based controls),
//! 25.7.1 (VM-exit controls) and 25.8.1 (VM-entry controls). Editions before
//! 2023 number these chapters one lower (24.6, 24.7, 24.8).
//!
//! Why: the VMX core states which controls it needs by name and feeds them to
//! [`AllowedSettings::adjust_flags`](crate::AllowedSettings::adjust_flags);
//! the boot report checks single bits such as "enable EPT". Only the bits
//! this hypervisor may use or report are named; forced "default1" bits
//! without a name are preserved by `from_bits_retain`.

use bitflags::bitflags;

bitflags! {
    /// Pin-based VM-execution controls (SDM Vol. 3C 25.6.1, Table 25-5).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct PinBased: u32 {
        /// Bit 0: external interrupts cause VM exits.
        const EXTERNAL_INTERRUPT_EXITING = 1 << 0;
        /// Bit 3: non-maskable interrupts cause VM exits.
        const NMI_EXITING = 1 << 3;
        /// Bit 5: NMIs are never blocked; the virtual-NMI blocking state is
        /// tracked instead.
        const VIRTUAL_NMIS = 1 << 5;
        /// Bit 6: activate the VMX-preemption timer.
        const PREEMPTION_TIMER = 1 << 6;
        /// Bit 7: process posted interrupts.
        const POSTED_INTERRUPTS = 1 << 7;
    }
}

bitflags! {
    /// Primary processor-based VM-execution controls (SDM Vol. 3C 25.6.2,
    /// Table 25-6).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct PrimaryProcBased: u32 {
        /// Bit 2: VM exit at the start of any instruction when RFLAGS.IF = 1
        /// and there is no other blocking of interrupts.
        const INTERRUPT_WINDOW = 1 << 2;
        /// Bit 3: use the TSC-offset field for RDTSC/RDTSCP/IA32_TIME_STAMP_COUNTER.
        const USE_TSC_OFFSETTING = 1 << 3;
        /// Bit 7: HLT causes a VM exit.
        const HLT = 1 << 7;
        /// Bit 9: INVLPG causes a VM exit.
        const INVLPG = 1 << 9;
        /// Bit 10: MWAIT causes a VM exit.
        const MWAIT = 1 << 10;
        /// Bit 11: RDPMC causes a VM exit.
        const RDPMC = 1 << 11;
        /// Bit 12: RDTSC and RDTSCP cause VM exits.
        const RDTSC = 1 << 12;
        /// Bit 15: MOV to CR3 causes a VM exit (subject to the CR3-target
        /// values).
        const CR3_LOAD = 1 << 15;
        /// Bit 16: MOV from CR3 causes a VM exit.
        const CR3_STORE = 1 << 16;
        /// Bit 19: MOV to CR8 causes a VM exit.
        const CR8_LOAD = 1 << 19;
        /// Bit 20: MOV from CR8 causes a VM exit.
        const CR8_STORE = 1 << 20;
        /// Bit 21: use the TPR shadow (virtual-APIC page).
        const USE_TPR_SHADOW = 1 << 21;
        /// Bit 22: VM exit at the start of any instruction when there is no
        /// virtual-NMI blocking.
        const NMI_WINDOW = 1 << 22;
        /// Bit 23: MOV DR causes a VM exit.
        const MOV_DR = 1 << 23;
        /// Bit 24: every I/O instruction causes a VM exit (ignored when
        /// I/O bitmaps are used).
        const UNCONDITIONAL_IO = 1 << 24;
        /// Bit 25: use I/O bitmaps to decide which I/O instructions exit.
        const USE_IO_BITMAPS = 1 << 25;
        /// Bit 27: monitor trap flag (VM exit after each guest instruction).
        const MONITOR_TRAP_FLAG = 1 << 27;
        /// Bit 28: use MSR bitmaps to decide which RDMSR/WRMSR exit.
        const USE_MSR_BITMAPS = 1 << 28;
        /// Bit 29: MONITOR causes a VM exit.
        const MONITOR = 1 << 29;
        /// Bit 30: PAUSE causes a VM exit.
        const PAUSE = 1 << 30;
        /// Bit 31: the secondary processor-based controls are used.
        const ACTIVATE_SECONDARY = 1 << 31;
    }
}

bitflags! {
    /// Secondary processor-based VM-execution controls (SDM Vol. 3C 25.6.2,
    /// Table 25-7). All are "default0" (SDM Vol. 3D A.3.3).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct SecondaryProcBased: u32 {
        /// Bit 0: accesses to the APIC-access page are treated specially.
        const VIRTUALIZE_APIC_ACCESSES = 1 << 0;
        /// Bit 1: enable extended page tables.
        const ENABLE_EPT = 1 << 1;
        /// Bit 2: LGDT, LIDT, LLDT, LTR, SGDT, SIDT, SLDT, STR cause VM exits.
        const DESCRIPTOR_TABLE = 1 << 2;
        /// Bit 3: RDTSCP does not raise #UD.
        const ENABLE_RDTSCP = 1 << 3;
        /// Bit 4: virtualize x2APIC mode (MSR accesses to the APIC).
        const VIRTUALIZE_X2APIC = 1 << 4;
        /// Bit 5: tag cached translations with a virtual-processor identifier.
        const ENABLE_VPID = 1 << 5;
        /// Bit 6: WBINVD and WBNOINVD cause VM exits.
        const WBINVD = 1 << 6;
        /// Bit 7: the guest may run in unpaged protected mode or real mode
        /// (requires "enable EPT").
        const UNRESTRICTED_GUEST = 1 << 7;
        /// Bit 8: APIC-register virtualization.
        const APIC_REGISTER_VIRT = 1 << 8;
        /// Bit 9: virtual-interrupt delivery.
        const VIRTUAL_INTERRUPT_DELIVERY = 1 << 9;
        /// Bit 10: PAUSE-loop exiting.
        const PAUSE_LOOP = 1 << 10;
        /// Bit 11: RDRAND causes a VM exit.
        const RDRAND = 1 << 11;
        /// Bit 12: INVPCID does not raise #UD.
        const ENABLE_INVPCID = 1 << 12;
        /// Bit 13: VMFUNC is enabled.
        const ENABLE_VMFUNC = 1 << 13;
        /// Bit 14: VMREAD/VMWRITE in the guest may access a shadow VMCS.
        const VMCS_SHADOWING = 1 << 14;
        /// Bit 15: ENCLS consults the ENCLS-exiting bitmap.
        const ENCLS = 1 << 15;
        /// Bit 16: RDSEED causes a VM exit.
        const RDSEED = 1 << 16;
        /// Bit 17: enable page-modification logging.
        const ENABLE_PML = 1 << 17;
        /// Bit 18: EPT violations may cause virtualization exceptions (#VE).
        const EPT_VIOLATION_VE = 1 << 18;
        /// Bit 19: conceal VMX non-root operation from Intel Processor Trace.
        const CONCEAL_VMX_FROM_PT = 1 << 19;
        /// Bit 20: XSAVES/XRSTORS do not raise #UD.
        const ENABLE_XSAVES = 1 << 20;
        /// Bit 22: mode-based execute control for EPT.
        const MODE_BASED_EPT_EXEC = 1 << 22;
        /// Bit 23: EPT sub-page write permissions.
        const SUB_PAGE_WRITE = 1 << 23;
        /// Bit 24: Intel PT output addresses are guest-physical.
        const PT_USES_GPA = 1 << 24;
        /// Bit 25: use TSC scaling.
        const TSC_SCALING = 1 << 25;
        /// Bit 26: enable user wait and pause (TPAUSE, UMONITOR, UMWAIT).
        const USER_WAIT_PAUSE = 1 << 26;
    }
}

bitflags! {
    /// Primary VM-exit controls (SDM Vol. 3C 25.7.1).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct ExitControls: u32 {
        /// Bit 2: save DR7 and IA32_DEBUGCTL on VM exit.
        const SAVE_DEBUG = 1 << 2;
        /// Bit 9: the host runs in 64-bit mode after VM exit.
        const HOST_ADDRESS_SPACE_64 = 1 << 9;
        /// Bit 12: load IA32_PERF_GLOBAL_CTRL on VM exit.
        const LOAD_PERF_GLOBAL = 1 << 12;
        /// Bit 15: acknowledge the interrupt controller on an exit due to an
        /// external interrupt and store the vector.
        const ACK_INTERRUPT_ON_EXIT = 1 << 15;
        /// Bit 18: save IA32_PAT on VM exit.
        const SAVE_PAT = 1 << 18;
        /// Bit 19: load IA32_PAT on VM exit.
        const LOAD_PAT = 1 << 19;
        /// Bit 20: save IA32_EFER on VM exit.
        const SAVE_EFER = 1 << 20;
        /// Bit 21: load IA32_EFER on VM exit.
        const LOAD_EFER = 1 << 21;
        /// Bit 22: save the VMX-preemption timer value on VM exit.
        const SAVE_PREEMPTION_TIMER = 1 << 22;
    }
}

bitflags! {
    /// VM-entry controls (SDM Vol. 3C 25.8.1).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct EntryControls: u32 {
        /// Bit 2: load DR7 and IA32_DEBUGCTL on VM entry.
        const LOAD_DEBUG = 1 << 2;
        /// Bit 9: the guest is in IA-32e mode after VM entry.
        const IA32E_MODE_GUEST = 1 << 9;
        /// Bit 10: VM entry into SMM (dual-monitor treatment only).
        const ENTRY_TO_SMM = 1 << 10;
        /// Bit 13: load IA32_PERF_GLOBAL_CTRL on VM entry.
        const LOAD_PERF_GLOBAL = 1 << 13;
        /// Bit 14: load IA32_PAT on VM entry.
        const LOAD_PAT = 1 << 14;
        /// Bit 15: load IA32_EFER on VM entry.
        const LOAD_EFER = 1 << 15;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that `flags` has exactly the listed bit positions, in order.
    fn assert_positions<F: bitflags::Flags<Bits = u32>>(expected: &[(&str, u32)]) {
        let got: Vec<(&str, u32)> = F::FLAGS.iter().map(|f| (f.name(), f.value().bits().trailing_zeros())).collect();
        assert_eq!(got, expected);
        for flag in F::FLAGS {
            assert_eq!(flag.value().bits().count_ones(), 1, "{} is not one bit", flag.name());
        }
    }

    #[test]
    fn pin_based_positions() {
        assert_positions::<PinBased>(&[
            ("EXTERNAL_INTERRUPT_EXITING", 0),
            ("NMI_EXITING", 3),
            ("VIRTUAL_NMIS", 5),
            ("PREEMPTION_TIMER", 6),
            ("POSTED_INTERRUPTS", 7),
        ]);
    }

    #[test]
    fn primary_positions() {
        assert_positions::<PrimaryProcBased>(&[
            ("INTERRUPT_WINDOW", 2),
            ("USE_TSC_OFFSETTING", 3),
            ("HLT", 7),
            ("INVLPG", 9),
            ("MWAIT", 10),
            ("RDPMC", 11),
            ("RDTSC", 12),
            ("CR3_LOAD", 15),
            ("CR3_STORE", 16),
            ("CR8_LOAD", 19),
            ("CR8_STORE", 20),
            ("USE_TPR_SHADOW", 21),
            ("NMI_WINDOW", 22),
            ("MOV_DR", 23),
            ("UNCONDITIONAL_IO", 24),
            ("USE_IO_BITMAPS", 25),
            ("MONITOR_TRAP_FLAG", 27),
            ("USE_MSR_BITMAPS", 28),
            ("MONITOR", 29),
            ("PAUSE", 30),
            ("ACTIVATE_SECONDARY", 31),
        ]);
        assert_eq!(PrimaryProcBased::ACTIVATE_SECONDARY.bits(), 0x8000_0000);
    }

    #[test]
    fn secondary_positions() {
        assert_positions::<SecondaryProcBased>(&[
            ("VIRTUALIZE_APIC_ACCESSES", 0),
            ("ENABLE_EPT", 1),
            ("DESCRIPTOR_TABLE", 2),
            ("ENABLE_RDTSCP", 3),
            ("VIRTUALIZE_X2APIC", 4),
            ("ENABLE_VPID", 5),
            ("WBINVD", 6),
            ("UNRESTRICTED_GUEST", 7),
            ("APIC_REGISTER_VIRT", 8),
            ("VIRTUAL_INTERRUPT_DELIVERY", 9),
            ("PAUSE_LOOP", 10),
            ("RDRAND", 11),
            ("ENABLE_INVPCID", 12),
            ("ENABLE_VMFUNC", 13),
            ("VMCS_SHADOWING", 14),
            ("ENCLS", 15),
            ("RDSEED", 16),
            ("ENABLE_PML", 17),
            ("EPT_VIOLATION_VE", 18),
            ("CONCEAL_VMX_FROM_PT", 19),
            ("ENABLE_XSAVES", 20),
            ("MODE_BASED_EPT_EXEC", 22),
            ("SUB_PAGE_WRITE", 23),
            ("PT_USES_GPA", 24),
            ("TSC_SCALING", 25),
            ("USER_WAIT_PAUSE", 26),
        ]);
        // Bits 0-20 and 22-26: everything but 21 (PASID translation, unnamed).
        assert_eq!(SecondaryProcBased::all().bits(), 0x07df_ffff);
    }

    #[test]
    fn exit_positions() {
        assert_positions::<ExitControls>(&[
            ("SAVE_DEBUG", 2),
            ("HOST_ADDRESS_SPACE_64", 9),
            ("LOAD_PERF_GLOBAL", 12),
            ("ACK_INTERRUPT_ON_EXIT", 15),
            ("SAVE_PAT", 18),
            ("LOAD_PAT", 19),
            ("SAVE_EFER", 20),
            ("LOAD_EFER", 21),
            ("SAVE_PREEMPTION_TIMER", 22),
        ]);
    }

    #[test]
    fn entry_positions() {
        assert_positions::<EntryControls>(&[
            ("LOAD_DEBUG", 2),
            ("IA32E_MODE_GUEST", 9),
            ("ENTRY_TO_SMM", 10),
            ("LOAD_PERF_GLOBAL", 13),
            ("LOAD_PAT", 14),
            ("LOAD_EFER", 15),
        ]);
    }

    #[test]
    fn bochs_secondary_values_decode_to_named_bits() {
        // Bochs 2.7 corei7_skylake_x allowed-1 secondary controls.
        let skx = SecondaryProcBased::from_bits_retain(0x0217_7fff);
        assert!(skx.contains(SecondaryProcBased::ENABLE_EPT | SecondaryProcBased::ENABLE_VPID));
        assert!(skx.contains(SecondaryProcBased::UNRESTRICTED_GUEST));
        assert!(skx.contains(SecondaryProcBased::ENABLE_XSAVES));
        assert!(!skx.contains(SecondaryProcBased::ENCLS));
        assert!(!skx.contains(SecondaryProcBased::SUB_PAGE_WRITE));
        // tigerlake adds sub-page write permissions (bit 23).
        let tgl = SecondaryProcBased::from_bits_retain(0x0297_7fff);
        assert_eq!(tgl.difference(skx), SecondaryProcBased::SUB_PAGE_WRITE);
    }
}
