//! The boot bundle from the ramdisk: validated, listed in the log, and its
//! boot parameters decoded.
//!
//! A missing ramdisk is fine (no parameters, nothing to run yet); a corrupt
//! one is an error that stops the boot, because running with half of what
//! the user asked for would be worse than not running.

use bootloader_api::BootInfo;
use hv_bundle::{params, Bundle, BundleError, PARAMS_ENTRY};

use crate::mm;
use crate::selftest::SelfTest;

/// What the kernel takes from the bundle.
#[derive(Default)]
pub struct BootParams {
    /// A fault-path self-test to run after the CPU report.
    pub selftest: Option<SelfTest>,
    /// End the run after this many milliseconds (TSC time).
    pub run_ms: Option<u64>,
    /// Print partition monitoring lines this often, in milliseconds.
    pub monitor_ms: Option<u64>,
    /// `apic_virt=off|tpr|on`: how much of the CPU's APIC virtualization
    /// may be used (`on`, the default, is all it offers), to test and
    /// compare the paths.
    pub apic_virt: crate::vmm::ApicVirtualization,
    /// The bundle itself (guest images), if there is one.
    pub bundle: Option<Bundle<'static>>,
}

/// Keys the kernel accepts.
const KNOWN_KEYS: &[&str] = &["selftest", "run_ms", "monitor_ms", "linger_ms", "apic_virt"];

/// Why the bundle could not be used.
pub enum BootBundleError {
    /// The bundle is malformed.
    Bundle(BundleError),
    /// The parameters are not valid UTF-8 text.
    ParamsNotText,
    /// A parameter is malformed or unknown (the message names it).
    Param(alloc::string::String),
}

impl core::fmt::Display for BootBundleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Bundle(error) => write!(f, "ramdisk: {error}"),
            Self::ParamsNotText => f.write_str("ramdisk: the boot parameters are not UTF-8 text"),
            Self::Param(message) => write!(f, "ramdisk: {message}"),
        }
    }
}

/// Reads, logs and decodes the bundle.
pub fn load(boot_info: &BootInfo) -> Result<BootParams, BootBundleError> {
    let Some(bytes) = mm::ramdisk(boot_info) else {
        log::info!("ramdisk: none (no boot bundle)");
        return Ok(BootParams::default());
    };
    let bundle = Bundle::parse(bytes).map_err(BootBundleError::Bundle)?;
    log::info!("ramdisk: boot bundle, {} bytes, {} entries", bundle.size(), bundle.len());
    for entry in bundle.entries() {
        log::info!("ramdisk:   {:<32} {:>8} bytes", entry.name(), entry.data().len());
    }
    let mut boot_params = BootParams { bundle: Some(bundle), ..BootParams::default() };
    let Some(entry) = bundle.get(PARAMS_ENTRY) else { return Ok(boot_params) };
    let text = core::str::from_utf8(entry.data()).map_err(|_| BootBundleError::ParamsNotText)?;
    log::info!("ramdisk: boot parameters: {}", text.trim());
    let pairs = params::parse(text, KNOWN_KEYS).map_err(|e| BootBundleError::Param(alloc::format!("{e}")))?;
    for (key, value) in pairs {
        match key {
            "selftest" => {
                boot_params.selftest = Some(SelfTest::from_name(value).ok_or_else(|| {
                    BootBundleError::Param(alloc::format!(
                        "selftest={value}: expected one of {}",
                        SelfTest::NAMES.join(", ")
                    ))
                })?);
            }
            "linger_ms" => {
                let ms = value.parse::<u64>().ok().filter(|ms| *ms <= 60_000);
                crate::run::set_linger_ms(ms.ok_or_else(|| {
                    BootBundleError::Param(alloc::format!("linger_ms={value}: expected milliseconds from 0 to 60000"))
                })?);
            }
            "monitor_ms" => {
                let ms = value.parse::<u64>().ok().filter(|ms| (1..=3_600_000).contains(ms));
                boot_params.monitor_ms = Some(ms.ok_or_else(|| {
                    BootBundleError::Param(alloc::format!(
                        "monitor_ms={value}: expected milliseconds from 1 to 3600000"
                    ))
                })?);
            }
            "apic_virt" => {
                boot_params.apic_virt = match value {
                    "on" => crate::vmm::ApicVirtualization::VirtualInterrupts,
                    "tpr" => crate::vmm::ApicVirtualization::TprShadow,
                    "off" => crate::vmm::ApicVirtualization::Off,
                    _ => {
                        return Err(BootBundleError::Param(alloc::format!(
                            "apic_virt={value}: expected on, tpr (the TPR shadow only) or off"
                        )));
                    }
                };
            }
            "run_ms" => {
                let ms = value.parse::<u64>().ok().filter(|ms| (1..=86_400_000).contains(ms));
                boot_params.run_ms = Some(ms.ok_or_else(|| {
                    BootBundleError::Param(alloc::format!("run_ms={value}: expected milliseconds from 1 to 86400000"))
                })?);
            }
            _ => return Err(BootBundleError::Param(alloc::format!("unhandled boot parameter `{key}`"))),
        }
    }
    Ok(boot_params)
}
