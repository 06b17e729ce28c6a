//! A writer killed with SIGKILL at random moments, many times: every acknowledged record
//! survives, and the file either verifies or has a torn tail that repair fixes.
//!
//! The writer is this test binary itself, re-run with only [`crash_writer`] selected: it
//! appends notes through `breach::ledger::append` in a loop and prints `ack SEQ`
//! after each append returns, which is when `breach` reports a record as recorded.

use std::io::{BufRead, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

use breach::journal::file::{self, ChainStatus};
use breach::journal::{Note, Payload};

use super::*;

const FILE_ENV: &str = "BREACH_TEST_CRASH_FILE";

/// The note text of sequence number `seq` (non-ASCII, so that a cut can fall inside a
/// character).
fn text_of(seq: u64) -> String {
    format!(
        "note {seq}: ünïcödé ✓ {}",
        "x".repeat((seq % 7) as usize * 40)
    )
}

/// The writer. Does nothing unless run by [`killed_writers_lose_no_acknowledged_record`].
#[test]
#[ignore = "run as a child process by killed_writers_lose_no_acknowledged_record"]
fn crash_writer() {
    let Some(path) = std::env::var_os(FILE_ENV) else {
        return;
    };
    let path = PathBuf::from(path);
    let now = breach::types::parse_time("2026-11-23T10:15:00Z").unwrap();
    loop {
        let (record, _) = breach::ledger::append(&path, "writer", now, |state| {
            Ok(Payload::Note(Note {
                text: text_of(state.record_count),
                step: None,
            }))
        })
        .unwrap();
        println!("ack {}", record.seq);
    }
}

/// A small deterministic generator (SplitMix64), so a failure can be replayed.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Runs the ignored test `writer` of this binary as a child with `env` naming `path` (and
/// the variables of `extra`), waits until it has acknowledged a first record, kills it after
/// a random pause of up to `max_micros`, and returns every `ack N` it printed and whether
/// the kill landed mid-run.
pub(super) fn kill_a_writer(
    writer: &str,
    (env, path): (&str, &Path),
    extra: &[(&str, &str)],
    rng: &mut Rng,
    max_micros: u64,
) -> (Vec<u64>, bool) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", writer, "--ignored", "--nocapture"])
        .args(["--test-threads", "1", "--quiet"])
        .env(env, path)
        .envs(extra.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the writer is appending, then kill it at a random moment.
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    while !first.contains("ack ") && stdout.read_line(&mut first).unwrap() > 0 {}
    std::thread::sleep(Duration::from_micros(rng.next() % max_micros));
    child.kill().unwrap();
    let killed = child.wait().unwrap().code().is_none();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let acked = first
        .lines()
        .chain(rest.lines())
        .filter_map(|l| l.strip_prefix("ack "))
        .map(|s| s.parse::<u64>().unwrap())
        .collect();
    (acked, killed)
}

/// The file after a kill: intact, or a torn tail that `repair` turns into an intact file
/// keeping every complete record; never a broken chain. Whether a tail was repaired.
fn intact_or_repaired(path: &Path, round: usize) -> bool {
    let scan = file::read(path).unwrap();
    match &scan.status {
        ChainStatus::Intact => false,
        ChainStatus::TornTail { .. } => {
            let now = breach::types::parse_time("2026-11-23T10:15:00Z").unwrap();
            let repaired = file::repair(path, now).unwrap().unwrap();
            assert_eq!(repaired.records, scan.records.len());
            assert_eq!(file::read(path).unwrap().status, ChainStatus::Intact);
            true
        }
        ChainStatus::Broken(b) => panic!("round {round}: chain broken: {b:?}"),
    }
}

#[test]
fn killed_writers_lose_no_acknowledged_record() {
    let tmp = tempfile::tempdir().unwrap();
    let path = open_tiny(tmp.path(), "Crash target");
    let mut rng = Rng(0x0b5e_55ed);
    let mut acked: Vec<u64> = Vec::new();
    let (mut torn, mut kills) = (0, 0);
    for round in 0..200 {
        let (got, killed) = kill_a_writer(
            "crash::crash_writer",
            (FILE_ENV, &path),
            &[],
            &mut rng,
            8_000,
        );
        kills += usize::from(killed);
        acked.extend(got);
        torn += usize::from(intact_or_repaired(&path, round));
        let recs = records(&path);
        for &seq in &acked {
            let r = recs
                .get(seq as usize)
                .unwrap_or_else(|| panic!("round {round}: acknowledged record {seq} lost"));
            assert_eq!(
                r.payload,
                Payload::Note(Note {
                    text: text_of(seq),
                    step: None
                })
            );
        }
    }
    assert!(kills >= 200 - 5, "only {kills} writers were killed mid-run");
    assert!(
        acked.len() >= 200,
        "too few appends acknowledged: {}",
        acked.len()
    );
    eprintln!(
        "{kills} kills, {} acknowledged records, {torn} torn tails repaired",
        acked.len()
    );
    assert_ok(&run(tmp.path(), &["verify"]));
}

const BATCH_ENV: &str = "BREACH_TEST_CRASH_BATCH_FILE";

/// Records in one batch of the batch writer.
const BATCH: u64 = 40;

/// The evidence record of sequence number `seq` (non-ASCII, of varying length).
fn evidence_of(seq: u64) -> Payload {
    Payload::Evidence(breach::journal::EvidenceEntry {
        path: format!("/srv/www/ünïcödé/{seq}/access.log"),
        sha256: breach::journal::format::sha256_hex(seq.to_string().as_bytes()),
        size: seq,
        modified: None,
        copy: None,
        note: Some(format!("batch ✓ {}", "y".repeat((seq % 5) as usize * 60))),
    })
}

/// The batch writer. Does nothing unless run by
/// [`killed_batch_writers_lose_no_acknowledged_record`].
#[test]
#[ignore = "run as a child process by killed_batch_writers_lose_no_acknowledged_record"]
fn crash_batch_writer() {
    let Some(path) = std::env::var_os(BATCH_ENV) else {
        return;
    };
    let path = PathBuf::from(path);
    let now = breach::types::parse_time("2026-11-23T10:15:00Z").unwrap();
    loop {
        let next = file::last_record(&path).unwrap().seq + 1;
        let batch = (next..next + BATCH).map(evidence_of).collect();
        let records = breach::ledger::append_batch(&path, "writer", now, None, batch).unwrap();
        for r in records {
            println!("ack {}", r.seq);
        }
    }
}

/// As [`killed_writers_lose_no_acknowledged_record`], for batches: 200 kills of a writer
/// appending batches of 40 evidence records in one write each. Every acknowledged record is
/// present; the file verifies or is a torn tail that `repair` fixes; and every record in it,
/// acknowledged or not (a batch written but not yet reported), is whole and the one its
/// writer built, so a torn batch is a prefix of its records and at most one incomplete one.
#[test]
fn killed_batch_writers_lose_no_acknowledged_record() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x0ba7_c4ed);
    let mut path = PathBuf::new();
    let mut acked: Vec<u64> = Vec::new();
    let (mut torn, mut kills, mut unacked, mut total) = (0, 0, 0usize, 0usize);
    for round in 0..200 {
        // A new incident every 25 rounds keeps the checks of a debug build quick.
        if round % 25 == 0 {
            if round > 0 {
                assert_ok(&run(tmp.path(), &["verify", path.to_str().unwrap()]));
            }
            total += acked.len();
            acked.clear();
            path = open_tiny(tmp.path(), &format!("Batch crash target {}", round / 25));
        }
        let (got, killed) = kill_a_writer(
            "crash::crash_batch_writer",
            (BATCH_ENV, &path),
            &[],
            &mut rng,
            40_000,
        );
        kills += usize::from(killed);
        acked.extend(got);
        torn += usize::from(intact_or_repaired(&path, round));
        let recs = records(&path);
        for &seq in &acked {
            assert!(
                (seq as usize) < recs.len(),
                "round {round}: acknowledged record {seq} lost"
            );
        }
        // Every record after the opening ones is the one its writer built, acknowledged or
        // not.
        let first_evidence = recs
            .iter()
            .position(|r| matches!(r.payload, Payload::Evidence(_)))
            .unwrap_or(recs.len());
        for r in &recs[first_evidence..] {
            assert_eq!(
                r.payload,
                evidence_of(r.seq),
                "round {round}: record {}",
                r.seq
            );
        }
        if round % 25 == 24 {
            unacked += recs.len() - first_evidence - acked.len();
        }
    }
    total += acked.len();
    assert!(kills >= 200 - 5, "only {kills} writers were killed mid-run");
    assert!(
        total as u64 >= 200 * BATCH,
        "too few batches acknowledged: {total} records"
    );
    eprintln!(
        "{kills} kills, {total} acknowledged records, {unacked} written but not acknowledged, {torn} torn tails repaired"
    );
    assert_ok(&run(tmp.path(), &["verify", path.to_str().unwrap()]));
}

/// `breach evidence add --copy DIR` sent SIGKILL at a random moment, 30 times (at least 8
/// land mid-run): every record it reported is in the file, and every evidence record in the
/// file, reported or not, names a copy that exists and has the registered hash (copies are
/// durable before any record names them). Copies that no record names (made before a kill)
/// may remain.
#[test]
fn a_killed_directory_add_leaves_no_record_without_its_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let path = open_tiny(tmp.path(), "Directory crash target");
    let src = tmp.path().join("dump");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    for i in 0..60 {
        let dir = if i % 3 == 0 {
            src.join("sub")
        } else {
            src.clone()
        };
        std::fs::write(
            dir.join(format!("f{i}.log")),
            format!("{i}").repeat(i * 50 + 1),
        )
        .unwrap();
    }
    let mut rng = Rng(0x00d1_2ec7);
    let mut acked: Vec<(u64, String)> = Vec::new();
    // Round 0 runs to its end, which gives how long one add takes; later rounds are killed
    // at a random moment within a window that starts at 1.2 times that and adapts to the
    // machine's load: wider after a kill that left no new record, narrower after an add
    // that ended before its kill.
    let mut window = None;
    let mut records_before = 0;
    let (mut kills, mut killed_with_records) = (0, 0);
    for round in 0..31 {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_breach"));
        cmd.current_dir(tmp.path())
            .env_remove("BREACH_DIR")
            .env_remove("BREACH_RUNBOOKS")
            .env("BREACH_CEILING_DIRECTORIES", tmp.path())
            .env("XDG_CONFIG_HOME", tmp.path().join(".xdg"))
            .env("BREACH_NOW", common::NOW)
            .env("BREACH_OPERATOR", common::OPERATOR)
            .env("NO_COLOR", "1")
            .args(["evidence", "add", "--copy"])
            .arg(&src)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let started = std::time::Instant::now();
        let mut child = cmd.spawn().unwrap();
        let mut killed = false;
        match window {
            None => {
                assert!(child.wait().unwrap().success());
                window = Some(started.elapsed().as_micros() as u64 * 6 / 5 + 1);
            }
            Some(w) => {
                std::thread::sleep(Duration::from_micros(rng.next() % w));
                let _ = child.kill();
                killed = child.wait().unwrap().code().is_none();
                if !killed {
                    window = Some((w * 2 / 3).max(1_000));
                }
            }
        }
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        for line in out.lines() {
            let rest = line.strip_prefix("recorded #").unwrap();
            let (seq, rest) = rest.split_once(' ').unwrap();
            let path_text = rest.split_once(": evidence ").unwrap().1;
            let path_text = path_text.split_once(" sha256 ").unwrap().0;
            acked.push((seq.parse().unwrap(), path_text.to_string()));
        }
        let scan = file::read(&path).unwrap();
        if let ChainStatus::TornTail { .. } = scan.status {
            let now = breach::types::parse_time("2026-11-23T10:15:00Z").unwrap();
            file::repair(&path, now).unwrap();
        }
        let recs = records(&path);
        if killed {
            kills += 1;
            if recs.len() > records_before {
                killed_with_records += 1;
            } else {
                window = window.map(|w| w * 5 / 4);
            }
        }
        records_before = recs.len();
        for (seq, shown) in &acked {
            let Some(Payload::Evidence(e)) = recs.get(*seq as usize).map(|r| &r.payload) else {
                panic!("round {round}: acknowledged record {seq} lost");
            };
            assert_eq!(&e.path, shown);
        }
        for r in &recs {
            if let Payload::Evidence(e) = &r.payload {
                let copy = tmp.path().join("incidents").join(e.copy.as_ref().unwrap());
                let d = breach::evidence::hash_file(&copy)
                    .unwrap_or_else(|err| panic!("round {round}: copy of record {}: {err}", r.seq));
                assert_eq!((d.sha256.as_str(), d.size), (e.sha256.as_str(), e.size));
            }
        }
    }
    // A kill lands after the records' write only in the few milliseconds of its fsync
    // (that window is what killed_batch_writers_lose_no_acknowledged_record aims at); here
    // most kills land while files are hashed and copied.
    assert!(kills >= 8, "only {kills} adds were killed mid-run");
    eprintln!(
        "{kills} adds killed, {killed_with_records} after writing records, {} records reported",
        acked.len()
    );
    assert_ok(&run(tmp.path(), &["verify"]));
    assert_ok(&run(tmp.path(), &["evidence", "verify"]));
}
