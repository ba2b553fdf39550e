//! `p2c2g compare A B`: two runs' or two sweeps' headline metrics side by
//! side, their differences (paired by seed when both sweeps ran the same
//! seeds), the files and charts it writes, and its refusals.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::common::*;

type Row = BTreeMap<String, String>;

fn num(row: &Row, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

fn svg_texts(file: &Path) -> Vec<String> {
    let svg = fs::read_to_string(file).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .collect()
}

/// The 0.975 quantile of Student's t.
fn t975(df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(0.975)
}

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    (
        m,
        xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0),
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn two_runs_side_by_side_with_their_cdfs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, out) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("cmp"),
    );
    let base = repo("scenarios/baseline.toml");
    ok(p2c2g_into(
        "run",
        &base,
        &a,
        &["--set", "simulation.duration_s=8"],
    ));
    ok(p2c2g_into(
        "run",
        &base,
        &b,
        &[
            "--set",
            "simulation.duration_s=8",
            "--set",
            "coordinator.policy=random",
        ],
    ));
    let (stdout, _) = ok(p2c2g(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let (sa, sb) = (
        &rows(&a.join("summary.csv"))[0],
        &rows(&b.join("summary.csv"))[0],
    );
    let table = rows(&out.join("compare.csv"));
    let at = |m: &str| table.iter().find(|r| r["metric"] == m).unwrap();
    for m in [
        "deadline_hit_rate",
        "frame_latency_p99_ms",
        "timeouts",
        "utilization",
    ] {
        let r = at(m);
        assert!(close(num(r, "a_mean"), num(sa, m)), "{m}");
        assert!(close(num(r, "b_mean"), num(sb, m)), "{m}");
        assert!(
            close(num(r, "difference_mean"), num(sb, m) - num(sa, m)),
            "{m}"
        );
        assert_eq!(r["difference_ci95_low"], "", "one run: no interval");
        assert_eq!(r["paired"], "");
    }
    // failovers per frame, which summary.csv does not have, derived.
    let fpf = |s: &Row| num(s, "failovers") / num(s, "frames");
    assert!(close(
        num(at("failovers_per_frame"), "difference_mean"),
        fpf(sb) - fpf(sa)
    ));
    // The terminal: each metric's line, its difference signed.
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("timeouts "))
        .unwrap();
    let d = num(sb, "timeouts") - num(sa, "timeouts");
    assert!(line.contains(&format!("{:+}", d as i64)), "{line}");
    assert!(!out.join("differences.csv").exists());
    // The chart: both CDFs, each with its failed share, and the deadline.
    let texts = svg_texts(&out.join("charts/latency_cdf.svg"));
    let failed = |s: &Row| 100.0 * num(s, "frames_failed") / num(s, "frames");
    for (side, dir, s) in [("A", &a, sa), ("B", &b, sb)] {
        let label = format!(
            "{side}: {} (baseline, seed 1), {:.1}% failed",
            dir.display(),
            failed(s)
        );
        assert!(texts.contains(&label), "{label}: {texts:?}");
    }
    assert!(texts.iter().any(|t| t == "deadline 150 ms"), "{texts:?}");
}

/// Writes the golden sweep's file with `replications` into `dir`.
fn sweep(dir: &Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(name);
    let mut args = vec!["--replications", "4"];
    args.extend_from_slice(extra);
    ok(p2c2g_into(
        "sweep",
        &repo("tests/golden/sweep.toml"),
        &out,
        &args,
    ));
    out
}

/// The values of `metric` of point `point` in runs.csv, by seed.
fn by_seed(runs: &[Row], point: &str, metric: &str) -> BTreeMap<String, f64> {
    runs.iter()
        .filter(|r| r["point"] == point)
        .map(|r| (r["seed"].clone(), num(r, metric)))
        .collect()
}

#[test]
fn two_sweeps_are_paired_by_seed_or_said_not_to_be() {
    let tmp = tempfile::tempdir().unwrap();
    let a = sweep(tmp.path(), "a", &[]);
    let b = sweep(tmp.path(), "b", &["--set", "peers.0.latency_ms=25"]);
    let c = sweep(
        tmp.path(),
        "c",
        &["--set", "peers.0.latency_ms=25", "--seed", "11"],
    );
    let m = "frame_latency_mean_ms";
    let (ra, rb, rc) = (
        rows(&a.join("runs.csv")),
        rows(&b.join("runs.csv")),
        rows(&c.join("runs.csv")),
    );

    // Same seeds: the difference of each point is over the pairs.
    let out = tmp.path().join("ab");
    let (stdout, _) = ok(p2c2g(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(stdout.contains("paired by seed"), "{stdout}");
    assert!(stdout.contains("4 points in common"), "{stdout}");
    let table = rows(&out.join("compare.csv"));
    for point in ["0", "1", "2", "3"] {
        let (xa, xb) = (by_seed(&ra, point, m), by_seed(&rb, point, m));
        let d: Vec<f64> = xa.iter().map(|(s, x)| xb[s] - x).collect();
        let (mean, var) = mean_var(&d);
        let half = t975(3.0) * (var / 4.0).sqrt();
        let r = table
            .iter()
            .find(|r| r["point_a"] == point && r["metric"] == m)
            .unwrap();
        assert_eq!(r["paired"], "true");
        assert!(close(num(r, "difference_mean"), mean), "{point}");
        assert!(close(num(r, "difference_ci95_low"), mean - half), "{point}");
        assert!(
            close(num(r, "difference_ci95_high"), mean + half),
            "{point}"
        );
        assert_eq!(r["difference_n"], "4");
        let (ma, _) = mean_var(&xa.values().copied().collect::<Vec<_>>());
        assert!(close(num(r, "a_mean"), ma));
    }
    // differences.csv: the same differences, a row per point, the shape of
    // a sweep's; a chart per headline metric.
    let diffs = rows(&out.join("differences.csv"));
    assert_eq!(diffs.len(), 4);
    for d in &diffs {
        let r = table
            .iter()
            .find(|r| r["point_a"] == d["point"] && r["metric"] == m)
            .unwrap();
        assert_eq!(d[&format!("{m}_mean")], r["difference_mean"]);
        assert_eq!(d["coordinator.policy"], r["coordinator.policy"]);
    }
    let texts = svg_texts(&out.join("charts/deadline_hit_rate.svg"));
    assert!(
        texts
            .iter()
            .any(|t| t.contains("difference in frames on time (B minus A)")),
        "{texts:?}"
    );

    // Chosen metrics: those alone, each charted, the first shown.
    let chosen = tmp.path().join("chosen");
    let (stdout, _) = ok(p2c2g(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        chosen.to_str().unwrap(),
        "--metrics",
        "frame_latency_mean_ms,timeouts",
    ]));
    assert!(stdout.contains("frame_latency_mean_ms: A"), "{stdout}");
    let metrics: std::collections::BTreeSet<String> = rows(&chosen.join("compare.csv"))
        .into_iter()
        .map(|r| r["metric"].clone())
        .collect();
    assert_eq!(metrics.len(), 2, "{metrics:?}");
    assert!(chosen.join("charts/timeouts.svg").exists());
    assert!(!chosen.join("charts/deadline_hit_rate.svg").exists());

    // Other seeds: Welch's unpaired interval, and said so.
    let out = tmp.path().join("ac");
    let (stdout, _) = ok(p2c2g(&[
        "compare",
        a.to_str().unwrap(),
        c.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(stdout.contains("not paired: the seeds differ"), "{stdout}");
    let table = rows(&out.join("compare.csv"));
    let r = table
        .iter()
        .find(|r| r["point_a"] == "0" && r["metric"] == m)
        .unwrap();
    assert_eq!(r["paired"], "false");
    let xa: Vec<f64> = by_seed(&ra, "0", m).into_values().collect();
    let xc: Vec<f64> = by_seed(&rc, "0", m).into_values().collect();
    let ((ma, va), (mc, vc)) = (mean_var(&xa), mean_var(&xc));
    let (sa, sc) = (va / 4.0, vc / 4.0);
    let df = (sa + sc).powi(2) / (sa * sa / 3.0 + sc * sc / 3.0);
    let half = t975(df) * (sa + sc).sqrt();
    assert!(close(num(r, "difference_mean"), mc - ma));
    assert!(close(num(r, "difference_ci95_high"), mc - ma + half));
}

#[test]
fn what_cannot_be_compared_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let a = sweep(tmp.path(), "a", &[]);
    let run = tmp.path().join("run");
    ok(p2c2g_into("run", &repo("scenarios/poc.toml"), &run, &[]));
    let other_keys = tmp.path().join("keys.toml");
    fs::write(
        &other_keys,
        format!(
            "[sweep]\nname = \"keys\"\nscenario = {:?}\nreplications = 2\n\
             [sweep.grid]\n\"peers.0.count\" = [3, 5]\n",
            repo("scenarios/poc.toml").to_str().unwrap()
        ),
    )
    .unwrap();
    let keys = tmp.path().join("keys");
    ok(p2c2g_into("sweep", &other_keys, &keys, &[]));
    let shard = tmp.path().join("shard");
    ok(p2c2g_into(
        "sweep",
        &repo("tests/golden/sweep.toml"),
        &shard,
        &["--shard", "1/2"],
    ));
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec![s(&a), s(&tmp.path().join("nope"))],
            "nope: no such folder".into(),
        ),
        (
            vec![s(&a), s(&run)],
            "holds a sweep's results and ".to_string(),
        ),
        (
            vec![s(&empty), s(&a)],
            "holds neither a run's results (summary.csv) nor a sweep's".into(),
        ),
        (
            vec![s(&a), s(&keys)],
            "sets its points by peers.0.count, coordinator.policy and".into(),
        ),
        (
            vec![s(&a), s(&shard)],
            "holds one shard of a sweep (1/2)".into(),
        ),
        (
            vec![s(&a), s(&a), "--metrics".into(), "cost_total".into()],
            "--metrics cost_total: ".into(),
        ),
        (
            vec![s(&a), s(&a), "--out".into(), s(&a)],
            "one of the folders compared".into(),
        ),
        (
            vec![s(&a), s(&a), "--out".into(), s(&run)],
            "no compare.csv, so not an earlier comparison".into(),
        ),
    ];
    for (args, says) in cases {
        let mut all = vec!["compare"];
        all.extend(args.iter().map(String::as_str));
        let out = p2c2g(&all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&says), "{says} not in {stderr}");
        assert!(!stderr.contains("panicked"));
    }
    // Nothing was written in a folder it refused.
    assert!(!run.join("compare.csv").exists());
}
