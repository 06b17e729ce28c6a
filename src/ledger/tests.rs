//! Tests of the appends that read only the first and last record, and of `Writer`.

use std::path::Path;

use super::*;
use crate::journal::file::ChainStatus;
use crate::journal::record::{Closed, Note};
use crate::types::Severity;

fn t(s: &str) -> chrono::DateTime<chrono::Utc> {
    crate::types::parse_time(s).unwrap()
}

fn new_incident(dir: &Path) -> std::path::PathBuf {
    let text = crate::runbook::builtin::get("ecommerce-breach").unwrap();
    let opened = Opened {
        format: FORMAT_VERSION,
        id: "20261123T101500Z-test".into(),
        title: "Test".into(),
        severity: Severity::High,
        detected_at: t("2026-11-23T10:00:00Z"),
        aware_at: t("2026-11-23T10:15:00Z"),
        determined_at: None,
        runbook: PinnedRunbook {
            id: "ecommerce-breach".into(),
            title: "x".into(),
            source: "built-in".into(),
            sha256: super::format::sha256_hex(text.as_bytes()),
            text: text.into(),
        },
        upgraded_from: None,
    };
    file::create(dir, opened, "alice", t("2026-11-23T10:15:00Z"))
        .unwrap()
        .0
}

fn note(text: &str) -> Payload {
    Payload::Note(Note {
        text: text.into(),
        step: None,
    })
}

#[test]
fn quick_appends_chain_exactly_like_full_appends() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path());
    for i in 0..20 {
        let p = note(&format!("note {i}\nwith --- and\n---\ninside"));
        let r = if i % 2 == 0 {
            append_quick_with(&path, "bob", t("2026-11-23T11:00:00Z"), |_| Ok(p)).unwrap()
        } else {
            append(&path, "bob", t("2026-11-23T11:00:00Z"), |_| Ok(p))
                .unwrap()
                .0
        };
        assert_eq!(r.seq, i + 1);
    }
    let scan = file::read(&path).unwrap();
    assert_eq!(scan.status, ChainStatus::Intact);
    assert_eq!(scan.records.len(), 21);
}

#[test]
fn quick_appends_work_on_files_smaller_than_the_read_window() {
    let dir = tempfile::tempdir().unwrap();
    let text = "breach_runbook: 1\nid: tiny\ntitle: Tiny\nsteps:\n  - {id: one, title: One, owner: me, guidance: Do it.}\n";
    let opened = Opened {
        format: FORMAT_VERSION,
        id: "20261123T101500Z-tiny".into(),
        title: "Tiny".into(),
        severity: Severity::Low,
        detected_at: t("2026-11-23T10:00:00Z"),
        aware_at: t("2026-11-23T10:15:00Z"),
        determined_at: None,
        runbook: PinnedRunbook {
            id: "tiny".into(),
            title: "Tiny".into(),
            source: "test".into(),
            sha256: super::format::sha256_hex(text.as_bytes()),
            text: text.into(),
        },
        upgraded_from: None,
    };
    let path = file::create(dir.path(), opened, "alice", t("2026-11-23T10:15:00Z"))
        .unwrap()
        .0;
    for i in 0..5 {
        let r = append_quick_with(&path, "bob", t("2026-11-23T11:00:00Z"), |_| {
            Ok(note(&format!("n{i}")))
        })
        .unwrap();
        assert_eq!(r.seq, i + 1);
    }
    assert!(std::fs::metadata(&path).unwrap().len() < 16 * 1024);
    let scan = file::read(&path).unwrap();
    assert_eq!((scan.status, scan.records.len()), (ChainStatus::Intact, 6));
}

#[test]
fn quick_append_checks_the_step_and_refuses_closed_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path());
    let bad = Payload::Note(Note {
        text: "x".into(),
        step: Some("nope".into()),
    });
    let err = append_quick_with(&path, "bob", t("2026-11-23T11:00:00Z"), |_| Ok(bad)).unwrap_err();
    assert_eq!(
        crate::error::status_of(&err),
        crate::error::ExitStatus::NotFound
    );
    append(&path, "bob", t("2026-11-23T11:00:00Z"), |_| {
        Ok(Payload::Closed(Closed::default()))
    })
    .unwrap();
    let err = append_quick_with(&path, "bob", t("2026-11-23T11:00:00Z"), |_| {
        Ok(note("late"))
    })
    .unwrap_err();
    assert_eq!(
        crate::error::status_of(&err),
        crate::error::ExitStatus::Conflict
    );
    assert_eq!(
        file::read(&path).unwrap().records.len(),
        2,
        "nothing appended"
    );
}

#[test]
fn quick_append_refuses_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path());
    append_quick_with(&path, "bob", t("2026-11-23T11:00:00Z"), |_| Ok(note("one"))).unwrap();
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("---\nseq: 2\ntime: 2026-");
    std::fs::write(&path, &text).unwrap();
    let err = append_quick_with(&path, "bob", t("2026-11-23T11:00:00Z"), |_| Ok(note("two")))
        .unwrap_err();
    assert_eq!(
        crate::error::status_of(&err),
        crate::error::ExitStatus::Integrity
    );
    assert_eq!(
        crate::error::topic_of(&err),
        Some(&crate::error::Topic::TornTail),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "nothing appended"
    );
}

#[test]
fn a_writer_appends_many_records_against_its_own_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path());
    let mut w = Writer::open(&path).unwrap();
    for i in 0..50 {
        w.append(
            "carol",
            t("2026-11-23T12:00:00Z"),
            note(&format!("n{i}")),
            i % 10 == 0,
        )
        .unwrap();
    }
    let check = Payload::Check(crate::journal::record::Check {
        step: "contain".into(),
        item: "isolate_systems".into(),
        checked: true,
    });
    w.append("carol", t("2026-11-23T12:00:00Z"), check.clone(), false)
        .unwrap();
    assert!(
        w.append("carol", t("2026-11-23T12:00:00Z"), check, false)
            .is_err(),
        "already checked"
    );
    w.sync().unwrap();
    drop(w);
    let (scan, inc) = load(&path).unwrap();
    assert_eq!(scan.records.len(), 52);
    assert_eq!(inc.notes.len(), 50);
    assert!(
        inc.step("contain")
            .unwrap()
            .item("isolate_systems")
            .unwrap()
            .checked
    );
}

#[test]
fn no_write_path_accepts_a_time_more_than_the_skew_before_the_last_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path());
    let back = t("2026-11-23T10:12:59Z");
    let within = t("2026-11-23T10:13:00Z");
    let len = std::fs::metadata(&path).unwrap().len();
    let refused = |e: anyhow::Error| {
        assert_eq!(
            crate::error::status_of(&e),
            crate::error::ExitStatus::InvalidInput
        );
        assert!(e.to_string().contains("the clock went back"), "{e}");
    };
    refused(append_quick_with(&path, "bob", back, |_| Ok(note("quick"))).unwrap_err());
    refused(append(&path, "bob", back, |_| Ok(note("full"))).unwrap_err());
    refused(append_batch(&path, "bob", back, None, vec![evidence(1), evidence(2)]).unwrap_err());
    let (mut inc, mut mark) = load_marked(&path).unwrap();
    refused(append_held(&path, &mut inc, &mut mark, "walker", back, note("held")).unwrap_err());
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        len,
        "nothing written"
    );
    // The held time follows each append: the walk is held to its own last record.
    append_held(&path, &mut inc, &mut mark, "walker", within, note("ok")).unwrap();
    refused(
        append_held(
            &path,
            &mut inc,
            &mut mark,
            "walker",
            t("2026-11-23T10:10:59Z"),
            note("x"),
        )
        .unwrap_err(),
    );
    // With a state cache written by a full append, the cached path is held to it too.
    append(&path, "bob", t("2026-11-23T11:00:00Z"), |_| {
        Ok(note("later"))
    })
    .unwrap();
    refused(append(&path, "bob", within, |_| Ok(note("cached"))).unwrap_err());
    refused(append_quick_with(&path, "bob", within, |_| Ok(note("cached quick"))).unwrap_err());
    refused(append_batch(&path, "bob", within, None, vec![evidence(3)]).unwrap_err());
    let mut writer = Writer::open(&path).unwrap();
    writer
        .append("bob", t("2026-11-23T11:00:00Z"), note("a"), true)
        .unwrap();
    refused(writer.append("bob", within, note("b"), true).unwrap_err());
}

fn evidence(i: usize) -> Payload {
    Payload::Evidence(crate::journal::EvidenceEntry {
        path: format!("/srv/www/logs/access-{i}.log"),
        sha256: format!("{i:064x}"),
        size: i as u64,
        modified: None,
        copy: Some(format!(
            "20261123T101500Z-test.evidence/logs/access-{i}.log"
        )),
        note: Some("web server logs".into()),
    })
}

#[test]
fn one_batch_is_one_write_and_one_fsync_with_and_without_the_state_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path());
    let now = t("2026-11-23T11:00:00Z");
    // No state cache yet: the batch is checked against the file's ends.
    assert!(!snapshot::path_for(&path).exists());
    file::io_count::take();
    let records = append_batch(&path, "bob", now, None, (0..300).map(evidence).collect()).unwrap();
    assert_eq!(file::io_count::take(), (1, 1), "one write, one fsync");
    assert_eq!(
        records.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=300).collect::<Vec<_>>()
    );
    // A stateful append builds the cache; the next batch is checked against it, and
    // updates it once.
    append(&path, "bob", now, |_| Ok(note("cache"))).unwrap();
    assert!(snapshot::path_for(&path).exists());
    file::io_count::take();
    let records =
        append_batch(&path, "bob", now, None, (300..600).map(evidence).collect()).unwrap();
    assert_eq!(file::io_count::take(), (1, 1), "one write, one fsync");
    assert_eq!(records.first().map(|r| r.seq), Some(302));
    assert_eq!(records.last().map(|r| r.seq), Some(601));

    let scan = file::read(&path).unwrap();
    assert_eq!(scan.status, ChainStatus::Intact);
    assert_eq!(scan.records.len(), 602);
    for (r, written) in records.iter().zip(&scan.records[302..]) {
        assert_eq!(
            (r.seq, &r.hash, &r.payload),
            (written.seq, &written.hash, &written.payload)
        );
    }
    let (_, incident) = load(&path).unwrap();
    assert_eq!(incident.evidence.len(), 600);
    // The cache the batch left matches the file: the next writer uses it as it is.
    let writer = Writer::open(&path).unwrap();
    assert_eq!(writer.incident().record_count, 602);
}

#[test]
fn a_refused_payload_in_a_batch_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_incident(dir.path());
    let now = t("2026-11-23T11:00:00Z");
    append(&path, "bob", now, |_| Ok(note("cache"))).unwrap();
    let before = std::fs::read(&path).unwrap();
    file::io_count::take();
    let batch = vec![evidence(1), note(""), evidence(2)];
    append_batch(&path, "bob", now, None, batch).unwrap_err();
    assert_eq!(file::io_count::take(), (0, 0));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // An empty batch writes nothing either; an event time needs a team incident.
    assert!(
        append_batch(&path, "bob", now, None, Vec::new())
            .unwrap()
            .is_empty()
    );
    append_batch(&path, "bob", now, Some(now), vec![evidence(3)]).unwrap_err();
    assert_eq!(file::io_count::take(), (0, 0));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // After the refusal the writer's state is still right: a batch appends after it.
    let records = append_batch(&path, "bob", now, None, vec![evidence(4), evidence(5)]).unwrap();
    assert_eq!(
        records.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert_eq!(file::read(&path).unwrap().status, ChainStatus::Intact);
}
