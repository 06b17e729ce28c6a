//! The commands that append one record each: `note`, `check`, `answer`, `step`, `close`.

use super::Ctx;
use crate::cli::{AnswerArgs, CheckArgs, CloseArgs, NoteArgs, StepArgs};
use crate::error::{ExitStatus, invalid, not_found};
use crate::incident::action::{parse_answer, split_target};
use crate::journal::{Answer, Check, Closed, Note, Payload, StepChange, StepOutcome};

pub fn note(args: &NoteArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let text = if args.text == "-" {
        read_stdin_text()?
    } else {
        args.text.clone()
    };
    // A note needs only the pinned runbook to validate, so its cost does not grow with the
    // incident (`breach verify` checks the whole chain).
    let (path, record) = ctx.record_quick_at(
        args.at.as_deref(),
        Payload::Note(Note {
            text,
            step: args.step.clone(),
        }),
    )?;
    ctx.recorded(&path, &record, "note added")?;
    Ok(ExitStatus::Ok)
}

/// A note's text from standard input: UTF-8, at most the longest text a record takes
/// (read one byte further to tell), without the final newline.
fn read_stdin_text() -> anyhow::Result<String> {
    use std::io::Read;
    let limit = crate::incident::action::MAX_TEXT_BYTES;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow::Error::new(e).context("cannot read the note from standard input"))?;
    if bytes.len() > limit {
        return Err(invalid(format!(
            "the note on standard input is longer than {limit} bytes"
        )));
    }
    let mut text = String::from_utf8(bytes)
        .map_err(|_| invalid("the note on standard input is not UTF-8 text"))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.trim().is_empty() {
        return Err(invalid("the note on standard input is empty"));
    }
    Ok(text)
}

pub fn check(args: &CheckArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (step, item) = split_target(&args.target, "ITEM")?;
    let (path, record, _) = ctx.record_at(None, args.at.as_deref(), |_| {
        Ok(Payload::Check(Check {
            step: step.into(),
            item: item.into(),
            checked: !args.undo,
        }))
    })?;
    let what = if args.undo { "unchecked" } else { "checked" };
    ctx.recorded(&path, &record, &format!("{step}/{item} {what}"))?;
    Ok(ExitStatus::Ok)
}

pub fn answer(args: &AnswerArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (step, question) = split_target(&args.target, "QUESTION")?;
    let mut shown = String::new();
    let (path, record, _) =
        ctx.record_checked(None, args.at.as_deref(), args.override_check, |incident| {
            let (_, q) = incident.runbook.question(&args.target).ok_or_else(|| {
                let known = incident.runbook.step(step).map(|s| {
                    s.questions
                        .iter()
                        .map(|q| q.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                });
                match known {
                    Some(list) if !list.is_empty() => not_found(format!(
                        "no question `{question}` in step `{step}`; questions are: {list}"
                    )),
                    Some(_) => not_found(format!("step `{step}` has no questions")),
                    None => not_found(format!(
                        "no step `{step}` in runbook {}",
                        incident.runbook.id
                    )),
                }
            })?;
            let value = parse_answer(q, &args.value)?;
            shown = q.display_answer(&value);
            Ok(Payload::Answer(Answer {
                step: step.into(),
                question: question.into(),
                value,
            }))
        })?;
    ctx.recorded(&path, &record, &format!("{step}/{question} = {shown}"))?;
    Ok(ExitStatus::Ok)
}

pub fn step(args: &StepArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (path, record, _) = ctx.record_at(None, args.at.as_deref(), |incident| {
        let (outcome, reason, open_items) = if args.done {
            let idx = incident.runbook.step_index(&args.step).ok_or_else(|| {
                not_found(format!(
                    "no step `{}` in runbook {}",
                    args.step, incident.runbook.id
                ))
            })?;
            let open = if args.force {
                incident.open_required_items(idx)
            } else {
                Vec::new()
            };
            (StepOutcome::Done, None, open)
        } else if let Some(reason) = &args.skip {
            (StepOutcome::Skipped, Some(reason.clone()), Vec::new())
        } else {
            (StepOutcome::Reopened, None, Vec::new())
        };
        Ok(Payload::Step(StepChange {
            step: args.step.clone(),
            outcome,
            reason,
            open_items,
        }))
    })?;
    let what = match &record.payload {
        Payload::Step(s) => describe_step(s),
        other => other.kind().to_string(),
    };
    ctx.recorded(&path, &record, &what)?;
    Ok(ExitStatus::Ok)
}

/// The confirmation of a step change: `step contain done`, or which items were left open.
fn describe_step(s: &StepChange) -> String {
    if !s.open_items.is_empty() {
        return format!(
            "step {} done with items open: {}",
            s.step,
            s.open_items.join(", ")
        );
    }
    let outcome = match s.outcome {
        StepOutcome::Done => "done",
        StepOutcome::Skipped => "skipped",
        StepOutcome::Reopened => "reopened",
    };
    format!("step {} {outcome}", s.step)
}

pub fn close(args: &CloseArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let (path, record, incident) = ctx.record(args.incident.as_deref(), |_| {
        Ok(Payload::Closed(Closed::default()))
    })?;
    ctx.recorded(&path, &record, &format!("incident {} closed", incident.id))?;
    let (done, total) = incident.progress();
    if done < total {
        ctx.out.warn(&format!(
            "closed with {} of {total} steps still open",
            total - done
        ));
    }
    ctx.out.info(&format!(
        "the post-mortem report: `breach export {} --format html -o report.html`",
        incident.id
    ));
    Ok(ExitStatus::Ok)
}
