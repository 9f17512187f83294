//! A virtual CPU: its VMCS, its general-purpose registers, and the set-up of
//! every VMCS area before the first VMLAUNCH (SDM 25.4-25.8, 25.11.x).
//!
//! Set-up order: make the VMCS current; write controls, bitmaps, EPTP and
//! VPID; write the host state (this kernel's GDT/TSS/IDT/CR3 and the exit
//! stub); build the initial guest state as a value, apply the CR0/CR4 fixed
//! bits, check it in software against SDM 27.3.1 (naming the first rule it
//! breaks), and only then write it.

use core::fmt;

use hv_vmcheck::{check_guest_state, EntryContext, GuestState, Violation};
use hv_vmx::{
    Control16, Control32, Control64, ControlNatural, EntryControls, FixedBits, GuestNatural, Host16, Host32, Host64,
    HostNatural, PinBased, PrimaryProcBased, SecondaryProcBased, VmxCapabilities,
};
use spin::Once;

use super::controls::Controls;
use crate::arch::x86_64::host_state::{self, HostState};
use crate::arch::x86_64::vmx::entry::{self, GuestRegisters};
use crate::arch::x86_64::vmx::instructions::vmwrite;
use crate::arch::x86_64::vmx::vmcs::{VmcsError, VmcsRegion};
use crate::arch::x86_64::vmx::vmxon::VmxOperation;
use crate::arch::x86_64::vmx::VmFail;
use crate::arch::x86_64::xcr0;
use crate::selftest::GuestStateFault;

const CR0_PE: u64 = 1 << 0;
const CR0_ET: u64 = 1 << 4;
const CR0_NE: u64 = 1 << 5;

/// RFLAGS bit 1, which must always be 1 (SDM 27.3.1.4).
const RFLAGS_RESERVED_ONE: u64 = 1 << 1;

/// CR0 and CR4 fixed bits as applied to guests (CR0 with the unrestricted-
/// guest relaxation of PE and PG), set once when VMX is enabled.
static FIXED_BITS: Once<(FixedBits, FixedBits)> = Once::new();

/// Records the guest CR0/CR4 fixed bits. Call once, before any vCPU exists.
pub fn init_fixed_bits(caps: &VmxCapabilities) {
    FIXED_BITS.call_once(|| (caps.cr0.with_unrestricted_guest_relaxation(), caps.cr4));
}

/// The guest CR0/CR4 fixed bits.
pub fn fixed_bits() -> (FixedBits, FixedBits) {
    FIXED_BITS.get().copied().unwrap_or((FixedBits::new(0, u64::MAX), FixedBits::new(0, u64::MAX)))
}

/// The mode a vCPU starts in.
#[derive(Clone, Copy, Debug)]
pub enum StartMode {
    /// 16-bit real mode at CS:IP, SP = IP (like a BIOS boot sector).
    Real {
        /// Code segment.
        cs: u16,
        /// The first instruction's offset.
        ip: u16,
    },
    /// 32-bit protected mode, flat segments, no paging.
    Protected {
        /// The first instruction.
        eip: u64,
        /// The initial ESP (0 unless a boot protocol gives a stack).
        esp: u64,
        /// GDTR base and limit.
        gdtr: (u64, u32),
        /// The TSS base and limit TR names.
        tss: (u64, u32),
    },
    /// 64-bit long mode with paging; RIP, CR3 and GDTR given.
    Long {
        /// The first instruction.
        rip: u64,
        /// The PML4.
        cr3: u64,
        /// GDTR base and limit.
        gdtr: (u64, u32),
        /// The TSS base and limit TR names.
        tss: (u64, u32),
    },
}

/// Everything a vCPU is created from.
pub struct VcpuSetup {
    /// How it starts.
    pub mode: StartMode,
    /// Initial RDI and RSI.
    pub rdi: u64,
    /// Initial RSI.
    pub rsi: u64,
    /// Initial RAX and RBX: a boot protocol's hand-off (Multiboot: EAX =
    /// 0x2BADB002, EBX = the information structure); 0 otherwise.
    pub rax_rbx: (u64, u64),
    /// Guest-physical address of the partition's memory (RDX in protected
    /// and long mode).
    pub memory_base: u64,
    /// The EPT pointer.
    pub eptp: u64,
    /// The VPID (ignored when VPIDs are off); never 0.
    pub vpid: u16,
    /// Physical addresses of I/O bitmaps A and B.
    pub io_bitmaps: (u64, u64),
    /// Physical address of the MSR bitmap.
    pub msr_bitmap: u64,
    /// Physical address of the virtual-APIC page, when the TPR shadow is used.
    pub virtual_apic_page: Option<u64>,
    /// Virtual-interrupt delivery is on: nothing requested or in service,
    /// no EOI exits yet (`vmm/apic_virtualization.rs` keeps them).
    pub virtual_interrupts: bool,
    /// A deliberate break of the guest state (self-tests only).
    pub fault: Option<GuestStateFault>,
}

/// Why a vCPU could not be created.
#[derive(Debug)]
pub enum VcpuError {
    /// The VMCS could not be allocated or cleared.
    Vmcs(VmcsError),
    /// A VMX instruction failed while writing the VMCS.
    Vmx(VmFail),
    /// The initial guest state breaks an SDM rule (checked before entry).
    InvalidGuestState(Violation),
}

impl fmt::Display for VcpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Vmcs(error) => write!(f, "{error}"),
            Self::Vmx(fail) => write!(f, "writing the VMCS: {fail}"),
            Self::InvalidGuestState(violation) => write!(f, "initial guest state rejected: {violation}"),
        }
    }
}

impl From<VmFail> for VcpuError {
    fn from(fail: VmFail) -> Self {
        Self::Vmx(fail)
    }
}

/// A virtual CPU.
pub struct Vcpu {
    vmcs: VmcsRegion,
    /// The guest's general-purpose registers between exits.
    pub regs: GuestRegisters,
    launched: bool,
    /// The guest's XCR0 (loaded before each entry when XSAVE exists).
    pub xcr0: u64,
    /// The controls and fixed bits the guest state was checked against.
    pub entry_context: EntryContext,
}

impl Vcpu {
    /// Creates the vCPU and fully initialises its VMCS, which is left current.
    pub fn new(
        vmx: &VmxOperation,
        caps: &VmxCapabilities,
        controls: &Controls,
        physical_address_width: u8,
        setup: &VcpuSetup,
    ) -> Result<Self, VcpuError> {
        let vmcs = VmcsRegion::new(vmx).map_err(VcpuError::Vmcs)?;
        vmcs.make_current()?;
        let long_mode = matches!(setup.mode, StartMode::Long { .. });
        let entry_controls = controls.entry | if long_mode { EntryControls::IA32E_MODE_GUEST.bits() } else { 0 };
        write_controls(controls, entry_controls, setup)?;
        write_host_state(&host_state::current())?;

        let context = EntryContext::new(
            caps,
            PinBased::from_bits_retain(controls.pin),
            PrimaryProcBased::from_bits_retain(controls.primary),
            SecondaryProcBased::from_bits_retain(controls.secondary),
            EntryControls::from_bits_retain(entry_controls),
            physical_address_width,
        );
        let requested = initial_state(setup.mode);
        let mut state = requested.with_fixed_bits(&context);
        if setup.fault == Some(GuestStateFault::BeforeCheck) {
            state.rflags &= !RFLAGS_RESERVED_ONE;
        }
        check_guest_state(&state, &context).map_err(VcpuError::InvalidGuestState)?;
        super::guest_state::write(&state)?;
        if setup.fault == Some(GuestStateFault::AfterCheck) {
            log::warn!("selftest: clearing RFLAGS bit 1 in the VMCS after the guest-state check");
            vmwrite(GuestNatural::RFLAGS, state.rflags & !RFLAGS_RESERVED_ONE)?;
        }
        // What the guest reads back from CR0/CR4 is what it asked for; the
        // bits VMX forces are owned by the hypervisor (masks, SDM 25.6.6).
        let (cr0_fixed, cr4_fixed) = fixed_bits();
        vmwrite(ControlNatural::CR0_GUEST_HOST_MASK, cr0_fixed.fixed0 | !cr0_fixed.fixed1)?;
        vmwrite(ControlNatural::CR4_GUEST_HOST_MASK, cr4_fixed.fixed0 | !cr4_fixed.fixed1)?;
        vmwrite(ControlNatural::CR0_READ_SHADOW, requested.cr0)?;
        vmwrite(ControlNatural::CR4_READ_SHADOW, requested.cr4)?;

        let (rax, rbx) = setup.rax_rbx;
        let mut regs = GuestRegisters { rax, rbx, rdi: setup.rdi, rsi: setup.rsi, ..GuestRegisters::default() };
        regs.rdx = match setup.mode {
            StartMode::Real { .. } => 0x80, // DL = boot drive, as a BIOS leaves it.
            _ => setup.memory_base,
        };
        Ok(Self { vmcs, regs, launched: false, xcr0: xcr0::HOST_XCR0, entry_context: context })
    }

    /// Makes this vCPU's VMCS current (before running it after another).
    pub fn make_current(&self) -> Result<(), VmFail> {
        self.vmcs.make_current()
    }

    /// Enters the guest until the next VM exit.
    #[allow(unsafe_code, reason = "the one call into the VM entry stub, whose precondition `new` establishes")]
    pub fn enter(&mut self, xcr0_usable: bool) -> Result<(), VmFail> {
        if xcr0_usable {
            xcr0::load(self.xcr0);
        }
        // SAFETY: the VMCS was fully initialised by `new` (host state from
        // this kernel, HOST_RIP = the exit stub, guest confined by EPT) and
        // is current; `launched` tracks VMLAUNCH vs VMRESUME.
        let result = unsafe { entry::run(&mut self.regs, self.launched) };
        if result.is_ok() {
            self.launched = true;
        }
        result
    }
}

fn initial_state(mode: StartMode) -> GuestState {
    match mode {
        StartMode::Real { cs, ip } => {
            let mut state = GuestState::real_mode_at(cs, ip);
            state.rsp = u64::from(ip);
            state
        }
        StartMode::Protected { eip, esp, gdtr, tss } => {
            // Derived from the 64-bit preset: same selectors and TSS, but
            // 32-bit segments (D/B = 1, L = 0), no paging, no long mode.
            let mut state = GuestState::long_mode_flat(eip, 0);
            state.cr0 = CR0_PE | CR0_ET | CR0_NE;
            state.cr4 = 0;
            state.ia32_efer = 0;
            state.cs.access_rights = 0xC09B;
            state.cs.limit = u32::MAX;
            for segment in [&mut state.ds, &mut state.es, &mut state.ss, &mut state.fs, &mut state.gs] {
                segment.access_rights = 0xC093;
                segment.limit = u32::MAX;
            }
            (state.gdtr_base, state.gdtr_limit) = gdtr;
            (state.tr.base, state.tr.limit) = tss;
            state.rsp = esp;
            state
        }
        StartMode::Long { rip, cr3, gdtr, tss } => {
            let mut state = GuestState::long_mode_flat(rip, cr3);
            (state.gdtr_base, state.gdtr_limit) = gdtr;
            (state.tr.base, state.tr.limit) = tss;
            state
        }
    }
}

fn write_controls(controls: &Controls, entry_controls: u32, setup: &VcpuSetup) -> Result<(), VmFail> {
    vmwrite(Control32::PIN_BASED, u64::from(controls.pin))?;
    vmwrite(Control32::PRIMARY_PROC_BASED, u64::from(controls.primary))?;
    vmwrite(Control32::SECONDARY_PROC_BASED, u64::from(controls.secondary))?;
    vmwrite(Control32::EXIT_CONTROLS, u64::from(controls.exit))?;
    vmwrite(Control32::ENTRY_CONTROLS, u64::from(entry_controls))?;
    // Guest exceptions are the guest's own business: none exits.
    vmwrite(Control32::EXCEPTION_BITMAP, 0)?;
    vmwrite(Control32::CR3_TARGET_COUNT, 0)?;
    vmwrite(Control32::EXIT_MSR_STORE_COUNT, 0)?;
    vmwrite(Control32::EXIT_MSR_LOAD_COUNT, 0)?;
    vmwrite(Control32::ENTRY_MSR_LOAD_COUNT, 0)?;
    vmwrite(Control32::ENTRY_INTERRUPTION_INFO, 0)?;
    vmwrite(Control64::IO_BITMAP_A, setup.io_bitmaps.0)?;
    vmwrite(Control64::IO_BITMAP_B, setup.io_bitmaps.1)?;
    vmwrite(Control64::MSR_BITMAPS, setup.msr_bitmap)?;
    vmwrite(Control64::EPT_POINTER, setup.eptp)?;
    if let Some(page) = setup.virtual_apic_page {
        // VTPR is byte 0x80 of the page (SDM 30.1.2); 0 like the APIC's TPR.
        vmwrite(Control64::VIRTUAL_APIC_PAGE, page)?;
        vmwrite(Control32::TPR_THRESHOLD, 0)?;
    }
    if setup.virtual_interrupts {
        vmwrite(hv_vmx::Guest16::INTERRUPT_STATUS, 0)?;
        for field in [
            Control64::EOI_EXIT_BITMAP_0,
            Control64::EOI_EXIT_BITMAP_1,
            Control64::EOI_EXIT_BITMAP_2,
            Control64::EOI_EXIT_BITMAP_3,
        ] {
            vmwrite(field, 0)?;
        }
    }
    if controls.vpid() {
        vmwrite(Control16::VPID, u64::from(setup.vpid))?;
    }
    Ok(())
}

fn write_host_state(host: &HostState) -> Result<(), VmFail> {
    vmwrite(HostNatural::CR0, host.cr0)?;
    vmwrite(HostNatural::CR3, host.cr3)?;
    vmwrite(HostNatural::CR4, host.cr4)?;
    // Selector RPL and TI must be 0 (SDM 27.2.3); the kernel's are.
    vmwrite(Host16::ES_SELECTOR, u64::from(host.es & !7))?;
    vmwrite(Host16::CS_SELECTOR, u64::from(host.cs & !7))?;
    vmwrite(Host16::SS_SELECTOR, u64::from(host.ss & !7))?;
    vmwrite(Host16::DS_SELECTOR, u64::from(host.ds & !7))?;
    vmwrite(Host16::FS_SELECTOR, u64::from(host.fs & !7))?;
    vmwrite(Host16::GS_SELECTOR, u64::from(host.gs & !7))?;
    vmwrite(Host16::TR_SELECTOR, u64::from(host.tr & !7))?;
    vmwrite(HostNatural::FS_BASE, host.fs_base)?;
    vmwrite(HostNatural::GS_BASE, host.gs_base)?;
    vmwrite(HostNatural::TR_BASE, host.tr_base)?;
    vmwrite(HostNatural::GDTR_BASE, host.gdtr_base)?;
    vmwrite(HostNatural::IDTR_BASE, host.idtr_base)?;
    vmwrite(Host32::SYSENTER_CS, 0)?;
    vmwrite(HostNatural::SYSENTER_ESP, 0)?;
    vmwrite(HostNatural::SYSENTER_EIP, 0)?;
    vmwrite(Host64::EFER, host.efer)?;
    vmwrite(Host64::PAT, host.pat)?;
    vmwrite(HostNatural::RIP, entry::exit_entry_point())
}
