//! Incident files as storage: reading and verifying the chain, creating a file, the locked
//! handle that appends go through ([`Locked`]), the tail reader, and repair. Nothing here
//! knows what records mean: checking a record against the incident's state is the ledger's
//! (`crate::ledger`).
//!
//! A record is written in one `write` call and fsynced before it is reported as written, so
//! a crash can leave at most one torn record at the end of the file, which `verify` reports
//! and `verify --repair` moves aside.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::format::{self, DecodeError, GENESIS};
use super::record::{Opened, Payload, Record};
use crate::error::{BreachError, Topic, about, integrity, invalid};

/// The largest incident file `breach` reads, in bytes (far above any real incident: a
/// 100,000-record incident is about 40 MB).
pub const MAX_INCIDENT_BYTES: u64 = 256 * 1024 * 1024;

/// What is wrong with a chain, at the first record that is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// The record's bytes do not match its hash: it was edited.
    Edited,
    /// Sequence numbers jump: one or more records were deleted.
    Missing,
    /// A sequence number goes backwards or repeats: records were reordered or duplicated.
    Reordered,
    /// The record's `prev` is not the previous record's hash: the record before it was
    /// replaced, or records were spliced.
    Unlinked,
    /// The text is not a record at all.
    Malformed,
}

impl BreakKind {
    /// A short word for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakKind::Edited => "edited",
            BreakKind::Missing => "missing records",
            BreakKind::Reordered => "reordered",
            BreakKind::Unlinked => "chain broken",
            BreakKind::Malformed => "malformed",
        }
    }
}

/// Where and how a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Break {
    /// The position of the bad record in the file (0-based).
    pub index: usize,
    /// The sequence number the record should have had.
    pub expected_seq: u64,
    /// The 1-based line where the bad record starts.
    pub line: usize,
    pub kind: BreakKind,
    /// A sentence saying what is wrong.
    pub detail: String,
}

/// The integrity of a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ChainStatus {
    /// Every record verifies and links to the one before.
    Intact,
    /// Every record verifies, but the file ends with an incomplete record (a write was cut
    /// short by a crash). The incomplete record was never acknowledged.
    TornTail { line: usize, bytes: usize },
    /// A record in the file does not verify.
    Broken(Break),
}

/// An incident file, read and verified.
#[derive(Debug, Clone)]
pub struct Scan {
    pub path: PathBuf,
    /// The records that verify, in order (all of them when intact).
    pub records: Vec<Record>,
    /// Records after a break that could still be parsed (not verified), for reports.
    pub unverified: Vec<Record>,
    /// Bytes of the verified prefix.
    pub good_len: usize,
    pub status: ChainStatus,
}

impl Scan {
    /// The last verified record's hash (the genesis value for an empty file).
    pub fn last_hash(&self) -> &str {
        self.records.last().map_or(GENESIS, |r| r.hash.as_str())
    }

    /// An error if the chain is not intact, naming the first bad record.
    pub fn require_intact(&self) -> anyhow::Result<()> {
        let path = self.path.display();
        match &self.status {
            ChainStatus::Intact => Ok(()),
            ChainStatus::TornTail { line, .. } => Err(about(
                Topic::TornTail,
                BreachError::Integrity(format!(
                    "{path}: the last record (line {line}) is incomplete, probably cut short by a crash"
                )),
            )),
            ChainStatus::Broken(b) => Err(about(
                Topic::ChainBroken,
                BreachError::Integrity(format!(
                    "{path}: record {} (line {}) is {}: {}",
                    b.expected_seq,
                    b.line,
                    b.kind.as_str(),
                    b.detail
                )),
            )),
        }
    }
}

/// Verifies a file's text.
pub fn scan_text(path: &Path, text: &str) -> Scan {
    let mut scan = Scan {
        path: path.to_path_buf(),
        records: Vec::new(),
        unverified: Vec::new(),
        good_len: 0,
        status: ChainStatus::Intact,
    };
    let parts = format::chunks(text);
    let count = parts.len();
    let mut prev = GENESIS.to_string();
    for (index, (line, chunk)) in parts.into_iter().enumerate() {
        if !matches!(scan.status, ChainStatus::Intact) {
            if let Ok(r) = format::decode(chunk, line) {
                scan.unverified.push(r);
            } else if let Some(r) = decode_lenient(chunk, line) {
                scan.unverified.push(r);
            }
            continue;
        }
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
        if !(chunk.starts_with("---\n") || index + 1 == count && "---\n".starts_with(chunk)) {
            scan.status = broken(
                BreakKind::Malformed,
                "text that is not a record (records start with a `---` line)".into(),
            );
            continue;
        }
        match format::decode(chunk, line) {
            Err(DecodeError::Incomplete) if index + 1 == count => {
                scan.status = ChainStatus::TornTail {
                    line,
                    bytes: chunk.len(),
                };
            }
            Err(DecodeError::Incomplete) => {
                scan.status = broken(BreakKind::Edited, "it has no valid `hash:` line".into());
            }
            Err(DecodeError::HashMismatch { stored, computed }) => {
                scan.status = broken(
                    BreakKind::Edited,
                    format!("its content hashes to {computed} but it says {stored}"),
                );
            }
            Err(DecodeError::Malformed(e)) => {
                scan.status = broken(BreakKind::Malformed, e);
            }
            Ok(r) if r.seq > expected_seq => {
                let detail = if r.seq == expected_seq + 1 {
                    format!(
                        "record {expected_seq} is missing (found record {} here)",
                        r.seq
                    )
                } else {
                    format!(
                        "records {expected_seq} to {} are missing (found record {} here)",
                        r.seq - 1,
                        r.seq
                    )
                };
                scan.status = broken(BreakKind::Missing, detail);
                scan.unverified.push(r);
            }
            Ok(r) if r.seq < expected_seq => {
                scan.status = broken(
                    BreakKind::Reordered,
                    format!("found record {} where record {expected_seq} belongs", r.seq),
                );
                scan.unverified.push(r);
            }
            Ok(r) if r.prev != prev => {
                scan.status = broken(
                    BreakKind::Unlinked,
                    format!(
                        "its `prev` does not match the hash of record {}",
                        expected_seq.saturating_sub(1)
                    ),
                );
                scan.unverified.push(r);
            }
            Ok(r) => {
                prev = r.hash.clone();
                scan.good_len += chunk.len();
                scan.records.push(r);
            }
        }
    }
    scan
}

/// Parses a record without checking its hash (for reporting on a broken file).
fn decode_lenient(chunk: &str, line: usize) -> Option<Record> {
    let (hashed, _) = format::split_hash(chunk)?;
    let fixed = format!("{hashed}hash: {}\n", format::sha256_hex(hashed.as_bytes()));
    format::decode(&fixed, line).ok()
}

/// Refuses symlinks and non-files, so nothing is read or written through a link.
pub(super) fn check_regular(path: &Path) -> anyhow::Result<std::fs::Metadata> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            crate::error::not_found(format!("incident file {} does not exist", path.display()))
        } else {
            anyhow::Error::new(e).context(format!("cannot read {}", path.display()))
        }
    })?;
    if meta.file_type().is_symlink() {
        return Err(invalid(format!(
            "{} is a symbolic link; breach only reads and writes incident files directly",
            path.display()
        )));
    }
    if !meta.is_file() {
        return Err(invalid(format!("{} is not a regular file", path.display())));
    }
    if meta.len() > MAX_INCIDENT_BYTES {
        return Err(BreachError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit: MAX_INCIDENT_BYTES,
            what: "incident file",
        }
        .into());
    }
    Ok(meta)
}

pub(super) fn read_bytes(file: &mut File, path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    Read::by_ref(file)
        .take(MAX_INCIDENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > MAX_INCIDENT_BYTES {
        return Err(BreachError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit: MAX_INCIDENT_BYTES,
            what: "incident file",
        }
        .into());
    }
    Ok(bytes)
}

/// Verifies a file's bytes. A write cut short by a crash can end in the middle of a
/// multi-byte character: those last bytes belong to the torn record, so they are counted
/// in the torn tail rather than making the whole file unreadable. Any other invalid UTF-8
/// means the file was damaged.
pub fn scan_bytes(path: &Path, bytes: &[u8]) -> anyhow::Result<Scan> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        // `error_len() == None`: the bytes end inside an incomplete character.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(e) => {
            return Err(integrity(format!(
                "{}: not valid UTF-8 at byte {}; incident files are UTF-8 text, so it was damaged or is not an incident file",
                path.display(),
                e.valid_up_to()
            )));
        }
    };
    let cut = bytes.len() - text.len();
    let mut scan = scan_text(path, text);
    if cut > 0 {
        match &mut scan.status {
            ChainStatus::TornTail { bytes, .. } => *bytes += cut,
            ChainStatus::Intact => {
                scan.status = ChainStatus::Broken(Break {
                    index: scan.records.len(),
                    expected_seq: scan.records.len() as u64,
                    line: text.lines().count() + 1,
                    kind: BreakKind::Malformed,
                    detail: "bytes after the last record that are not a record".into(),
                });
            }
            ChainStatus::Broken(_) => {}
        }
    }
    Ok(scan)
}

/// Reads and verifies an incident file (a shared lock keeps a concurrent append out).
pub fn read(path: &Path) -> anyhow::Result<Scan> {
    check_regular(path)?;
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    super::lock::acquire(&file, path, super::lock::Mode::Shared)?;
    let bytes = read_bytes(&mut file, path)?;
    scan_bytes(path, &bytes)
}

/// An incident file opened for appending and held under the exclusive lock until dropped.
/// Everything that writes to an existing incident file goes through one of these.
pub struct Locked {
    file: File,
    path: PathBuf,
    /// Records written during a batch ([`Locked::begin_batch`]), not yet in the file.
    batch: Option<Vec<u8>>,
}

/// The first and the last record of a file, read without the records between.
#[derive(Debug, Clone)]
pub struct Ends {
    pub first: Record,
    pub last: Record,
}

impl Locked {
    /// Opens an incident file for appending (never through a symlink) and takes the
    /// exclusive lock, waiting for another writer to finish.
    pub fn open(path: &Path) -> anyhow::Result<Locked> {
        Ok(Locked {
            file: open_locked(path)?,
            path: path.to_path_buf(),
            batch: None,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads and verifies the whole file. Returns the scan and the number of lines.
    pub fn scan(&mut self) -> anyhow::Result<(Scan, usize)> {
        let bytes = read_bytes(&mut self.file, &self.path)?;
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        Ok((scan_bytes(&self.path, &bytes)?, lines))
    }

    /// The whole file's bytes, read through the locked handle.
    pub fn read_all(&mut self) -> anyhow::Result<Vec<u8>> {
        read_bytes(&mut self.file, &self.path)
    }

    /// The current length of the file in bytes.
    pub fn size(&self) -> anyhow::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// The file's metadata, read through the locked handle (for the state cache's key).
    pub fn metadata(&self) -> anyhow::Result<std::fs::Metadata> {
        Ok(self.file.metadata()?)
    }

    /// The file's tail reader: the first and the last record, each verified on its own
    /// (not the chain between them). `None` if either does not verify; a full
    /// [`Locked::scan`] then says what is wrong.
    pub fn ends(&mut self) -> anyhow::Result<Option<Ends>> {
        let size = self.size()?;
        let first = read_first(&mut self.file, size)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        let last = read_last(&mut self.file, size)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        Ok(first.zip(last).map(|(first, last)| Ends { first, last }))
    }

    /// Writes one encoded record in a single call, fsyncing it when `sync`. On failure the
    /// file is cut back to where it was, so it still ends with a complete record.
    /// During a batch ([`Locked::begin_batch`]) the record is only kept in memory, to be
    /// written with the others by [`Locked::commit_batch`].
    pub fn write(&mut self, bytes: &[u8], sync: bool) -> anyhow::Result<()> {
        if let Some(batch) = &mut self.batch {
            batch.extend_from_slice(bytes);
            return Ok(());
        }
        write_record(&mut self.file, bytes, &self.path, sync)
    }

    /// Starts a batch: the records written until [`Locked::commit_batch`] reach the file
    /// together, in one `write` call and one fsync.
    pub fn begin_batch(&mut self) {
        self.batch = Some(Vec::new());
    }

    /// Forgets the records of the batch; the file is as it was when the batch began.
    pub fn abandon_batch(&mut self) {
        self.batch = None;
    }

    /// Writes the batch's records in one call and fsyncs them (nothing when the batch is
    /// empty). On failure the file is cut back to where it was, as for [`Locked::write`]; a
    /// crash during the call can leave a prefix of the batch's records followed by at most
    /// one incomplete record, a torn tail.
    pub fn commit_batch(&mut self) -> anyhow::Result<()> {
        match self.batch.take() {
            Some(bytes) if !bytes.is_empty() => {
                write_record(&mut self.file, &bytes, &self.path, true)
            }
            _ => Ok(()),
        }
    }

    /// Flushes everything written to stable storage.
    pub fn sync(&mut self) -> anyhow::Result<()> {
        self.file.sync_data()?;
        Ok(())
    }
}

/// Opens an incident file for appending (never through a symlink) and takes the exclusive
/// lock.
fn open_locked(path: &Path) -> anyhow::Result<File> {
    check_regular(path)?;
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .custom_flags(O_NOFOLLOW)
        .open(path)
        .with_context(|| format!("cannot open {} for writing", path.display()))?;
    super::lock::acquire(&file, path, super::lock::Mode::Exclusive)?;
    Ok(file)
}

/// `O_NOFOLLOW` on Linux and the BSDs/macOS: opening a symlink fails instead of following it.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) const O_NOFOLLOW: i32 = 0o400000;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) const O_NOFOLLOW: i32 = 0x0100;

/// Writes one record in a single call, fsyncing it when `sync`. On failure the file is cut
/// back to where it was, so it still ends with a complete record.
fn write_record(file: &mut File, bytes: &[u8], path: &Path, sync: bool) -> anyhow::Result<()> {
    #[cfg(test)]
    io_count::WRITES.with(|c| c.set(c.get() + 1));
    #[cfg(test)]
    if sync {
        io_count::SYNCS.with(|c| c.set(c.get() + 1));
    }
    let before = file.metadata()?.len();
    let result = file
        .write_all(bytes)
        .and_then(|()| if sync { file.sync_data() } else { Ok(()) });
    if let Err(e) = result {
        // Take back a partial write (a full disk, a file-size limit); if even that fails,
        // `verify --repair` will.
        let _ = file.set_len(before).and_then(|()| file.sync_data());
        return Err(anyhow::Error::new(e).context(format!(
            "could not write the record to {}; nothing was recorded",
            path.display()
        )));
    }
    Ok(())
}

/// How many record writes and fsyncs this thread made, for the unit tests that count them
/// (each test runs in a thread of its own).
#[cfg(test)]
pub(crate) mod io_count {
    use std::cell::Cell;

    thread_local! {
        /// Calls of the one function that writes records to an incident file or journal.
        pub(crate) static WRITES: Cell<usize> = const { Cell::new(0) };
        /// Of those, the ones that fsynced.
        pub(crate) static SYNCS: Cell<usize> = const { Cell::new(0) };
    }

    /// The writes and fsyncs so far, resetting both to zero.
    pub(crate) fn take() -> (usize, usize) {
        (WRITES.with(|c| c.replace(0)), SYNCS.with(|c| c.replace(0)))
    }
}

/// Creates the incident directory if missing (mode 0700).
pub fn ensure_dir(dir: &Path) -> anyhow::Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(dir) {
        if meta.is_dir() {
            return Ok(());
        }
        if meta.file_type().is_symlink() && dir.is_dir() {
            return Ok(());
        }
        return Err(invalid(format!(
            "{} exists and is not a directory",
            dir.display()
        )));
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create the incident directory {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = File::open(parent).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Creates a new incident file holding the `opened` record. `opened.id` names the file;
/// if that name is taken, `-2`, `-3`, ... is appended to the id. Returns the path and the
/// written record.
pub fn create(
    dir: &Path,
    mut opened: Opened,
    operator: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<(PathBuf, Record)> {
    ensure_dir(dir)?;
    let base = opened.id.clone();
    for attempt in 1..=1000u32 {
        if attempt > 1 {
            opened.id = format!("{base}-{attempt}");
        }
        let path = dir.join(format!("{}.yaml", opened.id));
        let payload = Payload::Opened(Box::new(opened.clone()));
        let (text, hash) = format::encode(0, now, operator, GENESIS, &payload)?;
        let mut file = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(O_NOFOLLOW)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(
                    anyhow::Error::new(e).context(format!("cannot create {}", path.display()))
                );
            }
        };
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        if let Err(e) = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
        {
            drop(file);
            let _ = std::fs::remove_file(&path);
            return Err(anyhow::Error::new(e).context(format!(
                "cannot write {}; no incident was created",
                path.display()
            )));
        }
        File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("cannot sync {}", dir.display()))?;
        let record = Record {
            seq: 0,
            time: now,
            operator: operator.to_string(),
            prev: GENESIS.into(),
            hash,
            payload,
            at: None,
            line: 1,
        };
        return Ok((path, record));
    }
    Err(crate::error::conflict(format!(
        "too many incidents named {base} in {}",
        dir.display()
    )))
}

/// What `repair` did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Repair {
    /// Where the torn bytes were moved.
    pub moved_to: PathBuf,
    pub bytes: usize,
    /// Records kept.
    pub records: usize,
}

/// Moves a torn final record into a side file and truncates the incident file to its last
/// good record. Returns `None` if the file is intact; refuses a file broken before its end.
pub fn repair(path: &Path, now: DateTime<Utc>) -> anyhow::Result<Option<Repair>> {
    check_regular(path)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(O_NOFOLLOW)
        .open(path)
        .with_context(|| format!("cannot open {} for repair", path.display()))?;
    super::lock::acquire(&file, path, super::lock::Mode::Exclusive)?;
    let raw = read_bytes(&mut file, path)?;
    let scan = scan_bytes(path, &raw)?;
    match &scan.status {
        ChainStatus::Intact => Ok(None),
        ChainStatus::Broken(_) => {
            scan.require_intact()?;
            Ok(None)
        }
        ChainStatus::TornTail { bytes, .. } => move_tail(
            &mut file,
            path,
            &raw[scan.good_len..],
            *bytes,
            scan.records.len(),
            now,
        )
        .map(Some),
    }
}

/// Moves a torn final record of a journal (version 2: the verified prefix is `good_len`
/// bytes, `records` records) into a side file and truncates the journal, as [`repair`].
pub fn cut_tail(
    path: &Path,
    good_len: usize,
    bytes: usize,
    records: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<Repair> {
    check_regular(path)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(O_NOFOLLOW)
        .open(path)
        .with_context(|| format!("cannot open {} for repair", path.display()))?;
    file.lock()
        .with_context(|| format!("cannot lock {}", path.display()))?;
    let raw = read_bytes(&mut file, path)?;
    if raw.len() != good_len + bytes {
        return Err(crate::error::conflict(format!(
            "{} changed while it was being repaired; run the repair again",
            path.display()
        )));
    }
    move_tail(&mut file, path, &raw[good_len..], bytes, records, now)
}

/// Writes `tail` to a side file next to `path` and truncates the locked `file` before it.
fn move_tail(
    file: &mut File,
    path: &Path,
    tail: &[u8],
    bytes: usize,
    records: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<Repair> {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut side = path.with_file_name(format!("{name}.torn-{stamp}"));
    let mut n = 1;
    while side.exists() {
        n += 1;
        side = path.with_file_name(format!("{name}.torn-{stamp}-{n}"));
    }
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&side)?;
    out.write_all(tail)?;
    out.sync_all()?;
    let keep = file.metadata()?.len() - tail.len() as u64;
    file.set_len(keep)?;
    file.sync_all()?;
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(Repair {
        moved_to: side,
        bytes,
        records,
    })
}

/// The last record of an incident file, verified on its own, read through the same tail
/// reader as appends; `None` if the file cannot be read or does not end with a record.
pub fn last_record(path: &Path) -> Option<Record> {
    check_regular(path).ok()?;
    let mut file = File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    read_last(&mut file, size).ok().flatten()
}

/// Reads `len` bytes at `offset`.
fn read_at(file: &mut File, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0; len];
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(&mut buf)?;
    Ok(buf)
}

/// Reads the first record, growing the window until it is complete. `None` if it does not
/// verify as the opening record of a chain.
fn read_first(file: &mut File, size: u64) -> std::io::Result<Option<Record>> {
    let mut window = 64 * 1024u64;
    loop {
        let len = window.min(size);
        let bytes = read_at(file, 0, len as usize)?;
        let text = String::from_utf8_lossy(&bytes);
        let parts = format::chunks(&text);
        // Complete when a second record starts in the window, or the window is the file.
        if parts.len() >= 2 || len == size {
            let (line, chunk) = parts.first().copied().unwrap_or((1, ""));
            return Ok(format::decode(chunk, line)
                .ok()
                .filter(|r| r.seq == 0 && r.prev == GENESIS));
        }
        window *= 2;
    }
}

/// Reads the last record, growing the window until a record boundary is inside it. `None`
/// if no complete record verifies at the end.
fn read_last(file: &mut File, size: u64) -> std::io::Result<Option<Record>> {
    let mut window = 16 * 1024u64;
    loop {
        let start = size.saturating_sub(window);
        let bytes = read_at(file, start, (size - start) as usize)?;
        let text = String::from_utf8_lossy(&bytes);
        // A record starts at a `---` line; at a window start that is not the file start, the
        // first partial line cannot count.
        let boundary = text
            .rfind("\n---\n")
            .map(|i| i + 1)
            .or_else(|| (start == 0 && text.starts_with("---\n")).then_some(0));
        if let Some(at) = boundary {
            return Ok(format::decode(&text[at..], 0).ok());
        }
        if start == 0 {
            return Ok(None);
        }
        window *= 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::Note;

    fn two_records() -> String {
        let t = crate::types::parse_time("2026-11-23T10:15:00Z").unwrap();
        let note = |text: &str| {
            Payload::Note(Note {
                text: text.into(),
                step: None,
            })
        };
        let (a, h) = format::encode(0, t, "a", GENESIS, &note("first")).unwrap();
        let (b, _) = format::encode(1, t, "a", &h, &note("ünïcödé ✓")).unwrap();
        format!("{a}{b}")
    }

    #[test]
    fn a_write_cut_inside_a_character_is_a_torn_tail() {
        let text = two_records();
        let cut = text.find('✓').unwrap() + 1;
        let bytes = &text.as_bytes()[..cut];
        assert!(std::str::from_utf8(bytes).is_err());
        let scan = scan_bytes(Path::new("x.yaml"), bytes).unwrap();
        let first_len = text.find("---\nseq: 1").unwrap();
        assert_eq!(scan.records.len(), 1);
        assert_eq!(
            scan.status,
            ChainStatus::TornTail {
                line: text[..first_len].lines().count() + 1,
                bytes: cut - first_len,
            }
        );
    }

    #[test]
    fn invalid_utf8_elsewhere_is_damage() {
        let mut bytes = two_records().into_bytes();
        bytes[10] = 0xff;
        let err = scan_bytes(Path::new("x.yaml"), &bytes).unwrap_err();
        assert!(err.to_string().contains("not valid UTF-8"), "{err}");
        let mut bytes = two_records().into_bytes();
        bytes.push(0xc3);
        let scan = scan_bytes(Path::new("x.yaml"), &bytes).unwrap();
        assert!(matches!(scan.status, ChainStatus::Broken(_)), "{scan:?}");
    }
}
