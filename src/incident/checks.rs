//! Plausibility checks of the times that start or bound the legal clocks: a time more than
//! a few minutes in the future, an end before its start, and a detection, awareness,
//! determination or containment time that contradicts the others are refused, with a
//! message saying why. The operator may override them (`--override-check`), and the
//! override is recorded. Pure: `now` is a parameter.
//!
//! The times checked are the ones `breach` knows the meaning of: the intake's detection,
//! awareness and determination times (also when a question with `sets:` records them), and
//! the answers to the `datetime` questions with the ids the built-in runbooks use
//! (`determined_at`, `contained_at`, `access_started`, `access_ended`, in any step). Other
//! `datetime` questions (a planned end of monitoring, say) are not checked.

use chrono::{DateTime, TimeDelta, Utc};

use super::Incident;
use crate::types::{AnswerValue, format_utc};

/// How far in the future a time may be (clocks differ; "now" typed a minute late).
pub const FUTURE_SLACK_MINUTES: i64 = 5;

/// A time fact the checks know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFact {
    Detected,
    Aware,
    Determined,
    Contained,
    AccessStarted,
    AccessEnded,
}

impl TimeFact {
    /// The fact in words, for messages.
    pub fn label(self) -> &'static str {
        match self {
            TimeFact::Detected => "the detection time",
            TimeFact::Aware => "the awareness time",
            TimeFact::Determined => "the time the breach was determined",
            TimeFact::Contained => "the containment time",
            TimeFact::AccessStarted => "the start of the unauthorised access",
            TimeFact::AccessEnded => "the end of the unauthorised access",
        }
    }

    /// The fact a `datetime` question's id stands for, if the checks know it.
    pub fn of_question(id: &str) -> Option<TimeFact> {
        Some(match id {
            "determined_at" => TimeFact::Determined,
            "contained_at" => TimeFact::Contained,
            "access_started" => TimeFact::AccessStarted,
            "access_ended" => TimeFact::AccessEnded,
            _ => return None,
        })
    }

    /// The intake fact `amended` names (`detected`, `aware`, `determined`).
    pub fn of_intake(fact: &str) -> Option<TimeFact> {
        Some(match fact {
            "detected" => TimeFact::Detected,
            "aware" => TimeFact::Aware,
            "determined" => TimeFact::Determined,
            _ => return None,
        })
    }
}

/// The checked times of an incident, each known or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Times {
    pub detected: Option<DateTime<Utc>>,
    pub aware: Option<DateTime<Utc>>,
    pub determined: Option<DateTime<Utc>>,
    pub contained: Option<DateTime<Utc>>,
    pub access_started: Option<DateTime<Utc>>,
    pub access_ended: Option<DateTime<Utc>>,
}

/// A `datetime` answer's instant.
pub fn answer_time(value: &AnswerValue) -> Option<DateTime<Utc>> {
    match value {
        AnswerValue::Text(t) => DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        _ => None,
    }
}

impl Times {
    /// The times as the incident has them now.
    pub fn of(incident: &Incident) -> Times {
        let answered = |id: &str| {
            incident
                .steps
                .iter()
                .find_map(|s| s.answers.get(id))
                .and_then(|a| answer_time(&a.value))
        };
        Times {
            detected: Some(incident.detected_at),
            aware: Some(incident.aware_at),
            determined: incident.determined_at,
            contained: answered("contained_at"),
            access_started: answered("access_started"),
            access_ended: answered("access_ended"),
        }
    }

    fn slot(&mut self, fact: TimeFact) -> &mut Option<DateTime<Utc>> {
        match fact {
            TimeFact::Detected => &mut self.detected,
            TimeFact::Aware => &mut self.aware,
            TimeFact::Determined => &mut self.determined,
            TimeFact::Contained => &mut self.contained,
            TimeFact::AccessStarted => &mut self.access_started,
            TimeFact::AccessEnded => &mut self.access_ended,
        }
    }

    /// The times with `fact` set to `at`.
    pub fn with(mut self, fact: TimeFact, at: DateTime<Utc>) -> Times {
        *self.slot(fact) = Some(at);
        self
    }

    fn get(&self, fact: TimeFact) -> Option<DateTime<Utc>> {
        match fact {
            TimeFact::Detected => self.detected,
            TimeFact::Aware => self.aware,
            TimeFact::Determined => self.determined,
            TimeFact::Contained => self.contained,
            TimeFact::AccessStarted => self.access_started,
            TimeFact::AccessEnded => self.access_ended,
        }
    }
}

/// `(earlier, later, why)`: `later` may not come before `earlier`.
const ORDER: &[(TimeFact, TimeFact, &str)] = &[
    (
        TimeFact::Detected,
        TimeFact::Aware,
        "you cannot learn that personal data was affected before the breach was detected",
    ),
    (
        TimeFact::Detected,
        TimeFact::Determined,
        "a breach is determined to have occurred only once it has been detected",
    ),
    (
        TimeFact::Detected,
        TimeFact::Contained,
        "a breach is contained only once it has been detected",
    ),
    (
        TimeFact::AccessStarted,
        TimeFact::Contained,
        "the breach cannot be contained before the unauthorised access started",
    ),
    (
        TimeFact::AccessStarted,
        TimeFact::AccessEnded,
        "the access cannot end before it started",
    ),
];

/// What is wrong with `changed`, just set in `times`, at `now`: one message per problem,
/// empty when the times are plausible. Problems between facts that were not changed are
/// not reported again (they were recorded, with an override, earlier).
pub fn problems(times: &Times, changed: TimeFact, now: DateTime<Utc>) -> Vec<String> {
    let mut out = Vec::new();
    let Some(at) = times.get(changed) else {
        return out;
    };
    if at > now + TimeDelta::minutes(FUTURE_SLACK_MINUTES) {
        out.push(format!(
            "{} {} is in the future (it is now {}); check the date, the year and the time zone",
            changed.label(),
            format_utc(at),
            format_utc(now)
        ));
    }
    for (earlier, later, why) in ORDER {
        if *earlier != changed && *later != changed {
            continue;
        }
        if let (Some(e), Some(l)) = (times.get(*earlier), times.get(*later))
            && l < e
        {
            out.push(format!(
                "{} {} is before {} {}: {why}",
                later.label(),
                format_utc(l),
                earlier.label(),
                format_utc(e)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        crate::types::parse_time(s).unwrap()
    }

    fn base() -> Times {
        Times {
            detected: Some(t("2026-11-23T08:00:00Z")),
            aware: Some(t("2026-11-23T09:00:00Z")),
            ..Times::default()
        }
    }

    const NOW: &str = "2026-11-23T10:15:00Z";

    #[test]
    fn plausible_times_pass() {
        let times = base()
            .with(TimeFact::AccessStarted, t("2026-11-01T00:00:00Z"))
            .with(TimeFact::AccessEnded, t("2026-11-23T07:00:00Z"))
            .with(TimeFact::Contained, t("2026-11-23T10:00:00Z"));
        for fact in [
            TimeFact::Detected,
            TimeFact::Aware,
            TimeFact::Contained,
            TimeFact::AccessStarted,
            TimeFact::AccessEnded,
        ] {
            assert_eq!(problems(&times, fact, t(NOW)), Vec::<String>::new());
        }
        // A few minutes ahead is clock skew, not a typo.
        let skew = base().with(TimeFact::Aware, t("2026-11-23T10:19:00Z"));
        assert!(problems(&skew, TimeFact::Aware, t(NOW)).is_empty());
    }

    #[test]
    fn a_time_in_the_future_is_refused_saying_why() {
        let times = base().with(TimeFact::Determined, t("2027-01-01T10:00:00Z"));
        assert_eq!(
            problems(&times, TimeFact::Determined, t(NOW)),
            [
                "the time the breach was determined 2027-01-01T10:00:00Z is in the future (it is now 2026-11-23T10:15:00Z); check the date, the year and the time zone"
            ]
        );
    }

    #[test]
    fn contradicting_times_are_refused_saying_why() {
        let early_aware = base().with(TimeFact::Aware, t("2026-11-23T07:00:00Z"));
        assert_eq!(
            problems(&early_aware, TimeFact::Aware, t(NOW)),
            [
                "the awareness time 2026-11-23T07:00:00Z is before the detection time 2026-11-23T08:00:00Z: you cannot learn that personal data was affected before the breach was detected"
            ]
        );
        let late_detection = base().with(TimeFact::Detected, t("2026-11-23T09:30:00Z"));
        assert_eq!(
            problems(&late_detection, TimeFact::Detected, t(NOW)).len(),
            1
        );
        let window = base()
            .with(TimeFact::AccessStarted, t("2026-11-20T00:00:00Z"))
            .with(TimeFact::AccessEnded, t("2026-11-19T00:00:00Z"));
        assert_eq!(
            problems(&window, TimeFact::AccessEnded, t(NOW)),
            [
                "the end of the unauthorised access 2026-11-19T00:00:00Z is before the start of the unauthorised access 2026-11-20T00:00:00Z: the access cannot end before it started"
            ]
        );
        let contained = base().with(TimeFact::Contained, t("2026-11-23T07:59:00Z"));
        let p = problems(&contained, TimeFact::Contained, t(NOW));
        assert_eq!(p.len(), 1);
        assert!(
            p[0].contains("contained only once it has been detected"),
            "{p:?}"
        );
    }

    #[test]
    fn an_earlier_contradiction_is_not_reported_for_another_fact() {
        let times = base()
            .with(TimeFact::Aware, t("2026-11-23T07:00:00Z"))
            .with(TimeFact::AccessStarted, t("2026-11-01T00:00:00Z"));
        assert!(problems(&times, TimeFact::AccessStarted, t(NOW)).is_empty());
    }
}
