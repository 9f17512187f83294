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
use hv_manifest::{Color, CpuMode, ImageFormat, PortRange};
use hv_vmx::{ExitReason, IoBitmaps, MsrBitmap, VmxCapabilities};

use super::apic_virtualization::{ApicVirtualization, MsrIntercepts};
use super::boot_structures;
use super::console::PartitionConsole;
use super::controls::Controls;
use super::dump;
use super::events::EventDelivery;
use super::exit::{self, Action, ExitContext, StatsView};
use super::memory::GuestMemory;
use super::platform::VirtualPlatform;
use super::stats::ExitCounts;
use super::stop::StopReason;
use super::vcpu::{StartMode, Vcpu, VcpuError, VcpuSetup};
use crate::arch::x86_64::vmx::instructions::{invept, invvpid_single};
use crate::arch::x86_64::vmx::vmxon::VmxOperation;
use crate::arch::x86_64::{cpu, xcr0};
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

/// What to create a partition from (a validated manifest entry and its image).
pub struct PartitionSpec<'a> {
    /// Name (console prefix).
    pub name: &'a str,
    /// The image bytes (from the boot bundle: pristine on every restart).
    pub image: &'a [u8],
    /// ELF, or a flat binary with its load address and entry.
    pub format: ImageFormat,
    /// The CPU mode at start.
    pub mode: CpuMode,
    /// Memory in bytes (a multiple of 2 MiB).
    pub memory_bytes: u64,
    /// Passed to the guest in RDI.
    pub boot_argument: u64,
    /// I/O ports passed through to the hardware.
    pub io_ports: &'a [PortRange],
    /// Console colour.
    pub color: Option<Color>,
    /// Guest-physical address of the memory's first byte.
    pub base: u64,
    /// Multiboot: the kernel's command line.
    pub cmdline: &'a str,
    /// Multiboot: the boot modules (bytes from the bundle, strings).
    pub modules: &'a [hv_multiboot::Module<'a>],
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
    /// A flat image does not fit where it is to be loaded.
    FlatImage {
        /// Load address.
        load_address: u64,
        /// Entry point.
        entry: u64,
        /// Image size.
        len: u64,
    },
    /// The boot structures do not fit the reserved area.
    MemoryTooLarge(u64),
    /// The vCPU could not be created.
    Vcpu(VcpuError),
    /// INVEPT/INVVPID failed.
    Invalidate(crate::arch::x86_64::vmx::VmFail),
    /// The multiboot kernel, its modules or its information do not fit.
    Multiboot(hv_multiboot::MultibootError),
    /// A planned multiboot write failed (the plan and the memory disagree).
    MultibootLoad,
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfMemory(error) => write!(f, "{error}"),
            Self::Image(error) => write!(f, "image: {error}"),
            Self::Ept(error) => write!(f, "EPT: {error}"),
            Self::FlatImage { load_address, entry, len } => write!(
                f,
                "flat image of {len} bytes at {load_address:#x} (entry {entry:#x}) does not fit the partition's memory \
                 (or overlaps the boot structures below {:#x})",
                boot_structures::RESERVED_END
            ),
            Self::MemoryTooLarge(bytes) => write!(f, "{bytes} bytes of memory is more than the boot page tables cover"),
            Self::Vcpu(error) => write!(f, "vCPU: {error}"),
            Self::Invalidate(fail) => write!(f, "invalidating cached translations: {fail}"),
            Self::Multiboot(error) => write!(f, "multiboot: {error} — {}", error.fix()),
            Self::MultibootLoad => f.write_str("multiboot: a planned write fell outside the partition's memory"),
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
    msrs: MsrIntercepts,
    vcpu: Vcpu,
    console: PartitionConsole,
    xcr0_usable: bool,
    platform: VirtualPlatform,
    events: EventDelivery,
    /// The vCPU executed HLT with interrupts enabled and sleeps until an
    /// interrupt or NMI is pending.
    halted: bool,
    physical_address_width: u8,
    /// [`MIN_DEVICE_WAKE_US`] in TSC ticks.
    min_device_wake: u64,
    /// The virtual-APIC page, when the CPU virtualizes the APIC (the TPR
    /// shadow, and virtual-interrupt delivery where offered).
    apic: Option<ApicVirtualization>,
}

/// The shortest interval at which device timers bring a vCPU back.
const MIN_DEVICE_WAKE_US: u64 = 10;

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
        let mut memory = GuestMemory::allocate(spec.base, spec.memory_bytes).map_err(CreateError::OutOfMemory)?;
        let Loaded { entry, rax_rbx, rsp } = load_image(spec, &mut memory)?;
        let mode = match spec.mode {
            CpuMode::Real16 => {
                // CS:IP such that CS * 16 + IP = entry (entry < 1 MiB, checked by the manifest).
                let (cs, ip) = if entry < 0x1_0000 { (0, entry) } else { ((entry >> 4) & 0xF000, entry & 0xFFFF) };
                StartMode::Real { cs: u16::try_from(cs).unwrap_or(0), ip: u16::try_from(ip).unwrap_or(0) }
            }
            CpuMode::Protected32 => {
                let boot = boot_structures::build_protected_mode(&mut memory)
                    .map_err(|e| CreateError::MemoryTooLarge(e.bytes))?;
                StartMode::Protected { eip: entry, esp: rsp, gdtr: boot.gdtr, tss: boot.tss }
            }
            CpuMode::Long64 => {
                let boot =
                    boot_structures::build_long_mode(&mut memory).map_err(|e| CreateError::MemoryTooLarge(e.bytes))?;
                StartMode::Long { rip: entry, cr3: boot.cr3, gdtr: boot.gdtr, tss: boot.tss }
            }
        };

        let caps = platform.caps.ept_vpid.map(ept_capabilities).unwrap_or_default();
        let mut ept_tables = EptTables::new();
        let mut ept = Ept::new(&mut ept_tables, caps).map_err(CreateError::Ept)?;
        ept.map(
            &mut ept_tables,
            memory.base(),
            memory.host_base(),
            memory.len(),
            Access::READ | Access::WRITE | Access::EXECUTE,
            MemoryType::WriteBack,
        )
        .map_err(CreateError::Ept)?;

        let mut io_bitmaps = OwnedFrames::allocate_zeroed(2, 1).map_err(CreateError::OutOfMemory)?;
        let mut ports = IoBitmaps::new_intercept_all();
        for range in spec.io_ports {
            // The manifest refused ranges touching the hypervisor's own ports.
            let _ = ports.allow_range(range.first, u32::from(range.last - range.first) + 1);
        }
        io_bitmaps.as_mut_slice()[..4096].copy_from_slice(ports.a());
        io_bitmaps.as_mut_slice()[4096..].copy_from_slice(ports.b());
        let mut msrs = MsrBitmap::new_intercept_all();
        for &msr in PASS_THROUGH_MSRS {
            // These MSRs are all inside the bitmap's two ranges.
            let _ = msrs.allow_read(msr);
            let _ = msrs.allow_write(msr);
        }
        let msrs = MsrIntercepts::new(msrs).map_err(CreateError::OutOfMemory)?;

        let virtual_interrupts = platform.controls.virtual_interrupt_delivery();
        let apic = if platform.controls.tpr_shadow() {
            Some(
                ApicVirtualization::new(virtual_interrupts, platform.controls.secondary)
                    .map_err(CreateError::OutOfMemory)?,
            )
        } else {
            None
        };
        let io_base = io_bitmaps.phys().as_u64();
        let setup = VcpuSetup {
            mode,
            rdi: spec.boot_argument,
            rsi: memory.len(),
            rax_rbx,
            memory_base: memory.base(),
            eptp: ept.eptp(),
            vpid: u16::try_from(id).unwrap_or(u16::MAX).max(1),
            io_bitmaps: (io_base, io_base + 4096),
            msr_bitmap: msrs.address(),
            virtual_apic_page: apic.as_ref().map(ApicVirtualization::page_address),
            virtual_interrupts,
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
            console: PartitionConsole::new(spec.name, spec.color),
            memory,
            ept: Some(ept),
            ept_tables,
            _io_bitmaps: io_bitmaps,
            msrs,
            vcpu,
            xcr0_usable: platform.xcr0_usable,
            platform: VirtualPlatform::new(crate::time::tsc_hz(), virtual_interrupts),
            events: EventDelivery::new(platform.controls.primary, platform.controls.virtual_nmis()),
            halted: false,
            physical_address_width: platform.physical_address_width,
            min_device_wake: hv_sched::ticks_from_us(MIN_DEVICE_WAKE_US, crate::time::tsc_hz()),
            apic,
        })
    }

    /// Flushes the console and prints what the partition's text-mode screen
    /// shows, if anything (when it stops, or the run ends).
    pub fn show_text_screen(&mut self) {
        self.console.flush();
        super::text_screen::show(&self.memory, &mut self.console);
    }

    /// Host frames used by the partition's EPT paging structures.
    pub fn ept_tables(&self) -> usize {
        self.ept_tables.count()
    }

    /// Makes this partition's VMCS the current one (VMPTRLD). The scheduler
    /// calls it when it switches partitions.
    pub fn make_current(&self) -> Result<(), crate::arch::x86_64::vmx::VmFail> {
        self.vcpu.make_current()
    }

    /// Runs the partition (whose VMCS must be current) until the TSC reaches
    /// `deadline`, it gives up its slice, or it stops. The VMX-preemption
    /// timer bounds the slice: a guest that never exits still returns here
    /// at the deadline (give or take the timer's granularity).
    pub fn run_slice(&mut self, deadline: u64, timer: &SliceTimer, usage: &mut Usage) -> SliceEnd {
        match self.run_until(deadline, timer, usage) {
            SliceEnd::Stopped(reason) => {
                self.account(usage);
                SliceEnd::Stopped(self.stopped(reason))
            }
            other => other,
        }
    }

    /// Adds this incarnation's platform counters to `usage` (once, when it
    /// ends).
    pub fn account(&self, usage: &mut Usage) {
        usage.platform.add(&self.platform.counters());
    }

    /// Ends the partition's run: flushes its console (with its text-mode
    /// screen), restores the host's XCR0 and, when the hypervisor is at
    /// fault, prints the VMCS dump.
    fn stopped(&mut self, reason: StopReason) -> StopReason {
        if self.xcr0_usable {
            xcr0::load(xcr0::HOST_XCR0);
        }
        self.show_text_screen();
        if matches!(
            reason,
            StopReason::EntryFailed { .. } | StopReason::EntryInstructionFailed(_) | StopReason::UnexpectedExit { .. }
        ) {
            dump::vmcs_and_guest_check(&self.vcpu.entry_context);
        }
        reason
    }

    /// A byte typed on the console for this partition: into its UART's
    /// receiver (raising its interrupt if enabled). False if the receiver
    /// is full and the byte must wait.
    pub fn receive_input(&mut self, byte: u8) -> bool {
        if !self.platform.uart_mut().can_receive() {
            return false;
        }
        self.platform.uart_mut().receive(byte);
        self.platform.update_lines(cpu::rdtsc());
        true
    }

    /// Brings a halted partition's devices up to `now` (so that
    /// [`ready`](Self::ready) sees the interrupts its timers raised).
    pub fn refresh(&mut self, now: u64) {
        if self.halted {
            self.platform.poll(now);
        }
    }

    /// Whether the partition has something to do: it is not halted, or an
    /// interrupt is pending that wakes it.
    pub fn ready(&self) -> bool {
        !self.halted || self.platform.wakes()
    }

    /// When a halted partition's next device event comes, if one is armed.
    pub fn wake_time(&self) -> Option<u64> {
        self.platform.next_deadline()
    }

    fn run_until(&mut self, deadline: u64, timer: &SliceTimer, usage: &mut Usage) -> SliceEnd {
        // Without "save VMX-preemption timer value" every entry restarts the
        // countdown from the field, so it is rewritten before each entry;
        // with it, only when the target changes or after an early expiry.
        // The target is the slice's end or the platform's next device
        // event, whichever comes first.
        let mut armed_for = None;
        loop {
            let now = cpu::rdtsc();
            self.platform.poll(now);
            if self.halted {
                if !self.platform.wakes() {
                    return SliceEnd::Halted;
                }
                self.halted = false;
            }
            // Device timers re-arm the preemption timer no more often than
            // every MIN_DEVICE_WAKE_US: a guest programming the shortest
            // periods gets its interrupts coalesced, not the CPU.
            let floor = now.saturating_add(self.min_device_wake);
            let target = self.platform.next_deadline().map_or(deadline, |event| event.max(floor).min(deadline));
            if armed_for != Some(target) || !timer.saves_remaining {
                if let Err(fail) = timer.arm(target) {
                    return SliceEnd::Stopped(StopReason::HypervisorFault(fail.into()));
                }
                armed_for = Some(target);
            }
            if let Err(fail) = self.events.before_entry(&mut self.platform) {
                return SliceEnd::Stopped(StopReason::HypervisorFault(fail.into()));
            }
            if let Some(apic) = self.apic.as_mut() {
                if let Err(fail) = apic.before_entry(&mut self.platform, now) {
                    return SliceEnd::Stopped(StopReason::HypervisorFault(fail.into()));
                }
            }
            if let Err(fail) = self.vcpu.enter(self.xcr0_usable) {
                return SliceEnd::Stopped(StopReason::EntryInstructionFailed(fail));
            }
            let field = match exit::exit_reason() {
                Ok(field) => field,
                Err(fail) => return SliceEnd::Stopped(StopReason::HypervisorFault(fail.into())),
            };
            usage.exits.record(field.basic());
            if let Some(apic) = self.apic.as_mut() {
                if let Err(fail) = apic.after_exit(&mut self.platform, &mut self.msrs) {
                    return SliceEnd::Stopped(StopReason::HypervisorFault(fail.into()));
                }
            }
            if let Err(fail) = self.events.after_exit() {
                return SliceEnd::Stopped(StopReason::HypervisorFault(fail.into()));
            }
            if field.basic() == ExitReason::PreemptionTimer.number() {
                // The timer may fire early (its value is capped, erratum
                // EMR158): only the TSC says whether the slice is over. A
                // device event is taken by the poll at the loop's top.
                if cpu::rdtsc() >= deadline {
                    return SliceEnd::FrameOver;
                }
                armed_for = None;
                continue;
            }
            let mut ctx = ExitContext {
                regs: &mut self.vcpu.regs,
                memory: &mut self.memory,
                console: &mut self.console,
                identity: &self.identity,
                stats: StatsView { exits: &usage.exits, restarts: usage.restarts, cpu_time_us: usage.cpu_time_us },
                xcr0: &mut self.vcpu.xcr0,
                xcr0_usable: self.xcr0_usable,
                platform: &mut self.platform,
                now: cpu::rdtsc(),
                physical_address_width: self.physical_address_width,
            };
            let action = match exit::handle(field, &mut ctx) {
                Ok(Action::Stop(reason)) => return SliceEnd::Stopped(reason),
                Ok(action) => action,
                Err(fault) => return SliceEnd::Stopped(StopReason::HypervisorFault(fault)),
            };
            if let Err(fail) = exit::apply(&action) {
                return SliceEnd::Stopped(StopReason::HypervisorFault(fail.into()));
            }
            match action {
                Action::Yield => return SliceEnd::Yielded,
                Action::Halt => self.halted = true,
                Action::Inject(_) | Action::InjectPageFault { .. } => self.events.queued_by_handler(),
                _ => {}
            }
            // The VMX-preemption timer counts only while the guest runs, so
            // a guest that exits all the time (an interrupt storm) would
            // have the hypervisor's handling time outside its count: the
            // TSC decides, after every exit, whether the slice is over.
            if cpu::rdtsc() >= deadline {
                return SliceEnd::FrameOver;
            }
        }
    }
}

/// Where a loaded image starts, and the registers it is handed.
struct Loaded {
    entry: u64,
    rax_rbx: (u64, u64),
    rsp: u64,
}

impl Loaded {
    fn at(entry: u64) -> Self {
        Self { entry, rax_rbx: (0, 0), rsp: 0 }
    }
}

/// Loads the image into `memory`; returns where it starts and with which
/// registers. ELF images are planned by `hv-image` (segments inside
/// memory, clear of the boot structures, entry in an executable segment),
/// multiboot kernels by `hv-multiboot`, before a byte is copied.
fn load_image(spec: &PartitionSpec<'_>, memory: &mut GuestMemory) -> Result<Loaded, CreateError> {
    // Everything below the memory's start is not the partition's, and in
    // protected and long mode neither are the boot structures at its start.
    let reserved = match spec.mode {
        CpuMode::Long64 | CpuMode::Protected32 => 0..memory.base() + boot_structures::RESERVED_END,
        CpuMode::Real16 => 0..memory.base(),
    };
    let memory_end = memory.base() + memory.len();
    match spec.format {
        ImageFormat::Elf => {
            let image = ElfImage::parse(spec.image).map_err(CreateError::Image)?;
            let load = plan(&image, memory_end, reserved).map_err(CreateError::Image)?;
            for copy in load.copies() {
                memory.write(copy.guest_addr, copy.bytes);
            }
            Ok(Loaded::at(load.entry()))
        }
        ImageFormat::Multiboot => {
            let handoff = super::multiboot::load(spec.image, spec.cmdline, spec.modules, memory)?;
            Ok(Loaded { entry: handoff.entry, rax_rbx: (handoff.eax, handoff.ebx), rsp: handoff.esp })
        }
        ImageFormat::Flat { load_address, entry } => {
            let end = load_address.checked_add(spec.image.len() as u64);
            let inside = end.is_some_and(|end| end <= memory_end) && load_address >= reserved.end;
            let entry_inside = end.is_some_and(|end| (load_address..end).contains(&entry));
            if !inside || !entry_inside || !memory.write(load_address, spec.image) {
                return Err(CreateError::FlatImage { load_address, entry, len: spec.image.len() as u64 });
            }
            Ok(Loaded::at(entry))
        }
    }
}

/// What the partition manager tracks about a partition across restarts,
/// lent to each time slice.
#[derive(Default)]
pub struct Usage {
    /// Exits by reason.
    pub exits: ExitCounts,
    /// Restarts so far.
    pub restarts: u32,
    /// CPU time charged so far, in microseconds.
    pub cpu_time_us: u64,
    /// What the platforms of the partition's incarnations delivered,
    /// dropped and refused (added up when each incarnation ends).
    pub platform: super::platform::PlatformCounters,
}

/// How a time slice ended.
#[derive(Debug)]
pub enum SliceEnd {
    /// The deadline passed (the partition was preempted).
    FrameOver,
    /// The partition gave up the rest of its slice (the Yield hypercall).
    Yielded,
    /// The partition's vCPU is halted (HLT with interrupts enabled) with
    /// nothing pending: it has nothing to do until [`Partition::ready`].
    Halted,
    /// The partition stopped.
    Stopped(StopReason),
}

/// Programs the VMX-preemption timer for a slice (SDM 26.5.1): it counts
/// down once every 2^`shift` TSC ticks.
pub struct SliceTimer {
    /// IA32_VMX_MISC\[4:0\].
    pub shift: u8,
    /// Whether the "save VMX-preemption timer value" exit control is on, so
    /// the field keeps the remaining count across exits.
    pub saves_remaining: bool,
}

impl SliceTimer {
    /// Writes the timer value that expires at `deadline`.
    fn arm(&self, deadline: u64) -> Result<(), crate::arch::x86_64::vmx::VmFail> {
        let remaining = deadline.saturating_sub(cpu::rdtsc());
        let value = hv_sched::timer_value(remaining, self.shift);
        crate::arch::x86_64::vmx::instructions::vmwrite(hv_vmx::Guest32::PREEMPTION_TIMER_VALUE, u64::from(value))
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
