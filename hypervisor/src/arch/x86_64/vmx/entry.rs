//! The VM entry/exit stub: loads the guest's general-purpose registers,
//! executes VMLAUNCH or VMRESUME, and on VM exit saves them again and
//! returns to the Rust caller as if from a function call.
//!
//! How it fits together (SDM 27 "VM Entries", 28.5 "Loading Host State"):
//! - [`run`] calls `hv_vmx_run(regs, launched)`, which pushes the host's
//!   callee-saved registers and the `regs` pointer, writes the resulting
//!   stack pointer to HOST_RSP, loads the guest GPRs and enters the guest.
//! - On VM exit the processor loads HOST_RSP and jumps to HOST_RIP =
//!   `hv_vmx_exit` ([`exit_entry_point`]), which finds `regs` on the stack,
//!   stores the guest GPRs, pops the host registers and returns 0.
//! - If VMLAUNCH/VMRESUME fails (VMfailInvalid/VMfailValid), execution
//!   continues after the instruction: the stub returns 1 (CF) or 2 (ZF).
//!
//! Guest RSP, RIP and RFLAGS live in the VMCS, not here. Guest x87/SSE/AVX
//! state needs no switching: the kernel is built for `x86_64-unknown-none`
//! (soft-float, no SSE), so no hypervisor code touches those registers.
//! Offsets into [`GuestRegisters`] come from `offset_of!`, not from numbers
//! kept by hand.

#![allow(unsafe_code, reason = "mechanism layer: VM entry assembly")]

use core::mem::offset_of;

use hv_vmx::HostNatural;

use super::instructions::VmFail;

/// The guest general-purpose registers that VM entry/exit do not switch.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct GuestRegisters {
    /// RAX.
    pub rax: u64,
    /// RBX.
    pub rbx: u64,
    /// RCX.
    pub rcx: u64,
    /// RDX.
    pub rdx: u64,
    /// RSI.
    pub rsi: u64,
    /// RDI.
    pub rdi: u64,
    /// RBP.
    pub rbp: u64,
    /// R8.
    pub r8: u64,
    /// R9.
    pub r9: u64,
    /// R10.
    pub r10: u64,
    /// R11.
    pub r11: u64,
    /// R12.
    pub r12: u64,
    /// R13.
    pub r13: u64,
    /// R14.
    pub r14: u64,
    /// R15.
    pub r15: u64,
}

impl GuestRegisters {
    /// The sixteen registers in encoding order (RAX, RCX, RDX, RBX, RSP,
    /// RBP, RSI, RDI, R8-R15), with `rsp` from the VMCS.
    pub fn as_array(&self, rsp: u64) -> [u64; 16] {
        [
            self.rax, self.rcx, self.rdx, self.rbx, rsp, self.rbp, self.rsi, self.rdi, self.r8, self.r9, self.r10,
            self.r11, self.r12, self.r13, self.r14, self.r15,
        ]
    }

    /// Takes the registers back from [`as_array`](Self::as_array)'s order;
    /// returns RSP, which belongs in the VMCS.
    pub fn set_from_array(&mut self, regs: &[u64; 16]) -> u64 {
        [
            self.rax,
            self.rcx,
            self.rdx,
            self.rbx,
            _,
            self.rbp,
            self.rsi,
            self.rdi,
            self.r8,
            self.r9,
            self.r10,
            self.r11,
            self.r12,
            self.r13,
            self.r14,
            self.r15,
        ] = *regs;
        regs[4]
    }

    /// The register numbered `index` in the encoding exit qualifications use
    /// (SDM Table 28-3: 0 = RAX, 1 = RCX, 2 = RDX, 3 = RBX, 4 = RSP, 5 = RBP,
    /// 6 = RSI, 7 = RDI, 8-15 = R8-R15). RSP (4) is in the VMCS: `None`.
    pub fn by_index(&mut self, index: u8) -> Option<&mut u64> {
        Some(match index {
            0 => &mut self.rax,
            1 => &mut self.rcx,
            2 => &mut self.rdx,
            3 => &mut self.rbx,
            5 => &mut self.rbp,
            6 => &mut self.rsi,
            7 => &mut self.rdi,
            8 => &mut self.r8,
            9 => &mut self.r9,
            10 => &mut self.r10,
            11 => &mut self.r11,
            12 => &mut self.r12,
            13 => &mut self.r13,
            14 => &mut self.r14,
            15 => &mut self.r15,
            _ => return None,
        })
    }
}

core::arch::global_asm!(
    ".global hv_vmx_run",
    ".global hv_vmx_exit",
    "hv_vmx_run:",
    // rdi = &mut GuestRegisters, sil = launched (0: VMLAUNCH, else VMRESUME).
    "push rbp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "push rdi",
    "mov rax, {host_rsp}",
    "vmwrite rax, rsp",
    "jbe 3f",
    "test sil, sil",
    // Load the guest registers; MOV leaves the flags of TEST intact.
    "mov rax, [rdi + {rax}]",
    "mov rbx, [rdi + {rbx}]",
    "mov rcx, [rdi + {rcx}]",
    "mov rdx, [rdi + {rdx}]",
    "mov rsi, [rdi + {rsi}]",
    "mov rbp, [rdi + {rbp}]",
    "mov r8, [rdi + {r8}]",
    "mov r9, [rdi + {r9}]",
    "mov r10, [rdi + {r10}]",
    "mov r11, [rdi + {r11}]",
    "mov r12, [rdi + {r12}]",
    "mov r13, [rdi + {r13}]",
    "mov r14, [rdi + {r14}]",
    "mov r15, [rdi + {r15}]",
    "mov rdi, [rdi + {rdi}]",
    "jnz 2f",
    "vmlaunch",
    "jmp 3f",
    "2:",
    "vmresume",
    // VMLAUNCH/VMRESUME (or the HOST_RSP write) failed: CF or ZF is set.
    "3:",
    "mov eax, 2",
    "mov ecx, 1",
    "cmovc eax, ecx",
    "add rsp, 8",
    "jmp 4f",
    // VM exit: RSP = HOST_RSP, [rsp] = &mut GuestRegisters.
    "hv_vmx_exit:",
    "push rdi",
    "mov rdi, [rsp + 8]",
    "mov [rdi + {rax}], rax",
    "mov [rdi + {rbx}], rbx",
    "mov [rdi + {rcx}], rcx",
    "mov [rdi + {rdx}], rdx",
    "mov [rdi + {rsi}], rsi",
    "mov [rdi + {rbp}], rbp",
    "mov [rdi + {r8}], r8",
    "mov [rdi + {r9}], r9",
    "mov [rdi + {r10}], r10",
    "mov [rdi + {r11}], r11",
    "mov [rdi + {r12}], r12",
    "mov [rdi + {r13}], r13",
    "mov [rdi + {r14}], r14",
    "mov [rdi + {r15}], r15",
    "pop rax",
    "mov [rdi + {rdi}], rax",
    "add rsp, 8",
    "xor eax, eax",
    "4:",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    host_rsp = const HostNatural::RSP as u32,
    rax = const offset_of!(GuestRegisters, rax),
    rbx = const offset_of!(GuestRegisters, rbx),
    rcx = const offset_of!(GuestRegisters, rcx),
    rdx = const offset_of!(GuestRegisters, rdx),
    rsi = const offset_of!(GuestRegisters, rsi),
    rdi = const offset_of!(GuestRegisters, rdi),
    rbp = const offset_of!(GuestRegisters, rbp),
    r8 = const offset_of!(GuestRegisters, r8),
    r9 = const offset_of!(GuestRegisters, r9),
    r10 = const offset_of!(GuestRegisters, r10),
    r11 = const offset_of!(GuestRegisters, r11),
    r12 = const offset_of!(GuestRegisters, r12),
    r13 = const offset_of!(GuestRegisters, r13),
    r14 = const offset_of!(GuestRegisters, r14),
    r15 = const offset_of!(GuestRegisters, r15),
);

unsafe extern "C" {
    fn hv_vmx_run(regs: *mut GuestRegisters, launched: u8) -> u64;
    fn hv_vmx_exit();
}

/// The address VM exits jump to (the HOST_RIP field).
pub fn exit_entry_point() -> u64 {
    hv_vmx_exit as *const () as u64
}

/// Enters the guest of the current VMCS and returns at its next VM exit.
///
/// `launched` selects VMRESUME (the VMCS was launched before) over VMLAUNCH.
/// On failure the error number is read from the current VMCS.
///
/// # Safety
/// The current VMCS must be fully initialised by this kernel: host state
/// naming this kernel's GDT/IDT/TSS/CR3, HOST_RIP = [`exit_entry_point`],
/// and guest state confined by EPT to memory the guest owns.
pub unsafe fn run(regs: &mut GuestRegisters, launched: bool) -> Result<(), VmFail> {
    // SAFETY: the caller guarantees the VMCS is complete; the stub preserves
    // every callee-saved register and the stack, as the C ABI requires.
    let result = unsafe { hv_vmx_run(regs, u8::from(launched)) };
    match result {
        0 => Ok(()),
        1 => Err(VmFail::Invalid),
        _ => Err(super::instructions::vm_fail_valid()),
    }
}
