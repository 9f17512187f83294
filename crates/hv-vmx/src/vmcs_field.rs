//! Typed VMCS field encodings: the operand `VMREAD` and `VMWRITE` take to
//! name a field of the current VMCS.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3D
//! Appendix B ("Field Encoding in VMCS"), whose sections B.1-B.4 list the
//! 16-bit, 64-bit, 32-bit and natural-width fields (B.x.1 control, B.x.2
//! VM-exit information, B.x.3 guest state, B.x.4 host state). The layout of
//! an encoding (access type, index, type, width) is given in Vol. 3C 25.11.2
//! ("VMREAD, VMWRITE, and Encodings of VMCS Fields") and summarised at the
//! start of Appendix B. The fields themselves are described in Vol. 3C
//! Chapter 25.
//!
//! Why typed: the encodings are 32-bit numbers that are easy to mistype, and
//! VMWRITE to a read-only field fails at run time (VM-instruction error 13).
//! Here every field is a variant of an enum grouped by width and by the area
//! it belongs to, and only the writable groups implement [`VmcsWritable`], so
//! the VMX core's `vmwrite` (bounded by that trait) cannot be called with a
//! VM-exit information field:
//!
//! ```
//! use hv_vmx::{GuestNatural, VmcsWritable};
//! fn vmwrite<F: VmcsWritable>(_field: F, _value: u64) {}
//! vmwrite(GuestNatural::RIP, 0x1000);
//! ```
//!
//! ```compile_fail
//! use hv_vmx::{ExitInfo32, VmcsWritable};
//! fn vmwrite<F: VmcsWritable>(_field: F, _value: u64) {}
//! vmwrite(ExitInfo32::EXIT_REASON, 0); // read-only: does not compile
//! ```
//!
//! The layout rules ([`FieldWidth::of_encoding`],
//! [`FieldType::of_encoding`]) are checked against every variant by the unit
//! tests, which catches a mistyped encoding that lands in the wrong group.
//! Every encoding here is the "full" access type (bit 0 clear); the "high"
//! companion of a 64-bit field (encoding + 1) is only needed on processors
//! without Intel 64 and is not listed.
//!
//! Not every field exists on every processor (for example the PML index needs
//! the "enable PML" control); VMREAD of an unsupported field fails with
//! VM-instruction error 12. IA32_VMX_VMCS_ENUM (SDM Vol. 3D A.9) reports the
//! highest index the processor supports.

use crate::bits::{bit, field_u32};

/// Width of a VMCS field, bits 14:13 of its encoding (SDM Vol. 3C 25.11.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldWidth {
    /// Value 0: 16-bit.
    Bits16,
    /// Value 1: 64-bit.
    Bits64,
    /// Value 2: 32-bit.
    Bits32,
    /// Value 3: natural width (64 bits on processors that support Intel 64).
    Natural,
}

impl FieldWidth {
    /// Decodes bits 14:13 of a field encoding. Every value is defined.
    pub const fn of_encoding(encoding: u32) -> FieldWidth {
        match field_u32(encoding as u64, 14, 13) {
            0 => Self::Bits16,
            1 => Self::Bits64,
            2 => Self::Bits32,
            _ => Self::Natural,
        }
    }
}

/// Which area of the VMCS a field belongs to, bits 11:10 of its encoding
/// (SDM Vol. 3C 25.11.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// Value 0: a control field (VM-execution, VM-exit or VM-entry control).
    Control,
    /// Value 1: VM-exit information, the read-only data fields (writable
    /// only if IA32_VMX_MISC bit 29 is set, which this crate does not use).
    ExitInfo,
    /// Value 2: guest-state area.
    Guest,
    /// Value 3: host-state area.
    Host,
}

impl FieldType {
    /// Decodes bits 11:10 of a field encoding. Every value is defined.
    pub const fn of_encoding(encoding: u32) -> FieldType {
        match field_u32(encoding as u64, 11, 10) {
            0 => Self::Control,
            1 => Self::ExitInfo,
            2 => Self::Guest,
            _ => Self::Host,
        }
    }
}

/// Whether `encoding` selects the "high" 32 bits of a 64-bit field (access
/// type, bit 0; SDM Vol. 3C 25.11.2). Never true for the encodings in this
/// module.
pub const fn is_high_access(encoding: u32) -> bool {
    bit(encoding as u64, 0)
}

/// A VMCS field: anything with an encoding for `VMREAD`/`VMWRITE`.
pub trait VmcsField: Copy {
    /// The 32-bit field encoding (SDM Vol. 3D Appendix B).
    fn encoding(self) -> u32;

    /// A short upper-case name, unique among all fields of this module, for
    /// logs and VMCS dumps: the variant name, prefixed with `GUEST_` or
    /// `HOST_` for guest- and host-state fields (`GUEST_RIP`, `HOST_RIP`,
    /// `EXIT_REASON`).
    fn name(self) -> &'static str;

    /// The width of the field, decoded from the encoding.
    fn width(self) -> FieldWidth {
        FieldWidth::of_encoding(self.encoding())
    }

    /// The area of the VMCS the field belongs to, decoded from the encoding.
    fn field_type(self) -> FieldType {
        FieldType::of_encoding(self.encoding())
    }
}

/// A field that `VMREAD` may read. Every field in this module.
pub trait VmcsReadable: VmcsField {}

/// A field that `VMWRITE` may write: every field in this module except the
/// VM-exit information fields ([`ExitInfo32`], [`ExitInfo64`],
/// [`ExitInfoNatural`]), which are read-only (SDM Vol. 3C 25.9, and
/// VM-instruction error 13 in 31.4).
pub trait VmcsWritable: VmcsField {}

/// Defines one group of fields: the enum, its `ALL`, `WIDTH` and `TYPE`
/// constants, `const fn` accessors and the trait implementations. A field's
/// name is the group's prefix followed by the variant name.
macro_rules! vmcs_fields {
    (
        $(#[$meta:meta])*
        pub enum $group:ident: $width:ident, $kind:ident, $access:ident, prefix $prefix:literal {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $encoding:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        #[expect(non_camel_case_types, reason = "variants are named like the SDM's field names, e.g. GUEST_RIP")]
        pub enum $group {
            $(
                $(#[$vmeta])*
                $variant = $encoding,
            )+
        }

        impl $group {
            /// Every field of this group, in encoding order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The width every field of this group has.
            pub const WIDTH: FieldWidth = FieldWidth::$width;
            /// The VMCS area every field of this group belongs to.
            pub const TYPE: FieldType = FieldType::$kind;

            /// The field encoding (usable in constant expressions, unlike
            /// [`VmcsField::encoding`]).
            pub const fn encoding(self) -> u32 {
                self as u32
            }

            /// The field's name (usable in constant expressions, unlike
            /// [`VmcsField::name`]).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => concat!($prefix, stringify!($variant)),)+
                }
            }
        }

        impl VmcsField for $group {
            fn encoding(self) -> u32 {
                $group::encoding(self)
            }

            fn name(self) -> &'static str {
                $group::name(self)
            }
        }

        impl VmcsReadable for $group {}

        vmcs_fields!(@access $group $access);
    };
    (@access $group:ident writable) => {
        impl VmcsWritable for $group {}
    };
    (@access $group:ident read_only) => {};
}

vmcs_fields! {
    /// 16-bit control fields (SDM Vol. 3D B.1.1).
    pub enum Control16: Bits16, Control, writable, prefix "" {
        /// Virtual-processor identifier (VPID), tags TLB entries of the guest.
        VPID = 0x0000,
        /// Posted-interrupt notification vector.
        POSTED_INTR_NOTIFICATION_VECTOR = 0x0002,
        /// EPTP index (EPT-violation #VE and EPTP switching).
        EPTP_INDEX = 0x0004,
    }
}

vmcs_fields! {
    /// 32-bit control fields (SDM Vol. 3D B.3.1).
    pub enum Control32: Bits32, Control, writable, prefix "" {
        /// Pin-based VM-execution controls (SDM Vol. 3C 25.6.1).
        PIN_BASED = 0x4000,
        /// Primary processor-based VM-execution controls (SDM Vol. 3C 25.6.2).
        PRIMARY_PROC_BASED = 0x4002,
        /// Exception bitmap: one bit per vector 0-31 (SDM Vol. 3C 25.6.3).
        EXCEPTION_BITMAP = 0x4004,
        /// Page-fault error-code mask (SDM Vol. 3C 25.6.3).
        PAGE_FAULT_ERROR_CODE_MASK = 0x4006,
        /// Page-fault error-code match (SDM Vol. 3C 25.6.3).
        PAGE_FAULT_ERROR_CODE_MATCH = 0x4008,
        /// CR3-target count (SDM Vol. 3C 25.6.7).
        CR3_TARGET_COUNT = 0x400A,
        /// Primary VM-exit controls (SDM Vol. 3C 25.7.1).
        EXIT_CONTROLS = 0x400C,
        /// VM-exit MSR-store count (SDM Vol. 3C 25.7.2).
        EXIT_MSR_STORE_COUNT = 0x400E,
        /// VM-exit MSR-load count (SDM Vol. 3C 25.7.2).
        EXIT_MSR_LOAD_COUNT = 0x4010,
        /// VM-entry controls (SDM Vol. 3C 25.8.1).
        ENTRY_CONTROLS = 0x4012,
        /// VM-entry MSR-load count (SDM Vol. 3C 25.8.2).
        ENTRY_MSR_LOAD_COUNT = 0x4014,
        /// VM-entry interruption-information field (SDM Vol. 3C 25.8.3).
        ENTRY_INTERRUPTION_INFO = 0x4016,
        /// VM-entry exception error code (SDM Vol. 3C 25.8.3).
        ENTRY_EXCEPTION_ERROR_CODE = 0x4018,
        /// VM-entry instruction length (SDM Vol. 3C 25.8.3).
        ENTRY_INSTRUCTION_LENGTH = 0x401A,
        /// TPR threshold (SDM Vol. 3C 25.6.8).
        TPR_THRESHOLD = 0x401C,
        /// Secondary processor-based VM-execution controls (SDM Vol. 3C 25.6.2).
        SECONDARY_PROC_BASED = 0x401E,
        /// PAUSE-loop exiting gap (SDM Vol. 3C 25.6.13).
        PLE_GAP = 0x4020,
        /// PAUSE-loop exiting window (SDM Vol. 3C 25.6.13).
        PLE_WINDOW = 0x4022,
    }
}

vmcs_fields! {
    /// 64-bit control fields, full access type (SDM Vol. 3D B.2.1).
    pub enum Control64: Bits64, Control, writable, prefix "" {
        /// Physical address of I/O bitmap A, ports 0x0000-0x7FFF (SDM Vol. 3C 25.6.4).
        IO_BITMAP_A = 0x2000,
        /// Physical address of I/O bitmap B, ports 0x8000-0xFFFF (SDM Vol. 3C 25.6.4).
        IO_BITMAP_B = 0x2002,
        /// Physical address of the MSR bitmaps (SDM Vol. 3C 25.6.9).
        MSR_BITMAPS = 0x2004,
        /// VM-exit MSR-store address (SDM Vol. 3C 25.7.2).
        EXIT_MSR_STORE_ADDR = 0x2006,
        /// VM-exit MSR-load address (SDM Vol. 3C 25.7.2).
        EXIT_MSR_LOAD_ADDR = 0x2008,
        /// VM-entry MSR-load address (SDM Vol. 3C 25.8.2).
        ENTRY_MSR_LOAD_ADDR = 0x200A,
        /// Executive-VMCS pointer, dual-monitor treatment of SMM (SDM Vol. 3C 25.6.10).
        EXECUTIVE_VMCS_PTR = 0x200C,
        /// Page-modification-log address (SDM Vol. 3C 25.6, "enable PML").
        PML_ADDRESS = 0x200E,
        /// TSC offset (SDM Vol. 3C 25.6.5).
        TSC_OFFSET = 0x2010,
        /// Virtual-APIC address (SDM Vol. 3C 25.6.8).
        VIRTUAL_APIC_PAGE = 0x2012,
        /// APIC-access address (SDM Vol. 3C 25.6.8).
        APIC_ACCESS_ADDR = 0x2014,
        /// Extended-page-table pointer, EPTP (SDM Vol. 3C 25.6.11).
        EPT_POINTER = 0x201A,
        /// EOI-exit bitmap, vectors 0-63 (SDM Vol. 3C 25.6.8).
        EOI_EXIT_BITMAP_0 = 0x201C,
        /// EOI-exit bitmap, vectors 64-127.
        EOI_EXIT_BITMAP_1 = 0x201E,
        /// EOI-exit bitmap, vectors 128-191.
        EOI_EXIT_BITMAP_2 = 0x2020,
        /// EOI-exit bitmap, vectors 192-255.
        EOI_EXIT_BITMAP_3 = 0x2022,
        /// XSS-exiting bitmap (SDM Vol. 3C 25.6, "enable XSAVES/XRSTORS").
        XSS_EXITING_BITMAP = 0x202C,
    }
}

vmcs_fields! {
    /// Natural-width control fields (SDM Vol. 3D B.4.1).
    pub enum ControlNatural: Natural, Control, writable, prefix "" {
        /// CR0 guest/host mask: set bits are owned by the host (SDM Vol. 3C 25.6.6).
        CR0_GUEST_HOST_MASK = 0x6000,
        /// CR4 guest/host mask (SDM Vol. 3C 25.6.6).
        CR4_GUEST_HOST_MASK = 0x6002,
        /// CR0 read shadow: what the guest reads for host-owned bits (SDM Vol. 3C 25.6.6).
        CR0_READ_SHADOW = 0x6004,
        /// CR4 read shadow (SDM Vol. 3C 25.6.6).
        CR4_READ_SHADOW = 0x6006,
        /// CR3-target value 0 (SDM Vol. 3C 25.6.7).
        CR3_TARGET_VALUE0 = 0x6008,
        /// CR3-target value 1.
        CR3_TARGET_VALUE1 = 0x600A,
        /// CR3-target value 2.
        CR3_TARGET_VALUE2 = 0x600C,
        /// CR3-target value 3.
        CR3_TARGET_VALUE3 = 0x600E,
    }
}

vmcs_fields! {
    /// 16-bit guest-state fields (SDM Vol. 3D B.1.2; Vol. 3C 25.4).
    pub enum Guest16: Bits16, Guest, writable, prefix "GUEST_" {
        /// Guest ES selector.
        ES_SELECTOR = 0x0800,
        /// Guest CS selector.
        CS_SELECTOR = 0x0802,
        /// Guest SS selector.
        SS_SELECTOR = 0x0804,
        /// Guest DS selector.
        DS_SELECTOR = 0x0806,
        /// Guest FS selector.
        FS_SELECTOR = 0x0808,
        /// Guest GS selector.
        GS_SELECTOR = 0x080A,
        /// Guest LDTR selector.
        LDTR_SELECTOR = 0x080C,
        /// Guest TR selector.
        TR_SELECTOR = 0x080E,
        /// Guest interrupt status (RVI and SVI; virtual-interrupt delivery).
        INTERRUPT_STATUS = 0x0810,
        /// PML index (SDM Vol. 3C 25.4.2).
        PML_INDEX = 0x0812,
    }
}

vmcs_fields! {
    /// 32-bit guest-state fields (SDM Vol. 3D B.3.3; Vol. 3C 25.4).
    pub enum Guest32: Bits32, Guest, writable, prefix "GUEST_" {
        /// Guest ES limit.
        ES_LIMIT = 0x4800,
        /// Guest CS limit.
        CS_LIMIT = 0x4802,
        /// Guest SS limit.
        SS_LIMIT = 0x4804,
        /// Guest DS limit.
        DS_LIMIT = 0x4806,
        /// Guest FS limit.
        FS_LIMIT = 0x4808,
        /// Guest GS limit.
        GS_LIMIT = 0x480A,
        /// Guest LDTR limit.
        LDTR_LIMIT = 0x480C,
        /// Guest TR limit.
        TR_LIMIT = 0x480E,
        /// Guest GDTR limit.
        GDTR_LIMIT = 0x4810,
        /// Guest IDTR limit.
        IDTR_LIMIT = 0x4812,
        /// Guest ES access rights (SDM Vol. 3C 25.4.1, Table 25-2).
        ES_ACCESS_RIGHTS = 0x4814,
        /// Guest CS access rights.
        CS_ACCESS_RIGHTS = 0x4816,
        /// Guest SS access rights.
        SS_ACCESS_RIGHTS = 0x4818,
        /// Guest DS access rights.
        DS_ACCESS_RIGHTS = 0x481A,
        /// Guest FS access rights.
        FS_ACCESS_RIGHTS = 0x481C,
        /// Guest GS access rights.
        GS_ACCESS_RIGHTS = 0x481E,
        /// Guest LDTR access rights.
        LDTR_ACCESS_RIGHTS = 0x4820,
        /// Guest TR access rights.
        TR_ACCESS_RIGHTS = 0x4822,
        /// Guest interruptibility state (SDM Vol. 3C 25.4.2, Table 25-3).
        INTERRUPTIBILITY_STATE = 0x4824,
        /// Guest activity state (SDM Vol. 3C 25.4.2).
        ACTIVITY_STATE = 0x4826,
        /// Guest SMBASE.
        SMBASE = 0x4828,
        /// Guest IA32_SYSENTER_CS.
        SYSENTER_CS = 0x482A,
        /// VMX-preemption timer value (SDM Vol. 3C 25.4.2).
        PREEMPTION_TIMER_VALUE = 0x482E,
    }
}

vmcs_fields! {
    /// 64-bit guest-state fields, full access type (SDM Vol. 3D B.2.3,
    /// Vol. 3C 25.4).
    pub enum Guest64: Bits64, Guest, writable, prefix "GUEST_" {
        /// VMCS link pointer; must be all ones unless VMCS shadowing is used.
        VMCS_LINK_POINTER = 0x2800,
        /// Guest IA32_DEBUGCTL.
        DEBUGCTL = 0x2802,
        /// Guest IA32_PAT.
        PAT = 0x2804,
        /// Guest IA32_EFER.
        EFER = 0x2806,
        /// Guest IA32_PERF_GLOBAL_CTRL.
        PERF_GLOBAL_CTRL = 0x2808,
        /// Guest PDPTE0 (PAE paging with EPT).
        PDPTE0 = 0x280A,
        /// Guest PDPTE1.
        PDPTE1 = 0x280C,
        /// Guest PDPTE2.
        PDPTE2 = 0x280E,
        /// Guest PDPTE3.
        PDPTE3 = 0x2810,
    }
}

vmcs_fields! {
    /// Natural-width guest-state fields (SDM Vol. 3D B.4.3;
    /// Vol. 3C 25.4).
    pub enum GuestNatural: Natural, Guest, writable, prefix "GUEST_" {
        /// Guest CR0.
        CR0 = 0x6800,
        /// Guest CR3.
        CR3 = 0x6802,
        /// Guest CR4.
        CR4 = 0x6804,
        /// Guest ES base.
        ES_BASE = 0x6806,
        /// Guest CS base.
        CS_BASE = 0x6808,
        /// Guest SS base.
        SS_BASE = 0x680A,
        /// Guest DS base.
        DS_BASE = 0x680C,
        /// Guest FS base.
        FS_BASE = 0x680E,
        /// Guest GS base.
        GS_BASE = 0x6810,
        /// Guest LDTR base.
        LDTR_BASE = 0x6812,
        /// Guest TR base.
        TR_BASE = 0x6814,
        /// Guest GDTR base.
        GDTR_BASE = 0x6816,
        /// Guest IDTR base.
        IDTR_BASE = 0x6818,
        /// Guest DR7.
        DR7 = 0x681A,
        /// Guest RSP.
        RSP = 0x681C,
        /// Guest RIP.
        RIP = 0x681E,
        /// Guest RFLAGS.
        RFLAGS = 0x6820,
        /// Guest pending debug exceptions (SDM Vol. 3C 25.4.2).
        PENDING_DEBUG_EXCEPTIONS = 0x6822,
        /// Guest IA32_SYSENTER_ESP.
        SYSENTER_ESP = 0x6824,
        /// Guest IA32_SYSENTER_EIP.
        SYSENTER_EIP = 0x6826,
    }
}

vmcs_fields! {
    /// 16-bit host-state fields (SDM Vol. 3D B.1.3; Vol. 3C 25.5).
    pub enum Host16: Bits16, Host, writable, prefix "HOST_" {
        /// Host ES selector.
        ES_SELECTOR = 0x0C00,
        /// Host CS selector.
        CS_SELECTOR = 0x0C02,
        /// Host SS selector.
        SS_SELECTOR = 0x0C04,
        /// Host DS selector.
        DS_SELECTOR = 0x0C06,
        /// Host FS selector.
        FS_SELECTOR = 0x0C08,
        /// Host GS selector.
        GS_SELECTOR = 0x0C0A,
        /// Host TR selector.
        TR_SELECTOR = 0x0C0C,
    }
}

vmcs_fields! {
    /// 32-bit host-state field (SDM Vol. 3D B.3.4; Vol. 3C 25.5).
    pub enum Host32: Bits32, Host, writable, prefix "HOST_" {
        /// Host IA32_SYSENTER_CS.
        SYSENTER_CS = 0x4C00,
    }
}

vmcs_fields! {
    /// 64-bit host-state fields, full access type (SDM Vol. 3D B.2.4,
    /// Vol. 3C 25.5).
    pub enum Host64: Bits64, Host, writable, prefix "HOST_" {
        /// Host IA32_PAT.
        PAT = 0x2C00,
        /// Host IA32_EFER.
        EFER = 0x2C02,
        /// Host IA32_PERF_GLOBAL_CTRL.
        PERF_GLOBAL_CTRL = 0x2C04,
    }
}

vmcs_fields! {
    /// Natural-width host-state fields (SDM Vol. 3D B.4.4;
    /// Vol. 3C 25.5).
    pub enum HostNatural: Natural, Host, writable, prefix "HOST_" {
        /// Host CR0.
        CR0 = 0x6C00,
        /// Host CR3.
        CR3 = 0x6C02,
        /// Host CR4.
        CR4 = 0x6C04,
        /// Host FS base.
        FS_BASE = 0x6C06,
        /// Host GS base.
        GS_BASE = 0x6C08,
        /// Host TR base.
        TR_BASE = 0x6C0A,
        /// Host GDTR base.
        GDTR_BASE = 0x6C0C,
        /// Host IDTR base.
        IDTR_BASE = 0x6C0E,
        /// Host IA32_SYSENTER_ESP.
        SYSENTER_ESP = 0x6C10,
        /// Host IA32_SYSENTER_EIP.
        SYSENTER_EIP = 0x6C12,
        /// Host RSP, loaded on every VM exit.
        RSP = 0x6C14,
        /// Host RIP: where every VM exit continues.
        RIP = 0x6C16,
    }
}

vmcs_fields! {
    /// 32-bit VM-exit information fields, read-only (SDM Vol. 3D B.3.2,
    /// Vol. 3C 25.9).
    pub enum ExitInfo32: Bits32, ExitInfo, read_only, prefix "" {
        /// VM-instruction error: why the last VMX instruction failed with
        /// VMfailValid (SDM Vol. 3C 31.4).
        VM_INSTRUCTION_ERROR = 0x4400,
        /// Exit reason (SDM Vol. 3C 25.9.1).
        EXIT_REASON = 0x4402,
        /// VM-exit interruption information (SDM Vol. 3C 25.9.2).
        EXIT_INTERRUPTION_INFO = 0x4404,
        /// VM-exit interruption error code (SDM Vol. 3C 25.9.2).
        EXIT_INTERRUPTION_ERROR_CODE = 0x4406,
        /// IDT-vectoring information (SDM Vol. 3C 25.9.3).
        IDT_VECTORING_INFO = 0x4408,
        /// IDT-vectoring error code (SDM Vol. 3C 25.9.3).
        IDT_VECTORING_ERROR_CODE = 0x440A,
        /// VM-exit instruction length (SDM Vol. 3C 25.9.4).
        EXIT_INSTRUCTION_LENGTH = 0x440C,
        /// VM-exit instruction information (SDM Vol. 3C 25.9.4).
        EXIT_INSTRUCTION_INFO = 0x440E,
    }
}

vmcs_fields! {
    /// 64-bit VM-exit information field, read-only (SDM Vol. 3D B.2.2,
    /// Vol. 3C 25.9).
    pub enum ExitInfo64: Bits64, ExitInfo, read_only, prefix "" {
        /// Guest-physical address of an EPT violation or misconfiguration.
        GUEST_PHYSICAL_ADDRESS = 0x2400,
    }
}

vmcs_fields! {
    /// Natural-width VM-exit information fields, read-only (SDM Vol. 3D
    /// B.4.2; Vol. 3C 25.9).
    pub enum ExitInfoNatural: Natural, ExitInfo, read_only, prefix "" {
        /// Exit qualification (SDM Vol. 3C 28.2.1).
        EXIT_QUALIFICATION = 0x6400,
        /// I/O RCX (SMIs after I/O instructions).
        IO_RCX = 0x6402,
        /// I/O RSI.
        IO_RSI = 0x6404,
        /// I/O RDI.
        IO_RDI = 0x6406,
        /// I/O RIP.
        IO_RIP = 0x6408,
        /// Guest-linear address (SDM Vol. 3C 25.9.1).
        GUEST_LINEAR_ADDRESS = 0x640A,
    }
}

/// Number of fields in [`DUMP_ORDER`]: every field of this module.
pub const FIELD_COUNT: usize = Guest16::ALL.len()
    + Guest32::ALL.len()
    + Guest64::ALL.len()
    + GuestNatural::ALL.len()
    + Host16::ALL.len()
    + Host32::ALL.len()
    + Host64::ALL.len()
    + HostNatural::ALL.len()
    + Control16::ALL.len()
    + Control32::ALL.len()
    + Control64::ALL.len()
    + ControlNatural::ALL.len()
    + ExitInfo32::ALL.len()
    + ExitInfo64::ALL.len()
    + ExitInfoNatural::ALL.len();

/// Every field of this module as `(name, encoding)`, grouped guest state,
/// host state, controls, VM-exit information (each group 16-bit, 32-bit,
/// 64-bit, natural width), for a human-readable VMCS dump.
///
/// The width of each field is [`FieldWidth::of_encoding`] of its encoding. A
/// dump should expect `VMREAD` to fail for fields the processor does not
/// support (VM-instruction error 12) and print that instead of stopping.
pub const DUMP_ORDER: &[(&str, u32)] = &build_dump_order();

/// Builds [`DUMP_ORDER`] at compile time.
const fn build_dump_order() -> [(&'static str, u32); FIELD_COUNT] {
    let mut out = [("", 0); FIELD_COUNT];
    let mut n = 0;
    macro_rules! push {
        ($($group:ident),+) => {
            $(
                let mut i = 0;
                while i < $group::ALL.len() {
                    let field = $group::ALL[i];
                    out[n] = (field.name(), field.encoding());
                    n += 1;
                    i += 1;
                }
            )+
        };
    }
    push!(
        Guest16,
        Guest32,
        Guest64,
        GuestNatural,
        Host16,
        Host32,
        Host64,
        HostNatural,
        Control16,
        Control32,
        Control64,
        ControlNatural,
        ExitInfo32,
        ExitInfo64,
        ExitInfoNatural
    );
    assert!(n == FIELD_COUNT);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks one group: every variant decodes to the group's width and type,
    /// is a "full" encoding with reserved bits clear, and the group is in
    /// strictly increasing encoding order.
    fn check_group<F: VmcsField + core::fmt::Debug>(all: &[F], width: FieldWidth, kind: FieldType) {
        assert!(!all.is_empty());
        for &field in all {
            let enc = field.encoding();
            assert_eq!(FieldWidth::of_encoding(enc), width, "{field:?} = {enc:#06x} has the wrong width");
            assert_eq!(FieldType::of_encoding(enc), kind, "{field:?} = {enc:#06x} has the wrong type");
            assert_eq!(field.width(), width);
            assert_eq!(field.field_type(), kind);
            assert!(!is_high_access(enc), "{field:?} = {enc:#06x} is a high access");
            // Bit 12 and bits 31:15 are reserved and must be 0 (SDM 25.11.2).
            assert_eq!(enc & !0x6FFF, 0, "{field:?} = {enc:#06x} sets reserved bits");
        }
        for pair in all.windows(2) {
            assert!(pair[0].encoding() < pair[1].encoding(), "{:?} !< {:?}", pair[0], pair[1]);
        }
    }

    /// Checks a group and that its readable/writable traits are what is
    /// expected (the marker traits are checked by the trait bounds).
    fn check_readable<F: VmcsReadable + core::fmt::Debug>(all: &[F], width: FieldWidth, kind: FieldType) {
        check_group(all, width, kind);
    }

    fn check_writable<F: VmcsWritable + VmcsReadable + core::fmt::Debug>(
        all: &[F],
        width: FieldWidth,
        kind: FieldType,
    ) {
        check_group(all, width, kind);
        assert_ne!(kind, FieldType::ExitInfo, "VM-exit information must not be writable");
    }

    #[test]
    fn every_group_decodes_to_its_width_and_type() {
        check_writable(Control16::ALL, Control16::WIDTH, Control16::TYPE);
        check_writable(Control32::ALL, Control32::WIDTH, Control32::TYPE);
        check_writable(Control64::ALL, Control64::WIDTH, Control64::TYPE);
        check_writable(ControlNatural::ALL, ControlNatural::WIDTH, ControlNatural::TYPE);
        check_writable(Guest16::ALL, Guest16::WIDTH, Guest16::TYPE);
        check_writable(Guest32::ALL, Guest32::WIDTH, Guest32::TYPE);
        check_writable(Guest64::ALL, Guest64::WIDTH, Guest64::TYPE);
        check_writable(GuestNatural::ALL, GuestNatural::WIDTH, GuestNatural::TYPE);
        check_writable(Host16::ALL, Host16::WIDTH, Host16::TYPE);
        check_writable(Host32::ALL, Host32::WIDTH, Host32::TYPE);
        check_writable(Host64::ALL, Host64::WIDTH, Host64::TYPE);
        check_writable(HostNatural::ALL, HostNatural::WIDTH, HostNatural::TYPE);
        check_readable(ExitInfo32::ALL, ExitInfo32::WIDTH, ExitInfo32::TYPE);
        check_readable(ExitInfo64::ALL, ExitInfo64::WIDTH, ExitInfo64::TYPE);
        check_readable(ExitInfoNatural::ALL, ExitInfoNatural::WIDTH, ExitInfoNatural::TYPE);
    }

    #[test]
    fn group_constants_are_what_the_names_say() {
        use FieldType::*;
        use FieldWidth::*;
        let groups = [
            (Control16::WIDTH, Control16::TYPE, Bits16, Control),
            (Control32::WIDTH, Control32::TYPE, Bits32, Control),
            (Control64::WIDTH, Control64::TYPE, Bits64, Control),
            (ControlNatural::WIDTH, ControlNatural::TYPE, Natural, Control),
            (Guest16::WIDTH, Guest16::TYPE, Bits16, Guest),
            (Guest32::WIDTH, Guest32::TYPE, Bits32, Guest),
            (Guest64::WIDTH, Guest64::TYPE, Bits64, Guest),
            (GuestNatural::WIDTH, GuestNatural::TYPE, Natural, Guest),
            (Host16::WIDTH, Host16::TYPE, Bits16, Host),
            (Host32::WIDTH, Host32::TYPE, Bits32, Host),
            (Host64::WIDTH, Host64::TYPE, Bits64, Host),
            (HostNatural::WIDTH, HostNatural::TYPE, Natural, Host),
            (ExitInfo32::WIDTH, ExitInfo32::TYPE, Bits32, ExitInfo),
            (ExitInfo64::WIDTH, ExitInfo64::TYPE, Bits64, ExitInfo),
            (ExitInfoNatural::WIDTH, ExitInfoNatural::TYPE, Natural, ExitInfo),
        ];
        for (i, (width, kind, want_width, want_kind)) in groups.into_iter().enumerate() {
            assert_eq!((width, kind), (want_width, want_kind), "group {i}");
        }
    }

    #[test]
    fn layout_decoding_follows_25_11_2() {
        assert_eq!(FieldWidth::of_encoding(0x0000), FieldWidth::Bits16);
        assert_eq!(FieldWidth::of_encoding(0x2000), FieldWidth::Bits64);
        assert_eq!(FieldWidth::of_encoding(0x4000), FieldWidth::Bits32);
        assert_eq!(FieldWidth::of_encoding(0x6000), FieldWidth::Natural);
        assert_eq!(FieldType::of_encoding(0x0000), FieldType::Control);
        assert_eq!(FieldType::of_encoding(0x0400), FieldType::ExitInfo);
        assert_eq!(FieldType::of_encoding(0x0800), FieldType::Guest);
        assert_eq!(FieldType::of_encoding(0x0C00), FieldType::Host);
        // Index bits and the access-type bit do not disturb either field.
        assert_eq!(FieldWidth::of_encoding(0x03FF), FieldWidth::Bits16);
        assert_eq!(FieldType::of_encoding(0x63FF), FieldType::Control);
        // Bit 12 is reserved and not part of the type.
        assert_eq!(FieldType::of_encoding(0x1000), FieldType::Control);
        assert!(is_high_access(0x2001));
        assert!(!is_high_access(0x2000));
    }

    #[test]
    fn spot_check_encodings() {
        // The fields the VMX core uses first, against SDM Appendix B.
        assert_eq!(Control16::VPID.encoding(), 0x0000);
        assert_eq!(Control32::PRIMARY_PROC_BASED.encoding(), 0x4002);
        assert_eq!(Control32::SECONDARY_PROC_BASED.encoding(), 0x401E);
        assert_eq!(Control64::MSR_BITMAPS.encoding(), 0x2004);
        assert_eq!(Control64::EPT_POINTER.encoding(), 0x201A);
        assert_eq!(Guest16::TR_SELECTOR.encoding(), 0x080E);
        assert_eq!(Guest32::PREEMPTION_TIMER_VALUE.encoding(), 0x482E);
        assert_eq!(Guest64::VMCS_LINK_POINTER.encoding(), 0x2800);
        assert_eq!(GuestNatural::RIP.encoding(), 0x681E);
        assert_eq!(GuestNatural::RFLAGS.encoding(), 0x6820);
        assert_eq!(Host16::TR_SELECTOR.encoding(), 0x0C0C);
        assert_eq!(HostNatural::RSP.encoding(), 0x6C14);
        assert_eq!(HostNatural::RIP.encoding(), 0x6C16);
        assert_eq!(ExitInfo32::VM_INSTRUCTION_ERROR.encoding(), 0x4400);
        assert_eq!(ExitInfo32::EXIT_REASON.encoding(), 0x4402);
        assert_eq!(ExitInfo64::GUEST_PHYSICAL_ADDRESS.encoding(), 0x2400);
        assert_eq!(ExitInfoNatural::EXIT_QUALIFICATION.encoding(), 0x6400);
        // The trait and the const fn agree.
        assert_eq!(VmcsField::encoding(GuestNatural::RIP), GuestNatural::RIP.encoding());
        assert_eq!(VmcsField::name(GuestNatural::RIP), "GUEST_RIP");
        // Names are the variant names, prefixed for guest and host state.
        assert_eq!(HostNatural::RIP.name(), "HOST_RIP");
        assert_eq!(Guest32::INTERRUPTIBILITY_STATE.name(), "GUEST_INTERRUPTIBILITY_STATE");
        assert_eq!(Control32::PIN_BASED.name(), "PIN_BASED");
        assert_eq!(Control16::POSTED_INTR_NOTIFICATION_VECTOR.name(), "POSTED_INTR_NOTIFICATION_VECTOR");
        assert_eq!(ExitInfo32::EXIT_REASON.name(), "EXIT_REASON");
        assert_eq!(ExitInfo64::GUEST_PHYSICAL_ADDRESS.name(), "GUEST_PHYSICAL_ADDRESS");
        // The enums can be cast to their encodings.
        assert_eq!(ExitInfo32::VM_INSTRUCTION_ERROR as u32, 0x4400);
    }

    #[test]
    fn indices_are_contiguous_where_the_sdm_lists_runs() {
        // Segment fields come in ES, CS, SS, DS, FS, GS, LDTR, TR order with
        // consecutive indices (encodings two apart).
        let limits = &Guest32::ALL[..10];
        for (field, i) in limits.iter().zip(0u32..) {
            assert_eq!(field.encoding(), 0x4800 + 2 * i, "{field:?}");
        }
        let rights = &Guest32::ALL[10..18];
        for (field, i) in rights.iter().zip(0u32..) {
            assert_eq!(field.encoding(), 0x4814 + 2 * i, "{field:?}");
        }
        for (field, i) in GuestNatural::ALL.iter().zip(0u32..) {
            assert_eq!(field.encoding(), 0x6800 + 2 * i, "{field:?}");
        }
        for (field, i) in HostNatural::ALL.iter().zip(0u32..) {
            assert_eq!(field.encoding(), 0x6C00 + 2 * i, "{field:?}");
        }
        for (field, i) in Control32::ALL.iter().zip(0u32..) {
            assert_eq!(field.encoding(), 0x4000 + 2 * i, "{field:?}");
        }
    }

    #[test]
    fn dump_order_lists_every_field_once_grouped() {
        assert_eq!(DUMP_ORDER.len(), FIELD_COUNT);
        assert_eq!(FIELD_COUNT, 3 + 18 + 13 + 8 + 10 + 23 + 9 + 20 + 7 + 1 + 3 + 16 + 8 + 1 + 6);
        for (i, (name, enc)) in DUMP_ORDER.iter().enumerate() {
            for (other_name, other_enc) in &DUMP_ORDER[i + 1..] {
                assert_ne!(name, other_name, "duplicate name");
                assert_ne!(enc, other_enc, "{name} and {other_name} share an encoding");
            }
        }
        // Grouping: guest, then host, then control, then exit information.
        let rank = |enc: u32| match FieldType::of_encoding(enc) {
            FieldType::Guest => 0,
            FieldType::Host => 1,
            FieldType::Control => 2,
            FieldType::ExitInfo => 3,
        };
        for pair in DUMP_ORDER.windows(2) {
            assert!(rank(pair[0].1) <= rank(pair[1].1), "{} before {}", pair[0].0, pair[1].0);
        }
        assert_eq!(DUMP_ORDER[0], ("GUEST_ES_SELECTOR", 0x0800));
        assert_eq!(DUMP_ORDER[FIELD_COUNT - 1], ("GUEST_LINEAR_ADDRESS", 0x640A));
        // Names carry the area prefix for guest and host fields.
        for &(name, enc) in DUMP_ORDER {
            match FieldType::of_encoding(enc) {
                FieldType::Guest => assert!(name.starts_with("GUEST_"), "{name}"),
                FieldType::Host => assert!(name.starts_with("HOST_"), "{name}"),
                _ => {}
            }
        }
    }
}
