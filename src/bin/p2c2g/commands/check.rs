//! `p2c2g check FILE...`: validate scenario and sweep files.

use std::path::PathBuf;
use std::process::ExitCode;

use p2c2g::output::sweep::{metric_columns, HEADLINE_METRICS};
use p2c2g::scenario::SweepFile;

use p2c2g::scenario::Limits;

use p2c2g::output::number::count_of;

use super::{is_sweep_file, load_scenario, say, Out};

pub const EXAMPLES: &str = "Examples:\n  \
p2c2g check scenarios/*.toml scenarios/sweeps/*.toml\n  \
cat my.toml | p2c2g check -";

#[derive(clap::Args)]
pub struct Args {
    /// Scenario or sweep files to check (`-` reads a scenario from standard input).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let mut out = Out::new();
    let mut bad = 0;
    for file in &args.files {
        let checked = if is_sweep_file(file) {
            SweepFile::load(file, &metric_columns(), &HEADLINE_METRICS)
                .map(|s| {
                    format!(
                        "sweep of {} points x {} replications",
                        s.points.len(),
                        s.replications
                    )
                })
                .map_err(anyhow::Error::from)
        } else {
            load_scenario(file, &[], &Limits::DEFAULT).map(|s| {
                format!(
                    "{}, {}",
                    count_of(s.config.workload.renters, "renter"),
                    count_of(s.config.peer_count(), "peer")
                )
            })
        };
        match checked {
            Ok(what) => say!(out, "ok: {} ({what})", file.display())?,
            Err(e) => {
                bad += 1;
                eprintln!("error: {e:#}");
            }
        }
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
