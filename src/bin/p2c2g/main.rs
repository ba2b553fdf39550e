//! The `p2c2g` command: parses arguments and hands each command to its
//! module in `commands/`, which wires the library's layers together. What
//! a command does lives in the library; this is only the shell around it.
//!
//! Errors: each error's own text gives its context (the file, the key, what
//! was being done) and its `source` the cause; the chain is printed once,
//! as `error: context: cause: cause of the cause`.

mod commands;

use std::process::ExitCode;

use clap::Parser;

use p2c2g::output::charts::ChartError;
use p2c2g::output::compare::CompareError;
use p2c2g::output::folder::FolderError;
use p2c2g::output::report::ReportError;
use p2c2g::run::RunError;
use p2c2g::scenario::ScenarioError;
use p2c2g::seek::SeekError;
use p2c2g::sweep::SweepError;

/// The version, with the commit it was built from.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("P2C2G_COMMIT"), ")");

/// The exit codes, as `--help` lists them.
macro_rules! exit_codes {
    () => {
        "Exit codes:\n  \
0    success (also when standard output is closed early, as by `| head`)\n  \
1    a failure while running or writing (a full disk, say)\n  \
2    bad input: a scenario, a sweep, a results folder or the command line\n  \
130  interrupted (Ctrl-C): what was finished is kept, and the message says what"
    };
}

#[derive(Parser)]
#[command(
    name = "p2c2g",
    version = VERSION,
    about = "Deterministic discrete-event simulator of a Peer-to-Cloud-to-Gamer system",
    long_about = "Deterministic discrete-event simulator of a Peer-to-Cloud-to-Gamer system: \
home peers lend GPU slots, a coordinator splits each gamer's frames into tasks, places them on \
peers, fails over, keeps reputations and assembles frames before their deadline.\n\n\
The same scenario file and seed always give byte-identical CSV files.",
    after_help = concat!(
        "Examples:\n  p2c2g run scenarios/baseline.toml\n  \
p2c2g run scenarios/poc.toml --seed 7 --set coordinator.policy=least_loaded\n  \
p2c2g check scenarios/*.toml\n\n",
        exit_codes!()
    )
)]
struct Cli {
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    // The first Ctrl-C asks the run or sweep to stop and keep what is
    // finished; a second one stops at once.
    let _ = ctrlc::set_handler(|| {
        if p2c2g::run::stop_requested() {
            std::process::exit(130);
        }
        p2c2g::run::request_stop();
    });
    let cli = Cli::parse();
    match commands::exec(cli.command) {
        Ok(code) => code,
        Err(e) => exit_for(&e),
    }
}

/// Prints `e` once and says which exit code it deserves.
fn exit_for(e: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(e) {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {e:#}");
    if p2c2g::run::stop_requested() {
        return ExitCode::from(130);
    }
    // A results folder that holds something else, or a link, is bad input
    // too; failing to read or write one is not.
    let bad_folder = |f: &FolderError| !matches!(f, FolderError::File(_));
    let bad_input = e.downcast_ref::<ScenarioError>().is_some()
        || e.downcast_ref::<commands::BadInput>().is_some()
        || matches!(e.downcast_ref::<ChartError>(), Some(ChartError::Choice(_)))
        || e.downcast_ref::<SeekError>()
            .is_some_and(SeekError::is_bad_input)
        || e.downcast_ref::<CompareError>()
            .is_some_and(CompareError::is_bad_input)
        || e.downcast_ref::<ReportError>()
            .is_some_and(ReportError::is_bad_input)
        || e.downcast_ref::<FolderError>().is_some_and(bad_folder)
        || matches!(e.downcast_ref::<RunError>(), Some(RunError::Folder(f)) if bad_folder(f))
        || matches!(
            e.downcast_ref::<SweepError>(),
            Some(SweepError::Mismatch(_) | SweepError::Lock(_) | SweepError::Damaged(_))
        )
        || matches!(e.downcast_ref::<SweepError>(), Some(SweepError::Folder(f)) if bad_folder(f))
        || matches!(
            e.downcast_ref::<SweepError>(),
            Some(SweepError::Scenario(_))
        );
    if bad_input {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}

/// Standard output was closed early (`p2c2g ... | head -1`): not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_lists_the_exit_codes() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains(exit_codes!()), "{help}");
    }
}
