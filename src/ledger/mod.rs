//! The one path of every write, and of every read that needs the incident's state.
//!
//! A write goes, in this order: take the file's exclusive lock ([`journal::file::Locked`]) →
//! read what the check needs (the whole verified chain, or only its first and last record for
//! the kinds whose check depends on nothing else, see [`action::depends_only_on_header`]) →
//! check the action against the incident ([`action::validate`]) → encode
//! ([`journal::format::encode`]) → write and fsync → apply the record to the state in memory.
//! Opening an incident ([`open_incident`]) creates the file with its first record.
//!
//! How records are stored and read is known here and in `journal/` only: commands, the walk
//! and reports ask the ledger.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::{integrity, invalid};
use crate::incident::{self, Incident, action};
use crate::journal::file::{self, Ends, Locked, Scan};
use crate::journal::format;
use crate::journal::record::FORMAT_VERSION;
use crate::journal::record::Override;
use crate::journal::snapshot::{self, Key};
use crate::journal::team::CLOCK_SKEW_SECONDS;
use crate::journal::{Opened, Payload, PinnedRunbook, Record, store};
use crate::runbook::{LoadedRunbook, RunbookSource};
use crate::types::Severity;

/// The problem, if the file's name is not the incident id its `opened` record holds (a
/// copy or a rename): `ID.yaml` must hold incident `ID`.
pub fn name_mismatch(path: &Path, first: &Record) -> Option<String> {
    let Payload::Opened(opened) = &first.payload else {
        return None;
    };
    let stem = path.file_stem()?.to_string_lossy();
    (stem != opened.id).then(|| {
        format!(
            "{}: the file is named `{stem}` but holds incident `{}`; it was copied or renamed",
            path.display(),
            opened.id
        )
    })
}

/// Refuses to write to a file whose name does not match the incident inside it.
fn require_name(path: &Path, first: &Record) -> anyhow::Result<()> {
    match name_mismatch(path, first) {
        Some(problem) => Err(integrity(format!(
            "{problem}; nothing is recorded in it (rename it to {}.yaml, or keep it as a copy)",
            match &first.payload {
                Payload::Opened(o) => o.id.as_str(),
                _ => "ID",
            }
        ))),
        None => Ok(()),
    }
}

/// Folds a scan's verified records into the incident state.
pub fn fold(scan: &Scan) -> anyhow::Result<Incident> {
    if let Some(Payload::Opened(o)) = scan.records.first().map(|r| &r.payload)
        && o.format != FORMAT_VERSION
    {
        return Err(invalid(format!(
            "{}: the incident file is format version {}; an incident kept in one file is version {FORMAT_VERSION} (version 2 is a directory of journals)",
            scan.path.display(),
            o.format
        )));
    }
    incident::fold(&scan.records).map_err(|e| invalid(format!("{}: {e}", scan.path.display())))
}

/// Reads, verifies and folds an incident file; fails unless the chain is intact.
pub fn load(path: &Path) -> anyhow::Result<(Scan, Incident)> {
    if team::is_team(path) {
        return team::load(path);
    }
    let scan = file::read(path)?;
    scan.require_intact()?;
    let mut incident = fold(&scan)?;
    if let Some(problem) = scan.records.first().and_then(|f| name_mismatch(path, f)) {
        incident.warnings.push(problem);
    }
    incident.clock_notes = clock_notes(path, &scan.records);
    Ok((scan, incident))
}

/// The records of a format 1 file whose time is more than [`CLOCK_SKEW_SECONDS`] earlier
/// than the time of the record before it, as `(seq, line)`: the clock went back
/// (docs/incident-file-format.md, section 4, "Times"). `breach` refuses to write such a
/// record; a file written by an earlier release or another program may hold them.
pub fn clock_went_back(records: &[Record]) -> Vec<(u64, usize)> {
    records
        .windows(2)
        .filter(|w| (w[0].time - w[1].time).num_seconds() > CLOCK_SKEW_SECONDS)
        .map(|w| (w[1].seq, w[1].line))
        .collect()
}

/// The sentence for a format 1 file whose clock went back, worded as a team incident's
/// (none when it never did).
pub fn clock_notes(path: &Path, records: &[Record]) -> Vec<String> {
    let back = clock_went_back(records);
    let Some((seq, line)) = back.first() else {
        return Vec::new();
    };
    vec![format!(
        "{}: the clock went back more than {CLOCK_SKEW_SECONDS} seconds at record {seq} (line {line}){}; the chain itself is intact",
        path.display(),
        match back.len() {
            1 => String::new(),
            n => format!(" and {} more times", n - 1),
        }
    )]
}

/// Refuses a record time more than [`CLOCK_SKEW_SECONDS`] earlier than the time of the
/// file's last record (the machine's clock, or `BREACH_NOW`, went back); nothing is written.
fn require_forward(path: &Path, last: DateTime<Utc>, now: DateTime<Utc>) -> anyhow::Result<()> {
    if (last - now).num_seconds() <= CLOCK_SKEW_SECONDS {
        return Ok(());
    }
    let clock = if crate::clock::is_fixed() {
        format!(
            "{} (the clock fixed by {})",
            crate::types::format_utc(now),
            crate::clock::NOW_ENV
        )
    } else {
        crate::types::format_utc(now)
    };
    Err(invalid(format!(
        "{}: the time now is {clock}, but the incident's last record was written at {}: the clock went back; set the clock right and record again (nothing was recorded)",
        path.display(),
        crate::types::format_utc(last)
    )))
}

/// Appends one record. `build` sees the current state (read under the lock) and returns
/// the payload; the payload is checked against that state before anything is written.
/// Returns the written record and the state including it. The record is on disk (written
/// and fsynced) when this returns `Ok`.
///
/// The state comes from the derived state cache when it matches the file (see
/// [`Writer::open`]): then its notes, evidence and notices are empty, as no check reads
/// them; everything else is as a full fold gives it. Use [`load`] for the complete state.
pub fn append(
    path: &Path,
    operator: &str,
    now: DateTime<Utc>,
    build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
) -> anyhow::Result<(Record, Incident)> {
    if team::is_team(path) {
        return team::append(path, operator, now, &team::WriteOptions::default(), build);
    }
    crate::clock::require_unmarked_allowed()?;
    let mut writer = Writer::open(path)?;
    let payload = build(writer.incident())?;
    let record = writer.append(operator, now, payload, true)?;
    Ok((record, writer.into_incident()))
}

/// [`append`], overriding the plausibility checks ([`action::plausibility`]) for the time
/// the record sets, and recording that: an answer is preceded by an `override` record naming
/// the checks, a correction carries them in its `overrode` field. Without problems it is
/// exactly [`append`].
pub fn append_overriding(
    path: &Path,
    operator: &str,
    now: DateTime<Utc>,
    build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
) -> anyhow::Result<(Record, Incident)> {
    if team::is_team(path) {
        return team::append_overriding(path, operator, now, build);
    }
    crate::clock::require_unmarked_allowed()?;
    let mut writer = Writer::open(path)?;
    let payload = build(writer.incident())?;
    let payloads = action::overriding(writer.incident(), payload, now)?;
    // The override and the answer it covers go in one write: neither without the other.
    let mut records = writer.append_batch(operator, now, payloads, true)?;
    let record = records
        .pop()
        .ok_or_else(|| integrity(format!("{}: nothing was written", path.display())))?;
    Ok((record, writer.into_incident()))
}

/// [`append`] with an event time: when what the record says happened, if not now. Only a
/// team incident (format 2) can store one; a format 1 file refuses it.
pub fn append_at(
    path: &Path,
    operator: &str,
    now: DateTime<Utc>,
    at: Option<DateTime<Utc>>,
    build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
) -> anyhow::Result<(Record, Incident)> {
    if team::is_team(path) {
        return team::append(path, operator, now, &team::WriteOptions { at }, build);
    }
    if at.is_some() {
        return Err(invalid(format!(
            "{}: an event time (--at) can only be recorded in a team incident (format 2); `breach upgrade` converts this file",
            path.display()
        )));
    }
    append(path, operator, now, build)
}

/// Appends a record, reading only the file's first and last record when the payload's check
/// depends on nothing else ([`action::depends_only_on_header`]: notes, evidence, notices), so
/// that their cost does not grow with the incident; any other payload goes through
/// [`append`]. `build` sees the state known from the file's ends: the pinned runbook (to
/// look up a template, say) and whether the incident is closed, but no answers or checks.
/// The chain between the ends is not re-verified here; every read and `breach verify` do
/// that.
pub fn append_quick_with(
    path: &Path,
    operator: &str,
    now: DateTime<Utc>,
    build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
) -> anyhow::Result<Record> {
    if team::is_team(path) {
        return team::append(path, operator, now, &team::WriteOptions::default(), build)
            .map(|(r, _)| r);
    }
    crate::clock::require_unmarked_allowed()?;
    let mut locked = Locked::open(path)?;
    let Some(ends) = locked.ends()? else {
        return Err(explain(&mut locked));
    };
    require_name(path, &ends.first)?;
    // With a matching state cache, the append is checked against the whole state and the
    // cache is kept up to date; without one, against the file's ends.
    let mut locked = match Writer::from_cache(locked, &ends) {
        Ok(mut writer) => {
            let payload = build(&writer.incident)?;
            return writer.append(operator, now, payload, true);
        }
        Err(locked) => locked,
    };
    let incident = ends_state(path, &ends)?;
    // An action item after `close` says so (`after_close`), but only the `closed` record
    // itself gives the closing stamp: then the whole file is read.
    let closed_by_action =
        ends.last.payload.ends_closed() && !matches!(ends.last.payload, Payload::Closed(_));
    let payload = build(&incident)?;
    if closed_by_action || !action::depends_only_on_header(&payload) {
        drop(locked);
        return append(path, operator, now, |_| Ok(payload)).map(|(r, _)| r);
    }
    action::validate(&incident, &payload)?;
    crate::clock::require_unmarked_allowed()?;
    require_forward(path, ends.last.time, now)?;
    let seq = ends.last.seq + 1;
    let (text, hash) = format::encode(seq, now, operator, &ends.last.hash, &payload)?;
    locked.write(text.as_bytes(), true)?;
    Ok(Record {
        seq,
        time: now,
        operator: operator.to_string(),
        prev: ends.last.hash,
        hash,
        payload,
        at: None,
        line: 0,
    })
}

/// Appends a batch of records (a directory of evidence) under one lock, with one `write`
/// and one fsync of the file, through the same check and encoding as [`append`]: each
/// payload is checked against the state including the ones before it, and if any is
/// refused nothing is written. The state is read as [`append_quick_with`] reads it (the
/// state cache, else the file's ends when every payload depends only on them, else the
/// whole file), and the state cache is updated once. With `at` (an event time), only a
/// team incident (format 2) is accepted, as for [`append_at`]. The records are on disk when
/// this returns `Ok`; a crash before that can leave a prefix of them followed by at most one
/// incomplete record (a torn tail, docs/incident-file-format.md section 6).
pub fn append_batch(
    path: &Path,
    operator: &str,
    now: DateTime<Utc>,
    at: Option<DateTime<Utc>>,
    payloads: Vec<Payload>,
) -> anyhow::Result<Vec<Record>> {
    if team::is_team(path) {
        return team::append_batch(path, operator, now, &team::WriteOptions { at }, payloads)
            .map(|(records, _)| records);
    }
    if at.is_some() {
        return Err(invalid(format!(
            "{}: an event time (--at) can only be recorded in a team incident (format 2); `breach upgrade` converts this file",
            path.display()
        )));
    }
    if payloads.is_empty() {
        return Ok(Vec::new());
    }
    crate::clock::require_unmarked_allowed()?;
    let mut locked = Locked::open(path)?;
    let Some(ends) = locked.ends()? else {
        return Err(explain(&mut locked));
    };
    require_name(path, &ends.first)?;
    let locked = match Writer::from_cache(locked, &ends) {
        Ok(mut writer) => return writer.append_batch(operator, now, payloads, true),
        Err(locked) => locked,
    };
    let closed_by_action =
        ends.last.payload.ends_closed() && !matches!(ends.last.payload, Payload::Closed(_));
    if closed_by_action || !payloads.iter().all(action::depends_only_on_header) {
        return Writer::open_full(locked)?.append_batch(operator, now, payloads, true);
    }
    // The state of the file's ends: the records' lines are not known (0), and no cache can
    // be keyed on it.
    let mut writer = Writer {
        locked,
        incident: ends_state(path, &ends)?,
        tip: Tip {
            seq: ends.last.seq,
            hash: ends.last.hash.clone(),
            lines: 0,
            time: ends.last.time,
        },
    };
    let mut records = writer.append_batch(operator, now, payloads, false)?;
    for r in &mut records {
        r.line = 0;
    }
    Ok(records)
}

/// The state known from the file's first and last record alone: the intake, the pinned
/// runbook and whether the incident is closed (no answers, checks, notes or evidence). Its
/// cost does not grow with the incident; for a command that needs only that before it
/// appends through [`append_quick_with`].
pub fn load_ends(path: &Path) -> anyhow::Result<Incident> {
    if team::is_team(path) {
        return team::load(path).map(|(_, incident)| incident);
    }
    let mut locked = Locked::open(path)?;
    let Some(ends) = locked.ends()? else {
        return Err(explain(&mut locked));
    };
    ends_state(path, &ends)
}

/// [`load_ends`] from the ends already read.
fn ends_state(path: &Path, ends: &Ends) -> anyhow::Result<Incident> {
    let Payload::Opened(opened) = &ends.first.payload else {
        return Err(integrity(format!(
            "{}: the first record is not `opened`",
            path.display()
        )));
    };
    let mut incident = Incident::from_opened(opened, &ends.first)
        .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
    if matches!(ends.last.payload, Payload::Closed(_)) {
        incident.apply(&ends.last);
    } else if ends.last.payload.ends_closed() {
        // An action item recorded after `close`: the incident is closed, but the ends do not
        // say when; the stamp is the last record's (a full read gives the closing record's).
        incident.closed = Some(crate::incident::Stamp::of(&ends.last));
    }
    Ok(incident)
}

/// The precise error for a file whose first or last record did not verify, read through the
/// handle already holding the lock (a second handle would wait for that lock forever).
fn explain(locked: &mut Locked) -> anyhow::Error {
    let path = locked.path().to_path_buf();
    match locked.scan() {
        Ok((scan, _)) => match scan.require_intact().and_then(|()| fold(&scan).map(drop)) {
            Err(e) => e,
            Ok(()) => integrity(format!(
                "{}: the first or the last record does not verify",
                path.display()
            )),
        },
        Err(e) => e,
    }
}

/// A writing session: the file is locked and its state read once, then any number of
/// records are appended against the state kept in memory. Every append of a record whose
/// check needs the incident's state goes through one.
pub struct Writer {
    locked: Locked,
    incident: Incident,
    tip: Tip,
}

/// The end of the file a writer appends to.
#[derive(Debug, Clone)]
struct Tip {
    seq: u64,
    hash: String,
    /// Lines in the file so far, so each new record knows the line it starts on.
    lines: usize,
    /// The last record's time: a new record's may not be much earlier.
    time: DateTime<Utc>,
}

impl Writer {
    /// Locks the file exclusively and reads its state: from the derived state cache
    /// ([`snapshot`]) when the cache matches the file as it is now (its length, last record,
    /// inode and times) and belongs to its first record, which costs the same at any
    /// length; else by reading, verifying and folding the whole file, after which the
    /// cache is written for the next append. A stale, corrupt or foreign cache is ignored.
    pub fn open(path: &Path) -> anyhow::Result<Writer> {
        let mut locked = Locked::open(path)?;
        match locked.ends()? {
            Some(ends) => {
                match require_name(path, &ends.first).map(|()| Writer::from_cache(locked, &ends))? {
                    Ok(writer) => Ok(writer),
                    Err(locked) => Writer::open_full(locked),
                }
            }
            None => Writer::open_full(locked),
        }
    }

    /// Reads, verifies and folds the whole file under the lock, then writes the cache.
    fn open_full(mut locked: Locked) -> anyhow::Result<Writer> {
        let (scan, lines) = locked.scan()?;
        scan.require_intact()?;
        if let Some(first) = scan.records.first() {
            require_name(locked.path(), first)?;
        }
        let incident = fold(&scan)?;
        let last = scan
            .records
            .last()
            .ok_or_else(|| integrity(format!("{}: no records", locked.path().display())))?;
        let tip = Tip {
            seq: last.seq,
            hash: last.hash.clone(),
            lines,
            time: last.time,
        };
        save_cache(&locked, &incident, &tip);
        Ok(Writer {
            locked,
            incident,
            tip,
        })
    }

    /// The writer whose state comes from a cache matching the file whose ends these are;
    /// the lock back when there is no such cache.
    fn from_cache(locked: Locked, ends: &Ends) -> Result<Writer, Locked> {
        let Ok(meta) = locked.metadata() else {
            return Err(locked);
        };
        let Ok(state) =
            snapshot::load_matching(locked.path(), &meta, ends.last.seq, &ends.last.hash)
        else {
            return Err(locked);
        };
        let Some(incident) = cache::from_cache(&ends.first, &state) else {
            return Err(locked);
        };
        Ok(Writer {
            locked,
            incident,
            tip: Tip {
                seq: state.key.last_seq,
                hash: state.key.last_hash,
                lines: state.key.lines,
                time: ends.last.time,
            },
        })
    }

    /// The current state.
    pub fn incident(&self) -> &Incident {
        &self.incident
    }

    /// The current state, ending the session (and releasing the lock).
    pub fn into_incident(self) -> Incident {
        self.incident
    }

    /// Checks and appends one record. With `sync` the record is fsynced before this
    /// returns (as every command does), and the state cache is updated; without,
    /// durability and the cache are left to [`Writer::sync`].
    pub fn append(
        &mut self,
        operator: &str,
        now: DateTime<Utc>,
        payload: Payload,
        sync: bool,
    ) -> anyhow::Result<Record> {
        let record = write_checked(
            &mut self.locked,
            &mut self.incident,
            &mut self.tip,
            operator,
            now,
            payload,
            sync,
        )?;
        if sync {
            save_cache(&self.locked, &self.incident, &self.tip);
        }
        Ok(record)
    }

    /// Checks and appends the payloads as one batch ([`append_batch`]): all are written
    /// in one call and fsynced, or, if one is refused or the write fails, none is and the
    /// state is as before. With `cache`, the state cache is updated once at the end.
    fn append_batch(
        &mut self,
        operator: &str,
        now: DateTime<Utc>,
        payloads: Vec<Payload>,
        cache: bool,
    ) -> anyhow::Result<Vec<Record>> {
        let before = (self.incident.clone(), self.tip.clone());
        self.locked.begin_batch();
        let mut records = Vec::with_capacity(payloads.len());
        let mut written = Ok(());
        for payload in payloads {
            match write_checked(
                &mut self.locked,
                &mut self.incident,
                &mut self.tip,
                operator,
                now,
                payload,
                false,
            ) {
                Ok(record) => records.push(record),
                Err(e) => {
                    self.locked.abandon_batch();
                    written = Err(e);
                    break;
                }
            }
        }
        if let Err(e) = written.and_then(|()| self.locked.commit_batch()) {
            (self.incident, self.tip) = before;
            return Err(e);
        }
        if cache {
            save_cache(&self.locked, &self.incident, &self.tip);
        }
        Ok(records)
    }

    /// Flushes everything written to stable storage and updates the state cache.
    pub fn sync(&mut self) -> anyhow::Result<()> {
        self.locked.sync()?;
        save_cache(&self.locked, &self.incident, &self.tip);
        Ok(())
    }
}

/// Checks a record against the state, writes it at the tip, applies it.
fn write_checked(
    locked: &mut Locked,
    incident: &mut Incident,
    tip: &mut Tip,
    operator: &str,
    now: DateTime<Utc>,
    payload: Payload,
    sync: bool,
) -> anyhow::Result<Record> {
    action::validate(incident, &payload)?;
    action::check_plausible(incident, &payload, now)?;
    crate::clock::require_unmarked_allowed()?;
    require_forward(locked.path(), tip.time, now)?;
    let seq = tip.seq + 1;
    let (text, hash) = format::encode(seq, now, operator, &tip.hash, &payload)?;
    locked.write(text.as_bytes(), sync)?;
    let record = Record {
        seq,
        time: now,
        operator: operator.to_string(),
        prev: tip.hash.clone(),
        hash: hash.clone(),
        payload,
        at: None,
        line: tip.lines + 1,
    };
    incident.apply(&record);
    tip.seq = seq;
    tip.hash = hash;
    tip.time = now;
    tip.lines += text.bytes().filter(|&b| b == b'\n').count();
    Ok(record)
}

/// The key of the locked file as it is now, with this tip.
fn key_of(locked: &Locked, tip: &Tip) -> anyhow::Result<Key> {
    Ok(Key::of(&locked.metadata()?, tip.seq, &tip.hash, tip.lines))
}

/// Writes the derived state cache for the locked file as it is now. A cache that cannot be
/// written only costs the next append a full read.
fn save_cache(locked: &Locked, incident: &Incident, tip: &Tip) {
    if let Ok(key) = key_of(locked, tip) {
        let _ = snapshot::store(locked.path(), &cache::to_cache(incident, key));
    }
}

/// Where a long-running writer (the walk) left an incident file: the state it holds is the
/// file's state for as long as the file is exactly as it left it. With the key, the time of
/// the file's last record.
#[derive(Debug, Clone)]
pub struct Mark(Option<(Key, DateTime<Utc>)>);

/// Reads, verifies and folds an incident file (the complete state) and marks where the
/// file was, for [`append_held`].
pub fn load_marked(path: &Path) -> anyhow::Result<(Incident, Mark)> {
    if team::is_team(path) {
        // A team incident is read whole at every append (its journals change under it).
        return team::load(path).map(|(_, incident)| (incident, Mark(None)));
    }
    // The walk appends to what this loads: a build that refuses a fixed clock in a format 1
    // file says so before the walk asks anything.
    crate::clock::require_unmarked_allowed()?;
    let writer = Writer::open_full(Locked::open(path)?)?;
    let key = key_of(&writer.locked, &writer.tip)?;
    let time = writer.tip.time;
    Ok((writer.into_incident(), Mark(Some((key, time)))))
}

/// Appends one record against the state the caller holds (from [`load_marked`] or an
/// earlier call), without reading the file, when the file is exactly as the caller left it;
/// when another writer got in, the complete state is read again first. Either way the
/// payload is checked against the file's current state, under the lock, and `incident`
/// includes the record afterwards.
pub fn append_held(
    path: &Path,
    incident: &mut Incident,
    mark: &mut Mark,
    operator: &str,
    now: DateTime<Utc>,
    payload: Payload,
) -> anyhow::Result<Record> {
    if team::is_team(path) {
        let (record, state) =
            team::append(path, operator, now, &team::WriteOptions::default(), |_| {
                Ok(payload)
            })?;
        *incident = state;
        return Ok(record);
    }
    let mut locked = Locked::open(path)?;
    let held = mark
        .0
        .as_ref()
        .filter(|(key, _)| locked.metadata().is_ok_and(|m| key.matches_meta(&m)));
    let mut tip = if let Some((key, time)) = held {
        Tip {
            seq: key.last_seq,
            hash: key.last_hash.clone(),
            lines: key.lines,
            time: *time,
        }
    } else {
        let writer = Writer::open_full(locked)?;
        *incident = writer.incident;
        locked = writer.locked;
        writer.tip
    };
    let record = write_checked(
        &mut locked,
        incident,
        &mut tip,
        operator,
        now,
        payload,
        true,
    );
    if record.is_ok() {
        save_cache(&locked, incident, &tip);
    }
    *mark = Mark(Some((key_of(&locked, &tip)?, tip.time)));
    record
}

/// The intake: everything needed to open an incident, already resolved.
#[derive(Debug, Clone)]
pub struct Intake {
    pub title: String,
    pub severity: Severity,
    pub detected_at: DateTime<Utc>,
    /// When it became known that personal data was affected. Default: the detection time.
    pub aware_at: Option<DateTime<Utc>>,
    pub determined_at: Option<DateTime<Utc>>,
    /// Record the times even if the plausibility checks refuse them (the override is
    /// recorded right after the opening record).
    pub override_checks: bool,
}

impl Intake {
    /// The intake's times, for the plausibility checks.
    pub fn times(&self) -> crate::incident::checks::Times {
        crate::incident::checks::Times {
            detected: Some(self.detected_at),
            aware: Some(self.aware_at.unwrap_or(self.detected_at)),
            determined: self.determined_at,
            ..Default::default()
        }
    }

    /// What the plausibility checks find wrong with the intake's times at `now`, by fact
    /// (`detected`, `aware`, `determined`); only the facts with problems are listed.
    pub fn problems(&self, now: DateTime<Utc>) -> Vec<(&'static str, Vec<String>)> {
        use crate::incident::checks::{TimeFact, problems};
        let times = self.times();
        [
            ("detected", TimeFact::Detected),
            ("aware", TimeFact::Aware),
            ("determined", TimeFact::Determined),
        ]
        .into_iter()
        .fold(
            Vec::new(),
            |mut out: Vec<(&'static str, Vec<String>)>, (name, fact)| {
                // A contradiction is found from both of its facts; it belongs to the first.
                let found: Vec<String> = problems(&times, fact, now)
                    .into_iter()
                    .filter(|p| !out.iter().any(|(_, seen)| seen.contains(p)))
                    .collect();
                if !found.is_empty() {
                    out.push((name, found));
                }
                out
            },
        )
    }
}

/// Checks a title typed by the operator; returns it trimmed.
pub fn check_title(title: &str) -> anyhow::Result<String> {
    crate::incident::action::check_title_text(title)
}

/// Creates the incident file in `dir` with its opening record, which pins the runbook.
/// Intake times that fail the plausibility checks are refused unless the intake overrides
/// them; an override is recorded right after the opening record. Returns the file's path and
/// the state.
pub fn open_incident(
    dir: &Path,
    loaded: &LoadedRunbook,
    intake: &Intake,
    operator: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<(PathBuf, Incident)> {
    crate::clock::require_unmarked_allowed()?;
    let problems = intake.problems(now);
    if !problems.is_empty() && !intake.override_checks {
        return Err(action::implausible(
            problems.into_iter().flat_map(|(_, found)| found).collect(),
        ));
    }
    let (path, record) = file::create(dir, opening(loaded, intake, now), operator, now)?;
    if problems.is_empty() {
        let incident = incident::fold(std::slice::from_ref(&record))
            .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
        return Ok((path, incident));
    }
    let mut writer = Writer::open(&path)?;
    let count = problems.len();
    for (i, (fact, checks)) in problems.into_iter().enumerate() {
        writer.append(
            operator,
            now,
            Payload::Override(Override {
                fact: fact.to_string(),
                checks,
            }),
            i + 1 == count,
        )?;
    }
    Ok((path, writer.into_incident()))
}

/// Creates a version 2 incident (a directory of journals, see [`team`]) in `dir`; this
/// device's journal is its first journal. Returns the incident directory and the state.
/// Intake times that fail the plausibility checks are refused unless the intake overrides
/// them; the overrides are then recorded right after the opening record, as in
/// [`open_incident`].
pub fn open_team_incident(
    dir: &Path,
    loaded: &LoadedRunbook,
    intake: &Intake,
    operator: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<(PathBuf, Incident)> {
    let problems = intake.problems(now);
    if !problems.is_empty() && !intake.override_checks {
        return Err(action::implausible(
            problems.into_iter().flat_map(|(_, found)| found).collect(),
        ));
    }
    let (path, incident) = team::open_incident(dir, opening(loaded, intake, now), operator, now)?;
    if problems.is_empty() {
        return Ok((path, incident));
    }
    // The overrides follow the opening record, as in a format 1 incident, in one write.
    let overrides = problems
        .into_iter()
        .map(|(fact, checks)| {
            Payload::Override(Override {
                fact: fact.to_string(),
                checks,
            })
        })
        .collect();
    let (_, incident) = team::append_batch(
        &path,
        operator,
        now,
        &team::WriteOptions::default(),
        overrides,
    )?;
    Ok((path, incident))
}

/// The opening record of a new incident: the intake and the pinned runbook.
fn opening(loaded: &LoadedRunbook, intake: &Intake, now: DateTime<Utc>) -> Opened {
    Opened {
        format: FORMAT_VERSION,
        id: store::incident_id(now, &intake.title),
        title: intake.title.clone(),
        severity: intake.severity,
        detected_at: intake.detected_at,
        // Awareness never defaults to the opening time: the legal clocks that run from it
        // (GDPR's 72 hours) would start late by however long it took to open the incident.
        aware_at: intake.aware_at.unwrap_or(intake.detected_at),
        determined_at: intake.determined_at,
        runbook: PinnedRunbook {
            id: loaded.runbook.id.clone(),
            title: loaded.runbook.title.clone(),
            source: match &loaded.source {
                RunbookSource::File(p) => p.display().to_string(),
                _ => "built-in".to_string(),
            },
            sha256: format::sha256_hex(loaded.text.as_bytes()),
            text: loaded.text.clone(),
        },
        upgraded_from: None,
    }
}

mod cache;
#[cfg(test)]
mod cache_tests;
pub mod team;
#[cfg(test)]
mod tests;
