//! The hypervisor's own GDT and TSS.
//!
//! The bootloader's tables live in memory we do not control, and the VMX host
//! state (SDM Vol. 3C 25.5, "Host-State Area") must name a GDT, a TSS and
//! selectors that stay valid for the hypervisor's lifetime, so the kernel
//! installs its own at boot.
//!
//! The TSS provides separate Interrupt Stack Table stacks (SDM Vol. 3A 7.14.5)
//! for the exceptions that can arrive on a broken stack: #DF, NMI and #MC. A
//! double fault caused by a kernel stack overflow then still has a stack to
//! print on.

#![allow(unsafe_code, reason = "mechanism layer: loads GDT, segment registers and TR")]

use spin::Lazy;
use x86_64::instructions::segmentation::{Segment, CS, DS, ES, SS};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;
use x86_64::VirtAddr;

/// IST slot (0-based, as the `x86_64` crate counts) of the double-fault stack.
pub const DOUBLE_FAULT_IST: u16 = 0;
/// IST slot of the NMI stack.
pub const NMI_IST: u16 = 1;
/// IST slot of the machine-check stack.
pub const MACHINE_CHECK_IST: u16 = 2;

const IST_STACK_SIZE: usize = 16 * 1024;

/// One IST stack. It lives in `.bss` (a `static mut`): the CPU writes to it,
/// so it must never be placed in read-only memory.
#[repr(C, align(16))]
struct IstStack([u8; IST_STACK_SIZE]);

static mut DOUBLE_FAULT_STACK: IstStack = IstStack([0; IST_STACK_SIZE]);
static mut NMI_STACK: IstStack = IstStack([0; IST_STACK_SIZE]);
static mut MACHINE_CHECK_STACK: IstStack = IstStack([0; IST_STACK_SIZE]);

/// The top (highest address; stacks grow down) of an IST stack.
fn stack_top(stack: *const IstStack) -> VirtAddr {
    VirtAddr::from_ptr(stack) + IST_STACK_SIZE as u64
}

static TSS: Lazy<TaskStateSegment> = Lazy::new(|| {
    let mut tss = TaskStateSegment::new();
    tss.interrupt_stack_table[usize::from(DOUBLE_FAULT_IST)] = stack_top(&raw const DOUBLE_FAULT_STACK);
    tss.interrupt_stack_table[usize::from(NMI_IST)] = stack_top(&raw const NMI_STACK);
    tss.interrupt_stack_table[usize::from(MACHINE_CHECK_IST)] = stack_top(&raw const MACHINE_CHECK_STACK);
    tss
});

/// The selectors of the hypervisor's GDT, needed again for the VMCS host state.
#[derive(Clone, Copy, Debug)]
pub struct Selectors {
    /// 64-bit ring-0 code segment.
    pub code: SegmentSelector,
    /// Ring-0 data segment.
    pub data: SegmentSelector,
    /// The TSS.
    pub tss: SegmentSelector,
}

static GDT: Lazy<(GlobalDescriptorTable, Selectors)> = Lazy::new(|| {
    let mut gdt = GlobalDescriptorTable::new();
    let code = gdt.append(Descriptor::kernel_code_segment());
    let data = gdt.append(Descriptor::kernel_data_segment());
    let tss = gdt.append(Descriptor::tss_segment(&TSS));
    (gdt, Selectors { code, data, tss })
});

/// Loads the GDT, reloads every segment register and loads the task register.
pub fn init() {
    let (gdt, selectors) = &*GDT;
    gdt.load();
    // SAFETY: the selectors index descriptors of the GDT just loaded, which
    // is `'static`; the code segment is a 64-bit ring-0 code segment and the
    // data segment a writable ring-0 data segment, so execution and stack
    // accesses continue unchanged. The TSS descriptor points at a `'static`
    // TSS and has never been loaded (its busy bit is clear).
    unsafe {
        CS::set_reg(selectors.code);
        SS::set_reg(selectors.data);
        DS::set_reg(selectors.data);
        ES::set_reg(selectors.data);
        load_tss(selectors.tss);
    }
}

/// The selectors of the loaded GDT (the VMCS host-state area names them).
pub fn selectors() -> Selectors {
    GDT.1
}

/// The linear address of the TSS (HOST_TR_BASE).
pub fn tss_base() -> u64 {
    let tss: &TaskStateSegment = &TSS;
    tss as *const TaskStateSegment as u64
}
