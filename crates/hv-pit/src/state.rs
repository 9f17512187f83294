//! A read-only view of the PIT for a monitor: taking it latches nothing and
//! moves no flip-flop.

use crate::control::Access;
use crate::format::CountFormat;
use crate::mode::Mode;

/// One counter at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelState {
    /// Mode in effect.
    pub mode: Mode,
    /// M2-M0 as written (6 and 7 stay visible).
    pub mode_bits: u8,
    /// Binary or BCD.
    pub format: CountFormat,
    /// Read/write access mode.
    pub access: Access,
    /// The last complete count written since the control word, as written
    /// (0 stands for the full range), if any.
    pub count_register: Option<u16>,
    /// The counting element as a simple read would see it.
    pub count: u16,
    /// OUT.
    pub out: bool,
    /// GATE.
    pub gate: bool,
    /// Null count: a written count has not reached the counting element.
    pub null_count: bool,
}

/// All three counters and port 0x61.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PitState {
    /// Counters 0, 1, 2.
    pub channels: [ChannelState; 3],
    /// What a read of port 0x61 would return.
    pub port_61: u8,
}
