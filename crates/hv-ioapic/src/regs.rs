//! The register map of the I/O APIC: the three memory-mapped registers, the
//! indirect registers behind IOWIN, and the bits of a redirection entry.
//!
//! Names and bit positions follow the Intel 82093AA I/O APIC datasheet
//! (order number 290566-001), section 3 "Register Description": 3.1
//! "Memory Mapped Registers for Accessing IOAPIC Registers", 3.2 "IOAPIC
//! Registers". The EOI register at offset 0x40 is not in the 82093AA; it is
//! the one of the version 0x20 I/O APICs in Intel's I/O controller hubs
//! (82801BA ICH2 and 82801DB ICH4 datasheets, section 9.5.5 "EOIR—EOI
//! Register").

/// Guest-physical address where a PC's first I/O APIC sits (82093AA section
/// 3.1, `FEC0_xy00h` with xy = 00; the MultiProcessor Specification and the
/// ACPI MADT put it there by default).
pub const MMIO_BASE: u64 = 0xFEC0_0000;

/// Bytes of guest-physical space the model answers for: one 4 KiB page from
/// [`MMIO_BASE`]. Offsets inside it other than the three registers read 0.
pub const MMIO_SIZE: u64 = 0x1000;

// ----- Memory-mapped registers (offsets from MMIO_BASE) ---------------------

/// IOREGSEL, I/O Register Select (section 3.1.1): bits 7:0 select the
/// indirect register that [`IOWIN`] shows; bits 31:8 are reserved.
pub const IOREGSEL: u64 = 0x00;
/// IOWIN, I/O Window (section 3.1.2): reads and writes the register that
/// [`IOREGSEL`] selects. The datasheet requires 32-bit accesses.
pub const IOWIN: u64 = 0x10;
/// EOIR, EOI Register of version 0x20 I/O APICs (ICH2/ICH4 datasheets 9.5.5):
/// write-only; writing a vector in bits 7:0 clears Remote IRR of every entry
/// programmed with that vector.
pub const EOI: u64 = 0x40;

// ----- Indirect registers (IOREGSEL values) ---------------------------------

/// IOAPICID (section 3.2.1): the 4-bit APIC ID in bits 27:24, read/write.
pub const ID: u8 = 0x00;
/// IOAPICVER (section 3.2.2): version in bits 7:0, maximum redirection
/// entry in bits 23:16; read-only.
pub const VERSION: u8 = 0x01;
/// IOAPICARB (section 3.2.3): the APIC bus arbitration ID in bits 27:24;
/// read-only, loaded whenever IOAPICID is written.
pub const ARBITRATION: u8 = 0x02;
/// IOREDTBL\[0\] low dword (section 3.2.4). Entry `n` is the pair
/// `REDIRECTION_TABLE + 2n` (bits 31:0) and `REDIRECTION_TABLE + 2n + 1`
/// (bits 63:32).
pub const REDIRECTION_TABLE: u8 = 0x10;

/// The highest redirection entry, 23, as IOAPICVER bits 23:16 report it
/// (section 3.2.2).
pub const MAX_REDIRECTION_ENTRY: u8 = 23;

/// Number of interrupt input pins and redirection entries (section 3.2.4:
/// IOREDTBL\[23:0\]).
pub const PIN_COUNT: usize = MAX_REDIRECTION_ENTRY as usize + 1;

/// The version this model reports in IOAPICVER bits 7:0: 0x20, an I/O APIC
/// with the EOI register (see the crate documentation for why not the
/// 82093AA's 0x11).
pub const VERSION_ID: u8 = 0x20;

/// The value of IOAPICVER: [`MAX_REDIRECTION_ENTRY`] in bits 23:16, [`VERSION_ID`] in bits 7:0, everything else 0.
pub const VERSION_VALUE: u32 = ((MAX_REDIRECTION_ENTRY as u32) << 16) | VERSION_ID as u32;

/// Where the 4-bit ID sits in IOAPICID and IOAPICARB (bits 27:24).
pub const ID_SHIFT: u32 = 24;
/// The ID bits of IOAPICID and IOAPICARB.
pub const ID_MASK: u32 = 0x0F << ID_SHIFT;

// ----- Redirection entry bits (section 3.2.4) ------------------------------

/// Bits 7:0, Interrupt Vector (R/W).
pub const ENTRY_VECTOR: u64 = 0xFF;
/// Bits 10:8, Delivery Mode (R/W); see [`crate::DeliveryMode`].
pub const ENTRY_DELIVERY_MODE: u64 = 0x7 << ENTRY_DELIVERY_MODE_SHIFT;
/// Position of the Delivery Mode field.
pub const ENTRY_DELIVERY_MODE_SHIFT: u32 = 8;
/// Bit 11, Destination Mode (R/W): 0 physical, 1 logical.
pub const ENTRY_LOGICAL: u64 = 1 << 11;
/// Bit 12, Delivery Status (RO): 1 while a message for this pin waits to be
/// sent ("send pending").
pub const ENTRY_DELIVERY_STATUS: u64 = 1 << 12;
/// Bit 13, Interrupt Input Pin Polarity (R/W): 0 active high, 1 active low.
pub const ENTRY_ACTIVE_LOW: u64 = 1 << 13;
/// Bit 14, Remote IRR (RO): set when a local APIC accepts a level-triggered
/// interrupt from this pin, cleared by an EOI with the entry's vector.
pub const ENTRY_REMOTE_IRR: u64 = 1 << 14;
/// Bit 15, Trigger Mode (R/W): 0 edge, 1 level.
pub const ENTRY_LEVEL_TRIGGERED: u64 = 1 << 15;
/// Bit 16, Interrupt Mask (R/W): 1 masks the pin.
pub const ENTRY_MASKED: u64 = 1 << 16;
/// Position of the Destination Field, bits 63:56 (R/W): an APIC ID in
/// physical mode, a set of processors in logical mode.
pub const ENTRY_DESTINATION_SHIFT: u32 = 56;
/// Bits 63:56, Destination Field.
pub const ENTRY_DESTINATION: u64 = 0xFF << ENTRY_DESTINATION_SHIFT;

/// The bits a guest can set in an entry. Bits 55:17 are reserved (read 0,
/// writes ignored); Delivery Status and Remote IRR are read-only.
pub const ENTRY_WRITABLE: u64 = ENTRY_VECTOR
    | ENTRY_DELIVERY_MODE
    | ENTRY_LOGICAL
    | ENTRY_ACTIVE_LOW
    | ENTRY_LEVEL_TRIGGERED
    | ENTRY_MASKED
    | ENTRY_DESTINATION;

/// An entry after reset: masked, everything else 0 (section 3.2.4 gives
/// `xxx1 xxxx xxxx xxxxh`: only the mask bit is defined).
pub const ENTRY_RESET: u64 = ENTRY_MASKED;

/// The lowest vector a Fixed or Lowest Priority interrupt may carry: the
/// local APIC treats 0-15 as illegal (Intel SDM 325462-083US, Vol. 3A
/// 11.5.2 "Valid Interrupt Vectors"; 82093AA section 3.2.4 gives 10h-FEh).
pub const FIRST_LEGAL_VECTOR: u8 = 16;
