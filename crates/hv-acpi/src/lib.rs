//! `hv-acpi`: what the firmware's ACPI tables say about the machine.
//!
//! At boot on a real PC the hypervisor reports the hardware, among it the
//! processors the firmware lists in the MADT, so the user sees whether the
//! machine can run their manifest. The kernel gets the physical address of the
//! RSDP from the bootloader and reads physical memory through
//! [`PhysicalMemory`]; from there:
//!
//! 1. [`Rsdp::parse`] checks the Root System Description Pointer (ACPI 6.5
//!    §5.2.5): its signature, its checksum and, from revision 2 on, its length
//!    and extended checksum;
//! 2. [`find_table`] walks the XSDT (§5.2.8), or the RSDT (§5.2.7) when there
//!    is no XSDT, and returns the first table with the wanted signature whose
//!    header (§5.2.6) has a sane length and whose checksum is right;
//! 3. [`Madt::parse`] checks the Multiple APIC Description Table (§5.2.12) and
//!    every interrupt controller structure in it, after which
//!    [`Madt::cpu_summary`] counts the processors and [`Madt::processors`],
//!    [`Madt::io_apics`], [`Madt::overrides`] and [`Madt::local_apic_nmis`]
//!    list them.
//!
//! Firmware tables are untrusted input: firmware has bugs, and the addresses
//! come from memory anyone before us could have written. Every length and
//! offset is checked before it is used, every checksum is verified, the number
//! of root-table entries is bounded, and every read goes through
//! [`PhysicalMemory`], which may refuse it. Nothing here panics on any input,
//! loops without making progress, allocates, or uses `unsafe`; tables are read
//! in small pieces, so no buffer the size of a table is needed.
//!
//! Every rejection is an [`AcpiError`] whose message names the table, its
//! address and the problem, ready for the boot report.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod ascii;
mod checksum;
mod error;
mod fields;
mod header;
mod inti;
mod madt;
mod madt_entry;
mod memory;
mod root;
mod rsdp;
#[cfg(test)]
mod scenarios;
mod signature;
mod summary;
#[cfg(test)]
mod test_tables;

pub use ascii::Ascii;
pub use error::AcpiError;
pub use header::{SdtHeader, TableRef, HEADER_LEN, MAX_TABLE_LEN};
pub use inti::{MpsIntiFlags, Polarity, TriggerMode};
pub use madt::{Entries, Madt, MADT_FIXED_LEN, PCAT_COMPAT};
pub use madt_entry::{InterruptSourceOverride, IoApic, LocalApicNmi, MadtEntry, Processor};
pub use memory::PhysicalMemory;
pub use root::{find_table, MAX_ROOT_ENTRIES};
pub use rsdp::{Rsdp, MAX_RSDP_LEN, RSDP_SIGNATURE, RSDP_V1_LEN, RSDP_V2_LEN};
pub use signature::{Signature, TableName};
pub use summary::CpuSummary;
