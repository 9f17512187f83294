//! Model-specific register access.
//!
//! Reads go through [`MsrReader`], which implements `hv_vmx::MsrSource` so the
//! pure capability decoders never execute RDMSR themselves. Callers must only
//! read MSRs whose existence CPUID has established: RDMSR of an absent MSR
//! raises #GP.

#![allow(unsafe_code, reason = "mechanism layer: RDMSR")]

use hv_vmx::{Msr, MsrSource};

/// Reads MSRs that CPUID has shown to exist.
pub struct MsrReader {
    _private: (),
}

impl MsrReader {
    /// A reader for the VMX capability MSRs and IA32_FEATURE_CONTROL.
    ///
    /// Returns `None` unless CPUID.1:ECX.VMX\[bit 5\] is set: SDM Vol. 3D
    /// Appendix A.1 makes the IA32_VMX_* MSRs readable exactly then, and
    /// IA32_FEATURE_CONTROL exists whenever VMX or SMX does (SDM Vol. 4 2.1).
    pub fn for_vmx(vmx_supported: bool) -> Option<Self> {
        vmx_supported.then_some(Self { _private: () })
    }
}

impl MsrSource for MsrReader {
    fn read(&mut self, msr: Msr) -> u64 {
        // SAFETY: an `MsrReader` only exists when CPUID reports VMX, so the
        // architectural VMX MSRs (and IA32_FEATURE_CONTROL) exist; RDMSR
        // has no memory side effects.
        unsafe { x86_64::registers::model_specific::Msr::new(msr.0).read() }
    }
}
