//! The files of a sweep: `runs.csv` (one row per run), `points.csv` (mean
//! and 95% confidence half-width of every metric per point), `sweep.toml`
//! (what the sweep was, for `--resume` and `merge`), and the journal that
//! makes each finished run durable the moment it ends.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::FileError;
use crate::model::Summary;

/// Columns of runs.csv before the grid keys.
const RUN_PREFIX: [&str; 3] = ["point", "replication", "seed"];
/// Summary columns that are not metrics to average.
const NOT_METRICS: [&str; 2] = ["scenario", "deadline_constant"];
/// A metric derived from the summary, appended to every run row.
const DERIVED: &str = "failovers_per_frame";

/// The headline metrics charted when a sweep names none.
pub const HEADLINE_METRICS: [&str; 4] = [
    "deadline_hit_rate",
    "frame_latency_p99_ms",
    "failovers_per_frame",
    "utilization",
];

/// What a sweep is: written beside its results, checked by `--resume` and
/// `merge`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SweepInfo {
    pub name: String,
    pub points: usize,
    pub replications: u32,
    pub keys: Vec<String>,
    pub metrics: Vec<String>,
    /// `K/N` for a shard; absent for a whole sweep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

/// A sweep's info file (`sweep.toml` in its output folder) that cannot be
/// read.
#[derive(Debug, thiserror::Error)]
pub enum SweepInfoError {
    #[error("{}: cannot read the sweep's info file", file.display())]
    Read { file: PathBuf, source: io::Error },
    /// Not what a sweep writes; `line_col` is 1-based.
    #[error("{}{}: not a sweep's info file: {message}", file.display(), at(*line_col))]
    Invalid {
        file: PathBuf,
        line_col: Option<(usize, usize)>,
        message: String,
    },
}

fn at(line_col: Option<(usize, usize)>) -> String {
    line_col.map_or(String::new(), |(l, c)| format!(":{l}:{c}"))
}

/// 1-based line and column (in characters) of a byte offset of `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

impl SweepInfo {
    /// Writes `dir/sweep.toml`, whole or not at all.
    pub fn write(&self, dir: &Path) -> Result<(), FileError> {
        let file = dir.join("sweep.toml");
        let text = toml::to_string(self)
            .map_err(|e| FileError::new(&file, "write the file", io::Error::other(e)))?;
        let partial = dir.join("sweep.toml.partial");
        fs::write(&partial, text).map_err(FileError::at(&partial, "write the file"))?;
        fs::rename(&partial, &file).map_err(FileError::at(&file, "move the new file into place"))
    }

    /// Reads `dir/sweep.toml`.
    pub fn read(dir: &Path) -> Result<SweepInfo, SweepInfoError> {
        let file = dir.join("sweep.toml");
        let text = match fs::read_to_string(&file) {
            Ok(text) => text,
            Err(source) => return Err(SweepInfoError::Read { file, source }),
        };
        toml::from_str(&text).map_err(|e| SweepInfoError::Invalid {
            line_col: e.span().map(|s| line_col(&text, s.start)),
            message: e.message().trim().to_string(),
            file,
        })
    }
}

/// Summary columns that runs.csv leaves out: the run's seed is already its
/// third column.
const REPEATED: [&str; 1] = ["seed"];

fn summary_columns() -> Vec<String> {
    let (header, _) = summary_record(&Summary::default());
    header
}

/// The summary's column names and values, as summary.csv writes them, less
/// the columns runs.csv has already.
fn summary_record(s: &Summary) -> (Vec<String>, Vec<String>) {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(s).expect("a summary serialises");
    let bytes = w.into_inner().expect("writing to memory");
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let header = r.headers().expect("written above").clone();
    let values = r.records().next().expect("one row").expect("written above");
    header
        .iter()
        .zip(values.iter())
        .filter(|(h, _)| !REPEATED.contains(h))
        .map(|(h, v)| (h.to_string(), v.to_string()))
        .unzip()
}

/// Every column of runs.csv that `metrics` may name.
pub fn metric_columns() -> Vec<String> {
    let mut m: Vec<String> = summary_columns()
        .into_iter()
        .filter(|c| !NOT_METRICS.contains(&c.as_str()))
        .collect();
    m.push(DERIVED.to_string());
    m
}

pub fn runs_header(keys: &[String]) -> Vec<String> {
    let mut h: Vec<String> = RUN_PREFIX.iter().map(|s| s.to_string()).collect();
    h.extend(keys.iter().cloned());
    h.extend(summary_columns());
    h.push(DERIVED.to_string());
    h
}

/// One row of runs.csv.
pub fn run_row(
    point: usize,
    replication: u32,
    seed: u64,
    values: &[String],
    s: &Summary,
) -> Vec<String> {
    let mut row = vec![point.to_string(), replication.to_string(), seed.to_string()];
    row.extend(values.iter().cloned());
    row.extend(summary_record(s).1);
    row.push(if s.frames > 0 {
        (s.failovers as f64 / s.frames as f64).to_string()
    } else {
        String::new()
    });
    row
}

fn csv_line(fields: &[String]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields).expect("writing to memory");
    w.into_inner().expect("writing to memory")
}

/// An append-only CSV file, each row on disk before `append` returns.
pub struct Journal {
    file: File,
}

impl Journal {
    /// Starts a new journal with `header`.
    pub fn create(path: &Path, header: &[String]) -> io::Result<Journal> {
        let mut file = File::create(path)?;
        file.write_all(&csv_line(header))?;
        file.sync_data()?;
        Ok(Journal { file })
    }

    /// Continues a journal, first cutting off a row torn by a crash.
    pub fn reopen(path: &Path) -> io::Result<Journal> {
        let bytes = fs::read(path)?;
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let file = OpenOptions::new().write(true).open(path)?;
        file.set_len(whole as u64)?;
        let mut file = OpenOptions::new().append(true).open(path)?;
        file.flush()?;
        Ok(Journal { file })
    }

    /// Appends one row, in one write, and waits until it is on disk.
    pub fn append(&mut self, row: &[String]) -> io::Result<()> {
        self.file.write_all(&csv_line(row))?;
        self.file.sync_data()
    }
}

/// The header and complete rows of a CSV file; a torn last line (no
/// newline: the writer was killed) is left out.
pub fn read_rows(path: &Path) -> csv::Result<(Vec<String>, Vec<Vec<String>>)> {
    let bytes = fs::read(path)?;
    let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut r = csv::Reader::from_reader(&bytes[..whole]);
    let header = r.headers()?.iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.map(|r| r.iter().map(String::from).collect()))
        .collect::<csv::Result<Vec<Vec<String>>>>()?;
    Ok((header, rows))
}

/// Sorts rows by point, then replication.
pub fn sort_runs(rows: &mut [Vec<String>]) {
    let key = |r: &Vec<String>| {
        (
            r[0].parse::<u64>().unwrap_or(u64::MAX),
            r[1].parse::<u64>().unwrap_or(u64::MAX),
        )
    };
    rows.sort_by_key(key);
}

/// Writes `rows` under `header` to `path`, whole or not at all.
pub fn write_csv(path: &Path, header: &[String], rows: &[Vec<String>]) -> io::Result<()> {
    let partial = path.with_extension("csv.partial");
    {
        let mut w = csv::Writer::from_path(&partial)?;
        w.write_record(header)?;
        for row in rows {
            w.write_record(row)?;
        }
        w.flush()?;
    }
    fs::rename(partial, path)
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: u64) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("df >= 1")
        .inverse_cdf(0.975)
}

/// points.csv from sorted runs: per point, its grid values, the number of
/// runs, then each metric's mean and 95% confidence half-width (Student t
/// over the replications; empty with fewer than two values).
pub fn points_table(
    header: &[String],
    keys: usize,
    rows: &[Vec<String>],
) -> (Vec<String>, Vec<Vec<String>>) {
    let metrics = metric_columns();
    let columns: Vec<usize> = metrics
        .iter()
        .map(|m| {
            header
                .iter()
                .position(|h| h == m)
                .expect("runs.csv has every metric")
        })
        .collect();
    let mut out_header: Vec<String> = vec!["point".into()];
    out_header.extend(header[3..3 + keys].iter().cloned());
    out_header.push("runs".into());
    for m in &metrics {
        out_header.push(format!("{m}_mean"));
        out_header.push(format!("{m}_ci95"));
    }
    let mut out = Vec::new();
    for group in rows.chunk_by(|a, b| a[0] == b[0]) {
        let first = &group[0];
        let mut row = vec![first[0].clone()];
        row.extend(first[3..3 + keys].iter().cloned());
        row.push(group.len().to_string());
        for &c in &columns {
            let xs: Vec<f64> = group
                .iter()
                .filter_map(|r| r[c].parse::<f64>().ok())
                .collect();
            let (mean, half) = mean_ci95(&xs);
            row.push(mean.map_or(String::new(), |m| m.to_string()));
            row.push(half.map_or(String::new(), |h| h.to_string()));
        }
        out.push(row);
    }
    (out_header, out)
}

fn mean_ci95(xs: &[f64]) -> (Option<f64>, Option<f64>) {
    let n = xs.len();
    if n == 0 {
        return (None, None);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (Some(mean), None);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (
        Some(mean),
        Some(t_975(n as u64 - 1) * (var / n as f64).sqrt()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_quantiles_match_the_tables() {
        for (df, t) in [
            (1, 12.706),
            (2, 4.303),
            (9, 2.262),
            (29, 2.045),
            (1000, 1.962),
        ] {
            assert!((t_975(df) - t).abs() < 1e-3, "df {df}: {}", t_975(df));
        }
    }

    #[test]
    fn confidence_interval_of_known_data() {
        let (m, h) = mean_ci95(&[1.0, 2.0, 3.0, 4.0]);
        // sd = 1.2910, se = 0.6455, t(3) = 3.1824
        assert_eq!(m, Some(2.5));
        assert!((h.unwrap() - 2.0542).abs() < 1e-3);
        assert_eq!(mean_ci95(&[5.0]), (Some(5.0), None));
    }

    #[test]
    fn runs_rows_have_the_header_width() {
        let keys = vec!["coordinator.policy".to_string()];
        let row = run_row(3, 1, 42, &["random".into()], &Summary::default());
        assert_eq!(row.len(), runs_header(&keys).len());
        assert_eq!(&row[..4], &["3", "1", "42", "random"]);
    }

    #[test]
    fn an_info_file_that_cannot_be_read_says_so_and_where() {
        use std::error::Error;
        let dir = tempfile::tempdir().unwrap();
        let missing = SweepInfo::read(dir.path()).unwrap_err();
        let file = dir.path().join("sweep.toml");
        assert_eq!(
            missing.to_string(),
            format!("{}: cannot read the sweep's info file", file.display())
        );
        assert!(missing.source().is_some(), "the system's reason");
        fs::write(&file, "name = \"x\"\npoints = \"many\"\n").unwrap();
        let invalid = SweepInfo::read(dir.path()).unwrap_err();
        assert_eq!(
            invalid.to_string(),
            format!(
                "{}:2:10: not a sweep's info file: invalid type: string \"many\", expected usize",
                file.display()
            )
        );
    }

    #[test]
    fn a_torn_last_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.csv");
        fs::write(&path, "a,b\n1,2\n3,").unwrap();
        let (h, rows) = read_rows(&path).unwrap();
        assert_eq!(h, vec!["a", "b"]);
        assert_eq!(rows, vec![vec!["1", "2"]]);
        let mut j = Journal::reopen(&path).unwrap();
        j.append(&["5".into(), "6".into()]).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "a,b\n1,2\n5,6\n");
    }
}
