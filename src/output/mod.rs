//! Output files: CSV rows streamed to disk as a run goes, so that memory
//! does not grow with the number of frames. Every file is first written as
//! `NAME.partial` and renamed only when the run has succeeded, so a folder
//! never holds half-written results.
//!
//! Errors name the file and what was being done with it; the system's
//! reason is their `source`, printed once after them.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use serde::Serialize;

pub mod charts;
pub mod sweep;

use crate::engine::SimTime;
use crate::model::{
    AttemptRecord, FrameRecord, LatencyBucket, PeerReport, Recorder, Report, Sample, Summary,
};

/// Files of one run's folder that this crate writes.
pub const RUN_FILES: [&str; 7] = [
    "summary.csv",
    "frames.csv",
    "peers.csv",
    "timeseries.csv",
    "latency_hist.csv",
    "attempts.csv",
    "run_info.csv",
];

type CsvOut = csv::Writer<BufWriter<File>>;

/// Where `name` is written in `dir` until the run has succeeded.
fn partial(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.partial"))
}

/// A file or folder that could not be read or written: which, and what was
/// being done with it. The reason (the system's) is the `source`.
///
/// ```
/// use p2c2g::output::FileError;
/// let e = FileError::new("out/summary.csv", "write the file", std::io::ErrorKind::StorageFull.into());
/// assert_eq!(e.to_string(), "out/summary.csv: cannot write the file");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot {doing}", path.display())]
pub struct FileError {
    pub path: PathBuf,
    /// What failed, after "cannot": `read the file`, `create the folder`, ...
    pub doing: &'static str,
    #[source]
    pub source: io::Error,
}

impl FileError {
    pub fn new(path: impl Into<PathBuf>, doing: &'static str, source: io::Error) -> FileError {
        FileError {
            path: path.into(),
            doing,
            source,
        }
    }

    /// The same from a CSV error: one of reading or writing is the system's
    /// error itself, any other (a malformed row) is kept whole.
    pub fn csv(path: impl Into<PathBuf>, doing: &'static str, source: csv::Error) -> FileError {
        FileError::new(path, doing, csv_cause(source))
    }

    /// A function that makes this error of an I/O error, for `map_err`.
    pub fn at<'a>(path: &'a Path, doing: &'static str) -> impl FnOnce(io::Error) -> FileError + 'a {
        move |source| FileError::new(path, doing, source)
    }
}

/// A CSV error as the I/O error it wraps, or as an I/O error of invalid
/// data (whose text is the CSV error's, said once).
fn csv_cause(e: csv::Error) -> io::Error {
    if !e.is_io_error() {
        return io::Error::new(io::ErrorKind::InvalidData, e);
    }
    let csv::ErrorKind::Io(io) = e.into_kind() else {
        unreachable!("is_io_error says it is one")
    };
    io
}

/// A folder being filled with the files of one run.
pub struct Staging {
    dir: PathBuf,
    written: Vec<&'static str>,
}

impl Staging {
    pub fn create(dir: &Path) -> Result<Staging, FileError> {
        fs::create_dir_all(dir).map_err(FileError::at(dir, "create the output folder"))?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            written: Vec::new(),
        })
    }

    fn partial(&self, name: &str) -> PathBuf {
        partial(&self.dir, name)
    }

    /// A CSV writer for `name`, to be renamed into place by [`commit`].
    ///
    /// [`commit`]: Staging::commit
    pub fn csv(&mut self, name: &'static str) -> Result<CsvOut, FileError> {
        let path = self.partial(name);
        let file = File::create(&path).map_err(FileError::at(&path, "create the file"))?;
        self.written.push(name);
        Ok(csv::Writer::from_writer(BufWriter::new(file)))
    }

    /// Writes `rows` to `name` in one go.
    pub fn write_rows<T: Serialize>(
        &mut self,
        name: &'static str,
        rows: &[T],
    ) -> Result<(), FileError> {
        let mut w = self.csv(name)?;
        let path = self.partial(name);
        for row in rows {
            w.serialize(row)
                .map_err(|e| FileError::csv(&path, "write the file", e))?;
        }
        w.flush().map_err(FileError::at(&path, "write the file"))
    }

    /// Moves every file into place and removes the files of an earlier run
    /// that this one did not write (a stale frames.csv, say).
    pub fn commit(self) -> Result<(), FileError> {
        for name in &self.written {
            let path = self.dir.join(name);
            fs::rename(self.partial(name), &path)
                .map_err(FileError::at(&path, "move the new file into place"))?;
        }
        for name in RUN_FILES {
            if !self.written.contains(&name) {
                let path = self.dir.join(name);
                match fs::remove_file(&path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => {
                        return Err(FileError::new(path, "remove the old file", e))
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Removes what was written: the run failed.
    pub fn abandon(self) {
        for name in &self.written {
            let _ = fs::remove_file(self.partial(name));
        }
    }
}

#[derive(Serialize)]
struct FrameRow {
    renter: u32,
    frame: u64,
    created_ms: f64,
    delivered_ms: Option<f64>,
    latency_ms: Option<f64>,
    deadline_ms: f64,
    status: &'static str,
}

#[derive(Serialize)]
struct AttemptRow {
    renter: u32,
    frame: u64,
    task: u32,
    attempt: u32,
    peer: u32,
    dispatched_ms: f64,
    reached_ms: Option<f64>,
    started_ms: Option<f64>,
    processed_ms: Option<f64>,
    resolved_ms: Option<f64>,
    outcome: &'static str,
    timed_out: bool,
    counted: bool,
}

/// One row of `timeseries.csv`: levels are time averages over the
/// interval ending at `t_ms`, flows are counts within it.
#[derive(Serialize)]
struct SampleRow {
    t_ms: f64,
    waiting_coordinator: f64,
    waiting_peers: f64,
    running: f64,
    in_flight: f64,
    backoff: f64,
    online_peers: f64,
    frames_created: u64,
    frames_delivered: u64,
    frames_on_time: u64,
    attempts: u64,
    failovers: u64,
    timeouts: u64,
}

/// The row of `run_info.csv`: how the run went on this machine. Not
/// deterministic, so kept apart from the other files.
#[derive(Debug, Serialize)]
pub struct RunInfo {
    pub scenario: String,
    pub seed: u64,
    pub version: &'static str,
    pub wall_s: f64,
    pub events: u64,
    pub events_per_s: f64,
    pub tasks_per_s: f64,
    /// The process's peak resident memory, where the system tells it.
    pub peak_rss_mb: Option<f64>,
}

/// Peak resident memory of this process so far, in MiB (Linux only).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn ms(t: SimTime) -> f64 {
    t.as_ms()
}

/// A [`Recorder`] that streams records into the run's CSV files.
pub struct CsvRecorder {
    /// Where the files are staged, to name one that fails.
    dir: PathBuf,
    frames: Option<CsvOut>,
    attempts: Option<CsvOut>,
    timeseries: CsvOut,
    /// The first error met while streaming, and the file it came from.
    error: Option<(&'static str, csv::Error)>,
}

impl CsvRecorder {
    /// Opens timeseries.csv, and frames.csv and attempts.csv if asked for.
    pub fn new(
        staging: &mut Staging,
        frames: bool,
        attempts: bool,
    ) -> Result<CsvRecorder, FileError> {
        Ok(CsvRecorder {
            dir: staging.dir.clone(),
            frames: frames.then(|| staging.csv("frames.csv")).transpose()?,
            attempts: attempts.then(|| staging.csv("attempts.csv")).transpose()?,
            timeseries: staging.csv("timeseries.csv")?,
            error: None,
        })
    }

    fn keep(&mut self, name: &'static str, result: csv::Result<()>) {
        if let (Err(e), None) = (result, &self.error) {
            self.error = Some((name, e));
        }
    }

    /// Flushes everything; reports the first error met while streaming.
    pub fn finish(mut self) -> Result<(), FileError> {
        if let Some((name, e)) = self.error.take() {
            return Err(FileError::csv(
                partial(&self.dir, name),
                "write the file",
                e,
            ));
        }
        for (name, w) in [
            ("frames.csv", self.frames.as_mut()),
            ("attempts.csv", self.attempts.as_mut()),
            ("timeseries.csv", Some(&mut self.timeseries)),
        ] {
            if let Some(w) = w {
                w.flush()
                    .map_err(FileError::at(&partial(&self.dir, name), "write the file"))?;
            }
        }
        Ok(())
    }
}

impl Recorder for CsvRecorder {
    fn keeps_frames(&self) -> bool {
        self.frames.is_some()
    }

    fn keeps_tasks(&self) -> bool {
        false
    }

    fn keeps_attempts(&self) -> bool {
        self.attempts.is_some()
    }

    fn frame(&mut self, f: &FrameRecord) {
        if !f.counted {
            return;
        }
        if let Some(w) = self.frames.as_mut() {
            let result = w.serialize(FrameRow {
                renter: f.renter,
                frame: f.frame,
                created_ms: ms(f.created),
                delivered_ms: f.delivered.map(ms),
                latency_ms: f.delivered.map(|d| ms(d - f.created)),
                deadline_ms: ms(f.deadline),
                status: f.status.as_str(),
            });
            self.keep("frames.csv", result);
        }
    }

    fn attempt(&mut self, a: &AttemptRecord) {
        if let Some(w) = self.attempts.as_mut() {
            let result = w.serialize(AttemptRow {
                renter: a.renter,
                frame: a.frame,
                task: a.task,
                attempt: a.attempt,
                peer: a.peer.0,
                dispatched_ms: ms(a.dispatched),
                reached_ms: a.reached.map(ms),
                started_ms: a.started.map(ms),
                processed_ms: a.processed.map(ms),
                resolved_ms: a.resolved.map(ms),
                outcome: a.outcome.as_str(),
                timed_out: a.timed_out,
                counted: a.counted,
            });
            self.keep("attempts.csv", result);
        }
    }

    fn sample(&mut self, s: &Sample) {
        let result = self.timeseries.serialize(SampleRow {
            t_ms: ms(s.t),
            waiting_coordinator: s.waiting_coordinator,
            waiting_peers: s.waiting_peers,
            running: s.running,
            in_flight: s.in_flight,
            backoff: s.backoff,
            online_peers: s.online_peers,
            frames_created: s.frames_created,
            frames_delivered: s.frames_delivered,
            frames_on_time: s.frames_on_time,
            attempts: s.attempts,
            failovers: s.failovers,
            timeouts: s.timeouts,
        });
        self.keep("timeseries.csv", result);
    }
}

/// Writes summary.csv, peers.csv, latency_hist.csv and run_info.csv of a
/// finished run.
pub fn write_report(
    staging: &mut Staging,
    report: &Report,
    info: &RunInfo,
) -> Result<(), FileError> {
    staging.write_rows::<Summary>("summary.csv", std::slice::from_ref(&report.summary))?;
    staging.write_rows::<PeerReport>("peers.csv", &report.peers)?;
    staging.write_rows::<LatencyBucket>("latency_hist.csv", &report.latency)?;
    staging.write_rows("run_info.csv", std::slice::from_ref(info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;

    #[test]
    fn csv_errors_give_their_cause_once() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.csv");
        let e = csv::Reader::from_path(&missing).unwrap_err();
        let e = FileError::csv(&missing, "read the file", e);
        assert_eq!(
            e.to_string(),
            format!("{}: cannot read the file", missing.display())
        );
        let cause = e.source().expect("the system's reason");
        assert_eq!(
            cause.downcast_ref::<io::Error>().map(io::Error::kind),
            Some(io::ErrorKind::NotFound)
        );
        assert!(cause.source().is_none(), "said once");

        let torn = dir.path().join("torn.csv");
        fs::write(&torn, "a,b\n1\n").unwrap();
        let e = csv::Reader::from_path(&torn)
            .unwrap()
            .records()
            .next()
            .unwrap()
            .unwrap_err();
        let e = FileError::csv(&torn, "read the file", e);
        let cause = e.source().expect("the malformed row");
        assert!(
            cause.to_string().contains("found record with 1 field"),
            "{cause}"
        );
        assert!(cause.source().is_none(), "said once");
    }
}
