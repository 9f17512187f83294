//! Moving a whole `hv_vmcheck::GuestState` into and out of the current VMCS
//! (SDM 25.4 "Guest-State Area").
//!
//! The initial state of every vCPU is built as a `GuestState` value (pure,
//! host-tested constructors), checked in software against SDM 27.3.1, and
//! only then written here; the same type read back feeds the checker and the
//! VMCS dump after a failed entry.

use hv_vmcheck::{GuestState, SegmentRegister};
use hv_vmx::{Guest16, Guest32, Guest64, GuestNatural};

use crate::arch::x86_64::vmx::instructions::{vmread, vmwrite};
use crate::arch::x86_64::vmx::VmFail;

/// The VMCS fields of one segment register.
struct SegmentFields {
    selector: Guest16,
    base: GuestNatural,
    limit: Guest32,
    access_rights: Guest32,
}

const fn segment(selector: Guest16, base: GuestNatural, limit: Guest32, access_rights: Guest32) -> SegmentFields {
    SegmentFields { selector, base, limit, access_rights }
}

const ES: SegmentFields =
    segment(Guest16::ES_SELECTOR, GuestNatural::ES_BASE, Guest32::ES_LIMIT, Guest32::ES_ACCESS_RIGHTS);
const CS: SegmentFields =
    segment(Guest16::CS_SELECTOR, GuestNatural::CS_BASE, Guest32::CS_LIMIT, Guest32::CS_ACCESS_RIGHTS);
const SS: SegmentFields =
    segment(Guest16::SS_SELECTOR, GuestNatural::SS_BASE, Guest32::SS_LIMIT, Guest32::SS_ACCESS_RIGHTS);
const DS: SegmentFields =
    segment(Guest16::DS_SELECTOR, GuestNatural::DS_BASE, Guest32::DS_LIMIT, Guest32::DS_ACCESS_RIGHTS);
const FS: SegmentFields =
    segment(Guest16::FS_SELECTOR, GuestNatural::FS_BASE, Guest32::FS_LIMIT, Guest32::FS_ACCESS_RIGHTS);
const GS: SegmentFields =
    segment(Guest16::GS_SELECTOR, GuestNatural::GS_BASE, Guest32::GS_LIMIT, Guest32::GS_ACCESS_RIGHTS);
const LDTR: SegmentFields =
    segment(Guest16::LDTR_SELECTOR, GuestNatural::LDTR_BASE, Guest32::LDTR_LIMIT, Guest32::LDTR_ACCESS_RIGHTS);
const TR: SegmentFields =
    segment(Guest16::TR_SELECTOR, GuestNatural::TR_BASE, Guest32::TR_LIMIT, Guest32::TR_ACCESS_RIGHTS);

fn write_segment(fields: &SegmentFields, value: &SegmentRegister) -> Result<(), VmFail> {
    vmwrite(fields.selector, u64::from(value.selector))?;
    vmwrite(fields.base, value.base)?;
    vmwrite(fields.limit, u64::from(value.limit))?;
    vmwrite(fields.access_rights, u64::from(value.access_rights))
}

fn read_segment(fields: &SegmentFields) -> Result<SegmentRegister, VmFail> {
    let narrow = |value: u64| u32::try_from(value).unwrap_or(u32::MAX);
    Ok(SegmentRegister {
        selector: u16::try_from(vmread(fields.selector)?).unwrap_or(u16::MAX),
        base: vmread(fields.base)?,
        limit: narrow(vmread(fields.limit)?),
        access_rights: narrow(vmread(fields.access_rights)?),
    })
}

/// Writes `state` to the current VMCS (the interruption-information field
/// belongs to the entry controls and is written by the event injector).
pub fn write(state: &GuestState) -> Result<(), VmFail> {
    vmwrite(GuestNatural::CR0, state.cr0)?;
    vmwrite(GuestNatural::CR3, state.cr3)?;
    vmwrite(GuestNatural::CR4, state.cr4)?;
    vmwrite(GuestNatural::DR7, state.dr7)?;
    vmwrite(GuestNatural::RSP, state.rsp)?;
    vmwrite(GuestNatural::RIP, state.rip)?;
    vmwrite(GuestNatural::RFLAGS, state.rflags)?;
    for (fields, value) in [
        (&ES, &state.es),
        (&CS, &state.cs),
        (&SS, &state.ss),
        (&DS, &state.ds),
        (&FS, &state.fs),
        (&GS, &state.gs),
        (&LDTR, &state.ldtr),
        (&TR, &state.tr),
    ] {
        write_segment(fields, value)?;
    }
    vmwrite(GuestNatural::GDTR_BASE, state.gdtr_base)?;
    vmwrite(Guest32::GDTR_LIMIT, u64::from(state.gdtr_limit))?;
    vmwrite(GuestNatural::IDTR_BASE, state.idtr_base)?;
    vmwrite(Guest32::IDTR_LIMIT, u64::from(state.idtr_limit))?;
    vmwrite(Guest64::DEBUGCTL, state.ia32_debugctl)?;
    vmwrite(Guest64::PAT, state.ia32_pat)?;
    vmwrite(Guest64::EFER, state.ia32_efer)?;
    vmwrite(GuestNatural::SYSENTER_ESP, state.sysenter_esp)?;
    vmwrite(GuestNatural::SYSENTER_EIP, state.sysenter_eip)?;
    vmwrite(Guest32::SYSENTER_CS, u64::from(state.sysenter_cs))?;
    vmwrite(Guest32::ACTIVITY_STATE, u64::from(state.activity_state))?;
    vmwrite(Guest32::INTERRUPTIBILITY_STATE, u64::from(state.interruptibility_state))?;
    vmwrite(GuestNatural::PENDING_DEBUG_EXCEPTIONS, state.pending_debug_exceptions)?;
    vmwrite(Guest64::VMCS_LINK_POINTER, state.vmcs_link_pointer)
}

/// Reads the guest state back from the current VMCS.
pub fn read(entry_interruption_info: u32) -> Result<GuestState, VmFail> {
    let narrow = |value: u64| u32::try_from(value).unwrap_or(u32::MAX);
    Ok(GuestState {
        cr0: vmread(GuestNatural::CR0)?,
        cr3: vmread(GuestNatural::CR3)?,
        cr4: vmread(GuestNatural::CR4)?,
        dr7: vmread(GuestNatural::DR7)?,
        rsp: vmread(GuestNatural::RSP)?,
        rip: vmread(GuestNatural::RIP)?,
        rflags: vmread(GuestNatural::RFLAGS)?,
        es: read_segment(&ES)?,
        cs: read_segment(&CS)?,
        ss: read_segment(&SS)?,
        ds: read_segment(&DS)?,
        fs: read_segment(&FS)?,
        gs: read_segment(&GS)?,
        ldtr: read_segment(&LDTR)?,
        tr: read_segment(&TR)?,
        gdtr_base: vmread(GuestNatural::GDTR_BASE)?,
        gdtr_limit: narrow(vmread(Guest32::GDTR_LIMIT)?),
        idtr_base: vmread(GuestNatural::IDTR_BASE)?,
        idtr_limit: narrow(vmread(Guest32::IDTR_LIMIT)?),
        ia32_debugctl: vmread(Guest64::DEBUGCTL)?,
        ia32_pat: vmread(Guest64::PAT)?,
        ia32_efer: vmread(Guest64::EFER)?,
        sysenter_esp: vmread(GuestNatural::SYSENTER_ESP)?,
        sysenter_eip: vmread(GuestNatural::SYSENTER_EIP)?,
        sysenter_cs: narrow(vmread(Guest32::SYSENTER_CS)?),
        activity_state: narrow(vmread(Guest32::ACTIVITY_STATE)?),
        interruptibility_state: narrow(vmread(Guest32::INTERRUPTIBILITY_STATE)?),
        pending_debug_exceptions: vmread(GuestNatural::PENDING_DEBUG_EXCEPTIONS)?,
        vmcs_link_pointer: vmread(Guest64::VMCS_LINK_POINTER)?,
        entry_interruption_info,
    })
}
