//! The current time, overridable with `BREACH_NOW` so that tests and rehearsals are
//! reproducible. Everything inside `breach` is UTC; local time is only for display.

use chrono::{DateTime, Utc};

use crate::error::invalid;
use crate::types::{parse_time, truncate};

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

/// Whether the clock is fixed by `BREACH_NOW` (version 2 records say so, so that a fixed
/// clock can never pass for the machine's).
pub fn is_fixed() -> bool {
    std::env::var_os(NOW_ENV).is_some()
}
