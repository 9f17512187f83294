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
//! - NMIs (LINT1, NMI IPIs) are injected as NMIs;
//! - the I/O APIC's redirection entries deliver to the local APIC whose ID
//!   (physical) or logical ID matches, NMI as NMI; an EOI of a
//!   level-triggered vector is broadcast back to it (SDM Vol. 3A 11.8.5).
//!
//! - the ISA interrupt lines: the PIT's OUT0 is IRQ0, the UART's INTR is
//!   IRQ4; each goes to the 8259 pair (IRQ n) and to the I/O APIC (pin n,
//!   except IRQ0 on pin 2, the wiring ACPI's default interrupt source
//!   override describes); the 8259's INT reaches the vCPU through LINT0 in
//!   ExtINT mode, or directly when the local APIC is disabled (SDM Vol. 3A
//!   11.4.3: the processor then sees the INTR pin).
//!
//! Device pages (the xAPIC page where IA32_APIC_BASE puts it, the I/O APIC
//! at 0xFEC00000) are never mapped in the EPT: every access exits and is
//! emulated (`exit/mmio.rs`).

pub mod clock;

use hv_ioapic::IoApic;
use hv_lapic::{DeliveryMode, Effect, Ipi, LocalApic, LvtIndex, Mode};
use hv_pic::PicPair;
use hv_pit::Pit;
use hv_uart::{ModemInputs, Uart16550};
use hv_vmx::PendingEvents;

/// Counters of what the platform refused or dropped, for the report.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlatformCounters {
    /// APIC timer expiries (periods, when periodic).
    pub timer_expiries: u64,
    /// Interrupts the local APIC refused for an illegal vector (0-15).
    pub illegal_vectors: u64,
    /// IPIs that named no vCPU of the partition (or used a mode a guest
    /// may not send: SMI, INIT and start-up to itself, reserved).
    pub ipis_dropped: u64,
    /// IPIs delivered to a vCPU of the partition.
    pub ipis_delivered: u64,
    /// Accesses to APIC registers refused with #GP.
    pub apic_faults: u64,
    /// Writes of IA32_APIC_BASE that would have put the APIC page over
    /// the partition's memory or the I/O APIC (#GP).
    pub apic_base_refused: u64,
    /// I/O APIC messages that named no local APIC of the partition.
    pub ioapic_dropped: u64,
    /// MMIO accesses of a size or alignment the device does not decode.
    pub mmio_ignored: u64,
    /// Interrupts injected.
    pub interrupts_injected: u64,
    /// NMIs injected.
    pub nmis_injected: u64,
    /// Interrupts the CPU delivered itself (virtual-interrupt delivery).
    pub virtual_deliveries: u64,
}

impl PlatformCounters {
    /// Adds `other` to these.
    pub fn add(&mut self, other: &Self) {
        self.timer_expiries += other.timer_expiries;
        self.illegal_vectors += other.illegal_vectors;
        self.ipis_dropped += other.ipis_dropped;
        self.ipis_delivered += other.ipis_delivered;
        self.apic_faults += other.apic_faults;
        self.apic_base_refused += other.apic_base_refused;
        self.ioapic_dropped += other.ioapic_dropped;
        self.mmio_ignored += other.mmio_ignored;
        self.interrupts_injected += other.interrupts_injected;
        self.nmis_injected += other.nmis_injected;
        self.virtual_deliveries += other.virtual_deliveries;
    }

    /// Whether anything was counted.
    pub fn any(&self) -> bool {
        self.interrupts_injected
            + self.nmis_injected
            + self.virtual_deliveries
            + self.ipis_dropped
            + self.ipis_delivered
            + self.apic_faults
            + self.apic_base_refused
            + self.ioapic_dropped
            + self.illegal_vectors
            + self.timer_expiries
            > 0
    }
}

impl core::fmt::Display for PlatformCounters {
    /// `N injected (N NMIs), N delivered by the CPU; APIC timer N expiries; IPIs N delivered, N dropped; ...`
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} injected ({} NMIs), {} delivered by the CPU; APIC timer {} expiries; IPIs {} delivered, {} dropped; refused: {} APIC accesses (#GP), \
             {} APIC base moves, {} illegal vectors, {} I/O APIC messages, {} MMIO of a size no register has",
            self.interrupts_injected,
            self.nmis_injected,
            self.virtual_deliveries,
            self.timer_expiries,
            self.ipis_delivered,
            self.ipis_dropped,
            self.apic_faults,
            self.apic_base_refused,
            self.illegal_vectors,
            self.ioapic_dropped,
            self.mmio_ignored
        )
    }
}

/// The I/O APIC's ID (the local APICs' IDs start at 0).
const IOAPIC_ID: u8 = 1;
/// The I/O APIC pin of ISA IRQ0 (the PIT).
const PIT_IOAPIC_PIN: u8 = 2;
/// The ISA IRQ (and I/O APIC pin) of COM1.
const UART_IRQ: u8 = 4;

/// One partition's platform devices (one vCPU so far).
pub struct VirtualPlatform {
    /// The vCPU's local APIC.
    lapic: LocalApic,
    /// The I/O APIC at [`hv_ioapic::regs::MMIO_BASE`].
    ioapic: IoApic,
    /// The 8259 pair at 0x20/0xA0 (and ELCR 0x4D0/0x4D1).
    pic: PicPair,
    /// The 8254 at 0x40-0x43 and port 0x61.
    pit: Pit,
    /// The 16550 at COM1.
    uart: Uart16550,
    /// A device was accessed since the last [`poll`](Self::poll): what is
    /// pending and the next deadline must be worked out again.
    dirty: bool,
    /// The next device deadline, as of the last poll.
    next_event: Option<u64>,
    /// What was pending at the last poll, for injection.
    pending: PendingEvents,
    /// The CPU delivers the local APIC's interrupts itself (virtual-interrupt
    /// delivery, `vmm/apic_virtualization.rs`): they are never injected.
    virtual_delivery: bool,
    /// The local APIC had a deliverable interrupt at the last poll.
    lapic_deliverable: bool,
    /// The guest accessed the local APIC since its registers were last
    /// published into the virtual-APIC page.
    lapic_accessed: bool,
    /// Counts the changes of interrupt state seen by the hypervisor (a
    /// poll that did work, an interrupt taken): state derived from it
    /// (the TPR threshold) is recomputed only when this moves.
    generation: u64,
    /// The UART's interrupt line as last driven.
    uart_line: bool,
    /// What was refused or dropped.
    pub counters: PlatformCounters,
}

impl VirtualPlatform {
    /// The platform as firmware would leave it: the APIC enabled in virtual
    /// wire mode (`hv_lapic::LocalApic::after_firmware`). With
    /// `virtual_delivery` the CPU delivers the local APIC's interrupts.
    pub fn new(tsc_hz: u64, virtual_delivery: bool) -> Self {
        Self {
            lapic: LocalApic::after_firmware(0, true, clock::timer_clock(tsc_hz)),
            ioapic: IoApic::new(IOAPIC_ID),
            pic: PicPair::new(),
            pit: Pit::new(tsc_hz),
            uart: Uart16550::with_modem_inputs(ModemInputs::CONNECTED),
            uart_line: false,
            dirty: true,
            next_event: None,
            pending: PendingEvents::default(),
            virtual_delivery,
            lapic_deliverable: false,
            lapic_accessed: true,
            generation: 0,
            counters: PlatformCounters::default(),
        }
    }

    /// The counters, with the local APIC's own.
    pub fn counters(&self) -> PlatformCounters {
        let apic = self.lapic.snapshot();
        PlatformCounters { timer_expiries: apic.timer_expiries, illegal_vectors: apic.illegal_vectors, ..self.counters }
    }

    /// The local APIC, to read.
    pub fn lapic(&self) -> &LocalApic {
        &self.lapic
    }

    /// The local APIC, to access as the guest does.
    pub fn lapic_mut(&mut self) -> &mut LocalApic {
        self.dirty = true;
        self.lapic_accessed = true;
        &mut self.lapic
    }

    /// The UART, to access as the guest does (call
    /// [`update_lines`](Self::update_lines) after).
    pub fn uart_mut(&mut self) -> &mut Uart16550 {
        self.dirty = true;
        &mut self.uart
    }

    /// Brings the devices up to `now`: expired timers become interrupts,
    /// and what is pending and the next deadline are worked out again. On
    /// the VM-entry fast path (nothing accessed, no deadline reached) this
    /// is one comparison.
    pub fn poll(&mut self, now: u64) {
        if !self.dirty && self.next_event.is_none_or(|deadline| now < deadline) {
            return;
        }
        self.lapic.poll_timer(now);
        self.update_lines(now);
        self.next_event = self.compute_next_deadline(now);
        self.lapic_deliverable = self.lapic.deliverable().is_some();
        self.pending = PendingEvents {
            nmi: self.lapic.nmi_pending(),
            interrupt: self.pic_interrupt() || (self.lapic_deliverable && !self.virtual_delivery),
        };
        self.dirty = false;
        self.generation += 1;
    }

    /// See the `generation` field: it moves whenever the interrupt state
    /// may have changed.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Drives the ISA interrupt lines from the devices' state at `now`:
    /// the PIT's edges on IRQ0, the UART's interrupt output on IRQ4.
    pub fn update_lines(&mut self, now: u64) {
        if self.pit.irq0_edges(now) > 0 {
            self.pic.pulse_irq(0);
            self.ioapic.set_irq(PIT_IOAPIC_PIN, true);
            self.ioapic.set_irq(PIT_IOAPIC_PIN, false);
        }
        let uart = self.uart.irq_asserted();
        if uart != self.uart_line {
            self.uart_line = uart;
            self.pic.set_irq(UART_IRQ, uart);
            self.ioapic.set_irq(UART_IRQ, uart);
        }
        self.deliver_ioapic();
    }

    /// A read of one of the platform's ports (PICs, ELCR, PIT, port 0x61).
    pub fn port_read(&mut self, port: u16, now: u64) -> Option<u8> {
        if hv_pic::PORTS.contains(&port) {
            self.dirty = true;
            return Some(self.pic.read(port));
        }
        if hv_pit::PORTS.contains(&port) {
            self.dirty = true;
            return Some(self.pit.read(port, now));
        }
        None
    }

    /// A write of one of the platform's ports; others are ignored.
    pub fn port_write(&mut self, port: u16, value: u8, now: u64) {
        if hv_pic::PORTS.contains(&port) {
            self.dirty = true;
            self.pic.write(port, value);
        } else if hv_pit::PORTS.contains(&port) {
            self.dirty = true;
            self.pit.write(port, value, now);
            // A control word or count can raise OUT0 at once.
            self.update_lines(now);
        }
    }

    /// Whether the 8259's INT reaches the vCPU: through LINT0 in ExtINT
    /// mode, unmasked, or straight to the INTR pin with the APIC disabled.
    fn pic_interrupt(&self) -> bool {
        if !self.pic.has_interrupt() {
            return false;
        }
        if self.lapic.mode() == Mode::Disabled {
            return true;
        }
        let lint0 = self.lapic.lvt(LvtIndex::Lint0);
        !lint0.masked() && lint0.delivery_mode(LvtIndex::Lint0) == DeliveryMode::ExtInt
    }

    /// What is pending for the vCPU to be injected, as of the last
    /// [`poll`](Self::poll).
    pub fn pending(&self) -> PendingEvents {
        self.pending
    }

    /// Whether a halted vCPU wakes: an interrupt or NMI is pending (call
    /// [`poll`](Self::poll) first to turn expired timers into interrupts).
    pub fn wakes(&self) -> bool {
        let pending = self.pending();
        pending.nmi || pending.interrupt || self.lapic_deliverable
    }

    /// The TSC time of the next device event (a timer expiry, a PIT edge
    /// on a line some controller listens to), as of the last poll.
    pub fn next_deadline(&self) -> Option<u64> {
        self.next_event
    }

    fn compute_next_deadline(&self, now: u64) -> Option<u64> {
        let pit_heard =
            self.pic.state().master.imr & 1 == 0 || self.ioapic.entry(PIT_IOAPIC_PIN).is_some_and(|e| !e.masked());
        let pit = if pit_heard { self.pit.next_irq0_deadline(now) } else { None };
        match (self.lapic.next_timer_expiry(), pit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Takes the interrupt to inject: its vector, acknowledged at its
    /// controller (the 8259's INTA cycle, or the local APIC's IRR to ISR).
    pub fn take_interrupt(&mut self) -> Option<u8> {
        self.dirty = true;
        self.generation += 1;
        if self.pic_interrupt() {
            self.counters.interrupts_injected += 1;
            return Some(self.pic.acknowledge());
        }
        if self.virtual_delivery {
            return None;
        }
        let vector = self.lapic.deliverable()?;
        self.lapic.acknowledge(vector);
        self.counters.interrupts_injected += 1;
        Some(vector)
    }

    /// Takes the pending NMI.
    pub fn take_nmi(&mut self) -> bool {
        self.dirty = true;
        let taken = self.lapic.take_nmi().is_some();
        if taken {
            self.counters.nmis_injected += 1;
        }
        taken
    }

    /// Writes the local APIC into its virtual-APIC page (virtual-interrupt
    /// delivery): its interrupt state, and the registers the CPU may read
    /// when `registers` or when the guest accessed the APIC since the last
    /// time; returns what the VMCS must hold with it.
    pub fn publish_virtual_apic(
        &mut self,
        page: &mut hv_lapic::VirtualApicPage,
        now: u64,
        registers: bool,
    ) -> hv_lapic::Published {
        let registers = core::mem::take(&mut self.lapic_accessed) || registers;
        self.lapic.publish(page, now, registers)
    }

    /// Takes over the deliveries and EOIs the CPU completed in the
    /// virtual-APIC page.
    pub fn absorb_virtual_apic(&mut self, page: &hv_lapic::VirtualApicPage) {
        let absorbed = self.lapic.absorb(page);
        if absorbed != hv_lapic::Absorbed::default() {
            self.counters.virtual_deliveries += u64::from(absorbed.delivered);
            self.dirty = true;
        }
    }

    /// The CPU completed the EOI of level-triggered `vector` and exited
    /// (EOI-induced VM exit): the I/O APIC hears of it.
    pub fn virtual_level_eoi(&mut self, vector: u8) {
        self.dirty = true;
        let effect = self.lapic.virtual_level_eoi(vector);
        self.apply(effect);
    }

    /// Carries out what an APIC write asked for.
    pub fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::None | Effect::BaseChanged => {}
            Effect::LevelEoi(vector) => {
                self.ioapic.eoi(vector);
                self.deliver_ioapic();
            }
            Effect::Ipi(ipi) => self.route(&ipi),
        }
    }

    /// Whether `gpa` is on one of the platform's device pages.
    pub fn is_device(&self, gpa: u64) -> bool {
        self.xapic_offset(gpa).is_some() || ioapic_offset(gpa).is_some()
    }

    /// The offset in the xAPIC page, when the APIC is in xAPIC mode and
    /// `gpa` is on its page.
    fn xapic_offset(&self, gpa: u64) -> Option<u32> {
        let base = self.lapic.base().address();
        (self.lapic.mode() == Mode::XApic && gpa & !0xFFF == base).then_some((gpa & 0xFFF) as u32)
    }

    /// An MMIO read of `size` bytes at `gpa` (a device page).
    pub fn mmio_read(&mut self, gpa: u64, size: u8, now: u64) -> u64 {
        self.dirty = true;
        if let Some(offset) = self.xapic_offset(gpa) {
            // Registers are 32 bits wide at 16-byte-aligned offsets; a
            // narrower read inside one returns those bytes (SDM 11.4.1).
            let shift = (offset & 3) * 8;
            if u32::from(size) + (offset & 3) > 4 {
                self.counters.mmio_ignored += 1;
                return 0;
            }
            let value = u64::from(self.lapic.read_mmio(offset & !3, now)) >> shift;
            return value & size_mask(size);
        }
        if let Some(offset) = ioapic_offset(gpa) {
            return u64::from(self.ioapic.read(offset, size));
        }
        0
    }

    /// An MMIO write of `size` bytes at `gpa` (a device page).
    pub fn mmio_write(&mut self, gpa: u64, size: u8, value: u64, now: u64) {
        self.dirty = true;
        if let Some(offset) = self.xapic_offset(gpa) {
            // Only aligned 32-bit writes reach a register (SDM 11.4.1:
            // other accesses are undefined); the rest are counted.
            if size != 4 || offset & 3 != 0 {
                self.counters.mmio_ignored += 1;
                return;
            }
            let effect = self.lapic.write_mmio(offset, (value & 0xFFFF_FFFF) as u32, now);
            self.apply(effect);
            return;
        }
        if let Some(offset) = ioapic_offset(gpa) {
            self.ioapic.write(offset, size, (value & 0xFFFF_FFFF) as u32);
            self.deliver_ioapic();
        }
    }

    /// Hands the I/O APIC's messages to the local APIC they name.
    fn deliver_ioapic(&mut self) {
        while let Some(message) = self.ioapic.take_delivery() {
            let id = self.lapic.id();
            let (ldr, dfr) = self.lapic.logical_destination();
            let ipi = Ipi {
                vector: message.vector,
                mode: match message.delivery_mode {
                    hv_ioapic::DeliveryMode::Fixed => DeliveryMode::Fixed,
                    hv_ioapic::DeliveryMode::LowestPriority => DeliveryMode::LowestPriority,
                    hv_ioapic::DeliveryMode::Nmi => DeliveryMode::Nmi,
                    hv_ioapic::DeliveryMode::Smi => DeliveryMode::Smi,
                    hv_ioapic::DeliveryMode::Init => DeliveryMode::Init,
                    hv_ioapic::DeliveryMode::ExtInt => DeliveryMode::ExtInt,
                },
                shorthand: hv_lapic::Shorthand::None,
                destination: if message.logical {
                    hv_lapic::Destination::Logical(u32::from(message.destination))
                } else {
                    hv_lapic::Destination::Physical(u32::from(message.destination))
                },
                assert: true,
                level_triggered: message.level_triggered,
            };
            // The I/O APIC's 8-bit destination, as an xAPIC sees it.
            let named = ipi.targets(u32::MAX, id, ldr, dfr, false);
            let delivered = named
                && matches!(ipi.mode, DeliveryMode::Fixed | DeliveryMode::LowestPriority | DeliveryMode::Nmi)
                && self.lapic.receive_ipi(&ipi);
            if !delivered {
                self.counters.ioapic_dropped += 1;
            }
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

/// The offset in the I/O APIC's page, if `gpa` is on it.
fn ioapic_offset(gpa: u64) -> Option<u64> {
    let base = hv_ioapic::regs::MMIO_BASE;
    (base..base + hv_ioapic::regs::MMIO_SIZE).contains(&gpa).then(|| gpa - base)
}

/// The mask of a `size`-byte value.
fn size_mask(size: u8) -> u64 {
    if size >= 8 {
        u64::MAX
    } else {
        (1u64 << (u32::from(size) * 8)) - 1
    }
}
