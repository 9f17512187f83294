//! The hypercall ABI: how a guest asks the hypervisor for a service, in one
//! place shared by both sides so that they cannot drift apart.
//!
//! The hypervisor side is pure and host-tested: [`decode`] turns the guest's
//! registers at a VMCALL exit into a [`Hypercall`] whose every argument has
//! already been validated against the partition (buffers are [`GuestRange`]s,
//! which exist only after a bounds check), so the kernel applies a request
//! that cannot fail half-way; [`encode_result`] produces the registers to
//! return. The guest side (feature `guest`, x86_64 only) is the `guest` module:
//! safe wrappers around one `vmcall` function.
//!
//! # Calling convention (ABI version [`ABI_VERSION`] = 2)
//!
//! | What               | Where                                                                    |
//! |--------------------|--------------------------------------------------------------------------|
//! | instruction        | `VMCALL`, from CPL 0 of the guest                                        |
//! | call number        | RAX (all 64 bits; see [`Call`])                                          |
//! | arguments 0 … 3    | RDI, RSI, RDX, R10 (the Linux syscall registers minus RCX/R11)           |
//! | status (on return) | RAX: 0 = success, otherwise a [`HypercallError`] code                    |
//! | value (on return)  | RDX: the call's value where it has one, else 0; always 0 on error        |
//! | everything else    | all other GPRs preserved (RFLAGS is not guaranteed)                      |
//!
//! Unused argument registers are ignored (not checked).
//!
//! # Calls
//!
//! | RAX | [`Call`]         | Arguments                       | RDX on success          | Since |
//! |-----|------------------|---------------------------------|-------------------------|-------|
//! | 0   | `AbiVersion`     | —                               | [`ABI_VERSION`]         | 1     |
//! | 1   | `ConsoleWrite`   | RDI = gpa, RSI = len            | bytes written (= len)   | 1     |
//! | 2   | `Yield`          | —                               | 0                       | 1     |
//! | 3   | `PartitionInfo`  | RDI = gpa, RSI = len            | bytes written           | 1     |
//! | 4   | `Shutdown`       | RDI = exit code                 | (does not return)       | 1     |
//! | 5   | `PartitionStats` | RDI = gpa, RSI = len            | bytes written           | 2     |
//!
//! - `AbiVersion` is also the "null" hypercall for round-trip benchmarks.
//! - `ConsoleWrite` writes the `len` guest bytes at `gpa` to the partition's
//!   console; `len` ≤ [`CONSOLE_WRITE_MAX`], and `len` = 0 writes nothing.
//! - `Yield` gives up the rest of the calling vCPU's time slice.
//! - `PartitionInfo` writes a [`PartitionInfo`] (size [`PartitionInfo::SIZE`])
//!   at `gpa`; `len` is the buffer's size and must be at least that.
//! - `Shutdown` stops the calling partition with the exit code; it does not
//!   return.
//! - `PartitionStats` writes a [`PartitionStats`] (size
//!   [`PartitionStats::SIZE`]) at `gpa`; `len` is the buffer's size and must be
//!   at least that. The buffer is validated like `PartitionInfo`'s.
//!
//! # Versions
//!
//! - Version 1: calls 0–4.
//! - Version 2 added call 5, `PartitionStats`, and changed nothing else: the
//!   call numbers, registers, error codes and the [`PartitionInfo`] layout of
//!   version 1 are unchanged, so a version-1 guest keeps working (it sees
//!   [`ABI_VERSION`] = 2 in `AbiVersion` and in `PartitionInfo::abi_version`).
//!
//! # Errors
//!
//! | RAX | [`HypercallError`]  | Meaning                                                            |
//! |-----|---------------------|--------------------------------------------------------------------|
//! | 1   | `UnknownCall`       | RAX is not a call number of this ABI version                       |
//! | 2   | `BufferOutOfBounds` | the range is not wholly inside the partition's memory, or wraps    |
//! | 3   | `BufferTooLarge`    | the length exceeds the call's maximum                              |
//! | 4   | `BufferTooSmall`    | the buffer cannot hold what the call writes                        |
//! | 5   | `InvalidArgument`   | another argument is invalid (no version-2 call's decoding yields it) |
//!
//! # Addresses
//!
//! Buffer addresses are guest-physical. Guest memory is guest-physical
//! `0 .. memory_bytes`; a range `gpa .. gpa + len` is valid when it lies
//! wholly inside it (an empty range needs `gpa ≤ memory_bytes`). The guests of
//! this project identity-map their memory, so a pointer's value is its
//! guest-physical address (see the `guest` module).

#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

use core::fmt;

#[cfg(all(feature = "guest", target_arch = "x86_64"))]
pub mod guest;

/// The version of this ABI, returned by [`Call::AbiVersion`]. Incremented on
/// any change: version 2 added [`Call::PartitionStats`] (see the crate
/// documentation, "Versions").
pub const ABI_VERSION: u32 = 2;

/// The largest `len` [`Call::ConsoleWrite`] accepts, in bytes.
pub const CONSOLE_WRITE_MAX: u64 = 4096;

/// A hypercall number (the value in RAX).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Call {
    /// Returns [`ABI_VERSION`] in RDX. Also the "null" hypercall for benchmarks.
    AbiVersion = 0,
    /// Writes guest bytes (RDI = gpa, RSI = len) to the partition's console.
    ConsoleWrite = 1,
    /// Gives up the rest of the time slice.
    Yield = 2,
    /// Writes a [`PartitionInfo`] to guest memory (RDI = gpa, RSI = len).
    PartitionInfo = 3,
    /// Stops the calling partition (RDI = exit code); does not return.
    Shutdown = 4,
    /// Writes a [`PartitionStats`] to guest memory (RDI = gpa, RSI = len).
    /// Since version 2.
    PartitionStats = 5,
}

impl Call {
    /// Every call of this ABI version, for decoding.
    pub const ALL: [Self; 6] =
        [Self::AbiVersion, Self::ConsoleWrite, Self::Yield, Self::PartitionInfo, Self::Shutdown, Self::PartitionStats];

    /// The call number (the value in RAX).
    #[must_use]
    pub const fn number(self) -> u64 {
        self as u64
    }

    /// Decodes a call number, if this ABI version defines it.
    #[must_use]
    pub fn from_number(number: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|call| call.number() == number)
    }

    /// The call's name, as in the crate documentation.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::AbiVersion => "AbiVersion",
            Self::ConsoleWrite => "ConsoleWrite",
            Self::Yield => "Yield",
            Self::PartitionInfo => "PartitionInfo",
            Self::Shutdown => "Shutdown",
            Self::PartitionStats => "PartitionStats",
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a hypercall failed: the non-zero status in RAX.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum HypercallError {
    /// RAX holds no call number of this ABI version.
    UnknownCall = 1,
    /// The buffer is not wholly inside the partition's memory, or its end wraps.
    BufferOutOfBounds = 2,
    /// The buffer is longer than the call accepts.
    BufferTooLarge = 3,
    /// The buffer is shorter than what the call writes.
    BufferTooSmall = 4,
    /// Another argument is invalid.
    InvalidArgument = 5,
}

impl HypercallError {
    /// Every error, for decoding.
    pub const ALL: [Self; 5] =
        [Self::UnknownCall, Self::BufferOutOfBounds, Self::BufferTooLarge, Self::BufferTooSmall, Self::InvalidArgument];

    /// The status code returned in RAX (never 0).
    #[must_use]
    pub const fn code(self) -> u64 {
        self as u64
    }

    /// Decodes a non-zero status code, if this ABI version defines it.
    #[must_use]
    pub fn from_code(code: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|error| error.code() == code)
    }
}

impl fmt::Display for HypercallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnknownCall => "unknown hypercall number",
            Self::BufferOutOfBounds => "buffer not inside the partition's memory",
            Self::BufferTooLarge => "buffer too large",
            Self::BufferTooSmall => "buffer too small",
            Self::InvalidArgument => "invalid argument",
        })
    }
}

/// What [`Call::PartitionInfo`] writes to guest memory.
///
/// The layout is part of the ABI: `#[repr(C)]`, 56 bytes, alignment 8, no
/// padding, little-endian fields at the offsets below.
///
/// | Offset | Field          | Type       |
/// |--------|----------------|------------|
/// | 0      | `abi_version`  | `u32`      |
/// | 4      | `partition_id` | `u32`      |
/// | 8      | `memory_bytes` | `u64`      |
/// | 16     | `vcpu_count`   | `u32`      |
/// | 20     | `name_len`     | `u32`      |
/// | 24     | `name`         | `[u8; 32]` |
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct PartitionInfo {
    /// The hypervisor's [`ABI_VERSION`].
    pub abi_version: u32,
    /// The partition's identifier, unique while the hypervisor runs.
    pub partition_id: u32,
    /// The size of the partition's memory in bytes (guest-physical `0 .. memory_bytes`).
    pub memory_bytes: u64,
    /// The number of vCPUs of the partition.
    pub vcpu_count: u32,
    /// How many bytes of `name` are the name (at most [`PartitionInfo::NAME_MAX`]).
    pub name_len: u32,
    /// The partition's name (UTF-8 by convention), zero-padded.
    pub name: [u8; PartitionInfo::NAME_MAX],
}

impl PartitionInfo {
    /// The size of the structure in guest memory, in bytes.
    pub const SIZE: usize = size_of::<Self>();
    /// The capacity of the `name` field, in bytes.
    pub const NAME_MAX: usize = 32;

    /// The structure describing a partition, for the hypervisor to write. A
    /// `name` longer than [`Self::NAME_MAX`] bytes is truncated.
    #[must_use]
    pub fn new(partition_id: u32, memory_bytes: u64, vcpu_count: u32, name: &[u8]) -> Self {
        let len = name.len().min(Self::NAME_MAX);
        let mut info = Self {
            abi_version: ABI_VERSION,
            partition_id,
            memory_bytes,
            vcpu_count,
            name_len: u32::try_from(len).unwrap_or(u32::MAX),
            name: [0; Self::NAME_MAX],
        };
        info.name[..len].copy_from_slice(&name[..len]);
        info
    }

    /// The name's bytes (`name_len` clamped to the field's capacity).
    #[must_use]
    pub fn name(&self) -> &[u8] {
        let len = usize::try_from(self.name_len).map_or(Self::NAME_MAX, |len| len.min(Self::NAME_MAX));
        &self.name[..len]
    }

    /// The name as text, if it is UTF-8.
    #[must_use]
    pub fn name_str(&self) -> Option<&str> {
        core::str::from_utf8(self.name()).ok()
    }

    /// The bytes to store in guest memory (the ABI layout, little-endian).
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut bytes = [0; Self::SIZE];
        bytes[0..4].copy_from_slice(&self.abi_version.to_le_bytes());
        bytes[4..8].copy_from_slice(&self.partition_id.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.memory_bytes.to_le_bytes());
        bytes[16..20].copy_from_slice(&self.vcpu_count.to_le_bytes());
        bytes[20..24].copy_from_slice(&self.name_len.to_le_bytes());
        bytes[24..56].copy_from_slice(&self.name);
        bytes
    }

    /// Reads the structure back from its ABI layout.
    #[must_use]
    pub fn from_bytes(bytes: &[u8; Self::SIZE]) -> Self {
        let u32_at = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let mut memory_bytes = [0; 8];
        memory_bytes.copy_from_slice(&bytes[8..16]);
        let mut name = [0; Self::NAME_MAX];
        name.copy_from_slice(&bytes[24..56]);
        Self {
            abi_version: u32_at(0),
            partition_id: u32_at(4),
            memory_bytes: u64::from_le_bytes(memory_bytes),
            vcpu_count: u32_at(16),
            name_len: u32_at(20),
            name,
        }
    }
}

// The ABI fixes the size; `to_bytes`/`from_bytes` hard-code the offsets,
// which the tests check against `offset_of!`.
const _: () = assert!(PartitionInfo::SIZE == 56);

/// What [`Call::PartitionStats`] writes to guest memory (since version 2).
///
/// The counters cover the partition's whole life under the hypervisor: every
/// incarnation since it was first started, not only the current one (so a
/// guest can tell from `restarts` how many times it was rebuilt and
/// restarted).
///
/// The layout is part of the ABI: `#[repr(C)]`, 32 bytes, alignment 8, no
/// padding, little-endian fields at the offsets below.
///
/// | Offset | Field           | Type  |
/// |--------|-----------------|-------|
/// | 0      | `abi_version`   | `u32` |
/// | 4      | `restarts`      | `u32` |
/// | 8      | `exits`         | `u64` |
/// | 16     | `cpu_time_us`   | `u64` |
/// | 24     | `console_bytes` | `u64` |
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct PartitionStats {
    /// The hypervisor's [`ABI_VERSION`].
    pub abi_version: u32,
    /// How many times the hypervisor restarted the partition (rebuilt it from
    /// its image and started it again): 0 in its first incarnation.
    pub restarts: u32,
    /// The number of VM exits of the partition's vCPUs.
    pub exits: u64,
    /// The CPU time the partition's vCPUs have used, in microseconds.
    pub cpu_time_us: u64,
    /// The number of bytes the partition has written to its console.
    pub console_bytes: u64,
}

impl PartitionStats {
    /// The size of the structure in guest memory, in bytes.
    pub const SIZE: usize = size_of::<Self>();

    /// The statistics of a partition, for the hypervisor to write
    /// (`abi_version` is [`ABI_VERSION`]).
    #[must_use]
    pub const fn new(restarts: u32, exits: u64, cpu_time_us: u64, console_bytes: u64) -> Self {
        Self { abi_version: ABI_VERSION, restarts, exits, cpu_time_us, console_bytes }
    }

    /// The bytes to store in guest memory (the ABI layout, little-endian).
    #[must_use]
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut bytes = [0; Self::SIZE];
        bytes[0..4].copy_from_slice(&self.abi_version.to_le_bytes());
        bytes[4..8].copy_from_slice(&self.restarts.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.exits.to_le_bytes());
        bytes[16..24].copy_from_slice(&self.cpu_time_us.to_le_bytes());
        bytes[24..32].copy_from_slice(&self.console_bytes.to_le_bytes());
        bytes
    }

    /// Reads the structure back from its ABI layout.
    #[must_use]
    pub fn from_bytes(bytes: &[u8; Self::SIZE]) -> Self {
        let u32_at = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let u64_at = |at: usize| {
            let mut value = [0; 8];
            value.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(value)
        };
        Self {
            abi_version: u32_at(0),
            restarts: u32_at(4),
            exits: u64_at(8),
            cpu_time_us: u64_at(16),
            console_bytes: u64_at(24),
        }
    }
}

// As for `PartitionInfo`: the size is fixed, the offsets are tested.
const _: () = assert!(PartitionStats::SIZE == 32);

/// A range of guest-physical memory that has been checked to lie wholly inside
/// a partition's memory and to respect a call's maximum length.
///
/// The only way to make one is [`GuestRange::new`] (or [`GuestRange::prefix`]
/// of one), so holding a `GuestRange` means the check was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GuestRange {
    gpa: u64,
    len: u64,
}

impl GuestRange {
    /// Validates `gpa .. gpa + len` against a partition's memory `window`
    /// and a maximum length.
    ///
    /// # Errors
    ///
    /// In this order: [`HypercallError::BufferTooLarge`] if `len > max_len`;
    /// [`HypercallError::BufferOutOfBounds`] if `gpa + len` overflows or the
    /// range is not inside the window. An empty range is valid when `gpa` is
    /// inside the window or at its end.
    pub const fn new(gpa: u64, len: u64, window: GuestWindow, max_len: u64) -> Result<Self, HypercallError> {
        if len > max_len {
            return Err(HypercallError::BufferTooLarge);
        }
        match gpa.checked_add(len) {
            Some(end) if gpa >= window.base && end <= window.end() => Ok(Self { gpa, len }),
            _ => Err(HypercallError::BufferOutOfBounds),
        }
    }

    /// The first guest-physical address.
    #[must_use]
    pub const fn gpa(&self) -> u64 {
        self.gpa
    }

    /// The length in bytes.
    #[must_use]
    pub const fn len(&self) -> u64 {
        self.len
    }

    /// Whether the range is empty.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The guest-physical address just past the range (no overflow: checked
    /// at construction).
    #[must_use]
    pub const fn end(&self) -> u64 {
        self.gpa + self.len
    }

    /// The first `len` bytes of the range (all of it if `len` is larger).
    /// Still valid: a prefix of a valid range is inside the same memory.
    #[must_use]
    pub const fn prefix(&self, len: u64) -> Self {
        Self { gpa: self.gpa, len: if len < self.len { len } else { self.len } }
    }
}

/// Where a partition's memory lies in its guest-physical address space:
/// `base .. base + len` (`base` is 0 unless its manifest says otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GuestWindow {
    base: u64,
    len: u64,
}

impl GuestWindow {
    /// The window `base .. base + len`; `None` if it would wrap.
    #[must_use]
    pub const fn new(base: u64, len: u64) -> Option<Self> {
        match base.checked_add(len) {
            Some(_) => Some(Self { base, len }),
            None => None,
        }
    }

    /// The window `0 .. len`.
    #[must_use]
    pub const fn from_zero(len: u64) -> Self {
        Self { base: 0, len }
    }

    /// The first guest-physical address.
    #[must_use]
    pub const fn base(&self) -> u64 {
        self.base
    }

    /// The size in bytes.
    #[must_use]
    pub const fn len(&self) -> u64 {
        self.len
    }

    /// Whether the window is empty.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The address just past the window (no overflow: checked at construction).
    #[must_use]
    pub const fn end(&self) -> u64 {
        self.base + self.len
    }
}

/// The guest registers that carry a hypercall, read at a VMCALL exit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HypercallRegs {
    /// The call number.
    pub rax: u64,
    /// Argument 0.
    pub rdi: u64,
    /// Argument 1.
    pub rsi: u64,
    /// Argument 2.
    pub rdx: u64,
    /// Argument 3.
    pub r10: u64,
}

/// A decoded, fully validated hypercall: applying it cannot fail on its
/// arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hypercall {
    /// Return [`ABI_VERSION`].
    AbiVersion,
    /// Write the guest bytes in `buffer` to the partition's console and return
    /// `buffer.len()`.
    ConsoleWrite {
        /// The bytes to write (at most [`CONSOLE_WRITE_MAX`]).
        buffer: GuestRange,
    },
    /// End the vCPU's time slice and return 0.
    Yield,
    /// Write [`PartitionInfo::to_bytes`] to `buffer` and return `buffer.len()`.
    PartitionInfo {
        /// Where to write: exactly [`PartitionInfo::SIZE`] bytes (the
        /// start of the guest's possibly larger buffer, all of which was
        /// checked to be inside the partition's memory).
        buffer: GuestRange,
    },
    /// Stop the calling partition; nothing is returned to it.
    Shutdown {
        /// The guest's exit code.
        code: u64,
    },
    /// Write [`PartitionStats::to_bytes`] to `buffer` and return
    /// `buffer.len()`.
    PartitionStats {
        /// Where to write: exactly [`PartitionStats::SIZE`] bytes (the
        /// start of the guest's possibly larger buffer, all of which was
        /// checked to be inside the partition's memory).
        buffer: GuestRange,
    },
}

impl Hypercall {
    /// Which call this is.
    #[must_use]
    pub const fn call(&self) -> Call {
        match self {
            Self::AbiVersion => Call::AbiVersion,
            Self::ConsoleWrite { .. } => Call::ConsoleWrite,
            Self::Yield => Call::Yield,
            Self::PartitionInfo { .. } => Call::PartitionInfo,
            Self::Shutdown { .. } => Call::Shutdown,
            Self::PartitionStats { .. } => Call::PartitionStats,
        }
    }
}

/// Decodes and validates the hypercall in `regs`, made by a partition whose
/// memory is the guest-physical window `guest_memory`.
///
/// Nothing is changed here; on `Ok` the kernel applies the request, on `Err`
/// it returns [`encode_result`]`(Err(..))` to the guest.
///
/// # Errors
///
/// - [`HypercallError::UnknownCall`]: RAX is not a [`Call`] number;
/// - `ConsoleWrite`: the errors of [`GuestRange::new`] with the maximum
///   [`CONSOLE_WRITE_MAX`];
/// - `PartitionInfo`: [`HypercallError::BufferTooSmall`] if `len` <
///   [`PartitionInfo::SIZE`], then [`HypercallError::BufferOutOfBounds`] if the
///   guest's whole buffer (`len` bytes) is not inside its memory;
/// - `PartitionStats`: likewise, with [`PartitionStats::SIZE`].
pub fn decode(regs: &HypercallRegs, guest_memory: GuestWindow) -> Result<Hypercall, HypercallError> {
    let call = Call::from_number(regs.rax).ok_or(HypercallError::UnknownCall)?;
    Ok(match call {
        Call::AbiVersion => Hypercall::AbiVersion,
        Call::ConsoleWrite => {
            Hypercall::ConsoleWrite { buffer: GuestRange::new(regs.rdi, regs.rsi, guest_memory, CONSOLE_WRITE_MAX)? }
        }
        Call::Yield => Hypercall::Yield,
        Call::PartitionInfo => {
            Hypercall::PartitionInfo { buffer: record_buffer(regs, PartitionInfo::SIZE as u64, guest_memory)? }
        }
        Call::Shutdown => Hypercall::Shutdown { code: regs.rdi },
        Call::PartitionStats => {
            Hypercall::PartitionStats { buffer: record_buffer(regs, PartitionStats::SIZE as u64, guest_memory)? }
        }
    })
}

/// The buffer (RDI = gpa, RSI = len) of a call that writes a record of `size`
/// bytes: the first `size` bytes of the guest's buffer, all `len` bytes of
/// which must be inside its memory.
///
/// # Errors
///
/// [`HypercallError::BufferTooSmall`] if `len` < `size`, then
/// [`HypercallError::BufferOutOfBounds`] as for [`GuestRange::new`].
fn record_buffer(regs: &HypercallRegs, size: u64, guest_memory: GuestWindow) -> Result<GuestRange, HypercallError> {
    if regs.rsi < size {
        return Err(HypercallError::BufferTooSmall);
    }
    let whole = GuestRange::new(regs.rdi, regs.rsi, guest_memory, u64::MAX)?;
    Ok(whole.prefix(size))
}

/// The registers to return to the guest for a call's outcome: `(RAX, RDX)`.
/// `Ok(value)` gives `(0, value)`; `Err(error)` gives `(error.code(), 0)`.
#[must_use]
pub const fn encode_result(result: Result<u64, HypercallError>) -> (u64, u64) {
    match result {
        Ok(value) => (0, value),
        Err(error) => (error.code(), 0),
    }
}

/// The guest's view of the returned registers: the inverse of
/// [`encode_result`]. A non-zero status this ABI version does not define (a
/// newer or broken hypervisor) is reported as [`HypercallError::InvalidArgument`].
///
/// # Errors
///
/// The [`HypercallError`] whose code is `rax`, if `rax` is not 0.
pub fn decode_result(rax: u64, rdx: u64) -> Result<u64, HypercallError> {
    match rax {
        0 => Ok(rdx),
        code => Err(HypercallError::from_code(code).unwrap_or(HypercallError::InvalidArgument)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    /// A partition of 16 MiB, the smallest the boot contract allows.
    const MEM: u64 = 16 << 20;
    const WINDOW: GuestWindow = GuestWindow::from_zero(MEM);

    fn regs(rax: u64, rdi: u64, rsi: u64) -> HypercallRegs {
        HypercallRegs { rax, rdi, rsi, rdx: 0xDEAD, r10: 0xBEEF }
    }

    fn decode_call(call: Call, rdi: u64, rsi: u64) -> Result<Hypercall, HypercallError> {
        decode(&regs(call.number(), rdi, rsi), WINDOW)
    }

    #[test]
    fn call_numbers_are_the_documented_ones() {
        assert_eq!(Call::AbiVersion.number(), 0);
        assert_eq!(Call::ConsoleWrite.number(), 1);
        assert_eq!(Call::Yield.number(), 2);
        assert_eq!(Call::PartitionInfo.number(), 3);
        assert_eq!(Call::Shutdown.number(), 4);
        assert_eq!(Call::PartitionStats.number(), 5);
        for call in Call::ALL {
            assert_eq!(Call::from_number(call.number()), Some(call));
            assert!(!call.to_string().is_empty());
        }
        assert_eq!(Call::from_number(6), None);
        assert_eq!(ABI_VERSION, 2);
    }

    #[test]
    fn error_codes_are_the_documented_ones() {
        assert_eq!(HypercallError::UnknownCall.code(), 1);
        assert_eq!(HypercallError::BufferOutOfBounds.code(), 2);
        assert_eq!(HypercallError::BufferTooLarge.code(), 3);
        assert_eq!(HypercallError::BufferTooSmall.code(), 4);
        assert_eq!(HypercallError::InvalidArgument.code(), 5);
        for error in HypercallError::ALL {
            assert_ne!(error.code(), 0);
            assert_eq!(HypercallError::from_code(error.code()), Some(error));
            assert!(!error.to_string().is_empty());
        }
        assert_eq!(HypercallError::from_code(0), None);
        assert_eq!(HypercallError::from_code(6), None);
    }

    #[test]
    fn decodes_abi_version_and_yield_ignoring_arguments() {
        assert_eq!(decode(&regs(0, u64::MAX, u64::MAX), WINDOW), Ok(Hypercall::AbiVersion));
        assert_eq!(decode(&regs(2, u64::MAX, u64::MAX), WINDOW), Ok(Hypercall::Yield));
        assert_eq!(Hypercall::Yield.call(), Call::Yield);
    }

    #[test]
    fn decodes_shutdown_with_any_code() {
        assert_eq!(decode_call(Call::Shutdown, 0, 0), Ok(Hypercall::Shutdown { code: 0 }));
        assert_eq!(decode_call(Call::Shutdown, u64::MAX, 7), Ok(Hypercall::Shutdown { code: u64::MAX }));
    }

    #[test]
    fn decodes_console_write() {
        let Ok(Hypercall::ConsoleWrite { buffer }) = decode_call(Call::ConsoleWrite, 0x20_1000, 12) else {
            panic!("not a ConsoleWrite");
        };
        assert_eq!((buffer.gpa(), buffer.len(), buffer.end()), (0x20_1000, 12, 0x20_100C));
        // The maximum length, ending exactly at the end of memory.
        let Ok(Hypercall::ConsoleWrite { buffer }) =
            decode_call(Call::ConsoleWrite, MEM - CONSOLE_WRITE_MAX, CONSOLE_WRITE_MAX)
        else {
            panic!("not a ConsoleWrite");
        };
        assert_eq!(buffer.end(), MEM);
    }

    #[test]
    fn console_write_of_nothing_is_valid() {
        let Ok(Hypercall::ConsoleWrite { buffer }) = decode_call(Call::ConsoleWrite, 0x1234, 0) else {
            panic!("not a ConsoleWrite");
        };
        assert!(buffer.is_empty());
        // An empty range at the very end of memory is inside it; one past it is not.
        assert!(decode_call(Call::ConsoleWrite, MEM, 0).is_ok());
        assert_eq!(decode_call(Call::ConsoleWrite, MEM + 1, 0), Err(HypercallError::BufferOutOfBounds));
    }

    #[test]
    fn rejects_unknown_call_numbers() {
        for rax in [6, 7, 0x100, 1 << 32, 5 | 1 << 32, u64::MAX] {
            assert_eq!(decode(&regs(rax, 0, 0), WINDOW), Err(HypercallError::UnknownCall), "rax = {rax:#x}");
        }
    }

    #[test]
    fn rejects_out_of_bounds_buffers() {
        for call in [Call::ConsoleWrite, Call::PartitionInfo, Call::PartitionStats] {
            // Starts inside, ends one byte past the end.
            assert_eq!(decode_call(call, MEM - 63, 64), Err(HypercallError::BufferOutOfBounds), "{call}");
            // Wholly outside.
            assert_eq!(decode_call(call, 0x4000_0000, 64), Err(HypercallError::BufferOutOfBounds), "{call}");
        }
    }

    #[test]
    fn rejects_wrapping_buffers() {
        for call in [Call::ConsoleWrite, Call::PartitionInfo, Call::PartitionStats] {
            // gpa + len wraps past 2^64 to a small address that would be "inside".
            assert_eq!(decode_call(call, u64::MAX - 7, 64), Err(HypercallError::BufferOutOfBounds), "{call}");
            assert_eq!(decode_call(call, u64::MAX, 64), Err(HypercallError::BufferOutOfBounds), "{call}");
        }
        assert_eq!(
            GuestRange::new(1, u64::MAX, GuestWindow::from_zero(u64::MAX), u64::MAX),
            Err(HypercallError::BufferOutOfBounds)
        );
        assert_eq!(
            GuestRange::new(u64::MAX, 1, GuestWindow::from_zero(u64::MAX), u64::MAX),
            Err(HypercallError::BufferOutOfBounds),
            "the end u64::MAX + 1 is not representable"
        );
    }

    #[test]
    fn rejects_too_large_console_writes() {
        assert_eq!(
            decode_call(Call::ConsoleWrite, 0x20_0000, CONSOLE_WRITE_MAX + 1),
            Err(HypercallError::BufferTooLarge)
        );
        // Too large is reported before out of bounds.
        assert_eq!(decode_call(Call::ConsoleWrite, u64::MAX, u64::MAX), Err(HypercallError::BufferTooLarge));
    }

    #[test]
    fn decodes_partition_info() {
        let size = PartitionInfo::SIZE as u64;
        let Ok(Hypercall::PartitionInfo { buffer }) = decode_call(Call::PartitionInfo, 0x30_0000, size) else {
            panic!("not a PartitionInfo");
        };
        assert_eq!((buffer.gpa(), buffer.len()), (0x30_0000, size));
        // A larger buffer is fine; only the structure's size is written.
        let Ok(Hypercall::PartitionInfo { buffer }) = decode_call(Call::PartitionInfo, 0x30_0000, 4096) else {
            panic!("not a PartitionInfo");
        };
        assert_eq!(buffer.len(), size);
        assert_eq!(Hypercall::PartitionInfo { buffer }.call(), Call::PartitionInfo);
        // Ending exactly at the end of memory.
        assert!(decode_call(Call::PartitionInfo, MEM - size, size).is_ok());
    }

    #[test]
    fn rejects_too_small_partition_info_buffers() {
        let size = PartitionInfo::SIZE as u64;
        assert_eq!(decode_call(Call::PartitionInfo, 0x30_0000, size - 1), Err(HypercallError::BufferTooSmall));
        assert_eq!(decode_call(Call::PartitionInfo, 0x30_0000, 0), Err(HypercallError::BufferTooSmall));
        // Too small is reported before out of bounds.
        assert_eq!(decode_call(Call::PartitionInfo, u64::MAX, 1), Err(HypercallError::BufferTooSmall));
        // The whole declared buffer must be inside memory, not only the part written.
        assert_eq!(decode_call(Call::PartitionInfo, MEM - size, size + 1), Err(HypercallError::BufferOutOfBounds));
    }

    #[test]
    fn guest_range_checks_and_prefix() {
        assert_eq!(GuestRange::new(0, 10, GuestWindow::from_zero(10), 10).map(|r| r.end()), Ok(10));
        assert_eq!(GuestRange::new(0, 11, GuestWindow::from_zero(10), 11), Err(HypercallError::BufferOutOfBounds));
        assert_eq!(GuestRange::new(0, 11, GuestWindow::from_zero(100), 10), Err(HypercallError::BufferTooLarge));
        let range = GuestRange::new(5, 10, GuestWindow::from_zero(100), 100).unwrap();
        assert_eq!(range.prefix(4).len(), 4);
        assert_eq!(range.prefix(4).gpa(), 5);
        assert_eq!(range.prefix(1000), range);
    }

    #[test]
    fn encodes_results() {
        assert_eq!(encode_result(Ok(0)), (0, 0));
        assert_eq!(encode_result(Ok(u64::from(ABI_VERSION))), (0, 2));
        assert_eq!(encode_result(Ok(u64::MAX)), (0, u64::MAX));
        for error in HypercallError::ALL {
            assert_eq!(encode_result(Err(error)), (error.code(), 0));
            assert_eq!(decode_result(error.code(), 0), Err(error));
        }
        assert_eq!(decode_result(0, 42), Ok(42));
        assert_eq!(decode_result(77, 42), Err(HypercallError::InvalidArgument));
    }

    #[test]
    fn partition_info_layout() {
        assert_eq!(size_of::<PartitionInfo>(), 56);
        assert_eq!(align_of::<PartitionInfo>(), 8);
        assert_eq!(offset_of!(PartitionInfo, abi_version), 0);
        assert_eq!(offset_of!(PartitionInfo, partition_id), 4);
        assert_eq!(offset_of!(PartitionInfo, memory_bytes), 8);
        assert_eq!(offset_of!(PartitionInfo, vcpu_count), 16);
        assert_eq!(offset_of!(PartitionInfo, name_len), 20);
        assert_eq!(offset_of!(PartitionInfo, name), 24);
        assert_eq!(PartitionInfo::SIZE, 56);
    }

    #[test]
    fn partition_info_bytes_round_trip_at_the_documented_offsets() {
        let info = PartitionInfo::new(0x0102_0304, 0x1122_3344_5566_7788, 2, b"hello64");
        let bytes = info.to_bytes();
        assert_eq!(bytes[offset_of!(PartitionInfo, abi_version)..][..4], ABI_VERSION.to_le_bytes());
        assert_eq!(bytes[offset_of!(PartitionInfo, partition_id)..][..4], [4, 3, 2, 1]);
        assert_eq!(bytes[offset_of!(PartitionInfo, memory_bytes)..][..8], 0x1122_3344_5566_7788u64.to_le_bytes());
        assert_eq!(bytes[offset_of!(PartitionInfo, vcpu_count)], 2);
        assert_eq!(bytes[offset_of!(PartitionInfo, name_len)], 7);
        assert_eq!(&bytes[offset_of!(PartitionInfo, name)..][..7], b"hello64");
        assert!(bytes[offset_of!(PartitionInfo, name) + 7..].iter().all(|&b| b == 0));
        assert_eq!(PartitionInfo::from_bytes(&bytes), info);
        assert_eq!(info.name_str(), Some("hello64"));
    }

    #[test]
    fn partition_info_name_is_truncated_and_clamped() {
        let info = PartitionInfo::new(1, MEM, 1, &[b'x'; 40]);
        assert_eq!(info.name_len, 32);
        assert_eq!(info.name().len(), 32);
        let mut bogus = info;
        bogus.name_len = 1000;
        assert_eq!(bogus.name().len(), PartitionInfo::NAME_MAX);
        bogus.name = [0xFF; 32];
        assert_eq!(bogus.name_str(), None);
    }

    #[test]
    fn decodes_partition_stats() {
        let size = PartitionStats::SIZE as u64;
        let Ok(Hypercall::PartitionStats { buffer }) = decode_call(Call::PartitionStats, 0x30_0000, size) else {
            panic!("not a PartitionStats");
        };
        assert_eq!((buffer.gpa(), buffer.len()), (0x30_0000, size));
        assert_eq!(Hypercall::PartitionStats { buffer }.call(), Call::PartitionStats);
        // A larger buffer is fine; only the structure's size is written.
        let Ok(Hypercall::PartitionStats { buffer }) = decode_call(Call::PartitionStats, 0x30_0000, 4096) else {
            panic!("not a PartitionStats");
        };
        assert_eq!(buffer.len(), size);
        // Ending exactly at the end of memory; RDX and R10 are ignored.
        assert!(decode_call(Call::PartitionStats, MEM - size, size).is_ok());
    }

    #[test]
    fn rejects_too_small_partition_stats_buffers() {
        let size = PartitionStats::SIZE as u64;
        assert_eq!(decode_call(Call::PartitionStats, 0x30_0000, size - 1), Err(HypercallError::BufferTooSmall));
        assert_eq!(decode_call(Call::PartitionStats, 0x30_0000, 0), Err(HypercallError::BufferTooSmall));
        // Too small is reported before out of bounds.
        assert_eq!(decode_call(Call::PartitionStats, u64::MAX, 1), Err(HypercallError::BufferTooSmall));
        // Big enough for a PartitionStats is not big enough for a PartitionInfo.
        assert!(decode_call(Call::PartitionStats, 0x30_0000, size).is_ok());
        assert_eq!(decode_call(Call::PartitionInfo, 0x30_0000, size), Err(HypercallError::BufferTooSmall));
    }

    #[test]
    fn rejects_out_of_bounds_partition_stats_buffers() {
        let size = PartitionStats::SIZE as u64;
        // One byte past the end of memory.
        assert_eq!(decode_call(Call::PartitionStats, MEM - size + 1, size), Err(HypercallError::BufferOutOfBounds));
        // The whole declared buffer must be inside memory, not only the part written.
        assert_eq!(decode_call(Call::PartitionStats, MEM - size, size + 1), Err(HypercallError::BufferOutOfBounds));
        // Wholly outside, and wrapping.
        assert_eq!(decode_call(Call::PartitionStats, MEM, size), Err(HypercallError::BufferOutOfBounds));
        assert_eq!(decode_call(Call::PartitionStats, u64::MAX - 7, size), Err(HypercallError::BufferOutOfBounds));
    }

    #[test]
    fn partition_stats_layout() {
        assert_eq!(size_of::<PartitionStats>(), 32);
        assert_eq!(align_of::<PartitionStats>(), 8);
        assert_eq!(offset_of!(PartitionStats, abi_version), 0);
        assert_eq!(offset_of!(PartitionStats, restarts), 4);
        assert_eq!(offset_of!(PartitionStats, exits), 8);
        assert_eq!(offset_of!(PartitionStats, cpu_time_us), 16);
        assert_eq!(offset_of!(PartitionStats, console_bytes), 24);
        assert_eq!(PartitionStats::SIZE, 32);
    }

    #[test]
    fn partition_stats_bytes_round_trip_at_the_documented_offsets() {
        let stats = PartitionStats::new(3, 0x1122_3344_5566_7788, 0x0102_0304_0506_0708, 0xA0B0_C0D0_E0F0_0010);
        assert_eq!(stats.abi_version, ABI_VERSION);
        let bytes = stats.to_bytes();
        assert_eq!(bytes[offset_of!(PartitionStats, abi_version)..][..4], ABI_VERSION.to_le_bytes());
        assert_eq!(bytes[offset_of!(PartitionStats, restarts)..][..4], [3, 0, 0, 0]);
        assert_eq!(bytes[offset_of!(PartitionStats, exits)..][..8], 0x1122_3344_5566_7788u64.to_le_bytes());
        assert_eq!(bytes[offset_of!(PartitionStats, cpu_time_us)..][..8], 0x0102_0304_0506_0708u64.to_le_bytes());
        assert_eq!(bytes[offset_of!(PartitionStats, console_bytes)..][..8], 0xA0B0_C0D0_E0F0_0010u64.to_le_bytes());
        assert_eq!(PartitionStats::from_bytes(&bytes), stats);
        // Every field is read back from its own bytes.
        let max = PartitionStats {
            abi_version: u32::MAX,
            restarts: u32::MAX,
            exits: 0,
            cpu_time_us: u64::MAX,
            console_bytes: 0,
        };
        assert_eq!(PartitionStats::from_bytes(&max.to_bytes()), max);
        assert_eq!(PartitionStats::from_bytes(&[0; PartitionStats::SIZE]), PartitionStats::default());
    }
}

#[cfg(test)]
mod window_tests {
    use super::*;

    #[test]
    fn windows_not_at_zero_bound_ranges_on_both_sides() {
        let window = GuestWindow::new(0x4000_0000, 0x10_0000).expect("no wrap");
        assert_eq!(window.end(), 0x4010_0000);
        assert!(GuestRange::new(0x4000_0000, 16, window, 4096).is_ok());
        assert!(GuestRange::new(0x400F_FFF0, 16, window, 4096).is_ok());
        assert_eq!(GuestRange::new(0x3FFF_FFF0, 16, window, 4096), Err(HypercallError::BufferOutOfBounds));
        assert_eq!(GuestRange::new(0x400F_FFF1, 16, window, 4096), Err(HypercallError::BufferOutOfBounds));
        assert_eq!(GuestRange::new(0, 16, window, 4096), Err(HypercallError::BufferOutOfBounds));
        assert_eq!(GuestWindow::new(u64::MAX, 2), None);
        let regs = HypercallRegs { rax: Call::ConsoleWrite.number(), rdi: 0x10, rsi: 4, ..HypercallRegs::default() };
        assert_eq!(decode(&regs, window), Err(HypercallError::BufferOutOfBounds));
        let regs = HypercallRegs { rdi: 0x4000_0010, ..regs };
        assert!(decode(&regs, window).is_ok());
    }
}
