//! What comes first: the one choice that `breach status`'s "Next:" and the walk share. A
//! legal clock that is overdue or due within 24 hours outranks runbook order; otherwise the
//! first open step does. Pure: the deadlines are evaluated by the caller at its `now`.

use chrono::TimeDelta;

use super::Incident;
use super::deadlines::{DeadlineState, DeadlineStatus, LinkRole};
use crate::runbook::condition::applies;

/// A clock with less than this many hours left outranks runbook order.
pub const PRESSING_HOURS: i64 = 24;

/// Whether a clock comes before runbook order: overdue, or due within 24 hours.
pub fn is_pressing(d: &DeadlineStatus) -> bool {
    match d.state {
        DeadlineState::Overdue => true,
        DeadlineState::Open | DeadlineState::DueSoon => d
            .remaining
            .is_some_and(|left| left <= TimeDelta::hours(PRESSING_HOURS)),
        DeadlineState::Met | DeadlineState::NotApplicable | DeadlineState::Waiting => false,
    }
}

/// The pressing clocks, most pressing first: the overdue ones (longest overdue first), then
/// the others by due time (ties in runbook order).
pub fn pressing(statuses: &[DeadlineStatus]) -> Vec<&DeadlineStatus> {
    let mut out: Vec<&DeadlineStatus> = statuses.iter().filter(|d| is_pressing(d)).collect();
    out.sort_by_key(|d| (d.state != DeadlineState::Overdue, d.due_at));
    out
}

/// Where in the runbook a deadline is met: a step and, when it is met by ticking an item,
/// that item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The step's index in the runbook.
    pub step: usize,
    /// The item's id within the step, when an item meets the deadline.
    pub item: Option<String>,
}

/// The first place of the deadline's `satisfied_by` that the operator can still act on: an
/// applicable, unticked item of an applicable step (or an applicable step, when an answer
/// or the step's completion meets it). `None` when only a notice meets it.
pub fn target(incident: &Incident, d: &DeadlineStatus) -> Option<Target> {
    d.steps
        .iter()
        .filter(|l| l.role == LinkRole::SatisfiedBy)
        .find_map(|l| {
            let step = incident.runbook.step_index(&l.step)?;
            if !incident.step_applies(step) {
                return None;
            }
            let Some((_, item_id)) = l.via.split_once('/') else {
                return Some(Target { step, item: None });
            };
            let spec = &incident.runbook.steps[step];
            match spec.items.iter().position(|i| i.id == item_id) {
                Some(i) => {
                    let applicable = applies(spec.items[i].when.as_ref(), incident);
                    let ticked = incident.steps[step].items[i].checked;
                    (applicable && !ticked).then(|| Target {
                        step,
                        item: Some(item_id.to_string()),
                    })
                }
                // An answer of the step meets it.
                None => Some(Target { step, item: None }),
            }
        })
}

/// What comes first.
#[derive(Debug, Clone, PartialEq)]
pub enum Next<'a> {
    /// The most pressing clock, and where it is met (if a step or item meets it).
    Clock {
        deadline: &'a DeadlineStatus,
        target: Option<Target>,
    },
    /// The first open, applicable step, in runbook order.
    Step(usize),
    /// Every applicable step is done or skipped.
    AllClosed,
    /// The incident is closed.
    Closed,
}

/// What comes first for the incident, given its deadlines evaluated now.
pub fn next<'a>(incident: &Incident, statuses: &'a [DeadlineStatus]) -> Next<'a> {
    if incident.is_closed() {
        return Next::Closed;
    }
    if let Some(deadline) = pressing(statuses).into_iter().next() {
        return Next::Clock {
            deadline,
            target: target(incident, deadline),
        };
    }
    match incident.first_open_step() {
        Some(i) => Next::Step(i),
        None => Next::AllClosed,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::incident::deadlines::evaluate;
    use crate::journal::record::{Answer, Check, Opened, Payload, PinnedRunbook, Record};
    use crate::types::AnswerValue;

    fn t(s: &str) -> DateTime<Utc> {
        crate::types::parse_time(s).unwrap()
    }

    /// An ecommerce-breach incident detected at 08:00 and opened at 10:15, with records.
    fn incident(payloads: Vec<Payload>) -> Incident {
        let opened = Opened {
            format: 1,
            id: "20261123T101500Z-x".into(),
            title: "x".into(),
            severity: crate::types::Severity::High,
            detected_at: t("2026-11-23T08:00:00Z"),
            aware_at: t("2026-11-23T08:00:00Z"),
            determined_at: None,
            runbook: PinnedRunbook {
                id: "ecommerce-breach".into(),
                title: "x".into(),
                source: "built-in".into(),
                sha256: String::new(),
                text: crate::runbook::builtin::get("ecommerce-breach")
                    .unwrap()
                    .into(),
            },
            upgraded_from: None,
        };
        let mut records = vec![Record {
            seq: 0,
            time: t("2026-11-23T10:15:00Z"),
            operator: "ana".into(),
            prev: String::new(),
            hash: String::new(),
            payload: Payload::Opened(Box::new(opened)),
            at: None,
            line: 0,
        }];
        for (i, payload) in payloads.into_iter().enumerate() {
            records.push(Record {
                seq: i as u64 + 1,
                time: t("2026-11-23T10:20:00Z"),
                operator: "ana".into(),
                prev: String::new(),
                hash: String::new(),
                payload,
                at: None,
                line: 0,
            });
        }
        crate::incident::fold(&records).unwrap()
    }

    fn answer(path: &str, value: AnswerValue) -> Payload {
        let (step, question) = path.split_once('/').unwrap();
        Payload::Answer(Answer {
            step: step.into(),
            question: question.into(),
            value,
        })
    }

    fn cards_in_the_eu() -> Vec<Payload> {
        vec![
            answer(
                "assess/data_types",
                AnswerValue::List(vec!["payment_cards".into()]),
            ),
            answer("assess/personal_data", AnswerValue::Bool(true)),
            answer("assess/jurisdictions", AnswerValue::List(vec!["EU".into()])),
        ]
    }

    #[test]
    fn a_clock_due_within_24_hours_outranks_runbook_order_and_points_at_its_item() {
        let inc = incident(cards_in_the_eu());
        let clocks = evaluate(&inc, t("2026-11-23T10:30:00Z"));
        let pressing: Vec<&str> = pressing(&clocks).iter().map(|d| d.id.as_str()).collect();
        // Mastercard's 24 hours from detection; Visa's 3 days and GDPR's 72 hours are not
        // within 24 hours.
        assert_eq!(pressing, ["mastercard"]);
        let report = inc.runbook.step_index("report").unwrap();
        match next(&inc, &clocks) {
            Next::Clock { deadline, target } => {
                assert_eq!(deadline.id, "mastercard");
                assert_eq!(
                    target,
                    Some(Target {
                        step: report,
                        item: Some("acquirer_notified".into())
                    })
                );
            }
            other => panic!("expected the Mastercard clock, got {other:?}"),
        }
    }

    #[test]
    fn overdue_clocks_come_first_then_by_due_time_and_met_ones_drop_out() {
        let inc = incident(cards_in_the_eu());
        // Two days later: Mastercard is overdue, GDPR (due 26 Nov 08:00) is within 24 hours,
        // Visa (26 Nov 08:00 too) as well.
        let clocks = evaluate(&inc, t("2026-11-25T09:00:00Z"));
        let ids: Vec<&str> = pressing(&clocks).iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids[0], "mastercard");
        assert!(ids.contains(&"gdpr-authority"), "{ids:?}");

        let mut payloads = cards_in_the_eu();
        payloads.push(Payload::Check(Check {
            step: "report".into(),
            item: "acquirer_notified".into(),
            checked: true,
        }));
        let inc = incident(payloads);
        let clocks = evaluate(&inc, t("2026-11-23T10:30:00Z"));
        assert!(pressing(&clocks).is_empty());
        assert_eq!(next(&inc, &clocks), Next::Step(0));
    }

    #[test]
    fn without_pressing_clocks_the_first_open_step_comes_first() {
        let inc = incident(vec![]);
        let clocks = evaluate(&inc, t("2026-11-23T10:30:00Z"));
        assert_eq!(next(&inc, &clocks), Next::Step(0));
    }
}
