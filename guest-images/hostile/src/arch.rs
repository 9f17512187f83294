//! The machine-level pieces of the hostile guest: the entry point, its own
//! IDT with exception stubs, and the attack instructions themselves.
//!
//! # Surviving an expected fault
//!
//! Each non-terminal attack is one inline-asm block that first stores the
//! address of its own end (a local label) in [`RECOVERY_RIP`], then executes
//! the forbidden instruction. If the instruction faults, the exception stub
//! saves the caller-saved registers and calls [`exception_handler`], which
//! reports the exception through `ConsoleWrite`, records its vector in
//! [`LAST_VECTOR`] and rewrites the saved RIP to the recovery address; IRETQ
//! then resumes just after the instruction with every register as it was
//! when the instruction faulted. To the compiler the asm block simply ran to
//! its end. An exception with no recovery address armed is unexpected: it is
//! reported and the guest shuts down with [`crate::EXIT_UNEXPECTED`].

#![allow(unsafe_code, reason = "guest mechanism layer: IDT, control registers, page tables and forbidden instructions")]

use core::arch::asm;
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};
use hv_abi::guest::{self, ConsoleWriter};

// The entry point: see `hello64`. The hypervisor starts the guest with RSP = 0,
// RDI = the boot argument and RSI = the memory size; clear DF, switch to a
// 64 KiB stack in .bss, call `guest_main(rdi, rsi)`, which never returns.
//
// SAFETY: `_start` runs once, as the ELF entry point, before any Rust code;
// the stack it installs is reserved for it (.bss, 16-byte aligned) and
// `guest_main` has the `extern "C"` signature the call assumes.
core::arch::global_asm!(
    ".pushsection .bss.hostile_stack, \"aw\", @nobits",
    ".balign 16",
    "hostile_stack_bottom:",
    ".skip 65536",
    "hostile_stack_top:",
    ".popsection",
    "",
    ".pushsection .text._start, \"ax\", @progbits",
    ".global _start",
    ".type _start, @function",
    "_start:",
    "    cld",
    "    lea rsp, [rip + hostile_stack_top]",
    "    xor ebp, ebp",
    "    call {main}",
    "    ud2",
    ".size _start, . - _start",
    ".popsection",
    main = sym crate::guest_main,
);

// The exception stubs. Vectors 0-31 each get their own stub, which pushes a 0
// in place of the error code where the CPU pushes none, then the vector, so
// that every exception reaches `hostile_exc_common` with the same frame;
// vectors 32-255 (only reachable by INT n: interrupts stay disabled) share a
// generic stub that reports vector 256 ("unknown"). The common part saves the
// caller-saved GPRs (the Rust handler preserves the others), passes the frame
// to `exception_handler`, restores, drops vector and error code, and IRETQs.
// The CPU aligns RSP to 16 before pushing the 5-qword frame: 5 + 2 + 9 qwords
// leave it 16-byte aligned at the CALL, as the SysV ABI requires.
//
// SAFETY: the stubs are only entered by the CPU through the IDT that
// `install_idt` builds; they preserve every register the handler may clobber
// and return with IRETQ to the saved (possibly redirected) RIP, so the
// interrupted code sees no change besides RIP (see the module doc).
core::arch::global_asm!(
    ".pushsection .text.hostile_exceptions, \"ax\", @progbits",
    ".macro HOSTILE_EXC_NOERR vector",
    "hostile_exc_\\vector:",
    "    push 0",
    "    push \\vector",
    "    jmp hostile_exc_common",
    ".endm",
    ".macro HOSTILE_EXC_ERR vector",
    "hostile_exc_\\vector:",
    "    push \\vector",
    "    jmp hostile_exc_common",
    ".endm",
    "HOSTILE_EXC_NOERR 0",
    "HOSTILE_EXC_NOERR 1",
    "HOSTILE_EXC_NOERR 2",
    "HOSTILE_EXC_NOERR 3",
    "HOSTILE_EXC_NOERR 4",
    "HOSTILE_EXC_NOERR 5",
    "HOSTILE_EXC_NOERR 6",
    "HOSTILE_EXC_NOERR 7",
    "HOSTILE_EXC_ERR 8",
    "HOSTILE_EXC_NOERR 9",
    "HOSTILE_EXC_ERR 10",
    "HOSTILE_EXC_ERR 11",
    "HOSTILE_EXC_ERR 12",
    "HOSTILE_EXC_ERR 13",
    "HOSTILE_EXC_ERR 14",
    "HOSTILE_EXC_NOERR 15",
    "HOSTILE_EXC_NOERR 16",
    "HOSTILE_EXC_ERR 17",
    "HOSTILE_EXC_NOERR 18",
    "HOSTILE_EXC_NOERR 19",
    "HOSTILE_EXC_NOERR 20",
    "HOSTILE_EXC_ERR 21",
    "HOSTILE_EXC_NOERR 22",
    "HOSTILE_EXC_NOERR 23",
    "HOSTILE_EXC_NOERR 24",
    "HOSTILE_EXC_NOERR 25",
    "HOSTILE_EXC_NOERR 26",
    "HOSTILE_EXC_NOERR 27",
    "HOSTILE_EXC_NOERR 28",
    "HOSTILE_EXC_ERR 29",
    "HOSTILE_EXC_ERR 30",
    "HOSTILE_EXC_NOERR 31",
    "hostile_exc_generic:",
    "    push 0",
    "    push 256",
    "    jmp hostile_exc_common",
    "",
    "hostile_exc_common:",
    "    push rax",
    "    push rcx",
    "    push rdx",
    "    push rsi",
    "    push rdi",
    "    push r8",
    "    push r9",
    "    push r10",
    "    push r11",
    "    mov rdi, rsp",
    "    cld",
    "    call {handler}",
    "    pop r11",
    "    pop r10",
    "    pop r9",
    "    pop r8",
    "    pop rdi",
    "    pop rsi",
    "    pop rdx",
    "    pop rcx",
    "    pop rax",
    "    add rsp, 16",
    "    iretq",
    ".popsection",
    "",
    ".pushsection .rodata.hostile_exc_table, \"a\", @progbits",
    ".balign 8",
    ".global hostile_exc_table",
    "hostile_exc_table:",
    ".quad hostile_exc_0, hostile_exc_1, hostile_exc_2, hostile_exc_3",
    ".quad hostile_exc_4, hostile_exc_5, hostile_exc_6, hostile_exc_7",
    ".quad hostile_exc_8, hostile_exc_9, hostile_exc_10, hostile_exc_11",
    ".quad hostile_exc_12, hostile_exc_13, hostile_exc_14, hostile_exc_15",
    ".quad hostile_exc_16, hostile_exc_17, hostile_exc_18, hostile_exc_19",
    ".quad hostile_exc_20, hostile_exc_21, hostile_exc_22, hostile_exc_23",
    ".quad hostile_exc_24, hostile_exc_25, hostile_exc_26, hostile_exc_27",
    ".quad hostile_exc_28, hostile_exc_29, hostile_exc_30, hostile_exc_31",
    ".quad hostile_exc_generic",
    ".popsection",
    handler = sym exception_handler,
);

/// The vector the generic stub reports (not a real vector).
const VECTOR_UNKNOWN: u64 = 256;

extern "C" {
    /// The stubs' addresses: vectors 0-31, then the generic stub.
    #[link_name = "hostile_exc_table"]
    static EXCEPTION_STUBS: [u64; 33];
}

/// Where [`exception_handler`] resumes after an expected fault; 0 when no
/// attack is in progress. Written by the attack asm, cleared by the handler.
static RECOVERY_RIP: AtomicU64 = AtomicU64::new(0);

/// Marks "no exception" in [`LAST_VECTOR`].
const NO_EXCEPTION: u64 = u64::MAX;

/// The vector of the exception the current attack raised, or [`NO_EXCEPTION`].
static LAST_VECTOR: AtomicU64 = AtomicU64::new(NO_EXCEPTION);

/// The stack as `hostile_exc_common` leaves it for [`exception_handler`].
#[repr(C)]
struct ExceptionFrame {
    /// R11, R10, R9, R8, RDI, RSI, RDX, RCX, RAX (saved, not inspected).
    _saved_gprs: [u64; 9],
    /// Pushed by the stub.
    vector: u64,
    /// Pushed by the CPU, or a 0 pushed by the stub.
    error_code: u64,
    /// The interrupted RIP (for a fault: the faulting instruction); the
    /// handler rewrites it to resume elsewhere. CS, RFLAGS, RSP, SS follow.
    rip: u64,
}

/// The name of an exception vector.
pub fn vector_name(vector: u64) -> &'static str {
    match vector {
        0 => "#DE",
        1 => "#DB",
        2 => "NMI",
        3 => "#BP",
        4 => "#OF",
        5 => "#BR",
        6 => "#UD",
        7 => "#NM",
        8 => "#DF",
        10 => "#TS",
        11 => "#NP",
        12 => "#SS",
        13 => "#GP",
        14 => "#PF",
        16 => "#MF",
        17 => "#AC",
        18 => "#MC",
        19 => "#XM",
        20 => "#VE",
        21 => "#CP",
        28 => "#HV",
        29 => "#VC",
        30 => "#SX",
        VECTOR_UNKNOWN => "an interrupt (vector >= 32)",
        _ => "a reserved exception",
    }
}

/// The exception handler proper, called by `hostile_exc_common`.
extern "C" fn exception_handler(frame: &mut ExceptionFrame) {
    let recovery = RECOVERY_RIP.swap(0, Ordering::SeqCst);
    LAST_VECTOR.store(frame.vector, Ordering::SeqCst);
    say!(
        "hostile: caught {} (vector {}) at RIP {:#x}, error code {:#x}",
        vector_name(frame.vector),
        frame.vector,
        frame.rip,
        frame.error_code
    );
    if frame.vector == 14 {
        say!("hostile:   page-fault address (CR2) {:#x}", cr2());
    }
    if recovery == 0 {
        say!("hostile: that exception was not expected: giving up");
        guest::shutdown(crate::EXIT_UNEXPECTED);
    }
    frame.rip = recovery;
}

/// How an attack instruction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It raised the exception with this vector (and was skipped).
    Faulted(u64),
    /// It completed; the value is what it produced (0 if nothing).
    Completed(u64),
}

/// Clears [`LAST_VECTOR`] before an attack.
fn arm() {
    LAST_VECTOR.store(NO_EXCEPTION, Ordering::SeqCst);
}

/// Collects the outcome of an attack that produced `value` if it completed.
fn outcome(value: u64) -> Outcome {
    // If the instruction did not fault, the recovery address is still armed.
    RECOVERY_RIP.store(0, Ordering::SeqCst);
    match LAST_VECTOR.load(Ordering::SeqCst) {
        NO_EXCEPTION => Outcome::Completed(value),
        vector => Outcome::Faulted(vector),
    }
}

/// A 10-byte IDTR/GDTR image for LIDT.
#[repr(C, packed)]
struct DescriptorTablePointer {
    limit: u16,
    base: u64,
}

/// The guest's IDT: 256 16-byte gates, built at run time (atomics, so that a
/// plain static can be written safely; it lives in .bss).
#[repr(C, align(16))]
struct Idt([AtomicU64; 512]);

/// The IDT [`install_idt`] loads.
static IDT: Idt = Idt([const { AtomicU64::new(0) }; 512]);

/// Loads IDTR from `pointer`.
fn lidt(pointer: &DescriptorTablePointer) {
    // SAFETY: LIDT only reads the 10-byte pointer. Each caller loads either
    // the fully built `IDT` (a static, valid forever) or a deliberately empty
    // IDT as an attack.
    unsafe { asm!("lidt [{}]", in(reg) pointer, options(readonly, nostack, preserves_flags)) };
}

/// Fills [`IDT`] with 64-bit interrupt gates to the stubs (vectors 0-31 their
/// own, 32-255 the generic one), in the current code segment, and loads it.
pub fn install_idt() {
    let cs: u16;
    // SAFETY: reading CS has no side effect.
    unsafe { asm!("mov {:x}, cs", out(reg) cs, options(nomem, nostack, preserves_flags)) };
    // SAFETY: `hostile_exc_table` is 33 quadwords of read-only data defined
    // in the global_asm above, initialised by the linker.
    let stubs = unsafe { &EXCEPTION_STUBS };
    for vector in 0..256 {
        let handler = stubs[vector.min(32)];
        // Present, DPL 0, type 0xE (64-bit interrupt gate: IF is cleared on entry), IST 0.
        let low = (handler & 0xFFFF) | (u64::from(cs) << 16) | (0x8E << 40) | ((handler >> 16) & 0xFFFF) << 48;
        IDT.0[2 * vector].store(low, Ordering::Relaxed);
        IDT.0[2 * vector + 1].store(handler >> 32, Ordering::Relaxed);
    }
    lidt(&DescriptorTablePointer { limit: 256 * 16 - 1, base: core::ptr::from_ref(&IDT).addr() as u64 });
}

/// Attack: VMXON (the hypervisor must inject #UD). The operand points at a
/// zeroed, page-aligned would-be VMXON region.
pub fn vmxon() -> Outcome {
    /// A page-aligned zeroed page for VMXON's operand.
    #[repr(C, align(4096))]
    struct Page([u8; 4096]);
    static REGION: Page = Page([0; 4096]);
    let region_address = core::ptr::from_ref(&REGION).addr() as u64;
    arm();
    // SAFETY: VMXON only reads its 8-byte operand (the region's physical
    // address, identity-mapped). If it faults, the handler resumes at label 2
    // with all registers intact (module doc); RAX is declared clobbered.
    unsafe {
        asm!(
            "lea rax, [rip + 2f]",
            "mov [rip + {recovery}], rax",
            "vmxon [{operand}]",
            "2:",
            recovery = sym RECOVERY_RIP,
            operand = in(reg) &region_address,
            out("rax") _,
            options(nostack),
        );
    }
    outcome(0)
}

/// Attack: WRMSR IA32_FEATURE_CONTROL (0x3A) = lock | enable VMX outside SMX
/// (the hypervisor must inject #GP).
pub fn wrmsr_feature_control() -> Outcome {
    arm();
    // SAFETY: as for `vmxon`; the asm reads ECX/EAX/EDX and clobbers RAX and RDX.
    unsafe {
        asm!(
            "lea rax, [rip + 2f]",
            "mov [rip + {recovery}], rax",
            "mov eax, 0x5",
            "xor edx, edx",
            "wrmsr",
            "2:",
            recovery = sym RECOVERY_RIP,
            in("ecx") 0x3A,
            out("rax") _,
            out("rdx") _,
            options(nostack),
        );
    }
    outcome(0)
}

/// Attack: XSETBV with XCR0 = 0x4 (AVX without x87 and SSE), which the
/// architecture forbids (the hypervisor must validate it and inject #GP
/// instead of loading it). CR4.OSXSAVE is set first, as the instruction
/// requires; without XSAVE support the attack is reported as not applicable
/// by the caller.
pub fn xsetbv_invalid() -> Outcome {
    arm();
    // SAFETY: as for `vmxon`; setting CR4.OSXSAVE only enables the XSAVE
    // instruction family (the caller checked CPUID.1:ECX.XSAVE) and the asm
    // clobbers RAX, RCX, RDX.
    unsafe {
        asm!(
            "mov rax, cr4",
            "bts rax, 18",
            "mov cr4, rax",
            "lea rax, [rip + 2f]",
            "mov [rip + {recovery}], rax",
            "xor ecx, ecx",
            "mov eax, 0x4",
            "xor edx, edx",
            "xsetbv",
            "2:",
            recovery = sym RECOVERY_RIP,
            out("rax") _,
            out("rcx") _,
            out("rdx") _,
            options(nostack),
        );
    }
    outcome(0)
}

/// Attack: RDMSR IA32_VMX_BASIC (0x480) (#GP expected). Completed carries
/// the value read.
pub fn rdmsr_vmx_basic() -> Outcome {
    let (low, high): (u32, u32);
    arm();
    // SAFETY: as for `vmxon`. EAX/EDX are zeroed first so that they hold a
    // defined value if RDMSR faults and is skipped.
    unsafe {
        asm!(
            "lea rax, [rip + 2f]",
            "mov [rip + {recovery}], rax",
            "xor eax, eax",
            "xor edx, edx",
            "rdmsr",
            "2:",
            recovery = sym RECOVERY_RIP,
            in("ecx") 0x480,
            out("eax") low,
            out("edx") high,
            options(nostack),
        );
    }
    outcome(u64::from(high) << 32 | u64::from(low))
}

/// Attack: IN AL from port 0x64 (the keyboard controller's status register,
/// not assigned to the partition). The hypervisor must answer like an absent
/// device (0xFF) without touching the real controller. Completed carries the
/// byte read (zero-extended).
pub fn in_keyboard_status() -> Outcome {
    let value: u64;
    arm();
    // SAFETY: as for `vmxon`. IN only writes AL (RAX is zeroed first, so the
    // upper bits are defined, and declared as an output); no memory is touched
    // besides `RECOVERY_RIP`.
    unsafe {
        asm!(
            "lea rax, [rip + 2f]",
            "mov [rip + {recovery}], rax",
            "xor eax, eax",
            "in al, 0x64",
            "2:",
            recovery = sym RECOVERY_RIP,
            out("rax") value,
            options(nostack),
        );
    }
    outcome(value)
}

/// The PCI configuration address port (configuration mechanism #1).
const PCI_CONFIG_ADDRESS: u16 = 0xCF8;
/// The PCI configuration data port.
const PCI_CONFIG_DATA: u16 = 0xCFC;
/// Enable bit, bus 0, device 0, function 0, register 0: the vendor and
/// device ID of the host bridge.
const PCI_HOST_BRIDGE_ID: u32 = 0x8000_0000;

/// Attack: OUT [`PCI_HOST_BRIDGE_ID`] to the PCI configuration address port
/// 0xCF8, then IN EAX from the data port 0xCFC: an attempt to reach the
/// host's PCI configuration space. The hypervisor must drop the write and
/// answer the read like an absent device (0xFFFF_FFFF). Completed carries
/// the doubleword read.
pub fn pci_config_read() -> Outcome {
    let value: u64;
    arm();
    // SAFETY: as for `vmxon`. OUT/IN only touch ports (which the hypervisor
    // intercepts) and EAX/DX; RAX is zeroed before the IN (a 32-bit MOV
    // clears the upper half), RDX is declared clobbered. If the OUT faulted,
    // the handler resumes at label 2, skipping the IN.
    unsafe {
        asm!(
            "lea rax, [rip + 2f]",
            "mov [rip + {recovery}], rax",
            "mov dx, {address_port}",
            "mov eax, {address}",
            "out dx, eax",
            "mov dx, {data_port}",
            "xor eax, eax",
            "in eax, dx",
            "2:",
            recovery = sym RECOVERY_RIP,
            address_port = const PCI_CONFIG_ADDRESS,
            address = const PCI_HOST_BRIDGE_ID,
            data_port = const PCI_CONFIG_DATA,
            out("rax") value,
            out("rdx") _,
            options(nostack),
        );
    }
    outcome(value)
}

/// Reads CR2.
fn cr2() -> u64 {
    let value;
    // SAFETY: reading CR2 has no side effect.
    unsafe { asm!("mov {}, cr2", out(reg) value, options(nomem, nostack, preserves_flags)) };
    value
}

/// The physical-address bits of a page-table entry or CR3.
const ADDRESS_MASK: u64 = 0x000F_FFFF_FFFF_F000;
/// The size of a large page.
const LARGE_PAGE: u64 = 2 << 20;
/// Page-table entry bits: present, writable, page size (a large page).
const PRESENT: u64 = 1 << 0;
const WRITABLE: u64 = 1 << 1;
const PAGE_SIZE: u64 = 1 << 7;

/// A page directory of our own, for mapping the attack target.
#[repr(C, align(4096))]
struct PageTable([AtomicU64; 512]);

/// The page directory [`map_2mib`] links in when the target's PDPT entry is empty.
static ATTACK_PDS: [PageTable; 4] = [const { PageTable([const { AtomicU64::new(0) }; 512]) }; 4];

/// Reads entry `index` of the paging structure at physical address `table`.
fn read_entry(table: u64, index: u64) -> u64 {
    // SAFETY: `table` is a paging structure the hypervisor set up (CR3 or an
    // entry of it), in guest memory, which is identity-mapped; `index` < 512.
    unsafe { core::ptr::read_volatile((table + 8 * index) as *const u64) }
}

/// Writes entry `index` of the paging structure at physical address `table`.
fn write_entry(table: u64, index: u64, value: u64) {
    // SAFETY: as for `read_entry`. The entry was not present, so no
    // translation the guest uses changes.
    unsafe { core::ptr::write_volatile((table + 8 * index) as *mut u64, value) }
}

/// Makes the 2 MiB page containing `address` present and writable in the
/// current paging structures, identity-mapped, adding a page directory of our
/// own if its PDPT entry is empty. Handles 4- and 5-level paging. Used once
/// per incarnation for each GiB (4 GiB apart share a page directory).
///
/// # Errors
///
/// A description of a paging structure this cannot extend.
pub fn map_2mib(address: u64) -> Result<(), &'static str> {
    let target = address & !(LARGE_PAGE - 1);
    let (cr3, cr4): (u64, u64);
    // SAFETY: reading CR3 and CR4 has no side effect.
    unsafe {
        asm!("mov {}, cr3", out(reg) cr3, options(nomem, nostack, preserves_flags));
        asm!("mov {}, cr4", out(reg) cr4, options(nomem, nostack, preserves_flags));
    }
    let index = |level: u32| (target >> (12 + 9 * level)) & 0x1FF;
    let mut table = cr3 & ADDRESS_MASK;
    let top_level = if cr4 & (1 << 12) != 0 { 4 } else { 3 }; // CR4.LA57: 5-level paging
    for level in (3..=top_level).rev() {
        let entry = read_entry(table, index(level));
        if entry & PRESENT == 0 {
            return Err("a PML4/PML5 entry on the way is not present");
        }
        table = entry & ADDRESS_MASK;
    }
    let pdpte = read_entry(table, index(2));
    if pdpte & PRESENT == 0 {
        let directory = &ATTACK_PDS[usize::try_from(index(2) & 3).unwrap_or_default()];
        let pd = core::ptr::from_ref(directory).addr() as u64;
        directory.0[usize::try_from(index(1)).unwrap_or_default()]
            .store(target | PAGE_SIZE | WRITABLE | PRESENT, Ordering::SeqCst);
        write_entry(table, index(2), pd | WRITABLE | PRESENT);
    } else if pdpte & PAGE_SIZE == 0 {
        let pd = pdpte & ADDRESS_MASK;
        if read_entry(pd, index(1)) & PRESENT == 0 {
            write_entry(pd, index(1), target | PAGE_SIZE | WRITABLE | PRESENT);
        }
    }
    // A 1 GiB page or an existing PD entry already maps the target.
    // SAFETY: INVLPG only drops a TLB entry.
    unsafe { asm!("invlpg [{}]", in(reg) target, options(nostack, preserves_flags)) };
    Ok(())
}

/// Terminal attack: reads a u64 at guest-physical `target` (which
/// [`map_2mib`] mapped). The hypervisor's EPT must stop the partition; if the
/// read faults in the guest (#PF) or completes, the outcome says so.
pub fn read_physical(target: u64) -> Outcome {
    let value: u64;
    arm();
    // SAFETY: `target` lies outside the partition's memory, so no Rust object
    // lives there; the read either ends the partition (the expected EPT
    // violation), faults (the handler resumes at label 2) or returns junk.
    unsafe {
        asm!(
            "lea rax, [rip + 2f]",
            "mov [rip + {recovery}], rax",
            "xor {value:e}, {value:e}",
            "mov {value}, [{target}]",
            "2:",
            recovery = sym RECOVERY_RIP,
            target = in(reg) target,
            value = out(reg) value,
            out("rax") _,
            options(nostack),
        );
    }
    outcome(value)
}

/// Terminal attack: writes the u64 `value` at guest-physical `target` (which
/// [`map_2mib`] mapped). The hypervisor's EPT must stop the partition; if the
/// write faults in the guest (#PF) or completes, the outcome says so
/// (Completed carries 0).
pub fn write_physical(target: u64, value: u64) -> Outcome {
    arm();
    // SAFETY: `target` lies outside the partition's memory, so no Rust object
    // lives there; the write either ends the partition (the expected EPT
    // violation), faults (the handler resumes at label 2) or lands in
    // whatever the hypervisor put there, none of it this guest's own.
    unsafe {
        asm!(
            "lea rax, [rip + 2f]",
            "mov [rip + {recovery}], rax",
            "mov [{target}], {value}",
            "2:",
            recovery = sym RECOVERY_RIP,
            target = in(reg) target,
            value = in(reg) value,
            out("rax") _,
            options(nostack),
        );
    }
    outcome(0)
}

/// Terminal attack: loads an empty IDT (limit 0) and executes UD2: the #UD
/// cannot be delivered (#GP), nor can that (#DF), so the CPU triple-faults and
/// the hypervisor must stop the partition. If execution continues after UD2
/// anyway, the guest's IDT is reloaded and `Completed` returned.
pub fn triple_fault() -> Outcome {
    arm();
    lidt(&DescriptorTablePointer { limit: 0, base: 0 });
    // SAFETY: UD2 only raises #UD, which, with the empty IDT, escalates to a
    // triple fault handled outside the guest. Should execution come back, it
    // continues after UD2 with registers unchanged.
    unsafe { asm!("ud2", options(nomem, nostack)) };
    install_idt();
    outcome(0)
}

/// Attack primitive: WRMSR `msr` <- `value`, resuming after a fault.
/// Completed carries 0.
pub fn wrmsr_guarded(msr: u32, value: u64) -> Outcome {
    arm();
    // SAFETY: as for `vmxon`; the MSRs written are the partition's virtual
    // APIC's, whose writes touch no guest memory.
    unsafe {
        asm!(
            "lea rax, [rip + 2f]",
            "mov [rip + {recovery}], rax",
            "mov eax, {low:e}",
            "wrmsr",
            "2:",
            recovery = sym RECOVERY_RIP,
            low = in(reg) (value & 0xFFFF_FFFF) as u32,
            in("ecx") msr,
            in("edx") (value >> 32) as u32,
            out("rax") _,
            options(nostack),
        );
    }
    outcome(0)
}

/// Attack primitive: a 32-bit MMIO write at `address` (mapped by
/// [`map_2mib`]), resuming after a fault. Completed carries 0.
pub fn mmio_write32(address: u64, value: u32) -> Outcome {
    arm();
    // SAFETY: `address` is a device page of the partition's platform (or
    // unassigned): no Rust object lives there.
    unsafe {
        asm!(
            "lea rax, [rip + 2f]",
            "mov [rip + {recovery}], rax",
            "mov dword ptr [{address}], {value:e}",
            "2:",
            recovery = sym RECOVERY_RIP,
            address = in(reg) address,
            value = in(reg) value,
            out("rax") _,
            options(nostack),
        );
    }
    outcome(0)
}

/// Attack primitive: a 32-bit MMIO read at `address`, resuming after a
/// fault. Completed carries the value.
pub fn mmio_read32(address: u64) -> Outcome {
    let value: u32;
    arm();
    // SAFETY: as for `mmio_write32`.
    unsafe {
        asm!(
            "lea rax, [rip + 2f]",
            "mov [rip + {recovery}], rax",
            "xor {value:e}, {value:e}",
            "mov {value:e}, dword ptr [{address}]",
            "2:",
            recovery = sym RECOVERY_RIP,
            address = in(reg) address,
            value = out(reg) value,
            out("rax") _,
            options(nostack),
        );
    }
    outcome(u64::from(value))
}
