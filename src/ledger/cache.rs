//! The derived state cache ([`crate::journal::snapshot`]) from and to the incident's state.
//! A cache holds what checking a new record needs: the steps (statuses, checked items,
//! current answers), the intake facts as corrected, whether the incident is closed, the
//! action items, and the counts. It does not hold the notes, evidence or notices, which grow
//! with the incident and which no check reads, so a state made from the cache has those
//! lists empty.

use std::collections::BTreeMap;

use crate::incident::{
    ActionState, AnswerState, Incident, ItemState, Stamp, StepState, StepStatus,
};
use crate::journal::snapshot::{
    ActionCache, AnswerCache, IntakeCache, ItemCache, Key, StampState, State, StepCache,
};
use crate::journal::{Payload, Record};

fn stamp_out(s: &Stamp) -> StampState {
    StampState {
        by: s.by.clone(),
        at: s.at,
        seq: s.seq,
        event_at: s.event_at,
    }
}

fn stamp_in(s: &StampState) -> Stamp {
    Stamp {
        by: s.by.clone(),
        at: s.at,
        seq: s.seq,
        // Only records of a team incident carry one (in its cache, section 12.12).
        event_at: s.event_at,
    }
}

fn status_in(s: &str) -> Option<StepStatus> {
    Some(match s {
        "pending" => StepStatus::Pending,
        "in_progress" => StepStatus::InProgress,
        "done" => StepStatus::Done,
        "skipped" => StepStatus::Skipped,
        _ => return None,
    })
}

/// The cache of a state, for the file as `key` describes it.
pub fn to_cache(incident: &Incident, key: Key) -> State {
    State {
        key,
        incident_id: incident.id.clone(),
        runbook_sha256: incident.runbook_sha256.clone(),
        steps: incident
            .steps
            .iter()
            .map(|s| StepCache {
                id: s.id.clone(),
                status: s.status.as_str().to_string(),
                items: s
                    .items
                    .iter()
                    .map(|i| ItemCache {
                        id: i.id.clone(),
                        checked: i.checked,
                        last: i.last.as_ref().map(stamp_out),
                    })
                    .collect(),
                answers: s
                    .answers
                    .iter()
                    .map(|(q, a)| AnswerCache {
                        question: q.clone(),
                        value: a.value.clone(),
                        stamp: stamp_out(&a.stamp),
                    })
                    .collect(),
                skip_reason: s.skip_reason.clone(),
                done_with_open_items: s.done_with_open_items.clone(),
                started: s.started.as_ref().map(stamp_out),
                finished: s.finished.as_ref().map(stamp_out),
                last_activity: s.last_activity.as_ref().map(stamp_out),
            })
            .collect(),
        closed: incident.closed.as_ref().map(stamp_out),
        actions: incident
            .actions
            .iter()
            .map(|a| ActionCache {
                id: a.id.clone(),
                text: a.text.clone(),
                owner: a.owner.clone(),
                due: a.due,
                added: stamp_out(&a.added),
                done: a.done.as_ref().map(stamp_out),
            })
            .collect(),
        operators: incident.operators.clone(),
        record_count: incident.record_count,
        last_activity: incident.last_activity,
        intake: IntakeCache {
            title: incident.title.clone(),
            severity: incident.severity,
            detected_at: incident.detected_at,
            aware_at: incident.aware_at,
            determined_at: incident.determined_at,
            intake_determined_at: incident.intake_determined_at,
            set_by: incident
                .intake_set_by
                .iter()
                .map(|(k, v)| ((*k).to_string(), stamp_out(v)))
                .collect(),
            pending_override: incident.pending_override.clone(),
        },
    }
}

/// The state from a cache and the file's first record, or `None` when the cache does not
/// belong to this incident and its pinned runbook (then it is rebuilt from a full read).
pub fn from_cache(first: &Record, state: &State) -> Option<Incident> {
    let Payload::Opened(opened) = &first.payload else {
        return None;
    };
    if opened.id != state.incident_id || opened.runbook.sha256 != state.runbook_sha256 {
        return None;
    }
    let mut incident = Incident::from_opened(opened, first).ok()?;
    if incident.runbook_sha256 != state.runbook_sha256 || incident.steps.len() != state.steps.len()
    {
        return None;
    }
    let mut steps = Vec::with_capacity(state.steps.len());
    for (fresh, cached) in incident.steps.iter().zip(&state.steps) {
        let same_items = fresh.items.len() == cached.items.len()
            && fresh
                .items
                .iter()
                .zip(&cached.items)
                .all(|(a, b)| a.id == b.id);
        if fresh.id != cached.id || !same_items {
            return None;
        }
        steps.push(StepState {
            id: cached.id.clone(),
            status: status_in(&cached.status)?,
            items: cached
                .items
                .iter()
                .map(|i| ItemState {
                    id: i.id.clone(),
                    checked: i.checked,
                    last: i.last.as_ref().map(stamp_in),
                })
                .collect(),
            answers: cached
                .answers
                .iter()
                .map(|a| {
                    (
                        a.question.clone(),
                        AnswerState {
                            value: a.value.clone(),
                            stamp: stamp_in(&a.stamp),
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
            skip_reason: cached.skip_reason.clone(),
            done_with_open_items: cached.done_with_open_items.clone(),
            started: cached.started.as_ref().map(stamp_in),
            finished: cached.finished.as_ref().map(stamp_in),
            last_activity: cached.last_activity.as_ref().map(stamp_in),
        });
    }
    incident.steps = steps;
    incident.closed = state.closed.as_ref().map(stamp_in);
    incident.actions = state
        .actions
        .iter()
        .map(|a| ActionState {
            id: a.id.clone(),
            text: a.text.clone(),
            owner: a.owner.clone(),
            due: a.due,
            added: stamp_in(&a.added),
            done: a.done.as_ref().map(stamp_in),
        })
        .collect();
    incident.operators = state.operators.clone();
    incident.record_count = state.record_count;
    incident.last_activity = state.last_activity;
    let intake = &state.intake;
    incident.title = intake.title.clone();
    incident.severity = intake.severity;
    incident.detected_at = intake.detected_at;
    incident.aware_at = intake.aware_at;
    incident.determined_at = intake.determined_at;
    incident.intake_determined_at = intake.intake_determined_at;
    for (k, v) in &intake.set_by {
        let anchor = match k.as_str() {
            "detected" => "detected",
            "aware" => "aware",
            "determined" => "determined",
            _ => return None,
        };
        incident.intake_set_by.insert(anchor, stamp_in(v));
    }
    incident.pending_override = intake.pending_override.clone();
    Some(incident)
}
