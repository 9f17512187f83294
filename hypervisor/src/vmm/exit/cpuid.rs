//! CPUID exits (always unconditional, SDM 26.1.2): the guest sees the
//! host's values, except that VMX is hidden (CPUID.1:ECX bit 5 — guests may
//! not use VT-x) and the "hypervisor present" bit (ECX bit 31) is set, with
//! our signature at leaf 0x4000_0000 (the range hypervisors use to identify
//! themselves).
//!
//! The interrupt controller and clocks are the partition's: CPUID.1 shows
//! its local APIC (EDX bit 9 while IA32_APIC_BASE enables it, the initial
//! APIC ID in EBX\[31:24\], x2APIC in ECX bit 21, TSC-deadline in ECX bit
//! 24), leaf 0xB its x2APIC ID, and the TSC and APIC timer frequencies are
//! given outright in leaves 0x15 and 0x16 and the hypervisor leaf
//! 0x4000_0010, so guests need not calibrate (`vmm/platform/clock.rs`).

use hv_vmx::GuestNatural;

use super::Action;
use crate::arch::x86_64::cpu::cpuid;
use crate::arch::x86_64::vmx::entry::GuestRegisters;
use crate::arch::x86_64::vmx::instructions::vmread;
use crate::vmm::low32;
use crate::vmm::platform::clock;

/// The 12-byte signature at leaf 0x4000_0000 (EBX, ECX, EDX).
pub const SIGNATURE: &[u8; 12] = b"RustVTxHyper";
/// The highest hypervisor leaf we answer.
const MAX_HYPERVISOR_LEAF: u32 = 0x4000_0010;
/// The highest basic leaf: at least the frequency leaf 0x16.
const MIN_MAX_BASIC_LEAF: u32 = 0x16;

const APIC_BIT: u32 = 1 << 9;
const X2APIC_BIT: u32 = 1 << 21;
const TSC_DEADLINE_BIT: u32 = 1 << 24;

const VMX_BIT: u32 = 1 << 5;
const OSXSAVE_BIT: u32 = 1 << 27;
const CR4_OSXSAVE: u64 = 1 << 18;
const HYPERVISOR_BIT: u32 = 1 << 31;

fn word(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// Emulates CPUID for the leaf in EAX / subleaf in ECX.
pub fn handle(regs: &mut GuestRegisters, lapic: &hv_lapic::LocalApic) -> Action {
    let leaf = low32(regs.rax);
    let subleaf = low32(regs.rcx);
    let tsc_hz = crate::time::tsc_hz();
    let mut result = match leaf {
        0x15 => {
            let (eax, ebx, ecx) = clock::leaf_15(tsc_hz);
            hv_cpu::CpuidResult { eax, ebx, ecx, edx: 0 }
        }
        0x16 => {
            let (eax, ebx, ecx) = clock::leaf_16(tsc_hz);
            hv_cpu::CpuidResult { eax, ebx, ecx, edx: 0 }
        }
        0x4000_0010 => {
            let (eax, ebx) = clock::leaf_4000_0010(tsc_hz);
            hv_cpu::CpuidResult { eax, ebx, ecx: 0, edx: 0 }
        }
        0x4000_0000 => hv_cpu::CpuidResult {
            eax: MAX_HYPERVISOR_LEAF,
            ebx: word(&SIGNATURE[0..4]),
            ecx: word(&SIGNATURE[4..8]),
            edx: word(&SIGNATURE[8..12]),
        },
        0x4000_0001..=0x4000_00FF => hv_cpu::CpuidResult::default(),
        _ => cpuid(leaf, subleaf),
    };
    match leaf {
        0 => result.eax = result.eax.max(MIN_MAX_BASIC_LEAF),
        1 => {
            result.ebx = (result.ebx & 0x00FF_FFFF) | (lapic.id() << 24);
            result.ecx |= X2APIC_BIT | TSC_DEADLINE_BIT;
            result.edx &= !APIC_BIT;
            if lapic.mode() != hv_lapic::Mode::Disabled {
                result.edx |= APIC_BIT;
            }
        }
        0xB | 0x1F => result.edx = lapic.id(),
        _ => {}
    }
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
