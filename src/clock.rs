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

/// Whether this build writes records at a fixed clock that no record can mark (format 1):
/// only a build with debug assertions, which is what `cargo build` and `cargo test` make, so
/// that tests are reproducible. A release build (`cargo install`, `cargo build --release`)
/// never does, so that `BREACH_NOW` cannot forge a format 1 record time silently. This is
/// the one place that asks how `breach` was built.
pub const UNMARKED_FIXED_CLOCK: bool = cfg!(debug_assertions);

/// Refuses a write whose records cannot say they were timed by `BREACH_NOW` (a format 1
/// incident file) while `BREACH_NOW` is set, in a build that does not allow it
/// ([`UNMARKED_FIXED_CLOCK`]). A team incident marks such records instead, in every build.
pub fn require_unmarked_allowed() -> anyhow::Result<()> {
    if UNMARKED_FIXED_CLOCK || !is_fixed() {
        return Ok(());
    }
    let value = std::env::var(NOW_ENV).unwrap_or_default();
    Err(invalid(format!(
        "{NOW_ENV} is set ({value:?}), but a format 1 incident file cannot mark records \
         written under a fixed clock, so this build records nothing under it; unset \
         {NOW_ENV} to record at the machine's clock, or rehearse in a team incident \
         (`breach start --team`), whose records say they were written under a fixed clock"
    )))
}

/// For a command that only reads: the sentence saying that the time it evaluates at is
/// fixed by `BREACH_NOW` (`None` when the machine's clock is used).
pub fn fixed_note(now: DateTime<Utc>) -> Option<String> {
    is_fixed().then(|| {
        format!(
            "the clock is fixed by {NOW_ENV} at {}: deadlines are evaluated at that time, not \
             the machine's clock",
            crate::types::format_utc(now)
        )
    })
}
