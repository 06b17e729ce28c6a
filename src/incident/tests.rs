//! Unit tests of the fold and of action validation.

use chrono::{DateTime, TimeZone, Utc};

use super::action::{parse_amendment, parse_answer, validate};
use super::*;
use crate::journal::record::{
    Amended, Answer, Check, Closed, Note, NoticeSent, Opened, Override, PinnedRunbook, StepChange,
};

const RUNBOOK: &str = r#"
breach_runbook: 1
id: test
title: Test runbook
steps:
  - id: assess
    title: Assess
    owner: commander
    guidance: Look.
    items:
      - {id: a1, text: First}
      - {id: a2, text: Second, required: false}
    questions:
      - {id: cards, prompt: Cards?, kind: confirm}
      - {id: count, prompt: How many?, kind: number}
      - id: kinds
        prompt: Which?
        kind: multiselect
        options: [{id: x, label: X}, {id: y, label: Y}]
      - {id: determined_at, prompt: When was it determined?, kind: datetime, sets: determined}
  - id: cards
    title: Card step
    owner: commander
    guidance: Only with cards.
    when: {answer: assess/cards, equals: true}
    items:
      - {id: acquirer, text: Tell the acquirer}
  - id: last
    title: Last
    owner: commander
    guidance: End.
templates:
  - {id: notice, audience: customers, subject: S, body: B}
"#;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0)
        .single()
        .expect("valid test time")
}

fn rec(seq: u64, at: DateTime<Utc>, op: &str, payload: Payload) -> Record {
    Record {
        seq,
        time: at,
        operator: op.into(),
        prev: String::new(),
        hash: String::new(),
        payload,
        at: None,
        line: 0,
    }
}

fn opened() -> Record {
    rec(
        0,
        t(10, 0),
        "alice",
        Payload::Opened(Box::new(Opened {
            format: 1,
            id: "20261123T100000Z-test".into(),
            title: "Test".into(),
            severity: crate::types::Severity::High,
            detected_at: t(9, 0),
            aware_at: t(10, 0),
            determined_at: None,
            runbook: PinnedRunbook {
                id: "test".into(),
                title: "Test runbook".into(),
                source: "built-in".into(),
                sha256: "00".into(),
                text: RUNBOOK.into(),
            },
            upgraded_from: None,
        })),
    )
}

fn check(step: &str, item: &str, checked: bool) -> Payload {
    Payload::Check(Check {
        step: step.into(),
        item: item.into(),
        checked,
    })
}
fn answer(step: &str, q: &str, value: AnswerValue) -> Payload {
    Payload::Answer(Answer {
        step: step.into(),
        question: q.into(),
        value,
    })
}
fn outcome(step: &str, outcome: StepOutcome, reason: Option<&str>, open: &[&str]) -> Payload {
    Payload::Step(StepChange {
        step: step.into(),
        outcome,
        reason: reason.map(String::from),
        open_items: open.iter().map(|s| s.to_string()).collect(),
    })
}

fn fold_all(payloads: Vec<(DateTime<Utc>, &str, Payload)>) -> Incident {
    let mut records = vec![opened()];
    for (i, (at, op, p)) in payloads.into_iter().enumerate() {
        records.push(rec(i as u64 + 1, at, op, p));
    }
    fold(&records).expect("fold succeeds")
}

#[test]
fn a_fresh_incident_has_every_step_pending() {
    let inc = fold_all(vec![]);
    assert_eq!(inc.id, "20261123T100000Z-test");
    assert_eq!(inc.steps.len(), 3);
    assert!(inc.steps.iter().all(|s| s.status == StepStatus::Pending));
    assert_eq!(inc.first_open_step(), Some(0));
    assert_eq!(inc.operators, vec!["alice".to_string()]);
    assert!(inc.warnings.is_empty());
}

#[test]
fn checks_and_answers_start_a_step_and_record_who() {
    let inc = fold_all(vec![
        (t(10, 5), "bob", check("assess", "a1", true)),
        (
            t(10, 6),
            "alice",
            answer("assess", "count", AnswerValue::Number(12.0)),
        ),
    ]);
    let s = &inc.steps[0];
    assert_eq!(s.status, StepStatus::InProgress);
    assert_eq!(s.progress(), (1, 2));
    let item = s.item("a1").unwrap();
    assert!(item.checked);
    assert_eq!(item.last.as_ref().unwrap().by, "bob");
    assert_eq!(s.started.as_ref().unwrap().at, t(10, 5));
    assert_eq!(s.last_activity.as_ref().unwrap().at, t(10, 6));
    assert_eq!(s.answers["count"].value, AnswerValue::Number(12.0));
    assert_eq!(inc.operators, vec!["alice".to_string(), "bob".to_string()]);
}

#[test]
fn unchecking_undoes_a_check_and_a_later_answer_replaces_an_earlier_one() {
    let inc = fold_all(vec![
        (t(10, 5), "a", check("assess", "a1", true)),
        (t(10, 6), "a", check("assess", "a1", false)),
        (
            t(10, 7),
            "a",
            answer("assess", "count", AnswerValue::Number(1.0)),
        ),
        (
            t(10, 8),
            "a",
            answer("assess", "count", AnswerValue::Number(2.0)),
        ),
    ]);
    assert!(!inc.steps[0].item("a1").unwrap().checked);
    assert_eq!(
        inc.steps[0].answers["count"].value,
        AnswerValue::Number(2.0)
    );
    assert_eq!(inc.steps[0].answers["count"].stamp.seq, 4);
}

#[test]
fn done_skip_and_reopen_move_the_step_state() {
    let inc = fold_all(vec![
        (
            t(10, 5),
            "a",
            outcome("assess", StepOutcome::Done, None, &["a1"]),
        ),
        (
            t(10, 6),
            "a",
            outcome("last", StepOutcome::Skipped, Some("not needed"), &[]),
        ),
    ]);
    assert_eq!(inc.steps[0].status, StepStatus::Done);
    assert_eq!(inc.steps[0].done_with_open_items, vec!["a1".to_string()]);
    assert_eq!(inc.steps[0].finished.as_ref().unwrap().at, t(10, 5));
    assert_eq!(inc.steps[2].status, StepStatus::Skipped);
    assert_eq!(inc.steps[2].skip_reason.as_deref(), Some("not needed"));

    let inc = fold_all(vec![
        (
            t(10, 5),
            "a",
            outcome("last", StepOutcome::Skipped, Some("x"), &[]),
        ),
        (
            t(10, 6),
            "a",
            outcome("last", StepOutcome::Reopened, None, &[]),
        ),
    ]);
    assert_eq!(inc.steps[2].status, StepStatus::InProgress);
    assert_eq!(inc.steps[2].skip_reason, None);
    assert_eq!(inc.steps[2].finished, None);
}

#[test]
fn conditional_steps_appear_and_disappear_with_answers() {
    let inc = fold_all(vec![]);
    assert!(
        !inc.step_applies(1),
        "no answer yet: the card step does not apply"
    );
    assert_eq!(inc.progress(), (0, 2));
    let inc = fold_all(vec![(
        t(10, 5),
        "a",
        answer("assess", "cards", AnswerValue::Bool(true)),
    )]);
    assert!(inc.step_applies(1));
    assert_eq!(inc.progress(), (0, 3));
    let inc = fold_all(vec![
        (
            t(10, 5),
            "a",
            answer("assess", "cards", AnswerValue::Bool(true)),
        ),
        (
            t(10, 6),
            "a",
            answer("assess", "cards", AnswerValue::Bool(false)),
        ),
    ]);
    assert!(!inc.step_applies(1));
}

#[test]
fn first_open_step_skips_closed_and_inapplicable_steps() {
    let inc = fold_all(vec![(
        t(10, 5),
        "a",
        outcome("assess", StepOutcome::Done, None, &["a1"]),
    )]);
    assert_eq!(
        inc.first_open_step(),
        Some(2),
        "card step does not apply, so `last` is next"
    );
    let inc = fold_all(vec![
        (
            t(10, 5),
            "a",
            outcome("assess", StepOutcome::Done, None, &["a1"]),
        ),
        (t(10, 6), "a", outcome("last", StepOutcome::Done, None, &[])),
    ]);
    assert_eq!(inc.first_open_step(), None);
    assert_eq!(inc.progress(), (2, 2));
}

#[test]
fn notes_evidence_notices_and_close_are_collected() {
    let inc = fold_all(vec![
        (
            t(10, 5),
            "a",
            Payload::Note(Note {
                text: "hello | <b>".into(),
                step: Some("assess".into()),
            }),
        ),
        (
            t(10, 6),
            "b",
            Payload::Note(Note {
                text: "general".into(),
                step: None,
            }),
        ),
        (
            t(10, 7),
            "a",
            Payload::Notice(NoticeSent {
                template: "notice".into(),
                audience: "customers".into(),
                sent_at: t(10, 0),
                to: None,
            }),
        ),
        (t(10, 8), "a", Payload::Closed(Closed::default())),
    ]);
    assert_eq!(inc.notes.len(), 2);
    assert_eq!(
        inc.steps[0].status,
        StepStatus::InProgress,
        "a step note counts as activity"
    );
    assert_eq!(inc.notices[0].notice.sent_at, t(10, 0));
    assert_eq!(inc.closed.as_ref().unwrap().at, t(10, 8));
    assert!(inc.is_closed());
    assert_eq!(inc.record_count, 5);
    assert_eq!(inc.last_activity, t(10, 8));
}

#[test]
fn records_that_do_not_fit_the_runbook_become_warnings_not_failures() {
    let inc = fold_all(vec![
        (t(10, 5), "a", check("nope", "a1", true)),
        (t(10, 6), "a", check("assess", "zz", true)),
        (
            t(10, 7),
            "a",
            answer("assess", "zz", AnswerValue::Bool(true)),
        ),
        (
            t(10, 8),
            "a",
            Payload::Unknown {
                kind: "future".into(),
                payload: serde_yaml::Value::Null,
            },
        ),
    ]);
    assert_eq!(inc.warnings.len(), 4, "{:?}", inc.warnings);
    assert!(inc.warnings[3].contains("unknown record kind `future`"));
    assert_eq!(inc.steps[0].progress(), (0, 2));
}

#[test]
fn fold_rejects_files_that_do_not_start_with_opened() {
    assert!(matches!(fold(&[]), Err(FoldError::Empty)));
    let r = rec(
        0,
        t(10, 0),
        "a",
        Payload::Note(Note {
            text: "x".into(),
            step: None,
        }),
    );
    assert!(matches!(fold(&[r]), Err(FoldError::NotOpened { .. })));
    let mut o = opened();
    if let Payload::Opened(p) = &mut o.payload {
        p.format = 3;
    }
    assert!(matches!(fold(&[o]), Err(FoldError::UnsupportedFormat(3))));
}

#[test]
fn validate_rejects_unknown_ids_wrong_values_and_closed_incidents() {
    let inc = fold_all(vec![]);
    let status = |p: Payload| validate(&inc, &p).map_err(|e| crate::error::status_of(&e));
    use crate::error::ExitStatus::{Conflict, InvalidInput, NotFound};
    assert_eq!(status(check("nope", "a1", true)), Err(NotFound));
    assert_eq!(status(check("assess", "zz", true)), Err(NotFound));
    assert_eq!(
        status(check("assess", "a1", false)),
        Err(Conflict),
        "already unchecked"
    );
    assert_eq!(status(check("assess", "a1", true)), Ok(()));
    assert_eq!(
        status(answer("assess", "zz", AnswerValue::Bool(true))),
        Err(NotFound)
    );
    assert_eq!(
        status(answer("assess", "cards", AnswerValue::Number(1.0))),
        Err(InvalidInput)
    );
    assert_eq!(
        status(answer(
            "assess",
            "kinds",
            AnswerValue::List(vec!["q".into()])
        )),
        Err(InvalidInput)
    );
    assert_eq!(
        status(outcome("assess", StepOutcome::Done, None, &[])),
        Err(Conflict),
        "a1 is required and open"
    );
    assert_eq!(
        status(outcome("assess", StepOutcome::Done, None, &["a1"])),
        Ok(())
    );
    assert_eq!(
        status(outcome("assess", StepOutcome::Skipped, Some("  "), &[])),
        Err(InvalidInput)
    );
    assert_eq!(
        status(outcome("assess", StepOutcome::Reopened, None, &[])),
        Err(Conflict)
    );
    assert_eq!(
        status(Payload::Note(Note {
            text: "".into(),
            step: None
        })),
        Err(InvalidInput)
    );

    let closed = fold_all(vec![(t(11, 0), "a", Payload::Closed(Closed::default()))]);
    let err = validate(
        &closed,
        &Payload::Note(Note {
            text: "x".into(),
            step: None,
        }),
    )
    .unwrap_err();
    assert_eq!(crate::error::status_of(&err), Conflict);
    assert!(err.to_string().contains("is closed"), "{err}");
}

#[test]
fn command_line_values_are_parsed_by_question_kind() {
    let inc = fold_all(vec![]);
    let q = |id: &str| {
        inc.runbook.steps[0]
            .questions
            .iter()
            .find(|q| q.id == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        parse_answer(&q("cards"), "Yes").unwrap(),
        AnswerValue::Bool(true)
    );
    assert_eq!(
        parse_answer(&q("cards"), "no").unwrap(),
        AnswerValue::Bool(false)
    );
    assert!(parse_answer(&q("cards"), "maybe").is_err());
    assert_eq!(
        parse_answer(&q("count"), "1200").unwrap(),
        AnswerValue::Count(1200)
    );
    assert!(parse_answer(&q("count"), "lots").is_err());
    assert!(parse_answer(&q("count"), "NaN").is_err());
    // A count is a non-negative whole number, kept exactly.
    let negative = parse_answer(&q("count"), "-5").unwrap_err().to_string();
    assert!(negative.contains("cannot be negative"), "{negative}");
    assert!(parse_answer(&q("count"), "2.5").is_err());
    assert!(parse_answer(&q("count"), "99999999999999999999999999999").is_err());
    assert_eq!(
        parse_answer(&q("kinds"), "x, y").unwrap(),
        AnswerValue::List(vec!["x".into(), "y".into()])
    );
    assert!(parse_answer(&q("kinds"), "x,z").is_err());
}

fn amended(fact: &str, value: AnswerValue, reason: &str) -> Payload {
    Payload::Amended(Amended {
        fact: fact.into(),
        value,
        reason: reason.into(),
        overrode: Vec::new(),
    })
}

fn text(s: &str) -> AnswerValue {
    AnswerValue::Text(s.into())
}

#[test]
fn a_correction_replaces_the_fact_and_keeps_its_history() {
    let inc = fold_all(vec![
        (
            t(10, 5),
            "alice",
            answer("assess", "count", AnswerValue::Number(10.0)),
        ),
        (
            t(10, 10),
            "bob",
            amended(
                "aware",
                text("2026-11-22T14:30:00Z"),
                "host e-mail of the 22nd",
            ),
        ),
        (
            t(10, 20),
            "bob",
            amended("assess/count", AnswerValue::Number(4200.0), "order export"),
        ),
        (
            t(10, 25),
            "bob",
            amended("severity", text("critical"), "cards"),
        ),
        (
            t(10, 26),
            "bob",
            amended("title", text("Card skimmer"), "named"),
        ),
        (
            t(10, 30),
            "alice",
            amended(
                "aware",
                text("2026-11-22T15:00:00Z"),
                "the e-mail came at 15:00",
            ),
        ),
    ]);
    assert!(inc.warnings.is_empty(), "{:?}", inc.warnings);
    assert_eq!(
        inc.aware_at,
        Utc.with_ymd_and_hms(2026, 11, 22, 15, 0, 0).unwrap()
    );
    assert_eq!(inc.severity, crate::types::Severity::Critical);
    assert_eq!(inc.title, "Card skimmer");
    assert_eq!(
        inc.answer_value("assess/count"),
        Some(&AnswerValue::Number(4200.0))
    );
    let aware: Vec<(Option<&str>, &str, &str)> = inc
        .corrections_of("aware")
        .map(|c| (c.old.as_deref(), c.new.as_str(), c.stamp.by.as_str()))
        .collect();
    assert_eq!(
        aware,
        [
            (Some("2026-11-23T10:00:00Z"), "2026-11-22T14:30:00Z", "bob"),
            (
                Some("2026-11-22T14:30:00Z"),
                "2026-11-22T15:00:00Z",
                "alice"
            ),
        ]
    );
    let count = inc.corrections_of("assess/count").next().expect("count");
    assert_eq!(
        (count.old.as_deref(), count.new.as_str()),
        (Some("10"), "4200")
    );
    assert_eq!(count.reason, "order export");
    assert_eq!(inc.corrections.len(), 5);
}

#[test]
fn a_correction_that_does_not_fit_is_a_warning_and_changes_nothing() {
    let inc = fold_all(vec![
        (t(10, 5), "a", amended("aware", text("yesterday"), "x")),
        (t(10, 6), "a", amended("nope/none", text("1"), "x")),
        (t(10, 7), "a", amended("severity", text("huge"), "x")),
    ]);
    assert_eq!(inc.aware_at, t(10, 0));
    assert_eq!(inc.severity, crate::types::Severity::High);
    assert!(inc.corrections.is_empty());
    assert_eq!(inc.warnings.len(), 3, "{:?}", inc.warnings);
}

#[test]
fn the_determination_time_is_the_most_recently_recorded_of_intake_and_answer() {
    let inc = fold_all(vec![]);
    assert_eq!(inc.determined_at, None);
    let inc = fold_all(vec![(
        t(10, 5),
        "a",
        answer("assess", "determined_at", text("2026-11-23T09:30:00Z")),
    )]);
    assert_eq!(inc.determined_at, Some(t(9, 30)));
    assert_eq!(inc.intake_determined_at, None);
    let inc = fold_all(vec![
        (
            t(10, 5),
            "a",
            answer("assess", "determined_at", text("2026-11-23T09:30:00Z")),
        ),
        (
            t(10, 6),
            "a",
            amended("determined", text("2026-11-23T09:10:00Z"), "x"),
        ),
    ]);
    assert_eq!(inc.determined_at, Some(t(9, 10)));
    let inc = fold_all(vec![
        (
            t(10, 5),
            "a",
            amended("determined", text("2026-11-23T09:10:00Z"), "x"),
        ),
        (
            t(10, 6),
            "a",
            amended("assess/determined_at", text("2026-11-23T09:45:00Z"), "y"),
        ),
    ]);
    assert_eq!(inc.determined_at, Some(t(9, 45)));
    assert_eq!(inc.intake_determined_at, Some(t(9, 10)));
}

#[test]
fn amendments_are_parsed_and_validated_with_messages_that_say_why() {
    let inc = fold_all(vec![]);
    assert_eq!(
        parse_amendment(&inc, "aware", "2026-11-22T14:30:00Z").unwrap(),
        text("2026-11-22T14:30:00Z")
    );
    assert_eq!(
        parse_amendment(&inc, "severity", "Critical").unwrap(),
        text("critical")
    );
    assert_eq!(
        parse_amendment(&inc, "assess/count", "12").unwrap(),
        AnswerValue::Count(12)
    );
    let msg = |fact: &str, v: &str| parse_amendment(&inc, fact, v).unwrap_err().to_string();
    assert!(msg("aware", "soon").contains("`aware` expects a date and time"));
    assert!(msg("severity", "huge").contains("expected low, medium, high or critical"));
    assert!(msg("opened", "x").contains("`opened` is not a fact that can be corrected"));
    assert!(msg("assess/nope", "1").contains("no question `nope` in step `assess`"));
    assert!(msg("assess/count", "many").contains("expects a count"));
    assert!(msg("title", " ").contains("title cannot be empty"));

    let no_reason = amended("aware", text("2026-11-22T14:30:00Z"), " ");
    let e = validate(&inc, &no_reason).unwrap_err().to_string();
    assert!(
        e.contains("the reason for a correction cannot be empty"),
        "{e}"
    );
    let same = amended("aware", text("2026-11-23T10:00:00Z"), "r");
    let e = validate(&inc, &same).unwrap_err().to_string();
    assert!(e.contains("already 2026-11-23T10:00:00Z"), "{e}");
    let ok = amended("detected", text("2026-11-23T08:00:00Z"), "r");
    assert!(validate(&inc, &ok).is_ok());
    let empty = Payload::Override(Override {
        fact: "aware".into(),
        checks: Vec::new(),
    });
    assert!(validate(&inc, &empty).is_err());
}

fn add_action(id: &str, after_close: bool) -> Payload {
    Payload::Action(crate::journal::record::ActionAdded {
        id: id.into(),
        text: "Update the response plan".into(),
        owner: "Dana".into(),
        due: chrono::NaiveDate::from_ymd_opt(2026, 12, 15).expect("valid day"),
        after_close,
    })
}

fn action_done(id: &str, after_close: bool) -> Payload {
    Payload::ActionDone(crate::journal::record::ActionDone {
        id: id.into(),
        after_close,
    })
}

#[test]
fn action_items_fold_in_order_and_an_out_of_sequence_one_is_a_warning() {
    let inc = fold_all(vec![
        (t(10, 1), "a", add_action("A1", false)),
        (t(10, 2), "b", add_action("A3", false)),
        (t(10, 3), "b", add_action("A2", false)),
        (t(10, 4), "a", action_done("A1", false)),
        (t(10, 5), "a", action_done("A9", false)),
        (t(10, 6), "a", Payload::Closed(Closed::default())),
        (t(10, 7), "c", action_done("A2", true)),
    ]);
    let ids: Vec<&str> = inc.actions.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["A1", "A2"]);
    assert_eq!(inc.actions[0].done.as_ref().map(|s| s.at), Some(t(10, 4)));
    assert_eq!(
        inc.actions[1].done.as_ref().map(|s| s.by.as_str()),
        Some("c")
    );
    assert_eq!(inc.actions[1].added.by, "b");
    assert_eq!(inc.warnings.len(), 2, "{:?}", inc.warnings);
    assert!(inc.warnings[0].contains("`A3` out of sequence"));
    assert!(inc.warnings[1].contains("unknown action item `A9`"));
    assert!(inc.is_closed());
}

/// The event time a record gives (`at`) is in the stamps the fold keeps, beside the
/// record time, and is what `Stamp::when` answers.
#[test]
fn stamps_keep_the_event_time_a_record_gives() {
    let mut added = rec(1, t(18, 0), "a", add_action("A1", false));
    added.at = Some(t(14, 0));
    let mut done = rec(2, t(18, 1), "a", action_done("A1", false));
    done.at = Some(t(16, 0));
    let plain = rec(3, t(18, 2), "a", add_action("A2", false));
    let inc = fold(&[opened(), added, done, plain]).expect("folds");
    let a1 = &inc.actions[0];
    assert_eq!((a1.added.at, a1.added.event_at), (t(18, 0), Some(t(14, 0))));
    assert_eq!(a1.added.when(), t(14, 0));
    let finished = a1.done.as_ref().expect("done");
    assert_eq!((finished.at, finished.when()), (t(18, 1), t(16, 0)));
    let a2 = &inc.actions[1];
    assert_eq!((a2.added.event_at, a2.added.when()), (None, t(18, 2)));
}

#[test]
fn only_action_items_follow_close_and_they_must_say_so() {
    use crate::error::ExitStatus::{Conflict, InvalidInput, NotFound};
    let open = fold_all(vec![]);
    let status =
        |inc: &Incident, p: Payload| validate(inc, &p).map_err(|e| crate::error::status_of(&e));
    assert_eq!(status(&open, add_action("A1", false)), Ok(()));
    assert_eq!(status(&open, add_action("A2", false)), Err(InvalidInput));
    assert_eq!(status(&open, add_action("A1", true)), Err(InvalidInput));
    assert_eq!(status(&open, action_done("A1", false)), Err(NotFound));

    let closed = fold_all(vec![
        (t(10, 1), "a", add_action("A1", false)),
        (t(10, 6), "a", Payload::Closed(Closed::default())),
    ]);
    assert_eq!(status(&closed, add_action("A2", true)), Ok(()));
    assert_eq!(status(&closed, add_action("A2", false)), Err(InvalidInput));
    assert_eq!(status(&closed, action_done("A1", true)), Ok(()));
    assert_eq!(status(&closed, action_done("A1", false)), Err(InvalidInput));
    assert_eq!(
        status(
            &closed,
            Payload::Note(Note {
                text: "x".into(),
                step: None
            })
        ),
        Err(Conflict)
    );

    let done = fold_all(vec![
        (t(10, 1), "a", add_action("A1", false)),
        (t(10, 2), "a", action_done("A1", false)),
    ]);
    assert_eq!(status(&done, action_done("A1", false)), Err(Conflict));
}

#[test]
fn an_action_item_is_overdue_from_the_day_after_its_due_day() {
    let inc = fold_all(vec![(t(10, 1), "a", add_action("A1", false))]);
    let a = &inc.actions[0];
    let at = |s: &str| crate::types::parse_time(s).expect("valid time");
    assert!(!a.is_overdue(at("2026-12-15T23:59:59Z")));
    assert!(a.is_overdue(at("2026-12-16T00:00:00Z")));
}

#[test]
fn an_answer_in_a_step_that_no_longer_applies_stops_counting() {
    // The last step reads an answer of the card step, which applies only with cards: once
    // the card step no longer applies, its answer counts as unanswered.
    const RB: &str = r#"
breach_runbook: 1
id: test
title: Test runbook
steps:
  - id: assess
    title: Assess
    owner: commander
    guidance: Look.
    questions:
      - {id: cards, prompt: Cards?, kind: confirm}
  - id: cards
    title: Card step
    owner: commander
    guidance: Only with cards.
    when: {answer: assess/cards, equals: true}
    questions:
      - {id: brands, prompt: How many brands?, kind: number}
  - id: last
    title: Last
    owner: commander
    guidance: End.
    when: {answer: cards/brands, at_least: 2}
"#;
    let records = |payloads: Vec<Payload>| {
        let mut rs = vec![opened()];
        if let Payload::Opened(o) = &mut rs[0].payload {
            o.runbook.text = RB.into();
        }
        for (i, p) in payloads.into_iter().enumerate() {
            rs.push(rec(i as u64 + 1, t(10, 5), "a", p));
        }
        fold(&rs).expect("folds")
    };
    let inc = records(vec![
        answer("assess", "cards", AnswerValue::Bool(true)),
        answer("cards", "brands", AnswerValue::Number(2.0)),
    ]);
    assert!(inc.step_applies(2));
    let inc = records(vec![
        answer("assess", "cards", AnswerValue::Bool(true)),
        answer("cards", "brands", AnswerValue::Number(2.0)),
        answer("assess", "cards", AnswerValue::Bool(false)),
    ]);
    assert!(!inc.step_applies(1));
    assert!(!inc.step_applies(2), "the brands answer no longer counts");
    assert_eq!(
        inc.step("cards")
            .and_then(|s| s.answers.get("brands"))
            .map(|a| &a.value),
        Some(&AnswerValue::Number(2.0)),
        "the recorded answer is kept"
    );
}

const AFFECTED_RUNBOOK: &str = r#"
breach_runbook: 1
id: test
title: Test runbook
steps:
  - id: assess
    title: Assess
    owner: commander
    guidance: Look.
    questions:
      - {id: total, prompt: How many?, kind: number, affected: total}
      - id: places
        prompt: Where?
        kind: multiselect
        codes: iso3166
        affected: places
        options: [{id: US-CA, label: California}, {id: DE, label: Germany}]
      - {id: ca, prompt: California?, kind: number, affected: US-CA, when: {answer: assess/places, place_in: [US-CA]}}
      - {id: eu, prompt: EU?, kind: number, affected: EU}
"#;

fn affected_import(total: u64, ca: u64, de: u64) -> Payload {
    let mut countries = std::collections::BTreeMap::new();
    countries.insert("US".to_string(), total - de);
    if de > 0 {
        countries.insert("DE".to_string(), de);
    }
    let mut places = vec![];
    if de > 0 {
        places.push("DE".to_string());
    }
    if total - de > ca {
        places.push("US".to_string());
    }
    if ca > 0 {
        places.push("US-CA".to_string());
    }
    Payload::Affected(Box::new(crate::journal::record::AffectedImport {
        source: "/x/orders.csv".into(),
        sha256: "ab".repeat(32),
        size: 10,
        format: "shopify-orders".into(),
        encoding: "utf8".into(),
        window_from: None,
        window_to: None,
        card_only: false,
        payment_methods: vec![],
        rows_read: total,
        rows_kept: total,
        dropped: Default::default(),
        total,
        unplaced: 0,
        countries,
        subdivisions: [("US-CA".to_string(), ca)]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect(),
        places,
        recipients: None,
    }))
}

fn fold_affected(payloads: Vec<Payload>) -> Incident {
    let mut first = opened();
    if let Payload::Opened(o) = &mut first.payload {
        o.runbook.text = AFFECTED_RUNBOOK.into();
    }
    let mut records = vec![first];
    for (i, p) in payloads.into_iter().enumerate() {
        records.push(rec(i as u64 + 1, t(11, i as u32), "alice", p));
    }
    fold(&records).expect("fold succeeds")
}

fn live(inc: &Incident, path: &str) -> Option<AnswerValue> {
    inc.answer(path).cloned()
}

#[test]
fn an_import_answers_the_questions_of_its_facts_and_the_latest_record_wins() {
    let inc = fold_affected(vec![affected_import(700, 600, 40)]);
    assert_eq!(live(&inc, "assess/total"), Some(AnswerValue::Number(700.0)));
    assert_eq!(live(&inc, "assess/ca"), Some(AnswerValue::Number(600.0)));
    assert_eq!(live(&inc, "assess/eu"), Some(AnswerValue::Number(40.0)));
    assert_eq!(
        live(&inc, "assess/places"),
        Some(AnswerValue::List(vec![
            "DE".into(),
            "US".into(),
            "US-CA".into()
        ]))
    );
    assert_eq!(inc.affected.len(), 1);
    assert_eq!(inc.steps[0].answers["total"].stamp.seq, 1);
    // No one found in California: the count is not answered at all.
    let inc0 = fold_affected(vec![affected_import(40, 0, 40)]);
    assert!(!inc0.steps[0].answers.contains_key("ca"));

    // A later answer by hand replaces the one value; the others stay the import's.
    let inc = fold_affected(vec![
        affected_import(700, 600, 40),
        answer("assess", "ca", AnswerValue::Number(450.0)),
    ]);
    assert_eq!(live(&inc, "assess/ca"), Some(AnswerValue::Number(450.0)));
    assert_eq!(live(&inc, "assess/total"), Some(AnswerValue::Number(700.0)));

    // A later import supersedes both, and the history stays.
    let inc = fold_affected(vec![
        affected_import(700, 600, 40),
        answer("assess", "ca", AnswerValue::Number(450.0)),
        affected_import(300, 0, 0),
    ]);
    assert_eq!(inc.affected.len(), 2);
    assert_eq!(inc.affected_import().map(|a| a.import.total), Some(300));
    assert_eq!(live(&inc, "assess/total"), Some(AnswerValue::Number(300.0)));
    // No one in California any more: the place is gone, so its count stops counting.
    assert_eq!(inc.steps[0].answers["ca"].value, AnswerValue::Number(0.0));
    assert_eq!(live(&inc, "assess/ca"), None);
}

#[test]
fn an_import_whose_counts_disagree_is_refused() {
    let inc = fold_affected(vec![]);
    let mut bad = affected_import(700, 600, 40);
    if let Payload::Affected(a) = &mut bad {
        a.total = 701;
    }
    let err = validate(&inc, &bad).unwrap_err().to_string();
    assert!(err.contains("disagree"), "{err}");
    let mut bad = affected_import(700, 600, 40);
    if let Payload::Affected(a) = &mut bad {
        a.subdivisions.insert("US-CA".into(), 9999);
    }
    assert!(validate(&inc, &bad).is_err());
    assert!(validate(&inc, &affected_import(700, 600, 40)).is_ok());
}
