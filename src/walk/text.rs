//! Laying out the walk's text for a terminal: wrapping guidance, the step header, what was
//! decided before, and the closing summary.

use std::fmt::Write as _;

use crate::incident::{Incident, StepStatus};
use crate::output::{safe, safe_lines};

/// The widest the walk's text gets, in columns, however wide the terminal.
pub const MAX_WIDTH: usize = 78;

/// The width to wrap to: the terminal's (stderr) less a margin, at most [`MAX_WIDTH`].
pub fn width() -> usize {
    let cols = console::Term::stderr()
        .size_checked()
        .map_or(80, |(_, c)| c as usize);
    cols.saturating_sub(2).clamp(30, MAX_WIDTH)
}

/// Wraps text into lines of at most `width` columns, each prefixed by `indent`. Words longer
/// than a line are left whole rather than cut. Controls other than newlines and tabs are
/// shown as escapes ([`safe_lines`]).
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let room = width.saturating_sub(indent.len()).max(20);
    let text = safe_lines(text);
    let mut out = String::new();
    for paragraph in text.split("\n\n") {
        if !out.is_empty() {
            out.push('\n');
        }
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let needed = console::measure_text_width(&line)
                + usize::from(!line.is_empty())
                + console::measure_text_width(word);
            if !line.is_empty() && needed > room {
                let _ = writeln!(out, "{indent}{line}");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            let _ = writeln!(out, "{indent}{line}");
        }
    }
    out
}

/// Cuts text to at most `max` columns on one line, ending in `…` when cut, with every
/// control shown as an escape ([`safe_lines`]; newlines and tabs become spaces).
pub fn one_line(text: &str, max: usize) -> String {
    let flat = safe_lines(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if console::measure_text_width(&flat) <= max {
        return flat;
    }
    let mut out = String::new();
    for c in flat.chars() {
        if console::measure_text_width(&out) + 2 > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// The block shown at the top of a step.
pub fn step_header(incident: &Incident, idx: usize, width: usize, deadlines: &[String]) -> String {
    let spec = &incident.runbook.steps[idx];
    let total = incident.runbook.steps.len();
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", "─".repeat(width.min(MAX_WIDTH)));
    let _ = writeln!(out, "Step {} of {total} — {}", idx + 1, safe(&spec.title));
    let _ = writeln!(out, "Owner: {}", safe(&spec.owner));
    if incident.steps[idx].status == StepStatus::InProgress {
        let (checked, items) = incident.steps[idx].progress();
        let _ = writeln!(
            out,
            "Started earlier: {checked} of {items} items checked, {} answered",
            plural(incident.steps[idx].answers.len(), "question", "questions")
        );
    }
    out.push('\n');
    out.push_str(&wrap(&spec.guidance, width, "  "));
    if !deadlines.is_empty() {
        out.push('\n');
        out.push_str("  Deadlines that depend on this step:\n");
        for d in deadlines {
            let lines = wrap(d, width, "    ");
            out.push_str("  - ");
            out.push_str(lines.strip_prefix("    ").unwrap_or(&lines));
        }
    }
    out.push('\n');
    out
}

/// What was already decided: one line per closed step, its answers and checked items.
pub fn decided(incident: &Incident, width: usize) -> String {
    let mut out = String::new();
    for (idx, (spec, state)) in incident
        .runbook
        .steps
        .iter()
        .zip(&incident.steps)
        .enumerate()
    {
        if !state.status.is_closed() {
            continue;
        }
        if out.is_empty() {
            out.push_str("Already decided:\n");
        }
        let how = match (&state.status, &state.skip_reason) {
            (StepStatus::Skipped, Some(r)) => format!("skipped: {}", one_line(r, 40)),
            (StepStatus::Skipped, None) => "skipped".into(),
            _ if !state.done_with_open_items.is_empty() => format!(
                "done with {} open",
                plural(state.done_with_open_items.len(), "item", "items")
            ),
            _ => "done".into(),
        };
        let _ = writeln!(out, "  {}. {} — {how}", idx + 1, one_line(&spec.title, 50));
        let (checked, total) = state.progress();
        if total > 0 {
            let _ = writeln!(out, "       checked {checked} of {total} items");
        }
        for q in &spec.questions {
            if let Some(a) = state.answers.get(&q.id) {
                let value = safe(&q.display_answer(&a.value)).into_owned();
                let prompt_room = width.saturating_sub(10 + value.len().min(30)).max(20);
                let line = format!("{}: {}", one_line(&q.prompt, prompt_room), value);
                let _ = writeln!(out, "       {}", one_line(&line, width.saturating_sub(7)));
            }
        }
    }
    out
}

/// Counts by status over the applicable steps: `(done, skipped, open step indices)`.
pub fn tally(incident: &Incident) -> (usize, usize, Vec<usize>) {
    let mut done = 0;
    let mut skipped = 0;
    let mut open = Vec::new();
    for (idx, state) in incident.steps.iter().enumerate() {
        match state.status {
            StepStatus::Done => done += 1,
            StepStatus::Skipped => skipped += 1,
            _ if incident.step_applies(idx) => open.push(idx),
            _ => {}
        }
    }
    (done, skipped, open)
}

/// The closing summary with the commands to run next.
pub fn summary(incident: &Incident, paused: bool, width: usize) -> String {
    let (done, skipped, open) = tally(incident);
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", "─".repeat(width.min(MAX_WIDTH)));
    let _ = writeln!(
        out,
        "{} {}",
        if paused { "Paused:" } else { "Walk finished:" },
        safe(&incident.title)
    );
    let _ = writeln!(out, "  {done} done, {skipped} skipped, {} open", open.len());
    for idx in &open {
        let spec = &incident.runbook.steps[*idx];
        let _ = writeln!(
            out,
            "  open: {}. {}",
            idx + 1,
            one_line(&spec.title, width - 12)
        );
    }
    let id = &incident.id;
    let _ = writeln!(out, "\nNext:");
    let _ = writeln!(out, "  breach status {id}");
    let _ = writeln!(out, "  breach export {id} -o report.md");
    if open.is_empty() {
        let _ = writeln!(out, "  breach close {id}");
    } else {
        let _ = writeln!(out, "  breach resume {id}");
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_width_and_indents() {
        let text = "Stop the bleeding before anything else. Cut off the attacker's access and \
                    stop more data leaving, even if that means taking the store offline.";
        let out = wrap(text, 40, "  ");
        assert!(out.lines().count() > 2, "{out}");
        for line in out.lines() {
            assert!(line.starts_with("  "), "{line:?}");
            assert!(console::measure_text_width(line) <= 40, "{line:?}");
        }
        let rejoined = out.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            rejoined,
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }

    #[test]
    fn wrapped_and_cut_text_shows_controls_as_escapes() {
        let hostile = "clear\u{1b}[2J the screen \u{202e}reversed\nnext";
        let wrapped = wrap(hostile, 78, "  ");
        assert!(!wrapped.contains('\u{1b}') && !wrapped.contains('\u{202e}'));
        assert!(
            wrapped.contains("\\e[2J") && wrapped.contains("\\u{202e}"),
            "{wrapped}"
        );
        let cut = one_line(hostile, 78);
        assert_eq!(cut, "clear\\e[2J the screen \\u{202e}reversed next");
    }

    #[test]
    fn one_line_cuts_with_an_ellipsis() {
        assert_eq!(one_line("short", 10), "short");
        let cut = one_line("a rather long line of text", 10);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(console::measure_text_width(&cut) <= 10, "{cut}");
    }
}
