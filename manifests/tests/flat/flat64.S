/* A flat binary outside the Rust workspace: 64-bit long-mode code, loaded at
 * 0x200000 with identity paging set up by the hypervisor (see ../flat.toml).
 * It prints a line through the UART and shuts down through the hypercall ABI
 * (VMCALL with RAX = 4 Shutdown, RDI = exit code 0). */
    .code64
    .text
    .globl _start
_start:
    leaq stack_top(%rip), %rsp
    leaq hello(%rip), %rsi
    call puts
    movq $4, %rax
    xorl %edi, %edi
    vmcall
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

hello: .asciz "flat64: hello from a flat 64-bit binary, shutting down by hypercall\r\n"
    .balign 16
    .space 4096
stack_top:
