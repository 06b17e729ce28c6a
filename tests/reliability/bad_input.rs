//! The bad-input corpus (tests/fixtures/bad-input, written by its generate.py) and larger or
//! stranger inputs made here: each gets a clear error with its documented exit code, no
//! panic, within a bounded time, and nothing is written. (Answers files belong to the walk
//! and are not covered here.)

use std::time::{Duration, Instant};

use super::*;

const ID: &str = "20261123T101500Z-bad";

fn corpus(sub: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bad-input")
        .join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Runs breach with a time bound; asserts no panic.
fn bounded(root: &Path, args: &[&str]) -> std::process::Output {
    let start = Instant::now();
    let out = breach(root)
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{args:?} took {:?}",
        start.elapsed()
    );
    assert!(
        !stderr(&out).contains("panicked"),
        "{args:?}: {}",
        stderr(&out)
    );
    out
}

/// Puts `bytes` in a fresh incident directory as an incident file; checks that `verify`
/// and an append both fail with `code` and leave the file as it was.
fn check_incident(bytes: &[u8], code: i32, name: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir(root.join("incidents")).unwrap();
    let path = root.join(format!("incidents/{ID}.yaml"));
    std::fs::write(&path, bytes).unwrap();
    for args in [
        &["verify", ID][..],
        &["verify", &format!("incidents/{ID}.yaml")],
        // A write that needs the incident's state reads and verifies the whole file. (A
        // note, evidence or a notice reads only the first and the last record; see
        // docs/guarantees.md.)
        &["close", ID],
    ] {
        let out = bounded(root, args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{name} {args:?}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).starts_with("error: "),
            "{name}: {}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name} was changed");
    // The readers underneath never panic either.
    let _ = breach::journal::file::scan_bytes(&path, bytes);
}

#[test]
fn damaged_incident_files_exit_5() {
    let files = corpus("incidents/integrity");
    assert!(files.len() >= 40, "{}", files.len());
    for f in files {
        check_incident(&std::fs::read(&f).unwrap(), 5, &f.display().to_string());
    }
}

#[test]
fn sound_chains_that_are_not_readable_incidents_exit_3() {
    for f in corpus("incidents/invalid") {
        check_incident(&std::fs::read(&f).unwrap(), 3, &f.display().to_string());
    }
}

#[test]
fn unknown_record_kinds_are_verified_kept_and_ignored() {
    for f in corpus("incidents/accepted") {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir(root.join("incidents")).unwrap();
        let path = root.join(format!("incidents/{ID}.yaml"));
        std::fs::copy(&f, &path).unwrap();
        assert_ok(&bounded(root, &["verify"]));
        let scan = breach::journal::file::read(&path).unwrap();
        let incident = breach::ledger::fold(&scan).unwrap();
        assert_eq!(incident.warnings.len(), 1, "{f:?}: {:?}", incident.warnings);
        assert_ok(&bounded(root, &["note", "still recordable"]));
        assert_eq!(records(&path).len(), 7);
    }
}

#[test]
fn a_quoted_seq_verifies_and_a_record_after_closed_verifies_with_a_warning() {
    for f in corpus("incidents/verified") {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir(root.join("incidents")).unwrap();
        let path = root.join(format!("incidents/{ID}.yaml"));
        std::fs::copy(&f, &path).unwrap();
        let out = bounded(root, &["verify"]);
        assert_ok(&out);
        let late = f.ends_with("note-after-closed.yaml");
        assert_eq!(
            stderr(&out).contains("follow the `closed` record"),
            late,
            "{f:?}: {}",
            stderr(&out)
        );
        let scan = breach::journal::file::read(&path).unwrap();
        let incident = breach::ledger::fold(&scan).unwrap();
        assert_eq!(incident.after_closed.len(), usize::from(late), "{f:?}");
    }
}

#[test]
fn counts_are_whole_numbers_of_0_or_more_stored_as_integers() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Counts");
    let before = std::fs::read(&path).unwrap();
    for (bad, says) in [
        ("-5", "cannot be negative"),
        ("99999999999999999999999999999", "too large"),
        ("1e29", "too large"),
        ("1350.5", "a whole number"),
        ("twelve", "a whole number of 0 or more"),
    ] {
        let out = bounded(root, &["answer", "assess/count", bad]);
        assert_fails(&out, 3);
        assert!(stderr(&out).contains(says), "{bad}: {}", stderr(&out));
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "nothing was recorded"
    );
    assert_ok(&bounded(root, &["answer", "assess/count", "1200"]));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\n  value: 1200\n") && !text.contains("1200.0"),
        "{}",
        &text[text.len().saturating_sub(300)..]
    );
}

#[test]
fn a_runbook_with_problems_in_several_elements_gets_every_one() {
    let f = corpus("runbooks")
        .into_iter()
        .find(|f| f.ends_with("several-shape-problems.yaml"))
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = bounded(tmp.path(), &["runbook", "validate", f.to_str().unwrap()]);
    assert_fails(&out, 3);
    let err = stderr(&out);
    let problems: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(problems.len(), 5, "{err}");
    for fragment in [
        "unknown field `reqired`",
        "unknown variant `slider`",
        "duplicate step id `assess`",
        "unknown field `ownr`",
        "within.hours: invalid type",
    ] {
        assert!(err.contains(fragment), "{fragment}: {err}");
    }
    // A duration is a whole number of 0 or more.
    for name in ["negative-duration.yaml", "duration-too-large.yaml"] {
        let f = f.with_file_name(name);
        let out = bounded(tmp.path(), &["runbook", "validate", f.to_str().unwrap()]);
        assert_fails(&out, 3);
        assert!(
            stderr(&out).contains("expected a whole number of 0 or more"),
            "{name}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn invalid_runbooks_exit_3_and_open_nothing() {
    let files = corpus("runbooks");
    assert!(files.len() >= 25, "{}", files.len());
    for f in files {
        let tmp = tempfile::tempdir().unwrap();
        let out = bounded(
            tmp.path(),
            &[
                "start",
                "--no-walk",
                "--title",
                "t",
                "--runbook",
                f.to_str().unwrap(),
            ],
        );
        assert_fails(&out, 3);
        assert!(
            !tmp.path().join("incidents").exists(),
            "{f:?} opened an incident"
        );
        let text = std::fs::read(&f).unwrap();
        if let Ok(text) = std::str::from_utf8(&text) {
            assert!(breach::runbook::parse_text(text, "x").is_err(), "{f:?}");
        }
    }
}

/// Deterministic pseudo-random bytes.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn huge_binary_and_strange_incident_files_are_refused_quickly() {
    let tmp = tempfile::tempdir().unwrap();
    let valid = std::fs::read(open_tiny(tmp.path(), "Seed")).unwrap();
    let mb = 1024 * 1024;

    // 30 MB after a valid record: an incomplete last record (a torn tail).
    let mut torn = valid.clone();
    torn.extend(
        b"---\nseq: 1\n"
            .iter()
            .chain(&b"  padding line\n".repeat(2 * mb)),
    );
    check_incident(&torn, 5, "30 MB torn tail");
    // 30 MB of lines that are no record at all.
    check_incident(&b"not a record\n".repeat(30 * mb / 13), 5, "30 MB of text");
    // 20 MB inside one record with a correct hash: parsed, folded, accepted.
    let mut big = String::from_utf8(valid.clone()).unwrap();
    let prev = breach::journal::file::scan_text(Path::new("x"), &big)
        .last_hash()
        .to_string();
    let payload = breach::journal::Payload::Note(breach::journal::Note {
        text: "x".repeat(20 * mb),
        step: None,
    });
    let t = breach::types::parse_time("2026-11-23T10:15:00Z").unwrap();
    big.push_str(
        &breach::journal::format::encode(1, t, "a", &prev, &payload)
            .unwrap()
            .0,
    );
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("incidents")).unwrap();
    std::fs::write(root.path().join(format!("incidents/{ID}.yaml")), &big).unwrap();
    assert_ok(&bounded(root.path(), &["verify"]));

    check_incident(&noise(mb), 5, "binary");
    check_incident(b"", 3, "empty");
    check_incident(&[0xff; 4096], 5, "not UTF-8");
    let mut nested = valid.clone();
    nested.extend(format!("---\nseq: 1\nkind: x\npayload: {}\n", "[".repeat(mb)).as_bytes());
    check_incident(&nested, 5, "deeply nested tail");

    // A directory where the incident file should be.
    let root = tmp.path();
    std::fs::create_dir(root.join("incidents/20261124T000000Z-dir.yaml")).unwrap();
    let out = bounded(root, &["verify", "incidents/20261124T000000Z-dir.yaml"]);
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn huge_binary_and_strange_runbooks_are_refused_quickly() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let mb = 1024 * 1024;
    // The YAML parser's time grows with the square of the nesting depth: 4 MB of `[` must
    // be refused before it reaches the parser.
    let nested = format!("breach_runbook: 1\nsteps: {}\n", "[".repeat(4 * mb - 100));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("huge.yaml", b"# padding\n".repeat(3 * mb)),
        ("nested.yaml", nested.into_bytes()),
        ("binary.yaml", noise(mb)),
        ("empty.yaml", Vec::new()),
    ];
    for (name, bytes) in &cases {
        std::fs::write(root.join(name), bytes).unwrap();
        let out = bounded(
            root,
            &["start", "--no-walk", "--title", "t", "--runbook", name],
        );
        assert_fails(&out, 3);
    }
    std::fs::create_dir(root.join("dir.yaml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.yaml")).unwrap();
    std::os::unix::fs::symlink("missing.yaml", root.join("dangling.yaml")).unwrap();
    for (name, code) in [
        ("dir.yaml", 3),
        ("zero.yaml", 3),
        ("dangling.yaml", 4),
        ("none.yaml", 4),
    ] {
        let out = bounded(
            root,
            &["start", "--no-walk", "--title", "t", "--runbook", name],
        );
        assert_fails(&out, code);
    }
    assert!(!root.join("incidents").exists());
    // A symlink to a good runbook is read through: reading cannot harm.
    std::os::unix::fs::symlink(tiny_runbook(), root.join("link.yaml")).unwrap();
    assert_ok(&bounded(
        root,
        &[
            "start",
            "--no-walk",
            "--title",
            "t",
            "--runbook",
            "link.yaml",
        ],
    ));
}

#[test]
fn brackets_in_text_are_text_and_deep_nesting_is_refused_before_parsing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Brackets");
    // A note is text, whatever brackets it holds: it is recorded and reads back exactly.
    for n in [900, 1200, 60_000] {
        assert_ok(&bounded(root, &["note", &"[".repeat(n)]));
    }
    let notes: Vec<String> = breach::ledger::load(&path)
        .unwrap()
        .1
        .notes
        .iter()
        .map(|n| n.text.clone())
        .collect();
    assert_eq!(
        notes,
        ["[".repeat(900), "[".repeat(1200), "[".repeat(60_000)]
    );
    assert_ok(&bounded(root, &["verify"]));
    let before = std::fs::read(&path).unwrap();
    // A record with a correct hash around 1 MB of `[` is refused in a moment.
    let text = String::from_utf8(before).unwrap();
    let scan = breach::journal::file::scan_text(&path, &text);
    let (seq, prev) = (scan.records.len(), scan.last_hash().to_string());
    let body = format!(
        "---\nseq: {seq}\ntime: 2026-11-23T10:15:00Z\noperator: a\nkind: x\nprev: {prev}\npayload: {}\n",
        "[".repeat(1024 * 1024)
    );
    let forged = format!(
        "{text}{body}hash: {}\n",
        breach::journal::format::sha256_hex(body.as_bytes())
    );
    check_incident(forged.as_bytes(), 5, "1 MB of [ in a hashed record");
}

#[test]
fn the_same_state_gives_the_same_code_and_messages_name_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();

    // An empty incident file: invalid input (3) for status, verify and export alike.
    std::fs::create_dir(root.join("incidents")).unwrap();
    std::fs::write(root.join(format!("incidents/{ID}.yaml")), b"").unwrap();
    for cmd in ["status", "verify", "export"] {
        let out = bounded(root, &[cmd, ID]);
        assert_fails(&out, 3);
        assert!(
            stderr(&out).contains("no records"),
            "{cmd}: {}",
            stderr(&out)
        );
    }
    std::fs::remove_file(root.join(format!("incidents/{ID}.yaml"))).unwrap();

    // A title with a control character is refused for that reason, not for its length.
    let out = bounded(root, &["start", "--no-walk", "--title", "a\u{1b}[2Jb"]);
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("control character"),
        "{}",
        stderr(&out)
    );
    let long = "x".repeat(501);
    let out = bounded(root, &["start", "--no-walk", "--title", &long]);
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("at most 500"), "{}", stderr(&out));

    // An answers file that starts with a byte-order mark, before `---`, reads as without it.
    std::fs::write(
        root.join("answers.yaml"),
        "\u{feff}---\nintake:\n  title: With a BOM\n",
    )
    .unwrap();
    let out = bounded(root, &["start", "--answers", "answers.yaml"]);
    assert_ok(&out);
    // One further inside (two files joined) is named as such, not as "more than one
    // document".
    std::fs::write(
        root.join("answers2.yaml"),
        "intake:\n  title: Another\n\u{feff}---\n",
    )
    .unwrap();
    let out = bounded(root, &["start", "--answers", "answers2.yaml"]);
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("line 3 holds a byte-order mark"),
        "{}",
        stderr(&out)
    );

    // `evidence add` that registers nothing is an error (4), and the file is unchanged.
    let file = root
        .join("incidents")
        .read_dir()
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let before = std::fs::read(&file).unwrap();
    std::fs::create_dir(root.join("empty")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", root.join("link")).unwrap();
    for arg in ["empty", "link"] {
        let out = bounded(root, &["evidence", "add", arg]);
        assert_fails(&out, 4);
        assert!(
            stderr(&out).contains("nothing was recorded"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::read(&file).unwrap(), before);

    // A file that cannot be read is named in the message.
    if Path::new("/proc/self/mem").exists() {
        let out = bounded(root, &["evidence", "add", "/proc/self/mem"]);
        assert_fails(&out, 1);
        assert!(stderr(&out).contains("/proc/self/mem"), "{}", stderr(&out));
    }
}

#[test]
fn times_outside_1970_to_9999_and_leap_seconds_are_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for bad in [
        "0000-01-01T00:00:00Z",
        "2026-11-23T10:15:60Z",
        "1969-12-31 23:59",
    ] {
        let out = bounded(
            root,
            &["start", "--no-walk", "--title", "T", "--detected-at", bad],
        );
        assert_fails(&out, 3);
    }
    assert!(!root.join("incidents").exists(), "nothing was opened");
    let path = open_tiny(root, "Times");
    let before = std::fs::read(&path).unwrap();
    let out = bounded(root, &["answer", "assess/since", "2026-11-23T10:15:60Z"]);
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("second 60"), "{}", stderr(&out));
    let out = bounded(root, &["answer", "assess/since", "0000-06-01T00:00:00Z"]);
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("1970 to 9999"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn contradictory_or_repeated_choices_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    assert_ok(&bounded(
        root,
        &["start", "--no-walk", "--title", "Choices"],
    ));
    let file = root.join("incidents/20261123T101500Z-choices.yaml");
    let before = std::fs::read(&file).unwrap();
    let out = bounded(
        root,
        &["answer", "assess/data_types", "none_personal,payment_cards"],
    );
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("excludes every other option"),
        "{}",
        stderr(&out)
    );
    let out = bounded(
        root,
        &["answer", "assess/data_types", "payment_cards,payment_cards"],
    );
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("given twice"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert_ok(&bounded(
        root,
        &["answer", "assess/data_types", "none_personal"],
    ));
}
