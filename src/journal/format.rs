//! The byte-level form of one record (see `docs/incident-file-format.md`):
//!
//! ```text
//! ---
//! seq: 3
//! time: 2026-11-23T10:20:00Z
//! operator: alice
//! kind: check
//! prev: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//! payload:
//!   step: contain
//!   item: isolate_systems
//!   checked: true
//! hash: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
//! ```
//!
//! `hash` is the lower-case hex SHA-256 of the record's bytes from the start of its `---`
//! line up to and including the newline before the `hash:` line. `prev` is the previous
//! record's `hash` (64 zeros for the first record).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::record::{Payload, Record};

/// `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The line that starts every record.
pub const SEPARATOR: &str = "---";

/// Lower-case hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    out
}

/// The record's fields in file order, as written.
#[derive(serde::Serialize)]
struct Body<'a> {
    seq: u64,
    time: String,
    operator: &'a str,
    kind: &'a str,
    prev: &'a str,
    payload: serde_yaml::Value,
}

/// Encodes a record. Returns `(text, hash)`; `text` ends with a newline.
pub fn encode(
    seq: u64,
    time: DateTime<Utc>,
    operator: &str,
    prev: &str,
    payload: &Payload,
) -> anyhow::Result<(String, String)> {
    let body = Body {
        seq,
        time: crate::clock::format_utc(time),
        operator,
        kind: payload.kind(),
        prev,
        payload: payload.to_value()?,
    };
    let mut text = String::from("---\n");
    text.push_str(&serde_yaml::to_string(&body)?);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let hash = sha256_hex(text.as_bytes());
    text.push_str("hash: ");
    text.push_str(&hash);
    text.push('\n');
    Ok((text, hash))
}

/// The on-disk fields of a record, as parsed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    seq: u64,
    time: String,
    operator: String,
    kind: String,
    prev: String,
    #[serde(default)]
    payload: serde_yaml::Value,
}

/// Why one record's text could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// No complete `hash:` line at the end (the record was cut short).
    Incomplete,
    /// The stored hash does not match the record's bytes.
    HashMismatch { stored: String, computed: String },
    /// The bytes hash correctly but are not a valid record.
    Malformed(String),
}

/// Splits a record's text into the hashed part and the stored hash, if it is complete.
pub fn split_hash(chunk: &str) -> Option<(&str, &str)> {
    let body = chunk.strip_suffix('\n')?;
    let start = body.rfind('\n').map_or(0, |i| i + 1);
    let hash = body[start..].strip_prefix("hash: ")?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((&chunk[..start], hash))
}

/// Decodes one record's text (from its `---` line through its `hash:` line and newline).
pub fn decode(chunk: &str, line: usize) -> Result<Record, DecodeError> {
    let (hashed, stored) = split_hash(chunk).ok_or(DecodeError::Incomplete)?;
    let computed = sha256_hex(hashed.as_bytes());
    if computed != stored {
        return Err(DecodeError::HashMismatch {
            stored: stored.to_string(),
            computed,
        });
    }
    // The hash line is read as text above; only the hashed part is parsed as YAML.
    crate::yaml_guard::check(hashed).map_err(DecodeError::Malformed)?;
    let raw: RawRecord =
        serde_yaml::from_str(hashed).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let time = DateTime::parse_from_rfc3339(&raw.time)
        .map_err(|e| DecodeError::Malformed(format!("invalid time {:?}: {e}", raw.time)))?
        .with_timezone(&Utc);
    if raw.prev.len() != 64 || !raw.prev.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(DecodeError::Malformed(format!(
            "`prev` is not a SHA-256 hex digest: {:?}",
            raw.prev
        )));
    }
    let payload = Payload::from_value(&raw.kind, raw.payload)
        .map_err(|e| DecodeError::Malformed(format!("invalid `{}` payload: {e}", raw.kind)))?;
    Ok(Record {
        seq: raw.seq,
        time,
        operator: raw.operator,
        prev: raw.prev,
        hash: stored.to_string(),
        payload,
        line,
    })
}

/// Splits a file's text into record chunks: `(1-based line of the "---", chunk text)`.
/// Text before the first `---` line is returned as a chunk with line 1 so the reader can
/// report it. A final `-` or `--` without a newline (a write cut short in its first line)
/// is a chunk of its own.
pub fn chunks(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1usize;
    let mut pos = 0usize;
    for (line_no, line) in (1usize..).zip(text.split_inclusive('\n')) {
        // A last line without its newline that is the start of `---` is a new record cut
        // short, not the end of the record before it (which ends with a newline).
        let is_sep = line == "---\n"
            || (pos + line.len() == text.len() && !line.is_empty() && "---".starts_with(line));
        if is_sep && pos > start {
            out.push((start_line, &text[start..pos]));
            start = pos;
            start_line = line_no;
        } else if is_sep {
            start_line = line_no;
        }
        pos += line.len();
    }
    if start < text.len() {
        out.push((start_line, &text[start..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::Note;

    fn note(text: &str) -> Payload {
        Payload::Note(Note {
            text: text.into(),
            step: None,
        })
    }

    fn t() -> DateTime<Utc> {
        crate::clock::parse_time("2026-11-23T10:15:00Z").unwrap()
    }

    #[test]
    fn encoded_records_decode_to_the_same_record() {
        let (text, hash) =
            encode(3, t(), "alice", GENESIS, &note("line one\nline two | <b>")).unwrap();
        assert!(text.starts_with(
            "---\nseq: 3\ntime: 2026-11-23T10:15:00Z\noperator: alice\nkind: note\nprev: "
        ));
        assert!(text.ends_with(&format!("hash: {hash}\n")));
        let r = decode(&text, 7).unwrap();
        assert_eq!(
            (r.seq, r.time, r.operator.as_str(), r.line),
            (3, t(), "alice", 7)
        );
        assert_eq!(r.payload, note("line one\nline two | <b>"));
        assert_eq!(r.hash, hash);
    }

    #[test]
    fn the_hash_covers_exactly_the_bytes_before_the_hash_line() {
        let (text, hash) = encode(0, t(), "a", GENESIS, &note("x")).unwrap();
        let cut = text.rfind("hash: ").unwrap();
        assert_eq!(sha256_hex(&text.as_bytes()[..cut]), hash);
    }

    #[test]
    fn any_changed_byte_is_caught() {
        let (text, _) = encode(0, t(), "a", GENESIS, &note("hello")).unwrap();
        let bytes = text.as_bytes();
        for i in 0..bytes.len() {
            let mut b = bytes.to_vec();
            b[i] ^= 0x01;
            let Ok(s) = String::from_utf8(b) else {
                continue;
            };
            assert!(decode(&s, 1).is_err(), "flip at byte {i} went unnoticed");
        }
    }

    #[test]
    fn a_record_cut_short_is_incomplete() {
        let (text, _) = encode(0, t(), "a", GENESIS, &note("hello")).unwrap();
        for len in 0..text.len() {
            assert_eq!(
                decode(&text[..len], 1).unwrap_err(),
                DecodeError::Incomplete,
                "cut at {len}"
            );
        }
    }

    #[test]
    fn a_write_cut_in_its_separator_line_is_its_own_chunk() {
        let (a, _) = encode(0, t(), "a", GENESIS, &note("x")).unwrap();
        for tail in ["-", "--", "---"] {
            let file = format!("{a}{tail}");
            assert_eq!(
                chunks(&file),
                [(1, a.as_str()), (a.lines().count() + 1, tail)]
            );
        }
    }

    #[test]
    fn separators_inside_text_cannot_split_a_record() {
        let (a, _) = encode(0, t(), "a", GENESIS, &note("---\n--- \n---")).unwrap();
        let (b, _) = encode(1, t(), "a", GENESIS, &note("---")).unwrap();
        let file = format!("{a}{b}");
        let parts = chunks(&file);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].1, a);
        assert_eq!(parts[1], (a.lines().count() + 1, b.as_str()));
    }
}
