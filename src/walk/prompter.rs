//! The [`Prompter`] trait: everything the walk asks or shows, and nothing else. The engine
//! decides what to ask and records the answers; a prompter only gets them, from a terminal
//! ([`super::DialoguerPrompter`]) or from an answers file ([`super::ScriptedPrompter`]).

use chrono::{DateTime, Utc};

/// One question put to the operator.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    /// What an answers file calls it: `STEP/QUESTION`, `STEP` (checklist, outcome, notes)
    /// or `intake/FIELD`.
    pub key: String,
    /// The question as shown.
    pub prompt: String,
    /// A longer explanation shown above the prompt.
    pub help: Option<String>,
    /// Whether an answer must be given (no leaving it empty).
    pub required: bool,
}

impl Ask {
    /// A question with no help text.
    pub fn new(key: impl Into<String>, prompt: impl Into<String>, required: bool) -> Ask {
        Ask {
            key: key.into(),
            prompt: prompt.into(),
            help: None,
            required,
        }
    }
}

/// The last entry of a places question's pick list (`codes: iso3166`): ticking it asks for
/// other places' codes, under the question's key followed by this suffix.
pub const OTHER_PLACE: &str = "+other";

/// Splits typed ISO 3166 codes (`nz, US-OR`) into upper-case codes, or says which one is
/// not a code.
pub fn parse_codes(text: &str) -> Result<Vec<String>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            let code = c.to_ascii_uppercase();
            if crate::runbook::CodeList::Iso3166.accepts(&code) {
                Ok(code)
            } else {
                Err(format!(
                    "`{c}` is not an ISO 3166 code such as NZ (a country) or US-OR (a state or region)"
                ))
            }
        })
        .collect()
}

/// One choice of a select, multi-select or checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The id recorded (an option id or an item id).
    pub id: String,
    /// What the operator sees.
    pub label: String,
}

/// What to do with a step once its checklist and questions have been gone through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepAction {
    /// Mark the step done.
    Done,
    /// Skip the step; the reason is asked next.
    Skip,
    /// Leave the step open and go on to the next one.
    LeaveOpen,
    /// Add a note to the step, then show this menu again.
    Note,
    /// Stop the walk here; `breach resume` carries on.
    Pause,
}

/// Asks the operator. Every method returns `Ok(None)` when the question is left
/// unanswered (Esc on a terminal, a key missing from an answers file), and an error
/// carrying [`crate::error::BreachError::Interrupted`] on Ctrl-C or a closed terminal.
pub trait Prompter {
    /// Shows text that needs no answer: step headers, guidance, what was decided before.
    fn show(&mut self, text: &str) -> anyhow::Result<()>;

    /// A yes/no question.
    fn confirm(&mut self, ask: &Ask, default: Option<bool>) -> anyhow::Result<Option<bool>>;

    /// One of `choices`; returns its index.
    fn select(
        &mut self,
        ask: &Ask,
        choices: &[Choice],
        default: Option<usize>,
    ) -> anyhow::Result<Option<usize>>;

    /// Any subset of `choices`; `checked` are pre-selected. Returns one flag per choice.
    fn multiselect(
        &mut self,
        ask: &Ask,
        choices: &[Choice],
        checked: &[bool],
    ) -> anyhow::Result<Option<Vec<bool>>>;

    /// A step's checklist: like [`Prompter::multiselect`], but an answers file gives each
    /// item on its own (`STEP/ITEM: true`), so items it does not mention keep their state.
    fn checklist(
        &mut self,
        ask: &Ask,
        items: &[Choice],
        checked: &[bool],
    ) -> anyhow::Result<Option<Vec<bool>>>;

    /// Free text; `check` says why a text is not acceptable.
    fn text(
        &mut self,
        ask: &Ask,
        default: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> anyhow::Result<Option<String>>;

    /// A number.
    fn number(&mut self, ask: &Ask, default: Option<f64>) -> anyhow::Result<Option<f64>>;

    /// A point in time.
    fn datetime(
        &mut self,
        ask: &Ask,
        default: Option<DateTime<Utc>>,
    ) -> anyhow::Result<Option<DateTime<Utc>>>;

    /// Says why an answer was not accepted. On a terminal the question is then asked
    /// again; an answers file cannot be asked again, so there this is an error naming the key.
    fn rejected(&mut self, ask: &Ask, problem: &str) -> anyhow::Result<()>;

    /// The menu at the end of a step. `ask.key` is the step id.
    fn step_action(&mut self, ask: &Ask) -> anyhow::Result<StepAction>;

    /// Confirms marking a step done although required items are open.
    fn confirm_done_with_open_items(&mut self, step: &str, open: &[Choice])
    -> anyhow::Result<bool>;

    /// The reason for skipping a step (never empty).
    fn skip_reason(&mut self, step: &str) -> anyhow::Result<String>;

    /// A note on a step; `None` when the operator changed their mind.
    fn note(&mut self, step: &str) -> anyhow::Result<Option<String>>;
}
