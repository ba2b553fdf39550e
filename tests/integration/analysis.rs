//! What a sweep tells a researcher: points.csv's estimates (a mean, an
//! interval that respects what the metric can be, and the number of
//! replications behind it).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;

/// Writes a sweep file over the bundled `scenario` into `dir`.
fn sweep_file(dir: &Path, name: &str, scenario: &str, body: &str) -> PathBuf {
    let file = dir.join(format!("{name}.toml"));
    let text = format!(
        "[sweep]\nname = \"{name}\"\nscenario = {:?}\n{body}",
        repo(scenario).to_str().unwrap()
    );
    fs::write(&file, text).unwrap();
    file
}

fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn header(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.headers().unwrap().iter().map(String::from).collect()
}

fn number(row: &BTreeMap<String, String>, column: &str) -> f64 {
    let text = row
        .get(column)
        .unwrap_or_else(|| panic!("no column {column}"));
    text.parse()
        .unwrap_or_else(|_| panic!("{column} = {text:?}: not a number"))
}

/// The values of `column` in the runs of `point` that have one.
fn values(runs: &[BTreeMap<String, String>], point: &str, column: &str) -> Vec<f64> {
    runs.iter()
        .filter(|r| r["point"] == point)
        .filter_map(|r| r[column].parse().ok())
        .collect()
}

/// Mean and sample variance.
fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// The 0.975 quantile of Student's t.
fn t_975(df: usize) -> f64 {
    [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306][df - 1]
}

/// One frame or two per run, a task per frame, one attempt, peers that
/// fail half the time: some runs deliver nothing, and the on-time rate of
/// a run is 0, 0.5 or 1.
const FEW_FRAMES: &str = "replications = 4\n\
    metrics = [\"deadline_hit_rate\", \"frame_latency_p99_ms\"]\n\
    [sweep.set]\n\
    \"simulation.duration_s\" = 0.04\n\
    \"coordinator.max_attempts\" = 1\n\
    \"peers.0.reliability\" = 0.5\n\
    [sweep.grid]\n\
    \"coordinator.policy\" = [\"score\", \"random\"]\n";

#[test]
fn points_count_their_values_and_keep_intervals_where_the_metric_can_be() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "few", "scenarios/poc.toml", FEW_FRAMES);
    let out = tmp.path().join("out");
    ok(p2c2g_into("sweep", &file, &out, &[]));
    let runs = rows(&out.join("runs.csv"));
    let points = rows(&out.join("points.csv"));
    let p = &points[0];
    assert_eq!(p["runs"], "4");

    // A run that delivered no frame has no p99: the mean is over those
    // that have one, and says how many.
    let p99 = values(&runs, "0", "frame_latency_p99_ms");
    assert_eq!(p99.len(), 3, "the case this test is about: {runs:?}");
    assert_eq!(p["frame_latency_p99_ms_n"], "3");
    let (mean, _) = mean_var(&p99);
    assert!((number(p, "frame_latency_p99_ms_mean") - mean).abs() < 1e-9);

    // A share whose t-interval leaves [0, 1] keeps its interval inside.
    let rate = values(&runs, "0", "deadline_hit_rate");
    let (m, var) = mean_var(&rate);
    let half = t_975(rate.len() - 1) * (var / rate.len() as f64).sqrt();
    assert!(m - half < 0.0 && m + half > 1.0, "the case: {rate:?}");
    let (lo, mid, hi) = (
        number(p, "deadline_hit_rate_ci95_low"),
        number(p, "deadline_hit_rate_mean"),
        number(p, "deadline_hit_rate_ci95_high"),
    );
    assert!(
        0.0 < lo && lo < mid && mid < hi && hi < 1.0,
        "{lo} {mid} {hi}"
    );
    assert_eq!(p["deadline_hit_rate_n"], "4");

    // A count whose t-interval goes below 0 keeps its interval above it.
    let failed = values(&runs, "0", "frames_failed");
    let (m, var) = mean_var(&failed);
    let half = t_975(failed.len() - 1) * (var / failed.len() as f64).sqrt();
    assert!(m - half < 0.0, "the case: {failed:?}");
    assert!(number(p, "frames_failed_ci95_low") > 0.0);

    // Every interval holds its mean, and no lower bound is negative.
    for p in &points {
        for (column, value) in p.iter().filter(|(c, _)| c.ends_with("_ci95_low")) {
            let metric = column.strip_suffix("_ci95_low").unwrap();
            if value.is_empty() {
                continue;
            }
            let (lo, mean, hi) = (
                number(p, column),
                number(p, &format!("{metric}_mean")),
                number(p, &format!("{metric}_ci95_high")),
            );
            assert!(
                0.0 <= lo && lo <= mean && mean <= hi,
                "{metric}: {lo} {mean} {hi}"
            );
        }
    }

    // Constants are written once, under their own names.
    let columns = header(&out.join("points.csv"));
    for c in [
        "renters",
        "peers",
        "duration_s",
        "warmup_s",
        "deadline_mean_ms",
    ] {
        assert!(columns.iter().any(|h| h == c), "{c}: {columns:?}");
        assert!(
            !columns.iter().any(|h| h.starts_with(&format!("{c}_"))),
            "{c}"
        );
    }
    assert_eq!(
        (p["renters"].as_str(), p["duration_s"].as_str()),
        ("1", "0.04")
    );

    // The chart says how many values a point has when it is fewer than
    // its runs, and only then.
    let texts = |m: &str| -> Vec<String> {
        let svg = fs::read_to_string(out.join(format!("charts/{m}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .map(|t| t.trim().to_string())
            .collect()
    };
    let p99 = texts("frame_latency_p99_ms");
    assert_eq!(p99.iter().filter(|t| *t == "n=3").count(), 2, "{p99:?}");
    let rate = texts("deadline_hit_rate");
    assert!(!rate.iter().any(|t| t.starts_with("n=")), "{rate:?}");
}
