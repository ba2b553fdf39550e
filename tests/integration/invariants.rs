//! Invariants over random small scenarios (property tests): whatever the
//! policy, queue, failures and reputation, the books always balance.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use p2c2g::engine::SimTime;
use p2c2g::model::*;
use p2c2g::scenario::Source;

/// Everything a run tells, in the order it told it.
#[derive(Default)]
struct Everything {
    frames: Vec<FrameRecord>,
    tasks: Vec<TaskRecord>,
    attempts: Vec<AttemptRecord>,
    samples: Vec<Sample>,
    peers: Vec<PeerRecord>,
    heard: Vec<HeardRecord>,
}

impl Recorder for Everything {
    fn frame(&mut self, r: &FrameRecord) {
        self.frames.push(r.clone());
    }
    fn task(&mut self, r: &TaskRecord) {
        self.tasks.push(r.clone());
    }
    fn attempt(&mut self, r: &AttemptRecord) {
        self.attempts.push(r.clone());
    }
    fn sample(&mut self, s: &Sample) {
        self.samples.push(s.clone());
    }
    fn peer(&mut self, r: &PeerRecord) {
        self.peers.push(r.clone());
    }
    fn heard(&mut self, r: &HeardRecord) {
        self.heard.push(r.clone());
    }
}

impl Everything {
    fn told(&self) -> String {
        format!(
            "{:?}{:?}{:?}{:?}{:?}{:?}",
            self.frames, self.tasks, self.attempts, self.samples, self.peers, self.heard
        )
    }
}

#[derive(Debug, Clone)]
struct Params {
    seed: u64,
    renters: u32,
    fps: f64,
    poisson: bool,
    tasks_per_frame: u32,
    policy: &'static str,
    central: bool,
    edf: bool,
    max_attempts: u32,
    timeout_ms: f64,
    backoff_ms: f64,
    reputation: &'static str,
    exclude_below: f64,
    groups: Vec<(u32, u32, f64, f64, f64, bool)>,
    drain_s: f64,
    /// Churn for every group: mean session and gap (s), warm-up (s), and
    /// graceful leave with its notice (s).
    churn: Option<(f64, f64, f64, Option<f64>)>,
    heartbeat_ms: f64,
    /// Links: the largest input and output (kB), and the lowest downlink
    /// and uplink bandwidth (Mbps) of every group.
    links: Option<(f64, f64, f64, f64)>,
    /// Copies per new task, whether the first success cancels the others,
    /// a hedge delay (ms), a quorum, and whether results may be wrong.
    copies: Option<(u32, bool, Option<f64>, u32, bool)>,
    /// Whether a timed-out attempt is cancelled, and late frames dropped.
    cancel_on_timeout: bool,
    drop_late: bool,
    /// Forgetting: the reputation's half-life (s).
    half_life_s: Option<f64>,
    /// Several coordinators: how many, their view and whether heartbeats
    /// are synchronised.
    coordinators: Option<(u32, &'static str, bool)>,
}

fn params() -> impl Strategy<Value = Params> {
    let policies = prop::sample::select(vec![
        "random",
        "round_robin",
        "least_loaded",
        "power_of_d",
        "lowest_latency",
        "highest_reputation",
        "score",
        "earliest_finish",
    ]);
    let group = (
        1u32..5,
        1u32..4,
        0.0..20.0,
        0.0..10.0,
        0.3..1.0f64,
        any::<bool>(),
    );
    (
        (
            any::<u64>(),
            1u32..4,
            5.0..80.0,
            any::<bool>(),
            1u32..5,
            policies,
        ),
        (
            any::<bool>(),
            any::<bool>(),
            1u32..5,
            10.0..150.0,
            prop::sample::select(vec![0.0, 5.0]),
        ),
        (
            prop::sample::select(vec!["additive", "ewma", "beta"]),
            prop::sample::select(vec![0.0, 0.0, 0.3, 0.6]),
            prop::collection::vec(group, 1..4),
            prop::sample::select(vec![0.05, 30.0]),
        ),
        prop::option::of((
            0.05..1.0f64,
            0.01..0.5f64,
            prop::sample::select(vec![0.0, 0.02, 0.2]),
            prop::option::of(prop::sample::select(vec![0.0, 0.05])),
        )),
        prop::sample::select(vec![5.0, 50.0]),
        prop::option::of((0.0..50.0f64, 0.0..50.0f64, 5.0..100.0f64, 2.0..50.0f64)),
        prop::option::of((
            1u32..4,
            any::<bool>(),
            prop::option::of(1.0..40.0f64),
            1u32..4,
            any::<bool>(),
        )),
        (
            any::<bool>(),
            any::<bool>(),
            prop::option::of(prop::sample::select(vec![0.01, 0.1, 1.0])),
            prop::option::of((
                1u32..5,
                prop::sample::select(vec!["own", "heartbeat", "board"]),
                any::<bool>(),
            )),
        ),
    )
        .prop_map(
            |(a, b, c, churn, heartbeat_ms, links, copies, late)| Params {
                seed: a.0,
                renters: a.1,
                fps: a.2,
                poisson: a.3,
                tasks_per_frame: a.4,
                policy: a.5,
                central: b.0,
                edf: b.1,
                max_attempts: b.2,
                timeout_ms: b.3,
                backoff_ms: b.4,
                reputation: c.0,
                exclude_below: c.1,
                groups: c.2,
                drain_s: c.3,
                churn,
                heartbeat_ms,
                links,
                copies,
                cancel_on_timeout: late.0,
                drop_late: late.1,
                half_life_s: late.2,
                coordinators: late.3,
            },
        )
}

fn scenario_text(p: &Params) -> String {
    let sizes = p.links.map_or(String::new(), |(input, output, _, _)| {
        format!(
            "input_kb = {{ dist = \"uniform\", low = 0, high = {input} }}\n\
             output_kb = {{ dist = \"uniform\", low = 0, high = {output} }}\n"
        )
    });
    let peers: u32 = p.groups.iter().map(|g| g.0).sum();
    let copies = p
        .copies
        .map_or(String::new(), |(k, first, hedge, quorum, _)| {
            let k = k.min(p.max_attempts).min(peers);
            let quorum = quorum.min(p.max_attempts).min(peers);
            let cancel = if first { "first" } else { "none" };
            let hedge = hedge.map_or(String::new(), |h| format!("hedge_ms = {h}\n"));
            format!("copies = {k}\ncancel = \"{cancel}\"\nquorum = {quorum}\n{hedge}")
        })
        // Written only when on: any key of copies given, even as off,
        // reports what copies cost.
        + if p.cancel_on_timeout { "cancel_on_timeout = true\n" } else { "" }
        + if p.drop_late { "drop_late = true\n" } else { "" }
        + &p.coordinators.map_or(String::new(), |(count, view, sync)| {
            format!(
                "count = {count}\nview = \"{view}\"\nheartbeat_ms = {}\nheartbeat_phase = \"{}\"\n",
                p.heartbeat_ms,
                if sync { "sync" } else { "random" }
            )
        });
    let wrong = match p.copies {
        Some((.., true)) => "wrong = 0.2\n",
        _ => "",
    };
    let mut t = format!(
        "[simulation]\nseed = {}\nduration_s = 1.0\nwarmup_s = 0.2\ndrain_s = {}\nsample_ms = 10\n\
         [workload]\nrenters = {}\nfps = {}\narrival = \"{}\"\ntasks_per_frame = {}\n\
         work_ms = {{ dist = \"exponential\", mean = 8 }}\ndeadline_ms = 60\nreturn_ms = 2\n{sizes}\
         [coordinator]\npolicy = \"{}\"\nd = 1\nqueue = \"{}\"\ndiscipline = \"{}\"\n\
         max_attempts = {}\ntimeout_ms = {}\nbackoff_ms = {}\n{copies}\
         [reputation]\nmodel = \"{}\"\nexclude_below = {}\n{}",
        p.seed % (1 << 62),
        p.drain_s,
        p.renters,
        p.fps,
        if p.poisson { "poisson" } else { "periodic" },
        p.tasks_per_frame,
        p.policy,
        if p.central { "central" } else { "per_peer" },
        if p.edf { "edf" } else { "fifo" },
        p.max_attempts,
        p.timeout_ms,
        p.backoff_ms,
        p.reputation,
        p.exclude_below,
        p.half_life_s
            .map_or(String::new(), |h| format!("half_life_s = {h}\n")),
    );
    for (count, slots, latency, jitter, reliability, silent) in &p.groups {
        if let Some((_, _, down, up)) = p.links {
            t += &format!(
                "[[peers]]\ndownlink_mbps = {{ dist = \"uniform\", low = {down}, high = {} }}\n\
                 uplink_mbps = {{ dist = \"uniform\", low = {up}, high = {} }}\n",
                down * 10.0,
                up * 10.0
            );
        } else {
            t += "[[peers]]\n";
        }
        t += &format!(
            "count = {count}\nslots = {slots}\nlatency_ms = {latency}\n\
             jitter_ms = {{ dist = \"uniform\", low = 0, high = {jitter} }}\n\
             reliability = {reliability}\n{wrong}speed = {{ dist = \"uniform\", low = 0.5, high = 2 }}\n\
             failure = \"{}\"\n",
            if *silent { "silent" } else { "error" }
        );
    }
    t
}

/// Checks the books of the run of `p`; says whether the run took the
/// loop for the core (and so was also run on the loop for every
/// mechanism, and compared).
fn check(p: &Params) -> Result<bool, TestCaseError> {
    let text = scenario_text(p);
    let source = Source::parse(std::path::Path::new("prop.toml"), text).unwrap();
    let scenario = source
        .validate()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut cfg = scenario.config.clone();
    if let Some((on, off, join, graceful)) = p.churn {
        // Heartbeats fast enough for departures to be noticed in a run of
        // a second.
        cfg.coordinator.heartbeat_ms = p.heartbeat_ms;
        cfg.coordinator.miss_limit = 2;
        for g in &mut cfg.peer_groups {
            g.churn = Some(Churn {
                sessions: Sessions::Alternating {
                    on_s: Dist::exponential(on).unwrap(),
                    off_s: Dist::exponential(off).unwrap(),
                    preroll_s: 10.0 * (on + off),
                },
                join_s: Dist::constant(join),
                leave: graceful.map_or(Leave::Crash, |notice_s| Leave::Graceful { notice_s }),
            });
        }
    }
    let cfg = &cfg;
    let mut rec = Everything::default();
    let report = Simulation::new(cfg).run(&mut rec);
    let core_only = Simulation::new(cfg).core_only();
    // Any key of copies written (see `scenario_text`) counts as on.
    let mechanisms_off = p.churn.is_none()
        && p.links.is_none()
        && p.copies.is_none()
        && !p.cancel_on_timeout
        && !p.drop_late
        && p.half_life_s.is_none()
        && p.coordinators
            .is_none_or(|(count, view, _)| count == 1 && view == "own");
    prop_assert_eq!(
        core_only,
        mechanisms_off,
        "the core loop, or not, for the wrong run"
    );
    if core_only {
        // The loop for the core tells what the loop for every mechanism
        // tells, in the same order.
        let mut full = Everything::default();
        let full_report = Simulation::new(cfg).run_full(&mut full);
        prop_assert_eq!(format!("{report:?}"), format!("{full_report:?}"));
        prop_assert_eq!(rec.told(), full.told());
    }
    let s = &report.summary;
    let tpf = cfg.workload.tasks_per_frame;

    // Every frame ends exactly once, with one of three statuses.
    let frames: BTreeSet<(u32, u64)> = rec.frames.iter().map(|f| (f.renter, f.frame)).collect();
    prop_assert_eq!(frames.len(), rec.frames.len(), "a frame ended twice");
    prop_assert_eq!(s.frames_on_time + s.frames_late + s.frames_failed, s.frames);
    let counted = rec.frames.iter().filter(|f| f.counted).count() as u64;
    prop_assert_eq!(counted, s.frames);

    // Every task ends exactly once: completed or failed.
    // A task fails when its attempts are spent, at the end of the run, or
    // (drop_late) when its frame is dropped at its deadline.
    let deadline_of: BTreeMap<(u32, u64), SimTime> = rec
        .frames
        .iter()
        .map(|f| ((f.renter, f.frame), f.created + f.deadline))
        .collect();
    let mut ends: BTreeMap<(u32, u64, u32), u32> = BTreeMap::new();
    for t in &rec.tasks {
        *ends.entry((t.renter, t.frame, t.task)).or_default() += 1;
        prop_assert!(t.ended >= t.created);
        prop_assert!(t.attempts <= cfg.coordinator.max_attempts);
        let dropped = p.drop_late && t.ended >= deadline_of[&(t.renter, t.frame)];
        prop_assert!(
            t.completed
                || t.attempts == cfg.coordinator.max_attempts
                || t.ended == SimTime::from_nanos((s.sim_time_s * 1e9).round() as u64)
                || dropped
        );
    }
    prop_assert!(ends.values().all(|&n| n == 1), "a task ended twice");
    prop_assert_eq!(
        ends.len(),
        frames.len() * tpf as usize,
        "a task never ended"
    );
    for (renter, frame) in &frames {
        for task in 0..tpf {
            prop_assert!(ends.contains_key(&(*renter, *frame, task)));
        }
    }
    prop_assert_eq!(s.tasks_completed + s.tasks_failed, s.tasks);

    // Time never runs backwards: not between tasks' ends, not between
    // samples, not within an attempt.
    for w in rec.tasks.windows(2) {
        prop_assert!(w[1].ended >= w[0].ended);
    }
    for w in rec.samples.windows(2) {
        prop_assert!(w[1].t > w[0].t);
    }
    for a in &rec.attempts {
        let steps = [Some(a.dispatched), a.reached, a.started, a.processed];
        let known: Vec<SimTime> = steps.iter().flatten().copied().collect();
        prop_assert!(known.windows(2).all(|w| w[0] <= w[1]), "{:?}", a);
        if let Some(r) = a.resolved {
            prop_assert!(r >= a.dispatched);
        }
        prop_assert!(a.attempt >= 1 && a.attempt <= cfg.coordinator.max_attempts);
    }

    // A peer never runs more attempts than its slots.
    let mut edges: BTreeMap<u32, Vec<(SimTime, i32)>> = BTreeMap::new();
    let end = SimTime::MAX;
    for a in &rec.attempts {
        if let Some(start) = a.started {
            let e = edges.entry(a.peer.0).or_default();
            e.push((start, 1));
            e.push((a.processed.or(a.lost).unwrap_or(end), -1));
        }
    }

    // Churn: no attempt runs on a peer that is offline, and none is sent
    // to a peer the coordinator knows to be gone, leaving, or not yet
    // registered.
    if p.churn.is_some() {
        let online = intervals(&rec.peers, PeerChange::Online, &[PeerChange::Offline]);
        let pickable = intervals(
            &rec.peers,
            PeerChange::Registered,
            &[PeerChange::Leaving, PeerChange::Gone],
        );
        let within = |spans: &BTreeMap<u32, Vec<(SimTime, SimTime)>>, peer: u32, t: SimTime| {
            spans
                .get(&peer)
                .is_some_and(|v| v.iter().any(|&(a, b)| a <= t && t < b))
        };
        for a in &rec.attempts {
            prop_assert!(
                within(&pickable, a.peer.0, a.dispatched),
                "sent to peer {} when it could not be picked: {:?}",
                a.peer.0,
                a
            );
            if let Some(start) = a.started {
                prop_assert!(within(&online, a.peer.0, start), "ran offline: {:?}", a);
                if let Some(done) = a.processed {
                    // Done within the same session: online just before.
                    let v = &online[&a.peer.0];
                    let span = v.iter().find(|&&(x, y)| x <= start && start < y).unwrap();
                    prop_assert!(done <= span.1, "ran past its peer's departure: {:?}", a);
                }
            }
            if a.outcome == AttemptOutcome::Lost {
                prop_assert!(a.lost.is_some() && a.processed.is_none());
            }
        }
    }
    for (peer, mut e) in edges {
        e.sort(); // at equal times, -1 (a slot freed) sorts first
        let mut running = 0;
        for (_, d) in e {
            running += d;
            prop_assert!(
                running <= report.peers[peer as usize].slots as i32,
                "peer {} over its slots",
                peer
            );
        }
    }

    // Each peer's busy time is the sum of its attempts' times in a slot:
    // from start to processed or lost, or to the end of the run (counted
    // once, even for an attempt lost when its peer left).
    let run_end = SimTime::from_nanos((s.sim_time_s * 1e9).round() as u64);
    let mut busy = vec![SimTime::ZERO; report.peers.len()];
    for a in &rec.attempts {
        if let Some(start) = a.started {
            busy[a.peer.index()] += a.processed.or(a.lost).unwrap_or(run_end) - start;
        }
    }
    for (peer, busy) in busy.iter().enumerate() {
        let reported = report.peers[peer].busy_ms;
        prop_assert!(
            (busy.as_ms() - reported).abs() < 1e-6,
            "peer {} busy {} ms, reported {} ms",
            peer,
            busy.as_ms(),
            reported
        );
    }

    // A retry never goes to a peer that failed the task while another
    // eligible peer exists (without exclusion, every peer is eligible, or
    // with churn every peer the coordinator may pick then).
    let pickable = intervals(
        &rec.peers,
        PeerChange::Registered,
        &[PeerChange::Leaving, PeerChange::Gone],
    );
    let pickable_at = |t: SimTime| -> BTreeSet<u32> {
        (0..report.peers.len() as u32)
            .filter(|peer| {
                p.churn.is_none()
                    || pickable
                        .get(peer)
                        .is_some_and(|v| v.iter().any(|&(a, b)| a <= t && t < b))
            })
            .collect()
    };
    // (Under a quorum with churn, a success the coordinator failed when
    // it declared its peer gone cannot be told from a vote: not checked.)
    let quorum = cfg.coordinator.quorum;
    if cfg.reputation.exclude_below == 0.0 && !(quorum > 1 && p.churn.is_some()) {
        let mut by_task: BTreeMap<(u32, u64, u32), Vec<&AttemptRecord>> = BTreeMap::new();
        for a in &rec.attempts {
            by_task
                .entry((a.renter, a.frame, a.task))
                .or_default()
                .push(a);
        }
        for attempts in by_task.values_mut() {
            attempts.sort_by_key(|a| a.attempt);
            for (k, a) in attempts.iter().enumerate() {
                prop_assert_eq!(a.attempt as usize, k + 1, "attempts numbered in order");
                // The peers of earlier attempts: failed, or out (under a
                // quorum, a success heard is a vote, not a failure).
                let failed: BTreeSet<u32> = attempts[..k]
                    .iter()
                    .filter(|b| {
                        !(quorum > 1 && b.outcome == AttemptOutcome::Success && !b.timed_out)
                    })
                    .map(|b| b.peer.0)
                    .collect();
                // Peers holding a copy of the task then may not take it.
                let holding: BTreeSet<u32> = attempts[..k]
                    .iter()
                    .filter(|b| b.resolved.is_none_or(|r| r > a.dispatched))
                    .map(|b| b.peer.0)
                    .collect();
                if pickable_at(a.dispatched)
                    .difference(&failed)
                    .any(|peer| !holding.contains(peer))
                {
                    prop_assert!(
                        !failed.contains(&a.peer.0),
                        "retry went back to failed peer {}",
                        a.peer.0
                    );
                }
            }
        }
    }

    // Links: each direction of each peer's link carries one message at a
    // time, in the order they entered it, and is busy exactly while it
    // carries one.
    if p.links.is_some() {
        let mut carried: BTreeMap<(u32, bool), Vec<link::Carried>> = BTreeMap::new();
        for a in &rec.attempts {
            let stays = a.links.expect("links on");
            for (up, c) in [(false, stays.input), (true, stays.reply)] {
                if let Some(c) = c {
                    prop_assert!(c.entered <= c.start && c.start <= c.end, "{:?}", c);
                    carried.entry((a.peer.0, up)).or_default().push(c);
                }
            }
            if let (Some(input), Some(reached)) = (stays.input, a.reached) {
                prop_assert!(input.end <= reached, "reached before it was sent: {:?}", a);
            }
        }
        for ((peer, up), mut on_link) in carried {
            on_link.sort_by_key(|c| (c.entered, c.start));
            for w in on_link.windows(2) {
                prop_assert!(
                    w[0].end <= w[1].start,
                    "peer {} link (up {}) carried two at once, or out of order: {:?}",
                    peer,
                    up,
                    w
                );
            }
            let busy = on_link
                .iter()
                .fold(SimTime::ZERO, |sum, c| sum + (c.end - c.start));
            let r = &report.peers[peer as usize];
            let reported = if up {
                r.uplink_busy_ms
            } else {
                r.downlink_busy_ms
            };
            prop_assert!(
                (busy.as_ms() - reported.unwrap()).abs() < 1e-6,
                "peer {} link (up {}) busy {} ms, reported {:?}",
                peer,
                up,
                busy.as_ms(),
                reported
            );
        }
    }

    // Copies: a task never has two attempts out on one peer at once (out:
    // from dispatch until the coordinator hears back).
    type Spans = Vec<(SimTime, SimTime)>;
    let mut out: BTreeMap<(u32, u64, u32, u32), Spans> = BTreeMap::new();
    for a in &rec.attempts {
        out.entry((a.renter, a.frame, a.task, a.peer.0))
            .or_default()
            .push((a.dispatched, a.resolved.unwrap_or(SimTime::MAX)));
    }
    for (key, mut spans) in out {
        spans.sort();
        for w in spans.windows(2) {
            prop_assert!(
                w[0].1 <= w[1].0,
                "two copies of {:?} out on one peer: {:?}",
                key,
                w
            );
        }
    }

    // drop_late: no frame is delivered whose tasks ended after its
    // deadline (the return, 2 ms, may still make it late).
    if p.drop_late {
        for f in &rec.frames {
            if let Some(at) = f.delivered {
                prop_assert!(
                    at <= f.created + f.deadline + SimTime::from_ms(2.0),
                    "a frame assembled after its deadline was delivered: {:?}",
                    f
                );
            }
        }
    }

    // Reputation: every update the coordinator made, replayed in order
    // from the records of what it heard, gives each peer's final
    // reputation and its counts; an attempt is heard at most once, when
    // it is resolved (under a quorum, a vote when its task is decided),
    // and never if it was cancelled before its outcome was known.
    let rule = cfg.reputation.rule();
    let count = cfg.coordinator.count;
    // By coordinator (renter r's is r mod count), then by peer.
    let mut replayed: Vec<Vec<Reputation>> = (0..count)
        .map(|_| {
            report
                .peers
                .iter()
                .map(|r| {
                    Reputation::new(match cfg.reputation.initial {
                        InitialReputation::Value(v) => v,
                        InitialReputation::Reliability => r.reliability,
                    })
                })
                .collect()
        })
        .collect();
    let mut heard_counts = vec![(0u64, 0u64); report.peers.len()];
    let mut heard_once = BTreeSet::new();
    let attempt_of: BTreeMap<(u32, u64, u32, u32), &AttemptRecord> = rec
        .attempts
        .iter()
        .map(|a| ((a.renter, a.frame, a.task, a.attempt), a))
        .collect();
    for h in &rec.heard {
        let id = (h.renter, h.frame, h.task, h.attempt);
        prop_assert!(heard_once.insert(id), "heard twice: {:?}", h);
        let a = attempt_of[&id];
        prop_assert_eq!(a.peer, h.peer);
        let resolved = a.resolved.expect("heard, so resolved");
        let succeeded = a.outcome == AttemptOutcome::Success && !a.timed_out;
        if quorum > 1 && succeeded {
            // A vote: heard when its task is decided.
            prop_assert!(h.at >= resolved, "{:?} {:?}", h, a);
        } else {
            prop_assert_eq!(h.at, resolved, "{:?} {:?}", h, a);
            // (Churn: a success whose reply was still on its way when the
            // coordinator declared its peer gone was heard as lost.)
            prop_assert!(
                h.success == succeeded || (p.churn.is_some() && !h.success),
                "{:?} {:?}",
                h,
                a
            );
        }
        prop_assert!(
            a.outcome != AttemptOutcome::Cancelled || a.timed_out,
            "a cancelled attempt changed a reputation: {:?}",
            a
        );
        // Renter r is served by coordinator r mod count.
        prop_assert_eq!(h.coordinator.index(), (h.renter % count) as usize);
        replayed[h.coordinator.index()][h.peer.index()].update(&rule, h.success, h.at);
        let c = &mut heard_counts[h.peer.index()];
        if h.success {
            c.0 += 1;
        } else {
            c.1 += 1;
        }
    }
    for (i, r) in report.peers.iter().enumerate() {
        prop_assert_eq!((r.successes, r.failures), heard_counts[i]);
        prop_assert_eq!(r.attempts, r.successes + r.failures);
        let sum: f64 = replayed.iter().map(|c| c[i].value_at(run_end, rule)).sum();
        prop_assert_eq!(r.reputation, sum / f64::from(count));
    }

    // Several coordinators: their rows add up to the summary.
    if count > 1 {
        let rows = &report.coordinators;
        prop_assert_eq!(rows.len(), count as usize);
        let sum = |f: fn(&CoordinatorReport) -> u64| rows.iter().map(f).sum::<u64>();
        let some =
            |f: fn(&CoordinatorReport) -> Option<u64>| rows.iter().map(f).sum::<Option<u64>>();
        prop_assert_eq!(sum(|r| r.frames), s.frames);
        prop_assert_eq!(sum(|r| r.frames_on_time), s.frames_on_time);
        prop_assert_eq!(sum(|r| r.frames_late), s.frames_late);
        prop_assert_eq!(sum(|r| r.frames_failed), s.frames_failed);
        prop_assert_eq!(sum(|r| r.tasks), s.tasks);
        prop_assert_eq!(sum(|r| r.tasks_completed), s.tasks_completed);
        prop_assert_eq!(sum(|r| r.tasks_failed), s.tasks_failed);
        prop_assert_eq!(sum(|r| r.attempts), s.attempts);
        prop_assert_eq!(sum(|r| r.failovers), s.failovers);
        prop_assert_eq!(sum(|r| r.timeouts), s.timeouts);
        prop_assert_eq!(some(|r| r.attempts_lost), s.attempts_lost);
        prop_assert_eq!(some(|r| r.copies), s.copies);
        prop_assert_eq!(some(|r| r.hedges), s.hedges);
        prop_assert_eq!(some(|r| r.cancelled), s.cancelled);
        prop_assert_eq!(some(|r| r.frames_corrupt), s.frames_corrupt);
        prop_assert_eq!(some(|r| r.frames_dropped), s.frames_dropped);
        let wasted: Option<f64> = rows.iter().map(|r| r.wasted_ms).sum();
        prop_assert!(
            wasted
                .zip(s.wasted_ms)
                .is_none_or(|(a, b)| (a - b).abs() < 1e-6),
            "wasted {:?} against {:?}",
            wasted,
            s.wasted_ms
        );
        prop_assert_eq!(wasted.is_some(), s.wasted_ms.is_some());
    } else {
        prop_assert!(report.coordinators.is_empty());
    }

    // Counters agree with the records.
    let counted_attempts = rec.attempts.iter().filter(|a| a.counted).count() as u64;
    prop_assert_eq!(counted_attempts, s.attempts);
    // A retry: a later attempt sent while no other attempt of its task was
    // out (copies and hedges are sent while one is). Without copies, every
    // later attempt; with them, an attempt sent at the instant another was
    // heard back from may go either way.
    let mut of_task: BTreeMap<(u32, u64, u32), Vec<&AttemptRecord>> = BTreeMap::new();
    for a in &rec.attempts {
        of_task
            .entry((a.renter, a.frame, a.task))
            .or_default()
            .push(a);
    }
    let retries = |out_at_its_instant: bool| {
        rec.attempts
            .iter()
            .filter(|a| {
                a.counted
                    && a.attempt > 1
                    && !of_task[&(a.renter, a.frame, a.task)].iter().any(|b| {
                        b.attempt < a.attempt
                            && b.resolved.is_none_or(|r| {
                                r > a.dispatched || (out_at_its_instant && r == a.dispatched)
                            })
                    })
            })
            .count() as u64
    };
    if p.copies.is_none() && !p.drop_late {
        let later = rec
            .attempts
            .iter()
            .filter(|a| a.counted && a.attempt > 1)
            .count() as u64;
        prop_assert_eq!(later, s.failovers);
    } else {
        prop_assert!(
            retries(true) <= s.failovers && s.failovers <= retries(false),
            "failovers {} not within [{}, {}]",
            s.failovers,
            retries(true),
            retries(false)
        );
    }
    let timeouts = rec
        .attempts
        .iter()
        .filter(|a| a.counted && a.timed_out)
        .count() as u64;
    prop_assert_eq!(timeouts, s.timeouts);
    Ok(core_only)
}

/// Each peer's spans from a `from` change to the next of `to` (or the end
/// of time); peers with no record at all are not in the map.
fn intervals(
    records: &[PeerRecord],
    from: PeerChange,
    to: &[PeerChange],
) -> BTreeMap<u32, Vec<(SimTime, SimTime)>> {
    let mut open: BTreeMap<u32, SimTime> = BTreeMap::new();
    let mut spans: BTreeMap<u32, Vec<(SimTime, SimTime)>> = BTreeMap::new();
    for r in records {
        if r.change == from {
            open.entry(r.peer.0).or_insert(r.at);
        } else if to.contains(&r.change) {
            if let Some(start) = open.remove(&r.peer.0) {
                spans.entry(r.peer.0).or_default().push((start, r.at));
            }
        }
    }
    for (peer, start) in open {
        spans.entry(peer).or_default().push((start, SimTime::MAX));
    }
    spans
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn the_books_always_balance(p in params()) {
        check(&p)?;
    }

    /// With every mechanism off, a run takes the loop compiled for the
    /// core, which tells what the loop for every mechanism tells.
    #[test]
    fn the_core_loop_tells_what_the_full_loop_tells(p in params()) {
        let core = Params {
            churn: None,
            links: None,
            copies: None,
            cancel_on_timeout: false,
            drop_late: false,
            half_life_s: None,
            coordinators: None,
            ..p
        };
        prop_assert!(check(&core)?, "a run with every mechanism off is not core_only");
    }
}
