//! Reading one `[[partition]]` table into a [`PartitionConfig`].
//!
//! This checks what the TOML must say for a partition to be built at all
//! (required fields, types, known names, fields that only make sense together
//! such as `load_address` with `format = "flat"`); the rules about values
//! (sizes, alignment, ranges) are validation's, shared with the hypervisor.

use toml::de::DeValue;
use toml::Spanned;

use super::fields::{CONSOLE, MODULE, PARTITION};
use super::reader::{describe, Got, TableReader};
use super::source::Source;
use super::ScheduleKind;
use crate::partition::{BootModule, Color, CpuMode, ImageFormat, ImageSource, PartitionConfig, RestartPolicy};
use crate::ports::PortRange;

/// The `format` values.
#[derive(Clone, Copy)]
enum Format {
    Elf,
    Flat,
    Multiboot,
}

/// The `restart` values.
#[derive(Clone, Copy)]
enum Restart {
    Never,
    OnFault,
}

/// Reads partition number `index` (from 0), written as `value`; `schedule`
/// is the schedule's kind when it is known. Returns `None` when a problem was
/// reported that leaves no partition to build.
pub(super) fn partition(
    source: &mut Source<'_>,
    index: usize,
    value: &Spanned<DeValue<'_>>,
    schedule: Option<ScheduleKind>,
) -> Option<PartitionConfig> {
    let header = value.span();
    let path = format!("partition[{index}]");
    source.remember(path.clone(), &header);
    let Some(table) = value.get_ref().as_table() else {
        source.labels.push(format!("#{}", index + 1));
        source.report(
            &header,
            None,
            "partition",
            format!("partition #{} is {}, not a table", index + 1, describe(value.get_ref())),
            "write each partition as a [[partition]] table with name, memory_mib, image, format and mode".into(),
        );
        return None;
    };
    let label = match table.iter().find(|(k, _)| k.get_ref() == "name").map(|(_, v)| v.get_ref()) {
        Some(DeValue::String(name)) if !name.is_empty() && !name.starts_with('#') => name.to_string(),
        _ => format!("#{}", index + 1),
    };
    source.labels.push(label.clone());
    let fields = TableReader::new(source, table, header, Some(label), ("", &format!("{path}.")), PARTITION);

    let name = fields.string(source, "name");
    let name = fields.required(source, "name", name);
    let memory_mib = fields.number(source, "memory_mib", u32::MAX);
    let memory_mib = fields.required(source, "memory_mib", memory_mib);
    let base = fields.number(source, "base", u64::MAX).or(0);
    let image = fields.string(source, "image");
    let image = fields.required(source, "image", image).map(image_source);
    let formats = [("elf", Format::Elf), ("flat", Format::Flat), ("multiboot", Format::Multiboot)];
    let format = fields.choice(source, "format", &formats);
    let format = fields.required(source, "format", format);
    let modes = CpuMode::ALL.map(|mode| (mode.name(), mode));
    let mode = fields.choice(source, "mode", &modes);
    // A multiboot kernel's start mode is given by the protocol.
    let mode = match (format, mode) {
        (Some(Format::Multiboot), Got::Absent) => Some(CpuMode::Protected32),
        (_, mode) => fields.required(source, "mode", mode),
    };
    let (cmdline, modules) = multiboot(source, &fields, &path);
    let format = format.and_then(|format| image_format(source, &fields, format));
    let boot_argument = fields.number(source, "boot_argument", u64::MAX).or(0);
    let share = fields.number(source, "share", u32::MAX);
    if share.is_written() && schedule == Some(ScheduleKind::Cyclic) {
        fields.report(
            source,
            "share",
            "share only applies to a weighted schedule; the cyclic schedule gives each partition its frames".into(),
            "remove share, or set mode = \"weighted\" in [schedule]".into(),
        );
    }
    let share = share.or(1);
    let cpu = fields.number(source, "cpu", u32::MAX).or(0);
    let io_ports = io_ports(source, &fields);
    let restart = restart(source, &fields);
    let color = console(source, &fields, &path);

    Some(PartitionConfig {
        name: name?.into(),
        memory_mib: memory_mib?,
        base: base?,
        image: image?,
        format: format?,
        mode: mode?,
        boot_argument: boot_argument?,
        share: share?,
        cpu: cpu?,
        io_ports: io_ports?,
        restart: restart?,
        color: color?,
        cmdline: cmdline?,
        modules: modules?,
    })
}

/// `image = "guest:<name>"` or a file path.
fn image_source(text: &str) -> ImageSource {
    match text.strip_prefix("guest:") {
        Some(guest) => ImageSource::Guest(guest.into()),
        None => ImageSource::File(text.into()),
    }
}

/// `cmdline` and `modules`, which only multiboot kernels take.
fn multiboot(
    source: &mut Source<'_>,
    fields: &TableReader<'_, '_>,
    path: &str,
) -> (Option<String>, Option<Vec<BootModule>>) {
    let cmdline = fields.string(source, "cmdline");
    let modules = fields.array(source, "modules");
    // Given for another format, they are refused by validation (which the
    // hypervisor runs too).
    let cmdline = cmdline.or("").map(String::from);
    let array = match modules {
        Got::Absent => return (cmdline, Some(Vec::new())),
        Got::Invalid => return (cmdline, None),
        Got::Present(array) => array,
    };
    let partition = source.labels.last().cloned();
    let mut list = Some(Vec::new());
    for (index, element) in array.iter().enumerate() {
        let Some(table) = element.get_ref().as_table() else {
            fields.report_at(
                source,
                &element.span(),
                "modules",
                format!("module #{} is {}, not a table", index + 1, describe(element.get_ref())),
                "write each module as { path = \"module.bin\", string = \"its string\" }".into(),
            );
            list = None;
            continue;
        };
        let prefixes = (&format!("modules[{index}]."), &format!("{path}.modules[{index}]."));
        let header = element.span();
        source.remember(format!("{path}.modules[{index}]"), &header);
        let module = TableReader::new(source, table, header, partition.clone(), (prefixes.0, prefixes.1), MODULE);
        let file = module.string(source, "path");
        let file = module.required(source, "path", file);
        let string = module.string(source, "string");
        let module = file.zip(string.or(file.unwrap_or_default()));
        match (module, list.as_mut()) {
            (Some((file, string)), Some(list)) => {
                list.push(BootModule { image: image_source(file), string: string.into() });
            }
            (None, _) => list = None,
            (Some(_), None) => {}
        }
    }
    (cmdline, list)
}

/// The format with its flat-image addresses, which only flat images take.
fn image_format(source: &mut Source<'_>, fields: &TableReader<'_, '_>, format: Format) -> Option<ImageFormat> {
    let load_address = fields.number(source, "load_address", u64::MAX);
    let entry = fields.number(source, "entry", u64::MAX);
    match format {
        Format::Elf | Format::Multiboot => {
            let (what, format) = match format {
                Format::Elf => ("an ELF image says itself", ImageFormat::Elf),
                _ => ("a multiboot kernel says itself (ELF headers or its Multiboot header)", ImageFormat::Multiboot),
            };
            for (key, written) in [("load_address", load_address.is_written()), ("entry", entry.is_written())] {
                if written {
                    fields.report(
                        source,
                        key,
                        format!("{key} only applies to flat images: {what} where it loads and starts"),
                        format!("remove {key}, or set format = \"flat\" for a raw binary"),
                    );
                }
            }
            Some(format)
        }
        Format::Flat => {
            let written = load_address.is_written();
            let load_address = load_address.value();
            if !written {
                fields.report(
                    source,
                    "load_address",
                    "a flat image needs `load_address`: a raw binary does not say where it goes".into(),
                    "add load_address = 0x7c00 (the guest-physical address the binary is linked to run at)".into(),
                );
            }
            let load_address = load_address?;
            Some(ImageFormat::Flat { load_address, entry: entry.or(load_address)? })
        }
    }
}

/// `io_ports`: strings such as `"0x80"` and `"0x2f8-0x2ff"`, or bare port
/// numbers.
fn io_ports(source: &mut Source<'_>, fields: &TableReader<'_, '_>) -> Option<Vec<PortRange>> {
    let array = match fields.array(source, "io_ports") {
        Got::Absent => return Some(Vec::new()),
        Got::Invalid => return None,
        Got::Present(array) => array,
    };
    let fix =
        "write single ports as \"0x80\" and ranges as \"0x2f8-0x2ff\" (hexadecimal with 0x, or decimal), from 0 to \
               0xffff";
    let mut ranges = Vec::new();
    let mut valid = true;
    for element in array.iter() {
        let parsed = match element.get_ref() {
            DeValue::String(text) => PortRange::parse(text).map_err(|error| error.to_string()),
            DeValue::Integer(port) => i128::from_str_radix(port.as_str(), port.radix())
                .ok()
                .and_then(|port| u16::try_from(port).ok())
                .map(PortRange::single)
                .ok_or_else(|| format!("{port} is not an I/O port (0 to 0xffff)")),
            other => Err(format!("{} is not a port or a range of ports", describe(other))),
        };
        match parsed {
            Ok(range) => ranges.push(range),
            Err(problem) => {
                valid = false;
                fields.report_at(source, &element.span(), "io_ports", problem, fix.into());
            }
        }
    }
    valid.then_some(ranges)
}

/// `restart` and `restart_limit`, which come together.
fn restart(source: &mut Source<'_>, fields: &TableReader<'_, '_>) -> Option<RestartPolicy> {
    let restart = fields.choice(source, "restart", &[("never", Restart::Never), ("on-fault", Restart::OnFault)]);
    let limit = fields.number(source, "restart_limit", u32::MAX);
    match restart.or(Restart::Never)? {
        Restart::Never => {
            if limit.is_written() {
                fields.report(
                    source,
                    "restart_limit",
                    "restart_limit only applies with restart = \"on-fault\"".into(),
                    "add restart = \"on-fault\", or remove restart_limit".into(),
                );
            }
            Some(RestartPolicy::Never)
        }
        Restart::OnFault => {
            let written = limit.is_written();
            let limit = limit.value();
            if !written {
                fields.report(
                    source,
                    "restart_limit",
                    "restart = \"on-fault\" needs restart_limit: how many restarts at most".into(),
                    "add restart_limit = 3 (1 to 100)".into(),
                );
            }
            Some(RestartPolicy::OnFault { limit: limit? })
        }
    }
}

/// `[partition.console]`: the colour, if any.
fn console(source: &mut Source<'_>, fields: &TableReader<'_, '_>, path: &str) -> Option<Option<Color>> {
    let (table, header) = match fields.table(source, "console") {
        Got::Absent => return Some(None),
        Got::Invalid => return None,
        Got::Present(table) => table,
    };
    let partition = source.labels.last().cloned();
    let console =
        TableReader::new(source, table, header, partition, ("console.", &format!("{path}.console.")), CONSOLE);
    let mut colors = vec![("none", None)];
    colors.extend(Color::ALL.map(|color| (color.name(), Some(color))));
    console.choice(source, "color", &colors).or(None)
}
