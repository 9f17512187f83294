//! The legacy 8254 programmable interval timer, used once at boot as a known
//! clock (1.193182 MHz) to measure the TSC frequency.
//!
//! Channel 2 is used because its gate is software-controlled (port 0x61 bit 0)
//! and its output is readable (port 0x61 bit 5), so no interrupt is needed.

#![allow(unsafe_code, reason = "mechanism layer: PIT port I/O")]

use x86_64::instructions::port::Port;

/// PIT input clock in Hz.
pub const PIT_HZ: u64 = 1_193_182;

const CHANNEL2_DATA: u16 = 0x42;
const MODE_COMMAND: u16 = 0x43;
const SPEAKER_CONTROL: u16 = 0x61;

/// Busy-waits `ticks` PIT periods using channel 2 in mode 0 (interrupt on
/// terminal count) and returns the TSC values read just before and after.
///
/// `ticks` must fit in 16 bits.
pub fn measure_tsc_over(ticks: u16, rdtsc: fn() -> u64) -> (u64, u64) {
    let mut control = Port::<u8>::new(SPEAKER_CONTROL);
    let mut command = Port::<u8>::new(MODE_COMMAND);
    let mut data = Port::<u8>::new(CHANNEL2_DATA);
    let [low, high] = ticks.to_le_bytes();
    // SAFETY: ports 0x42/0x43/0x61 are the architectural PIT channel 2 and
    // speaker-control ports of every PC; the speaker itself stays off
    // (bit 1 cleared), only the channel 2 gate (bit 0) is raised.
    unsafe {
        let value = control.read();
        control.write((value & !0b10) | 0b01);
        // Channel 2, access lobyte/hibyte, mode 0, binary.
        command.write(0b1011_0000);
        data.write(low);
        data.write(high);
    }
    let start = rdtsc();
    // SAFETY: reading the speaker-control port has no side effect.
    while unsafe { control.read() } & 0x20 == 0 {
        core::hint::spin_loop();
    }
    (start, rdtsc())
}
