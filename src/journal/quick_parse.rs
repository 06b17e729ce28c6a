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
//!
//! The reader builds a small tree of [`Node`]s that borrows from the record's text, and the
//! typed payload is deserialized straight from it: each line is read once and no general
//! YAML value is built. A payload that does not fit its kind is left to `serde_yaml` too,
//! which then gives the error.

use std::borrow::Cow;

use serde::de::{self, IntoDeserializer, Visitor};
#[cfg(test)]
use serde_yaml::{Mapping, Value};

/// One value of the subset, borrowing from the record's text where it can. Typed payloads
/// are deserialized straight from it ([`Node`] is a serde `Deserializer`), so no general
/// YAML value is built for a record the fast reader takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    /// Keys in file order, no key twice.
    Map(Vec<(&'a str, Node<'a>)>),
}

impl Node<'_> {
    /// The same value as a `serde_yaml::Value` (what `serde_yaml` makes of the text).
    #[cfg(test)]
    pub fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::U64(n) => Value::Number((*n).into()),
            Node::I64(n) => Value::Number((*n).into()),
            Node::F64(f) => Value::Number((*f).into()),
            Node::Str(s) => Value::String(s.to_string()),
            Node::Seq(items) => Value::Sequence(items.iter().map(Node::to_value).collect()),
            Node::Map(entries) => Value::Mapping(
                entries
                    .iter()
                    .map(|(k, v)| (Value::String((*k).to_string()), v.to_value()))
                    .collect(),
            ),
        }
    }

    fn as_u64(&self) -> Option<u64> {
        match self {
            Node::U64(n) => Some(*n),
            Node::I64(n) => u64::try_from(*n).ok(),
            _ => None,
        }
    }
}

/// Parses a document into its top-level mapping, or `None` when the text is outside the
/// subset (the general form of [`record`], for tests).
#[cfg(test)]
pub fn document(text: &str) -> Option<Mapping> {
    let lines = lines(text)?;
    let mut at = 0;
    let map = mapping(&lines, &mut at, 0)?;
    (at == lines.len()).then(|| match Node::Map(map).to_value() {
        Value::Mapping(m) => m,
        _ => Mapping::new(),
    })
}

/// A record's fields in the order [`super::format::encode`] writes them.
#[derive(Debug, PartialEq)]
pub struct Fields<'a> {
    pub seq: u64,
    pub time: Cow<'a, str>,
    pub operator: Cow<'a, str>,
    pub kind: Cow<'a, str>,
    pub prev: Cow<'a, str>,
    pub payload: Node<'a>,
}

/// Parses one record's hashed text whose top-level keys are `seq`, `time`, `operator`,
/// `kind`, `prev` and `payload`, in that order (as written), without building a mapping
/// for the top level. `None` when anything differs; [`document`] is the general form.
pub fn record(text: &str) -> Option<Fields<'_>> {
    let lines = lines(text)?;
    let field = |i: usize, name: &str| {
        let (key, rest) = key_line(lines.get(i)?)?;
        (key == name && !rest.is_empty()).then(|| inline(rest))?
    };
    let string = |i: usize, name: &str| match field(i, name)? {
        Node::Str(s) => Some(s),
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
        "{}" => Node::Map(Vec::new()),
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
    // The lines are found with a vectorized search; the last one ends with the text.
    let mut lines = Vec::with_capacity(16);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', body.as_bytes()) {
        lines.push(&body[start..end]);
        start = end + 1;
    }
    Some(lines)
}

/// Whether every character is one the subset allows anywhere: printable, no tab, no
/// carriage return, none of the characters YAML treats as line breaks (NEL, LS, PS), no
/// byte-order mark, plus `\n` between lines.
fn all_safe(text: &str) -> bool {
    if text.is_ascii() {
        // Without a short cut inside each block, so the test is vectorized.
        return text.as_bytes().chunks(64).all(|block| {
            block.iter().fold(true, |ok, &b| {
                ok & (b == b'\n' || (0x20..0x7f).contains(&b))
            })
        });
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
fn mapping<'a>(
    lines: &[&'a str],
    at: &mut usize,
    indent: usize,
) -> Option<Vec<(&'a str, Node<'a>)>> {
    let mut map: Vec<(&'a str, Node<'a>)> = Vec::new();
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
        if map.iter().any(|(k, _)| *k == key) {
            return None;
        }
        map.push((key, value));
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
fn nested<'a>(lines: &[&'a str], at: &mut usize, indent: usize) -> Option<Node<'a>> {
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
        return Some(Node::Seq(items));
    }
    if ind <= indent {
        return None;
    }
    mapping(lines, at, ind).map(Node::Map)
}

/// A `|` or `|-` literal block under a key at `indent`, its content indented by two more.
fn literal<'a>(lines: &[&'a str], at: &mut usize, indent: usize, chomp: &str) -> Option<Node<'a>> {
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
    Some(Node::Str(Cow::Owned(text)))
}

/// A scalar (or `{}` / `[]`) that fits on the rest of the line.
fn inline(rest: &str) -> Option<Node<'_>> {
    match *rest.as_bytes().first()? {
        b'\'' => single_quoted(rest).map(Node::Str),
        b'"' => double_quoted(rest).map(|s| Node::Str(Cow::Owned(s))),
        _ if rest == "{}" => Some(Node::Map(Vec::new())),
        _ if rest == "[]" => Some(Node::Seq(Vec::new())),
        _ => plain(rest),
    }
}

fn single_quoted(s: &str) -> Option<Cow<'_, str>> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    if !inner.contains('\'') {
        return Some(Cow::Borrowed(inner));
    }
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
    Some(Cow::Owned(out))
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
fn plain(s: &str) -> Option<Node<'_>> {
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
        "true" | "True" | "TRUE" => return Some(Node::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Node::Bool(false)),
        "null" | "Null" | "NULL" => return Some(Node::Null),
        _ => {}
    }
    if wordlike {
        // Cannot be a number: every numeric form starts with a digit, a sign or a dot, and
        // the only words Rust's float parser takes (inf, nan) are not finite, which YAML
        // keeps as strings.
        return Some(Node::Str(Cow::Borrowed(s)));
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if digits.len() > 1 && digits.starts_with('0') {
            // Leading zeros: YAML 1.2 reads these as strings; leave it to serde_yaml.
            return None;
        }
        return if s.starts_with('-') {
            s.parse::<i64>().ok().map(Node::I64)
        } else {
            s.parse::<u64>().ok().map(Node::U64)
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
            .map(Node::F64);
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
    Some(Node::Str(Cow::Borrowed(s)))
}

/// A [`Node`] does not fit the type asked for. The caller then reads the record with
/// `serde_yaml`, which gives the error the user sees, so no message is kept (formatting
/// one would cost more than the rest of the record: an untagged answer value tries its
/// variants in turn).
#[derive(Debug)]
pub struct Mismatch;

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("outside the fast reader's subset")
    }
}

impl std::error::Error for Mismatch {}

impl de::Error for Mismatch {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        Mismatch
    }
}

/// Deserializes as `serde_yaml` deserializes the equal `serde_yaml::Value`, never more
/// leniently: a type is read only from the node that `serde_yaml` reads it from (a string
/// from a string, a number from a number, a struct from a mapping or `null`, a unit enum
/// variant from a string), `null` is `None`. Text is moved or borrowed, never copied again.
impl<'de> de::Deserializer<'de> for Node<'de> {
    type Error = Mismatch;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Null => visitor.visit_unit(),
            Node::Bool(b) => visitor.visit_bool(b),
            Node::U64(n) => visitor.visit_u64(n),
            Node::I64(n) => visitor.visit_i64(n),
            Node::F64(f) => visitor.visit_f64(f),
            Node::Str(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Node::Str(Cow::Owned(s)) => visitor.visit_string(s),
            Node::Seq(items) => visit_seq(items, visitor),
            Node::Map(entries) => visit_map(entries, visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Bool(b) => visitor.visit_bool(b),
            other => Err(other.mismatch("a boolean")),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }
    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }
    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.number(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_string(visitor)
    }
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_string(visitor)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.deserialize_string(visitor)
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Str(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Node::Str(Cow::Owned(s)) => visitor.visit_string(s),
            other => Err(other.mismatch("a string")),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Mismatch> {
        Err(self.mismatch("bytes (not in the subset)"))
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Mismatch> {
        Err(self.mismatch("bytes (not in the subset)"))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Null => visitor.visit_unit(),
            other => Err(other.mismatch("null")),
        }
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Seq(items) => visit_seq(items, visitor),
            Node::Null => visit_seq(Vec::new(), visitor),
            other => Err(other.mismatch("a sequence")),
        }
    }
    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Map(entries) => visit_map(entries, visitor),
            Node::Null => visit_map(Vec::new(), visitor),
            other => Err(other.mismatch("a mapping")),
        }
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        match self {
            Node::Str(Cow::Borrowed(s)) => {
                visitor.visit_enum(de::value::BorrowedStrDeserializer::new(s))
            }
            Node::Str(Cow::Owned(s)) => visitor.visit_enum(s.into_deserializer()),
            // `serde_yaml` reads other variants only from tagged values, which are not in
            // the subset.
            other => Err(other.mismatch("a unit variant")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        visitor.visit_unit()
    }
}

impl<'de> Node<'de> {
    fn number<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::U64(n) => visitor.visit_u64(n),
            Node::I64(n) => visitor.visit_i64(n),
            Node::F64(f) => visitor.visit_f64(f),
            other => Err(other.mismatch("a number")),
        }
    }

    fn mismatch(&self, _expected: &str) -> Mismatch {
        Mismatch
    }
}

fn visit_seq<'de, V: Visitor<'de>>(
    items: Vec<Node<'de>>,
    visitor: V,
) -> Result<V::Value, Mismatch> {
    let mut seq = de::value::SeqDeserializer::new(items.into_iter());
    let value = visitor.visit_seq(&mut seq)?;
    seq.end()?;
    Ok(value)
}

fn visit_map<'de, V: Visitor<'de>>(
    entries: Vec<(&'de str, Node<'de>)>,
    visitor: V,
) -> Result<V::Value, Mismatch> {
    let mut map = de::value::MapDeserializer::new(entries.into_iter().map(|(k, v)| (Key(k), v)));
    let value = visitor.visit_map(&mut map)?;
    map.end()?;
    Ok(value)
}

impl<'de> IntoDeserializer<'de, Mismatch> for Node<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// A mapping key (always a plain identifier).
struct Key<'a>(&'a str);

impl<'de> IntoDeserializer<'de, Mismatch> for Key<'de> {
    type Deserializer = de::value::BorrowedStrDeserializer<'de, Mismatch>;

    fn into_deserializer(self) -> Self::Deserializer {
        de::value::BorrowedStrDeserializer::new(self.0)
    }
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
