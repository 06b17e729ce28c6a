//! `breach` walks an online store through a security-breach response and keeps a
//! tamper-evident, append-only record of every decision.
//!
//! The data flow is: a YAML [`runbook`] is loaded and validated; an incident file (the
//! [`journal`]) holds one hash-chained record per decision; [`incident::fold`] turns the
//! pinned runbook and the records into the incident's state, which the commands render as
//! status tables, deadlines and post-mortem reports.

#[cfg(not(unix))]
compile_error!(
    "breach runs on Unix only (Linux, macOS, the BSDs): it relies on Unix file modes, flock and O_NOFOLLOW"
);

pub mod affected;
pub mod browser;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod error;
pub mod evidence;
pub mod incident;
pub mod journal;
pub mod ledger;
pub mod output;
pub mod report;
pub mod runbook;
pub mod types;
pub mod walk;
pub mod yaml_guard;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

/// Whether `--dir` was typed (at any level of subcommands) rather than taken from the
/// environment.
fn dir_typed(matches: &clap::ArgMatches) -> bool {
    if matches.value_source("dir") == Some(clap::parser::ValueSource::CommandLine) {
        return true;
    }
    matches.subcommand().is_some_and(|(_, sub)| dir_typed(sub))
}

pub use error::{BreachError, ExitStatus};

/// Set when the process went over its file-size limit (`ulimit -f`, `RLIMIT_FSIZE`).
static FILE_SIZE_EXCEEDED: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// By default a write past the file-size limit kills the process with `SIGXFSZ`, in the
/// middle of an append, leaving a torn record. With a handler installed the write fails with
/// `EFBIG` instead, so the append takes back its partial write and reports a clear error.
/// Best effort: if the handler cannot be installed, a torn tail is still detected by
/// `breach verify` and fixed by `--repair`.
fn catch_file_size_signal() {
    let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, &FILE_SIZE_EXCEEDED);
}

/// Prints an error once, with its causes and hints, and returns its exit status. A closed
/// stdout pipe (`breach status | head`) is not an error and prints nothing.
fn print_error(out: &output::Output, err: &anyhow::Error) -> ExitStatus {
    let report = error::Report::of(err);
    if let Some((first, causes)) = report.lines.split_first() {
        let mut text = first.clone();
        for cause in causes {
            text.push_str(&format!("\n  caused by: {cause}"));
        }
        out.error(&text);
    }
    for hint in &report.hints {
        out.hint(hint);
    }
    report.status
}

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn main_entry() -> ExitCode {
    catch_file_size_signal();
    // `COMPLETE=bash breach ...`: the shell asks for completions (ids read from the incident
    // directory); this answers and exits.
    clap_complete::CompleteEnv::with_factory(commands::complete::command).complete();
    let parsed = cli::Cli::command()
        .try_get_matches()
        .and_then(|m| cli::Cli::from_arg_matches(&m).map(|c| (c, m)));
    let cli = match parsed {
        Ok((mut cli, matches)) => {
            cli.global.dir_on_command_line = dir_typed(&matches);
            cli
        }
        Err(err) => {
            // clap prints help and version to stdout with exit 0, usage errors to stderr with 2.
            let code = if err.use_stderr() {
                ExitStatus::Usage
            } else {
                ExitStatus::Ok
            };
            let _ = err.print();
            return code.into();
        }
    };
    let out = output::Output::new(cli.global.color);
    match commands::dispatch(cli, &out) {
        Ok(status) => status.into(),
        Err(err) => print_error(&out, &err).into(),
    }
}
