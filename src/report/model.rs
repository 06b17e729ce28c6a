//! The report model: everything the post-mortem report says, computed in one call
//! ([`Report::build`]) from the verified scan, the folded incident and the report time. Pure:
//! no I/O and no clock. The renderers ([`super::markdown`], [`super::html`], [`super::json`])
//! only format what is here, so the three formats can never disagree about a number.
//!
//! Each section is built by one function (`summary`, `impact`, `build_metrics`, `deadlines`,
//! `findings`, `build_steps`, `review`, `timeline`, `evidence`, `notices`), so a new section
//! is one more field of [`Report`] and one more function.
//!
//! `docs/export.md` says where every section and number comes from; keep it in step with
//! [`METRIC_RULES`] and [`Report::build`].

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::incident::deadlines::{self, DeadlineState, MetTiming, Outcome};
use crate::incident::{Incident, Stamp, StepStatus};
use crate::journal::file::{ChainStatus, Scan};
use crate::journal::record::{utc, utc_opt};
use crate::journal::{Payload, Record, StepOutcome};
use crate::runbook::{Question, QuestionKind, condition::applies};
use crate::types::AnswerValue;

/// Seconds, for the JSON shape (durations are whole seconds everywhere in `breach`).
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

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    /// When the report was generated (the `now` it was built at).
    #[serde(with = "utc")]
    pub generated_at: DateTime<Utc>,
    /// Whether the incident is still open: the report is then a draft.
    pub draft: bool,
    pub integrity: Integrity,
    pub summary: Summary,
    pub impact: Impact,
    pub detection: Detection,
    pub metrics: Vec<Metric>,
    pub deadlines: Deadlines,
    /// What the attacker did, from the investigation's answers, in time order.
    pub attack: Vec<Milestone>,
    /// What the response did, from the intake and the records, in time order.
    pub response: Vec<Milestone>,
    pub findings: Findings,
    pub resolution: Resolution,
    pub steps: Vec<StepReport>,
    pub timeline: Vec<TimelineEntry>,
    pub review: Review,
    pub action_items: Vec<ActionRow>,
    /// Notes attached to no step.
    pub notes: Vec<NoteRow>,
    pub evidence: Vec<EvidenceRow>,
    pub notices: Vec<NoticeRow>,
    /// Facts corrected with `breach amend`, in record order.
    pub corrections: Vec<CorrectionRow>,
    /// Records the fold could not apply (unknown kinds, ids not in the runbook).
    pub fold_warnings: Vec<String>,
    /// Team incidents: concurrent contradictory decisions not yet resolved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<crate::incident::Conflict>,
    /// How records were timed (a clock that went back; in a team incident, a fixed clock).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clock_notes: Vec<String>,
    /// Team incidents: how each journal is signed (docs/incident-file-format.md, 12.3a).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<crate::incident::Signing>,
    /// Team incidents: the seals recorded (`breach seal`), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub seals: Vec<SealReport>,
    /// Every record of the file as stored: the verified ones, then those after a break.
    /// Serialized one record at a time from the scan, so no copy of the journal is built.
    pub records: Records<'a>,
}

/// The records of the file as stored, for the JSON report: each is serialized as `seq`,
/// `time`, `operator`, `kind`, `payload` (the record's payload mapping, as in the file),
/// `prev`, `hash`, `line` (1-based line of its `---`) and `verified` (false for records
/// after a break in the chain).
#[derive(Debug, Clone, Copy)]
pub struct Records<'a> {
    pub verified: &'a [Record],
    pub unverified: &'a [Record],
}

impl Records<'_> {
    /// How many records there are.
    pub fn len(&self) -> usize {
        self.verified.len() + self.unverified.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

struct RawRecord<'a>(&'a Record, bool);

impl Serialize for RawRecord<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeStruct};
        let (r, verified) = (self.0, self.1);
        let payload = r.payload.to_value().map_err(S::Error::custom)?;
        let mut m = s.serialize_struct("Record", 9)?;
        m.serialize_field("seq", &r.seq)?;
        m.serialize_field("time", &crate::types::format_utc(r.time))?;
        m.serialize_field("operator", &r.operator)?;
        m.serialize_field("kind", r.payload.kind())?;
        m.serialize_field("payload", &payload)?;
        m.serialize_field("prev", &r.prev)?;
        m.serialize_field("hash", &r.hash)?;
        m.serialize_field("line", &r.line)?;
        m.serialize_field("verified", &verified)?;
        m.end()
    }
}

impl Serialize for Records<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for r in self.verified {
            seq.serialize_element(&RawRecord(r, true))?;
        }
        for r in self.unverified {
            seq.serialize_element(&RawRecord(r, false))?;
        }
        seq.end()
    }
}

/// How, when and by whom the breach was found.
#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    #[serde(with = "utc")]
    pub detected_at: DateTime<Utc>,
    #[serde(with = "utc")]
    pub aware_at: DateTime<Utc>,
    /// The answer to `detection_method`.
    pub method: Option<Fact>,
    /// The answer to `detected_by`.
    pub detected_by: Option<Fact>,
}

/// One dated event of the attack or of the response.
#[derive(Debug, Clone, Serialize)]
pub struct Milestone {
    /// When; `None` for an attack fact without a time (the entry point, what was taken).
    #[serde(with = "utc_opt")]
    pub at: Option<DateTime<Utc>>,
    /// What happened, in words.
    pub what: String,
    /// Where it comes from, with ids: `answer STEP/QUESTION`, `opened`, `record N`.
    pub source: String,
}

/// Resolution and recovery: the answers that say what was fixed and how the store recovered.
#[derive(Debug, Clone, Serialize)]
pub struct Resolution {
    /// The answer to `remediation_summary`.
    pub remediation: Option<Fact>,
    /// The checklist of the step that asks `remediation_summary` (the remediate step).
    pub items: Vec<ItemRow>,
    /// The answers to `monitoring_until`, `new_activity` and `trust_measures`.
    pub monitoring_until: Option<Fact>,
    pub new_activity: Option<Fact>,
    pub trust_measures: Option<Fact>,
}

/// An action item as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRow {
    pub id: String,
    pub text: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    /// `open`, `overdue` (open after its due day, at the report time) or `done`.
    pub state: &'static str,
    pub added_by: String,
    #[serde(with = "utc")]
    pub added_at: DateTime<Utc>,
    pub done_by: Option<String>,
    #[serde(with = "utc_opt")]
    pub done_at: Option<DateTime<Utc>>,
    /// Added after the incident was closed.
    pub after_close: bool,
    pub seq: u64,
}

/// Section 1.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub state: IncidentState,
    pub runbook_id: String,
    pub runbook_title: String,
    pub runbook_sha256: String,
    /// `built-in` or the path it was loaded from.
    pub runbook_source: String,
    /// Everyone who recorded something, in order of first appearance.
    pub operators: Vec<String>,
    #[serde(with = "utc")]
    pub detected_at: DateTime<Utc>,
    #[serde(with = "utc")]
    pub aware_at: DateTime<Utc>,
    /// The intake's `--determined-at`, else the answer to `determined_at` (the fold's
    /// [`Incident::determined`]).
    #[serde(with = "utc_opt")]
    pub determined_at: Option<DateTime<Utc>>,
    /// `STEP/QUESTION` when `determined_at` comes from an answer; `None` for the intake.
    pub determined_from: Option<String>,
    #[serde(with = "utc")]
    pub opened_at: DateTime<Utc>,
    /// From the time-to-contain metric: the answer to `contained_at` only.
    #[serde(with = "utc_opt")]
    pub contained_at: Option<DateTime<Utc>>,
    #[serde(with = "utc_opt")]
    pub closed_at: Option<DateTime<Utc>>,
    /// Detection to closing, or to the report time while open.
    #[serde(rename = "duration_secs", with = "secs")]
    pub duration: TimeDelta,
    /// Whether `duration` runs to the report time (the incident is open).
    pub duration_ongoing: bool,
    /// `(closed, applicable)` steps.
    pub steps_closed: usize,
    pub steps_applicable: usize,
}

mod secs {
    use chrono::TimeDelta;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(d: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_seconds())
    }
}

/// One answer shown with its question's labels.
#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    /// `STEP/QUESTION`.
    pub question: String,
    pub prompt: String,
    /// The recorded value, as stored.
    pub value: AnswerValue,
    /// The value for people: option labels, `yes`/`no`, numbers without `.0`.
    pub display: String,
    /// For multi-select answers, each chosen option's label.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    pub by: String,
    #[serde(with = "utc")]
    pub at: DateTime<Utc>,
    pub seq: u64,
}

/// Section 2. Each is the answer to the question with that id, in whichever step asks it.
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    pub breach_type: Option<Fact>,
    pub data_types: Option<Fact>,
    pub affected_customers: Option<Fact>,
    pub jurisdictions: Option<Fact>,
}

/// Where a metric's time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Source {
    /// The value of a date-time answer to the question with this id (any step).
    Answer(&'static str),
    /// When the checklist item with this id (any step) was last checked, if it is checked.
    Item(&'static str),
    /// When the step with this id was marked done.
    StepDone(&'static str),
    /// The earliest `sent_at` of the notices sent from this template.
    Notice(&'static str),
    /// When the incident was closed.
    Closed,
}

/// How one key metric is found: the first source that has a time wins.
#[derive(Debug, Clone, Copy)]
pub struct MetricRule {
    pub id: &'static str,
    pub label: &'static str,
    pub sources: &'static [Source],
}

/// The key metrics, all measured from detection. Sources are tried in order; ids are
/// looked up in any step, so the rules fit both built-in runbooks and most custom ones.
/// The per-authority metrics come from the met deadlines instead (see [`Report::build`]).
pub const METRIC_RULES: &[MetricRule] = &[
    MetricRule {
        id: "contain",
        label: "Time to contain",
        // Only the containment time itself: when a box was ticked or the step marked done
        // is not when the store was contained.
        sources: &[Source::Answer("contained_at")],
    },
    MetricRule {
        id: "security_team",
        label: "Time to notify the security team",
        sources: &[
            Source::Notice("security-team-notice"),
            Source::Item("security_team_informed"),
            Source::Item("experts_engaged"),
            Source::Item("experts_involved"),
        ],
    },
    MetricRule {
        id: "authority",
        label: "Time to notify the data protection authority",
        sources: &[
            Source::Notice("authority-notice"),
            Source::Item("authority_notified"),
            Source::Item("regulators_notified"),
        ],
    },
    MetricRule {
        id: "customers",
        label: "Time to notify the people affected",
        sources: &[
            Source::Notice("customer-notice"),
            Source::Item("customers_notified"),
        ],
    },
    MetricRule {
        id: "acquirer",
        label: "Time to notify the acquirer",
        sources: &[
            Source::Notice("acquirer-notice"),
            Source::Item("acquirer_notified"),
        ],
    },
    MetricRule {
        id: "close",
        label: "Time to close",
        sources: &[Source::Closed],
    },
];

/// Section 3: one key metric.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    /// `contain`, `security_team`, `customers`, `close`, or `deadline:ID` for an authority.
    pub id: String,
    pub label: String,
    /// When it happened; `None` means "not yet".
    #[serde(with = "utc_opt")]
    pub at: Option<DateTime<Utc>>,
    /// From detection to `at`.
    #[serde(rename = "from_detection_secs", with = "secs_opt")]
    pub from_detection: Option<TimeDelta>,
    /// Where `at` came from, e.g. `answer contain/contained_at`.
    pub source: Option<String>,
    /// The same in words, e.g. `answer to “When was it contained?”`.
    pub source_text: Option<String>,
    /// What would have given `at`, in words, when nothing did (e.g. `no answer to “When
    /// was it contained?”`); `None` when `at` is known.
    pub missing: Option<String>,
    /// `access_started` for the time to detect (from the start of the unauthorised access
    /// to detection), `detection` for every other metric.
    pub measured_from: &'static str,
    /// From `measured_from` to `at`.
    #[serde(rename = "duration_secs", with = "secs_opt")]
    pub duration: Option<TimeDelta>,
}

/// Whether the incident is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentState {
    Open,
    Closed,
}

/// Section 4. In JSON it also carries `evaluated: true`, kept for readers of report format 1
/// (it was false in builds without the deadline engine; every build has one now).
#[derive(Debug, Clone)]
pub struct Deadlines {
    /// The applicable deadlines, in runbook order.
    pub rows: Vec<DeadlineRow>,
    /// How many of the runbook's deadlines do not apply to this incident.
    pub not_applicable: usize,
}

impl Serialize for Deadlines {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("Deadlines", 3)?;
        m.serialize_field("evaluated", &true)?;
        m.serialize_field("rows", &self.rows)?;
        m.serialize_field("not_applicable", &self.not_applicable)?;
        m.end()
    }
}

/// One deadline as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineRow {
    pub id: String,
    pub title: String,
    pub authority: String,
    pub citation: String,
    /// `open`, `due_soon`, `overdue`, `met`, `waiting` (never `not_applicable`: those are
    /// counted, not listed).
    pub state: DeadlineState,
    /// The outcome, for the sentence every format shows (not in the JSON, which has the
    /// numbers it is made from).
    #[serde(skip)]
    pub outcome: Outcome,
    /// The duration, e.g. `72 hours`; `None` for "without undue delay" deadlines.
    pub within: Option<String>,
    pub asap: bool,
    /// What starts the clock, e.g. `aware` or `answer assess/determined_at`.
    pub anchor: String,
    /// The same in words, e.g. `awareness` or `the answer to “When was it determined…?”`.
    pub anchor_text: String,
    #[serde(with = "utc_opt")]
    pub anchor_at: Option<DateTime<Utc>>,
    #[serde(with = "utc_opt")]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(with = "utc_opt")]
    pub met_at: Option<DateTime<Utc>>,
    /// What met it, e.g. `notice authority-notice sent`.
    pub met_by: Option<String>,
    /// The same in words, e.g. `the data protection supervisory authority notice sent`.
    pub met_by_text: Option<String>,
    /// Met late (after `due_at`).
    pub late: bool,
    /// How far before (early) or after (late) the due time it was met.
    #[serde(rename = "margin_secs", with = "secs_opt")]
    pub margin: Option<TimeDelta>,
    /// Not met and past due: by how much, at the report time.
    #[serde(rename = "overdue_by_secs", with = "secs_opt")]
    pub overdue_by: Option<TimeDelta>,
    /// Not met and not yet due: how long is left, at the report time.
    #[serde(rename = "remaining_secs", with = "secs_opt")]
    pub remaining: Option<TimeDelta>,
    /// `asap` deadlines: time from the anchor to now or to when it was met.
    #[serde(rename = "elapsed_secs", with = "secs_opt")]
    pub elapsed: Option<TimeDelta>,
    /// False when the runbook says to verify this default for your jurisdiction.
    pub verified: bool,
    pub note: Option<String>,
}

#[cfg(test)]
impl DeadlineRow {
    /// A row that only carries an outcome (for the renderers' tests).
    pub(crate) fn with_outcome(outcome: Outcome) -> DeadlineRow {
        DeadlineRow {
            id: "d".into(),
            title: "Tell the authority".into(),
            authority: "authority".into(),
            citation: "Art. 1".into(),
            state: DeadlineState::Open,
            outcome,
            within: None,
            asap: false,
            anchor: "aware".into(),
            anchor_text: "awareness".into(),
            anchor_at: None,
            due_at: None,
            met_at: None,
            met_by: None,
            met_by_text: None,
            late: false,
            margin: None,
            overdue_by: None,
            remaining: None,
            elapsed: None,
            verified: true,
            note: None,
        }
    }
}

/// Section 4: the incident's deadlines evaluated at `now`. This is the one place the report
/// meets the deadline engine: the applicable deadlines become rows, the others are counted.
fn deadlines(incident: &Incident, now: DateTime<Utc>) -> Deadlines {
    let statuses = deadlines::evaluate(incident, now);
    let not_applicable = statuses
        .iter()
        .filter(|d| d.state == DeadlineState::NotApplicable)
        .count();
    let rows = statuses
        .into_iter()
        .filter(|d| d.state != DeadlineState::NotApplicable)
        .map(|d| DeadlineRow {
            outcome: Outcome::of(&d),
            state: d.state,
            late: d.met_timing == Some(MetTiming::Late),
            anchor_text: anchor_words(incident, &d.id),
            anchor: d.anchor.description,
            anchor_at: d.anchor.at,
            met_by_text: d.met_by.as_ref().map(|m| event_words(incident, &m.event)),
            met_by: d.met_by.map(|m| m.description),
            id: d.id,
            title: d.title,
            authority: d.authority,
            citation: d.citation,
            within: d.within,
            asap: d.asap,
            due_at: d.due_at,
            met_at: d.met_at,
            margin: d.met_margin,
            overdue_by: d.overdue_by,
            remaining: d.remaining,
            elapsed: d.elapsed,
            verified: d.verified,
            note: d.note,
        })
        .collect();
    Deadlines {
        rows,
        not_applicable,
    }
}

/// A runbook event in words: the item's text, the question's prompt, the step's title, the
/// template's audience, the deadline's title (ids stay in the JSON's other fields).
pub fn event_words(incident: &Incident, e: &crate::runbook::model::EventRef) -> String {
    use crate::runbook::model::Event;
    let rb = &incident.runbook;
    match e.event() {
        Some(Event::Item(path)) => rb.item(path).map_or_else(
            || format!("item {path} checked"),
            |(_, i)| format!("“{}” checked", i.text),
        ),
        Some(Event::Answer(path)) => rb.question(path).map_or_else(
            || format!("answer {path}"),
            |(_, q)| format!("the answer to “{}”", q.prompt),
        ),
        Some(Event::Step(id)) => rb.step(id).map_or_else(
            || format!("step {id} done"),
            |s| format!("step “{}” done", s.title),
        ),
        Some(Event::Notice(id)) => rb.template(id).map_or_else(
            || format!("notice {id} sent"),
            |t| format!("the notice to the {} sent", t.audience),
        ),
        Some(Event::Deadline(id)) => rb.deadlines.iter().find(|d| d.id == id).map_or_else(
            || format!("deadline {id} met"),
            |d| format!("“{}” met", d.title),
        ),
        None => e.to_string(),
    }
}

/// What starts deadline `id`'s clock, in words.
fn anchor_words(incident: &Incident, id: &str) -> String {
    match incident.runbook.deadlines.iter().find(|d| d.id == id) {
        Some(d) => anchor_text(incident, &d.from),
        None => String::new(),
    }
}

fn anchor_text(incident: &Incident, from: &crate::runbook::model::Anchor) -> String {
    use crate::runbook::model::{Anchor, IntakeAnchor};
    match from {
        Anchor::Intake(IntakeAnchor::Detected) => "detection".into(),
        Anchor::Intake(IntakeAnchor::Aware) => "awareness that personal data was affected".into(),
        Anchor::Intake(IntakeAnchor::Determined) => {
            "the determination that a breach occurred".into()
        }
        Anchor::Intake(IntakeAnchor::Opened) => "the opening of the incident".into(),
        Anchor::Event(e) => event_words(incident, e),
        Anchor::First(list) => format!(
            "the first known of: {}",
            list.iter()
                .map(|a| anchor_text(incident, a))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// Section 5. Answers to the questions with these ids, in whichever step asks them.
#[derive(Debug, Clone, Serialize)]
pub struct Findings {
    /// The answers to `root_cause` and `contributing_factors`.
    pub root_cause: Option<Fact>,
    pub contributing_factors: Option<Fact>,
    pub entry_point: Option<Fact>,
    pub vulnerabilities: Option<Fact>,
    pub access_started: Option<Fact>,
    pub access_ended: Option<Fact>,
    /// `access_ended - access_started`, when both are recorded times.
    #[serde(rename = "access_duration_secs", with = "secs_opt")]
    pub access_duration: Option<TimeDelta>,
}

/// A checklist item in the step-by-step section.
#[derive(Debug, Clone, Serialize)]
pub struct ItemRow {
    pub id: String,
    pub text: String,
    pub required: bool,
    /// Whether its `when` holds for the current answers.
    pub applies: bool,
    pub checked: bool,
    /// The last check or uncheck.
    pub by: Option<String>,
    #[serde(with = "utc_opt")]
    pub at: Option<DateTime<Utc>>,
    /// Unchecked, but its duty met by this checked alternative (`or` in the runbook).
    pub met_by_alternative: Option<ItemName>,
}

/// An item named for the JSON (`id`) and for people (`text`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemName {
    pub id: String,
    pub text: String,
}

/// A note.
#[derive(Debug, Clone, Serialize)]
pub struct NoteRow {
    pub text: String,
    pub step: Option<String>,
    pub by: String,
    #[serde(with = "utc")]
    pub at: DateTime<Utc>,
    pub seq: u64,
}

/// Section 6: one step.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// 1-based position in the runbook.
    pub number: usize,
    pub id: String,
    pub title: String,
    /// The role responsible.
    pub owner: String,
    pub state: StepState,
    /// Operators who recorded something about this step, in order of first appearance.
    pub who: Vec<String>,
    #[serde(with = "utc_opt")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(with = "utc_opt")]
    pub finished_at: Option<DateTime<Utc>>,
    pub finished_by: Option<String>,
    /// The first and the last record about the step (for the timeline chart).
    #[serde(with = "utc_opt")]
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Started to finished.
    #[serde(rename = "duration_secs", with = "secs_opt")]
    pub duration: Option<TimeDelta>,
    pub items: Vec<ItemRow>,
    pub answers: Vec<Fact>,
    pub notes: Vec<NoteRow>,
    pub skip_reason: Option<String>,
    /// Required items still open when it was marked done (ids, as recorded).
    pub done_with_open_items: Vec<String>,
    /// Of those, the ones still open now: unchecked, applicable and not met by an
    /// alternative. What the report shows.
    pub open_required_items: Vec<ItemName>,
}

/// Where a step stands in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    InProgress,
    Done,
    Skipped,
    /// Its `when` does not hold and nothing was recorded for it.
    NotApplicable,
}

impl StepState {
    /// The name used in JSON and as a CSS class: `in_progress`, `not_applicable`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::InProgress => "in_progress",
            StepState::Done => "done",
            StepState::Skipped => "skipped",
            StepState::NotApplicable => "not_applicable",
        }
    }

    /// The name for people: `in progress`, `not applicable`, ...
    pub fn label(self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::InProgress => "in progress",
            StepState::Done => "done",
            StepState::Skipped => "skipped",
            StepState::NotApplicable => "not applicable",
        }
    }
}

/// Section 7: one record in plain language.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub seq: u64,
    /// When it happened: the event time given with `--at` (team incidents), else the
    /// record time.
    #[serde(with = "utc")]
    pub at: DateTime<Utc>,
    /// The record time, when an event time was given (left out otherwise).
    #[serde(
        with = "crate::journal::record::utc_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub recorded_at: Option<DateTime<Utc>>,
    pub operator: String,
    pub kind: String,
    pub text: String,
    /// False for records after a break in the chain (read, but not verified).
    pub verified: bool,
}

/// Section 8.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// The answers to `went_well` and `went_badly`.
    pub went_well: Option<Fact>,
    pub went_badly: Option<Fact>,
    pub lessons_learned: Option<Fact>,
    /// The `action_items` answer, one entry per non-empty line.
    pub action_items: Vec<String>,
    pub action_items_fact: Option<Fact>,
    /// The lines of the `action_items` answer that no action item record holds (compared
    /// without regard to case), to be recorded with `breach action add`.
    pub untracked: Vec<String>,
    /// Notes on the step(s) that ask these questions.
    pub notes: Vec<NoteRow>,
}

/// Section 9: evidence, the chain of custody.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceRow {
    pub path: String,
    pub sha256: String,
    pub size: u64,
    #[serde(with = "utc_opt")]
    pub modified: Option<DateTime<Utc>>,
    pub copy: Option<String>,
    pub note: Option<String>,
    pub collected_by: String,
    #[serde(with = "utc")]
    pub collected_at: DateTime<Utc>,
    pub seq: u64,
    /// What re-hashing the file (and its copy) found when the report was made; `None` when
    /// the report was built without checking (never by `breach export`).
    pub at_export: Option<EvidenceAtExport>,
}

/// One evidence file re-hashed when the report was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCheck {
    /// `unchanged` (it verified), `changed`, `missing` or `unreadable`.
    pub state: String,
    /// The SHA-256 now, when it differs.
    pub sha256_now: Option<String>,
    pub detail: Option<String>,
}

/// The original's check and the copy's (when a copy was made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceAtExport {
    pub original: FileCheck,
    pub copy: Option<FileCheck>,
}

/// Section 1: a corrected fact, with the value it replaced and the new one, who, when and
/// why.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectionRow {
    /// As recorded: `detected`, `aware`, `determined`, `title`, `severity` or
    /// `STEP/QUESTION`.
    pub fact: String,
    /// The fact in words.
    pub label: String,
    /// The value before (`null`: it had none).
    pub old: Option<String>,
    pub new: String,
    pub reason: String,
    /// Plausibility checks overridden to record it.
    pub overrode: Vec<String>,
    pub by: String,
    #[serde(with = "utc")]
    pub at: DateTime<Utc>,
    pub seq: u64,
}

/// Section 9: a notice sent.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeRow {
    pub template: String,
    pub audience: String,
    #[serde(with = "utc")]
    pub sent_at: DateTime<Utc>,
    pub to: Option<String>,
    pub recorded_by: String,
    #[serde(with = "utc")]
    pub recorded_at: DateTime<Utc>,
    pub seq: u64,
    /// The deadlines this notice met (their `met_by` is this template's notice), with
    /// whether in time: the clocks it was sent against.
    pub clocks: Vec<NoticeClock>,
}

/// A deadline a notice met.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeClock {
    pub deadline: String,
    pub title: String,
    #[serde(with = "utc_opt")]
    pub due_at: Option<DateTime<Utc>>,
    pub late: bool,
    /// The shared outcome sentence.
    pub outcome: String,
}

/// Whether the incident file's chain verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrityState {
    /// Every record verifies and links to the one before.
    Intact,
    /// The last record is incomplete (a crash while writing it).
    TornTail,
    /// A record does not verify: the file was changed after it was written.
    Broken,
}

/// Section 10 (and the banner at the top when the chain does not verify).
#[derive(Debug, Clone, Serialize)]
pub struct Integrity {
    /// The incident file's name.
    pub file: String,
    /// Whether every record verifies and links to the one before.
    pub intact: bool,
    pub state: IntegrityState,
    /// Records that verify (the report is built from these).
    pub verified_records: usize,
    /// Records after the break that could be read but are not verified.
    pub unverified_records: usize,
    /// The last verified record's hash.
    pub last_hash: String,
    /// A sentence saying what is wrong and where; `None` when intact.
    pub problem: Option<String>,
    /// The 1-based line where the problem starts.
    pub line: Option<usize>,
}

impl Integrity {
    fn of(scan: &Scan) -> Integrity {
        let file = scan
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (state, problem, line) = match &scan.status {
            ChainStatus::Intact => (IntegrityState::Intact, None, None),
            ChainStatus::TornTail { line, bytes } => (
                IntegrityState::TornTail,
                Some(format!(
                    "the last record (line {line}, {bytes} bytes) is incomplete, probably cut short by a crash; it was never acknowledged and is not part of this report"
                )),
                Some(*line),
            ),
            ChainStatus::Broken(b) => (
                IntegrityState::Broken,
                Some(format!(
                    "record {} (line {}) is {}: {}. The file was changed after it was written. This report is built from the {} records before it, which verify",
                    b.expected_seq,
                    b.line,
                    b.kind.as_str(),
                    b.detail,
                    scan.records.len()
                )),
                Some(b.line),
            ),
        };
        Integrity {
            file,
            intact: matches!(scan.status, ChainStatus::Intact),
            state,
            verified_records: scan.records.len(),
            unverified_records: scan.unverified.len(),
            last_hash: scan.last_hash().to_string(),
            problem,
            line,
        }
    }
}

/// A seal recorded in a team incident.
#[derive(Debug, Clone, Serialize)]
pub struct SealReport {
    pub digest: String,
    /// The record's position in the merged view.
    pub record: u64,
    pub operator: String,
    #[serde(with = "crate::journal::record::utc")]
    pub at: DateTime<Utc>,
}

/// The `seal` records of the incident.
fn seals(scan: &Scan) -> Vec<SealReport> {
    scan.records
        .iter()
        .filter_map(|r| match &r.payload {
            Payload::Unknown { kind, payload } if kind == "seal" => Some(SealReport {
                digest: payload.get("digest")?.as_str()?.to_string(),
                record: r.seq,
                operator: r.operator.clone(),
                at: r.time,
            }),
            _ => None,
        })
        .collect()
}

/// The step a record is about, if any.
fn record_step(p: &Payload) -> Option<&str> {
    match p {
        Payload::Note(n) => n.step.as_deref(),
        Payload::Check(c) => Some(&c.step),
        Payload::Answer(a) => Some(&a.step),
        Payload::Step(s) => Some(&s.step),
        Payload::Amended(a) => a.fact.split_once('/').map(|(step, _)| step),
        Payload::Override(o) => o.fact.split_once('/').map(|(step, _)| step),
        Payload::Opened(_)
        | Payload::Evidence(_)
        | Payload::Notice(_)
        | Payload::Affected(_)
        | Payload::Closed(_)
        | Payload::Action(_)
        | Payload::ActionDone(_)
        | Payload::Unknown { .. } => None,
    }
}

impl<'a> Report<'a> {
    /// Builds the whole report at `now`. `scan` gives the records and their integrity;
    /// `incident` is the fold of `scan.records`.
    pub fn build(scan: &'a Scan, incident: &Incident, now: DateTime<Utc>) -> Report<'a> {
        let deadlines = deadlines(incident, now);
        let metrics = build_metrics(incident, &deadlines.rows);
        let steps = build_steps(scan, incident);
        let summary = summary(incident, &metrics, now);
        Report {
            generated_at: now,
            draft: !incident.is_closed(),
            integrity: Integrity::of(scan),
            impact: impact(incident),
            detection: Detection {
                detected_at: incident.detected_at,
                aware_at: incident.aware_at,
                method: find_fact(incident, "detection_method"),
                detected_by: find_fact(incident, "detected_by"),
            },
            attack: attack(incident),
            response: response(incident, &summary),
            summary,
            metrics,
            notices: notices(incident, &deadlines.rows),
            deadlines,
            findings: findings(incident),
            resolution: resolution(incident, &steps),
            steps,
            timeline: timeline(scan, incident),
            review: review(incident),
            action_items: incident
                .actions
                .iter()
                .map(|a| ActionRow {
                    id: a.id.clone(),
                    text: a.text.clone(),
                    owner: a.owner.clone(),
                    due: a.due.to_string(),
                    state: if a.done.is_some() {
                        "done"
                    } else if a.is_overdue(now) {
                        "overdue"
                    } else {
                        "open"
                    },
                    added_by: a.added.by.clone(),
                    // The event time (`--at`) where one was given, as in the timeline.
                    added_at: a.added.when(),
                    done_by: a.done.as_ref().map(|s| s.by.clone()),
                    done_at: a.done.as_ref().map(Stamp::when),
                    after_close: incident
                        .closed
                        .as_ref()
                        .is_some_and(|c| a.added.seq > c.seq),
                    seq: a.added.seq,
                })
                .collect(),
            notes: incident
                .notes
                .iter()
                .filter(|n| n.step.is_none())
                .map(note_row)
                .collect(),
            evidence: evidence(incident),
            corrections: corrections(incident),
            fold_warnings: incident.warnings.clone(),
            conflicts: incident.conflicts.clone(),
            clock_notes: incident.clock_notes.clone(),
            signatures: incident.signing.clone(),
            seals: seals(scan),
            records: Records {
                verified: &scan.records,
                unverified: &scan.unverified,
            },
        }
    }
}

impl Report<'_> {
    /// Adds what re-hashing each evidence file found at export time, in the order of
    /// [`Report::evidence`] (the caller does the I/O; the model stays pure).
    pub fn with_evidence_checks(mut self, checks: Vec<EvidenceAtExport>) -> Self {
        for (row, check) in self.evidence.iter_mut().zip(checks) {
            row.at_export = Some(check);
        }
        self
    }
}

/// The attack, from the investigation's answers: when access started and ended, the entry
/// point, what was taken. Dated events first, in time order.
fn attack(incident: &Incident) -> Vec<Milestone> {
    let mut out = Vec::new();
    let mut add = |qid: &str, what: &str| {
        if let Some(f) = find_fact(incident, qid) {
            out.push(Milestone {
                at: fact_time(&f),
                what: if fact_time(&f).is_some() {
                    what.to_string()
                } else {
                    format!(
                        "{what}: {}",
                        if f.labels.is_empty() {
                            f.display.clone()
                        } else {
                            f.labels.join("; ")
                        }
                    )
                },
                source: format!("answer {}", f.question),
            });
        }
    };
    add("access_started", "Unauthorised access began");
    add("access_ended", "Unauthorised access ended");
    add("entry_point", "Entry point");
    add("vulnerabilities", "Vulnerabilities exploited");
    add("data_types", "Data taken or exposed");
    add("records_affected", "Records affected");
    out.sort_by_key(|m| (m.at.is_none(), m.at));
    out
}

/// The response's milestones: detection, awareness, determination, containment, each notice
/// sent, each step done, closing; in time order.
fn response(incident: &Incident, summary: &Summary) -> Vec<Milestone> {
    let mut out = vec![
        Milestone {
            at: Some(incident.detected_at),
            what: "Breach detected".into(),
            source: "opened".into(),
        },
        Milestone {
            at: Some(incident.aware_at),
            what: "Aware that personal data was affected".into(),
            source: "opened".into(),
        },
        Milestone {
            at: Some(incident.opened.at),
            what: "Incident opened in breach".into(),
            source: "opened".into(),
        },
    ];
    if let Some(at) = summary.determined_at {
        out.push(Milestone {
            at: Some(at),
            what: "Breach determined".into(),
            source: summary
                .determined_from
                .as_ref()
                .map_or("opened".into(), |q| format!("answer {q}")),
        });
    }
    if let Some(f) = find_fact(incident, "contained_at")
        && let Some(at) = fact_time(&f)
    {
        out.push(Milestone {
            at: Some(at),
            what: "Breach contained".into(),
            source: format!("answer {}", f.question),
        });
    }
    for n in &incident.notices {
        let audience = &n.notice.audience;
        out.push(Milestone {
            at: Some(n.notice.sent_at),
            what: format!("Notice sent to the {audience}"),
            source: format!("record {}", n.stamp.seq),
        });
    }
    for (spec, st) in incident.runbook.steps.iter().zip(&incident.steps) {
        if st.status == StepStatus::Done
            && let Some(f) = &st.finished
        {
            out.push(Milestone {
                at: Some(f.at),
                what: format!("Step “{}” done", spec.title),
                source: format!("record {}", f.seq),
            });
        }
    }
    if let Some(c) = &incident.closed {
        out.push(Milestone {
            at: Some(c.at),
            what: "Incident closed".into(),
            source: format!("record {}", c.seq),
        });
    }
    out.sort_by_key(|m| m.at);
    out
}

/// Resolution and recovery.
fn resolution(incident: &Incident, steps: &[StepReport]) -> Resolution {
    let step = find_question(incident, "remediation_summary").map(|(s, _)| s.to_string());
    Resolution {
        remediation: find_fact(incident, "remediation_summary"),
        items: steps
            .iter()
            .find(|s| Some(&s.id) == step.as_ref())
            .map(|s| s.items.clone())
            .unwrap_or_default(),
        monitoring_until: find_fact(incident, "monitoring_until"),
        new_activity: find_fact(incident, "new_activity"),
        trust_measures: find_fact(incident, "trust_measures"),
    }
}

/// Section 1. The containment time is the time-to-contain metric's.
fn summary(incident: &Incident, metrics: &[Metric], now: DateTime<Utc>) -> Summary {
    let contained_at = metrics
        .iter()
        .find(|m| m.id == "contain")
        .and_then(|m| m.at);
    let closed_at = incident.closed.as_ref().map(|s| s.at);
    let end = closed_at.unwrap_or(now);
    let (steps_closed, steps_applicable) = incident.progress();
    Summary {
        id: incident.id.clone(),
        title: incident.title.clone(),
        severity: incident.severity.as_str().into(),
        state: if incident.is_closed() {
            IncidentState::Closed
        } else {
            IncidentState::Open
        },
        runbook_id: incident.runbook.id.clone(),
        runbook_title: incident.runbook.title.clone(),
        runbook_sha256: incident.runbook_sha256.clone(),
        runbook_source: incident.runbook_source.clone(),
        operators: incident.operators.clone(),
        detected_at: incident.detected_at,
        aware_at: incident.aware_at,
        determined_at: incident.determined().map(|(at, _)| at),
        determined_from: incident.determined().and_then(|(_, from)| from),
        opened_at: incident.opened.at,
        contained_at,
        closed_at,
        duration: end - incident.detected_at,
        duration_ongoing: closed_at.is_none(),
        steps_closed,
        steps_applicable,
    }
}

/// Section 2.
fn impact(incident: &Incident) -> Impact {
    let fact = |qid: &str| find_fact(incident, qid);
    Impact {
        breach_type: fact("breach_type"),
        data_types: fact("data_types"),
        affected_customers: fact("affected_customers"),
        jurisdictions: fact("jurisdictions"),
    }
}

/// Section 5.
fn findings(incident: &Incident) -> Findings {
    let fact = |qid: &str| find_fact(incident, qid);
    let access_started = fact("access_started");
    let access_ended = fact("access_ended");
    let access_duration = match (
        access_started.as_ref().and_then(fact_time),
        access_ended.as_ref().and_then(fact_time),
    ) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    Findings {
        root_cause: fact("root_cause"),
        contributing_factors: fact("contributing_factors"),
        entry_point: fact("entry_point"),
        vulnerabilities: fact("vulnerabilities"),
        access_started,
        access_ended,
        access_duration,
    }
}

/// Section 7: every record, the verified ones and then those after a break.
fn timeline(scan: &Scan, incident: &Incident) -> Vec<TimelineEntry> {
    let mut verified: Vec<TimelineEntry> = scan
        .records
        .iter()
        .map(|r| timeline_entry(incident, r, true))
        .collect();
    if scan.records.iter().any(|r| r.at.is_some()) {
        // Events recorded later take their place in time; the sort is stable.
        verified.sort_by_key(|e| e.at);
    }
    let unverified = scan
        .unverified
        .iter()
        .map(|r| timeline_entry(incident, r, false));
    verified.into_iter().chain(unverified).collect()
}

/// Section 8.
fn review(incident: &Incident) -> Review {
    let review_steps: Vec<String> = ["lessons_learned", "action_items", "went_well", "went_badly"]
        .iter()
        .filter_map(|q| find_question(incident, q).map(|(s, _)| s.to_string()))
        .collect();
    let action_items_fact = find_fact(incident, "action_items");
    let action_items = match action_items_fact.as_ref().map(|f| &f.value) {
        Some(AnswerValue::Text(t)) => t
            .lines()
            .map(|l| l.trim().trim_start_matches(['-', '*', '•']).trim())
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        Some(AnswerValue::List(v)) => v.clone(),
        Some(_) | None => Vec::new(),
    };
    let recorded: Vec<String> = incident
        .actions
        .iter()
        .map(|a| a.text.to_lowercase())
        .collect();
    let untracked = action_items
        .iter()
        .filter(|line| {
            let l = line.to_lowercase();
            !recorded
                .iter()
                .any(|r| l.contains(r.as_str()) || r.contains(l.as_str()))
        })
        .cloned()
        .collect();
    Review {
        went_well: find_fact(incident, "went_well"),
        went_badly: find_fact(incident, "went_badly"),
        lessons_learned: find_fact(incident, "lessons_learned"),
        untracked,
        action_items,
        action_items_fact,
        notes: incident
            .notes
            .iter()
            .filter(|n| n.step.as_ref().is_some_and(|s| review_steps.contains(s)))
            .map(note_row)
            .collect(),
    }
}

/// Section 9: the evidence registered.
fn evidence(incident: &Incident) -> Vec<EvidenceRow> {
    incident
        .evidence
        .iter()
        .map(|e| EvidenceRow {
            path: e.entry.path.clone(),
            sha256: e.entry.sha256.clone(),
            size: e.entry.size,
            modified: e.entry.modified,
            copy: e.entry.copy.clone(),
            note: e.entry.note.clone(),
            collected_by: e.stamp.by.clone(),
            collected_at: e.stamp.at,
            seq: e.stamp.seq,
            at_export: None,
        })
        .collect()
}

/// Section 9: the notices recorded as sent, each with the deadlines it met.
fn notices(incident: &Incident, deadlines: &[DeadlineRow]) -> Vec<NoticeRow> {
    incident
        .notices
        .iter()
        .map(|n| NoticeRow {
            clocks: deadlines
                .iter()
                .filter(|d| {
                    d.met_by.as_deref() == Some(&format!("notice {} sent", n.notice.template))
                })
                .map(|d| NoticeClock {
                    deadline: d.id.clone(),
                    title: d.title.clone(),
                    due_at: d.due_at,
                    late: d.late,
                    outcome: d.outcome.sentence(fmt_time),
                })
                .collect(),
            template: n.notice.template.clone(),
            audience: n.notice.audience.clone(),
            sent_at: n.notice.sent_at,
            to: n.notice.to.clone(),
            recorded_by: n.stamp.by.clone(),
            recorded_at: n.stamp.at,
            seq: n.stamp.seq,
        })
        .collect()
}

/// Section 1: the facts corrected with `breach amend`.
fn corrections(incident: &Incident) -> Vec<CorrectionRow> {
    incident
        .corrections
        .iter()
        .map(|c| CorrectionRow {
            fact: c.fact.clone(),
            label: fact_label(&incident.runbook, &c.fact),
            old: c.old.clone(),
            new: c.new.clone(),
            reason: c.reason.clone(),
            overrode: c.overrode.clone(),
            by: c.stamp.by.clone(),
            at: c.stamp.at,
            seq: c.stamp.seq,
        })
        .collect()
}

/// The first step (in runbook order) that asks the question with this id.
fn find_question<'a>(incident: &'a Incident, qid: &str) -> Option<(&'a str, &'a Question)> {
    incident.runbook.steps.iter().find_map(|s| {
        s.questions
            .iter()
            .find(|q| q.id == qid)
            .map(|q| (s.id.as_str(), q))
    })
}

/// The answer to the question with this id, in whichever step asks it (the first step
/// that has an answer).
fn find_fact(incident: &Incident, qid: &str) -> Option<Fact> {
    incident
        .runbook
        .steps
        .iter()
        .zip(&incident.steps)
        .find_map(|(spec, state)| {
            let q = spec.questions.iter().find(|q| q.id == qid)?;
            let a = state.answers.get(qid)?;
            Some(make_fact(&spec.id, q, a))
        })
}

fn make_fact(step: &str, q: &Question, a: &crate::incident::AnswerState) -> Fact {
    let labels = match (&a.value, q.kind) {
        (AnswerValue::List(v), QuestionKind::Multiselect) => v
            .iter()
            .map(|id| {
                q.options
                    .iter()
                    .find(|o| &o.id == id)
                    .map_or_else(|| id.clone(), |o| o.label.clone())
            })
            .collect(),
        _ => Vec::new(),
    };
    Fact {
        question: format!("{step}/{}", q.id),
        prompt: q.prompt.clone(),
        value: a.value.clone(),
        display: display_value(q, &a.value),
        labels,
        by: a.stamp.by.clone(),
        at: a.stamp.at,
        seq: a.stamp.seq,
    }
}

/// An answer for people: option labels, `yes`/`no`, and date-time answers in the report's
/// time format.
fn display_value(q: &Question, v: &AnswerValue) -> String {
    match (q.kind, v) {
        (QuestionKind::Datetime, AnswerValue::Text(t)) => DateTime::parse_from_rfc3339(t)
            .map_or_else(|_| t.clone(), |at| fmt_time(at.with_timezone(&Utc))),
        _ => q.display_answer(v),
    }
}

/// A date-time answer's value.
fn fact_time(f: &Fact) -> Option<DateTime<Utc>> {
    match &f.value {
        AnswerValue::Text(t) => DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        _ => None,
    }
}

fn note_row(n: &crate::incident::NoteEntry) -> NoteRow {
    NoteRow {
        text: n.text.clone(),
        step: n.step.clone(),
        by: n.stamp.by.clone(),
        at: n.stamp.at,
        seq: n.stamp.seq,
    }
}

/// A metric source in words, for "nothing recorded" (`no answer to “...”`) and for where a
/// time came from.
fn source_words(incident: &Incident, source: Source) -> String {
    let rb = &incident.runbook;
    match source {
        Source::Answer(qid) => find_question(incident, qid).map_or_else(
            || format!("the answer to `{qid}`"),
            |(_, q)| format!("the answer to “{}”", q.prompt),
        ),
        Source::Item(iid) => rb
            .steps
            .iter()
            .find_map(|s| s.items.iter().find(|i| i.id == iid))
            .map_or_else(|| format!("item `{iid}`"), |i| format!("“{}”", i.text)),
        Source::StepDone(sid) => rb.step(sid).map_or_else(
            || format!("step `{sid}`"),
            |s| format!("step “{}”", s.title),
        ),
        Source::Notice(tid) => rb.template(tid).map_or_else(
            || format!("notice `{tid}`"),
            |t| format!("the notice to the {}", t.audience),
        ),
        Source::Closed => "closing the incident".into(),
    }
}

/// Whether the runbook has what a source looks for.
fn source_exists(incident: &Incident, source: Source) -> bool {
    let rb = &incident.runbook;
    match source {
        Source::Answer(qid) => find_question(incident, qid).is_some(),
        Source::Item(iid) => rb.steps.iter().any(|s| s.items.iter().any(|i| i.id == iid)),
        Source::StepDone(sid) => rb.step(sid).is_some(),
        Source::Notice(tid) => rb.template(tid).is_some(),
        Source::Closed => true,
    }
}

/// What is missing for a metric, in words: the sources the runbook has, none recorded.
fn missing_words(incident: &Incident, sources: &[Source]) -> String {
    let known: Vec<String> = sources
        .iter()
        .filter(|s| source_exists(incident, **s))
        .map(|s| match s {
            Source::Answer(qid) => find_question(incident, qid).map_or_else(
                || format!("`{qid}` not answered"),
                |(_, q)| format!("“{}” not answered", q.prompt),
            ),
            Source::Item(_) => format!("{} not checked", source_words(incident, *s)),
            Source::StepDone(_) => format!("{} not done", source_words(incident, *s)),
            Source::Notice(_) => format!("{} not recorded as sent", source_words(incident, *s)),
            Source::Closed => "not closed yet".to_string(),
        })
        .collect();
    if known.is_empty() {
        "the runbook records nothing this is measured from".into()
    } else {
        known.join("; ")
    }
}

/// Resolves one metric source against the incident: the time and a description.
fn resolve_source(incident: &Incident, source: Source) -> Option<(DateTime<Utc>, String)> {
    match source {
        Source::Answer(qid) => {
            let f = find_fact(incident, qid)?;
            let at = fact_time(&f)?;
            Some((at, format!("answer {}", f.question)))
        }
        Source::Item(iid) => incident.steps.iter().find_map(|s| {
            let item = s.item(iid).filter(|i| i.checked)?;
            let stamp = item.last.as_ref()?;
            Some((stamp.at, format!("item {}/{iid} checked", s.id)))
        }),
        Source::StepDone(sid) => {
            let s = incident
                .step(sid)
                .filter(|s| s.status == StepStatus::Done)?;
            Some((s.finished.as_ref()?.at, format!("step {sid} done")))
        }
        Source::Notice(tid) => incident
            .notices
            .iter()
            .filter(|n| n.notice.template == tid)
            .map(|n| n.notice.sent_at)
            .min()
            .map(|at| (at, format!("notice {tid} sent"))),
        Source::Closed => incident
            .closed
            .as_ref()
            .map(|s| (s.at, "incident closed".to_string())),
    }
}

/// Section 3.
fn build_metrics(incident: &Incident, deadlines: &[DeadlineRow]) -> Vec<Metric> {
    let metric = |id: String,
                  label: String,
                  found: Option<(DateTime<Utc>, String, String)>,
                  missing: String| {
        let at = found.as_ref().map(|f| f.0);
        let from_detection = at.map(|at| at - incident.detected_at);
        Metric {
            id,
            label,
            at,
            from_detection,
            missing: found.is_none().then_some(missing),
            source: found.as_ref().map(|f| f.1.clone()),
            source_text: found.map(|f| f.2),
            measured_from: "detection",
            duration: from_detection,
        }
    };
    // Time to detect: from the start of the unauthorised access to detection.
    let started = find_fact(incident, "access_started");
    let started_at = started.as_ref().and_then(fact_time);
    let mut out = vec![Metric {
        id: "detect".into(),
        label: "Time to detect".into(),
        at: Some(incident.detected_at),
        from_detection: Some(TimeDelta::zero()),
        source: started.as_ref().map(|f| format!("answer {}", f.question)),
        source_text: started
            .as_ref()
            .map(|f| format!("the answer to “{}”, to detection", f.prompt)),
        missing: started_at
            .is_none()
            .then(|| missing_words(incident, &[Source::Answer("access_started")])),
        measured_from: "access_started",
        duration: started_at.map(|s| incident.detected_at - s),
    }];
    for rule in METRIC_RULES {
        let found = rule.sources.iter().find_map(|s| {
            resolve_source(incident, *s).map(|(at, id)| {
                let words = source_words(incident, *s);
                let words = match s {
                    Source::Item(_) => format!("{words} checked"),
                    Source::StepDone(_) => format!("{words} done"),
                    Source::Notice(_) => format!("{words} sent"),
                    Source::Answer(_) | Source::Closed => words,
                };
                (at, id, words)
            })
        });
        let missing = missing_words(incident, rule.sources);
        if rule.id == "close" {
            // The per-authority metrics go before "time to close", in runbook order.
            for d in deadlines {
                let found = d.met_at.map(|at| {
                    (
                        at,
                        d.met_by
                            .clone()
                            .unwrap_or_else(|| format!("deadline {} met", d.id)),
                        d.met_by_text
                            .clone()
                            .unwrap_or_else(|| format!("“{}” met", d.title)),
                    )
                });
                out.push(metric(
                    format!("deadline:{}", d.id),
                    d.title.clone(),
                    found,
                    "not met yet".into(),
                ));
            }
        }
        out.push(metric(rule.id.into(), rule.label.into(), found, missing));
    }
    out
}

/// Section 6.
fn build_steps(scan: &Scan, incident: &Incident) -> Vec<StepReport> {
    let mut who: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for r in &scan.records {
        if let Some(step) = record_step(&r.payload) {
            let list = who.entry(step).or_default();
            if !list.contains(&r.operator) {
                list.push(r.operator.clone());
            }
        }
    }
    incident
        .runbook
        .steps
        .iter()
        .zip(&incident.steps)
        .enumerate()
        .map(|(idx, (spec, state))| {
            let state_name = match state.status {
                StepStatus::Pending if !incident.step_applies(idx) => StepState::NotApplicable,
                StepStatus::Pending => StepState::Pending,
                StepStatus::InProgress => StepState::InProgress,
                StepStatus::Done => StepState::Done,
                StepStatus::Skipped => StepState::Skipped,
            };
            let items = spec
                .items
                .iter()
                .zip(&state.items)
                .map(|(i, st)| ItemRow {
                    id: i.id.clone(),
                    text: i.text.clone(),
                    required: i.required,
                    applies: applies(i.when.as_ref(), incident),
                    checked: st.checked,
                    by: st.last.as_ref().map(|s| s.by.clone()),
                    at: st.last.as_ref().map(|s| s.at),
                    met_by_alternative: if st.checked {
                        None
                    } else {
                        incident.met_by_alternative(idx, &i.id).map(|alt| ItemName {
                            id: alt.to_string(),
                            text: spec
                                .items
                                .iter()
                                .find(|x| x.id == alt)
                                .map_or_else(|| alt.to_string(), |x| x.text.clone()),
                        })
                    },
                })
                .collect();
            let still_open = incident.open_required_items(idx);
            let open_required_items = state
                .done_with_open_items
                .iter()
                .filter(|id| still_open.contains(id))
                .map(|id| ItemName {
                    id: id.clone(),
                    text: spec
                        .items
                        .iter()
                        .find(|x| &x.id == id)
                        .map_or_else(|| id.clone(), |x| x.text.clone()),
                })
                .collect();
            let answers = spec
                .questions
                .iter()
                .filter_map(|q| state.answers.get(&q.id).map(|a| make_fact(&spec.id, q, a)))
                .collect();
            let started_at = state.started.as_ref().map(|s| s.at);
            let finished_at = state.finished.as_ref().map(|s| s.at);
            StepReport {
                number: idx + 1,
                id: spec.id.clone(),
                title: spec.title.clone(),
                owner: spec.owner.clone(),
                state: state_name,
                who: who.get(spec.id.as_str()).cloned().unwrap_or_default(),
                started_at,
                finished_at,
                finished_by: state.finished.as_ref().map(|s| s.by.clone()),
                last_activity_at: state.last_activity.as_ref().map(|s| s.at),
                duration: match (started_at, finished_at) {
                    (Some(a), Some(b)) => Some(b - a),
                    _ => None,
                },
                items,
                answers,
                notes: incident
                    .notes
                    .iter()
                    .filter(|n| n.step.as_deref() == Some(spec.id.as_str()))
                    .map(note_row)
                    .collect(),
                skip_reason: state.skip_reason.clone(),
                done_with_open_items: state.done_with_open_items.clone(),
                open_required_items,
            }
        })
        .collect()
}

/// A record in plain language.
fn timeline_entry(incident: &Incident, r: &Record, verified: bool) -> TimelineEntry {
    let rb = &incident.runbook;
    let step_title = |id: &str| {
        rb.step(id)
            .map_or_else(|| format!("step {id}"), |s| format!("step “{}”", s.title))
    };
    let text = match &r.payload {
        Payload::Opened(o) => format!(
            "Opened the incident “{}” (severity {}) with runbook {} ({}); detected {}, aware {}{}",
            o.title,
            o.severity.as_str(),
            o.runbook.id,
            o.runbook.title,
            fmt_time(o.detected_at),
            fmt_time(o.aware_at),
            o.determined_at
                .map(|t| format!(", determined {}", fmt_time(t)))
                .unwrap_or_default()
        ),
        Payload::Note(n) => match &n.step {
            Some(s) => format!("Note on {}: {}", step_title(s), n.text),
            None => format!("Note: {}", n.text),
        },
        Payload::Check(c) => {
            let path = format!("{}/{}", c.step, c.item);
            let text = rb
                .item(&path)
                .map_or_else(|| path.clone(), |(_, i)| format!("“{}” ({path})", i.text));
            if c.checked {
                format!("Checked {text}")
            } else {
                format!("Unchecked {text}")
            }
        }
        Payload::Answer(a) => {
            let path = format!("{}/{}", a.step, a.question);
            match rb.question(&path) {
                Some((_, q)) => format!(
                    "Answered “{}” ({path}): {}",
                    q.prompt,
                    display_value(q, &a.value)
                ),
                None => format!("Answered {path}: {}", a.value.plain()),
            }
        }
        Payload::Step(s) => {
            let t = step_title(&s.step);
            match s.outcome {
                StepOutcome::Done if s.open_items.is_empty() => format!("Marked {t} done"),
                StepOutcome::Done => format!(
                    "Marked {t} done with required items still open: {}",
                    s.open_items.join(", ")
                ),
                StepOutcome::Skipped => format!(
                    "Skipped {t}: {}",
                    s.reason.as_deref().unwrap_or("(no reason given)")
                ),
                StepOutcome::Reopened => format!("Reopened {t}"),
            }
        }
        Payload::Evidence(e) => format!(
            "Registered evidence {} ({} bytes, SHA-256 {}){}",
            e.path,
            e.size,
            e.sha256,
            e.note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        ),
        Payload::Notice(n) => format!(
            "Recorded notice {} to {} as sent at {}{}",
            n.template,
            n.audience,
            fmt_time(n.sent_at),
            n.to.as_deref()
                .map(|t| format!(" (to {t})"))
                .unwrap_or_default()
        ),
        Payload::Amended(a) => format!(
            "Corrected {} to {}: {}{}",
            fact_label(rb, &a.fact),
            match rb.question(&a.fact) {
                Some((_, q)) => display_value(q, &a.value),
                None => a.value.plain(),
            },
            a.reason,
            overridden(&a.overrode)
        ),
        Payload::Override(o) => format!(
            "Recorded {} despite the checks{}",
            fact_label(rb, &o.fact),
            overridden(&o.checks)
        ),
        Payload::Affected(a) => format!(
            "Imported who is affected from {} ({}, SHA-256 {}): {} people, {} of them not placed; places: {}",
            a.source,
            a.format,
            a.sha256,
            a.total,
            a.unplaced,
            if a.places.is_empty() {
                "none".to_string()
            } else {
                a.places.join(", ")
            }
        ),
        Payload::Closed(c) => match &c.summary {
            Some(s) => format!("Closed the incident: {s}"),
            None => "Closed the incident".to_string(),
        },
        Payload::Action(a) => format!(
            "Added action item {}: {} (owner {}, due {}){}",
            a.id,
            a.text,
            a.owner,
            a.due,
            if a.after_close { ", after closing" } else { "" }
        ),
        Payload::ActionDone(a) => {
            let text = incident
                .action(&a.id)
                .map(|x| format!(": {}", x.text))
                .unwrap_or_default();
            format!("Action item {} done{text}", a.id)
        }
        Payload::Unknown { kind, .. } => {
            format!("A `{kind}` record (written by a newer breach; not interpreted)")
        }
    };
    // A record given an event time (`--at`) is placed at it, and says when it was recorded.
    let (at, recorded_at, text) = match r.at {
        Some(at) => (
            at,
            Some(r.time),
            format!("{text} (recorded {})", fmt_time(r.time)),
        ),
        None => (r.time, None, text),
    };
    TimelineEntry {
        seq: r.seq,
        at,
        recorded_at,
        operator: r.operator.clone(),
        kind: r.payload.kind().to_string(),
        text,
        verified,
    }
}

/// A fact `amended` or `override` names, in words.
pub fn fact_label(rb: &crate::runbook::Runbook, fact: &str) -> String {
    match fact {
        "detected" => "the detection time".to_string(),
        "aware" => "the awareness time".to_string(),
        "determined" => "the determination time".to_string(),
        "title" => "the title".to_string(),
        "severity" => "the severity".to_string(),
        path => match rb.question(path) {
            Some((_, q)) => format!("“{}” ({path})", q.prompt),
            None => path.to_string(),
        },
    }
}

/// ` (overriding: …)` for overridden checks, or nothing.
fn overridden(checks: &[String]) -> String {
    if checks.is_empty() {
        String::new()
    } else {
        format!(" (overriding: {})", checks.join("; "))
    }
}

/// The report's time format: UTC, to the second, marked as UTC.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A duration for people: `2d 4h`, `3h 05m`, `12m`, `45s`.
pub fn fmt_duration(d: TimeDelta) -> String {
    crate::types::format_duration(d)
}
