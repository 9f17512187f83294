//! Test-only fake physical memory and builders of ACPI structures (ACPI 6.5
//! §5.2.5.3 RSDP, §5.2.6 header, §5.2.7 RSDT, §5.2.8 XSDT, §5.2.12 MADT and
//! its structures), so tests lay out exactly the tables they need and then
//! corrupt them byte by byte.
//!
//! Builders produce valid structures (lengths and checksums right); tests
//! that want them wrong change bytes afterwards.

use std::collections::BTreeMap;

use crate::checksum::sum;
use crate::memory::PhysicalMemory;

/// Physical memory made of separate readable regions; everything else is
/// unreadable.
#[derive(Clone, Debug, Default)]
pub(crate) struct FakeMemory {
    regions: BTreeMap<u64, Vec<u8>>,
}

impl FakeMemory {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Makes `bytes` readable at `phys`, replacing a region that started there.
    pub(crate) fn put(&mut self, phys: u64, bytes: &[u8]) {
        self.regions.insert(phys, bytes.to_vec());
    }

    /// The region starting at `phys`.
    pub(crate) fn region(&self, phys: u64) -> &[u8] {
        &self.regions[&phys]
    }

    /// The region starting at `phys`, to corrupt.
    pub(crate) fn region_mut(&mut self, phys: u64) -> &mut Vec<u8> {
        self.regions.get_mut(&phys).expect("no region there")
    }
}

impl PhysicalMemory for FakeMemory {
    fn read(&self, phys: u64, buf: &mut [u8]) -> bool {
        let Some((&start, bytes)) = self.regions.range(..=phys).next_back() else { return false };
        let Ok(from) = usize::try_from(phys - start) else { return false };
        let Some(source) = from.checked_add(buf.len()).and_then(|to| bytes.get(from..to)) else { return false };
        buf.copy_from_slice(source);
        true
    }
}

/// Sets the byte at `at` so that `bytes` sums to zero.
pub(crate) fn with_checksum(bytes: &mut [u8], at: usize) {
    bytes[at] = 0;
    bytes[at] = 0u8.wrapping_sub(sum(bytes));
}

/// A table with `signature`, `revision` and `body` after its header.
pub(crate) fn sdt(signature: &[u8; 4], revision: u8, body: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(36 + body.len());
    bytes.extend_from_slice(signature);
    bytes.extend_from_slice(&u32::try_from(36 + body.len()).unwrap().to_le_bytes());
    bytes.extend_from_slice(&[revision, 0]);
    bytes.extend_from_slice(b"HVTEST");
    bytes.extend_from_slice(b"HVACPITS");
    bytes.extend_from_slice(&0x2025_0101u32.to_le_bytes());
    bytes.extend_from_slice(b"HVTC");
    bytes.extend_from_slice(&7u32.to_le_bytes());
    bytes.extend_from_slice(body);
    with_checksum(&mut bytes, 9);
    bytes
}

/// An ACPI 1.0 (revision 0) RSDP.
pub(crate) fn rsdp_v1(rsdt: u32) -> Vec<u8> {
    let mut bytes = b"RSD PTR ".to_vec();
    bytes.push(0);
    bytes.extend_from_slice(b"HVTEST");
    bytes.push(0);
    bytes.extend_from_slice(&rsdt.to_le_bytes());
    with_checksum(&mut bytes, 8);
    bytes
}

/// An ACPI 2.0+ (revision 2) RSDP.
pub(crate) fn rsdp_v2(rsdt: u32, xsdt: u64) -> Vec<u8> {
    let mut bytes = rsdp_v1(rsdt);
    bytes[15] = 2;
    with_checksum(&mut bytes, 8);
    bytes.extend_from_slice(&36u32.to_le_bytes());
    bytes.extend_from_slice(&xsdt.to_le_bytes());
    bytes.extend_from_slice(&[0; 4]);
    with_checksum(&mut bytes, 32);
    bytes
}

/// An RSDT listing `tables`.
pub(crate) fn rsdt(tables: &[u32]) -> Vec<u8> {
    let body: Vec<u8> = tables.iter().flat_map(|phys| phys.to_le_bytes()).collect();
    sdt(b"RSDT", 1, &body)
}

/// An XSDT listing `tables`.
pub(crate) fn xsdt(tables: &[u64]) -> Vec<u8> {
    let body: Vec<u8> = tables.iter().flat_map(|phys| phys.to_le_bytes()).collect();
    sdt(b"XSDT", 1, &body)
}

/// A MADT with the local APIC address, the flags and the `entries` as given.
pub(crate) fn madt(local_apic_address: u32, flags: u32, entries: &[&[u8]]) -> Vec<u8> {
    let mut body = local_apic_address.to_le_bytes().to_vec();
    body.extend_from_slice(&flags.to_le_bytes());
    for entry in entries {
        body.extend_from_slice(entry);
    }
    sdt(b"APIC", 5, &body)
}

/// A Processor Local APIC structure (type 0).
pub(crate) fn local_apic(acpi_uid: u8, apic_id: u8, flags: u32) -> Vec<u8> {
    let mut bytes = vec![0, 8, acpi_uid, apic_id];
    bytes.extend_from_slice(&flags.to_le_bytes());
    bytes
}

/// An I/O APIC structure (type 1).
pub(crate) fn io_apic(id: u8, address: u32, gsi_base: u32) -> Vec<u8> {
    let mut bytes = vec![1, 12, id, 0];
    bytes.extend_from_slice(&address.to_le_bytes());
    bytes.extend_from_slice(&gsi_base.to_le_bytes());
    bytes
}

/// An Interrupt Source Override structure (type 2).
pub(crate) fn source_override(bus: u8, source: u8, gsi: u32, flags: u16) -> Vec<u8> {
    let mut bytes = vec![2, 10, bus, source];
    bytes.extend_from_slice(&gsi.to_le_bytes());
    bytes.extend_from_slice(&flags.to_le_bytes());
    bytes
}

/// A Local APIC NMI structure (type 4).
pub(crate) fn local_apic_nmi(acpi_uid: u8, flags: u16, lint: u8) -> Vec<u8> {
    let mut bytes = vec![4, 6, acpi_uid];
    bytes.extend_from_slice(&flags.to_le_bytes());
    bytes.push(lint);
    bytes
}

/// A Local APIC Address Override structure (type 5).
pub(crate) fn override_entry(address: u64) -> Vec<u8> {
    let mut bytes = vec![5, 12, 0, 0];
    bytes.extend_from_slice(&address.to_le_bytes());
    bytes
}

/// A Processor Local x2APIC structure (type 9).
pub(crate) fn x2apic(x2apic_id: u32, flags: u32, acpi_uid: u32) -> Vec<u8> {
    let mut bytes = vec![9, 16, 0, 0];
    bytes.extend_from_slice(&x2apic_id.to_le_bytes());
    bytes.extend_from_slice(&flags.to_le_bytes());
    bytes.extend_from_slice(&acpi_uid.to_le_bytes());
    bytes
}

#[test]
fn builders_make_valid_structures() {
    assert_eq!(rsdp_v1(0x1234).len(), 20);
    assert_eq!(sum(&rsdp_v1(0x1234)), 0);
    let v2 = rsdp_v2(0x1234, 0x5678);
    assert_eq!(v2.len(), 36);
    assert_eq!(sum(&v2[..20]), 0);
    assert_eq!(sum(&v2), 0);
    let table = madt(0xfee0_0000, 1, &[&local_apic(0, 0, 1), &x2apic(1, 1, 1)]);
    assert_eq!(table.len(), 44 + 8 + 16);
    assert_eq!(u32::from_le_bytes(table[4..8].try_into().unwrap()), 68);
    assert_eq!(sum(&table), 0);
    for entry in [local_apic(0, 0, 0), io_apic(0, 0, 0), source_override(0, 0, 0, 0), local_apic_nmi(0, 0, 0)] {
        assert_eq!(usize::from(entry[1]), entry.len());
    }
    assert_eq!(override_entry(0).len(), 12);
    let mut mem = FakeMemory::new();
    mem.put(0x100, &[1, 2, 3]);
    let mut buf = [0; 2];
    assert!(mem.read(0x101, &mut buf) && buf == [2, 3]);
    assert!(!mem.read(0x102, &mut buf));
    assert!(!mem.read(0xff, &mut buf));
    assert!(!mem.read(u64::MAX, &mut buf));
    mem.region_mut(0x100)[0] = 9;
    assert_eq!(mem.region(0x100), [9, 2, 3]);
}
