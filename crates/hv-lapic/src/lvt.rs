//! The local vector table (SDM Vol. 3A 11.5.1, Figure 11-8): one register
//! per local interrupt source, each with a vector, a delivery mode, a mask
//! and, for the timer, a mode.

use crate::icr::DeliveryMode;
use crate::regs;

/// Bit 16: masked.
pub const MASKED: u32 = 1 << 16;
/// Bit 12: delivery status (read-only, always idle here).
const DELIVERY_STATUS: u32 = 1 << 12;
/// Bit 14: remote IRR (read-only; LINT0 in level mode).
const REMOTE_IRR: u32 = 1 << 14;

/// The LVT entries, in register order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LvtIndex {
    /// 0x320: the APIC timer.
    Timer = 0,
    /// 0x330: thermal sensor.
    Thermal = 1,
    /// 0x340: performance-monitoring counters.
    Performance = 2,
    /// 0x350: LINT0 (the 8259's INTR on a PC, ExtINT).
    Lint0 = 3,
    /// 0x360: LINT1 (NMI on a PC).
    Lint1 = 4,
    /// 0x370: APIC errors.
    Error = 5,
}

impl LvtIndex {
    /// The entry at xAPIC offset `offset`.
    pub const fn from_offset(offset: u32) -> Option<Self> {
        Some(match offset {
            regs::LVT_TIMER => Self::Timer,
            regs::LVT_THERMAL => Self::Thermal,
            regs::LVT_PERF => Self::Performance,
            regs::LVT_LINT0 => Self::Lint0,
            regs::LVT_LINT1 => Self::Lint1,
            regs::LVT_ERROR => Self::Error,
            _ => return None,
        })
    }

    /// The bits software may write (Figure 11-8): the timer has a mode and
    /// no delivery mode; the error entry neither; LINT0/LINT1 add polarity
    /// and trigger mode (LINT1 is always edge-triggered, SDM 11.5.1, so its
    /// trigger bit is not kept).
    const fn writable(self) -> u32 {
        match self {
            Self::Timer => 0xFF | MASKED | (0b11 << 17),
            Self::Thermal | Self::Performance => 0xFF | (0b111 << 8) | MASKED,
            Self::Lint0 => 0xFF | (0b111 << 8) | (1 << 13) | (1 << 15) | MASKED,
            Self::Lint1 => 0xFF | (0b111 << 8) | (1 << 13) | MASKED,
            Self::Error => 0xFF | MASKED,
        }
    }
}

/// The timer modes of LVT timer bits 18:17 (SDM 11.5.4, Figure 11-8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerMode {
    /// 00: one-shot.
    OneShot,
    /// 01: periodic.
    Periodic,
    /// 10: TSC-deadline (CPUID.01H:ECX\[24\]).
    TscDeadline,
}

/// One LVT register value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lvt(pub u32);

impl Lvt {
    /// The reset value: masked, everything else 0 (SDM 11.4.7.1).
    pub const RESET: Self = Self(MASKED);

    /// The value after a guest writes `value` to entry `index`: only the
    /// writable bits are kept, and with the APIC software-disabled the mask
    /// cannot be cleared (SDM 11.4.7.2). Read-only bits keep their state.
    pub const fn written(self, index: LvtIndex, value: u32, software_enabled: bool) -> Self {
        let kept = self.0 & REMOTE_IRR;
        let mut next = (value & index.writable()) | kept;
        if !software_enabled {
            next |= MASKED;
        }
        Self(next & !DELIVERY_STATUS)
    }

    /// The vector.
    pub const fn vector(self) -> u8 {
        (self.0 & 0xFF) as u8
    }

    /// Whether the entry is masked.
    pub const fn masked(self) -> bool {
        self.0 & MASKED != 0
    }

    /// The delivery mode (fixed for the timer and error entries, which have
    /// no such field).
    pub fn delivery_mode(self, index: LvtIndex) -> DeliveryMode {
        match index {
            LvtIndex::Timer | LvtIndex::Error => DeliveryMode::Fixed,
            _ => DeliveryMode::from_bits(self.0 >> 8),
        }
    }

    /// The timer mode (bits 18:17; the reserved value 11 acts as one-shot).
    pub const fn timer_mode(self) -> TimerMode {
        match (self.0 >> 17) & 0b11 {
            0b01 => TimerMode::Periodic,
            0b10 => TimerMode::TscDeadline,
            _ => TimerMode::OneShot,
        }
    }

    /// Whether a level-triggered LINT0 is set up (bit 15).
    pub const fn level_triggered(self) -> bool {
        self.0 & (1 << 15) != 0
    }
}
