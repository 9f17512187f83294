//! VMX mechanism: the instructions, VMX operation, VMCS regions and the
//! guest entry/exit stub. Policy (what to put in a VMCS, what to do on an
//! exit) lives in `crate::vmm`; this module only executes.
//!
//! Reference: Intel SDM 325462-083US (March 2024), Vol. 3C chapters 24-31.

pub mod entry;
pub mod instructions;
pub mod vmcs;
pub mod vmxon;

pub use instructions::VmFail;
