//! The facts of an incident that communication templates use, and rendering a template with
//! them.
//!
//! Facts come from the intake and from answers to questions, found by question id in any
//! step, so every runbook that reuses the built-in question ids (`breach_type`,
//! `data_types`, `affected_customers`, ...) gets them. A fact that is not recorded yet is
//! passed to the template as a visible `[TO FILL: description]` marker, and reported as
//! missing, so a draft never silently leaves something out. Pure: no I/O; the draft time
//! is passed in.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::{Incident, StepStatus};
pub use crate::runbook::facts::{FACTS, describe, environment, is_fact, marker, variables};
use crate::runbook::{IntakeAnchor, Question, Template};
use crate::types::{AnswerValue, format_number};

/// Something a draft needs that is not recorded yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// The fact's name.
    pub fact: String,
    /// What it means (the marker's text).
    pub description: String,
    /// What would record it.
    pub fill: Fill,
}

/// What would record a fact, as data: the command layer words it (`commands::notify`), so
/// the fold names no command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fill {
    /// Nothing: the fact is always recorded (the intake, the id, the draft's day).
    Nothing,
    /// Answers to these questions of runbook `runbook` (one, or the two ends of a window),
    /// each where the runbook asks it; with `intake`, the intake time that gives the fact too.
    Answers {
        runbook: String,
        asks: Vec<Ask>,
        intake: Option<IntakeAnchor>,
    },
    /// Steps marked done.
    StepsDone,
    /// Reasons only a person can give, written into the draft.
    Reasons,
}

/// One question that would record a fact, and the step that asks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ask {
    /// The question id.
    pub question: String,
    /// The first step of the runbook that asks it; `None` when the runbook does not.
    pub step: Option<String>,
}

/// The facts of an incident, each recorded (`Some`) or not yet (`None`).
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    values: BTreeMap<&'static str, Option<String>>,
    fills: BTreeMap<&'static str, Fill>,
    /// Markers embedded inside a recorded fact (e.g. the reasons for a late notice).
    embedded: Vec<(&'static str, Missing)>,
}

impl Facts {
    /// The value of a fact, if recorded.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(|v| v.as_deref())
    }

    /// What templates see: every fact, as its value or as its marker.
    pub fn context(&self) -> BTreeMap<&'static str, String> {
        self.values
            .iter()
            .map(|(name, v)| (*name, v.clone().unwrap_or_else(|| marker(describe(name)))))
            .collect()
    }

    /// The missing facts among `used` (all facts when `None`), in catalogue order.
    pub fn missing(&self, used: Option<&BTreeSet<String>>) -> Vec<Missing> {
        let wanted = |name: &str| used.is_none_or(|u| u.contains(name));
        let mut out = Vec::new();
        for (name, description) in FACTS {
            if !wanted(name) {
                continue;
            }
            if self.values.get(name).is_some_and(Option::is_none) {
                out.push(Missing {
                    fact: (*name).to_string(),
                    description: (*description).to_string(),
                    fill: self.fills.get(name).cloned().unwrap_or(Fill::Nothing),
                });
            }
            for (_, m) in self.embedded.iter().filter(|(n, _)| n == name) {
                out.push(m.clone());
            }
        }
        out
    }
}

/// Formats an instant for a notice: unambiguous, readable, UTC.
pub fn notice_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The current answer to the question with this id in any step, with the question.
fn answer<'a>(inc: &'a Incident, id: &str) -> Option<(&'a Question, &'a AnswerValue)> {
    inc.runbook
        .steps
        .iter()
        .zip(&inc.steps)
        .find_map(|(spec, state)| {
            let q = spec.questions.iter().find(|q| q.id == id)?;
            state.answers.get(id).map(|a| (q, &a.value))
        })
}

/// The questions `ids` as a [`Fill`]: each with the step of the incident's runbook that asks
/// it, if one does; and the intake time that gives the fact too, if one does.
fn answers(inc: &Incident, ids: &[&str], intake: Option<IntakeAnchor>) -> Fill {
    let asks = ids
        .iter()
        .map(|id| Ask {
            question: (*id).to_string(),
            step: inc
                .runbook
                .steps
                .iter()
                .find(|s| s.questions.iter().any(|q| q.id == *id))
                .map(|s| s.id.clone()),
        })
        .collect();
    Fill::Answers {
        runbook: inc.runbook.id.clone(),
        asks,
        intake,
    }
}

/// The answer to question `id` as a [`Fill`].
fn answer_fill(inc: &Incident, id: &str) -> Fill {
    answers(inc, &[id], None)
}

fn answer_text(inc: &Incident, id: &str) -> Option<String> {
    answer(inc, id)
        .map(|(q, v)| q.display_answer(v))
        .filter(|s| !s.trim().is_empty())
}

fn answer_time(inc: &Incident, id: &str) -> Option<DateTime<Utc>> {
    match answer(inc, id)?.1 {
        AnswerValue::Text(t) => DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        _ => None,
    }
}

fn answer_bool(inc: &Incident, id: &str) -> Option<bool> {
    match answer(inc, id)?.1 {
        AnswerValue::Bool(b) => Some(*b),
        _ => None,
    }
}

fn bullets<I: IntoIterator<Item = String>>(lines: I) -> Option<String> {
    let text: Vec<String> = lines.into_iter().map(|l| format!("- {l}")).collect();
    (!text.is_empty()).then(|| text.join("\n"))
}

/// Advice for the people affected, by data category (option ids shared by the built-in
/// runbooks).
fn advice(category: &str) -> Option<&'static str> {
    Some(match category {
        "payment_cards" => {
            "Check your card statements and report any payment you do not recognise to your card issuer; ask it for a new card if you are concerned."
        }
        "account_credentials" => {
            "Change your password for our store, and anywhere else you used the same password."
        }
        "contact_details" => {
            "Be careful with e-mails, calls and messages that mention your orders or ask for personal details."
        }
        "order_history" => {
            "Be suspicious of messages that quote your past orders to gain your trust."
        }
        "government_ids" => {
            "Consider placing a fraud alert or a credit freeze with the credit reporting agencies, and review your credit reports."
        }
        "bank_accounts" => {
            "Watch your bank account for debits you do not recognise and report them to your bank."
        }
        "health_data" => {
            "Be wary of anyone who contacts you about your health information; tell us if that happens."
        }
        _ => return None,
    })
}

/// Likely consequences for the people affected, by data category.
fn consequence(category: &str) -> Option<&'static str> {
    Some(match category {
        "payment_cards" => "fraudulent payments made with the card details",
        "account_credentials" => {
            "take-over of customer accounts, here and on other sites where the same password is used"
        }
        "contact_details" => "phishing e-mails, scam calls and unwanted messages",
        "order_history" => "convincing scams that quote real orders",
        "government_ids" => "identity theft",
        "bank_accounts" => "fraudulent debits from bank accounts",
        "health_data" => "distress or discrimination from disclosure of sensitive information",
        _ => return None,
    })
}

/// The data categories answered, as option ids.
fn categories(inc: &Incident) -> Option<Vec<String>> {
    match answer(inc, "data_types")?.1 {
        AnswerValue::List(v) => Some(v.clone()),
        AnswerValue::Text(t) => Some(vec![t.clone()]),
        _ => None,
    }
}

/// Computes the facts of an incident as of `now` (the time of the draft).
pub fn compute(inc: &Incident, now: DateTime<Utc>) -> Facts {
    let mut values: BTreeMap<&'static str, Option<String>> = BTreeMap::new();
    let mut fills: BTreeMap<&'static str, Fill> = BTreeMap::new();
    let mut embedded = Vec::new();
    let mut set = |name: &'static str, value: Option<String>, fill: Fill| {
        values.insert(name, value);
        fills.insert(name, fill);
    };

    set("title", Some(inc.title.clone()), Fill::Nothing);
    set("incident_id", Some(inc.id.clone()), Fill::Nothing);
    set(
        "severity",
        Some(inc.severity.as_str().to_string()),
        Fill::Nothing,
    );
    set(
        "store_name",
        answer_text(inc, "store_name"),
        answer_fill(inc, "store_name"),
    );
    set(
        "store_contact",
        answer_text(inc, "store_contact"),
        answer_fill(inc, "store_contact"),
    );
    set(
        "dpo_contact",
        answer_text(inc, "dpo_contact"),
        answer_fill(inc, "dpo_contact"),
    );
    set(
        "what_happened",
        answer_text(inc, "breach_type"),
        answer_fill(inc, "breach_type"),
    );
    set(
        "entry_point",
        answer_text(inc, "entry_point"),
        answer_fill(inc, "entry_point"),
    );
    set(
        "detected_at",
        Some(notice_time(inc.detected_at)),
        Fill::Nothing,
    );
    set("aware_at", Some(notice_time(inc.aware_at)), Fill::Nothing);
    set(
        "determined_at",
        inc.determined_at
            .or_else(|| answer_time(inc, "determined_at"))
            .map(notice_time),
        answers(inc, &["determined_at"], Some(IntakeAnchor::Determined)),
    );
    let window = match (
        answer_time(inc, "access_started"),
        answer_time(inc, "access_ended"),
    ) {
        (Some(a), Some(b)) => Some(format!("from {} to {}", notice_time(a), notice_time(b))),
        (Some(a), None) => Some(format!(
            "from {}; the end is not yet established",
            notice_time(a)
        )),
        (None, Some(b)) => Some(format!(
            "until {}; the start is not yet established",
            notice_time(b)
        )),
        (None, None) => None,
    };
    set(
        "access_window",
        window,
        answers(inc, &["access_started", "access_ended"], None),
    );
    set(
        "data_categories",
        answer_text(inc, "data_types").filter(|t| t != "(none)"),
        answer_fill(inc, "data_types"),
    );
    let number = |id: &str| match answer(inc, id) {
        Some((_, AnswerValue::Count(n))) => Some(n.to_string()),
        Some((_, AnswerValue::Number(n))) => Some(format_number(*n)),
        _ => None,
    };
    set(
        "people_affected",
        number("affected_customers"),
        answer_fill(inc, "affected_customers"),
    );
    set(
        "records_affected",
        number("records_affected"),
        answer_fill(inc, "records_affected"),
    );
    set(
        "jurisdictions",
        answer_text(inc, "jurisdictions").filter(|t| t != "(none)"),
        answer_fill(inc, "jurisdictions"),
    );
    set(
        "high_risk",
        answer_bool(inc, "high_risk").map(|b| {
            if b {
                "We consider the breach likely to result in a high risk to the people affected."
            } else {
                "We do not consider the breach likely to result in a high risk to the people affected."
            }
            .to_string()
        }),
        answer_fill(inc, "high_risk"),
    );
    let cats = categories(inc);
    let only_business = cats
        .as_ref()
        .is_some_and(|c| !c.is_empty() && c.iter().all(|x| x == "none_personal"));
    set(
        "likely_consequences",
        cats.as_ref().map(|c| {
            if only_business {
                "No consequences for individuals are expected: no personal data was involved."
                    .to_string()
            } else {
                bullets(c.iter().filter_map(|x| consequence(x)).map(String::from)).unwrap_or_else(
                    || "Misuse of the information involved, such as scams that use it.".to_string(),
                )
            }
        }),
        answer_fill(inc, "data_types"),
    );
    set(
        "recipient_actions",
        cats.as_ref().map(|c| {
            let mut lines: Vec<String> = c
                .iter()
                .filter_map(|x| advice(x))
                .map(String::from)
                .collect();
            if !only_business {
                lines.push(
                    "We will never ask you for your password or card number by e-mail or phone; do not give them to anyone who asks in our name."
                        .to_string(),
                );
            } else {
                lines.push("You do not need to do anything.".to_string());
            }
            bullets(lines).unwrap_or_default()
        }),
        answer_fill(inc, "data_types"),
    );
    set(
        "containment",
        answer_bool(inc, "contained").map(|c| match (c, answer_time(inc, "contained_at")) {
            (true, Some(t)) => format!("The breach was contained on {}.", notice_time(t)),
            (true, None) => "The breach has been contained.".to_string(),
            (false, _) => {
                "The breach is not yet fully contained; work to stop it continues.".to_string()
            }
        }),
        answer_fill(inc, "contained"),
    );
    let titled = |status: &dyn Fn(StepStatus, bool) -> bool| {
        bullets(
            inc.runbook
                .steps
                .iter()
                .zip(&inc.steps)
                .enumerate()
                .filter(|(i, (_, st))| status(st.status, inc.step_applies(*i)))
                .map(|(_, (spec, _))| spec.title.clone()),
        )
    };
    set(
        "steps_done",
        titled(&|s, _| s == StepStatus::Done),
        Fill::StepsDone,
    );
    set(
        "open_steps",
        Some(
            titled(&|s, applies| applies && !s.is_closed())
                .unwrap_or_else(|| "- (none: every step is done or skipped)".into()),
        ),
        Fill::Nothing,
    );
    set(
        "remediation",
        answer_text(inc, "remediation_summary"),
        answer_fill(inc, "remediation_summary"),
    );
    set(
        "support_contact",
        answer_text(inc, "support_contact"),
        answer_fill(inc, "support_contact"),
    );
    set(
        "responder_contact",
        answer_text(inc, "responder_contact"),
        answer_fill(inc, "responder_contact"),
    );
    set(
        "authorities",
        answer_text(inc, "authorities"),
        answer_fill(inc, "authorities"),
    );
    set(
        "law_enforcement",
        answer_bool(inc, "law_enforcement").map(|b| {
            if b {
                "Law enforcement has been informed."
            } else {
                "Law enforcement has not been involved."
            }
            .to_string()
        }),
        answer_fill(inc, "law_enforcement"),
    );
    let files = inc.evidence.len();
    set(
        "evidence_summary",
        Some(match files {
            0 => "No evidence files are registered yet.".to_string(),
            1 => "1 evidence file is registered, with its SHA-256 hash.".to_string(),
            n => format!("{n} evidence files are registered, with their SHA-256 hashes."),
        }),
        Fill::Nothing,
    );
    let elapsed = now - inc.aware_at;
    let delay = if elapsed <= TimeDelta::hours(72) {
        "This notification is made within 72 hours of our becoming aware of the breach.".to_string()
    } else {
        let what = "the reasons this notification comes later than 72 hours after becoming aware";
        embedded.push((
            "notification_delay",
            Missing {
                fact: "notification_delay".into(),
                description: what.into(),
                fill: Fill::Reasons,
            },
        ));
        format!(
            "This notification is made {} hours after we became aware of the breach. The reasons for the delay: {}",
            elapsed.num_hours(),
            marker(what)
        )
    };
    set("notification_delay", Some(delay), Fill::Nothing);
    set(
        "update_cadence",
        answer_text(inc, "cadence"),
        answer_fill(inc, "cadence"),
    );
    set(
        "today",
        Some(now.format("%Y-%m-%d").to_string()),
        Fill::Nothing,
    );

    Facts {
        values,
        fills,
        embedded,
    }
}

/// A rendered template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    pub template: String,
    pub audience: String,
    pub subject: String,
    pub body: String,
    /// The facts this template uses that are not recorded yet (shown as markers).
    pub missing: Vec<Missing>,
}

/// Renders a template's subject and body with the facts.
pub fn render(template: &Template, facts: &Facts) -> Result<Draft, minijinja::Error> {
    let env = environment();
    let ctx = facts.context();
    let subject = env.render_str(&template.subject, &ctx)?;
    let body = env.render_str(&template.body, &ctx)?;
    let mut used = variables(&env, &template.subject);
    used.extend(variables(&env, &template.body));
    Ok(Draft {
        template: template.id.clone(),
        audience: template.audience.clone(),
        subject: subject.trim().to_string(),
        body,
        missing: facts.missing(Some(&used)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::{Answer, Opened, Payload, PinnedRunbook, Record};

    fn t(s: &str) -> DateTime<Utc> {
        crate::types::parse_time(s).unwrap()
    }

    fn incident(runbook: &str, answers: &[(&str, AnswerValue)]) -> Incident {
        let opened = Opened {
            format: 1,
            id: "20261123T101500Z-skimmer".into(),
            title: "Skimmer".into(),
            severity: crate::types::Severity::High,
            detected_at: t("2026-11-23T08:00:00Z"),
            aware_at: t("2026-11-23T10:15:00Z"),
            determined_at: None,
            runbook: PinnedRunbook {
                id: "x".into(),
                title: "x".into(),
                source: "built-in".into(),
                sha256: String::new(),
                text: crate::runbook::builtin::get(runbook).unwrap().into(),
            },
            upgraded_from: None,
        };
        let mut records = vec![Record {
            seq: 0,
            time: t("2026-11-23T10:15:00Z"),
            operator: "ana".into(),
            prev: String::new(),
            hash: String::new(),
            payload: Payload::Opened(Box::new(opened)),
            at: None,
            line: 0,
        }];
        for (i, (path, value)) in answers.iter().enumerate() {
            let (step, question) = path.split_once('/').unwrap();
            records.push(Record {
                seq: i as u64 + 1,
                time: t("2026-11-23T11:00:00Z"),
                operator: "ana".into(),
                prev: String::new(),
                hash: String::new(),
                payload: Payload::Answer(Answer {
                    step: step.into(),
                    question: question.into(),
                    value: value.clone(),
                }),
                at: None,
                line: 0,
            });
        }
        super::super::fold(&records).unwrap()
    }

    fn list(v: &[&str]) -> AnswerValue {
        AnswerValue::List(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn every_fact_is_computed_exactly_once() {
        let facts = compute(
            &incident("ecommerce-breach", &[]),
            t("2026-11-23T12:00:00Z"),
        );
        let names: Vec<&str> = facts.values.keys().copied().collect();
        let mut catalogue: Vec<&str> = FACTS.iter().map(|(n, _)| *n).collect();
        catalogue.sort_unstable();
        assert_eq!(names, catalogue);
    }

    #[test]
    fn answers_become_facts_with_labels() {
        let inc = incident(
            "ecommerce-breach",
            &[
                (
                    "assess/breach_type",
                    AnswerValue::Text("card_skimming".into()),
                ),
                (
                    "assess/data_types",
                    list(&["payment_cards", "account_credentials"]),
                ),
                ("assess/affected_customers", AnswerValue::Number(1200.0)),
                ("contain/contained", AnswerValue::Bool(true)),
                (
                    "contain/contained_at",
                    AnswerValue::Text("2026-11-23T11:30:00Z".into()),
                ),
            ],
        );
        let facts = compute(&inc, t("2026-11-23T12:00:00Z"));
        assert_eq!(
            facts.get("what_happened"),
            Some("Card skimmer / malicious script on the checkout")
        );
        assert_eq!(
            facts.get("data_categories"),
            Some("Payment card numbers, Customer account passwords or login tokens")
        );
        assert_eq!(facts.get("people_affected"), Some("1200"));
        assert_eq!(
            facts.get("containment"),
            Some("The breach was contained on 2026-11-23 11:30 UTC.")
        );
        let advice = facts.get("recipient_actions").unwrap();
        assert!(advice.contains("card statements"), "{advice}");
        assert!(advice.contains("Change your password"), "{advice}");
        assert!(!advice.contains("credit freeze"), "{advice}");
    }

    #[test]
    fn questions_are_found_in_any_step_of_either_builtin() {
        let inc = incident(
            "woocommerce",
            &[
                (
                    "isolate/breach_type",
                    AnswerValue::Text("malicious_plugin".into()),
                ),
                (
                    "support-channels/support_contact",
                    AnswerValue::Text("help@shop.example".into()),
                ),
            ],
        );
        let facts = compute(&inc, t("2026-11-23T12:00:00Z"));
        assert_eq!(
            facts.get("what_happened"),
            Some("Malicious or vulnerable plugin/theme")
        );
        assert_eq!(facts.get("support_contact"), Some("help@shop.example"));
        let missing = facts.missing(None);
        let rc = missing
            .iter()
            .find(|m| m.fact == "responder_contact")
            .unwrap();
        let ask = |step: Option<&str>| Fill::Answers {
            runbook: "woocommerce".into(),
            asks: vec![Ask {
                question: "responder_contact".into(),
                step: step.map(String::from),
            }],
            intake: None,
        };
        assert_eq!(rc.fill, ask(Some("engage-team")));
        // A runbook that does not ask the question: no step.
        let mut inc = inc;
        for step in &mut inc.runbook.steps {
            step.questions.retain(|q| q.id != "responder_contact");
        }
        let facts = compute(&inc, t("2026-11-23T12:00:00Z"));
        let missing = facts.missing(None);
        let rc = missing
            .iter()
            .find(|m| m.fact == "responder_contact")
            .unwrap();
        assert_eq!(rc.fill, ask(None));
    }

    #[test]
    fn a_window_is_filled_by_two_answers_asked_or_not() {
        // A runbook without the two questions: the built-in one with them taken out.
        let mut inc = incident("woocommerce", &[]);
        for step in &mut inc.runbook.steps {
            step.questions
                .retain(|q| q.id != "access_started" && q.id != "access_ended");
        }
        let facts = compute(&inc, t("2026-11-23T12:00:00Z"));
        let window = facts
            .missing(None)
            .into_iter()
            .find(|m| m.fact == "access_window")
            .unwrap();
        let unasked = |id: &str| Ask {
            question: id.into(),
            step: None,
        };
        assert_eq!(
            window.fill,
            Fill::Answers {
                runbook: "woocommerce".into(),
                asks: vec![unasked("access_started"), unasked("access_ended")],
                intake: None,
            }
        );
        let inc = incident("ecommerce-breach", &[]);
        let facts = compute(&inc, t("2026-11-23T12:00:00Z"));
        let window = facts
            .missing(None)
            .into_iter()
            .find(|m| m.fact == "access_window")
            .unwrap();
        let Fill::Answers { asks, .. } = &window.fill else {
            panic!("{:?}", window.fill)
        };
        let asked: Vec<(&str, bool)> = asks
            .iter()
            .map(|a| (a.question.as_str(), a.step.is_some()))
            .collect();
        assert_eq!(asked, [("access_started", true), ("access_ended", true)]);
    }

    #[test]
    fn missing_facts_render_as_markers_and_are_listed() {
        let inc = incident("ecommerce-breach", &[]);
        let facts = compute(&inc, t("2026-11-23T12:00:00Z"));
        let tmpl = Template {
            id: "n".into(),
            audience: "customers".into(),
            subject: "About {{ title }}".into(),
            body: "{{ what_happened }} affected {{ people_affected }} people.\n".into(),
        };
        let draft = render(&tmpl, &facts).unwrap();
        assert_eq!(draft.subject, "About Skimmer");
        assert_eq!(
            draft.body,
            "[TO FILL: what kind of breach it is] affected [TO FILL: approximately how many people are affected] people.\n"
        );
        let names: Vec<&str> = draft.missing.iter().map(|m| m.fact.as_str()).collect();
        assert_eq!(names, ["what_happened", "people_affected"]);
        assert_eq!(
            draft.missing[1].fill,
            Fill::Answers {
                runbook: "ecommerce-breach".into(),
                asks: vec![Ask {
                    question: "affected_customers".into(),
                    step: Some("assess".into()),
                }],
                intake: None,
            }
        );
    }

    #[test]
    fn a_late_notice_asks_for_the_reasons() {
        let inc = incident("ecommerce-breach", &[]);
        let on_time = compute(&inc, t("2026-11-26T10:15:00Z"));
        assert!(
            on_time
                .get("notification_delay")
                .unwrap()
                .contains("within 72 hours")
        );
        assert!(
            on_time
                .missing(None)
                .iter()
                .all(|m| m.fact != "notification_delay")
        );
        let late = compute(&inc, t("2026-11-27T10:15:00Z"));
        let text = late.get("notification_delay").unwrap();
        assert!(
            text.contains("96 hours") && text.contains("[TO FILL:"),
            "{text}"
        );
        assert!(
            late.missing(None)
                .iter()
                .any(|m| m.fact == "notification_delay")
        );
    }

    #[test]
    fn unknown_variables_fail_to_render() {
        let facts = compute(
            &incident("ecommerce-breach", &[]),
            t("2026-11-23T12:00:00Z"),
        );
        let tmpl = Template {
            id: "n".into(),
            audience: "a".into(),
            subject: "s".into(),
            body: "{{ nonsense }}".into(),
        };
        assert!(render(&tmpl, &facts).is_err());
    }
}
