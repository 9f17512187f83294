//! Priority order of the eight IR inputs, with rotation.
//!
//! The 8259A keeps the eight levels in a circular order ("Automatic
//! Rotation", "Specific Rotation" in the datasheet): one IR is the lowest
//! priority, the one after it (mod 8) the highest. After ICW1 IR7 is the
//! lowest, so IR0 is the highest ("fully nested mode"). Rotation only
//! changes which IR is the lowest.

/// How far `ir` is from the top of the order whose lowest level is
/// `lowest`: 0 for the highest priority, 7 for the lowest.
pub(crate) const fn rank(ir: u8, lowest: u8) -> u8 {
    (ir.wrapping_sub(lowest).wrapping_add(7)) & 7
}

/// The highest-priority IR whose bit is set in `bits`, if any.
pub(crate) fn highest(bits: u8, lowest: u8) -> Option<u8> {
    (1..=8u8).map(|step| lowest.wrapping_add(step) & 7).find(|&ir| bits & (1 << ir) != 0)
}

#[cfg(test)]
mod tests {
    use super::{highest, rank};

    #[test]
    fn fully_nested_order_is_ir0_first() {
        assert_eq!(rank(0, 7), 0);
        assert_eq!(rank(7, 7), 7);
        assert_eq!(highest(0b1010_0100, 7), Some(2));
        assert_eq!(highest(0, 7), None);
    }

    #[test]
    fn rotation_puts_the_level_after_the_lowest_on_top() {
        // IR4 lowest: IR5 highest, then 6, 7, 0, ..., 4.
        assert_eq!(rank(5, 4), 0);
        assert_eq!(rank(4, 4), 7);
        assert_eq!(rank(0, 4), 3);
        assert_eq!(highest(0b0001_0001, 4), Some(0));
        assert_eq!(highest(0b0011_0000, 4), Some(5));
        assert_eq!(highest(0b0001_0000, 4), Some(4));
    }

    #[test]
    fn every_lowest_gives_a_permutation() {
        for lowest in 0..8 {
            let mut seen = 0u8;
            for ir in 0..8 {
                seen |= 1 << rank(ir, lowest);
            }
            assert_eq!(seen, 0xFF);
        }
    }
}
