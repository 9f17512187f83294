//! Test-only end-to-end scenarios: from an RSDP address to the processor
//! count, the way the kernel's boot report goes (ACPI 6.5 §5.2.5 RSDP,
//! §5.2.7 RSDT or §5.2.8 XSDT, §5.2.12 MADT), on whole synthetic machines,
//! on machines broken at each level, on a real MADT and on random bytes.

use crate::test_tables::{
    io_apic, local_apic, local_apic_nmi, madt, rsdp_v1, rsdp_v2, rsdt, sdt, source_override, with_checksum, x2apic,
    FakeMemory,
};
use crate::{
    find_table, AcpiError, Ascii, CpuSummary, InterruptSourceOverride, IoApic, Madt, MpsIntiFlags, PhysicalMemory,
    Polarity, Processor, Rsdp, Signature, TableName, TableRef, TriggerMode,
};

/// Where the tables of the synthetic machines are.
const RSDP_V1_AT: u64 = 0xe_0000;
const RSDP_V2_AT: u64 = 0xf5a0;
const RSDT_AT: u64 = 0x7fd_0000;
const OLD_MADT_AT: u64 = 0x7fd_1000;
const XSDT_AT: u64 = 0x7fe_0000;
const FADT_AT: u64 = 0x7fe_1000;
const MADT_AT: u64 = 0x7fe_2000;

const MADT: TableName = TableName::Table(Signature::MADT);

/// What the kernel does: RSDP, MADT, summary.
fn cpus_of<M: PhysicalMemory + ?Sized>(mem: &M, rsdp_phys: u64) -> Result<CpuSummary, AcpiError> {
    let rsdp = Rsdp::parse(mem, rsdp_phys)?;
    let table = find_table(mem, &rsdp, Signature::MADT)?;
    Ok(Madt::parse(mem, table)?.cpu_summary())
}

/// An ACPI 1.0 machine: RSDP revision 0, RSDT, FADT and a MADT with 2 CPUs.
fn acpi_1_machine() -> FakeMemory {
    let mut mem = FakeMemory::new();
    mem.put(RSDP_V1_AT, &rsdp_v1(0x7fd_0000));
    mem.put(RSDT_AT, &rsdt(&[0x7fe_1000, 0x7fe_2000]));
    mem.put(FADT_AT, &sdt(b"FACP", 1, &[0; 80]));
    let entries: [&[u8]; 3] = [&local_apic(0, 0, 1), &local_apic(1, 1, 1), &io_apic(0, 0xfec0_0000, 0)];
    mem.put(MADT_AT, &madt(0xfee0_0000, 1, &entries));
    mem
}

/// An ACPI 2.0+ machine: RSDP revision 2 naming both an RSDT (with an old
/// one-CPU MADT) and an XSDT listing a FADT and a MADT with 4 enabled
/// processors, a disabled one and an online-capable x2APIC one, an I/O APIC,
/// two overrides and an NMI.
fn acpi_2_machine() -> FakeMemory {
    let mut mem = FakeMemory::new();
    mem.put(RSDP_V2_AT, &rsdp_v2(0x7fd_0000, XSDT_AT));
    mem.put(RSDT_AT, &rsdt(&[0x7fd_1000]));
    mem.put(OLD_MADT_AT, &madt(0xfee0_0000, 1, &[&local_apic(0, 0, 1)]));
    mem.put(XSDT_AT, &crate::test_tables::xsdt(&[FADT_AT, MADT_AT]));
    mem.put(FADT_AT, &sdt(b"FACP", 6, &[0; 240]));
    let entries: [&[u8]; 10] = [
        &local_apic(0, 0, 1),
        &local_apic(1, 2, 1),
        &local_apic(2, 4, 1),
        &local_apic(3, 0xff, 0),
        &x2apic(0x100, 1, 4),
        &x2apic(0x101, 2, 5),
        &io_apic(2, 0xfec0_0000, 0),
        &source_override(0, 0, 2, 0),
        &source_override(0, 9, 9, 0xf),
        &local_apic_nmi(0xff, 0, 1),
    ];
    mem.put(MADT_AT, &madt(0xfee0_0000, 1, &entries));
    mem
}

#[test]
fn acpi_1_rsdp_rsdt_madt_with_two_cpus() {
    let mem = acpi_1_machine();
    let rsdp = Rsdp::parse(&mem, RSDP_V1_AT).unwrap();
    assert_eq!((rsdp.revision(), rsdp.xsdt_address()), (0, None));
    let table = find_table(&mem, &rsdp, Signature::MADT).unwrap();
    assert_eq!(table, TableRef { phys: MADT_AT, length: 44 + 8 + 8 + 12 });
    let madt = Madt::parse(&mem, table).unwrap();
    assert_eq!(madt.cpu_summary(), CpuSummary { enabled: 2, online_capable: 0, total_entries: 2 });
    assert_eq!(
        madt.processors().collect::<Vec<_>>(),
        [
            Processor { apic_id: 0, acpi_uid: 0, enabled: true, online_capable: false },
            Processor { apic_id: 1, acpi_uid: 1, enabled: true, online_capable: false },
        ]
    );
    assert_eq!(madt.io_apics().count(), 1);
    assert_eq!(madt.overrides().count(), 0);
}

#[test]
fn acpi_2_rsdp_xsdt_madt_with_every_kind_of_processor() {
    let mem = acpi_2_machine();
    let rsdp = Rsdp::parse(&mem, RSDP_V2_AT).unwrap();
    assert_eq!(rsdp.xsdt_address(), Some(XSDT_AT));
    assert_eq!(Ascii(&rsdp.oem_id()).to_string(), "HVTEST");
    assert_eq!(find_table(&mem, &rsdp, *b"FACP").unwrap(), TableRef { phys: FADT_AT, length: 276 });
    let table = find_table(&mem, &rsdp, Signature::MADT).unwrap();
    assert_eq!(table.phys, MADT_AT, "the XSDT's MADT, not the RSDT's");
    let madt = Madt::parse(&mem, table).unwrap();
    let summary = madt.cpu_summary();
    assert_eq!(summary, CpuSummary { enabled: 4, online_capable: 1, total_entries: 6 });
    assert_eq!(summary.to_string(), "4 enabled, 1 online-capable (6 entries)");

    let processors: Vec<Processor> = madt.processors().collect();
    let enabled: Vec<u32> = processors.iter().filter(|p| p.enabled).map(|p| p.apic_id).collect();
    assert_eq!(enabled, [0, 2, 4, 0x100]);
    assert_eq!(processors[3], Processor { apic_id: 0xff, acpi_uid: 3, enabled: false, online_capable: false });
    assert_eq!(processors[5], Processor { apic_id: 0x101, acpi_uid: 5, enabled: false, online_capable: true });
    assert_eq!(madt.io_apics().collect::<Vec<_>>(), [IoApic { id: 2, address: 0xfec0_0000, gsi_base: 0 }]);
    let overrides: Vec<InterruptSourceOverride> = madt.overrides().collect();
    assert_eq!(overrides.len(), 2);
    assert_eq!((overrides[0].source, overrides[0].gsi), (0, 2));
    assert_eq!(overrides[1], InterruptSourceOverride { bus: 0, source: 9, gsi: 9, flags: MpsIntiFlags(0xf) });
    assert_eq!(overrides[1].flags.polarity(), Polarity::ActiveLow);
    assert_eq!(overrides[1].flags.trigger_mode(), TriggerMode::Level);
    assert!(madt.local_apic_nmis().all(|nmi| nmi.applies_to_all() && nmi.lint == 1));
    assert_eq!(madt.local_apic_base(), 0xfee0_0000);
    assert!(madt.pc_at_compatible());
    assert_eq!(madt.entries().count(), 10);
}

#[test]
fn a_corrupt_rsdp_is_detected_by_either_checksum() {
    let mut mem = acpi_2_machine();
    mem.region_mut(RSDP_V2_AT)[10] ^= 0x01; // OEM ID, under the first checksum
    assert!(matches!(
        cpus_of(&mem, RSDP_V2_AT),
        Err(AcpiError::BadChecksum { table: TableName::Rsdp, phys: RSDP_V2_AT, len: 20, .. })
    ));
    let mut mem = acpi_2_machine();
    mem.region_mut(RSDP_V2_AT)[27] ^= 0x01; // XSDT address, under the extended one only
    assert!(matches!(
        cpus_of(&mem, RSDP_V2_AT),
        Err(AcpiError::BadChecksum { table: TableName::Rsdp, phys: RSDP_V2_AT, len: 36, .. })
    ));
}

#[test]
fn a_corrupt_xsdt_is_detected() {
    let mut mem = acpi_2_machine();
    let stored = mem.region(XSDT_AT)[9];
    mem.region_mut(XSDT_AT)[12] = mem.region(XSDT_AT)[12].wrapping_add(5);
    assert_eq!(
        cpus_of(&mem, RSDP_V2_AT),
        Err(AcpiError::BadChecksum {
            table: TableName::Table(Signature::XSDT),
            phys: XSDT_AT,
            len: 52,
            stored,
            expected: stored.wrapping_sub(5)
        })
    );
}

#[test]
fn a_corrupt_madt_is_detected_by_the_walk_and_by_the_parser() {
    let mut mem = acpi_2_machine();
    let stored = mem.region(MADT_AT)[9];
    mem.region_mut(MADT_AT)[44 + 8 + 4] = 0; // the second processor's Enabled flag
    let err = cpus_of(&mem, RSDP_V2_AT).unwrap_err();
    assert_eq!(
        err,
        AcpiError::BadChecksum {
            table: MADT,
            phys: MADT_AT,
            len: 44 + 4 * 8 + 2 * 16 + 12 + 2 * 10 + 6,
            stored,
            expected: stored.wrapping_add(1)
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "MADT (\"APIC\") at 0x7fe2000: bad checksum over 146 bytes: the checksum byte is {stored:#04x}, it \
             should be {:#04x} for the bytes to sum to zero: the table is corrupt",
            stored.wrapping_add(1)
        )
    );
    let table = TableRef { phys: MADT_AT, length: 146 };
    assert_eq!(Madt::parse(&mem, table).unwrap_err(), err);
}

#[test]
fn truncated_tables_are_unreadable_not_trusted() {
    let mut mem = acpi_2_machine();
    mem.region_mut(MADT_AT).truncate(100);
    assert!(matches!(
        cpus_of(&mem, RSDP_V2_AT),
        Err(AcpiError::Unreadable { table: MADT, phys: MADT_AT, offset: 64, .. })
    ));
    let mut mem = acpi_2_machine();
    mem.region_mut(XSDT_AT).truncate(40);
    assert!(matches!(
        cpus_of(&mem, RSDP_V2_AT),
        Err(AcpiError::Unreadable { table: TableName::Table(Signature::XSDT), phys: XSDT_AT, .. })
    ));
    let mut mem = acpi_1_machine();
    mem.region_mut(RSDP_V1_AT).truncate(12);
    assert!(matches!(cpus_of(&mem, RSDP_V1_AT), Err(AcpiError::Unreadable { table: TableName::Rsdp, .. })));
}

#[test]
fn an_entry_overrunning_the_madt_is_reported_with_its_offset() {
    let mut mem = acpi_1_machine();
    let mut last = io_apic(0, 0xfec0_0000, 0);
    last[1] = 20;
    let entries: [&[u8]; 3] = [&local_apic(0, 0, 1), &local_apic(1, 1, 1), &last];
    mem.put(MADT_AT, &madt(0xfee0_0000, 1, &entries));
    let err = cpus_of(&mem, RSDP_V1_AT).unwrap_err();
    assert_eq!(
        err,
        AcpiError::EntryOverrun { table: MADT, phys: MADT_AT, offset: 60, entry_type: 1, length: 20, table_length: 72 }
    );
    assert!(err
        .to_string()
        .contains("entry of type 1 at offset 0x3c with length 20 runs past the table's end at 0x48"));
}

#[test]
fn an_entry_of_length_zero_ends_the_walk() {
    let mut mem = acpi_1_machine();
    let entries: [&[u8]; 2] = [&local_apic(0, 0, 1), &[0, 0, 0, 0, 0, 0, 0, 0]];
    mem.put(MADT_AT, &madt(0xfee0_0000, 1, &entries));
    assert_eq!(
        cpus_of(&mem, RSDP_V1_AT),
        Err(AcpiError::EntryTooShort { table: MADT, phys: MADT_AT, offset: 52, entry_type: 0, length: 0, min: 8 })
    );
}

#[test]
fn a_machine_without_a_madt_says_so() {
    let mut mem = acpi_2_machine();
    mem.put(XSDT_AT, &crate::test_tables::xsdt(&[FADT_AT]));
    let err = cpus_of(&mem, RSDP_V2_AT).unwrap_err();
    assert_eq!(err, AcpiError::NotFound { signature: Signature::MADT, root: Signature::XSDT, phys: XSDT_AT });
    assert_eq!(err.to_string(), "no valid \"APIC\" table is listed in the XSDT at 0x7fe0000");
}

#[test]
fn unreadable_memory_at_each_level_is_reported() {
    let mem = acpi_2_machine();
    assert_eq!(
        cpus_of(&mem, 0x9_0000),
        Err(AcpiError::Unreadable { table: TableName::Rsdp, phys: 0x9_0000, offset: 0, len: 20 })
    );
    let mut mem = acpi_2_machine();
    mem.put(RSDP_V2_AT, &rsdp_v2(0x7fd_0000, 0x8000_0000));
    assert_eq!(
        cpus_of(&mem, RSDP_V2_AT),
        Err(AcpiError::Unreadable { table: TableName::Table(Signature::XSDT), phys: 0x8000_0000, offset: 0, len: 36 })
    );
    let mut mem = acpi_2_machine();
    mem.put(XSDT_AT, &crate::test_tables::xsdt(&[FADT_AT, 0x8000_0000]));
    assert_eq!(
        cpus_of(&mem, RSDP_V2_AT),
        Err(AcpiError::Unreadable {
            table: TableName::RootEntry { root: Signature::XSDT, index: 1 },
            phys: 0x8000_0000,
            offset: 0,
            len: 4
        })
    );
}

/// The MADT of a Firecracker microVM with 2 vCPUs, as read from
/// `/sys/firmware/acpi/tables/APIC` inside it: 72 bytes, revision 6, an
/// I/O APIC listed before the two enabled local APICs, no PCAT_COMPAT.
const FIRECRACKER_MADT: [u8; 72] = [
    0x41, 0x50, 0x49, 0x43, 0x48, 0x00, 0x00, 0x00, 0x06, 0x56, 0x46, 0x49, 0x52, 0x45, 0x43,
    0x4b, // APICH...VFIRECK
    0x46, 0x43, 0x56, 0x4d, 0x4d, 0x41, 0x44, 0x54, 0x00, 0x00, 0x00, 0x00, 0x46, 0x43, 0x41,
    0x54, // FCVMMADT....FCAT
    0x19, 0x01, 0x24, 0x20, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x00, 0x00, //
    0x00, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, //
    0x00, 0x08, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, //
];

#[test]
fn a_real_madt_dump_parses() {
    let mut mem = FakeMemory::new();
    mem.put(0x7_5000, &FIRECRACKER_MADT);
    let madt = Madt::parse(&mem, TableRef { phys: 0x7_5000, length: 72 }).unwrap();
    let header = madt.header();
    assert_eq!((header.length, header.revision, header.checksum), (72, 6, 0x56));
    assert_eq!(Ascii(&header.oem_id).to_string(), "FIRECK");
    assert_eq!(Ascii(&header.oem_table_id).to_string(), "FCVMMADT");
    assert_eq!(Ascii(&header.creator_id).to_string(), "FCAT");
    assert_eq!(header.creator_revision, 0x2024_0119);
    assert_eq!(madt.local_apic_address(), 0xfee0_0000);
    assert!(!madt.pc_at_compatible());
    assert_eq!(madt.cpu_summary(), CpuSummary { enabled: 2, online_capable: 0, total_entries: 2 });
    assert_eq!(madt.processors().map(|p| (p.acpi_uid, p.apic_id)).collect::<Vec<_>>(), [(0, 0), (1, 1)]);
    assert_eq!(madt.io_apics().collect::<Vec<_>>(), [IoApic { id: 0, address: 0xfec0_0000, gsi_base: 0 }]);
    // The dump is genuine: any change to it is caught.
    let mut corrupt = FIRECRACKER_MADT;
    corrupt[0x3c] = 0;
    mem.put(0x7_5000, &corrupt);
    assert!(matches!(
        Madt::parse(&mem, TableRef { phys: 0x7_5000, length: 72 }),
        Err(AcpiError::BadChecksum { stored: 0x56, expected: 0x57, .. })
    ));
}

/// A small deterministic generator (xorshift64*), so random tests repeat.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(bound).unwrap()).unwrap()
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }
}

#[test]
fn random_madt_bodies_with_valid_checksums_never_panic_or_hang() {
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for _ in 0..5000 {
        // Entries made of plausible type bytes and random lengths and fields.
        let len = random.below(120);
        let mut body: Vec<u8> = (0..len).map(|_| random.byte()).collect();
        let mut at = 0;
        while at + 1 < body.len() {
            body[at] = [0, 1, 2, 4, 5, 9, 0x7f][random.below(7)];
            let length = u8::try_from(random.below(20)).unwrap();
            body[at + 1] = length;
            at += usize::from(length.max(1));
        }
        let mut table = madt(0xfee0_0000, 0, &[&body]);
        with_checksum(&mut table, 9);
        let mut mem = FakeMemory::new();
        mem.put(0x1000, &table);
        let table_len = u32::try_from(table.len()).unwrap();
        if let Ok(madt) = Madt::parse(&mem, TableRef { phys: 0x1000, length: table_len }) {
            accepted += 1;
            let entries = madt.entries().count();
            assert!(entries <= table.len() / 2, "{entries} entries in {} bytes", table.len());
            let summary = madt.cpu_summary();
            assert_eq!(u32::try_from(madt.processors().count()).unwrap(), summary.total_entries);
            assert!(summary.enabled + summary.online_capable <= summary.total_entries);
            assert!(madt.entries().all(|entry| entry.is_ok()));
        }
    }
    assert!(accepted > 100, "only {accepted} random tables were valid: the generator is too hostile to test much");
}

#[test]
fn random_corruption_of_a_whole_machine_never_panics() {
    let mut random = Random(0xdead_beef_cafe_f00d);
    let pristine = acpi_2_machine();
    let regions = [RSDP_V2_AT, RSDT_AT, OLD_MADT_AT, XSDT_AT, FADT_AT, MADT_AT];
    let mut outcomes = [0usize; 2];
    for _ in 0..3000 {
        let mut mem = pristine.clone();
        for _ in 0..=random.below(4) {
            let region = mem.region_mut(regions[random.below(regions.len())]);
            if region.is_empty() {
                continue;
            }
            let at = random.below(region.len());
            region[at] = random.byte();
            if random.below(4) == 0 {
                let cut = random.below(region.len() + 1);
                region.truncate(cut);
            }
        }
        let result = cpus_of(&mem, RSDP_V2_AT);
        // Whatever happened, the error can be printed.
        if let Err(error) = &result {
            assert!(!error.to_string().is_empty());
        }
        outcomes[usize::from(result.is_ok())] += 1;
    }
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
}
