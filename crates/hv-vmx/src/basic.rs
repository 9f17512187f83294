//! Decoding of IA32_VMX_BASIC (MSR 0x480): the VMCS revision identifier, the
//! size and memory type of the VMXON/VMCS regions, and feature bits that
//! decide which other capability MSRs to consult.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3D
//! Appendix A.1 ("Basic VMX Information").
//!
//! Why: the VMX core must write the revision identifier into every VMXON
//! region and VMCS it allocates, size those regions from this MSR, and use
//! bit 55 to choose between the plain and the TRUE control MSRs (A.2).

use core::fmt;

use crate::bits::{bit, field_u32};

/// The memory type the processor uses to access the VMCS and the structures
/// it references (SDM Vol. 3D A.1, IA32_VMX_BASIC bits 53:50).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VmcsMemoryType {
    /// Value 0: uncacheable (UC).
    Uncacheable,
    /// Value 6: write-back (WB). The only other value the SDM defines.
    WriteBack,
    /// Any other value; the SDM reserves 1-5 and 7-15 ("not used").
    Unknown(u8),
}

impl VmcsMemoryType {
    /// Decodes the 4-bit memory-type field (values above 15 are not produced
    /// by [`VmxBasic::vmcs_memory_type`]).
    pub const fn from_raw(raw: u8) -> Self {
        match raw {
            0 => Self::Uncacheable,
            6 => Self::WriteBack,
            other => Self::Unknown(other),
        }
    }
}

impl fmt::Display for VmcsMemoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Uncacheable => f.write_str("uncacheable"),
            Self::WriteBack => f.write_str("write-back"),
            Self::Unknown(raw) => write!(f, "unknown ({raw})"),
        }
    }
}

/// The raw value of IA32_VMX_BASIC (SDM Vol. 3D A.1). Every 64-bit value is
/// accepted; the accessors decode individual fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VmxBasic(pub u64);

impl VmxBasic {
    /// VMCS revision identifier, bits 30:0 (SDM Vol. 3D A.1). Written to the
    /// first 4 bytes of each VMXON region and VMCS (bit 31 of that dword is
    /// the shadow-VMCS indicator, which is not part of the identifier; SDM
    /// Vol. 3D A.1 says bit 31 of this MSR is always 0).
    pub const fn revision_id(self) -> u32 {
        field_u32(self.0, 30, 0)
    }

    /// Number of bytes to allocate for the VMXON region and any VMCS, bits
    /// 44:32 (SDM Vol. 3D A.1). Never greater than 4096.
    pub const fn vmcs_region_size(self) -> u32 {
        field_u32(self.0, 44, 32)
    }

    /// Bit 48 (SDM Vol. 3D A.1): if set, the addresses of the VMXON region,
    /// VMCS and structures it references are limited to 32 bits. Always 0 on
    /// processors that support Intel 64.
    pub const fn physical_address_width_32(self) -> bool {
        bit(self.0, 48)
    }

    /// Bit 49 (SDM Vol. 3D A.1): the processor supports the dual-monitor
    /// treatment of SMIs and SMM.
    pub const fn dual_monitor_smm(self) -> bool {
        bit(self.0, 49)
    }

    /// Bits 53:50 (SDM Vol. 3D A.1): memory type for VMCS accesses.
    pub const fn vmcs_memory_type(self) -> VmcsMemoryType {
        // The field is 4 bits wide, so it always fits in a u8.
        let raw = field_u32(self.0, 53, 50).to_le_bytes()[0];
        VmcsMemoryType::from_raw(raw)
    }

    /// Bit 54 (SDM Vol. 3D A.1): VM exits due to INS/OUTS report
    /// instruction information in the VM-exit instruction-information field.
    pub const fn ins_outs_exit_info(self) -> bool {
        bit(self.0, 54)
    }

    /// Bit 55 (SDM Vol. 3D A.1 and A.2): "default1" controls may be 0, and
    /// the IA32_VMX_TRUE_*_CTLS MSRs (0x48D-0x490) exist and must be used to
    /// learn which of them may be 0.
    pub const fn true_controls(self) -> bool {
        bit(self.0, 55)
    }

    /// Bit 56 (SDM Vol. 3D A.1): VM entry may deliver a hardware exception
    /// with or without an error code, regardless of vector.
    pub const fn error_code_consistency_relaxed(self) -> bool {
        bit(self.0, 56)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bochs 2.7 corei7_skylake_x: revision 43, 4 KiB regions, WB, INS/OUTS
    /// info, true controls.
    const SKYLAKE_X: u64 = 43 | (0x1000 << 32) | (6 << 50) | (1 << 54) | (1 << 55);

    #[test]
    fn decodes_a_typical_value() {
        let basic = VmxBasic(SKYLAKE_X);
        assert_eq!(basic.revision_id(), 43);
        assert_eq!(basic.vmcs_region_size(), 4096);
        assert!(!basic.physical_address_width_32());
        assert!(!basic.dual_monitor_smm());
        assert_eq!(basic.vmcs_memory_type(), VmcsMemoryType::WriteBack);
        assert!(basic.ins_outs_exit_info());
        assert!(basic.true_controls());
        assert!(!basic.error_code_consistency_relaxed());
    }

    #[test]
    fn revision_excludes_bit_31_and_the_size_field() {
        let basic = VmxBasic((1 << 31) | 0x7FFF_FFFF | (0x1FFF << 32));
        assert_eq!(basic.revision_id(), 0x7FFF_FFFF);
        assert_eq!(basic.vmcs_region_size(), 0x1FFF);
        assert_eq!(VmxBasic(4).revision_id(), 4);
    }

    #[test]
    fn size_is_bits_44_to_32_only() {
        // Bits 45-47 are reserved; they must not leak into the size.
        let basic = VmxBasic((0b111 << 45) | (0x400 << 32));
        assert_eq!(basic.vmcs_region_size(), 0x400);
    }

    #[test]
    fn single_bit_flags() {
        assert!(VmxBasic(1 << 48).physical_address_width_32());
        assert!(VmxBasic(1 << 49).dual_monitor_smm());
        assert!(VmxBasic(1 << 54).ins_outs_exit_info());
        assert!(VmxBasic(1 << 55).true_controls());
        assert!(VmxBasic(1 << 56).error_code_consistency_relaxed());
        let none = VmxBasic(0);
        assert!(!none.physical_address_width_32());
        assert!(!none.dual_monitor_smm());
        assert!(!none.ins_outs_exit_info());
        assert!(!none.true_controls());
        assert!(!none.error_code_consistency_relaxed());
    }

    #[test]
    fn memory_types() {
        assert_eq!(VmxBasic(0).vmcs_memory_type(), VmcsMemoryType::Uncacheable);
        assert_eq!(VmxBasic(6 << 50).vmcs_memory_type(), VmcsMemoryType::WriteBack);
        assert_eq!(VmxBasic(5 << 50).vmcs_memory_type(), VmcsMemoryType::Unknown(5));
        assert_eq!(VmxBasic(0xF << 50).vmcs_memory_type(), VmcsMemoryType::Unknown(15));
        // Neighbouring bits 49 and 54 do not change the type.
        assert_eq!(VmxBasic((1 << 49) | (6 << 50) | (1 << 54)).vmcs_memory_type(), VmcsMemoryType::WriteBack);
        assert_eq!(VmcsMemoryType::WriteBack.to_string(), "write-back");
        assert_eq!(VmcsMemoryType::Unknown(3).to_string(), "unknown (3)");
    }
}
