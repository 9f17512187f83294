//! VMCS regions (SDM 25.2 "Format of the VMCS Region"): a 4 KiB frame
//! starting with the revision identifier, owned by one vCPU, made current
//! with VMPTRLD and initialised with VMCLEAR (SDM 25.11.3).

#![allow(unsafe_code, reason = "mechanism layer: VMCLEAR/VMPTRLD of an owned region")]

use super::instructions::{self, VmFail};
use super::vmxon::VmxOperation;
use crate::mm::{OutOfMemory, OwnedFrames};

/// A VMCS region owned by one vCPU.
pub struct VmcsRegion {
    frames: OwnedFrames,
}

impl VmcsRegion {
    /// Allocates a region with `vmx`'s revision ID and VMCLEARs it, so its
    /// launch state is "clear" (the first entry must be VMLAUNCH).
    pub fn new(vmx: &VmxOperation) -> Result<Self, VmcsError> {
        let mut frames = OwnedFrames::frame().map_err(VmcsError::OutOfMemory)?;
        frames.as_mut_slice()[..4].copy_from_slice(&vmx.revision().to_le_bytes());
        let region = Self { frames };
        region.clear().map_err(VmcsError::Vmclear)?;
        Ok(region)
    }

    /// The region's physical address.
    pub fn phys(&self) -> u64 {
        self.frames.phys().as_u64()
    }

    /// VMCLEAR: writes cached state back and sets the launch state to clear.
    pub fn clear(&self) -> Result<(), VmFail> {
        // SAFETY: `self` owns the region (4 KiB aligned, revision ID set);
        // VMX operation is on, as constructing `self` required.
        unsafe { instructions::vmclear(self.phys()) }
    }

    /// VMPTRLD: makes this the current VMCS of this CPU.
    pub fn make_current(&self) -> Result<(), VmFail> {
        // SAFETY: as in `clear`; the region outlives its being current
        // because `Drop` VMCLEARs it before the frame is freed.
        unsafe { instructions::vmptrld(self.phys()) }
    }
}

impl Drop for VmcsRegion {
    fn drop(&mut self) {
        // Flush the processor's copy before the frame is reused.
        if let Err(fail) = self.clear() {
            log::error!("VMCLEAR of VMCS {:#x} on release failed: {fail}", self.phys());
        }
    }
}

/// Why a VMCS could not be created.
#[derive(Debug)]
pub enum VmcsError {
    /// No frame for the region.
    OutOfMemory(OutOfMemory),
    /// VMCLEAR failed.
    Vmclear(VmFail),
}

impl core::fmt::Display for VmcsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::OutOfMemory(error) => write!(f, "VMCS region: {error}"),
            Self::Vmclear(fail) => write!(f, "VMCLEAR of a new VMCS failed: {fail}"),
        }
    }
}
