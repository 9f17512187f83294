//! The virtual-APIC page under virtual-interrupt delivery: the 4-KiB page
//! the CPU reads and updates itself while the guest runs, kept in step with
//! the model.
//!
//! With "virtual-interrupt delivery" (SDM Vol. 3C 30.2) the CPU delivers
//! the highest requested vector (RVI, with VIRR) when the guest can take
//! it, moves it to VISR (SVI) and completes EOIs (30.1.4 EOI
//! virtualization) without an exit; with "APIC-register virtualization"
//! and "virtualize x2APIC mode" (30.5) it answers RDMSR of the registers
//! listed in [`X2APIC_READS`] from the page, and completes WRMSR of the
//! TPR and EOI. The model stays the authority for everything else (the
//! timer, the LVT, IPIs, the I/O APIC): before an entry the hypervisor
//! [`publish`](LocalApic::publish)es the model into the page, after an exit
//! it [`absorb`](LocalApic::absorb)s what the CPU changed (deliveries and
//! EOIs), and an EOI of a level-triggered vector exits (the EOI-exit bitmap
//! is the TMR) so that the I/O APIC hears of it.

use crate::apic::{Effect, LocalApic, Mode};
use crate::regs;
use crate::vectors::VectorSet;

/// The virtual-APIC page, as bytes (registers are 32-bit little-endian
/// words at 16-byte-aligned offsets, as in the xAPIC page).
pub type VirtualApicPage = [u8; 4096];

/// x2APIC MSRs whose RDMSR the CPU answers from the page (the xAPIC
/// offsets of SDM Vol. 3C 30.4.2 that exist in x2APIC mode: ID, version,
/// TPR, LDR, SVR, ISR, TMR, IRR, ESR, the LVT, initial count and divide
/// configuration). Every other x2APIC MSR read exits to the model (PPR,
/// the current count, the ICR, which is 64 bits in x2APIC mode, and
/// registers that do not exist, which fault).
pub const X2APIC_READS: &[u32] = &[
    0x802, 0x803, 0x808, 0x80D, 0x80F, // ID, version, TPR, LDR, SVR
    0x810, 0x811, 0x812, 0x813, 0x814, 0x815, 0x816, 0x817, // ISR
    0x818, 0x819, 0x81A, 0x81B, 0x81C, 0x81D, 0x81E, 0x81F, // TMR
    0x820, 0x821, 0x822, 0x823, 0x824, 0x825, 0x826, 0x827, // IRR
    0x828, // ESR
    0x832, 0x833, 0x834, 0x835, 0x836, 0x837, // LVT timer, thermal, perf, LINT0, LINT1, error
    0x838, 0x83E, // initial count, divide configuration
];

/// x2APIC MSRs whose WRMSR the CPU completes itself (SDM Vol. 3C 30.5):
/// the TPR (TPR virtualization) and the EOI (EOI virtualization). Every
/// other write exits to the model; the SELF IPI register too, so that an
/// illegal vector is refused and counted as on an APIC.
pub const X2APIC_WRITES: &[u32] = &[0x808, 0x80B];

/// The guest interrupt status (SDM Vol. 3C 25.4.2): RVI, the highest
/// requested vector, and SVI, the highest in service.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InterruptStatus {
    /// Requesting virtual interrupt (bits 7:0 of the field).
    pub rvi: u8,
    /// Servicing virtual interrupt (bits 15:8).
    pub svi: u8,
}

impl InterruptStatus {
    /// The 16-bit VMCS field.
    pub fn to_field(self) -> u16 {
        u16::from(self.rvi) | (u16::from(self.svi) << 8)
    }

    /// From the 16-bit VMCS field.
    pub fn from_field(field: u16) -> Self {
        Self { rvi: (field & 0xFF) as u8, svi: (field >> 8) as u8 }
    }
}

/// What [`LocalApic::publish`] wrote, for the VMCS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Published {
    /// The guest interrupt status to enter with.
    pub status: InterruptStatus,
    /// The EOI-exit bitmap (SDM Vol. 3C 25.6.8): the level-triggered
    /// vectors, whose EOI must reach the I/O APIC.
    pub eoi_exit: [u64; 4],
}

/// What [`LocalApic::absorb`] found the CPU had done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Absorbed {
    /// Interrupts the CPU delivered (requested vectors that went).
    pub delivered: u32,
    /// EOIs the CPU completed (in-service vectors that went).
    pub eois: u32,
}

fn word(page: &VirtualApicPage, offset: u32) -> u32 {
    let at = offset as usize;
    u32::from_le_bytes([page[at], page[at + 1], page[at + 2], page[at + 3]])
}

fn set_word(page: &mut VirtualApicPage, offset: u32, value: u32) {
    let at = offset as usize;
    page[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn read_set(page: &VirtualApicPage, first: u32) -> VectorSet {
    let mut words = [0u32; 8];
    for (w, i) in words.iter_mut().zip(0u32..) {
        *w = word(page, first + 16 * i);
    }
    VectorSet::from_words(words)
}

fn write_set(page: &mut VirtualApicPage, first: u32, set: &VectorSet) {
    for (index, offset) in (first..).step_by(16).take(8).enumerate() {
        set_word(page, offset, set.word(index));
    }
}

impl LocalApic {
    /// Writes the model into `page`: VTPR, VIRR, VISR, the TMR and, with
    /// `registers`, the registers of [`X2APIC_READS`] (as x2APIC or xAPIC
    /// registers, following the mode; only register writes and mode changes
    /// change them); returns the interrupt status and EOI-exit bitmap to
    /// enter with. With the APIC disabled nothing is requested (RVI 0): the
    /// CPU must deliver nothing from it.
    pub fn publish(&mut self, page: &mut VirtualApicPage, now: u64, registers: bool) -> Published {
        if registers {
            let x2apic = self.mode() == Mode::X2Apic;
            for &msr in X2APIC_READS {
                let offset = (msr & 0xFF) << 4;
                let value = self.read_register(offset, now, x2apic).unwrap_or(0);
                set_word(page, offset, value);
            }
        }
        set_word(page, regs::TPR, u32::from(self.tpr()));
        write_set(page, regs::IRR0, &self.irr);
        write_set(page, regs::ISR0, &self.isr);
        write_set(page, regs::TMR0, &self.tmr);
        let rvi = if self.mode() == Mode::Disabled { 0 } else { self.irr.highest().unwrap_or(0) };
        let svi = self.isr.highest().unwrap_or(0);
        let mut eoi_exit = [0u64; 4];
        for (i, bits) in eoi_exit.iter_mut().enumerate() {
            *bits = u64::from(self.tmr.word(2 * i)) | (u64::from(self.tmr.word(2 * i + 1)) << 32);
        }
        Published { status: InterruptStatus { rvi, svi }, eoi_exit }
    }

    /// Takes over what the CPU did in `page` since the last
    /// [`publish`](Self::publish): vectors it delivered (gone from VIRR,
    /// now in VISR) and EOIs it completed (gone from VISR). Bits for the
    /// illegal vectors 0-15 are never taken.
    pub fn absorb(&mut self, page: &VirtualApicPage) -> Absorbed {
        let mut irr = read_set(page, regs::IRR0);
        let mut isr = read_set(page, regs::ISR0);
        for vector in 0..16 {
            irr.remove(vector);
            isr.remove(vector);
        }
        let delivered = self.irr.difference_count(&irr);
        let eois = self.isr.difference_count(&isr);
        self.irr = irr;
        self.isr = isr;
        self.stats.eois += u64::from(eois);
        Absorbed { delivered, eois }
    }

    /// The CPU completed the EOI of level-triggered `vector` and exited
    /// (an EOI-induced VM exit, SDM Vol. 3C 30.1.4): its TMR bit clears and
    /// the I/O APIC is told, as [`Effect::LevelEoi`].
    pub fn virtual_level_eoi(&mut self, vector: u8) -> Effect {
        self.isr.remove(vector);
        if self.tmr.contains(vector) {
            self.tmr.remove(vector);
            Effect::LevelEoi(vector)
        } else {
            Effect::None
        }
    }
}
