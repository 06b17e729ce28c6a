//! Shared helpers of the end-to-end tests: the real binary in a private directory, with a
//! fixed clock, operator and time zone, and no colour.

use std::path::Path;

/// The fixed "now" of every test.
pub const NOW: &str = "2026-11-23T10:15:00Z";

/// `breach` run in `dir` (incidents in `dir/incidents`), with the clock fixed at [`NOW`].
pub fn breach(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_breach"));
    cmd.current_dir(dir)
        .env_remove("BREACH_DIR")
        .env_remove("BREACH_RUNBOOKS")
        .env("BREACH_NOW", NOW)
        .env("BREACH_OPERATOR", "ana")
        .env("NO_COLOR", "1")
        .env("TZ", "UTC");
    cmd
}
