//! `cargo xtask bench`: exit-path latency, measured by a guest.
//!
//! Boots the hypervisor in Bochs with only the `bench` partition (the
//! `hello64` guest in benchmark mode), which times CPUID, a null hypercall
//! and an OUT to an emulated port with RDTSC and prints the medians. In
//! Bochs one TSC tick is one executed instruction and VM exit/entry cost
//! none, so the numbers are repeatable and count the instructions the
//! hypervisor executes per exit — the figure to keep small. On KVM they are
//! real cycles.

use std::time::Duration;

use hv_status::RunStatus;

use crate::args::{BuildOptions, Firmware};
use crate::emulator::{self, Emulator, Machine, RunSpec};
use crate::setup::{self, Needs};
use crate::{build, paths, Error, Result};

/// One measured operation.
#[derive(Debug, PartialEq, Eq)]
pub struct Measurement {
    /// What was measured.
    pub name: String,
    /// Median ticks.
    pub median: u64,
    /// Minimum ticks.
    pub min: u64,
    /// Maximum ticks.
    pub max: u64,
    /// Sample count.
    pub samples: u64,
}

/// Parses `... bench: <name> median <n> min <n> max <n> samples <n>`.
pub fn parse_line(line: &str) -> Option<Measurement> {
    let rest = &line[line.find("bench: ")? + "bench: ".len()..];
    let words: Vec<&str> = rest.split_whitespace().collect();
    let [name, "median", median, "min", min, "max", max, "samples", samples] = words.as_slice() else {
        return None;
    };
    Some(Measurement {
        name: (*name).to_owned(),
        median: median.parse().ok()?,
        min: min.parse().ok()?,
        max: max.parse().ok()?,
        samples: samples.parse().ok()?,
    })
}

/// Runs the benchmark on `cpu` (a Bochs model) and prints the table.
pub fn run(cpu: Option<String>) -> Result {
    let provisioned =
        setup::ensure_all(Needs { toolchain: true, bochs: true, ovmf: true, qemu: false, binutils: false })?;
    let toolchain = provisioned.toolchain.ok_or_else(|| Error::new("no kernel toolchain"))?;
    let options =
        BuildOptions { manifest: paths::root().join("manifests").join("bench.toml"), ..BuildOptions::default() };
    let built = build::build_with(&toolchain, &options)?;
    let dir = paths::root().join("target").join("images").join("bench");
    let image = built.image(&options.manifest, "", 512, &dir)?;
    let machine = Machine { emulator: Emulator::Bochs, firmware: Firmware::Uefi, cpu, memory_mib: 512, cpus: 1 };
    let timeout = Duration::from_secs(300);
    println!(
        "xtask: running the exit benchmark in Bochs ({})",
        machine.cpu.as_deref().unwrap_or(emulator::DEFAULT_BOCHS_CPU)
    );
    let spec = RunSpec {
        machine: &machine,
        image: &image,
        run_dir: paths::run_dir("bench"),
        timeout,
        echo: false,
        screenshot: None,
        input: emulator::Input::None,
    };
    let outcome = emulator::run_machine(&spec)?;
    match outcome.verdict(timeout) {
        Ok(RunStatus::Success) => {}
        Ok(status) => return Err(Error::new(format!("benchmark run ended with `{status}`:\n{}", outcome.tail(20)))),
        Err(why) => return Err(Error::new(format!("benchmark run failed: {why}:\n{}", outcome.tail(20)))),
    }
    let results: Vec<Measurement> = outcome.serial.lines().filter_map(parse_line).collect();
    if results.is_empty() {
        return Err(Error::new(format!("the guest printed no measurements; log: {}", outcome.serial_path.display())));
    }
    println!("\nexit round trip, guest-measured (Bochs: instructions on the exit path; KVM: cycles)");
    println!("{:<10} {:>8} {:>8} {:>8} {:>8}", "operation", "median", "min", "max", "samples");
    for m in &results {
        println!("{:<10} {:>8} {:>8} {:>8} {:>8}", m.name, m.median, m.min, m.max, m.samples);
    }
    if let Some(line) = outcome.serial.lines().find(|line| line.contains("report bench:")) {
        println!("\nhypervisor's view: {}", line.split("report ").last().unwrap_or(line));
    }
    println!("serial log: {}", outcome.serial_path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_lines_are_parsed() {
        let line = "[bench] bench: cpuid median 123 min 120 max 300 samples 101";
        assert_eq!(
            parse_line(line),
            Some(Measurement { name: "cpuid".into(), median: 123, min: 120, max: 300, samples: 101 })
        );
        assert_eq!(parse_line("[bench] bench: cpuid median x min 1 max 2 samples 3"), None);
        assert_eq!(parse_line("hello"), None);
    }
}
