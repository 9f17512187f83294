//! The VMCS dump printed when VM entry fails or an exit is not understood:
//! every field of the current VMCS by name (guest state, host state,
//! controls, exit information), plus the software guest-state check's
//! verdict on the state that failed.
//! Users of other hypervisors single out exactly this as what they need
//! when an entry fails (see `shared/notes/field.md`).

use hv_vmcheck::{check_guest_state, EntryContext};

use crate::arch::x86_64::vmx::instructions::{vmread, vmread_encoding};
use crate::console;

/// Dumps the current VMCS to the console and checks its guest state in
/// the `context` the vCPU was created with.
pub fn vmcs_and_guest_check(context: &EntryContext) {
    console::write_fmt(format_args!("--- VMCS dump (current VMCS) ---\n"));
    for &(name, encoding) in hv_vmx::DUMP_ORDER {
        match vmread_encoding(encoding) {
            Ok(value) => console::write_fmt(format_args!("  {name:<40} {value:#018x}\n")),
            Err(fail) => console::write_fmt(format_args!("  {name:<40} (unreadable: {fail})\n")),
        }
    }
    console::write_fmt(format_args!("--- end of VMCS dump ---\n"));
    let info = vmread(hv_vmx::Control32::ENTRY_INTERRUPTION_INFO).unwrap_or(0);
    match super::guest_state::read(u32::try_from(info).unwrap_or(0)) {
        Ok(state) => match check_guest_state(&state, context) {
            Err(violation) => log::error!("guest-state check: {violation}"),
            Ok(()) => log::error!("guest-state check: none of the SDM 27.3.1 rules we check is violated"),
        },
        Err(fail) => log::error!("cannot read the guest state back: {fail}"),
    }
}
