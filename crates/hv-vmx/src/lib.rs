//! VMX architectural definitions decoded from raw MSR values: capability
//! MSRs, control-field bits and the adjustment of controls to what the
//! processor allows.
//!
//! Reference: Intel 64 and IA-32 Architectures Software Developer's Manual
//! (SDM), Order Number 325462-083US, March 2024. Section numbers in this crate
//! are from that edition (VMCS chapter 25, VM entries chapter 27; editions
//! before 2023 number them one lower). Appendix A ("VMX Capability Reporting
//! Facility", Vol. 3D) is the main source.
//!
//! Why a separate crate: these rules are pure bit arithmetic, so they are
//! tested on the host with recorded MSR values. The kernel supplies the values
//! through [`MsrSource`] (a real `RDMSR`), uses [`VmxCapabilities`] for its
//! boot-time CPU report now, and the VMX core will use [`AllowedSettings`]
//! and [`FixedBits`] to build a VMCS that VM entry accepts.
//!
//! The crate has no `unsafe` code and does not allocate.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod bits;

pub mod basic;
pub mod capabilities;
pub mod control_bits;
pub mod controls;
pub mod ept_vpid;
pub mod feature_control;
pub mod fixed_bits;
pub mod misc;
pub mod msr;

pub use basic::{VmcsMemoryType, VmxBasic};
pub use capabilities::VmxCapabilities;
pub use control_bits::{EntryControls, ExitControls, PinBased, PrimaryProcBased, SecondaryProcBased};
pub use controls::{capability_msr, AllowedSettings, ControlKind, MissingControls};
pub use ept_vpid::EptVpidCap;
pub use feature_control::{FeatureControl, FeatureControlPlan};
pub use fixed_bits::{FixedBits, CR0_PE, CR0_PG};
pub use misc::VmxMisc;
pub use msr::{Msr, MsrSource};
