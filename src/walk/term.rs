//! [`DialoguerPrompter`]: the walk on a terminal, with dialoguer's prompts on stderr.
//!
//! Ctrl-C: dialoguer reads keys in raw mode, where Ctrl-C arrives as a byte and is turned
//! into a SIGINT. A handler that only sets a flag keeps the process alive, so the prompt
//! returns an `Interrupted` error, which becomes [`BreachError::Interrupted`] and lets the
//! command show the cursor again and say how to resume. Everything answered before is
//! already on disk.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Local, Utc};
use console::Term;
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, MultiSelect, Select};

use super::prompter::{Ask, Choice, Prompter, StepAction};
use super::text;
use crate::error::BreachError;

/// What the line of an optional question left empty says.
const NO_ANSWER: &str = "(no answer)";

/// The walk's prompts on the terminal (stderr).
pub struct DialoguerPrompter {
    term: Term,
    theme: Box<dyn Theme>,
    interrupted: Arc<AtomicBool>,
    width: usize,
    color: bool,
}

impl DialoguerPrompter {
    /// A prompter with colour (`ColorfulTheme`) or without (`SimpleTheme`). Installs the
    /// SIGINT handler described in the module doc.
    pub fn new(color: bool) -> anyhow::Result<DialoguerPrompter> {
        let interrupted = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&interrupted))
            .map_err(|e| anyhow::anyhow!("cannot install the Ctrl-C handler: {e}"))?;
        console::set_colors_enabled_stderr(color);
        let theme: Box<dyn Theme> = if color {
            Box::new(ColorfulTheme::default())
        } else {
            Box::new(SimpleTheme)
        };
        Ok(DialoguerPrompter {
            term: Term::stderr(),
            theme,
            interrupted,
            width: text::width(),
            color,
        })
    }

    /// Fails with `Interrupted` if Ctrl-C was pressed outside a prompt.
    fn guard(&self) -> anyhow::Result<()> {
        if self.interrupted.load(Ordering::SeqCst) {
            return Err(BreachError::Interrupted.into());
        }
        Ok(())
    }

    /// Writes the help text and a key hint above a prompt, and returns the prompt to give
    /// dialoguer. A prompt too long for one line is written out wrapped and replaced by a
    /// short one: dialoguer redraws its prompt line, which breaks when the line wraps.
    fn preamble(&self, ask: &Ask, hint: &str, reserve: usize) -> anyhow::Result<String> {
        let mut out = String::new();
        if let Some(help) = &ask.help {
            out.push_str(&text::wrap(help, self.width, "  "));
        }
        let shown = crate::output::safe(&ask.prompt);
        let prompt = if console::measure_text_width(&shown) + reserve > self.width {
            out.push_str(&text::wrap(&ask.prompt, self.width, "  "));
            "Answer".to_string()
        } else {
            shown.into_owned()
        };
        if !hint.is_empty() {
            out.push_str(&console::style(format!("  ({hint})")).dim().to_string());
            out.push('\n');
        }
        if !out.is_empty() {
            self.write(&out)?;
        }
        Ok(prompt)
    }

    /// Choice labels cut to one line: dialoguer redraws its list, which breaks on wrapped lines.
    fn labels(&self, choices: &[Choice]) -> Vec<String> {
        choices
            .iter()
            .map(|c| text::one_line(&c.label, self.width.saturating_sub(4)))
            .collect()
    }

    fn write(&self, text: &str) -> anyhow::Result<()> {
        self.term
            .write_str(text)
            .and_then(|()| self.term.flush())
            .map_err(io_error)
    }

    /// A one-line text input; `parse` turns the text into the value or says what is wrong.
    fn line<T>(
        &mut self,
        ask: &Ask,
        default: Option<String>,
        hint: &str,
        empty: &str,
        parse: &dyn Fn(&str) -> Result<T, String>,
    ) -> anyhow::Result<Option<T>> {
        self.guard()?;
        let reserve = 14
            + default
                .as_ref()
                .map_or(0, |d| console::measure_text_width(d));
        let mut prompt = self.preamble(ask, hint, reserve)?;
        // A default holding a control is shown escaped in the prompt; dialoguer would print
        // it raw. Accepting it still gives the exact stored text.
        let default_is_safe = default
            .as_deref()
            .is_none_or(|d| matches!(crate::output::safe(d), std::borrow::Cow::Borrowed(_)));
        if let (Some(d), false) = (&default, default_is_safe) {
            prompt = format!("{prompt} [{}]", crate::output::safe(d));
        }
        let required = ask.required;
        let mut input = Input::<String>::with_theme(self.theme.as_ref())
            .with_prompt(prompt.clone())
            .allow_empty(true)
            .report(false)
            .validate_with(|s: &String| -> Result<(), String> {
                if s.trim().is_empty() {
                    return if required {
                        Err("an answer is needed".into())
                    } else {
                        Ok(())
                    };
                }
                parse(s).map(|_| ())
            });
        if let Some(d) = &default {
            input = input.default(d.clone()).show_default(default_is_safe);
        }
        let typed = input
            .interact_text_on(&self.term)
            .map_err(dialoguer_error)?;
        self.guard()?;
        // The line left on screen: the answer, or plainly that there is none (dialoguer's
        // own report would show an empty answer with the same tick as a real one).
        let mut report = String::new();
        if typed.trim().is_empty() {
            let _ = self.theme.format_input_prompt_selection(
                &mut report,
                &prompt,
                &console::style(empty).dim().to_string(),
            );
            report = report.replacen('✔', "–", 1);
        } else {
            let _ = self
                .theme
                .format_input_prompt_selection(&mut report, &prompt, &typed);
        }
        self.write(&format!("{report}\n"))?;
        if typed.trim().is_empty() {
            return Ok(None);
        }
        parse(&typed).map(Some).map_err(|e| anyhow::anyhow!(e))
    }
}

impl Drop for DialoguerPrompter {
    fn drop(&mut self) {
        let _ = self.term.show_cursor();
    }
}

/// Maps a terminal error: Ctrl-C and a closed terminal become [`BreachError::Interrupted`].
fn io_error(e: std::io::Error) -> anyhow::Error {
    match e.kind() {
        std::io::ErrorKind::Interrupted | std::io::ErrorKind::UnexpectedEof => {
            BreachError::Interrupted.into()
        }
        _ => anyhow::Error::new(e).context("terminal error"),
    }
}

fn dialoguer_error(e: dialoguer::Error) -> anyhow::Error {
    match e {
        dialoguer::Error::IO(io) => io_error(io),
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

impl Prompter for DialoguerPrompter {
    fn show(&mut self, text: &str) -> anyhow::Result<()> {
        self.guard()?;
        let mut t = crate::output::safe_lines(text).into_owned();
        if !t.ends_with('\n') {
            t.push('\n');
        }
        self.write(&t)
    }

    fn confirm(&mut self, ask: &Ask, default: Option<bool>) -> anyhow::Result<Option<bool>> {
        self.guard()?;
        let prompt = self.preamble(ask, "", 14)?;
        let mut c = Confirm::with_theme(self.theme.as_ref()).with_prompt(prompt);
        if let Some(d) = default {
            c = c.default(d);
        }
        let answer = if ask.required {
            c.interact_on(&self.term).map(Some)
        } else {
            c.interact_on_opt(&self.term)
        }
        .map_err(dialoguer_error)?;
        self.guard()?;
        Ok(answer)
    }

    fn select(
        &mut self,
        ask: &Ask,
        choices: &[Choice],
        default: Option<usize>,
    ) -> anyhow::Result<Option<usize>> {
        self.guard()?;
        let prompt = self.preamble(ask, "", 6)?;
        let labels = self.labels(choices);
        let s = Select::with_theme(self.theme.as_ref())
            .with_prompt(prompt)
            .items(&labels)
            .default(default.unwrap_or(0));
        let answer = if ask.required {
            s.interact_on(&self.term).map(Some)
        } else {
            s.interact_on_opt(&self.term)
        }
        .map_err(dialoguer_error)?;
        self.guard()?;
        Ok(answer)
    }

    fn multiselect(
        &mut self,
        ask: &Ask,
        choices: &[Choice],
        checked: &[bool],
    ) -> anyhow::Result<Option<Vec<bool>>> {
        self.guard()?;
        let prompt = self.preamble(ask, "space picks, enter confirms", 6)?;
        let labels = self.labels(choices);
        let picked = MultiSelect::with_theme(self.theme.as_ref())
            .with_prompt(prompt)
            .items(&labels)
            .defaults(checked)
            .interact_on_opt(&self.term)
            .map_err(dialoguer_error)?;
        self.guard()?;
        Ok(picked.map(|idx| (0..choices.len()).map(|i| idx.contains(&i)).collect()))
    }

    fn checklist(
        &mut self,
        ask: &Ask,
        items: &[Choice],
        checked: &[bool],
    ) -> anyhow::Result<Option<Vec<bool>>> {
        self.guard()?;
        let prompt = self.preamble(ask, "space ticks or unticks, enter confirms", 6)?;
        let labels = self.labels(items);
        let picked = MultiSelect::with_theme(self.theme.as_ref())
            .with_prompt(prompt)
            .items(&labels)
            .defaults(checked)
            .report(false)
            .interact_on_opt(&self.term)
            .map_err(dialoguer_error)?;
        self.guard()?;
        let flags: Option<Vec<bool>> =
            picked.map(|idx| (0..items.len()).map(|i| idx.contains(&i)).collect());
        let ticked = flags
            .as_ref()
            .unwrap_or(&checked.to_vec())
            .iter()
            .filter(|f| **f)
            .count();
        let mark = if self.color {
            "✔ Checklist ·"
        } else {
            "Checklist:"
        };
        self.write(&format!("{mark} {ticked} of {} ticked\n", items.len()))?;
        Ok(flags)
    }

    fn text(
        &mut self,
        ask: &Ask,
        default: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> anyhow::Result<Option<String>> {
        let parse = |s: &str| check(s).map(|()| s.to_string());
        let hint = if ask.required || default.is_some() {
            ""
        } else {
            "enter: skip"
        };
        let answer = self.line(ask, default.map(String::from), hint, NO_ANSWER, &parse)?;
        Ok(answer.or_else(|| default.map(String::from)))
    }

    fn lines(
        &mut self,
        ask: &Ask,
        default: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> anyhow::Result<Option<String>> {
        if let Some(d) = default {
            self.write(&text::wrap(
                &format!("So far:\n{d}\n(enter on the first line keeps it)"),
                self.width,
                "  ",
            ))?;
        }
        let mut entries: Vec<String> = Vec::new();
        loop {
            let line_ask = Ask {
                key: ask.key.clone(),
                prompt: if entries.is_empty() {
                    format!("{} (line 1)", ask.prompt)
                } else {
                    format!("(line {})", entries.len() + 1)
                },
                help: if entries.is_empty() {
                    ask.help.clone()
                } else {
                    None
                },
                required: false,
            };
            let hint = if entries.is_empty() {
                "one entry per line; an empty line ends the list"
            } else {
                ""
            };
            let empty = if entries.is_empty() {
                NO_ANSWER
            } else {
                "(end of the list)"
            };
            match self.line(&line_ask, None, hint, empty, &|s: &str| Ok(s.to_string()))? {
                Some(entry) => entries.push(entry),
                None => break,
            }
        }
        if entries.is_empty() {
            if ask.required && default.is_none() {
                self.rejected(ask, "an answer is needed")?;
                return self.lines(ask, default, check);
            }
            return Ok(default.map(String::from));
        }
        let text = entries.join("\n");
        if let Err(problem) = check(&text) {
            self.rejected(ask, &problem)?;
            return self.lines(ask, default, check);
        }
        Ok(Some(text))
    }

    fn number(&mut self, ask: &Ask, default: Option<f64>) -> anyhow::Result<Option<f64>> {
        let parse = |s: &str| match s.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            _ => Err(format!("{s:?} is not a number")),
        };
        let hint = if ask.required || default.is_some() {
            ""
        } else {
            "enter: skip"
        };
        let shown = default.map(crate::types::format_number);
        let answer = self.line(ask, shown, hint, NO_ANSWER, &parse)?;
        Ok(answer.or(default))
    }

    fn datetime(
        &mut self,
        ask: &Ask,
        default: Option<DateTime<Utc>>,
    ) -> anyhow::Result<Option<DateTime<Utc>>> {
        let shown = default.map(local);
        let parse = |s: &str| {
            // Accepting the default as shown (minutes) keeps the exact stored time.
            match (default, &shown) {
                (Some(d), Some(text)) if s.trim() == text => Ok(d),
                _ => super::parse_when(s),
            }
        };
        let hint = if ask.required || default.is_some() {
            "`now`, or a local time like 2026-11-23 10:15"
        } else {
            "`now`, or a local time like 2026-11-23 10:15; enter: skip"
        };
        let answer = self.line(ask, shown.clone(), hint, NO_ANSWER, &parse)?;
        Ok(answer.or(default))
    }

    fn rejected(&mut self, ask: &Ask, problem: &str) -> anyhow::Result<()> {
        let _ = ask;
        self.write(&format!("  ✗ {}\n", crate::output::safe_lines(problem)))
    }

    fn step_action(&mut self, _ask: &Ask) -> anyhow::Result<StepAction> {
        self.guard()?;
        const ACTIONS: [(&str, StepAction); 6] = [
            ("Mark this step done", StepAction::Done),
            ("Skip this step (you will be asked why)", StepAction::Skip),
            (
                "Leave it open and go on to the next step",
                StepAction::LeaveOpen,
            ),
            ("Back to the checklist", StepAction::Checklist),
            ("Add a note", StepAction::Note),
            (
                "Pause and quit (`breach resume` carries on)",
                StepAction::Pause,
            ),
        ];
        let labels: Vec<&str> = ACTIONS.iter().map(|(l, _)| *l).collect();
        let idx = Select::with_theme(self.theme.as_ref())
            .with_prompt("What now with this step?")
            .items(&labels)
            .default(0)
            .interact_on(&self.term)
            .map_err(dialoguer_error)?;
        self.guard()?;
        Ok(ACTIONS[idx].1.clone())
    }

    fn confirm_done_with_open_items(
        &mut self,
        _step: &str,
        open: &[Choice],
    ) -> anyhow::Result<bool> {
        let mut msg = String::from("These required items are not checked:\n");
        for c in open {
            msg.push_str(&format!(
                "  - {}\n",
                text::one_line(&c.label, self.width - 4)
            ));
        }
        self.show(&msg)?;
        let ask = Ask::new(
            "",
            "Mark the step done anyway? (the open items are recorded)",
            true,
        );
        Ok(self.confirm(&ask, Some(false))?.unwrap_or(false))
    }

    fn skip_reason(&mut self, _step: &str) -> anyhow::Result<String> {
        let ask = Ask::new("", "Why skip this step?", true);
        let check = |s: &str| {
            if s.trim().is_empty() {
                Err("a reason is needed".to_string())
            } else {
                Ok(())
            }
        };
        loop {
            if let Some(reason) = self.text(&ask, None, &check)? {
                return Ok(reason);
            }
        }
    }

    fn note(&mut self, _step: &str) -> anyhow::Result<Option<String>> {
        let ask = Ask::new("", "Note", false);
        self.text(&ask, None, &|_| Ok(()))
    }
}
