//! Unit tests of the deadline engine. Every test pins its instants; 2026-11-23 is a Monday.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};

use super::*;
use crate::incident::{AnswerValue, Incident, fold};
use crate::journal::record::{
    Answer, Check, NoticeSent, Opened, Payload, PinnedRunbook, Record, StepChange, StepOutcome,
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
    questions:
      - {id: eu, prompt: EU?, kind: confirm}
      - {id: count, prompt: How many?, kind: number}
      - {id: determined_at, prompt: When determined?, kind: datetime}
  - id: report
    title: Report
    owner: legal
    guidance: Tell them.
    items:
      - {id: authority_notified, text: Authority told}
      - {id: acquirer_notified, text: Acquirer told}
deadlines:
  - id: authority
    title: Tell the authority
    authority: Supervisory authority
    citation: Art. 33
    from: aware
    within: {hours: 72}
    when: {answer: assess/eu, equals: true}
    satisfied_by:
      - {notice: authority-notice}
      - {item: report/authority_notified}
  - id: acquirer
    title: Tell the acquirer
    authority: Acquirer
    citation: Brand rules
    from: detected
    within: {days: 30}
    satisfied_by: {item: report/acquirer_notified}
    note: Verify for your jurisdiction.
    verified: false
  - id: final
    title: Final report
    authority: Supervisory authority
    citation: Art. 23(4)(d)
    from: {deadline: authority}
    within: {months: 1}
    satisfied_by: {step: report}
  - id: subjects
    title: Tell the people affected
    authority: Data subjects
    citation: Art. 34
    from: aware
    asap: true
    satisfied_by: {notice: customer-notice}
  - id: regulator
    title: Copy to the regulator
    authority: Regulator
    citation: Sec. 1(f)
    from: {notice: customer-notice}
    within: {days: 15}
    when: {answer: assess/count, more_than: 500}
    satisfied_by: {item: report/authority_notified}
  - id: state
    title: Tell residents
    authority: Residents
    citation: Sec. 2
    from: {answer: assess/determined_at}
    within: {business_days: 3}
  - id: determined
    title: From determination
    authority: Residents
    citation: Sec. 3
    from: determined
    within: {days: 60}
holidays: [2026-11-26, 2026-11-27, 2026-11-28]
templates:
  - {id: customer-notice, audience: customers, subject: S, body: B}
  - {id: authority-notice, audience: authority, subject: S, body: B}
"#;

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("valid test time")
}

/// Monday 2026-11-23 at `h`:`m` UTC; hours past 24 roll into the following days.
fn mon(h: u32, m: u32) -> DateTime<Utc> {
    at(2026, 11, 23, 0, 0) + TimeDelta::hours(i64::from(h)) + TimeDelta::minutes(i64::from(m))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn hours(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

/// Detected 09:00, aware and opened 10:00 on Monday 2026-11-23.
fn incident_with(
    runbook: &str,
    determined_at: Option<DateTime<Utc>>,
    payloads: Vec<(DateTime<Utc>, Payload)>,
) -> Incident {
    let opened = Record {
        seq: 0,
        time: mon(10, 0),
        operator: "alice".into(),
        prev: String::new(),
        hash: String::new(),
        payload: Payload::Opened(Box::new(Opened {
            format: 1,
            id: "20261123T100000Z-test".into(),
            title: "Test".into(),
            severity: crate::types::Severity::High,
            detected_at: mon(9, 0),
            aware_at: mon(10, 0),
            determined_at,
            runbook: PinnedRunbook {
                id: "test".into(),
                title: "Test runbook".into(),
                source: "built-in".into(),
                sha256: "00".into(),
                text: runbook.into(),
            },
            upgraded_from: None,
        })),
        line: 0,
    };
    let mut records = vec![opened];
    for (i, (time, payload)) in payloads.into_iter().enumerate() {
        records.push(Record {
            seq: i as u64 + 1,
            time,
            operator: "bob".into(),
            prev: String::new(),
            hash: String::new(),
            payload,
            line: 0,
        });
    }
    let incident = fold(&records).expect("fold succeeds");
    assert!(incident.warnings.is_empty(), "{:?}", incident.warnings);
    incident
}

fn incident(payloads: Vec<(DateTime<Utc>, Payload)>) -> Incident {
    incident_with(RUNBOOK, None, payloads)
}

fn check(path: &str, checked: bool) -> Payload {
    let (step, item) = path.split_once('/').expect("STEP/ITEM");
    Payload::Check(Check {
        step: step.into(),
        item: item.into(),
        checked,
    })
}

fn answer(path: &str, value: AnswerValue) -> Payload {
    let (step, question) = path.split_once('/').expect("STEP/QUESTION");
    Payload::Answer(Answer {
        step: step.into(),
        question: question.into(),
        value,
    })
}

fn notice(template: &str, sent_at: DateTime<Utc>) -> Payload {
    Payload::Notice(NoticeSent {
        template: template.into(),
        audience: "someone".into(),
        sent_at,
        to: None,
    })
}

fn done(step: &str) -> Payload {
    Payload::Step(StepChange {
        step: step.into(),
        outcome: StepOutcome::Done,
        reason: None,
        open_items: Vec::new(),
    })
}

fn eu() -> (DateTime<Utc>, Payload) {
    (mon(10, 5), answer("assess/eu", AnswerValue::Bool(true)))
}

fn get<'a>(statuses: &'a [DeadlineStatus], id: &str) -> &'a DeadlineStatus {
    statuses
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no deadline {id}"))
}

fn eval(inc: &Incident, now: DateTime<Utc>, id: &str) -> DeadlineStatus {
    get(&evaluate(inc, now), id).clone()
}

fn within(yaml: &str) -> Within {
    serde_yaml::from_str(yaml).expect("test duration parses")
}

// ---- durations ----

#[test]
fn hours_and_calendar_days_are_exact_multiples_in_utc() {
    let t = at(2026, 3, 27, 22, 30);
    assert_eq!(
        due_at(t, &within("{hours: 72}"), &[]),
        Some(at(2026, 3, 30, 22, 30))
    );
    // Europe changes its clocks on 2026-03-29; UTC does not, so 3 days is 72 hours.
    assert_eq!(
        due_at(t, &within("{days: 3}"), &[]),
        Some(at(2026, 3, 30, 22, 30))
    );
    assert_eq!(
        due_at(t, &within("{hours: 1}"), &[]),
        Some(at(2026, 3, 27, 23, 30))
    );
    assert_eq!(due_at(t, &within("{days: 0}"), &[]), Some(t));
}

#[test]
fn business_days_skip_weekends_and_keep_the_time_of_day() {
    let friday = at(2026, 11, 20, 15, 45);
    let bd = |n: u32| due_at(friday, &within(&format!("{{business_days: {n}}}")), &[]);
    assert_eq!(bd(0), Some(friday));
    assert_eq!(bd(1), Some(at(2026, 11, 23, 15, 45)), "Friday + 1 = Monday");
    assert_eq!(bd(5), Some(at(2026, 11, 27, 15, 45)), "Friday + 5 = Friday");
    assert_eq!(bd(10), Some(at(2026, 12, 4, 15, 45)));
    let saturday = at(2026, 11, 21, 8, 0);
    let from_sat = |n: u32| due_at(saturday, &within(&format!("{{business_days: {n}}}")), &[]);
    assert_eq!(
        from_sat(1),
        Some(at(2026, 11, 23, 8, 0)),
        "Saturday + 1 = Monday"
    );
    assert_eq!(
        from_sat(5),
        Some(at(2026, 11, 27, 8, 0)),
        "Saturday + 5 = Friday"
    );
    assert_eq!(from_sat(6), Some(at(2026, 11, 30, 8, 0)));
    let sunday = at(2026, 11, 22, 23, 59);
    assert_eq!(
        due_at(sunday, &within("{business_days: 3}"), &[]),
        Some(at(2026, 11, 25, 23, 59))
    );
}

#[test]
fn business_days_skip_holidays_and_ignore_weekend_holidays() {
    let wednesday = at(2026, 11, 25, 12, 0);
    // Thursday and Friday are holidays, Saturday is one too (no effect), then the weekend.
    let holidays = [date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 28)];
    assert_eq!(
        due_at(wednesday, &within("{business_days: 2}"), &holidays),
        Some(at(2026, 12, 1, 12, 0)),
        "Wed + 2 skips Thu, Fri (holidays), Sat, Sun: Mon is 1, Tue is 2"
    );
    // A holiday reached only because an earlier one pushed the end out is skipped too.
    let christmas = [date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1)];
    assert_eq!(
        due_at(
            at(2026, 12, 23, 9, 0),
            &within("{business_days: 6}"),
            &christmas
        ),
        Some(at(2027, 1, 5, 9, 0)),
        "Dec 24 and 25 are holidays, Dec 28-31 are 1-4, Jan 1 is a holiday, Jan 4 and 5 are 5 and 6"
    );
}

#[test]
fn months_keep_the_day_or_clamp_to_the_month_end() {
    let m = |t: DateTime<Utc>, n: u32| due_at(t, &within(&format!("{{months: {n}}}")), &[]);
    assert_eq!(m(at(2026, 3, 15, 10, 0), 1), Some(at(2026, 4, 15, 10, 0)));
    assert_eq!(m(at(2026, 1, 31, 10, 0), 1), Some(at(2026, 2, 28, 10, 0)));
    assert_eq!(m(at(2028, 1, 31, 10, 0), 1), Some(at(2028, 2, 29, 10, 0)));
    assert_eq!(m(at(2026, 3, 31, 10, 0), 1), Some(at(2026, 4, 30, 10, 0)));
    assert_eq!(m(at(2026, 12, 31, 23, 0), 2), Some(at(2027, 2, 28, 23, 0)));
    assert_eq!(
        m(at(2026, 11, 23, 10, 0), 12),
        Some(at(2027, 11, 23, 10, 0))
    );
}

#[test]
fn huge_durations_give_none_instead_of_panicking() {
    let t = at(2026, 11, 23, 10, 0);
    for field in ["hours", "days", "business_days", "months"] {
        let w = within(&format!("{{{field}: {}}}", u32::MAX));
        assert_eq!(due_at(t, &w, &[]), None, "{field}");
    }
    assert_eq!(due_at(t, &Within::default(), &[]), None);
}

#[test]
fn a_capped_due_time_is_reported_not_a_panic() {
    let rb = RUNBOOK.replace("within: {hours: 72}", "within: {hours: 4294967295}");
    let inc = incident_with(&rb, None, vec![eu()]);
    let s = eval(&inc, mon(11, 0), "authority");
    assert_eq!(s.state, DeadlineState::Open);
    assert_eq!(s.due_at, Some(DateTime::<Utc>::MAX_UTC));
    let warning = s.warning.expect("a warning");
    assert!(warning.contains("capped"), "{warning}");
}

// ---- states ----

#[test]
fn a_running_clock_is_open_then_due_soon_by_24_hours_then_overdue() {
    let inc = incident(vec![eu()]);
    let s = eval(&inc, mon(34, 0), "authority");
    assert_eq!(s.state, DeadlineState::Open);
    assert_eq!(s.anchor.description, "aware");
    assert_eq!(s.anchor.at, Some(mon(10, 0)));
    assert_eq!(s.anchor.record.as_ref().map(|r| r.seq), Some(0));
    assert_eq!(s.due_at, Some(at(2026, 11, 26, 10, 0)));
    assert_eq!(s.window, Some(hours(72)));
    assert_eq!(s.remaining, Some(hours(48)));
    assert_eq!(s.within.as_deref(), Some("72 hours"));
    assert!(!s.asap);

    // 24 h left is not yet "less than 24 h"; one second later it is.
    assert_eq!(
        eval(&inc, mon(58, 0), "authority").state,
        DeadlineState::Open
    );
    let s = eval(&inc, mon(60, 0), "authority");
    assert_eq!(s.state, DeadlineState::DueSoon);
    assert_eq!(s.remaining, Some(hours(22)));

    // Exactly at the due time it is still due (not late), with nothing left.
    let s = eval(&inc, mon(82, 0), "authority");
    assert_eq!(s.state, DeadlineState::DueSoon);
    assert_eq!(s.remaining, Some(TimeDelta::zero()));

    let s = eval(&inc, mon(83, 0), "authority");
    assert_eq!(s.state, DeadlineState::Overdue);
    assert_eq!(s.overdue_by, Some(hours(1)));
    assert_eq!(s.remaining, None);
    assert_eq!(s.met_at, None);
}

#[test]
fn a_long_clock_is_due_soon_once_under_20_percent_of_its_window_is_left() {
    // 30 days from detection (Mon 09:00): due 2026-12-23T09:00, 720 h window, 20 % = 144 h.
    let inc = incident(vec![]);
    let due = at(2026, 12, 23, 9, 0);
    let s = eval(&inc, due - hours(145), "acquirer");
    assert_eq!(s.state, DeadlineState::Open);
    assert_eq!(s.window, Some(hours(720)));
    let s = eval(&inc, due - hours(144), "acquirer");
    assert_eq!(
        s.state,
        DeadlineState::Open,
        "exactly 20 % left is not less"
    );
    let s = eval(&inc, due - hours(143), "acquirer");
    assert_eq!(s.state, DeadlineState::DueSoon);
    assert_eq!(s.remaining, Some(hours(143)));
}

#[test]
fn met_early_records_the_record_and_the_margin() {
    let inc = incident(vec![
        eu(),
        (mon(80, 0), check("report/authority_notified", true)),
    ]);
    // Evaluated long after: a met deadline stays met.
    let s = eval(&inc, mon(500, 0), "authority");
    assert_eq!(s.state, DeadlineState::Met);
    assert_eq!(s.met_at, Some(mon(80, 0)));
    assert_eq!(s.met_timing, Some(MetTiming::Early));
    assert_eq!(s.met_margin, Some(hours(2)));
    let by = s.met_by.expect("met by a record");
    assert_eq!(by.description, "item report/authority_notified checked");
    assert_eq!(by.event.item.as_deref(), Some("report/authority_notified"));
    assert_eq!((by.record.seq, by.record.by.as_str()), (2, "bob"));
    assert_eq!((s.remaining, s.overdue_by), (None, None));
}

#[test]
fn met_late_says_by_how_much() {
    let inc = incident(vec![
        eu(),
        (mon(90, 0), notice("authority-notice", mon(85, 30))),
    ]);
    let s = eval(&inc, mon(91, 0), "authority");
    assert_eq!(s.state, DeadlineState::Met);
    assert_eq!(
        s.met_at,
        Some(mon(85, 30)),
        "the notice's sent_at, not the record time"
    );
    assert_eq!(s.met_timing, Some(MetTiming::Late));
    assert_eq!(s.met_margin, Some(TimeDelta::minutes(210)));
    assert_eq!(s.met_by.expect("met").record.seq, 2);
}

#[test]
fn the_earliest_event_meets_and_unchecked_items_do_not_count() {
    let inc = incident(vec![
        eu(),
        (mon(20, 0), check("report/authority_notified", true)),
        (mon(21, 0), check("report/authority_notified", false)),
        (mon(40, 0), check("report/authority_notified", true)),
        // Recorded later, but sent before the item was (re)checked.
        (mon(50, 0), notice("authority-notice", mon(30, 0))),
    ]);
    let s = eval(&inc, mon(50, 0), "authority");
    assert_eq!(s.met_at, Some(mon(30, 0)));
    assert_eq!(
        s.met_by.expect("met").event.notice.as_deref(),
        Some("authority-notice")
    );

    let inc = incident(vec![
        eu(),
        (mon(20, 0), check("report/authority_notified", true)),
        (mon(21, 0), check("report/authority_notified", false)),
    ]);
    assert_eq!(
        eval(&inc, mon(22, 0), "authority").state,
        DeadlineState::Open
    );
}

#[test]
fn conditions_switch_deadlines_on_and_off_as_answers_change() {
    let inc = incident(vec![]);
    let s = eval(&inc, mon(11, 0), "authority");
    assert_eq!(s.state, DeadlineState::NotApplicable, "unanswered");
    assert_eq!(
        s.due_at,
        Some(at(2026, 11, 26, 10, 0)),
        "still computed for reference"
    );

    let on = incident(vec![eu()]);
    assert_eq!(
        eval(&on, mon(11, 0), "authority").state,
        DeadlineState::Open
    );

    let off = incident(vec![
        eu(),
        (mon(10, 30), answer("assess/eu", AnswerValue::Bool(false))),
    ]);
    assert_eq!(
        eval(&off, mon(100, 0), "authority").state,
        DeadlineState::NotApplicable
    );

    // Not applicable wins over met: the item does not make a non-applicable clock "met".
    let off_but_done = incident(vec![(mon(11, 0), check("report/authority_notified", true))]);
    let s = eval(&off_but_done, mon(12, 0), "authority");
    assert_eq!(s.state, DeadlineState::NotApplicable);
    assert_eq!(s.met_at, None);

    let few = incident(vec![(
        mon(11, 0),
        answer("assess/count", AnswerValue::Number(500.0)),
    )]);
    assert_eq!(
        eval(&few, mon(12, 0), "regulator").state,
        DeadlineState::NotApplicable
    );
    let many = incident(vec![(
        mon(11, 0),
        answer("assess/count", AnswerValue::Number(501.0)),
    )]);
    assert_eq!(
        eval(&many, mon(12, 0), "regulator").state,
        DeadlineState::Waiting
    );
}

#[test]
fn asap_counts_elapsed_time_and_is_never_overdue() {
    let inc = incident(vec![]);
    let s = eval(&inc, mon(10 + 24 * 365, 0), "subjects");
    assert!(s.asap);
    assert_eq!(s.state, DeadlineState::Open);
    assert_eq!(s.elapsed, Some(hours(24 * 365)));
    assert_eq!(
        (s.due_at, s.remaining, s.overdue_by, s.within),
        (None, None, None, None)
    );

    let inc = incident(vec![(mon(40, 0), notice("customer-notice", mon(39, 0)))]);
    let s = eval(&inc, mon(100, 0), "subjects");
    assert_eq!(s.state, DeadlineState::Met);
    assert_eq!(s.met_at, Some(mon(39, 0)));
    assert_eq!(s.elapsed, Some(hours(29)), "how long it took");
    assert_eq!((s.met_timing, s.met_margin), (None, None));
}

#[test]
fn a_deadline_chained_on_another_waits_until_that_one_is_met() {
    let inc = incident(vec![eu()]);
    let s = eval(&inc, mon(20, 0), "final");
    assert_eq!(s.state, DeadlineState::Waiting);
    assert_eq!(s.anchor.description, "deadline authority met");
    assert_eq!((s.anchor.at, s.due_at), (None, None));

    let inc = incident(vec![
        eu(),
        (mon(47, 15), check("report/authority_notified", true)),
    ]);
    let s = eval(&inc, mon(48, 0), "final");
    assert_eq!(s.state, DeadlineState::Open);
    assert_eq!(s.anchor.at, Some(at(2026, 11, 24, 23, 15)));
    assert_eq!(s.anchor.record.as_ref().map(|r| r.seq), Some(2));
    assert_eq!(s.due_at, Some(at(2026, 12, 24, 23, 15)), "one month later");

    let inc = incident(vec![
        eu(),
        (mon(47, 15), check("report/authority_notified", true)),
        (mon(60, 0), done("report")),
    ]);
    let s = eval(&inc, mon(61, 0), "final");
    assert_eq!(s.state, DeadlineState::Met);
    assert_eq!(s.met_at, Some(mon(60, 0)));
    assert_eq!(s.met_by.expect("met").description, "step report done");
}

#[test]
fn a_deadline_chained_on_a_not_applicable_one_never_starts() {
    let inc = incident(vec![(mon(12, 0), check("report/authority_notified", true))]);
    assert_eq!(
        eval(&inc, mon(13, 0), "final").state,
        DeadlineState::Waiting
    );
}

#[test]
fn a_deadline_chained_on_a_notice_runs_from_its_sent_time() {
    let many = (
        mon(11, 0),
        answer("assess/count", AnswerValue::Number(1200.0)),
    );
    let inc = incident(vec![many.clone()]);
    let s = eval(&inc, mon(12, 0), "regulator");
    assert_eq!(s.state, DeadlineState::Waiting);
    assert_eq!(s.anchor.description, "notice customer-notice sent");

    let inc = incident(vec![
        many.clone(),
        (mon(30, 0), notice("customer-notice", mon(28, 0))),
        (mon(40, 0), notice("customer-notice", mon(35, 0))),
    ]);
    let s = eval(&inc, mon(40, 0), "regulator");
    assert_eq!(
        s.anchor.at,
        Some(mon(28, 0)),
        "the first sending starts the clock"
    );
    assert_eq!(s.due_at, Some(at(2026, 12, 9, 4, 0)));
    assert_eq!(s.state, DeadlineState::Open);
    assert_eq!(s.remaining, Some(hours(15 * 24 - 12)));
}

#[test]
fn an_answer_anchor_waits_for_the_answer_and_uses_a_datetime_value() {
    let inc = incident(vec![]);
    let s = eval(&inc, mon(12, 0), "state");
    assert_eq!(s.state, DeadlineState::Waiting);
    assert_eq!(s.anchor.description, "answer assess/determined_at");

    // Answered on Wednesday that it was determined on Tuesday at 16:20.
    let inc = incident(vec![(
        mon(50, 0),
        answer(
            "assess/determined_at",
            AnswerValue::Text("2026-11-24T16:20:00Z".into()),
        ),
    )]);
    let s = eval(&inc, mon(50, 0), "state");
    assert_eq!(s.anchor.at, Some(at(2026, 11, 24, 16, 20)));
    // Tue + 3 business days: Wed 25, then Thu 26 and Fri 27 are holidays, Mon 30, Tue Dec 1.
    assert_eq!(s.due_at, Some(at(2026, 12, 1, 16, 20)));
    assert_eq!(s.state, DeadlineState::Open);

    // A non-datetime answer anchors on the time it was recorded.
    let inc = incident(vec![(
        mon(12, 0),
        answer("assess/count", AnswerValue::Number(3.0)),
    )]);
    let rb = RUNBOOK.replace(
        "from: {answer: assess/determined_at}",
        "from: {answer: assess/count}",
    );
    let inc2 = incident_with(
        &rb,
        None,
        vec![(mon(12, 0), answer("assess/count", AnswerValue::Number(3.0)))],
    );
    assert_eq!(eval(&inc2, mon(13, 0), "state").anchor.at, Some(mon(12, 0)));
    assert_eq!(
        eval(&inc, mon(13, 0), "state").state,
        DeadlineState::Waiting
    );
}

#[test]
fn the_determined_anchor_waits_until_the_intake_has_it() {
    let inc = incident(vec![]);
    let s = eval(&inc, mon(12, 0), "determined");
    assert_eq!(s.state, DeadlineState::Waiting);
    assert_eq!(s.anchor.description, "determined");
    assert_eq!(s.anchor.at, None);

    let inc = incident_with(RUNBOOK, Some(at(2026, 11, 22, 18, 0)), vec![]);
    let s = eval(&inc, mon(12, 0), "determined");
    assert_eq!(s.anchor.at, Some(at(2026, 11, 22, 18, 0)));
    assert_eq!(s.due_at, Some(at(2027, 1, 21, 18, 0)));
    assert_eq!(s.state, DeadlineState::Open);
}

#[test]
fn every_deadline_is_reported_in_runbook_order_with_its_metadata() {
    let statuses = evaluate(&incident(vec![]), mon(12, 0));
    let ids: Vec<&str> = statuses.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "authority",
            "acquirer",
            "final",
            "subjects",
            "regulator",
            "state",
            "determined"
        ]
    );
    let a = get(&statuses, "acquirer");
    assert_eq!(a.title, "Tell the acquirer");
    assert_eq!(a.authority, "Acquirer");
    assert_eq!(a.citation, "Brand rules");
    assert_eq!(a.note.as_deref(), Some("Verify for your jurisdiction."));
    assert!(!a.verified);
    assert!(get(&statuses, "authority").verified);
}

#[test]
fn deadlines_met_by_each_other_settle_without_looping() {
    // `authority` is met by its item or by `final`; `final` is met by `authority`.
    let rb = RUNBOOK
        .replace(
            "      - {notice: authority-notice}\n",
            "      - {deadline: final}\n",
        )
        .replace(
            "    satisfied_by: {step: report}",
            "    satisfied_by: {deadline: authority}",
        );
    let inc = incident_with(&rb, None, vec![eu()]);
    let statuses = evaluate(&inc, mon(12, 0));
    assert_eq!(get(&statuses, "authority").state, DeadlineState::Open);
    assert_eq!(get(&statuses, "final").state, DeadlineState::Waiting);

    let inc = incident_with(
        &rb,
        None,
        vec![eu(), (mon(20, 0), check("report/authority_notified", true))],
    );
    let statuses = evaluate(&inc, mon(21, 0));
    let (a, f) = (get(&statuses, "authority"), get(&statuses, "final"));
    assert_eq!((a.state, a.met_at), (DeadlineState::Met, Some(mon(20, 0))));
    assert_eq!((f.state, f.met_at), (DeadlineState::Met, Some(mon(20, 0))));
    assert_eq!(
        f.met_by.as_ref().map(|m| m.description.as_str()),
        Some("deadline authority met")
    );
    assert_eq!(f.met_by.as_ref().map(|m| m.record.seq), Some(2));
    assert_eq!(f.anchor.at, Some(mon(20, 0)));
}

// ---- links to steps, urgency, JSON ----

#[test]
fn deadlines_know_which_steps_decide_start_or_meet_them() {
    let statuses = evaluate(&incident(vec![]), mon(12, 0));
    let a = get(&statuses, "authority");
    assert_eq!(
        a.steps,
        vec![
            StepLink {
                step: "assess".into(),
                role: LinkRole::Condition,
                via: "assess/eu".into()
            },
            StepLink {
                step: "report".into(),
                role: LinkRole::SatisfiedBy,
                via: "report/authority_notified".into()
            },
        ]
    );
    let report: Vec<&str> = deadlines_for_step(&statuses, "report")
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(report, ["authority", "acquirer", "final", "regulator"]);
    let assess: Vec<&str> = deadlines_for_step(&statuses, "assess")
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(assess, ["authority", "regulator", "state"]);
    assert!(deadlines_for_step(&statuses, "nope").is_empty());
}

#[test]
fn the_most_urgent_deadline_is_the_most_overdue_then_the_soonest_due() {
    let inc = incident_with(RUNBOOK, Some(mon(0, 0)), vec![eu()]);
    // At +73 h: authority overdue; acquirer, determined open; subjects asap.
    let statuses = evaluate(&inc, mon(83, 0));
    assert_eq!(
        most_urgent(&statuses).map(|s| s.id.as_str()),
        Some("authority")
    );
    let statuses = evaluate(&inc, mon(20, 0));
    assert_eq!(
        most_urgent(&statuses).map(|s| s.id.as_str()),
        Some("authority")
    );
    let inc = incident(vec![]);
    let statuses = evaluate(&inc, mon(20, 0));
    assert_eq!(
        most_urgent(&statuses).map(|s| s.id.as_str()),
        Some("acquirer")
    );
    assert_eq!(most_urgent(&[]), None);
}

#[test]
fn json_uses_snake_case_states_rfc3339_times_and_whole_seconds() {
    let inc = incident(vec![
        eu(),
        (mon(80, 0), check("report/authority_notified", true)),
    ]);
    let statuses = evaluate(&inc, mon(90, 0));
    let json = serde_json::to_value(get(&statuses, "authority")).expect("serialises");
    assert_eq!(json["state"], "met");
    assert_eq!(json["due_at"], "2026-11-26T10:00:00Z");
    assert_eq!(json["met_at"], "2026-11-26T08:00:00Z");
    assert_eq!(json["met_timing"], "early");
    assert_eq!(json["met_margin_secs"], 7200);
    assert_eq!(json["window_secs"], 72 * 3600);
    assert_eq!(json["remaining_secs"], serde_json::Value::Null);
    assert_eq!(json["met_by"]["record"]["seq"], 2);
    assert_eq!(json["met_by"]["event"]["item"], "report/authority_notified");
    assert_eq!(json["anchor"]["at"], "2026-11-23T10:00:00Z");
    let json = serde_json::to_value(get(&statuses, "subjects")).expect("serialises");
    assert_eq!(json["state"], "open");
    assert_eq!(json["elapsed_secs"], 80 * 3600);
    let names: Vec<&str> = [
        DeadlineState::Open,
        DeadlineState::DueSoon,
        DeadlineState::Overdue,
        DeadlineState::Met,
        DeadlineState::NotApplicable,
        DeadlineState::Waiting,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    assert_eq!(
        names,
        [
            "open",
            "due_soon",
            "overdue",
            "met",
            "not_applicable",
            "waiting"
        ]
    );
    for (state, name) in [
        (DeadlineState::DueSoon, "due_soon"),
        (DeadlineState::NotApplicable, "not_applicable"),
    ] {
        assert_eq!(serde_json::to_value(state).expect("serialises"), name);
    }
}

// ---- the built-in runbooks ----

/// `(runbook id, the step holding the assessment questions, the reporting step)`.
const BUILTIN_LAYOUT: [(&str, &str, &str); 2] = [
    ("ecommerce-breach", "assess", "report"),
    ("woocommerce", "isolate", "legal-obligations"),
];

const DEFAULT_IDS: [&str; 12] = [
    "gdpr-authority",
    "gdpr-data-subjects",
    "uk-ico",
    "visa",
    "mastercard",
    "california-consumers",
    "california-ag",
    "texas-individuals",
    "texas-ag",
    "nis2-early-warning",
    "nis2-notification",
    "nis2-final-report",
];

/// Defaults whose facts are marked S (secondary sources) or mixed in the reference.
const UNVERIFIED: [&str; 4] = ["visa", "mastercard", "california-ag", "texas-ag"];

#[test]
fn both_built_in_runbooks_validate_and_carry_the_default_deadlines() {
    for (id, _, _) in BUILTIN_LAYOUT {
        let text = crate::runbook::builtin::get(id).expect("built-in exists");
        let rb = crate::runbook::parse_text(text, id).unwrap_or_else(|problems| {
            panic!(
                "{id}: {}",
                problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        let ids: Vec<&str> = rb.deadlines.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, DEFAULT_IDS, "{id}");
        for d in &rb.deadlines {
            assert!(
                !d.authority.is_empty() && !d.citation.is_empty(),
                "{id}/{}",
                d.id
            );
            assert!(
                d.when.is_some(),
                "{id}/{}: every default is conditional",
                d.id
            );
            assert!(!d.satisfied_by.is_empty(), "{id}/{}", d.id);
            let unverified = UNVERIFIED.contains(&d.id.as_str());
            assert_eq!(d.verified, !unverified, "{id}/{}", d.id);
            if unverified {
                let note = d.note.as_deref().unwrap_or_default();
                assert!(
                    note.contains("verify it for your jurisdiction"),
                    "{id}/{}",
                    d.id
                );
            }
        }
    }
}

/// An EU card-data breach on a built-in runbook: aware Monday 10:00, detected 09:00.
fn eu_card_breach(id: &str, q: &str, extra: Vec<(DateTime<Utc>, Payload)>) -> Incident {
    let text = crate::runbook::builtin::get(id).expect("built-in exists");
    let mut payloads = vec![
        (
            mon(10, 1),
            answer(
                &format!("{q}/data_types"),
                AnswerValue::List(vec!["payment_cards".into(), "contact_details".into()]),
            ),
        ),
        (
            mon(10, 2),
            answer(&format!("{q}/personal_data"), AnswerValue::Bool(true)),
        ),
        (
            mon(10, 3),
            answer(
                &format!("{q}/jurisdictions"),
                AnswerValue::List(vec!["eu".into()]),
            ),
        ),
    ];
    payloads.extend(extra);
    incident_with(text, None, payloads)
}

#[test]
fn an_eu_card_breach_runs_the_gdpr_and_card_brand_clocks() {
    for (id, q, _) in BUILTIN_LAYOUT {
        let inc = eu_card_breach(id, q, vec![]);
        let statuses = evaluate(&inc, mon(80, 0));
        let state = |d: &str| get(&statuses, d).state;
        assert_eq!(
            state("gdpr-authority"),
            DeadlineState::DueSoon,
            "{id}: 70 h after awareness"
        );
        assert_eq!(get(&statuses, "gdpr-authority").remaining, Some(hours(2)));
        assert_eq!(state("mastercard"), DeadlineState::Overdue, "{id}");
        assert_eq!(get(&statuses, "mastercard").overdue_by, Some(hours(47)));
        assert_eq!(
            state("visa"),
            DeadlineState::DueSoon,
            "{id}: due Thursday 09:00"
        );
        assert_eq!(get(&statuses, "visa").remaining, Some(hours(1)));
        assert_eq!(get(&statuses, "visa").due_at, Some(at(2026, 11, 26, 9, 0)));
        for off in [
            "gdpr-data-subjects",
            "uk-ico",
            "california-consumers",
            "california-ag",
            "texas-individuals",
            "texas-ag",
            "nis2-early-warning",
            "nis2-notification",
            "nis2-final-report",
        ] {
            assert_eq!(state(off), DeadlineState::NotApplicable, "{id}/{off}");
        }
        let later = evaluate(&inc, mon(83, 0));
        assert_eq!(
            get(&later, "gdpr-authority").state,
            DeadlineState::Overdue,
            "{id}"
        );
        assert_eq!(get(&later, "gdpr-authority").overdue_by, Some(hours(1)));
    }
}

#[test]
fn the_built_in_clocks_are_met_by_their_notices_and_items() {
    for (id, q, report) in BUILTIN_LAYOUT {
        let inc = eu_card_breach(
            id,
            q,
            vec![
                (mon(12, 0), notice("acquirer-notice", mon(11, 30))),
                (
                    mon(40, 0),
                    check(&format!("{report}/authority_notified"), true),
                ),
            ],
        );
        let statuses = evaluate(&inc, mon(41, 0));
        for (d, met_at) in [
            ("mastercard", mon(11, 30)),
            ("visa", mon(11, 30)),
            ("gdpr-authority", mon(40, 0)),
        ] {
            let s = get(&statuses, d);
            assert_eq!(
                (s.state, s.met_at),
                (DeadlineState::Met, Some(met_at)),
                "{id}/{d}"
            );
            assert_eq!(s.met_timing, Some(MetTiming::Early), "{id}/{d}");
        }
    }
}

#[test]
fn the_built_in_us_and_nis2_clocks_follow_their_answers_and_chains() {
    for (id, q, report) in BUILTIN_LAYOUT {
        let text = crate::runbook::builtin::get(id).expect("built-in exists");
        let a = |name: &str, v: AnswerValue| answer(&format!("{q}/{name}"), v);
        let inc = incident_with(
            text,
            None,
            vec![
                (mon(11, 0), a("personal_data", AnswerValue::Bool(true))),
                (
                    mon(11, 1),
                    a(
                        "jurisdictions",
                        AnswerValue::List(vec!["us_ca".into(), "us_tx".into()]),
                    ),
                ),
                (mon(11, 2), a("ca_residents", AnswerValue::Number(501.0))),
                (mon(11, 3), a("tx_residents", AnswerValue::Number(250.0))),
                (mon(11, 4), a("nis2_scope", AnswerValue::Bool(true))),
                (
                    mon(30, 0),
                    check(&format!("{report}/nis2_notification"), true),
                ),
                (mon(50, 0), notice("customer-notice", mon(49, 0))),
            ],
        );
        let statuses = evaluate(&inc, mon(60, 0));
        let due = |d: &str| get(&statuses, d).due_at;
        assert_eq!(
            due("california-consumers"),
            Some(at(2026, 12, 23, 9, 0)),
            "{id}"
        );
        assert_eq!(
            get(&statuses, "california-consumers").state,
            DeadlineState::Met
        );
        assert_eq!(
            due("california-ag"),
            Some(at(2026, 12, 10, 1, 0)),
            "{id}: notice + 15 days"
        );
        assert_eq!(get(&statuses, "california-ag").state, DeadlineState::Open);
        // No determination time yet: the AG clock waits, while the customer notice
        // already meets the one for individuals.
        assert_eq!(
            get(&statuses, "texas-ag").state,
            DeadlineState::Waiting,
            "{id}"
        );
        assert_eq!(get(&statuses, "texas-ag").due_at, None);
        let tx = get(&statuses, "texas-individuals");
        assert_eq!(
            (tx.state, tx.met_at, tx.met_timing),
            (DeadlineState::Met, Some(mon(49, 0)), None)
        );
        assert_eq!(
            get(&statuses, "nis2-early-warning").state,
            DeadlineState::Overdue,
            "{id}"
        );
        assert_eq!(
            get(&statuses, "nis2-notification").state,
            DeadlineState::Met,
            "{id}"
        );
        assert_eq!(
            due("nis2-final-report"),
            Some(at(2026, 12, 24, 6, 0)),
            "{id}"
        );

        // Once the determination time is answered, both Texas clocks run from it.
        let inc = incident_with(
            text,
            None,
            vec![
                (mon(11, 0), a("personal_data", AnswerValue::Bool(true))),
                (
                    mon(11, 1),
                    a("jurisdictions", AnswerValue::List(vec!["us_tx".into()])),
                ),
                (mon(11, 3), a("tx_residents", AnswerValue::Number(249.0))),
                (
                    mon(12, 0),
                    a(
                        "determined_at",
                        AnswerValue::Text("2026-11-24T08:00:00Z".into()),
                    ),
                ),
            ],
        );
        let statuses = evaluate(&inc, mon(60, 0));
        assert_eq!(
            get(&statuses, "texas-individuals").due_at,
            Some(at(2027, 1, 23, 8, 0)),
            "{id}"
        );
        assert_eq!(
            get(&statuses, "texas-ag").state,
            DeadlineState::NotApplicable,
            "{id}: 249 < 250"
        );
    }
}
