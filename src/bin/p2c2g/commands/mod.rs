//! One module per command, each an `Args` (its options, with examples in
//! their help) and an `exec` that calls the library and reports.

mod bench;
mod check;
mod compare;
mod completions;
mod merge;
mod plot;
mod report;
mod run;
mod seek;
mod sweep;

use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;

use p2c2g::output::FileError;
use p2c2g::scenario::Limits;

#[derive(Subcommand)]
pub enum Command {
    /// Simulate one scenario and write its CSV files.
    #[command(after_help = run::EXAMPLES)]
    Run(run::Args),
    /// Validate scenario and sweep files without running them (exit code 2 if any is invalid).
    #[command(after_help = check::EXAMPLES)]
    Check(check::Args),
    /// Run every point of a sweep's grid times its replications, in parallel.
    #[command(after_help = sweep::EXAMPLES)]
    Sweep(sweep::Args),
    /// Combine the folders of finished shards into what one unsharded sweep writes.
    #[command(after_help = merge::EXAMPLES)]
    Merge(merge::Args),
    /// Time whole runs of fixed workloads: median wall time, tasks/s, events/s, peak memory.
    #[command(after_help = bench::EXAMPLES)]
    Bench(bench::Args),
    /// Find the smallest value of a key whose 95% confidence bound meets a target, by bisection.
    #[command(after_help = seek::EXAMPLES)]
    Seek(seek::Args),
    /// Put two runs' or two sweeps' headline metrics side by side, with their differences.
    #[command(after_help = compare::EXAMPLES)]
    Compare(compare::Args),
    /// Redraw the charts of a finished run or sweep from its CSV files alone.
    #[command(after_help = plot::EXAMPLES)]
    Plot(plot::Args),
    /// Write one self-contained report.html of a run's or a sweep's results.
    #[command(after_help = report::EXAMPLES)]
    Report(report::Args),
    /// Print a shell completion script for p2c2g.
    #[command(after_help = completions::EXAMPLES)]
    Completions(completions::Args),
}

pub fn exec(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run(args) => run::exec(args),
        Command::Check(args) => check::exec(args),
        Command::Sweep(args) => sweep::exec(args),
        Command::Merge(args) => merge::exec(args),
        Command::Bench(args) => bench::exec(args),
        Command::Seek(args) => seek::exec(args),
        Command::Compare(args) => compare::exec(args),
        Command::Plot(args) => plot::exec(args),
        Command::Report(args) => report::exec(args),
        Command::Completions(args) => completions::exec(args),
    }
}

/// Bad input found by a command itself (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Standard output, a line at a time; a failure to write says so (and a
/// closed pipe is told apart by `main`).
pub struct Out(io::StdoutLock<'static>);

impl Out {
    pub fn new() -> Out {
        Out(io::stdout().lock())
    }

    pub fn line(&mut self, text: fmt::Arguments) -> Result<(), FileError> {
        writeln!(self.0, "{text}")
            .and_then(|()| self.0.flush())
            .map_err(FileError::at(Path::new("standard output"), "write"))
    }
}

/// `say!(out, "format", args...)`: a line on standard output.
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        $out.line(format_args!($($arg)*))
    };
}
pub(crate) use say;

/// The limits on what a run may cost: the defaults, or none with --force.
pub fn limits(force: bool) -> Limits {
    if force {
        Limits::forced()
    } else {
        Limits::DEFAULT
    }
}

/// This process's command line, for run_info.csv.
pub fn command_line() -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

/// Reads a scenario from a file, or from standard input for `-`.
pub fn load_scenario(
    file: &Path,
    sets: &[String],
    limits: &Limits,
) -> Result<p2c2g::scenario::Scenario, anyhow::Error> {
    Ok(load_source(file, sets, limits)?.validate_with(limits)?)
}

/// Reads a scenario's text from a file, or from standard input for `-`,
/// and applies the overrides; not yet validated.
pub fn load_source(
    file: &Path,
    sets: &[String],
    limits: &Limits,
) -> Result<p2c2g::scenario::Source, anyhow::Error> {
    if let Some(message) = sweep_file_given(file) {
        return Err(BadInput(message).into());
    }
    let mut source = if file == Path::new("-") {
        let mut text = String::new();
        io::Read::read_to_string(&mut io::stdin(), &mut text)
            .map_err(FileError::at(Path::new("standard input"), "read"))?;
        p2c2g::scenario::Source::parse(Path::new("stdin"), text)?
    } else {
        p2c2g::scenario::Source::read_with(file, limits)?
    };
    for s in sets {
        source.set(s)?;
    }
    Ok(source)
}

/// Whether `file` is a sweep file given where a scenario was expected,
/// and what to say then.
fn sweep_file_given(file: &Path) -> Option<String> {
    is_sweep_file(file).then(|| {
        format!(
            "{} is a sweep file (it has a [sweep] table): run it with `p2c2g sweep {}`",
            file.display(),
            file.display()
        )
    })
}

/// A file whose TOML has a top-level `[sweep]` table.
pub fn is_sweep_file(file: &Path) -> bool {
    if file == Path::new("-") {
        return false;
    }
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("sweep"))
}
