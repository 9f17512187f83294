//! The register map of a 16550A: offsets from the base port and the bits of
//! each register.
//!
//! Names and bit positions follow the PC16550D datasheet ("PC16550D Universal
//! Asynchronous Receiver/Transmitter with FIFOs", National Semiconductor, now
//! Texas Instruments), Table II "Summary of Registers" and the register
//! descriptions of section 8 ("Registers"). The chip decodes three address
//! lines (A0-A2), so there are eight offsets; offsets 0 and 1 are the divisor
//! latches instead while the Divisor Latch Access Bit ([`LCR_DLAB`]) is set,
//! and offset 2 is the read-only IIR on reads and the write-only FCR on writes.
//!
//! A guest on a PC sees these at COM1 = 0x3F8 + offset.

/// Number of port addresses the UART decodes (offsets `0..=7`).
pub const PORT_COUNT: u8 = 8;

/// Depth of the receiver FIFO of a 16550A, in characters.
pub const FIFO_SIZE: usize = 16;

/// The clock of a PC serial port, 1.8432 MHz; one bit takes 16 clocks
/// (datasheet section 8.3, "Programmable Baud Generator"), so
/// `baud = UART_CLOCK_HZ / (16 * divisor)`.
pub const UART_CLOCK_HZ: u32 = 1_843_200;

// ----- Offsets --------------------------------------------------------------

/// Offset 0, DLAB = 0: Receiver Buffer Register (read) / Transmitter Holding
/// Register (write).
pub const DATA: u8 = 0;
/// Offset 1, DLAB = 0: Interrupt Enable Register.
pub const IER: u8 = 1;
/// Offset 0, DLAB = 1: Divisor Latch, least significant byte.
pub const DLL: u8 = 0;
/// Offset 1, DLAB = 1: Divisor Latch, most significant byte.
pub const DLM: u8 = 1;
/// Offset 2, read: Interrupt Identification Register.
pub const IIR: u8 = 2;
/// Offset 2, write: FIFO Control Register.
pub const FCR: u8 = 2;
/// Offset 3: Line Control Register.
pub const LCR: u8 = 3;
/// Offset 4: MODEM Control Register.
pub const MCR: u8 = 4;
/// Offset 5: Line Status Register.
pub const LSR: u8 = 5;
/// Offset 6: MODEM Status Register.
pub const MSR: u8 = 6;
/// Offset 7: Scratch Register.
pub const SCR: u8 = 7;

// ----- IER (section 8.7) ----------------------------------------------------

/// IER bit 0 (ERBFI): received data available (and, in FIFO mode, character
/// timeout) interrupt.
pub const IER_RX_DATA: u8 = 1 << 0;
/// IER bit 1 (ETBEI): transmitter holding register empty interrupt.
pub const IER_THR_EMPTY: u8 = 1 << 1;
/// IER bit 2 (ELSI): receiver line status interrupt.
pub const IER_LINE_STATUS: u8 = 1 << 2;
/// IER bit 3 (EDSSI): MODEM status interrupt.
pub const IER_MODEM_STATUS: u8 = 1 << 3;
/// The implemented IER bits; bits 7:4 are always 0.
pub const IER_MASK: u8 = 0x0F;

// ----- IIR (section 8.6, Table IV) ------------------------------------------

/// IIR bit 0: set when *no* interrupt is pending.
pub const IIR_NO_INTERRUPT: u8 = 1 << 0;
/// IIR bits 3:1: the interrupt identification of the highest-priority source.
pub const IIR_ID_MASK: u8 = 0x0E;
/// IIR bits 7:6: both set while the FIFOs are enabled (FCR bit 0).
pub const IIR_FIFOS_ENABLED: u8 = 0xC0;

// ----- FCR (section 8.5) ----------------------------------------------------

/// FCR bit 0: enable the transmit and receive FIFOs. The other bits are only
/// programmed when this one is written as 1.
pub const FCR_ENABLE: u8 = 1 << 0;
/// FCR bit 1: clear the receiver FIFO (self-clearing).
pub const FCR_CLEAR_RX: u8 = 1 << 1;
/// FCR bit 2: clear the transmitter FIFO (self-clearing).
pub const FCR_CLEAR_TX: u8 = 1 << 2;
/// FCR bit 3: DMA mode select (changes only the RXRDY/TXRDY pins).
pub const FCR_DMA_MODE: u8 = 1 << 3;
/// FCR bits 7:6: receiver FIFO trigger level (1, 4, 8 or 14 characters).
pub const FCR_TRIGGER_MASK: u8 = 0xC0;

// ----- LCR (section 8.1) ----------------------------------------------------

/// LCR bits 1:0: word length (00 = 5 bits ... 11 = 8 bits).
pub const LCR_WORD_LENGTH: u8 = 0x03;
/// LCR bit 2: number of stop bits.
pub const LCR_STOP_BITS: u8 = 1 << 2;
/// LCR bit 3: parity enable.
pub const LCR_PARITY_ENABLE: u8 = 1 << 3;
/// LCR bit 4: even parity select.
pub const LCR_EVEN_PARITY: u8 = 1 << 4;
/// LCR bit 5: stick parity.
pub const LCR_STICK_PARITY: u8 = 1 << 5;
/// LCR bit 6: break control.
pub const LCR_BREAK: u8 = 1 << 6;
/// LCR bit 7: Divisor Latch Access Bit (DLAB).
pub const LCR_DLAB: u8 = 1 << 7;

// ----- MCR (section 8.8) ----------------------------------------------------

/// MCR bit 0: Data Terminal Ready output.
pub const MCR_DTR: u8 = 1 << 0;
/// MCR bit 1: Request To Send output.
pub const MCR_RTS: u8 = 1 << 1;
/// MCR bit 2: OUT 1 output.
pub const MCR_OUT1: u8 = 1 << 2;
/// MCR bit 3: OUT 2 output (on a PC, gates the UART's interrupt onto the IRQ line).
pub const MCR_OUT2: u8 = 1 << 3;
/// MCR bit 4: local loopback (diagnostic) mode.
pub const MCR_LOOPBACK: u8 = 1 << 4;
/// The implemented MCR bits; bits 7:5 are always 0.
pub const MCR_MASK: u8 = 0x1F;

// ----- LSR (section 8.4) ----------------------------------------------------

/// LSR bit 0: Data Ready, a character is waiting in RBR / the receiver FIFO.
pub const LSR_DATA_READY: u8 = 1 << 0;
/// LSR bit 1: Overrun Error.
pub const LSR_OVERRUN: u8 = 1 << 1;
/// LSR bit 2: Parity Error.
pub const LSR_PARITY_ERROR: u8 = 1 << 2;
/// LSR bit 3: Framing Error.
pub const LSR_FRAMING_ERROR: u8 = 1 << 3;
/// LSR bit 4: Break Interrupt.
pub const LSR_BREAK: u8 = 1 << 4;
/// LSR bit 5: Transmitter Holding Register Empty (THRE; in FIFO mode, the
/// transmit FIFO is empty).
pub const LSR_THR_EMPTY: u8 = 1 << 5;
/// LSR bit 6: Transmitter Empty (TEMT): THR and the shift register are empty.
pub const LSR_TX_EMPTY: u8 = 1 << 6;
/// LSR bit 7: error in receiver FIFO (a parity, framing or break indication
/// is in the FIFO).
pub const LSR_FIFO_ERROR: u8 = 1 << 7;
/// The LSR bits that raise a receiver line status interrupt and are cleared
/// by reading LSR: OE, PE, FE, BI.
pub const LSR_ERROR_BITS: u8 = LSR_OVERRUN | LSR_PARITY_ERROR | LSR_FRAMING_ERROR | LSR_BREAK;

// ----- MSR (section 8.9) ----------------------------------------------------

/// MSR bit 0: Delta Clear To Send.
pub const MSR_DELTA_CTS: u8 = 1 << 0;
/// MSR bit 1: Delta Data Set Ready.
pub const MSR_DELTA_DSR: u8 = 1 << 1;
/// MSR bit 2: Trailing Edge Ring Indicator (RI went from active to inactive).
pub const MSR_TRAILING_RI: u8 = 1 << 2;
/// MSR bit 3: Delta Data Carrier Detect.
pub const MSR_DELTA_DCD: u8 = 1 << 3;
/// MSR bit 4: Clear To Send (RTS in loopback).
pub const MSR_CTS: u8 = 1 << 4;
/// MSR bit 5: Data Set Ready (DTR in loopback).
pub const MSR_DSR: u8 = 1 << 5;
/// MSR bit 6: Ring Indicator (OUT 1 in loopback).
pub const MSR_RI: u8 = 1 << 6;
/// MSR bit 7: Data Carrier Detect (OUT 2 in loopback).
pub const MSR_DCD: u8 = 1 << 7;
/// MSR bits 3:0, the change indicators, cleared by reading MSR.
pub const MSR_DELTA_MASK: u8 = 0x0F;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_fit_in_the_decoded_range() {
        for offset in [DATA, IER, DLL, DLM, IIR, FCR, LCR, MCR, LSR, MSR, SCR] {
            assert!(offset < PORT_COUNT);
        }
    }

    #[test]
    fn masks_agree_with_the_bits_they_cover() {
        assert_eq!(IER_RX_DATA | IER_THR_EMPTY | IER_LINE_STATUS | IER_MODEM_STATUS, IER_MASK);
        assert_eq!(MCR_DTR | MCR_RTS | MCR_OUT1 | MCR_OUT2 | MCR_LOOPBACK, MCR_MASK);
        assert_eq!(MSR_DELTA_CTS | MSR_DELTA_DSR | MSR_TRAILING_RI | MSR_DELTA_DCD, MSR_DELTA_MASK);
        assert_eq!(LSR_ERROR_BITS, 0x1E);
        // 9600 baud is divisor 12, 115200 is divisor 1.
        assert_eq!(UART_CLOCK_HZ / (16 * 12), 9600);
        assert_eq!(UART_CLOCK_HZ / 16, 115_200);
    }
}
