//! Tests of the TOML reader as a whole: the shipped examples, and one test
//! per kind of problem, each checking the partition, field, position and fix.

use crate::test_support::default_manifest;
use crate::{
    parse_and_validate, parse_toml, CpuMode, ImageFormat, ImageSource, Location, ManifestError, PortRange, Schedule,
    ValidationContext,
};

const DEFAULT: &str = include_str!("../../fixtures/default.toml");
const WEIGHTED: &str = include_str!("../../fixtures/weighted.toml");

/// A minimal valid manifest: one partition `a` under a weighted schedule,
/// with `extra` appended to the partition table.
fn one_partition(extra: &str) -> String {
    format!(
        "[schedule]\nmode = \"weighted\"\n\n[[partition]]\nname = \"a\"\nmemory_mib = 16\nimage = \"guest:hello64\"\n\
         format = \"elf\"\nmode = \"long64\"\n{extra}"
    )
}

fn problems(text: &str) -> Vec<ManifestError> {
    parse_toml(text).expect_err("the text has problems")
}

/// The only problem in `text`, checked to name `partition` and `field`.
fn the_problem(text: &str, partition: Option<&str>, field: &str) -> ManifestError {
    let errors = problems(text);
    assert_eq!(errors.len(), 1, "expected one problem, got {errors:#?}");
    let error = errors.into_iter().next().expect("one");
    assert_eq!((error.partition.as_deref(), error.field.as_str()), (partition, field), "{error}");
    error
}

fn line(error: &ManifestError) -> u32 {
    error.location.expect("located").line
}

#[test]
fn the_default_manifest_parses_and_validates() {
    let context = ValidationContext { host_memory_mib: Some(64), ..ValidationContext::default() };
    assert_eq!(parse_and_validate(DEFAULT, &context), Ok(default_manifest()));
}

#[test]
fn the_weighted_example_parses_and_validates() {
    let manifest = parse_and_validate(WEIGHTED, &ValidationContext::default()).expect("valid");
    assert_eq!(manifest.schedule, Schedule::Weighted { slice_us: 2000 });
    let worker = &manifest.partitions[0];
    assert_eq!((worker.memory_mib, worker.base, worker.boot_argument, worker.share), (32, 0x4000_0000, 0xbe7c, 3));
    assert_eq!(worker.io_ports, [PortRange::single(0x80), PortRange::new(0x2f8, 0x2ff), PortRange::single(0x3e8)]);
    let monitor = &manifest.partitions[1];
    assert_eq!(monitor.image, ImageSource::File("images/monitor.bin".into()));
    assert_eq!(monitor.format, ImageFormat::Flat { load_address: 0x7c00, entry: 0x7c10 });
    assert_eq!((monitor.mode, monitor.share, monitor.color), (CpuMode::Real16, 1, None));
}

#[test]
fn defaults_fill_optional_fields() {
    let manifest = parse_toml(&one_partition("")).expect("valid");
    assert_eq!(manifest.schedule, Schedule::Weighted { slice_us: 1000 });
    let partition = &manifest.partitions[0];
    assert_eq!((partition.base, partition.boot_argument, partition.share, partition.cpu), (0, 0, 1, 0));
    assert!(partition.io_ports.is_empty() && partition.color.is_none());
    let flat = parse_toml(
        &one_partition("").replace("\"elf\"", "\"flat\"").replace("\"long64\"", "\"real16\"\nload_address = 0x7c00"),
    )
    .expect("valid");
    assert_eq!(flat.partitions[0].format, ImageFormat::Flat { load_address: 0x7c00, entry: 0x7c00 });
}

#[test]
fn a_misspelt_field_is_named_with_the_intended_one() {
    let text = DEFAULT.replacen("memory_mib = 2\n", "memory_mb = 2\n", 1);
    let error = the_problem(&text, Some("realmode"), "memory_mb");
    assert!(
        error.problem.starts_with("unknown field `memory_mb`, expected one of `name`, `memory_mib`, `base`, `image`"),
        "{error}"
    );
    assert!(error.fix.starts_with("did you mean `memory_mib`?"), "{error}");
    let expected_line = text.lines().position(|l| l.starts_with("memory_mb")).expect("present") + 1;
    assert_eq!(error.location, Some(Location { line: u32::try_from(expected_line).expect("small"), column: 1 }));
}

#[test]
fn unknown_fields_without_a_likely_meaning_list_the_known_ones() {
    let error = the_problem(&one_partition("priority = 3\n"), Some("a"), "priority");
    assert!(error.problem.contains("expected one of") && error.fix.starts_with("remove it"), "{error}");
    let error = the_problem(&format!("{}[[partitions]]\n", one_partition("")), None, "partitions");
    assert!(error.fix.starts_with("did you mean `partition`?"), "{error}");
    let error = the_problem(&one_partition("[partition.console]\ncolour = \"red\"\n"), Some("a"), "console.colour");
    assert!(error.fix.starts_with("did you mean `color`?"), "{error}");
}

#[test]
fn syntax_errors_keep_line_and_column() {
    let text = "[schedule]\nmode = \"weighted\n";
    let errors = problems(text);
    assert_eq!(errors.len(), 1);
    let error = &errors[0];
    assert_eq!((error.partition.as_deref(), error.field.as_str()), (None, ""));
    assert_eq!(error.location, Some(Location { line: 2, column: 17 }));
    assert!(error.problem.contains("invalid basic string"), "{error}");
    assert!(error.to_string().starts_with("line 2, column 17: invalid basic string"), "{error}");
    let error = &problems("[schedule]\nmode = \"weighted\"\nmode = \"cyclic\"\n")[0];
    assert_eq!(line(error), 3);
    assert!(error.problem.contains("duplicate") && error.fix.contains("once"), "{error}");
}

#[test]
fn unknown_values_list_the_valid_ones() {
    let error = the_problem(&one_partition("").replace("\"long64\"", "\"long\""), Some("a"), "mode");
    assert_eq!(error.problem, "unknown value \"long\", expected one of \"real16\", \"protected32\", \"long64\"");
    assert_eq!(error.fix, "did you mean \"long64\"?");
    let error = the_problem(&one_partition("").replace("\"elf\"", "\"bin\""), Some("a"), "format");
    assert!(
        error.problem.contains("\"elf\", \"flat\"") && error.fix == "write one of those, as in format = \"elf\"",
        "{error}"
    );
    let error = the_problem(&one_partition("restart = \"always\"\n"), Some("a"), "restart");
    assert!(error.problem.contains("\"never\", \"on-fault\""), "{error}");
    let error = the_problem(&one_partition("[partition.console]\ncolor = \"purple\"\n"), Some("a"), "console.color");
    assert!(error.problem.contains("\"none\", \"red\"") && error.problem.contains("\"white\""), "{error}");
    let error = the_problem(&one_partition("").replace("\"weighted\"", "\"round-robin\""), None, "schedule.mode");
    assert!(error.problem.contains("\"cyclic\", \"weighted\""), "{error}");
}

#[test]
fn missing_required_fields_are_named_with_an_example() {
    let error = the_problem(&one_partition("").replace("memory_mib = 16\n", ""), Some("a"), "memory_mib");
    assert_eq!(error.problem, "`memory_mib` is missing");
    assert!(error.fix.starts_with("add memory_mib = 16 (an even number of MiB"), "{error}");
    // Located at the partition's header.
    assert_eq!(line(&error), 4);
    // A partition without a name is numbered.
    let error = the_problem(&one_partition("").replace("name = \"a\"\n", ""), Some("#1"), "name");
    assert!(error.to_string().contains("partition #1, field name: `name` is missing"), "{error}");
}

#[test]
fn flat_images_need_a_load_address() {
    let text = one_partition("").replace("\"elf\"", "\"flat\"").replace("\"long64\"", "\"real16\"");
    let error = the_problem(&text, Some("a"), "load_address");
    assert!(error.problem.contains("a flat image needs `load_address`"), "{error}");
    assert!(error.fix.contains("load_address = 0x7c00"), "{error}");
}

#[test]
fn flat_only_fields_are_refused_for_elf_images() {
    let errors = problems(&one_partition("load_address = 0x7c00\nentry = 0x7c00\n"));
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["load_address", "entry"]);
    assert!(errors[0].problem.contains("only applies to flat images"), "{}", errors[0]);
}

#[test]
fn numbers_have_types_and_ranges() {
    let error = the_problem(&one_partition("").replace("= 16", "= \"16\""), Some("a"), "memory_mib");
    assert_eq!(error.problem, "expected a number, found a string \"16\"");
    assert!(error.fix.starts_with("remove the quotes"), "{error}");
    let error = the_problem(&one_partition("").replace("= 16", "= 16.5"), Some("a"), "memory_mib");
    assert!(error.problem.starts_with("expected a whole number, found a float"), "{error}");
    let error = the_problem(&one_partition("boot_argument = -1\n"), Some("a"), "boot_argument");
    assert_eq!(error.problem, "-1 is negative");
    let error = the_problem(&one_partition("").replace("= 16", "= 0x1_0000_0000"), Some("a"), "memory_mib");
    assert_eq!(error.problem, "0x100000000 is too large (at most 4294967295)");
    assert!(error.fix.contains("an even number of MiB from 2 to 1024"), "{error}");
    // The full u64 range is available in hexadecimal.
    let manifest = parse_toml(&one_partition("boot_argument = 0xffff_ffff_ffff_ffff\n")).expect("valid");
    assert_eq!(manifest.partitions[0].boot_argument, u64::MAX);
    let error = the_problem(&one_partition("").replace("name = \"a\"", "name = 7"), Some("#1"), "name");
    assert!(error.problem == "expected a string, found an integer 7", "{error}");
}

#[test]
fn restart_fields_come_together() {
    let error = the_problem(&one_partition("restart_limit = 3\n"), Some("a"), "restart_limit");
    assert!(error.problem.contains("only applies with restart = \"on-fault\""), "{error}");
    let error = the_problem(&one_partition("restart = \"on-fault\"\n"), Some("a"), "restart_limit");
    assert!(error.problem.contains("needs restart_limit") && error.fix.contains("restart_limit = 3"), "{error}");
}

#[test]
fn schedule_fields_belong_to_their_kind() {
    let error = the_problem(
        &DEFAULT.replacen("memory_mib = 16\n", "memory_mib = 16\nshare = 2\n", 1),
        Some("hello64"),
        "share",
    );
    assert!(error.problem.contains("only applies to a weighted schedule"), "{error}");
    let error = the_problem(
        &DEFAULT.replace("major_frame_us = 30000", "major_frame_us = 30000\nslice_us = 500"),
        None,
        "schedule.slice_us",
    );
    assert!(error.fix.contains("mode = \"weighted\""), "{error}");
    let weighted = DEFAULT.replace("mode = \"cyclic\"", "mode = \"weighted\"");
    let errors = problems(&weighted);
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["schedule.major_frame_us", "schedule.frame"], "{errors:#?}");
    assert!(errors[1].fix.contains("[[schedule.frame]]"), "{}", errors[1]);
}

#[test]
fn a_cyclic_schedule_without_its_period_is_told_the_sum() {
    let error = the_problem(&DEFAULT.replace("major_frame_us = 30000\n", ""), None, "schedule.major_frame_us");
    assert!(error.fix.contains("major_frame_us = 30000"), "{error}");
}

#[test]
fn the_schedule_is_required() {
    let text = one_partition("").replace("[schedule]\nmode = \"weighted\"\n", "");
    let error = the_problem(&text, None, "schedule");
    assert!(error.fix.contains("[schedule]"));
    let error = the_problem(&one_partition("").replace("mode = \"weighted\"\n", ""), None, "schedule.mode");
    assert_eq!(error.problem, "`mode` is missing");
    assert!(error.fix.contains("\"cyclic\""), "{error}");
}

#[test]
fn frames_are_tables_with_partition_and_duration() {
    let text = DEFAULT.replacen("duration_us = 10000\n", "", 1);
    let error = the_problem(&text, None, "schedule.frame[0].duration_us");
    assert_eq!(line(&error), 10, "{error}");
    let text = one_partition("").replace(
        "\"weighted\"",
        "\"cyclic\"\nmajor_frame_us = 100\n[schedule.frame]\npartition = \"a\"\nduration_us = 100",
    );
    let error = the_problem(&text, None, "schedule.frame");
    assert!(error.problem.starts_with("expected an array, found a table"), "{error}");
}

#[test]
fn io_ports_are_checked_one_by_one() {
    let errors = problems(&one_partition("io_ports = [\"0x80\", \"com2\", 0x10000, true]\n"));
    let found: Vec<(Option<&str>, &str, u32)> =
        errors.iter().map(|e| (e.partition.as_deref(), e.field.as_str(), e.location.map_or(0, |l| l.column))).collect();
    assert_eq!(found, [(Some("a"), "io_ports", 21), (Some("a"), "io_ports", 29), (Some("a"), "io_ports", 38)]);
    assert!(errors[0].problem.contains("`com2` is not a port"), "{}", errors[0]);
    assert!(errors[1].problem.contains("0x10000 is not an I/O port"), "{}", errors[1]);
    assert!(errors[0].fix.contains("\"0x2f8-0x2ff\""));
    let error = the_problem(&one_partition("io_ports = \"0x80\"\n"), Some("a"), "io_ports");
    assert!(error.problem.starts_with("expected an array"), "{error}");
}

#[test]
fn partitions_are_a_list_of_tables() {
    let text = "[schedule]\nmode = \"weighted\"\n[partition]\nname = \"a\"\n";
    let error = the_problem(text, None, "partition");
    assert!(error.fix.contains("[[partition]]"), "{error}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = DEFAULT
        .replacen("memory_mib = 16\n", "memory_mb = 16\n", 1)
        .replacen("memory_mib = 2\n", "memory_mib = 3\n", 1)
        .replacen("mode = \"long64\"\nrestart", "mode = \"long\"\nrestart", 1)
        .replace("[[schedule.frame]]\npartition = \"hello64\"", "[[schedule.frame]]\npartition = 5");
    let errors = problems(&text);
    let found: Vec<(Option<&str>, &str)> = errors.iter().map(|e| (e.partition.as_deref(), e.field.as_str())).collect();
    assert_eq!(
        found,
        [
            (None, "schedule.frame[0].partition"),
            (Some("hello64"), "memory_mb"),
            // Read, and checked against the one-partition rules.
            (Some("realmode"), "memory_mib"),
            (Some("hostile"), "mode"),
        ],
        "{errors:#?}"
    );
    let lines: Vec<u32> = errors.iter().map(line).collect();
    assert!(lines.windows(2).all(|pair| pair[0] < pair[1]), "in text order: {lines:?}");
}

#[test]
fn validation_problems_point_at_their_fields() {
    let text = DEFAULT.replacen("memory_mib = 2\n", "memory_mib = 3\n", 1).replacen(
        "partition = \"hostile\"",
        "partition = \"hostle\"",
        1,
    );
    let context = ValidationContext { host_memory_mib: Some(16), ..ValidationContext::default() };
    let errors = parse_and_validate(&text, &context).expect_err("invalid");
    let found: Vec<(Option<&str>, &str, u32)> =
        errors.iter().map(|e| (e.partition.as_deref(), e.field.as_str(), e.location.map_or(0, |l| l.line))).collect();
    let line_of =
        |needle: &str| u32::try_from(text.lines().position(|l| l.contains(needle)).expect("found") + 1).expect("small");
    assert_eq!(
        found,
        [
            (None, "schedule.frame[2].partition", line_of("\"hostle\"")),
            (Some("realmode"), "memory_mib", line_of("memory_mib = 3")),
            (Some("hostile"), "schedule.frame", line_of("name = \"hostile\"") - 1),
            (None, "memory_mib", 0),
        ],
        "{errors:#?}"
    );
    assert!(errors[1].to_string().starts_with(&format!(
        "line {}, column 1: partition \"realmode\", field memory_mib: 3 is not a multiple of 2 — use an even number",
        line_of("memory_mib = 3")
    )));
}

#[test]
fn duplicate_names_point_at_the_repetition() {
    let text = DEFAULT
        .replace("name = \"hostile\"", "name = \"hello64\"")
        .replace("partition = \"hostile\"", "partition = \"hello64\"");
    let errors = parse_and_validate(&text, &ValidationContext::default()).expect_err("duplicate");
    let error = errors.iter().find(|e| e.field == "name").expect("reported");
    let last = text.lines().enumerate().filter(|(_, l)| *l == "name = \"hello64\"").map(|(i, _)| i + 1).last();
    assert_eq!(error.location.map(|l| l.line as usize), last);
}

/// A multiboot partition `mb` with `extra` appended.
fn multiboot_partition(extra: &str) -> String {
    format!(
        "[schedule]\nmode = \"weighted\"\n\n[[partition]]\nname = \"mb\"\nmemory_mib = 16\nimage = \"kernel.elf\"\n\
         format = \"multiboot\"\n{extra}"
    )
}

#[test]
fn multiboot_kernels_take_a_command_line_and_modules() {
    let text = multiboot_partition(
        "cmdline = \"console=com0 -v\"\nmodules = [\n  { path = \"initrd.img\", string = \"initrd root=ram\" },\n  \
         { path = \"guest:hello64\" },\n]\n",
    );
    let manifest = parse_and_validate(&text, &ValidationContext::default()).expect("valid");
    let mb = &manifest.partitions[0];
    assert_eq!((mb.format, mb.mode), (ImageFormat::Multiboot, CpuMode::Protected32), "mode defaults to protected32");
    assert_eq!(mb.cmdline, "console=com0 -v");
    let modules: Vec<(ImageSource, &str)> = mb.modules.iter().map(|m| (m.image.clone(), m.string.as_str())).collect();
    assert_eq!(
        modules,
        [
            (ImageSource::File("initrd.img".into()), "initrd root=ram"),
            (ImageSource::Guest("hello64".into()), "guest:hello64"),
        ],
        "a module's string defaults to its path"
    );
    // The array-of-tables spelling reads the same.
    let tables = multiboot_partition(
        "cmdline = \"console=com0 -v\"\n[[partition.modules]]\npath = \"initrd.img\"\nstring = \"initrd root=ram\"\n\
         [[partition.modules]]\npath = \"guest:hello64\"\n",
    );
    assert_eq!(parse_toml(&tables).expect("valid").partitions[0].modules, mb.modules);
    let bare = parse_toml(&multiboot_partition("")).expect("valid");
    assert!(bare.partitions[0].cmdline.is_empty() && bare.partitions[0].modules.is_empty());
}

#[test]
fn multiboot_fields_are_checked_where_they_are_written() {
    let errors = parse_and_validate(&one_partition("cmdline = \"x\"\n"), &ValidationContext::default()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].field == "cmdline" && errors[0].problem.contains("only applies to multiboot"), "{}", errors[0]);
    assert_eq!(line(&errors[0]), 10);
    let error = the_problem(&multiboot_partition("modules = [{ string = \"s\" }]\n"), Some("mb"), "modules[0].path");
    assert!(error.problem.contains("`path` is missing"), "{error}");
    let error = the_problem(
        &multiboot_partition("modules = [{ path = \"a\", strng = \"s\" }]\n"),
        Some("mb"),
        "modules[0].strng",
    );
    assert!(error.fix.contains("did you mean `string`?"), "{error}");
    let error = the_problem(&multiboot_partition("modules = [\"a.bin\"]\n"), Some("mb"), "modules");
    assert!(error.fix.contains("{ path = "), "{error}");
    let error = the_problem(&multiboot_partition("load_address = 0x100000\n"), Some("mb"), "load_address");
    assert!(error.problem.contains("multiboot kernel says itself"), "{error}");
    let text = multiboot_partition("mode = \"long64\"\n");
    let errors = parse_and_validate(&text, &ValidationContext::default()).expect_err("long64 refused");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].field, "mode");
    assert!(errors[0].problem.contains("section 3.2") && errors[0].fix.contains("protected32"), "{}", errors[0]);
    assert_eq!(line(&errors[0]), 9);
    // Validation problems of a module are placed at the module.
    let text =
        multiboot_partition(&format!("modules = [\n  {{ path = \"a\", string = \"{}\" }},\n]\n", "s".repeat(1025)));
    let errors = parse_and_validate(&text, &ValidationContext::default()).expect_err("too long");
    assert_eq!((errors[0].field.as_str(), line(&errors[0])), ("modules[0].string", 10), "{}", errors[0]);
}
