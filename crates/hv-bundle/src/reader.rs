//! Reading a bundle: validate everything once in [`Bundle::parse`], then
//! hand out entries that are known to be in bounds.

use crate::format::{BundleError, DATA_ALIGN, ENTRY_LEN, HEADER_LEN, MAGIC, MAX_ENTRIES, MAX_NAME_LEN, VERSION};

/// A validated bundle borrowed from its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Bundle<'a> {
    bytes: &'a [u8],
    count: usize,
}

/// One entry of a validated bundle.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    name: &'a str,
    data: &'a [u8],
}

impl<'a> Entry<'a> {
    /// The entry's name.
    #[must_use]
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The entry's data.
    #[must_use]
    pub fn data(&self) -> &'a [u8] {
        self.data
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Decodes the raw record of entry `index`; the table must be in bounds.
fn raw_entry(bytes: &[u8], index: usize) -> Result<(&str, u64, u64), BundleError> {
    let at = HEADER_LEN + index * ENTRY_LEN;
    let name_field = &bytes[at..at + MAX_NAME_LEN];
    let name_len = name_field.iter().position(|&b| b == 0).unwrap_or(MAX_NAME_LEN);
    if name_len == 0 || name_field[name_len..].iter().any(|&b| b != 0) {
        return Err(BundleError::BadName { index });
    }
    let name = core::str::from_utf8(&name_field[..name_len]).map_err(|_| BundleError::BadName { index })?;
    Ok((name, u64_at(bytes, at + MAX_NAME_LEN), u64_at(bytes, at + MAX_NAME_LEN + 8)))
}

impl<'a> Bundle<'a> {
    /// Validates `bytes` as a bundle.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, BundleError> {
        let len = bytes.len() as u64;
        if bytes.len() < HEADER_LEN {
            return Err(BundleError::Truncated { needed: HEADER_LEN as u64, len });
        }
        if bytes[..8] != MAGIC {
            return Err(BundleError::BadMagic);
        }
        let version = u32_at(bytes, 8);
        if version != VERSION {
            return Err(BundleError::UnsupportedVersion(version));
        }
        let count = u32_at(bytes, 12);
        let count_usize = usize::try_from(count).unwrap_or(usize::MAX);
        if count_usize > MAX_ENTRIES {
            return Err(BundleError::TooManyEntries(count));
        }
        let table_end = HEADER_LEN + count_usize * ENTRY_LEN;
        if bytes.len() < table_end {
            return Err(BundleError::Truncated { needed: table_end as u64, len });
        }
        for index in 0..count_usize {
            let (name, offset, data_len) = raw_entry(bytes, index)?;
            let in_bounds = offset >= table_end as u64 && offset.checked_add(data_len).is_some_and(|end| end <= len);
            if !in_bounds {
                return Err(BundleError::DataOutOfBounds { index, offset, len: data_len });
            }
            if offset % DATA_ALIGN as u64 != 0 {
                return Err(BundleError::Misaligned { index, offset });
            }
            for earlier in 0..index {
                if raw_entry(bytes, earlier)?.0 == name {
                    return Err(BundleError::DuplicateName { index });
                }
            }
        }
        Ok(Self { bytes, count: count_usize })
    }

    /// The number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the bundle has no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The size of the whole bundle in bytes.
    #[must_use]
    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    /// The entries, in table order.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'a>> + '_ {
        (0..self.count).map(|index| self.entry(index))
    }

    /// The entry named `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Entry<'a>> {
        self.entries().find(|entry| entry.name == name)
    }

    fn entry(&self, index: usize) -> Entry<'a> {
        let bytes: &'a [u8] = self.bytes;
        // `parse` validated every record: the name decodes and the data range
        // lies inside `bytes`, so neither step below can fail.
        let (name, offset, len) = raw_entry(bytes, index).unwrap_or(("", 0, 0));
        let start = usize::try_from(offset).unwrap_or(0);
        let end = start + usize::try_from(len).unwrap_or(0);
        Entry { name, data: bytes.get(start..end).unwrap_or(&[]) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write;

    fn sample() -> Vec<u8> {
        write(&[("params", b"selftest=panic".as_slice()), ("guest/hello", &[0x7f, b'E', b'L', b'F', 1, 2, 3])])
            .expect("valid entries")
    }

    #[test]
    fn written_bundles_read_back() {
        let bytes = sample();
        let bundle = Bundle::parse(&bytes).expect("parses");
        assert_eq!(bundle.len(), 2);
        let names: Vec<&str> = bundle.entries().map(|e| e.name()).collect();
        assert_eq!(names, ["params", "guest/hello"]);
        assert_eq!(bundle.get("params").map(|e| e.data()), Some(b"selftest=panic".as_slice()));
        assert_eq!(bundle.get("guest/hello").map(|e| e.data().len()), Some(7));
        assert!(bundle.get("missing").is_none());
    }

    #[test]
    fn data_is_aligned() {
        let bytes = sample();
        for index in 0..2 {
            let offset = u64_at(&bytes, HEADER_LEN + index * ENTRY_LEN + MAX_NAME_LEN);
            assert_eq!(offset % DATA_ALIGN as u64, 0);
        }
    }

    #[test]
    fn empty_bundle_is_valid() {
        let bytes = write(&[]).expect("empty is fine");
        let bundle = Bundle::parse(&bytes).expect("parses");
        assert!(bundle.is_empty());
    }

    #[test]
    fn every_truncation_is_rejected_without_panicking() {
        let bytes = sample();
        let data_end = bytes.len();
        for cut in 0..data_end {
            assert!(Bundle::parse(&bytes[..cut]).is_err(), "accepted a bundle cut at {cut}");
        }
    }

    #[test]
    fn bad_headers_are_named() {
        let mut bytes = sample();
        bytes[0] = b'X';
        assert_eq!(Bundle::parse(&bytes).unwrap_err(), BundleError::BadMagic);
        let mut bytes = sample();
        bytes[8] = 2;
        assert_eq!(Bundle::parse(&bytes).unwrap_err(), BundleError::UnsupportedVersion(2));
        let mut bytes = sample();
        bytes[12..16].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(Bundle::parse(&bytes).unwrap_err(), BundleError::TooManyEntries(1000));
    }

    #[test]
    fn out_of_bounds_and_overflowing_data_is_rejected() {
        let len_field = HEADER_LEN + MAX_NAME_LEN + 8;
        let mut bytes = sample();
        bytes[len_field..len_field + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(Bundle::parse(&bytes), Err(BundleError::DataOutOfBounds { index: 0, .. })));
        // Data pointing into the entry table is refused too.
        let mut bytes = sample();
        bytes[HEADER_LEN + MAX_NAME_LEN..HEADER_LEN + MAX_NAME_LEN + 8].copy_from_slice(&0u64.to_le_bytes());
        assert!(matches!(Bundle::parse(&bytes), Err(BundleError::DataOutOfBounds { index: 0, .. })));
        // Misaligned data.
        let mut bytes = sample();
        let offset_field = HEADER_LEN + MAX_NAME_LEN;
        let offset = u64_at(&bytes, offset_field) + 1;
        bytes[offset_field..offset_field + 8].copy_from_slice(&offset.to_le_bytes());
        assert_eq!(Bundle::parse(&bytes).unwrap_err(), BundleError::Misaligned { index: 0, offset });
    }

    #[test]
    fn bad_and_duplicate_names_are_rejected() {
        let mut bytes = sample();
        bytes[HEADER_LEN] = 0; // empty name
        assert_eq!(Bundle::parse(&bytes).unwrap_err(), BundleError::BadName { index: 0 });
        let mut bytes = sample();
        bytes[HEADER_LEN + 1] = 0xff; // invalid UTF-8
        assert_eq!(Bundle::parse(&bytes).unwrap_err(), BundleError::BadName { index: 0 });
        let mut bytes = sample();
        bytes[HEADER_LEN + 10] = b'x'; // garbage after the terminating NUL
        assert_eq!(Bundle::parse(&bytes).unwrap_err(), BundleError::BadName { index: 0 });
        let mut bytes = sample();
        let second = HEADER_LEN + ENTRY_LEN;
        bytes[second..second + MAX_NAME_LEN].fill(0);
        bytes[second..second + 6].copy_from_slice(b"params");
        assert_eq!(Bundle::parse(&bytes).unwrap_err(), BundleError::DuplicateName { index: 1 });
    }
}
