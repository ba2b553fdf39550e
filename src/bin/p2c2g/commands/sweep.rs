//! `p2c2g sweep FILE`: every point of a grid times its replications.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use p2c2g::output::charts::{self, Choice, Format};
use p2c2g::output::sweep::{metric_columns, points_summary, read_rows, HEADLINE_METRICS};
use p2c2g::output::FileError;
use p2c2g::scenario::{SweepFile, SweepOverrides};
use p2c2g::sweep::{self, Shard, SweepOptions};

use super::{limits, say, Out};

pub const EXAMPLES: &str = "Examples:\n  \
p2c2g sweep scenarios/sweeps/policies.toml\n      writes results/policies/{runs,points}.csv and charts/\n  \
p2c2g sweep scenarios/sweeps/policies.toml --jobs 2\n  \
p2c2g sweep scenarios/sweeps/policies.toml --resume      finish an interrupted sweep\n  \
p2c2g sweep scenarios/sweeps/policies.toml --dry-run     check every point, list them, run nothing\n  \
p2c2g sweep scenarios/sweeps/policies.toml --set simulation.duration_s=5 --replications 2 --seed 9\n  \
p2c2g sweep scenarios/sweeps/policies.toml --reference coordinator.policy=random\n      \
also writes differences.csv: every point minus the random one with as many peers, paired by seed\n  \
p2c2g sweep scenarios/sweeps/policies.toml --shard 3/8 --out shards/3\n      run one eighth of the runs (then: p2c2g merge shards/* --out results/policies)";

/// Most points the table at the end of a sweep shows.
const TABLE_ROWS: usize = 40;

/// A reference as `--reference` takes it.
fn reference_text(reference: &[(String, String)]) -> String {
    reference
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Most threads a sweep may be given.
const MAX_JOBS: usize = 1024;

#[derive(clap::Args)]
pub struct Args {
    /// Sweep file (TOML), e.g. scenarios/sweeps/policies.toml.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Output folder [default: results/<sweep.name>, or results/<sweep.name>/shard-K-of-N
    /// with --shard], e.g. --out /scratch/policies.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Runs at once, from 1 to 1024 [default: all cores], e.g. --jobs 2.
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_JOBS as i64))]
    jobs: Option<u16>,
    /// Finish an interrupted sweep in its folder: runs already on disk are kept, not redone.
    #[arg(long)]
    resume: bool,
    /// Run only share K of N (K from 1 to N), e.g. --shard 2/8 in a Slurm array task.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Override one value of every point's scenario (after [sweep.set], before the
    /// grid), e.g. --set simulation.duration_s=5. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Base seed instead of the scenario's simulation.seed (replication k uses seed + k).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Replications instead of the sweep file's, e.g. --replications 20.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    replications: Option<u32>,
    /// Write differences.csv: each point minus the point with these values (and the
    /// point's own values of the other keys), replication by replication (same seeds),
    /// instead of the sweep file's `reference`, e.g. --reference coordinator.policy=random.
    #[arg(long, value_name = "KEY=VALUE[,KEY=VALUE]")]
    reference: Option<String>,
    /// Check every point and list the points and runs; run nothing.
    #[arg(long)]
    dry_run: bool,
    /// Write over the results of another sweep in the output folder (or start an
    /// interrupted one again), and lift the limits on what runs may cost.
    #[arg(long)]
    force: bool,
    /// Do not draw charts.
    #[arg(long)]
    no_charts: bool,
    /// Chart format, e.g. --format png.
    #[arg(long, value_enum, default_value = "svg")]
    format: Format,
    /// No progress bar, no timing line, no summary and no table of the points: only errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let overrides = SweepOverrides {
        sets: args.sets.clone(),
        seed: args.seed,
        replications: args.replications,
        reference: args.reference.clone(),
    };
    let sweep = SweepFile::load_overridden(
        &args.file,
        &metric_columns(),
        &HEADLINE_METRICS,
        &limits(args.force),
        &overrides,
    )?;
    if args.dry_run {
        return dry_run(&sweep, args.shard);
    }
    let out = args.out.clone().unwrap_or_else(|| {
        let dir = Path::new("results").join(&sweep.name);
        match args.shard {
            Some(s) => dir.join(format!("shard-{}-of-{}", s.index, s.count)),
            None => dir,
        }
    });
    let opts = SweepOptions {
        out: out.clone(),
        jobs: args.jobs.map_or(0, usize::from),
        resume: args.resume,
        shard: args.shard,
        progress: !args.quiet,
        force: args.force,
    };
    let outcome = sweep::run(&sweep, &opts)?;
    if outcome.damaged > 0 {
        eprintln!(
            "warning: {} rows of the journal were damaged (torn, or changed since written) and \
             dropped; their runs were done again",
            outcome.damaged
        );
    }
    let ran = outcome.runs - outcome.already_done;
    if !args.quiet {
        let thread_s = outcome.wall_s * outcome.threads as f64;
        eprintln!(
            "{}: {ran} runs in {:.2} s wall on {} thread{} ({} already done); {:.2} s of it simulating, \
             {:.2} ms of thread time per run outside the simulations",
            sweep.name,
            outcome.wall_s,
            outcome.threads,
            if outcome.threads == 1 { "" } else { "s" },
            outcome.already_done,
            outcome.simulating_s,
            if ran > 0 {
                1000.0 * (thread_s - outcome.simulating_s) / ran as f64
            } else {
                0.0
            }
        );
    }
    if args.shard.is_none() && !args.no_charts {
        charts::draw_sweep(&out, args.format, &Choice::default())?;
    }
    if !args.quiet {
        let mut o = Out::new();
        say!(
            o,
            "{}: {} points x {} replications = {} runs{}",
            sweep.name,
            sweep.points.len(),
            sweep.replications,
            outcome.runs,
            args.shard
                .map(|s| format!(" in shard {s}"))
                .unwrap_or_default()
        )?;
        if args.shard.is_none() {
            let file = out.join("points.csv");
            let (header, rows) =
                read_rows(&file).map_err(|e| FileError::csv(&file, "read the file", e))?;
            for line in points_summary(&header, &rows, sweep.keys.len(), TABLE_ROWS) {
                say!(o, "  {line}")?;
            }
            if !sweep.reference.is_empty() {
                say!(
                    o,
                    "  differences to the points with {} (paired by seed) in differences.csv",
                    reference_text(&sweep.reference)
                )?;
            }
        }
        say!(o, "  results in {}/", out.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `--dry-run`: the points and runs, every point checked; nothing run.
fn dry_run(sweep: &SweepFile, shard: Option<Shard>) -> anyhow::Result<ExitCode> {
    let info = sweep::plan_info(sweep, shard)?;
    let mut o = Out::new();
    say!(
        o,
        "{}: {} points x {} replications = {} runs (every point checked; nothing run)",
        sweep.name,
        info.points,
        info.replications,
        info.points * info.replications as usize
    )?;
    say!(o, "  plan {}", info.plan_sha256)?;
    if !sweep.zip.is_empty() {
        say!(
            o,
            "  zipped (vary together, crossed with the grid): {}",
            sweep.zip.join(", ")
        )?;
    }
    if !sweep.reference.is_empty() {
        say!(
            o,
            "  reference of differences.csv: {}",
            reference_text(&sweep.reference)
        )?;
    }
    say!(o, "point,seed,{}", sweep.keys.join(","))?;
    for (i, (seed, values)) in info.seeds.iter().zip(&info.values).enumerate() {
        say!(o, "{i},{seed},{}", values.join(","))?;
    }
    Ok(ExitCode::SUCCESS)
}
