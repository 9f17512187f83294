//! Writing a bundle (host side, used by `xtask`).

use crate::format::{BundleError, DATA_ALIGN, ENTRY_LEN, HEADER_LEN, MAGIC, MAX_ENTRIES, MAX_NAME_LEN, VERSION};

/// Serialises `entries` (name, data) into a bundle. Names must be 1 to
/// [`MAX_NAME_LEN`] bytes, without NUL, and unique.
pub fn write(entries: &[(&str, &[u8])]) -> Result<Vec<u8>, BundleError> {
    if entries.len() > MAX_ENTRIES {
        return Err(BundleError::TooManyEntries(u32::try_from(entries.len()).unwrap_or(u32::MAX)));
    }
    for (index, (name, _)) in entries.iter().enumerate() {
        if name.is_empty() || name.len() > MAX_NAME_LEN || name.contains('\0') {
            return Err(BundleError::BadName { index });
        }
        if entries[..index].iter().any(|(earlier, _)| earlier == name) {
            return Err(BundleError::DuplicateName { index });
        }
    }
    let align = |n: usize| n.div_ceil(DATA_ALIGN) * DATA_ALIGN;
    let mut out = Vec::new();
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&u32::try_from(entries.len()).unwrap_or(u32::MAX).to_le_bytes());
    let mut offset = align(HEADER_LEN + entries.len() * ENTRY_LEN);
    for (name, data) in entries {
        let mut field = [0u8; MAX_NAME_LEN];
        field[..name.len()].copy_from_slice(name.as_bytes());
        out.extend_from_slice(&field);
        out.extend_from_slice(&(offset as u64).to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        offset = align(offset + data.len());
    }
    for (_, data) in entries {
        out.resize(align(out.len()), 0);
        out.extend_from_slice(data);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_names_are_refused() {
        let long = "x".repeat(MAX_NAME_LEN + 1);
        assert_eq!(write(&[("", b"")]).unwrap_err(), BundleError::BadName { index: 0 });
        assert_eq!(write(&[(long.as_str(), b"")]).unwrap_err(), BundleError::BadName { index: 0 });
        assert_eq!(write(&[("a", b""), ("a\0", b"")]).unwrap_err(), BundleError::BadName { index: 1 });
        assert_eq!(write(&[("a", b""), ("a", b"")]).unwrap_err(), BundleError::DuplicateName { index: 1 });
    }
}
