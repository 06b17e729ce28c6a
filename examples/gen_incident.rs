//! Generates a large, valid incident file for the benchmark (`bench/run.sh`).
//!
//! ```text
//! cargo run --release --example gen_incident -- --records 10000 --out bench/data
//! ```
//!
//! The incident is opened with the default built-in runbook and then filled through the
//! project's own append code ([`breach::ledger::Writer`]) with a realistic mix of
//! records: notes of a few hundred bytes, checks and unchecks, answers of every question
//! kind (re-answered over time), evidence entries, notices and step outcomes (done, skipped,
//! reopened). Every record is validated exactly as the commands validate it. Times,
//! operators and choices are fixed by the record count, so the same arguments always write
//! the same bytes. Records are written without an fsync each; the file is synced once at
//! the end. The path of the written file is printed on standard output.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, TimeDelta, Utc};

use breach::incident::{Incident, StepStatus};
use breach::journal::record::FORMAT_VERSION;
use breach::journal::{
    Answer, Check, EvidenceEntry, Note, NoticeSent, Opened, Payload, PinnedRunbook, StepChange,
    StepOutcome, file, format, store,
};
use breach::runbook::{self, QuestionKind};
use breach::types::AnswerValue;
use breach::types::Severity;

/// When the generated incident was opened: with the records 7 seconds apart, 100,000 records
/// end on 2026-11-09, in the past of the clock the benchmark appends at (a release build
/// records at the machine's clock, never at `BREACH_NOW`, and a record time may not go
/// back).
const OPENED_AT: &str = "2026-11-01T08:00:00Z";

/// Seconds between two generated records.
const SPACING_SECS: i64 = 7;

const OPERATORS: [&str; 3] = ["alice", "bob", "carol"];

/// Sentences that notes are built from.
const SENTENCES: [&str; 8] = [
    "Checked the web server access logs for the checkout pages between 02:00 and 06:00 UTC.",
    "The injected script posts card numbers to a look-alike domain registered last month.",
    "Rotated the admin passwords for the store back office and the hosting control panel.",
    "The payment provider confirmed that tokenised payments were not affected by the change.",
    "Customer support has a holding statement and forwards press questions to the lead.",
    "Took a disk image of the application server before restoring it from the clean build.",
    "Legal reviewed which jurisdictions apply; waiting for the count of affected residents.",
    "Monitoring shows no further outbound requests to the exfiltration host since the fix.",
];

/// A small deterministic generator (SplitMix64), so the output does not depend on anything
/// but the arguments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Opens an incident in `dir` and appends records until it holds `records` records
/// (including the `opened` record). Replaces a file of the same name. Returns its path.
pub fn generate(dir: &Path, records: u64) -> anyhow::Result<PathBuf> {
    if records == 0 {
        bail!("--records must be at least 1 (the `opened` record)");
    }
    let opened_at = breach::types::parse_time(OPENED_AT).map_err(anyhow::Error::msg)?;
    let loaded = runbook::load(Some(runbook::builtin::DEFAULT))?;
    let title = format!("Benchmark incident with {records} records");
    let id = store::incident_id(opened_at, &title);
    let path = dir.join(format!("{id}.yaml"));
    if path.exists() {
        std::fs::remove_file(&path)
            .with_context(|| format!("cannot replace {}", path.display()))?;
    }
    let opened = Opened {
        format: FORMAT_VERSION,
        id,
        title,
        severity: Severity::Critical,
        detected_at: opened_at - TimeDelta::hours(2),
        aware_at: opened_at,
        determined_at: None,
        runbook: PinnedRunbook {
            id: loaded.runbook.id.clone(),
            title: loaded.runbook.title.clone(),
            source: "built-in".into(),
            sha256: format::sha256_hex(loaded.text.as_bytes()),
            text: loaded.text.clone(),
        },
        upgraded_from: None,
    };
    let (created, _) = file::create(dir, opened, OPERATORS[0], opened_at)?;
    if created != path {
        bail!("expected to create {}", path.display());
    }
    let mut writer = breach::ledger::Writer::open(&path)?;
    let mut rng = Rng(records);
    for seq in 1..records {
        let now = opened_at + TimeDelta::seconds(SPACING_SECS * seq as i64);
        let payload = next_payload(writer.incident(), &mut rng, seq, now);
        let operator = OPERATORS[(seq as usize / 5) % OPERATORS.len()];
        writer
            .append(operator, now, payload, false)
            .with_context(|| format!("generating record {seq}"))?;
    }
    writer.sync()?;
    Ok(path)
}

/// One record that is valid against the current state.
fn next_payload(inc: &Incident, rng: &mut Rng, seq: u64, now: DateTime<Utc>) -> Payload {
    match rng.below(100) {
        0..30 => note(inc, rng, seq),
        30..55 => check(inc, rng),
        55..80 => answer(inc, rng, seq),
        80..90 => evidence(rng, seq, now),
        90..95 => notice(inc, rng, now),
        _ => step(inc, rng, seq),
    }
}

fn note(inc: &Incident, rng: &mut Rng, seq: u64) -> Payload {
    let mut text = format!("Update {seq}: ");
    for _ in 0..2 + rng.below(3) {
        text.push_str(SENTENCES[rng.below(SENTENCES.len())]);
        text.push(' ');
    }
    if rng.below(4) == 0 {
        text.push_str("\nNext: confirm with the hosting provider | keep the <b>raw</b> logs.");
    }
    let step = (rng.below(2) == 0).then(|| inc.steps[rng.below(inc.steps.len())].id.clone());
    Payload::Note(Note {
        text: text.trim_end().to_string(),
        step,
    })
}

/// Ticks an unchecked item or unticks a checked one.
fn check(inc: &Incident, rng: &mut Rng) -> Payload {
    let with_items: Vec<usize> = (0..inc.steps.len())
        .filter(|&i| !inc.steps[i].items.is_empty())
        .collect();
    let step = &inc.steps[with_items[rng.below(with_items.len())]];
    let item = &step.items[rng.below(step.items.len())];
    Payload::Check(Check {
        step: step.id.clone(),
        item: item.id.clone(),
        checked: !item.checked,
    })
}

/// Answers (or re-answers) a question with a value of its kind.
fn answer(inc: &Incident, rng: &mut Rng, seq: u64) -> Payload {
    let questions: Vec<(usize, usize)> = inc
        .runbook
        .steps
        .iter()
        .enumerate()
        .flat_map(|(s, step)| (0..step.questions.len()).map(move |q| (s, q)))
        .collect();
    let (s, q) = questions[rng.below(questions.len())];
    let step = &inc.runbook.steps[s];
    let question = &step.questions[q];
    let option = |rng: &mut Rng| {
        question.options[rng.below(question.options.len())]
            .id
            .clone()
    };
    let value = match question.kind {
        QuestionKind::Confirm => AnswerValue::Bool(rng.below(2) == 0),
        QuestionKind::Number => AnswerValue::Count((rng.below(50_000) + 1) as u64),
        // One instant for every time answer (half an hour before opening, after the
        // detection): re-answered in any order, the access window and containment stay
        // plausible for the checks the ledger makes.
        QuestionKind::Datetime => AnswerValue::Text(breach::types::format_utc(
            inc.opened.at - TimeDelta::minutes(30),
        )),
        QuestionKind::Text => AnswerValue::Text(format!(
            "As of update {seq}: {}",
            SENTENCES[rng.below(SENTENCES.len())]
        )),
        QuestionKind::Select => AnswerValue::Text(option(rng)),
        QuestionKind::Multiselect => {
            let mut picked: Vec<String> = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let o = option(rng);
                if !picked.contains(&o) {
                    picked.push(o);
                }
            }
            // An exclusive option ("no personal data") is picked alone.
            if let Some(only) = question
                .options
                .iter()
                .find(|o| o.exclusive && picked.contains(&o.id))
            {
                picked = vec![only.id.clone()];
            }
            AnswerValue::List(picked)
        }
    };
    Payload::Answer(Answer {
        step: step.id.clone(),
        question: question.id.clone(),
        value,
    })
}

fn evidence(rng: &mut Rng, seq: u64, now: DateTime<Utc>) -> Payload {
    let name = ["access.log", "checkout.js", "db-dump.sql", "disk.img"][rng.below(4)];
    Payload::Evidence(EvidenceEntry {
        path: format!("/srv/evidence/{seq:06}-{name}"),
        sha256: format::sha256_hex(format!("evidence {seq}").as_bytes()),
        size: 1024 + rng.next() % (64 << 20),
        modified: Some(now - TimeDelta::hours(1)),
        copy: (rng.below(2) == 0).then(|| format!("evidence/{seq:06}-{name}")),
        note: (rng.below(2) == 0).then(|| "collected by the hosting provider".to_string()),
    })
}

fn notice(inc: &Incident, rng: &mut Rng, now: DateTime<Utc>) -> Payload {
    let t = &inc.runbook.templates[rng.below(inc.runbook.templates.len())];
    Payload::Notice(NoticeSent {
        template: t.id.clone(),
        audience: t.audience.clone(),
        sent_at: now - TimeDelta::minutes(5),
        to: (rng.below(2) == 0).then(|| "notifications@example.org".to_string()),
    })
}

/// Reopens a closed step, or marks an open one done (confirming its open items) or skipped.
fn step(inc: &Incident, rng: &mut Rng, seq: u64) -> Payload {
    let idx = rng.below(inc.steps.len());
    let state = &inc.steps[idx];
    let (outcome, reason, open_items) = match state.status {
        StepStatus::Done | StepStatus::Skipped => (StepOutcome::Reopened, None, Vec::new()),
        _ if rng.below(4) == 0 => (
            StepOutcome::Skipped,
            Some(format!("not needed as of update {seq}")),
            Vec::new(),
        ),
        _ => (StepOutcome::Done, None, inc.open_required_items(idx)),
    };
    Payload::Step(StepChange {
        step: state.id.clone(),
        outcome,
        reason,
        open_items,
    })
}

fn main() -> anyhow::Result<()> {
    let mut records = None;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--records" => {
                let n = args.next().context("--records needs a number")?;
                records = Some(
                    n.replace([',', '_'], "")
                        .parse::<u64>()
                        .with_context(|| format!("--records {n:?} is not a number"))?,
                );
            }
            "--out" => {
                out = Some(PathBuf::from(
                    args.next().context("--out needs a directory")?,
                ))
            }
            "-h" | "--help" => {
                println!("usage: gen_incident --records N --out DIR");
                return Ok(());
            }
            other => {
                bail!("unexpected argument {other:?} (usage: gen_incident --records N --out DIR)")
            }
        }
    }
    let records = records.context("--records N is required")?;
    let out = out.context("--out DIR is required")?;
    let path = generate(&out, records)?;
    println!("{}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_incidents_verify_fold_and_are_reproducible() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let path = generate(a.path(), 200).unwrap();
        let (scan, inc) = breach::ledger::load(&path).unwrap();
        assert_eq!(scan.records.len(), 200);
        assert_eq!(inc.record_count, 200);
        assert!(inc.warnings.is_empty(), "{:?}", inc.warnings);
        let kinds: std::collections::BTreeSet<&str> =
            scan.records.iter().map(|r| r.payload.kind()).collect();
        for kind in [
            "opened", "note", "check", "answer", "evidence", "notice", "step",
        ] {
            assert!(kinds.contains(kind), "no `{kind}` record among {kinds:?}");
        }
        // Regenerating in place and elsewhere writes the same bytes.
        let again = generate(a.path(), 200).unwrap();
        let other = generate(b.path(), 200).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(std::fs::read(&again).unwrap(), bytes);
        assert_eq!(std::fs::read(&other).unwrap(), bytes);
    }
}
