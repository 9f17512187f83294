//! VM exits: decode, dispatch to one handler per exit reason, apply the
//! handler's [`Action`].
//!
//! Handlers are safe code that *decide*; they never touch the VMCS control
//! fields or re-enter the guest themselves. The one dispatcher
//! ([`handle`]) reads the exit reason, calls the handler, and
//! [`apply`] carries out the decision (advance RIP, inject an event, stop).
//! An exit the hypervisor does not expect stops the *partition* with a
//! report; the host never panics because of a guest (SDM 28 "VM Exits",
//! Appendix C for the reasons).

mod cpuid;
mod cr;
mod ept;
mod guest_paging;
mod hypercall;
mod io;
mod mmio;
mod msr;
mod ports;
mod string_io;
mod xsetbv;

use core::fmt;

use hv_vmx::{Event, ExitInfo32, ExitReason, ExitReasonField, GuestNatural};

use super::console::PartitionConsole;
use super::memory::GuestMemory;
use super::stop::StopReason;
use crate::arch::x86_64::vmx::entry::GuestRegisters;
use crate::arch::x86_64::vmx::instructions::{vmread, vmwrite};
use crate::arch::x86_64::vmx::VmFail;
use crate::arch::x86_64::{cpu, interrupt_controllers};

/// What the dispatcher does after a handler ran.
#[derive(Debug)]
pub enum Action {
    /// Re-enter the guest at the same RIP.
    Resume,
    /// Skip the instruction that exited, then re-enter.
    Advance,
    /// Skip the instruction that exited and give up the rest of the time
    /// slice (the Yield hypercall).
    Yield,
    /// Skip this many bytes of instruction (one the hypervisor decoded
    /// itself: MMIO), then re-enter.
    Skip(u8),
    /// Skip the HLT that exited and sleep until an interrupt or NMI is
    /// pending for the vCPU (HLT with interrupts enabled).
    Halt,
    /// Inject an event (an exception, normally) and re-enter at the same RIP.
    Inject(Event),
    /// Inject a page fault for `linear` (CR2) with this error code.
    InjectPageFault {
        /// The faulting linear address, for the guest's CR2.
        linear: u64,
        /// The #PF error code (SDM Vol. 3A 5.7.2).
        error_code: u32,
    },
    /// Stop the partition.
    Stop(StopReason),
}

/// What a handler may see and change of the partition that exited.
pub struct ExitContext<'a> {
    /// The guest's general-purpose registers.
    pub regs: &'a mut GuestRegisters,
    /// The guest's memory.
    pub memory: &'a mut GuestMemory,
    /// The partition's console.
    pub console: &'a mut PartitionConsole,
    /// The partition's identity, for hypercalls.
    pub identity: &'a super::partition::Identity,
    /// Counters for the statistics hypercall.
    pub stats: StatsView<'a>,
    /// The vCPU's XCR0, loaded before each entry.
    pub xcr0: &'a mut u64,
    /// Whether XCR0 can be switched on this CPU (XSAVE present).
    pub xcr0_usable: bool,
    /// The partition's interrupt controllers and timers.
    pub platform: &'a mut super::platform::VirtualPlatform,
    /// The TSC when the exit was handled (device time).
    pub now: u64,
    /// The guest physical-address width (IA32_APIC_BASE's reserved bits).
    pub physical_address_width: u8,
}

/// What the statistics hypercall reports about the partition (over its
/// whole life, across restarts).
pub struct StatsView<'a> {
    /// Exits by reason.
    pub exits: &'a super::stats::ExitCounts,
    /// Restarts so far.
    pub restarts: u32,
    /// CPU time charged before the current time slice, in microseconds.
    pub cpu_time_us: u64,
}

/// Why handling an exit failed in the hypervisor itself: the partition is
/// stopped, the host carries on.
#[derive(Debug)]
pub enum HandlerFault {
    /// A VMREAD/VMWRITE failed.
    Vmcs(VmFail),
    /// A handler asked for an event that cannot be injected (a bug).
    InvalidEvent(u8),
}

impl fmt::Display for HandlerFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Vmcs(fail) => write!(f, "VMCS access while handling an exit failed: {fail}"),
            Self::InvalidEvent(vector) => write!(f, "exception vector {vector} cannot be injected"),
        }
    }
}

impl From<VmFail> for HandlerFault {
    fn from(fail: VmFail) -> Self {
        Self::Vmcs(fail)
    }
}

/// Injects hardware exception `vector`, as the CPU would raise it: with
/// error code 0 for the vectors that have one — except in real mode, where
/// no error code is delivered (SDM 27.2.1.3: with CR0.PE = 0 the
/// "deliver error code" bit must be 0).
pub fn exception(vector: u8) -> Result<Action, HandlerFault> {
    let protected_mode = vmread(GuestNatural::CR0)? & 1 != 0;
    let event = if protected_mode { Event::exception(vector) } else { Event::hardware_exception(vector, None) };
    event.map(Action::Inject).map_err(|_| HandlerFault::InvalidEvent(vector))
}

/// Reads the exit reason of the last VM exit.
pub fn exit_reason() -> Result<ExitReasonField, VmFail> {
    Ok(ExitReasonField(u32::try_from(vmread(ExitInfo32::EXIT_REASON)?).unwrap_or(u32::MAX)))
}

/// Reads the exit qualification.
pub fn qualification() -> Result<u64, VmFail> {
    vmread(hv_vmx::ExitInfoNatural::EXIT_QUALIFICATION)
}

/// Decides what to do about the exit described by `field`.
pub fn handle(field: ExitReasonField, ctx: &mut ExitContext<'_>) -> Result<Action, HandlerFault> {
    if field.entry_failure() {
        return Ok(Action::Stop(StopReason::EntryFailed { reason: field.basic(), qualification: qualification()? }));
    }
    let reason = match field.reason() {
        Ok(reason) => reason,
        Err(basic) => return Ok(Action::Stop(StopReason::UnexpectedExit { basic, qualification: qualification()? })),
    };
    Ok(match reason {
        ExitReason::Cpuid => cpuid::handle(ctx.regs, ctx.platform.lapic()),
        ExitReason::Vmcall => hypercall::handle(ctx),
        // HLT with interrupts disabled ends only by an NMI: with none
        // pending or possible from the platform, the partition is done.
        // With interrupts enabled it sleeps until one is pending.
        ExitReason::Hlt if vmread(GuestNatural::RFLAGS)? & RFLAGS_IF == 0 && !ctx.platform.pending().nmi => {
            Action::Stop(StopReason::Halted)
        }
        ExitReason::Hlt => Action::Halt,
        // The guest can now take what was pending: the entry path injects it.
        ExitReason::InterruptWindow | ExitReason::NmiWindow => Action::Resume,
        // The guest lowered CR8 below the class of an interrupt its TPR held
        // back (trap-like: RIP is past the MOV); the entry path injects it.
        ExitReason::TprBelowThreshold => Action::Resume,
        // The CPU completed the EOI of a level-triggered vector (the
        // EOI-exit bitmap is the TMR; trap-like, SDM 30.1.4): the I/O APIC
        // must hear of it. The qualification is the vector.
        ExitReason::VirtualizedEoi => {
            ctx.platform.virtual_level_eoi((qualification()? & 0xFF) as u8);
            Action::Resume
        }
        ExitReason::IoInstruction => io::handle(ctx, qualification()?)?,
        ExitReason::Rdmsr => msr::read(ctx)?,
        ExitReason::Wrmsr => msr::write(ctx)?,
        ExitReason::CrAccess => cr::handle(ctx, qualification()?)?,
        ExitReason::Xsetbv => xsetbv::handle(ctx)?,
        // INVD would discard the guest's dirty cache lines and WBINVD flush
        // everyone's: neither may touch other partitions' memory. Both are
        // completed as no-ops (the guest's memory is write-back cacheable
        // and coherent; nothing it owns needs either).
        ExitReason::Invd | ExitReason::Wbinvd => Action::Advance,
        // VT-x is not offered to guests: its instructions are undefined there.
        reason if reason.is_vmx_instruction() => exception(hv_vmx::vector::UD)?,
        ExitReason::EptViolation => ept::violation(ctx, qualification()?)?,
        ExitReason::EptMisconfig => ept::misconfiguration()?,
        ExitReason::TripleFault => Action::Stop(StopReason::TripleFault { rip: vmread(GuestNatural::RIP)? }),
        ExitReason::Init => Action::Stop(StopReason::InitSignal),
        // A SIPI only matters in wait-for-SIPI state, which our vCPUs never enter.
        ExitReason::Sipi => Action::Resume,
        ExitReason::ExternalInterrupt => {
            // The exit acknowledged the interrupt; finish it at the APIC.
            // The hypervisor has no interrupt-driven device yet, so the
            // interrupt is otherwise dropped.
            if !interrupt_controllers::local_apic_eoi() {
                log::warn!("external interrupt: the local APIC is not reachable for EOI");
            }
            Action::Resume
        }
        ExitReason::PreemptionTimer => Action::Resume,
        other => Action::Stop(StopReason::UnexpectedExit { basic: other as u16, qualification: qualification()? }),
    })
}

fn inject(event: &Event) -> Result<(), VmFail> {
    vmwrite(hv_vmx::Control32::ENTRY_INTERRUPTION_INFO, u64::from(event.to_entry_info()))?;
    if let Some(code) = event.error_code {
        vmwrite(hv_vmx::Control32::ENTRY_EXCEPTION_ERROR_CODE, u64::from(code))?;
    }
    Ok(())
}

/// RFLAGS.IF (bit 9).
const RFLAGS_IF: u64 = 1 << 9;

/// Interruptibility bits that an instruction boundary ends: blocking by STI
/// (bit 0) and by MOV SS (bit 1) (SDM 25.4.2, Table 25-3).
const BLOCKING_BY_STI_OR_MOV_SS: u64 =
    (hv_vmx::injection::BLOCKING_BY_STI | hv_vmx::injection::BLOCKING_BY_MOV_SS) as u64;

/// Carries out `action` except `Stop`, which the caller handles.
pub fn apply(action: &Action) -> Result<(), VmFail> {
    match action {
        Action::Resume | Action::Stop(_) => Ok(()),
        Action::Advance | Action::Yield | Action::Halt | Action::Skip(_) => {
            let length = match action {
                Action::Skip(length) => u64::from(*length),
                _ => vmread(ExitInfo32::EXIT_INSTRUCTION_LENGTH)?,
            };
            let rip = vmread(GuestNatural::RIP)?;
            vmwrite(GuestNatural::RIP, rip.wrapping_add(length))?;
            let interruptibility = vmread(hv_vmx::Guest32::INTERRUPTIBILITY_STATE)?;
            if interruptibility & BLOCKING_BY_STI_OR_MOV_SS != 0 {
                vmwrite(hv_vmx::Guest32::INTERRUPTIBILITY_STATE, interruptibility & !BLOCKING_BY_STI_OR_MOV_SS)?;
            }
            Ok(())
        }
        Action::Inject(event) => inject(event),
        Action::InjectPageFault { linear, error_code } => {
            // VM entry does not load CR2: the guest sees the register as it is.
            cpu::write_cr2(*linear);
            let event = Event::hardware_exception(hv_vmx::vector::PF, Some(*error_code));
            event.map_or(Err(VmFail::Invalid), |event| inject(&event))
        }
    }
}
