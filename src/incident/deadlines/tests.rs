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
        at: None,
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
            at: None,
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

// The built-in runbooks' regimes are tested in `regimes`.
mod regimes;

const DEPENDENT: &str = r#"
breach_runbook: 1
id: test
title: Test runbook
steps:
  - id: assess
    title: Assess
    owner: commander
    guidance: Look.
    questions:
      - {id: personal_data, prompt: Personal data?, kind: confirm}
      - id: places
        prompt: Where?
        kind: multiselect
        options: [{id: tx, label: Texas}, {id: eu, label: EU}]
      - id: high_risk
        prompt: High risk?
        kind: confirm
        when: {answer: assess/personal_data, equals: true}
      - id: tx_residents
        prompt: How many in Texas?
        kind: number
        when: {answer: assess/places, contains: tx}
deadlines:
  - id: subjects
    title: Tell the people
    authority: Data subjects
    citation: Art. 34
    from: aware
    asap: true
    when: {all: [{answer: assess/places, contains: eu}, {answer: assess/high_risk, equals: true}]}
  - id: tx-ag
    title: Tell the Texas AG
    authority: Texas AG
    citation: Sec. 521.053
    from: detected
    within: {days: 30}
    when: {answer: assess/tx_residents, at_least: 250}
"#;

#[test]
fn answers_to_questions_no_longer_asked_stop_counting() {
    let base = vec![
        (
            mon(10, 1),
            answer("assess/personal_data", AnswerValue::Bool(true)),
        ),
        (
            mon(10, 2),
            answer(
                "assess/places",
                AnswerValue::List(vec!["tx".into(), "eu".into()]),
            ),
        ),
        (
            mon(10, 3),
            answer("assess/high_risk", AnswerValue::Bool(true)),
        ),
        (
            mon(10, 4),
            answer("assess/tx_residents", AnswerValue::Number(300.0)),
        ),
    ];
    let state = |inc: &Incident, id: &str| get(&evaluate(inc, mon(12, 0)), id).state;
    let inc = incident_with(DEPENDENT, None, base.clone());
    assert_eq!(state(&inc, "subjects"), DeadlineState::Open);
    assert_eq!(state(&inc, "tx-ag"), DeadlineState::Open);

    // "No personal data" after the fact: the high-risk answer is no longer asked.
    let mut no_personal = base.clone();
    no_personal.push((
        mon(11, 0),
        answer("assess/personal_data", AnswerValue::Bool(false)),
    ));
    let inc = incident_with(DEPENDENT, None, no_personal.clone());
    assert_eq!(state(&inc, "subjects"), DeadlineState::NotApplicable);
    assert_eq!(state(&inc, "tx-ag"), DeadlineState::Open);

    // Texas removed from the places: its residents' count stops counting.
    let mut no_texas = base.clone();
    no_texas.push((
        mon(11, 0),
        answer("assess/places", AnswerValue::List(vec!["eu".into()])),
    ));
    let inc = incident_with(DEPENDENT, None, no_texas.clone());
    assert_eq!(state(&inc, "tx-ag"), DeadlineState::NotApplicable);
    assert_eq!(state(&inc, "subjects"), DeadlineState::Open);

    // Put back, the recorded answers count again: nothing was latched either way.
    no_personal.push((
        mon(11, 5),
        answer("assess/personal_data", AnswerValue::Bool(true)),
    ));
    let inc = incident_with(DEPENDENT, None, no_personal);
    assert_eq!(state(&inc, "subjects"), DeadlineState::Open);
    no_texas.push((
        mon(11, 5),
        answer("assess/places", AnswerValue::List(vec!["tx".into()])),
    ));
    let inc = incident_with(DEPENDENT, None, no_texas);
    assert_eq!(state(&inc, "tx-ag"), DeadlineState::Open);
    assert_eq!(state(&inc, "subjects"), DeadlineState::NotApplicable);
}

#[test]
fn a_question_that_sets_the_determination_agrees_with_the_intake_the_latest_counting() {
    let rb = RUNBOOK.replace(
        "{id: determined_at, prompt: When determined?, kind: datetime}",
        "{id: determined_at, prompt: When determined?, kind: datetime, sets: determined}",
    );
    assert_ne!(rb, RUNBOOK);
    let det = |s: &[DeadlineStatus]| {
        let d = get(s, "determined");
        (
            d.anchor.at,
            d.due_at,
            d.anchor.record.as_ref().map(|r| r.seq),
        )
    };
    // Only the intake value (`start --determined-at`): the clock runs from it.
    let inc = incident_with(&rb, Some(mon(9, 30)), vec![]);
    assert_eq!(
        det(&evaluate(&inc, mon(12, 0))),
        (
            Some(mon(9, 30)),
            Some(mon(9, 30) + TimeDelta::days(60)),
            Some(0)
        )
    );
    // Only the answer: the intake `determined` takes it.
    let answered = vec![(
        mon(11, 0),
        answer(
            "assess/determined_at",
            AnswerValue::Text("2026-11-23T10:30:00Z".into()),
        ),
    )];
    let inc = incident_with(&rb, None, answered.clone());
    assert_eq!(inc.determined_at, Some(mon(10, 30)));
    assert_eq!(
        det(&evaluate(&inc, mon(12, 0))),
        (
            Some(mon(10, 30)),
            Some(mon(10, 30) + TimeDelta::days(60)),
            Some(1)
        )
    );
    // Both: the later record (the answer) corrects the intake value.
    let inc = incident_with(&rb, Some(mon(9, 30)), answered);
    assert_eq!(det(&evaluate(&inc, mon(12, 0))).0, Some(mon(10, 30)));
    // Without `sets`, the answer leaves the intake anchor alone.
    let inc = incident_with(
        RUNBOOK,
        None,
        vec![(
            mon(11, 0),
            answer(
                "assess/determined_at",
                AnswerValue::Text("2026-11-23T10:30:00Z".into()),
            ),
        )],
    );
    assert_eq!(
        get(&evaluate(&inc, mon(12, 0)), "determined").state,
        DeadlineState::Waiting
    );
}

#[test]
fn days_are_counted_on_the_calendar_of_the_deadline_zone() {
    let ny: Tz = "America/New_York".parse().expect("zone");
    let thanksgiving = [date(2026, 11, 26)];
    // Wednesday 23:30 in New York is already Thursday 04:30 in UTC.
    let anchor = at(2026, 11, 26, 4, 30);
    let four = within("{business_days: 4}");
    assert_eq!(
        due_at_in(anchor, &four, &thanksgiving, ny),
        Some(at(2026, 12, 3, 4, 30)),
        "Thu (holiday), Fri, Mon, Tue, Wed in New York: Wednesday 23:30 local"
    );
    assert_eq!(
        due_at(anchor, &four, &thanksgiving),
        Some(at(2026, 12, 2, 4, 30)),
        "counted on UTC dates it would be a day earlier"
    );
    // Calendar days keep the local time of day across the end of summer time.
    let london: Tz = "Europe/London".parse().expect("zone");
    assert_eq!(
        due_at_in(at(2026, 10, 20, 11, 0), &within("{days: 30}"), &[], london),
        Some(at(2026, 11, 19, 12, 0)),
        "noon BST + 30 days = noon GMT"
    );
    assert_eq!(
        due_at_in(
            at(2026, 10, 20, 11, 0),
            &within("{hours: 720}"),
            &[],
            london
        ),
        Some(at(2026, 11, 19, 11, 0)),
        "hours ignore the zone"
    );
    // A local time skipped by the clock change moves past the gap.
    assert_eq!(
        due_at_in(at(2027, 3, 27, 1, 30), &within("{days: 1}"), &[], london),
        Some(at(2027, 3, 28, 1, 30)),
        "01:30 on 28 March 2027 does not exist in London: moved on by the hour, 02:30 BST"
    );
}

#[test]
fn a_deadline_carries_its_zone_and_its_own_holidays() {
    let rb = RUNBOOK.replace(
        "  - id: determined\n",
        "  - id: local\n    title: Local\n    authority: A\n    citation: C\n    from: detected\n    within: {business_days: 1}\n    zone: Asia/Tokyo\n    holidays: [2026-11-24]\n  - id: determined\n",
    );
    let inc = incident_with(&rb, None, vec![]);
    let statuses = evaluate(&inc, mon(10, 0));
    let local = get(&statuses, "local");
    assert_eq!(local.zone, "Asia/Tokyo");
    // Detected Monday 09:00 UTC = 18:00 in Tokyo; Tuesday is its holiday: Wednesday 18:00.
    assert_eq!(local.due_at, Some(at(2026, 11, 25, 9, 0)));
    assert_eq!(get(&statuses, "authority").zone, "UTC");
}

#[test]
fn a_list_of_anchors_starts_from_the_first_known() {
    let rb = RUNBOOK.replace(
        "    from: {answer: assess/determined_at}\n",
        "    from: [{answer: assess/determined_at}, detected]\n",
    );
    assert_ne!(rb, RUNBOOK);
    let inc = incident_with(&rb, None, vec![]);
    let s = evaluate(&inc, mon(10, 0));
    assert_eq!(get(&s, "state").anchor.at, Some(mon(9, 0)));
    assert_eq!(get(&s, "state").anchor.description, "detected");
    let inc = incident_with(
        &rb,
        None,
        vec![(
            mon(11, 0),
            answer(
                "assess/determined_at",
                AnswerValue::Text("2026-11-23T10:30:00Z".into()),
            ),
        )],
    );
    let s = evaluate(&inc, mon(12, 0));
    assert_eq!(get(&s, "state").anchor.at, Some(mon(10, 30)));
    assert_eq!(
        get(&s, "state").anchor.description,
        "answer assess/determined_at"
    );
    assert_eq!(
        step_links(inc.runbook.deadline("state").expect("exists")),
        vec![StepLink {
            step: "assess".into(),
            role: LinkRole::Anchor,
            via: "assess/determined_at".into()
        }]
    );
}

#[test]
fn a_notice_ticks_its_item_and_the_item_meets_and_starts_the_chain() {
    let rb = RUNBOOK.replace(
        "      - {id: authority_notified, text: Authority told}\n",
        "      - {id: authority_notified, text: Authority told, template: authority-notice}\n",
    );
    assert_ne!(rb, RUNBOOK);
    // The notice ticks the item...
    let inc = incident_with(
        &rb,
        None,
        vec![eu(), (mon(20, 0), notice("authority-notice", mon(19, 0)))],
    );
    let item = inc
        .step("report")
        .and_then(|s| s.item("authority_notified"))
        .expect("item");
    assert!(item.checked, "the notice ticks its item");
    assert_eq!(item.last.as_ref().map(|s| s.seq), Some(2));
    assert_eq!(
        inc.step("report").map(|s| s.status),
        Some(StepStatus::InProgress)
    );
    let s = evaluate(&inc, mon(21, 0));
    assert_eq!(
        get(&s, "authority").met_at,
        Some(mon(19, 0)),
        "the notice's own time counts"
    );
    // ...and the item alone meets the deadline and starts the one chained on it.
    let inc = incident_with(
        &rb,
        None,
        vec![eu(), (mon(20, 0), check("report/authority_notified", true))],
    );
    let s = evaluate(&inc, mon(21, 0));
    assert_eq!(get(&s, "authority").state, DeadlineState::Met);
    let fin = get(&s, "final");
    assert_eq!(
        (fin.state, fin.anchor.at),
        (DeadlineState::Open, Some(mon(20, 0)))
    );
    assert_eq!(fin.due_at, Some(at(2026, 12, 23, 20, 0)));
    // Without the link, the notice leaves the item alone.
    let inc = incident_with(
        RUNBOOK,
        None,
        vec![eu(), (mon(20, 0), notice("authority-notice", mon(19, 0)))],
    );
    assert!(
        !inc.step("report")
            .and_then(|s| s.item("authority_notified"))
            .expect("item")
            .checked
    );
}

#[test]
fn a_notice_dated_before_its_clock_started_is_flagged_not_early() {
    // Aware Monday 10:00; the notice says it went out on Sunday (a mistyped date).
    let inc = incident(vec![
        eu(),
        (
            mon(20, 0),
            notice("authority-notice", at(2026, 11, 22, 10, 0)),
        ),
    ]);
    let s = evaluate(&inc, mon(21, 0));
    let a = get(&s, "authority");
    assert_eq!(a.state, DeadlineState::Met);
    assert!(a.met_before_start);
    assert_eq!((a.met_timing, a.met_margin), (None, None));
    assert!(
        a.warning
            .as_deref()
            .is_some_and(|w| w.contains("before its clock started")),
        "{:?}",
        a.warning
    );
    // In time, after the start: no flag.
    let inc = incident(vec![
        eu(),
        (mon(20, 0), notice("authority-notice", mon(19, 0))),
    ]);
    let a = get(&evaluate(&inc, mon(21, 0)), "authority").clone();
    assert!(!a.met_before_start);
    assert_eq!(a.met_timing, Some(MetTiming::Early));
}
