//! Where each node of a YAML document starts, by its path (`steps[3].items[1].id`).
//!
//! serde hands the validator finished values without positions, so the semantic checks look
//! positions up here. The index comes from a separate event-level parse that never expands
//! aliases and never recurses, so it costs time and memory linear in the input; beyond a fixed
//! depth and a fixed total size it stops recording (runbooks are far shallower and smaller).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use saphyr_parser::{Event, Parser, Span};

/// Paths deeper than this are not recorded. Runbook fields nest about a dozen levels deep.
const MAX_DEPTH: usize = 64;

/// Documents nesting deeper than this are refused before serde sees them: yaml_serde stops at
/// 128 levels anyway, but its scanner slows down quadratically with flow nesting depth.
pub const MAX_NESTING: usize = 100;

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

enum Frame {
    Map {
        path: String,
        /// The key whose value comes next; `None` while a key is expected.
        key: Option<String>,
    },
    Seq {
        path: String,
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
            if stack.len() >= MAX_NESTING
                && matches!(event, Event::SequenceStart(..) | Event::MappingStart(..))
            {
                return Err((pos, too_deep()));
            }
            match event {
                Event::DocumentStart(_) if started => break,
                Event::DocumentStart(_) => started = true,
                Event::DocumentEnd | Event::StreamEnd => break,
                Event::Scalar(value, ..) => {
                    let depth = stack.len();
                    if let Some(Frame::Map { path, key }) = stack.last_mut()
                        && key.is_none()
                    {
                        // A key: remember it and where it is.
                        let full = join_key(path, &value);
                        if stack_depth_ok(depth) && charge(&mut budget, full.len()) {
                            match index.keys.entry(full) {
                                Entry::Occupied(e) => index.duplicates.push((e.key().clone(), pos)),
                                Entry::Vacant(e) => {
                                    e.insert(pos);
                                }
                            }
                        }
                        *key = Some(value.into_owned());
                        continue;
                    }
                    index.record(&mut stack, pos, &mut budget);
                }
                Event::Alias(_) => {
                    if let Some(Frame::Map {
                        key: key @ None, ..
                    }) = stack.last_mut()
                    {
                        // An alias used as a key has no name to index by.
                        *key = Some(String::from("*"));
                        continue;
                    }
                    index.record(&mut stack, pos, &mut budget);
                }
                Event::SequenceStart(..) | Event::MappingStart(..) => {
                    let path = if let Some(Frame::Map {
                        key: key @ None, ..
                    }) = stack.last_mut()
                    {
                        // A collection used as a key: it gets no path of its own.
                        *key = Some(String::from("?"));
                        None
                    } else {
                        index.record(&mut stack, pos, &mut budget)
                    };
                    let path = path.unwrap_or_default();
                    stack.push(if matches!(event, Event::MappingStart(..)) {
                        Frame::Map { path, key: None }
                    } else {
                        Frame::Seq { path, next: 0 }
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
    /// returns the node's path.
    fn record(&mut self, stack: &mut [Frame], pos: Pos, budget: &mut usize) -> Option<String> {
        let depth = stack.len();
        let path = match stack.last_mut() {
            None => String::new(),
            Some(Frame::Map { path, key }) => {
                let k = key.take().unwrap_or_default();
                join_key(path, &k)
            }
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                p
            }
        };
        if stack_depth_ok(depth) && charge(budget, path.len()) {
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

fn stack_depth_ok(depth: usize) -> bool {
    depth <= MAX_DEPTH
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
