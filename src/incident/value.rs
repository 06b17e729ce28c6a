//! Answer values: what a question's answer looks like on disk and in memory.

use serde::{Deserialize, Serialize};

use crate::runbook::{Question, QuestionKind};

/// The value of an answer. On disk it is plain YAML: `true`, `1200`, `"text"`, or a list of
/// option ids. A datetime is text in RFC 3339 UTC. The question's kind says how to read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<String>),
}

impl AnswerValue {
    /// The number, for number answers.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            AnswerValue::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// Whether a select answer is, or a multiselect answer includes, this option id.
    pub fn contains(&self, option: &str) -> bool {
        match self {
            AnswerValue::List(v) => v.iter().any(|x| x == option),
            AnswerValue::Text(t) => t == option,
            _ => false,
        }
    }

    /// Whether this answer equals a YAML value from a runbook condition.
    pub fn equals_yaml(&self, expected: &serde_yaml::Value) -> bool {
        use serde_yaml::Value as Y;
        match (self, expected) {
            (AnswerValue::Bool(a), Y::Bool(b)) => a == b,
            (AnswerValue::Number(a), Y::Number(b)) => b.as_f64().is_some_and(|b| *a == b),
            (AnswerValue::Text(a), Y::String(b)) => a == b,
            (AnswerValue::List(a), Y::Sequence(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| y.as_str() == Some(x.as_str()))
            }
            _ => false,
        }
    }

    /// A short human rendering, using option labels where the question is known.
    pub fn display(&self, question: Option<&Question>) -> String {
        let label = |id: &str| -> String {
            question
                .and_then(|q| q.options.iter().find(|o| o.id == id))
                .map(|o| o.label.clone())
                .unwrap_or_else(|| id.to_string())
        };
        match self {
            AnswerValue::Bool(true) => "yes".into(),
            AnswerValue::Bool(false) => "no".into(),
            AnswerValue::Number(n) => format_number(*n),
            AnswerValue::Text(t) => match question.map(|q| q.kind) {
                Some(QuestionKind::Select) => label(t),
                _ => t.clone(),
            },
            AnswerValue::List(v) if v.is_empty() => "(none)".into(),
            AnswerValue::List(v) => v.iter().map(|x| label(x)).collect::<Vec<_>>().join(", "),
        }
    }
}

/// Formats a number without a trailing `.0` when it is whole.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_yaml_without_changing_type() {
        for v in [
            AnswerValue::Bool(true),
            AnswerValue::Number(1200.0),
            AnswerValue::Number(2.5),
            AnswerValue::Text("true".into()),
            AnswerValue::Text("42".into()),
            AnswerValue::Text("2026-11-23T10:15:00Z".into()),
            AnswerValue::List(vec!["a".into(), "b".into()]),
            AnswerValue::List(vec![]),
        ] {
            let text = serde_yaml::to_string(&v).unwrap();
            let back: AnswerValue = serde_yaml::from_str(&text).unwrap();
            assert_eq!(back, v, "{text}");
        }
    }

    #[test]
    fn whole_numbers_display_without_decimals() {
        assert_eq!(format_number(1200.0), "1200");
        assert_eq!(format_number(2.5), "2.5");
    }
}
