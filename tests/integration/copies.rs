//! Copies, hedging and cancellation against their closed forms: zero
//! latency, exponential processing (constant work, exponential
//! `slowdown` of mean 1), per_peer queues, `random`.

use std::path::Path;

use p2c2g::model::{Config, Report, Simulation};
use p2c2g::scenario::Source;

use crate::common::interval;

fn config(text: &str) -> Config {
    let source = Source::parse(Path::new("copies.toml"), text.to_string()).unwrap();
    source.validate().unwrap_or_else(|e| panic!("{e}")).config
}

/// Tasks arriving as a Poisson stream of `rate_per_s` on `peers` peers of
/// one slot (or `slots`), exponential processing of mean 10 ms, with the
/// coordinator keys `extra`.
fn scenario(
    seed: u64,
    duration_s: f64,
    rate_per_s: f64,
    peers: u32,
    slots: u32,
    extra: &str,
) -> Config {
    config(&format!(
        "[simulation]\nseed = {seed}\nduration_s = {duration_s}\nwarmup_s = 2\ndrain_s = 5\n\
         [workload]\nrenters = 1\nfps = {rate_per_s}\narrival = \"poisson\"\nwork_ms = 10\n\
         deadline_ms = 1e6\n\
         [coordinator]\npolicy = \"random\"\nqueue = \"per_peer\"\ntimeout_ms = 1e9\n{extra}\n\
         [[peers]]\ncount = {peers}\nslots = {slots}\n\
         slowdown = {{ dist = \"exponential\", mean = 1 }}\n"
    ))
}

fn run(cfg: &Config) -> Report {
    Simulation::new(cfg).run(&mut ())
}

/// The mean task latency (ms) over 20 replications, and its 99.9%
/// Student-t half-width.
fn mean_latency(cfg: impl Fn(u64) -> Config) -> ((f64, f64), Vec<Report>) {
    let reports: Vec<Report> = (1..=20).map(|seed| run(&cfg(seed))).collect();
    let means: Vec<f64> = reports
        .iter()
        .map(|r| r.summary.task_latency_mean_ms.unwrap())
        .collect();
    (interval(&means), reports)
}

/// Redundancy-2 with cancel-on-complete (Gardner et al. 2017): each task
/// goes to two distinct random peers of 200 and completes at the first of
/// them; the other copy is cancelled at once. With rho the load one copy
/// per task would put on the peers, the mean response time is
/// `-ln(1 - rho) / rho^2 - 1 / rho` mean processing times: 7.726 ms at
/// rho 0.5, 17.316 ms at rho 0.9 (processing of mean 10 ms). The formula
/// is the limit of many peers; with 200 the issue puts it within a
/// fraction of a percent, so the 99.9% interval over 20 replications,
/// widened by 0.5% of the formula for that, must hold it.
#[test]
fn two_copies_give_the_redundancy_d_mean() {
    for (rho, expected) in [(0.5f64, 7.7259), (0.9, 17.3159)] {
        let formula = 10.0 * (-(1.0 - rho).ln() / rho.powi(2) - 1.0 / rho);
        assert!((formula - expected).abs() < 1e-3);
        let rate = rho * 200.0 / 0.010;
        let ((mean, half), reports) =
            mean_latency(|seed| scenario(seed, 20.0, rate, 200, 1, "max_attempts = 2\ncopies = 2"));
        eprintln!("redundancy-2 at rho {rho}: {mean:.4} +- {half:.4} ms, formula {formula:.4}");
        assert!(half < 0.01 * formula, "interval {half} too wide");
        assert!(
            (mean - formula).abs() <= half + 0.005 * formula,
            "rho {rho}: {mean} +- {half}, formula {formula}"
        );
        for r in &reports {
            let s = &r.summary;
            assert_eq!(s.copies, Some(s.tasks), "one extra copy per task");
            assert_eq!(s.attempts, 2 * s.tasks);
            assert_eq!(s.tasks_completed, s.tasks);
            assert_eq!(
                s.cancelled,
                Some(s.tasks),
                "the loser of each pair is cancelled"
            );
        }
    }
}

/// `copies` equal to the number of peers: every peer works on the same
/// task, the first to finish wins and the others drop it at once, so the
/// system is one M/M/1 server of `n` times the rate: with 4 peers of rate
/// 0.1/ms and 280 tasks/s (load 0.7), the mean is `1 / (0.4 - 0.28)` =
/// 8.333 ms. 20 replications; the 99.9% interval must hold it and be
/// narrower than 2% of it.
#[test]
fn copies_on_every_peer_are_one_fast_mm1() {
    let expected = 1.0 / (0.4 - 0.28);
    let ((mean, half), _) =
        mean_latency(|seed| scenario(seed, 300.0, 280.0, 4, 1, "max_attempts = 4\ncopies = 4"));
    eprintln!("copies on all 4 peers: {mean:.4} +- {half:.4} ms, M/M/1 {expected:.4}");
    assert!(half < 0.02 * expected, "interval {half} too wide");
    assert!((mean - expected).abs() <= half, "{mean} +- {half}");
}

/// One hedge after `delta` = 0.5 mean processing times, without queueing
/// (64 slots a peer, light load): `T = min(X1, delta + X2)`, whose mean is
/// `1 - e^-delta + e^-delta / 2` mean processing times (6.967 ms), and a
/// share `e^-delta` (0.6065) of tasks get a second attempt. 20
/// replications of about 18,000 tasks; each 99.9% interval must hold its
/// formula.
#[test]
fn one_hedge_after_delta_gives_its_closed_form() {
    let delta = 0.5f64;
    let expected = 10.0 * (1.0 - (-delta).exp() + (-delta).exp() / 2.0);
    let ((mean, half), reports) = mean_latency(|seed| {
        scenario(
            seed,
            20.0,
            1000.0,
            200,
            64,
            "max_attempts = 2\nhedge_ms = 5",
        )
    });
    eprintln!("one hedge: {mean:.4} +- {half:.4} ms, formula {expected:.4}");
    assert!(half < 0.02 * expected, "interval {half} too wide");
    assert!((mean - expected).abs() <= half, "{mean} +- {half}");
    let extra: Vec<f64> = reports
        .iter()
        .map(|r| r.summary.hedges.unwrap() as f64 / r.summary.tasks as f64)
        .collect();
    let (share, half) = interval(&extra);
    eprintln!(
        "hedged share: {share:.4} +- {half:.4}, formula {:.4}",
        (-delta).exp()
    );
    assert!((share - (-delta).exp()).abs() <= half, "{share} +- {half}");
    for r in &reports {
        let s = &r.summary;
        assert_eq!(s.attempts, s.tasks + s.hedges.unwrap());
        assert_eq!(s.copies, Some(0));
    }
}

/// Untrusted results under a quorum of `m`: every peer returns a wrong
/// result with probability `f` = 0.1 (wrong results agree with each
/// other), the coordinator starts `m` copies and one more whenever those
/// out can no longer reach `m` agreeing votes. The probability that the
/// wrong result is accepted is `sum_{j<m} C(m-1+j, j) f^m (1-f)^j`
/// (0.028 for m = 2, 0.00856 for m = 3) and the mean number of results
/// per task is 2.18 for m = 2 (`2 + 2 f (1 - f)`). One task per frame, so
/// the corrupt share of frames is the first; 20 replications of 20,000
/// tasks each, whose 99.9% intervals must hold both.
#[test]
fn a_quorum_accepts_a_wrong_result_as_often_as_the_negative_binomial_says() {
    let f = 0.1f64;
    for m in [2u32, 3] {
        let accepted_wrong: f64 = (0..m)
            .map(|j| {
                let c = (1..=j).fold(1.0, |c, i| c * f64::from(m - 1 + i) / f64::from(i));
                c * f.powi(m as i32) * (1.0 - f).powi(j as i32)
            })
            .sum();
        let mut corrupt = Vec::new();
        let mut results = Vec::new();
        for seed in 1..=20 {
            let s = run(&config(&format!(
                "[simulation]\nseed = {seed}\nduration_s = 40\nwarmup_s = 0\ndrain_s = 5\n\
                 [workload]\nrenters = 1\nfps = 500\narrival = \"poisson\"\nwork_ms = 10\n\
                 deadline_ms = 1e6\n\
                 [coordinator]\npolicy = \"random\"\nqueue = \"per_peer\"\nmax_attempts = 10\n\
                 quorum = {m}\ntimeout_ms = 1e9\n\
                 [[peers]]\ncount = 50\nslots = 4\nwrong = {f}\n"
            )))
            .summary;
            assert_eq!(s.tasks_completed, s.tasks);
            corrupt.push(s.frames_corrupt.unwrap() as f64 / s.frames as f64);
            results.push(s.attempts as f64 / s.tasks as f64);
            assert_eq!(
                s.good_rate.unwrap().unwrap(),
                1.0 - s.frames_corrupt.unwrap() as f64 / s.frames as f64
            );
        }
        let (mean, half) = interval(&corrupt);
        eprintln!("quorum {m}: wrong accepted {mean:.5} +- {half:.5}, formula {accepted_wrong:.5}");
        assert!((mean - accepted_wrong).abs() <= half, "{mean} +- {half}");
        assert!(half < 0.1 * accepted_wrong, "interval {half} too wide");
        if m == 2 {
            let (mean, half) = interval(&results);
            eprintln!("quorum 2: {mean:.4} +- {half:.4} results a task, formula 2.18");
            assert!((mean - 2.18).abs() <= half, "{mean} +- {half}");
        }
    }
}

/// timeseries.csv counts the flows of copies, hedges, cancels, dropped and
/// corrupt frames when they are on, as summary.csv does; over a run with
/// no warm-up its rows add up to the summary. Off, there are no such
/// columns.
#[test]
fn the_time_series_counts_copies_hedges_cancels_and_bad_frames() {
    use crate::common::{ok, p2c2g_into, repo, rows};
    let dir = tempfile::tempdir().unwrap();
    let flows = [
        "copies",
        "hedges",
        "cancelled",
        "frames_dropped",
        "frames_corrupt",
    ];
    // Each with a flow that must not be empty: hedges with a hedge, copies
    // with votes that disagree.
    let drop_late = ["--set", "coordinator.drop_late=true"];
    let liars_stay = ["--set", "reputation.exclude_below=0"];
    let cases: [(&str, &[&str], Option<&str>); 3] = [
        ("scenarios/tail.toml", &drop_late, Some("hedges")),
        ("scenarios/trust.toml", &liars_stay, Some("copies")),
        ("scenarios/baseline.toml", &[], None),
    ];
    for (scenario, sets, busy) in cases {
        let out = dir.path().join("run");
        let mut extra = vec!["--no-charts", "--force", "--set", "simulation.warmup_s=0"];
        extra.extend(["--set", "simulation.duration_s=5"]);
        extra.extend(sets);
        ok(p2c2g_into("run", &repo(scenario), &out, &extra));
        let summary = &rows(&out.join("summary.csv"))[0];
        let series = rows(&out.join("timeseries.csv"));
        for flow in flows {
            let Some(total) = summary.get(flow) else {
                assert!(!series[0].contains_key(flow), "{scenario}: {flow}");
                continue;
            };
            let sum: u64 = series.iter().map(|r| r[flow].parse::<u64>().unwrap()).sum();
            assert_eq!(sum, total.parse::<u64>().unwrap(), "{scenario}: {flow}");
            if Some(flow) == busy {
                assert!(sum > 0, "{scenario}: no {flow} to count");
            }
        }
        let on = flows.iter().filter(|f| series[0].contains_key(**f)).count();
        let expected = match scenario {
            "scenarios/tail.toml" => 4,
            "scenarios/trust.toml" => 4,
            _ => 0,
        };
        assert_eq!(on, expected, "{scenario}: the flows it has");
    }
}
