//! Fault-path self-tests, selected with the boot parameter `selftest=NAME`.
//!
//! The fault paths (exception handlers, IST stacks, panic handler) only run
//! when something has already gone wrong, so they are exercised on purpose:
//! each test provokes one fault and the run must end with the matching
//! status and report. `cargo xtask test` runs them in QEMU.

/// A self-test.
#[derive(Clone, Copy, Debug)]
pub enum SelfTest {
    /// A write to an unmapped address: #PF with CR2 reported.
    PageFault,
    /// INT3: #BP.
    Breakpoint,
    /// Unbounded recursion into the stack guard page: the #PF cannot be
    /// delivered on the overflowed stack, so it becomes a #DF, which runs on
    /// its own IST stack.
    StackOverflow,
    /// A Rust panic.
    Panic,
    /// A guest state that breaks an SDM rule (RFLAGS bit 1 clear), given to
    /// the software check before the first entry: the check must name it.
    InvalidGuestState,
    /// The same broken state written *after* the check: VM entry must fail
    /// (exit reason 33) and the VMCS dump and check must explain why.
    VmEntryFailure,
}

/// Where a VM self-test breaks the first vCPU's guest state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuestStateFault {
    /// Before the software check (the check must refuse it).
    BeforeCheck,
    /// After the check, in the VMCS (VM entry must fail).
    AfterCheck,
}

/// The address the page-fault test writes to: canonical, in the lower half,
/// and never mapped by the bootloader (which maps the kernel, its stack, boot
/// info and physical memory at high addresses).
pub const UNMAPPED_ADDRESS: u64 = 0x0000_0dea_dbee_f000;

impl SelfTest {
    /// Every test's name, for messages.
    pub const NAMES: [&'static str; 6] =
        ["page-fault", "breakpoint", "stack-overflow", "panic", "invalid-guest-state", "vm-entry-failure"];

    /// The test called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "page-fault" => Some(Self::PageFault),
            "breakpoint" => Some(Self::Breakpoint),
            "stack-overflow" => Some(Self::StackOverflow),
            "panic" => Some(Self::Panic),
            "invalid-guest-state" => Some(Self::InvalidGuestState),
            "vm-entry-failure" => Some(Self::VmEntryFailure),
            _ => None,
        }
    }

    /// The guest-state corruption this test asks the VMM to make, if it is
    /// one of the VM tests (which run with the guests, not before them).
    pub fn guest_state_fault(self) -> Option<GuestStateFault> {
        match self {
            Self::InvalidGuestState => Some(GuestStateFault::BeforeCheck),
            Self::VmEntryFailure => Some(GuestStateFault::AfterCheck),
            _ => None,
        }
    }

    /// Provokes the fault. Returns only if the fault did not happen (or for
    /// the VM tests, which [`SelfTest::guest_state_fault`] hands to the VMM).
    pub fn run(self) {
        log::warn!("provoking {self:?} on purpose");
        match self {
            Self::InvalidGuestState | Self::VmEntryFailure => {}
            Self::PageFault => crate::arch::x86_64::cpu::write_u64_to(UNMAPPED_ADDRESS, 0x1234),
            Self::Breakpoint => x86_64::instructions::interrupts::int3(),
            Self::StackOverflow => {
                let depth = recurse(core::hint::black_box(u64::MAX));
                log::error!("recursion returned {depth} without overflowing the stack");
            }
            Self::Panic => panic!("selftest: deliberate panic"),
        }
    }
}

/// Recursion the optimiser cannot turn into a loop: each frame keeps a
/// buffer alive across the call.
#[allow(clippy::only_used_in_recursion, reason = "the parameter keeps each frame distinct")]
fn recurse(n: u64) -> u64 {
    let buffer = core::hint::black_box([n; 64]);
    if n == 0 {
        return 0;
    }
    recurse(n - 1) + core::hint::black_box(buffer[usize::try_from(n % 64).unwrap_or(0)])
}
