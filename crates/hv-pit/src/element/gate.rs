//! What the GATE input does in each mode (8254 datasheet, figure "Gate Pin
//! Operations Summary", and "Mode Definitions"): it enables counting in
//! modes 0 and 4, triggers in modes 1 and 5, and in modes 2 and 3 stops
//! counting with OUT high while low and restarts the cycle when it rises.
//! Only counter 2's GATE ever changes on a PC.

use super::{CountingElement, Load};
use crate::mode::Mode;
use crate::run::{Run, Terminal};

impl CountingElement {
    /// The gate input changes.
    pub(crate) fn set_gate(&mut self, high: bool, k: u64) {
        if high == self.gate {
            return;
        }
        self.event(k, |element| {
            element.gate = high;
            if element.mode.gate_triggers() {
                if high {
                    element.trigger(k);
                }
            } else if element.mode.is_periodic() {
                element.periodic_gate(high, k);
            } else {
                element.countdown_gate(high, k);
            }
        });
    }

    /// Modes 1 and 5, rising GATE: the CR is loaded on the next CLK pulse
    /// and the one-shot (re)starts; without a count nothing happens.
    fn trigger(&mut self, k: u64) {
        if let Some(count) = self.count_register {
            let at = k.saturating_add(1);
            let value = count % self.format.modulus();
            self.next = Some(Load { at, run: Run::Countdown { start: at, value, terminal: Terminal::In(count) } });
        }
    }

    /// Modes 2 and 3: GATE low forces OUT high and stops counting; GATE
    /// high reloads the CR on the next CLK pulse and starts a new cycle.
    fn periodic_gate(&mut self, high: bool, k: u64) {
        if high {
            if let Some(count) = self.count_register {
                let at = k.saturating_add(1);
                self.next = Some(Load { at, run: Run::Periodic { start: at, period: count, phase: 0 } });
            }
        } else {
            self.run = Run::Held { value: self.value(k), out: true, resume: None };
            self.next = None;
        }
    }

    /// Modes 0 and 4: GATE low suspends counting (OUT unaffected), GATE
    /// high resumes it. A count loading on the next clock still loads.
    fn countdown_gate(&mut self, high: bool, k: u64) {
        let out_when_loaded = self.mode.initial_out();
        if let Some(load) = &mut self.next {
            load.run = match load.run {
                Run::Countdown { value, terminal, .. } if !high => {
                    Run::Held { value, out: out_when_loaded, resume: Some(terminal) }
                }
                Run::Held { value, resume: Some(terminal), .. } if high => {
                    Run::Countdown { start: load.at, value, terminal }
                }
                other => other,
            };
        }
        self.run = match self.run {
            Run::Countdown { start, terminal, .. } if !high => {
                let elapsed = k.saturating_sub(start);
                let resume = match terminal {
                    Terminal::In(clocks) if u64::from(clocks) > elapsed => {
                        Terminal::In(u32::try_from(u64::from(clocks) - elapsed).unwrap_or(clocks))
                    }
                    // Paused at or after terminal count: a mode 4 strobe
                    // in progress ends here.
                    _ => Terminal::Passed,
                };
                let out = self.mode == Mode::SoftwareStrobe || self.out(k);
                Run::Held { value: self.value(k), out, resume: Some(resume) }
            }
            Run::Held { value, resume: Some(terminal), .. } if high => Run::Countdown { start: k, value, terminal },
            other => other,
        };
    }
}
