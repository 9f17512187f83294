//! IA32_APIC_BASE (MSR 0x1B): where the xAPIC page is, whether the APIC is
//! enabled, and whether it is in x2APIC mode (SDM Vol. 3A 11.4.4, Figure
//! 11-5, and 11.12.1; the legal mode transitions are those of Figure 11-27
//! in 11.12.5).

use crate::apic::Mode;

/// Bit 8: this is the bootstrap processor (read-only for the guest).
pub const BSP: u64 = 1 << 8;
/// Bit 10: x2APIC mode (EXTD).
pub const EXTD: u64 = 1 << 10;
/// Bit 11: APIC global enable (EN).
pub const EN: u64 = 1 << 11;
/// The architectural default base (SDM 11.4.1).
pub const DEFAULT_BASE: u64 = 0xFEE0_0000;

/// A value of IA32_APIC_BASE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApicBase(u64);

/// Why a write to IA32_APIC_BASE is refused (the guest gets #GP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaseError {
    /// Reserved bits (0-7, 9, above the physical-address width) are set.
    ReservedBits(u64),
    /// EXTD = 1 with EN = 0 is an invalid state.
    InvalidState,
    /// x2APIC mode can only be left by disabling the APIC (x2APIC to xAPIC
    /// directly is illegal), and entered only from xAPIC mode.
    IllegalTransition {
        /// The mode before.
        from: Mode,
        /// The mode asked for.
        to: Mode,
    },
}

impl ApicBase {
    /// The reset value: enabled xAPIC at the default base, with the BSP bit
    /// as given.
    pub const fn reset(bsp: bool) -> Self {
        Self(DEFAULT_BASE | EN | if bsp { BSP } else { 0 })
    }

    /// The raw MSR value.
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// The guest-physical address of the xAPIC page.
    pub const fn address(self) -> u64 {
        self.0 & !0xFFF
    }

    /// The mode the value selects.
    pub const fn mode(self) -> Mode {
        match (self.0 & EN != 0, self.0 & EXTD != 0) {
            (false, _) => Mode::Disabled,
            (true, false) => Mode::XApic,
            (true, true) => Mode::X2Apic,
        }
    }

    /// Checks a guest's write of `value` against the current value: the
    /// reserved bits for a physical-address width of `phys_bits`, and the
    /// legal mode transitions. The BSP bit is kept as it is.
    pub fn write(self, value: u64, phys_bits: u8) -> Result<Self, BaseError> {
        let address_mask = if phys_bits >= 64 { !0xFFF } else { ((1u64 << phys_bits) - 1) & !0xFFF };
        let reserved = value & !(address_mask | EN | EXTD | BSP);
        if reserved != 0 {
            return Err(BaseError::ReservedBits(reserved));
        }
        if value & EXTD != 0 && value & EN == 0 {
            return Err(BaseError::InvalidState);
        }
        let next = Self((value & !BSP) | (self.0 & BSP));
        let (from, to) = (self.mode(), next.mode());
        let legal = match (from, to) {
            (a, b) if a == b => true,
            (Mode::Disabled, Mode::XApic) | (Mode::XApic, Mode::X2Apic) => true,
            (_, Mode::Disabled) => true,
            _ => false,
        };
        if legal {
            Ok(next)
        } else {
            Err(BaseError::IllegalTransition { from, to })
        }
    }
}
