/* A Multiboot (version 1) kernel outside the Rust workspace, as a user's own
 * kernel would be (see ../multiboot.toml). Assembled twice by `cargo xtask
 * test` with GNU as and ld, both linked at 1 MiB:
 *  - target/flat/multiboot32.elf: an ELF32 executable whose Multiboot header
 *    has no address fields (the boot loader reads the program headers);
 *  - target/flat/multiboot32-aout.bin (--defsym AOUT=1): a flat binary whose
 *    header carries the address fields (flag 16, the "a.out kludge").
 * It checks what the Multiboot 0.6.96 specification promises it (machine
 * state, section 3.2; the information structure, section 3.3): EAX, CR0,
 * EFLAGS, flat segments, the information flags, mem_lower/mem_upper, the
 * command line, its one module (contents and string), the memory map and
 * its zeroed BSS. It prints what it found and each failed check through the
 * UART at 0x3F8, then a verdict, and halts with interrupts off. */

    .set MB_MAGIC, 0x1BADB002
    .ifdef AOUT
    .set MB_FLAGS, 0x00010003       /* page-aligned modules, memory info, address fields */
    .else
    .set MB_FLAGS, 0x00000003       /* page-aligned modules, memory info */
    .endif
    .set INFO_FLAGS_WANTED, 0x24d   /* mem (0), cmdline (2), mods (3), mmap (6), loader name (9) */

/* Prints a string given inline (kept in .text 1, after the code). */
.macro PUTS text
    .text 1
.Ls\@: .asciz "\text"
    .text 0
    movl $.Ls\@, %esi
    call puts
.endm

/* Counts a check: passed if the condition jump \jcc is taken, otherwise
 * failed, with the message printed. */
.macro CHECK jcc, text
    \jcc .Lok\@
    incl failed
    PUTS "mb32: FAILED: \text\r\n"
    jmp .Ldone\@
.Lok\@:
    incl passed
.Ldone\@:
.endm

    .code32
    .text 0
    .globl _start
_start:
    jmp entry

    .balign 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .ifdef AOUT
    .long mb_header                 /* header_addr */
    .long _start                    /* load_addr */
    .long load_end                  /* load_end_addr */
    .long bss_end                   /* bss_end_addr */
    .long entry                     /* entry_addr */
    .endif

entry:
    /* ESP is undefined at entry (3.2): a stack first, flags unchanged. */
    movl $stack_top, %esp
    movl %eax, entry_eax
    movl %ebx, entry_ebx
    pushfl
    popl entry_eflags
    movl %cr0, %eax
    movl %eax, entry_cr0

    .ifdef AOUT
    PUTS "mb32: hello from a multiboot kernel loaded by its header's address fields\r\n"
    .else
    PUTS "mb32: hello from a multiboot kernel loaded as ELF32\r\n"
    .endif

    /* 3.2: EAX, EBX, CR0, EFLAGS, segments. */
    PUTS "mb32: EAX = 0x"
    movl entry_eax, %eax
    call put_hex
    PUTS ", EBX = 0x"
    movl entry_ebx, %eax
    call put_hex
    PUTS "\r\n"
    cmpl $0x2BADB002, entry_eax
    CHECK je, "EAX is not 0x2BADB002"
    movl entry_cr0, %eax
    testl $1, %eax
    CHECK jnz, "CR0.PE is clear"
    testl $0x80000000, %eax
    CHECK jz, "CR0.PG is set"
    movl entry_eflags, %eax
    testl $0x200, %eax
    CHECK jz, "EFLAGS.IF is set"
    testl $0x20000, %eax
    CHECK jz, "EFLAGS.VM is set"
    PUTS "mb32: CR0.PE = 1, CR0.PG = 0, EFLAGS.IF = 0, EFLAGS.VM = 0 checked\r\n"
    movw %cs, %ax
    lsll %eax, %ecx
    cmpl $0xffffffff, %ecx
    CHECK je, "CS is not a 4 GiB segment"
    larl %eax, %ecx
    testl $0x400000, %ecx
    CHECK jnz, "CS is not a 32-bit segment"
    movw %ds, %ax
    call check_flat_data
    movw %es, %ax
    call check_flat_data
    movw %fs, %ax
    call check_flat_data
    movw %gs, %ax
    call check_flat_data
    movw %ss, %ax
    call check_flat_data
    PUTS "mb32: CS 32-bit, CS DS ES FS GS SS limit 0xffffffff checked\r\n"

    /* 3.3: the information structure. */
    movl entry_ebx, %ebx
    PUTS "mb32: flags = 0x"
    movl 0(%ebx), %eax
    call put_hex
    PUTS ", mem_lower = "
    movl 4(%ebx), %eax
    call put_dec
    PUTS " KiB, mem_upper = "
    movl 8(%ebx), %eax
    call put_dec
    PUTS " KiB\r\n"
    movl 0(%ebx), %eax
    andl $INFO_FLAGS_WANTED, %eax
    cmpl $INFO_FLAGS_WANTED, %eax
    CHECK je, "flags lack mem, cmdline, mods, mmap or boot_loader_name"
    cmpl $640, 4(%ebx)
    CHECK je, "mem_lower is not 640 KiB"

    PUTS "mb32: boot loader \""
    movl 64(%ebx), %esi
    call puts
    PUTS "\"\r\nmb32: cmdline \""
    movl 16(%ebx), %esi
    call puts
    PUTS "\"\r\n"
    movl 16(%ebx), %esi
    movl $expected_cmdline, %edi
    call strcmp
    CHECK je, "the command line is not the manifest's"

    /* The module: one, page-aligned above the kernel, its bytes and string. */
    cmpl $1, 20(%ebx)
    CHECK je, "mods_count is not 1"
    movl 24(%ebx), %edx
    PUTS "mb32: module 0x"
    movl 0(%edx), %eax
    call put_hex
    PUTS "-0x"
    movl 4(%edx), %eax
    call put_hex
    PUTS " string \""
    movl 8(%edx), %esi
    call puts
    PUTS "\"\r\n"
    testl $0xfff, 0(%edx)
    CHECK jz, "the module is not page-aligned"
    cmpl $bss_end, 0(%edx)
    CHECK jae, "the module overlaps the kernel"
    movl 4(%edx), %ecx
    subl 0(%edx), %ecx
    cmpl $(expected_module_end - expected_module), %ecx
    CHECK je, "the module's size is not the file's"
    movl 0(%edx), %esi
    movl $expected_module, %edi
    movl $(expected_module_end - expected_module), %ecx
    cld
    repe cmpsb
    CHECK je, "the module's contents are not the file's"
    movl 8(%edx), %esi
    movl $expected_module_string, %edi
    call strcmp
    CHECK je, "the module's string is not the manifest's"
    PUTS "mb32: module contents and string match the manifest's file and string\r\n"

    /* The memory map: entries of size 20 (plus the size field), all below
     * 4 GiB; the kernel and the module in available RAM, the information
     * structure in a reserved range, the last available byte where
     * mem_upper says. */
    PUTS "mb32: mmap_length = "
    movl 44(%ebx), %eax
    call put_dec
    PUTS "\r\n"
    movl 48(%ebx), %esi
    movl 44(%ebx), %edi
    addl %esi, %edi
mmap_loop:
    cmpl %edi, %esi
    jae mmap_done
    incl mmap_entries
    pushl %esi
    PUTS "mb32:   base 0x"
    movl (%esp), %esi
    movl 4(%esi), %eax
    call put_hex
    PUTS " length 0x"
    movl (%esp), %esi
    movl 12(%esi), %eax
    call put_hex
    PUTS " type "
    movl (%esp), %esi
    movl 20(%esi), %eax
    call put_dec
    PUTS "\r\n"
    popl %esi
    cmpl $20, 0(%esi)
    CHECK je, "a memory map entry's size is not 20"
    movl 8(%esi), %eax
    orl 16(%esi), %eax
    CHECK jz, "a memory map entry lies above 4 GiB"
    movl 4(%esi), %eax              /* eax = base, ecx = end */
    movl %eax, %ecx
    addl 12(%esi), %ecx
    cmpl $1, 20(%esi)
    jne mmap_reserved
    movl %ecx, mmap_available_end
    cmpl $_start, %eax              /* the kernel in this available range? */
    ja 1f
    cmpl $bss_end, %ecx
    jb 1f
    movl $1, kernel_in_ram
1:  movl 0(%edx), %ebp              /* the module? */
    cmpl %ebp, %eax
    ja 2f
    movl 4(%edx), %ebp
    cmpl %ebp, %ecx
    jb 2f
    movl $1, module_in_ram
2:  jmp mmap_next
mmap_reserved:
    cmpl %ebx, %eax                 /* the information structure? */
    ja mmap_next
    cmpl %ebx, %ecx
    jbe mmap_next
    movl $1, info_reserved
mmap_next:
    addl 0(%esi), %esi
    addl $4, %esi
    jmp mmap_loop
mmap_done:
    cmpl $2, mmap_entries
    CHECK jae, "the memory map has fewer than 2 entries"
    cmpl $1, kernel_in_ram
    CHECK je, "the kernel is not in an available range"
    cmpl $1, module_in_ram
    CHECK je, "the module is not in an available range"
    cmpl $1, info_reserved
    CHECK je, "the information structure is not in a reserved range"
    movl mmap_available_end, %eax
    subl $0x100000, %eax
    shrl $10, %eax
    cmpl 8(%ebx), %eax
    CHECK je, "mem_upper does not match the memory map"
    PUTS "mb32: memory map checked: kernel and module in available RAM, information reserved\r\n"

    /* The BSS is zero. */
    movl $bss_canary, %edi
    movl $256, %ecx
    xorl %eax, %eax
    repe scasb
    CHECK je, "the BSS is not zeroed"

    PUTS "mb32: "
    movl passed, %eax
    call put_dec
    PUTS " checks passed, "
    movl failed, %eax
    call put_dec
    PUTS " failed\r\n"
    cmpl $0, failed
    jne halt
    PUTS "mb32: all checks passed\r\n"
halt:
    cli
    hlt
    jmp halt

/* Checks that the data segment selector in AX is a 4 GiB segment. */
check_flat_data:
    lsll %eax, %ecx
    cmpl $0xffffffff, %ecx
    CHECK je, "a data segment is not a 4 GiB segment"
    ret

/* Compares the NUL-terminated strings at ESI and EDI: ZF set if equal. */
strcmp:
    pushl %esi
    pushl %edi
1:  movb (%esi), %al
    cmpb (%edi), %al
    jne 2f
    incl %esi
    incl %edi
    testb %al, %al
    jnz 1b
2:  popl %edi
    popl %esi
    ret

/* Prints the NUL-terminated string at ESI. */
puts:
    pushal
1:  lodsb
    testb %al, %al
    jz 2f
    call putc
    jmp 1b
2:  popal
    ret

/* Prints EAX in hexadecimal, without leading zeros. */
put_hex:
    pushal
    movl %eax, %edx
    movl $28, %ecx
    xorl %ebx, %ebx                 /* a digit was printed */
1:  movl %edx, %eax
    shrl %cl, %eax
    andl $0xf, %eax
    orl %eax, %ebx
    jnz 2f
    testl %ecx, %ecx
    jnz 3f
2:  movb hex_digits(%eax), %al
    call putc
    movl $1, %ebx
3:  subl $4, %ecx
    jns 1b
    popal
    ret

/* Prints EAX in decimal. */
put_dec:
    pushal
    movl $10, %ebx
    xorl %ecx, %ecx
1:  xorl %edx, %edx
    divl %ebx
    pushl %edx
    incl %ecx
    testl %eax, %eax
    jnz 1b
2:  popl %eax
    addb $'0', %al
    call putc
    loop 2b
    popal
    ret

/* Sends AL to COM1 once the transmitter holding register is empty. */
putc:
    pushl %edx
    movb %al, %ah
    movw $0x3FD, %dx
1:  inb %dx, %al
    testb $0x20, %al
    jz 1b
    movb %ah, %al
    movw $0x3F8, %dx
    outb %al, %dx
    popl %edx
    ret

    .text 2
hex_digits:             .ascii "0123456789abcdef"
expected_cmdline:       .asciz "mb32 cmdline test=yes answer=42"
expected_module_string: .asciz "multiboot-module.txt first module"
expected_module:        .incbin "multiboot-module.txt"
expected_module_end:
    .balign 4
load_end:

    .bss
    .balign 16
entry_eax:              .long 0
entry_ebx:              .long 0
entry_eflags:           .long 0
entry_cr0:              .long 0
passed:                 .long 0
failed:                 .long 0
mmap_entries:           .long 0
mmap_available_end:     .long 0
kernel_in_ram:          .long 0
module_in_ram:          .long 0
info_reserved:          .long 0
bss_canary:             .space 256
    .balign 16
                        .space 4096
stack_top:
bss_end:
