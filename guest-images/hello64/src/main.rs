//! `hello64`: the first guest, a 64-bit Rust program that exercises the
//! hypervisor's basic services and reports what it sees.
//!
//! Booted per `guest-images/README-CONTRACT.md` (long mode, identity-mapped,
//! no stack, RDI = boot argument, RSI = memory size), it:
//! 1. greets through the `ConsoleWrite` hypercall;
//! 2. sends a line through the emulated 16550 UART (port I/O on 0x3F8/0x3FD);
//! 3. reports CPUID leaf 1 (is VMX hidden? is the hypervisor-present bit set?)
//!    and the hypervisor leaf 0x4000_0000 (signature, maximum leaf);
//! 4. asks for the ABI version and the partition information;
//! 5. prints the boot argument and memory size it was started with;
//! 6. shuts down with code 0. A panic is reported and shuts down with code 1.
//!
//! With the boot argument `0xBE7C` it runs the exit-latency benchmark instead
//! ([`bench`]).
//!
//! All checks are reported as text for the test harness to assert on; the exit
//! code only says whether the program ran to the end.

#![no_std]
#![no_main]

mod arch;
mod bench;

use core::arch::x86_64::__cpuid;
use core::fmt::{self, Write};
use hv_abi::guest::{self, ConsoleWriter};
use hv_abi::ABI_VERSION;

/// Writes one line to the partition console through hypercalls (one
/// `ConsoleWrite` per line).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        let mut console = $crate::ConsoleWriter::new();
        // If the console itself fails there is nowhere to report it.
        let _ = core::fmt::Write::write_fmt(&mut console, format_args!("{}\n", format_args!($($arg)*)));
    }};
}

/// The boot argument that makes the guest spin forever after its report
/// (printing progress), for the scheduler's CPU-share tests.
const SPIN_ARGUMENT: u64 = 0x5917;
/// Progress lines printed before shutting down normally.
const PROGRESS_STEPS: u64 = 5;
/// Busy-loop iterations between two progress lines.
const WORK_PER_STEP: u64 = 1_000_000;

/// Prints `steps` progress lines, each after a fixed amount of busy work, so
/// that the interleaving with other partitions shows the schedule.
fn progress(steps: u64) {
    for step in 1..=steps {
        let mut counter = 0u64;
        while counter < WORK_PER_STEP {
            counter = core::hint::black_box(counter + 1);
        }
        say!("hello64: progress {step}");
    }
}

/// The CPUID leaf where a hypervisor puts its signature and maximum leaf.
const HYPERVISOR_LEAF: u32 = 0x4000_0000;

/// The Rust entry point, called by `_start` (in [`arch`]) on the guest's own
/// stack with the registers the hypervisor set: RDI = the partition's boot
/// argument, RSI = its memory size in bytes.
extern "C" fn guest_main(boot_arg: u64, memory_bytes: u64) -> ! {
    if boot_arg == bench::BENCH_ARGUMENT {
        bench::run();
        guest::shutdown(0);
    }
    say!("hello64: hello from a 64-bit guest");
    arch::uart_write("hello64: this line went through the UART port 0x3F8\r\n");
    report_string_io();

    report_cpuid();
    report_abi();
    report_xcr0();

    say!(
        "hello64: boot argument (RDI) = {boot_arg:#x}, memory size (RSI) = {memory_bytes:#x} ({} MiB)",
        memory_bytes >> 20
    );
    if boot_arg == SPIN_ARGUMENT {
        say!("hello64: spinning until the hypervisor ends the run");
        progress(u64::MAX);
    }
    progress(PROGRESS_STEPS);
    say!("hello64: done, shutting down with code 0");
    guest::shutdown(0)
}

/// Exercises string I/O: REP OUTSB to the UART, REP INSB from its LSR.
fn report_string_io() {
    const LINE: &str = "hello64: this line went through REP OUTSB\r\n";
    let start = LINE.as_ptr() as u64;
    let (rsi, rcx) = arch::uart_rep_outsb(LINE);
    let advanced = rsi.wrapping_sub(start);
    say!("hello64: after REP OUTSB: RSI advanced by {advanced} (of {}), RCX = {rcx}", LINE.len());
    let mut lsr = [0u8; 4];
    arch::uart_rep_insb_lsr(&mut lsr);
    say!("hello64: REP INSB from LSR read {:#04x} {:#04x} {:#04x} {:#04x}", lsr[0], lsr[1], lsr[2], lsr[3]);
}

/// Enables x87+SSE state through XSETBV (validated by the hypervisor) and
/// reports what XGETBV then reads.
fn report_xcr0() {
    if __cpuid(1).ecx & (1 << 26) == 0 {
        say!("hello64: no XSAVE on this CPU, XSETBV not tried");
        return;
    }
    let xcr0 = arch::set_and_read_xcr0(0x3);
    let osxsave = __cpuid(1).ecx & (1 << 27) != 0;
    say!("hello64: XSETBV XCR0=0x3 accepted, XGETBV reads {xcr0:#x}, CPUID.1:ECX.OSXSAVE = {}", u8::from(osxsave));
}

/// Reports what CPUID tells the guest about virtualization.
fn report_cpuid() {
    let leaf1 = __cpuid(1);
    let vmx = leaf1.ecx & (1 << 5) != 0;
    let hypervisor = leaf1.ecx & (1 << 31) != 0;
    say!(
        "hello64: CPUID.1:ECX.VMX[5] = {} ({}), CPUID.1:ECX.hypervisor[31] = {}",
        u8::from(vmx),
        if vmx { "VISIBLE, should be hidden" } else { "hidden" },
        u8::from(hypervisor),
    );

    let leaf = __cpuid(HYPERVISOR_LEAF);
    let mut signature = [0; 12];
    signature[0..4].copy_from_slice(&leaf.ebx.to_le_bytes());
    signature[4..8].copy_from_slice(&leaf.ecx.to_le_bytes());
    signature[8..12].copy_from_slice(&leaf.edx.to_le_bytes());
    say!("hello64: CPUID {HYPERVISOR_LEAF:#x}: signature \"{}\", max leaf {:#x}", Printable(&signature), leaf.eax);
}

/// Reports the ABI version and the partition information.
fn report_abi() {
    match guest::abi_version() {
        Ok(version) if version == ABI_VERSION => say!("hello64: ABI version {version} (matches this guest)"),
        Ok(version) => say!("hello64: ABI version {version}, MISMATCH: built for {ABI_VERSION}"),
        Err(error) => say!("hello64: AbiVersion failed: {error}"),
    }
    match guest::partition_info() {
        Ok(info) => say!(
            "hello64: partition \"{}\" id {}, memory {:#x} bytes ({} MiB), {} vCPU(s)",
            Printable(info.name()),
            info.partition_id,
            info.memory_bytes,
            info.memory_bytes >> 20,
            info.vcpu_count,
        ),
        Err(error) => say!("hello64: PartitionInfo failed: {error}"),
    }
}

/// Shows bytes as text: printable ASCII as is, anything else as `\xNN`.
struct Printable<'a>(&'a [u8]);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &byte in self.0 {
            if byte.is_ascii_graphic() || byte == b' ' {
                f.write_char(char::from(byte))?;
            } else {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    say!("hello64: panic: {info}");
    guest::shutdown(1)
}
