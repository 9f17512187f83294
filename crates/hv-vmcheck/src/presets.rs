//! The initial guest states the hypervisor launches vCPUs in: real mode (for
//! an unrestricted guest) and flat 64-bit long mode.
//!
//! What: [`GuestState::real_mode_at`] and [`GuestState::long_mode_flat`]
//! build architecturally meaningful states; [`GuestState::with_fixed_bits`]
//! then forces the CR0/CR4 bits that VMX operation fixes, which VM entry
//! checks in the guest CR0/CR4 fields as well.
//!
//! Why: the kernel uses these states as-is, and the tests prove that
//! [`check_guest_state`](crate::check_guest_state) accepts them, so a
//! mistake here is caught on the host rather than as exit reason 33.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024: Vol. 3A 9.1.1
//! (processor state after reset), 9.8.5 (initializing IA-32e mode), Vol. 3C
//! 25.4.1 (guest register state, access-rights format), 27.3.1 (the checks)
//! and Vol. 3D A.7/A.8 (CR0/CR4 fixed bits).

use crate::arch::{
    ACTIVITY_ACTIVE, CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_WP, CR4_PAE, DR7_RESET, EFER_LMA, EFER_LME, PAT_RESET,
    RFLAGS_FIXED, VMCS_LINK_POINTER_NONE,
};
use crate::context::EntryContext;
use crate::guest_state::GuestState;
use crate::segment::SegmentRegister;

/// Real-mode data segment access rights: present, S, type 3 (read/write,
/// accessed), DPL 0.
const AR_REAL_DATA: u32 = 0x93;
/// Real-mode code segment access rights: present, S, type 11 (execute/read,
/// accessed), DPL 0.
const AR_REAL_CODE: u32 = 0x9B;
/// TR access rights: present, type 11 (busy 32-bit or 64-bit TSS).
const AR_BUSY_TSS: u32 = 0x8B;
/// 64-bit code segment: G, L, present, S, type 11, DPL 0.
const AR_LONG_CODE: u32 = 0xA09B;
/// Flat 32-bit data segment: G, D/B, present, S, type 3, DPL 0.
const AR_FLAT_DATA: u32 = 0xC093;

/// The 64-bit code selector of [`GuestState::long_mode_flat`] (GDT entry 1).
pub const LONG_MODE_CODE_SELECTOR: u16 = 0x08;
/// The data selector of [`GuestState::long_mode_flat`] (GDT entry 2).
pub const LONG_MODE_DATA_SELECTOR: u16 = 0x10;
/// The TSS selector of [`GuestState::long_mode_flat`] (GDT entries 3-4,
/// a 16-byte system descriptor).
pub const LONG_MODE_TSS_SELECTOR: u16 = 0x18;

impl GuestState {
    /// The real-mode state an unrestricted guest starts in, executing at
    /// `cs_selector:ip`.
    ///
    /// CR0 = ET | NE (0x30), CR4 = 0, EFER = 0; CS has the given selector,
    /// base `cs_selector << 4`, limit 0xFFFF and access rights 0x9B; DS, ES,
    /// SS, FS, GS have selector 0, base 0, limit 0xFFFF and access rights
    /// 0x93; TR is a busy TSS (0x8B) with limit 0xFFFF; LDTR is unusable;
    /// GDTR and IDTR have base 0 and limit 0xFFFF (the real-mode IVT at 0);
    /// RFLAGS = 0x2, DR7 and IA32_PAT have their reset values; the vCPU is
    /// active, nothing is blocked or pending, the VMCS link pointer is all
    /// ones and nothing is injected.
    ///
    /// VM entry accepts this state only with "unrestricted guest" (which
    /// requires "enable EPT") and without "IA-32e mode guest", and only after
    /// [`with_fixed_bits`](Self::with_fixed_bits): CR4 must have VMXE. The
    /// guest should see CR0 = 0x30 and CR4 = 0 through the read shadows.
    pub const fn real_mode_at(cs_selector: u16, ip: u16) -> Self {
        let data = SegmentRegister::new(0, 0, 0xFFFF, AR_REAL_DATA);
        Self {
            cr0: CR0_ET | CR0_NE,
            cr3: 0,
            cr4: 0,
            dr7: DR7_RESET,
            rsp: 0,
            rip: ip as u64,
            rflags: RFLAGS_FIXED,
            es: data,
            cs: SegmentRegister::new(cs_selector, (cs_selector as u64) << 4, 0xFFFF, AR_REAL_CODE),
            ss: data,
            ds: data,
            fs: data,
            gs: data,
            ldtr: SegmentRegister::unusable(),
            tr: SegmentRegister::new(0, 0, 0xFFFF, AR_BUSY_TSS),
            gdtr_base: 0,
            gdtr_limit: 0xFFFF,
            idtr_base: 0,
            idtr_limit: 0xFFFF,
            ia32_debugctl: 0,
            ia32_pat: PAT_RESET,
            ia32_efer: 0,
            sysenter_esp: 0,
            sysenter_eip: 0,
            sysenter_cs: 0,
            activity_state: ACTIVITY_ACTIVE,
            interruptibility_state: 0,
            pending_debug_exceptions: 0,
            vmcs_link_pointer: VMCS_LINK_POINTER_NONE,
            entry_interruption_info: 0,
        }
    }

    /// A flat 64-bit state executing at `rip` with the page tables at `cr3`.
    ///
    /// CR0 = PE | MP | ET | NE | WP | PG (0x8001_0033), CR4 = PAE, EFER = LME
    /// | LMA (NXE is left to the caller: it is reserved on processors with
    /// execute-disable turned off); CS = [`LONG_MODE_CODE_SELECTOR`] with
    /// access rights 0xA09B (L, G, type 11); DS, ES, SS, FS, GS =
    /// [`LONG_MODE_DATA_SELECTOR`] with 0xC093; all bases 0, limits
    /// 0xFFFF_FFFF; TR = [`LONG_MODE_TSS_SELECTOR`], busy 64-bit TSS (0x8B)
    /// with base 0 and limit 0x67; LDTR unusable; GDTR base 0 limit 0x27
    /// (null, code, data, 16-byte TSS descriptor); IDTR base 0 limit 0;
    /// RFLAGS = 0x2, RSP = 0; the vCPU is active, nothing is blocked or
    /// pending, link pointer all ones, nothing injected.
    ///
    /// The caller sets the GDTR, IDTR and TR bases (and RSP) if the guest
    /// uses those tables, and applies [`with_fixed_bits`](Self::with_fixed_bits)
    /// (CR4.VMXE). VM entry needs "IA-32e mode guest"; with "load IA32_EFER"
    /// the EFER value here is loaded, otherwise the processor derives LME and
    /// LMA from that control.
    pub const fn long_mode_flat(rip: u64, cr3: u64) -> Self {
        let data = SegmentRegister::new(LONG_MODE_DATA_SELECTOR, 0, 0xFFFF_FFFF, AR_FLAT_DATA);
        Self {
            cr0: CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG,
            cr3,
            cr4: CR4_PAE,
            dr7: DR7_RESET,
            rsp: 0,
            rip,
            rflags: RFLAGS_FIXED,
            es: data,
            cs: SegmentRegister::new(LONG_MODE_CODE_SELECTOR, 0, 0xFFFF_FFFF, AR_LONG_CODE),
            ss: data,
            ds: data,
            fs: data,
            gs: data,
            ldtr: SegmentRegister::unusable(),
            tr: SegmentRegister::new(LONG_MODE_TSS_SELECTOR, 0, 0x67, AR_BUSY_TSS),
            gdtr_base: 0,
            gdtr_limit: 0x27,
            idtr_base: 0,
            idtr_limit: 0,
            ia32_debugctl: 0,
            ia32_pat: PAT_RESET,
            ia32_efer: EFER_LME | EFER_LMA,
            sysenter_esp: 0,
            sysenter_eip: 0,
            sysenter_cs: 0,
            activity_state: ACTIVITY_ACTIVE,
            interruptibility_state: 0,
            pending_debug_exceptions: 0,
            vmcs_link_pointer: VMCS_LINK_POINTER_NONE,
            entry_interruption_info: 0,
        }
    }

    /// This state with the CR0 and CR4 bits that VMX operation fixes forced
    /// to their fixed values: CR0 with `ctx`'s guest CR0 rules (PE and PG left
    /// alone under "unrestricted guest"), CR4 with its fixed bits (adds VMXE).
    ///
    /// Without "unrestricted guest" this sets CR0.PE and CR0.PG, which turns
    /// a real-mode state into one VM entry rejects for other reasons; the
    /// checker then says why.
    pub fn with_fixed_bits(mut self, ctx: &EntryContext) -> Self {
        self.cr0 = ctx.guest_cr0_rules().apply(self.cr0);
        self.cr4 = ctx.cr4_fixed.apply(self.cr4);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::CR4_VMXE;
    use crate::test_support::{long_mode_ctx, real_mode_ctx, restricted_legacy_ctx};

    #[test]
    fn real_mode_layout() {
        let s = GuestState::real_mode_at(0xF000, 0xFFF0);
        assert_eq!(s.cr0, 0x30);
        assert_eq!(s.cs.base, 0xF_0000);
        assert_eq!(s.cs.selector, 0xF000);
        assert_eq!(s.rip, 0xFFF0);
        assert_eq!(s.cs.access_rights, 0x9B);
        assert_eq!(s.ss.access_rights, 0x93);
        assert_eq!(s.tr.access_rights, 0x8B);
        assert_eq!(s.tr.limit, 0xFFFF);
        assert!(s.ldtr.is_unusable());
        assert_eq!(s.rflags, 0x2);
        assert_eq!(s.vmcs_link_pointer, u64::MAX);
    }

    #[test]
    fn long_mode_layout() {
        let s = GuestState::long_mode_flat(0x10_0000, 0x20_0000);
        assert_eq!(s.cr0, 0x8001_0033);
        assert_eq!(s.cr4, 0x20);
        assert_eq!(s.cr3, 0x20_0000);
        assert_eq!(s.rip, 0x10_0000);
        assert_eq!(s.ia32_efer, 0x500);
        assert_eq!((s.cs.selector, s.cs.access_rights), (0x08, 0xA09B));
        for seg in [s.ds, s.es, s.ss, s.fs, s.gs] {
            assert_eq!((seg.selector, seg.access_rights, seg.limit), (0x10, 0xC093, 0xFFFF_FFFF));
        }
        assert_eq!((s.tr.selector, s.tr.access_rights, s.tr.limit), (0x18, 0x8B, 0x67));
        assert!(s.ldtr.is_unusable());
    }

    #[test]
    fn fixed_bits_add_vmxe_and_respect_unrestricted_guest() {
        let real = GuestState::real_mode_at(0, 0);
        // Unrestricted guest: PE and PG stay clear, NE stays set, VMXE added.
        let ug = real.with_fixed_bits(&real_mode_ctx());
        assert_eq!(ug.cr0, 0x30);
        assert_eq!(ug.cr4, CR4_VMXE);
        // Without it, fixed0 forces PE and PG.
        let forced = real.with_fixed_bits(&restricted_legacy_ctx());
        assert_eq!(forced.cr0, 0x8000_0031);
        // Long mode already has every CR0 bit the processor forces.
        let long = GuestState::long_mode_flat(0, 0).with_fixed_bits(&long_mode_ctx());
        assert_eq!(long.cr0, 0x8001_0033);
        assert_eq!(long.cr4, CR4_PAE | CR4_VMXE);
    }
}
