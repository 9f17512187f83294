//! Loading a Multiboot (version 1) kernel into a partition: the narrow hook
//! between `Partition::create` and `hv-multiboot`, which checks the header,
//! the segments or address fields, the modules and the information against
//! the partition's memory before this writes a byte (Multiboot 0.6.96
//! sections 3.1-3.3).
//!
//! The vCPU then starts as section 3.2 asks: 32-bit protected mode with
//! flat 4 GiB code and data segments (the `protected32` start), paging off,
//! EFLAGS.IF and VM clear, EAX = 0x2BADB002, EBX = the information
//! structure's physical address; and ESP, which the spec leaves undefined,
//! at the top of a small stack in the boot area, as boot loaders leave it.

use hv_multiboot::{Layout, Module, BOOTLOADER_MAGIC};

use super::boot_structures;
use super::memory::GuestMemory;
use super::partition::CreateError;

// The information goes in the boot area above the GDT and TSS the
// protected-mode start writes there.
const _: () = assert!(hv_multiboot::BOOT_AREA_LEN == boot_structures::RESERVED_END);
const _: () = assert!(boot_structures::TSS_END <= hv_multiboot::INFO_OFFSET);

/// What the kernel starts with: EIP, EAX, EBX and ESP.
pub struct Handoff {
    /// The first instruction.
    pub entry: u64,
    /// EAX: [`BOOTLOADER_MAGIC`].
    pub eax: u64,
    /// EBX: the information structure.
    pub ebx: u64,
    /// ESP: the boot area's stack.
    pub esp: u64,
}

/// Plans and loads `kernel` with its command line and modules into `memory`.
pub fn load(
    kernel: &[u8],
    cmdline: &str,
    modules: &[Module<'_>],
    memory: &mut GuestMemory,
) -> Result<Handoff, CreateError> {
    let layout = Layout::new(memory.base(), memory.len()).map_err(CreateError::Multiboot)?;
    let plan = hv_multiboot::plan(kernel, cmdline, modules, &layout).map_err(CreateError::Multiboot)?;
    // Every write lies inside the memory (checked by the plan).
    if !plan.load(|gpa, bytes| memory.write(gpa, bytes)) {
        return Err(CreateError::MultibootLoad);
    }
    log::info!(
        "multiboot: kernel header flags {:#x}, entry {:#x}, {} module(s), information at {:#x}",
        plan.header().flags,
        plan.entry(),
        modules.len(),
        plan.info_address()
    );
    Ok(Handoff {
        entry: u64::from(plan.entry()),
        eax: u64::from(BOOTLOADER_MAGIC),
        ebx: u64::from(plan.info_address()),
        esp: u64::from(plan.stack_pointer()),
    })
}
