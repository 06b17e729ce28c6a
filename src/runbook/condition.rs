//! Evaluating `when` conditions against the answers recorded so far.

use std::collections::BTreeMap;

use super::model::{AnswerTest, CodeList, Condition};
use crate::types::AnswerValue;

/// Looks up the current answer to `STEP/QUESTION`.
pub trait Answers {
    fn answer(&self, path: &str) -> Option<&AnswerValue>;
}

impl Answers for BTreeMap<String, AnswerValue> {
    fn answer(&self, path: &str) -> Option<&AnswerValue> {
        self.get(path)
    }
}

impl Condition {
    /// Whether the condition holds for these answers. An unanswered question fails every
    /// test except `answered: false`.
    pub fn holds(&self, answers: &dyn Answers) -> bool {
        match self {
            Condition::All(v) => v.iter().all(|c| c.holds(answers)),
            Condition::Any(v) => v.iter().any(|c| c.holds(answers)),
            Condition::Not(c) => !c.holds(answers),
            Condition::Answer { answer, test } => {
                let value = answers.answer(answer);
                match (test, value) {
                    (AnswerTest::Answered(want), v) => v.is_some() == *want,
                    (_, None) => false,
                    (AnswerTest::Equals(expected), Some(v)) => v.equals_yaml(expected),
                    (AnswerTest::Contains(option), Some(v)) => v.contains(option),
                    (AnswerTest::ContainsAny(options), Some(v)) => {
                        options.iter().any(|o| v.contains(o))
                    }
                    (AnswerTest::PlaceIn(areas), Some(v)) => {
                        let codes: &[String] = match v {
                            AnswerValue::List(l) => l,
                            AnswerValue::Text(t) => std::slice::from_ref(t),
                            _ => &[],
                        };
                        codes
                            .iter()
                            .any(|c| areas.iter().any(|a| CodeList::within(c, a)))
                    }
                    (AnswerTest::AtLeast(n), Some(v)) => v.as_number().is_some_and(|x| x >= *n),
                    (AnswerTest::MoreThan(n), Some(v)) => v.as_number().is_some_and(|x| x > *n),
                }
            }
        }
    }
}

/// Whether an optional condition holds (absent means always).
pub fn applies(when: Option<&Condition>, answers: &dyn Answers) -> bool {
    when.is_none_or(|c| c.holds(answers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(yaml: &str) -> Condition {
        serde_yaml::from_str(yaml).expect("test condition parses")
    }

    fn answers(pairs: &[(&str, AnswerValue)]) -> BTreeMap<String, AnswerValue> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn contains_matches_multiselect_members_and_select_values() {
        let c = cond("{answer: assess/data_types, contains: payment_cards}");
        let multi = answers(&[(
            "assess/data_types",
            AnswerValue::List(vec!["email".into(), "payment_cards".into()]),
        )]);
        assert!(c.holds(&multi));
        let other = answers(&[("assess/data_types", AnswerValue::List(vec!["email".into()]))]);
        assert!(!c.holds(&other));
        let select = answers(&[(
            "assess/data_types",
            AnswerValue::Text("payment_cards".into()),
        )]);
        assert!(c.holds(&select));
    }

    #[test]
    fn unanswered_fails_tests_but_not_its_negation() {
        let c = cond("{answer: assess/count, at_least: 250}");
        let none = answers(&[]);
        assert!(!c.holds(&none));
        assert!(cond("{not: {answer: assess/count, at_least: 250}}").holds(&none));
        assert!(cond("{answer: assess/count, answered: false}").holds(&none));
    }

    #[test]
    fn thresholds_distinguish_at_least_from_more_than() {
        let at = answers(&[("a/n", AnswerValue::Number(500.0))]);
        assert!(cond("{answer: a/n, at_least: 500}").holds(&at));
        assert!(!cond("{answer: a/n, more_than: 500}").holds(&at));
    }

    #[test]
    fn all_and_any_combine() {
        let a = answers(&[
            ("a/x", AnswerValue::Bool(true)),
            ("a/n", AnswerValue::Number(3.0)),
        ]);
        assert!(
            cond("{all: [{answer: a/x, equals: true}, {answer: a/n, more_than: 2}]}").holds(&a)
        );
        assert!(
            !cond("{all: [{answer: a/x, equals: true}, {answer: a/n, more_than: 5}]}").holds(&a)
        );
        assert!(
            cond("{any: [{answer: a/x, equals: false}, {answer: a/n, more_than: 2}]}").holds(&a)
        );
        assert!(cond("{all: []}").holds(&a));
        assert!(!cond("{any: []}").holds(&a));
    }

    #[test]
    fn contains_any_and_place_in_match_members_and_areas() {
        let a = answers(&[
            (
                "a/data",
                AnswerValue::List(vec!["email".into(), "government_ids".into()]),
            ),
            (
                "a/places",
                AnswerValue::List(vec!["US-CA".into(), "DE".into(), "JP".into()]),
            ),
        ]);
        assert!(cond("{answer: a/data, contains_any: [payment_cards, government_ids]}").holds(&a));
        assert!(!cond("{answer: a/data, contains_any: [payment_cards, health_data]}").holds(&a));
        assert!(!cond("{answer: a/data, contains_any: []}").holds(&a));
        for (areas, want) in [
            ("[US]", true),
            ("[US-CA]", true),
            ("[US-TX]", false),
            ("[EU]", true),
            ("[GB, AU]", false),
            ("[JP]", true),
        ] {
            let c = cond(&format!("{{answer: a/places, place_in: {areas}}}"));
            assert_eq!(c.holds(&a), want, "{areas}");
        }
        let eu = answers(&[("a/places", AnswerValue::List(vec!["EU".into()]))]);
        assert!(cond("{answer: a/places, place_in: [EU]}").holds(&eu));
        assert!(
            !cond("{answer: a/places, place_in: [DE]}").holds(&eu),
            "EU is not one country"
        );
        let no = answers(&[("a/places", AnswerValue::List(vec!["NO-03".into()]))]);
        assert!(
            cond("{answer: a/places, place_in: [EU]}").holds(&no),
            "Oslo is in the EEA"
        );
    }

    #[test]
    fn iso_codes_are_checked_for_form() {
        for ok in ["DE", "US-CA", "GB-LND", "FR-75", "EU"] {
            assert!(CodeList::Iso3166.accepts(ok), "{ok}");
        }
        for bad in ["de", "D", "DEU", "US-", "US-CALI", "US_CA", "", "12"] {
            assert!(!CodeList::Iso3166.accepts(bad), "{bad}");
        }
    }

    #[test]
    fn malformed_conditions_are_rejected() {
        assert!(serde_yaml::from_str::<Condition>("{answer: a/x}").is_err());
        assert!(
            serde_yaml::from_str::<Condition>("{answer: a/x, equals: 1, contains: b}").is_err()
        );
        assert!(serde_yaml::from_str::<Condition>("{contains: b}").is_err());
        assert!(serde_yaml::from_str::<Condition>("{all: [], any: []}").is_err());
        assert!(serde_yaml::from_str::<Condition>("{answr: a/x, equals: 1}").is_err());
    }
}
