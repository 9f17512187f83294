//! The rules about one partition on its own: name, memory, image, start mode,
//! CPU, share and restart policy.
//!
//! Image sizes are known on the host (the files were read) and in the
//! hypervisor (the bundle entries); when one is, a flat image is checked to
//! lie inside the partition's memory with its entry point inside the image.
//! ELF images are checked segment by segment by the loader (`hv-image`), which
//! sees the program headers this crate does not.

use alloc::format;
use alloc::string::String;

use super::{Problems, ValidationContext};
use crate::limits::{
    BASE_ALIGN, BOOT_AREA_BYTES, GUEST_PHYSICAL_LIMIT, MAX_CMDLINE_LEN, MAX_MEMORY_MIB, MAX_MODULES,
    MAX_MODULE_STRING_LEN, MAX_NAME_LEN, MAX_RESTART_LIMIT, MAX_SHARE, MEMORY_GRANULE_MIB, MIN_MEMORY_MIB,
    MULTIBOOT_MEMORY_LIMIT, ONLY_CPU, REAL_MODE_LIMIT,
};
use crate::partition::{real_mode_start, CpuMode, ImageFormat, ImageSource, PartitionConfig, RestartPolicy};

/// Applies every single-partition rule to `config`, named `label` in reports.
pub(super) fn check(label: &str, config: &PartitionConfig, context: &ValidationContext, problems: &mut Problems) {
    let mut report = |field: &str, problem: String, fix: String| problems.report(Some(label), field, problem, fix);
    name(config, &mut report);
    memory(config, &mut report);
    image(config, context.image_size(&config.name), &mut report);
    if config.cpu != ONLY_CPU {
        report(
            "cpu",
            format!("CPU {} does not exist for partitions: only CPU {ONLY_CPU} is used for now", config.cpu),
            format!("remove cpu, or set cpu = {ONLY_CPU}"),
        );
    }
    if !(1..=MAX_SHARE).contains(&config.share) {
        report(
            "share",
            format!("share {} is outside 1..={MAX_SHARE}", config.share),
            format!("use a weight from 1 to {MAX_SHARE}: a partition with share 2 gets twice the turns of share 1"),
        );
    }
    if let RestartPolicy::OnFault { limit } = config.restart {
        if !(1..=MAX_RESTART_LIMIT).contains(&limit) {
            report(
                "restart_limit",
                format!("restart_limit {limit} is outside 1..={MAX_RESTART_LIMIT}"),
                format!("use 1 to {MAX_RESTART_LIMIT} restarts, or restart = \"never\""),
            );
        }
    }
}

fn name(config: &PartitionConfig, report: &mut impl FnMut(&str, String, String)) {
    let name = &config.name;
    let fix = || format!("use 1 to {MAX_NAME_LEN} characters of a-z, 0-9 and '-', e.g. \"hello64\"");
    if name.is_empty() {
        report("name", "the name is empty".into(), fix());
    } else if let Some(bad) = name.chars().find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '-')) {
        report("name", format!("\"{name}\" contains {bad:?}, which names may not"), fix());
    } else if name.len() > MAX_NAME_LEN {
        report(
            "name",
            format!("\"{name}\" is {} characters long, at most {MAX_NAME_LEN} are allowed", name.len()),
            fix(),
        );
    }
}

fn memory(config: &PartitionConfig, report: &mut impl FnMut(&str, String, String)) {
    let mib = config.memory_mib;
    if !(MIN_MEMORY_MIB..=MAX_MEMORY_MIB).contains(&mib) {
        report(
            "memory_mib",
            format!("{mib} MiB is outside {MIN_MEMORY_MIB}..={MAX_MEMORY_MIB}"),
            format!("use an even number of MiB from {MIN_MEMORY_MIB} to {MAX_MEMORY_MIB}"),
        );
    } else if !mib.is_multiple_of(MEMORY_GRANULE_MIB) {
        report(
            "memory_mib",
            format!("{mib} is not a multiple of {MEMORY_GRANULE_MIB}"),
            "use an even number of MiB (2, 4, 6, ...)".into(),
        );
    }
    let base = config.base;
    if !base.is_multiple_of(BASE_ALIGN) {
        let down = base - base % BASE_ALIGN;
        report(
            "base",
            format!("{base:#x} is not 2 MiB aligned"),
            format!(
                "use a multiple of {BASE_ALIGN:#x} (2 MiB), e.g. {down:#x} or {:#x}",
                down.saturating_add(BASE_ALIGN)
            ),
        );
    }
    let bytes = config.memory_bytes();
    match base.checked_add(bytes) {
        Some(end) if end <= GUEST_PHYSICAL_LIMIT => {}
        // Memory beyond its own limit is reported above; its end says nothing new.
        _ if mib > MAX_MEMORY_MIB => {}
        _ => report(
            "base",
            format!(
                "memory from {base:#x} for {mib} MiB ends beyond {GUEST_PHYSICAL_LIMIT:#x}, the 512 GiB a partition's \
                 guest-physical space spans"
            ),
            format!("lower base to at most {:#x}", GUEST_PHYSICAL_LIMIT.saturating_sub(bytes)),
        ),
    }
}

fn image(config: &PartitionConfig, size: Option<u64>, report: &mut impl FnMut(&str, String, String)) {
    if config.image.name().is_empty() {
        let fix = match config.image {
            ImageSource::Bundle(_) => "rebuild the boot bundle with this tree's cargo xtask",
            _ => "write image = \"guest:<name>\" for a guest of guest-images/, or a file path relative to the manifest",
        };
        report("image", "the image is not named".into(), fix.into());
    }
    if let Some(size) = size {
        if size == 0 {
            report("image", format!("the image {} is empty", config.image), "check the image file".into());
        } else if size > config.memory_bytes() {
            report(
                "image",
                format!(
                    "the image {} is {size} bytes, more than the {} MiB of memory",
                    config.image, config.memory_mib
                ),
                format!("raise memory_mib to at least {} or shrink the image", (size.div_ceil(1 << 20) + 1) & !1),
            );
        }
    }
    match config.format {
        ImageFormat::Elf if config.mode == CpuMode::Protected32 => report(
            "mode",
            "ELF images start in long64 or real16, not protected32".into(),
            "use mode = \"long64\" or \"real16\", or format = \"flat\" for a 32-bit protected-mode binary".into(),
        ),
        ImageFormat::Elf => {}
        ImageFormat::Flat { load_address, entry } => flat(config, load_address, entry, size, report),
        ImageFormat::Multiboot => multiboot(config, report),
    }
    if config.format != ImageFormat::Multiboot {
        for (key, written) in [("cmdline", !config.cmdline.is_empty()), ("modules", !config.modules.is_empty())] {
            if written {
                report(
                    key,
                    format!("{key} only applies to multiboot kernels, not to {} images", config.format.name()),
                    format!("remove {key}, or set format = \"multiboot\""),
                );
            }
        }
    }
}

/// A multiboot kernel's start mode, memory, command line and modules (the
/// kernel file itself is checked by `hv-multiboot`, which reads it).
fn multiboot(config: &PartitionConfig, report: &mut impl FnMut(&str, String, String)) {
    if config.mode != CpuMode::Protected32 {
        report(
            "mode",
            format!(
                "a multiboot kernel starts in 32-bit protected mode (Multiboot 0.6.96 section 3.2), not {}",
                config.mode.name()
            ),
            "use mode = \"protected32\", or leave mode out".into(),
        );
    }
    let end = config.base.saturating_add(config.memory_bytes());
    if end > MULTIBOOT_MEMORY_LIMIT && config.memory_mib <= MAX_MEMORY_MIB {
        report(
            "base",
            format!(
                "the memory {:#x}..{end:#x} does not end below 4 GiB, where a multiboot kernel's 32-bit addresses end",
                config.base
            ),
            format!("lower base to at most {:#x}", MULTIBOOT_MEMORY_LIMIT.saturating_sub(config.memory_bytes())),
        );
    }
    let text = |what: &str, text: &str, max: usize, report: &mut dyn FnMut(String, String)| {
        if text.len() > max {
            report(
                format!("the {what} is {} bytes, at most {max} are allowed", text.len()),
                format!("shorten the {what}"),
            );
        } else if text.contains('\0') {
            report(
                format!("the {what} contains a NUL character, which would end it early for the kernel"),
                format!("remove the NUL (\\u0000) from the {what}"),
            );
        }
    };
    text("command line", &config.cmdline, MAX_CMDLINE_LEN, &mut |problem, fix| report("cmdline", problem, fix));
    if config.modules.len() > MAX_MODULES {
        report(
            "modules",
            format!("{} modules are listed, at most {MAX_MODULES} are supported", config.modules.len()),
            format!("remove {} of them, or pack them into one archive module", config.modules.len() - MAX_MODULES),
        );
    }
    for (index, module) in config.modules.iter().enumerate() {
        if module.image.name().is_empty() {
            report(
                &format!("modules[{index}].path"),
                "the module's path is empty".into(),
                "write path = \"<file>\", relative to the manifest".into(),
            );
        }
        let field = format!("modules[{index}].string");
        text("module string", &module.string, MAX_MODULE_STRING_LEN, &mut |problem, fix| {
            report(&field, problem, fix);
        });
    }
}

/// Where a flat image lies, and where it starts.
fn flat(
    config: &PartitionConfig,
    load: u64,
    entry: u64,
    size: Option<u64>,
    report: &mut impl FnMut(&str, String, String),
) {
    let memory = config.memory_range();
    let span = |end: u64| format!("{:#x}..{end:#x}", memory.start);
    // The image's range: its whole size when known, else its first byte.
    let image_end = load.saturating_add(size.unwrap_or(1));
    if !memory.contains(&load) {
        report(
            "load_address",
            format!("{load:#x} is outside the partition's memory {}", span(memory.end)),
            format!("load the image inside {}, or move base", span(memory.end)),
        );
    } else if image_end > memory.end {
        let size = size.unwrap_or(0);
        report(
            "load_address",
            format!(
                "the image ({size} bytes from {load:#x}) ends at {image_end:#x}, beyond the memory's end {:#x}",
                memory.end
            ),
            format!("lower load_address to at most {:#x}, or raise memory_mib", memory.end.saturating_sub(size)),
        );
    }
    let boot_area = memory.start..memory.start.saturating_add(BOOT_AREA_BYTES);
    if config.mode != CpuMode::Real16 && load < boot_area.end && image_end > boot_area.start {
        report(
            "load_address",
            format!(
                "the image at {load:#x} overlaps the first 64 KiB of the memory ({}), where the hypervisor builds the \
                 page tables and GDT of {} guests",
                span(boot_area.end),
                config.mode.name()
            ),
            format!("load the image at {:#x} or above", boot_area.end),
        );
    }
    if config.mode == CpuMode::Real16 {
        if load >= REAL_MODE_LIMIT {
            report(
                "load_address",
                format!("{load:#x} is beyond the first MiB, all that real mode reaches"),
                "load a real16 image below 0x100000, e.g. load_address = 0x7c00".into(),
            );
        } else if image_end > REAL_MODE_LIMIT {
            report(
                "load_address",
                format!("the image ends at {image_end:#x}, beyond the first MiB (0x100000) that real mode reaches"),
                "load it lower, or shrink it".into(),
            );
        }
        if real_mode_start(entry).is_none() {
            report(
                "entry",
                format!("{entry:#x} cannot be reached as segment:offset: real mode addresses end at 0xfffff"),
                "use an entry point below 0x100000".into(),
            );
        }
    }
    match size {
        Some(size) if !(load..load.saturating_add(size)).contains(&entry) => report(
            "entry",
            format!("{entry:#x} is outside the image ({load:#x}..{:#x})", load.saturating_add(size)),
            "point entry at an instruction inside the image, or leave it out to start at load_address".into(),
        ),
        None if !memory.contains(&entry) => report(
            "entry",
            format!("{entry:#x} is outside the partition's memory {}", span(memory.end)),
            "point entry at an instruction inside the image, or leave it out to start at load_address".into(),
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use crate::error::ManifestError;
    use crate::partition::{CpuMode, ImageSource, RestartPolicy};
    use crate::test_support::{default_manifest, errors_of, errors_with_sizes, flat_partition, single};
    use crate::Manifest;

    /// The default manifest with partition `index` changed by `change`.
    fn changed(index: usize, change: impl FnOnce(&mut crate::PartitionConfig)) -> Manifest {
        let mut manifest = default_manifest();
        change(&mut manifest.partitions[index]);
        manifest
    }

    fn the_error(manifest: &Manifest, partition: &str, field: &str) -> ManifestError {
        let error = single(errors_of(manifest));
        assert_eq!((error.partition.as_deref(), error.field.as_str()), (Some(partition), field), "{error}");
        error
    }

    /// The default manifest with `realmode` renamed, in its frame too.
    fn realmode_renamed(name: &str) -> Manifest {
        let mut manifest = changed(1, |p| p.name = name.into());
        if let crate::Schedule::Cyclic { frames, .. } = &mut manifest.schedule {
            frames[1].partition = name.into();
        }
        manifest
    }

    #[test]
    fn names_must_be_short_lowercase_and_present() {
        let error = the_error(&realmode_renamed("Real_Mode"), "Real_Mode", "name");
        assert!(error.problem.contains("'R'"), "{error}");
        assert!(error.fix.contains("a-z, 0-9 and '-'"));
        let long = "a".repeat(32);
        let error = the_error(&realmode_renamed(&long), &long, "name");
        assert!(error.problem.contains("32 characters") && error.problem.contains("at most 31"), "{error}");
        assert!(errors_of(&realmode_renamed(&"a".repeat(31))).is_empty());
        assert!(errors_of(&realmode_renamed("real-mode-2")).is_empty());
    }

    #[test]
    fn memory_must_be_even_and_in_range() {
        let error = the_error(&changed(1, |p| p.memory_mib = 3), "realmode", "memory_mib");
        assert_eq!(error.problem, "3 is not a multiple of 2");
        assert_eq!(error.fix, "use an even number of MiB (2, 4, 6, ...)");
        for mib in [0, 1, 1025, 2048, u32::MAX] {
            let error = the_error(&changed(1, |p| p.memory_mib = mib), "realmode", "memory_mib");
            assert!(error.problem.contains("outside 2..=1024"), "{error}");
        }
        for mib in [2, 1024] {
            assert!(errors_with_sizes(&changed(1, |p| p.memory_mib = mib), &[]).is_empty());
        }
    }

    #[test]
    fn base_must_be_aligned_and_below_512_gib() {
        let error = the_error(&changed(0, |p| p.base = 0x30_0000), "hello64", "base");
        assert!(error.problem.contains("0x300000 is not 2 MiB aligned"), "{error}");
        assert!(error.fix.contains("0x200000 or 0x400000"), "{error}");
        let error = the_error(&changed(0, |p| p.base = (512 << 30) - (14 << 20)), "hello64", "base");
        assert!(error.problem.contains("512 GiB"), "{error}");
        assert!(error.fix.contains(&format!("{:#x}", (512u64 << 30) - (16 << 20))), "{error}");
        assert!(errors_of(&changed(0, |p| p.base = (512 << 30) - (16 << 20))).is_empty());
        // Overflowing base + size is caught, not wrapped.
        let errors = errors_of(&changed(0, |p| p.base = !0x1f_ffff_u64));
        assert!(errors.iter().any(|e| e.field == "base" && e.problem.contains("512 GiB")));
    }

    #[test]
    fn only_cpu_zero_exists() {
        let error = the_error(&changed(0, |p| p.cpu = 1), "hello64", "cpu");
        assert!(error.problem.contains("only CPU 0"), "{error}");
    }

    #[test]
    fn share_and_restart_limit_ranges() {
        for share in [0, 1001] {
            let error = the_error(&changed(0, |p| p.share = share), "hello64", "share");
            assert!(error.problem.contains("1..=1000"), "{error}");
        }
        for limit in [0, 101] {
            let error =
                the_error(&changed(2, |p| p.restart = RestartPolicy::OnFault { limit }), "hostile", "restart_limit");
            assert!(error.problem.contains("1..=100"), "{error}");
        }
    }

    #[test]
    fn elf_images_do_not_start_in_protected_mode() {
        let error = the_error(&changed(0, |p| p.mode = CpuMode::Protected32), "hello64", "mode");
        assert!(error.problem.contains("ELF images start in long64 or real16"), "{error}");
        assert!(error.fix.contains("flat"));
    }

    #[test]
    fn images_must_be_named_and_fit_in_memory() {
        let error = the_error(&changed(0, |p| p.image = ImageSource::File(String::new())), "hello64", "image");
        assert!(error.fix.contains("guest:<name>"));
        let errors = errors_with_sizes(&default_manifest(), &[("realmode", (2 << 20) + 1)]);
        let error = single(errors);
        assert_eq!((error.partition.as_deref(), error.field.as_str()), (Some("realmode"), "image"));
        assert!(error.problem.contains("2097153 bytes") && error.fix.contains("at least 4"), "{error}");
        let error = single(errors_with_sizes(&default_manifest(), &[("hello64", 0)]));
        assert!(error.problem.contains("empty"), "{error}");
        assert!(errors_with_sizes(&default_manifest(), &[("realmode", 2 << 20)]).is_empty());
    }

    #[test]
    fn flat_images_lie_inside_memory() {
        let manifest = flat_partition(CpuMode::Long64, 16, 0x20_0000, 0x20_0000);
        assert!(errors_with_sizes(&manifest, &[("flat", 0x1000)]).is_empty());
        // Too big for the space above the load address.
        let error = single(errors_with_sizes(&manifest, &[("flat", (14 << 20) + 1)]));
        assert_eq!(error.field, "load_address");
        assert!(error.fix.contains("at most 0x1fffff"), "{error}");
        // Outside the memory altogether, size known or not.
        let manifest = flat_partition(CpuMode::Long64, 16, 16 << 20, 16 << 20);
        let errors = errors_with_sizes(&manifest, &[]);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["load_address", "entry"], "{errors:?}");
        assert!(errors[0].problem.contains("outside the partition's memory 0x0..0x1000000"), "{errors:?}");
    }

    #[test]
    fn flat_images_honour_base() {
        let mut manifest = flat_partition(CpuMode::Long64, 16, 0x20_0000, 0x20_0000);
        manifest.partitions[0].base = 0x40_0000;
        let error = single(errors_with_sizes(&manifest, &[("flat", 0x100)]));
        assert_eq!(error.field, "load_address");
        assert!(error.problem.contains("0x400000..0x1400000"), "{error}");
    }

    #[test]
    fn flat_entry_lies_inside_the_image() {
        let manifest = flat_partition(CpuMode::Long64, 16, 0x20_0000, 0x20_1000);
        let error = single(errors_with_sizes(&manifest, &[("flat", 0x1000)]));
        assert_eq!(error.field, "entry");
        assert!(error.problem.contains("0x201000 is outside the image (0x200000..0x201000)"), "{error}");
        assert!(errors_with_sizes(&manifest, &[("flat", 0x1001)]).is_empty());
    }

    #[test]
    fn flat_images_keep_clear_of_the_boot_area() {
        let manifest = flat_partition(CpuMode::Protected32, 16, 0xf000, 0x10000);
        let error = single(errors_with_sizes(&manifest, &[("flat", 0x2000)]));
        assert_eq!(error.field, "load_address");
        assert!(error.problem.contains("first 64 KiB") && error.problem.contains("protected32"), "{error}");
        assert!(error.fix.contains("0x10000"), "{error}");
        // Real-mode guests have no boot structures there.
        let manifest = flat_partition(CpuMode::Real16, 2, 0x7c00, 0x7c00);
        assert!(errors_with_sizes(&manifest, &[("flat", 0x200)]).is_empty());
    }

    #[test]
    fn real_mode_flat_images_stay_below_one_mib() {
        let manifest = flat_partition(CpuMode::Real16, 4, 0xf_f000, 0xf_f000);
        let error = single(errors_with_sizes(&manifest, &[("flat", 0x2000)]));
        assert_eq!(error.field, "load_address");
        assert!(error.problem.contains("0x101000") && error.problem.contains("first MiB"), "{error}");
        let manifest = flat_partition(CpuMode::Real16, 4, 0x10_0000, 0x10_0000);
        let errors = errors_with_sizes(&manifest, &[]);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["load_address", "entry"], "{errors:?}");
        assert!(errors[1].problem.contains("segment:offset"), "{errors:?}");
    }

    fn multiboot() -> Manifest {
        let mut manifest = flat_partition(CpuMode::Protected32, 16, 0, 0);
        manifest.partitions[0].format = crate::ImageFormat::Multiboot;
        manifest
    }

    #[test]
    fn multiboot_kernels_start_in_protected_mode_below_4_gib() {
        assert!(errors_of(&multiboot()).is_empty());
        let mut manifest = multiboot();
        manifest.partitions[0].mode = CpuMode::Long64;
        let error = single(errors_of(&manifest));
        assert_eq!(error.field, "mode");
        assert!(error.problem.contains("32-bit protected mode"), "{error}");
        let mut manifest = multiboot();
        manifest.partitions[0].base = (4 << 30) - (14 << 20);
        let error = single(errors_of(&manifest));
        assert_eq!(error.field, "base");
        assert!(error.fix.contains(&format!("{:#x}", (4u64 << 30) - (16 << 20))), "{error}");
        manifest.partitions[0].base = (4 << 30) - (16 << 20);
        assert!(errors_of(&manifest).is_empty());
    }

    #[test]
    fn command_lines_and_modules_have_limits() {
        let module = |string: &str| crate::BootModule { image: ImageSource::File("m".into()), string: string.into() };
        let mut manifest = multiboot();
        manifest.partitions[0].cmdline = "x".repeat(4096);
        manifest.partitions[0].modules = (0..16).map(|_| module(&"y".repeat(1024))).collect();
        assert!(errors_of(&manifest).is_empty());
        manifest.partitions[0].cmdline.push('x');
        manifest.partitions[0].modules.push(module("a\0b"));
        manifest.partitions[0].modules[3].image = ImageSource::File(String::new());
        let errors = errors_of(&manifest);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["cmdline", "modules", "modules[3].path", "modules[16].string"], "{errors:#?}");
        assert!(errors[0].problem.contains("4097 bytes, at most 4096"), "{}", errors[0]);
        assert!(errors[3].problem.contains("NUL"), "{}", errors[3]);
    }

    #[test]
    fn only_multiboot_kernels_take_a_command_line_or_modules() {
        let mut manifest = default_manifest();
        manifest.partitions[0].cmdline = "x".into();
        manifest.partitions[0].modules =
            vec![crate::BootModule { image: ImageSource::File("m".into()), string: String::new() }];
        let errors = errors_of(&manifest);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["cmdline", "modules"]);
        assert!(errors[0].problem.contains("not to elf images"), "{}", errors[0]);
    }
}
