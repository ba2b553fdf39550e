//! The validated description of one run: everything the simulation needs,
//! in domain units, with samplers already built. The scenario layer produces
//! it from a file; the simulation never sees raw input.

use super::Dist;
use crate::engine::SimTime;

/// Longest time a draw may take, in milliseconds: about 317 years. The
/// clock counts nanoseconds in a `u64` and ends at about 1.8e13 ms; this
/// leaves room for the longest run (2e10 ms) before it.
pub const MAX_TIME_MS: f64 = 1e13;
/// A delay whose every draw exceeds the run's horizon (`duration +
/// drain`) this many times over could only ever end after the run: such a
/// scenario is refused, not simulated.
pub const DELAY_HORIZON_FACTOR: f64 = 1000.0;
/// Slowest speed a peer may have: `Peer::new` clamps its draws to it, so
/// a distribution that can draw slower is refused rather than clamped.
pub const MIN_SPEED: f64 = 1e-9;

#[derive(Clone, Debug)]
pub struct Config {
    pub name: String,
    pub seed: u64,
    /// Frames are created in `[0, duration)`.
    pub duration: SimTime,
    /// Frames created before this are simulated but not counted.
    pub warmup: SimTime,
    /// Time allowed after `duration` for in-flight work to finish.
    pub drain: SimTime,
    /// Interval of the time series.
    pub sample_every: SimTime,
    pub workload: Workload,
    pub coordinator: CoordinatorConfig,
    pub reputation: ReputationConfig,
    pub peer_groups: Vec<PeerGroup>,
    /// `[cost]`: how peers are paid, what power costs, what renters pay.
    pub cost: CostConfig,
}

/// `[cost]` (docs/model.md, "Cost and energy").
#[derive(Clone, Debug, PartialEq)]
pub struct CostConfig {
    pub billing: Billing,
    /// Money per kWh the peers draw; 0 by default.
    pub electricity_per_kwh: f64,
    /// Money a renter pays per hour of play; none: not given.
    pub revenue_per_hour: Option<f64>,
}

impl Default for CostConfig {
    fn default() -> Self {
        CostConfig {
            billing: Billing::Busy,
            electricity_per_kwh: 0.0,
            revenue_per_hour: None,
        }
    }
}

/// What a peer's price per hour is paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Billing {
    /// Busy slot-time: the slots' time processing attempts.
    Busy,
    /// Online time x slots: every slot, busy or idle, while online.
    Online,
}

/// A peer's electrical power, in watts per slot, idle and busy.
#[derive(Clone, Debug)]
pub struct Power {
    pub idle: Dist,
    pub busy: Dist,
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub renters: u32,
    pub fps: f64,
    pub arrival: Arrival,
    pub tasks_per_frame: u32,
    pub work_ms: Dist,
    pub deadline_ms: Dist,
    pub return_ms: Dist,
    /// Links: the data sent to the peer with each attempt and the result
    /// sent back on success, in kB, drawn per task; none: not given.
    pub input_kb: Option<Dist>,
    pub output_kb: Option<Dist>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Every `1/fps`, from a random phase per renter.
    Periodic,
    /// Exponential gaps of mean `1/fps`.
    Poisson,
}

#[derive(Clone, Debug)]
pub struct CoordinatorConfig {
    pub policy: Policy,
    /// Sample size of `power_of_d`.
    pub d: u32,
    pub queue: QueueMode,
    pub discipline: Discipline,
    pub max_attempts: u32,
    pub timeout_ms: Dist,
    pub backoff_ms: Dist,
    pub score: ScoreWeights,
    /// Period of the peers' heartbeats, which tell the coordinator that a
    /// peer that crashed is gone.
    pub heartbeat_ms: f64,
    /// Heartbeats missed before a peer is declared gone.
    pub miss_limit: u32,
    /// Attempts started at once for each new task, on distinct peers.
    pub copies: u32,
    /// One more copy when no reply came this long after the latest copy.
    pub hedge_ms: Option<Dist>,
    /// What the first success does to the task's other copies.
    pub cancel: Cancel,
    /// Results that must agree before a task's result is accepted.
    pub quorum: u32,
    /// A timed-out attempt is cancelled at its peer (else it runs on).
    pub cancel_on_timeout: bool,
    /// At a frame's deadline, its unfinished tasks are cancelled and it
    /// fails.
    pub drop_late: bool,
    /// Some key of copies, hedging, cancelling or quorum was given (even
    /// at its default), and whether `quorum` was: their columns are then
    /// written, so that every point of a sweep has the same columns.
    pub tail_keys: bool,
    pub quorum_given: bool,
    /// Coordinators sharing the peers; renter `r` is served by coordinator
    /// `r mod count`.
    pub count: u32,
    /// What each coordinator knows of a peer's load.
    pub view: View,
    /// Whether the peers' heartbeats are sent at the same instants.
    pub heartbeat_phase: HeartbeatPhase,
}

/// What a coordinator knows of a peer's load (MODEL.md section 13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// The attempts it dispatched there and has not heard back from.
    Own,
    /// The load the peer reported at its last heartbeat (attempts queued
    /// and running there, from every coordinator), plus its own
    /// dispatches since, minus its own replies since.
    Heartbeat,
    /// The last heartbeat alone: a bulletin board.
    Board,
}

/// When each peer sends its heartbeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeartbeatPhase {
    /// All at once, every `heartbeat_ms`: the bulletin board is refreshed
    /// in one go.
    Sync,
    /// Each peer at its own random phase.
    Random,
}

impl CoordinatorConfig {
    /// Whether a task may have more than one attempt outstanding.
    pub fn redundant(&self) -> bool {
        self.copies > 1 || self.hedge_ms.is_some() || self.quorum > 1 || self.drop_late
    }

    /// Whether attempts may be cancelled: the summary then says how many
    /// were, and how much work was wasted.
    pub fn cancels(&self) -> bool {
        self.redundant() || self.cancel_on_timeout || self.tail_keys
    }
}

/// What the first success of a task does to its other copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cancel {
    /// Cancels them: the coordinator stops counting them at once, and a
    /// cancel message stops them at their peers.
    First,
    /// Lets them run; their replies are ignored.
    None,
}

/// How the coordinator picks a peer for a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Random,
    RoundRobin,
    LeastLoaded,
    PowerOfD,
    LowestLatency,
    HighestReputation,
    Score,
    EarliestFinish,
}

impl Policy {
    pub const ALL: [(&'static str, Policy); 8] = [
        ("random", Policy::Random),
        ("round_robin", Policy::RoundRobin),
        ("least_loaded", Policy::LeastLoaded),
        ("power_of_d", Policy::PowerOfD),
        ("lowest_latency", Policy::LowestLatency),
        ("highest_reputation", Policy::HighestReputation),
        ("score", Policy::Score),
        ("earliest_finish", Policy::EarliestFinish),
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueMode {
    /// Tasks wait at the coordinator until a peer has a free slot.
    Central,
    /// Tasks are assigned at once and wait in the peer's FIFO queue.
    PerPeer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discipline {
    Fifo,
    /// Earliest frame deadline first.
    Edf,
}

/// Weights of the `score` policy: lower score wins.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreWeights {
    /// Per millisecond of one-way latency.
    pub latency: f64,
    /// Per attempt in flight on the peer.
    pub load: f64,
    /// Per unit of missing reputation (1 - reputation).
    pub reputation: f64,
}

#[derive(Clone, Debug)]
pub struct ReputationConfig {
    pub model: ReputationModel,
    pub initial: InitialReputation,
    pub exclude_below: f64,
    /// Forgetting: the half-life of what was heard of a peer; none: never
    /// forgotten.
    pub half_life_s: Option<f64>,
}

impl ReputationConfig {
    /// The rule a coordinator updates reputations by.
    pub fn rule(&self) -> super::Rule {
        super::Rule {
            model: self.model,
            forgetting: self.half_life_s.map(super::Forgetting::half_life_s),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReputationModel {
    Additive { success: f64, failure: f64 },
    Ewma { alpha: f64 },
    Beta,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum InitialReputation {
    Value(f64),
    /// Start at the peer's true reliability.
    Reliability,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureMode {
    /// The peer replies "failed" when its processing ends.
    Error,
    /// No reply ever comes; the coordinator learns of it by timeout.
    Silent,
}

/// Peers that share their distributions; each peer draws its own values.
#[derive(Clone, Debug)]
pub struct PeerGroup {
    pub name: String,
    pub count: u32,
    pub slots: Dist,
    pub speed: Dist,
    pub latency_ms: Dist,
    pub jitter_ms: Dist,
    pub reliability: Dist,
    pub failure: FailureMode,
    /// How the group's peers come and go; none: always online.
    pub churn: Option<Churn>,
    /// Links: each peer's access link, per direction, in Mbps, drawn per
    /// peer; none: no limit.
    pub downlink_mbps: Option<Dist>,
    pub uplink_mbps: Option<Dist>,
    /// Multiplies an attempt's processing time, drawn per attempt.
    pub slowdown: Dist,
    /// Probability that a successful attempt returns a wrong result, drawn
    /// per peer; none: never.
    pub wrong: Option<Dist>,
    /// Cost: money per hour paid to each peer (per slot-hour of what the
    /// billing counts), drawn per peer; none: not given (0).
    pub price_per_hour: Option<Dist>,
    /// Cost: each peer's power per slot, drawn per peer; none: not given (0).
    pub power_w: Option<Power>,
}

/// Peers that come and go (docs/model.md, "Churn").
#[derive(Clone, Debug)]
pub struct Churn {
    pub sessions: Sessions,
    /// Warm-up after coming online before the peer registers, in seconds,
    /// drawn per session.
    pub join_s: Dist,
    pub leave: Leave,
}

/// When a churning peer is online.
#[derive(Clone, Debug)]
pub enum Sessions {
    /// Online sessions and offline gaps, in seconds, alternating from
    /// `-preroll_s` with a fresh session, so that the state at 0 is the
    /// alternation's stationary one.
    Alternating {
        on_s: Dist,
        off_s: Dist,
        preroll_s: f64,
    },
    /// Online intervals `(start_s, end_s)` of each peer of the group, by
    /// its number within the group: sorted and disjoint.
    Trace(Vec<Vec<(f64, f64)>>),
}

/// How a churning peer leaves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Leave {
    /// At once: what it holds is lost, and the coordinator learns it from
    /// missed heartbeats.
    Crash,
    /// It announces its departure `notice_s` ahead and says goodbye.
    Graceful { notice_s: f64 },
}

impl Config {
    pub fn peer_count(&self) -> u64 {
        self.peer_groups.iter().map(|g| u64::from(g.count)).sum()
    }

    /// Whether messages take time on links: some size or bandwidth is
    /// given (even as 0 or a number that makes no difference), so that the
    /// links' columns are there in every point of a sweep or in none.
    /// Whether results may be wrong or are voted on (`wrong` given for some
    /// group, or `quorum > 1`): frames.csv, attempts.csv and the summary
    /// then say which results were wrong.
    pub fn trust(&self) -> bool {
        self.coordinator.quorum > 1
            || self.coordinator.quorum_given
            || self.peer_groups.iter().any(|g| g.wrong.is_some())
    }

    pub fn links(&self) -> bool {
        self.workload.input_kb.is_some()
            || self.workload.output_kb.is_some()
            || self
                .peer_groups
                .iter()
                .any(|g| g.downlink_mbps.is_some() || g.uplink_mbps.is_some())
    }

    /// Whether cost and energy are reported: some price, power or revenue
    /// is given (even as 0), so that their columns are there in every
    /// point of a sweep or in none.
    pub fn costs(&self) -> bool {
        self.cost.revenue_per_hour.is_some()
            || self
                .peer_groups
                .iter()
                .any(|g| g.price_per_hour.is_some() || g.power_w.is_some())
    }

    /// When the run stops at the latest.
    pub fn horizon(&self) -> SimTime {
        self.duration + self.drain
    }

    /// The window `[warmup, duration)` whose frames are counted, and over
    /// which utilisation is measured.
    pub fn counted(&self) -> (SimTime, SimTime) {
        (self.warmup, self.duration)
    }
}
