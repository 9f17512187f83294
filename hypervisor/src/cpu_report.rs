//! The boot-time CPU report: who this CPU is, whether it has VT-x, how the
//! firmware left IA32_FEATURE_CONTROL, and the decoded VMX capabilities.
//!
//! Nothing here changes CPU state: CR4.VMXE is not touched (QEMU's TCG hangs
//! on it when VMX is absent) and IA32_FEATURE_CONTROL is only read. The VMX
//! MSRs are read only after CPUID.1:ECX.VMX says they exist.

use hv_cpu::{BrandString, CpuidResult, Features, HypervisorLeaf, Signature, Vendor};
use hv_vmx::{FeatureControl, FeatureControlPlan, Msr, MsrSource, VmxCapabilities};

use crate::arch::x86_64::cpu::{self, cpuid};
use crate::arch::x86_64::msr::MsrReader;

/// Everything the report found.
pub struct CpuReport {
    vendor: Vendor,
    brand: BrandString,
    signature: Signature,
    features: Features,
    hypervisor: Option<HypervisorLeaf>,
    vmx: Option<VmxReport>,
}

/// The VMX part, present when CPUID reports VMX.
struct VmxReport {
    feature_control: FeatureControl,
    capabilities: VmxCapabilities,
}

/// Why the hypervisor cannot use VT-x on this CPU.
pub enum Unavailable {
    /// CPUID.1:ECX.VMX is clear.
    NoVmx,
    /// The firmware locked IA32_FEATURE_CONTROL with VMX disabled.
    DisabledByFirmware,
}

/// Reads CPUID and the VMX MSRs.
pub fn gather() -> CpuReport {
    let leaf0 = cpuid(0, 0);
    let max_extended = cpuid(0x8000_0000, 0).eax;
    let extended = |leaf: u32| if leaf <= max_extended { cpuid(leaf, 0) } else { CpuidResult::default() };
    let leaf1 = cpuid(1, 0);
    let features = Features::new(leaf1, extended(0x8000_0001));
    let brand = BrandString::new([extended(0x8000_0002), extended(0x8000_0003), extended(0x8000_0004)]);
    let hypervisor = features.hypervisor_present().then(|| HypervisorLeaf::new(cpuid(0x4000_0000, 0)));
    let vmx = MsrReader::for_vmx(features.vmx()).map(|mut msrs| VmxReport {
        feature_control: FeatureControl(msrs.read(Msr::IA32_FEATURE_CONTROL)),
        capabilities: VmxCapabilities::read(&mut msrs),
    });
    CpuReport { vendor: Vendor::new(leaf0), brand, signature: Signature::new(leaf1.eax), features, hypervisor, vmx }
}

impl CpuReport {
    /// The VMX capabilities if VT-x can be used: present, and not locked
    /// off by the firmware.
    pub fn vmx_readiness(&self) -> Result<&VmxCapabilities, Unavailable> {
        let vmx = self.vmx.as_ref().ok_or(Unavailable::NoVmx)?;
        match vmx.feature_control.plan() {
            FeatureControlPlan::DisabledByFirmware => Err(Unavailable::DisabledByFirmware),
            FeatureControlPlan::AlreadyEnabled | FeatureControlPlan::Enable { .. } => Ok(&vmx.capabilities),
        }
    }
}

/// Logs the report.
pub fn print(report: &CpuReport) {
    log::info!("cpu: {} \"{}\"", report.vendor.as_str(), report.brand.as_str());
    log::info!("cpu: {}", report.signature);
    if let Some(hypervisor) = &report.hypervisor {
        log::info!("cpu: running under a hypervisor, signature \"{}\"", hypervisor.signature_str());
    }
    log::info!("cpu: CPUID.1:ECX.VMX = {}", u8::from(report.features.vmx()));
    let Some(vmx) = &report.vmx else { return };
    log::info!("cpu: IA32_FEATURE_CONTROL = {:#x} ({})", vmx.feature_control.0, vmx.feature_control);
    for line in alloc::format!("{}", vmx.capabilities).lines() {
        log::info!("vmx: {line}");
    }
    let (cr0, cr4) = (cpu::cr0(), cpu::cr4());
    log::info!(
        "vmx: CR0 {cr0:#x} (to change for VMXON: {:#x}), CR4 {cr4:#x} (to change: {:#x}; VMXE is set at VMXON)",
        vmx.capabilities.cr0.violations(cr0),
        vmx.capabilities.cr4.violations(cr4)
    );
    log::info!(
        "vmx: summary: EPT {}, unrestricted guest {}, VPID {}, 1 GiB EPT pages {}, preemption timer {}",
        yes_no(vmx.capabilities.has_ept()),
        yes_no(vmx.capabilities.has_unrestricted_guest()),
        yes_no(vmx.capabilities.has_vpid()),
        yes_no(vmx.capabilities.has_1g_pages()),
        yes_no(vmx.capabilities.has_preemption_timer()),
    );
}

/// Explains, in words a user can act on, why VT-x is unavailable.
pub fn explain_unavailable(report: &CpuReport, reason: &Unavailable) {
    match reason {
        Unavailable::NoVmx => {
            log::error!("VT-x is not available: CPUID.1:ECX.VMX (bit 5) is clear on this CPU.");
            if let Some(hypervisor) = &report.hypervisor {
                log::error!(
                    "We run under a hypervisor (\"{}\") that does not expose VMX to its guests.",
                    hypervisor.signature_str()
                );
            }
            if report.features.svm() {
                log::error!("This is an AMD CPU (it has SVM/AMD-V); this hypervisor needs Intel VT-x.");
            }
            log::error!("To run it: on an Intel host, QEMU with KVM and nested VT-x");
            log::error!("  (/sys/module/kvm_intel/parameters/nested = Y, QEMU -cpu host,+vmx),");
            log::error!("  or anywhere, Bochs with a VMX CPU model: cargo xtask run --emulator bochs");
        }
        Unavailable::DisabledByFirmware => {
            log::error!("VT-x is present but disabled by the firmware: IA32_FEATURE_CONTROL is locked");
            log::error!("with 'VMX outside SMX' clear. Enable 'Intel Virtualization Technology' (VT-x)");
            log::error!("in the firmware set-up and power-cycle the machine.");
        }
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}
