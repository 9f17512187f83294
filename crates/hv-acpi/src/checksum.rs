//! ACPI checksums: a structure is intact when all its bytes, the checksum
//! byte included, sum to zero modulo 256 (ACPI 6.5 §5.2.5.3 for the RSDP's
//! two checksums, §5.2.6 for every table header's).
//!
//! Tables may be up to [`MAX_TABLE_LEN`](crate::MAX_TABLE_LEN) long, so they
//! are summed in chunks read through [`PhysicalMemory`], with no buffer the
//! size of the table.

use crate::error::AcpiError;
use crate::memory::{read_at, PhysicalMemory};
use crate::signature::TableName;

/// Bytes read at a time while summing.
const CHUNK: usize = 64;

/// The sum of `bytes` modulo 256.
pub(crate) fn sum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |sum, &byte| sum.wrapping_add(byte))
}

/// Checks that the `len` bytes of `table` at `phys` sum to zero.
///
/// `stored` is the checksum byte the structure holds, reported with the value
/// it should have had when the sum is not zero.
pub(crate) fn verify<M: PhysicalMemory + ?Sized>(
    mem: &M,
    table: TableName,
    phys: u64,
    len: u32,
    stored: u8,
) -> Result<(), AcpiError> {
    let mut total = 0u8;
    let mut chunk = [0u8; CHUNK];
    let mut offset = 0u32;
    while offset < len {
        let want = usize::try_from(len - offset).unwrap_or(CHUNK).min(CHUNK);
        let Some(buf) = chunk.get_mut(..want) else { break };
        read_at(mem, table, phys, u64::from(offset), buf)?;
        total = total.wrapping_add(sum(buf));
        // `want` is at most CHUNK, so this neither truncates nor overflows past `len`.
        offset += u32::try_from(want).unwrap_or(u32::MAX);
    }
    if total == 0 {
        Ok(())
    } else {
        Err(AcpiError::BadChecksum { table, phys, len, stored, expected: stored.wrapping_sub(total) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::Signature;
    use crate::test_tables::{with_checksum, FakeMemory};

    const NAME: TableName = TableName::Table(Signature::MADT);

    #[test]
    fn sums_wrap_modulo_256() {
        assert_eq!(sum(&[]), 0);
        assert_eq!(sum(&[0xff, 0x02]), 0x01);
        assert_eq!(sum(&[0x80; 4]), 0);
    }

    #[test]
    fn tables_longer_than_a_chunk_are_summed_whole() {
        let mut bytes: Vec<u8> = (0..=255u8).cycle().take(CHUNK * 3 + 7).collect();
        with_checksum(&mut bytes, 9);
        let mut mem = FakeMemory::new();
        mem.put(0x4000, &bytes);
        let len = u32::try_from(bytes.len()).unwrap();
        assert_eq!(verify(&mem, NAME, 0x4000, len, bytes[9]), Ok(()));

        // A change in the last chunk is seen.
        let last = bytes.len() - 1;
        bytes[last] = bytes[last].wrapping_add(3);
        mem.put(0x4000, &bytes);
        assert_eq!(
            verify(&mem, NAME, 0x4000, len, bytes[9]),
            Err(AcpiError::BadChecksum {
                table: NAME,
                phys: 0x4000,
                len,
                stored: bytes[9],
                expected: bytes[9].wrapping_sub(3)
            })
        );
    }

    #[test]
    fn a_length_past_the_memory_is_unreadable() {
        let mut mem = FakeMemory::new();
        mem.put(0x4000, &[0; 100]);
        let err = verify(&mem, NAME, 0x4000, 101, 0).unwrap_err();
        assert_eq!(err, AcpiError::Unreadable { table: NAME, phys: 0x4000, offset: 64, len: 37 });
        assert_eq!(verify(&mem, NAME, 0x4000, 0, 0), Ok(()));
    }
}
