//! I/O port ranges: what a partition may pass through to real hardware, how
//! they are written in the manifest, and which ports the hypervisor keeps.
//!
//! Every port is intercepted unless the manifest passes it through. A port
//! passed through reaches the device directly, with no hypervisor in between,
//! so it can belong to one partition only, and never to a device the
//! hypervisor itself depends on ([`RESERVED_PORTS`]).

use alloc::string::String;
use core::fmt;

/// An inclusive range of I/O ports, `first..=last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    /// The first port.
    pub first: u16,
    /// The last port (inclusive); a valid range has `first <= last`.
    pub last: u16,
}

impl PortRange {
    /// The range `first..=last`.
    #[must_use]
    pub const fn new(first: u16, last: u16) -> Self {
        Self { first, last }
    }

    /// The single port `port`.
    #[must_use]
    pub const fn single(port: u16) -> Self {
        Self { first: port, last: port }
    }

    /// Whether `first <= last`.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.first <= self.last
    }

    /// The ports both ranges contain, if any.
    #[must_use]
    pub fn intersection(&self, other: &Self) -> Option<Self> {
        let first = self.first.max(other.first);
        let last = self.last.min(other.last);
        (first <= last).then_some(Self { first, last })
    }

    /// Parses the manifest notation: one port (`"0x80"`, `"128"`) or an
    /// inclusive range (`"0x2f8-0x2ff"`); numbers are hexadecimal with `0x`,
    /// otherwise decimal. A backwards range parses (validation reports it).
    pub fn parse(text: &str) -> Result<Self, PortParseError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PortParseError::Empty);
        }
        let parsed = match text.split_once('-') {
            Some((first, last)) => port(first).and_then(|first| Ok(Self { first, last: port(last)? })),
            None => port(text).map(Self::single),
        };
        // Name the whole string, not the half that failed: `0x80-` is clearer
        // than an empty second number.
        parsed.map_err(|error| match error {
            PortParseError::NotANumber(_) => PortParseError::NotANumber(text.into()),
            other => other,
        })
    }
}

/// One port number: hexadecimal with `0x`, otherwise decimal.
fn port(text: &str) -> Result<u16, PortParseError> {
    let text = text.trim();
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(PortParseError::NotANumber(text.into()));
    }
    // Only digits remain, so the conversion fails only by overflowing.
    u32::from_str_radix(digits, radix)
        .ok()
        .and_then(|value| u16::try_from(value).ok())
        .ok_or_else(|| PortParseError::OutOfRange(text.into()))
}

impl fmt::Display for PortRange {
    /// `0x80` for one port, `0x2f8-0x2ff` for a range: the manifest notation.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{:#x}", self.first)
        } else {
            write!(f, "{:#x}-{:#x}", self.first, self.last)
        }
    }
}

/// Why a port string did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortParseError {
    /// The string is empty.
    Empty,
    /// A part is not a number (hexadecimal needs `0x`).
    NotANumber(String),
    /// A number is above 0xffff, the last I/O port.
    OutOfRange(String),
}

impl fmt::Display for PortParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the port is empty"),
            Self::NotANumber(text) => write!(f, "`{text}` is not a port number or a range of ports"),
            Self::OutOfRange(text) => write!(f, "`{text}` is above 0xffff, the last I/O port"),
        }
    }
}

/// Ports the hypervisor keeps for itself, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReservedPorts {
    /// The ports.
    pub range: PortRange,
    /// Why no partition may have them.
    pub reason: &'static str,
}

/// The ports no partition may pass through.
pub const RESERVED_PORTS: &[ReservedPorts] = &[
    ReservedPorts {
        range: PortRange::new(0x20, 0x21),
        reason: "the master PIC: the hypervisor owns interrupt delivery",
    },
    ReservedPorts { range: PortRange::new(0x40, 0x43), reason: "the PIT: the hypervisor calibrates its clock with it" },
    ReservedPorts {
        range: PortRange::single(0x61),
        reason: "PIT channel 2's gate and the NMI status: the hypervisor calibrates its clock with it (partitions get a virtual one)",
    },
    ReservedPorts {
        range: PortRange::new(0xa0, 0xa1),
        reason: "the slave PIC: the hypervisor owns interrupt delivery",
    },
    ReservedPorts {
        range: PortRange::single(0xe9),
        reason: "the emulator debug console the hypervisor mirrors its log to",
    },
    ReservedPorts { range: PortRange::single(0xf4), reason: "QEMU's isa-debug-exit: a write ends the whole run" },
    ReservedPorts {
        range: PortRange::new(0x3f8, 0x3ff),
        reason: "COM1, the hypervisor's console (partitions get a virtual UART there instead)",
    },
    ReservedPorts {
        range: PortRange::new(0x4d0, 0x4d1),
        reason: "the PICs' edge/level control: the hypervisor owns interrupt delivery",
    },
    ReservedPorts {
        range: PortRange::new(0xcf8, 0xcff),
        reason: "PCI configuration space: access to it reaches every device, not just one",
    },
    ReservedPorts { range: PortRange::single(0x8900), reason: "Bochs' shutdown port: a write ends the whole run" },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ports_and_ranges_parse() {
        assert_eq!(PortRange::parse("0x80"), Ok(PortRange::single(0x80)));
        assert_eq!(PortRange::parse("128"), Ok(PortRange::single(128)));
        assert_eq!(PortRange::parse(" 0x2f8-0x2FF "), Ok(PortRange::new(0x2f8, 0x2ff)));
        assert_eq!(PortRange::parse("0xffff"), Ok(PortRange::single(0xffff)));
        assert_eq!(PortRange::parse("0x2ff-0x2f8"), Ok(PortRange::new(0x2ff, 0x2f8)));
    }

    #[test]
    fn bad_ports_are_named() {
        assert_eq!(PortRange::parse(""), Err(PortParseError::Empty));
        assert_eq!(PortRange::parse("com1"), Err(PortParseError::NotANumber("com1".into())));
        assert_eq!(PortRange::parse("2f8"), Err(PortParseError::NotANumber("2f8".into())));
        assert_eq!(PortRange::parse("0x10000"), Err(PortParseError::OutOfRange("0x10000".into())));
        assert_eq!(PortRange::parse("99999999999"), Err(PortParseError::OutOfRange("99999999999".into())));
        assert_eq!(PortRange::parse("0x80-"), Err(PortParseError::NotANumber("0x80-".into())));
        assert_eq!(PortRange::parse("0x80-0x90-0xa0"), Err(PortParseError::NotANumber("0x80-0x90-0xa0".into())));
        assert_eq!(PortRange::parse("0x80-0x1ffff"), Err(PortParseError::OutOfRange("0x1ffff".into())));
        assert_eq!(PortRange::parse("-5"), Err(PortParseError::NotANumber("-5".into())));
        assert!(PortParseError::OutOfRange("0x10000".into()).to_string().contains("0xffff"));
    }

    #[test]
    fn display_uses_the_manifest_notation() {
        assert_eq!(PortRange::single(0x80).to_string(), "0x80");
        assert_eq!(PortRange::new(0x2f8, 0x2ff).to_string(), "0x2f8-0x2ff");
        for text in ["0x80", "0x2f8-0x2ff"] {
            assert_eq!(PortRange::parse(text).map(|r| r.to_string()).as_deref(), Ok(text));
        }
    }

    #[test]
    fn intersections() {
        let a = PortRange::new(0x10, 0x20);
        assert_eq!(a.intersection(&PortRange::new(0x20, 0x30)), Some(PortRange::single(0x20)));
        assert_eq!(a.intersection(&PortRange::new(0x00, 0xff)), Some(a));
        assert_eq!(a.intersection(&PortRange::new(0x21, 0x30)), None);
        assert!(!PortRange::new(2, 1).is_valid());
    }

    #[test]
    fn reserved_ports_cover_the_hypervisors_devices() {
        for port in [0x20, 0x21, 0x40, 0x43, 0xa0, 0xa1, 0xe9, 0xf4, 0x3f8, 0x3ff, 0xcf8, 0xcff, 0x8900] {
            assert!(
                RESERVED_PORTS.iter().any(|r| r.range.intersection(&PortRange::single(port)).is_some()),
                "{port:#x} not reserved"
            );
        }
        for port in [0x22, 0x80, 0x2f8, 0x3f7, 0x400, 0xcf7, 0xd00, 0x8901] {
            assert!(RESERVED_PORTS.iter().all(|r| r.range.intersection(&PortRange::single(port)).is_none()));
        }
    }
}
