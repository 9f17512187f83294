//! `cargo xtask bench`: exit-path and interrupt-path latency, measured by
//! guests.
//!
//! Boots the hypervisor in Bochs twice: with only the `bench` partition (the
//! `hello64` guest in benchmark mode), which times CPUID, a null hypercall
//! and an OUT to an emulated port with RDTSC and prints the medians; then
//! with the `platform` guest in benchmark mode (`manifests/bench-interrupts.toml`),
//! which times a TSC-deadline interrupt from its deadline to its handler and
//! an EOI through x2APIC and xAPIC, once with all the APIC virtualization
//! the CPU offers (virtual-interrupt delivery) and once with the TPR shadow
//! only (`apic_virt=tpr`: interrupts injected, APIC accesses exit). In
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

/// Runs the benchmarks on `cpu` (a Bochs model) and prints the tables.
pub fn run(cpu: Option<String>) -> Result {
    let provisioned =
        setup::ensure_all(Needs { toolchain: true, bochs: true, ovmf: true, qemu: false, binutils: false })?;
    let toolchain = provisioned.toolchain.ok_or_else(|| Error::new("no kernel toolchain"))?;
    let machine = Machine { emulator: Emulator::Bochs, firmware: Firmware::Uefi, cpu, memory_mib: 512, cpus: 1 };
    println!(
        "xtask: running the benchmarks in Bochs ({})",
        machine.cpu.as_deref().unwrap_or(emulator::DEFAULT_BOCHS_CPU)
    );
    let exits = boot(&toolchain, &machine, "bench", "bench", "")?;
    print_table("exit round trip, guest-measured (Bochs: instructions on the exit path; KVM: cycles)", &exits);
    for (params, how) in [
        ("", "all the APIC virtualization the CPU offers (virtual-interrupt delivery where offered)"),
        ("apic_virt=tpr", "the TPR shadow only (apic_virt=tpr: interrupts injected, APIC accesses exit)"),
    ] {
        let interrupts = boot(&toolchain, &machine, "bench-interrupts", "irqbench", params)?;
        print_table(
            &format!(
                "interrupt path with {how}, guest-measured: irq-latency = TSC-deadline to the handler's first \
                 instruction; eoi = one EOI write"
            ),
            &interrupts,
        );
    }
    Ok(())
}

/// Boots `manifests/<manifest>.toml` with boot parameters `params`; its
/// partition `partition` prints `bench:` lines; returns them (and prints
/// the hypervisor's report on it).
fn boot(
    toolchain: &crate::toolchain::KernelToolchain,
    machine: &Machine,
    manifest: &str,
    partition: &str,
    params: &str,
) -> Result<(Vec<Measurement>, std::path::PathBuf)> {
    let options = BuildOptions {
        manifest: paths::root().join("manifests").join(format!("{manifest}.toml")),
        ..BuildOptions::default()
    };
    let built = build::build_with(toolchain, &options)?;
    let run = if params.is_empty() { manifest.to_owned() } else { format!("{manifest}-{}", params.replace('=', "-")) };
    let dir = paths::root().join("target").join("images").join(&run);
    let image = built.image(&options.manifest, params, 512, &dir)?;
    let timeout = Duration::from_secs(300);
    let spec = RunSpec {
        machine,
        image: &image,
        run_dir: paths::run_dir(&run),
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
    let report = format!("report {partition}:");
    if let Some(line) = outcome.serial.lines().find(|line| line.contains(&report)) {
        println!("\nhypervisor's view: {}", line.split("report ").last().unwrap_or(line));
    }
    Ok((results, outcome.serial_path))
}

fn print_table(title: &str, (results, log): &(Vec<Measurement>, std::path::PathBuf)) {
    println!("\n{title}");
    println!("{:<12} {:>8} {:>8} {:>8} {:>8}", "operation", "median", "min", "max", "samples");
    for m in results {
        println!("{:<12} {:>8} {:>8} {:>8} {:>8}", m.name, m.median, m.min, m.max, m.samples);
    }
    println!("serial log: {}", log.display());
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
