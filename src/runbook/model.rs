//! The runbook format (`breach_runbook: 1`) as serde types. Unknown fields are errors
//! everywhere, so a typo in a runbook is reported instead of silently ignored. The prose
//! specification is `docs/runbook-format.md`.

use std::fmt;

use chrono::NaiveDate;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::types::AnswerValue;

/// The runbook format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// The id of a text question whose answer lists follow-up actions, one per line (the review
/// step of the built-in runbooks has one). The walk suggests recording each line as an
/// action item, and the report shows the lines none of the action items holds.
pub const ACTION_ITEMS_QUESTION: &str = "action_items";

/// A runbook: an ordered list of steps plus the legal deadlines, communication templates
/// and references that go with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    /// The format version; must be 1.
    pub breach_runbook: u32,
    /// A stable identifier, e.g. `ecommerce-breach`.
    pub id: String,
    /// A human title.
    pub title: String,
    /// What the runbook is for.
    #[serde(default)]
    pub description: String,
    /// The steps, walked in this order.
    pub steps: Vec<Step>,
    /// Legal and contractual clocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deadlines: Vec<Deadline>,
    /// Public holidays skipped by business-day deadlines (in addition to weekends).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<NaiveDate>,
    /// Communication drafts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<Template>,
    /// Further reading.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

/// One step of the response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub title: String,
    /// What to do and why, a few sentences.
    pub guidance: String,
    /// The role responsible, e.g. "incident commander".
    pub owner: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<Question>,
    /// The step applies only when this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// A checklist item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub text: String,
    /// Whether marking the step done with this item unchecked needs confirmation.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Alternatives: other items of the same step, any of which, checked, meets this item's
    /// duty (an either/or duty: inform the security team, or engage outside experts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub or: Vec<String>,
    /// The template whose notice fulfils this item: recording that notice as sent ticks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// `false` for an item that tells someone but meets no legal clock (the insurer, the
    /// police), so validation does not ask for a deadline linked to it.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub legal_duty: bool,
}

impl Item {
    /// Whether the text promises a notification (to notify, report to, send or tell an
    /// authority): such an item must meet a deadline unless it says `legal_duty: false`.
    pub fn promises_notification(&self) -> bool {
        let text = self.text.to_lowercase();
        let words: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let notify = words.iter().any(|w| w.starts_with("notif"));
        let report_to = words.windows(2).any(|p| p[0] == "report" && p[1] == "to");
        let to_authority = words
            .iter()
            .any(|w| ["send", "tell", "inform", "report"].contains(w))
            && words.iter().any(|w| {
                [
                    "authority",
                    "authorities",
                    "regulator",
                    "regulators",
                    "regulatory",
                    "commissioner",
                    "csirt",
                    "ico",
                    "attorney",
                    "supervisory",
                ]
                .contains(w)
            });
        notify || report_to || to_authority
    }
}

/// A decision to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub prompt: String,
    pub kind: QuestionKind,
    /// The choices, for `select` and `multiselect`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Whether the step needs an answer before it is done.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// A longer explanation shown under the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// For a `datetime` question: the intake time its answer sets (`detected`, `aware` or
    /// `determined`). The latest record counts, so the intake value and the answer always
    /// agree: every clock from that anchor, every draft and report uses the latest one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sets: Option<IntakeAnchor>,
    /// For a `multiselect` question of places: `iso3166` also accepts any ISO 3166 code
    /// typed (a country, `FR`, or a subdivision, `US-OR`), not only the listed options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codes: Option<CodeList>,
    /// The fact of an import of the affected people (`breach affected import`) this
    /// question holds: the import answers it, and reads the breach window from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affected: Option<AffectedFact>,
}

/// What a question means to an import of the affected people (docs/affected.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum AffectedFact {
    /// The number of people affected (a number question); the import answers it.
    Total,
    /// Where they live (a multiselect of ISO 3166 codes); the import answers it.
    Places,
    /// How many live in this place (`US-CA`, `JP`, or `EU`; a number question); the import
    /// answers it.
    Count(String),
    /// When the breach window started (a datetime question); the import reads it.
    WindowStart,
    /// When it ended (a datetime question); the import reads it.
    WindowEnd,
}

impl AffectedFact {
    /// The question kind the fact needs.
    pub fn kind(&self) -> QuestionKind {
        match self {
            AffectedFact::Total | AffectedFact::Count(_) => QuestionKind::Number,
            AffectedFact::Places => QuestionKind::Multiselect,
            AffectedFact::WindowStart | AffectedFact::WindowEnd => QuestionKind::Datetime,
        }
    }
}

impl TryFrom<String> for AffectedFact {
    type Error = String;

    fn try_from(s: String) -> Result<AffectedFact, String> {
        Ok(match s.as_str() {
            "total" => AffectedFact::Total,
            "places" => AffectedFact::Places,
            "window_start" => AffectedFact::WindowStart,
            "window_end" => AffectedFact::WindowEnd,
            code if code == "EU" || CodeList::Iso3166.accepts(code) => {
                AffectedFact::Count(code.to_string())
            }
            other => {
                return Err(format!(
                    "`affected: {other}` is none of total, places, window_start, window_end \
                     or an ISO 3166 code such as US-CA"
                ));
            }
        })
    }
}

impl From<AffectedFact> for String {
    fn from(f: AffectedFact) -> String {
        match f {
            AffectedFact::Total => "total".into(),
            AffectedFact::Places => "places".into(),
            AffectedFact::WindowStart => "window_start".into(),
            AffectedFact::WindowEnd => "window_end".into(),
            AffectedFact::Count(code) => code,
        }
    }
}

/// Code lists a question's answer may be typed from, besides its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeList {
    /// ISO 3166-1 alpha-2 country codes (`DE`) and ISO 3166-2 subdivision codes (`US-CA`);
    /// `EU` (reserved in ISO 3166-1 for the European Union) stands for "somewhere in the
    /// EU/EEA".
    Iso3166,
}

impl CodeList {
    /// Whether `code` is well formed for the list (upper case, as stored).
    pub fn accepts(self, code: &str) -> bool {
        match self {
            CodeList::Iso3166 => {
                let (country, sub) = match code.split_once('-') {
                    Some((c, s)) => (c, Some(s)),
                    None => (code, None),
                };
                country.len() == 2
                    && country.bytes().all(|b| b.is_ascii_uppercase())
                    && sub.is_none_or(|s| {
                        (1..=3).contains(&s.len())
                            && s.bytes()
                                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                    })
            }
        }
    }

    /// Whether the place `code` is `area` or lies within it: `US-CA` is within `US`, and
    /// every EU/EEA country code is within `EU`.
    pub fn within(code: &str, area: &str) -> bool {
        if code == area {
            return true;
        }
        let country = code.split_once('-').map_or(code, |(c, _)| c);
        country == area || (area == "EU" && EEA.contains(&country))
    }
}

/// The countries of the European Economic Area (the EU's 27 members, Iceland, Liechtenstein
/// and Norway), where the GDPR applies.
pub const EEA: [&str; 30] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
];

impl Question {
    /// A short human rendering of an answer to this question, with option labels.
    pub fn display_answer(&self, value: &AnswerValue) -> String {
        let label = |id: &str| -> String {
            self.options
                .iter()
                .find(|o| o.id == id)
                .map(|o| o.label.clone())
                .unwrap_or_else(|| id.to_string())
        };
        match value {
            AnswerValue::Text(t) if self.kind == QuestionKind::Select => label(t),
            AnswerValue::List(v) if !v.is_empty() => {
                v.iter().map(|x| label(x)).collect::<Vec<_>>().join(", ")
            }
            other => other.plain(),
        }
    }
}

/// The kinds of question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Yes or no.
    Confirm,
    /// One of `options`.
    Select,
    /// Any subset of `options`.
    Multiselect,
    /// Free text.
    Text,
    /// A number.
    Number,
    /// A point in time.
    Datetime,
}

impl QuestionKind {
    /// The name as written in a runbook.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Confirm => "confirm",
            QuestionKind::Select => "select",
            QuestionKind::Multiselect => "multiselect",
            QuestionKind::Text => "text",
            QuestionKind::Number => "number",
            QuestionKind::Datetime => "datetime",
        }
    }
}

/// One option of a select or multiselect question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// The value recorded.
    pub id: String,
    /// What the operator sees.
    pub label: String,
    /// For a multiselect option: picking it excludes every other option (`No personal
    /// data`). Written only when true, so runbooks without it serialise as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclusive: bool,
}

/// A condition over earlier answers, written as structured YAML.
///
/// ```yaml
/// when: {answer: assess/data_types, contains: payment_cards}
/// when: {all: [{answer: assess/jurisdictions, contains: us_ca}, {answer: assess/ca_residents, more_than: 500}]}
/// when: {not: {answer: assess/personal_data, equals: false}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawCondition", into = "RawCondition")]
pub enum Condition {
    /// All of these hold (true when empty).
    All(Vec<Condition>),
    /// At least one of these holds (false when empty).
    Any(Vec<Condition>),
    /// This does not hold.
    Not(Box<Condition>),
    /// A test of one answer, named `STEP/QUESTION`.
    Answer { answer: String, test: AnswerTest },
}

/// What is tested of an answer. An unanswered question fails every test except
/// `answered: false`.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerTest {
    /// The answer equals this value (yes/no, an option id, a number or text).
    Equals(serde_yaml::Value),
    /// A multiselect answer includes this option id (a select answer is it).
    Contains(String),
    /// A multiselect answer includes at least one of these option ids (a select answer is
    /// one of them).
    ContainsAny(Vec<String>),
    /// A places answer (ISO 3166 codes) names a place within one of these areas: the area
    /// itself, a subdivision of it (`US-CA` is within `US`), or for `EU` any EU/EEA country.
    PlaceIn(Vec<String>),
    /// A number answer is at least this.
    AtLeast(f64),
    /// A number answer is more than this.
    MoreThan(f64),
    /// The question has (true) or has not (false) been answered.
    Answered(bool),
}

/// The on-disk shape of a [`Condition`]: exactly one of the keys groups must be present.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<serde_yaml::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains_any: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_in: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more_than: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<bool>,
}

impl TryFrom<RawCondition> for Condition {
    type Error = String;

    fn try_from(raw: RawCondition) -> Result<Self, String> {
        let tests = [
            raw.equals.is_some(),
            raw.contains.is_some(),
            raw.contains_any.is_some(),
            raw.place_in.is_some(),
            raw.at_least.is_some(),
            raw.more_than.is_some(),
            raw.answered.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        let groups = [
            raw.all.is_some(),
            raw.any.is_some(),
            raw.not.is_some(),
            raw.answer.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        const EXPECTED: &str = "expected exactly one of `all`, `any`, `not`, or `answer` with one test \
             (`equals`, `contains`, `contains_any`, `place_in`, `at_least`, `more_than`, `answered`)";
        if groups != 1 {
            return Err(format!("invalid condition: {EXPECTED}"));
        }
        if let Some(answer) = raw.answer {
            if tests != 1 {
                return Err(format!(
                    "invalid condition on `{answer}`: {} tests given; {EXPECTED}",
                    tests
                ));
            }
            let test = if let Some(v) = raw.equals {
                AnswerTest::Equals(v)
            } else if let Some(v) = raw.contains {
                AnswerTest::Contains(v)
            } else if let Some(v) = raw.contains_any {
                AnswerTest::ContainsAny(v)
            } else if let Some(v) = raw.place_in {
                AnswerTest::PlaceIn(v)
            } else if let Some(v) = raw.at_least {
                AnswerTest::AtLeast(v)
            } else if let Some(v) = raw.more_than {
                AnswerTest::MoreThan(v)
            } else {
                AnswerTest::Answered(raw.answered.unwrap_or(true))
            };
            return Ok(Condition::Answer { answer, test });
        }
        if tests != 0 {
            return Err(format!(
                "invalid condition: a test needs `answer`; {EXPECTED}"
            ));
        }
        Ok(if let Some(all) = raw.all {
            Condition::All(all)
        } else if let Some(any) = raw.any {
            Condition::Any(any)
        } else if let Some(not) = raw.not {
            Condition::Not(not)
        } else {
            return Err(format!("invalid condition: {EXPECTED}"));
        })
    }
}

impl From<Condition> for RawCondition {
    fn from(c: Condition) -> Self {
        let mut raw = RawCondition::default();
        match c {
            Condition::All(v) => raw.all = Some(v),
            Condition::Any(v) => raw.any = Some(v),
            Condition::Not(v) => raw.not = Some(v),
            Condition::Answer { answer, test } => {
                raw.answer = Some(answer);
                match test {
                    AnswerTest::Equals(v) => raw.equals = Some(v),
                    AnswerTest::Contains(v) => raw.contains = Some(v),
                    AnswerTest::ContainsAny(v) => raw.contains_any = Some(v),
                    AnswerTest::PlaceIn(v) => raw.place_in = Some(v),
                    AnswerTest::AtLeast(v) => raw.at_least = Some(v),
                    AnswerTest::MoreThan(v) => raw.more_than = Some(v),
                    AnswerTest::Answered(v) => raw.answered = Some(v),
                }
            }
        }
        raw
    }
}

impl Condition {
    /// Every `STEP/QUESTION` this condition reads, in order of appearance.
    pub fn answers_referenced(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::All(v) | Condition::Any(v) => v.iter().for_each(|c| c.collect_refs(out)),
            Condition::Not(c) => c.collect_refs(out),
            Condition::Answer { answer, .. } => out.push(answer),
        }
    }
}

/// A legal or contractual clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    pub id: String,
    pub title: String,
    /// Who must be told, e.g. "EU supervisory authority".
    pub authority: String,
    /// The legal source, e.g. "GDPR Art. 33(1)".
    pub citation: String,
    /// When the clock starts.
    pub from: Anchor,
    /// How long after the anchor it is due. Absent when `asap` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Within>,
    /// No fixed deadline ("without undue delay"): show elapsed time instead of a countdown.
    #[serde(default, skip_serializing_if = "is_false")]
    pub asap: bool,
    /// The events that meet the deadline; the first one recorded counts.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub satisfied_by: Vec<EventRef>,
    /// The deadline applies only when this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// A caution shown with the deadline, e.g. "verify for your jurisdiction".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Whether this default was checked against the operative legal text (false: verify it
    /// for your jurisdiction before relying on it).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub verified: bool,
    /// The IANA time zone whose calendar counts its days (`Europe/London`); UTC if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Public holidays its business days skip; when empty, the runbook's `holidays` apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<NaiveDate>,
}

/// A duration: exactly one of the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Within {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<u32>,
    /// Calendar days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// Days other than Saturday, Sunday and the runbook's `holidays`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_days: Option<u32>,
    /// Calendar months (same day of month, clamped to the month's end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
}

impl Within {
    /// How many of the fields are set (valid when exactly one).
    pub fn fields_set(&self) -> usize {
        [
            self.hours.is_some(),
            self.days.is_some(),
            self.business_days.is_some(),
            self.months.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }
}

impl fmt::Display for Within {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural =
            |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if let Some(h) = self.hours {
            write!(f, "{}", plural(h, "hour", "hours"))
        } else if let Some(d) = self.days {
            write!(f, "{}", plural(d, "calendar day", "calendar days"))
        } else if let Some(d) = self.business_days {
            write!(f, "{}", plural(d, "business day", "business days"))
        } else if let Some(m) = self.months {
            write!(f, "{}", plural(m, "month", "months"))
        } else {
            write!(f, "(no duration)")
        }
    }
}

/// The intake times an incident records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IntakeAnchor {
    /// When the breach was detected.
    Detected,
    /// When the organisation became aware that personal data was affected.
    Aware,
    /// When it was determined that a breach occurred.
    Determined,
    /// When the incident was opened in `breach`.
    Opened,
}

impl IntakeAnchor {
    /// All intake anchors, for messages.
    pub const ALL: [IntakeAnchor; 4] = [
        IntakeAnchor::Detected,
        IntakeAnchor::Aware,
        IntakeAnchor::Determined,
        IntakeAnchor::Opened,
    ];

    /// The name as written in a runbook.
    pub fn as_str(self) -> &'static str {
        match self {
            IntakeAnchor::Detected => "detected",
            IntakeAnchor::Aware => "aware",
            IntakeAnchor::Determined => "determined",
            IntakeAnchor::Opened => "opened",
        }
    }
}

/// When a clock starts: an intake time, or the time of a recorded event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Anchor {
    /// `from: aware`
    Intake(IntakeAnchor),
    /// `from: {notice: customer-notice}` and the like.
    Event(EventRef),
    /// `from: [{answer: assess/nis2_aware_at}, detected]`: the first of these that is known.
    First(Vec<Anchor>),
}

impl Anchor {
    /// The event anchors it names (itself, or each of a `First` list).
    pub fn events(&self) -> Vec<&EventRef> {
        match self {
            Anchor::Intake(_) => Vec::new(),
            Anchor::Event(e) => vec![e],
            Anchor::First(v) => v.iter().flat_map(Anchor::events).collect(),
        }
    }
}

/// A recorded event: exactly one of the fields.
///
/// - `item: STEP/ITEM`: when the item was (last) checked;
/// - `answer: STEP/QUESTION`: a datetime answer's value, otherwise when it was answered;
/// - `step: STEP`: when the step was marked done;
/// - `notice: TEMPLATE`: when a notice from that template was recorded as sent;
/// - `deadline: ID`: when another deadline was met.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
}

/// An [`EventRef`] resolved to the one field that is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    Item(&'a str),
    Answer(&'a str),
    Step(&'a str),
    Notice(&'a str),
    Deadline(&'a str),
}

impl EventRef {
    /// The one field that is set, or `None` if zero or several are.
    pub fn event(&self) -> Option<Event<'_>> {
        let set = [
            self.item.as_deref().map(Event::Item),
            self.answer.as_deref().map(Event::Answer),
            self.step.as_deref().map(Event::Step),
            self.notice.as_deref().map(Event::Notice),
            self.deadline.as_deref().map(Event::Deadline),
        ];
        let mut found = set.into_iter().flatten();
        match (found.next(), found.next()) {
            (Some(e), None) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for EventRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.event() {
            Some(Event::Item(s)) => write!(f, "item {s} checked"),
            Some(Event::Answer(s)) => write!(f, "answer {s}"),
            Some(Event::Step(s)) => write!(f, "step {s} done"),
            Some(Event::Notice(s)) => write!(f, "notice {s} sent"),
            Some(Event::Deadline(s)) => write!(f, "deadline {s} met"),
            None => write!(f, "(invalid event)"),
        }
    }
}

impl<'de> Deserialize<'de> for Anchor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct AnchorVisitor;
        impl<'de> Visitor<'de> for AnchorVisitor {
            type Value = Anchor;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an intake anchor (detected, aware, determined, opened), an event \
                     such as {notice: TEMPLATE}, {item: STEP/ITEM}, {answer: STEP/QUESTION}, \
                     {step: STEP} or {deadline: ID}, or a list of these (the first known counts)",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Anchor, E> {
                IntakeAnchor::ALL
                    .into_iter()
                    .find(|a| a.as_str() == v)
                    .map(Anchor::Intake)
                    .ok_or_else(|| {
                        E::custom(format!(
                            "unknown deadline anchor `{v}`, expected one of detected, aware, \
                             determined, opened, or an event such as {{notice: TEMPLATE}}"
                        ))
                    })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Anchor, A::Error> {
                EventRef::deserialize(de::value::MapAccessDeserializer::new(map)).map(Anchor::Event)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Anchor, A::Error> {
                let list = Vec::<Anchor>::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                if list.is_empty() {
                    return Err(de::Error::custom(
                        "an empty list of deadline anchors; expected at least one",
                    ));
                }
                if list.iter().any(|a| matches!(a, Anchor::First(_))) {
                    return Err(de::Error::custom(
                        "a list of deadline anchors cannot contain another list",
                    ));
                }
                Ok(Anchor::First(list))
            }
        }
        d.deserialize_any(AnchorVisitor)
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<EventRef>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<EventRef>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an event such as {notice: TEMPLATE} or a list of them")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            EventRef::deserialize(de::value::MapAccessDeserializer::new(map)).map(|e| vec![e])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            Vec::<EventRef>::deserialize(de::value::SeqAccessDeserializer::new(seq))
        }
    }
    d.deserialize_any(V)
}

/// A communication draft, rendered with the incident's facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub id: String,
    /// Who receives it, e.g. "affected customers".
    pub audience: String,
    pub subject: String,
    /// The text, with `{{ fact }}` placeholders (minijinja syntax).
    pub body: String,
}

/// Further reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}
fn is_false(b: &bool) -> bool {
    !*b
}

impl Runbook {
    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// The position (0-based) of the step with this id.
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    /// The question named `STEP/QUESTION`.
    pub fn question(&self, path: &str) -> Option<(&Step, &Question)> {
        let (step, q) = path.split_once('/')?;
        let step = self.step(step)?;
        step.questions.iter().find(|x| x.id == q).map(|x| (step, x))
    }

    /// The item named `STEP/ITEM`.
    pub fn item(&self, path: &str) -> Option<(&Step, &Item)> {
        let (step, i) = path.split_once('/')?;
        let step = self.step(step)?;
        step.items.iter().find(|x| x.id == i).map(|x| (step, x))
    }

    /// The template with this id.
    pub fn template(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// The deadline with this id.
    pub fn deadline(&self, id: &str) -> Option<&Deadline> {
        self.deadlines.iter().find(|d| d.id == id)
    }
}
