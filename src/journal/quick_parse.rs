//! A fast reader for the small YAML subset that [`super::format::encode`] writes.
//!
//! Reading a long incident is dominated by parsing each record's YAML; a general YAML
//! parser spends most of its time on features records never use. This reader accepts only
//! what the encoder produces — block mappings indented by two, `- ` sequences of scalars,
//! plain, single-quoted and double-quoted one-line scalars, `|`/`|-` literal blocks, `{}` and
//! `[]` — and gives up (`None`) on anything else: a comment, a tab, a flow collection, a
//! multi-line quoted scalar, an anchor, a tag, a scalar whose type it is not certain of.
//! The caller then parses the record with `serde_yaml`, so the result never depends on
//! which reader ran: wherever this one answers, it answers exactly as `serde_yaml` does
//! (this is tested against `serde_yaml` on generated and mutated records).

use serde_yaml::{Mapping, Value};

/// Parses a document into its top-level mapping, or `None` when the text is outside the
/// subset (the general form of [`record`], for tests).
#[cfg(test)]
pub fn document(text: &str) -> Option<Mapping> {
    let lines = lines(text)?;
    let mut at = 0;
    let map = mapping(&lines, &mut at, 0)?;
    (at == lines.len()).then_some(map)
}

/// A record's fields in the order [`super::format::encode`] writes them.
#[derive(Debug, PartialEq)]
pub struct Fields {
    pub seq: u64,
    pub time: String,
    pub operator: String,
    pub kind: String,
    pub prev: String,
    pub payload: Value,
}

/// Parses one record's hashed text whose top-level keys are `seq`, `time`, `operator`,
/// `kind`, `prev` and `payload`, in that order (as written), without building a mapping
/// for the top level. `None` when anything differs; [`document`] is the general form.
pub fn record(text: &str) -> Option<Fields> {
    let lines = lines(text)?;
    let field = |i: usize, name: &str| -> Option<Value> {
        let (key, rest) = key_line(lines.get(i)?)?;
        (key == name && !rest.is_empty()).then(|| inline(rest))?
    };
    let string = |i: usize, name: &str| match field(i, name)? {
        Value::String(s) => Some(s),
        _ => None,
    };
    let seq = field(0, "seq")?.as_u64()?;
    let time = string(1, "time")?;
    let operator = string(2, "operator")?;
    let kind = string(3, "kind")?;
    let prev = string(4, "prev")?;
    let (key, rest) = key_line(lines.get(5)?)?;
    if key != "payload" {
        return None;
    }
    let mut at = 6;
    let payload = match rest {
        "" => nested(&lines, &mut at, 0)?,
        "{}" => Value::Mapping(Mapping::new()),
        _ => return None,
    };
    (at == lines.len()).then_some(Fields {
        seq,
        time,
        operator,
        kind,
        prev,
        payload,
    })
}

/// The document's lines after its `---` line, if every character is in the subset.
fn lines(text: &str) -> Option<Vec<&str>> {
    let body = text.strip_prefix("---\n")?;
    if !body.ends_with('\n') || !all_safe(body) {
        return None;
    }
    Some(body[..body.len() - 1].split('\n').collect())
}

/// Whether every character is one the subset allows anywhere: printable, no tab, no
/// carriage return, none of the characters YAML treats as line breaks (NEL, LS, PS), no
/// byte-order mark, plus `\n` between lines.
fn all_safe(text: &str) -> bool {
    if text.is_ascii() {
        return text
            .bytes()
            .all(|b| b == b'\n' || (0x20..0x7f).contains(&b));
    }
    text.chars().all(|c| {
        matches!(c, '\n' | '\u{20}'..='\u{7e}')
            || (c >= '\u{a0}'
                && !matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                ))
    })
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A block mapping whose keys are indented by exactly `indent` spaces, starting at
/// `lines[*at]`; stops at the first line indented less.
fn mapping(lines: &[&str], at: &mut usize, indent: usize) -> Option<Mapping> {
    let mut map = Mapping::new();
    while *at < lines.len() {
        let line = lines[*at];
        let ind = indent_of(line);
        if ind < indent && !line.is_empty() {
            break;
        }
        if ind != indent || line.is_empty() {
            return None;
        }
        let (key, rest) = key_line(&line[indent..])?;
        *at += 1;
        let value = if rest.is_empty() {
            nested(lines, at, indent)?
        } else if let Some(chomp) = rest.strip_prefix('|') {
            literal(lines, at, indent, chomp)?
        } else {
            inline(rest)?
        };
        if map.insert(Value::String(key.to_string()), value).is_some() {
            return None;
        }
    }
    Some(map)
}

/// Splits `key: rest` / `key:`; keys are plain identifiers that cannot resolve to
/// anything but a string (a hyphen may follow the first character, as in the place code
/// `US-CA`).
fn key_line(line: &str) -> Option<(&str, &str)> {
    let colon = line.find(':')?;
    let key = &line[..colon];
    let ok = key
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !is_special_word(key);
    if !ok {
        return None;
    }
    match &line[colon + 1..] {
        "" => Some((key, "")),
        rest => rest
            .strip_prefix(' ')
            .filter(|r| !r.is_empty())
            .map(|r| (key, r)),
    }
}

/// What follows `key:` on the next lines: a nested mapping, or a `- ` sequence of scalars
/// at the key's indentation or deeper.
fn nested(lines: &[&str], at: &mut usize, indent: usize) -> Option<Value> {
    let next = lines.get(*at)?;
    let ind = indent_of(next);
    if next[ind..].starts_with('-') {
        if ind < indent {
            return None;
        }
        let mut items = Vec::new();
        while let Some(line) = lines.get(*at) {
            let Some(item) = line
                .get(ind..)
                .filter(|_| indent_of(line) == ind)
                .and_then(|l| l.strip_prefix("- "))
            else {
                break;
            };
            items.push(inline(item)?);
            *at += 1;
        }
        // Whatever follows must belong to an enclosing mapping.
        if lines.get(*at).is_some_and(|l| indent_of(l) > indent) {
            return None;
        }
        return Some(Value::Sequence(items));
    }
    if ind <= indent {
        return None;
    }
    mapping(lines, at, ind).map(Value::Mapping)
}

/// A `|` or `|-` literal block under a key at `indent`, its content indented by two more.
fn literal(lines: &[&str], at: &mut usize, indent: usize, chomp: &str) -> Option<Value> {
    let strip = match chomp {
        "" => false,
        "-" => true,
        _ => return None,
    };
    let content = indent + 2;
    let mut text = String::new();
    let mut pending_newlines = 0usize;
    let mut first = true;
    while let Some(line) = lines.get(*at) {
        if line.is_empty() {
            if first {
                return None;
            }
            pending_newlines += 1;
            *at += 1;
            continue;
        }
        let ind = indent_of(line);
        if ind == line.len() {
            // Spaces only: YAML's rules for these depend on their number; not in the subset.
            return None;
        }
        if ind < content {
            if ind > indent {
                // A blank line of spaces, or a line between the key and the content.
                return None;
            }
            break;
        }
        if first && ind > content {
            // YAML would take the deeper indentation as the block's own.
            return None;
        }
        if !first {
            for _ in 0..=pending_newlines {
                text.push('\n');
            }
        }
        pending_newlines = 0;
        first = false;
        text.push_str(&line[content..]);
        *at += 1;
    }
    if first {
        return None;
    }
    if !strip {
        text.push('\n');
    }
    Some(Value::String(text))
}

/// A scalar (or `{}` / `[]`) that fits on the rest of the line.
fn inline(rest: &str) -> Option<Value> {
    match *rest.as_bytes().first()? {
        b'\'' => single_quoted(rest).map(Value::String),
        b'"' => double_quoted(rest).map(Value::String),
        _ if rest == "{}" => Some(Value::Mapping(Mapping::new())),
        _ if rest == "[]" => Some(Value::Sequence(Vec::new())),
        _ => plain(rest),
    }
}

fn single_quoted(s: &str) -> Option<String> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\'' {
            // Inside, a quote only appears doubled.
            if chars.next() != Some('\'') {
                return None;
            }
        }
        out.push(c);
    }
    Some(out)
}

fn double_quoted(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    loop {
        match chars.next()? {
            '"' => return chars.as_str().is_empty().then_some(out),
            '\\' => {
                let c = match chars.next()? {
                    '0' => '\0',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    't' => '\t',
                    'n' => '\n',
                    'v' => '\u{b}',
                    'f' => '\u{c}',
                    'r' => '\r',
                    'e' => '\u{1b}',
                    ' ' => ' ',
                    '"' => '"',
                    '/' => '/',
                    '\\' => '\\',
                    'N' => '\u{85}',
                    '_' => '\u{a0}',
                    'L' => '\u{2028}',
                    'P' => '\u{2029}',
                    'x' => hex_escape(&mut chars, 2)?,
                    'u' => hex_escape(&mut chars, 4)?,
                    'U' => hex_escape(&mut chars, 8)?,
                    _ => return None,
                };
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

fn hex_escape(chars: &mut std::str::Chars<'_>, digits: usize) -> Option<char> {
    let mut code = 0u32;
    for _ in 0..digits {
        code = code * 16 + chars.next()?.to_digit(16)?;
    }
    char::from_u32(code)
}

/// The words YAML resolves to null or a boolean.
fn is_special_word(s: &str) -> bool {
    matches!(
        s,
        "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
    )
}

/// A plain scalar, resolved as `serde_yaml` resolves it, when that is certain.
fn plain(s: &str) -> Option<Value> {
    let first = *s.as_bytes().first()?;
    // Non-ASCII characters are never YAML indicators.
    let wordlike = first.is_ascii_alphabetic() || first == b'/' || !first.is_ascii();
    let starts_ok = wordlike
        || first.is_ascii_digit()
        || (first == b'-' && s.as_bytes().get(1).is_some_and(u8::is_ascii_digit));
    if !starts_ok || s.ends_with([' ', ':']) || s.contains(": ") || s.contains(" #") {
        return None;
    }
    match s {
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        "null" | "Null" | "NULL" => return Some(Value::Null),
        _ => {}
    }
    if wordlike {
        // Cannot be a number: every numeric form starts with a digit, a sign or a dot, and
        // the only words Rust's float parser takes (inf, nan) are not finite, which YAML
        // keeps as strings.
        return Some(Value::String(s.to_string()));
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if digits.len() > 1 && digits.starts_with('0') {
            // Leading zeros: YAML 1.2 reads these as strings; leave it to serde_yaml.
            return None;
        }
        return if s.starts_with('-') {
            s.parse::<i64>().ok().map(|n| Value::Number(n.into()))
        } else {
            s.parse::<u64>().ok().map(|n| Value::Number(n.into()))
        };
    }
    if let Some((int, frac)) = digits.split_once('.')
        && !int.is_empty()
        && !frac.is_empty()
        && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return s
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| Value::Number(f.into()));
    }
    // A digit first and not a plain decimal: serde_yaml tries the prefixed integer forms
    // and then Rust's float syntax (`1e5`); anything else is a string (a hash, a time).
    let radix_int = [("0x", 16), ("0o", 8), ("0b", 2)].iter().any(|(p, radix)| {
        digits.strip_prefix(p).is_some_and(|rest| {
            rest.is_empty()
                || rest
                    .chars()
                    .all(|c| c.is_digit(*radix) || c == '+' || c == '-')
        })
    });
    if radix_int || s.parse::<f64>().is_ok() {
        return None;
    }
    Some(Value::String(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn via_serde(text: &str) -> Option<Mapping> {
        serde_yaml::from_str(text).ok()
    }

    #[track_caller]
    fn same(text: &str) {
        let fast = document(text);
        assert!(fast.is_some(), "not taken: {text:?}");
        assert_eq!(fast, via_serde(text), "{text:?}");
    }

    #[track_caller]
    fn declined(text: &str) {
        assert_eq!(document(text), None, "{text:?}");
    }

    #[test]
    fn the_subset_reads_as_serde_yaml_reads_it() {
        same("---\na: 1\nb: -2\nc: 1.5\nd: true\ne: null\nf: text with spaces\n");
        same("---\nt: 2026-11-23T10:15:00Z\nid: 20261123T101500Z-card-skimmer\n");
        same("---\nq: 'it''s: here'\nd: \"tab\\there \\u00e9 \\\" \\\\ \\n\"\n");
        same("---\np:\n  s: x\n  l:\n  - a\n  - b\n  m:\n    k: v\n  e: {}\n  f: []\nz: y\n");
        same(
            "---\np:\n  t: |\n    line one\n\n      indented\n    last\n  u: |-\n    a\n    b\nz: 1\n",
        );
        same("---\np:\n  l:\n    - a\n    - 'b c'\nq: r\n");
        same("---\nk: /srv/evidence/a b.log\nw: ünïcödé\n");
        same("---\nh: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae\n");
        same("---\ni: 1e5x\nj: 2026-11-23\nk: 0b28b69c\n");
    }

    #[test]
    fn anything_outside_the_subset_is_left_to_serde_yaml() {
        for text in [
            "a: 1\n",
            "---\na: 1",
            "---\na: 1 # comment\n",
            "---\n# comment\na: 1\n",
            "---\na: 'multi\n  line'\n",
            "---\na: plain\n  continued\n",
            "---\na: &x 1\n",
            "---\na: !tag 1\n",
            "---\na: [1, 2]\n",
            "---\na: 0x1F\n",
            "---\na: 007\n",
            "---\na: 1e5\n",
            "---\na: 12E-3\n",
            "---\na: 0b101\n",
            "---\na: 0o17\n",
            "---\na: -0x1f\n",
            "---\na: .inf\n",
            "---\na: ~\n",
            "---\na: +1\n",
            "---\na:\tb\n",
            "---\na: b\r\n",
            "---\na: 1\na: 2\n",
            "---\na: |+\n  x\n",
            "---\na: |\n    deeper\n  x\n",
            "---\na:\n",
            "---\na: trailing \n",
            "---\n? a\n: b\n",
            "---\nyes: 1\ntrue: 2\n",
            "---\na: \"\\q\"\n",
            "---\na: next\u{85}line\n",
        ] {
            declined(text);
        }
    }
}
