//! The shared harness of the end-to-end tests: the real binary, run in a private directory
//! with a fixed clock, a fixed operator and no colour.

use std::path::Path;

/// A command for the `breach` binary, run in `dir` with `BREACH_DIR=dir/incidents`,
/// `BREACH_NOW=2026-11-23T10:15:00Z`, `BREACH_OPERATOR=tester` and `NO_COLOR=1`, and without
/// any `BREACH_RUNBOOKS` from the environment the tests run in.
pub fn breach(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_breach"));
    cmd.current_dir(dir)
        .env("BREACH_DIR", dir.join("incidents"))
        .env("BREACH_NOW", "2026-11-23T10:15:00Z")
        .env("BREACH_OPERATOR", "tester")
        .env("NO_COLOR", "1")
        .env_remove("BREACH_RUNBOOKS");
    cmd
}
