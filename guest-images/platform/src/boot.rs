//! The multiboot header and the 32-bit entry: what a multiboot loader
//! starts (Multiboot 0.6.96, section 3.1 for the header, 3.2 for the machine
//! state: 32-bit protected mode, paging off, EAX = 0x2BADB002, EBX = the
//! information structure), and the switch to 64-bit long mode (SDM Vol. 3A
//! 10.8.5 "Initializing IA-32e Mode"): identity-mapped page tables for the
//! first 1 GiB and for 3-4 GiB (the APIC pages, uncached), PAE, EFER.LME,
//! CR0.PG, a 64-bit GDT, a far jump. Then `kernel_main(magic, info)` runs on
//! a 64 KiB stack.

#![allow(unsafe_code, reason = "guest mechanism layer: the 32-bit entry and the switch to long mode")]

/// The multiboot header magic (section 3.1.1).
pub const HEADER_MAGIC: u32 = 0x1BAD_B002;
/// Header flags: bit 0 page-align modules, bit 1 memory information wanted.
const HEADER_FLAGS: u32 = 0b11;

// SAFETY: `_start` is the ELF entry point, run once by the loader in 32-bit
// protected mode with flat segments, before any Rust code. Everything it
// writes (page tables, stack) is reserved for it in .bss; it loads its own
// GDT and calls `kernel_main` with the SysV ABI the declaration expects.
core::arch::global_asm!(
    ".pushsection .multiboot, \"a\", @progbits",
    ".balign 4",
    ".long {magic}",
    ".long {flags}",
    ".long -({magic} + {flags})",
    ".popsection",
    "",
    ".pushsection .bss.platform_boot, \"aw\", @nobits",
    ".balign 4096",
    "boot_pml4: .skip 4096",
    "boot_pdpt: .skip 4096",
    "boot_pd_low: .skip 4096",
    "boot_pd_high: .skip 4096",
    ".balign 16",
    "boot_stack_bottom: .skip 65536",
    "boot_stack_top:",
    ".popsection",
    "",
    ".pushsection .rodata.platform_gdt, \"a\", @progbits",
    ".balign 16",
    "boot_gdt:",
    ".quad 0",
    ".quad 0x00AF9A000000FFFF", // 0x08: 64-bit code, present, DPL 0
    ".quad 0x00CF92000000FFFF", // 0x10: flat data
    "boot_gdt_end:",
    "boot_gdt_pointer:",
    ".word boot_gdt_end - boot_gdt - 1",
    ".quad boot_gdt",
    ".popsection",
    "",
    ".pushsection .text._start, \"ax\", @progbits",
    ".code32",
    ".global _start",
    "_start:",
    "    cli",
    "    cld",
    "    movl %eax, %esi",             // the multiboot magic
    "    movl %ebx, %edi",             // the information structure
    // PML4[0] -> PDPT; PDPT[0] -> the first 1 GiB, PDPT[3] -> 3-4 GiB.
    "    movl $boot_pdpt, %eax",
    "    orl $3, %eax",
    "    movl %eax, boot_pml4",
    "    movl $boot_pd_low, %eax",
    "    orl $3, %eax",
    "    movl %eax, boot_pdpt",
    "    movl $boot_pd_high, %eax",
    "    orl $3, %eax",
    "    movl %eax, boot_pdpt + 24",
    // 512 2-MiB pages each: present, writable, PS; the high ones PCD|PWT.
    "    xorl %ecx, %ecx",
    "1:  movl %ecx, %eax",
    "    shll $21, %eax",
    "    movl %eax, %edx",
    "    orl $0x83, %eax",
    "    movl %eax, boot_pd_low(,%ecx,8)",
    "    orl $0xC000009B, %edx",
    "    movl %edx, boot_pd_high(,%ecx,8)",
    "    incl %ecx",
    "    cmpl $512, %ecx",
    "    jne 1b",
    "    movl %cr4, %eax",
    "    orl $0x20, %eax",             // CR4.PAE
    "    movl %eax, %cr4",
    "    movl $boot_pml4, %eax",
    "    movl %eax, %cr3",
    "    movl $0xC0000080, %ecx",      // IA32_EFER
    "    rdmsr",
    "    orl $0x100, %eax",            // LME
    "    wrmsr",
    "    movl %cr0, %eax",
    "    orl $0x80000001, %eax",       // PG | PE
    "    movl %eax, %cr0",
    "    lgdt boot_gdt_pointer",
    "    ljmp $0x08, $2f",
    ".code64",
    "2:  movw $0x10, %ax",
    "    movw %ax, %ds",
    "    movw %ax, %es",
    "    movw %ax, %ss",
    "    movw %ax, %fs",
    "    movw %ax, %gs",
    "    leaq boot_stack_top(%rip), %rsp",
    "    xorl %ebp, %ebp",
    "    movl %esi, %eax",
    "    movl %edi, %esi",             // second argument: the information structure
    "    movl %eax, %edi",             // first argument: the magic
    "    call {main}",
    "    ud2",
    ".popsection",
    magic = const HEADER_MAGIC,
    flags = const HEADER_FLAGS,
    main = sym crate::kernel_main,
    options(att_syntax),
);
