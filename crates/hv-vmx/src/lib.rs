//! VMX architectural definitions: capability MSRs, control-field bits and
//! the adjustment of controls to what the processor allows, typed VMCS field
//! encodings, and the decoding of what VM exits and failed VMX instructions
//! report.
//!
//! Reference: Intel 64 and IA-32 Architectures Software Developer's Manual
//! (SDM), Order Number 325462-083US, March 2024. Section numbers in this crate
//! are from that edition (VMCS chapter 25, VMX non-root operation 26, VM
//! entries 27, VM exits 28, VMX instruction reference 31; editions before 2023
//! number them one lower). Vol. 3D Appendix A ("VMX Capability Reporting
//! Facility") is the source of the capability decoding, Appendix B ("Field
//! Encoding in VMCS") of [`vmcs_field`] and Appendix C ("VMX Basic Exit
//! Reasons") of [`exit_reason`].
//!
//! Why a separate crate: these rules are pure bit arithmetic, so they are
//! tested on the host with recorded MSR values. The kernel supplies the values
//! through [`MsrSource`] (a real `RDMSR`), uses [`VmxCapabilities`] for its
//! boot-time CPU report now, and the VMX core will use [`AllowedSettings`]
//! and [`FixedBits`] to build a VMCS that VM entry accepts. The VMX core names
//! fields with the [`vmcs_field`] enums (its `vmwrite` accepts only
//! [`VmcsWritable`] fields), builds [`MsrBitmap`] and [`IoBitmaps`], injects
//! [`Event`]s, and decodes exits with [`ExitReasonField`], the
//! [`qualification`] types and [`VmInstructionError`].
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
pub mod event;
pub mod exit_reason;
pub mod feature_control;
pub mod fixed_bits;
pub mod injection;
pub mod instruction_error;
pub mod io_bitmap;
pub mod misc;
pub mod msr;
pub mod msr_bitmap;
pub mod qualification;
pub mod vmcs_field;

pub use basic::{VmcsMemoryType, VmxBasic};
pub use capabilities::VmxCapabilities;
pub use control_bits::{EntryControls, ExitControls, PinBased, PrimaryProcBased, SecondaryProcBased};
pub use controls::{capability_msr, AllowedSettings, ControlKind, MissingControls};
pub use ept_vpid::EptVpidCap;
pub use event::{delivers_error_code, vector, Event, EventError, EventType, ExitInterruptionInfo};
pub use exit_reason::{ExitReason, ExitReasonField};
pub use feature_control::{FeatureControl, FeatureControlPlan};
pub use fixed_bits::{FixedBits, CR0_PE, CR0_PG};
pub use injection::{GuestReadiness, Injectable, InjectionPlan, PendingEvents};
pub use instruction_error::{describe as describe_instruction_error, VmInstructionError};
pub use io_bitmap::{IoBitmaps, PortRangeError};
pub use misc::VmxMisc;
pub use msr::{Msr, MsrSource};
pub use msr_bitmap::{MsrBitmap, MsrOutOfRange};
pub use qualification::{
    AddressSize, CrAccess, CrAccessType, EptViolation, IoDirection, IoQualification, IoStringInfo, SegmentRegister,
};
pub use vmcs_field::{
    Control16, Control32, Control64, ControlNatural, ExitInfo32, ExitInfo64, ExitInfoNatural, FieldType, FieldWidth,
    Guest16, Guest32, Guest64, GuestNatural, Host16, Host32, Host64, HostNatural, VmcsField, VmcsReadable,
    VmcsWritable, DUMP_ORDER,
};
