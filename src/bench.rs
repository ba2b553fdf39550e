//! `p2c2g bench`: whole runs of fixed workloads, each run as a child
//! process so that its time is the process's, from start to exit.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

use crate::output::FileError;

/// The bundled workloads: (a) to (d) of the performance table.
pub const WORKLOADS: [&str; 4] = [
    "scenarios/bench/mmc.toml",
    "scenarios/bench/supermarket.toml",
    "scenarios/baseline.toml",
    "scenarios/bench/large.toml",
];

/// Why a workload could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{}: cannot start it to run {}", exe.display(), file.display())]
    Start {
        exe: PathBuf,
        file: PathBuf,
        source: std::io::Error,
    },
    /// The run's own message (its standard error, less its `error: `).
    #[error("{}: the run failed ({status}){}", file.display(), if message.is_empty() { String::new() } else { format!(": {message}") })]
    Failed {
        file: PathBuf,
        status: ExitStatus,
        message: String,
    },
    #[error(transparent)]
    Read(#[from] FileError),
    #[error("{}: no column `{column}`", file.display())]
    MissingColumn { file: PathBuf, column: String },
    #[error("{} has no rows", file.display())]
    Empty { file: PathBuf },
}

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
pub fn measure(exe: &Path, file: &Path, repeat: usize) -> Result<Measurement, BenchError> {
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
        // Standard error is kept for a failure's message: a line of
        // figures otherwise, which costs nothing to collect.
        let ran = Command::new(exe)
            .arg("run")
            .arg(file)
            .args(["--quiet", "--no-charts", "--no-frames", "--out"])
            .arg(&scratch)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|source| BenchError::Start {
                exe: exe.to_path_buf(),
                file: file.to_path_buf(),
                source,
            })?;
        walls.push(started.elapsed().as_secs_f64());
        if !ran.status.success() {
            let stderr = String::from_utf8_lossy(&ran.stderr);
            let message = stderr.trim();
            return Err(BenchError::Failed {
                file: file.to_path_buf(),
                status: ran.status,
                message: message
                    .strip_prefix("error: ")
                    .unwrap_or(message)
                    .to_string(),
            });
        }
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

/// A number in the first row of a CSV file (0 when empty).
fn column(file: &Path, name: &str) -> Result<f64, BenchError> {
    let unreadable = |e: csv::Error| FileError::csv(file, "read the file", e);
    let mut r = csv::Reader::from_path(file).map_err(unreadable)?;
    let at = r
        .headers()
        .map_err(unreadable)?
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| BenchError::MissingColumn {
            file: file.to_path_buf(),
            column: name.to_string(),
        })?;
    let row = r
        .records()
        .next()
        .ok_or_else(|| BenchError::Empty {
            file: file.to_path_buf(),
        })?
        .map_err(unreadable)?;
    Ok(row[at].parse().unwrap_or(0.0))
}
