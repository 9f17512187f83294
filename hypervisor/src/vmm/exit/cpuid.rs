//! CPUID exits (always unconditional, SDM 26.1.2): the guest sees the
//! host's values, except that VMX is hidden (CPUID.1:ECX bit 5 — guests may
//! not use VT-x) and the "hypervisor present" bit (ECX bit 31) is set, with
//! our signature at leaf 0x4000_0000 (the range hypervisors use to identify
//! themselves).

use hv_vmx::GuestNatural;

use super::Action;
use crate::arch::x86_64::cpu::cpuid;
use crate::arch::x86_64::vmx::entry::GuestRegisters;
use crate::arch::x86_64::vmx::instructions::vmread;
use crate::vmm::low32;

/// The 12-byte signature at leaf 0x4000_0000 (EBX, ECX, EDX).
pub const SIGNATURE: &[u8; 12] = b"RustVTxHyper";
/// The highest hypervisor leaf we answer.
const MAX_HYPERVISOR_LEAF: u32 = 0x4000_0000;

const VMX_BIT: u32 = 1 << 5;
const OSXSAVE_BIT: u32 = 1 << 27;
const CR4_OSXSAVE: u64 = 1 << 18;
const HYPERVISOR_BIT: u32 = 1 << 31;

fn word(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// Emulates CPUID for the leaf in EAX / subleaf in ECX.
pub fn handle(regs: &mut GuestRegisters) -> Action {
    let leaf = low32(regs.rax);
    let subleaf = low32(regs.rcx);
    let mut result = match leaf {
        0x4000_0000 => hv_cpu::CpuidResult {
            eax: MAX_HYPERVISOR_LEAF,
            ebx: word(&SIGNATURE[0..4]),
            ecx: word(&SIGNATURE[4..8]),
            edx: word(&SIGNATURE[8..12]),
        },
        0x4000_0001..=0x4000_00FF => hv_cpu::CpuidResult::default(),
        _ => cpuid(leaf, subleaf),
    };
    if leaf == 1 {
        // OSXSAVE (bit 27) mirrors the *guest's* CR4.OSXSAVE, not ours.
        let guest_osxsave = vmread(GuestNatural::CR4).is_ok_and(|cr4| cr4 & CR4_OSXSAVE != 0);
        result.ecx = (result.ecx & !(VMX_BIT | OSXSAVE_BIT)) | HYPERVISOR_BIT;
        if guest_osxsave {
            result.ecx |= OSXSAVE_BIT;
        }
    }
    regs.rax = u64::from(result.eax);
    regs.rbx = u64::from(result.ebx);
    regs.rcx = u64::from(result.ecx);
    regs.rdx = u64::from(result.edx);
    Action::Advance
}
