//! Helpers shared by the integration tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use p2c2g::model::{Recorder, Report, Sample, Simulation};
use p2c2g::scenario::{self, Scenario};

pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Loads a bundled scenario with `--set` style overrides.
pub fn load(path: &str, sets: &[String]) -> Scenario {
    scenario::load(&repo(path), sets).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs the `p2c2g` binary.
pub fn p2c2g(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_p2c2g"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs `p2c2g COMMAND FILE --quiet --out OUT EXTRA...`.
pub fn p2c2g_into(command: &str, file: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        command,
        file.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    p2c2g(&args)
}

/// Asserts that a command succeeded (showing its standard error if not)
/// and returns its standard output and standard error.
pub fn ok(out: Output) -> (String, String) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Keeps the time series only.
#[derive(Default)]
pub struct Samples(pub Vec<Sample>);

impl Recorder for Samples {
    fn sample(&mut self, s: &Sample) {
        self.0.push(s.clone());
    }
}

pub fn run(scenario: &Scenario) -> (Report, Vec<Sample>) {
    let mut samples = Samples::default();
    let report = Simulation::new(&scenario.config).run(&mut samples);
    (report, samples.0)
}

/// The 0.9995 quantile of Student's t: a two-sided 99.9% interval.
pub fn t_999(df: usize) -> f64 {
    match df {
        19 => 3.883,
        29 => 3.659,
        39 => 3.558,
        _ => panic!("no t quantile tabulated for {df} degrees of freedom"),
    }
}

/// Mean and 99.9% confidence half-width of independent replications.
pub fn interval(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, t_999(xs.len() - 1) * (var / n).sqrt())
}

pub fn sets(pairs: &[(&str, String)]) -> Vec<String> {
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect()
}

/// A CSV file's rows, each by column name.
pub fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
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
