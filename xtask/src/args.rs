//! Command-line parsing (by hand: the grammar is small and fixed).

use std::time::Duration;

/// Which emulator `run` uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmulatorChoice {
    /// QEMU with KVM when nested VT-x is available, otherwise Bochs.
    Auto,
    /// Bochs (emulates VMX; works on any host).
    Bochs,
    /// QEMU: with KVM if available, otherwise TCG (which has no VMX).
    Qemu,
}

/// Which firmware boots the disk image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Firmware {
    /// OVMF (the primary path).
    Uefi,
    /// Legacy BIOS (Bochs BIOS or SeaBIOS).
    Bios,
}

/// What the kernel is built with.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Firmware whose image is needed.
    pub firmware: Firmware,
    /// Kernel log level (`HV_LOG`).
    pub log_level: String,
    /// The partition manifest.
    pub manifest: std::path::PathBuf,
}

/// Options of `run`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Build options.
    pub build: BuildOptions,
    /// Emulator choice.
    pub emulator: EmulatorChoice,
    /// CPU model override.
    pub cpu: Option<String>,
    /// Guest RAM in MiB.
    pub memory_mib: u32,
    /// CPU count.
    pub cpus: u32,
    /// Wall-clock limit.
    pub timeout: Duration,
    /// Boot parameters carried in the boot bundle.
    pub params: String,
}

/// Options of `test`.
#[derive(Clone, Debug, Default)]
pub struct TestOptions {
    /// Skip the emulator scenarios.
    pub host_only: bool,
    /// Run only these scenarios (all when empty).
    pub scenarios: Vec<String>,
}

/// Options of `image`.
#[derive(Clone, Debug)]
pub struct ImageOptions {
    /// Build options (the firmware is always UEFI).
    pub build: BuildOptions,
    /// Where the USB disk image is written.
    pub out: std::path::PathBuf,
}

/// Options of `flash`.
#[derive(Clone, Debug)]
pub struct FlashOptions {
    /// The whole-disk block device to overwrite (`None`: list the candidates and stop).
    pub device: Option<std::path::PathBuf>,
    /// The disk image to write.
    pub image: std::path::PathBuf,
    /// Skip the typed confirmation (every other check still applies).
    pub yes: bool,
}

/// A parsed command.
#[derive(Debug)]
pub enum Command {
    /// `run`
    Run(RunOptions),
    /// `test`
    Test(TestOptions),
    /// `build`
    Build(BuildOptions),
    /// `image`
    Image(ImageOptions),
    /// `flash`
    Flash(FlashOptions),
    /// `doctor`
    Doctor,
    /// `bench`
    Bench {
        /// Bochs CPU model.
        cpu: Option<String>,
    },
    /// `setup`
    Setup,
    /// `help`
    Help,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self { firmware: Firmware::Uefi, log_level: "info".into(), manifest: crate::manifest::default_path() }
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            build: BuildOptions::default(),
            emulator: EmulatorChoice::Auto,
            cpu: None,
            memory_mib: 512,
            cpus: 1,
            timeout: Duration::from_secs(300),
            params: String::new(),
        }
    }
}

const LOG_LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

/// Parses the arguments after `cargo xtask`.
pub fn parse(args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut args = args.peekable();
    let Some(command) = args.next() else { return Ok(Command::Help) };
    let mut run = RunOptions::default();
    let mut test = TestOptions::default();
    let mut out = crate::flash::default_image_path();
    let mut flash = FlashOptions { device: None, image: crate::flash::default_image_path(), yes: false };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match (command.as_str(), flag.as_str()) {
            ("run" | "build", "--firmware") => {
                run.build.firmware = match value()?.as_str() {
                    "uefi" => Firmware::Uefi,
                    "bios" => Firmware::Bios,
                    other => return Err(format!("--firmware {other}: expected uefi or bios")),
                }
            }
            ("run" | "build" | "image", "--manifest") => run.build.manifest = value()?.into(),
            ("run" | "build" | "image", "--log-level") => {
                let level = value()?;
                if !LOG_LEVELS.contains(&level.as_str()) {
                    return Err(format!("--log-level {level}: expected one of {}", LOG_LEVELS.join(", ")));
                }
                run.build.log_level = level;
            }
            ("run", "--emulator") => {
                run.emulator = match value()?.as_str() {
                    "auto" => EmulatorChoice::Auto,
                    "bochs" => EmulatorChoice::Bochs,
                    "qemu" => EmulatorChoice::Qemu,
                    other => return Err(format!("--emulator {other}: expected auto, bochs or qemu")),
                }
            }
            ("run" | "bench", "--cpu") => run.cpu = Some(value()?),
            ("run", "--params") => run.params = value()?,
            ("run", "--memory") => run.memory_mib = number(&flag, &value()?, 64, 65_536)?,
            ("run", "--cpus") => run.cpus = number(&flag, &value()?, 1, 64)?,
            ("run", "--timeout") => run.timeout = Duration::from_secs(number(&flag, &value()?, 1, 86_400)?.into()),
            ("image", "--out") => out = value()?.into(),
            ("flash", "--device") => flash.device = Some(value()?.into()),
            ("flash", "--image") => flash.image = value()?.into(),
            ("flash", "--yes") => flash.yes = true,
            ("test", "--host-only") => test.host_only = true,
            ("test", "--scenario") => test.scenarios.push(value()?),
            (_, "-h" | "--help") => return Ok(Command::Help),
            _ => return Err(format!("unknown option {flag} for `{command}`")),
        }
    }
    Ok(match command.as_str() {
        "run" => Command::Run(run),
        "test" => Command::Test(test),
        "build" => Command::Build(run.build),
        "image" => Command::Image(ImageOptions { build: run.build, out }),
        "flash" => Command::Flash(flash),
        "doctor" => Command::Doctor,
        "bench" => Command::Bench { cpu: run.cpu },
        "setup" => Command::Setup,
        "help" | "-h" | "--help" => Command::Help,
        other => return Err(format!("unknown command `{other}`")),
    })
}

fn number(flag: &str, text: &str, min: u32, max: u32) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{flag} {text}: expected a number from {min} to {max}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command, String> {
        parse(line.split_whitespace().map(String::from))
    }

    #[test]
    fn run_flags_are_parsed() {
        let Ok(Command::Run(run)) =
            parse_str("run --emulator bochs --cpu tigerlake --memory 1024 --cpus 2 --timeout 60 --log-level debug")
        else {
            panic!("not a run command");
        };
        assert_eq!(run.emulator, EmulatorChoice::Bochs);
        assert_eq!(run.cpu.as_deref(), Some("tigerlake"));
        assert_eq!((run.memory_mib, run.cpus), (1024, 2));
        assert_eq!(run.timeout, Duration::from_secs(60));
        assert_eq!(run.build.log_level, "debug");
    }

    #[test]
    fn bad_values_are_refused_with_the_flag_named() {
        for (line, needle) in [
            ("run --emulator vbox", "--emulator vbox"),
            ("run --memory 12", "--memory 12"),
            ("run --cpus", "--cpus needs a value"),
            ("run --log-level loud", "--log-level loud"),
            ("test --emulator bochs", "unknown option --emulator for `test`"),
            ("frobnicate", "unknown command"),
        ] {
            let error = parse_str(line).expect_err(line);
            assert!(error.contains(needle), "{line}: {error}");
        }
    }

    #[test]
    fn image_and_flash_flags_are_parsed() {
        let Ok(Command::Image(image)) = parse_str("image --manifest m.toml --out /tmp/x.img") else { panic!() };
        assert_eq!(image.build.manifest, std::path::Path::new("m.toml"));
        assert_eq!(image.out, std::path::Path::new("/tmp/x.img"));
        assert_eq!(image.build.firmware, Firmware::Uefi);
        let Ok(Command::Flash(flash)) = parse_str("flash --device /dev/sdb --image a.img --yes") else { panic!() };
        assert_eq!(flash.device.as_deref(), Some(std::path::Path::new("/dev/sdb")));
        assert_eq!(flash.image, std::path::Path::new("a.img"));
        assert!(flash.yes);
        let Ok(Command::Flash(flash)) = parse_str("flash") else { panic!() };
        assert_eq!((flash.device, flash.yes), (None, false));
        assert_eq!(flash.image, crate::flash::default_image_path());
        let error = parse_str("image --firmware bios").expect_err("image is UEFI only");
        assert!(error.contains("unknown option --firmware for `image`"), "{error}");
    }

    #[test]
    fn test_scenarios_accumulate() {
        let Ok(Command::Test(test)) = parse_str("test --scenario a --scenario b") else { panic!() };
        assert_eq!(test.scenarios, ["a", "b"]);
        assert!(!test.host_only);
    }
}
