//! The records of an incident file. Each record is one event: the incident was opened, a
//! note was added, an item checked, a question answered, a step done or skipped, evidence
//! registered, a notice sent, the incident closed, an action item added or done.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::types::AnswerValue;
use crate::types::Severity;

/// The format version of an incident kept in one file.
pub const FORMAT_VERSION: u32 = 1;

/// The format version of an incident kept as a directory of journals, one per writer.
pub const TEAM_FORMAT_VERSION: u32 = 2;

/// One record of the journal, as read back (hash already checked by the reader).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// 0 for the first record, then +1.
    pub seq: u64,
    /// When it was recorded (UTC, whole seconds).
    pub time: DateTime<Utc>,
    /// Who recorded it.
    pub operator: String,
    /// The SHA-256 (hex) of the previous record; 64 zeros for the first.
    pub prev: String,
    /// This record's SHA-256 (hex).
    pub hash: String,
    /// What happened.
    pub payload: Payload,
    /// The event time (`at`, docs/incident-file-format.md section 12.3): when what the
    /// record says happened, where the operator gave it apart from the record time
    /// (`--at`). Always `None` in format 1, which has no place for it.
    pub at: Option<DateTime<Utc>>,
    /// The 1-based line of the record's `---` in the file (0 when not read from a file).
    pub line: usize,
}

/// What a record says happened. The `kind` field of the file selects the variant.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    Opened(Box<Opened>),
    Note(Note),
    Check(Check),
    Answer(Answer),
    Step(StepChange),
    Evidence(EvidenceEntry),
    Notice(NoticeSent),
    Amended(Amended),
    Override(Override),
    Affected(Box<AffectedImport>),
    Closed(Closed),
    Action(ActionAdded),
    ActionDone(ActionDone),
    /// A kind this build does not know (written by a newer `breach`). Kept, verified,
    /// shown in timelines, otherwise ignored.
    Unknown {
        kind: String,
        payload: serde_yaml::Value,
    },
}

impl Payload {
    /// The `kind` written in the file.
    pub fn kind(&self) -> &str {
        match self {
            Payload::Opened(_) => "opened",
            Payload::Note(_) => "note",
            Payload::Check(_) => "check",
            Payload::Answer(_) => "answer",
            Payload::Step(_) => "step",
            Payload::Evidence(_) => "evidence",
            Payload::Notice(_) => "notice",
            Payload::Amended(_) => "amended",
            Payload::Override(_) => "override",
            Payload::Affected(_) => "affected",
            Payload::Closed(_) => "closed",
            Payload::Action(_) => "action",
            Payload::ActionDone(_) => "action_done",
            Payload::Unknown { kind, .. } => kind,
        }
    }

    /// The payload as a YAML value, for writing.
    pub fn to_value(&self) -> Result<serde_yaml::Value, serde_yaml::Error> {
        match self {
            Payload::Opened(p) => serde_yaml::to_value(p),
            Payload::Note(p) => serde_yaml::to_value(p),
            Payload::Check(p) => serde_yaml::to_value(p),
            Payload::Answer(p) => serde_yaml::to_value(p),
            Payload::Step(p) => serde_yaml::to_value(p),
            Payload::Evidence(p) => serde_yaml::to_value(p),
            Payload::Notice(p) => serde_yaml::to_value(p),
            Payload::Amended(p) => serde_yaml::to_value(p),
            Payload::Override(p) => serde_yaml::to_value(p),
            Payload::Affected(p) => serde_yaml::to_value(p),
            Payload::Closed(p) => serde_yaml::to_value(p),
            Payload::Action(p) => serde_yaml::to_value(p),
            Payload::ActionDone(p) => serde_yaml::to_value(p),
            Payload::Unknown { payload, .. } => Ok(payload.clone()),
        }
    }

    /// Builds a payload from a record's `kind` and `payload` fields. Unknown kinds become
    /// [`Payload::Unknown`]; a known kind with a malformed payload is an error.
    pub fn from_value(kind: &str, value: serde_yaml::Value) -> Result<Payload, serde_yaml::Error> {
        Payload::deserialize_kind(kind, value)
    }

    /// [`Payload::from_value`] from any deserializer of the `payload` field (the fast
    /// reader's typed decoding uses its own).
    pub fn deserialize_kind<'de, D: serde::Deserializer<'de>>(
        kind: &str,
        payload: D,
    ) -> Result<Payload, D::Error> {
        Ok(match kind {
            "opened" => Payload::Opened(Box::new(Deserialize::deserialize(payload)?)),
            "note" => Payload::Note(Deserialize::deserialize(payload)?),
            "check" => Payload::Check(Deserialize::deserialize(payload)?),
            "answer" => Payload::Answer(Deserialize::deserialize(payload)?),
            "step" => Payload::Step(Deserialize::deserialize(payload)?),
            "evidence" => Payload::Evidence(Deserialize::deserialize(payload)?),
            "notice" => Payload::Notice(Deserialize::deserialize(payload)?),
            "amended" => Payload::Amended(Deserialize::deserialize(payload)?),
            "override" => Payload::Override(Deserialize::deserialize(payload)?),
            "affected" => Payload::Affected(Box::new(Deserialize::deserialize(payload)?)),
            "closed" => Payload::Closed(Deserialize::deserialize(payload)?),
            "action" => Payload::Action(Deserialize::deserialize(payload)?),
            "action_done" => Payload::ActionDone(Deserialize::deserialize(payload)?),
            other => Payload::Unknown {
                kind: other.to_string(),
                payload: serde_yaml::Value::deserialize(payload)?,
            },
        })
    }
}

impl Payload {
    /// Whether a file whose last record is this one belongs to a closed incident: a
    /// `closed` record, or an action record appended after it (`after_close`). This is what
    /// lets the tail reader answer "closed?" from the last record alone.
    pub fn ends_closed(&self) -> bool {
        match self {
            Payload::Closed(_) => true,
            Payload::Action(a) => a.after_close,
            Payload::ActionDone(a) => a.after_close,
            Payload::Opened(_)
            | Payload::Note(_)
            | Payload::Check(_)
            | Payload::Answer(_)
            | Payload::Step(_)
            | Payload::Evidence(_)
            | Payload::Notice(_)
            | Payload::Amended(_)
            | Payload::Override(_)
            | Payload::Affected(_)
            | Payload::Unknown { .. } => false,
        }
    }
}

/// The first record: the intake and the pinned runbook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opened {
    /// The incident file format version (1, or 2 for a directory of journals).
    pub format: u32,
    /// The incident id, e.g. `20261123T101500Z-card-skimmer-on-checkout`.
    pub id: String,
    pub title: String,
    pub severity: Severity,
    #[serde(with = "utc")]
    pub detected_at: DateTime<Utc>,
    #[serde(with = "utc")]
    pub aware_at: DateTime<Utc>,
    #[serde(default, with = "utc_opt", skip_serializing_if = "Option::is_none")]
    pub determined_at: Option<DateTime<Utc>>,
    /// The runbook, pinned: editing the runbook file later never changes this incident.
    pub runbook: PinnedRunbook,
    /// Version 2 only: the version 1 file this incident was converted from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgraded_from: Option<UpgradedFrom>,
}

/// The version 1 file a version 2 incident was converted from: its number of records and
/// the hash of its last record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradedFrom {
    pub format: u32,
    pub records: u64,
    pub last_hash: String,
}

/// The runbook as it was when the incident was opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedRunbook {
    pub id: String,
    pub title: String,
    /// Where it was loaded from: `built-in` or a path.
    pub source: String,
    /// SHA-256 (hex) of `text`'s UTF-8 bytes.
    pub sha256: String,
    /// The full runbook YAML.
    pub text: String,
}

/// A free-text note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

/// A checklist item ticked (`checked: true`) or unticked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub step: String,
    pub item: String,
    pub checked: bool,
}

/// A question answered (a later answer replaces an earlier one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub step: String,
    pub question: String,
    pub value: AnswerValue,
}

/// What happened to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepOutcome {
    Done,
    Skipped,
    Reopened,
}

/// A step marked done, skipped or reopened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepChange {
    pub step: String,
    pub outcome: StepOutcome,
    /// Why it was skipped (required for `skipped`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Required items still unchecked when it was marked done (confirmed by the operator).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open_items: Vec<String>,
}

/// A registered evidence file. The collector is the record's operator and the time
/// collected is the record's time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceEntry {
    /// The absolute path of the original file.
    pub path: String,
    pub sha256: String,
    pub size: u64,
    #[serde(default, with = "utc_opt", skip_serializing_if = "Option::is_none")]
    pub modified: Option<DateTime<Utc>>,
    /// Where the copy is, relative to the incident directory, if one was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A notice that went out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeSent {
    /// The template it was drafted from.
    pub template: String,
    /// The template's audience.
    pub audience: String,
    /// When it was sent (may be earlier than the record).
    #[serde(with = "utc")]
    pub sent_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// A fact corrected: an intake field or an answer, with the reason. The earlier record
/// stays; the state uses the new value from here on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amended {
    /// `detected`, `aware`, `determined`, `title`, `severity` or `STEP/QUESTION`.
    pub fact: String,
    /// The new value: RFC 3339 text for times, the title, the severity name, or an answer.
    pub value: AnswerValue,
    pub reason: String,
    /// The plausibility checks overridden to record it (their messages).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrode: Vec<String>,
}

/// Plausibility checks overridden for the value recorded by the next record (`start`'s
/// intake times, or an answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// `detected`, `aware`, `determined` or `STEP/QUESTION`.
    pub fact: String,
    /// The message of each overridden check.
    pub checks: Vec<String>,
}

/// The intake facts `amended` can correct, as written in its `fact` field.
pub const INTAKE_FACTS: [&str; 5] = ["detected", "aware", "determined", "title", "severity"];

/// Who is affected, counted from the store's own export (`breach affected import`); the
/// latest one counts (docs/incident-file-format.md, `affected`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AffectedImport {
    /// The absolute path of the export read.
    pub source: String,
    pub sha256: String,
    pub size: u64,
    /// The layout it was read as (`shopify-orders`, ...).
    pub format: String,
    /// The encoding it was read in (`utf8`, `utf16-le`, ...).
    pub encoding: String,
    #[serde(default, with = "utc_opt", skip_serializing_if = "Option::is_none")]
    pub window_from: Option<DateTime<Utc>>,
    #[serde(default, with = "utc_opt", skip_serializing_if = "Option::is_none")]
    pub window_to: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub card_only: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payment_methods: Vec<String>,
    pub rows_read: u64,
    pub rows_kept: u64,
    /// Rows not counted, by reason.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dropped: BTreeMap<String, u64>,
    /// Distinct people.
    pub total: u64,
    /// People whose country could not be read.
    pub unplaced: u64,
    /// Distinct people per ISO 3166-1 country.
    pub countries: BTreeMap<String, u64>,
    /// Distinct people per ISO 3166-2 subdivision.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub subdivisions: BTreeMap<String, u64>,
    /// Each person's most precise place code, deduplicated.
    pub places: Vec<String>,
    /// The recipient list, relative to the incident directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<String>,
}

/// The incident was closed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// An action item (a follow-up) added. Its adder is the record's operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionAdded {
    /// `A1`, `A2`, ...: the count of earlier action items plus one.
    pub id: String,
    pub text: String,
    pub owner: String,
    /// The UTC day it is due.
    pub due: chrono::NaiveDate,
    /// Set exactly when the record follows the `closed` record.
    #[serde(default, skip_serializing_if = "is_false")]
    pub after_close: bool,
}

/// An action item done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDone {
    pub id: String,
    /// Set exactly when the record follows the `closed` record.
    #[serde(default, skip_serializing_if = "is_false")]
    pub after_close: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Serde for a UTC instant as an RFC 3339 string with `Z` and whole seconds.
pub mod utc {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::types::format_utc(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| serde::de::Error::custom(format!("invalid RFC 3339 time {text:?}: {e}")))
    }
}

/// [`utc`] for an optional instant.
pub mod utc_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&crate::types::format_utc(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|text| {
            DateTime::parse_from_rfc3339(&text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| {
                    serde::de::Error::custom(format!("invalid RFC 3339 time {text:?}: {e}"))
                })
        })
        .transpose()
    }
}
