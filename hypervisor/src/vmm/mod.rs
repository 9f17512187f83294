//! The virtual-machine monitor: policy on top of the VMX mechanism in
//! `arch::x86_64::vmx`. Safe code that decides; the mechanism executes.
//!
//! Today it enters VMX operation, creates the requested partitions one after
//! another on this CPU, runs each until it stops, and reports how each
//! ended and which exits it took. (The partition manager and the scheduler
//! that interleaves partitions come next.)

mod boot_structures;
mod console;
mod controls;
mod dump;
mod exit;
mod guest_state;
mod guests;
mod memory;
mod partition;
mod stats;
mod stop;
mod vcpu;

use hv_bundle::Bundle;
use hv_vmx::VmxCapabilities;

use crate::arch::x86_64::cpu::cpuid;
use crate::arch::x86_64::interrupt_controllers;
use crate::arch::x86_64::vmx::vmxon;
use crate::arch::x86_64::xcr0;
pub use guests::GuestSelection;
use partition::{Partition, PartitionSpec, Platform};

use crate::selftest::GuestStateFault;

/// The low 32 bits of a register value (CPUID leaves, MSR numbers, ...).
#[expect(clippy::cast_possible_truncation, reason = "takes the low half on purpose")]
pub fn low32(value: u64) -> u32 {
    value as u32
}

/// How the partitions' runs went, for the run status.
pub struct Summary {
    /// Partitions that ran and stopped (cleanly or contained).
    pub ran: usize,
    /// Partitions whose run ended by a hypervisor-side failure, or that
    /// could not be created.
    pub hypervisor_failures: usize,
}

/// Enters VMX operation and runs the selected guests from `bundle`.
///
/// `fault` (a self-test) breaks the first partition's guest state on purpose.
pub fn run(
    caps: &VmxCapabilities,
    bundle: Option<&Bundle<'_>>,
    selection: &GuestSelection,
    fault: Option<GuestStateFault>,
) -> Result<Summary, RunError> {
    let controls = controls::compute(caps).map_err(RunError::Controls)?;
    interrupt_controllers::mask_legacy_pics();
    vcpu::init_fixed_bits(caps);
    let vmx = vmxon::enable(caps).map_err(RunError::Enable)?;
    log::info!(
        "vmx: VMX root operation entered (VMCS revision {}); controls pin {:#x} proc {:#x} proc2 {:#x} exit {:#x} entry {:#x}",
        vmx.revision(),
        controls.pin,
        controls.primary,
        controls.secondary,
        controls.exit,
        controls.entry
    );
    let physical_address_width = u8::try_from(cpuid(0x8000_0008, 0).eax & 0xFF).unwrap_or(36);
    let xcr0_usable = xcr0::enable(cpuid(1, 0).ecx & (1 << 26) != 0);
    let platform = Platform { vmx: &vmx, caps, controls: &controls, physical_address_width, xcr0_usable };
    let mut summary = Summary { ran: 0, hypervisor_failures: 0 };
    for (index, guest) in selection.guests().enumerate() {
        let id = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let Some(image) = bundle.and_then(|b| b.get(guest.image)) else {
            log::error!(
                "partition {}: image `{}` is not in the boot bundle (rebuild with cargo xtask)",
                guest.name,
                guest.image
            );
            summary.hypervisor_failures += 1;
            continue;
        };
        let spec = PartitionSpec {
            name: guest.name,
            image: image.data(),
            mode: guest.mode,
            memory_bytes: guest.memory_mib << 20,
            boot_argument: guest.boot_argument,
        };
        let fault = if index == 0 { fault } else { None };
        let mut partition = match Partition::create(&platform, &spec, id, fault) {
            Ok(partition) => partition,
            Err(error) => {
                log::error!("partition {}: cannot be created: {error}", guest.name);
                summary.hypervisor_failures += 1;
                continue;
            }
        };
        log::info!(
            "partition {} (id {id}): {} MiB, {:?}, EPT in {} table frames, starting",
            guest.name,
            guest.memory_mib,
            guest.mode,
            partition.ept_tables()
        );
        let reason = partition.run();
        let contained = if reason.is_clean() {
            "stopped"
        } else if reason.is_hypervisor_failure() {
            "stopped by a hypervisor-side failure"
        } else {
            "stopped, contained"
        };
        log::info!("partition {}: {contained}: {reason}", partition.name());
        log::info!(
            "partition {}: {}; console {} bytes",
            partition.name(),
            partition.exits(),
            partition.console_bytes()
        );
        if reason.is_hypervisor_failure() {
            summary.hypervisor_failures += 1;
        } else {
            summary.ran += 1;
        }
    }
    Ok(summary)
}

/// Why VMX could not be used at all.
pub enum RunError {
    /// A required VMX control is missing.
    Controls(controls::ControlsError),
    /// VMXON failed.
    Enable(vmxon::EnableError),
}

impl core::fmt::Display for RunError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Controls(error) => write!(f, "{error}"),
            Self::Enable(error) => write!(f, "{error}"),
        }
    }
}
