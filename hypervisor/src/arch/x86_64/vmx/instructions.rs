//! The VMX instructions, each returning a `Result`.
//!
//! SDM 31.2 ("Conventions"): a VMX instruction reports VMfailInvalid with
//! CF = 1 and VMfailValid with ZF = 1 (the error number is then in the
//! VM-instruction error field of the current VMCS). The flags are captured
//! with SETC/SETZ in the *same* `asm!` block as the instruction: reading
//! RFLAGS in a later block would see flags changed by compiler-generated code.

#![allow(unsafe_code, reason = "mechanism layer: VMX instructions")]

use core::arch::asm;
use core::fmt;

use hv_vmx::{ExitInfo32, VmcsReadable, VmcsWritable};

/// How a VMX instruction failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmFail {
    /// CF = 1: no current VMCS, or the operand was invalid.
    Invalid,
    /// ZF = 1: failed with this VM-instruction error number (SDM 31.4).
    Valid(u32),
}

impl fmt::Display for VmFail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid => f.write_str("VMfailInvalid (no current VMCS or invalid operand)"),
            Self::Valid(number) => write!(f, "VMfailValid: {}", hv_vmx::describe_instruction_error(*number)),
        }
    }
}

/// Turns captured CF/ZF into a result; on ZF reads the error number.
fn check(cf: u8, zf: u8) -> Result<(), VmFail> {
    if cf != 0 {
        Err(VmFail::Invalid)
    } else if zf != 0 {
        Err(VmFail::Valid(instruction_error_number()))
    } else {
        Ok(())
    }
}

/// The VM-instruction error field of the current VMCS (0 if unreadable).
fn instruction_error_number() -> u32 {
    let value: u64;
    let failed: u8;
    // SAFETY: VMREAD only reads the current VMCS; if it fails, `failed` says
    // so and the value is not used.
    unsafe {
        asm!("vmread {0}, {1}", "setbe {2}", out(reg) value, in(reg) u64::from(ExitInfo32::VM_INSTRUCTION_ERROR as u32),
            out(reg_byte) failed, options(nostack));
    }
    if failed != 0 {
        0
    } else {
        u32::try_from(value).unwrap_or(u32::MAX)
    }
}

/// VMXON with the VMXON region at physical address `region` (SDM 31.3 VMXON).
///
/// # Safety
/// `region` must be a 4 KiB-aligned frame holding the VMCS revision ID,
/// owned for as long as VMX operation lasts; CR4.VMXE and the CR0/CR4 fixed
/// bits must already be applied and IA32_FEATURE_CONTROL must allow VMXON.
pub unsafe fn vmxon(region: u64) -> Result<(), VmFail> {
    let (cf, zf): (u8, u8);
    // SAFETY: the caller guarantees the VMXON preconditions; the operand is a
    // pointer to a u64 on our stack holding the region's physical address.
    unsafe {
        asm!("vmxon [{0}]", "setc {1}", "setz {2}", in(reg) &region, out(reg_byte) cf, out(reg_byte) zf,
            options(nostack));
    }
    if cf != 0 {
        Err(VmFail::Invalid)
    } else if zf != 0 {
        // No current VMCS exists yet: VMXON never reports VMfailValid with a
        // readable error field, so report the raw condition.
        Err(VmFail::Valid(0))
    } else {
        Ok(())
    }
}

/// VMCLEAR of the VMCS at physical address `vmcs` (SDM 31.3 VMCLEAR).
///
/// # Safety
/// `vmcs` must be a VMCS region owned by the caller (4 KiB aligned, revision
/// ID written); we must be in VMX operation.
pub unsafe fn vmclear(vmcs: u64) -> Result<(), VmFail> {
    let (cf, zf): (u8, u8);
    // SAFETY: the caller guarantees `vmcs` is a VMCS region it owns.
    unsafe {
        asm!("vmclear [{0}]", "setc {1}", "setz {2}", in(reg) &vmcs, out(reg_byte) cf, out(reg_byte) zf,
            options(nostack));
    }
    check(cf, zf)
}

/// VMPTRLD: makes the VMCS at `vmcs` current (SDM 31.3 VMPTRLD).
///
/// # Safety
/// As for [`vmclear`]; the VMCS must stay allocated while current.
pub unsafe fn vmptrld(vmcs: u64) -> Result<(), VmFail> {
    let (cf, zf): (u8, u8);
    // SAFETY: the caller guarantees `vmcs` is a VMCS region it owns.
    unsafe {
        asm!("vmptrld [{0}]", "setc {1}", "setz {2}", in(reg) &vmcs, out(reg_byte) cf, out(reg_byte) zf,
            options(nostack));
    }
    check(cf, zf)
}

fn vmread_raw(encoding: u32) -> Result<u64, VmFail> {
    let value: u64;
    let (cf, zf): (u8, u8);
    // SAFETY: VMREAD only reads the current VMCS; without one it fails with
    // CF/ZF, which `check` reports instead of the value being used.
    unsafe {
        asm!("vmread {0}, {1}", "setc {2}", "setz {3}", out(reg) value, in(reg) u64::from(encoding),
            out(reg_byte) cf, out(reg_byte) zf, options(nostack));
    }
    check(cf, zf).map(|()| value)
}

/// VMREAD of a field of the current VMCS.
pub fn vmread(field: impl VmcsReadable) -> Result<u64, VmFail> {
    vmread_raw(field.encoding())
}

/// VMREAD by raw encoding, for the VMCS dump (reads only).
pub fn vmread_encoding(encoding: u32) -> Result<u64, VmFail> {
    vmread_raw(encoding)
}

/// VMWRITE of a writable field of the current VMCS.
///
/// Only reachable with a current VMCS that this kernel owns; a guest cannot
/// name a field, so no field value written here can break host memory
/// safety by itself — the host-state and control fields are written only by
/// the VMCS set-up code, which keeps them pointing at hypervisor-owned data.
pub fn vmwrite(field: impl VmcsWritable, value: u64) -> Result<(), VmFail> {
    let (cf, zf): (u8, u8);
    // SAFETY: VMWRITE changes only the current VMCS (processor-owned memory
    // we never access directly); it fails with CF/ZF when there is none.
    unsafe {
        asm!("vmwrite {0}, {1}", "setc {2}", "setz {3}", in(reg) u64::from(field.encoding()), in(reg) value,
            out(reg_byte) cf, out(reg_byte) zf, options(nostack));
    }
    check(cf, zf)
}

/// INVEPT single-context for `eptp` (type 1), or all-context when `eptp` is
/// `None` (type 2) (SDM 31.3 INVEPT).
pub fn invept(eptp: Option<u64>) -> Result<(), VmFail> {
    let descriptor: [u64; 2] = [eptp.unwrap_or(0), 0];
    let kind: u64 = if eptp.is_some() { 1 } else { 2 };
    let (cf, zf): (u8, u8);
    // SAFETY: INVEPT only invalidates cached EPT translations; the
    // descriptor is a 16-byte value on our stack.
    unsafe {
        asm!("invept {0}, [{1}]", "setc {2}", "setz {3}", in(reg) kind, in(reg) &descriptor,
            out(reg_byte) cf, out(reg_byte) zf, options(nostack));
    }
    check(cf, zf)
}

/// INVVPID single-context for `vpid` (type 1) (SDM 31.3 INVVPID).
pub fn invvpid_single(vpid: u16) -> Result<(), VmFail> {
    let descriptor: [u64; 2] = [u64::from(vpid), 0];
    let (cf, zf): (u8, u8);
    // SAFETY: INVVPID only invalidates cached linear translations tagged
    // with `vpid`; the descriptor is a 16-byte value on our stack.
    unsafe {
        asm!("invvpid {0}, [{1}]", "setc {2}", "setz {3}", in(reg) 1u64, in(reg) &descriptor,
            out(reg_byte) cf, out(reg_byte) zf, options(nostack));
    }
    check(cf, zf)
}

/// A VMfailValid with the error number read from the current VMCS.
pub fn vm_fail_valid() -> VmFail {
    VmFail::Valid(instruction_error_number())
}
