//! Single rules of the model, each shown on a scenario built to expose it.

use std::path::Path;

use p2c2g::model::{AttemptOutcome, AttemptRecord, Recorder, Report, Simulation};
use p2c2g::scenario::Source;

#[derive(Default)]
struct Attempts(Vec<AttemptRecord>);

impl Recorder for Attempts {
    fn attempt(&mut self, a: &AttemptRecord) {
        self.0.push(a.clone());
    }
}

fn run(text: &str) -> (Report, Vec<AttemptRecord>) {
    let source = Source::parse(Path::new("rule.toml"), text.to_string()).unwrap();
    let scenario = source.validate().unwrap_or_else(|e| panic!("{e}"));
    let mut attempts = Attempts::default();
    let report = Simulation::new(&scenario.config).run(&mut attempts);
    (report, attempts.0)
}

fn scenario(coordinator: &str, reputation: &str, peers: &str) -> String {
    format!(
        "[simulation]\nduration_s = 10\nwarmup_s = 2\n\
         [workload]\nrenters = 3\nfps = 20\ntasks_per_frame = 2\nwork_ms = 5\n\
         [coordinator]\n{coordinator}\n[reputation]\n{reputation}\n{peers}"
    )
}

#[test]
fn periodic_frames_after_warmup_are_counted_exactly() {
    let (report, _) = run(&scenario("", "", "[[peers]]\ncount = 4\n"));
    // 3 renters x 20 fps x 8 counted seconds; each renter's phase shifts at
    // most one frame across either edge of the window.
    let frames = report.summary.frames;
    assert!((477..=483).contains(&frames), "{frames}");
    assert_eq!(report.summary.tasks, 2 * frames);
    assert_eq!(report.summary.frames_on_time, frames);
}

#[test]
fn silent_failures_end_by_timeout_and_errors_by_reply() {
    for (failure, timeouts_expected) in [("error", false), ("silent", true)] {
        let peers = format!("[[peers]]\ncount = 4\nreliability = 0.5\nfailure = \"{failure}\"\n");
        let (report, attempts) = run(&scenario("timeout_ms = 50\nmax_attempts = 4", "", &peers));
        let s = &report.summary;
        assert!(s.failovers > 100, "{failure}: {s:?}");
        let failed = attempts
            .iter()
            .filter(|a| a.outcome != AttemptOutcome::Success)
            .count();
        let timed_out = attempts.iter().filter(|a| a.timed_out).count();
        if timeouts_expected {
            assert_eq!(timed_out, failed, "every silent failure times out");
            // and is noticed exactly timeout_ms after dispatch
            for a in attempts.iter().filter(|a| a.timed_out) {
                assert_eq!((a.resolved.unwrap() - a.dispatched).as_ms(), 50.0);
            }
        } else {
            assert_eq!(timed_out, 0, "errors are reported before the timeout");
        }
    }
}

#[test]
fn excluded_peers_get_no_new_tasks() {
    // Peer group "bad" always fails: two failures take it from 0.5 to 0.4,
    // under exclude_below = 0.45, and it is never chosen again.
    let peers = "[[peers]]\ngroup = \"good\"\ncount = 3\n\
                 [[peers]]\ngroup = \"bad\"\ncount = 2\nreliability = 0.0\n";
    let (report, _) = run(&scenario(
        "policy = \"round_robin\"",
        "exclude_below = 0.45",
        peers,
    ));
    for p in report.peers.iter().filter(|p| p.group == "bad") {
        assert_eq!(p.attempts, 2, "{p:?}");
        assert!(p.reputation < 0.45);
    }
    assert_eq!(report.summary.frames_failed, 0);
}

#[test]
fn without_exclusion_a_bad_peer_keeps_getting_work() {
    let peers = "[[peers]]\ngroup = \"good\"\ncount = 3\n\
                 [[peers]]\ngroup = \"bad\"\ncount = 2\nreliability = 0.0\n";
    let (report, _) = run(&scenario("policy = \"round_robin\"", "", peers));
    for p in report.peers.iter().filter(|p| p.group == "bad") {
        assert!(p.attempts > 100, "{p:?}");
    }
}

#[test]
fn edf_serves_tight_deadlines_first() {
    // One slow peer, a central queue, and frames with deadlines of 30 or
    // 300 ms: earliest-deadline-first puts more frames on time than FIFO.
    let text = |discipline: &str| {
        format!(
            "[simulation]\nduration_s = 30\n\
             [workload]\nrenters = 4\nfps = 25\narrival = \"poisson\"\nwork_ms = 9\n\
             deadline_ms = {{ dist = \"choice\", values = [30, 300] }}\n\
             [coordinator]\nqueue = \"central\"\ndiscipline = \"{discipline}\"\n\
             [[peers]]\ncount = 1\n"
        )
    };
    let (fifo, _) = run(&text("fifo"));
    let (edf, _) = run(&text("edf"));
    let (f, e) = (fifo.summary.frames_on_time, edf.summary.frames_on_time);
    assert!(e > f + f / 20, "edf {e} vs fifo {f}");
    assert_eq!(
        fifo.summary.frames, edf.summary.frames,
        "same frames either way"
    );
}

#[test]
fn backoff_delays_each_retry() {
    let peers = "[[peers]]\ncount = 3\nreliability = 0.5\n";
    let (_, attempts) = run(&scenario("backoff_ms = 25\nmax_attempts = 3", "", peers));
    let mut checked = 0;
    for a in attempts.iter().filter(|a| a.attempt > 1) {
        let before = attempts
            .iter()
            .find(|b| {
                (b.renter, b.frame, b.task, b.attempt) == (a.renter, a.frame, a.task, a.attempt - 1)
            })
            .unwrap();
        assert!((a.dispatched - before.resolved.unwrap()).as_ms() >= 25.0);
        checked += 1;
    }
    assert!(checked > 50);
}

/// Records every frame's end and every attempt.
#[derive(Default)]
struct Everything {
    frame_ends: Vec<p2c2g::engine::SimTime>,
    attempts: Vec<AttemptRecord>,
}

impl Recorder for Everything {
    fn frame(&mut self, f: &p2c2g::model::FrameRecord) {
        // A failed frame ends when its last task ends; delivered ones at
        // delivery.
        if let Some(at) = f.delivered {
            self.frame_ends.push(at);
        }
    }
    fn attempt(&mut self, a: &AttemptRecord) {
        self.attempts.push(a.clone());
    }
}

fn run_all(text: &str) -> (Report, Everything) {
    let source = Source::parse(Path::new("rule.toml"), text.to_string()).unwrap();
    let scenario = source.validate().unwrap_or_else(|e| panic!("{e}"));
    let mut rec = Everything::default();
    let report = Simulation::new(&scenario.config).run(&mut rec);
    (report, rec)
}

/// Zero delays are carried out at once only where that changes nothing:
/// a retry without backoff must not take the slot its failure freed ahead
/// of the tasks already waiting for it. One 2-slot peer, a central EDF
/// queue, reliability 0.6 with error replies, deadlines of 40, 80 or 160
/// ms: over 150 paired seeds the deadline hit rate with `backoff_ms = 0`
/// must not differ from `backoff_ms = 1e-6` (one nanosecond). The interval
/// is the paired 99.9% Student-t interval of the differences; it must also
/// be narrow enough (under 0.004) that the bias once measured here
/// (+0.0138) would be seen.
#[test]
fn a_retry_without_backoff_behaves_as_one_with_a_tiny_backoff() {
    let text = |seed: u64, backoff: &str| {
        format!(
            "[simulation]\nseed = {seed}\nduration_s = 20\nwarmup_s = 1\n\
             [workload]\nrenters = 1\nfps = 60\narrival = \"poisson\"\ntasks_per_frame = 1\n\
             work_ms = {{ dist = \"exponential\", mean = 8 }}\n\
             deadline_ms = {{ dist = \"choice\", values = [40, 80, 160] }}\n\
             [coordinator]\nqueue = \"central\"\ndiscipline = \"edf\"\nmax_attempts = 3\n\
             backoff_ms = {backoff}\n\
             [[peers]]\ncount = 1\nslots = 2\nreliability = 0.6\nfailure = \"error\"\n"
        )
    };
    let diffs: Vec<f64> = (1..=150)
        .map(|seed| {
            let rate = |b: &str| run(&text(seed, b)).0.summary.deadline_hit_rate.unwrap();
            rate("0.0") - rate("1e-6")
        })
        .collect();
    let n = diffs.len() as f64;
    let mean = diffs.iter().sum::<f64>() / n;
    let sd = (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    // t quantile 0.9995 with 149 degrees of freedom.
    let half = 3.36 * sd / n.sqrt();
    eprintln!("backoff 0 - backoff 1e-6: {mean:.5} +- {half:.5} (99.9%)");
    assert!(half < 0.004, "interval {half} too wide to see a bias");
    assert!(mean.abs() <= half, "{mean} +- {half}");
}

/// The run ends at `max(duration, t_last)`, with `t_last` the last instant
/// a frame ended or an attempt left a peer: not at a stale timeout, not at
/// a sample. Neither the sampling interval nor a timeout that never fires
/// changes any statistic.
#[test]
fn the_run_ends_with_its_last_frame_whatever_the_sampling_or_stale_timeouts() {
    let text = |sample_ms: &str, timeout_ms: &str, duration: &str| {
        format!(
            "[simulation]\nduration_s = {duration}\nwarmup_s = 1\nsample_ms = {sample_ms}\n\
             [workload]\nrenters = 2\nfps = 30\nwork_ms = {{ dist = \"uniform\", low = 10, high = 30 }}\n\
             return_ms = 10\n\
             [coordinator]\ntimeout_ms = {timeout_ms}\n\
             [[peers]]\ncount = 3\nlatency_ms = 5\njitter_ms = {{ dist = \"uniform\", low = 0, high = 5 }}\n"
        )
    };
    let (reference, rec) = run_all(&text("100", "1000", "10"));
    let t_last = rec
        .frame_ends
        .iter()
        .chain(rec.attempts.iter().filter_map(|a| a.processed.as_ref()))
        .max()
        .copied()
        .unwrap();
    let s = &reference.summary;
    assert!(
        t_last.as_secs() > 10.0,
        "the last frame ends after duration_s"
    );
    assert_eq!(s.sim_time_s, t_last.as_secs());
    for sample_ms in ["1", "2000", "7000"] {
        let (other, _) = run_all(&text(sample_ms, "1000", "10"));
        assert_eq!(other.summary, reference.summary, "sample_ms {sample_ms}");
        assert_eq!(other.peers, reference.peers);
    }
    // A timeout that never fires changes nothing, not even the count of
    // events (stale ones are not counted).
    let (other, _) = run_all(&text("100", "15000", "10"));
    assert_eq!(other.summary, reference.summary);
    assert_eq!(other.peers, reference.peers);
    // Work that ends before duration_s: the run still lasts duration_s.
    let short = text("100", "1000", "10")
        .replace("renters = 2", "renters = 1")
        .replace("fps = 30", "fps = 0.5");
    let (report, _) = run_all(&short);
    assert_eq!(report.summary.sim_time_s, 10.0);
}

/// Utilisation is busy slot-time inside the counted window over the
/// slot-time of that window; busy_ms is the whole run's. One 1-slot peer
/// processing a 50 ms task every 100 ms is busy exactly half the window,
/// whatever the phase of the frames.
#[test]
fn utilisation_is_measured_over_the_counted_window() {
    for seed in 1..=5 {
        let text = format!(
            "[simulation]\nseed = {seed}\nduration_s = 5\nwarmup_s = 1\n\
             [workload]\nrenters = 1\nfps = 10\nwork_ms = 50\n\
             [[peers]]\ncount = 1\nslots = 1\n"
        );
        let (report, _) = run(&text);
        assert!(
            (report.summary.utilization - 0.5).abs() < 1e-9,
            "{}",
            report.summary.utilization
        );
        assert!((report.peers[0].utilization - 0.5).abs() < 1e-9);
        // 50 frames made in [0, 5 s), 50 ms each.
        assert!(
            (report.peers[0].busy_ms - 2500.0).abs() < 1e-6,
            "{}",
            report.peers[0].busy_ms
        );
    }
}

/// Little's law on the baseline's time series: the time average of
/// `in_flight` over the rows equals the attempt-resolution rate times the
/// mean time from dispatch to resolution (within 0.5%; snapshots of the
/// state read 1.8% low here).
#[test]
fn littles_law_holds_on_the_baseline_time_series() {
    #[derive(Default)]
    struct Rec {
        rows: Vec<p2c2g::model::Sample>,
        in_flight_ns: u128,
    }
    impl Recorder for Rec {
        fn sample(&mut self, s: &p2c2g::model::Sample) {
            self.rows.push(s.clone());
        }
        fn attempt(&mut self, a: &AttemptRecord) {
            if let Some(r) = a.resolved {
                self.in_flight_ns += u128::from((r - a.dispatched).as_nanos());
            }
        }
        fn keeps_frames(&self) -> bool {
            false
        }
        fn keeps_tasks(&self) -> bool {
            false
        }
    }
    let s = crate::common::load("scenarios/baseline.toml", &[]);
    let mut rec = Rec::default();
    let report = Simulation::new(&s.config).run(&mut rec);
    let end = rec.rows.last().unwrap().t;
    assert_eq!(end.as_secs(), report.summary.sim_time_s);
    let end_ms = end.as_ms();
    let l = rec
        .rows
        .iter()
        .map(|r| r.in_flight * r.length.as_ms())
        .sum::<f64>()
        / end_ms;
    let lambda_w = rec.in_flight_ns as f64 / 1e6 / end_ms;
    eprintln!("baseline: mean in_flight {l:.4}, lambda W {lambda_w:.4}");
    assert!((l - lambda_w).abs() < 0.005 * lambda_w, "{l} vs {lambda_w}");
}

/// Every draw of an attempt is keyed by the attempt itself: whichever
/// peer another policy sends it to, attempt 1 of every task has the same
/// outcome and the same jitter (peers alike but for their load).
#[test]
fn the_same_attempt_has_the_same_luck_under_another_policy() {
    use std::collections::BTreeMap;
    let first_attempts = |policy: &str| -> BTreeMap<(u32, u64, u32), (AttemptOutcome, u64)> {
        let text = format!(
            "[simulation]\nduration_s = 5\n\
             [workload]\nrenters = 4\nfps = 30\ntasks_per_frame = 3\n\
             work_ms = {{ dist = \"exponential\", mean = 10 }}\n\
             [coordinator]\npolicy = \"{policy}\"\nqueue = \"per_peer\"\n\
             [[peers]]\ncount = 12\nslots = 2\nlatency_ms = 5\n\
             jitter_ms = {{ dist = \"uniform\", low = 0, high = 10 }}\nreliability = 0.5\n"
        );
        let (_, attempts) = run(&text);
        attempts
            .iter()
            .filter(|a| a.attempt == 1 && a.processed.is_some())
            .map(|a| {
                let travel = (a.reached.unwrap() - a.dispatched).as_nanos();
                ((a.renter, a.frame, a.task), (a.outcome, travel))
            })
            .collect()
    };
    let random = first_attempts("random");
    assert!(random.len() > 1500, "{}", random.len());
    let failures = random
        .values()
        .filter(|(o, _)| *o == AttemptOutcome::Error)
        .count();
    assert!(
        failures > 500,
        "reliability 0.5 fails about half: {failures}"
    );
    for policy in ["round_robin", "least_loaded"] {
        let other = first_attempts(policy);
        assert_eq!(other.len(), random.len());
        assert_eq!(other, random, "{policy}");
    }
}

/// What could only happen after the horizon is never scheduled: with a
/// latency of 20 s (and a timeout of eleven days), no attempt reaches its peer within the run, the
/// run ends at the horizon, every frame fails, and the only events are the
/// frames being made.
#[test]
fn nothing_is_scheduled_past_the_horizon() {
    let text = "[simulation]\nduration_s = 10\ndrain_s = 5\n\
                [workload]\nrenters = 3\nfps = 30\nwork_ms = 5\n\
                [coordinator]\ntimeout_ms = 1e9\n\
                [[peers]]\ncount = 4\nlatency_ms = 20000\n";
    let (report, attempts) = run(text);
    let s = &report.summary;
    assert_eq!(s.sim_time_s, 15.0);
    assert_eq!(s.frames_failed, s.frames);
    assert_eq!(s.events, 3 * 300, "one event per frame made");
    assert!(attempts.iter().all(|a| a.reached.is_none()));
}
