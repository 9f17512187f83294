//! Checking a UEFI disk image before it goes anywhere: a GPT disk (protective
//! MBR, a GPT header and partition array whose CRCs match) with an EFI system
//! partition, that partition a FAT file system, and in it
//! `EFI/BOOT/BOOTX64.EFI` — the file UEFI firmware starts from removable
//! media — as a PE executable. The bootloader's `kernel-x86_64` and
//! `ramdisk` (the boot bundle) are looked up too.
//!
//! Pure: it reads a byte buffer, so the tests build synthetic images.

/// The sector size of the images the bootloader writes.
pub const SECTOR: usize = 512;

/// The EFI system partition's type GUID, C12A7328-F81F-11D2-BA4B-00A0C93EC93B,
/// in its on-disk (mixed-endian) byte order.
pub const ESP_TYPE: [u8; 16] =
    [0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b];

/// The firmware's default boot path on removable media (x86-64).
pub const LOADER_PATH: [&str; 3] = ["EFI", "BOOT", "BOOTX64.EFI"];

/// The bootloader crate's names for the kernel and the ramdisk in the ESP root.
pub const KERNEL_FILE: &str = "kernel-x86_64";
/// See [`KERNEL_FILE`].
pub const RAMDISK_FILE: &str = "ramdisk";

/// What a valid image holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageSummary {
    /// The FAT variant of the EFI system partition: 12, 16 or 32.
    pub fat_bits: u8,
    /// The EFI system partition's size in bytes.
    pub esp_bytes: u64,
    /// The size of `EFI/BOOT/BOOTX64.EFI`.
    pub loader_bytes: u64,
    /// The size of `kernel-x86_64` in the ESP root, if there is one.
    pub kernel_bytes: Option<u64>,
    /// The size of `ramdisk` (the boot bundle) in the ESP root, if there is one.
    pub ramdisk_bytes: Option<u64>,
}

/// Checks that `image` is a bootable UEFI disk image; the error says what is wrong.
pub fn check(image: &[u8]) -> Result<ImageSummary, String> {
    if image.len() < 34 * SECTOR || !image.len().is_multiple_of(SECTOR) {
        return Err(format!(
            "{} bytes is not a disk image (a GPT disk is a whole number of 512-byte sectors, at least 34)",
            image.len()
        ));
    }
    if image[510..512] != [0x55, 0xaa] {
        return Err("no MBR boot signature 0x55AA at offset 510".into());
    }
    if image[446 + 4] != 0xee {
        return Err(format!("the first MBR partition has type {:#04x}, not 0xEE (GPT protective MBR)", image[446 + 4]));
    }
    let esp = find_esp(image)?;
    let fat = Fat::new(esp)?;
    let loader = fat.lookup(&LOADER_PATH)?;
    if loader.directory || loader.size == 0 {
        return Err(format!("{} is empty or not a file", LOADER_PATH.join("/")));
    }
    let first = fat.read_start(&loader, 2)?;
    if first != b"MZ" {
        return Err(format!("{} is not an EFI executable (no MZ header)", LOADER_PATH.join("/")));
    }
    let root_file = |name: &str| fat.lookup(&[name]).ok().filter(|entry| !entry.directory).map(|entry| entry.size);
    Ok(ImageSummary {
        fat_bits: fat.bits,
        esp_bytes: esp.len() as u64,
        loader_bytes: loader.size,
        kernel_bytes: root_file(KERNEL_FILE),
        ramdisk_bytes: root_file(RAMDISK_FILE),
    })
}

/// `len` bytes of `bytes` at `offset`, or an error naming `what`.
fn slice<'a>(bytes: &'a [u8], offset: u64, len: u64, what: &str) -> Result<&'a [u8], String> {
    let start = usize::try_from(offset).map_err(|_| format!("{what}: offset {offset} out of range"))?;
    let len = usize::try_from(len).map_err(|_| format!("{what}: length {len} out of range"))?;
    start
        .checked_add(len)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| format!("{what} lies outside the image (bytes {start}..+{len} of {})", bytes.len()))
}

fn u16_at(bytes: &[u8], offset: usize) -> u16 {
    u16::from_le_bytes([bytes[offset], bytes[offset + 1]])
}

fn u32_at(bytes: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes([bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]])
}

fn u64_at(bytes: &[u8], offset: usize) -> u64 {
    u64::from(u32_at(bytes, offset)) | (u64::from(u32_at(bytes, offset + 4)) << 32)
}

/// CRC-32 (IEEE 802.3, reflected), as GPT uses it.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Validates the primary GPT header and partition array; returns the ESP's bytes.
fn find_esp(image: &[u8]) -> Result<&[u8], String> {
    let header = &image[SECTOR..2 * SECTOR];
    if &header[..8] != b"EFI PART" {
        return Err("no GPT header (\"EFI PART\") at LBA 1".into());
    }
    let header_size = u32_at(header, 12) as usize;
    if !(92..=SECTOR).contains(&header_size) {
        return Err(format!("GPT header size {header_size} is invalid"));
    }
    let mut copy = header[..header_size].to_vec();
    copy[16..20].fill(0);
    if crc32(&copy) != u32_at(header, 16) {
        return Err("the GPT header's CRC does not match (the image is damaged)".into());
    }
    let (entries_lba, count, entry_size) = (u64_at(header, 72), u32_at(header, 80), u32_at(header, 84));
    if entry_size < 128 || count == 0 || count > 1024 {
        return Err(format!("GPT partition array of {count} entries of {entry_size} bytes is invalid"));
    }
    let entries =
        slice(image, entries_lba * SECTOR as u64, u64::from(count) * u64::from(entry_size), "the GPT partition array")?;
    if crc32(entries) != u32_at(header, 88) {
        return Err("the GPT partition array's CRC does not match (the image is damaged)".into());
    }
    let esp = entries
        .chunks_exact(entry_size as usize)
        .find(|entry| entry[..16] == ESP_TYPE)
        .ok_or("the GPT has no EFI system partition (type C12A7328-F81F-11D2-BA4B-00A0C93EC93B)")?;
    let (first, last) = (u64_at(esp, 32), u64_at(esp, 40));
    if last < first {
        return Err(format!("the EFI system partition's LBAs {first}..{last} are reversed"));
    }
    slice(image, first * SECTOR as u64, (last - first + 1) * SECTOR as u64, "the EFI system partition")
}

/// A directory entry found in the FAT file system.
#[derive(Clone, Debug)]
struct Entry {
    directory: bool,
    first_cluster: u32,
    size: u64,
}

/// A read-only view of a FAT12/16/32 volume.
struct Fat<'a> {
    volume: &'a [u8],
    bits: u8,
    bytes_per_sector: u64,
    sectors_per_cluster: u64,
    fat_offset: u64,
    /// FAT12/16: the fixed root directory (offset, bytes); FAT32: unused.
    root_region: (u64, u64),
    /// FAT32: the root directory's first cluster.
    root_cluster: u32,
    data_offset: u64,
    clusters: u32,
}

impl<'a> Fat<'a> {
    fn new(volume: &'a [u8]) -> Result<Self, String> {
        let boot = slice(volume, 0, SECTOR as u64, "the ESP boot sector")?;
        if boot[510..512] != [0x55, 0xaa] {
            return Err("the EFI system partition has no FAT boot sector (no 0x55AA signature)".into());
        }
        let bytes_per_sector = u64::from(u16_at(boot, 11));
        let sectors_per_cluster = u64::from(boot[13]);
        let reserved = u64::from(u16_at(boot, 14));
        let fats = u64::from(boot[16]);
        let root_entries = u64::from(u16_at(boot, 17));
        let total = match u16_at(boot, 19) {
            0 => u64::from(u32_at(boot, 32)),
            small => u64::from(small),
        };
        let fat_sectors = match u16_at(boot, 22) {
            0 => u64::from(u32_at(boot, 36)),
            small => u64::from(small),
        };
        if ![512, 1024, 2048, 4096].contains(&bytes_per_sector)
            || !sectors_per_cluster.is_power_of_two()
            || reserved == 0
            || fats == 0
            || fat_sectors == 0
        {
            return Err("the EFI system partition is not a FAT file system (invalid BIOS parameter block)".into());
        }
        let root_sectors = (root_entries * 32).div_ceil(bytes_per_sector);
        let data_sector = reserved + fats * fat_sectors + root_sectors;
        let clusters = total.checked_sub(data_sector).ok_or("the FAT volume is smaller than its own metadata")?
            / sectors_per_cluster;
        let clusters = u32::try_from(clusters).map_err(|_| "the FAT volume has too many clusters".to_string())?;
        let bits = match clusters {
            0..=4084 => 12,
            4085..=65524 => 16,
            _ => 32,
        };
        Ok(Self {
            volume,
            bits,
            bytes_per_sector,
            sectors_per_cluster,
            fat_offset: reserved * bytes_per_sector,
            root_region: ((reserved + fats * fat_sectors) * bytes_per_sector, root_entries * 32),
            root_cluster: if bits == 32 { u32_at(boot, 44) } else { 0 },
            data_offset: data_sector * bytes_per_sector,
            clusters,
        })
    }

    fn cluster_bytes(&self) -> u64 {
        self.bytes_per_sector * self.sectors_per_cluster
    }

    /// The FAT entry of `cluster`: the next cluster, or `None` at the end of the chain.
    fn next(&self, cluster: u32) -> Result<Option<u32>, String> {
        let n = u64::from(cluster);
        let (value, end) = match self.bits {
            12 => {
                let pair = slice(self.volume, self.fat_offset + n + n / 2, 2, "the FAT")?;
                let pair = u32::from(u16_at(pair, 0));
                (if cluster % 2 == 1 { pair >> 4 } else { pair & 0xfff }, 0xff8)
            }
            16 => (u32::from(u16_at(slice(self.volume, self.fat_offset + 2 * n, 2, "the FAT")?, 0)), 0xfff8),
            _ => (u32_at(slice(self.volume, self.fat_offset + 4 * n, 4, "the FAT")?, 0) & 0x0fff_ffff, 0x0fff_fff8),
        };
        if value >= end {
            Ok(None)
        } else if value < 2 || value - 2 >= self.clusters {
            Err(format!("the FAT chain at cluster {cluster} is broken (next: {value:#x})"))
        } else {
            Ok(Some(value))
        }
    }

    /// The bytes of one cluster.
    fn cluster(&self, cluster: u32) -> Result<&'a [u8], String> {
        if cluster < 2 || cluster - 2 >= self.clusters {
            return Err(format!("cluster {cluster} is outside the FAT volume"));
        }
        let offset = self.data_offset + u64::from(cluster - 2) * self.cluster_bytes();
        slice(self.volume, offset, self.cluster_bytes(), "a FAT cluster")
    }

    /// The bytes of a cluster chain (at most `limit` bytes).
    fn chain(&self, first: u32, limit: u64) -> Result<Vec<u8>, String> {
        let mut bytes = Vec::new();
        let mut cluster = Some(first);
        let mut steps = 0u32;
        while let Some(current) = cluster {
            if bytes.len() as u64 >= limit {
                break;
            }
            steps += 1;
            if steps > self.clusters {
                return Err(format!("the FAT chain from cluster {first} loops"));
            }
            bytes.extend_from_slice(self.cluster(current)?);
            cluster = self.next(current)?;
        }
        bytes.truncate(usize::try_from(limit).unwrap_or(usize::MAX).min(bytes.len()));
        Ok(bytes)
    }

    /// The first `len` bytes of a file.
    fn read_start(&self, entry: &Entry, len: u64) -> Result<Vec<u8>, String> {
        self.chain(entry.first_cluster, len.min(entry.size))
    }

    /// The raw entries of the root directory.
    fn root(&self) -> Result<Vec<u8>, String> {
        if self.bits == 32 {
            self.chain(self.root_cluster, u64::MAX)
        } else {
            Ok(slice(self.volume, self.root_region.0, self.root_region.1, "the FAT root directory")?.to_vec())
        }
    }

    /// Follows `path` (case-insensitive; long or 8.3 names) from the root.
    fn lookup(&self, path: &[&str]) -> Result<Entry, String> {
        let mut directory = self.root()?;
        let mut found = None;
        for (depth, component) in path.iter().enumerate() {
            let entry = entries(&directory)
                .into_iter()
                .find(|(names, _)| names.iter().any(|name| name.eq_ignore_ascii_case(component)))
                .map(|(_, entry)| entry)
                .ok_or_else(|| format!("the EFI system partition has no {}", path[..=depth].join("/")))?;
            if depth + 1 < path.len() {
                if !entry.directory {
                    return Err(format!("{} in the EFI system partition is not a directory", path[..=depth].join("/")));
                }
                directory = self.chain(entry.first_cluster, u64::MAX)?;
            }
            found = Some(entry);
        }
        found.ok_or_else(|| "empty path".to_string())
    }
}

/// The entries of a directory: (names it answers to: the 8.3 name and the long name if any, entry).
fn entries(directory: &[u8]) -> Vec<(Vec<String>, Entry)> {
    let mut list = Vec::new();
    let mut long: Vec<(u8, String)> = Vec::new();
    for raw in directory.chunks_exact(32) {
        match raw[0] {
            0x00 => break,
            0xe5 => {
                long.clear();
                continue;
            }
            _ => {}
        }
        let attributes = raw[11];
        if attributes == 0x0f {
            long.push((raw[0] & 0x1f, long_name_part(raw)));
            continue;
        }
        if attributes & 0x08 != 0 {
            long.clear();
            continue; // volume label
        }
        let base = String::from_utf8_lossy(&raw[..8]).trim_end().to_string();
        let extension = String::from_utf8_lossy(&raw[8..11]).trim_end().to_string();
        let mut names = vec![if extension.is_empty() { base } else { format!("{base}.{extension}") }];
        if !long.is_empty() {
            long.sort_by_key(|(order, _)| *order);
            names.push(long.iter().map(|(_, part)| part.as_str()).collect());
            long.clear();
        }
        let first_cluster = (u32::from(u16_at(raw, 20)) << 16) | u32::from(u16_at(raw, 26));
        let entry = Entry { directory: attributes & 0x10 != 0, first_cluster, size: u64::from(u32_at(raw, 28)) };
        list.push((names, entry));
    }
    list
}

/// The 13 UCS-2 characters of one long-file-name entry (up to the terminator).
fn long_name_part(raw: &[u8]) -> String {
    let units: Vec<u16> = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]
        .iter()
        .map(|&offset| u16_at(raw, offset))
        .take_while(|&unit| unit != 0 && unit != 0xffff)
        .collect();
    String::from_utf16_lossy(&units)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A directory entry: 8.3 name (already padded to 11 bytes), attributes, cluster, size.
    fn short_entry(name: &[u8; 11], attributes: u8, cluster: u16, size: u32) -> [u8; 32] {
        let mut entry = [0u8; 32];
        entry[..11].copy_from_slice(name);
        entry[11] = attributes;
        entry[26..28].copy_from_slice(&cluster.to_le_bytes());
        entry[28..32].copy_from_slice(&size.to_le_bytes());
        entry
    }

    /// A long-file-name entry holding `name` (at most 13 characters) as its only part.
    fn long_entry(name: &str) -> [u8; 32] {
        let mut entry = [0u8; 32];
        entry[0] = 0x41; // first and last part
        entry[11] = 0x0f;
        let mut units: Vec<u16> = name.encode_utf16().collect();
        units.push(0);
        units.resize(13, 0xffff);
        for (unit, offset) in units.iter().zip([1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]) {
            entry[offset..offset + 2].copy_from_slice(&unit.to_le_bytes());
        }
        entry
    }

    /// A small GPT disk image with a FAT16 ESP holding `EFI/BOOT/BOOTX64.EFI`
    /// (starting with "MZ"), `kernel-x86_64` and `ramdisk`, like the bootloader's.
    pub(crate) fn synthetic_image() -> Vec<u8> {
        fn le16(value: usize) -> [u8; 2] {
            u16::try_from(value).expect("fits in 16 bits").to_le_bytes()
        }
        fn le64(value: usize) -> [u8; 8] {
            u64::try_from(value).expect("fits in 64 bits").to_le_bytes()
        }
        // FAT16 needs at least 4085 clusters: 4200 clusters of one sector.
        let (reserved, fat_sectors, root_entries, clusters) = (1usize, 17usize, 512usize, 4200usize);
        let data_sector = reserved + 2 * fat_sectors + root_entries * 32 / SECTOR;
        let esp_sectors = data_sector + clusters;
        let (esp_first, total_sectors) = (34usize, 34 + esp_sectors + 33);
        let mut image = vec![0u8; total_sectors * SECTOR];
        // Protective MBR.
        image[446 + 4] = 0xee;
        image[510] = 0x55;
        image[511] = 0xaa;
        // Partition array at LBA 2: one ESP entry.
        let array = 2 * SECTOR;
        image[array..array + 16].copy_from_slice(&ESP_TYPE);
        image[array + 32..array + 40].copy_from_slice(&le64(esp_first));
        image[array + 40..array + 48].copy_from_slice(&le64(esp_first + esp_sectors - 1));
        let array_crc = crc32(&image[array..array + 128 * 128]);
        // GPT header at LBA 1.
        let header = SECTOR;
        image[header..header + 8].copy_from_slice(b"EFI PART");
        image[header + 8..header + 12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        image[header + 12..header + 16].copy_from_slice(&92u32.to_le_bytes());
        image[header + 24..header + 32].copy_from_slice(&1u64.to_le_bytes());
        image[header + 72..header + 80].copy_from_slice(&2u64.to_le_bytes());
        image[header + 80..header + 84].copy_from_slice(&128u32.to_le_bytes());
        image[header + 84..header + 88].copy_from_slice(&128u32.to_le_bytes());
        image[header + 88..header + 92].copy_from_slice(&array_crc.to_le_bytes());
        let header_crc = crc32(&image[header..header + 92]);
        image[header + 16..header + 20].copy_from_slice(&header_crc.to_le_bytes());
        // FAT16 boot sector.
        let esp = esp_first * SECTOR;
        let boot = &mut image[esp..esp + SECTOR];
        boot[11..13].copy_from_slice(&le16(SECTOR));
        boot[13] = 1;
        boot[14..16].copy_from_slice(&le16(reserved));
        boot[16] = 2;
        boot[17..19].copy_from_slice(&le16(root_entries));
        boot[19..21].copy_from_slice(&le16(esp_sectors));
        boot[22..24].copy_from_slice(&le16(fat_sectors));
        boot[510] = 0x55;
        boot[511] = 0xaa;
        // Clusters: 2 = EFI/, 3 = EFI/BOOT/, 4-5 = BOOTX64.EFI (two clusters, chained),
        // 6 = kernel, 7 = ramdisk.
        let fat = esp + reserved * SECTOR;
        for (cluster, next) in [(2usize, 0xffffusize), (3, 0xffff), (4, 5), (5, 0xffff), (6, 0xffff), (7, 0xffff)] {
            let at = fat + 2 * cluster;
            image[at..at + 2].copy_from_slice(&le16(next));
        }
        let root = esp + (reserved + 2 * fat_sectors) * SECTOR;
        let cluster_at = |cluster: usize| esp + (data_sector + cluster - 2) * SECTOR;
        let mut put = |at: usize, bytes: &[u8]| image[at..at + bytes.len()].copy_from_slice(bytes);
        put(root, &short_entry(b"NO NAME    ", 0x08, 0, 0));
        put(root + 32, &short_entry(b"EFI        ", 0x10, 2, 0));
        put(root + 64, &long_entry(KERNEL_FILE));
        put(root + 96, &short_entry(b"KERNEL~1   ", 0x20, 6, 300));
        put(root + 128, &long_entry(RAMDISK_FILE));
        put(root + 160, &short_entry(b"RAMDISK    ", 0x20, 7, 100));
        put(cluster_at(2), &short_entry(b".          ", 0x10, 2, 0));
        put(cluster_at(2) + 32, &short_entry(b"BOOT       ", 0x10, 3, 0));
        put(cluster_at(3), &short_entry(b"BOOTX64 EFI", 0x20, 4, 700));
        put(cluster_at(4), b"MZ");
        image
    }

    #[test]
    fn a_synthetic_bootloader_image_passes() {
        let summary = check(&synthetic_image()).expect("valid image");
        assert_eq!(summary.fat_bits, 16);
        assert_eq!(summary.loader_bytes, 700);
        assert_eq!(summary.kernel_bytes, Some(300));
        assert_eq!(summary.ramdisk_bytes, Some(100));
    }

    #[test]
    fn each_defect_is_named() {
        type Damage = fn(&mut Vec<u8>);
        let cases: [(&str, Damage); 8] = [
            ("0x55AA at offset 510", |image| image[510] = 0),
            ("not 0xEE", |image| image[450] = 0x07),
            ("\"EFI PART\"", |image| image[512] = b'X'),
            ("header's CRC", |image| image[512 + 24] = 9),
            ("array's CRC", |image| image[1024 + 60] = b'x'),
            ("no EFI/BOOT/BOOTX64.EFI", |image| {
                let at = image.windows(11).position(|w| w == b"BOOTX64 EFI").expect("entry");
                image[at..at + 7].copy_from_slice(b"GRUBX64");
            }),
            ("no MZ header", |image| {
                let at = image.windows(2).rposition(|w| w == b"MZ").expect("loader");
                image[at] = 0;
            }),
            ("whole number of 512-byte sectors", |image| image.truncate(1000)),
        ];
        for (needle, damage) in cases {
            let mut image = synthetic_image();
            damage(&mut image);
            let error = check(&image).expect_err(needle);
            assert!(error.contains(needle), "expected {needle:?} in: {error}");
        }
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }
}
