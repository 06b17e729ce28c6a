//! Tests of the derived state cache in the write path: what it holds equals the fold, the
//! checks refuse exactly as without it, and a stale, corrupt or foreign cache is ignored and
//! rebuilt.

use std::path::Path;

use super::*;
use crate::error::{ExitStatus, status_of};
use crate::journal::record::{Check, Closed, Note, StepChange, StepOutcome};
use crate::journal::{Answer, EvidenceEntry};
use crate::types::{AnswerValue, Severity};

fn t() -> chrono::DateTime<chrono::Utc> {
    crate::types::parse_time("2026-11-23T11:00:00Z").unwrap()
}

fn new_incident(dir: &Path, title: &str) -> PathBuf {
    let text = crate::runbook::builtin::get("ecommerce-breach").unwrap();
    let opened = Opened {
        format: FORMAT_VERSION,
        id: format!("20261123T101500Z-{title}"),
        title: title.into(),
        severity: Severity::High,
        detected_at: t(),
        aware_at: t(),
        determined_at: None,
        runbook: PinnedRunbook {
            id: "ecommerce-breach".into(),
            title: "x".into(),
            source: "built-in".into(),
            sha256: format::sha256_hex(text.as_bytes()),
            text: text.into(),
        },
        upgraded_from: None,
    };
    file::create(dir, opened, "alice", t()).unwrap().0
}

fn check(step: &str, item: &str, checked: bool) -> Payload {
    Payload::Check(Check {
        step: step.into(),
        item: item.into(),
        checked,
    })
}

fn step(step: &str, outcome: StepOutcome) -> Payload {
    Payload::Step(StepChange {
        step: step.into(),
        outcome,
        reason: (outcome == StepOutcome::Skipped).then(|| "not needed".to_string()),
        open_items: Vec::new(),
    })
}

fn add(path: &Path, who: &str, payload: Payload) -> anyhow::Result<Record> {
    append(path, who, t(), |_| Ok(payload)).map(|(r, _)| r)
}

/// A mix of every kind of record, through the commands' append paths.
fn fill(path: &Path) {
    let answer = |q: &str, value| {
        Payload::Answer(Answer {
            step: "assess".into(),
            question: q.into(),
            value,
        })
    };
    add(path, "bob", check("contain", "isolate_systems", true)).unwrap();
    add(path, "bob", check("contain", "isolate_systems", false)).unwrap();
    add(path, "carol", check("contain", "isolate_systems", true)).unwrap();
    add(
        path,
        "bob",
        answer("personal_data", AnswerValue::Bool(true)),
    )
    .unwrap();
    add(
        path,
        "bob",
        answer("affected_customers", AnswerValue::Count(1200)),
    )
    .unwrap();
    add(path, "bob", step("notify", StepOutcome::Skipped)).unwrap();
    // Corrected intake facts are part of what the checks read.
    let amend = |fact: &str, value: &str| {
        Payload::Amended(crate::journal::record::Amended {
            fact: fact.into(),
            value: AnswerValue::Text(value.into()),
            reason: "corrected".into(),
            overrode: Vec::new(),
        })
    };
    add(path, "carol", amend("title", "Renamed")).unwrap();
    add(path, "carol", amend("severity", "critical")).unwrap();
    add(path, "carol", amend("determined", "2026-11-23T11:00:00Z")).unwrap();
    let note = Payload::Note(Note {
        text: "about containment".into(),
        step: Some("contain".into()),
    });
    append_quick_with(path, "dave", t(), |_| Ok(note)).unwrap();
    let evidence = Payload::Evidence(EvidenceEntry {
        path: "/srv/log".into(),
        sha256: format::sha256_hex(b"log"),
        size: 3,
        modified: None,
        copy: None,
        note: None,
    });
    append_quick_with(path, "bob", t(), |_| Ok(evidence)).unwrap();
}

/// The writer opened from the cache, or `None` when the cache does not match.
fn from_cache(path: &Path) -> Option<Writer> {
    let mut locked = Locked::open(path).unwrap();
    let ends = locked.ends().unwrap()?;
    Writer::from_cache(locked, &ends).ok()
}

/// What the cache holds of a state.
fn cached_part(inc: &Incident) -> State {
    let key = Key {
        len: 0,
        last_seq: 0,
        last_hash: String::new(),
        lines: 0,
        dev: 0,
        ino: 0,
        mtime_ns: 0,
        ctime_ns: 0,
    };
    cache::to_cache(inc, key)
}

use crate::journal::snapshot::State;

#[test]
fn the_state_from_the_cache_is_the_folded_state_but_for_the_growing_lists() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path(), "a");
    fill(&path);
    let (_, folded) = load(&path).unwrap();
    let writer = from_cache(&path).expect("the appends keep the cache up to date");
    let cached = writer.incident();
    assert_eq!(cached_part(cached), cached_part(&folded));
    assert_eq!(cached.steps, folded.steps);
    assert_eq!(
        (
            cached.closed.clone(),
            cached.record_count,
            cached.last_activity
        ),
        (
            folded.closed.clone(),
            folded.record_count,
            folded.last_activity
        )
    );
    assert_eq!(cached.operators, ["alice", "bob", "carol", "dave"]);
    assert!(cached.notes.is_empty() && cached.evidence.is_empty());
    assert_eq!(folded.notes.len(), 1);
    drop(writer);
    // The line numbers of records written from the cache are right.
    let before = file::read(&path).unwrap().records.len();
    let r = add(&path, "bob", check("contain", "isolate_systems", false)).unwrap();
    let scan = file::read(&path).unwrap();
    assert_eq!(scan.records.len(), before + 1);
    assert_eq!(scan.records.last().unwrap().line, r.line);
}

#[test]
fn the_checks_refuse_with_the_cache_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path(), "a");
    fill(&path);
    let refused = |payload: Payload, status: ExitStatus| {
        assert!(from_cache(&path).is_some(), "the cache is in place");
        let before = std::fs::read(&path).unwrap();
        let err = add(&path, "bob", payload.clone()).unwrap_err();
        assert_eq!(status_of(&err), status, "{payload:?}: {err}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "nothing written");
    };
    refused(
        check("contain", "isolate_systems", true),
        ExitStatus::Conflict,
    );
    refused(check("contain", "no_such_item", true), ExitStatus::NotFound);
    refused(check("no_such_step", "x", true), ExitStatus::NotFound);
    refused(step("notify", StepOutcome::Skipped), ExitStatus::Conflict);
    refused(step("contain", StepOutcome::Reopened), ExitStatus::Conflict);
    add(&path, "bob", step("notify", StepOutcome::Reopened)).unwrap();
    add(&path, "bob", Payload::Closed(Closed::default())).unwrap();
    refused(
        check("contain", "isolate_systems", false),
        ExitStatus::Conflict,
    );
    let note = Payload::Note(Note {
        text: "late".into(),
        step: None,
    });
    assert!(from_cache(&path).is_some());
    let err = append_quick_with(&path, "bob", t(), |_| Ok(note)).unwrap_err();
    assert_eq!(status_of(&err), ExitStatus::Conflict);
}

#[test]
fn a_stale_corrupt_foreign_or_deleted_cache_is_ignored_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path(), "a");
    fill(&path);
    let cache_path = snapshot::path_for(&path);

    // Stale: a record appended behind the cache's back (a writer that does not know it).
    let (scan, _) = load(&path).unwrap();
    let last = scan.records.last().unwrap();
    let (text, _) = format::encode(
        last.seq + 1,
        t(),
        "eve",
        &last.hash,
        &check("contain", "isolate_systems", false),
    )
    .unwrap();
    Locked::open(&path)
        .unwrap()
        .write(text.as_bytes(), true)
        .unwrap();
    assert!(from_cache(&path).is_none(), "stale");
    // The check sees the record the cache did not: the item is unchecked now.
    add(&path, "bob", check("contain", "isolate_systems", true)).unwrap();
    assert!(from_cache(&path).is_some(), "rebuilt");

    // Corrupt.
    std::fs::write(&cache_path, b"breach-state 3 junk\n{}\n").unwrap();
    assert!(from_cache(&path).is_none(), "corrupt");
    add(&path, "bob", check("contain", "isolate_systems", false)).unwrap();
    assert!(from_cache(&path).is_some(), "rebuilt");

    // Foreign: another incident's cache under this incident's key.
    let other = new_incident(dir.path(), "b");
    add(&other, "bob", check("contain", "isolate_systems", true)).unwrap();
    let mut theirs = snapshot::load(&other).unwrap();
    theirs.key = snapshot::load(&path).unwrap().key;
    snapshot::store(&path, &theirs).unwrap();
    assert!(from_cache(&path).is_none(), "foreign");
    // Their item is checked, ours is not: checking ours is accepted.
    add(&path, "bob", check("contain", "isolate_systems", true)).unwrap();
    assert_eq!(
        snapshot::load(&path).unwrap().incident_id,
        "20261123T101500Z-a"
    );

    // Deleted: nothing changes but speed.
    std::fs::remove_file(&cache_path).unwrap();
    let err = add(&path, "bob", check("contain", "isolate_systems", true)).unwrap_err();
    assert_eq!(status_of(&err), ExitStatus::Conflict);
    assert!(cache_path.exists(), "rebuilt by the full read");
    assert_eq!(file::read(&path).unwrap().status, file::ChainStatus::Intact);
}

#[test]
fn an_edit_of_the_same_length_makes_the_cache_stale_and_the_append_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path(), "a");
    fill(&path);
    assert!(from_cache(&path).is_some());
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen("operator: carol", "operator: karol", 1);
    assert_eq!(edited.len(), text.len());
    std::fs::write(&path, &edited).unwrap();
    assert!(from_cache(&path).is_none());
    let err = add(&path, "bob", check("contain", "isolate_systems", false)).unwrap_err();
    assert_eq!(status_of(&err), ExitStatus::Integrity);
}

#[test]
fn a_held_state_is_reloaded_only_when_another_writer_got_in() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path(), "a");
    let (mut inc, mut mark) = load_marked(&path).unwrap();
    append_held(
        &path,
        &mut inc,
        &mut mark,
        "walker",
        t(),
        check("contain", "isolate_systems", true),
    )
    .unwrap();
    // The file is as the walk left it: its state is used as held (a state altered in memory
    // shows it, which a reload would have undone).
    inc.steps[0].skip_reason = Some("held".into());
    let note = Payload::Note(Note {
        text: "n".into(),
        step: None,
    });
    append_held(&path, &mut inc, &mut mark, "walker", t(), note).unwrap();
    assert_eq!(inc.steps[0].skip_reason.as_deref(), Some("held"));
    assert_eq!(inc.notes.len(), 1, "the held state is complete");
    // Another writer unchecks the item: the walk's next append reads the file again, and
    // its check sees that.
    add(&path, "bob", check("contain", "isolate_systems", false)).unwrap();
    append_held(
        &path,
        &mut inc,
        &mut mark,
        "walker",
        t(),
        check("contain", "isolate_systems", true),
    )
    .unwrap();
    assert_eq!(inc.steps[0].skip_reason, None, "reloaded");
    assert_eq!(inc.record_count, 5);
    let folded = load(&path).unwrap().1;
    assert_eq!(inc.steps, folded.steps);
    assert_eq!(inc.notes, folded.notes);
}

#[test]
fn a_correction_is_seen_by_the_next_check_through_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path(), "a");
    let amend = |fact: &str, value: &str| {
        Payload::Amended(crate::journal::record::Amended {
            fact: fact.into(),
            value: AnswerValue::Text(value.into()),
            reason: "corrected".into(),
            overrode: Vec::new(),
        })
    };
    // Detected and aware at 11:00 (the time of every append here).
    add(&path, "bob", amend("aware", "2026-11-23T10:30:00Z")).expect_err("before detection");
    add(&path, "bob", amend("detected", "2026-11-23T10:00:00Z")).unwrap();
    let writer = from_cache(&path).expect("the cache is up to date");
    assert_eq!(
        writer.incident().detected_at,
        crate::types::parse_time("2026-11-23T10:00:00Z").unwrap()
    );
    drop(writer);
    // Accepted only because the check, reading the cache, sees the corrected detection.
    add(&path, "bob", amend("aware", "2026-11-23T10:30:00Z")).unwrap();
    let (_, folded) = load(&path).unwrap();
    assert_eq!(
        folded.aware_at,
        crate::types::parse_time("2026-11-23T10:30:00Z").unwrap()
    );
}
