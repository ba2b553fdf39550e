//! What a sweep tells a researcher: points.csv's estimates (a mean, an
//! interval that respects what the metric can be, and the number of
//! replications behind it), paired differences to a reference point, and
//! the table a sweep ends with.

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

/// The bundled policies sweep at 40 home peers: two load-aware policies,
/// five seeds.
const TWO_POLICIES: &str = "replications = 5\n\
    [sweep.set]\n\
    \"simulation.duration_s\" = 20.0\n\
    \"simulation.warmup_s\" = 2.0\n\
    \"peers.fiber_gpu.count\" = 0\n\
    \"peers.home_gpu.count\" = 40\n\
    [sweep.grid]\n\
    \"coordinator.policy\" = [\"least_loaded\", \"power_of_d\"]\n";

#[test]
fn differences_are_paired_by_seed_and_narrower_than_unpaired_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let body = format!("reference = {{ \"coordinator.policy\" = \"power_of_d\" }}\n{TWO_POLICIES}");
    let file = sweep_file(tmp.path(), "two", "scenarios/baseline.toml", &body);
    let out = tmp.path().join("out");
    ok(p2c2g_into("sweep", &file, &out, &["--no-charts"]));
    let runs = rows(&out.join("runs.csv"));
    let diffs = rows(&out.join("differences.csv"));
    assert_eq!(diffs.len(), 1, "every point but the reference: {diffs:?}");
    let d = &diffs[0];
    assert_eq!(
        (
            d["point"].as_str(),
            d["coordinator.policy"].as_str(),
            d["reference"].as_str()
        ),
        ("0", "least_loaded", "1")
    );
    for m in [
        "deadline_hit_rate",
        "frame_latency_p99_ms",
        "failovers_per_frame",
        "utilization",
    ] {
        let (a, b) = (values(&runs, "0", m), values(&runs, "1", m));
        assert_eq!((a.len(), b.len()), (5, 5));
        // Replication by replication: the mean of the differences.
        let pairs: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
        let (mean, _) = mean_var(&pairs);
        assert!((number(d, &format!("{m}_mean")) - mean).abs() < 1e-9, "{m}");
        assert_eq!(d[&format!("{m}_n")], "5");
        let paired = number(d, &format!("{m}_ci95_high")) - number(d, &format!("{m}_ci95_low"));
        assert!(number(d, &format!("{m}_ci95_low")) <= mean);
        // The same comparison without pairing: two samples of five.
        let ((_, va), (_, vb)) = (mean_var(&a), mean_var(&b));
        let unpaired = 2.0 * t_975(8) * (va / 5.0 + vb / 5.0).sqrt();
        assert!(
            paired < 0.6 * unpaired,
            "{m}: paired {paired}, unpaired {unpaired}"
        );
    }
    // --reference says the same as the file's key.
    let plain = sweep_file(tmp.path(), "two", "scenarios/baseline.toml", TWO_POLICIES);
    let flagged = tmp.path().join("flagged");
    ok(p2c2g_into(
        "sweep",
        &plain,
        &flagged,
        &[
            "--no-charts",
            "--reference",
            "coordinator.policy=power_of_d",
        ],
    ));
    assert_eq!(
        fs::read(out.join("differences.csv")).unwrap(),
        fs::read(flagged.join("differences.csv")).unwrap()
    );
    // Run again without a reference, the folder holds no differences that
    // would describe something else.
    ok(p2c2g_into("sweep", &plain, &flagged, &["--no-charts"]));
    assert!(!flagged.join("differences.csv").exists());
}

/// Two policies crossed with a zip of peers and renters.
const ZIPPED: &str = "replications = 2\n\
    [sweep.set]\n\
    \"simulation.duration_s\" = 0.5\n\
    [sweep.grid]\n\
    \"coordinator.policy\" = [\"score\", \"random\"]\n\
    [sweep.zip]\n\
    \"peers.0.count\" = [3, 4, 6]\n\
    \"workload.renters\" = [1, 2, 3]\n";

#[test]
fn a_reference_compares_each_point_with_its_own_values_of_the_other_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "zip", "scenarios/poc.toml", ZIPPED);
    let reference_of = |reference: &str| -> Vec<(String, String)> {
        let out = tmp.path().join(format!("out-{}", reference.len()));
        let (listed, _) = ok(p2c2g(&[
            "sweep",
            file.to_str().unwrap(),
            "--dry-run",
            "--reference",
            reference,
        ]));
        assert!(
            listed.contains("reference of differences.csv: "),
            "{listed}"
        );
        ok(p2c2g_into(
            "sweep",
            &file,
            &out,
            &["--no-charts", "--reference", reference],
        ));
        rows(&out.join("differences.csv"))
            .iter()
            .map(|r| (r["point"].clone(), r["reference"].clone()))
            .collect()
    };
    let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    // Points 0-2: score with the zip's three points, 3-5: random.
    assert_eq!(
        reference_of("coordinator.policy=score"),
        pairs(&[("3", "0"), ("4", "1"), ("5", "2")])
    );
    // Naming one key of a zip fixes them all; TOML values, 4.0 is 4.
    assert_eq!(
        reference_of("peers.0.count=4.0"),
        pairs(&[("0", "1"), ("2", "1"), ("3", "4"), ("5", "4")])
    );
    assert_eq!(
        reference_of("workload.renters=2,coordinator.policy=\"random\""),
        pairs(&[("0", "4"), ("1", "4"), ("2", "4"), ("3", "4"), ("5", "4")])
    );
}

#[test]
fn a_reference_that_names_no_point_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let refused = |file: &Path, extra: &[&str]| -> String {
        let o = p2c2g_into("sweep", file, &out, extra);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(!out.exists(), "nothing written");
        assert!(
            stderr.contains(file.to_str().unwrap()),
            "names the file: {stderr}"
        );
        stderr
    };
    let with = |reference: &str| {
        sweep_file(
            tmp.path(),
            "zip",
            "scenarios/poc.toml",
            &format!("reference = {reference}\n{ZIPPED}"),
        )
    };
    let e = refused(&with("{ \"coordinator.policy\" = \"fastest\" }"), &[]);
    assert!(
        e.contains(":4:38: `sweep.reference.coordinator.policy`: the reference names no point: \"fastest\" is not one of the values of `coordinator.policy` (score, random)"),
        "{e}"
    );
    let e = refused(&with("{ \"coordinator.polcy\" = \"score\" }"), &[]);
    assert!(
        e.contains("`sweep.reference.coordinator.polcy`: the reference names no point: `coordinator.polcy` is not a key of [sweep.grid] or [sweep.zip]; did you mean `coordinator.policy`?"),
        "{e}"
    );
    let e = refused(
        &with("{ \"peers.0.count\" = 3, \"workload.renters\" = 2 }"),
        &[],
    );
    assert!(
        e.contains("`sweep.reference.workload.renters`: the reference names no point: no point of [sweep.zip] has both this value and the one it names for `peers.0.count`"),
        "{e}"
    );
    let e = refused(&with("\"score\""), &[]);
    assert!(e.contains("`sweep.reference`: expected a table"), "{e}");
    let e = refused(&with("{}"), &[]);
    assert!(e.contains("found an empty table"), "{e}");
    // On the command line: the flag is named, and the key.
    let file = sweep_file(tmp.path(), "zip", "scenarios/poc.toml", ZIPPED);
    let e = refused(&file, &["--reference", "coordinator.policy=fastest"]);
    assert!(
        e.contains("(from --reference coordinator.policy=fastest): `coordinator.policy`: the reference names no point"),
        "{e}"
    );
    let e = refused(&file, &["--reference", "coordinator.policy"]);
    assert!(e.contains("expected KEY=VALUE[,KEY=VALUE...]"), "{e}");
    // `check` finds it too.
    let o = p2c2g(&["check", with("{ \"x\" = 1 }").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn shards_merge_into_the_same_differences() {
    let tmp = tempfile::tempdir().unwrap();
    let body = format!("reference = {{ \"coordinator.policy\" = \"random\" }}\n{ZIPPED}");
    let file = sweep_file(tmp.path(), "zip", "scenarios/poc.toml", &body);
    let whole = tmp.path().join("whole");
    ok(p2c2g_into("sweep", &file, &whole, &["--no-charts"]));
    let mut shards = Vec::new();
    for k in 1..=2 {
        let shard = tmp.path().join(format!("shard{k}"));
        let which = format!("{k}/2");
        ok(p2c2g_into("sweep", &file, &shard, &["--shard", &which]));
        assert!(!shard.join("differences.csv").exists());
        shards.push(shard.to_str().unwrap().to_string());
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge", "--no-charts", "--out", merged.to_str().unwrap()];
    args.extend(shards.iter().map(String::as_str));
    ok(p2c2g(&args));
    let read = |d: &Path| fs::read(d.join("differences.csv")).unwrap();
    assert_eq!(read(&whole), read(&merged));
    assert_eq!(rows(&merged.join("differences.csv")).len(), 3);
}

#[test]
fn a_sweep_ends_with_a_table_of_its_points_unless_quiet() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "few", "scenarios/poc.toml", FEW_FRAMES);
    let out = tmp.path().join("out");
    let (stdout, _) = ok(p2c2g(&[
        "sweep",
        file.to_str().unwrap(),
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
    ]));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0], "few: 2 points x 4 replications = 8 runs",
        "{stdout}"
    );
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        [
            "point",
            "coordinator.policy",
            "deadline_hit_rate",
            "(95%",
            "CI)",
            "frame_latency_p99_ms",
            "(95%",
            "CI)"
        ],
        "{stdout}"
    );
    // The numbers of points.csv, rounded; the p99 from three runs of four.
    let p = &rows(&out.join("points.csv"))[0];
    let row = format!(
        "0      score               {:.4} [{:.4}, {:.4}]     {:.1} [{:.1}, {:.1}] n=3",
        number(p, "deadline_hit_rate_mean"),
        number(p, "deadline_hit_rate_ci95_low"),
        number(p, "deadline_hit_rate_ci95_high"),
        number(p, "frame_latency_p99_ms_mean"),
        number(p, "frame_latency_p99_ms_ci95_low"),
        number(p, "frame_latency_p99_ms_ci95_high"),
    );
    assert_eq!(lines[2].trim(), row, "{stdout}");
    assert!(lines[3].trim().starts_with("1      random"), "{stdout}");
    // The columns line up.
    assert_eq!(
        lines[1].find("deadline_hit_rate"),
        lines[2].find(&format!("{:.4} [", number(p, "deadline_hit_rate_mean"))),
        "{stdout}"
    );
    assert_eq!(lines[4], format!("  results in {}/", out.display()));
    // --quiet: nothing.
    let (quiet, _) = ok(p2c2g_into("sweep", &file, &out, &["--no-charts"]));
    assert_eq!(quiet, "");
}
