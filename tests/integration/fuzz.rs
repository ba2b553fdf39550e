//! Mutation fuzzing, in process and bounded in time: the bundled scenario
//! and sweep files, mutated (lines deleted, duplicated, swapped or
//! inserted, numbers made extreme, strings swapped, unknown keys, the text
//! cut short), are fed to the reader. It must answer Ok or Err, never
//! panic; and whatever it accepts must, once its cost is checked and its
//! run made short, run as `p2c2g run` does (files and charts) within a
//! time bound and a memory bound, and write no number that is not finite
//! or is -0.0.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use p2c2g::output::sweep::{metric_columns, HEADLINE_METRICS};
use p2c2g::run::{run, RunOptions};
use p2c2g::scenario::{Limits, Scenario, Source, SweepFile};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

use crate::common::repo;
use crate::meter;

/// The files mutated: every bundled scenario and sweep file.
const SEEDS: &[&str] = &[
    "scenarios/baseline.toml",
    "scenarios/poc.toml",
    "scenarios/churn.toml",
    "scenarios/links.toml",
    "scenarios/tail.toml",
    "scenarios/trust.toml",
    "scenarios/regions.toml",
    "scenarios/textbook/mm1.toml",
    "scenarios/textbook/mmc.toml",
    "scenarios/textbook/md1.toml",
    "scenarios/textbook/supermarket.toml",
    "scenarios/bench/mmc.toml",
    "scenarios/bench/supermarket.toml",
    "scenarios/bench/large.toml",
    "scenarios/bench/wave2.toml",
    "tests/golden/refused/good.toml",
    "scenarios/sweeps/policies.toml",
    "scenarios/sweeps/timeouts.toml",
    "scenarios/sweeps/paired.toml",
    "scenarios/sweeps/churn.toml",
    "scenarios/sweeps/tiles.toml",
    "scenarios/sweeps/hedging.toml",
    "scenarios/sweeps/quorum.toml",
    "scenarios/sweeps/cost.toml",
    "scenarios/sweeps/forgetting.toml",
    "scenarios/sweeps/staleness.toml",
    "scenarios/bench/sweep_overhead.toml",
    "tests/golden/sweep.toml",
];

/// Numbers a mutation puts in place of one.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "-1e308",
    "1e-300",
    "nan",
    "inf",
    "-inf",
    "18446744073709551616",
    "9223372036854775807",
    "-0.0",
    "0.0004",
    "1e15",
    "65537",
    "10000000",
    "2.5",
    "1e9",
    "100000",
    "1",
    "0.5",
];

/// Strings a mutation puts in place of one.
fn strings() -> Vec<String> {
    let mut s: Vec<String> = [
        "",
        "random",
        "x",
        "../x",
        "0",
        "a/b",
        "reliability",
        "gamma",
        "pareto",
        "choice",
        "silent",
        "edf",
        "per_peer",
        "power_of_d",
        "ewma",
        "beta",
        "poisson",
        "png",
        "..",
        "weibull",
        "normal",
    ]
    .iter()
    .map(|s| format!("{s:?}"))
    .collect();
    s.push(format!("\"{}\"", "a".repeat(5000)));
    s
}

/// Lines a mutation inserts: unknown keys, tables, and the absurd and
/// degenerate values the issues found.
const LINES: &[&str] = &[
    "unknown_key = 1",
    "[output]",
    "[[peers]]",
    "[simulation]",
    "[coordinator]",
    "speed = { dist = \"gamma\", mean = 1e100, sd = 1e-100 }",
    "deadline_ms = { dist = \"weibull\", scale = 1, shape = 0.001 }",
    "deadline_ms = { dist = \"normal\", mean = -5, sd = 1 }",
    "deadline_ms = { dist = \"pareto\", scale = 1, shape = 0.5 }",
    "jitter_ms = 9e15",
    "latency_ms = 1e12",
    "return_ms = { dist = \"exponential\", mean = 1e11 }",
    "sample_ms = 0.0004",
    "count = 10000000",
    "count = 0",
    "timeout_ms = 1e8",
    "timeout_ms = 1e-300",
    "latency_ms = { dist = \"pareto\", scale = 1, shape = 1.05 }",
    "slots = { dist = \"exponential\", mean = 3000 }",
    "slots = { dist = \"normal\", mean = -5, sd = 3 }",
    "work_ms = { dist = \"choice\", values = [1e308, 1e308] }",
    "work_ms = { dist = \"choice\", values = [1, 2], weights = [1e308, 1e308] }",
    "backoff_ms = { dist = \"lognormal\", mean = 1, sd = 1e200 }",
    "work_ms = { dist = \"uniform\", low = -1e308, high = 1e308 }",
    "renters = 1000000",
    "fps = 1000000",
    "tasks_per_frame = 100000",
    "d = 4294967295",
    "max_attempts = 1000",
    "reliability = { dist = \"uniform\", low = 0, high = 1 }",
    "speed = 1e-300",
    "speed = 1e300",
    "work_ms = 1e-300",
    "work_ms = 1e12",
    "exclude_below = 1",
    "initial = \"reliability\"",
    "\"peers.0.count\" = [0, 1, 10000000]",
    "\"simulation.seed\" = [18446744073709551615]",
    "\"peers.00.count\" = [1]",
    "\"nonexistent.key\" = [1]",
    "replications = 100000",
    "scenario = \"\"",
    "metrics = [\"nope\"]",
];

#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    InsertLine(usize, usize),
    Number(usize, usize),
    String(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = 0usize..10_000;
    prop_oneof![
        1 => n.clone().prop_map(Mutation::DeleteLine),
        1 => n.clone().prop_map(Mutation::DuplicateLine),
        1 => (n.clone(), n.clone()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        3 => (n.clone(), 0..LINES.len()).prop_map(|(a, b)| Mutation::InsertLine(a, b)),
        4 => (n.clone(), 0..NUMBERS.len()).prop_map(|(a, b)| Mutation::Number(a, b)),
        2 => (n.clone(), 0..22usize).prop_map(|(a, b)| Mutation::String(a, b)),
        1 => n.prop_map(Mutation::Truncate),
    ]
}

/// Byte ranges of the numbers in `text` (outside comments and strings,
/// roughly: a run of number characters that starts a token).
fn numbers(text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = (bytes[i].is_ascii_digit() || bytes[i] == b'-')
            && (i == 0 || b" =[,{".contains(&bytes[i - 1]));
        if starts {
            let mut j = i + 1;
            while j < bytes.len()
                && (bytes[j].is_ascii_alphanumeric() || b".+-_".contains(&bytes[j]))
            {
                j += 1;
            }
            found.push(i..j);
            i = j;
        } else {
            i += 1;
        }
    }
    found
}

/// Byte ranges of the basic strings in `text`, quotes included.
fn quoted(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    let mut open = None;
    for (i, c) in text.char_indices() {
        match (c, open) {
            ('"', None) => open = Some(i),
            ('"', Some(start)) => {
                found.push(start..i + 1);
                open = None;
            }
            ('\n', _) => open = None,
            _ => {}
        }
    }
    found
}

fn mutate(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let n = lines.len().max(1);
    match *m {
        Mutation::DeleteLine(i) => {
            if !lines.is_empty() {
                lines.remove(i % n);
            }
        }
        Mutation::DuplicateLine(i) => {
            if !lines.is_empty() {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
        }
        Mutation::SwapLines(a, b) => {
            if !lines.is_empty() {
                lines.swap(a % n, b % n);
            }
        }
        Mutation::InsertLine(i, l) => lines.insert(i % (lines.len() + 1), LINES[l].into()),
        Mutation::Number(k, v) => {
            let found = numbers(text);
            if found.is_empty() {
                return text.to_string();
            }
            let r = found[k % found.len()].clone();
            return format!("{}{}{}", &text[..r.start], NUMBERS[v], &text[r.end..]);
        }
        Mutation::String(k, v) => {
            let found = quoted(text);
            if found.is_empty() {
                return text.to_string();
            }
            let r = found[k % found.len()].clone();
            let s = &strings()[v % strings().len()];
            return format!("{}{s}{}", &text[..r.start], &text[r.end..]);
        }
        Mutation::Truncate(at) => {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            return text[..at].to_string();
        }
    }
    lines.join("\n") + "\n"
}

/// What a fuzzed run may cost: a fraction of a second.
const RUN_LIMITS: Limits = Limits {
    memory_bytes: 64e6,
    events: 2e6,
    output_bytes: f64::INFINITY,
    input_bytes: 10_000_000,
    force: false,
};
/// A run that takes longer than this has hung.
const RUN_BOUND: Duration = Duration::from_secs(20);
/// The most a run may hold at once, charts included: twice what the
/// estimate of [`RUN_LIMITS`] lets through.
const MEMORY_BOUND: usize = 128 << 20;

/// What became of one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Refused,
    /// Accepted, but refused short or under [`RUN_LIMITS`].
    Accepted,
    /// Accepted and run.
    Ran,
}

/// Runs a scenario made short: its cost is checked against [`RUN_LIMITS`]
/// first, and the run (files and charts) must finish within [`RUN_BOUND`]
/// and [`MEMORY_BOUND`] with clean files.
fn run_short(path: &Path, text: &str) -> Result<Answer, TestCaseError> {
    let Ok(mut source) = Source::parse(path, text.to_string()) else {
        return Ok(Answer::Accepted);
    };
    for cap in [
        "simulation.duration_s=0.05",
        "simulation.warmup_s=0",
        "simulation.drain_s=0.2",
        "output.charts=true",
    ] {
        if source.set(cap).is_err() {
            return Ok(Answer::Accepted);
        }
    }
    let Ok(scenario) = source.validate_with(&RUN_LIMITS) else {
        return Ok(Answer::Accepted);
    };
    let dir = tempfile::tempdir().unwrap();
    let peak = run_bounded(&scenario, dir.path())?;
    clean(dir.path())?;
    PEAK.with(|p| p.set(p.get().max(peak)));
    Ok(Answer::Ran)
}

thread_local! {
    /// The most any run of this thread's test held.
    static PEAK: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs `scenario` into `out` as `p2c2g run` does, in a thread of its own
/// that must end within the time bound, having held no more than the
/// memory bound. Returns what it held at its peak.
fn run_bounded(scenario: &Scenario, out: &Path) -> Result<usize, TestCaseError> {
    let (tx, rx) = mpsc::channel();
    let scenario_owned = scenario.clone();
    let opts = RunOptions {
        out: out.to_path_buf(),
        progress: false,
        force: false,
        command: "fuzz".into(),
    };
    let started = Instant::now();
    std::thread::spawn(move || {
        meter::start();
        let result = run(&scenario_owned, &opts).map(|_| ());
        let _ = tx.send((result, meter::peak_bytes()));
    });
    let (result, peak) = rx.recv_timeout(RUN_BOUND).map_err(|_| {
        TestCaseError::fail(format!(
            "the run did not finish within {:?} ({:?}): {}",
            RUN_BOUND,
            started.elapsed(),
            scenario.resolved_toml()
        ))
    })?;
    prop_assert!(
        result.is_ok(),
        "the run failed: {}: {}",
        result.unwrap_err(),
        scenario.resolved_toml()
    );
    prop_assert!(
        peak <= MEMORY_BOUND,
        "the run held {} MiB at its peak: {}",
        peak >> 20,
        scenario.resolved_toml()
    );
    Ok(peak)
}

/// Every number in the run's CSV files is finite and none is -0.0. Names
/// (of the scenario, a group, a series) may look like numbers ("inf"):
/// their columns are left out, as is run_info.csv (the command line).
fn clean(dir: &Path) -> Result<(), TestCaseError> {
    const NAMES: &[&str] = &["scenario", "group", "series", "status", "outcome"];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".csv") || name == "run_info.csv" {
            continue;
        }
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&path)
            .unwrap();
        let headers = reader.headers().unwrap().clone();
        for (i, row) in reader.records().enumerate() {
            let row = row.unwrap();
            for (column, field) in headers.iter().zip(row.iter()) {
                if NAMES.contains(&column) {
                    continue;
                }
                if let Ok(x) = field.parse::<f64>() {
                    prop_assert!(x.is_finite(), "{name} row {i} {column}: {field}");
                    prop_assert!(
                        !(x == 0.0 && field.starts_with('-')),
                        "{name} row {i} {column}: -0"
                    );
                }
            }
        }
    }
    Ok(())
}

fn check(seed: usize, mutations: &[Mutation]) -> Result<Answer, TestCaseError> {
    let path: PathBuf = repo(SEEDS[seed]);
    let original = std::fs::read_to_string(&path).unwrap();
    let text = mutations.iter().fold(original, |t, m| mutate(&t, m));
    if original_is_sweep(seed) {
        let Ok(sweep) = SweepFile::parse(
            &path,
            text,
            &metric_columns(),
            &HEADLINE_METRICS,
            &Limits::default(),
        ) else {
            return Ok(Answer::Refused);
        };
        // One point, the last (its values differ most from the first's).
        let point = sweep.points.get(sweep.points.len() - 1);
        prop_assert_eq!(point.values.len(), sweep.keys.len());
        run_short(Path::new("point.toml"), &point.scenario.resolved_toml())
    } else {
        if Source::parse(&path, text.clone())
            .and_then(|s| s.validate())
            .is_err()
        {
            return Ok(Answer::Refused);
        }
        run_short(&path, &text)
    }
}

fn original_is_sweep(seed: usize) -> bool {
    SEEDS[seed].contains("sweep")
}

/// Cases tried: scenario files and sweep files alike.
const CASES_TRIED: u32 = 4000;

#[test]
fn mutated_inputs_are_answered_and_what_is_accepted_runs_cleanly() {
    let mut runner = TestRunner::new(ProptestConfig {
        cases: CASES_TRIED,
        max_shrink_iters: 500,
        ..ProptestConfig::default()
    });
    let seen = RefCell::new(BTreeMap::new());
    let started = Instant::now();
    let inputs = (0..SEEDS.len(), proptest::collection::vec(mutation(), 1..4));
    let result = runner.run(&inputs, |(seed, mutations)| {
        let answer = check(seed, &mutations)?;
        *seen.borrow_mut().entry(format!("{answer:?}")).or_insert(0) += 1;
        Ok(())
    });
    eprintln!(
        "fuzz: {CASES_TRIED} mutated inputs in {:.2} s: {:?}; the most a run held: {:.1} MiB",
        started.elapsed().as_secs_f64(),
        seen.borrow(),
        PEAK.with(std::cell::Cell::get) as f64 / f64::from(1 << 20)
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The mutations keep finding both answers, and accepted inputs run.
#[test]
fn the_fuzzer_reaches_both_answers() {
    let mut seen = BTreeMap::new();
    for seed in 0..SEEDS.len() {
        for k in 0..12 {
            let m = [Mutation::Number(k * 7, k % NUMBERS.len())];
            *seen
                .entry(format!("{:?}", check(seed, &m).unwrap()))
                .or_insert(0) += 1;
        }
    }
    eprintln!("fuzz, one extreme number per file: {seen:?}");
    for answer in ["Refused", "Ran"] {
        assert!(seen.get(answer).copied().unwrap_or(0) > 10, "{seen:?}");
    }
}
