//! What a run tells as it goes: one record per frame, task and attempt when
//! it ends, and one sample of the system state per sampling interval. The
//! output layer turns records into files; tests turn them into checks.

use super::link::Stays;
use super::{CoordinatorId, PeerId};
use crate::engine::SimTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameStatus {
    OnTime,
    Late,
    Failed,
}

impl FrameStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FrameStatus::OnTime => "on_time",
            FrameStatus::Late => "late",
            FrameStatus::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug)]
pub struct FrameRecord {
    pub renter: u32,
    pub frame: u64,
    pub created: SimTime,
    pub delivered: Option<SimTime>,
    /// The frame's deadline, relative to its creation.
    pub deadline: SimTime,
    pub status: FrameStatus,
    /// Created in `[warmup, duration)`, so part of the statistics.
    pub counted: bool,
    /// Untrusted results (only when results may be wrong or are voted
    /// on): whether some task's accepted result was wrong.
    pub corrupt: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct TaskRecord {
    pub renter: u32,
    pub frame: u64,
    pub task: u32,
    pub created: SimTime,
    pub ended: SimTime,
    pub completed: bool,
    pub attempts: u32,
    pub counted: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    Success,
    /// The peer replied "failed".
    Error,
    /// The peer processed it and said nothing.
    Silent,
    /// Still queued or running at the peer when the run ended.
    Unfinished,
    /// Churn: its peer left before it was done, or was offline when it
    /// arrived.
    Lost,
    /// Copies: stopped at its peer by a cancel message.
    Cancelled,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Success => "success",
            AttemptOutcome::Error => "error",
            AttemptOutcome::Silent => "silent",
            AttemptOutcome::Unfinished => "unfinished",
            AttemptOutcome::Lost => "lost",
            AttemptOutcome::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub renter: u32,
    pub frame: u64,
    pub task: u32,
    /// 1 for the first attempt of the task.
    pub attempt: u32,
    pub peer: PeerId,
    pub dispatched: SimTime,
    pub reached: Option<SimTime>,
    pub started: Option<SimTime>,
    pub processed: Option<SimTime>,
    /// Churn: when it was lost at its peer.
    pub lost: Option<SimTime>,
    /// Peers churn in this run: attempts.csv has a `lost_ms` column.
    pub churn: bool,
    /// Links: its messages' stays on the peer's links, if messages take
    /// time on links in this run.
    pub links: Option<Stays>,
    /// Untrusted results (only when results may be wrong or are voted
    /// on): for a success, whether its result was right; else none.
    pub vote: Option<Option<bool>>,
    /// When the coordinator learnt the outcome: the reply or the timeout.
    pub resolved: Option<SimTime>,
    pub outcome: AttemptOutcome,
    pub timed_out: bool,
    pub counted: bool,
}

/// One interval `(t - length, t]` of the time series: levels as time
/// averages over the interval, flows as counts within it (all frames,
/// warmup included).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    /// The end of the interval.
    pub t: SimTime,
    /// Its length: `sample_ms`, or less for the last one.
    pub length: SimTime,
    /// Tasks in the central queue or parked at the coordinator.
    pub waiting_coordinator: f64,
    /// Attempts queued at peers.
    pub waiting_peers: f64,
    /// Attempts being processed, wasted ones included.
    pub running: f64,
    /// Attempts dispatched and not yet resolved: the sum of `assigned`.
    pub in_flight: f64,
    /// Tasks waiting out a backoff before a retry.
    pub backoff: f64,
    pub online_peers: f64,
    pub frames_created: u64,
    pub frames_delivered: u64,
    pub frames_on_time: u64,
    /// Attempts dispatched.
    pub attempts: u64,
    /// Of which retries.
    pub failovers: u64,
    /// Attempts whose timeout fired before their reply.
    pub timeouts: u64,
    /// Churn (only when some group churns): peers that came online, and
    /// that went offline.
    pub peers_joined: Option<u64>,
    pub peers_left: Option<u64>,
    /// Churn: attempts lost at a peer that left.
    pub attempts_lost: Option<u64>,
    /// Copies, hedges and cancels (when the summary has them): copies
    /// started beyond the first, hedges, attempts stopped by a cancel.
    pub copies: Option<u64>,
    pub hedges: Option<u64>,
    pub cancelled: Option<u64>,
    /// `drop_late`: frames failed at their deadline.
    pub frames_dropped: Option<u64>,
    /// Untrusted results: delivered frames with a wrong accepted result.
    pub frames_corrupt: Option<u64>,
}

/// A change in a churning peer's state, as it really is (online, offline)
/// or as the coordinator knows it (registered, leaving, gone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerChange {
    Online,
    /// Its warm-up is over: the coordinator may pick it.
    Registered,
    /// Its notice of departure reached the coordinator.
    Leaving,
    Offline,
    /// The coordinator learnt that it is gone.
    Gone,
}

#[derive(Clone, Debug)]
pub struct PeerRecord {
    pub peer: PeerId,
    pub at: SimTime,
    pub change: PeerChange,
}

/// An outcome that a coordinator counted in a peer's reputation: attempt
/// `attempt` of task `task` of `renter`'s frame `frame`, heard at `at` as
/// a success or a failure. (Under a quorum, a vote is heard when its task
/// is decided; an attempt cancelled, or answered after its task was
/// decided, is never heard.)
#[derive(Clone, Debug)]
pub struct HeardRecord {
    pub at: SimTime,
    /// The coordinator whose reputation of the peer changed.
    pub coordinator: CoordinatorId,
    pub peer: PeerId,
    pub renter: u32,
    pub frame: u64,
    pub task: u32,
    pub attempt: u32,
    pub success: bool,
}

/// Receives the records of a run. Every method has an empty default, so a
/// recorder implements only what it keeps.
pub trait Recorder {
    fn frame(&mut self, _record: &FrameRecord) {}
    fn task(&mut self, _record: &TaskRecord) {}
    fn attempt(&mut self, _record: &AttemptRecord) {}
    fn sample(&mut self, _sample: &Sample) {}
    /// Churn only.
    fn peer(&mut self, _record: &PeerRecord) {}
    /// Every reputation update, when it happens.
    fn heard(&mut self, _record: &HeardRecord) {}

    /// Whether [`frame`](Recorder::frame) keeps anything: when it does
    /// not, the simulation does not make the records (likewise below).
    fn keeps_frames(&self) -> bool {
        true
    }
    fn keeps_tasks(&self) -> bool {
        true
    }
    fn keeps_attempts(&self) -> bool {
        true
    }
}

/// Keeps nothing: for runs where only the summary matters.
impl Recorder for () {
    fn keeps_frames(&self) -> bool {
        false
    }
    fn keeps_tasks(&self) -> bool {
        false
    }
    fn keeps_attempts(&self) -> bool {
        false
    }
}
