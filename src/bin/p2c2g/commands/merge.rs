//! `p2c2g merge DIR... --out DIR`: shards into one sweep.

use std::path::PathBuf;
use std::process::ExitCode;

use p2c2g::output::charts::{self, Choice, Format};
use p2c2g::sweep;

use super::{say, Out};

pub const EXAMPLES: &str =
    "Example:\n  p2c2g merge shards/1 shards/2 shards/3 --out results/policies";

#[derive(clap::Args)]
pub struct Args {
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
    format: Format,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let runs = sweep::merge(&args.dirs, &args.out)?;
    if !args.no_charts {
        charts::draw_sweep(&args.out, args.format, &Choice::default())?;
    }
    say!(
        Out::new(),
        "merged {runs} runs from {} folders into {}/",
        args.dirs.len(),
        args.out.display()
    )?;
    Ok(ExitCode::SUCCESS)
}
