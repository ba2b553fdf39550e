//! The resolved scenario (docs/model.md's "what a results folder says about
//! itself"): `Scenario::resolved_toml` writes every key with the value it
//! took, and reading that text back gives the same configuration, the same
//! text again and the same run, for every bundled scenario under overrides.

use std::fs;
use std::path::{Path, PathBuf};

use p2c2g::model::Simulation;
use p2c2g::scenario::{self, Scenario, Source};
use proptest::prelude::*;

use crate::common::repo;

/// Every bundled scenario (sweep files aside) and the golden good one.
fn bundled() -> Vec<PathBuf> {
    let mut files = vec![repo("tests/golden/refused/good.toml")];
    for dir in ["scenarios", "scenarios/textbook", "scenarios/bench"] {
        let mut found: Vec<PathBuf> = fs::read_dir(repo(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .filter(|p| !fs::read_to_string(p).unwrap().contains("[sweep]"))
            // Benchmark (e): its million peers take minutes to set up even
            // for a short run; its resolution is checked on its own below.
            .filter(|p| !p.ends_with("bench/metro.toml"))
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

/// Overrides that touch every kind of key, distribution and table; each
/// entry is applied whole.
const OVERRIDES: &[&[&str]] = &[
    &["simulation.seed=12345"],
    &[
        "coordinator.policy=earliest_finish",
        "coordinator.discipline=edf",
    ],
    &["coordinator.policy=power_of_d", "coordinator.d=1"],
    &[
        "coordinator.count=3",
        "coordinator.view=board",
        "coordinator.heartbeat_phase=sync",
        "reputation.half_life_s=30",
    ],
    &["peers.0.count=3", "peers.0.group=renamed"],
    &["peers.0.slots={ dist = \"choice\", values = [1, 2], weights = [1, 3] }"],
    &["workload.work_ms={ dist = \"lognormal\", mean = 5, sd = 2 }"],
    &["workload.deadline_ms={ dist = \"normal\", mean = 100, sd = 40 }"],
    &["coordinator.timeout_ms={ dist = \"weibull\", scale = 80, shape = 1.5 }"],
    &["coordinator.backoff_ms={ dist = \"pareto\", scale = 1, shape = 2.5 }"],
    &["reputation.model=ewma", "reputation.initial=reliability"],
    &["reputation.model=beta", "reputation.exclude_below=0.1"],
    &[
        "peers.0.failure=silent",
        "peers.0.reliability={ dist = \"uniform\", low = 0.5, high = 1 }",
    ],
    &["workload.arrival=poisson", "workload.tasks_per_frame=3"],
    &[
        "peers.0.speed={ dist = \"gamma\", mean = 1, sd = 0.25 }",
        "peers.0.latency_ms={ dist = \"exponential\", mean = 4 }",
    ],
    &[
        "output.frames=false",
        "output.attempts=true",
        "output.format=png",
    ],
    &[
        "simulation.duration_s=0.0333333333333333",
        "simulation.warmup_s=0.01",
    ],
    &["coordinator.score={ latency = 0.5, load = 2, reputation = 0 }"],
    &["peers.0.jitter_ms={ dist = \"uniform\", low = 0, high = 0.1 }"],
    &["workload.return_ms=-0.0", "reputation.success=1e-3"],
];

/// Short runs: a twentieth of a second of frames, a second to drain.
const SHORT: [&str; 3] = [
    "simulation.duration_s=0.05",
    "simulation.warmup_s=0",
    "simulation.drain_s=1",
];

/// Resolves, reads back and resolves again; the configurations, the texts
/// and the runs must be the same.
fn round_trip(file: &Path, sets: &[String]) -> Result<(), TestCaseError> {
    let first = scenario::load(file, sets).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let text = first.resolved_toml();
    // Read back from elsewhere: nothing may depend on the file's path.
    let again = Source::parse(Path::new("elsewhere/scenario.toml"), text.clone())
        .and_then(|s| s.validate())
        .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    prop_assert_eq!(&again.resolved_toml(), &text, "not a fixed point");
    prop_assert_eq!(format!("{:?}", again.config), format!("{:?}", first.config));
    prop_assert_eq!(again.output, first.output);
    prop_assert_eq!(report(&again), report(&first));
    Ok(())
}

fn report(s: &Scenario) -> String {
    format!("{:?}", Simulation::new(&s.config).run(&mut ()))
}

#[test]
fn every_bundled_scenario_resolves_to_a_fixed_point() {
    let files = bundled();
    assert!(files.len() >= 10, "{files:?}");
    for file in files {
        let s = scenario::load(&file, &[]).unwrap();
        let text = s.resolved_toml();
        let again = Source::parse(Path::new("scenario.toml"), text.clone())
            .unwrap()
            .validate()
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", file.display()));
        assert_eq!(again.resolved_toml(), text, "{}", file.display());
        assert_eq!(format!("{:?}", again.config), format!("{:?}", s.config));
        // Every table is there, defaults written out.
        for table in [
            "[simulation]",
            "[workload]",
            "[coordinator]",
            "[reputation]",
            "[[peers]]",
            "[output]",
        ] {
            assert!(text.contains(table), "{table} in {}", file.display());
        }
        for key in ["\nseed = ", "\nname = ", "\nsample_ms = ", "\nscore = {"] {
            assert!(text.contains(key), "{key:?} in {}", file.display());
        }
        // And it runs the same, made short.
        let short: Vec<String> = SHORT.iter().map(|s| s.to_string()).collect();
        round_trip(&file, &short).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
}

#[test]
fn the_metropolitan_benchmark_resolves_to_a_fixed_point() {
    let s = scenario::load(&repo("scenarios/bench/metro.toml"), &[]).unwrap();
    let text = s.resolved_toml();
    let again = Source::parse(Path::new("scenario.toml"), text.clone())
        .unwrap()
        .validate()
        .unwrap();
    assert_eq!(again.resolved_toml(), text);
    assert_eq!(format!("{:?}", again.config), format!("{:?}", s.config));
}

#[test]
fn a_replications_seed_is_in_its_resolved_scenario() {
    let mut s = crate::common::load("scenarios/poc.toml", &[]);
    s.set_seed(41);
    assert_eq!(s.config.seed, 41);
    assert!(s.resolved_toml().contains("\nseed = 41\n"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn resolving_reading_and_resolving_again_changes_nothing(
        file in 0..bundled().len(),
        picks in proptest::collection::vec(0..OVERRIDES.len(), 0..4),
    ) {
        let file = &bundled()[file];
        let mut sets: Vec<String> = SHORT.iter().map(|s| s.to_string()).collect();
        for &p in &picks {
            sets.extend(OVERRIDES[p].iter().map(|s| s.to_string()));
        }
        round_trip(file, &sets)?;
    }
}
