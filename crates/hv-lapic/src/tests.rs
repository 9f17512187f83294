//! Tests of the APIC model against the SDM's rules.

use crate::regs::*;
use crate::*;

const CLOCK: TimerClock = TimerClock { tsc_hz: 1_000_000_000, timer_hz: 100_000_000 };

fn enabled() -> LocalApic {
    LocalApic::after_firmware(0, true, CLOCK)
}

fn x2apic() -> LocalApic {
    let mut apic = enabled();
    let base = apic.base().raw() | base_bits::EXTD;
    assert_eq!(apic.write_msr(MSR_APIC_BASE, base, 0, 39), Some(Ok(Effect::BaseChanged)));
    apic
}

mod base_bits {
    pub const EN: u64 = 1 << 11;
    pub const EXTD: u64 = 1 << 10;
}

#[test]
fn power_up_state_matches_the_sdm() {
    let mut apic = LocalApic::new(3, false, CLOCK);
    assert_eq!(apic.read_mmio(ID, 0), 3 << 24);
    assert_eq!(apic.read_mmio(VERSION, 0), 0x0005_0014);
    assert_eq!(apic.read_mmio(SVR, 0), 0xFF);
    assert_eq!(apic.read_mmio(DFR, 0), u32::MAX);
    for offset in [LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR] {
        assert_eq!(apic.read_mmio(offset, 0), 1 << 16, "offset {offset:#x}");
    }
    assert_eq!(apic.base().raw(), 0xFEE0_0000 | base_bits::EN);
    assert!(!apic.software_enabled());
}

#[test]
fn firmware_state_is_virtual_wire() {
    let apic = enabled();
    assert!(apic.software_enabled());
    assert_eq!(apic.lvt(LvtIndex::Lint0).delivery_mode(LvtIndex::Lint0), DeliveryMode::ExtInt);
    assert!(!apic.lvt(LvtIndex::Lint0).masked());
    assert_eq!(apic.lvt(LvtIndex::Lint1).delivery_mode(LvtIndex::Lint1), DeliveryMode::Nmi);
    assert_eq!(apic.base().raw() & (1 << 8), 1 << 8, "BSP bit");
}

#[test]
fn highest_vector_above_the_priority_is_delivered_first() {
    let mut apic = enabled();
    assert!(apic.accept(0x31, false));
    assert!(apic.accept(0x80, false));
    assert!(apic.accept(0x41, false));
    assert_eq!(apic.deliverable(), Some(0x80));
    apic.acknowledge(0x80);
    // 0x41 is in a lower class than the in-service 0x80: it waits.
    assert_eq!(apic.ppr(), 0x80);
    assert_eq!(apic.deliverable(), None);
    assert_eq!(apic.read_mmio(ISR0 + 0x40, 0), 1);
    assert_eq!(apic.write_mmio(EOI, 0, 0), Effect::None);
    assert_eq!(apic.deliverable(), Some(0x41));
    assert_eq!(apic.read_mmio(IRR0 + 0x10, 0), 1 << (0x31 - 32));
    assert_eq!(apic.read_mmio(IRR0 + 0x20, 0), 1 << (0x41 - 64));
}

#[test]
fn tpr_masks_classes_at_or_below_it() {
    let mut apic = enabled();
    apic.write_mmio(TPR, 0x40, 0);
    apic.accept(0x4F, false);
    assert_eq!(apic.deliverable(), None, "class 4 is not above TPR class 4");
    apic.accept(0x50, false);
    assert_eq!(apic.deliverable(), Some(0x50));
    apic.write_mmio(TPR, 0x00, 0);
    assert_eq!(apic.deliverable(), Some(0x50));
    assert_eq!(apic.read_mmio(PPR, 0), 0);
}

#[test]
fn illegal_vectors_are_refused_and_reported_in_the_esr() {
    let mut apic = enabled();
    assert!(!apic.accept(7, false));
    assert_eq!(apic.deliverable(), None);
    assert_eq!(apic.read_mmio(ESR, 0), 0, "the ESR shows errors only after a write");
    apic.write_mmio(ESR, 0, 0);
    assert_eq!(apic.read_mmio(ESR, 0), 1 << 6);
    apic.write_mmio(ESR, 0, 0);
    assert_eq!(apic.read_mmio(ESR, 0), 0, "each write latches the errors since the last");
    // Sending one is the other error bit, and nothing is sent.
    assert_eq!(apic.write_mmio(ICR_LOW, 0x0004_4003, 0), Effect::None);
    apic.write_mmio(ESR, 0, 0);
    assert_eq!(apic.read_mmio(ESR, 0), 1 << 5);
    assert_eq!(apic.snapshot().illegal_vectors, 1);
}

#[test]
fn error_interrupt_fires_through_the_lvt() {
    let mut apic = enabled();
    apic.write_mmio(LVT_ERROR, 0xFE, 0);
    apic.read_mmio(0x3C0, 0); // no such register
    assert_eq!(apic.deliverable(), Some(0xFE));
    apic.write_mmio(ESR, 0, 0);
    assert_eq!(apic.read_mmio(ESR, 0), 1 << 7);
}

#[test]
fn level_triggered_eoi_is_reported_for_the_io_apic() {
    let mut apic = enabled();
    apic.accept(0x61, true);
    assert_eq!(apic.read_mmio(TMR0 + 0x30, 0), 1 << 1);
    apic.acknowledge(0x61);
    assert_eq!(apic.write_mmio(EOI, 0, 0), Effect::LevelEoi(0x61));
    assert_eq!(apic.read_mmio(TMR0 + 0x30, 0), 0);
    assert_eq!(apic.write_mmio(EOI, 0, 0), Effect::None, "EOI with nothing in service");
}

#[test]
fn software_disable_masks_every_lvt_entry_and_keeps_them_masked() {
    let mut apic = enabled();
    apic.write_mmio(LVT_TIMER, 0x40, 0);
    assert!(!apic.lvt(LvtIndex::Timer).masked());
    apic.write_mmio(SVR, 0xFF, 0);
    assert!(apic.lvt(LvtIndex::Timer).masked());
    apic.write_mmio(LVT_TIMER, 0x40, 0);
    assert!(apic.lvt(LvtIndex::Timer).masked(), "cannot unmask while disabled");
    assert!(!apic.accept(0x40, false), "a disabled APIC accepts no fixed interrupts");
    apic.write_mmio(SVR, 0x1FF, 0);
    apic.write_mmio(LVT_TIMER, 0x40, 0);
    assert!(!apic.lvt(LvtIndex::Timer).masked());
}

#[test]
fn divide_configuration_selects_the_divisor() {
    let expected =
        [(0b0000, 2), (0b0001, 4), (0b0010, 8), (0b0011, 16), (0b1000, 32), (0b1001, 64), (0b1010, 128), (0b1011, 1)];
    for (config, divisor) in expected {
        assert_eq!(timer::divisor(config), divisor, "config {config:#b}");
    }
}

#[test]
fn one_shot_counts_down_and_fires_once() {
    let mut apic = enabled();
    apic.write_mmio(TIMER_DIVIDE, 0b1011, 0); // divide by 1: 100 MHz, 10 TSC ticks per count
    apic.write_mmio(LVT_TIMER, 0x30, 0);
    apic.write_mmio(TIMER_INITIAL, 1000, 5_000);
    assert_eq!(apic.read_mmio(TIMER_CURRENT, 5_000), 1000);
    assert_eq!(apic.read_mmio(TIMER_CURRENT, 6_000), 900);
    assert_eq!(apic.next_timer_expiry(), Some(15_000));
    assert_eq!(apic.poll_timer(14_999), 0);
    assert_eq!(apic.deliverable(), None);
    assert_eq!(apic.poll_timer(15_000), 1);
    assert_eq!(apic.deliverable(), Some(0x30));
    assert_eq!(apic.read_mmio(TIMER_CURRENT, 20_000), 0);
    assert_eq!(apic.poll_timer(1_000_000), 0, "one-shot fires once");
    assert_eq!(apic.next_timer_expiry(), None);
}

#[test]
fn periodic_fires_every_period_and_reloads() {
    let mut apic = enabled();
    apic.write_mmio(TIMER_DIVIDE, 0b0000, 0); // divide by 2: 50 MHz, 20 TSC ticks per count
    apic.write_mmio(LVT_TIMER, 0x31 | 1 << 17, 0);
    apic.write_mmio(TIMER_INITIAL, 500, 0); // 10,000 TSC ticks per period
    assert_eq!(apic.next_timer_expiry(), Some(10_000));
    assert_eq!(apic.poll_timer(9_999), 0);
    assert_eq!(apic.poll_timer(10_000), 1);
    assert_eq!(apic.next_timer_expiry(), Some(20_000));
    assert_eq!(apic.read_mmio(TIMER_CURRENT, 12_000), 400);
    assert_eq!(apic.poll_timer(45_000), 3, "three more periods passed");
    assert_eq!(apic.next_timer_expiry(), Some(50_000));
    assert_eq!(apic.snapshot().timer_expiries, 4);
    // Writing 0 stops it.
    apic.write_mmio(TIMER_INITIAL, 0, 46_000);
    assert_eq!(apic.next_timer_expiry(), None);
    assert_eq!(apic.poll_timer(1_000_000), 0);
}

#[test]
fn masked_timer_expires_without_an_interrupt() {
    let mut apic = enabled();
    apic.write_mmio(LVT_TIMER, 0x30 | 1 << 16, 0);
    apic.write_mmio(TIMER_INITIAL, 10, 0);
    assert_eq!(apic.poll_timer(1_000_000), 1);
    assert_eq!(apic.deliverable(), None);
}

#[test]
fn tsc_deadline_mode_fires_at_the_deadline() {
    let mut apic = enabled();
    // Outside TSC-deadline mode the MSR is ignored and reads 0.
    apic.write_msr(MSR_TSC_DEADLINE, 5_000, 0, 39);
    assert_eq!(apic.read_msr(MSR_TSC_DEADLINE, 0), Some(Ok(0)));
    apic.write_mmio(LVT_TIMER, 0x32 | 2 << 17, 0);
    apic.write_mmio(TIMER_INITIAL, 1234, 0);
    assert_eq!(apic.read_mmio(TIMER_INITIAL, 0), 0, "initial count ignored in TSC-deadline mode");
    apic.write_msr(MSR_TSC_DEADLINE, 5_000, 0, 39);
    assert_eq!(apic.read_msr(MSR_TSC_DEADLINE, 0), Some(Ok(5_000)));
    assert_eq!(apic.next_timer_expiry(), Some(5_000));
    assert_eq!(apic.poll_timer(4_999), 0);
    assert_eq!(apic.poll_timer(5_000), 1);
    assert_eq!(apic.deliverable(), Some(0x32));
    assert_eq!(apic.read_msr(MSR_TSC_DEADLINE, 6_000), Some(Ok(0)), "disarmed after firing");
    // A deadline in the past fires at once; 0 disarms.
    apic.write_msr(MSR_TSC_DEADLINE, 1, 7_000, 39);
    assert_eq!(apic.poll_timer(7_000), 1);
    apic.write_msr(MSR_TSC_DEADLINE, 9_000, 7_000, 39);
    apic.write_msr(MSR_TSC_DEADLINE, 0, 7_000, 39);
    assert_eq!(apic.poll_timer(10_000), 0);
}

#[test]
fn changing_the_timer_mode_disarms_it() {
    let mut apic = enabled();
    apic.write_mmio(LVT_TIMER, 0x30, 0);
    apic.write_mmio(TIMER_INITIAL, 100, 0);
    apic.write_mmio(LVT_TIMER, 0x30 | 2 << 17, 0);
    assert_eq!(apic.next_timer_expiry(), None);
    apic.write_msr(MSR_TSC_DEADLINE, 100, 0, 39);
    apic.write_mmio(LVT_TIMER, 0x30, 0);
    assert_eq!(apic.next_timer_expiry(), None);
    assert_eq!(apic.poll_timer(u64::MAX), 0);
}

#[test]
fn x2apic_registers_are_msrs() {
    let mut apic = LocalApic::after_firmware(0x25, true, CLOCK);
    // Not in x2APIC mode yet: #GP.
    assert_eq!(apic.read_msr(0x802, 0), Some(Err(Fault::NoSuchRegister(0x802))));
    let base = apic.base().raw() | base_bits::EXTD;
    apic.write_msr(MSR_APIC_BASE, base, 0, 39);
    assert_eq!(apic.mode(), Mode::X2Apic);
    assert_eq!(apic.read_msr(0x802, 0), Some(Ok(0x25)), "full 32-bit ID");
    assert_eq!(apic.read_msr(0x80D, 0), Some(Ok(2 << 16 | 1 << 5)), "LDR derived from the ID");
    assert_eq!(apic.read_msr(0x80E, 0), Some(Err(Fault::NoSuchRegister(0x80E))), "no DFR in x2APIC mode");
    assert_eq!(apic.read_msr(0x80B, 0), Some(Err(Fault::WrongDirection(0x80B))), "EOI is write-only");
    assert_eq!(apic.write_msr(0x80B, 1, 0, 39), Some(Err(Fault::ReservedBits(0x80B))), "EOI takes only 0");
    assert_eq!(apic.write_msr(0x802, 1, 0, 39), Some(Err(Fault::WrongDirection(0x802))));
    assert_eq!(apic.write_msr(0x808, 0x1_0000_0000, 0, 39), Some(Err(Fault::ReservedBits(0x808))));
    assert_eq!(apic.read_msr(0x1234, 0), None, "not an APIC MSR");
    assert_eq!(apic.write_msr(0x808, 0x20, 0, 39), Some(Ok(Effect::None)));
    assert_eq!(apic.read_msr(0x808, 0), Some(Ok(0x20)));
}

#[test]
fn x2apic_icr_is_one_64_bit_write_and_self_ipi_is_local() {
    let mut apic = x2apic();
    let Some(Ok(Effect::Ipi(ipi))) = apic.write_msr(0x830, 7 << 32 | 0x4041, 0, 39) else { panic!("no IPI") };
    assert_eq!(ipi.vector, 0x41);
    assert_eq!(ipi.destination, Destination::Physical(7));
    assert_eq!(apic.read_msr(0x830, 0), Some(Ok(7 << 32 | 0x4041)));
    assert_eq!(apic.write_msr(0x830, 1 << 13 | 0x41, 0, 39), Some(Err(Fault::ReservedBits(0x830))));
    assert_eq!(apic.write_msr(0x83F, 0x55, 0, 39), Some(Ok(Effect::None)));
    assert_eq!(apic.deliverable(), Some(0x55));
    assert_eq!(apic.read_msr(0x83F, 0), Some(Err(Fault::WrongDirection(0x83F))));
}

#[test]
fn apic_base_transitions_follow_figure_11_27() {
    let mut apic = enabled();
    let base = apic.base().raw();
    // xAPIC -> x2APIC -> xAPIC directly is illegal.
    apic.write_msr(MSR_APIC_BASE, base | base_bits::EXTD, 0, 39);
    assert!(matches!(
        apic.write_msr(MSR_APIC_BASE, base, 0, 39),
        Some(Err(Fault::Base(BaseError::IllegalTransition { from: Mode::X2Apic, to: Mode::XApic })))
    ));
    // EXTD without EN is invalid.
    assert_eq!(
        apic.write_msr(MSR_APIC_BASE, 0xFEE0_0000 | base_bits::EXTD, 0, 39),
        Some(Err(Fault::Base(BaseError::InvalidState)))
    );
    // Disable, then disabled -> x2APIC is illegal, disabled -> xAPIC is fine.
    apic.write_msr(MSR_APIC_BASE, 0xFEE0_0000, 0, 39);
    assert_eq!(apic.mode(), Mode::Disabled);
    assert!(apic.write_msr(MSR_APIC_BASE, base | base_bits::EXTD, 0, 39).is_some_and(|r| r.is_err()));
    assert_eq!(apic.write_msr(MSR_APIC_BASE, base, 0, 39), Some(Ok(Effect::BaseChanged)));
    assert_eq!(apic.mode(), Mode::XApic);
    // Reserved bits, and bits above the physical-address width.
    assert!(apic.write_msr(MSR_APIC_BASE, base | 1 << 9, 0, 39).is_some_and(|r| r.is_err()));
    assert!(apic.write_msr(MSR_APIC_BASE, base | 1 << 40, 0, 39).is_some_and(|r| r.is_err()));
    // Relocation.
    apic.write_msr(MSR_APIC_BASE, 0xFED0_0000 | base_bits::EN, 0, 39);
    assert_eq!(apic.base().address(), 0xFED0_0000);
    assert_eq!(apic.base().raw() & (1 << 8), 1 << 8, "the BSP bit stays");
}

#[test]
fn disabling_resets_the_apic_to_power_up_state() {
    let mut apic = enabled();
    apic.accept(0x50, false);
    apic.write_mmio(TIMER_INITIAL, 100, 0);
    apic.write_msr(MSR_APIC_BASE, 0xFEE0_0000, 0, 39);
    assert_eq!(apic.deliverable(), None);
    apic.write_msr(MSR_APIC_BASE, 0xFEE0_0000 | base_bits::EN, 0, 39);
    assert!(!apic.software_enabled());
    assert_eq!(apic.deliverable(), None);
    assert_eq!(apic.next_timer_expiry(), None);
    assert!(apic.lvt(LvtIndex::Lint0).masked());
}

#[test]
fn ipi_destinations() {
    // Physical, broadcast, logical flat and cluster, shorthands.
    let ipi = Ipi::decode(0x0000_4030, 2);
    assert!(ipi.targets(0, 2, 0, u32::MAX, false));
    assert!(!ipi.targets(0, 3, 0, u32::MAX, false));
    assert!(Ipi::decode(0x4030, 0xFF).targets(0, 9, 0, u32::MAX, false));
    let logical = Ipi::decode(0x4830, 0b0100);
    assert!(logical.targets(0, 5, 0b0100 << 24, u32::MAX, false));
    assert!(!logical.targets(0, 5, 0b0010 << 24, u32::MAX, false));
    let cluster = Ipi::decode(0x4830, 0x21);
    assert!(cluster.targets(0, 5, 0x21 << 24, 0x0FFF_FFFF, false));
    assert!(!cluster.targets(0, 5, 0x11 << 24, 0x0FFF_FFFF, false));
    let all_but_self = Ipi::decode(0x000C_4030, 0);
    assert_eq!(all_but_self.shorthand, Shorthand::AllExcludingSelf);
    assert!(!all_but_self.targets(1, 1, 0, u32::MAX, false));
    assert!(all_but_self.targets(1, 2, 0, u32::MAX, false));
    let init = Ipi::decode(0x000C_4500, 0);
    assert_eq!(init.mode, DeliveryMode::Init);
    let x2_cluster = Ipi::decode(0x4830, 1 << 16 | 0b10);
    assert!(x2_cluster.targets(0, 0x11, 1 << 16 | 0b10, 0, true));
    assert!(!x2_cluster.targets(0, 0x01, 0b10, 0, true));
}

#[test]
fn xapic_icr_sends_on_the_low_write() {
    let mut apic = enabled();
    assert_eq!(apic.write_mmio(ICR_HIGH, 0x0300_0000, 0), Effect::None);
    let Effect::Ipi(ipi) = apic.write_mmio(ICR_LOW, 0x0000_0442, 0) else { panic!("no IPI") };
    assert_eq!((ipi.vector, ipi.mode, ipi.destination), (0x42, DeliveryMode::Nmi, Destination::Physical(3)));
    assert_eq!(apic.read_mmio(ICR_LOW, 0) & (1 << 12), 0, "delivery status idle");
    assert!(apic.receive_ipi(&ipi));
    assert!(apic.nmi_pending());
    assert_eq!(apic.take_nmi(), Some(()));
    assert_eq!(apic.take_nmi(), None);
}

/// Random register traffic never panics, and the state stays coherent:
/// only vectors 16-255 are ever pending, an EOI never grows the ISR, and
/// reads of the version register never change.
#[test]
#[expect(clippy::cast_possible_truncation, reason = "random values are truncated on purpose")]
fn random_register_traffic_keeps_invariants() {
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..200 {
        let mut apic = if round % 2 == 0 { enabled() } else { x2apic() };
        let mut now = 0u64;
        for _ in 0..500 {
            now = now.wrapping_add(next() % 10_000);
            let r = next();
            let offset = ((r >> 8) % 0x400) as u32 & !0xF;
            let value = next();
            match r % 6 {
                0 => {
                    let _ = apic.write_mmio(offset, value as u32, now);
                }
                1 => {
                    let _ = apic.read_mmio(offset, now);
                }
                2 => {
                    let _ = apic.write_msr(0x800 + (offset >> 4), value, now, 39);
                }
                3 => {
                    let _ = apic.read_msr(0x800 + (offset >> 4), now);
                }
                4 => {
                    let _ = apic.accept(value as u8, value & 0x100 != 0);
                    let _ = apic.poll_timer(now);
                }
                _ => {
                    if let Some(vector) = apic.deliverable() {
                        assert!(vector >= 16);
                        apic.acknowledge(vector);
                    }
                    let _ = apic.write_msr(MSR_APIC_BASE, value & 0xFFFF_FFFF_FFFF, now, 39);
                }
            }
            if let Some(vector) = apic.deliverable() {
                assert!(vector >= 16, "vector {vector} pending");
                assert!(vector >> 4 > apic.ppr() >> 4);
            }
            if apic.mode() == Mode::XApic {
                assert_eq!(apic.read_mmio(VERSION, now), VERSION_VALUE);
            }
        }
    }
}

/// Bit `vector` of the 256-bit register at `first` in a virtual-APIC page.
fn page_bit(page: &VirtualApicPage, first: usize, vector: u8) -> bool {
    let at = first + usize::from(vector >> 5) * 16;
    let word = u32::from_le_bytes([page[at], page[at + 1], page[at + 2], page[at + 3]]);
    word & (1 << (vector & 31)) != 0
}

/// Flips bit `vector` of the register at `first`, as the CPU does when it
/// delivers a virtual interrupt or completes an EOI.
fn flip_page_bit(page: &mut VirtualApicPage, first: usize, vector: u8) {
    page[first + usize::from(vector >> 5) * 16 + usize::from(vector & 31) / 8] ^= 1 << (vector & 7);
}

#[test]
fn publish_writes_the_requests_and_registers_the_cpu_reads() {
    let mut apic = x2apic();
    apic.write_msr(0x832, 0x40, 0, 39); // LVT timer: vector 0x40
    apic.accept(0x51, false);
    apic.accept(0x62, true);
    apic.acknowledge(0x62);
    let mut page = [0u8; 4096];
    let published = apic.publish(&mut page, 0, true);
    assert_eq!(published.status, InterruptStatus { rvi: 0x51, svi: 0x62 });
    assert_eq!(published.status.to_field(), 0x6251);
    assert_eq!(InterruptStatus::from_field(0x6251), published.status);
    assert!(page_bit(&page, 0x200, 0x51) && page_bit(&page, 0x100, 0x62) && page_bit(&page, 0x180, 0x62));
    assert_eq!(published.eoi_exit, [0, 1 << (0x62 - 0x40), 0, 0], "level-triggered vectors exit on EOI");
    assert_eq!(page[0x320], 0x40, "LVT timer, as RDMSR 0x832 reads it");
    assert_eq!(page[0x30], 0x14, "version");
    assert_eq!(&page[0x20..0x24], &[0, 0, 0, 0], "x2APIC ID 0, full width");
}

#[test]
fn publish_requests_nothing_while_the_apic_is_disabled() {
    let mut apic = enabled();
    apic.accept(0x51, false);
    assert_eq!(apic.write_msr(MSR_APIC_BASE, apic.base().raw() & !base_bits::EN, 0, 39), Some(Ok(Effect::BaseChanged)));
    let mut page = [0u8; 4096];
    assert_eq!(apic.publish(&mut page, 0, true).status.rvi, 0);
}

#[test]
fn absorb_takes_over_deliveries_and_eois_the_cpu_completed() {
    let mut apic = x2apic();
    apic.accept(0x51, false);
    apic.accept(0x30, false);
    let mut page = [0u8; 4096];
    apic.publish(&mut page, 0, true);
    // The CPU delivers 0x51 (VIRR to VISR), then completes its EOI, then
    // delivers 0x30 and the guest is still in its handler.
    flip_page_bit(&mut page, 0x200, 0x51);
    flip_page_bit(&mut page, 0x100, 0x51);
    flip_page_bit(&mut page, 0x100, 0x51);
    flip_page_bit(&mut page, 0x200, 0x30);
    flip_page_bit(&mut page, 0x100, 0x30);
    let eois_before = apic.snapshot().eois;
    // Only the net change is visible: 0x51 and 0x30 left VIRR, 0x30 is in service.
    assert_eq!(apic.absorb(&page), Absorbed { delivered: 2, eois: 0 });
    assert_eq!(apic.highest_requested(), None);
    assert_eq!(apic.ppr(), 0x30);
    assert_eq!(apic.deliverable(), None);
    flip_page_bit(&mut page, 0x100, 0x30);
    assert_eq!(apic.absorb(&page), Absorbed { delivered: 0, eois: 1 });
    assert_eq!(apic.snapshot().eois, eois_before + 1);
    assert_eq!(apic.ppr(), 0);
}

#[test]
fn absorb_never_takes_illegal_vectors() {
    let mut apic = x2apic();
    let mut page = [0u8; 4096];
    apic.publish(&mut page, 0, true);
    flip_page_bit(&mut page, 0x200, 3);
    apic.absorb(&page);
    assert_eq!(apic.highest_requested(), None);
}

#[test]
fn a_virtualized_level_eoi_reaches_the_io_apic_once() {
    let mut apic = x2apic();
    apic.accept(0x62, true);
    apic.acknowledge(0x62);
    assert_eq!(apic.virtual_level_eoi(0x62), Effect::LevelEoi(0x62));
    assert_eq!(apic.virtual_level_eoi(0x62), Effect::None);
}
