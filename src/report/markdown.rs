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

const METRICS_INTRO: &str = "\n## 3. Key metrics\n\nEach measured from detection. The rows named after a regulatory deadline \
(section 4) measure the time to report to that authority or those people: until the deadline was met.\n\n";

/// Renders the report: the title and banners, then each section in order.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    title(&mut o, r);
    summary(&mut o, r);
    impact(&mut o, r);
    metrics(&mut o, r);
    deadlines(&mut o, r);
    findings(&mut o, r);
    steps(&mut o, r);
    timeline(&mut o, r);
    review(&mut o, r);
    evidence_and_notices(&mut o, r);
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
        ("Breach determined", or_not_yet(s.determined_at)),
        ("Opened in breach", time(s.opened_at)),
        ("Contained", or_not_yet(s.contained_at)),
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
    header(o, &["Metric", "From detection", "At", "From"]);
    for m in &r.metrics {
        row(
            o,
            &[
                &text(&m.label),
                &m.from_detection.map_or_else(|| "not yet".into(), dur),
                &m.at.map_or_else(String::new, time),
                &m.source.as_deref().map(text).unwrap_or_default(),
            ],
        );
    }
}

/// Section 4: the regulatory deadlines.
fn deadlines(o: &mut String, r: &Report) {
    o.push_str("\n## 4. Regulatory deadlines\n\n");
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
                    format!("{} ({} from {})", time(due), text(w), text(&x.anchor))
                }
                (None, _) if x.asap => "without undue delay".to_string(),
                (None, Some(w)) => format!("{} from {}", text(w), text(&x.anchor)),
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
    o.push_str("\n## 5. Investigation findings\n\n");
    header(o, &["", ""]);
    let f = &r.findings;
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
    o.push_str("\n## 6. Step by step\n");
    for st in &r.steps {
        step(o, st);
    }
}

/// Section 7: every record in plain language.
fn timeline(o: &mut String, r: &Report) {
    o.push_str("\n## 7. Timeline\n\nEvery record of the incident file, in order.\n\n");
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
    o.push_str("\n## 8. Action items and lessons learned\n\n");
    let rv = &r.review;
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
    o.push_str("\n### Action items\n\n");
    if rv.action_items.is_empty() {
        o.push_str("_None recorded._\n");
    } else {
        for a in &rv.action_items {
            let _ = writeln!(o, "- [ ] {}", text(a));
        }
        if let Some(f) = &rv.action_items_fact {
            let _ = writeln!(o, "\n_Recorded by {} at {}._", text(&f.by), time(f.at));
        }
    }
    if !rv.notes.is_empty() {
        o.push_str("\n### Review notes\n\n");
        for n in &rv.notes {
            let _ = writeln!(o, "- {} ({}, {})", text(&n.text), text(&n.by), time(n.at));
        }
    }
}

/// Section 9: the evidence register and the notices sent.
fn evidence_and_notices(o: &mut String, r: &Report) {
    o.push_str("\n## 9. Evidence and notices\n\n### Evidence (chain of custody)\n\n");
    if r.evidence.is_empty() {
        o.push_str("_No evidence registered._\n");
    } else {
        header(
            o,
            &[
                "File",
                "SHA-256",
                "Size (bytes)",
                "Collected by",
                "Collected at",
                "Note",
            ],
        );
        for e in &r.evidence {
            let mut file = text(&e.path);
            if let Some(c) = &e.copy {
                let _ = write!(file, "<br>copy: {}", text(c));
            }
            row(
                o,
                &[
                    &file,
                    &format!("`{}`", e.sha256),
                    &e.size.to_string(),
                    &text(&e.collected_by),
                    &time(e.collected_at),
                    &e.note.as_deref().map(text).unwrap_or_default(),
                ],
            );
        }
    }
    o.push_str("\n### Notices sent\n\n");
    if r.notices.is_empty() {
        o.push_str("_No notices recorded as sent._\n");
    } else {
        header(o, &["Template", "Audience", "Sent at", "To", "Recorded by"]);
        for n in &r.notices {
            row(
                o,
                &[
                    &format!("`{}`", n.template),
                    &text(&n.audience),
                    &time(n.sent_at),
                    &n.to.as_deref().map(text).unwrap_or_default(),
                    &format!("{}, {}", text(&n.recorded_by), time(n.recorded_at)),
                ],
            );
        }
    }
}

/// Section 10: the hash chain.
fn integrity(o: &mut String, r: &Report) {
    o.push_str("\n## 10. Integrity\n\n");
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
    if !st.done_with_open_items.is_empty() {
        row(
            o,
            &[
                "**Done with required items open**",
                &st.done_with_open_items
                    .iter()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
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
