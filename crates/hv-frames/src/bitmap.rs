//! A fixed-size bit set over caller-supplied `u64` words.
//!
//! The allocator keeps two of these (frames in use, frames managed) in the
//! storage the caller hands it. Range operations work a word at a time and the
//! searches skip whole words, so a map of millions of frames is set up and
//! scanned quickly even without a heap or any extra index.

/// Bits per storage word.
pub(crate) const WORD_BITS: usize = u64::BITS as usize;

/// A bit set whose bit `i` lives in `words[i / 64]`, bit `i % 64`.
pub(crate) struct Bitmap<'a> {
    words: &'a mut [u64],
}

/// Mask of bits `lo..hi` within one word (`lo < hi <= 64`).
const fn mask(lo: usize, hi: usize) -> u64 {
    let width = hi - lo;
    if width == WORD_BITS {
        u64::MAX
    } else {
        ((1u64 << width) - 1) << lo
    }
}

impl<'a> Bitmap<'a> {
    /// Wraps `words`; their contents are kept.
    pub(crate) fn new(words: &'a mut [u64]) -> Self {
        Self { words }
    }

    /// Number of bits.
    pub(crate) fn bit_len(&self) -> usize {
        self.words.len().saturating_mul(WORD_BITS)
    }

    /// The raw words.
    pub(crate) fn words(&self) -> &[u64] {
        self.words
    }

    /// The raw words, mutable.
    pub(crate) fn words_mut(&mut self) -> &mut [u64] {
        self.words
    }

    /// Bit `i` (which must be `< bit_len()`).
    pub(crate) fn get(&self, i: usize) -> bool {
        self.words[i / WORD_BITS] & (1 << (i % WORD_BITS)) != 0
    }

    /// Sets bit `i`.
    pub(crate) fn set(&mut self, i: usize) {
        self.words[i / WORD_BITS] |= 1 << (i % WORD_BITS);
    }

    /// Clears bit `i`.
    pub(crate) fn clear(&mut self, i: usize) {
        self.words[i / WORD_BITS] &= !(1 << (i % WORD_BITS));
    }

    /// Sets every bit to `value`.
    pub(crate) fn fill(&mut self, value: bool) {
        self.words.fill(if value { u64::MAX } else { 0 });
    }

    /// Calls `f(word, mask)` for each word overlapping bits `start..end`.
    fn for_each_masked(&mut self, start: usize, end: usize, mut f: impl FnMut(&mut u64, u64)) {
        let mut i = start;
        while i < end {
            let word = i / WORD_BITS;
            let lo = i % WORD_BITS;
            let hi = (end - word * WORD_BITS).min(WORD_BITS);
            f(&mut self.words[word], mask(lo, hi));
            i = (word + 1) * WORD_BITS;
        }
    }

    /// Sets bits `start..end`.
    pub(crate) fn set_range(&mut self, start: usize, end: usize) {
        self.for_each_masked(start, end, |w, m| *w |= m);
    }

    /// Clears bits `start..end`.
    pub(crate) fn clear_range(&mut self, start: usize, end: usize) {
        self.for_each_masked(start, end, |w, m| *w &= !m);
    }

    /// Number of set bits in `start..end`.
    pub(crate) fn count_ones_in(&self, start: usize, end: usize) -> usize {
        let mut count = 0usize;
        let mut i = start;
        while i < end {
            let word = i / WORD_BITS;
            let lo = i % WORD_BITS;
            let hi = (end - word * WORD_BITS).min(WORD_BITS);
            count += (self.words[word] & mask(lo, hi)).count_ones() as usize;
            i = (word + 1) * WORD_BITS;
        }
        count
    }

    /// First bit in `from..end` equal to `value`, skipping whole words that
    /// cannot contain it.
    fn find(&self, value: bool, from: usize, end: usize) -> Option<usize> {
        let end = end.min(self.bit_len());
        let mut i = from;
        while i < end {
            let word = i / WORD_BITS;
            let lo = i % WORD_BITS;
            // Bits equal to `value` become ones; bits below `from` are dropped.
            let raw = if value { self.words[word] } else { !self.words[word] };
            let hits = raw & mask(lo, WORD_BITS);
            if hits != 0 {
                let found = word * WORD_BITS + hits.trailing_zeros() as usize;
                return (found < end).then_some(found);
            }
            i = (word + 1) * WORD_BITS;
        }
        None
    }

    /// First clear bit in `from..end`.
    pub(crate) fn find_zero(&self, from: usize, end: usize) -> Option<usize> {
        self.find(false, from, end)
    }

    /// First set bit in `from..end`.
    pub(crate) fn find_one(&self, from: usize, end: usize) -> Option<usize> {
        self.find(true, from, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_across_word_boundaries() {
        let mut words = [0u64; 4];
        let mut b = Bitmap::new(&mut words);
        b.set_range(60, 130);
        assert_eq!(b.count_ones_in(0, 256), 70);
        assert!(!b.get(59) && b.get(60) && b.get(129) && !b.get(130));
        assert_eq!(b.find_one(0, 256), Some(60));
        assert_eq!(b.find_zero(60, 256), Some(130));
        b.clear_range(64, 128);
        assert_eq!(b.count_ones_in(0, 256), 6);
        assert_eq!(b.find_one(64, 256), Some(128));
        assert_eq!(b.find_one(64, 128), None, "end is exclusive");
        b.set_range(0, 256);
        assert_eq!(b.find_zero(0, 256), None);
        assert_eq!(b.words(), &[u64::MAX; 4]);
    }

    #[test]
    fn single_bits_and_fill() {
        let mut words = [0u64; 2];
        let mut b = Bitmap::new(&mut words);
        assert_eq!(b.bit_len(), 128);
        b.set(127);
        assert!(b.get(127));
        assert_eq!(b.find_one(0, 128), Some(127));
        b.clear(127);
        assert_eq!(b.find_one(0, 128), None);
        b.fill(true);
        assert_eq!(b.count_ones_in(0, 128), 128);
        b.words_mut()[1] = 0;
        assert_eq!(b.find_zero(3, 128), Some(64));
    }
}
