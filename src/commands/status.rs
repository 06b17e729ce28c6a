//! `breach status`: the incident at a glance — header, steps, legal clocks, what to do next.

use chrono::{DateTime, Local, Utc};
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;

use super::Ctx;
use crate::cli::StatusArgs;
use crate::error::ExitStatus;
use crate::incident::deadlines::{self, DeadlineState, DeadlineStatus};
use crate::incident::next::{Next, Target};
use crate::incident::{Incident, StepStatus};
use crate::journal::store;
use crate::output::safe;
use crate::types::AnswerValue;
use crate::types::{format_duration, format_utc};

/// The documented `status --json` shape (see docs/status-json.md).
#[derive(Serialize)]
struct StatusJson<'a> {
    status_format: u32,
    id: &'a str,
    title: &'a str,
    severity: &'a str,
    state: &'static str,
    path: String,
    runbook: RunbookJson<'a>,
    #[serde(with = "crate::journal::record::utc")]
    opened_at: DateTime<Utc>,
    #[serde(with = "crate::journal::record::utc")]
    detected_at: DateTime<Utc>,
    #[serde(with = "crate::journal::record::utc")]
    aware_at: DateTime<Utc>,
    #[serde(with = "crate::journal::record::utc_opt")]
    determined_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::journal::record::utc_opt")]
    closed_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::journal::record::utc")]
    now: DateTime<Utc>,
    progress: Progress,
    records: u64,
    steps: Vec<StepJson<'a>>,
    deadlines: &'a [DeadlineStatus],
    actions: Vec<super::action::ActionJson<'a>>,
    next: Option<String>,
    /// Team incidents: open conflicts (left out when there are none).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    conflicts: &'a [crate::incident::Conflict],
    /// How records were timed: a clock that went back, a team incident's fixed clock (left out
    /// when there is nothing to say).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    clock_notes: &'a [String],
    /// Team incidents: how each journal is signed.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    signatures: &'a [crate::incident::Signing],
    /// The latest import of the affected people (`breach affected import`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    affected: Option<AffectedJson<'a>>,
}

#[derive(Serialize)]
struct AffectedJson<'a> {
    record: u64,
    #[serde(with = "crate::journal::record::utc")]
    at: DateTime<Utc>,
    source: &'a str,
    sha256: &'a str,
    format: &'a str,
    total: u64,
    unplaced: u64,
    countries: &'a std::collections::BTreeMap<String, u64>,
    subdivisions: &'a std::collections::BTreeMap<String, u64>,
    places: &'a [String],
    imports: usize,
}

#[derive(Serialize)]
struct RunbookJson<'a> {
    id: &'a str,
    title: &'a str,
    sha256: &'a str,
}

#[derive(Serialize)]
struct Progress {
    steps_closed: usize,
    steps_applicable: usize,
}

#[derive(Serialize)]
struct StepJson<'a> {
    number: usize,
    id: &'a str,
    title: &'a str,
    owner: &'a str,
    applies: bool,
    state: &'static str,
    items: Vec<ItemJson<'a>>,
    answers: serde_json::Map<String, serde_json::Value>,
    skip_reason: Option<&'a str>,
    #[serde(with = "crate::journal::record::utc_opt")]
    last_activity: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct ItemJson<'a> {
    id: &'a str,
    checked: bool,
}

fn answer_json(v: &AnswerValue) -> serde_json::Value {
    match v {
        AnswerValue::Bool(b) => (*b).into(),
        AnswerValue::Count(n) => (*n).into(),
        AnswerValue::Number(n) => {
            serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, Into::into)
        }
        AnswerValue::Text(t) => t.clone().into(),
        AnswerValue::List(l) => l.clone().into(),
    }
}

/// What to do next, in one sentence: the choice the walk makes too
/// ([`crate::incident::next::next`]).
fn next_action(inc: &Incident, clocks: &[DeadlineStatus], fit: Fit) -> Option<String> {
    match crate::incident::next::next(inc, clocks) {
        Next::Closed => None,
        Next::Clock {
            deadline: d,
            target,
        } => {
            // Only overdue clocks and clocks due within 24 hours get here: their sentences
            // hold no time of day.
            let when = deadlines::Outcome::of(d).sentence(|t| short_time(t, false));
            let place = match target {
                Some(Target {
                    step,
                    item: Some(item),
                }) => {
                    let id = &inc.runbook.steps[step].id;
                    format!(
                        "record it in step `{}` ({}/{})",
                        safe(id),
                        safe(id),
                        safe(&item)
                    )
                }
                Some(Target { step, item: None }) => {
                    format!("record it in step `{}`", safe(&inc.runbook.steps[step].id))
                }
                None => "record it when done".to_string(),
            };
            let mut text = format!("{}: {when}\n      {place}", safe(&d.title));
            // Never bury a duty: the other clocks that are overdue or due within 24 hours
            // are named under the first, one a line.
            let others: Vec<&DeadlineStatus> = crate::incident::next::pressing(clocks)
                .into_iter()
                .filter(|o| o.id != d.id)
                .collect();
            if !others.is_empty() {
                text.push_str(&format!("\n      also pressing ({} more):", others.len()));
                for o in others {
                    let when = deadlines::Outcome::of(o).sentence(|t| short_time(t, false));
                    let line = format!("        {}: {when}", safe(&o.title));
                    match fit {
                        // Too long for the terminal: the title on its line, the time below.
                        Fit::Columns(width) if line.chars().count() > width => {
                            text.push_str(&format!(
                                "\n        {}\n          {when}",
                                truncate(&o.title, width.saturating_sub(8))
                            ));
                        }
                        _ => text.push_str(&format!("\n{line}")),
                    }
                }
            }
            Some(text)
        }
        Next::Step(i) => {
            let spec = &inc.runbook.steps[i];
            let (done, total) = inc.item_progress(i);
            Some(format!(
                "step {} \"{}\", {done}/{total} items\n      owner: {}; walk it with `breach resume`",
                i + 1,
                safe(&spec.title),
                safe(&spec.owner)
            ))
        }
        Next::AllClosed => {
            Some("every step is done or skipped\n      `breach close`, then `breach export`".into())
        }
    }
}

/// How `status` lays its text out: fitted to a terminal's width, long values cut with `…`;
/// or, when stdout is a pipe or a file, every value whole and each table row on one line,
/// so that `breach status | grep ...` sees what is stored.
#[derive(Debug, Clone, Copy)]
enum Fit {
    /// A terminal this many columns wide.
    Columns(usize),
    /// No width: nothing is cut.
    Whole,
}

impl Fit {
    /// The layout for stdout as it is ([`crate::output::fit_width`]).
    fn of_stdout() -> Fit {
        crate::output::fit_width().map_or(Fit::Whole, Fit::Columns)
    }

    /// A value for a cell or a line, made safe for the terminal; cut to `max` characters
    /// when fitting a width, whole otherwise.
    fn cell(self, text: &str, max: usize) -> String {
        match self {
            Fit::Columns(_) => truncate(text, max),
            Fit::Whole => crate::output::sanitize(text),
        }
    }
}

/// Text cut to `max` characters for a table cell, made safe for the terminal first.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    let text = crate::output::safe(text);
    if text.chars().count() <= max {
        return text.into_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn short_time(t: DateTime<Utc>, utc: bool) -> String {
    if utc {
        t.format("%d %b %H:%MZ").to_string()
    } else {
        t.with_timezone(&Local).format("%d %b %H:%M").to_string()
    }
}

fn local(t: DateTime<Utc>, utc: bool) -> String {
    if utc {
        format_utc(t)
    } else {
        t.with_timezone(&Local)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    }
}

pub fn run(args: &StatusArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let path = match ctx.read_path(args.incident.as_deref()) {
        Ok(p) => p,
        Err(e) if ctx.global.incident.is_none() && args.incident.is_none() => {
            let none_yet = store::incident_files(ctx.dir())
                .map(|f| f.is_empty())
                .unwrap_or(false);
            if none_yet && !args.json {
                let looked: String = ctx
                    .settings
                    .looked
                    .iter()
                    .map(|l| format!("\n  {}", crate::output::safe(l)))
                    .collect();
                ctx.out.print(&format!(
                    "No incidents yet in {}.\n\nLooked for the incident directory in:{looked}\n\nTo open one and be walked through the response:\n  breach start\n\nTo open one without prompts:\n  breach start --no-walk --title \"Card skimmer on checkout\"",
                    crate::output::safe(&ctx.dir().display().to_string())
                ))?;
                // The same state gives the same code as `status --json`: nothing found.
                return Ok(ExitStatus::NotFound);
            }
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let (_, inc) = crate::ledger::load(&path)?;
    let now = crate::clock::now()?;
    // Reading forges nothing, so a fixed clock is allowed here in any build, but said.
    if let Some(note) = crate::clock::fixed_note(now) {
        ctx.out.info(&format!("note: {note}"));
    }
    let (closed, applicable) = inc.progress();
    let clocks = deadlines::evaluate(&inc, now);

    if args.json {
        let steps = inc
            .runbook
            .steps
            .iter()
            .zip(&inc.steps)
            .enumerate()
            .map(|(i, (spec, st))| StepJson {
                number: i + 1,
                id: &spec.id,
                title: &spec.title,
                owner: &spec.owner,
                applies: inc.step_applies(i),
                state: st.status.as_str(),
                items: st
                    .items
                    .iter()
                    .map(|it| ItemJson {
                        id: &it.id,
                        checked: it.checked,
                    })
                    .collect(),
                answers: st
                    .answers
                    .iter()
                    .map(|(k, a)| (k.clone(), answer_json(&a.value)))
                    .collect(),
                skip_reason: st.skip_reason.as_deref(),
                last_activity: st.last_activity.as_ref().map(|s| s.at),
            })
            .collect();
        ctx.out.print_json(&StatusJson {
            status_format: 1,
            id: &inc.id,
            title: &inc.title,
            severity: inc.severity.as_str(),
            state: if inc.is_closed() { "closed" } else { "open" },
            path: path.display().to_string(),
            runbook: RunbookJson {
                id: &inc.runbook.id,
                title: &inc.runbook.title,
                sha256: &inc.runbook_sha256,
            },
            opened_at: inc.opened.at,
            detected_at: inc.detected_at,
            aware_at: inc.aware_at,
            determined_at: inc.determined_at,
            closed_at: inc.closed.as_ref().map(|s| s.at),
            now,
            progress: Progress {
                steps_closed: closed,
                steps_applicable: applicable,
            },
            records: inc.record_count,
            steps,
            deadlines: &clocks,
            actions: super::action::ordered(&inc, now)
                .into_iter()
                .map(|a| super::action::ActionJson::of(a, now))
                .collect(),
            // The same whatever stdout is: nothing is cut in JSON.
            next: next_action(&inc, &clocks, Fit::Whole),
            conflicts: &inc.conflicts,
            clock_notes: &inc.clock_notes,
            signatures: &inc.signing,
            affected: inc.affected_import().map(|a| AffectedJson {
                record: a.stamp.seq,
                at: a.stamp.at,
                source: &a.import.source,
                sha256: &a.import.sha256,
                format: &a.import.format,
                total: a.import.total,
                unplaced: a.import.unplaced,
                countries: &a.import.countries,
                subdivisions: &a.import.subdivisions,
                places: &a.import.places,
                imports: inc.affected.len(),
            }),
        })?;
        return Ok(ExitStatus::Ok);
    }

    let out = ctx.out;
    let fit = Fit::of_stdout();
    let bold = console::Style::new().bold();
    let mut text = String::new();
    let state = if inc.is_closed() { "closed" } else { "open" };
    text.push_str(&format!("{}\n", out.paint(&safe(&inc.title), bold.clone())));
    text.push_str(&format!("  id        {}\n", safe(&inc.id)));
    text.push_str(&format!(
        "  severity  {}    state {state}    progress {closed}/{applicable} steps\n",
        inc.severity.as_str()
    ));
    text.push_str(&format!(
        "  runbook   {} ({})\n",
        safe(&inc.runbook.id),
        &inc.runbook_sha256[..inc.runbook_sha256.len().min(12)]
    ));
    let end = inc.closed.as_ref().map_or(now, |s| s.at);
    text.push_str(&format!(
        "  opened    {} ({} {})\n",
        local(inc.opened.at, args.utc),
        format_duration(end - inc.opened.at),
        if inc.is_closed() {
            "open in total"
        } else {
            "ago"
        }
    ));
    text.push_str(&format!(
        "  detected  {}\n",
        local(inc.detected_at, args.utc)
    ));
    // The two intake times that start legal clocks: awareness (GDPR's 72 hours and the
    // others that run from it) and the determination that a breach occurred (several US
    // state clocks). Shown so that a wrong clock start is seen at a glance.
    text.push_str(&format!("  aware     {}\n", local(inc.aware_at, args.utc)));
    text.push_str(&format!(
        "  determined {}\n",
        inc.determined_at
            .map_or("not yet (clocks that run from it wait)".to_string(), |t| {
                local(t, args.utc)
            })
    ));
    text.push_str(&format!(
        "  file      {}\n",
        safe(&path.display().to_string())
    ));
    if let Some(a) = inc.affected_import() {
        let name = std::path::Path::new(&a.import.source)
            .file_name()
            .map_or(a.import.source.clone(), |n| {
                n.to_string_lossy().into_owned()
            });
        let name = safe(&name);
        text.push_str(&format!(
            "  affected  {} people ({} not placed) in {}, from {name} ({}, record #{}, {})\n",
            a.import.total,
            a.import.unplaced,
            if a.import.places.is_empty() {
                "no known place".to_string()
            } else {
                fit.cell(&a.import.places.join(", "), 60)
            },
            a.import.format,
            a.stamp.seq,
            short_time(a.stamp.at, args.utc)
        ));
    }

    // One line per step. On a terminal the owner column appears when there is room for it,
    // and the title gets whatever the fixed columns leave; in a pipe every column is there
    // and nothing is cut.
    let (show_owner, title_width) = match fit {
        Fit::Columns(width) => {
            let show_owner = width >= 100;
            let fixed = 2 + 13 + 11 + 5 + 12 + if show_owner { 18 } else { 0 };
            let columns = if show_owner { 7 } else { 6 };
            let title_width = width.saturating_sub(fixed + 2 * columns + 2).clamp(12, 60);
            (show_owner, title_width)
        }
        Fit::Whole => (true, usize::MAX),
    };
    let mut table = Table::new();
    let mut header = vec!["#", "id", "step", "state", "items"];
    if show_owner {
        header.push("owner");
    }
    header.push("last activity");
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    for (i, (spec, st)) in inc.runbook.steps.iter().zip(&inc.steps).enumerate() {
        let applies = inc.step_applies(i);
        let (done, total) = inc.item_progress(i);
        let state_text = if applies {
            st.status.as_str().replace('_', " ")
        } else {
            "n/a".to_string()
        };
        let mut state_cell = Cell::new(&state_text);
        if out.color() {
            state_cell = match (applies, st.status) {
                (false, _) => state_cell.fg(Color::DarkGrey),
                (_, StepStatus::Done) => state_cell.fg(Color::Green),
                (_, StepStatus::Skipped) => state_cell.fg(Color::DarkGrey),
                (_, StepStatus::InProgress) => state_cell.fg(Color::Cyan),
                (_, StepStatus::Pending) => state_cell,
            };
        }
        let mut row = vec![
            Cell::new(i + 1),
            Cell::new(fit.cell(&spec.id, 13)),
            Cell::new(fit.cell(&spec.title, title_width)),
            state_cell,
            Cell::new(if total == 0 {
                "-".to_string()
            } else {
                format!("{done}/{total}")
            }),
        ];
        if show_owner {
            row.push(Cell::new(fit.cell(&spec.owner, 18)));
        }
        row.push(Cell::new(
            st.last_activity
                .as_ref()
                .map_or("-".to_string(), |s| short_time(s.at, args.utc)),
        ));
        table.add_row(row);
    }
    text.push('\n');
    text.push_str(&table.to_string());
    text.push('\n');
    text.push_str(&deadline_table(&clocks, out, args.utc, fit));
    text.push_str(&action_lines(&inc, now, args.utc, fit));
    if let Some(next) = next_action(&inc, &clocks, fit) {
        text.push_str(&format!("\n{} {next}\n", out.paint("Next:", bold)));
    }
    if !inc.conflicts.is_empty() {
        text.push_str(&format!(
            "\n{} decisions taken at the same time on different devices; record the decision again to resolve each\n",
            out.paint("Conflicts:", console::Style::new().bold())
        ));
        for c in &inc.conflicts {
            text.push_str(&format!("  {}\n", c.describe()));
        }
    }
    // Briefly, and only once someone signs: an all-unsigned team incident reads as before
    // (`verify` and the export state every journal's signatures either way).
    if inc.signing.iter().any(|s| s.signed > 0) {
        let journals: Vec<String> = inc
            .signing
            .iter()
            .map(|s| format!("{}: {}", s.writer, s.describe()))
            .collect();
        text.push_str(&format!(
            "\n{} {}\n",
            out.paint("Signatures:", console::Style::new().bold()),
            crate::output::safe(&journals.join("; "))
        ));
    }
    for w in inc.warnings.iter().chain(&inc.clock_notes) {
        out.warn(w);
    }
    out.print(&text)?;
    Ok(ExitStatus::Ok)
}

/// The open action items, overdue first; shown for a closed incident too, since follow-ups
/// outlive it. Nothing when there are none. An item added with an event time (`--at`) says
/// when it was agreed and when that was recorded.
fn action_lines(inc: &Incident, now: DateTime<Utc>, utc: bool, fit: Fit) -> String {
    let open: Vec<_> = super::action::ordered(inc, now)
        .into_iter()
        .filter(|a| a.done.is_none())
        .collect();
    if inc.actions.is_empty() {
        return String::new();
    }
    let overdue = open.iter().filter(|a| a.is_overdue(now)).count();
    let done = inc.actions.len() - open.len();
    let mut text = format!(
        "\nAction items: {} open ({overdue} overdue), {done} done\n",
        open.len()
    );
    for a in open {
        let agreed = a.added.event_at.map_or_else(String::new, |event| {
            format!(
                " (added {}, recorded {})",
                short_time(event, utc),
                short_time(a.added.at, utc)
            )
        });
        text.push_str(&format!(
            "  {:<4} {:<8} due {}  {}: {}{agreed}\n",
            a.id,
            super::action::state(a, now),
            a.due,
            fit.cell(&a.owner, 18),
            fit.cell(&a.text, 60)
        ));
    }
    text
}

/// The legal clocks: every applicable deadline, most pressing first.
fn deadline_table(
    clocks: &[DeadlineStatus],
    out: &crate::output::Output,
    utc: bool,
    fit: Fit,
) -> String {
    let mut shown: Vec<&DeadlineStatus> = clocks
        .iter()
        .filter(|d| d.state != DeadlineState::NotApplicable)
        .collect();
    let hidden = clocks.len() - shown.len();
    let rank = |d: &DeadlineStatus| match d.state {
        DeadlineState::Overdue => 0,
        DeadlineState::DueSoon => 1,
        DeadlineState::Open => 2,
        DeadlineState::Waiting => 3,
        DeadlineState::Met => 4,
        DeadlineState::NotApplicable => 5,
    };
    shown.sort_by_key(|d| (rank(d), d.due_at));
    let mut text = String::from("\n");
    if shown.is_empty() {
        text.push_str("Deadlines: none apply yet");
        if hidden > 0 {
            text.push_str(" (they depend on the answers in the first step: data, people, places)");
        }
        text.push('\n');
        return text;
    }
    let title_width = match fit {
        Fit::Columns(width) => width
            .saturating_sub(14 + 12 + 10 + 8 + 10 + 2)
            .clamp(12, 60),
        Fit::Whole => usize::MAX,
    };
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["deadline", "authority", "due", "left", "state"]);
    for d in &shown {
        let due = match (d.due_at, d.asap) {
            (_, true) => "asap".to_string(),
            (Some(t), _) => short_time(t, utc),
            (None, _) => "-".to_string(),
        };
        let left = match d.state {
            DeadlineState::Overdue => d
                .overdue_by
                .map_or("-".into(), |x| format!("-{}", format_duration(x))),
            DeadlineState::Open | DeadlineState::DueSoon if d.asap => d
                .elapsed
                .map_or("-".into(), |x| format!("{} on", format_duration(x))),
            DeadlineState::Open | DeadlineState::DueSoon => {
                d.remaining.map_or("-".into(), format_duration)
            }
            DeadlineState::Met if d.met_before_start => "before start?".into(),
            DeadlineState::Met => match d.met_timing {
                Some(deadlines::MetTiming::Late) => "late".into(),
                _ => "in time".into(),
            },
            _ => "-".into(),
        };
        let state = d.state.as_str().replace('_', " ");
        let mut state_cell = Cell::new(&state);
        let mut title_cell = Cell::new(fit.cell(
            &format!("{}{}", if d.verified { "" } else { "*" }, d.title),
            title_width,
        ));
        if out.color() {
            let color = match d.state {
                DeadlineState::Overdue => Some(Color::Red),
                DeadlineState::DueSoon => Some(Color::Yellow),
                DeadlineState::Met => Some(Color::Green),
                DeadlineState::Waiting => Some(Color::DarkGrey),
                _ => None,
            };
            if let Some(c) = color {
                state_cell = state_cell.fg(c);
                if matches!(d.state, DeadlineState::Overdue | DeadlineState::DueSoon) {
                    title_cell = title_cell.fg(c);
                }
            }
        }
        table.add_row(vec![
            title_cell,
            Cell::new(fit.cell(&d.authority, 14)),
            Cell::new(due),
            Cell::new(left),
            state_cell,
        ]);
    }
    text.push_str(&table.to_string());
    text.push('\n');
    let mut notes = Vec::new();
    if shown.iter().any(|d| !d.verified) {
        notes.push(
            "* a default from secondary sources: verify it for your jurisdiction".to_string(),
        );
    }
    if shown.iter().any(|d| d.asap && d.state.is_running()) {
        notes.push(
            "asap: no fixed deadline; \"TIME on\" is how long its clock has been running"
                .to_string(),
        );
    }
    if shown.iter().any(|d| d.state == DeadlineState::Waiting) {
        notes.push("waiting: the clock starts at an event not recorded yet".to_string());
    }
    if hidden > 0 {
        notes.push(format!(
            "{hidden} more deadlines do not apply to this incident's answers"
        ));
    }
    for n in notes {
        text.push_str(&format!("  {n}\n"));
    }
    text
}
