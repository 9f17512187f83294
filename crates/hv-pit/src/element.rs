//! One counter's counting element over time: the count register (CR), the
//! counting element (CE) and OUT, driven by the events of the "Mode
//! Definitions" of the 8254 datasheet.
//!
//! The state is the [`Run`] in force plus at most one scheduled load of
//! the CR into the CE (`next`): "on the next CLK pulse" after a count is
//! written or a trigger seen, or at the end of the current (half) cycle in
//! modes 2 and 3. Every event first brings the element up to its clock
//! (performing a due load, counting OUT's rising edges so far), then
//! replaces the run or the scheduled load. A change of OUT that an event
//! causes at once (a control word, a gate going low in modes 2/3) counts
//! as an edge too.

use crate::format::CountFormat;
use crate::mode::Mode;
use crate::run::{Run, Terminal};

mod gate;

/// A scheduled load of the CR into the CE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Load {
    /// The clock at which it happens (after the clock of the event).
    at: u64,
    /// The run from then on.
    run: Run,
}

/// A counter's counting element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CountingElement {
    mode: Mode,
    format: CountFormat,
    gate: bool,
    /// The last complete count written since the control word, as its
    /// distance in clocks.
    count_register: Option<u32>,
    /// Set by a control word or count write, cleared when the CR is
    /// loaded into the CE (figure "Null Count Operation").
    null_count: bool,
    run: Run,
    next: Option<Load>,
    /// Rising edges of OUT are counted up to this clock.
    seen: u64,
    /// Rising edges of OUT not yet taken.
    edges: u64,
}

impl CountingElement {
    /// A counter as after a control word for `mode` with no count written
    /// yet: not counting, CE 0, OUT in the mode's initial state.
    pub(crate) const fn new(mode: Mode, gate: bool) -> Self {
        Self {
            mode,
            format: CountFormat::Binary,
            gate,
            count_register: None,
            null_count: true,
            run: Run::Held { value: 0, out: mode.initial_out(), resume: None },
            next: None,
            seen: 0,
            edges: 0,
        }
    }

    /// The mode.
    pub(crate) const fn mode(&self) -> Mode {
        self.mode
    }

    /// The gate input.
    pub(crate) const fn gate(&self) -> bool {
        self.gate
    }

    /// The last count written, as its distance in clocks.
    pub(crate) const fn count_register(&self) -> Option<u32> {
        self.count_register
    }

    /// CE value at clock `k` (not before the last event).
    pub(crate) fn value(&self, k: u64) -> u32 {
        self.run_at(k).value(self.mode, self.format.modulus(), k)
    }

    /// The bits a read of the CE at clock `k` returns.
    pub(crate) fn encoded_value(&self, k: u64) -> u16 {
        self.format.encode(self.value(k))
    }

    /// OUT at clock `k`.
    pub(crate) fn out(&self, k: u64) -> bool {
        self.run_at(k).out(self.mode, k)
    }

    /// The null count flag at clock `k`.
    pub(crate) fn null_count(&self, k: u64) -> bool {
        self.null_count && !matches!(self.next, Some(load) if load.at <= k)
    }

    /// Takes the rising edges of OUT up to clock `k`, saturating.
    pub(crate) fn take_edges(&mut self, k: u64) -> u64 {
        self.advance(k);
        core::mem::take(&mut self.edges)
    }

    /// The first rising edge of OUT after clock `k`, if one is coming
    /// without further events.
    pub(crate) fn next_rising_edge(&self, k: u64) -> Option<u64> {
        let k = k.max(self.seen);
        match self.next {
            Some(load) if load.at > k => {
                if let Some(edge) = self.run.next_rising_edge(self.mode, k).filter(|&edge| edge < load.at) {
                    return Some(edge);
                }
                if self.load_raises_out(load) {
                    return Some(load.at);
                }
                load.run.next_rising_edge(self.mode, load.at)
            }
            Some(load) => load.run.next_rising_edge(self.mode, k),
            None => self.run.next_rising_edge(self.mode, k),
        }
    }

    /// A control word for this counter ("Mode Definitions": control logic
    /// reset, OUT to its initial state, a new count must be written).
    pub(crate) fn program(&mut self, mode: Mode, format: CountFormat, k: u64) {
        self.event(k, |element| {
            let value = element.value(k) % format.modulus();
            element.mode = mode;
            element.format = format;
            element.count_register = None;
            element.null_count = true;
            element.next = None;
            element.run = Run::Held { value, out: mode.initial_out(), resume: None };
        });
    }

    /// The first byte of a two-byte count. Only mode 0 reacts: "Writing the
    /// first byte disables counting. OUT is set low immediately."
    pub(crate) fn first_byte_written(&mut self, k: u64) {
        if self.mode == Mode::InterruptOnTerminalCount {
            self.event(k, |element| {
                element.run = Run::Held { value: element.value(k), out: false, resume: None };
                element.next = None;
            });
        }
    }

    /// A complete count `raw` is written to the CR.
    pub(crate) fn count_written(&mut self, raw: u16, k: u64) {
        let count = self.format.distance(raw);
        self.event(k, |element| {
            element.count_register = Some(count);
            element.null_count = true;
            element.load_written_count(count, k);
        });
    }

    /// What a new count does in each mode.
    fn load_written_count(&mut self, count: u32, k: u64) {
        let value = count % self.format.modulus();
        let load_at = k.saturating_add(1);
        match self.mode {
            // "Mode 0": OUT low at once, CE loaded on the next CLK pulse,
            // even with GATE low (then it waits for GATE).
            Mode::InterruptOnTerminalCount | Mode::SoftwareStrobe => {
                let out = self.mode.initial_out();
                if self.mode == Mode::InterruptOnTerminalCount {
                    self.run = Run::Held { value: self.value(k), out, resume: None };
                }
                let run = if self.gate {
                    Run::Countdown { start: load_at, value, terminal: Terminal::In(count) }
                } else {
                    Run::Held { value, out, resume: Some(Terminal::In(count)) }
                };
                self.next = Some(Load { at: load_at, run });
            }
            // Modes 1 and 5 wait for a trigger; the count in progress is
            // not affected.
            Mode::HardwareOneShot | Mode::HardwareStrobe => {}
            Mode::RateGenerator | Mode::SquareWave => {
                if !self.gate {
                    return; // loaded when GATE rises
                }
                self.next = Some(match self.run {
                    Run::Periodic { period, .. } => self.reload_at_cycle_end(period, count, k),
                    _ => Load { at: load_at, run: Run::Periodic { start: load_at, period: count, phase: 0 } },
                });
            }
        }
    }

    /// Modes 2 and 3 running with period `period`: a new count takes over
    /// at the end of the current cycle (mode 2) or half cycle (mode 3).
    fn reload_at_cycle_end(&self, period: u32, count: u32, k: u64) -> Load {
        let j = self.run.phase_at(k);
        let high_half = period.div_ceil(2);
        let (remaining, phase) = if self.mode == Mode::SquareWave && j < high_half {
            // End of the high half: go on with the low half of the new count.
            (high_half - j, count.div_ceil(2) % count.max(1))
        } else {
            (period - j, 0)
        };
        let at = k.saturating_add(u64::from(remaining));
        Load { at, run: Run::Periodic { start: at, period: count, phase } }
    }

    /// Brings the element to clock `k`, applies `change`, and counts a
    /// rising edge if the change raised OUT at once.
    fn event(&mut self, k: u64, change: impl FnOnce(&mut Self)) {
        self.advance(k);
        let k = self.seen.max(k);
        let before = self.out(k);
        change(self);
        if !before && self.out(k) {
            self.edges = self.edges.saturating_add(1);
        }
    }

    /// Counts OUT's rising edges up to clock `k` and performs a due load.
    fn advance(&mut self, k: u64) {
        if k > self.seen {
            let edges = self.edges_between(self.seen, k);
            self.edges = self.edges.saturating_add(edges);
            self.seen = k;
        }
        if let Some(load) = self.next.filter(|load| load.at <= self.seen) {
            self.run = load.run;
            self.next = None;
            self.null_count = false;
        }
    }

    /// Rising edges in `(after, until]`, across a scheduled load.
    fn edges_between(&self, after: u64, until: u64) -> u64 {
        match self.next {
            Some(load) if load.at <= until => {
                let at = load.at.max(after.saturating_add(1));
                let before = self.run.rising_edges(self.mode, after, at - 1);
                let at_load = u64::from(self.load_raises_out(Load { at, ..load }));
                let after_load = load.run.rising_edges(self.mode, at, until);
                before.saturating_add(at_load).saturating_add(after_load)
            }
            _ => self.run.rising_edges(self.mode, after, until),
        }
    }

    /// OUT is low just before `load` and high at it.
    fn load_raises_out(&self, load: Load) -> bool {
        !self.run.out(self.mode, load.at.saturating_sub(1)) && load.run.out(self.mode, load.at)
    }

    /// The run in force at clock `k`.
    fn run_at(&self, k: u64) -> &Run {
        match &self.next {
            Some(load) if load.at <= k => &load.run,
            _ => &self.run,
        }
    }
}
