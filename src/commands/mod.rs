//! One module per subcommand, each with a `run(args, ctx)` entry; this file only dispatches.

mod action;
mod affected;
mod amend;
mod common;
pub mod complete;
mod completions;
mod evidence;
mod export;
mod list;
mod man;
mod notify;
mod record;
mod resume;
mod runbook;
pub mod settings;
pub mod start;
mod status;
mod team;
mod verify;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::error::{ExitStatus, Topic};
use crate::output::Output;

/// What every command gets: the global options, the settings resolved from them and the
/// configuration files, and the output.
pub struct Ctx<'a> {
    pub global: &'a GlobalArgs,
    pub settings: settings::Settings,
    pub out: &'a Output,
}

/// Runs the parsed command. An error about a known topic gets its hint here, where the
/// commands are known.
pub fn dispatch(cli: Cli, out: &Output) -> anyhow::Result<ExitStatus> {
    run_command(cli, out).map_err(attach_hint)
}

/// The hint for what to do next, for the errors whose remedy is a command; for a few
/// topics, the words that name the command continue the core's message instead.
fn attach_hint(err: anyhow::Error) -> anyhow::Error {
    let hint = match crate::error::topic_of(&err) {
        None => return err,
        Some(Topic::NotCorrectable) => {
            return continued(err, |m| {
                crate::error::not_found(format!(
                    "{m}; `breach amend` corrects {}",
                    crate::incident::action::AMENDABLE
                ))
            });
        }
        Some(Topic::NotInGitRepository) => {
            return continued(err, |m| {
                crate::error::invalid(format!(
                    "{m}; `breach sync` needs one (docs/team.md shows the setups)"
                ))
            });
        }
        Some(Topic::TornTail) => "run `breach verify --repair` to move it aside".to_string(),
        Some(Topic::ChainBroken) => {
            "the file was changed after it was written; nothing more can be recorded in it"
                .to_string()
        }
        Some(Topic::NoIncidents) => "open one with `breach start` (or point --dir / BREACH_DIR \
             at the incident directory)"
            .to_string(),
        Some(Topic::BadOperator) => "set --operator or BREACH_OPERATOR".to_string(),
        Some(Topic::OutsideDirectory) => {
            "point --dir (or BREACH_DIR) at the directory that holds it".to_string()
        }
        Some(Topic::RequiredItemsOpen { step }) => {
            format!("check them, or mark it done anyway with `breach step {step} --done --force`")
        }
        Some(Topic::UnknownIncident) => "`breach list` shows the incidents".to_string(),
        Some(Topic::AllClosed) => "name one explicitly (see `breach list`)".to_string(),
        Some(Topic::StepClosed { step }) => {
            format!("reopen it first with `breach step {step} --reopen`")
        }
        Some(Topic::Implausible) => "if the time is right, record it anyway with \
             `--override-check`; the override is recorded with it"
            .to_string(),
        Some(Topic::NoTerminal { .. }) => "answer from a file with `--answers FILE` (see \
             docs/answers-file.md), or open an incident without the walk with `breach start \
             --no-walk --title ...` and record with `breach check`, `breach answer` and \
             `breach step`"
            .to_string(),
    };
    crate::error::with_hint(err, hint)
}

/// A core error whose message the command layer continues: `reword` gets the message and
/// builds the error with the same exit status. Only an error that is the topic's own (no
/// context around it) is reworded; anything else is left as it is.
fn continued(err: anyhow::Error, reword: impl FnOnce(String) -> anyhow::Error) -> anyhow::Error {
    if err.downcast_ref::<crate::error::About>().is_some() {
        reword(err.to_string())
    } else {
        err
    }
}

fn run_command(cli: Cli, out: &Output) -> anyhow::Result<ExitStatus> {
    // How long to wait for an incident file's lock, and where to say that we wait.
    let timeout = crate::journal::lock::timeout_from_env().map_err(crate::error::invalid)?;
    let notice_out = out.clone();
    crate::journal::lock::set_waiting(crate::journal::lock::Waiting {
        timeout,
        notice: Box::new(move |m| notice_out.warn(m)),
    });
    let ctx = Ctx {
        global: &cli.global,
        settings: settings::resolve(&cli.global)?,
        out,
    };
    crate::ledger::team::use_signer(ctx.settings.signer.clone());
    crate::ledger::team::use_allowed_signers(ctx.settings.allowed_signers.clone());
    crate::ledger::team::use_state_cache(settings::team_state_cache_dir());
    match cli.command {
        Command::Completions(args) => completions::run(&args, &ctx),
        Command::Man => man::run(&ctx),
        Command::Start(args) => start::run(&args, &ctx),
        Command::Resume(args) => resume::run(&args, &ctx),
        Command::List(args) => list::run(&args, &ctx),
        Command::Note(args) => record::note(&args, &ctx),
        Command::Check(args) => record::check(&args, &ctx),
        Command::Answer(args) => record::answer(&args, &ctx),
        Command::Amend(args) => amend::run(&args, &ctx),
        Command::Step(args) => record::step(&args, &ctx),
        Command::Close(args) => record::close(&args, &ctx),
        Command::Action(cmd) => action::run(&cmd, &ctx),
        Command::Verify(args) => verify::run(&args, &ctx),
        Command::Upgrade(args) => team::upgrade(&args, &ctx),
        Command::Seal(args) => team::seal(&args, &ctx),
        Command::Sync(args) => team::sync(&args, &ctx),
        Command::Export(args) => export::run(&args, &ctx),
        Command::Status(args) => status::run(&args, &ctx),
        Command::Runbook(cmd) => runbook::run(&cmd, &ctx),
        Command::Evidence(cmd) => evidence::run(&cmd, &ctx),
        Command::Notify(cmd) => notify::run(&cmd, &ctx),
        Command::Affected(cmd) => affected::run(&cmd, &ctx),
    }
}
