//! The hypervisor kernel.
//!
//! Booted through UEFI by the `bootloader` crate, it owns the whole machine: no
//! host OS runs beneath it. This file reads top-down as the boot sequence; each
//! step lives in its own module.
//!
//! Layering (see `docs/design.md`):
//! - [`arch`]: the mechanism layer, the only place with `unsafe` (CPU
//!   instructions, descriptor tables, I/O ports, MSRs);
//! - [`mm`]: physical frames and the kernel heap;
//! - [`console`]: the serial/debug-console log;
//! - everything else decides, in safe code.

#![no_std]
#![no_main]
#![feature(abi_x86_interrupt)]

extern crate alloc;

mod arch;
mod boot_bundle;
mod console;
mod cpu_report;
mod hardware_report;
mod mm;
mod panic;
mod run;
mod selftest;
mod time;
mod vmm;

use bootloader_api::config::{BootloaderConfig, Mapping};
use bootloader_api::{entry_point, BootInfo};
use hv_status::RunStatus;

/// What the kernel asks of the bootloader: a mapping of all physical memory
/// (the hypervisor must reach guest frames, VMCS regions and EPT tables by
/// physical address) and a kernel stack large enough for VMX work.
const BOOTLOADER_CONFIG: BootloaderConfig = {
    let mut config = BootloaderConfig::new_default();
    config.mappings.physical_memory = Some(Mapping::Dynamic);
    config.kernel_stack_size = 256 * 1024;
    config
};

entry_point!(kernel_main, config = &BOOTLOADER_CONFIG);

fn kernel_main(boot_info: &'static mut BootInfo) -> ! {
    console::init();
    arch::x86_64::gdt::init();
    arch::x86_64::idt::init();
    time::init();
    log::info!("hypervisor {} starting", env!("CARGO_PKG_VERSION"));

    let memory = match mm::init(boot_info) {
        Ok(memory) => memory,
        Err(error) => {
            log::error!("memory set-up failed: {error}");
            run::finish(RunStatus::Failure);
        }
    };
    log::info!("{memory}");
    match boot_info.framebuffer.take() {
        Some(framebuffer) => match console::attach_framebuffer(framebuffer) {
            Ok(description) => log::info!("console: framebuffer {description}"),
            Err(error) => log::warn!("console: no on-screen log: {error}"),
        },
        None => log::info!("console: the firmware offers no framebuffer; serial only"),
    }
    log::info!("console: serial port COM1 {}", if console::serial_present() { "present" } else { "absent" });

    let params = match boot_bundle::load(boot_info) {
        Ok(params) => params,
        Err(error) => {
            log::error!("{error}");
            run::finish(RunStatus::Failure);
        }
    };

    hardware_report::print(boot_info);
    let report = cpu_report::gather();
    cpu_report::print(&report);
    if let Some(test) = params.selftest.filter(|test| test.guest_state_fault().is_none()) {
        test.run();
        log::error!("selftest {test:?} did not fault");
        run::finish(RunStatus::Failure);
    }
    let caps = match report.vmx_readiness() {
        Ok(caps) => caps,
        Err(reason) => {
            cpu_report::explain_unavailable(&report, &reason);
            run::finish(RunStatus::VmxUnavailable);
        }
    };
    let fault = params.selftest.and_then(selftest::SelfTest::guest_state_fault);
    let ticks = |ms: u64| ms.saturating_mul(time::tsc_hz()) / 1000;
    let options = vmm::RunOptions {
        limit_ticks: params.run_ms.map(ticks),
        monitor_ticks: params.monitor_ms.map(ticks),
        apic_virt: params.apic_virt,
    };
    let status = match vmm::run(caps, params.bundle.as_ref(), options, fault) {
        Ok(summary) if summary.hypervisor_failures == 0 => {
            log::info!("all {} partitions ran and ended; the hypervisor is intact", summary.ran);
            RunStatus::Success
        }
        Ok(summary) => {
            log::error!("{} partition(s) failed on the hypervisor's side", summary.hypervisor_failures);
            RunStatus::Failure
        }
        Err(error) => {
            log::error!("VMX cannot be used: {error}");
            RunStatus::Failure
        }
    };
    run::finish(status);
}
