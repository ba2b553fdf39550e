//! `p2c2g completions SHELL`: a completion script on standard output.

use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

pub const EXAMPLES: &str = "Examples:\n  \
p2c2g completions bash > ~/.local/share/bash-completion/completions/p2c2g\n  \
p2c2g completions zsh > ~/.zfunc/_p2c2g\n  \
p2c2g completions fish > ~/.config/fish/completions/p2c2g.fish";

#[derive(clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    shell: Shell,
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let mut command = crate::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "p2c2g", &mut script);
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(p2c2g::output::FileError::at(
            std::path::Path::new("standard output"),
            "write",
        ))?;
    Ok(ExitCode::SUCCESS)
}
