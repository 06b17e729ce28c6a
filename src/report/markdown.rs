//! The report as GitHub-flavoured Markdown. Every piece of incident text goes through
//! [`text`], so a note cannot break a table, start a heading or inject HTML.

use std::fmt::Write as _;

use super::model::{DeadlineRow, Fact, Report, StepReport, fmt_duration as dur, fmt_time as time};
use crate::incident::deadlines::Outcome;

/// Escapes incident text for Markdown: the characters that carry meaning inline are
/// backslash-escaped (so `|` cannot split a table cell and `<script>` shows as text), line
/// breaks become `<br>` (so a multi-line note stays in its cell or list item), and a leading
/// `#`, `-`, `+`, `=` or `1.` cannot start a block.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        for c in line.chars() {
            match c {
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '$' => {
                    out.push('\\');
                    out.push(c);
                }
                '\t' => out.push(' '),
                c if c.is_control() => {}
                c => out.push(c),
            }
        }
    }
    // A block marker at the very start (the only line start left after `<br>` joining).
    let first = out.trim_start_matches(' ');
    let lead = out.len() - first.len();
    let digits = first.chars().take_while(char::is_ascii_digit).count();
    let needs = first.starts_with(['#', '-', '+', '='])
        || (digits > 0 && first[digits..].starts_with(['.', ')']));
    if lead > 0 || needs {
        let pos = if needs && digits > 0 { digits } else { 0 };
        let (head, tail) = first.split_at(pos);
        let escaped = if needs {
            format!("{head}\\{tail}")
        } else {
            first.to_string()
        };
        out = format!("{}{escaped}", "&nbsp;".repeat(lead));
    }
    out
}

fn or_not_yet(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(|| "not yet".to_string(), time)
}

fn fact_or(f: Option<&Fact>, missing: &str) -> String {
    f.map_or_else(|| format!("_{missing}_"), |f| text(&f.display))
}

fn fact_multi(f: Option<&Fact>, missing: &str) -> String {
    match f {
        Some(f) if !f.labels.is_empty() => f
            .labels
            .iter()
            .map(|l| text(l))
            .collect::<Vec<_>>()
            .join("; "),
        other => fact_or(other, missing),
    }
}

fn row(out: &mut String, cells: &[&str]) {
    out.push('|');
    for c in cells {
        out.push(' ');
        out.push_str(if c.is_empty() { " " } else { c });
        out.push_str(" |");
    }
    out.push('\n');
}

fn header(out: &mut String, cells: &[&str]) {
    row(out, cells);
    out.push('|');
    for _ in cells {
        out.push_str("---|");
    }
    out.push('\n');
}

/// The outcome column of a deadline: the shared outcome sentence, marked **Missed** when met
/// late or overdue and `Waiting` while its clock has not started.
pub fn deadline_outcome(d: &DeadlineRow) -> String {
    let sentence = text(&d.outcome.sentence(time));
    if d.outcome.is_missed() {
        format!("**Missed**: {sentence}")
    } else if let Outcome::Waiting { .. } = d.outcome {
        format!("Waiting: {sentence}")
    } else {
        capitalized(&sentence)
    }
}

/// The text with its first letter in upper case.
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

const METRICS_INTRO: &str = "\n## 4. Key metrics\n\nEach measured from detection, except the time to detect (from the start of the unauthorised access to detection). The source says which answer or record each time comes from, or what is missing. The rows named after a regulatory deadline \
(section 5) measure the time to report to that authority or those people: until the deadline was met.\n\n";

/// Renders the report: the title and banners, then each section in order.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    title(&mut o, r);
    summary(&mut o, r);
    impact(&mut o, r);
    detection(&mut o, r);
    metrics(&mut o, r);
    deadlines(&mut o, r);
    attack_and_response(&mut o, r);
    findings(&mut o, r);
    resolution(&mut o, r);
    notifications(&mut o, r);
    evidence(&mut o, r);
    review(&mut o, r);
    action_items(&mut o, r);
    general_notes(&mut o, r);
    steps(&mut o, r);
    timeline(&mut o, r);
    integrity(&mut o, r);
    o
}

/// The title, the integrity and draft banners, and where the report comes from.
fn title(o: &mut String, r: &Report) {
    let s = &r.summary;
    let _ = writeln!(o, "# Post-mortem report: {}\n", text(&s.title));
    if let Some(problem) = &r.integrity.problem {
        let _ = writeln!(
            o,
            "**INTEGRITY FAILURE: the incident file {} does not verify. {}.**\n",
            text(&r.integrity.file),
            text(problem)
        );
    }
    if r.draft {
        let _ = writeln!(
            o,
            "**DRAFT**: the incident is still open; this report shows the record as of {}.\n",
            time(r.generated_at)
        );
    }
    let _ = writeln!(
        o,
        "Generated {} by breach from the incident file {}.\n",
        time(r.generated_at),
        text(&r.integrity.file)
    );
}

/// Section 1: the summary table.
fn summary(o: &mut String, r: &Report) {
    let s = &r.summary;
    o.push_str("## 1. Summary\n\n");
    header(o, &["", ""]);
    let state = if r.draft {
        "Open (**DRAFT**)".to_string()
    } else {
        "Closed".to_string()
    };
    let duration = format!(
        "{} ({})",
        dur(s.duration),
        if s.duration_ongoing {
            "detection to now; still open"
        } else {
            "detection to closing"
        }
    );
    let rows: Vec<(&str, String)> = vec![
        ("Title", text(&s.title)),
        ("Incident", format!("`{}`", s.id)),
        ("Severity", s.severity.clone()),
        ("State", state),
        (
            "Runbook",
            format!(
                "{} (`{}`, {})",
                text(&s.runbook_title),
                s.runbook_id,
                text(&s.runbook_source)
            ),
        ),
        ("Runbook SHA-256", format!("`{}`", s.runbook_sha256)),
        (
            "Operators",
            s.operators
                .iter()
                .map(|x| text(x))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("Detected", time(s.detected_at)),
        ("Aware of personal data", time(s.aware_at)),
        ("Breach determined", determined(r)),
        ("Opened in breach", time(s.opened_at)),
        ("Contained", contained(r)),
        ("Closed", or_not_yet(s.closed_at)),
        ("Total duration", duration),
        (
            "Steps",
            format!(
                "{} of {} applicable steps done or skipped",
                s.steps_closed, s.steps_applicable
            ),
        ),
    ];
    for (k, v) in &rows {
        row(o, &[&format!("**{k}**"), v]);
    }
    if !r.corrections.is_empty() {
        o.push_str("\n### Corrections\n\nFacts corrected after they were recorded (`breach amend`); the report uses the new values.\n\n");
        header(o, &["Fact", "Was", "Now", "By", "At", "Reason"]);
        for c in &r.corrections {
            let mut reason = text(&c.reason);
            if !c.overrode.is_empty() {
                reason.push_str(&format!(" (overriding: {})", text(&c.overrode.join("; "))));
            }
            row(
                o,
                &[
                    &text(&c.label),
                    &c.old
                        .as_deref()
                        .map(text)
                        .unwrap_or_else(|| "(none)".into()),
                    &text(&c.new),
                    &text(&c.by),
                    &time(c.at),
                    &reason,
                ],
            );
        }
    }
}

/// When the breach was determined, and from which answer when not from the intake.
fn determined(r: &Report) -> String {
    match (r.summary.determined_at, &r.summary.determined_from) {
        (Some(t), Some(q)) => format!("{} (answer `{q}`)", time(t)),
        (Some(t), None) => time(t),
        (None, _) => "not recorded".into(),
    }
}

/// The containment time (the time-to-contain metric's), or what is missing for it.
fn contained(r: &Report) -> String {
    let m = r.metrics.iter().find(|m| m.id == "contain");
    match (r.summary.contained_at, m.and_then(|m| m.missing.as_deref())) {
        (Some(t), _) => time(t),
        (None, Some(why)) => format!("not recorded ({})", text(why)),
        (None, None) => "not recorded".into(),
    }
}

/// Section 2: what was affected.
fn impact(o: &mut String, r: &Report) {
    o.push_str("\n## 2. Impact\n\n");
    header(o, &["", ""]);
    let i = &r.impact;
    let nr = "not recorded";
    row(
        o,
        &["**Breach type**", &fact_or(i.breach_type.as_ref(), nr)],
    );
    row(
        o,
        &[
            "**Data categories**",
            &fact_multi(i.data_types.as_ref(), nr),
        ],
    );
    row(
        o,
        &[
            "**Affected customers**",
            &fact_or(i.affected_customers.as_ref(), nr),
        ],
    );
    row(
        o,
        &[
            "**Jurisdictions**",
            &fact_multi(i.jurisdictions.as_ref(), nr),
        ],
    );
}

/// Section 3: the key metrics.
fn metrics(o: &mut String, r: &Report) {
    o.push_str(METRICS_INTRO);
    header(o, &["Metric", "Time", "At", "Source"]);
    for m in &r.metrics {
        let source = match (&m.source_text, &m.missing) {
            (Some(s), _) => text(s),
            (None, Some(why)) => format!("_not recorded: {}_", text(why)),
            (None, None) => String::new(),
        };
        row(
            o,
            &[
                &text(&m.label),
                &m.duration.map_or_else(|| "not known".into(), dur),
                &m.at.map_or_else(String::new, time),
                &source,
            ],
        );
    }
}

/// Section 4: the regulatory deadlines.
fn deadlines(o: &mut String, r: &Report) {
    o.push_str("\n## 5. Regulatory deadlines\n\n");
    let d = &r.deadlines;
    if d.rows.is_empty() {
        let _ = writeln!(
            o,
            "No deadline of the runbook applies to this incident ({} checked).",
            d.not_applicable
        );
    } else {
        header(o, &["Deadline", "Authority", "Due", "Outcome", "Citation"]);
        for x in &d.rows {
            let due = match (x.due_at, &x.within) {
                (Some(due), Some(w)) => {
                    format!("{} ({} from {})", time(due), text(w), text(&x.anchor_text))
                }
                (None, _) if x.asap => "without undue delay".to_string(),
                (None, Some(w)) => format!("{} from {}", text(w), text(&x.anchor_text)),
                (Some(due), None) => time(due),
                (None, None) => String::new(),
            };
            let citation = if x.verified {
                text(&x.citation)
            } else {
                format!("{} (default to verify)", text(&x.citation))
            };
            row(
                o,
                &[
                    &text(&x.title),
                    &text(&x.authority),
                    &due,
                    &deadline_outcome(x),
                    &citation,
                ],
            );
        }
        if d.not_applicable > 0 {
            let _ = writeln!(
                o,
                "\n{} further deadline(s) of the runbook do not apply to this incident.",
                d.not_applicable
            );
        }
    }
}

/// Section 5: the investigation findings.
fn findings(o: &mut String, r: &Report) {
    let nr = "not recorded";
    o.push_str("\n## 7. Root cause and contributing factors\n\n");
    header(o, &["", ""]);
    let f = &r.findings;
    row(o, &["**Root cause**", &fact_or(f.root_cause.as_ref(), nr)]);
    row(
        o,
        &[
            "**Contributing factors**",
            &fact_or(f.contributing_factors.as_ref(), nr),
        ],
    );
    row(
        o,
        &["**Entry point**", &fact_or(f.entry_point.as_ref(), nr)],
    );
    row(
        o,
        &[
            "**Vulnerabilities exploited**",
            &fact_or(f.vulnerabilities.as_ref(), nr),
        ],
    );
    row(
        o,
        &[
            "**Unauthorised access began**",
            &fact_or(f.access_started.as_ref(), nr),
        ],
    );
    row(
        o,
        &[
            "**Unauthorised access ended**",
            &fact_or(f.access_ended.as_ref(), nr),
        ],
    );
    row(
        o,
        &[
            "**Duration of unauthorised access**",
            &f.access_duration.map_or_else(|| format!("_{nr}_"), dur),
        ],
    );
}

/// Section 6: every step.
fn steps(o: &mut String, r: &Report) {
    o.push_str("\n## 14. Step by step\n");
    for st in &r.steps {
        step(o, st);
    }
}

/// Section 7: every record in plain language.
fn timeline(o: &mut String, r: &Report) {
    o.push_str(
        "\n## 15. Timeline of every record\n\nEvery record of the incident file, in order.\n\n",
    );
    header(o, &["#", "Time (UTC)", "Operator", "What happened"]);
    for e in &r.timeline {
        let what = if e.verified {
            text(&e.text)
        } else {
            format!("**UNVERIFIED** {}", text(&e.text))
        };
        row(
            o,
            &[
                &e.seq.to_string(),
                &e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                &text(&e.operator),
                &what,
            ],
        );
    }
}

/// Section 8: lessons learned and action items.
fn review(o: &mut String, r: &Report) {
    o.push_str("\n## 11. What went well and what went badly\n\n");
    let rv = &r.review;
    for (heading, f) in [
        ("What went well", &rv.went_well),
        ("What went badly", &rv.went_badly),
    ] {
        let _ = writeln!(o, "### {heading}\n");
        match f {
            Some(f) => {
                let _ = writeln!(
                    o,
                    "{}\n\n_Recorded by {} at {}._\n",
                    text(&f.display),
                    text(&f.by),
                    time(f.at)
                );
            }
            None => o.push_str("_Not recorded._\n\n"),
        }
    }
    o.push_str("### Lessons learned\n\n");
    match &rv.lessons_learned {
        Some(l) => {
            let _ = writeln!(
                o,
                "{}\n\n_Recorded by {} at {}._",
                text(&l.display),
                text(&l.by),
                time(l.at)
            );
        }
        None => o.push_str("_Not recorded._\n"),
    }
    if !rv.notes.is_empty() {
        o.push_str("\n### Review notes\n\n");
        for n in &rv.notes {
            let _ = writeln!(o, "- {} ({}, {})", text(&n.text), text(&n.by), time(n.at));
        }
    }
}

/// Section 10: the evidence register, the chain of custody and what checking it found.
fn evidence(o: &mut String, r: &Report) {
    o.push_str("\n## 10. Evidence and custody\n\n");
    if r.evidence.is_empty() {
        o.push_str("_No evidence registered._\n");
        return;
    }
    let _ = writeln!(
        o,
        "Each file was hashed again when this report was made ({}).\n",
        time(r.generated_at)
    );
    header(
        o,
        &["File", "SHA-256", "Size (bytes)", "At export", "Custody"],
    );
    for e in &r.evidence {
        let mut file = text(&e.path);
        if let Some(n) = &e.note {
            let _ = write!(file, "<br>{}", text(n));
        }
        let mut custody = format!(
            "registered by {}, {} (record {})",
            text(&e.collected_by),
            time(e.collected_at),
            e.seq
        );
        if let Some(c) = &e.copy {
            let _ = write!(custody, "<br>copied to {}", text(c));
        }
        row(
            o,
            &[
                &file,
                &format!("`{}`", e.sha256),
                &e.size.to_string(),
                &at_export(e),
                &custody,
            ],
        );
    }
}

/// What re-hashing an evidence file found: `verified`, **changed**, **missing**.
pub fn at_export(e: &super::model::EvidenceRow) -> String {
    let one = |c: &super::model::FileCheck| {
        let word = match c.state.as_str() {
            "unchanged" => "verified".to_string(),
            other => format!("**{other}**"),
        };
        match (&c.sha256_now, &c.detail) {
            (Some(h), _) => format!("{word} (SHA-256 now `{h}`)"),
            (None, Some(d)) => format!("{word} ({})", text(d)),
            (None, None) => word,
        }
    };
    match &e.at_export {
        None => "not checked".into(),
        Some(x) => match &x.copy {
            Some(c) => format!("{}<br>copy: {}", one(&x.original), one(c)),
            None => one(&x.original),
        },
    }
}

/// Section 3: how, when and by whom the breach was found.
fn detection(o: &mut String, r: &Report) {
    let d = &r.detection;
    let nr = "not recorded";
    o.push_str("\n## 3. Detection\n\n");
    header(o, &["", ""]);
    row(
        o,
        &["**How it was found**", &fact_or(d.method.as_ref(), nr)],
    );
    row(o, &["**Found by**", &fact_or(d.detected_by.as_ref(), nr)]);
    row(o, &["**Detected**", &time(d.detected_at)]);
    row(o, &["**Aware of personal data**", &time(d.aware_at)]);
}

/// Section 6: the attack beside the response.
fn attack_and_response(o: &mut String, r: &Report) {
    o.push_str("\n## 6. Attack and response timelines\n\n### The attack\n\n");
    if r.attack.is_empty() {
        o.push_str("_Not recorded._\n");
    } else {
        header(o, &["When (UTC)", "What", "Source"]);
        for m in &r.attack {
            row(
                o,
                &[
                    &m.at.map(time).unwrap_or_default(),
                    &text(&m.what),
                    &text(&m.source),
                ],
            );
        }
    }
    o.push_str("\n### The response\n\n");
    header(o, &["When (UTC)", "What", "Source"]);
    for m in &r.response {
        row(
            o,
            &[
                &m.at.map(time).unwrap_or_default(),
                &text(&m.what),
                &text(&m.source),
            ],
        );
    }
}

/// Section 8: what was fixed and how the store recovered.
fn resolution(o: &mut String, r: &Report) {
    let x = &r.resolution;
    let nr = "not recorded";
    o.push_str("\n## 8. Resolution and recovery\n\n");
    header(o, &["", ""]);
    row(
        o,
        &["**What was changed**", &fact_or(x.remediation.as_ref(), nr)],
    );
    row(
        o,
        &[
            "**Monitoring until**",
            &fact_or(x.monitoring_until.as_ref(), nr),
        ],
    );
    row(
        o,
        &[
            "**Further suspicious activity**",
            &fact_or(x.new_activity.as_ref(), nr),
        ],
    );
    row(
        o,
        &[
            "**Measures offered to customers**",
            &fact_or(x.trust_measures.as_ref(), nr),
        ],
    );
    if !x.items.is_empty() {
        o.push('\n');
        for it in &x.items {
            let state = if it.checked {
                "done"
            } else if !it.applies {
                "not applicable"
            } else if it.met_by_alternative.is_some() {
                "met by its alternative"
            } else if !it.required {
                "not checked (optional)"
            } else {
                "**not done**"
            };
            let _ = writeln!(
                o,
                "- [{}] {}: {state}",
                if it.checked { "x" } else { " " },
                text(&it.text)
            );
        }
    }
}

/// Section 9: who was told, when, against which clock.
fn notifications(o: &mut String, r: &Report) {
    o.push_str("\n## 9. Notifications\n\n");
    if r.notices.is_empty() {
        o.push_str(
            "_No notices recorded as sent._ Deadlines met by a checked item are in section 5.\n",
        );
        return;
    }
    header(
        o,
        &[
            "Told",
            "To",
            "Sent at",
            "Against which clock",
            "Recorded by",
        ],
    );
    for n in &r.notices {
        let clocks = if n.clocks.is_empty() {
            "none of the deadlines".to_string()
        } else {
            n.clocks
                .iter()
                .map(|c| format!("{}: {}", text(&c.title), text(&c.outcome)))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        row(
            o,
            &[
                &text(&n.audience),
                &n.to.as_deref().map(text).unwrap_or_default(),
                &time(n.sent_at),
                &clocks,
                &format!("{}, {}", text(&n.recorded_by), time(n.recorded_at)),
            ],
        );
    }
}

/// Section 12: the action items recorded, and follow-ups agreed in the review but not tracked.
fn action_items(o: &mut String, r: &Report) {
    o.push_str("\n## 12. Action items\n\n");
    if r.action_items.is_empty() {
        o.push_str("_No action items recorded_ (`breach action add`).\n");
    } else {
        header(o, &["Id", "Action", "Owner", "Due", "State"]);
        for a in &r.action_items {
            let state = match (a.state, &a.done_by, a.done_at) {
                ("done", Some(by), Some(at)) => format!("done ({}, {})", text(by), time(at)),
                ("overdue", _, _) => "**overdue**".to_string(),
                (s, _, _) => s.to_string(),
            };
            let added = if a.after_close {
                " (added after closing)"
            } else {
                ""
            };
            row(
                o,
                &[
                    &a.id,
                    &format!("{}{added}", text(&a.text)),
                    &text(&a.owner),
                    &a.due,
                    &state,
                ],
            );
        }
    }
    let rv = &r.review;
    if !rv.untracked.is_empty() {
        o.push_str("\nAgreed in the review but not recorded as action items (no owner or due day yet):\n\n");
        for l in &rv.untracked {
            let _ = writeln!(o, "- {}", text(l));
        }
    }
}

/// Section 13: the notes attached to no step.
fn general_notes(o: &mut String, r: &Report) {
    o.push_str("\n## 13. Notes\n\n");
    if r.notes.is_empty() {
        o.push_str("_No general notes._\n");
    }
    for n in &r.notes {
        let _ = writeln!(o, "- {} ({}, {})", text(&n.text), text(&n.by), time(n.at));
    }
}

/// Section 10: the hash chain.
fn integrity(o: &mut String, r: &Report) {
    o.push_str("\n## 16. Integrity\n\n");
    header(o, &["", ""]);
    let ig = &r.integrity;
    row(o, &["**Incident file**", &text(&ig.file)]);
    let records = if ig.unverified_records > 0 {
        format!(
            "{} verified; {} more after the break, read but not verified",
            ig.verified_records, ig.unverified_records
        )
    } else {
        ig.verified_records.to_string()
    };
    row(o, &["**Records**", &records]);
    let chain = match &ig.problem {
        None => "verifies: every record matches its hash and links to the one before".to_string(),
        Some(p) => format!("**does not verify**: {}", text(p)),
    };
    row(o, &["**Hash chain**", &chain]);
    row(
        o,
        &["**Last verified hash**", &format!("`{}`", ig.last_hash)],
    );
    if !r.fold_warnings.is_empty() {
        o.push_str("\nRecords that did not fit the runbook (kept, otherwise ignored):\n\n");
        for w in &r.fold_warnings {
            let _ = writeln!(o, "- {}", text(w));
        }
    }
    team_integrity(o, r);
}

/// Section 10 for a team incident: open conflicts, clock notes, seals.
fn team_integrity(o: &mut String, r: &Report) {
    if !r.conflicts.is_empty() {
        o.push_str("\n**Open conflicts** (decisions taken at the same time on different devices, not yet decided again by someone who saw both):\n\n");
        for c in &r.conflicts {
            let _ = writeln!(o, "- {}", text(&c.describe()));
        }
    }
    if !r.clock_notes.is_empty() {
        o.push_str("\nHow the records were timed:\n\n");
        for n in &r.clock_notes {
            let _ = writeln!(o, "- {}", text(n));
        }
    }
    if !r.signatures.is_empty() {
        o.push_str("\nSignatures, per journal (SSH signatures of each record):\n\n");
        for s in &r.signatures {
            let _ = writeln!(o, "- {}: {}", text(&s.writer), text(&s.describe()));
        }
    }
    if !r.seals.is_empty() {
        o.push_str(
            "\nSeals (`breach verify --sealed DIGEST` proves nothing before one changed):\n\n",
        );
        for s in &r.seals {
            let _ = writeln!(
                o,
                "- `{}`: record #{} by {} at {}",
                s.digest,
                s.record,
                text(&s.operator),
                crate::types::format_utc(s.at)
            );
        }
    }
}

fn step(o: &mut String, st: &StepReport) {
    let _ = writeln!(
        o,
        "\n### {}. {} (`{}`): {}\n",
        st.number,
        text(&st.title),
        st.id,
        st.state.label()
    );
    header(o, &["", ""]);
    row(o, &["**Owner**", &text(&st.owner)]);
    if !st.who.is_empty() {
        row(
            o,
            &[
                "**Who**",
                &st.who
                    .iter()
                    .map(|w| text(w))
                    .collect::<Vec<_>>()
                    .join(", "),
            ],
        );
    }
    row(o, &["**Started**", &or_not_yet(st.started_at)]);
    let finished = match (st.finished_at, &st.finished_by) {
        (Some(t), Some(by)) => format!("{} by {}", time(t), text(by)),
        (Some(t), None) => time(t),
        _ => "not yet".into(),
    };
    row(o, &["**Finished**", &finished]);
    if let Some(d) = st.duration {
        row(o, &["**Duration**", &dur(d)]);
    }
    if let Some(reason) = &st.skip_reason {
        row(o, &["**Skipped because**", &text(reason)]);
    }
    if !st.open_required_items.is_empty() {
        row(
            o,
            &[
                "**Done with required items open**",
                &st.open_required_items
                    .iter()
                    .map(|i| text(&i.text))
                    .collect::<Vec<_>>()
                    .join("; "),
            ],
        );
    }
    if !st.items.is_empty() {
        o.push_str("\nChecklist:\n\n");
        for it in &st.items {
            let tail = match (it.checked, &it.by, it.at) {
                (true, Some(by), Some(at)) => format!(": {}, {}", text(by), time(at)),
                (true, _, _) => String::new(),
                (false, _, _) if !it.applies => ": not applicable".into(),
                (false, _, _) if it.met_by_alternative.is_some() => format!(
                    ": met by its alternative, “{}”",
                    text(
                        it.met_by_alternative
                            .as_ref()
                            .map_or("", |a| a.text.as_str())
                    )
                ),
                (false, _, _) if !it.required => ": not checked".into(),
                (false, Some(by), Some(at)) => {
                    format!(": **not done** (unchecked by {}, {})", text(by), time(at))
                }
                (false, _, _) => ": **not done**".into(),
            };
            let _ = writeln!(
                o,
                "- [{}] {}{}{}",
                if it.checked { "x" } else { " " },
                text(&it.text),
                if it.required { "" } else { " (optional)" },
                tail
            );
        }
    }
    if !st.answers.is_empty() {
        o.push_str("\nAnswers:\n\n");
        header(o, &["Question", "Answer", "By", "At"]);
        for a in &st.answers {
            row(
                o,
                &[
                    &text(&a.prompt),
                    &text(&a.display),
                    &text(&a.by),
                    &time(a.at),
                ],
            );
        }
    }
    if !st.notes.is_empty() {
        o.push_str("\nNotes:\n\n");
        for n in &st.notes {
            let _ = writeln!(o, "- {} ({}, {})", text(&n.text), text(&n.by), time(n.at));
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::{deadline_outcome, text};
    use crate::incident::deadlines::Outcome;
    use crate::report::model::DeadlineRow;

    fn outcome(o: Outcome) -> String {
        deadline_outcome(&DeadlineRow::with_outcome(o))
    }

    #[test]
    fn the_outcome_column_is_the_shared_sentence_with_its_mark() {
        let at = crate::types::parse_time("2026-11-24T09:00:00Z").unwrap();
        let h = TimeDelta::hours;
        assert_eq!(
            outcome(Outcome::MetEarly { at, margin: h(47) }),
            "Met 2026-11-24 09:00:00 UTC, 1d 23h early"
        );
        assert_eq!(
            outcome(Outcome::MetLate { at, margin: h(1) }),
            "**Missed**: met late, 2026-11-24 09:00:00 UTC, 1h 00m after the due time"
        );
        assert_eq!(
            outcome(Outcome::Overdue { by: h(121) }),
            "**Missed**: not met, overdue by 5d 1h"
        );
        assert_eq!(
            outcome(Outcome::Open {
                remaining: h(3),
                soon: true
            }),
            "Still open, due soon, 3h 00m left"
        );
        // Runbook text in the sentence is escaped like every other cell.
        assert_eq!(
            outcome(Outcome::Waiting {
                anchor: "answer assess/determined_at".into()
            }),
            "Waiting: the clock starts at answer assess/determined\\_at"
        );
    }

    #[test]
    fn pipes_and_newlines_cannot_break_a_table_row() {
        assert_eq!(text("a | b\nc"), "a \\| b<br>c");
        assert_eq!(text("x\r\ny"), "x<br>y");
    }

    #[test]
    fn html_and_emphasis_are_shown_as_text() {
        assert_eq!(
            text("<script>alert(1)</script>"),
            "\\<script\\>alert(1)\\</script\\>"
        );
        assert_eq!(text("*bold* _it_ `code`"), "\\*bold\\* \\_it\\_ \\`code\\`");
    }

    #[test]
    fn a_leading_block_marker_is_escaped() {
        assert_eq!(text("# not a heading"), "\\# not a heading");
        assert_eq!(text("- not a list"), "\\- not a list");
        assert_eq!(text("12. not a list"), "12\\. not a list");
        assert_eq!(text("2026 was fine"), "2026 was fine");
        assert_eq!(text("    indented"), "&nbsp;&nbsp;&nbsp;&nbsp;indented");
    }

    #[test]
    fn non_ascii_passes_through() {
        assert_eq!(text("naïve café 日本"), "naïve café 日本");
    }
}
