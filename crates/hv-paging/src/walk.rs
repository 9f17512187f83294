//! The page walk: guest-linear to guest-physical, with access rights.
//!
//! The hypervisor needs this whenever it performs an access on the guest's
//! behalf by linear address (string I/O, instruction emulation): it must find
//! the same guest-physical address, and refuse the same accesses, as the
//! guest's own MMU. This module follows the walks of SDM Vol. 3A 5.3 (32-bit
//! paging), 5.4 (PAE paging) and 5.5 (4-level and 5-level paging), the
//! reserved-bit rules given there, and the access-rights rules of 5.6.
//!
//! Guest memory is read through a callback, `read(gpa) -> Option<u64>`: the
//! 8 bytes at guest-physical address `gpa`, little-endian, or `None` if they
//! are not guest memory. The walk calls it only with 8-byte-aligned
//! addresses, one entry at a time. 32-bit paging has 4-byte entries: the walk
//! reads the aligned 8 bytes containing the entry and takes the half at the
//! entry's offset (the low half for an entry at a multiple of 8, the high half
//! otherwise), so an entry in the last 4 bytes of guest memory is still
//! readable.
//!
//! Physical-address width: entries hold a physical address in bits
//! (M-1):12, M being MAXPHYADDR (CPUID 8000_0008H EAX\[7:0\]); bits from M up
//! to 51 (62 for PAE paging) are reserved. The walk takes M as
//! `max_physical_bits`, clamped to 32..=52; with the architectural maximum
//! [`DEFAULT_MAX_PHYSICAL_BITS`] = 52 it masks entries with bits 51:12.
//!
//! Assumptions: the processor supports 1 GiB pages (a PDPTE with PS = 1 in
//! 4-level/5-level paging maps 1 GiB rather than being reserved) and, in
//! 32-bit paging with CR4.PSE, PSE-36 (bits (M-20):13 of a 4 MiB PDE are
//! physical-address bits (M-1):32 with M = min(MAXPHYADDR, 40)). Accessed and
//! dirty flags are not set (5.8): the reader is read-only.

use crate::error::PagingError;
use crate::mode::PagingMode;

/// MAXPHYADDR to use when the real one is not at hand: the architectural
/// maximum, 52 (entries masked with bits 51:12, no address bits reserved).
pub const DEFAULT_MAX_PHYSICAL_BITS: u8 = 52;

/// Entry bit 0, P: present.
const PRESENT: u64 = 1 << 0;
/// Entry bit 1, R/W: writes allowed.
const WRITABLE: u64 = 1 << 1;
/// Entry bit 2, U/S: user-mode accesses allowed.
const USER: u64 = 1 << 2;
/// Entry bit 7, PS: the entry maps a page rather than referencing a table.
const PAGE_SIZE: u64 = 1 << 7;
/// Entry bit 63, XD: instruction fetches disallowed (with IA32_EFER.NXE).
const EXECUTE_DISABLE: u64 = 1 << 63;
/// Linear addresses outside long mode are 32 bits.
const LOW_32: u64 = 0xFFFF_FFFF;
/// CR0.WP, bit 16.
const CR0_WP: u64 = 1 << 16;
/// IA32_EFER.NXE, bit 11.
const EFER_NXE: u64 = 1 << 11;

/// Bits `hi:lo` inclusive; empty when `hi < lo`.
const fn bits(hi: u32, lo: u32) -> u64 {
    if hi < lo {
        0
    } else {
        (u64::MAX >> (63 - hi)) & (u64::MAX << lo)
    }
}

/// What the access being translated is (SDM 5.6).
///
/// The default is a supervisor-mode data read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    /// A data write (otherwise a read, or a fetch if `execute`).
    pub write: bool,
    /// A user-mode access: made at CPL = 3 and not an implicit supervisor
    /// access (descriptor-table or TSS references are supervisor-mode accesses
    /// whatever the CPL).
    pub user: bool,
    /// An instruction fetch.
    pub execute: bool,
}

/// A successful translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// The guest-physical address the linear address maps to.
    pub physical: u64,
    /// Size of the page containing it: 4 KiB, 2 MiB, 4 MiB or 1 GiB; with
    /// paging disabled 4 GiB (the whole 32-bit space maps linearly). The
    /// translation holds for the whole naturally aligned page.
    pub page_size: u64,
    /// R/W = 1 at every level: user-mode writes are allowed (supervisor-mode
    /// writes too, and with CR0.WP = 0 they are allowed regardless).
    pub writable: bool,
    /// U/S = 1 at every level: user-mode accesses are allowed.
    pub user: bool,
    /// No level sets XD with IA32_EFER.NXE = 1: instruction fetches are
    /// allowed (always true for 32-bit paging and without paging).
    pub executable: bool,
}

impl Translation {
    /// Guest-physical address of the start of the page.
    #[must_use]
    pub const fn page_base(&self) -> u64 {
        self.physical & !(self.page_size - 1)
    }

    /// Bytes from `physical` to the end of the page: how far an access may
    /// run before it needs a new translation.
    #[must_use]
    pub const fn bytes_to_page_end(&self) -> u64 {
        self.page_size - (self.physical & (self.page_size - 1))
    }
}

/// The guest paging state a walk depends on, usually read from the VMCS
/// guest-state area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestPaging {
    /// The paging mode.
    pub mode: PagingMode,
    /// Guest CR3. Only the table address is used: bits 31:12 (32-bit paging),
    /// 31:5 (PAE paging), (M-1):12 (4-level, 5-level paging); PCID and other
    /// low or high control bits are ignored.
    pub cr3: u64,
    /// CR0.WP: supervisor-mode writes respect R/W.
    pub cr0_wp: bool,
    /// IA32_EFER.NXE: the XD bit is honoured (otherwise it is reserved).
    pub efer_nxe: bool,
    /// MAXPHYADDR, clamped to 32..=52 when used.
    pub max_physical_bits: u8,
    /// PAE paging only: the PDPTE registers, if the caller has them. Under EPT
    /// the processor does not re-read the PDPT at each walk but uses the four
    /// PDPTEs it loaded (SDM 5.4.1), which the VMCS holds in its guest PDPTE
    /// fields; `None` reads them from guest memory at CR3 bits 31:5.
    pub pdptes: Option<[u64; 4]>,
}

impl GuestPaging {
    /// The paging state for guest CR0, CR3, CR4, IA32_EFER and the
    /// processor's MAXPHYADDR, with the PDPTEs read from memory.
    #[must_use]
    pub const fn from_registers(cr0: u64, cr3: u64, cr4: u64, efer: u64, max_physical_bits: u8) -> Self {
        Self {
            mode: PagingMode::from_registers(cr0, cr4, efer),
            cr3,
            cr0_wp: cr0 & CR0_WP != 0,
            efer_nxe: efer & EFER_NXE != 0,
            max_physical_bits,
            pdptes: None,
        }
    }

    /// The same state, using `pdptes` (the VMCS guest PDPTE0..3 fields) for
    /// PAE paging instead of reading them from memory.
    #[must_use]
    pub const fn with_pdptes(self, pdptes: [u64; 4]) -> Self {
        Self { pdptes: Some(pdptes), ..self }
    }

    /// Translates `linear` for `access`, reading the guest's paging
    /// structures with `read` (see the module documentation for its
    /// contract).
    ///
    /// Outside long mode linear addresses are 32 bits: only the low 32 bits of
    /// `linear` are used, and errors report that truncated address.
    ///
    /// The order of checks is the processor's: canonicality, then level by
    /// level from the top: presence, then reserved bits; access rights only
    /// once a page is reached.
    ///
    /// # Errors
    ///
    /// Every [`PagingError`] variant; see there.
    pub fn translate(
        &self,
        linear: u64,
        access: Access,
        mut read: impl FnMut(u64) -> Option<u64>,
    ) -> Result<Translation, PagingError> {
        let m = u32::from(self.max_physical_bits.clamp(32, DEFAULT_MAX_PHYSICAL_BITS));
        let (linear, leaf) = match self.mode {
            PagingMode::None => {
                return Ok(Translation {
                    physical: linear & LOW_32,
                    page_size: 1 << 32,
                    writable: true,
                    user: true,
                    executable: true,
                });
            }
            PagingMode::Bits32 { pse } => {
                let linear = linear & LOW_32;
                (linear, self.walk_32bit(linear, pse, m, &mut read)?)
            }
            PagingMode::Pae => {
                let linear = linear & LOW_32;
                (linear, self.walk_pae(linear, m, &mut read)?)
            }
            PagingMode::Level4 | PagingMode::Level5 => (linear, self.walk_long(linear, m, &mut read)?),
        };
        let rights = leaf.rights;
        let denied = (access.user && !rights.user)
            || (access.write && !rights.writable && (access.user || self.cr0_wp))
            || (access.execute && rights.execute_disable);
        if denied {
            return Err(PagingError::Protection { linear });
        }
        Ok(Translation {
            physical: leaf.base | (linear & (leaf.size - 1)),
            page_size: leaf.size,
            writable: rights.writable,
            user: rights.user,
            executable: !rights.execute_disable,
        })
    }

    /// The #PF error code for `error` on `access` (SDM 5.7.2), as
    /// [`PagingError::page_fault_error_code`] but with the I/D flag set only
    /// when NX is in use (IA32_EFER.NXE = 1 with PAE, 4-level or 5-level
    /// paging). CR4.SMEP, which would also set it, is not modelled.
    #[must_use]
    pub const fn page_fault_error_code(&self, error: &PagingError, access: Access) -> Option<u32> {
        match error.page_fault_error_code(access) {
            Some(code) if self.efer_nxe && self.mode.has_execute_disable() => Some(code),
            Some(code) => Some(PagingError::without_fetch_flag(code)),
            None => None,
        }
    }

    /// 32-bit paging (SDM 5.3): PDE, then PTE or a 4 MiB page.
    fn walk_32bit<R: FnMut(u64) -> Option<u64>>(
        &self,
        linear: u64,
        pse: bool,
        m: u32,
        read: &mut R,
    ) -> Result<Leaf, PagingError> {
        let mut rights = Rights::ALL;
        let pde = read_u32_entry(read, (self.cr3 & 0xFFFF_F000) + ((linear >> 22) & 0x3FF) * 4)?;
        check(pde, 2, linear, 0)?;
        if pse && pde & PAGE_SIZE != 0 {
            // PSE-36: bits (M'-20):13 are address bits (M'-1):32, bits 21:(M'-19) reserved.
            let m = m.min(40);
            check(pde, 2, linear, bits(21, m - 19))?;
            rights.add(pde);
            let high = (pde & bits(m - 20, 13)) >> 13;
            return Ok(Leaf { base: (pde & 0xFFC0_0000) | (high << 32), size: 4 << 20, rights });
        }
        rights.add(pde);
        let pte = read_u32_entry(read, (pde & 0xFFFF_F000) + ((linear >> 12) & 0x3FF) * 4)?;
        check(pte, 1, linear, 0)?;
        rights.add(pte);
        Ok(Leaf { base: pte & 0xFFFF_F000, size: 4 << 10, rights })
    }

    /// PAE paging (SDM 5.4.2): PDPTE (from memory or the PDPTE registers),
    /// PDE, then PTE or a 2 MiB page.
    fn walk_pae<R: FnMut(u64) -> Option<u64>>(&self, linear: u64, m: u32, read: &mut R) -> Result<Leaf, PagingError> {
        let address = bits(m - 1, 12);
        let index = (linear >> 30) & 3;
        let pdpte = match self.pdptes {
            Some([e0, e1, e2, e3]) => match index {
                0 => e0,
                1 => e1,
                2 => e2,
                _ => e3,
            },
            None => read_entry(read, (self.cr3 & 0xFFFF_FFE0) + index * 8)?,
        };
        // PDPTEs have no R/W, U/S or XD: bits 2:1, 8:5 and 63:M are reserved (5.4.1).
        check(pdpte, 3, linear, bits(63, m) | bits(2, 1) | bits(8, 5))?;
        let xd = if self.efer_nxe { 0 } else { EXECUTE_DISABLE };
        let mut rights = Rights::ALL;
        let pde = read_entry(read, (pdpte & address) + ((linear >> 21) & 0x1FF) * 8)?;
        check(pde, 2, linear, 0)?;
        if pde & PAGE_SIZE != 0 {
            check(pde, 2, linear, bits(62, m) | xd | bits(20, 13))?;
            rights.add(pde);
            return Ok(Leaf { base: pde & address & !bits(20, 0), size: 2 << 20, rights });
        }
        check(pde, 2, linear, bits(62, m) | xd)?;
        rights.add(pde);
        let pte = read_entry(read, (pde & address) + ((linear >> 12) & 0x1FF) * 8)?;
        check(pte, 1, linear, bits(62, m) | xd)?;
        rights.add(pte);
        Ok(Leaf { base: pte & address, size: 4 << 10, rights })
    }

    /// 4-level and 5-level paging (SDM 5.5): PML5E (5-level), PML4E, then
    /// PDPTE, PDE, PTE, stopping at a 1 GiB or 2 MiB page.
    fn walk_long<R: FnMut(u64) -> Option<u64>>(&self, linear: u64, m: u32, read: &mut R) -> Result<Leaf, PagingError> {
        let sign = linear >> (self.mode.linear_bits() - 1);
        if sign != 0 && sign != u64::MAX >> (self.mode.linear_bits() - 1) {
            return Err(PagingError::NonCanonical { linear });
        }
        let address = bits(m - 1, 12);
        let common_reserved = bits(51, m) | if self.efer_nxe { 0 } else { EXECUTE_DISABLE };
        let mut rights = Rights::ALL;
        let mut table = self.cr3 & address;
        let mut level = self.mode.levels();
        loop {
            let shift = 12 + 9 * (u32::from(level) - 1);
            let entry = read_entry(read, table + ((linear >> shift) & 0x1FF) * 8)?;
            check(entry, level, linear, 0)?;
            let page = level == 1 || (level <= 3 && entry & PAGE_SIZE != 0);
            let reserved = match level {
                // PML5E, PML4E: PS is reserved.
                4 | 5 => common_reserved | PAGE_SIZE,
                // 1 GiB and 2 MiB pages: the address bits below the page size, above PAT.
                2 | 3 if page => common_reserved | bits(shift - 1, 13),
                _ => common_reserved,
            };
            check(entry, level, linear, reserved)?;
            rights.add(entry);
            if page {
                return Ok(Leaf { base: entry & address & !bits(shift - 1, 0), size: 1 << shift, rights });
            }
            table = entry & address;
            level -= 1;
        }
    }
}

/// Translates `linear` for `access` in paging `mode` with guest CR3 `cr3`,
/// CR0.WP `cr0_wp`, IA32_EFER.NXE `efer_nxe` and MAXPHYADDR
/// `max_physical_bits` (use [`DEFAULT_MAX_PHYSICAL_BITS`] if unknown), reading
/// paging structures with `read`: [`GuestPaging::translate`] without the
/// struct. PAE PDPTEs are read from memory.
///
/// # Errors
///
/// Every [`PagingError`] variant; see there.
#[expect(clippy::too_many_arguments, reason = "the registers the walk depends on; GuestPaging bundles them")]
pub fn translate(
    linear: u64,
    cr3: u64,
    mode: PagingMode,
    access: Access,
    cr0_wp: bool,
    efer_nxe: bool,
    max_physical_bits: u8,
    read: impl FnMut(u64) -> Option<u64>,
) -> Result<Translation, PagingError> {
    GuestPaging { mode, cr3, cr0_wp, efer_nxe, max_physical_bits, pdptes: None }.translate(linear, access, read)
}

/// Rights combined over the levels walked so far (SDM 5.6).
#[derive(Clone, Copy)]
struct Rights {
    /// R/W = 1 at every level.
    writable: bool,
    /// U/S = 1 at every level.
    user: bool,
    /// XD = 1 at some level (only reachable when XD is not reserved, i.e. NXE = 1).
    execute_disable: bool,
}

impl Rights {
    /// Before any level: everything allowed.
    const ALL: Self = Self { writable: true, user: true, execute_disable: false };

    /// Combines one more level's entry.
    fn add(&mut self, entry: u64) {
        self.writable &= entry & WRITABLE != 0;
        self.user &= entry & USER != 0;
        self.execute_disable |= entry & EXECUTE_DISABLE != 0;
    }
}

/// The page a walk reached.
struct Leaf {
    /// Physical address of the page (aligned to `size`).
    base: u64,
    /// Page size in bytes.
    size: u64,
    /// Rights over all levels.
    rights: Rights,
}

/// Fails if `entry` at `level` is not present or sets a bit of `reserved`
/// (reserved bits count only in present entries).
const fn check(entry: u64, level: u8, linear: u64, reserved: u64) -> Result<(), PagingError> {
    if entry & PRESENT == 0 {
        Err(PagingError::NotPresent { level, linear })
    } else if entry & reserved != 0 {
        Err(PagingError::ReservedBit { level, linear })
    } else {
        Ok(())
    }
}

/// Reads the 8-byte entry at `gpa` (8-byte aligned).
fn read_entry<R: FnMut(u64) -> Option<u64>>(read: &mut R, gpa: u64) -> Result<u64, PagingError> {
    read(gpa).ok_or(PagingError::TableOutsideMemory { gpa })
}

/// Reads the 4-byte entry at `gpa` (4-byte aligned) through the aligned 8
/// bytes containing it.
fn read_u32_entry<R: FnMut(u64) -> Option<u64>>(read: &mut R, gpa: u64) -> Result<u64, PagingError> {
    let quad = read(gpa & !7).ok_or(PagingError::TableOutsideMemory { gpa })?;
    Ok(if gpa & 4 == 0 { quad & LOW_32 } else { quad >> 32 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_ranges() {
        assert_eq!(bits(51, 12), 0x000F_FFFF_FFFF_F000);
        assert_eq!(bits(63, 52), 0xFFF0_0000_0000_0000);
        assert_eq!(bits(51, 52), 0);
        assert_eq!(bits(21, 21), 1 << 21);
        assert_eq!(bits(0, 0), 1);
        assert_eq!(bits(63, 0), u64::MAX);
    }

    #[test]
    fn translation_page_helpers() {
        let t = Translation { physical: 0x20_1234, page_size: 2 << 20, writable: true, user: false, executable: true };
        assert_eq!(t.page_base(), 0x20_0000);
        assert_eq!(t.bytes_to_page_end(), 0x20_0000 - 0x1234);
        let t = Translation { physical: 0x5FFF, page_size: 0x1000, ..t };
        assert_eq!(t.page_base(), 0x5000);
        assert_eq!(t.bytes_to_page_end(), 1);
    }

    #[test]
    fn from_registers_reads_wp_and_nxe() {
        let g = GuestPaging::from_registers(0x8001_0001, 0x1000, 1 << 5, (1 << 10) | (1 << 11), 39);
        assert_eq!(g.mode, PagingMode::Level4);
        assert!(g.cr0_wp && g.efer_nxe);
        assert_eq!((g.cr3, g.max_physical_bits, g.pdptes), (0x1000, 39, None));
        let g = GuestPaging::from_registers(0x8000_0001, 0, 1 << 5, 0, 36);
        assert_eq!(g.mode, PagingMode::Pae);
        assert!(!g.cr0_wp && !g.efer_nxe);
        assert_eq!(g.with_pdptes([1, 2, 3, 4]).pdptes, Some([1, 2, 3, 4]));
    }
}
