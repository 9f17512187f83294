//! Why a firmware table was rejected.
//!
//! The boot report prints these on the console of a machine we know nothing
//! about, so each message names the structure (the RSDP, or a table by its
//! ACPI 6.5 §5.2.6 signature), its physical address in hex and the problem,
//! with the numbers that show it: the checksum byte found and the one that
//! would have been right, the length found and the range allowed, the entry's
//! offset and length.

use core::fmt;

use crate::ascii::Ascii;
use crate::rsdp::RSDP_SIGNATURE;
use crate::signature::{Signature, TableName};

/// Why [`Rsdp::parse`](crate::Rsdp::parse), [`find_table`](crate::find_table)
/// or [`Madt::parse`](crate::Madt::parse) rejected what it found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcpiError {
    /// Memory the structure needs could not be read: the structure is
    /// truncated (its length runs into memory that is not there), or the
    /// address is wrong.
    Unreadable {
        /// The structure being read.
        table: TableName,
        /// Its physical address.
        phys: u64,
        /// Offset of the unreadable bytes from `phys`.
        offset: u64,
        /// How many bytes were asked for.
        len: u64,
    },
    /// The structure does not start with its signature.
    BadSignature {
        /// The structure expected (which implies its signature).
        table: TableName,
        /// Its physical address.
        phys: u64,
        /// The bytes found: all eight for the RSDP, the first four (the rest
        /// zero) for a table.
        found: [u8; 8],
    },
    /// The structure's bytes do not sum to zero.
    BadChecksum {
        /// The structure.
        table: TableName,
        /// Its physical address.
        phys: u64,
        /// How many bytes were summed (20 for the RSDP's first checksum, its
        /// length for the RSDP's extended checksum and for tables).
        len: u32,
        /// The checksum byte found.
        stored: u8,
        /// The checksum byte that would make the bytes sum to zero.
        expected: u8,
    },
    /// The structure's length field is below what its fixed fields need or
    /// above the bound this crate accepts.
    LengthOutOfRange {
        /// The structure.
        table: TableName,
        /// Its physical address.
        phys: u64,
        /// The length field.
        length: u32,
        /// The least length accepted.
        min: u32,
        /// The greatest length accepted.
        max: u32,
    },
    /// A root table lists more entries than [`MAX_ROOT_ENTRIES`](crate::MAX_ROOT_ENTRIES).
    TooManyEntries {
        /// The RSDT or XSDT.
        table: TableName,
        /// Its physical address.
        phys: u64,
        /// The number of entries its length implies.
        count: u32,
        /// The most accepted.
        max: u32,
    },
    /// The RSDP names neither an XSDT nor an RSDT (both addresses are zero).
    NoRootTable {
        /// The RSDP's physical address.
        phys: u64,
    },
    /// An interrupt controller structure's length is shorter than its type
    /// needs (at least 2 for any type), which would also stop the walk from
    /// advancing.
    EntryTooShort {
        /// The table (the MADT).
        table: TableName,
        /// Its physical address.
        phys: u64,
        /// The entry's offset from the start of the table.
        offset: u32,
        /// The entry's type.
        entry_type: u8,
        /// The entry's length field.
        length: u8,
        /// The least length its type needs.
        min: u8,
    },
    /// An interrupt controller structure's length runs past the end of its
    /// table.
    EntryOverrun {
        /// The table (the MADT).
        table: TableName,
        /// Its physical address.
        phys: u64,
        /// The entry's offset from the start of the table.
        offset: u32,
        /// The entry's type.
        entry_type: u8,
        /// The entry's length field.
        length: u8,
        /// The table's length.
        table_length: u32,
    },
    /// No valid table with the signature is listed in the root table.
    NotFound {
        /// The signature looked for.
        signature: Signature,
        /// The root table searched, `RSDT` or `XSDT`.
        root: Signature,
        /// The root table's physical address.
        phys: u64,
    },
}

impl fmt::Display for AcpiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Unreadable { table, phys, offset, len } => write!(
                f,
                "{table} at {phys:#x}: cannot read {len} bytes at offset {offset:#x} ({:#x}): the structure is \
                 truncated or its address is wrong",
                phys.wrapping_add(offset)
            ),
            Self::BadSignature { table, phys, found } => {
                let short = found.get(..4).unwrap_or(&found);
                match table {
                    TableName::Rsdp => write!(
                        f,
                        "RSDP at {phys:#x}: signature is \"{}\", expected \"{}\"",
                        Ascii(&found),
                        Ascii(&RSDP_SIGNATURE)
                    ),
                    TableName::Table(signature) => {
                        write!(f, "{table} at {phys:#x}: signature is \"{}\", expected \"{signature}\"", Ascii(short))
                    }
                    TableName::RootEntry { .. } => {
                        write!(f, "{table} at {phys:#x}: unexpected signature \"{}\"", Ascii(short))
                    }
                }
            }
            Self::BadChecksum { table, phys, len, stored, expected } => write!(
                f,
                "{table} at {phys:#x}: bad checksum over {len} bytes: the checksum byte is {stored:#04x}, it should be \
                 {expected:#04x} for the bytes to sum to zero: the table is corrupt"
            ),
            Self::LengthOutOfRange { table, phys, length, min, max } => write!(
                f,
                "{table} at {phys:#x}: length {length:#x} is out of range, it must be {min:#x} to {max:#x} bytes"
            ),
            Self::TooManyEntries { table, phys, count, max } => {
                write!(f, "{table} at {phys:#x}: lists {count} tables, at most {max} are supported")
            }
            Self::NoRootTable { phys } => {
                write!(f, "RSDP at {phys:#x}: gives neither an XSDT nor an RSDT address")
            }
            Self::EntryTooShort { table, phys, offset, entry_type, length, min } => write!(
                f,
                "{table} at {phys:#x}: entry of type {entry_type} at offset {offset:#x} has length {length}, \
                 at least {min} needed"
            ),
            Self::EntryOverrun { table, phys, offset, entry_type, length, table_length } => write!(
                f,
                "{table} at {phys:#x}: entry of type {entry_type} at offset {offset:#x} with length {length} runs \
                 past the table's end at {table_length:#x}"
            ),
            Self::NotFound { signature, root, phys } => {
                write!(f, "no valid \"{signature}\" table is listed in the {root} at {phys:#x}")
            }
        }
    }
}

impl core::error::Error for AcpiError {}

#[cfg(test)]
mod tests {
    use super::*;

    const MADT: TableName = TableName::Table(Signature::MADT);

    #[test]
    fn messages_name_the_table_the_address_and_the_problem() {
        let unreadable = AcpiError::Unreadable { table: MADT, phys: 0x7fe_1000, offset: 0x40, len: 8 };
        assert_eq!(
            unreadable.to_string(),
            "MADT (\"APIC\") at 0x7fe1000: cannot read 8 bytes at offset 0x40 (0x7fe1040): the structure is \
             truncated or its address is wrong"
        );
        let checksum =
            AcpiError::BadChecksum { table: TableName::Rsdp, phys: 0xf5a0, len: 20, stored: 0x12, expected: 0x11 };
        assert_eq!(
            checksum.to_string(),
            "RSDP at 0xf5a0: bad checksum over 20 bytes: the checksum byte is 0x12, it should be 0x11 for the \
             bytes to sum to zero: the table is corrupt"
        );
        let length = AcpiError::LengthOutOfRange { table: MADT, phys: 0x1000, length: 0x28, min: 0x2c, max: 0x10_0000 };
        assert_eq!(
            length.to_string(),
            "MADT (\"APIC\") at 0x1000: length 0x28 is out of range, it must be 0x2c to 0x100000 bytes"
        );
        let overrun = AcpiError::EntryOverrun {
            table: MADT,
            phys: 0x1000,
            offset: 0x2c,
            entry_type: 9,
            length: 16,
            table_length: 0x34,
        };
        assert_eq!(
            overrun.to_string(),
            "MADT (\"APIC\") at 0x1000: entry of type 9 at offset 0x2c with length 16 runs past the table's end at 0x34"
        );
        let short =
            AcpiError::EntryTooShort { table: MADT, phys: 0x1000, offset: 0x30, entry_type: 0, length: 0, min: 8 };
        assert_eq!(
            short.to_string(),
            "MADT (\"APIC\") at 0x1000: entry of type 0 at offset 0x30 has length 0, at least 8 needed"
        );
        let missing = AcpiError::NotFound { signature: Signature::MADT, root: Signature::XSDT, phys: 0x2000 };
        assert_eq!(missing.to_string(), "no valid \"APIC\" table is listed in the XSDT at 0x2000");
        assert_eq!(
            AcpiError::NoRootTable { phys: 0xe0000 }.to_string(),
            "RSDP at 0xe0000: gives neither an XSDT nor an RSDT address"
        );
        let many = AcpiError::TooManyEntries {
            table: TableName::Table(Signature::XSDT),
            phys: 0x3000,
            count: 2000,
            max: 1024,
        };
        assert_eq!(many.to_string(), "\"XSDT\" table at 0x3000: lists 2000 tables, at most 1024 are supported");
    }

    #[test]
    fn bad_signatures_show_what_was_found_and_expected() {
        let rsdp = AcpiError::BadSignature { table: TableName::Rsdp, phys: 0xe0000, found: *b"RSD PTX\0" };
        assert_eq!(rsdp.to_string(), "RSDP at 0xe0000: signature is \"RSD PTX\\x00\", expected \"RSD PTR \"");
        let table =
            AcpiError::BadSignature { table: TableName::Table(Signature::XSDT), phys: 0x10, found: *b"RSDT\0\0\0\0" };
        assert_eq!(table.to_string(), "\"XSDT\" table at 0x10: signature is \"RSDT\", expected \"XSDT\"");
    }
}
