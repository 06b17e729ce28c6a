//! Version 2 incidents (`docs/incident-file-format.md`, section 12): checking the journals
//! against each other (cross-references, the first journal, an upgraded original), the
//! merged view in causal order, conflicts, appending to this device's journal, opening an
//! incident, upgrading a version 1 file, and seals. How a journal is stored is `journal::team`'s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::{BreachError, Topic, about, integrity, invalid};
use crate::incident::{self, Conflict, ConflictSide, Incident, Signing, SigningState, action};
use crate::journal::file::{self, ChainStatus, Scan};
use crate::journal::format::{self, GENESIS};
use crate::journal::record::{FORMAT_VERSION, TEAM_FORMAT_VERSION, UpgradedFrom};
use crate::journal::sign::{self as signatures, AllowedSigners, Signer};
use crate::journal::snapshot::{self, FileKey, JournalHead, Key, TeamState};
use crate::journal::team::{
    self, CLOCK_SKEW_SECONDS, Entry, Head, Journal, ORIGINAL_V1, OwnJournal, Signature,
};
use crate::journal::{Opened, Payload, Record};

use super::cache;

/// This device's signing key, set once by the command line ([`use_signer`]). It is a
/// property of the device, like its writer id: every record the device writes into a
/// journal is signed with it, whichever command writes the record.
static SIGNER: std::sync::Mutex<Option<Signer>> = std::sync::Mutex::new(None);

/// Sets the key every record this process writes into a journal is signed with (`None`:
/// records are not signed).
pub fn use_signer(signer: Option<Signer>) {
    *SIGNER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = signer;
}

/// The configured signing key, if any.
pub fn signer() -> Option<Signer> {
    SIGNER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// The allowed-signers file given on the command line or in a configuration file, set once
/// by the command line ([`use_allowed_signers`]).
static ALLOWED: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

/// Sets the allowed-signers file signatures are checked against; without one, git's
/// `gpg.ssh.allowedSignersFile` for the incident directory is used, if set.
pub fn use_allowed_signers(path: Option<PathBuf>) {
    *ALLOWED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = path;
}

/// The allowed-signers file for the incident `dir`, read: the one set with
/// [`use_allowed_signers`], else git's `gpg.ssh.allowedSignersFile`, else none.
pub fn allowed_signers(dir: &Path) -> anyhow::Result<Option<AllowedSigners>> {
    let given = ALLOWED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    if let Some(path) = given {
        return AllowedSigners::read(&path).map(Some);
    }
    match crate::journal::sync::allowed_signers_file(dir) {
        Some(path) => AllowedSigners::read(&path)
            .map(Some)
            .map_err(|e| e.context("cannot check signatures with the allowed-signers file git's gpg.ssh.allowedSignersFile names")),
        None => Ok(None),
    }
}

/// How each journal is signed (section 12.3a), checked against `allowed`.
pub fn signing(c: &Checked, allowed: Option<&AllowedSigners>) -> Vec<Signing> {
    c.journals
        .iter()
        .map(|j| {
            let mut s = Signing {
                writer: j.writer.clone(),
                state: SigningState::Unsigned,
                records: j.entries.len(),
                signed: 0,
                principals: Vec::new(),
                unknown_keys: Vec::new(),
                misattributed: Vec::new(),
                bad_record: None,
                bad_reason: None,
                first_unsigned: None,
            };
            for e in &j.entries {
                let Some(sig) = &e.sig else {
                    s.first_unsigned.get_or_insert(e.record.seq);
                    continue;
                };
                s.signed += 1;
                match signatures::check(&sig.sshsig, sig.signed.as_bytes()) {
                    Err(why) => {
                        if s.bad_record.is_none() {
                            s.bad_record = Some(e.record.seq);
                            s.bad_reason = Some(why);
                        }
                    }
                    Ok(good) => {
                        let operator = &e.record.operator;
                        if allowed
                            .and_then(|a| a.allows(operator, &good.key))
                            .is_some()
                        {
                            if !s.principals.contains(operator) {
                                s.principals.push(operator.clone());
                            }
                        } else {
                            let fp = good.fingerprint();
                            let owners: Vec<String> = allowed
                                .map(|a| a.principals_of(&good.key))
                                .unwrap_or_default()
                                .into_iter()
                                .map(str::to_string)
                                .collect();
                            if !owners.is_empty() {
                                let m = crate::incident::Misattributed {
                                    key: fp.clone(),
                                    operator: operator.clone(),
                                    allowed_for: owners,
                                };
                                if !s.misattributed.contains(&m) {
                                    s.misattributed.push(m);
                                }
                            }
                            if !s.unknown_keys.contains(&fp) {
                                s.unknown_keys.push(fp);
                            }
                        }
                    }
                }
            }
            s.principals.sort();
            s.unknown_keys.sort();
            s.misattributed.sort();
            s.state = if s.bad_record.is_some() {
                SigningState::Bad
            } else if s.signed == 0 {
                SigningState::Unsigned
            } else if s.signed < s.records {
                SigningState::Partly
            } else if !s.unknown_keys.is_empty() {
                SigningState::Unknown
            } else {
                SigningState::Known
            };
            if s.state != SigningState::Partly {
                s.first_unsigned = None;
            }
            s
        })
        .collect()
}

/// Signs `entry` with the configured key, if any (section 12.3a).
fn sign(entry: &mut Entry) -> anyhow::Result<()> {
    if let Some(signer) = signer() {
        let signed = team::signed_bytes(entry)?;
        entry.sig = Some(Signature {
            sshsig: signer.sign(&signed)?,
            signed,
        });
    }
    Ok(())
}

/// Whether `path` is a version 2 incident (a directory of journals).
pub fn is_team(path: &Path) -> bool {
    team::is_team_dir(path)
}

/// Something wrong with a version 2 incident, at the first record affected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The journal's file name.
    pub journal: String,
    /// The record's sequence number in its journal, when one is affected.
    pub seq: Option<u64>,
    /// The 1-based line in the journal (0 when not about one record).
    pub line: usize,
    /// A short word: `edited`, `missing records`, `torn tail`, `vanished`, `changed`, ...
    pub kind: String,
    pub detail: String,
}

impl Problem {
    /// One sentence.
    pub fn describe(&self) -> String {
        match self.seq {
            Some(seq) => format!(
                "{}: record {seq} (line {}) is {}: {}",
                self.journal, self.line, self.kind, self.detail
            ),
            None => format!("{}: {}: {}", self.journal, self.kind, self.detail),
        }
    }
}

/// A version 2 incident, every journal read and checked against the others.
#[derive(Debug, Clone)]
pub struct Checked {
    pub dir: PathBuf,
    pub journals: Vec<Journal>,
    /// Everything that fails (empty when the incident verifies).
    pub problems: Vec<Problem>,
    /// The merged order, `(journal, record)` indices, when there are no problems.
    pub order: Vec<(usize, usize)>,
    /// For each journal and record, the highest record of every journal it happened after
    /// (-1: none): a vector clock.
    clocks: Vec<Vec<Vec<i64>>>,
    /// The index of the first journal.
    pub first: usize,
}

impl Checked {
    /// Whether every rule holds.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The number of records in all journals.
    pub fn records(&self) -> usize {
        self.journals.iter().map(|j| j.entries.len()).sum()
    }

    /// The head of every non-empty journal, sorted by writer id.
    pub fn heads(&self) -> Vec<(String, Head)> {
        self.journals
            .iter()
            .filter_map(|j| j.head().map(|h| (j.writer.clone(), h)))
            .collect()
    }

    /// The seal digest of the current heads.
    pub fn digest(&self) -> String {
        seal_digest(&self.heads())
    }

    fn entry(&self, at: (usize, usize)) -> &Entry {
        &self.journals[at.0].entries[at.1]
    }

    /// Whether record `x` happened before (or is) record `y`.
    fn before(&self, x: (usize, usize), y: (usize, usize)) -> bool {
        self.clocks[y.0][y.1][x.0] >= x.1 as i64
    }

    /// The records in merged order, as version 1 records numbered by their position.
    pub fn merged_records(&self) -> Vec<Record> {
        self.order
            .iter()
            .enumerate()
            .map(|(pos, &at)| {
                let mut r = self.entry(at).record.clone();
                r.seq = pos as u64;
                r
            })
            .collect()
    }

    /// One sentence for each journal whose clock went back and each journal with records
    /// written under a fixed clock.
    pub fn clock_notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        for j in &self.journals {
            if let Some((seq, line)) = j.clock_went_back.first() {
                out.push(format!(
                    "{}: the clock went back more than {CLOCK_SKEW_SECONDS} seconds at record {seq} (line {line}){}",
                    j.name(),
                    match j.clock_went_back.len() {
                        1 => String::new(),
                        n => format!(" and {} more times", n - 1),
                    }
                ));
            }
            let fixed = j.entries.iter().filter(|e| e.fixed_clock).count();
            if fixed > 0 {
                out.push(format!(
                    "{}: {fixed} of {} records were written under a fixed clock (BREACH_NOW), not the machine's clock",
                    j.name(),
                    j.entries.len()
                ));
            }
        }
        out
    }

    /// The open conflicts (section 12.8).
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut groups: BTreeMap<String, Vec<Decision>> = BTreeMap::new();
        for &at in &self.order {
            match &self.entry(at).record.payload {
                Payload::Answer(a) => groups
                    .entry(format!("answer to {}/{}", a.step, a.question))
                    .or_default()
                    .push((at, a.value.plain())),
                Payload::Step(s) => groups
                    .entry(format!("step {}", s.step))
                    .or_default()
                    .push((at, format!("{:?}", s.outcome).to_lowercase())),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for (subject, group) in groups {
            let mut involved: Vec<usize> = Vec::new();
            for a in 0..group.len() {
                for b in a + 1..group.len() {
                    let ((x, vx), (y, vy)) = (&group[a], &group[b]);
                    let concurrent = !self.before(*x, *y) && !self.before(*y, *x);
                    if !concurrent || vx == vy {
                        continue;
                    }
                    let resolved = group.iter().any(|(z, _)| {
                        z != x && z != y && self.before(*x, *z) && self.before(*y, *z)
                    });
                    if !resolved {
                        for k in [a, b] {
                            if !involved.contains(&k) {
                                involved.push(k);
                            }
                        }
                    }
                }
            }
            if involved.is_empty() {
                continue;
            }
            involved.sort_unstable();
            let sides = involved
                .into_iter()
                .map(|k| {
                    let (at, value) = &group[k];
                    let e = self.entry(*at);
                    ConflictSide {
                        value: value.clone(),
                        writer: e.writer.clone(),
                        operator: e.record.operator.clone(),
                        time: e.record.time,
                        position: self.order.iter().position(|o| o == at).unwrap_or(0) as u64,
                    }
                })
                .collect();
            out.push(Conflict { subject, sides });
        }
        out
    }
}

/// A record that decides something: where it is (journal, record) and the value it gives.
type Decision = ((usize, usize), String);

/// The seal digest of a list of heads (section 12.5a).
pub fn seal_digest(heads: &[(String, Head)]) -> String {
    let mut sorted: Vec<&(String, Head)> = heads.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let text: String = sorted
        .iter()
        .map(|(w, h)| format!("{w} {} {}\n", h.seq, h.hash))
        .collect();
    format::sha256_hex(text.as_bytes())[..32].to_string()
}

fn problem(j: &Journal, seq: Option<u64>, line: usize, kind: &str, detail: String) -> Problem {
    Problem {
        journal: j.name(),
        seq,
        line,
        kind: kind.into(),
        detail,
    }
}

/// Reads every journal of `dir` and checks the rules of sections 12.4 to 12.6 and 12.9.
/// `own` is this writer's journal, already read under its lock. A format version above 2
/// is an error (exit code 3), not a problem.
pub fn check(dir: &Path, own: Option<Journal>) -> anyhow::Result<Checked> {
    let journals = team::read_all(dir, own)?;
    let mut problems = Vec::new();
    for j in &journals {
        match &j.status {
            ChainStatus::Intact => {}
            ChainStatus::TornTail { line, bytes } => problems.push(problem(
                j,
                Some(j.entries.len() as u64),
                *line,
                "torn tail",
                format!(
                    "the last record ({bytes} bytes) is incomplete, probably cut short by a crash"
                ),
            )),
            ChainStatus::Broken(b) => problems.push(problem(
                j,
                Some(b.expected_seq),
                b.line,
                b.kind.as_str(),
                b.detail.clone(),
            )),
        }
    }
    let firsts: Vec<usize> = (0..journals.len())
        .filter(|&i| {
            journals[i]
                .entries
                .first()
                .is_some_and(|e| matches!(e.record.payload, Payload::Opened(_)))
        })
        .collect();
    let first = match firsts.as_slice() {
        [one] => *one,
        [] => {
            return Err(integrity(format!(
                "{}: no journal starts with the `opened` record; the first journal is missing",
                dir.display()
            )));
        }
        many => {
            return Err(integrity(format!(
                "{}: {} journals start with an `opened` record ({}); an incident has one first journal",
                dir.display(),
                many.len(),
                many.iter()
                    .map(|&i| journals[i].name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    if let Payload::Opened(o) = &journals[first].entries[0].record.payload
        && o.format != TEAM_FORMAT_VERSION
    {
        return Err(invalid(format!(
            "{}: the incident is format version {}; this build of breach reads a directory of journals as version {TEAM_FORMAT_VERSION} (upgrade breach)",
            dir.display(),
            o.format
        )));
    }
    let index: BTreeMap<&str, usize> = journals
        .iter()
        .enumerate()
        .map(|(i, j)| (j.writer.as_str(), i))
        .collect();
    let first_writer = journals[first].writer.clone();
    for (ji, j) in journals.iter().enumerate() {
        for (i, e) in j.entries.iter().enumerate() {
            let r = &e.record;
            if matches!(r.payload, Payload::Opened(_)) && (ji != first || i > 0) {
                problems.push(problem(
                    j,
                    Some(r.seq),
                    r.line,
                    "malformed",
                    "an `opened` record that is not the first record of the first journal".into(),
                ));
            }
            if i == 0 && ji != first && !e.seen.contains_key(&first_writer) {
                problems.push(problem(
                    j,
                    Some(r.seq),
                    r.line,
                    "malformed",
                    format!("the first record of a journal must name the first journal ({first_writer}) in `seen`"),
                ));
            }
            let mut refs: Vec<(&str, &Head)> =
                e.seen.iter().map(|(w, h)| (w.as_str(), h)).collect();
            let seal_heads = seal_heads(&r.payload);
            if let Some(heads) = &seal_heads {
                if let Err(why) = heads {
                    problems.push(problem(j, Some(r.seq), r.line, "malformed", why.clone()));
                }
                for (w, h) in heads.iter().flatten() {
                    if w != &j.writer {
                        refs.push((w.as_str(), h));
                    } else if r.seq == 0 || h.seq != r.seq - 1 || h.hash != r.prev {
                        problems.push(problem(
                            j,
                            Some(r.seq),
                            r.line,
                            "malformed",
                            "the seal's head of its own journal is not the record before it".into(),
                        ));
                    }
                }
            }
            for (w, h) in refs {
                let detail = match index.get(w).map(|&k| &journals[k]) {
                    None => Some((
                        "vanished",
                        format!(
                            "it names record {} of {w}, but there is no journal {w}.yaml",
                            h.seq
                        ),
                    )),
                    Some(other) => match other.entries.get(h.seq as usize) {
                        None => Some((
                            "vanished",
                            format!(
                                "it names record {} of {w}, but {w}.yaml has {} verified records",
                                h.seq,
                                other.entries.len()
                            ),
                        )),
                        Some(o) if o.record.hash != h.hash => Some((
                            "changed",
                            format!(
                                "it names record {} of {w} with hash {}, but that record now hashes to {}",
                                h.seq, h.hash, o.record.hash
                            ),
                        )),
                        Some(_) => None,
                    },
                };
                if let Some((kind, detail)) = detail {
                    problems.push(problem(
                        j,
                        Some(r.seq),
                        r.line,
                        &format!("referenced record {kind}"),
                        detail,
                    ));
                }
            }
        }
    }
    if let Err(p) = check_original(dir, &journals[first]) {
        problems.push(p);
    }
    let mut checked = Checked {
        dir: dir.to_path_buf(),
        journals,
        problems,
        order: Vec::new(),
        clocks: Vec::new(),
        first,
    };
    if checked.problems.is_empty() {
        let index = index_owned(&checked.journals);
        merge(&mut checked, &index);
    }
    Ok(checked)
}

fn index_owned(journals: &[Journal]) -> BTreeMap<String, usize> {
    journals
        .iter()
        .enumerate()
        .map(|(i, j)| (j.writer.clone(), i))
        .collect()
}

/// The heads a `seal` record lists (`None` for any other kind), or why they are malformed.
fn seal_heads(payload: &Payload) -> Option<Result<Vec<(String, Head)>, String>> {
    let Payload::Unknown { kind, payload } = payload else {
        return None;
    };
    if kind != "seal" {
        return None;
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SealHead {
        writer: String,
        seq: u64,
        hash: String,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Seal {
        digest: String,
        heads: Vec<SealHead>,
    }
    Some(
        serde_yaml::from_value::<Seal>(payload.clone())
            .map_err(|e| format!("invalid `seal` payload: {e}"))
            .and_then(|s| {
                let heads: Vec<(String, Head)> = s
                    .heads
                    .into_iter()
                    .map(|h| {
                        (
                            h.writer,
                            Head {
                                seq: h.seq,
                                hash: h.hash,
                            },
                        )
                    })
                    .collect();
                if seal_digest(&heads) == s.digest {
                    Ok(heads)
                } else {
                    Err(format!(
                        "the seal's digest {} is not the digest of its heads",
                        s.digest
                    ))
                }
            }),
    )
}

/// The merged order (section 12.8) and the vector clocks; a cycle is a problem.
fn merge(c: &mut Checked, index: &BTreeMap<String, usize>) {
    let k = c.journals.len();
    let mut next = vec![0usize; k];
    let mut clocks: Vec<Vec<Vec<i64>>> = c
        .journals
        .iter()
        .map(|j| Vec::with_capacity(j.entries.len()))
        .collect();
    let total = c.records();
    let mut order = Vec::with_capacity(total);
    loop {
        let mut best: Option<usize> = None;
        for ji in 0..k {
            let Some(e) = c.journals[ji].entries.get(next[ji]) else {
                continue;
            };
            let ready = e
                .seen
                .iter()
                .all(|(w, h)| index.get(w).is_some_and(|&v| next[v] as u64 > h.seq));
            if !ready {
                continue;
            }
            let better = best.is_none_or(|b| {
                let be = &c.journals[b].entries[next[b]];
                (e.record.time, &c.journals[ji].writer) < (be.record.time, &c.journals[b].writer)
            });
            if better {
                best = Some(ji);
            }
        }
        let Some(ji) = best else { break };
        let i = next[ji];
        let e = &c.journals[ji].entries[i];
        let mut clock = match i {
            0 => vec![-1i64; k],
            _ => clocks[ji][i - 1].clone(),
        };
        for (w, h) in &e.seen {
            if let Some(&v) = index.get(w) {
                for (slot, seen) in clock.iter_mut().zip(&clocks[v][h.seq as usize]) {
                    *slot = (*slot).max(*seen);
                }
            }
        }
        clock[ji] = i as i64;
        clocks[ji].push(clock);
        order.push((ji, i));
        next[ji] += 1;
    }
    if order.len() < total {
        let stuck = (0..k)
            .find(|&ji| next[ji] < c.journals[ji].entries.len())
            .unwrap_or(0);
        let j = &c.journals[stuck];
        let e = &j.entries[next[stuck]];
        c.problems.push(problem(
            j,
            Some(e.record.seq),
            e.record.line,
            "malformed",
            "its `seen` references form a cycle: it never comes after the records it names".into(),
        ));
        return;
    }
    c.order = order;
    c.clocks = clocks;
}

/// Checks `format-1.yaml.orig` of an upgraded incident against the first journal (12.9).
fn check_original(dir: &Path, first: &Journal) -> Result<(), Problem> {
    let path = dir.join(ORIGINAL_V1);
    let upgraded = match first.entries.first().map(|e| &e.record.payload) {
        Some(Payload::Opened(o)) => o.upgraded_from.clone(),
        _ => None,
    };
    let bad = |detail: String| Problem {
        journal: ORIGINAL_V1.into(),
        seq: None,
        line: 0,
        kind: "upgrade does not match".into(),
        detail,
    };
    let exists = std::fs::symlink_metadata(&path).is_ok();
    let Some(up) = upgraded else {
        return if exists {
            Err(bad(format!(
                "there is a {ORIGINAL_V1} but the opening record does not say the incident was upgraded"
            )))
        } else {
            Ok(())
        };
    };
    if !exists {
        return Ok(());
    }
    let scan = file::read(&path).map_err(|e| bad(e.to_string()))?;
    scan.require_intact().map_err(|e| bad(e.to_string()))?;
    if scan.records.len() as u64 != up.records || scan.last_hash() != up.last_hash {
        return Err(bad(format!(
            "it has {} records ending in {}, but the opening record says {} records ending in {}",
            scan.records.len(),
            scan.last_hash(),
            up.records,
            up.last_hash
        )));
    }
    for (old, new) in scan.records.iter().zip(&first.entries).skip(1) {
        let n = &new.record;
        if (old.time, &old.operator, &old.payload) != (n.time, &n.operator, &n.payload) {
            return Err(bad(format!(
                "record {} differs from record {} of {}",
                old.seq,
                n.seq,
                first.name()
            )));
        }
    }
    if first.entries.len() < scan.records.len() {
        return Err(bad(format!(
            "{} has fewer records than the original",
            first.name()
        )));
    }
    Ok(())
}

/// The error for an incident that does not verify, naming the first problem.
fn refuse(c: &Checked) -> anyhow::Error {
    let p = &c.problems[0];
    let topic = if p.kind == "torn tail" {
        Topic::TornTail
    } else {
        Topic::ChainBroken
    };
    about(
        topic,
        BreachError::Integrity(format!("{}: {}", c.dir.display(), p.describe())),
    )
}

/// The merged view as a [`Scan`] (records numbered by position) and its state.
fn view(c: &Checked) -> anyhow::Result<(Scan, Incident)> {
    let records = c.merged_records();
    let mut incident =
        incident::fold(&records).map_err(|e| invalid(format!("{}: {e}", c.dir.display())))?;
    incident.conflicts = c.conflicts();
    incident.clock_notes = c.clock_notes();
    let scan = Scan {
        path: c.dir.clone(),
        records,
        unverified: Vec::new(),
        good_len: 0,
        status: ChainStatus::Intact,
    };
    Ok((scan, incident))
}

/// Reads, checks and merges a version 2 incident; fails unless it verifies.
pub fn load(dir: &Path) -> anyhow::Result<(Scan, Incident)> {
    let c = check(dir, None)?;
    if !c.ok() {
        return Err(refuse(&c));
    }
    let (scan, mut incident) = view(&c)?;
    incident.signing = signing(&c, allowed_signers(dir)?.as_ref());
    Ok((scan, incident))
}

/// What to record, beyond the payload.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// The event time (`--at`).
    pub at: Option<DateTime<Utc>>,
}

/// Appends one record to this device's journal. `build` sees the merged state (read while
/// this journal is locked) and returns the payload, which is checked against it. Returns
/// the record (numbered by its position in the merged view) and the state including it.
pub fn append(
    dir: &Path,
    operator: &str,
    now: DateTime<Utc>,
    opts: &WriteOptions,
    build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
) -> anyhow::Result<(Record, Incident)> {
    write(
        dir,
        operator,
        now,
        opts,
        |i| build(i).map(|p| vec![p]),
        true,
    )
}

/// [`append`], overriding the plausibility checks of the time the record sets and
/// recording that ([`action::overriding`]): an answer and the `override` record before it
/// are written together, so they stay next to each other in the merged order (they have one
/// writer and one time, and every record of another journal either comes before both or
/// after both).
pub fn append_overriding(
    dir: &Path,
    operator: &str,
    now: DateTime<Utc>,
    build: impl FnOnce(&Incident) -> anyhow::Result<Payload>,
) -> anyhow::Result<(Record, Incident)> {
    write(
        dir,
        operator,
        now,
        &WriteOptions::default(),
        |incident| action::overriding(incident, build(incident)?, now),
        true,
    )
}

/// Appends a batch of records to this device's journal in one `write` and one fsync, each
/// payload checked against the merged state including the ones before it; if one is
/// refused, nothing is written. Returns the records (numbered in the merged view) and the
/// state including them.
pub fn append_batch(
    dir: &Path,
    operator: &str,
    now: DateTime<Utc>,
    opts: &WriteOptions,
    payloads: Vec<Payload>,
) -> anyhow::Result<(Vec<Record>, Incident)> {
    if payloads.is_empty() {
        return load(dir).map(|(_, incident)| (Vec::new(), incident));
    }
    write_many(dir, operator, now, opts, |_| Ok(payloads), true)
}

/// [`write_many`], returning the last record written (the one the command is about).
fn write(
    dir: &Path,
    operator: &str,
    now: DateTime<Utc>,
    opts: &WriteOptions,
    build: impl FnOnce(&Incident) -> anyhow::Result<Vec<Payload>>,
    validate: bool,
) -> anyhow::Result<(Record, Incident)> {
    let (mut records, incident) = write_many(dir, operator, now, opts, build, validate)?;
    let record = records
        .pop()
        .ok_or_else(|| integrity(format!("{}: nothing was written", dir.display())))?;
    Ok((record, incident))
}

/// The directory of the user's cache the team state caches go in, set once by the command
/// line ([`use_state_cache`]); `None`: no cache, every append reads every journal.
static STATE_CACHE: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

/// Sets the directory the derived state caches of team incidents are kept in
/// (docs/incident-file-format.md, section 12.12), or `None` for none.
pub fn use_state_cache(root: Option<PathBuf>) {
    *STATE_CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = root;
}

/// Where the state cache of the incident `dir` is, when caches are kept.
fn state_cache_for(dir: &Path) -> Option<PathBuf> {
    STATE_CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_deref()
        .map(|root| snapshot::team_path_for(root, dir))
}

/// What an append needs of the journals besides the folded state: every journal's head
/// and the key of every file, from a full read or from the cache.
struct Base {
    heads: Vec<JournalHead>,
    /// The key of every file read (`None` when a journal was not read whole, or a file
    /// changed while it was read: then no cache is written).
    files: Option<Vec<FileKey>>,
    first_writer: String,
    opened_hash: String,
}

impl Base {
    fn total(&self) -> usize {
        self.heads.iter().map(|h| h.records as usize).sum()
    }
}

/// The key of `format-1.yaml.orig`, if the incident has one.
fn original_key(dir: &Path) -> anyhow::Result<Option<FileKey>> {
    match std::fs::symlink_metadata(dir.join(ORIGINAL_V1)) {
        Ok(meta) => Ok(Some(FileKey::of(ORIGINAL_V1, &meta))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::Error::new(e)
            .context(format!("cannot read {}", dir.join(ORIGINAL_V1).display()))),
    }
}

/// Reads, checks and merges every journal (`own`, this device's, under its lock): the
/// state and the base of an append.
fn full_read(dir: &Path, own: &mut OwnJournal) -> anyhow::Result<(Base, Incident)> {
    // Every key is taken before its file is read (the journals' in `team::read_all`): a
    // file that grows after its key was taken no longer matches it.
    let original = original_key(dir)?;
    let mine = own.scan()?;
    let c = check(dir, Some(mine))?;
    if !c.ok() {
        return Err(refuse(&c));
    }
    let (_, incident) = view(&c)?;
    let mut files: Option<Vec<FileKey>> = c.journals.iter().map(|j| j.stamp.clone()).collect();
    if let (Some(files), Some(o)) = (files.as_mut(), original) {
        files.push(o);
        files.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let heads = c
        .journals
        .iter()
        .map(|j| JournalHead {
            writer: j.writer.clone(),
            records: j.entries.len() as u64,
            last_hash: j.entries.last().map(|e| e.record.hash.clone()),
            last_time: j.entries.last().map(|e| e.record.time),
            lines: j.lines,
        })
        .collect();
    let first = &c.journals[c.first];
    let base = Base {
        heads,
        files,
        first_writer: first.writer.clone(),
        opened_hash: first.entries[0].record.hash.clone(),
    };
    Ok((base, incident))
}

/// The state and base from the cache at `path`, when it matches every file of the
/// incident exactly as it is now (section 12.12); `None` otherwise.
fn cached(dir: &Path, path: &Path, own: &OwnJournal) -> Option<(Base, Incident)> {
    let cache = snapshot::load_team(path).ok()?;
    let canonical = std::fs::canonicalize(dir).ok()?;
    if cache.dir != canonical.to_string_lossy() {
        return None;
    }
    // The set of journals, and each one's metadata: a journal that arrived, grew (by sync
    // or another writer on this machine), shrank or was edited makes the cache stale.
    let mut files = Vec::new();
    for writer in team::journal_names(dir).ok()? {
        let name = format!("{writer}.yaml");
        let meta = if writer == own.writer() {
            own.metadata().ok()?
        } else {
            std::fs::symlink_metadata(team::journal_path(dir, &writer)).ok()?
        };
        files.push(FileKey::of(&name, &meta));
    }
    if let Some(o) = original_key(dir).ok()? {
        files.push(o);
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    if files != cache.files {
        return None;
    }
    let opened = team::read_first(&team::journal_path(dir, &cache.first_writer))?;
    if opened.record.hash != cache.opened_hash || opened.writer != cache.first_writer {
        return None;
    }
    let incident = cache::from_cache(&opened.record, &cache.state)?;
    let base = Base {
        heads: cache.heads,
        files: Some(cache.files),
        first_writer: cache.first_writer,
        opened_hash: cache.opened_hash,
    };
    Some((base, incident))
}

/// Writes the payloads `build` returns to this device's journal, in one call and one fsync;
/// with `validate`, each is first checked against the state including the ones before it
/// ([`action::validate`] and the plausibility checks of the time it sets,
/// [`action::check_plausible`], as in a format 1 incident). The state comes from the
/// derived state cache when it matches every file of the incident (section 12.12), else
/// from reading and checking every journal; either way the cache is written again
/// afterwards.
fn write_many(
    dir: &Path,
    operator: &str,
    now: DateTime<Utc>,
    opts: &WriteOptions,
    build: impl FnOnce(&Incident) -> anyhow::Result<Vec<Payload>>,
    validate: bool,
) -> anyhow::Result<(Vec<Record>, Incident)> {
    write_many_cached(
        dir,
        state_cache_for(dir).as_deref(),
        operator,
        now,
        opts,
        build,
        validate,
    )
}

/// [`write_many`] with the state cache at `cache` (`None`: none).
fn write_many_cached(
    dir: &Path,
    cache: Option<&Path>,
    operator: &str,
    now: DateTime<Utc>,
    opts: &WriteOptions,
    build: impl FnOnce(&Incident) -> anyhow::Result<Vec<Payload>>,
    validate: bool,
) -> anyhow::Result<(Vec<Record>, Incident)> {
    let writer = team::writer_id(operator)?;
    let mut own = OwnJournal::open(dir, &writer)?;
    let (base, mut incident) = match cache.and_then(|p| cached(dir, p, &own)) {
        Some(fast) => fast,
        None => full_read(dir, &mut own)?,
    };
    let payloads = build(&incident)?;
    if let Some(at) = opts.at.filter(|at| *at > now) {
        return Err(invalid(format!(
            "the event time {} is later than now ({})",
            crate::types::format_utc(at),
            crate::types::format_utc(now)
        )));
    }
    let mine = base.heads.iter().find(|h| h.writer == writer);
    if let Some(last) = mine.and_then(|h| h.last_time)
        && (last - now).num_seconds() > CLOCK_SKEW_SECONDS
    {
        return Err(invalid(format!(
            "{}: this machine's clock says {}, but this device's last record was written at {}: the clock went back; set the clock right and record again (nothing was recorded)",
            dir.join(format!("{writer}.yaml")).display(),
            crate::types::format_utc(now),
            crate::types::format_utc(last)
        )));
    }
    // The new records name the head of every other journal: each has every record of the
    // incident in its causal past, so in the merged order (section 12.8) it comes after all
    // of them and the state including it is the state before it with it applied, whatever
    // the times and writer ids. This is what lets the cache fold it last.
    let seen: BTreeMap<String, Head> = base
        .heads
        .iter()
        .filter(|h| h.writer != writer)
        .filter_map(|h| {
            Some((
                h.writer.clone(),
                Head {
                    seq: h.records.checked_sub(1)?,
                    hash: h.last_hash.clone()?,
                },
            ))
        })
        .collect();
    let first_seq = mine.map_or(0, |h| h.records);
    let mut prev = mine
        .and_then(|h| h.last_hash.clone())
        .unwrap_or_else(|| GENESIS.to_string());
    let mut line = mine.map_or(0, |h| h.lines) + 1;
    let total = base.total();
    let mut text = String::new();
    let mut records = Vec::with_capacity(payloads.len());
    let mut last_time = None;
    for (seq, payload) in (first_seq..).zip(payloads) {
        if validate {
            action::validate(&incident, &payload)?;
            action::check_plausible(&incident, &payload, now)?;
        }
        let mut entry = Entry {
            record: Record {
                seq,
                time: now,
                operator: operator.to_string(),
                prev: prev.clone(),
                hash: String::new(),
                payload,
                at: opts.at,
                line,
            },
            writer: writer.clone(),
            seen: seen.clone(),
            fixed_clock: crate::clock::is_fixed(),
            sig: None,
        };
        // Every record is signed before any is written: a key that cannot sign leaves
        // nothing half-written.
        sign(&mut entry)?;
        let (encoded, hash) = team::encode(&entry)?;
        text.push_str(&encoded);
        line += encoded.bytes().filter(|&b| b == b'\n').count();
        prev.clone_from(&hash);
        entry.record.hash = hash;
        last_time = Some(entry.record.time);
        let mut record = entry.record;
        record.seq = (total + records.len()) as u64;
        incident.apply(&record);
        records.push(record);
    }
    own.write(text.as_bytes())?;
    if let Some(path) = cache {
        store_cache(
            path,
            dir,
            &own,
            base,
            records.len() as u64,
            (prev, last_time, line - 1),
            &incident,
        );
    }
    Ok((records, incident))
}

/// Writes the state cache for the incident as it is after this device's journal got
/// `added` records, the last with `hash` and `time`, the journal now `lines` long. The
/// cache is derived data: when it cannot be written, the next append reads in full.
fn store_cache(
    path: &Path,
    dir: &Path,
    own: &OwnJournal,
    mut base: Base,
    added: u64,
    (hash, time, lines): (String, Option<DateTime<Utc>>, usize),
    incident: &Incident,
) {
    let (Some(mut files), Some(i)) = (
        base.files.take(),
        base.heads.iter().position(|h| h.writer == own.writer()),
    ) else {
        return;
    };
    let Ok(meta) = own.metadata() else { return };
    let head = &mut base.heads[i];
    head.records += added;
    head.last_hash = Some(hash.clone());
    head.last_time = time.or(head.last_time);
    head.lines = lines;
    let key = Key::of(&meta, head.records.saturating_sub(1), &hash, lines);
    let name = format!("{}.yaml", own.writer());
    files.retain(|f| f.name != name);
    files.push(FileKey::of(&name, &meta));
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let Ok(canonical) = std::fs::canonicalize(dir) else {
        return;
    };
    let state = TeamState {
        dir: canonical.to_string_lossy().into_owned(),
        files,
        heads: base.heads,
        first_writer: base.first_writer,
        opened_hash: base.opened_hash,
        state: cache::to_cache(incident, key),
    };
    let _ = snapshot::store_team(path, &state);
}

/// Creates a version 2 incident whose first journal is this device's, holding `opened`.
pub fn open_incident(
    parent: &Path,
    mut opened: Opened,
    operator: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<(PathBuf, Incident)> {
    opened.format = TEAM_FORMAT_VERSION;
    let writer = team::writer_id(operator)?;
    let base = opened.id.clone();
    let (dir, entry) = team::create(parent, &base, |id| {
        let mut opened = opened.clone();
        opened.id = id.to_string();
        let mut entry = Entry {
            record: Record {
                seq: 0,
                time: now,
                operator: operator.to_string(),
                prev: GENESIS.into(),
                hash: String::new(),
                payload: Payload::Opened(Box::new(opened)),
                at: None,
                line: 1,
            },
            writer: writer.clone(),
            seen: BTreeMap::new(),
            fixed_clock: crate::clock::is_fixed(),
            sig: None,
        };
        sign(&mut entry)?;
        Ok(entry)
    })?;
    let incident = incident::fold(std::slice::from_ref(&entry.record))
        .map_err(|e| invalid(format!("{}: {e}", dir.display())))?;
    Ok((dir, incident))
}

/// Converts a version 1 incident file (which must verify) into a version 2 directory next
/// to it (section 12.9). Returns the new directory.
pub fn upgrade(path: &Path, operator: &str) -> anyhow::Result<PathBuf> {
    let scan = file::read(path)?;
    scan.require_intact()?;
    let Some(Payload::Opened(opened)) = scan.records.first().map(|r| &r.payload) else {
        return Err(integrity(format!(
            "{}: the first record is not `opened`",
            path.display()
        )));
    };
    if opened.format != FORMAT_VERSION {
        return Err(invalid(format!(
            "{}: format version {} cannot be upgraded; only version {FORMAT_VERSION} files can",
            path.display(),
            opened.format
        )));
    }
    let writer = team::writer_id(operator)?;
    let mut text = String::new();
    let mut prev = GENESIS.to_string();
    for (i, old) in scan.records.iter().enumerate() {
        let payload = match &old.payload {
            Payload::Opened(o) if i == 0 => {
                let mut o = o.clone();
                o.format = TEAM_FORMAT_VERSION;
                o.upgraded_from = Some(UpgradedFrom {
                    format: FORMAT_VERSION,
                    records: scan.records.len() as u64,
                    last_hash: scan.last_hash().to_string(),
                });
                Payload::Opened(o)
            }
            p => p.clone(),
        };
        let entry = Entry {
            record: Record {
                seq: i as u64,
                time: old.time,
                operator: old.operator.clone(),
                prev: prev.clone(),
                hash: String::new(),
                payload,
                at: None,
                line: 0,
            },
            writer: writer.clone(),
            seen: BTreeMap::new(),
            fixed_clock: false,
            // The upgrading device did not write these records: they are not signed.
            sig: None,
        };
        let (t, h) = team::encode(&entry)?;
        text.push_str(&t);
        prev = h;
    }
    team::install_upgrade(path, &opened.id, &writer, text.as_bytes())
}

/// Records a seal of every journal's head in this device's journal; returns the record and
/// the digest. The heads are those read before this journal is locked: if another writer
/// on this machine gets in between, the seal fixes the heads just before it, which is still
/// a true seal.
pub fn seal(dir: &Path, operator: &str, now: DateTime<Utc>) -> anyhow::Result<(Record, String)> {
    let c = check(dir, None)?;
    if !c.ok() {
        return Err(refuse(&c));
    }
    let heads = c.heads();
    let digest = seal_digest(&heads);
    // A seal is checked by nothing but the journals, and may seal a closed incident.
    let (record, _) = write(
        dir,
        operator,
        now,
        &WriteOptions::default(),
        |_| Ok(vec![seal_payload(&heads, &digest)]),
        false,
    )?;
    Ok((record, digest))
}

fn seal_payload(heads: &[(String, Head)], digest: &str) -> Payload {
    let heads: Vec<serde_yaml::Value> = heads
        .iter()
        .map(|(w, h)| {
            let mut m = serde_yaml::Mapping::new();
            m.insert("writer".into(), w.as_str().into());
            m.insert("seq".into(), h.seq.into());
            m.insert("hash".into(), h.hash.as_str().into());
            serde_yaml::Value::Mapping(m)
        })
        .collect();
    let mut m = serde_yaml::Mapping::new();
    m.insert("digest".into(), digest.into());
    m.insert("heads".into(), serde_yaml::Value::Sequence(heads));
    Payload::Unknown {
        kind: "seal".into(),
        payload: serde_yaml::Value::Mapping(m),
    }
}

/// Whether a seal with this digest is in the incident and still holds: a `seal` record
/// with that digest exists and every head it names is unchanged (the check of every
/// reference has already run in [`check`]).
pub fn sealed(c: &Checked, digest: &str) -> bool {
    c.journals.iter().flat_map(|j| &j.entries).any(|e| {
        seal_heads(&e.record.payload)
            .and_then(Result::ok)
            .is_some_and(|heads| seal_digest(&heads) == digest)
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod cache_tests;
