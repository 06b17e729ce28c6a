//! End-to-end tests of `breach export`: a scripted incident, built by running the real
//! binary with a fixed clock, exported in every format.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use breach::journal::{EvidenceEntry, Payload};
use chrono::{DateTime, Utc};
use common::breach;

fn at(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t)
        .expect("a valid test time")
        .with_timezone(&Utc)
}

/// Runs one recording command at `now` as `operator`; it must succeed.
fn run(dir: &Path, now: &str, operator: &str, args: &[&str]) {
    breach(dir)
        .env("BREACH_NOW", now)
        .env("BREACH_OPERATOR", operator)
        .args(args)
        .assert()
        .success();
}

/// Appends a record through the same append path the commands use: for evidence, whose
/// command hashes a real file and records its (unfixable) modification time.
fn append(path: &Path, now: &str, operator: &str, payload: Payload) {
    breach::ledger::append(path, operator, at(now), |_| Ok(payload)).expect("append succeeds");
}

/// The incident in `dir`: its file, or the directory of a team incident.
fn incident_file(dir: &Path) -> PathBuf {
    let incidents = dir.join("incidents");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&incidents)
        .expect("the incident directory exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| {
            // A format 1 file, or the directory of a team incident (not an evidence folder).
            p.extension().is_some_and(|x| x == "yaml")
                || (p.is_dir() && p.extension().is_none_or(|x| x != "evidence"))
        })
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.pop().expect("one incident file")
}

/// Opens the incident and records the first steps: assessment, containment, security team.
fn opening(dir: &Path) -> PathBuf {
    run(
        dir,
        "2026-11-23T10:15:00Z",
        "alice",
        &[
            "start",
            "--no-walk",
            "--title",
            "Card skimmer on checkout",
            "--severity",
            "critical",
            "--detected-at",
            "2026-11-23T08:00:00Z",
        ],
    );
    let a = "alice";
    run(
        dir,
        "2026-11-23T10:20:00Z",
        a,
        &["answer", "assess/breach_type", "card_skimming"],
    );
    run(
        dir,
        "2026-11-23T10:21:00Z",
        a,
        &[
            "answer",
            "assess/data_types",
            "payment_cards,card_security_codes,contact_details",
        ],
    );
    run(
        dir,
        "2026-11-23T10:22:00Z",
        a,
        &["answer", "assess/personal_data", "yes"],
    );
    run(
        dir,
        "2026-11-23T10:23:00Z",
        a,
        &["answer", "assess/affected_customers", "1200"],
    );
    run(
        dir,
        "2026-11-23T10:24:00Z",
        a,
        &["answer", "assess/jurisdictions", "EU,US-CA"],
    );
    run(
        dir,
        "2026-11-23T10:25:00Z",
        a,
        &["answer", "assess/ca_residents", "640"],
    );
    run(
        dir,
        "2026-11-23T10:26:00Z",
        a,
        &["answer", "assess/high_risk", "yes"],
    );
    for (t, item) in [
        ("2026-11-23T10:30:00Z", "assess/breach_type_identified"),
        ("2026-11-23T10:31:00Z", "assess/data_identified"),
        ("2026-11-23T10:32:00Z", "assess/impact_estimated"),
    ] {
        run(dir, t, a, &["check", item]);
    }
    run(
        dir,
        "2026-11-23T10:40:00Z",
        a,
        &["step", "assess", "--done"],
    );

    let b = "bob";
    run(
        dir,
        "2026-11-23T10:50:00Z",
        b,
        &["check", "contain/isolate_systems"],
    );
    run(
        dir,
        "2026-11-23T11:05:00Z",
        b,
        &["check", "contain/rotate_admin_passwords"],
    );
    run(
        dir,
        "2026-11-23T11:30:00Z",
        b,
        &["answer", "contain/contained", "yes"],
    );
    run(
        dir,
        "2026-11-23T11:31:00Z",
        b,
        &["answer", "contain/contained_at", "2026-11-23T11:20:00Z"],
    );
    run(
        dir,
        "2026-11-23T11:35:00Z",
        b,
        &["step", "contain", "--done", "--force"],
    );
    incident_file(dir)
}

/// The whole scripted incident: done, skipped, in-progress and pending steps; notes with
/// `|`, `<script>`, newlines and non-ASCII; notices and evidence; closed at the end.
fn scripted_incident(dir: &Path) -> PathBuf {
    let path = opening(dir);
    let (a, b) = ("alice", "bob");
    // An external firm was engaged: the either/or duty "inform the security team" is met by
    // its alternative.
    run(
        dir,
        "2026-11-23T11:45:00Z",
        a,
        &["check", "notify/experts_engaged"],
    );
    run(
        dir,
        "2026-11-23T11:46:00Z",
        a,
        &[
            "notify",
            "sent",
            "security-team-notice",
            "--at",
            "2026-11-23T11:40:00Z",
            "--to",
            "SecureOps <ir@secureops.example>",
        ],
    );
    run(
        dir,
        "2026-11-23T11:50:00Z",
        a,
        &["answer", "notify/responders", "external"],
    );
    // A correction: the severity was set too high at intake.
    run(
        dir,
        "2026-11-23T11:52:00Z",
        b,
        &[
            "amend",
            "severity",
            "high",
            "--reason",
            "Only the checkout was affected; the customer database was not reached",
        ],
    );
    run(
        dir,
        "2026-11-23T11:51:00Z",
        a,
        &[
            "answer",
            "notify/responder_contact",
            "Jane Roe | SecureOps, +33 1 23 45 67 89",
        ],
    );
    run(
        dir,
        "2026-11-23T12:00:00Z",
        a,
        &["step", "notify", "--done"],
    );

    run(
        dir,
        "2026-11-23T14:00:00Z",
        b,
        &[
            "answer",
            "investigate/entry_point",
            "Outdated payment plugin (v2.3) | exposed admin panel",
        ],
    );
    run(
        dir,
        "2026-11-23T14:10:00Z",
        b,
        &[
            "answer",
            "investigate/vulnerabilities",
            "Unauthenticated file upload in the plugin\n# weak admin password",
        ],
    );
    run(
        dir,
        "2026-11-23T14:20:00Z",
        b,
        &[
            "answer",
            "investigate/access_started",
            "2026-11-20T02:00:00Z",
        ],
    );
    run(
        dir,
        "2026-11-23T14:21:00Z",
        b,
        &["answer", "investigate/access_ended", "2026-11-23T11:20:00Z"],
    );
    run(
        dir,
        "2026-11-23T14:30:00Z",
        b,
        &["check", "investigate/logs_analysed"],
    );
    run(
        dir,
        "2026-11-23T14:40:00Z",
        b,
        &[
            "note",
            "--step",
            "investigate",
            "Found <script>alert(1)</script> appended to checkout.js",
        ],
    );
    append(
        &path,
        "2026-11-23T14:45:00Z",
        b,
        Payload::Evidence(EvidenceEntry {
            path: "/var/log/nginx/access.log".into(),
            sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            size: 1_048_576,
            modified: Some(at("2026-11-23T11:19:00Z")),
            copy: Some("evidence/access.log".into()),
            note: Some("web log | covers the whole access window".into()),
        }),
    );

    run(
        dir,
        "2026-11-24T09:00:00Z",
        a,
        &["check", "report/acquirer_notified"],
    );

    for (t, item) in [
        ("2026-11-25T15:00:00Z", "communicate/explain_what_happened"),
        ("2026-11-25T15:01:00Z", "communicate/explain_data"),
        ("2026-11-25T15:02:00Z", "communicate/customers_notified"),
    ] {
        run(dir, t, a, &["check", item]);
    }
    run(
        dir,
        "2026-11-25T15:05:00Z",
        a,
        &[
            "notify",
            "sent",
            "customer-notice",
            "--at",
            "2026-11-25T14:30:00Z",
            "--to",
            "1,200 customers by e-mail",
        ],
    );
    run(
        dir,
        "2026-11-25T15:10:00Z",
        a,
        &["step", "communicate", "--done", "--force"],
    );

    run(
        dir,
        "2026-11-26T09:00:00Z",
        a,
        &[
            "step",
            "rebuild-trust",
            "--skip",
            "The acquirer's programme covers card monitoring | no extra offer",
        ],
    );

    run(
        dir,
        "2026-11-28T10:00:00Z",
        a,
        &[
            "answer",
            "review/lessons_learned",
            "Patch plugins weekly.\nMFA for every admin — même les stagiaires.",
        ],
    );
    run(
        dir,
        "2026-11-28T10:05:00Z",
        a,
        &[
            "answer",
            "review/action_items",
            "- Enable MFA for all admin accounts (owner: Bob)\n- Weekly plugin updates (owner: Alice) | review in Q1\n\n- Subscribe to the plugin's security advisories",
        ],
    );
    run(
        dir,
        "2026-11-28T10:10:00Z",
        a,
        &[
            "note",
            "--step",
            "review",
            "Post-mortem held with the whole team 🙂",
        ],
    );
    run(
        dir,
        "2026-11-28T10:15:00Z",
        a,
        &["check", "review/staff_training"],
    );
    run(
        dir,
        "2026-11-28T10:20:00Z",
        a,
        &["step", "review", "--done", "--force"],
    );
    run(
        dir,
        "2026-11-28T11:00:00Z",
        b,
        &[
            "note",
            "Hosting provider: \"no other sites affected\"\n- a line starting with a dash\n# and one with a hash | and a pipe",
        ],
    );
    run(
        dir,
        "2026-11-28T11:05:00Z",
        a,
        &["answer", "assess/determined_at", "2026-11-23T09:30:00Z"],
    );
    for (t, q, v) in [
        (
            "2026-11-28T11:06:00Z",
            "investigate/detection_method",
            "A customer reported a fraudulent charge; the checkout script was then found modified",
        ),
        (
            "2026-11-28T11:07:00Z",
            "investigate/detected_by",
            "Support desk (Bob)",
        ),
        (
            "2026-11-28T11:08:00Z",
            "investigate/root_cause",
            "An outdated checkout plugin allowed script injection",
        ),
        (
            "2026-11-28T11:08:30Z",
            "investigate/contributing_factors",
            "No file-integrity monitoring\nShared admin password",
        ),
        (
            "2026-11-28T11:09:00Z",
            "review/went_well",
            "Checkout was isolated within the hour",
        ),
        (
            "2026-11-28T11:09:30Z",
            "review/went_badly",
            "The acquirer was told an hour after Mastercard's deadline",
        ),
    ] {
        run(dir, t, b, &["answer", q, v]);
    }
    run(
        dir,
        "2026-11-28T11:10:00Z",
        a,
        &[
            "action",
            "add",
            "Enable MFA for all admin accounts",
            "--owner",
            "Bob",
            "--due",
            "2026-12-05",
        ],
    );
    run(
        dir,
        "2026-11-28T11:11:00Z",
        a,
        &[
            "action",
            "add",
            "Weekly plugin updates",
            "--owner",
            "Alice",
            "--due",
            "2026-11-29",
        ],
    );
    run(dir, "2026-11-29T16:00:00Z", b, &["action", "done", "A1"]);
    run(dir, "2026-11-30T17:00:00Z", a, &["close"]);
    // A follow-up after closing, in the same chain.
    let id = path
        .file_stem()
        .expect("an incident file name")
        .to_string_lossy()
        .into_owned();
    run(
        dir,
        "2026-11-30T17:30:00Z",
        a,
        &[
            "-i",
            &id,
            "action",
            "add",
            "Subscribe to the plugin's security advisories",
            "--owner",
            "Alice",
            "--due",
            "2026-12-15",
        ],
    );
    path
}

const REPORT_NOW: &str = "2026-12-01T09:00:00Z";

fn export(dir: &Path, format: &str) -> String {
    let out = breach(dir)
        .env("BREACH_NOW", REPORT_NOW)
        .arg("export")
        .arg(incident_file(dir))
        .args(["--format", format])
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).expect("UTF-8 report")
}

fn settings(dir: &Path) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(&regex_escape(&dir.display().to_string()), "[DIR]");
    s.set_prepend_module_to_snapshot(false);
    s
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

#[test]
fn scripted_incident_exports_in_all_three_formats() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    scripted_incident(dir);
    let md = export(dir, "markdown");
    let html = export(dir, "html");
    let json = export(dir, "json");
    settings(dir).bind(|| {
        insta::assert_snapshot!("export_markdown", md);
        insta::assert_snapshot!("export_html", html);
        insta::assert_snapshot!("export_json", json);
    });

    // Deadlines: met early, met late (missed), not met and overdue, still open.
    for outcome in [
        "| Notify Visa through the acquirer | Visa, via your acquiring bank | 2026-11-26 08:00:00 UTC (3 calendar days from detection) | Met 2026-11-24 09:00:00 UTC, 1d 23h early |",
        "| **Missed**: met late, 2026-11-24 09:00:00 UTC, 1h 00m after the due time |",
        "| **Missed**: not met, overdue by 5d 1h |",
        "| Still open, 9d 5h left |",
    ] {
        assert!(md.contains(outcome), "missing deadline outcome {outcome:?}");
    }

    // Markdown is the default.
    let default = breach(dir)
        .env("BREACH_NOW", REPORT_NOW)
        .arg("export")
        .arg(incident_file(dir))
        .assert()
        .success();
    assert_eq!(String::from_utf8_lossy(&default.get_output().stdout), md);

    // The JSON is versioned and holds every record.
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(v["report_format"], 2);
    let records = v["records"].as_array().expect("records");
    assert_eq!(records.first().map(|r| &r["kind"]), Some(&"opened".into()));
    assert_eq!(records.last().map(|r| &r["kind"]), Some(&"action".into()));
    assert_eq!(
        v["integrity"]["verified_records"].as_u64(),
        Some(records.len() as u64)
    );
}

#[test]
fn html_is_self_contained_and_escapes_incident_text() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    scripted_incident(dir);
    let html = export(dir, "html");
    let lower = html.to_ascii_lowercase();
    for banned in [
        "http://", "https://", "src=", "<script", "@import", "url(", "<link", "href=",
    ] {
        assert!(!lower.contains(banned), "the HTML contains {banned:?}");
    }
    assert!(html.contains("Found &lt;script&gt;alert(1)&lt;/script&gt; appended"));
    assert!(html.contains("<svg"), "the timeline chart is inline SVG");
    assert!(html.contains("@media print"), "there is a print style");
}

#[test]
fn markdown_keeps_tables_intact_around_awkward_text() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    scripted_incident(dir);
    let md = export(dir, "markdown");
    // In every table row, the only unescaped pipes are the column separators.
    let mut columns = None;
    for line in md.lines() {
        if line.starts_with('|') {
            let cells = line.replace("\\|", "").matches('|').count();
            match columns {
                None => columns = Some(cells),
                Some(n) => assert_eq!(cells, n, "row has a stray pipe: {line}"),
            }
        } else {
            columns = None;
        }
    }
    assert!(md.contains("Outdated payment plugin (v2.3) \\| exposed admin panel"));
    assert!(md.contains("Unauthenticated file upload in the plugin<br># weak admin password"));
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"));
    assert!(md.contains("même les stagiaires"));
}

#[test]
fn output_file_is_written_privately_and_equals_stdout() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    opening(dir);
    let stdout = export(dir, "html");
    let target = dir.join("report.html");
    breach(dir)
        .env("BREACH_NOW", REPORT_NOW)
        .args(["export", "--format", "html", "-o"])
        .arg(&target)
        .assert()
        .success()
        .stdout("");
    let meta = std::fs::metadata(&target).expect("the report exists");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read_to_string(&target).expect("readable"), stdout);
    // Nothing else is left behind in the directory.
    let names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn an_open_incident_is_a_draft() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    opening(dir);
    let md = export(dir, "markdown");
    let top: Vec<&str> = md.lines().take(4).collect();
    assert!(top.iter().any(|l| l.starts_with("**DRAFT**")), "{top:?}");
    assert!(md.contains("| **State** | Open (**DRAFT**) |"));
}

#[test]
fn a_tampered_file_still_exports_with_the_failure_at_the_top() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    let path = opening(dir);
    // Flip one byte in the middle of the records: in the answer that the breach was contained.
    let mut bytes = std::fs::read(&path).expect("readable");
    let needle = b"question: contained\n";
    let pos = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the record is there");
    bytes[pos + "question: ".len()] ^= 0x01;
    std::fs::write(&path, &bytes).expect("writable");

    for format in ["markdown", "html", "json"] {
        let out = breach(dir)
            .env("BREACH_NOW", REPORT_NOW)
            .args(["export", "--format", format])
            .arg(&path)
            .assert()
            .code(5);
        let out = out.get_output();
        let text = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("does not verify"), "{stderr}");
        match format {
            "markdown" => {
                let banner = text.lines().nth(2).unwrap_or_default();
                assert!(
                    banner.starts_with("**INTEGRITY FAILURE: the incident file"),
                    "{banner}"
                );
                assert!(banner.contains("is edited"), "{banner}");
                assert!(text.contains("**UNVERIFIED**"), "later records are marked");
            }
            "html" => {
                let body = text.split("<body>").nth(1).unwrap_or_default();
                let first = body.lines().nth(3).unwrap_or_default();
                assert!(
                    first.starts_with("<p class=\"banner integrity\"><strong>INTEGRITY FAILURE"),
                    "{first}"
                );
            }
            _ => {
                let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
                assert_eq!(v["integrity"]["intact"], false);
                assert_eq!(v["integrity"]["state"], "broken");
            }
        }
    }
}

#[test]
fn a_file_whose_first_record_is_bad_is_an_integrity_error() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    let path = opening(dir);
    let text = std::fs::read_to_string(&path).expect("readable");
    std::fs::write(&path, text.replacen("Card skimmer", "Card skimmeR", 1)).expect("writable");
    breach(dir)
        .arg("export")
        .arg(&path)
        .assert()
        .code(5)
        .stdout("")
        .stderr(predicates::str::contains("cannot export: its first record"));
}

#[test]
fn correcting_the_awareness_time_moves_the_gdpr_clock_and_the_export_shows_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let now = "2026-11-23T10:15:00Z";
    run(
        dir,
        now,
        "alice",
        &[
            "start",
            "--no-walk",
            "--title",
            "Stolen customer table",
            "--detected-at",
            "2026-11-23T08:00:00Z",
            "--aware-at",
            "2026-11-23T10:00:00Z",
        ],
    );
    run(
        dir,
        now,
        "alice",
        &["answer", "assess/personal_data", "yes"],
    );
    run(dir, now, "alice", &["answer", "assess/jurisdictions", "eu"]);
    let gdpr_due = || {
        let out = breach(dir)
            .args(["status", "--json"])
            .output()
            .expect("runs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        v["deadlines"]
            .as_array()
            .expect("deadlines")
            .iter()
            .find(|d| d["id"] == "gdpr-authority")
            .expect("the GDPR clock")["due_at"]
            .clone()
    };
    assert_eq!(gdpr_due(), "2026-11-26T10:00:00Z");
    run(
        dir,
        "2026-11-23T10:20:00Z",
        "bob",
        &[
            "amend",
            "aware",
            "2026-11-23T08:30:00Z",
            "--reason",
            "The host's first e-mail already said customer data was copied",
        ],
    );
    assert_eq!(gdpr_due(), "2026-11-26T08:30:00Z");

    let md = export(dir, "markdown");
    assert!(md.contains("### Corrections"), "{md}");
    assert!(
        md.contains("| the awareness time | 2026-11-23T10:00:00Z | 2026-11-23T08:30:00Z | bob | 2026-11-23 10:20:00 UTC | The host's first e-mail already said customer data was copied |"),
        "{md}"
    );
    let html = export(dir, "html");
    assert!(html.contains("<h3>Corrections</h3>"), "{html}");
    assert!(html.contains("<td>2026-11-23T10:00:00Z</td><td>2026-11-23T08:30:00Z</td>"));
    let json: serde_json::Value = serde_json::from_str(&export(dir, "json")).expect("JSON");
    assert_eq!(
        json["corrections"],
        serde_json::json!([{
            "fact": "aware",
            "label": "the awareness time",
            "old": "2026-11-23T10:00:00Z",
            "new": "2026-11-23T08:30:00Z",
            "reason": "The host's first e-mail already said customer data was copied",
            "overrode": [],
            "by": "bob",
            "at": "2026-11-23T10:20:00Z",
            "seq": 3
        }])
    );
    assert_eq!(json["summary"]["aware_at"], "2026-11-23T08:30:00Z");
}

#[test]
fn implausible_times_are_refused_on_the_command_line_unless_overridden_and_recorded() {
    implausible_times_are_refused_unless_overridden(&[]);
}

#[test]
fn a_team_incident_refuses_implausible_times_and_records_overrides_alike() {
    implausible_times_are_refused_unless_overridden(&["--team"]);
}

/// The plausibility checks on the command line, for a format 1 incident or (with
/// `--team` in `start_flags`) a team incident: the same refusals, the same overrides.
fn implausible_times_are_refused_unless_overridden(start_flags: &[&str]) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let now = "2026-11-23T10:15:00Z";
    // start: awareness before detection.
    breach(dir)
        .args(["start", "--no-walk"])
        .args(start_flags)
        .args(["--title", "Typo", "--detected-at"])
        .args(["2026-11-23T08:00:00Z", "--aware-at", "2026-11-23T07:00:00Z"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "the awareness time 2026-11-23T07:00:00Z is before the detection time 2026-11-23T08:00:00Z",
        ))
        .stderr(predicates::str::contains("--override-check"));
    assert!(!dir.join("incidents").exists(), "nothing was created");
    let start = [
        &["start", "--no-walk"][..],
        start_flags,
        &["--title", "Typo", "--detected-at", "2026-11-23T08:00:00Z"],
    ]
    .concat();
    run(dir, now, "alice", &start);
    // answer: a year typo in a time that starts US state clocks.
    breach(dir)
        .args(["answer", "assess/determined_at", "2027-01-01T10:00:00Z"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "2027-01-01T10:00:00Z is in the future (it is now 2026-11-23T10:15:00Z)",
        ));
    // An end before its start.
    run(
        dir,
        now,
        "alice",
        &[
            "answer",
            "investigate/access_started",
            "2026-11-20T00:00:00Z",
        ],
    );
    breach(dir)
        .args(["answer", "investigate/access_ended", "2026-11-19T00:00:00Z"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "the access cannot end before it started",
        ));
    // Overridden: recorded, with the override just before it.
    run(
        dir,
        now,
        "alice",
        &[
            "answer",
            "investigate/access_ended",
            "2026-11-19T00:00:00Z",
            "--override-check",
        ],
    );
    // amend: refused, then overridden with the checks in the record.
    breach(dir)
        .args([
            "amend",
            "detected",
            "2026-12-24T00:00:00Z",
            "--reason",
            "typo",
        ])
        .assert()
        .code(3);
    run(
        dir,
        now,
        "bob",
        &[
            "amend",
            "detected",
            "2026-12-24T00:00:00Z",
            "--reason",
            "the clock of the alerting box is off",
            "--override-check",
        ],
    );
    let (_, i) = breach::ledger::load(&incident_file(dir)).expect("loads");
    assert_eq!(
        i.answer_value("investigate/access_ended"),
        Some(&breach::types::AnswerValue::Text(
            "2026-11-19T00:00:00Z".into()
        ))
    );
    let facts: Vec<&str> = i.overrides.iter().map(|o| o.fact.as_str()).collect();
    assert_eq!(facts, ["investigate/access_ended", "detected"]);
    assert!(i.overrides[1].checks[0].contains("is in the future"));
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    let md = export(dir, "markdown");
    assert!(md.contains("(overriding: the detection time 2026-12-24T00:00:00Z is in the future"));
    assert!(
        md.contains("despite the checks"),
        "the timeline shows the override"
    );
}

/// Every fact the summary shows is the fold's value: the JSON summary against `status
/// --json` (the fold, rendered by another command), and the Markdown and HTML summaries
/// against the JSON summary.
#[test]
fn every_fact_in_the_summary_equals_the_folds_value() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    scripted_incident(dir);
    let report: serde_json::Value = serde_json::from_str(&export(dir, "json")).expect("valid JSON");
    let status = breach(dir)
        .env("BREACH_NOW", REPORT_NOW)
        .args(["status", "--json"])
        .arg(incident_file(dir))
        .assert()
        .success();
    let fold: serde_json::Value =
        serde_json::from_slice(&status.get_output().stdout).expect("status JSON");
    let s = &report["summary"];
    let answer = |step: &str, q: &str| {
        fold["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .find(|x| x["id"] == step)
            .map(|x| x["answers"][q].clone())
            .expect("the step exists")
    };

    for (field, expected) in [
        ("id", fold["id"].clone()),
        ("title", fold["title"].clone()),
        ("severity", fold["severity"].clone()),
        ("state", fold["state"].clone()),
        ("detected_at", fold["detected_at"].clone()),
        ("aware_at", fold["aware_at"].clone()),
        ("opened_at", fold["opened_at"].clone()),
        ("closed_at", fold["closed_at"].clone()),
        ("runbook_id", fold["runbook"]["id"].clone()),
        ("runbook_sha256", fold["runbook"]["sha256"].clone()),
        ("steps_closed", fold["progress"]["steps_closed"].clone()),
        (
            "steps_applicable",
            fold["progress"]["steps_applicable"].clone(),
        ),
        // Not given at the intake: the answer sets it, one value everywhere.
        ("determined_at", fold["determined_at"].clone()),
        // The containment time is the answer, never when a box was ticked.
        ("contained_at", answer("contain", "contained_at")),
    ] {
        assert_eq!(s[field], expected, "summary field {field}");
    }
    // `status` shows the same determination time: the fold's, set by the answer.
    assert_eq!(fold["determined_at"], answer("assess", "determined_at"));
    assert_eq!(s["determined_from"], "assess/determined_at");
    // The Texas-style clocks and the summary agree: no "not yet" beside a recorded answer.
    let md = export(dir, "markdown");
    let html = export(dir, "html");
    for (label, value) in [
        (
            "Breach determined",
            "2026-11-23 09:30:00 UTC (answer `assess/determined_at`)",
        ),
        ("Contained", "2026-11-23 11:20:00 UTC"),
        ("Detected", "2026-11-23 08:00:00 UTC"),
        ("Closed", "2026-11-30 17:00:00 UTC"),
        ("State", "Closed"),
    ] {
        let line = format!("| **{label}** | {value} |");
        assert!(md.contains(&line), "markdown summary lacks {line:?}");
    }
    assert!(html.contains("2026-11-23 09:30:00 UTC <span class=\"muted\">(answer <code>assess/determined_at</code>)</span>"));
    let summary = md
        .split("## 1. Summary")
        .nth(1)
        .and_then(|rest| rest.split("## 2.").next())
        .expect("a summary section");
    assert!(
        !summary.contains("not yet"),
        "a summary fact shows as not yet:\n{summary}"
    );
}

/// Whether a program is on PATH; without it, a test that needs it skips locally (saying
/// why) and fails in CI, where `.ci/run` installs it.
fn have(program: &str, package: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(program).is_file()));
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but `{program}` is not on PATH; .ci/run installs the Debian package `{package}`"
        );
        eprintln!("skipped: `{program}` is not on PATH (install the Debian package `{package}`)");
    }
    found
}

/// The PDF printed by a real headless Chromium: it has pages, and its text layer holds the
/// section titles.
#[test]
fn the_pdf_is_printed_by_a_real_headless_chromium() {
    if breach::browser::find(std::env::var_os("PATH").as_deref()).is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but no headless Chromium is on PATH; .ci/run installs the Debian package `chromium`"
        );
        eprintln!(
            "skipped: no chromium, chromium-browser or google-chrome on PATH (install the Debian package `chromium`)"
        );
        return;
    }
    if !have("pdftotext", "poppler-utils") || !have("pdfinfo", "poppler-utils") {
        return;
    }
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    scripted_incident(dir);
    let out = dir.join("postmortem.pdf");
    breach(dir)
        .env("BREACH_NOW", REPORT_NOW)
        .arg("export")
        .arg(incident_file(dir))
        .args(["--format", "pdf", "-o"])
        .arg(&out)
        .timeout(std::time::Duration::from_secs(300))
        .assert()
        .success();
    let bytes = std::fs::read(&out).expect("the PDF was written");
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let info = std::process::Command::new("pdfinfo")
        .arg(&out)
        .output()
        .expect("pdfinfo runs");
    let info = String::from_utf8_lossy(&info.stdout);
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo gives the page count");
    assert!(pages >= 10, "a page per section, at least: {pages} pages");
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&out)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    let text = String::from_utf8_lossy(&text.stdout);
    for title in [
        "Post-mortem report: Card skimmer on checkout",
        "1. Summary",
        "2. Impact",
        "3. Detection",
        "4. Key metrics",
        "5. Regulatory deadlines",
        "6. Attack and response timelines",
        "7. Root cause and contributing factors",
        "8. Resolution and recovery",
        "9. Notifications",
        "10. Evidence and custody",
        "11. What went well and what went badly",
        "12. Action items",
        "13. Notes",
        "14. Step by step",
        "15. Timeline of every record",
        "16. Integrity",
    ] {
        assert!(text.contains(title), "the PDF's text lacks {title:?}");
    }
    // Dates and ids are not broken mid-word.
    assert!(text.contains("2026-11-23 09:30:00 UTC"));
    assert!(text.contains("20261123T101500Z-card-skimmer-on-checkout"));
}

/// Without a browser on PATH, the PDF export says which package to install and that HTML
/// works, with its own exit code; nothing is written.
#[test]
fn without_a_browser_the_pdf_export_names_the_package_and_the_html_alternative() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    opening(dir);
    let empty = dir.join("empty-path");
    std::fs::create_dir(&empty).expect("a directory");
    let out = breach(dir)
        .env("PATH", &empty)
        .args(["export", "--format", "pdf", "-o", "report.pdf"])
        .assert()
        .code(8);
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(err.contains("apt-get install chromium"), "{err}");
    assert!(err.contains("--format html"), "{err}");
    assert!(!dir.join("report.pdf").exists());
}

/// Each evidence file is hashed again when the report is made: verified, changed or missing.
#[test]
fn the_report_says_whether_each_evidence_file_verified_changed_or_went_missing() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    opening(dir);
    let file = dir.join("checkout-skimmer.js");
    std::fs::write(&file, "/* injected */\n").expect("write the evidence file");
    run(
        dir,
        "2026-11-23T12:00:00Z",
        "alice",
        &["evidence", "add", &file.display().to_string()],
    );
    let row = |md: &str| {
        md.lines()
            .find(|l| l.contains("checkout-skimmer.js") && l.contains("registered by alice"))
            .map(String::from)
            .expect("the evidence row")
    };
    let md = export(dir, "markdown");
    assert!(row(&md).contains("| verified |"), "{}", row(&md));
    let json: serde_json::Value = serde_json::from_str(&export(dir, "json")).expect("valid JSON");
    assert_eq!(
        json["evidence"][0]["at_export"]["original"]["state"],
        "unchanged"
    );

    std::fs::write(&file, "/* cleaned */\n").expect("change the evidence file");
    let md = export(dir, "markdown");
    assert!(
        row(&md).contains("**changed** (SHA-256 now `"),
        "{}",
        row(&md)
    );

    std::fs::remove_file(&file).expect("remove the evidence file");
    let md = export(dir, "markdown");
    assert!(row(&md).contains("| **missing** |"), "{}", row(&md));
}

/// A correction of a question the runbook does not have is refused (exit 4), and the message
/// says what `breach amend` corrects.
#[test]
fn amending_a_question_the_runbook_lacks_says_what_can_be_corrected() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let now = "2026-11-23T10:15:00Z";
    run(
        dir,
        now,
        "alice",
        &["start", "--no-walk", "--title", "Skimmer"],
    );
    let out = breach(dir)
        .env("BREACH_NOW", now)
        .args(["amend", "assess/nope", "1", "--reason", "typo"])
        .assert()
        .code(4);
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        "error: no question `nope` in step `assess`; `breach amend` corrects detected, aware, \
         determined, title, severity or STEP/QUESTION\n"
    );
}
