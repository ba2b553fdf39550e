//! The command line: runs write the promised files, the same seed gives the
//! same bytes, renters' draws do not depend on the peers or the policy, and
//! bad input is refused with a precise message and exit code 2.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::common::*;

const SHORT: [&str; 4] = [
    "--set",
    "simulation.duration_s=3",
    "--set",
    "simulation.warmup_s=0.5",
];

fn run_to(dir: &Path, scenario: &str, extra: &[&str]) {
    let out = p2c2g_into("run", Path::new(scenario), dir, extra);
    assert!(
        out.status.success(),
        "p2c2g run {scenario} {extra:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read(dir: &Path, file: &str) -> String {
    fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn run_writes_every_promised_file_with_the_contract_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let baseline = repo("scenarios/baseline.toml");
    let mut args = SHORT.to_vec();
    args.push("--trace");
    run_to(&dir, baseline.to_str().unwrap(), &args);

    let summary = read(&dir, "summary.csv");
    let required =
        "scenario,seed,frames,frames_on_time,frames_late,frames_failed,deadline_hit_rate,\
frame_latency_mean_ms,frame_latency_p50_ms,frame_latency_p95_ms,frame_latency_p99_ms,\
frame_latency_max_ms,tasks,tasks_completed,tasks_failed,task_latency_mean_ms,\
task_latency_p50_ms,task_latency_p95_ms,task_latency_p99_ms,attempts,failovers,timeouts,\
utilization,sim_time_s,events";
    assert!(summary.starts_with(required), "{summary}");
    assert_eq!(summary.lines().count(), 2);
    let headers = [
        ("frames.csv", "renter,frame,created_ms,delivered_ms,latency_ms,deadline_ms,status"),
        ("peers.csv", "peer,group,slots,speed,latency_ms,reliability,attempts,successes,failures,busy_ms,utilization,reputation"),
        ("timeseries.csv", "t_ms,waiting_coordinator,waiting_peers,running,in_flight,backoff,online_peers,frames_created,frames_delivered,frames_on_time,attempts,failovers,timeouts"),
        ("attempts.csv", "renter,frame,task,attempt,peer,dispatched_ms"),
        ("run_info.csv", "scenario,seed,version,wall_s,events,events_per_s"),
    ];
    for (file, header) in headers {
        assert!(read(&dir, file).starts_with(header), "{file}");
    }
    assert_eq!(read(&dir, "peers.csv").lines().count(), 61, "60 peers");
    // frames.csv holds every counted frame, once
    let frames = read(&dir, "frames.csv");
    let row: Vec<&str> = summary.lines().nth(1).unwrap().split(',').collect();
    assert_eq!((frames.lines().count() - 1).to_string(), row[2]);
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty());

    // A later run without frames removes the stale frames.csv.
    let mut args = SHORT.to_vec();
    args.push("--no-frames");
    run_to(&dir, baseline.to_str().unwrap(), &args);
    assert!(!dir.join("frames.csv").exists());
    assert!(!dir.join("attempts.csv").exists());
}

#[test]
fn run_prints_a_human_summary_and_defaults_to_results_name() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_p2c2g"))
        .current_dir(tmp.path())
        .args(["run", repo("scenarios/poc.toml").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    for word in ["30 frames", "on time", "p99", "failovers", "utilisation"] {
        assert!(stdout.contains(word), "{word} in {stdout}");
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("events/s"));
    assert!(tmp.path().join("results/poc/summary.csv").exists());
}

/// The summary on the terminal says what the wave-2 mechanisms that are
/// on did, in the summary.csv's numbers, and nothing of those that are off.
#[test]
fn run_prints_what_copies_votes_drops_and_churn_did() {
    let tmp = tempfile::tempdir().unwrap();
    let short = ["--no-charts", "--force", "--set", "simulation.duration_s=8"];
    let cases: [(&str, &[&str], &[&str]); 4] = [
        (
            "scenarios/tail.toml",
            &["--set", "coordinator.drop_late=true"],
            &["hedges", "wasted", "dropped at the deadline"],
        ),
        (
            "scenarios/trust.toml",
            &[],
            &["copies", "corrupt", "good (on time and right)"],
        ),
        (
            "scenarios/churn.toml",
            &["--set", "simulation.warmup_s=1"],
            &["churn: peers online", "attempts lost"],
        ),
        ("scenarios/baseline.toml", &[], &[]),
    ];
    for (scenario, sets, words) in cases {
        let dir = tmp.path().join("run");
        let repo_file = repo(scenario);
        let mut args = vec![
            "run",
            repo_file.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ];
        args.extend(short);
        args.extend(sets);
        let (stdout, _) = ok(p2c2g(&args));
        for word in words {
            assert!(stdout.contains(word), "{scenario}: {word} in {stdout}");
        }
        let summary = &rows(&dir.join("summary.csv"))[0];
        if let Some(hedges) = summary.get("hedges") {
            assert!(stdout.contains(&format!("hedges {hedges} ")), "{stdout}");
        }
        if words.is_empty() {
            for word in ["hedges", "corrupt", "churn", "dropped"] {
                assert!(!stdout.contains(word), "{scenario}: {word} in {stdout}");
            }
        }
    }
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = repo("scenarios/baseline.toml");
    let baseline = baseline.to_str().unwrap();
    let mut args = SHORT.to_vec();
    args.push("--trace");
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    run_to(&a, baseline, &args);
    run_to(&b, baseline, &args);
    args.extend_from_slice(&["--seed", "2"]);
    run_to(&c, baseline, &args);
    for file in [
        "summary.csv",
        "frames.csv",
        "peers.csv",
        "timeseries.csv",
        "attempts.csv",
    ] {
        assert_eq!(
            read(&a, file),
            read(&b, file),
            "{file} differs between equal runs"
        );
        assert_ne!(read(&a, file), read(&c, file), "{file} ignores the seed");
    }
}

/// Per (renter, frame): creation time and deadline.
type FrameDraws = BTreeMap<(u32, u64), String>;
/// Per (renter, frame, task): its work, seen as processing time on peers of
/// speed 1.
type WorkDraws = BTreeMap<(u32, u64, u32), String>;

fn renter_draws(dir: &Path) -> (FrameDraws, WorkDraws) {
    let mut frames = BTreeMap::new();
    for line in read(dir, "frames.csv").lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let key = (f[0].parse().unwrap(), f[1].parse().unwrap());
        frames.insert(key, format!("{} {}", f[2], f[5]));
    }
    let mut work = BTreeMap::new();
    for line in read(dir, "attempts.csv").lines().skip(1) {
        let a: Vec<&str> = line.split(',').collect();
        if a[7].is_empty() || a[8].is_empty() {
            continue; // never started or never finished
        }
        let key = (
            a[0].parse().unwrap(),
            a[1].parse().unwrap(),
            a[2].parse().unwrap(),
        );
        let w = a[8].parse::<f64>().unwrap() - a[7].parse::<f64>().unwrap();
        let w = format!("{w:.6}");
        if let Some(old) = work.insert(key, w.clone()) {
            assert_eq!(old, w, "two attempts of one task saw different work");
        }
    }
    (frames, work)
}

#[test]
fn renters_draw_the_same_frames_and_work_whatever_the_policy_or_peers() {
    let tmp = tempfile::tempdir().unwrap();
    let poc = repo("scenarios/poc.toml");
    let poc = poc.to_str().unwrap();
    let base = [
        "--trace",
        "--set",
        "simulation.duration_s=20",
        "--set",
        "workload.renters=3",
    ];
    let variants: [&[&str]; 3] = [
        &[],
        &["--set", "coordinator.policy=random"],
        &[
            "--set",
            "coordinator.policy=least_loaded",
            "--set",
            "peers.0.count=12",
            "--set",
            "peers.0.reliability=0.6",
            "--set",
            "coordinator.queue=per_peer",
        ],
    ];
    let mut seen = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        let dir = tmp.path().join(i.to_string());
        let mut args = base.to_vec();
        args.extend_from_slice(v);
        run_to(&dir, poc, &args);
        seen.push((renter_draws(&dir), read(&dir, "summary.csv")));
    }
    let ((frames0, work0), summary0) = &seen[0];
    assert_eq!(frames0.len(), 3 * 20 * 30);
    assert_eq!(work0.len(), frames0.len());
    for ((frames, work), summary) in &seen[1..] {
        assert_eq!(frames, frames0);
        assert_eq!(work, work0);
        assert_ne!(summary, summary0, "the variants do change the outcome");
    }
}

#[test]
fn bundled_scenarios_all_check() {
    let mut files: Vec<String> = Vec::new();
    for dir in ["scenarios", "scenarios/textbook"] {
        for e in fs::read_dir(repo(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push(p.to_string_lossy().into_owned());
            }
        }
    }
    assert!(files.len() >= 6);
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let (stdout, _) = ok(p2c2g(&args));
    assert_eq!(stdout.lines().count(), files.len());
}

#[test]
fn help_explains_every_option_with_an_example() {
    let out = p2c2g(&["run", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "--out",
        "--seed",
        "--set",
        "--trace",
        "--no-frames",
        "--quiet",
        "Examples",
        "peers.home_gpu",
    ] {
        assert!(help.contains(word), "{word} missing from run --help");
    }
    let help = String::from_utf8_lossy(&p2c2g(&["check", "--help"]).stdout).to_string();
    assert!(help.contains("Example"));
    let help = String::from_utf8_lossy(&p2c2g(&["--help"]).stdout).to_string();
    assert!(help.contains("run") && help.contains("check"));
}

/// A minimal valid scenario; each bad case below changes one thing.
const GOOD: &str = r#"[simulation]
duration_s = 1.0

[workload]
renters = 2
work_ms = 5.0

[coordinator]
policy = "random"

[[peers]]
count = 3

[[peers]]
group = "b"
count = 2
reliability = 0.9
"#;

/// Writes `text` as a scenario, runs it, and checks the refusal.
fn refused(text: &str, extra: &[&str], expect: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.toml");
    fs::write(&file, text).unwrap();
    let out_dir = tmp.path().join("out");
    let out = p2c2g_into("run", &file, &out_dir, extra);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "exit code for {expect:?}: {stderr}"
    );
    assert!(stderr.contains("bad.toml"), "names the file: {stderr}");
    for e in expect {
        assert!(stderr.contains(e), "expected {e:?} in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out_dir.exists(), "no results folder for a bad scenario");
}

#[test]
fn the_good_scenario_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("good.toml");
    fs::write(&file, GOOD).unwrap();
    run_to(&tmp.path().join("out"), file.to_str().unwrap(), &[]);
}

#[test]
fn not_toml_is_refused_with_its_line() {
    refused(
        &GOOD.replace("[workload]", "[workload"),
        &[],
        &["bad.toml:4:", "not valid TOML"],
    );
}

#[test]
fn unknown_key_is_refused_with_a_suggestion() {
    refused(
        &GOOD.replace("policy = ", "polcy = "),
        &[],
        &[
            "bad.toml:9:1",
            "`coordinator.polcy`",
            "unknown key",
            "did you mean `policy`",
        ],
    );
    refused(
        &format!("{GOOD}\n[outptu]\nframes = false\n"),
        &[],
        &["`outptu`", "did you mean `output`"],
    );
}

#[test]
fn wrong_type_is_refused() {
    refused(
        &GOOD.replace("renters = 2", "renters = \"two\""),
        &[],
        &[
            "bad.toml:5:11",
            "`workload.renters`",
            "expected a whole number",
            "\"two\"",
        ],
    );
    refused(
        &GOOD.replace("renters = 2", "renters = 2.5"),
        &[],
        &["`workload.renters`", "whole number"],
    );
}

#[test]
fn out_of_range_values_are_refused() {
    refused(
        &GOOD.replace("reliability = 0.9", "reliability = 1.2"),
        &[],
        &[
            "bad.toml:17:15",
            "`peers[1].reliability`",
            "probability in [0, 1]",
        ],
    );
    refused(
        &GOOD.replace("count = 3", "count = 3\nlatency_ms = -4"),
        &[],
        &["`peers[0].latency_ms`", "not negative"],
    );
    refused(
        &GOOD.replace("count = 3", "count = 3\nslots = 0"),
        &[],
        &["`peers[0].slots`", "from 1 to"],
    );
    refused(
        &GOOD.replace("policy = \"random\"", "policy = \"power_of_d\"\nd = 9"),
        &[],
        &["`coordinator.d`", "must not exceed the number of peers (5)"],
    );
}

#[test]
fn non_finite_numbers_are_refused() {
    refused(
        &GOOD.replace("work_ms = 5.0", "work_ms = nan"),
        &[],
        &["`workload.work_ms`", "finite"],
    );
    refused(
        &GOOD.replace("duration_s = 1.0", "duration_s = inf"),
        &[],
        &["`simulation.duration_s`", "finite"],
    );
}

#[test]
fn absurd_counts_are_refused() {
    refused(
        &GOOD.replace("count = 3", "count = 1000000000000000000"),
        &[],
        &["`peers[0].count`", "from 0 to 10000000"],
    );
    refused(
        &GOOD.replace(
            "renters = 2",
            "renters = 1000000\nfps = 100000\ntasks_per_frame = 1000",
        ),
        &[],
        &["`workload`", "tasks"],
    );
}

#[test]
fn bad_distributions_are_refused() {
    refused(
        &GOOD.replace(
            "work_ms = 5.0",
            "work_ms = { dist = \"choice\", values = [] }",
        ),
        &[],
        &["`workload.work_ms`", "at least one value"],
    );
    refused(
        &GOOD.replace(
            "work_ms = 5.0",
            "work_ms = { dist = \"gama\", mean = 5, sd = 1 }",
        ),
        &[],
        &[
            "`workload.work_ms.dist`",
            "unknown distribution",
            "did you mean \"gamma\"",
        ],
    );
    refused(
        &GOOD.replace("work_ms = 5.0", "work_ms = { dist = \"uniform\", low = 5 }"),
        &[],
        &["`workload.work_ms`", "missing `high`"],
    );
    refused(
        &GOOD.replace(
            "work_ms = 5.0",
            "work_ms = { dist = \"uniform\", low = 5, hgh = 6 }",
        ),
        &[],
        &["`workload.work_ms.hgh`", "did you mean `high`"],
    );
}

#[test]
fn unknown_policy_is_refused_with_the_choices() {
    refused(
        &GOOD.replace("\"random\"", "\"fastest\""),
        &[],
        &[
            "`coordinator.policy`",
            "expected one of",
            "\"earliest_finish\"",
            "\"fastest\"",
        ],
    );
}

#[test]
fn bad_overrides_are_refused_and_name_the_override() {
    refused(
        GOOD,
        &["--set", "coordinator.policy=fastest"],
        &["--set coordinator.policy=fastest", "`coordinator.policy`"],
    );
    refused(
        GOOD,
        &["--set", "peers.nope.count=3"],
        &["no peer group named `nope`", "group0, b"],
    );
    refused(GOOD, &["--set", "policy"], &["expected PATH=VALUE"]);
}

#[test]
fn missing_file_and_check_exit_with_two() {
    let out = p2c2g(&["run", "no/such/file.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.toml"));
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    fs::write(&bad, GOOD.replace("count = 3", "count = -3")).unwrap();
    let out = p2c2g(&[
        "check",
        repo("scenarios/poc.toml").to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok: "));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`peers[0].count`"));
}

#[test]
fn duplicate_keys_are_refused_by_name() {
    refused(
        &GOOD.replace("renters = 2", "renters = 2\nrenters = 3"),
        &[],
        &["bad.toml:6:1", "not valid TOML: duplicate key `renters`"],
    );
    refused(
        &format!("{GOOD}\n[coordinator]\nmax_attempts = 2\n"),
        &[],
        &["duplicate key `coordinator`"],
    );
}

#[test]
fn a_file_that_is_not_utf8_is_refused_where_it_stops_being_so() {
    let mut bytes = GOOD
        .replace("count = 3", "count = 3\ngroup = \"caf\"")
        .into_bytes();
    let at = bytes.windows(4).position(|w| w == b"caf\"").unwrap() + 3;
    bytes.insert(at, 0xe9); // é in Latin-1
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.toml");
    fs::write(&file, bytes).unwrap();
    let out = p2c2g(&["check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml:13:13: not UTF-8 text"),
        "{stderr}"
    );
}

/// Runs `p2c2g run` on the bundled proof of concept into `out`, prepared by
/// `prepare`, and returns the message of its failure (exit code 1).
fn write_failure(prepare: impl FnOnce(&Path), extra: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    fs::create_dir_all(&out).unwrap();
    prepare(&out);
    let ran = p2c2g_into("run", &repo("scenarios/poc.toml"), &out, extra);
    let stderr = String::from_utf8_lossy(&ran.stderr).replace(out.to_str().unwrap(), "OUT");
    assert_eq!(ran.status.code(), Some(1), "{stderr}");
    crate::golden::says_it_once(&stderr).unwrap();
    stderr
}

#[test]
fn a_failure_to_write_names_the_file_and_says_why_once() {
    let stderr = write_failure(
        |out| fs::create_dir_all(out.join("frames.csv.partial")).unwrap(),
        &[],
    );
    assert!(
        stderr.starts_with("error: OUT/frames.csv.partial: cannot create the file: "),
        "{stderr}"
    );
    // Someone's summary.csv (a folder here), replaced with --force.
    let stderr = write_failure(
        |out| fs::create_dir_all(out.join("summary.csv/taken")).unwrap(),
        &["--force"],
    );
    assert!(
        stderr.starts_with("error: OUT/summary.csv: cannot move the new file into place: "),
        "{stderr}"
    );
    // The folder of an earlier run of the same scenario, whose frames.csv
    // (a folder here) this run does not write.
    let stderr = write_failure(
        |out| {
            ok(p2c2g_into(
                "run",
                &repo("scenarios/poc.toml"),
                out,
                &["--no-charts"],
            ));
            fs::remove_file(out.join("frames.csv")).unwrap();
            fs::create_dir_all(out.join("frames.csv/taken")).unwrap();
        },
        &["--no-frames"],
    );
    assert!(
        stderr.starts_with("error: OUT/frames.csv: cannot remove the old file: "),
        "{stderr}"
    );
    let stderr = write_failure(|out| fs::write(out.join("charts"), "").unwrap(), &[]);
    assert!(
        stderr.starts_with("error: OUT/charts: cannot create the folder: "),
        "{stderr}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let taken = tmp.path().join("taken");
    fs::write(&taken, "").unwrap();
    let ran = p2c2g_into("run", &repo("scenarios/poc.toml"), &taken, &[]);
    assert_eq!(ran.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(
        stderr.contains("taken: cannot create the output folder: "),
        "{stderr}"
    );
}

/// A write that fails for real while a run streams its files (the file
/// size limit of the shell, like a disk that fills up): exit code 1, a
/// message naming the file, and no results, half-written or not.
#[cfg(unix)]
#[test]
fn a_write_that_fails_mid_run_leaves_no_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let ran = bash(&format!(
        "trap '' XFSZ; ulimit -f 64; exec \"$P\" run scenarios/baseline.toml --no-charts -q --out {}",
        out.display()
    ));
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(".csv.partial: cannot write the file: File too large"),
        "{stderr}"
    );
    crate::golden::says_it_once(&stderr).unwrap();
    let left: Vec<String> = fs::read_dir(&out)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn bench_says_why_its_run_failed() {
    // The runs write into the temporary folder, here under a file.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    fs::write(&file, "").unwrap();
    let ran = std::process::Command::new(env!("CARGO_BIN_EXE_p2c2g"))
        .args([
            "bench",
            repo("scenarios/poc.toml").to_str().unwrap(),
            "--repeat",
            "1",
        ])
        .env("TMPDIR", &file)
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(
        stderr.contains("poc.toml: the run failed (exit status: 1): ")
            && stderr.contains("p2c2g-bench-")
            && stderr.contains(": cannot create the output folder: "),
        "{stderr}"
    );
    crate::golden::says_it_once(&stderr).unwrap();
}

/// Runs `script` in bash with `$P` the p2c2g binary, from the repository.
fn bash(script: &str) -> std::process::Output {
    std::process::Command::new("bash")
        .args(["-c", script])
        .env("P", env!("CARGO_BIN_EXE_p2c2g"))
        .current_dir(repo(""))
        .output()
        .unwrap()
}

#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    for command in [
        format!(
            "\"$P\" run scenarios/poc.toml --out {} --no-charts",
            out.display()
        ),
        "\"$P\" check scenarios/poc.toml scenarios/baseline.toml scenarios/sweeps/policies.toml"
            .into(),
        "\"$P\" completions bash".into(),
    ] {
        let piped = bash(&format!(
            "{command} | head -c 0; echo \"exit ${{PIPESTATUS[0]}}\""
        ));
        let stdout = String::from_utf8_lossy(&piped.stdout);
        let stderr = String::from_utf8_lossy(&piped.stderr);
        assert!(stdout.contains("exit 0"), "{command}: {stdout} {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("error"),
            "{command}: {stderr}"
        );
        let full = bash(&format!("{command} > /dev/full"));
        let stderr = String::from_utf8_lossy(&full.stderr);
        assert_eq!(full.status.code(), Some(1), "{command}: {stderr}");
        assert!(
            stderr.contains("standard output: cannot write: No space left on device"),
            "{command}: {stderr}"
        );
    }
}

#[test]
fn ctrl_c_during_a_run_keeps_nothing_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("long");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_p2c2g"))
        .args(["run", repo("scenarios/baseline.toml").to_str().unwrap()])
        .args([
            "--set",
            "simulation.duration_s=3000",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !out.join("timeseries.csv.partial").exists() {
        assert!(started.elapsed().as_secs() < 30, "the run did not start");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let ended = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&ended.stderr);
    assert_eq!(ended.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: the run stopped before its end; nothing of it was written"),
        "{stderr}"
    );
    let left: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn daily_habits_of_the_command_line() {
    // --version names the commit it was built from.
    let (version, _) = ok(p2c2g(&["--version"]));
    let commit = version
        .trim()
        .rsplit_once('(')
        .map(|(_, c)| c.trim_end_matches(')'))
        .unwrap();
    assert!(
        commit == "unknown" || commit.trim_end_matches("-dirty").len() == 12,
        "{version}"
    );
    // Completion scripts for the usual shells.
    for shell in ["bash", "zsh", "fish"] {
        let (script, _) = ok(p2c2g(&["completions", shell]));
        assert!(
            script.contains("p2c2g") && script.contains("sweep"),
            "{shell}"
        );
    }
    // A scenario from standard input.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("stdin");
    let piped = bash(&format!(
        "cat scenarios/poc.toml | \"$P\" run - --out {} -q --no-charts",
        out.display()
    ));
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    assert!(
        piped.stderr.is_empty() && piped.stdout.is_empty(),
        "-q says nothing"
    );
    let from_file = tmp.path().join("file");
    ok(p2c2g(&[
        "run",
        repo("scenarios/poc.toml").to_str().unwrap(),
        "--out",
        from_file.to_str().unwrap(),
        "-q",
        "--no-charts",
    ]));
    assert_eq!(
        fs::read_to_string(out.join("frames.csv")).unwrap(),
        fs::read_to_string(from_file.join("frames.csv")).unwrap()
    );
    // A sweep file given to run is sent to sweep; check takes it.
    let policies = repo("scenarios/sweeps/policies.toml");
    let wrong = p2c2g(&[
        "run",
        policies.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr)
        .contains("is a sweep file (it has a [sweep] table): run it with `p2c2g sweep"));
    let (checked, _) = ok(p2c2g(&["check", policies.to_str().unwrap()]));
    assert!(
        checked.contains("ok: ") && checked.contains("36 points x 5 replications"),
        "{checked}"
    );
    // --jobs is bounded.
    let many = p2c2g(&[
        "sweep",
        policies.to_str().unwrap(),
        "--jobs",
        "18446744073709551615",
    ]);
    assert_eq!(many.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&many.stderr).contains("for '--jobs <N>'"));
    let many = p2c2g(&["sweep", policies.to_str().unwrap(), "--jobs", "2000"]);
    assert_eq!(many.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&many.stderr).contains("2000 is not in 1..=1024"));
}

/// Timeouts of attempts already answered hold no memory: an M/D/1 run of
/// 1.6 million tasks needs no more with a timeout of almost three hours
/// (800,000 answered attempts' timeouts pending at any time) than with one
/// of a second. Peak memory from run_info.csv.
#[test]
fn answered_timeouts_hold_no_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let peak = |timeout: &str| -> f64 {
        let out = tmp.path().join(timeout);
        ok(p2c2g(&[
            "run",
            repo("scenarios/textbook/md1.toml").to_str().unwrap(),
            "--set",
            "simulation.duration_s=20000",
            "--set",
            &format!("coordinator.timeout_ms={timeout}"),
            "--no-charts",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ]));
        let info = fs::read_to_string(out.join("run_info.csv")).unwrap();
        let mut lines = info.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let row: Vec<&str> = lines.next().unwrap().split(',').collect();
        let at = header.iter().position(|h| *h == "peak_rss_mb").unwrap();
        row[at].parse().unwrap()
    };
    let (short, long) = (peak("1e3"), peak("1e7"));
    // Without dropping them, the long timeout needs about 58 MiB more.
    assert!(long < short + 10.0, "{long} MiB against {short} MiB");
}

#[test]
fn an_input_file_larger_than_the_limit_is_refused_before_it_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("big.toml");
    let mut text = GOOD.to_string();
    let line = format!("# {}\n", "padding ".repeat(12));
    while text.len() <= 11_000_000 {
        text += &line;
    }
    fs::write(&file, &text).unwrap();
    let out = p2c2g(&["check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "big.toml: the file is 11.0 MB, more than the limit of 10.0 MB for an input file; \
             --force lifts the limit"
        ),
        "{stderr}"
    );
    // Lifted, the same file is read.
    let forced = p2c2g::scenario::load_with(&file, &[], &p2c2g::scenario::Limits::forced());
    assert!(forced.is_ok(), "{:?}", forced.err());
}

#[test]
fn limits_are_lifted_by_force_or_raised_one_at_a_time() {
    use p2c2g::scenario::{load_with, Limits};
    let huge = repo("tests/golden/refused/huge_peers.toml");
    let refused = load_with(&huge, &[], &Limits::default()).unwrap_err();
    assert!(
        refused.to_string().contains("10000000 peers: about 6.0 GB"),
        "{refused}"
    );
    let forced = load_with(&huge, &[], &Limits::forced()).unwrap();
    assert!(forced.cost().memory_bytes > 5e9);
    // Raised one at a time: memory, then the output (peers.csv of ten
    // million rows).
    let more_memory = Limits {
        memory_bytes: 1e10,
        ..Limits::default()
    };
    let refused = load_with(&huge, &[], &more_memory).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("would write about 1.0 GB of files, more than the limit of 1.0 GB"),
        "{refused}"
    );
    let more_output = Limits {
        output_bytes: 2e9,
        ..more_memory
    };
    assert!(load_with(&huge, &[], &more_output).is_ok());
    // Validity is not a cost: force does not lift it.
    let beyond = load_with(
        &huge,
        &["peers.0.jitter_ms=9e15".to_string()],
        &Limits::forced(),
    )
    .unwrap_err();
    assert!(beyond.to_string().contains("at most 1e13 ms"), "{beyond}");
}

#[test]
fn the_estimates_follow_what_a_run_writes_and_holds() {
    // Within a small factor of what the golden runs wrote.
    let baseline = load(
        "scenarios/baseline.toml",
        &sets(&[
            ("simulation.duration_s", "2".into()),
            ("simulation.warmup_s", "0.5".into()),
        ]),
    );
    let cost = baseline.cost();
    let written: u64 = [
        "frames.csv",
        "peers.csv",
        "timeseries.csv",
        "latency_hist.csv",
    ]
    .iter()
    .map(|f| {
        fs::metadata(repo("tests/golden/runs/baseline").join(f))
            .unwrap()
            .len()
    })
    .sum();
    let ratio = cost.output_bytes / written as f64;
    assert!((0.8..4.0).contains(&ratio), "{cost:?} for {written} bytes");
    // The frames file goes with `output.frames`.
    let without = load(
        "scenarios/baseline.toml",
        &sets(&[("output.frames", "false".into())]),
    );
    assert!(without.cost().output_bytes < baseline.cost().output_bytes);
    assert!(without
        .cost()
        .output
        .iter()
        .all(|p| p.key != "output.frames"));
}

#[test]
fn the_resolved_scenario_runs_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let overrides = [
        "simulation.duration_s=2",
        "simulation.warmup_s=0.5",
        "simulation.seed=7",
        "coordinator.policy=power_of_d",
        "peers.home_gpu.count=20",
        "workload.deadline_ms={ dist = \"normal\", mean = 120, sd = 30 }",
    ];
    let sets: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let scenario = load("scenarios/baseline.toml", &sets);
    let resolved = tmp.path().join("scenario.toml");
    fs::write(&resolved, scenario.resolved_toml()).unwrap();

    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let mut args = vec!["--trace"];
    for s in &overrides {
        args.extend(["--set", s]);
    }
    run_to(&a, repo("scenarios/baseline.toml").to_str().unwrap(), &args);
    run_to(&b, resolved.to_str().unwrap(), &["--trace"]);
    for file in [
        "summary.csv",
        "frames.csv",
        "peers.csv",
        "timeseries.csv",
        "latency_hist.csv",
        "attempts.csv",
    ] {
        assert_eq!(read(&a, file), read(&b, file), "{file}");
    }
    let text = fs::read_to_string(&resolved).unwrap();
    for line in [
        "seed = 7",
        "policy = \"power_of_d\"",
        "deadline_ms = { dist = \"normal\", mean = 120.0, sd = 30.0 }",
        "[[peers]]\ngroup = \"home_gpu\"\ncount = 20\n",
        "[output]\nframes = true\n",
        "d = 2",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
}

#[test]
fn degenerate_distributions_are_refused_with_the_key_and_what_was_expected() {
    let cases: [(&str, &[&str]); 6] = [
        (
            "speed = { dist = \"gamma\", mean = 1e100, sd = 1e-100 }",
            &["`peers[0].speed`", "too far apart for a gamma"],
        ),
        (
            "speed = { dist = \"lognormal\", mean = 1, sd = 1e300 }",
            &["`peers[0].speed`"],
        ),
        (
            "latency_ms = { dist = \"weibull\", scale = 1, shape = 0.01 }",
            &["`peers[0].latency_ms`", "at most 1e13 ms"],
        ),
        (
            "latency_ms = { dist = \"pareto\", scale = 1, shape = 0.9 }",
            &["`peers[0].latency_ms`", "mean is infinite", "shape > 1"],
        ),
        (
            "latency_ms = { dist = \"uniform\", low = -1e308, high = 1e308 }",
            &["`peers[0].latency_ms`"],
        ),
        (
            "slots = { dist = \"normal\", mean = 60000, sd = 1000 }",
            &["`peers[0].slots`", "from 1 to 65536"],
        ),
    ];
    for (line, expect) in cases {
        refused(
            &GOOD.replace("count = 3", &format!("count = 3\n{line}")),
            &[],
            expect,
        );
    }
    refused(
        &GOOD.replace(
            "work_ms = 5.0",
            "work_ms = 5.0\ndeadline_ms = { dist = \"normal\", mean = -5, sd = 1 }",
        ),
        &[],
        &["`workload.deadline_ms`", "expected a mean >= 0, found -5"],
    );
}

#[test]
fn a_normal_time_reports_the_mean_of_its_clamped_draws() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("n.toml");
    fs::write(
        &file,
        GOOD.replace(
            "work_ms = 5.0",
            "work_ms = 5.0\ndeadline_ms = { dist = \"normal\", mean = 0, sd = 10 }",
        ),
    )
    .unwrap();
    let s = p2c2g::scenario::load(&file, &[]).unwrap();
    // E[max(X, 0)] for X ~ N(0, 10): 10 / sqrt(2 pi).
    let mean = s.config.workload.deadline_ms.mean();
    assert!(
        (mean - 10.0 / (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-12,
        "{mean}"
    );
    let (report, _) = run(&s);
    assert_eq!(report.summary.deadline_mean_ms, mean);
}

#[test]
fn names_that_cannot_name_a_folder_are_refused_by_check() {
    for (name, expect) in [
        ("a/b".to_string(), "expected a name of letters"),
        ("..".to_string(), "expected a name of letters"),
        ("é".repeat(101), "at most 200 bytes"),
    ] {
        refused(
            &GOOD.replace(
                "duration_s = 1.0",
                &format!("duration_s = 1.0\nname = \"{name}\""),
            ),
            &[],
            &["`simulation.name`", expect],
        );
    }
}

#[test]
fn a_peer_group_is_named_by_its_index_or_its_name_by_one_rule() {
    // Digits alone are an index, written without leading zeros.
    refused(GOOD, &["--set", "peers.00.count=3"], &["not a group index"]);
    refused(GOOD, &["--set", "peers.01.count=3"], &["not a group index"]);
    refused(
        GOOD,
        &["--set", "peers.+0.count=3"],
        &["no peer group named `+0`"],
    );
    refused(GOOD, &["--set", "peers.2.count=3"], &["no peer group 2"]);
    // A group's name may not be a number, so an index never means a name.
    refused(
        &GOOD.replace("group = \"b\"", "group = \"0\""),
        &[],
        &["`peers[1].group`", "not a number"],
    );
    refused(
        &GOOD.replace("group = \"b\"", "group = \"007\""),
        &[],
        &["`peers[1].group`", "not a number"],
    );
    // Names with digits and letters are names.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("g.toml");
    fs::write(&file, GOOD.replace("group = \"b\"", "group = \"1b\"")).unwrap();
    let s = p2c2g::scenario::load(
        &file,
        &["peers.1b.count=7".into(), "peers.0.count=4".into()],
    )
    .unwrap();
    let counts: Vec<u32> = s.config.peer_groups.iter().map(|g| g.count).collect();
    assert_eq!(counts, [4, 7]);
}

#[test]
fn an_unknown_key_made_by_an_override_blames_the_override() {
    refused(
        GOOD,
        &["--set", "nonexistent.key=1"],
        &["bad.toml (from --set nonexistent.key=1): `nonexistent`: unknown key at the top level"],
    );
    refused(
        GOOD,
        &["--set", "coordinator.scor.latency=1"],
        &[
            "(from --set coordinator.scor.latency=1): `coordinator.scor`: unknown key in `coordinator`; did you mean `score`?",
        ],
    );
}

#[test]
fn a_long_bad_value_is_cut_in_the_message() {
    let long = "x".repeat(5000);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.toml");
    fs::write(&file, GOOD.replace("\"random\"", &format!("\"{long}\""))).unwrap();
    let out = p2c2g(&["check", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("...\" (5000 characters)"), "{stderr}");
    assert!(stderr.len() < 600, "{} bytes: {stderr}", stderr.len());
    // A long unknown key, and a long override, likewise.
    fs::write(
        &file,
        GOOD.replace("policy = ", &format!("{long} = 1\npolicy = ")),
    )
    .unwrap();
    let stderr =
        String::from_utf8_lossy(&p2c2g(&["check", file.to_str().unwrap()]).stderr).into_owned();
    assert!(stderr.contains("...` (5012 characters)"), "{stderr}");
    assert!(stderr.len() < 600, "{} bytes: {stderr}", stderr.len());
    let set = format!("coordinator.policy={long}");
    let out = p2c2g_into(
        "run",
        &repo("tests/golden/refused/good.toml"),
        &tmp.path().join("o"),
        &["--set", &set],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.len() < 800, "{} bytes: {stderr}", stderr.len());
    assert!(stderr.contains("(5019 characters)"), "{stderr}");
}
