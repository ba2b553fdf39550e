//! Churn: peers that come and go, against closed forms and against a
//! trace worked out by hand.

use std::path::Path;

use p2c2g::engine::SimTime;
use p2c2g::model::{
    AttemptOutcome, AttemptRecord, Churn, Config, Dist, FrameRecord, Leave, Recorder, Report,
    Sample, Sessions, Simulation,
};
use p2c2g::scenario::Source;

use crate::common::interval;

/// Everything a run records.
#[derive(Default)]
struct Records {
    frames: Vec<FrameRecord>,
    attempts: Vec<AttemptRecord>,
    samples: Vec<Sample>,
}

impl Recorder for Records {
    fn frame(&mut self, f: &FrameRecord) {
        self.frames.push(f.clone());
    }
    fn attempt(&mut self, a: &AttemptRecord) {
        self.attempts.push(a.clone());
    }
    fn sample(&mut self, s: &Sample) {
        self.samples.push(s.clone());
    }
}

fn config(text: &str) -> Config {
    let source = Source::parse(Path::new("churn.toml"), text.to_string()).unwrap();
    source.validate().unwrap_or_else(|e| panic!("{e}")).config
}

fn run(cfg: &Config) -> (Report, Records) {
    let mut rec = Records::default();
    let report = Simulation::new(cfg).run(&mut rec);
    (report, rec)
}

fn alternating(on_s: Dist, off_s: Dist, preroll_s: f64, leave: Leave) -> Option<Churn> {
    Some(Churn {
        sessions: Sessions::Alternating {
            on_s,
            off_s,
            preroll_s,
        },
        join_s: Dist::constant(0.0),
        leave,
    })
}

fn secs(x: f64) -> SimTime {
    SimTime::from_secs(x)
}

/// One peer of one slot online in `[0, c)` and `[b, 100)` from a trace,
/// crashing at `c`; a central queue; one frame a second, each one task of
/// 100 ms, 10 ms each way. The frames' phase `p` is the renter's, so the
/// trace is placed after it: `c = 3.5 + p`, `b = 8.3 + p`. Worked out by
/// hand:
/// - frames made before `c - 120 ms` are done long before the crash: 120
///   ms each;
/// - heartbeats leave at 0, 1, 2, ... s while online; the last before `c`
///   arrives 10 ms later, and the coordinator declares the peer gone three
///   periods after that, at `D`;
/// - the first frame made after the crash goes to the crashed peer (the
///   coordinator does not know) and is lost on arrival; its attempt holds
///   the peer's one slot, as the coordinator sees it, until `D`, so the
///   next frames wait in the central queue; at `D` the lost attempt fails
///   and its retry joins the queue, behind them; frames made after `D`
///   join it too, as no peer is registered;
/// - at `b` the peer is back (registered at once) and serves the queue in
///   its order, 120 ms each; frames made after that are served at once.
#[test]
fn a_trace_gives_exactly_the_deliveries_worked_out_by_hand() {
    let text = "[simulation]\nduration_s = 12\ndrain_s = 5\n\
                [workload]\nrenters = 1\nfps = 1\nwork_ms = 100\ndeadline_ms = 5000\n\
                [coordinator]\nqueue = \"central\"\ntimeout_ms = 1e9\nmax_attempts = 3\n\
                [[peers]]\ncount = 1\nslots = 1\nlatency_ms = 10\n";
    let mut cfg = config(text);
    let (_, first) = run(&cfg);
    let p_ns = first.frames[0].created.as_nanos();
    let p = p_ns as f64 / 1e9;
    let (c, b) = (3.5 + p, 8.3 + p);
    cfg.peer_groups[0].churn = Some(Churn {
        sessions: Sessions::Trace(vec![vec![(0.0, c), (b, 100.0)]]),
        join_s: Dist::constant(0.0),
        leave: Leave::Crash,
    });
    let (report, rec) = run(&cfg);

    let ms = |x: u64| x * 1_000_000;
    let (c_ns, b_ns) = (ms(3500) + p_ns, ms(8300) + p_ns);
    // Heartbeats every second from registration at 0, while online.
    let last_heartbeat = (c_ns - 1).div_euclid(ms(1000)) * ms(1000);
    let gone = last_heartbeat + ms(10) + 3 * ms(1000);
    let made = |k: u64| k * ms(1000) + p_ns;
    // The frame lost, and the queue the peer finds at its return.
    let lost = (0..12).find(|&k| made(k) + ms(120) >= c_ns).unwrap();
    let mut queue: Vec<u64> = (lost + 1..12).filter(|&k| made(k) < gone).collect();
    queue.push(lost);
    queue.extend((lost + 1..12).filter(|&k| made(k) >= gone && made(k) < b_ns));
    let expected = |k: u64| -> u64 {
        match queue.iter().position(|&q| q == k) {
            Some(i) => b_ns + (i as u64 + 1) * ms(120),
            None => made(k) + ms(120),
        }
    };
    assert!(queue.len() >= 3, "{queue:?}");
    assert!(b_ns + queue.len() as u64 * ms(120) <= made(queue.iter().max().unwrap() + 1));
    assert_eq!(rec.frames.len(), 12);
    for f in &rec.frames {
        assert_eq!(f.created.as_nanos(), made(f.frame));
        assert_eq!(
            f.delivered.map(SimTime::as_nanos),
            Some(expected(f.frame)),
            "frame {} (c {c_ns}, D {gone}, b {b_ns}, queue {queue:?})",
            f.frame
        );
    }
    let s = &report.summary;
    assert_eq!(s.attempts_lost, Some(1));
    assert_eq!(s.failovers, 1, "the lost attempt's retry");
    assert_eq!(s.sessions, Some(2));
    let lost_attempt: Vec<&AttemptRecord> = rec
        .attempts
        .iter()
        .filter(|a| a.outcome == AttemptOutcome::Lost)
        .collect();
    assert_eq!(lost_attempt.len(), 1);
    let a = lost_attempt[0];
    assert_eq!((a.frame, a.attempt), (lost, 1));
    assert_eq!(a.reached.map(SimTime::as_nanos), Some(made(lost) + ms(10)));
    assert_eq!(
        a.resolved.map(SimTime::as_nanos),
        Some(gone),
        "failed when declared gone"
    );
    // Online for [0, c) and [b, end).
    let end = secs(s.sim_time_s).as_nanos();
    assert_eq!(end, ms(12_000));
    let online = (c_ns + (end - b_ns)) as f64 / 1e9;
    assert!((report.peers[0].online_s.unwrap() - online).abs() < 1e-9);
    assert!((s.peer_availability.unwrap() - online / 12.0).abs() < 1e-12);
}

/// Exponential sessions of mean 60 s and gaps of mean 40 s: at any time a
/// peer is online with probability 0.6, from the first instant on (the
/// alternation starts long before 0). Over 20 replications of 4,000 peers,
/// the 99.9% Student-t intervals of the availability over the run and of
/// the online share in the first 100 ms must hold 0.6, and be narrower
/// than 1% and 2% of it.
#[test]
fn exponential_sessions_keep_peers_online_a_share_on_over_on_plus_off() {
    let mut over_run = Vec::new();
    let mut at_start = Vec::new();
    for seed in 1..=20 {
        let mut cfg = config(&format!(
            "[simulation]\nseed = {seed}\nduration_s = 600\ndrain_s = 0\n\
             [workload]\nrenters = 1\nfps = 1\nwork_ms = 1\n\
             [[peers]]\ncount = 4000\n"
        ));
        cfg.peer_groups[0].churn = alternating(
            Dist::exponential(60.0).unwrap(),
            Dist::exponential(40.0).unwrap(),
            1000.0,
            Leave::Crash,
        );
        let (report, rec) = run(&cfg);
        over_run.push(report.summary.peer_availability.unwrap());
        at_start.push(rec.samples[0].online_peers / 4000.0);
    }
    for (what, xs, width) in [
        ("over the run", &over_run, 0.01),
        ("at the start", &at_start, 0.02),
    ] {
        let (mean, half) = interval(xs);
        eprintln!("availability {what}: {mean:.4} +- {half:.4} (99.9%), formula 0.6");
        assert!(half < width * 0.6, "{what}: interval {half} too wide");
        assert!((mean - 0.6).abs() <= half, "{what}: {mean} +- {half}");
    }
}

/// An attempt of constant processing time `w` on a peer whose sessions are
/// exponential of mean `a`, leaving gracefully without notice and with no
/// queueing (a central queue, zero latency), is lost with probability
/// `1 - exp(-w / a)`: 0.04877 for w = 1 s, a = 20 s. 20 replications of
/// about 44,000 attempts each; the 99.9% interval must hold the formula
/// and be narrower than 3% of it.
#[test]
fn an_attempt_is_lost_with_probability_one_minus_exp_minus_w_over_a() {
    let expected = 1.0 - (-1.0f64 / 20.0).exp();
    let mut shares = Vec::new();
    for seed in 1..=20 {
        let mut cfg = config(&format!(
            "[simulation]\nseed = {seed}\nduration_s = 2200\nwarmup_s = 10\n\
             [workload]\nrenters = 1\nfps = 20\narrival = \"poisson\"\nwork_ms = 1000\ndeadline_ms = 1e6\n\
             [coordinator]\nqueue = \"central\"\nmax_attempts = 1\ntimeout_ms = 1e9\n\
             [[peers]]\ncount = 100\nslots = 1\n"
        ));
        cfg.peer_groups[0].churn = alternating(
            Dist::exponential(20.0).unwrap(),
            Dist::exponential(5.0).unwrap(),
            300.0,
            Leave::Graceful { notice_s: 0.0 },
        );
        let (report, _) = run(&cfg);
        let s = &report.summary;
        shares.push(s.attempts_lost.unwrap() as f64 / s.attempts as f64);
    }
    let (mean, half) = interval(&shares);
    eprintln!("lost share {mean:.5} +- {half:.5} (99.9%), formula {expected:.5}");
    assert!(half < 0.03 * expected, "interval {half} too wide");
    assert!((mean - expected).abs() <= half, "{mean} +- {half}");
}

/// Sessions of constant length longer than the run, with no warm-up: the
/// peers are online throughout, and every result is what it is without
/// churn (less churn's own columns).
#[test]
fn sessions_longer_than_the_run_change_nothing() {
    let s = crate::common::load(
        "scenarios/baseline.toml",
        &[
            "simulation.duration_s=5".to_string(),
            "simulation.warmup_s=1".to_string(),
        ],
    );
    let plain = s.config.clone();
    let mut churning = plain.clone();
    for g in &mut churning.peer_groups {
        g.churn = alternating(Dist::constant(1e6), Dist::constant(10.0), 1e7, Leave::Crash);
    }
    let (a, ra) = run(&plain);
    let (mut b, rb) = run(&churning);
    assert_eq!(b.summary.attempts_lost, Some(0));
    assert_eq!(b.summary.peer_availability, Some(1.0));
    b.summary.attempts_lost = None;
    b.summary.peer_availability = None;
    b.summary.sessions = None;
    for p in &mut b.peers {
        p.online_s = None;
        p.sessions = None;
        p.lost = None;
    }
    assert_eq!(a.summary, b.summary);
    assert_eq!(a.peers, b.peers);
    assert_eq!(a.latency, b.latency);
    assert_eq!(ra.frames.len(), rb.frames.len());
    assert!(ra
        .frames
        .iter()
        .zip(&rb.frames)
        .all(|(x, y)| (x.created, x.delivered, x.status) == (y.created, y.delivered, y.status)));
    let without_churn = |samples: &[Sample]| -> Vec<Sample> {
        samples
            .iter()
            .map(|s| Sample {
                peers_joined: None,
                peers_left: None,
                attempts_lost: None,
                ..s.clone()
            })
            .collect()
    };
    assert!(rb.samples.iter().all(|s| s.peers_joined == Some(0)));
    assert_eq!(ra.samples, without_churn(&rb.samples));
}
