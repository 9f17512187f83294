//! The fake machine the simulated kernel runs on: a TSC, guests with scripted
//! behaviour, and a VMX-preemption timer that follows the hardware's rule.
//!
//! Why: the scheduler's promises (anchored frames, bounded overrun, shares)
//! only mean something against a machine that misbehaves the way real ones
//! do: the timer expires on the `value`-th change of TSC bit X after entry
//! (so up to one period early or late relative to the deadline), sometimes
//! fires at an arbitrary earlier moment (erratum EMR158), guests take other
//! exits (I/O) at random moments, and every exit and wake-up costs a random
//! latency during which the TSC runs on.

use hv_sched::{expiry_window, timer_granularity, PartitionId, MAX_PARTITIONS};

use crate::rng::Rng;

/// What a guest does when it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Computes forever; only the timer takes the CPU back.
    Spin,
    /// Yields (hypercall) after every this many ticks of work.
    YieldEvery(u64),
    /// Halts for good once it has run this many ticks in total.
    HaltAfter(u64),
}

/// Why the guest exited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// VMX-preemption timer expired (possibly early).
    Timer,
    /// Some other exit (I/O, CPUID, ...), handled and resumable.
    Io,
    /// The `Yield` hypercall.
    Yield,
    /// HLT; the guest never runs again.
    Halt,
}

/// How badly the machine behaves.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// IA32_VMX_MISC\[4:0\].
    pub timer_shift: u8,
    /// Ticks an exit (or an idle wake-up) may take beyond its event, at most.
    pub max_latency: u64,
    /// Chance per entry that the guest takes an I/O exit before the timer.
    pub io_exit_permille: u64,
    /// Chance per entry that the timer fires at a random earlier moment.
    pub erratic_timer_permille: u64,
}

/// A guest's progress.
#[derive(Clone, Copy, Debug)]
struct Guest {
    behaviour: Behaviour,
    /// Work done since its last yield.
    since_yield: u64,
    /// Ticks executed in total (exit latency excluded).
    executed: u64,
    halted: bool,
}

/// The simulated CPU.
#[derive(Debug)]
pub struct Machine {
    now: u64,
    config: Config,
    rng: Rng,
    guests: [Option<Guest>; MAX_PARTITIONS],
    /// Timer exits so far (early ones included).
    timer_exits: u64,
}

impl Machine {
    /// A machine whose TSC reads `start`, with the given guests.
    pub fn new(config: Config, start: u64, guests: &[(PartitionId, Behaviour)], seed: u64) -> Self {
        let mut table = [None; MAX_PARTITIONS];
        for &(id, behaviour) in guests {
            table[id.index()] = Some(Guest { behaviour, since_yield: 0, executed: 0, halted: false });
        }
        Self { now: start, config, rng: Rng::new(seed), guests: table, timer_exits: 0 }
    }

    /// The TSC.
    pub const fn rdtsc(&self) -> u64 {
        self.now
    }

    /// IA32_VMX_MISC\[4:0\].
    pub const fn timer_shift(&self) -> u8 {
        self.config.timer_shift
    }

    /// Whether `p` exists and has not halted.
    pub fn runnable(&self, p: PartitionId) -> bool {
        self.guests[p.index()].is_some_and(|g| !g.halted)
    }

    /// Ticks `p` executed (exit latency excluded).
    pub fn executed(&self, p: PartitionId) -> u64 {
        self.guests[p.index()].map_or(0, |g| g.executed)
    }

    /// Timer exits so far (early ones included).
    pub const fn timer_exits(&self) -> u64 {
        self.timer_exits
    }

    /// Idles until the TSC reaches `wake`, plus a random wake-up latency.
    pub fn idle_until(&mut self, wake: u64) {
        self.now = self.now.max(wake) + self.rng.range(0, self.config.max_latency);
    }

    /// Enters `p` with the preemption timer set to `timer_value`; returns
    /// when and why it exited (the TSC has advanced accordingly).
    pub fn enter(&mut self, p: PartitionId, timer_value: u32) -> Exit {
        assert!(timer_value > 0, "entered with an expired deadline: no guest instruction would run");
        let entry = self.now;
        let period = timer_granularity(self.config.timer_shift);
        // The hardware rule: expiry on the value-th change of TSC bit X.
        let mut expiry = (entry / period + u64::from(timer_value)) * period;
        let (earliest, latest) = expiry_window(timer_value, self.config.timer_shift);
        assert!((earliest..=latest).contains(&(expiry - entry)));
        let (mut event_at, mut exit) = (expiry, Exit::Timer);
        if self.rng.chance(self.config.erratic_timer_permille) {
            expiry = self.rng.range(entry + 1, expiry);
            event_at = expiry;
        }
        if self.rng.chance(self.config.io_exit_permille) {
            let io_at = self.rng.range(entry + 1, expiry);
            if io_at < event_at {
                (event_at, exit) = (io_at, Exit::Io);
            }
        }
        let guest = self.guests[p.index()].as_mut().expect("entered a partition that does not exist");
        assert!(!guest.halted, "entered a halted partition");
        let voluntary = match guest.behaviour {
            Behaviour::Spin => None,
            Behaviour::YieldEvery(work) => Some((entry + (work - guest.since_yield), Exit::Yield)),
            Behaviour::HaltAfter(total) => Some((entry + (total - guest.executed), Exit::Halt)),
        };
        if let Some((at, why)) = voluntary.filter(|&(at, _)| at <= event_at) {
            (event_at, exit) = (at, why);
        }
        let ran = event_at - entry;
        guest.executed += ran;
        guest.since_yield += ran;
        match exit {
            Exit::Yield => guest.since_yield = 0,
            Exit::Halt => guest.halted = true,
            Exit::Timer => self.timer_exits += 1,
            Exit::Io => {}
        }
        self.now = event_at + self.rng.range(0, self.config.max_latency);
        exit
    }
}
