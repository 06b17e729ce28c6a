//! Whole walks driven by [`ScriptedPrompter`] over a test runbook and a real incident file
//! in a temporary directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::*;
use crate::incident::{Incident, StepStatus};
use crate::journal::{Payload, Record, StepOutcome, file};
use crate::runbook::{LoadedRunbook, RunbookSource};
use crate::types::AnswerValue;

const RUNBOOK: &str = include_str!("../../tests/fixtures/walk-test.yaml");

/// A temporary incident directory with one freshly opened incident.
struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn fixture() -> Fixture {
    fixture_with(RUNBOOK)
}

fn fixture_with(runbook: &str) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let loaded = LoadedRunbook {
        runbook: crate::runbook::parse_text(runbook, "walk-test").expect("test runbook is valid"),
        text: runbook.to_string(),
        source: RunbookSource::Builtin,
    };
    let now = crate::clock::now().expect("clock");
    let intake = Intake {
        title: "Walk test".into(),
        severity: Severity::High,
        detected_at: now,
        aware_at: None,
        determined_at: None,
        override_checks: false,
    };
    let (path, _) = open_incident(
        &dir.path().join("incidents"),
        &loaded,
        &intake,
        "tester",
        now,
    )
    .expect("incident opens");
    Fixture { _dir: dir, path }
}

fn script(yaml: &str) -> ScriptedPrompter {
    ScriptedPrompter::from_yaml("answers.yaml", yaml).expect("test answers parse")
}

/// Runs a walk; returns how it ended (or the error) and the prompter.
fn walk(
    path: &Path,
    mut prompter: ScriptedPrompter,
    from: Option<&str>,
) -> (anyhow::Result<WalkEnd>, ScriptedPrompter) {
    let result = Walker::open(path, "tester", &mut prompter).and_then(|mut w| w.run(from));
    (result, prompter)
}

fn records(path: &Path) -> Vec<Record> {
    let scan = file::read(path).expect("read");
    scan.require_intact().expect("chain intact");
    scan.records
}

fn state(path: &Path) -> Incident {
    crate::ledger::load(path).expect("load").1
}

fn answer<'a>(i: &'a Incident, step: &str, q: &str) -> Option<&'a AnswerValue> {
    i.step(step)?.answers.get(q).map(|a| &a.value)
}

fn kinds(path: &Path) -> Vec<String> {
    records(path)
        .iter()
        .skip(1)
        .map(|r| match &r.payload {
            Payload::Check(c) => format!("check {}/{}={}", c.step, c.item, c.checked),
            Payload::Answer(a) => format!("answer {}/{}", a.step, a.question),
            Payload::Step(s) => format!("step {} {:?}", s.step, s.outcome),
            Payload::Note(n) => format!("note {:?}", n.step),
            other => other.kind().to_string(),
        })
        .collect()
}

#[test]
fn every_question_kind_is_asked_validated_and_recorded_in_order() {
    let f = fixture();
    let (end, p) = walk(
        &f.path,
        script(
            r#"
first/a1: true
first/ok: true
first/pick: b
first/kinds: [x, y]
first/name: Jo
first/count: 12
first/extra: many of them
first/at: "2026-11-23T10:15:00Z"
first: done
"#,
        ),
        None,
    );
    assert_eq!(end.expect("walk runs"), WalkEnd::Finished);
    let i = state(&f.path);
    assert_eq!(answer(&i, "first", "ok"), Some(&AnswerValue::Bool(true)));
    assert_eq!(
        answer(&i, "first", "pick"),
        Some(&AnswerValue::Text("b".into()))
    );
    assert_eq!(
        answer(&i, "first", "kinds"),
        Some(&AnswerValue::List(vec!["x".into(), "y".into()]))
    );
    assert_eq!(
        answer(&i, "first", "name"),
        Some(&AnswerValue::Text("Jo".into()))
    );
    assert_eq!(answer(&i, "first", "count"), Some(&AnswerValue::Count(12)));
    assert_eq!(
        answer(&i, "first", "extra"),
        Some(&AnswerValue::Text("many of them".into()))
    );
    assert_eq!(
        answer(&i, "first", "at"),
        Some(&AnswerValue::Text("2026-11-23T10:15:00Z".into()))
    );
    assert_eq!(i.step("first").map(|s| s.status), Some(StepStatus::Done));
    // One record per answer, in the order asked, the checklist first.
    assert_eq!(
        kinds(&f.path),
        [
            "check first/a1=true",
            "answer first/ok",
            "answer first/pick",
            "answer first/kinds",
            "answer first/name",
            "answer first/count",
            "answer first/extra",
            "answer first/at",
            "step first Done",
        ]
    );
    assert!(p.unused().is_empty(), "{:?}", p.unused());
    // The walk went on through the steps the file says nothing about.
    let headers: Vec<&String> = p.shown().iter().filter(|s| s.contains("Step ")).collect();
    assert_eq!(headers.len(), 3, "{headers:?}");
    assert!(headers[1].contains("Step 2 of 3 — Only when ok"));
}

#[test]
fn a_skip_records_its_reason() {
    let f = fixture();
    let (end, _) = walk(
        &f.path,
        script("first/ok: false\nfirst: {skip: not relevant here}\n"),
        None,
    );
    end.expect("walk runs");
    let i = state(&f.path);
    let s = i.step("first").expect("step");
    assert_eq!(s.status, StepStatus::Skipped);
    assert_eq!(s.skip_reason.as_deref(), Some("not relevant here"));
}

#[test]
fn done_with_required_items_open_is_confirmed_and_records_them() {
    let f = fixture();
    let (end, p) = walk(
        &f.path,
        script("first/a2: true\nfirst/ok: true\nfirst: done\n"),
        None,
    );
    end.expect("walk runs");
    let last = records(&f.path)
        .into_iter()
        .find_map(|r| match r.payload {
            Payload::Step(s) if s.step == "first" => Some(s),
            _ => None,
        })
        .expect("a step record");
    assert_eq!(last.outcome, StepOutcome::Done);
    assert_eq!(last.open_items, ["a1"]);
    assert_eq!(
        state(&f.path)
            .step("first")
            .expect("step")
            .done_with_open_items,
        ["a1"]
    );
    assert!(
        p.shown()
            .iter()
            .any(|s| s.contains("required items open: a1")),
        "{:?}",
        p.shown()
    );
}

#[test]
fn done_without_a_required_answer_is_refused_naming_the_key() {
    let f = fixture();
    let (end, _) = walk(&f.path, script("first/a1: true\nfirst: done\n"), None);
    let err = end.expect_err("required question unanswered");
    assert!(format!("{err}").contains("`first/ok`"), "{err}");
    assert_eq!(crate::error::status_of(&err), ExitStatus::InvalidInput);
    // The check given before the refusal stays recorded; the step is not done.
    assert_eq!(kinds(&f.path), ["check first/a1=true"]);
}

#[test]
fn pause_stops_the_walk_and_resume_carries_on_at_the_first_open_step() {
    let f = fixture();
    let (end, _) = walk(&f.path, script("first/ok: false\nfirst: pause\n"), None);
    assert_eq!(end.expect("walk runs"), WalkEnd::Paused);
    let i = state(&f.path);
    assert_eq!(
        i.step("first").map(|s| s.status),
        Some(StepStatus::InProgress)
    );
    assert_eq!(i.step("last").map(|s| s.status), Some(StepStatus::Pending));

    let (end, p) = walk(
        &f.path,
        script("first/a1: true\nfirst: done\nlast/l1: true\nlast/summary: fine\nlast: done\n"),
        None,
    );
    assert_eq!(end.expect("walk runs"), WalkEnd::Finished);
    let i = state(&f.path);
    assert_eq!(i.step("first").map(|s| s.status), Some(StepStatus::Done));
    assert_eq!(i.step("last").map(|s| s.status), Some(StepStatus::Done));
    assert!(p.shown()[0].contains("Step 1 of 3"), "{:?}", p.shown());
    assert_eq!(i.progress(), (2, 2));
}

#[test]
fn conditional_steps_appear_and_disappear_with_answers() {
    let f = fixture();
    // ok = yes: the conditional step is walked.
    let (end, p) = walk(
        &f.path,
        script("first/ok: true\ncond/c1: true\ncond: done\n"),
        None,
    );
    end.expect("walk runs");
    assert!(p.shown().iter().any(|s| s.contains("Only when ok")));
    assert_eq!(
        state(&f.path).step("cond").map(|s| s.status),
        Some(StepStatus::Done)
    );

    // A fresh incident with ok = no: the conditional step is not walked at all.
    let g = fixture();
    let (end, p) = walk(&g.path, script("first/ok: false\ncond: done\n"), None);
    end.expect("walk runs");
    assert!(!p.shown().iter().any(|s| s.contains("Only when ok")));
    assert_eq!(p.unused(), ["cond"]);
    let i = state(&g.path);
    assert_eq!(i.step("cond").map(|s| s.status), Some(StepStatus::Pending));
    assert_eq!(i.progress(), (0, 2));

    // Changing the answer on resume brings it back.
    let (end, p) = walk(&g.path, script("first/ok: true\n"), None);
    end.expect("walk runs");
    assert!(p.shown().iter().any(|s| s.contains("Only when ok")));
    assert_eq!(state(&g.path).progress(), (0, 3));
}

#[test]
fn conditional_questions_and_items_follow_earlier_answers() {
    let f = fixture();
    let (end, p) = walk(
        &f.path,
        script("first/ok: true\nfirst/count: 3\nfirst/extra: not asked\nlast/l2: true\n"),
        None,
    );
    end.expect("walk runs");
    // count 3 is not more than 10: `extra` is not asked; kinds unanswered: l2 not offered.
    assert_eq!(p.unused(), ["first/extra", "last/l2"]);
    let (end, p) = walk(
        &f.path,
        script("first/kinds: [x]\nfirst/count: 30\nfirst/extra: asked now\nlast/l2: true\n"),
        None,
    );
    end.expect("walk runs");
    assert!(p.unused().is_empty(), "{:?}", p.unused());
    let i = state(&f.path);
    assert_eq!(
        answer(&i, "first", "extra"),
        Some(&AnswerValue::Text("asked now".into()))
    );
    assert!(
        i.step("last")
            .and_then(|s| s.item("l2"))
            .is_some_and(|x| x.checked)
    );
}

/// Records the defaults the engine offers.
struct Spy {
    inner: ScriptedPrompter,
    defaults: Vec<(String, String)>,
}

impl Prompter for Spy {
    fn show(&mut self, text: &str) -> anyhow::Result<()> {
        self.inner.show(text)
    }
    fn confirm(&mut self, ask: &Ask, default: Option<bool>) -> anyhow::Result<Option<bool>> {
        self.defaults
            .push((ask.key.clone(), format!("{default:?}")));
        self.inner.confirm(ask, default)
    }
    fn select(
        &mut self,
        ask: &Ask,
        choices: &[Choice],
        default: Option<usize>,
    ) -> anyhow::Result<Option<usize>> {
        self.defaults
            .push((ask.key.clone(), format!("{default:?}")));
        self.inner.select(ask, choices, default)
    }
    fn multiselect(
        &mut self,
        ask: &Ask,
        choices: &[Choice],
        checked: &[bool],
    ) -> anyhow::Result<Option<Vec<bool>>> {
        self.defaults
            .push((ask.key.clone(), format!("{checked:?}")));
        self.inner.multiselect(ask, choices, checked)
    }
    fn checklist(
        &mut self,
        ask: &Ask,
        items: &[Choice],
        checked: &[bool],
    ) -> anyhow::Result<Option<Vec<bool>>> {
        self.defaults
            .push((ask.key.clone(), format!("{checked:?}")));
        self.inner.checklist(ask, items, checked)
    }
    fn text(
        &mut self,
        ask: &Ask,
        default: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> anyhow::Result<Option<String>> {
        self.defaults
            .push((ask.key.clone(), format!("{default:?}")));
        self.inner.text(ask, default, check)
    }
    fn number(&mut self, ask: &Ask, default: Option<f64>) -> anyhow::Result<Option<f64>> {
        self.defaults
            .push((ask.key.clone(), format!("{default:?}")));
        self.inner.number(ask, default)
    }
    fn datetime(
        &mut self,
        ask: &Ask,
        default: Option<DateTime<Utc>>,
    ) -> anyhow::Result<Option<DateTime<Utc>>> {
        self.defaults.push((
            ask.key.clone(),
            format!("{:?}", default.map(crate::types::format_utc)),
        ));
        self.inner.datetime(ask, default)
    }
    fn rejected(&mut self, ask: &Ask, problem: &str) -> anyhow::Result<()> {
        self.inner.rejected(ask, problem)
    }
    fn step_action(&mut self, ask: &Ask) -> anyhow::Result<StepAction> {
        self.inner.step_action(ask)
    }
    fn confirm_done_with_open_items(
        &mut self,
        step: &str,
        open: &[Choice],
    ) -> anyhow::Result<bool> {
        self.inner.confirm_done_with_open_items(step, open)
    }
    fn skip_reason(&mut self, step: &str) -> anyhow::Result<String> {
        self.inner.skip_reason(step)
    }
    fn note(&mut self, step: &str) -> anyhow::Result<Option<String>> {
        self.inner.note(step)
    }
}

#[test]
fn earlier_answers_are_offered_as_defaults_and_unchanged_ones_not_re_recorded() {
    let f = fixture();
    let (end, _) = walk(
        &f.path,
        script(
            "first/a1: true\nfirst/ok: true\nfirst/pick: b\nfirst/kinds: [y]\nfirst/name: Jo\n\
             first/count: 4\nfirst/at: \"2026-11-23T10:15:00Z\"\n",
        ),
        None,
    );
    end.expect("walk runs");
    let before = records(&f.path).len();
    let mut spy = Spy {
        inner: script("first/ok: true\nfirst/name: Jo\n"),
        defaults: Vec::new(),
    };
    Walker::open(&f.path, "tester", &mut spy)
        .and_then(|mut w| w.run(Some("first")))
        .expect("walk runs");
    let d: BTreeMap<String, String> = spy.defaults.into_iter().collect();
    assert_eq!(d["first"], "[true, false]");
    assert_eq!(d["first/ok"], "Some(true)");
    assert_eq!(d["first/pick"], "Some(1)");
    assert_eq!(d["first/kinds"], "[false, true]");
    assert_eq!(d["first/name"], "Some(\"Jo\")");
    assert_eq!(d["first/count"], "Some(4.0)");
    assert_eq!(d["first/at"], "Some(\"2026-11-23T10:15:00Z\")");
    // Giving the same answers again records nothing new.
    assert_eq!(records(&f.path).len(), before);
}

#[test]
fn unticking_a_checked_item_records_an_undo() {
    let f = fixture();
    walk(&f.path, script("first/a1: true\nfirst/a2: true\n"), None)
        .0
        .expect("walk runs");
    walk(&f.path, script("first/a1: false\n"), None)
        .0
        .expect("walk runs");
    assert_eq!(
        kinds(&f.path),
        [
            "check first/a1=true",
            "check first/a2=true",
            "check first/a1=false"
        ]
    );
    let i = state(&f.path);
    let s = i.step("first").expect("step");
    assert!(!s.item("a1").expect("a1").checked);
    assert!(s.item("a2").expect("a2").checked);
}

#[test]
fn a_bad_value_mid_walk_names_the_key_and_keeps_what_came_before() {
    let f = fixture();
    let (end, _) = walk(
        &f.path,
        script("first/a1: true\nfirst/ok: true\nfirst/pick: c\nfirst/name: later\n"),
        None,
    );
    let err = end.expect_err("bad option");
    let msg = format!("{err}");
    assert!(msg.contains("answers.yaml: `first/pick`"), "{msg}");
    assert!(msg.contains("`c` is not one of the options: a, b"), "{msg}");
    assert_eq!(crate::error::status_of(&err), ExitStatus::InvalidInput);
    assert_eq!(kinds(&f.path), ["check first/a1=true", "answer first/ok"]);
}

#[test]
fn answers_files_are_checked_against_the_runbook_before_anything_is_recorded() {
    let runbook = crate::runbook::parse_text(RUNBOOK, "walk-test").expect("valid");
    let cases = [
        ("nope/x: 1\n", "`nope/x`: no step `nope`"),
        (
            "first/zzz: 1\n",
            "`first/zzz`: step `first` has no question or item `zzz`",
        ),
        (
            "first/count: many\n",
            "`first/count`: expected a number, got text",
        ),
        (
            "first/ok: yes please\n",
            "`first/ok`: a yes/no question takes true or false",
        ),
        (
            "first/kinds: x\n",
            "`first/kinds`: expected a list of option ids",
        ),
        (
            "first/kinds: [z]\n",
            "`first/kinds`: `z` is not one of the options",
        ),
        ("first/at: yesterday\n", "`first/at`: expected a time like"),
        (
            "first/a1: 1\n",
            "`first/a1`: a checklist item takes true or false",
        ),
        ("first: finished\n", "`first`: unknown outcome `finished`"),
        ("first: {skip: \"\"}\n", "`first`: `skip` needs a reason"),
        (
            "last/summary: \"  \"\n",
            "`last/summary`: `summary` needs an answer",
        ),
        (
            "intake: {colour: red}\n",
            "`intake/colour`: unknown intake field",
        ),
        (
            "intake: {severity: dire}\n",
            "`intake/severity`: unknown severity",
        ),
    ];
    for (yaml, expected) in cases {
        let err = script(yaml).check_against(&runbook).expect_err(yaml);
        let msg = format!("{err}");
        assert!(msg.contains(expected), "{yaml}: {msg}");
        assert!(msg.starts_with("answers.yaml: "), "{msg}");
    }
    script("first/ok: true\nfirst: {skip: why not}\nintake: {title: T, severity: low}\n")
        .check_against(&runbook)
        .expect("a good file passes");
}

#[test]
fn a_walk_started_at_a_closed_step_is_refused_with_a_hint() {
    let f = fixture();
    walk(
        &f.path,
        script("first/ok: false\nfirst: {skip: no}\n"),
        None,
    )
    .0
    .expect("walk runs");
    let (end, _) = walk(&f.path, script(""), Some("first"));
    let err = end.expect_err("closed");
    let msg = format!("{err}");
    assert!(msg.contains("step `first` is already skipped"), "{msg}");
    assert_eq!(
        crate::error::topic_of(&err),
        Some(&crate::error::Topic::StepClosed {
            step: "first".into()
        })
    );
    let (end, _) = walk(&f.path, script(""), Some("nosuch"));
    assert!(format!("{}", end.expect_err("unknown")).contains("steps are: first, cond, last"));
}

#[test]
fn the_summary_counts_steps_and_names_the_next_commands() {
    let f = fixture();
    walk(
        &f.path,
        script("first/ok: false\nfirst: {skip: n/a}\n"),
        None,
    )
    .0
    .expect("walk runs");
    let i = state(&f.path);
    let s = text::summary(&i, false, 78);
    assert!(s.contains("0 done, 1 skipped, 1 open"), "{s}");
    assert!(s.contains("open: 3. Last step"), "{s}");
    assert!(s.contains(&format!("breach status {}", i.id)), "{s}");
    assert!(s.contains(&format!("breach export {}", i.id)), "{s}");
    assert!(s.contains(&format!("breach resume {}", i.id)), "{s}");
    let d = text::decided(&i, 78);
    assert!(d.contains("1. First step — skipped: n/a"), "{d}");
    assert!(d.contains("Is it ok?: no"), "{d}");
}

#[test]
fn a_step_header_shows_the_running_deadlines_that_depend_on_it() {
    let f = fixture();
    let i = state(&f.path);
    let last = i.runbook.step_index("last").expect("step");
    // Not applicable until first/ok is yes.
    assert!(deadlines_for_step(&i, last).is_empty());
    walk(&f.path, script("first/ok: true\n"), None)
        .0
        .expect("walk runs");
    let i = state(&f.path);
    let lines = deadlines_for_step(&i, last);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("Report it to the authority: due "),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("left"), "{}", lines[0]);
    let header = text::step_header(&i, last, 78, &lines);
    assert!(
        header.contains("Deadlines that depend on this step:"),
        "{header}"
    );
    // Shown on the step whose answer decides it too, but not on an unrelated step.
    assert_eq!(deadlines_for_step(&i, 0), lines);
    assert!(deadlines_for_step(&i, 1).is_empty());
    // Met once the item is ticked.
    walk(&f.path, script("last/l1: true\n"), Some("last"))
        .0
        .expect("walk runs");
    assert!(deadlines_for_step(&state(&f.path), last).is_empty());
}

#[test]
fn the_follow_up_answer_is_offered_as_action_items_one_per_line() {
    let f = fixture_with(
        r#"
breach_runbook: 1
id: review-only
title: Review only
steps:
  - id: review
    title: Review
    owner: commander
    guidance: Look back.
    questions:
      - {id: lessons_learned, prompt: Lessons?, kind: text}
      - {id: action_items, prompt: Follow-ups?, kind: text}
"#,
    );
    let (end, prompter) = walk(
        &f.path,
        script(
            "review/lessons_learned: patch weekly\nreview/action_items: |\n  Enable MFA (owner: Bob)\n\n  Audit the plugin's updates\nreview: done\n",
        ),
        None,
    );
    end.expect("walk runs");
    let hints: Vec<&String> = prompter
        .shown()
        .iter()
        .filter(|t| t.contains("breach action add"))
        .collect();
    assert_eq!(hints.len(), 1, "{:?}", prompter.shown());
    let lines: Vec<&str> = hints[0].lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "  breach action add 'Enable MFA (owner: Bob)' --owner NAME --due YYYY-MM-DD",
            "  breach action add 'Audit the plugin'\\''s updates' --owner NAME --due YYYY-MM-DD",
        ]
    );
}
