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
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
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
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash::crash_writer", "--ignored", "--nocapture"])
            .args(["--test-threads", "1", "--quiet"])
            .env(FILE_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the writer is appending, then kill it at a random moment.
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        while !first.contains("ack ") && stdout.read_line(&mut first).unwrap() > 0 {}
        std::thread::sleep(Duration::from_micros(rng.next() % 8_000));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        if status.code().is_none() {
            kills += 1;
        }
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        acked.extend(
            first
                .lines()
                .chain(rest.lines())
                .filter_map(|l| l.strip_prefix("ack "))
                .map(|s| s.parse::<u64>().unwrap()),
        );

        let scan = file::read(&path).unwrap();
        match &scan.status {
            ChainStatus::Intact => {}
            ChainStatus::TornTail { .. } => {
                torn += 1;
                let now = breach::types::parse_time("2026-11-23T10:15:00Z").unwrap();
                let repaired = file::repair(&path, now).unwrap().unwrap();
                assert_eq!(repaired.records, scan.records.len());
                assert_eq!(file::read(&path).unwrap().status, ChainStatus::Intact);
            }
            ChainStatus::Broken(b) => panic!("round {round}: chain broken: {b:?}"),
        }
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
