//! The CPU mode an instruction is decoded in, and the default operand and
//! address sizes it implies (SDM Vol. 2A 2.1.1 and 2.2.1.2; Vol. 1 3.6
//! "Operand-Size and Address-Size Attributes", and 3.6.1 with Table 3-4 for
//! 64-bit mode).

use crate::size::OperandSize;

/// The mode the guest executes in at the faulting instruction, as the
/// hypervisor reads it from CR0.PE, EFER.LMA / CS.L and CS.D.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Real-address or virtual-8086 mode: 16-bit operands and addresses.
    Real16,
    /// Protected mode (or compatibility mode) with CS.D = 0: 16-bit
    /// operands and addresses.
    Protected16,
    /// Protected mode (or compatibility mode) with CS.D = 1: 32-bit
    /// operands and addresses.
    Protected32,
    /// 64-bit mode (IA-32e, CS.L = 1): 32-bit operands (64 with REX.W),
    /// 64-bit addresses, REX prefixes.
    Long64,
}

impl Mode {
    /// Whether operands and addresses default to 16 bits (CS.D = 0 or real
    /// mode).
    const fn defaults_to_16(self) -> bool {
        matches!(self, Self::Real16 | Self::Protected16)
    }

    /// The operand size of a non-byte instruction: the mode's default,
    /// switched between 16 and 32 by 0x66, 64 with REX.W in 64-bit mode
    /// (REX.W wins over 0x66; SDM Vol. 2A 2.2.1.2, Vol. 1 Table 3-4).
    pub(crate) const fn operand_size(self, operand_size_prefix: bool, rex_w: bool) -> OperandSize {
        if matches!(self, Self::Long64) && rex_w {
            OperandSize::Qword
        } else if self.defaults_to_16() != operand_size_prefix {
            OperandSize::Word
        } else {
            OperandSize::Dword
        }
    }

    /// The address size: the mode's default, changed by 0x67 (16 <-> 32
    /// outside 64-bit mode, 64 -> 32 in it; there is no 16-bit addressing
    /// in 64-bit mode).
    pub(crate) const fn address_size(self, address_size_prefix: bool) -> AddressSize {
        match (self, address_size_prefix) {
            (Self::Long64, false) => AddressSize::Bits64,
            (Self::Long64, true) | (Self::Protected32, false) => AddressSize::Bits32,
            (Self::Protected32, true) => AddressSize::Bits16,
            (Self::Real16 | Self::Protected16, false) => AddressSize::Bits16,
            (Self::Real16 | Self::Protected16, true) => AddressSize::Bits32,
        }
    }
}

/// The address size of an instruction: it selects the ModRM table (16-bit,
/// SDM Vol. 2A Table 2-1, or 32/64-bit, Tables 2-2 and 2-3) and the width of
/// a `moffs` offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AddressSize {
    /// 16-bit addressing.
    Bits16,
    /// 32-bit addressing.
    Bits32,
    /// 64-bit addressing (64-bit mode only).
    Bits64,
}

impl AddressSize {
    /// Bytes of a `moffs` operand (SDM Vol. 2A 2.2.1.4 "Direct Memory-Offset
    /// MOVs": 8 in 64-bit mode unless 0x67 makes it 4).
    pub(crate) const fn offset_bytes(self) -> usize {
        match self {
            Self::Bits16 => 2,
            Self::Bits32 => 4,
            Self::Bits64 => 8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operand_sizes() {
        use OperandSize::{Dword, Qword, Word};
        let cases = [
            (Mode::Real16, false, false, Word),
            (Mode::Real16, true, false, Dword),
            (Mode::Protected16, true, false, Dword),
            (Mode::Protected32, false, false, Dword),
            (Mode::Protected32, true, false, Word),
            (Mode::Protected32, false, true, Dword), // no REX outside 64-bit mode
            (Mode::Long64, false, false, Dword),
            (Mode::Long64, true, false, Word),
            (Mode::Long64, false, true, Qword),
            (Mode::Long64, true, true, Qword),
        ];
        for (mode, prefix, w, size) in cases {
            assert_eq!(mode.operand_size(prefix, w), size, "{mode:?} 66={prefix} W={w}");
        }
    }

    #[test]
    fn address_sizes() {
        assert_eq!(Mode::Real16.address_size(false), AddressSize::Bits16);
        assert_eq!(Mode::Real16.address_size(true), AddressSize::Bits32);
        assert_eq!(Mode::Protected32.address_size(true), AddressSize::Bits16);
        assert_eq!(Mode::Long64.address_size(false).offset_bytes(), 8);
        assert_eq!(Mode::Long64.address_size(true).offset_bytes(), 4);
    }
}
