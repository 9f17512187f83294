//! The I/O ports of a PC's interrupt controller pair.
//!
//! Each 8259A decodes one address line, A0 (datasheet pin A0, "Programming
//! the 8259A"): A0 = 0 is the command port (ICW1, OCW2, OCW3, and the IRR /
//! ISR / poll read), A0 = 1 the data port (ICW2-ICW4 during initialization,
//! otherwise OCW1, the mask). The ELCR pair comes from the PIIX/ICH
//! south bridges, not from the 8259A.

/// Master 8259A, A0 = 0: ICW1, OCW2, OCW3; reads IRR, ISR or the poll byte.
pub const MASTER_COMMAND: u16 = 0x20;
/// Master 8259A, A0 = 1: ICW2-ICW4 during initialization, else OCW1 (IMR).
pub const MASTER_DATA: u16 = 0x21;
/// Slave 8259A, A0 = 0.
pub const SLAVE_COMMAND: u16 = 0xA0;
/// Slave 8259A, A0 = 1.
pub const SLAVE_DATA: u16 = 0xA1;
/// ELCR1: edge/level control of IRQ 0-7.
pub const ELCR_MASTER: u16 = 0x4D0;
/// ELCR2: edge/level control of IRQ 8-15.
pub const ELCR_SLAVE: u16 = 0x4D1;

/// Every port [`PicPair`](crate::PicPair) decodes: the ones the hypervisor
/// traps for it.
pub const PORTS: [u16; 6] = [MASTER_COMMAND, MASTER_DATA, SLAVE_COMMAND, SLAVE_DATA, ELCR_MASTER, ELCR_SLAVE];
