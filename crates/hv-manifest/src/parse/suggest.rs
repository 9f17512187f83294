//! "Did you mean ...?": the closest known word to a misspelt one.
//!
//! A typo such as `memory_mb` or `mode = "long"` should come back with the
//! word that was meant, not only the list of every valid one.

/// The candidate closest to `word`, if one is close enough to be a likely
/// typo: at most two edits apart (ignoring case), or sharing the first four
/// characters (`realmode` → `real16`).
pub(super) fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter_map(|candidate| {
            let distance = edit_distance(&word, candidate);
            let prefix = word.chars().zip(candidate.chars()).take_while(|(a, b)| a == b).count();
            (distance <= 2 || prefix >= 4).then_some((distance, candidate))
        })
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, &cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("memory_mb", "memory_mib"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn typos_find_the_intended_word() {
        let fields = ["name", "memory_mib", "mode", "image"];
        assert_eq!(closest("memory_mb", fields), Some("memory_mib"));
        assert_eq!(closest("Memory_MiB", fields), Some("memory_mib"));
        assert_eq!(closest("imgae", fields), Some("image"));
        assert_eq!(closest("colour", fields), None);
        assert_eq!(closest("long", ["real16", "protected32", "long64"]), Some("long64"));
        assert_eq!(closest("realmode", ["real16", "protected32", "long64"]), Some("real16"));
        assert_eq!(closest("on_fault", ["never", "on-fault"]), Some("on-fault"));
        assert_eq!(closest("ELF", ["elf", "flat"]), Some("elf"));
    }
}
