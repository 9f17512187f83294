//! The guest side of the ABI: safe wrappers around VMCALL (feature `guest`).
//!
//! Everything goes through one function, [`vmcall`], which loads the
//! registers of the calling convention (see the crate documentation) and
//! executes VMCALL. The wrappers pass buffers by pointer value: **they assume
//! that the guest identity-maps its memory** (virtual address = guest-physical
//! address), as the boot contract of this project's hypervisor sets it up for
//! 64-bit guests. A guest that remaps its memory must translate addresses
//! itself and call [`vmcall`] directly.
//!
//! VMCALL is only meaningful at CPL 0 under the hypervisor: outside VMX
//! non-root operation it raises #UD.

#![allow(unsafe_code, reason = "executes VMCALL, the guest's only way into the hypervisor")]

use crate::{decode_result, Call, HypercallError, PartitionInfo, PartitionStats, CONSOLE_WRITE_MAX};
use core::arch::asm;
use core::fmt;

/// Executes VMCALL with call number `call` in RAX and arguments `a0`..`a3` in
/// RDI, RSI, RDX, R10; returns `(RAX, RDX)` as the hypervisor left them
/// (status, value). See [`decode_result`] to interpret them.
///
/// # Safety
///
/// The arguments must be what the call expects. In particular, for a call
/// taking a buffer, the buffer must be valid guest memory of the given length
/// at that guest-physical address, readable (for a call that reads it) or
/// writable and not aliased by any live Rust reference (for a call that writes
/// it). A call number this wrapper does not know may do anything the
/// hypervisor defines for it.
pub unsafe fn vmcall(call: u64, a0: u64, a1: u64, a2: u64, a3: u64) -> (u64, u64) {
    let status: u64;
    let value: u64;
    // SAFETY: VMCALL exits to the hypervisor, which only touches the guest
    // memory the caller described (the caller's contract above) and, by the
    // ABI, preserves every register but RAX and RDX (RFLAGS is not promised,
    // hence no `preserves_flags`). The asm may read and write memory (no
    // `nomem`), so the compiler keeps buffers up to date around it. VMCALL
    // does not use the stack.
    unsafe {
        asm!(
            "vmcall",
            inlateout("rax") call => status,
            in("rdi") a0,
            in("rsi") a1,
            inlateout("rdx") a2 => value,
            in("r10") a3,
            options(nostack),
        );
    }
    (status, value)
}

/// The guest-physical address of `pointer`, by the identity-mapping assumption.
fn gpa_of<T>(pointer: *const T) -> u64 {
    pointer.addr() as u64
}

/// [`Call::AbiVersion`]: the hypervisor's ABI version (compare with
/// [`ABI_VERSION`](crate::ABI_VERSION)). Also the cheapest round trip into the hypervisor.
///
/// # Errors
///
/// Whatever the hypervisor returns; a value that does not fit a `u32` is
/// reported as [`HypercallError::InvalidArgument`].
pub fn abi_version() -> Result<u32, HypercallError> {
    // SAFETY: AbiVersion takes no arguments and touches no guest memory.
    let (status, value) = unsafe { vmcall(Call::AbiVersion.number(), 0, 0, 0, 0) };
    let version = decode_result(status, value)?;
    u32::try_from(version).map_err(|_| HypercallError::InvalidArgument)
}

/// [`Call::ConsoleWrite`]: writes `bytes` to the partition's console in one
/// call; returns how many bytes were written. `bytes` must not be longer than
/// [`CONSOLE_WRITE_MAX`]; see [`console_write_all`] for longer text.
///
/// # Errors
///
/// [`HypercallError::BufferTooLarge`] for more than [`CONSOLE_WRITE_MAX`]
/// bytes; [`HypercallError::BufferOutOfBounds`] if `bytes` is not in the
/// partition's memory (or the guest does not identity-map it).
pub fn console_write(bytes: &[u8]) -> Result<usize, HypercallError> {
    // SAFETY: `bytes` is readable for its length and, by the identity mapping,
    // lives at that guest-physical address; ConsoleWrite only reads it.
    let (status, value) =
        unsafe { vmcall(Call::ConsoleWrite.number(), gpa_of(bytes.as_ptr()), bytes.len() as u64, 0, 0) };
    let written = decode_result(status, value)?;
    Ok(usize::try_from(written).unwrap_or(usize::MAX).min(bytes.len()))
}

/// Writes all of `bytes` to the console, in calls of at most
/// [`CONSOLE_WRITE_MAX`] bytes.
///
/// # Errors
///
/// The first error of [`console_write`]; what was written before stays written.
pub fn console_write_all(mut bytes: &[u8]) -> Result<(), HypercallError> {
    const CHUNK: usize = 4096;
    const _: () = assert!(CHUNK as u64 == CONSOLE_WRITE_MAX);
    while !bytes.is_empty() {
        let chunk = &bytes[..bytes.len().min(CHUNK)];
        let written = console_write(chunk)?;
        if written == 0 {
            // A hypervisor that accepts nothing would make this loop forever.
            return Err(HypercallError::InvalidArgument);
        }
        bytes = &bytes[written..];
    }
    Ok(())
}

/// [`Call::Yield`]: gives up the rest of this vCPU's time slice.
pub fn yield_now() {
    // SAFETY: Yield takes no arguments and touches no guest memory. It cannot
    // fail, so the status is not inspected.
    unsafe {
        vmcall(Call::Yield.number(), 0, 0, 0, 0);
    }
}

/// [`Call::PartitionInfo`]: what the hypervisor says about this partition.
///
/// # Errors
///
/// Whatever the hypervisor returns (none expected: the buffer is a local of
/// exactly [`PartitionInfo::SIZE`] bytes).
pub fn partition_info() -> Result<PartitionInfo, HypercallError> {
    let mut info = PartitionInfo::default();
    let pointer = core::ptr::from_mut(&mut info);
    // SAFETY: `info` is a local, writable for `PartitionInfo::SIZE` bytes and
    // not otherwise borrowed during the call; by the identity mapping it lives
    // at that guest-physical address. Every bit pattern is a valid
    // `PartitionInfo` (integers and a byte array).
    let (status, value) =
        unsafe { vmcall(Call::PartitionInfo.number(), gpa_of(pointer), PartitionInfo::SIZE as u64, 0, 0) };
    decode_result(status, value)?;
    Ok(info)
}

/// [`Call::PartitionStats`]: the hypervisor's statistics about this
/// partition, among them how many times it was restarted (ABI version 2).
///
/// # Errors
///
/// Whatever the hypervisor returns: [`HypercallError::UnknownCall`] from a
/// version-1 hypervisor, otherwise none expected (the buffer is a local of
/// exactly [`PartitionStats::SIZE`] bytes).
pub fn partition_stats() -> Result<PartitionStats, HypercallError> {
    let mut stats = PartitionStats::default();
    let pointer = core::ptr::from_mut(&mut stats);
    // SAFETY: `stats` is a local, writable for `PartitionStats::SIZE` bytes
    // and not otherwise borrowed during the call; by the identity mapping it
    // lives at that guest-physical address. Every bit pattern is a valid
    // `PartitionStats` (integers only).
    let (status, value) =
        unsafe { vmcall(Call::PartitionStats.number(), gpa_of(pointer), PartitionStats::SIZE as u64, 0, 0) };
    decode_result(status, value)?;
    Ok(stats)
}

/// [`Call::Shutdown`]: stops this partition with exit `code`. If the
/// hypervisor ever returned, the vCPU halts with interrupts disabled.
pub fn shutdown(code: u64) -> ! {
    // SAFETY: Shutdown takes an exit code and touches no guest memory.
    unsafe {
        vmcall(Call::Shutdown.number(), code, 0, 0, 0);
    }
    loop {
        // SAFETY: CLI; HLT only stops this vCPU; nothing is left to run.
        unsafe { asm!("cli", "hlt", options(nomem, nostack)) }
    }
}

/// A `core::fmt::Write` sink for the partition console that hands the
/// hypervisor whole lines: it buffers up to [`ConsoleWriter::CAPACITY`] bytes
/// and issues one [`console_write`] per line (or per full buffer, and for what
/// is left when it is flushed or dropped). Needs no allocator.
///
/// Writing whole lines matters when the hypervisor tags each console write
/// with the partition's name: `write!` would otherwise arrive in fragments.
#[derive(Debug)]
pub struct ConsoleWriter {
    buffer: [u8; Self::CAPACITY],
    len: usize,
}

impl ConsoleWriter {
    /// How many bytes are buffered before a write is forced.
    pub const CAPACITY: usize = 256;

    /// An empty writer.
    #[must_use]
    pub const fn new() -> Self {
        Self { buffer: [0; Self::CAPACITY], len: 0 }
    }

    /// Writes out what is buffered.
    ///
    /// # Errors
    ///
    /// The error of [`console_write_all`]; the buffer is emptied regardless.
    pub fn flush(&mut self) -> Result<(), HypercallError> {
        let len = core::mem::take(&mut self.len);
        console_write_all(&self.buffer[..len])
    }
}

impl Default for ConsoleWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Write for ConsoleWriter {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for &byte in text.as_bytes() {
            self.buffer[self.len] = byte;
            self.len += 1;
            if byte == b'\n' || self.len == Self::CAPACITY {
                self.flush().map_err(|_| fmt::Error)?;
            }
        }
        Ok(())
    }
}

impl Drop for ConsoleWriter {
    fn drop(&mut self) {
        // Nowhere to report a failure to: the console is what failed.
        let _ = self.flush();
    }
}
