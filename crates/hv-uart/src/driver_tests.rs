//! Whole driver sequences against the model: what real guests do to a
//! 16550A, access by access, and what they expect to read back (PC16550D
//! datasheet section 8; the sequences are those of the drivers named).

use crate::regs::{DATA, DLL, DLM, FCR, IER, IIR, LCR, LSR, MCR, MSR, SCR};
use crate::{ModemInputs, Uart16550};

/// A guest's view of COM1: port I/O at offsets, with what left the UART.
struct Guest {
    uart: Uart16550,
    line: Vec<u8>,
}

impl Guest {
    fn new(uart: Uart16550) -> Self {
        Self { uart, line: Vec::new() }
    }

    fn inb(&mut self, offset: u8) -> u8 {
        self.uart.read(offset)
    }

    fn outb(&mut self, offset: u8, value: u8) {
        if let Some(byte) = self.uart.write(offset, value) {
            self.line.push(byte);
        }
    }

    /// A polling send: wait for LSR.THRE, then write THR. Gives up (fails
    /// the test) instead of spinning forever.
    fn send_polled(&mut self, byte: u8) {
        let ready = (0..1000).any(|_| self.inb(LSR) & 0x20 != 0);
        assert!(ready, "THRE never came");
        self.outb(DATA, byte);
    }

    /// A polling receive: `None` unless LSR.DR is set.
    fn try_receive(&mut self) -> Option<u8> {
        (self.inb(LSR) & 0x01 != 0).then(|| self.inb(DATA))
    }
}

/// `uart_16550` 0.3 `SerialPort::init` followed by `send` of a line.
#[test]
fn uart_16550_crate_init_and_polled_write() {
    let mut g = Guest::new(Uart16550::new());
    g.outb(IER, 0x00);
    g.outb(LCR, 0x80);
    g.outb(DLL, 0x03);
    g.outb(DLM, 0x00);
    g.outb(LCR, 0x03);
    g.outb(FCR, 0xC7);
    g.outb(MCR, 0x0B);
    g.outb(IER, 0x01);
    assert!(g.line.is_empty(), "configuring transmits nothing");

    let regs = g.uart.registers();
    assert_eq!(regs.baud_rate(), Some(38_400));
    assert_eq!((regs.lcr, regs.mcr, regs.ier), (0x03, 0x0B, 0x01));
    assert_eq!(regs.iir, 0xC1, "FIFOs on, nothing pending");

    for &byte in b"hello from the guest\n" {
        g.send_polled(byte);
    }
    assert_eq!(g.line, b"hello from the guest\n");

    // And a polled receive of host input, with the RX interrupt it enabled.
    assert_eq!(g.try_receive(), None);
    assert!(g.uart.receive(b'y'));
    assert!(g.uart.irq_asserted(), "IER.ERBFI and OUT2 set: character timeout reaches the IRQ");
    assert_eq!(g.try_receive(), Some(b'y'));
    assert_eq!(g.try_receive(), None);
    assert!(!g.uart.interrupt_pending());
}

/// The loopback self-test many bare-metal drivers run (OSDev wiki style):
/// MCR = 0x1E, send 0xAE, expect it back, MCR = 0x0F.
#[test]
fn loopback_self_test() {
    let mut g = Guest::new(Uart16550::new());
    g.outb(IER, 0x00);
    g.outb(LCR, 0x80);
    g.outb(DLL, 0x03);
    g.outb(DLM, 0x00);
    g.outb(LCR, 0x03);
    g.outb(FCR, 0xC7);
    g.outb(MCR, 0x0B);

    g.outb(MCR, 0x1E);
    assert_eq!(g.inb(MSR) & 0xF0, 0xD0, "loopback: DCD (OUT2), RI (OUT1), CTS (RTS)");
    g.outb(DATA, 0xAE);
    assert_eq!(g.inb(DATA), 0xAE, "the test byte came back");
    assert!(g.line.is_empty(), "the test byte never reached the line");
    g.outb(MCR, 0x0F);

    g.send_polled(b'O');
    g.send_polled(b'K');
    assert_eq!(g.line, b"OK");
}

/// `uart_16550` 0.9: `init` (presence check through SCR, divisor, FCR with a
/// FIFO check through IIR, draining, MCR, clearing status) and then
/// `test_loopback` with a 16-byte message sent in one FIFO load.
#[test]
fn uart_16550_crate_v0_9_init_and_test_loopback() {
    let mut g = Guest::new(Uart16550::with_modem_inputs(ModemInputs::CONNECTED));
    // check_present
    let old_scr = g.inb(SCR);
    for pattern in [0x42, 0x73] {
        g.outb(SCR, pattern);
        assert_eq!(g.inb(SCR), pattern);
    }
    g.outb(SCR, old_scr);
    // divisor for 115200 baud, 8-N-1
    g.outb(LCR, 0);
    g.outb(IER, 0);
    g.outb(LCR, 0x80);
    g.outb(DLL, 1);
    g.outb(DLM, 0);
    g.outb(LCR, 0);
    g.outb(LCR, 0x03);
    // configure_fcr: enable, clear both, trigger 14; then IIR must show FIFOs.
    g.outb(FCR, 0xC7);
    assert_eq!(g.inb(IIR) & 0xC0, 0xC0, "FIFO detected");
    while g.try_receive().is_some() {}
    g.outb(MCR, 0x0B);
    assert_ne!(g.inb(LSR) & 0x40, 0, "TEMT: nothing to drain");
    g.inb(LSR);
    g.inb(IIR);
    g.inb(MSR);
    g.outb(IER, 0);
    assert_eq!(g.uart.registers().baud_rate(), Some(115_200));
    // check_connected: DSR and CTS from the attached peer.
    assert_eq!(g.inb(MSR) & 0x30, 0x30);

    // test_loopback
    let old_mcr = g.inb(MCR);
    let old_ier = g.inb(IER);
    assert_eq!((old_mcr, old_ier), (0x0B, 0x00));
    g.outb(IER, 0);
    g.outb(MCR, 0x10);
    g.outb(FCR, 0xC7);
    assert_eq!(g.inb(IIR) & 0xC0, 0xC0);
    while g.try_receive().is_some() {}
    g.send_polled(0x42);
    assert_eq!(g.try_receive(), Some(0x42));
    // A whole FIFO load after one THRE check, as `send_bytes` does.
    assert_ne!(g.inb(LSR) & 0x20, 0);
    for &byte in b"hello world!1337" {
        g.outb(DATA, byte);
    }
    let echoed: Vec<u8> = core::iter::from_fn(|| g.try_receive()).collect();
    assert_eq!(echoed, b"hello world!1337");
    assert_eq!(g.inb(LSR) & 0x02, 0, "16 bytes fit: no overrun");
    g.outb(MCR, old_mcr & !0x08);
    g.inb(MSR);
    g.outb(MCR, old_mcr);
    g.outb(IER, old_ier);
    assert!(g.line.is_empty(), "nothing of the test reached the line");

    g.send_polled(b'!');
    assert_eq!(g.line, b"!");
}

/// Linux 8250 `autoconfig()`: the IER probe, the loopback check of MSR, the
/// FIFO type from IIR bits 7:6, and the 16550A sub-tests (no EFR behind
/// LCR = 0xBF, no 16750 64-byte FIFO, no XScale IER bit 6), then
/// `size_fifo()`. A 16550A must come out of this as a 16550A with 16 bytes.
#[test]
fn linux_8250_probe_finds_a_16550a_with_16_bytes() {
    let mut g = Guest::new(Uart16550::new());
    // Existence test through IER.
    let scratch = g.inb(IER);
    g.outb(IER, 0);
    let scratch2 = g.inb(IER) & 0x0F;
    g.outb(IER, 0x0F);
    let scratch3 = g.inb(IER) & 0x0F;
    g.outb(IER, scratch);
    assert_eq!((scratch2, scratch3), (0, 0x0F));
    // Loopback check: LOOP | OUT2 | RTS must show DCD | CTS.
    let save_mcr = g.inb(MCR);
    g.outb(MCR, 0x1A);
    let status1 = g.inb(MSR) & 0xF0;
    g.outb(MCR, save_mcr);
    assert_eq!(status1, 0x90);
    // FIFO type: write "EFR" (offset 2 under LCR = 0xBF), enable FIFO.
    g.outb(LCR, 0xBF);
    g.outb(FCR, 0);
    g.outb(LCR, 0);
    g.outb(FCR, 0x01);
    assert_eq!(g.inb(IIR) >> 6, 3, "16550A");
    // No EFR when DLAB is set or LCR = 0xBF: "EFR" reads as IIR, non-zero.
    g.outb(LCR, 0x80);
    assert_ne!(g.inb(IIR), 0);
    g.outb(LCR, 0xBF);
    assert_ne!(g.inb(IIR), 0);
    // No 16750: FCR bit 5 never shows as IIR bit 5.
    g.outb(LCR, 0);
    g.outb(FCR, 0x21);
    let status1 = g.inb(IIR) & 0xE0;
    g.outb(FCR, 0);
    g.outb(LCR, 0x80);
    g.outb(FCR, 0x21);
    let status2 = g.inb(IIR) & 0xE0;
    g.outb(FCR, 0);
    g.outb(LCR, 0);
    assert_eq!((status1, status2), (0xC0, 0xC0), "not a 16750");
    // No XScale UART-unit-enable bit.
    let iersave = g.inb(IER);
    g.outb(IER, iersave | 0x40);
    assert_eq!(g.inb(IER) & 0x40, 0);
    g.outb(IER, iersave);

    // size_fifo(): loopback, 256 bytes at divisor 1, count what DR yields.
    g.outb(FCR, 0x07);
    g.outb(MCR, 0x10);
    g.outb(LCR, 0x80);
    let old_dl = u16::from_le_bytes([g.inb(DLL), g.inb(DLM)]);
    g.outb(DLL, 1);
    g.outb(DLM, 0);
    g.outb(LCR, 0x03);
    for count in 0..=255u8 {
        g.outb(DATA, count);
    }
    let mut fifo_size = 0;
    while g.inb(LSR) & 0x01 != 0 && fifo_size < 256 {
        g.inb(DATA);
        fifo_size += 1;
    }
    g.outb(FCR, 0);
    g.outb(MCR, save_mcr);
    g.outb(LCR, 0x80);
    g.outb(DLL, old_dl.to_le_bytes()[0]);
    g.outb(DLM, old_dl.to_le_bytes()[1]);
    g.outb(LCR, 0);
    assert_eq!(fifo_size, 16);
    assert_eq!(g.uart.registers().divisor(), 12, "divisor restored");
    assert!(g.line.is_empty(), "the probe transmitted nothing");
}

/// Linux `serial8250_do_startup()`'s THRE test: a real 16550 re-asserts the
/// THRE interrupt each time ETBEI is enabled with the transmitter idle;
/// otherwise Linux sets `UART_BUG_THRE` and falls back to a timer.
#[test]
fn linux_thre_test_passes() {
    let mut g = Guest::new(Uart16550::new());
    g.outb(MCR, 0x08);
    g.outb(IER, 0x02);
    let iir1 = g.inb(IIR);
    g.outb(IER, 0);
    g.outb(IER, 0x02);
    let iir = g.inb(IIR);
    g.outb(IER, 0);
    let lsr = g.inb(LSR);
    assert_eq!(iir1 & 0x01, 0, "THRE on the first enable");
    assert!(lsr & 0x40 != 0 && iir & 0x01 == 0, "THRE re-asserted: no UART_BUG_THRE");
}

/// SeaBIOS `detect_serial()`: IER must read back 0x02 and IIR report the
/// THRE interrupt that enabling it raised.
#[test]
fn seabios_detects_the_port() {
    let mut g = Guest::new(Uart16550::new());
    g.outb(IER, 0x02);
    assert_eq!(g.inb(IER), 0x02);
    assert_eq!(g.inb(IIR) & 0x3F, 0x02);
    g.outb(IER, 0x00);
    assert!(!g.uart.interrupt_pending());
}

/// An interrupt-driven receive as Linux sets it up for a 16550A (FIFO
/// trigger 8, RX data and line status interrupts): a short burst is
/// announced by the character timeout, a long one by data available.
#[test]
fn interrupt_driven_receive() {
    let mut g = Guest::new(Uart16550::new());
    g.outb(FCR, 0x81);
    g.outb(LCR, 0x03);
    g.outb(MCR, 0x0B);
    g.outb(IER, 0x05);
    assert!(!g.uart.irq_asserted());

    for &byte in b"ls\r" {
        assert!(g.uart.receive(byte));
    }
    assert!(g.uart.irq_asserted());
    assert_eq!(g.inb(IIR), 0xCC, "3 bytes < trigger 8: character timeout");
    let got: Vec<u8> = core::iter::from_fn(|| g.try_receive()).collect();
    assert_eq!(got, b"ls\r");
    assert_eq!(g.inb(IIR), 0xC1);

    for byte in 0..10u8 {
        assert!(g.uart.receive(byte));
    }
    assert_eq!(g.inb(IIR), 0xC4, "10 bytes >= trigger 8: data available");
    assert_eq!(core::iter::from_fn(|| g.try_receive()).count(), 10);
    assert!(!g.uart.irq_asserted());
}
