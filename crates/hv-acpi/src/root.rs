//! Finding a table through the root table: the XSDT (ACPI 6.5 §5.2.8), an
//! array of 64-bit physical addresses after its header, or, on ACPI 1.0
//! firmware without one, the RSDT (§5.2.7), the same with 32-bit addresses.
//!
//! The root table itself is checked in full (signature, length, checksum)
//! before any entry is believed. An entry is then only an address: its
//! table's signature is read, and only a table with the wanted signature is
//! checked (length, checksum) and returned, so a broken table nobody asked for
//! does not hide the ones that are fine. Null entries are skipped; bytes after
//! the last whole entry are ignored, as other OSPMs do.

use crate::error::AcpiError;
use crate::fields::{u32_at, u64_at};
use crate::header::{read_signature, SdtHeader, TableRef, HEADER_LEN};
use crate::memory::{read_at, PhysicalMemory};
use crate::rsdp::Rsdp;
use crate::signature::{Signature, TableName};

/// Most entries a root table may list. Real machines list a few dozen tables;
/// the bound keeps a corrupt root table from sending the walk through
/// thousands of addresses.
pub const MAX_ROOT_ENTRIES: u32 = 1024;

/// Finds the first valid table with `signature` listed in the XSDT, or in the
/// RSDT when the RSDP gives no XSDT.
///
/// When no valid table with the signature is listed, the error is the first
/// problem found with a table that had the signature (bad length or
/// checksum); failing that, the first entry whose signature could not be read
/// (it might have been the table); failing that,
/// [`AcpiError::NotFound`].
pub fn find_table<M: PhysicalMemory + ?Sized>(
    mem: &M,
    rsdp: &Rsdp,
    signature: impl Into<Signature>,
) -> Result<TableRef, AcpiError> {
    let signature = signature.into();
    let Some((root, root_phys, entry_size)) = rsdp.root() else {
        return Err(AcpiError::NoRootTable { phys: rsdp.phys() });
    };
    let header = SdtHeader::load(mem, root_phys, root, HEADER_LEN)?;
    let count = (header.length - HEADER_LEN) / entry_size;
    if count > MAX_ROOT_ENTRIES {
        return Err(AcpiError::TooManyEntries {
            table: TableName::Table(root),
            phys: root_phys,
            count,
            max: MAX_ROOT_ENTRIES,
        });
    }
    let mut bad_match = None;
    let mut unreadable_entry = None;
    for index in 0..count {
        let offset = u64::from(HEADER_LEN + index * entry_size);
        let mut entry = [0; 8];
        let Some(entry) = entry.get_mut(..usize::try_from(entry_size).unwrap_or(8)) else { break };
        read_at(mem, TableName::Table(root), root_phys, offset, entry)?;
        let phys = if entry_size == 8 { u64_at(entry, 0) } else { u64::from(u32_at(entry, 0)) };
        if phys == 0 {
            continue;
        }
        match read_signature(mem, TableName::RootEntry { root, index }, phys) {
            Ok(found) if found == signature => match SdtHeader::load(mem, phys, signature, HEADER_LEN) {
                Ok(table) => return Ok(TableRef { phys, length: table.length }),
                Err(error) => {
                    bad_match.get_or_insert(error);
                }
            },
            Ok(_) => {}
            Err(error) => {
                unreadable_entry.get_or_insert(error);
            }
        }
    }
    Err(bad_match.or(unreadable_entry).unwrap_or(AcpiError::NotFound { signature, root, phys: root_phys }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_tables::{madt, rsdp_v1, rsdp_v2, rsdt, sdt, xsdt, FakeMemory};

    const RSDP: u64 = 0xe_0000;
    const ROOT: u64 = 0x7fe_0000;

    /// Memory with a revision-2 RSDP at [`RSDP`] whose XSDT at [`ROOT`] lists `entries`.
    fn with_xsdt(entries: &[u64]) -> FakeMemory {
        let mut mem = FakeMemory::new();
        mem.put(RSDP, &rsdp_v2(0, ROOT));
        mem.put(ROOT, &xsdt(entries));
        mem
    }

    fn rsdp(mem: &FakeMemory) -> Rsdp {
        Rsdp::parse(mem, RSDP).unwrap()
    }

    #[test]
    fn the_rsdt_is_walked_when_there_is_no_xsdt() {
        let mut mem = FakeMemory::new();
        mem.put(RSDP, &rsdp_v1(0x7fe_0000));
        mem.put(0x7fe_0000, &rsdt(&[0x7fe_1000, 0x7fe_2000]));
        mem.put(0x7fe_1000, &sdt(b"FACP", 1, &[0; 80]));
        mem.put(0x7fe_2000, &madt(0xfee0_0000, 1, &[]));
        let rsdp = rsdp(&mem);
        assert_eq!(find_table(&mem, &rsdp, *b"APIC"), Ok(TableRef { phys: 0x7fe_2000, length: 44 }));
        assert_eq!(find_table(&mem, &rsdp, Signature::FADT), Ok(TableRef { phys: 0x7fe_1000, length: 116 }));
    }

    #[test]
    fn the_xsdt_is_preferred_and_its_entries_are_64_bit() {
        let mut mem = with_xsdt(&[0x1_0000_2000]);
        mem.put(RSDP, &rsdp_v2(0x7000, ROOT));
        mem.put(0x7000, &rsdt(&[0x8000]));
        mem.put(0x8000, &madt(0xfee0_0000, 0, &[]));
        mem.put(0x1_0000_2000, &madt(0xfee0_0000, 1, &[]));
        assert_eq!(find_table(&mem, &rsdp(&mem), Signature::MADT).unwrap().phys, 0x1_0000_2000);
    }

    #[test]
    fn the_first_valid_table_with_the_signature_is_returned() {
        let mut mem = with_xsdt(&[0x2000, 0x3000, 0x4000]);
        mem.put(0x2000, &sdt(b"HPET", 1, &[0; 20]));
        let mut broken = madt(0xfee0_0000, 1, &[]);
        broken[40] ^= 1;
        mem.put(0x3000, &broken);
        mem.put(0x4000, &madt(0xfee0_0000, 1, &[]));
        assert_eq!(find_table(&mem, &rsdp(&mem), Signature::MADT).unwrap().phys, 0x4000);
    }

    #[test]
    fn a_missing_table_names_the_signature_and_the_root() {
        let mut mem = with_xsdt(&[0x2000]);
        mem.put(0x2000, &sdt(b"FACP", 1, &[0; 80]));
        let err = find_table(&mem, &rsdp(&mem), Signature::MADT).unwrap_err();
        assert_eq!(err, AcpiError::NotFound { signature: Signature::MADT, root: Signature::XSDT, phys: ROOT });
        let empty = with_xsdt(&[]);
        assert!(matches!(find_table(&empty, &rsdp(&empty), Signature::MADT), Err(AcpiError::NotFound { .. })));
    }

    #[test]
    fn null_entries_are_skipped() {
        let mut mem = with_xsdt(&[0, 0x2000]);
        mem.put(0x2000, &madt(0xfee0_0000, 1, &[]));
        assert_eq!(find_table(&mem, &rsdp(&mem), Signature::MADT).unwrap().phys, 0x2000);
    }

    #[test]
    fn a_corrupt_root_table_is_not_walked() {
        let mut mem = with_xsdt(&[0x2000]);
        mem.put(0x2000, &madt(0xfee0_0000, 1, &[]));
        let mut root = xsdt(&[0x2000]);
        let stored = root[9];
        root[36] ^= 0x20; // the entry now points at 0x2020
        mem.put(ROOT, &root);
        assert_eq!(
            find_table(&mem, &rsdp(&mem), Signature::MADT),
            Err(AcpiError::BadChecksum {
                table: TableName::Table(Signature::XSDT),
                phys: ROOT,
                len: 44,
                stored,
                expected: stored.wrapping_sub(0x20)
            })
        );
    }

    #[test]
    fn the_root_must_have_the_signature_its_pointer_implies() {
        let mut mem = FakeMemory::new();
        mem.put(RSDP, &rsdp_v2(0, ROOT));
        mem.put(ROOT, &rsdt(&[0x2000]));
        assert_eq!(
            find_table(&mem, &rsdp(&mem), Signature::MADT),
            Err(AcpiError::BadSignature {
                table: TableName::Table(Signature::XSDT),
                phys: ROOT,
                found: *b"RSDT\0\0\0\0"
            })
        );
    }

    #[test]
    fn a_bad_matching_table_is_reported_when_no_good_one_follows() {
        let mut mem = with_xsdt(&[0x2000]);
        let mut broken = madt(0xfee0_0000, 1, &[]);
        broken[36] = broken[36].wrapping_add(2);
        mem.put(0x2000, &broken);
        assert!(matches!(
            find_table(&mem, &rsdp(&mem), Signature::MADT),
            Err(AcpiError::BadChecksum { table: TableName::Table(Signature::MADT), phys: 0x2000, len: 44, .. })
        ));
    }

    #[test]
    fn unreadable_entries_do_not_hide_later_tables_but_are_reported_if_nothing_is_found() {
        let mut mem = with_xsdt(&[0xdead_0000, 0x2000]);
        mem.put(0x2000, &madt(0xfee0_0000, 1, &[]));
        assert_eq!(find_table(&mem, &rsdp(&mem), Signature::MADT).unwrap().phys, 0x2000);
        assert_eq!(
            find_table(&mem, &rsdp(&mem), Signature::HPET),
            Err(AcpiError::Unreadable {
                table: TableName::RootEntry { root: Signature::XSDT, index: 0 },
                phys: 0xdead_0000,
                offset: 0,
                len: 4
            })
        );
        // An entry at the very top of the address space is refused, not wrapped.
        let top = with_xsdt(&[u64::MAX - 1]);
        assert!(matches!(find_table(&top, &rsdp(&top), Signature::MADT), Err(AcpiError::Unreadable { .. })));
    }

    #[test]
    fn a_matching_table_with_a_bad_length_is_preferred_over_an_unreadable_entry() {
        let mut mem = with_xsdt(&[0xdead_0000, 0x2000]);
        let mut bad = madt(0xfee0_0000, 1, &[]);
        bad[4..8].copy_from_slice(&0x200_0000u32.to_le_bytes());
        mem.put(0x2000, &bad);
        assert!(matches!(
            find_table(&mem, &rsdp(&mem), Signature::MADT),
            Err(AcpiError::LengthOutOfRange { phys: 0x2000, length: 0x200_0000, .. })
        ));
    }

    #[test]
    fn the_number_of_entries_is_bounded() {
        let entries = vec![0u64; MAX_ROOT_ENTRIES as usize + 1];
        let mem = with_xsdt(&entries);
        assert_eq!(
            find_table(&mem, &rsdp(&mem), Signature::MADT),
            Err(AcpiError::TooManyEntries {
                table: TableName::Table(Signature::XSDT),
                phys: ROOT,
                count: MAX_ROOT_ENTRIES + 1,
                max: MAX_ROOT_ENTRIES
            })
        );
        let at_bound = with_xsdt(&entries[1..]);
        assert!(matches!(find_table(&at_bound, &rsdp(&at_bound), Signature::MADT), Err(AcpiError::NotFound { .. })));
    }

    #[test]
    fn a_partial_trailing_entry_is_ignored() {
        let mut mem = FakeMemory::new();
        mem.put(RSDP, &rsdp_v1(0x7000));
        let mut body = 0x2000u32.to_le_bytes().to_vec();
        body.extend_from_slice(&[0x30, 0x00]);
        mem.put(0x7000, &sdt(b"RSDT", 1, &body));
        mem.put(0x2000, &madt(0xfee0_0000, 1, &[]));
        assert_eq!(find_table(&mem, &rsdp(&mem), Signature::MADT).unwrap().phys, 0x2000);
        assert!(matches!(find_table(&mem, &rsdp(&mem), Signature::HPET), Err(AcpiError::NotFound { .. })));
    }

    #[test]
    fn an_rsdp_without_a_root_table_is_reported() {
        let mut mem = FakeMemory::new();
        mem.put(RSDP, &rsdp_v1(0));
        assert_eq!(find_table(&mem, &rsdp(&mem), Signature::MADT), Err(AcpiError::NoRootTable { phys: RSDP }));
    }
}
