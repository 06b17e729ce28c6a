//! All terminal output goes through [`Output`]: one place decides colour (NO_COLOR,
//! `--color`, whether stdout is a terminal) and where text goes (results to stdout,
//! diagnostics to stderr). A closed stdout pipe surfaces as a `BrokenPipe` I/O error, which
//! the exit-code mapping treats as success.

use std::io::{IsTerminal, Write};

/// When to colour output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Where and how `breach` writes to the terminal.
#[derive(Debug, Clone)]
pub struct Output {
    color_stdout: bool,
    color_stderr: bool,
}

impl Output {
    /// Decides colour from a choice and the environment (`NO_COLOR`, terminals).
    pub fn new(choice: ColorChoice) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let (color_stdout, color_stderr) = match choice {
            ColorChoice::Always => (true, true),
            ColorChoice::Never => (false, false),
            ColorChoice::Auto => (
                !no_color && std::io::stdout().is_terminal(),
                !no_color && std::io::stderr().is_terminal(),
            ),
        };
        Output {
            color_stdout,
            color_stderr,
        }
    }

    /// Output with colour off everywhere (for tests and files).
    pub fn plain() -> Self {
        Output {
            color_stdout: false,
            color_stderr: false,
        }
    }

    /// Whether text on stdout may carry colour.
    pub fn color(&self) -> bool {
        self.color_stdout
    }

    /// Writes a result to stdout (a trailing newline is added if missing).
    pub fn print(&self, text: &str) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            stdout.write_all(b"\n")?;
        }
        stdout.flush()
    }

    /// Writes a value to stdout as pretty JSON.
    pub fn print_json<T: serde::Serialize>(&self, value: &T) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(value)?;
        self.print(&text)?;
        Ok(())
    }

    /// A diagnostic line on stderr: `error: ...`. Diagnostics quote stored text and file
    /// names, so every one is printed through [`safe_lines`].
    pub fn error(&self, text: &str) {
        let label = self.paint_err("error:", console::Style::new().red().bold());
        let _ = writeln!(std::io::stderr(), "{label} {}", safe_lines(text));
    }

    /// A diagnostic line on stderr: `warning: ...`.
    pub fn warn(&self, text: &str) {
        let label = self.paint_err("warning:", console::Style::new().yellow().bold());
        let _ = writeln!(std::io::stderr(), "{label} {}", safe_lines(text));
    }

    /// A hint line on stderr: `hint: ...`.
    pub fn hint(&self, text: &str) {
        let label = self.paint_err("hint:", console::Style::new().cyan());
        let _ = writeln!(std::io::stderr(), "{label} {}", safe_lines(text));
    }

    /// An informational line on stderr (progress, confirmations that are not the result).
    pub fn info(&self, text: &str) {
        let _ = writeln!(std::io::stderr(), "{}", safe_lines(text));
    }

    /// Styles text for stdout if colour is on.
    pub fn paint(&self, text: &str, style: console::Style) -> String {
        if self.color_stdout {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    fn paint_err(&self, text: &str, style: console::Style) -> String {
        if self.color_stderr {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }
}

/// The width to lay tables out in. On a terminal: `COLUMNS` when it is set to a number (as
/// `ls` and `git` honour it), else the terminal's own width, and at least 40. When stdout is
/// not a terminal: 80 columns (list tables do not wrap there, see [`list_arrangement`]).
pub fn terminal_width() -> u16 {
    if !std::io::stdout().is_terminal() {
        return 80;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|&c| c > 0);
    let cols = columns.unwrap_or_else(|| {
        console::Term::stdout()
            .size_checked()
            .map_or(80, |(_rows, cols)| cols)
    });
    cols.max(40)
}

/// The width a fitted layout (`breach status`) may use: `Some` on a terminal
/// ([`terminal_width`]), where long values are cut to fit; `None` when stdout is a pipe or a
/// file, where every value is printed whole and each table row stays one line (for `grep`).
pub fn fit_width() -> Option<usize> {
    std::io::stdout()
        .is_terminal()
        .then(|| usize::from(terminal_width()))
}

/// How a list-like table (`list`, `evidence list`, `notify list`, ...) lays out its cells:
/// on a terminal, wrapped to its width; in a pipe or a file, never wrapped, so that every
/// id and path stays whole and each row is one line (for `grep`, `cut`, `awk`).
pub fn list_arrangement() -> comfy_table::ContentArrangement {
    if std::io::stdout().is_terminal() {
        comfy_table::ContentArrangement::Dynamic
    } else {
        comfy_table::ContentArrangement::Disabled
    }
}

/// The lines of one table cell: one under the other on a terminal, joined with `; ` on one
/// line when stdout is not a terminal (see [`list_arrangement`]).
pub fn cell_lines(lines: &[String]) -> String {
    if std::io::stdout().is_terminal() {
        lines.join("\n")
    } else {
        lines.join("; ")
    }
}

/// Text from the incident file, a runbook or a file name, made safe to print on a terminal:
/// every control character (C0, DEL, C1), the bidirectional overrides and isolates, and the
/// line and paragraph separators are shown as visible escapes (`\e`, `\r`, `\u{202e}`), so
/// that stored text can never move the cursor, clear the screen, set the window title, hide a
/// link or reorder what is shown. Text without any of them is returned as it is. The file
/// keeps the exact bytes; only what is shown changes.
pub fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    neutralise(text, false)
}

/// [`safe`] for multi-line text (a note, a draft, a step's guidance): newlines and tabs are
/// kept, every other control is shown as an escape.
pub fn safe_lines(text: &str) -> std::borrow::Cow<'_, str> {
    neutralise(text, true)
}

/// Whether a character could change the terminal's state or reorder what it shows.
fn hostile(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

fn neutralise(text: &str, keep_lines: bool) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| hostile(c) && !(keep_lines && matches!(c, '\n' | '\t'));
    if !text.chars().any(bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !bad(c) {
            out.push(c);
            continue;
        }
        match c {
            '\u{1b}' => out.push_str("\\e"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            other => out.push_str(&format!("\\u{{{:x}}}", u32::from(other))),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`safe`] as an owned string (for table cells).
pub fn sanitize(text: &str) -> String {
    safe(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_unchanged_and_borrowed() {
        let text = "Card skimmer on checkout — café, 日本";
        assert!(matches!(safe(text), std::borrow::Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn controls_and_bidi_overrides_are_shown_as_escapes() {
        assert_eq!(safe("\u{1b}]0;pwned\u{7}title"), "\\e]0;pwned\\u{7}title");
        assert_eq!(safe("a\u{1b}[2Jb"), "a\\e[2Jb");
        assert_eq!(safe("x\r\u{1b}[1Ay"), "x\\r\\e[1Ay");
        assert_eq!(safe("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(safe("\u{2066}i\u{2069}"), "\\u{2066}i\\u{2069}");
        assert_eq!(safe("nul\0del\u{7f}c1\u{9b}"), "nul\\0del\\u{7f}c1\\u{9b}");
        assert_eq!(safe("two\nlines\tand tab"), "two\\nlines\\tand tab");
    }

    #[test]
    fn multi_line_text_keeps_newlines_and_tabs_only() {
        assert_eq!(safe_lines("one\n\ttwo"), "one\n\ttwo");
        assert_eq!(safe_lines("one\r\ntwo\u{1b}[2J"), "one\\r\ntwo\\e[2J");
    }
}
