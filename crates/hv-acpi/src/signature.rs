//! Table signatures and the names under which errors report a structure.
//!
//! Every system description table starts with a four-byte ASCII signature
//! (ACPI 6.5 §5.2.6, listed in §5.2.6's signature tables): `RSDT`, `XSDT`,
//! `APIC` for the MADT, `FACP` for the FADT and so on. The RSDP (§5.2.5.3)
//! has an eight-byte one, `"RSD PTR "`, and no table header.

use core::fmt;

use crate::ascii::Ascii;

/// The four-byte signature of a system description table.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; 4]);

impl Signature {
    /// `RSDT`, the Root System Description Table (32-bit entries, §5.2.7).
    pub const RSDT: Self = Self(*b"RSDT");
    /// `XSDT`, the Extended System Description Table (64-bit entries, §5.2.8).
    pub const XSDT: Self = Self(*b"XSDT");
    /// `APIC`, the Multiple APIC Description Table (MADT, §5.2.12).
    pub const MADT: Self = Self(*b"APIC");
    /// `FACP`, the Fixed ACPI Description Table (FADT, §5.2.9).
    pub const FADT: Self = Self(*b"FACP");
    /// `HPET`, the IA-PC High Precision Event Timer Table.
    pub const HPET: Self = Self(*b"HPET");
    /// `MCFG`, the PCI Express memory-mapped configuration space table.
    pub const MCFG: Self = Self(*b"MCFG");

    /// The signature's bytes.
    #[must_use]
    pub const fn bytes(self) -> [u8; 4] {
        self.0
    }

    /// The table's usual name when it differs from its signature (`MADT` for
    /// `APIC`, `FADT` for `FACP`).
    #[must_use]
    pub fn common_name(self) -> Option<&'static str> {
        match &self.0 {
            b"APIC" => Some("MADT"),
            b"FACP" => Some("FADT"),
            _ => None,
        }
    }
}

impl From<[u8; 4]> for Signature {
    fn from(bytes: [u8; 4]) -> Self {
        Self(bytes)
    }
}

impl From<&[u8; 4]> for Signature {
    fn from(bytes: &[u8; 4]) -> Self {
        Self(*bytes)
    }
}

/// The signature's bytes as text, non-printable ones escaped.
impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ascii(&self.0).fmt(f)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature(\"{self}\")")
    }
}

/// Which structure an [`AcpiError`](crate::AcpiError) is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableName {
    /// The Root System Description Pointer.
    Rsdp,
    /// The table with this signature.
    Table(Signature),
    /// Entry `index` (from 0) of the root table `root` (RSDT or XSDT), whose
    /// signature could not be read.
    RootEntry {
        /// `RSDT` or `XSDT`.
        root: Signature,
        /// The entry's index.
        index: u32,
    },
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsdp => f.write_str("RSDP"),
            Self::Table(signature) => match signature.common_name() {
                Some(name) => write!(f, "{name} (\"{signature}\")"),
                None => write!(f, "\"{signature}\" table"),
            },
            Self::RootEntry { root, index } => write!(f, "entry {index} of the {root}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_naturally() {
        assert_eq!(TableName::Rsdp.to_string(), "RSDP");
        assert_eq!(TableName::Table(Signature::MADT).to_string(), "MADT (\"APIC\")");
        assert_eq!(TableName::Table(Signature::FADT).to_string(), "FADT (\"FACP\")");
        assert_eq!(TableName::Table(Signature::XSDT).to_string(), "\"XSDT\" table");
        assert_eq!(TableName::Table(Signature(*b"A\0\x01Z")).to_string(), "\"A\\x00\\x01Z\" table");
        assert_eq!(TableName::RootEntry { root: Signature::RSDT, index: 7 }.to_string(), "entry 7 of the RSDT");
    }

    #[test]
    fn signatures_convert_and_show() {
        assert_eq!(Signature::from(*b"APIC"), Signature::MADT);
        assert_eq!(Signature::from(b"HPET"), Signature::HPET);
        assert_eq!(Signature::MCFG.bytes(), *b"MCFG");
        assert_eq!(format!("{:?}", Signature::XSDT), "Signature(\"XSDT\")");
        assert_eq!(Signature::HPET.common_name(), None);
    }
}
