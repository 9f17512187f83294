//! Entering VMX operation (SDM 24.7 "Enabling and Entering VMX Operation").
//!
//! In order: IA32_FEATURE_CONTROL must allow VMXON outside SMX (set and
//! locked here when the firmware left it unlocked, as OVMF does); CR0 and
//! CR4 must satisfy the IA32_VMX_CR0/CR4_FIXED0/1 MSRs (SDM 24.8, A.7, A.8),
//! which includes CR4.VMXE; then VMXON with a 4 KiB region that starts with
//! the VMCS revision identifier from IA32_VMX_BASIC (SDM 25.11.5).

#![allow(unsafe_code, reason = "mechanism layer: writes CR0/CR4 and IA32_FEATURE_CONTROL, executes VMXON")]

use core::fmt;

use hv_vmx::{FeatureControl, FeatureControlPlan, Msr, VmxCapabilities};
use x86_64::registers::control::{Cr0, Cr4};
use x86_64::registers::model_specific::Msr as RawMsr;

use super::instructions::{self, VmFail};
use crate::mm::{OutOfMemory, OwnedFrames};

/// CR4.VMXE (bit 13).
const CR4_VMXE: u64 = 1 << 13;

/// Proof that this CPU is in VMX root operation; owns the VMXON region.
pub struct VmxOperation {
    _region: OwnedFrames,
    revision: u32,
}

impl VmxOperation {
    /// The VMCS revision identifier every VMCS region must carry.
    pub fn revision(&self) -> u32 {
        self.revision
    }
}

/// Why VMX operation could not be entered.
#[derive(Debug)]
pub enum EnableError {
    /// IA32_FEATURE_CONTROL is locked with VMX disabled.
    DisabledByFirmware,
    /// No frame for the VMXON region.
    OutOfMemory(OutOfMemory),
    /// VMXON itself failed.
    Vmxon(VmFail),
}

impl fmt::Display for EnableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DisabledByFirmware => {
                f.write_str("IA32_FEATURE_CONTROL is locked with VMX disabled: enable VT-x in the firmware set-up")
            }
            Self::OutOfMemory(error) => write!(f, "VMXON region: {error}"),
            Self::Vmxon(fail) => write!(f, "VMXON failed: {fail}"),
        }
    }
}

/// Enters VMX root operation on this CPU.
///
/// The caller must have checked CPUID.1:ECX.VMX (the capability MSRs in
/// `caps` were read, which already requires it).
pub fn enable(caps: &VmxCapabilities) -> Result<VmxOperation, EnableError> {
    let mut feature_control = RawMsr::new(Msr::IA32_FEATURE_CONTROL.0);
    // SAFETY: IA32_FEATURE_CONTROL exists on every CPU with VMX (SDM Vol. 4
    // 2.1), which `caps` having been read proves.
    let current = FeatureControl(unsafe { feature_control.read() });
    match current.plan() {
        FeatureControlPlan::AlreadyEnabled => {}
        FeatureControlPlan::DisabledByFirmware => return Err(EnableError::DisabledByFirmware),
        FeatureControlPlan::Enable { value_to_write } => {
            log::info!("vmx: IA32_FEATURE_CONTROL {:#x} -> {value_to_write:#x} (lock, VMX outside SMX)", current.0);
            // SAFETY: the register is unlocked (the plan says so), so the
            // write is allowed; it only enables VMXON and locks the register.
            unsafe { feature_control.write(value_to_write) };
        }
    }

    let cr0 = caps.cr0.apply(Cr0::read_raw());
    let cr4 = caps.cr4.apply(Cr4::read_raw() | CR4_VMXE);
    // SAFETY: the fixed-bit MSRs only force bits that a 64-bit kernel
    // already has (CR0.PE/PG/NE) or that affect nothing but VMX (CR4.VMXE);
    // paging, protection and caching stay as they are.
    unsafe {
        Cr0::write_raw(cr0);
        Cr4::write_raw(cr4);
    }

    let revision = caps.basic.revision_id();
    let mut region = OwnedFrames::frame().map_err(EnableError::OutOfMemory)?;
    region.as_mut_slice()[..4].copy_from_slice(&revision.to_le_bytes());
    // SAFETY: the region is a zeroed, 4 KiB-aligned frame we own for as long
    // as the returned `VmxOperation` lives, with the revision ID in its
    // first four bytes (bit 31 clear); CR0/CR4 and IA32_FEATURE_CONTROL were
    // just made to satisfy VMXON's requirements.
    unsafe { instructions::vmxon(region.phys().as_u64()) }.map_err(EnableError::Vmxon)?;
    Ok(VmxOperation { _region: region, revision })
}
