//! Register-level tests of [`Uart16550`], one datasheet rule at a time
//! (PC16550D section 8). Whole driver sequences are in `driver_tests`.

use super::*;
use crate::regs::{
    FCR_CLEAR_TX, IER_LINE_STATUS, IER_MODEM_STATUS, IER_RX_DATA, LSR_DATA_READY, MCR_DTR, MCR_OUT1, MCR_RTS, MSR_CTS,
    MSR_DCD, MSR_DELTA_CTS, MSR_DELTA_DCD, MSR_DELTA_DSR, MSR_DSR, MSR_RI, SCR,
};

/// A UART with FIFOs enabled at trigger level `fcr_trigger` (FCR bits 7:6).
fn fifo_uart(fcr_trigger: u8) -> Uart16550 {
    let mut uart = Uart16550::new();
    assert_eq!(uart.write(FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX | fcr_trigger), None);
    uart
}

#[test]
fn reset_state() {
    let mut uart = Uart16550::new();
    let s = uart.registers();
    assert_eq!(
        s,
        RegisterSnapshot {
            ier: 0,
            iir: 0x01,
            fcr: 0,
            lcr: 0,
            mcr: 0,
            lsr: 0x60,
            msr: 0,
            scr: 0,
            dll: 12,
            dlm: 0,
            rx_level: 0
        }
    );
    assert_eq!(s.baud_rate(), Some(9600));
    let reads = [DATA, IER, IIR, LCR, MCR, LSR, MSR, SCR].map(|offset| uart.read(offset));
    assert_eq!(reads, [0x00, 0x00, 0x01, 0x00, 0x00, 0x60, 0x00, 0x00]);
    assert!(!uart.interrupt_pending());
    assert!(uart.can_receive());
    assert_eq!(Uart16550::default(), Uart16550::new());
}

#[test]
fn thr_write_transmits_only_outside_loopback() {
    let mut uart = Uart16550::new();
    assert_eq!(uart.write(DATA, b'x'), Some(b'x'));
    assert_eq!(uart.read(LSR), 0x60, "the byte left at once: THRE and TEMT stay set");
    assert_eq!(uart.registers().rx_level, 0, "nothing comes back without loopback");

    uart.write(MCR, MCR_LOOPBACK);
    assert_eq!(uart.write(DATA, b'y'), None, "loopback: nothing leaves the UART");
    assert_eq!(uart.read(LSR), 0x61, "the byte is in the receiver (DR)");
    assert_eq!(uart.read(DATA), b'y');
    assert_eq!(uart.read(LSR), 0x60);

    uart.write(MCR, 0);
    assert_eq!(uart.write(DATA, b'z'), Some(b'z'), "leaving loopback transmits again");
}

#[test]
fn dlab_maps_the_divisor_latches_over_rbr_thr_and_ier() {
    let mut uart = Uart16550::new();
    uart.write(IER, 0x05);
    uart.write(LCR, LCR_DLAB | 0x03);
    assert_eq!(uart.read(LCR), 0x83);
    assert_eq!(uart.read(DLL), 12, "reset divisor");
    assert_eq!(uart.read(DLM), 0);
    assert_eq!(uart.write(DLL, 0x80), None, "a DLL write transmits nothing");
    assert_eq!(uart.write(DLM, 0x01), None);
    assert_eq!((uart.read(DLL), uart.read(DLM)), (0x80, 0x01));
    assert_eq!(uart.registers().divisor(), 0x0180);
    assert_eq!(uart.registers().baud_rate(), Some(300));
    assert!(uart.registers().dlab());

    uart.write(LCR, 0x03);
    assert_eq!(uart.read(IER), 0x05, "IER untouched by the DLM write");
    assert_eq!(uart.read(DATA), 0, "RBR, not DLL");
    assert_eq!(uart.write(DATA, 0x55), Some(0x55), "THR, not DLL");
    assert_eq!(uart.registers().divisor(), 0x0180, "the divisor survives DLAB = 0");
    assert!(!uart.registers().dlab());
}

#[test]
fn fcr_enable_shows_in_iir_bits_7_6() {
    let mut uart = Uart16550::new();
    assert_eq!(uart.read(IIR), 0x01);
    uart.write(FCR, FCR_ENABLE);
    assert_eq!(uart.read(IIR), 0xC1);
    assert!(uart.registers().fifos_enabled());
    uart.write(FCR, 0);
    assert_eq!(uart.read(IIR), 0x01);
    // The other bits are not programmed unless bit 0 is written as 1.
    uart.write(FCR, 0xC0);
    assert_eq!(uart.read(IIR), 0x01);
    assert_eq!(uart.registers().rx_trigger(), RxTrigger::One);
    uart.write(FCR, 0x81);
    assert_eq!(uart.registers().rx_trigger(), RxTrigger::Eight);
    assert_eq!(uart.registers().fcr, 0x81, "clear bits are self-clearing, not stored");
    // DLAB does not move FCR/IIR.
    uart.write(LCR, LCR_DLAB);
    assert_eq!(uart.read(IIR), 0xC1);
    uart.write(FCR, 0);
    assert_eq!(uart.read(IIR), 0x01);
}

#[test]
fn fcr_clears_the_receiver_fifo_and_mode_changes_flush_it() {
    let mut uart = fifo_uart(0);
    for byte in 1..=3 {
        assert!(uart.receive(byte));
    }
    uart.write(FCR, FCR_ENABLE | FCR_CLEAR_TX);
    assert_eq!(uart.registers().rx_level, 3, "clearing TX leaves RX alone");
    uart.write(FCR, FCR_ENABLE | FCR_CLEAR_RX);
    assert_eq!(uart.registers().rx_level, 0);
    assert_eq!(uart.read(LSR) & LSR_DATA_READY, 0);

    assert!(uart.receive(4));
    uart.write(FCR, 0);
    assert_eq!(uart.registers().rx_level, 0, "FIFO -> 16450 mode flushes");
    assert!(uart.receive(5));
    uart.write(FCR, FCR_ENABLE);
    assert_eq!(uart.registers().rx_level, 0, "16450 -> FIFO mode flushes");
    assert!(uart.receive(6));
    uart.write(FCR, FCR_ENABLE);
    assert_eq!(uart.registers().rx_level, 1, "rewriting the same mode keeps the data");
}

#[test]
fn receive_fifo_holds_16_then_overruns() {
    let mut uart = fifo_uart(0xC0);
    for byte in 0..16u8 {
        assert!(uart.can_receive());
        assert!(uart.receive(b'a' + byte), "byte {byte} fits");
    }
    assert!(!uart.can_receive());
    assert!(!uart.receive(b'!'), "the 17th byte overruns");
    assert_eq!(uart.registers().rx_level, 16);
    assert_eq!(uart.read(LSR), LSR_THR_EMPTY | LSR_TX_EMPTY | LSR_OVERRUN | LSR_DATA_READY);
    assert_eq!(uart.read(LSR), LSR_THR_EMPTY | LSR_TX_EMPTY | LSR_DATA_READY, "reading LSR cleared OE");
    let received: [u8; 16] = core::array::from_fn(|_| uart.read(DATA));
    assert_eq!(&received, b"abcdefghijklmnop", "the FIFO kept its contents, the new byte was lost");
    assert_eq!(uart.read(LSR), 0x60);
}

#[test]
fn non_fifo_mode_holds_one_byte_and_the_newest_wins() {
    let mut uart = Uart16550::new();
    assert!(uart.receive(1));
    assert!(!uart.can_receive());
    assert!(!uart.receive(2), "a second byte overruns the RBR");
    assert_eq!(uart.read(LSR), 0x63);
    assert_eq!(uart.read(DATA), 2, "the new byte replaced the unread one");
    assert_eq!(uart.read(LSR), 0x60);
}

#[test]
fn lsr_data_ready_follows_the_receiver() {
    let mut uart = fifo_uart(0);
    assert_eq!(uart.read(LSR) & LSR_DATA_READY, 0);
    uart.receive(0x10);
    uart.receive(0x20);
    assert_eq!(uart.read(LSR) & LSR_DATA_READY, LSR_DATA_READY);
    assert_eq!(uart.read(LSR) & LSR_DATA_READY, LSR_DATA_READY, "reading LSR does not clear DR");
    assert_eq!(uart.read(DATA), 0x10);
    assert_eq!(uart.read(LSR) & LSR_DATA_READY, LSR_DATA_READY, "one byte left");
    assert_eq!(uart.read(DATA), 0x20);
    assert_eq!(uart.read(LSR) & LSR_DATA_READY, 0);
}

#[test]
fn empty_rbr_reads_the_last_byte_again() {
    let mut uart = Uart16550::new();
    assert_eq!(uart.read(DATA), 0);
    uart.receive(0x7A);
    assert_eq!(uart.read(DATA), 0x7A);
    assert_eq!(uart.read(DATA), 0x7A);
    assert_eq!(uart.read(LSR) & LSR_DATA_READY, 0);
}

#[test]
fn iir_reports_sources_in_priority_order() {
    let mut uart = fifo_uart(0); // trigger level 1
    uart.set_modem_inputs(ModemInputs::CONNECTED); // modem status change
    for byte in 0..17u8 {
        uart.receive(byte); // data available + overrun
    }
    uart.write(IER, IER_MASK); // THRE fires on enabling
    assert!(uart.interrupt_pending());

    assert_eq!(uart.read(IIR), 0xC6, "1st: receiver line status");
    uart.read(LSR);
    assert_eq!(uart.read(IIR), 0xC4, "2nd: received data available");
    assert_eq!(uart.read(IIR), 0xC4, "reading IIR does not clear it");
    for _ in 0..16 {
        uart.read(DATA);
    }
    assert_eq!(uart.read(IIR), 0xC2, "3rd: THR empty");
    assert_eq!(uart.read(IIR), 0xC0, "4th: modem status; the IIR read acknowledged THRE");
    assert_eq!(uart.read(MSR), 0xBB);
    assert_eq!(uart.read(IIR), 0xC1, "nothing left");
    assert!(!uart.interrupt_pending());
}

#[test]
fn ier_gates_each_source() {
    let mut uart = Uart16550::new();
    uart.set_modem_inputs(ModemInputs::CONNECTED);
    uart.receive(1);
    uart.receive(2); // overrun in 16450 mode
    assert_eq!(uart.read(IIR), 0x01, "IER = 0: nothing is reported");
    uart.write(IER, IER_MODEM_STATUS);
    assert_eq!(uart.interrupt_source(), Some(InterruptSource::ModemStatus));
    uart.write(IER, IER_RX_DATA);
    assert_eq!(uart.interrupt_source(), Some(InterruptSource::ReceivedDataAvailable));
    uart.write(IER, IER_LINE_STATUS);
    assert_eq!(uart.interrupt_source(), Some(InterruptSource::ReceiverLineStatus));
    assert_eq!(uart.read(IIR), 0x06, "16450 mode: bits 7:6 clear");
}

#[test]
fn thre_is_acknowledged_by_iir_only_when_reported() {
    let mut uart = Uart16550::new();
    uart.receive(0x41);
    uart.write(IER, IER_RX_DATA | IER_THR_EMPTY);
    assert_eq!(uart.read(IIR), 0x04, "data available outranks THRE");
    assert_eq!(uart.read(DATA), 0x41);
    assert_eq!(uart.read(IIR), 0x02, "THRE survived the IIR read that reported something else");
    assert_eq!(uart.read(IIR), 0x01, "reporting it acknowledged it");

    // A THR write clears it, and the instant transmitter re-arms it.
    assert_eq!(uart.write(DATA, b'k'), Some(b'k'));
    assert_eq!(uart.read(IIR), 0x02);
    assert_eq!(uart.read(IIR), 0x01);

    // Re-enabling ETBEI re-raises it (rising edge); disabling drops it.
    uart.write(IER, IER_RX_DATA);
    uart.write(IER, IER_RX_DATA | IER_THR_EMPTY);
    assert_eq!(uart.interrupt_source(), Some(InterruptSource::TransmitterHoldingEmpty));
    uart.write(IER, IER_RX_DATA | IER_THR_EMPTY);
    assert!(uart.interrupt_pending(), "rewriting the same IER does not drop it");
    uart.write(IER, 0);
    uart.write(DATA, b'k');
    assert!(!uart.interrupt_pending(), "no THRE interrupt while ETBEI is clear");
    uart.write(IER, IER_LINE_STATUS);
    assert_eq!(uart.read(IIR), 0x01, "enabling other sources does not raise THRE");
}

#[test]
fn below_the_trigger_level_data_is_a_character_timeout() {
    let mut uart = fifo_uart(0x40); // trigger level 4
    uart.write(IER, IER_RX_DATA);
    assert_eq!(uart.read(IIR), 0xC1);
    for byte in 0..3 {
        uart.receive(byte);
    }
    assert_eq!(uart.read(IIR), 0xCC, "3 < 4: character timeout");
    uart.receive(3);
    assert_eq!(uart.read(IIR), 0xC4, "4 reaches the trigger level");
    uart.read(DATA);
    assert_eq!(uart.read(IIR), 0xCC, "below the level again");
    for _ in 0..3 {
        uart.read(DATA);
    }
    assert_eq!(uart.read(IIR), 0xC1);
}

#[test]
fn scratch_register_reads_back() {
    let mut uart = Uart16550::new();
    for value in [0x00, 0x42, 0x73, 0xFF] {
        assert_eq!(uart.write(SCR, value), None);
        assert_eq!(uart.read(SCR), value);
    }
    uart.write(LCR, LCR_DLAB);
    assert_eq!(uart.read(SCR), 0xFF, "DLAB does not affect SCR");
}

#[test]
fn msr_change_indicators_clear_on_read() {
    let mut uart = Uart16550::new();
    uart.write(IER, IER_MODEM_STATUS);
    uart.set_modem_inputs(ModemInputs::CONNECTED);
    assert_eq!(uart.read(IIR), 0x00, "modem status interrupt");
    assert_eq!(uart.read(MSR), MSR_DCD | MSR_DSR | MSR_CTS | MSR_DELTA_DCD | MSR_DELTA_DSR | MSR_DELTA_CTS);
    assert_eq!(uart.read(MSR), 0xB0, "deltas cleared, lines still shown");
    assert_eq!(uart.read(IIR), 0x01);

    uart.set_modem_inputs(ModemInputs { ri: true, ..ModemInputs::CONNECTED });
    assert_eq!(uart.read(MSR), 0xF0, "RI's leading edge is not reported");
    uart.set_modem_inputs(ModemInputs::CONNECTED);
    assert_eq!(uart.read(MSR), 0xB4, "its trailing edge is (TERI)");
    assert_eq!(uart.read(MSR), 0xB0);
}

#[test]
fn loopback_routes_mcr_outputs_to_msr_inputs() {
    let mut uart = Uart16550::with_modem_inputs(ModemInputs::CONNECTED);
    assert_eq!(uart.read(MSR), 0xB0, "connected from the start, no change indicated");

    uart.write(MCR, MCR_LOOPBACK);
    assert_eq!(uart.read(MSR), 0x0B, "entering loopback drops CTS, DSR, DCD: deltas");
    assert_eq!(uart.read(MSR), 0x00);
    for (mcr, msr) in [(MCR_DTR, MSR_DSR), (MCR_RTS, MSR_CTS), (MCR_OUT1, MSR_RI), (MCR_OUT2, MSR_DCD)] {
        uart.write(MCR, MCR_LOOPBACK | mcr);
        assert_eq!(uart.read(MSR) & 0xF0, msr, "MCR {mcr:#x}");
    }
    uart.write(MCR, MCR_LOOPBACK | 0x0F);
    assert_eq!(uart.read(MSR) & 0xF0, 0xF0);
    uart.write(MCR, MCR_LOOPBACK);
    assert_eq!(uart.read(MSR), 0x0F, "all four dropped: DCTS, DDSR, TERI, DDCD");

    // Outside inputs changing during loopback are invisible until it ends.
    uart.set_modem_inputs(ModemInputs::NONE);
    assert_eq!(uart.read(MSR), 0x00);
    uart.set_modem_inputs(ModemInputs::CONNECTED);
    uart.write(MCR, 0);
    assert_eq!(uart.read(MSR), 0xBB);
}

#[test]
fn loopback_disconnects_the_serial_input() {
    let mut uart = fifo_uart(0);
    uart.write(MCR, MCR_LOOPBACK);
    assert!(!uart.can_receive());
    assert!(!uart.receive(b'h'), "host input is dropped in loopback");
    assert_eq!(uart.read(LSR), 0x60, "no data, no overrun");
    uart.write(MCR, 0);
    assert!(uart.receive(b'h'));
    assert_eq!(uart.read(DATA), b'h');
}

#[test]
fn loopback_overruns_like_the_line() {
    let mut uart = fifo_uart(0);
    uart.write(MCR, MCR_LOOPBACK);
    for byte in 0..20u8 {
        assert_eq!(uart.write(DATA, byte), None);
    }
    assert_eq!(uart.registers().rx_level, 16);
    assert_eq!(uart.read(LSR), 0x63);
    assert_eq!(uart.read(DATA), 0, "the first 16 bytes are kept");
}

#[test]
fn irq_line_is_gated_by_out2_and_cut_in_loopback() {
    let mut uart = Uart16550::new();
    uart.write(IER, IER_THR_EMPTY);
    assert!(uart.interrupt_pending());
    assert!(!uart.irq_asserted(), "OUT2 clear: the PC's IRQ line stays low");
    uart.write(MCR, MCR_OUT2);
    assert!(uart.irq_asserted());
    uart.write(MCR, MCR_OUT2 | MCR_LOOPBACK);
    assert!(uart.interrupt_pending());
    assert!(!uart.irq_asserted(), "loopback forces the OUT2 pin inactive");
}

#[test]
fn reserved_bits_read_as_zero_and_read_only_registers_ignore_writes() {
    let mut uart = Uart16550::new();
    uart.write(IER, 0xFF);
    assert_eq!(uart.read(IER), 0x0F, "IER bits 7:4 are 0");
    uart.write(MCR, 0xEF);
    assert_eq!(uart.read(MCR), 0x0F, "MCR bits 7:5 are 0");
    uart.write(MCR, 0);
    uart.write(LCR, 0xFF);
    assert_eq!(uart.read(LCR), 0xFF, "all LCR bits read back");
    uart.write(LCR, 0x03);

    let before = uart.registers();
    assert_eq!(uart.write(LSR, 0x00), None);
    assert_eq!(uart.write(MSR, 0xFF), None);
    assert_eq!(uart.registers(), before, "LSR and MSR writes change nothing");

    // FCR bit 5 (a 16750's 64-byte FIFO) is reserved: IIR bits 5:4 stay 0.
    uart.write(FCR, 0x21);
    assert_eq!(uart.read(IIR) & 0xF0, 0xC0);
    // LCR = 0xBF exposes no EFR: offset 2 is still IIR/FCR.
    uart.write(LCR, 0xBF);
    assert_eq!(uart.read(IIR), 0xC1);
    uart.write(FCR, 0);
    assert_eq!(uart.read(IIR), 0x01);
}

#[test]
fn only_the_low_three_offset_bits_are_decoded() {
    let mut uart = Uart16550::new();
    uart.write(SCR + 8, 0x5A);
    assert_eq!(uart.read(SCR), 0x5A);
    assert_eq!(uart.read(LSR + 0xF8), 0x60);
    assert_eq!(uart.write(DATA + 16, b'q'), Some(b'q'));
}

#[test]
fn the_snapshot_has_no_side_effects() {
    let mut uart = fifo_uart(0);
    uart.set_modem_inputs(ModemInputs::CONNECTED);
    uart.write(IER, IER_MASK);
    uart.write(SCR, 0x99);
    for byte in 0..17u8 {
        uart.receive(byte);
    }
    let first = uart.registers();
    assert_eq!(uart.registers(), first);
    assert_eq!(first.rx_level, 16);
    assert_eq!(first.scr, 0x99);
    // The snapshot predicts exactly what the guest reads.
    assert_eq!(uart.read(IIR), first.iir);
    assert_eq!(uart.read(MSR), first.msr);
    assert_eq!(uart.read(LSR), first.lsr);
    assert_eq!(first.lsr, 0x63);
    assert_eq!(first.msr, 0xBB);
    assert_eq!(first.iir, 0xC6);
}
