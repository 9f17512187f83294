//! The boot-time hardware report for real machines: how many CPUs the
//! firmware's ACPI tables describe (MADT, parsed and checksum-verified by
//! crate `hv-acpi`), where the local APIC is, and what the consoles are.
//! The CPU and VMX parts are in [`crate::cpu_report`], the memory summary in
//! [`crate::mm`]; whether the machine can run the manifest is checked when
//! the manifest is known (`vmm::readiness`).
//!
//! Firmware tables are untrusted input: a broken table is reported, never
//! trusted, and never stops the boot by itself.

use bootloader_api::BootInfo;
use hv_acpi::{find_table, Madt, PhysicalMemory, Rsdp, Signature};

use crate::mm;

/// Physical memory as the ACPI parser reads it.
struct FirmwareMemory;

impl PhysicalMemory for FirmwareMemory {
    fn read(&self, phys: u64, buf: &mut [u8]) -> bool {
        mm::read_physical(phys, buf)
    }
}

/// Logs the ACPI CPU and interrupt-controller facts.
pub fn print(boot_info: &BootInfo) {
    let Some(rsdp_address) = boot_info.rsdp_addr.into_option() else {
        log::warn!("hardware: the bootloader found no ACPI RSDP; CPU count unknown");
        return;
    };
    let memory = FirmwareMemory;
    let rsdp = match Rsdp::parse(&memory, rsdp_address) {
        Ok(rsdp) => rsdp,
        Err(error) => {
            log::warn!("hardware: ACPI RSDP at {rsdp_address:#x} unusable: {error}");
            return;
        }
    };
    let madt = find_table(&memory, &rsdp, Signature::MADT).and_then(|table| Madt::parse(&memory, table));
    match madt {
        Ok(madt) => {
            let cpus = madt.cpu_summary();
            log::info!(
                "hardware: {} CPU(s) enabled in the ACPI MADT ({} more online-capable, {} entries); \
                 local APIC at {:#x}; {} I/O APIC(s)",
                cpus.enabled,
                cpus.online_capable,
                cpus.total_entries,
                madt.local_apic_base(),
                madt.io_apics().count()
            );
            if cpus.enabled > 1 {
                log::info!("hardware: this build uses CPU 0 only; the others stay halted");
            }
        }
        Err(error) => log::warn!("hardware: ACPI MADT unusable (CPU count unknown): {error}"),
    }
}
