//! The shape pass of validation when serde refuses a runbook: every unknown field, missing
//! field, wrong type and unknown name, not only the first.
//!
//! serde stops at the first problem of a document, so the document is read into a YAML
//! value and each element (the top level, each step, item, question, deadline, template and
//! reference) is deserialised on its own with the serde types of `model`, the one definition
//! of the shape. When an element is refused, the problem is reported at the node serde names
//! ([`serde_path_to_error`] gives its path, the [`SpanIndex`] its position) and the element
//! is repaired and tried again: an unknown field is taken out, a field of the wrong type is
//! taken out, an entry of the wrong type in a list (an option written as a plain string, a
//! holiday that is not a date) is taken out of its list while the other entries stay and are
//! checked, and a required field that is missing (or was taken out) is filled with an empty
//! text. An element that cannot be repaired that way (an unknown question kind, say) is left
//! out of the runbook the semantic pass then checks; its name is kept in [`Layout::broken`]
//! so that references to it are not reported as well. The entries taken out of lists are
//! kept in [`Layout::dropped`], so that every path (of a shape problem found after the entry
//! was taken out, or of a semantic problem) names the entry's index in the file.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use serde_yaml::{Mapping, Value};

use super::model::{Deadline, Item, Question, Reference, Runbook, Step, Template};
use super::spans::SpanIndex;
use super::validate::{Problem, did_you_mean, polish};

/// How many times one element is repaired and tried again before it is given up.
const MAX_TRIES: usize = 256;

/// Where the parsed elements stood in the file, and what did not parse.
#[derive(Debug, Default)]
pub(super) struct Layout {
    /// For each step of the checked runbook: its index in the file, and the file indices of
    /// its items and questions.
    steps: Vec<StepAt>,
    deadlines: Vec<usize>,
    templates: Vec<usize>,
    /// Names of elements that did not parse: `step:ID`, `item:STEP/ID`, `question:STEP/ID`,
    /// `template:ID`, `deadline:ID`.
    broken: HashSet<String>,
    /// Whether a deadline did not parse (then an item cannot be said to meet no deadline).
    pub broken_deadline: bool,
    /// Paths that were taken out or filled in to repair an element, and the mappings they
    /// were taken out of: a semantic problem there is a consequence of the shape problem
    /// already reported.
    repaired: HashSet<String>,
    /// The lists inside elements (`steps[0].questions[1].options`, by their paths in the
    /// file) that had entries taken out, and the file indices of those entries.
    dropped: HashMap<String, BTreeSet<usize>>,
}

#[derive(Debug, Default)]
struct StepAt {
    index: usize,
    items: Vec<usize>,
    questions: Vec<usize>,
}

impl Layout {
    /// The layout of a runbook that parsed whole: every element where it is.
    pub fn whole(runbook: &Runbook) -> Layout {
        Layout {
            steps: runbook
                .steps
                .iter()
                .enumerate()
                .map(|(index, s)| StepAt {
                    index,
                    items: (0..s.items.len()).collect(),
                    questions: (0..s.questions.len()).collect(),
                })
                .collect(),
            deadlines: (0..runbook.deadlines.len()).collect(),
            templates: (0..runbook.templates.len()).collect(),
            ..Layout::default()
        }
    }

    /// The path of the `si`th checked step in the file.
    pub fn step(&self, si: usize) -> String {
        format!("steps[{}]", self.steps[si].index)
    }

    pub fn item(&self, si: usize, ii: usize) -> String {
        format!("{}.items[{}]", self.step(si), self.steps[si].items[ii])
    }

    pub fn question(&self, si: usize, qi: usize) -> String {
        format!(
            "{}.questions[{}]",
            self.step(si),
            self.steps[si].questions[qi]
        )
    }

    pub fn deadline(&self, di: usize) -> String {
        format!("deadlines[{}]", self.deadlines[di])
    }

    pub fn template(&self, ti: usize) -> String {
        format!("templates[{}]", self.templates[ti])
    }

    /// The file indices of the checked templates.
    pub fn template_indices(&self) -> &[usize] {
        &self.templates
    }

    /// Whether the element `kind:name` exists in the file but did not parse.
    pub fn is_broken(&self, kind: &str, name: &str) -> bool {
        !self.broken.is_empty() && self.broken.contains(&format!("{kind}:{name}"))
    }

    /// Whether the node at `path` was changed by a repair (see [`Layout::repaired`]).
    pub fn was_repaired(&self, path: &str) -> bool {
        self.repaired.contains(path)
    }

    /// The path in the file of a node of the checked runbook: `path`'s steps, items,
    /// questions, deadlines and templates are already the file's (see [`Layout::step`]), the
    /// indices inside an element count the entries that parsed; each of those is moved past
    /// the entries taken out before it.
    pub fn file_path<'p>(&self, path: &'p str) -> Cow<'p, str> {
        if self.dropped.is_empty() || !path.contains('[') {
            return Cow::Borrowed(path);
        }
        Cow::Owned(in_file(path, |list| self.dropped.get(list)))
    }
}

/// `path` with the index after each list in `dropped` moved past that list's dropped
/// entries. The lists are looked up by their paths in the file, built as `path` is read.
fn in_file<'d>(path: &str, dropped: impl Fn(&str) -> Option<&'d BTreeSet<usize>>) -> String {
    let mut out = String::with_capacity(path.len() + 4);
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else {
            break;
        };
        let index = match after[..close].parse::<usize>() {
            Ok(i) => original_index(i, dropped(&out)),
            Err(_) => {
                out.push_str(&rest[open..open + close + 2]);
                rest = &after[close + 1..];
                continue;
            }
        };
        out.push_str(&format!("[{index}]"));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The file index of the `i`th entry that is left of a list whose entries `dropped` (file
/// indices) were taken out.
fn original_index(i: usize, dropped: Option<&BTreeSet<usize>>) -> usize {
    let mut index = i;
    for &d in dropped.into_iter().flatten() {
        if d <= index {
            index += 1;
        } else {
            break;
        }
    }
    index
}

/// What the shape pass found.
pub(super) struct Parsed {
    /// The runbook made of the elements that parsed.
    pub runbook: Runbook,
    pub layout: Layout,
    /// Every shape problem, in the order found.
    pub problems: Vec<Problem>,
}

/// Reads `value` (the whole document) element by element. `None` when the document is not
/// a mapping, which the caller reports as a whole.
pub(super) fn collect(value: Value, spans: &SpanIndex, origin: &str) -> Option<Parsed> {
    let Value::Mapping(mut root) = value else {
        return None;
    };
    let mut pass = Pass {
        spans,
        origin,
        problems: Vec::new(),
        layout: Layout::default(),
    };
    let steps = take_list(&mut root, "steps");
    let deadlines = take_list(&mut root, "deadlines");
    let templates = take_list(&mut root, "templates");
    let references = take_list(&mut root, "references");
    if steps.is_some() {
        // Required: it stands in as empty so its absence is not reported.
        root.insert(Value::from("steps"), Value::Sequence(Vec::new()));
    }
    let mut runbook: Runbook = match pass.element(Value::Mapping(root), "") {
        Some(r) => r,
        None => Runbook {
            breach_runbook: super::model::FORMAT_VERSION,
            id: "runbook".into(),
            title: String::new(),
            description: String::new(),
            steps: Vec::new(),
            deadlines: Vec::new(),
            holidays: Vec::new(),
            templates: Vec::new(),
            references: Vec::new(),
        },
    };
    let had_steps = steps.as_ref().is_some_and(|s| !s.is_empty());
    for (si, mut step) in steps.unwrap_or_default().into_iter().enumerate() {
        let base = format!("steps[{si}]");
        let (items, questions) = match &mut step {
            Value::Mapping(m) => (take_list(m, "items"), take_list(m, "questions")),
            _ => (None, None),
        };
        let step_id = id_of(&step);
        let parsed: Option<Step> = pass.element(step, &base);
        let mut at = StepAt {
            index: si,
            ..StepAt::default()
        };
        let mut parsed_items = Vec::new();
        for (ii, item) in items.unwrap_or_default().into_iter().enumerate() {
            let id = id_of(&item);
            match pass.element::<Item>(item, &format!("{base}.items[{ii}]")) {
                Some(item) => {
                    parsed_items.push(item);
                    at.items.push(ii);
                }
                None => pass.broken("item", &step_id, id),
            }
        }
        let mut parsed_questions = Vec::new();
        for (qi, question) in questions.unwrap_or_default().into_iter().enumerate() {
            let id = id_of(&question);
            match pass.element::<Question>(question, &format!("{base}.questions[{qi}]")) {
                Some(q) => {
                    parsed_questions.push(q);
                    at.questions.push(qi);
                }
                None => pass.broken("question", &step_id, id),
            }
        }
        match parsed {
            Some(mut step) => {
                step.items = parsed_items;
                step.questions = parsed_questions;
                runbook.steps.push(step);
                pass.layout.steps.push(at);
            }
            None => {
                // Its items and questions cannot be checked without it, and are not missing.
                for item in &parsed_items {
                    pass.broken("item", &step_id, Some(item.id.clone()));
                }
                for q in &parsed_questions {
                    pass.broken("question", &step_id, Some(q.id.clone()));
                }
                if let Some(id) = step_id {
                    pass.layout.broken.insert(format!("step:{id}"));
                }
            }
        }
    }
    if runbook.steps.is_empty() && pass.layout.steps.is_empty() && had_steps {
        // Steps there were; none parsed, and each was reported.
        pass.layout.repaired.insert("steps".into());
    }
    for (di, deadline) in deadlines.unwrap_or_default().into_iter().enumerate() {
        let id = id_of(&deadline);
        match pass.element::<Deadline>(deadline, &format!("deadlines[{di}]")) {
            Some(d) => {
                runbook.deadlines.push(d);
                pass.layout.deadlines.push(di);
            }
            None => {
                pass.layout.broken_deadline = true;
                if let Some(id) = id {
                    pass.layout.broken.insert(format!("deadline:{id}"));
                }
            }
        }
    }
    for (ti, template) in templates.unwrap_or_default().into_iter().enumerate() {
        let id = id_of(&template);
        match pass.element::<Template>(template, &format!("templates[{ti}]")) {
            Some(t) => {
                runbook.templates.push(t);
                pass.layout.templates.push(ti);
            }
            None => {
                if let Some(id) = id {
                    pass.layout.broken.insert(format!("template:{id}"));
                }
            }
        }
    }
    for (ri, reference) in references.unwrap_or_default().into_iter().enumerate() {
        if let Some(r) = pass.element::<Reference>(reference, &format!("references[{ri}]")) {
            runbook.references.push(r);
        }
    }
    Some(Parsed {
        runbook,
        layout: pass.layout,
        problems: pass.problems,
    })
}

/// Takes the list under `key` out of a mapping, if it is a list (anything else stays, for
/// the element's own deserialisation to report).
fn take_list(map: &mut Mapping, key: &str) -> Option<Vec<Value>> {
    if matches!(map.get(key), Some(Value::Sequence(_))) {
        match map.remove(key) {
            Some(Value::Sequence(list)) => Some(list),
            _ => None,
        }
    } else {
        None
    }
}

fn id_of(value: &Value) -> Option<String> {
    value.get("id").and_then(Value::as_str).map(str::to_string)
}

struct Pass<'a> {
    spans: &'a SpanIndex,
    origin: &'a str,
    problems: Vec<Problem>,
    layout: Layout,
}

/// One step of a path inside a document.
#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

impl Pass<'_> {
    fn broken(&mut self, kind: &str, step: &Option<String>, id: Option<String>) {
        if let (Some(step), Some(id)) = (step, id) {
            self.layout.broken.insert(format!("{kind}:{step}/{id}"));
        }
    }

    /// Deserialises one element at `base`, reporting each problem and repairing it, until it
    /// parses or cannot be repaired.
    fn element<T: DeserializeOwned>(&mut self, mut value: Value, base: &str) -> Option<T> {
        // Paths (inside the element) that this pass took out or filled in.
        let mut removed: HashSet<String> = HashSet::new();
        let mut filled: HashSet<String> = HashSet::new();
        let mut dropped: HashMap<String, BTreeSet<usize>> = HashMap::new();
        let parsed = self.repair_loop(&mut value, base, &mut removed, &mut filled, &mut dropped);
        for (list, entries) in dropped {
            self.layout
                .dropped
                .entry(join(base, &list))
                .or_default()
                .extend(entries);
        }
        for path in &removed {
            let full = join(base, path);
            let parent = full.rfind(['.', '[']).map_or("", |cut| &full[..cut]);
            self.layout.repaired.insert(parent.to_string());
            self.layout.repaired.insert(full);
        }
        for path in &filled {
            self.layout.repaired.insert(join(base, path));
        }
        parsed
    }

    fn repair_loop<T: DeserializeOwned>(
        &mut self,
        value: &mut Value,
        base: &str,
        removed: &mut HashSet<String>,
        filled: &mut HashSet<String>,
        dropped: &mut HashMap<String, BTreeSet<usize>>,
    ) -> Option<T> {
        for _ in 0..MAX_TRIES {
            let error = match serde_path_to_error::deserialize::<_, T>(&*value) {
                Ok(t) => return Some(t),
                Err(e) => e,
            };
            // `segs` is where the problem is in `value` as repaired so far, `at_file` where
            // it is in the file: they differ after a list entry before it was taken out.
            let mut segs = Vec::new();
            for seg in error.path().iter() {
                match seg {
                    Segment::Seq { index } => segs.push(Seg::Index(*index)),
                    Segment::Map { key } => segs.push(Seg::Key(key.clone())),
                    Segment::Enum { .. } | Segment::Unknown => break,
                }
            }
            let at_file = in_file_segs(&segs, dropped);
            let message = error.inner().to_string();
            let inner = render(&at_file);
            if message.starts_with("unknown field `") {
                let full = join(base, &inner);
                let parent = join(base, &render(&at_file[..at_file.len().saturating_sub(1)]));
                self.report(self.spans.key(&full), &parent, &message);
                if let Some(near) = did_you_mean(&message, "unknown field `") {
                    // `titel` for `title`: the missing `title` is the same problem.
                    let mut at = at_file[..at_file.len().saturating_sub(1)].to_vec();
                    at.push(Seg::Key(near));
                    removed.insert(render(&at));
                }
                if !remove(value, &segs) {
                    return None;
                }
                continue;
            }
            if let Some(field) = message
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
            {
                let mut at = at_file.clone();
                at.push(Seg::Key(field.to_string()));
                let path = render(&at);
                if filled.contains(&path) {
                    return None;
                }
                if !removed.contains(&path) {
                    let map = join(base, &inner);
                    self.report(self.spans.value(&map), &map, &message);
                }
                if !fill(value, &segs, field) {
                    return None;
                }
                filled.insert(path);
                continue;
            }
            // A wrong type, an unknown name or a malformed value: report it, unless it is the
            // value filled in, and take out the entry that holds it.
            if filled
                .iter()
                .any(|f| inner == *f || inner.starts_with(&format!("{f}.")))
            {
                return None;
            }
            let full = join(base, &inner);
            self.report(self.spans.value(&full), &full, &message);
            // An entry of a list that has others: only it is taken out, and the others are
            // still checked.
            if let (Some(Seg::Index(i)), Some(Seg::Index(file_index))) =
                (segs.last(), at_file.last())
                && remove_entry(value, &segs[..segs.len() - 1], *i)
            {
                dropped
                    .entry(render(&at_file[..at_file.len() - 1]))
                    .or_default()
                    .insert(*file_index);
                removed.insert(inner);
                continue;
            }
            let last_key = segs.iter().rposition(|s| matches!(s, Seg::Key(_)))?;
            if !remove(value, &segs[..=last_key]) {
                return None;
            }
            removed.insert(render(&at_file[..=last_key]));
        }
        None
    }

    fn report(&mut self, pos: super::spans::Pos, path: &str, message: &str) {
        let message = if path.is_empty() {
            polish(message)
        } else {
            polish(&format!("{path}: {message}"))
        };
        self.problems.push(Problem::at(self.origin, pos, message));
    }
}

/// `steps[0].items[1].id` from segments, relative to the element.
fn render(segs: &[Seg]) -> String {
    let mut out = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A path inside an element, from the element's own path.
fn join(base: &str, inner: &str) -> String {
    match (base.is_empty(), inner.is_empty()) {
        (_, true) => base.to_string(),
        (true, false) => inner.to_string(),
        (false, false) if inner.starts_with('[') => format!("{base}{inner}"),
        (false, false) => format!("{base}.{inner}"),
    }
}

fn node_mut<'v>(mut value: &'v mut Value, segs: &[Seg]) -> Option<&'v mut Value> {
    for seg in segs {
        value = match seg {
            Seg::Key(k) => value.as_mapping_mut()?.get_mut(k.as_str())?,
            Seg::Index(i) => value.as_sequence_mut()?.get_mut(*i)?,
        };
    }
    Some(value)
}

/// `segs` (in an element as repaired so far) in the file: each index moved past the entries
/// taken out of its list before it (`dropped`, by the lists' paths in the file).
fn in_file_segs(segs: &[Seg], dropped: &HashMap<String, BTreeSet<usize>>) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::with_capacity(segs.len());
    for seg in segs {
        let seg = match seg {
            Seg::Index(i) if !dropped.is_empty() => {
                Seg::Index(original_index(*i, dropped.get(&render(&out))))
            }
            other => other.clone(),
        };
        out.push(seg);
    }
    out
}

/// Takes entry `index` out of the list at `segs`, if the list has other entries (a list left
/// empty would be a new problem of its own; the caller takes out the whole list instead).
fn remove_entry(value: &mut Value, segs: &[Seg], index: usize) -> bool {
    match node_mut(value, segs).and_then(Value::as_sequence_mut) {
        Some(list) if list.len() > 1 && index < list.len() => {
            list.remove(index);
            true
        }
        _ => false,
    }
}

/// Takes out the mapping entry at `segs` (whose last segment is a key).
fn remove(value: &mut Value, segs: &[Seg]) -> bool {
    let Some((Seg::Key(key), parent)) = segs.split_last() else {
        return false;
    };
    node_mut(value, parent)
        .and_then(Value::as_mapping_mut)
        .and_then(|m| m.remove(key.as_str()))
        .is_some()
}

/// Puts an empty text at `field` of the mapping at `segs`.
fn fill(value: &mut Value, segs: &[Seg], field: &str) -> bool {
    match node_mut(value, segs).and_then(Value::as_mapping_mut) {
        Some(map) => {
            map.insert(Value::from(field), Value::from(""));
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_like_the_span_index() {
        assert_eq!(join("", ""), "");
        assert_eq!(join("", "id"), "id");
        assert_eq!(join("steps[2]", ""), "steps[2]");
        assert_eq!(join("steps[2]", "when.all[0]"), "steps[2].when.all[0]");
        assert_eq!(
            render(&[
                Seg::Key("options".into()),
                Seg::Index(1),
                Seg::Key("label".into())
            ]),
            "options[1].label"
        );
    }

    #[test]
    fn indices_after_dropped_entries_are_the_files() {
        let mut dropped: HashMap<String, BTreeSet<usize>> = HashMap::new();
        dropped.insert("steps[0].questions[1].options".into(), [0, 2].into());
        dropped.insert("steps[0].questions[1].options[3].x".into(), [1].into());
        let get = |list: &str| dropped.get(list);
        // Left: options 1, 3, 4, ... of the file.
        assert_eq!(
            in_file("steps[0].questions[1].options[0].id", get),
            "steps[0].questions[1].options[1].id"
        );
        assert_eq!(
            in_file("steps[0].questions[1].options[1].x[1]", get),
            "steps[0].questions[1].options[3].x[2]"
        );
        assert_eq!(
            in_file("steps[0].questions[1].options[2]", get),
            "steps[0].questions[1].options[4]"
        );
        // Other lists, and paths without lists, are as they are.
        assert_eq!(
            in_file("deadlines[2].holidays[0]", get),
            "deadlines[2].holidays[0]"
        );
        assert_eq!(in_file("steps[0].id", get), "steps[0].id");
        let segs = [
            Seg::Key("options".into()),
            Seg::Index(1),
            Seg::Key("id".into()),
        ];
        let mut local = HashMap::new();
        local.insert("options".to_string(), BTreeSet::from([1]));
        assert_eq!(render(&in_file_segs(&segs, &local)), "options[2].id");
    }
}
