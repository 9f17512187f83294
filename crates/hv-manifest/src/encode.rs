//! Encoding a manifest into its boot-bundle entry (host side).
//!
//! Images travel as separate bundle entries, so the encoded manifest does not
//! say where an image came from (a guest of this repository, a file) but
//! which bundle entry holds it: the caller, who builds the bundle, names it.

use alloc::string::String;
use alloc::vec::Vec;

use crate::limits::{MAX_FRAMES, MAX_MODULES, MAX_PARTITIONS, MAX_PORT_RANGES};
use crate::model::{Manifest, Schedule};
use crate::partition::{module_entry_name, ImageFormat, PartitionConfig, RestartPolicy};
use crate::wire::{
    color_tag, mode_tag, EncodeError, FORMAT_ELF, FORMAT_FLAT, FORMAT_MULTIBOOT, MAGIC, MAX_STRING_LEN, RESTART_NEVER,
    RESTART_ON_FAULT, SCHEDULE_CYCLIC, SCHEDULE_WEIGHTED, VERSION,
};

/// Encodes `manifest` (which should have passed [`validate`](crate::validate))
/// in the format of [`wire`](crate::wire); each partition's image is recorded
/// as the bundle entry name `image_entry` gives for it, which
/// [`decode`](crate::decode) returns as [`ImageSource::Bundle`](crate::ImageSource::Bundle);
/// each multiboot module as [`module_entry_name`].
///
/// Fails only when a string or count does not fit the format, which for a
/// validated manifest can only be an entry name from `image_entry`.
pub fn encode(manifest: &Manifest, image_entry: impl Fn(&PartitionConfig) -> String) -> Result<Vec<u8>, EncodeError> {
    let mut out = Writer(Vec::new());
    out.0.extend_from_slice(&MAGIC);
    out.u32(VERSION);
    match &manifest.schedule {
        Schedule::Cyclic { major_frame_us, frames } => {
            out.u8(SCHEDULE_CYCLIC);
            out.u32(*major_frame_us);
            out.count("frames", frames.len(), MAX_FRAMES)?;
            for frame in frames {
                out.string("frame partition name", &frame.partition)?;
                out.u32(frame.duration_us);
            }
        }
        Schedule::Weighted { slice_us } => {
            out.u8(SCHEDULE_WEIGHTED);
            out.u32(*slice_us);
        }
    }
    out.count("partitions", manifest.partitions.len(), MAX_PARTITIONS)?;
    for partition in &manifest.partitions {
        out.string("partition name", &partition.name)?;
        out.u32(partition.memory_mib);
        out.u64(partition.base);
        out.string("image entry name", &image_entry(partition))?;
        match partition.format {
            ImageFormat::Elf => out.u8(FORMAT_ELF),
            ImageFormat::Flat { load_address, entry } => {
                out.u8(FORMAT_FLAT);
                out.u64(load_address);
                out.u64(entry);
            }
            ImageFormat::Multiboot => {
                out.u8(FORMAT_MULTIBOOT);
                out.long_string("command line", &partition.cmdline)?;
                out.count("modules", partition.modules.len(), MAX_MODULES)?;
                for (index, module) in partition.modules.iter().enumerate() {
                    out.string("module entry name", &module_entry_name(&partition.name, index))?;
                    out.long_string("module string", &module.string)?;
                }
            }
        }
        out.u8(mode_tag(partition.mode));
        out.u64(partition.boot_argument);
        out.u32(partition.share);
        out.u32(partition.cpu);
        out.count("I/O port ranges", partition.io_ports.len(), MAX_PORT_RANGES)?;
        for range in &partition.io_ports {
            out.u16(range.first);
            out.u16(range.last);
        }
        match partition.restart {
            RestartPolicy::Never => out.u8(RESTART_NEVER),
            RestartPolicy::OnFault { limit } => {
                out.u8(RESTART_ON_FAULT);
                out.u32(limit);
            }
        }
        out.u8(color_tag(partition.color));
    }
    Ok(out.0)
}

/// Appends little-endian fields.
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, value: u8) {
        self.0.push(value);
    }

    fn u16(&mut self, value: u16) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn u32(&mut self, value: u32) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn u64(&mut self, value: u64) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn count(&mut self, what: &'static str, count: usize, max: usize) -> Result<(), EncodeError> {
        match u8::try_from(count) {
            Ok(byte) if count <= max => {
                self.u8(byte);
                Ok(())
            }
            _ => Err(EncodeError::TooMany { what, count, max }),
        }
    }

    fn string(&mut self, what: &'static str, text: &str) -> Result<(), EncodeError> {
        let len = text.len();
        match u8::try_from(len) {
            Ok(byte) if (1..=MAX_STRING_LEN).contains(&len) => {
                self.u8(byte);
                self.0.extend_from_slice(text.as_bytes());
                Ok(())
            }
            _ => Err(EncodeError::BadString { what, len }),
        }
    }

    fn long_string(&mut self, what: &'static str, text: &str) -> Result<(), EncodeError> {
        let len = u16::try_from(text.len()).map_err(|_| EncodeError::BadString { what, len: text.len() })?;
        self.u16(len);
        self.0.extend_from_slice(text.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;

    use super::*;
    use crate::test_support::default_manifest;

    fn entry(partition: &PartitionConfig) -> String {
        format!("guest/{}", partition.image.name())
    }

    #[test]
    fn starts_with_magic_and_version() {
        let bytes = encode(&default_manifest(), entry).expect("encodes");
        assert_eq!(&bytes[..8], b"HVMANIF1");
        assert_eq!(&bytes[8..12], &1u32.to_le_bytes());
        assert_eq!(bytes[12], SCHEDULE_CYCLIC);
        assert_eq!(&bytes[13..17], &30_000u32.to_le_bytes());
        assert_eq!(bytes[17], 3, "frame count");
    }

    #[test]
    fn entry_names_that_do_not_fit_are_refused() {
        let long = "x".repeat(65);
        assert_eq!(
            encode(&default_manifest(), |_| long.clone()),
            Err(EncodeError::BadString { what: "image entry name", len: 65 })
        );
        assert_eq!(
            encode(&default_manifest(), |_| String::new()),
            Err(EncodeError::BadString { what: "image entry name", len: 0 })
        );
        assert!(encode(&default_manifest(), |_| "x".repeat(64)).is_ok());
    }

    #[test]
    fn counts_that_do_not_fit_are_refused() {
        let mut manifest = default_manifest();
        let template = manifest.partitions[0].clone();
        manifest.partitions = (0..17).map(|_| template.clone()).collect();
        assert_eq!(
            encode(&manifest, entry),
            Err(EncodeError::TooMany { what: "partitions", count: 17, max: MAX_PARTITIONS })
        );
        let mut manifest = default_manifest();
        manifest.partitions[0].io_ports = (0..300).map(|_| crate::PortRange::single(0x80)).collect();
        assert!(matches!(encode(&manifest, entry), Err(EncodeError::TooMany { count: 300, .. })));
    }
}
