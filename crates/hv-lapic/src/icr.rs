//! The interrupt command register: how a guest sends an IPI (SDM Vol. 3A
//! 11.6.1, Figure 11-12 for xAPIC; 11.12.9, Figure 11-28 for the 64-bit
//! x2APIC form with a 32-bit destination).

/// Delivery modes (ICR and LVT bits 10:8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryMode {
    /// 000: the vector, to the IRR.
    Fixed,
    /// 001: lowest priority (delivered like fixed to one target).
    LowestPriority,
    /// 010: system management interrupt (never delivered to a guest).
    Smi,
    /// 100: non-maskable interrupt.
    Nmi,
    /// 101: INIT.
    Init,
    /// 110: start-up IPI.
    StartUp,
    /// 111: ExtINT (LVT only: the 8259's vector).
    ExtInt,
    /// 011: reserved.
    Reserved,
}

impl DeliveryMode {
    /// Decodes bits 2:0 of `bits`.
    pub const fn from_bits(bits: u32) -> Self {
        match bits & 0b111 {
            0b000 => Self::Fixed,
            0b001 => Self::LowestPriority,
            0b010 => Self::Smi,
            0b100 => Self::Nmi,
            0b101 => Self::Init,
            0b110 => Self::StartUp,
            0b111 => Self::ExtInt,
            _ => Self::Reserved,
        }
    }
}

/// The destination shorthand (ICR bits 19:18).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shorthand {
    /// 00: the destination field says.
    None,
    /// 01: the sender only.
    SelfOnly,
    /// 10: all processors including the sender.
    AllIncludingSelf,
    /// 11: all processors except the sender.
    AllExcludingSelf,
}

/// Where an IPI goes when no shorthand is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    /// An APIC ID (0xFF in xAPIC, 0xFFFF_FFFF in x2APIC: broadcast).
    Physical(u32),
    /// A logical destination, matched against each target's LDR (and DFR).
    Logical(u32),
}

/// An IPI a guest asked for, decoded from an ICR write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipi {
    /// The vector (fixed, lowest priority; the start-up page for SIPI).
    pub vector: u8,
    /// The delivery mode.
    pub mode: DeliveryMode,
    /// The shorthand.
    pub shorthand: Shorthand,
    /// The destination (meaningful without shorthand).
    pub destination: Destination,
    /// Level (bit 14): an INIT with level 0 is the "INIT level de-assert"
    /// of old processors, which does nothing.
    pub assert: bool,
    /// Trigger mode (bit 15): level-triggered.
    pub level_triggered: bool,
}

impl Ipi {
    /// Decodes the ICR: `low` is bits 31:0; `destination` the APIC ID field
    /// (bits 63:56 in xAPIC mode, 63:32 in x2APIC mode).
    pub const fn decode(low: u32, destination: u32) -> Self {
        let shorthand = match (low >> 18) & 0b11 {
            0b00 => Shorthand::None,
            0b01 => Shorthand::SelfOnly,
            0b10 => Shorthand::AllIncludingSelf,
            _ => Shorthand::AllExcludingSelf,
        };
        Self {
            vector: (low & 0xFF) as u8,
            mode: DeliveryMode::from_bits(low >> 8),
            shorthand,
            destination: if low & (1 << 11) != 0 {
                Destination::Logical(destination)
            } else {
                Destination::Physical(destination)
            },
            assert: low & (1 << 14) != 0,
            level_triggered: low & (1 << 15) != 0,
        }
    }

    /// Whether the IPI names the APIC with `id`, logical destination `ldr`
    /// and destination format `dfr` (flat or cluster model, SDM 11.6.2.2),
    /// sent by the APIC with `sender`, in x2APIC mode (`x2apic`) or not.
    pub const fn targets(&self, sender: u32, id: u32, ldr: u32, dfr: u32, x2apic: bool) -> bool {
        match self.shorthand {
            Shorthand::SelfOnly => id == sender,
            Shorthand::AllIncludingSelf => true,
            Shorthand::AllExcludingSelf => id != sender,
            Shorthand::None => match self.destination {
                Destination::Physical(dest) => {
                    let broadcast = if x2apic { u32::MAX } else { 0xFF };
                    dest == broadcast || dest == id
                }
                Destination::Logical(dest) => {
                    if x2apic {
                        // Cluster in 31:16, a bit mask of 16 in 15:0.
                        dest == u32::MAX || ((dest >> 16) == (ldr >> 16) && dest & ldr & 0xFFFF != 0)
                    } else {
                        let dest = dest & 0xFF;
                        let logical = ldr >> 24;
                        if dest == 0xFF {
                            true
                        } else if dfr >> 28 == 0xF {
                            dest & logical != 0
                        } else {
                            (dest >> 4) == (logical >> 4) && dest & logical & 0xF != 0
                        }
                    }
                }
            },
        }
    }
}
