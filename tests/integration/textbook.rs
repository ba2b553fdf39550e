//! With no latency, no failures and one task per frame the model is a
//! textbook queue, and its mean sojourn time must agree with the formula.
//!
//! How the tolerance is set: each check runs R independent replications
//! (seeds 1..=R), each a long run after a warmup, and takes the mean task
//! sojourn time of each. The replication means are independent and, by the
//! central limit theorem, close to normal, so (mean - W) / (s / sqrt(R))
//! follows Student's t with R - 1 degrees of freedom. The test asserts that
//! the formula lies within the 99.9% confidence interval, and that this
//! interval is narrower than 1.5% of W: the run is long enough for the test
//! to catch a bias of a few percent.

use crate::common::*;

fn mean_sojourn_ms(path: &str, extra: &[(&str, String)], reps: u64) -> Vec<f64> {
    (1..=reps)
        .map(|seed| {
            let mut pairs = extra.to_vec();
            pairs.push(("simulation.seed", seed.to_string()));
            let (report, _) = run(&load(path, &sets(&pairs)));
            let s = report.summary;
            assert_eq!(s.tasks_completed, s.tasks, "{path}: every task completes");
            s.task_latency_mean_ms.unwrap()
        })
        .collect()
}

fn assert_agrees(what: &str, samples: &[f64], expected: f64) {
    let (mean, half) = interval(samples);
    eprintln!("{what}: {mean:.4} +- {half:.4} ms (99.9%), formula {expected:.4} ms");
    assert!(
        half < 0.015 * expected,
        "{what}: interval +-{half:.4} is too wide to test against {expected:.4}"
    );
    assert!(
        (mean - expected).abs() <= half,
        "{what}: simulated {mean:.4} +- {half:.4} ms, formula {expected:.4} ms"
    );
}

/// Erlang C: the probability that an arrival waits in M/M/c.
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let tail = term * f64::from(c) / (f64::from(c) - a);
    tail / (sum + tail)
}

#[test]
fn mm1_mean_sojourn_is_one_over_mu_minus_lambda() {
    // lambda 80 /s, mu 100 /s: W = 1 / 20 s
    let runs = mean_sojourn_ms(
        "scenarios/textbook/mm1.toml",
        &[("simulation.duration_s", "2500".into())],
        30,
    );
    assert_agrees("M/M/1 rho 0.8", &runs, 50.0);
}

#[test]
fn mmc_mean_sojourn_follows_erlang_c() {
    let (c, lambda, mu) = (10, 900.0, 100.0);
    let w = erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda) + 1.0 / mu;
    assert!((erlang_c(c, 9.0) - 0.6687).abs() < 1e-4);
    let runs = mean_sojourn_ms(
        "scenarios/textbook/mmc.toml",
        &[("simulation.duration_s", "300".into())],
        20,
    );
    assert_agrees("M/M/10 rho 0.9", &runs, 1000.0 * w);
}

#[test]
fn md1_mean_sojourn_follows_pollaczek_khinchine() {
    let (lambda, mu) = (80.0, 100.0);
    let rho: f64 = lambda / mu;
    let w = 1.0 / mu + rho / (2.0 * mu * (1.0 - rho));
    let runs = mean_sojourn_ms(
        "scenarios/textbook/md1.toml",
        &[("simulation.duration_s", "1000".into())],
        20,
    );
    assert_agrees("M/D/1 rho 0.8", &runs, 1000.0 * w);
}

/// Mean sojourn time of the supermarket model, in units of the mean work.
fn supermarket(lambda: f64, d: u32) -> f64 {
    let d = f64::from(d);
    (1..60)
        .map(|i| lambda.powf((d.powi(i) - d) / (d - 1.0)))
        .take_while(|x| *x > 1e-15)
        .sum()
}

#[test]
fn supermarket_formula_matches_the_published_values() {
    for (lambda, w) in [(0.5, 1.266), (0.8, 1.947), (0.9, 2.614), (0.95, 3.383)] {
        assert!((supermarket(lambda, 2) - w).abs() < 5e-4, "{lambda}");
    }
}

#[test]
fn power_of_two_choices_matches_the_supermarket_model() {
    // 200 peers at load 0.9. The finite-n correction is below what these
    // runs resolve: 10 replications gave 26.16 +- 0.06 ms (standard error)
    // with 200 peers and 26.10 +- 0.05 ms with 400, against 26.14 ms.
    let runs = mean_sojourn_ms("scenarios/textbook/supermarket.toml", &[], 20);
    assert_agrees(
        "supermarket d=2 load 0.9",
        &runs,
        10.0 * supermarket(0.9, 2),
    );
}

#[test]
fn power_of_two_choices_at_half_load() {
    let runs = mean_sojourn_ms(
        "scenarios/textbook/supermarket.toml",
        &[("workload.fps", "10000".into())],
        20,
    );
    assert_agrees(
        "supermarket d=2 load 0.5",
        &runs,
        10.0 * supermarket(0.5, 2),
    );
}

#[test]
fn power_of_one_choice_is_mm1_at_every_peer() {
    // Random assignment splits the Poisson stream: each peer is M/M/1 at
    // load 0.8, W = 10 ms / (1 - 0.8).
    let runs = mean_sojourn_ms(
        "scenarios/textbook/supermarket.toml",
        &[
            ("coordinator.d", "1".into()),
            ("peers.0.count", "20".into()),
            ("workload.fps", "1600".into()),
            ("simulation.duration_s", "400".into()),
            ("simulation.warmup_s", "20".into()),
        ],
        30,
    );
    assert_agrees("power_of_d d=1 load 0.8", &runs, 50.0);
}

/// Little's law, L = lambda W, on the time series: the mean number of tasks
/// in the system (waiting at the coordinator or in flight) over the counted
/// window against the arrival rate times the mean sojourn time, per
/// replication; the differences must average to zero within their 99.9%
/// interval, and that interval be under 1.5% of L.
#[test]
fn littles_law_holds_on_the_time_series() {
    let mut diffs = Vec::new();
    let mut ls = Vec::new();
    for seed in 1..=20 {
        let s = load(
            "scenarios/textbook/mmc.toml",
            &sets(&[("simulation.seed", seed.to_string())]),
        );
        let (warmup, duration) = (s.config.warmup, s.config.duration);
        let (report, samples) = run(&s);
        // Rows are time averages over their interval: weigh them by it.
        let window: Vec<_> = samples
            .iter()
            .filter(|x| x.t > warmup && x.t <= duration)
            .collect();
        let time: f64 = window.iter().map(|x| x.length.as_secs()).sum();
        let l = window
            .iter()
            .map(|x| (x.waiting_coordinator + x.in_flight) * x.length.as_secs())
            .sum::<f64>()
            / time;
        let lambda = report.summary.tasks as f64 / (duration - warmup).as_secs();
        let w = report.summary.task_latency_mean_ms.unwrap() / 1000.0;
        diffs.push(l - lambda * w);
        ls.push(l);
    }
    let (d, half) = interval(&diffs);
    let (l, _) = interval(&ls);
    eprintln!("Little: L = {l:.4}, L - lambda W = {d:.4} +- {half:.4}");
    assert!(half < 0.015 * l, "interval {half} too wide for L = {l}");
    assert!(d.abs() <= half, "L - lambda W = {d} +- {half}");
}
