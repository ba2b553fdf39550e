//! `p2c2g seek`: the smallest value of a key whose 95% bound meets a
//! target, checked against a brute-force scan of every value of the range
//! (a sweep over all of them, with the same seeds), and its refusals of
//! bad input.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::common::*;

/// M/M/c at 300 tasks/s of 10 ms: a peer more never makes a task wait
/// longer (the same arrivals and work at every count), so the metrics
/// below move one way with the count. Short runs: a probe takes
/// milliseconds.
const SETS: [&str; 4] = [
    "simulation.duration_s=10",
    "simulation.drain_s=5",
    "workload.fps=300",
    "workload.deadline_ms=25",
];

fn seek(extra: &[&str]) -> std::process::Output {
    let file = repo("scenarios/textbook/mmc.toml");
    let mut args = vec!["seek", file.to_str().unwrap()];
    for s in SETS {
        args.extend(["--set", s]);
    }
    args.extend_from_slice(extra);
    p2c2g(&args)
}

/// points.csv of a sweep over every count from `low` to `high`, by count.
fn brute_force(dir: &Path, low: u32, high: u32) -> BTreeMap<u32, BTreeMap<String, String>> {
    let counts: Vec<String> = (low..=high).map(|c| c.to_string()).collect();
    let sets: String = SETS
        .iter()
        .map(|s| {
            let (k, v) = s.split_once('=').unwrap();
            format!("\"{k}\" = {v}\n")
        })
        .collect();
    let file = dir.join("scan.toml");
    fs::write(
        &file,
        format!(
            "[sweep]\nname = \"scan\"\nscenario = {:?}\nreplications = 5\n[sweep.set]\n{sets}\
             [sweep.grid]\n\"peers.0.count\" = [{}]\n",
            repo("scenarios/textbook/mmc.toml").to_str().unwrap(),
            counts.join(", ")
        ),
    )
    .unwrap();
    let out = dir.join("scan");
    ok(p2c2g_into("sweep", &file, &out, &["--no-charts"]));
    let mut r = csv::Reader::from_path(out.join("points.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let row: BTreeMap<String, String> = header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect();
            (row["peers.0.count"].parse().unwrap(), row)
        })
        .collect()
}

/// A number as seek's table writes it.
fn shown(metric: &str, text: &str) -> String {
    let x: f64 = text.parse().unwrap();
    if metric.ends_with("_rate") {
        format!("{x:.4}")
    } else if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

#[test]
fn seek_finds_what_a_scan_of_every_value_finds() {
    let tmp = tempfile::tempdir().unwrap();
    let (low, high) = (1, 16);
    let scan = brute_force(tmp.path(), low, high);
    let cases = [
        ("frame_latency_mean_ms", "<=", 12.0),
        ("deadline_hit_rate", ">=", 0.9),
        ("frame_latency_p99_ms", "<=", 55.0),
    ];
    for (metric, op, target) in cases {
        // Brute force: whether each count meets the target by its bound,
        // with every replication giving a value.
        let meets = |c: u32| {
            let row = &scan[&c];
            let number = |col: &str| row[&format!("{metric}{col}")].parse::<f64>().ok();
            row[&format!("{metric}_n")] == row["runs"]
                && match op {
                    ">=" => number("_ci95_low").is_some_and(|b| b >= target),
                    _ => number("_ci95_high").is_some_and(|b| b <= target),
                }
        };
        let met: Vec<u32> = (low..=high).filter(|&c| meets(c)).collect();
        let smallest = *met.first().expect("the target is met somewhere");
        // The scan is one-way here, so the smallest is the answer, and
        // it is inside the range: bisection is what finds it.
        assert_eq!(met, (smallest..=high).collect::<Vec<_>>(), "{metric}");
        assert!(smallest > low + 1, "{metric}: {smallest}");

        let target_text = format!("{metric} {op} {target}");
        let range = format!("{low}..{high}");
        let (stdout, _) = ok(seek(&[
            "--key",
            "peers.0.count",
            "--range",
            &range,
            "--target",
            &target_text,
        ]));
        let answer = format!("answer: peers.0.count = {smallest} (");
        assert!(stdout.contains(&answer), "{answer}\n{stdout}");
        assert!(
            stdout.contains(&format!("the value below it, {}, does not", smallest - 1)),
            "{stdout}"
        );
        // Each probe is the scan's point: the same seeds, the same numbers.
        let probes: Vec<&str> = stdout
            .lines()
            .filter(|l| l.starts_with("  ") && (l.ends_with(" yes") || l.ends_with(" no")))
            .collect();
        assert!(probes.len() >= 4 && probes.len() < 8, "{stdout}");
        for line in probes {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let count: u32 = fields[1].parse().unwrap();
            let row = &scan[&count];
            let mean = &row[&format!("{metric}_mean")];
            let expected = if mean.is_empty() {
                "-".to_string()
            } else {
                let mut e = shown(metric, mean);
                let (lo, hi) = (
                    &row[&format!("{metric}_ci95_low")],
                    &row[&format!("{metric}_ci95_high")],
                );
                if !lo.is_empty() {
                    e += &format!(" [{}, {}]", shown(metric, lo), shown(metric, hi));
                }
                e
            };
            assert!(line.contains(&expected), "{line}: expected {expected}");
            let says = if meets(count) { "yes" } else { "no" };
            assert_eq!(fields.last(), Some(&says), "{line}");
        }
    }
}

#[test]
fn a_target_out_of_reach_is_said_so() {
    let (stdout, _) = ok(seek(&[
        "--key",
        "peers.0.count",
        "--range",
        "1..3",
        "--target",
        "frame_latency_mean_ms <= 12",
    ]));
    assert!(
        stdout.contains("out of reach: at peers.0.count = 3, the high end of 1..3"),
        "{stdout}"
    );
    assert!(!stdout.contains("answer:"));
    // Met at the low end already: that is the answer.
    let (stdout, _) = ok(seek(&[
        "--key",
        "peers.0.count",
        "--range",
        "10..20",
        "--target",
        "frame_latency_mean_ms <= 12",
    ]));
    assert!(stdout.contains("answer: peers.0.count = 10 ("), "{stdout}");
    assert!(
        stdout.contains("it is the low end of the range"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().filter(|l| l.ends_with("yes")).count(), 1);
}

#[test]
fn a_real_key_is_sought_on_a_grid() {
    // The work shrinks with speed: on a grid of speeds from 0.5 to 2.5 in
    // steps of 0.1, the slowest that keeps the mean under 12 ms.
    let (stdout, _) = ok(seek(&[
        "--key",
        "peers.0.speed",
        "--range",
        "0.5..2.5",
        "--step",
        "0.1",
        "--target",
        "frame_latency_mean_ms <= 12",
        "--set",
        "peers.0.count=3",
    ]));
    let answer = stdout
        .lines()
        .find_map(|l| l.strip_prefix("answer: peers.0.speed = "))
        .unwrap_or_else(|| panic!("{stdout}"));
    let value: f64 = answer.split_whitespace().next().unwrap().parse().unwrap();
    assert!(value > 0.5 && value < 2.5, "{stdout}");
    // A value of the grid, written as it is set.
    assert!(
        ((value * 10.0).round() - value * 10.0).abs() < 1e-9,
        "{value}"
    );
    assert!(
        stdout.contains("of 21 values probed (a grid of 21 values)"),
        "{stdout}"
    );
}

#[test]
fn bad_input_is_refused_with_what_was_expected() {
    let cases: [(&[&str], &str); 10] = [
        (
            &[
                "--key",
                "peers.0.count",
                "--range",
                "1..9",
                "--target",
                "deadline_hit_rat >= 0.9",
            ],
            "did you mean `deadline_hit_rate`",
        ),
        (
            &[
                "--key",
                "peers.0.count",
                "--range",
                "9..1",
                "--target",
                "deadline_hit_rate >= 0.9",
            ],
            "expected LOW..HIGH with LOW < HIGH",
        ),
        (
            &[
                "--key",
                "peers.0.count",
                "--range",
                "1..9",
                "--target",
                "deadline_hit_rate = 0.9",
            ],
            "expected METRIC >= VALUE or METRIC <= VALUE",
        ),
        (
            &[
                "--key",
                "peers.0.cont",
                "--range",
                "1..9",
                "--target",
                "deadline_hit_rate >= 0.9",
            ],
            "peers.0.cont",
        ),
        (
            &[
                "--key",
                "coordinator.policy",
                "--range",
                "1..9",
                "--target",
                "deadline_hit_rate >= 0.9",
            ],
            "coordinator.policy",
        ),
        (
            &[
                "--key",
                "peers.0.count",
                "--range",
                "1..9",
                "--target",
                "deadline_hit_rate >= 0.9",
                "--replications",
                "1",
            ],
            "--replications",
        ),
        (
            &[
                "--key",
                "peers.0.count",
                "--range",
                "1..9",
                "--target",
                "deadline_hit_rate >= 0.9",
                "--step",
                "0.5",
            ],
            "--step 0.5: expected a number above 0, whole, as the key takes whole numbers",
        ),
        (
            &[
                "--key",
                "peers.0.count",
                "--range",
                "10..20.5",
                "--target",
                "deadline_hit_rate >= 0.9",
            ],
            "--range 10..20.5: the key takes whole numbers, so its ends must be whole",
        ),
        (
            &[
                "--key",
                "peers.0.count",
                "--range",
                "1..9",
                "--target",
                "cost_total <= 1",
            ],
            "this scenario does not measure `cost_total`",
        ),
        (
            &[
                "--key",
                "peers.0.count",
                "--range",
                "0..99999999",
                "--target",
                "deadline_hit_rate >= 0.9",
            ],
            "peers",
        ),
    ];
    for (args, says) in cases {
        let out = seek(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {says} not in {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing probed");
    }
}
