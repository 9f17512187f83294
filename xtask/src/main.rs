//! `cargo xtask`: the project's one entry point for set-up, building, running
//! and testing.
//!
//! Every command provisions what it needs first (kernel toolchain, emulators,
//! firmware; see [`setup`]) and says what it is doing on long steps.

mod args;
mod bench;
mod build;
mod doctor;
mod emulator;
mod external;
mod flash;
mod flat;
mod kvm;
mod manifest;
mod paths;
mod process;
mod scenarios;
mod setup;
mod test;
mod toolchain;

use std::process::ExitCode;

use args::Command;

/// An error for the user: what went wrong and, where we know it, the fix.
#[derive(Debug)]
pub struct Error(String);

impl Error {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The result type of every xtask step.
pub type Result<T = ()> = std::result::Result<T, Error>;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  run       build everything and boot the hypervisor in an emulator
            (QEMU+KVM when nested VT-x is available, otherwise Bochs)
  test      host unit tests, then the in-emulator scenarios
  build     build the kernel and its UEFI disk image
  image     build the UEFI disk image for a USB stick (target/images/hypervisor-usb.img)
  flash     write that image to a USB stick, with checks, then verify it
  bench     exit-path latency (CPUID, hypercall, port I/O) measured by a guest in Bochs
  doctor    report toolchain, emulators, firmware, KVM and the run mode
  setup     install what is missing (kernel toolchain, emulators, firmware)

run options:
  --emulator auto|bochs|qemu   which emulator (default: auto)
  --firmware uefi|bios         firmware (default: uefi)
  --cpu MODEL                  CPU model: Bochs model name (default corei7_skylake_x)
                               or QEMU -cpu value (default: host,+vmx with KVM, max without)
  --memory MIB                 guest RAM in MiB (default 512)
  --cpus N                     number of CPUs (default 1)
  --timeout SECS               stop the emulator after SECS seconds (default 300)
  --log-level LEVEL            kernel log level: error|warn|info|debug|trace (default info)
  --manifest FILE              the partition manifest (default manifests/default.toml)
  --params 'KEY=VALUE ...'     boot parameters for the kernel: run_ms=N ends the run after N ms;
                               monitor_ms=N prints per-partition statistics every N ms;
                               selftest=NAME provokes a fault (page-fault, breakpoint,
                               stack-overflow, panic, invalid-guest-state, vm-entry-failure)

bench options:
  --cpu MODEL                  Bochs CPU model (default corei7_skylake_x)

image options:
  --manifest FILE              the partition manifest (default manifests/default.toml)
  --log-level LEVEL            kernel log level (default info)
  --out PATH                   where to write the image (default target/images/hypervisor-usb.img)

flash options:
  --device /dev/sdX            the USB stick, as a whole disk (without it: list removable disks)
  --image PATH                 the image to write (default target/images/hypervisor-usb.img)
  --yes                        do not ask for confirmation (the device checks still apply)

test options:
  --host-only                  only the host unit tests
  --scenario NAME              only the named emulator scenario (repeatable)
";

fn main() -> ExitCode {
    let command = match args::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("xtask: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            print!("{USAGE}");
            Ok(())
        }
        Command::Run(options) => emulator::run_interactive(&options),
        Command::Test(options) => test::run(&options),
        Command::Build(options) => build::build_all(&options).map(|(kernel, image)| {
            println!("kernel: {}", kernel.display());
            println!("disk image: {}", image.display());
        }),
        Command::Image(options) => flash::image(&options),
        Command::Flash(options) => flash::flash(&options),
        Command::Doctor => doctor::run(),
        Command::Bench { cpu } => bench::run(cpu),
        Command::Setup => setup::ensure_all(setup::Needs::everything()).map(|_| ()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error}");
            ExitCode::FAILURE
        }
    }
}
