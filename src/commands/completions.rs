//! `breach completions SHELL`: prints a completion script.

use clap::CommandFactory;
use clap_complete::Shell as C;

use super::Ctx;
use crate::cli::{Cli, CompletionsArgs, Shell};
use crate::error::ExitStatus;

pub fn run(args: &CompletionsArgs, _ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let shell = match args.shell {
        Shell::Bash => C::Bash,
        Shell::Zsh => C::Zsh,
        Shell::Fish => C::Fish,
        Shell::Elvish => C::Elvish,
        Shell::Powershell => C::PowerShell,
    };
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "breach", &mut buf);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &buf)?;
    Ok(ExitStatus::Ok)
}
