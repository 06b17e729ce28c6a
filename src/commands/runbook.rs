//! `breach runbook list | show | validate | init`: finding, reading, checking and copying
//! runbooks. Nothing here touches an incident.

use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use comfy_table::{Table, presets};
use serde::Serialize;

use super::Ctx;
use crate::cli::{RunbookCommand, RunbookInitArgs, RunbookShowArgs, RunbookValidateArgs};
use crate::error::{ExitStatus, conflict, not_found, status_of};
use crate::runbook::load::{self, FileCheck};
use crate::runbook::{
    AnswerTest, Condition, Problem, Question, QuestionKind, Runbook, RunbookSource, builtin,
};

/// Width the outline is laid out for.
const WIDTH: usize = 80;

pub fn run(cmd: &RunbookCommand, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    match cmd {
        RunbookCommand::List(args) => list(args.json, ctx),
        RunbookCommand::Show(args) => show(args, ctx),
        RunbookCommand::Validate(args) => validate(args, ctx),
        RunbookCommand::Init(args) => init(args, ctx),
    }
}

/// One row of `breach runbook list`.
#[derive(Debug, Serialize)]
struct Listed {
    id: String,
    title: Option<String>,
    steps: Option<usize>,
    source: RunbookSource,
    valid: bool,
    /// For a file found in a search directory whose name is a built-in's: it is the one
    /// `--runbook NAME` picks.
    #[serde(skip_serializing_if = "Option::is_none")]
    overridden_by: Option<PathBuf>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<Problem>,
}

fn list(json: bool, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let files = load::discover();
    let mut rows = Vec::new();
    for (name, text) in builtin::BUILTINS {
        // A built-in that does not validate is a bug in this build; list it as invalid
        // rather than fail the whole listing.
        let parsed = load::parse_text(text, &format!("built-in runbook {name}"));
        let overridden_by = files
            .iter()
            .find(|p| p.file_stem().is_some_and(|s| s == *name))
            .cloned();
        rows.push(match parsed {
            Ok(rb) => Listed {
                id: rb.id.clone(),
                title: Some(rb.title.clone()),
                steps: Some(rb.steps.len()),
                source: RunbookSource::Builtin,
                valid: true,
                overridden_by,
                problems: Vec::new(),
            },
            Err(problems) => Listed {
                id: name.to_string(),
                title: None,
                steps: None,
                source: RunbookSource::Builtin,
                valid: false,
                overridden_by,
                problems,
            },
        });
    }
    for path in files {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let source = RunbookSource::File(path.clone());
        rows.push(match load::check_file(&path) {
            FileCheck::Valid(loaded) => Listed {
                id: loaded.runbook.id.clone(),
                title: Some(loaded.runbook.title.clone()),
                steps: Some(loaded.runbook.steps.len()),
                source,
                valid: true,
                overridden_by: None,
                problems: Vec::new(),
            },
            FileCheck::Invalid(problems) => Listed {
                id: stem,
                title: None,
                steps: None,
                source,
                valid: false,
                overridden_by: None,
                problems,
            },
            FileCheck::Unreadable(err) => Listed {
                id: stem,
                title: None,
                steps: None,
                source,
                valid: false,
                overridden_by: None,
                problems: vec![Problem {
                    file: path.display().to_string(),
                    line: None,
                    column: None,
                    message: err.to_string(),
                }],
            },
        });
    }
    if json {
        ctx.out.print_json(&rows)?;
        return Ok(ExitStatus::Ok);
    }
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        // Fits a terminal's width; unconstrained when piped, so paths stay whole.
        .set_content_arrangement(crate::output::list_arrangement())
        .set_header(["ID", "TITLE", "STEPS", "SOURCE"]);
    let mut any_invalid = false;
    for row in &rows {
        let mut source = row.source.to_string();
        if row.overridden_by.is_some() {
            // The overriding file has its own row.
            source.push_str(" (overridden)");
        }
        let title = match &row.title {
            Some(t) => t.clone(),
            None => {
                any_invalid = true;
                let n = row.problems.len();
                let marker = ctx.out.paint("INVALID", console::Style::new().red().bold());
                format!("{marker} ({n} problem{})", if n == 1 { "" } else { "s" })
            }
        };
        let steps = row.steps.map_or_else(|| "-".to_string(), |n| n.to_string());
        table.add_row([row.id.clone(), title, steps, source]);
    }
    let mut text = table.to_string();
    text = text
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    ctx.out.print(&text)?;
    if any_invalid {
        ctx.out
            .hint("see what is wrong with `breach runbook validate FILE`");
    }
    Ok(ExitStatus::Ok)
}

fn show(args: &RunbookShowArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let loaded = crate::runbook::load(Some(&args.name))?;
    if args.json {
        ctx.out.print_json(&loaded.runbook)?;
    } else {
        ctx.out.print(&outline(&loaded.runbook, &loaded.source))?;
    }
    Ok(ExitStatus::Ok)
}

/// The readable outline `breach runbook show` prints, laid out for 80 columns.
pub fn outline(rb: &Runbook, source: &RunbookSource) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} ({})",
        crate::output::safe(&rb.title),
        crate::output::safe(&rb.id)
    );
    let _ = writeln!(
        o,
        "source: {}; {} step{}",
        crate::output::safe(&source.to_string()),
        rb.steps.len(),
        if rb.steps.len() == 1 { "" } else { "s" }
    );
    if !rb.description.trim().is_empty() {
        o.push('\n');
        wrap_into(&mut o, rb.description.trim(), "", "");
    }
    for (n, step) in rb.steps.iter().enumerate() {
        o.push('\n');
        let head = format!("{}. ", n + 1);
        wrap_into(
            &mut o,
            &format!("{} [{}]", step.title, step.id),
            &head,
            &" ".repeat(head.len()),
        );
        let pad = " ".repeat(head.len());
        wrap_into(&mut o, &format!("owner: {}", step.owner), &pad, &pad);
        if let Some(when) = &step.when {
            wrap_into(
                &mut o,
                &format!("only when {}", words(when)),
                &pad,
                &format!("{pad}  "),
            );
        }
        if !step.items.is_empty() {
            let _ = writeln!(o, "{pad}checklist:");
            for item in &step.items {
                let mut text = item.text.trim().to_string();
                if !item.required {
                    text.push_str(" (optional)");
                }
                if let Some(when) = &item.when {
                    text.push_str(&format!(" (only when {})", words(when)));
                }
                text.push_str(&format!(" [{}]", item.id));
                wrap_into(
                    &mut o,
                    &text,
                    &format!("{pad}  [ ] "),
                    &format!("{pad}      "),
                );
            }
        }
        if !step.questions.is_empty() {
            let _ = writeln!(o, "{pad}questions:");
            for q in &step.questions {
                question_into(&mut o, q, &pad);
            }
        }
    }
    if !rb.deadlines.is_empty() {
        o.push_str("\ndeadlines:\n");
        for d in &rb.deadlines {
            wrap_into(&mut o, &format!("{} [{}]", d.title, d.id), "  - ", "    ");
            wrap_into(
                &mut o,
                &format!("{}; {}", d.authority, d.citation),
                "    ",
                "    ",
            );
            let due = match (&d.within, d.asap) {
                (Some(w), _) if w.hours.is_none() && d.zone.is_some() => format!(
                    "due within {w} of {}, counted in {}",
                    anchor_words(&d.from),
                    d.zone.as_deref().unwrap_or("UTC")
                ),
                (Some(w), _) => format!("due within {w} of {}", anchor_words(&d.from)),
                (None, _) => format!(
                    "due as soon as possible (no fixed limit) after {}",
                    anchor_words(&d.from)
                ),
            };
            wrap_into(&mut o, &due, "    ", "    ");
            if !d.satisfied_by.is_empty() {
                let by: Vec<String> = d.satisfied_by.iter().map(|e| e.to_string()).collect();
                wrap_into(
                    &mut o,
                    &format!("met by: {}", by.join(", or ")),
                    "    ",
                    "      ",
                );
            }
            if let Some(when) = &d.when {
                wrap_into(
                    &mut o,
                    &format!("only when {}", words(when)),
                    "    ",
                    "      ",
                );
            }
            if !d.verified {
                wrap_into(
                    &mut o,
                    "not verified: check it for your jurisdiction",
                    "    ",
                    "      ",
                );
            }
            if let Some(note) = &d.note {
                wrap_into(&mut o, &format!("note: {}", note.trim()), "    ", "      ");
            }
        }
    }
    if !rb.templates.is_empty() {
        o.push_str("\ntemplates:\n");
        for t in &rb.templates {
            wrap_into(
                &mut o,
                &format!("{} (to {}): {}", t.id, t.audience, t.subject),
                "  - ",
                "    ",
            );
        }
    }
    if !rb.references.is_empty() {
        o.push_str("\nreferences:\n");
        for r in &rb.references {
            let mut text = r.title.clone();
            if let Some(url) = &r.url {
                text.push_str(&format!(" <{url}>"));
            }
            wrap_into(&mut o, &text, "  - ", "    ");
        }
    }
    o
}

fn question_into(o: &mut String, q: &Question, pad: &str) {
    let mut facts = vec![q.kind.as_str().to_string()];
    if q.required {
        facts.push("required".into());
    }
    let mut text = format!("{} ({}) [{}]", q.prompt.trim(), facts.join(", "), q.id);
    if let Some(when) = &q.when {
        text.push_str(&format!(" (only when {})", words(when)));
    }
    wrap_into(o, &text, &format!("{pad}  ? "), &format!("{pad}    "));
    if matches!(q.kind, QuestionKind::Select | QuestionKind::Multiselect) {
        for c in &q.options {
            wrap_into(
                o,
                &format!("{} [{}]", c.label, c.id),
                &format!("{pad}    - "),
                &format!("{pad}      "),
            );
        }
    }
}

/// A condition in plain words, e.g. "assess/data_types includes payment_cards".
pub fn words(c: &Condition) -> String {
    match c {
        Condition::All(v) if v.is_empty() => "always".into(),
        Condition::Any(v) if v.is_empty() => "never".into(),
        Condition::All(v) => join_words(v, " and "),
        Condition::Any(v) => join_words(v, " or "),
        Condition::Not(inner) => match inner.as_ref() {
            Condition::Answer { .. } => format!("not {}", words(inner)),
            other => format!("not ({})", words(other)),
        },
        Condition::Answer { answer, test } => match test {
            AnswerTest::Equals(serde_yaml::Value::Bool(true)) => format!("{answer} is yes"),
            AnswerTest::Equals(serde_yaml::Value::Bool(false)) => format!("{answer} is no"),
            AnswerTest::Equals(serde_yaml::Value::String(s)) => format!("{answer} is {s}"),
            AnswerTest::Equals(serde_yaml::Value::Number(n)) => format!("{answer} is {n}"),
            AnswerTest::Equals(other) => format!(
                "{answer} is {}",
                serde_json::to_string(other).unwrap_or_else(|_| "(a value)".into())
            ),
            AnswerTest::Contains(s) => format!("{answer} includes {s}"),
            AnswerTest::ContainsAny(v) => format!("{answer} includes {}", v.join(" or ")),
            AnswerTest::PlaceIn(v) => format!("{answer} names a place in {}", v.join(" or ")),
            AnswerTest::AtLeast(n) => format!("{answer} is at least {n}"),
            AnswerTest::MoreThan(n) => format!("{answer} is more than {n}"),
            AnswerTest::Answered(true) => format!("{answer} is answered"),
            AnswerTest::Answered(false) => format!("{answer} is not answered"),
        },
    }
}

fn join_words(v: &[Condition], sep: &str) -> String {
    v.iter()
        .map(|c| match c {
            Condition::All(x) | Condition::Any(x) if x.len() > 1 => format!("({})", words(c)),
            _ => words(c),
        })
        .collect::<Vec<_>>()
        .join(sep)
}

fn anchor_words(a: &crate::runbook::Anchor) -> String {
    match a {
        crate::runbook::Anchor::Intake(i) => match i {
            crate::runbook::IntakeAnchor::Detected => "detection".into(),
            crate::runbook::IntakeAnchor::Aware => "becoming aware".into(),
            crate::runbook::IntakeAnchor::Determined => "the breach being determined".into(),
            crate::runbook::IntakeAnchor::Opened => "opening the incident".into(),
        },
        crate::runbook::Anchor::Event(e) => e.to_string(),
        crate::runbook::Anchor::First(v) => v
            .iter()
            .map(anchor_words)
            .collect::<Vec<_>>()
            .join(", else "),
    }
}

/// Appends `text` word-wrapped to [`WIDTH`], the first line after `first`, the rest after
/// `rest`. Words longer than a line stay whole.
fn wrap_into(o: &mut String, text: &str, first: &str, rest: &str) {
    let mut line = first.to_string();
    let mut empty = true;
    // Newlines and tabs are word breaks here; every other control is shown escaped.
    let text = crate::output::safe_lines(text);
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            o.push_str(&line);
            o.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    o.push_str(line.trim_end());
    o.push('\n');
}

/// The JSON shape of one file's result in `breach runbook validate --json`.
#[derive(Debug, Serialize)]
struct Checked {
    file: String,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<usize>,
    problems: Vec<Problem>,
}

fn validate(args: &RunbookValidateArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let mut results = Vec::new();
    let mut missing = false;
    let mut invalid = false;
    for path in &args.paths {
        let file = path.display().to_string();
        match load::check_file(path) {
            FileCheck::Valid(loaded) => {
                if !args.json {
                    ctx.out.print(&format!(
                        "ok: {file} ({}, {} step{})",
                        loaded.runbook.id,
                        loaded.runbook.steps.len(),
                        if loaded.runbook.steps.len() == 1 {
                            ""
                        } else {
                            "s"
                        }
                    ))?;
                }
                results.push(Checked {
                    file,
                    valid: true,
                    id: Some(loaded.runbook.id),
                    steps: Some(loaded.runbook.steps.len()),
                    problems: Vec::new(),
                });
            }
            FileCheck::Invalid(problems) => {
                invalid = true;
                if !args.json {
                    for p in &problems {
                        ctx.out.error(&p.to_string());
                    }
                }
                results.push(Checked {
                    file,
                    valid: false,
                    id: None,
                    steps: None,
                    problems,
                });
            }
            FileCheck::Unreadable(err) => {
                if status_of(&err) == ExitStatus::NotFound {
                    missing = true;
                } else {
                    invalid = true;
                }
                if !args.json {
                    ctx.out.error(&err.to_string());
                }
                results.push(Checked {
                    file: file.clone(),
                    valid: false,
                    id: None,
                    steps: None,
                    problems: vec![Problem {
                        file,
                        line: None,
                        column: None,
                        message: err.to_string(),
                    }],
                });
            }
        }
    }
    if args.json {
        ctx.out.print_json(&results)?;
    } else {
        let bad = results.iter().filter(|r| !r.valid).count();
        if bad > 0 {
            ctx.out.info(&format!(
                "{bad} of {} runbook file{} failed validation",
                results.len(),
                if results.len() == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(if missing {
        ExitStatus::NotFound
    } else if invalid {
        ExitStatus::InvalidInput
    } else {
        ExitStatus::Ok
    })
}

fn init(args: &RunbookInitArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let name = args.name.as_deref().unwrap_or(builtin::DEFAULT);
    let Some(text) = builtin::get(name) else {
        let known: Vec<&str> = builtin::BUILTINS.iter().map(|(n, _)| *n).collect();
        return Err(not_found(format!(
            "no built-in runbook named `{name}`; the built-ins are {}",
            known.join(", ")
        )));
    };
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| Path::new("runbooks").join(format!("{name}.yaml")));
    // `symlink_metadata` also sees a dangling link, which a write would follow.
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(conflict(format!(
            "{} already exists; it is left untouched (choose another file with -o)",
            path.display()
        )));
    }
    // A runbook defines deadlines and notice texts: it is private whatever the umask, the
    // file 0600 and every directory created for it 0700 (existing ones are left alone).
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let missing: Vec<&Path> = dir.ancestors().take_while(|d| !d.exists()).collect();
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))?;
        for d in missing.iter().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot make {} private", d.display()))?;
        }
    }
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(conflict(format!(
                "{} already exists; it is left untouched (choose another file with -o)",
                path.display()
            )));
        }
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
    };
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .and_then(|()| file.write_all(text.as_bytes()))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    ctx.out.print(&format!(
        "wrote {} (a copy of the built-in runbook {name})",
        path.display()
    ))?;
    // A file in ./runbooks is found by its name; anywhere else it is used by path.
    let in_search_dir = path.parent() == Some(Path::new("runbooks"));
    let spec = match (in_search_dir, path.file_stem()) {
        (true, Some(stem)) => stem.to_string_lossy().into_owned(),
        _ => path.display().to_string(),
    };
    ctx.out.hint(&format!(
        "edit it, check it with `breach runbook validate {}`, then use it with \
         `breach start --runbook {spec}`",
        path.display()
    ));
    Ok(ExitStatus::Ok)
}
