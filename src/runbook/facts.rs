//! The vocabulary of facts that communication templates may use: each fact's name and what
//! it means, and the template engine's settings. The runbook checks its templates against
//! this list; the incident computes each fact's value (`crate::incident::facts`).

use std::collections::BTreeSet;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};

/// Every fact a template may use: `(name, what it means)`. The description is also the text
/// of the `[TO FILL: ...]` marker when the fact is not recorded.
pub const FACTS: &[(&str, &str)] = &[
    ("title", "the incident's title"),
    ("incident_id", "the incident's id"),
    ("severity", "the incident's severity"),
    ("store_name", "the store's legal name"),
    (
        "store_contact",
        "the store's contact point (postal address, e-mail, phone)",
    ),
    (
        "dpo_contact",
        "the data-protection contact (data protection officer or other contact)",
    ),
    ("what_happened", "what kind of breach it is"),
    ("entry_point", "how the attackers got in"),
    ("detected_at", "when the breach was detected"),
    (
        "aware_at",
        "when we became aware that personal data was affected",
    ),
    (
        "determined_at",
        "when it was determined that a breach occurred",
    ),
    (
        "access_window",
        "when the unauthorised access started and ended",
    ),
    ("data_categories", "which kinds of data were involved"),
    (
        "people_affected",
        "approximately how many people are affected",
    ),
    (
        "records_affected",
        "approximately how many records are affected",
    ),
    ("jurisdictions", "where the affected people live"),
    (
        "high_risk",
        "whether the breach is likely to pose a high risk to the people affected",
    ),
    (
        "likely_consequences",
        "the likely consequences for the people affected",
    ),
    ("containment", "whether and when the breach was contained"),
    ("steps_done", "the response steps completed so far"),
    ("open_steps", "the response steps still open"),
    ("remediation", "what was changed to close the weaknesses"),
    (
        "recipient_actions",
        "what the people affected should do to protect themselves",
    ),
    ("support_contact", "where people can get help"),
    (
        "responder_contact",
        "name and contact of the lead responder",
    ),
    ("authorities", "which authorities have been notified"),
    ("law_enforcement", "whether law enforcement is involved"),
    ("evidence_summary", "the evidence registered so far"),
    (
        "notification_delay",
        "how long after becoming aware this notice is sent, and why if later than 72 hours",
    ),
    ("update_cadence", "when the next update will follow"),
    ("today", "the date of this draft"),
];

/// Whether `name` is a fact templates can use.
pub fn is_fact(name: &str) -> bool {
    FACTS.iter().any(|(n, _)| *n == name)
}

/// The description of a fact (empty for an unknown name).
pub fn describe(name: &str) -> &'static str {
    FACTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
        .unwrap_or("")
}

/// The visible marker that stands in for something not yet recorded.
pub fn marker(description: &str) -> String {
    format!("[TO FILL: {description}]")
}

/// The template engine with the settings every draft uses: strict about undefined
/// variables, no HTML escaping (drafts are plain text), block tags on their own lines leave
/// no blank lines, and the final newline is kept.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_debug(true);
    env
}

/// The variables a template source uses (empty if it does not parse).
pub fn variables(env: &Environment, source: &str) -> BTreeSet<String> {
    env.template_from_str(source)
        .map(|t| t.undeclared_variables(false).into_iter().collect())
        .unwrap_or_default()
}
