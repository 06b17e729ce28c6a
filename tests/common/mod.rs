//! Shared helpers for the end-to-end tests.

use std::path::Path;

/// The `breach` binary, run in `dir`, with a fixed clock and operator and no colour, and
/// none of the environment that could point it elsewhere.
pub fn breach(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_breach"));
    cmd.current_dir(dir)
        .env("BREACH_NOW", "2026-11-23T10:15:00Z")
        .env("BREACH_OPERATOR", "alice")
        .env("NO_COLOR", "1")
        .env_remove("BREACH_DIR")
        .env_remove("BREACH_RUNBOOKS");
    cmd
}
