//! The PC's timer: three 8254 counters on one 1.193182 MHz clock, counter
//! 0's OUT on IRQ0, counter 2's GATE and OUT on port 0x61.
//!
//! Gates (8254 datasheet "Gate"; PIIX/ICH "Timer I/O Registers"): counters
//! 0 and 1 have GATE tied high, counter 2's GATE is port 0x61 bit 0.

use crate::clock::PitClock;
use crate::control::{Channel, Command};
use crate::counter::Counter;
use crate::port61::NmiStatusControl;
use crate::ports::{CONTROL, COUNTER_0, COUNTER_1, COUNTER_2, NMI_STATUS_CONTROL};
use crate::state::PitState;

/// The most rising edges of OUT0 one call of [`Pit::irq0_edges`] reports.
///
/// The PIC holds at most one IRQ0 request, so a caller normally only needs
/// "none" or "some"; a count lets it keep a tick backlog. The cap bounds
/// any per-edge work: 1024 edges are about 1 s of a 1 kHz tick, 56 s of the
/// 18.2 Hz BIOS rate, 1.7 ms of the fastest legal rate (count 2).
pub const MAX_IRQ0_EDGES: u64 = 1024;

/// A virtual 8254 PIT with port 0x61.
///
/// Time comes from the caller as `now`, a TSC value, on every call; the
/// TSC frequency is fixed at construction. Nothing counts between calls:
/// every value is computed from `now`. A `now` smaller than one seen before
/// is taken as that earlier time, so the model's time never runs backwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pit {
    clock: PitClock,
    counters: [Counter; 3],
    port_61: NmiStatusControl,
    /// The latest input clock index seen.
    latest: u64,
}

impl Pit {
    /// The power-on state (see the crate documentation) for a TSC running
    /// at `tsc_hz` (0 is taken as 1).
    #[must_use]
    pub const fn new(tsc_hz: u64) -> Self {
        Self {
            clock: PitClock::new(tsc_hz),
            counters: [Counter::new(true), Counter::new(true), Counter::new(false)],
            port_61: NmiStatusControl::new(),
            latest: 0,
        }
    }

    /// The TSC frequency in use.
    #[must_use]
    pub const fn tsc_hz(&self) -> u64 {
        self.clock.tsc_hz()
    }

    /// The guest reads `port` at TSC time `now`. Ports other than
    /// [`PORTS`](crate::PORTS), and the control word register, read 0xFF.
    pub fn read(&mut self, port: u16, now: u64) -> u8 {
        let k = self.advance_to(now);
        match port {
            COUNTER_0 => self.counter_mut(Channel::Zero).read(k),
            COUNTER_1 => self.counter_mut(Channel::One).read(k),
            COUNTER_2 => self.counter_mut(Channel::Two).read(k),
            NMI_STATUS_CONTROL => self.port_61.read(k, self.counter(Channel::Two).element().out(k)),
            _ => 0xFF,
        }
    }

    /// The guest writes `value` to `port` at TSC time `now`. Ports other
    /// than [`PORTS`](crate::PORTS) are ignored.
    pub fn write(&mut self, port: u16, value: u8, now: u64) {
        let k = self.advance_to(now);
        match port {
            COUNTER_0 => self.counter_mut(Channel::Zero).write(value, k),
            COUNTER_1 => self.counter_mut(Channel::One).write(value, k),
            COUNTER_2 => self.counter_mut(Channel::Two).write(value, k),
            CONTROL => self.control_word(value, k),
            NMI_STATUS_CONTROL => {
                self.port_61.write(value);
                let gate = self.port_61.gate_2();
                self.counter_mut(Channel::Two).element_mut().set_gate(gate, k);
            }
            _ => {}
        }
    }

    /// Rising edges of OUT0 (IRQ0 requests) since the previous call, up to
    /// TSC time `now`, at most [`MAX_IRQ0_EDGES`] (the rest are dropped).
    ///
    /// Edges include those that port writes caused at once, such as a
    /// control word that takes OUT0 from low to high.
    pub fn irq0_edges(&mut self, now: u64) -> u64 {
        let k = self.advance_to(now);
        self.counter_mut(Channel::Zero).element_mut().take_edges(k).min(MAX_IRQ0_EDGES)
    }

    /// The TSC time of the next rising edge of OUT0 after `now`, for arming
    /// a timer; `None` if none will come without a new guest write (or it
    /// lies beyond the TSC's range).
    ///
    /// Edges at or before `now` are not included: [`irq0_edges`](Self::irq0_edges)
    /// reports them, so call it after PIT writes as well as when the timer
    /// fires. At the returned time `irq0_edges` reports the edge.
    #[must_use]
    pub fn next_irq0_deadline(&self, now: u64) -> Option<u64> {
        let k = self.clock.pulses_at(now).max(self.latest);
        let edge = self.counter(Channel::Zero).element().next_rising_edge(k)?;
        self.clock.tsc_of_pulse(edge)
    }

    /// OUT of counter `channel` at TSC time `now` (OUT0 is the IRQ0 line).
    #[must_use]
    pub fn out(&self, channel: Channel, now: u64) -> bool {
        let k = self.clock.pulses_at(now).max(self.latest);
        self.counter(channel).element().out(k)
    }

    /// All counters and port 0x61 at TSC time `now`, without side effects.
    #[must_use]
    pub fn state(&self, now: u64) -> PitState {
        let k = self.clock.pulses_at(now).max(self.latest);
        PitState {
            channels: Channel::ALL.map(|channel| self.counter(channel).state(k)),
            port_61: self.port_61.read(k, self.counter(Channel::Two).element().out(k)),
        }
    }

    /// A write to the control word register.
    fn control_word(&mut self, value: u8, k: u64) {
        match Command::decode(value) {
            Command::Program { channel, access, mode_bits, bcd } => {
                self.counter_mut(channel).program(access, mode_bits, bcd, k);
            }
            Command::LatchCount(channel) => self.counter_mut(channel).latch_count(k),
            Command::ReadBack { count, status, channels } => {
                for channel in Channel::ALL {
                    if channels & (1 << channel.index()) == 0 {
                        continue;
                    }
                    let counter = self.counter_mut(channel);
                    if count {
                        counter.latch_count(k);
                    }
                    if status {
                        counter.latch_status(k);
                    }
                }
            }
        }
    }

    /// The input clock index for `now`, never earlier than before.
    fn advance_to(&mut self, now: u64) -> u64 {
        self.latest = self.clock.pulses_at(now).max(self.latest);
        self.latest
    }

    const fn counter(&self, channel: Channel) -> &Counter {
        &self.counters[channel.index()]
    }

    fn counter_mut(&mut self, channel: Channel) -> &mut Counter {
        &mut self.counters[channel.index()]
    }
}
