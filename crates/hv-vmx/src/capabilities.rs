//! The processor's VMX capabilities, gathered once from the capability MSRs,
//! with convenience queries and a human-readable report.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3D
//! Appendix A ("VMX Capability Reporting Facility"), in particular A.1 (basic
//! information), A.2 (choice of the TRUE control MSRs), A.3.3 (when
//! IA32_VMX_PROCBASED_CTLS2 exists) and A.10 (when IA32_VMX_EPT_VPID_CAP
//! exists).
//!
//! Why: the kernel prints these facts at boot and the VMX core needs them to
//! build VMCS control fields. Gathering them in one place makes sure only
//! MSRs that exist are read (reading one that does not raises #GP) and that
//! the TRUE control MSRs are used whenever they are available.

use core::fmt;

use crate::basic::VmxBasic;
use crate::control_bits::{PinBased, PrimaryProcBased, SecondaryProcBased};
use crate::controls::{AllowedSettings, ControlKind};
use crate::ept_vpid::EptVpidCap;
use crate::fixed_bits::FixedBits;
use crate::misc::VmxMisc;
use crate::msr::{Msr, MsrSource};

/// Everything this crate decodes about the processor's VMX support.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VmxCapabilities {
    /// IA32_VMX_BASIC (SDM Vol. 3D A.1).
    pub basic: VmxBasic,
    /// Pin-based controls, from the TRUE MSR if available (SDM Vol. 3D A.3.1).
    pub pin_based: AllowedSettings,
    /// Primary processor-based controls, from the TRUE MSR if available
    /// (SDM Vol. 3D A.3.2).
    pub primary: AllowedSettings,
    /// Secondary processor-based controls; `None` when "activate secondary
    /// controls" may not be 1, in which case the MSR does not exist (SDM
    /// Vol. 3D A.3.3).
    pub secondary: Option<AllowedSettings>,
    /// VM-exit controls, from the TRUE MSR if available (SDM Vol. 3D A.4).
    pub exit: AllowedSettings,
    /// VM-entry controls, from the TRUE MSR if available (SDM Vol. 3D A.5).
    pub entry: AllowedSettings,
    /// EPT/VPID capabilities; `None` when neither "enable EPT" nor "enable
    /// VPID" may be 1, in which case the MSR does not exist (SDM Vol. 3D A.10).
    pub ept_vpid: Option<EptVpidCap>,
    /// IA32_VMX_MISC (SDM Vol. 3D A.6).
    pub misc: VmxMisc,
    /// CR0 fixed bits (SDM Vol. 3D A.7).
    pub cr0: FixedBits,
    /// CR4 fixed bits (SDM Vol. 3D A.8).
    pub cr4: FixedBits,
}

impl VmxCapabilities {
    /// Reads and decodes the capability MSRs.
    ///
    /// The caller must have checked that the processor supports VMX
    /// (CPUID.1:ECX.VMX\[bit 5\] = 1; SDM Vol. 3C 24.6), because otherwise
    /// IA32_VMX_BASIC does not exist. Beyond that, only MSRs whose existence
    /// follows from values already read are requested:
    ///
    /// - IA32_VMX_BASIC, MISC, CR0/CR4 FIXED0/FIXED1 always;
    /// - the four TRUE control MSRs if IA32_VMX_BASIC bit 55 is 1, else the
    ///   four plain ones (SDM Vol. 3D A.2);
    /// - IA32_VMX_PROCBASED_CTLS2 only if "activate secondary controls" may
    ///   be 1 (SDM Vol. 3D A.3.3);
    /// - IA32_VMX_EPT_VPID_CAP only if "enable EPT" or "enable VPID" may be 1
    ///   (SDM Vol. 3D A.10).
    pub fn read<S: MsrSource + ?Sized>(msrs: &mut S) -> Self {
        let basic = VmxBasic(msrs.read(Msr::IA32_VMX_BASIC));
        let true_controls = basic.true_controls();
        let mut controls = |kind: ControlKind| AllowedSettings::from_msr(msrs.read(kind.capability_msr(true_controls)));
        let pin_based = controls(ControlKind::PinBased);
        let primary = controls(ControlKind::PrimaryProcBased);
        let exit = controls(ControlKind::Exit);
        let entry = controls(ControlKind::Entry);

        let secondary = if primary.allows(PrimaryProcBased::ACTIVATE_SECONDARY.bits()) {
            Some(controls(ControlKind::SecondaryProcBased))
        } else {
            None
        };
        let ept_or_vpid = (SecondaryProcBased::ENABLE_EPT | SecondaryProcBased::ENABLE_VPID).bits();
        let ept_vpid = match secondary {
            Some(s) if s.may_be_one & ept_or_vpid != 0 => Some(EptVpidCap(msrs.read(Msr::IA32_VMX_EPT_VPID_CAP))),
            _ => None,
        };

        let misc = VmxMisc(msrs.read(Msr::IA32_VMX_MISC));
        let cr0 = FixedBits::new(msrs.read(Msr::IA32_VMX_CR0_FIXED0), msrs.read(Msr::IA32_VMX_CR0_FIXED1));
        let cr4 = FixedBits::new(msrs.read(Msr::IA32_VMX_CR4_FIXED0), msrs.read(Msr::IA32_VMX_CR4_FIXED1));

        Self { basic, pin_based, primary, secondary, exit, entry, ept_vpid, misc, cr0, cr4 }
    }

    /// The allowed settings of one control field (`None` only for the
    /// secondary controls when they do not exist).
    pub const fn allowed(&self, kind: ControlKind) -> Option<AllowedSettings> {
        match kind {
            ControlKind::PinBased => Some(self.pin_based),
            ControlKind::PrimaryProcBased => Some(self.primary),
            ControlKind::SecondaryProcBased => self.secondary,
            ControlKind::Exit => Some(self.exit),
            ControlKind::Entry => Some(self.entry),
        }
    }

    /// Whether all of `bits` may be 1 in the secondary controls (false when
    /// the secondary controls do not exist).
    pub fn secondary_allows(&self, bits: SecondaryProcBased) -> bool {
        self.secondary.is_some_and(|s| s.allows(bits.bits()))
    }

    /// "Enable EPT" may be 1 (SDM Vol. 3C 25.6.2, Vol. 3D A.3.3).
    pub fn has_ept(&self) -> bool {
        self.secondary_allows(SecondaryProcBased::ENABLE_EPT)
    }

    /// "Enable VPID" may be 1 (SDM Vol. 3C 25.6.2, Vol. 3D A.3.3).
    pub fn has_vpid(&self) -> bool {
        self.secondary_allows(SecondaryProcBased::ENABLE_VPID)
    }

    /// "Unrestricted guest" may be 1 and so may "enable EPT", which it
    /// requires (SDM Vol. 3C 27.2.1.1).
    pub fn has_unrestricted_guest(&self) -> bool {
        self.has_ept() && self.secondary_allows(SecondaryProcBased::UNRESTRICTED_GUEST)
    }

    /// EPT is available and may map 1-GByte pages (SDM Vol. 3D A.10 bit 17).
    pub fn has_1g_pages(&self) -> bool {
        self.has_ept() && self.ept_vpid.is_some_and(EptVpidCap::pages_1g)
    }

    /// EPT is available and may map 2-MByte pages (SDM Vol. 3D A.10 bit 16).
    pub fn has_2m_pages(&self) -> bool {
        self.has_ept() && self.ept_vpid.is_some_and(EptVpidCap::pages_2m)
    }

    /// "Activate VMX-preemption timer" may be 1 (SDM Vol. 3C 25.6.1, pin-based
    /// bit 6).
    pub const fn has_preemption_timer(&self) -> bool {
        self.pin_based.allows(PinBased::PREEMPTION_TIMER.bits())
    }

    /// The preemption timer ticks once every 2^N TSC cycles; `Some(N)` when
    /// the timer exists (SDM Vol. 3D A.6 bits 4:0).
    pub const fn preemption_timer_shift(&self) -> Option<u8> {
        if self.has_preemption_timer() {
            Some(self.misc.preemption_timer_shift())
        } else {
            None
        }
    }
}

/// `yes` or `no`.
const fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// Writes the labels whose flag is set, comma-separated, in parentheses;
/// nothing if none is set.
fn write_list(f: &mut fmt::Formatter<'_>, items: &[(bool, &str)]) -> fmt::Result {
    let mut first = true;
    for &(_, label) in items.iter().filter(|(on, _)| *on) {
        f.write_str(if first { " (" } else { ", " })?;
        f.write_str(label)?;
        first = false;
    }
    if !first {
        f.write_str(")")?;
    }
    Ok(())
}

impl fmt::Display for VmxCapabilities {
    /// A multi-line report for the boot log; every line is under 100
    /// characters and there is no trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let basic = self.basic;
        writeln!(
            f,
            "VMCS revision {}, region {} bytes, memory type {}",
            basic.revision_id(),
            basic.vmcs_region_size(),
            basic.vmcs_memory_type(),
        )?;
        writeln!(f, "true controls: {}", yes_no(basic.true_controls()))?;

        write!(f, "EPT: {}", yes_no(self.has_ept()))?;
        if let (true, Some(cap)) = (self.has_ept(), self.ept_vpid) {
            write_list(
                f,
                &[
                    (cap.page_walk_4(), "4-level"),
                    (cap.page_walk_5(), "5-level"),
                    (cap.pages_2m(), "2M pages"),
                    (cap.pages_1g(), "1G pages"),
                    (cap.memory_type_wb(), "WB"),
                    (cap.accessed_dirty(), "A/D"),
                    (cap.execute_only(), "execute-only"),
                    (cap.invept(), "INVEPT"),
                ],
            )?;
        }
        writeln!(f)?;

        write!(f, "VPID: {}", yes_no(self.has_vpid()))?;
        if let (true, Some(cap)) = (self.has_vpid(), self.ept_vpid) {
            write_list(f, &[(cap.invvpid(), "INVVPID")])?;
        }
        writeln!(f)?;

        writeln!(f, "unrestricted guest: {}", yes_no(self.has_unrestricted_guest()))?;
        match self.preemption_timer_shift() {
            Some(shift) => writeln!(f, "preemption timer: yes, 1 tick per 2^{shift} TSC cycles")?,
            None => writeln!(f, "preemption timer: no")?,
        }

        write!(f, "allowed-1: pin {:#010x} proc {:#010x} proc2 ", self.pin_based.may_be_one, self.primary.may_be_one,)?;
        match self.secondary {
            Some(s) => writeln!(f, "{:#010x}", s.may_be_one)?,
            None => writeln!(f, "none")?,
        }
        writeln!(f, "allowed-1: exit {:#010x} entry {:#010x}", self.exit.may_be_one, self.entry.may_be_one,)?;
        writeln!(f, "CR0 fixed0 {:#x} fixed1 {:#x}", self.cr0.fixed0, self.cr0.fixed1)?;
        write!(f, "CR4 fixed0 {:#x} fixed1 {:#x}", self.cr4.fixed0, self.cr4.fixed1)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::vec::Vec;

    use super::*;

    /// A recorded MSR table that panics on any MSR it does not hold, so a
    /// test proves which MSRs `read` touches.
    struct FakeMsrs {
        values: Vec<(Msr, u64)>,
        reads: RefCell<Vec<Msr>>,
    }

    impl FakeMsrs {
        fn new(values: &[(Msr, u64)]) -> Self {
            Self { values: values.to_vec(), reads: RefCell::new(Vec::new()) }
        }

        fn without(mut self, msr: Msr) -> Self {
            self.values.retain(|&(m, _)| m != msr);
            self
        }

        fn with(mut self, msr: Msr, value: u64) -> Self {
            self.values.retain(|&(m, _)| m != msr);
            self.values.push((msr, value));
            self
        }

        fn was_read(&self, msr: Msr) -> bool {
            self.reads.borrow().contains(&msr)
        }
    }

    impl MsrSource for FakeMsrs {
        fn read(&mut self, msr: Msr) -> u64 {
            self.reads.borrow_mut().push(msr);
            match self.values.iter().find(|&&(m, _)| m == msr) {
                Some(&(_, value)) => value,
                None => panic!("unexpected MSR read: {msr}"),
            }
        }
    }

    const fn basic(revision: u64, true_controls: bool) -> u64 {
        revision | (0x1000 << 32) | (6 << 50) | (1 << 54) | ((true_controls as u64) << 55)
    }

    // Invented, consistent control MSRs (allowed-1 in the high half).
    const PIN: u64 = 0x0000_007f_0000_0016;
    const TRUE_PIN: u64 = 0x0000_007f_0000_0016;
    const PROC: u64 = 0xfff9_fffe_0401_e172;
    /// TRUE variant: CR3-load/store exiting (bits 15, 16) may be 0.
    const TRUE_PROC: u64 = 0xfff9_fffe_0400_6172;
    const EXIT: u64 = 0x007f_ffff_0003_6dff;
    /// TRUE variant: "save debug controls" (bit 2) may be 0.
    const TRUE_EXIT: u64 = 0x007f_ffff_0003_6dfb;
    const ENTRY: u64 = 0x0000_ffff_0000_11ff;
    const TRUE_ENTRY: u64 = 0x0000_ffff_0000_11fb;
    /// Timer shift 5, EFER.LMA stored, HLT/shutdown/SIPI, 4 CR3 targets,
    /// VMWRITE to any field.
    const MISC: u64 = 0x2004_01e5;

    // Bochs 2.7 values.
    const SKYLAKE_X_CTLS2: u64 = 0x0217_7fff << 32;
    const TIGERLAKE_CTLS2: u64 = 0x0297_7fff << 32;
    const BOCHS_EPT_VPID: u64 = 0x0000_0f01_0633_4141;

    /// Bochs corei7_skylake_x (revision 43), with TRUE control MSRs. The
    /// plain control MSRs are deliberately absent: reading them panics.
    fn skylake_x() -> FakeMsrs {
        FakeMsrs::new(&[
            (Msr::IA32_VMX_BASIC, basic(43, true)),
            (Msr::IA32_VMX_TRUE_PINBASED_CTLS, TRUE_PIN),
            (Msr::IA32_VMX_TRUE_PROCBASED_CTLS, TRUE_PROC),
            (Msr::IA32_VMX_TRUE_EXIT_CTLS, TRUE_EXIT),
            (Msr::IA32_VMX_TRUE_ENTRY_CTLS, TRUE_ENTRY),
            (Msr::IA32_VMX_PROCBASED_CTLS2, SKYLAKE_X_CTLS2),
            (Msr::IA32_VMX_EPT_VPID_CAP, BOCHS_EPT_VPID),
            (Msr::IA32_VMX_MISC, MISC),
            (Msr::IA32_VMX_CR0_FIXED0, 0x8000_0021),
            (Msr::IA32_VMX_CR0_FIXED1, 0xffff_ffff),
            (Msr::IA32_VMX_CR4_FIXED0, 0x2000),
            (Msr::IA32_VMX_CR4_FIXED1, 0x0037_27ff),
        ])
    }

    /// Bochs tigerlake (revision 4).
    fn tigerlake() -> FakeMsrs {
        skylake_x().with(Msr::IA32_VMX_BASIC, basic(4, true)).with(Msr::IA32_VMX_PROCBASED_CTLS2, TIGERLAKE_CTLS2)
    }

    /// An older processor without TRUE MSRs: only the plain ones exist.
    fn no_true_controls() -> FakeMsrs {
        skylake_x()
            .with(Msr::IA32_VMX_BASIC, basic(43, false))
            .without(Msr::IA32_VMX_TRUE_PINBASED_CTLS)
            .without(Msr::IA32_VMX_TRUE_PROCBASED_CTLS)
            .without(Msr::IA32_VMX_TRUE_EXIT_CTLS)
            .without(Msr::IA32_VMX_TRUE_ENTRY_CTLS)
            .with(Msr::IA32_VMX_PINBASED_CTLS, PIN)
            .with(Msr::IA32_VMX_PROCBASED_CTLS, PROC)
            .with(Msr::IA32_VMX_EXIT_CTLS, EXIT)
            .with(Msr::IA32_VMX_ENTRY_CTLS, ENTRY)
    }

    #[test]
    fn skylake_x_decodes_everything() {
        let mut msrs = skylake_x();
        let caps = VmxCapabilities::read(&mut msrs);
        assert_eq!(caps.basic.revision_id(), 43);
        assert!(caps.basic.true_controls());
        assert_eq!(caps.pin_based, AllowedSettings::from_msr(TRUE_PIN));
        assert_eq!(caps.primary, AllowedSettings::from_msr(TRUE_PROC));
        assert_eq!(caps.exit, AllowedSettings::from_msr(TRUE_EXIT));
        assert_eq!(caps.entry, AllowedSettings::from_msr(TRUE_ENTRY));
        assert_eq!(caps.secondary.map(|s| s.may_be_one), Some(0x0217_7fff));
        assert_eq!(caps.ept_vpid, Some(EptVpidCap(BOCHS_EPT_VPID)));
        assert_eq!(caps.misc, VmxMisc(MISC));
        assert_eq!(caps.cr0, FixedBits::new(0x8000_0021, 0xffff_ffff));
        assert_eq!(caps.cr4, FixedBits::new(0x2000, 0x0037_27ff));

        assert!(caps.has_ept());
        assert!(caps.has_vpid());
        assert!(caps.has_unrestricted_guest());
        assert!(caps.has_2m_pages());
        assert!(caps.has_1g_pages());
        assert!(caps.has_preemption_timer());
        assert_eq!(caps.preemption_timer_shift(), Some(5));
        assert!(!caps.secondary_allows(SecondaryProcBased::SUB_PAGE_WRITE));
    }

    #[test]
    fn reads_exactly_the_expected_msrs() {
        let mut msrs = skylake_x();
        let _ = VmxCapabilities::read(&mut msrs);
        let mut reads = msrs.reads.borrow().clone();
        reads.sort();
        let mut expected: Vec<Msr> = msrs.values.iter().map(|&(m, _)| m).collect();
        expected.sort();
        assert_eq!(reads, expected, "each recorded MSR read exactly once");
    }

    #[test]
    fn tigerlake_revision_and_secondary() {
        let caps = VmxCapabilities::read(&mut tigerlake());
        assert_eq!(caps.basic.revision_id(), 4);
        assert_eq!(caps.secondary.map(|s| s.may_be_one), Some(0x0297_7fff));
        assert!(caps.secondary_allows(SecondaryProcBased::SUB_PAGE_WRITE));
        assert!(caps.has_unrestricted_guest());
    }

    #[test]
    fn true_msrs_used_only_when_basic_bit_55_set() {
        let mut msrs = no_true_controls();
        let caps = VmxCapabilities::read(&mut msrs);
        assert!(!caps.basic.true_controls());
        assert_eq!(caps.primary, AllowedSettings::from_msr(PROC));
        assert_eq!(caps.exit, AllowedSettings::from_msr(EXIT));
        assert!(msrs.was_read(Msr::IA32_VMX_PROCBASED_CTLS));
        assert!(!msrs.was_read(Msr::IA32_VMX_TRUE_PROCBASED_CTLS));
        // With the TRUE MSRs, the CR3 exits are optional; without, forced.
        assert!(!caps.primary.allows_zero(PrimaryProcBased::CR3_LOAD.bits()));
        let with_true = VmxCapabilities::read(&mut skylake_x());
        assert!(with_true.primary.allows_zero(PrimaryProcBased::CR3_LOAD.bits()));
    }

    #[test]
    fn no_secondary_controls_means_no_ctls2_or_ept_read() {
        // Primary allowed-1 without bit 31; CTLS2 and EPT_VPID_CAP do not
        // exist, and the fake panics if they are read.
        let mut msrs = skylake_x()
            .with(Msr::IA32_VMX_TRUE_PROCBASED_CTLS, 0x7ff9_fffe_0400_6172)
            .without(Msr::IA32_VMX_PROCBASED_CTLS2)
            .without(Msr::IA32_VMX_EPT_VPID_CAP);
        let caps = VmxCapabilities::read(&mut msrs);
        assert_eq!(caps.secondary, None);
        assert_eq!(caps.ept_vpid, None);
        assert_eq!(caps.allowed(ControlKind::SecondaryProcBased), None);
        assert!(!caps.has_ept());
        assert!(!caps.has_vpid());
        assert!(!caps.has_unrestricted_guest());
        assert!(!caps.has_2m_pages());
        assert!(!caps.has_1g_pages());
    }

    #[test]
    fn no_ept_and_no_vpid_means_no_cap_read() {
        // Secondary allows everything of skylake_x except bits 1 and 5.
        let ctls2 = (0x0217_7fff & !0b10_0010_u64) << 32;
        let mut msrs = skylake_x().with(Msr::IA32_VMX_PROCBASED_CTLS2, ctls2).without(Msr::IA32_VMX_EPT_VPID_CAP);
        let caps = VmxCapabilities::read(&mut msrs);
        assert!(caps.secondary.is_some());
        assert_eq!(caps.ept_vpid, None);
        assert!(!caps.has_ept());
        assert!(!caps.has_vpid());
        // UG is allowed by the MSR but unusable without EPT.
        assert!(caps.secondary_allows(SecondaryProcBased::UNRESTRICTED_GUEST));
        assert!(!caps.has_unrestricted_guest());
    }

    #[test]
    fn vpid_alone_still_reads_the_cap() {
        let ctls2 = (0x0217_7fff & !0b10_u64) << 32;
        let mut msrs = skylake_x().with(Msr::IA32_VMX_PROCBASED_CTLS2, ctls2);
        let caps = VmxCapabilities::read(&mut msrs);
        assert!(msrs.was_read(Msr::IA32_VMX_EPT_VPID_CAP));
        assert!(caps.has_vpid());
        assert!(!caps.has_ept());
        // The cap says 1G/2M pages, but without EPT they are unusable.
        assert!(!caps.has_1g_pages());
        assert!(!caps.has_2m_pages());
    }

    #[test]
    #[should_panic(expected = "unexpected MSR read: IA32_VMX_EPT_VPID_CAP (0x48c)")]
    fn the_fake_panics_on_unexpected_reads() {
        let mut msrs = skylake_x().without(Msr::IA32_VMX_EPT_VPID_CAP);
        let _ = VmxCapabilities::read(&mut msrs);
    }

    #[test]
    fn no_preemption_timer() {
        let mut msrs = skylake_x().with(Msr::IA32_VMX_TRUE_PINBASED_CTLS, 0x0000_003f_0000_0016);
        let caps = VmxCapabilities::read(&mut msrs);
        assert!(!caps.has_preemption_timer());
        assert_eq!(caps.preemption_timer_shift(), None);
        assert!(caps.to_string().contains("preemption timer: no"));
    }

    #[test]
    fn allowed_by_kind() {
        let caps = VmxCapabilities::read(&mut skylake_x());
        assert_eq!(caps.allowed(ControlKind::PinBased), Some(caps.pin_based));
        assert_eq!(caps.allowed(ControlKind::PrimaryProcBased), Some(caps.primary));
        assert_eq!(caps.allowed(ControlKind::SecondaryProcBased), caps.secondary);
        assert_eq!(caps.allowed(ControlKind::Exit), Some(caps.exit));
        assert_eq!(caps.allowed(ControlKind::Entry), Some(caps.entry));
    }

    #[test]
    fn a_closure_can_be_the_source() {
        let fake = RefCell::new(skylake_x());
        let caps = VmxCapabilities::read(&mut |msr: Msr| fake.borrow_mut().read(msr));
        assert_eq!(caps.basic.revision_id(), 43);
    }

    #[test]
    fn report_states_the_key_facts() {
        let report = VmxCapabilities::read(&mut skylake_x()).to_string();
        for fact in [
            "VMCS revision 43, region 4096 bytes, memory type write-back",
            "true controls: yes",
            "EPT: yes (4-level, 2M pages, 1G pages, WB, A/D, execute-only, INVEPT)",
            "VPID: yes (INVVPID)",
            "unrestricted guest: yes",
            "preemption timer: yes, 1 tick per 2^5 TSC cycles",
            "allowed-1: pin 0x0000007f proc 0xfff9fffe proc2 0x02177fff",
            "allowed-1: exit 0x007fffff entry 0x0000ffff",
            "CR0 fixed0 0x80000021 fixed1 0xffffffff",
            "CR4 fixed0 0x2000 fixed1 0x3727ff",
        ] {
            assert!(report.lines().any(|l| l == fact), "missing {fact:?} in:\n{report}");
        }
        assert!(!report.ends_with('\n'));
        for line in report.lines() {
            assert!(line.len() < 100, "line too long: {line:?}");
        }
    }

    #[test]
    fn report_without_secondary_controls() {
        let mut msrs = no_true_controls()
            .with(Msr::IA32_VMX_PROCBASED_CTLS, 0x7ff9_fffe_0401_e172)
            .without(Msr::IA32_VMX_PROCBASED_CTLS2)
            .without(Msr::IA32_VMX_EPT_VPID_CAP);
        let report = VmxCapabilities::read(&mut msrs).to_string();
        for fact in [
            "true controls: no",
            "EPT: no",
            "VPID: no",
            "unrestricted guest: no",
            "allowed-1: pin 0x0000007f proc 0x7ff9fffe proc2 none",
        ] {
            assert!(report.lines().any(|l| l == fact), "missing {fact:?} in:\n{report}");
        }
        for line in report.lines() {
            assert!(line.len() < 100, "line too long: {line:?}");
        }
    }
}
