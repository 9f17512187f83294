//! I/O-instruction exits (SDM 26.1.3; qualification in 28.2.1 Table 28-5).
//!
//! Every port is intercepted (the I/O bitmaps pass nothing through); the
//! devices behind the ports are in [`super::ports`]. IN and OUT move AL, AX
//! or EAX; the string forms (INS/OUTS, with or without REP) go through
//! [`super::string_io`], which reaches guest memory by linear address.

use hv_vmx::IoQualification;

use super::{ports, string_io, Action, ExitContext, HandlerFault};

/// Handles an IN, OUT, INS or OUTS.
pub fn handle(ctx: &mut ExitContext<'_>, qualification: u64) -> Result<Action, HandlerFault> {
    let io = IoQualification::from_raw(qualification);
    if io.string {
        return string_io::handle(ctx, &io);
    }
    let mask = u64::from(ports::size_mask(io.size));
    let mut devices = ports::Devices { platform: ctx.platform, console: ctx.console, now: ctx.now };
    if io.is_in() {
        let value = u64::from(ports::read(&mut devices, io.port, io.size));
        ctx.regs.rax = (ctx.regs.rax & !mask) | value;
    } else {
        ports::write(&mut devices, io.port, io.size, crate::vmm::low32(ctx.regs.rax & mask));
    }
    Ok(Action::Advance)
}
