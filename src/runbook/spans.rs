//! Where each node of a YAML document starts, by its path (`steps[3].items[1].id`).
//!
//! serde hands the validator finished values without positions, so the semantic checks look
//! positions up here. The index comes from a separate event-level parse that never expands
//! aliases and never recurses, so it costs time and memory linear in the input; beyond a fixed
//! depth and a fixed total size it stops recording (runbooks are far shallower and smaller).

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, Span};

/// Paths deeper than this are not recorded. Runbook fields nest about a dozen levels deep.
const MAX_DEPTH: usize = 64;

/// Documents nesting deeper than this are refused, with their position, before serde sees
/// them: the one limit of [`crate::yaml_guard`].
pub use crate::yaml_guard::MAX_NESTING;

/// The total length of recorded paths, in bytes, after which nothing more is recorded.
const MAX_PATH_BYTES: usize = 16 * 1024 * 1024;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    fn from_span(span: &Span) -> Pos {
        Pos {
            line: span.start.line(),
            column: span.start.col() + 1,
        }
    }
}

/// Start positions of the values (and mapping keys) of the first document.
#[derive(Debug, Default)]
pub struct SpanIndex {
    values: HashMap<String, Pos>,
    keys: HashMap<String, Pos>,
    /// Keys that appear twice in one mapping: the path and the second occurrence.
    duplicates: Vec<(String, Pos)>,
}

/// A collection being walked. `path` is `None` when the collection is not indexed (too deep,
/// over budget, or a complex key); its contents are then not indexed either.
enum Frame {
    Map {
        path: Option<String>,
        /// The key whose value comes next; `None` while a key is expected.
        key: Option<String>,
        /// The keys seen so far, to find repeats (kept whether or not the map is indexed).
        seen: HashSet<String>,
    },
    Seq {
        path: Option<String>,
        next: usize,
    },
}

impl SpanIndex {
    /// Indexes `text`, or says where and why it is not well-formed YAML (including nesting
    /// deeper than [`MAX_NESTING`]). Only the first document is indexed.
    pub fn build(text: &str) -> Result<SpanIndex, (Pos, String)> {
        let mut index = SpanIndex::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut budget = MAX_PATH_BYTES;
        let mut started = false;
        for result in Parser::new_from_str(text) {
            let (event, span) = match result {
                Ok(ok) => ok,
                Err(e) => {
                    let m = e.marker();
                    let pos = Pos {
                        line: m.line().max(1),
                        column: m.col() + 1,
                    };
                    let message = if e.info().contains("recursion limit") {
                        too_deep()
                    } else {
                        format!("invalid YAML: {}", e.info())
                    };
                    return Err((pos, message));
                }
            };
            let pos = Pos::from_span(&span);
            if crate::yaml_guard::too_deep(stack.len())
                && matches!(event, Event::SequenceStart(..) | Event::MappingStart(..))
            {
                return Err((pos, too_deep()));
            }
            let depth = stack.len();
            // Is this node a mapping key? Then note it and move on.
            let is_node = matches!(
                event,
                Event::Scalar(..)
                    | Event::Alias(_)
                    | Event::SequenceStart(..)
                    | Event::MappingStart(..)
            );
            if is_node
                && let Some(Frame::Map { path, key, seen }) = stack.last_mut()
                && key.is_none()
            {
                let name = match &event {
                    Event::Scalar(value, ..) => value.to_string(),
                    // An alias or a collection used as a key has no name to index by.
                    _ => String::from("?"),
                };
                if let Event::Scalar(..) = event {
                    let full = path.as_deref().map(|p| join_key(p, &name));
                    if !seen.insert(name.clone()) {
                        let shown = full.clone().unwrap_or_else(|| name.clone());
                        index.duplicates.push((shown, pos));
                    } else if let Some(full) = full
                        && depth <= MAX_DEPTH
                        && charge(&mut budget, full.len())
                    {
                        index.keys.insert(full, pos);
                    }
                }
                *key = Some(name);
                match event {
                    Event::SequenceStart(..) => stack.push(Frame::Seq {
                        path: None,
                        next: 0,
                    }),
                    Event::MappingStart(..) => stack.push(Frame::Map {
                        path: None,
                        key: None,
                        seen: HashSet::new(),
                    }),
                    _ => {}
                }
                continue;
            }
            match event {
                Event::DocumentStart(_) if started => break,
                Event::DocumentStart(_) => started = true,
                Event::DocumentEnd | Event::StreamEnd => break,
                Event::Scalar(..) | Event::Alias(_) => {
                    index.record(&mut stack, pos, &mut budget);
                }
                Event::SequenceStart(..) => {
                    let path = index.record(&mut stack, pos, &mut budget);
                    stack.push(Frame::Seq { path, next: 0 });
                }
                Event::MappingStart(..) => {
                    let path = index.record(&mut stack, pos, &mut budget);
                    stack.push(Frame::Map {
                        path,
                        key: None,
                        seen: HashSet::new(),
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    stack.pop();
                }
                Event::StreamStart | Event::Nothing => {}
            }
        }
        Ok(index)
    }

    /// Records a value node at the position the parent frame says, advances the parent, and
    /// returns the node's path if it is indexed.
    fn record(&mut self, stack: &mut [Frame], pos: Pos, budget: &mut usize) -> Option<String> {
        let depth = stack.len();
        let path = match stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Map { path, key, .. }) => {
                let k = key.take().unwrap_or_default();
                path.as_deref().map(|p| join_key(p, &k))
            }
            Some(Frame::Seq { path, next }) => {
                let p = path.as_deref().map(|p| format!("{p}[{next}]"));
                *next += 1;
                p
            }
        }?;
        if depth <= MAX_DEPTH && charge(budget, path.len()) {
            self.values.insert(path.clone(), pos);
            Some(path)
        } else {
            None
        }
    }

    /// Where the value at `path` starts, or else the nearest recorded ancestor.
    pub fn value(&self, path: &str) -> Pos {
        let mut p = path;
        loop {
            if let Some(pos) = self.values.get(p) {
                return *pos;
            }
            match parent(p) {
                Some(up) => p = up,
                None => return Pos { line: 1, column: 1 },
            }
        }
    }

    /// Where the key of the mapping entry at `path` starts, or else where its value (or the
    /// nearest ancestor) starts.
    pub fn key(&self, path: &str) -> Pos {
        self.keys
            .get(path)
            .copied()
            .unwrap_or_else(|| self.value(path))
    }

    /// Keys that appear more than once in the same mapping, with the position of each repeat.
    pub fn duplicate_keys(&self) -> &[(String, Pos)] {
        &self.duplicates
    }

    /// Whether a value was recorded at exactly this path.
    pub fn has(&self, path: &str) -> bool {
        self.values.contains_key(path)
    }
}

fn too_deep() -> String {
    format!("nesting deeper than {MAX_NESTING} levels; a runbook needs about a dozen")
}

fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn charge(budget: &mut usize, n: usize) -> bool {
    match budget.checked_sub(n) {
        Some(left) => {
            *budget = left;
            true
        }
        None => false,
    }
}

/// `a.b[2].c` → `a.b[2]` → `a.b` → `a` → `` → none.
fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(&path[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn block_paths_map_to_positions() {
        let text = "a: 1\nsteps:\n  - id: x\n    items:\n      - id: y\n        text: t\n";
        let ix = SpanIndex::build(text).expect("well-formed");
        assert_eq!(ix.value("a"), pos(1, 4));
        assert_eq!(ix.key("steps"), pos(2, 1));
        assert_eq!(ix.value("steps[0]"), pos(3, 5));
        assert_eq!(ix.value("steps[0].id"), pos(3, 9));
        assert_eq!(ix.key("steps[0].items[0].text"), pos(6, 9));
        assert_eq!(ix.value("steps[0].items[0].id"), pos(5, 13));
    }

    #[test]
    fn flow_collections_and_missing_paths_fall_back_to_ancestors() {
        let ix =
            SpanIndex::build("when: {all: [{answer: a/b, equals: 1}]}\n").expect("well-formed");
        assert_eq!(ix.value("when.all[0].answer"), pos(1, 23));
        assert_eq!(ix.value("when.all[0].nope[3]"), pos(1, 14));
        assert_eq!(ix.value("nothing.here"), pos(1, 1));
    }

    #[test]
    fn complex_keys_and_aliases_do_not_derail_the_index() {
        let text = "? [a, b]\n: 1\nx: &v 2\ny: *v\nz: 3\n";
        let ix = SpanIndex::build(text).expect("well-formed");
        assert_eq!(ix.value("x"), pos(3, 4));
        assert_eq!(ix.value("y"), pos(4, 4));
        assert_eq!(ix.value("z"), pos(5, 4));
        assert!(ix.duplicate_keys().is_empty());
    }

    #[test]
    fn repeated_keys_are_found() {
        let ix = SpanIndex::build("a:\n  b: 1\n  c: 2\n  b: 3\n").expect("well-formed");
        assert_eq!(ix.duplicate_keys(), &[("a.b".to_string(), pos(4, 3))]);
    }

    #[test]
    fn unindexed_collections_do_not_leak_keys_into_the_top_level() {
        // Past the path budget nothing is indexed, but repeats are still found per mapping.
        let mut ix = SpanIndex::default();
        let mut budget = 0;
        let mut stack = vec![Frame::Seq {
            path: Some("steps".into()),
            next: 0,
        }];
        assert_eq!(ix.record(&mut stack, pos(1, 1), &mut budget), None);
        let text: String = (0..3).map(|i| format!("- {{id: s{i}, t: x}}\n")).collect();
        let ix = SpanIndex::build(&text).expect("well-formed");
        assert!(ix.duplicate_keys().is_empty());
        assert_eq!(ix.value("[2].id"), pos(3, 8));
    }

    #[test]
    fn deep_and_broken_input_is_refused_with_a_position() {
        let deep = format!("a:\n  {}", "[".repeat(1_000_000));
        let (at, msg) = SpanIndex::build(&deep).expect_err("too deep");
        assert_eq!(at.line, 2);
        assert!(msg.starts_with("nesting deeper than"), "{msg}");
        let block = "- ".repeat(1_000_000);
        assert!(SpanIndex::build(&block).is_err());
        let (at, msg) = SpanIndex::build("a: [1, 2\nb: c").expect_err("unclosed");
        assert_eq!(at.line, 2, "{msg}");
        assert!(msg.starts_with("invalid YAML: "), "{msg}");
    }
}
