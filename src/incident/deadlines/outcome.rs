//! A deadline's outcome in words: met early, met late, overdue, still open, waiting. One
//! sentence for one state, so `breach status`, the walk and every report format say the
//! same thing about the same deadline. Each caller only chooses how times are written
//! (local or UTC, short or long) and how the sentence is marked up.

use chrono::{DateTime, TimeDelta, Utc};

use super::{DeadlineState, DeadlineStatus, MetTiming};
use crate::types::format_duration;

/// Where a deadline stands, with exactly the numbers its sentence needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Met at or before its due time, by `margin`.
    MetEarly {
        at: DateTime<Utc>,
        margin: TimeDelta,
    },
    /// Met after its due time, by `margin`.
    MetLate {
        at: DateTime<Utc>,
        margin: TimeDelta,
    },
    /// Met, with no due time to compare with: an `asap` deadline (`elapsed` is how long it
    /// took, when its clock's start is known) or one whose clock never started.
    MetUntimed {
        at: DateTime<Utc>,
        elapsed: Option<TimeDelta>,
    },
    /// Met at an instant before its clock started at `start`: most likely a mistyped date,
    /// so no timing is claimed.
    MetBeforeStart {
        at: DateTime<Utc>,
        start: DateTime<Utc>,
    },
    /// Past its due time and not met, by `by`.
    Overdue { by: TimeDelta },
    /// Running, not yet due; `soon` when less than the due-soon margin is left.
    Open { remaining: TimeDelta, soon: bool },
    /// An `asap` deadline not met yet; its clock has run for `elapsed`.
    OpenAsap { elapsed: TimeDelta },
    /// The event that starts its clock (`anchor`, e.g. `aware`) is not recorded yet.
    Waiting { anchor: String },
    /// Its `when` condition does not hold for the current answers.
    NotApplicable,
}

impl Outcome {
    /// The outcome of an evaluated deadline.
    pub fn of(d: &DeadlineStatus) -> Outcome {
        let zero = TimeDelta::zero();
        match d.state {
            DeadlineState::Met => {
                // The engine sets `met_at` with every met state; the record's time is the
                // same instant for everything but a notice, whose `sent_at` it carries.
                let at = d
                    .met_at
                    .or(d.met_by.as_ref().map(|m| m.record.at))
                    .unwrap_or_default();
                if d.met_before_start
                    && let Some(start) = d.anchor.at
                {
                    return Outcome::MetBeforeStart { at, start };
                }
                match (d.met_timing, d.met_margin) {
                    (Some(MetTiming::Early), margin) => Outcome::MetEarly {
                        at,
                        margin: margin.unwrap_or(zero),
                    },
                    (Some(MetTiming::Late), margin) => Outcome::MetLate {
                        at,
                        margin: margin.unwrap_or(zero),
                    },
                    (None, _) => Outcome::MetUntimed {
                        at,
                        elapsed: d.elapsed,
                    },
                }
            }
            DeadlineState::Overdue => Outcome::Overdue {
                by: d.overdue_by.unwrap_or(zero),
            },
            DeadlineState::Open | DeadlineState::DueSoon if d.asap => Outcome::OpenAsap {
                elapsed: d.elapsed.unwrap_or(zero),
            },
            DeadlineState::Open | DeadlineState::DueSoon => Outcome::Open {
                remaining: d.remaining.unwrap_or(zero),
                soon: d.state == DeadlineState::DueSoon,
            },
            DeadlineState::Waiting => Outcome::Waiting {
                anchor: d.anchor.description.clone(),
            },
            DeadlineState::NotApplicable => Outcome::NotApplicable,
        }
    }

    /// Whether the deadline was missed: met late, or overdue.
    pub fn is_missed(&self) -> bool {
        matches!(self, Outcome::MetLate { .. } | Outcome::Overdue { .. })
    }

    /// The outcome as one lower-case sentence fragment, with times written by `time`:
    /// `met 2026-11-24 09:00:00 UTC, 1d 23h early`, `not met, overdue by 5d 1h`,
    /// `still open, due soon, 19h 45m left`,
    /// `the clock starts at the determination that a breach occurred`.
    pub fn sentence(&self, time: impl Fn(DateTime<Utc>) -> String) -> String {
        let dur = format_duration;
        match self {
            Outcome::MetEarly { at, margin } => {
                format!("met {}, {} early", time(*at), dur(*margin))
            }
            Outcome::MetLate { at, margin } => format!(
                "met late, {}, {} after the due time",
                time(*at),
                dur(*margin)
            ),
            Outcome::MetUntimed { at, elapsed } => format!(
                "met {}{}",
                time(*at),
                elapsed
                    .map(|e| format!(", {} after the clock started", dur(e)))
                    .unwrap_or_default()
            ),
            Outcome::MetBeforeStart { at, start } => format!(
                "met {}, before its clock started at {}: check the dates",
                time(*at),
                time(*start)
            ),
            Outcome::Overdue { by } => format!("not met, overdue by {}", dur(*by)),
            Outcome::Open { remaining, soon } => format!(
                "still open, {}{} left",
                if *soon { "due soon, " } else { "" },
                dur(*remaining)
            ),
            Outcome::OpenAsap { elapsed } => format!(
                "still open (without undue delay), {} since the clock started",
                dur(*elapsed)
            ),
            Outcome::Waiting { anchor } => {
                // The intake times are named by one word in the runbook; spell them out.
                let event = match anchor.as_str() {
                    "detected" => "detection",
                    "aware" => "awareness that personal data was affected",
                    "determined" => "the determination that a breach occurred",
                    other => other,
                };
                format!("the clock starts at {event}")
            }
            Outcome::NotApplicable => "does not apply to this incident's answers".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::Stamp;
    use crate::incident::deadlines::{AnchorInfo, MetBy};
    use crate::runbook::EventRef;

    fn t(s: &str) -> DateTime<Utc> {
        crate::types::parse_time(s).unwrap()
    }

    fn utc(at: DateTime<Utc>) -> String {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    }

    /// A deadline in `state` with nothing else set; each test sets what its state carries.
    fn status(state: DeadlineState) -> DeadlineStatus {
        DeadlineStatus {
            id: "d".into(),
            title: "Tell the authority".into(),
            authority: "authority".into(),
            citation: "Art. 1".into(),
            note: None,
            verified: true,
            asap: false,
            within: Some("72 hours".into()),
            anchor: AnchorInfo {
                description: "aware".into(),
                at: None,
                record: None,
            },
            steps: Vec::new(),
            state,
            due_at: None,
            window: None,
            remaining: None,
            overdue_by: None,
            elapsed: None,
            met_at: None,
            met_by: None,
            met_timing: None,
            met_before_start: false,
            met_margin: None,
            warning: None,
            zone: "UTC".into(),
        }
    }

    #[test]
    fn a_deadline_met_before_its_clock_started_says_so() {
        let mut d = met(None, None);
        d.met_before_start = true;
        d.anchor.at = Some(t("2026-11-25T09:00:00Z"));
        assert_eq!(
            sentence(&d),
            "met 2026-11-24 09:00 UTC, before its clock started at 2026-11-25 09:00 UTC: check the dates"
        );
        assert!(!Outcome::of(&d).is_missed());
    }

    fn met(timing: Option<MetTiming>, margin: Option<TimeDelta>) -> DeadlineStatus {
        let mut d = status(DeadlineState::Met);
        d.met_at = Some(t("2026-11-24T09:00:00Z"));
        d.met_timing = timing;
        d.met_margin = margin;
        d
    }

    fn sentence(d: &DeadlineStatus) -> String {
        Outcome::of(d).sentence(utc)
    }

    #[test]
    fn met_early() {
        let d = met(Some(MetTiming::Early), Some(TimeDelta::hours(47)));
        assert_eq!(
            Outcome::of(&d),
            Outcome::MetEarly {
                at: t("2026-11-24T09:00:00Z"),
                margin: TimeDelta::hours(47)
            }
        );
        assert_eq!(sentence(&d), "met 2026-11-24 09:00 UTC, 1d 23h early");
        assert!(!Outcome::of(&d).is_missed());
    }

    #[test]
    fn met_exactly_at_the_due_time_is_early_by_nothing() {
        let d = met(Some(MetTiming::Early), Some(TimeDelta::zero()));
        assert_eq!(sentence(&d), "met 2026-11-24 09:00 UTC, 0s early");
    }

    #[test]
    fn met_late() {
        let d = met(Some(MetTiming::Late), Some(TimeDelta::minutes(60)));
        assert_eq!(
            sentence(&d),
            "met late, 2026-11-24 09:00 UTC, 1h 00m after the due time"
        );
        assert!(Outcome::of(&d).is_missed());
    }

    #[test]
    fn met_asap_says_how_long_it_took() {
        let mut d = met(None, None);
        d.asap = true;
        d.elapsed = Some(TimeDelta::hours(54));
        assert_eq!(
            sentence(&d),
            "met 2026-11-24 09:00 UTC, 2d 6h after the clock started"
        );
        assert!(!Outcome::of(&d).is_missed());
    }

    #[test]
    fn met_before_its_clock_started_has_no_margin() {
        let d = met(None, None);
        assert_eq!(sentence(&d), "met 2026-11-24 09:00 UTC");
    }

    #[test]
    fn met_takes_the_record_time_when_no_met_time_is_given() {
        let mut d = met(None, None);
        d.met_at = None;
        d.met_by = Some(MetBy {
            event: EventRef {
                item: Some("report/authority_notified".into()),
                ..EventRef::default()
            },
            description: "item report/authority_notified checked".into(),
            record: Stamp {
                by: "alice".into(),
                at: t("2026-11-25T10:00:00Z"),
                seq: 4,
                event_at: None,
            },
        });
        assert_eq!(sentence(&d), "met 2026-11-25 10:00 UTC");
    }

    #[test]
    fn overdue() {
        let mut d = status(DeadlineState::Overdue);
        d.overdue_by = Some(TimeDelta::hours(121));
        assert_eq!(
            Outcome::of(&d),
            Outcome::Overdue {
                by: TimeDelta::hours(121)
            }
        );
        assert_eq!(sentence(&d), "not met, overdue by 5d 1h");
        assert!(Outcome::of(&d).is_missed());
    }

    #[test]
    fn open() {
        let mut d = status(DeadlineState::Open);
        d.remaining = Some(TimeDelta::hours(221));
        assert_eq!(sentence(&d), "still open, 9d 5h left");
        assert!(!Outcome::of(&d).is_missed());
    }

    #[test]
    fn due_soon() {
        let mut d = status(DeadlineState::DueSoon);
        d.remaining = Some(TimeDelta::minutes(19 * 60 + 45));
        assert_eq!(
            Outcome::of(&d),
            Outcome::Open {
                remaining: TimeDelta::minutes(19 * 60 + 45),
                soon: true
            }
        );
        assert_eq!(sentence(&d), "still open, due soon, 19h 45m left");
    }

    #[test]
    fn asap_open_counts_up() {
        let mut d = status(DeadlineState::Open);
        d.asap = true;
        d.within = None;
        d.elapsed = Some(TimeDelta::minutes(150));
        assert_eq!(
            sentence(&d),
            "still open (without undue delay), 2h 30m since the clock started"
        );
    }

    #[test]
    fn waiting_names_what_starts_the_clock() {
        let mut d = status(DeadlineState::Waiting);
        d.anchor.description = "notice customer-notice sent".into();
        assert_eq!(
            Outcome::of(&d),
            Outcome::Waiting {
                anchor: "notice customer-notice sent".into()
            }
        );
        assert_eq!(
            sentence(&d),
            "the clock starts at notice customer-notice sent"
        );
    }

    #[test]
    fn waiting_for_an_intake_time_says_it_in_words() {
        let mut d = status(DeadlineState::Waiting);
        d.anchor.description = "determined".into();
        assert_eq!(
            sentence(&d),
            "the clock starts at the determination that a breach occurred"
        );
        d.anchor.description = "aware".into();
        assert_eq!(
            sentence(&d),
            "the clock starts at awareness that personal data was affected"
        );
    }

    #[test]
    fn not_applicable() {
        let d = status(DeadlineState::NotApplicable);
        assert_eq!(Outcome::of(&d), Outcome::NotApplicable);
        assert_eq!(sentence(&d), "does not apply to this incident's answers");
        assert!(!Outcome::of(&d).is_missed());
    }

    #[test]
    fn times_are_written_by_the_caller() {
        let d = met(Some(MetTiming::Early), Some(TimeDelta::hours(1)));
        assert_eq!(
            Outcome::of(&d).sentence(|_| "then".to_string()),
            "met then, 1h 00m early"
        );
    }
}
