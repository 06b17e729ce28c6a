//! Several processes appending to one incident at once.

use std::collections::HashSet;

use breach::journal::Payload;

use super::*;

#[test]
fn four_processes_appending_250_notes_each_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Busy night");
    let workers: Vec<std::process::Child> = (0..4)
        .map(|w| {
            std::process::Command::new("sh")
                .current_dir(root)
                .env("BREACH", env!("CARGO_BIN_EXE_breach"))
                .env("BREACH_NOW", "2026-11-23T10:15:00Z")
                .env("BREACH_OPERATOR", format!("worker{w}"))
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

    let recs = records(&path);
    assert_eq!(recs.len(), 1001);
    let seqs: HashSet<u64> = recs.iter().map(|r| r.seq).collect();
    assert_eq!(seqs.len(), 1001, "duplicate sequence numbers");
    let notes: HashSet<String> = recs
        .iter()
        .filter_map(|r| match &r.payload {
            Payload::Note(n) => Some(n.text.clone()),
            _ => None,
        })
        .collect();
    for w in 0..4 {
        for i in 0..250 {
            assert!(
                notes.contains(&format!("worker {w} note {i}")),
                "lost {w}/{i}"
            );
        }
    }
    // Each worker's notes are in its own order.
    for w in 0..4 {
        let mine: Vec<&breach::journal::Record> = recs
            .iter()
            .filter(|r| r.operator == format!("worker{w}"))
            .collect();
        for (i, r) in mine.iter().enumerate() {
            assert_eq!(
                r.payload,
                Payload::Note(breach::journal::Note {
                    text: format!("worker {w} note {i}"),
                    step: None
                })
            );
        }
    }
    assert_ok(&run(root, &["verify"]));
}
