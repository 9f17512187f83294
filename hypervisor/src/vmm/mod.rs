//! The virtual-machine monitor: policy on top of the VMX mechanism in
//! `arch::x86_64::vmx`. Safe code that decides; the mechanism executes.
//!
//! It enters VMX operation, decodes and re-validates the partition manifest
//! from the boot bundle, and hands it to the partition manager
//! ([`manager`]), which runs the partitions by their schedule.

mod apic_virtualization;
mod boot_structures;
mod console;
mod console_input;
mod controls;
mod dump;
mod events;
mod exit;
mod guest_state;
mod manager;
mod memory;
mod multiboot;
mod partition;
mod platform;
mod stats;
mod stop;
mod text_screen;
mod vcpu;

use hv_bundle::Bundle;
use hv_vmx::VmxCapabilities;

use crate::arch::x86_64::cpu::cpuid;
use crate::arch::x86_64::interrupt_controllers;
use crate::arch::x86_64::vmx::vmxon;
use crate::arch::x86_64::xcr0;
pub use controls::ApicVirtualization;
pub use manager::Summary;
use partition::Platform;

use crate::selftest::GuestStateFault;

/// The boot-bundle entry holding the encoded partition manifest.
pub const MANIFEST_ENTRY: &str = "manifest";

/// The low 32 bits of a register value (CPUID leaves, MSR numbers, ...).
#[expect(clippy::cast_possible_truncation, reason = "takes the low half on purpose")]
pub fn low32(value: u64) -> u32 {
    value as u32
}

/// How long to run and how often to report, in TSC ticks.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// End the run after this long (boot parameter `run_ms`).
    pub limit_ticks: Option<u64>,
    /// Print a monitoring line per partition this often (boot parameter `monitor_ms`).
    pub monitor_ticks: Option<u64>,
    /// How much of the CPU's APIC virtualization to use (boot parameter `apic_virt`).
    pub apic_virt: ApicVirtualization,
}

/// Enters VMX operation and runs the partitions of the bundle's manifest.
///
/// `fault` (a self-test) breaks the first partition's guest state.
pub fn run(
    caps: &VmxCapabilities,
    bundle: Option<&Bundle<'_>>,
    options: RunOptions,
    fault: Option<GuestStateFault>,
) -> Result<Summary, RunError> {
    let bundle = bundle.ok_or(RunError::NoBundle)?;
    let encoded = bundle.get(MANIFEST_ENTRY).ok_or(RunError::NoManifest)?;
    // Built and validated by xtask, but still input: decoded and validated
    // again with the same rules.
    let manifest = hv_manifest::decode(encoded.data()).map_err(|e| RunError::Manifest(alloc::format!("{e}")))?;
    if let Err(errors) = hv_manifest::validate(&manifest, &hv_manifest::ValidationContext::default()) {
        for error in &errors {
            log::error!("manifest: {error}");
        }
        return Err(RunError::Manifest(alloc::format!("{} problem(s), listed above", errors.len())));
    }
    let needs_real_mode = manifest.partitions.iter().any(|p| p.mode == hv_manifest::CpuMode::Real16);
    report_readiness(caps, &manifest);
    let controls = controls::compute(caps, needs_real_mode, options.apic_virt).map_err(RunError::Controls)?;
    report_apic_virtualization(caps, &controls, options.apic_virt);
    check_memory(&manifest)?;
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
    manager::run(&platform, &manifest, bundle, options, fault).map_err(RunError::Manager)
}

/// Logs, for each VMX feature, whether this CPU has it and what needs it.
fn report_readiness(caps: &VmxCapabilities, manifest: &hv_manifest::Manifest) {
    let yes_no = |present: bool| if present { "present" } else { "MISSING" };
    let real_mode: alloc::vec::Vec<&str> = manifest
        .partitions
        .iter()
        .filter(|p| p.mode == hv_manifest::CpuMode::Real16)
        .map(|p| p.name.as_str())
        .collect();
    log::info!("readiness: EPT {} (required: confines each partition's memory)", yes_no(caps.has_ept()));
    log::info!(
        "readiness: VMX-preemption timer {} (required: ends each time slice)",
        yes_no(caps.has_preemption_timer())
    );
    if real_mode.is_empty() {
        log::info!(
            "readiness: unrestricted guest {} (not needed: no real-mode partition)",
            yes_no(caps.has_unrestricted_guest())
        );
    } else {
        log::info!(
            "readiness: unrestricted guest {} (required by real-mode partitions: {})",
            yes_no(caps.has_unrestricted_guest()),
            real_mode.join(", ")
        );
    }
    log::info!("readiness: VPID {} (optional: keeps TLB entries across switches)", yes_no(caps.has_vpid()));
}

/// Says how much of the APIC the CPU virtualizes: the TPR shadow, and
/// virtual-interrupt delivery with APIC-register virtualization.
fn report_apic_virtualization(caps: &VmxCapabilities, controls: &controls::Controls, wanted: ApicVirtualization) {
    let offered = caps.primary.allows(hv_vmx::PrimaryProcBased::USE_TPR_SHADOW.bits());
    let how = match (controls.tpr_shadow(), offered, wanted) {
        (true, _, _) => "used: guests' CR8 accesses do not exit",
        (false, true, ApicVirtualization::Off) => "not used (apic_virt=off): CR8 accesses exit and are emulated",
        _ => "not offered: CR8 accesses exit and are emulated",
    };
    log::info!("readiness: TPR shadow {} ({how})", if offered { "present" } else { "MISSING" });
    let offered = controls::virtual_interrupts_offered(caps);
    let how = match (controls.virtual_interrupt_delivery(), offered, wanted) {
        (true, _, _) => {
            "used: the CPU delivers the local APIC's interrupts and completes EOIs, \
             and answers x2APIC register reads, without exits"
        }
        (false, true, _) => "not used (apic_virt=tpr or off): interrupts are injected, every APIC access exits",
        (false, false, _) => "not offered: interrupts are injected, APIC accesses other than CR8 exit",
    };
    log::info!("readiness: virtual-interrupt delivery {} ({how})", if offered { "present" } else { "MISSING" });
}

/// Host memory each partition needs beyond its guest memory: VMCS, EPT
/// tables, I/O and MSR bitmaps, with room to spare.
const PER_PARTITION_OVERHEAD: u64 = 1 << 20;

/// Whether this machine has the memory the manifest asks for.
fn check_memory(manifest: &hv_manifest::Manifest) -> Result<(), RunError> {
    let needed: u64 =
        manifest.partitions.iter().map(|p| (u64::from(p.memory_mib) << 20) + PER_PARTITION_OVERHEAD).sum();
    let free = crate::mm::free_bytes();
    log::info!("readiness: the manifest needs {} MiB, {} MiB are free", needed >> 20, free >> 20);
    if needed > free {
        return Err(RunError::NotEnoughMemory { needed, free });
    }
    Ok(())
}

/// Why the partitions could not be run at all.
pub enum RunError {
    /// The ramdisk holds no boot bundle.
    NoBundle,
    /// The bundle holds no manifest.
    NoManifest,
    /// The manifest is malformed or invalid.
    Manifest(alloc::string::String),
    /// The machine has too little free memory for the manifest.
    NotEnoughMemory {
        /// Bytes needed (guest memory plus overhead).
        needed: u64,
        /// Bytes free.
        free: u64,
    },
    /// A required VMX control is missing.
    Controls(controls::ControlsError),
    /// VMXON failed.
    Enable(vmxon::EnableError),
    /// The partition manager could not start.
    Manager(manager::ManagerError),
}

impl core::fmt::Display for RunError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NoBundle => f.write_str("no boot bundle in the ramdisk: build the image with cargo xtask"),
            Self::NoManifest => f.write_str("the boot bundle has no partition manifest: build it with cargo xtask"),
            Self::Manifest(why) => write!(f, "partition manifest: {why}"),
            Self::NotEnoughMemory { needed, free } => write!(
                f,
                "this machine has {} MiB free but the manifest's partitions need {} MiB: \
                 install more memory or lower memory_mib in the manifest",
                free >> 20,
                needed >> 20
            ),
            Self::Controls(error) => write!(f, "{error}"),
            Self::Enable(error) => write!(f, "{error}"),
            Self::Manager(error) => write!(f, "{error}"),
        }
    }
}
