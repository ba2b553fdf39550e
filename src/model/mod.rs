//! The P2C2G model: renters make frames, the coordinator splits them into
//! tasks and places them on peers, peers process attempts that may fail,
//! and the coordinator fails over, keeps reputations and assembles frames.
//! It knows nothing of files: it takes a validated [`Config`] and reports
//! through a [`Recorder`] and a [`Report`].

pub mod config;
mod coordinator;
mod dist;
mod peer;
pub mod policy;
pub mod record;
mod reputation;
mod sim;
pub mod stats;

pub use config::*;
pub use dist::{Dist, DistError, Millis};
pub use record::{
    AttemptOutcome, AttemptRecord, FrameRecord, FrameStatus, Recorder, Sample, TaskRecord,
};
pub use reputation::Reputation;
pub use sim::Simulation;
pub use stats::{LatencyBucket, PeerReport, Report, Summary};

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

/// Most slots one peer may have: a distribution's draws are clamped to it.
pub const MAX_SLOTS: u32 = 1 << 16;
