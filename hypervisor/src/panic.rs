//! The panic handler: prints location and message, then ends the run with
//! [`RunStatus::Panic`].

use hv_status::RunStatus;

use crate::run;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    run::fail_from_fault(RunStatus::Panic, &format_args!("kernel panic: {info}"))
}
