//! One guest segment register as the VMCS holds it: selector, base, limit
//! and access rights, with accessors for the access-rights sub-fields.
//!
//! Why: the segment-register checks (27.3.1.2) are phrased in terms of these
//! sub-fields (Type, S, DPL, P, L, D/B, G, unusable), and the initial guest
//! states are built from them.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C
//! 25.4.1 ("Guest Register State", Table 25-2: format of the access-rights
//! field) and Vol. 3A 3.4.5 (segment descriptors).

/// Access rights bits 3:0: segment type.
const AR_TYPE: u32 = 0xF;
/// Access rights bit 4: S, descriptor type (0 = system, 1 = code or data).
const AR_S: u32 = 1 << 4;
/// Access rights bit 7: P, segment present.
const AR_P: u32 = 1 << 7;
/// Access rights bit 13: L, 64-bit code segment (CS only).
const AR_L: u32 = 1 << 13;
/// Access rights bit 14: D/B, default operation size.
const AR_DB: u32 = 1 << 14;
/// Access rights bit 15: G, granularity.
const AR_G: u32 = 1 << 15;
/// Access rights bit 16: the register is unusable.
const AR_UNUSABLE: u32 = 1 << 16;

/// A guest segment register (SDM Vol. 3C 25.4.1).
///
/// The access-rights format is that of the VMCS: Type 3:0, S 4, DPL 6:5,
/// P 7, reserved 11:8, AVL 12, L 13, D/B 14, G 15, unusable 16, reserved
/// 31:17.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SegmentRegister {
    /// The 16-bit selector.
    pub selector: u16,
    /// The base address.
    pub base: u64,
    /// The limit in bytes (already scaled by G, as in the VMCS).
    pub limit: u32,
    /// The access rights in VMCS format.
    pub access_rights: u32,
}

impl SegmentRegister {
    /// Reserved access-rights bits 11:8.
    pub const AR_RESERVED_11_8: u32 = 0xF00;
    /// Reserved access-rights bits 31:17.
    pub const AR_RESERVED_31_17: u32 = 0xFFFE_0000;
    /// The access rights of an unusable register: only bit 16 set.
    pub const AR_UNUSABLE: u32 = AR_UNUSABLE;

    /// A register from its four fields.
    pub const fn new(selector: u16, base: u64, limit: u32, access_rights: u32) -> Self {
        Self { selector, base, limit, access_rights }
    }

    /// A null, unusable register (selector 0, base 0, limit 0, access
    /// rights 0x1_0000).
    pub const fn unusable() -> Self {
        Self::new(0, 0, 0, AR_UNUSABLE)
    }

    /// Selector bits 1:0: the requested privilege level.
    pub const fn rpl(&self) -> u32 {
        (self.selector & 3) as u32
    }

    /// Selector bit 2: the table indicator (1 = LDT).
    pub const fn table_indicator(&self) -> bool {
        self.selector & (1 << 2) != 0
    }

    /// Access rights bits 3:0: the segment type.
    pub const fn segment_type(&self) -> u32 {
        self.access_rights & AR_TYPE
    }

    /// Access rights bit 4: S = 1 for code and data segments, 0 for system
    /// segments (TSS, LDT).
    pub const fn code_or_data(&self) -> bool {
        self.access_rights & AR_S != 0
    }

    /// Access rights bits 6:5: the descriptor privilege level.
    pub const fn dpl(&self) -> u32 {
        (self.access_rights >> 5) & 3
    }

    /// Access rights bit 7: the segment is present.
    pub const fn present(&self) -> bool {
        self.access_rights & AR_P != 0
    }

    /// Access rights bit 13: L, a 64-bit code segment.
    pub const fn long_mode(&self) -> bool {
        self.access_rights & AR_L != 0
    }

    /// Access rights bit 14: D/B, default operation size 32 bits.
    pub const fn default_big(&self) -> bool {
        self.access_rights & AR_DB != 0
    }

    /// Access rights bit 15: G, the limit is in 4-KByte units in the
    /// descriptor.
    pub const fn granularity(&self) -> bool {
        self.access_rights & AR_G != 0
    }

    /// Access rights bit 16: the register is unusable (loaded with a null
    /// selector, for example).
    pub const fn is_unusable(&self) -> bool {
        self.access_rights & AR_UNUSABLE != 0
    }

    /// The opposite of [`is_unusable`](Self::is_unusable).
    pub const fn is_usable(&self) -> bool {
        !self.is_unusable()
    }

    /// Whether G agrees with the limit (SDM 27.3.1.2): if any of limit bits
    /// 11:0 is 0, G must be 0; if any of limit bits 31:20 is 1, G must be 1.
    pub const fn granularity_consistent(&self) -> bool {
        let g = self.granularity();
        let low_all_ones = self.limit & 0xFFF == 0xFFF;
        let high_zero = self.limit >> 20 == 0;
        (low_all_ones || !g) && (high_zero || g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_mode_code_segment_fields() {
        let cs = SegmentRegister::new(0x08, 0, 0xFFFF_FFFF, 0xA09B);
        assert_eq!(cs.segment_type(), 11);
        assert!(cs.code_or_data());
        assert_eq!(cs.dpl(), 0);
        assert!(cs.present());
        assert!(cs.long_mode());
        assert!(!cs.default_big());
        assert!(cs.granularity());
        assert!(cs.is_usable());
        assert!(cs.granularity_consistent());
    }

    #[test]
    fn selector_fields() {
        let s = SegmentRegister::new(0x2B, 0, 0, 0xF3);
        assert_eq!(s.rpl(), 3);
        assert!(!s.table_indicator());
        assert_eq!(s.dpl(), 3);
        assert!(SegmentRegister::new(0x0C, 0, 0, 0).table_indicator());
    }

    #[test]
    fn unusable_register() {
        let r = SegmentRegister::unusable();
        assert!(r.is_unusable());
        assert!(!r.present());
        assert_eq!(r.access_rights, 0x1_0000);
    }

    #[test]
    fn granularity_rules() {
        let with = |limit, ar| SegmentRegister::new(0, 0, limit, ar).granularity_consistent();
        // Byte granular and small: fine. Page granular needs low 12 bits set.
        assert!(with(0xFFFF, 0x93));
        assert!(with(0xFFFF, 0x8093));
        assert!(!with(0x1_0000, 0x8093));
        // Above 1 MiB the limit can only be expressed with G = 1.
        assert!(!with(0x10_0000, 0x93));
        assert!(!with(0xFFFF_FFFF, 0x93));
        assert!(with(0xFFFF_FFFF, 0x8093));
        assert!(with(0xF_FFFF, 0x93));
        assert!(with(0x67, 0x8B));
        assert!(!with(0x67, 0x808B));
    }
}
