//! Decoding the manifest entry of the boot bundle (in the hypervisor).
//!
//! The bytes are untrusted input: every read is bounds-checked, every tag,
//! count and string length is checked against the format before it is used,
//! and anything malformed is a [`DecodeError`] naming the offset, never a
//! panic. Decoding checks the *format* only; the *rules* (memory sizes, the
//! schedule, ports) are [`validate`](crate::validate)'s, which the hypervisor
//! runs on the result exactly as the host did.

use alloc::string::String;
use alloc::vec::Vec;

use crate::limits::{MAX_FRAMES, MAX_MODULES, MAX_PARTITIONS, MAX_PORT_RANGES};
use crate::model::{Frame, Manifest, Schedule};
use crate::partition::{BootModule, ImageFormat, ImageSource, PartitionConfig, RestartPolicy};
use crate::ports::PortRange;
use crate::wire::{
    color_of, mode_of, DecodeError, FORMAT_ELF, FORMAT_FLAT, FORMAT_MULTIBOOT, MAGIC, MAX_STRING_LEN, RESTART_NEVER,
    RESTART_ON_FAULT, SCHEDULE_CYCLIC, SCHEDULE_WEIGHTED, VERSION,
};

/// Decodes a manifest written by [`encode`](crate::encode). Every image comes
/// back as [`ImageSource::Bundle`] with the entry name the encoder stored.
pub fn decode(bytes: &[u8]) -> Result<Manifest, DecodeError> {
    let mut input = Reader { bytes, offset: 0 };
    if input.take(MAGIC.len(), "magic")? != MAGIC {
        return Err(DecodeError::BadMagic);
    }
    let version = input.u32("version")?;
    if version != VERSION {
        return Err(DecodeError::UnsupportedVersion(version));
    }
    let schedule = match input.tag("schedule")? {
        (_, SCHEDULE_CYCLIC) => {
            let major_frame_us = input.u32("major frame length")?;
            let count = input.count("frames", MAX_FRAMES)?;
            let mut frames = Vec::with_capacity(count);
            for _ in 0..count {
                let partition = input.string("frame partition name")?;
                frames.push(Frame { partition, duration_us: input.u32("frame duration")? });
            }
            Schedule::Cyclic { major_frame_us, frames }
        }
        (_, SCHEDULE_WEIGHTED) => Schedule::Weighted { slice_us: input.u32("time slice")? },
        (offset, value) => return Err(DecodeError::BadTag { offset, what: "schedule", value }),
    };
    let count = input.count("partitions", MAX_PARTITIONS)?;
    let mut partitions = Vec::with_capacity(count);
    for _ in 0..count {
        partitions.push(partition(&mut input)?);
    }
    if input.offset != bytes.len() {
        return Err(DecodeError::TrailingBytes { offset: input.offset, count: bytes.len() - input.offset });
    }
    Ok(Manifest { schedule, partitions })
}

fn partition(input: &mut Reader<'_>) -> Result<PartitionConfig, DecodeError> {
    let name = input.string("partition name")?;
    let memory_mib = input.u32("memory size")?;
    let base = input.u64("memory base")?;
    let image = ImageSource::Bundle(input.string("image entry name")?);
    let mut cmdline = String::new();
    let mut modules = Vec::new();
    let format = match input.tag("image format")? {
        (_, FORMAT_ELF) => ImageFormat::Elf,
        (_, FORMAT_FLAT) => {
            ImageFormat::Flat { load_address: input.u64("load address")?, entry: input.u64("entry point")? }
        }
        (_, FORMAT_MULTIBOOT) => {
            cmdline = input.long_string("command line")?;
            let count = input.count("modules", MAX_MODULES)?;
            for _ in 0..count {
                let image = ImageSource::Bundle(input.string("module entry name")?);
                modules.push(BootModule { image, string: input.long_string("module string")? });
            }
            ImageFormat::Multiboot
        }
        (offset, value) => return Err(DecodeError::BadTag { offset, what: "image format", value }),
    };
    let (offset, value) = input.tag("CPU mode")?;
    let mode = mode_of(value).ok_or(DecodeError::BadTag { offset, what: "CPU mode", value })?;
    let boot_argument = input.u64("boot argument")?;
    let share = input.u32("share")?;
    let cpu = input.u32("CPU")?;
    let ranges = input.count("I/O port ranges", MAX_PORT_RANGES)?;
    let mut io_ports = Vec::with_capacity(ranges);
    for _ in 0..ranges {
        io_ports.push(PortRange { first: input.u16("I/O port")?, last: input.u16("I/O port")? });
    }
    let restart = match input.tag("restart policy")? {
        (_, RESTART_NEVER) => RestartPolicy::Never,
        (_, RESTART_ON_FAULT) => RestartPolicy::OnFault { limit: input.u32("restart limit")? },
        (offset, value) => return Err(DecodeError::BadTag { offset, what: "restart policy", value }),
    };
    let (offset, value) = input.tag("console colour")?;
    let color = color_of(value).ok_or(DecodeError::BadTag { offset, what: "console colour", value })?;
    Ok(PartitionConfig {
        name,
        memory_mib,
        base,
        image,
        format,
        mode,
        boot_argument,
        share,
        cpu,
        io_ports,
        restart,
        color,
        cmdline,
        modules,
    })
}

/// Reads little-endian fields, checking each against the end of the input.
struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let field = self
            .offset
            .checked_add(len)
            .and_then(|end| self.bytes.get(self.offset..end))
            .ok_or(DecodeError::Truncated { offset: self.offset, what })?;
        self.offset += len;
        Ok(field)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N, what)?);
        Ok(array)
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        self.array(what).map(u16::from_le_bytes)
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        self.array(what).map(u32::from_le_bytes)
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        self.array(what).map(u64::from_le_bytes)
    }

    /// A tag byte and where it was.
    fn tag(&mut self, what: &'static str) -> Result<(usize, u8), DecodeError> {
        let offset = self.offset;
        let [value] = self.array(what)?;
        Ok((offset, value))
    }

    fn count(&mut self, what: &'static str, max: usize) -> Result<usize, DecodeError> {
        let (offset, count) = self.tag(what)?;
        let count = usize::from(count);
        if count > max {
            return Err(DecodeError::TooMany { offset, what, count, max });
        }
        Ok(count)
    }

    /// A u16-length string (empty allowed).
    fn long_string(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let len = usize::from(self.u16(what)?);
        let start = self.offset;
        let text =
            core::str::from_utf8(self.take(len, what)?).map_err(|_| DecodeError::NotUtf8 { offset: start, what })?;
        Ok(String::from(text))
    }

    fn string(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let (offset, len) = self.tag(what)?;
        let len = usize::from(len);
        if !(1..=MAX_STRING_LEN).contains(&len) {
            return Err(DecodeError::BadStringLength { offset, what, len });
        }
        let start = self.offset;
        let text =
            core::str::from_utf8(self.take(len, what)?).map_err(|_| DecodeError::NotUtf8 { offset: start, what })?;
        Ok(String::from(text))
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::vec;

    use super::*;
    use crate::encode;
    use crate::partition::{Color, CpuMode};
    use crate::test_support::{default_manifest, flat_partition};

    fn entry(partition: &PartitionConfig) -> String {
        format!("guest/{}", partition.image.name())
    }

    /// `manifest` with every image replaced by the entry `entry` names.
    fn as_decoded(manifest: &Manifest) -> Manifest {
        let mut expected = manifest.clone();
        for partition in &mut expected.partitions {
            partition.image = ImageSource::Bundle(entry(partition));
            for (index, module) in partition.modules.iter_mut().enumerate() {
                module.image = ImageSource::Bundle(crate::module_entry_name(&partition.name, index));
            }
        }
        expected
    }

    /// A manifest exercising every variant: flat images, ports, colours.
    fn rich_manifest() -> Manifest {
        let mut manifest = flat_partition(CpuMode::Protected32, 8, 0x10_0000, 0x10_0040);
        manifest.schedule = Schedule::Weighted { slice_us: 2500 };
        let flat = &mut manifest.partitions[0];
        flat.base = 0x40_0000;
        flat.boot_argument = u64::MAX;
        flat.share = 7;
        flat.io_ports = vec![PortRange::single(0x80), PortRange::new(0x2f8, 0x2ff)];
        flat.restart = RestartPolicy::OnFault { limit: 100 };
        flat.color = Some(Color::White);
        let mut second = default_manifest().partitions[1].clone();
        second.color = None;
        manifest.partitions.push(second);
        manifest.partitions.push(multiboot_partition());
        manifest
    }

    /// A multiboot partition with a command line and two modules.
    fn multiboot_partition() -> PartitionConfig {
        let mut kernel = PartitionConfig::new(
            "mb",
            16,
            ImageSource::File("kernel.elf".into()),
            ImageFormat::Multiboot,
            CpuMode::Protected32,
        );
        kernel.cmdline = "console=com0 é".into();
        kernel.modules = vec![
            BootModule { image: ImageSource::File("a.bin".into()), string: "a.bin first".into() },
            BootModule { image: ImageSource::File("b.bin".into()), string: String::new() },
        ];
        kernel
    }

    #[test]
    fn encoded_manifests_decode_to_the_same_manifest() {
        for manifest in [default_manifest(), rich_manifest()] {
            let bytes = encode(&manifest, entry).expect("encodes");
            assert_eq!(decode(&bytes), Ok(as_decoded(&manifest)));
        }
    }

    #[test]
    fn decoded_manifests_pass_validation_again() {
        let bytes = encode(&default_manifest(), entry).expect("encodes");
        let decoded = decode(&bytes).expect("decodes");
        assert_eq!(decoded.partitions[0].image, ImageSource::Bundle("guest/hello64".into()));
        assert_eq!(crate::validate(&decoded, &crate::ValidationContext::default()), Ok(()));
    }

    #[test]
    fn every_truncation_fails_cleanly() {
        for manifest in [default_manifest(), rich_manifest()] {
            let bytes = encode(&manifest, entry).expect("encodes");
            for cut in 0..bytes.len() {
                assert!(
                    matches!(decode(&bytes[..cut]), Err(DecodeError::Truncated { .. } | DecodeError::BadMagic)),
                    "cut at {cut}: {:?}",
                    decode(&bytes[..cut])
                );
            }
        }
        assert_eq!(decode(&[]), Err(DecodeError::Truncated { offset: 0, what: "magic" }));
    }

    #[test]
    fn headers_and_trailing_bytes_are_checked() {
        let bytes = encode(&default_manifest(), entry).expect("encodes");
        let mut bad = bytes.clone();
        bad[7] = b'2';
        assert_eq!(decode(&bad), Err(DecodeError::BadMagic));
        let mut bad = bytes.clone();
        bad[8] = 2;
        assert_eq!(decode(&bad), Err(DecodeError::UnsupportedVersion(2)));
        let mut long = bytes.clone();
        long.extend_from_slice(&[0, 0]);
        assert_eq!(decode(&long), Err(DecodeError::TrailingBytes { offset: bytes.len(), count: 2 }));
    }

    #[test]
    fn bad_tags_counts_lengths_and_text_are_named() {
        let bytes = encode(&default_manifest(), entry).expect("encodes");
        let flipped = |at: usize, value: u8| {
            let mut bad = bytes.clone();
            bad[at] = value;
            decode(&bad)
        };
        assert_eq!(flipped(12, 2), Err(DecodeError::BadTag { offset: 12, what: "schedule", value: 2 }));
        assert_eq!(
            flipped(17, 65),
            Err(DecodeError::TooMany { offset: 17, what: "frames", count: 65, max: MAX_FRAMES })
        );
        // The first frame's name: "hello64", length byte at 18.
        assert_eq!(
            flipped(18, 0),
            Err(DecodeError::BadStringLength { offset: 18, what: "frame partition name", len: 0 })
        );
        assert_eq!(
            flipped(18, 65),
            Err(DecodeError::BadStringLength { offset: 18, what: "frame partition name", len: 65 })
        );
        assert_eq!(flipped(19, 0xff), Err(DecodeError::NotUtf8 { offset: 19, what: "frame partition name" }));
        // Frames: 3 x (1 + len + 4) for hello64, realmode, hostile.
        let partitions_at = 18 + (1 + 7 + 4) + (1 + 8 + 4) + (1 + 7 + 4);
        assert_eq!(bytes[partitions_at], 3);
        assert_eq!(
            flipped(partitions_at, 17),
            Err(DecodeError::TooMany { offset: partitions_at, what: "partitions", count: 17, max: MAX_PARTITIONS })
        );
        // First partition: name (8), memory (4), base (8), image entry (1 + 13), then the format tag.
        let format_at = partitions_at + 1 + 8 + 4 + 8 + 1 + "guest/hello64".len();
        assert_eq!(
            flipped(format_at, 3),
            Err(DecodeError::BadTag { offset: format_at, what: "image format", value: 3 })
        );
        assert_eq!(
            flipped(format_at + 1, 3),
            Err(DecodeError::BadTag { offset: format_at + 1, what: "CPU mode", value: 3 })
        );
        let restart_at = format_at + 2 + 8 + 4 + 4 + 1;
        assert_eq!(
            flipped(restart_at, 9),
            Err(DecodeError::BadTag { offset: restart_at, what: "restart policy", value: 9 })
        );
        assert_eq!(
            flipped(restart_at + 1, 8),
            Err(DecodeError::BadTag { offset: restart_at + 1, what: "console colour", value: 8 })
        );
    }

    #[test]
    fn no_bit_flip_panics() {
        let bytes = encode(&rich_manifest(), entry).expect("encodes");
        for at in 0..bytes.len() {
            for bit in 0..8 {
                let mut flipped = bytes.clone();
                flipped[at] ^= 1 << bit;
                // Either rejected, or a different but well-formed manifest.
                if let Ok(manifest) = decode(&flipped) {
                    assert_ne!(manifest, as_decoded(&rich_manifest()), "flip at {at} bit {bit} went unnoticed");
                }
            }
        }
    }
}
