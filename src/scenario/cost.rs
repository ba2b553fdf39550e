//! What a scenario or a sweep will cost before it runs: memory, events
//! (the run's time) and the size of the files it writes, estimated from
//! the scenario alone, and the limits they are checked against. A valid
//! but absurd input (ten million peers, a time series every 400 ns, a
//! million-point grid) is refused with its estimate and the limit, never
//! left to abort or to fill a disk. [`Limits::forced`] lifts them.
//!
//! The estimates are meant to be within a small factor of the truth, on
//! the side of too much: each part is a count (peers, renters, work in
//! flight by Little's law, rows of each file) times a size measured on
//! this program.

use std::fmt;

use super::OutputOptions;
use crate::model::{Config, FailureMode, QueueMode, View};

/// What a run or a sweep may cost before it is refused. The defaults are
/// documented in the README; raise one, or set `force` to lift them all.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Peak memory of one run, or of a sweep's plan and results, in bytes.
    pub memory_bytes: f64,
    /// Events one run may process (rows of the time series count as
    /// events): the run's time, at a few million events a second.
    pub events: f64,
    /// Bytes of files one run, or one sweep, may write.
    pub output_bytes: f64,
    /// Size of an input file (a scenario or a sweep file), in bytes.
    pub input_bytes: u64,
    /// Lifts every limit above (what `--force` asks for).
    pub force: bool,
}

impl Limits {
    /// The documented limits, enforced.
    pub const DEFAULT: Limits = Limits {
        memory_bytes: 4e9,
        events: 1e10,
        output_bytes: 1e9,
        input_bytes: 10_000_000,
        force: false,
    };

    /// Every limit lifted.
    pub fn forced() -> Limits {
        Limits {
            force: true,
            ..Limits::DEFAULT
        }
    }

    /// The same limits, without the one on output: the runs of a sweep
    /// write no files of their own.
    pub(super) fn for_sweep_runs(self) -> Limits {
        Limits {
            output_bytes: f64::INFINITY,
            ..self
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// One part of an estimate: what it is, how much, and the key path of the
/// scenario that decides it (where a refusal points).
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// In words: "10000000 peers", "timeseries.csv (77500000 rows)".
    pub what: String,
    pub amount: f64,
    pub key: &'static str,
}

/// The estimated cost of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    /// Peak memory, in bytes.
    pub memory_bytes: f64,
    /// Events processed, time-series rows included.
    pub events: f64,
    /// Bytes of the CSV files written (charts aside).
    pub output_bytes: f64,
    /// The parts of each, largest first.
    pub memory: Vec<Part>,
    pub event_parts: Vec<Part>,
    pub output: Vec<Part>,
}

/// A limit an estimate exceeds.
#[derive(Clone, Debug, PartialEq)]
pub struct Exceeded {
    pub what: Resource,
    pub estimate: f64,
    pub limit: f64,
    /// The largest part of the estimate.
    pub part: Part,
    /// "this run", "this sweep".
    pub of: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Memory,
    Events,
    Output,
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let amount = |x: f64| match self.what {
            Resource::Events => format!("{x:.1e}"),
            _ => bytes(x),
        };
        let (what, estimate, limit) = match self.what {
            Resource::Memory => (
                "needs about",
                format!("{} of memory", bytes(self.estimate)),
                bytes(self.limit),
            ),
            Resource::Events => (
                "would process about",
                format!("{:.1e} events", self.estimate),
                format!("{:e}", self.limit),
            ),
            Resource::Output => (
                "would write about",
                format!("{} of files", bytes(self.estimate)),
                bytes(self.limit),
            ),
        };
        write!(
            f,
            "{} {what} {estimate}, more than the limit of {limit} ({}: about {}); --force lifts the limit",
            self.of,
            self.part.what,
            amount(self.part.amount)
        )
    }
}

/// Bytes in decimal units: "512 B", "3.4 MB", "5.0 GB".
pub fn bytes(x: f64) -> String {
    const UNITS: [(f64, &str); 4] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")];
    for (size, unit) in UNITS {
        if x >= size {
            return format!("{:.1} {unit}", x / size);
        }
    }
    format!("{x:.0} B")
}

fn check(
    what: Resource,
    estimate: f64,
    limit: f64,
    parts: &[Part],
    of: &'static str,
) -> Result<(), Exceeded> {
    if estimate <= limit {
        return Ok(());
    }
    Err(Exceeded {
        what,
        estimate,
        limit,
        part: parts.first().cloned().unwrap_or(Part {
            what: "everything".into(),
            amount: estimate,
            key: "",
        }),
        of,
    })
}

impl Cost {
    /// The first limit this run exceeds (memory, then events, then
    /// output), unless `limits.force`.
    pub fn check(&self, limits: &Limits) -> Result<(), Exceeded> {
        if limits.force {
            return Ok(());
        }
        let of = "this run";
        check(
            Resource::Memory,
            self.memory_bytes,
            limits.memory_bytes,
            &self.memory,
            of,
        )?;
        check(
            Resource::Events,
            self.events,
            limits.events,
            &self.event_parts,
            of,
        )?;
        check(
            Resource::Output,
            self.output_bytes,
            limits.output_bytes,
            &self.output,
            of,
        )
    }
}

// Sizes measured on this program (peak resident memory of runs with 1e5
// and 1e6 peers or renters, bytes of the CSV files of the golden runs),
// rounded up.
/// The program itself, its tables and buffers.
const BASE_BYTES: f64 = 8e6;
/// A peer: its state, the coordinator's view of it, its report.
const PEER_BYTES: f64 = 600.0;
/// A renter: its random stream and arrivals.
const RENTER_BYTES: f64 = 500.0;
/// What each coordinator beyond the first keeps of a peer: its standing,
/// what it heard, its free set and its view.
const COORDINATOR_PEER_BYTES: f64 = 150.0;
/// What a coordinator keeps of a task slot under copies or votes: the
/// copies out and the votes heard (two vectors).
const COPIES_SLOT_BYTES: f64 = 48.0;
/// A peer group: its samplers, and its latency histogram once it has peers.
const GROUP_BYTES: f64 = 1e3;
const GROUP_HISTOGRAM_BYTES: f64 = 256e3;
/// An event waiting in the queue.
const EVENT_BYTES: f64 = 52.0;
const FRAME_BYTES: f64 = 64.0;
const TASK_BYTES: f64 = 96.0;
const ATTEMPT_BYTES: f64 = 128.0;
/// Events per attempt: its arrival at the peer, its processing, its reply
/// and its timeout.
const EVENTS_PER_ATTEMPT: f64 = 4.0;
const FRAMES_ROW_BYTES: f64 = 60.0;
const ATTEMPTS_ROW_BYTES: f64 = 100.0;
const TIMESERIES_ROW_BYTES: f64 = 80.0;
const PEERS_ROW_BYTES: f64 = 100.0;
/// latency_hist.csv, per series (frames, then each group).
const HISTOGRAM_FILE_BYTES: f64 = 30e3;
/// summary.csv and run_info.csv.
const SMALL_FILES_BYTES: f64 = 2e3;
/// A sweep's run: its place in the plan, and its row of runs.csv read
/// back at the end (about 45 fields).
const SWEEP_RUN_BYTES: f64 = 2_200.0;
const RUNS_ROW_BYTES: f64 = 600.0;
const POINTS_ROW_BYTES: f64 = 1_500.0;

/// Averages over the peers, weighted by their number.
struct PeerMeans {
    peers: f64,
    slots: f64,
    latency_ms: f64,
    jitter_ms: f64,
    reliability: f64,
    /// Share of peers that fail silently.
    silent: f64,
    /// Tasks per ms all peers together can serve.
    capacity: f64,
    /// Mean processing time of a task's work, ms.
    processing_ms: f64,
}

fn peer_means(cfg: &Config) -> PeerMeans {
    let work = cfg.workload.work_ms.mean().max(0.0);
    let central = cfg.coordinator.queue == QueueMode::Central;
    let mut m = PeerMeans {
        peers: 0.0,
        slots: 0.0,
        latency_ms: 0.0,
        jitter_ms: 0.0,
        reliability: 0.0,
        silent: 0.0,
        capacity: 0.0,
        processing_ms: 0.0,
    };
    for g in &cfg.peer_groups {
        let n = f64::from(g.count);
        let slots = g
            .slots
            .mean()
            .round()
            .clamp(1.0, f64::from(crate::model::MAX_SLOTS));
        let (latency, jitter) = (g.latency_ms.mean().max(0.0), g.jitter_ms.mean().max(0.0));
        let processing = work / g.speed.mean().max(crate::model::MIN_SPEED);
        m.peers += n;
        m.slots += n * slots;
        m.latency_ms += n * latency;
        m.jitter_ms += n * jitter;
        m.reliability += n * g.reliability.mean();
        m.processing_ms += n * processing;
        if g.failure == FailureMode::Silent {
            m.silent += n;
        }
        // A central queue holds the slot for the round trip too.
        let hold = processing
            + if central {
                2.0 * (latency + jitter)
            } else {
                0.0
            };
        m.capacity += n * slots / hold.max(1e-9);
    }
    let n = m.peers.max(1.0);
    m.latency_ms /= n;
    m.jitter_ms /= n;
    m.reliability /= n;
    m.silent /= n;
    m.processing_ms /= n;
    m
}

/// Estimates what running `cfg` and writing `output` costs.
pub fn estimate(cfg: &Config, output: &OutputOptions) -> Cost {
    let w = &cfg.workload;
    let c = &cfg.coordinator;
    let duration_ms = cfg.duration.as_ms();
    let horizon_ms = cfg.horizon().as_ms();
    let counted_ms = (cfg.duration - cfg.warmup).as_ms();
    let p = peer_means(cfg);

    // Rates per millisecond.
    let frame_rate = f64::from(w.renters) * w.fps / 1000.0;
    let task_rate = frame_rate * f64::from(w.tasks_per_frame);
    // Attempts per task: retried on failure, and always when the timeout
    // comes before the reply can.
    let rtt = 2.0 * (p.latency_ms + p.jitter_ms);
    let timeout = c.timeout_ms.mean();
    let fails = if timeout < rtt + p.processing_ms {
        1.0
    } else {
        (1.0 - p.reliability).clamp(0.0, 1.0)
    };
    let most = f64::from(c.max_attempts);
    let attempts_per_task = if fails >= 1.0 {
        most
    } else {
        ((1.0 - fails.powf(most)) / (1.0 - fails)).min(most)
    };
    let attempt_rate = task_rate * attempts_per_task;

    // Lifetimes, ms, by the means; nothing outlives the run.
    let resolved_in = (1.0 - p.silent) * timeout.min(rtt + p.processing_ms) + p.silent * timeout;
    let task_life =
        attempts_per_task * resolved_in + (attempts_per_task - 1.0) * c.backoff_ms.mean().max(0.0);
    let frame_life = (task_life + w.return_ms.mean().max(0.0)).min(horizon_ms);
    let attempt_life = resolved_in.min(horizon_ms);

    // Work in flight, by Little's law, and what piles up when the peers
    // cannot keep up.
    let frames_in_flight = frame_rate * frame_life;
    let tasks_in_flight = frames_in_flight * f64::from(w.tasks_per_frame);
    let attempts_in_flight = attempt_rate * attempt_life;
    let timeouts_waiting = if timeout <= horizon_ms {
        attempt_rate * timeout
    } else {
        0.0
    };
    let served = p.capacity / attempts_per_task;
    let backlog = (task_rate - served).max(0.0) * duration_ms;

    let groups = cfg.peer_groups.len() as f64;
    let groups_with_peers = cfg.peer_groups.iter().filter(|g| g.count > 0).count() as f64;
    let mut memory = vec![
        Part {
            what: format!("{} peers", p.peers),
            amount: p.peers * PEER_BYTES,
            key: "peers",
        },
        Part {
            what: format!("{} renters", w.renters),
            amount: f64::from(w.renters) * RENTER_BYTES,
            key: "workload.renters",
        },
        Part {
            what: format!(
                "the work in flight (about {frames_in_flight:.0} frames, {tasks_in_flight:.0} tasks \
                 and {attempts_in_flight:.0} attempts at once)"
            ),
            amount: frames_in_flight * FRAME_BYTES
                + tasks_in_flight * TASK_BYTES
                + attempts_in_flight * (ATTEMPT_BYTES + 2.0 * EVENT_BYTES),
            key: "workload",
        },
        Part {
            what: format!("the timeouts waiting to fire (about {timeouts_waiting:.0})"),
            amount: timeouts_waiting * EVENT_BYTES,
            key: "coordinator.timeout_ms",
        },
        Part {
            what: format!(
                "the tasks that wait because the peers cannot keep up (about {backlog:.0}: \
                 {:.0} tasks/s offered, {:.0} served)",
                task_rate * 1000.0,
                served * 1000.0
            ),
            amount: backlog
                * (TASK_BYTES
                    + ATTEMPT_BYTES
                    + EVENT_BYTES
                    + FRAME_BYTES / f64::from(w.tasks_per_frame)),
            key: "workload",
        },
        Part {
            what: format!(
                "{} more coordinators' views of {} peers",
                c.count - 1,
                p.peers
            ),
            amount: f64::from(c.count - 1) * p.peers * COORDINATOR_PEER_BYTES,
            key: "coordinator.count",
        },
        Part {
            what: format!(
                "the copies and votes each of {} coordinators keeps by task slot",
                c.count
            ),
            amount: if c.redundant() || c.quorum > 1 {
                f64::from(c.count) * (tasks_in_flight + backlog) * COPIES_SLOT_BYTES
            } else {
                0.0
            },
            key: "coordinator.count",
        },
        Part {
            what: format!("{groups} peer groups"),
            amount: groups * GROUP_BYTES + groups_with_peers * GROUP_HISTOGRAM_BYTES,
            key: "peers",
        },
    ];

    let frames_total = frame_rate * duration_ms;
    let attempts_total = frames_total * f64::from(w.tasks_per_frame) * attempts_per_task;
    // The run ends when its work is done, at most at the horizon.
    let end_ms = (duration_ms + frame_life).min(horizon_ms);
    let rows = end_ms / cfg.sample_every.as_ms().max(1e-6);
    let mut event_parts = vec![
        Part {
            what: format!(
                "{:.1e} tasks x {attempts_per_task:.1} attempts x {EVENTS_PER_ATTEMPT} events",
                frames_total * f64::from(w.tasks_per_frame)
            ),
            amount: attempts_total * EVENTS_PER_ATTEMPT + 2.0 * frames_total,
            key: "workload",
        },
        Part {
            what: format!(
                "rows of timeseries.csv, one every {} ms",
                cfg.sample_every.as_ms()
            ),
            amount: rows,
            key: "simulation.sample_ms",
        },
    ];
    if c.view != View::Own {
        // Each peer's heartbeats, sent and arrived, to the end.
        event_parts.push(Part {
            what: format!(
                "heartbeats of {} peers, one every {} ms, sent and arrived",
                p.peers, c.heartbeat_ms
            ),
            amount: 2.0 * p.peers * end_ms / c.heartbeat_ms,
            key: "coordinator.heartbeat_ms",
        });
    }

    let counted_frames = frame_rate * counted_ms;
    let mut files = vec![
        Part {
            what: format!("timeseries.csv, {rows:.0} rows"),
            amount: rows * TIMESERIES_ROW_BYTES,
            key: "simulation.sample_ms",
        },
        Part {
            what: format!("peers.csv, {} rows", p.peers),
            amount: p.peers * PEERS_ROW_BYTES,
            key: "peers",
        },
        Part {
            what: "latency_hist.csv, summary.csv and run_info.csv".into(),
            amount: (groups + 1.0) * HISTOGRAM_FILE_BYTES + SMALL_FILES_BYTES,
            key: "peers",
        },
    ];
    if output.frames {
        files.push(Part {
            what: format!("frames.csv, {counted_frames:.0} rows"),
            amount: counted_frames * FRAMES_ROW_BYTES,
            key: "output.frames",
        });
    }
    if output.attempts {
        files.push(Part {
            what: format!("attempts.csv, {attempts_total:.0} rows"),
            amount: attempts_total * ATTEMPTS_ROW_BYTES,
            key: "output.attempts",
        });
    }

    let total = |parts: &mut Vec<Part>| -> f64 {
        parts.sort_by(|a, b| b.amount.total_cmp(&a.amount));
        parts.iter().map(|p| p.amount).sum()
    };
    let memory_bytes = BASE_BYTES + total(&mut memory);
    Cost {
        memory_bytes,
        events: total(&mut event_parts),
        output_bytes: total(&mut files),
        memory,
        event_parts,
        output: files,
    }
}

/// The estimated cost of a sweep itself, beside its runs: its plan, its
/// results read back at the end, and the files it writes.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepCost {
    pub runs: f64,
    pub memory_bytes: f64,
    pub output_bytes: f64,
}

impl SweepCost {
    pub fn new(points: usize, replications: u32, keys: usize) -> SweepCost {
        let runs = points as f64 * f64::from(replications);
        SweepCost {
            runs,
            // The seed of every point is kept, 8 bytes.
            memory_bytes: BASE_BYTES + runs * SWEEP_RUN_BYTES + points as f64 * 8.0,
            output_bytes: runs * (RUNS_ROW_BYTES + 20.0 * keys as f64)
                + points as f64 * POINTS_ROW_BYTES,
        }
    }

    /// The first limit this sweep exceeds, unless `limits.force`.
    pub fn check(&self, limits: &Limits) -> Result<(), Exceeded> {
        if limits.force {
            return Ok(());
        }
        let part = |what: &str, amount| Part {
            what: what.to_string(),
            amount,
            key: "",
        };
        let memory = format!(
            "its plan and the rows of its {:.0} runs, read back at the end",
            self.runs
        );
        let of = "this sweep";
        check(
            Resource::Memory,
            self.memory_bytes,
            limits.memory_bytes,
            &[part(&memory, self.memory_bytes)],
            of,
        )?;
        check(
            Resource::Output,
            self.output_bytes,
            limits.output_bytes,
            &[part("runs.csv and points.csv", self.output_bytes)],
            of,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_as_a_person_writes_them() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(3.4e6), "3.4 MB");
        assert_eq!(bytes(5e9), "5.0 GB");
    }

    #[test]
    fn force_lifts_every_limit() {
        let big = SweepCost::new(1_000_000, 100_000, 3);
        assert!(big.check(&Limits::DEFAULT).is_err());
        assert!(big.check(&Limits::forced()).is_ok());
    }
}
