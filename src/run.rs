//! One run, from a validated scenario to a folder of results: the folder
//! is claimed (it must be new, empty, or hold the same scenario's
//! results), the files are staged as the simulation streams its records,
//! committed only when it has succeeded, with `scenario.toml` (the
//! scenario as it ran) and `run_info.csv` (what made them); then the charts
//! are drawn from them. The command line only chooses the options and
//! prints what happened.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::model::{Report, Simulation};
use crate::output::charts::{self, ChartError};
use crate::output::folder::{self, FolderError};
use crate::output::{self, CsvRecorder, FileError, RunInfo, Staging, RUN_FILES};
use crate::scenario::Scenario;

/// Where to write, and how. What to write is the scenario's `[output]`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub out: PathBuf,
    /// A progress bar on standard error (when it is a terminal).
    pub progress: bool,
    /// Write over the results of something else in `out`.
    pub force: bool,
    /// The command line, for run_info.csv.
    pub command: String,
}

/// A finished run.
#[derive(Debug)]
pub struct RunOutcome {
    pub report: Report,
    pub info: RunInfo,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Folder(#[from] FolderError),
    #[error(transparent)]
    Charts(#[from] ChartError),
    /// Stopped by a signal: nothing of this run was kept.
    #[error("interrupted: nothing was written to {}", out.display())]
    Interrupted { out: PathBuf },
}

/// Set when a stop is asked for; runs look at it every 65,536 events.
static STOP: AtomicBool = AtomicBool::new(false);

/// Asks runs in progress to stop (from a signal handler): they remove what
/// they staged and return [`RunError::Interrupted`].
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

/// Whether a stop was asked for.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Runs `scenario` into `opts.out`.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunOutcome, RunError> {
    let cfg = &scenario.config;
    let resolved = scenario.resolved_toml();
    let claim = folder::claim_run(&opts.out, &resolved, &RUN_FILES, opts.force)?;
    let mut staging = Staging::create(&opts.out)?;
    let out = &scenario.output;
    let mut recorder = match CsvRecorder::new(&mut staging, out.frames, out.attempts) {
        Ok(r) => r,
        Err(e) => {
            staging.abandon();
            return Err(e.into());
        }
    };
    let progress = if opts.progress {
        crate::progress::bar(cfg.horizon().as_ms() as u64, "ms simulated")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let started = Instant::now();
    let mut stopped = false;
    let report = Simulation::new(cfg).run_while(&mut recorder, |t| {
        progress.set_position(t.as_ms() as u64);
        stopped = stop_requested();
        !stopped
    });
    let wall_s = started.elapsed().as_secs_f64();
    progress.finish_and_clear();
    if stopped {
        drop(recorder);
        staging.abandon();
        return Err(RunError::Interrupted {
            out: opts.out.clone(),
        });
    }

    let s = &report.summary;
    let info = RunInfo {
        scenario: cfg.name.clone(),
        seed: cfg.seed,
        version: env!("CARGO_PKG_VERSION"),
        wall_s,
        events: s.events,
        events_per_s: s.events as f64 / wall_s,
        tasks_per_s: s.tasks as f64 / wall_s,
        peak_rss_mb: output::peak_rss_mb(),
        commit: output::COMMIT,
        command: opts.command.clone(),
        scenario_sha256: crate::digest::sha256_hex(resolved.as_bytes()),
        inputs: scenario
            .inputs
            .iter()
            .map(|i| format!("{}={}", i.path.display(), i.sha256))
            .collect::<Vec<_>>()
            .join(";"),
    };
    let written = recorder
        .finish()
        .and_then(|()| staging.text(folder::SCENARIO_FILE, &resolved))
        .and_then(|()| output::write_report(&mut staging, &report, &info));
    if let Err(e) = written {
        staging.abandon();
        return Err(e.into());
    }
    staging.commit(claim.may_tidy())?;
    if claim.may_tidy() {
        charts::clear(&opts.out)?;
    }
    if out.charts {
        charts::draw_run(&opts.out, out.format)?;
    }
    Ok(RunOutcome { report, info })
}
