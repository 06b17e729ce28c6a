//! End-to-end tests of the legal regimes of the default runbook through `breach status
//! --json`: which clocks apply to realistic incidents, when they are due, in which time
//! zone, and how notices and checklist items meet them and start the clocks chained on them.
//!
//! Every incident is detected on Monday 2026-11-23 at 08:00 UTC and opened at 10:15 (the
//! harness's fixed clock).

mod common;

use std::path::Path;

use common::breach;
use serde_json::Value;

/// Opens an incident (`extra` are more `start` flags) and records the answers, in order.
fn incident(dir: &Path, extra: &[&str], answers: &[(&str, &str)]) {
    breach(dir)
        .args(["start", "--no-walk", "--title", "Breach"])
        .args(["--detected-at", "2026-11-23T08:00:00Z"])
        .args(extra)
        .assert()
        .success();
    answer(dir, answers);
}

fn answer(dir: &Path, answers: &[(&str, &str)]) {
    answer_at(dir, common::NOW, answers);
}

fn answer_at(dir: &Path, now: &str, answers: &[(&str, &str)]) {
    for (q, v) in answers {
        breach(dir)
            .env("BREACH_NOW", now)
            .args(["answer", q, v])
            .assert()
            .success();
    }
}

fn status(dir: &Path, now: &str) -> Value {
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

fn state(status: &Value, id: &str) -> String {
    deadline(status, id)["state"]
        .as_str()
        .expect("a state")
        .to_string()
}

fn item_checked(status: &Value, step: &str, item: &str) -> bool {
    status["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["id"] == step)
        .and_then(|s| s["items"].as_array())
        .and_then(|items| items.iter().find(|i| i["id"] == item))
        .unwrap_or_else(|| panic!("no item {step}/{item}"))["checked"]
        .as_bool()
        .expect("checked is a bool")
}

/// The facts of a card skimmer: readable card numbers with their codes, contact details.
const CARDS: [(&str, &str); 4] = [
    (
        "assess/data_types",
        "payment_cards,card_security_codes,contact_details",
    ),
    ("assess/personal_data", "yes"),
    ("assess/encryption", "not_encrypted"),
    ("assess/high_risk", "yes"),
];

const NOW: &str = "2026-11-23T12:00:00Z";

#[test]
fn an_eu_and_uk_card_breach_runs_both_authorities_and_each_notice_meets_its_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    incident(dir, &[], &CARDS);
    answer(dir, &[("assess/jurisdictions", "DE,GB")]);
    let s = status(dir, NOW);
    for id in [
        "gdpr-authority",
        "gdpr-data-subjects",
        "uk-ico",
        "uk-data-subjects",
        "visa",
        "visa-account-numbers",
    ] {
        assert_eq!(state(&s, id), "open", "{id}");
    }
    assert_eq!(state(&s, "mastercard"), "due_soon");
    assert_eq!(deadline(&s, "uk-ico")["due_at"], "2026-11-26T08:00:00Z");
    assert_eq!(deadline(&s, "uk-ico")["zone"], "Europe/London");
    assert_eq!(deadline(&s, "gdpr-authority")["zone"], "Europe/Brussels");
    assert_eq!(deadline(&s, "uk-data-subjects")["verified"], false);
    for id in [
        "california-consumers",
        "texas-individuals",
        "nis2-early-warning",
        "japan-ppc-preliminary",
    ] {
        assert_eq!(state(&s, id), "not_applicable", "{id}");
    }

    // The ICO notice meets the ICO clock (and ticks its item), not the EU one.
    breach(dir)
        .args([
            "notify",
            "sent",
            "ico-notice",
            "--at",
            "2026-11-23T10:00:00Z",
        ])
        .assert()
        .success();
    let s = status(dir, NOW);
    assert_eq!(state(&s, "uk-ico"), "met");
    assert_eq!(deadline(&s, "uk-ico")["met_at"], "2026-11-23T10:00:00Z");
    assert!(item_checked(&s, "report", "ico_notified"));
    assert_eq!(state(&s, "gdpr-authority"), "open");
    assert!(!item_checked(&s, "report", "authority_notified"));

    // The EU authority notice meets the EU clock.
    breach(dir)
        .args([
            "notify",
            "sent",
            "authority-notice",
            "--at",
            "2026-11-23T10:05:00Z",
        ])
        .assert()
        .success();
    let s = status(dir, NOW);
    assert_eq!(state(&s, "gdpr-authority"), "met");
    assert!(item_checked(&s, "report", "authority_notified"));
}

#[test]
fn a_uk_only_high_risk_breach_runs_the_ico_and_the_people_notice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    incident(dir, &[], &CARDS);
    answer(dir, &[("assess/jurisdictions", "GB")]);
    let s = status(dir, NOW);
    assert_eq!(state(&s, "uk-ico"), "open");
    assert_eq!(state(&s, "uk-data-subjects"), "open");
    assert_eq!(deadline(&s, "uk-data-subjects")["asap"], true);
    for id in ["gdpr-authority", "gdpr-data-subjects"] {
        assert_eq!(state(&s, id), "not_applicable", "{id}");
    }
    // The customer notice tells the people affected.
    breach(dir)
        .args([
            "notify",
            "sent",
            "customer-notice",
            "--at",
            "2026-11-23T10:00:00Z",
        ])
        .assert()
        .success();
    let s = status(dir, NOW);
    assert_eq!(state(&s, "uk-data-subjects"), "met");
    // Without a high risk, only the ICO clock runs.
    answer(dir, &[("assess/high_risk", "no")]);
    let s = status(dir, NOW);
    assert_eq!(state(&s, "uk-data-subjects"), "not_applicable");
    assert_eq!(state(&s, "uk-ico"), "open");
}

#[test]
fn us_contact_details_alone_start_no_state_clock_but_card_codes_or_ssns_start_both() {
    for (data, applies) in [
        ("contact_details", false),
        ("payment_cards,card_security_codes,contact_details", true),
        ("government_ids,contact_details", true),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let dir = dir.path();
        incident(
            dir,
            &["--determined-at", "2026-11-23T09:00:00Z"],
            &[
                ("assess/data_types", data),
                ("assess/personal_data", "yes"),
                ("assess/encryption", "not_encrypted"),
                ("assess/jurisdictions", "US-CA,US-TX"),
            ],
        );
        let s = status(dir, NOW);
        for id in ["california-consumers", "texas-individuals"] {
            let want = if applies { "open" } else { "not_applicable" };
            assert_eq!(state(&s, id), want, "{id} with {data}");
        }
        if applies {
            assert_eq!(
                deadline(&s, "california-consumers")["due_at"],
                "2026-12-23T08:00:00Z"
            );
            assert_eq!(
                deadline(&s, "texas-individuals")["due_at"],
                "2027-01-22T09:00:00Z",
                "60 days from the determination"
            );
        }
    }
}

#[test]
fn start_determined_at_alone_starts_the_texas_clocks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    incident(
        dir,
        &["--determined-at", "2026-11-23T09:00:00Z"],
        &[
            ("assess/data_types", "government_ids"),
            ("assess/personal_data", "yes"),
            ("assess/jurisdictions", "US-TX"),
            ("assess/tx_residents", "300"),
        ],
    );
    let s = status(dir, NOW);
    for id in ["texas-individuals", "texas-ag"] {
        assert_eq!(state(&s, id), "open", "{id}");
        assert_eq!(
            deadline(&s, id)["anchor"]["at"],
            "2026-11-23T09:00:00Z",
            "{id}"
        );
    }
    assert_eq!(deadline(&s, "texas-ag")["due_at"], "2026-12-23T09:00:00Z");
    // The answer recorded later counts.
    answer(dir, &[("assess/determined_at", "2026-11-23T10:00:00Z")]);
    let s = status(dir, NOW);
    assert_eq!(deadline(&s, "texas-ag")["due_at"], "2026-12-23T10:00:00Z");
}

#[test]
fn australian_singaporean_and_japanese_breaches_of_a_single_card_number() {
    let single_card = [
        ("assess/data_types", "payment_cards"),
        ("assess/personal_data", "yes"),
        ("assess/encryption", "not_encrypted"),
        ("assess/affected_customers", "1"),
    ];
    // Australia: the 30-day assessment runs from the suspicion; the statement to the OAIC
    // once serious harm is likely.
    let dir = tempfile::tempdir().expect("temp dir");
    incident(dir.path(), &[], &single_card);
    answer(
        dir.path(),
        &[("assess/jurisdictions", "AU"), ("assess/high_risk", "yes")],
    );
    let s = status(dir.path(), NOW);
    assert_eq!(state(&s, "australia-assessment"), "open");
    assert_eq!(
        deadline(&s, "australia-assessment")["due_at"],
        "2026-12-23T08:00:00Z"
    );
    assert_eq!(
        deadline(&s, "australia-assessment")["zone"],
        "Australia/Sydney"
    );
    assert_eq!(state(&s, "australia-oaic"), "open");
    assert_eq!(state(&s, "australia-individuals"), "waiting");

    // Singapore: significant harm, 3 days from the assessment (the awareness time until
    // the assessment time is given).
    let dir = tempfile::tempdir().expect("temp dir");
    incident(dir.path(), &[], &single_card);
    answer(
        dir.path(),
        &[
            ("assess/jurisdictions", "SG"),
            ("assess/sg_people", "1"),
            ("assess/high_risk", "yes"),
        ],
    );
    let s = status(dir.path(), NOW);
    assert_eq!(state(&s, "singapore-pdpc"), "open");
    assert_eq!(
        deadline(&s, "singapore-pdpc")["due_at"],
        "2026-11-26T08:00:00Z"
    );
    answer(
        dir.path(),
        &[("assess/sg_assessed_at", "2026-11-23T11:00:00Z")],
    );
    let s = status(dir.path(), NOW);
    assert_eq!(
        deadline(&s, "singapore-pdpc")["due_at"],
        "2026-11-26T11:00:00Z"
    );

    // Japan: one card number is enough, even without a high risk; the skimmer is an
    // unlawful act, so the final report has 60 days.
    let dir = tempfile::tempdir().expect("temp dir");
    incident(dir.path(), &[], &single_card);
    answer(
        dir.path(),
        &[
            ("assess/breach_type", "card_skimming"),
            ("assess/jurisdictions", "JP"),
            ("assess/jp_people", "1"),
            ("assess/high_risk", "no"),
        ],
    );
    let s = status(dir.path(), NOW);
    assert_eq!(state(&s, "japan-ppc-preliminary"), "open");
    assert_eq!(state(&s, "japan-ppc-final"), "not_applicable");
    assert_eq!(state(&s, "japan-ppc-final-unlawful"), "open");
    assert_eq!(
        deadline(&s, "japan-ppc-final-unlawful")["due_at"],
        "2027-01-22T08:00:00Z"
    );
    assert_eq!(
        deadline(&s, "japan-ppc-final-unlawful")["zone"],
        "Asia/Tokyo"
    );
    for id in ["australia-oaic", "singapore-pdpc", "gdpr-authority"] {
        assert_eq!(state(&s, id), "not_applicable", "{id}");
    }
}

#[test]
fn jurisdictions_and_facts_removed_after_the_fact_stop_their_clocks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    incident(dir, &["--determined-at", "2026-11-23T09:00:00Z"], &CARDS);
    answer(
        dir,
        &[
            ("assess/jurisdictions", "DE,US-CA,US-TX"),
            ("assess/ca_residents", "600"),
            ("assess/tx_residents", "300"),
        ],
    );
    let s = status(dir, NOW);
    for id in [
        "texas-ag",
        "texas-individuals",
        "california-consumers",
        "gdpr-data-subjects",
    ] {
        assert_eq!(state(&s, id), "open", "{id}");
    }
    assert_eq!(state(&s, "california-ag"), "waiting");

    // California and Texas removed: their clocks no longer apply, the counts stop counting.
    answer(dir, &[("assess/jurisdictions", "DE")]);
    let s = status(dir, NOW);
    for id in [
        "texas-ag",
        "texas-individuals",
        "california-consumers",
        "california-ag",
    ] {
        assert_eq!(state(&s, id), "not_applicable", "{id}");
    }
    assert_eq!(state(&s, "gdpr-authority"), "open");

    // No personal data after all: Art. 34 (and Art. 33) stop too.
    answer(dir, &[("assess/personal_data", "no")]);
    let s = status(dir, NOW);
    for id in ["gdpr-data-subjects", "gdpr-authority"] {
        assert_eq!(state(&s, id), "not_applicable", "{id}");
    }
}

#[test]
fn nis2_runs_from_the_significant_incident_known_before_personal_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    // Detected at T0 = Monday 08:00; personal data known only at T0 + 48 h.
    let later = "2026-11-25T09:00:00Z";
    breach(dir)
        .env("BREACH_NOW", later)
        .args(["start", "--no-walk", "--title", "Outage and theft"])
        .args(["--detected-at", "2026-11-23T08:00:00Z"])
        .args(["--aware-at", "2026-11-25T08:00:00Z"])
        .assert()
        .success();
    answer_at(
        dir,
        later,
        &CARDS
            .iter()
            .copied()
            .chain([
                ("assess/jurisdictions", "FR"),
                ("assess/nis2_scope", "yes"),
                ("assess/nis2_significant", "yes"),
                ("assess/nis2_aware_at", "2026-11-23T08:00:00Z"),
            ])
            .collect::<Vec<_>>(),
    );
    let s = status(dir, later);
    assert_eq!(
        deadline(&s, "nis2-early-warning")["due_at"],
        "2026-11-24T08:00:00Z"
    );
    assert_eq!(
        deadline(&s, "nis2-notification")["due_at"],
        "2026-11-26T08:00:00Z"
    );
    assert_eq!(
        deadline(&s, "gdpr-authority")["due_at"],
        "2026-11-28T08:00:00Z"
    );
    // Not a significant incident: no NIS2 clock.
    answer_at(dir, later, &[("assess/nis2_significant", "no")]);
    let s = status(dir, later);
    assert_eq!(state(&s, "nis2-early-warning"), "not_applicable");
}

#[test]
fn a_business_day_deadline_skips_the_weekend_and_a_holiday_in_its_own_zone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    incident(
        dir,
        &[],
        &[
            ("assess/personal_data", "no"),
            ("assess/roles", "sec_registrant"),
            // Wednesday 25 November 23:30 in New York, already Thursday in UTC.
            ("assess/sec_material_at", "2026-11-26T04:30:00Z"),
        ],
    );
    let s = status(dir, "2026-11-27T12:00:00Z");
    let sec = deadline(&s, "sec-8k");
    assert_eq!(sec["state"], "open");
    assert_eq!(sec["zone"], "America/New_York");
    assert_eq!(sec["within"], "4 business days");
    // Thanksgiving (Thursday) and the weekend are skipped in New York: Friday, Monday,
    // Tuesday, Wednesday 2 December at 23:30 local time.
    assert_eq!(sec["due_at"], "2026-12-03T04:30:00Z");
}

#[test]
fn ticking_the_consumer_notice_item_starts_the_california_ag_clock() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    incident(dir, &[], &CARDS);
    answer(
        dir,
        &[
            ("assess/jurisdictions", "US-CA"),
            ("assess/ca_residents", "600"),
        ],
    );
    assert_eq!(state(&status(dir, NOW), "california-ag"), "waiting");
    breach(dir)
        .args(["check", "communicate/customers_notified"])
        .assert()
        .success();
    let s = status(dir, NOW);
    assert_eq!(state(&s, "california-consumers"), "met");
    let ag = deadline(&s, "california-ag");
    assert_eq!(ag["state"], "open");
    assert_eq!(ag["anchor"]["at"], "2026-11-23T10:15:00Z");
    assert_eq!(ag["due_at"], "2026-12-08T10:15:00Z");
}

#[test]
fn recording_a_notice_as_sent_ticks_its_item() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    incident(dir, &[], &CARDS);
    answer(
        dir,
        &[
            ("assess/jurisdictions", "US-CA"),
            ("assess/ca_residents", "600"),
        ],
    );
    assert!(!item_checked(
        &status(dir, NOW),
        "communicate",
        "customers_notified"
    ));
    breach(dir)
        .args([
            "notify",
            "sent",
            "customer-notice",
            "--at",
            "2026-11-23T09:30:00Z",
        ])
        .assert()
        .success();
    let s = status(dir, NOW);
    assert!(item_checked(&s, "communicate", "customers_notified"));
    assert_eq!(state(&s, "california-consumers"), "met");
    assert_eq!(
        deadline(&s, "california-ag")["anchor"]["at"],
        "2026-11-23T09:30:00Z"
    );
    // The acquirer notice ticks the acquirer item and meets both card brands.
    breach(dir)
        .args(["notify", "sent", "acquirer-notice"])
        .assert()
        .success();
    let s = status(dir, NOW);
    assert!(item_checked(&s, "report", "acquirer_notified"));
    assert_eq!(state(&s, "visa"), "met");
    assert_eq!(state(&s, "mastercard"), "met");
}

#[test]
fn a_notice_dated_before_its_clock_started_is_flagged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    incident(dir, &[], &CARDS);
    answer(dir, &[("assess/jurisdictions", "DE")]);
    // A year typo: 2025 instead of 2026.
    breach(dir)
        .args([
            "notify",
            "sent",
            "authority-notice",
            "--at",
            "2025-11-23T11:00:00Z",
        ])
        .assert()
        .success();
    let s = status(dir, NOW);
    let gdpr = deadline(&s, "gdpr-authority");
    assert_eq!(gdpr["state"], "met");
    assert_eq!(gdpr["met_before_start"], true);
    assert_eq!(gdpr["met_timing"], Value::Null);
    assert!(
        gdpr["warning"]
            .as_str()
            .is_some_and(|w| w.contains("before its clock started")),
        "{gdpr}"
    );
    let table = breach(dir)
        .env("BREACH_NOW", NOW)
        .arg("status")
        .assert()
        .success();
    let text = String::from_utf8_lossy(&table.get_output().stdout).to_string();
    assert!(text.contains("before start?"), "{text}");
}

#[test]
fn any_place_code_can_be_given_in_an_answers_file_or_on_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    std::fs::write(
        dir.join("a.yaml"),
        "intake:\n  title: Places\n  detected_at: 2026-11-23T08:00:00Z\nassess/personal_data: true\nassess/jurisdictions: [DE, nz, US-OR]\n",
    )
    .expect("write");
    breach(dir)
        .args(["start", "--answers", "a.yaml"])
        .write_stdin("")
        .assert()
        .success();
    let s = status(dir, NOW);
    assert_eq!(
        s["steps"][0]["answers"]["jurisdictions"],
        serde_json::json!(["DE", "NZ", "US-OR"]),
        "pick-list codes first, then the typed ones, in upper case"
    );
    assert_eq!(state(&s, "gdpr-authority"), "open");
    // On the command line too; a subdivision counts for its country.
    answer(dir, &[("assess/jurisdictions", "au-nsw,FR")]);
    let s = status(dir, NOW);
    assert_eq!(
        s["steps"][0]["answers"]["jurisdictions"],
        serde_json::json!(["AU-NSW", "FR"])
    );
    assert_eq!(state(&s, "australia-assessment"), "open");
    // Something that is not a code is refused, naming it, and nothing is recorded.
    let out = breach(dir)
        .args(["answer", "assess/jurisdictions", "DE,Narnia"])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("Narnia") && err.contains("ISO 3166"), "{err}");
    std::fs::write(
        dir.join("b.yaml"),
        "intake:\n  title: Bad place\n  detected_at: 2026-11-23T08:00:00Z\nassess/jurisdictions: [DE, Narnia]\n",
    )
    .expect("write");
    let out = breach(dir)
        .args(["--dir", "other", "start", "--answers", "b.yaml"])
        .write_stdin("")
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("`assess/jurisdictions`") && err.contains("Narnia"),
        "{err}"
    );
    assert!(!dir.join("other").exists(), "nothing was created");
}
