//! Instruction forms as compilers and kernels emit them for device
//! registers, byte for byte, with what the decoder must make of them, and
//! the refusals. (objdump's view of these and of many random encodings is
//! in `vectors/objdump.rs`.)

use crate::{
    alu, decode, gpr_read, gpr_write, Access, AccessKind, AluOp, ArithmeticFlags, DecodeError, Decoded, Extend, Gpr,
    HighByte, Mode, Opcode, Operand, OperandSize, Register,
};
use Mode::{Long64, Protected16, Protected32, Real16};
use OperandSize::{Byte, Dword, Qword, Word};

const RAX: Register = Register::Gpr(Gpr::Rax);
const RDX: Register = Register::Gpr(Gpr::Rdx);

fn ok(bytes: &[u8], mode: Mode) -> Decoded {
    decode(bytes, mode).unwrap_or_else(|error| panic!("{bytes:02x?} in {mode:?}: {error}"))
}

fn access(size: OperandSize, kind: AccessKind) -> Access {
    Access { size, kind }
}

fn read(dest: Register, size: OperandSize) -> AccessKind {
    AccessKind::Read { dest, extend: Extend::None, dest_size: size }
}

fn store(register: Register) -> AccessKind {
    AccessKind::Write { source: Operand::Register(register) }
}

fn opcode(byte: u8) -> Opcode {
    Opcode { escaped: false, byte, extension: None }
}

#[test]
fn rip_relative_load() {
    // mov 0x2010(%rip),%eax
    let d = ok(&[0x8b, 0x05, 0x10, 0x20, 0x00, 0x00], Long64);
    assert_eq!(d, Decoded { length: 6, access: access(Dword, read(RAX, Dword)) });
}

#[test]
fn linux_apic_write_and_read() {
    // mov %edx,0x330(%rax): native_apic_mem_write(APIC_LVTT, ...)
    let d = ok(&[0x89, 0x90, 0x30, 0x03, 0x00, 0x00], Long64);
    assert_eq!(d, Decoded { length: 6, access: access(Dword, store(RDX)) });
    // movl $0x0,0xb0(%rax): the EOI write
    let d = ok(&[0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], Long64);
    assert_eq!(d, Decoded { length: 10, access: access(Dword, AccessKind::Write { source: Operand::Immediate(0) }) });
    // mov 0x20(%rax),%eax: native_apic_mem_read(APIC_ID)
    assert_eq!(ok(&[0x8b, 0x40, 0x20], Long64).access, access(Dword, read(RAX, Dword)));
    // xchg %edx,(%rax): the X86_BUG_11AP variant of the write
    let d = ok(&[0x87, 0x10], Long64);
    assert_eq!(d, Decoded { length: 2, access: access(Dword, AccessKind::Exchange { register: RDX }) });
}

#[test]
fn moffs_in_32_and_64_bit_mode() {
    // mov 0xfee000b0,%eax
    let d = ok(&[0xa1, 0xb0, 0x00, 0xe0, 0xfe], Protected32);
    assert_eq!(d, Decoded { length: 5, access: access(Dword, read(RAX, Dword)) });
    // mov %al,0xfec00000
    let d = ok(&[0xa2, 0x00, 0x00, 0xc0, 0xfe], Protected32);
    assert_eq!(d, Decoded { length: 5, access: access(Byte, store(RAX)) });
    // movabs 0xfee00020,%rax: REX.W, 8-byte offset
    let d = ok(&[0x48, 0xa1, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00], Long64);
    assert_eq!(d, Decoded { length: 10, access: access(Qword, read(RAX, Qword)) });
    // addr32 mov 0xfee00020,%eax in 64-bit mode: 4-byte offset
    assert_eq!(ok(&[0x67, 0xa1, 0x20, 0x00, 0xe0, 0xfe], Long64).length, 6);
    // 16-bit: mov 0x1234,%ax, and with 0x67 a 4-byte offset
    assert_eq!(ok(&[0xa1, 0x34, 0x12], Real16), Decoded { length: 3, access: access(Word, read(RAX, Word)) });
    assert_eq!(ok(&[0x67, 0x66, 0xa1, 0x20, 0x00, 0xe0, 0xfe], Real16).access, access(Dword, read(RAX, Dword)));
}

#[test]
fn sixteen_bit_forms() {
    // mov %ax,0x20(%bx)
    let d = ok(&[0x89, 0x47, 0x20], Real16);
    assert_eq!(d, Decoded { length: 3, access: access(Word, store(RAX)) });
    assert_eq!(ok(&[0x89, 0x47, 0x20], Protected16), d, "CS.D = 0 decodes like real mode");
    // mov %ax,(%edi) in 32-bit code; mov %eax,(%bx) in 16-bit code
    assert_eq!(ok(&[0x66, 0x89, 0x07], Protected32), Decoded { length: 3, access: access(Word, store(RAX)) });
    assert_eq!(ok(&[0x66, 0x89, 0x07], Real16), Decoded { length: 3, access: access(Dword, store(RAX)) });
    // mov 0x100,%dx: mod 00 r/m 110 is disp16
    assert_eq!(ok(&[0x8b, 0x16, 0x00, 0x01], Real16), Decoded { length: 4, access: access(Word, read(RDX, Word)) });
    // movl $1,(%bx)
    let d = ok(&[0x66, 0xc7, 0x07, 0x01, 0x00, 0x00, 0x00], Real16);
    assert_eq!(d, Decoded { length: 7, access: access(Dword, AccessKind::Write { source: Operand::Immediate(1) }) });
    // mov %eax,(%esp) with addr32: a SIB byte
    assert_eq!(ok(&[0x66, 0x67, 0x89, 0x04, 0x24], Real16).length, 5);
}

#[test]
fn byte_registers_with_and_without_rex() {
    let ah = Register::HighByte(HighByte::Ah);
    assert_eq!(ok(&[0x88, 0x20], Long64).access, access(Byte, store(ah)), "mov %ah,(%rax)");
    assert_eq!(ok(&[0x40, 0x88, 0x20], Long64).access, access(Byte, store(Register::Gpr(Gpr::Rsp))), "%spl");
    assert_eq!(ok(&[0x44, 0x88, 0x20], Long64).access, access(Byte, store(Register::Gpr(Gpr::R12))), "%r12b");
    assert_eq!(ok(&[0x88, 0x20], Protected32).access, access(Byte, store(ah)));
    // mov (%rdx),%bh; xchg %ch,(%rbx)
    assert_eq!(ok(&[0x8a, 0x3a], Long64).access, access(Byte, read(Register::HighByte(HighByte::Bh), Byte)));
    let ch = Register::HighByte(HighByte::Ch);
    assert_eq!(ok(&[0x86, 0x2b], Long64).access, access(Byte, AccessKind::Exchange { register: ch }));
}

#[test]
fn rex_and_operand_size() {
    // mov %rax,(%rdi); mov %r9d,0x20(%r12); mov %ax,(%rdi)
    assert_eq!(ok(&[0x48, 0x89, 0x07], Long64).access, access(Qword, store(RAX)));
    let d = ok(&[0x45, 0x89, 0x4c, 0x24, 0x20], Long64);
    assert_eq!(d, Decoded { length: 5, access: access(Dword, store(Register::Gpr(Gpr::R9))) });
    assert_eq!(ok(&[0x66, 0x89, 0x07], Long64).access, access(Word, store(RAX)));
    // REX.W beats 0x66
    assert_eq!(ok(&[0x66, 0x48, 0x89, 0x07], Long64).access, access(Qword, store(RAX)));
    // A REX followed by another prefix is ignored: 16-bit, not 64-bit.
    assert_eq!(ok(&[0x48, 0x66, 0x89, 0x07], Long64), Decoded { length: 4, access: access(Word, store(RAX)) });
    // Two REX: only the last counts (REX.R here, not REX.W).
    let d = ok(&[0x48, 0x44, 0x89, 0x07], Long64);
    assert_eq!(d.access, access(Dword, store(Register::Gpr(Gpr::R8))));
}

#[test]
fn immediates_by_operand_size() {
    let imm = |value| AccessKind::Write { source: Operand::Immediate(value) };
    // movq $-1,(%rax): imm32 sign-extended
    let d = ok(&[0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff], Long64);
    assert_eq!(d, Decoded { length: 7, access: access(Qword, imm(u64::MAX)) });
    // movq $0x7fffffff,(%rax)
    assert_eq!(ok(&[0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0x7f], Long64).access, access(Qword, imm(0x7fff_ffff)));
    // movw $0x1234,4(%rsp)
    let d = ok(&[0x66, 0xc7, 0x44, 0x24, 0x04, 0x34, 0x12], Long64);
    assert_eq!(d, Decoded { length: 7, access: access(Word, imm(0x1234)) });
    // movb $0x7f,0x10(%rip)
    let d = ok(&[0xc6, 0x05, 0x10, 0x00, 0x00, 0x00, 0x7f], Long64);
    assert_eq!(d, Decoded { length: 7, access: access(Byte, imm(0x7f)) });
}

#[test]
fn alu_forms() {
    let rmw = |op, value| AccessKind::ReadModifyWrite { op, source: Operand::Immediate(value) };
    // orl $0x10000,(%rax): 81 /1 id
    let d = ok(&[0x81, 0x08, 0x00, 0x00, 0x01, 0x00], Long64);
    assert_eq!(d, Decoded { length: 6, access: access(Dword, rmw(AluOp::Or, 0x10000)) });
    // andl $-2,(%rax): 83 /4 ib, sign-extended
    assert_eq!(ok(&[0x83, 0x20, 0xfe], Long64).access, access(Dword, rmw(AluOp::And, 0xffff_fffe)));
    // addq $-1,(%rax)
    assert_eq!(ok(&[0x48, 0x83, 0x00, 0xff], Long64).access, access(Qword, rmw(AluOp::Add, u64::MAX)));
    // lock orl $0,(%rsp): the classic barrier
    let d = ok(&[0xf0, 0x83, 0x0c, 0x24, 0x00], Long64);
    assert_eq!(d, Decoded { length: 5, access: access(Dword, rmw(AluOp::Or, 0)) });
    // adcb $1,(%rax); sbbw $-1,(%rax)
    assert_eq!(ok(&[0x80, 0x10, 0x01], Long64).access, access(Byte, rmw(AluOp::Adc, 1)));
    assert_eq!(ok(&[0x66, 0x83, 0x18, 0xff], Long64).access, access(Word, rmw(AluOp::Sbb, 0xffff)));
    // 82 is 80's alias outside 64-bit mode
    assert_eq!(ok(&[0x82, 0x30, 0x01], Protected32).access, access(Byte, rmw(AluOp::Xor, 1)));
    // sub %eax,(%rbx); xor %rdx,8(%rcx)
    let with = |op, register| AccessKind::ReadModifyWrite { op, source: Operand::Register(register) };
    assert_eq!(ok(&[0x29, 0x03], Long64).access, access(Dword, with(AluOp::Sub, RAX)));
    assert_eq!(ok(&[0x48, 0x31, 0x51, 0x08], Long64).access, access(Qword, with(AluOp::Xor, RDX)));
    // add (%rdx),%eax; or 8(%rbp),%r12; cmp (%rdx),%eax
    let into = |op, register| AccessKind::ReadOperate { op, register };
    assert_eq!(ok(&[0x03, 0x02], Long64).access, access(Dword, into(AluOp::Add, RAX)));
    assert_eq!(ok(&[0x4c, 0x0b, 0x65, 0x08], Long64).access, access(Qword, into(AluOp::Or, Register::Gpr(Gpr::R12))));
    assert_eq!(ok(&[0x3b, 0x02], Long64).access, access(Dword, into(AluOp::Cmp, RAX)));
}

#[test]
fn compare_and_test_forms() {
    let compare = |op, source| AccessKind::ReadCompare { op, source };
    // cmpl $0,0x300(%rax): 83 /7
    let d = ok(&[0x83, 0xb8, 0x00, 0x03, 0x00, 0x00, 0x00], Long64);
    assert_eq!(d, Decoded { length: 7, access: access(Dword, compare(AluOp::Cmp, Operand::Immediate(0))) });
    // cmp %rax,(%rdx)
    assert_eq!(ok(&[0x48, 0x39, 0x02], Long64).access, access(Qword, compare(AluOp::Cmp, Operand::Register(RAX))));
    // testl $0x1000,0x300(%rax): F7 /0 id
    let d = ok(&[0xf7, 0x80, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00], Long64);
    assert_eq!(d, Decoded { length: 10, access: access(Dword, compare(AluOp::Test, Operand::Immediate(0x1000))) });
    // testb $1,(%rdi); testq $-1,(%rax); test %dl,(%rcx)
    assert_eq!(ok(&[0xf6, 0x07, 0x01], Long64).access, access(Byte, compare(AluOp::Test, Operand::Immediate(1))));
    let d = ok(&[0x48, 0xf7, 0x00, 0xff, 0xff, 0xff, 0xff], Long64);
    assert_eq!(d.access, access(Qword, compare(AluOp::Test, Operand::Immediate(u64::MAX))));
    assert_eq!(ok(&[0x84, 0x11], Long64).access, access(Byte, compare(AluOp::Test, Operand::Register(RDX))));
}

#[test]
fn extending_loads() {
    let load = |dest, extend, dest_size| AccessKind::Read { dest, extend, dest_size };
    // movzbl (%rax),%eax; movzwl 2(%rax),%ecx; movsbl (%rax),%edx
    assert_eq!(ok(&[0x0f, 0xb6, 0x00], Long64).access, access(Byte, load(RAX, Extend::Zero, Dword)));
    let rcx = Register::Gpr(Gpr::Rcx);
    assert_eq!(ok(&[0x0f, 0xb7, 0x48, 0x02], Long64).access, access(Word, load(rcx, Extend::Zero, Dword)));
    assert_eq!(ok(&[0x0f, 0xbe, 0x10], Long64).access, access(Byte, load(RDX, Extend::Sign, Dword)));
    // movswq (%rsi,%rdi,2),%rbx; movzbq (%r10),%r11
    let rbx = Register::Gpr(Gpr::Rbx);
    assert_eq!(ok(&[0x48, 0x0f, 0xbf, 0x1c, 0x7e], Long64).access, access(Word, load(rbx, Extend::Sign, Qword)));
    let r11 = Register::Gpr(Gpr::R11);
    assert_eq!(ok(&[0x4d, 0x0f, 0xb6, 0x1a], Long64).access, access(Byte, load(r11, Extend::Zero, Qword)));
    // movslq 0x10(%rax),%rdx; movsxd without REX.W is a plain load
    assert_eq!(ok(&[0x48, 0x63, 0x50, 0x10], Long64).access, access(Dword, load(RDX, Extend::Sign, Qword)));
    assert_eq!(ok(&[0x63, 0x50, 0x10], Long64).access, access(Dword, load(RDX, Extend::None, Dword)));
    // movzbw (%di),%ax in 16-bit code
    assert_eq!(ok(&[0x0f, 0xb6, 0x05], Real16).access, access(Byte, load(RAX, Extend::Zero, Word)));
}

#[test]
fn ignored_prefixes_count_in_the_length() {
    // cs/fs/gs overrides, xrelease, rep on a non-string instruction
    assert_eq!(ok(&[0x64, 0x89, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00], Long64).length, 8);
    assert_eq!(ok(&[0x2e, 0x3e, 0x26, 0x36, 0x65, 0x8b, 0x02], Long64).length, 7);
    assert_eq!(ok(&[0xf3, 0x89, 0x07], Long64).access, access(Dword, store(RAX)));
    assert_eq!(ok(&[0xf2, 0xf0, 0x87, 0x07], Long64).access, access(Dword, AccessKind::Exchange { register: RAX }));
    // 15 bytes exactly: 5 prefixes and a 10-byte movl $1,0xb0(%rax)
    let bytes = [0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00];
    assert_eq!(ok(&bytes, Long64).length, 15);
}

#[test]
fn refusals_name_the_problem() {
    let err = |bytes: &[u8], mode| decode(bytes, mode).expect_err("must be refused");
    assert_eq!(err(&[0x89, 0xc0], Long64), DecodeError::RegisterOperand { opcode: opcode(0x89) });
    assert_eq!(
        err(&[0x0f, 0x0b], Long64),
        DecodeError::UnsupportedOpcode { opcode: Opcode { escaped: true, byte: 0x0b, extension: None } }
    );
    assert_eq!(err(&[0xf3, 0xa5], Protected32), DecodeError::StringInstruction { opcode: opcode(0xa5) });
    assert_eq!(err(&[0xa4], Long64), DecodeError::StringInstruction { opcode: opcode(0xa4) });
    assert_eq!(err(&[0xf3, 0x6e], Real16), DecodeError::StringInstruction { opcode: opcode(0x6e) });
    assert_eq!(err(&[0x48, 0xab], Long64), DecodeError::StringInstruction { opcode: opcode(0xab) });
    assert_eq!(err(&[0xf0, 0x89, 0x07], Long64), DecodeError::LockNotAllowed { opcode: opcode(0x89) });
    assert_eq!(err(&[0xf0, 0x39, 0x07], Long64), DecodeError::LockNotAllowed { opcode: opcode(0x39) });
    assert_eq!(err(&[0xf0, 0x03, 0x07], Long64), DecodeError::LockNotAllowed { opcode: opcode(0x03) });
    let cmp_imm = Opcode { escaped: false, byte: 0x81, extension: Some(7) };
    assert_eq!(err(&[0xf0, 0x81, 0x3f, 0, 0, 0, 0], Long64), DecodeError::LockNotAllowed { opcode: cmp_imm });
    let div = Opcode { escaped: false, byte: 0xf7, extension: Some(6) };
    assert_eq!(err(&[0xf7, 0x37], Long64), DecodeError::UnsupportedOpcode { opcode: div });
    let mov_c7_1 = Opcode { escaped: false, byte: 0xc7, extension: Some(1) };
    assert_eq!(err(&[0xc7, 0xc8, 0, 0, 0, 0], Long64), DecodeError::UnsupportedOpcode { opcode: mov_c7_1 });
    let xabort = Opcode { escaped: false, byte: 0xc6, extension: Some(7) };
    assert_eq!(err(&[0xc6, 0xf8, 0x00], Long64), DecodeError::UnsupportedOpcode { opcode: xabort });
    let mov_imm_reg = Opcode { escaped: false, byte: 0xc7, extension: Some(0) };
    assert_eq!(err(&[0xc7, 0xc0, 0, 0, 0, 0], Long64), DecodeError::RegisterOperand { opcode: mov_imm_reg });
    assert_eq!(err(&[0x63, 0x00], Protected32), DecodeError::UnsupportedOpcode { opcode: opcode(0x63) }, "ARPL");
    assert_eq!(err(&[0x82, 0x00, 0x01], Long64), DecodeError::UnsupportedOpcode { opcode: opcode(0x82) });
    assert_eq!(err(&[0x48, 0x89, 0x07], Protected32), DecodeError::UnsupportedOpcode { opcode: opcode(0x48) });
    assert_eq!(err(&[0x05, 1, 0, 0, 0], Long64), DecodeError::UnsupportedOpcode { opcode: opcode(0x05) });
    assert_eq!(err(&[0xfe, 0x00], Long64), DecodeError::UnsupportedOpcode { opcode: opcode(0xfe) }, "INC");
    assert_eq!(err(&[0xc5, 0xf9, 0x7e, 0x07], Long64), DecodeError::UnsupportedOpcode { opcode: opcode(0xc5) });
}

#[test]
fn length_limits() {
    let err = |bytes: &[u8]| decode(bytes, Long64).expect_err("must be refused");
    assert_eq!(err(&[]), DecodeError::Truncated { fetched: 0 });
    assert_eq!(err(&[0x8b]), DecodeError::Truncated { fetched: 1 });
    assert_eq!(err(&[0x0f]), DecodeError::Truncated { fetched: 1 });
    assert_eq!(err(&[0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x00]), DecodeError::Truncated { fetched: 7 });
    assert_eq!(err(&[0x66; 15]), DecodeError::TooLong);
    let mut sixteen = vec![0x3e; 14];
    sixteen.extend_from_slice(&[0x8b, 0x00]);
    assert_eq!(err(&sixteen), DecodeError::TooLong, "the ModRM would be byte 16");
    let mut long = vec![0x3e; 6];
    long.extend_from_slice(&[0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00]);
    assert_eq!(err(&long), DecodeError::TooLong, "16 bytes with its immediate");
}

/// The hypervisor's side, in miniature: carry out a decoded access on a
/// register file and one memory value, with the helpers the crate gives.
fn emulate(decoded: &Decoded, regs: &mut [u64; 16], rflags: &mut u64, memory: &mut u64) {
    let size = decoded.access.size;
    let operand = |regs: &[u64; 16], source: Operand| match source {
        Operand::Register(register) => gpr_read(regs, register, size),
        Operand::Immediate(value) => value,
    };
    let carry = *rflags & ArithmeticFlags::CF != 0;
    match decoded.access.kind {
        AccessKind::Read { dest, extend, dest_size } => {
            gpr_write(regs, dest, dest_size, extend.apply(*memory, size, dest_size));
        }
        AccessKind::Write { source } => *memory = operand(regs, source) & size.mask(),
        AccessKind::Exchange { register } => {
            let old = gpr_read(regs, register, size);
            gpr_write(regs, register, size, *memory);
            *memory = old;
        }
        AccessKind::ReadModifyWrite { op, source } => {
            let result = alu(op, size, *memory, operand(regs, source), carry);
            *memory = result.value;
            *rflags = result.flags.merge_into(*rflags);
        }
        AccessKind::ReadCompare { op, source } => {
            *rflags = alu(op, size, *memory, operand(regs, source), carry).flags.merge_into(*rflags);
        }
        AccessKind::ReadOperate { op, register } => {
            let result = alu(op, size, gpr_read(regs, register, size), *memory, carry);
            if op.writes_result() {
                gpr_write(regs, register, size, result.value);
            }
            *rflags = result.flags.merge_into(*rflags);
        }
    }
}

#[test]
fn emulating_decoded_accesses_end_to_end() {
    let mut regs = [0u64; 16];
    let mut rflags = 0x202;
    regs[0] = 0xFFFF_FFFF_FFFF_FFFF;

    // movzbl (%rax),%eax reading 0xFE: RAX = 0xFE (upper half cleared)
    let mut memory = 0xFE;
    emulate(&ok(&[0x0f, 0xb6, 0x00], Long64), &mut regs, &mut rflags, &mut memory);
    assert_eq!(regs[0], 0xFE);

    // mov (%rdx),%ah reading 0x12: only bits 15:8 of RAX change
    memory = 0x12;
    emulate(&ok(&[0x8a, 0x22], Long64), &mut regs, &mut rflags, &mut memory);
    assert_eq!(regs[0], 0x12FE);

    // orl $0x10000,(%rax) on 0x000000EF: memory 0x100EF, flags by result
    memory = 0xEF;
    emulate(&ok(&[0x81, 0x08, 0x00, 0x00, 0x01, 0x00], Long64), &mut regs, &mut rflags, &mut memory);
    assert_eq!(memory, 0x100EF);
    assert_eq!(rflags, 0x202, "not zero, not negative, odd parity (0xEF has 7 bits)");

    // cmpl $0x100EF,(%rax): equal, ZF set, memory unchanged
    emulate(&ok(&[0x81, 0x38, 0xEF, 0x00, 0x01, 0x00], Long64), &mut regs, &mut rflags, &mut memory);
    assert_eq!((memory, rflags & ArithmeticFlags::ZF), (0x100EF, ArithmeticFlags::ZF));

    // xchg %edx,(%rax)
    regs[2] = 0xAAAA_BBBB_CCCC_DDDD;
    emulate(&ok(&[0x87, 0x10], Long64), &mut regs, &mut rflags, &mut memory);
    assert_eq!((regs[2], memory), (0x100EF, 0xCCCC_DDDD));

    // movsbq (%rax),%rcx reading 0x80
    memory = 0x80;
    emulate(&ok(&[0x48, 0x0f, 0xbe, 0x08], Long64), &mut regs, &mut rflags, &mut memory);
    assert_eq!(regs[1], 0xFFFF_FFFF_FFFF_FF80);
}
