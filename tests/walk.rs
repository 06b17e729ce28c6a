//! End-to-end tests of the walk: the real binary in a pseudo-terminal pressing real keys,
//! `--answers` files, and the refusal to run without a terminal.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use breach::incident::{Incident, StepStatus};
use breach::types::AnswerValue;
use common::{NOW, breach};
use rexpect::process::WaitStatus;
use rexpect::session::{Options, PtySession, spawn_with_options};

const DOWN: &str = "\x1b[B";
const ESC: &str = "\x1b";

/// `breach ARGS` in a fresh pseudo-terminal, in `dir`, with the test environment.
fn pty(dir: &Path, args: &[&str]) -> PtySession {
    let mut cmd = common::command(dir);
    cmd.args(args).env("TERM", "xterm");
    // Generous per-expect timeout for a loaded 2-core machine; each test takes seconds.
    let options = Options::new()
        .timeout_ms(Some(20_000))
        .strip_ansi_escape_codes(true);
    spawn_with_options(cmd, options).expect("spawn breach in a pty")
}

/// Waits for `prompt` on screen, then types `keys`.
fn answer(p: &mut PtySession, prompt: &str, keys: &str) {
    if let Err(e) = p.exp_string(prompt) {
        panic!("waiting for {prompt:?}: {e}");
    }
    // Let the prompt switch the terminal to raw mode before the keys arrive.
    std::thread::sleep(Duration::from_millis(30));
    p.send(keys).expect("send keys");
    p.flush().expect("flush");
}

/// Skips the step whose action menu is next, with `reason`.
fn skip(p: &mut PtySession, reason: &str) {
    answer(p, "What now with this step?", &format!("{DOWN}\r"));
    answer(p, "Why skip this step?", &format!("{reason}\r"));
}

fn exit_code(p: &mut PtySession) -> i32 {
    p.exp_eof().expect("the program ends");
    match p.process().wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("breach did not exit normally: {other:?}"),
    }
}

/// The incident in `dir`: its file, or the directory of a team incident.
fn incident_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir.join("incidents"))
        .expect("incident dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "yaml")
                || (p.is_dir() && p.extension().is_none_or(|x| x != "evidence"))
        })
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

fn load(dir: &Path) -> Incident {
    breach::ledger::load(&incident_file(dir))
        .expect("incident loads")
        .1
}

fn value<'a>(i: &'a Incident, step: &str, q: &str) -> Option<&'a AnswerValue> {
    i.step(step)?.answers.get(q).map(|a| &a.value)
}

fn status(i: &Incident, step: &str) -> StepStatus {
    i.step(step).expect("step exists").status
}

fn verify_ok(dir: &Path) {
    breach(dir).arg("verify").assert().success();
}

fn text(s: &str) -> AnswerValue {
    AnswerValue::Text(s.into())
}

#[test]
fn pty_full_walk_of_the_default_runbook_with_real_keys() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let mut p = pty(dir, &["start"]);
    // Intake: typed title, defaults for the rest.
    answer(
        &mut p,
        "Short title of the incident",
        "Card skimmer on checkout\r",
    );
    answer(&mut p, "Severity", "\r");
    answer(&mut p, "start the legal clocks", "");
    answer(
        &mut p,
        "When was the breach detected?",
        "2026-11-23T08:00:00Z\r",
    );
    // The awareness time defaults to the detection time, never to the opening time (10:15).
    answer(
        &mut p,
        "When did you learn that personal data was affected?",
        "\r",
    );
    // Optional: enter leaves it open.
    answer(&mut p, "If known: when was it determined", "\r");
    answer(&mut p, "Which runbook?", "\r");
    answer(&mut p, "Step 1 of 10", "");
    // Step 1, every question kind: tick two of three items.
    answer(
        &mut p,
        "Checklist: tick what is done",
        &format!(" {DOWN} \r"),
    );
    answer(&mut p, "What kind of breach is it?", &format!("{DOWN}\r"));
    answer(&mut p, "Which data may have been compromised?", " \r");
    answer(&mut p, "Is personal data about people", "y");
    answer(&mut p, "Does the data reveal any of these", ESC);
    answer(&mut p, "Was the data protected by encryption", "\r");
    answer(&mut p, "Roughly how many people are affected?", "1200\r");
    // California is the ninth place of the pick list.
    answer(
        &mut p,
        "Where do the affected people live?",
        &format!("{} \r", DOWN.repeat(8)),
    );
    // Appears only because California was picked.
    answer(
        &mut p,
        "How many affected people live in California?",
        "300\r",
    );
    answer(&mut p, "Is the breach likely to pose a high risk", "n");
    answer(&mut p, "NIS2", ESC);
    answer(&mut p, "Do any of these describe the business?", ESC);
    answer(
        &mut p,
        "When was it determined that a breach actually occurred?",
        "2026-11-23T09:00:00Z\r",
    );
    answer(&mut p, "What now with this step?", "\r");
    answer(&mut p, "Mark the step done anyway?", "y");
    // Card data makes Mastercard's 24 hours pressing: declined, it is not offered again.
    answer(&mut p, "Go straight to it:", "n");
    // Steps 2 to 9: skipped with reasons after leaving their questions unanswered.
    answer(&mut p, "Step 2 of 10", "");
    answer(&mut p, "Checklist", "\r");
    answer(&mut p, "Is the breach contained", "n");
    skip(&mut p, "containment handled by the host");
    answer(&mut p, "Step 3 of 10", "");
    answer(&mut p, "Checklist", "\r");
    answer(&mut p, "Who is handling the technical response?", ESC);
    answer(&mut p, "Name and contact of the lead responder", "\r");
    answer(&mut p, "legal name", "\r");
    answer(&mut p, "contact point for this incident", "\r");
    answer(&mut p, "data-protection contact", "\r");
    skip(&mut p, "no security team");
    answer(&mut p, "Step 4 of 10", "");
    answer(&mut p, "Checklist", "\r");
    for q in [
        "What was the entry point?",
        "Which vulnerabilities were exploited?",
        "When did the unauthorised access start",
        "When did it end?",
        "How many records were affected?",
        "How was the breach found",
        "Who found it",
        "What was the root cause",
        "Which factors contributed",
    ] {
        answer(&mut p, q, "\r");
    }
    skip(&mut p, "investigation by the host");
    answer(&mut p, "Step 5 of 10", "");
    answer(&mut p, "Checklist", "\r");
    answer(&mut p, "How are customers being told?", ESC);
    answer(&mut p, "Where can customers get help", "\r");
    answer(&mut p, "When will customers hear from you next", "\r");
    skip(&mut p, "later");
    answer(&mut p, "Step 6 of 10", "");
    answer(&mut p, "Checklist", "\r");
    answer(&mut p, "Which authorities have been notified", "\r");
    answer(&mut p, "Has law enforcement been involved?", ESC);
    skip(&mut p, "later");
    answer(&mut p, "Step 7 of 10", "");
    answer(&mut p, "Checklist", "\r");
    answer(&mut p, "What was changed?", "\r");
    skip(&mut p, "later");
    answer(&mut p, "Step 8 of 10", "");
    answer(&mut p, "Checklist", "\r");
    answer(&mut p, "Until when will heightened monitoring run?", "\r");
    answer(
        &mut p,
        "Has any further suspicious activity been seen?",
        ESC,
    );
    skip(&mut p, "later");
    answer(&mut p, "Step 9 of 10", "");
    answer(&mut p, "Checklist", "\r");
    answer(&mut p, "What are the lessons learned?", "\r");
    answer(&mut p, "Which follow-up actions were agreed", "\r");
    answer(&mut p, "What went well in the response?", "\r");
    answer(&mut p, "What went badly", "\r");
    skip(&mut p, "later");
    answer(&mut p, "Step 10 of 10", "");
    answer(&mut p, "Checklist", "\r");
    answer(
        &mut p,
        "Which measures were offered?",
        "Free card monitoring\r",
    );
    answer(&mut p, "What now with this step?", "\r");
    answer(&mut p, "Mark the step done anyway?", "y");
    answer(&mut p, "Walk finished", "");
    answer(&mut p, "2 done, 8 skipped, 0 open", "");
    assert_eq!(exit_code(&mut p), 0);

    verify_ok(dir);
    let i = load(dir);
    assert_eq!(i.title, "Card skimmer on checkout");
    assert_eq!(i.severity.as_str(), "high");
    assert_eq!(i.runbook.id, "ecommerce-breach");
    assert_eq!(i.detected_at.to_rfc3339(), "2026-11-23T08:00:00+00:00");
    assert_eq!(i.aware_at, i.detected_at);
    let assess = i.step("assess").expect("assess");
    assert_eq!(assess.status, StepStatus::Done);
    assert_eq!(assess.done_with_open_items, ["impact_estimated"]);
    assert_eq!(
        value(&i, "assess", "breach_type"),
        Some(&text("database_theft"))
    );
    assert_eq!(
        value(&i, "assess", "data_types"),
        Some(&AnswerValue::List(vec!["payment_cards".into()]))
    );
    assert_eq!(
        value(&i, "assess", "personal_data"),
        Some(&AnswerValue::Bool(true))
    );
    assert_eq!(
        value(&i, "assess", "affected_customers"),
        Some(&AnswerValue::Count(1200))
    );
    assert_eq!(
        value(&i, "assess", "jurisdictions"),
        Some(&AnswerValue::List(vec!["US-CA".into()]))
    );
    assert_eq!(
        value(&i, "assess", "ca_residents"),
        Some(&AnswerValue::Count(300))
    );
    assert_eq!(
        value(&i, "assess", "high_risk"),
        Some(&AnswerValue::Bool(false))
    );
    assert_eq!(
        value(&i, "assess", "nis2_scope"),
        None,
        "esc leaves it unanswered"
    );
    assert_eq!(
        value(&i, "assess", "determined_at"),
        Some(&text("2026-11-23T09:00:00Z"))
    );
    assert_eq!(
        value(&i, "contain", "contained"),
        Some(&AnswerValue::Bool(false))
    );
    for step in [
        "contain",
        "notify",
        "investigate",
        "communicate",
        "report",
        "remediate",
        "monitor",
        "review",
    ] {
        assert_eq!(status(&i, step), StepStatus::Skipped, "{step}");
    }
    assert_eq!(
        i.step("notify").and_then(|s| s.skip_reason.as_deref()),
        Some("no security team")
    );
    assert_eq!(status(&i, "rebuild-trust"), StepStatus::Done);
    assert_eq!(
        value(&i, "rebuild-trust", "trust_measures"),
        Some(&text("Free card monitoring"))
    );
    assert_eq!(i.progress(), (10, 10));
}

#[test]
fn pty_interrupted_walk_keeps_answers_and_resume_completes_the_step() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let mut p = pty(
        dir,
        &[
            "start",
            "--title",
            "Skimmer",
            "--severity",
            "critical",
            "--runbook",
            "ecommerce-breach",
            "--detected-at",
            "2026-11-23T08:00:00Z",
        ],
    );
    answer(
        &mut p,
        "When did you learn that personal data was affected?",
        "\r",
    );
    answer(&mut p, "If known: when was it determined", "\r");
    answer(&mut p, "Checklist: tick what is done", " \r");
    answer(&mut p, "What kind of breach is it?", &format!("{DOWN}\r"));
    answer(&mut p, "Which data may have been compromised?", "");
    std::thread::sleep(Duration::from_millis(200));
    p.send_control('c').expect("ctrl-c");
    answer(
        &mut p,
        "interrupted; resume with: breach resume 20261123T101500Z-skimmer",
        "",
    );
    assert_eq!(exit_code(&mut p), 130);

    verify_ok(dir);
    let i = load(dir);
    assert!(
        i.step("assess")
            .and_then(|s| s.item("breach_type_identified"))
            .is_some_and(|x| x.checked)
    );
    assert_eq!(
        value(&i, "assess", "breach_type"),
        Some(&text("database_theft"))
    );
    let records_before = i.record_count;

    let mut p = pty(dir, &["resume"]);
    answer(&mut p, "Resuming incident 20261123T101500Z-skimmer", "");
    answer(
        &mut p,
        "Started earlier: 1 of 3 items checked, 1 question answered",
        "",
    );
    // The item ticked before Ctrl-C is shown ticked; tick the other two.
    answer(&mut p, "Checklist", "");
    answer(
        &mut p,
        "[x] Identify what kind of breach has occurred",
        &format!("{DOWN} {DOWN} \r"),
    );
    // The earlier answer is the default: enter keeps it.
    answer(&mut p, "What kind of breach is it?", "\r");
    answer(&mut p, "Which data may have been compromised?", " \r");
    answer(&mut p, "Is personal data about people", "n");
    answer(&mut p, "Roughly how many people are affected?", "\r");
    answer(&mut p, "Where do the affected people live?", ESC);
    answer(&mut p, "NIS2", "n");
    answer(&mut p, "Do any of these describe the business?", ESC);
    answer(&mut p, "When was it determined", "\r");
    answer(&mut p, "What now with this step?", "\r");
    answer(&mut p, "Go straight to it:", "n");
    answer(&mut p, "Step 2 of 10", "");
    answer(&mut p, "Checklist", "\r");
    answer(&mut p, "Is the breach contained", "y");
    answer(&mut p, "When was it contained?", "now\r");
    answer(
        &mut p,
        "What now with this step?",
        &format!("{DOWN}{DOWN}{DOWN}{DOWN}{DOWN}\r"),
    );
    answer(&mut p, "Paused", "");
    answer(&mut p, "breach resume 20261123T101500Z-skimmer", "");
    assert_eq!(exit_code(&mut p), 0);

    verify_ok(dir);
    let i = load(dir);
    let assess = i.step("assess").expect("assess");
    assert_eq!(assess.status, StepStatus::Done);
    assert!(assess.done_with_open_items.is_empty());
    assert_eq!(
        value(&i, "assess", "breach_type"),
        Some(&text("database_theft"))
    );
    assert_eq!(value(&i, "contain", "contained_at"), Some(&text(NOW)));
    assert_eq!(status(&i, "contain"), StepStatus::InProgress);
    // The kept default (breach_type) is not recorded again: 2 checks, 3 answers and the
    // step in `assess`, then 2 answers in `contain`.
    assert_eq!(i.record_count, records_before + 8);
}

#[test]
fn pty_skip_needs_a_reason_and_records_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    breach(dir)
        .args(["start", "--no-walk", "--title", "Lost laptop"])
        .assert()
        .success();
    let mut p = pty(dir, &["resume", "--step", "notify"]);
    // (rexpect reads bytes one by one, so expected text stays ASCII.)
    answer(&mut p, "Step 3 of 10", "");
    answer(&mut p, "Notify your security team", "");
    answer(&mut p, "Checklist", "\r");
    answer(&mut p, "Who is handling the technical response?", ESC);
    answer(&mut p, "Name and contact of the lead responder", "\r");
    answer(&mut p, "legal name", "\r");
    answer(&mut p, "contact point for this incident", "\r");
    answer(&mut p, "data-protection contact", "\r");
    answer(&mut p, "What now with this step?", &format!("{DOWN}\r"));
    // An empty reason is refused on the spot.
    answer(&mut p, "Why skip this step?", "\r");
    answer(&mut p, "an answer is needed", "We have no security team\r");
    // The walk goes on to the next open step; pause there.
    answer(&mut p, "Step 4 of 10", "");
    answer(&mut p, "Checklist", ESC);
    for q in [
        "What was the entry point?",
        "Which vulnerabilities were exploited?",
        "When did the unauthorised access start",
        "When did it end?",
        "How many records were affected?",
        "How was the breach found",
        "Who found it",
        "What was the root cause",
        "Which factors contributed",
    ] {
        answer(&mut p, q, "\r");
    }
    answer(
        &mut p,
        "What now with this step?",
        &format!("{DOWN}{DOWN}{DOWN}{DOWN}{DOWN}\r"),
    );
    answer(&mut p, "0 done, 1 skipped, 9 open", "");
    assert_eq!(exit_code(&mut p), 0);

    verify_ok(dir);
    let i = load(dir);
    assert_eq!(status(&i, "notify"), StepStatus::Skipped);
    assert_eq!(
        i.step("notify").and_then(|s| s.skip_reason.as_deref()),
        Some("We have no security team")
    );
    assert_eq!(status(&i, "assess"), StepStatus::Pending);
    assert_eq!(i.record_count, 2);
}

#[test]
fn without_a_terminal_start_and_resume_refuse_at_once() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    for args in [vec!["start"], vec!["start", "--title", "x"], vec!["resume"]] {
        let started = Instant::now();
        let out = breach(dir)
            .args(&args)
            .write_stdin("")
            .timeout(Duration::from_secs(10))
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(7), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--no-walk"), "{err}");
        assert!(err.contains("--answers"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    assert!(!dir.join("incidents").exists(), "nothing was created");
}

/// The first ```yaml block of docs/answers-file.md: the full example.
fn documented_example() -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/answers-file.md"))
        .expect("docs/answers-file.md");
    let start = doc.find("```yaml\n").expect("a yaml example") + "```yaml\n".len();
    let end = start + doc[start..].find("```").expect("end of the example");
    doc[start..end].to_string()
}

#[test]
fn answers_file_from_the_docs_drives_start_and_resume() {
    let tmp = tempfile::tempdir().expect("temp dir");
    answers_file_drives_start_and_resume(tmp.path(), &[]);
    assert!(incident_file(tmp.path()).is_file());
}

#[test]
fn the_walk_opens_and_walks_a_team_incident() {
    let tmp = tempfile::tempdir().expect("temp dir");
    answers_file_drives_start_and_resume(tmp.path(), &["--team"]);
    assert!(
        incident_file(tmp.path()).is_dir(),
        "a team incident is a directory"
    );
}

/// The documented answers file through `start` (with `start_flags`) in `dir`, and a second
/// one through `resume`.
fn answers_file_drives_start_and_resume(dir: &Path, start_flags: &[&str]) {
    std::fs::write(dir.join("rehearsal.yaml"), documented_example()).expect("write");
    let out = breach(dir)
        .args(["start", "--answers", "rehearsal.yaml"])
        .args(start_flags)
        .write_stdin("")
        .timeout(Duration::from_secs(20))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Walk finished: Card skimmer on checkout"),
        "{stdout}"
    );
    verify_ok(dir);
    let i = load(dir);
    assert_eq!(i.severity.as_str(), "critical");
    assert_eq!(status(&i, "assess"), StepStatus::Done);
    assert_eq!(
        value(&i, "assess", "breach_type"),
        Some(&text("card_skimming"))
    );
    assert_eq!(
        value(&i, "assess", "affected_customers"),
        Some(&AnswerValue::Count(1200))
    );
    assert_eq!(status(&i, "contain"), StepStatus::Done);
    assert_eq!(status(&i, "notify"), StepStatus::Skipped);
    assert_eq!(status(&i, "investigate"), StepStatus::InProgress);

    // Resume with a second file: finishes `investigate`, leaves the rest open.
    std::fs::write(
        dir.join("more.yaml"),
        "investigate/logs_analysed: true\ninvestigate/entry_point: \"outdated checkout plugin\"\ninvestigate: done\n",
    )
    .expect("write");
    let out = breach(dir)
        .args(["resume", "--answers", "more.yaml"])
        .write_stdin("")
        .timeout(Duration::from_secs(20))
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    verify_ok(dir);
    let i = load(dir);
    assert_eq!(status(&i, "investigate"), StepStatus::Done);
    assert_eq!(
        i.step("investigate").expect("step").done_with_open_items,
        [
            "entry_point_found",
            "vulnerabilities_found",
            "access_window_established",
            "evidence_preserved"
        ]
    );
    assert_eq!(
        value(&i, "investigate", "entry_point"),
        Some(&text("outdated checkout plugin"))
    );
}

#[test]
fn a_bad_answers_file_is_refused_naming_the_key_and_nothing_is_written() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    std::fs::write(
        dir.join("bad.yaml"),
        "intake: {title: Test}\nassess/personal_data: true\nassess/affected_customers: lots\n",
    )
    .expect("write");
    let out = breach(dir)
        .args(["start", "--answers", "bad.yaml"])
        .write_stdin("")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml: `assess/affected_customers`: expected a number, got text"),
        "{err}"
    );
    assert!(!dir.join("incidents").exists(), "no incident was opened");

    std::fs::write(dir.join("huge.yaml"), "x".repeat(5 * 1024 * 1024)).expect("write");
    let out = breach(dir)
        .args(["start", "--answers", "huge.yaml"])
        .write_stdin("")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("limit"));
}

#[test]
fn pty_intake_asks_the_awareness_time_and_the_gdpr_clock_runs_from_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let mut p = pty(
        dir,
        &[
            "start",
            "--title",
            "Stolen customer table",
            "--severity",
            "high",
            "--runbook",
            "ecommerce-breach",
        ],
    );
    answer(
        &mut p,
        "When was the breach detected?",
        "2026-11-23T06:00:00Z\r",
    );
    answer(
        &mut p,
        "When did you learn that personal data was affected?",
        "2026-11-23T07:30:00Z\r",
    );
    answer(&mut p, "If known: when was it determined", "\r");
    answer(&mut p, "Checklist: tick what is done", "");
    std::thread::sleep(Duration::from_millis(200));
    p.send_control('c').expect("ctrl-c");
    assert_eq!(exit_code(&mut p), 130);

    let i = load(dir);
    assert_eq!(i.detected_at.to_rfc3339(), "2026-11-23T06:00:00+00:00");
    assert_eq!(i.aware_at.to_rfc3339(), "2026-11-23T07:30:00+00:00");
    for (q, v) in [
        ("assess/personal_data", "yes"),
        ("assess/jurisdictions", "EU"),
    ] {
        breach(dir).args(["answer", q, v]).assert().success();
    }
    let out = breach(dir).args(["status", "--json"]).assert().success();
    let status: serde_json::Value =
        serde_json::from_slice(&out.get_output().stdout).expect("status --json prints JSON");
    let gdpr = status["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["id"] == "gdpr-authority")
        .expect("the GDPR authority clock");
    assert_eq!(gdpr["anchor"]["at"], "2026-11-23T07:30:00Z");
    assert_eq!(gdpr["due_at"], "2026-11-26T07:30:00Z");
}

/// An answers file for built-in runbook `id` that answers every question, ticks every item
/// and marks every step done, generated from the runbook itself so that a question added
/// later is answered too.
fn answer_everything(id: &str) -> String {
    use breach::runbook::QuestionKind;
    let text = breach::runbook::builtin::get(id).expect("a built-in runbook");
    let runbook = breach::runbook::parse_pinned(text, id).expect("the built-in is valid");
    let mut out = format!(
        "intake:\n  title: Rehearsal\n  severity: high\n  detected_at: 2026-11-23T08:00:00Z\n  determined_at: 2026-11-23T08:30:00Z\n  runbook: {id}\n"
    );
    for step in &runbook.steps {
        for item in &step.items {
            out.push_str(&format!("{}/{}: true\n", step.id, item.id));
        }
        for q in &step.questions {
            let value = match q.kind {
                QuestionKind::Confirm => "true".to_string(),
                QuestionKind::Number => "600".to_string(),
                QuestionKind::Text => format!("\"{} answered\"", q.id),
                QuestionKind::Datetime if q.id == "access_started" => {
                    "2026-11-20T00:00:00Z".to_string()
                }
                QuestionKind::Datetime => "2026-11-23T09:00:00Z".to_string(),
                QuestionKind::Select => q.options[0].id.clone(),
                QuestionKind::Multiselect => format!(
                    "[{}]",
                    q.options
                        .iter()
                        // Every option that may go with the others.
                        .filter(|o| !o.exclusive)
                        .map(|o| o.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.push_str(&format!("{}/{}: {value}\n", step.id, q.id));
        }
        out.push_str(&format!("{}: done\n", step.id));
    }
    out
}

#[test]
fn answering_every_question_of_a_builtin_runbook_leaves_no_gap_in_any_draft() {
    for id in ["ecommerce-breach", "woocommerce"] {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        std::fs::write(dir.join("all.yaml"), answer_everything(id)).expect("write");
        let out = breach(dir)
            .args(["start", "--answers", "all.yaml"])
            .write_stdin("")
            .timeout(Duration::from_secs(30))
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let i = load(dir);
        assert!(!i.runbook.templates.is_empty(), "{id} has templates");
        // The intake's determination time, then the runbook's answer, recorded later: one
        // fact, the most recently recorded.
        assert_eq!(
            i.intake_determined_at.map(|t| t.to_rfc3339()),
            Some("2026-11-23T08:30:00+00:00".to_string())
        );
        assert_eq!(
            i.determined_at.map(|t| t.to_rfc3339()),
            Some("2026-11-23T09:00:00+00:00".to_string())
        );
        for t in &i.runbook.templates {
            let out = breach(dir)
                .args(["notify", "draft", &t.id])
                .output()
                .expect("runs");
            let draft = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{id}/{}", t.id);
            assert!(!draft.contains("[TO FILL"), "{id}/{}:\n{draft}", t.id);
            assert!(
                !String::from_utf8_lossy(&out.stderr).contains("not recorded yet"),
                "{id}/{}",
                t.id
            );
        }
    }
}

#[test]
fn pty_a_future_date_is_refused_at_the_prompt_saying_why() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let mut p = pty(
        dir,
        &[
            "start",
            "--title",
            "Skimmer",
            "--severity",
            "high",
            "--runbook",
            "ecommerce-breach",
            "--detected-at",
            "2026-11-23T08:00:00Z",
        ],
    );
    answer(&mut p, "Recording as: tester", "");
    // A year typo: refused with the reason, and asked again.
    answer(
        &mut p,
        "When did you learn that personal data was affected?",
        "2027-11-23T09:00:00Z\r",
    );
    answer(
        &mut p,
        "is in the future (it is now 2026-11-23T10:15:00Z)",
        "",
    );
    answer(
        &mut p,
        "When did you learn that personal data was affected?",
        "2026-11-23T09:00:00Z\r",
    );
    // Before the detection: refused too.
    answer(
        &mut p,
        "If known: when was it determined",
        "2026-11-23T07:00:00Z\r",
    );
    answer(&mut p, "is before the detection time", "");
    answer(&mut p, "If known: when was it determined", "\r");
    answer(&mut p, "Checklist: tick what is done", "");
    std::thread::sleep(Duration::from_millis(200));
    p.send_control('c').expect("ctrl-c");
    assert_eq!(exit_code(&mut p), 130);

    verify_ok(dir);
    let i = load(dir);
    assert_eq!(i.aware_at.to_rfc3339(), "2026-11-23T09:00:00+00:00");
    assert_eq!(i.determined_at, None);
    assert!(i.overrides.is_empty());
}

#[test]
fn pty_the_mastercard_clock_comes_before_the_next_step_and_the_jump_lands_on_the_acquirer_item() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let mut p = pty(
        dir,
        &[
            "start",
            "--title",
            "Skimmer",
            "--severity",
            "critical",
            "--runbook",
            "ecommerce-breach",
            "--detected-at",
            "2026-11-23T08:00:00Z",
        ],
    );
    answer(
        &mut p,
        "When did you learn that personal data was affected?",
        "\r",
    );
    answer(&mut p, "If known: when was it determined", "\r");
    answer(&mut p, "Checklist: tick what is done", ESC);
    answer(&mut p, "What kind of breach is it?", "\r");
    answer(&mut p, "Which data may have been compromised?", " \r");
    answer(&mut p, "Is personal data about people", "y");
    answer(&mut p, "Does the data reveal any of these", ESC);
    answer(&mut p, "Was the data protected by encryption", "\r");
    answer(&mut p, "Roughly how many people are affected?", "\r");
    answer(&mut p, "Where do the affected people live?", ESC);
    answer(&mut p, "Is the breach likely to pose a high risk", "n");
    answer(&mut p, "NIS2", "n");
    answer(&mut p, "Do any of these describe the business?", ESC);
    answer(&mut p, "When was it determined that a breach", "\r");
    // Leave the step open.
    answer(
        &mut p,
        "What now with this step?",
        &format!("{DOWN}{DOWN}\r"),
    );
    // Before step 2's items: the 24-hour card-brand clock, then the offer to jump.
    answer(&mut p, "Legal clocks that cannot wait", "");
    answer(&mut p, "Notify Mastercard through the acquirer: due", "");
    let before = p
        .exp_string("Go straight to it:")
        .expect("the jump is offered");
    assert!(!before.contains("Step 2 of 10"), "{before}");
    answer(&mut p, "Tell the acquiring bank / payment provider", "y");
    // The jump lands on the acquirer item, alone.
    answer(&mut p, "Checklist: tick it once it is done", "");
    answer(
        &mut p,
        "> [ ] Tell the acquiring bank / payment provider",
        " \r",
    );
    // Then the walk carries on where it was.
    answer(&mut p, "Step 2 of 10", "");
    answer(&mut p, "Checklist: tick what is done", "");
    std::thread::sleep(Duration::from_millis(200));
    p.send_control('c').expect("ctrl-c");
    assert_eq!(exit_code(&mut p), 130);

    verify_ok(dir);
    let i = load(dir);
    assert!(
        i.step("report")
            .and_then(|s| s.item("acquirer_notified"))
            .is_some_and(|x| x.checked),
        "the acquirer item is ticked"
    );
    let out = breach(dir).args(["status", "--json"]).assert().success();
    let status: serde_json::Value =
        serde_json::from_slice(&out.get_output().stdout).expect("status --json prints JSON");
    let mastercard = status["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["id"] == "mastercard")
        .expect("the Mastercard clock");
    assert_eq!(mastercard["state"], "met");
}

#[test]
fn pty_back_to_the_checklist_an_empty_optional_answer_and_a_list_line_by_line() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    breach(dir)
        .args(["start", "--no-walk", "--title", "Lost laptop"])
        .assert()
        .success();
    let mut p = pty(dir, &["resume", "--step", "review"]);
    answer(&mut p, "Step 9 of 10", "");
    answer(&mut p, "Checklist: tick what is done", ESC);
    // An optional question left empty says so instead of looking answered.
    answer(&mut p, "What are the lessons learned?", "\r");
    answer(&mut p, "What are the lessons learned?: (no answer)", "");
    // A question asking for a list takes it line by line; an empty line ends it.
    answer(
        &mut p,
        "with an owner)? (line 1)",
        "Patch plugins weekly (Dana)\r",
    );
    answer(&mut p, "(line 2)", "Audit admin accounts monthly (Sam)\r");
    answer(&mut p, "(line 3)", "\r");
    answer(&mut p, "What went well in the response?", "\r");
    answer(&mut p, "What went badly", "\r");
    // Back to the checklist from the step menu: tick the first item.
    answer(
        &mut p,
        "What now with this step?",
        &format!("{DOWN}{DOWN}{DOWN}\r"),
    );
    answer(&mut p, "Checklist: tick what is done", " \r");
    answer(
        &mut p,
        "What now with this step?",
        &format!("{DOWN}{DOWN}{DOWN}{DOWN}{DOWN}\r"),
    );
    assert_eq!(exit_code(&mut p), 0);

    verify_ok(dir);
    let i = load(dir);
    assert_eq!(value(&i, "review", "lessons_learned"), None);
    assert_eq!(
        value(&i, "review", "action_items"),
        Some(&text(
            "Patch plugins weekly (Dana)\nAudit admin accounts monthly (Sam)"
        ))
    );
    assert!(
        i.step("review")
            .and_then(|s| s.item("staff_training"))
            .is_some_and(|x| x.checked)
    );
}

#[test]
fn pty_a_notice_recorded_as_sent_shows_its_item_ticked_on_resume() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    breach(dir)
        .args(["start", "--no-walk", "--title", "Skimmer", "--detected-at"])
        .arg("2026-11-23T08:00:00Z")
        .assert()
        .success();
    breach(dir)
        .args(["answer", "assess/data_types", "payment_cards"])
        .assert()
        .success();
    breach(dir)
        .args([
            "notify",
            "sent",
            "acquirer-notice",
            "--to",
            "Acquiring bank",
        ])
        .assert()
        .success();
    let mut p = pty(dir, &["resume", "--step", "report"]);
    answer(&mut p, "Step 6 of 10", "");
    answer(&mut p, "Checklist: tick what is done", "");
    answer(&mut p, "[x] Tell the acquiring bank / payment provider", "");
    std::thread::sleep(Duration::from_millis(200));
    p.send_control('c').expect("ctrl-c");
    assert_eq!(exit_code(&mut p), 130);
    let i = load(dir);
    assert!(
        i.step("report")
            .and_then(|s| s.item("acquirer_notified"))
            .is_some_and(|x| x.checked)
    );
}

/// Starts an incident without the walk at `now`; returns its id.
fn start_at(dir: &Path, now: &str, title: &str) -> String {
    let out = breach(dir)
        .env("BREACH_NOW", now)
        .args(["start", "--no-walk", "--json", "--title", title])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v["id"].as_str().expect("id").to_string()
}

fn notes_in(dir: &Path, id: &str) -> Vec<String> {
    let path = dir.join(format!("incidents/{id}.yaml"));
    breach::ledger::load(&path)
        .expect("incident loads")
        .0
        .records
        .iter()
        .filter_map(|r| match &r.payload {
            breach::journal::Payload::Note(n) => Some(n.text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn pty_with_two_open_incidents_a_write_asks_which_and_names_the_one_picked() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    // Both opened before the harness's time, at which the notes are written (a record more
    // than 120 seconds before an incident's last one is refused).
    let older = start_at(dir, "2026-11-23T08:00:00Z", "Alpha");
    let newer = start_at(dir, "2026-11-23T09:00:00Z", "Beta");
    assert_ne!(older, newer);

    // The most recent is listed first; one key down picks the older one.
    let mut p = pty(dir, &["note", "for the older one"]);
    answer(
        &mut p,
        "2 incidents are open; which one is this for?",
        &format!("{DOWN}\r"),
    );
    if let Err(e) = p.exp_string(&format!("in {older}: ")) {
        panic!("the confirmation names the incident picked: {e}");
    }
    assert_eq!(exit_code(&mut p), 0);
    assert_eq!(notes_in(dir, &older), vec!["for the older one".to_string()]);
    assert!(notes_in(dir, &newer).is_empty());

    // Enter alone takes the first one listed, the most recent.
    let mut p = pty(dir, &["note", "for the newer one"]);
    answer(&mut p, "which one is this for?", "\r");
    if let Err(e) = p.exp_string(&format!("in {newer}: ")) {
        panic!("the confirmation names the incident picked: {e}");
    }
    assert_eq!(exit_code(&mut p), 0);
    assert_eq!(notes_in(dir, &newer), vec!["for the newer one".to_string()]);

    // Escape chooses none: nothing is recorded, and the exit says interrupted.
    let mut p = pty(dir, &["note", "for nobody"]);
    answer(&mut p, "which one is this for?", ESC);
    assert_eq!(exit_code(&mut p), 130);
    assert_eq!(notes_in(dir, &older).len(), 1);
    assert_eq!(notes_in(dir, &newer).len(), 1);

    // Without a terminal the same write is refused, naming both (exit 4, not found).
    let out = breach(dir)
        .args(["note", "no terminal"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2 incidents are open") && err.contains(&older) && err.contains(&newer),
        "{err}"
    );
    assert_eq!(notes_in(dir, &older).len() + notes_in(dir, &newer).len(), 2);
}
