//! The system description table header (ACPI 6.5 §5.2.6) that every table
//! but the RSDP starts with, and the checks a table must pass before anything
//! in it is believed.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | signature |
//! | 4 | 4 | length of the whole table, header included |
//! | 8 | 1 | revision |
//! | 9 | 1 | checksum: the whole table sums to zero |
//! | 10 | 6 | OEM ID |
//! | 16 | 8 | OEM table ID |
//! | 24 | 4 | OEM revision |
//! | 28 | 4 | creator ID |
//! | 32 | 4 | creator revision |
//!
//! A table is trusted only when its signature is the one expected, its length
//! covers at least its fixed fields and at most [`MAX_TABLE_LEN`], and all
//! `length` bytes sum to zero.

use crate::checksum;
use crate::error::AcpiError;
use crate::fields::{array_at, u32_at, u8_at};
use crate::memory::{read_at, PhysicalMemory};
use crate::signature::{Signature, TableName};

/// Length of the system description table header.
pub const HEADER_LEN: u32 = 36;
/// Longest table accepted, 1 MiB. Real tables other than the DSDT (which no
/// root table lists) are a few kilobytes at most; the bound keeps a corrupt
/// length from sending the checksum through gigabytes of memory.
pub const MAX_TABLE_LEN: u32 = 1 << 20;

/// Where a validated table is: what [`find_table`](crate::find_table) returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableRef {
    /// The table's physical address.
    pub phys: u64,
    /// Its length in bytes, header included.
    pub length: u32,
}

/// A decoded system description table header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdtHeader {
    /// The table's signature.
    pub signature: Signature,
    /// Length of the whole table in bytes, header included.
    pub length: u32,
    /// The table's revision (its format version).
    pub revision: u8,
    /// The checksum byte.
    pub checksum: u8,
    /// The OEM's ID.
    pub oem_id: [u8; 6],
    /// The OEM's name for this table (or board).
    pub oem_table_id: [u8; 8],
    /// The OEM's revision of this table.
    pub oem_revision: u32,
    /// The vendor ID of the tool that created the table.
    pub creator_id: [u8; 4],
    /// The revision of that tool.
    pub creator_revision: u32,
}

impl SdtHeader {
    /// Decodes the header bytes.
    pub(crate) fn decode(bytes: &[u8; HEADER_LEN as usize]) -> Self {
        Self {
            signature: Signature(array_at(bytes, 0)),
            length: u32_at(bytes, 4),
            revision: u8_at(bytes, 8),
            checksum: u8_at(bytes, 9),
            oem_id: array_at(bytes, 10),
            oem_table_id: array_at(bytes, 16),
            oem_revision: u32_at(bytes, 24),
            creator_id: array_at(bytes, 28),
            creator_revision: u32_at(bytes, 32),
        }
    }

    /// Reads and checks the table at `phys`, expected to have signature
    /// `expected` and at least `min_len` bytes: signature, length in
    /// `min_len..=MAX_TABLE_LEN`, checksum over the whole length, in that
    /// order.
    pub(crate) fn load<M: PhysicalMemory + ?Sized>(
        mem: &M,
        phys: u64,
        expected: Signature,
        min_len: u32,
    ) -> Result<Self, AcpiError> {
        let table = TableName::Table(expected);
        let mut bytes = [0; HEADER_LEN as usize];
        read_at(mem, table, phys, 0, &mut bytes)?;
        let header = Self::decode(&bytes);
        if header.signature != expected {
            let mut found = [0; 8];
            found[..4].copy_from_slice(&header.signature.0);
            return Err(AcpiError::BadSignature { table, phys, found });
        }
        let min = min_len.max(HEADER_LEN);
        if !(min..=MAX_TABLE_LEN).contains(&header.length) {
            return Err(AcpiError::LengthOutOfRange { table, phys, length: header.length, min, max: MAX_TABLE_LEN });
        }
        checksum::verify(mem, table, phys, header.length, header.checksum)?;
        Ok(header)
    }
}

/// Reads the signature of whatever table is at `phys`, reporting a failure as
/// being about `name`.
pub(crate) fn read_signature<M: PhysicalMemory + ?Sized>(
    mem: &M,
    name: TableName,
    phys: u64,
) -> Result<Signature, AcpiError> {
    let mut bytes = [0; 4];
    read_at(mem, name, phys, 0, &mut bytes)?;
    Ok(Signature(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_tables::{sdt, FakeMemory};

    const MADT: TableName = TableName::Table(Signature::MADT);

    #[test]
    fn a_valid_table_decodes_every_field() {
        let mut mem = FakeMemory::new();
        let table = sdt(b"APIC", 5, &[0; 8]);
        mem.put(0x1000, &table);
        let header = SdtHeader::load(&mem, 0x1000, Signature::MADT, 44).unwrap();
        assert_eq!(header.signature, Signature::MADT);
        assert_eq!(header.length, 44);
        assert_eq!(header.revision, 5);
        assert_eq!(header.checksum, table[9]);
        assert_eq!(&header.oem_id, b"HVTEST");
        assert_eq!(&header.oem_table_id, b"HVACPITS");
        assert_eq!(header.oem_revision, 0x2025_0101);
        assert_eq!(&header.creator_id, b"HVTC");
        assert_eq!(header.creator_revision, 7);
    }

    #[test]
    fn the_signature_is_checked_first() {
        let mut mem = FakeMemory::new();
        mem.put(0x1000, &sdt(b"FACP", 1, &[0; 8]));
        assert_eq!(
            SdtHeader::load(&mem, 0x1000, Signature::MADT, 44),
            Err(AcpiError::BadSignature { table: MADT, phys: 0x1000, found: *b"FACP\0\0\0\0" })
        );
    }

    #[test]
    fn lengths_outside_the_fixed_fields_and_the_bound_are_refused() {
        let mut mem = FakeMemory::new();
        // A 40-byte table is too short for the MADT's 44 bytes of fixed fields.
        mem.put(0x1000, &sdt(b"APIC", 1, &[0; 4]));
        assert_eq!(
            SdtHeader::load(&mem, 0x1000, Signature::MADT, 44),
            Err(AcpiError::LengthOutOfRange { table: MADT, phys: 0x1000, length: 40, min: 44, max: MAX_TABLE_LEN })
        );
        // Below the header itself, whatever the caller's minimum.
        let mut short = sdt(b"APIC", 1, &[]);
        short[4] = 35;
        mem.put(0x2000, &short);
        assert!(matches!(
            SdtHeader::load(&mem, 0x2000, Signature::MADT, 0),
            Err(AcpiError::LengthOutOfRange { length: 35, min: 36, .. })
        ));
        // Above the bound: refused before any of it is read.
        let mut huge = sdt(b"APIC", 1, &[0; 8]);
        huge[4..8].copy_from_slice(&(MAX_TABLE_LEN + 1).to_le_bytes());
        mem.put(0x3000, &huge);
        assert!(matches!(
            SdtHeader::load(&mem, 0x3000, Signature::MADT, 44),
            Err(AcpiError::LengthOutOfRange { length: 0x10_0001, .. })
        ));
        let mut zero = sdt(b"APIC", 1, &[0; 8]);
        zero[4..8].copy_from_slice(&0u32.to_le_bytes());
        mem.put(0x4000, &zero);
        assert!(matches!(
            SdtHeader::load(&mem, 0x4000, Signature::MADT, 44),
            Err(AcpiError::LengthOutOfRange { length: 0, .. })
        ));
    }

    #[test]
    fn a_corrupt_byte_anywhere_fails_the_checksum() {
        let table = sdt(b"APIC", 1, &[0; 20]);
        for at in 0..table.len() {
            if (4..8).contains(&at) {
                continue; // the length, checked on its own
            }
            let mut corrupt = table.clone();
            corrupt[at] ^= 0x10;
            let mut mem = FakeMemory::new();
            mem.put(0x1000, &corrupt);
            let result = SdtHeader::load(&mem, 0x1000, Signature::MADT, 44);
            if at < 4 {
                assert!(matches!(result, Err(AcpiError::BadSignature { .. })), "byte {at}: {result:?}");
            } else {
                assert!(matches!(result, Err(AcpiError::BadChecksum { len: 56, .. })), "byte {at}: {result:?}");
            }
        }
    }

    #[test]
    fn a_table_longer_than_its_memory_is_unreadable() {
        let mut mem = FakeMemory::new();
        let table = sdt(b"APIC", 1, &[0; 100]);
        mem.put(0x1000, &table[..90]);
        assert!(matches!(
            SdtHeader::load(&mem, 0x1000, Signature::MADT, 44),
            Err(AcpiError::Unreadable { table: MADT, phys: 0x1000, offset: 64, len: 64 })
        ));
        mem.put(0x2000, &table[..20]);
        assert_eq!(
            SdtHeader::load(&mem, 0x2000, Signature::MADT, 44),
            Err(AcpiError::Unreadable { table: MADT, phys: 0x2000, offset: 0, len: 36 })
        );
    }
}
