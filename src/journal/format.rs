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
        time: crate::types::format_utc(time),
        operator,
        kind: payload.kind(),
        prev,
        payload: payload.to_value()?,
    };
    let emitted = serde_yaml::to_string(&body)?;
    // Quoted for YAML 1.1 readers too; should that ever not read back exactly, the text as
    // emitted is used (it is still checked below).
    let quoted = super::yaml11::quote_for_yaml11(&emitted);
    let mut text = String::from("---\n");
    let reads_back = |t: &str| {
        let mut full = format!("---\n{t}");
        if !full.ends_with('\n') {
            full.push('\n');
        }
        let h = sha256_hex(full.as_bytes());
        full.push_str(&format!("hash: {h}\n"));
        decode(&full, 0).is_ok_and(|back| back.payload == *payload && back.operator == operator)
    };
    text.push_str(if quoted != emitted && reads_back(&quoted) {
        &quoted
    } else {
        &emitted
    });
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let hash = sha256_hex(text.as_bytes());
    text.push_str("hash: ");
    text.push_str(&hash);
    text.push('\n');
    // Never write what the general YAML reader would refuse (text nested too deeply):
    // the file would become unreadable for it.
    if let Err(why) = crate::yaml_guard::check(&text) {
        return Err(crate::error::invalid(format!(
            "this record cannot be stored in a form breach can read back: {why}"
        )));
    }
    // What is written must read back exactly as it was given, and as one record. YAML
    // readers treat a few characters (such as U+2028 LINE SEPARATOR) as line breaks, which
    // would change text silently; such a record is refused instead.
    let faithful = chunks(&text).len() == 1
        && decode(&text, 0).is_ok_and(|back| {
            back.seq == seq
                && back.time == time
                && back.operator == operator
                && back.prev == prev
                && back.payload == *payload
        });
    if !faithful {
        return Err(crate::error::invalid(
            "this text cannot be stored exactly: it contains characters that YAML reads back \
             differently (such as U+2028, U+2029 or U+0085 line separators, or a byte order mark); \
             remove them and try again",
        ));
    }
    Ok((text, hash))
}

/// The on-disk fields of a record, as parsed.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    #[serde(deserialize_with = "seq_number")]
    seq: u64,
    time: String,
    operator: String,
    kind: String,
    prev: String,
    #[serde(default)]
    payload: serde_yaml::Value,
}

/// `seq` as the spec allows it: a decimal integer, plain or in one pair of quotes
/// (`seq: '3'`), with digits only.
fn seq_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seq {
        Number(u64),
        Text(String),
    }
    match Seq::deserialize(d)? {
        Seq::Number(n) => Ok(n),
        Seq::Text(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => t
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("`seq` {t:?} is too large"))),
        Seq::Text(t) => Err(serde::de::Error::custom(format!(
            "`seq` {t:?} is not a decimal number"
        ))),
    }
}

/// The record's fields read by the fast reader for the subset of YAML that [`encode`]
/// writes, or `None` when the text (or a field's type) is outside it and `serde_yaml` must
/// decide. Where this answers, it answers as `serde_yaml::from_str` does.
#[cfg(test)]
fn quick_raw(hashed: &str) -> Option<RawRecord> {
    let f = super::quick_parse::record(hashed)?;
    Some(RawRecord {
        seq: f.seq,
        time: f.time.into_owned(),
        operator: f.operator.into_owned(),
        kind: f.kind.into_owned(),
        prev: f.prev.into_owned(),
        payload: f.payload.to_value(),
    })
}

/// A record's fields with the payload typed (or why it did not fit its kind).
#[cfg_attr(test, derive(Debug, PartialEq))]
struct Typed {
    seq: u64,
    time: String,
    operator: String,
    prev: String,
    kind: String,
    payload: Result<Payload, String>,
}

/// The fast path: the fast reader's fields, the payload deserialized straight from its
/// nodes (each line read once, no general YAML value built). `None` when the text is
/// outside the subset or the payload does not fit its kind; the general path then decides,
/// and gives the error.
fn quick_typed(hashed: &str) -> Option<Typed> {
    let f = super::quick_parse::record(hashed)?;
    let payload = Payload::deserialize_kind(&f.kind, f.payload).ok()?;
    Some(Typed {
        seq: f.seq,
        time: f.time.into_owned(),
        operator: f.operator.into_owned(),
        prev: f.prev.into_owned(),
        kind: f.kind.into_owned(),
        payload: Ok(payload),
    })
}

/// The general path: `serde_yaml` reads the record, then its kind types the payload.
fn general(hashed: &str) -> Result<Typed, DecodeError> {
    crate::yaml_guard::check(hashed).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let raw: RawRecord =
        serde_yaml::from_str(hashed).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let payload = Payload::from_value(&raw.kind, raw.payload).map_err(|e| e.to_string());
    Ok(Typed {
        seq: raw.seq,
        time: raw.time,
        operator: raw.operator,
        prev: raw.prev,
        kind: raw.kind,
        payload,
    })
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
    // The hash line is read as text above; only the hashed part is parsed as YAML, by the
    // fast reader when it can, else by serde_yaml.
    let typed = match quick_typed(hashed) {
        Some(typed) => typed,
        None => general(hashed)?,
    };
    let time = DateTime::parse_from_rfc3339(&typed.time)
        .map_err(|e| DecodeError::Malformed(format!("invalid time {:?}: {e}", typed.time)))?
        .with_timezone(&Utc);
    if typed.prev.len() != 64 || !typed.prev.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(DecodeError::Malformed(format!(
            "`prev` is not a SHA-256 hex digest: {:?}",
            typed.prev
        )));
    }
    // The spec's rules that the YAML types alone do not enforce.
    let op = &typed.operator;
    if op.is_empty() || op.chars().count() > 200 || op.chars().any(char::is_control) {
        return Err(DecodeError::Malformed(format!(
            "`operator` must be 1 to 200 characters with no control characters: {op:?}"
        )));
    }
    let payload = typed
        .payload
        .map_err(|e| DecodeError::Malformed(format!("invalid `{}` payload: {e}", typed.kind)))?;
    // (The 64 KiB limit is what `breach` writes; a reader accepts a longer text.)
    if let Payload::Note(n) = &payload
        && n.text.is_empty()
    {
        return Err(DecodeError::Malformed(
            "invalid `note` payload: `text` must not be empty".into(),
        ));
    }
    Ok(Record {
        seq: typed.seq,
        time,
        operator: typed.operator,
        prev: typed.prev,
        hash: stored.to_string(),
        payload,
        at: None,
        line,
    })
}

/// Splits a file's text into record chunks: `(1-based line of the "---", chunk text)`.
/// Text before the first `---` line is returned as a chunk with line 1 so the reader can
/// report it. A final `-` or `--` without a newline (a write cut short in its first line)
/// is a chunk of its own.
pub fn chunks(text: &str) -> Vec<(usize, &str)> {
    // A separator line is `---` and its newline, or, as the text's last line without a
    // newline, `-`, `--` or `---`. Only lines starting with `-` can be one: those are found
    // with a vectorized search for "\n-", and lines are counted only between chunks.
    let is_sep_at = |at: usize| {
        let rest = &text[at..];
        rest.starts_with("---\n")
            || (!rest.is_empty() && !rest.contains('\n') && "---".starts_with(rest))
    };
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut start_line) = (0usize, 1usize);
    let (mut counted_to, mut line) = (0usize, 1usize);
    for at in memchr::memmem::find_iter(bytes, b"\n-").map(|i| i + 1) {
        if is_sep_at(at) {
            line += memchr::memchr_iter(b'\n', &bytes[counted_to..at]).count();
            counted_to = at;
            out.push((start_line, &text[start..at]));
            start = at;
            start_line = line;
        }
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
        crate::types::parse_time("2026-11-23T10:15:00Z").unwrap()
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
    fn text_that_would_not_read_back_exactly_is_refused() {
        for text in ["\n\u{2028}", "a\u{2029}b", "x\u{85}y", "\u{feff}start"] {
            let result = encode(0, t(), "a", GENESIS, &note(text));
            if let Ok((encoded, _)) = &result {
                let back = decode(encoded, 1).unwrap();
                assert_eq!(
                    back.payload,
                    note(text),
                    "{text:?} was accepted but changed"
                );
            }
        }
        assert!(encode(0, t(), "a", GENESIS, &note("\n\u{2028}")).is_err());
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

    /// The hashed part of an encoded record.
    fn hashed(text: &str) -> &str {
        split_hash(text).unwrap().0
    }

    /// What `serde_yaml` alone makes of a record's text.
    fn via_serde(text: &str) -> Result<RawRecord, String> {
        serde_yaml::from_str(text).map_err(|e| e.to_string())
    }

    fn every_kind() -> Vec<Payload> {
        use crate::journal::record::*;
        use crate::types::AnswerValue;
        let runbook = crate::runbook::builtin::get("ecommerce-breach").unwrap();
        vec![
            Payload::Opened(Box::new(Opened {
                format: FORMAT_VERSION,
                id: "20261123T101500Z-card-skimmer".into(),
                title: "Card skimmer: checkout".into(),
                severity: crate::types::Severity::High,
                detected_at: t(),
                aware_at: t(),
                determined_at: Some(t()),
                runbook: PinnedRunbook {
                    id: "ecommerce-breach".into(),
                    title: "x".into(),
                    source: "built-in".into(),
                    sha256: sha256_hex(runbook.as_bytes()),
                    text: runbook.into(),
                },
                upgraded_from: None,
            })),
            note("plain text, with commas"),
            note("Update 2: it's \"quoted\" | <b>"),
            note("line one\nline two\n\nline four"),
            note("trailing space \nnext"),
            Payload::Check(Check {
                step: "contain".into(),
                item: "isolate_systems".into(),
                checked: false,
            }),
            Payload::Answer(Answer {
                step: "assess".into(),
                question: "affected_customers".into(),
                value: AnswerValue::Number(1200.0),
            }),
            Payload::Answer(Answer {
                step: "assess".into(),
                question: "affected_customers".into(),
                value: AnswerValue::Number(12.5),
            }),
            Payload::Answer(Answer {
                step: "assess".into(),
                question: "data_types".into(),
                value: AnswerValue::List(vec!["payment_cards".into(), "contact_details".into()]),
            }),
            Payload::Answer(Answer {
                step: "assess".into(),
                question: "high_risk".into(),
                value: AnswerValue::Bool(true),
            }),
            Payload::Answer(Answer {
                step: "assess".into(),
                question: "determined_at".into(),
                value: AnswerValue::Text("2026-11-23T10:15:00Z".into()),
            }),
            Payload::Step(StepChange {
                step: "contain".into(),
                outcome: StepOutcome::Done,
                reason: None,
                open_items: vec!["isolate_systems".into()],
            }),
            Payload::Evidence(EvidenceEntry {
                path: "/srv/evidence/access log.txt".into(),
                sha256: sha256_hex(b"x"),
                size: 1024,
                modified: Some(t()),
                copy: Some("evidence/access log.txt".into()),
                note: Some("from the host".into()),
            }),
            Payload::Notice(NoticeSent {
                template: "customer-notice".into(),
                audience: "affected customers".into(),
                sent_at: t(),
                to: Some("a@example.org".into()),
            }),
            Payload::Affected(Box::new(AffectedImport {
                source: "/srv/exports/orders_export.csv".into(),
                sha256: sha256_hex(b"orders"),
                size: 52_000_000,
                format: "shopify-orders".into(),
                encoding: "utf8-bom".into(),
                window_from: Some(t()),
                window_to: Some(t()),
                card_only: true,
                payment_methods: vec!["Shopify Payments".into()],
                rows_read: 1_000_000,
                rows_kept: 812_000,
                dropped: [
                    ("before_window".to_string(), 1200),
                    ("bad_date".to_string(), 3),
                ]
                .into_iter()
                .collect(),
                total: 640,
                unplaced: 2,
                countries: [("US".to_string(), 600), ("DE".to_string(), 38)]
                    .into_iter()
                    .collect(),
                subdivisions: [("US-CA".to_string(), 512)].into_iter().collect(),
                places: vec!["DE".into(), "US".into(), "US-CA".into()],
                recipients: Some("x.evidence/recipients.csv".into()),
            })),
            Payload::Closed(Closed::default()),
            Payload::Action(ActionAdded {
                id: "A1".into(),
                text: "Update the response plan".into(),
                owner: "Dana".into(),
                due: chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
                after_close: false,
            }),
            Payload::Action(ActionAdded {
                id: "A2".into(),
                text: "Quarterly audit: plugins, admin accounts".into(),
                owner: "ops team".into(),
                due: chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap(),
                after_close: true,
            }),
            Payload::ActionDone(ActionDone {
                id: "A1".into(),
                after_close: false,
            }),
            Payload::ActionDone(ActionDone {
                id: "A2".into(),
                after_close: true,
            }),
            Payload::Opened(Box::new(Opened {
                format: FORMAT_VERSION,
                id: "20261123T101500Z-tiny".into(),
                title: "It's: \"tiny\"".into(),
                severity: crate::types::Severity::Low,
                detected_at: t(),
                aware_at: t(),
                determined_at: None,
                runbook: PinnedRunbook {
                    id: "tiny".into(),
                    title: "Tiny".into(),
                    source: "/srv/runbooks/tiny.yaml".into(),
                    sha256: sha256_hex(b"tiny"),
                    text: "breach_runbook: 1\nid: tiny\n".into(),
                },
                upgraded_from: None,
            })),
            Payload::Note(Note {
                text: "about a step".into(),
                step: Some("contain".into()),
            }),
            Payload::Check(Check {
                step: "contain".into(),
                item: "isolate_systems".into(),
                checked: true,
            }),
            Payload::Answer(Answer {
                step: "assess".into(),
                question: "delta".into(),
                value: AnswerValue::Number(-3.0),
            }),
            Payload::Answer(Answer {
                step: "assess".into(),
                question: "data_types".into(),
                value: AnswerValue::List(Vec::new()),
            }),
            Payload::Answer(Answer {
                step: "assess".into(),
                question: "notes".into(),
                value: AnswerValue::Text("yes".into()),
            }),
            Payload::Step(StepChange {
                step: "assess".into(),
                outcome: StepOutcome::Skipped,
                reason: Some("not needed: no cards".into()),
                open_items: Vec::new(),
            }),
            Payload::Step(StepChange {
                step: "assess".into(),
                outcome: StepOutcome::Reopened,
                reason: None,
                open_items: Vec::new(),
            }),
            Payload::Evidence(EvidenceEntry {
                path: "/srv/x".into(),
                sha256: sha256_hex(b"y"),
                size: 0,
                modified: None,
                copy: None,
                note: None,
            }),
            Payload::Notice(NoticeSent {
                template: "regulator".into(),
                audience: "the regulator".into(),
                sent_at: t(),
                to: None,
            }),
            Payload::Closed(Closed {
                summary: Some("Contained.\nCustomers told.".into()),
            }),
            Payload::Unknown {
                kind: "indicator".into(),
                payload: serde_yaml::from_str("value: 203.0.113.7\nseen: 3\ntags:\n- c2\n")
                    .unwrap(),
            },
        ]
    }

    /// The fast path's typed record, and what the general path makes of the same text; where
    /// the fast path answers, the general path must accept the text and agree.
    #[track_caller]
    fn typed_agrees(body: &str) -> Result<bool, String> {
        let Some(quick) = quick_typed(body) else {
            return Ok(false);
        };
        let slow = general(body).map_err(|e| format!("{e:?}\n{body}"))?;
        if quick != slow {
            return Err(format!("fast {quick:?}\nslow {slow:?}\n{body}"));
        }
        Ok(true)
    }

    #[test]
    fn the_fast_reader_takes_every_kind_the_encoder_writes_and_agrees_with_serde() {
        for payload in every_kind() {
            let (text, _) = encode(7, t(), "alice", GENESIS, &payload).unwrap();
            let body = hashed(&text);
            let quick = quick_raw(body);
            assert!(quick.is_some(), "fast reader declined:\n{body}");
            assert_eq!(quick.map(Ok), Some(via_serde(body)), "{body}");
            assert_eq!(typed_agrees(body), Ok(true), "typed fast path declined");
            assert_eq!(decode(&text, 1).unwrap().payload, payload);
        }
    }

    /// A record's hashed text with its hash line.
    fn seal(body: &str) -> String {
        format!("{body}hash: {}\n", sha256_hex(body.as_bytes()))
    }

    #[test]
    fn payloads_that_do_not_fit_their_kind_are_refused_with_the_general_error() {
        let head = format!(
            "---\nseq: 1\ntime: 2026-11-23T10:15:00Z\noperator: a\nkind: check\nprev: {}\npayload:\n",
            sha256_hex(b"x")
        );
        for payload in [
            "  step: contain\n  item: 1\n  checked: true\n",
            "  step: contain\n  item: x\n  checked: 'true'\n",
            "  step: contain\n  item: x\n  checked: true\n  extra: 1\n",
            "  step: contain\n  checked: true\n",
            "  step:\n  - contain\n  item: x\n  checked: true\n",
            "  step: contain\n  item:\n    a: b\n  checked: true\n",
        ] {
            let body = format!("{head}{payload}");
            assert!(quick_raw(&body).is_some(), "the fast reader reads {body}");
            assert_eq!(typed_agrees(&body), Ok(false), "{body}");
            let Err(DecodeError::Malformed(why)) = decode(&seal(&body), 1) else {
                panic!("accepted: {body}");
            };
            assert!(why.starts_with("invalid `check` payload: "), "{why}");
        }
        // A list where a struct belongs, and a mapping where an enum belongs.
        let body = head
            .replace("kind: check", "kind: closed")
            .replace("payload:\n", "payload:\n  summary:\n  - a\n");
        assert_eq!(typed_agrees(&body), Ok(false), "{body}");
        assert!(decode(&seal(&body), 1).is_err());
        let body = head.replace("kind: check", "kind: step")
            + "  step: contain\n  outcome:\n    done: 1\n";
        assert_eq!(typed_agrees(&body), Ok(false), "{body}");
        assert!(decode(&seal(&body), 1).is_err());
        // `null` reads as an absent optional field on both paths.
        let body = head.replace("kind: check", "kind: note") + "  text: x\n  step: null\n";
        assert_eq!(typed_agrees(&body), Ok(true), "{body}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Whatever text and operator are written, the fast reader either declines or reads
        /// exactly what serde_yaml reads.
        #[test]
        fn any_written_text_reads_the_same_both_ways(
            text in "\\PC{1,40}|[ -~\\n\\t\u{85}\u{a0}\u{2028}\u{feff}é]{1,40}",
            operator in "[ -~é]{1,12}",
        ) {
            // Text that would not read back exactly is refused by `encode` (tested above).
            let Ok((encoded, _)) = encode(3, t(), &operator, GENESIS, &note(&text)) else {
                return Ok(());
            };
            let body = hashed(&encoded);
            proptest::prop_assert_eq!(decode(&encoded, 1).unwrap().payload, note(&text));
            // Where the fast reader takes the text, it also types the payload, as the general
            // path does.
            let typed = typed_agrees(body);
            proptest::prop_assert_eq!(typed, Ok(quick_raw(body).is_some()));
            if let Some(quick) = quick_raw(body) {
                proptest::prop_assert_eq!(Ok(quick), via_serde(body));
                let r = decode(&encoded, 1).unwrap();
                proptest::prop_assert_eq!(r.payload, note(&text));
                proptest::prop_assert_eq!(r.operator, operator);
            }
        }

        /// Damaged or hand-edited records: wherever the fast reader answers, serde_yaml
        /// accepts the text and reads the same fields.
        #[test]
        fn edited_records_read_the_same_both_ways(
            kind in 0..every_kind().len(),
            edits in proptest::collection::vec(
                (0usize..4000, 0usize..3, proptest::sample::select(vec![
                    " ", "\n", ":", ": ", "-", "- ", "#", " #", "'", "\"", "|", "|-", "\\", "a",
                    "0", "1.5", ".", "{", "}", "[", "]", "&", "*", "!", "\t", "é", "\u{85}",
                    "~", "null", "true", "  ", "\n  ", "\n- ", "0x", "e5", "\\n", "''",
                ])),
                1..4,
            ),
        ) {
            let payload = &every_kind()[kind];
            let (encoded, _) = encode(3, t(), "alice", GENESIS, payload).unwrap();
            let mut body = hashed(&encoded).to_string();
            for (at, op, piece) in edits {
                let mut at = at % (body.len() + 1);
                while !body.is_char_boundary(at) {
                    at -= 1;
                }
                match op {
                    0 => body.insert_str(at, piece),
                    1 => {
                        let end = body[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                        body.replace_range(at..end, "");
                    }
                    _ => {
                        let end = body[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                        body.replace_range(at..end, piece);
                    }
                }
            }
            if let Some(quick) = quick_raw(&body) {
                proptest::prop_assert_eq!(Ok(quick), via_serde(&body), "{}", body);
            }
            let agrees = typed_agrees(&body);
            proptest::prop_assert!(agrees.is_ok(), "{}", agrees.unwrap_err());
        }
    }

    /// The line-by-line form of [`chunks`], as the format specifies it.
    fn chunks_by_lines(text: &str) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        let (mut start, mut start_line, mut pos) = (0usize, 1usize, 0usize);
        for (line_no, line) in (1usize..).zip(text.split_inclusive('\n')) {
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

    proptest::proptest! {
        #[test]
        fn chunks_split_exactly_at_separator_lines(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "---\n", "---", "--", "-", "\n", "a", "- x\n", "--- \n", "----\n", "\n---",
                "seq: 1\n", "é", " ---\n",
            ]), 0..24),
        ) {
            let text: String = pieces.concat();
            proptest::prop_assert_eq!(chunks(&text), chunks_by_lines(&text), "{:?}", text);
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
