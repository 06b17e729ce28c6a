//! Record times in a format 1 file: a time more than 120 seconds before the file's last record
//! is refused on every write path, and a file that holds such records (written by an earlier
//! release or another program) is flagged by `verify`, `status` and the export.

use breach::journal::format;
use breach::types::parse_time;

use super::common::exports::{self, Layout, Spec};
use super::*;

/// 121 seconds before the harness's fixed time, at which the incident is opened.
const EARLIER: &str = "2026-11-23T10:12:59Z";
/// 120 seconds before it: within the skew allowed for clocks adjusted by NTP.
const WITHIN_SKEW: &str = "2026-11-23T10:13:00Z";

fn at(root: &Path, now: &str, args: &[&str]) -> Output {
    breach(root)
        .env("BREACH_NOW", now)
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}

#[test]
fn every_format_1_write_refuses_a_time_that_goes_back() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Clock went back");
    std::fs::write(root.join("log.txt"), "web server log\n").unwrap();
    let (orders, _) = exports::generate(&Spec {
        layout: Layout::WooOrders,
        seed: 3,
        people: 5,
        orders: 8,
        californians: 1,
        card_only: false,
    });
    std::fs::write(root.join("orders.csv"), orders).unwrap();
    let commands: &[&[&str]] = &[
        &["note", "from the past"],
        &["check", "assess/scoped"],
        &["answer", "assess/count", "3"],
        &["step", "assess", "--skip", "not needed"],
        &[
            "amend",
            "severity",
            "low",
            "--reason",
            "smaller than thought",
        ],
        &["evidence", "add", "log.txt"],
        &[
            "action",
            "add",
            "rotate keys",
            "--owner",
            "dev",
            "--due",
            "2026-12-01",
        ],
        &[
            "affected",
            "import",
            "orders.csv",
            "--from",
            exports::FROM,
            "--to",
            exports::TO,
        ],
        &["close"],
    ];
    let before = std::fs::read(&path).unwrap();
    for args in commands {
        let out = at(root, EARLIER, args);
        assert_fails(&out, 3);
        let err = stderr(&out);
        assert!(
            err.contains("the incident's last record was written at 2026-11-23T10:15:00Z: the clock went back")
                && err.contains("nothing was recorded"),
            "{args:?}: {err}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "{args:?} wrote to the file"
        );
    }

    // The walk records through its own path (the state it holds between answers).
    std::fs::write(
        root.join("answers.yaml"),
        "assess/count: 3\nassess: pause\n",
    )
    .unwrap();
    let out = at(
        root,
        EARLIER,
        &["resume", "--step", "assess", "--answers", "answers.yaml"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the clock went back"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the walk wrote to the file"
    );

    // A notice needs a runbook with templates: the built-in one.
    let other = tempfile::tempdir().unwrap();
    assert_ok(
        &breach(other.path())
            .args(["start", "--no-walk", "--title", "Notices"])
            .output()
            .unwrap(),
    );
    let out = at(
        other.path(),
        EARLIER,
        &["notify", "sent", "authority-notice"],
    );
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("the clock went back"),
        "{}",
        stderr(&out)
    );
    assert_ok(&at(
        other.path(),
        WITHIN_SKEW,
        &["notify", "sent", "authority-notice"],
    ));

    // Up to 120 seconds back is accepted, and is then the time the next one is held to.
    assert_ok(&at(root, WITHIN_SKEW, &["note", "NTP stepped the clock"]));
    assert_ok(&at(
        root,
        "2026-11-23T10:11:00Z",
        &["check", "assess/scoped"],
    ));
    assert_ok(&at(
        root,
        "2026-11-23T10:11:00Z",
        &[
            "action",
            "add",
            "x",
            "--owner",
            "dev",
            "--due",
            "2026-12-01",
        ],
    ));
    assert_fails(
        &at(root, "2026-11-23T10:08:59Z", &["note", "further back"]),
        3,
    );
    assert_fails(
        &at(root, "2026-11-23T10:08:59Z", &["action", "done", "A1"]),
        3,
    );
    let out = run(root, &["verify"]);
    assert_ok(&out);
    assert!(
        !stderr(&out).contains("clock went back"),
        "{}",
        stderr(&out)
    );
}

/// Rewrites a format 1 file with these record times, chaining it again: what an earlier
/// release, or another program, could have written.
fn retime(path: &Path, times: &[(u64, &str)]) {
    let mut text = String::new();
    let mut prev = format::GENESIS.to_string();
    for mut r in records(path) {
        if let Some((_, t)) = times.iter().find(|(seq, _)| *seq == r.seq) {
            r.time = parse_time(t).unwrap();
        }
        let (t, h) = format::encode(r.seq, r.time, &r.operator, &prev, &r.payload).unwrap();
        text.push_str(&t);
        prev = h;
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_format_1_file_whose_clock_went_back_is_flagged_not_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Old release");
    for n in 0..4 {
        assert_ok(&run(root, &["note", &format!("note {n}")]));
    }
    // Record 2 is dated 2020 (before the opening record), record 4 goes back 10 minutes.
    retime(
        &path,
        &[
            (2, "2020-01-01T00:00:00Z"),
            (3, "2026-11-23T10:30:00Z"),
            (4, "2026-11-23T10:20:00Z"),
        ],
    );
    let line = records(&path)[2].line;
    let note = format!(
        "the clock went back more than 120 seconds at record 2 (line {line}) and 1 more times; the chain itself is intact"
    );

    let out = run(root, &["verify"]);
    assert_ok(&out);
    assert!(stdout(&out).contains("chain intact"), "{}", stdout(&out));
    assert!(stderr(&out).contains(&note), "{}", stderr(&out));
    let out = run(root, &["verify", "--json"]);
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ok"], true, "{json}");
    assert!(
        json["clock_notes"][0].as_str().unwrap().contains(&note),
        "{json}"
    );

    // The independent verifier, written from the format document, flags it the same way.
    if let Some(py) = super::independent::python() {
        let out = std::process::Command::new(py)
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent/verify_incident.py"))
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        assert!(
            stdout(&out).contains(&format!(
                "warning: the clock went back more than 120 seconds at record 2 (line {line}) and 1 more times"
            )),
            "{}",
            stdout(&out)
        );
    }

    let out = run(root, &["status"]);
    assert_ok(&out);
    assert!(stderr(&out).contains(&note), "{}", stderr(&out));
    let out = run(root, &["status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["clock_notes"][0].as_str().unwrap().contains(&note),
        "{json}"
    );

    let out = run(root, &["export", "--format", "json"]);
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["clock_notes"][0].as_str().unwrap().contains(&note),
        "{json}"
    );
    let out = run(root, &["export"]);
    assert_ok(&out);
    let md = stdout(&out);
    assert!(md.contains("How the records were timed"), "{md}");
    assert!(
        md.contains("the clock went back more than 120 seconds at record 2"),
        "{md}"
    );

    // An append is held to the last record's time, not to the earliest or latest one.
    assert_fails(&at(root, "2026-11-23T10:17:59Z", &["note", "x"]), 3);
    assert_ok(&at(root, "2026-11-23T10:18:00Z", &["note", "x"]));

    // A file whose times never go back says nothing about clocks.
    let tmp = tempfile::tempdir().unwrap();
    open_tiny(tmp.path(), "Sound");
    let out = run(tmp.path(), &["status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json.get("clock_notes").is_none(), "{json}");
}
