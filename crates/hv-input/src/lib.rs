//! `hv-input`: where the bytes typed on the hypervisor's serial console go.
//!
//! One partition at a time has the input focus: every byte typed reaches
//! its virtual UART's receiver, and no other partition ever sees it. The
//! escape byte [`ESCAPE`] (Ctrl-], as telnet uses it) followed by a command
//! byte moves the focus instead:
//!
//! | typed | effect |
//! |---|---|
//! | Ctrl-] `1` ... Ctrl-] `9` | focus on partition 1 ... 9 (manifest order) |
//! | Ctrl-] `n` or Ctrl-] Tab | focus on the next partition (wrapping) |
//! | Ctrl-] Ctrl-] | one Ctrl-] byte to the focused partition |
//! | Ctrl-] anything else | nothing (the escape is cancelled) |
//!
//! [`InputRouter::feed`] takes one byte and says what to do with it. It is
//! pure state: no `unsafe`, no `alloc`, no hardware.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

/// The escape byte: Ctrl-] (0x1D).
pub const ESCAPE: u8 = 0x1D;

/// What one typed byte does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routed {
    /// Deliver this byte to the partition with this index.
    Deliver {
        /// The partition (manifest order, from 0).
        partition: usize,
        /// The byte.
        byte: u8,
    },
    /// The focus moved to the partition with this index.
    Focus(usize),
    /// Nothing to do (the first byte of an escape sequence, an unknown
    /// command, or a partition number that does not exist).
    Nothing,
}

/// The focus and the escape state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputRouter {
    partitions: usize,
    focus: usize,
    escaped: bool,
}

impl InputRouter {
    /// A router over `partitions` partitions, with the focus on the first.
    pub const fn new(partitions: usize) -> Self {
        Self { partitions, focus: 0, escaped: false }
    }

    /// The partition with the focus.
    pub const fn focus(&self) -> usize {
        self.focus
    }

    /// Takes one typed byte.
    pub fn feed(&mut self, byte: u8) -> Routed {
        if self.partitions == 0 {
            return Routed::Nothing;
        }
        if !core::mem::take(&mut self.escaped) {
            if byte == ESCAPE {
                self.escaped = true;
                return Routed::Nothing;
            }
            return Routed::Deliver { partition: self.focus, byte };
        }
        match byte {
            ESCAPE => Routed::Deliver { partition: self.focus, byte },
            b'1'..=b'9' => {
                let index = usize::from(byte - b'1');
                if index < self.partitions {
                    self.focus = index;
                    Routed::Focus(index)
                } else {
                    Routed::Nothing
                }
            }
            b'n' | b'\t' => {
                self.focus = (self.focus + 1) % self.partitions;
                Routed::Focus(self.focus)
            }
            _ => Routed::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_go_to_the_focused_partition() {
        let mut router = InputRouter::new(3);
        assert_eq!(router.feed(b'a'), Routed::Deliver { partition: 0, byte: b'a' });
        assert_eq!(router.feed(ESCAPE), Routed::Nothing);
        assert_eq!(router.feed(b'3'), Routed::Focus(2));
        assert_eq!(router.feed(b'b'), Routed::Deliver { partition: 2, byte: b'b' });
    }

    #[test]
    fn next_wraps_and_numbers_beyond_the_partitions_do_nothing() {
        let mut router = InputRouter::new(2);
        assert_eq!((router.feed(ESCAPE), router.feed(b'n')), (Routed::Nothing, Routed::Focus(1)));
        assert_eq!((router.feed(ESCAPE), router.feed(b'\t')), (Routed::Nothing, Routed::Focus(0)));
        assert_eq!((router.feed(ESCAPE), router.feed(b'9')), (Routed::Nothing, Routed::Nothing));
        assert_eq!(router.focus(), 0);
        assert_eq!(router.feed(b'x'), Routed::Deliver { partition: 0, byte: b'x' }, "the escape ended");
    }

    #[test]
    fn a_doubled_escape_is_one_literal_escape() {
        let mut router = InputRouter::new(1);
        assert_eq!(router.feed(ESCAPE), Routed::Nothing);
        assert_eq!(router.feed(ESCAPE), Routed::Deliver { partition: 0, byte: ESCAPE });
        assert_eq!(router.feed(b'1'), Routed::Deliver { partition: 0, byte: b'1' });
    }

    #[test]
    fn unknown_commands_cancel_the_escape() {
        let mut router = InputRouter::new(4);
        assert_eq!((router.feed(ESCAPE), router.feed(b'q')), (Routed::Nothing, Routed::Nothing));
        assert_eq!(router.feed(b'q'), Routed::Deliver { partition: 0, byte: b'q' });
    }

    #[test]
    fn no_partitions_no_delivery() {
        let mut router = InputRouter::new(0);
        for byte in 0..=255 {
            assert_eq!(router.feed(byte), Routed::Nothing);
        }
    }

    /// Whatever is typed, deliveries and focus always name an existing
    /// partition, and a delivery goes to the partition that had the focus.
    #[test]
    fn random_typing_never_names_a_missing_partition() {
        let mut seed = 0x1234_5678_9ABC_DEF0_u64;
        for partitions in 1..6 {
            let mut router = InputRouter::new(partitions);
            for _ in 0..20_000 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let byte = if seed & 3 == 0 { ESCAPE } else { seed.to_le_bytes()[1] };
                let before = router.focus();
                match router.feed(byte) {
                    Routed::Deliver { partition, .. } => assert_eq!(partition, before),
                    Routed::Focus(index) => assert!(index < partitions),
                    Routed::Nothing => assert_eq!(router.focus(), before),
                }
            }
        }
    }
}
