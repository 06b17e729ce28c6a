//! `breach man`: the manual pages (roff). Without `--dir` it prints `breach(1)`; with
//! `breach man --dir DIR` it writes one page per command into DIR: `breach.1`,
//! `breach-start.1`, `breach-evidence-add.1`, ... Every page has ENVIRONMENT, EXIT STATUS
//! and SEE ALSO sections.

use std::io::Write;

use clap::CommandFactory;

use super::Ctx;
use crate::cli::Cli;
use crate::error::ExitStatus;

/// The environment variables, as (name, meaning).
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "BREACH_DIR",
        "The incident directory (as --dir). Without it, breach looks for dir in the nearest .breach.toml, then for the nearest incidents directory here or above, then in $XDG_CONFIG_HOME/breach/config.toml, then uses ./incidents.",
    ),
    (
        "BREACH_OPERATOR",
        "Who is recording (as --operator); stored on every record. Default: the configuration files, then the login name (USER, LOGNAME).",
    ),
    (
        "BREACH_RUNBOOKS",
        "A directory searched for runbooks by name, after ./runbooks.",
    ),
    (
        "BREACH_LOCK_TIMEOUT",
        "How many seconds to wait for another process's lock on an incident file before giving up with exit 9 (default 30; 0 means do not wait).",
    ),
    (
        "BREACH_CEILING_DIRECTORIES",
        "Directories (separated by :) above which the search for the incident directory and .breach.toml does not go.",
    ),
    (
        "BREACH_NOW",
        "The current time, in RFC 3339 (for rehearsals and tests).",
    ),
    (
        "XDG_CONFIG_HOME",
        "Where the user's configuration file is: $XDG_CONFIG_HOME/breach/config.toml (default ~/.config/breach/config.toml).",
    ),
    (
        "NO_COLOR",
        "When set and not empty, no colour (as --color never).",
    ),
    (
        "COLUMNS",
        "On a terminal, the width that tables and breach status fit into (default: the terminal's width). In a pipe or a file nothing is cut or wrapped: every value is printed whole, one table row a line.",
    ),
];

/// The exit codes, as (code, meaning); docs/exit-codes.md has the full table.
const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Success (a closed output pipe counts as success)."),
    (
        "1",
        "An unexpected failure: an I/O error, a full disk, a bug.",
    ),
    ("2", "The command line is wrong."),
    (
        "3",
        "An input file or value is invalid (a runbook, an answers file, an answer, a configuration file).",
    ),
    (
        "4",
        "The thing named does not exist or is ambiguous (no incident, several open incidents and none named, an unknown step).",
    ),
    (
        "5",
        "An integrity check failed: a broken or torn chain, changed or missing evidence, a file named for another incident.",
    ),
    (
        "6",
        "The request conflicts with the state: a closed incident, a step already in that state, a file that would be overwritten.",
    ),
    (
        "7",
        "An interactive command has no terminal and no answers file.",
    ),
    (
        "8",
        "A program the command needs is not installed (the headless browser for a PDF).",
    ),
    (
        "9",
        "Another process held the incident file's lock longer than BREACH_LOCK_TIMEOUT.",
    ),
    (
        "130",
        "The walk was interrupted (Ctrl-C); everything answered so far is recorded. Also when the which-incident prompt of a write is left without a choice; nothing is recorded.",
    ),
];

pub fn run(ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let mut cmd = Cli::command();
    cmd.build();
    if !ctx.global.dir_on_command_line {
        let mut buf = Vec::new();
        page(&cmd, &mut buf)?;
        std::io::stdout().lock().write_all(&buf)?;
        return Ok(ExitStatus::Ok);
    }
    let dir = ctx.settings.dir.clone();
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::Error::new(e).context(format!("cannot create {}", dir.display())))?;
    let mut written = 0;
    for (name, c) in pages(&cmd, "breach") {
        let mut buf = Vec::new();
        page(&c, &mut buf)?;
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, &buf).map_err(|e| {
            anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
        })?;
        written += 1;
    }
    ctx.out.info(&format!(
        "wrote {written} manual pages to {}",
        dir.display()
    ));
    Ok(ExitStatus::Ok)
}

/// Every command with its page name: `breach`, `breach-start`, `breach-evidence-add`, ...
fn pages(cmd: &clap::Command, name: &str) -> Vec<(String, clap::Command)> {
    // After `build`, a subcommand's display name is its page name (`breach-start`).
    let mut out = vec![(name.to_string(), cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        out.extend(pages(sub, &format!("{name}-{}", sub.get_name())));
    }
    out
}

/// One manual page: clap's sections, then ENVIRONMENT, EXIT STATUS and SEE ALSO.
fn page(cmd: &clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    if cmd.get_subcommands().next().is_some() {
        man.render_subcommands_section(out)?;
    }
    if cmd.get_after_help().is_some() || cmd.get_after_long_help().is_some() {
        man.render_extra_section(out)?;
    }
    writeln!(out, ".SH ENVIRONMENT")?;
    for (name, meaning) in ENVIRONMENT {
        writeln!(out, ".TP\n\\fB{name}\\fR\n{}", roff(meaning))?;
    }
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    for (code, meaning) in EXIT_STATUS {
        writeln!(out, ".TP\n\\fB{code}\\fR\n{}", roff(meaning))?;
    }
    let name = cmd.get_display_name().unwrap_or(cmd.get_name());
    let mut see: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| s.get_name() != "help")
        .map(|s| format!("\\fB{name}-{}\\fR(1)", s.get_name()))
        .collect();
    if name != "breach" {
        see.insert(0, "\\fBbreach\\fR(1)".to_string());
    }
    writeln!(out, ".SH \"SEE ALSO\"")?;
    writeln!(
        out,
        "{}{}docs/exit-codes.md, docs/configuration.md and the other pages in docs/.",
        see.join(", "),
        if see.is_empty() { "" } else { "; " }
    )?;
    man.render_version_section(out)?;
    Ok(())
}

/// Text made safe for a roff paragraph: backslashes doubled, a leading `.` or `'` escaped.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\\\");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}
