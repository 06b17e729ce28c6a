//! The storage of a version 2 incident (`docs/incident-file-format.md`, section 12): a
//! directory of journals, one per writer, each its own hash chain. This module encodes and
//! decodes version 2 records, verifies each journal on its own (rules 12.4), reads the
//! directory, and creates journals. It knows nothing of what records mean, nor of how the
//! journals are merged: that is the ledger's (`crate::ledger::team`).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::file::{self, Break, BreakKind, ChainStatus, Locked, O_NOFOLLOW};
use super::format::{self, DecodeError, GENESIS};
use super::record::{Payload, Record};
use super::snapshot::FileKey;
use crate::error::{integrity, invalid};

pub use super::record::TEAM_FORMAT_VERSION;

/// The most journals one incident may have.
pub const MAX_JOURNALS: usize = 1000;

/// How far (in seconds) a record's time may be earlier than the previous record of its
/// journal before it is refused (when writing) or flagged (when verifying).
pub const CLOCK_SKEW_SECONDS: i64 = 120;

/// The name the original file of an upgraded version 1 incident is kept under.
pub const ORIGINAL_V1: &str = "format-1.yaml.orig";

/// The environment variable that names this device's writer id.
pub const DEVICE_ENV: &str = "BREACH_DEVICE";

/// The last record of a journal as another writer saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

/// One version 2 record: the fields shared with version 1 and those of section 12.3.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// `seq`, `time`, `operator`, `prev`, `hash`, `payload` and the line, as in version 1
    /// (`seq` counts the records of this journal).
    pub record: Record,
    pub writer: String,
    /// The heads of the other journals the writer had read.
    pub seen: BTreeMap<String, Head>,
    /// Whether `time` came from `BREACH_NOW` (`clock: fixed`).
    pub fixed_clock: bool,
    /// The writer's SSH signature (section 12.3a), when the record is signed.
    pub sig: Option<Signature>,
}

/// A record's `sig` line and the bytes it signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The `sig` value: base64 of the sshsig blob.
    pub sshsig: String,
    /// The signed bytes: the record from its `---` line through the line before `sig:`.
    pub signed: String,
}

/// Whether a string is a writer id (section 12.2).
pub fn is_writer_id(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'@' | b'-')
        })
}

/// The writer id from an operator and a host name: `OPERATOR@HOST`, lower-cased, every
/// character outside the writer id alphabet replaced by `-`, cut to 100 characters.
pub fn derive_writer_id(operator: &str, host: &str) -> String {
    let raw = format!("{operator}@{host}").to_lowercase();
    let mut out: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '@' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(100)
        .collect();
    while out.starts_with(|c: char| !c.is_ascii_alphanumeric()) {
        out.remove(0);
        out.push('x');
    }
    if out.is_empty() {
        out.push_str("writer");
    }
    out
}

/// This device's writer id: `BREACH_DEVICE` if set (it must be a valid writer id), else
/// derived from the operator and the host name.
pub fn writer_id(operator: &str) -> anyhow::Result<String> {
    if let Ok(given) = std::env::var(DEVICE_ENV) {
        if !is_writer_id(&given) {
            return Err(invalid(format!(
                "{DEVICE_ENV}={given:?} is not a writer id: 1 to 100 characters from a-z, 0-9, `.`, `_`, `@` and `-`, starting with a letter or digit"
            )));
        }
        return Ok(given);
    }
    Ok(derive_writer_id(operator, &host_name()))
}

/// The machine's host name (`localhost` when it cannot be read).
fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "localhost".into())
}

/// The fields of a version 2 record in file order, as written.
#[derive(Serialize)]
struct Body<'a> {
    seq: u64,
    time: String,
    operator: &'a str,
    writer: &'a str,
    kind: &'a str,
    prev: &'a str,
    seen: &'a BTreeMap<String, Head>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    clock: Option<&'static str>,
    payload: serde_yaml::Value,
}

/// The on-disk fields of a version 2 record, as parsed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    seq: u64,
    time: String,
    operator: String,
    writer: String,
    kind: String,
    prev: String,
    seen: BTreeMap<String, Head>,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    clock: Option<String>,
    #[serde(default)]
    payload: serde_yaml::Value,
    #[serde(default)]
    sig: Option<String>,
}

/// The bytes a signature of this record covers (section 12.3a): the record from its `---`
/// line through its `payload`, without `sig` and `hash`.
pub fn signed_bytes(entry: &Entry) -> anyhow::Result<String> {
    let r = &entry.record;
    let body = Body {
        seq: r.seq,
        time: crate::types::format_utc(r.time),
        operator: &r.operator,
        writer: &entry.writer,
        kind: r.payload.kind(),
        prev: &r.prev,
        seen: &entry.seen,
        at: r.at.map(crate::types::format_utc),
        clock: entry.fixed_clock.then_some("fixed"),
        payload: r.payload.to_value()?,
    };
    let with_start = |t: &str| {
        let mut text = format!("---\n{t}");
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    };
    let emitted = with_start(&serde_yaml::to_string(&body)?);
    // Quoted for YAML 1.1 readers too, as a format 1 record is; should that ever not read
    // back exactly, the text as emitted is used (`encode` checks it again).
    let quoted = super::yaml11::quote_for_yaml11(&emitted);
    let reads_back = || {
        let mut full = quoted.clone();
        let hash = format::sha256_hex(full.as_bytes());
        full.push_str(&format!("hash: {hash}\n"));
        decode(&full, 0).is_ok_and(|back| {
            back.record.payload == r.payload
                && back.record.operator == r.operator
                && back.writer == entry.writer
                && back.seen == entry.seen
        })
    };
    Ok(if quoted != emitted && reads_back() {
        quoted
    } else {
        emitted
    })
}

/// Encodes a version 2 record, with its `sig` line when it is signed. Returns `(text,
/// hash)`; `text` ends with a newline.
pub fn encode(entry: &Entry) -> anyhow::Result<(String, String)> {
    let mut text = signed_bytes(entry)?;
    if let Some(sig) = &entry.sig {
        if sig.signed != text || !super::sign::is_base64(&sig.sshsig) {
            return Err(invalid(
                "the record's signature is not of this record's bytes; nothing was recorded",
            ));
        }
        text.push_str("sig: ");
        text.push_str(&sig.sshsig);
        text.push('\n');
    }
    let hash = format::sha256_hex(text.as_bytes());
    text.push_str("hash: ");
    text.push_str(&hash);
    text.push('\n');
    if let Err(why) = crate::yaml_guard::check(&text) {
        return Err(invalid(format!(
            "this record cannot be stored in a form breach can read back: {why}"
        )));
    }
    // What is written must read back exactly as it was given, and as one record.
    let faithful = format::chunks(&text).len() == 1
        && decode(&text, 0).is_ok_and(|back| {
            let mut want = entry.clone();
            want.record.hash.clone_from(&hash);
            want.record.line = 0;
            back == want
        });
    if !faithful {
        return Err(invalid(
            "this text cannot be stored exactly: it contains characters that YAML reads back \
             differently (such as U+2028, U+2029 or U+0085 line separators, or a byte order mark); \
             remove them and try again",
        ));
    }
    Ok((text, hash))
}

/// The field each of the first lines of a version 2 record starts with (section 12.11).
const FIXED_LINES: [&str; 8] = [
    "---",
    "seq:",
    "time:",
    "operator:",
    "writer:",
    "kind:",
    "prev:",
    "seen:",
];

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, DecodeError> {
    crate::types::parse_time(text)
        .ok()
        .filter(|t| crate::types::format_utc(*t) == text)
        .ok_or_else(|| DecodeError::Malformed(format!("invalid time {text:?}")))
}

/// Decodes one version 2 record's text (from its `---` line through its `hash:` line).
pub fn decode(chunk: &str, line: usize) -> Result<Entry, DecodeError> {
    let (hashed, stored) = format::split_hash(chunk).ok_or(DecodeError::Incomplete)?;
    let computed = format::sha256_hex(hashed.as_bytes());
    if computed != stored {
        return Err(DecodeError::HashMismatch {
            stored: stored.to_string(),
            computed,
        });
    }
    for (want, got) in FIXED_LINES.iter().zip(hashed.lines()) {
        if !got.starts_with(want) {
            return Err(DecodeError::Malformed(format!(
                "expected a line starting with `{want}`, found {got:?}"
            )));
        }
    }
    crate::yaml_guard::check(hashed).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let raw: Raw =
        serde_yaml::from_str(hashed).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let time = parse_time(&raw.time)?;
    let at = raw.at.as_deref().map(parse_time).transpose()?;
    if !is_hex64(&raw.prev) {
        return Err(DecodeError::Malformed(format!(
            "`prev` is not a SHA-256 hex digest: {:?}",
            raw.prev
        )));
    }
    if !is_writer_id(&raw.writer) {
        return Err(DecodeError::Malformed(format!(
            "`writer` is not a writer id: {:?}",
            raw.writer
        )));
    }
    for (w, h) in &raw.seen {
        if !is_writer_id(w) || !is_hex64(&h.hash) {
            return Err(DecodeError::Malformed(format!(
                "`seen` entry {w:?} is not a writer id with a seq and a SHA-256 hex digest"
            )));
        }
    }
    let fixed_clock = match raw.clock.as_deref() {
        None => false,
        Some("fixed") => true,
        Some(other) => {
            return Err(DecodeError::Malformed(format!(
                "`clock` is {other:?}; the only value is `fixed`"
            )));
        }
    };
    let sig = match raw.sig {
        None => None,
        Some(sshsig) => {
            let line = format!("\nsig: {sshsig}\n");
            if !hashed.ends_with(&line) || !super::sign::is_base64(&sshsig) {
                return Err(DecodeError::Malformed(
                    "`sig` must be the last line before `hash:`, a base64 value on one line".into(),
                ));
            }
            let signed = hashed[..hashed.len() - line.len() + 1].to_string();
            Some(Signature { sshsig, signed })
        }
    };
    let payload = Payload::from_value(&raw.kind, raw.payload)
        .map_err(|e| DecodeError::Malformed(format!("invalid `{}` payload: {e}", raw.kind)))?;
    Ok(Entry {
        record: Record {
            seq: raw.seq,
            time,
            operator: raw.operator,
            prev: raw.prev,
            hash: stored.to_string(),
            payload,
            at,
            line,
        },
        writer: raw.writer,
        seen: raw.seen,
        fixed_clock,
        sig,
    })
}

/// One journal, read and verified on its own (section 12.4).
#[derive(Debug, Clone)]
pub struct Journal {
    pub writer: String,
    pub path: PathBuf,
    /// The records that verify, in order.
    pub entries: Vec<Entry>,
    /// Bytes of the verified prefix.
    pub good_len: usize,
    /// Lines in the file.
    pub lines: usize,
    pub status: ChainStatus,
    /// Records whose time is more than [`CLOCK_SKEW_SECONDS`] earlier than the record
    /// before them: `(seq, line)`.
    pub clock_went_back: Vec<(u64, usize)>,
    /// The file's key (for the state cache), taken before it was read, when every byte
    /// read is a verified record in `entries`; `None` when part of it was left out (a torn
    /// or cut tail, a damaged record) or it was not read from a file.
    pub stamp: Option<FileKey>,
}

impl Journal {
    /// The last verified record, if any.
    pub fn head(&self) -> Option<Head> {
        self.entries.last().map(|e| Head {
            seq: e.record.seq,
            hash: e.record.hash.clone(),
        })
    }

    /// The journal's file name.
    pub fn name(&self) -> String {
        format!("{}.yaml", self.writer)
    }
}

/// Verifies one journal's bytes (rules 1 to 4 of section 4, and 12.4 rules 1 to 3).
pub fn scan_journal(path: &Path, writer: &str, bytes: &[u8]) -> Journal {
    let (text, cut) = match std::str::from_utf8(bytes) {
        Ok(t) => (t, 0),
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            (valid, bytes.len() - e.valid_up_to())
        }
    };
    let mut j = Journal {
        writer: writer.to_string(),
        path: path.to_path_buf(),
        entries: Vec::new(),
        good_len: 0,
        lines: bytes.iter().filter(|&&b| b == b'\n').count(),
        status: ChainStatus::Intact,
        clock_went_back: Vec::new(),
        stamp: None,
    };
    let parts = format::chunks(text);
    let count = parts.len();
    let mut prev = GENESIS.to_string();
    for (index, (line, chunk)) in parts.into_iter().enumerate() {
        let expected_seq = index as u64;
        let broken = |kind, detail: String| {
            ChainStatus::Broken(Break {
                index,
                expected_seq,
                line,
                kind,
                detail,
            })
        };
        let last = index + 1 == count;
        if !(chunk.starts_with("---\n") || last && "---\n".starts_with(chunk)) {
            j.status = broken(
                BreakKind::Malformed,
                "text that is not a record (records start with a `---` line)".into(),
            );
            return j;
        }
        let e = match decode(chunk, line) {
            Err(DecodeError::Incomplete) if last => {
                j.status = ChainStatus::TornTail {
                    line,
                    bytes: chunk.len() + cut,
                };
                return j;
            }
            Err(DecodeError::Incomplete) => {
                j.status = broken(BreakKind::Edited, "it has no valid `hash:` line".into());
                return j;
            }
            Err(DecodeError::HashMismatch { stored, computed }) => {
                j.status = broken(
                    BreakKind::Edited,
                    format!("its content hashes to {computed} but it says {stored}"),
                );
                return j;
            }
            Err(DecodeError::Malformed(e)) => {
                j.status = broken(BreakKind::Malformed, e);
                return j;
            }
            Ok(e) => e,
        };
        let r = &e.record;
        let problem = if r.seq > expected_seq {
            Some((
                BreakKind::Missing,
                format!(
                    "record {expected_seq} is missing (found record {} here)",
                    r.seq
                ),
            ))
        } else if r.seq < expected_seq {
            Some((
                BreakKind::Reordered,
                format!("found record {} where record {expected_seq} belongs", r.seq),
            ))
        } else if r.prev != prev {
            Some((
                BreakKind::Unlinked,
                format!(
                    "its `prev` does not match the hash of record {}",
                    expected_seq.saturating_sub(1)
                ),
            ))
        } else if e.writer != writer {
            Some((
                BreakKind::Malformed,
                format!(
                    "its `writer` is {:?} but it is in the journal of {writer:?}",
                    e.writer
                ),
            ))
        } else if e.seen.contains_key(writer) {
            Some((
                BreakKind::Malformed,
                "its `seen` names its own journal".to_string(),
            ))
        } else {
            j.entries
                .last()
                .and_then(|p| {
                    p.seen
                        .iter()
                        .find(|(w, h)| e.seen.get(*w).is_none_or(|now| now.seq < h.seq))
                })
                .map(|(w, h)| {
                    (
                        BreakKind::Malformed,
                        format!(
                            "its `seen` goes back: the record before it had seen record {} of {w}",
                            h.seq
                        ),
                    )
                })
        };
        if let Some((kind, detail)) = problem {
            j.status = broken(kind, detail);
            return j;
        }
        if let Some(p) = j.entries.last()
            && (p.record.time - r.time).num_seconds() > CLOCK_SKEW_SECONDS
        {
            j.clock_went_back.push((r.seq, line));
        }
        prev = r.hash.clone();
        j.good_len += chunk.len();
        j.entries.push(e);
    }
    if cut > 0 && matches!(j.status, ChainStatus::Intact) {
        j.status = ChainStatus::Broken(Break {
            index: j.entries.len(),
            expected_seq: j.entries.len() as u64,
            line: text.lines().count() + 1,
            kind: BreakKind::Malformed,
            detail: "bytes after the last record that are not valid UTF-8".into(),
        });
    }
    j
}

/// Sets the journal's key from the file's metadata taken before its bytes were read, when
/// every byte of the file is a verified record: a file that changed after `meta` was taken
/// no longer matches the key.
fn stamped(mut j: Journal, meta: &std::fs::Metadata) -> Journal {
    if matches!(j.status, ChainStatus::Intact) && j.good_len as u64 == meta.len() {
        j.stamp = Some(FileKey::of(&j.name(), meta));
    }
    j
}

/// The first record of a journal, read without the rest: for a state cache, the `opened`
/// record (with the pinned runbook) of the first journal. `None` when it cannot be read
/// or its hash does not verify.
pub fn read_first(path: &Path) -> Option<Entry> {
    use std::os::unix::fs::FileExt;
    let f = OpenOptions::new()
        .read(true)
        .custom_flags(O_NOFOLLOW)
        .open(path)
        .ok()?;
    let size = f.metadata().ok()?.len();
    let mut window = 64 * 1024u64;
    loop {
        let len = window.min(size);
        let mut bytes = vec![0; len as usize];
        f.read_exact_at(&mut bytes, 0).ok()?;
        let text = String::from_utf8_lossy(&bytes);
        let parts = format::chunks(&text);
        // Complete when a second record starts in the window, or the window is the file.
        if parts.len() >= 2 || len == size {
            let (line, chunk) = parts.first().copied()?;
            return decode(chunk, line)
                .ok()
                .filter(|e| e.record.seq == 0 && e.record.prev == GENESIS);
        }
        window *= 2;
    }
}

/// The path of a writer's journal in an incident directory.
pub fn journal_path(dir: &Path, writer: &str) -> PathBuf {
    dir.join(format!("{writer}.yaml"))
}

/// Whether a path is a version 2 incident directory (a directory holding at least one
/// journal file).
pub fn is_team_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
        && journal_names(path).is_ok_and(|names| !names.is_empty())
}

/// The writer ids of the journals in an incident directory, sorted; names that are not
/// `WRITER.yaml` are not journals.
pub fn journal_names(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(writer) = name.strip_suffix(".yaml") else {
            continue;
        };
        if is_writer_id(writer) {
            names.push(writer.to_string());
        }
    }
    names.sort();
    if names.len() > MAX_JOURNALS {
        return Err(invalid(format!(
            "{} has {} journals; at most {MAX_JOURNALS} are read",
            dir.display(),
            names.len()
        )));
    }
    Ok(names)
}

/// Reads and verifies one journal under a shared lock.
pub fn read_journal(dir: &Path, writer: &str) -> anyhow::Result<Journal> {
    let path = journal_path(dir, writer);
    file::check_regular(&path)?;
    let mut f = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    f.lock_shared()
        .with_context(|| format!("cannot lock {}", path.display()))?;
    let meta = f.metadata()?;
    let bytes = file::read_bytes(&mut f, &path)?;
    Ok(stamped(scan_journal(&path, writer, &bytes), &meta))
}

/// Reads every journal of an incident directory, verifying each on its own, each under a
/// shared lock. `own` is a journal already read by the caller, which holds its exclusive
/// lock: then the other journals are read without a lock, since waiting for another
/// writer's lock while holding one could deadlock (two writers, each waiting for the
/// other's journal). A record another writer is appending at that moment may be seen in
/// part; it was not yet acknowledged, so it is left out (the journal's verified records
/// are kept, and its status is the one of those records).
pub fn read_all(dir: &Path, own: Option<Journal>) -> anyhow::Result<Vec<Journal>> {
    let mut out = Vec::new();
    let locking = own.is_none();
    let mut own = own;
    for writer in journal_names(dir)? {
        match own.take_if(|j| j.writer == writer) {
            Some(j) => out.push(j),
            None if locking => out.push(read_journal(dir, &writer)?),
            None => {
                let path = journal_path(dir, &writer);
                file::check_regular(&path)?;
                let mut f =
                    File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
                let meta = f.metadata()?;
                let bytes = file::read_bytes(&mut f, &path)?;
                let mut j = stamped(scan_journal(&path, &writer, &bytes), &meta);
                if matches!(j.status, ChainStatus::TornTail { .. }) {
                    j.status = ChainStatus::Intact;
                }
                out.push(j);
            }
        }
    }
    let own_writer = own.as_ref().map(|j| j.writer.clone());
    if let Some(j) = own {
        out.push(j);
        out.sort_by(|a, b| a.writer.cmp(&b.writer));
    }
    if !locking {
        consistent_cut(&mut out, own_writer.as_deref());
    }
    Ok(out)
}

/// Journals read one after the other without locks can show a record that names a record
/// of a journal read earlier, written after that read. Such records (and those after them
/// in their journal) are newer than what was read: leave them out until nothing names a
/// record outside the view. The caller's own journal, read under its lock, is kept whole.
fn consistent_cut(journals: &mut [Journal], own: Option<&str>) {
    loop {
        let lens: BTreeMap<String, usize> = journals
            .iter()
            .map(|j| (j.writer.clone(), j.entries.len()))
            .collect();
        let mut changed = false;
        for j in journals.iter_mut() {
            if Some(j.writer.as_str()) == own {
                continue;
            }
            let beyond = j.entries.iter().position(|e| {
                e.seen
                    .iter()
                    .any(|(w, h)| lens.get(w).is_none_or(|&n| h.seq as usize >= n))
            });
            if let Some(cut) = beyond {
                j.entries.truncate(cut);
                j.stamp = None;
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// A writer's own journal, held under the exclusive lock until dropped.
pub struct OwnJournal {
    locked: Locked,
    writer: String,
}

impl OwnJournal {
    /// Opens (creating it empty, mode 0600, if missing) the writer's journal in an
    /// existing incident directory and takes its exclusive lock.
    pub fn open(dir: &Path, writer: &str) -> anyhow::Result<OwnJournal> {
        let path = journal_path(dir, writer);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(O_NOFOLLOW)
            .open(&path)
        {
            Ok(f) => {
                f.sync_all()?;
                File::open(dir)
                    .and_then(|d| d.sync_all())
                    .with_context(|| format!("cannot sync {}", dir.display()))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("cannot create the journal {}", path.display())));
            }
        }
        Ok(OwnJournal {
            locked: Locked::open(&path)?,
            writer: writer.to_string(),
        })
    }

    /// Reads and verifies the journal through the locked handle.
    pub fn scan(&mut self) -> anyhow::Result<Journal> {
        let meta = self.locked.metadata()?;
        let (scan_bytes, path) = (self.locked.read_all()?, self.locked.path().to_path_buf());
        Ok(stamped(
            scan_journal(&path, &self.writer, &scan_bytes),
            &meta,
        ))
    }

    /// The writer id.
    pub fn writer(&self) -> &str {
        &self.writer
    }

    /// The journal's metadata, through the locked handle.
    pub fn metadata(&self) -> anyhow::Result<std::fs::Metadata> {
        self.locked.metadata()
    }

    /// Writes one encoded record in a single call and fsyncs it.
    pub fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.locked.write(bytes, true)
    }
}

/// Creates a version 2 incident directory `dir/ID` (mode 0700) whose first journal holds
/// `entry` (an `opened` record). If the name is taken, `-2`, `-3`, ... is appended to the
/// id; `rename` sets the id in the opened record. Returns the directory and the record's
/// text and hash.
pub fn create(
    parent: &Path,
    id: &str,
    mut make: impl FnMut(&str) -> anyhow::Result<Entry>,
) -> anyhow::Result<(PathBuf, Entry)> {
    file::ensure_dir(parent)?;
    for attempt in 1..=1000u32 {
        let id = if attempt > 1 {
            format!("{id}-{attempt}")
        } else {
            id.to_string()
        };
        let dir = parent.join(&id);
        if parent.join(format!("{id}.yaml")).exists() {
            continue;
        }
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(
                    anyhow::Error::new(e).context(format!("cannot create {}", dir.display()))
                );
            }
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        // Nothing is left behind when the record cannot be made (a key that cannot sign).
        let made = make(&id).and_then(|entry| encode(&entry).map(|done| (entry, done)));
        let (mut entry, (text, hash)) = match made {
            Ok(made) => made,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        entry.record.hash = hash;
        entry.record.line = 1;
        if let Err(e) = write_new(&journal_path(&dir, &entry.writer), text.as_bytes()) {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e.context("no incident was created"));
        }
        File::open(parent)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("cannot sync {}", parent.display()))?;
        return Ok((dir, entry));
    }
    Err(crate::error::conflict(format!(
        "too many incidents named {id} in {}",
        parent.display()
    )))
}

/// Writes a new file (mode 0600, never through a symlink) and fsyncs it and its directory.
pub fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(O_NOFOLLOW)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    if let Some(dir) = path.parent() {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("cannot sync {}", dir.display()))?;
    }
    Ok(())
}

/// Repairs every journal of an incident directory whose last record is torn (section 6,
/// per journal). Returns what was done for each repaired journal.
pub fn repair_all(dir: &Path, now: DateTime<Utc>) -> anyhow::Result<Vec<file::Repair>> {
    let mut done = Vec::new();
    for writer in journal_names(dir)? {
        let j = read_journal(dir, &writer)?;
        if let ChainStatus::TornTail { bytes, .. } = j.status {
            done.push(file::cut_tail(
                &j.path,
                j.good_len,
                bytes,
                j.entries.len(),
                now,
            )?);
        } else if let ChainStatus::Broken(b) = &j.status {
            return Err(integrity(format!(
                "{}: record {} (line {}) is {}: {}; breach repairs only a torn last record",
                j.path.display(),
                b.expected_seq,
                b.line,
                b.kind.as_str(),
                b.detail
            )));
        }
    }
    Ok(done)
}

/// Installs the upgrade of the version 1 file `path` (section 12.9): a directory `ID` next
/// to it holding the first journal (`journal`, of `writer`) and the original file byte for
/// byte, built under a temporary name and renamed once complete; then the old file is
/// removed. Run again after a crash that left the old file beside a complete directory, it
/// removes the old file. Returns the directory.
pub fn install_upgrade(
    path: &Path,
    id: &str,
    writer: &str,
    journal: &[u8],
) -> anyhow::Result<PathBuf> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let original =
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let final_dir = parent.join(id);
    if std::fs::symlink_metadata(&final_dir).is_ok() {
        if std::fs::read(final_dir.join(ORIGINAL_V1)).ok().as_ref() == Some(&original) {
            std::fs::remove_file(path)?;
            File::open(parent).and_then(|d| d.sync_all())?;
            return Ok(final_dir);
        }
        return Err(crate::error::conflict(format!(
            "{} already exists and is not the upgrade of {}",
            final_dir.display(),
            path.display()
        )));
    }
    let tmp = parent.join(format!(".{id}.upgrading"));
    if std::fs::symlink_metadata(&tmp).is_ok() {
        std::fs::remove_dir_all(&tmp)
            .with_context(|| format!("cannot remove the unfinished {}", tmp.display()))?;
    }
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    write_new(&journal_path(&tmp, writer), journal)?;
    write_new(&tmp.join(ORIGINAL_V1), &original)?;
    std::fs::rename(&tmp, &final_dir)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), final_dir.display()))?;
    File::open(parent).and_then(|d| d.sync_all())?;
    std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
    File::open(parent).and_then(|d| d.sync_all())?;
    Ok(final_dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Note;

    fn entry() -> Entry {
        Entry {
            record: Record {
                seq: 1,
                time: crate::types::parse_time("2026-11-20T10:00:00Z").unwrap(),
                operator: "alice".into(),
                prev: "a".repeat(64),
                hash: String::new(),
                payload: Payload::Note(Note {
                    text: "found it".into(),
                    step: None,
                }),
                at: None,
                line: 0,
            },
            writer: "alice-laptop".into(),
            seen: BTreeMap::new(),
            fixed_clock: false,
            sig: None,
        }
    }

    #[test]
    fn a_signed_record_keeps_its_sig_line_inside_the_hash_and_reads_back() {
        let mut e = entry();
        let signed = signed_bytes(&e).unwrap();
        e.sig = Some(Signature {
            sshsig: "U1NIU0lHAAAA+/=".into(),
            signed: signed.clone(),
        });
        let (text, hash) = encode(&e).unwrap();
        assert!(text.starts_with(&signed));
        assert_eq!(
            &text[signed.len()..],
            format!("sig: U1NIU0lHAAAA+/=\nhash: {hash}\n")
        );
        // The hash covers the sig line.
        assert_eq!(
            hash,
            format::sha256_hex(&text.as_bytes()[..text.len() - 71])
        );
        let back = decode(&text, 1).unwrap();
        assert_eq!(back.sig, e.sig);
        // Unsigned, the same record hashes exactly its signed bytes.
        let (plain, plain_hash) = encode(&entry()).unwrap();
        assert_eq!(plain_hash, format::sha256_hex(signed.as_bytes()));
        assert_eq!(decode(&plain, 1).unwrap().sig, None);
    }

    #[test]
    fn a_sig_line_anywhere_but_last_or_not_of_these_bytes_is_refused() {
        let mut e = entry();
        e.sig = Some(Signature {
            sshsig: "AAAA".into(),
            signed: "other bytes".into(),
        });
        assert!(encode(&e).is_err());
        // `sig` moved before `payload`, the hash recomputed: malformed.
        let signed = signed_bytes(&entry()).unwrap();
        let moved = signed.replacen("payload:", "sig: AAAA\npayload:", 1);
        let text = format!("{moved}hash: {}\n", format::sha256_hex(moved.as_bytes()));
        assert!(matches!(decode(&text, 1), Err(DecodeError::Malformed(_))));
        // A value that is not base64.
        let bad = format!("{signed}sig: not base64!\n");
        let text = format!("{bad}hash: {}\n", format::sha256_hex(bad.as_bytes()));
        assert!(matches!(decode(&text, 1), Err(DecodeError::Malformed(_))));
    }
}
