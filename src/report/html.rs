//! The report as one self-contained HTML page: inline CSS (screen and print), an inline SVG
//! timeline chart, no scripts and no references to anything outside the file. Every piece
//! of incident text goes through [`escape`].

use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};

use super::model::{
    DeadlineRow, Fact, Report, StepReport, StepState, fmt_duration as dur, fmt_time as time,
};
use crate::incident::deadlines::Outcome;

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Controls (C0 but newline and tab, DEL, C1) are not allowed in HTML text, and
            // bidirectional overrides would reorder what the reader sees: each is written as
            // a visible escape, as on the terminal.
            '\n' | '\t' => out.push(c),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
                        | '\u{202a}'..='\u{202e}'
                        | '\u{2066}'..='\u{2069}'
                ) =>
            {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

/// Escaped text with line breaks kept (`<br>`).
fn multiline(s: &str) -> String {
    escape(&s.replace("\r\n", "\n")).replace('\n', "<br>")
}

const CSS: &str = r#"
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --done: #2f8f5b; --skipped: #8c959f; --progress: #3b6fd4; --pending: #c9d1d9;
  --met: #2a9d8f; --overdue: #cf222e; --open: #bf8700; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 -apple-system, "Segoe UI", "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 32px 28px 64px; }
h1 { font-size: 28px; margin: 0 0 4px; line-height: 1.25; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 8px; }
h4 { font-size: 14px; margin: 14px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
p.meta { color: var(--muted); margin: 0 0 16px; }
.banner { padding: 12px 16px; border-radius: 6px; margin: 12px 0; }
.banner.integrity { background: #ffebe9; border: 2px solid var(--overdue); color: #82071e; }
.banner.draft { background: #fff8c5; border: 1px solid #d4a72c; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
thead th { background: var(--soft); font-weight: 600; border-bottom: 2px solid var(--line); }
table.kv th { width: 230px; font-weight: 600; background: transparent; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.time, td.nowrap { white-space: nowrap; }
code, .hash { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
.muted { color: var(--muted); }
.bad { color: var(--overdue); font-weight: 600; }
.good { color: var(--done); }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.pill.done { background: var(--done); } .pill.skipped { background: var(--skipped); }
.pill.in_progress { background: var(--progress); } .pill.pending, .pill.not_applicable { background: #8c959f; }
.pill.met { background: var(--met); } .pill.overdue, .pill.missed { background: var(--overdue); }
.pill.open, .pill.due_soon, .pill.waiting { background: var(--open); }
.step { border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 8px; margin: 14px 0; break-inside: avoid-page; }
ul.checklist { list-style: none; padding-left: 4px; margin: 4px 0; }
ul.checklist li { margin: 3px 0; }
.box { display: inline-block; width: 1.3em; font-weight: 700; }
.box.yes { color: var(--done); } .box.no { color: var(--overdue); }
tr.unverified td { background: #fff1f0; }
figure { margin: 8px 0 16px; } figcaption { color: var(--muted); font-size: 13px; }
svg { width: 100%; height: auto; font-family: inherit; }
td.time, span.time { white-space: nowrap; }
code { overflow-wrap: break-word; word-break: normal; }
th { hyphens: none; word-break: keep-all; }
section#metrics td:first-child, section#deadlines td:nth-child(2) { min-width: 11em; }
section#deadlines td:nth-child(3) { min-width: 8em; }
section#deadlines td:nth-child(4), section#deadlines td:nth-child(5) { min-width: 10em; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  section { break-before: page; }
  section#summary, section#impact { break-before: auto; }
  h2, h3, h4 { break-after: avoid; }
  tr, .step, figure, li { break-inside: avoid; }
  thead { display: table-header-group; }
  table { table-layout: auto; width: 100%; }
  th, td { padding: 4px 6px; overflow-wrap: break-word; word-break: normal; hyphens: manual; }
  td.time, td.num, td.nowrap, span.time { white-space: nowrap; overflow-wrap: normal; }
  .hash { word-break: break-all; }
  a { color: inherit; text-decoration: none; }
}
"#;

struct Html(String);

/// A heading and a list of notes with who wrote them and when (nothing when there are none).
fn notes_list(h: &mut Html, heading: &str, notes: &[super::model::NoteRow]) {
    if notes.is_empty() {
        return;
    }
    h.line(&format!("{heading}<ul>"));
    for n in notes {
        let _ = writeln!(
            h.0,
            "<li>{} <span class=\"muted\">({}, {})</span></li>",
            multiline(&n.text),
            escape(&n.by),
            time(n.at)
        );
    }
    h.line("</ul>");
}

impl Html {
    fn line(&mut self, s: &str) {
        self.0.push_str(s);
        self.0.push('\n');
    }
    fn kv(&mut self, k: &str, v: &str) {
        let _ = writeln!(self.0, "<tr><th>{}</th><td>{v}</td></tr>", escape(k));
    }
}

fn or_not_yet(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "<span class=\"muted\">not yet</span>".into(), time)
}

fn fact(f: Option<&Fact>) -> String {
    match f {
        Some(f) if !f.labels.is_empty() => {
            let items: Vec<String> = f.labels.iter().map(|l| escape(l)).collect();
            items.join("<br>")
        }
        Some(f) => multiline(&f.display),
        None => "<span class=\"muted\">not recorded</span>".into(),
    }
}

/// A deadline's outcome as HTML: the pill's class and label, and the shared outcome
/// sentence (escaped).
fn outcome(d: &DeadlineRow) -> (&'static str, &'static str, String) {
    let (class, label) = match &d.outcome {
        Outcome::MetLate { .. } => ("missed", "missed"),
        Outcome::MetEarly { .. } | Outcome::MetUntimed { .. } => ("met", "met"),
        Outcome::MetBeforeStart { .. } => ("due_soon", "check dates"),
        Outcome::Overdue { .. } => ("overdue", "overdue"),
        Outcome::Open { soon: true, .. } => ("due_soon", "due soon"),
        Outcome::Open { soon: false, .. } | Outcome::OpenAsap { .. } => ("open", "open"),
        Outcome::Waiting { .. } => ("waiting", "waiting"),
        Outcome::NotApplicable => ("not_applicable", "not applicable"),
    };
    (class, label, escape(&d.outcome.sentence(time)))
}

/// Renders the report: the page head, the title and banners, then each section in order.
pub fn render(r: &Report) -> String {
    let mut h = Html(String::new());
    head(&mut h, r);
    summary(&mut h, r);
    impact(&mut h, r);
    detection(&mut h, r);
    metrics(&mut h, r);
    deadlines(&mut h, r);
    attack_and_response(&mut h, r);
    findings(&mut h, r);
    resolution(&mut h, r);
    notifications(&mut h, r);
    evidence(&mut h, r);
    review(&mut h, r);
    action_items(&mut h, r);
    general_notes(&mut h, r);
    steps(&mut h, r);
    timeline(&mut h, r);
    integrity(&mut h, r);
    h.line("</main>");
    h.line("</body>");
    h.line("</html>");
    h.0
}

/// The document head (title, inline CSS), the title, the integrity and draft banners, and
/// where the report comes from.
fn head(h: &mut Html, r: &Report) {
    let s = &r.summary;
    h.line("<!DOCTYPE html>");
    h.line("<html lang=\"en\">");
    h.line("<head>");
    h.line("<meta charset=\"utf-8\">");
    h.line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = writeln!(
        h.0,
        "<title>Post-mortem report: {}{}</title>",
        escape(&s.title),
        if r.draft { " (draft)" } else { "" }
    );
    let _ = writeln!(h.0, "<style>{CSS}</style>");
    h.line("</head>");
    h.line("<body>");
    h.line("<main>");
    let _ = writeln!(h.0, "<h1>Post-mortem report: {}</h1>", escape(&s.title));
    if let Some(problem) = &r.integrity.problem {
        let _ = writeln!(
            h.0,
            "<p class=\"banner integrity\"><strong>INTEGRITY FAILURE: the incident file {} does not verify. {}.</strong></p>",
            escape(&r.integrity.file),
            escape(problem)
        );
    }
    if r.draft {
        let _ = writeln!(
            h.0,
            "<p class=\"banner draft\"><strong>DRAFT</strong>: the incident is still open; this report shows the record as of {}.</p>",
            time(r.generated_at)
        );
    }
    let _ = writeln!(
        h.0,
        "<p class=\"meta\">Generated {} by breach from the incident file <code>{}</code>.</p>",
        time(r.generated_at),
        escape(&r.integrity.file)
    );
}

/// Section 1: the summary table.
fn summary(h: &mut Html, r: &Report) {
    let s = &r.summary;
    h.line("<section id=\"summary\"><h2>1. Summary</h2><table class=\"kv\">");
    h.kv("Title", &escape(&s.title));
    h.kv("Incident", &format!("<code>{}</code>", escape(&s.id)));
    h.kv("Severity", &escape(&s.severity));
    h.kv(
        "State",
        if r.draft {
            "<span class=\"pill open\">open: draft</span>"
        } else {
            "<span class=\"pill done\">closed</span>"
        },
    );
    h.kv(
        "Runbook",
        &format!(
            "{} (<code>{}</code>, {})",
            escape(&s.runbook_title),
            escape(&s.runbook_id),
            escape(&s.runbook_source)
        ),
    );
    h.kv(
        "Runbook SHA-256",
        &format!("<span class=\"hash\">{}</span>", escape(&s.runbook_sha256)),
    );
    h.kv(
        "Operators",
        &s.operators
            .iter()
            .map(|o| escape(o))
            .collect::<Vec<_>>()
            .join(", "),
    );
    h.kv("Detected", &time(s.detected_at));
    h.kv("Aware of personal data", &time(s.aware_at));
    h.kv(
        "Breach determined",
        &match (s.determined_at, &s.determined_from) {
            (Some(t), Some(q)) => format!(
                "{} <span class=\"muted\">(answer <code>{}</code>)</span>",
                time(t),
                escape(q)
            ),
            (Some(t), None) => time(t),
            (None, _) => "<span class=\"muted\">not recorded</span>".into(),
        },
    );
    h.kv("Opened in breach", &time(s.opened_at));
    let contain_missing = r
        .metrics
        .iter()
        .find(|m| m.id == "contain")
        .and_then(|m| m.missing.as_deref());
    h.kv(
        "Contained",
        &match (s.contained_at, contain_missing) {
            (Some(t), _) => time(t),
            (None, Some(why)) => format!(
                "<span class=\"muted\">not recorded ({})</span>",
                escape(why)
            ),
            (None, None) => "<span class=\"muted\">not recorded</span>".into(),
        },
    );
    h.kv("Closed", &or_not_yet(s.closed_at));
    h.kv(
        "Total duration",
        &format!(
            "{} <span class=\"muted\">({})</span>",
            dur(s.duration),
            if s.duration_ongoing {
                "detection to now; still open"
            } else {
                "detection to closing"
            }
        ),
    );
    h.kv(
        "Steps",
        &format!(
            "{} of {} applicable steps done or skipped",
            s.steps_closed, s.steps_applicable
        ),
    );
    if r.corrections.is_empty() {
        h.line("</table></section>");
        return;
    }
    h.line("</table>");
    h.line("<h3>Corrections</h3><p class=\"muted\">Facts corrected after they were recorded (<code>breach amend</code>); the report uses the new values.</p>");
    h.line("<table><thead><tr><th>Fact</th><th>Was</th><th>Now</th><th>By</th><th>At</th><th>Reason</th></tr></thead><tbody>");
    for c in &r.corrections {
        let overriding = if c.overrode.is_empty() {
            String::new()
        } else {
            format!(" (overriding: {})", escape(&c.overrode.join("; ")))
        };
        let _ = writeln!(
            h.0,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"time\">{}</td><td>{}{}</td></tr>",
            escape(&c.label),
            c.old
                .as_deref()
                .map(escape)
                .unwrap_or_else(|| "(none)".into()),
            escape(&c.new),
            escape(&c.by),
            time(c.at),
            escape(&c.reason),
            overriding
        );
    }
    h.line("</tbody></table></section>");
}

/// Section 2: what was affected.
fn impact(h: &mut Html, r: &Report) {
    let i = &r.impact;
    h.line("<section id=\"impact\"><h2>2. Impact</h2><table class=\"kv\">");
    h.kv("Breach type", &fact(i.breach_type.as_ref()));
    h.kv("Data categories", &fact(i.data_types.as_ref()));
    h.kv("Affected customers", &fact(i.affected_customers.as_ref()));
    h.kv("Jurisdictions", &fact(i.jurisdictions.as_ref()));
    h.line("</table></section>");
}

/// Section 3: the key metrics.
fn metrics(h: &mut Html, r: &Report) {
    h.line("<section id=\"metrics\"><h2>4. Key metrics</h2><p class=\"muted\">Each measured from detection, except the time to detect (from the start of the unauthorised access to detection). The source says which answer or record each time comes from, or what is missing. The rows named after a regulatory deadline (section 5) measure the time to report to that authority or those people: until the deadline was met.</p>");
    h.line("<table><thead><tr><th>Metric</th><th class=\"num\">Time</th><th>At</th><th>Source</th></tr></thead><tbody>");
    for m in &r.metrics {
        let source = match (&m.source_text, &m.missing) {
            (Some(s), _) => escape(s),
            (None, Some(why)) => format!("not recorded: {}", escape(why)),
            (None, None) => String::new(),
        };
        let _ = writeln!(
            h.0,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"time\">{}</td><td class=\"muted\">{source}</td></tr>",
            escape(&m.label),
            m.duration
                .map_or_else(|| "<span class=\"muted\">not known</span>".into(), dur),
            m.at.map_or_else(String::new, time),
        );
    }
    h.line("</tbody></table></section>");
}

/// Section 4: the regulatory deadlines.
fn deadlines(h: &mut Html, r: &Report) {
    h.line("<section id=\"deadlines\"><h2>5. Regulatory deadlines</h2>");
    let d = &r.deadlines;
    if d.rows.is_empty() {
        let _ = writeln!(
            h.0,
            "<p>No deadline of the runbook applies to this incident ({} checked).</p>",
            d.not_applicable
        );
    } else {
        h.line("<table><thead><tr><th>#</th><th>Deadline</th><th>Authority</th><th>Due</th><th>Outcome</th><th>Citation</th></tr></thead><tbody>");
        for (n, x) in d.rows.iter().enumerate() {
            let due = match (x.due_at, &x.within) {
                (Some(due), Some(w)) => format!(
                    "<span class=\"time\">{}</span><br><span class=\"muted\">{} from {}</span>",
                    time(due),
                    escape(w),
                    escape(&x.anchor_text)
                ),
                (None, _) if x.asap => "without undue delay".into(),
                (None, Some(w)) => format!("{} from {}", escape(w), escape(&x.anchor_text)),
                (Some(due), None) => time(due),
                (None, None) => String::new(),
            };
            let (pill, label, sentence) = outcome(x);
            let _ = writeln!(
                h.0,
                "<tr><td class=\"nowrap\">D{}</td><td>{}</td><td>{}</td><td>{due}</td><td><span class=\"pill {pill}\">{}</span> {sentence}</td><td>{}{}</td></tr>",
                n + 1,
                escape(&x.title),
                escape(&x.authority),
                label,
                escape(&x.citation),
                if x.verified {
                    ""
                } else {
                    " <span class=\"muted\">(default to verify)</span>"
                }
            );
        }
        h.line("</tbody></table>");
        if d.not_applicable > 0 {
            let _ = writeln!(
                h.0,
                "<p class=\"muted\">{} further deadline(s) of the runbook do not apply to this incident.</p>",
                d.not_applicable
            );
        }
    }
    h.line("</section>");
}

/// Section 5: the investigation findings.
fn findings(h: &mut Html, r: &Report) {
    let f = &r.findings;
    h.line("<section id=\"findings\"><h2>7. Root cause and contributing factors</h2><table class=\"kv\">");
    h.kv("Root cause", &fact(r.findings.root_cause.as_ref()));
    h.kv(
        "Contributing factors",
        &fact(r.findings.contributing_factors.as_ref()),
    );
    h.kv("Entry point", &fact(f.entry_point.as_ref()));
    h.kv(
        "Vulnerabilities exploited",
        &fact(f.vulnerabilities.as_ref()),
    );
    h.kv(
        "Unauthorised access began",
        &fact(f.access_started.as_ref()),
    );
    h.kv("Unauthorised access ended", &fact(f.access_ended.as_ref()));
    h.kv(
        "Duration of unauthorised access",
        &f.access_duration
            .map_or_else(|| "<span class=\"muted\">not recorded</span>".into(), dur),
    );
    h.line("</table></section>");
}

/// Section 6: every step.
fn steps(h: &mut Html, r: &Report) {
    h.line("<section id=\"steps\"><h2>14. Step by step</h2>");
    for st in &r.steps {
        step(h, st);
    }
    h.line("</section>");
}

/// Section 7: every record in plain language, with the chart.
fn timeline(h: &mut Html, r: &Report) {
    h.line("<section id=\"timeline\"><h2>15. Timeline of every record</h2>");
    h.line(&chart(r));
    h.line("<table><thead><tr><th class=\"num\">#</th><th>Time (UTC)</th><th>Operator</th><th>What happened</th></tr></thead><tbody>");
    for e in &r.timeline {
        let _ = writeln!(
            h.0,
            "<tr{}><td class=\"num\">{}</td><td class=\"time\">{}</td><td class=\"nowrap\">{}</td><td>{}{}</td></tr>",
            if e.verified {
                ""
            } else {
                " class=\"unverified\""
            },
            e.seq,
            e.at.format("%Y-%m-%d %H:%M:%S"),
            escape(&e.operator),
            if e.verified {
                ""
            } else {
                "<strong class=\"bad\">UNVERIFIED</strong> "
            },
            multiline(&e.text)
        );
    }
    h.line("</tbody></table></section>");
}

/// Section 8: lessons learned and action items.
fn review(h: &mut Html, r: &Report) {
    let rv = &r.review;
    h.line("<section id=\"review\"><h2>11. What went well and what went badly</h2>");
    for (heading, f) in [
        ("What went well", &rv.went_well),
        ("What went badly", &rv.went_badly),
    ] {
        let _ = writeln!(h.0, "<h3>{heading}</h3>");
        match f {
            Some(f) => {
                let _ = writeln!(
                    h.0,
                    "<p>{}</p><p class=\"muted\">Recorded by {} at {}.</p>",
                    multiline(&f.display),
                    escape(&f.by),
                    time(f.at)
                );
            }
            None => h.line("<p class=\"muted\">Not recorded.</p>"),
        }
    }
    h.line("<h3>Lessons learned</h3>");
    match &rv.lessons_learned {
        Some(l) => {
            let _ = writeln!(
                h.0,
                "<p>{}</p><p class=\"muted\">Recorded by {} at {}.</p>",
                multiline(&l.display),
                escape(&l.by),
                time(l.at)
            );
        }
        None => h.line("<p class=\"muted\">Not recorded.</p>"),
    }
    notes_list(h, "<h3>Review notes</h3>", &rv.notes);
    h.line("</section>");
}

/// Section 10: the evidence register, the chain of custody and what checking it found.
fn evidence(h: &mut Html, r: &Report) {
    h.line("<section id=\"evidence\"><h2>10. Evidence and custody</h2>");
    if r.evidence.is_empty() {
        h.line("<p class=\"muted\">No evidence registered.</p></section>");
        return;
    }
    let _ = writeln!(
        h.0,
        "<p class=\"muted\">Each file was hashed again when this report was made ({}).</p>",
        time(r.generated_at)
    );
    h.line("<table class=\"evidence\"><thead><tr><th>File</th><th>SHA-256</th><th class=\"num\">Size (bytes)</th><th>At export</th><th>Custody</th></tr></thead><tbody>");
    for e in &r.evidence {
        let one = |c: &super::model::FileCheck| {
            let word = match c.state.as_str() {
                "unchanged" => "<span class=\"good\">verified</span>".to_string(),
                other => format!("<strong class=\"bad\">{}</strong>", escape(other)),
            };
            match (&c.sha256_now, &c.detail) {
                (Some(x), _) => format!(
                    "{word} <span class=\"muted\">(SHA-256 now <span class=\"hash\">{}</span>)</span>",
                    escape(x)
                ),
                (None, Some(d)) => format!("{word} <span class=\"muted\">({})</span>", escape(d)),
                (None, None) => word,
            }
        };
        let check = match &e.at_export {
            None => "<span class=\"muted\">not checked</span>".to_string(),
            Some(x) => match &x.copy {
                Some(c) => format!("{}<br>copy: {}", one(&x.original), one(c)),
                None => one(&x.original),
            },
        };
        let _ = writeln!(
            h.0,
            "<tr><td><code>{}</code>{}</td><td class=\"hash\">{}</td><td class=\"num\">{}</td><td>{check}</td><td>registered by {}, <span class=\"time\">{}</span> (record {}){}</td></tr>",
            escape(&e.path),
            e.note
                .as_deref()
                .map(|n| format!("<br><span class=\"muted\">{}</span>", multiline(n)))
                .unwrap_or_default(),
            escape(&e.sha256),
            e.size,
            escape(&e.collected_by),
            time(e.collected_at),
            e.seq,
            e.copy
                .as_deref()
                .map(|c| format!("<br>copied to <code>{}</code>", escape(c)))
                .unwrap_or_default(),
        );
    }
    h.line("</tbody></table></section>");
}

/// Section 3: how, when and by whom the breach was found.
fn detection(h: &mut Html, r: &Report) {
    let d = &r.detection;
    h.line("<section id=\"detection\"><h2>3. Detection</h2><table class=\"kv\">");
    h.kv("How it was found", &fact(d.method.as_ref()));
    h.kv("Found by", &fact(d.detected_by.as_ref()));
    h.kv("Detected", &time(d.detected_at));
    h.kv("Aware of personal data", &time(d.aware_at));
    h.line("</table></section>");
}

fn milestones(h: &mut Html, rows: &[super::model::Milestone]) {
    h.line("<table><thead><tr><th>When (UTC)</th><th>What</th><th>Source</th></tr></thead><tbody>");
    for m in rows {
        let _ = writeln!(
            h.0,
            "<tr><td class=\"time\">{}</td><td>{}</td><td class=\"muted nowrap\">{}</td></tr>",
            m.at.map(time).unwrap_or_default(),
            multiline(&m.what),
            escape(&m.source)
        );
    }
    h.line("</tbody></table>");
}

/// Section 6: the attack beside the response.
fn attack_and_response(h: &mut Html, r: &Report) {
    h.line("<section id=\"attack\"><h2>6. Attack and response timelines</h2><h3>The attack</h3>");
    if r.attack.is_empty() {
        h.line("<p class=\"muted\">Not recorded.</p>");
    } else {
        milestones(h, &r.attack);
    }
    h.line("<h3>The response</h3>");
    milestones(h, &r.response);
    h.line("</section>");
}

/// Section 8: what was fixed and how the store recovered.
fn resolution(h: &mut Html, r: &Report) {
    let x = &r.resolution;
    h.line("<section id=\"resolution\"><h2>8. Resolution and recovery</h2><table class=\"kv\">");
    h.kv("What was changed", &fact(x.remediation.as_ref()));
    h.kv("Monitoring until", &fact(x.monitoring_until.as_ref()));
    h.kv(
        "Further suspicious activity",
        &fact(x.new_activity.as_ref()),
    );
    h.kv(
        "Measures offered to customers",
        &fact(x.trust_measures.as_ref()),
    );
    h.line("</table>");
    if !x.items.is_empty() {
        h.line("<ul class=\"checklist\">");
        for it in &x.items {
            let (mark, state) = if it.checked {
                ("<span class=\"box yes\">✓</span>", "done")
            } else if !it.applies {
                ("<span class=\"box\">–</span>", "not applicable")
            } else if it.met_by_alternative.is_some() {
                ("<span class=\"box yes\">✓</span>", "met by its alternative")
            } else if !it.required {
                ("<span class=\"box\">–</span>", "not checked (optional)")
            } else {
                ("<span class=\"box no\">✗</span>", "not done")
            };
            let _ = writeln!(
                h.0,
                "<li>{mark}{} <span class=\"{}\">{state}</span></li>",
                escape(&it.text),
                if state == "not done" { "bad" } else { "muted" }
            );
        }
        h.line("</ul>");
    }
    h.line("</section>");
}

/// Section 9: who was told, when, against which clock.
fn notifications(h: &mut Html, r: &Report) {
    h.line("<section id=\"notifications\"><h2>9. Notifications</h2>");
    if r.notices.is_empty() {
        h.line("<p class=\"muted\">No notices recorded as sent. Deadlines met by a checked item are in section 5.</p></section>");
        return;
    }
    h.line("<table><thead><tr><th>Told</th><th>To</th><th>Sent at</th><th>Against which clock</th><th>Recorded by</th></tr></thead><tbody>");
    for n in &r.notices {
        let clocks = if n.clocks.is_empty() {
            "<span class=\"muted\">none of the deadlines</span>".to_string()
        } else {
            n.clocks
                .iter()
                .map(|c| {
                    format!(
                        "{}: <span class=\"{}\">{}</span>",
                        escape(&c.title),
                        if c.late { "bad" } else { "good" },
                        escape(&c.outcome)
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let _ = writeln!(
            h.0,
            "<tr><td>{}</td><td>{}</td><td class=\"time\">{}</td><td>{clocks}</td><td>{}, <span class=\"time\">{}</span></td></tr>",
            escape(&n.audience),
            n.to.as_deref().map(escape).unwrap_or_default(),
            time(n.sent_at),
            escape(&n.recorded_by),
            time(n.recorded_at)
        );
    }
    h.line("</tbody></table></section>");
}

/// Section 12: the action items recorded, and follow-ups agreed in the review but not tracked.
fn action_items(h: &mut Html, r: &Report) {
    h.line("<section id=\"actions\"><h2>12. Action items</h2>");
    if r.action_items.is_empty() {
        h.line("<p class=\"muted\">No action items recorded (<code>breach action add</code>).</p>");
    } else {
        h.line("<table><thead><tr><th>Id</th><th>Action</th><th>Owner</th><th>Due</th><th>State</th></tr></thead><tbody>");
        for a in &r.action_items {
            let state = match (a.state, &a.done_by, a.done_at) {
                ("done", Some(by), Some(at)) => format!(
                    "<span class=\"good\">done</span> <span class=\"muted\">({}, {})</span>",
                    escape(by),
                    time(at)
                ),
                ("overdue", _, _) => "<strong class=\"bad\">overdue</strong>".to_string(),
                (s, _, _) => s.to_string(),
            };
            let _ = writeln!(
                h.0,
                "<tr><td class=\"nowrap\"><code>{}</code></td><td>{}{}</td><td>{}</td><td class=\"time\">{}</td><td>{state}</td></tr>",
                escape(&a.id),
                multiline(&a.text),
                if a.after_close {
                    " <span class=\"muted\">(added after closing)</span>"
                } else {
                    ""
                },
                escape(&a.owner),
                escape(&a.due)
            );
        }
        h.line("</tbody></table>");
    }
    if !r.review.untracked.is_empty() {
        h.line("<p>Agreed in the review but not recorded as action items (no owner or due day yet):</p><ul>");
        for l in &r.review.untracked {
            let _ = writeln!(h.0, "<li>{}</li>", escape(l));
        }
        h.line("</ul>");
    }
    h.line("</section>");
}

/// Section 13: the notes attached to no step.
fn general_notes(h: &mut Html, r: &Report) {
    h.line("<section id=\"notes\"><h2>13. Notes</h2>");
    if r.notes.is_empty() {
        h.line("<p class=\"muted\">No general notes.</p>");
    }
    notes_list(h, "", &r.notes);
    h.line("</section>");
}

/// Section 10: the hash chain.
fn integrity(h: &mut Html, r: &Report) {
    let ig = &r.integrity;
    h.line("<section id=\"integrity\"><h2>16. Integrity</h2><table class=\"kv\">");
    h.kv(
        "Incident file",
        &format!("<code>{}</code>", escape(&ig.file)),
    );
    h.kv(
        "Records",
        &if ig.unverified_records > 0 {
            format!(
                "{} verified; {} more after the break, read but not verified",
                ig.verified_records, ig.unverified_records
            )
        } else {
            ig.verified_records.to_string()
        },
    );
    h.kv(
        "Hash chain",
        &match &ig.problem {
            None => "<span class=\"good\">verifies</span>: every record matches its hash and links to the one before".to_string(),
            Some(p) => format!("<strong class=\"bad\">does not verify</strong>: {}", escape(p)),
        },
    );
    h.kv(
        "Last verified hash",
        &format!("<span class=\"hash\">{}</span>", escape(&ig.last_hash)),
    );
    h.line("</table>");
    if !r.fold_warnings.is_empty() {
        h.line("<p>Records that did not fit the runbook (kept, otherwise ignored):</p><ul>");
        for w in &r.fold_warnings {
            let _ = writeln!(h.0, "<li>{}</li>", escape(w));
        }
        h.line("</ul>");
    }
    team_integrity(h, r);
    h.line("</section>");
}

/// Section 10 for a team incident: open conflicts, clock notes, seals.
fn team_integrity(h: &mut Html, r: &Report) {
    let lists: [(&str, Vec<String>); 4] = [
        (
            "<p><strong class=\"bad\">Open conflicts</strong> (decisions taken at the same time on different devices, not yet decided again by someone who saw both):</p>",
            r.conflicts.iter().map(|c| escape(&c.describe())).collect(),
        ),
        (
            "<p>How the records were timed:</p>",
            r.clock_notes.iter().map(|n| escape(n)).collect(),
        ),
        (
            "<p>Signatures, per journal (SSH signatures of each record):</p>",
            r.signatures
                .iter()
                .map(|s| format!("{}: {}", escape(&s.writer), escape(&s.describe())))
                .collect(),
        ),
        (
            "<p>Seals (<code>breach verify --sealed DIGEST</code> proves nothing before one changed):</p>",
            r.seals
                .iter()
                .map(|s| {
                    format!(
                        "<span class=\"hash\">{}</span>: record #{} by {} at {}",
                        escape(&s.digest),
                        s.record,
                        escape(&s.operator),
                        crate::types::format_utc(s.at)
                    )
                })
                .collect(),
        ),
    ];
    for (title, items) in lists {
        if items.is_empty() {
            continue;
        }
        h.line(title);
        h.line("<ul>");
        for item in items {
            let _ = writeln!(h.0, "<li>{item}</li>");
        }
        h.line("</ul>");
    }
}

fn step(h: &mut Html, st: &StepReport) {
    let _ = writeln!(
        h.0,
        "<div class=\"step\" id=\"step-{}\"><h3>{}. {} <span class=\"pill {}\">{}</span></h3>",
        escape(&st.id),
        st.number,
        escape(&st.title),
        st.state.as_str(),
        st.state.label()
    );
    h.line("<table class=\"kv\">");
    h.kv(
        "Step id / owner",
        &format!("<code>{}</code> · {}", escape(&st.id), escape(&st.owner)),
    );
    if !st.who.is_empty() {
        h.kv(
            "Who",
            &st.who
                .iter()
                .map(|w| escape(w))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    h.kv("Started", &or_not_yet(st.started_at));
    h.kv(
        "Finished",
        &match (st.finished_at, &st.finished_by) {
            (Some(t), Some(by)) => format!("{} by {}", time(t), escape(by)),
            (Some(t), None) => time(t),
            _ => "<span class=\"muted\">not yet</span>".into(),
        },
    );
    if let Some(d) = st.duration {
        h.kv("Duration", &dur(d));
    }
    if let Some(reason) = &st.skip_reason {
        h.kv("Skipped because", &multiline(reason));
    }
    if !st.open_required_items.is_empty() {
        h.kv(
            "Done with required items open",
            &format!(
                "<span class=\"bad\">{}</span>",
                st.open_required_items
                    .iter()
                    .map(|i| escape(&i.text))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        );
    }
    h.line("</table>");
    if !st.items.is_empty() {
        h.line("<h4>Checklist</h4><ul class=\"checklist\">");
        for it in &st.items {
            let (mark, tail) = match (it.checked, &it.by, it.at) {
                (true, Some(by), Some(at)) => (
                    "<span class=\"box yes\">✓</span>",
                    format!(" <span class=\"muted\">{}, {}</span>", escape(by), time(at)),
                ),
                (true, _, _) => ("<span class=\"box yes\">✓</span>", String::new()),
                (false, _, _) if !it.applies => (
                    "<span class=\"box\">–</span>",
                    " <span class=\"muted\">not applicable</span>".into(),
                ),
                (false, _, _) if it.met_by_alternative.is_some() => (
                    "<span class=\"box yes\">✓</span>",
                    format!(
                        " <span class=\"muted\">met by its alternative, “{}”</span>",
                        escape(
                            it.met_by_alternative
                                .as_ref()
                                .map_or("", |a| a.text.as_str())
                        )
                    ),
                ),
                (false, _, _) if !it.required => (
                    "<span class=\"box\">–</span>",
                    " <span class=\"muted\">not checked</span>".into(),
                ),
                (false, Some(by), Some(at)) => (
                    "<span class=\"box no\">✗</span>",
                    format!(
                        " <span class=\"bad\">not done</span> <span class=\"muted\">(unchecked by {}, {})</span>",
                        escape(by),
                        time(at)
                    ),
                ),
                (false, _, _) => (
                    "<span class=\"box no\">✗</span>",
                    " <span class=\"bad\">not done</span>".into(),
                ),
            };
            let _ = writeln!(
                h.0,
                "<li>{mark}{}{}{tail}</li>",
                escape(&it.text),
                if it.required {
                    ""
                } else {
                    " <span class=\"muted\">(optional)</span>"
                }
            );
        }
        h.line("</ul>");
    }
    if !st.answers.is_empty() {
        h.line("<h4>Answers</h4><table><thead><tr><th>Question</th><th>Answer</th><th>By</th><th>At</th></tr></thead><tbody>");
        for a in &st.answers {
            let _ = writeln!(
                h.0,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"time\">{}</td></tr>",
                escape(&a.prompt),
                multiline(&a.display),
                escape(&a.by),
                time(a.at)
            );
        }
        h.line("</tbody></table>");
    }
    notes_list(h, "<h4>Notes</h4>", &st.notes);
    h.line("</div>");
}

// ---- the SVG timeline chart ----

const W: f64 = 980.0;
const LABEL_W: f64 = 270.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 44.0;
const ROW: f64 = 24.0;

/// Tick spacings to choose from, smallest first.
const TICKS: &[i64] = &[
    60,
    5 * 60,
    15 * 60,
    30 * 60,
    3600,
    2 * 3600,
    3 * 3600,
    6 * 3600,
    12 * 3600,
    86_400,
    2 * 86_400,
    7 * 86_400,
    14 * 86_400,
    30 * 86_400,
];

fn step_colour(state: StepState) -> &'static str {
    match state {
        StepState::Done => "#2f8f5b",
        StepState::Skipped => "#8c959f",
        StepState::InProgress => "#3b6fd4",
        StepState::Pending | StepState::NotApplicable => "#c9d1d9",
    }
}

fn deadline_colour(d: &DeadlineRow) -> (&'static str, &'static str) {
    match d.outcome {
        Outcome::MetEarly { .. } | Outcome::MetUntimed { .. } => ("#2a9d8f", "met"),
        Outcome::MetLate { .. } | Outcome::Overdue { .. } => ("#cf222e", "missed"),
        Outcome::MetBeforeStart { .. } => ("#bf8700", "check dates"),
        Outcome::Open { .. }
        | Outcome::OpenAsap { .. }
        | Outcome::Waiting { .. }
        | Outcome::NotApplicable => ("#bf8700", "open"),
    }
}

/// The timeline chart: one bar per step from its first to its last record, on a UTC time
/// axis starting at detection; deadlines as vertical markers labelled D1, D2, ...
fn chart(r: &Report) -> String {
    let start = r.summary.detected_at;
    let mut end = r.summary.closed_at.unwrap_or(r.generated_at);
    for st in &r.steps {
        if let Some(t) = st.last_activity_at {
            end = end.max(t);
        }
    }
    // Deadlines that fall inside the incident's span (or were missed) are drawn; later ones
    // are listed under the chart instead of squashing it.
    let markers: Vec<(usize, &DeadlineRow, DateTime<Utc>)> = r
        .deadlines
        .rows
        .iter()
        .enumerate()
        .filter_map(|(n, d)| d.due_at.map(|due| (n + 1, d, due)))
        .collect();
    let start = markers
        .iter()
        .map(|(_, _, t)| *t)
        .chain(r.steps.iter().filter_map(|s| s.started_at))
        .fold(start, DateTime::min);
    let span_secs = (end - start).num_seconds().max(60);
    let (shown, beyond): (Vec<_>, Vec<_>) = markers
        .into_iter()
        .partition(|(_, _, t)| *t <= end + TimeDelta::seconds(span_secs / 10));
    let end = shown.iter().map(|(_, _, t)| *t).fold(end, DateTime::max);
    let span = (end - start).num_seconds().max(60) as f64;
    let plot_w = W - LABEL_W - RIGHT;
    let x = |t: DateTime<Utc>| LABEL_W + (t - start).num_seconds() as f64 / span * plot_w;
    let rows = r.steps.len() as f64;
    let plot_h = rows * ROW;
    let legend_y = TOP + plot_h + 60.0;
    let height = legend_y + 30.0;

    let mut o = String::new();
    let _ = writeln!(
        o,
        "<figure><svg viewBox=\"0 0 {W} {height}\" role=\"img\" aria-label=\"Timeline of the steps and deadlines\">"
    );
    // Axis and ticks.
    let step = TICKS
        .iter()
        .copied()
        .find(|s| span / (*s as f64) <= 8.0)
        .unwrap_or(30 * 86_400);
    let fmt = if step >= 86_400 {
        "%d %b"
    } else {
        "%d %b %H:%M"
    };
    let first = (start.timestamp() + step - 1).div_euclid(step) * step;
    let mut t = first;
    while t <= end.timestamp() {
        if let Some(at) = DateTime::from_timestamp(t, 0) {
            let px = x(at);
            let _ = writeln!(
                o,
                "<line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"#d1d9e0\" stroke-width=\"1\"/>\
                 <text x=\"{px:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#59636e\" text-anchor=\"middle\">{}</text>",
                TOP - 6.0,
                TOP + plot_h,
                TOP - 12.0,
                at.format(fmt)
            );
        }
        t += step;
    }
    let _ = writeln!(
        o,
        "<text x=\"{LABEL_W}\" y=\"14\" font-size=\"12\" fill=\"#59636e\">UTC · from detection ({}) to {}</text>",
        time(r.summary.detected_at),
        if r.summary.closed_at.is_some() {
            "closing"
        } else {
            "the report"
        }
    );
    // Step rows.
    for (n, st) in r.steps.iter().enumerate() {
        let y = TOP + n as f64 * ROW;
        if n % 2 == 0 {
            let _ = writeln!(
                o,
                "<rect x=\"0\" y=\"{y:.1}\" width=\"{W}\" height=\"{ROW}\" fill=\"#f6f8fa\" opacity=\"0.6\"/>"
            );
        }
        let title = format!("{}. {}", st.number, st.title);
        let short: String = if title.chars().count() > 40 {
            format!("{}…", title.chars().take(39).collect::<String>())
        } else {
            title.clone()
        };
        let _ = writeln!(
            o,
            "<text x=\"6\" y=\"{:.1}\" font-size=\"12\" fill=\"#1f2328\"><title>{}</title>{}</text>",
            y + 16.0,
            escape(&title),
            escape(&short)
        );
        match (st.started_at, st.last_activity_at) {
            (Some(a), Some(b)) => {
                let x0 = x(a);
                let w = (x(b) - x0).max(4.0);
                let _ = writeln!(
                    o,
                    "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"{}\"><title>{}: {} to {}</title></rect>",
                    y + 5.0,
                    ROW - 10.0,
                    step_colour(st.state),
                    escape(&st.title),
                    time(a),
                    time(b)
                );
            }
            _ => {
                let _ = writeln!(
                    o,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#8c959f\">{}</text>",
                    LABEL_W + 4.0,
                    y + 16.0,
                    if st.state == StepState::NotApplicable {
                        "not applicable"
                    } else {
                        "no activity"
                    }
                );
            }
        }
    }
    // Deadline markers; labels that would collide move down a row.
    let mut label_rows: Vec<f64> = Vec::new();
    let mut by_x: Vec<&(usize, &DeadlineRow, DateTime<Utc>)> = shown.iter().collect();
    by_x.sort_by_key(|(_, _, due)| *due);
    for (n, d, due) in by_x {
        let px = x(*due);
        let (colour, _) = deadline_colour(d);
        let level = match label_rows.iter().position(|last| px - last >= 28.0) {
            Some(i) => {
                label_rows[i] = px;
                i
            }
            None if label_rows.len() < 3 => {
                label_rows.push(px);
                label_rows.len() - 1
            }
            // Three rows fit above the legend; beyond that, reuse the row free longest.
            None => {
                let i = (0..label_rows.len())
                    .min_by(|a, b| label_rows[*a].total_cmp(&label_rows[*b]))
                    .unwrap_or(0);
                label_rows[i] = px;
                i
            }
        };
        let _ = writeln!(
            o,
            "<line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"5 3\"><title>D{n} {}: due {}</title></line>\
             <text x=\"{px:.1}\" y=\"{:.1}\" font-size=\"11\" font-weight=\"700\" fill=\"{colour}\" text-anchor=\"middle\">D{n}</text>",
            TOP - 2.0,
            TOP + plot_h + 4.0 + level as f64 * 13.0,
            escape(&d.title),
            time(*due),
            TOP + plot_h + 16.0 + level as f64 * 13.0
        );
    }
    // Legend.
    let mut lx = 6.0;
    let swatch = |o: &mut String, lx: &mut f64, colour: &str, label: &str, dashed: bool| {
        if dashed {
            let _ = write!(
                o,
                "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>",
                *lx + 6.0,
                legend_y - 10.0,
                *lx + 6.0,
                legend_y + 4.0
            );
        } else {
            let _ = write!(
                o,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"14\" height=\"12\" rx=\"2\" fill=\"{colour}\"/>",
                *lx,
                legend_y - 9.0
            );
        }
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#1f2328\">{label}</text>",
            *lx + 20.0,
            legend_y + 1.0
        );
        *lx += 20.0 + label.len() as f64 * 6.6 + 18.0;
    };
    swatch(&mut o, &mut lx, "#2f8f5b", "step done", false);
    swatch(&mut o, &mut lx, "#8c959f", "skipped", false);
    swatch(&mut o, &mut lx, "#3b6fd4", "in progress", false);
    swatch(&mut o, &mut lx, "#2a9d8f", "deadline met", true);
    swatch(
        &mut o,
        &mut lx,
        "#cf222e",
        "deadline missed / overdue",
        true,
    );
    swatch(&mut o, &mut lx, "#bf8700", "deadline open", true);
    o.push_str("</svg>\n");
    let mut caption = String::from(
        "Each bar runs from a step's first to its last record. Dashed lines are deadlines (due times), numbered as in section 5.",
    );
    if !beyond.is_empty() {
        let list: Vec<String> = beyond
            .iter()
            .map(|(n, d, due)| format!("D{n} {} (due {})", escape(&d.title), time(*due)))
            .collect();
        let _ = write!(caption, " Due after the chart's end: {}.", list.join("; "));
    }
    let _ = writeln!(o, "<figcaption>{caption}</figcaption></figure>");
    o
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::{escape, outcome};
    use crate::incident::deadlines::Outcome;
    use crate::report::model::DeadlineRow;

    #[test]
    fn the_outcome_cell_is_a_pill_and_the_shared_sentence() {
        let at = crate::types::parse_time("2026-11-24T09:00:00Z").unwrap();
        let cell = |o: Outcome| outcome(&DeadlineRow::with_outcome(o));
        assert_eq!(
            cell(Outcome::MetLate {
                at,
                margin: TimeDelta::hours(1)
            }),
            (
                "missed",
                "missed",
                "met late, 2026-11-24 09:00:00 UTC, 1h 00m after the due time".to_string()
            )
        );
        assert_eq!(
            cell(Outcome::Open {
                remaining: TimeDelta::hours(3),
                soon: true
            }),
            (
                "due_soon",
                "due soon",
                "still open, due soon, 3h 00m left".to_string()
            )
        );
        assert_eq!(
            cell(Outcome::Waiting {
                anchor: "notice <b>".into()
            }),
            (
                "waiting",
                "waiting",
                "the clock starts at notice &lt;b&gt;".to_string()
            )
        );
    }

    #[test]
    fn escape_neutralises_markup_and_attribute_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn escape_writes_controls_and_bidi_overrides_as_visible_escapes() {
        assert_eq!(
            escape("a\u{1b}[2J\u{7}\0\u{9b}\u{202e}z\nline\tt"),
            "a\\u{1b}[2J\\u{7}\\u{0}\\u{9b}\\u{202e}z\nline\tt"
        );
    }

    #[test]
    fn escape_keeps_plain_and_non_ascii_text() {
        assert_eq!(escape("naïve café 日本 | 100%"), "naïve café 日本 | 100%");
    }
}
