//! `p2c2g bench`: whole runs of fixed workloads, each run as a child
//! process so that its time is the process's, from start to exit.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::Context;

/// The bundled workloads: (a) to (d) of the performance table.
pub const WORKLOADS: [&str; 4] = [
    "scenarios/bench/mmc.toml",
    "scenarios/bench/supermarket.toml",
    "scenarios/baseline.toml",
    "scenarios/bench/large.toml",
];

/// What `repeat` runs of one workload measured.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// Median wall time of the whole process.
    pub wall_s: f64,
    pub tasks: f64,
    pub events: f64,
    /// The largest peak resident memory of the runs.
    pub peak_rss_mb: f64,
}

/// Runs `exe run FILE` `repeat` times (no frames.csv, no charts).
pub fn measure(exe: &Path, file: &Path, repeat: usize) -> anyhow::Result<Measurement> {
    let scratch = std::env::temp_dir().join(format!("p2c2g-bench-{}", std::process::id()));
    let mut walls = Vec::new();
    let mut m = Measurement {
        wall_s: 0.0,
        tasks: 0.0,
        events: 0.0,
        peak_rss_mb: 0.0,
    };
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let status = Command::new(exe)
            .arg("run")
            .arg(file)
            .args(["--quiet", "--no-charts", "--no-frames", "--out"])
            .arg(&scratch)
            .stderr(Stdio::null())
            .status()
            .context("cannot start a run")?;
        walls.push(started.elapsed().as_secs_f64());
        anyhow::ensure!(status.success(), "{} failed", file.display());
        m.tasks = column(&scratch.join("summary.csv"), "tasks")?;
        m.events = column(&scratch.join("summary.csv"), "events")?;
        m.peak_rss_mb = m
            .peak_rss_mb
            .max(column(&scratch.join("run_info.csv"), "peak_rss_mb")?);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    walls.sort_by(f64::total_cmp);
    m.wall_s = walls[walls.len() / 2];
    Ok(m)
}

/// A number in the first row of a CSV file.
fn column(file: &Path, name: &str) -> anyhow::Result<f64> {
    let mut r = csv::Reader::from_path(file)?;
    let at = r
        .headers()?
        .iter()
        .position(|h| h == name)
        .with_context(|| format!("{} has no column {name}", file.display()))?;
    let row = r
        .records()
        .next()
        .with_context(|| format!("{} has no row", file.display()))??;
    Ok(row[at].parse().unwrap_or(0.0))
}
