//! One module per subcommand, each with a `run(args, ctx)` entry; this file only dispatches.

mod common;
mod completions;
mod evidence;
mod export;
mod list;
mod man;
mod notify;
mod record;
mod resume;
mod runbook;
pub mod start;
mod status;
mod verify;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::error::ExitStatus;
use crate::output::Output;

/// What every command gets: the global options and the output.
pub struct Ctx<'a> {
    pub global: &'a GlobalArgs,
    pub out: &'a Output,
}

/// Runs the parsed command.
pub fn dispatch(cli: Cli, out: &Output) -> anyhow::Result<ExitStatus> {
    let ctx = Ctx {
        global: &cli.global,
        out,
    };
    match cli.command {
        Command::Completions(args) => completions::run(&args, &ctx),
        Command::Man => man::run(&ctx),
        Command::Start(args) => start::run(&args, &ctx),
        Command::Resume(args) => resume::run(&args, &ctx),
        Command::List(args) => list::run(&args, &ctx),
        Command::Note(args) => record::note(&args, &ctx),
        Command::Check(args) => record::check(&args, &ctx),
        Command::Answer(args) => record::answer(&args, &ctx),
        Command::Step(args) => record::step(&args, &ctx),
        Command::Close(args) => record::close(&args, &ctx),
        Command::Verify(args) => verify::run(&args, &ctx),
        Command::Export(args) => export::run(&args, &ctx),
        Command::Status(args) => status::run(&args, &ctx),
        Command::Runbook(cmd) => runbook::run(&cmd, &ctx),
        Command::Evidence(cmd) => evidence::run(&cmd, &ctx),
        Command::Notify(cmd) => notify::run(&cmd, &ctx),
    }
}
