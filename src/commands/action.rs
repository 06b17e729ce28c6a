//! `breach action add | done | list`: follow-up action items with an owner, a due day and a
//! state. Each is an `action` record, and `action_done` when done; both may follow `close`.

use chrono::{DateTime, Utc};
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use super::Ctx;
use crate::cli::{ActionAddArgs, ActionCommand, ActionDoneArgs, JsonArg};
use crate::error::{ExitStatus, invalid};
use crate::incident::{ActionState, Incident, Stamp, next_action_id};
use crate::journal::{ActionAdded, ActionDone, Payload};

pub fn run(cmd: &ActionCommand, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    match cmd {
        ActionCommand::Add(args) => add(args, ctx),
        ActionCommand::Done(args) => done(args, ctx),
        ActionCommand::List(args) => list(args, ctx),
    }
}

/// Parses `--due`: a calendar day, `YYYY-MM-DD`.
pub fn parse_due(text: &str) -> anyhow::Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| invalid(format!("--due {text:?}: expected a day as YYYY-MM-DD")))
}

fn add(args: &ActionAddArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let due = parse_due(&args.due)?;
    let (path, record, _) = ctx.record_at(None, args.at.as_deref(), |incident| {
        Ok(Payload::Action(ActionAdded {
            id: next_action_id(incident.actions.len()),
            text: args.text.clone(),
            owner: args.owner.trim().to_string(),
            due,
            after_close: incident.is_closed(),
        }))
    })?;
    let Payload::Action(a) = &record.payload else {
        unreachable!("the record was built as an action item just above")
    };
    ctx.recorded(
        &path,
        &record,
        &format!(
            "action item {} added (owner {}, due {})",
            a.id, a.owner, a.due
        ),
    )?;
    if a.due < crate::clock::now()?.date_naive() {
        ctx.out.warn(&format!("{} is already overdue", a.id));
    }
    Ok(ExitStatus::Ok)
}

fn done(args: &ActionDoneArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (path, record, _) = ctx.record_at(None, args.at.as_deref(), |incident| {
        // Ids are matched without regard to case (`a1` is `A1`); the record holds the id
        // as it was assigned.
        let id = incident
            .action(args.id.trim())
            .map_or_else(|| args.id.trim().to_string(), |a| a.id.clone());
        Ok(Payload::ActionDone(ActionDone {
            id,
            after_close: incident.is_closed(),
        }))
    })?;
    let Payload::ActionDone(a) = &record.payload else {
        unreachable!("the record was built as a done action item just above")
    };
    ctx.recorded(&path, &record, &format!("action item {} done", a.id))?;
    Ok(ExitStatus::Ok)
}

/// The documented `action list --json` shape.
#[derive(Serialize)]
struct ListJson<'a> {
    incident: &'a str,
    #[serde(with = "crate::journal::record::utc")]
    now: DateTime<Utc>,
    actions: Vec<ActionJson<'a>>,
}

/// One action item as JSON (also used by `status --json`).
#[derive(Serialize)]
pub struct ActionJson<'a> {
    pub id: &'a str,
    pub text: &'a str,
    pub owner: &'a str,
    pub due: String,
    /// `open`, `overdue` or `done`.
    pub state: &'static str,
    /// The `action` record's time.
    #[serde(with = "crate::journal::record::utc")]
    pub added_at: DateTime<Utc>,
    pub added_by: &'a str,
    /// When it was agreed, where the `action` record gives an event time (`--at`).
    #[serde(with = "crate::journal::record::utc_opt")]
    pub added_event_at: Option<DateTime<Utc>>,
    /// The `action_done` record's time.
    #[serde(with = "crate::journal::record::utc_opt")]
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<&'a str>,
    /// When it was done, where the `action_done` record gives an event time (`--at`).
    #[serde(with = "crate::journal::record::utc_opt")]
    pub done_event_at: Option<DateTime<Utc>>,
}

/// `open`, `overdue` or `done` at `now`.
pub fn state(a: &ActionState, now: DateTime<Utc>) -> &'static str {
    if a.done.is_some() {
        "done"
    } else if a.is_overdue(now) {
        "overdue"
    } else {
        "open"
    }
}

impl<'a> ActionJson<'a> {
    pub fn of(a: &'a ActionState, now: DateTime<Utc>) -> ActionJson<'a> {
        ActionJson {
            id: &a.id,
            text: &a.text,
            owner: &a.owner,
            due: a.due.to_string(),
            state: state(a, now),
            added_at: a.added.at,
            added_by: &a.added.by,
            added_event_at: a.added.event_at,
            done_at: a.done.as_ref().map(|s| s.at),
            done_by: a.done.as_ref().map(|s| s.by.as_str()),
            done_event_at: a.done.as_ref().and_then(|s| s.event_at),
        }
    }
}

/// When a record says something happened, in UTC to the minute, as the report's timeline
/// words it: the event time where the record gives one (`--at`), followed by when it was
/// recorded, `2026-11-23 14:00 UTC (recorded 2026-11-23 18:00 UTC)`; else the record time.
pub fn when(stamp: &Stamp) -> String {
    let minute = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    match stamp.event_at {
        Some(event) => format!("{} (recorded {})", minute(event), minute(stamp.at)),
        None => minute(stamp.at),
    }
}

/// Open items first (overdue before the others, then by due day), then done ones; each in
/// the order added.
pub fn ordered(inc: &Incident, now: DateTime<Utc>) -> Vec<&ActionState> {
    let mut v: Vec<&ActionState> = inc.actions.iter().collect();
    v.sort_by_key(|a| (a.done.is_some(), !a.is_overdue(now), a.due));
    v
}

fn list(args: &JsonArg, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (_, inc) = ctx.load(None)?;
    let now = crate::clock::now()?;
    let items = ordered(&inc, now);
    if args.json {
        ctx.out.print_json(&ListJson {
            incident: &inc.id,
            now,
            actions: items.iter().map(|a| ActionJson::of(a, now)).collect(),
        })?;
        return Ok(ExitStatus::Ok);
    }
    if items.is_empty() {
        ctx.out.print(&format!(
            "No action items in {}.\n\nAdd one:\n  breach action add \"Update the response plan\" --owner NAME --due YYYY-MM-DD",
            inc.id
        ))?;
        return Ok(ExitStatus::Ok);
    }
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["id", "state", "due", "owner", "added", "done", "action"]);
    for a in items {
        table.add_row(vec![
            a.id.clone(),
            state(a, now).to_string(),
            a.due.to_string(),
            crate::output::sanitize(&a.owner),
            when(&a.added),
            a.done.as_ref().map_or_else(|| "-".to_string(), when),
            crate::output::sanitize(&a.text),
        ]);
    }
    ctx.out.print(&table.to_string())?;
    Ok(ExitStatus::Ok)
}
