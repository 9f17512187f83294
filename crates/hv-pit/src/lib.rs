//! `hv-pit`: the virtual 8254 programmable interval timer each partition
//! sees at ports 0x40-0x43, with the counter-2 bits of port 0x61.
//!
//! The hypervisor traps those [`PORTS`] and forwards each access as
//! [`Pit::read`] or [`Pit::write`] with the current TSC value. Counter 0's
//! OUT is the IRQ0 line: [`Pit::irq0_edges`] reports its rising edges since
//! the last call (to raise IRQ0 on the PIC or I/O APIC), and
//! [`Pit::next_irq0_deadline`] says when the next one comes (to arm a
//! hypervisor timer). [`Pit::state`] shows the counters for a monitor.
//!
//! Behaviour follows the Intel 8254 datasheet ("8254 Programmable Interval
//! Timer", order number 231164-005); code comments name its sections:
//! "Control Word Register", "Write Operations", "Read Operations" with the
//! "Counter Latch Command" and the "Read-Back Command", "Mode Definitions"
//! (modes 0-5), "Operation Common to All Modes" ("Programming", "Gate",
//! "Counter"), and the figures "Control Word Format", "Read-Back Command
//! Format", "Status Format", "Null Count Operation", "Gate Pin Operations
//! Summary". Port 0x61 follows the PIIX/ICH datasheets (see [`port61`]).
//!
//! It is pure state: no `unsafe`, no `alloc`, no clock of its own. The
//! input clock is `floor(now * 1_193_182 / tsc_hz)` ([`INPUT_HZ`]) and
//! everything (counts, OUT levels, edges, deadlines) is computed from it
//! in closed form with `u128` products, so the cost of a call does not
//! depend on how much time has passed, and nothing panics or loops on any
//! guest input or any `now`.
//!
//! # Model choices
//!
//! - **Power-on state.** The datasheet leaves mode, count and OUT
//!   undefined. [`Pit::new`] puts every counter where a control word
//!   `LSB then MSB, mode 3, binary` without a count leaves it: not counting,
//!   count 0, OUT high, null count set; port 0x61 = 0 (gate 2 low). No BIOS
//!   ran, so counter 0 does not tick until the guest programs it and no
//!   IRQ0 edge ever comes before that.
//! - **Clock edges.** Clock `k` is the state after the k-th input clock
//!   pulse; a port access at TSC `now` happens after pulse
//!   `pulses(now)`. "The next CLK pulse" after a write is pulse
//!   `pulses(now) + 1`. So mode 0 raises OUT N + 1 pulses after the count
//!   is written, as the datasheet says.
//! - **Counts below the minimum** (the datasheet's "Minimum and Maximum
//!   Initial Counts": 2 for modes 2 and 3) are accepted and run the
//!   formulas with N = 1: in mode 2 OUT stays low, in mode 3 it stays high;
//!   either way no edges (and no interrupt storm).
//! - **Mode 3 reads**: the counting element reads N, N-2, ..., 2 in each
//!   half of an even count, and N-1, N-3, ..., 0 (high half) then N-1, ...,
//!   2 (low half) for an odd count.
//! - **BCD counting** is modelled: four decades, 0 meaning 10000, wrapping
//!   to 9999. Invalid BCD digits are handled as described in [`CountFormat`].
//! - **Modes 1 and 5 on counters 0 and 1** never trigger: their GATE is
//!   tied high and never rises, as on a PC.
//! - **A mode 4 strobe cut by GATE going low** ends at once (OUT high).
//! - **Reads of the control word register** (0x43) return 0xFF (3-state
//!   bus). A latched count keeps its own LSB/MSB sequence, starting at the
//!   LSB (MSB in MSB-only mode), independent of the simple-read flip-flop.
//! - **Port 0x61**: bits 3:0 are stored and read back; bit 5 is OUT2; bit
//!   4 flips every 18 input clocks; bits 7:6 read 0. The speaker is not
//!   modelled.
//! - **IRQ0 edges** are reported, capped at [`MAX_IRQ0_EDGES`] per call.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod clock;
mod control;
mod counter;
mod element;
mod format;
mod mode;
mod pit;
pub mod port61;
pub mod ports;
mod run;
mod state;

#[cfg(test)]
mod hammer_tests;
#[cfg(test)]
mod linux_tests;
#[cfg(test)]
mod mode_tests;

pub use clock::INPUT_HZ;
pub use control::{Access, Channel};
pub use format::CountFormat;
pub use mode::Mode;
pub use pit::{Pit, MAX_IRQ0_EDGES};
pub use ports::PORTS;
pub use state::{ChannelState, PitState};
