//! What a run's charts are drawn from: its CSV files, read once with the
//! row types that wrote them.

use std::path::Path;

use serde::Deserialize;

use super::style::MAX_POINTS;
use super::ChartError;
use crate::model::{LatencyBucket, PeerReport, Summary};
use crate::output::rows::SampleRow;
use crate::output::FileError;

/// What the charts are drawn from: the CSV files of one run.
pub struct Run {
    pub summary: Summary,
    pub latency: Vec<LatencyBucket>,
    pub samples: Vec<SampleRow>,
    pub peers: Vec<PeerReport>,
}

fn read<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> Result<Vec<T>, ChartError> {
    let file = dir.join(name);
    let rows = csv::Reader::from_path(&file)
        .and_then(|mut r| r.deserialize().collect::<Result<Vec<T>, _>>())
        .map_err(|e| FileError::csv(&file, "read the file", e))?;
    Ok(rows)
}

impl Run {
    pub fn load(dir: &Path) -> Result<Run, ChartError> {
        let summary = read::<Summary>(dir, "summary.csv")?
            .into_iter()
            .next()
            .ok_or_else(|| ChartError::Empty {
                file: dir.join("summary.csv"),
            })?;
        Ok(Run {
            summary,
            latency: read(dir, "latency_hist.csv")?,
            samples: read(dir, "timeseries.csv")?,
            peers: read(dir, "peers.csv")?,
        })
    }

    /// Where counting starts and where new frames stop, in seconds.
    pub fn phases(&self) -> (f64, f64) {
        (self.summary.warmup_s, self.summary.duration_s)
    }
}

/// The latency axis: every bucket and the deadline, with a margin.
pub fn latency_range(run: &Run) -> (f64, f64) {
    let lo = run
        .latency
        .iter()
        .map(|r| r.lower_ms)
        .fold(f64::INFINITY, f64::min);
    let hi = run.latency.iter().map(|r| r.upper_ms).fold(0.0, f64::max);
    let hi = hi.max(run.summary.deadline_mean_ms);
    if lo.is_finite() && hi > 0.0 {
        ((lo * 0.8).max(0.01), hi * 1.25)
    } else {
        (0.1, 1000.0)
    }
}

/// Samples averaged over windows of equal length, at most `MAX_POINTS`:
/// `(t_s, queued, busy share, on-time rate, attempts/s, failovers/s, timeouts/s)`.
pub struct Window {
    pub t_s: f64,
    pub queued: f64,
    pub busy: f64,
    pub on_time: Option<f64>,
    pub attempts_per_s: f64,
    pub failovers_per_s: f64,
    pub timeouts_per_s: f64,
}

/// The windows of the run's time series.
pub fn windows(run: &Run) -> Vec<Window> {
    let rows = &run.samples;
    let k = rows.len().div_ceil(MAX_POINTS).max(1);
    let slots = run.summary.slots.max(1) as f64;
    let mut start_ms = 0.0;
    rows.chunks(k)
        .map(|chunk| {
            // Each row weighs as much as its interval is long.
            let from_ms = start_ms;
            let area = |level: fn(&SampleRow) -> f64| {
                let mut at = from_ms;
                let mut total = 0.0;
                for r in chunk {
                    total += level(r) * (r.t_ms - at);
                    at = r.t_ms;
                }
                total
            };
            let queued = area(|r| r.waiting_coordinator + r.waiting_peers);
            let busy = area(|r| r.running);
            let last = chunk.last().expect("chunks are not empty");
            let dt_ms = last.t_ms - from_ms;
            start_ms = last.t_ms;
            let count = |flow: fn(&SampleRow) -> u64| chunk.iter().map(flow).sum::<u64>();
            let delivered = count(|r| r.frames_delivered);
            let per_s = |n: u64| {
                if dt_ms > 0.0 {
                    n as f64 * 1000.0 / dt_ms
                } else {
                    0.0
                }
            };
            let mean = |area: f64| if dt_ms > 0.0 { area / dt_ms } else { 0.0 };
            Window {
                t_s: last.t_ms / 1000.0,
                queued: mean(queued),
                busy: mean(busy) / slots,
                on_time: (delivered > 0)
                    .then(|| count(|r| r.frames_on_time) as f64 / delivered as f64),
                attempts_per_s: per_s(count(|r| r.attempts)),
                failovers_per_s: per_s(count(|r| r.failovers)),
                timeouts_per_s: per_s(count(|r| r.timeouts)),
            }
        })
        .collect()
}
