//! Errors the EPT builder reports.
//!
//! Every operation validates its whole request before it changes anything, so
//! an error always means "nothing happened". Each variant names the address
//! involved, printed in hex, so a log line is enough to find the offending
//! caller.

use core::fmt;

use crate::Access;

/// Why an [`Ept`](crate::Ept) operation was refused. The EPT is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EptError {
    /// An address or length is not a multiple of 4 KiB.
    Misaligned {
        /// Which argument: `"gpa"`, `"hpa"` or `"len"`.
        what: &'static str,
        /// Its value.
        value: u64,
    },
    /// The length is zero.
    ZeroLength,
    /// `addr + len` overflows or exceeds `limit`: 2^48 for guest-physical
    /// addresses (4-level walk), 2^52 for host-physical ones (the widest
    /// address an entry can hold).
    OutOfRange {
        /// Start of the range.
        addr: u64,
        /// Its length.
        len: u64,
        /// First address the range may not reach past.
        limit: u64,
    },
    /// [`map`](crate::Ept::map) found `gpa` already mapped; remapping needs an
    /// explicit [`unmap`](crate::Ept::unmap) first.
    Overlap {
        /// The lowest already-mapped guest-physical address in the range.
        gpa: u64,
    },
    /// [`unmap`](crate::Ept::unmap) or [`protect`](crate::Ept::protect) found
    /// `gpa` not mapped.
    NotMapped {
        /// The lowest unmapped guest-physical address in the range.
        gpa: u64,
    },
    /// The rights cannot be those of a present EPT entry on this processor.
    InvalidAccess {
        /// The rights asked for.
        access: Access,
        /// Why they are refused.
        reason: &'static str,
    },
    /// [`TableMemory::allocate_table`](crate::TableMemory::allocate_table)
    /// returned `None`. The tables obtained so far were given back.
    OutOfMemory {
        /// How many new tables the operation needed.
        tables: usize,
    },
    /// A page-walk length other than 4 was asked for.
    UnsupportedPageWalk {
        /// The length asked for.
        levels: u8,
    },
    /// The processor lacks something the configuration needs.
    Unsupported(&'static str),
    /// The EPT's tables were given back by [`free_all`](crate::Ept::free_all).
    Freed,
}

impl fmt::Display for EptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Misaligned { what, value } => write!(f, "EPT {what} {value:#x} is not 4 KiB aligned"),
            Self::ZeroLength => write!(f, "EPT range of length zero"),
            Self::OutOfRange { addr, len, limit } => {
                write!(f, "EPT range {addr:#x} + {len:#x} reaches beyond {limit:#x}")
            }
            Self::Overlap { gpa } => write!(f, "guest-physical address {gpa:#x} is already mapped in the EPT"),
            Self::NotMapped { gpa } => write!(f, "guest-physical address {gpa:#x} is not mapped in the EPT"),
            Self::InvalidAccess { access, reason } => {
                write!(f, "EPT access rights {:#05b} refused: {reason}", access.bits())
            }
            Self::OutOfMemory { tables } => {
                write!(f, "out of memory for EPT tables ({tables} new tables needed); nothing was changed")
            }
            Self::UnsupportedPageWalk { levels } => {
                write!(f, "EPT page-walk length {levels} is not supported (only 4)")
            }
            Self::Unsupported(what) => write!(f, "EPT configuration not supported: {what}"),
            Self::Freed => write!(f, "the EPT's tables were already freed"),
        }
    }
}

impl core::error::Error for EptError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_addresses_in_hex() {
        let e = EptError::Misaligned { what: "hpa", value: 0x4000_1001 };
        assert_eq!(e.to_string(), "EPT hpa 0x40001001 is not 4 KiB aligned");
        let e = EptError::OutOfRange { addr: 0xffff_f000_0000, len: 0x2000_0000, limit: 1 << 48 };
        assert_eq!(e.to_string(), "EPT range 0xfffff0000000 + 0x20000000 reaches beyond 0x1000000000000");
        assert!(EptError::Overlap { gpa: 0x20_0000 }.to_string().contains("0x200000 is already mapped"));
        assert!(EptError::NotMapped { gpa: 0x3000 }.to_string().contains("0x3000 is not mapped"));
    }

    #[test]
    fn other_messages() {
        let e = EptError::InvalidAccess { access: Access::WRITE, reason: "write without read" };
        assert_eq!(e.to_string(), "EPT access rights 0b010 refused: write without read");
        assert!(EptError::OutOfMemory { tables: 3 }.to_string().contains("3 new tables"));
        assert!(EptError::UnsupportedPageWalk { levels: 5 }.to_string().contains("length 5"));
        assert!(EptError::Unsupported("A/D flags").to_string().ends_with("A/D flags"));
        assert_eq!(EptError::ZeroLength.to_string(), "EPT range of length zero");
        assert!(EptError::Freed.to_string().contains("freed"));
    }
}
