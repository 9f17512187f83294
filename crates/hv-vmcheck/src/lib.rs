//! `hv-vmcheck`: a software copy of the guest-state checks that VM entry
//! performs, which names the first rule a guest state breaks.
//!
//! What: [`check_guest_state`] takes the guest-state values the hypervisor is
//! about to write to the VMCS ([`GuestState`]) and the controls and
//! capabilities they will be checked against ([`EntryContext`]), and walks
//! the rules of Intel SDM Vol. 3C Section 27.3.1 ("Checks on the Guest State
//! Area") in the order the manual lists them. The first broken rule comes
//! back as a [`Violation`] that prints like
//! `SDM 27.3.1.2: guest CS access rights 0x93: CS type must be 9, 11, 13 or 15 ...`.
//!
//! Why: when a guest-state check fails, the processor only reports "VM-entry
//! failure due to invalid guest state" (exit reason 33) and does not say which
//! of the roughly one hundred rules was broken. Running the same rules in
//! software before the first VMLAUNCH of each vCPU turns that opaque failure
//! into a precise message. [`GuestState::real_mode_at`] and
//! [`GuestState::long_mode_flat`] are the initial guest states the kernel
//! uses, and the tests prove the checker accepts them.
//!
//! Reference: Intel 64 and IA-32 Architectures Software Developer's Manual,
//! Order Number 325462-083US, March 2024, Vol. 3C Chapter 27 ("VM Entries"):
//! 27.3.1.1 (control and debug registers, MSRs), 27.3.1.2 (segment
//! registers), 27.3.1.3 (descriptor-table registers), 27.3.1.4 (RIP and
//! RFLAGS) and 27.3.1.5 (non-register state). Editions before 2023 number this
//! chapter 26. Checks on the VMX controls (27.2.1), on the host state (27.2.2)
//! and the PDPTE checks (27.3.1.6) are not part of this crate; see
//! [`check_guest_state`] for the rules that are approximated or left out.
//!
//! The crate is pure: no `unsafe`, no allocation, no `std` outside tests.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod arch;
mod canonical;
mod check;
mod context;
mod entry_interruption;
mod guest_state;
mod presets;
mod segment;
mod violation;

#[cfg(test)]
mod test_support;

pub use canonical::canonical;
pub use check::check_guest_state;
pub use context::{EntryContext, DEFAULT_LINEAR_ADDRESS_WIDTH};
pub use entry_interruption::{EntryInterruption, InterruptionType};
pub use guest_state::GuestState;
pub use presets::{LONG_MODE_CODE_SELECTOR, LONG_MODE_DATA_SELECTOR, LONG_MODE_TSS_SELECTOR};
pub use segment::SegmentRegister;
pub use violation::Violation;
