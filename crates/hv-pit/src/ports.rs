//! The I/O ports of the PC's timer: the 8254 at 0x40-0x43 (its A1 A0
//! select counter 0, 1, 2 or the control word register; datasheet "Read/
//! Write Logic") and the NMI status and control register at 0x61.

/// Counter 0.
pub const COUNTER_0: u16 = 0x40;
/// Counter 1.
pub const COUNTER_1: u16 = 0x41;
/// Counter 2.
pub const COUNTER_2: u16 = 0x42;
/// Control word register (write only; reads are a no-operation, 3-state).
pub const CONTROL: u16 = 0x43;
/// NMI status and control register ("port B"): counter 2 gate, speaker,
/// refresh toggle, OUT2.
pub const NMI_STATUS_CONTROL: u16 = 0x61;

/// Every port [`Pit`](crate::Pit) decodes: the ones the hypervisor traps.
pub const PORTS: [u16; 5] = [COUNTER_0, COUNTER_1, COUNTER_2, CONTROL, NMI_STATUS_CONTROL];
