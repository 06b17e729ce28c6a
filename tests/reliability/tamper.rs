//! Tamper detection on a real incident file: every byte flipped, every record deleted,
//! every pair of neighbours swapped, truncations, forged records.

use breach::journal::file::{self, ChainStatus};
use breach::journal::format;

use super::*;

/// A real incident written by the binary: opened plus six records of several kinds.
fn incident(root: &Path) -> PathBuf {
    let path = open_tiny(root, "Tamper target");
    for args in [
        &["answer", "assess/kind", "skimmer"][..],
        &["check", "assess/scoped"],
        &["note", "Two lines\n---\nand a separator"],
        &["answer", "assess/data", "cards,emails"],
        &["step", "contain", "--skip", "nothing to contain"],
        &["answer", "assess/count", "12"],
    ] {
        assert_ok(&run(root, args));
    }
    path
}

/// `(start, end)` byte ranges of the records, from the `---` line to after the hash line.
fn record_spans(text: &str) -> Vec<(usize, usize)> {
    format::chunks(text)
        .into_iter()
        .map(|(_, chunk)| {
            let start = chunk.as_ptr() as usize - text.as_ptr() as usize;
            (start, start + chunk.len())
        })
        .collect()
}

/// What `verify` would say about these bytes: `Ok(records)` if it accepts them, else the
/// index of the record it names.
fn verdict(bytes: &[u8]) -> Result<usize, Option<usize>> {
    let path = Path::new("t.yaml");
    let Ok(scan) = file::scan_bytes(path, bytes) else {
        return Err(None);
    };
    match scan.status {
        ChainStatus::Intact if breach::ledger::fold(&scan).is_ok() => Ok(scan.records.len()),
        ChainStatus::Intact => Err(Some(0)),
        ChainStatus::TornTail { .. } => Err(Some(scan.records.len())),
        ChainStatus::Broken(b) => Err(Some(b.index)),
    }
}

#[test]
fn every_flipped_byte_is_detected_and_names_its_record() {
    let tmp = tempfile::tempdir().unwrap();
    let path = incident(tmp.path());
    let text = std::fs::read_to_string(&path).unwrap();
    let spans = record_spans(&text);
    assert_eq!(spans.len(), 7);
    assert_eq!(verdict(text.as_bytes()), Ok(7));
    for (k, &(start, end)) in spans.iter().enumerate() {
        for i in start..end {
            for flip in [0x01u8, 0x20] {
                let mut bytes = text.as_bytes().to_vec();
                bytes[i] ^= flip;
                let named = verdict(&bytes);
                // A flip in the `---` line merges the record into the one before it.
                let ok = named == Err(Some(k)) || (i < start + 4 && named == Err(Some(k - 1)));
                assert!(ok, "flip {flip:#x} at byte {i} (record {k}): {named:?}");
            }
        }
    }
}

#[test]
fn the_binary_names_the_edited_record_and_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let path = incident(tmp.path());
    let text = std::fs::read_to_string(&path).unwrap();
    for (k, (line, chunk)) in format::chunks(&text).into_iter().enumerate() {
        // Change a letter in the middle of the record's `operator` line.
        let at = chunk.find("operator: tester").unwrap() + 11;
        let start = chunk.as_ptr() as usize - text.as_ptr() as usize;
        let mut bytes = text.clone().into_bytes();
        bytes[start + at] = b'x';
        std::fs::write(&path, &bytes).unwrap();
        let out = run(tmp.path(), &["verify"]);
        assert_fails(&out, 5);
        let expect = format!("record {k} (line {line}) is edited");
        assert!(stderr(&out).contains(&expect), "{}", stderr(&out));
        // Nothing that needs the incident's state can be recorded into it, and repair
        // refuses it.
        assert_fails(&run(tmp.path(), &["close"]), 5);
        let out = run(tmp.path(), &["verify", "--repair"]);
        assert_fails(&out, 5);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "repair touched a broken file"
        );
    }
    // Nothing but the incident file (and its state cache, docs/incident-file-format.md
    // section 11): repair made no side file.
    assert_eq!(
        std::fs::read_dir(tmp.path().join("incidents"))
            .unwrap()
            .filter(|e| !e
                .as_ref()
                .unwrap()
                .path()
                .to_string_lossy()
                .ends_with(".state"))
            .count(),
        1
    );
}

#[test]
fn deleted_swapped_and_forged_records_are_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let path = incident(tmp.path());
    let text = std::fs::read_to_string(&path).unwrap();
    let spans = record_spans(&text);
    let n = spans.len();
    let piece = |k: usize| &text[spans[k].0..spans[k].1];
    let join = |order: &[usize]| order.iter().map(|&k| piece(k)).collect::<String>();

    for k in 0..n {
        let order: Vec<usize> = (0..n).filter(|&j| j != k).collect();
        let named = verdict(join(&order).as_bytes());
        if k + 1 < n {
            assert_eq!(named, Err(Some(k)), "deleting record {k}");
        } else {
            // Truncation at a record boundary is not detectable from the file alone
            // (docs/incident-file-format.md, section 8): only a kept last hash shows it.
            assert_eq!(named, Ok(n - 1), "deleting the last record");
        }
    }
    for k in 0..n - 1 {
        let mut order: Vec<usize> = (0..n).collect();
        order.swap(k, k + 1);
        assert_eq!(verdict(join(&order).as_bytes()), Err(Some(k)), "swap {k}");
    }
    for k in 1..n {
        let mut order: Vec<usize> = (0..n).collect();
        order.insert(k, k);
        assert_eq!(
            verdict(join(&order).as_bytes()),
            Err(Some(k + 1)),
            "duplicate {k}"
        );
    }

    // A forged record with a correct hash, linked to the record before it, inserted in
    // the middle: the chain breaks at the genuine record after it.
    let records = records(&path);
    for k in 1..n {
        let payload = breach::journal::Payload::Note(breach::journal::Note {
            text: "forged".into(),
            step: None,
        });
        let (forged, _) = format::encode(
            k as u64,
            records[k].time,
            "mallory",
            &records[k - 1].hash,
            &payload,
        )
        .unwrap();
        let spliced = format!("{}{forged}{}", &text[..spans[k].0], &text[spans[k].0..]);
        assert_eq!(
            verdict(spliced.as_bytes()),
            Err(Some(k + 1)),
            "forged at {k}"
        );
    }
}

#[test]
fn truncation_mid_record_is_a_torn_tail_that_repair_fixes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = incident(tmp.path());
    let text = std::fs::read_to_string(&path).unwrap();
    let spans = record_spans(&text);
    let n = spans.len();
    // Every cut inside every record after the first is a torn tail keeping the records
    // before it.
    for (k, &(start, end)) in spans.iter().enumerate().skip(1) {
        for cut in start + 1..end {
            let torn = &text.as_bytes()[..cut];
            let scan = file::scan_bytes(Path::new("t.yaml"), torn).unwrap();
            assert!(
                matches!(scan.status, ChainStatus::TornTail { .. }),
                "cut at {cut}: {:?}",
                scan.status
            );
            assert_eq!(scan.records.len(), k, "cut at {cut}");
        }
    }

    // Through the binary: a few cuts, each repaired, every complete record kept.
    for (k, cut) in [
        (n - 1, spans[n - 1].1 - 1),
        (n - 1, spans[n - 1].0 + 3),
        (3, spans[3].0 + 40),
    ] {
        std::fs::write(&path, &text.as_bytes()[..cut]).unwrap();
        let out = run(tmp.path(), &["verify"]);
        assert_fails(&out, 5);
        assert!(stderr(&out).contains("torn tail"), "{}", stderr(&out));
        // A write into it is refused, and the hint names the remedy.
        let out = run(tmp.path(), &["close"]);
        assert_fails(&out, 5);
        assert!(
            stderr(&out).contains("hint: run `breach verify --repair` to move it aside"),
            "{}",
            stderr(&out)
        );
        assert_fails(&run(tmp.path(), &["note", "blocked until repaired"]), 5);
        let out = run(tmp.path(), &["verify", "--repair"]);
        assert_ok(&out);
        assert!(
            stderr(&out).contains(&format!("{k} records kept")),
            "{}",
            stderr(&out)
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            &text.as_bytes()[..spans[k].0]
        );
        assert_ok(&run(tmp.path(), &["note", "recording again"]));
        assert_eq!(records(&path).len(), k + 1);
    }
    // The torn bytes were kept aside, not thrown away.
    let side = std::fs::read_dir(tmp.path().join("incidents"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".torn-")
        })
        .count();
    assert_eq!(side, 3);
}

/// Appends a record written by hand (a valid hash, linked to the last record) to `path`.
fn append_forged(path: &Path, seq: &str, operator: &str, kind: &str, payload: &str) {
    let prev = records(path).last().unwrap().hash.clone();
    let hashed = format!(
        "---\nseq: {seq}\ntime: 2026-11-23T10:20:00Z\noperator: {operator}\nkind: {kind}\nprev: '{prev}'\npayload:{payload}\n"
    );
    let hash = format::sha256_hex(hashed.as_bytes());
    let mut bytes = std::fs::read(path).unwrap();
    bytes.extend_from_slice(format!("{hashed}hash: {hash}\n").as_bytes());
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn verify_applies_the_specs_rules_for_note_text_operator_and_seq() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Spec");
    let pristine = std::fs::read(&path).unwrap();
    // A quoted `seq` is allowed by the spec.
    append_forged(&path, "'1'", "alice", "note", "\n  text: quoted seq");
    assert_ok(&run(root, &["verify"]));
    // An empty note text and an operator with a control character are not.
    for (operator, payload) in [
        ("alice", "\n  text: ''"),
        (
            "\"al\\aice\"",
            "\n  text: a control character in the operator",
        ),
        ("''", "\n  text: an empty operator"),
    ] {
        std::fs::write(&path, &pristine).unwrap();
        append_forged(&path, "1", operator, "note", payload);
        let out = run(root, &["verify"]);
        assert_fails(&out, 5);
        assert!(stderr(&out).contains("record 1"), "{}", stderr(&out));
    }
}

#[test]
fn a_record_after_closed_and_a_renamed_file_are_reported_and_a_write_to_the_copy_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Closed");
    assert_ok(&run(root, &["close"]));
    append_forged(&path, "2", "mallory", "note", "\n  text: after the close");
    let out = run(root, &["verify"]);
    assert_ok(&out);
    assert!(
        stderr(&out).contains("follow the `closed` record, from record 2"),
        "{}",
        stderr(&out)
    );
    let status = run(root, &["status"]);
    assert_ok(&status);
    assert!(
        stderr(&status).contains("written after the incident was closed"),
        "{}",
        stderr(&status)
    );

    // A copy under another name: reported by verify and status, refused for writing.
    let other = tempfile::tempdir().unwrap();
    let root = other.path();
    let original = open_tiny(root, "Original");
    let copy = root.join("incidents/20261123T101500Z-copy.yaml");
    std::fs::copy(&original, &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let out = run(root, &["verify", "20261123T101500Z-copy"]);
    assert_ok(&out);
    assert!(
        stderr(&out).contains("holds incident `20261123T101500Z-original`"),
        "{}",
        stderr(&out)
    );
    for args in [
        &["-i", "20261123T101500Z-copy", "note", "into the copy"][..],
        &["-i", "20261123T101500Z-copy", "check", "assess/scoped"],
    ] {
        let out = run(root, args);
        assert_fails(&out, 5);
        assert!(
            stderr(&out).contains("copied or renamed"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::read(&copy).unwrap(), before);
}
