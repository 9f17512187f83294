//! Typed exit qualifications for control-register accesses, I/O instructions
//! and EPT violations, and the instruction information of INS/OUTS exits.
//!
//! Reference: Intel SDM, Order Number 325462-083US, March 2024, Vol. 3C
//! Section 28.2.1 ("Basic VM-Exit Information"), tables "Exit Qualification
//! for Control-Register Accesses", "Exit Qualification for I/O Instructions"
//! and "Exit Qualification for EPT Violations"; Section 28.2.5 ("Information
//! for VM Exits Due to Instruction Execution"), table "Format of the VM-Exit
//! Instruction-Information Field as Used for INS and OUTS".
//!
//! Why: the exit qualification
//! ([`ExitInfoNatural::EXIT_QUALIFICATION`](crate::ExitInfoNatural::EXIT_QUALIFICATION))
//! is a packed 64-bit value whose layout depends on the exit reason. The VMX
//! core decodes it once here into named fields, so the handlers read `port`
//! or `write` instead of shifting bits, and the decoding is tested on the host.
//! Bits the SDM marks "not currently defined" are ignored.

use core::fmt;

use crate::bits::{bit, field_u16, field_u8};

/// Names of the general-purpose registers by the 4-bit number used in exit
/// qualifications and instruction information (0 = RAX, 1 = RCX, 2 = RDX,
/// 3 = RBX, 4 = RSP, 5 = RBP, 6 = RSI, 7 = RDI, 8-15 = R8-R15). Numbers above
/// 15 give `"?"`.
pub const fn gpr_name(index: u8) -> &'static str {
    match index {
        0 => "RAX",
        1 => "RCX",
        2 => "RDX",
        3 => "RBX",
        4 => "RSP",
        5 => "RBP",
        6 => "RSI",
        7 => "RDI",
        8 => "R8",
        9 => "R9",
        10 => "R10",
        11 => "R11",
        12 => "R12",
        13 => "R13",
        14 => "R14",
        15 => "R15",
        _ => "?",
    }
}

/// The kind of control-register access, bits 5:4 of the qualification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CrAccessType {
    /// 0: MOV to CR.
    MovToCr,
    /// 1: MOV from CR.
    MovFromCr,
    /// 2: CLTS.
    Clts,
    /// 3: LMSW.
    Lmsw,
}

/// Exit qualification of a control-register access (exit reason 28; SDM
/// Vol. 3C 28.2.1, "Exit Qualification for Control-Register Accesses").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CrAccess {
    /// Bits 3:0: the control register (0 for CLTS and LMSW).
    pub cr: u8,
    /// Bits 5:4: the kind of access.
    pub access: CrAccessType,
    /// Bit 6: for LMSW, the operand is in memory (`false`: a register).
    /// Always `false` for the other kinds.
    pub lmsw_memory_operand: bool,
    /// Bits 11:8: for MOV CR, the general-purpose register (see
    /// [`gpr_name`]). 0 for CLTS and LMSW.
    pub gpr: u8,
    /// Bits 31:16: for LMSW, the source data. 0 for the other kinds.
    pub lmsw_source_data: u16,
}

impl CrAccess {
    /// Decodes the exit qualification.
    pub const fn from_raw(raw: u64) -> Self {
        let access = match field_u8(raw, 5, 4) {
            0 => CrAccessType::MovToCr,
            1 => CrAccessType::MovFromCr,
            2 => CrAccessType::Clts,
            _ => CrAccessType::Lmsw,
        };
        Self {
            cr: field_u8(raw, 3, 0),
            access,
            lmsw_memory_operand: bit(raw, 6),
            gpr: field_u8(raw, 11, 8),
            lmsw_source_data: field_u16(raw, 31, 16),
        }
    }
}

impl fmt::Display for CrAccess {
    /// `MOV CR3, RAX`, `MOV RBX, CR8`, `CLTS`, `LMSW 0x0001 (memory operand)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.access {
            CrAccessType::MovToCr => write!(f, "MOV CR{}, {}", self.cr, gpr_name(self.gpr)),
            CrAccessType::MovFromCr => write!(f, "MOV {}, CR{}", gpr_name(self.gpr), self.cr),
            CrAccessType::Clts => f.write_str("CLTS"),
            CrAccessType::Lmsw => {
                let operand = if self.lmsw_memory_operand { "memory" } else { "register" };
                write!(f, "LMSW {:#06x} ({operand} operand)", self.lmsw_source_data)
            }
        }
    }
}

/// Direction of an I/O instruction, bit 3 of the qualification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IoDirection {
    /// 0: OUT or OUTS.
    Out,
    /// 1: IN or INS.
    In,
}

/// Exit qualification of an I/O instruction (exit reason 30; SDM Vol. 3C
/// 28.2.1, "Exit Qualification for I/O Instructions").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IoQualification {
    /// Bits 2:0 plus 1: the access size in bytes, 1, 2 or 4 (encoded 0, 1,
    /// 3). The processor reports no other value; an unused encoding would
    /// decode to 3 or 5-8.
    pub size: u8,
    /// Bit 3: IN or OUT.
    pub direction: IoDirection,
    /// Bit 4: a string instruction (INS/OUTS).
    pub string: bool,
    /// Bit 5: REP prefixed.
    pub rep: bool,
    /// Bit 6: the port was an immediate operand (`false`: it was in DX).
    pub immediate_operand: bool,
    /// Bits 31:16: the port number.
    pub port: u16,
}

impl IoQualification {
    /// Decodes the exit qualification.
    pub const fn from_raw(raw: u64) -> Self {
        Self {
            size: field_u8(raw, 2, 0) + 1,
            direction: if bit(raw, 3) { IoDirection::In } else { IoDirection::Out },
            string: bit(raw, 4),
            rep: bit(raw, 5),
            immediate_operand: bit(raw, 6),
            port: field_u16(raw, 31, 16),
        }
    }

    /// Whether the instruction is IN or INS (reads from the port).
    pub const fn is_in(&self) -> bool {
        matches!(self.direction, IoDirection::In)
    }
}

impl fmt::Display for IoQualification {
    /// `IN port 0x60 (immediate), 1 byte`, `REP OUTS port 0x3f8, 2 bytes`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rep = if self.rep { "REP " } else { "" };
        let op = match (self.direction, self.string) {
            (IoDirection::In, false) => "IN",
            (IoDirection::In, true) => "INS",
            (IoDirection::Out, false) => "OUT",
            (IoDirection::Out, true) => "OUTS",
        };
        let immediate = if self.immediate_operand { " (immediate)" } else { "" };
        let unit = if self.size == 1 { "byte" } else { "bytes" };
        write!(f, "{rep}{op} port {:#x}{immediate}, {} {unit}", self.port, self.size)
    }
}

/// Exit qualification of an EPT violation (exit reason 48; SDM Vol. 3C
/// 28.2.1, "Exit Qualification for EPT Violations"). The guest-physical
/// address is in [`ExitInfo64::GUEST_PHYSICAL_ADDRESS`](crate::ExitInfo64::GUEST_PHYSICAL_ADDRESS).
///
/// Bits 9-11 (advanced VM-exit information), 13-16 (shadow stacks, guest
/// paging verification and later additions) are not decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EptViolation {
    /// Bit 0: the access was a data read.
    pub read: bool,
    /// Bit 1: the access was a data write.
    pub write: bool,
    /// Bit 2: the access was an instruction fetch.
    pub fetch: bool,
    /// Bit 3: the guest-physical address was readable (AND of bit 0 of the
    /// EPT paging-structure entries used to translate it).
    pub readable: bool,
    /// Bit 4: the address was writable (AND of bit 1).
    pub writable: bool,
    /// Bit 5: the address was executable (AND of bit 2; with mode-based
    /// execute control, executable for supervisor-mode linear addresses).
    pub executable: bool,
    /// Bit 6: executable for user-mode linear addresses (AND of bit 10).
    /// Meaningful only if the "mode-based execute control for EPT"
    /// VM-execution control is 1.
    pub user_executable: bool,
    /// Bit 7: the guest-linear-address field
    /// ([`ExitInfoNatural::GUEST_LINEAR_ADDRESS`](crate::ExitInfoNatural::GUEST_LINEAR_ADDRESS))
    /// is valid.
    pub guest_linear_address_valid: bool,
    /// Bit 8, defined only when bit 7 is set: the access was to the
    /// translation of a linear address (`false`: to a guest paging-structure
    /// entry during a page walk). Decoded as `false` when bit 7 is clear.
    pub caused_by_translation: bool,
    /// Bit 12: the violation happened while executing IRET that unblocked
    /// NMIs ("NMI unblocking due to IRET", SDM Vol. 3C 28.2.3); the VMM must
    /// re-block NMIs before resuming if it re-executes the IRET.
    pub nmi_unblocking: bool,
}

impl EptViolation {
    /// Decodes the exit qualification.
    pub const fn from_raw(raw: u64) -> Self {
        let linear_valid = bit(raw, 7);
        Self {
            read: bit(raw, 0),
            write: bit(raw, 1),
            fetch: bit(raw, 2),
            readable: bit(raw, 3),
            writable: bit(raw, 4),
            executable: bit(raw, 5),
            user_executable: bit(raw, 6),
            guest_linear_address_valid: linear_valid,
            caused_by_translation: linear_valid && bit(raw, 8),
            nmi_unblocking: bit(raw, 12),
        }
    }
}

impl fmt::Display for EptViolation {
    /// `write to r-x page, linear address valid (translation)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (set, text) in [(self.read, "read"), (self.write, "write"), (self.fetch, "fetch")] {
            if set {
                if !first {
                    f.write_str("/")?;
                }
                f.write_str(text)?;
                first = false;
            }
        }
        if first {
            f.write_str("no access")?;
        }
        let r = if self.readable { 'r' } else { '-' };
        let w = if self.writable { 'w' } else { '-' };
        let x = if self.executable { 'x' } else { '-' };
        write!(f, " to {r}{w}{x} page")?;
        if self.guest_linear_address_valid {
            let what = if self.caused_by_translation { "translation" } else { "page walk" };
            write!(f, ", linear address valid ({what})")?;
        }
        if self.nmi_unblocking {
            f.write_str(", NMI unblocked by IRET")?;
        }
        Ok(())
    }
}

/// Address size of a string I/O instruction, bits 9:7 of the instruction
/// information.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressSize {
    /// 0: 16-bit (SI/DI).
    Bits16,
    /// 1: 32-bit (ESI/EDI).
    Bits32,
    /// 2: 64-bit (RSI/RDI).
    Bits64,
}

impl AddressSize {
    /// The size in bits: 16, 32 or 64.
    pub const fn bits(self) -> u8 {
        match self {
            Self::Bits16 => 16,
            Self::Bits32 => 32,
            Self::Bits64 => 64,
        }
    }
}

/// A segment register, numbered as in instruction-information fields
/// (0 = ES, 1 = CS, 2 = SS, 3 = DS, 4 = FS, 5 = GS).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SegmentRegister {
    /// 0: ES.
    Es,
    /// 1: CS.
    Cs,
    /// 2: SS.
    Ss,
    /// 3: DS.
    Ds,
    /// 4: FS.
    Fs,
    /// 5: GS.
    Gs,
}

impl SegmentRegister {
    /// The register's name, e.g. `"DS"`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Es => "ES",
            Self::Cs => "CS",
            Self::Ss => "SS",
            Self::Ds => "DS",
            Self::Fs => "FS",
            Self::Gs => "GS",
        }
    }
}

/// The VM-exit instruction-information field of an INS or OUTS exit (SDM
/// Vol. 3C 28.2.5, "Format of the VM-Exit Instruction-Information Field as
/// Used for INS and OUTS"). Reported only if IA32_VMX_BASIC bit 54 is set
/// ([`VmxBasic::ins_outs_exit_info`](crate::VmxBasic::ins_outs_exit_info)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IoStringInfo {
    /// Bits 9:7: the address size.
    pub address_size: AddressSize,
    /// Bits 17:15 for OUTS: the source segment. INS always writes through
    /// ES; its field is undefined and not read.
    pub segment: SegmentRegister,
}

impl IoStringInfo {
    /// Decodes the instruction information of a string I/O exit;
    /// `direction` is [`IoQualification::direction`] of the same exit.
    /// Returns `None` for encodings the SDM does not use (address size 3-7,
    /// segment 6-7).
    pub const fn from_raw(raw: u32, direction: IoDirection) -> Option<Self> {
        let raw = raw as u64;
        let address_size = match field_u8(raw, 9, 7) {
            0 => AddressSize::Bits16,
            1 => AddressSize::Bits32,
            2 => AddressSize::Bits64,
            _ => return None,
        };
        let segment = match direction {
            IoDirection::In => SegmentRegister::Es,
            IoDirection::Out => match field_u8(raw, 17, 15) {
                0 => SegmentRegister::Es,
                1 => SegmentRegister::Cs,
                2 => SegmentRegister::Ss,
                3 => SegmentRegister::Ds,
                4 => SegmentRegister::Fs,
                5 => SegmentRegister::Gs,
                _ => return None,
            },
        };
        Some(Self { address_size, segment })
    }
}

impl fmt::Display for IoStringInfo {
    /// `64-bit addresses, segment DS`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-bit addresses, segment {}", self.address_size.bits(), self.segment.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cr_access_kinds() {
        // MOV CR3, RAX.
        let q = CrAccess::from_raw(0x3);
        assert_eq!(q.cr, 3);
        assert_eq!(q.access, CrAccessType::MovToCr);
        assert_eq!(q.gpr, 0);
        assert_eq!(q.to_string(), "MOV CR3, RAX");
        // MOV R15, CR8.
        let q = CrAccess::from_raw(8 | (1 << 4) | (15 << 8));
        assert_eq!((q.cr, q.access, q.gpr), (8, CrAccessType::MovFromCr, 15));
        assert_eq!(q.to_string(), "MOV R15, CR8");
        // MOV CR4, RSP: register 4 is RSP, not a typo for RBX.
        assert_eq!(CrAccess::from_raw(4 | (4 << 8)).to_string(), "MOV CR4, RSP");
        // CLTS.
        let q = CrAccess::from_raw(2 << 4);
        assert_eq!(q.access, CrAccessType::Clts);
        assert_eq!(q.to_string(), "CLTS");
        // LMSW with a memory operand and source data 0x000F.
        let q = CrAccess::from_raw((3 << 4) | (1 << 6) | (0x000F << 16));
        assert_eq!(q.access, CrAccessType::Lmsw);
        assert!(q.lmsw_memory_operand);
        assert_eq!(q.lmsw_source_data, 0x000F);
        assert_eq!(q.to_string(), "LMSW 0x000f (memory operand)");
    }

    #[test]
    fn cr_access_ignores_undefined_bits() {
        // Bit 7, bits 15:12 and 63:32 are not defined.
        let noise = (1 << 7) | (0xF << 12) | (0xFFFF_FFFF << 32);
        let q = CrAccess::from_raw(noise | 3 | (1 << 4) | (2 << 8));
        assert_eq!(q, CrAccess::from_raw(3 | (1 << 4) | (2 << 8)));
        assert_eq!(q.gpr, 2);
        assert_eq!(q.lmsw_source_data, 0);
        assert!(!q.lmsw_memory_operand);
    }

    #[test]
    fn io_qualification() {
        // OUT DX, AL with DX = 0x3F8.
        let q = IoQualification::from_raw(0x3F8 << 16);
        assert_eq!(q.size, 1);
        assert_eq!(q.direction, IoDirection::Out);
        assert!(!q.is_in());
        assert!(!q.string && !q.rep && !q.immediate_operand);
        assert_eq!(q.port, 0x3F8);
        assert_eq!(q.to_string(), "OUT port 0x3f8, 1 byte");
        // IN EAX, 0x60 (immediate).
        let q = IoQualification::from_raw(3 | (1 << 3) | (1 << 6) | (0x60 << 16));
        assert_eq!(q.size, 4);
        assert_eq!(q.direction, IoDirection::In);
        assert!(q.is_in());
        assert!(q.immediate_operand);
        assert_eq!(q.to_string(), "IN port 0x60 (immediate), 4 bytes");
        // REP INSW from port 0xFFFF.
        let q = IoQualification::from_raw(1 | (1 << 3) | (1 << 4) | (1 << 5) | (0xFFFF << 16));
        assert_eq!((q.size, q.string, q.rep, q.port), (2, true, true, 0xFFFF));
        assert_eq!(q.to_string(), "REP INS port 0xffff, 2 bytes");
        // Bits 15:7 and 63:32 are not defined.
        let noisy = IoQualification::from_raw((0x1FF << 7) | (0xDEAD << 32) | (0x80 << 16));
        assert_eq!(noisy, IoQualification::from_raw(0x80 << 16));
    }

    #[test]
    fn ept_violation_bits() {
        let names = [
            |v: &EptViolation| v.read,
            |v: &EptViolation| v.write,
            |v: &EptViolation| v.fetch,
            |v: &EptViolation| v.readable,
            |v: &EptViolation| v.writable,
            |v: &EptViolation| v.executable,
            |v: &EptViolation| v.user_executable,
            |v: &EptViolation| v.guest_linear_address_valid,
        ];
        for (n, get) in names.iter().enumerate() {
            let v = EptViolation::from_raw(1 << n);
            for (m, other) in names.iter().enumerate() {
                assert_eq!(other(&v), n == m, "bit {n} read as field {m}");
            }
            assert!(!v.caused_by_translation && !v.nmi_unblocking);
            assert!(get(&v));
        }
        let v = EptViolation::from_raw(1 << 12);
        assert!(v.nmi_unblocking);
        assert!(!v.read && !v.write && !v.fetch);
    }

    #[test]
    fn ept_violation_translation_needs_linear_valid() {
        assert!(!EptViolation::from_raw(1 << 8).caused_by_translation);
        let v = EptViolation::from_raw((1 << 7) | (1 << 8));
        assert!(v.guest_linear_address_valid && v.caused_by_translation);
        let walk = EptViolation::from_raw(1 << 7);
        assert!(walk.guest_linear_address_valid && !walk.caused_by_translation);
    }

    #[test]
    fn ept_violation_display() {
        // Guest write to a read/execute page through a linear address.
        let v = EptViolation::from_raw(0b10 | (0b101 << 3) | (1 << 7) | (1 << 8));
        assert_eq!(v.to_string(), "write to r-x page, linear address valid (translation)");
        // Fetch from a non-present page during a page walk, after IRET.
        let v = EptViolation::from_raw(0b100 | (1 << 7) | (1 << 12));
        assert_eq!(v.to_string(), "fetch to --- page, linear address valid (page walk), NMI unblocked by IRET");
        let v = EptViolation::from_raw(0b11 | (0b111 << 3));
        assert_eq!(v.to_string(), "read/write to rwx page");
        assert_eq!(EptViolation::from_raw(0).to_string(), "no access to --- page");
    }

    #[test]
    fn io_string_info() {
        // OUTS with 64-bit addresses through FS.
        let info = IoStringInfo::from_raw((2 << 7) | (4 << 15), IoDirection::Out).unwrap();
        assert_eq!(info.address_size, AddressSize::Bits64);
        assert_eq!(info.address_size.bits(), 64);
        assert_eq!(info.segment, SegmentRegister::Fs);
        assert_eq!(info.to_string(), "64-bit addresses, segment FS");
        // INS: the segment field is undefined and ignored; ES is used.
        let info = IoStringInfo::from_raw((1 << 7) | (7 << 15), IoDirection::In).unwrap();
        assert_eq!(info.address_size, AddressSize::Bits32);
        assert_eq!(info.segment, SegmentRegister::Es);
        // Unused encodings.
        assert_eq!(IoStringInfo::from_raw(3 << 7, IoDirection::Out), None);
        assert_eq!(IoStringInfo::from_raw(6 << 15, IoDirection::Out), None);
        // Every defined segment decodes to its number.
        let segments = [
            SegmentRegister::Es,
            SegmentRegister::Cs,
            SegmentRegister::Ss,
            SegmentRegister::Ds,
            SegmentRegister::Fs,
            SegmentRegister::Gs,
        ];
        for (seg, n) in segments.into_iter().zip(0u32..) {
            let raw = n << 15;
            assert_eq!(IoStringInfo::from_raw(raw, IoDirection::Out).unwrap().segment, seg);
        }
        assert_eq!(IoStringInfo::from_raw(0, IoDirection::Out).unwrap().address_size, AddressSize::Bits16);
    }

    #[test]
    fn gpr_names() {
        assert_eq!(gpr_name(0), "RAX");
        assert_eq!(gpr_name(3), "RBX");
        assert_eq!(gpr_name(4), "RSP");
        assert_eq!(gpr_name(7), "RDI");
        assert_eq!(gpr_name(8), "R8");
        assert_eq!(gpr_name(15), "R15");
        assert_eq!(gpr_name(16), "?");
    }
}
