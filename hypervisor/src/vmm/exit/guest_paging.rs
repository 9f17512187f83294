//! The guest's current address translation, read from the VMCS, and
//! reading guest memory by linear address through it (string I/O, and the
//! instruction fetch of MMIO emulation).

use hv_paging::{Access, GuestPaging, PagingError, PagingMode};
use hv_vmx::{Guest32, Guest64, GuestNatural};

use crate::arch::x86_64::vmx::instructions::vmread;
use crate::arch::x86_64::vmx::VmFail;
use crate::vmm::memory::GuestMemory;

const CR0_WP: u64 = 1 << 16;
const EFER_NXE: u64 = 1 << 11;

/// The guest's paging as its control registers set it now.
pub fn current() -> Result<GuestPaging, VmFail> {
    let (cr0, cr4, efer) = (vmread(GuestNatural::CR0)?, vmread(GuestNatural::CR4)?, vmread(Guest64::EFER)?);
    Ok(GuestPaging {
        mode: PagingMode::from_registers(cr0, cr4, efer),
        cr3: vmread(GuestNatural::CR3)?,
        cr0_wp: cr0 & CR0_WP != 0,
        efer_nxe: efer & EFER_NXE != 0,
        max_physical_bits: 52,
        pdptes: None,
    })
}

/// Whether the guest runs at CPL 3: SS.DPL (SDM 25.4.1), access-rights
/// bits 6:5.
pub fn user_mode() -> Result<bool, VmFail> {
    Ok((vmread(Guest32::SS_ACCESS_RIGHTS)? >> 5) & 3 == 3)
}

/// Translates `linear` for `access` through `paging`, reading the guest's
/// page tables from `memory`.
pub fn translate(paging: &GuestPaging, memory: &GuestMemory, linear: u64, access: Access) -> Result<u64, PagingError> {
    let read = |gpa: u64| memory.read_array::<8>(gpa).map(u64::from_le_bytes);
    paging.translate(linear, access, read).map(|translation| translation.physical)
}

/// Why bytes at a linear address could not be read.
#[derive(Debug)]
pub enum FetchError {
    /// The guest's paging refused the access (a #PF for the guest).
    Page(PagingError),
    /// The address translates outside the partition's memory.
    OutsideMemory(u64),
}

/// Copies up to `buffer.len()` bytes from `linear` on, page by page,
/// stopping early only where a page cannot be read after at least one byte
/// was (an instruction near the end of its code). Returns the bytes read.
pub fn read_linear(
    paging: &GuestPaging,
    memory: &GuestMemory,
    linear: u64,
    access: Access,
    buffer: &mut [u8],
) -> Result<usize, FetchError> {
    let mut done = 0;
    while done < buffer.len() {
        let address = linear.wrapping_add(done as u64);
        let gpa = match translate(paging, memory, address, access) {
            Ok(gpa) => gpa,
            Err(_) if done > 0 => break,
            Err(fault) => return Err(FetchError::Page(fault)),
        };
        let in_page = (0x1000 - (address & 0xFFF)).min((buffer.len() - done) as u64);
        let Some(bytes) = memory.bytes(gpa, in_page) else {
            if done > 0 {
                break;
            }
            return Err(FetchError::OutsideMemory(gpa));
        };
        buffer[done..done + bytes.len()].copy_from_slice(bytes);
        done += bytes.len();
    }
    Ok(done)
}
