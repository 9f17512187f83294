//! The partition manager: creates the partitions a manifest declares, runs
//! them by its schedule on this CPU, restarts the ones whose policy says so,
//! and reports how each ended.
//!
//! Scheduling (the arithmetic is in `hv-sched`):
//! - **cyclic**: the major frame repeats from one absolute TSC start; each
//!   minor frame belongs to one partition, which runs until the frame's end
//!   (the VMX-preemption timer takes the CPU back) or gives the rest up (HLT
//!   with interrupts enabled, the Yield hypercall). Time a partition gives
//!   up or cannot use (it stopped) stays idle: no partition ever runs in
//!   another's frame (ARINC-653 semantics).
//! - **weighted**: time slices go to runnable partitions in proportion to
//!   their shares; time actually used is charged, so yielding early costs
//!   nothing.
//!
//! Switching partitions switches VMCS (VMPTRLD); each slice's TSC time is
//! charged to its partition. A partition that faults is stopped alone; with
//! `restart = "on-fault"` it is rebuilt from its pristine image (the boot
//! bundle's copy, not its memory) until its limit. Every event is logged
//! with the partition's name, the reason and the guest RIP where known.

use alloc::string::String;
use alloc::vec::Vec;

use hv_bundle::Bundle;
use hv_manifest::{Manifest, PartitionConfig, RestartPolicy, Schedule};
use hv_sched::{CpuAccounting, CyclicSchedule, PartitionId, WeightedSchedule};

use super::console_input::ConsoleInput;
use super::partition::{Partition, PartitionSpec, Platform, SliceEnd, SliceTimer, Usage};
use super::stop::StopReason;
use crate::arch::x86_64::cpu;
use crate::console;
use crate::selftest::GuestStateFault;
use crate::time;

/// One declared partition and what became of it.
struct Record<'b> {
    config: PartitionConfig,
    image: &'b [u8],
    /// Multiboot modules' bytes, in the manifest's order.
    modules: Vec<&'b [u8]>,
    partition: Option<Partition>,
    ended: Option<StopReason>,
    usage: Usage,
}

impl Record<'_> {
    fn runnable(&self) -> bool {
        self.partition.is_some()
    }
}

/// How the whole run went.
pub struct Summary {
    /// Partitions that ran and ended (cleanly or contained).
    pub ran: usize,
    /// Partitions that could not be created or failed on the hypervisor's side.
    pub hypervisor_failures: usize,
}

/// Why the run could not start.
pub enum ManagerError {
    /// The schedule is unusable (names a partition the manifest lacks, ...).
    Schedule(String),
}

impl core::fmt::Display for ManagerError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Schedule(why) => write!(f, "schedule: {why}"),
        }
    }
}

/// Creates every partition, runs the schedule until every partition has
/// ended or `run_limit_ticks` (TSC) passed, and reports.
pub fn run(
    platform: &Platform<'_>,
    manifest: &Manifest,
    bundle: &Bundle<'_>,
    options: super::RunOptions,
    fault: Option<GuestStateFault>,
) -> Result<Summary, ManagerError> {
    let mut hypervisor_failures = 0;
    let mut records: Vec<Record<'_>> = Vec::new();
    for (index, config) in manifest.partitions.iter().enumerate() {
        let Some(image) = bundle.get(config.image.name()).map(|entry| entry.data()) else {
            log::error!(
                "partition {}: its image `{}` is not in the boot bundle (rebuild the image with cargo xtask)",
                config.name,
                config.image.name()
            );
            hypervisor_failures += 1;
            continue;
        };
        let Some(modules) = modules_of(config, bundle) else {
            hypervisor_failures += 1;
            continue;
        };
        let mut record =
            Record { config: config.clone(), image, modules, partition: None, ended: None, usage: Usage::default() };
        let fault = if index == 0 { fault } else { None };
        match create(platform, &record, index, fault) {
            Ok(partition) => record.partition = Some(partition),
            Err(error) => {
                log::error!("partition {}: cannot be created: {error}", config.name);
                hypervisor_failures += 1;
            }
        }
        records.push(record);
    }

    let timer = SliceTimer {
        shift: platform.caps.misc.preemption_timer_shift(),
        saves_remaining: platform.controls.saves_preemption_timer(),
    };
    let start = cpu::rdtsc();
    let end = options.limit_ticks.map(|limit| start.saturating_add(limit));
    let mut next_monitor = options.monitor_ticks.map(|interval| start.saturating_add(interval));
    let mut scheduler = Scheduler::new(&manifest.schedule, &records, start)?;
    let mut accounting = CpuAccounting::new(0);
    let mut current: Option<usize> = None;
    log::info!("scheduler: {} partitions, {}", records.len(), scheduler.describe());
    let names: Vec<String> = records.iter().map(|r| r.config.name.clone()).collect();
    let mut input = ConsoleInput::new(&names);

    while records.iter().any(Record::runnable) {
        let now = cpu::rdtsc();
        if end.is_some_and(|end| now >= end) {
            break;
        }
        if let (Some(due), Some(interval)) = (next_monitor, options.monitor_ticks) {
            if now >= due {
                monitor(&records, &accounting, now.saturating_sub(start));
                next_monitor = Some(due.saturating_add(interval).max(now));
            }
        }
        // What was typed since the last slice goes to the focused partition.
        input.poll(&names, |index, byte| {
            // A stopped partition's input is discarded.
            records.get_mut(index).and_then(|r| r.partition.as_mut()).is_none_or(|p| p.receive_input(byte))
        });
        if let Scheduler::Weighted { .. } = scheduler {
            for partition in records.iter_mut().filter_map(|r| r.partition.as_mut()) {
                partition.refresh(now);
            }
        }
        let Some((index, deadline)) = scheduler.next(now, &records) else {
            // Weighted: every live partition sleeps in HLT. Idle until the
            // first one's device event (or one slice, for events without a
            // deadline such as console input).
            let wake = records.iter().filter_map(|r| r.partition.as_ref()?.wake_time()).min();
            let until = wake.unwrap_or(u64::MAX).min(now.saturating_add(scheduler.slice()));
            idle_until(end.map_or(until, |end| until.min(end)));
            continue;
        };
        let deadline = end.map_or(deadline, |end| deadline.min(end));
        let record = &mut records[index];
        let Some(partition) = record.partition.as_mut() else {
            idle_until(deadline);
            continue;
        };
        if current != Some(index) {
            if let Err(fail) = partition.make_current() {
                log::error!("partition {}: VMPTRLD failed: {fail}", record.config.name);
                record.partition = None;
                record.ended = Some(StopReason::EntryInstructionFailed(fail));
                continue;
            }
            current = Some(index);
        }
        let started = cpu::rdtsc();
        let outcome = partition.run_slice(deadline, &timer, &mut record.usage);
        let used = cpu::rdtsc().saturating_sub(started);
        // Feed the serial port between slices, on nobody's time.
        console::pump();
        accounting.charge(id(index), used);
        record.usage.cpu_time_us = hv_sched::us_from_ticks(accounting.share(id(index)).0, time::tsc_hz());
        scheduler.charge(index, used);
        match outcome {
            SliceEnd::FrameOver => {}
            SliceEnd::Yielded => scheduler.yielded(deadline),
            // Cyclic: the frame stays the partition's; the CPU idles until
            // its next device event or the frame's end, whichever is first,
            // and the partition runs again if an interrupt woke it.
            // Weighted: it is skipped until it is ready again.
            SliceEnd::Halted => {
                if let Scheduler::Cyclic(_) = scheduler {
                    let wake = record.partition.as_ref().and_then(Partition::wake_time);
                    idle_until(wake.map_or(deadline, |wake| wake.min(deadline)));
                }
            }
            SliceEnd::Stopped(reason) => {
                current = None;
                stopped(platform, record, index, reason);
            }
        }
    }
    for record in &mut records {
        if let Some(mut partition) = record.partition.take() {
            partition.account(&mut record.usage);
            partition.show_text_screen();
            drop(partition);
            record.ended = Some(StopReason::RunTimeOver);
        }
    }
    report(&records, &accounting);
    if input.dropped() > 0 {
        log::warn!("console: {} typed bytes were dropped (the focused partition did not read them)", input.dropped());
    }
    let dropped = console::dropped_bytes();
    if dropped > 0 {
        log::warn!("console: {dropped} bytes of output were dropped (the serial port could not keep up)");
    }
    for record in &records {
        match &record.ended {
            Some(reason) if reason.is_hypervisor_failure() => hypervisor_failures += 1,
            _ => {}
        }
    }
    let ran = records.iter().filter(|r| r.ended.as_ref().is_some_and(|e| !e.is_hypervisor_failure())).count();
    Ok(Summary { ran, hypervisor_failures })
}

/// The bytes of `config`'s multiboot modules from the bundle; `None`
/// (logged) if one is missing.
fn modules_of<'b>(config: &PartitionConfig, bundle: &Bundle<'b>) -> Option<Vec<&'b [u8]>> {
    let mut modules = Vec::new();
    for (index, module) in config.modules.iter().enumerate() {
        let Some(entry) = bundle.get(module.image.name()) else {
            log::error!(
                "partition {}: module {index} `{}` is not in the boot bundle (rebuild the image with cargo xtask)",
                config.name,
                module.image.name()
            );
            return None;
        };
        modules.push(entry.data());
    }
    Some(modules)
}

fn id(index: usize) -> PartitionId {
    PartitionId(u8::try_from(index).unwrap_or(u8::MAX))
}

fn create(
    platform: &Platform<'_>,
    record: &Record<'_>,
    index: usize,
    fault: Option<GuestStateFault>,
) -> Result<Partition, super::partition::CreateError> {
    let config = &record.config;
    let modules: Vec<hv_multiboot::Module<'_>> = record
        .modules
        .iter()
        .zip(&config.modules)
        .map(|(&bytes, module)| hv_multiboot::Module { bytes, string: &module.string })
        .collect();
    let spec = PartitionSpec {
        name: &config.name,
        image: record.image,
        format: config.format,
        mode: config.mode,
        memory_bytes: u64::from(config.memory_mib) << 20,
        base: config.base,
        boot_argument: config.boot_argument,
        io_ports: &config.io_ports,
        color: config.color,
        cmdline: &config.cmdline,
        modules: &modules,
    };
    let partition_id = u32::try_from(index + 1).unwrap_or(u32::MAX);
    let partition = Partition::create(platform, &spec, partition_id, fault)?;
    log::info!(
        "partition {} (id {partition_id}): {} MiB, {:?} {:?}, EPT in {} table frames{}",
        config.name,
        config.memory_mib,
        config.format,
        config.mode,
        partition.ept_tables(),
        if record.usage.restarts > 0 { alloc::format!(", restart {}", record.usage.restarts) } else { String::new() }
    );
    Ok(partition)
}

/// Handles a partition that stopped: log it, then restart it or retire it.
fn stopped(platform: &Platform<'_>, record: &mut Record<'_>, index: usize, reason: StopReason) {
    record.partition = None;
    let name = record.config.name.clone();
    let how = if reason.is_clean() {
        "stopped"
    } else if reason.is_hypervisor_failure() {
        "stopped by a hypervisor-side failure"
    } else {
        "stopped, contained"
    };
    log::info!("partition {name}: {how}: {reason}");
    let limit = match record.config.restart {
        RestartPolicy::OnFault { limit } if reason.is_fault() => limit,
        _ => {
            record.ended = Some(reason);
            return;
        }
    };
    if record.usage.restarts >= limit {
        log::warn!("partition {name}: restart limit ({limit}) reached; it stays stopped");
        record.ended = Some(reason);
        return;
    }
    record.usage.restarts += 1;
    match create(platform, record, index, None) {
        Ok(partition) => {
            log::info!("partition {name}: restarted from its pristine image ({}/{limit})", record.usage.restarts);
            record.partition = Some(partition);
        }
        Err(error) => {
            log::error!("partition {name}: restart failed: {error}");
            record.ended = Some(reason);
        }
    }
}

/// Busy-waits until the TSC reaches `deadline` (the hypervisor runs with
/// interrupts disabled, so HLT would never wake).
fn idle_until(deadline: u64) {
    while cpu::rdtsc() < deadline {
        console::pump();
        core::hint::spin_loop();
    }
}

/// The two scheduling policies over the records' indices.
#[expect(clippy::large_enum_variant, reason = "one value per run, built once and never moved on a hot path")]
enum Scheduler {
    Cyclic(CyclicSchedule),
    Weighted { schedule: WeightedSchedule, slice: u64 },
}

impl Scheduler {
    fn new(schedule: &Schedule, records: &[Record<'_>], start: u64) -> Result<Self, ManagerError> {
        let index_of = |name: &str| {
            records
                .iter()
                .position(|r| r.config.name == name)
                .ok_or_else(|| ManagerError::Schedule(alloc::format!("frame names unknown partition `{name}`")))
        };
        let hz = time::tsc_hz();
        match schedule {
            Schedule::Cyclic { frames, .. } => {
                let mut slots = Vec::new();
                for frame in frames {
                    slots.push((
                        id(index_of(&frame.partition)?),
                        hv_sched::ticks_from_us(u64::from(frame.duration_us), hz),
                    ));
                }
                CyclicSchedule::new(&slots, start)
                    .map(Scheduler::Cyclic)
                    .map_err(|e| ManagerError::Schedule(alloc::format!("{e:?}")))
            }
            Schedule::Weighted { slice_us } => {
                let weights: Vec<(PartitionId, u32)> =
                    records.iter().enumerate().map(|(i, r)| (id(i), r.config.share)).collect();
                let slice = hv_sched::ticks_from_us(u64::from(*slice_us), hz);
                WeightedSchedule::new(&weights, slice)
                    .map(|schedule| Scheduler::Weighted { schedule, slice })
                    .map_err(|e| ManagerError::Schedule(alloc::format!("{e:?}")))
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Cyclic(schedule) => alloc::format!("cyclic, major frame {} TSC ticks", schedule.major_frame()),
            Self::Weighted { slice, .. } => alloc::format!("weighted round-robin, slice {slice} TSC ticks"),
        }
    }

    /// The partition to run now and until when.
    fn next(&mut self, now: u64, records: &[Record<'_>]) -> Option<(usize, u64)> {
        match self {
            Self::Cyclic(schedule) => {
                let slot = schedule.slot_at(now);
                Some((usize::from(slot.partition.0), slot.end))
            }
            Self::Weighted { schedule, slice } => {
                let ready = |p: PartitionId| {
                    records.get(usize::from(p.0)).and_then(|r| r.partition.as_ref()).is_some_and(Partition::ready)
                };
                let picked = schedule.pick(ready)?;
                Some((usize::from(picked.0), now.saturating_add(*slice)))
            }
        }
    }

    /// The weighted slice (the cyclic schedule's frames have their own ends).
    fn slice(&self) -> u64 {
        match self {
            Self::Cyclic(schedule) => schedule.major_frame(),
            Self::Weighted { slice, .. } => *slice,
        }
    }

    fn charge(&mut self, index: usize, used: u64) {
        if let Self::Weighted { schedule, .. } = self {
            schedule.charge(id(index), used);
        }
    }

    /// A partition gave up the rest of its slice ending at `deadline`.
    fn yielded(&mut self, deadline: u64) {
        if let Self::Cyclic(_) = self {
            // The rest of the frame is the yielding partition's: nobody else
            // may use it (ARINC-653), so the CPU idles until the boundary.
            idle_until(deadline);
        }
    }
}

/// A partition's CPU time and share, as the monitor and the report print
/// it: `CPU <ms> ms (<percent>%)`.
fn cpu_use(accounting: &CpuAccounting, index: usize) -> String {
    let (ticks, permille) = accounting.share(id(index));
    let ms = hv_sched::us_from_ticks(ticks, time::tsc_hz()) / 1000;
    alloc::format!("CPU {ms} ms ({}.{}%)", permille / 10, permille % 10)
}

/// Prints one monitoring line per partition while the run goes on: its
/// state, CPU time and share so far, exits and restarts.
fn monitor(records: &[Record<'_>], accounting: &CpuAccounting, elapsed: u64) {
    let elapsed_ms = hv_sched::us_from_ticks(elapsed, time::tsc_hz()) / 1000;
    for (index, record) in records.iter().enumerate() {
        let state = if record.partition.is_some() { "running" } else { "stopped" };
        log::info!(
            "monitor t={elapsed_ms} ms {}: {state}; {}; {} exits; restarts {}",
            record.config.name,
            cpu_use(accounting, index),
            record.usage.exits.total(),
            record.usage.restarts
        );
    }
}

/// Prints per-partition results: how it ended, restarts, CPU time and share,
/// exits by reason.
fn report(records: &[Record<'_>], accounting: &CpuAccounting) {
    for (index, record) in records.iter().enumerate() {
        let ended = record.ended.as_ref().map_or(String::from("never started"), |reason| alloc::format!("{reason}"));
        log::info!(
            "report {}: {ended}; restarts {}; {}; {}",
            record.config.name,
            record.usage.restarts,
            cpu_use(accounting, index),
            record.usage.exits
        );
        if record.usage.platform.any() {
            log::info!("report {} interrupts: {}", record.config.name, record.usage.platform);
        }
    }
}
