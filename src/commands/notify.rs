//! `breach notify draft | sent | list`: communication drafts from the runbook's templates,
//! and the record of notices sent (which is what meets a notice deadline).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use comfy_table::{Table, presets};
use serde::Serialize;

use super::Ctx;
use crate::cli::{IncidentJsonArgs, NotifyCommand, NotifyDraftArgs, NotifySentArgs};
use crate::error::{ExitStatus, conflict, invalid, not_found};
use crate::incident::Incident;
use crate::incident::facts::{self, Draft, Fill};
use crate::journal::{NoticeSent, Payload};
use crate::output::{safe, safe_lines};
use crate::runbook::Template;
use crate::types::format_utc;

pub fn run(cmd: &NotifyCommand, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    match cmd {
        NotifyCommand::Draft(args) => draft(args, ctx),
        NotifyCommand::Sent(args) => sent(args, ctx),
        NotifyCommand::List(args) => list(args, ctx),
    }
}

/// The template with this id, or a not-found error listing the ones there are.
fn template<'a>(incident: &'a Incident, id: &str) -> anyhow::Result<&'a Template> {
    incident.runbook.template(id).ok_or_else(|| {
        let ids: Vec<&str> = incident
            .runbook
            .templates
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        not_found(format!(
            "no template `{id}` in runbook {}; templates are: {}",
            incident.runbook.id,
            if ids.is_empty() {
                "(none)".to_string()
            } else {
                ids.join(", ")
            }
        ))
    })
}

/// The text of a draft as printed or written: a subject line, a blank line, the body.
fn draft_text(d: &Draft) -> String {
    let mut text = format!("Subject: {}\n\n{}", d.subject, d.body);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

fn draft(args: &NotifyDraftArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (_, incident) = ctx.load(None)?;
    let tmpl = template(&incident, &args.template)?;
    let now = crate::clock::now()?;
    let facts = facts::compute(&incident, now);
    let d = facts::render(tmpl, &facts).map_err(|e| {
        invalid(format!(
            "template `{}` of runbook {} cannot be rendered: {e}\nhint: check it with `breach runbook validate`",
            tmpl.id, incident.runbook.id
        ))
    })?;
    let text = draft_text(&d);
    if args.per_recipient {
        per_recipient(args, ctx, &incident, &d, &text)?;
        warn_missing(ctx, &d);
        return Ok(ExitStatus::Ok);
    }
    match &args.output {
        None => ctx.out.print(&safe_lines(&text))?,
        Some(path) => {
            // Never overwrite: the file may hold a draft already edited by hand.
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| {
                    if e.kind() == std::io::ErrorKind::AlreadyExists {
                        conflict(format!(
                            "{} already exists; breach never overwrites a draft (remove it or choose another name)",
                            path.display()
                        ))
                    } else {
                        anyhow::Error::new(e).context(format!("cannot create {}", path.display()))
                    }
                })?;
            f.write_all(text.as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| {
                    anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
                })?;
            ctx.out.info(&format!(
                "draft of `{}` for {} written to {}",
                d.template,
                d.audience,
                path.display()
            ));
        }
    }
    warn_missing(ctx, &d);
    ctx.out.info(&format!(
        "once it has gone out: `breach notify sent {} --to RECIPIENT`",
        d.template
    ));
    Ok(ExitStatus::Ok)
}

/// Warns of the facts a draft still shows as markers.
fn warn_missing(ctx: &Ctx, d: &Draft) {
    if !d.missing.is_empty() {
        let mut warning = format!(
            "{} fact(s) not recorded yet; the draft shows [TO FILL: ...] in their place:",
            d.missing.len()
        );
        for m in &d.missing {
            warning.push_str(&format!("\n  - {}: {}", m.fact, m.description));
            let hint = fill_hint(&m.fill);
            if !hint.is_empty() {
                warning.push_str(&format!(" ({hint})"));
            }
        }
        ctx.out.warn(&warning);
    }
}

/// How to record a missing fact, in words that name the commands (empty for nothing).
fn fill_hint(fill: &Fill) -> String {
    match fill {
        Fill::Nothing => String::new(),
        Fill::StepsDone => "mark steps done with `breach step STEP --done`".into(),
        Fill::Reasons => "write the reasons into the draft".into(),
        Fill::Answers {
            runbook,
            asks,
            intake,
        } => {
            let text = match asks.as_slice() {
                // Two questions the runbook does not ask: one sentence, not the same twice.
                [a, b] if a.step.is_none() && b.step.is_none() => format!(
                    "runbook {runbook} asks neither `{}` nor `{}`; write it into the draft by hand",
                    a.question, b.question
                ),
                _ => asks
                    .iter()
                    .map(|a| match &a.step {
                        Some(step) => format!("`breach answer {step}/{} VALUE`", a.question),
                        None => format!(
                            "runbook {runbook} does not ask `{}`; write it into the draft by hand",
                            a.question
                        ),
                    })
                    .collect::<Vec<_>>()
                    .join(" and "),
            };
            match intake {
                Some(anchor) => format!("{text} (or `breach start --{}-at`)", anchor.as_str()),
                None => text,
            }
        }
    }
}

/// Writes the draft once per person on the latest import's recipient list, each file
/// addressed (`To: name <email>`), into a new 0700 folder; prints only the folder and the
/// count.
fn per_recipient(
    args: &NotifyDraftArgs,
    ctx: &Ctx,
    incident: &Incident,
    d: &Draft,
    text: &str,
) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    let path = ctx.incident_path(None)?;
    let import = incident.affected_import().ok_or_else(|| {
        not_found(format!(
            "incident {} has no recipient list; count who is affected first with `breach affected import FILE`",
            incident.id
        ))
    })?;
    let incident_dir = crate::evidence::incident_dir(&path);
    let list = import
        .import
        .recipients
        .as_deref()
        .map(|r| incident_dir.join(r))
        .ok_or_else(|| not_found("the latest import wrote no recipient list"))?;
    let mut reader =
        csv::Reader::from_path(&list).map_err(|e| not_found(format!("{}: {e}", list.display())))?;
    let dir = match &args.output {
        Some(dir) => dir.clone(),
        None => crate::evidence::evidence_dir(&incident_dir, &incident.id)?
            .join(format!("{}-{}-notices", d.template, import.stamp.seq)),
    };
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                conflict(format!(
                    "{} already exists; breach never overwrites drafts (remove it or choose another folder with -o)",
                    dir.display()
                ))
            } else {
                anyhow::Error::new(e).context(format!("cannot create {}", dir.display()))
            }
        })?;
    let mut count = 0usize;
    for row in reader.records() {
        let row = row.map_err(|e| invalid(format!("{}: {e}", list.display())))?;
        let email = row.get(0).unwrap_or_default();
        let name = row.get(1).unwrap_or_default();
        if email.is_empty() {
            continue;
        }
        count += 1;
        let to = if name.is_empty() {
            format!("To: {email}\n")
        } else {
            format!("To: {name} <{email}>\n")
        };
        let file = dir.join(format!("{count:06}.txt"));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)
            .map_err(|e| {
                anyhow::Error::new(e).context(format!("cannot create {}", file.display()))
            })?;
        f.write_all(to.as_bytes())
            .and_then(|()| f.write_all(text.as_bytes()))
            .map_err(|e| {
                anyhow::Error::new(e).context(format!("cannot write {}", file.display()))
            })?;
    }
    ctx.out.info(&format!(
        "{count} drafts of `{}`, one per recipient of import #{} ({}), written to {}",
        d.template,
        import.stamp.seq,
        list.display(),
        dir.display()
    ));
    ctx.out.info(&format!(
        "once they have gone out: `breach notify sent {} --to \"the {count} affected customers\"`",
        d.template
    ));
    Ok(())
}

fn sent(args: &NotifySentArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let now = crate::clock::now()?;
    let at = match &args.at {
        None => now,
        Some(text) => {
            crate::types::parse_time(text).map_err(|e| invalid(format!("--at {text:?}: {e}")))?
        }
    };
    if at > now {
        return Err(invalid(format!(
            "--at {} is in the future; record a notice once it has gone out",
            format_utc(at)
        )));
    }
    let to = args.to.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = to
        && (t.len() > 500 || t.chars().any(char::is_control))
    {
        return Err(invalid("--to must be one line of at most 500 characters"));
    }
    let (path, record) = ctx.record_quick_with(|incident| {
        let tmpl = template(incident, &args.template)?;
        Ok(Payload::Notice(NoticeSent {
            template: tmpl.id.clone(),
            audience: tmpl.audience.clone(),
            sent_at: at,
            to: to.map(String::from),
        }))
    })?;
    let mut what = format!("notice {} sent at {}", args.template, format_utc(at));
    if let Some(t) = to {
        what.push_str(&format!(" to {t}"));
    }
    ctx.recorded(&path, &record, &what)?;
    Ok(ExitStatus::Ok)
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    audience: &'a str,
    /// The subject rendered with the incident's facts (as written, if it cannot be).
    subject: String,
    /// Every time a notice from this template was recorded as sent.
    sent: Vec<SentJson<'a>>,
}

#[derive(Serialize)]
struct SentJson<'a> {
    #[serde(with = "crate::journal::record::utc")]
    at: chrono::DateTime<chrono::Utc>,
    to: Option<&'a str>,
    by: &'a str,
}

fn local(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn list(args: &IncidentJsonArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (_, incident) = ctx.load(args.incident.as_deref())?;
    let facts = facts::compute(&incident, crate::clock::now()?);
    let env = facts::environment();
    let context = facts.context();
    let rows: Vec<Row> = incident
        .runbook
        .templates
        .iter()
        .map(|t| Row {
            id: &t.id,
            audience: &t.audience,
            subject: env
                .render_str(&t.subject, &context)
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| t.subject.clone()),
            sent: incident
                .notices
                .iter()
                .filter(|n| n.notice.template == t.id)
                .map(|n| SentJson {
                    at: n.notice.sent_at,
                    to: n.notice.to.as_deref(),
                    by: &n.stamp.by,
                })
                .collect(),
        })
        .collect();
    if args.json {
        ctx.out.print_json(&rows)?;
        return Ok(ExitStatus::Ok);
    }
    if rows.is_empty() {
        ctx.out
            .print(&format!("runbook {} has no templates", incident.runbook.id))?;
        return Ok(ExitStatus::Ok);
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(crate::output::list_arrangement())
        .set_width(crate::output::terminal_width())
        .set_header(["template", "audience", "subject", "sent"]);
    for r in &rows {
        let sent = if r.sent.is_empty() {
            "not yet".to_string()
        } else {
            let lines: Vec<String> = r
                .sent
                .iter()
                .map(|s| match s.to {
                    Some(to) => format!("{} to {}", local(s.at), safe(to)),
                    None => local(s.at),
                })
                .collect();
            crate::output::cell_lines(&lines)
        };
        table.add_row([
            safe(r.id).into_owned(),
            safe(r.audience).into_owned(),
            safe(&r.subject).into_owned(),
            sent,
        ]);
    }
    ctx.out.print(&table.to_string())?;
    ctx.out
        .info("draft one with `breach notify draft TEMPLATE`");
    Ok(ExitStatus::Ok)
}

#[cfg(test)]
mod tests {
    use super::fill_hint;
    use crate::incident::facts::{Ask, Fill};
    use crate::runbook::IntakeAnchor;

    fn answers(asks: &[(&str, Option<&str>)], intake: Option<IntakeAnchor>) -> Fill {
        Fill::Answers {
            runbook: "woocommerce".into(),
            asks: asks
                .iter()
                .map(|(q, step)| Ask {
                    question: (*q).into(),
                    step: step.map(String::from),
                })
                .collect(),
            intake,
        }
    }

    #[test]
    fn a_fill_is_worded_with_the_commands_that_record_it() {
        assert_eq!(
            fill_hint(&answers(
                &[("responder_contact", Some("engage-team"))],
                None
            )),
            "`breach answer engage-team/responder_contact VALUE`"
        );
        assert_eq!(
            fill_hint(&answers(&[("responder_contact", None)], None)),
            "runbook woocommerce does not ask `responder_contact`; write it into the draft by hand"
        );
        assert_eq!(
            fill_hint(&answers(
                &[("access_started", Some("scope")), ("access_ended", None)],
                None
            )),
            "`breach answer scope/access_started VALUE` and runbook woocommerce does not ask \
             `access_ended`; write it into the draft by hand"
        );
        assert_eq!(
            fill_hint(&answers(
                &[("access_started", None), ("access_ended", None)],
                None
            )),
            "runbook woocommerce asks neither `access_started` nor `access_ended`; \
             write it into the draft by hand"
        );
        assert_eq!(
            fill_hint(&answers(
                &[("determined_at", Some("assess"))],
                Some(IntakeAnchor::Determined)
            )),
            "`breach answer assess/determined_at VALUE` (or `breach start --determined-at`)"
        );
        assert_eq!(
            fill_hint(&Fill::StepsDone),
            "mark steps done with `breach step STEP --done`"
        );
        assert_eq!(
            fill_hint(&Fill::Reasons),
            "write the reasons into the draft"
        );
        assert_eq!(fill_hint(&Fill::Nothing), "");
    }
}
