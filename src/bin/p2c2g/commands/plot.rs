//! `p2c2g plot DIR`: charts again, from the CSV files alone.

use std::path::PathBuf;
use std::process::ExitCode;

use p2c2g::output::charts::{self, Format};

use super::{say, Out};

pub const EXAMPLES: &str = "Examples:\n  \
p2c2g plot results/baseline              redraws results/baseline/charts/*.svg\n  \
p2c2g plot results/policies --format png   a sweep's folder works too";

#[derive(clap::Args)]
pub struct Args {
    /// A run's or a sweep's output folder (holding summary.csv or points.csv).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Chart file format.
    #[arg(long, value_enum, default_value = "svg")]
    format: Format,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let files = if args.dir.join("points.csv").exists() {
        charts::draw_sweep(&args.dir, args.format)?
    } else {
        charts::draw_run(&args.dir, args.format)?
    };
    let mut out = Out::new();
    for f in files {
        say!(out, "{}", f.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
