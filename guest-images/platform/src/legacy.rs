//! The PC's legacy interrupt and timer chips, used as an operating system
//! uses them: the 8254 PIT (channel 2 gated through port 0x61 for TSC
//! calibration, channel 0 as the periodic tick on IRQ0), the 8259 pair
//! (initialised, masked, unmasked), the I/O APIC (IRQ0 on pin 2, the UART
//! on pin 4) and the 16550's interrupt.

use crate::apic::{reg, Apic};
use crate::arch::{self, inb, outb, rdtsc};
use crate::measure::{error_permille, idle, percent, wait_for, TOLERANCE_PERMILLE};
use crate::timers::Clocks;
use crate::{check, interrupts, say};

/// The PIT's input clock (8254 datasheet; the PC's 14.31818 MHz / 12).
const PIT_HZ: u64 = 1_193_182;
const IOAPIC: u64 = 0xFEC0_0000;

fn tsc_for_pit(clocks: &Clocks, pit_clocks: u64) -> u64 {
    u64::try_from(u128::from(pit_clocks) * u128::from(clocks.tsc_hz) / u128::from(PIT_HZ)).unwrap_or(u64::MAX)
}

/// TSC calibration the way Linux's `pit_calibrate_tsc` does it: channel 2
/// in mode 0 with a 10 ms count, gate on through port 0x61, poll OUT2
/// (port 0x61 bit 5) until it goes high.
pub fn pit_channel2_calibration(clocks: &Clocks) {
    const COUNT: u64 = PIT_HZ / 100;
    outb(0x61, (inb(0x61) & !0x02) | 0x01);
    outb(0x43, 0b1011_0000); // channel 2, LSB then MSB, mode 0, binary
    let [low, high, ..] = COUNT.to_le_bytes();
    outb(0x42, low);
    let start = rdtsc();
    outb(0x42, high);
    let mut polls = 0u64;
    while inb(0x61) & 0x20 == 0 && rdtsc().wrapping_sub(start) < clocks.tsc_hz {
        polls += 1;
    }
    let elapsed = rdtsc().wrapping_sub(start);
    let expected = tsc_for_pit(clocks, COUNT + 1);
    let error = error_permille(elapsed, expected);
    check(
        error <= TOLERANCE_PERMILLE,
        format_args!(
            "PIT channel 2 (port 0x61 gate): 10 ms took {elapsed} TSC ticks, expected {expected} ({polls} polls, error {})",
            percent(error)
        ),
    );
    outb(0x61, inb(0x61) & !0x01);
}

/// Channel 0 as a 1 kHz rate generator (mode 2).
fn pit_channel0_1khz() {
    const COUNT: u16 = 1193;
    outb(0x43, 0b0011_0100); // channel 0, LSB then MSB, mode 2
    outb(0x40, COUNT.to_le_bytes()[0]);
    outb(0x40, COUNT.to_le_bytes()[1]);
}

fn pit_channel0_stop() {
    // Mode 0 with a count of 0 that is never completed: OUT0 stays low.
    outb(0x43, 0b0011_0000);
}

/// Initialises the 8259 pair (ICW1-ICW4: vector bases 0x20 and 0x28,
/// cascade on IR2, 8086 mode) with every line masked, as operating systems
/// do before anything else.
pub fn pic_init() {
    outb(0x20, 0x11);
    outb(0xA0, 0x11);
    outb(0x21, 0x20);
    outb(0xA1, 0x28);
    outb(0x21, 0x04);
    outb(0xA1, 0x02);
    outb(0x21, 0x01);
    outb(0xA1, 0x01);
    outb(0x21, 0xFF);
    outb(0xA1, 0xFF);
    check(inb(0x21) == 0xFF && inb(0xA1) == 0xFF, format_args!("8259 pair initialised with every line masked"));
}

/// IRQ0 through the 8259 and LINT0 in ExtINT mode: 20 ticks at 1 kHz take
/// 20 ms; masked again, none arrive.
pub fn pic_timer(apic: Apic, clocks: &Clocks) {
    use interrupts::PIC_TIMER;
    apic.write(reg::LVT_LINT0, 0x700);
    interrupts::reset(PIC_TIMER);
    pit_channel0_1khz();
    let start = rdtsc();
    outb(0x21, 0xFE);
    wait_for(PIC_TIMER, 20, clocks);
    let elapsed = interrupts::last_tsc(PIC_TIMER).wrapping_sub(start);
    outb(0x21, 0xFF);
    let expected = tsc_for_pit(clocks, 1193 * 20);
    let error = error_permille(elapsed, expected);
    let seen = interrupts::count(PIC_TIMER);
    check(
        seen >= 20 && error <= TOLERANCE_PERMILLE,
        format_args!(
            "PIT IRQ0 through the 8259: {seen} ticks in {elapsed} TSC ticks, expected {expected} (error {})",
            percent(error)
        ),
    );
    idle(clocks.tsc_hz / 500);
    let masked = interrupts::count(PIC_TIMER);
    idle(clocks.tsc_hz / 200);
    check(interrupts::count(PIC_TIMER) == masked, format_args!("IRQ0 masked at the 8259: no tick in 5 ms"));
    pit_channel0_stop();
}

fn ioapic_write(index: u32, value: u32) {
    arch::mmio_write(IOAPIC, index);
    arch::mmio_write(IOAPIC + 0x10, value);
}

/// IRQ0 through I/O APIC pin 2 to the local APIC: 10 ticks at 1 kHz take
/// 10 ms; with the pin masked, none arrive.
pub fn ioapic_timer(clocks: &Clocks) {
    use interrupts::IOAPIC_TIMER;
    interrupts::reset(IOAPIC_TIMER);
    ioapic_write(0x10 + 2 * 2 + 1, 0); // destination APIC ID 0
    pit_channel0_1khz();
    let start = rdtsc();
    ioapic_write(0x10 + 2 * 2, u32::from(IOAPIC_TIMER)); // fixed, physical, edge, active high, unmasked
    wait_for(IOAPIC_TIMER, 10, clocks);
    let elapsed = interrupts::last_tsc(IOAPIC_TIMER).wrapping_sub(start);
    ioapic_write(0x10 + 2 * 2, 1 << 16 | u32::from(IOAPIC_TIMER));
    let expected = tsc_for_pit(clocks, 1193 * 10);
    let error = error_permille(elapsed, expected);
    let seen = interrupts::count(IOAPIC_TIMER);
    check(
        seen >= 10 && error <= TOLERANCE_PERMILLE,
        format_args!(
            "PIT IRQ0 through I/O APIC pin 2: {seen} ticks in {elapsed} TSC ticks, expected {expected} (error {})",
            percent(error)
        ),
    );
    idle(clocks.tsc_hz / 500);
    let masked = interrupts::count(IOAPIC_TIMER);
    idle(clocks.tsc_hz / 200);
    check(interrupts::count(IOAPIC_TIMER) == masked, format_args!("I/O APIC pin 2 masked: no tick in 5 ms"));
    pit_channel0_stop();
}

/// The UART's interrupt on I/O APIC pin 4: enabling the transmitter-empty
/// interrupt (IER bit 1) with OUT2 set raises it at once.
pub fn uart_interrupt(clocks: &Clocks) {
    use interrupts::UART;
    interrupts::reset(UART);
    ioapic_write(0x10 + 2 * 4 + 1, 0);
    ioapic_write(0x10 + 2 * 4, u32::from(UART));
    outb(0x3FC, inb(0x3FC) | 0x08); // MCR.OUT2 gates the IRQ on a PC
    outb(0x3F9, 0x02);
    idle(clocks.tsc_hz / 1000);
    outb(0x3F9, 0x00);
    let seen = interrupts::count(UART);
    check(seen >= 1, format_args!("UART transmitter-empty interrupt through I/O APIC pin 4 ({seen} taken)"));
    ioapic_write(0x10 + 2 * 4, 1 << 16 | u32::from(UART));
    say!("UART IRQ4 taken {seen} time(s)");
}

fn ioapic_read(index: u32) -> u32 {
    arch::mmio_write(IOAPIC, index);
    arch::mmio_read(IOAPIC + 0x10)
}

/// A level-triggered interrupt and its EOI (run in x2APIC mode, where the
/// EOI may be completed by the CPU itself): the UART's transmitter-empty
/// interrupt on I/O APIC pin 4, level-triggered, twice. The EOI must reach
/// the I/O APIC (Remote IRR clear, SDM Vol. 3A 11.8.5 and the 82093AA
/// datasheet 3.2.4), or the second would never come.
pub fn uart_level_interrupt(clocks: &Clocks) {
    use interrupts::UART;
    interrupts::reset(UART);
    ioapic_write(0x10 + 2 * 4 + 1, 0);
    ioapic_write(0x10 + 2 * 4, 1 << 15 | u32::from(UART)); // level-triggered, active high
    outb(0x3FC, inb(0x3FC) | 0x08);
    for _ in 0..2 {
        outb(0x3F9, 0x02);
        idle(clocks.tsc_hz / 1000);
        outb(0x3F9, 0x00);
    }
    let remote_irr = ioapic_read(0x10 + 2 * 4) & (1 << 14) != 0;
    ioapic_write(0x10 + 2 * 4, 1 << 16 | u32::from(UART));
    let seen = interrupts::count(UART);
    check(
        seen == 2 && !remote_irr,
        format_args!(
            "level-triggered I/O APIC interrupt taken twice, EOI reached the I/O APIC ({seen} taken, Remote IRR {})",
            u8::from(remote_irr)
        ),
    );
}

/// Received-data interrupts: the UART's FIFO on, IER bit 0 set, IRQ4 on
/// I/O APIC pin 4, level-triggered (the handler serves the UART before its
/// EOI, which must reach the I/O APIC to clear the pin's remote IRR); a
/// line typed on the console (the scenario types one) arrives by interrupt
/// and is echoed.
pub fn uart_receive(clocks: &Clocks) {
    use interrupts::UART;
    interrupts::reset(UART);
    ioapic_write(0x10 + 2 * 4 + 1, 0);
    ioapic_write(0x10 + 2 * 4, 1 << 15 | u32::from(UART)); // level-triggered, active high
    outb(0x3FA, 0x07); // FIFO on, both cleared, trigger level 1
    outb(0x3FC, inb(0x3FC) | 0x08);
    outb(0x3F9, 0x01);
    say!("type a line and press Enter");
    let start = rdtsc();
    // HLT needs something to wake it if nothing is typed: a TSC-deadline
    // timer at the time-out.
    let apic = Apic::X(0xFEE0_0000);
    apic.write(reg::LVT_TIMER, u32::from(interrupts::TIMER) | 0b10 << 17);
    arch::wrmsr(crate::apic::TSC_DEADLINE_MSR, start + 5 * clocks.tsc_hz);
    let mut buffer = [0u8; 64];
    loop {
        let len = interrupts::received(&mut buffer);
        if buffer[..len].contains(&b'\r') || rdtsc().wrapping_sub(start) > 5 * clocks.tsc_hz {
            break;
        }
        arch::wait_for_interrupt();
    }
    outb(0x3F9, 0x00);
    arch::wrmsr(crate::apic::TSC_DEADLINE_MSR, 0);
    ioapic_write(0x10 + 2 * 4, 1 << 16 | u32::from(UART));
    let len = interrupts::received(&mut buffer);
    let line = core::str::from_utf8(&buffer[..len]).unwrap_or("(not UTF-8)").trim_end();
    let seen = interrupts::count(UART);
    check(
        len > 0 && buffer[..len].contains(&b'\r'),
        format_args!("received {len} typed bytes by {seen} UART interrupt(s)"),
    );
    say!("echo: {line}");
}
