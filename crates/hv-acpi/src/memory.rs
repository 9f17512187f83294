//! Reading physical memory, the only way this crate sees the firmware's tables.
//!
//! The tables are scattered over physical memory (ACPI 6.5 §5.2: the RSDP
//! points at the RSDT or XSDT, whose entries point at the other tables), and
//! whether an address is readable at all depends on the kernel's mappings and
//! on the memory map. So the kernel implements [`PhysicalMemory`] over
//! whatever it has mapped, refusing what it has not, and this crate asks for
//! exactly the bytes it needs, never for a range that wraps past 2^64.

use crate::error::AcpiError;
use crate::signature::TableName;

/// Read access to physical memory.
///
/// Implementations must not panic for any `phys` and length: the addresses
/// come from firmware tables and may be anything (this crate never asks for a
/// range that wraps around the end of the address space, though).
pub trait PhysicalMemory {
    /// Fills `buf` with the bytes at physical addresses `phys..phys + buf.len()`.
    ///
    /// Returns `false`, with `buf` in any state, if any byte of the range is
    /// not readable (not RAM or firmware-reserved memory, or not mapped).
    fn read(&self, phys: u64, buf: &mut [u8]) -> bool;
}

impl<T: PhysicalMemory + ?Sized> PhysicalMemory for &T {
    fn read(&self, phys: u64, buf: &mut [u8]) -> bool {
        (**self).read(phys, buf)
    }
}

/// Reads `buf.len()` bytes at `offset` into the structure `table` at `phys`.
///
/// A range that would wrap past the end of the address space, or that the
/// memory refuses, is an [`AcpiError::Unreadable`] naming the structure.
pub(crate) fn read_at<M: PhysicalMemory + ?Sized>(
    mem: &M,
    table: TableName,
    phys: u64,
    offset: u64,
    buf: &mut [u8],
) -> Result<(), AcpiError> {
    let len = u64::try_from(buf.len()).unwrap_or(u64::MAX);
    let in_range = phys.checked_add(offset).and_then(|start| start.checked_add(len)).is_some();
    if in_range && mem.read(phys.wrapping_add(offset), buf) {
        Ok(())
    } else {
        Err(AcpiError::Unreadable { table, phys, offset, len })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::Signature;
    use crate::test_tables::FakeMemory;

    #[test]
    fn reads_inside_a_region_and_refuses_outside_it() {
        let mut mem = FakeMemory::new();
        mem.put(0x1000, &[1, 2, 3, 4]);
        let name = TableName::Table(Signature::MADT);
        let mut buf = [0; 2];
        assert_eq!(read_at(&mem, name, 0x1000, 2, &mut buf), Ok(()));
        assert_eq!(buf, [3, 4]);
        assert_eq!(
            read_at(&mem, name, 0x1000, 3, &mut buf),
            Err(AcpiError::Unreadable { table: name, phys: 0x1000, offset: 3, len: 2 })
        );
        assert!(read_at(&mem, name, 0xfff, 0, &mut buf).is_err());
    }

    #[test]
    fn ranges_that_wrap_are_refused_without_asking_the_memory() {
        struct Panicking;
        impl PhysicalMemory for Panicking {
            fn read(&self, _: u64, _: &mut [u8]) -> bool {
                panic!("asked for a wrapping range")
            }
        }
        let mut buf = [0; 4];
        let name = TableName::Rsdp;
        assert!(matches!(
            read_at(&Panicking, name, u64::MAX - 2, 0, &mut buf),
            Err(AcpiError::Unreadable { phys: 0xffff_ffff_ffff_fffd, offset: 0, len: 4, .. })
        ));
        assert!(read_at(&Panicking, name, u64::MAX - 8, 8, &mut buf).is_err());
        assert!(read_at(&Panicking, name, 1, u64::MAX, &mut buf).is_err());
    }

    #[test]
    fn references_to_memory_are_memory() {
        let mut mem = FakeMemory::new();
        mem.put(0x10, &[9]);
        let by_ref: &dyn PhysicalMemory = &mem;
        let mut buf = [0];
        assert!((&by_ref).read(0x10, &mut buf));
        assert_eq!(buf, [9]);
    }
}
