//! Sweeps: common random numbers across points, the same bytes whatever
//! the threads, interruptions or shards, and no finished run ever redone.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Writes a sweep file over the bundled `scenario` into `dir`.
fn sweep_file(dir: &Path, scenario: &str, body: &str) -> PathBuf {
    let file = dir.join("test-sweep.toml");
    let text = format!(
        "[sweep]\nname = \"t\"\nscenario = {:?}\n{body}",
        repo(scenario).to_str().unwrap()
    );
    fs::write(&file, text).unwrap();
    file
}

const SMALL: &str = "replications = 3\n\
    [sweep.set]\n\"simulation.duration_s\" = 3.0\n\
    [sweep.grid]\n\"peers.0.count\" = [3, 5]\n\"coordinator.policy\" = [\"score\", \"random\"]\n";

fn sweep(file: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    p2c2g_into("sweep", file, out, extra)
}

/// A sweep without `--quiet`, for its timing line on standard error.
fn loud_sweep(file: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "sweep",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    p2c2g(&args)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_sweep_writes_runs_points_and_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", SMALL);
    let out = tmp.path().join("out");
    ok(sweep(&file, &out, &[]));
    let runs = rows(&out.join("runs.csv"));
    assert_eq!(runs.len(), 12);
    let header = read(&out.join("runs.csv"))
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(header
        .starts_with("point,replication,seed,peers.0.count,coordinator.policy,scenario,frames,"));
    let points = rows(&out.join("points.csv"));
    assert_eq!(points.len(), 4);
    assert_eq!(points[1]["peers.0.count"], "3");
    assert_eq!(points[1]["coordinator.policy"], "random");
    assert_eq!(points[1]["runs"], "3");
    // the mean in points.csv is the mean of the runs
    let mean: f64 = runs[3..6]
        .iter()
        .map(|r| r["deadline_hit_rate"].parse::<f64>().unwrap())
        .sum::<f64>()
        / 3.0;
    let listed: f64 = points[1]["deadline_hit_rate_mean"].parse().unwrap();
    assert!((mean - listed).abs() < 1e-12);
    assert!(!points[1]["deadline_hit_rate_ci95_low"].is_empty());
    assert_eq!(points[1]["deadline_hit_rate_n"], "3");
    for m in [
        "deadline_hit_rate",
        "frame_latency_p99_ms",
        "failovers_per_frame",
        "utilization",
    ] {
        let svg = out.join("charts").join(format!("{m}.svg"));
        let text = read(&svg);
        roxmltree::Document::parse(&text).unwrap();
        assert!(
            text.contains(&format!("({m}) against peers.0.count"))
                || text.contains(&format!("{} against peers.0.count", m.replace('_', " "))),
            "{m}"
        );
    }
    assert!(!out.join("runs.journal.csv").exists());
    // plot redraws a sweep's charts from its CSV files
    fs::remove_dir_all(out.join("charts")).unwrap();
    assert!(p2c2g(&["plot", out.to_str().unwrap()]).status.success());
    assert!(out.join("charts/utilization.svg").exists());
}

#[test]
fn points_that_differ_only_in_policy_see_the_same_frames() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", SMALL);
    let out = tmp.path().join("out");
    ok(sweep(&file, &out, &[]));
    let runs = rows(&out.join("runs.csv"));
    // points 0 and 1: 3 peers, policy score and random
    let (a, b) = (&runs[1], &runs[4]);
    assert_eq!((a["point"].as_str(), b["point"].as_str()), ("0", "1"));
    assert_eq!(a["replication"], b["replication"]);
    assert_eq!(
        a["seed"], b["seed"],
        "replication k has one seed at every point"
    );
    assert_ne!(runs[0]["seed"], runs[1]["seed"], "replications differ");

    let mut created = Vec::new();
    for (row, policy) in [(a, "score"), (b, "random")] {
        let dir = tmp.path().join(policy);
        let poc = repo("scenarios/poc.toml");
        let args = [
            "run",
            poc.to_str().unwrap(),
            "--quiet",
            "--no-charts",
            "--out",
            dir.to_str().unwrap(),
            "--seed",
            &row["seed"],
            "--set",
            "simulation.duration_s=3.0",
            "--set",
            "peers.0.count=3",
            "--set",
            &format!("coordinator.policy={policy}"),
        ];
        assert!(p2c2g(&args).status.success());
        // The sweep ran exactly this run.
        let summary = rows(&dir.join("summary.csv")).remove(0);
        for (k, v) in &summary {
            if k != "seed" {
                assert_eq!(&row[k], v, "{k}");
            }
        }
        let mut times: Vec<(String, String)> = rows(&dir.join("frames.csv"))
            .into_iter()
            .map(|f| {
                (
                    format!("{}/{:>6}", f["renter"], f["frame"]),
                    f["created_ms"].clone(),
                )
            })
            .collect();
        times.sort();
        created.push(times);
    }
    assert_eq!(created[0].len(), 90);
    assert_eq!(
        created[0], created[1],
        "frame creation times differ between policies"
    );
    assert_ne!(a["frame_latency_mean_ms"], b["frame_latency_mean_ms"]);
}

#[test]
fn the_files_are_the_same_whatever_the_number_of_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", SMALL);
    let (one, three) = (tmp.path().join("one"), tmp.path().join("three"));
    ok(sweep(&file, &one, &["--jobs", "1", "--no-charts"]));
    ok(sweep(&file, &three, &["--jobs", "3", "--no-charts"]));
    for f in ["runs.csv", "points.csv", "sweep.toml"] {
        assert_eq!(read(&one.join(f)), read(&three.join(f)), "{f}");
    }
}

#[test]
fn shards_merge_into_exactly_the_unsharded_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", SMALL);
    let whole = tmp.path().join("whole");
    ok(sweep(&file, &whole, &[]));
    let mut shards = Vec::new();
    for k in 1..=3 {
        let dir = tmp.path().join(format!("shard{k}"));
        ok(sweep(&file, &dir, &["--shard", &format!("{k}/3")]));
        assert_eq!(
            rows(&dir.join("runs.csv")).len(),
            4,
            "12 runs over 3 shards"
        );
        assert!(
            !dir.join("points.csv").exists(),
            "a shard alone has no points"
        );
        shards.push(dir.to_str().unwrap().to_string());
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap()]);
    assert!(p2c2g(&args).status.success());
    for f in [
        "runs.csv",
        "points.csv",
        "sweep.toml",
        "charts/deadline_hit_rate.svg",
    ] {
        assert_eq!(read(&whole.join(f)), read(&merged.join(f)), "{f}");
    }
    // a missing shard is noticed
    let out = p2c2g(&[
        "merge",
        &shards[0],
        &shards[1],
        "--out",
        tmp.path().join("bad").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("8 of the sweep's 12 runs"));
}

/// Twenty runs of the baseline: 5 points x 4 replications.
const TWENTY_RUNS: &str = "replications = 4\n[sweep.set]\n\"simulation.duration_s\" = 8.0\n\
    [sweep.grid]\n\"coordinator.policy\" = [\"least_loaded\", \"random\", \"score\", \"power_of_d\", \"earliest_finish\"]\n";

/// Twenty runs of the baseline too, whose 5 points are a zip.
const TWENTY_ZIPPED_RUNS: &str = "replications = 4\n[sweep.set]\n\"simulation.duration_s\" = 8.0\n\
    [sweep.zip]\n\"coordinator.policy\" = [\"least_loaded\", \"random\", \"score\", \"power_of_d\", \"earliest_finish\"]\n\
    \"coordinator.timeout_ms\" = [100, 120, 140, 160, 180]\n";

/// Interrupts a sweep of twenty runs (`body`) with `signal` after a few
/// runs, then resumes it.
fn interrupted_then_resumed(signal: &str, body: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/baseline.toml", body);
    let (whole, killed) = (tmp.path().join("whole"), tmp.path().join("killed"));
    ok(sweep(&file, &whole, &["--no-charts"]));

    let child = Command::new(env!("CARGO_BIN_EXE_p2c2g"))
        .args([
            "sweep",
            file.to_str().unwrap(),
            "--quiet",
            "--no-charts",
            "--jobs",
            "1",
        ])
        .args(["--out", killed.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let journal = killed.join("runs.journal.csv");
    let kept_rows =
        |path: &Path| p2c2g::output::journal::read(path).map_or(0, |found| found.rows.len());
    let started = Instant::now();
    loop {
        if kept_rows(&journal) >= 4 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the sweep made no progress"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed_by = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed_by.success());
    let ended = child.wait_with_output().unwrap();
    if signal == "-INT" {
        // Ctrl-C: the sweep stops, keeps what is finished and says so.
        let stderr = String::from_utf8_lossy(&ended.stderr);
        assert_eq!(ended.status.code(), Some(130), "{stderr}");
        assert!(
            stderr.contains("interrupted: ") && stderr.contains("finish the sweep with --resume"),
            "{stderr}"
        );
    }

    // What was left is valid: complete rows under the header.
    let found = p2c2g::output::journal::read(&journal).unwrap();
    assert_eq!(found.damaged, 0);
    let kept = found.rows;
    assert!(kept.len() >= 4 && kept.len() < 20, "{} rows", kept.len());
    assert!(!killed.join("runs.csv").exists());

    // Without --resume the interrupted sweep is not overwritten.
    let refused = sweep(&file, &killed, &["--no-charts"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--resume"));

    let (_, stderr) = ok(loud_sweep(&file, &killed, &["--no-charts", "--resume"]));
    assert!(
        stderr.contains(&format!("{} runs in", 20 - kept.len()))
            && stderr.contains(&format!("({} already done)", kept.len())),
        "{stderr}"
    );
    for f in ["runs.csv", "points.csv", "sweep.toml"] {
        assert_eq!(read(&whole.join(f)), read(&killed.join(f)), "{f}");
    }
    // Resuming a finished sweep redoes nothing and changes nothing.
    let (_, stderr) = ok(loud_sweep(&file, &killed, &["--no-charts", "--resume"]));
    assert!(
        stderr.contains("0 runs in") && stderr.contains("(20 already done)"),
        "{stderr}"
    );
    assert_eq!(
        read(&whole.join("runs.csv")),
        read(&killed.join("runs.csv"))
    );
}

#[test]
fn a_sweep_killed_with_sigkill_resumes_without_redoing_or_losing_runs() {
    interrupted_then_resumed("-KILL", TWENTY_RUNS);
}

#[test]
fn a_zipped_sweep_killed_with_sigkill_resumes_without_redoing_or_losing_runs() {
    interrupted_then_resumed("-KILL", TWENTY_ZIPPED_RUNS);
}

#[test]
fn a_sweep_stopped_with_ctrl_c_resumes_without_redoing_or_losing_runs() {
    interrupted_then_resumed("-INT", TWENTY_RUNS);
}

#[test]
fn grid_values_may_be_distributions() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "replications = 2\n[sweep.grid]\n\"workload.work_ms\" = [30.0, { dist = \"uniform\", low = 20, high = 80 }]\n";
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", body);
    let out = tmp.path().join("out");
    ok(sweep(&file, &out, &["--no-charts"]));
    let points = rows(&out.join("points.csv"));
    assert_eq!(points[0]["workload.work_ms"], "30.0");
    assert_eq!(
        points[1]["workload.work_ms"],
        "{ dist = \"uniform\", low = 20, high = 80 }"
    );
    assert_ne!(
        points[0]["task_latency_mean_ms_mean"],
        points[1]["task_latency_mean_ms_mean"]
    );
}

#[test]
fn a_changed_sweep_is_not_resumed_into_old_results() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", SMALL);
    let out = tmp.path().join("out");
    ok(sweep(&file, &out, &["--no-charts"]));
    let changed = sweep_file(
        tmp.path(),
        "scenarios/poc.toml",
        &SMALL.replace("[3, 5]", "[3, 4]"),
    );
    let refused = sweep(&changed, &out, &["--no-charts", "--resume"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("holds another plan's sweep") && stderr.contains("the grid differs"),
        "{stderr}"
    );
}

/// Issue 10 #2: a sweep resumed after its base scenario was edited is
/// refused, naming the file that changed, whether it was interrupted or
/// had finished.
#[test]
fn a_sweep_whose_scenario_changed_is_not_resumed() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("base.toml");
    fs::copy(repo("scenarios/poc.toml"), &scenario).unwrap();
    let file = sweep_file(tmp.path(), scenario.to_str().unwrap(), SMALL);
    let out = tmp.path().join("out");
    ok(sweep(&file, &out, &["--no-charts"]));
    let text = fs::read_to_string(&scenario).unwrap();
    fs::write(
        &scenario,
        text.replace("duration_s = 1.0", "duration_s = 2.0"),
    )
    .unwrap();
    let refused = sweep(&file, &out, &["--no-charts", "--resume"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("base.toml has changed"), "{stderr}");
    // Without --resume, into the same folder: another sweep's results.
    let refused = sweep(&file, &out, &["--no-charts"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("holds the results of another sweep"),
        "{stderr}"
    );
    ok(sweep(&file, &out, &["--no-charts", "--force"]));
}

#[test]
fn bad_sweep_files_are_refused_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            SMALL.replace("replications", "replicatons"),
            vec![
                "test-sweep.toml:4:1",
                "`sweep.replicatons`",
                "did you mean `replications`",
            ],
        ),
        (
            SMALL.replace("[3, 5]", "[3, -5]"),
            vec![
                "`peers[0].count`",
                "the grid value peers.0.count = -5 in",
                "test-sweep.toml:",
            ],
        ),
        (
            SMALL.replace("[3, 5]", "[]"),
            vec!["`sweep.grid.peers.0.count`", "non-empty list"],
        ),
        (
            SMALL.replace("\"peers.0.count\"", "\"peers.9.count\""),
            vec!["`sweep.grid.peers.9.count`", "no peer group 9"],
        ),
        (
            SMALL.replace("replications = 3", "replications = 3\nmetrics = 3"),
            vec!["`sweep.metrics`", "expected a list of metric names"],
        ),
        (
            format!("{SMALL}\"coordinator.d\" = 2\n"),
            vec!["`sweep.grid.coordinator.d`", "non-empty list"],
        ),
    ];
    for (body, expect) in cases {
        let file = sweep_file(tmp.path(), "scenarios/poc.toml", &body);
        let out_dir = tmp.path().join("never");
        let out = sweep(&file, &out_dir, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        for e in expect {
            assert!(stderr.contains(e), "{e:?} in {stderr}");
        }
        assert!(!out_dir.exists());
    }
    let file = sweep_file(
        tmp.path(),
        "scenarios/poc.toml",
        &SMALL.replace("replications = 3", "replications = 3\nmetrics = [\"p99\"]"),
    );
    let out = sweep(&file, &tmp.path().join("never"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a column of runs.csv"));
}

#[test]
fn failures_to_write_or_read_name_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", SMALL);
    let taken = tmp.path().join("taken");
    fs::write(&taken, "").unwrap();
    let out = sweep(&file, &taken, &["--no-charts"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("taken: cannot create the output folder: "),
        "{stderr}"
    );
    crate::golden::says_it_once(&stderr).unwrap();

    let blocked = tmp.path().join("blocked");
    fs::create_dir_all(blocked.join("sweep.toml/taken")).unwrap();
    let out = sweep(&file, &blocked, &["--no-charts"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sweep.toml: cannot move the new file into place: "),
        "{stderr}"
    );

    // A journal that is not one names itself.
    let torn = tmp.path().join("torn");
    fs::create_dir_all(&torn).unwrap();
    fs::write(torn.join("runs.journal.csv"), "a,b\n1,2,3\n").unwrap();
    let out = sweep(&file, &torn, &["--no-charts", "--resume"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("runs.journal.csv: not a journal of this version of p2c2g"),
        "{stderr}"
    );
}

#[test]
fn merge_names_the_files_it_refuses() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", SMALL);
    // The same shard twice: both files are named.
    let shard = tmp.path().join("shard");
    ok(sweep(&file, &shard, &["--no-charts", "--shard", "1/2"]));
    let out = p2c2g(&[
        "merge",
        shard.to_str().unwrap(),
        shard.to_str().unwrap(),
        "--out",
        tmp.path().join("merged").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let runs = shard.join("runs.csv");
    let runs = runs.display();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "point 0 replication 0 is in both {runs} and {runs}"
        )),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A folder with a runs.csv that is not a sweep's.
    fs::write(shard.join("runs.csv"), "a,b\n1,2\n").unwrap();
    let out = p2c2g(&[
        "merge",
        shard.to_str().unwrap(),
        "--out",
        tmp.path().join("merged").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not a sweep's runs.csv"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn plot_of_a_sweep_with_other_columns_names_the_missing_one() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", SMALL);
    let out = tmp.path().join("out");
    ok(sweep(&file, &out, &["--no-charts"]));
    fs::write(out.join("points.csv"), "point,runs\n0,3\n").unwrap();
    let plotted = p2c2g(&["plot", out.to_str().unwrap()]);
    assert_eq!(plotted.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&plotted.stderr);
    assert!(
        stderr.contains("points.csv: no column `peers.0.count`"),
        "{stderr}"
    );
}

#[test]
fn every_sweep_error_names_the_sweep_file_and_where() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 9] = [
        (
            "scenario = \"\"\n",
            &["test-sweep.toml:4:12: `sweep.scenario`", "empty string"],
        ),
        (
            "[sweep.grid]\n\"nonexistent.key\" = [1]\n",
            &[
                "(from the grid value nonexistent.key = 1 in ",
                "test-sweep.toml:5:",
            ],
        ),
        (
            "[sweep.set]\n\"nonexistent.key\" = 1\n",
            &[
                "(from `sweep.set.nonexistent.key` in ",
                "test-sweep.toml:5:1)",
            ],
        ),
        (
            "[sweep.grid]\n\"peers.00.count\" = [1]\n",
            &[
                "test-sweep.toml:5:1: `sweep.grid.peers.00.count`",
                "not a group index",
            ],
        ),
        (
            "[sweep.grid]\n\"peers.+0.count\" = [1]\n",
            &[
                "test-sweep.toml:5:1: `sweep.grid.peers.+0.count`",
                "no peer group named `+0`",
            ],
        ),
        (
            "[sweep.grid]\n\"simulation.duration_s.x\" = [1]\n",
            &["test-sweep.toml:5:1", "is not a table"],
        ),
        (
            "grid = 5\n",
            &[
                "test-sweep.toml:4:8: `sweep.grid`",
                "expected a table of key paths",
            ],
        ),
        (
            "metrics = [5]\n",
            &["test-sweep.toml:4:12: `sweep.metrics`", "expected a string"],
        ),
        (
            "[sweep.grid]\n\"peers.0.jitter_ms\" = [9e15]\n",
            &[
                "(from the grid value peers.0.jitter_ms = 9000000000000000.0 in ",
                "test-sweep.toml:5:",
            ],
        ),
    ];
    for (body, expect) in cases {
        // The scenario key comes first, so that an empty one replaces it.
        let scenario = repo("scenarios/poc.toml");
        let text = if body.starts_with("scenario") {
            format!("[sweep]\nname = \"t\"\n\n{body}")
        } else {
            format!(
                "[sweep]\nname = \"t\"\nscenario = {:?}\n{body}",
                scenario.to_str().unwrap()
            )
        };
        let file = tmp.path().join("test-sweep.toml");
        fs::write(&file, text).unwrap();
        let out = sweep(&file, &tmp.path().join("never"), &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("test-sweep.toml"),
            "names the sweep file: {stderr}"
        );
        for e in expect {
            assert!(stderr.contains(e), "{e:?} in {stderr}");
        }
        assert!(!tmp.path().join("never").exists());
    }
}

#[test]
fn points_are_built_on_demand_from_the_values_of_each_key() {
    use p2c2g::scenario::{Limits, SweepFile};
    let counts: Vec<String> = (1..=100).map(|i| i.to_string()).collect();
    let attempts: Vec<String> = (1..=1000).map(|i| i.to_string()).collect();
    let text = format!(
        "[sweep]\nscenario = \"poc.toml\"\nreplications = 2\n[sweep.grid]\n\
         \"peers.0.count\" = [{}]\n\"coordinator.max_attempts\" = [{}]\n",
        counts.join(", "),
        attempts.join(", ")
    );
    let path = repo("scenarios/lazy.toml");
    let sweep = SweepFile::parse(&path, text, &[], &[], &Limits::default()).unwrap();
    assert_eq!(sweep.points.len(), 100_000);
    assert_eq!(sweep.keys, ["peers.0.count", "coordinator.max_attempts"]);
    // The last key varies fastest.
    assert_eq!(sweep.points.values(0), ["1", "1"]);
    assert_eq!(sweep.points.values(1999), ["2", "1000"]);
    let point = sweep.points.get(54_321);
    assert_eq!(point.values, ["55", "322"]);
    let cfg = &point.scenario.config;
    assert_eq!(
        (cfg.peer_groups[0].count, cfg.coordinator.max_attempts),
        (55, 322)
    );
    assert_eq!(sweep.points.seed(54_321), cfg.seed);

    // A million points are refused for what the sweep would write before
    // any is built; forced, they are held as values, not scenarios.
    let million = format!(
        "[sweep]\nscenario = \"poc.toml\"\n[sweep.grid]\n\"peers.0.count\" = [{}]\n\
         \"coordinator.max_attempts\" = [{}]\n\"workload.renters\" = [{}]\n",
        counts.join(", "),
        attempts.join(", "),
        counts[..10].join(", ")
    );
    let started = Instant::now();
    let refused = SweepFile::parse(&path, million, &[], &[], &Limits::default()).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("`sweep.grid`: this sweep would write about 2.2 GB of files, more than the limit of 1.0 GB"),
        "{refused}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// Issue 10 #1: merge refuses shards made from different plans, saying
/// what differs, and refuses to write into one of its inputs; issue 18 #6:
/// it refuses rows of runs the plan does not have.
#[test]
fn merge_takes_only_shards_of_one_plan_and_never_writes_into_them() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", SMALL);
    let one = tmp.path().join("one");
    ok(sweep(&file, &one, &["--no-charts", "--shard", "1/2"]));
    // Shard 2 of an edited copy: another duration and grid value.
    let edited = tmp.path().join("edited");
    fs::create_dir(&edited).unwrap();
    let other = sweep_file(
        &edited,
        "scenarios/poc.toml",
        &SMALL.replace("3.0", "4.0").replace("[3, 5]", "[3, 6]"),
    );
    let two = tmp.path().join("two");
    ok(sweep(&other, &two, &["--no-charts", "--shard", "2/2"]));
    let merged = tmp.path().join("merged");
    let out = p2c2g(&[
        "merge",
        one.to_str().unwrap(),
        two.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is from another plan than") && stderr.contains("the grid differs"),
        "{stderr}"
    );
    assert!(!merged.exists());

    // Into one of its own inputs.
    let two = tmp.path().join("two-same");
    ok(sweep(&file, &two, &["--no-charts", "--shard", "2/2"]));
    let out = p2c2g(&[
        "merge",
        one.to_str().unwrap(),
        two.to_str().unwrap(),
        "--out",
        one.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is one of the folders to merge"));

    // A row of a point the plan does not have.
    let runs = two.join("runs.csv");
    let text = fs::read_to_string(&runs).unwrap();
    let last = text.lines().last().unwrap().to_string();
    let mut fields: Vec<&str> = last.split(',').collect();
    fields[0] = "100";
    fs::write(&runs, format!("{text}{}\n", fields.join(","))).unwrap();
    let out = p2c2g(&[
        "merge",
        one.to_str().unwrap(),
        two.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("(point 100, replication"), "{stderr}");
}

/// Issue 18 #1: a second sweep started on a folder while the first still
/// runs in it (a re-queued Slurm task) is refused, and the first finishes
/// with every run, as an uninterrupted sweep would.
#[test]
fn a_folder_in_use_is_refused_to_a_second_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "replications = 4\n[sweep.set]\n\"simulation.duration_s\" = 8.0\n\
                [sweep.grid]\n\"coordinator.policy\" = [\"least_loaded\", \"random\", \"score\"]\n";
    let file = sweep_file(tmp.path(), "scenarios/baseline.toml", body);
    let (whole, busy) = (tmp.path().join("whole"), tmp.path().join("busy"));
    ok(sweep(&file, &whole, &["--no-charts"]));
    let first = Command::new(env!("CARGO_BIN_EXE_p2c2g"))
        .args([
            "sweep",
            file.to_str().unwrap(),
            "--quiet",
            "--no-charts",
            "--jobs",
            "1",
        ])
        .args(["--out", busy.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let journal = busy.join("runs.journal.csv");
    let started = Instant::now();
    while !journal.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the sweep did not start"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let second = sweep(&file, &busy, &["--no-charts", "--resume"]);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("another p2c2g is writing in this folder (process"),
        "{stderr}"
    );
    let ended = first.wait_with_output().unwrap();
    assert!(
        ended.status.success(),
        "{}",
        String::from_utf8_lossy(&ended.stderr)
    );
    assert_eq!(read(&whole.join("runs.csv")), read(&busy.join("runs.csv")));
    assert!(
        !busy.join(".p2c2g.lock").exists(),
        "the lock goes with the sweep"
    );
}

/// Issue 18 #2 and #3: a write that fails mid-sweep (the file size limit,
/// like a disk that fills) stops the sweep at once with the journal whole;
/// a journal row repeated or changed by hand is recognised. Resumed, the
/// sweep gives exactly the bytes of one never stopped.
#[cfg(unix)]
#[test]
fn a_full_disk_or_a_damaged_journal_loses_no_run() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", SMALL);
    let whole = tmp.path().join("whole");
    ok(sweep(&file, &whole, &["--no-charts"]));
    let full = tmp.path().join("full");
    let ran = std::process::Command::new("bash")
        .args([
            "-c",
            &format!(
                "trap '' XFSZ; ulimit -f 3; exec \"$P\" sweep {} --jobs 1 --no-charts -q --out {}",
                file.display(),
                full.display()
            ),
        ])
        .env("P", env!("CARGO_BIN_EXE_p2c2g"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the sweep stopped at a failed write to its journal, keeping the")
            && stderr.contains("runs.journal.csv: cannot write the journal: File too large"),
        "{stderr}"
    );
    let journal = full.join("runs.journal.csv");
    let found = p2c2g::output::journal::read(&journal).unwrap();
    assert_eq!(found.damaged, 0, "cut back to its last whole row");
    assert!(!found.rows.is_empty() && found.rows.len() < 12);

    // Damage it by hand: a row repeated, and a digit changed in another.
    let text = fs::read_to_string(&journal).unwrap();
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(char::is_numeric))
        .collect();
    let changed = rows[0].replacen(",", ",9", 4);
    let damaged = format!("{text}{}\n{changed}\n", rows.last().unwrap());
    fs::write(&journal, damaged).unwrap();
    let resumed = loud_sweep(&file, &full, &["--no-charts", "--resume"]);
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(resumed.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: 1 rows of the journal were damaged"),
        "{stderr}"
    );
    assert_eq!(read(&whole.join("runs.csv")), read(&full.join("runs.csv")));
    assert_eq!(
        read(&whole.join("points.csv")),
        read(&full.join("points.csv"))
    );
}

/// Issue 18 #5 and #7: a journal of 0 bytes is an empty one; a sweep
/// forced into another finished sweep's folder and stopped leaves that
/// sweep's description with that sweep's results.
#[test]
fn a_folder_never_describes_results_it_does_not_hold() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", SMALL);
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("runs.journal.csv"), "").unwrap();
    ok(sweep(&file, &out, &["--no-charts"]));
    let (info, runs) = (read(&out.join("sweep.toml")), read(&out.join("runs.csv")));
    // Another sweep, forced into this folder, killed before it ends.
    let body = "replications = 4\n[sweep.set]\n\"simulation.duration_s\" = 8.0\n\
                [sweep.grid]\n\"coordinator.policy\" = [\"least_loaded\", \"random\", \"score\"]\n";
    let other_dir = tmp.path().join("other");
    fs::create_dir(&other_dir).unwrap();
    let other = sweep_file(&other_dir, "scenarios/baseline.toml", body);
    let mut child = Command::new(env!("CARGO_BIN_EXE_p2c2g"))
        .args([
            "sweep",
            other.to_str().unwrap(),
            "--quiet",
            "--no-charts",
            "--jobs",
            "1",
        ])
        .args(["--force", "--out", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while p2c2g::output::journal::read(&out.join("runs.journal.csv")).map_or(0, |f| f.rows.len())
        < 1
    {
        assert!(started.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        read(&out.join("sweep.toml")),
        info,
        "still the first sweep's description"
    );
    assert_eq!(
        read(&out.join("runs.csv")),
        runs,
        "with the first sweep's results"
    );
}

/// Sweeps are driven from the command line too: --set applies to every
/// point, --seed and --replications replace the file's, and --dry-run
/// checks every point and lists the runs without running any.
#[test]
fn a_sweep_takes_overrides_and_a_dry_run_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", SMALL);
    let out = tmp.path().join("out");
    let (listed, _) = ok(p2c2g(&[
        "sweep",
        file.to_str().unwrap(),
        "--dry-run",
        "--replications",
        "2",
        "--seed",
        "40",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(
        listed.contains("t: 4 points x 2 replications = 8 runs"),
        "{listed}"
    );
    assert!(
        listed.contains("point,seed,peers.0.count,coordinator.policy"),
        "{listed}"
    );
    assert!(listed.contains("3,40,5,random"), "{listed}");
    assert!(!out.exists(), "a dry run writes nothing");
    // A bad point is found without running anything.
    let bad = p2c2g(&[
        "sweep",
        file.to_str().unwrap(),
        "--dry-run",
        "--set",
        "peers.0.reliability=2",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--set peers.0.reliability=2"));

    ok(sweep(
        &file,
        &out,
        &[
            "--no-charts",
            "--replications",
            "2",
            "--seed",
            "40",
            "--set",
            "simulation.duration_s=2",
        ],
    ));
    let runs = rows(&out.join("runs.csv"));
    assert_eq!(runs.len(), 8);
    assert!(runs.iter().all(|r| r["duration_s"] == "2.0"));
    let seeds: BTreeSet<&str> = runs.iter().map(|r| r["seed"].as_str()).collect();
    assert_eq!(seeds, BTreeSet::from(["40", "41"]));
}

/// A zip alone: the keys of `[sweep.zip]` take their i-th values together,
/// so three values each make three points, not nine.
const ZIPPED: &str = "replications = 2\n\
    [sweep.set]\n\"simulation.duration_s\" = 2.0\n\
    [sweep.zip]\n\"coordinator.policy\" = [\"score\", \"random\", \"least_loaded\"]\n\
    \"peers.0.count\" = [3, 4, 6]\n";

#[test]
fn the_keys_of_a_zip_vary_together() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", ZIPPED);
    let out = tmp.path().join("out");

    // The dry run lists the points with their zipped values.
    let (listed, _) = ok(p2c2g(&["sweep", file.to_str().unwrap(), "--dry-run"]));
    assert!(
        listed.contains("t: 3 points x 2 replications = 6 runs"),
        "{listed}"
    );
    assert!(
        listed.contains(
            "zipped (vary together, crossed with the grid): coordinator.policy, peers.0.count"
        ),
        "{listed}"
    );
    assert!(
        listed.contains(
            "point,seed,coordinator.policy,peers.0.count\n0,1,score,3\n1,1,random,4\n2,1,least_loaded,6\n"
        ),
        "{listed}"
    );

    ok(sweep(&file, &out, &[]));
    let header = read(&out.join("runs.csv"))
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        header.starts_with(
            "point,replication,seed,coordinator.policy,peers.0.count,scenario,frames,"
        ),
        "{header}"
    );
    let runs = rows(&out.join("runs.csv"));
    assert_eq!(runs.len(), 6);
    let got: Vec<(&str, &str, &str, &str)> = runs
        .iter()
        .map(|r| {
            (
                r["point"].as_str(),
                r["coordinator.policy"].as_str(),
                r["peers.0.count"].as_str(),
                r["peers"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("0", "score", "3", "3"),
            ("0", "score", "3", "3"),
            ("1", "random", "4", "4"),
            ("1", "random", "4", "4"),
            ("2", "least_loaded", "6", "6"),
            ("2", "least_loaded", "6", "6"),
        ]
    );
    let points = rows(&out.join("points.csv"));
    let got: Vec<(&str, &str)> = points
        .iter()
        .map(|p| {
            (
                p["coordinator.policy"].as_str(),
                p["peers.0.count"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![("score", "3"), ("random", "4"), ("least_loaded", "6")]
    );
    assert!(
        read(&out.join("points.csv")).starts_with("point,coordinator.policy,peers.0.count,runs,")
    );

    // Point 1 ran exactly what `run` with both values set runs.
    let single = tmp.path().join("single");
    let poc = repo("scenarios/poc.toml");
    ok(p2c2g(&[
        "run",
        poc.to_str().unwrap(),
        "--quiet",
        "--no-charts",
        "--out",
        single.to_str().unwrap(),
        "--seed",
        &runs[2]["seed"],
        "--set",
        "simulation.duration_s=2.0",
        "--set",
        "coordinator.policy=random",
        "--set",
        "peers.0.count=4",
    ]));
    let summary = rows(&single.join("summary.csv")).remove(0);
    for (k, v) in &summary {
        if k != "seed" {
            assert_eq!(&runs[2][k], v, "{k}");
        }
    }

    // With no grid key, the charts' x axis is the zip's first key (here
    // not a number: its values are categories), and the keys zipped with
    // it make no lines of their own.
    let svg = read(&out.join("charts/deadline_hit_rate.svg"));
    roxmltree::Document::parse(&svg).unwrap();
    assert!(
        svg.contains("t: frames on time (deadline_hit_rate) against coordinator.policy"),
        "the title"
    );
    assert!(
        svg.contains("coordinator.policy (zipped with peers.0.count)"),
        "the x axis"
    );
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert!(
        !doc.descendants()
            .any(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some("peers.0.count")),
        "no line per zipped value"
    );
}

/// A zip crossed with a grid: one more grid dimension after the grid's
/// keys, the last to vary; shards of it merge into the whole.
#[test]
fn a_zip_is_crossed_with_the_grid_after_its_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "replications = 2\n\
        [sweep.set]\n\"simulation.duration_s\" = 2.0\n\
        [sweep.zip]\n\"peers.0.count\" = [3, 5, 7]\n\"coordinator.max_attempts\" = [1, 2, 3]\n\
        [sweep.grid]\n\"coordinator.policy\" = [\"score\", \"random\"]\n";
    let file = sweep_file(tmp.path(), "scenarios/poc.toml", body);
    let whole = tmp.path().join("whole");
    ok(sweep(&file, &whole, &[]));
    let header = read(&whole.join("runs.csv"))
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        header.starts_with(
            "point,replication,seed,coordinator.policy,peers.0.count,coordinator.max_attempts,scenario,"
        ),
        "{header}"
    );
    let points = rows(&whole.join("points.csv"));
    let got: Vec<(&str, &str, &str, &str)> = points
        .iter()
        .map(|p| {
            (
                p["point"].as_str(),
                p["coordinator.policy"].as_str(),
                p["peers.0.count"].as_str(),
                p["coordinator.max_attempts"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("0", "score", "3", "1"),
            ("1", "score", "5", "2"),
            ("2", "score", "7", "3"),
            ("3", "random", "3", "1"),
            ("4", "random", "5", "2"),
            ("5", "random", "7", "3"),
        ]
    );
    let runs = rows(&whole.join("runs.csv"));
    assert_eq!(runs.len(), 12);
    for r in &runs {
        assert_eq!(r["peers"], r["peers.0.count"]);
        // one attempt per task: no failover at all
        if r["coordinator.max_attempts"] == "1" {
            assert_eq!(r["failovers"], "0");
        }
    }
    assert!(runs.iter().any(|r| r["failovers"] != "0"));

    // x: the first numeric candidate, here the zip's first key (the grid
    // key is a policy); one line per value of the grid key.
    let svg = read(&whole.join("charts/deadline_hit_rate.svg"));
    assert!(svg.contains("t: frames on time (deadline_hit_rate) against peers.0.count"));
    assert!(svg.contains("peers.0.count (zipped with coordinator.max_attempts)"));
    // The legend: what the lines are values of, then each value.
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    for word in ["coordinator.policy", "score", "random"] {
        assert!(texts.contains(&word), "{word}: {texts:?}");
    }

    // Shards merge into exactly the unsharded sweep.
    let mut shards = Vec::new();
    for k in 1..=2 {
        let dir = tmp.path().join(format!("shard{k}"));
        ok(sweep(&file, &dir, &["--shard", &format!("{k}/2")]));
        assert_eq!(rows(&dir.join("runs.csv")).len(), 6);
        shards.push(dir.to_str().unwrap().to_string());
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap()]);
    ok(p2c2g(&args));
    for f in [
        "runs.csv",
        "points.csv",
        "sweep.toml",
        "charts/deadline_hit_rate.svg",
    ] {
        assert_eq!(read(&whole.join(f)), read(&merged.join(f)), "{f}");
    }

    // A changed zip is another plan: not resumed into these results.
    let changed = sweep_file(
        tmp.path(),
        "scenarios/poc.toml",
        &body.replace("[1, 2, 3]", "[1, 3, 2]"),
    );
    let refused = sweep(&changed, &whole, &["--no-charts", "--resume"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("holds another plan's sweep")
            && stderr.contains("the grid or the zip differs"),
        "{stderr}"
    );
}

#[test]
fn bad_zips_are_refused_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            ZIPPED.replace("[3, 4, 6]", "[3, 4]"),
            vec![
                "test-sweep.toml:9:19: `sweep.zip.peers.0.count`",
                "expected 3 values, as many as `coordinator.policy` has",
                "found 2",
            ],
        ),
        (
            ZIPPED.replace("[3, 4, 6]", "[]"),
            vec![
                "test-sweep.toml:9:19: `sweep.zip.peers.0.count`",
                "non-empty list",
            ],
        ),
        (
            format!("{ZIPPED}[sweep.grid]\n\"peers.0.count\" = [3, 5]\n"),
            vec![
                "test-sweep.toml:9:1: `sweep.zip.peers.0.count`",
                "also in [sweep.grid] (line 11)",
                "a key may be in only one of [sweep.set], [sweep.grid] and [sweep.zip]",
            ],
        ),
        (
            ZIPPED.replace(
                "\"simulation.duration_s\" = 2.0\n",
                "\"simulation.duration_s\" = 2.0\n\"peers.0.count\" = 4\n",
            ),
            vec!["`sweep.zip.peers.0.count`", "also in [sweep.set] (line 7)"],
        ),
        (
            format!("{SMALL}\"simulation.duration_s\" = [1.0, 2.0]\n"),
            vec!["`sweep.grid.simulation.duration_s`", "also in [sweep.set]"],
        ),
        (
            ZIPPED.replace("[3, 4, 6]", "[3, -4, 6]"),
            vec![
                "`peers[0].count`",
                "the zip value peers.0.count[1] = -4 in",
                "test-sweep.toml:9:",
            ],
        ),
    ];
    for (body, expect) in cases {
        let file = sweep_file(tmp.path(), "scenarios/poc.toml", &body);
        let out_dir = tmp.path().join("never");
        let out = sweep(&file, &out_dir, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        for e in expect {
            assert!(stderr.contains(e), "{e:?} in {stderr}");
        }
        assert!(!out_dir.exists());
        // `check` says the same.
        let checked = p2c2g(&["check", file.to_str().unwrap()]);
        assert_eq!(checked.status.code(), Some(2));
    }
}

/// Every file of a folder, by its path inside it, with its bytes.
fn files_in(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                found.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    found
}

/// Runs of very different lengths, which the threads take longest first
/// and finish in another order than the plan's: every file, charts
/// included, has the same bytes with 1 and 2 threads.
#[test]
fn runs_of_different_lengths_give_the_same_files_on_one_thread_or_two() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "replications = 3\n[sweep.set]\n\"simulation.warmup_s\" = 0.0\n[sweep.grid]\n\"simulation.duration_s\" = [0.5, 4.0, 2.0]\n\
                \"coordinator.policy\" = [\"least_loaded\", \"random\"]\n";
    let file = sweep_file(tmp.path(), "scenarios/baseline.toml", body);
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    ok(sweep(&file, &one, &["--jobs", "1"]));
    ok(sweep(&file, &two, &["--jobs", "2"]));
    let (a, b) = (files_in(&one), files_in(&two));
    assert!(
        a.contains_key(Path::new("runs.csv")) && a.len() >= 5,
        "{:?}",
        a.keys()
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(b[path] == *bytes, "{} differs", path.display());
    }
}

/// Waits until the journal of `out`, written by `child`, holds at least
/// `rows` whole rows, and returns them.
fn journal_rows_at_least(
    child: &mut std::process::Child,
    out: &Path,
    rows: usize,
) -> Vec<Vec<String>> {
    let started = Instant::now();
    loop {
        if let Some(ended) = child.try_wait().unwrap() {
            panic!("the sweep ended ({ended}) before its journal held {rows} rows");
        }
        let found = p2c2g::output::journal::read(&out.join("runs.journal.csv"))
            .map(|f| f.rows)
            .unwrap_or_default();
        if found.len() >= rows {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the sweep made no progress"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// With one thread the journal holds the runs in the order they ran: the
/// longest expected first (here the points of the longest simulated time),
/// in plan order among equals. Stopped with Ctrl-C, the sweep says it kept
/// exactly the runs its journal holds.
#[test]
fn the_longest_runs_start_first_and_ctrl_c_reports_what_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "replications = 10\n[sweep.set]\n\"simulation.warmup_s\" = 0.0\n[sweep.grid]\n\"simulation.duration_s\" = [2.0, 30.0, 10.0]\n";
    let file = sweep_file(tmp.path(), "scenarios/baseline.toml", body);
    let out = tmp.path().join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_p2c2g"))
        .args([
            "sweep",
            file.to_str().unwrap(),
            "--no-charts",
            "--jobs",
            "1",
        ])
        .args(["--out", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    journal_rows_at_least(&mut child, &out, 3);
    let stopped = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let ended = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&ended.stderr);
    assert_eq!(ended.status.code(), Some(130), "{stderr}");
    let found = p2c2g::output::journal::read(&out.join("runs.journal.csv")).unwrap();
    assert_eq!(found.damaged, 0);
    let ran: Vec<(String, String)> = found
        .rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let longest_first: Vec<(String, String)> = [1, 2, 0]
        .iter()
        .flat_map(|p| (0..10).map(move |r| (p.to_string(), r.to_string())))
        .collect();
    assert!(ran.len() >= 3 && ran.len() < 30, "{ran:?}");
    assert_eq!(ran[..], longest_first[..ran.len()]);
    assert!(
        stderr.contains(&format!("interrupted: {} of the 30 runs", ran.len())),
        "{stderr}"
    );
}

/// Group commit: a sweep of many short runs on two threads, killed with
/// SIGKILL, keeps every run its journal held before the kill, with no
/// damaged row, and resumed gives the bytes of a sweep never stopped.
#[test]
fn a_sweep_of_short_runs_killed_with_sigkill_keeps_every_run_it_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "replications = 50\n[sweep.set]\n\"simulation.duration_s\" = 1.0\n\"simulation.warmup_s\" = 0.0\n\
                [sweep.grid]\n\"coordinator.policy\" = [\"random\", \"round_robin\", \
                \"least_loaded\", \"power_of_d\", \"lowest_latency\", \"highest_reputation\", \
                \"score\", \"earliest_finish\"]\n";
    let file = sweep_file(tmp.path(), "scenarios/baseline.toml", body);
    let (whole, killed) = (tmp.path().join("whole"), tmp.path().join("killed"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_p2c2g"))
        .args(["sweep", file.to_str().unwrap(), "--quiet", "--no-charts"])
        .args(["--jobs", "2", "--out", killed.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let seen = journal_rows_at_least(&mut child, &killed, 20);
    child.kill().unwrap();
    child.wait().unwrap();
    let found = p2c2g::output::journal::read(&killed.join("runs.journal.csv")).unwrap();
    assert_eq!(found.damaged, 0);
    assert!(found.rows.len() < 400, "the sweep ended before the kill");
    let kept: BTreeSet<&Vec<String>> = found.rows.iter().collect();
    assert!(seen.iter().all(|r| kept.contains(r)), "a run seen was lost");

    ok(sweep(&file, &whole, &["--no-charts"]));
    let (_, stderr) = ok(loud_sweep(&file, &killed, &["--no-charts", "--resume"]));
    assert!(
        stderr.contains(&format!("({} already done)", found.rows.len())),
        "{stderr}"
    );
    for f in ["runs.csv", "points.csv", "sweep.toml"] {
        assert_eq!(read(&whole.join(f)), read(&killed.join(f)), "{f}");
    }
}
