//! Every regime of the built-in runbooks: when it applies and when it does not, when it is
//! due, what meets it (its notice and its checklist item) and the clocks chained on it.
//! Both runbooks carry the same regimes, so every test runs on both.

use super::*;

/// `(runbook, assessment step, reporting step, customer-notice step)`.
type Layout = (&'static str, &'static str, &'static str, &'static str);

const LAYOUTS: [Layout; 2] = [
    ("ecommerce-breach", "assess", "report", "communicate"),
    (
        "woocommerce",
        "isolate",
        "legal-obligations",
        "notify-parties",
    ),
];

type Answers = Vec<(&'static str, AnswerValue)>;

fn yes() -> AnswerValue {
    AnswerValue::Bool(true)
}
fn no() -> AnswerValue {
    AnswerValue::Bool(false)
}
fn text(s: &str) -> AnswerValue {
    AnswerValue::Text(s.into())
}
fn list(v: &[&str]) -> AnswerValue {
    AnswerValue::List(v.iter().map(|s| s.to_string()).collect())
}
fn n(x: f64) -> AnswerValue {
    AnswerValue::Number(x)
}

/// A card skimmer that took readable card numbers with their codes, ID numbers and health
/// data, with a high risk: every condition of fact holds, so the places and roles decide.
fn base() -> Answers {
    vec![
        ("breach_type", text("card_skimming")),
        (
            "data_types",
            list(&[
                "payment_cards",
                "card_security_codes",
                "government_ids",
                "health_data",
                "contact_details",
            ]),
        ),
        ("personal_data", yes()),
        ("encryption", text("not_encrypted")),
        ("high_risk", yes()),
    ]
}

/// Folds `base()` with `over` on top (an answer given there replaces the base one) on a
/// built-in runbook, the answers recorded from Monday 10:01, then `extra`.
fn scenario(
    l: Layout,
    over: &[(&str, AnswerValue)],
    extra: Vec<(DateTime<Utc>, Payload)>,
) -> Incident {
    let (id, q, _, _) = l;
    let text = crate::runbook::builtin::get(id).expect("built-in exists");
    let mut answers: Vec<(String, AnswerValue)> = base()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    for (k, v) in over {
        answers.retain(|(a, _)| a != k);
        answers.push((k.to_string(), v.clone()));
    }
    let mut payloads: Vec<(DateTime<Utc>, Payload)> = answers
        .into_iter()
        .enumerate()
        .map(|(i, (k, v))| {
            (
                mon(10, 1) + TimeDelta::seconds(i as i64),
                answer(&format!("{q}/{k}"), v),
            )
        })
        .collect();
    payloads.extend(extra);
    incident_with(text, None, payloads)
}

/// `R/ITEM` is an item of the reporting step, `C/ITEM` of the customer-notice step.
fn item_path(l: Layout, item: &str) -> String {
    let (_, _, report, communicate) = l;
    match item.split_once('/') {
        Some(("R", i)) => format!("{report}/{i}"),
        Some(("C", i)) => format!("{communicate}/{i}"),
        _ => panic!("bad item {item}"),
    }
}

/// One regime: the answers that make it apply, a change that makes it not apply, and what
/// it looks like right after the answers (Monday 10:30).
struct Regime {
    id: &'static str,
    on: Answers,
    off: Answers,
    /// The state at Monday 10:30 (open, due soon, or waiting for a chained clock).
    state: DeadlineState,
    anchor: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
    zone: &'static str,
    /// The checklist item (`R/…`, `C/…`) and the template that meet it.
    item: &'static str,
    notice: Option<&'static str>,
}

const DETERMINED: &str = "2026-11-24T08:00:00Z";

fn regimes() -> Vec<Regime> {
    use DeadlineState::{DueSoon, Open, Waiting};
    let places = |v: &[&str]| ("jurisdictions", list(v));
    let det = ("determined_at", text(DETERMINED));
    let aware = Some(mon(10, 0));
    let detected = Some(mon(9, 0));
    let determined = Some(at(2026, 11, 24, 8, 0));
    let nis2 = || {
        vec![
            places(&["DE"]),
            ("nis2_scope", yes()),
            ("nis2_significant", yes()),
            ("nis2_aware_at", text("2026-11-23T09:30:00Z")),
        ]
    };
    let r = |id, on, off, state, anchor, due, zone, item, notice| Regime {
        id,
        on,
        off,
        state,
        anchor,
        due,
        zone,
        item,
        notice,
    };
    vec![
        r(
            "gdpr-authority",
            vec![places(&["DE"])],
            vec![places(&["GB"])],
            Open,
            aware,
            Some(mon(82, 0)),
            "Europe/Brussels",
            "R/authority_notified",
            Some("authority-notice"),
        ),
        r(
            "gdpr-data-subjects",
            vec![places(&["FR"])],
            vec![("encryption", text("encrypted_key_safe"))],
            Open,
            aware,
            None,
            "Europe/Brussels",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "gdpr-processor",
            vec![places(&["DE"]), ("roles", list(&["processor"]))],
            vec![("roles", list(&[]))],
            Open,
            aware,
            None,
            "Europe/Brussels",
            "R/controller_notified",
            None,
        ),
        r(
            "gdpr-breach-record",
            vec![places(&["NO"])],
            vec![("personal_data", no())],
            Open,
            aware,
            None,
            "Europe/Brussels",
            "R/decisions_recorded",
            None,
        ),
        r(
            "uk-ico",
            vec![places(&["GB"])],
            vec![places(&["IE"])],
            Open,
            aware,
            Some(mon(82, 0)),
            "Europe/London",
            "R/ico_notified",
            Some("ico-notice"),
        ),
        r(
            "uk-data-subjects",
            vec![places(&["GB"])],
            vec![("high_risk", no())],
            Open,
            aware,
            None,
            "Europe/London",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "uk-pecr",
            vec![places(&["GB"]), ("roles", list(&["telecom"]))],
            vec![("roles", list(&["processor"]))],
            Open,
            aware,
            Some(mon(82, 0)),
            "Europe/London",
            "R/pecr_notified",
            None,
        ),
        r(
            "nis2-early-warning",
            nis2(),
            vec![("nis2_significant", no())],
            DueSoon,
            Some(mon(9, 30)),
            Some(mon(33, 30)),
            "Europe/Brussels",
            "R/nis2_early_warning",
            None,
        ),
        r(
            "nis2-notification",
            nis2(),
            vec![("nis2_scope", no())],
            Open,
            Some(mon(9, 30)),
            Some(mon(81, 30)),
            "Europe/Brussels",
            "R/nis2_notification",
            None,
        ),
        r(
            "nis2-final-report",
            nis2(),
            vec![("nis2_significant", no())],
            Waiting,
            None,
            None,
            "Europe/Brussels",
            "R/nis2_final_report",
            None,
        ),
        r(
            "visa",
            vec![],
            vec![("data_types", list(&["contact_details"]))],
            Open,
            detected,
            Some(at(2026, 11, 26, 9, 0)),
            "UTC",
            "R/acquirer_notified",
            Some("acquirer-notice"),
        ),
        r(
            "visa-account-numbers",
            vec![],
            vec![("data_types", list(&["contact_details"]))],
            Open,
            detected,
            Some(at(2026, 12, 7, 9, 0)),
            "UTC",
            "R/visa_accounts_delivered",
            None,
        ),
        r(
            "mastercard",
            vec![],
            vec![("data_types", list(&["contact_details"]))],
            DueSoon,
            detected,
            Some(mon(33, 0)),
            "UTC",
            "R/acquirer_notified",
            Some("acquirer-notice"),
        ),
        r(
            "california-consumers",
            vec![places(&["US-CA"])],
            vec![("data_types", list(&["contact_details"]))],
            Open,
            detected,
            Some(at(2026, 12, 23, 9, 0)),
            "America/Los_Angeles",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "california-ag",
            vec![places(&["US-CA"]), ("ca_residents", n(501.0))],
            vec![("ca_residents", n(500.0))],
            Waiting,
            None,
            None,
            "America/Los_Angeles",
            "R/ca_ag_notified",
            None,
        ),
        r(
            "colorado-residents",
            vec![places(&["US-CO"]), det.clone()],
            vec![("encryption", text("encrypted_key_safe"))],
            Open,
            determined,
            Some(at(2026, 12, 24, 8, 0)),
            "America/Denver",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "colorado-ag",
            vec![places(&["US-CO"]), ("co_residents", n(500.0)), det.clone()],
            vec![("co_residents", n(499.0))],
            Open,
            determined,
            Some(at(2026, 12, 24, 8, 0)),
            "America/Denver",
            "R/co_ag_notified",
            None,
        ),
        r(
            "florida-individuals",
            vec![places(&["US-FL"]), det.clone()],
            vec![places(&["US-GA"])],
            Open,
            determined,
            Some(at(2026, 12, 24, 8, 0)),
            "America/New_York",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "florida-ag",
            vec![places(&["US-FL"]), ("fl_residents", n(500.0)), det.clone()],
            vec![("fl_residents", n(12.0))],
            Open,
            determined,
            Some(at(2026, 12, 24, 8, 0)),
            "America/New_York",
            "R/fl_ag_notified",
            None,
        ),
        r(
            "washington-residents",
            vec![places(&["US-WA"])],
            vec![("data_types", list(&["order_history"]))],
            Open,
            detected,
            Some(at(2026, 12, 23, 9, 0)),
            "America/Los_Angeles",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "washington-ag",
            vec![places(&["US-WA"]), ("wa_residents", n(501.0))],
            vec![("wa_residents", n(500.0))],
            Open,
            detected,
            Some(at(2026, 12, 23, 9, 0)),
            "America/Los_Angeles",
            "R/wa_ag_notified",
            None,
        ),
        r(
            "new-york-residents",
            vec![places(&["US-NY"])],
            vec![places(&["US-NJ"])],
            Open,
            detected,
            Some(at(2026, 12, 23, 9, 0)),
            "America/New_York",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "new-york-agencies",
            vec![places(&["US-NY"])],
            vec![("personal_data", no())],
            Waiting,
            None,
            None,
            "America/New_York",
            "R/ny_agencies_notified",
            None,
        ),
        r(
            "texas-individuals",
            vec![places(&["US-TX"]), det.clone()],
            vec![(
                "data_types",
                list(&["contact_details", "account_credentials"]),
            )],
            Open,
            determined,
            Some(at(2027, 1, 23, 8, 0)),
            "America/Chicago",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "texas-ag",
            vec![places(&["US-TX"]), ("tx_residents", n(250.0)), det.clone()],
            vec![("tx_residents", n(249.0))],
            Open,
            determined,
            Some(at(2026, 12, 24, 8, 0)),
            "America/Chicago",
            "R/tx_ag_notified",
            None,
        ),
        r(
            "hipaa-individuals",
            vec![places(&["US"]), ("roles", list(&["hipaa"]))],
            vec![("roles", list(&[]))],
            Open,
            detected,
            Some(at(2027, 1, 22, 9, 0)),
            "America/New_York",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "hipaa-media",
            vec![("roles", list(&["hipaa"])), ("phi_people", n(501.0))],
            vec![("phi_people", n(500.0))],
            Open,
            detected,
            Some(at(2027, 1, 22, 9, 0)),
            "America/New_York",
            "R/hipaa_media_notified",
            None,
        ),
        r(
            "hipaa-hhs",
            vec![("roles", list(&["hipaa"])), ("phi_people", n(500.0))],
            vec![("phi_people", n(499.0))],
            Open,
            detected,
            Some(at(2027, 1, 22, 9, 0)),
            "America/New_York",
            "R/hipaa_hhs_notified",
            None,
        ),
        // Wednesday 10:00 in New York, the day before Thanksgiving: Fri, Mon, Tue, Wed.
        r(
            "sec-8k",
            vec![
                ("roles", list(&["sec_registrant"])),
                ("sec_material_at", text("2026-11-25T15:00:00Z")),
            ],
            vec![("roles", list(&["hipaa"]))],
            Open,
            Some(at(2026, 11, 25, 15, 0)),
            Some(at(2026, 12, 2, 15, 0)),
            "America/New_York",
            "R/sec_8k_filed",
            None,
        ),
        r(
            "canada-opc",
            vec![places(&["CA"])],
            vec![("high_risk", no())],
            Open,
            aware,
            None,
            "America/Toronto",
            "R/opc_notified",
            None,
        ),
        r(
            "canada-individuals",
            vec![places(&["CA-ON"]), det.clone()],
            vec![places(&["US-CA"])],
            Open,
            determined,
            None,
            "America/Toronto",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "australia-assessment",
            vec![places(&["AU"])],
            vec![("personal_data", no())],
            Open,
            detected,
            Some(at(2026, 12, 23, 9, 0)),
            "Australia/Sydney",
            "R/au_assessment_done",
            None,
        ),
        r(
            "australia-oaic",
            vec![places(&["AU-NSW"])],
            vec![("high_risk", no())],
            Open,
            aware,
            None,
            "Australia/Sydney",
            "R/oaic_notified",
            None,
        ),
        r(
            "australia-individuals",
            vec![places(&["AU"])],
            vec![("high_risk", no())],
            Waiting,
            None,
            None,
            "Australia/Sydney",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "brazil-anpd",
            vec![places(&["BR"])],
            vec![("high_risk", no())],
            Open,
            aware,
            Some(at(2026, 11, 26, 10, 0)),
            "America/Sao_Paulo",
            "R/anpd_notified",
            None,
        ),
        r(
            "brazil-data-subjects",
            vec![places(&["BR"])],
            vec![("data_types", list(&["contact_details"]))],
            Open,
            aware,
            Some(at(2026, 11, 26, 10, 0)),
            "America/Sao_Paulo",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "singapore-pdpc",
            vec![places(&["SG"]), ("sg_people", n(1.0))],
            vec![("high_risk", no())],
            Open,
            aware,
            Some(mon(82, 0)),
            "Asia/Singapore",
            "R/pdpc_notified",
            None,
        ),
        r(
            "singapore-individuals",
            vec![places(&["SG"])],
            vec![("encryption", text("encrypted_key_safe"))],
            Open,
            aware,
            None,
            "Asia/Singapore",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "india-cert-in",
            vec![places(&["IN"])],
            vec![places(&["JP"])],
            DueSoon,
            detected,
            Some(mon(15, 0)),
            "Asia/Kolkata",
            "R/cert_in_notified",
            None,
        ),
        r(
            "india-dpdp-board",
            vec![places(&["IN"])],
            vec![("personal_data", no())],
            Open,
            aware,
            None,
            "Asia/Kolkata",
            "R/dpdp_board_intimated",
            None,
        ),
        r(
            "india-dpdp-report",
            vec![places(&["IN"])],
            vec![("personal_data", no())],
            Open,
            aware,
            Some(mon(82, 0)),
            "Asia/Kolkata",
            "R/dpdp_board_report",
            None,
        ),
        r(
            "india-data-principals",
            vec![places(&["IN"])],
            vec![places(&["SG"])],
            Open,
            aware,
            None,
            "Asia/Kolkata",
            "C/customers_notified",
            Some("customer-notice"),
        ),
        r(
            "japan-ppc-preliminary",
            vec![places(&["JP"]), ("jp_people", n(1.0))],
            vec![("encryption", text("encrypted_key_safe"))],
            Open,
            aware,
            None,
            "Asia/Tokyo",
            "R/ppc_preliminary_report",
            None,
        ),
        r(
            "japan-ppc-final",
            vec![places(&["JP"]), ("breach_type", text("other"))],
            vec![("breach_type", text("card_skimming"))],
            Open,
            aware,
            Some(at(2026, 12, 23, 10, 0)),
            "Asia/Tokyo",
            "R/ppc_final_report",
            None,
        ),
        r(
            "japan-ppc-final-unlawful",
            vec![places(&["JP"])],
            vec![("breach_type", text("other"))],
            Open,
            aware,
            Some(at(2027, 1, 22, 10, 0)),
            "Asia/Tokyo",
            "R/ppc_final_report",
            None,
        ),
        r(
            "japan-data-subjects",
            vec![places(&["JP"])],
            vec![places(&["KR"])],
            Open,
            aware,
            None,
            "Asia/Tokyo",
            "C/customers_notified",
            Some("customer-notice"),
        ),
    ]
}

fn combined(a: &Answers, b: &Answers) -> Answers {
    let mut out = a.clone();
    for (k, v) in b {
        out.retain(|(x, _)| x != k);
        out.push((k, v.clone()));
    }
    out
}

#[test]
fn both_built_in_runbooks_validate_and_carry_the_same_regimes() {
    let mut normalised = Vec::new();
    for (id, q, report, communicate) in LAYOUTS {
        let text = crate::runbook::builtin::get(id).expect("built-in exists");
        let rb = crate::runbook::parse_text(text, id).unwrap_or_else(|problems| {
            panic!(
                "{id}: {}",
                problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        let ids: Vec<&str> = rb.deadlines.iter().map(|d| d.id.as_str()).collect();
        let tested: Vec<&str> = regimes().iter().map(|r| r.id).collect();
        assert_eq!(
            ids, tested,
            "{id}: every regime has its row below, in runbook order"
        );
        for d in &rb.deadlines {
            assert!(
                !d.authority.is_empty() && !d.citation.is_empty(),
                "{id}/{}",
                d.id
            );
            assert!(
                d.when.is_some(),
                "{id}/{}: every default is conditional",
                d.id
            );
            assert!(!d.satisfied_by.is_empty(), "{id}/{}", d.id);
            let zone = d.zone.as_deref().expect("every default names its zone");
            assert!(zone.parse::<Tz>().is_ok(), "{id}/{}: {zone}", d.id);
            let note = d.note.as_deref().unwrap_or_default();
            assert_eq!(
                note.contains("verify it for your jurisdiction"),
                !d.verified,
                "{id}/{}: an unverified default says so, a verified one does not",
                d.id
            );
        }
        let yaml = serde_yaml::to_string(&rb.deadlines).expect("serialises");
        normalised.push(
            yaml.replace(&format!("{q}/"), "Q/")
                .replace(&format!("{report}/"), "R/")
                .replace(&format!("{communicate}/"), "C/"),
        );
        // The questions the regimes read are the same too.
        let first = rb.step(q).expect("first step");
        let qs: Vec<String> = first
            .questions
            .iter()
            .map(|x| {
                serde_yaml::to_string(x)
                    .expect("serialises")
                    .replace(&format!("{q}/"), "Q/")
            })
            .collect();
        normalised.push(qs[1..].join(""));
    }
    assert!(
        normalised[0] == normalised[2],
        "the two runbooks' deadlines differ"
    );
    assert!(
        normalised[1] == normalised[3],
        "the two runbooks' questions differ"
    );
}

#[test]
fn each_regime_applies_with_its_facts_and_not_without_them() {
    for l in LAYOUTS {
        for r in regimes() {
            let inc = scenario(l, &r.on, vec![]);
            let statuses = evaluate(&inc, mon(10, 30));
            let s = get(&statuses, r.id);
            let what = format!("{}/{}", l.0, r.id);
            assert_eq!(s.state, r.state, "{what}");
            assert_eq!(s.anchor.at, r.anchor, "{what}: anchor");
            assert_eq!(s.due_at, r.due, "{what}: due");
            assert_eq!(s.zone, r.zone, "{what}");
            let inc = scenario(l, &combined(&r.on, &r.off), vec![]);
            let s = get(&evaluate(&inc, mon(10, 30)), r.id).clone();
            assert_eq!(s.state, DeadlineState::NotApplicable, "{what}: off");
        }
    }
}

#[test]
fn each_regime_is_met_by_its_item_and_by_its_notice() {
    let sent = at(2026, 11, 27, 11, 0);
    let recorded = at(2026, 11, 27, 12, 0);
    for l in LAYOUTS {
        let rb =
            crate::runbook::parse_text(crate::runbook::builtin::get(l.0).expect("exists"), l.0)
                .expect("valid");
        for r in regimes() {
            let what = format!("{}/{}", l.0, r.id);
            let item = item_path(l, r.item);
            // Exactly its item and its notice meet it (plus, for a chained clock, nothing else).
            let d = rb.deadline(r.id).expect("exists");
            let mut expected = vec![item.clone()];
            expected.extend(r.notice.map(|t| format!("notice {t}")));
            let mut listed: Vec<String> = d
                .satisfied_by
                .iter()
                .map(|e| match e.event() {
                    Some(Event::Item(p)) => p.to_string(),
                    Some(Event::Notice(t)) => format!("notice {t}"),
                    other => panic!("{what}: unexpected {other:?}"),
                })
                .collect();
            listed.sort();
            expected.sort();
            assert_eq!(listed, expected, "{what}");

            let inc = scenario(l, &r.on, vec![(recorded, check(&item, true))]);
            let s = get(&evaluate(&inc, recorded), r.id).clone();
            assert_eq!(
                (s.state, s.met_at),
                (DeadlineState::Met, Some(recorded)),
                "{what}: item"
            );
            if let Some(t) = r.notice {
                let inc = scenario(l, &r.on, vec![(recorded, notice(t, sent))]);
                let s = get(&evaluate(&inc, recorded), r.id).clone();
                assert_eq!(
                    (s.state, s.met_at),
                    (DeadlineState::Met, Some(sent)),
                    "{what}: notice"
                );
                let (step, id) = item.split_once('/').expect("path");
                assert!(
                    inc.step(step)
                        .and_then(|s| s.item(id))
                        .is_some_and(|i| i.checked),
                    "{what}: the notice ticks its item"
                );
            }
        }
    }
}

#[test]
fn chained_clocks_start_when_the_clock_they_follow_is_met() {
    for l in LAYOUTS {
        let customers = item_path(l, "C/customers_notified");
        // Ticking the consumer-notice item starts the California AG's 15 days.
        let on = vec![
            ("jurisdictions", list(&["US-CA", "US-NY"])),
            ("ca_residents", n(501.0)),
        ];
        let inc = scenario(l, &on, vec![(mon(20, 0), check(&customers, true))]);
        let s = evaluate(&inc, mon(21, 0));
        assert_eq!(
            get(&s, "california-consumers").state,
            DeadlineState::Met,
            "{}",
            l.0
        );
        let ag = get(&s, "california-ag");
        assert_eq!(
            (ag.state, ag.anchor.at),
            (DeadlineState::Open, Some(mon(20, 0))),
            "{}",
            l.0
        );
        assert_eq!(ag.due_at, Some(at(2026, 12, 8, 20, 0)), "{}", l.0);
        let ny = get(&s, "new-york-agencies");
        assert_eq!(
            (ny.state, ny.anchor.at),
            (DeadlineState::Open, Some(mon(20, 0))),
            "{}",
            l.0
        );
        // So does the notice, from the time it was sent.
        let inc = scenario(
            l,
            &on,
            vec![(mon(20, 0), notice("customer-notice", mon(19, 0)))],
        );
        let ag = get(&evaluate(&inc, mon(21, 0)), "california-ag").clone();
        assert_eq!(ag.anchor.at, Some(mon(19, 0)), "{}", l.0);

        // The NIS2 final report runs a month from the incident notification.
        let on = vec![
            ("jurisdictions", list(&["DE"])),
            ("nis2_scope", yes()),
            ("nis2_significant", yes()),
        ];
        let inc = scenario(
            l,
            &on,
            vec![(
                mon(30, 0),
                check(&item_path(l, "R/nis2_notification"), true),
            )],
        );
        let s = evaluate(&inc, mon(31, 0));
        let fin = get(&s, "nis2-final-report");
        assert_eq!(
            (fin.state, fin.due_at),
            (DeadlineState::Open, Some(at(2026, 12, 24, 6, 0))),
            "{}",
            l.0
        );
        // Without its own awareness time, NIS2 runs from the detection.
        assert_eq!(get(&s, "nis2-early-warning").anchor.at, Some(mon(9, 0)));

        // Australia: the people are told after the statement to the Commissioner.
        let on = vec![("jurisdictions", list(&["AU"]))];
        let inc = scenario(
            l,
            &on,
            vec![(mon(20, 0), check(&item_path(l, "R/oaic_notified"), true))],
        );
        let au = get(&evaluate(&inc, mon(21, 0)), "australia-individuals").clone();
        assert_eq!(
            (au.state, au.anchor.at),
            (DeadlineState::Open, Some(mon(20, 0))),
            "{}",
            l.0
        );
    }
}

#[test]
fn the_determination_comes_from_the_intake_or_the_answer_the_latest_counting() {
    for (id, q, _, _) in LAYOUTS {
        let rb = crate::runbook::builtin::get(id).expect("built-in exists");
        let a = |k: &str, v: AnswerValue| answer(&format!("{q}/{k}"), v);
        let facts = vec![
            (mon(10, 1), a("personal_data", yes())),
            (mon(10, 2), a("data_types", list(&["government_ids"]))),
            (mon(10, 3), a("jurisdictions", list(&["US-TX"]))),
            (mon(10, 4), a("tx_residents", n(300.0))),
        ];
        // `start --determined-at` alone starts both Texas clocks.
        let inc = incident_with(rb, Some(mon(9, 30)), facts.clone());
        let s = evaluate(&inc, mon(11, 0));
        for d in ["texas-individuals", "texas-ag"] {
            assert_eq!(get(&s, d).state, DeadlineState::Open, "{id}/{d}");
            assert_eq!(get(&s, d).anchor.at, Some(mon(9, 30)), "{id}/{d}");
        }
        // A later answer corrects it.
        let mut later = facts.clone();
        later.push((mon(10, 5), a("determined_at", text("2026-11-23T10:00:00Z"))));
        let inc = incident_with(rb, Some(mon(9, 30)), later);
        let s = evaluate(&inc, mon(11, 0));
        assert_eq!(get(&s, "texas-ag").anchor.at, Some(mon(10, 0)), "{id}");
        assert_eq!(
            inc.determined_at,
            Some(mon(10, 0)),
            "{id}: drafts and reports see it too"
        );
    }
}

#[test]
fn contact_details_alone_start_no_us_state_clock_but_codes_or_ids_do() {
    let us = [
        "california-consumers",
        "texas-individuals",
        "colorado-residents",
        "florida-individuals",
        "washington-residents",
        "new-york-residents",
    ];
    for l in LAYOUTS {
        let places = (
            "jurisdictions",
            list(&["US-CA", "US-TX", "US-CO", "US-FL", "US-WA", "US-NY"]),
        );
        let det = ("determined_at", text(DETERMINED));
        for (data, applies) in [
            (list(&["contact_details"]), false),
            (list(&["contact_details", "order_history"]), false),
            (list(&["payment_cards"]), false),
            (list(&["payment_cards", "card_security_codes"]), true),
            (list(&["government_ids"]), true),
        ] {
            let inc = scenario(
                l,
                &[places.clone(), det.clone(), ("data_types", data.clone())],
                vec![],
            );
            let s = evaluate(&inc, mon(11, 0));
            for d in us {
                assert_eq!(
                    get(&s, d).state != DeadlineState::NotApplicable,
                    applies,
                    "{}/{d} with {data:?}",
                    l.0
                );
            }
        }
    }
}

/// The `woocommerce` runbook as shipped before the regimes (old place ids, generic notify
/// items that meet no deadline).
const OLD_WOOCOMMERCE: &str =
    include_str!("../../../../tests/fixtures/pinned/woocommerce-before-regimes.yaml");

#[test]
fn an_incident_pinned_with_an_earlier_runbook_still_reads_and_keeps_its_meaning() {
    assert!(
        crate::runbook::parse_text(OLD_WOOCOMMERCE, "old").is_err(),
        "a new incident could not start with it: its generic notify items meet no deadline"
    );
    let inc = incident_with(
        OLD_WOOCOMMERCE,
        None,
        vec![
            (mon(10, 1), answer("isolate/personal_data", yes())),
            (
                mon(10, 2),
                answer("isolate/jurisdictions", list(&["us_ca"])),
            ),
        ],
    );
    let s = evaluate(&inc, mon(11, 0));
    assert_eq!(get(&s, "california-consumers").state, DeadlineState::Open);
    assert_eq!(get(&s, "california-consumers").zone, "UTC");
    assert_eq!(
        get(&s, "california-consumers").due_at,
        Some(at(2026, 12, 23, 9, 0))
    );
}
