//! The serial console as a TCP connection: the emulator's COM1 listens on a
//! loopback port (Bochs `mode=socket-server`, QEMU `-chardev socket`,
//! both waiting for us), and the bridge copies what the machine sends into
//! the serial log (which everything else reads, as before) and sends it
//! input: scripted text when a line appears (scenarios that type), or the
//! terminal's keystrokes (`cargo xtask run`).

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Input sent to the machine's serial console.
#[derive(Clone, Copy, Debug, Default)]
pub enum Input {
    /// None.
    #[default]
    None,
    /// For each `(after, text)` in order: once `after` has appeared in the
    /// output, send `text`.
    Script(&'static [(&'static str, &'static str)]),
    /// What is typed on this process's standard input.
    Terminal,
}

/// A free loopback port for the emulator to listen on.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| Error::new(format!("cannot find a free loopback port for the serial console: {e}")))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| Error::new(format!("loopback port: {e}")))
}

/// The bridge between the emulator's serial socket and the serial log.
pub struct SerialBridge {
    address: SocketAddr,
    stream: Option<TcpStream>,
    log: File,
    output: Vec<u8>,
    script: &'static [(&'static str, &'static str)],
    next: usize,
    terminal: Option<Receiver<u8>>,
}

impl SerialBridge {
    /// A bridge to `port` on loopback writing to `log`, with `input`.
    pub fn new(port: u16, log: &Path, input: Input) -> Result<Self> {
        let log = OpenOptions::new()
            .append(true)
            .open(log)
            .map_err(|e| Error::new(format!("cannot open {}: {e}", log.display())))?;
        let terminal = matches!(input, Input::Terminal).then(|| {
            let (sender, receiver) = mpsc::channel();
            std::thread::spawn(move || {
                let mut byte = [0u8; 1];
                let mut stdin = std::io::stdin();
                while stdin.read(&mut byte).is_ok_and(|n| n == 1) && sender.send(byte[0]).is_ok() {}
            });
            receiver
        });
        let script = if let Input::Script(script) = input { script } else { &[] };
        Ok(Self {
            address: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            stream: None,
            log,
            output: Vec::new(),
            script,
            next: 0,
            terminal,
        })
    }

    /// Connects if not yet connected, copies output to the log, sends due
    /// input. Never blocks for long.
    pub fn poll(&mut self) {
        if self.stream.is_none() {
            if let Ok(stream) = TcpStream::connect_timeout(&self.address, Duration::from_millis(50)) {
                let _ = stream.set_nonblocking(true);
                let _ = stream.set_nodelay(true);
                self.stream = Some(stream);
            } else {
                return;
            }
        }
        self.copy_output();
        let Some(stream) = self.stream.as_mut() else { return };
        while let Some(&(after, text)) = self.script.get(self.next) {
            if !contains(&self.output, after.as_bytes()) {
                break;
            }
            let _ = stream.write_all(text.as_bytes());
            self.next += 1;
        }
        if let Some(terminal) = &self.terminal {
            while let Ok(byte) = terminal.try_recv() {
                // A terminal sends LF for Enter; a serial console expects CR.
                let _ = stream.write_all(&[if byte == b'\n' { b'\r' } else { byte }]);
            }
        }
    }

    /// After the emulator ended: takes what is left in the socket.
    pub fn finish(&mut self) {
        let deadline = Instant::now() + Duration::from_millis(500);
        while self.stream.is_some() && Instant::now() < deadline {
            if !self.copy_output() {
                break;
            }
        }
    }

    /// Copies available output to the log; false once the socket closed.
    fn copy_output(&mut self) -> bool {
        let Some(stream) = self.stream.as_mut() else { return false };
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer) {
                Ok(0) => {
                    self.stream = None;
                    return false;
                }
                Ok(n) => {
                    let _ = self.log.write_all(&buffer[..n]);
                    self.output.extend_from_slice(&buffer[..n]);
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => return true,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.stream = None;
                    return false;
                }
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_is_sent_after_its_trigger_and_output_reaches_the_log() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("xtask-bridge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("serial.log");
        std::fs::write(&log, b"").unwrap();
        static SCRIPT: &[(&str, &str)] = &[("ready>", "hello\r")];
        let mut bridge = SerialBridge::new(port, &log, Input::Script(SCRIPT)).unwrap();
        bridge.poll();
        let (mut machine, _) = listener.accept().unwrap();
        machine.write_all(b"booting\n").unwrap();
        for _ in 0..20 {
            bridge.poll();
        }
        machine.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        let mut buffer = [0u8; 16];
        assert!(machine.read(&mut buffer).is_err(), "nothing is typed before the trigger");
        machine.write_all(b"ready> ").unwrap();
        let mut typed = Vec::new();
        for _ in 0..100 {
            bridge.poll();
            if let Ok(n) = machine.read(&mut buffer) {
                typed.extend_from_slice(&buffer[..n]);
            }
            if typed.len() >= 6 {
                break;
            }
        }
        assert_eq!(typed, b"hello\r");
        drop(machine);
        bridge.finish();
        assert_eq!(std::fs::read(&log).unwrap(), b"booting\nready> ");
    }
}
