//! The Multiple APIC Description Table (ACPI 6.5 §5.2.12), signature `APIC`:
//! the machine's processors and interrupt controllers.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 36 | system description table header (§5.2.6) |
//! | 36 | 4 | local interrupt controller (local APIC) physical address |
//! | 40 | 4 | flags: bit 0 `PCAT_COMPAT`, the machine also has dual 8259 PICs |
//! | 44 | … | interrupt controller structures, each a type byte, a length byte and its fields ([`MadtEntry`]) |
//!
//! [`Madt::parse`] checks the table (signature, length, checksum) and then
//! walks every structure once: each must be at least as long as its type
//! needs (so the walk always advances) and must end inside the table. Only
//! then is anything counted. The walk reads each structure through
//! [`PhysicalMemory`] as it goes, so no buffer the size of the table is
//! needed; the iterators walk the same memory again.

use core::fmt;
use core::iter::FusedIterator;

use crate::error::AcpiError;
use crate::fields::{u32_at, u8_at};
use crate::header::{SdtHeader, TableRef, HEADER_LEN};
use crate::madt_entry::{
    min_length, InterruptSourceOverride, IoApic, LocalApicNmi, MadtEntry, Processor, MAX_DECODED_LEN,
};
use crate::memory::{read_at, PhysicalMemory};
use crate::signature::{Signature, TableName};
use crate::summary::CpuSummary;

/// Length of the MADT's fixed part: the header, the local APIC address and
/// the flags. The interrupt controller structures start here.
pub const MADT_FIXED_LEN: u32 = HEADER_LEN + 8;
/// MADT flags bit 0: the machine also has a PC-AT-compatible dual 8259
/// interrupt controller, which must be masked before the I/O APICs are used.
pub const PCAT_COMPAT: u32 = 1 << 0;
/// How errors name the MADT.
const NAME: TableName = TableName::Table(Signature::MADT);

/// A validated MADT, read through the memory it lives in.
pub struct Madt<'m, M: PhysicalMemory + ?Sized> {
    mem: &'m M,
    phys: u64,
    header: SdtHeader,
    local_apic_address: u32,
    flags: u32,
    local_apic_address_override: Option<u64>,
    cpus: CpuSummary,
}

impl<'m, M: PhysicalMemory + ?Sized> Madt<'m, M> {
    /// Reads and checks the MADT at `table.phys`: its header is read and
    /// checked again (signature `APIC`, length from [`MADT_FIXED_LEN`] to
    /// [`MAX_TABLE_LEN`](crate::MAX_TABLE_LEN), checksum), so a [`TableRef`]
    /// made by hand is as safe as one from [`find_table`](crate::find_table);
    /// its length is the header's. Then every interrupt controller structure
    /// is checked and the processors are counted.
    pub fn parse(mem: &'m M, table: TableRef) -> Result<Self, AcpiError> {
        let phys = table.phys;
        let header = SdtHeader::load(mem, phys, Signature::MADT, MADT_FIXED_LEN)?;
        let mut fixed = [0; 8];
        read_at(mem, NAME, phys, u64::from(HEADER_LEN), &mut fixed)?;
        let mut madt = Self {
            mem,
            phys,
            header,
            local_apic_address: u32_at(&fixed, 0),
            flags: u32_at(&fixed, 4),
            local_apic_address_override: None,
            cpus: CpuSummary::default(),
        };
        for entry in madt.entries() {
            match entry? {
                MadtEntry::LocalApic(processor) | MadtEntry::LocalX2Apic(processor) => madt.cpus.add(&processor),
                MadtEntry::LocalApicAddressOverride(address) => {
                    madt.local_apic_address_override.get_or_insert(address);
                }
                _ => {}
            }
        }
        Ok(madt)
    }

    /// Where the table is.
    #[must_use]
    pub fn table(&self) -> TableRef {
        TableRef { phys: self.phys, length: self.header.length }
    }

    /// The table's header (OEM and creator IDs for the boot report).
    #[must_use]
    pub fn header(&self) -> &SdtHeader {
        &self.header
    }

    /// The MADT's 32-bit local APIC address field.
    #[must_use]
    pub fn local_apic_address(&self) -> u32 {
        self.local_apic_address
    }

    /// The 64-bit address of the first Local APIC Address Override structure
    /// (type 5), if there is one.
    #[must_use]
    pub fn local_apic_address_override(&self) -> Option<u64> {
        self.local_apic_address_override
    }

    /// The local APIC's physical address: the override if there is one, else
    /// the 32-bit field.
    #[must_use]
    pub fn local_apic_base(&self) -> u64 {
        self.local_apic_address_override.unwrap_or(u64::from(self.local_apic_address))
    }

    /// The MADT flags.
    #[must_use]
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// Flags bit 0 ([`PCAT_COMPAT`]): dual 8259 PICs are present too.
    #[must_use]
    pub fn pc_at_compatible(&self) -> bool {
        self.flags & PCAT_COMPAT != 0
    }

    /// The processor counts, from types 0 and 9.
    #[must_use]
    pub fn cpu_summary(&self) -> CpuSummary {
        self.cpus
    }

    /// Every interrupt controller structure, in table order.
    ///
    /// [`parse`](Self::parse) checked them all, so this yields an error only
    /// if the memory stopped being readable, or changed, since; it ends after
    /// the first error.
    #[must_use]
    pub fn entries(&self) -> Entries<'m, M> {
        Entries { mem: self.mem, phys: self.phys, length: self.header.length, offset: MADT_FIXED_LEN, failed: false }
    }

    /// The processors (types 0 and 9), in table order, which firmware should
    /// start with the boot processor. Ends early where [`entries`](Self::entries)
    /// yields an error.
    pub fn processors(&self) -> impl Iterator<Item = Processor> + 'm {
        self.entries().map_while(Result::ok).filter_map(|entry| entry.processor())
    }

    /// The I/O APICs (type 1). Ends early where [`entries`](Self::entries)
    /// yields an error.
    pub fn io_apics(&self) -> impl Iterator<Item = IoApic> + 'm {
        self.entries().map_while(Result::ok).filter_map(|entry| match entry {
            MadtEntry::IoApic(io_apic) => Some(io_apic),
            _ => None,
        })
    }

    /// The interrupt source overrides (type 2). Ends early where
    /// [`entries`](Self::entries) yields an error.
    pub fn overrides(&self) -> impl Iterator<Item = InterruptSourceOverride> + 'm {
        self.entries().map_while(Result::ok).filter_map(|entry| match entry {
            MadtEntry::InterruptSourceOverride(source_override) => Some(source_override),
            _ => None,
        })
    }

    /// The local APIC NMI inputs (type 4). Ends early where
    /// [`entries`](Self::entries) yields an error.
    pub fn local_apic_nmis(&self) -> impl Iterator<Item = LocalApicNmi> + 'm {
        self.entries().map_while(Result::ok).filter_map(|entry| match entry {
            MadtEntry::LocalApicNmi(nmi) => Some(nmi),
            _ => None,
        })
    }
}

impl<M: PhysicalMemory + ?Sized> Clone for Madt<'_, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: PhysicalMemory + ?Sized> Copy for Madt<'_, M> {}

impl<M: PhysicalMemory + ?Sized> fmt::Debug for Madt<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Madt")
            .field("phys", &self.phys)
            .field("header", &self.header)
            .field("local_apic_address", &self.local_apic_address)
            .field("flags", &self.flags)
            .field("local_apic_address_override", &self.local_apic_address_override)
            .field("cpus", &self.cpus)
            .finish_non_exhaustive()
    }
}

/// The iterator over a MADT's interrupt controller structures, from
/// [`Madt::entries`].
pub struct Entries<'m, M: PhysicalMemory + ?Sized> {
    mem: &'m M,
    phys: u64,
    length: u32,
    offset: u32,
    failed: bool,
}

impl<M: PhysicalMemory + ?Sized> Entries<'_, M> {
    /// Reads and checks the structure at `self.offset`, which has `remaining`
    /// (at least 2) bytes of table left; returns it with its length.
    fn read_entry(&self, remaining: u32) -> Result<(MadtEntry, u8), AcpiError> {
        let mut bytes = [0; MAX_DECODED_LEN];
        let (head, body) = bytes.split_at_mut(2);
        let offset = u64::from(self.offset);
        read_at(self.mem, NAME, self.phys, offset, head)?;
        let (entry_type, length) = (u8_at(head, 0), u8_at(head, 1));
        let min = min_length(entry_type);
        if length < min {
            return Err(AcpiError::EntryTooShort {
                table: NAME,
                phys: self.phys,
                offset: self.offset,
                entry_type,
                length,
                min,
            });
        }
        if u32::from(length) > remaining {
            return Err(AcpiError::EntryOverrun {
                table: NAME,
                phys: self.phys,
                offset: self.offset,
                entry_type,
                length,
                table_length: self.length,
            });
        }
        if let Some(fields) = body.get_mut(..usize::from(min - 2)).filter(|fields| !fields.is_empty()) {
            read_at(self.mem, NAME, self.phys, offset + 2, fields)?;
        }
        Ok((MadtEntry::decode(entry_type, length, &bytes), length))
    }
}

impl<M: PhysicalMemory + ?Sized> Iterator for Entries<'_, M> {
    type Item = Result<MadtEntry, AcpiError>;

    fn next(&mut self) -> Option<Self::Item> {
        // Fewer than two bytes left cannot hold a structure: the end (a
        // stray trailing byte is ignored).
        let remaining = self.length.checked_sub(self.offset).filter(|&remaining| remaining >= 2);
        let remaining = remaining.filter(|_| !self.failed)?;
        let entry = self.read_entry(remaining);
        match entry {
            // `length` is at least 2 and at most `remaining`: progress, and no overflow.
            Ok((_, length)) => self.offset += u32::from(length),
            Err(_) => self.failed = true,
        }
        Some(entry.map(|(entry, _)| entry))
    }
}

impl<M: PhysicalMemory + ?Sized> FusedIterator for Entries<'_, M> {}

impl<M: PhysicalMemory + ?Sized> Clone for Entries<'_, M> {
    fn clone(&self) -> Self {
        Self { mem: self.mem, phys: self.phys, length: self.length, offset: self.offset, failed: self.failed }
    }
}

impl<M: PhysicalMemory + ?Sized> fmt::Debug for Entries<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entries")
            .field("phys", &self.phys)
            .field("length", &self.length)
            .field("offset", &self.offset)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inti::MpsIntiFlags;
    use crate::test_tables::{
        io_apic, local_apic, local_apic_nmi, madt, override_entry, sdt, source_override, x2apic, FakeMemory,
    };
    use core::cell::Cell;

    const AT: u64 = 0x7fe_3000;

    fn memory_with(table: &[u8]) -> FakeMemory {
        let mut mem = FakeMemory::new();
        mem.put(AT, table);
        mem
    }

    fn table(mem: &FakeMemory) -> TableRef {
        TableRef { phys: AT, length: u32::try_from(mem.region(AT).len()).unwrap() }
    }

    #[test]
    fn the_fixed_fields_and_every_entry_are_read() {
        let bytes = madt(
            0xfee0_0000,
            PCAT_COMPAT,
            &[
                &local_apic(0, 0, 1),
                &io_apic(1, 0xfec0_0000, 0),
                &source_override(0, 0, 2, 0),
                &local_apic_nmi(0xff, 0, 1),
                &[0x7f, 3, 0xaa],
                &x2apic(0x100, 1, 1),
            ],
        );
        let mem = memory_with(&bytes);
        let madt = Madt::parse(&mem, table(&mem)).unwrap();
        assert_eq!(madt.local_apic_address(), 0xfee0_0000);
        assert_eq!(madt.local_apic_base(), 0xfee0_0000);
        assert_eq!(madt.local_apic_address_override(), None);
        assert!(madt.pc_at_compatible());
        assert_eq!(madt.flags(), 1);
        assert_eq!(madt.table(), TableRef { phys: AT, length: u32::try_from(bytes.len()).unwrap() });
        assert_eq!(madt.header().signature, Signature::MADT);
        let entries: Vec<_> = madt.entries().collect::<Result<_, _>>().unwrap();
        assert_eq!(entries.len(), 6);
        assert_eq!(entries[4], MadtEntry::Other { entry_type: 0x7f, length: 3 });
        assert_eq!(madt.cpu_summary(), CpuSummary { enabled: 2, online_capable: 0, total_entries: 2 });
        let ids: Vec<u32> = madt.processors().map(|p| p.apic_id).collect();
        assert_eq!(ids, [0, 0x100]);
        assert_eq!(madt.io_apics().collect::<Vec<_>>(), [IoApic { id: 1, address: 0xfec0_0000, gsi_base: 0 }]);
        assert_eq!(madt.overrides().map(|o| (o.source, o.gsi)).collect::<Vec<_>>(), [(0, 2)]);
        assert_eq!(
            madt.local_apic_nmis().collect::<Vec<_>>(),
            [LocalApicNmi { acpi_uid: 0xff, flags: MpsIntiFlags(0), lint: 1 }]
        );
        let debug = format!("{madt:?}");
        assert!(debug.starts_with(&format!("Madt {{ phys: {AT}, ")), "{debug}");
        assert!(debug.contains("cpus: CpuSummary { enabled: 2, online_capable: 0, total_entries: 2 }"), "{debug}");
    }

    #[test]
    fn the_first_address_override_wins_and_supersedes_the_32_bit_field() {
        let bytes = madt(0xfee0_0000, 0, &[&override_entry(0x1_0000_0000), &override_entry(0x2_0000_0000)]);
        let mem = memory_with(&bytes);
        let madt = Madt::parse(&mem, table(&mem)).unwrap();
        assert_eq!(madt.local_apic_address(), 0xfee0_0000);
        assert_eq!(madt.local_apic_address_override(), Some(0x1_0000_0000));
        assert_eq!(madt.local_apic_base(), 0x1_0000_0000);
        assert!(!madt.pc_at_compatible());
    }

    #[test]
    fn a_madt_with_no_entries_has_no_processors() {
        let mem = memory_with(&madt(0xfee0_0000, 0, &[]));
        let madt = Madt::parse(&mem, table(&mem)).unwrap();
        assert_eq!(madt.cpu_summary(), CpuSummary::default());
        assert_eq!(madt.entries().count(), 0);
    }

    #[test]
    fn an_entry_overrunning_the_table_is_refused() {
        // The x2APIC entry claims 16 bytes but only 8 are left in the table.
        let mut last = x2apic(1, 1, 1);
        last.truncate(8);
        let bytes = madt(0xfee0_0000, 0, &[&local_apic(0, 0, 1), &last]);
        let mem = memory_with(&bytes);
        assert_eq!(
            Madt::parse(&mem, table(&mem)).unwrap_err(),
            AcpiError::EntryOverrun { table: NAME, phys: AT, offset: 52, entry_type: 9, length: 16, table_length: 60 }
        );
    }

    #[test]
    fn an_unknown_entry_overrunning_the_table_is_refused_too() {
        let bytes = madt(0xfee0_0000, 0, &[&[0x80, 200, 0, 0]]);
        let mem = memory_with(&bytes);
        assert!(matches!(
            Madt::parse(&mem, table(&mem)),
            Err(AcpiError::EntryOverrun { offset: 44, entry_type: 0x80, length: 200, table_length: 48, .. })
        ));
    }

    #[test]
    fn entry_lengths_of_zero_or_one_stop_the_walk_with_an_error() {
        for length in [0u8, 1] {
            let bytes = madt(0xfee0_0000, 0, &[&local_apic(0, 0, 1), &[0x7f, length, 0, 0, 0, 0]]);
            let mem = memory_with(&bytes);
            assert_eq!(
                Madt::parse(&mem, table(&mem)).unwrap_err(),
                AcpiError::EntryTooShort { table: NAME, phys: AT, offset: 52, entry_type: 0x7f, length, min: 2 }
            );
        }
    }

    #[test]
    fn an_entry_shorter_than_its_type_is_refused() {
        let mut short = local_apic(0, 0, 1);
        short[1] = 6;
        let bytes = madt(0xfee0_0000, 0, &[&short[..6], &local_apic(1, 1, 1)]);
        let mem = memory_with(&bytes);
        assert!(matches!(
            Madt::parse(&mem, table(&mem)),
            Err(AcpiError::EntryTooShort { offset: 44, entry_type: 0, length: 6, min: 8, .. })
        ));
    }

    #[test]
    fn longer_entries_than_their_layout_are_accepted_and_skipped_whole() {
        let mut long = local_apic(2, 3, 1);
        long[1] = 12;
        long.extend_from_slice(&[0xee; 4]);
        let bytes = madt(0xfee0_0000, 0, &[&long, &local_apic(4, 5, 1)]);
        let mem = memory_with(&bytes);
        let madt = Madt::parse(&mem, table(&mem)).unwrap();
        let ids: Vec<(u32, u32)> = madt.processors().map(|p| (p.acpi_uid, p.apic_id)).collect();
        assert_eq!(ids, [(2, 3), (4, 5)]);
    }

    #[test]
    fn a_trailing_byte_is_not_an_entry() {
        let bytes = madt(0xfee0_0000, 0, &[&local_apic(0, 0, 1), &[0x00]]);
        let mem = memory_with(&bytes);
        let madt = Madt::parse(&mem, table(&mem)).unwrap();
        assert_eq!(madt.entries().count(), 1);
    }

    #[test]
    fn the_header_is_checked_again() {
        let mut bytes = madt(0xfee0_0000, 0, &[&local_apic(0, 0, 1)]);
        bytes[44 + 3] = 9; // the APIC ID, without fixing the checksum
        let mem = memory_with(&bytes);
        assert!(matches!(Madt::parse(&mem, table(&mem)), Err(AcpiError::BadChecksum { table: NAME, .. })));
        let facp = memory_with(&sdt(b"FACP", 1, &[0; 80]));
        assert!(matches!(Madt::parse(&facp, table(&facp)), Err(AcpiError::BadSignature { table: NAME, .. })));
        // The header's length counts, not the caller's.
        let mem = memory_with(&madt(0xfee0_0000, 0, &[&local_apic(0, 0, 1)]));
        let madt = Madt::parse(&mem, TableRef { phys: AT, length: 9999 }).unwrap();
        assert_eq!(madt.table().length, 52);
        assert_eq!(madt.cpu_summary().total_entries, 1);
    }

    #[test]
    fn a_madt_without_room_for_its_fixed_fields_is_refused() {
        let mem = memory_with(&sdt(b"APIC", 1, &[0; 4]));
        assert!(matches!(
            Madt::parse(&mem, table(&mem)),
            Err(AcpiError::LengthOutOfRange { length: 40, min: MADT_FIXED_LEN, .. })
        ));
    }

    /// Memory that can be switched off after the table was validated.
    struct Flaky<'a> {
        inner: &'a FakeMemory,
        readable: Cell<bool>,
    }

    impl PhysicalMemory for Flaky<'_> {
        fn read(&self, phys: u64, buf: &mut [u8]) -> bool {
            self.readable.get() && self.inner.read(phys, buf)
        }
    }

    #[test]
    fn memory_lost_after_parsing_ends_the_iterators_and_is_reported_by_entries() {
        let bytes = madt(0xfee0_0000, 0, &[&local_apic(0, 0, 1), &local_apic(1, 1, 1)]);
        let inner = memory_with(&bytes);
        let mem = Flaky { inner: &inner, readable: Cell::new(true) };
        let madt = Madt::parse(&mem, table(&inner)).unwrap();
        mem.readable.set(false);
        assert_eq!(madt.processors().count(), 0);
        let mut entries = madt.entries();
        assert_eq!(entries.next(), Some(Err(AcpiError::Unreadable { table: NAME, phys: AT, offset: 44, len: 2 })));
        mem.readable.set(true);
        assert_eq!(entries.next(), None, "the iterator stays ended after an error");
        // The summary was taken while the memory was good.
        assert_eq!(madt.cpu_summary().enabled, 2);
        assert_eq!(madt.processors().count(), 2);
    }
}
