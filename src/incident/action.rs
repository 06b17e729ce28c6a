//! Checks that a record about to be appended makes sense for the incident: the ids exist in
//! the pinned runbook, an answer fits its question, the incident is open. The command-line
//! commands and the interactive walk both go through here, so they accept exactly the same
//! things.

use crate::error::{BreachError, Topic, about, conflict, invalid, not_found};
use crate::journal::record::{Override, Payload, StepOutcome};
use crate::runbook::{Question, QuestionKind};

use chrono::{DateTime, Utc};

use super::checks::{TimeFact, Times, answer_time, problems};
use super::{AnswerValue, Incident, StepStatus};

/// The longest note, answer text or reason accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// Splits `STEP/ID`.
pub fn split_target<'a>(target: &'a str, what: &str) -> anyhow::Result<(&'a str, &'a str)> {
    match target.split_once('/') {
        Some((s, i)) if !s.is_empty() && !i.is_empty() && !i.contains('/') => Ok((s, i)),
        _ => Err(invalid(format!(
            "`{target}` is not of the form STEP/{what}"
        ))),
    }
}

/// Parses a value typed on the command line for a question.
pub fn parse_answer(q: &Question, text: &str) -> anyhow::Result<AnswerValue> {
    let t = text.trim();
    let value = match q.kind {
        QuestionKind::Confirm => match t.to_ascii_lowercase().as_str() {
            "y" | "yes" | "true" => AnswerValue::Bool(true),
            "n" | "no" | "false" => AnswerValue::Bool(false),
            _ => {
                return Err(invalid(format!(
                    "`{}` is a yes/no question; got {text:?} (expected yes or no)",
                    q.id
                )));
            }
        },
        QuestionKind::Number => match crate::types::parse_count(t) {
            Ok(n) => AnswerValue::Count(n),
            Err(e) => {
                return Err(invalid(format!(
                    "`{}` expects a count; got {text:?}: {e}",
                    q.id
                )));
            }
        },
        QuestionKind::Datetime => match crate::types::parse_time(t) {
            Ok(at) => AnswerValue::Text(crate::types::format_utc(at)),
            Err(e) => {
                return Err(invalid(format!(
                    "`{}` expects a date and time; got {text:?}: {e}",
                    q.id
                )));
            }
        },
        QuestionKind::Text => AnswerValue::Text(text.to_string()),
        QuestionKind::Select => AnswerValue::Text(t.to_string()),
        QuestionKind::Multiselect => AnswerValue::List(
            t.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| match q.codes {
                    // Codes are stored in upper case, however they were typed (anything
                    // else stays as typed, for the error to quote).
                    Some(list)
                        if !q.options.iter().any(|o| o.id == s)
                            && list.accepts(&s.to_ascii_uppercase()) =>
                    {
                        s.to_ascii_uppercase()
                    }
                    _ => s.to_string(),
                })
                .collect(),
        ),
    };
    check_value(q, &value)?;
    Ok(value)
}

/// Checks that a value fits a question's kind, options and `required`.
pub fn check_value(q: &Question, value: &AnswerValue) -> anyhow::Result<()> {
    let options = || {
        q.options
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let wrong = |expected: &str| {
        invalid(format!(
            "`{}` is a {} question; expected {expected}",
            q.id,
            q.kind.as_str()
        ))
    };
    match (q.kind, value) {
        (QuestionKind::Confirm, AnswerValue::Bool(_)) => {}
        (QuestionKind::Confirm, _) => return Err(wrong("yes or no")),
        (QuestionKind::Number, AnswerValue::Count(_)) => {}
        (QuestionKind::Number, AnswerValue::Number(n)) => {
            return Err(invalid(format!(
                "`{}` expects a count: {}",
                q.id,
                crate::types::count_problem(Some(*n))
            )));
        }
        (QuestionKind::Number, _) => return Err(wrong("a whole number of 0 or more")),
        (QuestionKind::Datetime, AnswerValue::Text(t)) => {
            if chrono::DateTime::parse_from_rfc3339(t).is_err() {
                return Err(wrong("an RFC 3339 time such as 2026-11-23T10:15:00Z"));
            }
        }
        (QuestionKind::Datetime, _) => return Err(wrong("a date and time")),
        (QuestionKind::Text, AnswerValue::Text(t)) => {
            if q.required && t.trim().is_empty() {
                return Err(invalid(format!(
                    "`{}` needs an answer; it cannot be empty",
                    q.id
                )));
            }
            if t.len() > MAX_TEXT_BYTES {
                return Err(invalid(format!(
                    "the answer to `{}` is longer than {MAX_TEXT_BYTES} bytes",
                    q.id
                )));
            }
        }
        (QuestionKind::Text, _) => return Err(wrong("text")),
        (QuestionKind::Select, AnswerValue::Text(t)) => {
            if !q.options.iter().any(|o| &o.id == t) {
                return Err(invalid(format!(
                    "`{t}` is not an option of `{}`; expected one of {}",
                    q.id,
                    options()
                )));
            }
        }
        (QuestionKind::Select, _) => return Err(wrong(&format!("one of {}", options()))),
        (QuestionKind::Multiselect, AnswerValue::List(v)) => {
            for t in v {
                if let Some(list) = q.codes {
                    if !q.options.iter().any(|o| &o.id == t) && !list.accepts(t) {
                        return Err(invalid(format!(
                            "`{t}` is neither an option of `{}` nor an ISO 3166 code such as `FR` or `US-OR`; options: {}",
                            q.id,
                            options()
                        )));
                    }
                } else if !q.options.iter().any(|o| &o.id == t) {
                    return Err(invalid(format!(
                        "`{t}` is not an option of `{}`; expected some of {}",
                        q.id,
                        options()
                    )));
                }
            }
            if q.required && v.is_empty() {
                return Err(invalid(format!("`{}` needs at least one option", q.id)));
            }
            let mut seen = std::collections::HashSet::new();
            if let Some(twice) = v.iter().find(|t| !seen.insert(t.as_str())) {
                return Err(invalid(format!(
                    "`{twice}` is given twice for `{}`; give each option once",
                    q.id
                )));
            }
            if v.len() > 1
                && let Some(only) = q.options.iter().find(|o| o.exclusive && v.contains(&o.id))
            {
                return Err(invalid(format!(
                    "`{}` of `{}` excludes every other option, but {} were given: {}",
                    only.id,
                    q.id,
                    v.len(),
                    v.join(", ")
                )));
            }
        }
        (QuestionKind::Multiselect, _) => {
            return Err(wrong(&format!("a list of some of {}", options())));
        }
    }
    Ok(())
}

/// The facts an `amended` record can correct, for messages.
pub const AMENDABLE: &str = "detected, aware, determined, title, severity or STEP/QUESTION";

/// Checks an incident title: one line, not empty, at most 500 characters.
pub fn check_title_text(title: &str) -> anyhow::Result<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(invalid("the incident title cannot be empty"));
    }
    if let Some(c) = t.chars().find(|c| c.is_control()) {
        return Err(invalid(format!(
            "the incident title holds a control character ({}); a title is one line of plain text",
            c.escape_unicode()
        )));
    }
    if t.len() > 500 {
        return Err(invalid(format!(
            "the incident title is {} bytes long; at most 500 are allowed",
            t.len()
        )));
    }
    Ok(t.to_string())
}

/// The question an `amended` record for `STEP/QUESTION` corrects.
fn amended_question<'a>(incident: &'a Incident, path: &str) -> anyhow::Result<&'a Question> {
    let (step, question) = split_target(path, "QUESTION")?;
    let idx = step_index(incident, step)?;
    incident.runbook.steps[idx]
        .questions
        .iter()
        .find(|q| q.id == question)
        .ok_or_else(|| {
            about(
                Topic::NotCorrectable,
                BreachError::NotFound(format!("no question `{question}` in step `{step}`")),
            )
        })
}

/// Parses the value typed for `breach amend FACT VALUE`.
pub fn parse_amendment(incident: &Incident, fact: &str, text: &str) -> anyhow::Result<AnswerValue> {
    match fact {
        "detected" | "aware" | "determined" => match crate::types::parse_time(text) {
            Ok(t) => Ok(AnswerValue::Text(crate::types::format_utc(t))),
            Err(e) => Err(invalid(format!(
                "`{fact}` expects a date and time; got {text:?}: {e}"
            ))),
        },
        "title" => Ok(AnswerValue::Text(check_title_text(text)?)),
        "severity" => crate::types::Severity::ALL
            .iter()
            .find(|s| s.as_str() == text.trim().to_ascii_lowercase())
            .map(|s| AnswerValue::Text(s.as_str().to_string()))
            .ok_or_else(|| {
                invalid(format!(
                    "unknown severity {text:?}; expected low, medium, high or critical"
                ))
            }),
        path if path.contains('/') => parse_answer(amended_question(incident, path)?, text),
        other => Err(invalid(format!(
            "`{other}` is not a fact that can be corrected; expected {AMENDABLE}"
        ))),
    }
}

/// Checks an `amended` record's fact and value.
fn check_amendment(incident: &Incident, fact: &str, value: &AnswerValue) -> anyhow::Result<()> {
    let text = match value {
        AnswerValue::Text(t) => Some(t.as_str()),
        _ => None,
    };
    match fact {
        "detected" | "aware" | "determined" => {
            if text.is_none_or(|t| chrono::DateTime::parse_from_rfc3339(t).is_err()) {
                return Err(invalid(format!(
                    "`{fact}` expects an RFC 3339 time such as 2026-11-23T10:15:00Z"
                )));
            }
        }
        "title" => {
            check_title_text(text.unwrap_or(""))?;
        }
        "severity" => {
            if !crate::types::Severity::ALL
                .iter()
                .any(|s| Some(s.as_str()) == text)
            {
                return Err(invalid(
                    "the severity is one of low, medium, high or critical",
                ));
            }
        }
        path if path.contains('/') => check_value(amended_question(incident, path)?, value)?,
        other => {
            return Err(invalid(format!(
                "`{other}` is not a fact that can be corrected; expected {AMENDABLE}"
            )));
        }
    }
    let current = match fact {
        path if path.contains('/') => incident.answer_value(path).cloned(),
        "title" => Some(AnswerValue::Text(incident.title.clone())),
        "severity" => Some(AnswerValue::Text(incident.severity.as_str().to_string())),
        "detected" => Some(AnswerValue::Text(crate::types::format_utc(
            incident.detected_at,
        ))),
        "aware" => Some(AnswerValue::Text(crate::types::format_utc(
            incident.aware_at,
        ))),
        _ => incident
            .determined_at
            .map(|t| AnswerValue::Text(crate::types::format_utc(t))),
    };
    if current.as_ref() == Some(value) {
        return Err(conflict(format!(
            "`{fact}` is already {}; there is nothing to correct",
            incident.fact_display(fact).unwrap_or_default()
        )));
    }
    Ok(())
}

/// The fact a record sets that the plausibility checks know, with its new time: an
/// answer or correction of a `determined_at`, `contained_at`, `access_started` or
/// `access_ended` question, or a corrected intake time.
fn time_fact(incident: &Incident, payload: &Payload) -> Option<(String, TimeFact, DateTime<Utc>)> {
    let (fact, value) = match payload {
        Payload::Answer(a) => (format!("{}/{}", a.step, a.question), &a.value),
        Payload::Amended(a) => (a.fact.clone(), &a.value),
        _ => return None,
    };
    let kind = match TimeFact::of_intake(&fact) {
        Some(k) => k,
        None => {
            let (_, q) = incident.runbook.question(&fact)?;
            if q.kind != QuestionKind::Datetime {
                return None;
            }
            match q.sets {
                Some(crate::runbook::IntakeAnchor::Detected) => TimeFact::Detected,
                Some(crate::runbook::IntakeAnchor::Aware) => TimeFact::Aware,
                Some(crate::runbook::IntakeAnchor::Determined) => TimeFact::Determined,
                _ => TimeFact::of_question(&q.id)?,
            }
        }
    };
    Some((fact, kind, answer_time(value)?))
}

/// What the plausibility checks ([`super::checks`]) find wrong with the time a record sets,
/// at `now`: one message each; empty when it sets no checked time or the time is plausible.
pub fn plausibility(incident: &Incident, payload: &Payload, now: DateTime<Utc>) -> Vec<String> {
    match time_fact(incident, payload) {
        Some((_, kind, at)) => problems(&Times::of(incident).with(kind, at), kind, now),
        None => Vec::new(),
    }
}

/// The records that record `payload` overriding the plausibility checks it fails at `now`
/// (`--override-check`), after the same check as [`validate`]: an answer is preceded by an
/// `override` record naming the checks, a correction carries them in its `overrode` field,
/// and a payload that fails none is recorded as it is. One definition for both formats, so
/// that [`check_plausible`] accepts what this returns and nothing else slips through.
pub fn overriding(
    incident: &Incident,
    payload: Payload,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Payload>> {
    validate(incident, &payload)?;
    let found = plausibility(incident, &payload, now);
    if found.is_empty() {
        return Ok(vec![payload]);
    }
    match payload {
        Payload::Amended(mut a) => {
            a.overrode = found;
            Ok(vec![Payload::Amended(a)])
        }
        Payload::Answer(a) => Ok(vec![
            Payload::Override(Override {
                fact: format!("{}/{}", a.step, a.question),
                checks: found,
            }),
            Payload::Answer(a),
        ]),
        other => Err(invalid(format!(
            "a `{}` record sets no time whose checks can be overridden",
            other.kind()
        ))),
    }
}

/// Refuses a record whose time fails the plausibility checks, unless it carries an
/// override: an `amended` record with `overrode`, or an answer right after an `override`
/// record for the same fact.
pub fn check_plausible(
    incident: &Incident,
    payload: &Payload,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let found = plausibility(incident, payload, now);
    if found.is_empty() {
        return Ok(());
    }
    let overridden = match payload {
        Payload::Amended(a) => !a.overrode.is_empty(),
        Payload::Answer(a) => {
            incident.pending_override.as_deref() == Some(&format!("{}/{}", a.step, a.question))
        }
        _ => false,
    };
    if overridden {
        return Ok(());
    }
    Err(implausible(found))
}

/// The error for times that fail the plausibility checks.
pub fn implausible(problems: Vec<String>) -> anyhow::Error {
    crate::error::about(
        crate::error::Topic::Implausible,
        crate::error::BreachError::InvalidInput(problems.join("\n")),
    )
}

fn step_index(incident: &Incident, step: &str) -> anyhow::Result<usize> {
    incident.runbook.step_index(step).ok_or_else(|| {
        let ids: Vec<&str> = incident
            .runbook
            .steps
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        not_found(format!(
            "no step `{step}` in runbook {}; steps are: {}",
            incident.runbook.id,
            ids.join(", ")
        ))
    })
}

/// Whether [`validate`] needs nothing of the incident but its opening record (the pinned
/// runbook) and whether it is closed, so that the record can be appended after reading only
/// the file's first and last record. A new record kind must say here which it is.
pub fn depends_only_on_header(payload: &Payload) -> bool {
    match payload {
        Payload::Note(_) | Payload::Evidence(_) | Payload::Notice(_) | Payload::Affected(_) => true,
        Payload::Action(_)
        | Payload::ActionDone(_)
        | Payload::Opened(_)
        | Payload::Check(_)
        | Payload::Answer(_)
        | Payload::Step(_)
        | Payload::Amended(_)
        | Payload::Override(_)
        | Payload::Closed(_)
        | Payload::Unknown { .. } => false,
    }
}

/// An import's counts must agree with each other: every person is in one country or
/// unplaced, and no subdivision holds more people than its country.
fn check_affected(a: &crate::journal::record::AffectedImport) -> anyhow::Result<()> {
    if a.sha256.len() != 64 || !a.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid("the export's SHA-256 must be 64 hex digits"));
    }
    let placed: u64 = a.countries.values().sum();
    if placed + a.unplaced != a.total {
        return Err(invalid(format!(
            "the import's counts disagree: {placed} placed and {} unplaced people make no total of {}",
            a.unplaced, a.total
        )));
    }
    for (code, n) in &a.subdivisions {
        let country = code.split_once('-').map_or(code.as_str(), |(c, _)| c);
        if *n > a.countries.get(country).copied().unwrap_or(0) {
            return Err(invalid(format!(
                "the import counts {n} people in {code}, more than in {country}"
            )));
        }
    }
    if let Some(bad) = a
        .places
        .iter()
        .find(|p| !crate::runbook::CodeList::Iso3166.accepts(p))
    {
        return Err(invalid(format!("`{bad}` is not an ISO 3166 code")));
    }
    Ok(())
}

/// Checks a record about to be appended. `Ok` means it may be written.
///
/// Action items are the one thing that may follow the `closed` record (follow-ups outlive
/// the incident); their `after_close` must say whether they do.
pub fn validate(incident: &Incident, payload: &Payload) -> anyhow::Result<()> {
    let after_close = match payload {
        Payload::Action(a) => Some(a.after_close),
        Payload::ActionDone(a) => Some(a.after_close),
        _ => None,
    };
    match after_close {
        None if incident.is_closed() => {
            return Err(conflict(format!(
                "incident {} is closed; nothing more can be recorded but action items",
                incident.id
            )));
        }
        Some(flag) if flag != incident.is_closed() => {
            return Err(invalid(format!(
                "an action record's `after_close` must be {} for incident {}",
                incident.is_closed(),
                incident.id
            )));
        }
        _ => {}
    }
    let non_empty = |text: &str, what: &str| -> anyhow::Result<()> {
        if text.trim().is_empty() {
            return Err(invalid(format!("{what} cannot be empty")));
        }
        if text.len() > MAX_TEXT_BYTES {
            return Err(invalid(format!(
                "{what} is longer than {MAX_TEXT_BYTES} bytes"
            )));
        }
        Ok(())
    };
    match payload {
        Payload::Opened(_) => return Err(conflict("the incident is already opened")),
        Payload::Note(n) => {
            non_empty(&n.text, "a note")?;
            if let Some(step) = &n.step {
                step_index(incident, step)?;
            }
        }
        Payload::Check(c) => {
            let idx = step_index(incident, &c.step)?;
            let Some(item) = incident.steps[idx].item(&c.item) else {
                let ids: Vec<&str> = incident.steps[idx]
                    .items
                    .iter()
                    .map(|i| i.id.as_str())
                    .collect();
                return Err(not_found(format!(
                    "no item `{}` in step `{}`; items are: {}",
                    c.item,
                    c.step,
                    if ids.is_empty() {
                        "(none)".to_string()
                    } else {
                        ids.join(", ")
                    }
                )));
            };
            if item.checked == c.checked {
                return Err(conflict(format!(
                    "`{}/{}` is already {}",
                    c.step,
                    c.item,
                    if c.checked { "checked" } else { "unchecked" }
                )));
            }
        }
        Payload::Answer(a) => {
            let idx = step_index(incident, &a.step)?;
            let Some(q) = incident.runbook.steps[idx]
                .questions
                .iter()
                .find(|q| q.id == a.question)
            else {
                let ids: Vec<&str> = incident.runbook.steps[idx]
                    .questions
                    .iter()
                    .map(|q| q.id.as_str())
                    .collect();
                return Err(not_found(format!(
                    "no question `{}` in step `{}`; questions are: {}",
                    a.question,
                    a.step,
                    if ids.is_empty() {
                        "(none)".to_string()
                    } else {
                        ids.join(", ")
                    }
                )));
            };
            check_value(q, &a.value)?;
        }
        Payload::Step(s) => {
            let idx = step_index(incident, &s.step)?;
            let status = incident.steps[idx].status;
            match s.outcome {
                StepOutcome::Done => {
                    if status == StepStatus::Done {
                        return Err(conflict(format!("step `{}` is already done", s.step)));
                    }
                    let open = incident.open_required_items(idx);
                    let unconfirmed: Vec<&String> =
                        open.iter().filter(|i| !s.open_items.contains(i)).collect();
                    if !unconfirmed.is_empty() {
                        return Err(crate::error::about(
                            crate::error::Topic::RequiredItemsOpen {
                                step: s.step.clone(),
                            },
                            crate::error::BreachError::Conflict(format!(
                                "step `{}` has required items still open: {}",
                                s.step,
                                unconfirmed
                                    .iter()
                                    .map(|s| s.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                        ));
                    }
                }
                StepOutcome::Skipped => {
                    non_empty(
                        s.reason.as_deref().unwrap_or(""),
                        "the reason for skipping a step",
                    )?;
                    if status == StepStatus::Skipped {
                        return Err(conflict(format!("step `{}` is already skipped", s.step)));
                    }
                }
                StepOutcome::Reopened => {
                    if !status.is_closed() {
                        return Err(conflict(format!(
                            "step `{}` is {}; only a done or skipped step can be reopened",
                            s.step,
                            status.as_str()
                        )));
                    }
                }
            }
        }
        Payload::Evidence(_) => {}
        Payload::Notice(n) => {
            if incident.runbook.template(&n.template).is_none() {
                let ids: Vec<&str> = incident
                    .runbook
                    .templates
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect();
                return Err(not_found(format!(
                    "no template `{}` in runbook {}; templates are: {}",
                    n.template,
                    incident.runbook.id,
                    if ids.is_empty() {
                        "(none)".to_string()
                    } else {
                        ids.join(", ")
                    }
                )));
            }
        }
        Payload::Amended(a) => {
            non_empty(&a.reason, "the reason for a correction")?;
            check_amendment(incident, &a.fact, &a.value)?;
        }
        Payload::Override(o) => {
            if o.fact.trim().is_empty() || o.checks.is_empty() {
                return Err(invalid(
                    "an override names the fact and the checks it overrides",
                ));
            }
        }
        Payload::Affected(a) => check_affected(a)?,
        Payload::Closed(_) => {}
        Payload::Action(a) => {
            let expected = super::next_action_id(incident.actions.len());
            if a.id != expected {
                return Err(invalid(format!(
                    "the next action item is `{expected}`, not `{}`",
                    a.id
                )));
            }
            non_empty(&a.text, "an action item's text")?;
            let owner = a.owner.trim();
            if owner.is_empty()
                || owner.chars().count() > 200
                || owner.chars().any(char::is_control)
            {
                return Err(invalid(
                    "an action item's owner must be one line of 1 to 200 characters",
                ));
            }
        }
        Payload::ActionDone(a) => match incident.actions.iter().find(|x| x.id == a.id) {
            None => {
                let ids: Vec<&str> = incident.actions.iter().map(|x| x.id.as_str()).collect();
                return Err(not_found(format!(
                    "no action item `{}` in incident {}; action items are: {}",
                    a.id,
                    incident.id,
                    if ids.is_empty() {
                        "(none)".to_string()
                    } else {
                        ids.join(", ")
                    }
                )));
            }
            Some(x) if x.done.is_some() => {
                return Err(conflict(format!("action item `{}` is already done", a.id)));
            }
            Some(_) => {}
        },
        Payload::Unknown { kind, .. } => {
            return Err(invalid(format!(
                "cannot record an unknown record kind `{kind}`"
            )));
        }
    }
    Ok(())
}
