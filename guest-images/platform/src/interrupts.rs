//! Interrupt handlers: each counts its vector, records the TSC of its
//! first instruction, and signals EOI to the APIC in use.

use core::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};

use crate::apic::Apic;
use crate::arch::{self, InterruptFrame};

/// The APIC timer's vector.
pub const TIMER: u8 = 0x40;
/// Self-IPIs through the ICR.
pub const SELF_IPI: u8 = 0x50;
/// Self-IPIs through the x2APIC SELF IPI register.
pub const SELF_IPI_MSR: u8 = 0x51;
/// IPIs that must go nowhere.
pub const LOST_IPI: u8 = 0x52;
/// The vector held back by the TPR.
pub const PRIORITY: u8 = 0x60;
/// PIT IRQ0 through the 8259 (vector base 0x20).
pub const PIC_TIMER: u8 = 0x20;
/// The 8259's spurious IRQ 7.
pub const PIC_SPURIOUS: u8 = 0x27;
/// PIT IRQ0 through the I/O APIC (pin 2).
pub const IOAPIC_TIMER: u8 = 0x30;
/// The UART's IRQ4 through the I/O APIC (pin 4).
pub const UART: u8 = 0x34;
/// NMIs (vector 2).
pub const NMI: u8 = 2;
/// APIC errors.
pub const ERROR: u8 = 0xFE;
/// Spurious interrupts.
pub const SPURIOUS: u8 = 0xFF;

/// The vectors with counters.
const VECTORS: [u8; 12] = [
    TIMER,
    SELF_IPI,
    SELF_IPI_MSR,
    LOST_IPI,
    PRIORITY,
    ERROR,
    SPURIOUS,
    PIC_TIMER,
    PIC_SPURIOUS,
    IOAPIC_TIMER,
    UART,
    NMI,
];

static COUNTS: [AtomicU64; 12] = [const { AtomicU64::new(0) }; 12];
static LAST_TSC: [AtomicU64; 12] = [const { AtomicU64::new(0) }; 12];
/// 0: x2APIC; otherwise the xAPIC page's address.
static APIC_MODE: AtomicU64 = AtomicU64::new(0);
/// Nesting guard for the handlers (none of them re-enables interrupts).
static DEPTH: AtomicU32 = AtomicU32::new(0);

fn slot(vector: u8) -> usize {
    VECTORS.iter().position(|v| *v == vector).unwrap_or(0)
}

/// How many times `vector` was taken.
pub fn count(vector: u8) -> u64 {
    COUNTS[slot(vector)].load(Ordering::SeqCst)
}

/// The TSC at the last handler entry for `vector`.
pub fn last_tsc(vector: u8) -> u64 {
    LAST_TSC[slot(vector)].load(Ordering::SeqCst)
}

/// Clears the counter of `vector`.
pub fn reset(vector: u8) {
    COUNTS[slot(vector)].store(0, Ordering::SeqCst);
}

/// Which APIC interface the handlers EOI through.
pub fn use_apic(apic: Apic) {
    APIC_MODE.store(
        match apic {
            Apic::X2 => 0,
            Apic::X(base) => base,
        },
        Ordering::SeqCst,
    );
}

fn current_apic() -> Apic {
    match APIC_MODE.load(Ordering::SeqCst) {
        0 => Apic::X2,
        base => Apic::X(base),
    }
}

/// Where a handler signals the end of its interrupt.
#[derive(Clone, Copy)]
enum Eoi {
    /// Nowhere (spurious interrupts are not in service).
    None,
    /// The local APIC.
    Apic,
    /// The master 8259 (non-specific EOI, OCW2 0x20).
    Pic,
    /// The local APIC, after serving the UART until its IIR says nothing
    /// is pending (16550 datasheet Table II): received bytes are kept.
    ApicAfterUart,
}

fn record(vector: u8, eoi: Eoi) {
    let tsc = arch::rdtsc();
    DEPTH.fetch_add(1, Ordering::SeqCst);
    LAST_TSC[slot(vector)].store(tsc, Ordering::SeqCst);
    COUNTS[slot(vector)].fetch_add(1, Ordering::SeqCst);
    match eoi {
        Eoi::None => {}
        Eoi::Apic => current_apic().eoi(),
        Eoi::Pic => arch::outb(0x20, 0x20),
        Eoi::ApicAfterUart => {
            serve_uart();
            current_apic().eoi();
        }
    }
    DEPTH.fetch_sub(1, Ordering::SeqCst);
}

macro_rules! handler {
    ($name:ident, $vector:expr, $eoi:expr) => {
        extern "x86-interrupt" fn $name(_frame: InterruptFrame) {
            record($vector, $eoi);
        }
    };
}

handler!(timer, TIMER, Eoi::Apic);
handler!(self_ipi, SELF_IPI, Eoi::Apic);
handler!(self_ipi_msr, SELF_IPI_MSR, Eoi::Apic);
handler!(lost_ipi, LOST_IPI, Eoi::Apic);
handler!(priority, PRIORITY, Eoi::Apic);
handler!(error, ERROR, Eoi::Apic);
// A spurious interrupt is not in service: no EOI (SDM 11.9; 8259A
// datasheet for IRQ 7).
handler!(spurious, SPURIOUS, Eoi::None);
handler!(pic_spurious, PIC_SPURIOUS, Eoi::None);
handler!(pic_timer, PIC_TIMER, Eoi::Pic);
handler!(ioapic_timer, IOAPIC_TIMER, Eoi::Apic);
handler!(uart, UART, Eoi::ApicAfterUart);
// An NMI is not an APIC interrupt in service: no EOI.
handler!(nmi, NMI, Eoi::None);

/// Installs every handler and loads the IDT.
pub fn install() {
    arch::set_handler(TIMER, timer);
    arch::set_handler(SELF_IPI, self_ipi);
    arch::set_handler(SELF_IPI_MSR, self_ipi_msr);
    arch::set_handler(LOST_IPI, lost_ipi);
    arch::set_handler(PRIORITY, priority);
    arch::set_handler(ERROR, error);
    arch::set_handler(SPURIOUS, spurious);
    arch::set_handler(PIC_SPURIOUS, pic_spurious);
    arch::set_handler(PIC_TIMER, pic_timer);
    arch::set_handler(IOAPIC_TIMER, ioapic_timer);
    arch::set_handler(UART, uart);
    arch::set_handler(NMI, nmi);
    arch::load_idt();
}

/// Bytes the UART interrupt handler received.
static RECEIVED: [AtomicU8; 64] = [const { AtomicU8::new(0) }; 64];
static RECEIVED_LEN: AtomicUsize = AtomicUsize::new(0);

/// The bytes received so far by interrupt.
pub fn received(buffer: &mut [u8; 64]) -> usize {
    let len = RECEIVED_LEN.load(Ordering::SeqCst).min(64);
    for (slot, byte) in buffer.iter_mut().zip(&RECEIVED).take(len) {
        *slot = byte.load(Ordering::SeqCst);
    }
    len
}

/// Serves the UART's pending causes, highest priority first, until IIR
/// bit 0 says none is left.
fn serve_uart() {
    for _ in 0..64 {
        let iir = arch::inb(0x3FA);
        if iir & 1 != 0 {
            return;
        }
        match iir & 0x0E {
            // Received data or character timeout: drain the receiver.
            0x04 | 0x0C => {
                while arch::inb(0x3FD) & 1 != 0 {
                    let byte = arch::inb(0x3F8);
                    let index = RECEIVED_LEN.load(Ordering::SeqCst);
                    if index < RECEIVED.len() {
                        RECEIVED[index].store(byte, Ordering::SeqCst);
                        RECEIVED_LEN.store(index + 1, Ordering::SeqCst);
                    }
                }
            }
            // Line status: reading LSR clears it.
            0x06 => {
                let _ = arch::inb(0x3FD);
            }
            // MODEM status: reading MSR clears it.
            0x00 => {
                let _ = arch::inb(0x3FE);
            }
            // THRE: reading IIR already cleared it.
            _ => {}
        }
    }
}
