//! Small index newtypes: entities live in `Vec`s and slabs and refer to one
//! another by these, never by pointer.

/// A peer, by its position in the scenario (groups in order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId(pub u32);

impl PeerId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A renter (a gamer), numbered from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RenterId(pub u32);

impl RenterId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A coordinator, numbered from 0: renter `r` is served by coordinator
/// `r mod count`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CoordinatorId(pub u16);

impl CoordinatorId {
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// A frame in progress: its slot in the simulation's frame slab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameId(pub(crate) u32);

impl FrameId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A task in progress: its slot in the simulation's task slab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskId(pub(crate) u32);

impl TaskId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// An attempt's slot and serial: the serial tells a stale event (for an
/// attempt whose slot was reused) from a live one. It wraps at 2^32, which
/// would need four billion attempts within one timeout to collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptKey {
    pub(crate) slot: u32,
    pub(crate) serial: u32,
}

impl AttemptKey {
    pub fn index(self) -> usize {
        self.slot as usize
    }
}
