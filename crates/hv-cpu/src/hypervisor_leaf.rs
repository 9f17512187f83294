//! The hypervisor signature from CPUID leaf 0x4000_0000.
//!
//! During development this kernel itself often runs nested (KVM, QEMU's TCG,
//! Hyper-V…). Reporting which hypervisor is underneath explains missing or
//! emulated features, e.g. VMX hidden by a host that does not nest.

use core::fmt;

use crate::text::{lossy, pack12, trim};
use crate::CpuidResult;

/// Well-known hypervisor signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HypervisorKind {
    /// Linux KVM, `"KVMKVMKVM\0\0\0"`.
    Kvm,
    /// QEMU's TCG emulator, `"TCGTCGTCGTCG"`.
    Tcg,
    /// Microsoft Hyper-V, `"Microsoft Hv"`.
    HyperV,
    /// VMware, `"VMwareVMware"`.
    Vmware,
    /// Xen HVM, `"XenVMMXenVMM"`.
    Xen,
    /// VirtualBox, `"VBoxVBoxVBox"`.
    VirtualBox,
    /// FreeBSD bhyve, `"bhyve bhyve "`.
    Bhyve,
    /// Anything else.
    Other,
}

/// Everything leaf 0x4000_0000 says.
///
/// Only meaningful when [`Features::hypervisor_present`](crate::Features::hypervisor_present)
/// is set: on bare-metal Intel CPUs the leaf returns unrelated data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HypervisorLeaf {
    /// The highest hypervisor leaf (EAX). Some hypervisors (older KVM) report
    /// 0 here, meaning 0x4000_0001.
    pub max_leaf: u32,
    /// The vendor signature: EBX, ECX, EDX as 12 little-endian bytes.
    pub signature: [u8; 12],
}

impl HypervisorLeaf {
    /// Decodes leaf 0x4000_0000.
    #[must_use]
    pub fn new(leaf: CpuidResult) -> Self {
        Self { max_leaf: leaf.eax, signature: pack12(leaf.ebx, leaf.ecx, leaf.edx) }
    }

    /// The signature as text, without NUL padding or surrounding spaces
    /// (`"?"` if not UTF-8).
    #[must_use]
    pub fn signature_str(&self) -> &str {
        lossy(trim(&self.signature))
    }

    /// Which well-known hypervisor this is.
    #[must_use]
    pub fn kind(&self) -> HypervisorKind {
        match &self.signature {
            b"KVMKVMKVM\0\0\0" => HypervisorKind::Kvm,
            b"TCGTCGTCGTCG" => HypervisorKind::Tcg,
            b"Microsoft Hv" => HypervisorKind::HyperV,
            b"VMwareVMware" => HypervisorKind::Vmware,
            b"XenVMMXenVMM" => HypervisorKind::Xen,
            b"VBoxVBoxVBox" => HypervisorKind::VirtualBox,
            b"bhyve bhyve " => HypervisorKind::Bhyve,
            _ => HypervisorKind::Other,
        }
    }
}

/// Formats as the trimmed signature.
impl fmt::Display for HypervisorLeaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.signature_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kvm() {
        let h = HypervisorLeaf::new(CpuidResult::new(0x4000_0001, 0x4b4d_564b, 0x564b_4d56, 0x0000_004d));
        assert_eq!(&h.signature, b"KVMKVMKVM\0\0\0");
        assert_eq!(h.signature_str(), "KVMKVMKVM");
        assert_eq!(h.kind(), HypervisorKind::Kvm);
        assert_eq!(h.max_leaf, 0x4000_0001);
    }

    #[test]
    fn tcg() {
        let h = HypervisorLeaf::new(CpuidResult::new(0x4000_0001, 0x5447_4354, 0x4354_4743, 0x4743_5447));
        assert_eq!(h.signature_str(), "TCGTCGTCGTCG");
        assert_eq!(h.kind(), HypervisorKind::Tcg);
    }

    #[test]
    fn hyper_v_and_unknown() {
        let h = HypervisorLeaf::new(CpuidResult::new(0x4000_000b, 0x7263_694d, 0x666f_736f, 0x7648_2074));
        assert_eq!(h.to_string(), "Microsoft Hv");
        assert_eq!(h.kind(), HypervisorKind::HyperV);
        assert_eq!(h.max_leaf, 0x4000_000b);
        // Register order is EBX, ECX, EDX: swapping ECX and EDX breaks it.
        let h = HypervisorLeaf::new(CpuidResult::new(0, 0x4b4d_564b, 0x0000_004d, 0x564b_4d56));
        assert_eq!(h.kind(), HypervisorKind::Other);
        let h = HypervisorLeaf::new(CpuidResult::new(0, 0xffff_ffff, 0, 0));
        assert_eq!(h.signature_str(), "?");
    }
}
