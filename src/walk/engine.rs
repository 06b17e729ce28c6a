//! The walk engine: goes through the open steps of an incident in runbook order, asks
//! through a [`Prompter`], and appends every answer to the incident file the moment it is
//! given, through [`crate::ledger::append_held`] (which validates it with
//! [`crate::incident::action::validate`], exactly like the `check`, `answer` and `step`
//! commands) against the state the walk holds; the file is read again only when another
//! writer got in. Nothing is batched: an interrupted walk loses at most the question on screen.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::prompter::{Ask, Choice, OTHER_PLACE, Prompter, StepAction, parse_codes};
use super::text;
use crate::error::{conflict, not_found};
use crate::incident::Incident;
use crate::incident::action::{check_value, plausibility};
use crate::journal::{Answer, Check, Note, Payload, Record, StepChange, StepOutcome};
use crate::runbook::QuestionKind;
use crate::runbook::condition::applies;
use crate::types::AnswerValue;

/// How a walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkEnd {
    /// Every open step from the starting one on was gone through.
    Finished,
    /// The operator chose "pause and quit".
    Paused,
}

/// How one step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepEnd {
    Closed,
    LeftOpen,
    Pause,
}

/// The walk over one incident file.
pub struct Walker<'p> {
    path: PathBuf,
    operator: String,
    prompter: &'p mut dyn Prompter,
    incident: Incident,
    /// Where the file was when `incident` was last read or written.
    mark: crate::ledger::Mark,
    width: usize,
    /// Deadlines whose jump the operator declined in this walk (not offered again).
    declined: Vec<String>,
}

impl<'p> Walker<'p> {
    /// Reads and verifies the incident file; fails if its chain is not intact or it is
    /// closed.
    pub fn open(
        path: &Path,
        operator: &str,
        prompter: &'p mut dyn Prompter,
    ) -> anyhow::Result<Walker<'p>> {
        let (incident, mark) = crate::ledger::load_marked(path)?;
        Self::with_loaded(path, operator, prompter, incident, mark)
    }

    /// A walker on an incident the caller has just read with `ledger::load_marked` (so that
    /// the file is read once).
    pub fn with_loaded(
        path: &Path,
        operator: &str,
        prompter: &'p mut dyn Prompter,
        incident: Incident,
        mark: crate::ledger::Mark,
    ) -> anyhow::Result<Walker<'p>> {
        if incident.is_closed() {
            return Err(conflict(format!(
                "incident {} is closed; nothing more can be recorded",
                incident.id
            )));
        }
        Ok(Walker {
            path: path.to_path_buf(),
            operator: operator.to_string(),
            prompter,
            incident,
            mark,
            width: text::width(),
            declined: Vec::new(),
        })
    }

    /// Sets the width text is wrapped to.
    pub fn with_width(mut self, width: usize) -> Self {
        self.width = width;
        self
    }

    /// The incident as it stands after everything recorded so far.
    pub fn incident(&self) -> &Incident {
        &self.incident
    }

    /// Shows `intro`, what closed steps decided (for `breach resume`), and `keys`.
    pub fn show_decided_with(&mut self, intro: &str, keys: Option<&str>) -> anyhow::Result<()> {
        let mut out = intro.to_string();
        out.push_str(&text::decided(&self.incident, self.width));
        if let Some(keys) = keys {
            out.push('\n');
            out.push_str(&text::wrap(keys, self.width, ""));
        }
        self.prompter.show(&out)
    }

    /// Walks from `from` (a step id) or the first open step to the end of the runbook.
    pub fn run(&mut self, from: Option<&str>) -> anyhow::Result<WalkEnd> {
        let mut next = match from {
            Some(id) => Some(self.starting_step(id)?),
            None => self.incident.first_open_step(),
        };
        while let Some(idx) = next {
            self.urgent_first()?;
            match self.walk_step(idx)? {
                StepEnd::Pause => {
                    self.urgent_first()?;
                    return Ok(WalkEnd::Paused);
                }
                StepEnd::Closed | StepEnd::LeftOpen => {}
            }
            // Re-evaluated after every step: answers change which later steps apply.
            next = (idx + 1..self.incident.steps.len()).find(|&i| {
                !self.incident.steps[i].status.is_closed() && self.incident.step_applies(i)
            });
        }
        self.urgent_first()?;
        Ok(WalkEnd::Finished)
    }

    /// Shows the legal clocks that are overdue or due within 24 hours, most pressing first,
    /// and offers to go straight to the item that meets the most pressing one (the choice
    /// `breach status`'s "Next:" makes too: [`crate::incident::next`]). A declined offer is
    /// not made again in this walk.
    fn urgent_first(&mut self) -> anyhow::Result<()> {
        use crate::incident::{deadlines, next};
        let now = crate::clock::now()?;
        let statuses = deadlines::evaluate(&self.incident, now);
        let pressing = next::pressing(&statuses);
        let Some(first) = pressing.first() else {
            return Ok(());
        };
        let mut out = String::from("\nLegal clocks that cannot wait (most pressing first):\n");
        for line in pressing.iter().filter_map(|d| clock_line(d)) {
            let line = text::wrap(&line, self.width, "    ");
            out.push_str("  ! ");
            out.push_str(line.strip_prefix("    ").unwrap_or(&line));
        }
        let target = next::target(&self.incident, first);
        let offer = match &target {
            Some(next::Target {
                step,
                item: Some(item),
            }) if !self.declined.contains(&first.id) => {
                let spec = &self.incident.runbook.steps[*step];
                spec.items
                    .iter()
                    .find(|i| &i.id == item)
                    .map(|i| (*step, i.id.clone(), i.text.clone()))
            }
            _ => None,
        };
        if offer.is_none() {
            let how = match &target {
                Some(t) => format!(
                    "  It is met in step {} ({}).",
                    t.step + 1,
                    self.incident.runbook.steps[t.step].title
                ),
                None => "  Record the notice that meets it with `breach notify sent TEMPLATE`."
                    .to_string(),
            };
            out.push_str(&text::wrap(&how, self.width, "  "));
        }
        self.prompter.show(&out)?;
        let Some((step, item, item_text)) = offer else {
            return Ok(());
        };
        let step_id = self.incident.runbook.steps[step].id.clone();
        let ask = Ask::new(
            format!("jump/{step_id}/{item}"),
            format!(
                "Go straight to it: “{item_text}” (step {}, {})?",
                step + 1,
                self.incident.runbook.steps[step].title
            ),
            false,
        );
        if self.prompter.confirm(&ask, Some(true))? != Some(true) {
            self.declined.push(first.id.clone());
            return Ok(());
        }
        let choice = Choice {
            id: item.clone(),
            label: item_text,
        };
        let ask = Ask::new(step_id.clone(), "Checklist: tick it once it is done", false);
        if let Some(flags) = self.prompter.checklist(&ask, &[choice], &[false])?
            && flags.first() == Some(&true)
        {
            self.record(Payload::Check(Check {
                step: step_id,
                item,
                checked: true,
            }))?;
        } else {
            self.declined.push(first.id.clone());
        }
        Ok(())
    }

    fn starting_step(&mut self, id: &str) -> anyhow::Result<usize> {
        let runbook = &self.incident.runbook;
        let idx = runbook.step_index(id).ok_or_else(|| {
            let ids: Vec<&str> = runbook.steps.iter().map(|s| s.id.as_str()).collect();
            not_found(format!(
                "no step `{id}` in runbook {}; steps are: {}",
                runbook.id,
                ids.join(", ")
            ))
        })?;
        let status = self.incident.steps[idx].status;
        if status.is_closed() {
            return Err(crate::error::about(
                crate::error::Topic::StepClosed {
                    step: id.to_string(),
                },
                crate::error::BreachError::Conflict(format!(
                    "step `{id}` is already {}",
                    status.as_str()
                )),
            ));
        }
        if !self.incident.step_applies(idx) {
            self.prompter.show(&format!(
                "Note: step `{id}` does not apply given the answers so far; walking it because it was asked for."
            ))?;
        }
        Ok(idx)
    }

    /// Appends one record through the same path as the commands.
    fn record(&mut self, payload: Payload) -> anyhow::Result<Record> {
        let now = crate::clock::now()?;
        crate::ledger::append_held(
            &self.path,
            &mut self.incident,
            &mut self.mark,
            &self.operator,
            now,
            payload,
        )
    }

    fn walk_step(&mut self, idx: usize) -> anyhow::Result<StepEnd> {
        let deadlines = deadlines_for_step(&self.incident, idx);
        let header = text::step_header(&self.incident, idx, self.width, &deadlines);
        self.prompter.show(&header)?;
        self.checklist(idx)?;
        let questions = self.incident.runbook.steps[idx].questions.len();
        for q in 0..questions {
            self.question(idx, q, false)?;
        }
        self.action_menu(idx)
    }

    fn checklist(&mut self, idx: usize) -> anyhow::Result<()> {
        let spec = &self.incident.runbook.steps[idx];
        let state = &self.incident.steps[idx];
        let mut items = Vec::new();
        let mut checked = Vec::new();
        for (item, st) in spec.items.iter().zip(&state.items) {
            if !applies(item.when.as_ref(), &self.incident) {
                continue;
            }
            let label = if item.required {
                item.text.clone()
            } else {
                format!("{} (optional)", item.text)
            };
            items.push(Choice {
                id: item.id.clone(),
                label,
            });
            checked.push(st.checked);
        }
        if items.is_empty() {
            return Ok(());
        }
        let ask = Ask::new(spec.id.clone(), "Checklist: tick what is done", false);
        let Some(now_checked) = self.prompter.checklist(&ask, &items, &checked)? else {
            return Ok(());
        };
        let step = spec.id.clone();
        for ((item, was), is) in items.iter().zip(checked).zip(now_checked) {
            if was != is {
                self.record(Payload::Check(Check {
                    step: step.clone(),
                    item: item.id.clone(),
                    checked: is,
                }))?;
            }
        }
        Ok(())
    }

    /// Asks question `q` of step `idx` if it applies now. `insist` asks until answered.
    fn question(&mut self, idx: usize, q: usize, insist: bool) -> anyhow::Result<()> {
        let step_id = self.incident.runbook.steps[idx].id.clone();
        let question = self.incident.runbook.steps[idx].questions[q].clone();
        if !applies(question.when.as_ref(), &self.incident) {
            return Ok(());
        }
        let current = self.incident.steps[idx]
            .answers
            .get(&question.id)
            .map(|a| a.value.clone());
        // The answer an import of the affected people gave, if the current one is its.
        let imported = self.incident.steps[idx]
            .answers
            .get(&question.id)
            .and_then(|a| {
                self.incident
                    .affected
                    .iter()
                    .find(|i| i.stamp.seq == a.stamp.seq)
            })
            .map(|i| (i.stamp.seq, i.import.source.clone()));
        let ask = Ask {
            key: format!("{step_id}/{}", question.id),
            prompt: question.prompt.clone(),
            help: affected_hint(&question, question.help.clone(), imported.as_ref()),
            required: question.required || insist,
        };
        let choices: Vec<Choice> = question
            .options
            .iter()
            .map(|o| Choice {
                id: o.id.clone(),
                label: o.label.clone(),
            })
            .collect();
        loop {
            let value = match question.kind {
                QuestionKind::Confirm => {
                    let default = match &current {
                        Some(AnswerValue::Bool(b)) => Some(*b),
                        _ => None,
                    };
                    self.prompter.confirm(&ask, default)?.map(AnswerValue::Bool)
                }
                QuestionKind::Select => {
                    let default = current
                        .as_ref()
                        .and_then(|v| choices.iter().position(|c| v.contains(&c.id)));
                    self.prompter
                        .select(&ask, &choices, default)?
                        .map(|i| AnswerValue::Text(choices[i].id.clone()))
                }
                QuestionKind::Multiselect => {
                    // A places question offers, after its pick list, the places typed in
                    // earlier and an entry to type more.
                    let mut choices = choices.clone();
                    if question.codes.is_some() {
                        if let Some(AnswerValue::List(v)) = &current {
                            let typed: Vec<String> = v
                                .iter()
                                .filter(|c| !choices.iter().any(|o| &o.id == *c))
                                .cloned()
                                .collect();
                            choices.extend(typed.into_iter().map(|code| Choice {
                                label: code.clone(),
                                id: code,
                            }));
                        }
                        choices.push(Choice {
                            id: OTHER_PLACE.into(),
                            label: "Another place: type its ISO 3166 code".into(),
                        });
                    }
                    let checked: Vec<bool> = choices
                        .iter()
                        .map(|c| current.as_ref().is_some_and(|v| v.contains(&c.id)))
                        .collect();
                    match self.prompter.multiselect(&ask, &choices, &checked)? {
                        None => None,
                        Some(flags) => {
                            let picked: Vec<&Choice> = choices
                                .iter()
                                .zip(flags)
                                .filter(|(_, f)| *f)
                                .map(|(c, _)| c)
                                .collect();
                            let mut ids: Vec<String> = picked
                                .iter()
                                .filter(|c| c.id != OTHER_PLACE)
                                .map(|c| c.id.clone())
                                .collect();
                            if picked.iter().any(|c| c.id == OTHER_PLACE) {
                                let more = Ask {
                                    key: format!("{}{OTHER_PLACE}", ask.key),
                                    prompt: "Other places: their ISO 3166 codes, separated by commas (for example NZ, US-OR)".into(),
                                    help: None,
                                    required: false,
                                };
                                let check = |t: &str| parse_codes(t).map(|_| ());
                                if let Some(t) = self.prompter.text(&more, None, &check)? {
                                    for code in parse_codes(&t).unwrap_or_default() {
                                        if !ids.contains(&code) {
                                            ids.push(code);
                                        }
                                    }
                                }
                            }
                            Some(AnswerValue::List(ids))
                        }
                    }
                }
                QuestionKind::Text => {
                    let default = match &current {
                        Some(AnswerValue::Text(t)) => Some(t.as_str()),
                        _ => None,
                    };
                    let check = |s: &str| {
                        let mut q = question.clone();
                        q.required = ask.required;
                        check_value(&q, &AnswerValue::Text(s.to_string()))
                            .map_err(|e| e.to_string())
                    };
                    if asks_for_a_list(&question.prompt) {
                        self.prompter.lines(&ask, default, &check)?
                    } else {
                        self.prompter.text(&ask, default, &check)?
                    }
                    .map(AnswerValue::Text)
                }
                QuestionKind::Number => {
                    let default = current.as_ref().and_then(AnswerValue::as_number);
                    self.prompter
                        .number(&ask, default)?
                        .map(AnswerValue::from_number)
                }
                QuestionKind::Datetime => {
                    let default = match &current {
                        Some(AnswerValue::Text(t)) => DateTime::parse_from_rfc3339(t)
                            .ok()
                            .map(|t| t.with_timezone(&Utc)),
                        _ => None,
                    };
                    self.prompter
                        .datetime(&ask, default)?
                        .map(|t| AnswerValue::Text(crate::types::format_utc(t)))
                }
            };
            let Some(value) = value else {
                return Ok(());
            };
            if let Err(e) = check_value(&question, &value) {
                self.prompter.rejected(&ask, &e.to_string())?;
                continue;
            }
            let follow_ups = follow_up_lines(&question, &value);
            if current.as_ref() != Some(&value) {
                let payload = Payload::Answer(Answer {
                    step: step_id.clone(),
                    question: question.id.clone(),
                    value,
                });
                let found = plausibility(&self.incident, &payload, crate::clock::now()?);
                if !found.is_empty() {
                    self.prompter.rejected(
                        &ask,
                        &format!(
                            "{}\n    (if it is right: `breach answer {} VALUE --override-check`)",
                            found.join("; "),
                            ask.key
                        ),
                    )?;
                    continue;
                }
                self.record(payload)?;
            }
            if !follow_ups.is_empty() {
                self.prompter.show(&follow_up_hint(&follow_ups))?;
            }
            return Ok(());
        }
    }

    fn action_menu(&mut self, idx: usize) -> anyhow::Result<StepEnd> {
        let step_id = self.incident.runbook.steps[idx].id.clone();
        let ask = Ask::new(step_id.clone(), "What now with this step?", true);
        loop {
            match self.prompter.step_action(&ask)? {
                StepAction::Done => {
                    if let Some(q) = self.unanswered_required(idx) {
                        let key = format!(
                            "{step_id}/{}",
                            self.incident.runbook.steps[idx].questions[q].id
                        );
                        self.prompter.rejected(
                            &Ask::new(key, "", true),
                            "this question needs an answer before the step is done",
                        )?;
                        self.question(idx, q, true)?;
                        continue;
                    }
                    let open = self.incident.open_required_items(idx);
                    if !open.is_empty() {
                        let spec = &self.incident.runbook.steps[idx];
                        let choices: Vec<Choice> = open
                            .iter()
                            .filter_map(|id| spec.items.iter().find(|i| &i.id == id))
                            .map(|i| Choice {
                                id: i.id.clone(),
                                label: i.text.clone(),
                            })
                            .collect();
                        if !self
                            .prompter
                            .confirm_done_with_open_items(&step_id, &choices)?
                        {
                            continue;
                        }
                    }
                    self.record(Payload::Step(StepChange {
                        step: step_id,
                        outcome: StepOutcome::Done,
                        reason: None,
                        open_items: open,
                    }))?;
                    return Ok(StepEnd::Closed);
                }
                StepAction::Skip => {
                    let reason = self.prompter.skip_reason(&step_id)?;
                    self.record(Payload::Step(StepChange {
                        step: step_id,
                        outcome: StepOutcome::Skipped,
                        reason: Some(reason),
                        open_items: Vec::new(),
                    }))?;
                    return Ok(StepEnd::Closed);
                }
                StepAction::LeaveOpen => return Ok(StepEnd::LeftOpen),
                StepAction::Checklist => self.checklist(idx)?,
                StepAction::Note => {
                    if let Some(text) = self.prompter.note(&step_id)? {
                        self.record(Payload::Note(Note {
                            text,
                            step: Some(step_id.clone()),
                        }))?;
                    }
                }
                StepAction::Pause => return Ok(StepEnd::Pause),
            }
        }
    }

    /// The first required, applicable question of step `idx` with no answer.
    fn unanswered_required(&self, idx: usize) -> Option<usize> {
        let spec = &self.incident.runbook.steps[idx];
        let state = &self.incident.steps[idx];
        spec.questions.iter().position(|q| {
            q.required
                && !state.answers.contains_key(&q.id)
                && applies(q.when.as_ref(), &self.incident)
        })
    }
}

/// Whether a text question asks for a list, one entry per line (its prompt says so): the
/// walk then asks it line by line.
pub fn asks_for_a_list(prompt: &str) -> bool {
    prompt.to_lowercase().contains("one per line")
}

/// The deadlines that depend on step `idx`, one line each, for its header: running clocks
/// with their due time and time left, and clocks still waiting for their start. Met and
/// inapplicable deadlines are left out.
pub fn deadlines_for_step(incident: &Incident, idx: usize) -> Vec<String> {
    use crate::incident::deadlines;
    let Ok(now) = crate::clock::now() else {
        return Vec::new();
    };
    let statuses = deadlines::evaluate(incident, now);
    let step = &incident.runbook.steps[idx].id;
    deadlines::deadlines_for_step(&statuses, step)
        .into_iter()
        .filter_map(clock_line)
        .collect()
}

/// One running or waiting clock in words: its title and when it is due (or how late it is,
/// or what starts it). `None` for met and inapplicable ones.
fn clock_line(d: &crate::incident::deadlines::DeadlineStatus) -> Option<String> {
    use crate::incident::deadlines::Outcome;
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&chrono::Local)
            .format("%a %d %b %H:%M")
            .to_string()
    };
    let outcome = Outcome::of(d);
    let sentence = outcome.sentence(local);
    let when = match outcome {
        Outcome::Overdue { .. } | Outcome::Open { .. } => match d.due_at {
            Some(due) => format!("due {}; {sentence}", local(due)),
            None => sentence,
        },
        Outcome::OpenAsap { .. } | Outcome::Waiting { .. } | Outcome::MetBeforeStart { .. } => {
            sentence
        }
        Outcome::MetEarly { .. }
        | Outcome::MetLate { .. }
        | Outcome::MetUntimed { .. }
        | Outcome::NotApplicable => return None,
    };
    Some(format!("{}: {when}", d.title))
}

/// The help of a question an import of the affected people answers: where the current
/// answer came from, or that the store's export can answer it.
fn affected_hint(
    question: &crate::runbook::Question,
    help: Option<String>,
    imported: Option<&(u64, String)>,
) -> Option<String> {
    use crate::runbook::AffectedFact;
    if !matches!(
        question.affected,
        Some(AffectedFact::Total | AffectedFact::Places | AffectedFact::Count(_))
    ) {
        return help;
    }
    let line = match imported {
        Some((seq, source)) => format!(
            "Counted from the store's export {source} (record #{seq}); keep it, or correct it."
        ),
        None => "The store's own export can answer this: `breach affected import FILE` counts \
                 the people and places from the orders or customers (docs/affected.md)."
            .to_string(),
    };
    Some(match help {
        Some(h) => format!("{h}\n{line}"),
        None => line,
    })
}

/// The lines of an answer to the follow-up question ([`crate::runbook::model::ACTION_ITEMS_QUESTION`]).
fn follow_up_lines(question: &crate::runbook::Question, value: &AnswerValue) -> Vec<String> {
    match value {
        AnswerValue::Text(t) if question.id == crate::runbook::model::ACTION_ITEMS_QUESTION => t
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

/// How to track each follow-up with an owner, a due day and a state.
fn follow_up_hint(lines: &[String]) -> String {
    let mut text = String::from(
        "Track each follow-up as an action item with an owner and a due day (this works after \
         `breach close` too):\n",
    );
    for l in lines {
        text.push_str(&format!(
            "  breach action add {} --owner NAME --due YYYY-MM-DD\n",
            shell_quote(l)
        ));
    }
    text
}

/// `text` as one shell word in single quotes.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod affected_hint_tests {
    use super::affected_hint;
    use crate::runbook::{AffectedFact, Question, QuestionKind};

    fn question(affected: Option<AffectedFact>) -> Question {
        Question {
            id: "n".into(),
            prompt: "How many?".into(),
            kind: QuestionKind::Number,
            options: Vec::new(),
            required: false,
            help: None,
            when: None,
            sets: None,
            codes: None,
            affected,
        }
    }

    #[test]
    fn the_questions_an_import_answers_point_to_it_or_to_the_export_it_came_from() {
        let q = question(Some(AffectedFact::Count("US-CA".into())));
        let hint = affected_hint(&q, Some("Residents only.".into()), None).unwrap_or_default();
        assert!(hint.starts_with("Residents only.\n"), "{hint}");
        assert!(hint.contains("breach affected import FILE"), "{hint}");
        let from = (7, "/srv/orders.csv".to_string());
        let hint = affected_hint(&q, None, Some(&from)).unwrap_or_default();
        assert!(hint.contains("/srv/orders.csv (record #7)"), "{hint}");
        let window = question(Some(AffectedFact::WindowStart));
        assert_eq!(affected_hint(&window, None, None), None);
        assert_eq!(
            affected_hint(&question(None), Some("h".into()), None),
            Some("h".into())
        );
    }
}
