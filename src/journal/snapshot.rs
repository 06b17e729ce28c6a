//! The derived state cache: a sidecar file beside an incident file (`NAME.yaml.state`)
//! holding the part of the folded state that checking a new record needs (step statuses,
//! checked items, current answers, whether the incident is closed), so that an append does
//! not have to re-read and re-fold the whole incident. Specified in
//! `docs/incident-file-format.md`, section 11.
//!
//! The cache is derived data and is never trusted for anything else: `verify` and every
//! reading command ignore it, and deleting it changes nothing but speed. It is used only when
//! its key matches the incident file exactly as it is now: the file's length, its last
//! record's sequence number and hash, and the file's inode, modification and change times.
//! Any write to the file that did not go through `breach` (an edit, a truncation, a copy)
//! changes the change time, so the cache is rebuilt from a full, verified read. A cache that
//! is stale, corrupt, of another version or for another incident is ignored and rebuilt.
//!
//! A team incident (a directory of journals) has a cache of its own, [`TeamState`], with
//! the key of every journal: it lives in the user's cache directory, never in the incident
//! directory, which a team shares (section 12.12).
//!
//! This module knows only the file and its plain data; converting it from and to the
//! incident's state is the writer's job.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::format::sha256_hex;
use crate::types::{AnswerValue, Severity};

/// The version of the cache format this build writes and reads.
pub const STATE_VERSION: u32 = 3;

/// The largest cache file read, in bytes (a real one is a few kilobytes: it grows with the
/// runbook, not with the incident).
pub const MAX_STATE_BYTES: u64 = 4 * 1024 * 1024;

/// The first word of a cache file.
const MAGIC: &str = "breach-state";

/// What the cache was derived from: the incident file exactly as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    /// The file's length in bytes.
    pub len: u64,
    /// The last record's sequence number and hash.
    pub last_seq: u64,
    pub last_hash: String,
    /// The number of lines in the file (so a new record knows the line it starts on).
    pub lines: usize,
    /// The file's device and inode numbers.
    pub dev: u64,
    pub ino: u64,
    /// The file's modification and change times, in nanoseconds since 1970.
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

impl Key {
    /// The key of an incident file with this last record and line count, from its metadata.
    pub fn of(meta: &std::fs::Metadata, last_seq: u64, last_hash: &str, lines: usize) -> Key {
        Key {
            len: meta.len(),
            last_seq,
            last_hash: last_hash.to_string(),
            lines,
            dev: meta.dev(),
            ino: meta.ino(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
        }
    }

    /// Whether the file still is what this key was made from, as far as its metadata shows
    /// (the last record is compared separately).
    pub fn matches_meta(&self, meta: &std::fs::Metadata) -> bool {
        let now = Key::of(meta, self.last_seq, &self.last_hash, self.lines);
        now == *self
    }
}

/// Who recorded something, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StampState {
    pub by: String,
    pub at: DateTime<Utc>,
    pub seq: u64,
    /// The record's event time (`--at`), which only records of a team incident carry: a
    /// format 1 cache never has the field, so its form is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_at: Option<DateTime<Utc>>,
}

/// One checklist item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemCache {
    pub id: String,
    pub checked: bool,
    pub last: Option<StampState>,
}

/// One current answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerCache {
    pub question: String,
    pub value: AnswerValue,
    pub stamp: StampState,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepCache {
    pub id: String,
    /// `pending`, `in_progress`, `done` or `skipped`.
    pub status: String,
    pub items: Vec<ItemCache>,
    pub answers: Vec<AnswerCache>,
    pub skip_reason: Option<String>,
    pub done_with_open_items: Vec<String>,
    pub started: Option<StampState>,
    pub finished: Option<StampState>,
    pub last_activity: Option<StampState>,
}

/// The intake facts as the records have left them (`amended` corrections and answers to
/// questions with `sets:` change them), which the plausibility checks and corrections read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeCache {
    pub title: String,
    pub severity: Severity,
    pub detected_at: DateTime<Utc>,
    pub aware_at: DateTime<Utc>,
    pub determined_at: Option<DateTime<Utc>>,
    pub intake_determined_at: Option<DateTime<Utc>>,
    /// The records that last set an intake time (`detected`, `aware`, `determined`).
    pub set_by: BTreeMap<String, StampState>,
    /// The fact an `override` record just before the next record is for.
    pub pending_override: Option<String>,
}

/// An action item (checking `action` and `action_done` records needs them all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionCache {
    pub id: String,
    pub text: String,
    pub owner: String,
    pub due: chrono::NaiveDate,
    pub added: StampState,
    pub done: Option<StampState>,
}

/// The cached state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub key: Key,
    /// The incident's id and pinned runbook, from its `opened` record: a cache made for
    /// another incident (a copied file) is never used.
    pub incident_id: String,
    pub runbook_sha256: String,
    /// One per runbook step, in runbook order.
    pub steps: Vec<StepCache>,
    pub closed: Option<StampState>,
    /// The action items, in the order added (cache version 2).
    pub actions: Vec<ActionCache>,
    /// Everyone who recorded something, in order of first appearance.
    pub operators: Vec<String>,
    pub record_count: u64,
    pub last_activity: DateTime<Utc>,
    pub intake: IntakeCache,
}

/// Why a cache file was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// There is none (or it cannot be read).
    Missing,
    /// It is not a cache file this build reads: damaged, cut short, or of another version.
    Corrupt(String),
    /// It was made from an earlier (or another) state of the incident file.
    Stale,
}

/// Where the cache of an incident file lives: `NAME.yaml.state` beside it.
pub fn path_for(incident: &Path) -> PathBuf {
    let mut name = incident.file_name().unwrap_or_default().to_os_string();
    name.push(".state");
    incident.with_file_name(name)
}

/// The cache file's bytes: a header line `breach-state VERSION SHA256`, where SHA256 is the
/// hex SHA-256 of the rest, then the state as one line of JSON.
pub fn encode(state: &State) -> Vec<u8> {
    framed(MAGIC, STATE_VERSION, state)
}

/// `MAGIC VERSION SHA256`, a newline, `value` as one line of JSON and a newline.
fn framed<T: Serialize>(magic: &str, version: u32, value: &T) -> Vec<u8> {
    // Serializing plain data to JSON cannot fail.
    let json = serde_json::to_string(value).unwrap_or_default();
    let mut out = format!("{magic} {version} {}\n", sha256_hex(json.as_bytes()));
    out.push_str(&json);
    out.push('\n');
    out.into_bytes()
}

/// Reads a cache file's bytes back; anything but an intact cache of this version is
/// [`Unusable::Corrupt`].
pub fn decode(bytes: &[u8]) -> Result<State, Unusable> {
    unframed(MAGIC, STATE_VERSION, bytes)
}

/// The value of [`framed`] bytes with this first word and version.
fn unframed<T: serde::de::DeserializeOwned>(
    magic: &str,
    want: u32,
    bytes: &[u8],
) -> Result<T, Unusable> {
    let corrupt = |why: &str| Unusable::Corrupt(why.to_string());
    let text = std::str::from_utf8(bytes).map_err(|_| corrupt("not UTF-8"))?;
    let (header, rest) = text.split_once('\n').ok_or_else(|| corrupt("no header"))?;
    let mut words = header.split(' ');
    if words.next() != Some(magic) {
        return Err(corrupt("not a breach state cache"));
    }
    let version = words.next().and_then(|v| v.parse::<u32>().ok());
    if version != Some(want) {
        // An older or newer cache: rebuilt (and overwritten) by this build.
        return Err(corrupt("another version"));
    }
    let sum = words.next().ok_or_else(|| corrupt("no checksum"))?;
    let json = rest
        .strip_suffix('\n')
        .ok_or_else(|| corrupt("cut short"))?;
    if words.next().is_some() || sha256_hex(json.as_bytes()) != sum {
        return Err(corrupt("checksum mismatch"));
    }
    serde_json::from_str(json).map_err(|e| Unusable::Corrupt(e.to_string()))
}

/// Reads the cache of an incident file (never through a symbolic link, never more than
/// [`MAX_STATE_BYTES`]).
pub fn load(incident: &Path) -> Result<State, Unusable> {
    decode(&read_capped(&path_for(incident))?)
}

/// A cache file's bytes (never through a symbolic link, never more than
/// [`MAX_STATE_BYTES`]).
fn read_capped(path: &Path) -> Result<Vec<u8>, Unusable> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(O_NOFOLLOW)
        .open(path)
        .map_err(|_| Unusable::Missing)?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(Unusable::Corrupt("not a regular file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_STATE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| Unusable::Missing)?;
    if bytes.len() as u64 > MAX_STATE_BYTES {
        return Err(Unusable::Corrupt("too large".into()));
    }
    Ok(bytes)
}

/// Reads the cache and checks its key against the incident file's metadata and last record.
pub fn load_matching(
    incident: &Path,
    meta: &std::fs::Metadata,
    last_seq: u64,
    last_hash: &str,
) -> Result<State, Unusable> {
    let state = load(incident)?;
    if state.key.last_seq != last_seq
        || state.key.last_hash != last_hash
        || !state.key.matches_meta(meta)
    {
        return Err(Unusable::Stale);
    }
    Ok(state)
}

/// Writes the cache atomically: a new file (mode 0600, like the incident file) renamed over
/// the old one, so a reader sees the old cache or the new one, never a mix. Not fsynced: a
/// cache lost or cut short by a crash fails its checksum and is rebuilt.
pub fn store(incident: &Path, state: &State) -> std::io::Result<()> {
    write_atomic(&path_for(incident), &encode(state))
}

/// Writes `bytes` to a new file (mode 0600, never through a symbolic link) renamed over
/// `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut file: File = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(O_NOFOLLOW)
            .open(&tmp)?;
        file.write_all(bytes)?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Deletes the cache of an incident file, if there is one.
pub fn remove(incident: &Path) {
    let _ = std::fs::remove_file(path_for(incident));
}

/// The version of the team state cache format this build writes and reads.
pub const TEAM_STATE_VERSION: u32 = 1;

/// The first word of a team state cache file.
const TEAM_MAGIC: &str = "breach-team-state";

/// One file of a team incident's directory as a team cache was made from it: its name and
/// what its metadata said before it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileKey {
    /// The file's name in the incident directory (`WRITER.yaml` or `format-1.yaml.orig`).
    pub name: String,
    pub len: u64,
    pub dev: u64,
    pub ino: u64,
    /// Modification and change times, in nanoseconds since 1970.
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

impl FileKey {
    /// The key of the file `name` from its metadata.
    pub fn of(name: &str, meta: &std::fs::Metadata) -> FileKey {
        let key = Key::of(meta, 0, "", 0);
        FileKey {
            name: name.to_string(),
            len: key.len,
            dev: key.dev,
            ino: key.ino,
            mtime_ns: key.mtime_ns,
            ctime_ns: key.ctime_ns,
        }
    }
}

/// What appending to a journal, or naming it in `seen`, needs of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalHead {
    pub writer: String,
    /// How many records it holds (0 for an empty journal).
    pub records: u64,
    /// Its last record's hash and time (`None` for an empty journal).
    pub last_hash: Option<String>,
    pub last_time: Option<DateTime<Utc>>,
    /// Its number of lines (so a new record knows the line it starts on).
    pub lines: usize,
}

/// The cached state of a team incident (format 2): the merged view folded, with the key of
/// every file it was read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamState {
    /// The incident directory (canonical path) the cache is for.
    pub dir: String,
    /// Every journal and, in an upgraded incident, `format-1.yaml.orig`, sorted by name.
    pub files: Vec<FileKey>,
    /// Every journal's head, sorted by writer id.
    pub heads: Vec<JournalHead>,
    /// The first journal's writer id and the hash of its `opened` record.
    pub first_writer: String,
    pub opened_hash: String,
    /// The folded state; its `key` is that of the journal last appended to.
    pub state: State,
}

/// Where the team cache of the incident directory `dir` lives under `root` (a directory
/// of the user's cache, never inside the incident directory, which is shared):
/// `ID-HASH.state`, HASH naming the directory's canonical path.
pub fn team_path_for(root: &Path, dir: &Path) -> PathBuf {
    let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let id = canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let hash = sha256_hex(canonical.as_os_str().as_encoded_bytes());
    root.join(format!("{id}-{}.state", &hash[..16]))
}

/// A team cache file's bytes, in the form of [`encode`] with its own first word.
pub fn encode_team(state: &TeamState) -> Vec<u8> {
    framed(TEAM_MAGIC, TEAM_STATE_VERSION, state)
}

/// Reads a team cache file's bytes back.
pub fn decode_team(bytes: &[u8]) -> Result<TeamState, Unusable> {
    unframed(TEAM_MAGIC, TEAM_STATE_VERSION, bytes)
}

/// Reads the team cache at `path` (never through a symbolic link, never more than
/// [`MAX_STATE_BYTES`]).
pub fn load_team(path: &Path) -> Result<TeamState, Unusable> {
    decode_team(&read_capped(path)?)
}

/// Writes the team cache at `path` atomically, creating its directory (mode 0700) if
/// needed; not fsynced, as [`store`].
pub fn store_team(path: &Path, state: &TeamState) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)?;
    }
    write_atomic(path, &encode_team(state))
}

/// `O_NOFOLLOW` on Linux and the BSDs/macOS.
#[cfg(any(target_os = "linux", target_os = "android"))]
const O_NOFOLLOW: i32 = 0o400000;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const O_NOFOLLOW: i32 = 0x0100;

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn t() -> DateTime<Utc> {
        crate::types::parse_time("2026-11-23T10:15:00Z").unwrap()
    }

    fn sample(meta: &std::fs::Metadata) -> State {
        let stamp = StampState {
            by: "alice".into(),
            at: t(),
            seq: 3,
            event_at: None,
        };
        State {
            key: Key::of(meta, 3, &sha256_hex(b"last"), 40),
            incident_id: "20261123T101500Z-test".into(),
            runbook_sha256: sha256_hex(b"runbook"),
            steps: vec![StepCache {
                id: "contain".into(),
                status: "in_progress".into(),
                items: vec![ItemCache {
                    id: "isolate_systems".into(),
                    checked: true,
                    last: Some(stamp.clone()),
                }],
                answers: vec![AnswerCache {
                    question: "count".into(),
                    value: AnswerValue::Number(12.0),
                    stamp: stamp.clone(),
                }],
                skip_reason: None,
                done_with_open_items: Vec::new(),
                started: Some(stamp.clone()),
                finished: None,
                last_activity: Some(stamp),
            }],
            closed: None,
            actions: vec![ActionCache {
                id: "A1".into(),
                text: "Update the response plan".into(),
                owner: "Dana".into(),
                due: chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
                added: StampState {
                    by: "alice".into(),
                    at: t(),
                    seq: 2,
                    event_at: None,
                },
                done: None,
            }],
            operators: vec!["alice".into()],
            record_count: 4,
            last_activity: t(),
            intake: IntakeCache {
                title: "Test".into(),
                severity: Severity::High,
                detected_at: t(),
                aware_at: t(),
                determined_at: None,
                intake_determined_at: None,
                set_by: BTreeMap::new(),
                pending_override: None,
            },
        }
    }

    fn incident_file(dir: &Path) -> (PathBuf, std::fs::Metadata) {
        let path = dir.join("x.yaml");
        std::fs::write(&path, "---\n").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        (path, meta)
    }

    #[test]
    fn a_stored_state_loads_back_equal_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let (path, meta) = incident_file(dir.path());
        let state = sample(&meta);
        store(&path, &state).unwrap();
        assert_eq!(load(&path), Ok(state.clone()));
        assert_eq!(
            load_matching(&path, &meta, 3, &state.key.last_hash),
            Ok(state)
        );
        let mode = std::fs::metadata(path_for(&path))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // Only the incident and its cache: no temporary file left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn corrupt_or_other_version_caches_are_unusable() {
        let dir = tempfile::tempdir().unwrap();
        let (path, meta) = incident_file(dir.path());
        let good = encode(&sample(&meta));
        let text = String::from_utf8(good.clone()).unwrap();
        let cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            good[..good.len() / 2].to_vec(),
            good[..good.len() - 1].to_vec(),
            // A newer version, and version 2, which lacks the corrected intake facts.
            text.replacen("breach-state 3 ", "breach-state 4 ", 1)
                .into(),
            text.replacen("breach-state 3 ", "breach-state 2 ", 1)
                .into(),
            text.replacen("breach-state", "breach-stat", 1).into(),
            text.replacen("\"checked\":true", "\"checked\":false", 1)
                .into(),
            vec![0xff; 10],
        ];
        for bytes in cases {
            std::fs::write(path_for(&path), &bytes).unwrap();
            assert!(
                matches!(load(&path), Err(Unusable::Corrupt(_))),
                "{:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
        // Every flipped bit of a good cache is caught.
        for i in 0..good.len() {
            let mut bytes = good.clone();
            bytes[i] ^= 0x04;
            assert!(decode(&bytes).is_err(), "flip at {i}");
        }
        std::fs::remove_file(path_for(&path)).unwrap();
        assert_eq!(load(&path), Err(Unusable::Missing));
    }

    #[test]
    fn a_cache_of_another_state_of_the_file_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let (path, meta) = incident_file(dir.path());
        let state = sample(&meta);
        store(&path, &state).unwrap();
        let hash = state.key.last_hash.clone();
        assert_eq!(load_matching(&path, &meta, 4, &hash), Err(Unusable::Stale));
        assert_eq!(
            load_matching(&path, &meta, 3, &sha256_hex(b"other")),
            Err(Unusable::Stale)
        );
        // Rewritten with the same length: the change time moves.
        std::thread::sleep(std::time::Duration::from_millis(5));
        std::fs::write(&path, "--x\n").unwrap();
        let now = std::fs::metadata(&path).unwrap();
        assert_eq!(now.len(), meta.len());
        assert_eq!(load_matching(&path, &now, 3, &hash), Err(Unusable::Stale));
    }

    #[test]
    fn a_symlinked_cache_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let (path, meta) = incident_file(dir.path());
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, encode(&sample(&meta))).unwrap();
        std::os::unix::fs::symlink(&elsewhere, path_for(&path)).unwrap();
        assert_eq!(load(&path), Err(Unusable::Missing));
        // Storing replaces the link itself, never writes through it.
        store(&path, &sample(&meta)).unwrap();
        assert!(
            !std::fs::symlink_metadata(path_for(&path))
                .unwrap()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&elsewhere).unwrap(), encode(&sample(&meta)));
    }
}
