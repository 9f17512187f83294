//! Emulator runs: choosing the emulator, starting it on a disk image,
//! supervising it, and reading the outcome through the `hv-status` protocol.

mod bochs;
mod qemu;
pub mod screenshot;
mod serial_bridge;

pub use serial_bridge::{Input, SerialBridge};

use std::path::{Path, PathBuf};
use std::time::Duration;

use hv_status::{parse_status_line, RunStatus};

use crate::args::{EmulatorChoice, Firmware, RunOptions};
use crate::kvm::{self, NestedVtx};
use crate::process::{self, Ended};
use crate::setup::{self, Needs};
use crate::{build, paths, Error, Result};

/// The Bochs CPU model used unless told otherwise: EPT, unrestricted guest,
/// VPID, VMCS shadowing (see `shared/notes/emulators.md`).
pub const DEFAULT_BOCHS_CPU: &str = "corei7_skylake_x";

/// An emulator and how it executes the guest CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emulator {
    /// Bochs: emulates VMX, EPT, unrestricted guest.
    Bochs,
    /// QEMU with KVM and nested VT-x (Intel hosts).
    QemuKvm,
    /// QEMU's TCG: fast, but has no VMX.
    QemuTcg,
}

impl Emulator {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bochs => "Bochs",
            Self::QemuKvm => "QEMU + KVM (nested VT-x)",
            Self::QemuTcg => "QEMU TCG (no VT-x)",
        }
    }
}

/// The virtual machine to start.
#[derive(Clone, Debug)]
pub struct Machine {
    /// Which emulator.
    pub emulator: Emulator,
    /// Which firmware.
    pub firmware: Firmware,
    /// CPU model (emulator-specific name); `None` for the default.
    pub cpu: Option<String>,
    /// RAM in MiB.
    pub memory_mib: u32,
    /// CPU count.
    pub cpus: u32,
}

/// One run: a machine, an image, where to keep the logs, and limits.
pub struct RunSpec<'a> {
    /// The machine.
    pub machine: &'a Machine,
    /// The disk image to boot.
    pub image: &'a Path,
    /// Directory for logs and generated configuration (created afresh).
    pub run_dir: PathBuf,
    /// Wall-clock limit.
    pub timeout: Duration,
    /// Echo the serial console live.
    pub echo: bool,
    /// Take a screenshot (PNG and PPM, this path with those extensions) once
    /// the kernel printed its status line. QEMU only; the kernel must be
    /// asked to linger before it exits (boot parameter `linger_ms`).
    pub screenshot: Option<PathBuf>,
    /// What to type on the serial console.
    pub input: Input,
}

/// What a run produced.
pub struct Outcome {
    /// How the process ended.
    pub ended: Ended,
    /// The status the emulator's exit code encodes (QEMU) or agrees with (Bochs).
    pub exit_status: Option<RunStatus>,
    /// The status line the kernel printed, if any.
    pub status_line: Option<RunStatus>,
    /// The serial console output.
    pub serial: String,
    /// Where the serial log is.
    pub serial_path: PathBuf,
    /// Where the emulator's own log is.
    pub emulator_log: PathBuf,
}

impl Outcome {
    /// The run's status if the exit code and the status line agree;
    /// otherwise an explanation of what went wrong.
    pub fn verdict(&self, timeout: Duration) -> std::result::Result<RunStatus, String> {
        match (&self.ended, self.exit_status, self.status_line) {
            (Ended::TimedOut, _, _) => Err(format!("timed out after {} s", timeout.as_secs())),
            (Ended::Interrupted, _, _) => Err("interrupted (Ctrl-C)".into()),
            (_, _, None) => Err(format!("the kernel printed no status line ({:?})", self.ended)),
            (_, Some(exit), Some(line)) if exit == line => Ok(line),
            (_, exit, Some(line)) => {
                Err(format!("status line says {line} but the emulator exit ({:?}) says {exit:?}", self.ended))
            }
        }
    }

    /// The last `count` lines of the serial log, for failure reports.
    pub fn tail(&self, count: usize) -> String {
        let lines: Vec<&str> = self.serial.lines().collect();
        lines[lines.len().saturating_sub(count)..].join("\n")
    }
}

/// Starts the machine and waits for it to end.
pub fn run_machine(spec: &RunSpec<'_>) -> Result<Outcome> {
    let _ = std::fs::remove_dir_all(&spec.run_dir);
    std::fs::create_dir_all(&spec.run_dir)
        .map_err(|e| Error::new(format!("cannot create {}: {e}", spec.run_dir.display())))?;
    let serial_path = spec.run_dir.join("serial.log");
    std::fs::write(&serial_path, b"")
        .map_err(|e| Error::new(format!("cannot create {}: {e}", serial_path.display())))?;
    let serial_port = serial_bridge::free_port()?;
    let (mut command, emulator_log) = match spec.machine.emulator {
        Emulator::Bochs => bochs::command(spec, serial_port)?,
        Emulator::QemuKvm | Emulator::QemuTcg => qemu::command(spec, serial_port)?,
    };
    let mut bridge = SerialBridge::new(serial_port, &serial_path, spec.input)?;
    let stdout = spec.run_dir.join("emulator.stdout");
    let stderr = spec.run_dir.join("emulator.stderr");
    let mut screenshot = spec.screenshot.as_ref().map(|base| screenshot::Pending::new(&spec.run_dir, base));
    let mut on_poll = || {
        bridge.poll();
        if let Some(pending) = screenshot.as_mut() {
            pending.poll(&serial_path);
        }
    };
    let ended =
        process::supervise(&mut command, &stdout, &stderr, &serial_path, spec.echo, spec.timeout, &mut on_poll)?;
    bridge.finish();
    let serial = String::from_utf8_lossy(&std::fs::read(&serial_path).unwrap_or_default()).into_owned();
    // The serial log is primary; the debug console (0xE9) mirror is the
    // fallback when the machine died before the UART drained.
    let debugcon = std::fs::read(match spec.machine.emulator {
        Emulator::Bochs => stdout.clone(),
        _ => spec.run_dir.join("debugcon.log"),
    })
    .unwrap_or_default();
    let debugcon = String::from_utf8_lossy(&debugcon);
    let status_line = last_status(&serial).or_else(|| last_status(&debugcon));
    let exit_status = match (&ended, spec.machine.emulator) {
        (Ended::Exited(status), Emulator::Bochs) => {
            status.code().and_then(|code| status_line.filter(|line| line.matches_bochs_exit(code)))
        }
        (Ended::Exited(status), _) => status.code().and_then(RunStatus::from_qemu_exit),
        _ => None,
    };
    Ok(Outcome { ended, exit_status, status_line, serial, serial_path, emulator_log })
}

fn last_status(text: &str) -> Option<RunStatus> {
    text.lines().rev().find_map(parse_status_line)
}

/// Chooses the emulator for `run`.
fn choose(choice: EmulatorChoice) -> (Emulator, String) {
    match (choice, kvm::probe()) {
        (EmulatorChoice::Bochs, _) => (Emulator::Bochs, "requested with --emulator bochs".into()),
        (EmulatorChoice::Auto | EmulatorChoice::Qemu, NestedVtx::Available) => {
            (Emulator::QemuKvm, "KVM with nested VT-x is available".into())
        }
        (EmulatorChoice::Qemu, NestedVtx::Unavailable(why)) => {
            (Emulator::QemuTcg, format!("requested QEMU, but no nested VT-x ({why}): the kernel will report no VT-x"))
        }
        (EmulatorChoice::Auto, NestedVtx::Unavailable(why)) => {
            (Emulator::Bochs, format!("no KVM nested VT-x ({why}); Bochs emulates VMX"))
        }
    }
}

/// `cargo xtask run`: provision, build, boot, show the console live.
pub fn run_interactive(options: &RunOptions) -> Result {
    let (emulator, why) = choose(options.emulator);
    if emulator == Emulator::Bochs && options.build.firmware == Firmware::Bios {
        // Seen on Bochs 2.7 with bootloader 0.11.15: the BIOS stages print
        // nothing and the run only ends at the timeout. Refuse up front.
        return Err(Error::new(
            "the BIOS image does not boot in Bochs (bootloader 0.11.15's BIOS stages hang in Bochs 2.7 \
             before the kernel starts); use --firmware uefi with Bochs, or --emulator qemu --firmware bios \
             (QEMU+SeaBIOS boots it, but without KVM it has no VT-x)",
        ));
    }
    let needs = Needs {
        toolchain: true,
        qemu: emulator != Emulator::Bochs,
        bochs: emulator == Emulator::Bochs,
        ovmf: options.build.firmware == Firmware::Uefi,
        binutils: false,
    };
    let provisioned = setup::ensure_all(needs)?;
    let toolchain = provisioned.toolchain.ok_or_else(|| Error::new("no kernel toolchain"))?;
    let built = build::build_with(&toolchain, &options.build)?;
    let run_dir = paths::run_dir("run");
    let image = built.image(&options.build.manifest, &options.params, options.memory_mib, &paths::images_dir())?;
    let machine = Machine {
        emulator,
        firmware: options.build.firmware,
        cpu: options.cpu.clone(),
        memory_mib: options.memory_mib,
        cpus: options.cpus,
    };
    println!(
        "xtask: booting in {} ({why}); firmware {:?}; stops on the kernel's status or after {} s",
        emulator.name(),
        machine.firmware,
        options.timeout.as_secs()
    );
    if emulator == Emulator::Bochs && machine.firmware == Firmware::Uefi {
        println!("xtask: Bochs is slow: OVMF alone takes 10-20 s before the first kernel line");
    }
    let spec = RunSpec {
        machine: &machine,
        image: &image,
        run_dir,
        timeout: options.timeout,
        echo: true,
        screenshot: None,
        input: Input::Terminal,
    };
    let outcome = run_machine(&spec)?;
    println!("\nxtask: serial log: {}", outcome.serial_path.display());
    println!("xtask: emulator log: {}", outcome.emulator_log.display());
    match outcome.verdict(options.timeout) {
        Ok(status @ (RunStatus::Success | RunStatus::VmxUnavailable)) => {
            println!("xtask: the hypervisor ended with status `{status}`");
            Ok(())
        }
        Ok(status) => Err(Error::new(format!("the hypervisor ended with status `{status}`"))),
        Err(why) => Err(Error::new(why)),
    }
}
