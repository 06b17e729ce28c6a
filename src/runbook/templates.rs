//! Checks a runbook's communication templates: each subject and body must compile, use only
//! the facts `breach` provides (see [`super::facts::FACTS`]) and render. Every
//! problem names the line and column in the runbook file: the template's field is found in
//! the source text and the template engine's position inside the text is mapped back onto
//! the file, for plain, quoted and block (`|`, `>`) scalars alike.

use std::collections::BTreeMap;

use super::facts::{self, FACTS};
use super::{Problem, Runbook};

/// Checks every template of `runbook`, whose YAML text is `source`, read from `origin` (a
/// path, or "built-in runbook NAME"). Returns the problems found, in template order.
pub fn check_templates(runbook: &Runbook, source: &str, origin: &str) -> Vec<Problem> {
    let all: Vec<usize> = (0..runbook.templates.len()).collect();
    check_templates_at(runbook, source, origin, &all)
}

/// [`check_templates`] for a runbook some of whose templates did not parse: the `i`th
/// template of `runbook` is template `file_index[i]` of the file.
pub fn check_templates_at(
    runbook: &Runbook,
    source: &str,
    origin: &str,
    file_index: &[usize],
) -> Vec<Problem> {
    let env = facts::environment();
    let sample: BTreeMap<&str, String> = FACTS
        .iter()
        .map(|(name, description)| (*name, facts::marker(description)))
        .collect();
    let items = template_items(source);
    let mut problems = Vec::new();
    for (index, template) in runbook.templates.iter().enumerate() {
        let item = file_index.get(index).and_then(|at| items.get(*at)).copied();
        for (field, text) in [("subject", &template.subject), ("body", &template.body)] {
            let locator = item
                .map(|range| Locator::find(source, range, field, text))
                .unwrap_or_default();
            let mut add = |offset: Option<usize>, line: Option<usize>, message: String| {
                let (line, column) = locator.position(text, offset, line);
                problems.push(Problem {
                    file: origin.to_string(),
                    line,
                    column,
                    message: format!("template `{}`, {field}: {message}", template.id),
                });
            };
            let compiled = match env.template_from_str(text) {
                Ok(t) => t,
                Err(e) => {
                    add(e.range().map(|r| r.start), e.line(), describe(&e));
                    continue;
                }
            };
            let mut unknown: Vec<String> = compiled
                .undeclared_variables(false)
                .into_iter()
                .filter(|v| !facts::is_fact(v) && !env.globals().any(|(g, _)| g == v))
                .collect();
            unknown.sort();
            for name in &unknown {
                let hint = match closest(name) {
                    Some(near) => format!("did you mean `{near}`? "),
                    None => String::new(),
                };
                add(
                    find_variable(text, name),
                    None,
                    format!(
                        "unknown variable `{name}`; {hint}the facts are: {}",
                        FACTS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                    ),
                );
            }
            if unknown.is_empty()
                && let Err(e) = compiled.render(&sample)
            {
                add(e.range().map(|r| r.start), e.line(), describe(&e));
            }
        }
    }
    problems
}

fn describe(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    }
}

/// The known fact nearest to a misspelt name, if it is close.
fn closest(name: &str) -> Option<&'static str> {
    FACTS
        .iter()
        .map(|(n, _)| (*n, edit_distance(name, n)))
        .filter(|(n, d)| *d <= 2.max(n.len() / 4))
        .min_by_key(|(_, d)| *d)
        .map(|(n, _)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The byte offset of the first use of variable `name` inside a `{{ }}` or `{% %}` tag.
fn find_variable(text: &str, name: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(open) = text[from..].find(['{']).map(|p| p + from) {
        let rest = &text[open..];
        let close = if rest.starts_with("{{") {
            "}}"
        } else if rest.starts_with("{%") {
            "%}"
        } else {
            from = open + 1;
            continue;
        };
        let end = rest.find(close).map_or(text.len(), |p| open + p);
        let tag = &text[open..end];
        let mut at = 0;
        while let Some(p) = tag[at..].find(name).map(|p| p + at) {
            let before = tag[..p].chars().next_back();
            let after = tag[p + name.len()..].chars().next();
            if !before.is_some_and(is_ident) && before != Some('.') && !after.is_some_and(is_ident)
            {
                return Some(open + p);
            }
            at = p + name.len();
        }
        from = end.max(open + 2);
    }
    None
}

/// Line ranges `[start, end)` (0-based) of the entries of the top-level `templates:` list.
fn template_items(source: &str) -> Vec<(usize, usize)> {
    let lines: Vec<&str> = source.lines().collect();
    let Some(start) = lines
        .iter()
        .position(|l| l.starts_with("templates:") && !l.contains('['))
    else {
        return Vec::new();
    };
    let mut end = lines.len();
    for (i, l) in lines.iter().enumerate().skip(start + 1) {
        let top_level = !l.starts_with([' ', '\t', '#', '-']) && !l.trim().is_empty();
        if top_level {
            end = i;
            break;
        }
    }
    let mut dash_indent = None;
    let mut items: Vec<(usize, usize)> = Vec::new();
    for (i, l) in lines.iter().enumerate().take(end).skip(start + 1) {
        let trimmed = l.trim_start();
        let indent = l.len() - trimmed.len();
        if !(trimmed.starts_with("- ") || trimmed == "-") {
            continue;
        }
        if *dash_indent.get_or_insert(indent) != indent {
            continue;
        }
        if let Some(last) = items.last_mut() {
            last.1 = i;
        }
        items.push((i, end));
    }
    items
}

/// Where a piece of the field's value lies in the file.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    /// Byte offset in the value.
    start: usize,
    /// 1-based line and column in the file.
    line: usize,
    column: usize,
}

/// Maps offsets in a template field's value to lines and columns of the runbook file.
#[derive(Debug, Clone, Default, PartialEq)]
struct Locator {
    /// The field's key (1-based line and column), when found.
    key: Option<(usize, usize)>,
    segments: Vec<Segment>,
}

impl Locator {
    /// Finds `field` in the template entry spanning `lines` of `source`.
    fn find(source: &str, (start, end): (usize, usize), field: &str, value: &str) -> Locator {
        let lines: Vec<&str> = source.lines().collect();
        let key_pattern = format!("{field}:");
        for j in start..end.min(lines.len()) {
            let line = lines[j];
            let Some(k) = find_key(line, &key_pattern) else {
                continue;
            };
            let key_col = line[..k].chars().count();
            let after = &line[k + key_pattern.len()..];
            let rest = after.trim_start();
            let rest_col = line.len() - rest.len();
            let mut loc = Locator {
                key: Some((j + 1, key_col + 1)),
                segments: Vec::new(),
            };
            if rest.starts_with(['|', '>']) {
                // Block scalar: the content lines are those indented deeper than the key.
                let explicit = rest[1..]
                    .chars()
                    .find(|c| c.is_ascii_digit())
                    .and_then(|c| c.to_digit(10));
                let key_indent = line.len() - line.trim_start().len();
                let mut content_indent = explicit.map(|d| key_indent + d as usize);
                let mut cursor = 0;
                for (i, l) in lines.iter().enumerate().take(end).skip(j + 1) {
                    let indent = l.len() - l.trim_start().len();
                    if l.trim().is_empty() {
                        continue;
                    }
                    if indent <= key_indent {
                        break;
                    }
                    let ci = *content_indent.get_or_insert(indent);
                    let content = l.get(ci..).unwrap_or("");
                    let found = value[cursor..]
                        .find(content)
                        .or_else(|| value[cursor..].find(content.trim_end()));
                    if let Some(p) = found {
                        loc.segments.push(Segment {
                            start: cursor + p,
                            line: i + 1,
                            column: ci + 1,
                        });
                        cursor += p + content.trim_end().len();
                    }
                }
            } else {
                // A scalar on the key's line (plain, quoted, or inside a flow mapping).
                let quoted = usize::from(rest.starts_with(['"', '\'']));
                loc.segments.push(Segment {
                    start: 0,
                    line: j + 1,
                    column: line[..rest_col].chars().count() + quoted + 1,
                });
            }
            return loc;
        }
        Locator::default()
    }

    /// The file position of byte `offset` (or the start of 1-based `line`) of `value`.
    fn position(
        &self,
        value: &str,
        offset: Option<usize>,
        line: Option<usize>,
    ) -> (Option<usize>, Option<usize>) {
        let offset = offset.or_else(|| {
            let line = line?;
            if line <= 1 {
                return Some(0);
            }
            value.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)
        });
        let fallback = (self.key.map(|(l, _)| l), self.key.map(|(_, c)| c));
        let Some(offset) = offset.filter(|o| *o <= value.len()) else {
            return fallback;
        };
        match self.segments.iter().rev().find(|s| s.start <= offset) {
            Some(seg) => {
                let within = value.get(seg.start..offset).unwrap_or("");
                // Past the end of a folded line: the rest is on following lines we did not
                // match; point at the segment start rather than guess.
                if within.contains('\n') {
                    return (Some(seg.line), Some(seg.column));
                }
                (Some(seg.line), Some(seg.column + within.chars().count()))
            }
            None => fallback,
        }
    }
}

/// The byte index of `key` (e.g. `body:`) used as a mapping key on this line.
fn find_key(line: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = line[from..].find(key).map(|p| p + from) {
        let before = line[..p].trim_end();
        let starts_key = before.is_empty() || before.ends_with(['-', '{', ',']);
        if starts_key && (p == 0 || line[..p].ends_with([' ', '{', ','])) {
            return Some(p);
        }
        from = p + key.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "breach_runbook: 1
id: t
title: T
steps:
  - id: s
    title: S
    owner: o
    guidance: g
";

    fn check(templates: &str) -> Vec<String> {
        let source = format!("{HEAD}{templates}");
        let runbook: Runbook = serde_yaml::from_str(&source).expect("test runbook parses");
        check_templates(&runbook, &source, "rb.yaml")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_builtin_runbooks_have_clean_templates() {
        for (name, text) in crate::runbook::builtin::BUILTINS {
            let runbook: Runbook = serde_yaml::from_str(text).expect("built-in parses");
            let problems = check_templates(&runbook, text, name);
            assert!(problems.is_empty(), "{name}: {problems:#?}");
            assert_eq!(runbook.templates.len(), 6, "{name}");
        }
    }

    #[test]
    fn a_syntax_error_in_a_literal_block_points_into_the_file() {
        // Line 9 is `templates:`; the body's lines are 14 to 17.
        let problems = check(
            "templates:
  - id: notice
    audience: customers
    subject: Hello
    body: |
      Dear customer,
      about {{ title }}:
      see {{ title
      Thanks
",
        );
        // The unclosed tag is only noticed at `Thanks`, the next token.
        assert!(problems[0].starts_with("rb.yaml:17:7: "), "{problems:?}");
        assert!(problems[0].contains("template `notice`, body: syntax error"));
    }

    #[test]
    fn an_unknown_variable_is_named_with_its_line_and_column() {
        let problems = check(
            "templates:
  - id: first
    audience: a
    subject: S
    body: B
  - id: second
    audience: customers
    subject: Hi
    body: |
      Dear customer,
        we are sorry about {{ titel }}.
",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        // `{{ titel }}` starts at column 28 of line 19; the variable at column 31.
        assert!(problems[0].starts_with("rb.yaml:19:31: "), "{problems:?}");
        assert!(problems[0].contains("unknown variable `titel`; did you mean `title`?"));
    }

    #[test]
    fn folded_blocks_map_lines_too() {
        let problems = check(
            "templates:
  - id: n
    audience: a
    subject: S
    body: >
      First line folds
      into one with {{ nope }}.
",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("rb.yaml:15:24: "), "{problems:?}");
    }

    #[test]
    fn inline_and_flow_style_subjects_are_located() {
        let problems = check(
            "templates:
  - {id: n, audience: a, subject: \"Re: {{ what }}\", body: B}
",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        // The value starts after the quote at column 36; `what` is 7 characters in.
        assert!(problems[0].starts_with("rb.yaml:10:43: "), "{problems:?}");
        assert!(problems[0].contains("subject: unknown variable `what`"));
    }

    #[test]
    fn render_errors_are_reported() {
        let problems = check(
            "templates:
  - id: n
    audience: a
    subject: S
    body: |
      {{ title | no_such_filter }}
",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("rb.yaml:14:"), "{problems:?}");
    }

    #[test]
    fn globals_and_loop_variables_are_not_unknown() {
        let problems = check(
            "templates:
  - id: n
    audience: a
    subject: S
    body: |
      {% for i in range(2) %}{{ i }} {{ loop.index }}{% endfor %}
      {% set x = title %}{{ x }}
",
        );
        assert!(problems.is_empty(), "{problems:?}");
    }
}
