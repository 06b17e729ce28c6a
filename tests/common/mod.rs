//! The shared harness of the end-to-end tests: the real binary, run in a private directory
//! with a fixed clock, a fixed operator, a fixed time zone and no colour.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

use std::path::Path;

pub mod exports;

/// The fixed "now" of every test.
pub const NOW: &str = "2026-11-23T10:15:00Z";

/// The fixed operator of every test.
pub const OPERATOR: &str = "tester";

/// The `breach` binary as a plain [`std::process::Command`] in `dir`, with the test
/// environment: `BREACH_NOW` = [`NOW`], `BREACH_OPERATOR` = [`OPERATOR`], `TZ=UTC`,
/// `NO_COLOR=1`, and without any `BREACH_DIR`, `BREACH_RUNBOOKS`, `BREACH_SIGNING_KEY` or
/// `BREACH_SSH_PROGRAM` from the environment.
/// The search for the incident directory and `.breach.toml` stops at `dir`
/// (`BREACH_CEILING_DIRECTORIES`), and the user's configuration file is looked for in
/// `dir/.xdg` (`XDG_CONFIG_HOME`) and the state caches of team incidents are kept in
/// `dir/.cache` (`XDG_CACHE_HOME`), so nothing outside the test's directory counts. The
/// pseudo-terminal tests start it through this too.
pub fn command(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_breach"));
    cmd.current_dir(dir)
        .env_remove("BREACH_DIR")
        .env_remove("BREACH_RUNBOOKS")
        .env_remove("BREACH_SIGNING_KEY")
        .env_remove("BREACH_SSH_PROGRAM")
        .env("BREACH_CEILING_DIRECTORIES", dir)
        .env("XDG_CONFIG_HOME", dir.join(".xdg"))
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env("BREACH_NOW", NOW)
        .env("BREACH_OPERATOR", OPERATOR)
        .env("NO_COLOR", "1")
        .env("TZ", "UTC");
    cmd
}

/// [`command`] as an `assert_cmd` command, for the tests that assert on its output.
pub fn breach(dir: &Path) -> assert_cmd::Command {
    assert_cmd::Command::from_std(command(dir))
}
