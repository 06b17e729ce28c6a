//! The interactive walk through a runbook's steps: `breach start` (intake, then the walk) and
//! `breach resume`.
//!
//! The [`engine`] decides what to ask and appends each answer the moment it is given; a
//! [`Prompter`] gets the answers, either from a terminal ([`DialoguerPrompter`]) or from an
//! answers file ([`ScriptedPrompter`]). Both drive the same engine, so what the tests check
//! without a terminal is what an operator runs with one. `docs/walk.md` describes the walk
//! as the operator sees it; `docs/answers-file.md` the answers file.

pub mod engine;
pub mod prompter;
pub mod scripted;
pub mod term;
pub mod text;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

pub use engine::{WalkEnd, Walker, deadlines_for_step};
pub use prompter::{Ask, Choice, Prompter, StepAction};
pub use scripted::ScriptedPrompter;
pub use term::DialoguerPrompter;

use crate::error::{BreachError, ExitStatus};
use crate::incident::checks::TimeFact;
use crate::ledger::{Intake, check_title, open_incident, open_team_incident};
use crate::output::{ColorChoice, Output};
use crate::runbook::{self, builtin};
use crate::types::Severity;

/// What the walk needs from its caller, resolved: where incidents live, who records, and
/// how to print.
pub struct Session<'a> {
    /// The incident directory.
    pub dir: &'a Path,
    /// Who is recording.
    pub operator: String,
    pub out: &'a Output,
    /// `--color`, for the prompts (which draw on stderr).
    pub color: ColorChoice,
}

/// `breach start`'s intake answered in advance (flags); what is missing is asked.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    pub runbook: Option<String>,
    pub title: Option<String>,
    pub severity: Option<Severity>,
    pub detected_at: Option<DateTime<Utc>>,
    pub aware_at: Option<DateTime<Utc>>,
    pub determined_at: Option<DateTime<Utc>>,
    /// `--override-check`: record the intake times given as flags even if they fail the
    /// plausibility checks.
    pub override_checks: bool,
    /// `--team`: open a team incident (format 2) instead of a format 1 file.
    pub team: bool,
}

/// Where `breach resume` carries on.
#[derive(Debug, Clone)]
pub struct ResumeOptions {
    /// The incident file (inside the incident directory).
    pub path: PathBuf,
    /// Start at this step instead of the first open one.
    pub step: Option<String>,
}

/// Parses a time typed in the walk: `now`, RFC 3339, or `YYYY-MM-DD HH:MM` local.
pub fn parse_when(text: &str) -> Result<DateTime<Utc>, String> {
    if text.trim().eq_ignore_ascii_case("now") {
        return crate::clock::now().map_err(|e| e.to_string());
    }
    crate::types::parse_time(text)
}

/// Reads a severity name, in any case.
pub fn severity_from(text: &str) -> Result<Severity, String> {
    text.trim().to_ascii_lowercase().parse()
}

/// The two ways of answering: a terminal, or an answers file.
pub enum Answering {
    Terminal(DialoguerPrompter),
    Script(ScriptedPrompter),
}

impl Answering {
    /// Picks the prompter: the answers file if given, else the terminal if there is one,
    /// else an immediate `NeedsTerminal` error (never a hang).
    pub fn choose(
        answers: Option<&Path>,
        color: ColorChoice,
        command: &str,
    ) -> anyhow::Result<Answering> {
        if let Some(path) = answers {
            return Ok(Answering::Script(ScriptedPrompter::load(path)?.echo(true)));
        }
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            return Err(crate::error::about(
                crate::error::Topic::NoTerminal {
                    command: command.to_string(),
                },
                BreachError::NeedsTerminal(format!(
                    "`breach {command}` asks its questions on a terminal, and there is none"
                )),
            ));
        }
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color,
        };
        Ok(Answering::Terminal(DialoguerPrompter::new(color)?))
    }

    fn prompter(&mut self) -> &mut dyn Prompter {
        match self {
            Answering::Terminal(p) => p,
            Answering::Script(p) => p,
        }
    }

    fn script(&self) -> Option<&ScriptedPrompter> {
        match self {
            Answering::Script(p) => Some(p),
            Answering::Terminal(_) => None,
        }
    }
}

/// `breach start` without `--no-walk`: the intake, the incident file, then the walk.
pub fn start(
    mut answering: Answering,
    args: &StartOptions,
    session: &Session,
) -> anyhow::Result<ExitStatus> {
    let mut opened: Option<String> = None;
    let result = start_inner(args, session, &mut answering, &mut opened);
    finish(result, session, &answering, opened.as_deref())
}

fn start_inner(
    args: &StartOptions,
    session: &Session,
    answering: &mut Answering,
    opened: &mut Option<String>,
) -> anyhow::Result<WalkEnd> {
    let now = crate::clock::now()?;
    // The walk opens a format 1 incident, which cannot mark a fixed clock: a build that
    // refuses one says so before asking anything.
    crate::clock::require_unmarked_allowed()?;
    let aware_flag = args.aware_at;
    let determined_flag = args.determined_at;
    let flag_detected = args.detected_at;
    let prompter = answering.prompter();
    prompter.show(&format!(
        "Open a new incident. Every answer is recorded as soon as you give it.\nRecording as: {} (set --operator or BREACH_OPERATOR to change it)\n",
        session.operator
    ))?;

    let title = match &args.title {
        Some(t) => check_title(t)?,
        None => {
            let ask = Ask::new("intake/title", "Short title of the incident", true);
            let check = |s: &str| check_title(s).map(|_| ()).map_err(|e| e.to_string());
            match prompter.text(&ask, None, &check)? {
                Some(t) => check_title(&t)?,
                None => {
                    return Err(crate::error::invalid(
                        "the incident needs a title: give `intake: {title: ...}` in the answers file or --title",
                    ));
                }
            }
        }
    };
    let severity = match args.severity {
        Some(s) => s,
        None => {
            let choices: Vec<Choice> = ["low", "medium", "high", "critical"]
                .iter()
                .map(|s| Choice {
                    id: (*s).into(),
                    label: (*s).into(),
                })
                .collect();
            let ask = Ask::new("intake/severity", "Severity", true);
            match prompter.select(&ask, &choices, Some(2))? {
                Some(i) => severity_from(&choices[i].id).map_err(crate::error::invalid)?,
                None => Severity::High,
            }
        }
    };
    if flag_detected.is_none() || aware_flag.is_none() || determined_flag.is_none() {
        prompter.show(
            "The next times start the legal clocks (GDPR's 72 hours runs from when you \
             became aware), so give the real times, not the time you open this incident.",
        )?;
    }
    // Each time typed is checked at once against the ones before it (and the clock), and
    // asked again with the reason when it is implausible. Times given as flags are checked
    // when the incident is opened (where `--override-check` applies).
    let mut intake = Intake {
        title,
        severity,
        detected_at: flag_detected.unwrap_or(now),
        aware_at: aware_flag,
        determined_at: determined_flag,
        override_checks: args.override_checks,
    };
    if flag_detected.is_none() {
        let ask = Ask::new("intake/detected_at", "When was the breach detected?", true);
        loop {
            intake.detected_at = prompter.datetime(&ask, Some(now))?.unwrap_or(now);
            if !reject_intake(prompter, &ask, &intake, TimeFact::Detected, now)? {
                break;
            }
        }
    }
    if aware_flag.is_none() {
        let ask = Ask::new(
            "intake/aware_at",
            "When did you learn that personal data was affected? (default: the detection time)",
            true,
        );
        loop {
            let detected = intake.detected_at;
            intake.aware_at = Some(prompter.datetime(&ask, Some(detected))?.unwrap_or(detected));
            if !reject_intake(prompter, &ask, &intake, TimeFact::Aware, now)? {
                break;
            }
        }
    }
    if determined_flag.is_none() {
        let ask = Ask::new(
            "intake/determined_at",
            "If known: when was it determined that a breach actually occurred? (several US state deadlines run from it)",
            false,
        );
        loop {
            intake.determined_at = prompter.datetime(&ask, None)?;
            if !reject_intake(prompter, &ask, &intake, TimeFact::Determined, now)? {
                break;
            }
        }
    }
    let spec = match &args.runbook {
        Some(r) => Some(r.clone()),
        None => choose_runbook(prompter)?,
    };
    let loaded = runbook::load(spec.as_deref())?;
    if let Some(script) = answering.script() {
        script.check_against(&loaded.runbook)?;
    }
    let open = if args.team {
        open_team_incident
    } else {
        open_incident
    };
    let (path, incident) = open(session.dir, &loaded, &intake, &session.operator, now)?;
    *opened = Some(incident.id.clone());
    let prompter = answering.prompter();
    prompter.show(&format!(
        "\nOpened incident {}\nfile: {}\nrunbook: {} ({} steps)",
        incident.id,
        path.display(),
        incident.runbook.title,
        incident.runbook.steps.len()
    ))?;
    if matches!(answering, Answering::Terminal(_)) {
        answering
            .prompter()
            .show(&text::wrap(KEYS, text::width(), ""))?;
    }
    let mut walker = Walker::open(&path, &session.operator, answering.prompter())?;
    let end = walker.run(None)?;
    session.out.print(&text::summary(
        walker.incident(),
        end == WalkEnd::Paused,
        text::width(),
    ))?;
    Ok(end)
}

/// Shows why the intake time just typed for `fact` is implausible, if it is; `true` when it
/// was rejected (a terminal then asks again; an answers file stops with the reason).
fn reject_intake(
    prompter: &mut dyn Prompter,
    ask: &Ask,
    intake: &Intake,
    fact: TimeFact,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let found = crate::incident::checks::problems(&intake.times(), fact, now);
    if found.is_empty() {
        return Ok(false);
    }
    prompter.rejected(ask, &found.join("; "))?;
    Ok(true)
}

const KEYS: &str = "Keys: ↑/↓ move, space ticks, enter confirms, esc leaves a question \
                    unanswered. Ctrl-C stops; answers given so far are kept.";

/// The runbooks to choose from at intake: the built-ins and the files in the runbook
/// directories (a file with a built-in's name replaces it, as `--runbook NAME` does).
fn available_runbooks() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, text) in builtin::BUILTINS {
        if let Ok(rb) = runbook::parse_text(text, name) {
            out.push((
                (*name).to_string(),
                format!("{} ({name}, built-in)", rb.title),
            ));
        }
    }
    // `runbook::load` takes the first file found for a name, so the first one wins here too.
    let mut from_files: Vec<String> = Vec::new();
    for dir in runbook::load::search_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for path in files {
            let is_yaml = path.extension().is_some_and(|x| x == "yaml" || x == "yml");
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if !is_yaml || from_files.iter().any(|n| n == stem) {
                continue;
            }
            let Ok(loaded) = runbook::load::load_file(&path) else {
                continue;
            };
            from_files.push(stem.to_string());
            let label = format!("{} ({})", loaded.runbook.title, path.display());
            match out.iter_mut().find(|(n, _)| n == stem) {
                Some(slot) => slot.1 = label,
                None => out.push((stem.to_string(), label)),
            }
        }
    }
    out
}

fn choose_runbook(prompter: &mut dyn Prompter) -> anyhow::Result<Option<String>> {
    let available = available_runbooks();
    if available.len() < 2 {
        return Ok(None);
    }
    let choices: Vec<Choice> = available
        .iter()
        .map(|(id, label)| Choice {
            id: id.clone(),
            label: label.clone(),
        })
        .collect();
    let default = choices
        .iter()
        .position(|c| c.id == builtin::DEFAULT)
        .unwrap_or(0);
    let ask = Ask::new("intake/runbook", "Which runbook?", true);
    Ok(prompter
        .select(&ask, &choices, Some(default))?
        .map(|i| choices[i].id.clone()))
}

/// `breach resume`: shows what was decided, then walks from the first open step.
pub fn resume(
    mut answering: Answering,
    args: &ResumeOptions,
    session: &Session,
) -> anyhow::Result<ExitStatus> {
    let mut opened: Option<String> = None;
    let result = resume_inner(args, session, &mut answering, &mut opened);
    finish(result, session, &answering, opened.as_deref())
}

fn resume_inner(
    args: &ResumeOptions,
    session: &Session,
    answering: &mut Answering,
    opened: &mut Option<String>,
) -> anyhow::Result<WalkEnd> {
    let path = &args.path;
    let (incident, mark) = crate::ledger::load_marked(path)?;
    if let Some(script) = answering.script() {
        script.check_against(&incident.runbook)?;
    }
    *opened = Some(incident.id.clone());
    let terminal = matches!(answering, Answering::Terminal(_));
    let mut walker = Walker::with_loaded(
        path,
        &session.operator,
        answering.prompter(),
        incident,
        mark,
    )?;
    let (done, total) = walker.incident().progress();
    let title = format!(
        "Resuming incident {}: {}\n{done} of {total} steps done or skipped.\n",
        walker.incident().id,
        walker.incident().title
    );
    walker.show_decided_with(&title, terminal.then_some(KEYS))?;
    let end = walker.run(args.step.as_deref())?;
    session.out.print(&text::summary(
        walker.incident(),
        end == WalkEnd::Paused,
        text::width(),
    ))?;
    Ok(end)
}

/// Turns the walk's result into the exit status: an interruption prints one line saying
/// how to carry on and exits 130; the cursor is shown again on every path.
fn finish(
    result: anyhow::Result<WalkEnd>,
    session: &Session,
    answering: &Answering,
    incident: Option<&str>,
) -> anyhow::Result<ExitStatus> {
    if std::io::stderr().is_terminal() {
        let _ = console::Term::stderr().show_cursor();
    }
    let interrupted = result.as_ref().err().is_some_and(|e| {
        e.chain().any(|c| {
            matches!(
                c.downcast_ref::<BreachError>(),
                Some(BreachError::Interrupted)
            )
        })
    });
    if interrupted {
        let line = match incident {
            Some(id) => format!("\ninterrupted; resume with: breach resume {id}"),
            None => "\ninterrupted: no incident was opened".to_string(),
        };
        session.out.info(&line);
        return Ok(ExitStatus::Interrupted);
    }
    result?;
    if let Some(script) = answering.script() {
        for key in script.unused() {
            session.out.warn(&format!(
                "answers file: `{key}` was not used (its step was already closed or its question did not apply)"
            ));
        }
    }
    Ok(ExitStatus::Ok)
}

#[cfg(test)]
mod tests;
