//! `p2c2g compare A B`: two results folders side by side. Two runs: each
//! headline metric of A and of B and their difference. Two sweeps: their
//! points matched by their values of the keys, and at each the metric's
//! mean in A and in B with its interval, and the difference B - A with
//! its interval: paired replication by replication when both ran the same
//! seeds (common random numbers: the same frames, work and attempt luck,
//! so the difference is the design's), else Welch's unpaired interval.
//!
//! What is compared is written to `compare.csv` (one row per point and
//! metric), with, for sweeps, `differences.csv` (one row per point, the
//! columns of a sweep's) and a chart of each metric's differences; for
//! runs, a chart overlaying the two latency CDFs.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::charts::{self, ChartError, Format, Table};
use super::number::Plain;
use super::sweep::{
    is_share, kind, read_rows, stats, write_csv, SweepInfo, SweepInfoError, HEADLINE_METRICS,
};
use super::FileError;

/// What both sides are compared on, where both have the column: the
/// headline metrics, the latency quantiles, failures, and what the wave-2
/// mechanisms add.
pub const COMPARED: [&str; 14] = [
    "deadline_hit_rate",
    "frame_latency_mean_ms",
    "frame_latency_p50_ms",
    "frame_latency_p95_ms",
    "frame_latency_p99_ms",
    "frames_failed",
    "failovers_per_frame",
    "timeouts",
    "utilization",
    "good_rate",
    "attempts_lost",
    "wasted_ms",
    "cost_total",
    "cost_per_frame_on_time",
];

/// The files `compare` writes in its folder.
pub const FILES: [&str; 2] = ["compare.csv", "differences.csv"];

/// Why two folders cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The folders are not two runs' or two sweeps' results that match
    /// (bad input).
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Info(#[from] SweepInfoError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Charts(#[from] ChartError),
}

impl CompareError {
    /// Whether the error is the input's (exit code 2), not a failure.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            CompareError::Input(_)
                | CompareError::Info(_)
                | CompareError::Charts(ChartError::Choice(_))
        )
    }
}

/// One side: a run's summary, or a sweep's plan and runs.
pub enum Side {
    Run {
        dir: PathBuf,
        /// summary.csv's header and its one row.
        header: Vec<String>,
        row: Vec<String>,
    },
    Sweep {
        dir: PathBuf,
        info: Box<SweepInfo>,
        /// runs.csv's header and rows.
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

fn input(message: String) -> CompareError {
    CompareError::Input(message)
}

impl Side {
    /// Reads the results in `dir`: a sweep's if it has `sweep.toml`, a
    /// run's if it has `summary.csv`.
    pub fn read(dir: &Path) -> Result<Side, CompareError> {
        if !dir.exists() {
            return Err(input(format!("{}: no such folder", dir.display())));
        }
        if !dir.is_dir() {
            return Err(input(format!(
                "{}: not a folder (compare takes two results folders)",
                dir.display()
            )));
        }
        let csv = |name: &str| -> Result<(Vec<String>, Vec<Vec<String>>), CompareError> {
            let file = dir.join(name);
            read_rows(&file).map_err(|e| FileError::csv(&file, "read the file", e).into())
        };
        if dir.join("sweep.toml").exists() {
            let info = SweepInfo::read(dir)?;
            if info.shard.is_some() {
                return Err(input(format!(
                    "{}: holds one shard of a sweep ({}); merge the shards first (p2c2g merge)",
                    dir.display(),
                    info.shard.as_deref().unwrap_or("")
                )));
            }
            if !dir.join("runs.csv").exists() {
                return Err(input(format!(
                    "{}: a sweep's folder without runs.csv: did the sweep finish?",
                    dir.display()
                )));
            }
            let (header, rows) = csv("runs.csv")?;
            if header.first().map(String::as_str) != Some("point") {
                return Err(input(format!(
                    "{}: is not a sweep's runs.csv",
                    dir.join("runs.csv").display()
                )));
            }
            return Ok(Side::Sweep {
                dir: dir.to_path_buf(),
                info: Box::new(info),
                header,
                rows,
            });
        }
        if dir.join("summary.csv").exists() {
            let (header, mut rows) = csv("summary.csv")?;
            if rows.len() != 1 {
                return Err(input(format!(
                    "{}: expected one row, found {}",
                    dir.join("summary.csv").display(),
                    rows.len()
                )));
            }
            return Ok(Side::Run {
                dir: dir.to_path_buf(),
                header,
                row: rows.remove(0),
            });
        }
        Err(input(format!(
            "{}: holds neither a run's results (summary.csv) nor a sweep's (sweep.toml, runs.csv)",
            dir.display()
        )))
    }

    fn what(&self) -> &'static str {
        match self {
            Side::Run { .. } => "a run's results",
            Side::Sweep { .. } => "a sweep's results",
        }
    }

    pub fn dir(&self) -> &Path {
        match self {
            Side::Run { dir, .. } | Side::Sweep { dir, .. } => dir,
        }
    }

    /// The columns a side has values of.
    fn columns(&self) -> &[String] {
        match self {
            Side::Run { header, .. } | Side::Sweep { header, .. } => header,
        }
    }

    /// Whether the side measures `metric` (a run's `failovers_per_frame`
    /// is derived from its failovers and frames).
    fn measures(&self, metric: &str) -> bool {
        let has = |c: &str| self.columns().iter().any(|h| h == c);
        has(metric)
            || (metric == "failovers_per_frame"
                && matches!(self, Side::Run { .. })
                && has("failovers")
                && has("frames"))
    }
}

/// The number in `column` of `row` (under `header`), if it is one.
fn number(header: &[String], row: &[String], column: &str) -> Option<f64> {
    let at = header.iter().position(|h| h == column)?;
    row.get(at)?.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// A run's value of `metric`, `failovers_per_frame` derived.
fn run_value(header: &[String], row: &[String], metric: &str) -> Option<f64> {
    if metric == "failovers_per_frame" && !header.iter().any(|h| h == metric) {
        let frames = number(header, row, "frames")?;
        return (frames > 0.0).then(|| number(header, row, "failovers").map(|f| f / frames))?;
    }
    number(header, row, metric)
}

/// One metric compared at one point (or for two runs).
#[derive(Clone, Debug)]
pub struct Compared {
    pub metric: String,
    pub a: stats::Estimate,
    pub b: stats::Estimate,
    /// B - A: paired, or Welch's, or (runs) the plain difference.
    pub difference: stats::Estimate,
}

/// A point of both sweeps: its values of the keys and its numbers in A
/// and in B, and what was compared there.
#[derive(Clone, Debug)]
pub struct MatchedPoint {
    pub values: Vec<String>,
    pub point_a: String,
    pub point_b: String,
    pub compared: Vec<Compared>,
}

/// What was compared.
pub struct Comparison {
    pub a: PathBuf,
    pub b: PathBuf,
    pub metrics: Vec<String>,
    /// Whether the metrics were chosen (--metrics): then they are charted
    /// and shown, rather than the headline ones.
    pub chosen: bool,
    pub shape: Shape,
}

impl Comparison {
    /// The metrics charted and shown on the terminal for sweeps: those
    /// chosen, or the headline ones.
    pub fn shown(&self) -> Vec<String> {
        if self.chosen {
            return self.metrics.clone();
        }
        HEADLINE_METRICS
            .iter()
            .filter(|m| self.metrics.iter().any(|c| c == *m))
            .map(|m| m.to_string())
            .collect()
    }
}

/// Two runs or two sweeps.
pub enum Shape {
    Runs {
        compared: Vec<Compared>,
    },
    Sweeps {
        keys: Vec<String>,
        zip: Vec<String>,
        points: Vec<MatchedPoint>,
        /// Whether each point's runs were paired by seed; why not if not.
        paired: Result<(), String>,
        only_a: usize,
        only_b: usize,
        replications: (u32, u32),
    },
}

/// The runs of each point of a sweep, by point number (runs.csv's rows
/// are in point order).
fn by_point(rows: &[Vec<String>]) -> BTreeMap<String, Vec<&Vec<String>>> {
    let mut points: BTreeMap<String, Vec<&Vec<String>>> = BTreeMap::new();
    for r in rows {
        points.entry(r[0].clone()).or_default().push(r);
    }
    points
}

/// Compares the results in `a` and `b`: on `chosen` metrics (each a
/// column both sides have), or on those of [`COMPARED`] both have.
pub fn compare(a: &Path, b: &Path, chosen: Option<&[String]>) -> Result<Comparison, CompareError> {
    let (sa, sb) = (Side::read(a)?, Side::read(b)?);
    let metrics: Vec<String> = match chosen {
        Some(chosen) => {
            for m in chosen {
                if let Some(side) = [&sa, &sb].into_iter().find(|s| !s.measures(m)) {
                    return Err(input(format!(
                        "--metrics {m}: {} has no column {m}",
                        side.dir().display()
                    )));
                }
            }
            chosen.to_vec()
        }
        None => COMPARED
            .iter()
            .filter(|m| sa.measures(m) && sb.measures(m))
            .map(|m| m.to_string())
            .collect(),
    };
    let chosen = chosen.is_some();
    let shape = match (&sa, &sb) {
        (
            Side::Run {
                header: ha,
                row: ra,
                ..
            },
            Side::Run {
                header: hb,
                row: rb,
                ..
            },
        ) => {
            let compared = metrics
                .iter()
                .map(|m| {
                    let one = |x: Option<f64>| {
                        stats::estimate(&x.into_iter().collect::<Vec<_>>(), kind(m))
                    };
                    let (va, vb) = (run_value(ha, ra, m), run_value(hb, rb, m));
                    let d = match (va, vb) {
                        (Some(x), Some(y)) => Some(y - x),
                        _ => None,
                    };
                    Compared {
                        metric: m.clone(),
                        a: one(va),
                        b: one(vb),
                        difference: one(d),
                    }
                })
                .collect();
            Shape::Runs { compared }
        }
        (
            Side::Sweep {
                info: ia,
                header: ha,
                rows: ra,
                ..
            },
            Side::Sweep {
                info: ib,
                header: hb,
                rows: rb,
                ..
            },
        ) => compare_sweeps((ia, ha, ra), (ib, hb, rb), &metrics, a, b)?,
        _ => {
            return Err(input(format!(
                "{} holds {} and {} {}: compare two runs or two sweeps",
                a.display(),
                sa.what(),
                b.display(),
                sb.what()
            )))
        }
    };
    Ok(Comparison {
        a: a.to_path_buf(),
        b: b.to_path_buf(),
        metrics,
        chosen,
        shape,
    })
}

/// A sweep: its plan, runs.csv's header and rows.
type SweepSide<'a> = (&'a SweepInfo, &'a Vec<String>, &'a Vec<Vec<String>>);

fn compare_sweeps(
    (ia, ha, ra): SweepSide,
    (ib, hb, rb): SweepSide,
    metrics: &[String],
    a: &Path,
    b: &Path,
) -> Result<Shape, CompareError> {
    let (pa, pb) = (by_point(ra), by_point(rb));
    let keys = ia.keys.len();
    let values = |runs: &Vec<&Vec<String>>, n: usize| runs[0][3..3 + n].to_vec();
    // Points are matched by their values of the keys; two sweeps of one
    // point each are matched whatever their keys.
    let single = pa.len() == 1 && pb.len() == 1;
    if ia.keys != ib.keys && !single {
        return Err(input(format!(
            "{} sets its points by {} and {} by {}: no point of one can be matched with a point \
             of the other",
            a.display(),
            keys_text(&ia.keys),
            b.display(),
            keys_text(&ib.keys)
        )));
    }
    let b_at: BTreeMap<Vec<String>, &String> = pb
        .iter()
        .map(|(p, runs)| (values(runs, ib.keys.len()), p))
        .collect();
    let mut matched: Vec<(&String, &String)> = Vec::new();
    for (p, runs) in &pa {
        let found = if single {
            pb.keys().next()
        } else {
            b_at.get(&values(runs, keys)).copied()
        };
        if let Some(q) = found {
            matched.push((p, q));
        }
    }
    if matched.is_empty() {
        return Err(input(format!(
            "{} and {} have no point in common (no values of {} that both ran)",
            a.display(),
            b.display(),
            keys_text(&ia.keys)
        )));
    }
    // Sorted by A's point number.
    matched.sort_by_key(|(p, _)| p.parse::<u64>().unwrap_or(u64::MAX));
    let seed = |r: &Vec<String>| r[2].clone();
    let seeds = |runs: &Vec<&Vec<String>>| {
        let mut s: Vec<String> = runs.iter().map(|r| seed(r)).collect();
        s.sort();
        s
    };
    let paired = matched
        .iter()
        .find(|(p, q)| seeds(&pa[*p]) != seeds(&pb[*q]))
        .map_or(Ok(()), |(p, q)| {
            Err(format!(
                "the seeds differ (A's point {p}: {}; B's point {q}: {})",
                seeds(&pa[*p]).join(", "),
                seeds(&pb[*q]).join(", ")
            ))
        });
    let mut points = Vec::new();
    for (p, q) in &matched {
        let (runs_a, runs_b) = (&pa[*p], &pb[*q]);
        let compared = metrics
            .iter()
            .map(|m| {
                let xs = |h: &[String], runs: &Vec<&Vec<String>>| -> Vec<f64> {
                    runs.iter().filter_map(|r| number(h, r, m)).collect()
                };
                let (xa, xb) = (xs(ha, runs_a), xs(hb, runs_b));
                let difference = if paired.is_ok() {
                    // Replication by replication: the run of B with the
                    // same seed.
                    let d: Vec<f64> = runs_a
                        .iter()
                        .filter_map(|r| {
                            let twin = runs_b.iter().find(|t| seed(t) == seed(r))?;
                            Some(number(hb, twin, m)? - number(ha, r, m)?)
                        })
                        .collect();
                    let k = if is_share(m) {
                        stats::Kind::ShareDifference
                    } else {
                        stats::Kind::Signed
                    };
                    stats::estimate(&d, k)
                } else {
                    stats::welch(&xa, &xb)
                };
                Compared {
                    metric: m.clone(),
                    a: stats::estimate(&xa, kind(m)),
                    b: stats::estimate(&xb, kind(m)),
                    difference,
                }
            })
            .collect();
        points.push(MatchedPoint {
            values: values(runs_a, keys),
            point_a: (*p).clone(),
            point_b: (*q).clone(),
            compared,
        });
    }
    Ok(Shape::Sweeps {
        keys: ia.keys.clone(),
        zip: ia.zip.clone(),
        only_a: pa.len() - matched.len(),
        only_b: pb.len() - matched.len(),
        points,
        paired,
        replications: (ia.replications, ib.replications),
    })
}

fn keys_text(keys: &[String]) -> String {
    if keys.is_empty() {
        "no key (no grid)".to_string()
    } else {
        keys.join(", ")
    }
}

/// An optional number as the CSV files write it.
fn field(x: Option<f64>) -> String {
    x.map_or(String::new(), |x| Plain(x).to_string())
}

fn estimate_fields(e: &stats::Estimate) -> [String; 4] {
    [field(e.mean), field(e.low), field(e.high), e.n.to_string()]
}

impl Comparison {
    /// compare.csv: one row per point (none for runs) and metric: A's
    /// estimate, B's, and the difference B - A, each `mean, ci95_low,
    /// ci95_high, n`, and whether the difference is paired by seed.
    pub fn table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let estimate =
            |side: &str| ["mean", "ci95_low", "ci95_high", "n"].map(|c| format!("{side}_{c}"));
        let mut header: Vec<String> = Vec::new();
        let rows: Vec<(Vec<String>, &Compared)> = match &self.shape {
            Shape::Runs { compared } => compared.iter().map(|c| (Vec::new(), c)).collect(),
            Shape::Sweeps { keys, points, .. } => {
                header.extend(["point_a".to_string(), "point_b".to_string()]);
                header.extend(keys.iter().cloned());
                points
                    .iter()
                    .flat_map(|p| {
                        let mut lead = vec![p.point_a.clone(), p.point_b.clone()];
                        lead.extend(p.values.iter().cloned());
                        p.compared.iter().map(move |c| (lead.clone(), c))
                    })
                    .collect()
            }
        };
        header.push("metric".into());
        for side in ["a", "b", "difference"] {
            header.extend(estimate(side));
        }
        header.push("paired".into());
        let paired = match &self.shape {
            Shape::Runs { .. } => "",
            Shape::Sweeps { paired, .. } => {
                if paired.is_ok() {
                    "true"
                } else {
                    "false"
                }
            }
        };
        let rows = rows
            .into_iter()
            .map(|(mut row, c)| {
                row.push(c.metric.clone());
                row.extend(estimate_fields(&c.a));
                row.extend(estimate_fields(&c.b));
                row.extend(estimate_fields(&c.difference));
                row.push(paired.to_string());
                row
            })
            .collect();
        (header, rows)
    }

    /// For sweeps, the differences as a sweep's differences.csv has them:
    /// one row per point, `point` (A's), the keys, then per metric
    /// `_mean, _ci95_low, _ci95_high, _n`.
    fn differences(&self) -> Option<(Vec<String>, Vec<Vec<String>>)> {
        let Shape::Sweeps { keys, points, .. } = &self.shape else {
            return None;
        };
        let mut header = vec!["point".to_string()];
        header.extend(keys.iter().cloned());
        for m in &self.metrics {
            header.extend(["_mean", "_ci95_low", "_ci95_high", "_n"].map(|s| format!("{m}{s}")));
        }
        let rows = points
            .iter()
            .map(|p| {
                let mut row = vec![p.point_a.clone()];
                row.extend(p.values.iter().cloned());
                for c in &p.compared {
                    row.extend(estimate_fields(&c.difference));
                }
                row
            })
            .collect();
        Some((header, rows))
    }

    /// Writes compare.csv, for sweeps differences.csv, and the charts (the
    /// latency CDFs of two runs; each headline metric's differences for
    /// two sweeps) into `out`, which must be new, empty or hold an earlier
    /// comparison (unless `force`), and is neither A nor B. Returns the
    /// files written.
    pub fn write(
        &self,
        out: &Path,
        format: Format,
        force: bool,
    ) -> Result<Vec<PathBuf>, CompareError> {
        for side in [&self.a, &self.b] {
            if same_folder(side, out) {
                return Err(input(format!(
                    "--out {}: is {}, one of the folders compared; write the comparison elsewhere",
                    out.display(),
                    side.display()
                )));
            }
        }
        claim(out, force)?;
        fs::create_dir_all(out).map_err(FileError::at(out, "create the folder"))?;
        let mut written = Vec::new();
        let (header, rows) = self.table();
        let file = out.join("compare.csv");
        write_csv(&file, &header, &rows).map_err(FileError::at(&file, "write the file"))?;
        written.push(file);
        let stale = out.join("differences.csv");
        match self.differences() {
            Some((header, rows)) => {
                write_csv(&stale, &header, &rows)
                    .map_err(FileError::at(&stale, "write the file"))?;
                written.push(stale);
                let Shape::Sweeps {
                    keys,
                    zip,
                    replications,
                    ..
                } = &self.shape
                else {
                    unreachable!("differences are of sweeps")
                };
                let file = out.join("differences.csv");
                let charted = self.shown();
                let table = Table {
                    file: &file,
                    name: "compare",
                    header: &header,
                    rows: &rows,
                    keys,
                    zip,
                    replications: replications.0.min(replications.1),
                };
                written.extend(charts::draw_differences(&table, &charted, out, format)?);
            }
            None => {
                // An earlier comparison of sweeps left it: it would
                // describe other results.
                match fs::remove_file(&stale) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(FileError::new(&stale, "remove the file", e).into())
                    }
                    _ => {}
                }
                written.push(charts::draw_cdfs(
                    [
                        (&format!("A: {}", self.a.display()), &self.a),
                        (&format!("B: {}", self.b.display()), &self.b),
                    ],
                    out,
                    format,
                )?);
            }
        }
        Ok(written)
    }
}

/// The same folder, however named.
fn same_folder(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Checks that `out` may take a comparison: new, empty, or holding one
/// (its compare.csv); anything else only with `force`.
fn claim(out: &Path, force: bool) -> Result<(), CompareError> {
    if !out.exists() || force {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(input(format!("--out {}: not a folder", out.display())));
    }
    if out.join("compare.csv").exists() {
        return Ok(());
    }
    let first = fs::read_dir(out)
        .map_err(FileError::at(out, "read the folder"))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .next();
    match first {
        None => Ok(()),
        Some(file) => Err(input(format!(
            "--out {}: holds {file} and no compare.csv, so not an earlier comparison; write \
             elsewhere, or replace it with --force",
            out.display()
        ))),
    }
}
