//! Event delivery at VM entry: the vCPU's pending NMI or interrupt goes in
//! when the guest can take it, the interrupt- or NMI-window exit is asked
//! for when it cannot (the decision is `hv_vmx::injection::plan`), and an
//! event whose delivery a VM exit interrupted is delivered again.
//!
//! SDM Vol. 3C: 25.8.3 (VM-entry controls for event injection), 26.7.5 and
//! 26.7.6 (interrupt-window and NMI-window exiting), 27.6 (event injection
//! on VM entry), 28.2.4 and 29.2.4 (IDT-vectoring information, and
//! re-injecting the event it describes).

use hv_vmx::{
    injection, Control32, Event, EventType, ExitInfo32, ExitInterruptionInfo, GuestNatural, GuestReadiness, Injectable,
    PrimaryProcBased,
};

use super::platform::VirtualPlatform;
use crate::arch::x86_64::vmx::instructions::{vmread, vmwrite};
use crate::arch::x86_64::vmx::VmFail;

/// A vCPU's event-delivery state between exits.
pub struct EventDelivery {
    /// The primary processor-based controls without the window bits.
    primary: u32,
    /// The window bits now set in the VMCS.
    windows: u32,
    /// Whether the NMI-window control may be used ("virtual NMIs" is on).
    nmi_window_allowed: bool,
    /// An event is in the VM-entry interruption-information field for the
    /// coming entry.
    queued: bool,
    /// The last entry injected an event (its delivery may be interrupted).
    injected: bool,
}

impl EventDelivery {
    /// The state of a new vCPU whose VMCS holds `primary` controls.
    pub fn new(primary: u32, nmi_window_allowed: bool) -> Self {
        Self { primary, windows: 0, nmi_window_allowed, queued: false, injected: false }
    }

    /// A handler put an event (an exception) in the entry field.
    pub fn queued_by_handler(&mut self) {
        self.queued = true;
    }

    /// Before each VM entry, with the platform brought up to date: inject
    /// what the guest can take now, open the windows for what it cannot.
    pub fn before_entry(&mut self, platform: &mut VirtualPlatform) -> Result<(), VmFail> {
        let pending = platform.pending();
        if !pending.nmi && !pending.interrupt && self.windows == 0 {
            self.injected = self.queued;
            self.queued = false;
            return Ok(());
        }
        let readiness = GuestReadiness {
            rflags: vmread(GuestNatural::RFLAGS)?,
            interruptibility: u32::try_from(vmread(hv_vmx::Guest32::INTERRUPTIBILITY_STATE)?).unwrap_or(0),
            event_queued: self.queued,
        };
        // Without "virtual NMIs" there is no NMI-window exit: a blocked NMI is
        // then retried at each entry instead.
        let plan = injection::plan(readiness, pending);
        let event = match plan.inject {
            Some(Injectable::Nmi) if platform.take_nmi() => Some(Event::nmi()),
            Some(Injectable::Interrupt) => platform.take_interrupt().map(Event::external_interrupt),
            _ => None,
        };
        if let Some(event) = event {
            vmwrite(Control32::ENTRY_INTERRUPTION_INFO, u64::from(event.to_entry_info()))?;
            self.queued = true;
        }
        let mut windows = 0;
        if plan.interrupt_window {
            windows |= PrimaryProcBased::INTERRUPT_WINDOW.bits();
        }
        if plan.nmi_window && self.nmi_window_allowed {
            windows |= PrimaryProcBased::NMI_WINDOW.bits();
        }
        if windows != self.windows {
            vmwrite(Control32::PRIMARY_PROC_BASED, u64::from(self.primary | windows))?;
            self.windows = windows;
        }
        self.injected = self.queued;
        self.queued = false;
        Ok(())
    }

    /// After each VM exit: if the exit interrupted the delivery of an event
    /// (the IDT-vectoring information is valid), queue it again for the
    /// next entry, as SDM 29.2.4 says a VMM must. Only an entry that
    /// injected can have its own event interrupted this way; guest-raised
    /// events interrupted by exits are handled by the exit's handler (an
    /// EPT violation during delivery stops the partition).
    pub fn after_exit(&mut self) -> Result<(), VmFail> {
        if !core::mem::take(&mut self.injected) {
            return Ok(());
        }
        let info = ExitInterruptionInfo(u32::try_from(vmread(ExitInfo32::IDT_VECTORING_INFO)?).unwrap_or(0));
        if !info.valid() {
            return Ok(());
        }
        // Re-inject as it was: same vector, type and error code (bit 12 of
        // the vectoring information is undefined and must not be copied).
        vmwrite(Control32::ENTRY_INTERRUPTION_INFO, u64::from(info.0 & !(1 << 12) & 0x8000_0FFF))?;
        if info.error_code_valid() {
            let code = vmread(ExitInfo32::IDT_VECTORING_ERROR_CODE)?;
            vmwrite(Control32::ENTRY_EXCEPTION_ERROR_CODE, code)?;
        }
        if matches!(
            info.kind(),
            Some(EventType::SoftwareInterrupt | EventType::PrivilegedSoftwareException | EventType::SoftwareException)
        ) {
            let length = vmread(ExitInfo32::EXIT_INSTRUCTION_LENGTH)?;
            vmwrite(Control32::ENTRY_INSTRUCTION_LENGTH, length)?;
        }
        self.queued = true;
        Ok(())
    }
}
