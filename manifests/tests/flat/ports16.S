/* Reads the CMOS RTC's status register A through ports 0x70/0x71 and prints
 * it: with the ports passed through (manifest `io_ports`) the real RTC
 * answers (0x26 on PC-compatible machines), without them the hypervisor
 * answers like an absent device (0xff). Loaded at 0x7C00 in real mode. */
    .code16
    .text
    .globl _start
_start:
    cli
    xorw %ax, %ax
    movw %ax, %ds
    movw %ax, %ss
    movw $0x7C00, %sp
    movb $0x0A, %al          /* CMOS index: status register A (NMI stays enabled) */
    outb %al, $0x70
    inb $0x71, %al
    movb %al, %bl
    movw $message, %si
    call puts
    movb %bl, %al
    shrb $4, %al
    call hexdigit
    movb %bl, %al
    andb $0x0F, %al
    call hexdigit
    movw $crlf, %si
    call puts
halt:
    cli
    hlt
    jmp halt

/* Prints the low nibble of AL as a hexadecimal digit. */
hexdigit:
    addb $'0', %al
    cmpb $'9', %al
    jbe 1f
    addb $('a' - '0' - 10), %al
1:  call putc
    ret

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

message: .asciz "ports16: CMOS status register A = 0x"
crlf:    .asciz "\r\n"
