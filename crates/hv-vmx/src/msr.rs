//! Model-specific register addresses used for VMX, and the [`MsrSource`]
//! abstraction that supplies their values.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024. Addresses are
//! from Vol. 4 Chapter 2, Table 2-2 ("IA-32 Architectural MSRs"); the VMX
//! capability MSRs are described in Vol. 3D Appendix A ("VMX Capability
//! Reporting Facility").
//!
//! Why a trait: reading an MSR needs `RDMSR`, which is privileged and
//! `unsafe`. This crate is pure and forbids `unsafe`; the kernel implements
//! [`MsrSource`] with a real `RDMSR` and the tests implement it with a table
//! of recorded values.

use core::fmt;

/// The address of a model-specific register (the value put in `ECX` for
/// `RDMSR`/`WRMSR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Msr(pub u32);

impl Msr {
    /// IA32_FEATURE_CONTROL: lock bit and VMX enable bits (SDM Vol. 3C 24.7).
    pub const IA32_FEATURE_CONTROL: Msr = Msr(0x3A);
    /// IA32_VMX_BASIC: VMCS revision, region size, memory type (SDM Vol. 3D A.1).
    pub const IA32_VMX_BASIC: Msr = Msr(0x480);
    /// IA32_VMX_PINBASED_CTLS: pin-based control capabilities (SDM Vol. 3D A.3.1).
    pub const IA32_VMX_PINBASED_CTLS: Msr = Msr(0x481);
    /// IA32_VMX_PROCBASED_CTLS: primary processor-based control capabilities
    /// (SDM Vol. 3D A.3.2).
    pub const IA32_VMX_PROCBASED_CTLS: Msr = Msr(0x482);
    /// IA32_VMX_EXIT_CTLS: VM-exit control capabilities (SDM Vol. 3D A.4).
    pub const IA32_VMX_EXIT_CTLS: Msr = Msr(0x483);
    /// IA32_VMX_ENTRY_CTLS: VM-entry control capabilities (SDM Vol. 3D A.5).
    pub const IA32_VMX_ENTRY_CTLS: Msr = Msr(0x484);
    /// IA32_VMX_MISC: miscellaneous VMX data (SDM Vol. 3D A.6).
    pub const IA32_VMX_MISC: Msr = Msr(0x485);
    /// IA32_VMX_CR0_FIXED0: CR0 bits that must be 1 in VMX operation (SDM Vol. 3D A.7).
    pub const IA32_VMX_CR0_FIXED0: Msr = Msr(0x486);
    /// IA32_VMX_CR0_FIXED1: CR0 bits that may be 1 in VMX operation (SDM Vol. 3D A.7).
    pub const IA32_VMX_CR0_FIXED1: Msr = Msr(0x487);
    /// IA32_VMX_CR4_FIXED0: CR4 bits that must be 1 in VMX operation (SDM Vol. 3D A.8).
    pub const IA32_VMX_CR4_FIXED0: Msr = Msr(0x488);
    /// IA32_VMX_CR4_FIXED1: CR4 bits that may be 1 in VMX operation (SDM Vol. 3D A.8).
    pub const IA32_VMX_CR4_FIXED1: Msr = Msr(0x489);
    /// IA32_VMX_VMCS_ENUM: highest VMCS field index (SDM Vol. 3D A.9).
    pub const IA32_VMX_VMCS_ENUM: Msr = Msr(0x48A);
    /// IA32_VMX_PROCBASED_CTLS2: secondary processor-based control capabilities
    /// (SDM Vol. 3D A.3.3). Exists only if "activate secondary controls" may be 1.
    pub const IA32_VMX_PROCBASED_CTLS2: Msr = Msr(0x48B);
    /// IA32_VMX_EPT_VPID_CAP: EPT and VPID capabilities (SDM Vol. 3D A.10).
    /// Exists only if "enable EPT" or "enable VPID" may be 1.
    pub const IA32_VMX_EPT_VPID_CAP: Msr = Msr(0x48C);
    /// IA32_VMX_TRUE_PINBASED_CTLS (SDM Vol. 3D A.3.1). Exists only if
    /// IA32_VMX_BASIC bit 55 is 1.
    pub const IA32_VMX_TRUE_PINBASED_CTLS: Msr = Msr(0x48D);
    /// IA32_VMX_TRUE_PROCBASED_CTLS (SDM Vol. 3D A.3.2). Exists only if
    /// IA32_VMX_BASIC bit 55 is 1.
    pub const IA32_VMX_TRUE_PROCBASED_CTLS: Msr = Msr(0x48E);
    /// IA32_VMX_TRUE_EXIT_CTLS (SDM Vol. 3D A.4). Exists only if
    /// IA32_VMX_BASIC bit 55 is 1.
    pub const IA32_VMX_TRUE_EXIT_CTLS: Msr = Msr(0x48F);
    /// IA32_VMX_TRUE_ENTRY_CTLS (SDM Vol. 3D A.5). Exists only if
    /// IA32_VMX_BASIC bit 55 is 1.
    pub const IA32_VMX_TRUE_ENTRY_CTLS: Msr = Msr(0x490);
    /// IA32_VMX_VMFUNC: allowed VM functions (SDM Vol. 3D A.11). Exists only if
    /// "enable VM functions" may be 1.
    pub const IA32_VMX_VMFUNC: Msr = Msr(0x491);

    /// Every MSR named by this type, in address order.
    pub const ALL: [Msr; 19] = [
        Msr::IA32_FEATURE_CONTROL,
        Msr::IA32_VMX_BASIC,
        Msr::IA32_VMX_PINBASED_CTLS,
        Msr::IA32_VMX_PROCBASED_CTLS,
        Msr::IA32_VMX_EXIT_CTLS,
        Msr::IA32_VMX_ENTRY_CTLS,
        Msr::IA32_VMX_MISC,
        Msr::IA32_VMX_CR0_FIXED0,
        Msr::IA32_VMX_CR0_FIXED1,
        Msr::IA32_VMX_CR4_FIXED0,
        Msr::IA32_VMX_CR4_FIXED1,
        Msr::IA32_VMX_VMCS_ENUM,
        Msr::IA32_VMX_PROCBASED_CTLS2,
        Msr::IA32_VMX_EPT_VPID_CAP,
        Msr::IA32_VMX_TRUE_PINBASED_CTLS,
        Msr::IA32_VMX_TRUE_PROCBASED_CTLS,
        Msr::IA32_VMX_TRUE_EXIT_CTLS,
        Msr::IA32_VMX_TRUE_ENTRY_CTLS,
        Msr::IA32_VMX_VMFUNC,
    ];

    /// The address, as passed in `ECX` to `RDMSR`/`WRMSR`.
    pub const fn address(self) -> u32 {
        self.0
    }

    /// The SDM name of this MSR, if it is one of the constants above.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x3A => "IA32_FEATURE_CONTROL",
            0x480 => "IA32_VMX_BASIC",
            0x481 => "IA32_VMX_PINBASED_CTLS",
            0x482 => "IA32_VMX_PROCBASED_CTLS",
            0x483 => "IA32_VMX_EXIT_CTLS",
            0x484 => "IA32_VMX_ENTRY_CTLS",
            0x485 => "IA32_VMX_MISC",
            0x486 => "IA32_VMX_CR0_FIXED0",
            0x487 => "IA32_VMX_CR0_FIXED1",
            0x488 => "IA32_VMX_CR4_FIXED0",
            0x489 => "IA32_VMX_CR4_FIXED1",
            0x48A => "IA32_VMX_VMCS_ENUM",
            0x48B => "IA32_VMX_PROCBASED_CTLS2",
            0x48C => "IA32_VMX_EPT_VPID_CAP",
            0x48D => "IA32_VMX_TRUE_PINBASED_CTLS",
            0x48E => "IA32_VMX_TRUE_PROCBASED_CTLS",
            0x48F => "IA32_VMX_TRUE_EXIT_CTLS",
            0x490 => "IA32_VMX_TRUE_ENTRY_CTLS",
            0x491 => "IA32_VMX_VMFUNC",
            _ => return None,
        })
    }
}

impl fmt::Display for Msr {
    /// `IA32_VMX_BASIC (0x480)`, or just `MSR 0x1234` for an unnamed address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({:#x})", self.0),
            None => write!(f, "MSR {:#x}", self.0),
        }
    }
}

/// Something that can read model-specific registers.
///
/// The kernel implements this with `RDMSR`; tests implement it with recorded
/// values. Callers in this crate only read MSRs whose existence the SDM
/// guarantees given the values already read (Vol. 3D Appendix A), so an
/// implementation never sees a read that would `#GP` on real hardware.
///
/// Any `FnMut(Msr) -> u64` closure is an `MsrSource`.
pub trait MsrSource {
    /// Returns the 64-bit value of `msr` (`EDX:EAX` after `RDMSR`).
    fn read(&mut self, msr: Msr) -> u64;
}

impl<F: FnMut(Msr) -> u64> MsrSource for F {
    fn read(&mut self, msr: Msr) -> u64 {
        self(msr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_match_the_sdm() {
        assert_eq!(Msr::IA32_FEATURE_CONTROL.address(), 0x3A);
        assert_eq!(Msr::IA32_VMX_BASIC.address(), 0x480);
        assert_eq!(Msr::IA32_VMX_PINBASED_CTLS.address(), 0x481);
        assert_eq!(Msr::IA32_VMX_PROCBASED_CTLS.address(), 0x482);
        assert_eq!(Msr::IA32_VMX_EXIT_CTLS.address(), 0x483);
        assert_eq!(Msr::IA32_VMX_ENTRY_CTLS.address(), 0x484);
        assert_eq!(Msr::IA32_VMX_MISC.address(), 0x485);
        assert_eq!(Msr::IA32_VMX_CR0_FIXED0.address(), 0x486);
        assert_eq!(Msr::IA32_VMX_CR0_FIXED1.address(), 0x487);
        assert_eq!(Msr::IA32_VMX_CR4_FIXED0.address(), 0x488);
        assert_eq!(Msr::IA32_VMX_CR4_FIXED1.address(), 0x489);
        assert_eq!(Msr::IA32_VMX_VMCS_ENUM.address(), 0x48A);
        assert_eq!(Msr::IA32_VMX_PROCBASED_CTLS2.address(), 0x48B);
        assert_eq!(Msr::IA32_VMX_EPT_VPID_CAP.address(), 0x48C);
        assert_eq!(Msr::IA32_VMX_TRUE_PINBASED_CTLS.address(), 0x48D);
        assert_eq!(Msr::IA32_VMX_TRUE_PROCBASED_CTLS.address(), 0x48E);
        assert_eq!(Msr::IA32_VMX_TRUE_EXIT_CTLS.address(), 0x48F);
        assert_eq!(Msr::IA32_VMX_TRUE_ENTRY_CTLS.address(), 0x490);
        assert_eq!(Msr::IA32_VMX_VMFUNC.address(), 0x491);
    }

    #[test]
    fn all_is_sorted_unique_and_named() {
        for pair in Msr::ALL.windows(2) {
            assert!(pair[0] < pair[1], "{} !< {}", pair[0], pair[1]);
        }
        // 0x480..=0x491 is contiguous, plus FEATURE_CONTROL.
        assert_eq!(Msr::ALL.len(), 1 + (0x491 - 0x480 + 1));
        for msr in Msr::ALL {
            assert!(msr.name().is_some(), "{msr:?} has no name");
        }
    }

    #[test]
    fn names_and_display() {
        assert_eq!(Msr::IA32_VMX_BASIC.name(), Some("IA32_VMX_BASIC"));
        assert_eq!(Msr::IA32_VMX_TRUE_ENTRY_CTLS.name(), Some("IA32_VMX_TRUE_ENTRY_CTLS"));
        assert_eq!(Msr(0xC000_0080).name(), None);
        assert_eq!(Msr::IA32_VMX_BASIC.to_string(), "IA32_VMX_BASIC (0x480)");
        assert_eq!(Msr::IA32_FEATURE_CONTROL.to_string(), "IA32_FEATURE_CONTROL (0x3a)");
        assert_eq!(Msr(0xC000_0080).to_string(), "MSR 0xc0000080");
    }

    #[test]
    fn closures_are_sources() {
        let mut reads = 0;
        let mut source = |msr: Msr| {
            reads += 1;
            u64::from(msr.address()) * 2
        };
        assert_eq!(MsrSource::read(&mut source, Msr::IA32_VMX_MISC), 0x90A);
        assert_eq!(reads, 1);
    }
}
