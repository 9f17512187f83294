//! Which paging mode the guest is in, decided from CR0, CR4 and IA32_EFER.
//!
//! The walk differs per mode (entry size, number of levels, which bits are
//! reserved, which page sizes exist), so it starts by classifying the guest's
//! control registers exactly as the processor does (SDM Vol. 3A 5.1 "Paging
//! Modes and Control Bits"): CR0.PG enables paging; with it, CR4.PAE = 0 selects
//! 32-bit paging (5.3), CR4.PAE = 1 with IA32_EFER.LMA = 0 PAE paging (5.4), and
//! IA32_EFER.LMA = 1 4-level or, with CR4.LA57, 5-level paging (5.5).

/// CR0.PG, bit 31: paging enabled.
const CR0_PG: u64 = 1 << 31;
/// CR4.PSE, bit 4: 4 MiB pages in 32-bit paging.
const CR4_PSE: u64 = 1 << 4;
/// CR4.PAE, bit 5: 64-bit entries (PAE, 4-level, 5-level paging).
const CR4_PAE: u64 = 1 << 5;
/// CR4.LA57, bit 12: 57-bit linear addresses (5-level paging).
const CR4_LA57: u64 = 1 << 12;
/// IA32_EFER.LMA, bit 10: IA-32e mode active.
const EFER_LMA: u64 = 1 << 10;

/// The guest's paging mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagingMode {
    /// CR0.PG = 0: no paging, the linear address *is* the physical address.
    ///
    /// Long mode cannot be active without paging (IA32_EFER.LMA requires
    /// CR0.PG), so linear addresses are 32 bits here: the translation keeps
    /// the low 32 bits of the linear address (which is also how a protected-
    /// mode segment base plus offset wraps).
    None,
    /// 32-bit paging (SDM 5.3): CR0.PG = 1, CR4.PAE = 0. Two levels of 4-byte
    /// entries, 32-bit linear addresses.
    Bits32 {
        /// CR4.PSE: a page-directory entry with PS = 1 maps a 4 MiB page.
        /// Without it the PS bit is ignored and every PDE references a page
        /// table.
        pse: bool,
    },
    /// PAE paging (SDM 5.4): CR0.PG = 1, CR4.PAE = 1, IA32_EFER.LMA = 0. CR3
    /// bits 31:5 locate four 8-byte PDPTEs; then a page directory (2 MiB pages
    /// with PS) and a page table. 32-bit linear addresses.
    Pae,
    /// 4-level paging (SDM 5.5): IA32_EFER.LMA = 1, CR4.LA57 = 0. 48-bit
    /// canonical linear addresses; 1 GiB and 2 MiB pages.
    Level4,
    /// 5-level paging (SDM 5.5): IA32_EFER.LMA = 1, CR4.LA57 = 1. 57-bit
    /// canonical linear addresses; 1 GiB and 2 MiB pages.
    Level5,
}

impl PagingMode {
    /// Classifies the guest's control registers.
    ///
    /// CR0.PG decides first (no paging means [`PagingMode::None`] whatever
    /// else is set), then IA32_EFER.LMA (long mode, which the processor allows
    /// only with CR4.PAE = 1, so CR4.PAE is not consulted), then CR4.PAE.
    #[must_use]
    pub const fn from_registers(cr0: u64, cr4: u64, efer: u64) -> Self {
        if cr0 & CR0_PG == 0 {
            Self::None
        } else if efer & EFER_LMA != 0 {
            if cr4 & CR4_LA57 != 0 {
                Self::Level5
            } else {
                Self::Level4
            }
        } else if cr4 & CR4_PAE != 0 {
            Self::Pae
        } else {
            Self::Bits32 { pse: cr4 & CR4_PSE != 0 }
        }
    }

    /// Number of paging-structure levels walked: 0 (no paging), 2, 3, 4 or 5.
    #[must_use]
    pub const fn levels(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Bits32 { .. } => 2,
            Self::Pae => 3,
            Self::Level4 => 4,
            Self::Level5 => 5,
        }
    }

    /// Significant bits of a linear address: 32 outside long mode, 48 for
    /// 4-level and 57 for 5-level paging (above them an address must be
    /// canonical, SDM Vol. 1 3.3.7.1).
    #[must_use]
    pub const fn linear_bits(self) -> u32 {
        match self {
            Self::None | Self::Bits32 { .. } | Self::Pae => 32,
            Self::Level4 => 48,
            Self::Level5 => 57,
        }
    }

    /// Whether entries are 8 bytes wide and may carry the XD bit (PAE,
    /// 4-level, 5-level paging). This is the "CR4.PAE = 1" condition of the
    /// SDM's NX and I/D-flag rules (5.6, 5.7.2).
    #[must_use]
    pub const fn has_execute_disable(self) -> bool {
        matches!(self, Self::Pae | Self::Level4 | Self::Level5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PG: u64 = CR0_PG | 1; // with PE, as a real guest has it

    #[test]
    fn paging_disabled_is_none_whatever_else_is_set() {
        assert_eq!(PagingMode::from_registers(0, 0, 0), PagingMode::None);
        assert_eq!(PagingMode::from_registers(1, CR4_PAE | CR4_LA57 | CR4_PSE, EFER_LMA), PagingMode::None);
    }

    #[test]
    fn each_mode_is_recognised() {
        assert_eq!(PagingMode::from_registers(PG, 0, 0), PagingMode::Bits32 { pse: false });
        assert_eq!(PagingMode::from_registers(PG, CR4_PSE, 0), PagingMode::Bits32 { pse: true });
        assert_eq!(PagingMode::from_registers(PG, CR4_PAE, 0), PagingMode::Pae);
        // PSE is irrelevant once PAE is on.
        assert_eq!(PagingMode::from_registers(PG, CR4_PAE | CR4_PSE, 0), PagingMode::Pae);
        // LME without LMA is not long mode yet (LMA is what counts); NXE (bit 11) is no mode bit.
        assert_eq!(PagingMode::from_registers(PG, CR4_PAE, (1 << 8) | (1 << 11)), PagingMode::Pae);
        assert_eq!(PagingMode::from_registers(PG, CR4_PAE, EFER_LMA | (1 << 8)), PagingMode::Level4);
        assert_eq!(PagingMode::from_registers(PG, CR4_PAE | CR4_LA57, EFER_LMA), PagingMode::Level5);
        // LA57 without long mode is not 5-level paging.
        assert_eq!(PagingMode::from_registers(PG, CR4_PAE | CR4_LA57, 0), PagingMode::Pae);
    }

    #[test]
    fn geometry_per_mode() {
        let modes = [
            PagingMode::None,
            PagingMode::Bits32 { pse: true },
            PagingMode::Pae,
            PagingMode::Level4,
            PagingMode::Level5,
        ];
        let levels: Vec<u8> = modes.iter().map(|m| m.levels()).collect();
        assert_eq!(levels, [0, 2, 3, 4, 5]);
        let bits: Vec<u32> = modes.iter().map(|m| m.linear_bits()).collect();
        assert_eq!(bits, [32, 32, 32, 48, 57]);
        let xd: Vec<bool> = modes.iter().map(|m| m.has_execute_disable()).collect();
        assert_eq!(xd, [false, false, true, true, true]);
    }
}
