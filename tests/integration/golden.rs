//! The safety net: the exact bytes of every CSV file (run_info.csv aside,
//! which holds wall-clock figures) of a few runs and a sweep, and the exact
//! standard error of refused inputs, kept in `tests/golden/`.
//!
//! A refactor leaves them byte-identical. A change that is meant to alter
//! results re-blesses them, in a commit of its own that says why:
//!
//! ```sh
//! P2C2G_BLESS=1 cargo test --release golden
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::repo;

/// Runs whose CSV files are kept: (name, arguments before `--out`).
const RUNS: &[(&str, &[&str])] = &[
    ("poc", &["run", "scenarios/poc.toml", "--trace"]),
    (
        "baseline",
        &[
            "run",
            "scenarios/baseline.toml",
            "--set",
            "simulation.duration_s=2",
            "--set",
            "simulation.warmup_s=0.5",
        ],
    ),
    (
        "baseline_trace",
        &[
            "run",
            "scenarios/baseline.toml",
            "--trace",
            "--set",
            "workload.renters=4",
            "--set",
            "simulation.duration_s=1",
            "--set",
            "simulation.warmup_s=0.2",
            "--set",
            "simulation.sample_ms=50",
        ],
    ),
    (
        "sweep",
        &["sweep", "tests/golden/sweep.toml", "--jobs", "2"],
    ),
    // Crowded enough (about 80,000 events pending) that the event loop
    // asks for memory ahead of time: a hint that must change no byte.
    (
        "crowded",
        &[
            "run",
            "scenarios/bench/large.toml",
            "--set",
            "peers.0.count=2000",
            "--set",
            "workload.renters=2000",
            "--set",
            "simulation.duration_s=0.3",
            "--set",
            "simulation.warmup_s=0.1",
            "--set",
            "simulation.drain_s=0.5",
        ],
    ),
];

const REFUSED_DIR: &str = "tests/golden/refused";

/// Refused inputs: (name, arguments before `--out`), run from the
/// repository's root so that the paths in the messages are stable.
const REFUSED: &[(&str, &[&str])] = &[
    (
        "missing_file",
        &["run", "tests/golden/refused/no_such_file.toml"],
    ),
    ("not_toml", &["run", "tests/golden/refused/not_toml.toml"]),
    (
        "unknown_key",
        &["run", "tests/golden/refused/unknown_key.toml"],
    ),
    (
        "duplicate_key",
        &["run", "tests/golden/refused/duplicate_key.toml"],
    ),
    (
        "out_of_range",
        &["run", "tests/golden/refused/out_of_range.toml"],
    ),
    (
        "wrong_type",
        &["run", "tests/golden/refused/wrong_type.toml"],
    ),
    (
        "not_finite",
        &["run", "tests/golden/refused/not_finite.toml"],
    ),
    (
        "unknown_dist",
        &["run", "tests/golden/refused/unknown_dist.toml"],
    ),
    (
        "absurd_count",
        &["run", "tests/golden/refused/absurd_count.toml"],
    ),
    (
        "too_many_tasks",
        &["run", "tests/golden/refused/too_many_tasks.toml"],
    ),
    (
        "set_without_value",
        &["run", "tests/golden/refused/good.toml", "--set", "policy"],
    ),
    (
        "set_unknown_group",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "peers.nope.count=3",
        ],
    ),
    (
        "set_unknown_policy",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "coordinator.policy=fastest",
        ],
    ),
    (
        "check_one_bad",
        &[
            "check",
            "tests/golden/refused/good.toml",
            "tests/golden/refused/out_of_range.toml",
        ],
    ),
    (
        "sweep_unknown_key",
        &["sweep", "tests/golden/refused/sweep_unknown_key.toml"],
    ),
    (
        "sweep_bad_value",
        &["sweep", "tests/golden/refused/sweep_bad_value.toml"],
    ),
    (
        "sweep_missing_scenario",
        &["sweep", "tests/golden/refused/sweep_missing_scenario.toml"],
    ),
    ("not_utf8", &["run", "tests/golden/refused/not_utf8.toml"]),
    (
        "set_duplicate_key",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "workload.work_ms={ dist = \"uniform\", low = 1, low = 2 }",
        ],
    ),
    (
        "check_missing_file",
        &[
            "check",
            "tests/golden/refused/good.toml",
            "tests/golden/refused/no_such_file.toml",
        ],
    ),
    // Valid-looking absurd inputs, refused up front with what they cost.
    (
        "too_much_memory",
        &["run", "tests/golden/refused/huge_peers.toml"],
    ),
    (
        "too_much_output",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "simulation.duration_s=10",
            "--set",
            "simulation.drain_s=0",
            "--set",
            "simulation.sample_ms=0.0004",
        ],
    ),
    (
        "check_too_much_memory",
        &[
            "check",
            "tests/golden/refused/good.toml",
            "tests/golden/refused/huge_peers.toml",
        ],
    ),
    (
        "beyond_the_clock",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "peers.0.jitter_ms=9e15",
        ],
    ),
    (
        "after_the_horizon",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "peers.b.latency_ms={ dist = \"uniform\", low = 1e9, high = 2e9 }",
        ],
    ),
    (
        "processing_beyond_the_clock",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "workload.work_ms=1e6",
            "--set",
            "peers.0.speed=1e-8",
        ],
    ),
    // Degenerate distributions.
    (
        "degenerate_gamma",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "peers.0.speed={ dist = \"gamma\", mean = 1e100, sd = 1e-100 }",
        ],
    ),
    (
        "infinite_mean",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "workload.deadline_ms={ dist = \"weibull\", scale = 100, shape = 0.001 }",
        ],
    ),
    (
        "negative_normal_time",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "workload.deadline_ms={ dist = \"normal\", mean = -5, sd = 1 }",
        ],
    ),
    (
        "slots_beyond_the_maximum",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "peers.0.slots={ dist = \"uniform\", low = 1, high = 70000 }",
        ],
    ),
    (
        "speed_too_slow",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "peers.0.speed={ dist = \"exponential\", mean = 1 }",
        ],
    ),
    // Messages: long values, names that cannot be folders, where an
    // override came from, and one rule for peers.N.
    (
        "long_value",
        &["run", "tests/golden/refused/long_value.toml"],
    ),
    (
        "long_name",
        &["check", "tests/golden/refused/long_name.toml"],
    ),
    (
        "set_unknown_table",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "nonexistent.key=1",
        ],
    ),
    (
        "set_index_with_zeros",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "peers.00.count=3",
        ],
    ),
    (
        "set_index_with_sign",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "peers.+0.count=3",
        ],
    ),
    (
        "group_named_like_an_index",
        &[
            "run",
            "tests/golden/refused/good.toml",
            "--set",
            "peers.b.group=\"0\"",
        ],
    ),
    (
        "sweep_empty_scenario",
        &["sweep", "tests/golden/refused/sweep_empty_scenario.toml"],
    ),
    (
        "sweep_too_big",
        &["sweep", "tests/golden/refused/huge_sweep.toml"],
    ),
    (
        "sweep_zip_unequal",
        &["sweep", "tests/golden/refused/sweep_zip_unequal.toml"],
    ),
    (
        "sweep_zip_in_grid",
        &["sweep", "tests/golden/refused/sweep_zip_in_grid.toml"],
    ),
    // Exit code 1 from here: results on disk that cannot be read.
    ("plot_without_results", &["plot", "tests/golden/refused"]),
    (
        "plot_without_info",
        &["plot", "tests/golden/refused/sweep_without_info"],
    ),
    (
        "merge_without_info",
        &["merge", "tests/golden/refused/sweep_without_info"],
    ),
    (
        "merge_bad_info",
        &["merge", "tests/golden/refused/bad_info"],
    ),
    (
        "churn_neither",
        &["check", "tests/golden/refused/churn_neither.toml"],
    ),
    (
        "churn_both",
        &["check", "tests/golden/refused/churn_both.toml"],
    ),
    (
        "churn_infinite_mean",
        &["check", "tests/golden/refused/churn_infinite_mean.toml"],
    ),
    (
        "churn_trace_overlap",
        &["check", "tests/golden/refused/churn_trace_overlap.toml"],
    ),
    (
        "churn_trace_beyond",
        &["check", "tests/golden/refused/churn_trace_beyond.toml"],
    ),
    (
        "churn_trace_header",
        &["check", "tests/golden/refused/churn_trace_header.toml"],
    ),
    (
        "churn_notice_on_crash",
        &["check", "tests/golden/refused/churn_notice_on_crash.toml"],
    ),
    (
        "links_negative_size",
        &["check", "tests/golden/refused/links_negative_size.toml"],
    ),
    (
        "links_zero_bandwidth",
        &["check", "tests/golden/refused/links_zero_bandwidth.toml"],
    ),
    (
        "links_negative_bandwidth",
        &[
            "check",
            "tests/golden/refused/links_negative_bandwidth.toml",
        ],
    ),
    (
        "links_bandwidth_to_zero",
        &["check", "tests/golden/refused/links_bandwidth_to_zero.toml"],
    ),
    (
        "copies_beyond_attempts",
        &["check", "tests/golden/refused/copies_beyond_attempts.toml"],
    ),
    (
        "copies_beyond_peers",
        &["check", "tests/golden/refused/copies_beyond_peers.toml"],
    ),
    (
        "hedge_not_positive",
        &["check", "tests/golden/refused/hedge_not_positive.toml"],
    ),
    (
        "quorum_beyond_attempts",
        &["check", "tests/golden/refused/quorum_beyond_attempts.toml"],
    ),
    (
        "wrong_above_one",
        &["check", "tests/golden/refused/wrong_above_one.toml"],
    ),
    (
        "cost_negative_price",
        &["check", "tests/golden/refused/cost_negative_price.toml"],
    ),
    (
        "cost_normal_price",
        &["check", "tests/golden/refused/cost_normal_price.toml"],
    ),
    (
        "cost_negative_power",
        &["check", "tests/golden/refused/cost_negative_power.toml"],
    ),
    (
        "cost_power_not_a_table",
        &["check", "tests/golden/refused/cost_power_not_a_table.toml"],
    ),
    (
        "cost_unknown_billing",
        &["check", "tests/golden/refused/cost_unknown_billing.toml"],
    ),
    (
        "cost_negative_revenue",
        &["check", "tests/golden/refused/cost_negative_revenue.toml"],
    ),
    (
        "half_life_zero",
        &["check", "tests/golden/refused/half_life_zero.toml"],
    ),
    (
        "coordinators_zero",
        &["check", "tests/golden/refused/coordinators_zero.toml"],
    ),
    (
        "view_unknown",
        &["check", "tests/golden/refused/view_unknown.toml"],
    ),
];

fn blessing() -> bool {
    std::env::var_os("P2C2G_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Runs the binary from the repository's root; `run` and `sweep` get
/// `--quiet --no-charts --out OUT`, `merge` gets `--no-charts --out OUT`.
fn p2c2g_at_root(args: &[&str], out: &Path) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_p2c2g"));
    command.current_dir(repo("")).args(args);
    match args[0] {
        "run" | "sweep" => {
            command.args(["--quiet", "--no-charts", "--out"]).arg(out);
        }
        "merge" => {
            command.args(["--no-charts", "--out"]).arg(out);
        }
        _ => {}
    }
    command.output().expect("the binary runs")
}

/// Checks that each message of `stderr` says each thing once: no part of
/// `context: cause: cause` repeats the part before it, and the system's
/// reason (`(os error N)`) appears at most once.
pub fn says_it_once(stderr: &str) -> Result<(), String> {
    for line in stderr.lines() {
        let parts: Vec<&str> = line.split(": ").collect();
        if let Some(w) = parts.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("`{}` said twice in: {line}", w[0]));
        }
        if line.matches("(os error").count() > 1 {
            return Err(format!("the cause said twice in: {line}"));
        }
    }
    Ok(())
}

/// The CSV files of a folder that are deterministic, by name.
fn csv_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".csv") && n != "run_info.csv")
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Where two texts first differ, for the failure message.
fn first_difference(expected: &str, got: &str) -> String {
    for (i, (e, g)) in expected.lines().zip(got.lines()).enumerate() {
        if e != g {
            return format!("line {}:\n  expected {e}\n  got      {g}", i + 1);
        }
    }
    format!(
        "{} lines expected, {} found",
        expected.lines().count(),
        got.lines().count()
    )
}

/// Compares `got` with the golden file at `path`, or writes it when blessing.
fn compare(path: &Path, got: &str, failures: &mut Vec<String>) {
    if blessing() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, got).unwrap();
        return;
    }
    match fs::read_to_string(path) {
        Ok(expected) if expected == got => {}
        Ok(expected) => failures.push(format!(
            "{} differs at {}",
            path.display(),
            first_difference(&expected, got)
        )),
        Err(e) => failures.push(format!("{}: {e}", path.display())),
    }
}

#[test]
fn golden_files_are_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (name, args) in RUNS {
        let out = tmp.path().join(name);
        let ran = p2c2g_at_root(args, &out);
        assert!(
            ran.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&ran.stderr)
        );
        let golden: PathBuf = repo("tests/golden/runs").join(name);
        let made = csv_files(&out);
        if blessing() {
            let _ = fs::remove_dir_all(&golden);
        } else if made != csv_files(&golden) {
            failures.push(format!(
                "{name}: files {made:?}, golden files {:?}",
                csv_files(&golden)
            ));
        }
        for file in made {
            let got = fs::read_to_string(out.join(&file)).unwrap();
            compare(&golden.join(&file), &got, &mut failures);
        }
    }
    for (name, args) in REFUSED {
        let out = tmp.path().join("refused").join(name);
        let ran = p2c2g_at_root(args, &out);
        let got = format!(
            "exit code {}\n{}",
            ran.status.code().map_or("none".into(), |c| c.to_string()),
            String::from_utf8_lossy(&ran.stderr)
        );
        assert!(!out.exists(), "{name}: a refused input wrote {out:?}");
        if let Err(e) = says_it_once(&got) {
            failures.push(format!("{name}: {e}"));
        }
        compare(
            &repo(REFUSED_DIR).join(format!("{name}.stderr")),
            &got,
            &mut failures,
        );
    }
    assert!(
        failures.is_empty(),
        "{} golden files differ (re-bless with P2C2G_BLESS=1 cargo test --release golden, \
         in a commit of its own that says why):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
