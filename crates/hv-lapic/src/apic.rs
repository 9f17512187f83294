//! The local APIC register model: what a guest reads and writes, what
//! interrupts it has pending, and what its writes ask of the rest of the
//! machine.

use crate::base::{ApicBase, BaseError};
use crate::icr::{DeliveryMode, Ipi};
use crate::lvt::{Lvt, LvtIndex, TimerMode};
use crate::regs;
use crate::timer::{Timer, TimerClock};
use crate::vectors::VectorSet;

/// SVR bit 8: APIC software enable (SDM 11.4.7.2).
const SVR_ENABLE: u32 = 1 << 8;
/// The SVR bits software may write: vector and enable, focus checking
/// (bit 9). EOI-broadcast suppression (bit 12) is not offered (the version
/// register says so).
const SVR_WRITABLE: u32 = 0x3FF;
/// SVR after reset: vector 0xFF, software-disabled (SDM 11.4.7.1).
const SVR_RESET: u32 = 0xFF;

/// ESR bit 5: send illegal vector.
const ESR_SEND_ILLEGAL_VECTOR: u32 = 1 << 5;
/// ESR bit 6: receive illegal vector.
const ESR_RECEIVE_ILLEGAL_VECTOR: u32 = 1 << 6;
/// ESR bit 7: illegal register address (xAPIC).
const ESR_ILLEGAL_REGISTER: u32 = 1 << 7;

/// The ICR bits that exist (xAPIC low half): vector, delivery mode,
/// destination mode, level, trigger mode, shorthand.
const ICR_LOW_WRITABLE: u32 = 0xFF | (0b111 << 8) | (1 << 11) | (1 << 14) | (1 << 15) | (0b11 << 18);

/// The APIC's mode (IA32_APIC_BASE EN and EXTD).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Globally disabled (EN = 0): neither the page nor the MSRs respond.
    Disabled,
    /// xAPIC: registers in the MMIO page.
    XApic,
    /// x2APIC: registers in MSRs 0x800-0x8FF; the page does not respond.
    X2Apic,
}

/// Why an access gets #GP (x2APIC MSRs, IA32_APIC_BASE, SDM 11.12.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The MSR is not an x2APIC register, or the APIC is not in x2APIC mode.
    NoSuchRegister(u32),
    /// A read of a write-only or a write of a read-only register.
    WrongDirection(u32),
    /// Reserved bits set in the value (EOI and ESR take only 0, ICR's
    /// reserved bits).
    ReservedBits(u32),
    /// IA32_APIC_BASE refused the value.
    Base(BaseError),
}

/// What a guest's write asks of the rest of the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing beyond the APIC.
    None,
    /// Send this IPI (the hypervisor routes it; it never reaches hardware).
    Ipi(Ipi),
    /// An EOI for a level-triggered interrupt with this vector: the I/O
    /// APIC clears its remote IRR (SDM 11.8.5).
    LevelEoi(u8),
    /// IA32_APIC_BASE changed the mode or the page's address.
    BaseChanged,
}

/// Figures for monitoring and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Interrupts accepted into the IRR.
    pub accepted: u64,
    /// Fixed interrupts with vectors 0-15 refused (ESR "receive illegal vector").
    pub illegal_vectors: u64,
    /// Interrupts refused because the APIC was disabled.
    pub refused_disabled: u64,
    /// Interrupts that found their vector already pending and merged.
    pub coalesced: u64,
    /// Timer expiries.
    pub timer_expiries: u64,
    /// EOIs written.
    pub eois: u64,
}

/// One vCPU's local APIC.
#[derive(Clone, Debug)]
pub struct LocalApic {
    id: u32,
    base: ApicBase,
    clock: TimerClock,
    tpr: u8,
    ldr: u32,
    dfr: u32,
    svr: u32,
    pub(crate) irr: VectorSet,
    pub(crate) isr: VectorSet,
    pub(crate) tmr: VectorSet,
    /// The ESR as last latched by a write, and the errors since.
    esr: u32,
    esr_pending: u32,
    icr_low: u32,
    icr_high: u32,
    lvt: [Lvt; regs::LVT_ENTRIES],
    timer: Timer,
    nmi_pending: bool,
    pub(crate) stats: Snapshot,
}

impl LocalApic {
    /// The APIC as after power-up (SDM 11.4.7.1): xAPIC mode at the default
    /// base, software-disabled, every LVT entry masked.
    pub fn new(id: u32, bsp: bool, clock: TimerClock) -> Self {
        Self {
            id,
            base: ApicBase::reset(bsp),
            clock,
            tpr: 0,
            ldr: 0,
            dfr: u32::MAX,
            svr: SVR_RESET,
            irr: VectorSet::EMPTY,
            isr: VectorSet::EMPTY,
            tmr: VectorSet::EMPTY,
            esr: 0,
            esr_pending: 0,
            icr_low: 0,
            icr_high: 0,
            lvt: [Lvt::RESET; regs::LVT_ENTRIES],
            timer: Timer::default(),
            nmi_pending: false,
            stats: Snapshot::default(),
        }
    }

    /// The APIC as a PC's firmware leaves it for the operating system
    /// (there is no firmware in a partition, so the hypervisor does what
    /// SeaBIOS and OVMF do): software-enabled, LINT0 as ExtINT (the 8259
    /// reaches the CPU: "virtual wire mode", MP spec 3.6.2.2) and LINT1 as
    /// NMI, both unmasked.
    pub fn after_firmware(id: u32, bsp: bool, clock: TimerClock) -> Self {
        let mut apic = Self::new(id, bsp, clock);
        apic.svr = SVR_RESET | SVR_ENABLE;
        apic.lvt[LvtIndex::Lint0 as usize] = Lvt(0b111 << 8);
        apic.lvt[LvtIndex::Lint1 as usize] = Lvt(0b100 << 8);
        apic
    }

    /// The APIC ID.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.base.mode()
    }

    /// IA32_APIC_BASE.
    pub fn base(&self) -> ApicBase {
        self.base
    }

    /// Whether SVR bit 8 enables the APIC.
    pub fn software_enabled(&self) -> bool {
        self.svr & SVR_ENABLE != 0
    }

    /// The LVT entry `index`.
    pub fn lvt(&self, index: LvtIndex) -> Lvt {
        self.lvt[index as usize]
    }

    /// The counters.
    pub fn snapshot(&self) -> Snapshot {
        self.stats
    }

    /// The TPR (for a TPR shadow, and for CR8, which is TPR\[7:4\]).
    pub fn tpr(&self) -> u8 {
        self.tpr
    }

    /// Sets the TPR (a MOV to CR8 writes bits 3:0 of the value to TPR\[7:4\]).
    pub fn set_tpr(&mut self, tpr: u8) {
        self.tpr = tpr;
    }

    /// The processor priority (SDM 11.8.3.1): the TPR, or the class of the
    /// highest in-service vector if that is higher.
    pub fn ppr(&self) -> u8 {
        let isrv = self.isr.highest().unwrap_or(0);
        if self.tpr >> 4 >= isrv >> 4 {
            self.tpr
        } else {
            isrv & 0xF0
        }
    }

    fn timer_mode(&self) -> TimerMode {
        self.lvt[LvtIndex::Timer as usize].timer_mode()
    }

    /// Records an APIC error (SDM 11.5.3) and raises the error interrupt
    /// when its LVT entry allows.
    fn error(&mut self, bits: u32) {
        self.esr_pending |= bits;
        let lvt = self.lvt[LvtIndex::Error as usize];
        if !lvt.masked() && lvt.vector() >= 16 {
            self.set_irr(lvt.vector(), false);
        }
    }

    fn set_irr(&mut self, vector: u8, level_triggered: bool) {
        if self.irr.contains(vector) {
            self.stats.coalesced += 1;
        }
        self.irr.insert(vector);
        if level_triggered {
            self.tmr.insert(vector);
        } else {
            self.tmr.remove(vector);
        }
        self.stats.accepted += 1;
    }

    /// A fixed (or lowest-priority) interrupt arrives with `vector`, from a
    /// device, an IPI or a local source (SDM 11.8.4). Vectors 0-15 are
    /// illegal: refused, with "receive illegal vector" in the ESR. Returns
    /// whether it was accepted.
    pub fn accept(&mut self, vector: u8, level_triggered: bool) -> bool {
        if self.mode() == Mode::Disabled || !self.software_enabled() {
            self.stats.refused_disabled += 1;
            return false;
        }
        if vector < 16 {
            self.stats.illegal_vectors += 1;
            self.error(ESR_RECEIVE_ILLEGAL_VECTOR);
            return false;
        }
        self.set_irr(vector, level_triggered);
        true
    }

    /// An NMI arrives (an NMI IPI, LINT1 in NMI mode).
    pub fn accept_nmi(&mut self) {
        self.nmi_pending = true;
    }

    /// Takes a pending NMI, if any (the hypervisor injects it).
    pub fn take_nmi(&mut self) -> Option<()> {
        core::mem::take(&mut self.nmi_pending).then_some(())
    }

    /// Whether an NMI is pending.
    pub fn nmi_pending(&self) -> bool {
        self.nmi_pending
    }

    /// The vector the vCPU should take next, if any: the highest requested
    /// vector whose priority class is above the processor priority (SDM
    /// 11.8.3.1, 11.8.4).
    pub fn deliverable(&self) -> Option<u8> {
        if self.mode() == Mode::Disabled {
            return None;
        }
        let vector = self.irr.highest()?;
        (vector >> 4 > self.ppr() >> 4).then_some(vector)
    }

    /// The highest requested vector, deliverable or held back by the
    /// processor priority (for a TPR threshold).
    pub fn highest_requested(&self) -> Option<u8> {
        self.irr.highest()
    }

    /// The vCPU took `vector` (the hypervisor injected it): it moves from
    /// the IRR to the ISR.
    pub fn acknowledge(&mut self, vector: u8) {
        self.irr.remove(vector);
        self.isr.insert(vector);
    }

    /// An EOI: the highest in-service vector is done (SDM 11.8.5). A
    /// level-triggered one is reported for the I/O APIC.
    fn eoi(&mut self) -> Effect {
        self.stats.eois += 1;
        let Some(vector) = self.isr.highest() else { return Effect::None };
        self.isr.remove(vector);
        if self.tmr.contains(vector) {
            self.tmr.remove(vector);
            Effect::LevelEoi(vector)
        } else {
            Effect::None
        }
    }

    /// Brings the timer up to `now`: an expiry sets the timer's vector in
    /// the IRR unless the entry is masked. Call before looking for a
    /// deliverable interrupt. Returns the expiries (periods) since the
    /// last call.
    pub fn poll_timer(&mut self, now: u64) -> u64 {
        let mode = self.timer_mode();
        let expiries = self.timer.poll(mode, self.clock, now);
        if expiries > 0 {
            self.stats.timer_expiries += expiries;
            let lvt = self.lvt[LvtIndex::Timer as usize];
            if !lvt.masked() {
                self.accept(lvt.vector(), false);
            }
        }
        expiries
    }

    /// The TSC time of the timer's next expiry, if armed.
    pub fn next_timer_expiry(&self) -> Option<u64> {
        self.timer.next_expiry(self.timer_mode(), self.clock)
    }

    /// Register read at xAPIC `offset` (4-byte aligned within the page; the
    /// caller has checked the mode). Unimplemented offsets read 0 and log
    /// "illegal register address" in the ESR.
    pub fn read_mmio(&mut self, offset: u32, now: u64) -> u32 {
        match self.read_register(offset & 0xFF0, now, false) {
            Ok(value) => value,
            Err(_) => {
                self.error(ESR_ILLEGAL_REGISTER);
                0
            }
        }
    }

    /// Register write at xAPIC `offset`.
    pub fn write_mmio(&mut self, offset: u32, value: u32, now: u64) -> Effect {
        match self.write_register(offset & 0xFF0, u64::from(value), now, false) {
            Ok(effect) => effect,
            Err(_) => {
                self.error(ESR_ILLEGAL_REGISTER);
                Effect::None
            }
        }
    }

    /// RDMSR of an APIC MSR: IA32_APIC_BASE, IA32_TSC_DEADLINE or an x2APIC
    /// register. `None` when `msr` is not the APIC's.
    pub fn read_msr(&mut self, msr: u32, now: u64) -> Option<Result<u64, Fault>> {
        match msr {
            regs::MSR_APIC_BASE => Some(Ok(self.base.raw())),
            regs::MSR_TSC_DEADLINE => {
                let armed = self.timer_mode() == TimerMode::TscDeadline;
                Some(Ok(if armed { self.timer.deadline } else { 0 }))
            }
            _ => {
                let offset = regs::offset_of_msr(msr)?;
                if self.mode() != Mode::X2Apic {
                    return Some(Err(Fault::NoSuchRegister(msr)));
                }
                if offset == regs::ICR_LOW {
                    return Some(Ok(u64::from(self.icr_low) | (u64::from(self.icr_high) << 32)));
                }
                Some(self.read_register(offset, now, true).map(u64::from).map_err(|fault| fault.at(msr)))
            }
        }
    }

    /// WRMSR of an APIC MSR, with the physical-address width for
    /// IA32_APIC_BASE. `None` when `msr` is not the APIC's.
    pub fn write_msr(&mut self, msr: u32, value: u64, now: u64, phys_bits: u8) -> Option<Result<Effect, Fault>> {
        match msr {
            regs::MSR_APIC_BASE => Some(self.write_base(value, phys_bits)),
            regs::MSR_TSC_DEADLINE => {
                // Ignored outside TSC-deadline mode (SDM 11.5.4.1).
                if self.timer_mode() == TimerMode::TscDeadline {
                    self.timer.deadline = value;
                }
                Some(Ok(Effect::None))
            }
            _ => {
                let offset = regs::offset_of_msr(msr)?;
                if self.mode() != Mode::X2Apic {
                    return Some(Err(Fault::NoSuchRegister(msr)));
                }
                Some(self.write_register(offset, value, now, true).map_err(|fault| fault.at(msr)))
            }
        }
    }

    fn write_base(&mut self, value: u64, phys_bits: u8) -> Result<Effect, Fault> {
        let next = self.base.write(value, phys_bits).map_err(Fault::Base)?;
        if next == self.base {
            return Ok(Effect::None);
        }
        let (before, after) = (self.mode(), next.mode());
        if after == Mode::Disabled && before != Mode::Disabled {
            // Disabling returns the APIC to its power-up state (SDM 11.4.3).
            *self = Self { base: next, stats: self.stats, ..Self::new(self.id, false, self.clock) };
        } else {
            self.base = next;
            if before == Mode::XApic && after == Mode::X2Apic {
                // The logical ID becomes derived from the APIC ID (SDM 11.12.10.2).
                self.ldr = ((self.id >> 4) << 16) | (1 << (self.id & 0xF));
            }
        }
        Ok(Effect::BaseChanged)
    }

    pub(crate) fn read_register(&mut self, offset: u32, now: u64, x2apic: bool) -> Result<u32, Fault> {
        Ok(match offset {
            regs::ID => {
                if x2apic {
                    self.id
                } else {
                    self.id << 24
                }
            }
            regs::VERSION => regs::VERSION_VALUE,
            regs::TPR => u32::from(self.tpr),
            regs::APR | regs::RRD if !x2apic => 0,
            regs::PPR => u32::from(self.ppr()),
            regs::EOI | regs::SELF_IPI if x2apic => return Err(Fault::WrongDirection(offset)),
            regs::EOI => 0,
            regs::LDR => self.ldr,
            regs::DFR if !x2apic => self.dfr | 0x0FFF_FFFF,
            regs::SVR => self.svr,
            0x100..=0x170 => self.isr.word(((offset - regs::ISR0) >> 4) as usize),
            0x180..=0x1F0 => self.tmr.word(((offset - regs::TMR0) >> 4) as usize),
            0x200..=0x270 => self.irr.word(((offset - regs::IRR0) >> 4) as usize),
            regs::ESR => self.esr,
            regs::ICR_LOW => self.icr_low,
            regs::ICR_HIGH if !x2apic => self.icr_high,
            regs::TIMER_INITIAL => self.timer.initial,
            regs::TIMER_CURRENT => self.timer.current(self.timer_mode(), self.clock, now),
            regs::TIMER_DIVIDE => self.timer.divide,
            offset => match LvtIndex::from_offset(offset) {
                Some(index) => self.lvt[index as usize].0,
                None => return Err(Fault::NoSuchRegister(offset)),
            },
        })
    }

    fn write_register(&mut self, offset: u32, value: u64, now: u64, x2apic: bool) -> Result<Effect, Fault> {
        let low = (value & 0xFFFF_FFFF) as u32;
        let high_bits = value >> 32;
        // Only the ICR is 64 bits wide in x2APIC mode; other registers'
        // upper halves are reserved (SDM 11.12.1.2).
        if x2apic && offset != regs::ICR_LOW && high_bits != 0 {
            return Err(Fault::ReservedBits(offset));
        }
        match offset {
            regs::TPR => {
                if x2apic && low > 0xFF {
                    return Err(Fault::ReservedBits(offset));
                }
                self.tpr = (low & 0xFF) as u8;
            }
            regs::EOI => {
                if x2apic && low != 0 {
                    return Err(Fault::ReservedBits(offset));
                }
                return Ok(self.eoi());
            }
            regs::LDR if !x2apic => self.ldr = low & 0xFF00_0000,
            regs::DFR if !x2apic => self.dfr = low | 0x0FFF_FFFF,
            regs::SVR => self.write_svr(low),
            regs::ESR => {
                if x2apic && low != 0 {
                    return Err(Fault::ReservedBits(offset));
                }
                self.esr = core::mem::take(&mut self.esr_pending);
            }
            regs::ICR_LOW => {
                if x2apic {
                    if low & !ICR_LOW_WRITABLE & !(1 << 12) != 0 {
                        return Err(Fault::ReservedBits(offset));
                    }
                    self.icr_high = high_bits as u32;
                }
                self.icr_low = low & ICR_LOW_WRITABLE;
                let destination = if x2apic { self.icr_high } else { self.icr_high >> 24 };
                return Ok(self.send(Ipi::decode(self.icr_low, destination)));
            }
            regs::ICR_HIGH if !x2apic => self.icr_high = low & 0xFF00_0000,
            regs::TIMER_INITIAL => {
                // Ignored in TSC-deadline mode (SDM 11.5.4.1).
                if self.timer_mode() != TimerMode::TscDeadline {
                    self.timer.start(low, now);
                }
            }
            regs::TIMER_DIVIDE => self.timer.divide = low & 0b1011,
            regs::SELF_IPI if x2apic => {
                if low > 0xFF {
                    return Err(Fault::ReservedBits(offset));
                }
                self.accept((low & 0xFF) as u8, false);
            }
            regs::ID | regs::VERSION | regs::PPR | regs::LDR | regs::TIMER_CURRENT | 0x100..=0x270 => {
                // Read-only: x2APIC refuses the write, xAPIC ignores it.
                if x2apic {
                    return Err(Fault::WrongDirection(offset));
                }
            }
            regs::APR | regs::RRD if !x2apic => {}
            offset => match LvtIndex::from_offset(offset) {
                Some(index) => self.write_lvt(index, low),
                None => return Err(Fault::NoSuchRegister(offset)),
            },
        }
        Ok(Effect::None)
    }

    fn write_svr(&mut self, value: u32) {
        self.svr = value & SVR_WRITABLE;
        if !self.software_enabled() {
            // Software disable masks every LVT entry (SDM 11.4.7.2).
            for entry in &mut self.lvt {
                entry.0 |= crate::lvt::MASKED;
            }
        }
    }

    fn write_lvt(&mut self, index: LvtIndex, value: u32) {
        let before = self.lvt[index as usize];
        let after = before.written(index, value, self.software_enabled());
        self.lvt[index as usize] = after;
        if index == LvtIndex::Timer && before.timer_mode() != after.timer_mode() {
            // A change of timer mode disarms the timer (SDM 11.5.4.1).
            self.timer.disarm();
            self.timer.initial = 0;
        }
    }

    /// Decodes an IPI, refusing illegal vectors for fixed delivery and
    /// delivering self-only ones here.
    fn send(&mut self, ipi: Ipi) -> Effect {
        if matches!(ipi.mode, DeliveryMode::Fixed | DeliveryMode::LowestPriority) && ipi.vector < 16 {
            self.error(ESR_SEND_ILLEGAL_VECTOR);
            return Effect::None;
        }
        Effect::Ipi(ipi)
    }

    /// The LDR and DFR, for routing logical IPIs to this APIC.
    pub fn logical_destination(&self) -> (u32, u32) {
        (self.ldr, self.dfr)
    }

    /// Receives an IPI that names this APIC (the hypervisor routed it).
    /// Returns false for the delivery modes a guest's APIC does not take
    /// (SMI, reserved, ExtINT); INIT and start-up are the caller's to act on.
    pub fn receive_ipi(&mut self, ipi: &Ipi) -> bool {
        match ipi.mode {
            DeliveryMode::Fixed | DeliveryMode::LowestPriority => self.accept(ipi.vector, ipi.level_triggered),
            DeliveryMode::Nmi => {
                self.accept_nmi();
                true
            }
            _ => false,
        }
    }
}

impl Fault {
    /// The same fault, naming the MSR instead of the offset.
    fn at(self, msr: u32) -> Self {
        match self {
            Self::NoSuchRegister(_) => Self::NoSuchRegister(msr),
            Self::WrongDirection(_) => Self::WrongDirection(msr),
            Self::ReservedBits(_) => Self::ReservedBits(msr),
            other => other,
        }
    }
}
