//! The interrupt descriptor table: a handler for every architectural
//! exception (SDM Vol. 3A 6.15, "Exception and Interrupt Reference").
//!
//! The hypervisor itself must never fault. If it does, the handler prints what
//! happened — vector, mnemonic, error code, RIP, and CR2 for a page fault —
//! and ends the run with [`RunStatus::CpuException`]. Nothing is resumed: a
//! fault in the hypervisor means its state can no longer be trusted.
//! (Faults *inside guests* never arrive here; they cause VM exits.)

#![allow(unsafe_code, reason = "mechanism layer: IDT installation with IST stacks")]

use hv_status::RunStatus;
use spin::Lazy;
use x86_64::structures::idt::{InterruptDescriptorTable, InterruptStackFrame, PageFaultErrorCode};

use super::gdt;
use crate::run;

/// Prints the exception report through the emergency console and ends the run.
fn fatal(vector: u8, mnemonic: &str, error_code: Option<u64>, frame: &InterruptStackFrame) -> ! {
    let cr2 = (vector == 14).then(super::cpu::cr2);
    let report = ExceptionReport { vector, mnemonic, error_code, cr2, frame: **frame };
    run::fail_from_fault(RunStatus::CpuException, &report)
}

/// What the exception handlers report about a fault in the hypervisor.
pub struct ExceptionReport<'a> {
    /// The vector number (0-31).
    pub vector: u8,
    /// The SDM mnemonic, e.g. `#PF`.
    pub mnemonic: &'a str,
    /// The error code, for the exceptions that push one.
    pub error_code: Option<u64>,
    /// CR2 (faulting linear address) for a page fault.
    pub cr2: Option<u64>,
    /// The interrupted context.
    pub frame: x86_64::structures::idt::InterruptStackFrameValue,
}

impl core::fmt::Display for ExceptionReport<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let frame = &self.frame;
        write!(f, "CPU exception {} (vector {})", self.mnemonic, self.vector)?;
        if let Some(code) = self.error_code {
            write!(f, ", error code {code:#x}")?;
        }
        write!(f, " at RIP {:#018x}", frame.instruction_pointer.as_u64())?;
        if let Some(cr2) = self.cr2 {
            write!(f, ", CR2 {cr2:#018x}")?;
            if let Some(code) = self.error_code {
                let bits = PageFaultErrorCode::from_bits_truncate(code);
                write!(f, " ({bits:?})")?;
            }
        }
        write!(
            f,
            "; CS {:#x} RFLAGS {:#x} RSP {:#018x} SS {:#x}",
            frame.code_segment.0,
            frame.cpu_flags.bits(),
            frame.stack_pointer.as_u64(),
            frame.stack_segment.0
        )
    }
}

/// Defines a handler for an exception without an error code.
macro_rules! handler {
    ($name:ident, $vector:literal, $mnemonic:literal) => {
        extern "x86-interrupt" fn $name(frame: InterruptStackFrame) {
            fatal($vector, $mnemonic, None, &frame)
        }
    };
}

/// Defines a handler for an exception that pushes an error code.
macro_rules! handler_with_code {
    ($name:ident, $vector:literal, $mnemonic:literal) => {
        extern "x86-interrupt" fn $name(frame: InterruptStackFrame, code: u64) {
            fatal($vector, $mnemonic, Some(code), &frame)
        }
    };
}

handler!(divide_error, 0, "#DE");
handler!(debug, 1, "#DB");
handler!(non_maskable_interrupt, 2, "NMI");
handler!(breakpoint, 3, "#BP");
handler!(overflow, 4, "#OF");
handler!(bound_range_exceeded, 5, "#BR");
handler!(invalid_opcode, 6, "#UD");
handler!(device_not_available, 7, "#NM");
handler_with_code!(invalid_tss, 10, "#TS");
handler_with_code!(segment_not_present, 11, "#NP");
handler_with_code!(stack_segment_fault, 12, "#SS");
handler_with_code!(general_protection_fault, 13, "#GP");
handler!(x87_floating_point, 16, "#MF");
handler_with_code!(alignment_check, 17, "#AC");
handler!(simd_floating_point, 19, "#XM");
handler!(virtualization, 20, "#VE");
handler_with_code!(control_protection, 21, "#CP");
handler!(hypervisor_injection, 28, "#HV");
handler_with_code!(vmm_communication, 29, "#VC");
handler_with_code!(security, 30, "#SX");

extern "x86-interrupt" fn page_fault(frame: InterruptStackFrame, code: PageFaultErrorCode) {
    fatal(14, "#PF", Some(code.bits()), &frame)
}

extern "x86-interrupt" fn double_fault(frame: InterruptStackFrame, code: u64) -> ! {
    fatal(8, "#DF", Some(code), &frame)
}

extern "x86-interrupt" fn machine_check(frame: InterruptStackFrame) -> ! {
    fatal(18, "#MC", None, &frame)
}

static IDT: Lazy<InterruptDescriptorTable> = Lazy::new(|| {
    let mut idt = InterruptDescriptorTable::new();
    idt.divide_error.set_handler_fn(divide_error);
    idt.debug.set_handler_fn(debug);
    idt.breakpoint.set_handler_fn(breakpoint);
    idt.overflow.set_handler_fn(overflow);
    idt.bound_range_exceeded.set_handler_fn(bound_range_exceeded);
    idt.invalid_opcode.set_handler_fn(invalid_opcode);
    idt.device_not_available.set_handler_fn(device_not_available);
    idt.invalid_tss.set_handler_fn(invalid_tss);
    idt.segment_not_present.set_handler_fn(segment_not_present);
    idt.stack_segment_fault.set_handler_fn(stack_segment_fault);
    idt.general_protection_fault.set_handler_fn(general_protection_fault);
    idt.page_fault.set_handler_fn(page_fault);
    idt.x87_floating_point.set_handler_fn(x87_floating_point);
    idt.alignment_check.set_handler_fn(alignment_check);
    idt.simd_floating_point.set_handler_fn(simd_floating_point);
    idt.virtualization.set_handler_fn(virtualization);
    idt.cp_protection_exception.set_handler_fn(control_protection);
    idt.hv_injection_exception.set_handler_fn(hypervisor_injection);
    idt.vmm_communication_exception.set_handler_fn(vmm_communication);
    idt.security_exception.set_handler_fn(security);
    // SAFETY: each IST index names a stack that `gdt::init` installed in the
    // TSS before the IDT is loaded, and no other handler uses those stacks.
    unsafe {
        idt.double_fault.set_handler_fn(double_fault).set_stack_index(gdt::DOUBLE_FAULT_IST);
        idt.non_maskable_interrupt.set_handler_fn(non_maskable_interrupt).set_stack_index(gdt::NMI_IST);
        idt.machine_check.set_handler_fn(machine_check).set_stack_index(gdt::MACHINE_CHECK_IST);
    }
    idt
});

/// Loads the IDT. Call after [`gdt::init`], which installs the IST stacks.
pub fn init() {
    IDT.load();
}
