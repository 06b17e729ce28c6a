//! End-to-end tests of `breach evidence` and `breach notify`.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::breach;
use predicates::prelude::*;

const ID: &str = "20261123T101500Z-card-skimmer";

fn start(dir: &Path) {
    breach(dir)
        .args(["start", "--no-walk", "--title", "Card skimmer"])
        .args(["--detected-at", "2026-11-23T08:00:00Z"])
        .assert()
        .success();
}

fn answer(dir: &Path, target: &str, value: &str) {
    breach(dir)
        .args(["answer", target, value])
        .assert()
        .success();
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("file exists")
        .permissions()
        .mode()
        & 0o777
}

fn evidence_json(dir: &Path) -> serde_json::Value {
    let out = breach(dir)
        .args(["evidence", "list", "--json"])
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("valid JSON")
}

#[test]
fn a_file_changed_after_registration_is_named_by_verify_with_exit_5() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    std::fs::write(dir.join("access.log"), "GET /checkout\n").unwrap();
    std::fs::write(dir.join("error.log"), "nothing\n").unwrap();
    breach(dir)
        .args([
            "evidence",
            "add",
            "access.log",
            "error.log",
            "--note",
            "web logs",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "recorded #1 in {ID}: evidence"
        )));
    breach(dir)
        .args(["evidence", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("unchanged"));

    std::fs::write(dir.join("access.log"), "GET /checkout\nedited\n").unwrap();
    let out = breach(dir)
        .args(["evidence", "verify", "--json"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("access.log is changed"))
        .stderr(predicate::str::contains("error.log").not());
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v[0]["original"]["state"], "changed");
    assert_eq!(v[1]["original"]["state"], "unchanged");
    assert_eq!(v[0]["note"], "web logs");
    assert_eq!(v[0]["stamp"]["by"], "tester");
    let abs = dir.canonicalize().unwrap().join("access.log");
    assert_eq!(v[0]["path"], abs.display().to_string());
    assert_eq!(v[0]["size"], 14);
    assert_eq!(
        v[0]["sha256"],
        // sha256("GET /checkout\n")
        format!(
            "{:x}",
            <sha2::Sha256 as sha2::Digest>::digest(b"GET /checkout\n")
        )
    );
}

#[test]
fn a_deleted_file_is_missing_with_exit_5() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    std::fs::write(dir.join("dump.sql"), "insert").unwrap();
    breach(dir)
        .args(["evidence", "add", "dump.sql"])
        .assert()
        .success();
    std::fs::remove_file(dir.join("dump.sql")).unwrap();
    breach(dir)
        .args(["evidence", "verify"])
        .assert()
        .code(5)
        .stdout(predicate::str::contains("missing"))
        .stderr(predicate::str::contains("dump.sql is missing"));
}

#[test]
fn copies_are_private_and_never_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    std::fs::write(dir.join("a.log"), "first").unwrap();
    let folder = dir.join("incidents").join(format!("{ID}.evidence"));
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.log"), "keep me").unwrap();

    breach(dir)
        .args(["evidence", "add", "a.log", "--copy"])
        .assert()
        .success();
    breach(dir)
        .args(["evidence", "add", "a.log", "--copy"])
        .assert()
        .success();

    assert_eq!(
        std::fs::read_to_string(folder.join("a.log")).unwrap(),
        "keep me"
    );
    assert_eq!(mode(&folder), 0o700);
    for name in ["a-2.log", "a-3.log"] {
        assert_eq!(std::fs::read_to_string(folder.join(name)).unwrap(), "first");
        assert_eq!(mode(&folder.join(name)), 0o600, "{name}");
    }
    let v = evidence_json(dir);
    assert_eq!(v[0]["copy"], format!("{ID}.evidence/a-2.log"));
    assert_eq!(v[1]["copy"], format!("{ID}.evidence/a-3.log"));

    // The original changes; the copies still match what was registered.
    std::fs::write(dir.join("a.log"), "tampered").unwrap();
    let out = breach(dir)
        .args(["evidence", "verify", "--json"])
        .assert()
        .code(5);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v[0]["original"]["state"], "changed");
    assert_eq!(v[0]["copy_check"]["state"], "unchanged");
}

#[test]
fn directories_are_walked_in_order_and_links_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    std::fs::create_dir_all(dir.join("logs/sub")).unwrap();
    std::fs::write(dir.join("logs/b.log"), "b").unwrap();
    std::fs::write(dir.join("logs/a.log"), "a").unwrap();
    std::fs::write(dir.join("logs/sub/c.log"), "c").unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.join("logs/link")).unwrap();
    breach(dir)
        .args(["evidence", "add", "logs"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "skipped logs/link: a symbolic link",
        ));
    let v = evidence_json(dir);
    let paths: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(paths[0].ends_with("logs/a.log"));
    assert!(paths[1].ends_with("logs/b.log"));
    assert!(paths[2].ends_with("logs/sub/c.log"));
}

#[test]
fn a_missing_path_exits_4_and_records_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    std::fs::write(dir.join("present.log"), "x").unwrap();
    breach(dir)
        .args(["evidence", "add", "present.log", "no-such.log"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("no-such.log: no such file"));
    assert_eq!(evidence_json(dir), serde_json::json!([]));
}

/// Records every fact the built-in customer notice uses.
fn record_customer_facts(dir: &Path) {
    answer(dir, "assess/breach_type", "card_skimming");
    answer(
        dir,
        "assess/data_types",
        "payment_cards,account_credentials",
    );
    answer(dir, "investigate/access_started", "2026-11-01T00:00:00Z");
    answer(dir, "investigate/access_ended", "2026-11-23T09:00:00Z");
    answer(dir, "contain/contained", "yes");
    answer(dir, "contain/contained_at", "2026-11-23T09:30:00Z");
    answer(dir, "report/law_enforcement", "no");
    answer(
        dir,
        "remediate/remediation_summary",
        "Removed the injected script and rotated every admin password",
    );
    answer(dir, "communicate/support_contact", "help@shop.example");
    answer(dir, "notify/store_name", "Example Shop Ltd");
    answer(
        dir,
        "notify/store_contact",
        "1 High Street, London; hello@shop.example",
    );
}

#[test]
fn a_draft_with_every_fact_recorded_contains_them_and_no_marker() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    record_customer_facts(dir);
    let out = breach(dir)
        .args(["notify", "draft", "customer-notice"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").not());
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for expected in [
        "Subject: Notice of Data Breach",
        "What Happened",
        "What Information Was Involved",
        "What We Are Doing",
        "What You Can Do",
        "For More Information",
        "2026-11-23 08:00 UTC",
        "Card skimmer / malicious script on the checkout",
        "from 2026-11-01 00:00 UTC to 2026-11-23 09:00 UTC",
        "Payment card numbers, Customer account passwords or login tokens",
        "The breach was contained on 2026-11-23 09:30 UTC.",
        "Removed the injected script and rotated every admin password",
        "Law enforcement has not been involved.",
        "Check your card statements",
        "Change your password",
        "help@shop.example",
        "Example Shop Ltd",
        "1 High Street, London; hello@shop.example",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!text.contains("[TO FILL"), "{text}");
}

#[test]
fn a_draft_with_facts_missing_shows_markers_and_warns() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    answer(dir, "assess/breach_type", "database_theft");
    let out = breach(dir)
        .args(["notify", "draft", "customer-notice"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Customer database stolen or exposed"))
        .stdout(predicate::str::contains(
            "[TO FILL: which kinds of data were involved]",
        ))
        .stdout(predicate::str::contains("[TO FILL: where people can get help]"))
        .stderr(predicate::str::contains("warning: 9 fact(s) not recorded yet"))
        .stderr(predicate::str::contains(
            "data_categories: which kinds of data were involved (`breach answer assess/data_types VALUE`)",
        ))
        .stderr(predicate::str::contains("support_contact"));
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(!stderr.contains("what_happened"), "{stderr}");
}

#[test]
fn a_draft_written_to_a_file_is_private_and_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    breach(dir)
        .args(["notify", "draft", "security-team-notice", "-o", "team.txt"])
        .assert()
        .success()
        .stdout("");
    let text = std::fs::read_to_string(dir.join("team.txt")).unwrap();
    assert!(
        text.starts_with("Subject: Security incident (high): Card skimmer\n"),
        "{text}"
    );
    assert_eq!(mode(&dir.join("team.txt")), 0o600);
    std::fs::write(dir.join("team.txt"), "edited by hand").unwrap();
    breach(dir)
        .args(["notify", "draft", "security-team-notice", "-o", "team.txt"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("team.txt already exists"));
    assert_eq!(
        std::fs::read_to_string(dir.join("team.txt")).unwrap(),
        "edited by hand"
    );
}

#[test]
fn a_notice_sent_is_recorded_and_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    breach(dir)
        .args(["notify", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("authority-notice").and(predicate::str::contains("not yet")),
        );
    breach(dir)
        .args(["notify", "sent", "authority-notice"])
        .args(["--at", "2026-11-23T10:00:00Z", "--to", "CNIL"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "recorded #1 in {ID}: notice authority-notice sent at 2026-11-23T10:00:00Z to CNIL"
        )));
    let file = std::fs::read_to_string(dir.join(format!("incidents/{ID}.yaml"))).unwrap();
    assert!(file.contains("kind: notice"), "{file}");
    let out = breach(dir)
        .args(["notify", "list", "--json"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let authority = v
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "authority-notice")
        .unwrap();
    assert_eq!(
        authority["audience"],
        "data protection supervisory authority"
    );
    assert_eq!(authority["sent"][0]["at"], "2026-11-23T10:00:00Z");
    assert_eq!(authority["sent"][0]["to"], "CNIL");
    breach(dir)
        .args(["notify", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("2026-11-23 10:00").and(predicate::str::contains("to CNIL")),
        );
    breach(dir)
        .args([
            "notify",
            "sent",
            "customer-notice",
            "--at",
            "2026-11-24T00:00:00Z",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("in the future"));
}

#[test]
fn an_unknown_template_exits_4() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    for cmd in ["draft", "sent"] {
        breach(dir)
            .args(["notify", cmd, "press-release"])
            .assert()
            .code(4)
            .stderr(predicate::str::contains(
                "no template `press-release` in runbook ecommerce-breach; templates are: customer-notice",
            ));
    }
    let file = std::fs::read_to_string(dir.join(format!("incidents/{ID}.yaml"))).unwrap();
    assert!(!file.contains("kind: notice"));
}

#[test]
fn copy_keeps_the_structure_of_an_added_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    std::fs::create_dir_all(dir.join("dump/sub")).unwrap();
    std::fs::write(dir.join("dump/config.inc.php"), "top\n").unwrap();
    std::fs::write(dir.join("dump/sub/config.inc.php"), "nested\n").unwrap();
    breach(dir)
        .args(["evidence", "add", "--copy", "dump"])
        .assert()
        .success();
    let folder = dir.join(format!("incidents/{ID}.evidence"));
    assert_eq!(
        std::fs::read_to_string(folder.join("dump/config.inc.php")).unwrap(),
        "top\n"
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("dump/sub/config.inc.php")).unwrap(),
        "nested\n"
    );
    assert_eq!(mode(&folder.join("dump")), 0o700);
    assert_eq!(mode(&folder.join("dump/sub")), 0o700);
    assert_eq!(mode(&folder.join("dump/sub/config.inc.php")), 0o600);
    let json = evidence_json(dir);
    let copies: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["copy"].as_str().unwrap())
        .collect();
    assert_eq!(
        copies,
        [
            format!("{ID}.evidence/dump/config.inc.php"),
            format!("{ID}.evidence/dump/sub/config.inc.php")
        ]
    );
    breach(dir).args(["evidence", "verify"]).assert().success();
}

#[test]
fn a_file_name_that_is_not_utf8_is_recorded_losslessly_copied_under_its_name_and_verified() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    std::fs::create_dir(dir.join("logs")).unwrap();
    let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9.log");
    std::fs::write(dir.join("logs").join(latin1), "GET /\n").unwrap();
    std::fs::write(dir.join("logs/back\\slash.log"), "x\n").unwrap();
    breach(dir)
        .args(["evidence", "add", "--copy", "logs"])
        .assert()
        .success();
    let json = evidence_json(dir);
    let paths: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.iter().any(|p| p.ends_with("/logs/back\\\\slash.log")),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p.ends_with("/logs/caf\\xe9.log")),
        "{paths:?}"
    );
    assert!(!paths.iter().any(|p| p.contains('\u{fffd}')), "{paths:?}");
    // The copy has the real name, byte for byte.
    let copy = dir
        .join(format!("incidents/{ID}.evidence/logs"))
        .join(latin1);
    assert_eq!(std::fs::read_to_string(copy).unwrap(), "GET /\n");
    breach(dir)
        .args(["evidence", "verify"])
        .assert()
        .success()
        .stderr(predicate::str::contains("all 2 evidence file(s) unchanged"));
    // A change is still found through the escaped name.
    std::fs::write(dir.join("logs").join(latin1), "changed\n").unwrap();
    breach(dir).args(["evidence", "verify"]).assert().code(5);
}

/// A 64 MiB file written quickly (sparse: its bytes read as zeros), large enough for a bar.
fn large_file(dir: &Path) -> std::path::PathBuf {
    let f = dir.join("dump.sql");
    let file = std::fs::File::create(&f).expect("create");
    file.set_len(64 * 1024 * 1024).expect("extend");
    f
}

/// `breach ARGS` in a pseudo-terminal in `dir`, with the test environment and `extra`.
fn pty(dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> rexpect::session::PtySession {
    let mut cmd = common::command(dir);
    cmd.args(args).env("TERM", "xterm").env_remove("CI");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let options = rexpect::session::Options::new()
        .timeout_ms(Some(60_000))
        .strip_ansi_escape_codes(true);
    rexpect::session::spawn_with_options(cmd, options).expect("spawn breach in a pty")
}

/// Everything the program in `p` prints until it ends, and its exit code.
fn rest(p: &mut rexpect::session::PtySession) -> (String, i32) {
    let text = p.exp_eof().expect("the program ends");
    match p.process().wait().expect("wait") {
        rexpect::process::WaitStatus::Exited(_, code) => (text, code),
        other => panic!("breach did not exit normally: {other:?}"),
    }
}

#[test]
fn long_hashing_and_copying_show_a_bar_on_a_terminal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    start(dir);
    let f = large_file(dir);
    let f = f.to_str().expect("utf-8 path");

    // NO_COLOR is set: colour is off, the bar is still shown.
    let mut p = pty(dir, &["evidence", "add", "--copy", f], &[]);
    // Copying reads the file and then the copy: 128 MiB of work, with a rate and an ETA.
    p.exp_string("copying").expect("the bar's message");
    p.exp_string("/128.00 MiB (").expect("the bar's total");
    p.exp_string("/s, ").expect("the bar's rate");
    p.exp_string("left)").expect("the bar's ETA");
    let (text, code) = rest(&mut p);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("recorded #1 in"), "{text}");

    let mut p = pty(dir, &["evidence", "verify"], &[]);
    p.exp_string("checking").expect("the bar's message");
    p.exp_string("/128.00 MiB (").expect("the bar's total");
    let (text, code) = rest(&mut p);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("all 1 evidence file(s) unchanged"), "{text}");

    // Under CI, even on a terminal, no bar.
    let mut p = pty(dir, &["evidence", "add", f], &[("CI", "true")]);
    let (text, code) = rest(&mut p);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("recorded #2 in"), "{text}");
    assert!(!text.contains("MiB"), "no bar under CI: {text:?}");
}

#[test]
fn no_bar_reaches_a_pipe() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    start(dir);
    let f = large_file(dir);
    for args in [
        vec!["evidence", "add", "--copy"],
        vec!["evidence", "verify"],
        vec!["evidence", "verify", "--json"],
    ] {
        let out = breach(dir)
            .args(&args)
            .args(args[1].eq("add").then_some(&f))
            .env_remove("CI")
            .env("TERM", "xterm")
            .assert()
            .success();
        let out = out.get_output();
        for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains("MiB") && !text.contains('\r') && !text.contains('\x1b'),
                "{args:?}: a bar reached {name}: {text:?}"
            );
        }
    }
}

/// Files `a.log`, `b.log` and `sub/c.log` under `dir/dump`.
fn dump(dir: &Path) {
    std::fs::create_dir_all(dir.join("dump/sub")).expect("create dump/sub");
    for (name, text) in [("a.log", "a"), ("b.log", "bb"), ("sub/c.log", "ccc")] {
        std::fs::write(dir.join("dump").join(name), text).expect("write a dump file");
    }
}

#[test]
fn a_file_that_fails_in_a_directory_add_records_nothing_and_removes_the_copies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    dump(dir);
    // A file where the folder of `sub/c.log`'s copy belongs: a.log and b.log are copied,
    // then c.log cannot be.
    let folder = dir.join(format!("incidents/{ID}.evidence/dump"));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("sub"), "in the way").unwrap();
    breach(dir)
        .args(["evidence", "add", "--copy", "dump"])
        .assert()
        .failure()
        .stdout("")
        .stderr(predicate::str::contains(
            "nothing was recorded: dump/sub/c.log could not be registered (the copies of the 2 file(s) before it were removed)",
        ));
    assert_eq!(evidence_json(dir), serde_json::json!([]));
    let left: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("sub")],
        "copies removed"
    );
}

#[test]
fn a_directory_add_reports_each_file_once_all_are_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    start(dir);
    dump(dir);
    let out = breach(dir)
        .args(["evidence", "add", "--copy", "dump"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    for (line, (seq, name)) in lines
        .iter()
        .zip([(1, "a.log"), (2, "b.log"), (3, "sub/c.log")])
    {
        assert!(
            line.starts_with(&format!("recorded #{seq} in {ID}: evidence ")),
            "{line}"
        );
        assert!(
            line.ends_with(&format!("copied to {ID}.evidence/dump/{name}")),
            "{line}"
        );
    }
    breach(dir).args(["verify"]).assert().success();
    breach(dir).args(["evidence", "verify"]).assert().success();
}

#[test]
fn a_directory_add_to_a_team_incident_is_recorded_in_one_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    breach(dir)
        .env("BREACH_DEVICE", "ana@laptop")
        .args(["start", "--no-walk", "--team", "--title", "Team skimmer"])
        .args(["--detected-at", "2026-11-23T08:00:00Z"])
        .assert()
        .success();
    dump(dir);
    let out = breach(dir)
        .env("BREACH_DEVICE", "ana@laptop")
        .args(["evidence", "add", "--copy", "dump"])
        .args(["--at", "2026-11-23T09:00:00Z"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(text.matches("recorded #").count(), 3, "{text}");
    assert!(text.contains("recorded #3 in"), "{text}");
    breach(dir).args(["verify"]).assert().success();
    breach(dir).args(["evidence", "verify"]).assert().success();
    let v = evidence_json(dir);
    assert_eq!(v.as_array().unwrap().len(), 3, "{v}");
    // The three records are in this device's journal, with their event time.
    let journal = std::fs::read_dir(dir.join("incidents"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir() && !p.to_string_lossy().ends_with(".evidence"))
        .unwrap();
    let texts: Vec<String> = walk_files(&journal)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let all = texts.concat();
    assert_eq!(all.matches("\nkind: evidence\n").count(), 3, "{all}");
    assert_eq!(all.matches("2026-11-23T09:00:00Z").count(), 3, "{all}");
}

fn walk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read the directory") {
        let p = e.expect("a directory entry").path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}
