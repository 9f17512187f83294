//! Feature flags from CPUID leaves 1 and 0x8000_0001.
//!
//! Only the flags the hypervisor acts on or reports are decoded: VMX (the
//! reason this kernel can run at all), SMX, whether we are ourselves a guest,
//! the APIC and XSAVE features it configures, long mode / NX / 1 GiB pages for
//! its page tables, and SVM so that an AMD host gets a precise "no VT-x"
//! message. Both leaves live in one value so callers ask one place; each
//! accessor names the leaf, register and bit it reads.

use crate::bits::bit;
use crate::CpuidResult;

/// Feature flags and APIC information from leaves 1 and 0x8000_0001.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Features {
    leaf1: CpuidResult,
    extended: CpuidResult,
}

impl Features {
    /// Wraps the results of leaf 1 and leaf 0x8000_0001. If the CPU has no
    /// leaf 0x8000_0001 (see [`max_extended_leaf`](crate::max_extended_leaf)),
    /// pass [`CpuidResult::default()`]: every extended flag then reads false.
    #[must_use]
    pub const fn new(leaf1: CpuidResult, leaf_8000_0001: CpuidResult) -> Self {
        Self { leaf1, extended: leaf_8000_0001 }
    }

    /// The raw leaf 1 registers.
    #[must_use]
    pub const fn leaf1(&self) -> CpuidResult {
        self.leaf1
    }

    /// The raw leaf 0x8000_0001 registers.
    #[must_use]
    pub const fn leaf_8000_0001(&self) -> CpuidResult {
        self.extended
    }

    /// VMX, Intel VT-x (leaf 1 ECX bit 5). Always clear on AMD CPUs.
    #[must_use]
    pub const fn vmx(&self) -> bool {
        bit(self.leaf1.ecx, 5)
    }

    /// SMX, Safer Mode Extensions / TXT (leaf 1 ECX bit 6).
    #[must_use]
    pub const fn smx(&self) -> bool {
        bit(self.leaf1.ecx, 6)
    }

    /// x2APIC (leaf 1 ECX bit 21).
    #[must_use]
    pub const fn x2apic(&self) -> bool {
        bit(self.leaf1.ecx, 21)
    }

    /// XSAVE/XRSTOR and XCR0 (leaf 1 ECX bit 26).
    #[must_use]
    pub const fn xsave(&self) -> bool {
        bit(self.leaf1.ecx, 26)
    }

    /// OSXSAVE: the OS has set CR4.OSXSAVE (leaf 1 ECX bit 27).
    #[must_use]
    pub const fn osxsave(&self) -> bool {
        bit(self.leaf1.ecx, 27)
    }

    /// A hypervisor is present, i.e. we run as a guest (leaf 1 ECX bit 31;
    /// always 0 on bare metal). Leaf 0x4000_0000 is only meaningful when this
    /// is set.
    #[must_use]
    pub const fn hypervisor_present(&self) -> bool {
        bit(self.leaf1.ecx, 31)
    }

    /// Time-stamp counter / RDTSC (leaf 1 EDX bit 4).
    #[must_use]
    pub const fn tsc(&self) -> bool {
        bit(self.leaf1.edx, 4)
    }

    /// RDMSR/WRMSR (leaf 1 EDX bit 5).
    #[must_use]
    pub const fn msr(&self) -> bool {
        bit(self.leaf1.edx, 5)
    }

    /// On-chip local APIC (leaf 1 EDX bit 9).
    #[must_use]
    pub const fn apic(&self) -> bool {
        bit(self.leaf1.edx, 9)
    }

    /// HTT: [`logical_processors`](Self::logical_processors) is valid (leaf 1
    /// EDX bit 28).
    #[must_use]
    pub const fn htt(&self) -> bool {
        bit(self.leaf1.edx, 28)
    }

    /// Initial APIC ID of the executing processor (leaf 1 EBX bits 31:24).
    #[must_use]
    pub const fn initial_apic_id(&self) -> u8 {
        self.leaf1.ebx.to_le_bytes()[3]
    }

    /// Maximum number of addressable logical-processor IDs in this package
    /// (leaf 1 EBX bits 23:16); only valid when [`htt`](Self::htt) is set.
    /// Not the number of CPUs actually present.
    #[must_use]
    pub const fn logical_processors(&self) -> u8 {
        self.leaf1.ebx.to_le_bytes()[2]
    }

    /// SVM, AMD-V (leaf 0x8000_0001 ECX bit 2; reserved, reads 0, on Intel).
    #[must_use]
    pub const fn svm(&self) -> bool {
        bit(self.extended.ecx, 2)
    }

    /// Execute-disable / NX page protection (leaf 0x8000_0001 EDX bit 20).
    #[must_use]
    pub const fn nx(&self) -> bool {
        bit(self.extended.edx, 20)
    }

    /// 1 GiB pages (leaf 0x8000_0001 EDX bit 26).
    #[must_use]
    pub const fn pages_1g(&self) -> bool {
        bit(self.extended.edx, 26)
    }

    /// RDTSCP and IA32_TSC_AUX (leaf 0x8000_0001 EDX bit 27).
    #[must_use]
    pub const fn rdtscp(&self) -> bool {
        bit(self.extended.edx, 27)
    }

    /// Intel 64 / AMD64 long mode (leaf 0x8000_0001 EDX bit 29).
    #[must_use]
    pub const fn long_mode(&self) -> bool {
        bit(self.extended.edx, 29)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Leaf 1 of a bare-metal Skylake-X Xeon (APIC ID 10).
    const SKYLAKE_X_LEAF1: CpuidResult = CpuidResult::new(0x0005_0654, 0x0a40_0800, 0x7ffe_fbff, 0xbfeb_fbff);
    /// Leaf 0x8000_0001 of an Intel Core / Xeon.
    const INTEL_EXT: CpuidResult = CpuidResult::new(0, 0, 0x0000_0121, 0x2c10_0800);
    /// Leaf 1 of an AMD Zen 3 (Ryzen 9 5950X).
    const ZEN3_LEAF1: CpuidResult = CpuidResult::new(0x00A2_0F12, 0x0020_0800, 0x7ed8_320b, 0x178b_fbff);
    /// Leaf 0x8000_0001 of the same Zen 3.
    const ZEN3_EXT: CpuidResult = CpuidResult::new(0x00A2_0F12, 0x2000_0000, 0x75c2_37ff, 0x2fd3_fbff);

    /// A flag accessor paired with the bit it should read.
    type FlagBit = (u32, fn(&Features) -> bool);

    #[test]
    fn bare_metal_intel() {
        let f = Features::new(SKYLAKE_X_LEAF1, INTEL_EXT);
        assert!(f.vmx());
        assert!(f.smx());
        assert!(f.x2apic());
        assert!(f.xsave());
        assert!(f.osxsave());
        assert!(!f.hypervisor_present());
        assert!(f.tsc() && f.msr() && f.apic() && f.htt());
        assert_eq!(f.initial_apic_id(), 10);
        assert_eq!(f.logical_processors(), 64);
        assert!(f.long_mode() && f.nx() && f.pages_1g() && f.rdtscp());
        assert!(!f.svm());
        assert_eq!((f.leaf1(), f.leaf_8000_0001()), (SKYLAKE_X_LEAF1, INTEL_EXT));
    }

    #[test]
    fn amd_host_has_svm_not_vmx() {
        let f = Features::new(ZEN3_LEAF1, ZEN3_EXT);
        assert!(!f.vmx());
        assert!(f.svm());
        assert!(!f.hypervisor_present());
        assert!(f.long_mode() && f.nx() && f.pages_1g() && f.rdtscp());
        assert_eq!(f.logical_processors(), 32);
    }

    #[test]
    fn guest_without_nested_vmx() {
        // A KVM guest: hypervisor bit set, VMX/SMX clear, XSAVE present but
        // not yet enabled by the OS, no x2APIC.
        let ecx = (1 << 31) | (1 << 26) | (1 << 0);
        let edx = (1 << 4) | (1 << 5) | (1 << 9);
        let f = Features::new(CpuidResult::new(0x000a_06a4, 0x0001_0800, ecx, edx), CpuidResult::default());
        assert!(f.hypervisor_present());
        assert!(!f.vmx());
        assert!(!f.smx());
        assert!(!f.x2apic());
        assert!(f.xsave());
        assert!(!f.osxsave());
        assert!(!f.htt());
        assert_eq!(f.initial_apic_id(), 0);
        assert_eq!(f.logical_processors(), 1);
        // No extended leaf passed: every extended flag is false.
        assert!(!f.long_mode() && !f.nx() && !f.pages_1g() && !f.rdtscp() && !f.svm());
    }

    #[test]
    fn each_flag_reads_its_own_bit() {
        let leaf1_ecx: [FlagBit; 6] = [
            (5, Features::vmx),
            (6, Features::smx),
            (21, Features::x2apic),
            (26, Features::xsave),
            (27, Features::osxsave),
            (31, Features::hypervisor_present),
        ];
        for (n, get) in leaf1_ecx {
            let only = CpuidResult::new(0, 0, 1 << n, 0);
            let all_but = CpuidResult::new(!0, !0, !(1 << n), !0);
            assert!(get(&Features::new(only, CpuidResult::default())), "leaf 1 ECX bit {n}");
            assert!(!get(&Features::new(all_but, CpuidResult::new(!0, !0, !0, !0))), "leaf 1 ECX bit {n} clear");
        }
        let leaf1_edx: [FlagBit; 4] =
            [(4, Features::tsc), (5, Features::msr), (9, Features::apic), (28, Features::htt)];
        for (n, get) in leaf1_edx {
            let only = CpuidResult::new(0, 0, 0, 1 << n);
            let all_but = CpuidResult::new(!0, !0, !0, !(1 << n));
            assert!(get(&Features::new(only, CpuidResult::default())), "leaf 1 EDX bit {n}");
            assert!(!get(&Features::new(all_but, CpuidResult::new(!0, !0, !0, !0))), "leaf 1 EDX bit {n} clear");
        }
        let ext_edx: [FlagBit; 4] =
            [(20, Features::nx), (26, Features::pages_1g), (27, Features::rdtscp), (29, Features::long_mode)];
        for (n, get) in ext_edx {
            let only = CpuidResult::new(0, 0, 0, 1 << n);
            let all_but = CpuidResult::new(!0, !0, !0, !(1 << n));
            assert!(get(&Features::new(CpuidResult::default(), only)), "ext EDX bit {n}");
            assert!(!get(&Features::new(CpuidResult::new(!0, !0, !0, !0), all_but)), "ext EDX bit {n} clear");
        }
        assert!(Features::new(CpuidResult::default(), CpuidResult::new(0, 0, 1 << 2, 0)).svm());
        assert!(!Features::new(CpuidResult::new(!0, !0, !0, !0), CpuidResult::new(!0, !0, !(1 << 2), !0)).svm());
    }

    #[test]
    fn apic_id_and_logical_count_fields() {
        let f = Features::new(CpuidResult::new(0, 0xAB12_3456, 0, 0), CpuidResult::default());
        assert_eq!(f.initial_apic_id(), 0xAB);
        assert_eq!(f.logical_processors(), 0x12);
    }
}
