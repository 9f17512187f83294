//! VMCALL exits: the hypercall ABI of crate `hv-abi` (paravirtualization).
//!
//! Decode-then-apply: `hv_abi::decode` validates every argument against the
//! partition's memory (bounds, overflow, length limits) and only a fully
//! valid request is carried out. Errors go back to the guest as status codes
//! in RAX; a hypercall never stops a partition unless it asks to (Shutdown).

use hv_abi::{decode, encode_result, Hypercall, HypercallRegs, PartitionInfo, PartitionStats, ABI_VERSION};

use super::{Action, ExitContext};
use crate::vmm::stop::StopReason;

/// Handles a VMCALL.
pub fn handle(ctx: &mut ExitContext<'_>) -> Action {
    let regs =
        HypercallRegs { rax: ctx.regs.rax, rdi: ctx.regs.rdi, rsi: ctx.regs.rsi, rdx: ctx.regs.rdx, r10: ctx.regs.r10 };
    let result = match decode(&regs, ctx.memory.window()) {
        Ok(Hypercall::AbiVersion) => Ok(u64::from(ABI_VERSION)),
        Ok(Hypercall::ConsoleWrite { buffer }) => {
            ctx.console.write(ctx.memory.slice(buffer));
            Ok(buffer.len())
        }
        Ok(Hypercall::Yield) => {
            let (rax, rdx) = encode_result(Ok(0));
            (ctx.regs.rax, ctx.regs.rdx) = (rax, rdx);
            return Action::Yield;
        }
        Ok(Hypercall::PartitionInfo { buffer }) => {
            let info: PartitionInfo = ctx.identity.info(ctx.memory.len());
            let bytes = info.to_bytes();
            ctx.memory.slice_mut(buffer)[..bytes.len()].copy_from_slice(&bytes);
            Ok(bytes.len() as u64)
        }
        Ok(Hypercall::PartitionStats { buffer }) => {
            let stats = PartitionStats::new(
                ctx.stats.restarts,
                ctx.stats.exits.total(),
                ctx.stats.cpu_time_us,
                ctx.console.bytes(),
            );
            let bytes = stats.to_bytes();
            ctx.memory.slice_mut(buffer)[..bytes.len()].copy_from_slice(&bytes);
            Ok(bytes.len() as u64)
        }
        Ok(Hypercall::Shutdown { code }) => return Action::Stop(StopReason::Shutdown { code }),
        Err(error) => Err(error),
    };
    let (rax, rdx) = encode_result(result);
    ctx.regs.rax = rax;
    ctx.regs.rdx = rdx;
    Action::Advance
}
