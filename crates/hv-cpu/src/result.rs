//! The raw output of one `CPUID` execution.
//!
//! The kernel fills this in (it is the only code that runs the instruction);
//! every decoder in this crate takes it as input, so decoding never depends on
//! the CPU the tests run on.

/// The four registers `CPUID` returns for one leaf/sub-leaf.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CpuidResult {
    /// EAX after `CPUID`.
    pub eax: u32,
    /// EBX after `CPUID`.
    pub ebx: u32,
    /// ECX after `CPUID`.
    pub ecx: u32,
    /// EDX after `CPUID`.
    pub edx: u32,
}

impl CpuidResult {
    /// Bundles the four registers.
    #[must_use]
    pub const fn new(eax: u32, ebx: u32, ecx: u32, edx: u32) -> Self {
        Self { eax, ebx, ecx, edx }
    }
}
