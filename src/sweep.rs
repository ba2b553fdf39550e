//! Sweeps: every point (of a grid, a zip or both) times every replication,
//! run in parallel across runs (never inside one), the longest expected
//! first, each finished run journalled to disk before it counts as done
//! (the runs that finish together share one fsync), and the results
//! written in run order, so the files are the same whatever the number of
//! threads, the order the runs ran in, the interruptions or the sharding.
//!
//! Replication `k` of every point uses the seed `simulation.seed + k`: the
//! points see the same frames and work (common random numbers), so their
//! differences are not noise from different workloads.

use std::collections::{btree_map::Entry, BTreeMap, BTreeSet};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use indicatif::ProgressBar;

use sha2::{Digest, Sha256};

use crate::model::Simulation;
use crate::output::folder::{self, FolderError};
use crate::output::journal::{self, Journal, JournalError, LockError};
use crate::output::sweep::{self as files, SweepInfo, SweepInfoError};
use crate::output::FileError;
use crate::run::stop_requested;
use crate::scenario::SweepFile;

const JOURNAL: &str = "runs.journal.csv";
/// The tables a sweep writes.
const RESULTS: [&str; 3] = ["runs.csv", "points.csv", "differences.csv"];

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
    #[error(transparent)]
    Scenario(#[from] crate::scenario::ScenarioError),
    #[error(transparent)]
    Folder(#[from] FolderError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Damaged(#[from] JournalError),
    /// The journal could not be written: the sweep stopped there.
    #[error(
        "the sweep stopped at a failed write to its journal, keeping the {kept} of its {runs} \
         runs finished before (make room, then finish it with --resume)"
    )]
    Journal {
        #[source]
        error: FileError,
        kept: usize,
        runs: usize,
    },
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

/// Orders `runs` (of `sweep`) longest expected first: by the events the
/// cost estimate of each run's point counts, in plan order where those are
/// equal. Each thread takes the next run as soon as it is free, so the runs
/// that start last are the short ones and the threads finish together. Only
/// the order the runs start in changes: the files are written in run order.
fn longest_first(sweep: &SweepFile, runs: &mut [RunSpec]) -> Result<(), SweepError> {
    let mut events: BTreeMap<usize, f64> = BTreeMap::new();
    for r in runs.iter() {
        if let Entry::Vacant(e) = events.entry(r.point) {
            e.insert(sweep.points.scenario(r.point)?.cost().events);
        }
    }
    // A stable sort: runs expected to cost the same keep their plan order.
    runs.sort_by(|a, b| events[&b.point].total_cmp(&events[&a.point]));
    Ok(())
}

pub struct SweepOptions {
    pub out: PathBuf,
    /// Threads; 0 for all cores.
    pub jobs: usize,
    pub resume: bool,
    pub shard: Option<Shard>,
    pub progress: bool,
    /// Write over the results of another sweep in `out`.
    pub force: bool,
}

/// What a sweep did.
#[derive(Debug)]
pub struct Outcome {
    /// Runs of this sweep (or shard).
    pub runs: usize,
    /// Of which found finished on disk (`--resume`).
    pub already_done: usize,
    /// Rows of the journal dropped as damaged (torn, or changed since
    /// written), whose runs were done again.
    pub damaged: usize,
    pub wall_s: f64,
    /// Time spent inside the simulations, summed over runs.
    pub simulating_s: f64,
    pub threads: usize,
}

/// The plan of a sweep: what its results are made from, fingerprinted.
pub fn plan_info(sweep: &SweepFile, shard: Option<Shard>) -> Result<SweepInfo, SweepError> {
    let mut hash = Sha256::new();
    hash.update(format!("replications {}\n", sweep.replications));
    // Which keys are zipped (they shape the points and the charts) is part
    // of the plan; said only when there is a zip, so the plans of sweeps
    // without one are as before.
    if !sweep.zip.is_empty() {
        hash.update(format!("zip {:?}\n", sweep.zip));
    }
    let mut inputs = BTreeMap::new();
    let mut seeds = Vec::with_capacity(sweep.points.len());
    let mut values = Vec::with_capacity(sweep.points.len());
    for i in 0..sweep.points.len() {
        let scenario = sweep.points.scenario(i)?;
        hash.update(format!("point {i}\n"));
        hash.update(scenario.resolved_toml());
        for input in &scenario.inputs {
            inputs.insert(input.path.display().to_string(), input.sha256.clone());
        }
        seeds.push(scenario.config.seed);
        values.push(sweep.points.values(i));
    }
    inputs.insert(sweep.path.display().to_string(), sweep_file_sha256(sweep)?);
    for (path, sha) in &inputs {
        hash.update(format!("input {sha} {path}\n"));
    }
    Ok(SweepInfo {
        name: sweep.name.clone(),
        points: sweep.points.len(),
        replications: sweep.replications,
        keys: sweep.keys.clone(),
        zip: sweep.zip.clone(),
        metrics: sweep.metrics.clone(),
        shard: shard.map(|s| s.to_string()),
        plan_sha256: hash.finalize().iter().map(|b| format!("{b:02x}")).collect(),
        inputs,
        seeds,
        values,
        reference: sweep.reference.iter().cloned().collect(),
    })
}

fn sweep_file_sha256(sweep: &SweepFile) -> Result<String, SweepError> {
    let bytes = std::fs::read(&sweep.path).map_err(io_at(&sweep.path, "read the file"))?;
    Ok(crate::digest::sha256_hex(&bytes))
}

/// What differs between the plan `was` (of results on disk) and `is`.
fn differences(was: &SweepInfo, is: &SweepInfo) -> String {
    let mut said = Vec::new();
    for (path, sha) in &is.inputs {
        match was.inputs.get(path) {
            Some(old) if old != sha => said.push(format!("{path} has changed")),
            None => said.push(format!("{path} was not read")),
            _ => {}
        }
    }
    for path in was.inputs.keys().filter(|p| !is.inputs.contains_key(*p)) {
        said.push(format!("{path} is no longer read"));
    }
    if was.replications != is.replications {
        said.push(format!(
            "replications {} against {}",
            was.replications, is.replications
        ));
    }
    if was.keys != is.keys || was.zip != is.zip || was.values != is.values {
        said.push(if was.zip.is_empty() && is.zip.is_empty() {
            "the grid differs".into()
        } else {
            "the grid or the zip differs".into()
        });
    } else if was.seeds != is.seeds {
        said.push("the seeds differ".into());
    }
    if said.is_empty() {
        said.push(
            "the points' scenarios differ (a --set override, [sweep.set], or the program)".into(),
        );
    }
    said.join("; ")
}

/// The plan a journal carries, of `info`.
fn journal_plan(info: &SweepInfo) -> journal::Plan {
    journal::Plan {
        sha256: info.plan_sha256.clone(),
        inputs: info
            .inputs
            .iter()
            .map(|(p, h)| (h.clone(), p.clone()))
            .collect(),
    }
}

/// Runs a sweep (or its shard) into `opts.out`.
pub fn run(sweep: &SweepFile, opts: &SweepOptions) -> Result<Outcome, SweepError> {
    let started = Instant::now();
    let out = &opts.out;
    folder::claim_sweep(out, &RESULTS, opts.force)?;
    std::fs::create_dir_all(out).map_err(io_at(out, "create the output folder"))?;
    let _lock = journal::lock(out)?;
    let info = plan_info(sweep, opts.shard)?;
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
    // An interrupted sweep's journal (one killed while it started is empty).
    let existing = match journal_path.exists().then(|| journal::read(&journal_path)) {
        Some(Err(e)) if !opts.force => return Err(e.into()),
        Some(Ok(found)) if found.plan.is_some() => Some(found),
        _ => None,
    };
    let interrupted = existing.is_some();
    let finished = SweepInfo::read(out).ok();
    let mut done_rows: Vec<Vec<String>> = Vec::new();
    let mut damaged = 0;
    if opts.resume {
        if let Some(found) = existing {
            let plan = found.plan.unwrap_or_default();
            if plan.sha256 != info.plan_sha256 {
                let was = SweepInfo {
                    inputs: plan
                        .inputs
                        .iter()
                        .map(|(h, p)| (p.clone(), h.clone()))
                        .collect(),
                    ..info.clone()
                };
                return Err(SweepError::Mismatch(format!(
                    "{} holds runs of another plan than this sweep's ({}): finish it with the \
                     plan that made it, or run this one into another folder",
                    journal_path.display(),
                    differences(&was, &info)
                )));
            }
            if found.header != header {
                return Err(SweepError::Mismatch(format!(
                    "{} has other columns than this sweep writes",
                    journal_path.display()
                )));
            }
            damaged = found.damaged;
            done_rows = found.rows;
        } else if let Some(was) = &finished {
            if was.plan_sha256 != info.plan_sha256 {
                return Err(SweepError::Mismatch(format!(
                    "{} holds another plan's sweep ({}): run this one into another folder",
                    out.display(),
                    differences(was, &info)
                )));
            }
            let runs = out.join("runs.csv");
            let (found, rows) = read_rows(&runs)?;
            if found != header {
                return Err(SweepError::Mismatch(format!(
                    "{} has other columns than this sweep writes",
                    runs.display()
                )));
            }
            done_rows = rows;
        }
        for row in &done_rows {
            check_row(&info, &mine, row, &journal_path)?;
        }
    } else if interrupted && !opts.force {
        return Err(SweepError::Mismatch(format!(
            "{} holds an interrupted sweep: add --resume to finish it, or --force to start again",
            journal_path.display()
        )));
    } else if let Some(was) = finished.filter(|w| w.plan_sha256 != info.plan_sha256) {
        if !opts.force {
            return Err(SweepError::Mismatch(format!(
                "{}: holds the results of another sweep (`{}`: {}); write elsewhere with --out, \
                 or replace them with --force",
                out.display(),
                was.name,
                differences(&was, &info)
            )));
        }
    }
    let done: BTreeSet<(usize, u32)> = done_rows
        .iter()
        .map(|r| (r[0].parse().unwrap_or(0), r[1].parse().unwrap_or(0)))
        .collect();
    let journal = Journal::start(&journal_path, &journal_plan(&info), &header, &done_rows)?;

    let mut todo: Vec<RunSpec> = mine
        .iter()
        .map(|(_, r)| *r)
        .filter(|r| !done.contains(&(r.point, r.replication)))
        .collect();
    longest_first(sweep, &mut todo)?;
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
    let simulating_ns = AtomicU64::new(0);
    let failed = AtomicBool::new(false);
    // Each thread takes the next run in `todo` as soon as it is free, and
    // sends its row to the journal's thread, which commits the rows (in
    // groups, one fsync each) and counts a run done only once its row is
    // on disk. The rows kept are written in runs.csv at the end.
    let next = AtomicUsize::new(0);
    let (send, rows_done) = mpsc::channel::<Vec<String>>();
    let (committed, kept) = std::thread::scope(|scope| {
        let journal_thread = scope.spawn(|| {
            let (mut journal, mut rows) = (journal, done_rows);
            let committed = journal.commit_from(&rows_done, |batch| {
                progress.inc(batch.len() as u64);
                rows.extend(batch);
            });
            if committed.is_err() {
                // Stop at the first failed write: nothing after it.
                failed.store(true, Ordering::Relaxed);
            }
            drop(rows_done);
            (committed, rows)
        });
        pool.broadcast(|_| {
            while let Some(r) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                if stop_requested() || failed.load(Ordering::Relaxed) {
                    return;
                }
                let point = sweep.points.get(r.point);
                let mut cfg = point.scenario.config.clone();
                cfg.seed = r.seed;
                let t = Instant::now();
                let mut cut = false;
                let report = Simulation::new(&cfg).run_while(&mut (), |_| {
                    cut = stop_requested() || failed.load(Ordering::Relaxed);
                    !cut
                });
                simulating_ns.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
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
                if send.send(files::fields(&row)).is_err() {
                    return; // the journal stopped at a failed write
                }
            }
        });
        drop(send);
        journal_thread
            .join()
            .expect("the journal's thread does not panic")
    });
    progress.finish_and_clear();
    let mut rows = kept;
    if let Err(e) = committed {
        return Err(SweepError::Journal {
            error: e,
            kept: rows.len(),
            runs: mine.len(),
        });
    }
    if stop_requested() {
        return Err(SweepError::Interrupted {
            journal: journal_path,
            kept: rows.len(),
            runs: mine.len(),
        });
    }
    files::sort_runs(&mut rows);
    write_results(out, &header, &rows, &info, opts.shard.is_none())?;
    // The description last: a folder never describes results it lacks.
    info.write(out)?;
    std::fs::remove_file(&journal_path).map_err(io_at(&journal_path, "remove the journal"))?;
    Ok(Outcome {
        runs: mine.len(),
        already_done: done.len(),
        damaged,
        wall_s: started.elapsed().as_secs_f64(),
        simulating_s: simulating_ns.into_inner() as f64 / 1e9,
        threads,
    })
}

/// Checks that a row is one of the runs `info` plans (and, if `mine` is
/// given, one of this shard's), with its planned seed and values.
fn check_row(
    info: &SweepInfo,
    mine: &[(usize, RunSpec)],
    row: &[String],
    from: &Path,
) -> Result<(usize, u32), SweepError> {
    let mismatch = || {
        SweepError::Mismatch(format!(
            "{} holds a run (point {}, replication {}) that this sweep does not plan, or not \
             in the same way",
            from.display(),
            row.first().map_or("?", String::as_str),
            row.get(1).map_or("?", String::as_str)
        ))
    };
    let point: usize = row[0].parse().map_err(|_| mismatch())?;
    let replication: u32 = row[1].parse().map_err(|_| mismatch())?;
    if point >= info.points || replication >= info.replications {
        return Err(mismatch());
    }
    if !mine.is_empty()
        && !mine
            .iter()
            .any(|(_, r)| r.point == point && r.replication == replication)
    {
        return Err(mismatch());
    }
    let seed = info.seeds[point].wrapping_add(u64::from(replication));
    let values = &info.values[point];
    if row.get(2) != Some(&seed.to_string())
        || row.len() < 3 + values.len()
        || row[3..3 + values.len()] != values[..]
    {
        return Err(mismatch());
    }
    Ok((point, replication))
}

/// runs.csv, and for a whole sweep points.csv and, with a reference,
/// differences.csv (without one, an earlier sweep's is removed: it would
/// describe other results).
fn write_results(
    out: &Path,
    header: &[String],
    rows: &[Vec<String>],
    info: &SweepInfo,
    whole: bool,
) -> Result<(), SweepError> {
    let runs = out.join("runs.csv");
    files::write_csv(&runs, header, rows).map_err(io_at(&runs, "write the file"))?;
    if whole {
        let (h, points) = files::points_table(header, info.keys.len(), rows);
        let path = out.join("points.csv");
        files::write_csv(&path, &h, &points).map_err(io_at(&path, "write the file"))?;
        let path = out.join("differences.csv");
        if info.reference.is_empty() {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(io_at(&path, "remove the file")(e))
                }
                _ => {}
            }
        } else {
            let reference: Vec<(String, String)> = info.reference.clone().into_iter().collect();
            let (h, d) =
                files::differences_table(header, &info.keys, rows, &reference, &info.metrics);
            files::write_csv(&path, &h, &d).map_err(io_at(&path, "write the file"))?;
        }
    }
    Ok(())
}

/// The same folder, however named.
fn same_folder(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Combines the folders of finished shards into what one unsharded sweep
/// writes. Returns the number of runs.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<usize, SweepError> {
    if let Some(input) = dirs.iter().find(|d| same_folder(d, out)) {
        return Err(SweepError::Mismatch(format!(
            "{} is one of the folders to merge: merge into another folder",
            input.display()
        )));
    }
    let mut info: Option<SweepInfo> = None;
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    // Where each run was found: (point, replication) -> its runs.csv.
    let mut found: BTreeMap<(String, String), PathBuf> = BTreeMap::new();
    for dir in dirs {
        let mut this = SweepInfo::read(dir)?;
        this.shard = None;
        // Shards of one plan may name different references (none is part
        // of the plan): the first folder's is taken.
        if let Some(first) = &info {
            this.reference = first.reference.clone();
        }
        match &info {
            None => info = Some(this),
            Some(first) if *first != this => {
                return Err(SweepError::Mismatch(format!(
                    "{} is from another plan than {} ({})",
                    dir.display(),
                    dirs[0].display(),
                    differences(first, &this)
                )))
            }
            Some(_) => {}
        }
        let info = info.as_ref().expect("just set");
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
            check_row(info, &[], row, &runs)?;
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
    folder::claim_sweep(out, &RESULTS, false)?;
    std::fs::create_dir_all(out).map_err(io_at(out, "create the output folder"))?;
    let _lock = journal::lock(out)?;
    if let Ok(was) = SweepInfo::read(out) {
        if was.plan_sha256 != info.plan_sha256 {
            return Err(SweepError::Mismatch(format!(
                "{}: holds the results of another sweep (`{}`: {}); merge elsewhere",
                out.display(),
                was.name,
                differences(&was, &info)
            )));
        }
    }
    write_results(out, &header, &rows, &info, true)?;
    info.write(out)?;
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
