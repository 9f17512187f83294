//! I/O-instruction exits (SDM 26.1.3; qualification in 28.2.1 Table 28-5).
//!
//! Every port is intercepted (the I/O bitmaps pass nothing through). Today
//! the partition's only device is a minimal 16550 at COM1 (0x3F8-0x3FF):
//! bytes written to its transmit register go to the partition's console,
//! the line-status register always reports "transmitter empty", other
//! registers read as 0. (The full register model of a 16550 arrives with
//! the partition issue.) Reads of any other port return all ones, as an
//! absent ISA device does, and writes are dropped. String I/O (INS/OUTS) is
//! not emulated yet: it stops the partition with a report.

use hv_vmx::IoQualification;

use super::{Action, ExitContext, HandlerFault};
use crate::vmm::stop::StopReason;

const COM1: u16 = 0x3F8;
const UART_THR: u16 = COM1;
const UART_LSR: u16 = COM1 + 5;
/// LSR: transmitter holding register empty (bit 5) and transmitter empty (bit 6).
const LSR_IDLE: u64 = 0x60;

/// Handles an IN or OUT.
pub fn handle(ctx: &mut ExitContext<'_>, qualification: u64) -> Result<Action, HandlerFault> {
    let io = IoQualification::from_raw(qualification);
    if io.string || io.rep {
        return Ok(Action::Stop(StopReason::Unsupported { what: "string I/O (INS/OUTS)", detail: qualification }));
    }
    let mask = match io.size {
        1 => 0xFF,
        2 => 0xFFFF,
        _ => 0xFFFF_FFFF,
    };
    if io.is_in() {
        let value = match io.port {
            UART_LSR => LSR_IDLE,
            COM1..=0x3FF => 0,
            _ => mask,
        };
        ctx.regs.rax = (ctx.regs.rax & !mask) | (value & mask);
    } else if io.port == UART_THR {
        ctx.console.write(&ctx.regs.rax.to_le_bytes()[..1]);
    }
    Ok(Action::Advance)
}
