//! Linux's uses of the PIT, access by access, on a simulated CPU whose TSC
//! advances by the cost of every port access (a trapped `in`/`out` costs a
//! VM exit: a microsecond or two, with jitter).
//!
//! - `pit_calibrate_tsc(latch, ms, loopmin)` (arch/x86/kernel/tsc.c, used
//!   by `pit_hpet_ptimer_calibrate_cpu`): gate on and speaker off through
//!   port 0x61, counter 2 in mode 0 with a 10 ms (or 50 ms) count, poll
//!   port 0x61 bit 5 until OUT2 goes high, TSC delta / ms = kHz.
//! - `quick_pit_calibrate`: counter 2 in mode 0 from 0xFFFF, follow the MSB
//!   through simple LSB/MSB reads until the error is below 500 ppm.

use crate::{Pit, INPUT_HZ};

/// A CPU running the guest: the TSC moves on with every instruction that
/// matters here.
struct Cpu {
    pit: Pit,
    tsc: u64,
    tsc_hz: u64,
    /// TSC ticks one trapped port access costs, before jitter.
    access_cost: u64,
    rng: u64,
}

impl Cpu {
    fn new(tsc_hz: u64, access_ns: u64) -> Self {
        let access_cost = tsc_hz / 1_000_000_000 * access_ns + 1;
        // Some arbitrary uptime, so nothing lines up with clock 0.
        Self { pit: Pit::new(tsc_hz), tsc: 12_345_678_901, tsc_hz, access_cost, rng: 0x1234_5678_9ABC_DEF1 }
    }

    /// Up to +25 % jitter on an access.
    fn jitter(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng % (self.access_cost / 4 + 1)
    }

    /// The access happens in the middle of its cost.
    fn inb(&mut self, port: u16) -> u8 {
        let half = self.access_cost / 2 + self.jitter();
        self.tsc += half;
        let value = self.pit.read(port, self.tsc);
        self.tsc += self.access_cost - self.access_cost / 2;
        value
    }

    fn outb(&mut self, value: u8, port: u16) {
        let half = self.access_cost / 2 + self.jitter();
        self.tsc += half;
        self.pit.write(port, value, self.tsc);
        self.tsc += self.access_cost - self.access_cost / 2;
    }

    fn get_cycles(&mut self) -> u64 {
        self.tsc += 20;
        self.tsc
    }
}

/// `pit_calibrate_tsc`: the TSC frequency in kHz, or `None` where Linux
/// returns `ULONG_MAX` (too few loops or too much spread).
fn pit_calibrate_tsc(cpu: &mut Cpu, latch: u16, ms: u64, loopmin: u64) -> Option<u64> {
    // Set the Gate high, disable speaker.
    let port_61 = cpu.inb(0x61);
    cpu.outb((port_61 & !0x02) | 0x01, 0x61);
    // Counter 2, mode 0, binary, LSB then MSB.
    cpu.outb(0xB0, 0x43);
    cpu.outb(latch.to_le_bytes()[0], 0x42);
    cpu.outb(latch.to_le_bytes()[1], 0x42);

    let t1 = cpu.get_cycles();
    let (mut tsc, mut t2) = (t1, t1);
    let (mut pitcnt, mut tscmin, mut tscmax) = (0u64, u64::MAX, 0u64);
    while cpu.inb(0x61) & 0x20 == 0 {
        t2 = cpu.get_cycles();
        let delta = t2 - tsc;
        tsc = t2;
        tscmin = tscmin.min(delta);
        tscmax = tscmax.max(delta);
        pitcnt += 1;
        assert!(pitcnt < 10_000_000, "OUT2 never went high");
    }
    if pitcnt < loopmin || tscmax > 10 * tscmin {
        return None;
    }
    Some((t2 - t1) / ms)
}

#[test]
fn linux_pit_calibrate_tsc_10ms_is_within_0_1_percent() {
    for (tsc_hz, access_ns) in [(2_893_312_456, 1_500), (3_600_000_000, 800), (1_000_000_000, 2_500)] {
        let mut cpu = Cpu::new(tsc_hz, access_ns);
        // CAL_LATCH = PIT_TICK_RATE / (1000 / CAL_MS), CAL_MS = 10, CAL_PIT_LOOPS = 1000.
        let latch = u16::try_from(INPUT_HZ / (1000 / 10)).unwrap();
        let khz = pit_calibrate_tsc(&mut cpu, latch, 10, 1000).expect("calibration accepted");
        let truth = cpu.tsc_hz as f64 / 1000.0;
        let error = (khz as f64 - truth).abs() / truth;
        assert!(error < 0.001, "{tsc_hz} Hz: measured {khz} kHz, error {error}");
    }
}

#[test]
fn linux_pit_calibrate_tsc_50ms_second_pass() {
    // CAL2_MS = 50, CAL2_LATCH = PIT_TICK_RATE / (1000 / 50), CAL2_PIT_LOOPS = 5000.
    let mut cpu = Cpu::new(2_100_000_000, 1_200);
    let latch = u16::try_from(INPUT_HZ / (1000 / 50)).unwrap();
    let khz = pit_calibrate_tsc(&mut cpu, latch, 50, 5000).expect("calibration accepted");
    assert!((khz as f64 - 2_100_000.0).abs() / 2_100_000.0 < 0.001, "{khz}");
}

#[test]
fn one_shot_from_0xffff_measures_65536_clocks() {
    let mut cpu = Cpu::new(2_893_312_456, 1_500);
    let port_61 = cpu.inb(0x61);
    cpu.outb((port_61 & !0x02) | 0x01, 0x61);
    cpu.outb(0xB0, 0x43);
    cpu.outb(0xFF, 0x42);
    cpu.outb(0xFF, 0x42);
    let start = cpu.get_cycles();
    while cpu.inb(0x61) & 0x20 == 0 {}
    let measured = (cpu.get_cycles() - start) as f64 / cpu.tsc_hz as f64;
    let truth = 65_536.0 / INPUT_HZ as f64;
    assert!((measured - truth).abs() / truth < 0.001, "{measured} s against {truth} s");
}

/// `pit_verify_msb`: ignore the LSB, compare the MSB.
fn pit_verify_msb(cpu: &mut Cpu, value: u8) -> bool {
    cpu.inb(0x42);
    cpu.inb(0x42) == value
}

/// `pit_expect_msb`: wait while the MSB is `value`; returns success, the
/// last TSC seen with it, and the uncertainty.
fn pit_expect_msb(cpu: &mut Cpu, value: u8) -> (bool, u64, u64) {
    let (mut tsc, mut prev_tsc) = (0, 0);
    let mut count = 0;
    while count < 50_000 {
        if !pit_verify_msb(cpu, value) {
            break;
        }
        prev_tsc = tsc;
        tsc = cpu.get_cycles();
        count += 1;
    }
    let delta = cpu.get_cycles() - prev_tsc;
    (count > 5, tsc, delta)
}

/// `quick_pit_calibrate`: kHz, or `None` for "Fast TSC calibration failed".
fn quick_pit_calibrate(cpu: &mut Cpu) -> Option<u64> {
    const MAX_QUICK_PIT_ITERATIONS: u64 = 50 * INPUT_HZ / 1000 / 256;
    let port_61 = cpu.inb(0x61);
    cpu.outb((port_61 & !0x02) | 0x01, 0x61);
    cpu.outb(0xB0, 0x43);
    cpu.outb(0xFF, 0x42);
    cpu.outb(0xFF, 0x42);
    pit_verify_msb(cpu, 0);

    let (ok, tsc, d1) = pit_expect_msb(cpu, 0xFF);
    if !ok {
        return None;
    }
    for i in 1..=MAX_QUICK_PIT_ITERATIONS {
        let (ok, end, d2) = pit_expect_msb(cpu, 0xFF - u8::try_from(i).unwrap());
        if !ok {
            return None;
        }
        let delta = end - tsc;
        if i == 1 && d1 + d2 >= (delta * MAX_QUICK_PIT_ITERATIONS) >> 11 {
            return None;
        }
        if d1 + d2 >= delta >> 11 {
            continue;
        }
        if !pit_verify_msb(cpu, 0xFE - u8::try_from(i).unwrap()) {
            return None;
        }
        return Some(delta * INPUT_HZ / (i * 256 * 1000));
    }
    None
}

#[test]
fn linux_quick_pit_calibrate_follows_the_msb() {
    for tsc_hz in [2_893_312_456u64, 3_600_000_000] {
        let mut cpu = Cpu::new(tsc_hz, 1_000);
        let khz = quick_pit_calibrate(&mut cpu).expect("fast calibration succeeds");
        let truth = tsc_hz as f64 / 1000.0;
        assert!((khz as f64 - truth).abs() / truth < 0.001, "{khz} kHz against {truth}");
    }
}

#[test]
fn linux_periodic_tick_then_one_shot_reprogramming() {
    // init_pit_timer / pit_set_periodic, then pit_shutdown (mode 0, count 0).
    let mut cpu = Cpu::new(3_000_000_000, 1_000);
    cpu.outb(0x34, 0x43);
    cpu.outb(0xA9, 0x40); // 1193 = 0x04A9
    cpu.outb(0x04, 0x40);
    let start = cpu.tsc;
    cpu.tsc += cpu.tsc_hz / 10;
    let ticks = cpu.pit.irq0_edges(cpu.tsc);
    assert!((99..=101).contains(&ticks), "{ticks} ticks in 100 ms");
    // pit_shutdown: mode 0 with count 0 (OUT low, next edge after 65537 clocks).
    cpu.outb(0x30, 0x43);
    cpu.outb(0, 0x40);
    cpu.outb(0, 0x40);
    assert_eq!(cpu.pit.irq0_edges(cpu.tsc), 0);
    let deadline = cpu.pit.next_irq0_deadline(cpu.tsc).expect("terminal count comes");
    let wait = (deadline - cpu.tsc) as f64 / cpu.tsc_hz as f64;
    assert!((wait - 65_537.0 / INPUT_HZ as f64).abs() < 1e-5, "{wait}");
    assert!(start < deadline);
}
