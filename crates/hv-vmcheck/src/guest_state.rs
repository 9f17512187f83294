//! The guest-state values VM entry checks, gathered in one plain struct.
//!
//! What: [`GuestState`] mirrors the guest-state area of the VMCS (registers,
//! MSRs, non-register state) plus the one VM-entry control field some guest
//! checks depend on, the VM-entry interruption information.
//!
//! Why: the hypervisor fills this struct, checks it with
//! [`check_guest_state`](crate::check_guest_state), and only then writes it
//! to the VMCS, so a rule violation is found and named in software instead of
//! by a failed VM entry.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C 25.4
//! ("Guest-State Area": 25.4.1 register state, 25.4.2 non-register state) and
//! 25.8.3 (VM-entry interruption-information field).

use crate::segment::SegmentRegister;

/// The guest-state fields of a VMCS that VM entry checks (SDM Vol. 3C 25.4).
///
/// Widths follow the VMCS: natural-width fields are `u64`, 32-bit fields
/// `u32`. Fields VM entry does not check (for example the CR0/CR4 read
/// shadows) are not here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GuestState {
    /// Guest CR0 (with the VMX fixed bits applied; the guest reads the
    /// architectural value through the CR0 read shadow).
    pub cr0: u64,
    /// Guest CR3.
    pub cr3: u64,
    /// Guest CR4 (with the VMX fixed bits, including VMXE, applied).
    pub cr4: u64,
    /// Guest DR7 (loaded only with the "load debug controls" entry control).
    pub dr7: u64,
    /// Guest RSP.
    pub rsp: u64,
    /// Guest RIP.
    pub rip: u64,
    /// Guest RFLAGS.
    pub rflags: u64,
    /// Guest ES.
    pub es: SegmentRegister,
    /// Guest CS.
    pub cs: SegmentRegister,
    /// Guest SS.
    pub ss: SegmentRegister,
    /// Guest DS.
    pub ds: SegmentRegister,
    /// Guest FS.
    pub fs: SegmentRegister,
    /// Guest GS.
    pub gs: SegmentRegister,
    /// Guest LDTR.
    pub ldtr: SegmentRegister,
    /// Guest TR.
    pub tr: SegmentRegister,
    /// Guest GDTR base.
    pub gdtr_base: u64,
    /// Guest GDTR limit (a 32-bit VMCS field; bits 31:16 must be 0).
    pub gdtr_limit: u32,
    /// Guest IDTR base.
    pub idtr_base: u64,
    /// Guest IDTR limit (a 32-bit VMCS field; bits 31:16 must be 0).
    pub idtr_limit: u32,
    /// Guest IA32_DEBUGCTL (loaded with "load debug controls").
    pub ia32_debugctl: u64,
    /// Guest IA32_PAT (loaded with "load IA32_PAT").
    pub ia32_pat: u64,
    /// Guest IA32_EFER (loaded with "load IA32_EFER").
    pub ia32_efer: u64,
    /// Guest IA32_SYSENTER_ESP.
    pub sysenter_esp: u64,
    /// Guest IA32_SYSENTER_EIP.
    pub sysenter_eip: u64,
    /// Guest IA32_SYSENTER_CS (not checked by VM entry).
    pub sysenter_cs: u32,
    /// Activity state (see the `ACTIVITY_*` constants in [`arch`](crate::arch)).
    pub activity_state: u32,
    /// Interruptibility state (see the `BLOCKING_BY_*` constants in
    /// [`arch`](crate::arch)).
    pub interruptibility_state: u32,
    /// Pending debug exceptions.
    pub pending_debug_exceptions: u64,
    /// VMCS link pointer; all ones when no shadow VMCS is linked.
    pub vmcs_link_pointer: u64,
    /// The VM-entry interruption-information field (a VM-entry control, not
    /// guest state, but some guest-state checks depend on it); 0 when VM
    /// entry injects nothing.
    pub entry_interruption_info: u32,
}
