//! The files of a sweep: `runs.csv` (one row per run), `points.csv` (per
//! point, each metric's mean, 95% confidence interval and number of
//! values), `differences.csv` (paired differences to a reference point),
//! `sweep.toml` (what the sweep was, for `--resume` and `merge`), and the
//! table a sweep ends with on the terminal.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize, Serializer};

use super::number::{Clean, Plain};
use super::rows::columns;
use super::FileError;
use crate::model::Summary;

pub mod stats;

/// Columns of runs.csv before the keys (grid, then zip).
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

/// What a sweep is, its plan: written beside its results (last, once they
/// are whole), checked by `--resume` and `merge`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SweepInfo {
    pub name: String,
    pub points: usize,
    pub replications: u32,
    /// The keys each point sets: the grid's, then the zip's.
    pub keys: Vec<String>,
    /// The zip's keys (the last of `keys`), which vary together; absent
    /// when there are none, as in the files of sweeps before zips.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zip: Vec<String>,
    pub metrics: Vec<String>,
    /// `K/N` for a shard; absent for a whole sweep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// The fingerprint of the plan (SHA-256 over every point's resolved
    /// scenario, the replications and every input file).
    #[serde(default)]
    pub plan_sha256: String,
    /// Every input file read (scenario, traces) and its SHA-256.
    #[serde(default)]
    pub inputs: std::collections::BTreeMap<String, String>,
    /// Each point's `simulation.seed` (a run's seed is its point's plus its
    /// replication) and its values of `keys`, as runs.csv writes them.
    #[serde(default)]
    pub seeds: Vec<u64>,
    #[serde(default)]
    pub values: Vec<Vec<String>>,
    /// The reference of differences.csv: each key it fixes and its value
    /// there, as `values` writes it. Not part of the plan: it changes no
    /// run. Absent when there is none.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub reference: std::collections::BTreeMap<String, String>,
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
        let mut f = super::folder::create_fresh(&partial)
            .map_err(FileError::at(&partial, "create the file"))?;
        f.write_all(text.as_bytes())
            .map_err(FileError::at(&partial, "write the file"))?;
        fs::rename(&partial, &file).map_err(|e| {
            let _ = fs::remove_file(&partial);
            FileError::new(&file, "move the new file into place", e)
        })
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

/// The columns of summary.csv that runs.csv has too, in order: those a
/// run writes whose summary is shaped like `template` (a mechanism's own
/// columns only where it is on).
fn summary_columns(template: &Summary) -> Vec<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(Clean::omitting(template, &REPEATED))
        .expect("a summary can be written");
    let bytes = w.into_inner().expect("written to memory");
    let mut header = csv::Reader::from_reader(&bytes[..]);
    header
        .headers()
        .expect("the header just written")
        .iter()
        .map(String::from)
        .collect()
}

/// Every column of runs.csv that `metrics` may name.
pub fn metric_columns() -> Vec<String> {
    let mut m: Vec<String> = columns::<Summary>()
        .iter()
        .filter(|c| !REPEATED.contains(c) && !NOT_METRICS.contains(c))
        .map(|c| c.to_string())
        .collect();
    m.push(DERIVED.to_string());
    m
}

/// The header of runs.csv for `keys` (grid, then zip), the runs'
/// summaries shaped like `template`.
pub fn runs_header(keys: &[String], template: &Summary) -> Vec<String> {
    let mut h: Vec<String> = RUN_PREFIX.iter().map(|s| s.to_string()).collect();
    h.extend(keys.iter().cloned());
    h.extend(summary_columns(template));
    h.push(DERIVED.to_string());
    h
}

/// One row of runs.csv, in the columns of [`runs_header`]: the run, its
/// values of the keys, its summary as summary.csv writes it (less the seed,
/// already the third column), and failovers per frame.
pub struct RunRow<'a> {
    point: usize,
    replication: u32,
    seed: u64,
    values: &'a [String],
    summary: &'a Summary,
}

impl Serialize for RunRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let failovers_per_frame = (self.summary.frames > 0)
            .then(|| Plain(self.summary.failovers as f64 / self.summary.frames as f64));
        (
            self.point,
            self.replication,
            self.seed,
            self.values,
            Clean::omitting(self.summary, &REPEATED),
            failovers_per_frame,
        )
            .serialize(s)
    }
}

/// One row of runs.csv.
pub fn run_row<'a>(
    point: usize,
    replication: u32,
    seed: u64,
    values: &'a [String],
    summary: &'a Summary,
) -> RunRow<'a> {
    RunRow {
        point,
        replication,
        seed,
        values,
        summary,
    }
}

/// The fields of `row` as runs.csv writes them.
pub fn fields<T: Serialize + ?Sized>(row: &T) -> Vec<String> {
    let line = csv_line(row);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&line[..])
        .records()
        .next()
        .and_then(|r| r.ok())
        .map(|r| r.iter().map(String::from).collect())
        .unwrap_or_default()
}

/// One CSV line of `row` (a [`RunRow`], or a row's fields as text), every
/// number through [`Clean`].
pub fn csv_line<T: Serialize + ?Sized>(row: &T) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.serialize(Clean::new(row))
        .expect("a row of numbers and text writes to memory");
    w.into_inner().expect("writing to memory")
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

/// Writes `rows` under `header` to `out`, and returns it.
pub fn write_table<W: io::Write>(out: W, header: &[String], rows: &[Vec<String>]) -> io::Result<W> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header)?;
    for row in rows {
        w.write_record(row)?;
    }
    w.flush()?;
    w.into_inner().map_err(|e| e.into_error())
}

/// Writes `rows` under `header` to `path`, whole or not at all.
pub fn write_csv(path: &Path, header: &[String], rows: &[Vec<String>]) -> io::Result<()> {
    let partial = path.with_extension("csv.partial");
    write_table(super::folder::create_fresh(&partial)?, header, rows)?;
    fs::rename(partial, path)
}

pub use stats::t_975;
use stats::{estimate, Estimate, Kind};

/// Columns the scenario fixes, the same in every replication of a point:
/// points.csv writes their value once, under their own name.
pub const CONSTANTS: [&str; 5] = [
    "renters",
    "peers",
    "deadline_mean_ms",
    "warmup_s",
    "duration_s",
];

/// The headline metrics of the table a sweep ends with.
pub const TABLE_METRICS: [&str; 2] = ["deadline_hit_rate", "frame_latency_p99_ms"];

/// Whether `metric` is a share, in [0, 1].
pub fn is_share(metric: &str) -> bool {
    metric.ends_with("_rate") || matches!(metric, "utilization" | "peer_availability")
}

/// What values `metric` can take (every column of runs.csv is a share or
/// a non-negative quantity).
pub fn kind(metric: &str) -> Kind {
    if is_share(metric) {
        Kind::Share
    } else {
        Kind::NonNegative
    }
}

/// The columns of an estimate of `metric`: `_mean`, `_ci95_low`,
/// `_ci95_high` and `_n`.
fn estimate_columns(metric: &str) -> [String; 4] {
    ["_mean", "_ci95_low", "_ci95_high", "_n"].map(|suffix| format!("{metric}{suffix}"))
}

/// An estimate's fields, in the order of [`estimate_columns`].
fn estimate_fields(e: &Estimate) -> [String; 4] {
    let number = |x: Option<f64>| x.map_or(String::new(), |x| Plain(x).to_string());
    [
        number(e.mean),
        number(e.low),
        number(e.high),
        e.n.to_string(),
    ]
}

/// The values a column of `rows` holds (empty or unreadable fields are no
/// value).
fn values<'a>(rows: impl IntoIterator<Item = &'a Vec<String>>, column: usize) -> Vec<f64> {
    rows.into_iter()
        .filter_map(|r| r.get(column)?.parse::<f64>().ok())
        .filter(|x| x.is_finite())
        .collect()
}

/// The metrics of runs.csv's `header` (a mechanism's own only where it is
/// on), each with its column, less the constants.
fn metrics_in(header: &[String]) -> Vec<(String, usize)> {
    metric_columns()
        .into_iter()
        .filter(|m| !CONSTANTS.contains(&m.as_str()))
        .filter_map(|m| {
            let at = header.iter().position(|h| *h == m)?;
            Some((m, at))
        })
        .collect()
}

/// points.csv from sorted runs: per point, its values of the keys, the
/// number of runs, the constants (each once: empty if its runs disagree),
/// then for each metric its mean over the replications that gave a value,
/// the 95% confidence interval of that mean ([`stats`]: inside [0, 1] for a
/// share, above 0 for a non-negative quantity; empty with fewer than two
/// values) and the number of values.
pub fn points_table(
    header: &[String],
    keys: usize,
    rows: &[Vec<String>],
) -> (Vec<String>, Vec<Vec<String>>) {
    let metrics = metrics_in(header);
    let constants: Vec<(&str, usize)> = CONSTANTS
        .iter()
        .filter_map(|c| Some((*c, header.iter().position(|h| h == c)?)))
        .collect();
    let mut out_header: Vec<String> = vec!["point".into()];
    out_header.extend(header[3..3 + keys].iter().cloned());
    out_header.push("runs".into());
    out_header.extend(constants.iter().map(|(c, _)| c.to_string()));
    for (m, _) in &metrics {
        out_header.extend(estimate_columns(m));
    }
    let mut out = Vec::new();
    for group in rows.chunk_by(|a, b| a[0] == b[0]) {
        let first = &group[0];
        let mut row = vec![first[0].clone()];
        row.extend(first[3..3 + keys].iter().cloned());
        row.push(group.len().to_string());
        for &(_, c) in &constants {
            let same = group.iter().all(|r| r[c] == first[c]);
            row.push(if same {
                first[c].clone()
            } else {
                String::new()
            });
        }
        for (m, c) in &metrics {
            row.extend(estimate_fields(&estimate(&values(group, *c), kind(m))));
        }
        out.push(row);
    }
    (out_header, out)
}

/// For each point (by its values of the keys, in `rows`' order), the point
/// it is compared with: the same values but for the keys `reference` fixes,
/// which take the reference's values; `None` for a point that is its own
/// reference (or, in an incomplete sweep, whose reference is missing).
fn reference_points(
    key_names: &[String],
    points: &[&[Vec<String>]],
    reference: &[(String, String)],
) -> Vec<Option<usize>> {
    let keys = key_names.len();
    let values = |g: &[Vec<String>]| g[0][3..3 + keys].to_vec();
    let at: std::collections::HashMap<Vec<String>, usize> = points
        .iter()
        .enumerate()
        .rev()
        .map(|(i, g)| (values(g), i))
        .collect();
    points
        .iter()
        .map(|g| {
            let own = values(g);
            let mut target = own.clone();
            for (key, value) in reference {
                if let Some(k) = key_names.iter().position(|n| n == key) {
                    target[k] = value.clone();
                }
            }
            (target != own).then(|| at.get(&target).copied()).flatten()
        })
        .collect()
}

/// differences.csv from sorted runs: for every point but the references,
/// its values of the keys, the number of its reference point, then for
/// each of `metrics` the mean of the paired differences (this point's
/// replication `k` minus the reference's replication `k`: the same seed,
/// so common random numbers), their 95% interval (Student's t over the
/// pairs; for a share, the share interval of `(d + 1) / 2`, which keeps it
/// inside [-1, 1]) and the number of pairs in which both had a value.
pub fn differences_table(
    header: &[String],
    key_names: &[String],
    rows: &[Vec<String>],
    reference: &[(String, String)],
    metrics: &[String],
) -> (Vec<String>, Vec<Vec<String>>) {
    let keys = key_names.len();
    let metrics: Vec<(&String, usize)> = metrics
        .iter()
        .filter_map(|m| Some((m, header.iter().position(|h| h == m)?)))
        .collect();
    let mut out_header: Vec<String> = vec!["point".into()];
    out_header.extend(header[3..3 + keys].iter().cloned());
    out_header.push("reference".into());
    for (m, _) in &metrics {
        out_header.extend(estimate_columns(m));
    }
    let points: Vec<&[Vec<String>]> = rows.chunk_by(|a, b| a[0] == b[0]).collect();
    let references = reference_points(key_names, &points, reference);
    let mut out = Vec::new();
    for (group, r) in points.iter().zip(&references) {
        let Some(r) = *r else { continue };
        let base = points[r];
        let mut row = vec![group[0][0].clone()];
        row.extend(group[0][3..3 + keys].iter().cloned());
        row.push(base[0][0].clone());
        for &(m, c) in &metrics {
            let number =
                |row: &Vec<String>| row.get(c)?.parse::<f64>().ok().filter(|x| x.is_finite());
            let pairs: Vec<f64> = group
                .iter()
                .filter_map(|run| {
                    let twin = base.iter().find(|b| b[1] == run[1])?;
                    Some(number(run)? - number(twin)?)
                })
                .collect();
            let kind = match kind(m) {
                Kind::Share => Kind::ShareDifference,
                _ => Kind::Signed,
            };
            row.extend(estimate_fields(&estimate(&pairs, kind)));
        }
        out.push(row);
    }
    (out_header, out)
}

/// The table a sweep ends with, one line per point (at most `limit`):
/// the point, its values of the keys, and for each of [`TABLE_METRICS`]
/// the mean and its 95% interval, with the number of replications that
/// gave a value when it is fewer than the point's runs; read from
/// points.csv's `header` and `rows`.
pub fn points_summary(
    header: &[String],
    rows: &[Vec<String>],
    keys: usize,
    limit: usize,
) -> Vec<String> {
    let column = |name: &str| header.iter().position(|h| h == name);
    let runs = column("runs");
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut first: Vec<String> = header[..1 + keys].to_vec();
    let metrics: Vec<(&str, [Option<usize>; 4])> = TABLE_METRICS
        .iter()
        .filter(|m| column(&format!("{m}_mean")).is_some())
        .map(|m| (*m, estimate_columns(m).map(|c| column(&c))))
        .collect();
    first.extend(metrics.iter().map(|(m, _)| format!("{m} (95% CI)")));
    table.push(first);
    for r in rows.iter().take(limit) {
        let mut line: Vec<String> = r[..(1 + keys).min(r.len())].to_vec();
        let field = |c: Option<usize>| c.and_then(|c| r.get(c)).map_or("", String::as_str);
        for (m, [mean, low, high, n]) in &metrics {
            let decimals = if is_share(m) { 4 } else { 1 };
            let shown = |text: &str| {
                text.parse::<f64>()
                    .map_or("-".to_string(), |x| format!("{x:.decimals$}"))
            };
            let mut cell = shown(field(*mean));
            if !field(*low).is_empty() {
                cell += &format!(" [{}, {}]", shown(field(*low)), shown(field(*high)));
            }
            if field(*n) != field(runs) {
                cell += &format!(" n={}", field(*n));
            }
            line.push(cell);
        }
        table.push(line);
    }
    let mut lines = aligned(&table);
    if rows.len() > limit {
        let more = rows.len() - limit;
        lines.push(format!(
            "... and {more} more point{} in points.csv",
            if more == 1 { "" } else { "s" }
        ));
    }
    lines
}

/// Lines of cells, each column as wide as its widest cell, two spaces
/// apart: the terminal tables of sweep and compare.
pub fn aligned(table: &[Vec<String>]) -> Vec<String> {
    let columns = table.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            table
                .iter()
                .filter_map(|l| l.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    table
        .iter()
        .map(|l| {
            l.iter()
                .zip(&widths)
                .map(|(s, w)| format!("{s:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_rows_have_the_header_width() {
        let keys = vec!["coordinator.policy".to_string()];
        let values = ["random, or not".to_string()];
        let summary = Summary {
            seed: 7,
            frames: 8,
            failovers: 2,
            utilization: 0.5,
            deadline_mean_ms: f64::INFINITY,
            ..Summary::default()
        };
        let line = String::from_utf8(csv_line(&run_row(3, 1, 42, &values, &summary))).unwrap();
        let row: Vec<String> = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes())
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(String::from)
            .collect();
        let header = runs_header(&keys, &Summary::default());
        assert_eq!(row.len(), header.len());
        assert_eq!(&row[..4], &["3", "1", "42", "random, or not"]);
        let at = |column: &str| &row[header.iter().position(|h| h == column).unwrap()];
        // The summary's numbers as summary.csv writes them, the derived
        // one as points.csv writes numbers; nothing that is not finite.
        assert_eq!(at("frames"), "8");
        assert_eq!(at("utilization"), "0.5");
        assert_eq!(at("sim_time_s"), "0.0");
        assert_eq!(at("deadline_mean_ms"), "");
        assert_eq!(at("failovers_per_frame"), "0.25");
        assert!(
            line.starts_with("3,1,42,\"random, or not\",,8,0,"),
            "{line}"
        );
        // Rows of text (the header, rows carried over on --resume) are
        // written as the journal always wrote them: as CSV records.
        let mut fields = header.clone();
        fields.extend([
            "a \"quoted\", key".to_string(),
            String::new(),
            "x\ny".into(),
        ]);
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&fields).unwrap();
        assert_eq!(csv_line(&fields), w.into_inner().unwrap());
    }

    #[test]
    fn points_are_written_plain_and_never_as_a_bad_number() {
        let header: Vec<String> = runs_header(&[], &Summary::default());
        let run = |utilization: &str| {
            let mut row = vec![String::new(); header.len()];
            row[0] = "0".into();
            let at = header.iter().position(|h| h == "utilization").unwrap();
            row[at] = utilization.into();
            row
        };
        let rows = vec![run("1e308"), run("1.7e308"), run("-0")];
        let (h, points) = points_table(&header, 0, &rows);
        let mean = h.iter().position(|c| c == "utilization_mean").unwrap();
        // The sum overflows: the mean is not finite, so it is left empty.
        assert_eq!(points[0][mean], "");
        let rows = vec![run("-0"), run("-0.0")];
        let (_, points) = points_table(&header, 0, &rows);
        assert_eq!(
            &points[0][mean..mean + 4],
            &["0", "0", "0", "2"].map(String::from)
        );
        let bytes = write_table(Vec::new(), &h, &points).unwrap();
        assert!(!String::from_utf8(bytes).unwrap().contains("-0"));
    }

    /// A run with one key: its point, replication, value of the key, and
    /// some of its columns' values.
    type Run<'a> = (usize, u32, &'a str, Vec<(&'a str, &'a str)>);

    /// Rows of runs.csv.
    fn runs(rows: &[Run]) -> (Vec<String>, Vec<Vec<String>>) {
        let header = runs_header(&["k".to_string()], &Summary::default());
        let rows = rows
            .iter()
            .map(|(point, replication, key, fields)| {
                let mut row = vec![String::new(); header.len()];
                row[0] = point.to_string();
                row[1] = replication.to_string();
                row[2] = (1 + replication).to_string();
                row[3] = key.to_string();
                for (column, value) in fields.iter() {
                    let at = header.iter().position(|h| h == column).unwrap();
                    row[at] = value.to_string();
                }
                row
            })
            .collect();
        (header, rows)
    }

    #[test]
    fn points_count_the_values_and_write_constants_once() {
        let run = |replication, p99| {
            (
                0,
                replication,
                "a",
                vec![("renters", "4"), ("frame_latency_p99_ms", p99)],
            )
        };
        let (header, rows) = runs(&[run(0, "120"), run(1, ""), run(2, "140")]);
        let (h, points) = points_table(&header, 1, &rows);
        let at = |c: &str| {
            h.iter()
                .position(|x| x == c)
                .unwrap_or_else(|| panic!("{c}"))
        };
        assert_eq!(&h[..4], &["point", "k", "runs", "renters"]);
        assert!(!h.iter().any(|c| c.starts_with("renters_")), "{h:?}");
        assert_eq!(points[0][at("renters")], "4");
        assert_eq!(points[0][at("runs")], "3");
        // The p99 of the run that delivered nothing is no value.
        assert_eq!(points[0][at("frame_latency_p99_ms_n")], "2");
        assert_eq!(points[0][at("frame_latency_p99_ms_mean")], "130");
        let low: f64 = points[0][at("frame_latency_p99_ms_ci95_low")]
            .parse()
            .unwrap();
        assert!(low > 0.0, "{low}");
        // Every metric has its four columns, in order.
        let mean = at("utilization_mean");
        assert_eq!(
            &h[mean..mean + 4],
            &[
                "utilization_mean",
                "utilization_ci95_low",
                "utilization_ci95_high",
                "utilization_n"
            ]
        );
    }

    #[test]
    fn differences_pair_replications_and_skip_the_reference() {
        let p99 = |x| vec![("frame_latency_p99_ms", x)];
        let (header, rows) = runs(&[
            (0, 0, "a", p99("100")),
            (0, 1, "a", p99("200")),
            (0, 2, "a", p99("150")),
            (1, 0, "b", p99("101")),
            (1, 1, "b", p99("")),
            (1, 2, "b", p99("152")),
        ]);
        let keys = ["k".to_string()];
        let reference = [("k".to_string(), "a".to_string())];
        let metrics = ["frame_latency_p99_ms".to_string()];
        let (h, d) = differences_table(&header, &keys, &rows, &reference, &metrics);
        assert_eq!(
            h,
            [
                "point",
                "k",
                "reference",
                "frame_latency_p99_ms_mean",
                "frame_latency_p99_ms_ci95_low",
                "frame_latency_p99_ms_ci95_high",
                "frame_latency_p99_ms_n"
            ]
        );
        // One row: point 1 against point 0, over the two pairs with both.
        assert_eq!(d.len(), 1);
        assert_eq!(&d[0][..3], &["1", "b", "0"]);
        assert_eq!(d[0][3], "1.5");
        assert_eq!(d[0][6], "2");
        let (lo, hi): (f64, f64) = (d[0][4].parse().unwrap(), d[0][5].parse().unwrap());
        // t(1) = 12.706, sd of (1, 2) = 0.7071: half-width 6.353
        assert!((hi - lo - 2.0 * 6.353).abs() < 1e-2, "{lo} {hi}");
    }

    #[test]
    fn the_terminal_table_lines_up_and_says_n_when_a_value_is_missing() {
        let header: Vec<String> = [
            "point",
            "k",
            "runs",
            "deadline_hit_rate_mean",
            "deadline_hit_rate_ci95_low",
            "deadline_hit_rate_ci95_high",
            "deadline_hit_rate_n",
            "frame_latency_p99_ms_mean",
            "frame_latency_p99_ms_ci95_low",
            "frame_latency_p99_ms_ci95_high",
            "frame_latency_p99_ms_n",
        ]
        .map(String::from)
        .to_vec();
        let row = |fields: &[&str]| fields.iter().map(|f| f.to_string()).collect::<Vec<_>>();
        let rows = vec![
            row(&[
                "0", "random", "3", "0.5", "0.4", "0.6", "3", "120", "100", "144", "3",
            ]),
            row(&[
                "1",
                "least_loaded",
                "3",
                "0.25",
                "",
                "",
                "1",
                "",
                "",
                "",
                "0",
            ]),
            row(&["2", "x", "3", "1", "1", "1", "3", "1", "1", "1", "3"]),
        ];
        let lines = points_summary(&header, &rows, 1, 2);
        assert_eq!(
            lines,
            [
                "point  k             deadline_hit_rate (95% CI)  frame_latency_p99_ms (95% CI)",
                "0      random        0.5000 [0.4000, 0.6000]     120.0 [100.0, 144.0]",
                "1      least_loaded  0.2500 n=1                  - n=0",
                "... and 1 more point in points.csv",
            ]
        );
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
}
