//! `p2c2g report DIR`: one self-contained report.html of a folder of
//! results.

use std::path::PathBuf;
use std::process::ExitCode;

use p2c2g::output::report;

use super::{say, Out};

pub const EXAMPLES: &str = "Examples:\n  \
p2c2g report results/baseline        writes results/baseline/report.html\n  \
p2c2g report results/policies --out policies.html\n\n\
The page needs nothing else: its charts are inline SVG, it has no script and fetches\n\
nothing (its Content-Security-Policy forbids it), so it can be mailed or archived alone.";

#[derive(clap::Args)]
pub struct Args {
    /// A run's or a sweep's results folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Where to write the page [default: DIR/report.html].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let file = report::write(&args.dir, args.out.as_deref())?;
    say!(Out::new(), "{}", file.display())?;
    Ok(ExitCode::SUCCESS)
}
