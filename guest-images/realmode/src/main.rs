//! `realmode`: a guest that knows nothing of the hypervisor, written like a
//! boot sector: 16-bit real-mode code at 0000:7C00.
//!
//! It exercises the hypervisor's real-mode support (unrestricted guest or
//! emulation) and its virtual 16550 UART: it prints a greeting on COM1 by
//! polling the line status register (0x3FD, bit 5 "transmitter holding
//! register empty") and writing each byte to the transmitter holding register
//! (0x3F8), then prints CR0 in hexadecimal with its PE bit (0 in real mode),
//! then five progress lines ("realmode: progress 0x00000001" ...) separated by
//! busy work, so that its interleaving with other partitions shows the
//! schedule, then halts for good (`cli; hlt` in a loop). There are no BIOS services: no
//! INT instructions.
//!
//! The code is `global_asm!` in `.code16` (the Rust target is 64-bit; the
//! assembler switches mode for this block only), in AT&T syntax with explicit
//! operand sizes: LLVM's Intel-syntax parser assembles a plain `call` in
//! `.code16` as a 32-bit `calll` (it pushes 4 bytes) but `ret` as a 16-bit
//! one, which would return to garbage. Rust contributes only what a
//! `no_std` binary needs, the panic handler, which nothing reaches.

#![no_std]
#![no_main]
#![allow(unsafe_code, reason = "the guest is a global_asm! block")]

// Expected output (CR0's value depends on the hypervisor; ET, bit 4, is
// typically set):
//   realmode: hello from 16-bit real mode
//   realmode: CR0 = 0x00000010 (PE=0)
// Lines end in CR LF, as on a real serial console.
//
// SAFETY: the block is self-contained 16-bit code in its own section, reached
// only as the ELF entry point in real mode; it touches no Rust object and
// restores `.code64` for whatever the assembler emits after it.
core::arch::global_asm!(
    ".pushsection .text.realmode_start, \"ax\", @progbits",
    ".code16",
    ".global realmode_start",
    "realmode_start:",
    "    cli",
    "    cld",
    "    xorw %ax, %ax",
    "    movw %ax, %ds",
    "    movw %ax, %es",
    "    movw %ax, %ss",
    "    movw $0x7C00, %sp",
    "    movw $realmode_msg_hello, %si",
    "    callw realmode_puts",
    "    movw $realmode_msg_cr0, %si",
    "    callw realmode_puts",
    "    movl %cr0, %eax",
    "    callw realmode_puthex32",
    "    movw $realmode_msg_pe0, %si",
    "    testb $1, %al",
    "    jz .Lrealmode_pe_known",
    "    movw $realmode_msg_pe1, %si",
    ".Lrealmode_pe_known:",
    "    callw realmode_puts",
    // Progress: five steps of busy work, each followed by a counter line, so
    // that the interleaving with other partitions shows the schedule.
    "    movl $1, %ebx",
    ".Lrealmode_progress:",
    "    movl $0x200000, %ecx",
    ".Lrealmode_spin:",
    "    decl %ecx",
    "    jnz .Lrealmode_spin",
    "    movw $realmode_msg_progress, %si",
    "    callw realmode_puts",
    "    movl %ebx, %eax",
    "    callw realmode_puthex32",
    "    movw $realmode_msg_crlf, %si",
    "    callw realmode_puts",
    "    incl %ebx",
    "    cmpl $6, %ebx",
    "    jne .Lrealmode_progress",
    "    movw $realmode_msg_done, %si",
    "    callw realmode_puts",
    ".Lrealmode_halt:",
    "    cli",
    "    hlt",
    "    jmp .Lrealmode_halt",
    "",
    // Prints the zero-terminated string at DS:SI. Preserves all registers.
    "realmode_puts:",
    "    pushw %ax",
    "    pushw %si",
    ".Lrealmode_puts_next:",
    "    lodsb",
    "    testb %al, %al",
    "    jz .Lrealmode_puts_done",
    "    callw realmode_putc",
    "    jmp .Lrealmode_puts_next",
    ".Lrealmode_puts_done:",
    "    popw %si",
    "    popw %ax",
    "    retw",
    "",
    // Sends AL to COM1 once LSR bit 5 (THR empty) is set. Preserves all registers.
    "realmode_putc:",
    "    pushw %ax",
    "    pushw %dx",
    "    movb %al, %ah",
    "    movw $0x3FD, %dx",
    ".Lrealmode_putc_wait:",
    "    inb %dx, %al",
    "    testb $0x20, %al",
    "    jz .Lrealmode_putc_wait",
    "    movb %ah, %al",
    "    movw $0x3F8, %dx",
    "    outb %al, %dx",
    "    popw %dx",
    "    popw %ax",
    "    retw",
    "",
    // Prints EAX as 8 hexadecimal digits. Preserves all registers (eight
    // 4-bit rotations bring EAX back).
    "realmode_puthex32:",
    "    pushw %cx",
    "    movw $8, %cx",
    ".Lrealmode_hex_next:",
    "    roll $4, %eax",
    "    pushl %eax",
    "    andb $0x0F, %al",
    "    addb $0x30, %al",
    "    cmpb $0x39, %al",
    "    jbe .Lrealmode_hex_digit",
    "    addb $7, %al",
    ".Lrealmode_hex_digit:",
    "    callw realmode_putc",
    "    popl %eax",
    "    decw %cx",
    "    jnz .Lrealmode_hex_next",
    "    popw %cx",
    "    retw",
    "",
    "realmode_msg_hello: .asciz \"realmode: hello from 16-bit real mode\\r\\n\"",
    "realmode_msg_cr0: .asciz \"realmode: CR0 = 0x\"",
    "realmode_msg_pe0: .asciz \" (PE=0)\\r\\n\"",
    "realmode_msg_pe1: .asciz \" (PE=1)\\r\\n\"",
    "realmode_msg_progress: .asciz \"realmode: progress 0x\"",
    "realmode_msg_crlf: .asciz \"\\r\\n\"",
    "realmode_msg_done: .asciz \"realmode: done, halting with interrupts disabled\\r\\n\"",
    ".code64",
    ".popsection",
    options(att_syntax),
);

/// Required of every `no_std` binary; unreachable from the 16-bit code.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
