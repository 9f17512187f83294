//! Running child processes: checked commands, captured output, and supervised
//! emulator runs with a wall-clock limit, live output and Ctrl-C handling.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Describes a command for messages: program and arguments.
pub fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs `command` with inherited output; fails with `what` if it fails.
pub fn run_checked(command: &mut Command, what: &str) -> Result {
    let status =
        command.status().map_err(|e| Error::new(format!("{what}: cannot start `{}`: {e}", describe(command))))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::new(format!("{what} failed ({status}): `{}`", describe(command))))
    }
}

/// Runs `command` and returns its stdout if it succeeded.
pub fn output_of(command: &mut Command) -> Option<String> {
    let output = command.stderr(Stdio::null()).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Whether `program` can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Whether we run as root (and may install Debian packages).
pub fn is_root() -> bool {
    output_of(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static HANDLER: Once = Once::new();
static HANDLER_INSTALLED: AtomicBool = AtomicBool::new(false);

/// How a supervised run ended.
#[derive(Debug)]
pub enum Ended {
    /// The process exited by itself.
    Exited(ExitStatus),
    /// The wall-clock limit passed; the process was killed.
    TimedOut,
    /// The user pressed Ctrl-C; the process was killed.
    Interrupted,
}

/// Runs an emulator to completion: stdout and stderr go to files, the
/// contents of `live` (the serial log) are echoed to our stdout as they grow
/// when `echo` is set, `on_poll` runs every 50 ms while it lives, and the
/// process is killed at `timeout` or on Ctrl-C.
pub fn supervise(
    command: &mut Command,
    stdout: &Path,
    stderr: &Path,
    live: &Path,
    echo: bool,
    timeout: Duration,
    on_poll: &mut dyn FnMut(),
) -> Result<Ended> {
    HANDLER.call_once(|| match ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst)) {
        Ok(()) => HANDLER_INSTALLED.store(true, Ordering::SeqCst),
        Err(error) => {
            eprintln!("xtask: warning: cannot install a Ctrl-C handler ({error}); Ctrl-C stops the emulator directly")
        }
    });
    let create =
        |path: &Path| File::create(path).map_err(|e| Error::new(format!("cannot create {}: {e}", path.display())));
    command.stdin(Stdio::null()).stdout(create(stdout)?).stderr(create(stderr)?);
    if HANDLER_INSTALLED.load(Ordering::SeqCst) {
        // Own process group: Ctrl-C reaches only us, and we stop the emulator
        // (and print how the run ended). Without our handler, the emulator
        // stays in our group so that Ctrl-C still stops it.
        std::os::unix::process::CommandExt::process_group(command, 0);
    }
    let mut child = command.spawn().map_err(|e| Error::new(format!("cannot start `{}`: {e}", describe(command))))?;
    let started = Instant::now();
    let mut echoed = 0u64;
    let ended = loop {
        if echo {
            echoed = echo_new_bytes(live, echoed);
        }
        on_poll();
        if let Some(status) = child.try_wait().map_err(|e| Error::new(format!("waiting for the emulator: {e}")))? {
            break Ended::Exited(status);
        }
        if INTERRUPTED.load(Ordering::SeqCst) {
            kill(&mut child);
            break Ended::Interrupted;
        }
        if started.elapsed() >= timeout {
            kill(&mut child);
            break Ended::TimedOut;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if echo {
        echo_new_bytes(live, echoed);
    }
    Ok(ended)
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Prints what was appended to `path` since `offset`; returns the new offset.
fn echo_new_bytes(path: &Path, offset: u64) -> u64 {
    let Ok(mut file) = File::open(path) else { return offset };
    if file.seek(SeekFrom::Start(offset)).is_err() {
        return offset;
    }
    let mut buffer = Vec::new();
    let Ok(read) = file.read_to_end(&mut buffer) else { return offset };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&without_escape_sequences(&buffer));
    let _ = out.flush();
    offset + read as u64
}

/// Drops ANSI/VT100 escape sequences (ESC, optional `[`, parameters, final
/// letter) except colour changes (final `m`): OVMF's serial console clears
/// the screen with them, which must not wipe the user's terminal when the
/// console is echoed, while partitions' coloured prefixes should show.
fn without_escape_sequences(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut sequence: Option<Vec<u8>> = None;
    for &byte in bytes {
        match (&mut sequence, byte) {
            (None, 0x1b) => sequence = Some(vec![byte]),
            (None, _) => out.push(byte),
            (Some(pending), b'a'..=b'z' | b'A'..=b'Z') => {
                if byte == b'm' {
                    out.extend_from_slice(pending);
                    out.push(byte);
                }
                sequence = None;
            }
            (Some(pending), _) => pending.push(byte),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_dropped_and_text_kept() {
        let text = b"\x1b[2J\x1b[01;01H\x1b[=3hBdsDxe: loading\n[ 0.1] INFO main: up\n";
        assert_eq!(without_escape_sequences(text), b"BdsDxe: loading\n[ 0.1] INFO main: up\n");
        assert_eq!(without_escape_sequences(b"plain"), b"plain");
        assert_eq!(without_escape_sequences(b"\x1b[36m[a]\x1b[0m x\x1b[2J"), b"\x1b[36m[a]\x1b[0m x");
    }
}
