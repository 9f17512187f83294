#!/usr/bin/env python3
"""Test-vector generator for hv-x86-decode's `decode`, from GNU binutils.

Two sources, each decoded by `objdump` (Intel syntax) to get the length and
what the instruction does:

1. Hand-written instructions (AT&T syntax, as compilers emit them for MMIO),
   assembled with `as` in .code16, .code32 and .code64.
2. Random instructions of the supported opcodes: random legacy prefixes,
   REX, ModRM (memory forms), SIB and displacement bytes, followed by random
   bytes; objdump says where the instruction ends.

Prints a Rust table to stdout. Not part of the build or the tests: run by
hand and commit the output as src/vectors/objdump.rs (see tools/README.md).

    python3 tools/decode_vectors.py > src/vectors/objdump_table.rs
"""
import os
import random
import re
import subprocess
import sys
import tempfile

HAND = {
    "Real16": """
        movw %ax, 0x20(%bx)
        movw 0x1234, %ax
        movl %eax, (%esp)
        movw $1, (%bx)
        movl $1, (%bx)
        movb %dh, (%si)
        movw (%bp), %ax
        movw 0x1234(%bx,%si), %cx
        movw 0x100, %dx
        movzbw (%di), %ax
        movsbl 2(%bx), %edx
        orw $0x8000, (%bx)
        cmpb $5, 3(%bx,%di)
        testw $4, (%si)
        xchgw %ax, (%bx)
        movw %ax, %es:(%di)
        addr32 movl 0xfee00020, %eax
        movb 0x10, %al
        addw (%bx), %cx
        lock andw $-2, (%bx)
    """,
    "Protected32": """
        movl 0xfee000b0, %eax
        movl %eax, 0xfee000b0
        movb 0xfec00000, %al
        movl %edx, 0x330(%eax)
        movl $0, 0xb0(%eax)
        movl (%ebx,%esi,4), %ecx
        movl 0x10(%esp), %eax
        movw %ax, (%edi)
        movzbl (%eax), %eax
        movzwl 0x10(%ecx), %edx
        movsbw (%eax), %ax
        movswl (%eax), %esi
        xchgl %eax, (%edx)
        orl $0x10000, (%eax)
        lock andl $-2, (%ecx)
        testl $1, (%ebx)
        testb %ch, (%eax)
        cmpb (%eax), %dl
        movb %ah, (%ebp)
        movl (%bx), %eax
        addw $0x1234, (%eax)
        movl %eax, %es:(%edi)
        movl (,%eax,4), %ecx
        sbbl %eax, 0x12345678(,%ebx,8)
        movw %ax, 0xfec00010
    """,
    "Long64": """
        movl 0x1000(%rip), %eax
        movl %edx, 0x330(%rax)
        movl $0, 0xb0(%rax)
        movq (%rdi), %rax
        movq %rsi, 8(%rdi)
        movl 0x20(%r12), %r9d
        movl %r14d, (%r13)
        movb %al, (%rbx)
        movb %ah, (%rbx)
        movb (%rdx), %sil
        movb %r15b, (%r8)
        movw (%rcx), %ax
        movw $0x1234, 4(%rsp)
        movb $0x7f, 0x10(%rip)
        movq $-1, (%rax)
        movq $0x7fffffff, (%rax)
        movabsl 0xfee00020, %eax
        movabsq %rax, 0x1122334455667788
        movabsb 0xfec00000, %al
        movabsw %ax, 0xfec00010
        movzbl (%rax), %eax
        movzwl 2(%rax), %ecx
        movzbq (%r10), %r11
        movzbw (%rax), %ax
        movsbl (%rax), %edx
        movswq (%rsi,%rdi,2), %rbx
        movslq 0x10(%rax), %rdx
        xchgl %eax, 0x300(%rdi)
        xchgq %r8, (%rdx)
        xchgb %ch, (%rbx)
        addl $1, (%rax)
        orl $0x10000, 0x10(%rax,%rcx,8)
        andl $0xfffeffff, (%rax)
        andl $-2, (%rax)
        lock orl $0, (%rsp)
        lock addq $1, 0x10(%rip)
        subl %eax, (%rbx)
        xorq %rdx, 8(%rcx)
        adcb $1, (%rax)
        sbbw $-1, (%rax)
        cmpl $0, 0x300(%rax)
        cmpb $0x80, (%rdi)
        cmpq %rax, (%rdx)
        cmpl (%rdx), %eax
        addl (%rdx), %eax
        orq 0x8(%rbp), %r12
        andb (%rax), %bh
        testl $0x1000, 0x300(%rax)
        testb $1, (%rdi)
        testq %rax, (%rbx)
        testb %dl, (%rcx)
        movl %eax, %fs:0x10
        movl %gs:(%rax), %edx
        movl (,%rax,4), %ecx
        movl 0x12345678, %eax
        movl (%esp), %eax
        movw %ax, (%eax)
        movl %eax, -0x80(%rbp)
        movl %eax, 0x7f(%rbp,%r9,2)
        movl (%r13), %eax
        movl (%r12), %eax
        movq %rax, 0x12345678(%r15,%r14,8)
        addr32 movabsl 0xfee00020, %eax
    """,
}

ARCH = {"Real16": "i8086", "Protected32": "i386", "Long64": "i386:x86-64"}
CODE = {"Real16": ".code16", "Protected32": ".code32", "Long64": ".code64"}

PREFIX_WORDS = {
    "lock", "cs", "ds", "ss", "es", "fs", "gs", "xrelease", "xacquire", "repz", "repnz", "rep", "repe",
    "repne", "data16", "data32", "addr16", "addr32", "bnd", "notrack",
}
SIZES = {"BYTE": 1, "WORD": 2, "DWORD": 4, "QWORD": 8}
REG8 = "al cl dl bl spl bpl sil dil r8b r9b r10b r11b r12b r13b r14b r15b ah ch dh bh".split()
REG16 = "ax cx dx bx sp bp si di r8w r9w r10w r11w r12w r13w r14w r15w".split()
REG32 = "eax ecx edx ebx esp ebp esi edi r8d r9d r10d r11d r12d r13d r14d r15d".split()
REG64 = "rax rcx rdx rbx rsp rbp rsi rdi r8 r9 r10 r11 r12 r13 r14 r15".split()


def reg_size(name):
    for size, names in ((1, REG8), (2, REG16), (4, REG32), (8, REG64)):
        if name in names:
            return size
    return None


def objdump_raw(data, mode):
    """objdump's lines (address, bytes, text) for raw `data` in `mode`."""
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        f.write(data)
        path = f.name
    try:
        out = subprocess.run(
            ["objdump", "-D", "-b", "binary", "-m", ARCH[mode], "-M", "intel", "--insn-width=15", path],
            check=True, capture_output=True, text=True,
        ).stdout
    finally:
        os.unlink(path)
    lines = []
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$", line)
        if m:
            lines.append((int(m.group(1), 16), bytes.fromhex(m.group(2)), m.group(3).split("#")[0].strip()))
    return lines


def assemble(source, mode):
    with tempfile.TemporaryDirectory() as d:
        asm, obj, raw = (os.path.join(d, n) for n in ("t.s", "t.o", "t.bin"))
        with open(asm, "w") as f:
            f.write(CODE[mode] + "\n" + source + "\n")
        bits = "--64" if mode == "Long64" else "--32"
        subprocess.run(["as", bits, "-o", obj, asm], check=True)
        subprocess.run(["objcopy", "-O", "binary", "-j", ".text", obj, raw], check=True)
        with open(raw, "rb") as f:
            return f.read()


def expectation(text):
    """(class, op, size, register, extend, immediate) from objdump's text, or
    None for what the decoder does not handle."""
    tokens = text.split()
    while tokens and (tokens[0] in PREFIX_WORDS or re.fullmatch(r"rex(\.[WRXB]+)?", tokens[0])):
        tokens.pop(0)
    if not tokens:
        return None
    mnemonic, operands = tokens[0], [o.strip() for o in " ".join(tokens[1:]).split(",")]
    if len(operands) != 2:
        return None

    def is_memory(o):
        return "PTR" in o or re.match(r"^[a-z]s:0x", o) is not None

    memory_first = is_memory(operands[0])
    memory, other = (operands[0], operands[1]) if memory_first else (operands[1], operands[0])
    if not is_memory(memory):
        return None
    m = re.match(r"^(BYTE|WORD|DWORD|QWORD) PTR", memory)
    size = SIZES[m.group(1)] if m else reg_size(other)
    register = other if reg_size(other) else None
    immediate = int(other, 16) if re.fullmatch(r"0x[0-9a-f]+", other) else None
    extend = "None"
    op = None
    if mnemonic in ("mov", "movabs"):
        klass = "Write" if memory_first else "Read"
    elif mnemonic in ("movzx", "movsx", "movsxd"):
        klass = "Read"
        if reg_size(other) != size:
            extend = "Zero" if mnemonic == "movzx" else "Sign"
    elif mnemonic == "xchg":
        klass = "Exchange"
    elif mnemonic in ("add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"):
        op = mnemonic.capitalize()
        if not memory_first:
            klass = "Operate"
        elif mnemonic == "cmp":
            klass = "Compare"
        else:
            klass = "ReadModifyWrite"
    elif mnemonic == "test":
        klass, op = "Compare", "Test"
    else:
        return None
    return klass, op, size, register, extend, immediate


def random_candidates(mode, rng, count):
    opcodes = [[b] for b in range(0x40) if b & 7 < 4]
    opcodes += [[b] for b in range(0x84, 0x8C)] + [[0x80], [0x81], [0x83], [0xC6], [0xC7], [0xF6], [0xF7]]
    opcodes += [[0xA0], [0xA1], [0xA2], [0xA3], [0x0F, 0xB6], [0x0F, 0xB7], [0x0F, 0xBE], [0x0F, 0xBF]]
    opcodes += [[0x63]] if mode == "Long64" else [[0x82]]
    for _ in range(count):
        opcode = rng.choice(opcodes)
        prefixes = [rng.choice([0x66, 0x67, 0x2E, 0x3E, 0x26, 0x36, 0x64, 0x65, 0xF2, 0xF3])
                    for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))]
        lockable = (opcode[0] < 0x40 and opcode[0] & 2 == 0 and opcode[0] >> 3 != 7) or opcode[0] in (0x86, 0x87)
        group = opcode[0] in (0x80, 0x81, 0x82, 0x83)
        if group or lockable:
            if rng.random() < 0.3:
                prefixes.insert(rng.randrange(len(prefixes) + 1), 0xF0)
        rex = [rng.randrange(0x40, 0x50)] if mode == "Long64" and rng.random() < 0.5 else []
        reg = rng.randrange(8)
        if opcode[0] in (0xC6, 0xC7, 0xF6, 0xF7):
            reg = 0
        modrm = [rng.randrange(3) << 6 | reg << 3 | rng.randrange(8)]
        if opcode[0] in (0xA0, 0xA1, 0xA2, 0xA3):
            modrm = []
        tail = [rng.randrange(256) for _ in range(15)]
        yield bytes(prefixes + rex + opcode + modrm + tail), (group and reg == 7)


def rows():
    rng = random.Random(20240601)
    for mode in ("Real16", "Protected32", "Long64"):
        modes = ["Real16", "Protected16"] if mode == "Real16" else [mode]
        for line in objdump_raw(assemble(HAND[mode], mode), mode):
            expected = expectation(line[2])
            if expected is None:
                sys.exit(f"hand-written instruction not understood: {line}")
            for m in modes:
                yield m, line[1], line[2], expected
        kept = 0
        for data, _ in random_candidates(mode, rng, 400):
            first = objdump_raw(data, mode)[0]
            if "(bad)" in first[2] or "lock" in first[2] and not re.search(r"lock (add|or|adc|sbb|and|sub|xor|xchg) \w+ PTR", first[2]):
                continue
            expected = expectation(first[2])
            if expected is None or len(first[1]) < 2:
                continue
            kept += 1
            yield modes[kept % len(modes)], first[1], first[2], expected
            if kept == 150:
                break


def rust(value):
    if value is None:
        return "None"
    if isinstance(value, str):
        return f'Some("{value}")'
    return f"Some(0x{value:x})"


def main():
    print("// Generated by tools/decode_vectors.py from GNU binutils"
          f" ({subprocess.run(['objdump', '--version'], capture_output=True, text=True).stdout.splitlines()[0]}).")
    print("// Do not edit: regenerate.")
    print("#[rustfmt::skip]")
    print("const VECTORS: &[Vector] = &[")
    for mode, data, text, (klass, op, size, register, extend, immediate) in rows():
        hexes = ", ".join(f"0x{b:02x}" for b in data)
        op_text = f"Some(AluOp::{op})" if op else "None"
        print(f'    Vector {{ mode: Mode::{mode}, bytes: &[{hexes}], text: "{text}", class: Class::{klass}, '
              f"op: {op_text}, size: {size}, register: {rust(register)}, extend: Extend::{extend}, "
              f"immediate: {rust(immediate)} }},")
    print("];")


if __name__ == "__main__":
    main()
