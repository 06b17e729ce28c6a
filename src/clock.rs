//! The current time, overridable with `BREACH_NOW` so that tests and rehearsals are
//! reproducible. Everything inside `breach` is UTC; local time is only for display.

use chrono::{DateTime, Utc};

use crate::error::invalid;

/// The environment variable that fixes the clock (an RFC 3339 timestamp).
pub const NOW_ENV: &str = "BREACH_NOW";

/// The current instant: `BREACH_NOW` if set, else the system clock. Truncated to whole
/// seconds, the resolution of the incident file.
pub fn now() -> anyhow::Result<DateTime<Utc>> {
    match std::env::var(NOW_ENV) {
        Ok(text) => parse_time(&text)
            .map_err(|e| invalid(format!("{NOW_ENV}={text:?} is not a valid time: {e}"))),
        Err(_) => Ok(truncate(Utc::now())),
    }
}

fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// Parses a time as typed by an operator: RFC 3339 (`2026-11-23T10:15:00Z`, any offset),
/// or `YYYY-MM-DD HH:MM[:SS]` / `YYYY-MM-DDTHH:MM[:SS]` in the local time zone.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(truncate(t.with_timezone(&Utc)));
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
    fn parses_rfc3339_with_offset_into_utc() {
        let t = parse_time("2026-11-23T12:15:00+02:00").unwrap();
        assert_eq!(format_utc(t), "2026-11-23T10:15:00Z");
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
