//! Deciding whether a block device may be overwritten.
//!
//! Everything is read through a [`SystemView`] — the sysfs root, `/dev`, the
//! mount and swap tables and the root file system's device number — so the
//! decision is a pure function of files the tests fake in a temporary
//! directory. A device is accepted only if it is a whole disk, does not hold
//! the running system, has nothing mounted, swapped on or held (LVM, LUKS,
//! RAID) on it, reports itself removable, has a medium, and is at least as
//! large as the image.

use std::collections::BTreeSet;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Where the checks read the system's state from.
#[derive(Clone, Debug)]
pub struct SystemView {
    /// The sysfs root (`/sys`).
    pub sysfs: PathBuf,
    /// The device directory (`/dev`): mount sources under `/dev/` are looked up
    /// here, so that `/dev/disk/by-uuid/...` and `/dev/mapper/...` symlinks resolve.
    pub dev: PathBuf,
    /// The mount table (the text of `/proc/self/mounts`).
    pub mounts: String,
    /// The swap table (the text of `/proc/swaps`; empty if there is none).
    pub swaps: String,
    /// The device number (`st_dev`) of the root file system, if known.
    pub root_dev: Option<u64>,
}

impl SystemView {
    /// The running system's view: `/sys`, `/dev`, `/proc/self/mounts`, `/proc/swaps`, `stat /`.
    pub fn live() -> Result<Self> {
        let mounts = std::fs::read_to_string("/proc/self/mounts").map_err(|e| {
            Error::new(format!(
                "cannot read /proc/self/mounts: {e} — flash needs Linux with /proc mounted, to make sure \
                 nothing on the device is in use"
            ))
        })?;
        Ok(Self {
            sysfs: PathBuf::from("/sys"),
            dev: PathBuf::from("/dev"),
            mounts,
            swaps: std::fs::read_to_string("/proc/swaps").unwrap_or_default(),
            root_dev: std::fs::metadata("/").ok().map(|metadata| metadata.dev()),
        })
    }

    /// `/sys/class/block/<name>`: every block device, disks and partitions.
    fn class_block(&self, name: &str) -> PathBuf {
        self.sysfs.join("class").join("block").join(name)
    }

    /// `/sys/block/<disk>`: whole disks only.
    fn block(&self, disk: &str) -> PathBuf {
        self.sysfs.join("block").join(disk)
    }

    /// The trimmed contents of a sysfs attribute.
    fn attribute(&self, path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok().map(|text| text.trim().to_string())
    }

    /// The names in a sysfs directory (empty if it does not exist).
    fn names_in(&self, path: &Path) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(path) else { return Vec::new() };
        let mut names: Vec<String> = entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
        names.sort();
        names
    }

    /// Whether `name` is a partition.
    fn is_partition(&self, name: &str) -> bool {
        self.class_block(name).join("partition").exists()
    }

    /// The whole disk a partition belongs to (its parent directory in sysfs).
    fn parent_disk(&self, partition: &str) -> Option<String> {
        let canonical = std::fs::canonicalize(self.class_block(partition)).ok()?;
        Some(canonical.parent()?.file_name()?.to_str()?.to_string())
    }

    /// The partitions of `disk` (its sysfs subdirectories with a `partition` file).
    fn partitions(&self, disk: &str) -> Vec<String> {
        let directory = self.block(disk);
        self.names_in(&directory).into_iter().filter(|name| directory.join(name).join("partition").exists()).collect()
    }

    /// The whole disks under block device `name`: itself if it is a disk, its
    /// disk if it is a partition, and for device-mapper or RAID devices
    /// (LVM, LUKS, md) the disks under their `slaves`, recursively.
    pub fn backing_disks(&self, name: &str) -> BTreeSet<String> {
        let mut disks = BTreeSet::new();
        self.collect_backing(name, 0, &mut disks);
        disks
    }

    fn collect_backing(&self, name: &str, depth: u32, disks: &mut BTreeSet<String>) {
        let slaves = self.names_in(&self.class_block(name).join("slaves"));
        if !slaves.is_empty() && depth < 16 {
            for slave in slaves {
                self.collect_backing(&slave, depth + 1, disks);
            }
        } else if self.is_partition(name) {
            disks.insert(self.parent_disk(name).unwrap_or_else(|| name.to_string()));
        } else {
            disks.insert(name.to_string());
        }
    }

    /// The kernel name of the block device a mount source (like `/dev/sdb1`,
    /// `/dev/disk/by-uuid/...`, `/dev/mapper/vg-root`) refers to, if any.
    fn resolve_source(&self, source: &str) -> Option<String> {
        let rest = source.strip_prefix("/dev/")?;
        let name = match std::fs::canonicalize(self.dev.join(rest)) {
            Ok(path) => path.file_name()?.to_str()?.to_string(),
            // Not resolvable here (no such node): the kernel name itself, if it is one.
            Err(_) if !rest.contains('/') => rest.to_string(),
            Err(_) => return None,
        };
        self.class_block(&name).exists().then_some(name)
    }

    /// The kernel name of the block device with number `dev` (`/sys/dev/block/MAJOR:MINOR`).
    fn name_of_number(&self, dev: u64) -> Option<String> {
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
        let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
        let link = self.sysfs.join("dev").join("block").join(format!("{major}:{minor}"));
        let canonical = std::fs::canonicalize(link).ok()?;
        Some(canonical.file_name()?.to_str()?.to_string())
    }

    /// The whole disks the root file system lives on (empty if it cannot be told,
    /// e.g. in a container whose root is an overlay).
    pub fn root_disks(&self) -> BTreeSet<String> {
        let mut names: Vec<String> = parse_mounts(&self.mounts)
            .iter()
            .filter(|mount| mount.target == "/")
            .filter_map(|mount| self.resolve_source(&mount.source))
            .collect();
        names.extend(self.root_dev.and_then(|dev| self.name_of_number(dev)));
        names.iter().flat_map(|name| self.backing_disks(name)).collect()
    }

    /// Whole disks that report themselves removable and hold a medium
    /// (for listing candidates when no device was named).
    pub fn removable_disks(&self) -> Vec<Disk> {
        self.names_in(&self.sysfs.join("block"))
            .into_iter()
            .filter(|disk| self.attribute(&self.block(disk).join("removable")).as_deref() == Some("1"))
            .map(|disk| self.describe(&disk))
            .filter(|disk| disk.size_bytes > 0)
            .collect()
    }

    /// Model and size of a whole disk.
    fn describe(&self, disk: &str) -> Disk {
        let device = self.block(disk).join("device");
        let model: Vec<String> = ["vendor", "model"]
            .iter()
            .filter_map(|field| self.attribute(&device.join(field)))
            .filter(|text| !text.is_empty())
            .collect();
        let sectors = self.attribute(&self.block(disk).join("size")).and_then(|text| text.parse::<u64>().ok());
        Disk {
            name: disk.to_string(),
            model: if model.is_empty() { "unknown model".into() } else { model.join(" ") },
            size_bytes: sectors.unwrap_or(0).saturating_mul(512),
        }
    }
}

/// A whole disk that may be overwritten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disk {
    /// Kernel name (`sdb`); the device is `/dev/<name>`.
    pub name: String,
    /// Vendor and model as the disk reports them.
    pub model: String,
    /// Capacity in bytes.
    pub size_bytes: u64,
}

impl Disk {
    /// `/dev/sdb: SanDisk Cruzer Blade, 16.0 GB`.
    pub fn line(&self) -> String {
        format!("/dev/{}: {}, {}", self.name, self.model, gigabytes(self.size_bytes))
    }
}

/// A size as disks are sold: decimal gigabytes, with GiB for comparison with `lsblk`.
pub fn gigabytes(bytes: u64) -> String {
    format!("{:.1} GB ({:.1} GiB)", bytes as f64 / 1e9, bytes as f64 / f64::from(1u32 << 30))
}

/// One line of the mount table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// What is mounted (`/dev/sdb1`, `tmpfs`, ...).
    pub source: String,
    /// Where.
    pub target: String,
}

/// Parses `/proc/self/mounts` (fields separated by spaces, with spaces,
/// tabs, newlines and backslashes in them written as octal escapes).
pub fn parse_mounts(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let source = unescape(fields.next()?);
            let target = unescape(fields.next()?);
            Some(Mount { source, target })
        })
        .collect()
}

/// Undoes the mount table's `\040`-style octal escapes.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).filter(|digits| digits.iter().all(|d| (b'0'..=b'7').contains(d)));
        match (bytes[i], octal) {
            (b'\\', Some(digits)) => {
                let value = digits.iter().fold(0u32, |value, d| value * 8 + u32::from(d - b'0'));
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 4;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks that `path` exists and is a block device; returns its kernel name
/// (`/dev/disk/by-id/usb-...` resolves to `sdb`).
pub fn block_device_name(path: &Path) -> Result<String> {
    let metadata = std::fs::metadata(path).map_err(|e| {
        Error::new(format!(
            "{}: {e} — name the USB stick's device, e.g. /dev/sdb (`lsblk -o NAME,SIZE,MODEL,TRAN,RM` lists disks; \
             `cargo xtask flash` without --device lists removable ones)",
            path.display()
        ))
    })?;
    if !metadata.file_type().is_block_device() {
        return Err(Error::new(format!(
            "{} is not a block device — name the USB stick's device, e.g. /dev/sdb (to copy the image into a file, \
             use cp)",
            path.display()
        )));
    }
    let canonical =
        std::fs::canonicalize(path).map_err(|e| Error::new(format!("cannot resolve {}: {e}", path.display())))?;
    canonical
        .file_name()
        .and_then(|name| name.to_str())
        .map(str::to_string)
        .ok_or_else(|| Error::new(format!("{} has no device name", canonical.display())))
}

/// Decides whether block device `name` may receive `image` (`image_bytes`
/// long); the error says why not and what to do instead.
pub fn assess(view: &SystemView, name: &str, image: &Path, image_bytes: u64) -> Result<Disk> {
    if !view.class_block(name).exists() {
        return Err(Error::new(format!(
            "the kernel lists no block device {name} ({} does not exist; is sysfs mounted?)",
            view.class_block(name).display()
        )));
    }
    let partition = view.is_partition(name);
    let disk = if partition { view.parent_disk(name).unwrap_or_else(|| name.to_string()) } else { name.to_string() };

    // The system disk first: the later messages suggest ways around them,
    // which must never be offered for the disk the running system is on.
    let backing = view.backing_disks(name);
    let root = view.root_disks();
    if let Some(system) = backing.iter().find(|candidate| root.contains(*candidate)) {
        let on = if system == name { String::new() } else { format!(" (/dev/{name} is on /dev/{system})") };
        return Err(Error::new(format!(
            "refusing to overwrite /dev/{system}: it holds the running system (the root file system / is on it){on} \
             — pick the USB stick instead (`cargo xtask flash` without --device lists removable disks)"
        )));
    }
    if partition {
        return Err(Error::new(format!(
            "/dev/{name} is a partition: write to the whole disk /dev/{disk}, not a partition \
             (the image holds its own partition table)"
        )));
    }
    if backing.len() != 1 || !backing.contains(&disk) {
        return Err(Error::new(format!(
            "/dev/{name} is a virtual device on {} — name the USB stick's own disk (e.g. /dev/sdb)",
            backing.iter().map(|d| format!("/dev/{d}")).collect::<Vec<_>>().join(", ")
        )));
    }

    in_use(view, &disk)?;

    if view.attribute(&view.block(&disk).join("removable")).as_deref() != Some("1") {
        return Err(Error::new(format!(
            "/dev/{disk} is not a removable disk (/sys/block/{disk}/removable is not 1): flash only writes to \
             removable disks, which USB sticks report themselves to be, so that an internal disk is never \
             overwritten by a typo. Some USB SSDs and card readers report 0; if you are sure /dev/{disk} is the \
             right device, write the image by hand: sudo dd if={} of=/dev/{disk} bs=4M conv=fsync \
             status=progress",
            image.display()
        )));
    }
    let described = view.describe(&disk);
    if described.size_bytes == 0 {
        return Err(Error::new(format!(
            "/dev/{disk} has no medium (its size is 0): insert the stick or card, then try again"
        )));
    }
    if described.size_bytes < image_bytes {
        return Err(Error::new(format!(
            "the image {} ({image_bytes} bytes) is larger than /dev/{disk} ({} bytes, {}): use a larger stick",
            image.display(),
            described.size_bytes,
            gigabytes(described.size_bytes)
        )));
    }
    Ok(described)
}

/// Refuses `disk` if it, or a partition of it, is mounted, used as swap, or
/// held by another block device (device mapper: LVM, LUKS; md RAID).
fn in_use(view: &SystemView, disk: &str) -> Result {
    let on_disk =
        |source: &str| view.resolve_source(source).is_some_and(|name| view.backing_disks(&name).contains(disk));
    let mounted: Vec<Mount> = parse_mounts(&view.mounts).into_iter().filter(|mount| on_disk(&mount.source)).collect();
    if !mounted.is_empty() {
        let list: Vec<String> = mounted.iter().map(|m| format!("{} on {}", m.source, m.target)).collect();
        let mut sources: Vec<&str> = Vec::new();
        for mount in &mounted {
            if !sources.contains(&mount.source.as_str()) {
                sources.push(&mount.source);
            }
        }
        return Err(Error::new(format!(
            "/dev/{disk} is mounted ({}): unmount first: umount {}",
            list.join(", "),
            sources.join(" ")
        )));
    }
    let swaps: Vec<String> = view
        .swaps
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next())
        .map(unescape)
        .filter(|source| on_disk(source))
        .collect();
    if !swaps.is_empty() {
        return Err(Error::new(format!(
            "/dev/{disk} is in use as swap ({}): turn it off first: swapoff {}",
            swaps.join(", "),
            swaps.join(" ")
        )));
    }
    let mut held = Vec::new();
    for name in std::iter::once(disk.to_string()).chain(view.partitions(disk)) {
        for holder in view.names_in(&view.class_block(&name).join("holders")) {
            held.push(format!("/dev/{name} by {holder}"));
        }
    }
    if !held.is_empty() {
        return Err(Error::new(format!(
            "/dev/{disk} is in use ({}: an open LUKS volume, an active LVM volume group or a RAID array): close it \
             first (cryptsetup close NAME, vgchange -an VG or mdadm --stop /dev/mdN; `lsblk /dev/{disk}` shows what)",
            held.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fake system in a fresh temporary directory: `sys/` and `dev/`.
    struct Fake {
        root: PathBuf,
    }

    impl Fake {
        fn new(test: &str) -> Self {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let root = std::env::temp_dir().join(format!(
                "xtask-flash-{}-{}-{test}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::SeqCst)
            ));
            let _ = std::fs::remove_dir_all(&root);
            for dir in ["sys/block", "sys/class/block", "sys/dev/block", "dev/disk/by-uuid", "dev/mapper"] {
                std::fs::create_dir_all(root.join(dir)).expect("create fake tree");
            }
            Self { root }
        }

        fn write(&self, relative: &str, text: &str) {
            let path = self.root.join(relative);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("create dir");
            std::fs::write(path, text).expect("write fake file");
        }

        fn link(&self, relative: &str, target: &str) {
            std::os::unix::fs::symlink(target, self.root.join(relative)).expect("symlink");
        }

        /// A whole disk: `/sys/block/<name>` with removable, size (sectors), vendor and model.
        fn disk(&self, name: &str, removable: bool, sectors: u64, number: &str) {
            self.write(&format!("sys/block/{name}/removable"), if removable { "1\n" } else { "0\n" });
            self.write(&format!("sys/block/{name}/size"), &format!("{sectors}\n"));
            self.write(&format!("sys/block/{name}/device/vendor"), "SanDisk \n");
            self.write(&format!("sys/block/{name}/device/model"), "Cruzer Blade    \n");
            self.link(&format!("sys/class/block/{name}"), &format!("../../block/{name}"));
            self.link(&format!("sys/dev/block/{number}"), &format!("../../block/{name}"));
            self.write(&format!("dev/{name}"), "");
        }

        /// Partition `part` of `disk`.
        fn partition(&self, disk: &str, part: &str, number: &str) {
            self.write(&format!("sys/block/{disk}/{part}/partition"), "1\n");
            self.write(&format!("sys/block/{disk}/{part}/size"), "2048\n");
            self.link(&format!("sys/class/block/{part}"), &format!("../../block/{disk}/{part}"));
            self.link(&format!("sys/dev/block/{number}"), &format!("../../block/{disk}/{part}"));
            self.write(&format!("dev/{part}"), "");
        }

        /// A device-mapper device on `slaves` (LVM or LUKS), visible as /dev/mapper/<alias>.
        fn mapper(&self, name: &str, alias: &str, slaves: &[&str]) {
            self.write(&format!("sys/block/{name}/removable"), "0\n");
            self.write(&format!("sys/block/{name}/size"), "1000\n");
            self.link(&format!("sys/class/block/{name}"), &format!("../../block/{name}"));
            for slave in slaves {
                self.write(&format!("sys/block/{name}/slaves/{slave}"), "");
                let holder = self.root.join("sys/class/block").join(slave).join("holders");
                std::fs::create_dir_all(&holder).expect("holders");
                std::fs::write(holder.join(name), "").expect("holder");
            }
            self.write(&format!("dev/{name}"), "");
            self.link(&format!("dev/mapper/{alias}"), &format!("../{name}"));
        }

        /// The usual machine: system disk sda (sda1 /boot/efi, sda2 /), stick sdb (sdb1), 16 GB.
        fn machine(test: &str) -> Self {
            let fake = Self::new(test);
            fake.disk("sda", false, 1_000_215_216, "8:0");
            fake.partition("sda", "sda1", "8:1");
            fake.partition("sda", "sda2", "8:2");
            fake.disk("sdb", true, 31_266_816, "8:16");
            fake.partition("sdb", "sdb1", "8:17");
            fake
        }

        fn view(&self, mounts: &str, root_dev: Option<u64>) -> SystemView {
            SystemView {
                sysfs: self.root.join("sys"),
                dev: self.root.join("dev"),
                mounts: mounts.into(),
                swaps: "Filename\tType\tSize\tUsed\tPriority\n".into(),
                root_dev,
            }
        }
    }

    impl Drop for Fake {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    const MOUNTS: &str = "sysfs /sys sysfs rw 0 0\n/dev/sda2 / ext4 rw 0 0\n/dev/sda1 /boot/efi vfat rw 0 0\n";
    const IMAGE: u64 = 12 << 20;

    fn refusal(view: &SystemView, name: &str, image: u64) -> String {
        assess(view, name, Path::new("usb.img"), image).expect_err("must be refused").to_string()
    }

    #[test]
    fn a_removable_whole_disk_is_accepted() {
        let fake = Fake::machine("accepted");
        let disk = assess(&fake.view(MOUNTS, None), "sdb", Path::new("usb.img"), IMAGE).expect("accepted");
        assert_eq!(disk, Disk { name: "sdb".into(), model: "SanDisk Cruzer Blade".into(), size_bytes: 16_008_609_792 });
        assert_eq!(disk.line(), "/dev/sdb: SanDisk Cruzer Blade, 16.0 GB (14.9 GiB)");
    }

    #[test]
    fn a_partition_is_refused_with_its_disk_named() {
        let fake = Fake::machine("partition");
        let error = refusal(&fake.view(MOUNTS, None), "sdb1", IMAGE);
        assert!(error.contains("write to the whole disk /dev/sdb, not a partition"), "{error}");
    }

    #[test]
    fn a_non_removable_disk_is_refused_with_the_dd_way_out() {
        let fake = Fake::machine("non-removable");
        fake.disk("sdc", false, 31_266_816, "8:32");
        let error = refusal(&fake.view(MOUNTS, None), "sdc", IMAGE);
        assert!(error.contains("/dev/sdc is not a removable disk"), "{error}");
        assert!(error.contains("USB SSDs"), "{error}");
        assert!(error.contains("dd if=usb.img of=/dev/sdc"), "{error}");
    }

    #[test]
    fn a_mounted_disk_or_partition_is_refused() {
        let fake = Fake::machine("mounted");
        let view = fake.view(&format!("{MOUNTS}/dev/sdb1 /media/user/STICK\\040ONE vfat rw 0 0\n"), None);
        let error = refusal(&view, "sdb", IMAGE);
        assert!(error.contains("on /media/user/STICK ONE"), "{error}");
        assert!(error.contains("unmount first: umount /dev/sdb1"), "{error}");
        let view = fake.view(&format!("{MOUNTS}/dev/sdb /mnt vfat rw 0 0\n"), None);
        assert!(refusal(&view, "sdb", IMAGE).contains("umount /dev/sdb"));
    }

    #[test]
    fn swap_and_device_mapper_holders_are_refused() {
        let fake = Fake::machine("swap");
        let mut view = fake.view(MOUNTS, None);
        view.swaps.push_str("/dev/sdb1\tpartition\t1024\t0\t-2\n");
        assert!(refusal(&view, "sdb", IMAGE).contains("swapoff /dev/sdb1"));
        let fake = Fake::machine("holder");
        fake.mapper("dm-3", "luks-stick", &["sdb1"]);
        let error = refusal(&fake.view(MOUNTS, None), "sdb", IMAGE);
        assert!(error.contains("/dev/sdb1 by dm-3"), "{error}");
        assert!(error.contains("cryptsetup close"), "{error}");
    }

    #[test]
    fn the_root_disk_is_refused_even_when_removable() {
        // The root file system on a removable disk (a system booted from USB).
        let fake = Fake::machine("root-direct");
        let view = fake.view("/dev/sdb1 / ext4 rw 0 0\n", None);
        for name in ["sdb", "sdb1"] {
            let error = refusal(&view, name, IMAGE);
            assert!(error.contains("refusing to overwrite /dev/sdb: it holds the running system"), "{error}");
        }
        assert!(refusal(&view, "sdb1", IMAGE).contains("(/dev/sdb1 is on /dev/sdb)"));
    }

    #[test]
    fn the_root_disk_is_found_through_a_by_uuid_symlink() {
        let fake = Fake::machine("root-uuid");
        fake.link("dev/disk/by-uuid/0b6c-4f1e", "../../sdb1");
        let view = fake.view("/dev/disk/by-uuid/0b6c-4f1e / ext4 rw 0 0\n", None);
        assert!(refusal(&view, "sdb", IMAGE).contains("holds the running system"));
    }

    #[test]
    fn the_root_disk_is_found_under_lvm() {
        // / on /dev/mapper/vg-root = dm-0, a logical volume on sdb1.
        let fake = Fake::machine("root-lvm");
        fake.mapper("dm-0", "vg-root", &["sdb1"]);
        let view = fake.view("/dev/mapper/vg-root / ext4 rw 0 0\n", None);
        assert!(refusal(&view, "sdb", IMAGE).contains("holds the running system"));
        // The mapped device itself is neither removable nor a disk of its own.
        assert!(refusal(&view, "dm-0", IMAGE).contains("holds the running system"));
    }

    #[test]
    fn the_root_disk_is_found_by_device_number_when_the_table_says_dev_root() {
        let fake = Fake::machine("root-number");
        // 8:17 is sdb1; the mount table names only /dev/root.
        let view = fake.view("/dev/root / ext4 rw 0 0\n", Some((8 << 8) | 17));
        assert!(refusal(&view, "sdb", IMAGE).contains("holds the running system"));
        assert_eq!(view.root_disks(), BTreeSet::from(["sdb".to_string()]));
    }

    #[test]
    fn an_image_larger_than_the_disk_or_an_empty_reader_is_refused() {
        let fake = Fake::machine("too-large");
        fake.disk("sdc", true, 2048, "8:32"); // 1 MiB
        fake.disk("sdd", true, 0, "8:48");
        let view = fake.view(MOUNTS, None);
        let error = refusal(&view, "sdc", IMAGE);
        assert!(error.contains("usb.img (12582912 bytes) is larger than /dev/sdc (1048576 bytes"), "{error}");
        assert!(refusal(&view, "sdd", IMAGE).contains("has no medium"));
    }

    #[test]
    fn an_unknown_device_name_is_refused() {
        let fake = Fake::machine("unknown");
        assert!(refusal(&fake.view(MOUNTS, None), "sdz", IMAGE).contains("no block device sdz"));
    }

    #[test]
    fn removable_disks_with_a_medium_are_listed() {
        let fake = Fake::machine("list");
        fake.disk("sdd", true, 0, "8:48");
        let listed: Vec<String> = fake.view(MOUNTS, None).removable_disks().iter().map(Disk::line).collect();
        assert_eq!(listed, ["/dev/sdb: SanDisk Cruzer Blade, 16.0 GB (14.9 GiB)"]);
    }

    #[test]
    fn a_plain_file_is_not_a_block_device() {
        let fake = Fake::new("plain-file");
        fake.write("image.img", "not a disk");
        let error = block_device_name(&fake.root.join("image.img")).expect_err("refused").to_string();
        assert!(error.contains("is not a block device"), "{error}");
        let error = block_device_name(&fake.root.join("missing")).expect_err("refused").to_string();
        assert!(error.contains("No such file"), "{error}");
    }

    #[test]
    fn mount_table_escapes_are_undone() {
        let mounts = parse_mounts("/dev/sdb1 /media/a\\040b\\134c vfat rw 0 0\n");
        assert_eq!(mounts, [Mount { source: "/dev/sdb1".into(), target: "/media/a b\\c".into() }]);
    }
}
