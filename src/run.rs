//! One run, from a validated scenario to a folder of results: the files
//! are staged as the simulation streams its records, committed only when
//! it has succeeded, then the charts are drawn from them. The command line
//! only chooses the options and prints what happened.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::model::{Report, Simulation};
use crate::output::charts::{self, ChartError, Format};
use crate::output::{self, CsvRecorder, FileError, RunInfo, Staging};
use crate::scenario::Scenario;

/// What to write, and where.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub out: PathBuf,
    /// frames.csv, one row per counted frame.
    pub frames: bool,
    /// attempts.csv, one row per attempt.
    pub attempts: bool,
    /// Charts in this format, or none.
    pub charts: Option<Format>,
    /// A progress bar on standard error (when it is a terminal).
    pub progress: bool,
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
    let mut staging = Staging::create(&opts.out)?;
    let mut recorder = match CsvRecorder::new(&mut staging, opts.frames, opts.attempts) {
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
    };
    let written = recorder
        .finish()
        .and_then(|()| output::write_report(&mut staging, &report, &info));
    if let Err(e) = written {
        staging.abandon();
        return Err(e.into());
    }
    staging.commit()?;
    charts::clear(&opts.out)?;
    if let Some(format) = opts.charts {
        charts::draw_run(&opts.out, format)?;
    }
    Ok(RunOutcome { report, info })
}
