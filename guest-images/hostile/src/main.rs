//! `hostile`: a 64-bit guest that attacks the hypervisor's isolation and
//! reports, for each attack, whether it was contained.
//!
//! Booted per `guest-images/README-CONTRACT.md`, it installs its own IDT
//! (`arch` module: every exception is reported through `ConsoleWrite`; an
//! expected one resumes after the faulting instruction), then announces and
//! runs, in order:
//!
//! | # | Attack                                                | Contained when                    |
//! |---|-------------------------------------------------------|-----------------------------------|
//! | 1 | VMXON                                                 | the hypervisor injects #UD        |
//! | 2 | WRMSR IA32_FEATURE_CONTROL (0x3A) <- 5                | the hypervisor injects #GP        |
//! | 3 | RDMSR IA32_VMX_BASIC (0x480)                          | the hypervisor injects #GP        |
//! | 4 | XSETBV XCR0 <- 0x4 (AVX without x87/SSE: invalid)     | the hypervisor injects #GP        |
//! | 5 | if RDI = 1: map and read far guest-physical memory    | EPT violation stops the partition |
//! | 5 | if RDI = 2: load an empty IDT, execute UD2            | triple fault stops the partition  |
//!
//! With any other boot argument there is no attack 5. The far address is
//! 0x4000_0000 (1 GiB), or the first 1 GiB boundary at or above the end of
//! memory if the partition is larger; the guest maps it itself with a 2 MiB
//! page (a page directory of its own if needed), since its identity mapping
//! only covers its memory.
//!
//! Exit codes (`Shutdown`): [`EXIT_OK`] when every attack run was contained
//! as expected; [`EXIT_WRONG_EXCEPTION`] if one was stopped by another
//! exception than expected; [`EXIT_NOT_CONTAINED`] if one completed (for a
//! terminal attack: "hostile: attack 5 was NOT contained"); [`EXIT_SETUP`] if
//! attack 5 could not be set up (its mapping faulted in the guest's own
//! paging); [`EXIT_UNEXPECTED`] on an exception no attack expected; 1 on a panic.

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
use core::fmt::Write;
use hv_abi::guest::{self, ConsoleWriter};

/// Exit code: every attack that ran was contained as expected.
pub const EXIT_OK: u64 = 0;
/// Exit code: an exception no attack had armed for.
pub const EXIT_UNEXPECTED: u64 = 96;
/// Exit code: the terminal attack could not be set up.
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

/// The first guest-physical address attack 5 reads when the partition has
/// at most 1 GiB of memory.
const FAR_ADDRESS: u64 = 0x4000_0000;

/// The number of the terminal attack (after the non-terminal ones).
const TERMINAL_ATTACK: u32 = 5;

/// A non-terminal attack.
struct Attack {
    /// What it does, for the announcement.
    what: &'static str,
    /// The exception that contains it.
    expected: u64,
    /// Runs it.
    run: fn() -> Outcome,
}

/// The Rust entry point, called by `_start` (in [`arch`]) on the guest's own
/// stack: RDI = the boot argument (which terminal attack), RSI = the memory size.
extern "C" fn guest_main(boot_arg: u64, memory_bytes: u64) -> ! {
    say!("hostile: started with boot argument {boot_arg} and {memory_bytes:#x} bytes of memory");
    arch::install_idt();
    say!("hostile: installed its own IDT");

    let mut exit_code = EXIT_OK;
    let attacks = [
        Attack { what: "VMXON", expected: UD, run: arch::vmxon },
        Attack {
            what: "WRMSR IA32_FEATURE_CONTROL (0x3A) <- 0x5 (lock, VMX outside SMX)",
            expected: GP,
            run: arch::wrmsr_feature_control,
        },
        Attack { what: "RDMSR IA32_VMX_BASIC (0x480)", expected: GP, run: arch::rdmsr_vmx_basic },
        Attack { what: "XSETBV XCR0 <- 0x4 (AVX without x87/SSE)", expected: GP, run: arch::xsetbv_invalid },
    ];
    for (number, attack) in (1..).zip(attacks) {
        say!("hostile: attack {number}: {}, expecting {}", attack.what, vector_name(attack.expected));
        let code = judge(number, attack.expected, (attack.run)());
        exit_code = exit_code.max(code);
    }

    let code = match boot_arg {
        1 => read_far_memory(memory_bytes),
        2 => {
            say!(
                "hostile: attack 5: load an empty IDT and execute UD2 (triple fault), expecting the partition to stop"
            );
            not_contained(TERMINAL_ATTACK, arch::triple_fault())
        }
        _ => {
            say!("hostile: no terminal attack requested (boot argument 1: EPT, 2: triple fault)");
            EXIT_OK
        }
    };
    exit_code = exit_code.max(code);
    say!("hostile: shutting down with code {exit_code}");
    guest::shutdown(exit_code)
}

/// Attack 4 with boot argument 1: read memory outside the partition.
fn read_far_memory(memory_bytes: u64) -> u64 {
    // Outside the partition's memory, whatever its size: 1 GiB, or the first
    // 1 GiB boundary at or above its end.
    let target = FAR_ADDRESS.max(memory_bytes.div_ceil(FAR_ADDRESS).saturating_mul(FAR_ADDRESS));
    say!(
        "hostile: attack 5: read guest-physical {target:#x}, outside the partition, expecting EPT to stop the partition"
    );
    if let Err(reason) = arch::map_2mib(target) {
        say!("hostile: attack 5 could not be set up: {reason}");
        return EXIT_SETUP;
    }
    match arch::read_physical(target) {
        Outcome::Faulted(PF) => {
            say!("hostile: attack 5 could not be set up: the guest's own paging faulted");
            EXIT_SETUP
        }
        outcome => not_contained(TERMINAL_ATTACK, outcome),
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
fn judge(number: u32, expected: u64, outcome: Outcome) -> u64 {
    match outcome {
        Outcome::Faulted(vector) if vector == expected => {
            say!("hostile: attack {number} contained ({})", vector_name(vector));
            EXIT_OK
        }
        Outcome::Faulted(vector) => {
            say!("hostile: attack {number} stopped by {} instead of {}", vector_name(vector), vector_name(expected));
            EXIT_WRONG_EXCEPTION
        }
        Outcome::Completed(value) => {
            say!("hostile: attack {number} was NOT contained (completed, value {value:#x})");
            EXIT_NOT_CONTAINED
        }
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    say!("hostile: panic: {info}");
    guest::shutdown(1)
}
