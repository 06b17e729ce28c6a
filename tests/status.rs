//! End-to-end tests of `breach status`: the legal clocks at chosen instants, the table and
//! the JSON shape.

mod common;

use std::path::Path;

use common::breach;
use serde_json::Value;

/// An EU card-data breach detected at 08:00 on 2026-11-23; that personal data was affected
/// became known at 10:15.
fn eu_card_breach(dir: &Path) {
    breach(dir)
        .args([
            "start",
            "--no-walk",
            "--title",
            "Card skimmer on checkout",
            "--severity",
            "critical",
        ])
        .args(["--detected-at", "2026-11-23T08:00:00Z"])
        .args(["--aware-at", "2026-11-23T10:15:00Z"])
        .assert()
        .success();
    for (q, v) in [
        ("assess/data_types", "payment_cards,contact_details"),
        ("assess/personal_data", "yes"),
        ("assess/jurisdictions", "EU"),
        ("assess/affected_customers", "1200"),
    ] {
        breach(dir).args(["answer", q, v]).assert().success();
    }
}

fn status_json(dir: &Path, now: &str) -> Value {
    let out = breach(dir)
        .env("BREACH_NOW", now)
        .args(["status", "--json"])
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("status --json prints JSON")
}

fn deadline<'a>(status: &'a Value, id: &str) -> &'a Value {
    status["deadlines"]
        .as_array()
        .expect("deadlines is an array")
        .iter()
        .find(|d| d["id"] == id)
        .unwrap_or_else(|| panic!("no deadline {id}"))
}

#[test]
fn the_gdpr_authority_clock_is_due_soon_at_70_hours_and_overdue_at_73() {
    let dir = tempfile::tempdir().unwrap();
    eu_card_breach(dir.path());

    let at_70h = status_json(dir.path(), "2026-11-26T08:15:00Z");
    let gdpr = deadline(&at_70h, "gdpr-authority");
    assert_eq!(gdpr["state"], "due_soon");
    assert_eq!(gdpr["due_at"], "2026-11-26T10:15:00Z");
    assert_eq!(gdpr["remaining_secs"], 2 * 3600);

    let at_73h = status_json(dir.path(), "2026-11-26T11:15:00Z");
    let gdpr = deadline(&at_73h, "gdpr-authority");
    assert_eq!(gdpr["state"], "overdue");
    assert_eq!(gdpr["overdue_by_secs"], 3600);

    // Card data: both card brands run from detection (08:00); Mastercard's 24 hours are long gone.
    assert_eq!(deadline(&at_73h, "mastercard")["state"], "overdue");
    assert_eq!(deadline(&at_73h, "visa")["due_at"], "2026-11-26T08:00:00Z");
    // Nothing here makes the UK, Texas or NIS2 clocks apply.
    for id in ["uk-ico", "texas-individuals", "nis2-early-warning"] {
        assert_eq!(deadline(&at_73h, id)["state"], "not_applicable", "{id}");
    }
}

#[test]
fn a_deadline_is_open_early_on_and_met_once_the_notice_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    eu_card_breach(dir.path());
    let early = status_json(dir.path(), "2026-11-23T12:15:00Z");
    assert_eq!(deadline(&early, "gdpr-authority")["state"], "open");
    assert_eq!(
        deadline(&early, "gdpr-authority")["remaining_secs"],
        70 * 3600
    );

    breach(dir.path())
        .env("BREACH_NOW", "2026-11-25T09:00:00Z")
        .args([
            "notify",
            "sent",
            "authority-notice",
            "--to",
            "CNIL",
            "--at",
            "2026-11-25T08:30:00Z",
        ])
        .assert()
        .success();
    let later = status_json(dir.path(), "2026-11-27T10:00:00Z");
    let gdpr = deadline(&later, "gdpr-authority");
    assert_eq!(gdpr["state"], "met");
    assert_eq!(gdpr["met_at"], "2026-11-25T08:30:00Z");
    assert_eq!(gdpr["met_timing"], "early");
}

#[test]
fn the_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    eu_card_breach(dir.path());
    breach(dir.path())
        .args(["check", "contain/isolate_systems"])
        .assert()
        .success();
    breach(dir.path())
        .args(["step", "rebuild-trust", "--skip", "not yet relevant"])
        .assert()
        .success();
    let s = status_json(dir.path(), "2026-11-23T12:15:00Z");
    for key in [
        "id",
        "title",
        "severity",
        "state",
        "runbook",
        "opened_at",
        "steps",
        "deadlines",
    ] {
        assert!(s.get(key).is_some(), "missing {key}");
    }
    assert_eq!(s["state"], "open");
    assert_eq!(s["severity"], "critical");
    assert_eq!(s["runbook"]["id"], "ecommerce-breach");
    assert_eq!(s["runbook"]["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(s["opened_at"], "2026-11-23T10:15:00Z");
    let steps = s["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 10);
    assert_eq!(steps[0]["id"], "assess");
    assert_eq!(steps[0]["state"], "in_progress");
    assert_eq!(steps[0]["answers"]["affected_customers"], 1200.0);
    assert_eq!(
        steps[0]["answers"]["jurisdictions"],
        serde_json::json!(["EU"])
    );
    assert_eq!(
        steps[1]["items"][0],
        serde_json::json!({"id": "isolate_systems", "checked": true})
    );
    assert_eq!(steps[9]["state"], "skipped");
    assert_eq!(steps[2]["state"], "pending");
    insta::assert_json_snapshot!("status_json", s);
}

/// `breach ARGS` in `dir` on a pseudo-terminal (stdout is a terminal), with the test
/// environment and `extra`: what it prints on stdout, lines ending in `\n`. Standard error
/// goes to a file, so only the result is compared.
fn on_a_terminal(dir: &Path, args: &[&str], extra: &[(&str, &str)]) -> String {
    let stderr = std::fs::File::create(dir.join("stderr.txt")).expect("a file for stderr");
    let mut cmd = common::command(dir);
    cmd.args(args)
        .env("TERM", "xterm")
        .env_remove("CI")
        .env_remove("COLUMNS")
        .stderr(stderr);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let options = rexpect::session::Options::new().timeout_ms(Some(60_000));
    let mut p = rexpect::session::spawn_with_options(cmd, options).expect("spawn in a pty");
    let text = p.exp_eof().expect("the program ends");
    match p.process().wait().expect("wait") {
        rexpect::process::WaitStatus::Exited(_, 0) => {}
        other => panic!("breach {args:?} did not succeed: {other:?}\n{text}"),
    }
    // rexpect gives each byte read as one char: put the UTF-8 back together.
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("one byte per char"))
        .collect();
    String::from_utf8(bytes)
        .expect("UTF-8 output")
        .replace("\r\n", "\n")
}

/// On a terminal the table is fitted to its width (`COLUMNS` says how wide it is here).
#[test]
fn the_table_fits_80_columns_and_reads_well() {
    let dir = tempfile::tempdir().unwrap();
    eu_card_breach(dir.path());
    breach(dir.path())
        .args(["check", "contain/isolate_systems"])
        .assert()
        .success();
    breach(dir.path())
        .args(["step", "rebuild-trust", "--skip", "not yet relevant"])
        .assert()
        .success();
    let text = on_a_terminal(
        dir.path(),
        &["status"],
        &[("BREACH_NOW", "2026-11-26T08:15:00Z"), ("COLUMNS", "80")],
    );
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80,
            "wider than 80 columns: {line:?}"
        );
    }
    assert!(!text.contains('\u{1b}'), "no colour under NO_COLOR");
    // Long titles are cut to fit.
    assert!(text.contains("Stay calm and assess t…"), "{text}");
    // The legend names the form the table shows for a running `asap` clock.
    assert!(text.contains("2d 22h on "), "{text}");
    assert!(
        text.contains(
            r#"asap: no fixed deadline; "TIME on" is how long its clock has been running"#
        ),
        "{text}"
    );
    // Every pressing clock is named under "Next:", not only the first one, and the intake
    // times that start the clocks are in the header.
    assert!(text.contains("also pressing (2 more):"), "{text}");
    assert!(
        text.contains("Notify Visa through the acquirer: not met, overdue by 15m"),
        "{text}"
    );
    assert!(
        text.contains("  aware     2026-11-23 10:15 +00:00"),
        "{text}"
    );
    insta::assert_snapshot!("status_table", text);

    // A wider terminal gets the owner column and longer titles.
    let wide = on_a_terminal(
        dir.path(),
        &["status"],
        &[("BREACH_NOW", "2026-11-26T08:15:00Z"), ("COLUMNS", "120")],
    );
    assert!(wide.lines().all(|l| l.chars().count() <= 120), "{wide}");
    assert!(
        wide.lines()
            .any(|l| l.contains(" owner ") && l.contains("last activity")),
        "{wide}"
    );
    assert!(
        wide.contains("Stay calm and assess the situation"),
        "{wide}"
    );
}

/// A runbook whose step title, deadline title and authority are far longer than a column.
const LONG_RUNBOOK: &str = r#"breach_runbook: 1
id: long-names
title: Long names
steps:
  - id: contain-the-checkout-skimmer
    title: Contain the skimmer on the checkout page and every page that loads its script
    guidance: Take the script out.
    owner: the on-call web developer of the shop
    items:
      - id: removed
        text: Remove the script
deadlines:
  - id: acquirer
    title: Tell the acquiring bank about the skimmer on the checkout page within three days
    authority: The acquiring bank of the shop, through its merchant support line
    citation: Merchant agreement, section 12
    from: detected
    within: {hours: 72}
"#;

/// In a pipe or a file nothing is cut and nothing wraps: a long step title, a long deadline
/// title and authority, and a long action item come whole, each table row on one line.
#[test]
fn in_a_pipe_status_prints_every_value_whole_one_row_a_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("long.yaml"), LONG_RUNBOOK).unwrap();
    breach(dir)
        .args(["start", "--no-walk", "--runbook", "long.yaml"])
        .args(["--title", "Skimmer with long names"])
        .args(["--detected-at", "2026-11-23T08:00:00Z"])
        .assert()
        .success();
    let action = "Replace every third-party script on the checkout page with a copy served from the shop itself";
    let owner = "the on-call web developer of the shop";
    breach(dir)
        .args([
            "action",
            "add",
            action,
            "--owner",
            owner,
            "--due",
            "2026-12-15",
        ])
        .assert()
        .success();
    let out = breach(dir).arg("status").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!text.contains('…'), "nothing is cut in a pipe:\n{text}");
    let line_with = |needle: &str| -> &str {
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(needle)).collect();
        assert_eq!(lines.len(), 1, "{needle:?} on one line:\n{text}");
        lines[0]
    };
    // The step's row: number, whole id, whole title, state, items, owner, last activity.
    let step = line_with("contain-the-checkout-skimmer");
    for cell in [
        " 1 ",
        "Contain the skimmer on the checkout page and every page that loads its script",
        "pending",
        "0/1",
        owner,
        " - ",
    ] {
        assert!(step.contains(cell), "{cell:?} in the step's row: {step:?}");
    }
    // The deadline's row: whole title and authority, due, left, state.
    let clock = line_with(
        "Tell the acquiring bank about the skimmer on the checkout page within three days",
    );
    for cell in [
        "The acquiring bank of the shop, through its merchant support line",
        "26 Nov 08:00",
        "2d 21h",
        "open",
    ] {
        assert!(
            clock.contains(cell),
            "{cell:?} in the deadline's row: {clock:?}"
        );
    }
    // The action item: one line with its id, state, due day, whole owner and text.
    let item = line_with(action);
    for cell in ["A1", "open", "2026-12-15", owner] {
        assert!(
            item.contains(cell),
            "{cell:?} in the action's line: {item:?}"
        );
    }
}

#[test]
fn no_incident_gives_a_friendly_message_and_the_same_code_as_json() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing found is exit 4, in text as in JSON.
    breach(dir.path())
        .args(["status", "--json"])
        .assert()
        .code(4);
    let out = breach(dir.path()).arg("status").assert().code(4);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("No incidents yet"), "{text}");
    assert!(text.contains("breach start"), "{text}");
}

#[test]
fn without_an_awareness_time_the_clocks_run_from_detection_not_from_opening() {
    let dir = tempfile::tempdir().unwrap();
    // Opened at 10:15 (the test clock), detected at 06:45.
    breach(dir.path())
        .args(["start", "--no-walk", "--title", "Stolen customer table"])
        .args(["--detected-at", "2026-11-23T06:45:00Z"])
        .assert()
        .success();
    for (q, v) in [
        ("assess/personal_data", "yes"),
        ("assess/jurisdictions", "EU"),
    ] {
        breach(dir.path()).args(["answer", q, v]).assert().success();
    }
    let status = status_json(dir.path(), "2026-11-23T12:00:00Z");
    assert_eq!(status["aware_at"], "2026-11-23T06:45:00Z");
    let gdpr = deadline(&status, "gdpr-authority");
    assert_eq!(gdpr["due_at"], "2026-11-26T06:45:00Z");
}

#[test]
fn without_user_and_logname_the_operator_is_the_account_name_never_unknown() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    breach(dir)
        .env_remove("BREACH_OPERATOR")
        .env_remove("USER")
        .env_remove("LOGNAME")
        .args(["start", "--no-walk", "--title", "Root shell"])
        .assert()
        .success();
    let account = std::process::Command::new("id")
        .arg("-un")
        .output()
        .expect("id -un runs");
    let account = String::from_utf8_lossy(&account.stdout).trim().to_string();
    let file = std::fs::read_dir(dir.join("incidents"))
        .expect("the incident directory")
        .next()
        .expect("one incident")
        .expect("an entry")
        .path();
    let (_, incident) = breach::ledger::load(&file).expect("loads");
    assert_eq!(incident.operators, std::slice::from_ref(&account));
    assert_ne!(account, "unknown");
}

#[test]
fn next_puts_a_clock_due_within_24_hours_before_runbook_order_with_the_item_that_meets_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    breach(dir)
        .args(["start", "--no-walk", "--title", "Skimmer", "--detected-at"])
        .arg("2026-11-23T08:00:00Z")
        .assert()
        .success();
    let next = || {
        let out = breach(dir).args(["status", "--json"]).assert().success();
        let v: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
        v["next"].as_str().expect("a next line").to_string()
    };
    assert!(next().starts_with("step 1 "), "{}", next());
    breach(dir)
        .args(["answer", "assess/data_types", "payment_cards"])
        .assert()
        .success();
    assert_eq!(
        next(),
        "Notify Mastercard through the acquirer: still open, due soon, 21h 45m left\n      record it in step `report` (report/acquirer_notified)"
    );
    breach(dir)
        .args(["check", "report/acquirer_notified"])
        .assert()
        .success();
    assert!(next().starts_with("step 1 "), "{}", next());
}

/// An either/or duty (`or` in the runbook) met by its alternative does not hold its step
/// open: engaging outside experts meets "inform the security team".
#[test]
fn a_required_item_met_by_its_alternative_does_not_hold_the_step_open() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    eu_card_breach(d);
    let open = breach(d)
        .args(["step", "notify", "--done"])
        .assert()
        .code(6);
    assert!(
        String::from_utf8_lossy(&open.get_output().stderr).contains("security_team_informed"),
        "the required item holds the step open before its alternative is checked"
    );
    breach(d)
        .args(["check", "notify/experts_engaged"])
        .assert()
        .success();
    breach(d)
        .args(["step", "notify", "--done"])
        .assert()
        .success();
}
