//! `hv-x86-decode`: the small x86 instruction decoder behind MMIO emulation.
//!
//! An EPT violation on an emulated device page tells the hypervisor the
//! guest-physical address and whether the access was a read or a write, but
//! not the data, the register or the instruction's length. [`decode`] takes
//! the bytes fetched at the guest's RIP and the CPU [`Mode`] and returns a
//! [`Decoded`]: the length (to advance RIP) and an [`Access`]: the operand
//! size and what is read, written or computed ([`AccessKind`]). For the ALU
//! forms, [`alu`] computes the result and the six arithmetic flags;
//! [`gpr_read`] and [`gpr_write`] apply the partial-register rules.
//!
//! It decodes what guest kernels use on device registers (local APIC, I/O
//! APIC, HPET and the like), and nothing more: MOV in all its memory forms
//! (including `moffs` and immediates), MOVZX, MOVSX, MOVSXD, XCHG, the ALU
//! operations ADD, OR, ADC, SBB, AND, SUB, XOR, CMP with a register or an
//! immediate, and TEST. Everything else is a [`DecodeError`] that names the
//! problem, for the hypervisor to stop the partition with.
//!
//! It is pure computation: no `unsafe`, no `alloc`, no state.
//!
//! # References
//!
//! Intel 64 and IA-32 Architectures Software Developer's Manual, order
//! number 325462-083US (March 2024):
//!
//! - Vol. 2A 2.1 "Instruction Format for Protected Mode, Real-Address Mode,
//!   and Virtual-8086 Mode": 2.1.1 prefixes, 2.1.2 opcodes, 2.1.3 ModR/M and
//!   SIB, 2.1.4 displacement and immediate, 2.1.5 with Table 2-1 (16-bit
//!   addressing), Table 2-2 (32-bit addressing), Table 2-3 (SIB).
//! - Vol. 2A 2.2 "IA-32e Mode": 2.2.1 REX prefixes (Table 2-4 fields, Table
//!   2-5 special cases), 2.2.1.3 displacement, 2.2.1.4 direct memory-offset
//!   MOVs, 2.2.1.5 immediates, 2.2.1.6 RIP-relative addressing.
//! - Vol. 2A 2.3.11: the 15-byte limit.
//! - Vol. 2D Appendix A "Opcode Map": Table A-2 (one-byte), Table A-3
//!   (two-byte), Table A-6 (group extensions).
//! - Vol. 1 3.4.1.1 (64-bit register rules) and 3.4.3.1 (status flags).
//!
//! # Decisions
//!
//! - **Prefixes.** 0x66 and REX.W select the operand size (REX.W wins);
//!   0x67 changes only the length (ModRM table, `moffs` width). Segment
//!   overrides count in the length and are otherwise ignored: the exit gives
//!   the guest-physical address. In 64-bit mode a REX counts only directly
//!   before the opcode; one followed by another prefix is ignored (2.2.1).
//!   F2/F3 before a supported non-string instruction are ignored (XACQUIRE/
//!   XRELEASE hints on locked and MOV forms; elsewhere reserved, 2.1.1).
//! - **String instructions** (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) are
//!   refused with [`DecodeError::StringInstruction`], REP or not: the
//!   hypervisor handles string I/O on its own path.
//! - **LOCK** is accepted on read-modify-write forms with memory as the
//!   destination and on XCHG; anywhere else the processor raises #UD, so such
//!   bytes can only come from a guest rewriting its code under the
//!   hypervisor, and are refused ([`DecodeError::LockNotAllowed`]).
//! - **Register-only forms** (ModRM mod = 11b) and opcodes without a memory
//!   operand cannot have caused the EPT violation: refused.
//! - **Byte registers** 4-7 are AH, CH, DH, BH without REX and SPL, BPL,
//!   SIL, DIL with any REX ([`Register::HighByte`] vs [`Register::Gpr`]).
//! - **Immediates** are returned cut to the operand size, sign-extended
//!   first where the encoding says so (83's imm8; imm32 with 64-bit
//!   operands).
//! - **Lengths.** At most 15 bytes are looked at: an instruction that would
//!   be longer is [`DecodeError::TooLong`]; one that runs past the bytes
//!   given is [`DecodeError::Truncated`].
//! - **Left out**: BT/BTS/BTR/BTC, INC/DEC/NOT/NEG, MUL/DIV, CMPXCHG, XADD,
//!   SETcc, PUSH/POP r/m, moves to and from segment registers, and SSE/AVX
//!   moves (VEX, EVEX). Guests do not use them on device registers; each is
//!   an [`DecodeError::UnsupportedOpcode`].
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod access;
mod alu;
mod cursor;
mod decode;
mod error;
mod mode;
mod modrm;
mod prefixes;
mod register;
mod size;

#[cfg(test)]
mod compiler_tests;
#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod vectors;

pub use access::{Access, AccessKind, Decoded, Extend, Operand};
pub use alu::{alu, AluOp, AluResult, ArithmeticFlags};
pub use decode::decode;
pub use error::{DecodeError, Opcode, MAX_INSTRUCTION_LENGTH};
pub use mode::Mode;
pub use register::{gpr_read, gpr_write, Gpr, HighByte, Register};
pub use size::OperandSize;
