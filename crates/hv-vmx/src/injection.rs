//! When a pending event may be injected at VM entry, and what to ask the
//! processor for when it may not (SDM Vol. 3C 25.4.2 "Guest Non-Register
//! State", Table 25-3 "Format of Interruptibility State"; 27.3.1.5 "Checks
//! on Guest Non-Register State" for the entry rules on injection; 26.7.5
//! and 26.7.6 for interrupt-window and NMI-window exiting; Vol. 3A 6.8.3
//! "Masking Exceptions and Interrupts When Switching Stacks" and 6.7.1
//! "Handling Multiple NMIs").
//!
//! One decision per VM entry: an NMI before an external interrupt (the
//! architectural priority, Vol. 3A 6.9 Table 6-2), each only when the guest
//! could take it natively; otherwise the matching window exiting control,
//! so the processor exits as soon as the guest can — never polling.

/// Interruptibility bit 0: blocking by STI.
pub const BLOCKING_BY_STI: u32 = 1 << 0;
/// Interruptibility bit 1: blocking by MOV SS / POP SS.
pub const BLOCKING_BY_MOV_SS: u32 = 1 << 1;
/// Interruptibility bit 3: blocking by NMI (an NMI handler has not yet
/// executed IRET).
pub const BLOCKING_BY_NMI: u32 = 1 << 3;

/// RFLAGS.IF.
const RFLAGS_IF: u64 = 1 << 9;

/// What the guest is doing at the coming VM entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestReadiness {
    /// The guest's RFLAGS.
    pub rflags: u64,
    /// The guest interruptibility state field.
    pub interruptibility: u32,
    /// An event is already in the VM-entry interruption-information field
    /// (an exception a handler injects, or one whose delivery an exit
    /// interrupted): nothing else may be injected at this entry.
    pub event_queued: bool,
}

/// What is pending for the vCPU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PendingEvents {
    /// An NMI.
    pub nmi: bool,
    /// A maskable external interrupt (from the local APIC or the 8259).
    pub interrupt: bool,
}

/// The decision for this entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InjectionPlan {
    /// Inject this now (at most one event per entry).
    pub inject: Option<Injectable>,
    /// Set "interrupt-window exiting" (26.7.5): an interrupt waits for
    /// RFLAGS.IF or the end of STI/MOV SS blocking.
    pub interrupt_window: bool,
    /// Set "NMI-window exiting" (26.7.6): an NMI waits for NMI blocking to
    /// end.
    pub nmi_window: bool,
}

/// The kind of event to inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injectable {
    /// The pending NMI.
    Nmi,
    /// The highest-priority pending external interrupt.
    Interrupt,
}

/// Decides what to inject at the next VM entry and which windows to open.
///
/// - A maskable interrupt may be injected only with RFLAGS.IF = 1 and no
///   blocking by STI or MOV SS (27.3.1.5).
/// - An NMI may be injected without blocking by NMI or MOV SS; blocking by
///   STI is also treated as blocking (27.3.1.5 allows processors to refuse
///   an NMI injection under STI blocking).
/// - With an event already queued, nothing more is injected; the windows
///   bring the processor back right after it has been delivered.
pub fn plan(guest: GuestReadiness, pending: PendingEvents) -> InjectionPlan {
    let shadow = guest.interruptibility & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS) != 0;
    let nmi_ready = !shadow && guest.interruptibility & BLOCKING_BY_NMI == 0;
    let interrupt_ready = !shadow && guest.rflags & RFLAGS_IF != 0;
    let mut plan = InjectionPlan { inject: None, interrupt_window: false, nmi_window: false };
    if !guest.event_queued {
        if pending.nmi && nmi_ready {
            plan.inject = Some(Injectable::Nmi);
        } else if pending.interrupt && interrupt_ready {
            plan.inject = Some(Injectable::Interrupt);
        }
    }
    plan.nmi_window = pending.nmi && plan.inject != Some(Injectable::Nmi);
    plan.interrupt_window = pending.interrupt && plan.inject != Some(Injectable::Interrupt);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    const IF: u64 = RFLAGS_IF | 2;

    fn guest(rflags: u64, interruptibility: u32) -> GuestReadiness {
        GuestReadiness { rflags, interruptibility, event_queued: false }
    }

    #[test]
    fn interrupt_goes_in_when_the_guest_can_take_it() {
        let plan = plan(guest(IF, 0), PendingEvents { nmi: false, interrupt: true });
        assert_eq!(
            plan,
            InjectionPlan { inject: Some(Injectable::Interrupt), interrupt_window: false, nmi_window: false }
        );
    }

    #[test]
    fn interrupt_waits_for_if_and_for_the_sti_and_mov_ss_shadows() {
        for (rflags, interruptibility) in [(2, 0), (IF, BLOCKING_BY_STI), (IF, BLOCKING_BY_MOV_SS)] {
            let plan = plan(guest(rflags, interruptibility), PendingEvents { nmi: false, interrupt: true });
            assert_eq!(plan.inject, None);
            assert!(plan.interrupt_window);
            assert!(!plan.nmi_window);
        }
    }

    #[test]
    fn nmi_comes_first_and_ignores_if() {
        let plan = plan(guest(2, 0), PendingEvents { nmi: true, interrupt: true });
        assert_eq!(plan.inject, Some(Injectable::Nmi));
        assert!(plan.interrupt_window, "the interrupt still waits");
    }

    #[test]
    fn nmi_waits_while_an_nmi_handler_runs() {
        let plan = plan(guest(IF, BLOCKING_BY_NMI), PendingEvents { nmi: true, interrupt: true });
        assert_eq!(plan.inject, Some(Injectable::Interrupt), "NMI blocking does not block interrupts");
        assert!(plan.nmi_window);
    }

    #[test]
    fn a_queued_event_defers_everything_to_the_windows() {
        let mut readiness = guest(IF, 0);
        readiness.event_queued = true;
        let plan = plan(readiness, PendingEvents { nmi: true, interrupt: true });
        assert_eq!(plan.inject, None);
        assert!(plan.interrupt_window && plan.nmi_window);
    }

    #[test]
    fn nothing_pending_opens_no_window() {
        let plan = plan(guest(2, BLOCKING_BY_STI), PendingEvents::default());
        assert_eq!(plan, InjectionPlan { inject: None, interrupt_window: false, nmi_window: false });
    }
}
