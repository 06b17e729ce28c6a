//! End-to-end tests of action items: added, listed and done before and after `close`, in
//! the same hash chain, with nothing else accepted after `close`.

mod common;

use std::path::Path;

use common::breach;
use serde_json::Value;

fn open_incident(dir: &Path) {
    breach(dir)
        .args(["start", "--no-walk", "--title", "Card skimmer on checkout"])
        .args(["--detected-at", "2026-11-23T08:00:00Z"])
        .assert()
        .success();
}

fn incident_id(dir: &Path) -> String {
    let entry = std::fs::read_dir(dir.join("incidents"))
        .expect("test setup")
        .map(|e| e.expect("test setup").path())
        .find(|p| p.extension().is_some_and(|x| x == "yaml"))
        .expect("an incident file");
    entry
        .file_stem()
        .expect("test setup")
        .to_string_lossy()
        .into_owned()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let out = breach(dir).args(args).assert().success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON on stdout")
}

fn stdout(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(out.get_output().stdout.clone()).expect("test setup")
}

fn stderr(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(out.get_output().stderr.clone()).expect("test setup")
}

#[test]
fn action_items_get_stable_ids_and_are_listed_open_first() {
    let dir = tempfile::tempdir().expect("test setup");
    let d = dir.path();
    open_incident(d);
    let a1 = breach(d)
        .args([
            "action",
            "add",
            "Update the response plan",
            "--owner",
            "Dana",
        ])
        .args(["--due", "2026-12-15"])
        .assert()
        .success();
    assert!(
        stdout(&a1).contains("action item A1 added (owner Dana, due 2026-12-15)"),
        "{}",
        stdout(&a1)
    );
    breach(d)
        .args(["action", "add", "Train staff on phishing", "--owner", "HR"])
        .args(["--due", "2026-12-01"])
        .assert()
        .success();
    breach(d).args(["action", "done", "a1"]).assert().success();

    let list = json(d, &["action", "list", "--json"]);
    let actions = list["actions"].as_array().expect("test setup");
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0]["id"], "A2");
    assert_eq!(actions[0]["state"], "open");
    assert_eq!(actions[0]["owner"], "HR");
    assert_eq!(actions[1]["id"], "A1");
    assert_eq!(actions[1]["state"], "done");
    assert_eq!(actions[1]["done_by"], common::OPERATOR);
    assert_eq!(actions[1]["done_at"], common::NOW);

    // A day past its due day, A2 is overdue; status shows it.
    let later = breach(d)
        .env("BREACH_NOW", "2026-12-02T09:00:00Z")
        .args(["status"])
        .assert()
        .success();
    let text = stdout(&later);
    assert!(
        text.contains("Action items: 1 open (1 overdue), 1 done"),
        "{text}"
    );
    assert!(text.contains("A2   overdue  due 2026-12-01"), "{text}");
    assert!(!text.contains("Update the response plan"), "{text}");
}

#[test]
fn bad_action_input_is_refused_with_its_exit_code() {
    let dir = tempfile::tempdir().expect("test setup");
    let d = dir.path();
    open_incident(d);
    let bad_due = breach(d)
        .args([
            "action",
            "add",
            "x",
            "--owner",
            "Dana",
            "--due",
            "15.12.2026",
        ])
        .assert()
        .code(3);
    assert!(stderr(&bad_due).contains("expected a day as YYYY-MM-DD"));
    breach(d)
        .args([
            "action",
            "add",
            " ",
            "--owner",
            "Dana",
            "--due",
            "2026-12-15",
        ])
        .assert()
        .code(3);
    breach(d)
        .args(["action", "add", "x", "--owner", "", "--due", "2026-12-15"])
        .assert()
        .code(3);
    let unknown = breach(d).args(["action", "done", "A7"]).assert().code(4);
    assert!(
        stderr(&unknown).contains("no action item `A7`"),
        "{}",
        stderr(&unknown)
    );
    breach(d)
        .args([
            "action",
            "add",
            "x",
            "--owner",
            "Dana",
            "--due",
            "2026-12-15",
        ])
        .assert()
        .success();
    breach(d).args(["action", "done", "A1"]).assert().success();
    let twice = breach(d).args(["action", "done", "A1"]).assert().code(6);
    assert!(
        stderr(&twice).contains("already done"),
        "{}",
        stderr(&twice)
    );
}

#[test]
fn action_items_are_recorded_after_close_and_nothing_else_is() {
    let dir = tempfile::tempdir().expect("test setup");
    let d = dir.path();
    open_incident(d);
    breach(d)
        .args([
            "action",
            "add",
            "Rotate API keys",
            "--owner",
            "ops",
            "--due",
            "2026-11-30",
        ])
        .assert()
        .success();
    breach(d).args(["close"]).assert().success();
    let id = incident_id(d);

    // Follow-ups outlive the incident: added and done after `close`, naming the incident.
    breach(d)
        .args(["-i", &id, "action", "add", "Quarterly plugin audit"])
        .args(["--owner", "Dana", "--due", "2027-03-31"])
        .assert()
        .success();
    breach(d)
        .args(["-i", &id, "action", "done", "A1"])
        .assert()
        .success();

    // Anything else is refused, by the whole-file path and by the quick path alike, although
    // the last record is now an action item rather than `closed`.
    let note = breach(d)
        .args(["-i", &id, "note", "late note"])
        .assert()
        .code(6);
    assert!(stderr(&note).contains("is closed"), "{}", stderr(&note));
    breach(d)
        .args(["-i", &id, "check", "contain/isolate_systems"])
        .assert()
        .code(6);
    let evidence = d.join("access.log");
    std::fs::write(&evidence, "GET /checkout\n").expect("test setup");
    let late = breach(d)
        .args(["-i", &id, "evidence", "add"])
        .arg(&evidence)
        .assert()
        .code(6);
    assert!(stderr(&late).contains("is closed"), "{}", stderr(&late));
    // The incident still counts as closed when no incident is named.
    breach(d).args(["note", "late note"]).assert().code(4);

    let status = json(d, &["-i", &id, "status", "--json"]);
    assert_eq!(status["state"], "closed");
    let actions = status["actions"].as_array().expect("test setup");
    assert_eq!(actions[0]["id"], "A2");
    assert_eq!(actions[0]["state"], "open");
    assert_eq!(actions[1]["id"], "A1");
    assert_eq!(actions[1]["state"], "done");
    let text = stdout(&breach(d).args(["-i", &id, "status"]).assert().success());
    assert!(
        text.contains("Action items: 1 open (0 overdue), 1 done"),
        "{text}"
    );

    // The same chain: it verifies, and the action records follow the `closed` record.
    let verify = breach(d).args(["verify", "-i", &id]).assert().success();
    assert!(
        stdout(&verify).contains("ok: 5 records, chain intact"),
        "{}",
        stdout(&verify)
    );
    let file = std::fs::read_to_string(d.join("incidents").join(format!("{id}.yaml")))
        .expect("test setup");
    let kinds: Vec<&str> = file
        .lines()
        .filter_map(|l| l.strip_prefix("kind: "))
        .collect();
    assert_eq!(
        kinds,
        ["opened", "action", "closed", "action", "action_done"]
    );
    assert_eq!(file.matches("after_close: true").count(), 2);
}
