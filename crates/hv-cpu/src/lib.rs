//! `hv-cpu`: decoding of CPUID results.
//!
//! The kernel executes `CPUID` (the only part that needs the hardware) and
//! hands the raw registers to this crate as a [`CpuidResult`]; everything else
//! — vendor, family/model/stepping, the feature bits the hypervisor depends on
//! (VMX above all), the brand string, and the signature of a hypervisor we may
//! ourselves be running under — is pure decoding, kept here so it can be tested
//! on the host against register values taken from real CPUs.
//!
//! No `unsafe`, no `alloc`, no `std`.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod bits;
mod brand;
mod features;
mod hypervisor_leaf;
mod leaves;
mod result;
mod signature;
mod text;
mod vendor;

pub use brand::BrandString;
pub use features::Features;
pub use hypervisor_leaf::{HypervisorKind, HypervisorLeaf};
pub use leaves::{
    max_basic_leaf, max_extended_leaf, LEAF_BRAND, LEAF_EXTENDED_FEATURES, LEAF_EXTENDED_MAX, LEAF_FEATURES,
    LEAF_HYPERVISOR, LEAF_VENDOR,
};
pub use result::CpuidResult;
pub use signature::Signature;
pub use vendor::Vendor;
