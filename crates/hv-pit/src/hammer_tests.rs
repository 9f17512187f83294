//! Many pseudo-random guest accesses at pseudo-random times (including
//! times that run backwards), checking invariants after each one.

use crate::{Channel, CountFormat, Pit, INPUT_HZ, MAX_IRQ0_EDGES, PORTS};

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A port, mostly ones the PIT decodes.
fn port(rng: &mut Rng) -> u16 {
    match rng.below(8) {
        0 => u16::from_le_bytes([rng.byte(), rng.byte()]),
        n => PORTS[usize::try_from(n % 5).unwrap()],
    }
}

/// A value, biased towards small counts and real control words.
fn value(rng: &mut Rng) -> u8 {
    const CONTROL_WORDS: [u8; 10] = [0x30, 0x34, 0x36, 0x38, 0xB0, 0xB2, 0xB6, 0xBA, 0xC2, 0x00];
    match rng.below(4) {
        0 => CONTROL_WORDS[usize::try_from(rng.below(10)).unwrap()],
        1 => rng.byte() % 8,
        _ => rng.byte(),
    }
}

/// The next `now`: mostly small steps, sometimes big ones or backwards.
fn step(rng: &mut Rng, now: u64) -> u64 {
    match rng.below(20) {
        0 => now.saturating_sub(rng.below(1_000)),
        1 => now.saturating_add(rng.below(1 << 40)),
        2 => rng.next(),
        _ => now.saturating_add(rng.below(64)),
    }
}

fn check_invariants(pit: &Pit, now: u64) {
    let state = pit.state(now);
    assert_eq!(state.port_61 & 0xC0, 0);
    assert_eq!(state.port_61 & 0x01 != 0, state.channels[2].gate);
    assert_eq!(state.port_61 & 0x20 != 0, state.channels[2].out);
    assert!(state.channels[0].gate && state.channels[1].gate);
    for (index, channel) in state.channels.iter().enumerate() {
        if channel.format == CountFormat::Bcd {
            for shift in [0, 4, 8, 12] {
                assert!((channel.count >> shift) & 0xF <= 9, "BCD digits");
            }
        }
        assert_eq!(channel.out, pit.out(Channel::ALL[index], now));
        assert_eq!(
            channel.mode.number(),
            if channel.mode_bits >= 6 { channel.mode_bits - 4 } else { channel.mode_bits }
        );
    }

    // The status byte agrees with the view (on a copy, after draining any
    // latched status or count).
    for channel in Channel::ALL {
        let mut copy = pit.clone();
        let port = 0x40 + u16::try_from(channel.index()).unwrap();
        for _ in 0..3 {
            copy.read(port, now);
        }
        copy.write(0x43, 0xE0 | (2 << channel.index()), now);
        let status = copy.read(port, now);
        let view = pit.state(now).channels[channel.index()];
        assert_eq!(status & 0x80 != 0, view.out, "status OUT");
        assert_eq!(status & 0x40 != 0, view.null_count, "status null count");
        assert_eq!((status >> 1) & 7, view.mode_bits);
    }

    // The deadline is the next edge: none before it, one at it.
    let mut copy = pit.clone();
    assert!(copy.irq0_edges(now) <= MAX_IRQ0_EDGES);
    match copy.next_irq0_deadline(now) {
        Some(deadline) => {
            assert!(deadline > now);
            assert_eq!(copy.irq0_edges(deadline - 1), 0, "no edge before the deadline");
            assert!(copy.irq0_edges(deadline) >= 1, "an edge at the deadline");
        }
        None => assert_eq!(copy.irq0_edges(now.saturating_add(1 << 30)), 0, "no edge at all"),
    }
}

#[test]
fn random_accesses_keep_the_invariants() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..300 {
        let tsc_hz = match round % 4 {
            0 => INPUT_HZ,
            1 => 1 + rng.below(10_000_000_000),
            2 => 0,
            _ => 3_000_000_000,
        };
        let mut pit = Pit::new(tsc_hz);
        let mut now = rng.below(1 << 50);
        for _ in 0..300 {
            now = step(&mut rng, now);
            match rng.below(6) {
                0..=2 => pit.write(port(&mut rng), value(&mut rng), now),
                3 | 4 => {
                    let port = port(&mut rng);
                    let read = pit.read(port, now);
                    if !PORTS.contains(&port) || port == 0x43 {
                        assert_eq!(read, 0xFF);
                    }
                }
                _ => assert!(pit.irq0_edges(now) <= MAX_IRQ0_EDGES),
            }
            check_invariants(&pit, now);
        }
    }
}

/// With one TSC tick per input clock, the edges `irq0_edges` counts over a
/// window equal the low-to-high changes of OUT0 sampled at every clock.
#[test]
fn edge_counts_match_sampled_out0() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for _ in 0..2_000 {
        let mut pit = Pit::new(INPUT_HZ);
        let mut now = 1_000;
        for _ in 0..6 {
            now += rng.below(12);
            let port = [0x40, 0x43][usize::try_from(rng.below(2)).unwrap()];
            const CONTROL_WORDS: [u8; 6] = [0x30, 0x34, 0x36, 0x38, 0x10, 0x14];
            let value =
                if port == 0x43 { CONTROL_WORDS[usize::try_from(rng.below(6)).unwrap()] } else { rng.byte() % 12 };
            pit.write(port, value, now);
        }
        pit.irq0_edges(now);
        let window = 200;
        let sampled: Vec<bool> = (now..=now + window).map(|t| pit.out(Channel::Zero, t)).collect();
        let expected = sampled.windows(2).filter(|w| !w[0] && w[1]).count() as u64;
        let first_edge = sampled.windows(2).position(|w| !w[0] && w[1]).map(|i| now + 1 + i as u64);
        match (first_edge, pit.next_irq0_deadline(now)) {
            (Some(edge), deadline) => assert_eq!(deadline, Some(edge)),
            (None, Some(deadline)) => assert!(deadline > now + window),
            (None, None) => {}
        }
        assert_eq!(pit.irq0_edges(now + window), expected);
    }
}
