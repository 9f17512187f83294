//! The Edge/Level Control Registers ELCR1 (port 0x4D0, IRQ 0-7) and ELCR2
//! (port 0x4D1, IRQ 8-15).
//!
//! They are not part of the 8259A but of the PC south bridges that contain
//! its two copies (Intel 82371 PIIX/PIIX4 and the ICH/PCH datasheets,
//! "ELCR1/ELCR2 - Edge/Level Control Register"): a set bit makes that IRQ
//! level-triggered, replacing ICW1 LTIM. IRQ 0 (timer), 1 (keyboard), 2
//! (cascade), 8 (RTC) and 13 (FPU error) are always edge-triggered: their
//! bits are reserved, read 0 and ignore writes. Both reset to 0.

/// ELCR1 bits that may be set: IRQ 3-7.
pub(crate) const MASTER_WRITABLE: u8 = 0xF8;
/// ELCR2 bits that may be set: IRQ 9-12, 14, 15.
pub(crate) const SLAVE_WRITABLE: u8 = 0xDE;

#[cfg(test)]
mod tests {
    use super::{MASTER_WRITABLE, SLAVE_WRITABLE};

    #[test]
    fn fixed_edge_irqs_are_not_writable() {
        let writable = u16::from_le_bytes([MASTER_WRITABLE, SLAVE_WRITABLE]);
        for irq in [0, 1, 2, 8, 13] {
            assert_eq!(writable & (1 << irq), 0, "IRQ {irq}");
        }
        assert_eq!(writable.count_ones(), 11);
    }
}
