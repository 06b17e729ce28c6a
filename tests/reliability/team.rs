//! Team incidents (format 2, a directory of one journal per device): responders recording
//! at the same time in separate copies, merged by plain file copy; conflicts; references
//! that vanish or change; upgrading a format 1 file; seals; clocks; and the crash and
//! concurrency tests of the new layout.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::Duration;

use breach::journal::team::{self, Entry};
use breach::journal::{Note, Payload};

use super::*;

/// Opens a team incident with the tiny runbook in `root/incidents` as `device`; returns its
/// directory.
pub fn open_team(root: &Path, device: &str, title: &str) -> PathBuf {
    let out = breach(root)
        .env("BREACH_DEVICE", device)
        .args(["start", "--no-walk", "--team", "--json", "--title", title])
        .arg("--runbook")
        .arg(tiny_runbook())
        .output()
        .unwrap();
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    root.join(json["path"].as_str().unwrap())
}

/// Runs `breach` in `root` as `operator` on `device`.
pub fn run_as(root: &Path, operator: &str, device: &str, args: &[&str]) -> Output {
    breach(root)
        .env("BREACH_OPERATOR", operator)
        .env("BREACH_DEVICE", device)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

/// Copies every journal of `from` that is missing or shorter in `to` (what any file sync
/// does: one writer per file, so a longer file is always the newer one).
pub fn copy_journals(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if !name.to_string_lossy().ends_with(".yaml") {
            continue;
        }
        let src = std::fs::read(entry.path()).unwrap();
        let dst = to.join(&name);
        let dst_len = std::fs::read(&dst).map_or(0, |b| b.len());
        if src.len() > dst_len {
            std::fs::write(&dst, src).unwrap();
        }
    }
}

/// The merged records of a team incident (which must verify).
pub fn merged(dir: &Path) -> Vec<breach::journal::Record> {
    breach::ledger::load(dir).unwrap().0.records
}

fn notes(dir: &Path) -> Vec<String> {
    merged(dir)
        .into_iter()
        .filter_map(|r| match r.payload {
            Payload::Note(n) => Some(n.text),
            _ => None,
        })
        .collect()
}

fn status_json(root: &Path) -> serde_json::Value {
    let out = run(root, &["status", "--json"]);
    assert_ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Three responders in three directories record at the same time, then every copy gets
/// every journal by plain file copy: all records everywhere, the same merged view, verify
/// passes on every side.
#[test]
fn three_responders_merge_by_file_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let sides: Vec<PathBuf> = ["a", "b", "c"].iter().map(|s| tmp.path().join(s)).collect();
    for s in &sides {
        std::fs::create_dir_all(s).unwrap();
    }
    let dir_a = open_team(&sides[0], "alice-laptop", "Shared night");
    let id = dir_a.file_name().unwrap().to_owned();
    let dirs: Vec<PathBuf> = sides
        .iter()
        .map(|s| s.join("incidents").join(&id))
        .collect();
    for d in &dirs[1..] {
        copy_journals(&dirs[0], d);
    }
    let who = [
        ("alice", "alice-laptop"),
        ("bob", "bob-desk"),
        ("dana", "dana-phone"),
    ];
    let workers: Vec<std::thread::JoinHandle<()>> = (0..3)
        .map(|k| {
            let root = sides[k].clone();
            let (op, dev) = who[k];
            std::thread::spawn(move || {
                for i in 0..10 {
                    assert_ok(&run_as(
                        &root,
                        op,
                        dev,
                        &["note", &format!("{op} note {i}")],
                    ));
                }
                assert_ok(&run_as(&root, op, dev, &["check", "assess/scoped"]));
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    // Exchange in a ring and back, as a shared folder would.
    for (from, to) in [(0, 1), (1, 2), (2, 0), (0, 1)] {
        copy_journals(&dirs[from], &dirs[to]);
    }
    let expected: BTreeSet<String> = who
        .iter()
        .flat_map(|(op, _)| (0..10).map(move |i| format!("{op} note {i}")))
        .collect();
    let views: Vec<Vec<breach::journal::Record>> = dirs.iter().map(|d| merged(d)).collect();
    for (k, d) in dirs.iter().enumerate() {
        let got: BTreeSet<String> = notes(d).into_iter().collect();
        assert_eq!(got, expected, "side {k}");
        assert_eq!(views[k].len(), 1 + 3 * 11, "side {k}");
        assert_eq!(views[k], views[0], "side {k} merges in another order");
        let out = run(&sides[k], &["verify"]);
        assert_ok(&out);
        assert!(
            stdout(&out).contains("34 records in 3 journals"),
            "{}",
            stdout(&out)
        );
    }
    // The same answers on every side; the three concurrent ticks of one item agree, so
    // they are no conflict.
    let json = status_json(&sides[2]);
    assert!(json.get("conflicts").is_none(), "{json}");
    assert_eq!(json["steps"][0]["items"][0]["checked"], true);
}

/// Two different answers to one question given on two devices that had not seen each
/// other are a conflict in `status` and the export, naming both, until someone who has
/// seen both answers again.
#[test]
fn a_concurrent_contradictory_answer_is_a_conflict_until_resolved() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let dir_a = open_team(&a, "alice-laptop", "Disputed count");
    let dir_b = b.join("incidents").join(dir_a.file_name().unwrap());
    copy_journals(&dir_a, &dir_b);
    assert_ok(&run_as(
        &a,
        "alice",
        "alice-laptop",
        &["answer", "assess/count", "1200"],
    ));
    assert_ok(&run_as(
        &b,
        "bob",
        "bob-desk",
        &["answer", "assess/count", "900"],
    ));
    assert_ok(&run_as(
        &b,
        "bob",
        "bob-desk",
        &["step", "contain", "--skip", "not needed"],
    ));
    assert_ok(&run_as(
        &a,
        "alice",
        "alice-laptop",
        &["step", "contain", "--done", "--force"],
    ));
    copy_journals(&dir_b, &dir_a);
    copy_journals(&dir_a, &dir_b);

    for side in [&a, &b] {
        let json = status_json(side);
        let conflicts = json["conflicts"].as_array().unwrap();
        assert_eq!(conflicts.len(), 2, "{json}");
        assert_eq!(conflicts[0]["subject"], "answer to assess/count");
        let sides: BTreeSet<(String, String)> = conflicts[0]["sides"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["writer"].as_str().unwrap().to_string(),
                    s["value"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            sides,
            BTreeSet::from([
                ("alice-laptop".to_string(), "1200".to_string()),
                ("bob-desk".to_string(), "900".to_string())
            ])
        );
        assert_eq!(conflicts[1]["subject"], "step contain");
        let text = stdout(&run(side, &["status"]));
        assert!(text.contains("Conflicts:"), "{text}");
        assert!(text.contains("1200 (#"), "{text}");
        assert!(text.contains("by bob on bob-desk"), "{text}");
        let report = stdout(&run(side, &["export"]));
        assert!(report.contains("answer to assess/count"), "{report}");
        assert!(report.contains("by alice on alice-laptop"), "{report}");
    }

    // Dana, who has seen both, decides; the conflict on the count is resolved everywhere.
    assert_ok(&run_as(
        &a,
        "dana",
        "dana-phone",
        &["answer", "assess/count", "1100"],
    ));
    copy_journals(&dir_a, &dir_b);
    for side in [&a, &b] {
        let json = status_json(side);
        let conflicts = json["conflicts"].as_array().unwrap();
        assert_eq!(conflicts.len(), 1, "{json}");
        assert_eq!(conflicts[0]["subject"], "step contain");
    }
    let text = stdout(&run(&b, &["status"]));
    assert!(!text.contains("answer to assess/count"), "{text}");
}

/// Deleting, or editing, a record of another responder that a later record references is
/// caught by `verify`, even when the edited journal is made consistent again.
#[test]
fn a_vanished_or_changed_referenced_record_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = open_team(root, "alice-laptop", "References");
    assert_ok(&run_as(
        root,
        "bob",
        "bob-desk",
        &["note", "bob saw the logs"],
    ));
    assert_ok(&run_as(root, "bob", "bob-desk", &["note", "bob again"]));
    assert_ok(&run_as(
        root,
        "alice",
        "alice-laptop",
        &["note", "alice read bob"],
    ));
    assert_ok(&run(root, &["verify"]));
    let bob = dir.join("bob-desk.yaml");
    let original = std::fs::read_to_string(&bob).unwrap();

    // Bob's last record cut off: his journal is a valid shorter chain on its own, but
    // alice's record names it.
    let cut = original.rfind("\n---\n").unwrap() + 1;
    std::fs::write(&bob, &original[..cut]).unwrap();
    let out = run(root, &["verify"]);
    assert_fails(&out, 5);
    assert!(
        stderr(&out).contains("referenced record vanished"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("record 1 of bob-desk"),
        "{}",
        stderr(&out)
    );

    // The whole journal deleted.
    std::fs::remove_file(&bob).unwrap();
    let out = run(root, &["verify"]);
    assert_fails(&out, 5);
    assert!(
        stderr(&out).contains("no journal bob-desk.yaml"),
        "{}",
        stderr(&out)
    );

    // Bob's note edited and his chain recomputed so that his journal verifies on its own.
    let entries: Vec<Entry> = breach::journal::format::chunks(&original)
        .into_iter()
        .map(|(line, c)| team::decode(c, line).unwrap())
        .collect();
    let mut text = String::new();
    let mut prev = breach::journal::format::GENESIS.to_string();
    for mut e in entries {
        if let Payload::Note(n) = &mut e.record.payload {
            n.text = n.text.replace("bob saw the logs", "bob saw nothing");
        }
        e.record.prev = prev.clone();
        let (t, h) = team::encode(&e).unwrap();
        text.push_str(&t);
        prev = h;
    }
    std::fs::write(&bob, text).unwrap();
    let out = run(root, &["verify"]);
    assert_fails(&out, 5);
    assert!(
        stderr(&out).contains("referenced record changed"),
        "{}",
        stderr(&out)
    );
    // Nothing more is recorded into an incident that does not verify.
    assert_fails(&run_as(root, "alice", "alice-laptop", &["note", "x"]), 5);

    std::fs::write(&bob, original).unwrap();
    assert_ok(&run(root, &["verify"]));
}

/// `breach upgrade` converts a format 1 file losslessly: the same records in the merged
/// view, the original kept byte for byte and checked, the old last hash carried over.
#[test]
fn upgrade_keeps_every_record_and_the_old_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Old file");
    assert_ok(&run(root, &["note", "before the upgrade"]));
    assert_ok(&run(root, &["answer", "assess/count", "7"]));
    let before = records(&path);
    let original = std::fs::read(&path).unwrap();
    let out = run_as(root, "tester", "tester-box", &["upgrade"]);
    assert_ok(&out);
    assert!(
        !path.exists(),
        "the format 1 file is still in the incident directory"
    );
    let dir = path.with_extension("");
    assert_eq!(
        std::fs::read(dir.join("format-1.yaml.orig")).unwrap(),
        original
    );
    let after = merged(&dir);
    assert_eq!(after.len(), before.len());
    for (old, new) in before.iter().zip(&after).skip(1) {
        assert_eq!(
            (old.time, &old.operator, &old.payload),
            (new.time, &new.operator, &new.payload)
        );
    }
    let Payload::Opened(o) = &after[0].payload else {
        panic!()
    };
    let up = o.upgraded_from.as_ref().unwrap();
    assert_eq!((o.format, up.records), (2, before.len() as u64));
    assert_eq!(up.last_hash, before.last().unwrap().hash);
    assert_ok(&run(root, &["verify"]));
    assert_ok(&run_as(
        root,
        "tester",
        "tester-box",
        &["note", "after the upgrade"],
    ));
    assert_eq!(merged(&dir).len(), before.len() + 1);

    // The original kept inside is checked against the journal.
    let edited = String::from_utf8(original)
        .unwrap()
        .replace("before the upgrade", "BEFORE");
    std::fs::write(dir.join("format-1.yaml.orig"), edited).unwrap();
    let out = run(root, &["verify"]);
    assert_fails(&out, 5);
    assert!(
        stderr(&out).contains("format-1.yaml.orig"),
        "{}",
        stderr(&out)
    );
}

/// A seal holds, then fails after the records before it are rewritten, even when the
/// rewrite is consistent enough that `verify` alone passes.
#[test]
fn a_seal_holds_until_a_rewrite_before_it() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = open_team(root, "tester-box", "Sealed");
    assert_ok(&run_as(
        root,
        "tester",
        "tester-box",
        &["note", "the original note"],
    ));
    let out = run_as(root, "tester", "tester-box", &["seal", "--json"]);
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let digest = json["digest"].as_str().unwrap().to_string();
    assert_eq!(digest.len(), 32);
    assert_ok(&run_as(
        root,
        "tester",
        "tester-box",
        &["note", "after the seal"],
    ));
    let out = run(root, &["verify", "--sealed", &digest]);
    assert_ok(&out);
    assert!(
        stdout(&out).contains(&format!("seal {digest} holds")),
        "{}",
        stdout(&out)
    );
    let out = run(
        root,
        &["verify", "--sealed", "0123456789abcdef0123456789abcdef"],
    );
    assert_fails(&out, 5);

    // Rewrite the note before the seal and recompute everything after it, the seal record
    // included: the journal verifies, the seal does not.
    let journal = dir.join("tester-box.yaml");
    let text = std::fs::read_to_string(&journal).unwrap();
    let mut out_text = String::new();
    let mut prev = breach::journal::format::GENESIS.to_string();
    let mut heads: Vec<(String, team::Head)> = Vec::new();
    for (line, c) in breach::journal::format::chunks(&text) {
        let mut e = team::decode(c, line).unwrap();
        if let Payload::Note(n) = &mut e.record.payload {
            n.text = n.text.replace("the original note", "a different note");
        }
        if let Payload::Unknown { payload, .. } = &mut e.record.payload {
            let digest = breach::ledger::team::seal_digest(&heads);
            *payload = serde_yaml::from_str(&format!(
                "digest: {digest}\nheads:\n- writer: tester-box\n  seq: {}\n  hash: {}\n",
                heads[0].1.seq, heads[0].1.hash
            ))
            .unwrap();
        }
        e.record.prev = prev.clone();
        let (t, h) = team::encode(&e).unwrap();
        out_text.push_str(&t);
        heads = vec![(
            "tester-box".into(),
            team::Head {
                seq: e.record.seq,
                hash: h.clone(),
            },
        )];
        prev = h;
    }
    std::fs::write(&journal, out_text).unwrap();
    assert_ok(&run(root, &["verify"]));
    let out = run(root, &["verify", "--sealed", &digest]);
    assert_fails(&out, 5);
    assert!(stderr(&out).contains("does not hold"), "{}", stderr(&out));

    // A closed incident can still be sealed, and `seal` finds it without being told; the
    // confirmation names the incident.
    assert_ok(&run_as(root, "tester", "tester-box", &["close"]));
    let out = run_as(root, "tester", "tester-box", &["seal"]);
    assert_ok(&out);
    let id = dir.file_name().unwrap().to_string_lossy().into_owned();
    let line = stdout(&out);
    let after_close = line
        .trim()
        .split_once(&format!(" in {id}: sealed, digest "))
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| panic!("{line}"));
    let out = run(root, &["verify", "--sealed", &after_close]);
    assert_ok(&out);
}

/// Intake times that fail the plausibility checks are refused when a team incident is
/// opened, and with `--override-check` recorded with their overrides right after the opening
/// record, as in a format 1 file.
#[test]
fn a_team_incident_opens_with_overridden_intake_times_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let start = [
        "start",
        "--no-walk",
        "--team",
        "--json",
        "--title",
        "Odd clock",
        "--detected-at",
        "2026-11-23T08:00:00Z",
        "--aware-at",
        "2026-11-23T07:00:00Z",
    ];
    let out = run_as(root, "tester", "tester-box", &start);
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("before the detection time"),
        "{}",
        stderr(&out)
    );
    assert!(!root.join("incidents").exists(), "nothing was created");
    let out = run_as(
        root,
        "tester",
        "tester-box",
        &[&start[..], &["--override-check"]].concat(),
    );
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dir = root.join(json["path"].as_str().unwrap());
    let records = merged(&dir);
    assert_eq!(records.len(), 2);
    match &records[1].payload {
        Payload::Override(o) => {
            assert_eq!(o.fact, "detected", "the same fact as in a format 1 file");
            assert!(o.checks[0].contains("before the detection time"), "{o:?}");
        }
        other => panic!("expected the override after the opening record, got {other:?}"),
    }
    let (_, incident) = breach::ledger::load(&dir).unwrap();
    assert!(incident.warnings.is_empty(), "{:?}", incident.warnings);
    assert_eq!(incident.overrides.len(), 1);
}

/// A record time more than 120 seconds before this device's last record is refused;
/// a journal whose clock went back is flagged by `verify`; records written under
/// `BREACH_NOW` are marked, and status says so.
#[test]
fn clocks_that_go_back_or_are_fixed_are_refused_or_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = open_team(root, "tester-box", "Clocks");
    let back = breach(root)
        .env("BREACH_DEVICE", "tester-box")
        .env("BREACH_NOW", "2026-11-23T10:12:59Z")
        .args(["note", "from the past"])
        .output()
        .unwrap();
    assert_fails(&back, 3);
    assert!(
        stderr(&back).contains("the clock went back"),
        "{}",
        stderr(&back)
    );
    // The refusal names the journal and says that nothing was written.
    assert!(
        stderr(&back).contains("tester-box.yaml: this machine's clock says")
            && stderr(&back).contains("(nothing was recorded)"),
        "{}",
        stderr(&back)
    );
    let skew = breach(root)
        .env("BREACH_DEVICE", "tester-box")
        .env("BREACH_NOW", "2026-11-23T10:13:00Z")
        .args(["note", "within the skew"])
        .output()
        .unwrap();
    assert_ok(&skew);
    let json = status_json(root);
    let notes = json["clock_notes"].as_array().unwrap();
    assert!(
        notes[0]
            .as_str()
            .unwrap()
            .contains("2 of 2 records were written under a fixed clock"),
        "{json}"
    );

    // A journal written elsewhere with a clock that went back: verify flags it, exit 0.
    let journal = dir.join("tester-box.yaml");
    let text = std::fs::read_to_string(&journal).unwrap();
    let mut entries: Vec<Entry> = breach::journal::format::chunks(&text)
        .into_iter()
        .map(|(line, c)| team::decode(c, line).unwrap())
        .collect();
    entries[1].record.time = breach::types::parse_time("2026-11-23T09:00:00Z").unwrap();
    let mut out_text = String::new();
    let mut prev = breach::journal::format::GENESIS.to_string();
    for mut e in entries {
        e.record.prev = prev.clone();
        let (t, h) = team::encode(&e).unwrap();
        out_text.push_str(&t);
        prev = h;
    }
    std::fs::write(&journal, out_text).unwrap();
    let out = run(root, &["verify"]);
    assert_ok(&out);
    assert!(
        stderr(&out).contains("the clock went back more than 120 seconds at record 1"),
        "{}",
        stderr(&out)
    );
}

/// Four processes append 250 notes each at once: two share one device (one journal, its
/// lock), two have their own. Nothing is lost, every chain and reference verifies.
#[test]
fn four_processes_appending_250_notes_each_to_a_team_incident_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = open_team(root, "opener", "Busy team night");
    let devices = ["shared", "shared", "solo-1", "solo-2"];
    let workers: Vec<std::process::Child> = (0..4)
        .map(|w| {
            Command::new("sh")
                .current_dir(root)
                .env("BREACH", env!("CARGO_BIN_EXE_breach"))
                .env("BREACH_NOW", "2026-11-23T10:15:00Z")
                .env("BREACH_OPERATOR", format!("worker{w}"))
                .env("BREACH_DEVICE", devices[w])
                .env("XDG_CACHE_HOME", root.join(".cache"))
                .env_remove("BREACH_DIR")
                .arg("-c")
                .arg(format!(
                    r#"i=0; while [ $i -lt 250 ]; do "$BREACH" note "worker {w} note $i" >/dev/null || exit 1; i=$((i+1)); done"#
                ))
                .spawn()
                .unwrap()
        })
        .collect();
    for mut w in workers {
        assert!(w.wait().unwrap().success(), "a worker's append failed");
    }
    let recs = merged(&dir);
    assert_eq!(recs.len(), 1001);
    let texts: Vec<String> = notes(&dir);
    let unique: BTreeSet<&String> = texts.iter().collect();
    assert_eq!(unique.len(), 1000, "duplicated notes");
    for w in 0..4 {
        let mine: Vec<&String> = texts
            .iter()
            .filter(|t| t.starts_with(&format!("worker {w} ")))
            .collect();
        let want: Vec<String> = (0..250).map(|i| format!("worker {w} note {i}")).collect();
        assert_eq!(
            mine,
            want.iter().collect::<Vec<_>>(),
            "worker {w} lost or reordered notes"
        );
    }
    let journals: BTreeMap<String, usize> = team::read_all(&dir, None)
        .unwrap()
        .into_iter()
        .map(|j| (j.writer, j.entries.len()))
        .collect();
    assert_eq!(
        journals,
        BTreeMap::from([
            ("opener".to_string(), 1),
            ("shared".to_string(), 500),
            ("solo-1".to_string(), 250),
            ("solo-2".to_string(), 250)
        ])
    );
    assert_ok(&run(root, &["verify"]));
}

const TEAM_CRASH_ENV: &str = "BREACH_TEST_TEAM_CRASH_DIR";

fn crash_text(n: u64) -> String {
    format!(
        "team note {n}: ünïcödé ✓ {}",
        "x".repeat((n % 7) as usize * 40)
    )
}

/// The writer of [`killed_team_writers_lose_no_acknowledged_record`].
#[test]
#[ignore = "run as a child process by killed_team_writers_lose_no_acknowledged_record"]
fn team_crash_writer() {
    let Some(dir) = std::env::var_os(TEAM_CRASH_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    // Appends go through the state cache, as the command line's do; a writer killed
    // between its write and the cache's leaves a cache that no longer matches.
    breach::ledger::team::use_state_cache(dir.parent().map(|p| p.join(".cache")));
    let now = breach::types::parse_time("2026-11-23T10:15:00Z").unwrap();
    loop {
        let mut n = 0;
        breach::ledger::team::append(
            &dir,
            "writer",
            now,
            &breach::ledger::team::WriteOptions::default(),
            |state| {
                n = state.record_count;
                Ok(Payload::Note(Note {
                    text: crash_text(n),
                    step: None,
                }))
            },
        )
        .unwrap();
        println!("ack {n}");
    }
}

/// A writer appending to its journal of a team incident is killed with SIGKILL 200 times:
/// every acknowledged record is present, and each journal verifies or has a torn tail that
/// repair fixes.
#[test]
fn killed_team_writers_lose_no_acknowledged_record() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = open_team(tmp.path(), "opener", "Team crash target");
    let mut rng = super::crash::Rng(0x7ea3);
    let mut acked: Vec<u64> = Vec::new();
    let mut kills = 0;
    for round in 0..200 {
        let device = if round % 2 == 0 { "crash-a" } else { "crash-b" };
        let (got, killed) = super::crash::kill_a_writer(
            "team::team_crash_writer",
            (TEAM_CRASH_ENV, &dir),
            &[("BREACH_DEVICE", device)],
            &mut rng,
            8_000,
        );
        kills += usize::from(killed);
        acked.extend(got);
        let now = breach::types::parse_time("2026-11-23T10:15:00Z").unwrap();
        team::repair_all(&dir, now).unwrap();
        let checked = breach::ledger::team::check(&dir, None).unwrap();
        assert!(checked.ok(), "round {round}: {:?}", checked.problems);
        let present: BTreeSet<String> = notes(&dir).into_iter().collect();
        for &n in &acked {
            assert!(
                present.contains(&crash_text(n)),
                "round {round}: acknowledged note {n} lost"
            );
        }
    }
    assert!(kills >= 195, "only {kills} writers were killed mid-run");
    assert!(
        acked.len() >= 200,
        "too few appends acknowledged: {}",
        acked.len()
    );
    assert_ok(&run(tmp.path(), &["verify"]));
}

/// Runs the independent format 2 verifier: `(exit code, its one line)`.
pub fn independent_team(py: &str, dir: &Path, extra: &[&str]) -> (i32, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent/verify_team.py");
    let out = Command::new(py)
        .arg(script)
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    (out.status.code().unwrap(), stdout(&out).trim().to_string())
}

/// The independent verifier, written from the format document alone, agrees with `breach`
/// on team incidents: an upgraded incident with two more writers, a conflict and a seal
/// verifies with the same digest; a changed or vanished referenced record, a torn journal
/// and a wrong seal are refused.
#[test]
fn the_independent_verifier_agrees_on_team_incidents() {
    let Some(py) = super::independent::python() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Checked from outside");
    assert_ok(&run(
        root,
        &["note", "a line\n---\nwith a separator inside"],
    ));
    assert_ok(&run_as(root, "tester", "tester-box", &["upgrade"]));
    let dir = path.with_extension("");
    assert_ok(&run_as(
        root,
        "bob",
        "bob-desk",
        &["answer", "assess/count", "3"],
    ));
    assert_ok(&run_as(
        root,
        "dana",
        "dana@phone",
        &["answer", "assess/kind", "theft"],
    ));
    assert_ok(&run_as(
        root,
        "tester",
        "tester-box",
        &["check", "assess/scoped"],
    ));
    let sealed = run_as(root, "dana", "dana@phone", &["seal", "--json"]);
    assert_ok(&sealed);
    let digest: serde_json::Value = serde_json::from_slice(&sealed.stdout).unwrap();
    let digest = digest["digest"].as_str().unwrap().to_string();
    assert_ok(&run_as(
        root,
        "bob",
        "bob-desk",
        &["note", "after the seal"],
    ));

    let verified = run(root, &["verify", "--json"]);
    assert_ok(&verified);
    let json: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    let (code, said) = independent_team(py, &dir, &[]);
    assert_eq!(
        (code, said.clone()),
        (
            0,
            format!(
                "ok: {} records in 3 journals, digest {}",
                json["records"],
                json["digest"].as_str().unwrap()
            )
        )
    );
    assert_eq!(independent_team(py, &dir, &["--sealed", &digest]).0, 0);
    assert_eq!(
        independent_team(py, &dir, &["--sealed", "0123456789abcdef0123456789abcdef"]).0,
        1
    );

    // Bob's first answer changed and his chain recomputed: both refuse it.
    let bob = dir.join("bob-desk.yaml");
    let original = std::fs::read_to_string(&bob).unwrap();
    let mut text = String::new();
    let mut prev = breach::journal::format::GENESIS.to_string();
    for (line, c) in breach::journal::format::chunks(&original) {
        let mut e = team::decode(c, line).unwrap();
        if let Payload::Answer(a) = &mut e.record.payload {
            a.value = breach::types::AnswerValue::Number(4.0);
        }
        e.record.prev = prev.clone();
        let (t, h) = team::encode(&e).unwrap();
        text.push_str(&t);
        prev = h;
    }
    std::fs::write(&bob, &text).unwrap();
    let (code, said) = independent_team(py, &dir, &[]);
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains("referenced record changed (bob-desk record 0)"),
        "{said}"
    );
    assert_fails(&run(root, &["verify"]), 5);

    // Bob's journal gone: both refuse it.
    std::fs::remove_file(&bob).unwrap();
    let (code, said) = independent_team(py, &dir, &[]);
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains("referenced record vanished (bob-desk"),
        "{said}"
    );
    assert_fails(&run(root, &["verify"]), 5);

    // Bob's journal torn in its last record: torn for both.
    let cut = original.len() - 10;
    std::fs::write(&bob, &original[..cut]).unwrap();
    let (code, said) = independent_team(py, &dir, &[]);
    assert_eq!(code, 2, "{said}");
    assert_fails(&run(root, &["verify"]), 5);
    std::fs::write(&bob, &original).unwrap();
    assert_eq!(independent_team(py, &dir, &[]).0, 0);
}

/// `--at` records when something happened apart from when it is recorded; the export's
/// timeline puts it at its event time and says when it was recorded. A format 1 file
/// refuses it (it has nowhere to keep it), and an event time in the future is refused.
#[test]
fn event_times_appear_in_the_timeline() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    open_team(root, "tester-box", "Late notes");
    let later = |args: &[&str]| {
        breach(root)
            .env("BREACH_DEVICE", "tester-box")
            .env("BREACH_NOW", "2026-11-23T18:00:00Z")
            .args(args)
            .output()
            .unwrap()
    };
    assert_ok(&later(&[
        "note",
        "skimmer found in checkout.js",
        "--at",
        "2026-11-23T14:30:00Z",
    ]));
    assert_ok(&later(&[
        "check",
        "assess/scoped",
        "--at",
        "2026-11-23T15:00:00Z",
    ]));
    assert_ok(&later(&[
        "answer",
        "assess/count",
        "12",
        "--at",
        "2026-11-23T15:10:00Z",
    ]));
    assert_ok(&later(&[
        "step",
        "assess",
        "--done",
        "--force",
        "--at",
        "2026-11-23T16:00:00Z",
    ]));
    assert_ok(&later(&["note", "written now"]));
    let future = later(&["note", "x", "--at", "2026-11-24T00:00:00Z"]);
    assert_fails(&future, 3);

    let out = later(&["export", "--format", "json"]);
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let timeline: Vec<(String, String, Option<String>)> = json["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["at"].as_str().unwrap().to_string(),
                e["recorded_at"].as_str().map(String::from),
            )
        })
        .collect();
    let rec = Some("2026-11-23T18:00:00Z".to_string());
    assert_eq!(
        timeline,
        vec![
            ("opened".into(), "2026-11-23T10:15:00Z".into(), None),
            ("note".into(), "2026-11-23T14:30:00Z".into(), rec.clone()),
            ("check".into(), "2026-11-23T15:00:00Z".into(), rec.clone()),
            ("answer".into(), "2026-11-23T15:10:00Z".into(), rec.clone()),
            ("step".into(), "2026-11-23T16:00:00Z".into(), rec),
            ("note".into(), "2026-11-23T18:00:00Z".into(), None),
        ]
    );
    let md = stdout(&later(&["export"]));
    assert!(md.contains("| 2026-11-23 14:30:00 |"), "{md}");
    assert!(md.contains("(recorded 2026-11-23 18:00"), "{md}");

    let other = tempfile::tempdir().unwrap();
    open_tiny(other.path(), "One file");
    let out = run(other.path(), &["note", "x", "--at", "2026-11-23T09:00:00Z"]);
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("team incident"), "{}", stderr(&out));
}

/// Runs git in `dir` with a fixed identity and no user or system configuration.
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

fn sync_as(root: &Path, operator: &str, device: &str) -> Output {
    breach(root)
        .env("BREACH_OPERATOR", operator)
        .env("BREACH_DEVICE", device)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", operator)
        .env("GIT_AUTHOR_EMAIL", "r@example.org")
        .env("GIT_COMMITTER_NAME", operator)
        .env("GIT_COMMITTER_EMAIL", "r@example.org")
        .arg("sync")
        .output()
        .unwrap()
}

/// Two responders with clones of one local bare repository record at the same time and
/// `breach sync`: each sees the other's records ("2 new records from bob-desk"), every
/// record is on both sides, verify passes, and a contradictory answer is a conflict.
#[test]
fn two_responders_sync_through_a_bare_git_repository() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("SKIPPED: git is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (remote, a, b) = (
        tmp.path().join("remote.git"),
        tmp.path().join("a"),
        tmp.path().join("b"),
    );
    std::fs::create_dir_all(&remote).unwrap();
    std::fs::create_dir_all(&a).unwrap();
    git(&remote, &["init", "--quiet", "--bare", "-b", "main"]);
    git(&a, &["init", "--quiet", "-b", "main"]);
    let dir_a = open_team(&a, "alice-laptop", "Synced night");
    git(&a, &["add", "."]);
    git(&a, &["commit", "--quiet", "-m", "opened"]);
    git(&a, &["remote", "add", "origin", remote.to_str().unwrap()]);
    git(&a, &["push", "--quiet", "-u", "origin", "main"]);
    git(
        tmp.path(),
        &["clone", "--quiet", remote.to_str().unwrap(), "b"],
    );
    let dir_b = b.join("incidents").join(dir_a.file_name().unwrap());

    assert_ok(&run_as(&a, "alice", "alice-laptop", &["note", "alice 1"]));
    assert_ok(&run_as(
        &a,
        "alice",
        "alice-laptop",
        &["answer", "assess/count", "10"],
    ));
    assert_ok(&run_as(&b, "bob", "bob-desk", &["note", "bob 1"]));
    assert_ok(&run_as(
        &b,
        "bob",
        "bob-desk",
        &["answer", "assess/count", "20"],
    ));

    let out = sync_as(&a, "alice", "alice-laptop");
    assert_ok(&out);
    assert_eq!(stdout(&out).trim(), "nothing new came in");
    let out = sync_as(&b, "bob", "bob-desk");
    assert_ok(&out);
    assert_eq!(stdout(&out).trim(), "2 new records from alice-laptop");
    let out = sync_as(&a, "alice", "alice-laptop");
    assert_ok(&out);
    assert_eq!(stdout(&out).trim(), "2 new records from bob-desk");

    assert_eq!(merged(&dir_a), merged(&dir_b));
    assert_eq!(merged(&dir_a).len(), 5);
    for side in [&a, &b] {
        assert_ok(&run(side, &["verify"]));
        let json = status_json(side);
        assert_eq!(
            json["conflicts"][0]["subject"], "answer to assess/count",
            "{json}"
        );
    }
    // A closed incident still syncs, found without being named: its `closed` record
    // reaches the other side.
    assert_ok(&run_as(&a, "alice", "alice-laptop", &["close"]));
    assert_ok(&sync_as(&a, "alice", "alice-laptop"));
    let out = sync_as(&b, "bob", "bob-desk");
    assert_ok(&out);
    assert_eq!(stdout(&out).trim(), "1 new record from alice-laptop");
    assert_eq!(status_json(&b)["state"], "closed", "{}", status_json(&b));

    // Outside a git repository, sync says what it needs.
    let plain = tempfile::tempdir().unwrap();
    open_team(plain.path(), "x", "Not in git");
    let out = sync_as(plain.path(), "x", "x");
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("not in a git repository"),
        "{}",
        stderr(&out)
    );
    // In one without a remote, or on a branch without an upstream, it says what to set up
    // and commits nothing.
    git(plain.path(), &["init", "--quiet", "-b", "main"]);
    let out = sync_as(plain.path(), "x", "x");
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("no remote to exchange records with")
            && stderr(&out).contains("git push -u origin main")
            && stderr(&out).contains("nothing was committed"),
        "{}",
        stderr(&out)
    );
    git(
        plain.path(),
        &["remote", "add", "team", remote.to_str().unwrap()],
    );
    let out = sync_as(plain.path(), "x", "x");
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("has no upstream") && stderr(&out).contains("git push -u team main"),
        "{}",
        stderr(&out)
    );
    let commits = Command::new("git")
        .args(["-C", plain.path().to_str().unwrap(), "rev-list", "--all"])
        .output()
        .unwrap();
    assert!(commits.stdout.is_empty(), "nothing was committed");
}

/// `--at` on `action add` and `action done`: the timeline and the report's action items use
/// the event times; a format 1 file refuses them, pointing to `breach upgrade`.
#[test]
fn action_items_take_their_event_times() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    open_team(root, "tester-box", "Late actions");
    let later = |args: &[&str]| {
        breach(root)
            .env("BREACH_DEVICE", "tester-box")
            .env("BREACH_NOW", "2026-11-23T18:00:00Z")
            .args(args)
            .output()
            .unwrap()
    };
    assert_ok(&later(&[
        "action",
        "add",
        "rotate the API keys",
        "--owner",
        "dev",
        "--due",
        "2026-12-01",
        "--at",
        "2026-11-23T14:00:00Z",
    ]));
    assert_ok(&later(&[
        "action",
        "done",
        "A1",
        "--at",
        "2026-11-23T16:00:00Z",
    ]));
    assert_ok(&later(&[
        "action",
        "add",
        "audit plugins",
        "--owner",
        "ops",
        "--due",
        "2026-12-15",
    ]));
    assert_fails(
        &later(&["action", "done", "A2", "--at", "2026-11-24T00:00:00Z"]),
        3,
    );

    let out = later(&["export", "--format", "json"]);
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let timeline: Vec<(String, String, Option<String>)> = json["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"].as_str().unwrap().starts_with("action"))
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["at"].as_str().unwrap().to_string(),
                e["recorded_at"].as_str().map(String::from),
            )
        })
        .collect();
    let rec = Some("2026-11-23T18:00:00Z".to_string());
    assert_eq!(
        timeline,
        [
            ("action".into(), "2026-11-23T14:00:00Z".into(), rec.clone()),
            ("action_done".into(), "2026-11-23T16:00:00Z".into(), rec),
            ("action".into(), "2026-11-23T18:00:00Z".into(), None),
        ]
    );
    let items = json["action_items"].as_array().unwrap();
    assert_eq!(items[0]["added_at"], "2026-11-23T14:00:00Z", "{json}");
    assert_eq!(items[0]["done_at"], "2026-11-23T16:00:00Z", "{json}");
    assert_eq!(items[1]["added_at"], "2026-11-23T18:00:00Z", "{json}");
    let md = stdout(&later(&["export"]));
    assert!(md.contains("2026-11-23 14:00"), "{md}");

    // A format 1 file cannot store an event time: refused, with the way to one that can.
    let single = tempfile::tempdir().unwrap();
    let path = open_tiny(single.path(), "One file");
    let before = std::fs::read(&path).unwrap();
    for args in [
        &[
            "action",
            "add",
            "x",
            "--owner",
            "dev",
            "--due",
            "2026-12-01",
            "--at",
            "2026-11-23T10:00:00Z",
        ][..],
        &["action", "done", "A1", "--at", "2026-11-23T10:00:00Z"],
    ] {
        let out = run(single.path(), args);
        assert_fails(&out, 3);
        assert!(
            stderr(&out).contains("can only be recorded in a team incident (format 2); `breach upgrade` converts this file"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

/// `action list` and `status`, as text and as JSON, show the event times of action items
/// added and done with `--at`, telling them from the record times; the export agrees.
#[test]
fn action_list_and_status_show_event_times() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    open_team(root, "tester-box", "Late actions");
    let later = |args: &[&str]| {
        let out = breach(root)
            .env("BREACH_DEVICE", "tester-box")
            .env("BREACH_NOW", "2026-11-23T18:00:00Z")
            .args(args)
            .output()
            .unwrap();
        assert_ok(&out);
        out
    };
    let add = |text: &str, due: &str, at: Option<&str>| {
        let mut args = vec!["action", "add", text, "--owner", "dev", "--due", due];
        args.extend(at.iter().flat_map(|at| ["--at", *at]));
        later(&args);
    };
    add(
        "rotate the API keys",
        "2026-12-01",
        Some("2026-11-23T14:00:00Z"),
    );
    later(&["action", "done", "A1", "--at", "2026-11-23T16:00:00Z"]);
    add("audit plugins", "2026-12-15", None);
    add("train staff", "2026-12-10", Some("2026-11-23T15:30:00Z"));

    let rec = "2026-11-23T18:00:00Z";
    let list: serde_json::Value =
        serde_json::from_slice(&later(&["action", "list", "--json"]).stdout).unwrap();
    let shown: Vec<[serde_json::Value; 5]> = list["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            [
                a["id"].clone(),
                a["added_at"].clone(),
                a["added_event_at"].clone(),
                a["done_at"].clone(),
                a["done_event_at"].clone(),
            ]
        })
        .collect();
    let null = serde_json::Value::Null;
    assert_eq!(
        shown,
        [
            [
                "A3".into(),
                rec.into(),
                "2026-11-23T15:30:00Z".into(),
                null.clone(),
                null.clone()
            ],
            [
                "A2".into(),
                rec.into(),
                null.clone(),
                null.clone(),
                null.clone()
            ],
            [
                "A1".into(),
                rec.into(),
                "2026-11-23T14:00:00Z".into(),
                rec.into(),
                "2026-11-23T16:00:00Z".into()
            ],
        ],
        "{list}"
    );

    let text = stdout(&later(&["action", "list"]));
    // One line per item, its columns' padding collapsed to one space.
    let line = |id: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no line for {id}: {text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        line("A1"),
        "A1 done 2026-12-01 dev 2026-11-23 14:00 UTC (recorded 2026-11-23 18:00 UTC) 2026-11-23 16:00 UTC (recorded 2026-11-23 18:00 UTC) rotate the API keys",
        "{text}"
    );
    assert_eq!(
        line("A3"),
        "A3 open 2026-12-10 dev 2026-11-23 15:30 UTC (recorded 2026-11-23 18:00 UTC) - train staff",
        "{text}"
    );
    assert_eq!(
        line("A2"),
        "A2 open 2026-12-15 dev 2026-11-23 18:00 UTC - audit plugins",
        "{text}"
    );

    let status = stdout(&later(&["status", "--utc"]));
    assert!(
        status.contains("train staff (added 23 Nov 15:30Z, recorded 23 Nov 18:00Z)"),
        "{status}"
    );
    assert!(status.contains("dev: audit plugins\n"), "{status}");

    let json: serde_json::Value =
        serde_json::from_slice(&later(&["status", "--json"]).stdout).unwrap();
    assert_eq!(json["actions"], list["actions"], "{json}");

    // The export reads the same event times: where one was given, it is the item's time.
    let export: serde_json::Value =
        serde_json::from_slice(&later(&["export", "--format", "json"]).stdout).unwrap();
    for item in export["action_items"].as_array().unwrap() {
        let listed = list["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == item["id"])
            .unwrap();
        let when = |event: &str, record: &str| {
            if listed[event].is_null() {
                listed[record].clone()
            } else {
                listed[event].clone()
            }
        };
        assert_eq!(
            item["added_at"],
            when("added_event_at", "added_at"),
            "{export}"
        );
        assert_eq!(
            item["done_at"],
            when("done_event_at", "done_at"),
            "{export}"
        );
    }
}

/// Outside a git repository, `sync` refuses (exit 3) and its message says what it needs.
#[test]
fn sync_outside_git_says_it_needs_a_repository() {
    let plain = tempfile::tempdir().unwrap();
    let dir = open_team(plain.path(), "x", "Not in git");
    let out = sync_as(plain.path(), "x", "x");
    assert_fails(&out, 3);
    assert_eq!(
        stderr(&out),
        format!(
            "error: {} is not in a git repository; `breach sync` needs one (docs/team.md shows the setups)\n",
            dir.display()
        )
    );
}
