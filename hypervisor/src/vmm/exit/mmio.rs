//! MMIO emulation: an EPT violation on a device page of the partition's
//! platform (the local APIC's xAPIC page, the I/O APIC) is completed by
//! decoding the instruction at the guest's RIP (`hv-x86-decode`), doing the
//! access on the device model, writing back registers and flags as the
//! instruction would, and stepping over it.
//!
//! The exit gives the guest-physical address and whether the access was a
//! read or a write (SDM 28.2.1 Table 28-7), but neither the data nor the
//! instruction's length (the VM-exit instruction-length field is undefined
//! for EPT violations, 28.2.5), hence the decoder. A violation during the
//! delivery of an event (the guest's IDT or stack on a device page), an
//! instruction the decoder does not know, or code the guest's paging does
//! not let it fetch stop the partition with the reason: nothing is guessed.

use hv_paging::Access as PagingAccess;
use hv_vmx::{ExitInfo32, ExitInterruptionInfo, Guest32, Guest64, GuestNatural};
use hv_x86_decode::{alu, decode, gpr_read, gpr_write, AccessKind, Mode, Operand, MAX_INSTRUCTION_LENGTH};

use super::{guest_paging, Action, ExitContext, HandlerFault};
use crate::arch::x86_64::vmx::instructions::{vmread, vmwrite};
use crate::vmm::stop::StopReason;

const CR0_PE: u64 = 1 << 0;
const EFER_LMA: u64 = 1 << 10;
/// CS access rights: L (bit 13) and D/B (bit 14).
const CS_L: u64 = 1 << 13;
const CS_D: u64 = 1 << 14;
const RFLAGS_CF: u64 = 1 << 0;

/// The decoder's mode for the guest's current CS.
fn mode() -> Result<Mode, HandlerFault> {
    let cs = vmread(Guest32::CS_ACCESS_RIGHTS)?;
    Ok(if vmread(Guest64::EFER)? & EFER_LMA != 0 && cs & CS_L != 0 {
        Mode::Long64
    } else if vmread(GuestNatural::CR0)? & CR0_PE == 0 {
        Mode::Real16
    } else if cs & CS_D != 0 {
        Mode::Protected32
    } else {
        Mode::Protected16
    })
}

/// Emulates the access at `gpa`, which the platform says is a device's.
pub fn emulate(ctx: &mut ExitContext<'_>, gpa: u64) -> Result<Action, HandlerFault> {
    let vectoring = ExitInterruptionInfo(u32::try_from(vmread(ExitInfo32::IDT_VECTORING_INFO)?).unwrap_or(0));
    if vectoring.valid() {
        return Ok(Action::Stop(StopReason::Unsupported { what: "event delivery through a device page", detail: gpa }));
    }
    let rip = vmread(GuestNatural::RIP)?;
    let linear = vmread(GuestNatural::CS_BASE)?.wrapping_add(rip);
    let paging = guest_paging::current()?;
    let fetch = PagingAccess { write: false, user: guest_paging::user_mode()?, execute: true };
    let mut bytes = [0u8; MAX_INSTRUCTION_LENGTH];
    let fetched = match guest_paging::read_linear(&paging, ctx.memory, linear, fetch, &mut bytes) {
        Ok(fetched) => fetched,
        Err(guest_paging::FetchError::Page(fault)) => {
            log::warn!("MMIO at {gpa:#x}: the instruction at linear {linear:#x} cannot be fetched: {fault}");
            return Ok(Action::Stop(StopReason::Unsupported { what: "MMIO instruction fetch", detail: linear }));
        }
        Err(guest_paging::FetchError::OutsideMemory(code)) => {
            log::warn!(
                "MMIO at {gpa:#x}: the instruction at linear {linear:#x} is at {code:#x}, outside the partition"
            );
            return Ok(Action::Stop(StopReason::Unsupported { what: "MMIO instruction fetch", detail: linear }));
        }
    };
    let decoded = match decode(&bytes[..fetched], mode()?) {
        Ok(decoded) => decoded,
        Err(error) => {
            log::warn!("MMIO at {gpa:#x} by the instruction at RIP {rip:#x} ({:02x?}): {error}", &bytes[..fetched]);
            return Ok(Action::Stop(StopReason::Unsupported { what: "MMIO instruction", detail: rip }));
        }
    };
    let mut regs = ctx.regs.as_array(vmread(GuestNatural::RSP)?);
    let size = decoded.access.size;
    let mut rflags = None;
    let platform = &mut *ctx.platform;
    let now = ctx.now;
    let operand = |regs: &[u64; 16], operand: Operand| match operand {
        Operand::Register(register) => gpr_read(regs, register, size),
        Operand::Immediate(value) => value,
    };
    match decoded.access.kind {
        AccessKind::Read { dest, extend, dest_size } => {
            let value = platform.mmio_read(gpa, size.bytes(), now);
            gpr_write(&mut regs, dest, dest_size, extend.apply(value, size, dest_size));
        }
        AccessKind::Write { source } => platform.mmio_write(gpa, size.bytes(), operand(&regs, source), now),
        AccessKind::Exchange { register } => {
            let old = platform.mmio_read(gpa, size.bytes(), now);
            platform.mmio_write(gpa, size.bytes(), gpr_read(&regs, register, size), now);
            gpr_write(&mut regs, register, size, old);
        }
        AccessKind::ReadModifyWrite { op, source } => {
            let flags = vmread(GuestNatural::RFLAGS)?;
            let old = platform.mmio_read(gpa, size.bytes(), now);
            let result = alu(op, size, old, operand(&regs, source), flags & RFLAGS_CF != 0);
            platform.mmio_write(gpa, size.bytes(), result.value, now);
            rflags = Some(result.flags.merge_into(flags));
        }
        AccessKind::ReadCompare { op, source } => {
            let flags = vmread(GuestNatural::RFLAGS)?;
            let value = platform.mmio_read(gpa, size.bytes(), now);
            rflags = Some(alu(op, size, value, operand(&regs, source), flags & RFLAGS_CF != 0).flags.merge_into(flags));
        }
        AccessKind::ReadOperate { op, register } => {
            let flags = vmread(GuestNatural::RFLAGS)?;
            let value = platform.mmio_read(gpa, size.bytes(), now);
            let result = alu(op, size, gpr_read(&regs, register, size), value, flags & RFLAGS_CF != 0);
            if op.writes_result() {
                gpr_write(&mut regs, register, size, result.value);
            }
            rflags = Some(result.flags.merge_into(flags));
        }
    }
    let rsp = ctx.regs.set_from_array(&regs);
    vmwrite(GuestNatural::RSP, rsp)?;
    if let Some(rflags) = rflags {
        vmwrite(GuestNatural::RFLAGS, rflags)?;
    }
    Ok(Action::Skip(decoded.length))
}
