//! The QEMU command line.
//!
//! With KVM: `-accel kvm -cpu host,+vmx` minus KVM's paravirtual features, so
//! the hypervisor sees a plain Intel CPU. Without: TCG, which has no VMX and
//! exists here for fast checks of the boot path. Firmware is OVMF as
//! read-only code plus a per-run writable copy of the variable store.

use std::path::PathBuf;
use std::process::Command;

use hv_status::{DEBUGCON_PORT, QEMU_DEBUG_EXIT_PORT};

use super::{Emulator, RunSpec};
use crate::args::Firmware;
use crate::setup;
use crate::Result;

/// KVM paravirtual features hidden from the hypervisor: it must see the
/// hardware interface, not KVM's.
const KVM_CPU_FLAGS: &str = "host,+vmx,-kvm-pv-eoi,-kvm-pv-ipi,-kvm-asyncpf,-kvm-steal-time,-kvmclock";

/// Builds the command; returns it and the path of QEMU's own log.
pub fn command(spec: &RunSpec<'_>, serial_port: u16) -> Result<(Command, PathBuf)> {
    let machine = spec.machine;
    let log = spec.run_dir.join("emulator.stderr");
    let mut command = Command::new("qemu-system-x86_64");
    command.args(["-machine", "q35", "-no-reboot", "-display", "none"]);
    match &spec.screenshot {
        // The monitor takes `screendump` commands on a socket in the run directory.
        Some(_) => {
            command.arg("-monitor").arg(format!("unix:{},server,nowait", spec.run_dir.join("monitor.sock").display()))
        }
        None => command.args(["-monitor", "none"]),
    };
    match machine.emulator {
        Emulator::QemuKvm => {
            let cpu = machine.cpu.as_deref().unwrap_or(KVM_CPU_FLAGS);
            command.args(["-accel", "kvm", "-cpu", cpu]);
        }
        _ => {
            let cpu = machine.cpu.as_deref().unwrap_or("max");
            command.args(["-accel", "tcg", "-cpu", cpu]);
        }
    }
    command.arg("-m").arg(format!("{}M", machine.memory_mib));
    command.arg("-smp").arg(machine.cpus.to_string());
    if machine.firmware == Firmware::Uefi {
        let vars = setup::ovmf_vars_copy(&spec.run_dir)?;
        command.arg("-drive").arg(format!("if=pflash,format=raw,readonly=on,file={}", setup::OVMF_CODE));
        command.arg("-drive").arg(format!("if=pflash,format=raw,file={}", vars.display()));
    }
    command.arg("-drive").arg(format!("format=raw,file={}", spec.image.display()));
    // COM1 is a socket xtask connects to (serial_bridge.rs); QEMU waits for it.
    command.arg("-chardev").arg(format!("socket,id=com1,host=127.0.0.1,port={serial_port},server=on,wait=on"));
    command.args(["-serial", "chardev:com1"]);
    command.arg("-debugcon").arg(format!("file:{}", spec.run_dir.join("debugcon.log").display()));
    command.args(["-global", &format!("isa-debugcon.iobase={DEBUGCON_PORT:#x}")]);
    command.arg("-device").arg(format!("isa-debug-exit,iobase={QEMU_DEBUG_EXIT_PORT:#x},iosize=0x04"));
    Ok((command, log))
}
