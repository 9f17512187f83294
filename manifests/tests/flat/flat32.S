/* A flat binary outside the Rust workspace: 32-bit protected-mode code with
 * flat segments and no paging, loaded at 0x100000 (see ../flat.toml). It
 * prints a line with its CR0 protection bit through the UART, then halts. */
    .code32
    .text
    .globl _start
_start:
    movl $stack_top, %esp
    movl $hello, %esi
    call puts
    movl %cr0, %eax
    movl $pe1, %esi
    testl $1, %eax
    jnz 1f
    movl $pe0, %esi
1:  call puts
halt:
    cli
    hlt
    jmp halt

puts:
    lodsb
    testb %al, %al
    jz 1f
    call putc
    jmp puts
1:  ret

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

hello: .asciz "flat32: hello from a flat 32-bit protected-mode binary\r\n"
pe1:   .asciz "flat32: CR0.PE = 1, paging off\r\n"
pe0:   .asciz "flat32: CR0.PE = 0 (unexpected)\r\n"
    .balign 16
    .space 4096
stack_top:
