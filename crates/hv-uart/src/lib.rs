//! `hv-uart`: the virtual 16550A UART each partition sees at COM1
//! (ports 0x3F8-0x3FF).
//!
//! The hypervisor traps every port access to the UART and hands it to a
//! [`Uart16550`] as [`read`](Uart16550::read) or [`write`](Uart16550::write)
//! of an offset `0..=7`. The registers behave as the PC16550D datasheet
//! ("PC16550D Universal Asynchronous Receiver/Transmitter with FIFOs",
//! National Semiconductor / Texas Instruments; section 8 "Registers", Tables
//! II-IV) describes them, so unmodified drivers work: Linux's 8250 driver
//! (including its port probe, which must identify a 16550A), a BIOS, and
//! bare-metal drivers such as the `uart_16550` crate with its loopback
//! self-test. [`regs`] names the offsets and bits.
//!
//! Bytes the guest transmits come back from [`write`](Uart16550::write) for
//! the partition's console; bytes from the host go in with
//! [`receive`](Uart16550::receive). [`registers`](Uart16550::registers) shows
//! the state without disturbing it.
//!
//! It is pure state: no `unsafe`, no `alloc`, no hardware access, no time.
//!
//! # Model choices
//!
//! Where the datasheet leaves a value open, or where a model without a clock
//! must decide, this crate does the following.
//!
//! - **The transmitter is infinitely fast.** A byte written to THR leaves at
//!   once, so LSR.THRE and LSR.TEMT always read 1 and a THRE interrupt
//!   re-arms right after the write that cleared it. There is no transmitter
//!   FIFO to fill (FCR bit 2 has nothing to clear). Every polling driver
//!   accepts this: it only ever waits for THRE or TEMT to become 1.
//! - **No timing on the receive side either.** The character timeout
//!   interrupt (FIFO mode, data below the trigger level, "four character
//!   times" without activity) is reported as soon as such data is present.
//! - **Line settings do not shape the data.** The divisor, word length,
//!   stop bits, parity and break control (LCR) are stored and read back, but
//!   every byte travels as the full 8 bits, on the console and in loopback.
//!   Guests that never program the LCR (5 data bits after reset) still print.
//! - **No line errors from the host.** The host delivers bytes, not a
//!   signal, so parity, framing and break (LSR bits 2-4) and LSR bit 7 never
//!   set; overrun (bit 1) does, and is the source of receiver line status
//!   interrupts.
//! - **Overrun.** FIFO mode: a character arriving at a full 16-byte FIFO is
//!   lost and the FIFO kept (datasheet, LSR bit 1). 16450 mode: the new
//!   character replaces the unread one in RBR.
//! - **Reading an empty RBR** returns the last character read again (0
//!   after reset).
//! - **Reset values** ([`Uart16550::new`]): those of Table III "UART Reset
//!   Configuration" (IER = 0, IIR = 0x01, FCR = 0, LCR = 0, MCR = 0,
//!   LSR = 0x60, MSR bits 3:0 = 0) with SCR = 0 and divisor
//!   [`RESET_DIVISOR`] = 12 (9600 baud), which the datasheet leaves
//!   undefined. The MODEM inputs start inactive, so MSR = 0;
//!   [`Uart16550::with_modem_inputs`] starts with a peer attached instead.
//! - **THRE interrupt on enabling.** Setting IER.ETBEI while THR is empty
//!   raises a THRE interrupt (rising edge, as in QEMU and Bochs); clearing
//!   it drops a pending one. Linux's THRE test and SeaBIOS's port detection
//!   rely on this.
//! - **Writes to LSR and MSR** (factory test only, per the datasheet) are
//!   ignored. FCR bit 3 (DMA mode) is stored; it only concerns the
//!   RXRDY/TXRDY pins.
//! - **Address decoding.** Only offset bits 2:0 count, like the chip's A0-A2.
//! - **A 16550A, nothing newer.** With LCR = 0xBF offset 2 is still
//!   IIR/FCR (no 16650 EFR); FCR bit 5 (the 16750's 64-byte FIFO) is
//!   ignored and IIR bits 5:4 read 0; IER bits 7:4 and MCR bits 7:5 read 0.
//! - **The IRQ line.** [`Uart16550::interrupt_pending`] is the chip's INTR
//!   output; [`Uart16550::irq_asserted`] is what a PC's interrupt
//!   controller would see: INTR gated by MCR OUT 2, which loopback forces
//!   inactive. Delivering it to the guest is the hypervisor's business.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod fifo;
mod interrupt;
mod modem;
pub mod regs;
mod snapshot;
mod trigger;
mod uart;

#[cfg(test)]
mod driver_tests;

pub use interrupt::InterruptSource;
pub use modem::ModemInputs;
pub use snapshot::RegisterSnapshot;
pub use trigger::RxTrigger;
pub use uart::{Uart16550, RESET_DIVISOR};
