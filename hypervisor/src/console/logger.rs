//! The `log` facade's back end: `[seconds.micros] LEVEL module: message`.
//!
//! The level is fixed at build time from the `HV_LOG` environment variable
//! (`error`, `warn`, `info`, `debug`, `trace`; default `info`), which
//! `cargo xtask run --log-level` sets.

use log::{LevelFilter, Log, Metadata, Record};

use crate::time;

struct KernelLogger;

static LOGGER: KernelLogger = KernelLogger;

/// The build-time log level.
fn max_level() -> LevelFilter {
    match option_env!("HV_LOG") {
        Some("error") => LevelFilter::Error,
        Some("warn") => LevelFilter::Warn,
        Some("debug") => LevelFilter::Debug,
        Some("trace") => LevelFilter::Trace,
        _ => LevelFilter::Info,
    }
}

/// Installs the logger. Call once, after the serial port is initialised.
pub fn install() {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(max_level());
    }
}

impl Log for KernelLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let stamp = time::since_boot();
        let target = record.target();
        let module = match target {
            "hypervisor" => "main",
            _ => target.strip_prefix("hypervisor::").unwrap_or(target),
        };
        super::write_fmt(format_args!("[{stamp}] {:<5} {module}: {}\n", record.level(), record.args()));
    }

    fn flush(&self) {
        super::drain();
    }
}
