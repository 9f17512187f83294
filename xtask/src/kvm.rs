//! Whether this host can run QEMU with KVM and nested VT-x.
//!
//! Needs: an Intel CPU exposing VMX to us, `/dev/kvm` usable, and the
//! `kvm_intel` module loaded with `nested=Y` (the default on recent kernels).
//! Any missing piece is reported by name, so `doctor` can say what to change.

use std::path::Path;

/// The verdict, with the reason when nested VT-x is unavailable.
pub enum NestedVtx {
    /// QEMU can run the hypervisor under KVM with `-cpu host,+vmx`.
    Available,
    /// It cannot; the text says why and what would fix it.
    Unavailable(String),
}

/// Probes the host.
pub fn probe() -> NestedVtx {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let flags = cpuinfo.lines().find(|line| line.starts_with("flags")).unwrap_or("");
    let has_flag = |flag: &str| flags.split_whitespace().any(|f| f == flag);
    if !has_flag("vmx") {
        let why = if has_flag("svm") {
            "this host CPU is AMD (SVM); KVM cannot offer nested VT-x on it"
        } else if cpuinfo.contains("GenuineIntel") {
            "this Intel CPU does not expose VMX here (disabled in firmware, or we are a guest without nested VT-x)"
        } else {
            "this host CPU has no VMX"
        };
        return NestedVtx::Unavailable(why.into());
    }
    if std::fs::OpenOptions::new().read(true).write(true).open("/dev/kvm").is_err() {
        return NestedVtx::Unavailable(
            "/dev/kvm is missing or not accessible (load kvm_intel; add yourself to group kvm)".into(),
        );
    }
    let nested = Path::new("/sys/module/kvm_intel/parameters/nested");
    match std::fs::read_to_string(nested).map(|text| text.trim().to_owned()) {
        Ok(value) if value == "Y" || value == "1" => NestedVtx::Available,
        Ok(_) => NestedVtx::Unavailable(
            "kvm_intel is loaded with nested=N (fix: modprobe -r kvm_intel && modprobe kvm_intel nested=1)".into(),
        ),
        Err(_) => {
            NestedVtx::Unavailable("the kvm_intel module is not loaded (fix: modprobe kvm_intel nested=1)".into())
        }
    }
}
