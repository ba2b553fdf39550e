//! `p2c2g seek FILE --key PATH --range LOW..HIGH --target "METRIC >= X"`:
//! the smallest value of a key whose 95% bound meets a target, each probe
//! printed as it is done.

use std::path::PathBuf;
use std::process::ExitCode;

use p2c2g::output::sweep::{is_share, stats::Estimate};
use p2c2g::seek::{self, Outcome, Probe, SeekOptions, Span, Target};

use super::{limits, load_source, say, Out};

pub const EXAMPLES: &str = "Examples:\n  \
p2c2g seek scenarios/baseline.toml --key peers.home_gpu.count --range 10..200 --target \"deadline_hit_rate >= 0.99\"\n      \
the fewest home peers whose on-time rate is at least 0.99 with 95% confidence\n  \
p2c2g seek scenarios/baseline.toml --key coordinator.timeout_ms --range 40..400 --step 20 \\\n      \
--target \"frame_latency_p99_ms <= 150\" --replications 10 --set simulation.duration_s=20\n      \
a real key: the smallest of 40, 60, ..., 400 whose p99's upper bound is at most 150 ms";

#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (TOML), e.g. scenarios/baseline.toml; `-` reads it from standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The key to vary, as --set names it, e.g. --key peers.home_gpu.count.
    #[arg(long, value_name = "PATH")]
    key: String,
    /// The values to search, e.g. --range 10..200 (whole numbers for a whole-number key).
    #[arg(long, value_name = "LOW..HIGH")]
    range: Span,
    /// What the value must achieve: METRIC >= X (judged by the 95% interval's lower
    /// bound) or METRIC <= X (its upper bound), METRIC a column of summary.csv or
    /// failovers_per_frame, e.g. --target "deadline_hit_rate >= 0.99".
    #[arg(long, value_name = "\"METRIC >= X\"")]
    target: Target,
    /// Replications of each probe, at least 2 (seeds seed..seed+N-1, the same at every probe).
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(2..=10_000))]
    replications: u32,
    /// Between neighbouring values [default: 1 for a whole-number key, a twentieth of
    /// the range for a real one], e.g. --step 0.05.
    #[arg(long, value_name = "STEP")]
    step: Option<f64>,
    /// Base seed instead of the scenario's simulation.seed.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Override one value of the scenario (before the key is set), e.g.
    /// --set simulation.duration_s=20. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Runs at once, from 1 to 1024 [default: all cores].
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    jobs: Option<u16>,
    /// Lift the limits on what a run may cost.
    #[arg(long)]
    force: bool,
}

/// A number of `metric` as the table shows it.
fn shown(metric: &str, x: f64) -> String {
    if is_share(metric) {
        format!("{x:.4}")
    } else if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

/// An estimate as the table shows it: `0.9912 [0.9903, 0.9920]`.
fn estimate(metric: &str, e: &Estimate) -> String {
    let mut text = e.mean.map_or("-".to_string(), |m| shown(metric, m));
    if let (Some(low), Some(high)) = (e.low, e.high) {
        text += &format!(" [{}, {}]", shown(metric, low), shown(metric, high));
    }
    text
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let limits = limits(args.force);
    let source = load_source(&args.file, &args.sets, &limits)?;
    let opts = SeekOptions {
        key: args.key.clone(),
        span: args.range,
        target: args.target.clone(),
        replications: args.replications,
        seed: args.seed,
        step: args.step,
        jobs: args.jobs.map_or(0, usize::from),
        limits,
    };
    let metric = args.target.metric.clone();
    let mut out = Out::new();
    let width = args.key.chars().count().max(8);
    let column = format!("{metric} (95% CI)");
    let mut printed = 0;
    // The first failure to write standard output (a closed pipe), kept to
    // be returned once the seek is done.
    let mut failed: Option<p2c2g::output::FileError> = None;
    let outcome = seek::seek(&source, &opts, |p: &Probe| {
        let mut write = |line: String| {
            if failed.is_none() {
                failed = out.line(format_args!("{line}")).err();
            }
        };
        if printed == 0 {
            write(format!(
                "seek: the smallest {} in {} whose {} 95% bound meets {}; {} replications a probe",
                args.key,
                args.range,
                args.target.bound(),
                args.target,
                args.replications
            ));
            write(format!(
                "  probe  {:<width$}  {:<38}  n  meets",
                args.key, column
            ));
        }
        printed += 1;
        write(format!(
            "  {:<5}  {:<width$}  {:<38}  {}  {}",
            printed,
            p.value,
            estimate(&metric, &p.estimate),
            p.estimate.n,
            if p.meets { "yes" } else { "no" }
        ));
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    conclude(&mut out, &args, &outcome)?;
    Ok(ExitCode::SUCCESS)
}

/// The answer, or why there is none.
fn conclude(out: &mut Out, args: &Args, o: &Outcome) -> anyhow::Result<()> {
    let metric = &args.target.metric;
    let seeds = format!(
        "seeds {}..{}",
        o.first_seed,
        o.first_seed.wrapping_add(u64::from(args.replications) - 1)
    );
    let kind = if o.whole {
        "whole numbers".to_string()
    } else {
        format!("a grid of {} values", o.values.count)
    };
    match o.answer {
        Some(a) => {
            let p = &o.probes[a];
            let bound = match args.target.op {
                seek::Op::AtLeast => p.estimate.low,
                seek::Op::AtMost => p.estimate.high,
            };
            say!(
                out,
                "answer: {} = {} ({metric} {}, {} bound {} {} {})",
                args.key,
                p.value,
                estimate(metric, &p.estimate),
                args.target.bound(),
                bound.map_or("-".into(), |b| shown(metric, b)),
                args.target.op,
                args.target.value
            )?;
            match o.below {
                Some(b) => {
                    let q = &o.probes[b];
                    say!(
                        out,
                        "  the value below it, {}, does not meet the target ({metric} {}{})",
                        q.value,
                        estimate(metric, &q.estimate),
                        if q.estimate.n < q.runs {
                            format!(", {} of {} runs gave a value", q.estimate.n, q.runs)
                        } else {
                            String::new()
                        }
                    )?;
                }
                None => say!(
                    out,
                    "  it is the low end of the range: the target is met there already"
                )?,
            }
            say!(
                out,
                "  {} of {} values probed ({kind}), {} runs, {seeds}",
                o.probes.len(),
                o.values.count,
                o.probes.len() * args.replications as usize
            )?;
        }
        None => {
            let p = o.probes.last().expect("the high end was probed");
            say!(
                out,
                "out of reach: at {} = {}, the high end of {}, {metric} is {}: its {} bound does \
                 not meet {}{}",
                args.key,
                p.value,
                args.range,
                estimate(metric, &p.estimate),
                args.target.bound(),
                args.target,
                if p.estimate.n < p.runs {
                    format!(" ({} of {} runs gave a value)", p.estimate.n, p.runs)
                } else {
                    String::new()
                }
            )?;
            say!(
                out,
                "  nor does the low end; widen the range, or change something else ({seeds})"
            )?;
        }
    }
    Ok(())
}
