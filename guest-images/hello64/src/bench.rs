//! The exit-latency benchmark, run when the boot argument is
//! [`BENCH_ARGUMENT`] (`cargo xtask bench` selects it).
//!
//! For each operation — CPUID (an unconditional exit), a null hypercall
//! (VMCALL `AbiVersion`), and an OUT to an emulated port — it takes
//! [`SAMPLES`] measurements of `RDTSC; op; RDTSC`, subtracts the median cost
//! of `RDTSC; RDTSC` alone, and prints the median, minimum and maximum as
//! `bench: <name> median <n> min <n> max <n> samples <n>`, which the host
//! tool turns into a table. Under Bochs the TSC counts instructions, so the
//! figures are repeatable and measure the length of the exit path.

use core::arch::x86_64::__cpuid;

use hv_abi::guest;

use crate::arch;

/// The boot argument that selects the benchmark.
pub const BENCH_ARGUMENT: u64 = 0xBE7C;
/// Measurements per operation.
const SAMPLES: usize = 101;

fn measure(mut op: impl FnMut()) -> [u64; SAMPLES] {
    let mut samples = [0; SAMPLES];
    for sample in &mut samples {
        let start = arch::rdtsc();
        op();
        *sample = arch::rdtsc().wrapping_sub(start);
    }
    samples.sort_unstable();
    samples
}

/// Runs the benchmark and prints one line per operation.
pub fn run() {
    let overhead = measure(|| {})[SAMPLES / 2];
    let operations: [(&str, &mut dyn FnMut()); 3] = [
        ("cpuid", &mut || {
            let _ = __cpuid(0);
        }),
        ("vmcall", &mut || {
            let _ = guest::abi_version();
        }),
        ("out", &mut || arch::post_code(0)),
    ];
    for (name, op) in operations {
        let samples = measure(op);
        let net = |ticks: u64| ticks.saturating_sub(overhead);
        crate::say!(
            "bench: {name} median {} min {} max {} samples {SAMPLES}",
            net(samples[SAMPLES / 2]),
            net(samples[0]),
            net(samples[SAMPLES - 1])
        );
    }
}
