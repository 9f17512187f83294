//! The run-status protocol shared by the kernel and `xtask`.
//!
//! An emulator run must end with a machine-readable outcome, not just text, so
//! that tests assert an exit status. The kernel ends every run the same way:
//!
//! 1. it prints one status line, `hv-status: <name> (0x<code>)`, on COM1 and on
//!    the port 0xE9 console (see [`status_line`]);
//! 2. if it runs under an emulator, it signals the emulator:
//!    - QEMU: writes the code to the `isa-debug-exit` device at
//!      [`QEMU_DEBUG_EXIT_PORT`]; QEMU exits with `(code << 1) | 1`;
//!    - Bochs: writes `D` to [`BOCHS_CONTROL_PORT`] on success, which breaks
//!      into the debugger whose script answers `quit` (exit status 0), or the
//!      string `Shutdown` on every other outcome (exit status 1);
//! 3. it halts with interrupts disabled (what real hardware sees).
//!
//! `xtask` maps the emulator's exit status back with [`RunStatus::from_qemu_exit`]
//! and [`RunStatus::from_bochs_exit`], and cross-checks it against the status
//! line ([`parse_status_line`]). Bochs only distinguishes success from failure
//! by exit status, so there the line names which failure it was.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use core::fmt;

/// I/O port of QEMU's `isa-debug-exit` device (`-device isa-debug-exit,iobase=0xf4,iosize=0x04`).
pub const QEMU_DEBUG_EXIT_PORT: u16 = 0xF4;
/// Bochs' control port: `D` enters the debugger, `Shutdown` powers off.
pub const BOCHS_CONTROL_PORT: u16 = 0x8900;
/// The "debug console" port: Bochs' `port_e9_hack` and QEMU's `-debugcon`
/// print every byte written here, and reading it returns 0xE9.
pub const DEBUGCON_PORT: u16 = 0xE9;
/// The prefix of the status line.
pub const STATUS_PREFIX: &str = "hv-status: ";

/// How a run of the hypervisor ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RunStatus {
    /// Everything the kernel was asked to do completed.
    Success = 0x10,
    /// A check failed; the log says which.
    Failure = 0x11,
    /// The CPU has no usable VT-x (absent, or disabled and locked by firmware).
    VmxUnavailable = 0x12,
    /// The kernel panicked.
    Panic = 0x13,
    /// A CPU exception reached the kernel's own handlers.
    CpuException = 0x14,
}

impl RunStatus {
    /// Every status, for decoding.
    pub const ALL: [Self; 5] = [Self::Success, Self::Failure, Self::VmxUnavailable, Self::Panic, Self::CpuException];

    /// The byte written to the emulator's exit device.
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The name printed on the status line.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::VmxUnavailable => "vmx-unavailable",
            Self::Panic => "panic",
            Self::CpuException => "cpu-exception",
        }
    }

    /// Decodes a code byte.
    #[must_use]
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The exit status QEMU reports after the kernel wrote this status to
    /// `isa-debug-exit`.
    #[must_use]
    pub const fn qemu_exit_status(self) -> i32 {
        ((self as i32) << 1) | 1
    }

    /// Maps QEMU's exit status back to the status the kernel wrote, if it was one.
    /// Any other status (0 for a normal power-off, or a signal) is not ours.
    #[must_use]
    pub fn from_qemu_exit(exit_status: i32) -> Option<Self> {
        if exit_status & 1 == 0 {
            return None;
        }
        u8::try_from(exit_status >> 1).ok().and_then(Self::from_code)
    }

    /// The exit status Bochs reports after the kernel signalled this status.
    #[must_use]
    pub const fn bochs_exit_status(self) -> i32 {
        match self {
            Self::Success => 0,
            _ => 1,
        }
    }

    /// Whether a Bochs exit status agrees with this status.
    #[must_use]
    pub const fn matches_bochs_exit(self, exit_status: i32) -> bool {
        self.bochs_exit_status() == exit_status
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The status line for `status`, without a line terminator.
#[must_use]
pub fn status_line(status: RunStatus) -> StatusLine {
    StatusLine(status)
}

/// Formats as `hv-status: <name> (0x<code>)`.
#[derive(Clone, Copy, Debug)]
pub struct StatusLine(RunStatus);

impl fmt::Display for StatusLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{STATUS_PREFIX}{} ({:#04x})", self.0.name(), self.0.code())
    }
}

/// Finds a status line in one line of output (anywhere in the line, since log
/// prefixes or a partition name may precede it) and decodes it.
#[must_use]
pub fn parse_status_line(line: &str) -> Option<RunStatus> {
    let rest = &line[line.find(STATUS_PREFIX)? + STATUS_PREFIX.len()..];
    let (name, code) = rest.trim_end().split_once(" (0x")?;
    let code = u8::from_str_radix(code.strip_suffix(')')?, 16).ok()?;
    let status = RunStatus::from_code(code)?;
    (status.name() == name).then_some(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_exit_status_round_trips_for_every_status() {
        for status in RunStatus::ALL {
            assert_eq!(RunStatus::from_qemu_exit(status.qemu_exit_status()), Some(status));
        }
        assert_eq!(RunStatus::Success.qemu_exit_status(), 33);
    }

    #[test]
    fn qemu_exit_statuses_that_are_not_ours_are_rejected() {
        assert_eq!(RunStatus::from_qemu_exit(0), None); // ordinary power-off
        assert_eq!(RunStatus::from_qemu_exit(1), None); // code 0: not a status
        assert_eq!(RunStatus::from_qemu_exit(-1), None);
        assert_eq!(RunStatus::from_qemu_exit((0x7f << 1) | 1), None);
    }

    #[test]
    fn codes_are_distinct() {
        for (i, a) in RunStatus::ALL.iter().enumerate() {
            for b in &RunStatus::ALL[i + 1..] {
                assert_ne!(a.code(), b.code());
                assert_ne!(a.name(), b.name());
            }
        }
    }

    #[test]
    fn status_line_round_trips() {
        for status in RunStatus::ALL {
            let line = status_line(status).to_string();
            assert_eq!(parse_status_line(&line), Some(status), "{line}");
            let prefixed = format!("[   3.141592] INFO  hv: {line}\r");
            assert_eq!(parse_status_line(&prefixed), Some(status));
        }
        assert_eq!(status_line(RunStatus::VmxUnavailable).to_string(), "hv-status: vmx-unavailable (0x12)");
    }

    #[test]
    fn mismatched_or_garbled_status_lines_are_rejected() {
        assert_eq!(parse_status_line("hv-status: success (0x11)"), None);
        assert_eq!(parse_status_line("hv-status: success"), None);
        assert_eq!(parse_status_line("hv-status: success (0xzz)"), None);
        assert_eq!(parse_status_line("status: success (0x10)"), None);
        assert_eq!(parse_status_line("hv-status: bogus (0x99)"), None);
    }

    #[test]
    fn only_success_maps_to_bochs_status_zero() {
        assert!(RunStatus::Success.matches_bochs_exit(0));
        assert!(!RunStatus::Success.matches_bochs_exit(1));
        for status in &RunStatus::ALL[1..] {
            assert!(status.matches_bochs_exit(1));
        }
    }
}
