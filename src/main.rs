//! The `p2c2g` command: parses arguments and wires the scenario, model and
//! output layers together. Exit codes: 0 success, 1 failure while running
//! or writing, 2 bad input (a scenario or the command line).
//!
//! Errors: each error's own text gives its context (the file, the key, what
//! was being done) and its `source` the cause; [`message`] prints the chain
//! once, as `context: cause: cause of the cause`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::ProgressBar;

use p2c2g::model::{Simulation, Summary};
use p2c2g::output::charts::{self, Format};
use p2c2g::output::sweep::{metric_columns, HEADLINE_METRICS};
use p2c2g::output::{self, CsvRecorder, RunInfo, Staging};
use p2c2g::scenario::{self, ChartFormat, ScenarioError, SweepFile};
use p2c2g::sweep::{self, Shard, SweepError, SweepOptions};

#[derive(Parser)]
#[command(
    name = "p2c2g",
    version,
    about = "Deterministic discrete-event simulator of a Peer-to-Cloud-to-Gamer system",
    long_about = "Deterministic discrete-event simulator of a Peer-to-Cloud-to-Gamer system: \
home peers lend GPU slots, a coordinator splits each gamer's frames into tasks, places them on \
peers, fails over, keeps reputations and assembles frames before their deadline.\n\n\
The same scenario file and seed always give byte-identical CSV files.",
    after_help = "Examples:\n  p2c2g run scenarios/baseline.toml\n  p2c2g run scenarios/poc.toml --seed 7 --set coordinator.policy=least_loaded\n  p2c2g check scenarios/*.toml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate one scenario and write its CSV files.
    #[command(after_help = "Examples:\n  \
p2c2g run scenarios/baseline.toml\n      writes results/baseline/{summary,frames,peers,timeseries,run_info}.csv\n  \
p2c2g run scenarios/baseline.toml --seed 2 --out results/baseline-seed2\n  \
p2c2g run scenarios/baseline.toml --set coordinator.policy=power_of_d --set peers.home_gpu.count=60\n  \
p2c2g run scenarios/poc.toml --trace          also writes attempts.csv, one row per attempt\n  \
p2c2g run scenarios/poc.toml --format png     charts as PNG instead of SVG")]
    Run(RunArgs),
    /// Validate scenario files without running them (exit code 2 if any is invalid).
    #[command(after_help = "Example:\n  p2c2g check scenarios/*.toml")]
    Check {
        /// Scenario files to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Run every point of a sweep's grid times its replications, in parallel.
    #[command(after_help = "Examples:\n  \
p2c2g sweep scenarios/sweeps/policies.toml\n      writes results/policies/{runs,points}.csv and charts/\n  \
p2c2g sweep scenarios/sweeps/policies.toml --jobs 2\n  \
p2c2g sweep scenarios/sweeps/policies.toml --resume      finish an interrupted sweep\n  \
p2c2g sweep scenarios/sweeps/policies.toml --shard 3/8 --out shards/3\n      run one eighth of the runs (then: p2c2g merge shards/* --out results/policies)")]
    Sweep(SweepArgs),
    /// Combine the folders of finished shards into what one unsharded sweep writes.
    #[command(
        after_help = "Example:\n  p2c2g merge shards/1 shards/2 shards/3 --out results/policies"
    )]
    Merge {
        /// Shard output folders (each holding runs.csv and sweep.toml).
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Folder for the merged runs.csv, points.csv and charts, e.g. --out results/policies.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Do not draw charts.
        #[arg(long)]
        no_charts: bool,
        /// Chart format.
        #[arg(long, value_enum, default_value = "svg")]
        format: FormatArg,
    },
    /// Time whole runs of fixed workloads: median wall time, tasks/s, events/s, peak memory.
    #[command(after_help = "Examples:\n  \
p2c2g bench                                 the workloads of scenarios/bench/ and the baseline\n  \
p2c2g bench scenarios/bench/mmc.toml --repeat 9")]
    Bench {
        /// Scenario files [default: scenarios/bench/{mmc,supermarket}.toml,
        /// scenarios/baseline.toml, scenarios/bench/large.toml].
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Runs of each workload; the median is reported.
        #[arg(long, default_value_t = 5, value_name = "N")]
        repeat: usize,
    },
    /// Redraw the charts of a finished run or sweep from its CSV files alone.
    #[command(after_help = "Examples:\n  \
p2c2g plot results/baseline              redraws results/baseline/charts/*.svg\n  \
p2c2g plot results/policies --format png   a sweep's folder works too")]
    Plot {
        /// A run's or a sweep's output folder (holding summary.csv or points.csv).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Chart file format.
        #[arg(long, value_enum, default_value = "svg")]
        format: FormatArg,
    },
}

/// Chart file format on the command line.
#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    /// Scalable vector graphics: sharp at any size, text stays text.
    Svg,
    /// 1000-pixel-wide raster images.
    Png,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Svg => Format::Svg,
            FormatArg::Png => Format::Png,
        }
    }
}

#[derive(Args)]
struct SweepArgs {
    /// Sweep file (TOML), e.g. scenarios/sweeps/policies.toml.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Output folder [default: results/<sweep.name>, or results/<sweep.name>/shard-K-of-N
    /// with --shard], e.g. --out /scratch/policies.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Runs at once [default: all cores], e.g. --jobs 2.
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
    /// Finish an interrupted sweep in its folder: runs already on disk are kept, not redone.
    #[arg(long)]
    resume: bool,
    /// Run only share K of N (K from 1 to N), e.g. --shard 2/8 in a Slurm array task.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Do not draw charts.
    #[arg(long)]
    no_charts: bool,
    /// Chart format, e.g. --format png.
    #[arg(long, value_enum, default_value = "svg")]
    format: FormatArg,
    /// No progress bar and no summary on standard output.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct RunArgs {
    /// Scenario file (TOML), e.g. scenarios/baseline.toml.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Output folder [default: results/<simulation.name>], e.g. --out /tmp/run1.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Seed instead of the scenario's simulation.seed, e.g. --seed 42.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Override one scenario value, e.g. --set coordinator.policy=random,
    /// --set peers.0.count=80 (by index) or --set peers.home_gpu.reliability=0.9
    /// (by group name); VALUE is TOML, so distributions work too:
    /// --set 'workload.work_ms={ dist = "exponential", mean = 5 }'. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Also write attempts.csv: one row per attempt, with every timestamp.
    #[arg(long)]
    trace: bool,
    /// Do not write frames.csv (the scenario's [output] frames = false).
    #[arg(long)]
    no_frames: bool,
    /// Do not draw charts (the scenario's [output] charts = false).
    #[arg(long)]
    no_charts: bool,
    /// Chart format instead of the scenario's [output] format, e.g. --format png.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// No progress bar and no summary on standard output.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Check { files } => check(&files),
        Command::Sweep(args) => run_sweep(args),
        Command::Merge {
            dirs,
            out,
            no_charts,
            format,
        } => merge(&dirs, &out, !no_charts, format.into()),
        Command::Bench { files, repeat } => bench(files, repeat.max(1)),
        Command::Plot { dir, format } => plot(&dir, format.into()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", message(&e));
            let bad_input = e.downcast_ref::<ScenarioError>().is_some()
                || matches!(
                    e.downcast_ref::<SweepError>(),
                    Some(SweepError::Mismatch(_))
                );
            if bad_input {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// An error and its causes, each said once: `context: cause: ...`.
fn message(e: &anyhow::Error) -> String {
    format!("{e:#}")
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn check(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut bad = 0;
    for file in files {
        match scenario::load(file, &[]) {
            Ok(s) => println!(
                "ok: {} ({} renters, {} peers)",
                file.display(),
                s.config.workload.renters,
                s.config.peer_count()
            ),
            Err(e) => {
                bad += 1;
                eprintln!("error: {}", message(&e.into()));
            }
        }
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let mut sets = args.sets.clone();
    if let Some(seed) = args.seed {
        sets.push(format!("simulation.seed={seed}"));
    }
    let scenario = scenario::load(&args.file, &sets)?;
    let cfg = &scenario.config;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&cfg.name));
    let frames = scenario.output.frames && !args.no_frames;
    let attempts = scenario.output.attempts || args.trace;

    let mut staging = Staging::create(&out)?;
    let mut recorder = CsvRecorder::new(&mut staging, frames, attempts)?;

    let progress = progress_bar(cfg.horizon().as_ms() as u64, args.quiet);
    let started = Instant::now();
    let report = Simulation::new(cfg)
        .run_with_progress(&mut recorder, |t| progress.set_position(t.as_ms() as u64));
    let wall_s = started.elapsed().as_secs_f64();
    progress.finish_and_clear();

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
    charts::clear(&out)?;
    if scenario.output.charts && !args.no_charts {
        let format = args.format.map_or(
            match scenario.output.format {
                ChartFormat::Svg => Format::Svg,
                ChartFormat::Png => Format::Png,
            },
            Format::from,
        );
        charts::draw_run(&out, format)?;
    }

    eprintln!(
        "{}: {} events in {:.3} s wall ({:.2} M events/s)",
        cfg.name,
        s.events,
        wall_s,
        info.events_per_s / 1e6
    );
    if !args.quiet {
        print_summary(s, &out);
    }
    Ok(ExitCode::SUCCESS)
}

fn run_sweep(args: SweepArgs) -> anyhow::Result<ExitCode> {
    let sweep = SweepFile::load(&args.file, &metric_columns(), &HEADLINE_METRICS)?;
    let out = args.out.clone().unwrap_or_else(|| {
        let dir = Path::new("results").join(&sweep.name);
        match args.shard {
            Some(s) => dir.join(format!("shard-{}-of-{}", s.index, s.count)),
            None => dir,
        }
    });
    let opts = SweepOptions {
        out: out.clone(),
        jobs: args.jobs.unwrap_or(0),
        resume: args.resume,
        shard: args.shard,
        progress: !args.quiet,
    };
    let outcome = sweep::run(&sweep, &opts)?;
    let ran = outcome.runs - outcome.already_done;
    let thread_s = outcome.wall_s * outcome.threads as f64;
    eprintln!(
        "{}: {ran} runs in {:.2} s wall on {} threads ({} already done); {:.2} s of it simulating, \
         {:.2} ms of thread time per run outside the simulations",
        sweep.name,
        outcome.wall_s,
        outcome.threads,
        outcome.already_done,
        outcome.simulating_s,
        if ran > 0 {
            1000.0 * (thread_s - outcome.simulating_s) / ran as f64
        } else {
            0.0
        }
    );
    if args.shard.is_none() && !args.no_charts {
        charts::draw_sweep(&out, args.format.into())?;
    }
    if !args.quiet {
        println!(
            "{}: {} points x {} replications = {} runs{}",
            sweep.name,
            sweep.points.len(),
            sweep.replications,
            outcome.runs,
            args.shard
                .map(|s| format!(" in shard {s}"))
                .unwrap_or_default()
        );
        println!("  results in {}/", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn merge(dirs: &[PathBuf], out: &Path, draw: bool, format: Format) -> anyhow::Result<ExitCode> {
    let runs = sweep::merge(dirs, out)?;
    if draw {
        charts::draw_sweep(out, format)?;
    }
    println!(
        "merged {runs} runs from {} folders into {}/",
        dirs.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn bench(mut files: Vec<PathBuf>, repeat: usize) -> anyhow::Result<ExitCode> {
    if files.is_empty() {
        files = p2c2g::bench::WORKLOADS.iter().map(PathBuf::from).collect();
    }
    for f in &files {
        scenario::load(f, &[])?;
    }
    let exe = std::env::current_exe().context("cannot find this program's path")?;
    println!(
        "| workload | tasks | wall s (median of {repeat}) | tasks/s | events/s | peak memory MiB |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for file in &files {
        let m = p2c2g::bench::measure(&exe, file, repeat)?;
        println!(
            "| {} | {:.0} | {:.3} | {:.2} M | {:.2} M | {:.0} |",
            file.display(),
            m.tasks,
            m.wall_s,
            m.tasks / m.wall_s / 1e6,
            m.events / m.wall_s / 1e6,
            m.peak_rss_mb
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn plot(dir: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let files = if dir.join("points.csv").exists() {
        charts::draw_sweep(dir, format)?
    } else {
        charts::draw_run(dir, format)?
    };
    for f in files {
        println!("{}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet {
        ProgressBar::hidden()
    } else {
        p2c2g::progress::bar(len, "ms simulated")
    }
}

fn print_summary(s: &Summary, out: &Path) {
    let pct = |x: Option<f64>| x.map_or("-".into(), |x| format!("{:.2}%", 100.0 * x));
    let ms = |x: Option<f64>| x.map_or("-".into(), |x| format!("{x:.1} ms"));
    let share = |n: u64| pct((s.frames > 0).then(|| n as f64 / s.frames as f64));
    println!("{} (seed {}): {} frames", s.scenario, s.seed, s.frames);
    println!(
        "  on time {}   late {}   failed {}",
        share(s.frames_on_time),
        share(s.frames_late),
        share(s.frames_failed)
    );
    println!(
        "  frame latency  p50 {}   p95 {}   p99 {}   max {}",
        ms(s.frame_latency_p50_ms),
        ms(s.frame_latency_p95_ms),
        ms(s.frame_latency_p99_ms),
        ms(s.frame_latency_max_ms)
    );
    println!(
        "  tasks {}   attempts {}   failovers {}   timeouts {}",
        s.tasks, s.attempts, s.failovers, s.timeouts
    );
    println!("  peer utilisation {:.1}%", 100.0 * s.utilization);
    println!("  results in {}/", out.display());
}
