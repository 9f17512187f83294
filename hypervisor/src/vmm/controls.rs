//! The VM-execution, VM-exit and VM-entry controls every vCPU runs with,
//! computed from the capability MSRs (SDM 25.6-25.8, Appendix A).
//!
//! Each control field is `must_be_one | required | (optional & may_be_one)`
//! (`hv_vmx::AllowedSettings::adjust`). A required control the CPU lacks is
//! an error naming it — never a VM entry that fails later.

use core::fmt;

use hv_vmx::{
    AllowedSettings, EntryControls, ExitControls, MissingControls, PinBased, PrimaryProcBased, SecondaryProcBased,
    VmxCapabilities,
};

/// The adjusted control values.
#[derive(Clone, Copy, Debug)]
pub struct Controls {
    /// Pin-based VM-execution controls.
    pub pin: u32,
    /// Primary processor-based VM-execution controls.
    pub primary: u32,
    /// Secondary processor-based VM-execution controls.
    pub secondary: u32,
    /// VM-exit controls.
    pub exit: u32,
    /// VM-entry controls (without "IA-32e mode guest", which is per guest).
    pub entry: u32,
}

impl Controls {
    /// Whether VM exits save the remaining preemption-timer count.
    pub fn saves_preemption_timer(&self) -> bool {
        ExitControls::from_bits_retain(self.exit).contains(ExitControls::SAVE_PREEMPTION_TIMER)
    }

    /// Whether "virtual NMIs" is on, so NMI-window exiting may be used
    /// (SDM 26.7.6; NMI blocking is then tracked per vCPU, 25.6.1).
    pub fn virtual_nmis(&self) -> bool {
        PinBased::from_bits_retain(self.pin).contains(PinBased::VIRTUAL_NMIS)
    }

    /// Whether "use TPR shadow" is on: the guest's CR8 is the virtual-APIC
    /// page's VTPR (SDM 30.1.2 "TPR Virtualization"), no exit.
    pub fn tpr_shadow(&self) -> bool {
        PrimaryProcBased::from_bits_retain(self.primary).contains(PrimaryProcBased::USE_TPR_SHADOW)
    }

    /// Whether "virtual-interrupt delivery" and "APIC-register
    /// virtualization" are on (SDM 30.2, 30.4.2): the CPU delivers the
    /// local APIC's interrupts from the virtual-APIC page and completes
    /// EOIs; "virtualize x2APIC mode" is switched on per vCPU while its
    /// APIC is in x2APIC mode (`vmm/apic_virtualization.rs`).
    pub fn virtual_interrupt_delivery(&self) -> bool {
        SecondaryProcBased::from_bits_retain(self.secondary).contains(SecondaryProcBased::VIRTUAL_INTERRUPT_DELIVERY)
    }

    /// Whether VPIDs are enabled.
    pub fn vpid(&self) -> bool {
        SecondaryProcBased::from_bits_retain(self.secondary).contains(SecondaryProcBased::ENABLE_VPID)
    }
}

/// How much of the CPU's APIC virtualization the hypervisor may use (boot
/// parameter `apic_virt`); it uses what the capability MSRs offer, up to
/// this.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApicVirtualization {
    /// None: CR8 exits, every APIC access exits, interrupts are injected.
    Off,
    /// The TPR shadow only (CR8 without exits).
    TprShadow,
    /// The TPR shadow, virtual-interrupt delivery, APIC-register
    /// virtualization and "virtualize x2APIC mode".
    #[default]
    VirtualInterrupts,
}

/// The secondary controls of virtual-interrupt delivery as the hypervisor
/// uses it ("virtualize x2APIC mode" is set per vCPU, by its APIC's mode).
const VIRTUAL_INTERRUPT_CONTROLS: SecondaryProcBased = SecondaryProcBased::VIRTUAL_INTERRUPT_DELIVERY
    .union(SecondaryProcBased::APIC_REGISTER_VIRT)
    .union(SecondaryProcBased::VIRTUALIZE_X2APIC);

/// Whether the CPU offers what virtual-interrupt delivery needs: the TPR
/// shadow (SDM 27.2.1.1 requires it) and the three secondary controls.
pub fn virtual_interrupts_offered(caps: &VmxCapabilities) -> bool {
    caps.primary.allows(PrimaryProcBased::USE_TPR_SHADOW.bits())
        && caps.secondary.is_some_and(|secondary| secondary.allows(VIRTUAL_INTERRUPT_CONTROLS.bits()))
}

/// A control the hypervisor needs but the CPU does not offer.
#[derive(Debug)]
pub struct ControlsError {
    field: &'static str,
    missing: MissingControls,
    why: &'static str,
}

impl fmt::Display for ControlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the CPU lacks required {} ({}): {}", self.field, self.missing, self.why)
    }
}

fn adjust(
    settings: AllowedSettings,
    required: u32,
    optional: u32,
    field: &'static str,
    why: &'static str,
) -> Result<u32, ControlsError> {
    settings.adjust(required, optional).map_err(|missing| ControlsError { field, missing, why })
}

/// Computes the controls. Unrestricted guest is required only when some
/// partition starts in real mode (`needs_real_mode`); otherwise it is used if offered.
/// APIC virtualization is used where offered, up to `apic_virt` (else CR8
/// and APIC accesses exit and interrupts are injected).
pub fn compute(
    caps: &VmxCapabilities,
    needs_real_mode: bool,
    apic_virt: ApicVirtualization,
) -> Result<Controls, ControlsError> {
    let unrestricted = SecondaryProcBased::UNRESTRICTED_GUEST.bits();
    let (required_ug, optional_ug) = if needs_real_mode { (unrestricted, 0) } else { (0, unrestricted) };
    // Every external interrupt and NMI belongs to the hypervisor; the
    // VMX-preemption timer ends each partition's time slice (the scheduler
    // cannot take the CPU back from a guest that never exits without it).
    let pin = adjust(
        caps.pin_based,
        (PinBased::EXTERNAL_INTERRUPT_EXITING | PinBased::NMI_EXITING | PinBased::PREEMPTION_TIMER).bits(),
        PinBased::VIRTUAL_NMIS.bits(),
        "pin-based controls",
        "interrupts and NMIs must exit to the hypervisor, and the preemption timer drives the scheduler",
    )?;
    // HLT, all port I/O (through bitmaps that intercept everything not
    // passed through) and all MSR accesses not passed through exit; CR3
    // accesses do not (EPT isolates the guest, CR3 is its own business).
    // CR8 is the virtual APIC's TPR, never the physical one: through the
    // TPR shadow where the CPU offers it (and `apic_virt`), else by exits.
    let tpr = if apic_virt != ApicVirtualization::Off && caps.primary.allows(PrimaryProcBased::USE_TPR_SHADOW.bits()) {
        PrimaryProcBased::USE_TPR_SHADOW
    } else {
        PrimaryProcBased::CR8_LOAD | PrimaryProcBased::CR8_STORE
    };
    let primary = adjust(
        caps.primary,
        (PrimaryProcBased::HLT
            | PrimaryProcBased::USE_IO_BITMAPS
            | PrimaryProcBased::USE_MSR_BITMAPS
            | tpr
            | PrimaryProcBased::ACTIVATE_SECONDARY)
            .bits(),
        0,
        "primary processor-based controls",
        "HLT, I/O, MSR and CR8 accesses must be intercepted",
    )?;
    // Interrupt-window exiting is switched on per entry when an interrupt
    // waits for the guest (vmm/events.rs): it must be allowed.
    if !caps.primary.allows(PrimaryProcBased::INTERRUPT_WINDOW.bits()) {
        return Err(ControlsError {
            field: "primary processor-based controls",
            missing: MissingControls { missing: PrimaryProcBased::INTERRUPT_WINDOW.bits() },
            why: "interrupts are delivered to guests when they can take them",
        });
    }
    let secondary_caps = caps.secondary.ok_or(ControlsError {
        field: "secondary processor-based controls",
        missing: MissingControls { missing: PrimaryProcBased::ACTIVATE_SECONDARY.bits() },
        why: "EPT is configured through them",
    })?;
    let virtual_interrupts = if apic_virt == ApicVirtualization::VirtualInterrupts && virtual_interrupts_offered(caps) {
        (SecondaryProcBased::VIRTUAL_INTERRUPT_DELIVERY | SecondaryProcBased::APIC_REGISTER_VIRT).bits()
    } else {
        0
    };
    let secondary = adjust(
        secondary_caps,
        (SecondaryProcBased::ENABLE_EPT | SecondaryProcBased::WBINVD).bits() | required_ug,
        (SecondaryProcBased::ENABLE_VPID | SecondaryProcBased::ENABLE_RDTSCP | SecondaryProcBased::ENABLE_INVPCID)
            .bits()
            | optional_ug
            | virtual_interrupts,
        "secondary processor-based controls",
        "EPT confines guest memory; unrestricted guest runs the manifest's real-mode partitions unmodified",
    )?;
    let exit = adjust(
        caps.exit,
        (ExitControls::HOST_ADDRESS_SPACE_64 | ExitControls::SAVE_EFER | ExitControls::LOAD_EFER).bits(),
        (ExitControls::SAVE_PAT
            | ExitControls::LOAD_PAT
            | ExitControls::ACK_INTERRUPT_ON_EXIT
            | ExitControls::SAVE_PREEMPTION_TIMER)
            .bits(),
        "VM-exit controls",
        "the host is 64-bit and guest EFER must be switched",
    )?;
    let entry = adjust(
        caps.entry,
        EntryControls::LOAD_EFER.bits(),
        EntryControls::LOAD_PAT.bits(),
        "VM-entry controls",
        "guest EFER must be loaded on entry",
    )?;
    Ok(Controls { pin, primary, secondary, exit, entry })
}
