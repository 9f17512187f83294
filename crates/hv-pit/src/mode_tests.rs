//! The 8254 datasheet's programming model and mode waveforms, through the
//! port interface. With `tsc_hz` = [`INPUT_HZ`] one TSC tick is one input
//! clock, so times below are clock indices.

use crate::{Channel, Mode, Pit, INPUT_HZ, MAX_IRQ0_EDGES};

const C0: u16 = 0x40;
const C2: u16 = 0x42;
const CTRL: u16 = 0x43;
const PORT_61: u16 = 0x61;

fn clocked() -> Pit {
    Pit::new(INPUT_HZ)
}

/// Control word and a two-byte count for counter 0 at clock `t`.
fn program_0(pit: &mut Pit, control: u8, count: u16, t: u64) {
    let [low, high] = count.to_le_bytes();
    pit.write(CTRL, control, t);
    pit.write(C0, low, t);
    pit.write(C0, high, t);
}

/// A two-byte simple read of counter `port`.
fn read_count(pit: &mut Pit, port: u16, t: u64) -> u16 {
    let low = pit.read(port, t);
    let high = pit.read(port, t);
    u16::from_le_bytes([low, high])
}

fn outs(pit: &Pit, channel: Channel, clocks: core::ops::RangeInclusive<u64>) -> Vec<bool> {
    clocks.map(|t| pit.out(channel, t)).collect()
}

#[test]
fn power_on_counters_wait_for_a_program() {
    let mut pit = clocked();
    assert_eq!(pit.next_irq0_deadline(0), None);
    assert_eq!(pit.irq0_edges(10_000_000), 0);
    let state = pit.state(10_000_000);
    for channel in state.channels {
        assert!(channel.out && channel.null_count);
        assert_eq!((channel.mode, channel.count, channel.count_register), (Mode::SquareWave, 0, None));
    }
    assert!(!state.channels[2].gate && state.channels[0].gate);
    assert_eq!(pit.read(CTRL, 0), 0xFF, "the control register cannot be read");
    assert_eq!(pit.read(0x44, 0), 0xFF);
}

#[test]
fn mode_0_out_rises_n_plus_1_clocks_after_the_count() {
    // "Mode 0: Interrupt on Terminal Count".
    let mut pit = clocked();
    program_0(&mut pit, 0x30, 5, 100);
    assert!(!pit.out(Channel::Zero, 100));
    assert_eq!(pit.next_irq0_deadline(100), Some(106));
    assert_eq!(outs(&pit, Channel::Zero, 100..=107), [false, false, false, false, false, false, true, true]);
    let counts: Vec<u16> = (101..=108).map(|t| read_count(&mut pit, C0, t)).collect();
    assert_eq!(counts, [5, 4, 3, 2, 1, 0, 0xFFFF, 0xFFFE], "wraps and keeps counting");
    assert_eq!(pit.irq0_edges(108), 1);
    assert_eq!(pit.next_irq0_deadline(108), None, "OUT stays high until reprogrammed");
    assert_eq!(pit.irq0_edges(1_000_000), 0);
}

#[test]
fn mode_0_count_of_zero_is_65536() {
    let mut pit = clocked();
    program_0(&mut pit, 0x30, 0, 7);
    assert_eq!(pit.next_irq0_deadline(7), Some(7 + 65_537));
    assert!(!pit.out(Channel::Zero, 7 + 65_536));
    assert_eq!(read_count(&mut pit, C0, 8), 0, "65536 reads as 0");
    assert_eq!(read_count(&mut pit, C0, 9), 0xFFFF);
}

#[test]
fn mode_0_first_byte_stops_counting_and_second_restarts() {
    let mut pit = clocked();
    program_0(&mut pit, 0x30, 10, 0);
    assert_eq!(read_count(&mut pit, C0, 4), 7);
    pit.write(C0, 20, 5);
    assert_eq!(read_count(&mut pit, C0, 9), 6, "held since the first byte");
    pit.write(C0, 0, 9);
    assert_eq!(read_count(&mut pit, C0, 10), 20);
    assert_eq!(pit.next_irq0_deadline(10), Some(9 + 21));
    assert_eq!(pit.irq0_edges(100), 1, "the first count never reached terminal count");
}

#[test]
fn mode_0_new_count_after_terminal_count_drops_out_again() {
    let mut pit = clocked();
    program_0(&mut pit, 0x30, 2, 0);
    assert!(pit.out(Channel::Zero, 3));
    pit.write(C0, 3, 10);
    assert!(!pit.out(Channel::Zero, 10), "OUT low at once");
    pit.write(C0, 0, 10);
    assert_eq!(pit.next_irq0_deadline(10), Some(14));
    assert_eq!(pit.irq0_edges(20), 2);
}

#[test]
fn mode_2_rate_generator_count_1193_runs_at_1000_hz() {
    // Linux's periodic tick: 0x34, LATCH = 1193 at HZ = 1000.
    let tsc_hz = 2_893_312_456u64;
    let mut pit = Pit::new(tsc_hz);
    let start = 5 * tsc_hz;
    program_0(&mut pit, 0x34, 1193, start);
    let mut edges = 0;
    let mut deadlines = Vec::new();
    let mut now = start;
    while now < start + tsc_hz {
        let deadline = pit.next_irq0_deadline(now).expect("periodic");
        assert!(deadline > now);
        deadlines.push(deadline);
        now = deadline;
        edges += pit.irq0_edges(now);
    }
    assert_eq!(edges, deadlines.len() as u64, "one edge per deadline");
    assert!((1000..=1001).contains(&edges), "{edges} edges in one second");
    let period_tsc = 1193.0 * tsc_hz as f64 / INPUT_HZ as f64;
    for pair in deadlines.windows(2) {
        assert!(((pair[1] - pair[0]) as f64 - period_tsc).abs() <= 1.0);
    }
    let hz = INPUT_HZ as f64 / 1193.0;
    assert!((hz - 1000.15).abs() < 0.01);
}

#[test]
fn mode_2_is_low_for_one_clock_and_reads_n_down_to_1() {
    let mut pit = clocked();
    program_0(&mut pit, 0x34, 4, 0);
    assert_eq!(outs(&pit, Channel::Zero, 0..=9), [true, true, true, true, false, true, true, true, false, true]);
    let counts: Vec<u16> = (1..=6).map(|t| read_count(&mut pit, C0, t)).collect();
    assert_eq!(counts, [4, 3, 2, 1, 4, 3]);
    assert_eq!(pit.irq0_edges(9), 2);
}

#[test]
fn mode_2_new_count_waits_for_the_end_of_the_period() {
    let mut pit = clocked();
    program_0(&mut pit, 0x34, 10, 0); // loaded at 1, edges at 11, 21, ...
    pit.write(C0, 3, 5);
    pit.write(C0, 0, 5);
    assert_eq!(pit.state(6).channels[0].count_register, Some(3));
    assert!(pit.state(6).channels[0].null_count);
    assert_eq!(read_count(&mut pit, C0, 10), 1, "current period unaffected");
    assert_eq!(pit.next_irq0_deadline(10), Some(11));
    assert_eq!(read_count(&mut pit, C0, 11), 3);
    assert!(!pit.state(11).channels[0].null_count);
    assert_eq!(pit.next_irq0_deadline(11), Some(14));
}

#[test]
fn mode_2_count_of_1_never_interrupts() {
    let mut pit = clocked();
    program_0(&mut pit, 0x34, 1, 0);
    assert_eq!(pit.next_irq0_deadline(0), None);
    assert_eq!(pit.irq0_edges(1_000), 0);
}

#[test]
fn mode_3_square_wave_even_and_odd() {
    // "Mode 3: Square Wave Mode".
    let mut pit = clocked();
    program_0(&mut pit, 0x36, 4, 0);
    assert_eq!(outs(&pit, Channel::Zero, 1..=9), [true, true, false, false, true, true, false, false, true]);
    let counts: Vec<u16> = (1..=4).map(|t| read_count(&mut pit, C0, t)).collect();
    assert_eq!(counts, [4, 2, 4, 2]);

    program_0(&mut pit, 0x36, 5, 100);
    assert_eq!(
        outs(&pit, Channel::Zero, 101..=111),
        [true, true, true, false, false, true, true, true, false, false, true]
    );
    assert_eq!(pit.next_irq0_deadline(101), Some(106));
}

#[test]
fn mode_3_count_of_zero_is_18_2_hz() {
    let mut pit = clocked();
    program_0(&mut pit, 0x36, 0, 0);
    assert_eq!(pit.next_irq0_deadline(0), Some(1 + 65_536));
    assert!(!pit.out(Channel::Zero, 1 + 32_768));
    assert!(pit.out(Channel::Zero, 32_768));
    assert_eq!(pit.irq0_edges(INPUT_HZ), 18);
}

#[test]
fn mode_3_new_count_takes_over_at_the_half_cycle() {
    let mut pit = clocked();
    program_0(&mut pit, 0x36, 10, 0); // high 1..=5, low 6..=10
    pit.write(C0, 4, 2);
    pit.write(C0, 0, 2);
    assert!(pit.out(Channel::Zero, 5));
    assert_eq!(outs(&pit, Channel::Zero, 6..=12), [false, false, true, true, false, false, true]);
}

#[test]
fn modes_6_and_7_behave_as_2_and_3_and_read_back_as_written() {
    let mut pit = clocked();
    program_0(&mut pit, 0x3C, 4, 0); // mode 6
    assert_eq!(pit.state(1).channels[0].mode, Mode::RateGenerator);
    assert_eq!(pit.state(1).channels[0].mode_bits, 6);
    assert_eq!(pit.next_irq0_deadline(1), Some(5));
    pit.write(CTRL, 0xE2, 2);
    assert_eq!(pit.read(C0, 2) & 0x3F, 0x3C, "status shows mode bits 110");
    program_0(&mut pit, 0x3E, 4, 10); // mode 7
    assert_eq!(pit.state(11).channels[0].mode, Mode::SquareWave);
}

#[test]
fn mode_4_strobes_low_for_one_clock() {
    // "Mode 4: Software Triggered Strobe".
    let mut pit = clocked();
    program_0(&mut pit, 0x38, 3, 0);
    assert_eq!(outs(&pit, Channel::Zero, 0..=6), [true, true, true, true, false, true, true]);
    assert_eq!(pit.next_irq0_deadline(0), Some(5));
    assert_eq!(pit.irq0_edges(100), 1);
    assert_eq!(pit.next_irq0_deadline(100), None, "one strobe per count written");
}

#[test]
fn mode_1_one_shot_triggered_and_retriggered_by_gate_2() {
    // "Mode 1: Hardware Retriggerable One-Shot" on counter 2.
    let mut pit = clocked();
    pit.write(CTRL, 0xB2, 0);
    pit.write(C2, 5, 0);
    pit.write(C2, 0, 0);
    assert!(pit.out(Channel::Two, 50), "no trigger yet");
    pit.write(PORT_61, 0x01, 50);
    assert!(pit.out(Channel::Two, 50));
    assert_eq!(outs(&pit, Channel::Two, 51..=57), [false, false, false, false, false, true, true]);
    // Retrigger in the middle: low for 5 clocks after the new trigger.
    pit.write(PORT_61, 0x00, 53);
    pit.write(PORT_61, 0x01, 53);
    assert_eq!(outs(&pit, Channel::Two, 54..=60), [false, false, false, false, false, true, true]);
    assert_eq!(pit.read(PORT_61, 56) & 0x20, 0, "OUT2 on port 0x61 bit 5");
    assert_eq!(pit.read(PORT_61, 59) & 0x20, 0x20);
}

#[test]
fn mode_1_and_5_on_counter_0_never_trigger() {
    let mut pit = clocked();
    program_0(&mut pit, 0x32, 5, 0);
    assert_eq!(pit.next_irq0_deadline(0), None);
    assert!(pit.out(Channel::Zero, 100));
    program_0(&mut pit, 0x3A, 5, 200);
    assert_eq!(pit.irq0_edges(10_000), 0);
}

#[test]
fn mode_5_strobe_after_the_trigger() {
    // "Mode 5: Hardware Triggered Strobe (Retriggerable)".
    let mut pit = clocked();
    pit.write(CTRL, 0x9A, 0); // counter 2, LSB only, mode 5
    pit.write(C2, 3, 0);
    pit.write(PORT_61, 0x01, 10);
    assert_eq!(outs(&pit, Channel::Two, 10..=16), [true, true, true, true, false, true, true]);
}

#[test]
fn gate_2_suspends_mode_0_and_restarts_mode_3() {
    let mut pit = clocked();
    pit.write(PORT_61, 0x01, 0);
    pit.write(CTRL, 0xB0, 0);
    pit.write(C2, 10, 0);
    pit.write(C2, 0, 0);
    assert_eq!(read_count(&mut pit, C2, 4), 7);
    pit.write(PORT_61, 0x00, 4);
    assert_eq!(read_count(&mut pit, C2, 50), 7, "GATE low: counting suspended");
    pit.write(PORT_61, 0x01, 50);
    assert!(!pit.out(Channel::Two, 56));
    assert!(pit.out(Channel::Two, 57), "7 more clocks after GATE rose");

    pit.write(CTRL, 0xB6, 100); // mode 3
    pit.write(C2, 4, 100);
    pit.write(C2, 0, 100);
    assert!(!pit.out(Channel::Two, 103));
    pit.write(PORT_61, 0x00, 103);
    assert!(pit.out(Channel::Two, 103), "GATE low forces OUT high at once");
    assert!(pit.out(Channel::Two, 200));
    pit.write(PORT_61, 0x01, 200);
    assert_eq!(outs(&pit, Channel::Two, 201..=205), [true, true, false, false, true], "restarted");
}

#[test]
fn mode_0_count_written_with_gate_low_loads_then_waits() {
    let mut pit = clocked();
    pit.write(CTRL, 0xB0, 0);
    pit.write(C2, 3, 0);
    pit.write(C2, 0, 0);
    assert!(pit.state(0).channels[2].null_count);
    assert!(!pit.state(1).channels[2].null_count, "loaded on the next clock even with GATE low");
    assert_eq!(read_count(&mut pit, C2, 20), 3);
    pit.write(PORT_61, 0x01, 20);
    assert!(pit.out(Channel::Two, 23), "N clocks after GATE, no load clock needed");
    assert!(!pit.out(Channel::Two, 22));
}

#[test]
fn counter_latch_holds_the_count_until_read() {
    // "Counter Latch Command".
    let mut pit = clocked();
    program_0(&mut pit, 0x30, 1000, 0);
    pit.write(CTRL, 0x00, 100);
    pit.write(CTRL, 0x00, 200); // ignored: not yet read
    assert_eq!(read_count(&mut pit, C0, 300), 901);
    assert_eq!(read_count(&mut pit, C0, 300), 701, "latch released, simple read again");
}

#[test]
fn reads_and_writes_have_separate_flip_flops() {
    // "Read Operations": read LSB, write LSB, read MSB, write MSB.
    let mut pit = clocked();
    program_0(&mut pit, 0x30, 0x1234, 0);
    pit.write(CTRL, 0x00, 1);
    assert_eq!(pit.read(C0, 2), 0x34);
    pit.write(C0, 0x00, 2);
    assert_eq!(pit.read(C0, 3), 0x12);
    pit.write(C0, 0x01, 3);
    assert_eq!(read_count(&mut pit, C0, 4), 0x0100);
}

#[test]
fn lsb_only_and_msb_only_access() {
    let mut pit = clocked();
    pit.write(CTRL, 0x10, 0); // LSB only, mode 0
    pit.write(C0, 0x80, 0);
    assert_eq!(pit.state(0).channels[0].count_register, Some(0x0080));
    assert_eq!(pit.read(C0, 1), 0x80);
    assert_eq!(pit.read(C0, 2), 0x7F, "every read is the LSB");
    pit.write(CTRL, 0x20, 10); // MSB only, mode 0
    pit.write(C0, 0x02, 10);
    assert_eq!(pit.state(10).channels[0].count_register, Some(0x0200));
    assert_eq!(pit.read(C0, 11), 0x02);
    assert_eq!(pit.read(C0, 12), 0x01);
    pit.write(CTRL, 0x00, 12);
    assert_eq!(pit.read(C0, 20), 0x01, "latched MSB");
    assert_eq!(pit.read(C0, 300), 0x00);
}

#[test]
fn read_back_latches_status_and_count_of_several_counters() {
    // "Read-Back Command": status first, then the count; repeated latches
    // before the read are ignored.
    let mut pit = clocked();
    program_0(&mut pit, 0x30, 100, 0);
    pit.write(CTRL, 0xB4, 0); // counter 2 LSB/MSB mode 2
    pit.write(C2, 50, 0);
    pit.write(C2, 0, 0);
    pit.write(CTRL, 0xC0 | 0b1010, 0); // count and status of counters 0 and 2
    pit.write(CTRL, 0xE2, 20); // status of counter 0 again: ignored
    assert_eq!(pit.read(C0, 30), 0b0111_0000, "OUT low, null count, LSB/MSB, mode 0");
    assert_eq!(read_count(&mut pit, C0, 30), 0, "latched before the load: not yet the new count");
    assert_eq!(pit.read(C2, 40), 0b1111_0100, "OUT high (mode 2), null count, mode 2");
    assert_eq!(pit.read(C2, 40), 0, "GATE low: never loaded");

    pit.write(CTRL, 0xE2, 500);
    assert_eq!(pit.read(C0, 500), 0b1011_0000, "OUT high after terminal count, count loaded");
    pit.write(CTRL, 0xD2, 501); // count only
    assert_eq!(read_count(&mut pit, C0, 600), 100u16.wrapping_sub(500), "value at clock 501");
}

#[test]
fn bcd_counting() {
    let mut pit = clocked();
    program_0(&mut pit, 0x31, 0x0012, 0); // mode 0 BCD, 12
    let counts: Vec<u16> = (1..=4).map(|t| read_count(&mut pit, C0, t)).collect();
    assert_eq!(counts, [0x12, 0x11, 0x10, 0x09]);
    assert_eq!(pit.next_irq0_deadline(0), Some(13));
    assert_eq!(read_count(&mut pit, C0, 14), 0x9999, "wraps to 9999");
    program_0(&mut pit, 0x35, 0x0000, 100); // mode 2 BCD, 0 = 10000
    assert_eq!(pit.next_irq0_deadline(100), Some(101 + 10_000));
    pit.write(CTRL, 0xE2, 101);
    assert_eq!(pit.read(C0, 101) & 1, 1, "BCD bit in status");
}

#[test]
fn port_61_gate_speaker_and_refresh_toggle() {
    let mut pit = clocked();
    pit.write(PORT_61, 0xF3, 0);
    let value = pit.read(PORT_61, 0);
    assert_eq!(value & 0xCF, 0x03, "bits 7:6 read 0, bits 3:0 stored");
    assert!(pit.state(0).channels[2].gate);
    let toggles = (0..100u64).map(|n| pit.read(PORT_61, n * 18) & 0x10).collect::<Vec<_>>();
    assert!(toggles.windows(2).all(|w| w[0] != w[1]), "bit 4 flips every 15 us");
}

#[test]
fn control_word_raising_out0_is_an_edge() {
    let mut pit = clocked();
    program_0(&mut pit, 0x30, 1000, 0);
    assert!(!pit.out(Channel::Zero, 10));
    pit.write(CTRL, 0x34, 10);
    assert!(pit.out(Channel::Zero, 10));
    assert_eq!(pit.irq0_edges(10), 1);
}

#[test]
fn time_running_backwards_is_clamped() {
    let mut pit = clocked();
    program_0(&mut pit, 0x34, 10, 1000);
    assert_eq!(pit.irq0_edges(1100), 9, "edges at 1011, 1021, ..., 1091");
    pit.write(C0, 5, 500);
    pit.write(C0, 0, 400);
    assert_eq!(pit.irq0_edges(0), 0);
    assert_eq!(pit.next_irq0_deadline(0), Some(1101), "as if at 1100");
}

#[test]
fn edge_reports_are_capped() {
    let mut pit = clocked();
    program_0(&mut pit, 0x34, 2, 0);
    assert_eq!(pit.irq0_edges(u64::MAX), MAX_IRQ0_EDGES);
    assert_eq!(pit.irq0_edges(u64::MAX), 0, "the excess is dropped");
    assert_eq!(pit.next_irq0_deadline(u64::MAX), None, "beyond the TSC range");
}
