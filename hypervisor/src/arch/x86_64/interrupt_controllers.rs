//! The legacy 8259 PICs and the local APIC, as far as the hypervisor needs
//! them: it masks the PICs at start (no legacy interrupt may reach it), and
//! acknowledges (EOI) the local APIC after an external interrupt that VM
//! exit acknowledged on its behalf ("acknowledge interrupt on exit",
//! SDM 25.7.1, 28.2.2).

#![allow(unsafe_code, reason = "mechanism layer: PIC port I/O, APIC EOI")]

use x86_64::instructions::port::Port;
use x86_64::registers::model_specific::Msr;

use crate::mm;

const IA32_APIC_BASE: u32 = 0x1B;
/// x2APIC EOI register (SDM Vol. 3A 11.12.1.2).
const IA32_X2APIC_EOI: u32 = 0x80B;
/// Offset of the EOI register in the xAPIC MMIO page.
const XAPIC_EOI_OFFSET: u64 = 0xB0;

/// Masks every line of both 8259 PICs (OCW1 = 0xFF on ports 0x21 and 0xA1).
pub fn mask_legacy_pics() {
    for port in [0x21u16, 0xA1] {
        // SAFETY: writing OCW1 to the PICs' data ports only changes their
        // interrupt masks; the hypervisor takes no interrupt through them.
        unsafe { Port::<u8>::new(port).write(0xFF) };
    }
}

/// Signals end-of-interrupt to the local APIC. Returns false if the APIC's
/// register page is not reachable (xAPIC mode with its MMIO page unmapped).
pub fn local_apic_eoi() -> bool {
    // SAFETY: IA32_APIC_BASE exists on every CPU with an APIC (all x86-64).
    let base = unsafe { Msr::new(IA32_APIC_BASE).read() };
    if base & (1 << 10) != 0 {
        // SAFETY: x2APIC mode is enabled (bit 10), so the EOI MSR exists;
        // writing 0 acknowledges the highest-priority in-service interrupt.
        unsafe { Msr::new(IA32_X2APIC_EOI).write(0) };
        return true;
    }
    let eoi = (base & 0xF_FFFF_F000) + XAPIC_EOI_OFFSET;
    mm::write_mmio_u32(eoi, 0)
}
