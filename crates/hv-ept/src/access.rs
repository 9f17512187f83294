//! Access rights of an EPT mapping: read, write, execute.
//!
//! Bits 0, 1 and 2 of every EPT paging-structure entry allow reads, writes and
//! instruction fetches from the region the entry controls; an entry with all
//! three clear is "not present" (SDM Vol. 3C 29.3.2). Not every combination is
//! legal: write without read (bits 2:0 = 010b or 110b) is always an EPT
//! misconfiguration, and execute-only (100b) is one unless the processor reports
//! support for it in IA32_VMX_EPT_VPID_CAP bit 0 (SDM Vol. 3C 29.3.3.1, Vol. 3D
//! A.10). [`Ept`](crate::Ept) refuses such rights up front rather than building
//! entries that would make the guest exit with a misconfiguration.

use bitflags::bitflags;

use crate::EptCapabilities;

bitflags! {
    /// Access rights of a mapping, in EPT entry bit positions (SDM Vol. 3C
    /// 29.3.2, Tables 29-1 to 29-6).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Access: u64 {
        /// Bit 0: data reads (including guest paging-structure reads) allowed.
        const READ = 1 << 0;
        /// Bit 1: data writes allowed. Requires [`READ`](Self::READ).
        const WRITE = 1 << 1;
        /// Bit 2: instruction fetches allowed.
        const EXECUTE = 1 << 2;
    }
}

impl Access {
    /// Why these rights cannot be given to a present EPT leaf on a processor
    /// with `caps`, or `None` if they can.
    pub(crate) const fn refusal(self, caps: &EptCapabilities) -> Option<&'static str> {
        let bits = self.bits();
        if bits & !Self::all().bits() != 0 {
            return Some("bits other than read, write and execute are set");
        }
        if bits == 0 {
            return Some("no access at all (an entry without rights is not present; unmap instead)");
        }
        if bits & Self::WRITE.bits() != 0 && bits & Self::READ.bits() == 0 {
            return Some("write without read is an EPT misconfiguration (SDM 29.3.3.1)");
        }
        if bits == Self::EXECUTE.bits() && !caps.execute_only {
            return Some("execute-only is not supported by this processor (IA32_VMX_EPT_VPID_CAP bit 0)");
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::caps_all;

    #[test]
    fn bits_match_the_entry_layout() {
        assert_eq!(Access::READ.bits(), 0b001);
        assert_eq!(Access::WRITE.bits(), 0b010);
        assert_eq!(Access::EXECUTE.bits(), 0b100);
    }

    #[test]
    fn legal_combinations() {
        let caps = caps_all();
        for ok in
            [Access::READ, Access::READ | Access::WRITE, Access::READ | Access::EXECUTE, Access::all(), Access::EXECUTE]
        {
            assert_eq!(ok.refusal(&caps), None, "{ok:?}");
        }
    }

    #[test]
    fn write_without_read_is_refused() {
        let caps = caps_all();
        assert!(Access::WRITE.refusal(&caps).is_some_and(|r| r.contains("write without read")));
        assert!((Access::WRITE | Access::EXECUTE).refusal(&caps).is_some_and(|r| r.contains("write without read")));
    }

    #[test]
    fn execute_only_needs_support() {
        let caps = EptCapabilities { execute_only: false, ..caps_all() };
        assert!(Access::EXECUTE.refusal(&caps).is_some_and(|r| r.contains("execute-only")));
        assert_eq!((Access::READ | Access::EXECUTE).refusal(&caps), None);
    }

    #[test]
    fn empty_and_foreign_bits_are_refused() {
        let caps = caps_all();
        assert!(Access::empty().refusal(&caps).is_some_and(|r| r.contains("no access")));
        let sneaky = Access::from_bits_retain(Access::READ.bits() | 1 << 6);
        assert!(sneaky.refusal(&caps).is_some_and(|r| r.contains("other than")));
    }
}
