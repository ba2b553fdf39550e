//! `p2c2g run FILE`: one scenario, one folder of results.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use p2c2g::model::{CoordinatorReport, Summary};
use p2c2g::output::charts::Format;
use p2c2g::run::{self, RunError, RunOptions};

use super::{command_line, limits, load_scenario, say, Out};

pub const EXAMPLES: &str = "Examples:\n  \
p2c2g run scenarios/baseline.toml\n      writes results/baseline/{summary,frames,peers,timeseries,run_info}.csv\n  \
p2c2g run scenarios/baseline.toml --seed 2 --out results/baseline-seed2\n  \
p2c2g run scenarios/baseline.toml --set coordinator.policy=power_of_d --set peers.home_gpu.count=60\n  \
p2c2g run scenarios/poc.toml --trace          also writes attempts.csv, one row per attempt\n  \
p2c2g run scenarios/poc.toml --format png     charts as PNG instead of SVG\n  \
cat my.toml | p2c2g run - --out results/my    the scenario from standard input";

#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (TOML), e.g. scenarios/baseline.toml; `-` reads it from standard input.
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
    format: Option<Format>,
    /// Write over the results of another scenario (or files p2c2g did not
    /// write) in the output folder, and lift the limits on what a run may
    /// cost (memory, events, output size).
    #[arg(long)]
    force: bool,
    /// No progress bar, no timing line and no summary: only errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    // The output flags are overrides like any other, so that the
    // scenario.toml of the results says what was written.
    let mut sets = args.sets.clone();
    if let Some(seed) = args.seed {
        sets.push(format!("simulation.seed={seed}"));
    }
    if args.trace {
        sets.push("output.attempts=true".into());
    }
    if args.no_frames {
        sets.push("output.frames=false".into());
    }
    if args.no_charts {
        sets.push("output.charts=false".into());
    }
    if let Some(format) = args.format {
        let name = match format {
            Format::Svg => "svg",
            Format::Png => "png",
        };
        sets.push(format!("output.format=\"{name}\""));
    }
    let scenario = load_scenario(&args.file, &sets, &limits(args.force))?;
    let cfg = &scenario.config;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&cfg.name));
    let opts = RunOptions {
        out: out.clone(),
        progress: !args.quiet,
        force: args.force,
        command: command_line(),
    };
    let done = match run::run(&scenario, &opts) {
        Err(RunError::Interrupted { .. }) => {
            eprintln!(
                "interrupted: the run stopped before its end; nothing of it was written to {}/",
                out.display()
            );
            return Ok(ExitCode::from(130));
        }
        other => other?,
    };
    if !args.quiet {
        eprintln!(
            "{}: {} events in {:.3} s wall ({:.2} M events/s)",
            cfg.name,
            done.info.events,
            done.info.wall_s,
            done.info.events_per_s / 1e6
        );
        print_summary(&done.report.summary, &done.report.coordinators, &out)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(
    s: &Summary,
    coordinators: &[CoordinatorReport],
    out: &Path,
) -> anyhow::Result<()> {
    let pct = |x: Option<f64>| x.map_or("-".into(), |x| format!("{:.2}%", 100.0 * x));
    let ms = |x: Option<f64>| x.map_or("-".into(), |x| format!("{x:.1} ms"));
    let ms2 = |x: Option<f64>| x.map_or("-".into(), |x| format!("{x:.2} ms"));
    let share = |n: u64| pct((s.frames > 0).then(|| n as f64 / s.frames as f64));
    let mut o = Out::new();
    say!(o, "{} (seed {}): {} frames", s.scenario, s.seed, s.frames)?;
    say!(
        o,
        "  on time {}   late {}   failed {}",
        share(s.frames_on_time),
        share(s.frames_late),
        share(s.frames_failed)
    )?;
    say!(
        o,
        "  frame latency  p50 {}   p95 {}   p99 {}   max {}",
        ms(s.frame_latency_p50_ms),
        ms(s.frame_latency_p95_ms),
        ms(s.frame_latency_p99_ms),
        ms(s.frame_latency_max_ms)
    )?;
    say!(
        o,
        "  tasks {}   attempts {}   failovers {}   timeouts {}",
        s.tasks,
        s.attempts,
        s.failovers,
        s.timeouts
    )?;
    say!(o, "  peer utilisation {:.1}%", 100.0 * s.utilization)?;
    if let (Some(lost), Some(availability)) = (s.attempts_lost, s.peer_availability) {
        say!(
            o,
            "  churn: peers online {} of the time   attempts lost {lost}",
            pct(Some(availability))
        )?;
    }
    if let (Some(copies), Some(hedges), Some(cancelled)) = (s.copies, s.hedges, s.cancelled) {
        say!(
            o,
            "  copies {copies}   hedges {hedges}   cancelled {cancelled}   wasted {:.1} s of peer time",
            s.wasted_ms.unwrap_or(0.0) / 1e3
        )?;
    }
    if let Some(dropped) = s.frames_dropped {
        say!(o, "  dropped at the deadline {}", share(dropped))?;
    }
    if let Some(corrupt) = s.frames_corrupt {
        say!(
            o,
            "  corrupt {}   good (on time and right) {}",
            share(corrupt),
            pct(s.good_rate.flatten())
        )?;
    }
    if let Some(wait) = s.link_wait_ms_mean {
        say!(o, "  messages waited for a link {} on average", ms2(wait))?;
    }
    if let (Some(cost), Some(wasted)) = (s.cost_total, s.cost_wasted) {
        let wasted = if cost > 0.0 {
            format!("{:.1}%", 100.0 * wasted / cost)
        } else {
            "-".into()
        };
        say!(
            o,
            "  cost {:.4} ({wasted} wasted)   energy {:.3} kWh   revenue {:.4}   margin {:.4}",
            cost,
            s.energy_kwh.unwrap_or(0.0),
            s.revenue.unwrap_or(0.0),
            s.margin.unwrap_or(0.0)
        )?;
    }
    if !coordinators.is_empty() {
        // The spread between the best and the worst served region.
        let range = |of: fn(&CoordinatorReport) -> Option<f64>| {
            let values: Vec<f64> = coordinators.iter().filter_map(of).collect();
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo, hi)
        };
        let (on_lo, on_hi) = range(|c| c.deadline_hit_rate);
        let (p99_lo, p99_hi) = range(|c| c.frame_latency_p99_ms);
        if on_lo <= on_hi && p99_lo <= p99_hi {
            say!(
                o,
                "  {} coordinators: on time {} to {}, p99 {} to {} (coordinators.csv)",
                coordinators.len(),
                pct(Some(on_lo)),
                pct(Some(on_hi)),
                ms(Some(p99_lo)),
                ms(Some(p99_hi))
            )?;
        }
    }
    say!(o, "  results in {}/", out.display())?;
    Ok(())
}
