//! Dynamic shell completion (clap_complete's `CompleteEnv`): incident ids, and the step,
//! item, question and template ids of the most recent incident's pinned runbook, read from
//! the incident directory when the shell asks. `source <(COMPLETE=bash breach)` turns it on
//! (docs/completions in `breach completions --help`).

use std::ffi::OsStr;

use clap::CommandFactory;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

use crate::cli::{Cli, ColorChoice, GlobalArgs};
use crate::incident::Incident;
use crate::journal::store;

/// The command line with a completer on every argument that names an incident or an id.
pub fn command() -> clap::Command {
    attach(Cli::command(), String::new())
}

/// Adds the completers to `cmd` (at `path` below the root: `""`, `"check"`,
/// `"notify draft"`) and its subcommands.
fn attach(cmd: clap::Command, path: String) -> clap::Command {
    let here = path.clone();
    let cmd = cmd.mut_args(move |a| {
        let id = a.get_id().as_str().to_string();
        match (here.as_str(), id.as_str()) {
            (_, "incident" | "incident_arg") => a.add(ArgValueCompleter::new(incidents)),
            ("check", "target") => a.add(ArgValueCompleter::new(items)),
            ("answer", "target") => a.add(ArgValueCompleter::new(questions)),
            ("step" | "note", "step") => a.add(ArgValueCompleter::new(steps)),
            ("notify draft" | "notify sent", "template") => {
                a.add(ArgValueCompleter::new(templates))
            }
            _ => a,
        }
    });
    cmd.mut_subcommands(|s| {
        let name = s.get_name().to_string();
        let child = if path.is_empty() {
            name
        } else {
            format!("{path} {name}")
        };
        attach(s, child)
    })
}

/// The incident directory as a command would find it, from the environment alone.
fn dir() -> std::path::PathBuf {
    let global = GlobalArgs {
        incident: None,
        dir: std::env::var_os("BREACH_DIR").map(Into::into),
        operator: None,
        color: ColorChoice::Never,
        dir_on_command_line: false,
    };
    super::settings::resolve(&global)
        .map(|s| s.dir)
        .unwrap_or_else(|_| "incidents".into())
}

/// Candidates starting with what was typed.
fn matching(current: &OsStr, all: impl IntoIterator<Item = String>) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    all.into_iter()
        .filter(|c| c.starts_with(typed.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}

fn incidents(current: &OsStr) -> Vec<CompletionCandidate> {
    let ids = store::incident_files(&dir())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()));
    matching(current, ids)
}

/// The most recent open incident, else the most recent one.
fn latest() -> Option<Incident> {
    let files = store::incident_files(&dir()).ok()?;
    let path = files
        .iter()
        .find(|p| !store::is_closed_quick(p))
        .or(files.first())?;
    crate::ledger::load(path).ok().map(|(_, i)| i)
}

fn steps(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(inc) = latest() else {
        return Vec::new();
    };
    matching(current, inc.runbook.steps.iter().map(|s| s.id.clone()))
}

fn items(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(inc) = latest() else {
        return Vec::new();
    };
    let all = inc
        .runbook
        .steps
        .iter()
        .flat_map(|s| s.items.iter().map(move |i| format!("{}/{}", s.id, i.id)));
    matching(current, all.collect::<Vec<_>>())
}

fn questions(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(inc) = latest() else {
        return Vec::new();
    };
    let all = inc.runbook.steps.iter().flat_map(|s| {
        s.questions
            .iter()
            .map(move |q| format!("{}/{}", s.id, q.id))
    });
    matching(current, all.collect::<Vec<_>>())
}

fn templates(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(inc) = latest() else {
        return Vec::new();
    };
    matching(current, inc.runbook.templates.iter().map(|t| t.id.clone()))
}
