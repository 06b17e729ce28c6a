//! Property tests: any sequence of valid actions written through the journal reads back
//! to the same records and the same state; arbitrary bytes never panic the readers.

use std::path::Path;

use breach::incident::{self, action};
use breach::journal::{
    Answer, Check, Note, Payload, Record, StepChange, StepOutcome, file, format,
};
use breach::types::AnswerValue;
use proptest::prelude::*;

use super::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{1,20}",
        any::<String>(),
        Just("two lines\n---\nthird".to_string()),
        Just("--- \n---\n...\n# not a comment: [x] {y} &a *a !tag | > ' \"".to_string()),
        Just("ünïcödé ✓ \u{85} \u{2028} \r\n \t \u{0} \u{feff}".to_string()),
        Just("  leading and trailing spaces  ".to_string()),
        Just("123".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
    ]
}

fn value() -> impl Strategy<Value = (&'static str, AnswerValue)> {
    prop_oneof![
        prop_oneof![Just("skimmer"), Just("theft"), Just("bogus")]
            .prop_map(|v| ("kind", AnswerValue::Text(v.into()))),
        proptest::sample::subsequence(vec!["cards", "emails"], 0..=2).prop_map(|v| (
            "data",
            AnswerValue::List(v.into_iter().map(String::from).collect())
        )),
        any::<bool>().prop_map(|b| ("personal", AnswerValue::Bool(b))),
        prop_oneof![any::<f64>(), -1e6..1e6f64].prop_map(|n| ("count", AnswerValue::Number(n))),
        any::<u64>().prop_map(|n| ("count", AnswerValue::Count(n))),
        (0i64..4_000_000_000).prop_map(|s| (
            "since",
            AnswerValue::Text(breach::types::format_utc(
                chrono::DateTime::from_timestamp(s, 0).unwrap()
            ))
        )),
        text().prop_map(|t| ("summary", AnswerValue::Text(t))),
    ]
}

fn payload() -> impl Strategy<Value = Payload> {
    let step = || prop_oneof![Just("assess"), Just("contain")];
    prop_oneof![
        3 => (text(), proptest::option::of(step())).prop_map(|(text, step)| Payload::Note(Note {
            text,
            step: step.map(String::from)
        })),
        3 => (
            prop_oneof![
                Just(("assess", "scoped")),
                Just(("assess", "logged")),
                Just(("contain", "isolate"))
            ],
            any::<bool>()
        )
            .prop_map(|((s, i), checked)| Payload::Check(Check {
                step: s.into(),
                item: i.into(),
                checked
            })),
        5 => value().prop_map(|(q, value)| Payload::Answer(Answer {
            step: "assess".into(),
            question: q.into(),
            value
        })),
        3 => (step(), 0..3u8, text(), any::<bool>()).prop_map(|(s, o, reason, force)| {
            let outcome = [StepOutcome::Done, StepOutcome::Skipped, StepOutcome::Reopened][o as usize];
            Payload::Step(StepChange {
                step: s.into(),
                outcome,
                reason: (outcome == StepOutcome::Skipped).then_some(reason),
                open_items: if force && outcome == StepOutcome::Done && s == "assess" {
                    vec!["scoped".into()]
                } else {
                    Vec::new()
                },
            })
        }),
        1 => Just(Payload::Closed(Default::default())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn valid_actions_round_trip_through_the_file(actions in proptest::collection::vec(payload(), 0..24)) {
        let tmp = tempfile::tempdir().unwrap();
        let path = open_tiny(tmp.path(), "Props");
        let mut written: Vec<Record> = records(&path);
        let mut state = incident::fold(&written).unwrap();
        let now = breach::types::parse_time("2026-11-23T10:15:00Z").unwrap();
        for p in actions {
            let valid = action::validate(&state, &p).is_ok();
            let appended = breach::ledger::append(&path, "prop", now, |_| Ok(p.clone()));
            // The journal accepts exactly what the validation accepts.
            prop_assert_eq!(appended.is_ok(), valid, "{:?}: {:?}", p, appended.err());
            if let Ok((record, _)) = appended {
                prop_assert_eq!(&record.payload, &p);
                state.apply(&record);
                written.push(record);
            }
        }
        let read = records(&path);
        prop_assert_eq!(&read, &written);
        let from_file = breach::ledger::fold(&file::read(&path).unwrap()).unwrap();
        let in_memory = incident::fold(&written).unwrap();
        prop_assert_eq!(format!("{from_file:?}"), format!("{in_memory:?}"));
        prop_assert_eq!(format!("{state:?}"), format!("{in_memory:?}"));
        prop_assert!(in_memory.warnings.is_empty());
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_readers(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let lossy = String::from_utf8_lossy(&bytes);
        let p = Path::new("x.yaml");
        let _ = file::scan_bytes(p, &bytes);
        let scan = file::scan_text(p, &lossy);
        let _ = breach::ledger::fold(&scan);
        let _ = format::decode(&lossy, 1);
        let _ = breach::runbook::parse_text(&lossy, "x");
    }

    #[test]
    fn mutated_incident_files_never_panic_and_never_verify_wrongly(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let good = seed_file();
        let mut bytes = good.clone().into_bytes();
        for (at, b) in &edits {
            let i = at.index(bytes.len());
            bytes[i] = *b;
        }
        let changed = bytes != good.as_bytes();
        bytes.truncate(cut.index(bytes.len() + 1).max(bytes.len() / 2));
        if let Ok(scan) = file::scan_bytes(Path::new("x.yaml"), &bytes) {
            let _ = breach::ledger::fold(&scan);
            if scan.status == file::ChainStatus::Intact && changed {
                // Only a truncation at a record boundary can still verify.
                prop_assert!(good.as_bytes().starts_with(&bytes[..scan.good_len]));
            }
        }
    }
}

/// A small real incident file, written once.
fn seed_file() -> String {
    static SEED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SEED.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let path = open_tiny(tmp.path(), "Seed");
        for args in [&["note", "one"][..], &["answer", "assess/count", "3"]] {
            assert_ok(&run(tmp.path(), args));
        }
        std::fs::read_to_string(path).unwrap()
    })
    .clone()
}

/// One edit of a runbook's lines: what the shape pass of validation must survive.
fn runbook_edit() -> impl Strategy<Value = (prop::sample::Index, u8)> {
    (any::<prop::sample::Index>(), 0u8..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Whatever is wrong with a runbook, validation never panics, never calls a runbook
    /// valid that serde refuses, and places every problem inside the file.
    #[test]
    fn edited_runbooks_never_panic_and_every_problem_is_placed(
        edits in proptest::collection::vec(runbook_edit(), 1..6),
    ) {
        let tiny = std::fs::read_to_string(tiny_runbook()).unwrap();
        let mut lines: Vec<String> = tiny.lines().map(str::to_string).collect();
        for (at, op) in &edits {
            let i = at.index(lines.len());
            let indent: String = lines[i].chars().take_while(|c| *c == ' ').collect();
            match op {
                0 => {
                    lines.remove(i);
                }
                1 => lines.insert(i, format!("{indent}zz_unknown: 1")),
                2 => {
                    if let Some((key, _)) = lines[i].clone().split_once(": ") {
                        lines[i] = format!("{key}: [1, 2]");
                    }
                }
                3 => {
                    if let Some((key, _)) = lines[i].clone().split_once(": ") {
                        lines[i] = format!("{key}: -5");
                    }
                }
                4 => {
                    let copy = lines[i].clone();
                    lines.insert(i, copy);
                }
                _ => lines[i] = lines[i].replace("id: ", "id: x"),
            }
            if lines.is_empty() {
                lines.push(String::new());
            }
        }
        let text = lines.join("\n") + "\n";
        let serde_ok = serde_yaml::from_str::<breach::runbook::Runbook>(&text).is_ok();
        match breach::runbook::parse_text(&text, "x") {
            Ok(_) => prop_assert!(serde_ok, "valid, though serde refuses it:\n{}", text),
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                let last_line = text.lines().count() + 1;
                for p in &problems {
                    let line = p.line.unwrap_or(0);
                    prop_assert!(
                        (1..=last_line).contains(&line) && p.column.is_some(),
                        "{p:?} in\n{text}"
                    );
                }
                // In file order.
                let at: Vec<(usize, usize)> = problems
                    .iter()
                    .map(|p| (p.line.unwrap_or(0), p.column.unwrap_or(0)))
                    .collect();
                let mut sorted = at.clone();
                sorted.sort();
                prop_assert_eq!(at, sorted);
            }
        }
    }
}
