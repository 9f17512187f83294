//! x86-64 mechanism: instructions, descriptor tables, ports, MSRs, timers.

pub mod cpu;
pub mod gdt;
pub mod host_state;
pub mod idt;
pub mod interrupt_controllers;
pub mod msr;
pub mod pit;
pub mod port;
pub mod vmx;
pub mod xcr0;
