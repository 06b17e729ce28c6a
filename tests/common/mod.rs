//! Helpers shared by the end-to-end tests.

#![allow(dead_code)]

use std::path::Path;

/// The fixed clock of the end-to-end tests.
pub const NOW: &str = "2026-11-23T10:15:00Z";

/// `breach` run in `dir` with a fixed clock and operator, no colour, and no settings
/// inherited from the environment.
pub fn breach(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_breach"));
    cmd.current_dir(dir)
        .env("BREACH_NOW", NOW)
        .env("BREACH_OPERATOR", "tester")
        .env("NO_COLOR", "1")
        .env_remove("BREACH_DIR")
        .env_remove("BREACH_RUNBOOKS");
    cmd
}
