//! Named architectural bits and values that the guest-state checks and the
//! initial guest states refer to: CR0, CR4, RFLAGS, IA32_EFER,
//! IA32_DEBUGCTL, activity states, interruptibility state and pending debug
//! exceptions.
//!
//! Why: the checks read like the SDM only if the bits have the SDM's names,
//! and the kernel builds guest states with the same constants.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024: Vol. 3A 2.5
//! (control registers), Vol. 1 3.4.3 (EFLAGS), Vol. 4 (MSR index: IA32_EFER,
//! IA32_DEBUGCTL), Vol. 3C 25.4.2 ("Guest Non-Register State": Table 25-3
//! activity states, Table 25-4 interruptibility state, Table 25-5 pending
//! debug exceptions) and 27.3.1.

pub use hv_vmx::{CR0_PE, CR0_PG};

/// CR0.MP, bit 1: monitor coprocessor.
pub const CR0_MP: u64 = 1 << 1;
/// CR0.ET, bit 4: extension type (hard-wired to 1 on modern processors).
pub const CR0_ET: u64 = 1 << 4;
/// CR0.NE, bit 5: native x87 error reporting (required in VMX operation).
pub const CR0_NE: u64 = 1 << 5;
/// CR0.WP, bit 16: write protect for supervisor accesses.
pub const CR0_WP: u64 = 1 << 16;
/// CR0.NW, bit 29: not write-through. Never checked by VM entry.
pub const CR0_NW: u64 = 1 << 29;
/// CR0.CD, bit 30: cache disable. Never checked by VM entry.
pub const CR0_CD: u64 = 1 << 30;

/// CR4.PAE, bit 5: physical-address extension.
pub const CR4_PAE: u64 = 1 << 5;
/// CR4.VMXE, bit 13: VMX enable (IA32_VMX_CR4_FIXED0 requires it, in the
/// guest CR4 field too).
pub const CR4_VMXE: u64 = 1 << 13;
/// CR4.PCIDE, bit 17: process-context identifiers.
pub const CR4_PCIDE: u64 = 1 << 17;
/// CR4.CET, bit 23: control-flow enforcement technology.
pub const CR4_CET: u64 = 1 << 23;

/// RFLAGS bit 1: reserved, always 1.
pub const RFLAGS_FIXED: u64 = 1 << 1;
/// RFLAGS.TF, bit 8: trap flag.
pub const RFLAGS_TF: u64 = 1 << 8;
/// RFLAGS.IF, bit 9: interrupt enable.
pub const RFLAGS_IF: u64 = 1 << 9;
/// RFLAGS.VM, bit 17: virtual-8086 mode.
pub const RFLAGS_VM: u64 = 1 << 17;
/// RFLAGS bits that must be 0 in the guest RFLAGS field: 63:22, 15, 5 and 3
/// (SDM 27.3.1.4).
pub const RFLAGS_RESERVED: u64 = !((1 << 22) - 1) | (1 << 15) | (1 << 5) | (1 << 3);

/// IA32_EFER.SCE, bit 0: SYSCALL enable.
pub const EFER_SCE: u64 = 1 << 0;
/// IA32_EFER.LME, bit 8: IA-32e mode enable.
pub const EFER_LME: u64 = 1 << 8;
/// IA32_EFER.LMA, bit 10: IA-32e mode active.
pub const EFER_LMA: u64 = 1 << 10;
/// IA32_EFER.NXE, bit 11: execute-disable enable.
pub const EFER_NXE: u64 = 1 << 11;
/// IA32_EFER bits Intel defines as reserved: all but SCE, LME, LMA, NXE.
pub const EFER_RESERVED: u64 = !(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);

/// IA32_DEBUGCTL.BTF, bit 1: single-step on branches.
pub const DEBUGCTL_BTF: u64 = 1 << 1;
/// IA32_DEBUGCTL bits treated as reserved: 5:3 and 63:16. Bits 0-2 and 15:6
/// are defined on at least some processors (bit 2 is bus-lock detection);
/// whether a particular processor reserves some of them is model-specific and
/// not modelled.
pub const DEBUGCTL_RESERVED: u64 = 0b11_1000 | !0xFFFF;

/// DR7 value after reset: only the reserved bit 10 set.
pub const DR7_RESET: u64 = 0x400;
/// IA32_PAT value after reset: WB, WT, UC-, UC repeated.
pub const PAT_RESET: u64 = 0x0007_0406_0007_0406;

/// Activity state 0: active (SDM Vol. 3C 25.4.2, Table 25-3).
pub const ACTIVITY_ACTIVE: u32 = 0;
/// Activity state 1: HLT.
pub const ACTIVITY_HLT: u32 = 1;
/// Activity state 2: shutdown (after a triple fault).
pub const ACTIVITY_SHUTDOWN: u32 = 2;
/// Activity state 3: wait-for-SIPI.
pub const ACTIVITY_WAIT_FOR_SIPI: u32 = 3;

/// Interruptibility state bit 0: blocking by STI (SDM Vol. 3C 25.4.2,
/// Table 25-4).
pub const BLOCKING_BY_STI: u32 = 1 << 0;
/// Interruptibility state bit 1: blocking by MOV SS.
pub const BLOCKING_BY_MOV_SS: u32 = 1 << 1;
/// Interruptibility state bit 2: blocking by SMI.
pub const BLOCKING_BY_SMI: u32 = 1 << 2;
/// Interruptibility state bit 3: blocking by NMI.
pub const BLOCKING_BY_NMI: u32 = 1 << 3;
/// Interruptibility state bit 4: enclave interruption.
pub const ENCLAVE_INTERRUPTION: u32 = 1 << 4;
/// Interruptibility state bits 31:5: reserved.
pub const INTERRUPTIBILITY_RESERVED: u32 = !0x1F;

/// Pending debug exceptions bit 12: an enabled breakpoint (SDM Vol. 3C
/// 25.4.2, Table 25-5).
pub const PENDING_DEBUG_ENABLED_BREAKPOINT: u64 = 1 << 12;
/// Pending debug exceptions bit 14: BS, a pending single-step trap.
pub const PENDING_DEBUG_BS: u64 = 1 << 14;
/// Pending debug exceptions bit 16: RTM, a debug exception inside an RTM
/// region.
pub const PENDING_DEBUG_RTM: u64 = 1 << 16;
/// Pending debug exceptions reserved bits: 11:4, 13, 15 and 63:17.
pub const PENDING_DEBUG_RESERVED: u64 = 0xFF0 | (1 << 13) | (1 << 15) | !((1 << 17) - 1);

/// The VMCS link pointer value that means "no linked VMCS".
pub const VMCS_LINK_POINTER_NONE: u64 = u64::MAX;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_masks() {
        assert_eq!(RFLAGS_RESERVED, 0xFFFF_FFFF_FFC0_8028);
        assert_eq!(EFER_RESERVED & 0xFFFF, 0xF2FE);
        assert_eq!(DEBUGCTL_RESERVED, 0xFFFF_FFFF_FFFF_0038);
        assert_eq!(PENDING_DEBUG_RESERVED, 0xFFFF_FFFF_FFFE_AFF0);
        assert_eq!(INTERRUPTIBILITY_RESERVED, 0xFFFF_FFE0);
    }

    #[test]
    fn pat_reset_entries_are_valid_types() {
        for byte in PAT_RESET.to_le_bytes() {
            assert!(matches!(byte, 0 | 1 | 4..=7), "{byte}");
        }
    }
}
