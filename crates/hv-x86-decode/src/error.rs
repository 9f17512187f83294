//! Why an instruction could not be decoded for MMIO emulation. Each error
//! names the problem; the hypervisor stops the partition with the message.

use core::fmt;

/// The longest instruction the processor executes: 15 bytes (SDM Vol. 2A
/// 2.3.11 "The maximum length of an Intel 64 and IA-32 instruction remains
/// 15 bytes"; a longer one raises #GP).
pub const MAX_INSTRUCTION_LENGTH: usize = 15;

/// An opcode as errors name it: the opcode byte, whether a 0F escape came
/// before it, and the ModRM.reg extension for group opcodes (`F7 /6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Opcode {
    /// A 0F escape byte precedes `byte` (two-byte opcode map).
    pub escaped: bool,
    /// The opcode byte.
    pub byte: u8,
    /// ModRM bits 5:3 for opcodes whose operation it selects.
    pub extension: Option<u8>,
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.escaped {
            write!(f, "0F ")?;
        }
        write!(f, "{:02X}", self.byte)?;
        if let Some(reg) = self.extension {
            write!(f, " /{reg}")?;
        }
        Ok(())
    }
}

/// Why [`decode`](crate::decode) refused the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecodeError {
    /// The instruction goes on past the `fetched` bytes given (at most 15
    /// are looked at). The hypervisor may fetch more and try again.
    Truncated {
        /// How many bytes were given (counting at most 15).
        fetched: u8,
    },
    /// The instruction would be longer than 15 bytes (too many prefixes),
    /// which the processor refuses with #GP: it cannot have executed.
    TooLong,
    /// An opcode, or a form of one, this decoder does not emulate (no memory
    /// operand, or not an instruction guests use on device registers).
    UnsupportedOpcode {
        /// The opcode.
        opcode: Opcode,
    },
    /// The ModRM byte names a register (mod = 11b), so the instruction does
    /// not access memory and cannot have caused the EPT violation.
    RegisterOperand {
        /// The opcode.
        opcode: Opcode,
    },
    /// A string instruction (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS), with
    /// or without REP: the hypervisor handles those elsewhere, not by MMIO
    /// emulation.
    StringInstruction {
        /// The opcode.
        opcode: Opcode,
    },
    /// LOCK on an instruction that does not allow it (anything but a
    /// read-modify-write of memory or XCHG); the processor raises #UD, so it
    /// cannot have executed (SDM Vol. 2A 2.1.1 and "LOCK—Assert LOCK# Signal
    /// Prefix").
    LockNotAllowed {
        /// The opcode.
        opcode: Opcode,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { fetched } => write!(f, "instruction continues past the {fetched} bytes fetched"),
            Self::TooLong => write!(f, "instruction longer than {MAX_INSTRUCTION_LENGTH} bytes"),
            Self::UnsupportedOpcode { opcode } => {
                write!(f, "opcode {opcode} is not an MMIO access this hypervisor emulates")
            }
            Self::RegisterOperand { opcode } => {
                write!(f, "opcode {opcode} with a register operand (ModRM mod = 11b) does not access memory")
            }
            Self::StringInstruction { opcode } => {
                write!(f, "string instruction (opcode {opcode}) on MMIO is not emulated")
            }
            Self::LockNotAllowed { opcode } => write!(f, "LOCK prefix on opcode {opcode}, which does not allow it"),
        }
    }
}

impl core::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_opcode() {
        let group = Opcode { escaped: false, byte: 0xF7, extension: Some(6) };
        let escaped = Opcode { escaped: true, byte: 0xB6, extension: None };
        assert_eq!(group.to_string(), "F7 /6");
        assert_eq!(escaped.to_string(), "0F B6");
        assert_eq!(
            DecodeError::UnsupportedOpcode { opcode: group }.to_string(),
            "opcode F7 /6 is not an MMIO access this hypervisor emulates"
        );
        assert_eq!(
            DecodeError::RegisterOperand { opcode: escaped }.to_string(),
            "opcode 0F B6 with a register operand (ModRM mod = 11b) does not access memory"
        );
        assert_eq!(DecodeError::Truncated { fetched: 3 }.to_string(), "instruction continues past the 3 bytes fetched");
        assert_eq!(DecodeError::TooLong.to_string(), "instruction longer than 15 bytes");
    }
}
