//! Interrupt handlers: each counts its vector, records the TSC of its
//! first instruction, and signals EOI to the APIC in use.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

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
/// APIC errors.
pub const ERROR: u8 = 0xFE;
/// Spurious interrupts.
pub const SPURIOUS: u8 = 0xFF;

/// The vectors with counters.
const VECTORS: [u8; 7] = [TIMER, SELF_IPI, SELF_IPI_MSR, LOST_IPI, PRIORITY, ERROR, SPURIOUS];

static COUNTS: [AtomicU64; 7] = [const { AtomicU64::new(0) }; 7];
static LAST_TSC: [AtomicU64; 7] = [const { AtomicU64::new(0) }; 7];
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

fn record(vector: u8, eoi: bool) {
    let tsc = arch::rdtsc();
    DEPTH.fetch_add(1, Ordering::SeqCst);
    LAST_TSC[slot(vector)].store(tsc, Ordering::SeqCst);
    COUNTS[slot(vector)].fetch_add(1, Ordering::SeqCst);
    if eoi {
        current_apic().eoi();
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

handler!(timer, TIMER, true);
handler!(self_ipi, SELF_IPI, true);
handler!(self_ipi_msr, SELF_IPI_MSR, true);
handler!(lost_ipi, LOST_IPI, true);
handler!(priority, PRIORITY, true);
handler!(error, ERROR, true);
// A spurious interrupt is not in service: no EOI (SDM 11.9).
handler!(spurious, SPURIOUS, false);

/// Installs every handler and loads the IDT.
pub fn install() {
    arch::set_handler(TIMER, timer);
    arch::set_handler(SELF_IPI, self_ipi);
    arch::set_handler(SELF_IPI_MSR, self_ipi_msr);
    arch::set_handler(LOST_IPI, lost_ipi);
    arch::set_handler(PRIORITY, priority);
    arch::set_handler(ERROR, error);
    arch::set_handler(SPURIOUS, spurious);
    arch::load_idt();
}
