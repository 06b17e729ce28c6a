//! Runbook validation. Every problem names file:line:column and says what was expected.
//! Parsing catches syntax, unknown fields, missing fields and wrong types; the semantic pass
//! catches duplicate ids, references to things that do not exist or come later, and
//! malformed durations.

use std::collections::HashSet;
use std::fmt;

use super::model::{Event, EventRef, FORMAT_VERSION, QuestionKind, Runbook};

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

/// Parses and checks a runbook's text. Returns every problem found.
pub fn validate_text(text: &str, origin: &str) -> Result<Runbook, Vec<Problem>> {
    let problem = |line: Option<usize>, column: Option<usize>, message: String| Problem {
        file: origin.to_string(),
        line,
        column,
        message,
    };
    if text.trim().is_empty() {
        return Err(vec![problem(Some(1), Some(1), "the runbook is empty; expected a mapping with `breach_runbook: 1`, `id`, `title` and `steps`".into())]);
    }
    let runbook: Runbook = match serde_yaml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let loc = e.location();
            return Err(vec![problem(
                loc.as_ref().map(|l| l.line()),
                loc.as_ref().map(|l| l.column()),
                e.to_string(),
            )]);
        }
    };
    let mut problems = Vec::new();
    let mut add = |message: String| problems.push(problem(None, None, message));

    if runbook.breach_runbook != FORMAT_VERSION {
        add(format!(
            "unsupported format version breach_runbook: {}; this build reads version {FORMAT_VERSION}",
            runbook.breach_runbook
        ));
    }
    if runbook.steps.is_empty() {
        add("the runbook has no steps; expected at least one".into());
    }
    let mut step_ids = HashSet::new();
    // Answers and items defined so far, in walk order: a reference must point backwards.
    let mut earlier_questions: HashSet<String> = HashSet::new();
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
    for step in &runbook.steps {
        if !step_ids.insert(step.id.as_str()) {
            add(format!("duplicate step id `{}`", step.id));
        }
        if let Some(when) = &step.when {
            for r in when.answers_referenced() {
                check_answer_ref(
                    r,
                    &earlier_questions,
                    &all_questions,
                    &format!("step `{}`", step.id),
                    &mut add,
                );
            }
        }
        let mut item_ids = HashSet::new();
        for item in &step.items {
            if !item_ids.insert(item.id.as_str()) {
                add(format!(
                    "duplicate item id `{}` in step `{}`",
                    item.id, step.id
                ));
            }
            if let Some(when) = &item.when {
                for r in when.answers_referenced() {
                    check_answer_ref(
                        r,
                        &earlier_questions,
                        &all_questions,
                        &format!("item `{}/{}`", step.id, item.id),
                        &mut add,
                    );
                }
            }
        }
        let mut question_ids = HashSet::new();
        for q in &step.questions {
            let path = format!("{}/{}", step.id, q.id);
            if !question_ids.insert(q.id.as_str()) {
                add(format!(
                    "duplicate question id `{}` in step `{}`",
                    q.id, step.id
                ));
            }
            if let Some(when) = &q.when {
                for r in when.answers_referenced() {
                    check_answer_ref(
                        r,
                        &earlier_questions,
                        &all_questions,
                        &format!("question `{path}`"),
                        &mut add,
                    );
                }
            }
            match q.kind {
                QuestionKind::Select | QuestionKind::Multiselect => {
                    if q.options.is_empty() {
                        add(format!(
                            "question `{path}` is a {} but has no `options`",
                            q.kind.as_str()
                        ));
                    }
                    let mut seen = HashSet::new();
                    for o in &q.options {
                        if !seen.insert(o.id.as_str()) {
                            add(format!("duplicate option `{}` in question `{path}`", o.id));
                        }
                    }
                }
                _ => {
                    if !q.options.is_empty() {
                        add(format!(
                            "question `{path}` is a {} and cannot have `options` (only select and multiselect do)",
                            q.kind.as_str()
                        ));
                    }
                }
            }
            earlier_questions.insert(path);
        }
    }
    let template_ids: HashSet<&str> = runbook.templates.iter().map(|t| t.id.as_str()).collect();
    let deadline_ids: HashSet<&str> = runbook.deadlines.iter().map(|d| d.id.as_str()).collect();
    let mut seen = HashSet::new();
    for t in &runbook.templates {
        if !seen.insert(t.id.as_str()) {
            add(format!("duplicate template id `{}`", t.id));
        }
    }
    let mut seen = HashSet::new();
    for d in &runbook.deadlines {
        let what = format!("deadline `{}`", d.id);
        if !seen.insert(d.id.as_str()) {
            add(format!("duplicate deadline id `{}`", d.id));
        }
        match (&d.within, d.asap) {
            (Some(_), true) => add(format!(
                "{what} has both `within` and `asap: true`; give one"
            )),
            (None, false) => add(format!(
                "{what} needs `within` (hours, days, business_days or months) or `asap: true`"
            )),
            (Some(w), false) if w.fields_set() != 1 => add(format!(
                "{what}: `within` needs exactly one of hours, days, business_days, months ({} given)",
                w.fields_set()
            )),
            _ => {}
        }
        if let Some(when) = &d.when {
            for r in when.answers_referenced() {
                check_answer_ref(r, &all_questions, &all_questions, &what, &mut add);
            }
        }
        if let super::model::Anchor::Event(e) = &d.from {
            check_event(
                e,
                &what,
                "from",
                &runbook,
                &all_items,
                &all_questions,
                &template_ids,
                &deadline_ids,
                &mut add,
            );
            if e.deadline.as_deref() == Some(d.id.as_str()) {
                add(format!("{what} is anchored on itself"));
            }
        }
        for e in &d.satisfied_by {
            check_event(
                e,
                &what,
                "satisfied_by",
                &runbook,
                &all_items,
                &all_questions,
                &template_ids,
                &deadline_ids,
                &mut add,
            );
        }
    }
    if problems.is_empty() {
        Ok(runbook)
    } else {
        Err(problems)
    }
}

fn check_answer_ref(
    r: &str,
    earlier: &HashSet<String>,
    all: &HashSet<String>,
    what: &str,
    add: &mut impl FnMut(String),
) {
    if earlier.contains(r) {
        return;
    }
    if all.contains(r) {
        add(format!(
            "{what}: condition refers to `{r}`, which is asked later; a condition may only use earlier answers"
        ));
    } else {
        add(format!(
            "{what}: condition refers to `{r}`, which is not a question of this runbook (expected STEP/QUESTION)"
        ));
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "a private helper over the validator's indexes"
)]
fn check_event(
    e: &EventRef,
    what: &str,
    field: &str,
    runbook: &Runbook,
    items: &HashSet<String>,
    questions: &HashSet<String>,
    templates: &HashSet<&str>,
    deadlines: &HashSet<&str>,
    add: &mut impl FnMut(String),
) {
    match e.event() {
        None => add(format!(
            "{what}: `{field}` needs exactly one of item, answer, step, notice, deadline"
        )),
        Some(Event::Item(i)) if !items.contains(i) => add(format!(
            "{what}: `{field}` refers to item `{i}`, which does not exist (expected STEP/ITEM)"
        )),
        Some(Event::Answer(a)) if !questions.contains(a) => add(format!(
            "{what}: `{field}` refers to question `{a}`, which does not exist (expected STEP/QUESTION)"
        )),
        Some(Event::Step(s)) if runbook.step(s).is_none() => add(format!(
            "{what}: `{field}` refers to step `{s}`, which does not exist"
        )),
        Some(Event::Notice(t)) if !templates.contains(t) => add(format!(
            "{what}: `{field}` refers to template `{t}`, which does not exist"
        )),
        Some(Event::Deadline(d)) if !deadlines.contains(d) => add(format!(
            "{what}: `{field}` refers to deadline `{d}`, which does not exist"
        )),
        _ => {}
    }
}
