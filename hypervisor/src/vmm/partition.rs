//! A partition: an isolated guest with its own memory, EPT, I/O and MSR
//! bitmaps, vCPU and console. Creating one builds all of these; running one
//! enters its vCPU and handles exits until the partition stops.
//!
//! Isolation comes from construction: the EPT maps the partition's memory
//! and nothing else, the I/O bitmaps intercept every port and the MSR bitmap
//! passes through only MSRs that hold per-thread state the VMCS or the guest
//! already own. A guest fault of any kind ends in a [`StopReason`] for this
//! partition; nothing a guest does reaches the host's own state.

use alloc::string::String;
use core::fmt;

use hv_abi::PartitionInfo;
use hv_ept::{Access, Ept, EptCapabilities, MemoryType};
use hv_image::{plan, ElfImage, ImageError};
use hv_vmx::{ExitReason, IoBitmaps, MsrBitmap, VmxCapabilities};

use super::boot_structures;
use super::console::PartitionConsole;
use super::controls::Controls;
use super::dump;
use super::exit::{self, Action, ExitContext};
use super::memory::GuestMemory;
use super::stats::ExitCounts;
use super::stop::StopReason;
use super::vcpu::{StartMode, Vcpu, VcpuError, VcpuSetup};
use crate::arch::x86_64::vmx::instructions::{invept, invvpid_single};
use crate::arch::x86_64::vmx::vmxon::VmxOperation;
use crate::arch::x86_64::xcr0;
use crate::mm::{EptTables, OutOfMemory, OwnedFrames};
use crate::selftest::GuestStateFault;

/// MSRs a guest may read and write directly: state the VMCS switches or that
/// only the guest's own code uses (SDM 25.6.9 bitmap; Vol. 4 for the MSRs).
const PASS_THROUGH_MSRS: &[u32] = &[
    0x174,       // IA32_SYSENTER_CS (guest field in the VMCS)
    0x175,       // IA32_SYSENTER_ESP
    0x176,       // IA32_SYSENTER_EIP
    0xC000_0081, // IA32_STAR
    0xC000_0082, // IA32_LSTAR
    0xC000_0083, // IA32_CSTAR
    0xC000_0084, // IA32_FMASK
    0xC000_0100, // IA32_FS_BASE (guest field in the VMCS)
    0xC000_0101, // IA32_GS_BASE (guest field in the VMCS)
    0xC000_0102, // IA32_KERNEL_GS_BASE
    0xC000_0103, // IA32_TSC_AUX
];

/// How many VMX-preemption-timer slices a partition may run before it is
/// stopped (there is no scheduler yet: this bounds a guest that never exits).
const RUN_BUDGET_SLICES: u64 = 200;
/// Preemption-timer ticks per slice.
const TIMER_SLICE: u32 = 1_000_000;

/// Which CPU mode an image starts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageMode {
    /// 16-bit real mode (unmodified boot-sector style code).
    Real16,
    /// 64-bit long mode with identity paging built by the hypervisor.
    Long64,
}

/// What to create a partition from.
pub struct PartitionSpec<'a> {
    /// Name (console prefix).
    pub name: &'a str,
    /// The ELF image.
    pub image: &'a [u8],
    /// The start mode.
    pub mode: ImageMode,
    /// Memory in bytes (a multiple of 2 MiB).
    pub memory_bytes: u64,
    /// Passed to the guest in RDI.
    pub boot_argument: u64,
}

/// A partition's identity, as the PartitionInfo hypercall reports it.
pub struct Identity {
    id: u32,
    name: String,
}

impl Identity {
    /// The PartitionInfo record for a partition with `memory_bytes` of memory.
    pub fn info(&self, memory_bytes: u64) -> PartitionInfo {
        PartitionInfo::new(self.id, memory_bytes, 1, self.name.as_bytes())
    }
}

/// Why a partition could not be created.
#[derive(Debug)]
pub enum CreateError {
    /// Not enough host memory.
    OutOfMemory(OutOfMemory),
    /// The image is malformed or does not fit.
    Image(ImageError),
    /// The EPT could not be built.
    Ept(hv_ept::EptError),
    /// The boot structures do not fit the reserved area.
    MemoryTooLarge(u64),
    /// The vCPU could not be created.
    Vcpu(VcpuError),
    /// INVEPT/INVVPID failed.
    Invalidate(crate::arch::x86_64::vmx::VmFail),
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfMemory(error) => write!(f, "{error}"),
            Self::Image(error) => write!(f, "image: {error}"),
            Self::Ept(error) => write!(f, "EPT: {error}"),
            Self::MemoryTooLarge(bytes) => write!(f, "{bytes} bytes of memory is more than the boot page tables cover"),
            Self::Vcpu(error) => write!(f, "vCPU: {error}"),
            Self::Invalidate(fail) => write!(f, "invalidating cached translations: {fail}"),
        }
    }
}

/// A partition.
pub struct Partition {
    identity: Identity,
    memory: GuestMemory,
    /// `Some` until `Drop` returns its tables.
    ept: Option<Ept>,
    ept_tables: EptTables,
    _io_bitmaps: OwnedFrames,
    _msr_bitmap: OwnedFrames,
    vcpu: Vcpu,
    console: PartitionConsole,
    exits: ExitCounts,
    xcr0_usable: bool,
}

/// The hardware-dependent inputs every partition is built with.
pub struct Platform<'a> {
    /// VMX operation (proof and revision ID).
    pub vmx: &'a VmxOperation,
    /// The VMX capabilities.
    pub caps: &'a VmxCapabilities,
    /// The adjusted controls.
    pub controls: &'a Controls,
    /// CPUID.80000008H:EAX\[7:0\].
    pub physical_address_width: u8,
    /// Whether XCR0 can be switched per vCPU (the CPU has XSAVE).
    pub xcr0_usable: bool,
}

impl Partition {
    /// Builds a partition: memory, image, EPT, bitmaps, vCPU.
    ///
    /// `fault` breaks the initial guest state on purpose (self-tests).
    pub fn create(
        platform: &Platform<'_>,
        spec: &PartitionSpec<'_>,
        id: u32,
        fault: Option<GuestStateFault>,
    ) -> Result<Self, CreateError> {
        let image = ElfImage::parse(spec.image).map_err(CreateError::Image)?;
        let reserved = match spec.mode {
            ImageMode::Long64 => 0..boot_structures::RESERVED_END,
            ImageMode::Real16 => 0..0,
        };
        let load = plan(&image, spec.memory_bytes, reserved).map_err(CreateError::Image)?;

        let mut memory = GuestMemory::allocate(spec.memory_bytes).map_err(CreateError::OutOfMemory)?;
        for copy in load.copies() {
            // `plan` checked that every segment lies inside the memory.
            memory.write(copy.guest_addr, copy.bytes);
        }
        let mode = match spec.mode {
            ImageMode::Real16 => StartMode::Real { ip: u16::try_from(load.entry()).unwrap_or(0) },
            ImageMode::Long64 => {
                let boot =
                    boot_structures::build_long_mode(&mut memory).map_err(|e| CreateError::MemoryTooLarge(e.bytes))?;
                StartMode::Long {
                    rip: load.entry(),
                    cr3: boot.cr3,
                    gdtr: boot.gdtr,
                    tss: (boot_structures::TSS_BASE, boot_structures::TSS_LIMIT),
                }
            }
        };

        let caps = platform.caps.ept_vpid.map(ept_capabilities).unwrap_or_default();
        let mut ept_tables = EptTables::new();
        let mut ept = Ept::new(&mut ept_tables, caps).map_err(CreateError::Ept)?;
        ept.map(
            &mut ept_tables,
            0,
            memory.host_base(),
            memory.len(),
            Access::READ | Access::WRITE | Access::EXECUTE,
            MemoryType::WriteBack,
        )
        .map_err(CreateError::Ept)?;

        let mut io_bitmaps = OwnedFrames::allocate_zeroed(2, 1).map_err(CreateError::OutOfMemory)?;
        let intercept_all = IoBitmaps::new_intercept_all();
        io_bitmaps.as_mut_slice()[..4096].copy_from_slice(intercept_all.a());
        io_bitmaps.as_mut_slice()[4096..].copy_from_slice(intercept_all.b());
        let mut msr_bitmap = OwnedFrames::frame().map_err(CreateError::OutOfMemory)?;
        let mut msrs = MsrBitmap::new_intercept_all();
        for &msr in PASS_THROUGH_MSRS {
            // These MSRs are all inside the bitmap's two ranges.
            let _ = msrs.allow_read(msr);
            let _ = msrs.allow_write(msr);
        }
        msr_bitmap.as_mut_slice().copy_from_slice(msrs.as_bytes());

        let io_base = io_bitmaps.phys().as_u64();
        let setup = VcpuSetup {
            mode,
            rdi: spec.boot_argument,
            rsi: memory.len(),
            eptp: ept.eptp(),
            vpid: u16::try_from(id).unwrap_or(u16::MAX).max(1),
            io_bitmaps: (io_base, io_base + 4096),
            msr_bitmap: msr_bitmap.phys().as_u64(),
            timer_slice: TIMER_SLICE,
            fault,
        };
        let vcpu = Vcpu::new(platform.vmx, platform.caps, platform.controls, platform.physical_address_width, &setup)
            .map_err(CreateError::Vcpu)?;
        // The frames of this EPT and this VPID may have served an earlier
        // partition: drop any translations the CPU still caches for them
        // (SDM 29.4.3.1).
        invept(Some(setup.eptp)).map_err(CreateError::Invalidate)?;
        if platform.controls.vpid() {
            invvpid_single(setup.vpid).map_err(CreateError::Invalidate)?;
        }
        Ok(Self {
            identity: Identity { id, name: spec.name.into() },
            console: PartitionConsole::new(spec.name),
            memory,
            ept: Some(ept),
            ept_tables,
            _io_bitmaps: io_bitmaps,
            _msr_bitmap: msr_bitmap,
            vcpu,
            exits: ExitCounts::default(),
            xcr0_usable: platform.xcr0_usable,
        })
    }

    /// The partition's name.
    pub fn name(&self) -> &str {
        &self.identity.name
    }

    /// Host frames used by the partition's EPT paging structures.
    pub fn ept_tables(&self) -> usize {
        self.ept_tables.count()
    }

    /// Exit statistics so far.
    pub fn exits(&self) -> &ExitCounts {
        &self.exits
    }

    /// Bytes the guest wrote to its console.
    pub fn console_bytes(&self) -> u64 {
        self.console.bytes()
    }

    /// Runs the partition until it stops.
    pub fn run(&mut self) -> StopReason {
        let reason = self.run_until_stop();
        if self.xcr0_usable {
            xcr0::load(xcr0::HOST_XCR0);
        }
        self.console.flush();
        if matches!(
            reason,
            StopReason::EntryFailed { .. } | StopReason::EntryInstructionFailed(_) | StopReason::UnexpectedExit { .. }
        ) {
            dump::vmcs_and_guest_check(&self.vcpu.entry_context);
        }
        reason
    }

    fn run_until_stop(&mut self) -> StopReason {
        if let Err(fail) = self.vcpu.make_current() {
            return StopReason::EntryInstructionFailed(fail);
        }
        let mut timer_slices = 0;
        loop {
            if let Err(fail) = self.vcpu.enter(self.xcr0_usable) {
                return StopReason::EntryInstructionFailed(fail);
            }
            let field = match exit::exit_reason() {
                Ok(field) => field,
                Err(fail) => return StopReason::HypervisorFault(fail.into()),
            };
            self.exits.record(field.basic());
            if field.reason() == Ok(ExitReason::PreemptionTimer) {
                timer_slices += 1;
                if timer_slices >= RUN_BUDGET_SLICES {
                    return StopReason::BudgetExhausted { exits: timer_slices };
                }
            }
            let mut ctx = ExitContext {
                regs: &mut self.vcpu.regs,
                memory: &mut self.memory,
                console: &mut self.console,
                identity: &self.identity,
                xcr0: &mut self.vcpu.xcr0,
                xcr0_usable: self.xcr0_usable,
            };
            let action = match exit::handle(field, &mut ctx) {
                Ok(Action::Stop(reason)) => return reason,
                Ok(action) => action,
                Err(fault) => return StopReason::HypervisorFault(fault),
            };
            if let Err(fail) = exit::apply(&action) {
                return StopReason::HypervisorFault(fail.into());
            }
        }
    }
}

impl Drop for Partition {
    fn drop(&mut self) {
        if let Some(ept) = self.ept.take() {
            ept.destroy(&mut self.ept_tables);
        }
    }
}

fn ept_capabilities(cap: hv_vmx::EptVpidCap) -> EptCapabilities {
    EptCapabilities {
        pages_2m: cap.pages_2m(),
        pages_1g: cap.pages_1g(),
        execute_only: cap.execute_only(),
        wb: cap.memory_type_wb(),
        uc: cap.memory_type_uc(),
        accessed_dirty: cap.accessed_dirty(),
    }
}
