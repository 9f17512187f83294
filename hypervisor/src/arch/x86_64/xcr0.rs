//! XCR0, the register that enables processor extended states (x87, SSE,
//! AVX, ...) for XSAVE (SDM Vol. 1 13.3). VM entry and exit do not switch
//! it, so the hypervisor loads each vCPU's value itself before entering it
//! and restores its own afterwards.

#![allow(unsafe_code, reason = "mechanism layer: XGETBV/XSETBV and CR4.OSXSAVE")]

use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering};

use x86_64::registers::control::Cr4;

/// CR4.OSXSAVE (bit 18).
const CR4_OSXSAVE: u64 = 1 << 18;
/// XCR0 with only x87 state enabled: the power-on value and the hypervisor's own.
pub const HOST_XCR0: u64 = 1;

/// The value currently in XCR0 (valid once [`enable`] returned true).
static CURRENT: AtomicU64 = AtomicU64::new(HOST_XCR0);

/// Sets CR4.OSXSAVE so that XCR0 can be written, if the CPU has XSAVE
/// (CPUID.1:ECX bit 26, checked by the caller). Returns whether XCR0 is now
/// usable.
pub fn enable(xsave_supported: bool) -> bool {
    if !xsave_supported {
        return false;
    }
    // SAFETY: the CPU supports XSAVE, so CR4.OSXSAVE may be set; it only
    // allows XGETBV/XSETBV/XSAVE, and XCR0 keeps its reset value (x87).
    unsafe { Cr4::write_raw(Cr4::read_raw() | CR4_OSXSAVE) };
    CURRENT.store(read(), Ordering::Relaxed);
    true
}

fn read() -> u64 {
    let (low, high): (u32, u32);
    // SAFETY: XGETBV of XCR0 (ECX = 0) is valid once CR4.OSXSAVE is set,
    // which callers guarantee; it only reads.
    unsafe { asm!("xgetbv", in("ecx") 0u32, out("eax") low, out("edx") high, options(nomem, nostack)) };
    (u64::from(high) << 32) | u64::from(low)
}

/// Loads `value` into XCR0 unless it is already there.
///
/// The caller must have validated `value` (x87 set, AVX needs SSE, only
/// CPUID-supported bits: `vmm::exit::xsetbv::valid_xcr0`) and called
/// [`enable`] successfully: an invalid value would raise #GP in the host.
pub fn load(value: u64) {
    if CURRENT.load(Ordering::Relaxed) == value {
        return;
    }
    let (low, high) = (value & 0xFFFF_FFFF, value >> 32);
    // SAFETY: CR4.OSXSAVE is set and the value was validated against the
    // architectural rules and CPUID.(EAX=0DH,ECX=0), so XSETBV cannot fault;
    // the hypervisor itself uses no extended state, so changing XCR0 does
    // not affect it.
    unsafe { asm!("xsetbv", in("ecx") 0u32, in("eax") low, in("edx") high, options(nomem, nostack)) };
    CURRENT.store(value, Ordering::Relaxed);
}
