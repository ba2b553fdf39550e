//! Forgetting (`[reputation] half_life_s`) against its closed form: a peer
//! that always fails is excluded, and comes back exactly when its fading
//! reputation climbs back to `exclude_below`.

use std::path::Path;

use p2c2g::engine::SimTime;
use p2c2g::model::*;
use p2c2g::scenario::Source;

#[derive(Default)]
struct Heard {
    heard: Vec<HeardRecord>,
    attempts: Vec<AttemptRecord>,
}

impl Recorder for Heard {
    fn heard(&mut self, r: &HeardRecord) {
        self.heard.push(r.clone());
    }
    fn attempt(&mut self, r: &AttemptRecord) {
        self.attempts.push(r.clone());
    }
    fn keeps_frames(&self) -> bool {
        false
    }
    fn keeps_tasks(&self) -> bool {
        false
    }
}

const INITIAL: f64 = 0.5;
const FAILURE: f64 = 0.05;
const EXCLUDE_BELOW: f64 = 0.42;
/// A task every 0.1 ms.
const TASK_EVERY_S: f64 = 1e-4;

/// Two one-slot peers without latency, the first always failing, the
/// second never; a task every 0.1 ms, placed round robin.
fn run(half_life_s: Option<f64>) -> (Report, Heard) {
    let forgetting = half_life_s.map_or(String::new(), |h| format!("half_life_s = {h}\n"));
    let text = format!(
        "[simulation]\nseed = 3\nduration_s = 5\ndrain_s = 1\n\
         [workload]\nrenters = 1\nfps = {}\ntasks_per_frame = 1\nwork_ms = 0.01\n\
         deadline_ms = 1000\nreturn_ms = 0\n\
         [coordinator]\npolicy = \"round_robin\"\nqueue = \"per_peer\"\nmax_attempts = 3\n\
         [reputation]\nmodel = \"additive\"\ninitial = {INITIAL}\nsuccess = 0.02\n\
         failure = {FAILURE}\nexclude_below = {EXCLUDE_BELOW}\n{forgetting}\
         [[peers]]\ngroup = \"liar\"\ncount = 1\nslots = 1\nlatency_ms = 0\njitter_ms = 0\nreliability = 0\n\
         [[peers]]\ngroup = \"honest\"\ncount = 1\nslots = 1\nlatency_ms = 0\njitter_ms = 0\nreliability = 1\n",
        1.0 / TASK_EVERY_S
    );
    let source = Source::parse(Path::new("forgetting.toml"), text).unwrap();
    let cfg = source.validate().unwrap_or_else(|e| panic!("{e}")).config;
    let mut rec = Heard::default();
    let report = Simulation::new(&cfg).run(&mut rec);
    (report, rec)
}

/// Without forgetting, exclusion is a trap: two failures and the failing
/// peer never gets another task.
#[test]
fn without_forgetting_an_excluded_peer_never_comes_back() {
    let (report, rec) = run(None);
    assert_eq!(report.peers[0].attempts, 2);
    assert!(rec.attempts.iter().filter(|a| a.peer == PeerId(0)).count() == 2);
}

/// With a half-life `h`, the reputation `r` left by a failure at `t`
/// climbs back as `0.5 - (0.5 - r) 2^(-(s - t) / h)`, so the peer is
/// eligible again from `t + h log2((0.5 - r) / (0.5 - 0.42))`, and round
/// robin gives it one of the next two tasks (0.2 ms). The reputations are
/// followed here by that formula, independently of the simulator's.
#[test]
fn an_excluded_peer_returns_when_its_reputation_has_faded_back() {
    let h = 0.5;
    let (report, rec) = run(Some(h));
    let liar: Vec<&HeardRecord> = rec.heard.iter().filter(|r| r.peer == PeerId(0)).collect();
    let mut sent: Vec<SimTime> = rec
        .attempts
        .iter()
        .filter(|a| a.peer == PeerId(0))
        .map(|a| a.dispatched)
        .collect();
    sent.sort();
    assert!(liar.iter().all(|r| !r.success));
    assert_eq!(liar.len(), sent.len(), "every attempt on the liar is heard");
    let (mut value, mut at) = (INITIAL, 0.0);
    let mut returns = 0;
    for (k, r) in liar.iter().enumerate() {
        let t = r.at.as_secs();
        value = INITIAL + (value - INITIAL) * (-(t - at) / h).exp2();
        value = (value - FAILURE).max(0.0);
        at = t;
        if value >= EXCLUDE_BELOW {
            continue;
        }
        let eligible = t + h * ((INITIAL - value) / (INITIAL - EXCLUDE_BELOW)).log2();
        let Some(next) = sent.get(k + 1) else {
            assert!(eligible > 5.0 - 2.0 * TASK_EVERY_S, "it never came back");
            continue;
        };
        let next = next.as_secs();
        assert!(
            next >= eligible - 1e-9 && next <= eligible + 2.0 * TASK_EVERY_S + 1e-9,
            "failure {k} at {t} s: back at {next} s, eligible from {eligible} s"
        );
        returns += 1;
    }
    // Excluded first at 0.40 (back after h log2(1.25) = 0.16 s), then at
    // about 0.37 each time (back after h log2(1.625) = 0.35 s): 14 returns
    // in 5 s.
    assert_eq!(returns, 14, "{} failures", liar.len());
    // Its reputation at the end is the formula's, faded to the end.
    let end = report.summary.sim_time_s;
    let faded = INITIAL + (value - INITIAL) * (-(end - at) / h).exp2();
    assert!((report.peers[0].reputation - faded).abs() < 1e-9);
}
