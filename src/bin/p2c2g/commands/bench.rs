//! `p2c2g bench [FILE...]`: whole runs of fixed workloads, timed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use p2c2g::scenario::Limits;

use super::{load_scenario, say, Out};

pub const EXAMPLES: &str = "Examples:\n  \
p2c2g bench                                 the workloads of scenarios/bench/ and the baseline\n  \
p2c2g bench scenarios/bench/mmc.toml --repeat 9";

#[derive(clap::Args)]
pub struct Args {
    /// Scenario files [default: scenarios/bench/{mmc,supermarket}.toml,
    /// scenarios/baseline.toml, scenarios/bench/large.toml].
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Runs of each workload; the median is reported.
    #[arg(long, default_value_t = 5, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    repeat: u16,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let mut files = args.files;
    if files.is_empty() {
        files = p2c2g::bench::WORKLOADS.iter().map(PathBuf::from).collect();
    }
    for f in &files {
        load_scenario(f, &[], &Limits::DEFAULT)?;
    }
    let repeat = usize::from(args.repeat);
    let exe = std::env::current_exe().context("cannot find this program's path")?;
    let mut out = Out::new();
    say!(
        out,
        "| workload | tasks | wall s (median of {repeat}) | tasks/s | events/s | peak memory MiB |"
    )?;
    say!(out, "|---|---:|---:|---:|---:|---:|")?;
    for file in &files {
        let m = p2c2g::bench::measure(&exe, file, repeat)?;
        say!(
            out,
            "| {} | {:.0} | {:.3} | {:.2} M | {:.2} M | {:.0} |",
            file.display(),
            m.tasks,
            m.wall_s,
            m.tasks / m.wall_s / 1e6,
            m.events / m.wall_s / 1e6,
            m.peak_rss_mb
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
