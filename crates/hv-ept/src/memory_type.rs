//! EPT memory types.
//!
//! Bits 5:3 of an EPT leaf entry give the memory type of the page it maps; the
//! EPT pointer's bits 2:0 give the type used to read the EPT paging structures
//! themselves (SDM Vol. 3C 29.3.7, "EPT and Memory Typing"; 25.6.11). The
//! encodings are those of the PAT and MTRRs; 2, 3 and 7 are reserved, and a
//! leaf using one of them is an EPT misconfiguration (SDM Vol. 3C 29.3.3.1).
//!
//! This crate always sets the leaf's "ignore PAT" bit (bit 6), so the type
//! chosen here is the effective type of guest accesses regardless of the
//! guest's own PAT (SDM Vol. 3C 29.3.7.2): the hypervisor, not the guest,
//! decides that RAM is write-back and device memory uncacheable.

/// The memory type of an EPT mapping (SDM Vol. 3C 29.3.7; the same encodings
/// as the PAT and the MTRRs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MemoryType {
    /// UC (0): uncacheable; for MMIO.
    Uncacheable = 0,
    /// WC (1): write-combining; for frame buffers.
    WriteCombining = 1,
    /// WT (4): write-through.
    WriteThrough = 4,
    /// WP (5): write-protected.
    WriteProtected = 5,
    /// WB (6): write-back; for RAM.
    WriteBack = 6,
}

impl MemoryType {
    /// The 3-bit encoding.
    #[must_use]
    pub const fn bits(self) -> u8 {
        self as u8
    }

    /// The type encoded by `bits`; `None` for the reserved encodings 2, 3, 7
    /// and anything wider than 3 bits.
    #[must_use]
    pub const fn from_bits(bits: u8) -> Option<Self> {
        match bits {
            0 => Some(Self::Uncacheable),
            1 => Some(Self::WriteCombining),
            4 => Some(Self::WriteThrough),
            5 => Some(Self::WriteProtected),
            6 => Some(Self::WriteBack),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_round_trip() {
        let all = [
            (MemoryType::Uncacheable, 0),
            (MemoryType::WriteCombining, 1),
            (MemoryType::WriteThrough, 4),
            (MemoryType::WriteProtected, 5),
            (MemoryType::WriteBack, 6),
        ];
        for (ty, bits) in all {
            assert_eq!(ty.bits(), bits);
            assert_eq!(MemoryType::from_bits(bits), Some(ty));
        }
    }

    #[test]
    fn reserved_encodings_are_rejected() {
        for bits in [2, 3, 7, 8, 0xff] {
            assert_eq!(MemoryType::from_bits(bits), None, "{bits}");
        }
    }
}
