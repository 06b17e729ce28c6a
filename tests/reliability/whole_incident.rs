//! A whole incident, non-interactively, with the real binary and the built-in runbook.

use breach::incident::StepStatus;
use breach::journal::{Payload, StepOutcome};
use breach::types::AnswerValue;

use super::*;

#[test]
fn a_whole_incident_is_recorded_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let out = run(
        root,
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
    assert_ok(&out);
    let path = root.join("incidents/20261123T101500Z-card-skimmer-on-checkout.yaml");
    assert!(stdout(&out).contains("20261123T101500Z-card-skimmer-on-checkout"));

    let steps: &[&[&str]] = &[
        &["answer", "assess/breach_type", "card_skimming"],
        &[
            "answer",
            "assess/data_types",
            "payment_cards,contact_details",
        ],
        &["answer", "assess/personal_data", "yes"],
        &["answer", "assess/affected_customers", "1200"],
        &["answer", "assess/determined_at", "2026-11-23T09:30:00Z"],
        &[
            "answer",
            "notify/responder_contact",
            "Jane Doe, +1 555 0100",
        ],
        &["check", "contain/isolate_systems"],
        &["check", "contain/rotate_admin_passwords"],
        &["check", "contain/rotate_admin_passwords", "--undo"],
        &["note", "--step", "contain", "Checkout disabled at 10:42"],
        &["note", "Two lines:\n---\nthe second after a separator"],
        &[
            "step",
            "rebuild-trust",
            "--skip",
            "No customer data was exposed",
        ],
        &["answer", "contain/contained", "yes"],
        &["step", "contain", "--done", "--force"],
        &["check", "notify/security_team_informed"],
        &["answer", "notify/responders", "external"],
        &["step", "notify", "--done"],
    ];
    for args in steps {
        assert_ok(&run(root, args));
    }
    // bob answers one question: the operator is on the record.
    let out = breach(root)
        .env("BREACH_OPERATOR", "bob")
        .args(["answer", "assess/affected_customers", "1350"])
        .output()
        .unwrap();
    assert_ok(&out);

    // Refused, and nothing appended: a wrong value, an unknown id, a done with open items.
    let before = std::fs::read(&path).unwrap();
    assert_fails(&run(root, &["answer", "assess/personal_data", "maybe"]), 3);
    assert_fails(&run(root, &["answer", "assess/breach_type", "aliens"]), 3);
    for not_a_count in ["-5", "1350.5", "99999999999999999999999999999"] {
        assert_fails(
            &run(root, &["answer", "assess/affected_customers", not_a_count]),
            3,
        );
    }
    assert_fails(
        &run(root, &["answer", "assess/affected_customers", "many"]),
        3,
    );
    assert_fails(&run(root, &["check", "contain/no_such_item"]), 4);
    assert_fails(&run(root, &["step", "no-such-step", "--done"]), 4);
    assert_fails(&run(root, &["step", "remediate", "--done"]), 6);
    assert_fails(&run(root, &["check", "contain/isolate_systems"]), 6);
    assert_eq!(std::fs::read(&path).unwrap(), before);

    assert_ok(&run(root, &["close"]));
    let closed = std::fs::read(&path).unwrap();
    let id = "20261123T101500Z-card-skimmer-on-checkout";
    for args in [
        &["-i", id, "note", "too late"][..],
        &["-i", id, "check", "contain/disable_transactions"],
        &["-i", id, "answer", "assess/personal_data", "no"],
        &["-i", id, "step", "monitor", "--skip", "done elsewhere"],
        &["close", "20261123T101500Z"],
    ] {
        assert_fails(&run(root, args), 6);
    }
    // With no incident named, there is no open one to write to.
    assert_fails(&run(root, &["note", "too late"]), 4);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        closed,
        "appended to a closed incident"
    );

    let recs = records(&path);
    let kinds: Vec<&str> = recs.iter().map(|r| r.payload.kind()).collect();
    assert_eq!(
        kinds,
        [
            "opened", "answer", "answer", "answer", "answer", "answer", "answer", "check", "check",
            "check", "note", "note", "step", "answer", "step", "check", "answer", "step", "answer",
            "closed"
        ]
    );
    for (i, r) in recs.iter().enumerate() {
        assert_eq!(r.seq, i as u64);
    }
    assert_eq!(recs[18].operator, "bob");
    assert_eq!(recs[17].operator, "tester");
    let value = |i: usize| match &recs[i].payload {
        Payload::Answer(a) => a.value.clone(),
        other => panic!("record {i} is {other:?}"),
    };
    assert_eq!(value(1), AnswerValue::Text("card_skimming".into()));
    assert_eq!(
        value(2),
        AnswerValue::List(vec!["payment_cards".into(), "contact_details".into()])
    );
    assert_eq!(value(3), AnswerValue::Bool(true));
    // Counts are stored as integers.
    assert_eq!(value(4), AnswerValue::Count(1200));
    assert_eq!(value(5), AnswerValue::Text("2026-11-23T09:30:00Z".into()));
    assert_eq!(value(18), AnswerValue::Count(1350));
    match &recs[14].payload {
        Payload::Step(s) => {
            assert_eq!(s.outcome, StepOutcome::Done);
            // The card-skimmer first-hour actions apply: the breach type is card_skimming.
            assert_eq!(
                s.open_items,
                [
                    "rotate_admin_passwords",
                    "disable_transactions",
                    "skimmer_script_saved",
                    "gateway_keys_rotated",
                    "admins_and_files_checked",
                    "pfi_asked"
                ]
            );
        }
        other => panic!("{other:?}"),
    }

    let incident = breach::ledger::fold(&breach::journal::file::read(&path).unwrap()).unwrap();
    assert!(incident.is_closed());
    assert_eq!(incident.step("contain").unwrap().status, StepStatus::Done);
    assert_eq!(
        incident
            .step("rebuild-trust")
            .unwrap()
            .skip_reason
            .as_deref(),
        Some("No customer data was exposed")
    );
    assert!(
        !incident
            .step("contain")
            .unwrap()
            .item("rotate_admin_passwords")
            .unwrap()
            .checked
    );
    assert_eq!(incident.notes.len(), 2);
    assert_eq!(
        incident.notes[1].text,
        "Two lines:\n---\nthe second after a separator"
    );
    assert!(incident.warnings.is_empty(), "{:?}", incident.warnings);

    let out = run(root, &["verify", "20261123T101500Z"]);
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        format!(
            "ok: 20 records, chain intact, last hash {}\n",
            recs.last().unwrap().hash
        )
    );
}
