//! `p2c2g plot DIR`: charts again, from the CSV files alone.

use std::path::PathBuf;
use std::process::ExitCode;

use p2c2g::output::charts::{self, Choice, Format};

use super::{say, BadInput, Out};

pub const EXAMPLES: &str = "Examples:\n  \
p2c2g plot results/baseline              redraws results/baseline/charts/*, in the format they were drawn in\n  \
p2c2g plot results/policies --format png   a sweep's folder works too\n  \
p2c2g plot results/policies --metrics frame_latency_p95_ms,timeouts --x coordinator.policy\n      \
a sweep's charts of other metrics, against another key";

#[derive(clap::Args)]
pub struct Args {
    /// A run's or a sweep's output folder (holding summary.csv or points.csv).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Chart file format [default: the format the folder's charts are in, else svg].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// A sweep: chart these metrics (columns of points.csv without `_mean`) instead of
    /// the sweep's, e.g. --metrics frame_latency_p95_ms,timeouts.
    #[arg(long, value_name = "METRIC[,METRIC]", value_delimiter = ',')]
    metrics: Option<Vec<String>>,
    /// A sweep: the key on the x axis instead of the first numeric one, e.g.
    /// --x coordinator.policy.
    #[arg(long, value_name = "KEY")]
    x: Option<String>,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let format = args.format.unwrap_or_else(|| charts::format_in(&args.dir));
    let sweep = args.dir.join("points.csv").exists();
    if !sweep && !args.dir.join("summary.csv").exists() {
        let what = if args.dir.is_dir() {
            "holds neither a run's summary.csv nor a sweep's points.csv"
        } else {
            "no such folder"
        };
        return Err(BadInput(format!(
            "{}: {what}: give the output folder of `p2c2g run` or `p2c2g sweep`",
            args.dir.display()
        ))
        .into());
    }
    let files = if sweep {
        let choice = Choice {
            metrics: args.metrics,
            x: args.x,
        };
        charts::draw_sweep(&args.dir, format, &choice)?
    } else {
        if args.metrics.is_some() || args.x.is_some() {
            return Err(BadInput(format!(
                "{}: --metrics and --x choose a sweep's charts, and this is not a sweep's folder \
                 (it has no points.csv)",
                args.dir.display()
            ))
            .into());
        }
        charts::draw_run(&args.dir, format)?
    };
    let mut out = Out::new();
    for f in files {
        say!(out, "{}", f.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
