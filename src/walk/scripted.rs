//! [`ScriptedPrompter`]: answers the walk from a map instead of a terminal. It backs
//! `--answers FILE` (format: `docs/answers-file.md`) and the unit tests, so the scripted walk
//! is the very engine an operator uses at a terminal.
//!
//! Keys are `STEP/QUESTION` and `STEP/ITEM` (native YAML values), `STEP` (the step's outcome:
//! `done`, `open`, `pause` or `{skip: REASON}`) and `intake: {title, severity, detected_at,
//! runbook}` for `breach start`. A question the file does not mention is left unanswered; a
//! step it gives no outcome stays open and the walk goes on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_yaml::Value;

use super::prompter::{Ask, Choice, OTHER_PLACE, Prompter, StepAction, parse_codes};
use crate::error::invalid;
use crate::incident::action::check_value;
use crate::runbook::{QuestionKind, Runbook};
use crate::types::AnswerValue;

/// The largest answers file accepted, in bytes (the same limit as runbooks).
pub const MAX_ANSWERS_BYTES: u64 = crate::runbook::load::MAX_RUNBOOK_BYTES;

/// The intake fields an answers file may give.
pub const INTAKE_FIELDS: [&str; 6] = [
    "title",
    "severity",
    "detected_at",
    "aware_at",
    "determined_at",
    "runbook",
];

/// A step outcome as written in an answers file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Open,
    Pause,
    Skip(String),
}

/// Answers from a map of keys to YAML values.
#[derive(Debug, Default)]
pub struct ScriptedPrompter {
    source: String,
    values: BTreeMap<String, Value>,
    used: BTreeSet<String>,
    shown: Vec<String>,
    echo: bool,
}

impl ScriptedPrompter {
    /// Answers from a map; `source` names it in error messages.
    pub fn from_map(source: &str, values: BTreeMap<String, Value>) -> ScriptedPrompter {
        ScriptedPrompter {
            source: source.to_string(),
            values,
            ..ScriptedPrompter::default()
        }
    }

    /// Parses answers-file text (a YAML mapping); `intake:` is flattened to `intake/FIELD`.
    pub fn from_yaml(source: &str, text: &str) -> anyhow::Result<ScriptedPrompter> {
        // Some editors start a UTF-8 file with a byte-order mark; one at the start is skipped.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let doc: Value = serde_yaml::from_str(text).map_err(|e| {
            match text.lines().position(|l| l.contains('\u{feff}')) {
                Some(n) => invalid(format!(
                    "{source}: line {} holds a byte-order mark (U+FEFF); save the file as UTF-8 without one",
                    n + 1
                )),
                None => invalid(format!("{source}: not a valid answers file: {e}")),
            }
        })?;
        let map = match doc {
            Value::Mapping(m) => m,
            Value::Null => Default::default(),
            _ => {
                return Err(invalid(format!(
                    "{source}: an answers file is a YAML mapping of keys such as `assess/breach_type` to values"
                )));
            }
        };
        let mut values = BTreeMap::new();
        for (k, v) in map {
            let Value::String(key) = k else {
                return Err(invalid(format!(
                    "{source}: key {} is not text; keys are STEP, STEP/QUESTION, STEP/ITEM or intake",
                    serde_yaml::to_string(&k).unwrap_or_default().trim()
                )));
            };
            if key == "intake" {
                let Value::Mapping(fields) = v else {
                    return Err(invalid(format!(
                        "{source}: `intake` must be a mapping with some of: {}",
                        INTAKE_FIELDS.join(", ")
                    )));
                };
                for (f, fv) in fields {
                    let name = f.as_str().unwrap_or("?").to_string();
                    values.insert(format!("intake/{name}"), fv);
                }
            } else {
                values.insert(key, v);
            }
        }
        Ok(ScriptedPrompter::from_map(source, values))
    }

    /// Reads an answers file (size-limited like runbooks).
    pub fn load(path: &Path) -> anyhow::Result<ScriptedPrompter> {
        if !path.exists() {
            return Err(crate::error::not_found(format!(
                "answers file {} does not exist",
                path.display()
            )));
        }
        let text = crate::runbook::load::read_bounded(path, MAX_ANSWERS_BYTES, "answers file")?;
        ScriptedPrompter::from_yaml(&path.display().to_string(), &text)
    }

    /// Echo shown text to stderr (for `--answers` runs), besides keeping it.
    pub fn echo(mut self, yes: bool) -> Self {
        self.echo = yes;
        self
    }

    /// Everything shown so far.
    pub fn shown(&self) -> &[String] {
        &self.shown
    }

    /// Keys the walk never asked for, e.g. for steps already closed or questions whose
    /// condition did not hold.
    pub fn unused(&self) -> Vec<String> {
        self.values
            .keys()
            .filter(|k| !self.used.contains(*k) && !k.starts_with("intake/"))
            .cloned()
            .collect()
    }

    /// Whether the file gives this key.
    pub fn has(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    fn error(&self, key: &str, problem: &str) -> anyhow::Error {
        invalid(format!("{}: `{key}`: {problem}", self.source))
    }

    /// For a places question (its pick list ends with [`OTHER_PLACE`]): the entries of the
    /// list that are not in the pick list are the places typed in, answered to the
    /// follow-up question; the list keeps the picked ones and [`OTHER_PLACE`].
    fn split_typed_places(&mut self, ask: &Ask, choices: &[Choice], v: Value) -> Value {
        let Value::Sequence(list) = &v else {
            return v;
        };
        if !choices.iter().any(|c| c.id == OTHER_PLACE) {
            return v;
        }
        let known = |s: &str| choices.iter().any(|c| c.id == s);
        let typed: Vec<String> = list
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| !known(s))
            .map(String::from)
            .collect();
        if typed.is_empty() {
            return v;
        }
        let mut picked: Vec<Value> = list
            .iter()
            .filter(|e| e.as_str().is_none_or(known))
            .cloned()
            .collect();
        picked.push(Value::String(OTHER_PLACE.into()));
        self.values.insert(
            format!("{}{OTHER_PLACE}", ask.key),
            Value::String(typed.join(", ")),
        );
        Value::Sequence(picked)
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        let v = self.values.get(key).cloned();
        if v.is_some() {
            self.used.insert(key.to_string());
        }
        v
    }

    /// Checks every key against the runbook before anything is recorded: unknown keys,
    /// wrong types and values that fail validation are reported, naming the key.
    pub fn check_against(&self, runbook: &Runbook) -> anyhow::Result<()> {
        let steps = || {
            runbook
                .steps
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (key, value) in &self.values {
            if let Some(field) = key.strip_prefix("intake/") {
                check_intake(field, value).map_err(|p| self.error(key, &p))?;
                continue;
            }
            let (step_id, rest) = match key.split_once('/') {
                Some((s, r)) => (s, Some(r)),
                None => (key.as_str(), None),
            };
            let Some(step) = runbook.step(step_id) else {
                return Err(self.error(
                    key,
                    &format!(
                        "no step `{step_id}` in runbook {}; steps are: {}",
                        runbook.id,
                        steps()
                    ),
                ));
            };
            let Some(id) = rest else {
                parse_outcome(value).map_err(|p| self.error(key, &p))?;
                continue;
            };
            if let Some(q) = step.questions.iter().find(|q| q.id == id) {
                let choices: Vec<Choice> = q
                    .options
                    .iter()
                    .map(|o| Choice {
                        id: o.id.clone(),
                        label: o.label.clone(),
                    })
                    .collect();
                let answer = match q.kind {
                    QuestionKind::Confirm => confirm_value(value).map(AnswerValue::Bool),
                    QuestionKind::Select => select_value(value, &choices)
                        .map(|i| AnswerValue::Text(choices[i].id.clone())),
                    QuestionKind::Multiselect if q.codes.is_some() => places_value(value, &choices),
                    QuestionKind::Multiselect => multiselect_value(value, &choices).map(|flags| {
                        AnswerValue::List(
                            choices
                                .iter()
                                .zip(flags)
                                .filter(|(_, f)| *f)
                                .map(|(c, _)| c.id.clone())
                                .collect(),
                        )
                    }),
                    QuestionKind::Text => text_value(value).map(AnswerValue::Text),
                    QuestionKind::Number => count_value(value),
                    QuestionKind::Datetime => datetime_value(value)
                        .map(|t| AnswerValue::Text(crate::types::format_utc(t))),
                }
                .map_err(|p| self.error(key, &p))?;
                check_value(q, &answer).map_err(|e| self.error(key, &e.to_string()))?;
            } else if step.items.iter().any(|i| i.id == id) {
                bool_value(value, "a checklist item").map_err(|p| self.error(key, &p))?;
            } else {
                let questions: Vec<&str> = step.questions.iter().map(|q| q.id.as_str()).collect();
                let items: Vec<&str> = step.items.iter().map(|i| i.id.as_str()).collect();
                return Err(self.error(
                    key,
                    &format!(
                        "step `{step_id}` has no question or item `{id}`; questions: {}; items: {}",
                        or_none(&questions),
                        or_none(&items)
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn or_none(ids: &[&str]) -> String {
    if ids.is_empty() {
        "(none)".into()
    } else {
        ids.join(", ")
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

fn bool_value(v: &Value, what: &str) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(format!(
            "{what} takes true or false, got {}",
            kind_name(other)
        )),
    }
}

fn confirm_value(v: &Value) -> Result<bool, String> {
    bool_value(v, "a yes/no question")
}

fn select_value(v: &Value, choices: &[Choice]) -> Result<usize, String> {
    let ids = || {
        choices
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match v {
        Value::String(s) => choices
            .iter()
            .position(|c| &c.id == s)
            .ok_or_else(|| format!("`{s}` is not one of the options: {}", ids())),
        other => Err(format!(
            "expected one option id ({}), got {}",
            ids(),
            kind_name(other)
        )),
    }
}

fn multiselect_value(v: &Value, choices: &[Choice]) -> Result<Vec<bool>, String> {
    let ids = || {
        choices
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Value::Sequence(list) = v else {
        return Err(format!(
            "expected a list of option ids such as [{}], got {}",
            ids(),
            kind_name(v)
        ));
    };
    let mut flags = vec![false; choices.len()];
    for item in list {
        let Value::String(s) = item else {
            return Err(format!("list entries must be option ids ({})", ids()));
        };
        let idx = choices
            .iter()
            .position(|c| &c.id == s)
            .ok_or_else(|| format!("`{s}` is not one of the options: {}", ids()))?;
        flags[idx] = true;
    }
    Ok(flags)
}

/// A places question's list: option ids from its pick list, or any ISO 3166 code.
fn places_value(v: &Value, choices: &[Choice]) -> Result<AnswerValue, String> {
    let Value::Sequence(list) = v else {
        return Err(format!(
            "expected a list of places such as [DE, US-CA, NZ], got {}",
            kind_name(v)
        ));
    };
    let mut out: Vec<String> = Vec::new();
    for item in list {
        let Value::String(s) = item else {
            return Err("list entries must be option ids or ISO 3166 codes".into());
        };
        let code = if choices.iter().any(|c| &c.id == s) {
            s.clone()
        } else {
            parse_codes(s)?.into_iter().next().unwrap_or_default()
        };
        if !code.is_empty() && !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(AnswerValue::List(out))
}

fn text_value(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(format!(
            "expected text, got {} (put it in quotes to make it text)",
            kind_name(other)
        )),
    }
}

/// A count from an answers file: an integer as it is (never through a float), anything
/// else as a number for the check to refuse with its reason.
fn count_value(v: &Value) -> Result<AnswerValue, String> {
    match v {
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(c), _) => Ok(AnswerValue::Count(c)),
            (None, Some(neg)) => Ok(AnswerValue::Number(neg as f64)),
            _ => number_value(v).map(AnswerValue::from_number),
        },
        other => Err(format!("expected a number, got {}", kind_name(other))),
    }
}

fn number_value(v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .filter(|n| n.is_finite())
            .ok_or_else(|| "expected a finite number".to_string()),
        other => Err(format!("expected a number, got {}", kind_name(other))),
    }
}

fn datetime_value(v: &Value) -> Result<DateTime<Utc>, String> {
    match v {
        Value::String(s) => super::parse_when(s),
        other => Err(format!(
            "expected a time such as 2026-11-23T10:15:00Z, got {}",
            kind_name(other)
        )),
    }
}

fn parse_outcome(v: &Value) -> Result<Outcome, String> {
    const EXPECTED: &str = "a step outcome is `done`, `open`, `pause` or `{skip: REASON}`";
    match v {
        Value::String(s) => match s.as_str() {
            "done" => Ok(Outcome::Done),
            "open" => Ok(Outcome::Open),
            "pause" => Ok(Outcome::Pause),
            other => Err(format!("unknown outcome `{other}`; {EXPECTED}")),
        },
        Value::Mapping(m) if m.len() == 1 => match m.get("skip") {
            Some(Value::String(reason)) if !reason.trim().is_empty() => {
                Ok(Outcome::Skip(reason.clone()))
            }
            Some(_) => Err("`skip` needs a reason as text".into()),
            None => Err(EXPECTED.into()),
        },
        _ => Err(EXPECTED.into()),
    }
}

fn check_intake(field: &str, v: &Value) -> Result<(), String> {
    match field {
        "title" => {
            let t = text_value(v)?;
            crate::ledger::check_title(&t)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        "severity" => {
            let s = text_value(v)?;
            super::severity_from(&s).map(|_| ())
        }
        "detected_at" | "aware_at" | "determined_at" => datetime_value(v).map(|_| ()),
        "runbook" => text_value(v).map(|_| ()),
        other => Err(format!(
            "unknown intake field `{other}`; intake fields are: {}",
            INTAKE_FIELDS.join(", ")
        )),
    }
}

impl Prompter for ScriptedPrompter {
    fn show(&mut self, text: &str) -> anyhow::Result<()> {
        if self.echo {
            // Only the first line (the step header), to keep logs of rehearsals short.
            if let Some(line) = text.lines().find(|l| l.starts_with("Step ")) {
                eprintln!("{line}");
            }
        }
        self.shown.push(text.to_string());
        Ok(())
    }

    fn confirm(&mut self, ask: &Ask, _default: Option<bool>) -> anyhow::Result<Option<bool>> {
        match self.take(&ask.key) {
            None => Ok(None),
            Some(v) => confirm_value(&v)
                .map(Some)
                .map_err(|p| self.error(&ask.key, &p)),
        }
    }

    fn select(
        &mut self,
        ask: &Ask,
        choices: &[Choice],
        _default: Option<usize>,
    ) -> anyhow::Result<Option<usize>> {
        match self.take(&ask.key) {
            None => Ok(None),
            Some(v) => select_value(&v, choices)
                .map(Some)
                .map_err(|p| self.error(&ask.key, &p)),
        }
    }

    fn multiselect(
        &mut self,
        ask: &Ask,
        choices: &[Choice],
        _checked: &[bool],
    ) -> anyhow::Result<Option<Vec<bool>>> {
        match self.take(&ask.key) {
            None => Ok(None),
            Some(v) => {
                let v = self.split_typed_places(ask, choices, v);
                multiselect_value(&v, choices)
                    .map(Some)
                    .map_err(|p| self.error(&ask.key, &p))
            }
        }
    }

    fn checklist(
        &mut self,
        ask: &Ask,
        items: &[Choice],
        checked: &[bool],
    ) -> anyhow::Result<Option<Vec<bool>>> {
        let mut out = checked.to_vec();
        let mut any = false;
        for (flag, item) in out.iter_mut().zip(items) {
            let key = format!("{}/{}", ask.key, item.id);
            if let Some(v) = self.take(&key) {
                *flag = bool_value(&v, "a checklist item").map_err(|p| self.error(&key, &p))?;
                any = true;
            }
        }
        Ok(any.then_some(out))
    }

    fn text(
        &mut self,
        ask: &Ask,
        _default: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> anyhow::Result<Option<String>> {
        match self.take(&ask.key) {
            None => Ok(None),
            Some(v) => {
                let t = text_value(&v).map_err(|p| self.error(&ask.key, &p))?;
                check(&t).map_err(|p| self.error(&ask.key, &p))?;
                Ok(Some(t))
            }
        }
    }

    fn number(&mut self, ask: &Ask, _default: Option<f64>) -> anyhow::Result<Option<f64>> {
        match self.take(&ask.key) {
            None => Ok(None),
            Some(v) => number_value(&v)
                .map(Some)
                .map_err(|p| self.error(&ask.key, &p)),
        }
    }

    fn datetime(
        &mut self,
        ask: &Ask,
        _default: Option<DateTime<Utc>>,
    ) -> anyhow::Result<Option<DateTime<Utc>>> {
        match self.take(&ask.key) {
            None => Ok(None),
            Some(v) => datetime_value(&v)
                .map(Some)
                .map_err(|p| self.error(&ask.key, &p)),
        }
    }

    fn rejected(&mut self, ask: &Ask, problem: &str) -> anyhow::Result<()> {
        Err(self.error(&ask.key, problem))
    }

    fn step_action(&mut self, ask: &Ask) -> anyhow::Result<StepAction> {
        let Some(v) = self.values.get(&ask.key).cloned() else {
            return Ok(StepAction::LeaveOpen);
        };
        // An outcome is used once: a note or a re-asked question brings the menu back.
        if !self.used.insert(ask.key.clone()) {
            return Ok(StepAction::LeaveOpen);
        }
        Ok(
            match parse_outcome(&v).map_err(|p| self.error(&ask.key, &p))? {
                Outcome::Done => StepAction::Done,
                Outcome::Open => StepAction::LeaveOpen,
                Outcome::Pause => StepAction::Pause,
                Outcome::Skip(_) => StepAction::Skip,
            },
        )
    }

    fn confirm_done_with_open_items(
        &mut self,
        step: &str,
        open: &[Choice],
    ) -> anyhow::Result<bool> {
        // The file says `done`: that is the confirmation. The open items are recorded.
        let ids: Vec<&str> = open.iter().map(|c| c.id.as_str()).collect();
        self.show(&format!(
            "Step {step} marked done with required items open: {}",
            ids.join(", ")
        ))?;
        Ok(true)
    }

    fn skip_reason(&mut self, step: &str) -> anyhow::Result<String> {
        match self.values.get(step).map(parse_outcome) {
            Some(Ok(Outcome::Skip(reason))) => Ok(reason),
            _ => Err(self.error(step, "a skipped step needs `{skip: REASON}`")),
        }
    }

    fn note(&mut self, _step: &str) -> anyhow::Result<Option<String>> {
        Ok(None)
    }
}
