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
use crate::journal::file::{self, Locked, Scan};
use crate::journal::format;
use crate::journal::record::FORMAT_VERSION;
use crate::journal::{Opened, Payload, PinnedRunbook, Record, store};
use crate::runbook::{LoadedRunbook, RunbookSource};
use crate::types::Severity;

/// Folds a scan's verified records into the incident state.
pub fn fold(scan: &Scan) -> anyhow::Result<Incident> {
    incident::fold(&scan.records).map_err(|e| invalid(format!("{}: {e}", scan.path.display())))
}

/// Reads, verifies and folds an incident file; fails unless the chain is intact.
pub fn load(path: &Path) -> anyhow::Result<(Scan, Incident)> {
    let scan = file::read(path)?;
    scan.require_intact()?;
    let incident = fold(&scan)?;
    Ok((scan, incident))
}

/// Appends one record. `build` sees the current state (read under the lock) and returns
/// the payload; the payload is checked against that state before anything is written.
/// Returns the written record and the state including it. The record is on disk (written
/// and fsynced) when this returns `Ok`.
pub fn append(
    path: &Path,
    operator: &str,
    now: DateTime<Utc>,
    build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
) -> anyhow::Result<(Record, Incident)> {
    let mut writer = Writer::open(path)?;
    let payload = build(writer.incident())?;
    let record = writer.append(operator, now, payload, true)?;
    Ok((record, writer.into_incident()))
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
    let mut locked = Locked::open(path)?;
    let Some(ends) = locked.ends()? else {
        return Err(explain(&mut locked));
    };
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
    }
    let payload = build(&incident)?;
    if !action::depends_only_on_header(&payload) {
        drop(locked);
        return append(path, operator, now, |_| Ok(payload)).map(|(r, _)| r);
    }
    action::validate(&incident, &payload)?;
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
        line: 0,
    })
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

/// A writing session: the file is locked and read once, then any number of records are
/// appended against the state kept in memory. Every append of a record whose check needs
/// the incident's state goes through one.
pub struct Writer {
    locked: Locked,
    incident: Incident,
    last_seq: u64,
    last_hash: String,
    /// Lines in the file so far, so each new record knows the line it starts on.
    lines: usize,
}

impl Writer {
    /// Locks the file exclusively and reads, verifies and folds it.
    pub fn open(path: &Path) -> anyhow::Result<Writer> {
        let mut locked = Locked::open(path)?;
        let (scan, lines) = locked.scan()?;
        scan.require_intact()?;
        let incident = fold(&scan)?;
        let last = scan
            .records
            .last()
            .ok_or_else(|| integrity(format!("{}: no records", path.display())))?;
        Ok(Writer {
            last_seq: last.seq,
            last_hash: last.hash.clone(),
            lines,
            locked,
            incident,
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
    /// returns (as every command does); without, durability is left to [`Writer::sync`].
    pub fn append(
        &mut self,
        operator: &str,
        now: DateTime<Utc>,
        payload: Payload,
        sync: bool,
    ) -> anyhow::Result<Record> {
        action::validate(&self.incident, &payload)?;
        let seq = self.last_seq + 1;
        let (text, hash) = format::encode(seq, now, operator, &self.last_hash, &payload)?;
        self.locked.write(text.as_bytes(), sync)?;
        let record = Record {
            seq,
            time: now,
            operator: operator.to_string(),
            prev: self.last_hash.clone(),
            hash: hash.clone(),
            payload,
            line: self.lines + 1,
        };
        self.incident.apply(&record);
        self.last_seq = seq;
        self.last_hash = hash;
        self.lines += text.bytes().filter(|&b| b == b'\n').count();
        Ok(record)
    }

    /// Flushes everything written to stable storage.
    pub fn sync(&mut self) -> anyhow::Result<()> {
        self.locked.sync()
    }
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
}

/// Checks a title typed by the operator; returns it trimmed.
pub fn check_title(title: &str) -> anyhow::Result<String> {
    let t = title.trim();
    if t.is_empty() {
        return Err(invalid("the incident title cannot be empty"));
    }
    if let Some(c) = t.chars().find(|c| c.is_control()) {
        return Err(invalid(format!(
            "the incident title holds a control character ({}); a title is one line of plain text",
            c.escape_unicode()
        )));
    }
    if t.len() > 500 {
        return Err(invalid(format!(
            "the incident title is {} bytes long; at most 500 are allowed",
            t.len()
        )));
    }
    Ok(t.to_string())
}

/// Creates the incident file in `dir` with its opening record, which pins the runbook.
/// Returns the file's path and the state.
pub fn open_incident(
    dir: &Path,
    loaded: &LoadedRunbook,
    intake: &Intake,
    operator: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<(PathBuf, Incident)> {
    if intake.detected_at > now {
        return Err(invalid(format!(
            "the detection time {} is in the future",
            crate::types::format_utc(intake.detected_at)
        )));
    }
    if let Some(aware) = intake.aware_at.filter(|t| *t > now) {
        return Err(invalid(format!(
            "the awareness time {} is in the future",
            crate::types::format_utc(aware)
        )));
    }
    let opened = Opened {
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
    };
    let (path, record) = file::create(dir, opened, operator, now)?;
    let incident = incident::fold(std::slice::from_ref(&record))
        .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
    Ok((path, incident))
}

#[cfg(test)]
mod tests;
