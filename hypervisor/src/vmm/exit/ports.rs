//! The partition's port-I/O devices, shared by IN/OUT and INS/OUTS.
//!
//! The devices are the partition's own: its virtual 16550 UART at COM1
//! (0x3F8-0x3FF, register model in `hv-uart`), whose output goes to the
//! partition's console, and the platform's PICs, PIT and port 0x61
//! (`platform/`). Any other port (not passed through by the manifest,
//! which the I/O bitmap would let reach the hardware without an exit)
//! behaves like an absent ISA device: reads return all ones, writes are
//! dropped. Multi-byte accesses are split into byte accesses of consecutive
//! ports, as the ISA bus does.

use crate::vmm::console::PartitionConsole;
use crate::vmm::platform::VirtualPlatform;

const COM1: u16 = 0x3F8;
const COM1_LAST: u16 = COM1 + 7;

/// The devices an I/O access can reach.
pub struct Devices<'a> {
    /// The platform: UART, PICs, PIT.
    pub platform: &'a mut VirtualPlatform,
    /// Where the UART's output goes.
    pub console: &'a mut PartitionConsole,
    /// The TSC at the exit (the PIT's time).
    pub now: u64,
}

/// The mask of an access of `size` bytes (1, 2 or 4).
pub fn size_mask(size: u8) -> u32 {
    match size {
        1 => 0xFF,
        2 => 0xFFFF,
        _ => 0xFFFF_FFFF,
    }
}

fn read_byte(devices: &mut Devices<'_>, port: u16) -> u8 {
    match port {
        COM1..=COM1_LAST => {
            let value = devices.platform.uart_mut().read(low_byte(port - COM1));
            devices.platform.update_lines(devices.now);
            value
        }
        _ => devices.platform.port_read(port, devices.now).unwrap_or(0xFF),
    }
}

fn write_byte(devices: &mut Devices<'_>, port: u16, value: u8) {
    if let COM1..=COM1_LAST = port {
        if let Some(sent) = devices.platform.uart_mut().write(low_byte(port - COM1), value) {
            devices.console.write(&[sent]);
        }
        devices.platform.update_lines(devices.now);
    } else {
        devices.platform.port_write(port, value, devices.now);
    }
}

fn low_byte(value: u16) -> u8 {
    value.to_le_bytes()[0]
}

/// The value an IN of `size` bytes from `port` reads.
pub fn read(devices: &mut Devices<'_>, port: u16, size: u8) -> u32 {
    let mut bytes = [0u8; 4];
    for (offset, byte) in (0u16..).zip(bytes.iter_mut()).take(usize::from(size)) {
        *byte = read_byte(devices, port.wrapping_add(offset));
    }
    u32::from_le_bytes(bytes)
}

/// Carries out an OUT of `value` (`size` bytes) to `port`.
pub fn write(devices: &mut Devices<'_>, port: u16, size: u8, value: u32) {
    for (offset, byte) in (0u16..).zip(value.to_le_bytes()).take(usize::from(size)) {
        write_byte(devices, port.wrapping_add(offset), byte);
    }
}
