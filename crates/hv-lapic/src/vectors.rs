//! A set of the 256 interrupt vectors: the shape of the IRR, ISR and TMR
//! (SDM Vol. 3A 11.8.4, Figure 11-20), eight 32-bit registers each.

/// 256 bits, one per vector; word `n` holds vectors `32n..32n+31`, as the
/// registers at offsets `base + 0x10 * n` do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VectorSet([u32; 8]);

impl VectorSet {
    /// The empty set.
    pub const EMPTY: Self = Self([0; 8]);

    /// Adds `vector`.
    pub fn insert(&mut self, vector: u8) {
        self.0[usize::from(vector >> 5)] |= 1 << (vector & 31);
    }

    /// Removes `vector`.
    pub fn remove(&mut self, vector: u8) {
        self.0[usize::from(vector >> 5)] &= !(1 << (vector & 31));
    }

    /// Whether `vector` is in the set.
    pub fn contains(&self, vector: u8) -> bool {
        self.0[usize::from(vector >> 5)] & (1 << (vector & 31)) != 0
    }

    /// The highest vector in the set (the highest priority).
    pub fn highest(&self) -> Option<u8> {
        let (index, word) = self.0.iter().enumerate().rev().find(|(_, word)| **word != 0)?;
        // index < 8 and the bit < 32: the vector always fits a byte.
        u8::try_from(index * 32 + (31 - word.leading_zeros()) as usize).ok()
    }

    /// Register word `index` (0-7); 0 beyond.
    pub fn word(&self, index: usize) -> u32 {
        self.0.get(index).copied().unwrap_or(0)
    }

    /// The set with these register words.
    pub fn from_words(words: [u32; 8]) -> Self {
        Self(words)
    }

    /// How many vectors of this set are not in `other`.
    pub fn difference_count(&self, other: &Self) -> u32 {
        self.0.iter().zip(other.0.iter()).map(|(a, b)| (a & !b).count_ones()).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|word| *word == 0)
    }
}
