//! End-to-end and property tests of breach's promises: the incident file's format,
//! durability, concurrency, crash safety, tamper detection, file limits, permissions and bad
//! input. `docs/guarantees.md` names the test behind each promise.

#![expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on any unexpected error"
)]

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod clocks;
mod concurrency;
mod crash;
mod full_disk;
mod independent;
mod limits;
mod props;
mod security;
mod selection;
mod signing;
mod tamper;
mod team;
mod whole_incident;

use std::path::{Path, PathBuf};
use std::process::Output;

pub use common::breach;

/// A small runbook (two steps, every question kind) that keeps journal tests fast.
pub fn tiny_runbook() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runbooks-small/tiny.yaml")
}

/// Opens an incident with the tiny runbook in `root/incidents`; returns its file's path.
pub fn open_tiny(root: &Path, title: &str) -> PathBuf {
    let json = open_tiny_json(root, None, title);
    root.join(json["path"].as_str().unwrap())
}

/// Opens an incident with the tiny runbook (at `now`, if given, instead of the harness's
/// fixed time) and returns what `start --json` printed: `id`, `path`, `runbook`.
pub fn open_tiny_json(root: &Path, now: Option<&str>, title: &str) -> serde_json::Value {
    let mut cmd = breach(root);
    if let Some(now) = now {
        cmd.env("BREACH_NOW", now);
    }
    let out = cmd
        .args([
            "start",
            "--no-walk",
            "--json",
            "--title",
            title,
            "--runbook",
        ])
        .arg(tiny_runbook())
        .output()
        .unwrap();
    assert_ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs `breach` in `root` with these arguments.
pub fn run(root: &Path, args: &[&str]) -> Output {
    breach(root)
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts success, showing stderr if not.
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
}

/// Asserts a failure with this exit code, an `error:` message and no panic.
pub fn assert_fails(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    let err = stderr(out);
    assert!(err.contains("error:"), "no error message: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
}

/// The records of an incident file (which must verify).
pub fn records(path: &Path) -> Vec<breach::journal::Record> {
    let scan = breach::journal::file::read(path).unwrap();
    scan.require_intact().unwrap();
    scan.records
}
