//! x86-64 mechanism: instructions, descriptor tables, ports, MSRs, timers.

pub mod cpu;
pub mod gdt;
pub mod idt;
pub mod msr;
pub mod pit;
pub mod port;
