//! Output files: CSV rows streamed to disk as a run goes, so that memory
//! does not grow with the number of frames. Every file is first written as
//! `NAME.partial` and renamed only when the run has succeeded, so a folder
//! never holds half-written results.
//!
//! Errors name the file and what was being done with it; the system's
//! reason is their `source`, printed once after them.
//!
//! Every writer takes any `io::Write` ([`CsvFile`]), and every row goes
//! through [`number`], so that no file holds `-0`, `inf` or `NaN`.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use serde::Serialize;

pub mod charts;
pub mod compare;
pub mod folder;
pub mod journal;
pub mod number;
pub mod report;
pub mod rows;
pub mod sweep;

use crate::model::{
    AttemptRecord, CoordinatorReport, FrameRecord, LatencyBucket, PeerReport, Recorder, Report,
    Sample, Summary,
};
use number::Clean;
use rows::{AttemptRow, FrameRow, SampleRow};

/// Files of one run's folder that this crate writes.
pub const RUN_FILES: [&str; 9] = [
    "scenario.toml",
    "summary.csv",
    "frames.csv",
    "peers.csv",
    "coordinators.csv",
    "timeseries.csv",
    "latency_hist.csv",
    "attempts.csv",
    "run_info.csv",
];

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

/// A CSV file being written to any `io::Write`: rows of one type, each
/// number through [`number::clean`]. Errors name `path`.
pub struct CsvFile<W: io::Write> {
    path: PathBuf,
    out: csv::Writer<W>,
}

impl<W: io::Write> CsvFile<W> {
    /// Writes to `out`; `path` names the file in errors.
    pub fn new(path: impl Into<PathBuf>, out: W) -> CsvFile<W> {
        CsvFile {
            path: path.into(),
            out: csv::Writer::from_writer(out),
        }
    }

    /// Writes one row, after the header (the row's field names) if it is
    /// the first.
    pub fn row<T: Serialize + ?Sized>(&mut self, row: &T) -> Result<(), FileError> {
        self.out
            .serialize(Clean::new(row))
            .map_err(|e| FileError::csv(&self.path, "write the file", e))
    }

    /// Flushes everything written, and returns the writer.
    pub fn finish(mut self) -> Result<W, FileError> {
        self.out
            .flush()
            .map_err(FileError::at(&self.path, "write the file"))?;
        let path = self.path;
        self.out
            .into_inner()
            .map_err(|e| FileError::new(path, "write the file", e.into_error()))
    }
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
    pub fn csv(&mut self, name: &'static str) -> Result<CsvFile<BufWriter<File>>, FileError> {
        let path = self.partial(name);
        let file = folder::create_fresh(&path).map_err(FileError::at(&path, "create the file"))?;
        self.written.push(name);
        Ok(CsvFile::new(path, BufWriter::new(file)))
    }

    /// Writes `text` to `name` in one go.
    pub fn text(&mut self, name: &'static str, text: &str) -> Result<(), FileError> {
        let path = self.partial(name);
        let mut file =
            folder::create_fresh(&path).map_err(FileError::at(&path, "create the file"))?;
        self.written.push(name);
        io::Write::write_all(&mut file, text.as_bytes())
            .map_err(FileError::at(&path, "write the file"))
    }

    /// Writes `rows` to `name` in one go.
    pub fn write_rows<T: Serialize>(
        &mut self,
        name: &'static str,
        rows: &[T],
    ) -> Result<(), FileError> {
        let mut w = self.csv(name)?;
        for row in rows {
            w.row(row)?;
        }
        w.finish().map(drop)
    }

    /// Moves every file into place and, if `tidy`, removes the files of an
    /// earlier run that this one did not write (a stale frames.csv, say).
    pub fn commit(self, tidy: bool) -> Result<(), FileError> {
        for name in &self.written {
            let path = self.dir.join(name);
            fs::rename(self.partial(name), &path)
                .map_err(FileError::at(&path, "move the new file into place"))?;
        }
        for name in RUN_FILES.iter().copied().filter(|_| tidy) {
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
    /// The git commit the program was built from (`-dirty` if its work
    /// tree had changes, `unknown` outside a checkout).
    pub commit: &'static str,
    /// The command line, its words separated by spaces.
    pub command: String,
    /// SHA-256 of scenario.toml, the scenario as it ran.
    pub scenario_sha256: String,
    /// Every input file read and its SHA-256: `path=hash`, `;`-separated.
    pub inputs: String,
}

/// The git commit this program was built from.
pub const COMMIT: &str = env!("P2C2G_COMMIT");

/// Peak resident memory of this process so far, in MiB (Linux only).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// A [`Recorder`] that streams records into the run's CSV files: to the
/// staged files of a run ([`CsvRecorder::new`]), or to any writers.
pub struct CsvRecorder<W: io::Write = BufWriter<File>> {
    frames: Option<CsvFile<W>>,
    attempts: Option<CsvFile<W>>,
    timeseries: CsvFile<W>,
    /// The first error met while streaming.
    error: Option<FileError>,
}

impl CsvRecorder {
    /// Opens timeseries.csv, and frames.csv and attempts.csv if asked for.
    pub fn new(
        staging: &mut Staging,
        frames: bool,
        attempts: bool,
    ) -> Result<CsvRecorder, FileError> {
        let frames = frames.then(|| staging.csv("frames.csv")).transpose()?;
        let attempts = attempts.then(|| staging.csv("attempts.csv")).transpose()?;
        let timeseries = staging.csv("timeseries.csv")?;
        Ok(CsvRecorder::to_files(frames, attempts, timeseries))
    }
}

impl<W: io::Write> CsvRecorder<W> {
    /// Streams frames.csv and attempts.csv (each if given) and
    /// timeseries.csv into these files.
    pub fn to_files(
        frames: Option<CsvFile<W>>,
        attempts: Option<CsvFile<W>>,
        timeseries: CsvFile<W>,
    ) -> CsvRecorder<W> {
        CsvRecorder {
            frames,
            attempts,
            timeseries,
            error: None,
        }
    }

    fn keep(&mut self, result: Result<(), FileError>) {
        if let (Err(e), None) = (result, &self.error) {
            self.error = Some(e);
        }
    }

    /// Flushes everything; reports the first error met while streaming.
    pub fn finish(mut self) -> Result<(), FileError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        for file in [self.frames, self.attempts, Some(self.timeseries)]
            .into_iter()
            .flatten()
        {
            file.finish()?;
        }
        Ok(())
    }
}

impl<W: io::Write> Recorder for CsvRecorder<W> {
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
            let result = w.row(&FrameRow::from(f));
            self.keep(result);
        }
    }

    fn attempt(&mut self, a: &AttemptRecord) {
        if let Some(w) = self.attempts.as_mut() {
            let result = w.row(&AttemptRow::from(a));
            self.keep(result);
        }
    }

    fn sample(&mut self, s: &Sample) {
        let result = self.timeseries.row(&SampleRow::from(s));
        self.keep(result);
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
    if !report.coordinators.is_empty() {
        staging.write_rows::<CoordinatorReport>("coordinators.csv", &report.coordinators)?;
    }
    staging.write_rows::<LatencyBucket>("latency_hist.csv", &report.latency)?;
    staging.write_rows("run_info.csv", std::slice::from_ref(info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;
    use crate::model::{AttemptOutcome, FrameStatus, PeerId};
    use std::error::Error;

    fn frame(
        frame: u64,
        delivered: Option<f64>,
        status: FrameStatus,
        counted: bool,
    ) -> FrameRecord {
        FrameRecord {
            renter: 2,
            frame,
            created: SimTime::from_ms(16.5),
            delivered: delivered.map(SimTime::from_ms),
            deadline: SimTime::from_ms(150.0),
            status,
            counted,
            corrupt: None,
        }
    }

    fn sample(t_ms: f64, running: f64) -> Sample {
        Sample {
            t: SimTime::from_ms(t_ms),
            length: SimTime::from_ms(100.0),
            waiting_coordinator: 0.0,
            waiting_peers: 0.25,
            running,
            in_flight: 1.5,
            backoff: 0.0,
            online_peers: 5.0,
            frames_created: 6,
            frames_delivered: 5,
            frames_on_time: 4,
            attempts: 7,
            failovers: 1,
            timeouts: 0,
            ..Sample::default()
        }
    }

    /// The bytes a recorder writes to each of its files, no file involved.
    fn record(
        frames: &[FrameRecord],
        attempts: &[AttemptRecord],
        samples: &[Sample],
    ) -> (String, String, String) {
        let (mut f, mut a, mut t) = (Vec::new(), Vec::new(), Vec::new());
        let mut rec = CsvRecorder::to_files(
            Some(CsvFile::new("frames.csv", &mut f)),
            Some(CsvFile::new("attempts.csv", &mut a)),
            CsvFile::new("timeseries.csv", &mut t),
        );
        frames.iter().for_each(|r| rec.frame(r));
        attempts.iter().for_each(|r| rec.attempt(r));
        samples.iter().for_each(|r| rec.sample(r));
        rec.finish().unwrap();
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (text(f), text(a), text(t))
    }

    #[test]
    fn the_frames_writer_writes_counted_frames_with_empty_fields_for_none() {
        let (frames, _, _) = record(
            &[
                frame(0, Some(80.25), FrameStatus::OnTime, true),
                frame(1, None, FrameStatus::Failed, true),
                frame(2, Some(500.0), FrameStatus::Late, false),
            ],
            &[],
            &[],
        );
        assert_eq!(
            frames,
            "renter,frame,created_ms,delivered_ms,latency_ms,deadline_ms,status\n\
             2,0,16.5,80.25,63.75,150.0,on_time\n\
             2,1,16.5,,,150.0,failed\n"
        );
    }

    #[test]
    fn the_timeseries_writer_writes_one_row_per_sample_and_no_bad_number() {
        let (_, _, series) = record(
            &[],
            &[],
            &[
                sample(100.0, 1.75),
                sample(200.0, -0.0),
                sample(250.0, f64::NAN),
            ],
        );
        assert_eq!(
            series,
            "t_ms,waiting_coordinator,waiting_peers,running,in_flight,backoff,online_peers,\
             frames_created,frames_delivered,frames_on_time,attempts,failovers,timeouts\n\
             100.0,0.0,0.25,1.75,1.5,0.0,5.0,6,5,4,7,1,0\n\
             200.0,0.0,0.25,0.0,1.5,0.0,5.0,6,5,4,7,1,0\n\
             250.0,0.0,0.25,,1.5,0.0,5.0,6,5,4,7,1,0\n"
        );
    }

    #[test]
    fn the_attempts_writer_writes_every_attempt() {
        let attempt = AttemptRecord {
            renter: 0,
            frame: 3,
            task: 1,
            attempt: 2,
            peer: PeerId(4),
            dispatched: SimTime::from_ms(10.0),
            reached: Some(SimTime::from_ms(12.5)),
            started: None,
            processed: None,
            lost: None,
            churn: false,
            links: None,
            vote: None,
            resolved: Some(SimTime::from_ms(130.0)),
            outcome: AttemptOutcome::Silent,
            timed_out: true,
            counted: false,
        };
        let (_, attempts, _) = record(&[], std::slice::from_ref(&attempt), &[]);
        assert_eq!(
            attempts,
            "renter,frame,task,attempt,peer,dispatched_ms,reached_ms,started_ms,processed_ms,\
             resolved_ms,outcome,timed_out,counted\n\
             0,3,1,2,4,10.0,12.5,,,130.0,silent,true,false\n"
        );
        // When peers churn, every row has `lost_ms`, empty unless lost.
        let lost = AttemptRecord {
            started: Some(SimTime::from_ms(12.5)),
            lost: Some(SimTime::from_ms(20.0)),
            churn: true,
            outcome: AttemptOutcome::Lost,
            ..attempt.clone()
        };
        let kept = AttemptRecord {
            churn: true,
            ..attempt
        };
        let (_, attempts, _) = record(&[], &[lost, kept], &[]);
        assert_eq!(
            attempts,
            "renter,frame,task,attempt,peer,dispatched_ms,reached_ms,started_ms,processed_ms,\
             lost_ms,resolved_ms,outcome,timed_out,counted\n\
             0,3,1,2,4,10.0,12.5,12.5,,20.0,130.0,lost,true,false\n\
             0,3,1,2,4,10.0,12.5,,,,130.0,silent,true,false\n"
        );
    }

    /// Writes `rows` as the output layer does and reads them back with the
    /// same type.
    fn round_trip<T: Serialize + serde::de::DeserializeOwned>(rows: &[T]) -> (String, Vec<T>) {
        let mut file = CsvFile::new("rows.csv", Vec::new());
        rows.iter().for_each(|r| file.row(r).unwrap());
        let bytes = file.finish().unwrap();
        let back = csv::Reader::from_reader(bytes.as_slice())
            .deserialize()
            .collect::<Result<Vec<T>, _>>()
            .unwrap();
        (String::from_utf8(bytes).unwrap(), back)
    }

    #[test]
    fn every_row_reads_back_with_the_type_that_wrote_it() {
        let summary = Summary {
            scenario: "s".into(),
            frame_latency_p50_ms: Some(12.5),
            deadline_mean_ms: 150.0,
            deadline_constant: true,
            duration_s: 60.0,
            ..Summary::default()
        };
        let priced = Summary {
            cost_total: Some(1.25),
            cost_per_frame_on_time: Some(None),
            margin: Some(-0.5),
            ..crate::model::cost::shape(summary.clone())
        };
        assert_eq!(round_trip(std::slice::from_ref(&summary)).1, vec![summary]);
        assert_eq!(round_trip(std::slice::from_ref(&priced)).1, vec![priced]);
        let peer = PeerReport {
            peer: 3,
            group: "home, with a comma".into(),
            slots: 2,
            speed: 1.5,
            latency_ms: 10.0,
            reliability: 0.9,
            attempts: 4,
            successes: 3,
            failures: 1,
            busy_ms: 20.0,
            utilization: 0.25,
            reputation: 0.5,
            online_s: None,
            sessions: None,
            lost: None,
            downlink_mbps: Some(Some(100.0)),
            uplink_mbps: Some(Some(20.0)),
            uplink_busy_ms: Some(3.5),
            downlink_busy_ms: Some(0.0),
            cost: Some(0.125),
            energy_kwh: Some(2.5),
        };
        assert_eq!(round_trip(std::slice::from_ref(&peer)).1, vec![peer]);
        let bucket = LatencyBucket {
            series: "task".into(),
            group: "g".into(),
            lower_ms: 1.0,
            upper_ms: 1.01,
            count: 7,
        };
        assert_eq!(round_trip(std::slice::from_ref(&bucket)).1, vec![bucket]);
        let row = SampleRow::from(&sample(100.0, 2.0));
        assert_eq!(round_trip(std::slice::from_ref(&row)).1, vec![row]);
        let row = FrameRow::from(&frame(0, None, FrameStatus::Failed, true));
        assert_eq!(round_trip(std::slice::from_ref(&row)).1, vec![row]);
    }

    #[test]
    fn a_number_that_is_not_finite_is_written_empty_and_read_as_nan() {
        let summary = Summary {
            deadline_mean_ms: f64::INFINITY,
            utilization: -0.0,
            frame_latency_p99_ms: Some(f64::NAN),
            ..Summary::default()
        };
        let (text, back) = round_trip(std::slice::from_ref(&summary));
        let row = text.lines().nth(1).unwrap();
        assert!(
            !row.contains("inf") && !row.contains("NaN") && !row.contains("-0"),
            "{row}"
        );
        assert!(back[0].deadline_mean_ms.is_nan());
        assert_eq!(back[0].frame_latency_p99_ms, None);
        assert!(back[0].utilization == 0.0 && back[0].utilization.is_sign_positive());
    }

    /// Accepts `left` bytes, then fails as a full disk does.
    struct FullAfter {
        left: usize,
    }

    impl io::Write for FullAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::ErrorKind::StorageFull.into());
            }
            let n = buf.len().min(self.left);
            self.left -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_writer_that_fails_is_named_with_its_cause() {
        let mut rec = CsvRecorder::to_files(
            None,
            None,
            CsvFile::new("out/timeseries.csv.partial", FullAfter { left: 100 }),
        );
        for i in 0..1000 {
            rec.sample(&sample(f64::from(i) * 100.0, 1.0));
        }
        let e = rec.finish().unwrap_err();
        assert_eq!(
            e.to_string(),
            "out/timeseries.csv.partial: cannot write the file"
        );
        assert_eq!(e.source.kind(), io::ErrorKind::StorageFull);
    }

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
