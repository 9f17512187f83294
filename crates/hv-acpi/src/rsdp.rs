//! The Root System Description Pointer (ACPI 6.5 §5.2.5, structure in
//! §5.2.5.3): where the firmware's tables start. The bootloader finds it (in
//! the EFI configuration table, or by scanning the BIOS areas) and hands the
//! kernel its physical address.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | signature `"RSD PTR "` |
//! | 8 | 1 | checksum of bytes 0..20 |
//! | 9 | 6 | OEM ID |
//! | 15 | 1 | revision: 0 for ACPI 1.0, 2 from ACPI 2.0 on |
//! | 16 | 4 | RSDT physical address |
//! | 20 | 4 | length of the whole structure (revision 2 and later) |
//! | 24 | 8 | XSDT physical address (revision 2 and later) |
//! | 32 | 1 | extended checksum of all `length` bytes (revision 2 and later) |
//! | 33 | 3 | reserved |
//!
//! The ACPI 1.0 structure is the first 20 bytes only, so the fields from
//! offset 20 on are read only when the revision says they exist.

use crate::checksum;
use crate::error::AcpiError;
use crate::fields::{array_at, u32_at, u64_at, u8_at};
use crate::memory::{read_at, PhysicalMemory};
use crate::signature::{Signature, TableName};

/// The RSDP's signature.
pub const RSDP_SIGNATURE: [u8; 8] = *b"RSD PTR ";
/// Length of the ACPI 1.0 (revision 0) RSDP, covered by its first checksum.
pub const RSDP_V1_LEN: u32 = 20;
/// Length of the ACPI 2.0 and later RSDP.
pub const RSDP_V2_LEN: u32 = 36;
/// Longest revision-2 RSDP accepted. Every revision so far is 36 bytes; the
/// bound leaves room for a longer future one without trusting a corrupt
/// length.
pub const MAX_RSDP_LEN: u32 = 4096;

/// A validated Root System Description Pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rsdp {
    phys: u64,
    revision: u8,
    oem_id: [u8; 6],
    rsdt_address: u32,
    length: u32,
    xsdt_address: Option<u64>,
}

impl Rsdp {
    /// Reads and checks the RSDP at `phys`: its signature and the checksum of
    /// its first 20 bytes and, if its revision is 2 or more, its length (36 to
    /// [`MAX_RSDP_LEN`] bytes) and the extended checksum over that length.
    pub fn parse<M: PhysicalMemory + ?Sized>(mem: &M, phys: u64) -> Result<Self, AcpiError> {
        let table = TableName::Rsdp;
        let mut v1 = [0; RSDP_V1_LEN as usize];
        read_at(mem, table, phys, 0, &mut v1)?;
        let found: [u8; 8] = array_at(&v1, 0);
        if found != RSDP_SIGNATURE {
            return Err(AcpiError::BadSignature { table, phys, found });
        }
        let stored = u8_at(&v1, 8);
        let sum = checksum::sum(&v1);
        if sum != 0 {
            return Err(AcpiError::BadChecksum {
                table,
                phys,
                len: RSDP_V1_LEN,
                stored,
                expected: stored.wrapping_sub(sum),
            });
        }
        let mut rsdp = Self {
            phys,
            revision: u8_at(&v1, 15),
            oem_id: array_at(&v1, 9),
            rsdt_address: u32_at(&v1, 16),
            length: RSDP_V1_LEN,
            xsdt_address: None,
        };
        if rsdp.revision < 2 {
            return Ok(rsdp);
        }
        let mut v2 = [0; RSDP_V2_LEN as usize];
        let (head, tail) = v2.split_at_mut(v1.len());
        head.copy_from_slice(&v1);
        read_at(mem, table, phys, u64::from(RSDP_V1_LEN), tail)?;
        let length = u32_at(&v2, 20);
        if !(RSDP_V2_LEN..=MAX_RSDP_LEN).contains(&length) {
            return Err(AcpiError::LengthOutOfRange { table, phys, length, min: RSDP_V2_LEN, max: MAX_RSDP_LEN });
        }
        checksum::verify(mem, table, phys, length, u8_at(&v2, 32))?;
        rsdp.length = length;
        rsdp.xsdt_address = Some(u64_at(&v2, 24)).filter(|&address| address != 0);
        Ok(rsdp)
    }

    /// The RSDP's physical address.
    #[must_use]
    pub fn phys(&self) -> u64 {
        self.phys
    }

    /// The revision: 0 for ACPI 1.0, 2 for ACPI 2.0 and later.
    #[must_use]
    pub fn revision(&self) -> u8 {
        self.revision
    }

    /// The OEM ID (shown with [`Ascii`](crate::Ascii)).
    #[must_use]
    pub fn oem_id(&self) -> [u8; 6] {
        self.oem_id
    }

    /// The RSDT's physical address (0 if the firmware gives none).
    #[must_use]
    pub fn rsdt_address(&self) -> u32 {
        self.rsdt_address
    }

    /// The XSDT's physical address: `None` before revision 2 or when the
    /// field is zero.
    #[must_use]
    pub fn xsdt_address(&self) -> Option<u64> {
        self.xsdt_address
    }

    /// The structure's length: 20 before revision 2, its length field after.
    #[must_use]
    pub fn length(&self) -> u32 {
        self.length
    }

    /// The root table to walk: the XSDT when there is one (ACPI 6.5 §5.2.8:
    /// OSPM uses it in preference to the RSDT), else the RSDT, with the size
    /// of its entries; `None` when the RSDP names neither.
    pub(crate) fn root(&self) -> Option<(Signature, u64, u32)> {
        match self.xsdt_address {
            Some(xsdt) => Some((Signature::XSDT, xsdt, 8)),
            None if self.rsdt_address != 0 => Some((Signature::RSDT, u64::from(self.rsdt_address), 4)),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_tables::{rsdp_v1, rsdp_v2, with_checksum, FakeMemory};

    #[test]
    fn an_acpi_1_rsdp_has_only_an_rsdt() {
        let mut mem = FakeMemory::new();
        mem.put(0xe_0000, &rsdp_v1(0x7fe_0000));
        let rsdp = Rsdp::parse(&mem, 0xe_0000).unwrap();
        assert_eq!(rsdp.phys(), 0xe_0000);
        assert_eq!(rsdp.revision(), 0);
        assert_eq!(&rsdp.oem_id(), b"HVTEST");
        assert_eq!(rsdp.rsdt_address(), 0x7fe_0000);
        assert_eq!(rsdp.xsdt_address(), None);
        assert_eq!(rsdp.length(), 20);
        assert_eq!(rsdp.root(), Some((Signature::RSDT, 0x7fe_0000, 4)));
    }

    #[test]
    fn an_acpi_2_rsdp_prefers_its_xsdt() {
        let mut mem = FakeMemory::new();
        mem.put(0xf5a0, &rsdp_v2(0x7fe_0000, 0x1_0000_0000));
        let rsdp = Rsdp::parse(&mem, 0xf5a0).unwrap();
        assert_eq!(rsdp.revision(), 2);
        assert_eq!(rsdp.length(), 36);
        assert_eq!(rsdp.xsdt_address(), Some(0x1_0000_0000));
        assert_eq!(rsdp.root(), Some((Signature::XSDT, 0x1_0000_0000, 8)));
        // A zero XSDT address falls back to the RSDT; neither is no root.
        mem.put(0x1000, &rsdp_v2(0x7fe_0000, 0));
        assert_eq!(Rsdp::parse(&mem, 0x1000).unwrap().root(), Some((Signature::RSDT, 0x7fe_0000, 4)));
        mem.put(0x2000, &rsdp_v2(0, 0));
        assert_eq!(Rsdp::parse(&mem, 0x2000).unwrap().root(), None);
    }

    #[test]
    fn a_v1_rsdp_at_the_end_of_memory_is_read_without_its_v2_fields() {
        let mut mem = FakeMemory::new();
        mem.put(0x1000, &rsdp_v1(0x2000)[..20]);
        assert!(Rsdp::parse(&mem, 0x1000).is_ok());
    }

    #[test]
    fn the_signature_must_match() {
        let mut bytes = rsdp_v1(0x2000);
        bytes[6] = b'X';
        with_checksum(&mut bytes[..20], 8);
        let mut mem = FakeMemory::new();
        mem.put(0x1000, &bytes);
        assert_eq!(
            Rsdp::parse(&mem, 0x1000),
            Err(AcpiError::BadSignature { table: TableName::Rsdp, phys: 0x1000, found: *b"RSD PTX " })
        );
    }

    #[test]
    fn a_corrupt_first_checksum_is_reported_with_the_right_value() {
        let mut bytes = rsdp_v2(0x2000, 0x3000);
        let good = bytes[8];
        bytes[16] = bytes[16].wrapping_add(1); // the RSDT address
        let mut mem = FakeMemory::new();
        mem.put(0x1000, &bytes);
        assert_eq!(
            Rsdp::parse(&mem, 0x1000),
            Err(AcpiError::BadChecksum {
                table: TableName::Rsdp,
                phys: 0x1000,
                len: 20,
                stored: good,
                expected: good.wrapping_sub(1)
            })
        );
    }

    #[test]
    fn a_corrupt_extended_checksum_is_detected() {
        let mut bytes = rsdp_v2(0x2000, 0x3000);
        let stored = bytes[32];
        bytes[25] ^= 0x01; // the XSDT address, outside the first 20 bytes
        let mut mem = FakeMemory::new();
        mem.put(0x1000, &bytes);
        assert!(matches!(
            Rsdp::parse(&mem, 0x1000),
            Err(AcpiError::BadChecksum { table: TableName::Rsdp, len: 36, stored: s, expected: e, .. })
                if s == stored && e != stored
        ));
    }

    #[test]
    fn a_v2_length_out_of_range_is_refused() {
        for length in [0u32, 20, 35, MAX_RSDP_LEN + 1, u32::MAX] {
            let mut bytes = rsdp_v2(0x2000, 0x3000);
            bytes[20..24].copy_from_slice(&length.to_le_bytes());
            with_checksum(&mut bytes, 32);
            let mut mem = FakeMemory::new();
            mem.put(0x1000, &bytes);
            assert_eq!(
                Rsdp::parse(&mem, 0x1000),
                Err(AcpiError::LengthOutOfRange {
                    table: TableName::Rsdp,
                    phys: 0x1000,
                    length,
                    min: 36,
                    max: MAX_RSDP_LEN
                }),
                "length {length}"
            );
        }
    }

    #[test]
    fn a_longer_v2_rsdp_is_summed_over_its_length() {
        let mut bytes = rsdp_v2(0x2000, 0x3000);
        bytes.extend_from_slice(&[0x55; 12]);
        bytes[20..24].copy_from_slice(&48u32.to_le_bytes());
        with_checksum(&mut bytes, 32);
        let mut mem = FakeMemory::new();
        mem.put(0x1000, &bytes);
        assert_eq!(Rsdp::parse(&mem, 0x1000).unwrap().length(), 48);
        // The same RSDP without its tail in memory is truncated.
        mem.put(0x1000, &bytes[..40]);
        assert!(matches!(
            Rsdp::parse(&mem, 0x1000),
            Err(AcpiError::Unreadable { table: TableName::Rsdp, offset: 0, len: 48, .. })
        ));
    }

    #[test]
    fn unreadable_or_truncated_memory_is_an_error() {
        let mut mem = FakeMemory::new();
        assert_eq!(
            Rsdp::parse(&mem, 0xe_0000),
            Err(AcpiError::Unreadable { table: TableName::Rsdp, phys: 0xe_0000, offset: 0, len: 20 })
        );
        mem.put(0x1000, &rsdp_v1(0x2000)[..19]);
        assert!(matches!(Rsdp::parse(&mem, 0x1000), Err(AcpiError::Unreadable { len: 20, .. })));
        // A revision-2 RSDP whose last 16 bytes are missing.
        mem.put(0x2000, &rsdp_v2(0x2000, 0x3000)[..20]);
        assert_eq!(
            Rsdp::parse(&mem, 0x2000),
            Err(AcpiError::Unreadable { table: TableName::Rsdp, phys: 0x2000, offset: 20, len: 16 })
        );
        assert!(Rsdp::parse(&mem, u64::MAX - 10).is_err());
    }
}
