//! What a results folder says about itself, and whose it is: every run
//! folder holds the scenario as it ran, which runs again to the same
//! bytes; results are never written over someone else's.

use std::fs;
use std::path::Path;

use crate::common::*;

/// The CSV files of a folder (run_info.csv aside), by name.
fn csvs(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .filter(|p| !p.ends_with("run_info.csv"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// `p2c2g run DIR/scenario.toml --out OTHER` gives every CSV file byte for
/// byte, whatever overrides, seed and output flags made the first folder.
#[test]
fn the_scenario_of_a_run_folder_runs_again_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 3] = [
        ("scenarios/poc.toml", &["--trace", "--seed", "7"]),
        (
            "scenarios/baseline.toml",
            &[
                "--set",
                "simulation.duration_s=3",
                "--set",
                "simulation.warmup_s=1",
                "--set",
                "coordinator.policy=power_of_d",
                "--no-frames",
            ],
        ),
        (
            "scenarios/textbook/mm1.toml",
            &[
                "--set",
                "workload.work_ms={ dist = \"gamma\", mean = 8, sd = 3 }",
            ],
        ),
    ];
    for (i, (scenario, extra)) in cases.iter().enumerate() {
        let first = tmp.path().join(format!("first{i}"));
        let mut args = extra.to_vec();
        args.push("--no-charts");
        ok(p2c2g_into("run", &repo(scenario), &first, &args));
        let again = tmp.path().join(format!("again{i}"));
        ok(p2c2g_into(
            "run",
            &first.join("scenario.toml"),
            &again,
            &["--no-charts"],
        ));
        assert_eq!(csvs(&first), csvs(&again), "{scenario} {extra:?}");
        assert_eq!(
            fs::read_to_string(first.join("scenario.toml")).unwrap(),
            fs::read_to_string(again.join("scenario.toml")).unwrap()
        );
    }
}

/// run_info.csv says what made the results: the command line, the version
/// and commit of the program, and the fingerprints of the scenario as it
/// ran and of every file read.
#[test]
fn run_info_says_what_made_the_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("poc");
    ok(p2c2g_into(
        "run",
        &repo("scenarios/poc.toml"),
        &out,
        &["--seed", "3"],
    ));
    let mut r = csv::Reader::from_path(out.join("run_info.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let row: Vec<String> = r
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    let at = |c: &str| &row[header.iter().position(|h| h == c).unwrap()];
    assert!(at("command").contains("run") && at("command").contains("--seed 3"));
    assert_eq!(at("version"), env!("CARGO_PKG_VERSION"));
    let commit = at("commit");
    assert!(
        commit == "unknown" || commit.trim_end_matches("-dirty").len() == 12,
        "{commit}"
    );
    let resolved = fs::read(out.join("scenario.toml")).unwrap();
    assert_eq!(at("scenario_sha256"), &p2c2g::digest::sha256_hex(&resolved));
    let original = fs::read(repo("scenarios/poc.toml")).unwrap();
    assert!(
        at("inputs").ends_with(&format!(
            "poc.toml={}",
            p2c2g::digest::sha256_hex(&original)
        )),
        "{}",
        at("inputs")
    );
}

/// Results go into a folder that is new, empty, or holds the same
/// scenario's results; anything else is refused (exit 2, saying what is
/// there) unless --force; files p2c2g did not write are never removed.
#[test]
fn results_are_never_written_over_someone_elses() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("mmc");
    // Two scenarios named mmc: the second does not replace the first.
    ok(p2c2g_into(
        "run",
        &repo("scenarios/textbook/mmc.toml"),
        &out,
        &["--no-charts"],
    ));
    let before = csvs(&out);
    let refused = p2c2g_into(
        "run",
        &repo("scenarios/bench/mmc.toml"),
        &out,
        &["--no-charts"],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("holds the results of another scenario (`mmc`"),
        "{stderr}"
    );
    assert_eq!(csvs(&out), before, "nothing touched");
    // The same scenario again (other output flags) simply replaces them.
    ok(p2c2g_into(
        "run",
        &repo("scenarios/textbook/mmc.toml"),
        &out,
        &["--no-charts", "--trace"],
    ));
    assert!(out.join("attempts.csv").exists());
    // --force replaces another's.
    ok(p2c2g_into(
        "run",
        &repo("scenarios/bench/mmc.toml"),
        &out,
        &["--no-charts", "--force", "--set", "simulation.duration_s=1"],
    ));

    // A run does not go into a sweep's folder.
    let swept = tmp.path().join("swept");
    ok(p2c2g_into(
        "sweep",
        &repo("tests/golden/sweep.toml"),
        &swept,
        &["--no-charts"],
    ));
    let refused = p2c2g_into("run", &repo("scenarios/poc.toml"), &swept, &["--no-charts"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("holds a sweep's results (sweep.toml)"),
        "{stderr}"
    );

    // A user's own frames.csv, in a folder p2c2g never wrote, is kept.
    let mine = tmp.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("frames.csv"), "my own\n").unwrap();
    let refused = p2c2g_into("run", &repo("scenarios/poc.toml"), &mine, &["--no-frames"]);
    assert_eq!(refused.status.code(), Some(2));
    ok(p2c2g_into(
        "run",
        &repo("scenarios/poc.toml"),
        &mine,
        &["--no-frames", "--force"],
    ));
    assert_eq!(
        fs::read_to_string(mine.join("frames.csv")).unwrap(),
        "my own\n"
    );
    assert!(mine.join("summary.csv").exists());
}

/// A link planted in an output folder is refused, and nothing is written
/// through it.
#[cfg(unix)]
#[test]
fn a_link_planted_in_the_output_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    let outside = tmp.path().join("outside.csv");
    fs::write(&outside, "keep\n").unwrap();
    for name in ["summary.csv.partial", "summary.csv", "runs.journal.csv"] {
        std::os::unix::fs::symlink(&outside, out.join(name)).unwrap();
        let ran = p2c2g_into("run", &repo("scenarios/poc.toml"), &out, &["--force"]);
        let stderr = String::from_utf8_lossy(&ran.stderr);
        assert_eq!(ran.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains("is a link"), "{stderr}");
        assert_eq!(fs::read_to_string(&outside).unwrap(), "keep\n");
        fs::remove_file(out.join(name)).unwrap();
    }
}
