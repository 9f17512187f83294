//! Errors the frame allocator reports.
//!
//! Each names the frame involved (printed as a hex physical address) so that a
//! boot log line is enough to find the offending caller.

use core::fmt;

use crate::Frame;

/// Why a [`FrameAllocator`](crate::FrameAllocator) operation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The frame is already free.
    DoubleFree(Frame),
    /// The frame lies beyond what the allocator's bitmap covers.
    OutOfRange(Frame),
    /// The frame was never usable RAM (or was taken for good by
    /// [`reserve`](crate::FrameAllocator::reserve)), so it cannot be freed.
    NotManaged(Frame),
    /// The storage given to [`FrameAllocator::new`](crate::FrameAllocator::new)
    /// cannot cover every usable frame.
    StorageTooSmall {
        /// Words the memory map requires (see
        /// [`bitmap_words_for`](crate::bitmap_words_for)).
        needed_words: usize,
        /// Words that were supplied.
        provided_words: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DoubleFree(frame) => write!(f, "double free of frame {frame}"),
            Self::OutOfRange(frame) => {
                write!(f, "frame {frame} lies beyond the frame allocator's bitmap")
            }
            Self::NotManaged(frame) => {
                write!(f, "frame {frame} is not managed by the frame allocator (never usable RAM, or reserved)")
            }
            Self::StorageTooSmall { needed_words, provided_words } => write!(
                f,
                "frame bitmap storage too small: the memory map needs {needed_words} words, \
                 {provided_words} were provided"
            ),
        }
    }
}

impl core::error::Error for FrameError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PhysAddr;

    #[test]
    fn messages_name_the_address_in_hex() {
        let frame = Frame::containing(PhysAddr::new(0x1234_5000));
        assert_eq!(FrameError::DoubleFree(frame).to_string(), "double free of frame 0x12345000");
        assert!(FrameError::OutOfRange(frame).to_string().contains("0x12345000"));
        assert!(FrameError::NotManaged(frame).to_string().contains("0x12345000"));
        let e = FrameError::StorageTooSmall { needed_words: 10, provided_words: 4 };
        assert!(e.to_string().contains("10 words") && e.to_string().contains("4 were"));
    }
}
