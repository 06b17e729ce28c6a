//! Tests of the state cache of team incidents in the write path: the state it gives equals
//! a full read's after every append, and a journal that grew, arrived or was edited, a
//! deleted, corrupt or foreign cache each mean a full read that gives the right state.

use super::*;
use crate::error::{ExitStatus, status_of};
use crate::journal::record::{Amended, Check, Note, StepChange, StepOutcome};
use crate::journal::{Answer, EvidenceEntry, PinnedRunbook};
use crate::types::{AnswerValue, Severity};

fn t() -> DateTime<Utc> {
    crate::types::parse_time("2026-11-23T11:00:00Z").unwrap()
}

/// A team incident opened by alice with the e-commerce runbook, in `parent`.
fn new_incident(parent: &Path, title: &str) -> PathBuf {
    let text = crate::runbook::builtin::get("ecommerce-breach").unwrap();
    let opened = Opened {
        format: TEAM_FORMAT_VERSION,
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
    open_incident(parent, opened, "alice", t()).unwrap().0
}

/// Where the tests keep the cache of `dir`.
fn cache_of(dir: &Path) -> PathBuf {
    snapshot::team_path_for(&dir.parent().unwrap().join(".cache"), dir)
}

/// Appends `payload` as `who` (the device `who@HOST`), through the cache (`cached`) or not.
fn add_with(dir: &Path, cached: bool, who: &str, payload: Payload) -> anyhow::Result<Incident> {
    add_at(dir, cached, who, None, payload)
}

/// [`add_with`] with an event time (`--at`).
fn add_at(
    dir: &Path,
    cached: bool,
    who: &str,
    at: Option<DateTime<Utc>>,
    payload: Payload,
) -> anyhow::Result<Incident> {
    let cache = cached.then(|| cache_of(dir));
    write_many_cached(
        dir,
        cache.as_deref(),
        who,
        t(),
        &WriteOptions { at },
        |_| Ok(vec![payload]),
        true,
    )
    .map(|(_, incident)| incident)
}

fn add(dir: &Path, who: &str, payload: Payload) -> anyhow::Result<Incident> {
    add_with(dir, true, who, payload)
}

/// The state from the cache as `who`'s next append would get it, or `None` when the cache
/// does not match the incident as it is now.
fn from_cache(dir: &Path, who: &str) -> Option<Incident> {
    let own = OwnJournal::open(dir, &team::writer_id(who).unwrap()).unwrap();
    cached(dir, &cache_of(dir), &own).map(|(_, incident)| incident)
}

/// What the cache holds of a state (the key left out).
fn part(incident: &Incident) -> snapshot::State {
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
    cache::to_cache(incident, key)
}

/// The state of a full, checked read of every journal.
fn folded(dir: &Path) -> Incident {
    load(dir).unwrap().1
}

fn check(item: &str, checked: bool) -> Payload {
    Payload::Check(Check {
        step: "contain".into(),
        item: item.into(),
        checked,
    })
}

fn answer(question: &str, value: AnswerValue) -> Payload {
    Payload::Answer(Answer {
        step: "assess".into(),
        question: question.into(),
        value,
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

fn note(text: &str) -> Payload {
    Payload::Note(Note {
        text: text.into(),
        step: Some("contain".into()),
    })
}

/// A mix of every kind of record the checks read, each valid after the ones before it.
fn mix(round: usize) -> Vec<Payload> {
    let amend = |fact: &str, value: String| {
        Payload::Amended(Amended {
            fact: fact.into(),
            value: AnswerValue::Text(value),
            reason: "corrected".into(),
            overrode: Vec::new(),
        })
    };
    vec![
        check("isolate_systems", true),
        answer("personal_data", AnswerValue::Bool(round.is_multiple_of(2))),
        note(&format!("round {round}")),
        answer("affected_customers", AnswerValue::Count(100 + round as u64)),
        check("isolate_systems", false),
        step("notify", StepOutcome::Skipped),
        amend("title", format!("Renamed {round}")),
        Payload::Evidence(EvidenceEntry {
            path: format!("/srv/log-{round}"),
            sha256: format::sha256_hex(round.to_string().as_bytes()),
            size: 3,
            modified: None,
            copy: None,
            note: None,
        }),
        step("notify", StepOutcome::Reopened),
        amend("severity", ["critical", "high"][round % 2].into()),
    ]
}

#[test]
fn appends_through_the_cache_give_the_state_of_a_full_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_incident(tmp.path(), "a");
    let who = ["alice", "bob", "carol"];
    let mut n = 0;
    for round in 0..4 {
        for payload in mix(round) {
            // The writers take turns: each device's append finds the cache the previous
            // one, on another journal, left.
            let by = who[n % who.len()];
            n += 1;
            let through_cache = from_cache(&dir, by);
            assert_eq!(through_cache.is_some(), n > 3, "append {n}: cache in place");
            // Every other record says when it happened: the stamps keep the event time.
            let at = (n % 2 == 0).then(|| t() - chrono::TimeDelta::minutes(n as i64));
            let after = add_at(&dir, true, by, at, payload.clone()).unwrap();
            let full = folded(&dir);
            assert_eq!(part(&after), part(&full), "append {n}: {payload:?}");
            let next = from_cache(&dir, by).expect("the append wrote the cache");
            assert_eq!(part(&next), part(&full), "cache after append {n}");
        }
    }
    assert_eq!(folded(&dir).record_count, 1 + n as u64);
    let with_event_times = part(&folded(&dir))
        .steps
        .iter()
        .flat_map(|s| s.answers.iter().map(|a| &a.stamp))
        .filter(|stamp| stamp.event_at.is_some())
        .count();
    assert!(
        with_event_times > 0,
        "the mix sets event times in the stamps"
    );
    // The records written from the cache form journals that verify, with the lines they
    // say they are on.
    let c = check_dir(&dir);
    for j in &c.journals {
        let text = std::fs::read_to_string(&j.path).unwrap();
        for e in &j.entries {
            let line = text.lines().nth(e.record.line - 1).unwrap();
            assert_eq!(line, "---", "{}: record {}", j.name(), e.record.seq);
        }
    }
}

fn check_dir(dir: &Path) -> Checked {
    let c = super::check(dir, None).unwrap();
    assert!(c.ok(), "{:?}", c.problems);
    c
}

#[test]
fn the_checks_refuse_through_the_cache_as_without_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_incident(tmp.path(), "a");
    add(&dir, "alice", check("isolate_systems", true)).unwrap();
    add(&dir, "bob", step("notify", StepOutcome::Skipped)).unwrap();
    for (payload, status) in [
        (check("isolate_systems", true), ExitStatus::Conflict),
        (check("no_such_item", true), ExitStatus::NotFound),
        (step("notify", StepOutcome::Skipped), ExitStatus::Conflict),
    ] {
        for cached in [true, false] {
            assert!(from_cache(&dir, "bob").is_some());
            let before = check_dir(&dir).records();
            let err = add_with(&dir, cached, "bob", payload.clone()).unwrap_err();
            assert_eq!(status_of(&err), status, "{payload:?}: {err}");
            assert_eq!(check_dir(&dir).records(), before, "nothing written");
        }
    }
}

/// Copies `from`'s journal files into `to` where they are longer (a file sync).
fn sync_journals(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dst = to.join(entry.file_name());
        let bytes = std::fs::read(entry.path()).unwrap();
        if std::fs::read(&dst).map_or(0, |b| b.len()) < bytes.len() {
            std::fs::write(&dst, bytes).unwrap();
        }
    }
}

#[test]
fn a_journal_that_grew_arrived_or_was_edited_means_a_full_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_incident(tmp.path(), "a");
    add(&dir, "alice", check("isolate_systems", true)).unwrap();
    add(&dir, "bob", note("bob was here")).unwrap();
    assert!(from_cache(&dir, "alice").is_some());

    // Grew elsewhere: bob unchecks the item on another machine, and his journal arrives
    // by file sync. The cache no longer matches; alice's check of the item, refused by the
    // cached state, is accepted by the full read.
    let other = tempfile::tempdir().unwrap();
    let copy = other.path().join(dir.file_name().unwrap());
    std::fs::create_dir(&copy).unwrap();
    sync_journals(&dir, &copy);
    add_with(&copy, false, "bob", check("isolate_systems", false)).unwrap();
    sync_journals(&copy, &dir);
    assert!(from_cache(&dir, "alice").is_none(), "grew");
    let after = add(&dir, "alice", check("isolate_systems", true)).unwrap();
    assert_eq!(part(&after), part(&folded(&dir)));
    assert!(from_cache(&dir, "alice").is_some(), "rebuilt");

    // Grew on this machine, by a writer that keeps no cache.
    add_with(&dir, false, "bob", check("isolate_systems", false)).unwrap();
    assert!(from_cache(&dir, "alice").is_none(), "grew here");
    let after = add(&dir, "alice", check("isolate_systems", true)).unwrap();
    assert_eq!(part(&after), part(&folded(&dir)));

    // A new journal: dave's first record arrives by sync.
    add_with(
        &copy,
        false,
        "dave",
        answer("personal_data", AnswerValue::Bool(true)),
    )
    .unwrap();
    sync_journals(&copy, &dir);
    assert!(from_cache(&dir, "alice").is_none(), "new journal");
    let after = add(&dir, "alice", note("after dave")).unwrap();
    assert_eq!(part(&after), part(&folded(&dir)));
    assert_eq!(after.operators, ["alice", "bob", "dave"]);

    // Edited in place, keeping the length: the full read finds it, and nothing is written.
    assert!(from_cache(&dir, "alice").is_some());
    let bob = team::journal_path(&dir, &team::writer_id("bob").unwrap());
    let text = std::fs::read_to_string(&bob).unwrap();
    let edited = text.replacen("bob was here", "bob was gone", 1);
    assert_eq!(edited.len(), text.len());
    std::fs::write(&bob, &edited).unwrap();
    assert!(from_cache(&dir, "alice").is_none(), "edited");
    let err = add(&dir, "alice", note("refused")).unwrap_err();
    assert_eq!(status_of(&err), ExitStatus::Integrity, "{err}");
}

#[test]
fn a_deleted_corrupt_or_foreign_cache_means_a_full_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_incident(tmp.path(), "a");
    add(&dir, "alice", check("isolate_systems", true)).unwrap();
    add(
        &dir,
        "bob",
        answer("affected_customers", AnswerValue::Count(7)),
    )
    .unwrap();
    let path = cache_of(&dir);

    // Deleted.
    std::fs::remove_file(&path).unwrap();
    assert!(from_cache(&dir, "alice").is_none());
    let after = add(&dir, "alice", check("isolate_systems", false)).unwrap();
    assert_eq!(part(&after), part(&folded(&dir)));
    assert!(from_cache(&dir, "alice").is_some(), "rebuilt");

    // Corrupt: cut short, a flipped byte, another version.
    let good = std::fs::read(&path).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    let mut flipped = good.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x04;
    for bytes in [
        good[..good.len() / 2].to_vec(),
        flipped,
        text.replacen("breach-team-state 1 ", "breach-team-state 2 ", 1)
            .into_bytes(),
    ] {
        std::fs::write(&path, &bytes).unwrap();
        assert!(from_cache(&dir, "alice").is_none());
    }
    let after = add(&dir, "alice", check("isolate_systems", true)).unwrap();
    assert_eq!(part(&after), part(&folded(&dir)));
    assert!(from_cache(&dir, "alice").is_some(), "rebuilt");

    // Foreign: the cache of a copy of the incident in another directory.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let copy = elsewhere.join(dir.file_name().unwrap());
    std::fs::create_dir(&copy).unwrap();
    sync_journals(&dir, &copy);
    add(&copy, "bob", check("isolate_systems", false)).unwrap();
    std::fs::copy(cache_of(&copy), &path).unwrap();
    assert!(from_cache(&dir, "alice").is_none(), "foreign");
    // Theirs has the item unchecked, ours checked: checking ours again is refused.
    let err = add(&dir, "alice", check("isolate_systems", true)).unwrap_err();
    assert_eq!(status_of(&err), ExitStatus::Conflict, "{err}");
}

#[test]
fn a_team_incident_without_a_cache_directory_appends_as_before() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_incident(tmp.path(), "a");
    add_with(&dir, false, "alice", check("isolate_systems", true)).unwrap();
    add_with(&dir, false, "bob", note("x")).unwrap();
    assert!(!cache_of(&dir).exists());
    assert!(!tmp.path().join(".cache").exists());
    assert_eq!(folded(&dir).record_count, 3);
}
