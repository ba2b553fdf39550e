//! Sweeps: every point of a grid times every replication, run in parallel
//! across runs (never inside one), each finished run journalled to disk at
//! once, and the results written in run order, so the files are the same
//! whatever the number of threads, the interruptions or the sharding.
//!
//! Replication `k` of every point uses the seed `simulation.seed + k`: the
//! points see the same frames and work (common random numbers), so their
//! differences are not noise from different workloads.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Instant;

use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::model::Simulation;
use crate::output::sweep::{self as files, Journal, SweepInfo, SweepInfoError};
use crate::output::FileError;
use crate::run::stop_requested;
use crate::scenario::SweepFile;

const JOURNAL: &str = "runs.journal.csv";

/// `K/N`: this machine runs the runs whose index is `K - 1` modulo `N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// From 1 to `count`.
    pub index: u32,
    pub count: u32,
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let parsed = s
            .split_once('/')
            .and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if index >= 1 && index <= count => Ok(Shard { index, count }),
            _ => Err(format!(
                "expected K/N with 1 <= K <= N, e.g. 2/8, found `{s}`"
            )),
        }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Info(#[from] SweepInfoError),
    #[error("cannot start the sweep's threads")]
    Threads(#[source] rayon::ThreadPoolBuildError),
    /// The results on disk do not belong to this sweep, or are incomplete.
    #[error("{0}")]
    Mismatch(String),
    /// Stopped by a signal; the finished runs are in the journal.
    #[error(
        "interrupted: {kept} of the {runs} runs are finished and kept in {}; \
         finish the sweep with --resume",
        journal.display()
    )]
    Interrupted {
        journal: PathBuf,
        kept: usize,
        runs: usize,
    },
}

fn io_at<'a>(path: &'a Path, doing: &'static str) -> impl FnOnce(io::Error) -> SweepError + 'a {
    move |source| FileError::new(path, doing, source).into()
}

fn read_rows(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), SweepError> {
    files::read_rows(path).map_err(|e| FileError::csv(path, "read the file", e).into())
}

/// One run of a sweep.
#[derive(Clone, Copy, Debug)]
struct RunSpec {
    point: usize,
    replication: u32,
    seed: u64,
}

fn plan(sweep: &SweepFile) -> Vec<RunSpec> {
    (0..sweep.points.len())
        .flat_map(|point| {
            let seed = sweep.points.seed(point);
            (0..sweep.replications).map(move |replication| RunSpec {
                point,
                replication,
                seed: seed.wrapping_add(u64::from(replication)),
            })
        })
        .collect()
}

pub struct SweepOptions {
    pub out: PathBuf,
    /// Threads; 0 for all cores.
    pub jobs: usize,
    pub resume: bool,
    pub shard: Option<Shard>,
    pub progress: bool,
}

/// What a sweep did.
#[derive(Debug)]
pub struct Outcome {
    /// Runs of this sweep (or shard).
    pub runs: usize,
    /// Of which found finished on disk (`--resume`).
    pub already_done: usize,
    pub wall_s: f64,
    /// Time spent inside the simulations, summed over runs.
    pub simulating_s: f64,
    pub threads: usize,
}

fn info(sweep: &SweepFile, shard: Option<Shard>) -> SweepInfo {
    SweepInfo {
        name: sweep.name.clone(),
        points: sweep.points.len(),
        replications: sweep.replications,
        keys: sweep.keys.clone(),
        metrics: sweep.metrics.clone(),
        shard: shard.map(|s| s.to_string()),
    }
}

/// Runs a sweep (or its shard) into `opts.out`.
pub fn run(sweep: &SweepFile, opts: &SweepOptions) -> Result<Outcome, SweepError> {
    let started = Instant::now();
    let out = &opts.out;
    std::fs::create_dir_all(out).map_err(io_at(out, "create the output folder"))?;
    let shape = crate::model::summary_shape(&sweep.points.get(0).scenario.config);
    let header = files::runs_header(&sweep.keys, &shape);
    let mine: Vec<(usize, RunSpec)> = plan(sweep)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| {
            opts.shard
                .is_none_or(|s| *i as u64 % u64::from(s.count) == u64::from(s.index - 1))
        })
        .collect();

    let journal_path = out.join(JOURNAL);
    let mut done: BTreeSet<(usize, u32)> = BTreeSet::new();
    let journal = if opts.resume {
        let from = [journal_path.clone(), out.join("runs.csv")]
            .into_iter()
            .find(|p| p.exists());
        if let Some(from) = &from {
            let (found, rows) = read_rows(from)?;
            if found != header {
                return Err(SweepError::Mismatch(format!(
                    "{} has other columns than this sweep writes: was the sweep file changed? Run it again without --resume into another folder",
                    from.display()
                )));
            }
            for row in &rows {
                done.insert(check_row(sweep, &mine, row, from)?);
            }
        }
        if from.as_ref() == Some(&journal_path) {
            Journal::reopen(&journal_path).map_err(io_at(&journal_path, "reopen the journal"))?
        } else {
            let mut j = Journal::create(&journal_path, &header)
                .map_err(io_at(&journal_path, "create the journal"))?;
            if let Some(from) = from {
                // Carry the rows of a finished sweep over, so none is redone.
                let (_, rows) = read_rows(&from)?;
                for row in &rows {
                    j.append(row)
                        .map_err(io_at(&journal_path, "write the journal"))?;
                }
            }
            j
        }
    } else {
        if journal_path.exists() {
            return Err(SweepError::Mismatch(format!(
                "{} holds an interrupted sweep: add --resume to finish it, or remove the file to start again",
                journal_path.display()
            )));
        }
        Journal::create(&journal_path, &header)
            .map_err(io_at(&journal_path, "create the journal"))?
    };
    info(sweep, opts.shard).write(out)?;

    let todo: Vec<RunSpec> = mine
        .iter()
        .map(|(_, r)| *r)
        .filter(|r| !done.contains(&(r.point, r.replication)))
        .collect();
    let progress = if opts.progress {
        crate::progress::bar(todo.len() as u64, "runs")
    } else {
        ProgressBar::hidden()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .map_err(SweepError::Threads)?;
    let threads = pool.current_num_threads();
    let journal = Mutex::new(journal);
    let simulating_ns = std::sync::atomic::AtomicU64::new(0);
    let first_error: Mutex<Option<io::Error>> = Mutex::new(None);
    let appended = std::sync::atomic::AtomicUsize::new(0);
    pool.install(|| {
        todo.par_iter().for_each(|r| {
            if stop_requested() {
                return;
            }
            let point = sweep.points.get(r.point);
            let mut cfg = point.scenario.config.clone();
            cfg.seed = r.seed;
            let t = Instant::now();
            let mut cut = false;
            let report = Simulation::new(&cfg).run_while(&mut (), |_| {
                cut = stop_requested();
                !cut
            });
            simulating_ns.fetch_add(
                t.elapsed().as_nanos() as u64,
                std::sync::atomic::Ordering::Relaxed,
            );
            if cut {
                return;
            }
            let row = files::run_row(
                r.point,
                r.replication,
                r.seed,
                &point.values,
                &report.summary,
            );
            let written = journal.lock().expect("no panics while held").append(&row);
            appended.fetch_add(
                usize::from(written.is_ok()),
                std::sync::atomic::Ordering::Relaxed,
            );
            if let Err(e) = written {
                first_error
                    .lock()
                    .expect("no panics while held")
                    .get_or_insert(e);
            }
            progress.inc(1);
        })
    });
    progress.finish_and_clear();
    if let Some(e) = first_error.into_inner().expect("threads done") {
        return Err(io_at(&journal_path, "write the journal")(e));
    }
    drop(journal);
    if stop_requested() {
        return Err(SweepError::Interrupted {
            journal: journal_path,
            kept: done.len() + appended.into_inner(),
            runs: mine.len(),
        });
    }

    let (_, mut rows) = read_rows(&journal_path)?;
    files::sort_runs(&mut rows);
    write_results(out, &header, &rows, sweep.keys.len(), opts.shard.is_none())?;
    std::fs::remove_file(&journal_path).map_err(io_at(&journal_path, "remove the journal"))?;
    Ok(Outcome {
        runs: mine.len(),
        already_done: done.len(),
        wall_s: started.elapsed().as_secs_f64(),
        simulating_s: simulating_ns.into_inner() as f64 / 1e9,
        threads,
    })
}

/// Checks that a row on disk is one of this sweep's runs, as planned.
fn check_row(
    sweep: &SweepFile,
    mine: &[(usize, RunSpec)],
    row: &[String],
    from: &Path,
) -> Result<(usize, u32), SweepError> {
    let mismatch = || {
        SweepError::Mismatch(format!(
            "{} holds a run (point {}, replication {}) that this sweep would not run in the same way: was the sweep file changed? Run it again without --resume into another folder",
            from.display(),
            row[0],
            row.get(1).map_or("?", String::as_str)
        ))
    };
    let point: usize = row[0].parse().map_err(|_| mismatch())?;
    let replication: u32 = row[1].parse().map_err(|_| mismatch())?;
    let planned = mine
        .iter()
        .find(|(_, r)| r.point == point && r.replication == replication)
        .ok_or_else(mismatch)?;
    let values = &sweep.points.values(point);
    if row[2] != planned.1.seed.to_string() || row[3..3 + values.len()] != values[..] {
        return Err(mismatch());
    }
    Ok((point, replication))
}

/// runs.csv, and for a whole sweep points.csv.
fn write_results(
    out: &Path,
    header: &[String],
    rows: &[Vec<String>],
    keys: usize,
    whole: bool,
) -> Result<(), SweepError> {
    let runs = out.join("runs.csv");
    files::write_csv(&runs, header, rows).map_err(io_at(&runs, "write the file"))?;
    if whole {
        let (h, points) = files::points_table(header, keys, rows);
        let path = out.join("points.csv");
        files::write_csv(&path, &h, &points).map_err(io_at(&path, "write the file"))?;
    }
    Ok(())
}

/// Combines the folders of finished shards into what one unsharded sweep
/// writes. Returns the number of runs.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<usize, SweepError> {
    let mut info: Option<SweepInfo> = None;
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    // Where each run was found: (point, replication) -> its runs.csv.
    let mut found: BTreeMap<(String, String), PathBuf> = BTreeMap::new();
    for dir in dirs {
        let mut this = SweepInfo::read(dir)?;
        this.shard = None;
        match &info {
            None => info = Some(this),
            Some(first) if *first != this => {
                return Err(SweepError::Mismatch(format!(
                    "{} is from another sweep than {} (name, grid, replications or metrics differ)",
                    dir.display(),
                    dirs[0].display()
                )))
            }
            Some(_) => {}
        }
        let runs = dir.join("runs.csv");
        if !runs.exists() {
            return Err(SweepError::Mismatch(format!(
                "{} has no runs.csv: that shard has not finished (finish it with --resume)",
                dir.display()
            )));
        }
        let (h, r) = read_rows(&runs)?;
        if !h.starts_with(&files::runs_header(&[], &Default::default())[..3]) {
            return Err(SweepError::Mismatch(format!(
                "{} is not a sweep's runs.csv: its columns do not start with point,replication,seed",
                runs.display()
            )));
        }
        if header.as_ref().is_some_and(|first| *first != h) {
            return Err(SweepError::Mismatch(format!(
                "{} has other columns than {}",
                runs.display(),
                dirs[0].join("runs.csv").display()
            )));
        }
        header = Some(h);
        for row in &r {
            if let Some(other) = found.insert((row[0].clone(), row[1].clone()), runs.clone()) {
                return Err(SweepError::Mismatch(format!(
                    "point {} replication {} is in both {} and {}",
                    row[0],
                    row[1],
                    other.display(),
                    runs.display()
                )));
            }
        }
        rows.extend(r);
    }
    let (Some(info), Some(header)) = (info, header) else {
        return Err(SweepError::Mismatch(
            "nothing to merge: name at least one folder".into(),
        ));
    };
    files::sort_runs(&mut rows);
    let expected = info.points * info.replications as usize;
    if rows.len() != expected {
        return Err(SweepError::Mismatch(format!(
            "the shards hold {} of the sweep's {expected} runs: is a shard missing?",
            rows.len()
        )));
    }
    std::fs::create_dir_all(out).map_err(io_at(out, "create the output folder"))?;
    info.write(out)?;
    write_results(out, &header, &rows, info.keys.len(), true)?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_nonsense() {
        assert_eq!("2/8".parse(), Ok(Shard { index: 2, count: 8 }));
        assert!("0/8".parse::<Shard>().is_err());
        assert!("9/8".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }
}
