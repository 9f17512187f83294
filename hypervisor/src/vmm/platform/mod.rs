//! The machine a partition sees beyond its CPU and memory: its interrupt
//! controllers and timers, and how their interrupts reach its vCPU.
//!
//! Each partition has its own instance of every device; nothing a guest
//! writes reaches a physical device. Devices are pure models (`hv-lapic`,
//! ...) driven by trapped accesses and by the TSC: before each VM entry the
//! platform is brought up to the current TSC ([`VirtualPlatform::poll`]),
//! and the vCPU's next device deadline bounds how long it may run before
//! the VMX-preemption timer brings it back ([`VirtualPlatform::next_deadline`]).
//!
//! Routing (docs/platform.md has the whole map):
//! - the local APIC's own sources (timer, error, self-IPIs) go to its IRR;
//! - an IPI goes only to vCPUs of this partition; one that names anybody
//!   else (another APIC ID, "all excluding self" with one vCPU) is dropped
//!   and counted;
//! - NMIs (LINT1, NMI IPIs) are injected as NMIs.

pub mod clock;

use hv_lapic::{DeliveryMode, Effect, Ipi, LocalApic, Mode};
use hv_vmx::PendingEvents;

/// Counters of what the platform refused or dropped, for the report.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlatformCounters {
    /// IPIs that named no vCPU of the partition (or used a mode a guest
    /// may not send: SMI, INIT and start-up to itself, reserved).
    pub ipis_dropped: u64,
    /// IPIs delivered to a vCPU of the partition.
    pub ipis_delivered: u64,
    /// Accesses to APIC registers refused with #GP.
    pub apic_faults: u64,
    /// Interrupts injected.
    pub interrupts_injected: u64,
    /// NMIs injected.
    pub nmis_injected: u64,
}

/// One partition's platform devices (one vCPU so far).
pub struct VirtualPlatform {
    /// The vCPU's local APIC.
    pub lapic: LocalApic,
    /// What was refused or dropped.
    pub counters: PlatformCounters,
}

impl VirtualPlatform {
    /// The platform as firmware would leave it: the APIC enabled in virtual
    /// wire mode (`hv_lapic::LocalApic::after_firmware`).
    pub fn new(tsc_hz: u64) -> Self {
        Self {
            lapic: LocalApic::after_firmware(0, true, clock::timer_clock(tsc_hz)),
            counters: PlatformCounters::default(),
        }
    }

    /// Brings the timers up to `now`.
    pub fn poll(&mut self, now: u64) {
        self.lapic.poll_timer(now);
    }

    /// What is pending for the vCPU.
    pub fn pending(&self) -> PendingEvents {
        PendingEvents { nmi: self.lapic.nmi_pending(), interrupt: self.lapic.deliverable().is_some() }
    }

    /// Whether a halted vCPU wakes at `now`: something is pending, or a
    /// timer has expired (which [`poll`](Self::poll) turns into an interrupt).
    pub fn would_wake(&self, now: u64) -> bool {
        let pending = self.pending();
        pending.nmi || pending.interrupt || self.next_deadline().is_some_and(|deadline| deadline <= now)
    }

    /// The TSC time of the next device event (a timer expiry), if any.
    pub fn next_deadline(&self) -> Option<u64> {
        self.lapic.next_timer_expiry()
    }

    /// Takes the interrupt to inject: its vector, moved to in-service.
    pub fn take_interrupt(&mut self) -> Option<u8> {
        let vector = self.lapic.deliverable()?;
        self.lapic.acknowledge(vector);
        self.counters.interrupts_injected += 1;
        Some(vector)
    }

    /// Takes the pending NMI.
    pub fn take_nmi(&mut self) -> bool {
        let taken = self.lapic.take_nmi().is_some();
        if taken {
            self.counters.nmis_injected += 1;
        }
        taken
    }

    /// Carries out what an APIC write asked for.
    pub fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::None | Effect::BaseChanged | Effect::LevelEoi(_) => {}
            Effect::Ipi(ipi) => self.route(&ipi),
        }
    }

    /// Routes an IPI to the vCPUs of this partition it names.
    fn route(&mut self, ipi: &Ipi) {
        let id = self.lapic.id();
        let (ldr, dfr) = self.lapic.logical_destination();
        let x2apic = self.lapic.mode() == Mode::X2Apic;
        let to_self = ipi.targets(id, id, ldr, dfr, x2apic);
        // An INIT or start-up to the only vCPU would reset the partition's
        // one processor with nobody to start it again; SMIs are never
        // guests'. Those and IPIs naming nobody here are dropped.
        let deliverable = matches!(ipi.mode, DeliveryMode::Fixed | DeliveryMode::LowestPriority | DeliveryMode::Nmi);
        if to_self && deliverable && self.lapic.receive_ipi(ipi) {
            self.counters.ipis_delivered += 1;
        } else {
            self.counters.ipis_dropped += 1;
        }
    }
}
