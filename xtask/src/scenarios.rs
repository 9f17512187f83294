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
        about: "Bochs (Skylake-X): VT-x report, then the three guests run and every hostile action is contained",
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
            "IA32_FEATURE_CONTROL 0x0 -> 0x5 (lock, VMX outside SMX)",
            "VMX root operation entered (VMCS revision 43)",
            // The 64-bit guest: hypercall console, UART, CPUID, partition info.
            "[hello64] hello64: hello from a 64-bit guest",
            "[hello64] hello64: this line went through the UART port 0x3F8",
            // String I/O through the guest's page tables.
            "[hello64] hello64: this line went through REP OUTSB",
            "[hello64] hello64: after REP OUTSB: RSI advanced by 43 (of 43), RCX = 0",
            "[hello64] hello64: REP INSB from LSR read 0x60 0x60 0x60 0x60",
            "[hello64] hello64: CPUID.1:ECX.VMX[5] = 0 (hidden), CPUID.1:ECX.hypervisor[31] = 1",
            "[hello64] hello64: CPUID 0x40000000: signature \"RustVTxHyper\"",
            "[hello64] hello64: partition \"hello64\" id 1, memory 0x1000000 bytes (16 MiB)",
            "[hello64] hello64: XSETBV XCR0=0x3 accepted, XGETBV reads 0x3, CPUID.1:ECX.OSXSAVE = 1",
            "partition hello64: stopped: shut down by hypercall with code 0",
            // The real-mode guest, unmodified, through unrestricted guest.
            "[realmode] realmode: hello from 16-bit real mode",
            "[realmode] realmode: CR0 = 0x00000030 (PE=0)",
            "partition realmode: stopped: halted",
            // The hostile guest: each attack contained, the host unharmed.
            "[hostile-ept] hostile: caught #UD (vector 6)",
            "[hostile-ept] hostile: attack 2 contained (#GP)",
            "[hostile-ept] hostile: attack 3 contained (#GP)",
            "[hostile-ept] hostile: attack 4 contained (#GP)",
            "partition hostile-ept: stopped, contained: EPT violation: read",
            "at guest-physical 0x40000000",
            "[hostile-triple] hostile: attack 1 contained (#UD)",
            "partition hostile-triple: stopped, contained: triple fault",
            "all 4 partitions ran and stopped; the hypervisor is intact",
        ],
        timeout_secs: 240,
    },
    Scenario {
        name: "bochs-uefi-tigerlake",
        about: "a second Bochs CPU model (VMCS revision 4, other controls): the same guests, nothing hard-coded",
        emulator: Emulator::Bochs,
        firmware: Firmware::Uefi,
        cpu: Some("tigerlake"),
        params: "",
        expect_status: RunStatus::Success,
        expect_lines: &[
            "cpu: CPUID.1:ECX.VMX = 1",
            "VMCS revision 4,",
            "summary: EPT yes, unrestricted guest yes, VPID yes",
            "VMX root operation entered (VMCS revision 4)",
            "partition hello64: stopped: shut down by hypercall with code 0",
            "[realmode] realmode: hello from 16-bit real mode",
            "partition hostile-ept: stopped, contained: EPT violation",
            "partition hostile-triple: stopped, contained: triple fault",
            "all 4 partitions ran and stopped; the hypervisor is intact",
        ],
        timeout_secs: 240,
    },
    Scenario {
        name: "bochs-no-unrestricted-guest",
        about: "a CPU without unrestricted guest (Bochs Nehalem): VMX is refused with the missing control named",
        emulator: Emulator::Bochs,
        firmware: Firmware::Uefi,
        cpu: Some("corei5_lynnfield_750"),
        params: "",
        expect_status: RunStatus::Failure,
        expect_lines: &["VMX cannot be used: the CPU lacks required secondary processor-based controls"],
        timeout_secs: 240,
    },
    Scenario {
        name: "unknown-guest",
        about: "asking for a guest that does not exist stops the boot with the known names listed",
        emulator: Emulator::QemuTcg,
        firmware: Firmware::Uefi,
        cpu: None,
        params: "guests=hello64,nosuch",
        expect_status: RunStatus::Failure,
        expect_lines: &["ramdisk: guests=hello64,nosuch: unknown guest `nosuch` (known: hello64, realmode"],
        timeout_secs: 120,
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
    Scenario {
        name: "selftest-invalid-guest-state",
        about: "a broken initial guest state is refused before entry, naming the SDM rule it breaks",
        emulator: Emulator::Bochs,
        firmware: Firmware::Uefi,
        cpu: None,
        params: "selftest=invalid-guest-state guests=hello64",
        expect_status: RunStatus::Failure,
        expect_lines: &[
            "partition hello64: cannot be created: vCPU: initial guest state rejected: SDM 27.3.1.4: guest RFLAGS",
            "bit 1 must be 1",
        ],
        timeout_secs: 240,
    },
    Scenario {
        name: "selftest-vm-entry-failure",
        about: "a VM entry that fails prints the VMCS dump and the guest-state check names the cause",
        emulator: Emulator::Bochs,
        firmware: Firmware::Uefi,
        cpu: None,
        params: "selftest=vm-entry-failure guests=hello64,realmode",
        expect_status: RunStatus::Failure,
        expect_lines: &[
            "--- VMCS dump (current VMCS) ---",
            "GUEST_RFLAGS",
            "EXIT_REASON                              0x0000000080000021",
            "guest-state check: SDM 27.3.1.4: guest RFLAGS 0x0",
            "partition hello64: stopped by a hypervisor-side failure: VM entry failed: invalid guest state",
            // The failure is confined to that partition: the next one runs.
            "[realmode] realmode: hello from 16-bit real mode",
        ],
        timeout_secs: 240,
    },
];
