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

    /// A diagnostic line on stderr: `error: ...`.
    pub fn error(&self, text: &str) {
        let label = self.paint_err("error:", console::Style::new().red().bold());
        let _ = writeln!(std::io::stderr(), "{label} {text}");
    }

    /// A diagnostic line on stderr: `warning: ...`.
    pub fn warn(&self, text: &str) {
        let label = self.paint_err("warning:", console::Style::new().yellow().bold());
        let _ = writeln!(std::io::stderr(), "{label} {text}");
    }

    /// A hint line on stderr: `hint: ...`.
    pub fn hint(&self, text: &str) {
        let label = self.paint_err("hint:", console::Style::new().cyan());
        let _ = writeln!(std::io::stderr(), "{label} {text}");
    }

    /// An informational line on stderr (progress, confirmations that are not the result).
    pub fn info(&self, text: &str) {
        let _ = writeln!(std::io::stderr(), "{text}");
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

/// The width to lay tables out in: the terminal's, or 80 columns when not a terminal.
pub fn terminal_width() -> u16 {
    let (rows, cols) = console::Term::stdout().size_checked().unwrap_or((24, 80));
    let _ = rows;
    if std::io::stdout().is_terminal() {
        cols.max(40)
    } else {
        80
    }
}

/// Text a user typed, made safe to show on a terminal: control characters (line breaks
/// included) and bidirectional overrides become visible escapes (`\u{202e}`), so
/// stored text cannot move the cursor or reorder what is shown. The file keeps the bytes.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}');
        if c.is_control() || bidi {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}
