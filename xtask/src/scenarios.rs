//! The in-emulator scenarios of `cargo xtask test`.
//!
//! Each scenario boots the kernel's UEFI image in one emulator configuration
//! and states the status the kernel must end with and lines its serial log
//! must contain. They are data, so adding one is adding an entry here.

use hv_status::RunStatus;

use crate::args::Firmware;
use crate::emulator::Emulator;

/// One scenario.
pub struct Scenario {
    /// Unique name (also the log directory under `target/runs/`).
    pub name: &'static str,
    /// What it demonstrates.
    pub about: &'static str,
    /// The emulator.
    pub emulator: Emulator,
    /// The firmware.
    pub firmware: Firmware,
    /// CPU model; `None` for the emulator's default.
    pub cpu: Option<&'static str>,
    /// Boot parameters carried in the boot bundle.
    pub params: &'static str,
    /// The status the kernel must end with.
    pub expect_status: RunStatus,
    /// Text that must appear in the serial log, each on some line.
    pub expect_lines: &'static [&'static str],
    /// Wall-clock limit in seconds.
    pub timeout_secs: u64,
}

/// Every scenario, in the order `cargo xtask test` runs them.
pub const ALL: &[Scenario] = &[
    Scenario {
        name: "qemu-tcg-uefi-no-vtx",
        about: "UEFI boot in QEMU TCG reaches the kernel, which reports the missing VT-x and stops cleanly",
        emulator: Emulator::QemuTcg,
        firmware: Firmware::Uefi,
        cpu: None,
        params: "",
        expect_status: RunStatus::VmxUnavailable,
        expect_lines: &[
            "hypervisor 0.1.0 starting",
            "memory: ",
            "cpu: CPUID.1:ECX.VMX = 0",
            "VT-x is not available: CPUID.1:ECX.VMX (bit 5) is clear",
            "TCGTCGTCGTCG",
        ],
        timeout_secs: 120,
    },
    Scenario {
        name: "bochs-uefi-skylake-x",
        about: "UEFI boot in Bochs (Skylake-X model) reports VT-x with EPT and unrestricted guest",
        emulator: Emulator::Bochs,
        firmware: Firmware::Uefi,
        cpu: Some("corei7_skylake_x"),
        params: "",
        expect_status: RunStatus::Success,
        expect_lines: &[
            "hypervisor 0.1.0 starting",
            "cpu: GenuineIntel",
            "cpu: CPUID.1:ECX.VMX = 1",
            "IA32_FEATURE_CONTROL = 0x0 (unlocked",
            "VMCS revision 43",
            "summary: EPT yes, unrestricted guest yes, VPID yes",
        ],
        timeout_secs: 240,
    },
    Scenario {
        name: "bochs-uefi-tigerlake",
        about: "a second Bochs CPU model with a different VMCS revision: nothing is hard-coded",
        emulator: Emulator::Bochs,
        firmware: Firmware::Uefi,
        cpu: Some("tigerlake"),
        params: "",
        expect_status: RunStatus::Success,
        expect_lines: &[
            "cpu: CPUID.1:ECX.VMX = 1",
            "VMCS revision 4,",
            "summary: EPT yes, unrestricted guest yes, VPID yes",
        ],
        timeout_secs: 240,
    },
    Scenario {
        name: "selftest-page-fault",
        about: "a page fault in the hypervisor is reported with vector, error code, RIP and CR2",
        emulator: Emulator::QemuTcg,
        firmware: Firmware::Uefi,
        cpu: None,
        params: "selftest=page-fault",
        expect_status: RunStatus::CpuException,
        expect_lines: &[
            "ramdisk: boot parameters: selftest=page-fault",
            "CPU exception #PF (vector 14), error code 0x2 at RIP 0x",
            "CR2 0x00000deadbeef000",
        ],
        timeout_secs: 120,
    },
    Scenario {
        name: "selftest-stack-overflow",
        about: "a kernel stack overflow becomes a double fault handled on its own IST stack",
        emulator: Emulator::QemuTcg,
        firmware: Firmware::Uefi,
        cpu: None,
        params: "selftest=stack-overflow",
        expect_status: RunStatus::CpuException,
        expect_lines: &["CPU exception #DF (vector 8), error code 0x0"],
        timeout_secs: 120,
    },
    Scenario {
        name: "selftest-breakpoint",
        about: "an INT3 in the hypervisor is reported as #BP",
        emulator: Emulator::QemuTcg,
        firmware: Firmware::Uefi,
        cpu: None,
        params: "selftest=breakpoint",
        expect_status: RunStatus::CpuException,
        expect_lines: &["CPU exception #BP (vector 3) at RIP 0x"],
        timeout_secs: 120,
    },
    Scenario {
        name: "selftest-panic",
        about: "a panic prints its location and message",
        emulator: Emulator::QemuTcg,
        firmware: Firmware::Uefi,
        cpu: None,
        params: "selftest=panic",
        expect_status: RunStatus::Panic,
        expect_lines: &["kernel panic: panicked at hypervisor/src/selftest.rs:", "selftest: deliberate panic"],
        timeout_secs: 120,
    },
    Scenario {
        name: "bad-boot-parameter",
        about: "a misspelt boot parameter stops the boot with a message naming it",
        emulator: Emulator::QemuTcg,
        firmware: Firmware::Uefi,
        cpu: None,
        params: "selftset=panic",
        expect_status: RunStatus::Failure,
        expect_lines: &["ramdisk: unknown boot parameter `selftset`"],
        timeout_secs: 120,
    },
];
