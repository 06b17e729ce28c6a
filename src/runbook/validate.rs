//! Runbook validation. Every problem names file:line:column and says what was expected.
//!
//! Validation runs in three passes over the text:
//! 1. the format version is read first, so a file for another tool (or a future format) gets
//!    one clear message instead of a list of unknown fields;
//! 2. serde parses the whole runbook, catching syntax errors, unknown fields (with a "did
//!    you mean" when a known field is close), missing fields and wrong types; serde stops at
//!    the first of these, so when it refuses the runbook the shape pass ([`super::shape`])
//!    reads each element on its own and reports every such problem;
//! 3. the semantic pass reports every duplicate id, every reference to something that does
//!    not exist or comes later, and every malformed duration, each at the position of the
//!    offending node (looked up in a [`SpanIndex`]), over what parsed.
//!
//! The problems are returned in file order.
//!
//! Input is bounded before it gets here (`load::MAX_RUNBOOK_BYTES`); yaml_serde limits
//! nesting depth and alias expansion, and the span index neither recurses nor expands
//! aliases, so no input makes validation panic, hang or exhaust memory.

use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;

use super::model::{
    AffectedFact, CodeList, Condition, Event, EventRef, FORMAT_VERSION, IntakeAnchor, QuestionKind,
    Runbook,
};
use super::shape::{self, Layout};
use super::spans::{Pos, SpanIndex};

/// One thing wrong with a runbook.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file (or "built-in runbook NAME").
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.file, self.message),
            (Some(l), None) => write!(f, "{}:{l}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl Problem {
    /// A problem at a known position.
    pub fn at(file: &str, pos: Pos, message: impl Into<String>) -> Problem {
        Problem {
            file: file.to_string(),
            line: Some(pos.line),
            column: Some(pos.column),
            message: message.into(),
        }
    }
}

const EXPECTED_RUNBOOK: &str =
    "expected a mapping with `breach_runbook: 1`, `id`, `title` and `steps`";

/// Only the version, read before anything else; every other field is ignored here.
#[derive(Deserialize)]
struct VersionProbe {
    #[serde(default)]
    breach_runbook: Option<serde_yaml::Value>,
}

/// Parses and checks a runbook's text. Returns every problem found.
pub fn validate_text(text: &str, origin: &str) -> Result<Runbook, Vec<Problem>> {
    validate_with(text, origin, Rules::Authoring)
}

/// Parses and checks the runbook pinned in an incident file: every rule of the format, but
/// not the authoring rules (see [`Rules`]), which the runbook may predate. A runbook that
/// was valid when its incident was opened stays readable.
pub fn validate_pinned_text(text: &str, origin: &str) -> Result<Runbook, Vec<Problem>> {
    validate_with(text, origin, Rules::Format)
}

/// Which rules a validation applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rules {
    /// What the format needs to be read: fields, ids, references, conditions, templates.
    Format,
    /// Also the rules that keep a runbook sound to write and to start an incident with (an
    /// item that promises a notification meets a deadline).
    Authoring,
}

fn validate_with(text: &str, origin: &str, rules: Rules) -> Result<Runbook, Vec<Problem>> {
    let start = Pos { line: 1, column: 1 };
    if text.trim().is_empty() {
        return Err(vec![Problem::at(
            origin,
            start,
            format!("the runbook is empty; {EXPECTED_RUNBOOK}"),
        )]);
    }
    // The event-level pass comes first: it is linear in the input and refuses excessive
    // nesting before yaml_serde's scanner sees it.
    let spans = match SpanIndex::build(text) {
        Ok(s) => s,
        Err((pos, message)) => return Err(vec![Problem::at(origin, pos, message)]),
    };
    let probe: VersionProbe = match serde_yaml::from_str(text) {
        Ok(p) => p,
        Err(e) => return Err(vec![serde_problem(origin, &e)]),
    };
    match &probe.breach_runbook {
        None => {
            return Err(vec![Problem::at(
                origin,
                spans.value(""),
                "missing `breach_runbook: 1`; a breach runbook starts with its format version \
                 (is this a file for another tool?)",
            )]);
        }
        Some(v) if v.as_u64() != Some(u64::from(FORMAT_VERSION)) => {
            let found = match v {
                serde_yaml::Value::Number(n) => n.to_string(),
                other => describe_value(other),
            };
            return Err(vec![Problem::at(
                origin,
                spans.value("breach_runbook"),
                format!(
                    "unsupported runbook format version {found}; this build of breach reads \
                     `breach_runbook: {FORMAT_VERSION}`"
                ),
            )]);
        }
        Some(_) => {}
    }
    // YAML says keys are unique; yaml_serde reports a repeat at the mapping's start, the
    // index knows where the repeat is.
    if !spans.duplicate_keys().is_empty() {
        return Err(spans
            .duplicate_keys()
            .iter()
            .map(|(path, pos)| {
                let (parent, key) = match path.rsplit_once('.') {
                    Some((p, k)) => (p, k),
                    None => ("the top level", path.as_str()),
                };
                Problem::at(
                    origin,
                    *pos,
                    format!("{parent}: duplicate key `{key}`; each key may appear only once"),
                )
            })
            .collect());
    }
    let (runbook, layout, mut problems) = match serde_yaml::from_str::<Runbook>(text) {
        Ok(r) => {
            let layout = Layout::whole(&r);
            (r, layout, Vec::new())
        }
        Err(e) => {
            // serde stops at the first problem; the shape pass reads each element on its
            // own to find the others, and the semantic pass then checks what parsed.
            let mut first = serde_problem(origin, &e);
            refine_condition_position(&mut first, &spans);
            let parsed = serde_yaml::from_str::<serde_yaml::Value>(text)
                .ok()
                .and_then(|value| shape::collect(value, &spans, origin));
            match parsed {
                Some(p) if !p.problems.is_empty() => (p.runbook, p.layout, p.problems),
                // Not a mapping, or a problem only the whole document shows.
                _ => return Err(vec![first]),
            }
        }
    };
    problems.extend(check(&runbook, &layout, &spans, origin, rules));
    problems.extend(super::templates::check_templates_at(
        &runbook,
        text,
        origin,
        layout.template_indices(),
    ));
    // In file order; a problem without a position comes last.
    problems.sort_by_key(|p| (p.line.unwrap_or(usize::MAX), p.column.unwrap_or(0)));
    if problems.is_empty() {
        Ok(runbook)
    } else {
        Err(problems)
    }
}

fn describe_value(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::Null => "null".into(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::String(s) => format!("\"{s}\""),
        serde_yaml::Value::Sequence(_) => "a sequence".into(),
        serde_yaml::Value::Mapping(_) => "a mapping".into(),
        serde_yaml::Value::Tagged(_) => "a tagged value".into(),
    }
}

/// Turns a serde error into a problem: the position moves into the prefix and the message
/// reads as a fragment, with a "did you mean" for a near-miss field or variant name.
fn serde_problem(origin: &str, e: &serde_yaml::Error) -> Problem {
    let mut message = e.to_string();
    let pos = match e.location() {
        Some(loc) => {
            let suffix = format!(" at line {} column {}", loc.line(), loc.column());
            if let Some(i) = message.find(&suffix) {
                message.replace_range(i..i + suffix.len(), "");
            }
            Pos {
                line: loc.line(),
                column: loc.column(),
            }
        }
        None => Pos { line: 1, column: 1 },
    };
    Problem::at(origin, pos, polish(&message))
}

/// yaml_serde places a malformed condition at the mapping that holds `when`; point at the
/// `when` itself.
fn refine_condition_position(problem: &mut Problem, spans: &SpanIndex) {
    let Some((path, rest)) = problem.message.split_once(": ") else {
        return;
    };
    if !rest.starts_with("invalid condition") {
        return;
    }
    let when = if path.ends_with(".when") || path.contains(".when.") {
        path.to_string()
    } else {
        format!("{path}.when")
    };
    if spans.has(&when) {
        let pos = spans.value(&when);
        problem.line = Some(pos.line);
        problem.column = Some(pos.column);
    }
}

/// Plain words for serde's type names, and suggestions for typos.
pub(super) fn polish(message: &str) -> String {
    // At the top level a wrong shape means the file is not a runbook at all.
    if message.starts_with("invalid type: ")
        && (message.ends_with("expected struct VersionProbe")
            || message.ends_with("expected struct Runbook"))
    {
        let found = message["invalid type: ".len()..]
            .split(", expected")
            .next()
            .unwrap_or("something else");
        return format!("not a runbook: found {found}; {EXPECTED_RUNBOOK}");
    }
    const NAMES: &[(&str, &str)] = &[
        ("struct Runbook", "a runbook mapping"),
        (
            "struct Step",
            "a step (a mapping with `id`, `title`, `guidance`, `owner`)",
        ),
        (
            "struct Item",
            "a checklist item (a mapping with `id` and `text`)",
        ),
        (
            "struct Question",
            "a question (a mapping with `id`, `prompt` and `kind`)",
        ),
        (
            "struct Choice",
            "an option (a mapping with `id` and `label`)",
        ),
        ("struct Deadline", "a deadline mapping"),
        (
            "struct Within",
            "a duration such as `{hours: 72}` or `{business_days: 5}`",
        ),
        ("struct Template", "a template mapping"),
        ("struct Reference", "a reference (a mapping with `title`)"),
        (
            "struct RawCondition",
            "a condition such as `{answer: STEP/QUESTION, equals: VALUE}`",
        ),
        ("struct EventRef", "an event such as `{notice: TEMPLATE}`"),
        ("enum QuestionKind", "a question kind"),
        ("enum IntakeAnchor", "a deadline anchor"),
        ("a sequence", "a list"),
        ("expected u32", "expected a whole number of 0 or more"),
    ];
    let mut out = message.to_string();
    for (from, to) in NAMES {
        out = out.replace(from, to);
    }
    for marker in ["unknown field `", "unknown variant `"] {
        if let Some(hint) = did_you_mean(&out, marker) {
            out.push_str(&format!("; did you mean `{hint}`?"));
            break;
        }
    }
    out
}

/// For `unknown field `titel`, expected one of `id`, `title`` returns `title`.
pub(super) fn did_you_mean(message: &str, marker: &str) -> Option<String> {
    let rest = &message[message.find(marker)? + marker.len()..];
    let (unknown, rest) = rest.split_once('`')?;
    let expected = rest.split_once("expected")?.1;
    let candidates = expected.split('`').skip(1).step_by(2);
    candidates
        .map(|c| (strsim::jaro_winkler(unknown, c), c))
        .filter(|(score, c)| {
            *score >= 0.8 || strsim::damerau_levenshtein(unknown, c) <= 2.min(c.len() / 2)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

/// The semantic pass: every problem, each at the node it concerns.
/// `layout` says where each element of `runbook` stands in the file, and which elements did
/// not parse (references to those are not reported again).
fn check(
    runbook: &Runbook,
    layout: &Layout,
    spans: &SpanIndex,
    origin: &str,
    rules: Rules,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut add = |path: &str, message: String| {
        // The checked runbook lacks the list entries the shape pass took out.
        let path = layout.file_path(path);
        if !layout.was_repaired(&path) {
            problems.push(Problem::at(origin, spans.value(&path), message));
        }
    };

    check_id(&runbook.id, "id", "runbook", &mut add);
    if runbook.steps.is_empty() {
        add(
            "steps",
            "the runbook has no steps; expected a list with at least one step".into(),
        );
    }
    let mut all_questions: HashSet<String> = HashSet::new();
    let mut all_items: HashSet<String> = HashSet::new();
    for step in &runbook.steps {
        for q in &step.questions {
            all_questions.insert(format!("{}/{}", step.id, q.id));
        }
        for i in &step.items {
            all_items.insert(format!("{}/{}", step.id, i.id));
        }
    }
    // Questions asked so far, in walk order: a condition may only look backwards.
    let mut earlier: HashSet<String> = HashSet::new();
    let mut step_ids = HashSet::new();
    for (si, step) in runbook.steps.iter().enumerate() {
        let sp = layout.step(si);
        check_id(&step.id, &format!("{sp}.id"), "step", &mut add);
        if !step_ids.insert(step.id.as_str()) {
            add(
                &format!("{sp}.id"),
                format!("duplicate step id `{}`; step ids must be unique", step.id),
            );
        }
        if let Some(when) = &step.when {
            let what = format!("step `{}`", step.id);
            check_condition(
                when,
                &format!("{sp}.when"),
                &what,
                &earlier,
                &all_questions,
                layout,
                &mut add,
            );
        }
        let mut item_ids = HashSet::new();
        for (ii, item) in step.items.iter().enumerate() {
            let ip = layout.item(si, ii);
            check_id(&item.id, &format!("{ip}.id"), "item", &mut add);
            if !item_ids.insert(item.id.as_str()) {
                add(
                    &format!("{ip}.id"),
                    format!(
                        "duplicate item id `{}` in step `{}`; item ids must be unique within a step",
                        item.id, step.id
                    ),
                );
            }
            for (oi, alt) in item.or.iter().enumerate() {
                let exists = step.items.iter().any(|i| &i.id == alt)
                    || layout.is_broken("item", &format!("{}/{alt}", step.id));
                if alt == &item.id || !exists {
                    add(
                        &format!("{ip}.or[{oi}]"),
                        format!(
                            "item `{}/{}`: `or` names `{alt}`, which is not another item of step `{}`",
                            step.id, item.id, step.id
                        ),
                    );
                }
            }
            if let Some(when) = &item.when {
                let what = format!("item `{}/{}`", step.id, item.id);
                check_condition(
                    when,
                    &format!("{ip}.when"),
                    &what,
                    &earlier,
                    &all_questions,
                    layout,
                    &mut add,
                );
            }
        }
        let mut question_ids = HashSet::new();
        for (qi, q) in step.questions.iter().enumerate() {
            let qp = layout.question(si, qi);
            let name = format!("{}/{}", step.id, q.id);
            check_id(&q.id, &format!("{qp}.id"), "question", &mut add);
            if !question_ids.insert(q.id.as_str()) {
                add(
                    &format!("{qp}.id"),
                    format!(
                        "duplicate question id `{}` in step `{}`; question ids must be unique within a step",
                        q.id, step.id
                    ),
                );
            }
            if let Some(when) = &q.when {
                let what = format!("question `{name}`");
                check_condition(
                    when,
                    &format!("{qp}.when"),
                    &what,
                    &earlier,
                    &all_questions,
                    layout,
                    &mut add,
                );
            }
            match q.kind {
                QuestionKind::Select | QuestionKind::Multiselect => {
                    // (Options taken out by the shape pass were reported there.)
                    if q.options.is_empty() && !layout.was_repaired(&format!("{qp}.options")) {
                        add(
                            &format!("{qp}.kind"),
                            format!(
                                "question `{name}` is a {} question but has no `options`; expected a list of {{id, label}}",
                                q.kind.as_str()
                            ),
                        );
                    }
                    let mut seen = HashSet::new();
                    for (oi, o) in q.options.iter().enumerate() {
                        if o.exclusive && q.kind != QuestionKind::Multiselect {
                            add(
                                &format!("{qp}.options[{oi}].exclusive"),
                                format!(
                                    "option `{}` of question `{name}` is `exclusive`, which only a multiselect option can be (a select answer is one option anyway)",
                                    o.id
                                ),
                            );
                        }
                        if !seen.insert(o.id.as_str()) {
                            add(
                                &format!("{qp}.options[{oi}].id"),
                                format!(
                                    "duplicate option `{}` in question `{name}`; option ids must be unique",
                                    o.id
                                ),
                            );
                        }
                    }
                }
                _ => {
                    if !q.options.is_empty() {
                        add(
                            &format!("{qp}.options"),
                            format!(
                                "question `{name}` is a {} question and cannot have `options`; only select and multiselect questions do",
                                q.kind.as_str()
                            ),
                        );
                    }
                }
            }
            if let Some(sets) = q.sets
                && (q.kind != QuestionKind::Datetime || sets == IntakeAnchor::Opened)
            {
                add(
                    &format!("{qp}.sets"),
                    format!(
                        "question `{name}` sets `{}`; only a datetime question can set an intake time, and only detected, aware or determined",
                        sets.as_str()
                    ),
                );
            }
            if q.codes.is_some() && q.kind != QuestionKind::Multiselect {
                add(
                    &format!("{qp}.codes"),
                    format!(
                        "question `{name}` is a {} question and cannot take `codes`; only a multiselect question can",
                        q.kind.as_str()
                    ),
                );
            }
            if let Some(fact) = &q.affected
                && (q.kind != fact.kind()
                    || (*fact == AffectedFact::Places && q.codes != Some(CodeList::Iso3166)))
            {
                add(
                    &format!("{qp}.affected"),
                    format!(
                        "question `{name}` is a {} question and cannot hold `affected: {}`; it needs a {} question{}",
                        q.kind.as_str(),
                        String::from(fact.clone()),
                        fact.kind().as_str(),
                        if *fact == AffectedFact::Places {
                            " with `codes: iso3166`"
                        } else {
                            ""
                        }
                    ),
                );
            }
            if let Some(list) = q.codes {
                for (oi, o) in q.options.iter().enumerate() {
                    if !list.accepts(&o.id) {
                        add(
                            &format!("{qp}.options[{oi}].id"),
                            format!(
                                "option `{}` of question `{name}` is not an ISO 3166 code such as `DE` or `US-CA`",
                                o.id
                            ),
                        );
                    }
                }
            }
            earlier.insert(name);
        }
    }

    let template_ids: HashSet<&str> = runbook.templates.iter().map(|t| t.id.as_str()).collect();
    let deadline_ids: HashSet<&str> = runbook.deadlines.iter().map(|d| d.id.as_str()).collect();
    let mut seen = HashSet::new();
    for (ti, t) in runbook.templates.iter().enumerate() {
        let tp = format!("{}.id", layout.template(ti));
        check_id(&t.id, &tp, "template", &mut add);
        if !seen.insert(t.id.as_str()) {
            add(&tp, format!("duplicate template id `{}`", t.id));
        }
    }
    // One duty, one place: an item that promises a notification meets a deadline, and an
    // item's template exists.
    let meets: HashSet<&str> = runbook
        .deadlines
        .iter()
        .flat_map(|d| d.satisfied_by.iter())
        .filter_map(|e| e.item.as_deref())
        .collect();
    for (si, step) in runbook.steps.iter().enumerate() {
        for (ii, item) in step.items.iter().enumerate() {
            let ip = layout.item(si, ii);
            let name = format!("{}/{}", step.id, item.id);
            if let Some(t) = &item.template
                && !template_ids.contains(t.as_str())
                && !layout.is_broken("template", t)
            {
                add(
                    &format!("{ip}.template"),
                    format!("item `{name}` names template `{t}`, which this runbook does not have"),
                );
            }
            if rules == Rules::Authoring
                && !layout.broken_deadline
                && item.legal_duty
                && item.promises_notification()
                && !meets.contains(name.as_str())
            {
                add(
                    &format!("{ip}.text"),
                    format!(
                        "item `{name}` promises a notification but meets no deadline; list it in a deadline's `satisfied_by` ({{item: {name}}}), or add `legal_duty: false` if no legal clock runs for it"
                    ),
                );
            }
        }
    }
    let index = Index {
        runbook,
        items: &all_items,
        questions: &all_questions,
        templates: &template_ids,
        deadlines: &deadline_ids,
        layout,
    };
    let mut seen = HashSet::new();
    for (di, d) in runbook.deadlines.iter().enumerate() {
        let dp = layout.deadline(di);
        let what = format!("deadline `{}`", d.id);
        check_id(&d.id, &format!("{dp}.id"), "deadline", &mut add);
        if !seen.insert(d.id.as_str()) {
            add(
                &format!("{dp}.id"),
                format!("duplicate deadline id `{}`", d.id),
            );
        }
        match (&d.within, d.asap) {
            (Some(_), true) => add(
                &format!("{dp}.asap"),
                format!("{what} has both `within` and `asap: true`; expected one of them"),
            ),
            (None, false) => add(
                &dp,
                format!(
                    "{what} has no time limit; expected `within` (hours, days, business_days or months) or `asap: true`"
                ),
            ),
            (Some(w), false) if w.fields_set() != 1 => add(
                &format!("{dp}.within"),
                format!(
                    "{what}: `within` has {} units; expected exactly one of hours, days, business_days, months",
                    w.fields_set()
                ),
            ),
            _ => {}
        }
        if let Some(zone) = &d.zone
            && zone.parse::<chrono_tz::Tz>().is_err()
        {
            add(
                &format!("{dp}.zone"),
                format!(
                    "{what}: unknown time zone `{zone}`; expected an IANA name such as Europe/London or America/New_York"
                ),
            );
        }
        if let Some(when) = &d.when {
            // Deadlines are computed over the whole incident, so any question will do.
            check_condition(
                when,
                &format!("{dp}.when"),
                &what,
                &all_questions,
                &all_questions,
                layout,
                &mut add,
            );
        }
        // Each event at its own entry of a `from` list (an intake anchor in the list has
        // none, so the list's indices are not the events').
        let from: Vec<(String, &super::model::EventRef)> = match &d.from {
            super::model::Anchor::First(list) => list
                .iter()
                .enumerate()
                .flat_map(|(i, a)| a.events().into_iter().map(move |e| (i, e)))
                .map(|(i, e)| (format!("{dp}.from[{i}]"), e))
                .collect(),
            single => single
                .events()
                .into_iter()
                .map(|e| (format!("{dp}.from"), e))
                .collect(),
        };
        for (fp, e) in from {
            index.check_event(e, &fp, &what, "from", &mut add);
            if e.deadline.as_deref() == Some(d.id.as_str()) {
                add(
                    &format!("{fp}.deadline"),
                    format!("{what} starts when it is itself met; expected another deadline"),
                );
            }
        }
        let list_form = spans.has(&format!("{dp}.satisfied_by[0]"));
        for (ei, e) in d.satisfied_by.iter().enumerate() {
            let ep = if list_form {
                format!("{dp}.satisfied_by[{ei}]")
            } else {
                format!("{dp}.satisfied_by")
            };
            index.check_event(e, &ep, &what, "satisfied_by", &mut add);
        }
    }
    problems
}

/// Ids appear in command lines as `STEP/ITEM`, so they may not be empty or contain `/` or
/// white space.
fn check_id(id: &str, path: &str, kind: &str, add: &mut impl FnMut(&str, String)) {
    if id.is_empty() {
        add(
            path,
            format!("empty {kind} id; expected a word such as `contain`"),
        );
    } else if id.contains('/') || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        add(
            path,
            format!(
                "{kind} id `{id}` contains `/`, white space or a control character; expected a word such as `disable_checkout`"
            ),
        );
    }
}

/// Checks every `answer:` a condition reads, each at its own position.
fn check_condition(
    c: &Condition,
    path: &str,
    what: &str,
    earlier: &HashSet<String>,
    all: &HashSet<String>,
    layout: &Layout,
    add: &mut impl FnMut(&str, String),
) {
    match c {
        Condition::All(v) | Condition::Any(v) => {
            let key = if matches!(c, Condition::All(_)) {
                "all"
            } else {
                "any"
            };
            for (i, sub) in v.iter().enumerate() {
                check_condition(
                    sub,
                    &format!("{path}.{key}[{i}]"),
                    what,
                    earlier,
                    all,
                    layout,
                    add,
                );
            }
        }
        Condition::Not(sub) => {
            check_condition(sub, &format!("{path}.not"), what, earlier, all, layout, add)
        }
        Condition::Answer { answer, .. }
            if earlier.contains(answer) || layout.is_broken("question", answer) => {}
        Condition::Answer { answer, .. } => {
            let detail = if all.contains(answer) {
                "which is asked later; a condition may only use earlier answers"
            } else {
                "which is not a question of this runbook; expected STEP/QUESTION"
            };
            add(
                &format!("{path}.answer"),
                format!("{what}: condition refers to `{answer}`, {detail}"),
            );
        }
    }
}

/// What an event reference may point at.
struct Index<'a> {
    runbook: &'a Runbook,
    items: &'a HashSet<String>,
    questions: &'a HashSet<String>,
    templates: &'a HashSet<&'a str>,
    deadlines: &'a HashSet<&'a str>,
    layout: &'a Layout,
}

impl Index<'_> {
    fn check_event(
        &self,
        e: &EventRef,
        path: &str,
        what: &str,
        field: &str,
        add: &mut impl FnMut(&str, String),
    ) {
        let at = |key: &str| format!("{path}.{key}");
        let broken = match e.event() {
            Some(Event::Item(i)) => self.layout.is_broken("item", i),
            Some(Event::Answer(a)) => self.layout.is_broken("question", a),
            Some(Event::Step(s)) => self.layout.is_broken("step", s),
            Some(Event::Notice(t)) => self.layout.is_broken("template", t),
            Some(Event::Deadline(d)) => self.layout.is_broken("deadline", d),
            None => false,
        };
        if broken {
            return;
        }
        match e.event() {
            None => add(
                path,
                format!(
                    "{what}: `{field}` needs exactly one of `item`, `answer`, `step`, `notice`, `deadline`"
                ),
            ),
            Some(Event::Item(i)) if !self.items.contains(i) => add(
                &at("item"),
                format!(
                    "{what}: `{field}` refers to item `{i}`, which does not exist; expected STEP/ITEM"
                ),
            ),
            Some(Event::Answer(a)) if !self.questions.contains(a) => add(
                &at("answer"),
                format!(
                    "{what}: `{field}` refers to question `{a}`, which does not exist; expected STEP/QUESTION"
                ),
            ),
            Some(Event::Step(s)) if self.runbook.step(s).is_none() => add(
                &at("step"),
                format!("{what}: `{field}` refers to step `{s}`, which does not exist"),
            ),
            Some(Event::Notice(t)) if !self.templates.contains(t) => add(
                &at("notice"),
                format!("{what}: `{field}` refers to template `{t}`, which does not exist"),
            ),
            Some(Event::Deadline(d)) if !self.deadlines.contains(d) => add(
                &at("deadline"),
                format!("{what}: `{field}` refers to deadline `{d}`, which does not exist"),
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
breach_runbook: 1
id: t
title: Test
steps:
  - id: assess
    title: Assess
    guidance: Look.
    owner: lead
    items:
      - id: look
        text: Look around
    questions:
      - id: kind
        prompt: What kind?
        kind: select
        options:
          - {id: a, label: A}
          - {id: b, label: B}
  - id: contain
    title: Contain
    guidance: Stop it.
    owner: lead
    when: {answer: assess/kind, equals: a}
templates:
  - {id: notice, audience: customers, subject: S, body: B}
deadlines:
  - id: gdpr
    title: Tell the authority
    authority: DPA
    citation: Art. 33
    from: aware
    within: {hours: 72}
    satisfied_by: {notice: notice}
";

    fn problems(text: &str) -> Vec<(usize, usize, String)> {
        match validate_text(text, "t.yaml") {
            Ok(_) => Vec::new(),
            Err(ps) => ps
                .into_iter()
                .map(|p| (p.line.unwrap_or(0), p.column.unwrap_or(0), p.message))
                .collect(),
        }
    }

    #[test]
    fn the_good_runbook_is_valid_and_the_built_ins_too() {
        assert_eq!(problems(GOOD), Vec::new());
        for (name, text) in super::super::builtin::BUILTINS {
            assert!(validate_text(text, name).is_ok(), "built-in {name}");
        }
    }

    #[test]
    fn an_items_alternatives_must_be_other_items_of_its_step() {
        let with = |or: &str| {
            GOOD.replace(
                "      - id: look\n        text: Look around\n",
                &format!(
                    "      - id: look\n        text: Look around\n        or: {or}\n      - id: ask\n        text: Ask around\n"
                ),
            )
        };
        assert_eq!(problems(&with("[ask]")), Vec::new());
        for bad in ["[look]", "[nope]"] {
            let ps = problems(&with(bad));
            assert_eq!(ps.len(), 1, "{bad}: {ps:?}");
            assert!(
                ps[0].2.contains("is not another item of step `assess`"),
                "{ps:?}"
            );
        }
    }

    #[test]
    fn duplicate_ids_point_at_the_second_id() {
        let text = GOOD.replace("id: contain", "id: assess");
        let ps = problems(&text);
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert_eq!((ps[0].0, ps[0].1), (19, 9));
        assert!(ps[0].2.contains("duplicate step id `assess`"));
    }

    #[test]
    fn every_semantic_problem_is_reported_with_its_own_position() {
        let text = GOOD
            .replace("{id: b, label: B}", "{id: a, label: B}")
            .replace("assess/kind", "assess/nope")
            .replace("{notice: notice}", "{notice: nope}")
            .replace("within: {hours: 72}", "within: {hours: 72, days: 3}");
        let ps = problems(&text);
        let got: Vec<(usize, usize)> = ps.iter().map(|p| (p.0, p.1)).collect();
        assert_eq!(got, vec![(18, 18), (23, 20), (32, 13), (33, 28)], "{ps:?}");
        assert!(ps[0].2.contains("duplicate option `a`"));
        assert!(ps[1].2.contains("not a question of this runbook"));
        assert!(ps[2].2.contains("2 units"));
        assert!(ps[3].2.contains("template `nope`"));
    }

    #[test]
    fn every_shape_problem_is_reported_with_the_semantic_ones_in_file_order() {
        // Two unknown fields in two steps, an unknown question kind, a duplicate step id and
        // a text where a number is expected: serde alone stops at the first.
        let text = GOOD
            .replace(
                "    title: Assess\n",
                "    titel: Assess\n    title: Assess\n",
            )
            .replace("kind: select", "kind: selekt")
            .replace("id: contain", "id: assess")
            .replace(
                "    owner: lead\n    when:",
                "    ower: lead\n    owner: lead\n    when:",
            )
            .replace("within: {hours: 72}", "within: {hours: seventy-two}");
        let ps = problems(&text);
        let got: Vec<(usize, usize)> = ps.iter().map(|p| (p.0, p.1)).collect();
        assert_eq!(
            got,
            vec![(6, 5), (16, 15), (20, 9), (23, 5), (34, 21)],
            "{ps:?}"
        );
        assert!(
            ps[0].2.starts_with("steps[0]: unknown field `titel`")
                && ps[0].2.ends_with("did you mean `title`?"),
            "{ps:?}"
        );
        assert!(
            ps[1]
                .2
                .starts_with("steps[0].questions[0].kind: unknown variant `selekt`"),
            "{ps:?}"
        );
        assert!(ps[2].2.contains("duplicate step id `assess`"), "{ps:?}");
        assert!(
            ps[3].2.starts_with("steps[1]: unknown field `ower`"),
            "{ps:?}"
        );
        assert!(
            ps[4]
                .2
                .starts_with("deadlines[0].within.hours: invalid type: string")
                && ps[4].2.ends_with("expected a whole number of 0 or more"),
            "{ps:?}"
        );
        // The step's condition names the question that did not parse: not reported again.
        assert!(!ps.iter().any(|p| p.2.contains("not a question")), "{ps:?}");
    }

    #[test]
    fn a_repaired_element_is_still_checked_and_fillers_raise_nothing() {
        // A missing owner and a title of the wrong type are reported once each; the step
        // still counts, so the condition on its question is checked and the duplicate
        // option found.
        let text = GOOD
            .replace("    owner: lead\n    items:", "    items:")
            .replace("    title: Contain\n", "    title: [Contain]\n")
            .replace("{id: b, label: B}", "{id: a, label: B}")
            .replace("{notice: notice}", "{notice: nope}");
        let ps = problems(&text);
        let got: Vec<(usize, usize, &str)> = ps
            .iter()
            .map(|p| (p.0, p.1, &p.2[..p.2.len().min(30)]))
            .collect();
        assert_eq!(ps.len(), 4, "{got:?}");
        assert!(
            ps[0].2.starts_with("steps[0]: missing field `owner`"),
            "{ps:?}"
        );
        assert!(ps[1].2.contains("duplicate option `a`"), "{ps:?}");
        assert!(
            ps[2].2.starts_with("steps[1].title: invalid type"),
            "{ps:?}"
        );
        assert!(ps[3].2.contains("template `nope`"), "{ps:?}");
        // Nothing that parsed is left out: the valid runbook around it stays valid.
        assert_eq!(problems(GOOD), Vec::new());
    }

    #[test]
    fn a_broken_list_element_does_not_hide_the_next() {
        let text = GOOD
            .replace(
                "          - {id: a, label: A}\n",
                "          - just a string\n          - {id: c, labl: C}\n",
            )
            .replace(
                "templates:\n",
                "templates:\n  - {id: other, audience: [x], subject: S, body: B}\n",
            );
        // An option that is not a mapping takes only itself out of the check: the option
        // after it is still checked, and so is the template after the step.
        let ps = problems(&text);
        assert_eq!(ps.len(), 3, "{ps:?}");
        assert!(ps[0].2.contains("expected an option"), "{ps:?}");
        assert_eq!((ps[0].0, ps[0].1), (17, 13), "{ps:?}");
        assert!(
            ps[1]
                .2
                .starts_with("steps[0].questions[0].options[1]: unknown field `labl`"),
            "{ps:?}"
        );
        assert_eq!((ps[1].0, ps[1].1), (18, 21), "{ps:?}");
        assert!(
            ps[2].2.starts_with("templates[0].audience: invalid type"),
            "{ps:?}"
        );
        // The template that did not parse is not reported as missing where it is named.
        let named = text.replace("{notice: notice}", "{notice: other}");
        assert_eq!(problems(&named).len(), 3, "{:?}", problems(&named));
    }

    #[test]
    fn sets_and_codes_fit_only_their_question_kinds() {
        let text = GOOD.replace(
            "        kind: select\n",
            "        kind: select\n        sets: determined\n        codes: iso3166\n",
        );
        let ps = problems(&text);
        assert_eq!(ps.len(), 4, "{ps:?}");
        assert!(
            ps[0].2.contains("only a datetime question can set"),
            "{ps:?}"
        );
        assert!(ps[1].2.contains("cannot take `codes`"), "{ps:?}");
        assert!(ps[2].2.contains("not an ISO 3166 code"), "{ps:?}");
        let places = GOOD.replace(
            "        kind: select\n        options:\n          - {id: a, label: A}\n          - {id: b, label: B}\n",
            "        kind: multiselect\n        codes: iso3166\n        options:\n          - {id: DE, label: Germany}\n          - {id: US-CA, label: California}\n      - {id: when, prompt: When?, kind: datetime, sets: determined}\n",
        )
        .replace("{answer: assess/kind, equals: a}", "{answer: assess/kind, place_in: [EU]}");
        assert_eq!(problems(&places), Vec::new());
    }

    #[test]
    fn affected_facts_fit_only_their_question_kinds() {
        let text = GOOD.replace(
            "        kind: select\n",
            "        kind: select\n        affected: total\n",
        );
        let ps = problems(&text);
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert!(ps[0].2.contains("needs a number question"), "{ps:?}");
        let places = GOOD.replace(
            "        kind: select\n        options:\n          - {id: a, label: A}\n          - {id: b, label: B}\n",
            "        kind: multiselect\n        affected: places\n        options:\n          - {id: a, label: A}\n      - {id: ca, prompt: How many?, kind: number, affected: US-CA}\n      - {id: from, prompt: From?, kind: datetime, affected: window_start}\n",
        )
        .replace("{answer: assess/kind, equals: a}", "{answer: assess/kind, contains: a}");
        let ps = problems(&places);
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert!(ps[0].2.contains("with `codes: iso3166`"), "{ps:?}");
        let unknown = GOOD.replace(
            "        kind: select\n",
            "        kind: select\n        affected: californians\n",
        );
        assert!(!problems(&unknown).is_empty());
    }

    #[test]
    fn an_item_that_promises_a_notification_must_meet_a_deadline() {
        let text = GOOD.replace(
            "        text: Look around\n",
            "        text: Look around\n      - {id: tell, text: Notify the regulators}\n      - {id: police, text: Report to the police, legal_duty: false}\n      - {id: sent, text: Sent, template: nope}\n",
        );
        let ps = problems(&text);
        assert_eq!(ps.len(), 2, "{ps:?}");
        assert!(
            ps[0]
                .2
                .contains("item `assess/tell` promises a notification but meets no deadline"),
            "{ps:?}"
        );
        assert!(ps[0].2.contains("legal_duty: false"), "{ps:?}");
        assert!(ps[1].2.contains("names template `nope`"), "{ps:?}");
        let linked = text
            .replace(
                "    satisfied_by: {notice: notice}\n",
                "    satisfied_by: [{notice: notice}, {item: assess/tell}]\n",
            )
            .replace("template: nope", "template: notice");
        assert_eq!(problems(&linked), Vec::new());
        for (text, promises) in [
            ("Notify affected customers", true),
            ("Report to the Texas Attorney General", true),
            ("Send the NIS2 early warning to the CSIRT", true),
            (
                "Tell the acquiring bank (card brands are notified through it)",
                true,
            ),
            (
                "Inform the security team or external security service",
                false,
            ),
            (
                "Record every decision not to report, with the reason",
                false,
            ),
            ("Brief support staff on what to tell customers", false),
        ] {
            let item: crate::runbook::Item =
                serde_yaml::from_str(&format!("{{id: x, text: \"{text}\"}}")).expect("item");
            assert_eq!(item.promises_notification(), promises, "{text}");
        }
    }

    #[test]
    fn a_pinned_runbook_is_not_held_to_the_authoring_rules() {
        // An incident opened with a runbook written before the duty rule stays readable.
        let text = GOOD.replace(
            "        text: Look around\n",
            "        text: Look around\n      - {id: tell, text: Notify the regulators}\n",
        );
        assert!(validate_text(&text, "t.yaml").is_err());
        assert!(validate_pinned_text(&text, "pinned").is_ok());
        // The format rules still hold for it.
        let broken = text.replace("kind: select", "kind: selekt");
        assert!(validate_pinned_text(&broken, "pinned").is_err());
    }

    #[test]
    fn a_condition_on_a_later_question_is_refused() {
        let text = GOOD.replace(
            "        text: Look around\n",
            "        text: Look around\n        when: {not: {answer: assess/kind, answered: true}}\n",
        );
        let ps = problems(&text);
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert_eq!((ps[0].0, ps[0].1), (12, 30));
        assert!(ps[0].2.contains("asked later"));
    }

    #[test]
    fn unknown_fields_suggest_the_close_one() {
        let text = GOOD.replace("    title: Assess", "    titel: Assess");
        let ps = problems(&text);
        assert_eq!((ps[0].0, ps[0].1), (6, 5), "{ps:?}");
        assert!(
            ps[0].2.starts_with("steps[0]: unknown field `titel`"),
            "{ps:?}"
        );
        assert!(ps[0].2.ends_with("did you mean `title`?"), "{ps:?}");
        let text = GOOD.replace("kind: select", "kind: selcet");
        let ps = problems(&text);
        assert!(ps[0].2.ends_with("did you mean `select`?"), "{ps:?}");
        let text = GOOD.replace("    owner: lead\n    items", "    zzzzzz: lead\n    items");
        assert!(!problems(&text)[0].2.contains("did you mean"));
    }

    #[test]
    fn the_version_is_checked_before_the_rest() {
        let ps = problems(&GOOD.replace("breach_runbook: 1", "breach_runbook: 2\nfuture: x"));
        assert_eq!(ps.len(), 1);
        assert_eq!((ps[0].0, ps[0].1), (1, 17));
        assert!(ps[0].2.contains("unsupported runbook format version 2"));
        let ps = problems("# a playbook\nid: x\nname: y\n");
        assert_eq!((ps[0].0, ps[0].1), (2, 1));
        assert!(ps[0].2.starts_with("missing `breach_runbook: 1`"));
    }

    #[test]
    fn odd_documents_get_clear_errors() {
        let ps = problems("- a\n- b\n");
        assert_eq!(
            ps[0].2,
            format!("not a runbook: found sequence; {EXPECTED_RUNBOOK}")
        );
        let ps = problems("  \n\t\n");
        assert!(ps[0].2.starts_with("the runbook is empty"));
        let ps = problems("breach_runbook: 1\nsteps: [\n");
        assert_eq!(ps[0].0, 3, "{ps:?}");
        assert!(!ps[0].2.contains(" at line "), "{ps:?}");
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_refused_quickly() {
        let mut bomb = String::from("breach_runbook: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let (prev, next) = (format!("l{i}"), format!("l{}", i + 1));
            let prev = if i == 0 { "a".to_string() } else { prev };
            bomb.push_str(&format!("{next}: &{next} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let started = std::time::Instant::now();
        assert!(!problems(&bomb).is_empty());
        let deep = format!("breach_runbook: 1\nid: {}", "[".repeat(100_000));
        assert!(!problems(&deep).is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
}
