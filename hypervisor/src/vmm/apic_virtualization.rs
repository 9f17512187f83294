//! The CPU's APIC virtualization for one vCPU: the virtual-APIC page and
//! the VMCS fields around it, kept in step with the platform's local APIC
//! model (SDM Vol. 3C chapter 30, "APIC Virtualization and Virtual
//! Interrupts").
//!
//! Two levels, as the capability MSRs and the `apic_virt` boot parameter
//! allow (`vmm/controls.rs`):
//! - **TPR shadow** (30.1.2, 30.3): CR8 is the page's VTPR, no exit; a TPR
//!   threshold brings the CPU back when the guest lowers CR8 under an
//!   interrupt its TPR held back. Interrupts are injected (`vmm/events.rs`).
//! - **Virtual-interrupt delivery** with APIC-register virtualization
//!   (30.2, 30.4.2, 30.5): the model's IRR, ISR and TMR are published into
//!   the page before an entry with RVI/SVI (the guest interrupt status);
//!   the CPU delivers the local APIC's interrupts itself when the guest can
//!   take them and completes EOIs without an exit, and the hypervisor takes
//!   back what it did after each exit. The EOI-exit bitmap is the TMR: an
//!   EOI of a level-triggered vector exits so that the I/O APIC hears of it.
//!   While the APIC is in x2APIC mode "virtualize x2APIC mode" is on and
//!   the MSR bitmap lets RDMSR of the registers in
//!   [`hv_lapic::X2APIC_READS`] and WRMSR of the TPR and EOI through to the
//!   page; everything else still exits to the model. In xAPIC mode every
//!   access to the APIC page still exits (EPT violation, `exit/mmio.rs`).
//!
//! The 8259's ExtINT interrupts and NMIs are always injected.

use hv_lapic::{InterruptStatus, Mode, VirtualApicPage, X2APIC_READS, X2APIC_WRITES};
use hv_vmx::{Control32, Control64, Guest16, MsrBitmap, SecondaryProcBased};

use super::platform::VirtualPlatform;
use crate::arch::x86_64::vmx::instructions::{vmread, vmwrite};
use crate::arch::x86_64::vmx::VmFail;
use crate::mm::{OutOfMemory, OwnedFrames};

/// VTPR's offset in the virtual-APIC page (the TPR's in the xAPIC page).
const VTPR: usize = 0x80;

/// One vCPU's virtual-APIC page and what the VMCS holds about it.
pub struct ApicVirtualization {
    page: OwnedFrames,
    /// Virtual-interrupt delivery is on (else the TPR shadow only).
    virtual_interrupts: bool,
    /// The secondary controls without "virtualize x2APIC mode".
    secondary: u32,
    /// Whether "virtualize x2APIC mode" and the x2APIC pass-through in the
    /// MSR bitmap are now on.
    x2apic_on: bool,
    /// The guest interrupt status as of the last entry or exit.
    status: InterruptStatus,
    /// The EOI-exit bitmap now in the VMCS.
    eoi_exit: [u64; 4],
    /// The TPR threshold now in the VMCS (TPR shadow only).
    tpr_threshold: u8,
    /// The platform generation the page was last written for.
    published: Option<u64>,
    /// The page's copy of the registers the CPU reads in x2APIC mode must
    /// be rewritten (the mode changed).
    registers_stale: bool,
}

impl ApicVirtualization {
    /// A zeroed virtual-APIC page for a vCPU whose VMCS gets
    /// [`page_address`](Self::page_address).
    pub fn new(virtual_interrupts: bool, secondary: u32) -> Result<Self, OutOfMemory> {
        Ok(Self {
            page: OwnedFrames::frame()?,
            virtual_interrupts,
            secondary,
            x2apic_on: false,
            status: InterruptStatus::default(),
            eoi_exit: [0; 4],
            tpr_threshold: 0,
            published: None,
            registers_stale: true,
        })
    }

    /// The page's physical address (the VMCS's virtual-APIC address).
    pub fn page_address(&self) -> u64 {
        self.page.phys().as_u64()
    }

    fn page(&self) -> &VirtualApicPage {
        // The frame is one 4-KiB page.
        self.page.as_slice().try_into().unwrap_or(&[0; 4096])
    }

    /// Before an entry: writes the model into the page when the interrupt
    /// state changed since the last time (the platform's generation).
    #[inline]
    pub fn before_entry(&mut self, platform: &mut VirtualPlatform, now: u64) -> Result<(), VmFail> {
        if self.published == Some(platform.generation()) {
            return Ok(());
        }
        self.publish(platform, now)
    }

    fn publish(&mut self, platform: &mut VirtualPlatform, now: u64) -> Result<(), VmFail> {
        self.published = Some(platform.generation());
        if !self.virtual_interrupts {
            return self.tpr_to_shadow(platform);
        }
        let Ok(page) = <&mut VirtualApicPage>::try_from(self.page.as_mut_slice()) else { return Err(VmFail::Invalid) };
        // In xAPIC mode every register access exits to the model: only the
        // interrupt state is the CPU's to see.
        let registers = self.x2apic_on && core::mem::take(&mut self.registers_stale);
        let published = platform.publish_virtual_apic(page, now, registers);
        if published.status != self.status {
            vmwrite(Guest16::INTERRUPT_STATUS, u64::from(published.status.to_field()))?;
            self.status = published.status;
        }
        if published.eoi_exit != self.eoi_exit {
            let fields = [
                Control64::EOI_EXIT_BITMAP_0,
                Control64::EOI_EXIT_BITMAP_1,
                Control64::EOI_EXIT_BITMAP_2,
                Control64::EOI_EXIT_BITMAP_3,
            ];
            for (field, bits) in fields.into_iter().zip(published.eoi_exit) {
                vmwrite(field, bits)?;
            }
            self.eoi_exit = published.eoi_exit;
        }
        Ok(())
    }

    /// The TPR shadow alone: the model's TPR into VTPR, and a TPR threshold
    /// that brings the CPU back (a TPR-below-threshold exit, SDM 30.1.2)
    /// when the guest lowers CR8 under the class of an interrupt the TPR
    /// holds back. VM entry requires the threshold not to exceed
    /// VTPR\[7:4\] (27.2.1.1).
    fn tpr_to_shadow(&mut self, platform: &VirtualPlatform) -> Result<(), VmFail> {
        let tpr = platform.lapic().tpr();
        self.page.as_mut_slice()[VTPR] = tpr;
        let held_back = platform.lapic().highest_requested().filter(|_| platform.lapic().deliverable().is_none());
        let threshold = held_back.map_or(0, |vector| (vector >> 4).min(tpr >> 4));
        if threshold != self.tpr_threshold {
            vmwrite(Control32::TPR_THRESHOLD, u64::from(threshold))?;
            self.tpr_threshold = threshold;
        }
        Ok(())
    }

    /// After an exit: the model takes over what the guest and the CPU did
    /// in the page (VTPR; with virtual-interrupt delivery, deliveries and
    /// EOIs), and "virtualize x2APIC mode" follows the APIC's mode. The
    /// common exit, with nothing requested or in service before or after,
    /// costs one VMREAD.
    #[inline]
    pub fn after_exit(&mut self, platform: &mut VirtualPlatform, msrs: &mut MsrIntercepts) -> Result<(), VmFail> {
        let vtpr = self.page.as_slice()[VTPR];
        if vtpr != platform.lapic().tpr() {
            platform.lapic_mut().set_tpr(vtpr);
        }
        // Entered with RVI and SVI 0: nothing was requested or in service,
        // and the guest cannot request anything without an exit (self-IPIs
        // are not passed through), so the CPU had nothing to deliver or
        // complete and the page is as published.
        let idle = self.status == InterruptStatus::default();
        let mode_changed = (platform.lapic().mode() == Mode::X2Apic) != self.x2apic_on;
        if !self.virtual_interrupts || (idle && !mode_changed) {
            return Ok(());
        }
        self.take_back(platform, msrs)
    }

    /// The slow part of [`after_exit`](Self::after_exit).
    fn take_back(&mut self, platform: &mut VirtualPlatform, msrs: &mut MsrIntercepts) -> Result<(), VmFail> {
        if self.status != InterruptStatus::default() {
            let field = u16::try_from(vmread(Guest16::INTERRUPT_STATUS)?).unwrap_or(0);
            self.status = InterruptStatus::from_field(field);
            platform.absorb_virtual_apic(self.page());
        }
        let x2apic = platform.lapic().mode() == Mode::X2Apic;
        if x2apic != self.x2apic_on {
            self.switch_x2apic(x2apic, msrs)?;
        }
        Ok(())
    }

    /// Turns "virtualize x2APIC mode" and the x2APIC pass-through of the
    /// MSR bitmap on or off (SDM 30.5; 27.2.1.1 allows it only with
    /// "virtualize APIC accesses" off, which it always is here).
    fn switch_x2apic(&mut self, on: bool, msrs: &mut MsrIntercepts) -> Result<(), VmFail> {
        let virtualize = if on { SecondaryProcBased::VIRTUALIZE_X2APIC.bits() } else { 0 };
        vmwrite(Control32::SECONDARY_PROC_BASED, u64::from(self.secondary | virtualize))?;
        msrs.set_x2apic_pass_through(on);
        self.x2apic_on = on;
        // The page's ID register has another layout in each mode.
        self.published = None;
        self.registers_stale = true;
        Ok(())
    }
}

/// A partition's MSR bitmap: the image it is built from and the frame the
/// VMCS points at.
pub struct MsrIntercepts {
    image: MsrBitmap,
    frame: OwnedFrames,
}

impl MsrIntercepts {
    /// The frame holding `image`.
    pub fn new(image: MsrBitmap) -> Result<Self, OutOfMemory> {
        let mut frame = OwnedFrames::frame()?;
        frame.as_mut_slice().copy_from_slice(image.as_bytes());
        Ok(Self { image, frame })
    }

    /// The frame's physical address (the VMCS's MSR-bitmap address).
    pub fn address(&self) -> u64 {
        self.frame.phys().as_u64()
    }

    /// Lets the x2APIC accesses the CPU virtualizes through (or intercepts
    /// them again).
    fn set_x2apic_pass_through(&mut self, on: bool) {
        for &msr in X2APIC_READS {
            // All are inside the bitmap's low range.
            let _ = if on { self.image.allow_read(msr) } else { self.image.intercept_read(msr) };
        }
        for &msr in X2APIC_WRITES {
            let _ = if on { self.image.allow_write(msr) } else { self.image.intercept_write(msr) };
        }
        self.frame.as_mut_slice().copy_from_slice(self.image.as_bytes());
    }
}
