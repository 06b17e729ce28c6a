//! The deadline clock: evaluates every legal or contractual deadline of the pinned runbook
//! against the folded incident at a given instant. Pure: no I/O and no clock (`now` is a
//! parameter), so the same incident and instant always give the same answer.
//!
//! The rules (anchors, duration kinds, business days, months, the due-soon thresholds,
//! chaining and `asap`) are documented for users in `docs/deadlines.md`; keep the two in step.
//!
//! Everything a renderer needs (status table, `--json`, export report, the walk's "deadlines
//! that depend on this step") is in [`DeadlineStatus`], so no caller recomputes anything.

use std::collections::BTreeSet;
use std::ops::Bound;

use chrono::{
    DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::Serialize;

use super::{AnswerValue, Incident, Stamp, StepStatus};
use crate::runbook::condition::applies;
use crate::runbook::{Anchor, Deadline, Event, EventRef, IntakeAnchor, QuestionKind, Within};

mod outcome;
pub use outcome::Outcome;

/// A deadline is due soon when less than this much time is left...
pub const DUE_SOON_HOURS: i64 = 24;
/// ...or when less than this percentage of its window is left.
pub const DUE_SOON_PERCENT: i64 = 20;

/// Where a deadline stands at the evaluated instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    /// Running, with more than the due-soon margin left (or an `asap` deadline not yet met).
    Open,
    /// Running, with less than 24 hours or less than 20 % of the window left.
    DueSoon,
    /// Past its due time and not met.
    Overdue,
    /// One of its `satisfied_by` events has been recorded.
    Met,
    /// Its `when` condition does not hold for the current answers.
    NotApplicable,
    /// The instant its clock starts from is not known yet.
    Waiting,
}

impl DeadlineState {
    /// The name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineState::Open => "open",
            DeadlineState::DueSoon => "due_soon",
            DeadlineState::Overdue => "overdue",
            DeadlineState::Met => "met",
            DeadlineState::NotApplicable => "not_applicable",
            DeadlineState::Waiting => "waiting",
        }
    }

    /// Whether the clock is running and needs attention (open, due soon or overdue).
    pub fn is_running(self) -> bool {
        matches!(
            self,
            DeadlineState::Open | DeadlineState::DueSoon | DeadlineState::Overdue
        )
    }
}

/// Whether a met deadline was met in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetTiming {
    /// At or before the due time.
    Early,
    /// After the due time.
    Late,
}

/// The start of a deadline's clock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnchorInfo {
    /// What starts the clock, e.g. `aware` or `notice customer-notice sent`.
    pub description: String,
    /// When it started, if known.
    #[serde(with = "crate::journal::record::utc_opt")]
    pub at: Option<DateTime<Utc>>,
    /// The record that set it (the `opened` record for intake times), if known.
    pub record: Option<Stamp>,
}

/// The record that met a deadline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetBy {
    /// The `satisfied_by` entry that matched, e.g. `{notice: authority-notice}`.
    pub event: EventRef,
    /// The same, for people: `notice authority-notice sent`.
    pub description: String,
    /// Who recorded it, when, and its sequence number. For a notice, `met_at` is its
    /// `sent_at`, which may be earlier than the record.
    pub record: Stamp,
}

/// How a step feeds a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkRole {
    /// An answer of the step decides whether the deadline applies.
    Condition,
    /// The step's item, answer or completion starts the clock.
    Anchor,
    /// The step's item, answer or completion meets the deadline.
    SatisfiedBy,
}

/// A step a deadline depends on, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepLink {
    /// The step id.
    pub step: String,
    pub role: LinkRole,
    /// What of the step: `STEP/ITEM`, `STEP/QUESTION` or `STEP`.
    pub via: String,
}

/// One deadline evaluated at an instant: everything needed to show or export it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadlineStatus {
    pub id: String,
    pub title: String,
    pub authority: String,
    pub citation: String,
    pub note: Option<String>,
    /// False when the runbook says to verify this default for your jurisdiction.
    pub verified: bool,
    /// No fixed deadline: `elapsed` counts up instead of `remaining` counting down.
    pub asap: bool,
    /// The duration as text, e.g. `72 hours` (absent for `asap`).
    pub within: Option<String>,
    /// The IANA time zone whose calendar counts its days, e.g. `Europe/London` (`UTC` when
    /// the runbook names none).
    pub zone: String,
    /// When the clock starts.
    pub anchor: AnchorInfo,
    /// The steps whose records decide, start or meet this deadline.
    pub steps: Vec<StepLink>,
    pub state: DeadlineState,
    /// When it is due (known once the anchor is known; never for `asap`).
    #[serde(with = "crate::journal::record::utc_opt")]
    pub due_at: Option<DateTime<Utc>>,
    /// From the anchor to `due_at`.
    #[serde(rename = "window_secs", with = "secs_opt")]
    pub window: Option<TimeDelta>,
    /// Time left (open and due soon).
    #[serde(rename = "remaining_secs", with = "secs_opt")]
    pub remaining: Option<TimeDelta>,
    /// How late it is (overdue).
    #[serde(rename = "overdue_by_secs", with = "secs_opt")]
    pub overdue_by: Option<TimeDelta>,
    /// `asap` only: time from the anchor to now (open) or to `met_at` (met), never negative.
    #[serde(rename = "elapsed_secs", with = "secs_opt")]
    pub elapsed: Option<TimeDelta>,
    /// When it was met (the earliest of the `satisfied_by` events recorded).
    #[serde(with = "crate::journal::record::utc_opt")]
    pub met_at: Option<DateTime<Utc>>,
    /// The record that met it.
    pub met_by: Option<MetBy>,
    /// Early or late, when met and the due time is known.
    pub met_timing: Option<MetTiming>,
    /// Met at an instant before its clock started (see `warning`): no timing is given.
    pub met_before_start: bool,
    /// How far before (early) or after (late) `due_at` it was met.
    #[serde(rename = "met_margin_secs", with = "secs_opt")]
    pub met_margin: Option<TimeDelta>,
    /// Something odd about the runbook data that the reader should know (a due time
    /// capped because the duration is absurdly long, a missing duration).
    pub warning: Option<String>,
}

impl DeadlineStatus {
    /// Whether this deadline depends on the step (in any [`LinkRole`]).
    pub fn depends_on_step(&self, step: &str) -> bool {
        self.steps.iter().any(|l| l.step == step)
    }
}

/// Evaluates every deadline of the incident's runbook at `now`, in runbook order.
pub fn evaluate(incident: &Incident, now: DateTime<Utc>) -> Vec<DeadlineStatus> {
    let engine = Engine::new(incident);
    incident
        .runbook
        .deadlines
        .iter()
        .enumerate()
        .map(|(i, d)| engine.status(i, d, now))
        .collect()
}

/// The evaluated deadlines that depend on a step (its answers decide them, or its items,
/// answers or completion start or meet them), in runbook order. For the walk's "deadlines
/// that depend on this step".
pub fn deadlines_for_step<'a>(
    statuses: &'a [DeadlineStatus],
    step: &str,
) -> Vec<&'a DeadlineStatus> {
    statuses
        .iter()
        .filter(|s| s.depends_on_step(step))
        .collect()
}

/// The deadline that most needs attention: the most overdue, else the due-soon or open one
/// due first, else the longest-running `asap` one. `None` when nothing is running.
pub fn most_urgent(statuses: &[DeadlineStatus]) -> Option<&DeadlineStatus> {
    let rank = |s: &DeadlineStatus| match s.state {
        DeadlineState::Overdue => 0,
        DeadlineState::DueSoon => 1,
        DeadlineState::Open if s.due_at.is_some() => 2,
        _ => 3,
    };
    statuses
        .iter()
        .filter(|s| s.state.is_running())
        .min_by(|a, b| {
            rank(a)
                .cmp(&rank(b))
                .then_with(|| match (a.due_at, b.due_at) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    // asap ones: the longest-running first
                    _ => b.elapsed.cmp(&a.elapsed),
                })
        })
}

/// The steps a deadline reads: the answers in its `when`, and the items, answers and steps
/// in its `from` and `satisfied_by`. Notices and other deadlines belong to no step.
pub fn step_links(deadline: &Deadline) -> Vec<StepLink> {
    let mut links: Vec<StepLink> = Vec::new();
    let mut push = |role: LinkRole, via: &str| {
        let step = via.split_once('/').map_or(via, |(s, _)| s);
        let link = StepLink {
            step: step.to_string(),
            role,
            via: via.to_string(),
        };
        if !links.contains(&link) {
            links.push(link);
        }
    };
    if let Some(when) = &deadline.when {
        for r in when.answers_referenced() {
            push(LinkRole::Condition, r);
        }
    }
    let step_part = |e: &EventRef| match e.event() {
        Some(Event::Item(p) | Event::Answer(p) | Event::Step(p)) => Some(p.to_string()),
        _ => None,
    };
    for e in deadline.from.events() {
        if let Some(p) = step_part(e) {
            push(LinkRole::Anchor, &p);
        }
    }
    for e in &deadline.satisfied_by {
        if let Some(p) = step_part(e) {
            push(LinkRole::SatisfiedBy, &p);
        }
    }
    links
}

/// When a clock started at `anchor` with this duration is due, counted in UTC; see
/// [`due_at_in`].
pub fn due_at(
    anchor: DateTime<Utc>,
    within: &Within,
    holidays: &[NaiveDate],
) -> Option<DateTime<Utc>> {
    due_at_in(anchor, within, holidays, Tz::UTC)
}

/// When a clock started at `anchor` with this duration is due, with days counted on the
/// calendar of time zone `zone` (the jurisdiction's):
///
/// - `hours`: `anchor + N × 1 h` (the zone plays no part);
/// - `days` (calendar days): the same local time of day N dates after the anchor's local
///   date (`anchor + N × 24 h` in UTC; across a clock change, an hour more or less);
/// - `business_days`: the same local time of day on the Nth local date after the anchor's
///   that is neither a Saturday, a Sunday nor one of `holidays` (the anchor's own date
///   never counts, whatever day it is; 0 means the anchor itself);
/// - `months`: the same local day of the month and time of day N months later, or the last
///   day of that month when it is shorter (31 January + 1 month = 28 or 29 February).
///
/// A local time that does not exist on the due date (skipped by a clock change) moves on
/// by the gap; one that occurs twice is the earlier. `None` when the result falls outside
/// the calendar range (absurdly large numbers) or the duration sets no field. With several
/// fields set (which validation rejects) the first of hours, days, business days, months is
/// used.
pub fn due_at_in(
    anchor: DateTime<Utc>,
    within: &Within,
    holidays: &[NaiveDate],
    zone: Tz,
) -> Option<DateTime<Utc>> {
    if let Some(h) = within.hours {
        return anchor.checked_add_signed(TimeDelta::try_hours(i64::from(h))?);
    }
    let local = anchor.with_timezone(&zone).naive_local();
    let due = if let Some(d) = within.days {
        local.checked_add_days(Days::new(u64::from(d)))?
    } else if let Some(n) = within.business_days {
        let holidays: BTreeSet<NaiveDate> = holidays.iter().copied().collect();
        add_business_days(local.date(), n, &holidays)?.and_time(local.time())
    } else if let Some(m) = within.months {
        local.checked_add_months(Months::new(m))?
    } else {
        return None;
    };
    from_local(zone, due)
}

/// The instant of a local time in `zone`: the earlier of two, or past a gap.
fn from_local(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    // Clock changes move by at most a few hours; step past a gap an hour at a time.
    for shift in 0..4 {
        let t = local.checked_add_signed(TimeDelta::hours(shift))?;
        if let Some(at) = zone.from_local_datetime(&t).earliest() {
            return Some(at.with_timezone(&Utc));
        }
    }
    None
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The `n`th Monday-to-Friday date after `date` (`date` itself for 0).
fn nth_weekday_after(date: NaiveDate, n: u64) -> Option<NaiveDate> {
    if n == 0 {
        return Some(date);
    }
    // Any seven consecutive days hold exactly five weekdays, so whole weeks are skipped at
    // once; the last one to five weekdays are walked so the result is always a weekday.
    let (weeks, rest) = match (n / 5, n % 5) {
        (w, 0) => (w - 1, 5),
        (w, r) => (w, r),
    };
    let mut d = date.checked_add_days(Days::new(weeks.checked_mul(7)?))?;
    let mut left = rest;
    while left > 0 {
        d = d.succ_opt()?;
        if !is_weekend(d) {
            left -= 1;
        }
    }
    Some(d)
}

/// Weekday holidays in `(after, upto]`.
fn weekday_holidays(holidays: &BTreeSet<NaiveDate>, after: NaiveDate, upto: NaiveDate) -> u64 {
    if upto <= after {
        return 0;
    }
    holidays
        .range((Bound::Excluded(after), Bound::Included(upto)))
        .filter(|d| !is_weekend(**d))
        .count() as u64
}

/// The `n`th business day after `date`: weekdays that are not holidays.
fn add_business_days(date: NaiveDate, n: u32, holidays: &BTreeSet<NaiveDate>) -> Option<NaiveDate> {
    let mut end = nth_weekday_after(date, u64::from(n))?;
    let mut owed = weekday_holidays(holidays, date, end);
    // Every holiday passed over pushes the end out by one more weekday, which may pass
    // over further holidays; each holiday is counted once, so this ends.
    while owed > 0 {
        let next = nth_weekday_after(end, owed)?;
        owed = weekday_holidays(holidays, end, next);
        end = next;
    }
    Some(end)
}

/// An event that happened: when, and the record that says so.
#[derive(Debug, Clone)]
struct Occurrence {
    at: DateTime<Utc>,
    record: Stamp,
}

/// Resolves events against the incident. When each deadline was met is worked out once,
/// up front, so chains of `{deadline: ID}` references cost nothing and cannot recurse.
struct Engine<'a> {
    incident: &'a Incident,
    /// Per runbook deadline (same order): the event that met it, if any.
    met: Vec<Option<(Occurrence, EventRef)>>,
}

impl<'a> Engine<'a> {
    fn new(incident: &'a Incident) -> Self {
        let deadlines = &incident.runbook.deadlines;
        let mut engine = Engine {
            incident,
            met: vec![None; deadlines.len()],
        };
        // A deadline that does not apply is never met, so nothing chained on it starts.
        let applicable: Vec<bool> = deadlines
            .iter()
            .map(|d| applies(d.when.as_ref(), incident))
            .collect();
        // First the events recorded directly, then `{deadline: ID}` references relaxed
        // until nothing changes. Met times only ever move earlier, so this settles within
        // one round per deadline, loops in a hand-written runbook included.
        for (i, d) in deadlines.iter().enumerate() {
            if applicable[i] {
                engine.met[i] = engine.earliest(d, false);
            }
        }
        for _ in 0..deadlines.len() {
            let mut changed = false;
            for (i, d) in deadlines.iter().enumerate() {
                if !applicable[i] {
                    continue;
                }
                if let Some((occ, e)) = engine.earliest(d, true)
                    && engine.met[i].as_ref().is_none_or(|(b, _)| occ.at < b.at)
                {
                    engine.met[i] = Some((occ, e));
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        engine
    }

    /// The earliest of a deadline's `satisfied_by` events recorded (ties: the first
    /// listed), looking only at `{deadline: ID}` entries or only at the others.
    fn earliest(&self, d: &Deadline, chained: bool) -> Option<(Occurrence, EventRef)> {
        let mut best: Option<(Occurrence, EventRef)> = None;
        for e in &d.satisfied_by {
            if matches!(e.event(), Some(Event::Deadline(_))) != chained {
                continue;
            }
            if let Some(occ) = self.event(e)
                && best.as_ref().is_none_or(|(b, _)| occ.at < b.at)
            {
                best = Some((occ, e.clone()));
            }
        }
        best
    }

    fn status(&self, index: usize, d: &Deadline, now: DateTime<Utc>) -> DeadlineStatus {
        let inc = self.incident;
        let applicable = applies(d.when.as_ref(), inc);
        let (anchor, anchor_at) = self.anchor(&d.from);
        let met = self.met.get(index).cloned().flatten();

        let within = (!d.asap).then_some(d.within).flatten();
        let mut warning = None;
        if !d.asap && within.is_none_or(|w| w.fields_set() == 0) {
            warning = Some("the deadline has no duration; it is shown as `asap`".to_string());
        }
        let timed = within.filter(|w| w.fields_set() > 0);
        // A deadline's own holidays replace the runbook's; an unknown zone (validation
        // refuses it) counts in UTC.
        let holidays = if d.holidays.is_empty() {
            &inc.runbook.holidays
        } else {
            &d.holidays
        };
        let zone = d
            .zone
            .as_deref()
            .and_then(|z| z.parse::<Tz>().ok())
            .unwrap_or(Tz::UTC);
        let due = match (timed, anchor_at) {
            (Some(w), Some(a)) => match due_at_in(a, &w, holidays, zone) {
                Some(t) => Some(t),
                None => {
                    warning = Some(format!(
                        "{w} after {} is beyond the supported calendar; the due time is capped",
                        crate::types::format_utc(a)
                    ));
                    Some(DateTime::<Utc>::MAX_UTC)
                }
            },
            _ => None,
        };

        let mut s = DeadlineStatus {
            id: d.id.clone(),
            title: d.title.clone(),
            authority: d.authority.clone(),
            citation: d.citation.clone(),
            note: d.note.clone(),
            verified: d.verified,
            asap: timed.is_none(),
            within: timed.map(|w| w.to_string()),
            zone: zone.name().to_string(),
            anchor,
            steps: step_links(d),
            state: DeadlineState::Waiting,
            due_at: due,
            window: due.zip(anchor_at).map(|(t, a)| t - a),
            remaining: None,
            overdue_by: None,
            elapsed: None,
            met_at: None,
            met_by: None,
            met_timing: None,
            met_before_start: false,
            met_margin: None,
            warning,
        };

        if !applicable {
            s.state = DeadlineState::NotApplicable;
            return s;
        }
        if let Some((occ, event)) = met {
            s.state = DeadlineState::Met;
            s.met_at = Some(occ.at);
            s.met_by = Some(MetBy {
                description: event.to_string(),
                event,
                record: occ.record,
            });
            if let Some(start) = anchor_at
                && occ.at < start
            {
                // Met before its clock started: most likely a mistyped date (or the notice
                // went out before the event that starts this clock). Not "early" by more
                // than the whole window: flagged, so someone checks the dates.
                s.met_before_start = true;
                s.warning = Some(format!(
                    "met at {}, before its clock started at {}; check the dates",
                    crate::types::format_utc(occ.at),
                    crate::types::format_utc(start)
                ));
                return s;
            }
            if let Some(due) = due {
                let early = occ.at <= due;
                s.met_timing = Some(if early {
                    MetTiming::Early
                } else {
                    MetTiming::Late
                });
                s.met_margin = Some(if early { due - occ.at } else { occ.at - due });
            } else if s.asap {
                s.elapsed = anchor_at.map(|a| (occ.at - a).max(TimeDelta::zero()));
            }
            return s;
        }
        let Some(anchor_at) = anchor_at else {
            s.state = DeadlineState::Waiting;
            return s;
        };
        let Some(due) = due else {
            s.state = DeadlineState::Open;
            s.elapsed = Some((now - anchor_at).max(TimeDelta::zero()));
            return s;
        };
        if now > due {
            s.state = DeadlineState::Overdue;
            s.overdue_by = Some(now - due);
            return s;
        }
        let remaining = due - now;
        let window = due - anchor_at;
        // remaining < 20 % of window, in whole seconds to stay exact: 100 r < 20 w.
        let small_share = i128::from(remaining.num_seconds()) * 100
            < i128::from(window.num_seconds()) * i128::from(DUE_SOON_PERCENT);
        s.state = if remaining < TimeDelta::hours(DUE_SOON_HOURS) || small_share {
            DeadlineState::DueSoon
        } else {
            DeadlineState::Open
        };
        s.remaining = Some(remaining);
        s
    }

    /// The anchor's description and instant, when known.
    fn anchor(&self, from: &Anchor) -> (AnchorInfo, Option<DateTime<Utc>>) {
        let inc = self.incident;
        let (description, occ) = match from {
            Anchor::Intake(a) => {
                let at = match a {
                    IntakeAnchor::Detected => Some(inc.detected_at),
                    IntakeAnchor::Aware => Some(inc.aware_at),
                    IntakeAnchor::Determined => inc.determined_at,
                    IntakeAnchor::Opened => Some(inc.opened.at),
                };
                let occ = at.map(|at| Occurrence {
                    at,
                    record: inc
                        .intake_set_by
                        .get(a.as_str())
                        .unwrap_or(&inc.opened)
                        .clone(),
                });
                (a.as_str().to_string(), occ)
            }
            Anchor::Event(e) => (e.to_string(), self.event(e)),
            Anchor::First(list) => {
                // The first one known counts; while none is, the description names them all.
                let mut names = Vec::new();
                let mut found = None;
                for a in list {
                    let (info, at) = self.anchor(a);
                    if at.is_some() {
                        found = Some(info);
                        break;
                    }
                    names.push(info.description);
                }
                match found {
                    Some(info) => {
                        let at = info.at;
                        return (info, at);
                    }
                    None => (names.join(", else "), None),
                }
            }
        };
        let at = occ.as_ref().map(|o| o.at);
        (
            AnchorInfo {
                description,
                at,
                record: occ.map(|o| o.record),
            },
            at,
        )
    }

    /// When an event happened, if it has.
    fn event(&self, e: &EventRef) -> Option<Occurrence> {
        let inc = self.incident;
        match e.event()? {
            Event::Item(path) => {
                let (step, item) = path.split_once('/')?;
                let state = inc.step(step)?.item(item)?;
                if !state.checked {
                    return None;
                }
                state.last.as_ref().map(|st| Occurrence {
                    at: st.at,
                    record: st.clone(),
                })
            }
            Event::Answer(path) => {
                let (step, q) = path.split_once('/')?;
                let answer = inc.step(step)?.answers.get(q)?;
                let is_datetime = inc
                    .runbook
                    .question(path)
                    .is_some_and(|(_, q)| q.kind == QuestionKind::Datetime);
                let value_time = match (&answer.value, is_datetime) {
                    (AnswerValue::Text(text), true) => DateTime::parse_from_rfc3339(text)
                        .ok()
                        .map(|t| t.with_timezone(&Utc)),
                    _ => None,
                };
                Some(Occurrence {
                    at: value_time.unwrap_or(answer.stamp.at),
                    record: answer.stamp.clone(),
                })
            }
            Event::Step(step) => {
                let state = inc.step(step)?;
                if state.status != StepStatus::Done {
                    return None;
                }
                state.finished.as_ref().map(|st| Occurrence {
                    at: st.at,
                    record: st.clone(),
                })
            }
            Event::Notice(template) => inc
                .notices
                .iter()
                .filter(|n| n.notice.template == template)
                // The earliest sending counts, even if it was recorded after a later one.
                .min_by_key(|n| (n.notice.sent_at, n.stamp.seq))
                .map(|n| Occurrence {
                    at: n.notice.sent_at,
                    record: n.stamp.clone(),
                }),
            Event::Deadline(id) => {
                let index = inc.runbook.deadlines.iter().position(|d| d.id == id)?;
                self.met.get(index)?.as_ref().map(|(occ, _)| occ.clone())
            }
        }
    }
}

/// Serde for an optional duration as whole seconds.
mod secs_opt {
    use chrono::TimeDelta;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(d: &Option<TimeDelta>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_i64(d.num_seconds()),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests;
