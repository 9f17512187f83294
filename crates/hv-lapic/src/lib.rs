//! `hv-lapic`: the local APIC each vCPU of a partition sees.
//!
//! The register model follows the Intel SDM (order number 325462-083US,
//! March 2024), Vol. 3A chapter 11 "Advanced Programmable Interrupt
//! Controller (APIC)": the register map of Table 11-1 (xAPIC, memory-mapped
//! at the page IA32_APIC_BASE names) and Table 11-6 (x2APIC, MSRs
//! 0x800-0x8FF), IA32_APIC_BASE and the xAPIC/x2APIC mode transitions
//! (11.4.3, 11.12.5), the timer (11.5.4 and 11.5.4.1 for TSC-deadline mode),
//! the LVT (11.5.1), error handling (11.5.3), interrupt acceptance with
//! IRR/ISR/TMR and the priority rules (11.8.3-11.8.5), and the ICR (11.6.1,
//! 11.12.9 for x2APIC).
//!
//! The hypervisor traps a guest's APIC accesses and hands them to a
//! [`LocalApic`]: [`read_mmio`](LocalApic::read_mmio) /
//! [`write_mmio`](LocalApic::write_mmio) for the xAPIC page,
//! [`read_msr`](LocalApic::read_msr) / [`write_msr`](LocalApic::write_msr)
//! for the x2APIC MSRs, IA32_APIC_BASE and IA32_TSC_DEADLINE. Interrupts
//! from devices and IPIs come in with [`accept`](LocalApic::accept); before
//! each VM entry the hypervisor asks [`deliverable`](LocalApic::deliverable)
//! for the vector the vCPU should take and reports with
//! [`acknowledge`](LocalApic::acknowledge) that it injected it. Writes that
//! reach beyond the APIC (an IPI, an EOI for a level-triggered interrupt)
//! come back as an [`Effect`] for the hypervisor to route, never as an
//! action on real hardware: nothing here touches a physical APIC.
//!
//! Time is the caller's: every call that depends on it takes `now` in TSC
//! ticks, and the timer's state is computed from it (no ticking). The timer
//! counts at a frequency the hypervisor chooses ([`TimerClock`]) and reports
//! to the guest through CPUID.
//!
//! It is pure state: no `unsafe`, no `alloc`, no hardware access.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod apic;
mod base;
mod icr;
mod lvt;
pub mod regs;
mod timer;
mod vectors;
mod virtual_page;

pub use apic::{Effect, Fault, LocalApic, Mode, Snapshot};
pub use base::{ApicBase, BaseError};
pub use icr::{DeliveryMode, Destination, Ipi, Shorthand};
pub use lvt::{Lvt, LvtIndex, TimerMode};
pub use timer::TimerClock;
pub use vectors::VectorSet;
pub use virtual_page::{Absorbed, InterruptStatus, Published, VirtualApicPage, X2APIC_READS, X2APIC_WRITES};

#[cfg(test)]
mod tests;
