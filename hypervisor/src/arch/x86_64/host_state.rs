//! A snapshot of the host (hypervisor) state that the VMCS host-state area
//! must reproduce on every VM exit (SDM 25.5 "Host-State Area", checks in
//! 27.2.2/27.2.3).

#![allow(unsafe_code, reason = "mechanism layer: reads MSRs and descriptor-table registers")]

use x86_64::instructions::segmentation::{Segment, CS, DS, ES, FS, GS, SS};
use x86_64::instructions::tables::{sgdt, sidt};
use x86_64::registers::control::{Cr0, Cr3, Cr4};
use x86_64::registers::model_specific::Msr;

/// IA32_FS_BASE.
const IA32_FS_BASE: u32 = 0xC000_0100;
/// IA32_GS_BASE.
const IA32_GS_BASE: u32 = 0xC000_0101;
/// IA32_EFER.
const IA32_EFER: u32 = 0xC000_0080;
/// IA32_PAT.
const IA32_PAT: u32 = 0x277;

/// The host state of this CPU, as VM exit must restore it.
#[derive(Clone, Copy, Debug)]
pub struct HostState {
    /// CR0.
    pub cr0: u64,
    /// CR3 (the kernel's page tables).
    pub cr3: u64,
    /// CR4 (with VMXE).
    pub cr4: u64,
    /// CS selector.
    pub cs: u16,
    /// SS selector.
    pub ss: u16,
    /// DS selector.
    pub ds: u16,
    /// ES selector.
    pub es: u16,
    /// FS selector.
    pub fs: u16,
    /// GS selector.
    pub gs: u16,
    /// TR selector.
    pub tr: u16,
    /// FS base.
    pub fs_base: u64,
    /// GS base.
    pub gs_base: u64,
    /// TSS base.
    pub tr_base: u64,
    /// GDTR base.
    pub gdtr_base: u64,
    /// IDTR base.
    pub idtr_base: u64,
    /// IA32_EFER.
    pub efer: u64,
    /// IA32_PAT.
    pub pat: u64,
}

/// Reads the current host state. Call after the kernel's own GDT, TSS and
/// IDT are loaded and VMX operation is on (CR4.VMXE set).
pub fn current() -> HostState {
    let selectors = super::gdt::selectors();
    let (level_4, cr3_flags) = Cr3::read_raw();
    let read = |msr: u32| {
        // SAFETY: FS_BASE, GS_BASE, EFER and PAT are architectural on every
        // x86-64 CPU (PAT since P6); reading them has no side effect.
        unsafe { Msr::new(msr).read() }
    };
    HostState {
        cr0: Cr0::read_raw(),
        cr3: level_4.start_address().as_u64() | u64::from(cr3_flags),
        cr4: Cr4::read_raw(),
        cs: CS::get_reg().0,
        ss: SS::get_reg().0,
        ds: DS::get_reg().0,
        es: ES::get_reg().0,
        fs: FS::get_reg().0,
        gs: GS::get_reg().0,
        tr: selectors.tss.0,
        fs_base: read(IA32_FS_BASE),
        gs_base: read(IA32_GS_BASE),
        tr_base: super::gdt::tss_base(),
        gdtr_base: sgdt().base.as_u64(),
        idtr_base: sidt().base.as_u64(),
        efer: read(IA32_EFER),
        pat: read(IA32_PAT),
    }
}
