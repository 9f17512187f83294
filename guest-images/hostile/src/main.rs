//! `hostile`: a 64-bit guest that attacks the hypervisor's isolation and
//! reports, for each attack, whether it was contained.
//!
//! It is meant to run in a partition that the hypervisor restarts when it
//! faults (`restart = "on-fault"`, `restart_limit = 4` in the manifest): each
//! incarnation makes one terminal attack, which stops the partition; the
//! hypervisor rebuilds it from its pristine image and starts it again, and the
//! next incarnation makes the next attack. Which one is decided by the restart
//! count from the `PartitionStats` hypercall (the boot argument is printed and
//! otherwise ignored).
//!
//! Booted per `guest-images/README-CONTRACT.md`, every incarnation prints
//! `hostile: incarnation N (restarts so far: N)` first, then installs its own
//! IDT (`arch` module: every exception is reported through `ConsoleWrite`; an
//! expected one resumes after the faulting instruction), then announces and
//! runs:
//!
//! | Incarnation | #  | Attack                                                      | Contained when                    |
//! |-------------|----|-------------------------------------------------------------|-----------------------------------|
//! | 0           | 1  | VMXON                                                       | the hypervisor injects #UD        |
//! | 0           | 2  | WRMSR IA32_FEATURE_CONTROL (0x3A) <- 5                      | the hypervisor injects #GP        |
//! | 0           | 3  | RDMSR IA32_VMX_BASIC (0x480)                                | the hypervisor injects #GP        |
//! | 0           | 4  | XSETBV XCR0 <- 0x4 (AVX without x87/SSE: invalid)           | the hypervisor injects #GP        |
//! | 0           | 5  | IN AL from port 0x64 (keyboard controller, not assigned)    | it reads 0xFF (an absent device)  |
//! | 0           | 6  | OUT 0x8000_0000 to port 0xCF8, then IN EAX from 0xCFC (PCI) | it reads 0xFFFF_FFFF              |
//! | 0           | 7  | INIT IPI to all excluding self (xAPIC ICR at 0xFEE0_0300)   | it goes nowhere: the guest lives on |
//! | 0           | 8  | start-up IPI to all excluding self                          | it goes nowhere: the guest lives on |
//! | 0           | 9  | WRMSR IA32_APIC_BASE: the APIC page over its own memory     | the hypervisor injects #GP        |
//! | 0           | 10 | WRMSR IA32_APIC_BASE: the APIC page over the I/O APIC       | the hypervisor injects #GP        |
//! | 0           | 11 | LVT timer with the illegal vector 3, one count              | ESR reads "receive illegal vector" (0x40) |
//! | 0           | 12 | write 0xBAD0_C0DE at 0xFEE0_0000 (no register there)        | ESR reads "illegal register address" (0x80) |
//! | 0           | 13 | map and read far guest-physical memory (1 GiB)              | EPT violation stops the partition |
//! | 1           | 14 | map and read the first page past the end of its memory      | EPT violation stops the partition |
//! | 2           | 15 | map and write 0xBAD0_C0DE at 0xFED0_0000 (a PC's HPET; no device here) | EPT violation stops the partition |
//! | 3           | 16 | load an empty IDT, execute UD2                              | triple fault stops the partition  |
//! | 4 or more   | —  | none: all attacks were made, `Shutdown` with code 0         | —                                 |
//!
//! Attacks 1–12 are not terminal: the guest survives them, so they are made
//! once, in incarnation 0; later incarnations skip them. Attacks 13–16 are
//! terminal: each should end its incarnation.
//!
//! - Attacks 7–12 aim at the interrupt controller. What sits at 0xFEE0_0000
//!   is the partition's own virtual local APIC: INIT and start-up IPIs to
//!   "all excluding self" reach no other partition and no physical CPU (the
//!   hypervisor drops and counts them; a guest that was reset would not go
//!   on to the next line), the APIC page cannot be laid over memory or the
//!   I/O APIC, an illegal LVT vector is refused as the APIC specification
//!   says, and a stray write lands in no register.
//! - Attack 13 reads 0x4000_0000 (1 GiB), or the first 1 GiB boundary at or
//!   above the end of memory if the partition is larger.
//! - Attack 14 reads guest-physical `memory_bytes` (RSI at entry): the first
//!   byte past the partition's memory.
//! - Attack 15 writes where a PC has its HPET: no device of the partition's
//!   is there, so the EPT stops it. (If the partition's memory reaches that
//!   address, the attack cannot be made and is reported as not set up.)
//!
//! The guest's identity mapping only covers its memory, so attacks 7–15 map
//! their target themselves with a 2 MiB page (a page directory of their own
//! if needed).
//!
//! Exit codes (`Shutdown`): [`EXIT_OK`] when all attacks were made (in
//! incarnation 4 or later); [`EXIT_WRONG_EXCEPTION`] if a non-terminal attack
//! was stopped by another exception than expected (or a port read faulted);
//! [`EXIT_NOT_CONTAINED`] if one completed (a port read with another value),
//! or if a terminal attack returned ("hostile: attack N was NOT contained");
//! [`EXIT_SETUP`] if `PartitionStats` failed or a terminal attack could not be
//! set up (its mapping faulted in the guest's own paging); [`EXIT_UNEXPECTED`]
//! on an exception no attack expected; 1 on a panic. When a non-terminal
//! attack was not contained as expected, incarnation 0 shuts down with its
//! code instead of making its terminal attack, so that the failure ends the
//! run (a `Shutdown` is not a fault: the partition is not restarted).

#![no_std]
#![no_main]

/// Writes one line to the partition console through hypercalls (one
/// `ConsoleWrite` per line).
macro_rules! say {
    ($($arg:tt)*) => {{
        let mut console = ConsoleWriter::new();
        // If the console itself fails there is nowhere to report it.
        let _ = writeln!(console, $($arg)*);
    }};
}

mod arch;

use arch::{vector_name, Outcome};
use core::fmt::{self, Write};
use hv_abi::guest::{self, ConsoleWriter};

/// Exit code: every attack that ran was contained as expected.
pub const EXIT_OK: u64 = 0;
/// Exit code: an exception no attack had armed for.
pub const EXIT_UNEXPECTED: u64 = 96;
/// Exit code: `PartitionStats` failed, or the terminal attack could not be set up.
pub const EXIT_SETUP: u64 = 97;
/// Exit code: an attack was stopped, but not by the expected exception.
pub const EXIT_WRONG_EXCEPTION: u64 = 98;
/// Exit code: an attack was not contained.
pub const EXIT_NOT_CONTAINED: u64 = 99;

/// Vector of #UD.
const UD: u64 = 6;
/// Vector of #GP.
const GP: u64 = 13;
/// Vector of #PF.
const PF: u64 = 14;

/// The first guest-physical address attack 7 reads when the partition has
/// at most 1 GiB of memory.
const FAR_ADDRESS: u64 = 0x4000_0000;

/// The partition's local APIC page (the default IA32_APIC_BASE).
const LOCAL_APIC_ADDRESS: u64 = 0xFEE0_0000;

/// Where attack 15 writes: a PC's HPET, which partitions do not have.
const UNASSIGNED_MMIO: u64 = 0xFED0_0000;

/// What attacks 12 and 15 write.
const JUNK: u64 = 0xBAD0_C0DE;
/// The same, as a 32-bit register value.
const JUNK32: u32 = 0xBAD0_C0DE;

/// IA32_APIC_BASE.
const APIC_BASE_MSR: u32 = 0x1B;
/// IA32_APIC_BASE's global enable bit.
const APIC_ENABLE: u64 = 1 << 11;

/// The number of the last non-terminal attack, made in incarnation 0.
const LAST_NON_TERMINAL_ATTACK: u32 = 12;

/// The number of the terminal attack of incarnation 0; incarnation `n` makes
/// attack `FIRST_TERMINAL_ATTACK + n`.
const FIRST_TERMINAL_ATTACK: u32 = LAST_NON_TERMINAL_ATTACK + 1;

/// How many terminal attacks there are: incarnations from this restart count
/// on have nothing left to do.
const TERMINAL_ATTACKS: u32 = 4;

/// How a non-terminal attack is contained.
#[derive(Clone, Copy)]
enum Containment {
    /// The hypervisor injects this exception.
    Exception(u64),
    /// The instruction completes and reads this value (an absent device).
    Reads(u64),
    /// It completes and the guest lives on (nothing reached beyond the
    /// partition).
    Survives,
}

impl fmt::Display for Containment {
    /// What the announcement says is expected.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Exception(vector) => f.write_str(vector_name(vector)),
            Self::Reads(value) => write!(f, "to read {value:#x}"),
            Self::Survives => f.write_str("the guest to live on"),
        }
    }
}

/// A non-terminal attack.
struct Attack {
    /// What it does, for the announcement.
    what: &'static str,
    /// How the hypervisor must contain it.
    expected: Containment,
    /// Runs it.
    run: fn() -> Outcome,
}

/// The non-terminal attacks 1 to [`LAST_NON_TERMINAL_ATTACK`], in order.
const ATTACKS: [Attack; LAST_NON_TERMINAL_ATTACK as usize] = [
    Attack { what: "VMXON", expected: Containment::Exception(UD), run: arch::vmxon },
    Attack {
        what: "WRMSR IA32_FEATURE_CONTROL (0x3A) <- 0x5 (lock, VMX outside SMX)",
        expected: Containment::Exception(GP),
        run: arch::wrmsr_feature_control,
    },
    Attack { what: "RDMSR IA32_VMX_BASIC (0x480)", expected: Containment::Exception(GP), run: arch::rdmsr_vmx_basic },
    Attack {
        what: "XSETBV XCR0 <- 0x4 (AVX without x87/SSE)",
        expected: Containment::Exception(GP),
        run: arch::xsetbv_invalid,
    },
    Attack {
        what: "IN al, 0x64 (keyboard controller status, not assigned to the partition)",
        expected: Containment::Reads(0xFF),
        run: arch::in_keyboard_status,
    },
    Attack {
        what: "OUT 0x80000000 to the PCI configuration address port 0xCF8, then IN eax, 0xCFC",
        expected: Containment::Reads(0xFFFF_FFFF),
        run: arch::pci_config_read,
    },
    Attack {
        what: "INIT IPI to all excluding self through the xAPIC ICR",
        expected: Containment::Survives,
        run: || apic_icr(0x000C_4500),
    },
    Attack {
        what: "start-up IPI (vector 0x10) to all excluding self through the xAPIC ICR",
        expected: Containment::Survives,
        run: || apic_icr(0x000C_4610),
    },
    Attack {
        what: "WRMSR IA32_APIC_BASE <- 0x100000 | EN (the APIC page over its own memory)",
        expected: Containment::Exception(GP),
        run: || arch::wrmsr_guarded(APIC_BASE_MSR, 0x10_0000 | APIC_ENABLE),
    },
    Attack {
        what: "WRMSR IA32_APIC_BASE <- 0xFEC00000 | EN (the APIC page over the I/O APIC)",
        expected: Containment::Exception(GP),
        run: || arch::wrmsr_guarded(APIC_BASE_MSR, 0xFEC0_0000 | APIC_ENABLE),
    },
    Attack {
        what: "LVT timer with the illegal vector 3 and a one-count timer, then read the ESR",
        expected: Containment::Reads(0x40),
        run: lvt_illegal_vector,
    },
    Attack {
        what: "write 0xBAD0C0DE to the APIC page's offset 0 (no register), then read the ESR",
        expected: Containment::Reads(0x80),
        run: apic_stray_write,
    },
];

/// Maps the APIC page (once; later calls find it mapped).
fn map_apic() -> Result<(), Outcome> {
    arch::map_2mib(LOCAL_APIC_ADDRESS).map_err(|reason| {
        say!("hostile: cannot map the APIC page: {reason}");
        Outcome::Faulted(PF)
    })
}

/// Writes the xAPIC ICR (destination in ICR high left 0).
fn apic_icr(low: u32) -> Outcome {
    if let Err(outcome) = map_apic() {
        return outcome;
    }
    arch::mmio_write32(LOCAL_APIC_ADDRESS + 0x300, low)
}

/// Latches and reads the ESR (SDM 11.5.3: write, then read).
fn apic_esr() -> Outcome {
    match arch::mmio_write32(LOCAL_APIC_ADDRESS + 0x280, 0) {
        Outcome::Completed(_) => arch::mmio_read32(LOCAL_APIC_ADDRESS + 0x280),
        fault => fault,
    }
}

/// Attack 11: the timer fires into vector 3.
fn lvt_illegal_vector() -> Outcome {
    if let Err(outcome) = map_apic() {
        return outcome;
    }
    let _ = apic_esr();
    let _ = arch::mmio_write32(LOCAL_APIC_ADDRESS + 0x3E0, 0b1011);
    let _ = arch::mmio_write32(LOCAL_APIC_ADDRESS + 0x320, 3);
    let _ = arch::mmio_write32(LOCAL_APIC_ADDRESS + 0x380, 1);
    // The count expires at once; a read of the current count is an exit,
    // after which the expiry has been taken.
    let _ = arch::mmio_read32(LOCAL_APIC_ADDRESS + 0x390);
    apic_esr()
}

/// Attack 12: a write where no register is.
fn apic_stray_write() -> Outcome {
    if let Err(outcome) = map_apic() {
        return outcome;
    }
    let _ = apic_esr();
    let _ = arch::mmio_write32(LOCAL_APIC_ADDRESS, JUNK32);
    apic_esr()
}

/// The Rust entry point, called by `_start` (in [`arch`]) on the guest's own
/// stack: RDI = the boot argument (printed, otherwise ignored), RSI = the
/// memory size.
extern "C" fn guest_main(boot_arg: u64, memory_bytes: u64) -> ! {
    let restarts = match guest::partition_stats() {
        Ok(stats) => stats.restarts,
        Err(error) => {
            say!("hostile: PartitionStats failed ({error}): cannot tell which attack to make; shutting down with code {EXIT_SETUP}");
            guest::shutdown(EXIT_SETUP)
        }
    };
    say!("hostile: incarnation {restarts} (restarts so far: {restarts})");
    say!("hostile: started with boot argument {boot_arg} and {memory_bytes:#x} bytes of memory");
    arch::install_idt();
    say!("hostile: installed its own IDT");

    if restarts >= TERMINAL_ATTACKS {
        say!("hostile: all attacks were made; shutting down");
        guest::shutdown(EXIT_OK);
    }

    if restarts == 0 {
        let mut exit_code = EXIT_OK;
        for (number, attack) in (1..).zip(ATTACKS) {
            say!("hostile: attack {number}: {}, expecting {}", attack.what, attack.expected);
            exit_code = exit_code.max(judge(number, attack.expected, (attack.run)()));
        }
        if exit_code != EXIT_OK {
            say!("hostile: an attack was not contained as expected; shutting down with code {exit_code}");
            guest::shutdown(exit_code);
        }
    } else {
        say!("hostile: skipping attacks 1-{LAST_NON_TERMINAL_ATTACK} (made in incarnation 0)");
    }

    let number = FIRST_TERMINAL_ATTACK + restarts;
    let exit_code = match restarts {
        0 => {
            // Outside the partition's memory, whatever its size: 1 GiB, or the
            // first 1 GiB boundary at or above its end.
            let target = FAR_ADDRESS.max(memory_bytes.div_ceil(FAR_ADDRESS).saturating_mul(FAR_ADDRESS));
            say!(
                "hostile: attack {number}: read guest-physical {target:#x}, outside the partition, expecting EPT to stop the partition"
            );
            attack_physical(number, target, None)
        }
        1 => {
            say!(
                "hostile: attack {number}: read guest-physical {memory_bytes:#x}, the first page past the end of the partition's memory, expecting EPT to stop the partition"
            );
            attack_physical(number, memory_bytes, None)
        }
        2 => {
            say!(
                "hostile: attack {number}: write {JUNK:#x} to guest-physical {UNASSIGNED_MMIO:#x} (a PC's HPET; no device of this partition), expecting EPT to stop the partition"
            );
            if UNASSIGNED_MMIO < memory_bytes {
                say!("hostile: attack {number} could not be set up: {UNASSIGNED_MMIO:#x} is inside the partition's memory");
                EXIT_SETUP
            } else {
                attack_physical(number, UNASSIGNED_MMIO, Some(JUNK))
            }
        }
        _ => {
            say!(
                "hostile: attack {number}: load an empty IDT and execute UD2 (triple fault), expecting the partition to stop"
            );
            not_contained(number, arch::triple_fault())
        }
    };
    say!("hostile: shutting down with code {exit_code}");
    guest::shutdown(exit_code)
}

/// Terminal attack `number`: maps the 2 MiB page holding guest-physical
/// `target` (outside the partition's memory), then reads a u64 there, or
/// writes `write` there if it is `Some`. Returns only if the attack was not
/// contained or could not be set up, with the exit code.
fn attack_physical(number: u32, target: u64, write: Option<u64>) -> u64 {
    if let Err(reason) = arch::map_2mib(target) {
        say!("hostile: attack {number} could not be set up: {reason}");
        return EXIT_SETUP;
    }
    let outcome = match write {
        Some(value) => arch::write_physical(target, value),
        None => arch::read_physical(target),
    };
    match outcome {
        Outcome::Faulted(PF) => {
            say!("hostile: attack {number} could not be set up: the guest's own paging faulted");
            EXIT_SETUP
        }
        outcome => not_contained(number, outcome),
    }
}

/// Reports a terminal attack that came back.
fn not_contained(number: u32, outcome: Outcome) -> u64 {
    match outcome {
        Outcome::Completed(value) => say!("hostile: attack {number} was NOT contained (completed, value {value:#x})"),
        Outcome::Faulted(vector) => {
            say!("hostile: attack {number} was NOT contained (the guest got {} instead)", vector_name(vector));
        }
    }
    EXIT_NOT_CONTAINED
}

/// Reports how non-terminal attack `number` ended and returns its exit code.
fn judge(number: u32, expected: Containment, outcome: Outcome) -> u64 {
    match (expected, outcome) {
        (Containment::Exception(expected), Outcome::Faulted(vector)) if vector == expected => {
            say!("hostile: attack {number} contained ({})", vector_name(vector));
            EXIT_OK
        }
        (Containment::Reads(expected), Outcome::Completed(value)) if value == expected => {
            say!("hostile: attack {number} contained (read {value:#x})");
            EXIT_OK
        }
        (Containment::Exception(expected), Outcome::Faulted(vector)) => {
            say!("hostile: attack {number} stopped by {} instead of {}", vector_name(vector), vector_name(expected));
            EXIT_WRONG_EXCEPTION
        }
        (Containment::Reads(expected), Outcome::Faulted(vector)) => {
            say!("hostile: attack {number} stopped by {} instead of reading {expected:#x}", vector_name(vector));
            EXIT_WRONG_EXCEPTION
        }
        (Containment::Exception(_), Outcome::Completed(value)) => {
            say!("hostile: attack {number} was NOT contained (completed, value {value:#x})");
            EXIT_NOT_CONTAINED
        }
        (Containment::Reads(expected), Outcome::Completed(value)) => {
            say!("hostile: attack {number} was NOT contained (read {value:#x}, expected {expected:#x})");
            EXIT_NOT_CONTAINED
        }
        (Containment::Survives, Outcome::Completed(_)) => {
            say!("hostile: attack {number} contained (nothing beyond the partition was reached; the guest lives on)");
            EXIT_OK
        }
        (Containment::Survives, Outcome::Faulted(vector)) => {
            say!("hostile: attack {number} stopped by {} instead of completing", vector_name(vector));
            EXIT_WRONG_EXCEPTION
        }
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    say!("hostile: panic: {info}");
    guest::shutdown(1)
}
