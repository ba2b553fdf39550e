//! The report of a finished run: summary.csv's row, peers.csv's rows and
//! the latency histograms, built once from the state the run ended in.

use super::churn::Churning;
use super::config::Config;
use super::coordinator::{Coordinators, Heard};
use super::cost::{self, Costs};
use super::link::Links;
use super::peer::{Odds, Peer};
use super::stats::{CoordinatorReport, LatencyBucket, LatencyCounter, PeerReport, Report, Summary};
use super::tally::Counters;
use super::CoordinatorId;
use crate::engine::SimTime;

/// Latencies of counted frames and of their completed tasks.
#[derive(Clone, Debug)]
pub struct Latencies {
    pub frame: LatencyCounter,
    /// Frames by coordinator, when there are several; else empty.
    pub frame_by_coordinator: Vec<LatencyCounter>,
    /// By the group of the peer that completed the task.
    pub task_by_group: Vec<LatencyCounter>,
}

impl Latencies {
    /// A frame of coordinator `c` was delivered after `latency` (several
    /// coordinators only).
    #[inline(never)]
    pub fn record_by_coordinator(&mut self, c: CoordinatorId, latency: SimTime) {
        self.frame_by_coordinator[c.index()].record(latency);
    }

    pub fn new(groups: usize, coordinators: u32) -> Latencies {
        let by = if coordinators > 1 { coordinators } else { 0 };
        Latencies {
            frame: LatencyCounter::default(),
            frame_by_coordinator: vec![LatencyCounter::default(); by as usize],
            task_by_group: vec![LatencyCounter::default(); groups],
        }
    }
}

/// What a run ended with.
pub struct Ending<'a> {
    pub cfg: &'a Config,
    pub end: SimTime,
    pub events: u64,
    pub peers: &'a [Peer],
    pub odds: &'a [Odds],
    pub coordinators: &'a Coordinators,
    pub counted: &'a Counters,
    /// By coordinator, when there are several.
    pub by_coordinator: &'a [Counters],
    pub latencies: &'a Latencies,
    pub churn: Option<&'a Churning>,
    pub links: Option<&'a Links>,
    pub cost: Option<&'a Costs>,
    /// Frames of the whole run delivered on time.
    pub on_time: u64,
}

/// A summary with the columns a run of `cfg` writes (a mechanism's own
/// only where it is on), every number zero: the shape of a sweep's rows.
pub fn summary_shape(cfg: &Config) -> Summary {
    let churn = cfg.peer_groups.iter().any(|g| g.churn.is_some());
    let summary = Summary {
        attempts_lost: churn.then_some(0),
        peer_availability: churn.then_some(0.0),
        sessions: churn.then_some(0),
        link_wait_ms_mean: cfg.links().then_some(Some(0.0)),
        copies: cfg.coordinator.cancels().then_some(0),
        hedges: cfg.coordinator.cancels().then_some(0),
        cancelled: cfg.coordinator.cancels().then_some(0),
        wasted_ms: cfg.coordinator.cancels().then_some(0.0),
        frames_dropped: cfg.coordinator.drop_late.then_some(0),
        frames_corrupt: cfg.trust().then_some(0),
        good_rate: cfg.trust().then_some(Some(0.0)),
        ..Summary::default()
    };
    if cfg.costs() {
        cost::shape(summary)
    } else {
        summary
    }
}

pub fn build(run: &Ending) -> Report {
    let cfg = run.cfg;
    let (from, to) = cfg.counted();
    let window = to - from;
    // Each peer's online time, over the run and the counted window: all of
    // it, unless it churns.
    let online = |i: usize| match run.churn {
        Some(c) if c.peers[i].is_some() => (c.online[i], c.online_counted[i]),
        _ => (run.end, window),
    };
    let slots: u64 = run.peers.iter().map(|p| u64::from(p.slots)).sum();
    let busy_ns: u64 = run.peers.iter().map(|p| p.busy_counted.as_nanos()).sum();
    // Utilisation: busy slot-time over the slot-time online, both inside
    // the counted window.
    let slot_ns = |i: usize, p: &Peer| f64::from(p.slots) * online(i).1.as_nanos() as f64;
    let online_slot_ns: f64 = run
        .peers
        .iter()
        .enumerate()
        .map(|(i, p)| slot_ns(i, p))
        .sum();
    let share = |busy: f64, slot_ns: f64| if slot_ns > 0.0 { busy / slot_ns } else { 0.0 };
    let c = run.counted;
    let mut tl = LatencyCounter::default();
    for group in &run.latencies.task_by_group {
        tl.merge(group);
    }
    let tl = tl.stats();
    let fl = run.latencies.frame.stats();
    let mut summary = Summary {
        scenario: cfg.name.clone(),
        seed: cfg.seed,
        frames: c.frames,
        frames_on_time: c.frames_on_time,
        frames_late: c.frames_late,
        frames_failed: c.frames_failed,
        deadline_hit_rate: (c.frames > 0).then(|| c.frames_on_time as f64 / c.frames as f64),
        frame_latency_mean_ms: fl.mean_ms(),
        frame_latency_p50_ms: fl.quantile_ms(0.50),
        frame_latency_p95_ms: fl.quantile_ms(0.95),
        frame_latency_p99_ms: fl.quantile_ms(0.99),
        frame_latency_max_ms: fl.max_ms(),
        tasks: c.tasks,
        tasks_completed: c.tasks_completed,
        tasks_failed: c.tasks_failed,
        task_latency_mean_ms: tl.mean_ms(),
        task_latency_p50_ms: tl.quantile_ms(0.50),
        task_latency_p95_ms: tl.quantile_ms(0.95),
        task_latency_p99_ms: tl.quantile_ms(0.99),
        attempts: c.attempts,
        failovers: c.failovers,
        timeouts: c.timeouts,
        utilization: share(busy_ns as f64, online_slot_ns),
        sim_time_s: run.end.as_secs(),
        events: run.events,
        renters: cfg.workload.renters,
        peers: run.peers.len() as u64,
        slots,
        task_latency_max_ms: tl.max_ms(),
        deadline_mean_ms: cfg.workload.deadline_ms.mean(),
        deadline_constant: cfg.workload.deadline_ms.is_constant(),
        warmup_s: cfg.warmup.as_secs(),
        duration_s: cfg.duration.as_secs(),
        attempts_lost: run.churn.map(|_| c.attempts_lost),
        peer_availability: run.churn.map(|_| {
            let online_ns: f64 = (0..run.peers.len())
                .map(|i| online(i).0.as_nanos() as f64)
                .sum();
            online_ns / (run.peers.len() as f64 * run.end.as_nanos() as f64)
        }),
        sessions: run.churn.map(|ch| ch.sessions.iter().sum::<u64>()),
        link_wait_ms_mean: run
            .links
            .map(|_| (c.link_messages > 0).then(|| c.link_wait.as_ms() / c.link_messages as f64)),
        copies: cfg.coordinator.cancels().then_some(c.copies),
        hedges: cfg.coordinator.cancels().then_some(c.hedges),
        cancelled: cfg.coordinator.cancels().then_some(c.cancelled),
        wasted_ms: cfg.coordinator.cancels().then(|| c.wasted.as_ms()),
        frames_dropped: cfg.coordinator.drop_late.then_some(c.frames_dropped),
        frames_corrupt: cfg.trust().then_some(c.frames_corrupt),
        good_rate: cfg.trust().then(|| {
            (c.frames > 0)
                .then(|| (c.frames_on_time - c.frames_on_time_corrupt) as f64 / c.frames as f64)
        }),
        ..Summary::default()
    };
    // What the coordinators heard of each peer, summed over them, and
    // the reputation they ended with, averaged.
    let heard = |i: usize| {
        run.coordinators
            .iter()
            .fold(Heard::default(), |sum, c| Heard {
                attempts: sum.attempts + c.heard[i].attempts,
                successes: sum.successes + c.heard[i].successes,
                failures: sum.failures + c.heard[i].failures,
            })
    };
    let reputation = |i: usize| {
        let sum: f64 = run
            .coordinators
            .iter()
            .map(|c| c.standings.rest[i].reputation.value_at(run.end, c.rule()))
            .sum();
        sum / run.coordinators.len() as f64
    };
    let mut peers: Vec<PeerReport> = run
        .peers
        .iter()
        .enumerate()
        .map(|(i, p)| (i, p, heard(i)))
        .map(|(i, p, heard)| PeerReport {
            peer: i as u32,
            group: cfg.peer_groups[p.group()].name.clone(),
            slots: p.slots,
            speed: p.speed,
            latency_ms: p.latency.as_ms(),
            reliability: run.odds[i].reliability,
            attempts: heard.attempts,
            successes: heard.successes,
            failures: heard.failures,
            busy_ms: p.busy.as_ms(),
            utilization: share(p.busy_counted.as_nanos() as f64, slot_ns(i, p)),
            reputation: reputation(i),
            online_s: run.churn.map(|_| online(i).0.as_secs()),
            sessions: run.churn.map(|ch| ch.sessions[i]),
            lost: run.churn.map(|ch| ch.lost[i]),
            downlink_mbps: run
                .links
                .map(|l| Some(l.down[i].mbps).filter(|x| x.is_finite())),
            uplink_mbps: run
                .links
                .map(|l| Some(l.up[i].mbps).filter(|x| x.is_finite())),
            uplink_busy_ms: run.links.map(|l| l.up[i].busy.as_ms()),
            downlink_busy_ms: run.links.map(|l| l.down[i].busy.as_ms()),
            cost: None,
            energy_kwh: None,
        })
        .collect();
    if let Some(costs) = run.cost {
        costs.report(
            cfg,
            &mut summary,
            &mut peers,
            |i| run.peers[i].busy,
            |i| online(i).0,
            run.on_time,
        );
    }
    let bucket = |series: &'static str, group: &str, (lower_ms, upper_ms, count)| LatencyBucket {
        series: series.into(),
        group: group.to_string(),
        lower_ms,
        upper_ms,
        count,
    };
    let mut latency: Vec<LatencyBucket> = fl
        .buckets()
        .into_iter()
        .map(|b| bucket("frame", "", b))
        .collect();
    for (counter, group) in run.latencies.task_by_group.iter().zip(&cfg.peer_groups) {
        latency.extend(
            counter
                .stats()
                .buckets()
                .into_iter()
                .map(|b| bucket("task", &group.name, b)),
        );
    }
    let coordinators = coordinator_rows(run, &summary);
    Report {
        summary,
        peers,
        coordinators,
        latency,
    }
}

/// `coordinators.csv`'s rows, when there are several coordinators: each
/// one's counters over its renters' counted frames, and the wave-2
/// counters where the summary has them.
fn coordinator_rows(run: &Ending, summary: &Summary) -> Vec<CoordinatorReport> {
    let count = run.by_coordinator.len();
    let renters = run.cfg.workload.renters as usize;
    run.by_coordinator
        .iter()
        .zip(&run.latencies.frame_by_coordinator)
        .enumerate()
        .map(|(i, (c, latency))| {
            let fl = latency.stats();
            CoordinatorReport {
                coordinator: i as u32,
                renters: (renters / count + usize::from(i < renters % count)) as u32,
                frames: c.frames,
                frames_on_time: c.frames_on_time,
                frames_late: c.frames_late,
                frames_failed: c.frames_failed,
                deadline_hit_rate: (c.frames > 0)
                    .then(|| c.frames_on_time as f64 / c.frames as f64),
                frame_latency_mean_ms: fl.mean_ms(),
                frame_latency_p50_ms: fl.quantile_ms(0.50),
                frame_latency_p95_ms: fl.quantile_ms(0.95),
                frame_latency_p99_ms: fl.quantile_ms(0.99),
                frame_latency_max_ms: fl.max_ms(),
                tasks: c.tasks,
                tasks_completed: c.tasks_completed,
                tasks_failed: c.tasks_failed,
                attempts: c.attempts,
                failovers: c.failovers,
                timeouts: c.timeouts,
                attempts_lost: summary.attempts_lost.map(|_| c.attempts_lost),
                copies: summary.copies.map(|_| c.copies),
                hedges: summary.hedges.map(|_| c.hedges),
                cancelled: summary.cancelled.map(|_| c.cancelled),
                frames_corrupt: summary.frames_corrupt.map(|_| c.frames_corrupt),
                good_rate: summary.good_rate.map(|_| {
                    (c.frames > 0).then(|| {
                        (c.frames_on_time - c.frames_on_time_corrupt) as f64 / c.frames as f64
                    })
                }),
                wasted_ms: summary.wasted_ms.map(|_| c.wasted.as_ms()),
                frames_dropped: summary.frames_dropped.map(|_| c.frames_dropped),
                link_wait_ms_mean: summary.link_wait_ms_mean.map(|_| {
                    (c.link_messages > 0).then(|| c.link_wait.as_ms() / c.link_messages as f64)
                }),
            }
        })
        .collect()
}
