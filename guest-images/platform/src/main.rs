//! `platform`: a multiboot kernel that checks the PC platform a partition
//! sees, the way an operating system would use it, and measures its timers
//! against the TSC.
//!
//! Started by the hypervisor's multiboot loader (or as a 32-bit ELF in
//! protected mode), it switches to long mode ([`boot`]), checks the
//! multiboot information ([`boot_info`]; the command-line word `bench` runs
//! only the measurements, `storm` an interrupt storm, [`storm`]), installs an IDT and then checks, printing one
//! line per check on COM1:
//! - CPUID: APIC, x2APIC and TSC-deadline offered; TSC and APIC timer
//!   frequencies from leaf 0x15;
//! - the local APIC in x2APIC mode: ID and version, the timer in one-shot,
//!   periodic and TSC-deadline modes with its rate measured against the TSC
//!   (within 2 %), self-IPIs through the ICR and the SELF IPI register,
//!   IPIs to an APIC ID the partition does not have and to "all excluding
//!   self" (which must arrive nowhere), and the TPR holding back a class
//!   through CR8.
//!
//! Then it measures the interrupt path for `cargo xtask bench` ([`bench`]).
//! It ends with `platform: N checks, N failed` and halts with interrupts
//! disabled (the partition stops).

#![no_std]
#![no_main]
#![feature(abi_x86_interrupt)]

mod apic;
mod arch;
mod bench;
mod boot;
mod boot_info;
mod console;
mod interrupts;
mod legacy;
mod measure;
mod storm;
mod timers;

use core::sync::atomic::{AtomicU32, Ordering};

use apic::{reg, Apic};

static CHECKS: AtomicU32 = AtomicU32::new(0);
static FAILURES: AtomicU32 = AtomicU32::new(0);

/// Records a check and prints its outcome.
pub fn check(ok: bool, what: core::fmt::Arguments<'_>) {
    CHECKS.fetch_add(1, Ordering::SeqCst);
    if !ok {
        FAILURES.fetch_add(1, Ordering::SeqCst);
    }
    say!("{} {what}", if ok { "ok  " } else { "FAIL" });
}

/// The multiboot loader's magic in EAX (section 3.2).
const LOADER_MAGIC: u32 = 0x2BAD_B002;

/// The Rust entry point, in long mode on the boot stack: `magic` and `info`
/// are EAX and EBX as the loader left them.
extern "C" fn kernel_main(magic: u32, info: u32) -> ! {
    say!("started, EAX {magic:#x}, EBX {info:#x}");
    let options = if magic == LOADER_MAGIC {
        boot_info::check_info(info)
    } else {
        say!("not started by a multiboot loader: skipping the boot-information checks");
        boot_info::Options { bench_only: false, storm: false }
    };
    interrupts::install();
    let clocks = timers::Clocks::from_cpuid();
    if options.storm {
        storm::run(&clocks);
    }
    if options.bench_only {
        bench::run(&clocks);
        halt();
    }
    check_cpuid(&clocks);

    apic::enable_x2apic();
    let apic = Apic::X2;
    interrupts::use_apic(apic);
    apic.write(reg::SVR, 0x100 | u32::from(interrupts::SPURIOUS));
    apic.write(reg::LVT_ERROR, u32::from(interrupts::ERROR));
    check_identity(apic);
    timers::lapic_one_shot(apic, &clocks);
    timers::lapic_periodic(apic, &clocks);
    timers::lapic_tsc_deadline(apic, &clocks);
    check_ipis(apic);
    check_task_priority(apic);
    legacy::uart_level_interrupt(&clocks);

    let apic = leave_x2apic();
    interrupts::use_apic(apic);
    timers::lapic_one_shot(apic, &clocks);
    check_xapic_ipi(apic);
    check_relocation();
    check_ioapic();

    legacy::pit_channel2_calibration(&clocks);
    legacy::pic_init();
    legacy::pic_timer(apic, &clocks);
    legacy::ioapic_timer(&clocks);
    legacy::uart_interrupt(&clocks);
    legacy::uart_receive(&clocks);

    bench::run(&clocks);

    let (checks, failures) = (CHECKS.load(Ordering::SeqCst), FAILURES.load(Ordering::SeqCst));
    say!("{checks} checks, {failures} failed");
    halt()
}

fn halt() -> ! {
    loop {
        arch::halt_with_interrupts_disabled();
    }
}

fn check_cpuid(clocks: &timers::Clocks) {
    let (_, _, ecx, edx) = arch::cpuid(1, 0);
    check(edx & (1 << 9) != 0, format_args!("CPUID.1:EDX.APIC"));
    check(ecx & (1 << 21) != 0, format_args!("CPUID.1:ECX.x2APIC"));
    check(ecx & (1 << 24) != 0, format_args!("CPUID.1:ECX.TSC-deadline"));
    check(
        clocks.tsc_hz > 1_000_000 && clocks.crystal_hz > 0,
        format_args!("CPUID.15H: TSC {} kHz, APIC timer {} kHz", clocks.tsc_hz / 1000, clocks.crystal_hz / 1000),
    );
    let (tsc_khz, bus_khz, _, _) = arch::cpuid(0x4000_0010, 0);
    check(
        u64::from(tsc_khz) == clocks.tsc_hz / 1000 && u64::from(bus_khz) == clocks.crystal_hz / 1000,
        format_args!("CPUID.40000010H agrees: TSC {tsc_khz} kHz, bus {bus_khz} kHz"),
    );
}

fn check_identity(apic: Apic) {
    let (_, _, _, x2apic_id) = arch::cpuid(0xB, 0);
    let id = apic.read(reg::ID);
    check(id == x2apic_id, format_args!("x2APIC ID {id} matches CPUID.0BH:EDX {x2apic_id}"));
    let version = apic.read(reg::VERSION);
    check(version & 0xFF >= 0x10, format_args!("APIC version {version:#x} (integrated APIC)"));
}

fn check_ipis(apic: Apic) {
    use interrupts::{LOST_IPI, SELF_IPI, SELF_IPI_MSR};
    let settle = timers::Clocks::from_cpuid().tsc_hz / 1000;
    // Fixed, assert, shorthand "self".
    apic.send_ipi(u32::from(SELF_IPI) | 1 << 14 | 0b01 << 18, 0);
    measure::idle(settle);
    check(interrupts::count(SELF_IPI) == 1, format_args!("self-IPI through the ICR arrived once"));
    Apic::X2.write(0x3F0, u32::from(SELF_IPI_MSR));
    measure::idle(settle);
    check(interrupts::count(SELF_IPI_MSR) == 1, format_args!("self-IPI through the SELF IPI register arrived once"));
    // An APIC ID the partition does not have, and everybody but us.
    apic.send_ipi(u32::from(LOST_IPI) | 1 << 14, 7);
    apic.send_ipi(u32::from(LOST_IPI) | 1 << 14 | 0b11 << 18, 0);
    measure::idle(settle);
    check(
        interrupts::count(LOST_IPI) == 0,
        format_args!("IPIs to APIC ID 7 and to all-excluding-self arrived nowhere"),
    );
    // An NMI IPI to our own APIC ID arrives as an NMI, interrupts enabled or not.
    apic.send_ipi(0b100 << 8 | 1 << 14, 0);
    for _ in 0..1000 {
        core::hint::spin_loop();
    }
    check(interrupts::count(interrupts::NMI) == 1, format_args!("NMI IPI to APIC ID 0 arrived as an NMI, with IF = 0"));
    check(apic.esr() == 0, format_args!("no APIC error so far"));
}

fn check_task_priority(apic: Apic) {
    use interrupts::PRIORITY;
    let settle = timers::Clocks::from_cpuid().tsc_hz / 1000;
    arch::write_cr8(6);
    check(apic.read(reg::TPR) == 0x60, format_args!("CR8 = 6 is TPR {:#x}", apic.read(reg::TPR)));
    apic.send_ipi(u32::from(PRIORITY) | 1 << 14 | 0b01 << 18, 0);
    measure::idle(settle);
    check(interrupts::count(PRIORITY) == 0, format_args!("vector {PRIORITY:#x} held back while CR8 = 6"));
    arch::write_cr8(0);
    measure::idle(settle);
    check(interrupts::count(PRIORITY) == 1, format_args!("vector {PRIORITY:#x} delivered once CR8 = 0"));
    check(arch::read_cr8() == 0, format_args!("CR8 reads back 0"));
}

/// The xAPIC page's default address.
const XAPIC_BASE: u64 = 0xFEE0_0000;

/// x2APIC can only be left by disabling the APIC (SDM 11.12.5): EN = 0,
/// then EN = 1 brings it back in xAPIC mode, in its power-up state.
fn leave_x2apic() -> Apic {
    let base = arch::rdmsr(apic::APIC_BASE_MSR);
    arch::wrmsr(apic::APIC_BASE_MSR, base & !((1 << 11) | (1 << 10)));
    check(arch::cpuid(1, 0).3 & (1 << 9) == 0, format_args!("CPUID.1:EDX.APIC clear while the APIC is disabled"));
    arch::wrmsr(apic::APIC_BASE_MSR, XAPIC_BASE | (1 << 11));
    let apic = Apic::X(XAPIC_BASE);
    check(
        apic.read(reg::SVR) == 0xFF && apic.read(reg::LVT_TIMER) == 1 << 16,
        format_args!(
            "xAPIC after re-enabling: SVR {:#x}, LVT timer {:#x} (power-up state)",
            apic.read(reg::SVR),
            apic.read(reg::LVT_TIMER)
        ),
    );
    check(apic.read(reg::ID) == 0, format_args!("xAPIC ID register {:#x}", apic.read(reg::ID)));
    apic.write(reg::SVR, 0x100 | u32::from(interrupts::SPURIOUS));
    apic.write(reg::LVT_ERROR, u32::from(interrupts::ERROR));
    check(apic.read(reg::SVR) == 0x1FF, format_args!("xAPIC software-enabled through the page"));
    apic
}

fn check_xapic_ipi(apic: Apic) {
    use interrupts::SELF_IPI;
    interrupts::reset(SELF_IPI);
    apic.send_ipi(u32::from(SELF_IPI) | 1 << 14 | 0b01 << 18, 0);
    measure::idle(timers::Clocks::from_cpuid().tsc_hz / 1000);
    check(interrupts::count(SELF_IPI) == 1, format_args!("xAPIC self-IPI through the ICR in the page arrived once"));
}

/// IA32_APIC_BASE moves the page; the registers follow it. (The old page
/// is then unassigned: touching it would stop the partition.)
fn check_relocation() {
    const MOVED: u64 = 0xFED0_0000;
    arch::wrmsr(apic::APIC_BASE_MSR, MOVED | (1 << 11));
    let moved = Apic::X(MOVED);
    check(
        moved.read(reg::SVR) == 0x1FF,
        format_args!("APIC page moved to {MOVED:#x}: SVR {:#x}", moved.read(reg::SVR)),
    );
    arch::wrmsr(apic::APIC_BASE_MSR, XAPIC_BASE | (1 << 11));
}

/// The I/O APIC at 0xFEC00000: version, 24 entries, masked at reset.
fn check_ioapic() {
    const IOAPIC: u64 = 0xFEC0_0000;
    let read = |index: u32| {
        arch::mmio_write(IOAPIC, index);
        arch::mmio_read(IOAPIC + 0x10)
    };
    let version = read(1);
    check(
        version & 0xFF == 0x20 && (version >> 16) & 0xFF == 23,
        format_args!("I/O APIC version {version:#x}: 24 entries"),
    );
    let masked = (0..24).all(|pin| read(0x10 + 2 * pin) & (1 << 16) != 0);
    check(masked, format_args!("I/O APIC entries masked at reset"));
    arch::mmio_write(IOAPIC, 0x10 + 2 * 4);
    arch::mmio_write(IOAPIC + 0x10, 0x0001_A031);
    check(read(0x10 + 2 * 4) == 0x0001_A031, format_args!("I/O APIC entry 4 reads back {:#x}", read(0x18)));
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    say!("panic: {info}");
    halt()
}
