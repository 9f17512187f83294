//! `cargo xtask test`: the host unit tests of every pure crate, then the
//! in-emulator scenarios, then one summary line `N passed, N failed`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::args::{BuildOptions, TestOptions};
use crate::build::{self, Built};
use crate::emulator::{self, Machine, RunSpec};
use crate::process::run_checked;
use crate::scenarios::{self, Scenario};
use crate::setup::{self, Needs};
use crate::toolchain::KernelToolchain;
use crate::{paths, Error, Result};

/// Counts of passed and failed tests.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
}

/// Runs the tests and prints the summary.
pub fn run(options: &TestOptions) -> Result {
    let selected = select(&options.scenarios)?;
    let mut tally = Tally::default();
    host_tests(&mut tally)?;
    check("rustfmt --check (whole workspace)", &mut tally, || {
        run_checked(Command::new("cargo").args(["fmt", "--all", "--check"]).current_dir(paths::root()), "rustfmt")
    });
    check("clippy (host crates)", &mut tally, || {
        run_checked(
            Command::new("cargo").args(["clippy", "--all-targets", "--", "-D", "warnings"]).current_dir(paths::root()),
            "clippy on the host crates",
        )
    });
    if !options.host_only {
        let provisioned = setup::ensure_all(Needs::everything())?;
        let toolchain = provisioned.toolchain.ok_or_else(|| Error::new("no kernel toolchain"))?;
        check("clippy (kernel)", &mut tally, || build::lint_kernel(&toolchain));
        check("clippy (guests)", &mut tally, || build::lint_guests(&toolchain));
        scenario_tests(&toolchain, &selected, &mut tally)?;
    }
    println!("\n{} passed, {} failed", tally.passed, tally.failed);
    if tally.failed == 0 {
        Ok(())
    } else {
        Err(Error::new(format!("{} test(s) failed", tally.failed)))
    }
}

fn select(names: &[String]) -> Result<Vec<&'static Scenario>> {
    if names.is_empty() {
        return Ok(scenarios::ALL.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            scenarios::ALL.iter().find(|s| s.name == name).ok_or_else(|| {
                let known: Vec<&str> = scenarios::ALL.iter().map(|s| s.name).collect();
                Error::new(format!("no scenario named `{name}`; known: {}", known.join(", ")))
            })
        })
        .collect()
}

/// `cargo test` of the default members (the pure crates and xtask), echoing
/// its output and adding up its per-binary results.
fn host_tests(tally: &mut Tally) -> Result {
    println!("xtask: host unit tests (cargo test)");
    let mut child = Command::new("cargo")
        .arg("test")
        .current_dir(paths::root())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Error::new(format!("cannot start cargo test: {e}")))?;
    let stdout = child.stdout.take().ok_or_else(|| Error::new("cargo test: no stdout"))?;
    let mut binaries = 0;
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| Error::new(format!("reading cargo test output: {e}")))?;
        println!("{line}");
        if let Some((passed, failed)) = parse_test_result(&line) {
            tally.passed += passed;
            tally.failed += failed;
            binaries += 1;
        }
    }
    let status = child.wait().map_err(|e| Error::new(format!("waiting for cargo test: {e}")))?;
    if !status.success() {
        // A build failure has no result lines: count it, so it cannot pass.
        println!("xtask: FAILED: cargo test exited with {status}");
        tally.failed += 1;
    } else if binaries == 0 {
        return Err(Error::new("cargo test ran no test binary"));
    }
    Ok(())
}

/// The share of "ink" the framebuffer console must have drawn in the top
/// 200 rows of the screen (text lines, not an empty or black screen).
const MIN_INK: f64 = 0.01;

/// Checks the screenshot shows console text.
fn check_screenshot(ppm: &std::path::Path) -> std::result::Result<(), String> {
    let bytes = std::fs::read(ppm).map_err(|e| format!("no screenshot at {}: {e}", ppm.display()))?;
    let image = emulator::screenshot::read_ppm(&bytes)
        .ok_or_else(|| format!("screenshot {} is not a binary PPM", ppm.display()))?;
    let ink = emulator::screenshot::ink_fraction(&image, 200);
    if ink < MIN_INK {
        return Err(format!(
            "the screen's top 200 rows are {:.2} % ink, expected at least {:.0} % (console text): see {}",
            ink * 100.0,
            MIN_INK * 100.0,
            ppm.with_extension("png").display()
        ));
    }
    Ok(())
}

/// How often consecutive partition console lines (`[name] ...`) come from
/// different partitions.
fn interleavings(serial: &str) -> usize {
    let prefixes = serial
        .lines()
        .filter(|line| line.starts_with('['))
        .filter_map(|line| line.split_once(']').map(|(prefix, _)| prefix))
        .filter(|prefix| !prefix.contains('.'));
    let mut switches = 0;
    let mut previous: Option<&str> = None;
    for prefix in prefixes {
        if previous.is_some_and(|p| p != prefix) {
            switches += 1;
        }
        previous = Some(prefix);
    }
    switches
}

/// The CPU share the kernel reported for `partition`, from its line
/// `report NAME: ...; CPU N ms (P.P%); ...`.
fn measured_share(serial: &str, partition: &str) -> Option<f64> {
    let prefix = format!("report {partition}: ");
    let line = serial.lines().find(|line| line.contains(&prefix))?;
    let after = &line[line.find(" ms (")? + " ms (".len()..];
    after[..after.find("%)")?].parse().ok()
}

/// Parses `test result: ok. 12 passed; 0 failed; ...`.
fn parse_test_result(line: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix("test result: ")?;
    let count = |word: &str| {
        rest.split(';').find_map(|part| {
            part.trim()
                .strip_suffix(word)
                .map(|n| n.trim())
                .and_then(|n| n.rsplit(' ').next().and_then(|n| n.parse::<usize>().ok()))
        })
    };
    Some((count(" passed")?, count(" failed")?))
}

/// Runs one pass/fail check and counts it.
fn check(name: &str, tally: &mut Tally, run: impl FnOnce() -> Result) {
    println!("\nxtask: {name}");
    match run() {
        Ok(()) => {
            tally.passed += 1;
            println!("xtask: {name} ... ok");
        }
        Err(error) => {
            tally.failed += 1;
            println!("xtask: {name} ... FAILED: {error}");
        }
    }
}

fn scenario_tests(toolchain: &KernelToolchain, selected: &[&Scenario], tally: &mut Tally) -> Result {
    let built = build::build_with(toolchain, &BuildOptions::default())?;
    crate::flat::build()?;
    for scenario in selected {
        let started = Instant::now();
        println!("\nxtask: scenario {}: {}", scenario.name, scenario.about);
        let result = run_scenario(scenario, &built);
        let seconds = started.elapsed().as_secs_f64();
        match result {
            Ok(()) => {
                tally.passed += 1;
                println!("xtask: scenario {} ... ok ({seconds:.1} s)", scenario.name);
            }
            Err(why) => {
                tally.failed += 1;
                println!("xtask: scenario {} ... FAILED ({seconds:.1} s)\n{why}", scenario.name);
            }
        }
    }
    Ok(())
}

fn run_scenario(scenario: &Scenario, built: &Built) -> std::result::Result<(), String> {
    let image_dir = paths::root().join("target").join("images").join(scenario.name);
    let manifest = paths::root().join(scenario.manifest);
    let image = built.image(&manifest, scenario.params, 512, &image_dir).map_err(|e| e.to_string())?;
    let machine = Machine {
        emulator: scenario.emulator,
        firmware: scenario.firmware,
        cpu: scenario.cpu.map(String::from),
        memory_mib: 512,
        cpus: 1,
    };
    let timeout = Duration::from_secs(scenario.timeout_secs);
    let spec = RunSpec {
        machine: &machine,
        image: &image,
        run_dir: paths::run_dir(scenario.name),
        timeout,
        echo: false,
        screenshot: scenario.screenshot.then(|| paths::run_dir(scenario.name).join("screen")),
        input: if scenario.typed.is_empty() { emulator::Input::None } else { emulator::Input::Script(scenario.typed) },
    };
    let outcome = emulator::run_machine(&spec).map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    match outcome.verdict(timeout) {
        Ok(status) if status == scenario.expect_status => {}
        Ok(status) => problems.push(format!("ended with status `{status}`, expected `{}`", scenario.expect_status)),
        Err(why) => problems.push(why),
    }
    for (partition, expected) in scenario.expect_shares {
        match measured_share(&outcome.serial, partition) {
            Some(share) if (share - expected).abs() <= scenarios::SHARE_TOLERANCE => {}
            Some(share) => problems.push(format!(
                "partition {partition} got {share:.1} % of the CPU, expected {expected:.1} % (± {})",
                scenarios::SHARE_TOLERANCE
            )),
            None => problems.push(format!("no CPU report line for partition {partition}")),
        }
    }
    if scenario.screenshot {
        problems.extend(check_screenshot(&paths::run_dir(scenario.name).join("screen.ppm")).err());
    }
    let switches = interleavings(&outcome.serial);
    if switches < scenario.min_interleavings {
        problems.push(format!(
            "partitions' console lines changed partition only {switches} times, expected at least {}",
            scenario.min_interleavings
        ));
    }
    for expected in scenario.expect_lines {
        if !outcome.serial.lines().any(|line| line_matches(line, expected)) {
            problems.push(format!("serial log lacks {expected:?}"));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "  - {}\n  serial log: {}\n  emulator log: {}\n  last lines:\n{}",
        problems.join("\n  - "),
        outcome.serial_path.display(),
        outcome.emulator_log.display(),
        outcome.tail(25)
    ))
}

/// Whether `line` contains `expected`, where each `<n>` in `expected`
/// stands for a number greater than zero.
fn line_matches(line: &str, expected: &str) -> bool {
    let mut parts = expected.split("<n>");
    let first = parts.next().unwrap_or("");
    line.match_indices(first).any(|(start, _)| rest_matches(&line[start + first.len()..], parts.clone()))
}

/// Whether `rest` is, in order, a positive number then each part (the
/// parts after the first `<n>` of an expected line).
fn rest_matches<'a>(rest: &str, mut parts: impl Iterator<Item = &'a str> + Clone) -> bool {
    let Some(part) = parts.next() else { return true };
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let number = &rest[..digits];
    !number.is_empty()
        && !number.trim_start_matches('0').is_empty()
        && rest[digits..].starts_with(part)
        && rest_matches(&rest[digits + part.len()..], parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_lines_match_positive_numbers_for_n() {
        let line = "report p interrupts: 3 injected (0 NMIs), 120 delivered by the CPU; APIC timer 5 expiries";
        assert!(line_matches(line, "NMIs), <n> delivered by the CPU;"));
        assert!(line_matches(line, "<n> injected (0 NMIs)"));
        assert!(line_matches(line, "APIC timer"));
        assert!(!line_matches(line, "(<n> NMIs)"), "0 is not a positive number");
        assert!(!line_matches(line, "NMIs), <n> injected"));
        assert!(!line_matches("x 0 delivered", "x <n> delivered"));
    }

    #[test]
    fn interleavings_count_partition_changes_but_not_log_lines() {
        let serial = "[a] 1\n[   1.000] INFO x\n[b] 1\n[b] 2\n[a] 2\n[c] 1\n";
        assert_eq!(interleavings(serial), 3);
        assert_eq!(interleavings("[a] 1\n[a] 2\n"), 0);
    }

    #[test]
    fn cpu_shares_are_read_from_the_report() {
        let serial =
            "[ 1.0] INFO  vmm::manager: report spin-b: still running; restarts 0; CPU 250 ms (16.6%); 3 exits\n";
        assert_eq!(measured_share(serial, "spin-b"), Some(16.6));
        assert_eq!(measured_share(serial, "spin-a"), None);
    }

    #[test]
    fn cargo_test_result_lines_are_parsed() {
        let line = "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!(parse_test_result(line), Some((12, 0)));
        let line = "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out";
        assert_eq!(parse_test_result(line), Some((3, 2)));
        assert_eq!(parse_test_result("running 3 tests"), None);
    }

    #[test]
    fn scenario_names_are_unique_and_selectable() {
        let names: Vec<&str> = scenarios::ALL.iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert!(select(&["no-such-scenario".into()]).is_err());
        assert_eq!(select(&[names[0].into()]).map(|s| s.len()).ok(), Some(1));
    }
}
