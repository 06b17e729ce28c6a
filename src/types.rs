//! Shared domain types: severity, answer values and the time helpers. Every layer may use
//! these; this module imports nothing else of the crate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How bad an incident is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lower-case name, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!("unknown severity `{s}`; expected low, medium, high or critical")
            })
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of an answer. On disk it is plain YAML: `true`, `1200`, `"text"`, or a list of
/// option ids. A datetime is text in RFC 3339 UTC. The question's kind says how to read it.
///
/// A number question's answer is a count, a non-negative integer stored as one
/// ([`AnswerValue::Count`], `1200`). Files written before counts were integers hold
/// floating-point numbers (`1200.0`); they still read, as [`AnswerValue::Number`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Bool(bool),
    /// A count (the answer to a number question).
    Count(u64),
    /// A floating-point number, as older files store counts; never written any more.
    Number(f64),
    Text(String),
    List(Vec<String>),
}

impl AnswerValue {
    /// The number, for number answers.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            AnswerValue::Count(n) => Some(*n as f64),
            AnswerValue::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The answer for a number typed or given as a float: a count when it is a whole
    /// number from 0 to 2^53 (every such float is exact), else the number itself, which
    /// [`parse_count`]'s rules then refuse.
    pub fn from_number(n: f64) -> AnswerValue {
        if n.is_finite() && n.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&n) {
            AnswerValue::Count(n as u64)
        } else {
            AnswerValue::Number(n)
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
            (AnswerValue::Count(a), Y::Number(b)) => match b.as_u64() {
                Some(b) => *a == b,
                None => b.as_f64().is_some_and(|b| *a as f64 == b),
            },
            (AnswerValue::Number(a), Y::Number(b)) => b.as_f64().is_some_and(|b| *a == b),
            (AnswerValue::Text(a), Y::String(b)) => a == b,
            (AnswerValue::List(a), Y::Sequence(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| y.as_str() == Some(x.as_str()))
            }
            _ => false,
        }
    }

    /// A short human rendering without the question (option ids as they are).
    pub fn plain(&self) -> String {
        match self {
            AnswerValue::Bool(true) => "yes".into(),
            AnswerValue::Bool(false) => "no".into(),
            AnswerValue::Count(n) => n.to_string(),
            AnswerValue::Number(n) => format_number(*n),
            AnswerValue::Text(t) => t.clone(),
            AnswerValue::List(v) if v.is_empty() => "(none)".into(),
            AnswerValue::List(v) => v.join(", "),
        }
    }
}

/// Parses a count as typed: a whole number of 0 or more, in decimal digits.
pub fn parse_count(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse::<u64>()
            .map_err(|_| format!("{t} is too large; a count is at most {}", u64::MAX));
    }
    Err(count_problem(t.parse::<f64>().ok()))
}

/// Why a value is not a count: negative, not whole, or not a number at all.
pub fn count_problem(n: Option<f64>) -> String {
    match n {
        Some(n) if n.is_finite() && n < 0.0 => "a count cannot be negative".to_string(),
        Some(n) if n.is_finite() && n.fract() == 0.0 && n > 9_007_199_254_740_992.0 => {
            "that number is too large to be kept exactly; write it as digits in quotes".to_string()
        }
        Some(n) if n.is_finite() && n.fract() == 0.0 => {
            "a count is recorded as an integer, not as a floating-point number".to_string()
        }
        Some(n) if n.is_finite() => "a count is a whole number (no decimals)".to_string(),
        _ => "expected a whole number of 0 or more".to_string(),
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

/// Truncates an instant to whole seconds, the resolution of the incident file.
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// Parses a time as typed by an operator: RFC 3339 (`2026-11-23T10:15:00Z`, any offset),
/// or `YYYY-MM-DD HH:MM[:SS]` / `YYYY-MM-DDTHH:MM[:SS]` in the local time zone.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    parse_time_any(text).and_then(check_time)
}

/// The earliest and latest years a time may have.
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

/// Refuses a leap second (`:60`, which would silently become `:59`) and a time outside
/// the years 1970 to 9999.
fn check_time(t: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    use chrono::{Datelike, Timelike};
    if t.nanosecond() >= 1_000_000_000 {
        return Err("second 60 (a leap second) is not accepted; use :59 or the next minute".into());
    }
    if !YEARS.contains(&t.year()) {
        return Err(format!(
            "the year {} is outside {} to {}",
            t.year(),
            YEARS.start(),
            YEARS.end()
        ));
    }
    Ok(truncate(t))
}

fn parse_time_any(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(text, fmt) {
            use chrono::TimeZone;
            return match chrono::Local.from_local_datetime(&naive) {
                chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
                    Ok(t.with_timezone(&Utc))
                }
                chrono::LocalResult::None => {
                    Err("that local time does not exist (clock change)".to_string())
                }
            };
        }
    }
    Err("expected a time like 2026-11-23T10:15:00Z or 2026-11-23 10:15".to_string())
}

/// Formats an instant as RFC 3339 UTC with a `Z` suffix, the form stored on disk.
pub fn format_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Formats a duration as a short human string: `2d 4h`, `3h 05m`, `12m`, `45s`.
pub fn format_duration(d: chrono::TimeDelta) -> String {
    let secs = d.num_seconds().unsigned_abs();
    let (days, hours, mins) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {mins:02}m")
    } else if mins > 0 {
        format!("{mins}m")
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_yaml_without_changing_type() {
        for v in [
            AnswerValue::Bool(true),
            AnswerValue::Count(1200),
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
    fn counts_are_whole_non_negative_numbers_kept_exactly() {
        assert_eq!(parse_count("1200"), Ok(1200));
        assert_eq!(parse_count(" 0 "), Ok(0));
        assert_eq!(parse_count("18446744073709551615"), Ok(u64::MAX));
        assert!(
            parse_count("99999999999999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse_count("-5").unwrap_err().contains("negative"));
        assert!(parse_count("2.5").unwrap_err().contains("whole number"));
        assert!(parse_count("lots").unwrap_err().contains("whole number"));
        assert!(parse_count("").is_err());
        // A count is stored as an integer; an older file's float still reads as a number.
        assert_eq!(
            serde_yaml::to_string(&AnswerValue::Count(1200))
                .unwrap()
                .trim(),
            "1200"
        );
        let old: AnswerValue = serde_yaml::from_str("1200.0").unwrap();
        assert_eq!(old, AnswerValue::Number(1200.0));
        let new: AnswerValue = serde_yaml::from_str("1200").unwrap();
        assert_eq!(new, AnswerValue::Count(1200));
        assert_eq!(AnswerValue::from_number(12.0), AnswerValue::Count(12));
        assert_eq!(AnswerValue::from_number(-1.0), AnswerValue::Number(-1.0));
    }

    #[test]
    fn whole_numbers_display_without_decimals() {
        assert_eq!(format_number(1200.0), "1200");
        assert_eq!(format_number(2.5), "2.5");
    }

    #[test]
    fn parses_rfc3339_with_offset_into_utc() {
        let t = parse_time("2026-11-23T12:15:00+02:00").unwrap();
        assert_eq!(format_utc(t), "2026-11-23T10:15:00Z");
    }

    #[test]
    fn times_outside_1970_to_9999_and_leap_seconds_are_refused() {
        assert!(
            parse_time("0000-01-01T00:00:00Z")
                .unwrap_err()
                .contains("year 0")
        );
        assert!(
            parse_time("1969-12-31T23:59:59Z")
                .unwrap_err()
                .contains("1970 to 9999")
        );
        assert!(
            parse_time("2026-11-23T10:15:60Z")
                .unwrap_err()
                .contains("second 60")
        );
        assert!(
            parse_time("2026-11-23 10:15:60")
                .unwrap_err()
                .contains("second 60")
        );
        assert!(parse_time("1970-01-01T00:00:00Z").is_ok());
        assert!(parse_time("9999-12-31T23:59:59Z").is_ok());
    }

    #[test]
    fn rejects_garbage_with_a_hint() {
        let err = parse_time("yesterday").unwrap_err();
        assert!(err.contains("2026-11-23T10:15:00Z"), "{err}");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(chrono::TimeDelta::seconds(45)), "45s");
        assert_eq!(format_duration(chrono::TimeDelta::minutes(12)), "12m");
        assert_eq!(format_duration(chrono::TimeDelta::minutes(185)), "3h 05m");
        assert_eq!(format_duration(chrono::TimeDelta::hours(52)), "2d 4h");
        assert_eq!(format_duration(chrono::TimeDelta::hours(-3)), "3h 00m");
    }
}
