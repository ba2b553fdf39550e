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
