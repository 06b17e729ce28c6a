//! The incident's state: a pure fold of the journal's records over the pinned runbook. No
//! I/O and no clock here; everything is derived from the records, so the same file always
//! yields the same state.

pub mod action;
pub mod checks;
pub mod deadlines;
pub mod facts;
pub mod next;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::types::AnswerValue;

use crate::journal::record::{AffectedImport, Opened, Payload, Record, StepOutcome};
use crate::runbook::condition::{Answers, applies};
use crate::runbook::{AffectedFact, CodeList, IntakeAnchor, Runbook, parse_pinned};
use crate::types::Severity;

/// The state of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Nothing recorded for it yet.
    Pending,
    /// Something recorded (a check, an answer, a note) or reopened.
    InProgress,
    Done,
    Skipped,
}

impl StepStatus {
    /// The name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::InProgress => "in_progress",
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
        }
    }

    /// Done or skipped.
    pub fn is_closed(self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::Skipped)
    }
}

/// Who did something, and when (the record's operator, time and sequence number, and the
/// event time the record gives, if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stamp {
    pub by: String,
    /// The record time.
    #[serde(with = "crate::journal::record::utc")]
    pub at: DateTime<Utc>,
    pub seq: u64,
    /// When what the record says happened, where it gives that apart from the record time
    /// (the record's `at`, `--at`; team incidents only). The one source of event times for
    /// everything that shows the state.
    #[serde(
        default,
        with = "crate::journal::record::utc_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub event_at: Option<DateTime<Utc>>,
}

impl Stamp {
    /// The stamp of record `r`.
    pub fn of(r: &Record) -> Stamp {
        Stamp {
            by: r.operator.clone(),
            at: r.time,
            seq: r.seq,
            event_at: r.at,
        }
    }

    /// When it happened: the event time where the record gives one, else the record time.
    pub fn when(&self) -> DateTime<Utc> {
        self.event_at.unwrap_or(self.at)
    }
}

/// A checklist item's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemState {
    pub id: String,
    pub checked: bool,
    /// The last check or uncheck.
    pub last: Option<Stamp>,
}

/// An answer's current value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerState {
    pub value: AnswerValue,
    pub stamp: Stamp,
}

/// A step's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepState {
    pub id: String,
    pub status: StepStatus,
    pub items: Vec<ItemState>,
    /// Current answers by question id.
    pub answers: BTreeMap<String, AnswerState>,
    /// Why it was skipped (when skipped).
    pub skip_reason: Option<String>,
    /// Required items left open when it was marked done.
    pub done_with_open_items: Vec<String>,
    /// The first record about this step.
    pub started: Option<Stamp>,
    /// When it was last marked done or skipped (cleared on reopen).
    pub finished: Option<Stamp>,
    /// The latest record about this step.
    pub last_activity: Option<Stamp>,
}

impl StepState {
    /// `(checked, total)` over the given items.
    pub fn progress(&self) -> (usize, usize) {
        (
            self.items.iter().filter(|i| i.checked).count(),
            self.items.len(),
        )
    }

    /// The state of one item.
    pub fn item(&self, id: &str) -> Option<&ItemState> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// A note.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoteEntry {
    pub text: String,
    pub step: Option<String>,
    pub stamp: Stamp,
}

/// A registered evidence file with who collected it and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceState {
    #[serde(flatten)]
    pub entry: crate::journal::record::EvidenceEntry,
    pub stamp: Stamp,
}

/// A notice recorded as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticeState {
    #[serde(flatten)]
    pub notice: crate::journal::record::NoticeSent,
    pub stamp: Stamp,
}

/// A fact corrected with `amended`: what it was, what it became, who, when and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correction {
    /// As in the record: `detected`, `aware`, `determined`, `title`, `severity` or
    /// `STEP/QUESTION`.
    pub fact: String,
    /// The value before the correction, for display (`None`: it had none).
    pub old: Option<String>,
    /// The new value, for display.
    pub new: String,
    pub reason: String,
    /// Plausibility checks overridden to record it.
    pub overrode: Vec<String>,
    pub stamp: Stamp,
}

/// Plausibility checks overridden (`--override-check`) for a fact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverrideState {
    pub fact: String,
    pub checks: Vec<String>,
    pub stamp: Stamp,
}

/// An import of the affected people (`breach affected import`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AffectedState {
    #[serde(flatten)]
    pub import: AffectedImport,
    pub stamp: Stamp,
}

/// How many people of an import live in `code`: a subdivision's count, a country's, or for
/// `EU` the sum of the EU/EEA countries.
pub fn people_in(a: &AffectedImport, code: &str) -> u64 {
    if code == "EU" {
        return a
            .countries
            .iter()
            .filter(|(c, _)| CodeList::within(c, "EU"))
            .map(|(_, n)| n)
            .sum();
    }
    if code.contains('-') {
        a.subdivisions.get(code).copied().unwrap_or(0)
    } else {
        a.countries.get(code).copied().unwrap_or(0)
    }
}

/// An action item (a follow-up): added by one record, done by a later one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionState {
    /// `A1`, `A2`, ...
    pub id: String,
    pub text: String,
    pub owner: String,
    /// The UTC day it is due.
    pub due: chrono::NaiveDate,
    pub added: Stamp,
    /// When it was recorded as done.
    pub done: Option<Stamp>,
}

impl ActionState {
    /// Whether it is still open after the UTC day it was due on.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.done.is_none() && now.date_naive() > self.due
    }
}

/// The incident, folded from its records.
#[derive(Debug, Clone)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub opened: Stamp,
    pub detected_at: DateTime<Utc>,
    pub aware_at: DateTime<Utc>,
    /// When it was determined that a breach occurred: the most recently recorded of the
    /// intake's time (`opened`, or `amended` `determined`) and the answer to a question with
    /// `sets: determined` (or its correction). The one fact every consumer reads.
    pub determined_at: Option<DateTime<Utc>>,
    /// The intake's determination time alone (`opened`, or corrected with `amended`).
    pub intake_determined_at: Option<DateTime<Utc>>,
    /// The answer records that last set an intake time (`detected`, `aware`, `determined`)
    /// through a question with `sets:`; an intake time not listed comes from `opened`.
    pub intake_set_by: BTreeMap<&'static str, Stamp>,
    /// The pinned runbook, parsed.
    pub runbook: Runbook,
    /// SHA-256 of the pinned runbook text.
    pub runbook_sha256: String,
    /// Where the runbook was loaded from when the incident was opened.
    pub runbook_source: String,
    /// One per runbook step, in runbook order.
    pub steps: Vec<StepState>,
    pub notes: Vec<NoteEntry>,
    pub evidence: Vec<EvidenceState>,
    pub notices: Vec<NoticeState>,
    /// Facts corrected with `amended`, in record order.
    pub corrections: Vec<Correction>,
    /// Plausibility checks overridden, in record order (from `override` and `amended`).
    pub overrides: Vec<OverrideState>,
    /// The fact an `override` record just before the next record is for (cleared by any
    /// other record): the next record may then set it despite the checks.
    pub pending_override: Option<String>,
    /// Every import of the affected people, oldest first; the last one is current.
    pub affected: Vec<AffectedState>,
    pub closed: Option<Stamp>,
    /// Action items, in the order they were added (so `A1` is first).
    pub actions: Vec<ActionState>,
    /// Everyone who recorded something, in order of first appearance.
    pub operators: Vec<String>,
    /// How many records were folded.
    pub record_count: u64,
    /// The last record's time.
    pub last_activity: DateTime<Utc>,
    /// Records the fold could not apply (unknown kinds, ids not in the runbook), described.
    pub warnings: Vec<String>,
    /// Concurrent contradictory decisions not yet resolved (a version 2 incident, merged
    /// from several journals; see `docs/incident-file-format.md` section 12.8).
    pub conflicts: Vec<Conflict>,
    /// What a reader must know about how records were timed: journals whose clock went
    /// back, records written under a fixed clock (`BREACH_NOW`). One sentence each.
    pub clock_notes: Vec<String>,
    /// How each journal of a version 2 incident is signed (section 12.3a), sorted by
    /// writer id; empty for a version 1 file.
    pub signing: Vec<Signing>,
    /// The sequence numbers of records that follow the `closed` record, action items apart:
    /// `breach` never writes them, so another writer (or an edit) did; `breach verify` and
    /// `breach status` warn of them.
    pub after_closed: Vec<u64>,
}

/// Two or more concurrent records that decide one thing differently.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Conflict {
    /// What they decide, e.g. `answer to contain/affected` or `step contain`.
    pub subject: String,
    pub sides: Vec<ConflictSide>,
}

/// One side of a [`Conflict`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConflictSide {
    /// The value it records (an answer, a step outcome).
    pub value: String,
    pub writer: String,
    pub operator: String,
    pub time: DateTime<Utc>,
    /// Its position in the merged view.
    pub position: u64,
}

impl Conflict {
    /// One line naming each side: `answer to s/q: 1200 (alice@laptop, alice, 2026-...), ...`.
    pub fn describe(&self) -> String {
        let sides: Vec<String> = self
            .sides
            .iter()
            .map(|s| {
                format!(
                    "{} (#{} by {} on {}, {})",
                    s.value,
                    s.position,
                    s.operator,
                    s.writer,
                    crate::types::format_utc(s.time)
                )
            })
            .collect();
        format!("{}: {}", self.subject, sides.join(" vs "))
    }
}

/// How the records of one journal are signed (docs/incident-file-format.md, 12.3a).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SigningState {
    /// Every record signed by a key allowed for its operator.
    Known,
    /// Every record signed, some by a key not allowed for its operator.
    Unknown,
    /// A signature that does not verify.
    Bad,
    /// Some records signed, some not.
    Partly,
    /// No record signed.
    Unsigned,
}

/// A known key that signed records under an operator name it is not allowed for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Misattributed {
    /// The key's SHA-256 fingerprint.
    pub key: String,
    /// The operator the records name.
    pub operator: String,
    /// The principals the allowed-signers file gives the key to.
    pub allowed_for: Vec<String>,
}

/// One journal's signatures, as `verify`, `status` and the export report them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Signing {
    /// The journal's writer id.
    pub writer: String,
    pub state: SigningState,
    /// The journal's records, and how many of them are signed.
    pub records: usize,
    pub signed: usize,
    /// The operators whose records are signed by a key allowed for them, sorted.
    pub principals: Vec<String>,
    /// The SHA-256 fingerprints of keys not allowed for the operator they signed as, sorted.
    pub unknown_keys: Vec<String>,
    /// Of those, the keys the allowed-signers file gives to someone else: a record signed
    /// by one person's key under another person's name. Sorted.
    pub misattributed: Vec<Misattributed>,
    /// The first record whose signature does not verify, and why.
    pub bad_record: Option<u64>,
    pub bad_reason: Option<String>,
    /// The first record without a signature, in a partly signed journal.
    pub first_unsigned: Option<u64>,
}

impl Signing {
    /// One sentence after the journal's name: `signed by a known key (alice)`.
    pub fn describe(&self) -> String {
        match self.state {
            SigningState::Known => {
                format!("signed by a known key ({})", self.principals.join(", "))
            }
            SigningState::Unknown => {
                let mut text = format!(
                    "signed by an unknown key ({})",
                    self.unknown_keys.join(", ")
                );
                for m in &self.misattributed {
                    text.push_str(&format!(
                        "; {} is the key of {}, but signed as {}",
                        m.key,
                        m.allowed_for.join(", "),
                        m.operator
                    ));
                }
                text
            }
            SigningState::Bad => format!(
                "badly signed: record {}: {}",
                self.bad_record.unwrap_or(0),
                self.bad_reason.as_deref().unwrap_or("a bad signature")
            ),
            SigningState::Partly => format!(
                "partly signed: {} of {} records (record {} is not signed)",
                self.signed,
                self.records,
                self.first_unsigned.unwrap_or(0)
            ),
            SigningState::Unsigned => "unsigned".to_string(),
        }
    }
}

/// Why records cannot be folded at all.
#[derive(Debug, thiserror::Error)]
pub enum FoldError {
    #[error("the incident file has no records")]
    Empty,
    #[error(
        "the first record (line {line}) is a `{kind}` record; an incident file must start with `opened`"
    )]
    NotOpened { kind: String, line: usize },
    #[error(
        "the incident file is format version {0}; this build of breach reads versions 1 and 2 (upgrade breach)"
    )]
    UnsupportedFormat(u32),
    #[error("the runbook pinned in the incident file is invalid: {0}")]
    BadRunbook(String),
}

/// Conditions read the *live* answers: an answer counts only while its question is still
/// asked, that is while the question's step applies and the question's own `when` holds for
/// the live answers it reads. So when an earlier answer changes (personal data: no; a place
/// removed), the answers that depended on it (high risk; that place's residents) stop
/// counting, and every clock, item and step conditioned on them follows. The recorded answer
/// stays in the state and comes back if the question is asked again.
impl Answers for Incident {
    fn answer(&self, path: &str) -> Option<&AnswerValue> {
        Live {
            incident: self,
            depth: self.runbook.steps.len() + self.answers_len(),
        }
        .get(path)
    }
}

/// [`Incident`]'s answers as conditions see them, with a bound on how deep the chain of
/// conditions is followed. A validated runbook's conditions read only earlier answers, so
/// the chain always ends; the bound only keeps a hand-made cycle from recursing forever
/// (the answer then counts as unanswered).
struct Live<'a> {
    incident: &'a Incident,
    depth: usize,
}

impl Answers for Live<'_> {
    fn answer(&self, path: &str) -> Option<&AnswerValue> {
        self.get(path)
    }
}

impl<'a> Live<'a> {
    fn get(&self, path: &str) -> Option<&'a AnswerValue> {
        let inc = self.incident;
        let (step, q) = path.split_once('/')?;
        let idx = inc.runbook.step_index(step)?;
        let value = inc.steps[idx].answers.get(q).map(|a| &a.value)?;
        let spec = &inc.runbook.steps[idx];
        let question = spec.questions.iter().find(|x| x.id == q)?;
        if spec.when.is_none() && question.when.is_none() {
            return Some(value);
        }
        let deeper = Live {
            incident: inc,
            depth: self.depth.checked_sub(1)?,
        };
        (applies(spec.when.as_ref(), &deeper) && applies(question.when.as_ref(), &deeper))
            .then_some(value)
    }
}

impl Incident {
    /// Starts the state from the first record.
    pub fn from_opened(opened: &Opened, record: &Record) -> Result<Incident, FoldError> {
        if !(crate::journal::record::FORMAT_VERSION..=crate::journal::record::TEAM_FORMAT_VERSION)
            .contains(&opened.format)
        {
            return Err(FoldError::UnsupportedFormat(opened.format));
        }
        let runbook = parse_pinned(&opened.runbook.text, "pinned runbook").map_err(|problems| {
            FoldError::BadRunbook(
                problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        let steps = runbook
            .steps
            .iter()
            .map(|s| StepState {
                id: s.id.clone(),
                status: StepStatus::Pending,
                items: s
                    .items
                    .iter()
                    .map(|i| ItemState {
                        id: i.id.clone(),
                        checked: false,
                        last: None,
                    })
                    .collect(),
                answers: BTreeMap::new(),
                skip_reason: None,
                done_with_open_items: Vec::new(),
                started: None,
                finished: None,
                last_activity: None,
            })
            .collect();
        Ok(Incident {
            id: opened.id.clone(),
            title: opened.title.clone(),
            severity: opened.severity,
            opened: Stamp::of(record),
            detected_at: opened.detected_at,
            aware_at: opened.aware_at,
            determined_at: opened.determined_at,
            intake_determined_at: opened.determined_at,
            intake_set_by: BTreeMap::new(),
            runbook,
            runbook_sha256: opened.runbook.sha256.clone(),
            runbook_source: opened.runbook.source.clone(),
            steps,
            notes: Vec::new(),
            evidence: Vec::new(),
            notices: Vec::new(),
            corrections: Vec::new(),
            overrides: Vec::new(),
            pending_override: None,
            affected: Vec::new(),
            closed: None,
            actions: Vec::new(),
            operators: vec![record.operator.clone()],
            record_count: 1,
            last_activity: record.time,
            warnings: Vec::new(),
            conflicts: Vec::new(),
            clock_notes: Vec::new(),
            signing: Vec::new(),
            after_closed: Vec::new(),
        })
    }

    /// Applies one more record. Records that do not fit the runbook are noted in
    /// `warnings` and otherwise ignored, so a file written by a newer or hand-edited
    /// `breach` still folds.
    pub fn apply(&mut self, r: &Record) {
        // Action items are the one kind recorded after closing (`after_close: true`).
        let after_close_allowed = matches!(r.payload, Payload::Action(_) | Payload::ActionDone(_));
        if let Some(closed) = &self.closed
            && !after_close_allowed
        {
            self.after_closed.push(r.seq);
            let at = crate::types::format_utc(closed.at);
            self.warn(r, format!("written after the incident was closed at {at}"));
        }
        self.record_count += 1;
        self.last_activity = self.last_activity.max(r.time);
        if !self.operators.contains(&r.operator) {
            self.operators.push(r.operator.clone());
        }
        let stamp = Stamp::of(r);
        self.pending_override = match &r.payload {
            Payload::Override(o) => Some(o.fact.clone()),
            _ => None,
        };
        match &r.payload {
            Payload::Opened(_) => self.warn(r, "a second `opened` record is ignored".into()),
            Payload::Note(n) => {
                if let Some(step) = &n.step
                    && self.touch(step, &stamp).is_none()
                {
                    self.warn(r, format!("note for unknown step `{step}`"));
                }
                self.notes.push(NoteEntry {
                    text: n.text.clone(),
                    step: n.step.clone(),
                    stamp,
                });
            }
            Payload::Check(c) => match self.touch(&c.step, &stamp) {
                Some(idx) => match self.steps[idx].items.iter_mut().find(|i| i.id == c.item) {
                    Some(item) => {
                        item.checked = c.checked;
                        item.last = Some(stamp);
                    }
                    None => self.warn(r, format!("check of unknown item `{}/{}`", c.step, c.item)),
                },
                None => self.warn(r, format!("check in unknown step `{}`", c.step)),
            },
            Payload::Answer(a) => {
                let question = self
                    .runbook
                    .question(&format!("{}/{}", a.step, a.question))
                    .map(|(_, q)| q);
                let known = question.is_some();
                if let Some(anchor) = question.and_then(|q| q.sets) {
                    self.set_intake_time(anchor, &a.value, &stamp);
                }
                match self.touch(&a.step, &stamp) {
                    Some(idx) if known => {
                        self.set_answer(idx, &a.question, a.value.clone(), stamp);
                    }
                    _ => self.warn(
                        r,
                        format!("answer to unknown question `{}/{}`", a.step, a.question),
                    ),
                }
            }
            Payload::Step(s) => match self.touch(&s.step, &stamp) {
                Some(idx) => {
                    let step = &mut self.steps[idx];
                    match s.outcome {
                        StepOutcome::Done => {
                            step.status = StepStatus::Done;
                            step.skip_reason = None;
                            step.done_with_open_items = s.open_items.clone();
                            step.finished = Some(stamp);
                        }
                        StepOutcome::Skipped => {
                            step.status = StepStatus::Skipped;
                            step.skip_reason = s.reason.clone();
                            step.done_with_open_items.clear();
                            step.finished = Some(stamp);
                        }
                        StepOutcome::Reopened => {
                            step.status = StepStatus::InProgress;
                            step.skip_reason = None;
                            step.done_with_open_items.clear();
                            step.finished = None;
                        }
                    }
                }
                None => self.warn(r, format!("outcome for unknown step `{}`", s.step)),
            },
            Payload::Evidence(e) => self.evidence.push(EvidenceState {
                entry: e.clone(),
                stamp,
            }),
            Payload::Notice(n) => {
                // One duty, one place: the notice ticks every item it fulfils.
                let mut ticked = Vec::new();
                for (spec, state) in self.runbook.steps.iter().zip(self.steps.iter_mut()) {
                    for (item, st) in spec.items.iter().zip(state.items.iter_mut()) {
                        // An item already ticked keeps the record that ticked it.
                        if item.template.as_deref() == Some(n.template.as_str()) && !st.checked {
                            st.checked = true;
                            st.last = Some(stamp.clone());
                            ticked.push(spec.id.clone());
                        }
                    }
                }
                for step in ticked {
                    self.touch(&step, &stamp);
                }
                self.notices.push(NoticeState {
                    notice: n.clone(),
                    stamp,
                })
            }
            Payload::Amended(a) => self.amend(r, a, stamp),
            Payload::Override(o) => self.overrides.push(OverrideState {
                fact: o.fact.clone(),
                checks: o.checks.clone(),
                stamp,
            }),
            Payload::Affected(a) => self.apply_affected(a, &stamp),
            Payload::Closed(_) => {
                if self.closed.is_none() {
                    self.closed = Some(stamp);
                } else {
                    self.warn(r, "a second `closed` record is ignored".into());
                }
            }
            Payload::Action(a) => {
                if self.action(&a.id).is_some() || a.id != next_action_id(self.actions.len()) {
                    self.warn(
                        r,
                        format!("action item `{}` out of sequence, ignored", a.id),
                    );
                } else {
                    self.actions.push(ActionState {
                        id: a.id.clone(),
                        text: a.text.clone(),
                        owner: a.owner.clone(),
                        due: a.due,
                        added: stamp,
                        done: None,
                    });
                }
            }
            Payload::ActionDone(a) => match self.actions.iter_mut().find(|x| x.id == a.id) {
                Some(x) if x.done.is_none() => x.done = Some(stamp),
                Some(_) => self.warn(r, format!("action item `{}` is already done", a.id)),
                None => self.warn(r, format!("done for unknown action item `{}`", a.id)),
            },
            Payload::Unknown { kind, .. } => {
                self.warn(r, format!("unknown record kind `{kind}` ignored"))
            }
        }
    }

    /// Sets an answer.
    fn set_answer(&mut self, idx: usize, question: &str, value: AnswerValue, stamp: Stamp) {
        self.steps[idx]
            .answers
            .insert(question.to_string(), AnswerState { value, stamp });
    }

    /// An answer to a question with `sets:` (or its correction) sets that intake time: the
    /// latest record counts.
    fn set_intake_time(&mut self, anchor: IntakeAnchor, value: &AnswerValue, stamp: &Stamp) {
        let AnswerValue::Text(text) = value else {
            return;
        };
        let Ok(at) = DateTime::parse_from_rfc3339(text) else {
            return;
        };
        let at = at.with_timezone(&Utc);
        match anchor {
            IntakeAnchor::Detected => self.detected_at = at,
            IntakeAnchor::Aware => self.aware_at = at,
            IntakeAnchor::Determined => self.determined_at = Some(at),
            IntakeAnchor::Opened => return,
        }
        self.intake_set_by.insert(anchor.as_str(), stamp.clone());
    }

    /// The current answer to `STEP/QUESTION`.
    pub fn answer_value(&self, path: &str) -> Option<&AnswerValue> {
        Answers::answer(self, path)
    }

    /// The current value of a fact `amended` can correct, for display (`None`: none yet).
    pub fn fact_display(&self, fact: &str) -> Option<String> {
        let time = crate::types::format_utc;
        match fact {
            "detected" => Some(time(self.detected_at)),
            "aware" => Some(time(self.aware_at)),
            "determined" => self.determined_at.map(time),
            "title" => Some(self.title.clone()),
            "severity" => Some(self.severity.as_str().to_string()),
            path => {
                let (_, q) = self.runbook.question(path)?;
                self.answer(path).map(|v| q.display_answer(v))
            }
        }
    }

    /// Applies an `amended` record.
    fn amend(&mut self, r: &Record, a: &crate::journal::record::Amended, stamp: Stamp) {
        let old = self.fact_display(&a.fact);
        let time = match &a.value {
            AnswerValue::Text(t) => DateTime::parse_from_rfc3339(t)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            _ => None,
        };
        let text = match &a.value {
            AnswerValue::Text(t) => Some(t.clone()),
            _ => None,
        };
        let applied = match (a.fact.as_str(), time, text) {
            ("detected", Some(_), _) => {
                self.set_intake_time(IntakeAnchor::Detected, &a.value, &stamp);
                true
            }
            ("aware", Some(_), _) => {
                self.set_intake_time(IntakeAnchor::Aware, &a.value, &stamp);
                true
            }
            ("determined", Some(t), _) => {
                self.intake_determined_at = Some(t);
                self.set_intake_time(IntakeAnchor::Determined, &a.value, &stamp);
                true
            }
            ("title", _, Some(t)) => {
                self.title = t;
                true
            }
            ("severity", _, Some(t)) => match Severity::ALL.iter().find(|s| s.as_str() == t) {
                Some(s) => {
                    self.severity = *s;
                    true
                }
                None => false,
            },
            (path, _, _) if path.contains('/') => {
                let sets = self.runbook.question(path).map(|(_, q)| q.sets);
                let (step, question) = path.split_once('/').unwrap_or_default();
                match (self.touch(step, &stamp), sets) {
                    (Some(idx), Some(sets)) => {
                        if let Some(anchor) = sets {
                            self.set_intake_time(anchor, &a.value, &stamp);
                        }
                        self.set_answer(idx, question, a.value.clone(), stamp.clone());
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if !applied {
            self.warn(
                r,
                format!(
                    "correction of `{}` to a value that does not fit it is ignored",
                    a.fact
                ),
            );
            return;
        }
        let new = self.fact_display(&a.fact).unwrap_or_default();
        if !a.overrode.is_empty() {
            self.overrides.push(OverrideState {
                fact: a.fact.clone(),
                checks: a.overrode.clone(),
                stamp: stamp.clone(),
            });
        }
        self.corrections.push(Correction {
            fact: a.fact.clone(),
            old,
            new,
            reason: a.reason.clone(),
            overrode: a.overrode.clone(),
            stamp,
        });
    }

    /// The corrections of one fact, oldest first.
    pub fn corrections_of<'a>(&'a self, fact: &'a str) -> impl Iterator<Item = &'a Correction> {
        self.corrections.iter().filter(move |c| c.fact == fact)
    }

    /// An import of the affected people answers every question that holds one of its facts,
    /// as an answer recorded at this place in the chain would: the latest record wins.
    fn apply_affected(&mut self, a: &AffectedImport, stamp: &Stamp) {
        let mut answers = Vec::new();
        for (si, spec) in self.runbook.steps.iter().enumerate() {
            for q in &spec.questions {
                let value = match &q.affected {
                    Some(AffectedFact::Total) => AnswerValue::Number(a.total as f64),
                    Some(AffectedFact::Places) => AnswerValue::List(a.places.clone()),
                    Some(AffectedFact::Count(code)) => {
                        // A place the import found no one in gets no answer, unless an
                        // earlier one (by hand or by an import) is to be replaced by 0.
                        let n = people_in(a, code);
                        if n == 0 && !self.steps[si].answers.contains_key(&q.id) {
                            continue;
                        }
                        AnswerValue::Number(n as f64)
                    }
                    Some(AffectedFact::WindowStart | AffectedFact::WindowEnd) | None => continue,
                };
                answers.push((si, q.id.clone(), value));
            }
        }
        for (si, question, value) in answers {
            let step = self.steps[si].id.clone();
            self.touch(&step, stamp);
            self.steps[si].answers.insert(
                question,
                AnswerState {
                    value,
                    stamp: stamp.clone(),
                },
            );
        }
        self.affected.push(AffectedState {
            import: a.clone(),
            stamp: stamp.clone(),
        });
    }

    /// The latest import of the affected people, if any.
    pub fn affected_import(&self) -> Option<&AffectedState> {
        self.affected.last()
    }

    /// When it was determined that a breach occurred, the one value the clocks, templates
    /// and reports use: the intake's time, or the latest answer to a question that `sets:
    /// determined`, with the `STEP/QUESTION` of that answer (`None` for the intake).
    pub fn determined(&self) -> Option<(DateTime<Utc>, Option<String>)> {
        let at = self.determined_at?;
        let from = self.intake_set_by.get("determined").and_then(|stamp| {
            self.steps.iter().find_map(|st| {
                st.answers
                    .iter()
                    .find(|(_, a)| a.stamp.seq == stamp.seq)
                    .map(|(q, _)| format!("{}/{q}", st.id))
            })
        });
        Some((at, from))
    }

    /// The action item with this id (`A1`; the match ignores case).
    pub fn action(&self, id: &str) -> Option<&ActionState> {
        self.actions.iter().find(|a| a.id.eq_ignore_ascii_case(id))
    }

    /// Marks activity on a step; returns its index if it exists.
    fn touch(&mut self, step: &str, stamp: &Stamp) -> Option<usize> {
        let idx = self.runbook.step_index(step)?;
        let s = &mut self.steps[idx];
        if s.started.is_none() {
            s.started = Some(stamp.clone());
        }
        s.last_activity = Some(stamp.clone());
        if s.status == StepStatus::Pending {
            s.status = StepStatus::InProgress;
        }
        Some(idx)
    }

    fn warn(&mut self, r: &Record, text: String) {
        self.warnings
            .push(format!("record {} (line {}): {text}", r.seq, r.line));
    }

    /// Whether the incident is closed.
    pub fn is_closed(&self) -> bool {
        self.closed.is_some()
    }

    /// The state of the step with this id.
    pub fn step(&self, id: &str) -> Option<&StepState> {
        self.runbook.step_index(id).map(|i| &self.steps[i])
    }

    /// Whether step number `idx` applies (its `when` holds for the current answers).
    pub fn step_applies(&self, idx: usize) -> bool {
        applies(self.runbook.steps[idx].when.as_ref(), self)
    }

    /// How many answers are recorded (current values only).
    fn answers_len(&self) -> usize {
        self.steps.iter().map(|s| s.answers.len()).sum()
    }

    /// Required, applicable items of step `idx` that are not checked and whose duty no
    /// checked alternative (`or`) meets.
    pub fn open_required_items(&self, idx: usize) -> Vec<String> {
        let spec = &self.runbook.steps[idx];
        let state = &self.steps[idx];
        spec.items
            .iter()
            .zip(&state.items)
            .filter(|(i, st)| {
                i.required
                    && !st.checked
                    && applies(i.when.as_ref(), self)
                    && self.met_by_alternative(idx, &i.id).is_none()
            })
            .map(|(i, _)| i.id.clone())
            .collect()
    }

    /// The first checked, applicable alternative (`or`) of item `item` of step `idx`: its
    /// duty is met by that item.
    pub fn met_by_alternative(&self, idx: usize, item: &str) -> Option<&str> {
        let spec = &self.runbook.steps[idx];
        let state = &self.steps[idx];
        let it = spec.items.iter().find(|i| i.id == item)?;
        it.or.iter().map(String::as_str).find(|alt| {
            spec.items
                .iter()
                .zip(&state.items)
                .any(|(i, st)| i.id == *alt && st.checked && applies(i.when.as_ref(), self))
        })
    }

    /// `(checked, applicable)` checklist items of step `idx`: items whose `when` does not
    /// hold are not counted.
    pub fn item_progress(&self, idx: usize) -> (usize, usize) {
        let spec = &self.runbook.steps[idx];
        let applicable: Vec<bool> = spec
            .items
            .iter()
            .zip(&self.steps[idx].items)
            .filter(|(i, _)| applies(i.when.as_ref(), self))
            .map(|(_, st)| st.checked)
            .collect();
        (applicable.iter().filter(|c| **c).count(), applicable.len())
    }

    /// Index of the first applicable step that is neither done nor skipped.
    pub fn first_open_step(&self) -> Option<usize> {
        (0..self.steps.len()).find(|&i| !self.steps[i].status.is_closed() && self.step_applies(i))
    }

    /// `(closed, applicable)` step counts, for progress displays.
    pub fn progress(&self) -> (usize, usize) {
        let applicable: Vec<usize> = (0..self.steps.len())
            .filter(|&i| self.step_applies(i))
            .collect();
        let closed = applicable
            .iter()
            .filter(|&&i| self.steps[i].status.is_closed())
            .count();
        (closed, applicable.len())
    }
}

/// The id of the action item added after `count` others: `A1`, `A2`, ...
pub fn next_action_id(count: usize) -> String {
    format!("A{}", count + 1)
}

/// Folds a whole journal into the incident state.
pub fn fold(records: &[Record]) -> Result<Incident, FoldError> {
    let first = records.first().ok_or(FoldError::Empty)?;
    let Payload::Opened(opened) = &first.payload else {
        return Err(FoldError::NotOpened {
            kind: first.payload.kind().to_string(),
            line: first.line,
        });
    };
    let mut incident = Incident::from_opened(opened, first)?;
    for r in &records[1..] {
        incident.apply(r);
    }
    Ok(incident)
}

#[cfg(test)]
mod tests;
