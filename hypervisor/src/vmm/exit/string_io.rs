//! String I/O: INS and OUTS, with or without REP (SDM Vol. 2B INS/OUTS,
//! exit information in 28.2.1 Table 28-5 and 28.2.5).
//!
//! The instruction moves data between a port and guest memory addressed by
//! *linear* address (ES:RDI for INS, seg:RSI for OUTS). The exit reports the
//! linear address of the first element (GUEST_LINEAR_ADDRESS), the address
//! size and the segment; the hypervisor translates each element's linear
//! address through the guest's own page tables (`hv-paging`), checks it lies
//! in the partition's memory, performs the port access through the same
//! devices as IN/OUT, and updates RSI/RDI and RCX as the CPU would.
//!
//! REP forms are done in batches of at most [`BATCH`] elements per exit: if
//! elements remain, RIP is left on the instruction, which re-executes with
//! the reduced count — exactly how an interrupted REP behaves. A page fault
//! on the guest's side is injected with CR2 set; an address outside the
//! partition's memory stops the partition (like an EPT violation would).

use hv_paging::{Access, GuestPaging, PagingError};
use hv_vmx::{AddressSize, ExitInfo32, ExitInfoNatural, GuestNatural, IoQualification, IoStringInfo};

use super::{guest_paging, ports, Action, ExitContext, HandlerFault};
use crate::arch::x86_64::vmx::instructions::vmread;
use crate::vmm::low32;
use crate::vmm::stop::StopReason;

/// Elements handled per exit.
pub const BATCH: u64 = 4096;
/// RFLAGS.DF (bit 10): string instructions go down.
const RFLAGS_DF: u64 = 1 << 10;

/// Handles INS/OUTS (`io.string` is set).
pub fn handle(ctx: &mut ExitContext<'_>, io: &IoQualification) -> Result<Action, HandlerFault> {
    let info_raw = low32(vmread(ExitInfo32::EXIT_INSTRUCTION_INFO)?);
    let Some(info) = IoStringInfo::from_raw(info_raw, io.direction) else {
        return Ok(Action::Stop(StopReason::Unsupported { what: "string I/O encoding", detail: u64::from(info_raw) }));
    };
    let address_mask: u64 = match info.address_size {
        AddressSize::Bits16 => 0xFFFF,
        AddressSize::Bits32 => 0xFFFF_FFFF,
        AddressSize::Bits64 => u64::MAX,
    };
    let count = if io.rep { ctx.regs.rcx & address_mask } else { 1 };
    if count == 0 {
        return Ok(Action::Advance);
    }
    let batch = count.min(BATCH);
    let size = u64::from(io.size);
    let step = if vmread(GuestNatural::RFLAGS)? & RFLAGS_DF != 0 { size.wrapping_neg() } else { size };
    let first = vmread(ExitInfoNatural::GUEST_LINEAR_ADDRESS)?;
    let paging = guest_paging::current()?;
    let user = guest_paging::user_mode()?;
    let access = Access { write: io.is_in(), user, execute: false };

    for index in 0..batch {
        let linear = first.wrapping_add(index.wrapping_mul(step));
        let gpa = match translate_element(ctx, &paging, linear, size, access) {
            Ok(gpa) => gpa,
            Err(ElementFault::Page(fault)) => {
                // Elements before this one are done: account for them first.
                advance_registers(ctx, io, index, step, address_mask);
                return guest_fault(&paging, &fault, linear, access);
            }
            Err(ElementFault::OutsideMemory(gpa)) => {
                return Ok(Action::Stop(StopReason::StringIoOutsideMemory { linear, gpa }));
            }
        };
        let mut devices = ports::Devices { platform: ctx.platform, console: ctx.console, now: ctx.now };
        if io.is_in() {
            let value = ports::read(&mut devices, io.port, io.size).to_le_bytes();
            ctx.memory.write(gpa, &value[..usize::from(io.size)]);
        } else {
            let mut value = [0u8; 4];
            if let Some(bytes) = ctx.memory.bytes(gpa, size) {
                value[..bytes.len()].copy_from_slice(bytes);
            }
            ports::write(&mut devices, io.port, io.size, u32::from_le_bytes(value));
        }
    }
    advance_registers(ctx, io, batch, step, address_mask);
    Ok(if batch < count { Action::Resume } else { Action::Advance })
}

/// Why one element could not be reached.
enum ElementFault {
    /// The guest's paging refused it: inject #PF.
    Page(PagingError),
    /// It translates to a guest-physical address outside the partition.
    OutsideMemory(u64),
}

/// Translates the element at `linear` (`size` bytes); the element must not
/// straddle a page boundary into a discontiguous frame, so its last byte is
/// translated too and must follow the first.
fn translate_element(
    ctx: &ExitContext<'_>,
    paging: &GuestPaging,
    linear: u64,
    size: u64,
    access: Access,
) -> Result<u64, ElementFault> {
    let memory = &*ctx.memory;
    let first = guest_paging::translate(paging, memory, linear, access).map_err(ElementFault::Page)?;
    let last =
        guest_paging::translate(paging, memory, linear.wrapping_add(size - 1), access).map_err(ElementFault::Page)?;
    if last != first + size - 1 {
        // Straddles two pages that are not physically adjacent: the bytes
        // are individually valid, but this emulation moves elements whole.
        return Err(ElementFault::OutsideMemory(last));
    }
    if memory.bytes(first, size).is_none() {
        return Err(ElementFault::OutsideMemory(last));
    }
    Ok(first)
}

/// Moves RSI (OUTS) or RDI (INS) past `done` elements and takes them off RCX
/// (REP), within the address size: a 32-bit update zero-extends, a 16-bit one
/// keeps the upper bits (SDM Vol. 1 3.3.7).
fn advance_registers(ctx: &mut ExitContext<'_>, io: &IoQualification, done: u64, step: u64, mask: u64) {
    let update = |register: &mut u64, delta: u64| {
        let value = register.wrapping_add(delta) & mask;
        *register = if mask == 0xFFFF { (*register & !0xFFFF) | value } else { value };
    };
    let index_register = if io.is_in() { &mut ctx.regs.rdi } else { &mut ctx.regs.rsi };
    update(index_register, done.wrapping_mul(step));
    if io.rep {
        update(&mut ctx.regs.rcx, done.wrapping_neg());
    }
}

/// What the CPU would have raised: #GP(0) for a non-canonical address, #PF
/// (with CR2) for a paging refusal; a page table outside the partition's
/// memory stops the partition.
fn guest_fault(paging: &GuestPaging, fault: &PagingError, linear: u64, access: Access) -> Result<Action, HandlerFault> {
    match fault {
        PagingError::NonCanonical { .. } => super::exception(hv_vmx::vector::GP),
        PagingError::TableOutsideMemory { gpa } => {
            Ok(Action::Stop(StopReason::StringIoOutsideMemory { linear, gpa: *gpa }))
        }
        _ => Ok(match paging.page_fault_error_code(fault, access) {
            Some(error_code) => Action::InjectPageFault { linear, error_code },
            None => Action::Stop(StopReason::StringIoOutsideMemory { linear, gpa: u64::MAX }),
        }),
    }
}
