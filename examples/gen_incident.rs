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
//!
//! ```text
//! cargo run --release --example gen_incident -- --records 10000 --out bench/data \
//!     --journals 3 --sign ~/.ssh/id_ed25519
//! ```
//!
//! With `--journals K`, the same records become a team incident (format 2, a directory of
//! `K` journals, docs/incident-file-format.md section 12): record `n` goes to journal
//! `(n / 5) % K`, each record names the heads of every other journal (each writer had seen
//! everything before it, so the merged order is the order of generation), and the records
//! are written as `breach` writes them (`journal::team::encode`). With `--sign KEY` (an
//! unencrypted ed25519 private key file in OpenSSH format, such as `ssh-keygen -t ed25519
//! -N ''` writes) every record is signed with that key, in-process, in the sshsig format
//! `breach` checks. The directory's path is printed.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, TimeDelta, Utc};

use breach::incident::{Incident, StepStatus};
use breach::journal::record::FORMAT_VERSION;
use breach::journal::record::TEAM_FORMAT_VERSION;
use breach::journal::team::{self, Entry, Head, Signature};
use breach::journal::{
    Answer, Check, EvidenceEntry, Note, NoticeSent, Opened, Payload, PinnedRunbook, Record,
    StepChange, StepOutcome, file, format, store,
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

/// The writer id of journal `j` of a generated team incident.
fn writer_of(j: usize) -> String {
    format!("{}@device-{}", OPERATORS[j % OPERATORS.len()], j + 1)
}

/// The `sig` value of `message` signed by `key` in the `breach` namespace: the base64 of
/// the sshsig blob on one line, as `breach` stores it (the armour of `ssh-keygen -Y sign`
/// taken off).
fn sign(key: &ssh_key::PrivateKey, message: &str) -> anyhow::Result<String> {
    let sig = key.sign(
        breach::journal::sign::NAMESPACE,
        ssh_key::HashAlg::Sha512,
        message.as_bytes(),
    )?;
    let pem = sig.to_pem(ssh_key::LineEnding::LF)?;
    Ok(pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>())
}

/// Generates the same records as [`generate`] as a team incident of `journals` journals in
/// `dir/ID/` (replacing a directory of that name), signed with `key` if given. Returns the
/// directory.
pub fn generate_team(
    dir: &Path,
    records: u64,
    journals: usize,
    key: Option<&ssh_key::PrivateKey>,
) -> anyhow::Result<PathBuf> {
    if journals == 0 {
        bail!("--journals must be at least 1");
    }
    let single = generate(dir, records)?;
    let scan = file::read(&single)?;
    scan.require_intact()?;
    for p in [single.clone(), single.with_extension("yaml.state")] {
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
    }
    let Some(Payload::Opened(opened)) = scan.records.first().map(|r| &r.payload) else {
        bail!("the generated file does not start with `opened`");
    };
    let out = dir.join(&opened.id);
    if out.exists() {
        std::fs::remove_dir_all(&out)
            .with_context(|| format!("cannot replace {}", out.display()))?;
    }
    std::fs::create_dir(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut texts = vec![String::new(); journals];
    let mut lines = vec![1usize; journals];
    let mut heads: Vec<Option<Head>> = vec![None; journals];
    for (n, old) in scan.records.iter().enumerate() {
        let j = (n / 5) % journals;
        let payload = match &old.payload {
            Payload::Opened(o) => {
                let mut o = o.clone();
                o.format = TEAM_FORMAT_VERSION;
                Payload::Opened(o)
            }
            p => p.clone(),
        };
        let seen = (0..journals)
            .filter(|&k| k != j)
            .filter_map(|k| heads[k].clone().map(|h| (writer_of(k), h)))
            .collect();
        let mut entry = Entry {
            record: Record {
                seq: heads[j].as_ref().map_or(0, |h| h.seq + 1),
                time: old.time,
                operator: OPERATORS[j % OPERATORS.len()].to_string(),
                prev: heads[j]
                    .as_ref()
                    .map_or(format::GENESIS.to_string(), |h| h.hash.clone()),
                hash: String::new(),
                payload,
                line: lines[j],
                at: None,
            },
            writer: writer_of(j),
            seen,
            fixed_clock: false,
            sig: None,
        };
        if let Some(key) = key {
            let signed = team::signed_bytes(&entry)?;
            entry.sig = Some(Signature {
                sshsig: sign(key, &signed)?,
                signed,
            });
        }
        let (text, hash) = team::encode(&entry).with_context(|| format!("encoding record {n}"))?;
        lines[j] += text.bytes().filter(|&b| b == b'\n').count();
        texts[j].push_str(&text);
        heads[j] = Some(Head {
            seq: entry.record.seq,
            hash,
        });
    }
    for (j, text) in texts.iter().enumerate().filter(|(_, t)| !t.is_empty()) {
        team::write_new(&team::journal_path(&out, &writer_of(j)), text.as_bytes())?;
    }
    Ok(out)
}

const USAGE: &str = "gen_incident --records N --out DIR [--journals K [--sign KEY]]";

fn main() -> anyhow::Result<()> {
    let mut records = None;
    let mut out = None;
    let mut journals = None;
    let mut key = None;
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
            "--journals" => {
                let k = args.next().context("--journals needs a number")?;
                journals = Some(
                    k.parse::<usize>()
                        .with_context(|| format!("--journals {k:?} is not a number"))?,
                );
            }
            "--sign" => {
                let path = PathBuf::from(args.next().context("--sign needs a key file")?);
                key = Some(
                    ssh_key::PrivateKey::read_openssh_file(&path)
                        .with_context(|| format!("cannot read the key {}", path.display()))?,
                );
            }
            "-h" | "--help" => {
                println!("usage: {USAGE}");
                return Ok(());
            }
            other => {
                bail!("unexpected argument {other:?} (usage: {USAGE})")
            }
        }
    }
    let records = records.context("--records N is required")?;
    let out = out.context("--out DIR is required")?;
    let path = match journals {
        Some(k) => generate_team(&out, records, k, key.as_ref())?,
        None if key.is_some() => bail!("--sign needs --journals (only team incidents are signed)"),
        None => generate(&out, records)?,
    };
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

    #[test]
    fn generated_team_incidents_verify_and_fold_like_the_single_file() {
        let a = tempfile::tempdir().unwrap();
        let single = generate(a.path(), 120).unwrap();
        let (_, want) = breach::ledger::load(&single).unwrap();
        let seed = ssh_key::private::Ed25519Keypair::from_seed(&[7; 32]);
        let key = ssh_key::PrivateKey::from(seed);
        for signed in [None, Some(&key)] {
            let b = tempfile::tempdir().unwrap();
            let dir = generate_team(b.path(), 120, 3, signed).unwrap();
            let checked = breach::ledger::team::check(&dir, None).unwrap();
            assert!(checked.ok(), "{:?}", checked.problems);
            assert_eq!(checked.journals.len(), 3);
            assert!(checked.journals.iter().all(|j| j.entries.len() == 40));
            // Each record saw everything before it: the merged order is the generated one.
            let merged = checked.merged_records();
            let original = breach::journal::file::read(&single).unwrap().records;
            assert_eq!(merged.len(), original.len());
            for (m, o) in merged.iter().zip(&original).skip(1) {
                assert_eq!((m.time, &m.payload), (o.time, &o.payload));
            }
            let got = breach::incident::fold(&merged).unwrap();
            assert_eq!(got.record_count, want.record_count);
            assert_eq!(got.steps, want.steps);
            assert!(checked.conflicts().is_empty());
            let allowed = breach::journal::sign::AllowedSigners::parse(
                Path::new("allowed_signers"),
                &format!(
                    "alice,bob,carol {}\n",
                    key.public_key().to_openssh().unwrap()
                ),
            )
            .unwrap();
            let states: Vec<_> = breach::ledger::team::signing(&checked, Some(&allowed))
                .into_iter()
                .map(|s| s.state)
                .collect();
            let expected = match signed {
                Some(_) => breach::incident::SigningState::Known,
                None => breach::incident::SigningState::Unsigned,
            };
            assert_eq!(states, vec![expected; 3]);
            // Regenerating writes the same bytes.
            let again = generate_team(b.path(), 120, 3, signed).unwrap();
            assert_eq!(again, dir);
            let c = tempfile::tempdir().unwrap();
            let other = generate_team(c.path(), 120, 3, signed).unwrap();
            for j in 0..3 {
                let name = format!("{}.yaml", writer_of(j));
                assert_eq!(
                    std::fs::read(dir.join(&name)).unwrap(),
                    std::fs::read(other.join(&name)).unwrap()
                );
            }
        }
    }
}
