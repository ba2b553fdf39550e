//! The P2C2G model: renters make frames, the coordinator splits them into
//! tasks and places them on peers, peers process attempts that may fail,
//! and the coordinator fails over, keeps reputations and assembles frames.
//! It knows nothing of files: it takes a validated [`Config`] and reports
//! through a [`Recorder`] and a [`Report`].

mod attempt;
mod churn;
pub mod config;
mod coordinator;
mod copies;
pub mod cost;
mod dist;
mod frame;
mod ids;
pub mod link;
mod luck;
mod mechanisms;
mod peer;
pub mod policy;
pub mod record;
mod renter;
mod report;
mod reputation;
mod sim;
pub mod stats;
pub mod tally;
mod timeseries;
// Always compiled (and tested); only the loop's calls depend on the feature.
#[cfg_attr(not(feature = "event-timing"), allow(dead_code))]
mod timing;
mod views;

pub use config::*;
pub use dist::{num, Dist, DistError, Millis};
pub use ids::{AttemptKey, CoordinatorId, FrameId, PeerId, RenterId, TaskId};
pub use mechanisms::{Core, Full, Mechanisms};
pub use record::{
    AttemptOutcome, AttemptRecord, FrameRecord, FrameStatus, HeardRecord, PeerChange, PeerRecord,
    Recorder, Sample, TaskRecord,
};
pub use report::summary_shape;
pub use reputation::{Forgetting, Reputation, Rule};
pub use sim::Simulation;
pub use stats::{CoordinatorReport, LatencyBucket, PeerReport, Report, Summary};

/// Most slots one peer may have: a distribution's draws are clamped to it.
pub const MAX_SLOTS: u32 = 1 << 16;
/// Most renters a scenario may have.
pub const MAX_RENTERS: u32 = 1_000_000;
/// Most attempts a task may be given (`max_attempts`).
pub const MAX_ATTEMPTS: u32 = 1000;
/// Most coordinators a scenario may have.
pub const MAX_COORDINATORS: u32 = 1000;
