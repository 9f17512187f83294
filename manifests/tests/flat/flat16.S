/* A flat binary outside the Rust workspace: 16-bit real-mode code, loaded at
 * 0x7C00 and started there (see ../flat.toml). It prints a line and three
 * progress lines through the UART at 0x3F8, then halts with interrupts off.
 * Assembled by `cargo xtask test` with GNU as and linked flat with ld. */
    .code16
    .text
    .globl _start
_start:
    cli
    xorw %ax, %ax
    movw %ax, %ds
    movw %ax, %ss
    movw $0x7C00, %sp
    movw $hello, %si
    call puts
    movb $'1', %bl
progress:
    movl $0x100000, %ecx
spin:
    decl %ecx
    jnz spin
    movw $step, %si
    call puts
    movb %bl, %al
    call putc
    movw $crlf, %si
    call puts
    incb %bl
    cmpb $'4', %bl
    jne progress
halt:
    cli
    hlt
    jmp halt

/* Prints the zero-terminated string at DS:SI. */
puts:
    lodsb
    testb %al, %al
    jz 1f
    call putc
    jmp puts
1:  ret

/* Sends AL to COM1 once the transmitter holding register is empty. */
putc:
    movb %al, %ah
    movw $0x3FD, %dx
1:  inb %dx, %al
    testb $0x20, %al
    jz 1b
    movb %ah, %al
    movw $0x3F8, %dx
    outb %al, %dx
    ret

hello: .asciz "flat16: hello from a flat real-mode binary built outside the workspace\r\n"
step:  .asciz "flat16: progress "
crlf:  .asciz "\r\n"
