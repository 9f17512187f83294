//! The boot plan: a kernel, its modules and its information checked
//! against a partition, then written into it.

use crate::error::MultibootError;
use crate::header::Header;
use crate::info::InfoPlan;
use crate::kernel::Kernel;
use crate::layout::Layout;
use crate::{BOOT_LOADER_NAME, PAGE_SIZE};

/// Upper memory starts here; modules go no lower.
const ONE_MIB: u64 = 0x10_0000;
/// The end of what a 32-bit `mod_end` can say.
const FOUR_GIB_MINUS_ONE: u64 = u32::MAX as u64;

/// A boot module: a file loaded with the kernel, and the string the kernel
/// gets with it (3.3, "string": a command line or a name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Module<'a> {
    /// The file's bytes.
    pub bytes: &'a [u8],
    /// Its string.
    pub string: &'a str,
}

/// Where a module was placed: `start..end` (`mod_start`, `mod_end`, the end
/// exclusive as GRUB gives it), `start` page-aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlacedModule {
    /// The first byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

/// A kernel, its modules and its information, checked against a partition:
/// every write [`load`](Self::load) makes lies inside the memory, and only
/// the information lies in the boot area.
#[derive(Clone, Debug)]
pub struct BootPlan<'a> {
    header: Header,
    kernel: Kernel<'a>,
    layout: Layout,
    info: InfoPlan,
    cmdline: &'a str,
    modules: &'a [Module<'a>],
    modules_start: u64,
}

/// Checks the kernel `image` with its command line and modules against the
/// partition `layout` and plans its boot (see the crate documentation for
/// the rules).
pub fn plan<'a>(
    image: &'a [u8],
    cmdline: &'a str,
    modules: &'a [Module<'a>],
    layout: &Layout,
) -> Result<BootPlan<'a>, MultibootError> {
    let header = Header::find(image)?;
    let unfulfilled = header.unfulfilled_requirements();
    if unfulfilled != 0 {
        return Err(MultibootError::UnsupportedRequirements { flags: header.flags, unfulfilled });
    }
    if header.wants_video() && !layout.has_text_screen() {
        return Err(MultibootError::NoVideo { base: layout.memory().start });
    }
    let kernel = Kernel::place(image, &header, layout)?;
    let floor = kernel.end().max(layout.boot_area().end).max(ONE_MIB);
    let modules_start = floor.div_ceil(PAGE_SIZE) * PAGE_SIZE;
    let memory_end = layout.memory().end.min(FOUR_GIB_MINUS_ONE);
    for (index, (module, placed)) in modules.iter().zip(placements(modules, modules_start)).enumerate() {
        if placed.end > memory_end {
            let len = module.bytes.len() as u64;
            return Err(MultibootError::ModuleOutsideMemory { index, start: placed.start, len, memory_end });
        }
    }
    let strings = modules.iter().map(|module| module.string.len());
    let info = InfoPlan::new(layout, header.wants_video(), BOOT_LOADER_NAME, cmdline, strings, modules.len())?;
    Ok(BootPlan { header, kernel, layout: layout.clone(), info, cmdline, modules, modules_start })
}

/// Where each module goes: page-aligned, one after the other from `start`
/// (saturating, so an overflow shows as a module beyond the memory).
fn placements<'m>(modules: &'m [Module<'_>], start: u64) -> impl Iterator<Item = PlacedModule> + Clone + 'm {
    modules.iter().scan(start, |next, module| {
        let start = *next;
        let end = start.saturating_add(module.bytes.len() as u64);
        *next = end.div_ceil(PAGE_SIZE).saturating_mul(PAGE_SIZE);
        Some(PlacedModule { start, end })
    })
}

/// Zeros to write BSS from.
static ZEROS: [u8; 4096] = [0; 4096];

impl<'a> BootPlan<'a> {
    /// The kernel's header.
    #[must_use]
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// EIP: the physical address of the kernel's first instruction.
    #[must_use]
    pub fn entry(&self) -> u32 {
        u32::try_from(self.kernel.entry()).unwrap_or(u32::MAX)
    }

    /// EBX: the physical address of the information structure.
    #[must_use]
    pub fn info_address(&self) -> u32 {
        u32::try_from(self.info.address).unwrap_or(u32::MAX)
    }

    /// ESP: the top of the boot area's stack (the spec leaves ESP undefined;
    /// kernels that `call` before they set up a stack need one).
    #[must_use]
    pub fn stack_pointer(&self) -> u32 {
        u32::try_from(self.layout.stack_top()).unwrap_or(u32::MAX)
    }

    /// The first address above the kernel (BSS included).
    #[must_use]
    pub fn kernel_end(&self) -> u64 {
        self.kernel.end()
    }

    /// Where the modules go, in order.
    pub fn modules(&self) -> impl Iterator<Item = PlacedModule> + Clone + '_ {
        placements(self.modules, self.modules_start)
    }

    /// The partition's memory layout.
    #[must_use]
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Loads everything with `write` (guest-physical address, bytes): the
    /// kernel with its BSS zeroed, the modules, the information. Returns
    /// false if a write failed, which for memory matching the layout never
    /// happens.
    #[must_use]
    pub fn load(&self, mut write: impl FnMut(u64, &[u8]) -> bool) -> bool {
        let mut ok = true;
        for chunk in self.kernel.chunks() {
            ok &= write(chunk.gpa, chunk.bytes);
            let mut at = chunk.gpa + chunk.bytes.len() as u64;
            let mut left = chunk.zeros;
            while left > 0 {
                let len = left.min(ZEROS.len() as u64);
                ok &= write(at, &ZEROS[..usize::try_from(len).unwrap_or(0)]);
                at += len;
                left -= len;
            }
        }
        for (module, placed) in self.modules.iter().zip(self.modules()) {
            ok &= write(placed.start, module.bytes);
        }
        let strings = self.modules().zip(self.modules.iter().map(|module| module.string));
        ok & self.info.write(&self.layout, BOOT_LOADER_NAME, self.cmdline, strings, &mut write)
    }
}
